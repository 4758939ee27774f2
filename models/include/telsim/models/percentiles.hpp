#pragma once
/// Percentiles of a stream of durations in bounded memory: the samples themselves while there are
/// at most kExactSamples of them (percentiles by nearest rank, exactly as on the sorted samples),
/// then a log-linear histogram in the manner of HdrHistogram: every power of two is cut into
/// 2^kSubBucketBits buckets of equal width, so a bucket is never wider than 1/512 of its lower
/// bound. A percentile read from the histogram is the midpoint of the bucket that holds the
/// nearest-rank sample, clamped to [min, max]: its relative error is at most 2^-10 (0.098%).
/// Count, min and max stay exact; the largest sample is p100 either way.
#include <cstdint>
#include <vector>

#include "telsim/models/scheduler.hpp"

namespace telsim {

class Percentiles {
 public:
  /// Samples kept as they are; one more and they go into the histogram (docs/report-json.md).
  static constexpr std::size_t kExactSamples = 65'536;
  static constexpr int kSubBucketBits = 9;
  /// Relative error bound of a percentile once the histogram is in use.
  static constexpr double kRelativeError = 1.0 / (2 << kSubBucketBits);

  void add(Duration value);
  /// Add every sample of `other` (the union of the two streams).
  void merge(const Percentiles& other);

  std::uint64_t count() const { return count_; }
  bool exact() const { return !histogram_; }
  Duration min() const { return Duration{min_}; }
  Duration max() const { return Duration{max_}; }
  /// Nearest-rank percentile (the ceil(p/100 * n)-th smallest sample); 0 without samples.
  /// `p` in (0, 100]. Exact while exact(); else within kRelativeError of that sample.
  Duration percentile(double p) const;

  /// The samples, sorted (only while exact()).
  const std::vector<std::int64_t>& sorted_samples() const;
  /// The histogram's buckets for charts: calls `f(low_ns, high_ns, count)` for every non-empty
  /// bucket, lowest first (only once !exact()); [low, high) holds `count` samples.
  template <class F>
  void for_each_bucket(F&& f) const {
    for (std::size_t i = 0; i < buckets_.size(); ++i)
      if (buckets_[i]) f(bucket_low(i), bucket_low(i) + bucket_width(i), buckets_[i]);
  }

  /// The 1-based rank of the nearest-rank percentile `p` among `count` (> 0) sorted samples:
  /// ceil(p/100 * count), at least 1.
  static std::size_t rank_of(std::size_t count, double p);

  /// Bucket arithmetic (exposed for tests): the bucket of a value, its lower bound and width.
  static std::size_t bucket_of(std::int64_t value);
  static std::int64_t bucket_low(std::size_t index);
  static std::int64_t bucket_width(std::size_t index);

 private:
  void to_histogram();
  void put(std::int64_t value, std::uint64_t n);

  std::uint64_t count_ = 0;
  std::int64_t min_ = 0, max_ = 0;
  bool histogram_ = false;
  mutable std::vector<std::int64_t> samples_;  // exact: the samples, sorted up to sorted_
  mutable std::size_t sorted_ = 0;
  std::vector<std::uint64_t> buckets_;         // histogram: counts by bucket index
};

}  // namespace telsim
