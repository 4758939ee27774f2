// The PBX model driven on a ManualScheduler: call progress with exact virtual times, the
// operations' replies, station behaviours, call records and end-of-run clearing.
#include "telsim/models/pbx.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/pbx_fixture.hpp"

namespace telsim::test {
namespace {

using S = CallState;
using M = DisconnectMode;
using K = Behavior::Kind;

// With default Timing, a three-digit number given to make_call:
constexpr SimTime kDialing = 100ms;     // dial tone delay
constexpr SimTime kProceeding = 340ms;  // + 3 digits x 80 ms
constexpr SimTime kRinging = 1340ms;    // + 1 s post-dial delay
constexpr SimTime kNoAnswer = 31340ms;  // + 30 s no-answer supervision

CallStateEvent ev(SimTime at, CallId call, LineId line, CallState from, CallState to,
                  DisconnectMode mode = M::None) {
  return CallStateEvent{at, call, line, from, to, mode, CallReason::Direct};
}

std::vector<LineConfig> two_manual_lines() { return {manual("201"), manual("202")}; }

// --- configuration -------------------------------------------------------------------------------

TEST(PbxTest, DefaultTimingIsTheDocumentedOne) {
  const Timing t;
  EXPECT_EQ(t.dialtone_delay, 100ms);
  EXPECT_EQ(t.digit_time, 80ms);
  EXPECT_EQ(t.inter_digit_timeout, 5s);
  EXPECT_EQ(t.post_dial_delay, 1s);
  EXPECT_EQ(t.no_answer_timeout, 30s);
}

TEST(PbxTest, LinesAreFoundByNumber) {
  World w({manual("201"), manual("202"), station("203", behavior(K::Busy))});
  EXPECT_EQ(w.pbx.line_count(), 3u);
  ASSERT_TRUE(w.pbx.find_line("202").has_value());
  EXPECT_EQ(w.pbx.line(*w.pbx.find_line("202")).number, "202");
  EXPECT_EQ(w.pbx.line(*w.pbx.find_line("203")).behavior.kind, K::Busy);
  EXPECT_FALSE(w.pbx.find_line("20").has_value());
  EXPECT_FALSE(w.pbx.find_line("300").has_value());
}

TEST(PbxTest, DuplicateExtensionNumbersAreRejected) {
  ManualScheduler sched;
  EXPECT_THROW(Pbx(sched, config_of({manual("201"), manual("202"), manual("201")})),
               std::invalid_argument);
  try {
    Pbx(sched, config_of({manual("201"), manual("2010"), manual("2010")}));
    ADD_FAILURE() << "a duplicate number was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "duplicate extension number 2010");
  }
}

TEST(PbxTest, EveryOneOfManyExtensionsIsFoundAtItsOwnLine) {
  // Enough numbers to fill the index past its first probes: prefixes of one another, numbers
  // that differ in one digit, lengths from 1 to 12.
  std::vector<LineConfig> lines;
  std::vector<std::string> numbers;
  for (int i = 0; i < 3000; ++i) numbers.push_back(std::to_string(i));
  for (int i = 0; i < 3000; ++i) numbers.push_back("55501" + std::to_string(1000000 + i));
  for (const std::string& n : numbers) lines.push_back(manual(n));
  World w(lines);
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    const auto id = w.pbx.find_line(numbers[i]);
    ASSERT_TRUE(id.has_value()) << numbers[i];
    EXPECT_EQ(*id, static_cast<LineId>(i));
  }
  for (std::string_view absent : {"", "3000", "5550100", "555010999999", "555011003000", "-1"})
    EXPECT_FALSE(w.pbx.find_line(absent).has_value()) << absent;
}

// --- a basic call --------------------------------------------------------------------------------

TEST(PbxCallTest, MakeCallRepliesAtOnceWithTheNewHandleInDialTone) {
  World w(two_manual_lines());
  const OpResult r = w.pbx.make_call(w.line("201"), "202");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.op, Op::MakeCall);
  ASSERT_TRUE(static_cast<bool>(r.call));
  ASSERT_EQ(w.rec.replies.size(), 1u);
  EXPECT_EQ(w.rec.replies.front(), r);
  EXPECT_EQ(w.state(r.call), S::DialTone);
  EXPECT_EQ(w.rec.events,
            (std::vector<CallStateEvent>{ev(0ms, r.call, w.line("201"), S::Idle, S::DialTone)}));
}

TEST(PbxCallTest, BasicCallGoesThroughEveryOutgoingStateAtTheRightTimes) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(kDialing - 1ns);
  EXPECT_EQ(w.state(caller), S::DialTone);
  w.run_until(kProceeding - 1ns);
  EXPECT_EQ(w.state(caller), S::Dialing);
  w.run_until(kRinging - 1ns);
  EXPECT_EQ(w.state(caller), S::Proceeding);
  w.run_until(kRinging);
  EXPECT_EQ(w.state(caller), S::RingBack);
  EXPECT_EQ(w.rec.stamps_of(caller), (std::vector<StateStamp>{{S::DialTone, 0ms},
                                                              {S::Dialing, kDialing},
                                                              {S::Proceeding, kProceeding},
                                                              {S::RingBack, kRinging}}));
  const CallId callee = w.newest_on("202");
  EXPECT_NE(callee, caller);
  EXPECT_EQ(w.state(callee), S::Offering);
  EXPECT_EQ(w.rec.stamps_of(callee), (std::vector<StateStamp>{{S::Offering, kRinging}}));
  const Call* in = w.pbx.find_call(callee);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->direction, Direction::Incoming);
  EXPECT_EQ(in->from, "201");
  EXPECT_EQ(in->to, "202");
  EXPECT_EQ(in->reason, CallReason::Direct);
  EXPECT_EQ(in->peer, caller);
  EXPECT_EQ(w.pbx.find_call(caller)->peer, callee);
  EXPECT_EQ(w.pbx.find_call(caller)->to, "202");
}

/// 201 calls 202, 202 answers at 3 s, 201 hangs up at 10 s, 202 at 60 s; the events up to the
/// answer (the hang-ups' are what the local_drop setting changes).
struct FullCall {
  LineId l1, l2;
  CallId caller, callee;
  std::vector<CallStateEvent> until_answer;
};
FullCall play_full_call(World& w) {
  FullCall c{w.line("201"), w.line("202"), w.call("201", "202"), {}, {}};
  w.run_until(3s);
  c.callee = w.newest_on("202");
  EXPECT_TRUE(w.pbx.answer(c.callee).ok());
  w.run_until(10s);
  EXPECT_TRUE(w.pbx.drop(c.caller).ok());
  w.run_until(60s);
  EXPECT_TRUE(w.pbx.drop(c.callee).ok());
  c.until_answer = {
      ev(0ms, c.caller, c.l1, S::Idle, S::DialTone),
      ev(kDialing, c.caller, c.l1, S::DialTone, S::Dialing),
      ev(kProceeding, c.caller, c.l1, S::Dialing, S::Proceeding),
      ev(kRinging, c.callee, c.l2, S::Idle, S::Offering),
      ev(kRinging, c.caller, c.l1, S::Proceeding, S::RingBack),
      ev(3s, c.callee, c.l2, S::Offering, S::Connected),
      ev(3s, c.caller, c.l1, S::RingBack, S::Connected),
  };
  return c;
}

