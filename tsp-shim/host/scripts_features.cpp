// The host's walks through the PBX features no other walk uses (tsp-shim/test/office.yaml: manual
// extensions 201 Front desk, 202 Sales, 203 Support in pickup group "desk", park orbits 701-709):
//   answering   lineAccept, lineRedirect, linePickup (directed, group), lineForward
//   no-groups   directed linePickup on a switch without pickup groups (no-groups.yaml)
//   transfers   lineSwapHold, lineBlindTransfer (and the connected ID after it), non-directed
//               linePark, lineUnpark
//   completion  lineSecureCall, lineCompleteCall (CAMPON, CALLBACK), lineUncompleteCall
// and, on tsp-shim/test/switch-ops.yaml (201-205, a one-channel trunk):
//   redirection-ids  RedirectionID / RedirectingID on both sides of a redirect, a two-hop forward
//                    and a blind transfer (D4)
//   held-transfer    hold + make + lineCompleteTransfer (TRANSFER, CONFERENCE), lineAddToConference
//                    of a held call (D2)
//   trunks           all trunks busy: BUSY with LINEBUSYMODE_TRUNK; a busy extension STATION (D7)
// Like the `calls` walk, each checks every call's LINE_CALLSTATE sequence against docs/tapi-conformance.md and the
// server's own events (dwParam2 included), reads LINECALLSTATUS inside every callback, and ends
// with every call IDLE, closed and deallocated at the server.
#include <cstdio>

#include "monitor.hpp"
#include "media.hpp"
#include "script_support.hpp"
#include "text.hpp"

namespace telsim::tsp::host {
namespace {

using S = std::vector<DWORD>;

const S kDialled = {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
                    LINECALLSTATE_CONNECTED};
const S kDialledBusy = {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_BUSY};

S then(S s, std::initializer_list<DWORD> more) {
  s.insert(s.end(), more);
  return s;
}

std::string describe(const CallInfo& i) {
  return "reason " + hex(i.reason) + ", caller '" + narrow(i.caller) + "', called '" + narrow(i.called) +
         "', redirecting '" + narrow(i.redirecting) + "', redirection '" + narrow(i.redirection) + "', connected '" +
         narrow(i.connected) + "'";
}

/// `c`'s own dwCallFeatures as read inside each of its LINE_CALLSTATEs in `states` have `bits`.
void expect_features_in(const TapiCall& c, const S& states, DWORD bits, const std::string& name) {
  for (DWORD state : states) {
    bool seen = false;
    for (const auto& s : c.states) {
      if (s.state != state) continue;
      seen = true;
      expect((s.status_features & bits) == bits, c.label + ": inside LINE_CALLSTATE " + call_state_name(state) +
                                                     " dwCallFeatures " + hex(s.status_features) + " lacks " + name);
    }
    expect(seen, c.label + " was never " + call_state_name(state));
  }
}

/// Set forwarding on a line (`list` NULL: cancel it) and wait for LINE_ADDRESSSTATE FORWARD.
void forward(FakeTapi& tapi, TapiLine& l, const std::vector<BYTE>* list, const std::string& what) {
  const std::size_t before = l.addrstates.size();
  HDRVCALL consult = reinterpret_cast<HDRVCALL>(static_cast<std::uintptr_t>(1));
  const DRV_REQUESTID r = tapi.next_request();
  auto* fl = list ? reinterpret_cast<const LINEFORWARDLIST*>(list->data()) : nullptr;
  tapi.expect_ok(tapi.tsp().TSPI_lineForward(r, l.hd, 1, 0, const_cast<LINEFORWARDLIST*>(fl), 0, nullptr, &consult,
                                              nullptr),
                 r, "lineForward(" + what + ")");
  expect(consult == nullptr, "lineForward(" + what + ") left a consultation call handle");
  tapi.wait_addrstate(l, LINEADDRESSSTATE_FORWARD, before);
}

/// The forwarding LINEADDRESSSTATUS lists: (mode, destination) each.
std::vector<std::pair<DWORD, std::wstring>> forwarding_of(Tsp& t, TapiLine& l) {
  Buffer<LINEADDRESSSTATUS> as(sizeof(LINEADDRESSSTATUS) + 512);
  if (LONG rc = t.TSPI_lineGetAddressStatus(l.hd, 0, as.get()); rc != 0)
    throw Failure("TSPI_lineGetAddressStatus(" + l.number + ") = " + error_name(rc));
  expect(as->dwUsedSize == as->dwNeededSize, l.number + ": LINEADDRESSSTATUS did not fit");
  std::vector<std::pair<DWORD, std::wstring>> out;
  for (DWORD i = 0; i < as->dwForwardNumEntries; ++i) {
    LINEFORWARD f{};
    std::memcpy(&f, as.bytes.data() + as->dwForwardOffset + i * sizeof(LINEFORWARD), sizeof f);
    out.emplace_back(f.dwForwardMode, as.text(f.dwDestAddressSize, f.dwDestAddressOffset));
  }
  return out;
}

/// What LINEADDRESSCAPS and LINEADDRESSSTATUS offer for pickup: directed always, by group only
/// on a switch with pickup groups (LINEADDRCAPFLAGS_PICKUPGROUPID with it).
void expect_pickup_features(Tsp& t, TapiLine& l, bool groups) {
  Buffer<LINEADDRESSCAPS> caps(4096);
  if (LONG rc = t.TSPI_lineGetAddressCaps(l.device_id, 0, l.version, 0, caps.get()); rc != 0)
    throw Failure("TSPI_lineGetAddressCaps(" + l.number + ") = " + error_name(rc));
  LINEADDRESSSTATUS st{};
  st.dwTotalSize = sizeof st;
  if (LONG rc = t.TSPI_lineGetAddressStatus(l.hd, 0, &st); rc != 0)
    throw Failure("TSPI_lineGetAddressStatus(" + l.number + ") = " + error_name(rc));
  const DWORD always = LINEADDRFEATURE_PICKUP | LINEADDRFEATURE_PICKUPDIRECT;
  for (const auto& [what, f] : {std::pair<const char*, DWORD>{"LINEADDRESSCAPS", caps->dwAddressFeatures},
                                {"LINEADDRESSSTATUS", st.dwAddressFeatures}}) {
    expect((f & always) == always, l.number + ": " + what + ".dwAddressFeatures " + hex(f) +
                                       " without PICKUP|PICKUPDIRECT");
    expect(((f & LINEADDRFEATURE_PICKUPGROUP) != 0) == groups,
           l.number + ": " + what + ".dwAddressFeatures " + hex(f) + (groups ? " without" : " with") +
               " PICKUPGROUP on a switch " + (groups ? "with" : "without") + " pickup groups");
  }
  expect(((caps->dwAddrCapFlags & LINEADDRCAPFLAGS_PICKUPGROUPID) != 0) == groups,
         l.number + ": dwAddrCapFlags " + hex(caps->dwAddrCapFlags) + (groups ? " without" : " with") +
             " PICKUPGROUPID");
}

void finish(FakeTapi& tapi, Monitor& mon, const std::vector<std::string>& names, const std::vector<TapiCall*>& calls,
            const std::vector<TapiLine*>& lines) {
  step("TAPI closes the calls (the server deallocates them) and the lines");
  for (TapiCall* c : calls)
    if (!c->states.empty())
      expect(c->last_state() == LINECALLSTATE_IDLE, c->label + " ended " + call_state_name(c->last_state()));
  close_all(tapi, calls, lines);
  for (const std::string& n : names) wait_deallocated(mon, n);
  tapi.shutdown();
  tapi.check_rules();
}

}  // namespace

// --- answering: accept, redirect, pickup, forward -----------------------------------------------

void answering(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);

  expect_pickup_features(t, B, true);

