#pragma once
// Helpers shared by the report writers; not part of the public API.
#include <cstdint>
#include <string>
#include <vector>

#include "telsim/reports/reports.hpp"

namespace telsim::report_detail {

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
