// The scripted checks the host runs against telsim.tsp and a live `telsim serve`
// (tsp-shim/test/office.yaml: manual extensions 201 Front desk, 202 Sales, 203 Support in pickup
// group "desk", park orbits 701-709, a modem on 400). Each throws a Failure at the first thing
// that does not hold. The walks through the remaining features are in scripts_features.cpp.
#include "scripts.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "monitor.hpp"
#include "script_support.hpp"
#include "tapi_sim.hpp"
#include "text.hpp"

namespace telsim::tsp::host {
namespace {

// --- calls: the acceptance walk ---------------------------------------------------------

void calls(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  step("negotiate, enumerate, initialise; open 201, 202, 203");
  expect(tapi.start() == 4, "the TSP enumerated " + std::to_string(tapi.num_lines()) +
                                " lines, the scenario has 4 (3 extensions, a modem)");
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiLine& C = tapi.open("203");
  Monitor mon(cx.server, cx.token);
  tapi.check_status_in_callbacks(true);
  Buffer<LINEDEVCAPS> caps(sizeof(LINEDEVCAPS));
  expect(t.TSPI_lineGetDevCaps(A.device_id, A.version, 0, caps.get()) == 0 && caps->dwNeededSize > caps->dwTotalSize &&
             caps->dwUsedSize == sizeof(LINEDEVCAPS),
         "GetDevCaps into its fixed size does not say what it needs: needed " + std::to_string(caps->dwNeededSize));

  step("201 calls 202");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  tapi.wait_state(a1, LINECALLSTATE_RINGBACK);
  const CallInfo bi = call_info(t, b1);
  expect(bi.origin == LINECALLORIGIN_INTERNAL && bi.reason == LINECALLREASON_DIRECT,
         "202's call: origin " + hex(bi.origin) + ", reason " + hex(bi.reason));
  expect(bi.caller == L"201" && bi.caller_name == L"Front desk" && bi.called == L"202" && bi.called_name == L"Sales",
         "202's call: caller '" + narrow(bi.caller) + "' ('" + narrow(bi.caller_name) + "'), called '" +
             narrow(bi.called) + "'");
  expect(FakeTapi::call_status(t, b1).dwCallFeatures & LINECALLFEATURE_ANSWER, "202's offered call cannot be answered");
  expect(call_info(t, a1).origin == LINECALLORIGIN_OUTBOUND, "201's call is not OUTBOUND");
  expect(std::any_of(a1.info_changes.begin(), a1.info_changes.end(),
                     [](DWORD bits) { return bits & LINECALLINFOSTATE_CALLEDID; }),
         "no LINE_CALLINFO CALLEDID for 201's call once its number was dialled");
  expect(call_info(t, a1).called == L"202", "201's call: called id '" + narrow(call_info(t, a1).called) + "'");

  step("202 answers");
  answer(tapi, b1);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  expect(dev_status(t, A).dwNumActiveCalls == 1, "201 has no active call while connected");
  expect(call_info(t, a1).connected == L"202" && call_info(t, b1).connected == L"201",
         "connected ids: 201's call '" + narrow(call_info(t, a1).connected) + "', 202's '" +
             narrow(call_info(t, b1).connected) + "'");

  step("201 holds and unholds; unholding a connected call is refused");
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineHold(r, a1.hd), r, "lineHold(201)");
  tapi.wait_state(a1, LINECALLSTATE_ONHOLD);
  const LINEDEVSTATUS held = dev_status(t, A);
  expect(held.dwNumOnHoldCalls == 1 && held.dwNumActiveCalls == 0, "201's LINEDEVSTATUS with its call on hold: active " +
                                                                     std::to_string(held.dwNumActiveCalls) + ", held " +
                                                                     std::to_string(held.dwNumOnHoldCalls));
  expect(FakeTapi::call_status(t, a1).dwCallFeatures & LINECALLFEATURE_UNHOLD, "201's held call cannot be unheld");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineUnhold(r, a1.hd), r, "lineUnhold(201)");
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  tapi.expect_error(t.TSPI_lineUnhold(r, a1.hd), r, err(LINEERR_INVALCALLSTATE), "lineUnhold(201, connected)");

