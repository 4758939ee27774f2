// Fault injection: what `faults:` accepts, and that request faults act on exactly the requests
// they name, the same way for the same seed.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "telsim/sim/faults.hpp"
#include "telsim/sim/kernel.hpp"
#include "telsim/sim/runner.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {
namespace {

using namespace std::chrono_literals;

Scenario parse(const std::string& faults) {
  return parse_scenario("name: f\npbx:\n  extensions: [\"201-203\"]\ntrunks:\n  - {name: pstn, channels: 1, "
                        "access_code: \"9\", number_length: 7}\nfaults:\n" + faults,
                        "f.yaml");
}

TEST(FaultsTest, EachKindOfFaultLoads) {
  const Scenario s = parse(R"(  - {op: make_call, nth: 2, error: LINEERR_RESOURCEUNAVAIL}
  - {op: answer, line: "202", reply: never}
  - {op: drop, delay: 2s}
  - {op: dial, probability: 0.25, stream: flaky, error: LINEERR_OPERATIONFAILED}
  - {at: 30s, link: down, for: 5s}
  - {at: 1min, restart: switch}
  - {at: 10s, out_of_service: "203", for: 1min}
  - {at: 10s, out_of_service: pstn, for: 1min}
  - {event: call_state, state: RINGBACK, line: "201", duplicate: true}
  - {event: call_state, state: CONNECTED, nth: 3, delay: 500ms}
)");
  ASSERT_EQ(s.faults.size(), 10u);
  EXPECT_EQ(describe(s.faults[8]), "call_state RINGBACK on 201: told twice");
  EXPECT_EQ(describe(s.faults[9]), "call_state CONNECTED #3: told 500ms late");
  EXPECT_EQ(describe(s.faults[0]), "make_call #2: LINEERR_RESOURCEUNAVAIL");
  EXPECT_EQ(describe(s.faults[1]), "answer on 202: reply never");
  EXPECT_EQ(describe(s.faults[2]), "drop: reply 2s late");
  EXPECT_EQ(describe(s.faults[3]), "dial p=0.25 (flaky): LINEERR_OPERATIONFAILED");
  EXPECT_EQ(describe(s.faults[4]), "link down at 30s for 5s");
  EXPECT_EQ(describe(s.faults[5]), "switch restart at 1min");
  EXPECT_EQ(describe(s.faults[6]), "203 out of service at 10s for 1min");
  EXPECT_EQ(s.faults[7].kind, FaultSpec::Kind::OutOfService);
}

TEST(FaultsTest, AMalformedFaultIsAnErrorAtItsPlace) {
  for (const auto& [yaml, message] : std::vector<std::pair<std::string, std::string>>{
           {"  - {op: make_call}\n",
            "f.yaml:7:5: a request fault does one thing: error: LINEERR_..., reply: never, or delay: D (the reply that "
            "late)"},
           {"  - {op: make_cal, error: LINEERR_OPERATIONFAILED}\n",
            "f.yaml:7:10: 'make_cal' is not an operation (telsim operations lists them)"},
           {"  - {op: make_call, error: LINEERR_NOPE}\n", "f.yaml:7:28: 'LINEERR_NOPE' is not a LINEERR name (LINEERR_RESOURCEUNAVAIL ...)"},
           {"  - {op: make_call, nth: 2, probability: 0.5, error: LINEERR_OPERATIONFAILED}\n",
            "f.yaml:7:42: a fault takes nth or probability, not both"},
           {"  - {op: make_call, line: \"299\", error: LINEERR_OPERATIONFAILED}\n",
            "f.yaml:7:27: '299' is not an extension of this scenario"},
           {"  - {at: 1s, link: up, for: 1s}\n", "f.yaml:7:20: link: down is the link fault (with `at` and `for`)"},
           {"  - {at: 1s, link: down}\n", "f.yaml:7:5: this fault needs 'for': how long it lasts"},
           {"  - {at: 1s, out_of_service: \"999\", for: 1s}\n",
            "f.yaml:7:30: '999' is neither an extension nor a trunk group of this scenario"},
           {"  - {at: 1s, restart: switch, op: drop}\n",
            "f.yaml:7:5: a fault is one of: a request fault (op: ...), an event fault (event: call_state), link: down, "
            "stall: server, restart: switch, out_of_service: NAME"},
           {"  - {event: call_state, state: RINGING, duplicate: true}\n", "f.yaml:7:32: 'RINGING' is not a call state"},
           {"  - {event: call_state, error: LINEERR_OPERATIONFAILED}\n",
            "f.yaml:7:32: 'error' does not belong to an event fault"},
           {"  - {event: call_state, state: IDLE}\n",
            "f.yaml:7:5: an event fault does one thing: delay: D (the report that late) or duplicate: true"},
           {"  - {op: drop, error: LINEERR_OPERATIONFAILED, colour: red}\n",
            "f.yaml:7:56: 'colour' is not a fault key (op, line, nth, probability, stream, error, reply, delay; event, "
            "state, duplicate; at, for, link, stall, restart, out_of_service)"},
       }) {
    try {
      parse(yaml);
      ADD_FAILURE() << "no error for " << yaml;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.message(), message) << yaml;
    }
  }
}

