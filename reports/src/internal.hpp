#pragma once
// Helpers shared by the report writers; not part of the public API.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

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
std::int64_t round_div(std::int64_t n, std::int64_t d);
/// Seconds rounded to the microsecond, as the double nearest that decimal (prints exactly).
double seconds_us(Duration d);
/// Milliseconds rounded to the microsecond (3 decimals), as the double nearest that decimal.
double millis_us(Duration d);
/// "1234.567": milliseconds with exactly 3 decimals, from integer arithmetic.
std::string format_millis_3(Duration d);
/// The call's states joined by '>': "DIALTONE>DIALING>...>IDLE".
std::string states_text(const CallRecord& r);
/// The run's records in serial order (stable; the runner already sorts, this makes sure).
std::vector<const CallRecord*> by_serial(const RunResult& run);
/// Where a failing expectation points: "FILE:LINE" (the scenario's name stands in for a
/// missing file).
std::string location(const RunResult& run, const ExpectationResult& e);

}  // namespace telsim::report_detail
