// The host's LINECALLPARAMS walk (docs/tsp.md): lineMakeCall with a no-answer timeout, BLOCKID,
// user-user info and a displayable address; what the called party's LINECALLINFO shows; the
// call abandoned NOANSWER; and malformed structures refused at once.
#include <cstddef>

#include "script_support.hpp"
#include "text.hpp"

namespace telsim::tsp::host {
namespace {

/// A LINECALLPARAMS with its variable parts appended after the fixed part.
struct ParamsBuffer {
  ParamsBuffer() : bytes(sizeof(LINECALLPARAMS), 0) {}
  LINECALLPARAMS* get() { return reinterpret_cast<LINECALLPARAMS*>(bytes.data()); }
  /// Append `data`; its size and offset go to the members.
  void add(DWORD& size, DWORD& offset, const void* data, std::size_t n) {
    while (bytes.size() % 4) bytes.push_back(0);
    const std::size_t at = bytes.size();
    bytes.resize(at + n);
    std::memcpy(bytes.data() + at, data, n);
    size = static_cast<DWORD>(n);
    offset = static_cast<DWORD>(at);
  }
  std::vector<BYTE> bytes;
};

}  // namespace

void call_params(const Context& cx) {
  Tsp& t = cx.tsp;
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& A = tapi.open("201");
  TapiLine& B = tapi.open("202");

  step("201 calls 202 with LINECALLPARAMS: BLOCKID, no-answer timeout 3 s, user-user info, a displayable address");
  const std::wstring display = L"Order 4711";
  const std::string uui = "ticket=4711";
  // Offsets are relative to the structure: lay it out first, then copy the members in.
  ParamsBuffer pb;
  DWORD display_size = 0, display_offset = 0, uui_size = 0, uui_offset = 0;
  pb.add(display_size, display_offset, display.c_str(), (display.size() + 1) * sizeof(wchar_t));
  pb.add(uui_size, uui_offset, uui.data(), uui.size());
  LINECALLPARAMS* p = pb.get();
  p->dwTotalSize = static_cast<DWORD>(pb.bytes.size());
  p->dwBearerMode = LINEBEARERMODE_VOICE;
  p->dwMediaMode = LINEMEDIAMODE_INTERACTIVEVOICE;
  p->dwCallParamFlags = LINECALLPARAMFLAGS_BLOCKID;
  p->dwDisplayableAddressSize = display_size;
  p->dwDisplayableAddressOffset = display_offset;
  p->dwUserUserInfoSize = uui_size;
  p->dwUserUserInfoOffset = uui_offset;
  p->dwNoAnswerTimeout = 3;
  DRV_REQUESTID r = tapi.next_request();
  TapiCall& a1 = tapi.outgoing("201's call with params", A, r);
  tapi.expect_ok(t.TSPI_lineMakeCall(r, A.hd, a1.ht(), &a1.hd, L"202", 0, p), r, "lineMakeCall(201 -> 202, params)");
  TapiCall& b1 = tapi.wait_new_call(B, "202's call from a blocked caller");
  tapi.wait_state(b1, LINECALLSTATE_OFFERING);

  step("202's LINECALLINFO: caller ID BLOCKED (no number, no name), the display text, the user-user info");
  {
    Buffer<LINECALLINFO> info(4096);
    if (LONG rc = t.TSPI_lineGetCallInfo(b1.hd, info.get()); rc != 0)
      throw Failure("TSPI_lineGetCallInfo(202) = " + error_name(rc));
    expect(info->dwUsedSize == info->dwNeededSize && info->dwUsedSize <= info->dwTotalSize && info.guard_intact(),
           "202's LINECALLINFO sizes");
    expect(info->dwCallerIDFlags == LINECALLPARTYID_BLOCKED,
           "202's dwCallerIDFlags " + hex(info->dwCallerIDFlags) + ", not LINECALLPARTYID_BLOCKED");
    expect(info->dwCallerIDSize == 0 && info->dwCallerIDNameSize == 0,
           "202 sees the blocked caller's number or name: \"" + narrow(info.text(info->dwCallerIDSize, info->dwCallerIDOffset)) +
               "\" \"" + narrow(info.text(info->dwCallerIDNameSize, info->dwCallerIDNameOffset)) + "\"");
    expect(info.text(info->dwDisplaySize, info->dwDisplayOffset) == display,
           "202's dwDisplay is \"" + narrow(info.text(info->dwDisplaySize, info->dwDisplayOffset)) + "\"");
    const std::string got(reinterpret_cast<const char*>(info.bytes.data() + info->dwUserUserInfoOffset),
                          info->dwUserUserInfoSize);
    expect(got == uui, "202's dwUserUserInfo is \"" + got + "\"");
    expect(info->dwBearerMode == LINEBEARERMODE_VOICE && info->dwMediaMode == LINEMEDIAMODE_INTERACTIVEVOICE,
           "202's bearer/media mode " + hex(info->dwBearerMode) + "/" + hex(info->dwMediaMode));
  }
  {
    Buffer<LINECALLINFO> info(4096);
    if (LONG rc = t.TSPI_lineGetCallInfo(a1.hd, info.get()); rc != 0)
      throw Failure("TSPI_lineGetCallInfo(201) = " + error_name(rc));
    expect(info->dwCallParamFlags & LINECALLPARAMFLAGS_BLOCKID,
           "201's own call: dwCallParamFlags " + hex(info->dwCallParamFlags) + " without BLOCKID");
  }

  step("nobody answers: 3 s after dialling 201's call is DISCONNECTED, NOANSWER; 202's goes IDLE");
  tapi.wait_state(a1, LINECALLSTATE_DISCONNECTED);
  expect(mode_of(a1, LINECALLSTATE_DISCONNECTED) == LINEDISCONNECTMODE_NOANSWER,
         "201's call disconnected with mode " + hex(static_cast<DWORD>(mode_of(a1, LINECALLSTATE_DISCONNECTED))));
  tapi.wait_state(b1, LINECALLSTATE_IDLE);
  drop(tapi, a1);

  expect(a1.hd != nullptr, "201's call has no handle");
  step("a corrupt offset (user-user info past dwTotalSize) is refused at once: INVALCALLPARAMS");
  p = pb.get();
  p->dwUserUserInfoOffset = p->dwTotalSize - 2;
  r = tapi.next_request();
  HDRVCALL unused = nullptr;
  tapi.expect_sync_error(t.TSPI_lineMakeCall(r, A.hd, nullptr, &unused, L"202", 0, p), r,
                         err(LINEERR_INVALCALLPARAMS), "lineMakeCall(corrupt dwUserUserInfoOffset)");
  p->dwUserUserInfoOffset = uui_offset;
  p->dwDisplayableAddressSize = 3;  // not whole UTF-16
  r = tapi.next_request();
  tapi.expect_sync_error(t.TSPI_lineMakeCall(r, A.hd, nullptr, &unused, L"202", 0, p), r,
                         err(LINEERR_INVALCALLPARAMS), "lineMakeCall(odd dwDisplayableAddressSize)");
  p->dwDisplayableAddressSize = display_size;
  const DWORD whole = p->dwTotalSize;
  p->dwTotalSize = 16;  // not even TAPI 1.4's fixed part
  r = tapi.next_request();
  tapi.expect_sync_error(t.TSPI_lineMakeCall(r, A.hd, nullptr, &unused, L"202", 0, p), r,
                         err(LINEERR_STRUCTURETOOSMALL), "lineMakeCall(dwTotalSize 16)");
  p->dwTotalSize = whole;
  p->dwCallParamFlags = 0x100;  // no LINECALLPARAMFLAGS_ bit
  r = tapi.next_request();
  tapi.expect_sync_error(t.TSPI_lineMakeCall(r, A.hd, nullptr, &unused, L"202", 0, p), r,
                         err(LINEERR_INVALCALLPARAMS), "lineMakeCall(dwCallParamFlags 0x100)");

  step("the same call through lineSetupTransfer's params: the consultation call carries them");
  p->dwCallParamFlags = LINECALLPARAMFLAGS_BLOCKID;
  p->dwNoAnswerTimeout = 0;
  TapiLine& C = tapi.open("203");
  TapiCall& a3 = make_call(tapi, A, L"202", "201's call to 202");
  TapiCall& b3 = tapi.wait_new_call(B, "202's call from 201");
  tapi.wait_state(b3, LINECALLSTATE_OFFERING);
  answer(tapi, b3);
  tapi.wait_state(a3, LINECALLSTATE_CONNECTED);
  r = tapi.next_request();
  TapiCall& a4 = tapi.outgoing("201's consultation call", A, r);
  tapi.expect_ok(t.TSPI_lineSetupTransfer(r, a3.hd, a4.ht(), &a4.hd, p), r, "lineSetupTransfer(201, params)");
  tapi.wait_state(a4, LINECALLSTATE_DIALTONE);
  r = tapi.next_request();
  tapi.expect_ok(t.TSPI_lineDial(r, a4.hd, L"203", 0), r, "lineDial(201's consultation, 203)");
  TapiCall& c4 = tapi.wait_new_call(C, "203's call from 201's consultation");
  tapi.wait_state(c4, LINECALLSTATE_OFFERING);
  {
    Buffer<LINECALLINFO> info(4096);
    if (LONG rc = t.TSPI_lineGetCallInfo(c4.hd, info.get()); rc != 0)
      throw Failure("TSPI_lineGetCallInfo(203) = " + error_name(rc));
    expect(info->dwCallerIDFlags == LINECALLPARTYID_BLOCKED,
           "203's dwCallerIDFlags " + hex(info->dwCallerIDFlags) + ", not LINECALLPARTYID_BLOCKED");
  }
  drop(tapi, a4);
  tapi.wait_state(c4, LINECALLSTATE_IDLE);
  drop(tapi, a3);
  tapi.wait_state(b3, LINECALLSTATE_DISCONNECTED);
  drop(tapi, b3);

  close_all(tapi, {&a1, &b1, &a3, &b3, &a4, &c4}, {&A, &B, &C});
  tapi.check_rules();
}

}  // namespace telsim::tsp::host