TEST(PbxCallTest, FullCallGivesTheExactEventStreamForBothCalls) {
  World w(two_manual_lines());
  const FullCall c = play_full_call(w);
  std::vector<CallStateEvent> expected = c.until_answer;
  expected.insert(expected.end(), {
                                      ev(10s, c.callee, c.l2, S::Connected, S::Disconnected, M::Normal),
                                      ev(10s, c.caller, c.l1, S::Connected, S::Idle, M::Normal),
                                      ev(60s, c.callee, c.l2, S::Disconnected, S::Idle, M::Normal),
                                  });
  EXPECT_EQ(w.rec.events, expected);
}

TEST(PbxCallTest, WithLocalDropDisconnectedTheDropperPassesThroughDisconnectedNormal) {
  PbxConfig cfg = config_of(two_manual_lines());
  cfg.profile.local_drop_idle = false;
  World w(std::move(cfg));
  const FullCall c = play_full_call(w);
  std::vector<CallStateEvent> expected = c.until_answer;
  expected.insert(expected.end(), {
                                      ev(10s, c.caller, c.l1, S::Connected, S::Disconnected, M::Normal),
                                      ev(10s, c.callee, c.l2, S::Connected, S::Disconnected, M::Normal),
                                      ev(10s, c.caller, c.l1, S::Disconnected, S::Idle, M::Normal),
                                      ev(60s, c.callee, c.l2, S::Disconnected, S::Idle, M::Normal),
                                  });
  EXPECT_EQ(w.rec.events, expected);
}

TEST(PbxCallTest, AnswerConnectsBothParties) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  const OpResult r = w.pbx.answer(callee);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.op, Op::Answer);
  EXPECT_EQ(r.call, callee);
  EXPECT_EQ(w.state(callee), S::Connected);
  EXPECT_EQ(w.state(caller), S::Connected);
  EXPECT_EQ(w.pbx.find_call(callee)->answered, SimTime(2s));
  EXPECT_EQ(w.pbx.find_call(caller)->answered, SimTime(2s));
}

TEST(PbxCallTest, AcceptLeavesTheCallerRingingUntilAnswer) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  EXPECT_TRUE(w.pbx.accept(callee).ok());
  EXPECT_EQ(w.state(callee), S::Accepted);
  EXPECT_EQ(w.state(caller), S::RingBack);
  w.run_until(4s);
  EXPECT_TRUE(w.pbx.answer(callee).ok());
  EXPECT_EQ(w.rec.states_of(callee),
            (std::vector<CallState>{S::Offering, S::Accepted, S::Connected}));
  EXPECT_EQ(w.state(caller), S::Connected);
}

TEST(PbxCallTest, AcceptedCallIsStillSubjectToNoAnswerSupervision) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  EXPECT_TRUE(w.pbx.accept(callee).ok());
  w.run_until(kNoAnswer);
  EXPECT_EQ(w.state(caller), S::Disconnected);
  EXPECT_EQ(w.state(callee), S::Idle);
  EXPECT_EQ(w.rec.last_event_of(caller)->mode, M::NoAnswer);
}

TEST(PbxCallTest, CallerDropIdlesTheCallerAndDisconnectsTheCallee) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(3s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.answer(callee).ok());
  w.run_until(10s);
  ASSERT_TRUE(w.pbx.drop(caller).ok());

  EXPECT_EQ(w.state(caller), S::Idle) << "the handle stays valid until deallocated";
  EXPECT_EQ(w.rec.last_event_of(caller), ev(10s, caller, w.line("201"), S::Connected, S::Idle, M::Normal))
      << "lineDrop: the dropped call goes straight to IDLE";
  EXPECT_EQ(w.pbx.find_call(caller)->mode, M::Normal) << "the CDR's disconnect mode";

  EXPECT_EQ(w.state(callee), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(callee)->mode, M::Normal);
  // A manual station stays DISCONNECTED until its application drops the call.
  w.run_until(3600s);
  EXPECT_EQ(w.state(callee), S::Disconnected);
  EXPECT_EQ(w.features(callee), feature::kDrop);
  ASSERT_TRUE(w.pbx.drop(callee).ok());
  EXPECT_EQ(w.state(callee), S::Idle);
  EXPECT_EQ(w.rec.stamps_of(callee).back(), (StateStamp{S::Idle, 3600s}));

  EXPECT_TRUE(w.pbx.deallocate(caller).ok());
  EXPECT_TRUE(w.pbx.deallocate(callee).ok());
  EXPECT_EQ(w.pbx.find_call(caller), nullptr);
  EXPECT_EQ(w.pbx.find_call(callee), nullptr);
  EXPECT_TRUE(w.pbx.line(w.line("201")).calls.empty());
}

TEST(PbxCallTest, CalleeDropAfterAnswerDisconnectsTheCallerNormally) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(3s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.answer(callee).ok());
  w.run_until(8s);
  ASSERT_TRUE(w.pbx.drop(callee).ok());
  EXPECT_EQ(w.rec.states_of(callee), (std::vector<CallState>{S::Offering, S::Connected, S::Idle}));
  EXPECT_EQ(w.state(caller), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(caller)->mode, M::Normal);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.state(caller), S::Idle);
}

TEST(PbxCallTest, DropOnOfferingRejectsTheCall) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.drop(callee).ok());
  EXPECT_EQ(
      w.rec.stamps_of(callee),
      (std::vector<StateStamp>{{S::Offering, kRinging}, {S::Idle, 2s}}));
  EXPECT_EQ(w.state(caller), S::Disconnected);
  EXPECT_EQ(w.rec.last_event_of(caller),
            ev(2s, caller, w.line("201"), S::RingBack, S::Disconnected, M::Reject));
}

TEST(PbxCallTest, DropOnAcceptedRejectsTheCall) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.accept(callee).ok());
  ASSERT_TRUE(w.pbx.drop(callee).ok());
  EXPECT_EQ(w.state(callee), S::Idle);
  EXPECT_EQ(w.state(caller), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(caller)->mode, M::Reject);
}

TEST(PbxCallTest, CallerHangingUpWhileRingingStopsTheRinging) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(5s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.rec.stamps_of(caller).back(), (StateStamp{S::Idle, 5s}));
  EXPECT_EQ(
      w.rec.stamps_of(callee),
      (std::vector<StateStamp>{{S::Offering, kRinging}, {S::Disconnected, 5s}, {S::Idle, 5s}}));
  const std::size_t seen = w.rec.events.size();
  w.run_until(kNoAnswer + 1s);
  EXPECT_EQ(w.rec.events.size(), seen) << "no-answer supervision must have been cancelled";
  EXPECT_EQ(w.sched.pending(), 0u);
}

TEST(PbxCallTest, CallerHangingUpWhileDialingCancelsTheCallProgress) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(200ms);
  ASSERT_EQ(w.state(caller), S::Dialing);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.rec.states_of(caller),
            (std::vector<CallState>{S::DialTone, S::Dialing, S::Idle}));
  w.run_until(60s);
  EXPECT_TRUE(w.pbx.line(w.line("202")).calls.empty()) << "nothing may be offered";
  EXPECT_EQ(w.sched.pending(), 0u);
}

TEST(PbxCallTest, HoldAndUnholdAConnectedCall) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.answer(callee).ok());
  w.run_until(3s);
  EXPECT_TRUE(w.pbx.hold(caller).ok());
  EXPECT_EQ(w.state(caller), S::OnHold);
  EXPECT_EQ(w.state(callee), S::Connected);
  w.run_until(4s);
  EXPECT_TRUE(w.pbx.unhold(caller).ok());
  EXPECT_EQ(w.state(caller), S::Connected);
  EXPECT_EQ(w.rec.stamps_of(caller).back(), (StateStamp{S::Connected, 4s}));
}

