#include "telsim/models/percentiles.hpp"

#include <algorithm>
#include <bit>
#include <cmath>


namespace telsim {
namespace {
constexpr std::int64_t kSub = std::int64_t{1} << Percentiles::kSubBucketBits;
}  // namespace

std::size_t Percentiles::bucket_of(std::int64_t value) {
  if (value < 2 * kSub) return static_cast<std::size_t>(std::max<std::int64_t>(0, value));
  // value in [2^e, 2^(e+1)), e > kSubBucketBits: 2^kSubBucketBits buckets of width 2^(e - bits).
  const int e = std::bit_width(static_cast<std::uint64_t>(value)) - 1;
  const int shift = e - kSubBucketBits;
  return static_cast<std::size_t>(shift) * static_cast<std::size_t>(kSub) +
         static_cast<std::size_t>(value >> shift);
}

std::int64_t Percentiles::bucket_width(std::size_t index) {
  if (index < static_cast<std::size_t>(2 * kSub)) return 1;
  return std::int64_t{1} << ((index >> kSubBucketBits) - 1);
}

std::int64_t Percentiles::bucket_low(std::size_t index) {
  if (index < static_cast<std::size_t>(2 * kSub)) return static_cast<std::int64_t>(index);
  const int shift = static_cast<int>(index >> kSubBucketBits) - 1;
  const std::int64_t unit = kSub + static_cast<std::int64_t>(index & static_cast<std::size_t>(kSub - 1));
  return unit << shift;
}

void Percentiles::put(std::int64_t value, std::uint64_t n) {
  const std::size_t b = bucket_of(value);
  if (b >= buckets_.size()) buckets_.resize(b + 1, 0);
  buckets_[b] += n;
}

void Percentiles::to_histogram() {
  histogram_ = true;
  for (const std::int64_t v : samples_) put(v, 1);
  std::vector<std::int64_t>().swap(samples_);
  sorted_ = 0;
}

void Percentiles::add(Duration d) {
  const std::int64_t v = std::max<std::int64_t>(0, d.count());
  if (count_ == 0) min_ = max_ = v;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  ++count_;
  if (!histogram_) {
    if (count_ <= kExactSamples) {
      samples_.push_back(v);
      return;
    }
    to_histogram();
  }
  put(v, 1);
}

void Percentiles::merge(const Percentiles& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) min_ = other.min_, max_ = other.max_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  if (!histogram_ && count_ > kExactSamples) to_histogram();
  if (!histogram_) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
    return;
  }
  if (!other.histogram_) {
    for (const std::int64_t v : other.samples_) put(v, 1);
    return;
  }
  if (buckets_.size() < other.buckets_.size()) buckets_.resize(other.buckets_.size(), 0);
  for (std::size_t i = 0; i < other.buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
}

const std::vector<std::int64_t>& Percentiles::sorted_samples() const {
  if (sorted_ < samples_.size()) {
    // Samples come in batches (a stats row at a time): sort the new ones and merge them in.
    const auto mid = samples_.begin() + static_cast<std::ptrdiff_t>(sorted_);
    std::sort(mid, samples_.end());
    std::inplace_merge(samples_.begin(), mid, samples_.end());
    sorted_ = samples_.size();
  }
  return samples_;
}

std::size_t Percentiles::rank_of(std::size_t count, double p) {
  const double n = static_cast<double>(count);
  // ceil(p/100 * n) computed so that exact products (p95 of 20 samples = 19) stay exact.
  const auto rank = static_cast<std::size_t>(std::ceil(p * n / 100.0 - 1e-9));
  return std::clamp<std::size_t>(rank, 1, count);
}

Duration Percentiles::percentile(double p) const {
  if (count_ == 0) return Duration{0};
  const std::size_t rank = rank_of(static_cast<std::size_t>(count_), p);
  if (!histogram_) return Duration{sorted_samples()[rank - 1]};
  if (rank == count_) return Duration{max_};
  if (rank == 1) return Duration{min_};
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const std::int64_t mid = bucket_low(i) + bucket_width(i) / 2;
      return Duration{std::clamp(mid, min_, max_)};
    }
  }
  return Duration{max_};
}

}  // namespace telsim
