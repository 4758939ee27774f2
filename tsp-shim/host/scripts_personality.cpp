// personality-*: one walk under each switch personality (tsp-shim/test/personality.yaml with
// `pbx: {personality: NAME}`; docs/scenarios.md, "Personalities"). 201 calls 202, 202 answers,
// 201 holds and unholds, 202 parks and unparks its call (where the preset offers them), 201
// hangs up, then 202: each call's LINE_CALLSTATE sequence is the one the preset documents
// (held against the server's as every walk does), the capabilities are the preset's, what it
// does not offer is refused at once. Under large_pbx, whose switch replies 200-600 ms late and
// after the events a request caused, every request completes no earlier than 200 ms after it was
// made, the created calls' events (which came before the reply that named them: lineMakeCall's,
// lineUnpark's) all reach TAPI after the completion, and the answering line hears CONNECTED
// before lineAnswer completes.
#include <algorithm>
#include <cstdio>

#include "monitor.hpp"
#include "script_support.hpp"
#include "tapi_sim.hpp"
#include "text.hpp"

namespace telsim::tsp::host {
namespace {

struct Preset {
  const char* name;
  std::vector<DWORD> made;  ///< the caller's call, from lineMakeCall to CONNECTED
  bool drop_disconnects;    ///< local_drop disconnected: lineDrop gives DISCONNECTED, then IDLE
  DWORD remove_caps;        ///< LINEADDRESSCAPS dwRemoveFromConfCaps (remove_from_conference)
  bool holds;               ///< hold and unhold offered
  bool parks;               ///< park offered (the scenario has orbits)
  bool slow;                ///< replies at least 200 ms late, after the events they caused
  bool collapses;           ///< conference_collapse: a conference left with one party becomes a call with it
};

const Preset kPresets[] = {
    {"strict",
     {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
      LINECALLSTATE_CONNECTED},
     false, LINEREMOVEFROMCONF_ANY, true, true, false, true},
    {"minimal", {LINECALLSTATE_DIALING, LINECALLSTATE_RINGBACK, LINECALLSTATE_CONNECTED}, false,
     LINEREMOVEFROMCONF_NONE, false, false, false, true},
    {"key_system", {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_RINGBACK, LINECALLSTATE_CONNECTED},
     true, LINEREMOVEFROMCONF_NONE, true, false, false, true},
    {"large_pbx",
     {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_RINGBACK, LINECALLSTATE_PROCEEDING,
      LINECALLSTATE_CONNECTED},
     false, LINEREMOVEFROMCONF_LAST, true, true, true, false},
};

constexpr double kMinReplyDelayMs = 200;  // large_pbx: reply_delay uniform(200ms, 600ms)

const Completion& completion_of(const std::vector<Completion>& all, DRV_REQUESTID id) {
  for (const Completion& c : all)
    if (c.id == id) return c;
  throw Failure("request " + std::to_string(id) + " never completed");
}

const TapiCall::State& state_of(const TapiCall& c, DWORD state) {
  for (const auto& s : c.states)
    if (s.state == state) return s;
  throw Failure(c.label + " was never " + call_state_name(state) + ": " + state_list(c.states));
}

/// Where a party can be taken out of a conference (remove_from_conference any or last): 201
/// talks to 203, sets up a conference (two calls created: under large_pbx both report before the
/// reply names them), adds 204, and takes out a party. Only the last one added offers
/// REMOVEFROMCONF under `last`, and the other is refused; under `any` both offer it. Then the
/// conference collapses into 201's call with 203 (conference_collapse) or stays up with it until
/// dropped.
void conference(FakeTapi& tapi, Monitor& mon, const Preset& p, TapiLine& A) {
  Tsp& t = tapi.tsp();
  TapiLine& C = tapi.open("203");
  TapiLine& D = tapi.open("204");
  step("201 calls 203, 203 answers; 201 sets up a conference and adds 204");
  TapiCall& x1 = make_call(tapi, A, L"203", "201's call to 203");
  TapiCall& y1 = tapi.wait_new_call(C, "203's call from 201");
  tapi.wait_state(y1, LINECALLSTATE_OFFERING);
  answer(tapi, y1);
  tapi.wait_state(x1, LINECALLSTATE_CONNECTED);
  DRV_REQUESTID r = tapi.next_request();
  TapiCall& conf = tapi.outgoing("201's conference call", A, r);
  TapiCall& x2 = tapi.outgoing("201's call to add (204)", A, r);
  tapi.expect_ok(t.TSPI_lineSetupConference(r, x1.hd, A.hd, conf.ht(), &conf.hd, x2.ht(), &x2.hd, 3, nullptr), r,
                 "lineSetupConference(201)");
  tapi.wait_state(conf, LINECALLSTATE_ONHOLDPENDCONF);
  tapi.wait_state(x1, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(x2, LINECALLSTATE_DIALTONE);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, x2.hd, L"204", 0), r, "lineDial(201's call to add, 204)");
  TapiCall& z1 = tapi.wait_new_call(D, "204's call from 201");
  tapi.wait_state(z1, LINECALLSTATE_OFFERING);
  answer(tapi, z1);
  tapi.wait_state(x2, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAddToConference(r, conf.hd, x2.hd), r, "lineAddToConference");
  tapi.wait_state(x2, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(conf, LINECALLSTATE_CONNECTED);

  step("REMOVEFROMCONF on the parties as remove_from_conference says; the first party taken out where allowed");
  const bool first_removable = p.remove_caps == LINEREMOVEFROMCONF_ANY;
  const DWORD first = FakeTapi::call_status(t, x1).dwCallFeatures, last = FakeTapi::call_status(t, x2).dwCallFeatures;
  expect((last & LINECALLFEATURE_REMOVEFROMCONF) != 0, "the party added last cannot be removed: features " + hex(last));
  expect(((first & LINECALLFEATURE_REMOVEFROMCONF) != 0) == first_removable,
         "the first party's features " + hex(first) + (first_removable ? " lack" : " have") + " REMOVEFROMCONF");
  if (!first_removable) {
    r = tapi.next_request();
    expect_unavail(tapi, t.TSPI_lineRemoveFromConference(r, x1.hd), r, "lineRemoveFromConference(the first party)");
  }
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineRemoveFromConference(r, x2.hd), r, "lineRemoveFromConference(the party added last)");
  tapi.wait_state(x2, LINECALLSTATE_IDLE);
  tapi.wait_state(z1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, z1);