  step("201 calls 202; 202 accepts the call (ACCEPTED), then redirects it to 203");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  tapi.wait_state(a1, LINECALLSTATE_RINGBACK);
  expect_features_in(b1, {LINECALLSTATE_OFFERING}, LINECALLFEATURE_ACCEPT | LINECALLFEATURE_REDIRECT,
                     "ACCEPT|REDIRECT");
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAccept(r, b1.hd, nullptr, 0), r, "lineAccept(202)");
  tapi.wait_state(b1, LINECALLSTATE_ACCEPTED);
  const DWORD accepted = FakeTapi::call_status(t, b1).dwCallFeatures;
  expect((accepted & (LINECALLFEATURE_ANSWER | LINECALLFEATURE_REDIRECT)) && !(accepted & LINECALLFEATURE_ACCEPT),
         "202's accepted call: features " + hex(accepted) + " (ANSWER and REDIRECT, no ACCEPT)");
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineAccept(r, b1.hd, nullptr, 0), r, err(LINEERR_INVALCALLSTATE),
                    "lineAccept(202, accepted already)");
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineRedirect(r, b1.hd, L"20", 0), r, err(LINEERR_INVALADDRESS),
                    "lineRedirect(202, incomplete number)");
  expect(b1.last_state() == LINECALLSTATE_ACCEPTED, "a refused redirect changed 202's call: " + state_list(b1.states));
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineRedirect(r, b1.hd, L"203", 0), r, "lineRedirect(202 -> 203)");
  tapi.wait_state(b1, LINECALLSTATE_IDLE);
  TapiCall& c1 = tapi.wait_new_call(C, "203's redirected call");
  tapi.wait_state(c1, LINECALLSTATE_OFFERING);
  const CallInfo ci = call_info(t, c1);
  expect(ci.reason == LINECALLREASON_REDIRECT && ci.caller == L"201" && ci.called == L"203" &&
             ci.redirecting == L"202" && ci.redirection == L"203",
         "203's redirected call: " + describe(ci) + "; expected REDIRECT from 201, redirected by 202 to 203");
  expect(a1.last_state() == LINECALLSTATE_RINGBACK, "201's call while redirected: " + state_list(a1.states));

  step("202 picks up the call ringing at 203 (directed pickup)");
  r = tapi.next_request();
  TapiCall& b2 = tapi.outgoing("202's pickup of 203's call", B, r);
  tapi.expect_ok(t.TSPI_linePickup(r, B.hd, 0, b2.ht(), &b2.hd, L"203", nullptr), r, "linePickup(202, 203)");
  tapi.wait_state(b2, LINECALLSTATE_CONNECTED);
  tapi.wait_state(c1, LINECALLSTATE_IDLE);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  expect(mode_of(c1, LINECALLSTATE_DISCONNECTED) == LINEDISCONNECTMODE_PICKUP,
         "203's picked-up leg: DISCONNECTED with mode " + hex(static_cast<DWORD>(mode_of(c1, LINECALLSTATE_DISCONNECTED))));
  const CallInfo bi = call_info(t, b2);
  expect(bi.reason == LINECALLREASON_PICKUP && bi.caller == L"201" && bi.connected == L"201",
         "202's picked-up call: " + describe(bi) + "; expected PICKUP, caller and connected 201");
  tapi.wait([&] { return info_changed(a1, LINECALLINFOSTATE_CONNECTEDID) && call_info(t, a1).connected == L"202"; },
            "201's call connected to 202 after the pickup (LINE_CALLINFO CONNECTEDID)");

  step("pickups that find nothing: nothing ringing at 202 (OPERATIONFAILED), a group 203 is not in (INVALGROUPID)");
  r = tapi.next_request();
  TapiCall& none1 = tapi.outgoing("203's pickup with nothing ringing", C, r);
  tapi.expect_error(t.TSPI_linePickup(r, C.hd, 0, none1.ht(), &none1.hd, L"202", nullptr), r,
                    err(LINEERR_OPERATIONFAILED), "linePickup(203, 202 not ringing)");
  r = tapi.next_request();
  TapiCall& none2 = tapi.outgoing("203's pickup in an unknown group", C, r);
  tapi.expect_error(t.TSPI_linePickup(r, C.hd, 0, none2.ht(), &none2.hd, nullptr, L"nosuch"), r,
                    err(LINEERR_INVALGROUPID), "linePickup(203, group nosuch)");
  drop(tapi, a1);
  tapi.wait_state(b2, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b2);

  step("203 calls 201; 202 picks it up from its group (desk)");
  TapiCall& c2 = make_call(tapi, C, L"201", "203's call to 201");
  TapiCall& a2 = tapi.wait_new_call(A, "201's call from 203");
  tapi.wait_state(a2, LINECALLSTATE_OFFERING);
  tapi.wait_state(c2, LINECALLSTATE_RINGBACK);
  r = tapi.next_request();
  TapiCall& b3 = tapi.outgoing("202's group pickup", B, r);
  tapi.expect_ok(t.TSPI_linePickup(r, B.hd, 0, b3.ht(), &b3.hd, nullptr, L"desk"), r, "linePickup(202, group desk)");
  tapi.wait_state(b3, LINECALLSTATE_CONNECTED);
  tapi.wait_state(a2, LINECALLSTATE_IDLE);
  tapi.wait_state(c2, LINECALLSTATE_CONNECTED);
  expect(mode_of(a2, LINECALLSTATE_DISCONNECTED) == LINEDISCONNECTMODE_PICKUP, "201's picked-up leg: mode " +
                                                                                  hex(static_cast<DWORD>(mode_of(a2, LINECALLSTATE_DISCONNECTED))));
  const CallInfo gi = call_info(t, b3);
  expect(gi.reason == LINECALLREASON_PICKUP && gi.caller == L"203" && gi.connected == L"203",
         "202's group pickup: " + describe(gi) + "; expected PICKUP, caller and connected 203");
  tapi.wait([&] { return call_info(t, c2).connected == L"202"; }, "203's call connected to 202 after the pickup");
  drop(tapi, c2);
  tapi.wait_state(b3, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b3);

  step("203 forwards all its calls to 201 (LINE_ADDRESSSTATE FORWARD); 202's call to 203 rings 201");
  const std::vector<BYTE> to201 = forward_list(LINEFORWARDMODE_UNCOND, L"201");
  forward(tapi, C, &to201, "203 unconditionally -> 201");
  const auto fw = forwarding_of(t, C);
  expect(fw.size() == 1 && fw[0].first == LINEFORWARDMODE_UNCOND && fw[0].second == L"201",
         "203's LINEADDRESSSTATUS after forwarding: " + std::to_string(fw.size()) + " entries");
  const std::size_t at_203 = tapi.new_calls(C);
  TapiCall& b4 = make_call(tapi, B, L"203", "202's call to 203 (forwarded)");
  TapiCall& a3 = tapi.wait_new_call(A, "201's forwarded call");
  tapi.wait_state(a3, LINECALLSTATE_OFFERING);
  tapi.wait_state(b4, LINECALLSTATE_RINGBACK);
  const CallInfo fi = call_info(t, a3);
  expect(fi.reason == LINECALLREASON_FWDUNCOND && fi.caller == L"202" && fi.called == L"201" &&
             fi.redirecting == L"203" && fi.redirection == L"201",
         "201's forwarded call: " + describe(fi) + "; expected FWDUNCOND from 202, forwarded by 203 to 201");
  answer(tapi, a3);
  tapi.wait_state(b4, LINECALLSTATE_CONNECTED);
  expect(call_info(t, b4).connected == L"201", "202's forwarded call: connected '" + narrow(call_info(t, b4).connected) + "'");
  drop(tapi, b4);
  tapi.wait_state(a3, LINECALLSTATE_DISCONNECTED);
  drop(tapi, a3);

  step("203 does not want to be disturbed (UNCOND to no one): 202's call ends DONOTDISTURB; forwarding cancelled");
  const std::vector<BYTE> dnd = forward_list(LINEFORWARDMODE_UNCOND, L"");
  forward(tapi, C, &dnd, "203 do not disturb");
  const auto dn = forwarding_of(t, C);
  expect(dn.size() == 1 && dn[0].first == LINEFORWARDMODE_UNCOND && dn[0].second.empty(),
         "203's LINEADDRESSSTATUS with do-not-disturb: " + std::to_string(dn.size()) + " entries");
  TapiCall& b5 = make_call(tapi, B, L"203", "202's call to 203 (do not disturb)");
  tapi.wait_state(b5, LINECALLSTATE_DISCONNECTED);
  expect(mode_of(b5, LINECALLSTATE_DISCONNECTED) == LINEDISCONNECTMODE_DONOTDISTURB,
         "202's call to a do-not-disturb line: mode " + hex(static_cast<DWORD>(mode_of(b5, LINECALLSTATE_DISCONNECTED))));
  drop(tapi, b5);
  forward(tapi, C, nullptr, "203 cancel");
  expect(forwarding_of(t, C).empty(), "203 still forwards after lineForward(NULL)");
  expect(tapi.new_calls(C) == at_203, "203 was offered a call while it forwarded everything");

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  const S offered_picked = {LINECALLSTATE_OFFERING, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE};
  const S joined = {LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE};
  const auto names = check_sequences(
      t, mon,
      {{&a1, then(kDialled, {LINECALLSTATE_IDLE})},  // lineDrop: straight to IDLE
       {&b1, {LINECALLSTATE_OFFERING, LINECALLSTATE_ACCEPTED, LINECALLSTATE_IDLE}},
       {&c1, offered_picked},
       {&b2, joined},
       {&c2, then(kDialled, {LINECALLSTATE_IDLE})},
       {&a2, offered_picked},
       {&b3, joined},
       {&b4, then(kDialled, {LINECALLSTATE_IDLE})},
       {&a3, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE}},
       {&b5, {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_DISCONNECTED,
              LINECALLSTATE_IDLE}}});
  expect(none1.states.empty() && none2.states.empty(), "a failed pickup's call got LINE_CALLSTATE");
  finish(tapi, mon, names, {&a1, &b1, &c1, &b2, &none1, &none2, &c2, &a2, &b3, &b4, &a3, &b5}, {&A, &B, &C});
}

// --- no-groups: directed pickup on a switch without pickup groups (no-groups.yaml) -------------

void no_groups(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);
  step("no pickup groups: TAPI is offered directed pickup, not group pickup");
  expect_pickup_features(t, C, false);

  step("201 calls 202; 203 picks it up: with no group (INVALGROUPID), then directed");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  tapi.wait_state(a1, LINECALLSTATE_RINGBACK);
  DRV_REQUESTID r = tapi.next_request();
  TapiCall& none = tapi.outgoing("203's pickup in its (no) groups", C, r);
  tapi.expect_error(t.TSPI_linePickup(r, C.hd, 0, none.ht(), &none.hd, nullptr, nullptr), r,
                    err(LINEERR_INVALGROUPID), "linePickup(203, its groups)");
  r = tapi.next_request();
  TapiCall& c1 = tapi.outgoing("203's pickup of 202's call", C, r);
  tapi.expect_ok(t.TSPI_linePickup(r, C.hd, 0, c1.ht(), &c1.hd, L"202", nullptr), r, "linePickup(203, 202)");
  tapi.wait_state(c1, LINECALLSTATE_CONNECTED);
  tapi.wait_state(b1, LINECALLSTATE_IDLE);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  expect(mode_of(b1, LINECALLSTATE_DISCONNECTED) == LINEDISCONNECTMODE_PICKUP, "202's picked-up leg: mode " +
                                                                                  hex(static_cast<DWORD>(mode_of(b1, LINECALLSTATE_DISCONNECTED))));
  const CallInfo ci = call_info(t, c1);
  expect(ci.reason == LINECALLREASON_PICKUP && ci.caller == L"201" && ci.connected == L"201",
         "203's picked-up call: " + describe(ci) + "; expected PICKUP, caller and connected 201");
  drop(tapi, c1);
  tapi.wait_state(a1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, a1);

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  const auto names = check_sequences(
      t, mon,
      {{&a1, then(kDialled, {LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE})},
       {&b1, {LINECALLSTATE_OFFERING, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE}},
       {&c1, {LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}}});  // dropped by 203: straight to IDLE
  expect(none.states.empty(), "the failed pickup's call got LINE_CALLSTATE " + state_list(none.states));
  finish(tapi, mon, names, {&a1, &b1, &none, &c1}, {&A, &B, &C});
}

// --- transfers: swap hold, blind transfer, non-directed park -------------------------------------

void transfers(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);

  step("201 calls 202, 202 answers");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  answer(tapi, b1);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);

  step("202 consults 203, swaps between the two (lineSwapHold), drops the consultation");
  DRV_REQUESTID r = tapi.next_request();
  TapiCall& b2 = tapi.outgoing("202's consultation call", B, r);
  tapi.expect_ok(t.TSPI_lineSetupTransfer(r, b1.hd, b2.ht(), &b2.hd, nullptr), r, "lineSetupTransfer(202)");
  tapi.wait_state(b1, LINECALLSTATE_ONHOLDPENDTRANSFER);
  tapi.wait_state(b2, LINECALLSTATE_DIALTONE);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, b2.hd, L"203", 0), r, "lineDial(202's consultation call, 203)");
  TapiCall& c1 = tapi.wait_new_call(C, "203's call from 202");
  tapi.wait_state(c1, LINECALLSTATE_OFFERING);
  answer(tapi, c1);
  tapi.wait_state(b2, LINECALLSTATE_CONNECTED);
  expect_features_in(b2, {LINECALLSTATE_CONNECTED}, LINECALLFEATURE_SWAPHOLD, "SWAPHOLD");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineSwapHold(r, b2.hd, b1.hd), r, "lineSwapHold(active: consultation, held: 201's)");
  tapi.wait_state(b2, LINECALLSTATE_ONHOLD);
  tapi.wait_state(b1, LINECALLSTATE_CONNECTED);
  const LINEDEVSTATUS swapped = dev_status(t, B);
  expect(swapped.dwNumActiveCalls == 1 && swapped.dwNumOnHoldCalls == 1,
         "202's LINEDEVSTATUS after the swap: active " + std::to_string(swapped.dwNumActiveCalls) + ", held " +
             std::to_string(swapped.dwNumOnHoldCalls));
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineSwapHold(r, b2.hd, b1.hd), r, err(LINEERR_INVALCALLSTATE),
                    "lineSwapHold(active: the held consultation)");
  drop(tapi, b2);
  tapi.wait_state(c1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, c1);
  expect(b1.last_state() == LINECALLSTATE_CONNECTED, "202's call with 201 after the consultation ended: " +
                                                         state_list(b1.states));

  step("202 blind-transfers 201: to an incomplete number (refused, nothing changes), then to 203");
  expect(FakeTapi::call_status(t, b1).dwCallFeatures & LINECALLFEATURE_BLINDTRANSFER,
         "202's connected call does not allow BLINDTRANSFER");
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineBlindTransfer(r, b1.hd, L"20", 0), r, err(LINEERR_INVALADDRESS),
                    "lineBlindTransfer(202, incomplete number)");
  expect(b1.last_state() == LINECALLSTATE_CONNECTED, "a refused blind transfer changed 202's call");
  const std::size_t a1_infos = a1.info_changes.size();
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineBlindTransfer(r, b1.hd, L"203", 0), r, "lineBlindTransfer(202 -> 203)");
  tapi.wait_state(b1, LINECALLSTATE_IDLE);
  TapiCall& c2 = tapi.wait_new_call(C, "203's transferred call");
  tapi.wait_state(c2, LINECALLSTATE_OFFERING);
  const CallInfo ti = call_info(t, c2);
  expect(ti.reason == LINECALLREASON_TRANSFER && ti.caller == L"201" && ti.called == L"203" &&
             ti.redirecting == L"202" && ti.redirection == L"203",
         "203's transferred call: " + describe(ti) + "; expected TRANSFER from 201, dialled to 202, sent on to 203");
  // 201's call never changed state, but it is linked to 203 now: LINE_CALLINFO CONNECTEDID.
  tapi.wait([&] { return a1.info_changes.size() > a1_infos && call_info(t, a1).connected == L"203"; },
            "LINE_CALLINFO CONNECTEDID on 201's call, now linked to 203");
  answer(tapi, c2);
  expect(a1.last_state() == LINECALLSTATE_CONNECTED, "201's call after the blind transfer: " + state_list(a1.states));
  const CallInfo after = call_info(t, a1);
  expect(after.connected == L"203" && (after.connected_flags & LINECALLPARTYID_ADDRESS),
         "201's call after the blind transfer: connected '" + narrow(after.connected) + "', flags " +
             hex(after.connected_flags));
  expect(call_info(t, c2).connected == L"201", "203's transferred call: connected '" +
                                                   narrow(call_info(t, c2).connected) + "'");

  step("203 parks the call non-directed (the orbit comes back in lpNonDirAddress); 202 unparks it");
  Buffer<VARSTRING> tiny(sizeof(VARSTRING) - 4);
  r = tapi.next_request();
  tapi.expect_sync_error(t.TSPI_linePark(r, c2.hd, LINEPARKMODE_NONDIRECTED, nullptr, tiny.get()), r,
                         err(LINEERR_STRUCTURETOOSMALL), "linePark(non-directed, VARSTRING too small)");
  Buffer<VARSTRING> orbit(sizeof(VARSTRING) + 64);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_linePark(r, c2.hd, LINEPARKMODE_NONDIRECTED, nullptr, orbit.get()), r,
                 "linePark(203, non-directed)");
  const std::wstring where = orbit.text(orbit->dwStringSize, orbit->dwStringOffset);
  expect(orbit->dwStringFormat == STRINGFORMAT_UNICODE && where == L"701" && orbit->dwUsedSize == orbit->dwNeededSize &&
             orbit.guard_intact(),
         "lpNonDirAddress after a non-directed park: '" + narrow(where) + "' (the lowest free orbit is 701)");
  tapi.wait_state(c2, LINECALLSTATE_IDLE);
  tapi.wait([&] { return call_info(t, a1).connected.empty(); }, "201's call linked to nobody while parked");
  expect(call_info(t, a1).connected_flags == LINECALLPARTYID_UNAVAIL, "201's parked call: connected id flags " +
                                                                          hex(call_info(t, a1).connected_flags));
  r = tapi.next_request();
  TapiCall& b3 = tapi.outgoing("202's unparked call", B, r);
  tapi.expect_ok(t.TSPI_lineUnpark(r, B.hd, 0, b3.ht(), &b3.hd, where.c_str()), r, "lineUnpark(202, " + narrow(where) + ")");
  tapi.wait_state(b3, LINECALLSTATE_CONNECTED);
  const CallInfo ui = call_info(t, b3);
  expect(ui.reason == LINECALLREASON_UNPARK && ui.connected == L"201",
         "202's unparked call: " + describe(ui) + "; expected UNPARK, connected 201");
  tapi.wait([&] { return call_info(t, a1).connected == L"202"; }, "201's call connected to 202 after the unpark");

  step("201 hangs up");
  drop(tapi, a1);
  tapi.wait_state(b3, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b3);

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  const auto names = check_sequences(
      t, mon,
      {{&a1, then(kDialled, {LINECALLSTATE_IDLE})},  // lineDrop: straight to IDLE
       {&b1, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_ONHOLDPENDTRANSFER,
              LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
       {&b2, then(kDialled, {LINECALLSTATE_ONHOLD, LINECALLSTATE_IDLE})},
       {&c1, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE}},
       {&c2, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
       {&b3, {LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE}}});
  finish(tapi, mon, names, {&a1, &b1, &b2, &c1, &c2, &b3}, {&A, &B, &C});
}