TEST(PbxCallTest, FarEndHangingUpOnAHeldCallDisconnectsIt) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.answer(callee).ok());
  ASSERT_TRUE(w.pbx.hold(caller).ok());
  ASSERT_TRUE(w.pbx.drop(callee).ok());
  EXPECT_EQ(w.state(caller), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(caller)->mode, M::Normal);
}

TEST(PbxCallTest, EventsCarryTheLineAndDirectReason) {
  World w({manual("100"), manual("201"), manual("202")});
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  for (const auto& e : w.rec.events) {
    EXPECT_EQ(e.reason, CallReason::Direct);
    EXPECT_EQ(e.line, e.call == caller ? w.line("201") : w.line("202"));
  }
}

TEST(PbxCallTest, EventsPrintTimeCallLineStatesAndMode) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "300");
  w.run_until(1s);
  ASSERT_EQ(w.rec.events.size(), 3u);
  std::ostringstream dialing;
  dialing << w.rec.events[1];
  EXPECT_EQ(dialing.str(), "0.100s " + to_string(caller) + " line#0 DIALTONE -> DIALING");
  std::ostringstream gone;
  gone << w.rec.events[2];
  EXPECT_EQ(gone.str(),
            "0.340s " + to_string(caller) + " line#0 DIALING -> DISCONNECTED (BADADDRESS)");
}

// --- busy, no answer, vacant numbers -------------------------------------------------------------

TEST(PbxProgressTest, BusyStationGivesTheCallerBusy) {
  World w({manual("201"), station("202", behavior(K::Busy))});
  const CallId caller = w.call("201", "202");
  w.run_until(kRinging);
  EXPECT_EQ(w.rec.stamps_of(caller).back(), (StateStamp{S::Busy, kRinging}));
  EXPECT_TRUE(w.pbx.line(w.line("202")).calls.empty()) << "nothing is offered to a busy line";
  w.run_until(60s);
  EXPECT_EQ(w.state(caller), S::Busy) << "a manual caller hears busy until it hangs up";
  EXPECT_EQ(w.features(caller), feature::kDrop | feature::kCompleteCall | feature::kSecureCall);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.rec.states_of(caller), (std::vector<CallState>{S::DialTone, S::Dialing, S::Proceeding,
                                                             S::Busy, S::Idle}));
}

TEST(PbxProgressTest, LineWithAnActiveCallGivesTheCallerBusy) {
  World w({manual("201"), manual("202"), manual("203")});
  const CallId other = w.call("202", "");  // 202 is off-hook with dial tone
  const CallId caller = w.call("201", "202");
  w.run_until(kRinging);
  EXPECT_EQ(w.state(caller), S::Busy);
  EXPECT_EQ(w.pbx.line(w.line("202")).calls, (std::vector<CallId>{other}));
}

TEST(PbxProgressTest, LineInACallGivesTheNextCallerBusy) {
  World w({manual("201"), manual("202"), manual("203")});
  w.call("201", "202");
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.answer(w.newest_on("202")).ok());
  const CallId second = w.call("203", "202");
  w.run_until(2s + kRinging);
  EXPECT_EQ(w.state(second), S::Busy);
}

TEST(PbxProgressTest, NoAnswerTimeoutDisconnectsBothWithNoAnswer) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(kRinging);
  const CallId callee = w.newest_on("202");
  w.run_until(kNoAnswer - 1ns);
  EXPECT_EQ(w.state(caller), S::RingBack);
  EXPECT_EQ(w.state(callee), S::Offering);
  w.run_until(kNoAnswer);
  EXPECT_EQ(w.rec.events_of(callee),
            (std::vector<CallStateEvent>{
                ev(kRinging, callee, w.line("202"), S::Idle, S::Offering),
                ev(kNoAnswer, callee, w.line("202"), S::Offering, S::Disconnected, M::NoAnswer),
                ev(kNoAnswer, callee, w.line("202"), S::Disconnected, S::Idle, M::NoAnswer)}));
  EXPECT_EQ(w.rec.last_event_of(caller),
            ev(kNoAnswer, caller, w.line("201"), S::RingBack, S::Disconnected, M::NoAnswer));
  EXPECT_EQ(w.state(callee), S::Idle) << "the callee leg goes idle by itself";
  EXPECT_EQ(w.state(caller), S::Disconnected);
}

TEST(PbxProgressTest, UnknownNumberEndsDisconnectedBadAddress) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "300");
  w.run_until(10s);
  EXPECT_EQ(
      w.rec.events_of(caller),
      (std::vector<CallStateEvent>{
          ev(0ms, caller, w.line("201"), S::Idle, S::DialTone),
          ev(kDialing, caller, w.line("201"), S::DialTone, S::Dialing),
          ev(kProceeding, caller, w.line("201"), S::Dialing, S::Disconnected, M::BadAddress)}));
  EXPECT_EQ(w.state(caller), S::Disconnected);
}

TEST(PbxProgressTest, VacantNumberGivesSpecialInfoWhenConfigured) {
  PbxConfig cfg = config_of(two_manual_lines());
  cfg.profile.vacant_number_special_info = true;
  World w(cfg);
  const CallId caller = w.call("201", "300");
  w.run_until(60s);
  EXPECT_EQ(w.rec.stamps_of(caller),
            (std::vector<StateStamp>{
                {S::DialTone, 0ms}, {S::Dialing, kDialing}, {S::SpecialInfo, kProceeding}}));
  EXPECT_EQ(w.features(caller), feature::kDrop | feature::kSecureCall);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.state(caller), S::Idle);
}

TEST(PbxProgressTest, PartialNumberTimesOutAsBadAddress) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "2");
  constexpr SimTime kTimeout = kDialing + 80ms + 5s;
  w.run_until(kTimeout - 1ns);
  EXPECT_EQ(w.state(caller), S::Dialing);
  w.run_until(kTimeout);
  EXPECT_EQ(w.rec.last_event_of(caller),
            ev(kTimeout, caller, w.line("201"), S::Dialing, S::Disconnected, M::BadAddress));
}

// --- dialling ------------------------------------------------------------------------------------

TEST(PbxDialTest, MakeCallWithoutNumberStaysInDialTone) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "");
  w.run_until(3600s);
  EXPECT_EQ(w.state(caller), S::DialTone);
  EXPECT_EQ(w.rec.states_of(caller), (std::vector<CallState>{S::DialTone}));
  EXPECT_EQ(w.features(caller), feature::kDial | feature::kDrop | feature::kSecureCall);
  EXPECT_EQ(w.sched.pending(), 0u);
}

TEST(PbxDialTest, DialFromDialToneStartsDialingAtOnce) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "");
  w.run_until(2s);
  const OpResult r = w.pbx.dial(caller, "202");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.op, Op::Dial);
  EXPECT_EQ(r.call, caller);
  w.run_until(10s);
  EXPECT_EQ(
      w.rec.stamps_of(caller),
      (std::vector<StateStamp>{
          {S::DialTone, 0ms}, {S::Dialing, 2s}, {S::Proceeding, 2240ms}, {S::RingBack, 3240ms}}));
}

