// The helpers the host's scripts share (script_support.hpp).
#include "script_support.hpp"

#include <cstdio>

#include "monitor.hpp"
#include "text.hpp"

namespace telsim::tsp::host {

void step(const std::string& what) {
  std::printf("== %s\n", what.c_str());
  std::fflush(stdout);
}

void expect(bool ok, const std::string& what) {
  if (!ok) throw Failure(what);
}

void ask_driver(const std::string& what) {
  std::printf("@@ %s\n", what.c_str());
  std::fflush(stdout);
  char line[256] = "";
  if (!std::fgets(line, sizeof line, stdin)) throw Failure("the driver did not answer '" + what + "'");
  if (std::strncmp(line, "ok", 2) != 0) throw Failure("the driver could not " + what + ": " + line);
}

std::string server_call(Tsp& t, TapiCall& c) {
  Buffer<LINECALLINFO> info(4096);
  if (LONG rc = t.TSPI_lineGetCallInfo(c.hd, info.get()); rc != 0)
    throw Failure("TSPI_lineGetCallInfo(" + c.label + ") = " + error_name(rc));
  const std::string name = "c" + std::to_string(info->dwCallID);
  Buffer<VARSTRING> id(256);
  if (LONG rc = t.TSPI_lineGetID(nullptr, 0, c.hd, LINECALLSELECT_CALL, id.get(), L"telsim/call", nullptr); rc != 0)
    throw Failure("TSPI_lineGetID(telsim/call, " + c.label + ") = " + error_name(rc));
  const std::string by_id = narrow(id.text(id->dwStringSize, id->dwStringOffset));
  expect(by_id == name, c.label + ": LINECALLINFO.dwCallID says " + name + ", lineGetID(telsim/call) says " + by_id);
  return name;
}

void check_sequence(Tsp& t, Monitor& mon, TapiCall& c, const std::string& server, const std::vector<DWORD>& expected,
                    TapiCall* conference) {
  mon.wait_state(server, call_state_name(expected.back()));
  const auto truth = mon.states(server);
  std::string want, model;
  for (DWORD s : expected) want += (want.empty() ? "" : " ") + std::string(call_state_name(s));
  for (const auto& s : truth) model += (model.empty() ? "" : " ") + s.state;
  const std::string got = state_list(c.states);
  expect(got == want, c.label + " (" + server + "): LINE_CALLSTATE " + got + "; tapi-conformance: " + want);
  expect(model == want, c.label + " (" + server + "): the server emitted " + model + "; tapi-conformance: " + want);
  for (std::size_t i = 0; i < c.states.size(); ++i) {
    const auto& s = c.states[i];
    if (s.state == LINECALLSTATE_CONFERENCED) {  // dwParam2: TAPI's handle of the conference call
      expect(conference && s.mode == reinterpret_cast<DWORD_PTR>(conference->ht()),
             c.label + ": LINE_CALLSTATE CONFERENCED does not name its conference call in dwParam2");
      continue;
    }
    const DWORD mode = call_state_mode(s.state, truth[i].mode);
    expect(s.mode == mode, c.label + ": LINE_CALLSTATE " + call_state_name(s.state) + " with dwParam2 " +
                               hex(static_cast<DWORD>(s.mode)) + ", expected " + hex(mode) + " (server mode " +
                               std::to_string(truth[i].mode) + ")");
    expect(s.status_state == s.state, c.label + ": inside LINE_CALLSTATE " + call_state_name(s.state) +
                                          ", TSPI_lineGetCallStatus said " + call_state_name(s.status_state));
  }
  (void)t;
}

void wait_deallocated(Monitor& mon, const std::string& server) {
  const ULONGLONG deadline = GetTickCount64() + FakeTapi::kTimeoutMs;
  for (;;) {
    const json r = mon.request({{field::kOp, schema::op::kCallStatus}, {field::kCall, server}});
    if (!r.value(field::kOk, false) && line_error_value(r.value(field::kError, "")) == err(LINEERR_INVALCALLHANDLE))
      return;
    if (GetTickCount64() > deadline) throw Failure(server + " is still allocated at the server: " + r.dump());
    Sleep(20);
  }
}

DWORD features_seen(const TapiCall& in, DWORD state, const TapiCall& of) {
  for (const auto& s : in.states)
    if (s.state == state)
      for (const auto& [other, features] : s.others)
        if (other == &of) return features;
  throw Failure("the features of " + of.label + " were not read inside " + in.label + "'s LINE_CALLSTATE " +
                call_state_name(state));
}

CallInfo call_info(Tsp& t, TapiCall& c) {
  Buffer<LINECALLINFO> b(4096);
  if (LONG rc = t.TSPI_lineGetCallInfo(c.hd, b.get()); rc != 0)
    throw Failure("TSPI_lineGetCallInfo(" + c.label + ") = " + error_name(rc));
  expect(b->dwUsedSize == b->dwNeededSize && b->dwUsedSize <= b->dwTotalSize,
         c.label + ": LINECALLINFO sizes total " + std::to_string(b->dwTotalSize) + " needed " +
             std::to_string(b->dwNeededSize) + " used " + std::to_string(b->dwUsedSize));
  return {b->dwOrigin,
          b->dwReason,
          b->dwCallID,
          b->dwRelatedCallID,
          b->dwCallParamFlags,
          b->dwCompletionID,
          b->dwConnectedIDFlags,
          b.text(b->dwCallerIDSize, b->dwCallerIDOffset),
          b.text(b->dwCallerIDNameSize, b->dwCallerIDNameOffset),
          b.text(b->dwCalledIDSize, b->dwCalledIDOffset),
          b.text(b->dwCalledIDNameSize, b->dwCalledIDNameOffset),
          b.text(b->dwRedirectingIDSize, b->dwRedirectingIDOffset),
          b.text(b->dwRedirectionIDSize, b->dwRedirectionIDOffset),
          b.text(b->dwConnectedIDSize, b->dwConnectedIDOffset)};
}

LINEDEVSTATUS dev_status(Tsp& t, TapiLine& l) {
  LINEDEVSTATUS s{};
  s.dwTotalSize = sizeof s;
  if (LONG rc = t.TSPI_lineGetLineDevStatus(l.hd, &s); rc != 0)
    throw Failure("TSPI_lineGetLineDevStatus(" + l.number + ") = " + error_name(rc));
  return s;
}

void close_all(FakeTapi& tapi, const std::vector<TapiCall*>& calls, const std::vector<TapiLine*>& lines) {
  for (TapiCall* c : calls) {
    if (LONG rc = tapi.tsp().TSPI_lineCloseCall(c->hd); rc != 0)
      throw Failure("TSPI_lineCloseCall(" + c->label + ") = " + error_name(rc));
    c->closed = true;
  }
  for (TapiLine* l : lines) {
    if (LONG rc = tapi.tsp().TSPI_lineClose(l->hd); rc != 0)
      throw Failure("TSPI_lineClose(" + l->number + ") = " + error_name(rc));
    l->open = false;
  }
}

std::vector<std::string> check_sequences(Tsp& t, Monitor& mon,
                                         const std::vector<std::pair<TapiCall*, std::vector<DWORD>>>& all,
                                         TapiCall* conference) {
  std::vector<std::string> names;
  for (const auto& [call, states] : all) {
    names.push_back(server_call(t, *call));
    check_sequence(t, mon, *call, names.back(), states, conference);
    std::printf("   %-34s %-4s %s\n", call->label.c_str(), names.back().c_str(), state_list(call->states).c_str());
  }
  return names;
}

bool info_changed(const TapiCall& c, DWORD bits) {
  return std::any_of(c.info_changes.begin(), c.info_changes.end(), [bits](DWORD b) { return (b & bits) != 0; });
}

DWORD_PTR mode_of(const TapiCall& c, DWORD state) {
  for (auto it = c.states.rbegin(); it != c.states.rend(); ++it)
    if (it->state == state) return it->mode;
  throw Failure(c.label + " was never " + call_state_name(state) + ": " + state_list(c.states));
}

/// Refused with OPERATIONUNAVAIL: at once (the switch does not offer it), or by the server.
void expect_unavail(FakeTapi& tapi, LONG returned, DRV_REQUESTID r, const std::string& what) {
  if (returned != static_cast<LONG>(r)) tapi.expect_sync_error(returned, r, err(LINEERR_OPERATIONUNAVAIL), what);
  else tapi.expect_error(returned, r, err(LINEERR_OPERATIONUNAVAIL), what);
}


Advertised advertised(Tsp& t, TapiLine& l) {
  Buffer<LINEDEVCAPS> dc(4096);
  expect(t.TSPI_lineGetDevCaps(l.device_id, 0x00030000, 0, dc.get()) == 0, "GetDevCaps(" + l.number + ")");
  Buffer<LINEADDRESSCAPS> ac(4096);
  expect(t.TSPI_lineGetAddressCaps(l.device_id, 0, 0x00030000, 0, ac.get()) == 0, "GetAddressCaps(" + l.number + ")");
  const Advertised a{dc->dwDevCapFlags,         dc->dwLineFeatures,        dc->dwAnswerMode,
                     dc->DefaultDialParams.dwDialPause, ac->dwAddrCapFlags, ac->dwCallFeatures,
                     ac->dwCallFeatures2,       ac->dwAddressFeatures,     ac->dwTransferModes,
                     ac->dwParkModes,           ac->dwForwardModes,        ac->dwCallCompletionModes,
                     ac->dwRemoveFromConfCaps,  ac->dwMaxNumConference};
  expect(dc->MinDialParams.dwDialPause == a.dial_pause && dc->MaxDialParams.dwDialPause == a.dial_pause,
         "dwDialPause: min " + std::to_string(dc->MinDialParams.dwDialPause) + ", default " +
             std::to_string(a.dial_pause) + ", max " + std::to_string(dc->MaxDialParams.dwDialPause));
  std::printf("   LINEDEVCAPS dwDevCapFlags %s dwLineFeatures %s dwAnswerMode %s dwDialPause %lu\n",
              hex(a.dev_flags).c_str(), hex(a.line_features).c_str(), hex(a.answer_mode).c_str(),
              static_cast<unsigned long>(a.dial_pause));
  std::printf("   LINEADDRESSCAPS dwAddrCapFlags %s dwCallFeatures %s dwCallFeatures2 %s dwAddressFeatures %s\n",
              hex(a.addr_flags).c_str(), hex(a.call_features).c_str(), hex(a.call_features2).c_str(),
              hex(a.address_features).c_str());
  return a;
}

std::vector<BYTE> forward_list(DWORD mode, const std::wstring& dest) {
  const DWORD text_size = dest.empty() ? 0 : static_cast<DWORD>((dest.size() + 1) * sizeof(wchar_t));
  std::vector<BYTE> bytes(sizeof(LINEFORWARDLIST) + text_size, 0);
  auto* list = reinterpret_cast<LINEFORWARDLIST*>(bytes.data());
  list->dwTotalSize = static_cast<DWORD>(bytes.size());
  list->dwNumEntries = 1;
  list->ForwardList[0].dwForwardMode = mode;
  if (text_size) {
    list->ForwardList[0].dwDestAddressOffset = sizeof(LINEFORWARDLIST);
    list->ForwardList[0].dwDestAddressSize = text_size;
    std::memcpy(bytes.data() + sizeof(LINEFORWARDLIST), dest.c_str(), text_size);
  }
  return bytes;
}

TapiCall& make_call(FakeTapi& tapi, TapiLine& from, const std::wstring& to, const std::string& label) {
  const DRV_REQUESTID r = tapi.next_request();
  TapiCall& c = tapi.outgoing(label, from, r);
  tapi.expect_ok(tapi.tsp().TSPI_lineMakeCall(r, from.hd, c.ht(), &c.hd, to.c_str(), 0, nullptr), r,
                 "lineMakeCall(" + from.number + " -> " + narrow(to) + ")");
  return c;
}

void answer(FakeTapi& tapi, TapiCall& c) {
  const DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(tapi.tsp().TSPI_lineAnswer(r, c.hd, nullptr, 0), r, "lineAnswer(" + c.label + ")");
  tapi.wait_state(c, LINECALLSTATE_CONNECTED);
}

void drop(FakeTapi& tapi, TapiCall& c) {
  const DRV_REQUESTID r = tapi.next_request();
  tapi.expect_ok(tapi.tsp().TSPI_lineDrop(r, c.hd, nullptr, 0), r, "lineDrop(" + c.label + ")");
  tapi.wait_state(c, LINECALLSTATE_IDLE);
}

}  // namespace telsim::tsp::host
