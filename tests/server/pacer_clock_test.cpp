// The server's clock under control (the `clock` request): pause, resume and another speed while
// it runs, on a fake wall clock. Simulated time never jumps or goes back at a change, timers do
// not fire while it stands, and lateness is measured against the mapping in force.
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "../../sim/server/src/pacer.hpp"

namespace telsim::serve {
namespace {

using namespace std::chrono_literals;

WallClock::time_point fake_wall;
WallClock::time_point fake_now() { return fake_wall; }

struct ClockRig {
  explicit ClockRig(double speed)
      : pacer(std::make_unique<Pacer>(io, kernel, speed, std::nullopt, [this](SimTime due) { woken.push_back(due); },
                                      &fake_now)) {
    fake_wall = WallClock::time_point(1000s);
    pacer->start();
  }
  boost::asio::io_context io;
  ManualKernel kernel;
  std::vector<SimTime> woken;
  std::unique_ptr<Pacer> pacer;
};

TEST(PacerClock, PauseStopsSimulatedTimeAndResumeGoesOnFromThere) {
  ClockRig rig(1.0);
  bool fired = false;
  rig.kernel.schedule(5s, [&] { fired = true; });
  fake_wall += 2s;
  rig.pacer->pause();
  EXPECT_TRUE(rig.pacer->paused());
  EXPECT_EQ(rig.pacer->sim_at(fake_wall), SimTime(2s));
  // An hour of wall time passes: the model stays at 2 s, and the 5 s timer waits.
  fake_wall += 3600s;
  EXPECT_EQ(rig.pacer->sim_at(fake_wall), SimTime(2s));
  rig.pacer->advance();
  EXPECT_EQ(rig.kernel.now(), SimTime(2s));
  // A stale wake-up for the timer's own instant does not move it either.
  rig.pacer->advance(SimTime(5s));
  EXPECT_EQ(rig.kernel.now(), SimTime(2s));
  EXPECT_FALSE(fired);
  rig.pacer->pause();  // twice: nothing changes
  EXPECT_EQ(rig.pacer->sim_at(fake_wall), SimTime(2s));

  rig.pacer->resume();
  EXPECT_FALSE(rig.pacer->paused());
  EXPECT_EQ(rig.pacer->sim_at(fake_wall), SimTime(2s));
  EXPECT_EQ(rig.pacer->wall_at(SimTime(5s)), fake_wall + 3s);
  fake_wall += 3s;
  rig.pacer->advance();
  EXPECT_TRUE(fired);
  EXPECT_EQ(rig.kernel.now(), SimTime(5s));
  // The timer ran on time by the resumed clock, not an hour late.
  EXPECT_EQ(rig.pacer->stats().max, Duration::zero());
}

TEST(PacerClock, ANewSpeedTakesEffectFromTheMomentOfTheChange) {
  ClockRig rig(1.0);
  fake_wall += 10s;
  rig.pacer->set_speed(100.0);
  EXPECT_EQ(rig.pacer->speed(), 100.0);
  EXPECT_EQ(rig.pacer->sim_at(fake_wall), SimTime(10s)) << "no jump at the change";
  EXPECT_EQ(rig.pacer->sim_at(fake_wall + 1s), SimTime(110s));
  EXPECT_EQ(rig.pacer->wall_at(SimTime(60s)), fake_wall + 500ms);

  fake_wall += 1s;
  rig.pacer->set_speed(0.1);
  EXPECT_EQ(rig.pacer->sim_at(fake_wall), SimTime(110s));
  EXPECT_EQ(rig.pacer->sim_at(fake_wall + 10s), SimTime(111s));

  // Nonsense is ignored (the request refuses it before it gets here).
  rig.pacer->set_speed(0.0);
  rig.pacer->set_speed(-3.0);
  EXPECT_EQ(rig.pacer->speed(), 0.1);
}

TEST(PacerClock, TheModelAheadOfTheWallClockIsNeverSentBack) {
  // A timer's wake-up may take the model past the wall clock's instant; a change of speed then
  // counts from where the model is.
  ClockRig rig(1.0);
  rig.kernel.schedule(3s, [] {});
  fake_wall += 2s;
  rig.pacer->advance(SimTime(3s));
  EXPECT_EQ(rig.kernel.now(), SimTime(3s));
  rig.pacer->set_speed(2.0);
  EXPECT_EQ(rig.pacer->sim_at(fake_wall), SimTime(3s));
  rig.pacer->pause();
  EXPECT_EQ(rig.pacer->sim_at(fake_wall + 5s), SimTime(3s));
}

TEST(PacerClock, NoWakeUpIsArmedWhileTheClockStands) {
  // The Asio timer runs on the real clock here.
  boost::asio::io_context io;
  ManualKernel kernel;
  std::vector<SimTime> woken;
  Pacer pacer(io, kernel, 1000.0, std::nullopt, [&](SimTime due) { woken.push_back(due); });
  pacer.start();
  kernel.schedule(200ms, [] {});
  pacer.arm();
  pacer.pause();
  pacer.arm();
  io.run();  // returns at once: nothing is armed
  EXPECT_TRUE(woken.empty());
  pacer.resume();
  pacer.arm();
  io.restart();
  io.run();
  EXPECT_EQ(woken, (std::vector<SimTime>{200ms}));
}

}  // namespace
}  // namespace telsim::serve
