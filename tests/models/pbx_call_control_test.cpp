// PBX call control on a ManualScheduler: swap hold, consultation and blind transfer,
// conferences, redirect, hold recall, call waiting and secure calls. Every new row of the
// transition table that the PBX can reach is driven through an operation and asserted with the
// exact state sequence (and times) of every call involved; refused operations must change
// nothing; LINECALLSTATUS.dwCallFeatures must say exactly what the operations would accept.
//
// Every test is written as docs/tapi-conformance.md demands; model bugs they found are fixed.
#include "telsim/models/pbx.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "models/pbx_fixture.hpp"

namespace telsim::test {
namespace {

using S = CallState;
using M = DisconnectMode;
using R = CallReason;
using E = LineErr;
using K = Behavior::Kind;
namespace F = feature;

// With default Timing a three-digit number dialled at t: DIALING t+100ms, PROCEEDING t+340ms,
// RINGBACK (and the callee OFFERING) t+1340ms; lineDial from DIALTONE starts outpulsing at once.
constexpr Duration kToDialing = 100ms;
constexpr Duration kToProceeding = 340ms;
constexpr Duration kToRinging = 1340ms;
constexpr Duration kNoAnswer = 30s;

// Features of a plain CONNECTED two-party call (nothing held on its line).
constexpr std::uint32_t kTalking = F::kHold | F::kPark | F::kSetupTransfer | F::kBlindTransfer |
                                   F::kSetupConf | F::kDial | F::kDrop | F::kSecureCall;
constexpr std::uint32_t kOffered = F::kAccept | F::kAnswer | F::kDrop | F::kRedirect | F::kSecureCall;
constexpr std::uint32_t kMember = F::kDrop | F::kRemoveFromConf | F::kSecureCall;

/// Manual stations 201..206 and a spare 209 (the target of blind transfers and redirects in
/// the feature probes).
PbxConfig base_config() {
  PbxConfig c;
  for (const char* n : {"201", "202", "203", "204", "205", "206", "209"}) c.lines.push_back(manual(n));
  return c;
}
LineConfig& line_cfg(PbxConfig& c, std::string_view number) {
  for (LineConfig& l : c.lines)
    if (l.number == number) return l;
  ADD_FAILURE() << "no line " << number;
  return c.lines.front();
}

std::string fs(std::uint32_t features) { return features_to_string(features); }

CallStateEvent ev(SimTime at, CallId call, LineId line, CallState from, CallState to,
                  DisconnectMode mode = M::None, CallReason reason = R::Direct) {
  return CallStateEvent{at, call, line, from, to, mode, reason};
}

/// Events published since index `from`.
std::vector<CallStateEvent> events_since(const World& w, std::size_t from) {
  return {w.rec.events.begin() + static_cast<std::ptrdiff_t>(from), w.rec.events.end()};
}

struct Pair {
  CallId caller;
  CallId callee;
};

/// `from` calls `to` now and `to` answers as soon as it rings (now + 1340 ms).
Pair talk(World& w, std::string_view from, std::string_view to) {
  const SimTime t0 = w.sched.now();
  const CallId caller = w.call(from, to);
  w.run_until(t0 + kToRinging);
  const CallId callee = w.newest_on(to);
  EXPECT_EQ(w.state(callee), S::Offering);
  EXPECT_TRUE(w.pbx.answer(callee).ok());
  EXPECT_EQ(w.state(caller), S::Connected);
  return {caller, callee};
}

/// Answers the newest call on `number`, which must be ringing; returns it.
CallId answer_newest(World& w, std::string_view number) {
  const CallId id = w.newest_on(number);
  EXPECT_EQ(w.state(id), S::Offering);
  EXPECT_TRUE(w.pbx.answer(id).ok());
  return id;
}

CallId peer_of(const World& w, CallId id) {
  const Call* c = w.pbx.find_call(id);
  return c ? c->peer : CallId{};
}

// --- refusals: the error, and nothing else happens ------------------------------------------

struct CallSnap {
  std::uint32_t serial = 0;
  CallState state = S::Idle;
  DisconnectMode mode = M::None;
  CallReason reason = R::Direct;
  std::uint32_t peer = 0, consult = 0, consult_of = 0, conference = 0;
  std::vector<CallId> members;
  bool secure = false;
  std::optional<SimTime> answered;
  bool operator==(const CallSnap&) const = default;
};
struct WorldSnap {
  std::vector<CallSnap> calls;
  std::size_t events = 0, records = 0, timers = 0;
  std::uint64_t transitions = 0, created = 0, transfers = 0, conferences = 0, conf_max = 0,
                redirects = 0, hold_recalls = 0;
  bool operator==(const WorldSnap&) const = default;
};
WorldSnap snap(const World& w) {
  WorldSnap s;
  for (std::size_t l = 0; l < w.pbx.line_count(); ++l) {
    for (CallId id : w.pbx.line(static_cast<LineId>(l)).calls) {
      const Call* c = w.pbx.find_call(id);
      if (!c) continue;
      s.calls.push_back(CallSnap{c->id.serial, c->state, c->mode, c->reason, c->peer.serial,
                                 c->consult.serial, c->consult_of.serial, c->conference.serial,
                                 c->members, c->secure, c->answered});
    }
  }
  s.events = w.rec.events.size();
  s.records = w.rec.records.size();
  s.timers = w.sched.pending();
  const PbxStats& st = w.pbx.stats();
  s.transitions = st.transitions;
  s.created = st.calls_created;
  s.transfers = st.transfers;
  s.conferences = st.conferences;
  s.conf_max = st.conference_max_size;
  s.redirects = st.redirects;
  s.hold_recalls = st.hold_recalls;
  return s;
}

/// The operation is refused with `expected` (any error when nullopt), the refusal is published
/// as one reply, and no call, event, record, timer or counter changes.
::testing::AssertionResult refused(World& w, std::optional<LineErr> expected,
                                   const std::function<OpResult()>& op) {
  const WorldSnap before = snap(w);
  const std::size_t replies = w.rec.replies.size();
  const OpResult r = op();
  if (r.ok()) return ::testing::AssertionFailure() << "the operation was carried out: " << r;
  if (expected && r.error != *expected)
    return ::testing::AssertionFailure() << "refused with " << tapi_name(r.error) << ", expected "
                                         << tapi_name(*expected);
  if (w.rec.replies.size() != replies + 1 || !(w.rec.replies.back() == r))
    return ::testing::AssertionFailure() << "the refusal was not published as exactly one reply";
  if (r.consult) return ::testing::AssertionFailure() << "a refusal returned a consult handle";
  const WorldSnap after = snap(w);
  if (!(after == before)) {
    std::ostringstream os;
    os << "the refused operation changed something (" << tapi_name(r.error) << ")";
    for (std::size_t i = before.events; i < w.rec.events.size(); ++i) os << "\n  " << w.rec.events[i];
    if (after.calls != before.calls) os << "\n  call data changed";
    if (after.timers != before.timers) os << "\n  timers " << before.timers << " -> " << after.timers;
    return ::testing::AssertionFailure() << os.str();
  }
  return ::testing::AssertionSuccess();
}

// --- end of run: every call IDLE with exactly one record ---------------------------------------

/// Ends the run (shutdown) and checks that every call ever created reached IDLE and has exactly
/// one call record, and that no handle is left. Returns shutdown()'s count.
std::size_t finish(World& w) {
  const std::size_t cleared = w.pbx.shutdown();
  const PbxStats& st = w.pbx.stats();
  EXPECT_EQ(st.live_calls, 0u);
  EXPECT_EQ(st.records, st.calls_created);
  EXPECT_EQ(w.rec.records.size(), st.calls_created);
  std::map<std::uint64_t, int> per_serial;
  for (const CallRecord& r : w.rec.records) {
    ++per_serial[r.serial];
    EXPECT_FALSE(r.history.empty());
    if (!r.history.empty()) {
      EXPECT_EQ(r.history.back().state, S::Idle) << "call #" << r.serial;
    }
  }
  for (std::uint64_t serial = 1; serial <= st.calls_created; ++serial)
    EXPECT_EQ(per_serial[serial], 1) << "records of call #" << serial;
  for (std::size_t l = 0; l < w.pbx.line_count(); ++l)
    EXPECT_TRUE(w.pbx.line(static_cast<LineId>(l)).calls.empty());
  return cleared;
}

/// Every call the test still knows is IDLE (nothing left talking, ringing or held).
void expect_all_idle(const World& w) {
  for (std::size_t l = 0; l < w.pbx.line_count(); ++l)
    EXPECT_TRUE(w.pbx.active_calls(static_cast<LineId>(l)).empty())
        << "line " << w.pbx.line(static_cast<LineId>(l)).number << " still has calls";
}

// ================================================================================================
// swap_hold (Connected --SwapHold--> OnHold, OnHold/OnHoldPend* --Retrieve--> Connected)
// ================================================================================================

TEST(PbxSwapHoldTest, SwapsTheActiveCallWithTheHeldOneAndBack) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a1, b1] = talk(w, "201", "202");  // connected at 1.34 s
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.hold(a1).ok());
EXPECT_EQ(fs(w.features(a1)), fs(F::kUnhold | F::kDrop | F::kSecureCall));
  const CallId a2 = w.call("201", "203");
  w.run_until(2s + kToRinging);
  const CallId b2 = answer_newest(w, "203");
  // A held call on the line: the active call may swap; the held one drop, or be transferred to
  // the active one (TRANSFERHELD / TRANSFERMAKE), but not unhold (LINEERR_INUSE while a2 is active).
  EXPECT_EQ(fs(w.features(a2)), fs(kTalking | F::kSwapHold));
  EXPECT_EQ(fs(w.features(a1)), fs(F::kDrop | F::kSecureCall | F::kCompleteTransf));

  w.run_until(5s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.swap_hold(a2, a1);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.op, Op::SwapHold);
  EXPECT_EQ(r.call, a2);
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(5s, a2, l1, S::Connected, S::OnHold),
                                       ev(5s, a1, l1, S::OnHold, S::Connected),
                                   }));
  EXPECT_EQ(fs(w.features(a1)), fs(kTalking | F::kSwapHold));
  EXPECT_EQ(fs(w.features(a2)), fs(F::kDrop | F::kSecureCall | F::kCompleteTransf));
  // The far parties see nothing.
  EXPECT_EQ(w.state(b1), S::Connected);
  EXPECT_EQ(w.state(b2), S::Connected);
  EXPECT_EQ(peer_of(w, a1), b1);
  EXPECT_EQ(peer_of(w, a2), b2);

  w.run_until(7s);
  ASSERT_TRUE(w.pbx.swap_hold(a1, a2).ok());
  EXPECT_EQ(w.rec.stamps_of(a1),
            (std::vector<StateStamp>{{S::DialTone, 0ms},
                                     {S::Dialing, kToDialing},
                                     {S::Proceeding, kToProceeding},
                                     {S::RingBack, kToRinging},
                                     {S::Connected, kToRinging},
                                     {S::OnHold, 2s},
                                     {S::Connected, 5s},
                                     {S::OnHold, 7s}}));
  EXPECT_EQ(w.rec.stamps_of(a2), (std::vector<StateStamp>{{S::DialTone, 2s},
                                                          {S::Dialing, 2s + kToDialing},
                                                          {S::Proceeding, 2s + kToProceeding},
                                                          {S::RingBack, 2s + kToRinging},
                                                          {S::Connected, 2s + kToRinging},
                                                          {S::OnHold, 5s},
                                                          {S::Connected, 7s}}));
  EXPECT_TRUE(w.rec.events_of(b1).size() == 2u && w.rec.events_of(b2).size() == 2u)
      << "the far parties only went OFFERING -> CONNECTED";
  EXPECT_EQ(finish(w), 4u);
}

TEST(PbxSwapHoldTest, SwapHoldIsOnlyAdvertisedWhenAHeldCallExists) {
  World w(base_config());
  // Named, not a structured binding: clang 14 (the sanitizer build's) cannot capture one.
  const auto ab = talk(w, "201", "202");
  const auto a = ab.caller;
  [[maybe_unused]] const auto b = ab.callee;
  EXPECT_EQ(fs(w.features(a)), fs(kTalking));
  EXPECT_EQ(fs(w.features(b)), fs(kTalking));
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.swap_hold(a, CallId{}); }));
  ASSERT_TRUE(w.pbx.hold(a).ok());
  // The only call is held: nothing to swap with.
  EXPECT_EQ(w.features(a) & F::kSwapHold, 0u);
  finish(w);
}

TEST(PbxSwapHoldTest, RefusalsChangeNothing) {
  World w(base_config());
  const auto a1b1 = talk(w, "201", "202");
  const auto a1 = a1b1.caller;
  [[maybe_unused]] const auto b1 = a1b1.callee;
  ASSERT_TRUE(w.pbx.hold(a1).ok());
  const CallId a2 = talk(w, "201", "203").caller;
  const CallId other = talk(w, "204", "205").caller;

  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.swap_hold(CallId{}, a1); }));
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.swap_hold(a2, CallId{99, 999}); }));
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.swap_hold(a2, a2); }));
  // Calls on different lines cannot be swapped.
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.swap_hold(other, a1); }));
  // The "active" call must be CONNECTED and the other one held.
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.swap_hold(a1, a2); }));
  ASSERT_TRUE(w.pbx.hold(a2).ok());
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.swap_hold(a2, a1); }));
  finish(w);
}

TEST(PbxSwapHoldTest, SwapHoldStartsTheHoldRecallOfTheNewlyHeldCallAndStopsTheOther) {
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 20s;
  World w(cfg);
  const CallId a1 = talk(w, "201", "202").caller;  // 0 .. 1.34 s
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.hold(a1).ok());                // a1 would recall at 22 s
  const CallId a2 = talk(w, "201", "203").caller;  // 2 .. 3.34 s
  w.run_until(10s);
  ASSERT_TRUE(w.pbx.swap_hold(a2, a1).ok());  // a2 held at 10 s: recalls at 30 s; a1's recall off
  w.run_until(29s);
  EXPECT_EQ(w.state(a1), S::Connected);
  EXPECT_EQ(w.state(a2), S::OnHold);
  EXPECT_EQ(w.pbx.stats().hold_recalls, 0u);
  w.run_until(30s);
  EXPECT_EQ(w.state(a2), S::Offering);
  EXPECT_EQ(w.rec.stamps_of(a2).back(), (StateStamp{S::Offering, 30s}));
  EXPECT_EQ(w.pbx.stats().hold_recalls, 1u);
  finish(w);
}

// ================================================================================================
// setup_transfer / complete_transfer
// ================================================================================================

TEST(PbxTransferTest, SetupTransferHoldsTheOriginalAndGivesADialToneConsultCall) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(5s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.setup_transfer(a, "");
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.op, Op::SetupTransfer);
  EXPECT_EQ(r.call, a);
  ASSERT_TRUE(static_cast<bool>(r.consult));
  const CallId c = r.consult;
  EXPECT_NE(c, a);
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(5s, a, l1, S::Connected, S::OnHoldPendTransfer),
                                       ev(5s, c, l1, S::Idle, S::DialTone),
                                   }));
  const Call* consult = w.pbx.find_call(c);
  ASSERT_NE(consult, nullptr);
  EXPECT_EQ(consult->line, l1);
  EXPECT_EQ(consult->direction, Direction::Outgoing);
  EXPECT_EQ(consult->consult_of, a);
  EXPECT_EQ(w.pbx.find_call(a)->consult, c);
  EXPECT_EQ(w.state(b), S::Connected);
  // Without a number the consult waits in DIALTONE for lineDial.
  w.run_until(60s);
  EXPECT_EQ(w.state(c), S::DialTone);
