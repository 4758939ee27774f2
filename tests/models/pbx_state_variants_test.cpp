// The state sequences a switch reports (switch profile: skip_states, ringback, connected_delay,
// conference_collapse, remove_from_conference): what applications see changes, what the call
// may do does not.
#include <gtest/gtest.h>

#include <vector>

#include "models/pbx_fixture.hpp"

namespace telsim::test {
namespace {

using S = CallState;
using M = DisconnectMode;

constexpr SimTime kDialing = 100ms;     // dial tone delay
constexpr SimTime kProceeding = 340ms;  // + 3 digits x 80 ms
constexpr SimTime kRinging = 1340ms;    // + 1 s post-dial delay

CallStateEvent ev(SimTime at, CallId call, LineId line, CallState from, CallState to, DisconnectMode mode = M::None) {
  return CallStateEvent{at, call, line, from, to, mode, CallReason::Direct};
}

std::uint32_t mask(std::initializer_list<CallState> states) {
  std::uint32_t m = 0;
  for (CallState s : states) m |= static_cast<std::uint32_t>(s);
  return m;
}

/// 201 calls 202, 202 answers at 3 s; the caller's events.
struct Played {
  std::vector<CallStateEvent> caller;
  std::vector<StateStamp> history;
  CallId caller_id, callee_id;
};
Played play(SwitchProfile profile, SimTime until = 4s) {
  PbxConfig cfg = config_of({manual("201"), manual("202")});
  cfg.profile = profile;
  World w(std::move(cfg));
  Played p;
  p.caller_id = w.call("201", "202");
  w.run_until(3s);
  p.callee_id = w.newest_on("202");
  EXPECT_TRUE(w.pbx.answer(p.callee_id).ok());
  w.run_until(until);
  p.caller = w.rec.events_of(p.caller_id);
  p.history = w.pbx.find_call(p.caller_id)->history;
  return p;
}

TEST(PbxStateVariants, SkippedStatesAreNeitherReportedNorInTheHistory) {
  SwitchProfile profile;
  profile.skip_states = mask({S::DialTone, S::Proceeding});
  const Played p = play(profile);
  const LineId l1 = 0;
  // A new call in a skipped DIALTONE shows as DIALING from the start; PROCEEDING never shows.
  EXPECT_EQ(p.caller, (std::vector<CallStateEvent>{ev(0ms, p.caller_id, l1, S::Idle, S::Dialing),
                                                    ev(kRinging, p.caller_id, l1, S::Dialing, S::RingBack),
                                                    ev(3s, p.caller_id, l1, S::RingBack, S::Connected)}));
  EXPECT_EQ(p.history, (std::vector<StateStamp>{{S::Dialing, 0ms}, {S::RingBack, kRinging}, {S::Connected, 3s}}));
}

TEST(PbxStateVariants, ACallInAHiddenStateStillDoesWhatThatStateAllows) {
  SwitchProfile profile;
  profile.skip_states = mask({S::Proceeding});
  PbxConfig cfg = config_of({manual("201"), manual("202")});
  cfg.profile = profile;
  World w(std::move(cfg));
  const CallId a = w.call("201", "202");
  w.run_until(kProceeding + 10ms);
  EXPECT_EQ(w.state(a), S::Proceeding) << "the switch's own state";
  EXPECT_EQ(w.pbx.find_call(a)->shown, S::Dialing) << "what applications were told";
  EXPECT_TRUE(w.pbx.dial(a, "5").ok()) << "digits into a proceeding call go through, told or not";
}

TEST(PbxStateVariants, RingbackBeforeProceedingSwapsTheTwo) {
  SwitchProfile profile;
  profile.ringback_before_proceeding = true;
  const Played p = play(profile);
  const LineId l1 = 0;
  EXPECT_EQ(p.caller, (std::vector<CallStateEvent>{ev(0ms, p.caller_id, l1, S::Idle, S::DialTone),
                                                    ev(kDialing, p.caller_id, l1, S::DialTone, S::Dialing),
                                                    ev(kProceeding, p.caller_id, l1, S::Dialing, S::RingBack),
                                                    ev(kRinging, p.caller_id, l1, S::RingBack, S::Proceeding),
                                                    ev(3s, p.caller_id, l1, S::Proceeding, S::Connected)}));
}

TEST(PbxStateVariants, ConnectedDelayHoldsBackOnlyTheCallersConnected) {
  SwitchProfile profile;
  profile.connected_delay = 300ms;
  PbxConfig cfg = config_of({manual("201"), manual("202")});
  cfg.profile = profile;
  World w(std::move(cfg));
  const CallId a = w.call("201", "202");
  w.run_until(3s);
  const CallId b = w.newest_on("202");
  ASSERT_TRUE(w.pbx.answer(b).ok());
  EXPECT_EQ(w.rec.last_event_of(b)->to, S::Connected) << "the called party's CONNECTED at once";
  EXPECT_EQ(w.rec.last_event_of(a)->to, S::RingBack);
  EXPECT_EQ(w.state(a), S::Connected) << "the switch has connected them";
  w.run_until(3s + 299ms);
  EXPECT_EQ(w.rec.last_event_of(a)->to, S::RingBack);
  w.run_until(3s + 300ms);
  EXPECT_EQ(w.rec.last_event_of(a)->to, S::Connected);
  EXPECT_EQ(w.rec.last_event_of(a)->at, SimTime(3s + 300ms));
}

TEST(PbxStateVariants, AChangeBeforeTheDelayedConnectedReportsItFirst) {
  SwitchProfile profile;
  profile.connected_delay = 2s;
  PbxConfig cfg = config_of({manual("201"), manual("202")});
  cfg.profile = profile;
  World w(std::move(cfg));
  const CallId a = w.call("201", "202");
  w.run_until(3s);
  ASSERT_TRUE(w.pbx.answer(w.newest_on("202")).ok());
  w.run_until(3500ms);
  ASSERT_TRUE(w.pbx.drop(a).ok());  // before the CONNECTED was told
  const std::vector<CallStateEvent> events = w.rec.events_of(a);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2], ev(3500ms, a, 0, S::RingBack, S::Connected));
  EXPECT_EQ(events.back(), ev(3500ms, a, 0, S::Connected, S::Idle, M::Normal));
  w.run_until(10s);
  EXPECT_EQ(w.rec.events_of(a).size(), events.size()) << "nothing told twice";
}

TEST(PbxStateVariants, SkippingRingbackStillEndsInIdleWithARecord) {
  SwitchProfile profile;
  profile.skip_states = mask({S::DialTone, S::Dialing, S::Proceeding, S::RingBack});
  PbxConfig cfg = config_of({manual("201"), manual("202")});
  cfg.profile = profile;
  World w(std::move(cfg));
  const CallId a = w.call("201", "202");
  w.run_until(3s);
  ASSERT_TRUE(w.pbx.drop(a).ok());
  EXPECT_EQ(w.rec.states_of(a), (std::vector<S>{S::Dialing, S::Idle}));
  EXPECT_EQ(w.rec.record_of(a).history.back().state, S::Idle);
}

}  // namespace
}  // namespace telsim::test