TEST(PbxDialTest, MultiStageDialCompletesTheNumber) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "2");
  w.run_until(1s);
  EXPECT_EQ(w.state(caller), S::Dialing);
  EXPECT_TRUE(w.pbx.dial(caller, "02").ok());
  w.run_until(1160ms - 1ns);
  EXPECT_EQ(w.state(caller), S::Dialing);
  w.run_until(1160ms);
  EXPECT_EQ(w.state(caller), S::Proceeding);
  EXPECT_EQ(w.pbx.find_call(caller)->to, "202");
  w.run_until(2160ms);
  EXPECT_EQ(w.state(caller), S::RingBack);
  EXPECT_EQ(w.state(w.newest_on("202")), S::Offering);
  w.run_until(10s);
  EXPECT_EQ(w.state(caller), S::RingBack) << "the inter-digit timeout must have been cancelled";
}

TEST(PbxDialTest, DigitsDialledBeforeDialToneGoOutWithTheFirstOnes) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "2");
  w.run_until(50ms);
  EXPECT_TRUE(w.pbx.dial(caller, "02").ok());
  w.run_until(kProceeding);
  EXPECT_EQ(w.rec.stamps_of(caller),
            (std::vector<StateStamp>{
                {S::DialTone, 0ms}, {S::Dialing, kDialing}, {S::Proceeding, kProceeding}}));
}

TEST(PbxDialTest, DigitsDialledWhileOutpulsingFollowTheFirstOnes) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "20");
  w.run_until(150ms);  // "20" is going out until 260 ms
  EXPECT_TRUE(w.pbx.dial(caller, "2").ok());
  w.run_until(340ms - 1ns);
  EXPECT_EQ(w.state(caller), S::Dialing);
  w.run_until(340ms);
  EXPECT_EQ(w.state(caller), S::Proceeding);
  EXPECT_EQ(w.pbx.find_call(caller)->to, "202");
}

TEST(PbxDialTest, AmbiguousNumberWaitsForTheInterDigitTimeout) {
  World w({manual("20"), manual("201"), manual("202")});
  const CallId caller = w.call("202", "20");
  constexpr SimTime kOutpulsed = kDialing + 160ms;
  w.run_until(kOutpulsed + 5s - 1ns);
  EXPECT_EQ(w.state(caller), S::Dialing);
  w.run_until(kOutpulsed + 5s);
  EXPECT_EQ(w.state(caller), S::Proceeding);
  w.run_until(kOutpulsed + 6s);
  EXPECT_EQ(w.state(caller), S::RingBack);
  EXPECT_EQ(w.state(w.newest_on("20")), S::Offering);
}

TEST(PbxDialTest, MoreDigitsEndTheAmbiguityAtOnce) {
  World w({manual("20"), manual("201"), manual("202")});
  const CallId caller = w.call("202", "20");
  w.run_until(2s);
  EXPECT_TRUE(w.pbx.dial(caller, "1").ok());
  w.run_until(2080ms);
  EXPECT_EQ(w.state(caller), S::Proceeding);
  w.run_until(3080ms);
  EXPECT_EQ(w.state(w.newest_on("201")), S::Offering);
  EXPECT_TRUE(w.pbx.line(w.line("20")).calls.empty());
}

TEST(PbxDialTest, UnambiguousNumberDoesNotWait) {
  World w({manual("20"), manual("201"), manual("202")});
  const CallId caller = w.call("20", "202");
  w.run_until(kProceeding);
  EXPECT_EQ(w.state(caller), S::Proceeding);
}

// lineDial once the number is complete: the digits go through to the far end (TAPI allows
// lineDial in every state but IDLE and DISCONNECTED); the number called stays what it was.
TEST(PbxDialTest, DigitsAfterTheNumberIsCompleteGoToTheFarEnd) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(kProceeding);
  ASSERT_EQ(w.state(caller), S::Proceeding);
  ASSERT_TRUE(w.pbx.dial(caller, "5").ok());
  w.run_until(kProceeding + 200ms);
  EXPECT_EQ(w.pbx.find_call(caller)->to, "202");
  EXPECT_EQ(w.pbx.find_call(caller)->far_digits, "5");
  EXPECT_EQ(w.state(caller), S::Proceeding);
  w.run_until(3s);
  ASSERT_TRUE(w.pbx.answer(w.newest_on("202")).ok());
  ASSERT_TRUE(w.pbx.dial(caller, "*1#").ok());
  w.run_until(4s);
  EXPECT_EQ(w.pbx.find_call(caller)->far_digits, "5*1#");
  EXPECT_EQ(w.state(caller), S::Connected);
}

TEST(PbxDialTest, DialIsRefusedOnOfferingAndDisconnectedCalls) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(3s);
  const CallId offered = w.newest_on("202");
  EXPECT_EQ(w.pbx.dial(offered, "5").error, LineErr::InvalCallState);
  ASSERT_TRUE(w.pbx.answer(offered).ok());
  ASSERT_TRUE(w.pbx.drop(offered).ok());
  ASSERT_EQ(w.state(caller), S::Disconnected);
  EXPECT_EQ(w.pbx.dial(caller, "5").error, LineErr::InvalCallState);
}

TEST(PbxDialTest, DialWithBadOrNoDigitsIsInvalAddressAndDialsNothing) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "");
  for (const char* bad : {"", "20x", "2 02", "+202"}) {
    const OpResult r = w.pbx.dial(caller, bad);
    EXPECT_EQ(r.error, LineErr::InvalAddress) << '"' << bad << '"';
    EXPECT_EQ(r.call, caller);
  }
  w.run_until(60s);
  EXPECT_EQ(w.state(caller), S::DialTone);
  EXPECT_EQ(w.rec.events.size(), 1u);
}

// --- refused operations --------------------------------------------------------------------------

TEST(PbxErrorTest, AnswerOnARingBackCallIsInvalCallStateAndChangesNothing) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const std::size_t events = w.rec.events.size();
  const OpResult r = w.pbx.answer(caller);
  EXPECT_EQ(r.error, LineErr::InvalCallState);
  EXPECT_EQ(r.op, Op::Answer);
  EXPECT_EQ(r.call, caller);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(w.rec.replies.back(), r);
  EXPECT_EQ(w.rec.events.size(), events);
  EXPECT_EQ(w.state(caller), S::RingBack);
  EXPECT_EQ(w.state(w.newest_on("202")), S::Offering);
}

TEST(PbxErrorTest, DeallocateOfANonIdleCallIsInvalCallState) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  EXPECT_EQ(w.pbx.deallocate(caller).error, LineErr::InvalCallState);
  EXPECT_EQ(w.pbx.deallocate(callee).error, LineErr::InvalCallState);
  EXPECT_EQ(w.state(caller), S::RingBack);
  EXPECT_EQ(w.state(callee), S::Offering);
}

TEST(PbxErrorTest, AnyOperationOnADeallocatedHandleIsInvalCallHandle) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "300");
  w.run_until(1s);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  ASSERT_TRUE(w.pbx.deallocate(caller).ok());
  EXPECT_EQ(w.pbx.find_call(caller), nullptr);
  const std::size_t events = w.rec.events.size();
  for (Op op : kCallOps) {
    const OpResult r = perform(w.pbx, op, caller);
    EXPECT_EQ(r.error, LineErr::InvalCallHandle) << to_string(op);
    EXPECT_EQ(r.op, op);
    EXPECT_FALSE(static_cast<bool>(r.call)) << "no handle to report";
  }
  EXPECT_EQ(w.rec.events.size(), events);
}