EXPECT_EQ(fs(w.features(c)), fs(F::kDial | F::kDrop | F::kSecureCall));
  // No COMPLETETRANSF while the consult has only dial tone (complete_transfer would refuse it).
EXPECT_EQ(fs(w.features(a)), fs(F::kUnhold | F::kDrop | F::kSecureCall));
  EXPECT_EQ(fs(w.features(b)), fs(kTalking));

  ASSERT_TRUE(w.pbx.dial(c, "203").ok());
  w.run_until(60s + kToRinging);
  EXPECT_EQ(w.rec.stamps_of(c), (std::vector<StateStamp>{{S::DialTone, 5s},
                                                         {S::Dialing, 60s},
                                                         {S::Proceeding, 60s + 240ms},
                                                         {S::RingBack, 60s + 1240ms}}));
  EXPECT_EQ(w.state(w.newest_on("203")), S::Offering);
EXPECT_EQ(fs(w.features(a)), fs(F::kUnhold | F::kCompleteTransf | F::kDrop | F::kSecureCall));
  finish(w);
}

TEST(PbxTransferTest, SetupTransferWithANumberDialsTheConsultCall) {
  World w(base_config());
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const OpResult r = w.pbx.setup_transfer(a, "203");
  ASSERT_TRUE(r.ok()) << r;
  const CallId c = r.consult;
  w.run_until(2s + kToRinging);
  EXPECT_EQ(w.rec.stamps_of(c), (std::vector<StateStamp>{{S::DialTone, 2s},
                                                         {S::Dialing, 2s + kToDialing},
                                                         {S::Proceeding, 2s + kToProceeding},
                                                         {S::RingBack, 2s + kToRinging}}));
  const CallId d = w.newest_on("203");
  EXPECT_EQ(w.rec.stamps_of(d), (std::vector<StateStamp>{{S::Offering, 2s + kToRinging}}));
  EXPECT_EQ(w.pbx.find_call(d)->from, "201");
  EXPECT_EQ(w.pbx.find_call(d)->reason, R::Direct);
  EXPECT_EQ(peer_of(w, c), d);
EXPECT_EQ(fs(w.features(a)), fs(F::kUnhold | F::kCompleteTransf | F::kDrop | F::kSecureCall));
EXPECT_EQ(fs(w.features(c)), fs(F::kDial | F::kDrop | F::kCompleteCall | F::kSecureCall));
  EXPECT_EQ(fs(w.features(d)), fs(kOffered));
  w.run_until(4s);
  ASSERT_TRUE(w.pbx.answer(d).ok());
  EXPECT_EQ(w.rec.stamps_of(c).back(), (StateStamp{S::Connected, 4s}));
  // The consult call talks; it may swap with the pending original but not start another
  // transfer or conference.
EXPECT_EQ(fs(w.features(c)), fs(F::kHold | F::kSwapHold | F::kDial | F::kDrop | F::kSecureCall));
EXPECT_EQ(fs(w.features(a)), fs(F::kUnhold | F::kCompleteTransf | F::kDrop | F::kSecureCall));
  finish(w);
}

TEST(PbxTransferTest, CompleteTransferOfAnAnsweredConsultConnectsTheFarParties) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(4s);
  const CallId d = answer_newest(w, "203");
  w.run_until(12s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.complete_transfer(a, c, TransferMode::Transfer);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.op, Op::CompleteTransfer);
  EXPECT_EQ(r.call, a);
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(12s, a, l1, S::OnHoldPendTransfer, S::Idle),
                                       ev(12s, c, l1, S::Connected, S::Idle),
                                   }));
  // The far parties now talk to each other, with no state change of their own.
  EXPECT_EQ(w.state(b), S::Connected);
  EXPECT_EQ(w.state(d), S::Connected);
  EXPECT_EQ(peer_of(w, b), d);
  EXPECT_EQ(peer_of(w, d), b);
  EXPECT_EQ(w.features(a), 0u);
  EXPECT_EQ(w.features(c), 0u);
  EXPECT_EQ(fs(w.features(b)), fs(kTalking));
  EXPECT_EQ(fs(w.features(d)), fs(kTalking));
  EXPECT_EQ(w.pbx.stats().transfers, 1u);
  EXPECT_EQ(w.pbx.stats().conferences, 0u);
  // The transferer's handles stay valid (IDLE) until deallocated, with one record each: both
  // handed on by the transfer, so "transferred" (not "answered"): docs/cli.md, Outcomes.
  EXPECT_EQ(w.rec.record_of(a).outcome, Outcome::Transferred);
  EXPECT_EQ(w.rec.record_of(a).peer_serial, b.serial);
  EXPECT_EQ(w.rec.record_of(c).outcome, Outcome::Transferred);
  EXPECT_EQ(w.rec.record_of(c).peer_serial, d.serial);
  EXPECT_TRUE(w.pbx.deallocate(a).ok());
  EXPECT_TRUE(w.pbx.deallocate(c).ok());

  // The transferred call ends normally.
  w.run_until(20s);
  ASSERT_TRUE(w.pbx.drop(d).ok());
  EXPECT_EQ(w.state(b), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(b)->mode, M::Normal);
  ASSERT_TRUE(w.pbx.drop(b).ok());
  EXPECT_EQ(w.rec.record_of(b).peer_serial, d.serial);
  expect_all_idle(w);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxTransferTest, CompleteTransferWhileTheTargetRingsLetsTheTransfereeWaitForIt) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  w.run_until(4s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.complete_transfer(a, c, TransferMode::Transfer).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(4s, a, l1, S::OnHoldPendTransfer, S::Idle),
                                       ev(4s, c, l1, S::RingBack, S::Idle),  // RingBack/TransferredAway
                                   }));
  EXPECT_EQ(w.state(d), S::Offering);
  EXPECT_EQ(peer_of(w, b), d);
  w.run_until(10s);
  ASSERT_TRUE(w.pbx.answer(d).ok());
  EXPECT_EQ(w.state(d), S::Connected);
  EXPECT_EQ(w.state(b), S::Connected);
  EXPECT_EQ(peer_of(w, d), b);
  EXPECT_EQ(w.rec.events_of(b).size(), 2u) << "the transferee never left CONNECTED";
  // No supervision fires later.
  w.run_until(100s);
  EXPECT_EQ(w.state(b), S::Connected);
  EXPECT_EQ(w.state(d), S::Connected);
  EXPECT_EQ(w.pbx.stats().transfers, 1u);
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, TransferredCallThatIsNeverAnsweredEndsAfterTheNoAnswerTimeout) {
  World w(base_config());
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  w.run_until(4s);
  ASSERT_TRUE(w.pbx.complete_transfer(a, c, TransferMode::Transfer).ok());
  w.run_until(4s + kNoAnswer - 1ns);
  EXPECT_EQ(w.state(d), S::Offering);
  EXPECT_EQ(w.state(b), S::Connected);
  w.run_until(4s + kNoAnswer);
  EXPECT_EQ(w.rec.stamps_of(d), (std::vector<StateStamp>{{S::Offering, 2s + kToRinging},
                                                         {S::Disconnected, 34s},
                                                         {S::Idle, 34s}}));
  EXPECT_EQ(w.rec.last_event_of(b)->to, S::Disconnected);
  EXPECT_EQ(w.rec.last_event_of(b)->at, SimTime(34s));
  EXPECT_EQ(w.pbx.find_call(b)->mode, M::NoAnswer);
  EXPECT_EQ(w.rec.record_of(d).outcome, Outcome::Missed);
  ASSERT_TRUE(w.pbx.drop(b).ok());
  expect_all_idle(w);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxTransferTest, CompleteTransferToABusyConsultGivesTheTransfereeBusy) {
  PbxConfig cfg = base_config();
  line_cfg(cfg, "203").behavior = behavior(K::Busy);
  World w(cfg);
  const LineId l1 = w.line("201");
  const LineId l2 = w.line("202");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  EXPECT_EQ(w.state(c), S::Busy);
EXPECT_EQ(fs(w.features(a)), fs(F::kUnhold | F::kCompleteTransf | F::kDrop | F::kSecureCall));
  w.run_until(4s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.complete_transfer(a, c, TransferMode::Transfer).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(4s, a, l1, S::OnHoldPendTransfer, S::Idle),
                                       ev(4s, c, l1, S::Busy, S::Idle),  // Busy/TransferredAway
                                       ev(4s, b, l2, S::Connected, S::Disconnected, M::Busy),
                                   }));
  EXPECT_EQ(w.rec.record_of(c).outcome, Outcome::Transferred);
  ASSERT_TRUE(w.pbx.drop(b).ok());
  expect_all_idle(w);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxTransferTest, CompleteTransferWhileProceedingSendsTheTransfereeOnToTheNumber) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToProceeding);
  EXPECT_EQ(w.state(c), S::Proceeding);
EXPECT_EQ(fs(w.features(a)), fs(F::kUnhold | F::kCompleteTransf | F::kDrop | F::kSecureCall));
  w.run_until(2500ms);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.complete_transfer(a, c, TransferMode::Transfer).ok());
  const CallId d = w.newest_on("203");
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(2500ms, a, l1, S::OnHoldPendTransfer, S::Idle),
                ev(2500ms, c, l1, S::Proceeding, S::Idle),  // Proceeding/TransferredAway
                ev(2500ms, d, w.line("203"), S::Idle, S::Offering, M::None, R::Transfer),
            }));
  EXPECT_EQ(w.pbx.find_call(d)->reason, R::Transfer);
  EXPECT_EQ(peer_of(w, b), d);
  // The abandoned consult never rings 203 a second time.
  w.run_until(10s);
  EXPECT_EQ(w.pbx.line(w.line("203")).calls.size(), 1u);
  ASSERT_TRUE(w.pbx.answer(d).ok());
  EXPECT_EQ(w.state(b), S::Connected);
  EXPECT_EQ(peer_of(w, d), b);
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, CompleteTransferAfterSwapHoldTakesTheCallsInEitherOrder) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(4s);
  const CallId d = answer_newest(w, "203");
  w.run_until(5s);
  std::size_t mark = w.rec.events.size();
  // OnHoldPendTransfer/Retrieve: the consult goes on hold, the original comes back.
  ASSERT_TRUE(w.pbx.swap_hold(c, a).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(5s, c, l1, S::Connected, S::OnHold),
                                       ev(5s, a, l1, S::OnHoldPendTransfer, S::Connected),
                                   }));
  // (COMPLETETRANSF after a swap: see PbxFeaturesBugTest.CompleteTransfIsAdvertisedWherever...)
  EXPECT_EQ(fs(w.features(a) & ~F::kCompleteTransf), fs(F::kHold | F::kSwapHold | F::kDial | F::kDrop | F::kSecureCall));
  EXPECT_EQ(fs(w.features(c) & ~F::kCompleteTransf), fs(F::kDrop | F::kSecureCall));
  w.run_until(6s);
  mark = w.rec.events.size();
  // OnHold/CompleteTransfer and Connected/TransferredAway, named from the held consult.
  const OpResult r = w.pbx.complete_transfer(c, a, TransferMode::Transfer);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(6s, c, l1, S::OnHold, S::Idle),
                                       ev(6s, a, l1, S::Connected, S::Idle),
                                   }));
  EXPECT_EQ(peer_of(w, b), d);
  EXPECT_EQ(peer_of(w, d), b);
  EXPECT_EQ(w.pbx.stats().transfers, 1u);
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, CompleteTransferInConferenceModeMakesAThreePartyConference) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(4s);
  const CallId d = answer_newest(w, "203");
  w.run_until(5s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.complete_transfer(a, c, TransferMode::Conference);
  ASSERT_TRUE(r.ok()) << r;
  const CallId conf = r.call;
  ASSERT_TRUE(static_cast<bool>(conf));
  EXPECT_NE(conf, a);
  EXPECT_NE(conf, c);
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(5s, conf, l1, S::Idle, S::Connected),  // Idle/Join
                                       ev(5s, a, l1, S::OnHoldPendTransfer, S::Conferenced),
                                       ev(5s, c, l1, S::Connected, S::Conferenced),
                                   }));
  EXPECT_EQ(w.pbx.conference_related(conf), (std::vector<CallId>{conf, a, c}));
  EXPECT_EQ(w.pbx.conference_related(a), (std::vector<CallId>{conf, a, c}));
  EXPECT_EQ(w.pbx.conference_related(c), (std::vector<CallId>{conf, a, c}));
  EXPECT_TRUE(w.pbx.conference_related(b).empty());
  EXPECT_EQ(fs(w.features(conf)), fs(F::kHold | F::kPrepareAddConf | F::kDrop));
  EXPECT_EQ(fs(w.features(a)), fs(kMember));
  EXPECT_EQ(fs(w.features(c)), fs(kMember));
  EXPECT_EQ(w.state(b), S::Connected);
  EXPECT_EQ(w.state(d), S::Connected);
  EXPECT_EQ(w.pbx.stats().conferences, 1u);
  EXPECT_EQ(w.pbx.stats().conference_max_size, 2u);
  EXPECT_EQ(w.pbx.stats().transfers, 0u);
  finish(w);  // (shutdown's count: see PbxCallControlEndBugTest)
}

TEST(PbxTransferTest, CompleteTransferInConferenceModeFromSwappedCalls) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(4s);
  answer_newest(w, "203");
  ASSERT_TRUE(w.pbx.swap_hold(c, a).ok());
  w.run_until(5s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.complete_transfer(a, c, TransferMode::Conference);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(5s, r.call, l1, S::Idle, S::Connected),
                                       ev(5s, c, l1, S::OnHold, S::Conferenced),  // OnHold/CompleteTransferConf
                                       ev(5s, a, l1, S::Connected, S::Conferenced),
                                   }));
  EXPECT_EQ(w.pbx.conference_related(a), (std::vector<CallId>{r.call, c, a}));
  finish(w);  // (shutdown's count: see PbxCallControlEndBugTest)
}

TEST(PbxTransferTest, CompleteTransferInConferenceModeWhileTheConsultRings) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  w.run_until(4s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.complete_transfer(a, c, TransferMode::Conference);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(4s, r.call, l1, S::Idle, S::Connected),
                                       ev(4s, a, l1, S::OnHoldPendTransfer, S::Conferenced),
                                       ev(4s, c, l1, S::RingBack, S::Conferenced),  // RingBack/JoinConference
                                   }));
  EXPECT_EQ(w.state(d), S::Offering);
  w.run_until(6s);
  ASSERT_TRUE(w.pbx.answer(d).ok());
  EXPECT_EQ(w.state(d), S::Connected);
  EXPECT_EQ(w.state(c), S::Conferenced);
  EXPECT_EQ(peer_of(w, d), c);
  finish(w);  // (shutdown's count: see PbxCallControlEndBugTest)
}

TEST(PbxTransferTest, CompleteTransferInConferenceModeWhileTheConsultIsProceeding) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2500ms);
  ASSERT_EQ(w.state(c), S::Proceeding);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.complete_transfer(a, c, TransferMode::Conference);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(2500ms, r.call, l1, S::Idle, S::Connected),
                                       ev(2500ms, a, l1, S::OnHoldPendTransfer, S::Conferenced),
                                       ev(2500ms, c, l1, S::Proceeding, S::Conferenced),  // Proceeding/JoinConference
                                   }));
  finish(w);
}

