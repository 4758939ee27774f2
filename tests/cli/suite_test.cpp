// Suites through the real executable (docs/scale.md): a folder of scenarios run with -j 2 and the
// same folder run as three shards and merged give the same junit.xml; every scenario runs in
// exactly one shard; the exit code is the worst of the scenarios'.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_support.hpp"

namespace telsim::cli_test {
namespace {

std::string call_scenario(const std::string& name, const std::string& expected) {
  return "name: " + name +
         "\nseed: 3\npbx:\n  extensions: [\"201-202\"]\nsteps:\n"
         "  - {at: 0s, do: make_call, line: \"201\", to: \"202\", as: c1}\n"
         "  - {expect: {line: \"202\", state: OFFERING}, within: 2s, as: c2}\n"
         "  - {after: 1s, do: answer, call: c2}\n"
         "  - {expect: {call: c1, state: " + expected + "}, within: 1s}\n"
         "  - {after: 5s, do: drop, call: c1}\n";
}

/// A folder of seven scenarios, one in a subfolder: five pass, one fails, one is bad YAML.
void make_suite(const fs::path& dir) {
  fs::create_directories(dir / "more");
  write_file(dir / "a_basic.yaml", call_scenario("basic-a", "CONNECTED"));
  write_file(dir / "b_basic.yaml", call_scenario("basic-b", "CONNECTED"));
  write_file(dir / "c_fails.yaml", call_scenario("fails", "BUSY"));
  write_file(dir / "d_bad.yaml", "name: bad\nsteps:\n  - {at: 0s, do: no_such_operation}\n");
  write_file(dir / "e_basic.yaml", call_scenario("basic-e", "CONNECTED"));
  write_file(dir / "more" / "f_basic.yml", call_scenario("basic-f", "CONNECTED"));
  write_file(dir / "more" / "g_basic.yaml", call_scenario("basic-g", "CONNECTED"));
  write_file(dir / "notes.txt", "not a scenario\n");
}

std::set<std::string> files_of(const fs::path& report) {
  const auto j = nlohmann::json::parse(read_file(report / "suite.json"));
  std::set<std::string> out;
  for (const auto& s : j.at("scenarios")) out.insert(s.at("file").get<std::string>());
  return out;
}

TEST(SuiteTest, TwoJobsAndThreeMergedShardsGiveTheSameJunit) {
  TempDir tmp;
  const fs::path suite = tmp / "suite";
  make_suite(suite);
  const std::string dir = quote(suite.string());

  const Result whole = run_telsim("run " + dir + " -j 2 --report " + quote((tmp / "whole").string()));
  // The worst verdict: one scenario is bad input.
  EXPECT_EQ(whole.status, 2) << describe(whole);
  EXPECT_NE(whole.out.find("suite: 7 runs: 5 passed, 1 failed, 1 bad input, 0 internal error"),
            std::string::npos)
      << describe(whole);

  std::vector<std::string> shards;
  std::set<std::string> seen;
  std::size_t total = 0;
  for (int k = 1; k <= 3; ++k) {
    const fs::path out = tmp / ("shard" + std::to_string(k));
    const Result r = run_telsim("run " + dir + " --shard " + std::to_string(k) + "/3 --report " + quote(out.string()));
    EXPECT_LE(r.status, 2) << describe(r);
    shards.push_back(quote(out.string()));
    const std::set<std::string> files = files_of(out);
    total += files.size();
    seen.insert(files.begin(), files.end());
  }
  // Every scenario ran exactly once across the three shards.
  EXPECT_EQ(total, 7u);
  EXPECT_EQ(seen, files_of(tmp / "whole"));

  const Result merged = run_telsim("merge " + shards[0] + " " + shards[1] + " " + shards[2] + " --report " +
                                   quote((tmp / "merged").string()));
  EXPECT_EQ(merged.status, 2) << describe(merged);
  const std::string junit = read_file(tmp / "whole" / "junit.xml");
  EXPECT_EQ(read_file(tmp / "merged" / "junit.xml"), junit);

  // One testsuite per scenario, named after its `name` (the file's path when it did not load),
  // in file order.
  std::vector<std::string> names;
  const std::regex suite_re("<testsuite name=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(junit.begin(), junit.end(), suite_re); it != std::sregex_iterator(); ++it)
    names.push_back((*it)[1]);
  const std::vector<std::string> expected = {"basic-a", "basic-b", "fails", (suite / "d_bad.yaml").generic_string(),
                                             "basic-e", "basic-f", "basic-g"};
  EXPECT_EQ(names, expected) << junit;
  EXPECT_NE(junit.find("<testsuites name=\"telsim\" tests=\"13\" failures=\"1\" errors=\"1\""), std::string::npos)
      << junit;
  // The summary page links each run's report.
  const std::string index = read_file(tmp / "merged" / "index.html");
  EXPECT_NE(index.find("../shard1/runs/"), std::string::npos) << index;
  EXPECT_TRUE(fs::exists(tmp / "whole" / "runs" / fs::path(suite).relative_path() / "a_basic" / "report.html"));
}

TEST(SuiteTest, ShardsOfOneSetAreDisjointAndCoverIt) {
  TempDir tmp;
  const fs::path suite = tmp / "suite";
  make_suite(suite);
  // More shards than scenarios: the last ones are empty, and pass.
  std::set<std::string> seen;
  for (int k = 1; k <= 9; ++k) {
    const fs::path out = tmp / ("s" + std::to_string(k));
    const Result r = run_telsim("run " + quote(suite.string()) + " --quiet --shard " + std::to_string(k) + "/9 --report " +
                                quote(out.string()));
    const std::set<std::string> files = files_of(out);
    EXPECT_LE(files.size(), 1u);
    if (files.empty()) {
      EXPECT_EQ(r.status, 0) << describe(r);
    }
    for (const std::string& f : files) EXPECT_TRUE(seen.insert(f).second) << f << " ran twice";
  }
  EXPECT_EQ(seen.size(), 7u);
}

TEST(SuiteTest, BadShardsAndOverlappingMergesAreBadInput) {
  TempDir tmp;
  const fs::path suite = tmp / "suite";
  make_suite(suite);
  for (const char* bad : {"0/3", "4/3", "3", "a/b"}) {
    const Result r = run_telsim("run " + quote(suite.string()) + " --shard " + bad);
    EXPECT_EQ(r.status, 2) << bad << "\n" << describe(r);
  }
  const Result missing = run_telsim("run " + quote((tmp / "nothing").string()) + " -j 2");
  EXPECT_EQ(missing.status, 2) << describe(missing);

  const fs::path one = tmp / "one";
  run_telsim("run " + quote(suite.string()) + " --quiet --shard 1/2 --report " + quote(one.string()));
  const Result twice = run_telsim("merge " + quote(one.string()) + " " + quote(one.string()) + " --report " +
                                  quote((tmp / "m").string()));
  EXPECT_EQ(twice.status, 2) << describe(twice);
  EXPECT_NE(twice.err.find("ran in both"), std::string::npos) << describe(twice);
  const Result not_suite = run_telsim("merge " + quote(suite.string()) + " --report " + quote((tmp / "m2").string()));
  EXPECT_EQ(not_suite.status, 2) << describe(not_suite);
}

TEST(SuiteTest, ASweepRunsEveryPointWithItsOwnSeedAndShardsMergeToTheSameTable) {
  TempDir tmp;
  const fs::path suite = tmp / "sweep";
  fs::create_directories(suite);
  write_file(suite / "calls.yaml",
             "name: sweepy\nseed: 3\nsweep:\n  delay: [1s, 2s]\n  who: [\"202\", \"203\"]\n"
             "pbx:\n  extensions: [\"201-203\"]\nsteps:\n"
             "  - {at: 0s, do: make_call, line: \"201\", to: \"${who}\", as: c1}\n"
             "  - {expect: {line: \"${who}\", state: OFFERING}, within: 2s, as: c2}\n"
             "  - {after: ${delay}, do: answer, call: c2}\n"
             "  - {expect: {call: c1, state: CONNECTED}, within: 1s}\n"
             "  - {after: 5s, do: drop, call: c1}\n");
  write_file(suite / "plain.yaml", call_scenario("plain", "CONNECTED"));
  const std::string dir = quote(suite.string());

  const Result check = run_telsim("check " + quote((suite / "calls.yaml").string()));
  EXPECT_EQ(check.status, 0) << describe(check);
  EXPECT_NE(check.out.find("4 sweep points"), std::string::npos) << describe(check);

  const Result whole = run_telsim("run " + dir + " -j 2 --report " + quote((tmp / "whole").string()));
  EXPECT_EQ(whole.status, 0) << describe(whole);
  std::vector<std::string> shards;
  for (int k = 1; k <= 3; ++k) {
    const fs::path out = tmp / ("shard" + std::to_string(k));
    const Result r = run_telsim("run " + dir + " --shard " + std::to_string(k) + "/3 --report " + quote(out.string()));
    EXPECT_EQ(r.status, 0) << describe(r);
    shards.push_back(quote(out.string()));
  }
  const Result merged = run_telsim("merge " + shards[0] + " " + shards[1] + " " + shards[2] + " --report " +
                                   quote((tmp / "merged").string()));
  EXPECT_EQ(merged.status, 0) << describe(merged);
  const std::string junit = read_file(tmp / "whole" / "junit.xml");
  EXPECT_EQ(read_file(tmp / "merged" / "junit.xml"), junit);
  const std::string table = read_file(tmp / "whole" / "sweep.csv");
  EXPECT_EQ(read_file(tmp / "merged" / "sweep.csv"), table);

  // Four points, the last parameter varying fastest, each with the scenario's seed plus its
  // index, named after the point; then the plain scenario.
  std::vector<std::string> names;
  const std::regex suite_re("<testsuite name=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(junit.begin(), junit.end(), suite_re); it != std::sregex_iterator(); ++it)
    names.push_back((*it)[1]);
  const std::vector<std::string> expected = {"sweepy[delay=1s,who=202]", "sweepy[delay=1s,who=203]",
                                             "sweepy[delay=2s,who=202]", "sweepy[delay=2s,who=203]", "plain"};
  EXPECT_EQ(names, expected) << junit;
  EXPECT_EQ(table.substr(0, table.find('\n')).rfind("file,scenario,delay,who,seed,verdict,sim_time_s,calls.total,", 0), 0u)
      << table;
  EXPECT_NE(table.find("\"sweepy[delay=2s,who=203]\",2s,203,6,PASS,"), std::string::npos) << table;
  EXPECT_NE(read_file(tmp / "whole" / "index.html").find("<polyline"), std::string::npos);

  // One point alone, as the suite ran it.
  const Result point = run_telsim("run " + quote((suite / "calls.yaml").string()) +
                                  " --set delay=2s --set who=203 --seed 6 --report " + quote((tmp / "point").string()));
  EXPECT_EQ(point.status, 0) << describe(point);
  EXPECT_EQ(read_file(tmp / "point" / "report.json"),
            read_file(tmp / "whole" / "runs" / fs::path(suite).relative_path() / "calls" / "delay=2s,who=203" / "report.json"));
  for (const char* bad : {"--set delay=3s --set who=203", "--set delay=1s", "--set speed=1 --set delay=1s --set who=202"}) {
    const Result r = run_telsim("run " + quote((suite / "calls.yaml").string()) + " " + bad);
    EXPECT_EQ(r.status, 2) << bad << "\n" << describe(r);
  }
}

TEST(SuiteTest, ASuiteOfPassingScenariosPasses) {
  TempDir tmp;
  write_file(tmp / "x.yaml", call_scenario("x", "CONNECTED"));
  write_file(tmp / "y.yaml", call_scenario("y", "CONNECTED"));
  const Result r = run_telsim("run " + quote((tmp / "x.yaml").string()) + " " + quote((tmp / "y.yaml").string()));
  EXPECT_EQ(r.status, 0) << describe(r);
  EXPECT_NE(r.out.find("verdict: PASS"), std::string::npos) << describe(r);
}

}  // namespace
}  // namespace telsim::cli_test