  step("201 consults 203 (TAPI backlogged once) and transfers 202 to it");
  r = tapi.next_request();
  TapiCall& a2 = tapi.outgoing("201's consultation call", A, r);
  tapi.expect_ok(t.TSPI_lineSetupTransfer(r, a1.hd, a2.ht(), &a2.hd, nullptr), r, "lineSetupTransfer(201)");
  tapi.wait_state(a1, LINECALLSTATE_ONHOLDPENDTRANSFER);
  tapi.wait_state(a2, LINECALLSTATE_DIALTONE);
  tapi.refuse_newcalls(1);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, a2.hd, L"203", 0), r, "lineDial(201's consultation call, 203)");
  TapiCall& c1 = tapi.wait_new_call(C, "203's call from 201");
  expect(c1.newcall_offers == 2, "203's call was offered " + std::to_string(c1.newcall_offers) +
                                     " times; refused once, it must come once more");
  tapi.wait_state(c1, LINECALLSTATE_OFFERING);
  tapi.wait_state(a2, LINECALLSTATE_RINGBACK);
  answer(tapi, c1);
  tapi.wait_state(a2, LINECALLSTATE_CONNECTED);
  // What the held original allows changes with the consultation call's state (the server lets
  // it complete the transfer once the consultation call is PROCEEDING, docs/tapi-conformance.md), and TAPI reads
  // it when it hears of that state: inside each LINE_CALLSTATE it must already be current.
  expect(!(features_seen(a2, LINECALLSTATE_DIALTONE, a1) & LINECALLFEATURE_COMPLETETRANSF),
         "the original allows COMPLETETRANSF while the consultation call has dial tone");
  for (DWORD state : {LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK, LINECALLSTATE_CONNECTED})
    expect(features_seen(a2, state, a1) & LINECALLFEATURE_COMPLETETRANSF,
           std::string("inside the consultation call's LINE_CALLSTATE ") + call_state_name(state) +
               " the original does not allow COMPLETETRANSF: features " + hex(features_seen(a2, state, a1)));
  r = tapi.next_request();
  HDRVCALL no_conf = nullptr;
  tapi.expect_ok(t.TSPI_lineCompleteTransfer(r, a1.hd, a2.hd, nullptr, &no_conf, LINETRANSFERMODE_TRANSFER), r,
                 "lineCompleteTransfer(201, transfer)");
  tapi.wait_state(a1, LINECALLSTATE_IDLE);
  tapi.wait_state(a2, LINECALLSTATE_IDLE);
  // 202's call never changed state, but it is connected to 203 now: LINE_CALLINFO says so.
  tapi.wait([&] {
    return std::any_of(b1.info_changes.begin(), b1.info_changes.end(),
                       [](DWORD bits) { return bits & LINECALLINFOSTATE_CONNECTEDID; });
  }, "LINE_CALLINFO CONNECTEDID on 202's call after the transfer");
  expect(call_info(t, b1).connected == L"203",
         "202's call after the transfer: connected id '" + narrow(call_info(t, b1).connected) + "'");

  step("202 parks its call (now with 203) on orbit 701; 201 unparks it; orbit 709 is empty");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_linePark(r, b1.hd, LINEPARKMODE_DIRECTED, L"701", nullptr), r, "linePark(202, 701)");
  tapi.wait_state(b1, LINECALLSTATE_IDLE);
  r = tapi.next_request();
  TapiCall& a3 = tapi.outgoing("201's unparked call", A, r);
  tapi.expect_ok(t.TSPI_lineUnpark(r, A.hd, 0, a3.ht(), &a3.hd, L"701"), r, "lineUnpark(201, 701)");
  tapi.wait_state(a3, LINECALLSTATE_CONNECTED);
  const CallInfo ai = call_info(t, a3);
  expect(ai.reason == LINECALLREASON_UNPARK, "the unparked call's reason is " + hex(ai.reason));
  r = tapi.next_request();
  TapiCall& none = tapi.outgoing("201's unpark of an empty orbit", A, r);
  const LONG empty = tapi.await_completion(t.TSPI_lineUnpark(r, A.hd, 0, none.ht(), &none.hd, L"709"), r,
                                           "lineUnpark(201, 709)");
  expect(empty < 0, "unparking an empty orbit completed with " + error_name(empty));

  step("everyone hangs up");
  drop(tapi, a3);
  tapi.wait_state(c1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, c1);

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  using S = std::vector<DWORD>;
  struct Expect {
    TapiCall* call;
    S states;
  };
  const std::vector<Expect> all = {
      {&a1, {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
             LINECALLSTATE_CONNECTED, LINECALLSTATE_ONHOLD, LINECALLSTATE_CONNECTED,
             LINECALLSTATE_ONHOLDPENDTRANSFER, LINECALLSTATE_IDLE}},
      {&b1, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
      {&a2, {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
             LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
      {&c1, {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE}},
      {&a3, {LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},  // lineDrop: straight to IDLE
  };
  std::vector<std::string> names;
  for (const Expect& e : all) {
    names.push_back(server_call(t, *e.call));
    check_sequence(t, mon, *e.call, names.back(), e.states);
    std::printf("   %-28s %-4s %s\n", e.call->label.c_str(), names.back().c_str(), state_list(e.call->states).c_str());
  }
  expect(none.states.empty(), "the failed unpark's call got LINE_CALLSTATE " + state_list(none.states));

  step("TAPI closes the calls (the server deallocates them) and the lines");
  close_all(tapi, {&a1, &b1, &a2, &c1, &a3, &none}, {&A, &B, &C});
  for (const std::string& n : names) wait_deallocated(mon, n);
  tapi.shutdown();
  tapi.check_rules();
}

// --- conference: CONFERENCED names its conference call ------------------------------------------

void conference(const Context& cx) {
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
  TapiCall& b1 = tapi.wait_new_call(B, "202's call");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAnswer(r, b1.hd, nullptr, 0), r, "lineAnswer(202)");
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);

  step("201 sets up a conference and consults 203");
  r = tapi.next_request();
  TapiCall& conf = tapi.outgoing("201's conference call", A, r);
  TapiCall& a2 = tapi.outgoing("201's call to add", A, r);
  tapi.expect_ok(t.TSPI_lineSetupConference(r, a1.hd, A.hd, conf.ht(), &conf.hd, a2.ht(), &a2.hd, 3, nullptr), r,
                 "lineSetupConference(201)");
  tapi.wait_state(conf, LINECALLSTATE_ONHOLDPENDCONF);
  tapi.wait_state(a1, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(a2, LINECALLSTATE_DIALTONE);
  const CallInfo member = call_info(t, a1);
  expect(member.related == call_info(t, conf).call_id && member.related != 0,
         "a conference member's dwRelatedCallID is not its conference's dwCallID");
  expect(call_info(t, conf).origin == LINECALLORIGIN_CONFERENCE, "the conference call's origin is not CONFERENCE");
  expect(std::any_of(a1.info_changes.begin(), a1.info_changes.end(),
                     [](DWORD bits) { return bits & LINECALLINFOSTATE_RELATEDCALLID; }),
         "no LINE_CALLINFO RELATEDCALLID when 201's call joined the conference");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, a2.hd, L"203", 0), r, "lineDial(203)");
  TapiCall& c1 = tapi.wait_new_call(C, "203's call");
  tapi.wait_state(c1, LINECALLSTATE_OFFERING);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAnswer(r, c1.hd, nullptr, 0), r, "lineAnswer(203)");
  tapi.wait_state(a2, LINECALLSTATE_CONNECTED);

  step("203 joins; then leaves, and the conference collapses to 201-202");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAddToConference(r, conf.hd, a2.hd), r, "lineAddToConference");
  tapi.wait_state(a2, LINECALLSTATE_CONFERENCED);
  tapi.wait_state(conf, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineRemoveFromConference(r, a2.hd), r, "lineRemoveFromConference(203's leg)");
  tapi.wait_state(a2, LINECALLSTATE_IDLE);
  tapi.wait_state(conf, LINECALLSTATE_IDLE);
  tapi.wait_state(a1, LINECALLSTATE_CONNECTED);
  tapi.wait_state(c1, LINECALLSTATE_DISCONNECTED);

  step("everyone hangs up");
  for (TapiCall* c : {&a1, &c1}) {
    r = tapi.next_request();
    tapi.expect_ok(t.TSPI_lineDrop(r, c->hd, nullptr, 0), r, "lineDrop(" + c->label + ")");
    tapi.wait_state(*c, LINECALLSTATE_IDLE);
  }
  tapi.wait_state(b1, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b1);

  step("every call's LINE_CALLSTATE sequence: docs/tapi-conformance.md's, and the server's");
  using S = std::vector<DWORD>;
  const S dialled = {LINECALLSTATE_DIALTONE, LINECALLSTATE_DIALING, LINECALLSTATE_PROCEEDING, LINECALLSTATE_RINGBACK,
                     LINECALLSTATE_CONNECTED};
  S a1s = dialled, a2s = dialled;
  // lineDrop takes a1 and c1 straight to IDLE; b1, whose far end left, passes through DISCONNECTED.
  a1s.insert(a1s.end(), {LINECALLSTATE_CONFERENCED, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE});
  a2s.insert(a2s.end(), {LINECALLSTATE_CONFERENCED, LINECALLSTATE_IDLE});
  const S answered = {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE};
  const S hung_up_on = {LINECALLSTATE_OFFERING, LINECALLSTATE_CONNECTED, LINECALLSTATE_DISCONNECTED, LINECALLSTATE_IDLE};
  const std::vector<std::pair<TapiCall*, S>> all = {
      {&a1, a1s}, {&b1, hung_up_on}, {&conf, {LINECALLSTATE_ONHOLDPENDCONF, LINECALLSTATE_CONNECTED, LINECALLSTATE_IDLE}},
      {&a2, a2s}, {&c1, hung_up_on}};
  std::vector<std::string> names;
  for (const auto& [call, states] : all) {
    names.push_back(server_call(t, *call));
    check_sequence(t, mon, *call, names.back(), states, &conf);
    std::printf("   %-28s %-4s %s\n", call->label.c_str(), names.back().c_str(), state_list(call->states).c_str());
  }
  close_all(tapi, {&a1, &b1, &conf, &a2, &c1}, {&A, &B, &C});
  for (const std::string& n : names) wait_deallocated(mon, n);
  tapi.shutdown();
  tapi.check_rules();
}