TEST(PbxTransferBugTest, PartyJoinedWhileProceedingIsStillRung) {
  World w(base_config());
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2500ms);
  ASSERT_TRUE(w.pbx.complete_transfer(a, c, TransferMode::Conference).ok());
  w.run_until(2s + kToRinging);
  ASSERT_EQ(w.pbx.line(w.line("203")).calls.size(), 1u) << "203 was never offered the call";
  const CallId d = w.newest_on("203");
  EXPECT_EQ(w.rec.stamps_of(d), (std::vector<StateStamp>{{S::Offering, 2s + kToRinging}}));
  ASSERT_TRUE(w.pbx.answer(d).ok());
  EXPECT_EQ(peer_of(w, d), c);
  finish(w);
}

TEST(PbxTransferBugTest, PartyJoinedWhileRingingIsUnderNoAnswerSupervision) {
  World w(base_config());
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  ASSERT_TRUE(w.pbx.complete_transfer(a, c, TransferMode::Conference).ok());
  w.run_until(2s + kToRinging + kNoAnswer + 1s);
  EXPECT_EQ(w.state(d), S::Idle) << "the unanswered party still rings";
  EXPECT_EQ(w.pbx.find_call(d)->mode, M::NoAnswer);
  EXPECT_EQ(w.state(c), S::Idle);
  EXPECT_EQ(w.state(a), S::Connected) << "the conference collapses to the original call";
  finish(w);
}

TEST(PbxTransferTest, UnholdOfThePendingOriginalIdlesTheConsultCall) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  w.run_until(5s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.unhold(a);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.call, a);
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(5s, d, w.line("203"), S::Offering, S::Disconnected, M::Normal),
                ev(5s, d, w.line("203"), S::Disconnected, S::Idle, M::Normal),
                ev(5s, c, l1, S::RingBack, S::Idle, M::Normal),
                ev(5s, a, l1, S::OnHoldPendTransfer, S::Connected),  // OnHoldPendTransfer/Unhold
            }));
  EXPECT_EQ(peer_of(w, a), b);
  EXPECT_EQ(fs(w.features(a)), fs(kTalking));
  EXPECT_FALSE(static_cast<bool>(w.pbx.find_call(a)->consult));
  EXPECT_EQ(w.pbx.stats().transfers, 0u);
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, DroppingTheConsultWithAutoreconnectReconnectsTheOriginal) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = true;
  World w(cfg);
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(4s);
  const CallId d = answer_newest(w, "203");
  w.run_until(6s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(c).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(6s, d, w.line("203"), S::Connected, S::Disconnected, M::Normal),
                ev(6s, c, l1, S::Connected, S::Idle, M::Normal),
                ev(6s, a, l1, S::OnHoldPendTransfer, S::Connected),  // OnHoldPendTransfer/Retrieve
            }));
  EXPECT_EQ(fs(w.features(a)), fs(kTalking));
  ASSERT_TRUE(w.pbx.drop(d).ok());
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, DroppingTheConsultWithoutAutoreconnectLeavesTheOriginalPending) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = false;
  World w(cfg);
  const LineId l1 = w.line("201");
  const auto ab = talk(w, "201", "202");
  const auto a = ab.caller;
  [[maybe_unused]] const auto b = ab.callee;
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(4s);
  const CallId d = answer_newest(w, "203");
  w.run_until(6s);
  ASSERT_TRUE(w.pbx.drop(c).ok());
  w.run_until(60s);
  EXPECT_EQ(w.state(a), S::OnHoldPendTransfer);
  EXPECT_EQ(w.rec.events_of(a).back().to, S::OnHoldPendTransfer);
  // No consult any more: only unhold or drop.
EXPECT_EQ(fs(w.features(a)), fs(F::kUnhold | F::kDrop | F::kSecureCall));
  EXPECT_TRUE(refused(w, E::InvalCallState,  // c is over
                      [&] { return w.pbx.complete_transfer(a, c, TransferMode::Transfer); }));
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.unhold(a).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{ev(60s, a, l1, S::OnHoldPendTransfer, S::Connected)}));
  ASSERT_TRUE(w.pbx.drop(d).ok());
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, ConsultTargetThatNeverAnswersBringsTheOriginalBackWithAutoreconnect) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = true;
  cfg.profile.consult_timeout = 10s;
  World w(cfg);
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  const SimTime timeout = 2s + kToRinging + 10s;
  w.run_until(timeout - 1ns);
  EXPECT_EQ(w.state(c), S::RingBack);
  const std::size_t mark = w.rec.events.size();
  w.run_until(timeout);
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(timeout, d, w.line("203"), S::Offering, S::Disconnected, M::NoAnswer),
                ev(timeout, d, w.line("203"), S::Disconnected, S::Idle, M::NoAnswer),
                ev(timeout, c, l1, S::RingBack, S::Disconnected, M::NoAnswer),
                ev(timeout, c, l1, S::Disconnected, S::Idle, M::NoAnswer),
                ev(timeout, a, l1, S::OnHoldPendTransfer, S::Connected),
            }));
  EXPECT_EQ(peer_of(w, a), b);
  EXPECT_EQ(finish(w), 2u);
}

// docs/tapi-conformance.md, edge case 5: a consult target that never answers gives the original back after a timeout;
// unlike a dropped consult, this does not depend on AUTORECONNECT.
TEST(PbxTransferTest, ConsultTargetThatNeverAnswersBringsTheOriginalBackWithoutAutoreconnectToo) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = false;
  cfg.profile.consult_timeout = 10s;
  World w(cfg);
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  const SimTime timeout = 2s + kToRinging + 10s;
  w.run_until(timeout - 1ns);
  EXPECT_EQ(w.state(a), S::OnHoldPendTransfer);
  const std::size_t mark = w.rec.events.size();
  w.run_until(timeout);
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(timeout, d, w.line("203"), S::Offering, S::Disconnected, M::NoAnswer),
                ev(timeout, d, w.line("203"), S::Disconnected, S::Idle, M::NoAnswer),
                ev(timeout, c, l1, S::RingBack, S::Disconnected, M::NoAnswer),
                ev(timeout, c, l1, S::Disconnected, S::Idle, M::NoAnswer),
                ev(timeout, a, l1, S::OnHoldPendTransfer, S::Connected),
            }));
  EXPECT_EQ(peer_of(w, a), b);
  EXPECT_EQ(fs(w.features(a)), fs(kTalking));
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, ConsultWithoutTimeoutOptionGivesUpAfterTheNoAnswerTimeout) {
  World w(base_config());
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging + kNoAnswer - 1ns);
  EXPECT_EQ(w.state(c), S::RingBack);
  w.run_until(2s + kToRinging + kNoAnswer);
  EXPECT_EQ(w.state(c), S::Idle);
  EXPECT_EQ(w.rec.record_of(c).mode, M::NoAnswer);
  EXPECT_EQ(w.state(a), S::Connected);
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, TransfereeHangingUpWhilePendingDisconnectsTheOriginal) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto ab = talk(w, "201", "202");
  const auto a = ab.caller;
  [[maybe_unused]] const auto b = ab.callee;
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(4s);
  const CallId d = answer_newest(w, "203");
  w.run_until(5s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(b).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(5s, a, l1, S::OnHoldPendTransfer, S::Disconnected, M::Normal),  // FarDisconnect
                ev(5s, b, w.line("202"), S::Connected, S::Idle, M::Normal),
            }));
  // Nothing left to transfer.
  EXPECT_EQ(fs(w.features(a)), fs(F::kDrop));
  EXPECT_TRUE(refused(w, E::InvalCallState,
                      [&] { return w.pbx.complete_transfer(a, c, TransferMode::Transfer); }));
  ASSERT_TRUE(w.pbx.drop(a).ok());
  // The consult call goes on as a plain call.
  EXPECT_EQ(w.state(c), S::Connected);
  EXPECT_EQ(peer_of(w, c), d);
  EXPECT_FALSE(static_cast<bool>(w.pbx.find_call(c)->consult_of));
  EXPECT_EQ(fs(w.features(c)), fs(kTalking));
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, DroppingThePendingOriginalLeavesTheConsultAsAPlainCall) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  w.run_until(5s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(a).ok());  // OnHoldPendTransfer/Drop
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(5s, b, w.line("202"), S::Connected, S::Disconnected, M::Normal),
                ev(5s, a, l1, S::OnHoldPendTransfer, S::Idle, M::Normal),
            }));
  EXPECT_EQ(w.state(c), S::RingBack);
  ASSERT_TRUE(w.pbx.answer(d).ok());
  EXPECT_EQ(fs(w.features(c)), fs(kTalking));
  ASSERT_TRUE(w.pbx.drop(b).ok());
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxTransferTest, SetupTransferRefusalsChangeNothing) {
  PbxConfig cfg = base_config();
  World w(cfg);
  const auto ab = talk(w, "201", "202");
  const auto a = ab.caller;
  [[maybe_unused]] const auto b = ab.callee;
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.setup_transfer(CallId{}, "203"); }));
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.setup_transfer(CallId{40, 4000}, "203"); }));
  EXPECT_TRUE(refused(w, E::InvalAddress, [&] { return w.pbx.setup_transfer(a, "20x"); }));
  EXPECT_TRUE(refused(w, E::InvalAddress, [&] { return w.pbx.setup_transfer(a, "20;1"); }));
  ASSERT_TRUE(w.pbx.hold(a).ok());
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_transfer(a, "203"); }));
  ASSERT_TRUE(w.pbx.unhold(a).ok());
  const CallId c = w.pbx.setup_transfer(a, "").consult;
  // Not twice, and not from the pending original or its consult.
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_transfer(a, "203"); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_transfer(c, "203"); }));
  ASSERT_TRUE(w.pbx.dial(c, "203").ok());
  w.run_until(w.sched.now() + 240ms + 1s);
  const CallId d = answer_newest(w, "203");
  EXPECT_EQ(w.state(c), S::Connected);
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_transfer(c, "204"); }));
  // An offered call cannot be transferred this way either.
  const CallId x = w.call("204", "205");
  w.run_until(w.sched.now() + kToRinging);
  const CallId y = w.newest_on("205");
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_transfer(y, "206"); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_transfer(x, "206"); }));
  (void)d;
  finish(w);
}

TEST(PbxTransferTest, SetupTransferBeyondTheCallAppearancesIsCallUnavail) {
  PbxConfig cfg = base_config();
  cfg.profile.max_calls_per_line = 1;
  World w(cfg);
  const CallId a = talk(w, "201", "202").caller;
  EXPECT_TRUE(refused(w, E::CallUnavail, [&] { return w.pbx.setup_transfer(a, "203"); }));
  finish(w);
}

TEST(PbxTransferTest, CompleteTransferRefusalsChangeNothing) {
  PbxConfig cfg = base_config();
  World w(cfg);
  const auto ab = talk(w, "201", "202");
  const auto a = ab.caller;
  [[maybe_unused]] const auto b = ab.callee;
  const CallId other = talk(w, "204", "205").caller;
  const CallId c = w.pbx.setup_transfer(a, "").consult;
  const auto T = TransferMode::Transfer;
  const auto C = TransferMode::Conference;
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.complete_transfer(CallId{}, c, T); }));
  EXPECT_TRUE(refused(w, E::InvalConsultCallHandle, [&] { return w.pbx.complete_transfer(a, CallId{}, T); }));
  EXPECT_TRUE(refused(w, E::InvalConsultCallHandle, [&] { return w.pbx.complete_transfer(a, CallId{77, 7777}, C); }));
  // A call that is not this call's consultation call.
  EXPECT_TRUE(refused(w, E::InvalConsultCallHandle, [&] { return w.pbx.complete_transfer(a, other, T); }));
  EXPECT_TRUE(refused(w, E::InvalConsultCallHandle, [&] { return w.pbx.complete_transfer(a, a, T); }));
  EXPECT_TRUE(refused(w, E::InvalConsultCallHandle, [&] { return w.pbx.complete_transfer(a, b, T); }));
  // The consult call still has only dial tone.
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.complete_transfer(a, c, T); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.complete_transfer(a, c, C); }));
  ASSERT_TRUE(w.pbx.dial(c, "203").ok());
  w.run_until(w.sched.now() + 240ms + 1s);
  answer_newest(w, "203");
  // Both calls held: the consult is no longer CONNECTED/RINGBACK/BUSY/PROCEEDING.
  ASSERT_TRUE(w.pbx.hold(c).ok());
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.complete_transfer(a, c, T); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.complete_transfer(c, a, C); }));
  finish(w);
}

TEST(PbxTransferTest, CompleteTransferInConferenceModeWithoutACallAppearanceIsCallUnavail) {
  PbxConfig cfg = base_config();
  cfg.profile.max_calls_per_line = 2;
  World w(cfg);
  const CallId a = talk(w, "201", "202").caller;
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(w.sched.now() + kToRinging);
  answer_newest(w, "203");
  EXPECT_TRUE(refused(w, E::CallUnavail,
                      [&] { return w.pbx.complete_transfer(a, c, TransferMode::Conference); }));
  // TRANSFER needs no new call.
  EXPECT_TRUE(w.pbx.complete_transfer(a, c, TransferMode::Transfer).ok());
  finish(w);
}

// ================================================================================================
// blind_transfer
// ================================================================================================