TEST(PbxErrorTest, NullHandleIsInvalCallHandle) {
  World w(two_manual_lines());
  for (Op op : kCallOps) EXPECT_EQ(perform(w.pbx, op, CallId{}).error, LineErr::InvalCallHandle);
}

TEST(PbxErrorTest, StaleHandleStaysInvalidWhenItsSlotIsReused) {
  World w(two_manual_lines());
  const CallId old = w.call("201", "");
  ASSERT_TRUE(w.pbx.drop(old).ok());
  ASSERT_TRUE(w.pbx.deallocate(old).ok());
  const CallId fresh = w.call("201", "");
  EXPECT_NE(fresh, old);
  EXPECT_NE(fresh.serial, old.serial);
  EXPECT_EQ(w.pbx.drop(old).error, LineErr::InvalCallHandle);
  EXPECT_EQ(w.state(fresh), S::DialTone) << "the stale handle must not reach the new call";
}

TEST(PbxErrorTest, MakeCallWithBadCharactersIsInvalAddressAndCreatesNothing) {
  World w(two_manual_lines());
  for (const char* bad : {"20x", "2 02", "+1202", "202-1", "e"}) {
    const OpResult r = w.pbx.make_call(w.line("201"), bad);
    EXPECT_EQ(r.error, LineErr::InvalAddress) << '"' << bad << '"';
    EXPECT_FALSE(static_cast<bool>(r.call));
  }
  EXPECT_TRUE(w.rec.events.empty());
  EXPECT_EQ(w.pbx.stats().calls_created, 0u);
  EXPECT_TRUE(w.pbx.line(w.line("201")).calls.empty());
}

TEST(PbxErrorTest, MakeCallOnAnEngagedLineIsInUse) {
  World w(two_manual_lines());
  const CallId first = w.call("201", "");
  const OpResult r = w.pbx.make_call(w.line("201"), "202");
  EXPECT_EQ(r.error, LineErr::InUse);
  EXPECT_FALSE(static_cast<bool>(r.call));
  EXPECT_EQ(w.pbx.stats().calls_created, 1u);
  EXPECT_EQ(w.pbx.line(w.line("201")).calls, (std::vector<CallId>{first}));
  EXPECT_EQ(w.rec.events.size(), 1u);
}

TEST(PbxErrorTest, MakeCallIsAllowedAgainOnceTheLineIsIdle) {
  World w(two_manual_lines());
  const CallId first = w.call("201", "");
  ASSERT_TRUE(w.pbx.drop(first).ok());
  EXPECT_TRUE(w.pbx.make_call(w.line("201"), "").ok()) << "an IDLE handle does not engage the line";
}

TEST(PbxErrorTest, MakeCallBeyondTheCallAppearancesIsCallUnavail) {
  PbxConfig cfg = config_of(two_manual_lines());
  cfg.profile.max_calls_per_line = 2;
  World w(cfg);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(w.pbx.drop(w.call("201", "")).ok());
  EXPECT_EQ(w.pbx.make_call(w.line("201"), "").error, LineErr::CallUnavail);
  ASSERT_TRUE(w.pbx.deallocate(w.pbx.line(w.line("201")).calls.front()).ok());
  EXPECT_TRUE(w.pbx.make_call(w.line("201"), "").ok());
}

// Reaches a call in a given state on lines 201, 202 (manual), 203 (busy); "300" is vacant and
// gives intercept tone.
struct StateCase {
  CallState state;
  CallId (*reach)(World&);
  std::uint32_t features;  // basic LINECALLFEATURE bits expected in that state
};

// The features of the basic operations; features added later (park, redirect...) are checked
// by comparing with allowed_features().
constexpr std::uint32_t kBasicFeatures = feature::kAccept | feature::kAnswer | feature::kDial |
                                         feature::kDrop | feature::kHold | feature::kUnhold;

PbxConfig state_case_config() {
  PbxConfig cfg = config_of({manual("201"), manual("202"), station("203", behavior(K::Busy))});
  cfg.profile.vacant_number_special_info = true;
  return cfg;
}

const StateCase kStateCases[] = {
    {S::DialTone, [](World& w) { return w.call("201", ""); }, feature::kDial | feature::kDrop},
    {S::Dialing,
     [](World& w) {
       const CallId c = w.call("201", "202");
       w.run_until(200ms);
       return c;
     },
     feature::kDial | feature::kDrop},
    {S::Proceeding,
     [](World& w) {
       const CallId c = w.call("201", "202");
       w.run_until(500ms);
       return c;
     },
     feature::kDial | feature::kDrop},
    {S::RingBack,
     [](World& w) {
       const CallId c = w.call("201", "202");
       w.run_until(2s);
       return c;
     },
     feature::kDial | feature::kDrop},
    {S::Offering,
     [](World& w) {
       w.call("201", "202");
       w.run_until(2s);
       return w.newest_on("202");
     },
     feature::kAccept | feature::kAnswer | feature::kDrop},
    {S::Accepted,
     [](World& w) {
       w.call("201", "202");
       w.run_until(2s);
       w.pbx.accept(w.newest_on("202"));
       return w.newest_on("202");
     },
     feature::kAnswer | feature::kDrop},
    {S::Connected,
     [](World& w) {
       const CallId c = w.call("201", "202");
       w.run_until(2s);
       w.pbx.answer(w.newest_on("202"));
       return c;
     },
     feature::kHold | feature::kDial | feature::kDrop},
    {S::OnHold,
     [](World& w) {
       const CallId c = w.call("201", "202");
       w.run_until(2s);
       w.pbx.answer(w.newest_on("202"));
       w.pbx.hold(c);
       return c;
     },
     feature::kUnhold | feature::kDrop},
    {S::Busy,
     [](World& w) {
       const CallId c = w.call("201", "203");
       w.run_until(2s);
       return c;
     },
     feature::kDrop},
    {S::SpecialInfo,
     [](World& w) {
       const CallId c = w.call("201", "300");
       w.run_until(2s);
       return c;
     },
     feature::kDrop},
    {S::Disconnected,
     [](World& w) {
       const CallId c = w.call("201", "202");
       w.run_until(2s);
       const CallId callee = w.newest_on("202");
       w.pbx.answer(callee);
       w.pbx.drop(c);
       return callee;
     },
     feature::kDrop},
    {S::Idle,
     [](World& w) {
       const CallId c = w.call("201", "202");
       w.run_until(2s);
       w.pbx.drop(c);
       return c;
     },
     0},
};

// The table input behind an operation (Deallocate has no feature bit and is checked apart).
CallInput input_of(Op op) {
  switch (op) {
    case Op::Dial: return CallInput::Dial;
    case Op::Accept: return CallInput::Accept;
    case Op::Answer: return CallInput::Answer;
    case Op::Drop: return CallInput::Drop;
    case Op::Hold: return CallInput::Hold;
    case Op::Unhold: return CallInput::Unhold;
    default: break;
  }
  return CallInput::Deallocate;
}

class PbxStateTest : public ::testing::TestWithParam<StateCase> {};

