// The ACD as a scenario meets it: distribution policies, ring-no-answer, overflow, a full queue,
// patience, wrap-up and next states, the agent operations' refusals, the records and the
// statistics, and the loader's errors for a bad `acd:` section.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "telsim/sim/runner.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {
namespace {

RunResult run(const std::string& yaml) {
  ManualKernel kernel;
  return run_scenario(parse_scenario(yaml, "acd.yaml"), kernel);
}

void expect_all_pass(const RunResult& r) {
  for (const ExpectationResult& e : r.expectations)
    EXPECT_TRUE(e.ok) << "step " << e.step << " (line " << e.yaml_line << "): " << e.what << ": " << e.message;
}

/// The agent who answered the call of caller `line`, from the records.
std::string agent_for(const RunResult& r, const std::string& line) {
  for (const CallRecord& c : r.records)
    if (c.line == line && c.direction == Direction::Outgoing) return c.agent;
  return "?";
}

// Callers 201.. call the queue one after another, a second apart; agents answer after 1 s and
// hang up 100 s later, so each call finds the agents it found free before it still busy.
std::string policy_scenario(const std::string& policy) {
  return fmt::format(R"y(name: policy
pbx:
  extensions: ["201-204", "601-603"]
  timing: {{dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}}
acd:
  queues:
    - {{name: q, number: "500", agents: ["603", "601", "602"], policy: {0}}}
  agents:
    - {{lines: "601-603", behavior: {{answer_after: 1s, talk: 100s}}}}
steps:
  - {{at: 0s, do: make_call, line: "201", to: "500"}}
  - {{at: 1s, do: make_call, line: "202", to: "500"}}
  - {{at: 2s, do: make_call, line: "203", to: "500"}}
  - {{at: 200s, expect: {{queue: q, waiting: 0}}}}
)y",
                     policy);
}

TEST(Acd, TopDownTakesTheQueuesOrder) {
  const RunResult r = run(policy_scenario("top_down"));
  expect_all_pass(r);
  EXPECT_EQ(agent_for(r, "201"), "603");
  EXPECT_EQ(agent_for(r, "202"), "601");
  EXPECT_EQ(agent_for(r, "203"), "602");
}

TEST(Acd, LongestIdleTakesTheAgentFreeLongest) {
  // All free since the start: the tie goes by the queue's order; afterwards by idle time.
  const std::string yaml = R"y(name: longest idle
pbx:
  extensions: ["201-204", "601-602"]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: q, number: "500", agents: "601-602", policy: longest_idle}
  agents:
    - {lines: "601-602", behavior: {answer_after: 1s}}
steps:
  - {at: 0s, do: make_call, line: "201", to: "500", as: a}
  - {at: 10s, do: make_call, line: "202", to: "500", as: b}
  - {at: 20s, do: drop, call: b}
  - {at: 30s, do: drop, call: a}
  - {at: 40s, do: make_call, line: "203", to: "500", as: c}
  - {expect: {call: c, state: CONNECTED}, within: 2s}
  - {expect: {agent: "602", state: BUSYACD}}
)y";
  const RunResult r = run(yaml);
  expect_all_pass(r);
  EXPECT_EQ(agent_for(r, "201"), "601");
  EXPECT_EQ(agent_for(r, "202"), "602");
  EXPECT_EQ(agent_for(r, "203"), "602") << "602 has been free since 20 s, 601 only since 30 s";
}

TEST(Acd, RoundRobinGoesOnFromTheLastAgentOffered) {
  const std::string yaml = R"y(name: round robin
pbx:
  extensions: ["201-204", "601-603"]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: q, number: "500", agents: "601-603", policy: round_robin}
  agents:
    - {lines: "601-603", behavior: {answer_after: 1s, talk: 5s}}
steps:
  - {at: 0s, do: make_call, line: "201", to: "500"}
  - {at: 10s, do: make_call, line: "202", to: "500"}
  - {at: 20s, do: make_call, line: "203", to: "500"}
  - {at: 30s, do: make_call, line: "204", to: "500"}
  - {at: 60s, expect: {queue: q, queued: 4}}
)y";
  const RunResult r = run(yaml);
  expect_all_pass(r);
  EXPECT_EQ(agent_for(r, "201"), "601");
  EXPECT_EQ(agent_for(r, "202"), "602");
  EXPECT_EQ(agent_for(r, "203"), "603");
  EXPECT_EQ(agent_for(r, "204"), "601");
}

TEST(Acd, SkillsLevelDecidesBeforeIdleTime) {
  const std::string yaml = R"y(name: skills
pbx:
  extensions: ["201-204", "601-602"]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: q, number: "500", agents: "601-602", policy: skills}
  agents:
    - {line: "601", skills: {q: 3}, behavior: {answer_after: 1s}}
    - {line: "602", skills: {q: 1}, behavior: {answer_after: 1s}}
steps:
  - {at: 0s, do: make_call, line: "201", to: "500", as: a}
  - {expect: {call: a, state: CONNECTED}, within: 2s}
)y";
  const RunResult r = run(yaml);
  expect_all_pass(r);
  EXPECT_EQ(agent_for(r, "201"), "602");
}