// --- buffers: dwTotalSize, dwNeededSize, dwUsedSize ---------------------------------------------

void buffers(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");

  step("TSPI versions and device ids");
  DWORD v = 0;
  expect(t.TSPI_lineNegotiateTSPIVersion(INITIALIZE_NEGOTIATION, 0x00010003, 0x00010004, &v) ==
             err(LINEERR_INCOMPATIBLEAPIVERSION),
         "TAPI 1.x only must be refused with INCOMPATIBLEAPIVERSION");
  expect(t.TSPI_lineNegotiateTSPIVersion(FakeTapi::kLineBase + tapi.num_lines(), 0x00020000, 0x00030000, &v) ==
             err(LINEERR_BADDEVICEID),
         "a device id past the last line must be BADDEVICEID");
  HDRVLINE again = nullptr;
  expect(t.TSPI_lineOpen(A.device_id, A.ht(), &again, A.version, nullptr) != 0, "lineOpen without a callback succeeded");

  step("LINEDEVCAPS: fixed part only, then all of it; TAPI 2.0's smaller fixed part");
  const DWORD fixed30 = sizeof(LINEDEVCAPS);
  Buffer<LINEDEVCAPS> small(fixed30);
  expect(t.TSPI_lineGetDevCaps(A.device_id, 0x00030000, 0, small.get()) == 0, "GetDevCaps(small) failed");
  expect(small->dwTotalSize == fixed30, "GetDevCaps overwrote dwTotalSize");
  expect(small->dwNeededSize > fixed30 && small->dwUsedSize == fixed30 && small->dwLineNameSize == 0 &&
             small->dwLineNameOffset == 0,
         "GetDevCaps(small): needed " + std::to_string(small->dwNeededSize) + ", used " +
             std::to_string(small->dwUsedSize) + ", line name size " + std::to_string(small->dwLineNameSize));
  expect(small->dwNumAddresses == 1 && small->dwStringFormat == STRINGFORMAT_UNICODE &&
             (small->dwMediaModes & LINEMEDIAMODE_INTERACTIVEVOICE),
         "GetDevCaps(small) did not fill the fixed part");
  expect(small.guard_intact(), "GetDevCaps wrote past dwTotalSize");
  Buffer<LINEDEVCAPS> full(small->dwNeededSize);
  expect(t.TSPI_lineGetDevCaps(A.device_id, 0x00030000, 0, full.get()) == 0, "GetDevCaps(needed) failed");
  expect(full->dwUsedSize == full->dwNeededSize && full->dwNeededSize == small->dwNeededSize,
         "GetDevCaps(needed): used " + std::to_string(full->dwUsedSize) + " of " + std::to_string(full->dwNeededSize));
  const std::wstring name = full.text(full->dwLineNameSize, full->dwLineNameOffset);
  expect(name == L"Front desk (telsim extension 201)", "line name '" + narrow(name) + "'");
  expect(full.text(full->dwProviderInfoSize, full->dwProviderInfoOffset).find(L"telsim TSP") == 0,
         "provider info '" + narrow(full.text(full->dwProviderInfoSize, full->dwProviderInfoOffset)) + "'");
  expect(full.text(full->dwSwitchInfoSize, full->dwSwitchInfoOffset).find(L"scenario tsp-office") != std::wstring::npos,
         "switch info '" + narrow(full.text(full->dwSwitchInfoSize, full->dwSwitchInfoOffset)) + "'");
  const auto classes = full.texts(full->dwDeviceClassesSize, full->dwDeviceClassesOffset);
  expect(classes.size() == 4 && classes[0] == L"tapi/line" && classes[2] == L"telsim/call",
         "device classes: " + std::to_string(classes.size()));
  expect(full.guard_intact(), "GetDevCaps(needed) wrote past dwTotalSize");
  const DWORD fixed20 = offsetof(LINEDEVCAPS, PermanentLineGuid);
  Buffer<LINEDEVCAPS> v20(fixed20, fixed30);
  expect(t.TSPI_lineGetDevCaps(A.device_id, 0x00020000, 0, v20.get()) == 0, "GetDevCaps(TAPI 2.0) failed");
  expect(v20->dwUsedSize == fixed20 && v20.guard_intact(), "GetDevCaps(TAPI 2.0) wrote past its fixed part");
  Buffer<LINEDEVCAPS> tiny(fixed30 - 4);
  expect(t.TSPI_lineGetDevCaps(A.device_id, 0x00030000, 0, tiny.get()) == err(LINEERR_STRUCTURETOOSMALL),
         "GetDevCaps into less than the fixed part must be STRUCTURETOOSMALL");

  step("LINEADDRESSCAPS and VARSTRING (lineGetID)");
  Buffer<LINEADDRESSCAPS> ac(sizeof(LINEADDRESSCAPS));
  expect(t.TSPI_lineGetAddressCaps(A.device_id, 0, 0x00030000, 0, ac.get()) == 0, "GetAddressCaps(small) failed");
  expect(ac->dwNeededSize > ac->dwTotalSize && ac->dwUsedSize == sizeof(LINEADDRESSCAPS) && ac->dwAddressSize == 0,
         "GetAddressCaps(small) sizes");
  expect(ac->dwCallFeatures & LINECALLFEATURE_SETUPTRANSFER, "address caps without SETUPTRANSFER");
  expect(ac->dwAddrCapFlags & LINEADDRCAPFLAGS_AUTORECONNECT, "address caps without AUTORECONNECT (the scenario has it)");
  expect(t.TSPI_lineGetAddressCaps(A.device_id, 1, 0x00030000, 0, ac.get()) == err(LINEERR_INVALADDRESSID),
         "address 1 must be INVALADDRESSID");
  Buffer<VARSTRING> id(sizeof(VARSTRING) + 16);
  expect(t.TSPI_lineGetID(A.hd, 0, nullptr, LINECALLSELECT_LINE, id.get(), L"tapi/line", nullptr) == 0, "GetID(tapi/line)");
  DWORD device = 0;
  std::memcpy(&device, id.bytes.data() + id->dwStringOffset, sizeof device);
  expect(id->dwStringFormat == STRINGFORMAT_BINARY && id->dwStringSize == 4 && device == A.device_id,
         "GetID(tapi/line) gave " + std::to_string(device));
  Buffer<VARSTRING> vs(sizeof(VARSTRING));
  expect(t.TSPI_lineGetID(A.hd, 0, nullptr, LINECALLSELECT_LINE, vs.get(), L"telsim/line", nullptr) == 0, "GetID(small)");
  expect(vs->dwNeededSize == sizeof(VARSTRING) + 8 && vs->dwUsedSize == sizeof(VARSTRING) && vs->dwStringSize == 0,
         "GetID(telsim/line, small): needed " + std::to_string(vs->dwNeededSize));
  expect(t.TSPI_lineGetID(A.hd, 0, nullptr, LINECALLSELECT_LINE, vs.get(), L"comm/datamodem", nullptr) ==
             err(LINEERR_INVALDEVICECLASS),
         "GetID(comm/datamodem) on an extension must be INVALDEVICECLASS");

  step("LINECALLINFO: fixed part only keeps TAPI's members; all of it");
  // Dial strings go to the switch as given; what it cannot dial completes with its LINEERR.
  DRV_REQUESTID r = tapi.next_request();
  TapiCall& prompt = tapi.outgoing("201's call to 20?2", A, r);
  tapi.expect_error(t.TSPI_lineMakeCall(r, A.hd, prompt.ht(), &prompt.hd, L"20?2", 0, nullptr), r,
                    err(LINEERR_DIALPROMPT), "lineMakeCall(\"20?2\")");
  r = tapi.next_request();
  TapiCall& bad = tapi.outgoing("201's call to 2x2", A, r);
  tapi.expect_error(t.TSPI_lineMakeCall(r, A.hd, bad.ht(), &bad.hd, L"2x2", 0, nullptr), r, err(LINEERR_INVALADDRESS),
                    "lineMakeCall(\"2x2\")");
  r = tapi.next_request();
  tapi.expect_sync_error(t.TSPI_lineDial(r, prompt.hd, nullptr, 0), r, err(LINEERR_INVALPOINTER), "lineDial(NULL)");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  Buffer<LINECALLINFO> ci(sizeof(LINECALLINFO));
  ci->hLine = static_cast<HLINE>(0x1234);
  ci->dwNumOwners = 7;
  expect(t.TSPI_lineGetCallInfo(b1.hd, ci.get()) == 0, "GetCallInfo(small)");
  expect(ci->dwNeededSize > sizeof(LINECALLINFO) && ci->dwUsedSize == sizeof(LINECALLINFO) && ci->dwCallerIDSize == 0,
         "GetCallInfo(small) sizes");
  expect(ci->hLine == static_cast<HLINE>(0x1234) && ci->dwNumOwners == 7,
         "GetCallInfo overwrote members TAPI fills");
  expect(ci->dwLineDeviceID == B.device_id && ci->dwCallID != 0, "GetCallInfo(small) fixed part");
  expect(ci.guard_intact(), "GetCallInfo wrote past dwTotalSize");
  const CallInfo info = call_info(t, b1);
  expect(info.caller == L"201" && info.called == L"202", "caller/called of 202's call");

  step("LINEADDRESSSTATUS with forwarding (LINE_ADDRESSSTATE FORWARD)");
  std::vector<BYTE> fl(sizeof(LINEFORWARDLIST) + 64, 0);
  auto* list = reinterpret_cast<LINEFORWARDLIST*>(fl.data());
  list->dwTotalSize = static_cast<DWORD>(fl.size());
  list->dwNumEntries = 1;
  list->ForwardList[0].dwForwardMode = LINEFORWARDMODE_BUSY;
  const wchar_t* dest = L"203";
  list->ForwardList[0].dwDestAddressOffset = sizeof(LINEFORWARDLIST);
  list->ForwardList[0].dwDestAddressSize = 4 * sizeof(wchar_t);
  std::memcpy(fl.data() + sizeof(LINEFORWARDLIST), dest, 4 * sizeof(wchar_t));
  const std::size_t before = B.addrstates.size();
  HDRVCALL consult = reinterpret_cast<HDRVCALL>(static_cast<std::uintptr_t>(1));
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineForward(r, B.hd, 1, 0, list, 0, nullptr, &consult, nullptr), r, "lineForward(202 busy -> 203)");
  expect(consult == nullptr, "lineForward left a consultation call handle");
  tapi.wait_addrstate(B, LINEADDRESSSTATE_FORWARD, before);
  Buffer<LINEADDRESSSTATUS> as(sizeof(LINEADDRESSSTATUS));
  expect(t.TSPI_lineGetAddressStatus(B.hd, 0, as.get()) == 0, "GetAddressStatus(small)");
  expect(as->dwForwardNumEntries == 1 && as->dwForwardSize == 0 && as->dwNeededSize > sizeof(LINEADDRESSSTATUS) &&
             as->dwNumInUse == 1,
         "GetAddressStatus(small): entries " + std::to_string(as->dwForwardNumEntries) + ", needed " +
             std::to_string(as->dwNeededSize));
  Buffer<LINEADDRESSSTATUS> asf(as->dwNeededSize);
  expect(t.TSPI_lineGetAddressStatus(B.hd, 0, asf.get()) == 0, "GetAddressStatus(needed)");
  expect(asf->dwUsedSize == asf->dwNeededSize && asf->dwForwardSize == sizeof(LINEFORWARD), "GetAddressStatus sizes");
  LINEFORWARD fwd{};
  std::memcpy(&fwd, asf.bytes.data() + asf->dwForwardOffset, sizeof fwd);
  expect(fwd.dwForwardMode == LINEFORWARDMODE_BUSY && asf.text(fwd.dwDestAddressSize, fwd.dwDestAddressOffset) == L"203",
         "the forwarding entry: mode " + hex(fwd.dwForwardMode));
  const std::size_t before_cancel = B.addrstates.size();
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineForward(r, B.hd, 1, 0, nullptr, 0, nullptr, &consult, nullptr), r, "lineForward(202, cancel)");
  tapi.wait_addrstate(B, LINEADDRESSSTATE_FORWARD, before_cancel);
  Buffer<LINEADDRESSSTATUS> as0(sizeof(LINEADDRESSSTATUS) + 256);
  expect(t.TSPI_lineGetAddressStatus(B.hd, 0, as0.get()) == 0 && as0->dwForwardNumEntries == 0,
         "forwarding still listed after lineForward(NULL)");

  drop(tapi, a1);
  tapi.wait_state(b1, LINECALLSTATE_IDLE);

  step("a modem's line: named so, a data modem, driven as Unimodem drives one");
  TapiLine& M = tapi.open("400");
  Buffer<LINEDEVCAPS> mc(4096);
  expect(t.TSPI_lineGetDevCaps(M.device_id, 0x00030000, 0, mc.get()) == 0, "GetDevCaps(400)");
  expect(mc.text(mc->dwLineNameSize, mc->dwLineNameOffset) == L"Modem m1 (telsim modem 400)",
         "the modem's line name '" + narrow(mc.text(mc->dwLineNameSize, mc->dwLineNameOffset)) + "'");
  expect((mc->dwMediaModes & LINEMEDIAMODE_DATAMODEM) && (mc->dwLineFeatures & LINEFEATURE_MAKECALL),
         "the modem's LINEDEVCAPS: media " + hex(mc->dwMediaModes) + ", line features " + hex(mc->dwLineFeatures));
  const LINEDEVSTATUS ms = dev_status(t, M);
  expect((ms.dwDevStatusFlags & LINEDEVSTATUSFLAGS_INSERVICE) && (ms.dwLineFeatures & LINEFEATURE_MAKECALL),
         "the modem's LINEDEVSTATUS: flags " + hex(ms.dwDevStatusFlags) + ", features " + hex(ms.dwLineFeatures));
  TapiCall& a2 = make_call(tapi, A, L"400", "201's call to the modem");
  TapiCall& m1 = tapi.wait_new_call(M, "the modem's call");
  tapi.wait_state(m1, LINECALLSTATE_OFFERING);
  expect(FakeTapi::call_status(t, m1).dwCallFeatures & LINECALLFEATURE_ANSWER, "the modem's offered call can be answered");
  // The modem answers; a voice caller never whistles back, so TAPI hears no CONNECTED (that
  // waits for the carriers) before 201 hangs up.
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineAnswer(r, m1.hd, nullptr, 0), r, "lineAnswer on the modem's line");
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDrop(r, a2.hd, nullptr, 0), r, "lineDrop(201)");
  tapi.wait_state(m1, LINECALLSTATE_IDLE);
  expect(std::none_of(m1.states.begin(), m1.states.end(),
                      [](const TapiCall::State& st) { return st.state == LINECALLSTATE_CONNECTED; }),
         "no CONNECTED without a carrier");

  step("close, shut down");
  close_all(tapi, {&prompt, &bad, &a1, &b1, &a2, &m1}, {&A, &B, &M});
  tapi.shutdown();
  tapi.check_rules();
}

