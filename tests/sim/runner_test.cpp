// The scenario runner on the pure C++ kernel: how expectations wait, pass and fail, and that
// every run ends with every call IDLE and recorded.
#include <gtest/gtest.h>

#include "telsim/sim/bench.hpp"
#include "telsim/sim/runner.hpp"

namespace telsim {
namespace {

using namespace std::chrono_literals;

RunResult run(const std::string& yaml) {
  ManualKernel kernel;
  return run_scenario(parse_scenario(yaml, "t.yaml"), kernel);
}

const std::string kPbx = R"(name: t
pbx:
  extensions:
    - "201-203"
    - {number: "300", behavior: {answer_after: 1s, hangup_after: 5s}}
    - {number: "310", behavior: busy}
steps:
)";

TEST(ScenarioRunnerTest, ExpectationWaitsInVirtualTime) {
  const RunResult r = run(kPbx + R"(
  - {at: 2s, do: make_call, line: "201", to: "202", as: c1}
  - {expect: {call: c1, state: RINGBACK}, within: 5s}
)");
  ASSERT_EQ(r.expectations.size(), 1u);
  EXPECT_TRUE(r.expectations[0].ok) << r.expectations[0].message;
  // dial tone 100 ms + 3 digits x 80 ms + post-dial delay 1 s
  EXPECT_EQ(r.expectations[0].at, SimTime(2s + 100ms + 240ms + 1s));
}

// reply_delay: a do step waits for the switch's reply, as an application waits for LINE_REPLY;
// the switch acts when it replies (before_events) or at once (after_events).
TEST(ScenarioRunnerTest, ADoStepWaitsForTheReplyOfASlowSwitch) {
  for (const std::string order : {"before_events", "after_events"}) {
    SCOPED_TRACE(order);
    const RunResult r = run(R"(name: t
pbx:
  extensions: ["201-203"]
  reply_delay: 500ms
  reply_order: )" + order + R"(
steps:
  - {at: 1s, do: make_call, line: "201", to: "202", as: c1}
  - {expect: {call: c1, state: DIALTONE}}
  - {do: drop, call: c1}
)");
    ASSERT_EQ(r.expectations.size(), 1u) << "a do step that succeeds records nothing";
    EXPECT_EQ(r.expectations[0].at, SimTime(1500ms)) << "the next step starts once the reply is in";
    ASSERT_EQ(r.records.size(), 1u);
    if (order == "before_events") {
      EXPECT_TRUE(r.expectations[0].ok) << r.expectations[0].message;
      EXPECT_EQ(r.records[0].start, SimTime(1500ms)) << "the switch made the call when it replied";
      EXPECT_EQ(r.records[0].end, SimTime(2000ms)) << "and dropped it when it replied to the drop";
    } else {
      EXPECT_FALSE(r.expectations[0].ok) << "by the reply the call is DIALING already";
      EXPECT_NE(r.expectations[0].message.find("DIALING"), std::string::npos) << r.expectations[0].message;
      EXPECT_EQ(r.records[0].start, SimTime(1s)) << "the switch made the call at once";
      EXPECT_EQ(r.records[0].end, SimTime(1500ms));
    }
  }
}

TEST(ScenarioRunnerTest, StatesThatLastNoTimeStillCount) {
  // 300 is automatic: its leg goes DISCONNECTED and IDLE in the same instant.
  const RunResult r = run(kPbx + R"(
  - {do: make_call, line: "201", to: "300", as: c1}
  - {expect: {line: "300", state: OFFERING}, within: 3s, as: c2}
  - {do: drop, call: c1, after: 2s}
  - {expect: {call: c2, state: DISCONNECTED, mode: NORMAL}}
  - {expect: {call: c2, history: [OFFERING, CONNECTED, DISCONNECTED, IDLE]}}
)");
  for (const auto& e : r.expectations) EXPECT_TRUE(e.ok) << e.what << ": " << e.message;
}

TEST(ScenarioRunnerTest, FailedExpectationNamesItsLineAndWhatWasSeen) {
  const RunResult r = run(kPbx + R"(
  - {do: make_call, line: "201", to: "202", as: c1}
  - {expect: {call: c1, state: CONNECTED}, within: 3s}
)");
  ASSERT_EQ(r.expectations.size(), 1u);
  const ExpectationResult& e = r.expectations[0];
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.yaml_line, 10);
  EXPECT_EQ(e.step, 2);
  EXPECT_EQ(e.at, SimTime(3s));  // the deadline, not earlier
  EXPECT_EQ(e.message, "c1 is RINGBACK, reason DIRECT, history DIALTONE>DIALING>PROCEEDING>RINGBACK");
  EXPECT_EQ(r.failed(), 1u);
}

