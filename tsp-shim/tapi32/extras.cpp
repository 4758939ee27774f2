// The line functions a provider implements or not: media and digits, user-user information,
// call data and parameters, terminals, device-specific extensions. Each checks its handles and
// privileges as TAPI does, then asks the provider; a provider without the TSPI function gets
// LINEERR_OPERATIONUNAVAIL (telsim.tsp has the media ones, not the terminal or device-specific).
// Also the ACD agent and queue functions and the proxy ones, which TAPI passes to a proxy
// application (lineOpen with LINEOPENOPTION_PROXY); this TAPI has no proxies, so they are
// unavailable on every line.
#include <cstring>

#include "api.hpp"

namespace telsim::tapi32 {

namespace {

/// A synchronous call operation: `need_owner` as TAPI asks, `f(provider, call)`.
template <typename F>
LONG call_sync(DWORD hcall, bool need_owner, F&& f) {
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hcall, need_owner, h, c, d, l); rc != 0) return rc;
  return f(*d->provider, *c);
}

/// A line operation for a proxy application: none exists here.
LONG proxy_line(DWORD hline) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  return err(LINEERR_OPERATIONUNAVAIL);
}

/// End-to-end ids of digit gathering and generation (LINE_GATHERDIGITS, LINE_GENERATE).
DWORD next_end_to_end() {
  static DWORD id = 0;
  return ++id;
}

/// `wide`: a Unicode caller's buffer; `ansi`: an ANSI caller's, which the provider (it gathers
/// UTF-16) fills through a buffer of ours, copied over when LINE_GATHERDIGITS comes (service.cpp).
LONG gather_digits(DWORD hcall, DWORD modes, LPWSTR wide, LPSTR ansi, DWORD num, const WideArg& term, DWORD first,
                   DWORD inter) {
  return call_sync(hcall, true, [&](Provider& p, TapiCall& c) -> LONG {
    if (!p.TSPI_lineGatherDigits) return err(LINEERR_OPERATIONUNAVAIL);
    if ((wide || ansi) && num == 0) return err(LINEERR_INVALPARAM);
    const DWORD id = next_end_to_end();
    LPWSTR buffer = wide;
    if (ansi) {
      Service::AnsiGather g;
      g.target = ansi;
      g.size = num;
      g.wide = std::make_unique<WCHAR[]>(num + 1);
      buffer = g.wide.get();
      Service::get().ansi_gathers()[id] = std::move(g);
    }
    const LONG rc = p.TSPI_lineGatherDigits(c.hd, id, modes, buffer, num, term.get(), first, inter);
    if (rc != 0 && ansi) Service::get().ansi_gathers().erase(id);
    return rc;
  });
}

LONG generate_digits(DWORD hcall, DWORD mode, const WideArg& digits, DWORD duration) {
  return call_sync(hcall, true, [&](Provider& p, TapiCall& c) -> LONG {
    if (!p.TSPI_lineGenerateDigits) return err(LINEERR_OPERATIONUNAVAIL);
    return p.TSPI_lineGenerateDigits(c.hd, next_end_to_end(), mode, digits.get(), duration);
  });
}

}  // namespace

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

// --- media, digits, tones ---------------------------------------------------------------------

LONG WINAPI lineGatherDigitsA(HCALL hCall, DWORD dwDigitModes, LPSTR lpsDigits, DWORD dwNumDigits,
                              LPCSTR lpszTerminationDigits, DWORD dwFirstDigitTimeout, DWORD dwInterDigitTimeout) {
  return guarded(__func__, [&] {
    return gather_digits(hCall, dwDigitModes, nullptr, lpsDigits, dwNumDigits, WideArg(lpszTerminationDigits),
                         dwFirstDigitTimeout, dwInterDigitTimeout);
  });
}
LONG WINAPI lineGatherDigitsW(HCALL hCall, DWORD dwDigitModes, LPWSTR lpsDigits, DWORD dwNumDigits,
                              LPCWSTR lpszTerminationDigits, DWORD dwFirstDigitTimeout, DWORD dwInterDigitTimeout) {
  return guarded(__func__, [&] {
    return gather_digits(hCall, dwDigitModes, lpsDigits, nullptr, dwNumDigits, WideArg(lpszTerminationDigits),
                         dwFirstDigitTimeout, dwInterDigitTimeout);
  });
}