TEST(PbxBlindTransferTest, TransfererGoesIdleAndTheFarPartyIsOfferedWithReasonTransfer) {
  World w(base_config());
  const LineId l2 = w.line("202");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(3s);
  const std::size_t mark = w.rec.events.size();
  // The callee transfers its caller.
  const OpResult r = w.pbx.blind_transfer(b, "203");
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.op, Op::BlindTransfer);
  EXPECT_EQ(r.call, b);
  const CallId d = w.newest_on("203");
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(3s, b, l2, S::Connected, S::Idle),  // Connected/BlindTransfer
                ev(3s, d, w.line("203"), S::Idle, S::Offering, M::None, R::Transfer),
            }));
  const Call* offered = w.pbx.find_call(d);
  EXPECT_EQ(offered->reason, R::Transfer);
  EXPECT_EQ(offered->from, "201");
  EXPECT_EQ(offered->to, "203");
  EXPECT_EQ(peer_of(w, a), d);
  EXPECT_EQ(w.state(a), S::Connected);
  EXPECT_EQ(w.pbx.stats().transfers, 1u);
  EXPECT_EQ(w.features(b), 0u);
  w.run_until(5s);
  ASSERT_TRUE(w.pbx.answer(d).ok());
  EXPECT_EQ(w.state(a), S::Connected);
  EXPECT_EQ(w.rec.events_of(a).size(), 5u) << "the transferee never left CONNECTED";
  EXPECT_EQ(peer_of(w, d), a);
  EXPECT_EQ(w.rec.record_of(b).outcome, Outcome::Transferred);
  ASSERT_TRUE(w.pbx.drop(a).ok());
  ASSERT_TRUE(w.pbx.drop(d).ok());
  expect_all_idle(w);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxBlindTransferTest, BlindTransferToABusyTargetGivesTheTransfereeBusy) {
  PbxConfig cfg = base_config();
  line_cfg(cfg, "203").behavior = behavior(K::Busy);
  cfg.profile.transfer_recall = false;
  World w(cfg);
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(3s);
  ASSERT_TRUE(w.pbx.blind_transfer(a, "203").ok());
  EXPECT_EQ(w.state(a), S::Idle) << "the transferer is IDLE whatever happens next";
  EXPECT_EQ(w.state(b), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(b)->mode, M::Busy);
  EXPECT_EQ(w.rec.stamps_of(b).back(), (StateStamp{S::Disconnected, 3s}));
  EXPECT_EQ(w.pbx.stats().transfers, 1u);
  ASSERT_TRUE(w.pbx.drop(b).ok());
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxBlindTransferTest, BlindTransferToABusyTargetRecallsTheTransfererWhenConfigured) {
  PbxConfig cfg = base_config();
  line_cfg(cfg, "203").behavior = behavior(K::Busy);
  cfg.profile.transfer_recall = true;
  World w(cfg);
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(3s);
  ASSERT_TRUE(w.pbx.blind_transfer(a, "203").ok());
  EXPECT_EQ(w.state(a), S::Idle);
  const CallId back = w.newest_on("201");
  ASSERT_NE(back, a);
  EXPECT_EQ(w.rec.stamps_of(back), (std::vector<StateStamp>{{S::Offering, 3s}}));
  EXPECT_EQ(w.pbx.find_call(back)->reason, R::Reminder);
  EXPECT_EQ(peer_of(w, b), back);
  EXPECT_EQ(w.state(b), S::Connected);
  w.run_until(4s);
  ASSERT_TRUE(w.pbx.answer(back).ok());
  EXPECT_EQ(peer_of(w, back), b);
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxBlindTransferTest, UnansweredBlindTransferEndsAfterTheNoAnswerTimeout) {
  World w(base_config());
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(3s);
  ASSERT_TRUE(w.pbx.blind_transfer(a, "203").ok());
  const CallId d = w.newest_on("203");
  w.run_until(33s - 1ns);
  EXPECT_EQ(w.state(d), S::Offering);
  w.run_until(33s);
  EXPECT_EQ(w.state(d), S::Idle);
  EXPECT_EQ(w.state(b), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(b)->mode, M::NoAnswer);
  ASSERT_TRUE(w.pbx.drop(b).ok());
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxBlindTransferTest, RefusalsDialNothingAndChangeNothing) {
  World w(base_config());
  const auto ab = talk(w, "201", "202");
  const auto a = ab.caller;
  [[maybe_unused]] const auto b = ab.callee;
  for (const char* bad : {"", "20", "999", "2031", "20x", "#"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(refused(w, E::InvalAddress, [&] { return w.pbx.blind_transfer(a, bad); }));
  }
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.blind_transfer(CallId{}, "203"); }));
  ASSERT_TRUE(w.pbx.hold(a).ok());
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.blind_transfer(a, "203"); }));
  ASSERT_TRUE(w.pbx.unhold(a).ok());
  const CallId x = w.call("204", "205");
  w.run_until(w.sched.now() + kToRinging);
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.blind_transfer(x, "203"); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.blind_transfer(w.newest_on("205"), "203"); }));
  EXPECT_EQ(w.pbx.stats().transfers, 0u);
  finish(w);
}

// ================================================================================================
// Conferences
// ================================================================================================

struct Conference {
  CallId conf, a, b, c, d;  // a/b: original call (201/202), c/d: the added party (201/203)
};

/// 201 calls 202, sets up a conference and adds 203: a three-party conference at `now`+5 s.
Conference three_party(World& w) {
  Conference k;
  const SimTime t0 = w.sched.now();
  const Pair p = talk(w, "201", "202");
  k.a = p.caller;
  k.b = p.callee;
  w.run_until(t0 + 2s);
  const OpResult r = w.pbx.setup_conference(k.a, "203");
  EXPECT_TRUE(r.ok()) << r;
  k.conf = r.call;
  k.c = r.consult;
  w.run_until(t0 + 2s + kToRinging);
  k.d = answer_newest(w, "203");
  w.run_until(t0 + 5s);
  EXPECT_TRUE(w.pbx.add_to_conference(k.conf, k.c).ok());
  return k;
}

TEST(PbxConferenceTest, SetupConferenceCreatesAPendingConferenceAndAConsultCall) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.setup_conference(a, "203");
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.op, Op::SetupConference);
  const CallId conf = r.call;
  const CallId c = r.consult;
  ASSERT_TRUE(conf && c);
  EXPECT_NE(conf, a);
  EXPECT_NE(c, a);
  EXPECT_NE(conf, c);
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(2s, conf, l1, S::Idle, S::OnHoldPendConf),  // Idle/ConfCreate
                                       ev(2s, a, l1, S::Connected, S::Conferenced),   // Connected/SetupConference
                                       ev(2s, c, l1, S::Idle, S::DialTone),
                                   }));
  EXPECT_EQ(w.pbx.find_call(conf)->line, l1);
  EXPECT_TRUE(w.pbx.find_call(conf)->is_conference);
  EXPECT_EQ(w.pbx.conference_related(a), (std::vector<CallId>{conf, a}));
  EXPECT_EQ(w.pbx.conference_related(conf), (std::vector<CallId>{conf, a}));
  EXPECT_TRUE(w.pbx.conference_related(c).empty());
  EXPECT_EQ(w.pbx.stats().conferences, 1u);
  EXPECT_EQ(w.pbx.stats().conference_max_size, 1u);
  // No ADDTOCONF while the consult has only dial tone.
  EXPECT_EQ(fs(w.features(conf)), fs(F::kUnhold | F::kDrop));
  EXPECT_EQ(fs(w.features(a)), fs(kMember));
EXPECT_EQ(fs(w.features(c)), fs(F::kDial | F::kDrop | F::kSecureCall));
  EXPECT_EQ(w.state(b), S::Connected);
  w.run_until(2s + kToRinging);
  EXPECT_EQ(w.rec.stamps_of(c), (std::vector<StateStamp>{{S::DialTone, 2s},
                                                         {S::Dialing, 2s + kToDialing},
                                                         {S::Proceeding, 2s + kToProceeding},
                                                         {S::RingBack, 2s + kToRinging}}));
  EXPECT_EQ(fs(w.features(conf)), fs(F::kUnhold | F::kAddToConf | F::kDrop));
EXPECT_EQ(fs(w.features(c)), fs(F::kDial | F::kDrop | F::kCompleteCall | F::kSecureCall));
  w.run_until(4s);
  answer_newest(w, "203");
EXPECT_EQ(fs(w.features(c)), fs(F::kHold | F::kSwapHold | F::kDial | F::kDrop | F::kSecureCall));
  finish(w);
}

TEST(PbxConferenceTest, AddToConferenceJoinsTheConsultAndReconnectsTheConference) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const OpResult setup = w.pbx.setup_conference(a, "203");
  const CallId conf = setup.call;
  const CallId c = setup.consult;
  w.run_until(4s);
  const CallId d = answer_newest(w, "203");
  w.run_until(5s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.add_to_conference(conf, c);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.op, Op::AddToConference);
  EXPECT_EQ(r.call, conf);
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(5s, c, l1, S::Connected, S::Conferenced),      // Connected/JoinConference
                                       ev(5s, conf, l1, S::OnHoldPendConf, S::Connected),  // OnHoldPendConf/AddToConference
                                   }));
  EXPECT_EQ(w.pbx.conference_related(c), (std::vector<CallId>{conf, a, c}));
  EXPECT_EQ(fs(w.features(conf)), fs(F::kHold | F::kPrepareAddConf | F::kDrop));
  EXPECT_EQ(fs(w.features(a)), fs(kMember));
  EXPECT_EQ(fs(w.features(c)), fs(kMember));
  EXPECT_EQ(w.state(b), S::Connected);
  EXPECT_EQ(w.state(d), S::Connected);
  EXPECT_EQ(w.pbx.stats().conferences, 1u);
  EXPECT_EQ(w.pbx.stats().conference_max_size, 2u);
  finish(w);  // (shutdown's count: see PbxCallControlEndBugTest)
}

TEST(PbxConferenceTest, ConferenceGrowsShrinksAndCollapsesIntoAPlainCall) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);  // conference complete at 5 s
  w.run_until(6s);
  std::size_t mark = w.rec.events.size();
  const OpResult prep = w.pbx.prepare_add_to_conference(k.conf, "204");
  ASSERT_TRUE(prep.ok()) << prep;
  EXPECT_EQ(prep.op, Op::PrepareAddToConference);
  EXPECT_EQ(prep.call, k.conf);
  const CallId c2 = prep.consult;
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(6s, k.conf, l1, S::Connected, S::OnHoldPendConf),  // Connected/PrepareAddConf
                                       ev(6s, c2, l1, S::Idle, S::DialTone),
                                   }));
  EXPECT_EQ(fs(w.features(k.conf)), fs(F::kUnhold | F::kDrop));
  w.run_until(6s + kToRinging);
  const CallId e = w.newest_on("204");
  EXPECT_EQ(w.rec.stamps_of(e), (std::vector<StateStamp>{{S::Offering, 6s + kToRinging}}));
  EXPECT_EQ(fs(w.features(k.conf)), fs(F::kUnhold | F::kAddToConf | F::kDrop));
  w.run_until(8s);
  ASSERT_TRUE(w.pbx.answer(e).ok());
  w.run_until(9s);
  ASSERT_TRUE(w.pbx.add_to_conference(k.conf, c2).ok());
  EXPECT_EQ(w.pbx.conference_related(k.a), (std::vector<CallId>{k.conf, k.a, k.c, c2}));
  EXPECT_EQ(w.pbx.stats().conferences, 1u);
  EXPECT_EQ(w.pbx.stats().conference_max_size, 3u);

  // Remove the party on 203: four parties become three, no collapse.
  w.run_until(10s);
  mark = w.rec.events.size();
  const OpResult rm = w.pbx.remove_from_conference(k.c);
  ASSERT_TRUE(rm.ok()) << rm;
  EXPECT_EQ(rm.op, Op::RemoveFromConference);
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(10s, k.d, w.line("203"), S::Connected, S::Disconnected, M::Normal),
                ev(10s, k.c, l1, S::Conferenced, S::Idle),  // Conferenced/RemoveFromConf
            }));
  EXPECT_EQ(w.pbx.conference_related(k.a), (std::vector<CallId>{k.conf, k.a, c2}));
  EXPECT_TRUE(w.pbx.conference_related(k.c).empty());
  EXPECT_EQ(w.state(k.conf), S::Connected);

  // 204 hangs up: its member leaves by itself and the two-party remainder collapses.
  w.run_until(11s);
  mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(e).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(11s, c2, l1, S::Conferenced, S::Disconnected, M::Normal),  // Conferenced/FarDisconnect
                ev(11s, c2, l1, S::Disconnected, S::Idle, M::Normal),
                ev(11s, k.a, l1, S::Conferenced, S::Connected),  // Conferenced/Collapse
                ev(11s, k.conf, l1, S::Connected, S::Idle),
                ev(11s, e, w.line("204"), S::Connected, S::Idle, M::Normal),
            }));
  EXPECT_EQ(peer_of(w, k.a), k.b);
  EXPECT_TRUE(w.pbx.conference_related(k.a).empty());
  EXPECT_EQ(fs(w.features(k.a)), fs(kTalking));
  EXPECT_EQ(w.pbx.stats().conference_max_size, 3u);
  ASSERT_TRUE(w.pbx.drop(k.a).ok());
  ASSERT_TRUE(w.pbx.drop(k.b).ok());
  ASSERT_TRUE(w.pbx.drop(k.d).ok());
  expect_all_idle(w);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxConferenceTest, RemovingOneOfTwoPartiesCollapsesTheConference) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(8s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.remove_from_conference(k.a).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(8s, k.b, w.line("202"), S::Connected, S::Disconnected, M::Normal),
                ev(8s, k.a, l1, S::Conferenced, S::Idle),
                ev(8s, k.c, l1, S::Conferenced, S::Connected),
                ev(8s, k.conf, l1, S::Connected, S::Idle),
            }));
  EXPECT_EQ(peer_of(w, k.c), k.d);
  EXPECT_EQ(fs(w.features(k.c)), fs(kTalking));
  EXPECT_EQ(w.features(k.conf), 0u);
  EXPECT_EQ(finish(w), 3u);
}

TEST(PbxConferenceTest, ControllerDroppingAMemberCollapsesTheConference) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(8s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(k.c).ok());  // Conferenced/Drop
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(8s, k.d, w.line("203"), S::Connected, S::Disconnected, M::Normal),
                ev(8s, k.c, l1, S::Conferenced, S::Idle, M::Normal),
                ev(8s, k.a, l1, S::Conferenced, S::Connected),
                ev(8s, k.conf, l1, S::Connected, S::Idle),
            }));
  EXPECT_EQ(finish(w), 3u);
}

TEST(PbxConferenceTest, DroppingTheConferenceWithConfdropDropsEveryParty) {
  PbxConfig cfg = base_config();
  cfg.profile.confdrop = true;
  World w(cfg);
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(8s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(k.conf).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(8s, k.b, w.line("202"), S::Connected, S::Disconnected, M::Normal),
                ev(8s, k.a, l1, S::Conferenced, S::Idle, M::Normal),
                ev(8s, k.d, w.line("203"), S::Connected, S::Disconnected, M::Normal),
                ev(8s, k.c, l1, S::Conferenced, S::Idle, M::Normal),
                ev(8s, k.conf, l1, S::Connected, S::Idle, M::Normal),
            }));
  ASSERT_TRUE(w.pbx.drop(k.b).ok());
  ASSERT_TRUE(w.pbx.drop(k.d).ok());
  expect_all_idle(w);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxConferenceTest, DroppingTheConferenceWithoutConfdropLeavesTheOthersTalking) {
  PbxConfig cfg = base_config();
  cfg.profile.confdrop = false;
  World w(cfg);
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(8s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(k.conf).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(8s, k.a, l1, S::Conferenced, S::Idle, M::Normal),
                ev(8s, k.c, l1, S::Conferenced, S::Idle, M::Normal),
                ev(8s, k.conf, l1, S::Connected, S::Idle, M::Normal),
            }));
  EXPECT_EQ(w.state(k.b), S::Connected);
  EXPECT_EQ(w.state(k.d), S::Connected);
  EXPECT_EQ(peer_of(w, k.b), k.d);
  EXPECT_EQ(peer_of(w, k.d), k.b);
  w.run_until(9s);
  ASSERT_TRUE(w.pbx.drop(k.b).ok());
  EXPECT_EQ(w.state(k.d), S::Disconnected);
  ASSERT_TRUE(w.pbx.drop(k.d).ok());
  EXPECT_EQ(w.rec.record_of(k.b).peer_serial, k.d.serial);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxConferenceTest, DroppingALargerConferenceWithoutConfdropLeavesAllOthersTalking) {
  PbxConfig cfg = base_config();
  cfg.profile.confdrop = false;
  World w(cfg);
  const Conference k = three_party(w);  // complete at 5 s
  w.run_until(6s);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
  w.run_until(8s);
  const CallId e = answer_newest(w, "204");
  ASSERT_TRUE(w.pbx.add_to_conference(k.conf, c2).ok());
  w.run_until(10s);
  ASSERT_TRUE(w.pbx.drop(k.conf).ok());
  // The controller's calls all end here...
  for (CallId id : {k.conf, k.a, k.c, c2}) {
    EXPECT_EQ(w.state(id), S::Idle) << to_string(id);
    EXPECT_EQ(w.rec.stamps_of(id).back(), (StateStamp{S::Idle, 10s})) << to_string(id);
  }
  // ...while the three others go on talking, without an event of their own, on the PBX's bridge.
  std::vector<CallId> bridge;
  for (CallId id : {k.b, k.d, e}) {
    EXPECT_EQ(w.state(id), S::Connected) << to_string(id);
    EXPECT_LT(w.rec.last_event_of(id)->at, SimTime(10s)) << to_string(id);
    const CallId leg = peer_of(w, id);
    ASSERT_TRUE(static_cast<bool>(leg)) << to_string(id);
    EXPECT_NE(w.pbx.find_call(leg)->line, w.line("201"));
    EXPECT_EQ(w.state(leg), S::Conferenced);
    const auto related = w.pbx.conference_related(leg);
    EXPECT_EQ(related.size(), 4u);
    if (bridge.empty()) bridge = related;
    EXPECT_EQ(related, bridge);
  }
  // When only one party is left on the bridge it is released.
  w.run_until(20s);
  ASSERT_TRUE(w.pbx.drop(k.b).ok());
  EXPECT_EQ(w.state(k.d), S::Connected);
  EXPECT_EQ(w.state(e), S::Connected);
  w.run_until(30s);
  ASSERT_TRUE(w.pbx.drop(k.d).ok());
  EXPECT_EQ(w.state(e), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(e)->mode, M::Normal);
  EXPECT_EQ(w.rec.stamps_of(e).back(), (StateStamp{S::Disconnected, 30s}));
  ASSERT_TRUE(w.pbx.drop(e).ok());
  expect_all_idle(w);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxConferenceTest, PendingConferenceUnholdIdlesTheConsultCall) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(6s);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
  w.run_until(6s + kToRinging);
  const CallId e = w.newest_on("204");
  w.run_until(8s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.unhold(k.conf).ok());  // OnHoldPendConf/Unhold
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(8s, e, w.line("204"), S::Offering, S::Disconnected, M::Normal),
                ev(8s, e, w.line("204"), S::Disconnected, S::Idle, M::Normal),
                ev(8s, c2, l1, S::RingBack, S::Idle, M::Normal),
                ev(8s, k.conf, l1, S::OnHoldPendConf, S::Connected),
            }));
  EXPECT_EQ(w.pbx.conference_related(k.conf), (std::vector<CallId>{k.conf, k.a, k.c}));
  EXPECT_EQ(fs(w.features(k.conf)), fs(F::kHold | F::kPrepareAddConf | F::kDrop));
  finish(w);  // (shutdown's count: see PbxCallControlEndBugTest)
}

