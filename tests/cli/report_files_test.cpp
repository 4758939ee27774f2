// The report files a person reads (docs/cli.md): stats.csv from `--stats-interval D`, checked
// against report.json through the real CLI, and the options' bad usage.
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
  EXPECT_EQ(cell("cum_offered"), calls["total"].dump());
  EXPECT_EQ(cell("cum_answered"), calls["answered"].dump());
  EXPECT_EQ(cell("cum_abandoned"), calls["abandoned"].dump());
  EXPECT_EQ(cell("cum_blocked"), calls["blocked"].dump());
  EXPECT_EQ(cell("cum_failed"), calls["failed"].dump());
  EXPECT_EQ(cell("cum_incoming"), report["incoming"]["total"].dump());
  EXPECT_EQ(cell("cum_incoming_answered"), report["incoming"]["answered"].dump());
  EXPECT_EQ(cell("cum_incoming_missed"), report["incoming"]["missed"].dump());
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

}  // namespace
}  // namespace telsim::cli_test