TEST_P(PbxStateTest, FeaturesSayWhatIsAllowedNow) {
  const StateCase& sc = GetParam();
  World w(state_case_config());
  const CallId id = sc.reach(w);
  ASSERT_EQ(w.state(id), sc.state);
  EXPECT_EQ(w.features(id) & kBasicFeatures, sc.features)
      << features_to_string(w.features(id)) << " vs " << features_to_string(sc.features);
  // The PBX refines the table by context (line, consultation, conference): never more.
  EXPECT_EQ(w.features(id) & ~allowed_features(sc.state), 0u)
      << features_to_string(w.features(id)) << " vs table " << features_to_string(allowed_features(sc.state));
}

TEST_P(PbxStateTest, EveryOperationNotAllowedIsInvalCallStateAndChangesNothing) {
  const StateCase& sc = GetParam();
  World w(state_case_config());
  const CallId id = sc.reach(w);
  ASSERT_EQ(w.state(id), sc.state);
  const std::size_t events = w.rec.events.size();
  const std::size_t records = w.rec.records.size();
  const std::size_t pending = w.sched.pending();
  for (Op op : kCallOps) {
    const bool allowed =
        op == Op::Deallocate ? sc.state == S::Idle : (sc.features & feature_of(input_of(op))) != 0;
    if (allowed) continue;
    const OpResult r = perform(w.pbx, op, id);
    EXPECT_EQ(r.error, LineErr::InvalCallState) << to_string(op);
    EXPECT_EQ(r.call, id) << to_string(op);
  }
  EXPECT_EQ(w.state(id), sc.state);
  EXPECT_EQ(w.rec.events.size(), events);
  EXPECT_EQ(w.rec.records.size(), records);
  EXPECT_EQ(w.sched.pending(), pending);
}

INSTANTIATE_TEST_SUITE_P(ReachableStates, PbxStateTest, ::testing::ValuesIn(kStateCases),
                         [](const ::testing::TestParamInfo<StateCase>& p) {
                           return std::string(to_string(p.param.state));
                         });

// --- station behaviours --------------------------------------------------------------------------

TEST(PbxBehaviorTest, AutoStationAnswersAfterItsDelay) {
  World w({manual("201"), station("202", auto_station(2s))});
  const CallId caller = w.call("201", "202");
  w.run_until(kRinging + 2s - 1ns);
  EXPECT_EQ(w.state(caller), S::RingBack);
  w.run_until(kRinging + 2s);
  EXPECT_EQ(w.state(caller), S::Connected);
  const CallId callee = w.newest_on("202");
  EXPECT_EQ(w.rec.stamps_of(callee),
            (std::vector<StateStamp>{{S::Offering, kRinging}, {S::Connected, kRinging + 2s}}));
  w.run_until(3600s);
  EXPECT_EQ(w.state(callee), S::Connected) << "no hangup_after: stays connected";
}

TEST(PbxBehaviorTest, AutoStationHangsUpAfterItsDelayAndDeallocatesItsCall) {
  World w({manual("201"), station("202", auto_station(2s, 10s))});
  const CallId caller = w.call("201", "202");
  w.run_until(kRinging);
  const CallId callee = w.newest_on("202");
  constexpr SimTime kHangup = kRinging + 2s + 10s;
  w.run_until(kHangup - 1ns);
  EXPECT_EQ(w.state(callee), S::Connected);
  w.run_until(kHangup);
  EXPECT_EQ(w.rec.stamps_of(callee), (std::vector<StateStamp>{{S::Offering, kRinging},
                                                              {S::Connected, kRinging + 2s},
                                                              {S::Idle, kHangup}}));
  EXPECT_EQ(w.state(callee), std::nullopt) << "an automatic station deallocates its calls";
  EXPECT_TRUE(w.pbx.line(w.line("202")).calls.empty());
  EXPECT_EQ(w.rec.last_event_of(caller),
            ev(kHangup, caller, w.line("201"), S::Connected, S::Disconnected, M::Normal));
}

TEST(PbxBehaviorTest, AutoCallerHangsUpAfterItsDelay) {
  World w({station("201", auto_station(std::nullopt, 5s)), manual("202")});
  const CallId caller = w.call("201", "202");
  w.run_until(3s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.answer(callee).ok());
  w.run_until(8s);
  EXPECT_EQ(w.rec.stamps_of(caller).back(), (StateStamp{S::Idle, 8s}));
  EXPECT_EQ(w.state(caller), std::nullopt);
  EXPECT_EQ(w.state(callee), S::Disconnected);
}

TEST(PbxBehaviorTest, AutoStationGoesOnHookWhenTheFarEndHangsUp) {
  World w({manual("201"), station("202", auto_station(1s))});
  const CallId caller = w.call("201", "202");
  w.run_until(5s);
  const CallId callee = w.newest_on("202");
  ASSERT_EQ(w.state(callee), S::Connected);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.rec.stamps_of(callee).back(), (StateStamp{S::Idle, 5s}));
  EXPECT_EQ(w.state(callee), std::nullopt);
}

TEST(PbxBehaviorTest, AutoStationWithoutAnswerDelayLetsCallsRing) {
  World w({manual("201"), station("202", auto_station(std::nullopt, 5s))});
  const CallId caller = w.call("201", "202");
  w.run_until(kNoAnswer);
  EXPECT_EQ(w.pbx.find_call(caller)->mode, M::NoAnswer);
}

TEST(PbxBehaviorTest, RejectingStationRejectsAtOnce) {
  World w({manual("201"), station("202", behavior(K::Reject))});
  const CallId caller = w.call("201", "202");
  w.run_until(kRinging);
  EXPECT_EQ(w.state(caller), S::Disconnected);
  EXPECT_EQ(w.rec.last_event_of(caller),
            ev(kRinging, caller, w.line("201"), S::RingBack, S::Disconnected, M::Reject));
  EXPECT_TRUE(w.pbx.line(w.line("202")).calls.empty());
  ASSERT_EQ(w.rec.records.size(), 1u);
  EXPECT_EQ(w.rec.records.front().history,
            (std::vector<StateStamp>{
                {S::Offering, kRinging}, {S::Idle, kRinging}}));
}

TEST(PbxBehaviorTest, NoAnswerStationRingsUntilTheTimeout) {
  World w({manual("201"), station("202", behavior(K::NoAnswer))});
  const CallId caller = w.call("201", "202");
  w.run_until(kNoAnswer - 1ns);
  EXPECT_EQ(w.state(caller), S::RingBack);
  EXPECT_EQ(w.state(w.newest_on("202")), S::Offering);
  w.run_until(kNoAnswer);
  EXPECT_EQ(w.state(caller), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(caller)->mode, M::NoAnswer);
  EXPECT_TRUE(w.pbx.line(w.line("202")).calls.empty());
}

TEST(PbxBehaviorTest, AutomaticCallerClearsABusyCallAtOnce) {
  World w({station("201", auto_station(std::nullopt)), station("202", behavior(K::Busy))});
  const CallId caller = w.call("201", "202");
  w.run_until(kRinging);
  EXPECT_EQ(w.rec.stamps_of(caller), (std::vector<StateStamp>{{S::DialTone, 0ms},
                                                              {S::Dialing, kDialing},
                                                              {S::Proceeding, kProceeding},
                                                              {S::Busy, kRinging},
                                                              {S::Disconnected, kRinging},
                                                              {S::Idle, kRinging}}));
  EXPECT_EQ(w.state(caller), std::nullopt);
}