LONG WINAPI lineGenerateDigitsA(HCALL hCall, DWORD dwDigitMode, LPCSTR lpszDigits, DWORD dwDuration) {
  return guarded(__func__, [&] { return generate_digits(hCall, dwDigitMode, WideArg(lpszDigits), dwDuration); });
}
LONG WINAPI lineGenerateDigitsW(HCALL hCall, DWORD dwDigitMode, LPCWSTR lpszDigits, DWORD dwDuration) {
  return guarded(__func__, [&] { return generate_digits(hCall, dwDigitMode, WideArg(lpszDigits), dwDuration); });
}

LONG WINAPI lineGenerateTone(HCALL hCall, DWORD dwToneMode, DWORD dwDuration, DWORD dwNumTones,
                             LPLINEGENERATETONE const lpTones) {
  return guarded(__func__, [&] {
    return call_sync(hCall, true, [&](Provider& p, TapiCall& c) -> LONG {
      if (!p.TSPI_lineGenerateTone) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineGenerateTone(c.hd, next_end_to_end(), dwToneMode, dwDuration, dwNumTones, lpTones);
    });
  });
}

LONG WINAPI lineMonitorDigits(HCALL hCall, DWORD dwDigitModes) {
  return guarded(__func__, [&] {
    return call_sync(hCall, false, [&](Provider& p, TapiCall& c) -> LONG {
      if (!p.TSPI_lineMonitorDigits) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineMonitorDigits(c.hd, dwDigitModes);
    });
  });
}

LONG WINAPI lineMonitorMedia(HCALL hCall, DWORD dwMediaModes) {
  return guarded(__func__, [&] {
    return call_sync(hCall, false, [&](Provider& p, TapiCall& c) -> LONG {
      if (!p.TSPI_lineMonitorMedia) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineMonitorMedia(c.hd, dwMediaModes);
    });
  });
}

LONG WINAPI lineMonitorTones(HCALL hCall, LPLINEMONITORTONE const lpToneList, DWORD dwNumEntries) {
  return guarded(__func__, [&] {
    return call_sync(hCall, false, [&](Provider& p, TapiCall& c) -> LONG {
      if (!p.TSPI_lineMonitorTones) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineMonitorTones(c.hd, next_end_to_end(), lpToneList, dwNumEntries);
    });
  });
}

LONG WINAPI lineSetMediaControl(HLINE hLine, DWORD dwAddressID, HCALL hCall, DWORD dwSelect,
                                LPLINEMEDIACONTROLDIGIT const lpDigitList, DWORD dwDigitNumEntries,
                                LPLINEMEDIACONTROLMEDIA const lpMediaList, DWORD dwMediaNumEntries,
                                LPLINEMEDIACONTROLTONE const lpToneList, DWORD dwToneNumEntries,
                                LPLINEMEDIACONTROLCALLSTATE const lpCallStateList, DWORD dwCallStateNumEntries) {
  return guarded(__func__, [&] {
    Locked lk;
    Device* d = nullptr;
    LineOpen* l = nullptr;
    TapiCall* c = nullptr;
    if (dwSelect == LINECALLSELECT_CALL) {
      CallHandle* h;
      if (LONG rc = usable_call(hCall, true, h, c, d, l); rc != 0) return rc;
    } else if (dwSelect == LINECALLSELECT_LINE || dwSelect == LINECALLSELECT_ADDRESS) {
      if (LONG rc = usable_line(hLine, l, d); rc != 0) return rc;
      if (dwSelect == LINECALLSELECT_ADDRESS && dwAddressID >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
    } else {
      return err(LINEERR_INVALCALLSELECT);
    }
    if (!d->provider->TSPI_lineSetMediaControl) return err(LINEERR_OPERATIONUNAVAIL);
    return d->provider->TSPI_lineSetMediaControl(d->hd, dwAddressID, c ? c->hd : nullptr, dwSelect, lpDigitList,
                                                 dwDigitNumEntries, lpMediaList, dwMediaNumEntries, lpToneList,
                                                 dwToneNumEntries, lpCallStateList, dwCallStateNumEntries);
  });
}

// --- user-user information, call data and parameters (asynchronous) ----------------------------

LONG WINAPI lineSendUserUserInfo(HCALL hCall, LPCSTR lpsUserUserInfo, DWORD dwSize) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineSendUserUserInfo) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineSendUserUserInfo(r.id, c.hd, lpsUserUserInfo, lpsUserUserInfo ? dwSize : 0);
    });
  });
}

