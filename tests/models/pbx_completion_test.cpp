// What a call placed by a call completion, or created by a pickup, tells about itself from its
// very first state: the completion that placed it (LINECALLINFO.dwCompletionID) and the number
// the caller dialled (RedirectingID). Clients and the TSP learn a call's parties when it first
// appears, so these must be set before that.
#include <gtest/gtest.h>

#include "models/pbx_fixture.hpp"

namespace telsim::test {
namespace {

/// Keeps, for each call, what it looked like at its first state change.
struct FirstSight final : PbxObserver {
  explicit FirstSight(Pbx& p) : pbx(p) {}
  void on_call_state(const CallStateEvent& e) override {
    if (seen.count(e.call.serial)) return;
    const Call* c = pbx.find_call(e.call);
    seen[e.call.serial] = c ? *c : Call{};
  }
  Pbx& pbx;
  std::map<std::uint32_t, Call> seen;
};

class PbxCompletionIdTest : public ::testing::Test {
 protected:
  PbxCompletionIdTest() : w(config()), first(w.pbx) { w.pbx.add_observer(&first); }
  static PbxConfig config() {
    PbxConfig c = config_of({manual("201"), manual("202"), manual("203"), manual("204")});
    c.pickup_groups.push_back(PickupGroupConfig{"desk", {"201", "202"}});
    return c;
  }
  /// 202 talks to 203; 201's call to 202 is BUSY. Returns 201's call.
  CallId busy_call_from_201() {
    const CallId talk = w.call("202", "203");
    w.run_until(w.sched.now() + 3s);
    EXPECT_TRUE(w.pbx.answer(w.newest_on("203")).ok());
    busy_talk_ = talk;
    const CallId c = w.call("201", "202");
    w.run_until(w.sched.now() + 3s);
    EXPECT_EQ(w.state(c), CallState::Busy);
    return c;
  }
  void free_202() {
    ASSERT_TRUE(w.pbx.drop(busy_talk_).ok());
    ASSERT_TRUE(w.pbx.deallocate(busy_talk_).ok());
    w.run_until(w.sched.now() + 1s);
  }
  World w;
  FirstSight first;
  CallId busy_talk_;
};

// Behaviour changed (D3): a camp-on keeps the caller's call (LINECALLCOMPLMODE_CAMPON queues the
// call itself) instead of placing a new one; the camped call names its completion at once.
TEST_F(PbxCompletionIdTest, ACampedCallNamesItsCompletionAndGoesOnWhenTheTargetFrees) {
  const CallId busy = busy_call_from_201();
  const OpResult r = w.pbx.complete_call(busy, CompletionMode::CampOn);
  ASSERT_TRUE(r.ok()) << r;
  ASSERT_NE(r.completion, 0u);
  EXPECT_EQ(w.state(busy), CallState::Busy);
  EXPECT_EQ(w.pbx.find_call(busy)->completion, r.completion);
  EXPECT_EQ(w.features(busy) & feature::kCompleteCall, 0u) << "camped already";
  ASSERT_EQ(w.pbx.completions().size(), 1u);
  EXPECT_EQ(w.pbx.completions()[0].call, busy);
  free_202();
  EXPECT_EQ(w.newest_on("201"), busy) << "no new call for the caller";
  EXPECT_EQ(w.state(busy), CallState::RingBack);
  EXPECT_EQ(w.pbx.find_call(busy)->reason, CallReason::CallCompletion);
  EXPECT_EQ(w.pbx.find_call(busy)->completion, r.completion);
  EXPECT_TRUE(w.pbx.completions().empty());
  const Call* offered = w.pbx.find_call(w.newest_on("202"));
  ASSERT_NE(offered, nullptr);
  EXPECT_EQ(offered->reason, CallReason::CampedOn);
  EXPECT_EQ(offered->state, CallState::Offering);
  EXPECT_EQ(offered->completion, 0u) << "only the CALLCOMPLETION call names the completion";
}

TEST_F(PbxCompletionIdTest, HangingUpACampedCallCancelsItsCampOn) {
  const CallId busy = busy_call_from_201();
  ASSERT_TRUE(w.pbx.complete_call(busy, CompletionMode::CampOn).ok());
  const std::uint64_t cancelled = w.pbx.stats().completions_cancelled;
  ASSERT_TRUE(w.pbx.drop(busy).ok());
  EXPECT_TRUE(w.pbx.completions().empty());
  EXPECT_EQ(w.pbx.stats().completions_cancelled, cancelled + 1);
  free_202();
  EXPECT_TRUE(w.pbx.idle(w.line("202"))) << "nobody camps on 202 any more";
}

// Every call a completion starts ends IDLE with exactly one record, also when the run ends with
// a camp-on waiting and a callback pending.
TEST_F(PbxCompletionIdTest, PendingCompletionsAtTheEndOfARunLeaveNoCallBehind) {
  const CallId camped = busy_call_from_201();  // 201 camps on 202 (202 talks to 203)
  ASSERT_TRUE(w.pbx.complete_call(camped, CompletionMode::CampOn).ok());
  const CallId cb = w.call("204", "203");      // 203 talks to 202: BUSY; 204 asks for a callback
  w.run_until(w.sched.now() + 3s);
  ASSERT_EQ(w.state(cb), CallState::Busy);
  ASSERT_TRUE(w.pbx.complete_call(cb, CompletionMode::Callback).ok());
  w.run_until(w.sched.now() + 5s);
  EXPECT_EQ(w.pbx.completions().size(), 2u);
  EXPECT_EQ(w.state(camped), CallState::Busy);
  EXPECT_FALSE(w.pbx.completions().empty());
  w.pbx.shutdown();
  EXPECT_TRUE(w.pbx.completions().empty());
  std::map<std::uint64_t, int> per_serial;
  for (const auto& rec : w.rec.records) ++per_serial[rec.serial];
  EXPECT_EQ(per_serial.size(), w.pbx.stats().calls_created);
  for (const auto& [serial, count] : per_serial) EXPECT_EQ(count, 1) << "call #" << serial;
  for (const auto& rec : w.rec.records) {
    ASSERT_FALSE(rec.history.empty());
    EXPECT_EQ(rec.history.back().state, CallState::Idle) << "call #" << rec.serial;
  }
  EXPECT_TRUE(w.rec.record_of(camped).cleared_at_end);
}

TEST_F(PbxCompletionIdTest, AnUnansweredCallbackEndsIdleWithOneRecordAndNeverRingsTheTarget) {
  const CallId busy = busy_call_from_201();
  ASSERT_TRUE(w.pbx.complete_call(busy, CompletionMode::Callback).ok());
  EXPECT_EQ(w.state(busy), CallState::Idle);
  free_202();
  const CallId back = w.newest_on("201");
  ASSERT_NE(back, busy);
  EXPECT_EQ(w.state(back), CallState::Offering);
  w.run_until(w.sched.now() + w.pbx.timing().no_answer_timeout + 1s);
  EXPECT_EQ(w.state(back), CallState::Idle);
  EXPECT_EQ(w.pbx.find_call(back)->mode, DisconnectMode::NoAnswer);
  EXPECT_TRUE(w.pbx.idle(w.line("202")));
  EXPECT_TRUE(w.pbx.completions().empty());
  EXPECT_EQ(w.rec.records_of(back).size(), 1u);
}

TEST_F(PbxCompletionIdTest, AnsweringACallbackRingsTheTargetAndTheCallRingsBack) {
  const CallId busy = busy_call_from_201();
  ASSERT_TRUE(w.pbx.complete_call(busy, CompletionMode::Callback).ok());
  free_202();
  const CallId back = w.newest_on("201");
  EXPECT_TRUE(w.pbx.idle(w.line("202"))) << "the target is rung only once the originator answers";
  ASSERT_TRUE(w.pbx.answer(back).ok());
  EXPECT_EQ(w.state(back), CallState::RingBack);
  const CallId target = w.newest_on("202");
  EXPECT_EQ(w.state(target), CallState::Offering);
  ASSERT_TRUE(w.pbx.answer(target).ok());
  EXPECT_EQ(w.state(back), CallState::Connected);
}

TEST_F(PbxCompletionIdTest, ACallbackCarriesItsCompletionIdFromItsFirstState) {
  const CallId busy = busy_call_from_201();
  const OpResult r = w.pbx.complete_call(busy, CompletionMode::Callback);
  ASSERT_TRUE(r.ok()) << r;
  w.pbx.deallocate(busy);
  free_202();
  const CallId back = w.newest_on("201");
  EXPECT_EQ(w.state(back), CallState::Offering);
  EXPECT_EQ(first.seen.at(back.serial).completion, r.completion);
  EXPECT_EQ(first.seen.at(back.serial).reason, CallReason::CallCompletion);
}

TEST_F(PbxCompletionIdTest, APickedUpCallKnowsTheNumberDialledFromItsFirstState) {
  w.call("203", "201");
  w.run_until(w.sched.now() + 3s);
  const OpResult r = w.pbx.pickup(w.line("202"), "", "desk");
  ASSERT_TRUE(r.ok()) << r;
  const Call& at_first = first.seen.at(r.call.serial);
  EXPECT_EQ(at_first.state, CallState::Connected);
  EXPECT_EQ(at_first.reason, CallReason::Pickup);
  EXPECT_EQ(at_first.original_to, "201");
}

}  // namespace
}  // namespace telsim::test
