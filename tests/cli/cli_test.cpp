// The `telsim` command line as users and CI scripts see it (docs/cli.md): exit codes, the
// failure lines, the report files, determinism, --seed, --version, check, bench and bad usage.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_support.hpp"

namespace telsim::cli_test {
namespace {

using nlohmann::json;

const std::string kQuickstart = source_path("scenarios/examples/quickstart.yaml");

// Line 13 expects CONNECTED, but 201 gives up before 202 answers: the one failing expectation.
const std::string kWrongExpectation = R"yaml(name: wrong-expectation
seed: 3
pbx:
  extensions: ["201-202"]
steps:
  - {at: 0s, do: make_call, line: "201", to: "202", as: c1}
  - {expect: {call: c1, state: RINGBACK}, within: 2s}
  - {expect: {line: "202", state: OFFERING}, as: c1_in}
  - {do: answer, call: c1, expect_error: LINEERR_INVALCALLSTATE}
  - {after: 1s, do: drop, call: c1}
  - {expect: {call: c1_in, state: IDLE}}
  # the mistake:
  - {expect: {call: c1, state: CONNECTED}, within: 1s}
  - {expect: {call: c1, state: IDLE}}
)yaml";
constexpr int kWrongLine = 13;

// Random answer and hang-up times: the seed decides the whole run.
const std::string kRandom = R"yaml(name: random-office
seed: 5
pbx:
  extensions:
    - "201-204"
    - {number: "300", behavior: {answer_after: "uniform(1s, 9s)", hangup_after: "exponential(60s)"}}
    - {number: "301", behavior: {answer_after: "exponential(4s)", hangup_after: "uniform(10s, 100s)"}}
steps:
  - {at: 0s, do: make_call, line: "201", to: "300", as: a}
  - {at: 1s, do: make_call, line: "202", to: "301", as: b}
  - {expect: {call: a, state: DISCONNECTED}, within: 30min}
  - {do: drop, call: a}
  - {expect: {call: b, state: DISCONNECTED}, within: 30min}
  - {do: drop, call: b}
  - {at: 40min, do: make_call, line: "203", to: "300", as: c}
  - {do: make_call, line: "204", to: "301", as: d}
  - {expect: {call: c, state: DISCONNECTED}, within: 30min}
  - {do: drop, call: c}
  - {expect: {call: d, state: DISCONNECTED}, within: 30min}
  - {do: drop, call: d}
)yaml";

std::string project_version() {
  const std::string cmake = read_file(source_path("CMakeLists.txt"));
  std::smatch m;
  if (!std::regex_search(cmake, m, std::regex(R"(project\(telsim\s+VERSION\s+([0-9][0-9.]*))")))
    return "<no version in CMakeLists.txt>";
  return m[1].str();
}

json load_json(const fs::path& p) {
  const std::string text = read_file(p);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << p << " is not valid JSON:\n" << text;
  return j;
}

// --- run -----------------------------------------------------------------------------------

