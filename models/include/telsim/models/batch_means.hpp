#pragma once
/// The mean of a quantity observed once per call (blocked or not, waited or not, a wait in
/// seconds) over a measurement window, with its 95% confidence interval by batch means: the
/// window is cut into kBatches equal batches, each observation goes to the batch of the instant
/// it belongs to (a call's arrival), and the interval is Student's t over the batches' means.
/// Consecutive batches of a long stationary run are close to independent, which the calls of
/// one run are not; this is the method's point. Trunk blocking (trunk.hpp) and the ACD's queue
/// figures (acd.hpp) are measured with it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "telsim/models/scheduler.hpp"

namespace telsim {

class BatchMeans {
 public:
  static constexpr int kBatches = 20;
  /// A batch enters the interval only with at least this many observations, and the interval
  /// needs at least kMinBatches such batches.
  static constexpr std::uint64_t kMinBatchCount = 5;
  static constexpr int kMinBatches = 10;

  BatchMeans() = default;
  BatchMeans(SimTime from, SimTime until) : from_(from), until_(until) {}
  bool in_window(SimTime t) const { return t >= from_ && t < until_; }
  /// One observation belonging to instant `at`; ignored outside the window.
  void add(SimTime at, double value);

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }

  struct Interval {
    std::optional<std::pair<double, double>> ci;  ///< none until enough batches qualify
    std::string reason;  ///< why there is none (empty when there is one)
    int batches = 0;     ///< batches that qualified
  };
  /// The 95% interval of mean(). `proportion`: the observations are 0 or 1, and the interval is
  /// widened where needed to the Wilson score interval of the pooled proportion (batch means
  /// see no spread when every batch had the same proportion, typically none) and kept in [0, 1].
  /// `what` names the observations in `reason` ("seizure attempts", "calls").
  Interval interval(bool proportion, std::string_view what) const;

 private:
  SimTime from_{0};
  SimTime until_ = SimTime::max();
  std::uint64_t count_ = 0;
  double sum_ = 0;
  std::uint64_t batch_count_[kBatches] = {};
  double batch_sum_[kBatches] = {};
};

}  // namespace telsim