TEST(PbxConferenceTest, SwapBetweenTheConsultAndTheConferenceThenAddFromHold) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(6s);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
  w.run_until(8s);
  answer_newest(w, "204");
  std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.swap_hold(c2, k.conf).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(8s, c2, l1, S::Connected, S::OnHold),
                                       ev(8s, k.conf, l1, S::OnHoldPendConf, S::Connected),  // OnHoldPendConf/Retrieve
                                   }));
  w.run_until(9s);
  mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.swap_hold(k.conf, c2).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(9s, k.conf, l1, S::Connected, S::OnHold),  // Connected/SwapHold
                                       ev(9s, c2, l1, S::OnHold, S::Connected),
                                   }));
  EXPECT_EQ(fs(w.features(k.conf)), fs(F::kAddToConf | F::kDrop));
  w.run_until(10s);
  mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.add_to_conference(k.conf, c2).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(10s, c2, l1, S::Connected, S::Conferenced),
                                       ev(10s, k.conf, l1, S::OnHold, S::Connected),  // OnHold/AddToConference
                                   }));
  EXPECT_EQ(w.pbx.conference_related(k.conf), (std::vector<CallId>{k.conf, k.a, k.c, c2}));
  EXPECT_EQ(w.pbx.stats().conference_max_size, 3u);
  EXPECT_EQ(finish(w), 7u);
}

TEST(PbxConferenceTest, AddingARingingConsultJoinsItBeforeTheAnswer) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(6s);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
  w.run_until(6s + kToRinging);
  const CallId e = w.newest_on("204");
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.add_to_conference(k.conf, c2).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(6s + kToRinging, c2, l1, S::RingBack, S::Conferenced),
                                       ev(6s + kToRinging, k.conf, l1, S::OnHoldPendConf, S::Connected),
                                   }));
  w.run_until(9s);
  ASSERT_TRUE(w.pbx.answer(e).ok());
  EXPECT_EQ(peer_of(w, e), c2);
  EXPECT_EQ(w.state(c2), S::Conferenced);
  EXPECT_EQ(finish(w), 7u);
}

TEST(PbxConferenceTest, DroppingAPendingConferenceDropsItsConsultToo) {
  World w(base_config());
  const Conference k = three_party(w);
  w.run_until(6s);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
  w.run_until(8s);
  const CallId e = answer_newest(w, "204");
  ASSERT_TRUE(w.pbx.drop(k.conf).ok());  // OnHoldPendConf/Drop
  EXPECT_EQ(w.rec.stamps_of(k.conf).back(), (StateStamp{S::Idle, 8s}));
  for (CallId id : {k.conf, k.a, k.c, c2}) EXPECT_EQ(w.state(id), S::Idle) << to_string(id);
  for (CallId id : {k.b, k.d, e}) {
    EXPECT_EQ(w.state(id), S::Disconnected) << to_string(id);
    ASSERT_TRUE(w.pbx.drop(id).ok());
  }
  expect_all_idle(w);
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxConferenceTest, FullConferenceRefusesAnotherPartyWithConferenceFull) {
  PbxConfig cfg = base_config();
  cfg.profile.conference_max = 2;
  World w(cfg);
  const Conference k = three_party(w);
  EXPECT_EQ(fs(w.features(k.conf)), fs(F::kHold | F::kDrop)) << "no PREPAREADDCONF when full";
  EXPECT_TRUE(refused(w, E::ConferenceFull, [&] { return w.pbx.prepare_add_to_conference(k.conf, "204"); }));
  finish(w);
}

TEST(PbxConferenceTest, AddToAFullConferenceIsConferenceFull) {
  PbxConfig cfg = base_config();
  cfg.profile.conference_max = 1;  // room for the original party only
  World w(cfg);
  const auto [a, b] = talk(w, "201", "202");
  const OpResult setup = w.pbx.setup_conference(a, "203");
  ASSERT_TRUE(setup.ok());
  w.run_until(w.sched.now() + kToRinging);
  answer_newest(w, "203");
  EXPECT_EQ(w.features(setup.call) & F::kAddToConf, 0u);
  EXPECT_TRUE(refused(w, E::ConferenceFull, [&] { return w.pbx.add_to_conference(setup.call, setup.consult); }));
  finish(w);
}

TEST(PbxConferenceTest, SetupConferenceRefusalsChangeNothing) {
  World w(base_config());
  const auto ab = talk(w, "201", "202");
  const auto a = ab.caller;
  [[maybe_unused]] const auto b = ab.callee;
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.setup_conference(CallId{}, "203"); }));
  EXPECT_TRUE(refused(w, E::InvalAddress, [&] { return w.pbx.setup_conference(a, "2x3"); }));
  ASSERT_TRUE(w.pbx.hold(a).ok());
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_conference(a, "203"); }));
  ASSERT_TRUE(w.pbx.unhold(a).ok());
  const OpResult setup = w.pbx.setup_conference(a, "203");
  ASSERT_TRUE(setup.ok());
  // Not on a member, the conference or its consult.
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_conference(a, "204"); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_conference(setup.call, "204"); }));
  w.run_until(w.sched.now() + kToRinging);
  answer_newest(w, "203");
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_conference(setup.consult, "204"); }));
  // Not on the conference call once it is connected either.
  ASSERT_TRUE(w.pbx.add_to_conference(setup.call, setup.consult).ok());
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_conference(setup.call, "204"); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.setup_transfer(setup.call, "204"); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.blind_transfer(setup.call, "204"); }));
  finish(w);
}

TEST(PbxConferenceTest, SetupConferenceNeedsTwoCallAppearances) {
  PbxConfig cfg = base_config();
  cfg.profile.max_calls_per_line = 2;
  World w(cfg);
  const CallId a = talk(w, "201", "202").caller;
  EXPECT_TRUE(refused(w, E::CallUnavail, [&] { return w.pbx.setup_conference(a, "203"); }));
  finish(w);
}

TEST(PbxConferenceTest, PrepareAddToConferenceNeedsACallAppearance) {
  PbxConfig cfg = base_config();
  cfg.profile.max_calls_per_line = 3;  // original, conference and consult
  World w(cfg);
  const Conference k = three_party(w);
  EXPECT_TRUE(refused(w, E::CallUnavail, [&] { return w.pbx.prepare_add_to_conference(k.conf, "204"); }));
  finish(w);
}

TEST(PbxConferenceTest, PrepareAndAddRefusalsChangeNothing) {
  World w(base_config());
  const Conference k = three_party(w);
  const CallId other = talk(w, "204", "205").caller;
  // Not a conference call.
  EXPECT_TRUE(refused(w, E::InvalConfCallHandle, [&] { return w.pbx.prepare_add_to_conference(CallId{}, "204"); }));
  EXPECT_TRUE(refused(w, E::InvalConfCallHandle, [&] { return w.pbx.prepare_add_to_conference(k.a, "204"); }));
  EXPECT_TRUE(refused(w, E::InvalConfCallHandle, [&] { return w.pbx.prepare_add_to_conference(other, "206"); }));
  EXPECT_TRUE(refused(w, E::InvalConfCallHandle, [&] { return w.pbx.add_to_conference(CallId{}, k.c); }));
  EXPECT_TRUE(refused(w, E::InvalConfCallHandle, [&] { return w.pbx.add_to_conference(k.a, k.c); }));
  EXPECT_TRUE(refused(w, E::InvalAddress, [&] { return w.pbx.prepare_add_to_conference(k.conf, "2-4"); }));
  // The conference is CONNECTED: there is nothing to add.
  EXPECT_TRUE(refused(w, std::nullopt, [&] { return w.pbx.add_to_conference(k.conf, k.c); }));
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "").consult;
  // Already pending.
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.prepare_add_to_conference(k.conf, "206"); }));
  // A consult with only dial tone cannot join.
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.add_to_conference(k.conf, c2); }));
  // Not a call that can join: unknown, on another line, already a member, the conference itself.
  // (The error code is checked in PbxConferenceBugTest.AddToConferenceBadConsultIsInvalCallHandle.)
  EXPECT_TRUE(refused(w, std::nullopt, [&] { return w.pbx.add_to_conference(k.conf, CallId{}); }));
  EXPECT_TRUE(refused(w, std::nullopt, [&] { return w.pbx.add_to_conference(k.conf, other); }));
  EXPECT_TRUE(refused(w, std::nullopt, [&] { return w.pbx.add_to_conference(k.conf, k.c); }));
  EXPECT_TRUE(refused(w, std::nullopt, [&] { return w.pbx.add_to_conference(k.conf, k.conf); }));
  finish(w);
}

TEST(PbxConferenceBugTest, AddToConferenceBadConsultIsInvalCallHandle) {
  World w(base_config());
  const Conference k = three_party(w);
  const CallId other = talk(w, "204", "205").caller;
  w.pbx.prepare_add_to_conference(k.conf, "");
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.add_to_conference(k.conf, CallId{}); }));
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.add_to_conference(k.conf, other); }));
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.add_to_conference(k.conf, k.c); }));
  finish(w);
}

TEST(PbxConferenceTest, RemoveFromConferenceRefusalsChangeNothing) {
  World w(base_config());
  const Conference k = three_party(w);
  const CallId other = talk(w, "204", "205").caller;
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.remove_from_conference(CallId{}); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.remove_from_conference(k.conf); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.remove_from_conference(other); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.remove_from_conference(k.b); }));
  finish(w);
}

TEST(PbxConferenceTest, ConferenceRelatedCallsFollowTheConference) {
  World w(base_config());
  EXPECT_TRUE(w.pbx.conference_related(CallId{}).empty());
  const Conference k = three_party(w);
  const std::vector<CallId> all{k.conf, k.a, k.c};
  for (CallId id : all) EXPECT_EQ(w.pbx.conference_related(id), all) << to_string(id);
  EXPECT_TRUE(w.pbx.conference_related(k.b).empty());
  EXPECT_TRUE(w.pbx.conference_related(k.d).empty());
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "").consult;
  EXPECT_TRUE(w.pbx.conference_related(c2).empty()) << "a consult is not a participant yet";
  ASSERT_TRUE(w.pbx.drop(k.conf).ok());
  for (CallId id : {k.a, k.c, c2}) EXPECT_TRUE(w.pbx.conference_related(id).empty());
  finish(w);
}

// TAPI (lineSetupConference): "When dropping a consultation call, the existing conference call
// typically transitions back to the connected state." docs/tapi-conformance.md, edge case 6: AUTORECONNECT restores.
TEST(PbxConferenceTest, DroppingTheSetupConsultWithAutoreconnectReconnectsTheConferenceCall) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = true;
  World w(cfg);
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const OpResult setup = w.pbx.setup_conference(a, "203");
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  w.run_until(4s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(setup.consult).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(4s, d, w.line("203"), S::Offering, S::Disconnected, M::Normal),
                ev(4s, d, w.line("203"), S::Disconnected, S::Idle, M::Normal),
                ev(4s, setup.consult, l1, S::RingBack, S::Idle, M::Normal),
                ev(4s, setup.call, l1, S::OnHoldPendConf, S::Connected),  // OnHoldPendConf/Retrieve
            }));
  EXPECT_EQ(w.state(a), S::Conferenced);
  EXPECT_EQ(fs(w.features(setup.call)), fs(F::kHold | F::kPrepareAddConf | F::kDrop));
  // The conference can still take its next party.
  const CallId c2 = w.pbx.prepare_add_to_conference(setup.call, "204").consult;
  w.run_until(4s + kToRinging);
  answer_newest(w, "204");
  ASSERT_TRUE(w.pbx.add_to_conference(setup.call, c2).ok());
  EXPECT_EQ(w.pbx.conference_related(a), (std::vector<CallId>{setup.call, a, c2}));
  finish(w);
}

TEST(PbxConferenceTest, DroppingTheAddConsultWithAutoreconnectReconnectsTheConference) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = true;
  World w(cfg);
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(6s);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "").consult;
  w.run_until(7s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(c2).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(7s, c2, l1, S::DialTone, S::Idle, M::Normal),
                                       ev(7s, k.conf, l1, S::OnHoldPendConf, S::Connected),
                                   }));
  EXPECT_EQ(w.pbx.conference_related(k.conf), (std::vector<CallId>{k.conf, k.a, k.c}));
  finish(w);
}

TEST(PbxConferenceTest, HeldConferenceCanBeUnheld) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const Conference k = three_party(w);
  w.run_until(6s);
  ASSERT_TRUE(w.pbx.hold(k.conf).ok());
  EXPECT_EQ(w.state(k.a), S::Conferenced);
  EXPECT_EQ(w.state(k.c), S::Conferenced);
  EXPECT_EQ(fs(w.features(k.conf)), fs(F::kUnhold | F::kDrop));
  w.run_until(7s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.unhold(k.conf).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{ev(7s, k.conf, l1, S::OnHold, S::Connected)}));
  EXPECT_EQ(fs(w.features(k.conf)), fs(F::kHold | F::kPrepareAddConf | F::kDrop));
  finish(w);
}

TEST(PbxConferenceTest, PendingConferenceWhoseConsultWasDroppedCanBeUnheld) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = false;
  World w(cfg);
  const Conference k = three_party(w);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "").consult;
  ASSERT_TRUE(w.pbx.drop(c2).ok());
  EXPECT_EQ(w.state(k.conf), S::OnHoldPendConf);
  EXPECT_EQ(fs(w.features(k.conf)), fs(F::kUnhold | F::kDrop));
  ASSERT_TRUE(w.pbx.unhold(k.conf).ok());  // OnHoldPendConf/Unhold without a consult
  EXPECT_EQ(w.state(k.conf), S::Connected);
  finish(w);
}

