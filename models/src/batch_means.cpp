#include "telsim/models/batch_means.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace telsim {

void BatchMeans::add(SimTime at, double value) {
  if (!in_window(at)) return;
  ++count_;
  sum_ += value;
  if (until_ == SimTime::max()) return;
  const double span = to_seconds(until_ - from_) / kBatches;
  const auto b = std::min(kBatches - 1, static_cast<int>(to_seconds(at - from_) / span));
  ++batch_count_[b];
  batch_sum_[b] += value;
}

BatchMeans::Interval BatchMeans::interval(bool proportion, std::string_view what) const {
  Interval out;
  // A handful of observations gives no interval at all rather than a zero-width one that claims
  // certainty.
  if (until_ == SimTime::max()) {
    out.reason = "no measurement window: only traffic with `for` sets one";
    return out;
  }
  double mean = 0, m2 = 0;
  int n = 0;
  for (int i = 0; i < kBatches; ++i) {
    if (batch_count_[i] < kMinBatchCount) continue;
    const double x = batch_sum_[i] / static_cast<double>(batch_count_[i]);
    ++n;
    const double d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  out.batches = n;
  if (n < kMinBatches) {
    out.reason = fmt::format("{} of {} batches had {} or more {}; an interval needs {}", n, kBatches,
                             kMinBatchCount, what, kMinBatches);
    return out;
  }
  // Student t quantile 0.975 for n-1 degrees of freedom (n = 10..20).
  static constexpr double kT975[] = {2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
                                     2.131, 2.120, 2.110, 2.101, 2.093};
  const double t = kT975[n - kMinBatches];
  const double half = t * std::sqrt(m2 / (n - 1)) / std::sqrt(static_cast<double>(n));
  const double centre_value = this->mean();
  double low = centre_value - half;
  double high = centre_value + half;
  if (proportion) {
    low = std::max(0.0, low);
    high = std::min(1.0, high);
    constexpr double z = 1.959964;
    const double total = static_cast<double>(count_);
    const double p = centre_value;
    const double denom = 1 + z * z / total;
    const double centre = (p + z * z / (2 * total)) / denom;
    const double spread = z / denom * std::sqrt(p * (1 - p) / total + z * z / (4 * total * total));
    low = std::min(low, std::max(0.0, centre - spread));
    high = std::max(high, std::min(1.0, centre + spread));
  }
  out.ci = std::make_pair(low, high);
  return out;
}

}  // namespace telsim
