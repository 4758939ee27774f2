#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "internal.hpp"

namespace telsim {
namespace {

std::optional<SimTime> first_stamp(const CallRecord& r, CallState a, CallState b) {
  for (const StateStamp& s : r.history)
    if (s.state == a || s.state == b) return s.at;
  return std::nullopt;
}

}  // namespace

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
  const std::string placed = report_detail::placed_outcomes(c);
  const std::string received = report_detail::received_outcomes(c);
  return fmt::format("calls: {} placed ({}), {} received ({}); {} {}, {} cleared at end of run", c.total, placed,
                     c.incoming_total, received, run.records.size(), run.records.size() == 1 ? "CDR" : "CDRs",
                     run.cleared_at_end);
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

namespace report_detail {

std::size_t nearest_rank_position(std::size_t count, double p) {
  const double n = static_cast<double>(count);
  // ceil(p/100 * n) computed so that exact products (p95 of 20 samples = 19) stay exact.
  const auto rank = static_cast<std::size_t>(std::ceil(p * n / 100.0 - 1e-9));
  return std::clamp<std::size_t>(rank, 1, count);
}

}  // namespace report_detail

Duration nearest_rank(const std::vector<Duration>& sorted, double p) {
  if (sorted.empty()) return Duration{0};
  return sorted[report_detail::nearest_rank_position(sorted.size(), p) - 1];
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

namespace report_detail {

namespace {

/// Calls `f(timing, completed_at, value)` for every sample of the timings, timing being the
/// index in kTimingNames.
template <class F>
void for_each_sample(const RunResult& run, F&& f) {
  for (const CallRecord& r : run.records) {
    // Conference and bridge handles group other calls' legs: their times are no call's.
    if (r.kind == CallKind::Conference || r.kind == CallKind::Bridge) continue;
    if (r.direction == Direction::Outgoing) {
      // Setup is dialling until ringback or busy; calls the PBX placed itself (camp-on, trunk
      // arrivals) start in RINGBACK and have none.
      const bool dialled = !r.history.empty() && r.history.front().state == CallState::DialTone;
      if (auto t = first_stamp(r, CallState::RingBack, CallState::Busy); t && dialled)
        f(0, *t, *t - r.start);
      if (r.answer) {
        f(1, *r.answer, *r.answer - r.start);
        f(3, r.end, r.end - *r.answer);
      }
    } else if (r.answer) {
      const SimTime offered = first_stamp(r, CallState::Offering, CallState::Offering).value_or(r.start);
      f(2, *r.answer, *r.answer - offered);
    }
  }
}

}  // namespace

std::array<std::vector<TimedSample>, 4> timed_samples(const RunResult& run) {
  std::array<std::vector<TimedSample>, 4> out;
  for_each_sample(run, [&](int i, SimTime at, Duration value) {
    out[static_cast<std::size_t>(i)].push_back({at, value});
  });
  return out;
}

Digest digest(const RunResult& run) {
  Digest d;
  d.counts = count_calls(run);
  for_each_sample(run, [&](int i, SimTime, Duration value) {
    d.sorted[static_cast<std::size_t>(i)].push_back(value);
  });
  for (std::size_t i = 0; i < d.sorted.size(); ++i) {
    std::vector<Duration>& values = d.sorted[i];
    std::sort(values.begin(), values.end());
    TimingSummary t;
    t.name = kTimingNames[i];
    t.count = values.size();
    if (!values.empty()) {
      t.p50 = nearest_rank(values, 50);
      t.p95 = nearest_rank(values, 95);
      t.p99 = nearest_rank(values, 99);
      t.max = values.back();
    }
    d.timings.push_back(std::move(t));
  }
  return d;
}

}  // namespace report_detail

std::vector<TimingSummary> call_timings(const RunResult& run) {
  return report_detail::digest(run).timings;
}

}  // namespace telsim
