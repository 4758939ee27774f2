#pragma once
// Helpers shared by the report writers; not part of the public API.
#include <array>
#include <optional>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "telsim/models/percentiles.hpp"
#include "telsim/reports/reports.hpp"

namespace telsim::report_detail {

/// The timings call_timings() summarises, in its order and with its names.
inline constexpr std::array<const char*, 4> kTimingNames = {"setup", "answer", "ring", "talk"};
/// Calls `f(timing, completed_at, value)` for every timing sample of one record, timing being
/// the index in kTimingNames and completed_at the instant it was complete: the first RINGBACK or
/// BUSY (setup), the answer (answer, ring), the record's end (talk).
template <class F>
void for_each_sample(const CallRecord& r, F&& f) {
  // Conference and bridge handles group other calls' legs: their times are no call's.
  if (r.kind == CallKind::Conference || r.kind == CallKind::Bridge) return;
  const auto first_stamp = [&r](CallState a, CallState b) -> std::optional<SimTime> {
    for (const StateStamp& s : r.history)
      if (s.state == a || s.state == b) return s.at;
    return std::nullopt;
  };
  if (r.direction == Direction::Outgoing) {
    // Setup is dialling until ringback or busy; calls the PBX placed itself (camp-on, trunk
    // arrivals) start in RINGBACK and have none.
    const bool dialled = !r.history.empty() && r.history.front().state == CallState::DialTone;
    if (dialled)
      if (auto t = first_stamp(CallState::RingBack, CallState::Busy)) f(0, *t, *t - r.start);
    if (r.answer) {
      f(1, *r.answer, *r.answer - r.start);
      f(3, r.end, r.end - *r.answer);
    }
  } else if (r.answer) {
    const SimTime offered = first_stamp(CallState::Offering, CallState::Offering).value_or(r.start);
    f(2, *r.answer, *r.answer - offered);
  }
}

/// memcpy for the short strings of a call record (numbers, mostly empty): lengths up to 16 are
/// copied by two overlapping fixed-size moves, which compile to moves, instead of a call.
inline void copy_short(char* to, const char* from, std::size_t n) {
  if (n >= 8 && n <= 16) {
    std::memcpy(to, from, 8);
    std::memcpy(to + n - 8, from + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    std::memcpy(to, from, 4);
    std::memcpy(to + n - 4, from + n - 4, 4);
  } else if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
  } else {
    std::memcpy(to, from, n);
  }
}

/// `n / d` rounded half away from zero (d > 0).
inline std::int64_t round_div(std::int64_t n, std::int64_t d) {
  const std::int64_t q = n / d;
  const std::int64_t r = n % d;
  if (2 * (r < 0 ? -r : r) >= d) return n < 0 ? q - 1 : q + 1;
  return q;
}
/// Seconds rounded to the microsecond, as the double nearest that decimal (prints exactly).
double seconds_us(Duration d);
/// Milliseconds rounded to the microsecond (3 decimals), as the double nearest that decimal.
double millis_us(Duration d);
/// "1234.567": milliseconds with exactly 3 decimals, from integer arithmetic.
std::string format_millis_3(Duration d);
/// The call's states joined by '>': "DIALTONE>DIALING>...>IDLE".
std::string states_text(const CallRecord& r);
/// cdr.csv's header line, and the one of a run with ACD queues (three more columns at the end:
/// queue, queue_wait_ms, agent).
extern const std::string_view kCdrHeader;
extern const std::string_view kCdrHeaderAcd;
/// More bytes than `r`'s cdr.csv row can take.
std::size_t cdr_row_bound(const CallRecord& r);
/// Write `r`'s cdr.csv row at `at` (with room for cdr_row_bound(r) bytes); returns its end.
/// `acd`: with the queue columns (a run with ACD queues).
char* write_cdr_row(char* at, const CallRecord& r, bool acd = false);

/// Count `r`'s outcome (not its total) in `c`, whatever its kind: stats.csv counts the outcome
/// where the call ended and the total where it began.
void count_outcome(CallCounts& c, const CallRecord& r);

/// "3 answered, 1 busy": the outcomes of calls placed (received) that occurred, in report.json's
/// order; `answered` always.
std::string placed_outcomes(const CallCounts& c);
std::string received_outcomes(const CallCounts& c);

/// A trunk group's busy channels over the run, from its channels' records (lines "NAME/k"): every
/// step (a call's start +1, its end -1) up to kExactSteps, then the most busy at once in each
/// of kBuckets equal spans of time (the span doubling as the run goes on).
struct Occupancy {
  static constexpr std::size_t kExactSteps = 1 << 17;
  static constexpr std::size_t kBuckets = 4096;
  std::string name;
  std::uint64_t seizures = 0;  ///< calls on its channels
  std::int64_t peak = 0;       ///< the most busy at once
  SimTime last{0};             ///< the last step
  bool exact = true;
  std::vector<std::pair<SimTime, int>> steps;  ///< exact: every step, sorted by (time, delta)
  std::int64_t width = 1;                      ///< bucketed: ns per bucket
  std::vector<std::int64_t> bucket_max;        ///< bucketed: the most busy in each bucket so far
  std::int64_t level = 0;                      ///< bucketed: busy after the last step applied
};

/// What the reports need from a run's records, gathered by a RecordStream.
struct Digest {
  CallCounts counts;
  std::uint64_t records = 0;
  std::array<Percentiles, 4> samples;  ///< per kTimingNames entry
  std::vector<TimingSummary> timings;  ///< call_timings()
  std::vector<CallRecord> first_calls;  ///< the first kMaxCallRows records, by serial
  std::vector<CallRecord> ladder;       ///< the calls the ladder shows, by serial
  std::string ladder_rule;              ///< which, in words
  bool ladder_all = true;               ///< the ladder shows every record of the run
  std::vector<Occupancy> occupancy;     ///< per trunk group named in StreamOptions
  const Occupancy* occupancy_of(std::string_view trunk) const {
    for (const Occupancy& o : occupancy)
      if (o.name == trunk) return &o;
    return nullptr;
  }
};
/// Rows of report.html's calls table (the rest are in cdr.csv only).
inline constexpr std::size_t kMaxCallRows = 1000;
/// The digest of a run that holds its records (no files written).
Digest digest(const RunResult& run);
std::string report_json(const RunResult& run, const Digest& d);
/// report.json as a JSON value (what report_json prints).
nlohmann::ordered_json report_json_value(const RunResult& run, const Digest& d);
std::string report_html(const RunResult& run, const Digest& d);
/// One stats.csv row's columns, and the header.
std::string stats_header();

/// report.html's charts (html_charts.cpp), each one inline <svg> with axis labels and units.
/// Ladder (sequence) diagram: one lane per line, a row per instant, each call's states as
/// coloured bars and names, arrows from caller to callee, failed expectations across.
/// `all_shown`: the calls are every record of the run.
std::string ladder_svg(const RunResult& run, const std::vector<const CallRecord*>& calls, bool all_shown);
/// Histogram of one timing's samples with its p50, p95 and p99 marked.
std::string histogram_svg(const TimingSummary& t, const Percentiles& samples);

/// The run's records in serial order (stable; the runner already sorts, this makes sure).
std::vector<const CallRecord*> by_serial(const RunResult& run);
/// Where a failing expectation points: "FILE:LINE" (the scenario's name stands in for a
/// missing file).
std::string location(const RunResult& run, const ExpectationResult& e);

}  // namespace telsim::report_detail