TEST(PbxBehaviorTest, AutomaticCallerClearsAFailedCallAtOnce) {
  World w({station("201", auto_station(std::nullopt)), manual("202")});
  const CallId caller = w.call("201", "300");
  w.run_until(1s);
  EXPECT_EQ(w.rec.states_of(caller),
            (std::vector<CallState>{S::DialTone, S::Dialing, S::Disconnected, S::Idle}));
  EXPECT_EQ(w.state(caller), std::nullopt);
}

TEST(PbxBehaviorTest, DescribeNamesEachBehavior) {
  EXPECT_EQ(describe(Behavior{}), "manual");
  EXPECT_EQ(describe(behavior(K::Busy)), "busy");
  EXPECT_EQ(describe(behavior(K::NoAnswer)), "no_answer");
  EXPECT_EQ(describe(behavior(K::Reject)), "reject");
  EXPECT_EQ(describe(auto_station(2s, 10s)), "answer_after 2s, hangup_after 10s");
  EXPECT_FALSE(Behavior{}.automatic());
  EXPECT_TRUE(behavior(K::Busy).automatic());
}

// --- call records --------------------------------------------------------------------------------

TEST(PbxRecordTest, AnsweredCallGivesAnsweredRecordsForBothParties) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(3s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.answer(callee).ok());
  w.run_until(10s);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  ASSERT_EQ(w.rec.records.size(), 1u) << "the callee is not IDLE yet";
  w.run_until(12s);
  ASSERT_TRUE(w.pbx.drop(callee).ok());

  const CallRecord out = w.rec.record_of(caller);
  EXPECT_EQ(out.serial, caller.serial);
  EXPECT_EQ(out.line, "201");
  EXPECT_EQ(out.direction, Direction::Outgoing);
  EXPECT_EQ(out.from, "201");
  EXPECT_EQ(out.to, "202");
  EXPECT_EQ(out.reason, CallReason::Direct);
  EXPECT_EQ(out.start, 0ms);
  EXPECT_EQ(out.answer, SimTime(3s));
  EXPECT_EQ(out.end, 10s);
  EXPECT_EQ(out.mode, M::Normal);
  EXPECT_EQ(out.outcome, Outcome::Answered);
  EXPECT_FALSE(out.cleared_at_end);
  EXPECT_EQ(out.history, w.rec.stamps_of(caller));

  const CallRecord in = w.rec.record_of(callee);
  EXPECT_EQ(in.serial, callee.serial);
  EXPECT_EQ(in.line, "202");
  EXPECT_EQ(in.direction, Direction::Incoming);
  EXPECT_EQ(in.from, "201");
  EXPECT_EQ(in.to, "202");
  EXPECT_EQ(in.start, kRinging);
  EXPECT_EQ(in.answer, SimTime(3s));
  EXPECT_EQ(in.end, 12s);
  EXPECT_EQ(in.mode, M::Normal);
  EXPECT_EQ(in.outcome, Outcome::Answered);
  EXPECT_EQ(
      in.history,
      (std::vector<StateStamp>{
          {S::Offering, kRinging}, {S::Connected, 3s}, {S::Disconnected, 10s}, {S::Idle, 12s}}));
}

TEST(PbxRecordTest, RecordIsWrittenExactlyWhenTheCallReachesIdle) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "300");
  w.run_until(60s);
  EXPECT_TRUE(w.rec.records.empty()) << "DISCONNECTED is not the end of the call";
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  const CallRecord r = w.rec.record_of(caller);
  EXPECT_EQ(r.end, 60s);
  ASSERT_FALSE(r.history.empty());
  EXPECT_EQ(r.history.back(), (StateStamp{S::Idle, 60s}));
  ASSERT_TRUE(w.pbx.deallocate(caller).ok());
  EXPECT_EQ(w.rec.records.size(), 1u) << "deallocate writes no second record";
}

TEST(PbxRecordTest, CallerGivingUpIsAbandonedAndTheCalleeMissed) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(5s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.rec.record_of(caller).outcome, Outcome::Abandoned);
  EXPECT_EQ(w.rec.record_of(caller).answer, std::nullopt);
  EXPECT_EQ(w.rec.record_of(callee).outcome, Outcome::Missed);
}

TEST(PbxRecordTest, HangingUpOnDialToneIsAbandoned) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "");
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.rec.record_of(caller).outcome, Outcome::Abandoned);
  EXPECT_EQ(w.rec.record_of(caller).to, "");
}

TEST(PbxRecordTest, BusyCallIsBusyNotBlocked) {
  // Blocked means the switch had no resource; a busy called party is "busy".
  World w({manual("201"), station("202", behavior(K::Busy))});
  const CallId caller = w.call("201", "202");
  w.run_until(5s);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.rec.record_of(caller).outcome, Outcome::Busy);
  EXPECT_EQ(w.rec.records.size(), 1u);
}

TEST(PbxRecordTest, VacantNumberIsFailed) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "300");
  w.run_until(5s);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  const CallRecord r = w.rec.record_of(caller);
  EXPECT_EQ(r.outcome, Outcome::Failed);
  EXPECT_EQ(r.mode, M::BadAddress);
  EXPECT_EQ(r.to, "300");
}

TEST(PbxRecordTest, NoAnswerIsNoAnswerForTheCallerAndMissedForTheCallee) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(kRinging);
  const CallId callee = w.newest_on("202");
  w.run_until(kNoAnswer);
  const CallRecord in = w.rec.record_of(callee);
  EXPECT_EQ(in.outcome, Outcome::Missed);
  EXPECT_EQ(in.mode, M::NoAnswer);
  EXPECT_EQ(in.end, kNoAnswer);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  const CallRecord out = w.rec.record_of(caller);
  EXPECT_EQ(out.outcome, Outcome::NoAnswer);
  EXPECT_EQ(out.mode, M::NoAnswer);
}

TEST(PbxRecordTest, RejectedCallIsFailedForTheCallerAndMissedForTheCallee) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.drop(callee).ok());
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  EXPECT_EQ(w.rec.record_of(caller).outcome, Outcome::Failed);
  EXPECT_EQ(w.rec.record_of(caller).mode, M::Reject);
  EXPECT_EQ(w.rec.record_of(callee).outcome, Outcome::Missed);
}

TEST(PbxRecordTest, SpecialInfoCallIsFailed) {
  PbxConfig cfg = config_of(two_manual_lines());
  cfg.profile.vacant_number_special_info = true;
  World w(cfg);
  const CallId caller = w.call("201", "300");
  w.run_until(5s);
  ASSERT_EQ(w.state(caller), S::SpecialInfo);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  // Outcome::Failed covers "vacant number"; hanging up on intercept tone is not giving up.
  EXPECT_EQ(w.rec.record_of(caller).outcome, Outcome::Failed);
}

TEST(PbxRecordTest, EveryCallProducesExactlyOneRecord) {
  World w({manual("201"), manual("202"), station("203", auto_station(1s, 4s)),
           station("204", behavior(K::Busy)), station("205", behavior(K::Reject)),
           station("206", behavior(K::NoAnswer)), manual("207")});
  w.call("201", "203");  // answered, hung up by 203
  w.call("202", "206");  // no answer
  w.call("204", "205");  // rejected
  w.call("207", "300");  // vacant
  w.run_until(40s);
  for (const char* n : {"201", "202", "207"}) {
    for (CallId id : w.pbx.active_calls(w.line(n))) ASSERT_TRUE(w.pbx.drop(id).ok()) << n;
  }
  w.call("201", "204");  // busy, left for shutdown
  w.call("202", "207");  // ringing, left for shutdown
  w.run_until(45s);
  w.pbx.shutdown();

  std::map<std::uint64_t, int> per_serial;
  for (const auto& r : w.rec.records) ++per_serial[r.serial];
  EXPECT_EQ(per_serial.size(), w.pbx.stats().calls_created);
  for (const auto& [serial, count] : per_serial) EXPECT_EQ(count, 1) << "call #" << serial;
  EXPECT_EQ(w.pbx.stats().records, w.rec.records.size());
  for (const auto& r : w.rec.records) {
    ASSERT_FALSE(r.history.empty());
    EXPECT_EQ(r.history.back().state, S::Idle) << "call #" << r.serial;
  }
}