  step(p.collapses ? "the conference collapses; 201 hangs up" : "the conference stays up with 203; 201 drops it");
  if (p.collapses) {
    tapi.wait_state(conf, LINECALLSTATE_IDLE);
    tapi.wait_state(x1, LINECALLSTATE_CONNECTED);
    drop(tapi, x1);
  } else {
    drop(tapi, conf);
    tapi.wait_state(x1, LINECALLSTATE_IDLE);
  }
  tapi.wait_state(y1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, y1);

  std::vector<DWORD> first_states = p.made, added = p.made;
  first_states.push_back(LINECALLSTATE_CONFERENCED);
  if (p.collapses) first_states.push_back(LINECALLSTATE_CONNECTED);
  first_states.push_back(LINECALLSTATE_IDLE);
  added.insert(added.end(), {LINECALLSTATE_CONFERENCED, LINECALLSTATE_IDLE});
  const std::vector<DWORD> answered = {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED,
                                       LINECALLSTATE_IDLE};
  const std::vector<std::string> names = check_sequences(
      t, mon,
      {{&x1, first_states},
       {&y1, answered},
       {&conf, {LINECALLSTATE_ONHOLDPENDCONF, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
       {&x2, added},
       {&z1, answered}},
      &conf);
  close_all(tapi, {&x1, &y1, &conf, &x2, &z1}, {&C, &D});
  for (const std::string& n : names) wait_deallocated(mon, n);
}

}  // namespace

void personality(const Context& cx, const std::string& preset) {
  const auto found = std::find_if(std::begin(kPresets), std::end(kPresets),
                                  [&](const Preset& p) { return preset == p.name; });
  if (found == std::end(kPresets)) throw Failure("no personality walk for '" + preset + "'");
  const Preset& p = *found;
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  step(std::string("personality ") + p.name + ": open 201 and 202");
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);