LONG WINAPI lineReleaseUserUserInfo(HCALL hCall) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineReleaseUserUserInfo) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineReleaseUserUserInfo(r.id, c.hd);
    });
  });
}

LONG WINAPI lineSetCallData(HCALL hCall, LPVOID lpCallData, DWORD dwSize) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineSetCallData) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineSetCallData(r.id, c.hd, lpCallData, dwSize);
    });
  });
}

LONG WINAPI lineSetCallParams(HCALL hCall, DWORD dwBearerMode, DWORD dwMinRate, DWORD dwMaxRate,
                              LPLINEDIALPARAMS const lpDialParams) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineSetCallParams) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineSetCallParams(r.id, c.hd, dwBearerMode, dwMinRate, dwMaxRate, lpDialParams);
    });
  });
}

LONG WINAPI lineSetCallQualityOfService(HCALL hCall, LPVOID lpSendingFlowspec, DWORD dwSendingFlowspecSize,
                                        LPVOID lpReceivingFlowspec, DWORD dwReceivingFlowspecSize) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineSetCallQualityOfService) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineSetCallQualityOfService(r.id, c.hd, lpSendingFlowspec, dwSendingFlowspecSize, lpReceivingFlowspec,
                                                dwReceivingFlowspecSize);
    });
  });
}

LONG WINAPI lineSetCallTreatment(HCALL hCall, DWORD dwTreatment) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineSetCallTreatment) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineSetCallTreatment(r.id, c.hd, dwTreatment);
    });
  });
}

// --- lines (asynchronous) ---------------------------------------------------------------------

LONG WINAPI lineSetLineDevStatus(HLINE hLine, DWORD dwStatusToChange, DWORD fStatus) {
  return guarded(__func__, [&] {
    return line_request(hLine, [&](Provider& p, Device& d, LineOpen&, Request& r) {
      if (!p.TSPI_lineSetLineDevStatus) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineSetLineDevStatus(r.id, d.hd, dwStatusToChange, fStatus);
    });
  });
}

LONG WINAPI lineSetTerminal(HLINE hLine, DWORD dwAddressID, HCALL hCall, DWORD dwSelect, DWORD dwTerminalModes,
                            DWORD dwTerminalID, DWORD bEnable) {
  return guarded(__func__, [&] {
    Locked lk;
    Device* d = nullptr;
    LineOpen* l = nullptr;
    TapiCall* c = nullptr;
    if (dwSelect == LINECALLSELECT_CALL) {
      CallHandle* h;
      if (LONG rc = usable_call(hCall, true, h, c, d, l); rc != 0) return rc;
    } else if (dwSelect == LINECALLSELECT_LINE || dwSelect == LINECALLSELECT_ADDRESS) {
      if (LONG rc = usable_line(hLine, l, d); rc != 0) return rc;
    } else {
      return err(LINEERR_INVALCALLSELECT);
    }
    if (!d->provider->TSPI_lineSetTerminal) return err(LINEERR_OPERATIONUNAVAIL);
    return async_request(l->app, l->instance, [&](Request& r) {
      return d->provider->TSPI_lineSetTerminal(r.id, d->hd, dwAddressID, c ? c->hd : nullptr, dwSelect, dwTerminalModes,
                                               dwTerminalID, bEnable);
    });
  });
}

LONG WINAPI lineDevSpecific(HLINE hLine, DWORD dwAddressID, HCALL hCall, LPVOID lpParams, DWORD dwSize) {
  return guarded(__func__, [&] {
    Locked lk;
    LineOpen* l;
    Device* d;
    if (LONG rc = usable_line(hLine, l, d); rc != 0) return rc;
    TapiCall* c = nullptr;
    if (hCall) {
      CallHandle* h;
      Device* cd;
      LineOpen* cl;
      if (LONG rc = usable_call(hCall, false, h, c, cd, cl); rc != 0) return rc;
    }
    if (!d->provider->TSPI_lineDevSpecific) return err(LINEERR_OPERATIONUNAVAIL);
    return async_request(l->app, l->instance, [&](Request& r) {
      return d->provider->TSPI_lineDevSpecific(r.id, d->hd, dwAddressID, c ? c->hd : nullptr, lpParams, dwSize);
    });
  });
}

