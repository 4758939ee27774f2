#pragma once
/// Simulated time paced against the wall clock (docs/protocol.md, "How time works").
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "telsim/server/server.hpp"
#include "telsim/sim/kernel.hpp"

namespace telsim::serve {

using WallClock = std::chrono::steady_clock;

/// How late timer events ran, as a histogram: 10 µs buckets up to 1 s, then one overflow
/// bucket, so memory stays bounded however long the server runs. Percentiles are read off the
/// buckets (a bucket's upper edge, never more than the largest lateness seen).
class LatenessHistogram {
 public:
  static constexpr Duration kBucket = std::chrono::microseconds(10);
  LatenessHistogram() : counts_(100'001, 0) {}
  /// `count` events ran `late` after their ideal instant (early counts as on time).
  void add(Duration late, std::uint64_t count);
  PacingStats summary() const;

 private:
  Duration percentile(double p) const;
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  Duration max_{0};
};

/// The clock: simulated time runs `speed` times as fast as the wall clock from the instant the
/// run starts. The pacer maps wall time to simulated time and back, brings the model to the
/// simulated "now" (running the due timers in order and measuring how late each ran), and
/// sleeps on one Asio timer until the earliest pending model timer or --until.
/// The clock can be paused, resumed and given another speed while it runs (the `clock`
/// request): the mapping then restarts from the instant of the change (its anchor), so
/// simulated time never jumps or goes back.
class Pacer {
 public:
  using Now = WallClock::time_point (*)();
  /// `on_due` runs when the timer armed by arm() fires, with the instant it was armed for.
  /// `now` reads the wall clock (tests give a fake one).
  Pacer(boost::asio::io_context& io, SimulationKernel& kernel, double speed, std::optional<SimTime> until,
        std::function<void(SimTime)> on_due, Now now = &WallClock::now);

  /// Simulated time 0 is now.
  void start() { wall0_ = now_(); }
  /// Stop simulated time at the present instant: nothing advances it (requests are carried
  /// out at this instant) and no timer wakes the loop until resume().
  void pause();
  /// Simulated time runs again from where it stopped.
  void resume();
  /// Run at `speed` (> 0) simulated seconds per wall second from now on.
  void set_speed(double speed);
  bool paused() const { return paused_; }
  double speed() const { return speed_; }
  /// The simulated instant of wall time `w`, and the wall time of simulated instant `t`.
  SimTime sim_at(WallClock::time_point w) const;
  WallClock::time_point wall_at(SimTime t) const;
  /// Bring the model to the simulated instant of the wall clock (at least `at_least`, never
  /// past --until), running every due timer in order and recording its lateness. True when
  /// the model has reached --until.
  /// `between` (when given) runs after every kBatch instants: a server behind the clock (a
  /// high --speed) catches up in one advance, and tells its clients and forgets ended calls as
  /// it goes instead of holding them all until the end of it.
  bool advance(SimTime at_least = SimTime::min(), const std::function<void()>& between = {});
  static constexpr std::uint64_t kBatch = 4096;
  /// Wake up (on_due) at the earliest pending timer or --until; with nothing pending, sleep
  /// until a client or a signal wakes the loop.
  void arm();
  /// No more wake-ups (the run is ending).
  void cancel() { timer_.cancel(); }
  PacingStats stats() const { return lateness_.summary(); }

 private:
  SimulationKernel& kernel_;
  double speed_;
  std::optional<SimTime> until_;
  std::function<void(SimTime)> on_due_;
  Now now_;
  /// Re-anchor the mapping at the present: sim_at(now) stays what it was (and never behind
  /// the model), and from here simulated time runs at the (new) speed.
  void anchor();
  WallClock::time_point wall0_{};  ///< the wall time of sim0_
  SimTime sim0_{0};                ///< the simulated instant the mapping counts from
  bool paused_ = false;
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  SimTime armed_for_{0};
  LatenessHistogram lateness_;
};

}  // namespace telsim::serve