  step("the capabilities are the preset's");
  const Advertised a = advertised(t, A);
  expect(a.remove_caps == p.remove_caps, "dwRemoveFromConfCaps " + hex(a.remove_caps) + ", the preset's is " +
                                             hex(p.remove_caps) + " (remove_from_conference)");
  expect(a.call(LINECALLFEATURE_REMOVEFROMCONF) == (p.remove_caps != LINEREMOVEFROMCONF_NONE),
         "dwCallFeatures " + hex(a.call_features) + ": REMOVEFROMCONF must be there exactly when a party can be removed");
  const DWORD hold_bits = LINECALLFEATURE_HOLD | LINECALLFEATURE_UNHOLD;
  expect(p.holds ? a.call(hold_bits) : (a.call_features & (hold_bits | LINECALLFEATURE_SWAPHOLD)) == 0,
         "dwCallFeatures " + hex(a.call_features) + (p.holds ? " lacks HOLD or UNHOLD" : " has hold features"));
  expect(p.parks ? a.call(LINECALLFEATURE_PARK) && a.park_modes == (LINEPARKMODE_DIRECTED | LINEPARKMODE_NONDIRECTED)
                 : !(a.call_features & LINECALLFEATURE_PARK) && a.park_modes == 0 && !(a.address_features & LINEADDRFEATURE_UNPARK),
         "dwCallFeatures " + hex(a.call_features) + ", dwParkModes " + hex(a.park_modes) +
             (p.parks ? ": park must be offered (the scenario has orbits)" : ": park must not be offered"));

  step("201 calls 202");
  const DRV_REQUESTID made = tapi.next_request();
  TapiCall& a1 = tapi.outgoing("201's call to 202", A, made);
  tapi.expect_ok(t.TSPI_lineMakeCall(made, A.hd, a1.ht(), &a1.hd, L"202", 0, nullptr), made, "lineMakeCall(201 -> 202)");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  tapi.wait_state(a1, p.made[p.made.size() - 2]);  // the last state before the answer