// --- outage: the server killed with a request pending, then back --------------------------------

void outage(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  step("201 calls 202; it rings");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  tapi.wait_state(a1, LINECALLSTATE_RINGBACK);

  step("the server freezes; 202 answers (the request stays pending); the server is killed");
  ask_driver("freeze-server");
  const DRV_REQUESTID pending = tapi.next_request();
  const LONG returned = t.TSPI_lineAnswer(pending, b1.hd, nullptr, 0);
  ask_driver("kill-server");
  const LONG result = tapi.await_completion(returned, pending, "lineAnswer(202) pending when the server died");
  expect(result == err(LINEERR_OPERATIONFAILED), "the pending lineAnswer completed with " + error_name(result));
  tapi.wait_devstate(A, LINEDEVSTATE_OUTOFSERVICE);
  tapi.wait_devstate(B, LINEDEVSTATE_OUTOFSERVICE);
  tapi.wait_state(a1, LINECALLSTATE_IDLE);
  tapi.wait_state(b1, LINECALLSTATE_IDLE);
  for (TapiCall* c : {&a1, &b1}) {
    const auto& s = c->states;
    expect(s.size() >= 2 && s[s.size() - 2].state == LINECALLSTATE_DISCONNECTED &&
               s[s.size() - 2].mode == LINEDISCONNECTMODE_TEMPFAILURE,
           c->label + " ended " + state_list(s) + "; expected DISCONNECTED (TEMPFAILURE) then IDLE");
  }
  const LINEDEVSTATUS down = dev_status(t, A);
  expect(!(down.dwDevStatusFlags & LINEDEVSTATUSFLAGS_INSERVICE) && down.dwLineFeatures == 0 &&
             down.dwNumActiveCalls == 0,
         "201's LINEDEVSTATUS out of service: flags " + hex(down.dwDevStatusFlags) + ", features " +
             hex(down.dwLineFeatures));

  step("requests while out of service fail at once");
  DRV_REQUESTID r = tapi.next_request();
  HDRVCALL unused = nullptr;
  tapi.expect_sync_error(t.TSPI_lineMakeCall(r, A.hd, nullptr, &unused, L"202", 0, nullptr), r,
                         err(LINEERR_INVALLINESTATE), "lineMakeCall while out of service");
  r = tapi.next_request();
  tapi.expect_sync_error(t.TSPI_lineDrop(r, a1.hd, nullptr, 0), r, err(LINEERR_INVALLINESTATE),
                         "lineDrop while out of service");
  close_all(tapi, {&a1, &b1}, {});

  step("the server is back: INSERVICE, and calls work again");
  const std::size_t a_from = A.devstates.size(), b_from = B.devstates.size();
  ask_driver("start-server");
  tapi.wait_devstate(A, LINEDEVSTATE_INSERVICE, a_from);
  tapi.wait_devstate(B, LINEDEVSTATE_INSERVICE, b_from);
  expect(dev_status(t, A).dwDevStatusFlags & LINEDEVSTATUSFLAGS_INSERVICE, "201 not INSERVICE after the reconnection");
  TapiCall& a2 = make_call(tapi, A, L"202", "201's call after the outage");
  TapiCall& b2 = tapi.wait_new_call(B, "202's call after the outage");
  tapi.wait_state(b2, LINECALLSTATE_OFFERING);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDrop(r, a2.hd, nullptr, 0), r, "lineDrop(201)");
  tapi.wait_state(b2, LINECALLSTATE_IDLE);
  close_all(tapi, {&a2, &b2}, {&A, &B});
  tapi.shutdown();
  tapi.check_rules();
}