// --- completion: secure call, camp-on, callback, uncomplete -------------------------------------
//
// As docs/tapi-conformance.md's lineCompleteCall says (D3): CAMPON queues the call itself (it stays
// BUSY, with the completion id, and goes RINGBACK, reason CALLCOMPLETION, when the target frees);
// CALLBACK ends the call and later offers the originator a new one (OFFERING, CALLCOMPLETION),
// which rings the target once it is answered (RINGBACK, then CONNECTED).

void completion(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);

  step("202 calls 203, 203 answers: 202 is busy");
  TapiCall& b1 = make_call(tapi, B, L"203", "202's call to 203");
  TapiCall& c1 = tapi.wait_new_call(C, "203's call from 202");
  tapi.wait_state(c1, LINECALLSTATE_OFFERING);
  answer(tapi, c1);
  tapi.wait_state(b1, LINECALLSTATE_CONNECTED);
  expect_features_in(b1, {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING,
                          LINECALLSTATE_RINGBACK, LINECALLSTATE_CONNECTED},
                     LINECALLFEATURE_SECURECALL, "SECURECALL");

  step("201 calls 202: BUSY; it camps on and cancels that (lineUncompleteCall): a plain busy call again");
  TapiCall& a2 = make_call(tapi, A, L"202", "201's call to busy 202 (camp-on cancelled)");
  tapi.wait_state(a2, LINECALLSTATE_BUSY);
  expect(FakeTapi::call_status(t, a2).dwCallFeatures & LINECALLFEATURE_COMPLETECALL,
         "201's busy call does not allow COMPLETECALL: features " + hex(FakeTapi::call_status(t, a2).dwCallFeatures));
  DWORD unused_id = 0;
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_sync_error(t.TSPI_lineCompleteCall(r, a2.hd, &unused_id, 0x20, 0), r, err(LINEERR_INVALCALLCOMPLMODE),
                         "lineCompleteCall(mode 0x20)");
  DWORD k2 = 0;
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineCompleteCall(r, a2.hd, &k2, LINECALLCOMPLMODE_CAMPON, 0), r, "lineCompleteCall(201, CAMPON)");
  expect(k2 != 0, "lineCompleteCall(CAMPON) gave completion id 0");
  tapi.wait([&] { return info_changed(a2, LINECALLINFOSTATE_COMPLETIONID); },
            "LINE_CALLINFO COMPLETIONID on 201's camped-on call");
  expect(call_info(t, a2).completion_id == k2, "201's camped-on call: dwCompletionID " +
                                                   std::to_string(call_info(t, a2).completion_id) + ", the id " +
                                                   std::to_string(k2));
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineUncompleteCall(r, A.hd, k2), r, "lineUncompleteCall(201, " + std::to_string(k2) + ")");
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineUncompleteCall(r, A.hd, k2), r, err(LINEERR_INVALCOMPLETIONID),
                    "lineUncompleteCall(201, cancelled already)");
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineUncompleteCall(r, A.hd, k2 + 1000), r, err(LINEERR_INVALCOMPLETIONID),
                    "lineUncompleteCall(201, an id never given)");
  tapi.wait([&] { return call_info(t, a2).completion_id == 0; }, "201's call without a completion id once cancelled");
  expect(a2.last_state() == LINECALLSTATE_BUSY, "201's cancelled camp-on: " + state_list(a2.states));
  drop(tapi, a2);

  step("201 calls 202 again and camps on: the call stays BUSY (reason DIRECT) with the completion id, "
       "without COMPLETECALL");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's camped-on call to 202");
  tapi.wait_state(a1, LINECALLSTATE_BUSY);
  DWORD k1 = 0;
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineCompleteCall(r, a1.hd, &k1, LINECALLCOMPLMODE_CAMPON, 0), r, "lineCompleteCall(201, CAMPON)");
  expect(k1 != 0 && k1 != k2, "the camp-on's completion id " + std::to_string(k1) + ", the cancelled one's " +
                                  std::to_string(k2));
  tapi.wait([&] { return call_info(t, a1).completion_id == k1; }, "dwCompletionID of 201's camped-on call");
  // The LINE_CALLINFO comes through the callback thread, possibly just after the structure shows the id.
  tapi.wait([&] { return info_changed(a1, LINECALLINFOSTATE_COMPLETIONID); },
            "LINE_CALLINFO COMPLETIONID for 201's camped-on call");
  const CallInfo camped = call_info(t, a1);
  expect(camped.reason == LINECALLREASON_DIRECT, "201's camped-on call: " + describe(camped) + "; expected DIRECT");
  const LINECALLSTATUS cs = FakeTapi::call_status(t, a1);
  expect(cs.dwCallState == LINECALLSTATE_BUSY && !(cs.dwCallFeatures & LINECALLFEATURE_COMPLETECALL),
         std::string("201's camped-on call: state ") + call_state_name(cs.dwCallState) + ", features " + hex(cs.dwCallFeatures) +
             "; expected BUSY without COMPLETECALL");

  step("203 and 202 hang up: 202 is offered 201's call (CAMPEDON); 201's same call goes RINGBACK (CALLCOMPLETION)");
  drop(tapi, c1);
  tapi.wait_state(b1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b1);
  TapiCall& b2 = tapi.wait_new_call(B, "202's camped-on call from 201");
  tapi.wait_state(b2, LINECALLSTATE_OFFERING);
  tapi.wait_state(a1, LINECALLSTATE_RINGBACK);
  tapi.wait([&] { return call_info(t, a1).reason == LINECALLREASON_CALLCOMPLETION; },
            "201's camped-on call with reason CALLCOMPLETION");
  const CallInfo ai = call_info(t, a1);
  expect(ai.completion_id == k1 && ai.origin == LINECALLORIGIN_OUTBOUND && ai.called == L"202",
         "201's camped-on call: dwCompletionID " + std::to_string(ai.completion_id) + " (the camp-on's " +
             std::to_string(k1) + "), origin " + hex(ai.origin) + ", " + describe(ai) + "; expected OUTBOUND to 202");
  expect(tapi.new_calls(A) == 0, "the camp-on made 201 a new call");
  const CallInfo bi = call_info(t, b2);
  expect(bi.reason == LINECALLREASON_CAMPEDON && bi.caller == L"201",
         "202's camped-on call: " + describe(bi) + "; expected CAMPEDON from 201");
  answer(tapi, b2);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);

  step("202 secures its call; 203 calls 202 (busy): a camp-on on a secure call is refused, a CALLBACK is not");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineSecureCall(r, b2.hd), r, "lineSecureCall(202)");
  expect(call_info(t, b2).param_flags & LINECALLPARAMFLAGS_SECURE,
         "202's secured call: dwCallParamFlags " + hex(call_info(t, b2).param_flags) + " without SECURE");
  TapiCall& c2 = make_call(tapi, C, L"202", "203's call to busy 202");
  tapi.wait_state(c2, LINECALLSTATE_BUSY);
  DWORD k3 = 0;
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineCompleteCall(r, c2.hd, &k3, LINECALLCOMPLMODE_CAMPON, 0), r,
                    err(LINEERR_OPERATIONFAILED), "lineCompleteCall(CAMPON) on a secure call");
  expect(c2.last_state() == LINECALLSTATE_BUSY, "a refused completion changed 203's call: " + state_list(c2.states));
  DWORD k4 = 0;
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineCompleteCall(r, c2.hd, &k4, LINECALLCOMPLMODE_CALLBACK, 0), r,
                 "lineCompleteCall(203, CALLBACK)");
  expect(k4 != 0 && k4 != k1 && k4 != k2, "the callback's completion id " + std::to_string(k4));
  tapi.wait_state(c2, LINECALLSTATE_IDLE);

  step("201 and 202 hang up: 203 is called back (LINE_NEWCALL, OFFERING, CALLCOMPLETION, the callback's id)");
  drop(tapi, a1);
  tapi.wait_state(b2, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b2);
  TapiCall& c3 = tapi.wait_new_call(C, "203's callback");
  tapi.wait_state(c3, LINECALLSTATE_OFFERING);
  const CallInfo cb = call_info(t, c3);
  expect(cb.reason == LINECALLREASON_CALLCOMPLETION && cb.caller == L"202",
         "203's callback: " + describe(cb) + "; expected CALLCOMPLETION from 202");
  expect(cb.completion_id == k4, "203's callback: dwCompletionID " + std::to_string(cb.completion_id) +
                                     ", the callback's id " + std::to_string(k4));
  expect(tapi.new_calls(B) == 1, "202 was rung before 203 answered its callback");

  step("203 answers the callback: RINGBACK while 202 is offered the call (CALLCOMPLETION); CONNECTED when it answers");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAnswer(r, c3.hd, nullptr, 0), r, "lineAnswer(203's callback)");
  tapi.wait_state(c3, LINECALLSTATE_RINGBACK);
  TapiCall& b3 = tapi.wait_new_call(B, "202's call from the callback");
  tapi.wait_state(b3, LINECALLSTATE_OFFERING);
  const CallInfo bc = call_info(t, b3);
  expect(bc.reason == LINECALLREASON_CALLCOMPLETION && bc.caller == L"203",
         "202's call from 203's callback: " + describe(bc) + "; expected CALLCOMPLETION from 203");
  answer(tapi, b3);
  tapi.wait_state(c3, LINECALLSTATE_CONNECTED);
  tapi.wait([&] { return call_info(t, c3).connected == L"202"; }, "203's callback connected to 202");
  drop(tapi, c3);
  tapi.wait_state(b3, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b3);

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  // A call its own application drops goes straight to IDLE; one whose far end left passes through DISCONNECTED.
  const S answered = {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE};
  const auto names = check_sequences(
      t, mon,
      {{&b1, then(kDialled, {LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE})},
       {&c1, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
       {&a2, then(kDialledBusy, {LINECALLSTATE_IDLE})},
       {&a1, then(kDialledBusy, {LINECALLSTATE_RINGBACK, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE})},
       {&b2, answered},
       {&c2, then(kDialledBusy, {LINECALLSTATE_IDLE})},
       {&c3, {LINECALLSTATE_OFFERING, LINECALLSTATE_RINGBACK, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
       {&b3, answered}});
  finish(tapi, mon, names, {&b1, &c1, &a2, &a1, &b2, &c2, &c3, &b3}, {&A, &B, &C});
}

// --- redirection-ids: RedirectionID and RedirectingID on both sides of a moved call (D4) ---------
//
// switch-ops.yaml (201-205). The server names where a redirected, forwarded or transferred call
// went (`redirection`) and who moved it last (`redirecting`) on the call offered AND on the moved
// party's own call; LINECALLINFO shows them, and LINE_CALLINFO names REDIRECTIONID / REDIRECTINGID
// exactly when what LINECALLINFO shows changes (never for a call that came with them).

namespace {

constexpr DWORD kMoved = LINECALLINFOSTATE_REDIRECTIONID | LINECALLINFOSTATE_REDIRECTINGID;

/// LINECALLINFO of `c` has RedirectionID `redirection` and RedirectingID `redirecting` (as text).
void expect_redirection(Tsp& t, TapiCall& c, const std::wstring& redirection, const std::wstring& redirecting) {
  const CallInfo i = call_info(t, c);
  expect(i.redirection == redirection && i.redirecting == redirecting,
         c.label + ": " + describe(i) + "; expected redirection '" + narrow(redirection) + "', redirecting '" +
             narrow(redirecting) + "'");
}

/// How many of the call's LINE_CALLINFOs named any of `bits`.
std::size_t infos_naming(const TapiCall& c, DWORD bits) {
  return static_cast<std::size_t>(
      std::count_if(c.info_changes.begin(), c.info_changes.end(), [bits](DWORD b) { return (b & bits) != 0; }));
}

/// The moved party's own call learnt where its call went: one LINE_CALLINFO naming REDIRECTIONID
/// and REDIRECTINGID (waited for), and LINECALLINFO says so.
void expect_moved(FakeTapi& tapi, TapiCall& c, const std::wstring& redirection, const std::wstring& redirecting) {
  Tsp& t = tapi.tsp();
  tapi.wait([&] { return info_changed(c, LINECALLINFOSTATE_REDIRECTIONID) && info_changed(c, LINECALLINFOSTATE_REDIRECTINGID); },
            "LINE_CALLINFO REDIRECTIONID and REDIRECTINGID on " + c.label);
  expect(infos_naming(c, LINECALLINFOSTATE_REDIRECTINGID) == 1,
         c.label + ": " + std::to_string(infos_naming(c, LINECALLINFOSTATE_REDIRECTINGID)) +
             " LINE_CALLINFOs named REDIRECTINGID; it changed once");
  expect_redirection(t, c, redirection, redirecting);
}

}  // namespace

void redirection_ids(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  TapiLine& D = tapi.open("204");
  TapiLine& E = tapi.open("205");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);

  step("201 calls 202 (nobody moved it: no RedirectionID or RedirectingID); 202 redirects it to 203");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call to 202 (redirected)");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  tapi.wait_state(a1, LINECALLSTATE_RINGBACK);
  expect_redirection(t, a1, L"", L"");
  expect_redirection(t, b1, L"", L"");
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineRedirect(r, b1.hd, L"203", 0), r, "lineRedirect(202 -> 203)");
  tapi.wait_state(b1, LINECALLSTATE_IDLE);
  TapiCall& c1 = tapi.wait_new_call(C, "203's redirected call");
  tapi.wait_state(c1, LINECALLSTATE_OFFERING);
  const CallInfo ci = call_info(t, c1);
  expect(ci.reason == LINECALLREASON_REDIRECT && ci.caller == L"201" && ci.called == L"203" &&
             ci.redirection == L"203" && ci.redirecting == L"202",
         "203's redirected call: " + describe(ci) + "; expected REDIRECT from 201, redirection 203, redirecting 202");

  step("201's own call says the same: redirection 203, redirecting 202 (LINE_CALLINFO REDIRECTIONID|REDIRECTINGID)");
  expect_moved(tapi, a1, L"203", L"202");
  expect(call_info(t, a1).called == L"202", "201's redirected call: called '" + narrow(call_info(t, a1).called) +
                                                "' (it dialled 202)");
  answer(tapi, c1);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  expect_redirection(t, a1, L"203", L"202");
  drop(tapi, a1);
  tapi.wait_state(c1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, c1);

  step("a two-hop forward: 203 forwards to 204, 204 to 205; 201 calls 203 and 205 is offered the call");
  const std::vector<BYTE> to204 = forward_list(LINEFORWARDMODE_UNCOND, L"204");
  const std::vector<BYTE> to205 = forward_list(LINEFORWARDMODE_UNCOND, L"205");
  forward(tapi, C, &to204, "203 unconditionally -> 204");
  forward(tapi, D, &to205, "204 unconditionally -> 205");
  const std::size_t at_203 = tapi.new_calls(C), at_204 = tapi.new_calls(D);
  TapiCall& a2 = make_call(tapi, A, L"203", "201's call to 203 (forwarded twice)");
  TapiCall& e1 = tapi.wait_new_call(E, "205's forwarded call");
  tapi.wait_state(e1, LINECALLSTATE_OFFERING);
  tapi.wait_state(a2, LINECALLSTATE_RINGBACK);
  const CallInfo ei = call_info(t, e1);
  expect(ei.reason == LINECALLREASON_FWDUNCOND && ei.caller == L"201" && ei.called == L"205" &&
             ei.redirection == L"205" && ei.redirecting == L"204",
         "205's forwarded call: " + describe(ei) + "; expected FWDUNCOND from 201, redirection 205, redirecting 204 "
         "(the last hop, not 203)");

  step("201's own call: redirection 205, redirecting 204");
  expect_moved(tapi, a2, L"205", L"204");
  expect(tapi.new_calls(C) == at_203 && tapi.new_calls(D) == at_204, "203 or 204 was offered the forwarded call");
  answer(tapi, e1);
  tapi.wait_state(a2, LINECALLSTATE_CONNECTED);
  drop(tapi, a2);
  tapi.wait_state(e1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, e1);
  forward(tapi, C, nullptr, "203 cancel");
  forward(tapi, D, nullptr, "204 cancel");

  step("a blind transfer: 201 calls 202, 202 answers and transfers 201 to 203");
  TapiCall& a3 = make_call(tapi, A, L"202", "201's call to 202 (transferred)");
  TapiCall& b2 = tapi.wait_new_call(B, "202's call from 201 (it transfers)");
  tapi.wait_state(b2, LINECALLSTATE_OFFERING);
  answer(tapi, b2);
  tapi.wait_state(a3, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineBlindTransfer(r, b2.hd, L"203", 0), r, "lineBlindTransfer(202 -> 203)");
  tapi.wait_state(b2, LINECALLSTATE_IDLE);
  TapiCall& c2 = tapi.wait_new_call(C, "203's transferred call");
  tapi.wait_state(c2, LINECALLSTATE_OFFERING);
  const CallInfo ti = call_info(t, c2);
  expect(ti.reason == LINECALLREASON_TRANSFER && ti.caller == L"201" && ti.called == L"203" &&
             ti.redirection == L"203" && ti.redirecting == L"202",
         "203's transferred call: " + describe(ti) + "; expected TRANSFER from 201, redirection 203, redirecting 202");

  step("201's own call (the transferee, still CONNECTED): redirection 203, redirecting 202");
  expect_moved(tapi, a3, L"203", L"202");
  answer(tapi, c2);
  tapi.wait([&] { return call_info(t, a3).connected == L"203"; }, "201's call connected to 203");
  drop(tapi, c2);
  tapi.wait_state(a3, LINECALLSTATE_DISCONNECTED);
  drop(tapi, a3);

  step("the calls offered came with their ids: no LINE_CALLINFO ever named REDIRECTIONID or REDIRECTINGID on them");
  for (TapiCall* c : {&b1, &c1, &e1, &b2, &c2})
    expect(!info_changed(*c, kMoved), c->label + ": LINE_CALLINFO named REDIRECTIONID or REDIRECTINGID, which did not change");

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  const S answered = {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE};
  const S hung_up = then(kDialled, {LINECALLSTATE_IDLE});  // lineDrop: straight to IDLE
  const S hung_up_on = then(kDialled, {LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE});
  const auto names = check_sequences(t, mon,
                                     {{&a1, hung_up},
                                      {&b1, {LINECALLSTATE_OFFERING, LINECALLSTATE_IDLE}},
                                      {&c1, answered},
                                      {&a2, hung_up},
                                      {&e1, answered},
                                      {&a3, hung_up_on},
                                      {&b2, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
                                      {&c2, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}}});
  finish(tapi, mon, names, {&a1, &b1, &c1, &a2, &e1, &a3, &b2, &c2}, {&A, &B, &C, &D, &E});
}

