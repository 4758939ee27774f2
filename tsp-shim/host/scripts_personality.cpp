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
};

const Preset kPresets[] = {
    {"strict",
     {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
      LINECALLSTATE_CONNECTED},
     false, LINEREMOVEFROMCONF_ANY, true, true, false},
    {"minimal", {LINECALLSTATE_DIALING, LINECALLSTATE_RINGBACK, LINECALLSTATE_CONNECTED}, false,
     LINEREMOVEFROMCONF_NONE, false, false, false},
    {"key_system", {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_RINGBACK, LINECALLSTATE_CONNECTED},
     true, LINEREMOVEFROMCONF_NONE, true, false, false},
    {"large_pbx",
     {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_RINGBACK, LINECALLSTATE_PROCEEDING,
      LINECALLSTATE_CONNECTED},
     false, LINEREMOVEFROMCONF_LAST, true, true, true},
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
  double fastest = 1e9;
  for (const Completion& c : done) fastest = std::min(fastest, c.after_ms);
  std::printf("   %zu requests completed, the fastest %.0f ms after it was made\n", done.size(), fastest);
  const Completion& answer_done = completion_of(done, answered);
  const std::uint64_t connected_at = state_of(b1, LINECALLSTATE_CONNECTED).seq;
  if (p.slow) {
    step("large_pbx: every completion at least 200 ms after its request; CONNECTED before lineAnswer's completion");
    for (const Completion& c : done)
      expect(c.after_ms >= kMinReplyDelayMs, "request " + std::to_string(c.id) + " completed " +
                                                 std::to_string(c.after_ms) + " ms after it was made; the switch "
                                                 "replies no earlier than 200 ms");
    // The switch answered at once and replied later: its CONNECTED came first, and so to TAPI.
    expect(connected_at < answer_done.seq, "202's LINE_CALLSTATE CONNECTED came after lineAnswer's ASYNC_COMPLETION");
  }
  // Whatever the order on the wire, a created call was TAPI's only after its request completed.
  expect(completion_of(done, made).seq < a1.states.front().seq,
         "201's call had a LINE_CALLSTATE before lineMakeCall completed");
  if (unparked)
    expect(completion_of(done, unparked).seq < b->states.front().seq,
           "202's unparked call had a LINE_CALLSTATE before lineUnpark completed");

  step("TAPI closes the calls (the server deallocates them) and the lines");
  std::vector<TapiCall*> calls = {&a1, &b1};
  if (b != &b1) calls.push_back(b);
  close_all(tapi, calls, {&A, &B});
  for (const std::string& n : names) wait_deallocated(mon, n);
  tapi.shutdown();
  tapi.check_rules();
}

}  // namespace telsim::tsp::host
