#pragma once
// Helpers shared by the report writers; not part of the public API.
#include <array>
#include <cstdint>
#include <string_view>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "telsim/reports/reports.hpp"

namespace telsim::report_detail {

/// One timing sample and the instant it was complete: the first RINGBACK or BUSY (setup), the
/// answer (answer, ring), the record's end (talk).
struct TimedSample {
  SimTime at;
  Duration value;
};
/// The timings call_timings() summarises, in its order and with its names.
inline constexpr std::array<const char*, 4> kTimingNames = {"setup", "answer", "ring", "talk"};
/// The samples behind call_timings(), one vector per kTimingNames entry, in record order.
std::array<std::vector<TimedSample>, 4> timed_samples(const RunResult& run);

/// The 1-based rank nearest_rank() takes among `count` (> 0) sorted samples for percentile `p`.
std::size_t nearest_rank_position(std::size_t count, double p);

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
/// cdr.csv's header line; its rows for records[from, to) written to the start of `buffer`
/// (grown as needed, never shrunk, so a reused buffer costs nothing more); returns their size.
extern const std::string_view kCdrHeader;
std::size_t format_cdr_rows(const std::vector<const CallRecord*>& records, std::size_t from,
                            std::size_t to, std::vector<char>& buffer);

/// Count `r`'s outcome (not its total) in `c`, whatever its kind: stats.csv counts the outcome
/// where the call ended and the total where it began.
void count_outcome(CallCounts& c, const CallRecord& r);

/// "3 answered, 1 busy": the outcomes of calls placed (received) that occurred, in report.json's
/// order; `answered` always.
std::string placed_outcomes(const CallCounts& c);
std::string received_outcomes(const CallCounts& c);

/// What report.json and report.html both need from the records, computed once per run.
struct Digest {
  CallCounts counts;
  std::array<std::vector<Duration>, 4> sorted;  ///< the values of timed_samples(), sorted
  std::vector<TimingSummary> timings;               ///< call_timings()
};
Digest digest(const RunResult& run);
std::string report_json(const RunResult& run, const Digest& d);
/// report.json as a JSON value (what report_json prints).
nlohmann::ordered_json report_json_value(const RunResult& run, const Digest& d);
std::string report_html(const RunResult& run, const Digest& d);

/// report.html's charts (html_charts.cpp), each one inline <svg> with axis labels and units.
/// The calls the ladder shows: all of a small run, else a sample; `rule` says which, in words.
std::vector<const CallRecord*> ladder_selection(const std::vector<const CallRecord*>& by_serial,
                                                std::string& rule);
/// Ladder (sequence) diagram: one lane per line, a row per instant, each call's states as
/// coloured bars and names, arrows from caller to callee, failed expectations across.
std::string ladder_svg(const RunResult& run, const std::vector<const CallRecord*>& calls);
/// Busy channels of trunk `index` over the run (the most at once per pixel column).
std::string occupancy_svg(const RunResult& run, const RunResult::Trunk& trunk, std::size_t index);
/// Histogram of one timing's samples (sorted) with its p50, p95 and p99 marked.
std::string histogram_svg(const TimingSummary& t, const std::vector<Duration>& sorted);

/// The run's records in serial order (stable; the runner already sorts, this makes sure).
std::vector<const CallRecord*> by_serial(const RunResult& run);
/// Where a failing expectation points: "FILE:LINE" (the scenario's name stands in for a
/// missing file).
std::string location(const RunResult& run, const ExpectationResult& e);

}  // namespace telsim::report_detail