TEST(PbxConferenceTest, UnholdOfASetupConferenceIdlesTheConsultAndReconnectsTheConference) {
  World w(base_config());
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const OpResult setup = w.pbx.setup_conference(a, "");
  w.run_until(3s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.unhold(setup.call).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(3s, setup.consult, l1, S::DialTone, S::Idle, M::Normal),
                ev(3s, setup.call, l1, S::OnHoldPendConf, S::Connected),
            }));
  EXPECT_EQ(w.state(a), S::Conferenced);
  EXPECT_EQ(peer_of(w, a), b);
  finish(w);
}

TEST(PbxConferenceTest, SetupConsultDroppedWithoutAutoreconnectLeavesTheConferencePending) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = false;
  World w(cfg);
  const auto [a, b] = talk(w, "201", "202");
  const OpResult setup = w.pbx.setup_conference(a, "203");
  w.run_until(w.sched.now() + kToRinging);
  ASSERT_TRUE(w.pbx.drop(setup.consult).ok());
  EXPECT_EQ(w.state(setup.call), S::OnHoldPendConf);
  EXPECT_EQ(w.state(a), S::Conferenced);
  EXPECT_EQ(fs(w.features(setup.call)), fs(F::kUnhold | F::kDrop)) << "no consult to add";
  // Dropping the conference ends it (CONFDROP by default).
  ASSERT_TRUE(w.pbx.drop(setup.call).ok());
  EXPECT_EQ(w.state(a), S::Idle);
  EXPECT_EQ(w.state(b), S::Disconnected);
  ASSERT_TRUE(w.pbx.drop(b).ok());
  EXPECT_EQ(finish(w), 0u);
}

// ================================================================================================
// redirect
// ================================================================================================

TEST(PbxRedirectTest, OfferedCallIsRedirectedWithReasonRedirect) {
  World w(base_config());
  const LineId l2 = w.line("202");
  const CallId a = w.call("201", "202");
  w.run_until(kToRinging);
  const CallId b = w.newest_on("202");
  EXPECT_EQ(fs(w.features(b)), fs(kOffered));
  EXPECT_EQ(w.features(a) & F::kRedirect, 0u);
  w.run_until(2s);
  const std::size_t mark = w.rec.events.size();
  const OpResult r = w.pbx.redirect(b, "203");
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.op, Op::Redirect);
  EXPECT_EQ(r.call, b);
  const CallId e = w.newest_on("203");
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(2s, b, l2, S::Offering, S::Idle),  // Offering/Redirect
                ev(2s, e, w.line("203"), S::Idle, S::Offering, M::None, R::Redirect),
            }));
  const Call* in = w.pbx.find_call(e);
  EXPECT_EQ(in->reason, R::Redirect);
  EXPECT_EQ(in->from, "201");
  EXPECT_EQ(in->original_to, "202");
  EXPECT_EQ(peer_of(w, a), e);
  EXPECT_EQ(w.state(a), S::RingBack);
  EXPECT_EQ(w.pbx.stats().redirects, 1u);
  EXPECT_EQ(w.rec.record_of(b).outcome, Outcome::Redirected);
  EXPECT_EQ(w.features(b), 0u);
  w.run_until(3s);
  ASSERT_TRUE(w.pbx.answer(e).ok());
  EXPECT_EQ(w.rec.stamps_of(a).back(), (StateStamp{S::Connected, 3s}));
  EXPECT_EQ(finish(w), 2u);
}

// TAPI: lineRedirect needs an OFFERING call. By default an ACCEPTED one is refused and does not
// advertise REDIRECT; redirect_from_accepted lets the switch deflect it too.
TEST(PbxRedirectTest, AcceptedCallIsNotRedirectedByDefault) {
  World w(base_config());
  w.call("201", "202");
  w.run_until(kToRinging);
  const CallId b = w.newest_on("202");
  ASSERT_TRUE(w.pbx.accept(b).ok());
  EXPECT_EQ(fs(w.features(b)), fs(F::kAnswer | F::kDrop | F::kSecureCall));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.redirect(b, "203"); }));
  EXPECT_EQ(w.pbx.redirect(b, "203").detail,
            to_string(b) + " is ACCEPTED: this switch redirects OFFERING calls only (redirect_from_accepted)");
  EXPECT_TRUE(w.pbx.line(w.line("203")).calls.empty());
  ASSERT_TRUE(w.pbx.drop(b).ok());
  finish(w);
}

TEST(PbxRedirectTest, AcceptedCallCanBeRedirectedWhenTheSwitchAllowsIt) {
  PbxConfig cfg = base_config();
  cfg.profile.redirect_from_accepted = true;
  World w(cfg);
  const CallId a = w.call("201", "202");
  w.run_until(kToRinging);
  const CallId b = w.newest_on("202");
  ASSERT_TRUE(w.pbx.accept(b).ok());
  EXPECT_EQ(fs(w.features(b)), fs(F::kAnswer | F::kDrop | F::kRedirect | F::kSecureCall));
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.redirect(b, "203").ok());  // Accepted/Redirect
  EXPECT_EQ(w.rec.stamps_of(b), (std::vector<StateStamp>{{S::Offering, kToRinging},
                                                         {S::Accepted, kToRinging},
                                                         {S::Idle, 2s}}));
  EXPECT_EQ(w.state(w.newest_on("203")), S::Offering);
  EXPECT_EQ(w.state(a), S::RingBack);
  finish(w);
}

TEST(PbxRedirectTest, RedirectedCallGetsAFullRingingPeriodThenNoAnswer) {
  World w(base_config());
  const CallId a = w.call("201", "202");
  w.run_until(20s);  // 202 has rung for 18.66 s
  ASSERT_TRUE(w.pbx.redirect(w.newest_on("202"), "203").ok());
  const CallId e = w.newest_on("203");
  w.run_until(50s - 1ns);
  EXPECT_EQ(w.state(e), S::Offering);
  w.run_until(50s);
  EXPECT_EQ(w.state(e), S::Idle);
  EXPECT_EQ(w.state(a), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(a)->mode, M::NoAnswer);
  ASSERT_TRUE(w.pbx.drop(a).ok());
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxRedirectTest, RedirectToABusyTargetGivesTheCallerBusy) {
  PbxConfig cfg = base_config();
  line_cfg(cfg, "203").behavior = behavior(K::Busy);
  World w(cfg);
  const CallId a = w.call("201", "202");
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.redirect(w.newest_on("202"), "203").ok());
  EXPECT_EQ(w.state(a), S::Disconnected);
  EXPECT_EQ(w.pbx.find_call(a)->mode, M::Busy);
  EXPECT_EQ(w.pbx.stats().redirects, 1u);
  ASSERT_TRUE(w.pbx.drop(a).ok());
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxRedirectTest, RefusalsChangeNothing) {
  World w(base_config());
  const CallId a = w.call("201", "202");
  w.run_until(kToRinging);
  const CallId b = w.newest_on("202");
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.redirect(CallId{}, "203"); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.redirect(a, "203"); }));
  for (const char* bad : {"", "20", "999", "2O3", "x"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(refused(w, E::InvalAddress, [&] { return w.pbx.redirect(b, bad); }));
  }
  ASSERT_TRUE(w.pbx.answer(b).ok());
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.redirect(b, "203"); }));
  EXPECT_EQ(w.pbx.stats().redirects, 0u);
  finish(w);
}

// ================================================================================================
// hold recall
// ================================================================================================

TEST(PbxHoldRecallTest, CallHeldTooLongRingsItsHolderAgain) {
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 20s;
  World w(cfg);
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(5s);
  ASSERT_TRUE(w.pbx.hold(a).ok());
  w.run_until(25s - 1ns);
  EXPECT_EQ(w.state(a), S::OnHold);
  EXPECT_EQ(w.pbx.stats().hold_recalls, 0u);
  const std::size_t mark = w.rec.events.size();
  w.run_until(25s);
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{ev(25s, a, l1, S::OnHold, S::Offering, M::None, R::Reminder)}));
  EXPECT_EQ(w.pbx.find_call(a)->reason, R::Reminder);
  EXPECT_EQ(w.pbx.stats().hold_recalls, 1u);
  EXPECT_EQ(w.state(b), S::Connected);
  EXPECT_EQ(fs(w.features(a)), fs(kOffered));
  w.run_until(27s);
  ASSERT_TRUE(w.pbx.answer(a).ok());
  EXPECT_EQ(w.rec.stamps_of(a), (std::vector<StateStamp>{{S::DialTone, 0ms},
                                                         {S::Dialing, kToDialing},
                                                         {S::Proceeding, kToProceeding},
                                                         {S::RingBack, kToRinging},
                                                         {S::Connected, kToRinging},
                                                         {S::OnHold, 5s},
                                                         {S::Offering, 25s},
                                                         {S::Connected, 27s}}));
  EXPECT_EQ(peer_of(w, a), b);
  EXPECT_EQ(w.rec.events_of(b).size(), 2u);
  // Held again, it recalls again after the full period.
  w.run_until(30s);
  ASSERT_TRUE(w.pbx.hold(a).ok());
  w.run_until(50s);
  EXPECT_EQ(w.state(a), S::Offering);
  EXPECT_EQ(w.pbx.stats().hold_recalls, 2u);
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxHoldRecallTest, DroppingARecallEndsTheCallNormallyRatherThanRejectingIt) {
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 20s;
  World w(cfg);
  const LineId l1 = w.line("201");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(5s);
  ASSERT_TRUE(w.pbx.hold(a).ok());
  w.run_until(26s);
  ASSERT_EQ(w.state(a), S::Offering);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.drop(a).ok());
  EXPECT_EQ(events_since(w, mark),
            (std::vector<CallStateEvent>{
                ev(26s, b, w.line("202"), S::Connected, S::Disconnected, M::Normal),
                ev(26s, a, l1, S::Offering, S::Idle, M::Normal, R::Reminder),
            }));
  EXPECT_EQ(w.rec.record_of(a).outcome, Outcome::Answered);
  ASSERT_TRUE(w.pbx.drop(b).ok());
  EXPECT_EQ(finish(w), 0u);
}

TEST(PbxHoldRecallTest, UnholdBeforeTheRecallCancelsIt) {
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 20s;
  World w(cfg);
  const CallId a = talk(w, "201", "202").caller;
  w.run_until(5s);
  ASSERT_TRUE(w.pbx.hold(a).ok());
  w.run_until(24s);
  ASSERT_TRUE(w.pbx.unhold(a).ok());
  w.run_until(40s);
  ASSERT_TRUE(w.pbx.hold(a).ok());
  w.run_until(59s);
  EXPECT_EQ(w.state(a), S::OnHold) << "the first hold's recall must not fire";
  w.run_until(60s);
  EXPECT_EQ(w.state(a), S::Offering);
  EXPECT_EQ(w.pbx.stats().hold_recalls, 1u);
  finish(w);
}

TEST(PbxHoldRecallTest, NoRecallWithoutTheOption) {
  World w(base_config());
  const CallId a = talk(w, "201", "202").caller;
  ASSERT_TRUE(w.pbx.hold(a).ok());
  w.run_until(3600s);
  EXPECT_EQ(w.state(a), S::OnHold);
  EXPECT_EQ(w.pbx.stats().hold_recalls, 0u);
  finish(w);
}

TEST(PbxHoldRecallTest, RecalledCallAnsweredWhileTalkingHoldsTheActiveCall) {
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 20s;
  World w(cfg);
  const LineId l1 = w.line("201");
  const CallId a1 = talk(w, "201", "202").caller;
  w.run_until(2s);
  ASSERT_TRUE(w.pbx.hold(a1).ok());
  const CallId a2 = talk(w, "201", "203").caller;  // connected at 3.34 s
  w.run_until(22s);
  EXPECT_EQ(w.state(a1), S::Offering);
  EXPECT_EQ(fs(w.features(a1)), fs(kOffered));
  w.run_until(23s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.answer(a1).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(23s, a2, l1, S::Connected, S::OnHold),
                                       ev(23s, a1, l1, S::Offering, S::Connected, M::None, R::Reminder),
                                   }));
  // The call held by the answer recalls in its turn.
  w.run_until(43s);
  EXPECT_EQ(w.state(a2), S::Offering);
  EXPECT_EQ(w.pbx.stats().hold_recalls, 2u);
  finish(w);
}

TEST(PbxHoldRecallBugTest, AnsweredHoldRecallIsNotCountedAsAParkRecall) {
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 20s;
  World w(cfg);
  const CallId a = talk(w, "201", "202").caller;
  ASSERT_TRUE(w.pbx.hold(a).ok());
  w.run_until(w.sched.now() + 20s);
  ASSERT_TRUE(w.pbx.answer(a).ok());
  EXPECT_EQ(w.pbx.stats().hold_recalls, 1u);
  EXPECT_EQ(w.pbx.stats().park_recalls_answered, 0u);
  finish(w);
}

TEST(PbxHoldRecallBugTest, AnsweredHoldRecallKeepsTheCallsAnswerTime) {
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 20s;
  World w(cfg);
  const CallId a = talk(w, "201", "202").caller;  // answered at 1.34 s
  ASSERT_TRUE(w.pbx.hold(a).ok());
  w.run_until(30s);
  ASSERT_TRUE(w.pbx.answer(a).ok());
  ASSERT_TRUE(w.pbx.drop(a).ok());
  EXPECT_EQ(w.rec.record_of(a).answer, std::optional<SimTime>(kToRinging));
  finish(w);
}

// ================================================================================================
// call waiting, answer modes, secure_call
// ================================================================================================

PbxConfig waiting_config(AnswerMode mode) {
  PbxConfig cfg = base_config();
  line_cfg(cfg, "202").call_waiting = true;
  cfg.profile.answer_mode = mode;
  return cfg;
}

TEST(PbxCallWaitingTest, SecondCallIsOfferedToALineInACallWithCallWaiting) {
  World w(waiting_config(AnswerMode::Hold));
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId x = w.call("203", "202");
  w.run_until(2s + kToRinging);
  const CallId wc = w.newest_on("202");
  ASSERT_NE(wc, b);
  EXPECT_EQ(w.rec.stamps_of(wc), (std::vector<StateStamp>{{S::Offering, 2s + kToRinging}}));
  EXPECT_EQ(w.state(x), S::RingBack);
  EXPECT_EQ(fs(w.features(wc)), fs(kOffered));
  EXPECT_EQ(fs(w.features(b)), fs(kTalking));
  // A third caller finds the line busy (one call is already waiting).
  const CallId y = w.call("204", "202");
  w.run_until(4s + kToRinging);
  EXPECT_EQ(w.state(y), S::Busy);
  finish(w);
}

TEST(PbxCallWaitingTest, WithoutCallWaitingTheSecondCallerGetsBusy) {
  World w(base_config());
  talk(w, "201", "202");
  const CallId x = w.call("203", "202");
  w.run_until(w.sched.now() + kToRinging);
  EXPECT_EQ(w.state(x), S::Busy);
  EXPECT_EQ(w.pbx.line(w.line("202")).calls.size(), 1u);
  finish(w);
}

