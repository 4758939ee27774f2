// RecordStream: a run's records handed over as calls end give the same files as the same run's
// records written at the end (the reports a user compares across versions), whatever the order
// the calls ended in and however many records had to wait on disk; Percentiles: exact while
// small, then within its documented relative error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/sample_run.hpp"
#include "telsim/models/percentiles.hpp"
#include "telsim/reports/record_stream.hpp"

namespace telsim {
namespace {

namespace fs = std::filesystem;
using S = CallState;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh, empty folder under the test's temporary directory.
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("telsim-record-stream-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// A traffic-like run of `n` calls placed by 50 extensions to each other and over a trunk group
/// "t": each call has two records (the caller's and the callee's or the trunk channel's), with
/// random setup, ring and talk times and outcomes, some calls much longer than the others (so
/// many records end before an older call does).
RunResult random_run(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  const auto uniform = [&rng](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  RunResult run;
  run.scenario = "random";
  run.file = "random.yaml";
  run.seed = seed;
  run.trunks.push_back({"t", 8, {}});
  std::int64_t now = 0;
  std::uint64_t serial = 0;
  for (std::size_t i = 0; i < n; ++i) {
    now += uniform(0, 400);
    const bool trunk = uniform(0, 3) == 0;
    const std::string caller = std::to_string(200 + uniform(0, 49));
    const std::string callee = trunk ? "95551234" : std::to_string(200 + uniform(0, 49));
    const std::int64_t setup = uniform(50, 2'000);
    const std::int64_t ring = uniform(0, 20'000);
    // Most talk a minute or less; one in 50 talks for hours.
    const std::int64_t talk = uniform(0, 49) == 0 ? uniform(600'000, 7'200'000) : uniform(0, 60'000);
    const int fate = static_cast<int>(uniform(0, 9));  // 0: busy, 1: abandoned, else answered
    const std::uint64_t a = ++serial, b = ++serial;
    const std::int64_t t0 = now;
    CallRecord out, in;
    if (fate == 0) {
      out = test::record(a, Direction::Outgoing, caller, caller, callee,
                         {{S::DialTone, 0}, {S::Dialing, 10}, {S::Busy, static_cast<int>(setup)},
                          {S::Idle, static_cast<int>(setup + 3'000)}},
                         DisconnectMode::Busy, Outcome::Busy);
      in = test::record(b, Direction::Incoming, trunk ? "t/1" : callee, caller, callee,
                        {{S::Offering, static_cast<int>(setup)}, {S::Idle, static_cast<int>(setup + 1)}},
                        DisconnectMode::Busy, Outcome::Missed);
    } else if (fate == 1) {
      out = test::record(a, Direction::Outgoing, caller, caller, callee,
                         {{S::DialTone, 0}, {S::Dialing, 10}, {S::RingBack, static_cast<int>(setup)},
                          {S::Disconnected, static_cast<int>(setup + ring)}, {S::Idle, static_cast<int>(setup + ring)}},
                         DisconnectMode::Normal, Outcome::Abandoned);
      in = test::record(b, Direction::Incoming, trunk ? "t/2" : callee, caller, callee,
                        {{S::Offering, static_cast<int>(setup)},
                         {S::Disconnected, static_cast<int>(setup + ring)}, {S::Idle, static_cast<int>(setup + ring + 5)}},
                        DisconnectMode::Normal, Outcome::Missed);
    } else {
      const auto connected = static_cast<int>(setup + ring), end = static_cast<int>(setup + ring + talk);
      out = test::record(a, Direction::Outgoing, caller, caller, callee,
                         {{S::DialTone, 0}, {S::Dialing, 10}, {S::RingBack, static_cast<int>(setup)},
                          {S::Connected, connected}, {S::Disconnected, end}, {S::Idle, end}},
                         DisconnectMode::Normal, Outcome::Answered);
      in = test::record(b, Direction::Incoming, trunk ? "t/" + std::to_string(uniform(1, 8)) : callee, caller,
                        callee,
                        {{S::Offering, static_cast<int>(setup)}, {S::Connected, connected},
                         {S::Disconnected, end}, {S::Idle, end + static_cast<int>(uniform(0, 50))}},
                        DisconnectMode::Normal, Outcome::Answered);
      if (trunk) in.kind = CallKind::Trunk;
    }
    out.peer_serial = b;
    in.peer_serial = a;
    for (CallRecord* r : {&out, &in}) {
      // Shift the call to its start; the callee's leg is created with the caller's.
      for (StateStamp& s : r->history) s.at += SimTime(std::chrono::milliseconds(t0));
      r->start = SimTime(std::chrono::milliseconds(t0));
      if (r->answer) *r->answer += SimTime(std::chrono::milliseconds(t0));
      r->end = r->history.back().at;
      run.records.push_back(*r);
    }
  }
  for (const CallRecord& r : run.records) run.sim_time = std::max(run.sim_time, r.end);
  run.sim_time += std::chrono::seconds(1);
  return run;
}

/// The records as a run hands them over: in the order the calls ended (the end instant, then
/// the serial, as the PBX would clear two calls at one instant in some order).
std::vector<CallRecord> by_end(const RunResult& run) {
  std::vector<CallRecord> out = run.records;
  std::stable_sort(out.begin(), out.end(), [](const CallRecord& a, const CallRecord& b) { return a.end < b.end; });
  return out;
}

/// Every report file of `run` written the way telsim run writes them: records through a
/// RecordStream as calls end (spilling after `threshold` held records), then the rest.
void write_streamed(const RunResult& run, const fs::path& dir, Duration interval, std::size_t threshold,
                    bool background = false) {
  StreamOptions options;
  options.dir = dir;
  options.stats_interval = interval;
  options.background = background;
  for (const RunResult::Trunk& t : run.trunks) options.trunks.push_back(t.name);
  RecordStream stream(std::move(options));
  stream.set_spill_threshold(threshold);
  RunResult without = run;
  without.records.clear();
  for (const CallRecord& r : by_end(run)) stream.add(r);
  stream.finish(without);
  EXPECT_EQ(stream.error(), "");
  write_reports(without, stream, dir);
  if (threshold < 1'000) {
    EXPECT_GT(stream.spilled(), 0u) << "the test should make records wait on disk";
  }
}

void expect_same_files(const fs::path& a, const fs::path& b) {
  for (const char* f : {"report.json", "junit.xml", "cdr.csv", "stats.csv", "report.html"}) {
    ASSERT_TRUE(fs::exists(a / f)) << f;
    ASSERT_TRUE(fs::exists(b / f)) << f;
    EXPECT_TRUE(slurp(a / f) == slurp(b / f)) << f << " differs between " << a << " and " << b;
  }
}

TEST(RecordStreamTest, RecordsAsCallsEndGiveTheFilesOfTheWholeRun) {
  // 3,000 calls, 6,000 records: every timing stays exact, so the files must be the same bytes
  // as those written from the run's records at the end.
  const RunResult run = random_run(3'000, 7);
  const fs::path whole = fresh_dir("whole"), streamed = fresh_dir("streamed");
  ReportOptions options;
  options.stats_interval = std::chrono::seconds(30);
  write_reports(run, whole, options);
  write_streamed(run, streamed, options.stats_interval, 16);  // most waiting records on disk
  expect_same_files(whole, streamed);
  const fs::path held = fresh_dir("held");
  write_streamed(run, held, options.stats_interval, 1 << 20);  // all of them in memory
  expect_same_files(whole, held);
  fs::remove_all(whole), fs::remove_all(streamed), fs::remove_all(held);
}

TEST(RecordStreamTest, RecordsHandedToASecondThreadGiveTheSameFiles) {
  // `telsim run` and `telsim bench` stream on a second thread: the records cross in buffers of
  // a few hundred kilobytes (6,000 records fill several), and the files must not change.
  const RunResult run = random_run(3'000, 9);
  const fs::path whole = fresh_dir("bg-whole"), spilled = fresh_dir("bg-spilled"), held = fresh_dir("bg-held");
  ReportOptions options;
  options.stats_interval = std::chrono::seconds(30);
  write_reports(run, whole, options);
  write_streamed(run, spilled, options.stats_interval, 16, true);
  expect_same_files(whole, spilled);
  write_streamed(run, held, options.stats_interval, 1 << 20, true);
  expect_same_files(whole, held);
  fs::remove_all(whole), fs::remove_all(spilled), fs::remove_all(held);
}

TEST(RecordStreamTest, ARecordLargerThanTheSecondThreadsBufferCrossesWhole) {
  // A call with a very long history (a day of hold and unhold) and long strings: one record
  // larger than the buffers records cross in, between ordinary ones.
  RunResult run = test::sample_run();
  CallRecord& big = run.records[1];
  const StateStamp last = big.history.back();
  big.history.pop_back();
  for (int i = 0; i < 20'000; ++i)
    big.history.push_back(StateStamp{i % 2 ? CallState::Connected : CallState::OnHold, big.history.back().at});
  big.history.push_back(last);
  big.to = std::string(70'000, '5');
  big.original_to = "a \"quoted\", number";
  std::string inline_cdr, background_cdr;
  for (const bool background : {false, true}) {
    StreamOptions options;
    options.background = background;
    RecordStream stream(std::move(options));
    stream.capture(background ? &background_cdr : &inline_cdr, nullptr);
    for (const CallRecord& r : by_end(run)) stream.add(r);
    stream.finish(run);
    EXPECT_EQ(stream.records(), run.records.size());
  }
  EXPECT_GT(inline_cdr.size(), 70'000u + 20'000u * 7);  // every state written (in the buffer: 16 bytes each)
  EXPECT_TRUE(inline_cdr == background_cdr);
}

TEST(RecordStreamTest, TheSampleRunStreamedGivesItsFiles) {
  const RunResult run = test::sample_run();
  const fs::path whole = fresh_dir("sample-whole"), streamed = fresh_dir("sample-streamed");
  ReportOptions options;
  options.stats_interval = std::chrono::seconds(10);
  write_reports(run, whole, options);
  write_streamed(run, streamed, options.stats_interval, 1 << 20);
  expect_same_files(whole, streamed);
  fs::remove_all(whole), fs::remove_all(streamed);
}

TEST(RecordStreamTest, SerialsThatNeverCameAreSkippedAndARepeatIsABug) {
  RunResult run = test::sample_run();
  std::string cdr;
  RecordStream stream({});
  stream.capture(&cdr, nullptr);
  // Serials 3 and 5 only: the stream waits for 1, 2 and 4, which never come.
  stream.add(run.records[4]);
  stream.add(run.records[2]);
  stream.finish(run);
  EXPECT_EQ(stream.records(), 2u);
  const std::size_t c3 = cdr.find("\nc3,"), c5 = cdr.find("\nc5,");
  ASSERT_NE(c3, std::string::npos);
  ASSERT_NE(c5, std::string::npos);
  EXPECT_LT(c3, c5);

  RecordStream twice({});
  twice.add(run.records[0]);
  EXPECT_THROW(twice.add(run.records[0]), std::logic_error);

  // On a second thread the repeat is found there, and finish() throws it.
  StreamOptions background;
  background.background = true;
  RecordStream twice_behind(std::move(background));
  twice_behind.add(run.records[0]);
  twice_behind.add(run.records[0]);
  EXPECT_THROW(twice_behind.finish(run), std::logic_error);
}

TEST(RecordStreamTest, CannotWriteIsReportedAfterTheRunNotThrownDuringIt) {
  const fs::path dir = fresh_dir("unwritable");
  fs::create_directories(dir / "cdr.csv");  // a folder where the file should be
  StreamOptions options;
  options.dir = dir;
  RecordStream stream(std::move(options));
  const RunResult run = test::sample_run();
  for (const CallRecord& r : by_end(run)) EXPECT_NO_THROW(stream.add(r));
  stream.finish(run);
  EXPECT_NE(stream.error().find("cdr.csv"), std::string::npos) << stream.error();
  fs::remove_all(dir);
}

// --- Percentiles -----------------------------------------------------------------------------

std::int64_t nearest_rank(std::vector<std::int64_t> v, double p) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

TEST(PercentilesTest, ExactByNearestRankWhileSmall) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(20.0, 1.5);  // around half a second, in ns
  Percentiles p;
  std::vector<std::int64_t> all;
  for (std::size_t i = 0; i < Percentiles::kExactSamples; ++i) {
    const auto v = static_cast<std::int64_t>(dist(rng));
    all.push_back(v);
    p.add(Duration(v));
  }
  ASSERT_TRUE(p.exact());
  for (const double q : {1.0, 50.0, 95.0, 99.0, 99.9, 100.0})
    EXPECT_EQ(p.percentile(q).count(), nearest_rank(all, q)) << "p" << q;
  EXPECT_EQ(p.count(), all.size());
}

TEST(PercentilesTest, WithinTheRelativeErrorBoundOnceAHistogram) {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(22.0, 2.0);
  Percentiles p, a, b;
  std::vector<std::int64_t> all;
  for (std::size_t i = 0; i < 3 * Percentiles::kExactSamples; ++i) {
    // Values from 0 ns to hours, a few exactly repeated.
    const auto v = i % 97 == 0 ? std::int64_t{1'000'000'000} : static_cast<std::int64_t>(dist(rng)) + (i % 7 == 0 ? 0 : 5);
    all.push_back(v);
    p.add(Duration(v));
    (i % 2 ? a : b).add(Duration(v));
  }
  ASSERT_FALSE(p.exact());
  a.merge(b);
  ASSERT_FALSE(a.exact());
  for (const double q : {0.1, 1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.99}) {
    const std::int64_t exact = nearest_rank(all, q);
    const std::int64_t got = p.percentile(q).count();
    EXPECT_LE(std::abs(static_cast<double>(got - exact)), Percentiles::kRelativeError * static_cast<double>(exact))
        << "p" << q << ": " << got << " for " << exact;
    EXPECT_EQ(a.percentile(q), p.percentile(q)) << "merging two halves gives the whole";
  }
  EXPECT_EQ(p.percentile(100).count(), *std::max_element(all.begin(), all.end()));
  EXPECT_EQ(p.min().count(), *std::min_element(all.begin(), all.end()));
  EXPECT_EQ(p.count(), all.size());
}

TEST(PercentilesTest, BucketsCoverEveryValueWithinTheirWidth) {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{1023}, std::int64_t{1024},
                         std::int64_t{1025}, std::int64_t{4'095}, std::int64_t{123'456'789},
                         std::int64_t{86'400'000'000'000}, std::int64_t{1} << 62}) {
    const std::size_t b = Percentiles::bucket_of(v);
    const std::int64_t low = Percentiles::bucket_low(b), width = Percentiles::bucket_width(b);
    EXPECT_LE(low, v);
    EXPECT_LT(v, low + width);
    EXPECT_LE(static_cast<double>(width) / 2, Percentiles::kRelativeError * static_cast<double>(std::max<std::int64_t>(low, 1)) + 0.5)
        << v;
    if (b > 0) {
      EXPECT_EQ(Percentiles::bucket_low(b - 1) + Percentiles::bucket_width(b - 1), low) << v;
    }
  }
}

}  // namespace
}  // namespace telsim
