#pragma once
/// A run's call records as they come, in memory that does not grow with the number of calls:
/// cdr.csv is written as calls end (in serial order: a record that ends before an older call is
/// held until that call ends, and when many are held they spill to an unlinked file beside the
/// reports), stats.csv row by row as each interval can no longer change, and only what the other
/// reports need is kept: the call counts, the timings' percentiles (exact up to
/// Percentiles::kExactSamples samples each, then a histogram with a bounded relative error), the
/// calls report.html's ladder samples by its rule and the first calls of its table, and each
/// trunk group's occupancy. Every report is made through a RecordStream: a RunResult that holds
/// its records (tests, telsim serve) is fed through one by write_reports() and the other writers.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "telsim/results/run_result.hpp"

namespace telsim {

namespace report_detail {
struct Digest;
}

struct CallCounts;

struct StreamOptions {
  /// Write DIR/cdr.csv (and stats.csv with an interval) while the run goes; empty: no files.
  std::filesystem::path dir;
  /// > 0: stats.csv with one row per interval of simulated time (needs `dir`).
  Duration stats_interval{0};
  /// The trunk groups' names, for report.html's occupancy charts (lines "NAME/k").
  std::vector<std::string> trunks;
  /// The ACD queues' names, in scenario order. With any, cdr.csv has three more columns at the
  /// end of each row (queue, queue_wait_ms, agent) and stats.csv four per queue; without, both
  /// are as they are for a run without an ACD.
  std::vector<std::string> queues;
  /// Hand the records to a second thread, which does all of the above while the run goes on
  /// (`telsim run` and `telsim bench` on a machine of two cores or more). The files are the same
  /// bytes either way; a record's mistakes (a serial given twice) are thrown by finish() instead
  /// of add(). Not for a live server: its rows would be written a buffer of records late.
  bool background = false;
};

class RecordStream final : public RecordSink {
 public:
  explicit RecordStream(StreamOptions options);
  ~RecordStream() override;
  RecordStream(const RecordStream&) = delete;
  RecordStream& operator=(const RecordStream&) = delete;

  /// A record as its call ends (any order of serials).
  void add(const CallRecord& record) override;
  /// A record of a run that is over, in serial order (write_reports over RunResult::records).
  void add_in_order(const CallRecord& record);
  /// The run is over (every record has been added): the records still held are written, the
  /// last stats.csv rows made (they need `run.sim_time`), the files closed and the figures
  /// summarised. A failure to write is kept for error(), not thrown, so the verdict can be
  /// printed first.
  void finish(const RunResult& run);

  /// After finish(): what the reports need.
  const report_detail::Digest& digest() const;
  const CallCounts& counts() const;
  std::uint64_t records() const;
  /// Why cdr.csv or stats.csv could not be written ("" when they were, or none was asked for).
  const std::string& error() const;
  /// The files written (cdr.csv, then stats.csv when asked).
  std::vector<std::filesystem::path> files() const;
  /// Records that had to wait for an older call to end, at most at once, and how many were
  /// spilled to disk (for telsim bench's figures).
  std::uint64_t max_held() const;
  std::uint64_t spilled() const;

  /// For tests: cdr.csv and stats.csv into strings instead of files.
  void capture(std::string* cdr_csv, std::string* stats_csv);
  /// For tests: records held in memory before they spill (default 65,536).
  void set_spill_threshold(std::size_t records);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace telsim
