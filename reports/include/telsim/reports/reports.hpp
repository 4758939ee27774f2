#pragma once
/// Report writers: report.json, junit.xml, cdr.csv and report.html. Each is a pure function of a
/// RunResult, so the same run gives the same bytes: no wall-clock figures, no iteration over
/// unordered containers, numbers formatted from integer nanoseconds.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "telsim/models/percentiles.hpp"
#include "telsim/reports/record_stream.hpp"
#include "telsim/results/run_result.hpp"

namespace telsim {

/// Call counts as report.json's `calls` and `incoming` give them: the records of counted kinds
/// (stations and consultation calls; not trunk channels' legs, conference or bridge handles),
/// outgoing ones as calls placed and incoming ones as calls received, each under its outcome
/// (docs/cli.md, "Outcomes"). The outcomes of each direction sum to its total.
struct CallCounts {
  std::size_t total = 0;
  std::size_t answered = 0;
  std::size_t busy = 0;
  std::size_t blocked = 0;
  std::size_t no_answer = 0;
  std::size_t abandoned = 0;
  std::size_t failed = 0;
  std::size_t transferred = 0;
  std::size_t cleared = 0;
  std::size_t cleared_at_end = 0;  ///< calls placed that the end of the run cut, answered or not
  std::size_t incoming_total = 0;
  std::size_t incoming_answered = 0;
  std::size_t incoming_missed = 0;
  std::size_t incoming_picked_up = 0;
  std::size_t incoming_forwarded = 0;
  std::size_t incoming_redirected = 0;
  std::size_t incoming_transferred = 0;
  std::size_t incoming_cleared = 0;
  /// Count one record (nothing for kinds that are not counted).
  void add(const CallRecord& r);
  bool operator==(const CallCounts&) const = default;
};
CallCounts count_calls(const RunResult& run);

/// The `calls:` line of `telsim run` and `telsim serve`: placed and received calls by outcome,
/// CDRs and calls cleared at the end of the run.
std::string calls_summary_line(const CallCounts& counts, const RunResult& run);
/// The same for a run whose `records` CDRs went to a RecordStream.
std::string calls_summary_line(const CallCounts& counts, std::uint64_t records, const RunResult& run);
/// One line per trunk group for the same summary: channels, seizure attempts, blocked, the
/// blocking and its 95% interval, or why there is none yet.
std::vector<std::string> trunk_summary_lines(const RunResult& run);
/// One line per ACD queue for the same summary (none for a run without queues): offered,
/// answered, abandoned (overflowed and refused when any), the wait probability, the mean wait
/// of the answered calls ("-" without one) and each service level with its threshold.
std::vector<std::string> queue_summary_lines(const RunResult& run);

/// Distribution of one timing. Percentiles by nearest rank on the sorted samples
/// (the ceil(p/100 * n)-th smallest); all zero when there are no samples. A run's timings come
/// from telsim::Percentiles: exact up to its kExactSamples samples, then within its relative
/// error bound.
struct TimingSummary {
  std::string name;
  std::size_t count = 0;
  Duration p50{0};
  Duration p95{0};
  Duration p99{0};
  Duration max{0};
};
/// Summarise `samples` (any order; taken by value because they are sorted).
TimingSummary summarize_timing(std::string name, std::vector<Duration> samples);
/// Nearest-rank percentile of already sorted samples; 0 for none. `p` in (0, 100].
Duration nearest_rank(const std::vector<Duration>& sorted, double p);

/// The timings of a run, always these four and in this order:
///  - `setup`:  outgoing calls, start until the first RINGBACK or BUSY;
///  - `answer`: outgoing calls that were answered, start until the answer;
///  - `ring`:   incoming calls that were answered, first OFFERING (else start) until the answer;
///  - `talk`:   outgoing calls that were answered, answer until the record's end.
std::vector<TimingSummary> call_timings(const RunResult& run);

/// Evaluate the run's metric expectations (`expect: {metric: PATH, min, max}`) against the
/// figures report.json gives, append one ExpectationResult each (at the end of the run; a
/// failure names the value and the bounds) and clear `run.metrics`. Call it once the run has
/// ended and before the verdict is taken or any report is written.
void check_metrics(RunResult& run);
/// The same for a run whose records went to `stream` (finished).
void check_metrics(RunResult& run, const RecordStream& stream);

/// report.json: scenario, seed, sim_time_s, expectations, calls, incoming, trunks, timings (and
/// queues and agents for a run with an ACD; docs/report-json.md lists every field).
/// Keys in a fixed order, seconds rounded to microseconds, milliseconds to 3 decimals; ends
/// with a newline.
std::string report_json(const RunResult& run);

/// junit.xml: <testsuites> holding one <testsuite name=SCENARIO> with one <testcase> per
/// expectation; a failing one carries <failure message="FILE:LINE: MESSAGE">.
std::string junit_xml(const RunResult& run);

/// cdr.csv: a header row and one row per call record in serial order (RFC 4180 quoting, LF line
/// ends). Times in seconds with 3 decimals. A run with ACD queues has three more columns at the
/// end: queue, queue_wait_ms (milliseconds with 3 decimals) and agent.
std::string cdr_csv(const RunResult& run);

/// report.html: one self-contained page (inline CSS and SVG, no script, no network): verdict and
/// summary, failing expectations with FILE:LINE, a ladder diagram of the calls (all, or for a
/// large run a stated sample), trunk occupancy over time, a histogram per timing with p50/p95/p99,
/// feature counters, every expectation and the first 1000 calls.
std::string report_html(const RunResult& run);

/// stats.csv (`--stats-interval D`), like SIPp's statistics file: a header row and one row per
/// interval [k*D, (k+1)*D) of simulated time (the last one ends at the end of the run and
/// includes it). Each row gives the interval's figures and, under `cum_` names, those since the
/// start: calls `offered` (placed; report.json calls.total), `answered` (carried), `abandoned`,
/// `blocked`, `failed`, `incoming`, `incoming_answered`, `incoming_missed`, each counted where
/// it happened (placed at the start, answered at the answer, the others at the end); `active`
/// (calls placed still in progress at the interval's end, period only) and `peak_active`; and
/// for each timing of call_timings() its sample count and p50/p95/p99 in milliseconds (empty
/// without samples), a sample counted where it completed. The last row's cumulative figures
/// equal report.json's. A run with ACD queues has, at the end, QUEUE_offered, QUEUE_answered,
/// QUEUE_abandoned and QUEUE_mean_wait_s per queue, then the same under cum_ names, from the
/// callers' records (docs/cli.md). Throws std::invalid_argument unless `interval` > 0.
std::string stats_csv(const RunResult& run, Duration interval);

/// What write_reports writes besides the four reports.
struct ReportOptions {
  Duration stats_interval{0};  ///< > 0: also stats.csv with this interval
};

/// Create `dir` (and its parents) and write report.json, junit.xml, cdr.csv and report.html
/// (then stats.csv when asked) into it; returns their paths in that order. Throws
/// std::runtime_error naming the path on failure.
std::vector<std::filesystem::path> write_reports(const RunResult& run,
                                                 const std::filesystem::path& dir,
                                                 const ReportOptions& options = {});
/// The same for a run whose records went to `stream` (finished, its StreamOptions::dir being
/// `dir`): cdr.csv and stats.csv are written already; this writes report.json, junit.xml and
/// report.html. Throws std::runtime_error when any of them (or the stream's) failed.
std::vector<std::filesystem::path> write_reports(const RunResult& run, const RecordStream& stream,
                                                 const std::filesystem::path& dir);

/// Escape text for XML/HTML content and attribute values: & < > " ' become entities, tab/CR/LF
/// become character references, other characters XML 1.0 forbids become U+FFFD.
std::string xml_escape(std::string_view text);
/// One CSV field per RFC 4180: quoted (with "" for ") when it holds , " CR or LF.
std::string csv_field(std::string_view text);
/// A time in seconds with exactly 3 decimals ("12.345"), rounded half away from zero.
std::string format_seconds_3(Duration d);

}  // namespace telsim
