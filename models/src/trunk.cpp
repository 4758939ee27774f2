#include "telsim/models/trunk.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace telsim {

std::string_view to_string(TrunkConfig::Direction d) {
  switch (d) {
    case TrunkConfig::Direction::Both: return "both";
    case TrunkConfig::Direction::In: return "in";
    case TrunkConfig::Direction::Out: return "out";
  }
  return "?";
}

void TrunkStats::seize_attempt(SimTime at, bool blocked) {
  if (!in_window(at)) return;
  ++offered_;
  if (blocked) ++blocked_;
  if (until_ == SimTime::max()) return;
  const double span = to_seconds(until_ - from_) / kBatches;
  const auto b = std::min(kBatches - 1, static_cast<int>(to_seconds(at - from_) / span));
  ++batch_offered_[b];
  if (blocked) ++batch_blocked_[b];
}

void TrunkStats::occupancy(SimTime at, std::uint32_t busy_channels) {
  // Integrate the busy channels over the part of [last change, at) inside the window.
  const SimTime a = std::max(last_change_, from_);
  const SimTime b = std::min(at, until_);
  if (b > a) busy_area_ += busy_ * to_seconds(b - a);
  last_change_ = at;
  busy_ = busy_channels;
  if (in_window(at)) peak_ = std::max(peak_, busy_channels);
}

TrunkStats::Summary TrunkStats::summary(SimTime end) const {
  Summary s;
  s.offered = offered_;
  s.blocked = blocked_;
  s.carried = offered_ - blocked_;
  s.blocking = offered_ ? static_cast<double>(blocked_) / static_cast<double>(offered_) : 0.0;
  s.peak_occupancy = peak_;
  const SimTime stop = std::min(end, until_);
  double area = busy_area_;
  const SimTime a = std::max(last_change_, from_);
  if (stop > a) area += busy_ * to_seconds(stop - a);
  const double window = stop > from_ ? to_seconds(stop - from_) : 0.0;
  s.carried_erlangs = window > 0 ? area / window : 0.0;
  // 95% confidence interval of the blocking from the batch means. A handful of calls gives no
  // interval at all rather than a zero-width one that claims certainty.
  if (until_ == SimTime::max()) {
    s.ci_reason = "no measurement window: only traffic with `for` sets one";
    return s;
  }
  double mean = 0, m2 = 0;
  int n = 0;
  for (int i = 0; i < kBatches; ++i) {
    if (batch_offered_[i] < kMinBatchAttempts) continue;
    const double x = static_cast<double>(batch_blocked_[i]) / static_cast<double>(batch_offered_[i]);
    ++n;
    const double d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  s.ci_batches = n;
  if (n < kMinBatches) {
    s.ci_reason = fmt::format("{} of {} batches had {} or more seizure attempts; an interval needs {}",
                              n, kBatches, kMinBatchAttempts, kMinBatches);
    return s;
  }
  // Student t quantile 0.975 for n-1 degrees of freedom (n = 10..20).
  static constexpr double kT975[] = {2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
                                     2.131, 2.120, 2.110, 2.101, 2.093};
  const double t = kT975[n - kMinBatches];
  const double half = t * std::sqrt(m2 / (n - 1)) / std::sqrt(static_cast<double>(n));
  double low = std::max(0.0, s.blocking - half);
  double high = std::min(1.0, s.blocking + half);
  // Batch means estimate the variance from the batches' spread, which is zero when every batch
  // saw the same proportion (typically none blocked): widen to the Wilson score interval.
  constexpr double z = 1.959964;
  const double total = static_cast<double>(offered_);
  const double p = s.blocking;
  const double denom = 1 + z * z / total;
  const double centre = (p + z * z / (2 * total)) / denom;
  const double spread = z / denom * std::sqrt(p * (1 - p) / total + z * z / (4 * total * total));
  low = std::min(low, std::max(0.0, centre - spread));
  high = std::max(high, std::min(1.0, centre + spread));
  s.blocking_ci = std::make_pair(low, high);
  return s;
}

}  // namespace telsim