TEST(ScenarioRunnerTest, RefusedOperationFailsUnlessExpected) {
  const RunResult r = run(kPbx + R"(
  - {do: make_call, line: "201", to: "202", as: c1}
  - {do: answer, call: c1}
  - {do: answer, call: c1, expect_error: LINEERR_INVALCALLSTATE}
  - {expect: {error: INVALCALLSTATE}}
  - {do: make_call, line: "202", to: "2x2", expect_error: LINEERR_INVALADDRESS}
)");
  ASSERT_EQ(r.expectations.size(), 4u);
  EXPECT_FALSE(r.expectations[0].ok);
  EXPECT_EQ(r.expectations[0].message,
            "refused: LINEERR_INVALCALLSTATE (c1 is DIALTONE; answer needs OFFERING or ACCEPTED)");
  EXPECT_TRUE(r.expectations[1].ok);
  EXPECT_TRUE(r.expectations[2].ok);
  EXPECT_TRUE(r.expectations[3].ok);
}

// A refusal names its actual reason: the other call that makes the line busy, not the state of
// the held call acted on; the conference limit, not the state of the conference call.
TEST(ScenarioRunnerTest, RefusalNamesTheOtherCallOrTheLimitThatIsTheReason) {
  const RunResult r = run(R"(name: t
pbx:
  extensions: ["201-205"]
  conference_max: 2
  pickup_groups: {sales: ["202", "203"]}
controllers: [crm]
steps:
  - {do: make_call, line: "201", to: "202", as: a}
  - {expect: {line: "202", state: OFFERING}, within: 2s, as: b}
  - {do: answer, call: b}
  - {do: hold, call: a}
  - {do: make_call, line: "201", to: "203", as: c}
  - {expect: {line: "203", state: OFFERING}, within: 2s, as: d}
  - {do: answer, call: d}
  - {do: unhold, call: a}
  - {do: drop, call: c}
  - {do: unhold, call: a}
  - {do: setup_conference, call: a, to: "204", as: conf, consult_as: e}
  - {expect: {line: "204", state: OFFERING}, within: 2s, as: f}
  - {do: answer, call: f}
  - {do: add_to_conference, conference: conf, consult: e}
  - {do: prepare_add_to_conference, conference: conf, to: "205"}
  - {do: handoff, call: conf, to: crm}
  - {do: drop, call: conf}
  - {do: pickup, line: "205", group: sales}
)");
  std::vector<std::string> refusals;
  for (const auto& e : r.expectations)
    if (!e.ok) refusals.push_back(e.message);
  EXPECT_EQ(refusals, (std::vector<std::string>{
                          "refused: LINEERR_INUSE (201 has c3 CONNECTED)",
                          "refused: LINEERR_CONFERENCEFULL (conference c5 already has 2 parties, conference_max 2)",
                          "refused: LINEERR_NOTOWNER (c5 belongs to 'crm')",
                          "refused: LINEERR_INVALGROUPID (205 is not in pickup group 'sales')",
                      }));
}