  step("202 answers");
  const DRV_REQUESTID answered = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAnswer(answered, b1.hd, nullptr, 0), answered, "lineAnswer(202)");
  tapi.wait_state(b1, LINECALLSTATE_CONNECTED);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);

  if (p.holds) {
    step("201 holds and unholds");
    DRV_REQUESTID r = tapi.next_request();
    tapi.expect_ok(t.TSPI_lineHold(r, a1.hd), r, "lineHold(201)");
    tapi.wait_state(a1, LINECALLSTATE_ONHOLD);
    r = tapi.next_request();
    tapi.expect_ok(t.TSPI_lineUnhold(r, a1.hd), r, "lineUnhold(201)");
    tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  } else {
    step("lineHold is OPERATIONUNAVAIL at once");
    const DRV_REQUESTID r = tapi.next_request();
    tapi.expect_sync_error(t.TSPI_lineHold(r, a1.hd), r, err(LINEERR_OPERATIONUNAVAIL), "lineHold(201)");
  }
  // 202's call from here: the one it unparks where the switch parks, else the one it answered.
  TapiCall* b = &b1;
  DRV_REQUESTID unparked = 0;
  if (p.parks) {
    // lineUnpark creates a call: under large_pbx its CONNECTED comes before the reply naming it.
    step("202 parks its call on 701 and unparks it");
    DRV_REQUESTID r = tapi.next_request();
    tapi.expect_ok(t.TSPI_linePark(r, b1.hd, LINEPARKMODE_DIRECTED, L"701", nullptr), r, "linePark(202, 701)");
    tapi.wait_state(b1, LINECALLSTATE_IDLE);
    unparked = tapi.next_request();
    b = &tapi.outgoing("202's unparked call", B, unparked);
    tapi.expect_ok(t.TSPI_lineUnpark(unparked, B.hd, 0, b->ht(), &b->hd, L"701"), unparked, "lineUnpark(202, 701)");
    tapi.wait_state(*b, LINECALLSTATE_CONNECTED);
  } else {
    step("linePark is OPERATIONUNAVAIL at once");
    const DRV_REQUESTID r = tapi.next_request();
    tapi.expect_sync_error(t.TSPI_linePark(r, a1.hd, LINEPARKMODE_DIRECTED, L"701", nullptr), r,
                           err(LINEERR_OPERATIONUNAVAIL), "linePark(201, 701)");
  }

  step("201 hangs up, then 202");
  drop(tapi, a1);
  tapi.wait_state(*b, LINECALLSTATE_DISCONNECTED);
  drop(tapi, *b);

  step("each call's LINE_CALLSTATE sequence is the preset's, and the server's");
  std::vector<DWORD> a_states = p.made;
  if (p.holds) a_states.insert(a_states.end(), {LINECALLSTATE_ONHOLD, LINECALLSTATE_CONNECTED});
  if (p.drop_disconnects) a_states.push_back(LINECALLSTATE_DISCONNECTED);
  a_states.push_back(LINECALLSTATE_IDLE);
  std::vector<std::pair<TapiCall*, std::vector<DWORD>>> all = {{&a1, a_states}};
  if (p.parks) {
    all.push_back({&b1, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}});
    all.push_back({b, {LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE}});
  } else {
    all.push_back({&b1, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE}});
  }
  const std::vector<std::string> names = check_sequences(t, mon, all);
  // No call ever allowed more than the address advertises.
  for (const auto& [c, states] : all)
    for (const auto& s : c->states)
      expect((s.status_features & ~a.call_features) == 0,
             c->label + " in " + call_state_name(s.state) + ": dwCallFeatures " + hex(s.status_features) +
                 " beyond LINEADDRESSCAPS' " + hex(a.call_features));

  const std::vector<Completion> done = tapi.completions();
  if (p.slow) {
    // The switch answered at once and replied later: its CONNECTED came first, and so to TAPI.
    step("large_pbx: 202's CONNECTED before lineAnswer's completion");
    expect(state_of(b1, LINECALLSTATE_CONNECTED).seq < completion_of(done, answered).seq,
           "202's LINE_CALLSTATE CONNECTED came after lineAnswer's ASYNC_COMPLETION");
  }
  // Whatever the order on the wire, a created call was TAPI's only after its request completed.
  expect(completion_of(done, made).seq < a1.states.front().seq,
         "201's call had a LINE_CALLSTATE before lineMakeCall completed");
  if (unparked)
    expect(completion_of(done, unparked).seq < b->states.front().seq,
           "202's unparked call had a LINE_CALLSTATE before lineUnpark completed");

  step("TAPI closes the calls (the server deallocates them)");
  std::vector<TapiCall*> calls = {&a1, &b1};
  if (b != &b1) calls.push_back(b);
  close_all(tapi, calls, {});
  for (const std::string& n : names) wait_deallocated(mon, n);
  if (p.remove_caps != LINEREMOVEFROMCONF_NONE) conference(tapi, mon, p, A);
  close_all(tapi, {}, {&A, &B});

  // Every request of the walk completed (close_all would not have succeeded otherwise).
  const std::vector<Completion> all_done = tapi.completions();
  double fastest = 1e9;
  for (const Completion& c : all_done) fastest = std::min(fastest, c.after_ms);
  std::printf("   %zu requests completed, the fastest %.0f ms after it was made\n", all_done.size(), fastest);
  if (p.slow) {
    // A lower bound only: how much later than that is the machine's business.
    step("large_pbx: every completion at least 200 ms after its request");
    for (const Completion& c : all_done)
      expect(c.after_ms >= kMinReplyDelayMs, "request " + std::to_string(c.id) + " completed " +
                                                 std::to_string(c.after_ms) + " ms after it was made; the switch "
                                                 "replies no earlier than 200 ms");
  }
  tapi.shutdown();
  tapi.check_rules();
}

}  // namespace telsim::tsp::host
