#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "internal.hpp"
#include "telsim/models/duration.hpp"

namespace telsim {
void report_detail::count_outcome(CallCounts& c, const CallRecord& r) {
  if (r.direction == Direction::Incoming) {
    switch (r.outcome) {
      case Outcome::Answered: ++c.incoming_answered; break;
      case Outcome::PickedUp: ++c.incoming_picked_up; break;
      case Outcome::Forwarded: ++c.incoming_forwarded; break;
      case Outcome::Redirected: ++c.incoming_redirected; break;
      case Outcome::Transferred: ++c.incoming_transferred; break;
      case Outcome::Cleared: ++c.incoming_cleared; break;
      // The model gives a received call none of the outcomes of a placed one; if it ever did,
      // it was not answered here.
      case Outcome::Missed:
      case Outcome::Busy:
      case Outcome::Blocked:
      case Outcome::NoAnswer:
      case Outcome::Abandoned:
      case Outcome::Failed: ++c.incoming_missed; break;
    }
    return;
  }
  switch (r.outcome) {
    case Outcome::Answered: ++c.answered; break;
    case Outcome::Busy: ++c.busy; break;
    case Outcome::Blocked: ++c.blocked; break;
    case Outcome::NoAnswer: ++c.no_answer; break;
    case Outcome::Abandoned: ++c.abandoned; break;
    case Outcome::Transferred: ++c.transferred; break;
    case Outcome::Cleared: ++c.cleared; break;
    // Outcomes of received calls never end a placed one; counted as failed should one appear.
    case Outcome::Failed:
    case Outcome::Missed:
    case Outcome::PickedUp:
    case Outcome::Forwarded:
    case Outcome::Redirected: ++c.failed; break;
  }
}

void CallCounts::add(const CallRecord& r) {
  if (!counted(r.kind)) return;
  if (r.direction == Direction::Incoming) {
    ++incoming_total;
  } else {
    ++total;
    if (r.cleared_at_end) ++cleared_at_end;
  }
  report_detail::count_outcome(*this, r);
}

CallCounts count_calls(const RunResult& run) {
  CallCounts c;
  for (const CallRecord& r : run.records) c.add(r);
  return c;
}

namespace {

/// "3 answered, 1 busy": the outcomes that occurred, in table order (answered always).
std::string outcome_list(std::initializer_list<std::pair<const char*, std::size_t>> items) {
  std::string out;
  for (const auto& [name, n] : items) {
    if (n == 0 && std::string_view(name) != "answered") continue;
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, name);
  }
  return out;
}

}  // namespace

std::string report_detail::placed_outcomes(const CallCounts& c) {
  return outcome_list({{"answered", c.answered}, {"busy", c.busy}, {"blocked", c.blocked},
                       {"no answer", c.no_answer}, {"abandoned", c.abandoned}, {"failed", c.failed},
                       {"transferred", c.transferred}, {"cleared", c.cleared}});
}

std::string report_detail::received_outcomes(const CallCounts& c) {
  return outcome_list({{"answered", c.incoming_answered}, {"missed", c.incoming_missed},
                       {"picked up", c.incoming_picked_up}, {"forwarded", c.incoming_forwarded},
                       {"redirected", c.incoming_redirected}, {"transferred", c.incoming_transferred},
                       {"cleared", c.incoming_cleared}});
}

std::string calls_summary_line(const CallCounts& c, const RunResult& run) {
  return calls_summary_line(c, run.records.size(), run);
}

std::string calls_summary_line(const CallCounts& c, std::uint64_t records, const RunResult& run) {
  const std::string placed = report_detail::placed_outcomes(c);
  const std::string received = report_detail::received_outcomes(c);
  return fmt::format("calls: {} placed ({}), {} received ({}); {} {}, {} cleared at end of run", c.total, placed,
                     c.incoming_total, received, records, records == 1 ? "CDR" : "CDRs", run.cleared_at_end);
}

std::vector<std::string> trunk_summary_lines(const RunResult& run) {
  std::vector<std::string> out;
  for (const RunResult::Trunk& t : run.trunks) {
    const TrunkStats::Summary& s = t.stats;
    std::string ci = s.blocking_ci ? fmt::format("95% interval {:.4f}..{:.4f}", s.blocking_ci->first,
                                                 s.blocking_ci->second)
                                   : "no 95% interval: " + s.ci_reason;
    out.push_back(fmt::format("trunk {}: {} {}, {} seizure {}, {} blocked, blocking {:.4f} ({})",
                              t.name, t.channels, t.channels == 1 ? "channel" : "channels", s.offered,
                              s.offered == 1 ? "attempt" : "attempts", s.blocked, s.blocking, ci));
  }
  return out;
}

std::vector<std::string> queue_summary_lines(const RunResult& run) {
  std::vector<std::string> out;
  for (const QueueSummary& q : run.queues) {
    std::string more;
    if (q.overflowed) more += fmt::format(", {} overflowed", q.overflowed);
    if (q.refused) more += fmt::format(", {} refused", q.refused);
    std::string levels;
    for (const auto& [threshold, figure] : q.service_level)
      levels += fmt::format(", service level {:.4f} within {}", figure.value, format_duration(threshold));
    out.push_back(fmt::format("queue {} ({}): {} offered, {} answered, {} abandoned{}, wait probability {:.4f}, "
                              "mean wait {}{}",
                              q.name, q.number, q.offered, q.answered, q.abandoned, more, q.wait_probability.value,
                              q.answered ? fmt::format("{:.3f} s", q.mean_wait_s.value) : std::string("-"), levels));
  }
  return out;
}

Duration nearest_rank(const std::vector<Duration>& sorted, double p) {
  if (sorted.empty()) return Duration{0};
  return sorted[Percentiles::rank_of(sorted.size(), p) - 1];
}

TimingSummary summarize_timing(std::string name, std::vector<Duration> samples) {
  TimingSummary s;
  s.name = std::move(name);
  s.count = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.p50 = nearest_rank(samples, 50);
  s.p95 = nearest_rank(samples, 95);
  s.p99 = nearest_rank(samples, 99);
  s.max = samples.back();
  return s;
}

std::vector<TimingSummary> call_timings(const RunResult& run) {
  return report_detail::digest(run).timings;
}

}  // namespace telsim