TEST(ScenarioRunnerTest, RecordsEachDoStepAsAnOperation) {
  const RunResult r = run(kPbx + R"(
  - {do: make_call, line: "201", to: "202", as: c1}
  - {do: answer, call: c1, expect_error: LINEERR_INVALCALLSTATE}
  - {expect: {line: "202", state: OFFERING}, within: 3s}
  - {at: 4s, do: answer, line: "202"}
  - {at: 6s, do: drop, call: c1}
  - {do: make_call, line: "203", to: "2x2", expect_error: LINEERR_INVALADDRESS}
  - {expect: {line: "203", state: CONNECTED}, as: c9}
  - {do: drop, call: c9}
)");
  // The last step names a call never matched: it fails without running an operation.
  ASSERT_EQ(r.operations.size(), 5u);
  const OperationRecord want[] = {
      {SimTime(0s), Op::MakeCall, "201", 1, LineErr::Success, ""},
      {SimTime(0s), Op::Answer, "201", 1, LineErr::InvalCallState, ""},
      {SimTime(4s), Op::Answer, "202", 2, LineErr::Success, ""},
      {SimTime(6s), Op::Drop, "201", 1, LineErr::Success, ""},
      {SimTime(6s), Op::MakeCall, "203", r.operations[4].call, LineErr::InvalAddress, ""},
  };
  for (std::size_t i = 0; i < 5; ++i) {
    const OperationRecord& o = r.operations[i];
    EXPECT_EQ(o, want[i]) << i << ": " << to_string(o.op) << " on " << o.line << " c" << o.call
                          << " at " << to_seconds(o.at) << " " << tapi_name(o.error);
  }
}

TEST(ScenarioRunnerTest, ACompletionWhoseCompleteCallWasRefusedFailsItsStepsClearly) {
  // complete_call on a DIALTONE call is refused, so 'k' never names a completion: the steps that
  // use it fail with a message (they once stopped the run with an internal error).
  const RunResult r = run(kPbx + R"(
  - {do: make_call, line: "201", as: c1}
  - {do: complete_call, call: c1, mode: CAMPON, completion_as: k, expect_error: LINEERR_INVALCALLSTATE}
  - {do: uncomplete_call, line: "201", completion: k}
  - {expect: {call: c1, completion: k}}
  - {do: drop, call: c1}
)");
  std::vector<std::string> failed;
  for (const auto& e : r.expectations)
    if (!e.ok) failed.push_back(e.message);
  EXPECT_EQ(failed, (std::vector<std::string>{
                        "completion 'k' was never given: the complete_call that names it failed",
                        "completion 'k' was never given: the complete_call that names it failed",
                    }));
}

TEST(ScenarioRunnerTest, SessionCollectsOperationsOfScenarioAndClientsInOrder) {
  ManualKernel kernel;
  const Scenario sc = parse_scenario(kPbx + R"(
  - {do: make_call, line: "201", to: "202", as: c1}
)", "t.yaml");
  ScenarioSession session(sc, kernel);
  session.start();
  const OpResult r = session.pbx().make_call(*session.pbx().find_line("203"), "300");
  session.record_operation({kernel.now(), r.op, "203", r.call.serial, r.error, "alice"});
  kernel.run(SimTime::max());
  const RunResult result = session.finish();
  ASSERT_EQ(result.operations.size(), 2u);
  EXPECT_EQ(result.operations[0].who, "");
  EXPECT_EQ(result.operations[0].line, "201");
  EXPECT_EQ(result.operations[1].who, "alice");
  EXPECT_EQ(result.operations[1].op, Op::MakeCall);
  EXPECT_EQ(result.operations[1].call, r.call.serial);
}

