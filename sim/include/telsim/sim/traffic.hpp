#pragma once
/// Traffic generators: Poisson arrivals of calls from a trunk (inbound, to DID numbers) or from
/// a range of extensions (an idle one is picked at each arrival), each held for a time drawn
/// from its distribution. Each generator draws from its own stream "traffic:NAME".
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "telsim/models/pbx.hpp"

namespace telsim {

struct TrafficConfig {
  std::string name;
  std::string from_trunk;               ///< inbound: arrivals on this trunk ...
  std::vector<std::string> from_lines;  ///< ... or calls from these extensions
  std::string to;                       ///< number pattern: "5550100-5550199", "9555xxxx", "202"
  double rate_per_s = 0;                ///< Poisson arrival rate
  DurationDist holding = DurationDist(std::chrono::seconds(180));
  Duration duration = std::chrono::hours(1);  ///< arrivals stop after this (`for`)
  Duration warmup{0};                   ///< excluded from statistics
};

/// A number pattern, read once: a range "LOW-HIGH" (ends of the same length), or digits where
/// each `x` (or `X`) is a random digit. The loader has checked its form.
class NumberPattern {
 public:
  explicit NumberPattern(const std::string& pattern);
  /// A random number of the pattern into `out` (its buffer reused): one uniform draw for a
  /// range, one per `x` from left to right for the other form.
  void sample(std::mt19937_64& rng, std::string& out) const;

 private:
  std::string text_;                 ///< the number with its random digits still `x`
  std::vector<std::size_t> random_;  ///< where the random digits go
  bool range_ = false;
  std::uint64_t low_ = 0, high_ = 0;
  int width_ = 0;                    ///< a range's numbers: zero-padded to the ends' length
};

struct TrafficStats {
  std::string name;
  std::uint64_t arrivals = 0;
  std::uint64_t no_idle_source = 0;  ///< arrivals that found every source extension busy
};

class TrafficGenerator {
 public:
  TrafficGenerator(TrafficConfig config, Pbx& pbx, Scheduler& scheduler, std::uint64_t seed);
  void start();
  const TrafficStats& stats() const { return stats_; }

 private:
  void arrival();
  void schedule_next();
  TrafficConfig config_;
  Pbx& pbx_;
  Scheduler& scheduler_;
  std::mt19937_64 rng_;
  NumberPattern to_;
  std::string number_;  ///< the number of the arrival being placed (its buffer reused)
  std::optional<std::size_t> trunk_;
  std::vector<LineId> sources_;
  TrafficStats stats_;
};

}  // namespace telsim