// --- held-transfer: TRANSFERHELD / TRANSFERMAKE, CONFERENCEHELD (D2) ------------------------------
//
// switch-ops.yaml: the softphone pattern. Hold a call, make another (no lineSetupTransfer), and
// lineCompleteTransfer the held one to it, as a transfer or as a conference; then a held call
// joins a conference that is itself on hold.

void held_transfer(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  TapiLine& D = tapi.open("204");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);

  Buffer<LINEADDRESSCAPS> caps(4096);
  expect(t.TSPI_lineGetAddressCaps(A.device_id, 0, A.version, 0, caps.get()) == 0, "TSPI_lineGetAddressCaps(201)");
  const DWORD held_make = LINEADDRCAPFLAGS_TRANSFERHELD | LINEADDRCAPFLAGS_TRANSFERMAKE |
                          LINEADDRCAPFLAGS_CONFERENCEHELD | LINEADDRCAPFLAGS_CONFERENCEMAKE;
  expect((caps->dwAddrCapFlags & held_make) == held_make,
         "201's dwAddrCapFlags " + hex(caps->dwAddrCapFlags) + " lacks TRANSFERHELD|TRANSFERMAKE|CONFERENCEHELD|CONFERENCEMAKE");

  step("201 talks to 202 and holds it (lineHold): nothing to transfer to yet, no COMPLETETRANSF");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call to 202 (held, transferred)");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  answer(tapi, b1);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineHold(r, a1.hd), r, "lineHold(201's call to 202)");
  tapi.wait_state(a1, LINECALLSTATE_ONHOLD);
  expect(!(FakeTapi::call_status(t, a1).dwCallFeatures & LINECALLFEATURE_COMPLETETRANSF),
         "201's held call offers COMPLETETRANSF with no other call: " + hex(FakeTapi::call_status(t, a1).dwCallFeatures));

  step("201 makes a second call (lineMakeCall) to 203, which answers: the held call offers COMPLETETRANSF");
  TapiCall& a2 = make_call(tapi, A, L"203", "201's second call, to 203");
  TapiCall& c1 = tapi.wait_new_call(C, "203's call from 201");
  tapi.wait_state(c1, LINECALLSTATE_OFFERING);
  answer(tapi, c1);
  tapi.wait_state(a2, LINECALLSTATE_CONNECTED);
  const DWORD seen = features_seen(a2, LINECALLSTATE_CONNECTED, a1);
  expect(seen & LINECALLFEATURE_COMPLETETRANSF,
         "201's held call, read inside the second call's LINE_CALLSTATE CONNECTED: dwCallFeatures " + hex(seen) +
             " without COMPLETETRANSF");
  const LINECALLSTATUS held = FakeTapi::call_status(t, a1);
  expect((held.dwCallFeatures & LINECALLFEATURE_COMPLETETRANSF) &&
             (held.dwCallFeatures2 & (LINECALLFEATURE2_TRANSFERNORM | LINECALLFEATURE2_TRANSFERCONF)) ==
                 (LINECALLFEATURE2_TRANSFERNORM | LINECALLFEATURE2_TRANSFERCONF),
         "201's held call: dwCallFeatures " + hex(held.dwCallFeatures) + ", dwCallFeatures2 " +
             hex(held.dwCallFeatures2) + "; expected COMPLETETRANSF, TRANSFERNORM|TRANSFERCONF");

  step("lineCompleteTransfer(held, second, TRANSFER): both IDLE on 201; 202 and 203 talk");
  HDRVCALL no_conf = nullptr;
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineCompleteTransfer(r, a1.hd, a2.hd, nullptr, &no_conf, LINETRANSFERMODE_TRANSFER), r,
                 "lineCompleteTransfer(201's held call, its second call, TRANSFER)");
  expect(no_conf == nullptr, "lineCompleteTransfer(TRANSFER) made a conference call handle");
  tapi.wait_state(a1, LINECALLSTATE_IDLE);
  tapi.wait_state(a2, LINECALLSTATE_IDLE);
  tapi.wait([&] { return call_info(t, b1).connected == L"203" && call_info(t, c1).connected == L"202"; },
            "202's and 203's calls connected to each other (LINE_CALLINFO CONNECTEDID)");
  expect(b1.last_state() == LINECALLSTATE_CONNECTED && c1.last_state() == LINECALLSTATE_CONNECTED,
         "the far parties after the transfer: 202 " + state_list(b1.states) + ", 203 " + state_list(c1.states));
  const json truth = mon.request({{field::kOp, schema::op::kCallStatus}, {field::kCall, server_call(t, b1)}});
  expect(truth.value(field::kState, "") == "CONNECTED" && truth.value(field::kConnected, "") == "203",
         "the server's 202 call after the transfer: " + truth.dump());
  drop(tapi, b1);
  tapi.wait_state(c1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, c1);

  step("the same pattern completed as a conference: 201 holds 202, calls 203; lineCompleteTransfer(CONFERENCE)");
  TapiCall& a3 = make_call(tapi, A, L"202", "201's call to 202 (held, conferenced)");
  TapiCall& b2 = tapi.wait_new_call(B, "202's call from 201 (conference)");
  tapi.wait_state(b2, LINECALLSTATE_OFFERING);
  answer(tapi, b2);
  tapi.wait_state(a3, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineHold(r, a3.hd), r, "lineHold(201's call to 202)");
  tapi.wait_state(a3, LINECALLSTATE_ONHOLD);
  TapiCall& a4 = make_call(tapi, A, L"203", "201's second call, to 203 (conferenced)");
  TapiCall& c2 = tapi.wait_new_call(C, "203's call from 201 (conference)");
  tapi.wait_state(c2, LINECALLSTATE_OFFERING);
  answer(tapi, c2);
  tapi.wait_state(a4, LINECALLSTATE_CONNECTED);
  expect(FakeTapi::call_status(t, a3).dwCallFeatures & LINECALLFEATURE_COMPLETETRANSF,
         "201's held call: no COMPLETETRANSF while its second call is up");
  r = tapi.next_request();
  TapiCall& conf = tapi.outgoing("201's conference call", A, r);
  tapi.expect_ok(t.TSPI_lineCompleteTransfer(r, a3.hd, a4.hd, conf.ht(), &conf.hd, LINETRANSFERMODE_CONFERENCE), r,
                 "lineCompleteTransfer(201's held call, its second call, CONFERENCE)");
  tapi.wait_state(conf, LINECALLSTATE_CONNECTED);
  tapi.wait_state(a3, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(a4, LINECALLSTATE_CONFERENCED);
  expect(call_info(t, a3).related == call_info(t, conf).call_id && call_info(t, a4).related == call_info(t, conf).call_id,
         "the members' dwRelatedCallID is not the conference call's dwCallID");

  step("CONFERENCEHELD: 204 calls 201; answering it holds the conference; 201 holds 204's call and adds it");
  TapiCall& d1 = make_call(tapi, D, L"201", "204's call to 201");
  TapiCall& a5 = tapi.wait_new_call(A, "201's call from 204 (held, added)");
  tapi.wait_state(a5, LINECALLSTATE_OFFERING);
  answer(tapi, a5);
  tapi.wait_state(conf, LINECALLSTATE_ONHOLD);
  tapi.wait_state(d1, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineHold(r, a5.hd), r, "lineHold(201's call from 204)");
  tapi.wait_state(a5, LINECALLSTATE_ONHOLD);
  const DWORD conf_features = FakeTapi::call_status(t, conf).dwCallFeatures;
  expect(conf_features & LINECALLFEATURE_ADDTOCONF,
         "201's held conference: dwCallFeatures " + hex(conf_features) + " without ADDTOCONF while a held call can join");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAddToConference(r, conf.hd, a5.hd), r, "lineAddToConference(201's conference, held call)");
  tapi.wait_state(a5, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(conf, LINECALLSTATE_CONNECTED);
  expect(call_info(t, a5).related == call_info(t, conf).call_id, "the added call's dwRelatedCallID is not the conference's");
  const json related = mon.request({{field::kOp, schema::op::kCallStatus}, {field::kCall, server_call(t, conf)}});
  expect(related.value(field::kRelated, json::array()).size() == 4,
         "the server's conference after the add (the conference and three members): " + related.dump());

  step("201 drops the conference (CONFDROP): every party goes");
  drop(tapi, conf);
  for (TapiCall* c : {&b2, &c2, &d1}) {
    tapi.wait_state(*c, LINECALLSTATE_DISCONNECTED);
    drop(tapi, *c);
  }
  for (TapiCall* c : {&a3, &a4, &a5}) tapi.wait_state(*c, LINECALLSTATE_IDLE);

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  const S answered = {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE};
  const auto names = check_sequences(
      t, mon,
      {{&a1, then(kDialled, {LINECALLSTATE_ONHOLD, LINECALLSTATE_IDLE})},
       {&a2, then(kDialled, {LINECALLSTATE_IDLE})},
       {&b1, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},  // lineDrop: straight to IDLE
       {&c1, answered},
       // lineDrop of the conference call takes it and its members straight to IDLE.
       {&a3, then(kDialled, {LINECALLSTATE_ONHOLD, LINECALLSTATE_CONFERENCED, LINECALLSTATE_IDLE})},
       {&a4, then(kDialled, {LINECALLSTATE_CONFERENCED, LINECALLSTATE_IDLE})},
       {&conf, {LINECALLSTATE_CONNECTED, LINECALLSTATE_ONHOLD, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
       {&d1, then(kDialled, {LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE})},
       {&a5, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_ONHOLD, LINECALLSTATE_CONFERENCED,
              LINECALLSTATE_IDLE}},
       {&b2, answered},
       {&c2, answered}},
      &conf);
  finish(tapi, mon, names, {&a1, &a2, &b1, &c1, &a3, &a4, &conf, &d1, &a5, &b2, &c2}, {&A, &B, &C, &D});
}

// --- trunks: every trunk channel busy is BUSY, LINEBUSYMODE_TRUNK (D7) ----------------------------
//
// switch-ops.yaml's trunk `pstn` has one channel (access code 9, seven digits) and a far end that
// answers after 1 s. A second outside call finds no channel: BUSY with LINEBUSYMODE_TRUNK, where a
// busy extension gives LINEBUSYMODE_STATION.

void trunks(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  TapiLine& E = tapi.open("205");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);

  Buffer<LINEADDRESSCAPS> ac(4096);
  expect(t.TSPI_lineGetAddressCaps(B.device_id, 0, B.version, 0, ac.get()) == 0, "TSPI_lineGetAddressCaps(202)");
  expect(ac->dwBusyModes == (LINEBUSYMODE_STATION | LINEBUSYMODE_TRUNK),
         "LINEADDRESSCAPS dwBusyModes " + hex(ac->dwBusyModes) + "; expected STATION|TRUNK");

  step("205 calls out (9 555 1234) on the trunk's only channel; the far end answers");
  TapiCall& e1 = make_call(tapi, E, L"95551234", "205's outside call");
  tapi.wait_state(e1, LINECALLSTATE_CONNECTED);

  step("202 calls out too: no channel is free, BUSY with dwParam2 LINEBUSYMODE_TRUNK");
  TapiCall& b1 = make_call(tapi, B, L"95550000", "202's outside call (all trunks busy)");
  tapi.wait_state(b1, LINECALLSTATE_BUSY);
  expect(mode_of(b1, LINECALLSTATE_BUSY) == LINEBUSYMODE_TRUNK,
         "202's blocked call: LINE_CALLSTATE BUSY dwParam2 " + hex(static_cast<DWORD>(mode_of(b1, LINECALLSTATE_BUSY))));
  const LINECALLSTATUS bs = FakeTapi::call_status(t, b1);
  expect(bs.dwCallState == LINECALLSTATE_BUSY && bs.dwCallStateMode == LINEBUSYMODE_TRUNK,
         "202's blocked call: LINECALLSTATUS dwCallStateMode " + hex(bs.dwCallStateMode) + "; expected LINEBUSYMODE_TRUNK");

  step("203 calls 205, which is talking (no call waiting): BUSY with LINEBUSYMODE_STATION");
  TapiCall& c1 = make_call(tapi, C, L"205", "203's call to busy 205");
  tapi.wait_state(c1, LINECALLSTATE_BUSY);
  expect(mode_of(c1, LINECALLSTATE_BUSY) == LINEBUSYMODE_STATION,
         "203's call to busy 205: LINE_CALLSTATE BUSY dwParam2 " + hex(static_cast<DWORD>(mode_of(c1, LINECALLSTATE_BUSY))));
  expect(FakeTapi::call_status(t, c1).dwCallStateMode == LINEBUSYMODE_STATION,
         "203's call to busy 205: LINECALLSTATUS dwCallStateMode " + hex(FakeTapi::call_status(t, c1).dwCallStateMode));

  step("everyone hangs up");
  drop(tapi, b1);
  drop(tapi, c1);
  drop(tapi, e1);

  step("every call's LINE_CALLSTATE sequence (dwParam2 the server's busy_mode): docs/tapi-conformance.md's, and the server's");
  const S busy = then(kDialledBusy, {LINECALLSTATE_IDLE});  // lineDrop: straight to IDLE
  const auto names = check_sequences(t, mon,
                                     {{&e1, then(kDialled, {LINECALLSTATE_IDLE})},
                                      {&b1, busy},
                                      {&c1, busy}});
  finish(tapi, mon, names, {&e1, &b1, &c1}, {&B, &C, &E});
}

