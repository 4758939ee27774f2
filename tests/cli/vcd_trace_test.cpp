// `telsim run --vcd FILE` (docs/cli.md): SystemC's VCD of every extension line's call state and
// every trunk group's busy channels, read back as GTKWave would: header, one $var per signal,
// value changes at the simulated times they happened.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_support.hpp"

namespace telsim::cli_test {
namespace {

// 201 calls 203 (answers after 2 s), 202 calls out over the trunk (the far end answers after
// 1 s). No dial tone or digit delay, 1 s post-dial delay, so every change has a round time.
const std::string kScenario = R"yaml(name: vcd-trace
seed: 1
pbx:
  extensions: ["201-202", {number: "203", behavior: {answer_after: 2s}}]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 1s}
trunks:
  - {name: pstn, channels: 2, access_code: "9", number_length: 3, far_end: {answer_after: 1s}}
steps:
  - {at: 0s, do: make_call, line: "201", to: "203", as: a}
  - {expect: {call: a, state: CONNECTED}, within: 5s}
  - {at: 10s, do: drop, call: a}
  - {at: 20s, do: make_call, line: "202", to: "9555", as: b}
  - {expect: {call: b, state: CONNECTED}, within: 5s}
  - {at: 30s, do: drop, call: b}
)yaml";

constexpr std::uint64_t kSecond = 1'000'000'000;  // VCD time units (1 ns) per second
constexpr std::uint64_t kProceeding = 0x200, kRingBack = 0x20, kConnected = 0x100,
                        kOffering = 0x2;

struct Vcd {
  std::string timescale;
  std::map<std::string, std::string> id_of;  // scope.name -> identifier code
  /// identifier -> (time, value) for the initial dump (time 0) and every change after it
  std::map<std::string, std::vector<std::pair<std::uint64_t, std::uint64_t>>> changes;
};

Vcd parse_vcd(const std::string& text) {
  Vcd vcd;
  std::istringstream in(text);
  std::string tok;
  std::vector<std::string> scopes;
  std::uint64_t now = 0;
  while (in >> tok) {
    if (tok == "$date" || tok == "$version" || tok == "$comment") {
      while (in >> tok && tok != "$end") {
      }
    } else if (tok == "$timescale") {
      std::string a, b;
      in >> a >> b;
      vcd.timescale = b == "$end" ? a : a + " " + b;
    } else if (tok == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      scopes.push_back(name);
    } else if (tok == "$upscope") {
      scopes.pop_back();
    } else if (tok == "$var") {
      std::string type, width, id, name;
      in >> type >> width >> id >> name;
      vcd.id_of[scopes.back() + "." + name] = id;
    } else if (tok[0] == '#') {
      now = std::stoull(tok.substr(1));
    } else if (tok[0] == 'b') {
      std::string id;
      in >> id;
      vcd.changes[id].emplace_back(now, std::stoull(tok.substr(1), nullptr, 2));
    }
  }
  return vcd;
}

class VcdTraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "trace.yaml", kScenario);
    result_ = run_telsim("run " + quote((dir_ / "trace.yaml").string()) + " --vcd " +
                         quote((dir_ / "waves" / "trace.vcd").string()));
    ASSERT_EQ(result_.status, 0) << describe(result_);
    vcd_ = parse_vcd(read_file(dir_ / "waves" / "trace.vcd"));
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> signal(const std::string& name) {
    auto it = vcd_.id_of.find(name);
    if (it == vcd_.id_of.end()) return {};
    return vcd_.changes[it->second];
  }

  TempDir dir_;
  Result result_;
  Vcd vcd_;
};

TEST_F(VcdTraceTest, HeaderDeclaresOneSignalPerLineAndTrunk) {
  EXPECT_EQ(vcd_.timescale, "1 ns");
  EXPECT_EQ(vcd_.id_of.size(), 4u);
  for (const char* name : {"lines.line_201", "lines.line_202", "lines.line_203", "trunks.pstn_busy"})
    EXPECT_TRUE(vcd_.id_of.count(name)) << name;
  EXPECT_NE(result_.out.find("trace: "), std::string::npos) << result_.out;
}

TEST_F(VcdTraceTest, LineSignalsChangeAtTheSimulatedTimes) {
  using Changes = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  // 201: seized and dialled at once (PROCEEDING), ringback after the 1 s post-dial delay,
  // answered 2 s later, dropped at 10 s (no call: 0).
  EXPECT_EQ(signal("lines.line_201"),
            (Changes{{0, kProceeding}, {1 * kSecond, kRingBack}, {3 * kSecond, kConnected},
                     {10 * kSecond, 0}}));
  EXPECT_EQ(signal("lines.line_203"),
            (Changes{{0, 0}, {1 * kSecond, kOffering}, {3 * kSecond, kConnected}, {10 * kSecond, 0}}));
  EXPECT_EQ(signal("lines.line_202"),
            (Changes{{0, 0}, {20 * kSecond, kProceeding}, {21 * kSecond, kRingBack},
                     {22 * kSecond, kConnected}, {30 * kSecond, 0}}));
}

TEST_F(VcdTraceTest, TrunkSignalCountsBusyChannels) {
  using Changes = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  EXPECT_EQ(signal("trunks.pstn_busy"), (Changes{{0, 0}, {21 * kSecond, 1}, {30 * kSecond, 0}}));
}

TEST(VcdTrace, UnwritablePathFailsNamingIt) {
  const Result r = run_telsim("run " + quote(source_path("scenarios/examples/quickstart.yaml")) +
                              " --vcd /proc/telsim-no-such-dir/x.vcd");
  EXPECT_NE(r.status, 0) << describe(r);
  EXPECT_NE(r.err.find("/proc/telsim-no-such-dir/x.vcd"), std::string::npos) << describe(r);
}

// A VCD trace makes every instant with a timer a SystemC time step (SystemC stamps each value
// change with its own clock); without one the kernel runs timers ahead of SystemC's clock while
// nothing else in SystemC is due (temporal decoupling, docs/design.md "Kernel"). The two must be the same
// run: every report file byte for byte, and the same verdict.
TEST(VcdTrace, RunsWithAndWithoutTheTraceGiveTheSameReports) {
  for (const char* rel : {"scenarios/examples/quickstart.yaml", "scenarios/examples/busy_hour.yaml",
                          "scenarios/examples/front_desk.yaml", "scenarios/examples/contact_centre.yaml"}) {
    SCOPED_TRACE(rel);
    TempDir dir;
    const std::string scenario = quote(source_path(rel));
    const Result plain = run_telsim("run " + scenario + " -q --stats-interval 1min --report " +
                                    quote((dir.path() / "plain").string()));
    const Result traced = run_telsim("run " + scenario + " -q --stats-interval 1min --report " +
                                     quote((dir.path() / "traced").string()) + " --vcd " +
                                     quote((dir.path() / "run.vcd").string()));
    EXPECT_EQ(plain.status, traced.status) << describe(plain) << describe(traced);
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path() / "plain")) {
      ++files;
      const fs::path other = dir.path() / "traced" / entry.path().filename();
      ASSERT_TRUE(fs::exists(other)) << other;
      EXPECT_TRUE(read_file(entry.path()) == read_file(other)) << entry.path().filename() << " differs";
    }
    EXPECT_GE(files, 5u);  // report.json, junit.xml, report.html, cdr.csv, stats.csv at least
  }
}

}  // namespace
}  // namespace telsim::cli_test