TEST(PbxCallWaitingTest, AnswerModeHoldHoldsTheActiveCall) {
  PbxConfig cfg = waiting_config(AnswerMode::Hold);
  cfg.profile.hold_recall = 30s;
  World w(cfg);
  const LineId l2 = w.line("202");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId x = w.call("203", "202");
  w.run_until(2s + kToRinging);
  const CallId wc = w.newest_on("202");
  w.run_until(4s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.answer(wc).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(4s, b, l2, S::Connected, S::OnHold),
                                       ev(4s, wc, l2, S::Offering, S::Connected),
                                       ev(4s, x, w.line("203"), S::RingBack, S::Connected),
                                   }));
  EXPECT_EQ(w.state(a), S::Connected);
  EXPECT_EQ(fs(w.features(wc)), fs(kTalking | F::kSwapHold));
  EXPECT_EQ(fs(w.features(b)), fs(F::kDrop | F::kSecureCall | F::kCompleteTransf));
  w.run_until(5s);
  ASSERT_TRUE(w.pbx.swap_hold(wc, b).ok());
  EXPECT_EQ(w.state(b), S::Connected);
  EXPECT_EQ(w.state(wc), S::OnHold);
  // The call held by the answer was under hold recall from 4 s, cancelled by the swap at 5 s;
  // wc, held at 5 s, recalls at 35 s.
  w.run_until(34s);
  EXPECT_EQ(w.state(b), S::Connected);
  w.run_until(35s);
  EXPECT_EQ(w.state(wc), S::Offering);
  EXPECT_EQ(finish(w), 4u);
}

TEST(PbxCallWaitingTest, AnswerModeHoldHeldCallRecallsAfterThePeriod) {
  PbxConfig cfg = waiting_config(AnswerMode::Hold);
  cfg.profile.hold_recall = 30s;
  World w(cfg);
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  w.call("203", "202");
  w.run_until(4s);
  ASSERT_TRUE(w.pbx.answer(w.newest_on("202")).ok());
  w.run_until(34s - 1ns);
  EXPECT_EQ(w.state(b), S::OnHold);
  w.run_until(34s);
  EXPECT_EQ(w.state(b), S::Offering);
  EXPECT_EQ(w.pbx.find_call(b)->reason, R::Reminder);
  (void)a;
  finish(w);
}

TEST(PbxCallWaitingTest, AnswerModeDropDropsTheActiveCall) {
  World w(waiting_config(AnswerMode::Drop));
  const LineId l2 = w.line("202");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId x = w.call("203", "202");
  w.run_until(2s + kToRinging);
  const CallId wc = w.newest_on("202");
  EXPECT_EQ(fs(w.features(wc)), fs(kOffered));
  w.run_until(4s);
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.answer(wc).ok());
  EXPECT_EQ(events_since(w, mark), (std::vector<CallStateEvent>{
                                       ev(4s, a, w.line("201"), S::Connected, S::Disconnected, M::Normal),
                                       ev(4s, b, l2, S::Connected, S::Idle, M::Normal),
                                       ev(4s, wc, l2, S::Offering, S::Connected),
                                       ev(4s, x, w.line("203"), S::RingBack, S::Connected),
                                   }));
  EXPECT_EQ(fs(w.features(wc)), fs(kTalking));
  ASSERT_TRUE(w.pbx.drop(a).ok());
  EXPECT_EQ(finish(w), 2u);
}

TEST(PbxCallWaitingTest, AnswerModeNoneRefusesTheAnswerWhileAnotherCallIsActive) {
  World w(waiting_config(AnswerMode::None));
  const LineId l2 = w.line("202");
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  w.call("203", "202");
  w.run_until(2s + kToRinging);
  const CallId wc = w.newest_on("202");
EXPECT_EQ(fs(w.features(wc)), fs(F::kAccept | F::kDrop | F::kRedirect | F::kSecureCall));
  EXPECT_TRUE(refused(w, E::InUse, [&] { return w.pbx.answer(wc); }));
  // The application holds the active call itself first.
  w.run_until(5s);
  ASSERT_TRUE(w.pbx.hold(b).ok());
  EXPECT_EQ(fs(w.features(wc)), fs(kOffered));
  const std::size_t mark = w.rec.events.size();
  ASSERT_TRUE(w.pbx.answer(wc).ok());
  EXPECT_EQ(events_since(w, mark).front(), ev(5s, wc, l2, S::Offering, S::Connected));
  EXPECT_EQ(w.state(b), S::OnHold);
  (void)a;
  finish(w);
}

TEST(PbxCallWaitingTest, WaitingCallCanBeRedirected) {
  World w(waiting_config(AnswerMode::Hold));
  const auto [a, b] = talk(w, "201", "202");
  const CallId x = w.call("203", "202");
  w.run_until(w.sched.now() + kToRinging);
  ASSERT_TRUE(w.pbx.redirect(w.newest_on("202"), "204").ok());
  EXPECT_EQ(peer_of(w, x), w.newest_on("204"));
  EXPECT_EQ(w.pbx.find_call(w.newest_on("204"))->reason, R::Redirect);
  EXPECT_EQ(w.state(b), S::Connected);
  (void)a;
  finish(w);
}

TEST(PbxSecureCallTest, SecuredCallGetsNoCallWaitingOffer) {
  World w(waiting_config(AnswerMode::Hold));
  const auto [a, b] = talk(w, "201", "202");
  const std::size_t events = w.rec.events.size();
  const OpResult r = w.pbx.secure_call(b);
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.op, Op::SecureCall);
  EXPECT_EQ(r.call, b);
  EXPECT_EQ(w.rec.events.size(), events) << "securing a call changes no call state";
  EXPECT_TRUE(w.pbx.find_call(b)->secure);
  EXPECT_EQ(fs(w.features(b)), fs(kTalking));
  const CallId x = w.call("203", "202");
  w.run_until(w.sched.now() + kToRinging);
  EXPECT_EQ(w.state(x), S::Busy);
  EXPECT_EQ(w.pbx.line(w.line("202")).calls.size(), 1u);
  // Once the secure call is over, call waiting works again for the next call.
  ASSERT_TRUE(w.pbx.drop(b).ok());
  ASSERT_TRUE(w.pbx.deallocate(b).ok());
  const auto p = talk(w, "204", "202");
  const CallId y = w.call("205", "202");
  w.run_until(w.sched.now() + kToRinging);
  EXPECT_EQ(w.state(y), S::RingBack);
  (void)a;
  (void)p;
  finish(w);
}

TEST(PbxSecureCallTest, SecureCallRefusalsChangeNothing) {
  World w(base_config());
  const CallId a = w.call("201", "202");
  EXPECT_TRUE(refused(w, E::InvalCallHandle, [&] { return w.pbx.secure_call(CallId{}); }));
  // Any live call state can be secured, even before it is answered.
  EXPECT_TRUE(w.pbx.secure_call(a).ok());
  ASSERT_TRUE(w.pbx.drop(a).ok());
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.secure_call(a); }));
  const auto cd = talk(w, "203", "204");
  const auto c = cd.caller;
  [[maybe_unused]] const auto d = cd.callee;
  ASSERT_TRUE(w.pbx.drop(c).ok());
  ASSERT_EQ(w.state(d), S::Disconnected);
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.secure_call(d); }));
  finish(w);
}

TEST(PbxSecureCallTest, CallSecuredByTheFarPartyGetsNoCallWaitingOfferEither) {
  World w(waiting_config(AnswerMode::Hold));
  const auto [a, b] = talk(w, "201", "202");
  ASSERT_TRUE(w.pbx.secure_call(a).ok());
  const CallId x = w.call("203", "202");
  w.run_until(w.sched.now() + kToRinging);
  EXPECT_EQ(w.state(x), S::Busy);
  (void)b;
  finish(w);
}

TEST(PbxCallWaitingBugTest, AnswerModeHoldOnAConferenceLineHoldsTheConference) {
  PbxConfig cfg = base_config();
  line_cfg(cfg, "201").call_waiting = true;
  World w(cfg);
  const Conference k = three_party(w);
  const CallId x = w.call("205", "201");
  w.run_until(w.sched.now() + kToRinging);
  const CallId wc = w.newest_on("201");
  ASSERT_EQ(w.state(wc), S::Offering);
  ASSERT_TRUE(w.pbx.answer(wc).ok());
  EXPECT_EQ(w.state(k.conf), S::OnHold);
  EXPECT_EQ(w.state(k.a), S::Conferenced);
  EXPECT_EQ(w.state(k.c), S::Conferenced);
  EXPECT_EQ(w.state(k.b), S::Connected);
  EXPECT_EQ(w.state(k.d), S::Connected);
  EXPECT_EQ(w.state(x), S::Connected);
  finish(w);
}

// ================================================================================================
// dwCallFeatures: every advertised operation is accepted, every other one refused
// ================================================================================================

/// A call situation built from scratch in a fresh World; returns the handles to probe.
struct Situation {
  std::string name;
  PbxConfig config;
  std::function<std::vector<CallId>(World&)> build;
};

constexpr const char* kSpare = "209";

CallId other_call(const World& w, CallId id, bool held_only) {
  const Call* c = w.pbx.find_call(id);
  if (!c) return id;
  for (CallId o : w.pbx.active_calls(c->line)) {
    if (o == id) continue;
    const S s = *w.state(o);
    if (!held_only || s == S::OnHold || s == S::OnHoldPendConf || s == S::OnHoldPendTransfer) return o;
  }
  return id;
}
CallId consult_partner(const World& w, CallId id) {
  const Call* c = w.pbx.find_call(id);
  if (c && w.pbx.find_call(c->consult)) return c->consult;
  if (c && w.pbx.find_call(c->consult_of)) return c->consult_of;
  return other_call(w, id, false);
}

struct Probe {
  std::uint32_t bit;
  std::function<OpResult(World&, CallId)> run;
};
const std::vector<Probe>& probes() {
  static const std::vector<Probe> all = {
      {F::kAccept, [](World& w, CallId id) { return w.pbx.accept(id); }},
      {F::kAnswer, [](World& w, CallId id) { return w.pbx.answer(id); }},
      {F::kDial, [](World& w, CallId id) { return w.pbx.dial(id, "2"); }},
      {F::kDrop, [](World& w, CallId id) { return w.pbx.drop(id); }},
      {F::kHold, [](World& w, CallId id) { return w.pbx.hold(id); }},
      {F::kUnhold, [](World& w, CallId id) { return w.pbx.unhold(id); }},
      {F::kSwapHold, [](World& w, CallId id) { return w.pbx.swap_hold(id, other_call(w, id, true)); }},
      {F::kSetupTransfer, [](World& w, CallId id) { return w.pbx.setup_transfer(id, ""); }},
      {F::kCompleteTransf,
       [](World& w, CallId id) {
         return w.pbx.complete_transfer(id, consult_partner(w, id), TransferMode::Transfer);
       }},
      {F::kBlindTransfer, [](World& w, CallId id) { return w.pbx.blind_transfer(id, kSpare); }},
      {F::kSetupConf, [](World& w, CallId id) { return w.pbx.setup_conference(id, ""); }},
      {F::kPrepareAddConf, [](World& w, CallId id) { return w.pbx.prepare_add_to_conference(id, ""); }},
      {F::kAddToConf,
       [](World& w, CallId id) { return w.pbx.add_to_conference(id, consult_partner(w, id)); }},
      {F::kRemoveFromConf, [](World& w, CallId id) { return w.pbx.remove_from_conference(id); }},
      {F::kRedirect, [](World& w, CallId id) { return w.pbx.redirect(id, kSpare); }},
  };
  return all;
}

/// Operations whose advertised feature bit disagrees with the operation's result, and feature
/// sets that are not within allowed_features(state). `skip` holds (handle index, bit) pairs not
/// to probe (known model bugs, asserted by the skipped tests).
std::vector<std::string> feature_mismatches(const Situation& s,
                                            const std::vector<std::pair<std::size_t, std::uint32_t>>& skip = {}) {
  std::vector<std::string> out;
  std::size_t count = 0;
  {
    World w(s.config);
    const std::vector<CallId> ids = s.build(w);
    count = ids.size();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto state = w.state(ids[i]);
      if (!state) {
        out.push_back(s.name + ": handle #" + std::to_string(i) + " is gone");
        continue;
      }
      const std::uint32_t f = w.pbx.call_features(ids[i]);
      if ((f & ~allowed_features(*state)) != 0)
        out.push_back(s.name + ": #" + std::to_string(i) + " " + std::string(to_string(*state)) +
                      " advertises " + fs(f & ~allowed_features(*state)) + " beyond the table");
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    for (const Probe& p : probes()) {
      if (std::find(skip.begin(), skip.end(), std::pair{i, p.bit}) != skip.end()) continue;
      World w(s.config);
      const std::vector<CallId> ids = s.build(w);
      const CallId id = ids[i];
      const std::string state(to_string(w.state(id).value_or(S::Unknown)));
      const bool advertised = (w.pbx.call_features(id) & p.bit) != 0;
      const OpResult r = p.run(w, id);
      if (advertised != r.ok()) {
        out.push_back(s.name + ": #" + std::to_string(i) + " " + state + " " + fs(p.bit) +
                      (advertised ? " advertised but refused with " + tapi_name(r.error)
                                  : " not advertised but carried out"));
      }
    }
  }
  return out;
}

/// A call from 201 to 202, answered; the clock at 1.34 s.
std::vector<CallId> build_talk(World& w) {
  const Pair p = talk(w, "201", "202");
  return {p.caller, p.callee};
}
Pair transfer_to_203(World& w, bool answer) {
  const CallId a = talk(w, "201", "202").caller;
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(w.sched.now() + kToRinging);
  if (answer) answer_newest(w, "203");
  return {a, c};
}