TEST(ScenarioRunnerTest, LineStepsActOnTheCallThatFits) {
  const RunResult r = run(kPbx + R"(
  - {do: make_call, line: "201", to: "202", as: c1}
  - {expect: {line: "202", state: OFFERING}, within: 3s}
  - {do: answer, line: "202"}
  - {expect: {call: c1, state: CONNECTED}}
  - {expect: {line: "202", calls: 1, state: CONNECTED}}
  - {do: drop, line: "202"}
  - {expect: {line: "202", state: IDLE}}
)");
  for (const auto& e : r.expectations) EXPECT_TRUE(e.ok) << e.what << ": " << e.message;
}

TEST(ScenarioRunnerTest, EveryCallEndsIdleWithOneRecord) {
  // Calls left connected, ringing and in dial tone are cleared at the end of the run.
  const RunResult r = run(kPbx + R"(
  - {do: make_call, line: "201", to: "202"}
  - {do: make_call, line: "203", to: "300"}
  - {after: 3s, do: make_call, line: "202"}
)");
  EXPECT_EQ(r.expectations.size(), 0u);
  // 201->202 (2 legs, 202 busy ringing so its own make_call is INUSE? no: 202 only rings),
  // 203->300 (2 legs, ends by itself), 202's own call in DIALTONE.
  std::size_t cleared = 0;
  for (const CallRecord& rec : r.records) {
    ASSERT_FALSE(rec.history.empty());
    EXPECT_EQ(rec.history.back().state, CallState::Idle) << "c" << rec.serial;
    if (rec.cleared_at_end) ++cleared;
  }
  EXPECT_EQ(cleared, r.cleared_at_end);
  EXPECT_EQ(r.records.size(), 5u);
  for (std::size_t i = 1; i < r.records.size(); ++i)
    EXPECT_LT(r.records[i - 1].serial, r.records[i].serial);
}

TEST(ScenarioRunnerTest, StopAtEndsTheRunAndFailsStepsNotReached) {
  const RunResult r = run(R"(name: t
stop_at: 10s
pbx: {extensions: ["201-202"]}
steps:
  - {do: make_call, line: "201", to: "202", as: c1}
  - {at: 20s, expect: {call: c1, state: RINGBACK}}
)");
  ASSERT_EQ(r.expectations.size(), 1u);
  EXPECT_FALSE(r.expectations[0].ok);
  EXPECT_EQ(r.expectations[0].message, "not reached: the run stopped at 10.000s");
  EXPECT_EQ(r.sim_time, SimTime(10s));
}

TEST(ScenarioRunnerTest, SameScenarioAndSeedGiveTheSameRun) {
  const std::string yaml = R"y(name: t
seed: 42
pbx:
  extensions:
    - "201"
    - {number: "300", behavior: {answer_after: "uniform(1s, 9s)", hangup_after: "exponential(60s)"}}
steps:
  - {do: make_call, line: "201", to: "300", as: c1}
)y";
  const RunResult a = run(yaml);
  const RunResult b = run(yaml);
  ASSERT_EQ(a.records.size(), b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) EXPECT_EQ(a.records[i], b.records[i]);
}

TEST(ScenarioRunnerTest, TheSeedDrivesRandomBehaviours) {
  auto answer_time = [](int seed) {
    const RunResult r = run("name: t\nseed: " + std::to_string(seed) + R"y(
pbx:
  extensions:
    - "201"
    - {number: "300", behavior: {answer_after: "uniform(1s, 9s)"}}
steps:
  - {do: make_call, line: "201", to: "300"}
)y");
    return r.records.at(0).answer.value();
  };
  EXPECT_EQ(answer_time(1), answer_time(1));
  EXPECT_NE(answer_time(1), answer_time(2));
}

TEST(BenchTest, CompletesEveryCallOnThePureKernel) {
  ManualKernel kernel;
  const BenchResult r = run_bench(kernel, BenchOptions{500, 20});
  EXPECT_EQ(r.calls_completed, 500u);
  EXPECT_EQ(r.records, 1000u);  // caller and callee leg of each call
  EXPECT_GT(r.kernel_events, 500u * 4);
}

}  // namespace
}  // namespace telsim
