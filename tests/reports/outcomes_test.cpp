// Call outcomes and counts on real runs (the runner on the pure C++ kernel, then the reports'
// counting): each case is one of the ways the counts used to mislead (docs/cli.md, Outcomes).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "telsim/reports/reports.hpp"
#include "telsim/sim/runner.hpp"

namespace telsim {
namespace {

RunResult run(const std::string& yaml) {
  ManualKernel kernel;
  RunResult r = run_scenario(parse_scenario(yaml, "t.yaml"), kernel);
  check_metrics(r);
  return r;
}

std::size_t records_of(const RunResult& r, CallKind kind) {
  return static_cast<std::size_t>(
      std::count_if(r.records.begin(), r.records.end(), [kind](const CallRecord& c) { return c.kind == kind; }));
}

TEST(OutcomesTest, AnOutboundTrunkLoadReceivesNothingAndItsCongestionIsBlocked) {
  const RunResult r = run(R"(name: outbound
seed: 4
pbx:
  extensions: ["2000-2029"]
trunks:
  - {name: pstn, channels: 2, access_code: "9", number_length: 7, far_end: {answer_after: 1s}}
traffic:
  - {name: out, from: "2000-2029", to: "9555xxxx", arrivals: poisson(120/h), holding: exponential(3min), for: 2h}
)");
  const CallCounts c = count_calls(r);
  ASSERT_GT(c.total, 100u);
  EXPECT_EQ(c.incoming_total, 0u) << "the far ends' legs are the PSTN's, not calls received";
  EXPECT_EQ(records_of(r, CallKind::Trunk), r.trunks.at(0).stats.carried) << "... but they keep their CDRs";
  EXPECT_EQ(c.blocked, r.trunks.at(0).stats.blocked) << "every seizure that found no channel is a blocked call";
  EXPECT_GT(c.blocked, 0u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.answered + c.blocked + c.cleared, c.total);
}

TEST(OutcomesTest, AnInboundTrunkLoadIsReceivedNotPlaced) {
  const RunResult r = run(R"(name: inbound
seed: 4
pbx:
  extensions: ["200-219"]
defaults:
  behavior: {answer_after: 2s}
trunks:
  - {name: pstn, channels: 4, did: "5550200-5550219", did_digits: 3}
traffic:
  - {name: in, from: pstn, to: "5550200-5550219", arrivals: poisson(60/h), holding: exponential(2min), for: 1h}
)");
  const CallCounts c = count_calls(r);
  EXPECT_EQ(c.total, 0u) << "the PSTN callers' legs are trunk legs";
  ASSERT_GT(c.incoming_total, 30u);
  // One PSTN leg per carried arrival; its extension receives it unless that line was busy.
  EXPECT_EQ(records_of(r, CallKind::Trunk), r.trunks.at(0).stats.carried);
  EXPECT_LE(c.incoming_total, r.trunks.at(0).stats.carried);
  // The PSTN's side still gives the answer and talk times of these calls.
  const auto timings = call_timings(r);
  EXPECT_EQ(timings[1].name, "answer");
  EXPECT_EQ(timings[1].count, c.incoming_answered);
}

const std::string kOffice = R"(name: office
pbx:
  extensions: ["201-205"]
steps:
)";

TEST(OutcomesTest, ConsultationTransferCountsBothOfTheTransferersCallsAsTransferred) {
  const RunResult r = run(kOffice + R"(
  - {at: 0s, do: make_call, line: "201", to: "202", as: a}
  - {expect: {line: "202", state: OFFERING}, within: 2s, as: a_in}
  - {do: answer, call: a_in}
  - {at: 5s, do: setup_transfer, call: a, to: "203", as: consult}
  - {expect: {line: "203", state: OFFERING}, within: 3s, as: c_in}
  - {do: answer, call: c_in}
  - {at: 10s, do: complete_transfer, call: a, consult: consult}
  - {at: 20s, do: drop, call: a_in}
)");
  ASSERT_EQ(r.failed(), 0u) << r.expectations.back().message;
  const CallCounts c = count_calls(r);
  EXPECT_EQ(c.total, 2u);  // a and its consultation call
  EXPECT_EQ(c.transferred, 2u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.incoming_total, 2u);
  EXPECT_EQ(c.incoming_answered, 2u) << "202 and 203 answered and then talked to each other";
  EXPECT_EQ(records_of(r, CallKind::Consult), 1u);
}

TEST(OutcomesTest, AConferenceHandleIsNeitherPlacedNorAbandoned) {
  const RunResult r = run(kOffice + R"(
  - {at: 0s, do: make_call, line: "201", to: "202", as: a}
  - {expect: {line: "202", state: OFFERING}, within: 2s, as: a_in}
  - {do: answer, call: a_in}
  - {at: 5s, do: setup_conference, call: a, to: "203", as: conf, consult_as: c2}
  - {expect: {line: "203", state: OFFERING}, within: 3s, as: c_in}
  - {do: answer, call: c_in}
  - {at: 8s, do: add_to_conference, conference: conf, consult: c2}
  - {at: 20s, do: drop, call: conf}
)");
  ASSERT_EQ(r.failed(), 0u) << r.expectations.back().message;
  const CallCounts c = count_calls(r);
  EXPECT_EQ(records_of(r, CallKind::Conference), 1u);
  EXPECT_EQ(c.total, 2u);  // the original and the consultation call, not the conference handle
  EXPECT_EQ(c.answered, 2u);
  EXPECT_EQ(c.abandoned, 0u);
  EXPECT_EQ(c.failed, 0u);
}

TEST(OutcomesTest, BlindTransferAndRedirectHandTheCallOn) {
  const RunResult r = run(kOffice + R"(
  - {at: 0s, do: make_call, line: "201", to: "202", as: a}
  - {expect: {line: "202", state: OFFERING}, within: 2s, as: a_in}
  - {do: redirect, call: a_in, to: "203"}
  - {expect: {line: "203", state: OFFERING}, within: 3s, as: b_in}
  - {do: answer, call: b_in}
  - {at: 10s, do: blind_transfer, call: b_in, to: "204"}
  - {expect: {line: "204", state: OFFERING}, within: 3s, as: d_in}
  - {do: answer, call: d_in}
  - {at: 20s, do: drop, call: a}
)");
  ASSERT_EQ(r.failed(), 0u) << r.expectations.back().message;
  const CallCounts c = count_calls(r);
  EXPECT_EQ(c.total, 1u);
  EXPECT_EQ(c.answered, 1u);
  EXPECT_EQ(c.incoming_total, 3u);
  EXPECT_EQ(c.incoming_redirected, 1u);
  EXPECT_EQ(c.incoming_transferred, 1u);
  EXPECT_EQ(c.incoming_answered, 1u);
}

TEST(OutcomesTest, BusyNoAnswerAndVacantAreToldApart) {
  const RunResult r = run(R"(name: refusals
pbx:
  extensions: ["201-203", {number: "210", behavior: busy}, {number: "211", behavior: no_answer}]
  timing: {no_answer_timeout: 10s}
steps:
  - {at: 0s, do: make_call, line: "201", to: "210", as: busy}
  - {do: make_call, line: "202", to: "211", as: unanswered}
  - {do: make_call, line: "203", to: "299", as: vacant}
  - {at: 30s, do: drop, call: busy}
  - {do: drop, call: unanswered}
  - {do: drop, call: vacant}
)");
  const CallCounts c = count_calls(r);
  EXPECT_EQ(c.total, 3u);
  EXPECT_EQ(c.busy, 1u);
  EXPECT_EQ(c.no_answer, 1u);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.blocked, 0u);
}

}  // namespace
}  // namespace telsim