std::vector<Situation> situations() {
  const PbxConfig base = base_config();
  PbxConfig busy203 = base;
  line_cfg(busy203, "203").behavior = behavior(K::Busy);
  PbxConfig full = base;
  full.profile.conference_max = 2;
  PbxConfig waiting = waiting_config(AnswerMode::Hold);
  PbxConfig waiting_none = waiting_config(AnswerMode::None);
  PbxConfig waiting_drop = waiting_config(AnswerMode::Drop);
  auto waiting_build = [](World& w) {
    const CallId b = talk(w, "201", "202").callee;
    w.call("203", "202");
    w.run_until(w.sched.now() + kToRinging);
    return std::vector<CallId>{b, w.newest_on("202")};
  };
  const auto three = [](World& w) { return three_party(w); };
  return {
      {"plain call", base, build_talk},
      {"ringing", base,
       [](World& w) {
         const CallId a = w.call("201", "202");
         w.run_until(kToRinging);
         return std::vector<CallId>{a, w.newest_on("202")};
       }},
      {"accepted", base,
       [](World& w) {
         w.call("201", "202");
         w.run_until(kToRinging);
         w.pbx.accept(w.newest_on("202"));
         return std::vector<CallId>{w.newest_on("202")};
       }},
      {"held alone", base,
       [](World& w) {
         auto ids = build_talk(w);
         w.pbx.hold(ids[0]);
         return ids;
       }},
      {"held and talking", base,
       [](World& w) {
         const CallId a1 = talk(w, "201", "202").caller;
         w.pbx.hold(a1);
         const CallId a2 = talk(w, "201", "203").caller;
         return std::vector<CallId>{a1, a2};
       }},
      {"far end gone", base,
       [](World& w) {
         const Pair p = talk(w, "201", "202");
         w.pbx.drop(p.caller);
         return std::vector<CallId>{p.callee};
       }},
      {"transfer consult dialtone", base,
       [](World& w) {
         const CallId a = talk(w, "201", "202").caller;
         return std::vector<CallId>{a, w.pbx.setup_transfer(a, "").consult};
       }},
      {"transfer consult dialing", base,
       [](World& w) {
         const CallId a = talk(w, "201", "202").caller;
         const CallId c = w.pbx.setup_transfer(a, "").consult;
         w.pbx.dial(c, "20");  // incomplete: waits for more digits
         return std::vector<CallId>{a, c};
       }},
      {"transfer consult held", base,
       [](World& w) {
         const Pair t = transfer_to_203(w, true);
         w.pbx.hold(t.callee);
         return std::vector<CallId>{t.caller, t.callee};
       }},
      {"transfer consult ringing", base,
       [](World& w) {
         const Pair t = transfer_to_203(w, false);
         return std::vector<CallId>{t.caller, t.callee, w.newest_on("203")};
       }},
      {"transfer consult proceeding", base,
       [](World& w) {
         const CallId a = talk(w, "201", "202").caller;
         const CallId c = w.pbx.setup_transfer(a, "203").consult;
         w.run_until(w.sched.now() + kToProceeding);
         return std::vector<CallId>{a, c};
       }},
      {"transfer consult connected", base,
       [](World& w) {
         const Pair t = transfer_to_203(w, true);
         return std::vector<CallId>{t.caller, t.callee};
       }},
      {"transfer consult busy", busy203,
       [](World& w) {
         const Pair t = transfer_to_203(w, false);
         return std::vector<CallId>{t.caller, t.callee};
       }},
      {"transfer swapped", base,
       [](World& w) {
         const Pair t = transfer_to_203(w, true);
         w.pbx.swap_hold(t.callee, t.caller);
         return std::vector<CallId>{t.caller, t.callee};
       }},
      {"transfer consult dropped", base,
       [](World& w) {
         const Pair t = transfer_to_203(w, true);
         w.pbx.drop(t.callee);
         return std::vector<CallId>{t.caller};
       }},
      {"conference consult connected", base,
       [](World& w) {
         const CallId a = talk(w, "201", "202").caller;
         const OpResult r = w.pbx.setup_conference(a, "203");
         w.run_until(w.sched.now() + kToRinging);
         answer_newest(w, "203");
         return std::vector<CallId>{r.call, a, r.consult};
       }},
      {"conference consult dialtone", base,
       [](World& w) {
         const CallId a = talk(w, "201", "202").caller;
         const OpResult r = w.pbx.setup_conference(a, "");
         return std::vector<CallId>{r.call, a, r.consult};
       }},
      {"conference consult dropped", base,
       [](World& w) {
         const CallId a = talk(w, "201", "202").caller;
         const OpResult r = w.pbx.setup_conference(a, "");
         w.pbx.drop(r.consult);
         return std::vector<CallId>{r.call, a};
       }},
      {"three-party conference", base,
       [three](World& w) {
         const Conference k = three(w);
         return std::vector<CallId>{k.conf, k.a, k.c, k.b};
       }},
      {"conference adding a party", base,
       [three](World& w) {
         const Conference k = three(w);
         const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
         w.run_until(w.sched.now() + kToRinging);
         return std::vector<CallId>{k.conf, k.a, c2};
       }},
      {"conference held by swap", base,
       [three](World& w) {
         const Conference k = three(w);
         const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
         w.run_until(w.sched.now() + kToRinging);
         answer_newest(w, "204");
         w.pbx.swap_hold(c2, k.conf);
         w.pbx.swap_hold(k.conf, c2);
         return std::vector<CallId>{k.conf, c2};
       }},
      {"conference connected, consult held", base,
       [three](World& w) {
         const Conference k = three(w);
         const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
         w.run_until(w.sched.now() + kToRinging);
         answer_newest(w, "204");
         w.pbx.swap_hold(c2, k.conf);
         return std::vector<CallId>{k.conf, c2};
       }},
      {"held conference", base,
       [three](World& w) {
         const Conference k = three(w);
         w.pbx.hold(k.conf);
         return std::vector<CallId>{k.conf, k.a};
       }},
      {"full conference", full,
       [three](World& w) {
         const Conference k = three(w);
         return std::vector<CallId>{k.conf};
       }},
      {"call waiting, answer mode hold", waiting, waiting_build},
      {"call waiting, answer mode drop", waiting_drop, waiting_build},
      {"call waiting, answer mode none", waiting_none, waiting_build},
  };
}

TEST(PbxFeaturesTest, AdvertisedFeaturesAreExactlyTheOperationsThatSucceed) {
  // Known disagreements, asserted by the skipped FeaturesBugTest cases below.
  const std::map<std::string, std::vector<std::pair<std::size_t, std::uint32_t>>> known = {
      {"transfer consult ringing", {{1, F::kCompleteTransf}}},
      {"transfer consult proceeding", {{1, F::kCompleteTransf}}},
      {"transfer consult connected", {{1, F::kCompleteTransf}}},
      {"transfer consult busy", {{1, F::kCompleteTransf}}},
      {"transfer swapped", {{0, F::kCompleteTransf}, {1, F::kCompleteTransf}}},
      {"held and talking", {{1, F::kCompleteTransf}}},  // the active call of a TRANSFERHELD pair, likewise
      {"conference connected, consult held", {{0, F::kPrepareAddConf}}},
  };
  for (const Situation& s : situations()) {
    SCOPED_TRACE(s.name);
    const auto it = known.find(s.name);
    const auto mismatches = feature_mismatches(s, it == known.end() ? decltype(it->second){} : it->second);
    EXPECT_TRUE(mismatches.empty()) << [&] {
      std::string all;
      for (const auto& m : mismatches) all += "\n  " + m;
      return all;
    }();
  }
}

TEST(PbxFeaturesTest, EveryCallInEveryFlowAdvertisesASubsetOfItsStateFeatures) {
  // Watch every call after every event of a long mixed run.
  struct Watch final : PbxObserver {
    const Pbx* pbx = nullptr;
    std::vector<std::string> bad;
    void on_call_state(const CallStateEvent& e) override {
      for (std::size_t l = 0; l < pbx->line_count(); ++l) {
        for (CallId id : pbx->line(static_cast<LineId>(l)).calls) {
          const Call* c = pbx->find_call(id);
          if (!c) continue;
          const std::uint32_t extra = pbx->call_features(id) & ~allowed_features(c->state);
          if (extra) bad.push_back(to_string(id) + " " + std::string(to_string(c->state)) + ": " + fs(extra));
        }
      }
      (void)e;
    }
  } watch;
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 15s;
  line_cfg(cfg, "202").call_waiting = true;
  World w(cfg);
  watch.pbx = &w.pbx;
  w.pbx.add_observer(&watch);
  const Conference k = three_party(w);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
  w.run_until(w.sched.now() + kToRinging);
  answer_newest(w, "204");
  w.pbx.swap_hold(c2, k.conf);
  w.pbx.swap_hold(k.conf, c2);
  w.pbx.add_to_conference(k.conf, c2);
  w.pbx.remove_from_conference(k.a);
  w.pbx.drop(k.b);
  const CallId x = w.call("205", "202");
  w.run_until(w.sched.now() + kToRinging);
  w.pbx.answer(w.newest_on("202"));
  w.run_until(w.sched.now() + 20s);
  w.pbx.blind_transfer(x, "206");
  w.run_until(w.sched.now() + 1s);
  w.pbx.drop(k.conf);
  finish(w);
  EXPECT_TRUE(watch.bad.empty()) << watch.bad.front();
}

TEST(PbxFeaturesBugTest, ConferenceWithAConsultAfterSwapAdvertisesOnlyWhatItAccepts) {
  for (const Situation& s : situations()) {
    if (s.name != "conference connected, consult held") continue;
    for (const auto& m : feature_mismatches(s)) ADD_FAILURE() << m;
  }
}


TEST(PbxFeaturesTest, BlindTransferAndParkAreRefusedForCallsInAConsultation) {
  World w(base_config());
  const Pair t = transfer_to_203(w, true);
  for (CallId id : {t.caller, t.callee}) {
    EXPECT_EQ(w.features(id) & (F::kBlindTransfer | F::kPark), 0u);
  }
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.blind_transfer(t.callee, kSpare); }));
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.park(t.callee, ParkMode::NonDirected, ""); }));
  ASSERT_TRUE(w.pbx.swap_hold(t.callee, t.caller).ok());
  EXPECT_EQ(w.features(t.caller) & (F::kBlindTransfer | F::kPark), 0u);
  EXPECT_TRUE(refused(w, E::InvalCallState, [&] { return w.pbx.blind_transfer(t.caller, kSpare); }));
  EXPECT_EQ(w.pbx.stats().transfers, 0u);
  finish(w);
}

// ================================================================================================
// End of run, records and counters
// ================================================================================================

TEST(PbxCallControlEndTest, ShutdownMidTransferClearsEveryCall) {
  World w(base_config());
  const auto [a, b] = talk(w, "201", "202");
  w.run_until(2s);
  const CallId c = w.pbx.setup_transfer(a, "203").consult;
  w.run_until(2s + kToRinging);
  const CallId d = w.newest_on("203");
  w.run_until(5s);
  const std::size_t cleared = finish(w);
  EXPECT_EQ(cleared, 4u);
  for (CallId id : {a, b, c, d}) {
    const CallRecord r = w.rec.record_of(id);
    EXPECT_TRUE(r.cleared_at_end) << to_string(id);
    EXPECT_EQ(r.end, SimTime(5s));
  }
  EXPECT_EQ(w.rec.stamps_of(c), (std::vector<StateStamp>{{S::DialTone, 2s},
                                                         {S::Dialing, 2s + kToDialing},
                                                         {S::Proceeding, 2s + kToProceeding},
                                                         {S::RingBack, 2s + kToRinging},
                                                         {S::Disconnected, 5s},
                                                         {S::Idle, 5s}}));
  EXPECT_EQ(w.rec.stamps_of(a).back(), (StateStamp{S::Idle, 5s}));
  // No timer of the cleared calls fires afterwards.
  const std::size_t events = w.rec.events.size();
  w.run_until(600s);
  EXPECT_EQ(w.rec.events.size(), events);
}

TEST(PbxCallControlEndTest, ShutdownWithAutoreconnectMidTransferDoesNotReconnect) {
  PbxConfig cfg = base_config();
  cfg.profile.autoreconnect = true;
  World w(cfg);
  const CallId a = transfer_to_203(w, true).caller;
  const std::size_t mark = w.rec.events.size();
  EXPECT_EQ(finish(w), 4u);
  for (std::size_t i = mark; i < w.rec.events.size(); ++i)
    EXPECT_NE(w.rec.events[i].to, S::Connected) << w.rec.events[i];
  EXPECT_TRUE(w.rec.record_of(a).cleared_at_end);
}

TEST(PbxCallControlEndTest, ShutdownMidConferenceClearsEveryCall) {
  World w(base_config());
  const Conference k = three_party(w);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
  w.run_until(w.sched.now() + kToRinging);
  const CallId e = w.newest_on("204");
  const std::size_t mark = w.rec.events.size();
  EXPECT_EQ(finish(w), 7u);
  for (CallId id : {k.conf, k.a, k.b, k.c, k.d, c2, e})
    EXPECT_TRUE(w.rec.record_of(id).cleared_at_end) << to_string(id);
  for (std::size_t i = mark; i < w.rec.events.size(); ++i)
    EXPECT_TRUE(w.rec.events[i].to == S::Disconnected || w.rec.events[i].to == S::Idle) << w.rec.events[i];
}

TEST(PbxCallControlEndTest, ShutdownOfAThreePartyConferenceClearsEveryCall) {
  World w(base_config());
  three_party(w);
  finish(w);  // every call IDLE with one record, no handle left
}

TEST(PbxCallControlEndBugTest, ShutdownOfAThreePartyConferenceMarksEveryRecordCleared) {
  World w(base_config());
  const Conference k = three_party(w);
  const std::size_t mark = w.rec.events.size();
  EXPECT_EQ(finish(w), 5u);
  for (CallId id : {k.conf, k.a, k.b, k.c, k.d})
    EXPECT_TRUE(w.rec.record_of(id).cleared_at_end) << to_string(id);
  for (std::size_t i = mark; i < w.rec.events.size(); ++i)
    EXPECT_TRUE(w.rec.events[i].to == S::Disconnected || w.rec.events[i].to == S::Idle) << w.rec.events[i];
}

TEST(PbxCallControlEndTest, MixedCallControlDayAccountsForEveryCallAndCounter) {
  PbxConfig cfg = base_config();
  cfg.profile.hold_recall = 10s;
  World w(cfg);
  // 1. consultation transfer 201 -> 203 of the call with 202.
  {
    const Pair t = transfer_to_203(w, true);
    ASSERT_TRUE(w.pbx.complete_transfer(t.caller, t.callee, TransferMode::Transfer).ok());
  }
  // 2. blind transfer by 204 of its caller 205 to 206.
  const auto [x, y] = talk(w, "205", "204");
  ASSERT_TRUE(w.pbx.blind_transfer(y, "206").ok());
  answer_newest(w, "206");
  w.run_until(w.sched.now() + 1s);
  // Everybody hangs up.
  for (const char* n : {"202", "203", "205", "206"}) {
    for (CallId id : w.pbx.active_calls(w.line(n))) w.pbx.drop(id);
  }
  for (std::size_t l = 0; l < w.pbx.line_count(); ++l)
    for (CallId id : w.pbx.active_calls(static_cast<LineId>(l))) w.pbx.drop(id);
  expect_all_idle(w);
  // 3. a conference of four that dissolves party by party.
  const Conference k = three_party(w);
  const CallId c2 = w.pbx.prepare_add_to_conference(k.conf, "204").consult;
  w.run_until(w.sched.now() + kToRinging);
  answer_newest(w, "204");
  ASSERT_TRUE(w.pbx.add_to_conference(k.conf, c2).ok());
  ASSERT_TRUE(w.pbx.remove_from_conference(c2).ok());
  ASSERT_TRUE(w.pbx.remove_from_conference(k.c).ok());  // collapses
  ASSERT_EQ(w.state(k.a), S::Connected);
  // 4. a hold that recalls, is answered and hung up.
  ASSERT_TRUE(w.pbx.hold(k.a).ok());
  w.run_until(w.sched.now() + 10s);
  ASSERT_EQ(w.state(k.a), S::Offering);
  ASSERT_TRUE(w.pbx.answer(k.a).ok());
  ASSERT_TRUE(w.pbx.drop(k.a).ok());
  for (std::size_t l = 0; l < w.pbx.line_count(); ++l)
    for (CallId id : w.pbx.active_calls(static_cast<LineId>(l))) w.pbx.drop(id);
  expect_all_idle(w);
  // 5. a redirect, answered, hung up.
  const CallId r1 = w.call("205", "206");
  w.run_until(w.sched.now() + kToRinging);
  ASSERT_TRUE(w.pbx.redirect(w.newest_on("206"), "203").ok());
  answer_newest(w, "203");
  ASSERT_TRUE(w.pbx.drop(r1).ok());
  for (std::size_t l = 0; l < w.pbx.line_count(); ++l)
    for (CallId id : w.pbx.active_calls(static_cast<LineId>(l))) w.pbx.drop(id);
  expect_all_idle(w);

  const PbxStats& st = w.pbx.stats();
  EXPECT_EQ(st.transfers, 2u);
  EXPECT_EQ(st.conferences, 1u);
  EXPECT_EQ(st.conference_max_size, 3u);
  EXPECT_EQ(st.redirects, 1u);
  EXPECT_EQ(st.hold_recalls, 1u);
  // Calls: transfer 4 (a, b, c, d), blind 3 (x, y, 206), conference 7 (a, b, conf, c, d, c2,
  // 204), redirect 3 (r1, 206, 203).
  EXPECT_EQ(st.calls_created, 17u);
  EXPECT_EQ(finish(w), 0u);
  (void)x;
}

}  // namespace
}  // namespace telsim::test