TEST(Acd, RingNoAnswerPutsTheAgentNotReadyAndTheCallerBackAtTheHead) {
  const std::string yaml = R"y(name: rna
pbx:
  extensions: ["201-202", "601", {number: "602", behavior: {answer_after: 1s}}]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: q, number: "500", agents: ["601", "602"], policy: top_down, ring_no_answer: 5s}
  agents:
    - {line: "601"}
    - {line: "602", state: NOTREADY}
steps:
  - {at: 0s, do: make_call, line: "201", to: "500", as: caller}
  - {expect: {line: "601", state: OFFERING}, within: 1s, as: ringing}
  - {expect: {call: ringing, state: IDLE}, within: 6s}
  - {expect: {agent: "601", state: NOTREADY}}
  - {expect: {call: caller, state: RINGBACK}}
  - {expect: {queue: q, waiting: 1}}
  - {do: set_agent_state, line: "602", state: READY}
  - {expect: {call: caller, state: CONNECTED}, within: 2s}
)y";
  const RunResult r = run(yaml);
  expect_all_pass(r);
  EXPECT_EQ(agent_for(r, "201"), "602");
}

TEST(Acd, OverflowAfterAWaitGoesToTheOtherQueue) {
  const std::string yaml = R"y(name: overflow
pbx:
  extensions: ["201", "601-602"]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: sales, number: "500", agents: "601", overflow: {to: support, after: 30s}}
    - {name: support, number: "600", agents: "602"}
  agents:
    - {line: "601", state: NOTREADY}
    - {line: "602", state: NOTREADY, behavior: {answer_after: 1s}}
steps:
  - {at: 0s, do: make_call, line: "201", to: "500", as: caller}
  - {at: 29s, expect: {queue: sales, waiting: 1}}
  - {at: 31s, expect: {queue: support, waiting: 1, queued: 1}}
  - {expect: {queue: sales, waiting: 0}}
  - {do: set_agent_state, line: "602", state: READY}
  - {expect: {call: caller, state: CONNECTED}, within: 2s}
)y";
  expect_all_pass(run(yaml));
}

TEST(Acd, AFullQueueOverflowsToAnExtensionOrRefusesWithBusy) {
  const std::string yaml = R"y(name: full
pbx:
  extensions: ["201-204", "601", {number: "300", behavior: {answer_after: 1s}}]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: a, number: "500", agents: "601", max_length: 1}
    - {name: b, number: "501", agents: "601", overflow: {to: "300", length: 1}}
  agents:
    - {line: "601", state: NOTREADY}
steps:
  - {at: 0s, do: make_call, line: "201", to: "500", as: first}
  - {at: 1s, do: make_call, line: "202", to: "500", as: second}
  - {expect: {call: second, state: BUSY}, within: 1s}
  - {expect: {call: first, state: RINGBACK}}
  - {at: 5s, do: make_call, line: "203", to: "501", as: third}
  - {at: 6s, do: make_call, line: "204", to: "501", as: fourth}
  - {expect: {call: fourth, state: CONNECTED}, within: 3s}
  - {expect: {line: "300", state: CONNECTED}}
  - {expect: {call: third, state: RINGBACK}}
)y";
  const RunResult r = run(yaml);
  expect_all_pass(r);
}

TEST(Acd, PatientCallersAbandonAndTheRecordsSaySo) {
  // Traffic callers with a fixed patience of 10 s, and no agent ever ready.
  const std::string yaml = R"y(name: patience
pbx:
  extensions: ["201-210", "601"]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: q, number: "500", agents: "601", patience: 10s}
  agents:
    - {line: "601", state: NOTREADY}
traffic:
  - {from: "201-210", to: "500", arrivals: poisson(60/h), holding: 1min, for: 1h}
)y";
  const RunResult r = run(yaml);
  ASSERT_EQ(r.queues.size(), 1u);
  const QueueSummary& q = r.queues[0];
  EXPECT_GT(q.offered, 30u);
  EXPECT_EQ(q.abandoned, q.offered) << "every caller waited and gave up";
  EXPECT_EQ(q.answered, 0u);
  EXPECT_DOUBLE_EQ(q.abandon_probability.value, 1.0);
  EXPECT_DOUBLE_EQ(q.wait_probability.value, 1.0);
  EXPECT_EQ(q.longest_wait, std::chrono::seconds(10));
  std::size_t abandoned_records = 0;
  for (const CallRecord& c : r.records) {
    if (c.queue != "q") continue;
    ASSERT_TRUE(c.queue_wait);
    EXPECT_EQ(*c.queue_wait, std::chrono::seconds(10));
    EXPECT_EQ(c.agent, "");
    ++abandoned_records;
  }
  EXPECT_EQ(abandoned_records, q.abandoned);
}

TEST(Acd, AnsweredCallsCarryTheQueueAndAgentInTheirRecords) {
  const std::string yaml = R"y(name: records
pbx:
  extensions: ["201", "601"]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: q, number: "500", agents: "601"}
  agents:
    - {line: "601", id: A1, state: NOTREADY, behavior: {answer_after: 2s, wrap_up: 5s}}