LONG WINAPI lineDevSpecificFeature(HLINE hLine, DWORD dwFeature, LPVOID lpParams, DWORD dwSize) {
  return guarded(__func__, [&] {
    return line_request(hLine, [&](Provider& p, Device& d, LineOpen&, Request& r) {
      if (!p.TSPI_lineDevSpecificFeature) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineDevSpecificFeature(r.id, d.hd, dwFeature, lpParams, dwSize);
    });
  });
}

// --- ACD agents and queues, proxies ------------------------------------------------------------
// What the provider's agent handler serves (TELSIM_lineProxyRequest) is in agents.cpp; the rest
// (agents created by applications, agent sessions, measurement periods, agent-specific
// extensions) is for a proxy application, and there is none.

LONG WINAPI lineAgentSpecific(HLINE hLine, DWORD, DWORD, LPVOID, DWORD) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineCreateAgentA(HLINE hLine, LPSTR, LPSTR, LPHAGENT) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineCreateAgentW(HLINE hLine, LPWSTR, LPWSTR, LPHAGENT) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineCreateAgentSessionA(HLINE hLine, HAGENT, LPSTR, DWORD, LPGUID, LPHAGENTSESSION) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineCreateAgentSessionW(HLINE hLine, HAGENT, LPWSTR, DWORD, LPGUID, LPHAGENTSESSION) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineGetAgentInfo(HLINE hLine, HAGENT, LPLINEAGENTINFO) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineGetAgentSessionInfo(HLINE hLine, HAGENTSESSION, LPLINEAGENTSESSIONINFO) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineGetAgentSessionList(HLINE hLine, HAGENT, LPLINEAGENTSESSIONLIST) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineSetAgentMeasurementPeriod(HLINE hLine, HAGENT, DWORD) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineSetAgentSessionState(HLINE hLine, HAGENTSESSION, DWORD, DWORD) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}
LONG WINAPI lineSetQueueMeasurementPeriod(HLINE hLine, DWORD, DWORD) {
  return guarded(__func__, [&] { return proxy_line(hLine); });
}

LONG WINAPI lineGetProxyStatus(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAppAPIVersion,
                               LPLINEPROXYREQUESTLIST lpLineProxyReqestList) {
  return guarded(__func__, [&] {
    Locked lk;
    if (!Service::get().line_app(hLineApp)) return err(LINEERR_INVALAPPHANDLE);
    if (!Service::get().device(dwDeviceID)) return err(LINEERR_BADDEVICEID);
    if (dwAppAPIVersion < 0x00020002 || !version_ok(dwAppAPIVersion)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
    if (!lpLineProxyReqestList) return err(LINEERR_INVALPOINTER);
    if (lpLineProxyReqestList->dwTotalSize < sizeof(LINEPROXYREQUESTLIST)) return err(LINEERR_STRUCTURETOOSMALL);
    // No proxy handles anything on any line.
    const DWORD total = lpLineProxyReqestList->dwTotalSize;
    std::memset(lpLineProxyReqestList, 0, sizeof(LINEPROXYREQUESTLIST));
    lpLineProxyReqestList->dwTotalSize = total;
    lpLineProxyReqestList->dwNeededSize = lpLineProxyReqestList->dwUsedSize = sizeof(LINEPROXYREQUESTLIST);
    return 0L;
  });
}

LONG WINAPI lineProxyMessage(HLINE hLine, HCALL, DWORD, DWORD, DWORD, DWORD) {
  return guarded(__func__, [&] {
    Locked lk;
    LineOpen* l;
    Device* d;
    if (LONG rc = usable_line(hLine, l, d); rc != 0) return rc;
    return err(LINEERR_NOTREGISTERED);  // only a proxy's open may send these, and none is
  });
}

LONG WINAPI lineProxyResponse(HLINE hLine, LPLINEPROXYREQUEST, DWORD) {
  return guarded(__func__, [&] {
    Locked lk;
    LineOpen* l;
    Device* d;
    if (LONG rc = usable_line(hLine, l, d); rc != 0) return rc;
    return err(LINEERR_NOTREGISTERED);
  });
}

}  // extern "C"