// --- shutdown ------------------------------------------------------------------------------------

TEST(PbxShutdownTest, ShutdownClearsLeftoverCallsAndReportsHowMany) {
  World w({manual("201"), manual("202"), manual("203"), manual("204")});
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  const CallId callee = w.newest_on("202");
  ASSERT_TRUE(w.pbx.answer(callee).ok());
  const CallId waiting = w.call("203", "");
  const CallId idle = w.call("204", "300");
  w.run_until(3s);
  ASSERT_TRUE(w.pbx.drop(idle).ok());
  ASSERT_EQ(w.rec.records.size(), 1u);

  w.run_until(20s);
  EXPECT_EQ(w.pbx.shutdown(), 3u);

  ASSERT_EQ(w.rec.records.size(), 4u) << "one new record per cleared call, none for the idle one";
  for (CallId id : {caller, callee, waiting}) {
    const CallRecord r = w.rec.record_of(id);
    EXPECT_TRUE(r.cleared_at_end) << to_string(id);
    EXPECT_EQ(r.end, 20s);
    EXPECT_EQ(r.history.back(), (StateStamp{S::Idle, 20s}));
    EXPECT_EQ(w.rec.states_of(id).back(), S::Idle);
  }
  EXPECT_FALSE(w.rec.record_of(idle).cleared_at_end);
  EXPECT_EQ(w.rec.record_of(caller).outcome, Outcome::Answered);
  EXPECT_EQ(w.rec.record_of(callee).outcome, Outcome::Answered);
  // Unanswered when the run ended: "cleared", not a failure of the call.
  EXPECT_EQ(w.rec.record_of(waiting).outcome, Outcome::Cleared);

  for (CallId id : {caller, callee, waiting, idle}) EXPECT_EQ(w.pbx.find_call(id), nullptr);
  for (LineId l = 0; l < w.pbx.line_count(); ++l) EXPECT_TRUE(w.pbx.line(l).calls.empty());
  EXPECT_EQ(w.pbx.stats().live_calls, 0u);
  EXPECT_EQ(w.sched.pending(), 0u) << "no timer of a cleared call may fire later";
}

TEST(PbxShutdownTest, ShutdownClearsRingingAndDisconnectedCalls) {
  World w({manual("201"), manual("202"), manual("203"), station("204", auto_station(1s))});
  const CallId ringing = w.call("201", "202");
  const CallId gone = w.call("203", "204");
  w.run_until(3s);
  const CallId offered = w.newest_on("202");
  ASSERT_TRUE(w.pbx.drop(w.newest_on("204")).ok());  // 203 is left DISCONNECTED
  ASSERT_EQ(w.state(gone), S::Disconnected);
  EXPECT_EQ(w.pbx.shutdown(), 3u);
  EXPECT_EQ(w.rec.record_of(ringing).outcome, Outcome::Cleared);
  EXPECT_EQ(w.rec.record_of(offered).outcome, Outcome::Cleared);
  EXPECT_TRUE(w.rec.record_of(gone).cleared_at_end);
  EXPECT_EQ(w.pbx.stats().live_calls, 0u);
}

TEST(PbxShutdownTest, ShutdownWithNothingLeftClearsNothing) {
  World w(two_manual_lines());
  EXPECT_EQ(w.pbx.shutdown(), 0u);
  const CallId c = w.call("201", "");
  ASSERT_TRUE(w.pbx.drop(c).ok());
  EXPECT_EQ(w.pbx.shutdown(), 0u) << "an IDLE handle is deallocated, not cleared";
  EXPECT_EQ(w.rec.records.size(), 1u);
  EXPECT_EQ(w.pbx.find_call(c), nullptr);
}

// --- stats and determinism -----------------------------------------------------------------------

TEST(PbxTest, StatsCountCallsTransitionsAndRecords) {
  World w(two_manual_lines());
  const CallId caller = w.call("201", "202");
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.drop(caller).ok());
  const PbxStats& s = w.pbx.stats();
  EXPECT_EQ(s.calls_created, 2u);
  EXPECT_EQ(s.transitions, w.rec.events.size());
  EXPECT_EQ(s.records, 2u);
  EXPECT_EQ(s.live_calls, 2u) << "IDLE handles on manual lines live until deallocated";
}

struct RunLog {
  std::vector<CallStateEvent> events;
  std::vector<OpResult> replies;
  std::vector<CallRecord> records;
  std::size_t cleared = 0;
};

RunLog busy_day() {
  World w({manual("201"), station("202", auto_station(2s, 7s)), station("203", behavior(K::Reject)),
           station("204", behavior(K::Busy)), station("205", behavior(K::NoAnswer)), manual("206"),
           station("207", auto_station(0s, 3s))});
  // Several calls start at the same instant, so timers tie and order must be stable.
  w.call("201", "202");
  w.call("206", "203");
  w.call("204", "205");
  w.call("207", "206");  // busy at first: 206 is dialling
  w.run_until(12s);
  for (CallId id : w.pbx.active_calls(w.line("201"))) w.pbx.drop(id);
  for (CallId id : w.pbx.active_calls(w.line("206"))) w.pbx.drop(id);
  w.call("201", "207");
  w.call("206", "2");
  w.run_until(14s);
  w.pbx.dial(w.newest_on("206"), "01");
  w.run_until(60s);
  RunLog log;
  log.cleared = w.pbx.shutdown();
  log.events = w.rec.events;
  log.replies = w.rec.replies;
  log.records = w.rec.records;
  return log;
}

TEST(PbxTest, TwoIdenticalRunsGiveIdenticalStreams) {
  const RunLog a = busy_day();
  const RunLog b = busy_day();
  EXPECT_GT(a.events.size(), 30u);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.replies, b.replies);
  EXPECT_EQ(a.records, b.records);
  EXPECT_EQ(a.cleared, b.cleared);
}

// --- TAPI behaviour the model does not have yet --------------------------------------------------

TEST(PbxFeaturesTest, AnOperationAdvertisedInCallFeaturesIsAccepted) {
  // docs/tapi-conformance.md: LINECALLSTATUS.dwCallFeatures must always say what is allowed now.
  World w({manual("201"), manual("202"), manual("203")});
  const CallId held = w.call("201", "202");
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.answer(w.newest_on("202")).ok());
  ASSERT_TRUE(w.pbx.hold(held).ok());
  w.call("201", "");  // a second appearance with dial tone
  const bool advertised = (w.features(held) & feature::kUnhold) != 0;
  const OpResult r = w.pbx.unhold(held);
  EXPECT_EQ(advertised, r.ok()) << "features " << features_to_string(w.features(held))
                                << " but unhold gave " << r;
}

}  // namespace
}  // namespace telsim::test