// --- hung: the server stops answering (frozen), then thaws ----------------------------------------

void hung(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  tapi.open("202");
  step("the server freezes; a request times out (TELSIM_TSP_TIMEOUT) instead of hanging");
  ask_driver("freeze-server");
  DRV_REQUESTID r = tapi.next_request();
  TapiCall& a1 = tapi.outgoing("201's call", A, r);
  const LONG result = tapi.await_completion(t.TSPI_lineMakeCall(r, A.hd, a1.ht(), &a1.hd, L"202", 0, nullptr), r,
                                            "lineMakeCall to a frozen server");
  expect(result == err(LINEERR_OPERATIONFAILED), "lineMakeCall to a frozen server completed with " + error_name(result));
  tapi.wait_devstate(A, LINEDEVSTATE_OUTOFSERVICE);
  expect(a1.states.empty(), "the failed call got LINE_CALLSTATE " + state_list(a1.states));
  step("the server thaws: the TSP reconnects, INSERVICE");
  const std::size_t from = A.devstates.size();
  ask_driver("thaw-server");
  tapi.wait_devstate(A, LINEDEVSTATE_INSERVICE, from);
  close_all(tapi, {&a1}, {&A});
  tapi.shutdown();
  tapi.check_rules();
}

// --- late: no server at start-up; its lines arrive with LINE_CREATE --------------------------------