steps:
  - {at: 0s, do: make_call, line: "201", to: "500", as: caller}
  - {at: 3s, do: set_agent_state, line: "601", state: READY}
  - {expect: {call: caller, state: CONNECTED}, within: 3s}
  - {at: 20s, do: drop, call: caller}
  - {expect: {agent: "601", state: WORKINGAFTERCALL}}
  - {expect: {agent: "601", state: READY}, within: 6s}
)y";
  const RunResult r = run(yaml);
  expect_all_pass(r);
  bool caller = false, leg = false;
  for (const CallRecord& c : r.records) {
    if (c.line == "201") {
      caller = true;
      EXPECT_EQ(c.queue, "q");
      EXPECT_EQ(c.agent, "A1");
      ASSERT_TRUE(c.queue_wait);
      EXPECT_EQ(*c.queue_wait, std::chrono::seconds(5)) << "3 s waiting, 2 s ringing";
    }
    if (c.line == "601") {
      leg = true;
      EXPECT_EQ(c.queue, "q");
      EXPECT_EQ(c.agent, "A1");
      EXPECT_EQ(c.original_to, "500");
      EXPECT_FALSE(c.queue_wait);
    }
  }
  EXPECT_TRUE(caller && leg);
  ASSERT_EQ(r.agents.size(), 1u);
  EXPECT_EQ(r.agents[0].id, "A1");
  EXPECT_EQ(r.agents[0].calls, 1u);
  // NOTREADY 0-3 s, BUSYACD 3-20 s, WORKINGAFTERCALL 20-25 s, READY after.
  std::vector<AgentState> states;
  for (const auto& [at, s] : r.agents[0].timeline) states.push_back(s);
  EXPECT_EQ(states, (std::vector<AgentState>{AgentState::NotReady, AgentState::Ready, AgentState::BusyAcd,
                                             AgentState::WorkingAfterCall, AgentState::Ready}));
}

TEST(Acd, EveryCallerEndsIdleWhenTheRunEndsWithCallersWaiting) {
  const std::string yaml = R"y(name: end
pbx:
  extensions: ["201-202", "601"]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}
acd:
  queues:
    - {name: q, number: "500", agents: "601"}
  agents:
    - {line: "601", state: LOGGEDOFF}
steps:
  - {at: 0s, do: make_call, line: "201", to: "500"}
  - {at: 1s, do: make_call, line: "202", to: "500"}
  - {at: 2s, expect: {queue: q, waiting: 2}}
)y";
  const RunResult r = run(yaml);
  expect_all_pass(r);
  EXPECT_EQ(r.cleared_at_end, 2u);
  for (const CallRecord& c : r.records) {
    EXPECT_TRUE(c.cleared_at_end);
    EXPECT_EQ(c.history.back().state, CallState::Idle);
  }
}

struct BadAcd {
  const char* acd;
  const char* message;
};

class AcdLoaderTest : public ::testing::TestWithParam<BadAcd> {};

TEST_P(AcdLoaderTest, NamesThePlace) {
  const std::string yaml = std::string("name: bad\npbx:\n  extensions: [\"201\", \"601-602\"]\nacd:\n") + GetParam().acd;
  try {
    parse_scenario(yaml, "bad.yaml");
    FAIL() << "loaded";
  } catch (const ScenarioError& e) {
    EXPECT_NE(e.message().find(GetParam().message), std::string::npos) << e.message();
    EXPECT_GT(e.line(), 4);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Errors, AcdLoaderTest,
    ::testing::Values(
        BadAcd{"  queues:\n    - {name: q, number: \"201\", agents: \"601\"}\n  agents: [{line: \"601\"}]\n",
               "queue number 201 is an extension's"},
        BadAcd{"  queues:\n    - {name: q, number: \"500\", agents: \"602\"}\n  agents: [{line: \"601\"}]\n",
               "602 is not an agent's extension"},
        BadAcd{"  queues:\n    - {name: q, number: \"500\", agents: \"601\", policy: fastest}\n  agents: [{line: \"601\"}]\n",
               "policy 'fastest' is not one of"},
        BadAcd{"  queues:\n    - {name: q, number: \"500\", agents: \"601\", overflow: {to: nowhere, after: 5s}}\n"
               "  agents: [{line: \"601\"}]\n",
               "overflow to 'nowhere' is neither a queue"},
        BadAcd{"  queues:\n    - {name: q, number: \"500\", agents: \"601\"}\n  agents: [{line: \"601\", skills: {r: 1}}]\n",
               "skill 'r' is not a queue"},
        BadAcd{"  queues:\n    - {name: q, number: \"500\", agents: \"601\"}\n  agents: [{line: \"603\"}]\n",
               "agent line 603 is not an extension"},
        BadAcd{"  queues:\n    - {name: q, number: \"500\", agents: \"601\"}\n  agents: [{line: \"601\", state: BUSYACD}]\n",
               "an agent starts READY, NOTREADY or LOGGEDOFF"},
        BadAcd{"  queues:\n    - {name: q, number: \"500\"}\n  agents: [{line: \"601\"}]\n", "queue 'q' has no agents"}));

}  // namespace
}  // namespace telsim