TEST(CliRun, QuickstartPassesAndWritesAllReports) {
  TempDir dir;
  const fs::path out = dir / "reports" / "quickstart";  // created by telsim, parents too
  const Result r = run_telsim("run " + quote(kQuickstart) + " --report " + quote(out.string()));
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_NE(r.out.find("verdict: PASS (quickstart)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  for (const char* name : {"report.json", "junit.xml", "cdr.csv", "report.html"}) {
    ASSERT_TRUE(fs::exists(out / name)) << name << " missing\n" << describe(r);
    EXPECT_GT(fs::file_size(out / name), 0u) << name << " is empty";
  }

  const json report = load_json(out / "report.json");
  EXPECT_EQ(report.value("scenario", ""), "quickstart");
  EXPECT_EQ(report.value("seed", -1), 1);
  ASSERT_TRUE(report.contains("expectations")) << report.dump(2);
  EXPECT_EQ(report["expectations"].value("failed", -1), 0);
  EXPECT_GT(report["expectations"].value("passed", 0), 0);

  const std::string junit = read_file(out / "junit.xml");
  EXPECT_NE(junit.find("<testsuite"), std::string::npos) << junit;
  EXPECT_EQ(junit.find("<failure"), std::string::npos) << junit;

  const std::string cdr = read_file(out / "cdr.csv");
  EXPECT_EQ(cdr.rfind("call_id,line,direction,from,to,reason,start_s,answer_s,end_s,duration_s,"
                      "disconnect_mode,outcome,cleared_at_end,states,original_to,forward_hops,park_orbit,peer,kind\n", 0), 0u)
      << cdr;
  EXPECT_NE(cdr.find("DIALTONE>DIALING>PROCEEDING>RINGBACK>CONNECTED>DISCONNECTED>IDLE"),
            std::string::npos)
      << cdr;

  const std::string html = read_file(out / "report.html");
  EXPECT_NE(html.find("<html"), std::string::npos);
}

TEST(CliRun, QuietPrintsOnlyTheVerdict) {
  const Result r = run_telsim("run " + quote(kQuickstart) + " --quiet");
  ASSERT_EQ(r.status, 0) << describe(r);
  EXPECT_EQ(r.out, "verdict: PASS (quickstart)\n");
}

TEST(CliRun, FailedExpectationExitsOneAndNamesItsLine) {
  TempDir dir;
  const fs::path file = dir / "wrong.yaml";
  write_file(file, kWrongExpectation);
  const fs::path out = dir / "out";
  const Result r = run_telsim("run " + quote(file.string()) + " --report " + quote(out.string()));
  ASSERT_EQ(r.status, 1) << describe(r);
  const std::string where = file.string() + ":" + std::to_string(kWrongLine);
  EXPECT_NE(r.out.find("FAIL  " + where + " "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("verdict: FAIL (wrong-expectation)"), std::string::npos) << r.out;
  // Exactly one failure line.
  std::size_t fails = 0;
  for (std::size_t at = r.out.find("FAIL  "); at != std::string::npos; at = r.out.find("FAIL  ", at + 1))
    ++fails;
  EXPECT_EQ(fails, 1u) << r.out;

  // junit.xml: a <failure> whose message starts with FILE:LINE: of the failing step.
  const std::string junit = read_file(out / "junit.xml");
  const auto failure = junit.find("<failure");
  ASSERT_NE(failure, std::string::npos) << junit;
  EXPECT_EQ(junit.find("<failure", failure + 1), std::string::npos) << "only one failure expected\n" << junit;
  EXPECT_NE(junit.find("message=\"" + where + ":", failure), std::string::npos) << junit;

  // report.json: the failing result carries the YAML line.
  const json report = load_json(out / "report.json");
  ASSERT_TRUE(report.contains("expectations")) << report.dump(2);
  EXPECT_EQ(report["expectations"].value("failed", -1), 1);
  bool found = false;
  for (const json& res : report["expectations"].value("results", json::array())) {
    if (!res.value("ok", true)) {
      EXPECT_EQ(res.value("yaml_line", -1), kWrongLine) << res.dump();
      found = true;
    }
  }
  EXPECT_TRUE(found) << report.dump(2);
}

// An output path that cannot be written is bad input (exit 2, naming it), found before the run:
// CI must read a usage error, not an internal error after a long run.
TEST(CliRun, ReportPathThatIsAFileIsBadInputBeforeTheRun) {
  TempDir dir;
  write_file(dir / "taken", "a file");
  for (const std::string& target : {(dir / "taken").string(), (dir / "taken" / "sub").string()}) {
    const Result r = run_telsim("run " + quote(kQuickstart) + " --report " + quote(target));
    EXPECT_EQ(r.status, 2) << describe(r);
    EXPECT_NE(r.err.find("--report '" + target + "'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("is a file"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("verdict"), std::string::npos) << "nothing runs\n" << r.out;
  }
}

TEST(CliRun, VcdPathThatIsAFolderIsBadInputBeforeTheRun) {
  TempDir dir;
  const Result r = run_telsim("run " + quote(kQuickstart) + " --vcd " + quote(dir.path().string()));
  EXPECT_EQ(r.status, 2) << describe(r);
  EXPECT_NE(r.err.find("--vcd '" + dir.path().string() + "': it is a folder"), std::string::npos) << r.err;
}

TEST(CliRun, VerdictComesBeforeTheReportsAreWritten) {
  TempDir dir;
  const fs::path out = dir / "out";
  const Result r = run_telsim("run " + quote(kQuickstart) + " --report " + quote(out.string()));
  ASSERT_EQ(r.status, 0) << describe(r);
  const auto verdict = r.out.find("verdict: PASS");
  const auto report = r.out.find("report: ");
  ASSERT_NE(verdict, std::string::npos) << r.out;
  ASSERT_NE(report, std::string::npos) << r.out;
  EXPECT_LT(verdict, report) << r.out;
}

TEST(CliRun, ReportFolderThatCannotBeCreatedIsBadInput) {
  // /proc refuses new folders even to root (CI runs as root, where permissions do not bite).
  const Result r = run_telsim("run " + quote(kQuickstart) + " --report /proc/telsim-no-such-dir");
  EXPECT_EQ(r.status, 2) << describe(r);
  EXPECT_NE(r.err.find("--report '/proc/telsim-no-such-dir': cannot create the folder"), std::string::npos)
      << r.err;
}

TEST(CliServe, ReportPathThatIsAFileIsBadInputBeforeListening) {
  TempDir dir;
  write_file(dir / "taken", "a file");
  const std::string office = std::string(TELSIM_SOURCE_DIR) + "/scenarios/serve/office.yaml";
  const Result r = run_telsim("serve " + quote(office) + " --listen 127.0.0.1:0 --until 1s --report " +
                              quote((dir / "taken").string()));
  EXPECT_EQ(r.status, 2) << describe(r);
  EXPECT_NE(r.err.find("is a file, not a folder"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
}

// The bundled trunk scenario asserts its own blocking with a metric expectation; with bounds no
// run can meet, the same scenario fails on that line, naming the value and the bound.
TEST(CliRun, MetricExpectationWithImpossibleBoundsFailsNamingItsLine) {
  const std::string original = std::string(TELSIM_SOURCE_DIR) + "/scenarios/regression/trunk_blocking_metric.yaml";
  const Result pass = run_telsim("run " + quote(original) + " --quiet");
  ASSERT_EQ(pass.status, 0) << describe(pass);

  std::string text = read_file(original);
  const std::string bounds = "metric: trunks.pstn.blocking, min: 0.095, max: 0.125";
  const auto at = text.find(bounds);
  ASSERT_NE(at, std::string::npos) << "the bundled scenario changed";
  text.replace(at, bounds.size(), "metric: trunks.pstn.blocking, min: 0.5, max: 0.6");
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) line += text[i] == '\n';
  TempDir dir;
  const fs::path file = dir / "impossible.yaml";
  write_file(file, text);
  const Result r = run_telsim("run " + quote(file.string()) + " --report " + quote((dir / "out").string()));
  EXPECT_EQ(r.status, 1) << describe(r);
  const std::string where = file.string() + ":" + std::to_string(line);
  EXPECT_NE(r.out.find("FAIL  " + where + "  step 1 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("below the minimum 0.5"), std::string::npos) << r.out;
  const std::string junit = read_file(dir / "out" / "junit.xml");
  EXPECT_NE(junit.find("message=\"" + where + ": trunks.pstn.blocking is 0."), std::string::npos) << junit;
}

TEST(CliRun, SameScenarioAndSeedGiveByteIdenticalReports) {
  TempDir dir;
  const fs::path file = dir / "random.yaml";
  write_file(file, kRandom);
  const fs::path first = dir / "first";
  const fs::path second = dir / "second";
  const Result a = run_telsim("run " + quote(file.string()) + " --quiet --report " + quote(first.string()));
  const Result b = run_telsim("run " + quote(file.string()) + " --quiet --report " + quote(second.string()));
  ASSERT_EQ(a.status, 0) << describe(a);
  ASSERT_EQ(b.status, 0) << describe(b);
  const std::string json_a = read_file(first / "report.json");
  ASSERT_FALSE(json_a.empty());
  EXPECT_EQ(json_a, read_file(second / "report.json"));
  const std::string cdr_a = read_file(first / "cdr.csv");
  ASSERT_FALSE(cdr_a.empty());
  EXPECT_EQ(cdr_a, read_file(second / "cdr.csv"));
}

TEST(CliRun, SeedOptionReplacesTheScenarioSeed) {
  TempDir dir;
  const fs::path file = dir / "random.yaml";
  write_file(file, kRandom);
  const Result a = run_telsim("run " + quote(file.string()) + " --quiet --report " + quote((dir / "a").string()));
  const Result b = run_telsim("run " + quote(file.string()) + " --seed 42 --quiet --report " +
                              quote((dir / "b").string()));
  ASSERT_EQ(a.status, 0) << describe(a);
  ASSERT_EQ(b.status, 0) << describe(b);
  EXPECT_EQ(load_json(dir / "a" / "report.json").value("seed", -1), 5);
  EXPECT_EQ(load_json(dir / "b" / "report.json").value("seed", -1), 42);
  // The random durations come from the seed: another seed, another run.
  EXPECT_NE(read_file(dir / "a" / "cdr.csv"), read_file(dir / "b" / "cdr.csv"));

  const Result shown = run_telsim("run " + quote(file.string()) + " --seed 42");
  EXPECT_NE(shown.out.find("(seed 42)"), std::string::npos) << shown.out;
}

// --personality: the same scenario against another switch (a CI matrix), named in the reports.
TEST(CliRun, PersonalityOptionRunsTheScenarioAgainstAnotherPreset) {
  const std::string keys = source_path("scenarios/regression/personality_key_system.yaml");
  const std::string strict = source_path("scenarios/regression/personality_strict.yaml");
  TempDir dir;
  const Result own = run_telsim("run " + quote(keys) + " --report " + quote((dir / "own").string()));
  EXPECT_EQ(own.status, 0) << describe(own);
  EXPECT_NE(own.out.find("(seed 1, personality key_system)"), std::string::npos) << own.out;
  EXPECT_EQ(load_json(dir / "own" / "report.json").value("personality", ""), "key_system");
  // Under strict, AUTORECONNECT brings the original back and park is offered: the key system's
  // expectations fail, and the report says which switch they failed on.
  const Result other =
      run_telsim("run " + quote(keys) + " --personality strict --report " + quote((dir / "other").string()));
  EXPECT_EQ(other.status, 1) << describe(other);
  EXPECT_NE(other.out.find("personality strict"), std::string::npos) << other.out;
  EXPECT_EQ(load_json(dir / "other" / "report.json").value("personality", ""), "strict");
  // A suite passes the option to every run.
  const Result suite = run_telsim("run " + quote(keys) + " " + quote(strict) + " --personality strict --quiet");
  EXPECT_EQ(suite.status, 1) << describe(suite);
  EXPECT_NE(suite.out.find("1 passed, 1 failed"), std::string::npos) << suite.out;
}

// `telsim personalities`: one line per preset, its name then what defines it, every preset a
// scenario's `personality:` takes and nothing else.
TEST(CliPersonalities, ListsEachPresetOnOneLine) {
  const Result r = run_telsim("personalities");
  ASSERT_EQ(r.status, 0) << describe(r);
  std::vector<std::string> names;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t gap = line.find("  ");
    ASSERT_NE(gap, std::string::npos) << line;
    names.push_back(line.substr(0, gap));
    EXPECT_GT(line.find_first_not_of(' ', gap), gap) << "a description follows: " << line;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"strict", "minimal", "key_system", "large_pbx"})) << r.out;
  TempDir dir;
  for (const std::string& name : names) {
    const fs::path file = dir / (name + ".yaml");
    write_file(file, "name: p\npbx:\n  extensions: [\"201-202\"]\n  personality: " + name + "\n");
    const Result check = run_telsim("check " + quote(file.string()));
    EXPECT_EQ(check.status, 0) << describe(check);
  }
}

// The faults a scenario injects are in the reports it writes: report.json's `faults` and
// report.html's table, each action with when and whom it hit.
TEST(CliRun, TheReportsShowTheInjectedFaults) {
  TempDir dir;
  const Result r = run_telsim("run " + quote(source_path("scenarios/regression/faults.yaml")) + " --quiet --report " +
                              quote(dir.path().string()));
  ASSERT_EQ(r.status, 0) << describe(r);
  const json faults = load_json(dir / "report.json").at("faults");
  ASSERT_EQ(faults.size(), 4u) << faults.dump();
  const std::vector<std::tuple<double, int, std::string, std::string>> want = {
      {1.34, 1, "refused make_call: LINEERR_RESOURCEUNAVAIL", "line 203"},
      {5.0, 2, "answer: reply lost", "line 202 (c2)"},
      {30.0, 3, "link down for 5s", "every application"},
      {35.0, 3, "link up", "every application"}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto& [at, fault, what, to] = want[i];
    EXPECT_DOUBLE_EQ(faults[i].at("at_s").get<double>(), at) << i;
    EXPECT_EQ(faults[i].at("fault").get<int>(), fault) << i;
    EXPECT_EQ(faults[i].at("what").get<std::string>(), what) << i;
    EXPECT_EQ(faults[i].at("to").get<std::string>(), to) << i;
  }
  const std::string html = read_file(dir / "report.html");
  const std::size_t table = html.find("<h2>Injected faults</h2>");
  ASSERT_NE(table, std::string::npos);
  for (const auto& [at, fault, what, to] : want)
    EXPECT_NE(html.find("<td>" + what + "</td><td>" + to + "</td>", table), std::string::npos) << what;
}

TEST(CliRun, MissingFileIsBadInputNamingIt) {
  TempDir dir;
  const std::string missing = (dir / "no-such-dir" / "missing.yaml").string();
  const fs::path out = dir / "out";
  const Result r = run_telsim("run " + quote(missing) + " --report " + quote(out.string()));
  EXPECT_EQ(r.status, 2) << describe(r);
  EXPECT_EQ(r.err.rfind(missing + ":", 0), 0u) << describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists(out));

  const Result c = run_telsim("check " + quote(missing));
  EXPECT_EQ(c.status, 2) << describe(c);
  EXPECT_NE(c.err.find(missing), std::string::npos) << describe(c);
}

// --- check ---------------------------------------------------------------------------------

TEST(CliCheck, QuickstartIsValid) {
  const Result r = run_telsim("check " + quote(kQuickstart));
  EXPECT_EQ(r.status, 0) << describe(r);
  EXPECT_NE(r.out.find(": ok"), std::string::npos) << r.out;
}

TEST(CliCheck, EveryBundledScenarioIsValid) {
  std::vector<fs::path> files;
  for (const char* folder : {"scenarios/examples", "scenarios/regression"}) {
    const fs::path dir = source_path(folder);
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  ASSERT_FALSE(files.empty());
  for (const fs::path& f : files) {
    const Result r = run_telsim("check " + quote(f.string()));
    EXPECT_EQ(r.status, 0) << f << "\n" << describe(r);
  }
}

// --- version, help, usage ------------------------------------------------------------------

TEST(CliVersion, PrintsTheProjectVersion) {
  const Result r = run_telsim("--version");
  EXPECT_EQ(r.status, 0) << describe(r);
  EXPECT_EQ(r.out, "telsim " + project_version() + "\n");
}

TEST(CliHelp, ListsTheCommands) {
  const Result r = run_telsim("--help");
  EXPECT_EQ(r.status, 0) << describe(r);
  for (const char* cmd : {"run", "check", "bench"})
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd << "\n" << r.out;
}

struct Usage {
  const char* name;
  std::string args;
};

class CliUsage : public ::testing::TestWithParam<Usage> {};

TEST_P(CliUsage, IsBadInput) {
  const Result r = run_telsim(GetParam().args);
  EXPECT_EQ(r.status, 2) << GetParam().args << "\n" << describe(r);
  EXPECT_FALSE(r.err.empty()) << "say what is wrong on stderr";
}

std::string usage_name(const ::testing::TestParamInfo<Usage>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Mistakes, CliUsage,
    ::testing::Values(Usage{"NoCommand", ""}, Usage{"UnknownCommand", "frobnicate"},
                      Usage{"RunWithoutFile", "run"}, Usage{"CheckWithoutFile", "check"},
                      Usage{"UnknownFlag", "run " + quote(kQuickstart) + " --bogus"},
                      Usage{"UnknownShortFlag", "run " + quote(kQuickstart) + " -z"},
                      Usage{"SeedNotANumber", "run " + quote(kQuickstart) + " --seed abc"},
                      Usage{"ReportWithoutDir", "run " + quote(kQuickstart) + " --report"},
                      Usage{"UnknownPersonality", "run " + quote(kQuickstart) + " --personality fancy"},
                      Usage{"BenchZeroCalls", "bench --calls 0"},
                      Usage{"BenchOneExtension", "bench --extensions 1"}),
    usage_name);

// --- bench ---------------------------------------------------------------------------------

TEST(CliBench, PrintsThroughput) {
  const Result r = run_telsim("bench --calls 2000 --extensions 100");
  ASSERT_EQ(r.status, 0) << describe(r);
  // Figures only; their size depends on the machine.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(calls/s\s*:\s*[0-9][0-9,]*)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(events/s\s*:\s*[0-9][0-9,]*)"))) << r.out;
}

}  // namespace
}  // namespace telsim::cli_test