void late(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  step("no server: the TSP enumerates no lines and starts anyway");
  expect(tapi.start() == 0, "the TSP enumerated " + std::to_string(tapi.num_lines()) + " lines without a server");
  step("the server starts: LINE_CREATE for each of its lines");
  ask_driver("start-server");
  tapi.wait_line_creates(4);
  const auto temps = tapi.line_create_ids();
  expect(t.TSPI_providerCreateLineDevice(0xBAD, 999) == err(LINEERR_BADDEVICEID), "an unknown temp id was accepted");
  for (std::size_t i = 0; i < temps.size(); ++i) {
    const DWORD device = FakeTapi::kLineBase + static_cast<DWORD>(i);
    if (LONG rc = t.TSPI_providerCreateLineDevice(temps[i], device); rc != 0)
      throw Failure("TSPI_providerCreateLineDevice = " + error_name(rc));
    tapi.add_line(device);
  }
  step("the new devices work: 201 calls 202");
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");
  TapiCall& a1 = make_call(tapi, A, L"202", "201's call");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);
  DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDrop(r, a1.hd, nullptr, 0), r, "lineDrop(201)");
  tapi.wait_state(b1, LINECALLSTATE_IDLE);
  close_all(tapi, {&a1, &b1}, {&A, &B});
  tapi.shutdown();
  tapi.check_rules();
}