// --- caps-full, caps-restricted: every capability the TSP reports, walked --------------------------
//
// caps-full.yaml offers every operation; caps-restricted.yaml has no park orbits or pickup groups,
// no partial dialling, no `W` or `@`, AUTORECONNECT and no CONFDROP, and the test driver's proxy
// leaves a list of operations out of hello's `operations` (tsp_shim_test.cpp). The walk is the same
// for both: each capability the TSP advertises is used and must be accepted; each it does not
// advertise is tried and must be refused (OPERATIONUNAVAIL, or the dial string's LINEERR).

namespace {

/// LINECALLFEATURE bits of the media operations (issue 19), which hello's pbx.media decides.
constexpr DWORD kMediaFeatures = ::telsim::tsp::media::all_call_features();

/// What the scenario's switch must make the TSP advertise.
void expect_advertised(const Advertised& a, bool restricted) {
  const DWORD dial_all = LINEDEVCAPFLAGS_DIALDIALTONE | LINEDEVCAPFLAGS_DIALQUIET | LINEDEVCAPFLAGS_DIALBILLING;
  if (!restricted) {
    expect((a.dev_flags & (dial_all | LINEDEVCAPFLAGS_CLOSEDROP)) == (dial_all | LINEDEVCAPFLAGS_CLOSEDROP),
           "caps-full: dwDevCapFlags " + hex(a.dev_flags) + " lacks DIALDIALTONE, DIALQUIET, DIALBILLING or CLOSEDROP");
    // The media operations' bits follow hello's pbx.media (the media walk checks them).
    expect((a.call_features & ~kMediaFeatures) == (kKnownCallFeatures & ~kMediaFeatures),
           "caps-full: dwCallFeatures " + hex(a.call_features) + ", every operation's is " + hex(kKnownCallFeatures));
    const DWORD flags = LINEADDRCAPFLAGS_PARTIALDIAL | LINEADDRCAPFLAGS_TRANSFERHELD | LINEADDRCAPFLAGS_TRANSFERMAKE |
                        LINEADDRCAPFLAGS_CONFERENCEHELD | LINEADDRCAPFLAGS_CONFERENCEMAKE | LINEADDRCAPFLAGS_CONFDROP |
                        LINEADDRCAPFLAGS_PICKUPGROUPID | LINEADDRCAPFLAGS_COMPLETIONID | LINEADDRCAPFLAGS_FWDNUMRINGS;
    expect(a.flag(flags) && !a.flag(LINEADDRCAPFLAGS_AUTORECONNECT),
           "caps-full: dwAddrCapFlags " + hex(a.addr_flags) + "; expected " + hex(flags) + " and no AUTORECONNECT");
    const DWORD addr = LINEADDRFEATURE_MAKECALL | LINEADDRFEATURE_FORWARD | LINEADDRFEATURE_UNCOMPLETECALL |
                       LINEADDRFEATURE_PICKUP | LINEADDRFEATURE_PICKUPDIRECT | LINEADDRFEATURE_PICKUPGROUP |
                       LINEADDRFEATURE_UNPARK;
    expect(a.address(addr), "caps-full: dwAddressFeatures " + hex(a.address_features) + " lacks some of " + hex(addr));
    expect(a.park_modes == (LINEPARKMODE_DIRECTED | LINEPARKMODE_NONDIRECTED) &&
               a.transfer_modes == (LINETRANSFERMODE_TRANSFER | LINETRANSFERMODE_CONFERENCE) && a.forward_modes != 0 &&
               a.completion_modes != 0 && a.remove_caps == LINEREMOVEFROMCONF_ANY && a.max_conference == 6,
           "caps-full: park, transfer, forward, completion or remove-from-conference modes missing, or "
           "dwMaxNumConference " + std::to_string(a.max_conference) + " (conference_max 5 + 1)");
    expect(a.line_features == (LINEFEATURE_MAKECALL | LINEFEATURE_FORWARD | LINEFEATURE_FORWARDFWD | LINEFEATURE_FORWARDDND) &&
               a.answer_mode == LINEANSWERMODE_HOLD && a.dial_pause == 1000,
           "caps-full: dwLineFeatures " + hex(a.line_features) + ", dwAnswerMode " + hex(a.answer_mode) +
               ", dwDialPause " + std::to_string(a.dial_pause) + " (dial_pause 1s)");
    return;
  }
  // caps-restricted: the settings, and the operations the driver's proxy left out.
  expect((a.dev_flags & dial_all) == LINEDEVCAPFLAGS_DIALBILLING,
         "caps-restricted: dwDevCapFlags " + hex(a.dev_flags) + "; only DIALBILLING of the dial flags (dial_dialtone "
         "and dial_quiet are false)");
  const DWORD absent = LINECALLFEATURE_ACCEPT | LINECALLFEATURE_HOLD | LINECALLFEATURE_UNHOLD |
                       LINECALLFEATURE_SWAPHOLD | LINECALLFEATURE_SETUPCONF | LINECALLFEATURE_PREPAREADDCONF |
                       LINECALLFEATURE_ADDTOCONF | LINECALLFEATURE_REMOVEFROMCONF | LINECALLFEATURE_SECURECALL |
                       LINECALLFEATURE_REDIRECT | LINECALLFEATURE_BLINDTRANSFER | LINECALLFEATURE_COMPLETECALL |
                       LINECALLFEATURE_PARK;
  expect((a.call_features & ~kMediaFeatures) == (kKnownCallFeatures & ~absent & ~kMediaFeatures),
         "caps-restricted: dwCallFeatures " + hex(a.call_features) + ", expected " + hex(kKnownCallFeatures & ~absent));
  expect(a.flag(LINEADDRCAPFLAGS_AUTORECONNECT | LINEADDRCAPFLAGS_TRANSFERHELD | LINEADDRCAPFLAGS_TRANSFERMAKE) &&
             !(a.addr_flags & (LINEADDRCAPFLAGS_PARTIALDIAL | LINEADDRCAPFLAGS_CONFDROP | LINEADDRCAPFLAGS_CONFERENCEHELD |
                               LINEADDRCAPFLAGS_CONFERENCEMAKE | LINEADDRCAPFLAGS_PICKUPGROUPID |
                               LINEADDRCAPFLAGS_COMPLETIONID | LINEADDRCAPFLAGS_FWDNUMRINGS)),
         "caps-restricted: dwAddrCapFlags " + hex(a.addr_flags) +
             "; expected AUTORECONNECT, TRANSFERHELD, TRANSFERMAKE and none of PARTIALDIAL, CONFDROP, CONFERENCEHELD, "
             "CONFERENCEMAKE, PICKUPGROUPID, COMPLETIONID, FWD*");
  expect(a.address_features == LINEADDRFEATURE_MAKECALL && a.line_features == LINEFEATURE_MAKECALL,
         "caps-restricted: dwAddressFeatures " + hex(a.address_features) + ", dwLineFeatures " + hex(a.line_features) +
             "; only MAKECALL (no forward, pickup, unpark, uncomplete)");
  expect(a.park_modes == 0 && a.forward_modes == 0 && a.completion_modes == 0 && a.remove_caps == LINEREMOVEFROMCONF_NONE &&
             a.transfer_modes == (LINETRANSFERMODE_TRANSFER | LINETRANSFERMODE_CONFERENCE) &&
             (a.call_features2 & (LINECALLFEATURE2_PARKDIRECT | LINECALLFEATURE2_COMPLCAMPON)) == 0,
         "caps-restricted: park, forward, completion modes must be 0, remove-from-conference NONE, both transfer modes");
  expect(a.answer_mode == LINEANSWERMODE_DROP && a.dial_pause == 2000,
         "caps-restricted: dwAnswerMode " + hex(a.answer_mode) + " (answer_mode drop), dwDialPause " +
             std::to_string(a.dial_pause) + " (the default 2s)");
}

void capability_walk(const Context& cx, bool restricted) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  TapiLine& D = tapi.open("204");
  tapi.check_status_in_callbacks(true);
  std::vector<TapiCall*> all;
  auto track = [&](TapiCall& c) -> TapiCall& {
    all.push_back(&c);
    return c;
  };
  auto outgoing = [&](const std::string& label, TapiLine& l, DRV_REQUESTID r) -> TapiCall& {
    return track(tapi.outgoing(label, l, r));
  };
  auto incoming = [&](TapiLine& l, const std::string& label) -> TapiCall& {
    TapiCall& c = track(tapi.wait_new_call(l, label));
    tapi.wait_state(c, LINECALLSTATE_OFFERING);
    return c;
  };
  auto call = [&](TapiLine& from, const std::wstring& to, const std::string& label) -> TapiCall& {
    return track(make_call(tapi, from, to, label));
  };
  /// TAPI closes an IDLE call now: its call appearance is free again (max_calls_per_line).
  auto release = [&](TapiCall& c) {
    expect(t.TSPI_lineCloseCall(c.hd) == 0, "TSPI_lineCloseCall(" + c.label + ")");
    c.closed = true;
  };
  /// Each call's LINECALLSTATUS never advertises what the address caps do not.
  auto within = [&](const Advertised& a) {
    for (TapiCall* c : all)
      for (const auto& s : c->states)
        expect((s.status_features & ~a.call_features) == 0,
               c->label + ": inside LINE_CALLSTATE " + call_state_name(s.state) + " dwCallFeatures " +
                   hex(s.status_features) + " has bits the address does not advertise (" + hex(a.call_features) + ")");
  };