/// How many of `n` make_calls on 201 a fault with probability `p` refuses, and which.
std::vector<bool> refusals(double p, std::uint64_t seed, int n) {
  ManualKernel kernel;
  PbxConfig cfg;
  LineConfig l;
  l.number = "201";
  cfg.lines.push_back(l);
  Pbx pbx(kernel, cfg);
  FaultSpec f;
  f.op = Op::MakeCall;
  f.probability = p;
  f.stream = "flaky";
  f.error = LineErr::OperationFailed;
  FaultInjector faults(pbx, kernel, seed, {f});
  std::vector<bool> out;
  Command c;
  c.op = Op::MakeCall;
  c.line = 0;
  for (int i = 0; i < n; ++i) {
    RequestPath::ReplyFate fate;
    out.push_back(faults.before(c, "201", fate).has_value());
  }
  return out;
}

TEST(FaultsTest, AProbabilityIsDrawnFromItsOwnSeededStream) {
  const std::vector<bool> a = refusals(0.3, 7, 1000), b = refusals(0.3, 7, 1000), other = refusals(0.3, 8, 1000);
  EXPECT_EQ(a, b) << "the same seed refuses the same requests";
  EXPECT_NE(a, other) << "another seed, others";
  const auto refused = std::count(a.begin(), a.end(), true);
  EXPECT_GT(refused, 240);  // 300 expected; 4 standard deviations (14.5) either way
  EXPECT_LT(refused, 360);
}

// A stalled switch answers only once it resumes: a do step made during the stall waits for it.
TEST(FaultsTest, AStallHoldsTheRepliesOfRequestsMadeDuringIt) {
  ManualKernel kernel;
  const RunResult r = run_scenario(parse(R"(  - {at: 5s, stall: server, for: 2s}
steps:
  - {at: 5500ms, do: make_call, line: "201", to: "202", as: a}
  - {expect: {call: a, state: DIALING}}
  - {do: drop, call: a}
)"),
                                   kernel);
  ASSERT_EQ(r.expectations.size(), 1u);
  EXPECT_EQ(r.expectations[0].at, SimTime(7s)) << "the next step once the switch resumed";
  ASSERT_EQ(r.faults.size(), 2u);
  EXPECT_EQ(r.faults[0].what, "stalled for 2s");
  EXPECT_EQ(r.faults[1].what, "resumed");
  EXPECT_EQ(r.faults[1].at, SimTime(7s));
}

TEST(FaultsTest, ADelayedReplyHoldsTheNextStepByItsDelay) {
  ManualKernel kernel;
  const RunResult r = run_scenario(parse(R"(  - {op: hold, delay: 2s}
steps:
  - {at: 1s, do: make_call, line: "201", to: "202", as: a}
  - {expect: {line: "202", state: OFFERING}, within: 2s, as: b}
  - {at: 5s, do: answer, call: b}
  - {do: hold, call: a}
  - {expect: {call: a, state: ONHOLD}}
  - {do: drop, call: a}
  - {do: drop, call: b}
)"),
                                   kernel);
  ASSERT_EQ(r.expectations.size(), 2u);
  EXPECT_TRUE(r.expectations[1].ok) << r.expectations[1].message;
  EXPECT_EQ(r.expectations[1].at, SimTime(7s)) << "hold at 5 s, its reply 2 s late";
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_EQ(r.faults[0].what, "hold: reply 2s late");
  EXPECT_EQ(r.faults[0].at, SimTime(5s));
  EXPECT_EQ(r.faults[0].to, "line 201 (c1)");
}

TEST(FaultsTest, NthCountsOnlyTheRequestsTheFaultMatches) {
  ManualKernel kernel;
  const Scenario s = parse("  - {op: hold, line: \"202\", nth: 2, error: LINEERR_OPERATIONFAILED}\n");
  Pbx pbx(kernel, s.pbx);
  FaultInjector faults(pbx, kernel, 1, s.faults);
  const auto hold_on = [&](LineId line, const std::string& number) {
    Command c;
    c.op = Op::Hold;
    c.line = line;
    RequestPath::ReplyFate fate;
    return faults.before(c, number, fate).has_value();
  };
  EXPECT_FALSE(hold_on(0, "201"));
  EXPECT_FALSE(hold_on(1, "202")) << "the first hold on 202";
  EXPECT_FALSE(hold_on(0, "201"));
  EXPECT_TRUE(hold_on(1, "202")) << "the second hold on 202";
  EXPECT_FALSE(hold_on(1, "202")) << "only the second";
  ASSERT_EQ(faults.log().size(), 1u);
  EXPECT_EQ(faults.log()[0].what, "refused hold: LINEERR_OPERATIONFAILED");
  EXPECT_EQ(faults.log()[0].to, "line 202");
}

}  // namespace
}  // namespace telsim
