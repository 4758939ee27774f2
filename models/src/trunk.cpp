#include "telsim/models/trunk.hpp"

#include <algorithm>

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

void TrunkStats::seize_attempt(SimTime at, bool blocked) { blocking_.add(at, blocked ? 1.0 : 0.0); }

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
  s.offered = blocking_.count();
  s.blocked = static_cast<std::uint64_t>(blocking_.sum());
  s.carried = s.offered - s.blocked;
  s.blocking = blocking_.mean();
  s.peak_occupancy = peak_;
  const SimTime stop = std::min(end, until_);
  double area = busy_area_;
  const SimTime a = std::max(last_change_, from_);
  if (stop > a) area += busy_ * to_seconds(stop - a);
  const double window = stop > from_ ? to_seconds(stop - from_) : 0.0;
  s.carried_erlangs = window > 0 ? area / window : 0.0;
  BatchMeans::Interval ci = blocking_.interval(/*proportion=*/true, "seizure attempts");
  s.blocking_ci = ci.ci;
  s.ci_reason = std::move(ci.reason);
  s.ci_batches = ci.batches;
  return s;
}

}  // namespace telsim
