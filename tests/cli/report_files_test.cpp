// The report files a person reads (docs/cli.md): stats.csv from `--stats-interval D`, checked
// against report.json through the real CLI, the options' bad usage, and `bench --report`.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_support.hpp"

namespace telsim::cli_test {
namespace {

using nlohmann::json;

const std::string kBusyHour = source_path("scenarios/examples/busy_hour.yaml");

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::istringstream s(line);
  for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

TEST(CliStatsCsv, CumulativeRowEqualsReportJsonTotals) {
  TempDir dir;
  const Result r =
      run_telsim("run " + quote(kBusyHour) + " --quiet --stats-interval 5min --report " +
                 quote((dir / "out").string()));
  ASSERT_EQ(r.status, 0) << describe(r);
  const json report = json::parse(read_file(dir / "out" / "report.json"));
  std::istringstream csv(read_file(dir / "out" / "stats.csv"));
  std::string header_line, line, last;
  std::getline(csv, header_line);
  std::size_t rows = 0;
  while (std::getline(csv, line)) last = line, ++rows;
  // busy_hour runs until its last call has ended, past the generators' hour.
  const double sim_time = report["sim_time_s"].get<double>();
  EXPECT_EQ(rows, static_cast<std::size_t>((sim_time + 299.999) / 300)) << sim_time;
  const std::vector<std::string> header = split(header_line), cells = split(last);
  ASSERT_EQ(header.size(), cells.size());
  const auto cell = [&](const std::string& name) -> std::string {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return cells[i];
    ADD_FAILURE() << "no column " << name;
    return {};
  };
  const json& calls = report["calls"];
  EXPECT_GT(calls["total"].get<int>(), 100);
  // Every outcome report.json counts has its stats.csv column, with the same total.
  for (const auto& [key, value] : calls.items()) {
    if (key == "cleared_at_end") continue;  // not an outcome: a mark on calls of any outcome
    EXPECT_EQ(cell("cum_" + (key == "total" ? std::string("offered") : key)), value.dump()) << key;
  }
  for (const auto& [key, value] : report["incoming"].items())
    EXPECT_EQ(cell("cum_incoming" + (key == "total" ? std::string() : "_" + key)), value.dump()) << key;
  for (const char* t : {"setup", "answer", "ring", "talk"}) {
    const json& timing = report["timings"][t];
    EXPECT_EQ(cell(std::string("cum_") + t + "_count"), timing["count"].dump()) << t;
    for (const char* p : {"p50_ms", "p95_ms", "p99_ms"})
      EXPECT_DOUBLE_EQ(std::stod(cell(std::string("cum_") + t + "_" + p)),
                       timing[p].get<double>())
          << t << ' ' << p;
  }
}

TEST(CliStatsCsv, IntervalNeedsAReportFolder) {
  const Result r = run_telsim("run " + quote(kBusyHour) + " --stats-interval 10s");
  EXPECT_EQ(r.status, 2) << describe(r);
  EXPECT_NE(r.err.find("--report"), std::string::npos) << describe(r);
}

TEST(CliStatsCsv, BadIntervalIsBadUsage) {
  TempDir dir;
  for (const char* bad : {"0s", "ten", "-5s"}) {
    const Result r = run_telsim("run " + quote(kBusyHour) + " --report " +
                                quote((dir / "out").string()) + " --stats-interval " + quote(bad));
    EXPECT_EQ(r.status, 2) << bad << '\n' << describe(r);
    EXPECT_NE(r.err.find("--stats-interval"), std::string::npos) << describe(r);
    EXPECT_FALSE(fs::exists(dir / "out" / "stats.csv"));
  }
}

TEST(CliBenchReport, WritesTheBenchRunsReportsAndTheirCost) {
  TempDir dir;
  const Result r = run_telsim("bench --calls 300 --extensions 20 --report " +
                              quote((dir / "bench").string()));
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_NE(r.out.find("reports        : 4 files (600 CDRs, cdr.csv written as calls ended) into"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("% of the run's"), std::string::npos) << r.out;
  const json report = json::parse(read_file(dir / "bench" / "report.json"));
  EXPECT_EQ(report["calls"]["total"], 300);
  EXPECT_EQ(report["calls"]["answered"], 300);
  EXPECT_EQ(report["incoming"]["answered"], 300);
  EXPECT_EQ(report["timings"]["ring"]["p50_ms"], 2000.0);  // callees answer after 2 s
  EXPECT_EQ(report["timings"]["talk"]["p99_ms"], 10000.0);  // callers hang up 10 s later
  // One row per CDR, in serial order.
  std::istringstream csv(read_file(dir / "bench" / "cdr.csv"));
  std::string line;
  std::getline(csv, line);
  for (int serial = 1; serial <= 600; ++serial) {
    ASSERT_TRUE(std::getline(csv, line)) << serial;
    EXPECT_EQ(line.rfind("c" + std::to_string(serial) + ",", 0), 0u) << line;
  }
  EXPECT_FALSE(std::getline(csv, line));
  EXPECT_TRUE(fs::exists(dir / "bench" / "report.html"));
}

}  // namespace
}  // namespace telsim::cli_test
