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
    PbxConfig c = config_of({manual("201"), manual("202"), manual("203")});
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

TEST_F(PbxCompletionIdTest, ACampOnCallCarriesItsCompletionIdFromItsFirstState) {
  const CallId busy = busy_call_from_201();
  const OpResult r = w.pbx.complete_call(busy, CompletionMode::CampOn);
  ASSERT_TRUE(r.ok()) << r;
  ASSERT_NE(r.completion, 0u);
  w.pbx.deallocate(busy);
  free_202();
  const CallId placed = w.newest_on("201");
  ASSERT_NE(placed, busy);
  const Call& at_first = first.seen.at(placed.serial);
  EXPECT_EQ(at_first.reason, CallReason::CallCompletion);
  EXPECT_EQ(at_first.completion, r.completion);
  const Call* offered = w.pbx.find_call(w.newest_on("202"));
  ASSERT_NE(offered, nullptr);
  EXPECT_EQ(offered->reason, CallReason::CampedOn);
  EXPECT_EQ(offered->completion, 0u) << "only the CALLCOMPLETION call names the completion";
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