  step("LINEDEVCAPS and LINEADDRESSCAPS say what the switch offers");
  const Advertised a = advertised(t, A);
  expect_advertised(a, restricted);

  step("dial strings: W, @, $ as LINEDEVCAPFLAGS say; ';' as PARTIALDIAL says; '?' is DIALPROMPT");
  struct DialProbe {
    const wchar_t* to;
    bool advertised;
    DWORD refusal;
  };
  for (const DialProbe& p : {DialProbe{L"W202", (a.dev_flags & LINEDEVCAPFLAGS_DIALDIALTONE) != 0, LINEERR_DIALDIALTONE},
                             DialProbe{L"202@", (a.dev_flags & LINEDEVCAPFLAGS_DIALQUIET) != 0, LINEERR_DIALQUIET},
                             DialProbe{L"$202", (a.dev_flags & LINEDEVCAPFLAGS_DIALBILLING) != 0, LINEERR_DIALBILLING},
                             DialProbe{L"20;", a.flag(LINEADDRCAPFLAGS_PARTIALDIAL), LINEERR_INVALADDRESS},
                             DialProbe{L"20?2", false, LINEERR_DIALPROMPT}}) {
    const std::string what = "lineMakeCall(201 -> " + narrow(p.to) + ")";
    const DRV_REQUESTID r = tapi.next_request();
    TapiCall& c = outgoing("201's call to " + narrow(p.to), A, r);
    const LONG rc = tapi.await_completion(t.TSPI_lineMakeCall(r, A.hd, c.ht(), &c.hd, p.to, 0, nullptr), r, what);
    if (!p.advertised) {
      expect(rc == err(p.refusal), what + " completed with " + error_name(rc) + "; not advertised, it must be " +
                                       error_name(err(p.refusal)));
      continue;
    }
    expect(rc == 0, what + " completed with " + error_name(rc) + " though advertised");
    if (std::wstring(p.to).back() == L';') {
      tapi.wait_state(c, LINECALLSTATE_DIALING);
      const DRV_REQUESTID d = tapi.next_request();
      tapi.expect_ok(t.TSPI_lineDial(d, c.hd, L"2", 0), d, "lineDial(the partial number, 2)");
    }
    TapiCall& b = incoming(B, "202's call from " + narrow(p.to));
    drop(tapi, c);
    tapi.wait_state(b, LINECALLSTATE_IDLE);
    release(c);
    release(b);
  }

  step("201 calls 202: ACCEPT, SECURECALL, DIAL, HOLD and UNHOLD as advertised");
  TapiCall& a1 = call(A, L"202", "201's call to 202");
  TapiCall& b1 = incoming(B, "202's call from 201");
  DRV_REQUESTID r = tapi.next_request();
  LONG rc = t.TSPI_lineAccept(r, b1.hd, nullptr, 0);
  if (a.call(LINECALLFEATURE_ACCEPT)) {
    tapi.expect_ok(rc, r, "lineAccept(202)");
    tapi.wait_state(b1, LINECALLSTATE_ACCEPTED);
  } else {
    expect_unavail(tapi, rc, r, "lineAccept(202), not advertised");
  }
  answer(tapi, b1);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  rc = t.TSPI_lineSecureCall(r, a1.hd);
  if (a.call(LINECALLFEATURE_SECURECALL)) tapi.expect_ok(rc, r, "lineSecureCall(201)");
  else expect_unavail(tapi, rc, r, "lineSecureCall(201), not advertised");
  r = tapi.next_request();
  rc = t.TSPI_lineDial(r, a1.hd, L"1", 0);
  if (a.call(LINECALLFEATURE_DIAL)) tapi.expect_ok(rc, r, "lineDial(201, connected: a digit to 202)");
  else expect_unavail(tapi, rc, r, "lineDial(201), not advertised");
  r = tapi.next_request();
  rc = t.TSPI_lineHold(r, a1.hd);
  if (a.call(LINECALLFEATURE_HOLD)) {
    tapi.expect_ok(rc, r, "lineHold(201)");
    tapi.wait_state(a1, LINECALLSTATE_ONHOLD);
  } else {
    expect_unavail(tapi, rc, r, "lineHold(201), not advertised");
  }
  r = tapi.next_request();
  rc = t.TSPI_lineUnhold(r, a1.hd);
  if (a.call(LINECALLFEATURE_UNHOLD)) {
    tapi.expect_ok(rc, r, "lineUnhold(201)");
    tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  } else {
    expect_unavail(tapi, rc, r, "lineUnhold(201), not advertised");
  }

