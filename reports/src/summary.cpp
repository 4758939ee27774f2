#include <algorithm>
#include <cmath>
#include <optional>

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

CallCounts count_calls(const RunResult& run) {
  CallCounts c;
  for (const CallRecord& r : run.records) {
    if (r.direction == Direction::Incoming) {
      ++c.incoming_total;
      if (r.outcome == Outcome::Answered)
        ++c.incoming_answered;
      else
        ++c.incoming_missed;  // an incoming call is answered or missed, nothing else
      continue;
    }
    ++c.total;
    if (r.cleared_at_end) ++c.cleared_at_end;
    switch (r.outcome) {
      case Outcome::Answered: ++c.answered; break;
      case Outcome::Abandoned: ++c.abandoned; break;
      case Outcome::Blocked: ++c.blocked; break;
      case Outcome::Failed:
      case Outcome::Missed: ++c.failed; break;
    }
  }
  return c;
}

std::string calls_summary_line(const CallCounts& c, const RunResult& run) {
  return fmt::format(
      "calls: {} placed ({} answered, {} abandoned, {} blocked, {} failed), {} received; "
      "{} CDRs, {} cleared at end of run",
      c.total, c.answered, c.abandoned, c.blocked, c.failed, c.incoming_total, run.records.size(),
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