// --- bad-config: TELSIM_SERVER that is not host:port ---------------------------------------------

void bad_config(const Context& cx) {
  Tsp& t = cx.tsp;
  step("TSPI_providerEnumDevices with TELSIM_SERVER='" + cx.raw_server + "' fails, and the log says why");
  DWORD lines = 0, phones = 0;
  const LONG rc = t.TSPI_providerEnumDevices(FakeTapi::kProviderId, &lines, &phones, FakeTapi::kProvider, nullptr, nullptr);
  expect(rc == err(LINEERR_OPERATIONFAILED), "TSPI_providerEnumDevices with a bad server address = " + error_name(rc));
  wchar_t path[MAX_PATH] = L"";
  expect(GetEnvironmentVariableW(L"TELSIM_TSP_LOG", path, MAX_PATH) > 0, "TELSIM_TSP_LOG is not set");
  std::ifstream in(path, std::ios::binary);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string want = "TELSIM_SERVER: '" + cx.raw_server + "'";
  expect(log.find(want) != std::string::npos, "the log does not say \"" + want + "...\":\n" + log);
  std::printf("   log: %s", log.substr(log.find("cannot start")).c_str());
}

}  // namespace

const std::vector<Script>& scripts() {
  static const std::vector<Script> all = {
      {"calls", "the issue's walk: call, answer, hold, unhold, consultation transfer, park/unpark, drop", calls},
      {"conference", "a three-party conference: CONFERENCED with its conference call, collapse, drop", conference},
      {"answering", "accept, redirect, directed and group pickup, forwarding (reason, redirecting id), do not disturb",
       answering},
      {"no-groups", "a switch without pickup groups: directed pickup offered and working, group pickup not", no_groups},
      {"transfers", "swap hold, blind transfer (connected id), non-directed park into lpNonDirAddress, unpark",
       transfers},
      {"completion", "secure call, call completion (camp-on keeps the call, callback offers one), uncomplete",
       completion},
      {"redirection-ids", "switch-ops.yaml: RedirectionID/RedirectingID on both sides of a redirect, a two-hop "
       "forward and a blind transfer", redirection_ids},
      {"held-transfer", "switch-ops.yaml: hold, make, lineCompleteTransfer (TRANSFER, CONFERENCE), a held call "
       "added to a held conference", held_transfer},
      {"trunks", "switch-ops.yaml: all trunks busy is BUSY/LINEBUSYMODE_TRUNK, a busy extension STATION", trunks},
      {"caps-full", "caps-full.yaml: every capability advertised, each walked and accepted", caps_full},
      {"caps-restricted",
       "caps-restricted.yaml behind the driver's proxy: what is advertised is accepted, the rest refused",
       caps_restricted},
      {"dialing-paths", "partial dial and lineDial(\"\"), a ',' pause, lineCompleteTransfer CONFERENCE, "
       "linePrepareAddToConference", dialing_paths},
      {"call-params", "LINECALLPARAMS: BLOCKID, no-answer timeout, user-user info, display; corrupt ones refused",
       call_params},
      {"personality-strict", "personality.yaml, strict: DIALTONE DIALING PROCEEDING RINGBACK CONNECTED, drop to IDLE",
       [](const Context& cx) { personality(cx, "strict"); }},
      {"personality-minimal", "personality.yaml, minimal: DIALING RINGBACK CONNECTED, no hold",
       [](const Context& cx) { personality(cx, "minimal"); }},
      {"personality-key_system", "personality.yaml, key_system: no PROCEEDING, drop via DISCONNECTED, no park",
       [](const Context& cx) { personality(cx, "key_system"); }},
      {"personality-large_pbx", "personality.yaml, large_pbx: RINGBACK before PROCEEDING, replies late and after "
       "their events", [](const Context& cx) { personality(cx, "large_pbx"); }},
      {"media", "media.yaml: digits generated, monitored and gathered, a tone, UUI sent and released, call data, "
                "treatment, QoS, call params, a fax's media detected; the capabilities hello's pbx.media states",
       media},
      {"media-absent", "a switch whose hello has no pbx.media: no media capability, every media function "
                       "OPERATIONUNAVAIL at once",
       media_absent},
      {"agents", "agents.yaml: telsim.tsp as the agent handler (TELSIM_lineProxyRequest): agent caps, groups, queues, "
                 "activities, READY, a queue call offered and answered, queue figures, wrap-up, NOTREADY, errors",
       agents},
      {"buffers", "dwTotalSize/dwNeededSize/dwUsedSize, forwarding, a modem's line, versions, bad dial strings", buffers},
      {"outage", "the server killed with a request pending: OUTOFSERVICE, errors; back: INSERVICE", outage},
      {"hung", "the server frozen: requests time out, OUTOFSERVICE; thawed: INSERVICE", hung},
      {"late", "no server at start-up: no lines; it starts: LINE_CREATE", late},
      {"bad-config", "TELSIM_SERVER is not host:port: providerEnumDevices fails, the log says why", bad_config},
  };
  return all;
}

}  // namespace telsim::tsp::host