  step("a consultation call dropped: the original comes back as AUTORECONNECT says");
  expect(a.call(LINECALLFEATURE_SETUPTRANSFER), "both switches offer setup_transfer");
  r = tapi.next_request();
  TapiCall& a2 = outgoing("201's consultation call (dropped)", A, r);
  tapi.expect_ok(t.TSPI_lineSetupTransfer(r, a1.hd, a2.ht(), &a2.hd, nullptr), r, "lineSetupTransfer(201)");
  tapi.wait_state(a2, LINECALLSTATE_DIALTONE);
  tapi.wait_state(a1, LINECALLSTATE_ONHOLDPENDTRANSFER);
  drop(tapi, a2);
  release(a2);
  if (a.flag(LINEADDRCAPFLAGS_AUTORECONNECT)) {
    tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  } else {
    Sleep(500);
    expect(a1.last_state() == LINECALLSTATE_ONHOLDPENDTRANSFER,
           "without AUTORECONNECT the original must stay ONHOLDPENDTRANSFER; it is " + std::string(call_state_name(a1.last_state())));
    r = tapi.next_request();
    tapi.expect_ok(t.TSPI_lineUnhold(r, a1.hd), r, "lineUnhold(201's pending original)");
    tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  }

  step("201 consults 203: SWAPHOLD, then lineCompleteTransfer in CONFERENCE mode");
  r = tapi.next_request();
  TapiCall& a3 = outgoing("201's consultation call to 203", A, r);
  tapi.expect_ok(t.TSPI_lineSetupTransfer(r, a1.hd, a3.ht(), &a3.hd, nullptr), r, "lineSetupTransfer(201)");
  tapi.wait_state(a3, LINECALLSTATE_DIALTONE);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, a3.hd, L"203", 0), r, "lineDial(201's consultation call, 203)");
  TapiCall& c1 = incoming(C, "203's call from 201");
  answer(tapi, c1);
  tapi.wait_state(a3, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  rc = t.TSPI_lineSwapHold(r, a3.hd, a1.hd);
  if (a.call(LINECALLFEATURE_SWAPHOLD)) {
    tapi.expect_ok(rc, r, "lineSwapHold(the consultation active, the original held)");
    tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
    tapi.wait_state(a3, LINECALLSTATE_ONHOLD);
    r = tapi.next_request();
    tapi.expect_ok(t.TSPI_lineSwapHold(r, a1.hd, a3.hd), r, "lineSwapHold(back)");
    tapi.wait_state(a3, LINECALLSTATE_CONNECTED);
    tapi.wait_state(a1, LINECALLSTATE_ONHOLD);
  } else {
    expect_unavail(tapi, rc, r, "lineSwapHold, not advertised");
  }
  expect(a.transfer_modes & LINETRANSFERMODE_CONFERENCE, "both switches offer complete_transfer");
  r = tapi.next_request();
  TapiCall& conf = outgoing("201's conference call", A, r);
  tapi.expect_ok(t.TSPI_lineCompleteTransfer(r, a1.hd, a3.hd, conf.ht(), &conf.hd, LINETRANSFERMODE_CONFERENCE), r,
                 "lineCompleteTransfer(201, CONFERENCE)");
  tapi.wait_state(conf, LINECALLSTATE_CONNECTED);
  tapi.wait_state(a1, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(a3, LINECALLSTATE_CONFERENCED);

  step("the conference: PREPAREADDCONF, ADDTOCONF and REMOVEFROMCONF as advertised");
  r = tapi.next_request();
  TapiCall& a4 = outgoing("201's consultation call to 204", A, r);
  rc = t.TSPI_linePrepareAddToConference(r, conf.hd, a4.ht(), &a4.hd, nullptr);
  if (a.call(LINECALLFEATURE_PREPAREADDCONF)) {
    tapi.expect_ok(rc, r, "linePrepareAddToConference(201's conference)");
    tapi.wait_state(conf, LINECALLSTATE_ONHOLDPENDCONF);
    tapi.wait_state(a4, LINECALLSTATE_DIALTONE);
    r = tapi.next_request();
    tapi.expect_ok(t.TSPI_lineDial(r, a4.hd, L"204", 0), r, "lineDial(201's consultation call, 204)");
    TapiCall& d1 = incoming(D, "204's call from 201");
    answer(tapi, d1);
    tapi.wait_state(a4, LINECALLSTATE_CONNECTED);
    expect(a.call(LINECALLFEATURE_ADDTOCONF) && a.call(LINECALLFEATURE_REMOVEFROMCONF),
           "PREPAREADDCONF advertised without ADDTOCONF and REMOVEFROMCONF");
    r = tapi.next_request();
    tapi.expect_ok(t.TSPI_lineAddToConference(r, conf.hd, a4.hd), r, "lineAddToConference(204's leg)");
    tapi.wait_state(a4, LINECALLSTATE_CONFERENCED);
    tapi.wait_state(conf, LINECALLSTATE_CONNECTED);
    r = tapi.next_request();
    tapi.expect_ok(t.TSPI_lineRemoveFromConference(r, a4.hd), r, "lineRemoveFromConference(204's leg)");
    tapi.wait_state(a4, LINECALLSTATE_IDLE);
    tapi.wait_state(d1, LINECALLSTATE_DISCONNECTED);
    drop(tapi, d1);
  } else {
    expect_unavail(tapi, rc, r, "linePrepareAddToConference, not advertised");
    r = tapi.next_request();
    expect_unavail(tapi, t.TSPI_lineAddToConference(r, conf.hd, a3.hd), r, "lineAddToConference, not advertised");
    r = tapi.next_request();
    expect_unavail(tapi, t.TSPI_lineRemoveFromConference(r, a3.hd), r, "lineRemoveFromConference, not advertised");
  }

  step("201 drops its conference call: the others go as CONFDROP says");
  drop(tapi, conf);
  tapi.wait_state(a1, LINECALLSTATE_IDLE);
  tapi.wait_state(a3, LINECALLSTATE_IDLE);
  if (a.flag(LINEADDRCAPFLAGS_CONFDROP)) {
    tapi.wait_state(b1, LINECALLSTATE_DISCONNECTED);
    tapi.wait_state(c1, LINECALLSTATE_DISCONNECTED);
    drop(tapi, b1);
    drop(tapi, c1);
  } else {
    tapi.wait([&] { return call_info(t, b1).connected == L"203"; }, "without CONFDROP 202 talks to 203");
    expect(b1.last_state() == LINECALLSTATE_CONNECTED && c1.last_state() == LINECALLSTATE_CONNECTED,
           "without CONFDROP 202 and 203 stay CONNECTED: " + state_list(b1.states) + " / " + state_list(c1.states));
    drop(tapi, b1);
    tapi.wait_state(c1, LINECALLSTATE_DISCONNECTED);
    drop(tapi, c1);
  }

  for (TapiCall* c : {&a1, &a3, &conf, &a4, &b1, &c1})
    if (c->hd) release(*c);

  step("203 talks to 202; 201 gets BUSY: COMPLETECALL and UNCOMPLETECALL as advertised");
  TapiCall& c2 = call(C, L"202", "203's call to 202");
  TapiCall& b2 = incoming(B, "202's call from 203");
  answer(tapi, b2);
  tapi.wait_state(c2, LINECALLSTATE_CONNECTED);
  TapiCall& a5 = call(A, L"202", "201's call to busy 202");
  tapi.wait_state(a5, LINECALLSTATE_BUSY);
  DWORD completion_id = 0;
  r = tapi.next_request();
  rc = t.TSPI_lineCompleteCall(r, a5.hd, &completion_id, LINECALLCOMPLMODE_CAMPON, 0);
  if (a.call(LINECALLFEATURE_COMPLETECALL)) {
    tapi.expect_ok(rc, r, "lineCompleteCall(201, CAMPON)");
    // CAMPON queues the call itself (D3): it stays BUSY, with the id, until the camp-on ends.
    expect(completion_id != 0 && a.flag(LINEADDRCAPFLAGS_COMPLETIONID), "a camp-on without a completion id");
    expect(a5.last_state() == LINECALLSTATE_BUSY && call_info(t, a5).completion_id == completion_id,
           "201's camped-on call: " + state_list(a5.states) + ", dwCompletionID " +
               std::to_string(call_info(t, a5).completion_id) + " (the camp-on's " + std::to_string(completion_id) + ")");
  } else {
    expect_unavail(tapi, rc, r, "lineCompleteCall, not advertised");
    drop(tapi, a5);
    completion_id = 1;
  }
  r = tapi.next_request();
  rc = t.TSPI_lineUncompleteCall(r, A.hd, completion_id);
  if (a.address(LINEADDRFEATURE_UNCOMPLETECALL)) tapi.expect_ok(rc, r, "lineUncompleteCall(201's camp-on)");
  else expect_unavail(tapi, rc, r, "lineUncompleteCall, not advertised");
  if (a5.last_state() != LINECALLSTATE_IDLE) drop(tapi, a5);  // the cancelled camp-on's call: plain busy

  step("202 parks, unparks and blind-transfers 203's call as advertised");
  TapiCall* b_now = &b2;
  r = tapi.next_request();
  rc = t.TSPI_linePark(r, b2.hd, LINEPARKMODE_DIRECTED, L"701", nullptr);
  if (a.call(LINECALLFEATURE_PARK) && (a.park_modes & LINEPARKMODE_DIRECTED)) {
    tapi.expect_ok(rc, r, "linePark(202, 701)");
    tapi.wait_state(b2, LINECALLSTATE_IDLE);
  } else {
    expect_unavail(tapi, rc, r, "linePark, not advertised");
  }
  r = tapi.next_request();
  TapiCall& b3 = outgoing("202's unparked call", B, r);
  rc = t.TSPI_lineUnpark(r, B.hd, 0, b3.ht(), &b3.hd, L"701");
  if (a.address(LINEADDRFEATURE_UNPARK)) {
    tapi.expect_ok(rc, r, "lineUnpark(202, 701)");
    tapi.wait_state(b3, LINECALLSTATE_CONNECTED);
    b_now = &b3;
  } else {
    expect_unavail(tapi, rc, r, "lineUnpark, not advertised");
  }
  r = tapi.next_request();
  rc = t.TSPI_lineBlindTransfer(r, b_now->hd, L"204", 0);
  if (a.call(LINECALLFEATURE_BLINDTRANSFER)) {
    tapi.expect_ok(rc, r, "lineBlindTransfer(202 -> 204)");
    tapi.wait_state(*b_now, LINECALLSTATE_IDLE);
    TapiCall& d2 = incoming(D, "204's transferred call");
    drop(tapi, c2);
    tapi.wait_state(d2, LINECALLSTATE_IDLE);
  } else {
    expect_unavail(tapi, rc, r, "lineBlindTransfer, not advertised");
    drop(tapi, c2);
    tapi.wait_state(*b_now, LINECALLSTATE_DISCONNECTED);
    drop(tapi, *b_now);
  }

  step("201 calls 202: REDIRECT, PICKUPDIRECT as advertised");
  TapiCall& a6 = call(A, L"202", "201's call to 202 (redirected)");
  TapiCall& b4 = incoming(B, "202's call from 201 (redirected)");
  r = tapi.next_request();
  rc = t.TSPI_lineRedirect(r, b4.hd, L"203", 0);
  TapiLine* ringing = &B;
  if (a.call(LINECALLFEATURE_REDIRECT)) {
    tapi.expect_ok(rc, r, "lineRedirect(202 -> 203)");
    tapi.wait_state(b4, LINECALLSTATE_IDLE);
    incoming(C, "203's redirected call");
    ringing = &C;
  } else {
    expect_unavail(tapi, rc, r, "lineRedirect, not advertised");
  }
  TapiLine& picker = ringing == &B ? D : B;
  r = tapi.next_request();
  TapiCall& p1 = outgoing(picker.number + "'s picked-up call", picker, r);
  const std::wstring from = widen(ringing->number);
  rc = t.TSPI_linePickup(r, picker.hd, 0, p1.ht(), &p1.hd, from.c_str(), nullptr);
  if (a.address(LINEADDRFEATURE_PICKUPDIRECT)) {
    tapi.expect_ok(rc, r, "linePickup(" + picker.number + ", " + ringing->number + ")");
    tapi.wait_state(p1, LINECALLSTATE_CONNECTED);
    drop(tapi, a6);
    tapi.wait_state(p1, LINECALLSTATE_DISCONNECTED);
    drop(tapi, p1);
  } else {
    expect_unavail(tapi, rc, r, "linePickup, not advertised");
    drop(tapi, a6);
  }
  for (TapiCall* c : all)
    if (c->line == ringing && !c->states.empty() && c->last_state() != LINECALLSTATE_IDLE) tapi.wait_state(*c, LINECALLSTATE_IDLE);

  step("FORWARD as advertised");
  const std::vector<BYTE> to201 = forward_list(LINEFORWARDMODE_UNCOND, L"201");
  if (a.address(LINEADDRFEATURE_FORWARD)) {
    forward(tapi, D, &to201, "204 -> 201");
    forward(tapi, D, nullptr, "204, cancel");
  } else {
    r = tapi.next_request();
    HDRVCALL consult = nullptr;
    expect_unavail(tapi,
                   t.TSPI_lineForward(r, D.hd, 1, 0, const_cast<LINEFORWARDLIST*>(reinterpret_cast<const LINEFORWARDLIST*>(to201.data())), 0,
                                      nullptr, &consult, nullptr),
                   r, "lineForward, not advertised");
  }

  step("SETUPCONF as advertised: 201 sets a conference up from its call to 202, then drops it");
  TapiCall& a7 = call(A, L"202", "201's call to 202 (a conference set up)");
  TapiCall& b5 = incoming(B, "202's call from 201 (a conference set up)");
  answer(tapi, b5);
  tapi.wait_state(a7, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  TapiCall& conf2 = outgoing("201's conference call (set up)", A, r);
  TapiCall& a8 = outgoing("201's consultation call for it", A, r);
  rc = t.TSPI_lineSetupConference(r, a7.hd, A.hd, conf2.ht(), &conf2.hd, a8.ht(), &a8.hd, 3, nullptr);
  if (a.call(LINECALLFEATURE_SETUPCONF)) {
    tapi.expect_ok(rc, r, "lineSetupConference(201)");
    tapi.wait_state(a8, LINECALLSTATE_DIALTONE);
    tapi.wait_state(conf2, LINECALLSTATE_ONHOLDPENDCONF);
    tapi.wait_state(a7, LINECALLSTATE_CONFERENCED);
    drop(tapi, conf2);
    tapi.wait_state(a8, LINECALLSTATE_IDLE);
    tapi.wait([&] { return a7.last_state() == LINECALLSTATE_IDLE || a7.last_state() == LINECALLSTATE_CONNECTED; },
              "201's call out of the dropped conference");
  } else {
    expect_unavail(tapi, rc, r, "lineSetupConference, not advertised");
  }
  if (a7.last_state() != LINECALLSTATE_IDLE) drop(tapi, a7);
  tapi.wait([&] { return b5.last_state() == LINECALLSTATE_DISCONNECTED || b5.last_state() == LINECALLSTATE_IDLE; },
            "202's call ended");
  if (b5.last_state() != LINECALLSTATE_IDLE) drop(tapi, b5);

  step("no call ever advertised more than the address; close");
  within(a);
  for (TapiCall* c : all)
    if (!c->states.empty())
      expect(c->last_state() == LINECALLSTATE_IDLE, c->label + " ended " + call_state_name(c->last_state()));
  std::vector<TapiCall*> open;
  for (TapiCall* c : all)
    if (!c->closed && c->hd) open.push_back(c);  // a request refused at once made no call
  close_all(tapi, open, {&A, &B, &C, &D});
  tapi.shutdown();
  tapi.check_rules();
}

}  // namespace

void caps_full(const Context& cx) { capability_walk(cx, false); }
void caps_restricted(const Context& cx) { capability_walk(cx, true); }

// --- dialing-paths: partial dialling, a pause, a transfer completed as a conference ----------------
//
// caps-full.yaml: 205 is also the start of 2051, so "205" alone waits inter_digit_timeout (300 ms)
// before it is complete; dial_pause is 1 s.

void dialing_paths(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  TapiLine& D = tapi.open("204");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);

  step("a partial number: lineMakeCall(\"205;\") waits (no inter-digit timeout), lineDial(\"\") completes it");
  TapiCall& a1 = make_call(tapi, A, L"205;", "201's partial call to 205");
  tapi.wait_state(a1, LINECALLSTATE_DIALING);
  Sleep(1000);  // three inter-digit timeouts: a number not partial would be PROCEEDING by now
  expect(a1.last_state() == LINECALLSTATE_DIALING,
         "the partial number did not wait for lineDial: " + state_list(a1.states));
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, a1.hd, L"", 0), r, "lineDial(201's partial call, \"\")");
  tapi.wait_state(a1, LINECALLSTATE_RINGBACK);
  drop(tapi, a1);
  step("the same number without ';' completes by itself after the inter-digit timeout");
  TapiCall& a2 = make_call(tapi, A, L"205", "201's call to 205");
  tapi.wait_state(a2, LINECALLSTATE_RINGBACK);
  drop(tapi, a2);
  step("lineDial(\"\") on a call with dial tone and no partial number: the switch refuses it, INVALADDRESS");
  r = tapi.next_request();
  TapiCall& a3 = tapi.outgoing("201's call with dial tone", A, r);
  tapi.expect_ok(t.TSPI_lineMakeCall(r, A.hd, a3.ht(), &a3.hd, nullptr, 0, nullptr), r, "lineMakeCall(201, no number)");
  tapi.wait_state(a3, LINECALLSTATE_DIALTONE);
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineDial(r, a3.hd, L"", 0), r, err(LINEERR_INVALADDRESS), "lineDial(201, \"\")");
  drop(tapi, a3);

  step("a ',' pauses dial_pause (LINEDEVCAPS dwDialPause): RINGBACK that much later in simulated time");
  Buffer<LINEDEVCAPS> dc(4096);
  expect(t.TSPI_lineGetDevCaps(A.device_id, 0x00030000, 0, dc.get()) == 0, "GetDevCaps(201)");
  const double pause = dc->DefaultDialParams.dwDialPause / 1000.0;
  expect(pause > 0, "dwDialPause is 0");
  double took[2] = {0, 0};
  std::vector<TapiCall*> plain;
  const wchar_t* numbers[2] = {L"202", L"2,02"};
  for (int i = 0; i < 2; ++i) {
    TapiCall& a = make_call(tapi, A, numbers[i], "201's call to " + narrow(numbers[i]));
    TapiCall& b = tapi.wait_new_call(B, "202's call (201 dialled " + narrow(numbers[i]) + ")");
    tapi.wait_state(a, LINECALLSTATE_RINGBACK);
    const std::string name = server_call(t, a);
    took[i] = mon.time_of(name, "RINGBACK") - mon.time_of(name, "DIALTONE");
    drop(tapi, a);
    tapi.wait_state(b, LINECALLSTATE_IDLE);
    plain.push_back(&a);
    plain.push_back(&b);
  }
  std::printf("   DIALTONE to RINGBACK: \"202\" %.3f s, \"2,02\" %.3f s (dwDialPause %lu ms)\n", took[0], took[1],
              static_cast<unsigned long>(dc->DefaultDialParams.dwDialPause));
  expect(took[1] - took[0] > pause - 0.005 && took[1] - took[0] < pause + 0.005,
         "\"2,02\" reached RINGBACK " + std::to_string(took[1] - took[0]) + " s after \"202\" did; the pause is " +
             std::to_string(pause) + " s");

  // Their sequences now, and TAPI closes them: an IDLE call keeps its call appearance until then
  // (max_calls_per_line), and the conference below needs four on 201.
  // lineDrop takes the dialled calls straight to IDLE; the calls they offered see the caller leave.
  const S rung = {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
                  LINECALLSTATE_IDLE};
  const S missed = {LINECALLSTATE_OFFERING, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE};
  const auto dialled = check_sequences(t, mon,
                                       {{&a1, rung},
                                        {&a2, rung},
                                        {&a3, {LINECALLSTATE_DIALTONE, LINECALLSTATE_IDLE}},
                                        {plain[0], rung},
                                        {plain[1], missed},
                                        {plain[2], rung},
                                        {plain[3], missed}});
  close_all(tapi, {&a1, &a2, &a3, plain[0], plain[1], plain[2], plain[3]}, {});
  for (const std::string& n : dialled) wait_deallocated(mon, n);

  step("201 calls 202, consults 203 and completes the transfer as a conference (LINETRANSFERMODE_CONFERENCE)");
  TapiCall& a4 = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  answer(tapi, b1);
  tapi.wait_state(a4, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  TapiCall& a5 = tapi.outgoing("201's consultation call to 203", A, r);
  tapi.expect_ok(t.TSPI_lineSetupTransfer(r, a4.hd, a5.ht(), &a5.hd, nullptr), r, "lineSetupTransfer(201)");
  tapi.wait_state(a5, LINECALLSTATE_DIALTONE);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, a5.hd, L"203", 0), r, "lineDial(203)");
  TapiCall& c1 = tapi.wait_new_call(C, "203's call");
  tapi.wait_state(c1, LINECALLSTATE_OFFERING);
  answer(tapi, c1);
  tapi.wait_state(a5, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  TapiCall& conf = tapi.outgoing("201's conference call", A, r);
  tapi.expect_ok(t.TSPI_lineCompleteTransfer(r, a4.hd, a5.hd, conf.ht(), &conf.hd, LINETRANSFERMODE_CONFERENCE), r,
                 "lineCompleteTransfer(201, CONFERENCE)");
  tapi.wait_state(conf, LINECALLSTATE_CONNECTED);
  tapi.wait_state(a4, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(a5, LINECALLSTATE_CONFERENCED);
  expect(call_info(t, conf).origin == LINECALLORIGIN_CONFERENCE, "the conference call's origin is not CONFERENCE");
  expect(call_info(t, a4).related == call_info(t, conf).call_id && call_info(t, a5).related == call_info(t, conf).call_id,
         "the members' dwRelatedCallID is not the conference call's dwCallID");

  step("linePrepareAddToConference: the conference waits ONHOLDPENDCONF while 204 is called, then 204 joins");
  r = tapi.next_request();
  TapiCall& a6 = tapi.outgoing("201's consultation call to 204", A, r);
  tapi.expect_ok(t.TSPI_linePrepareAddToConference(r, conf.hd, a6.ht(), &a6.hd, nullptr), r,
                 "linePrepareAddToConference(201's conference)");
  tapi.wait_state(conf, LINECALLSTATE_ONHOLDPENDCONF);
  tapi.wait_state(a6, LINECALLSTATE_DIALTONE);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, a6.hd, L"204", 0), r, "lineDial(204)");
  TapiCall& d1 = tapi.wait_new_call(D, "204's call");
  tapi.wait_state(d1, LINECALLSTATE_OFFERING);
  answer(tapi, d1);
  tapi.wait_state(a6, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAddToConference(r, conf.hd, a6.hd), r, "lineAddToConference(204's leg)");
  tapi.wait_state(a6, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(conf, LINECALLSTATE_CONNECTED);

  step("201 drops the conference (CONFDROP): every party goes");
  drop(tapi, conf);
  for (TapiCall* c : {&b1, &c1, &d1}) {
    tapi.wait_state(*c, LINECALLSTATE_DISCONNECTED);
    drop(tapi, *c);
  }
  for (TapiCall* c : {&a4, &a5, &a6}) tapi.wait_state(*c, LINECALLSTATE_IDLE);

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  const S answered = {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE};
  const auto names = check_sequences(
      t, mon,
      // lineDrop of the conference call takes it and its members straight to IDLE.
      {{&a4, then(kDialled, {LINECALLSTATE_ONHOLDPENDTRANSFER, LINECALLSTATE_CONFERENCED, LINECALLSTATE_IDLE})},
       {&a5, then(kDialled, {LINECALLSTATE_CONFERENCED, LINECALLSTATE_IDLE})},
       {&conf, {LINECALLSTATE_CONNECTED, LINECALLSTATE_ONHOLDPENDCONF, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
       {&a6, then(kDialled, {LINECALLSTATE_CONFERENCED, LINECALLSTATE_IDLE})},
       {&b1, answered},
       {&c1, answered},
       {&d1, answered}},
      &conf);
  finish(tapi, mon, names, {&a4, &a5, &conf, &a6, &b1, &c1, &d1}, {&A, &B, &C, &D});
}

}  // namespace telsim::tsp::host
