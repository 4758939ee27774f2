// Calls: making them, the operations on them, their information and status, handles.
#include <algorithm>

#include "api.hpp"

namespace telsim::tapi32 {

LONG usable_call(DWORD hcall, bool owner, CallHandle*& h, TapiCall*& c, Device*& d, LineOpen*& l) {
  Service& s = Service::get();
  h = s.call_handle(hcall);
  if (!h || !h->active) return err(LINEERR_INVALCALLHANDLE);
  c = s.call(h->call);
  l = s.line(h->line);
  if (!c || c->closed || !l) return err(LINEERR_INVALCALLHANDLE);
  d = s.device(c->device);
  if (!d || !d->open) return err(LINEERR_INVALCALLHANDLE);
  if (owner && h->privilege != LINECALLPRIVILEGE_OWNER) return err(LINEERR_NOTOWNER);
  return 0;
}

TapiCall& new_call(Request& r, LineOpen& l, LPHCALL out, DWORD address_id) {
  Service& s = Service::get();
  auto c = std::make_unique<TapiCall>();
  c->id = s.new_handle();
  c->device = l.device;
  c->address_id = address_id;
  if (App* a = s.app(l.app)) c->app_name = a->name;
  TapiCall& ref = *c;
  s.calls().emplace(c->id, std::move(c));
  CallHandle& h = s.add_handle(ref, l, LINECALLPRIVILEGE_OWNER, false);
  r.outs.push_back({h.handle, out});
  r.created.push_back(ref.id);
  return ref;
}

namespace {

std::wstring param_text(const LINECALLPARAMS* p, DWORD size, DWORD offset) {
  if (!p || size < sizeof(wchar_t)) return L"";
  const auto* w = reinterpret_cast<const wchar_t*>(reinterpret_cast<const BYTE*>(p) + offset);
  return std::wstring(w, wcsnlen(w, size / sizeof(wchar_t)));
}

LONG make_call(DWORD hline, LPHCALL out, const WideArg& dest, DWORD country, const LINECALLPARAMS* params, bool ansi) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  if (!out) return err(LINEERR_INVALPOINTER);
  std::vector<BYTE> pbuf;
  const LINECALLPARAMS* wparams = nullptr;
  if (LONG rc = call_params_in(params, l->api_version, ansi, pbuf, wparams); rc != 0) return rc;
  if (!d->provider->TSPI_lineMakeCall) return err(LINEERR_OPERATIONUNAVAIL);
  DWORD address = l->single_address ? l->address_id : 0;
  if (wparams && wparams->dwAddressMode == LINEADDRESSMODE_ADDRESSID) address = wparams->dwAddressID;
  if (address >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
  return async_request(l->app, l->instance, [&](Request& r) {
    TapiCall& c = new_call(r, *l, out, address);
    if (wparams) {
      c.displayable_address = param_text(wparams, wparams->dwDisplayableAddressSize, wparams->dwDisplayableAddressOffset);
      c.called_party = param_text(wparams, wparams->dwCalledPartySize, wparams->dwCalledPartyOffset);
      c.comment = param_text(wparams, wparams->dwCommentSize, wparams->dwCommentOffset);
      if (wparams->dwMediaMode) c.media_mode = wparams->dwMediaMode;
    }
    HDRVCALL hd = nullptr;
    const LONG rc = d->provider->TSPI_lineMakeCall(r.id, d->hd, c.ht(), &hd, dest.get(), country,
                                                          const_cast<LPLINECALLPARAMS>(wparams));
    c.hd = hd;
    return rc;
  });
}

LONG dial(DWORD hcall, const WideArg& dest, DWORD country) {
  if (dest.null) return err(LINEERR_INVALPOINTER);
  return owner_request(hcall, [&](Provider& p, TapiCall& c, Request& r) {
    if (!p.TSPI_lineDial) return err(LINEERR_OPERATIONUNAVAIL);
    return p.TSPI_lineDial(r.id, c.hd, dest.get(), country);
  });
}

LONG deallocate(DWORD hcall) {
  Service& s = Service::get();
  std::vector<std::function<void()>> after;
  {
    Locked lk;
    CallHandle* h = s.call_handle(hcall);
    if (!h) return err(LINEERR_INVALCALLHANDLE);
    TapiCall* c = s.call(h->call);
    if (c && h->privilege == LINECALLPRIVILEGE_OWNER && c->valid && !c->closed && c->state != LINECALLSTATE_IDLE &&
        !s.process_owns(*c, hcall)) {
      // The sole owner of a call in progress must drop it first. With lines shared between
      // processes an owner in another process counts: the server says, and this process then
      // only monitors the call.
      Device* d = s.device(c->device);
      if (!d || !d->provider->shared) return err(LINEERR_INVALCALLSTATE);
      Provider& p = *d->provider;
      const HDRVCALL hd = c->hd;
      if (LONG rc = s.wait_request([&](Request& r) { return p.TELSIM_lineSetCallPrivilege(r.id, hd, LINECALLPRIVILEGE_MONITOR); }))
        return rc;
      h = s.call_handle(hcall);  // the lock was let go while waiting
      if (!h) return err(LINEERR_INVALCALLHANDLE);
    }
    s.remove_handle(*h, after);
  }
  run_after(after);
  return 0;
}

LONG get_call_info(DWORD hcall, LPLINECALLINFO info, bool ansi) {
  Service& s = Service::get();
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hcall, false, h, c, d, l); rc != 0) return rc;
  if (!d->provider->TSPI_lineGetCallInfo) return err(LINEERR_OPERATIONUNAVAIL);
  DWORD owners = 0, monitors = 0;
  for (DWORD o : c->handles)
    if (CallHandle* x = s.call_handle(o)) (x->privilege == LINECALLPRIVILEGE_OWNER ? owners : monitors)++;
  Overrides ov;
  ov.texts[TELSIM_AT(LINECALLINFO, dwAppNameSize)] = c->app_name;
  ov.texts[TELSIM_AT(LINECALLINFO, dwDisplayableAddressSize)] = c->displayable_address;
  ov.texts[TELSIM_AT(LINECALLINFO, dwCalledPartySize)] = c->called_party;
  ov.texts[TELSIM_AT(LINECALLINFO, dwCommentSize)] = c->comment;
  return to_app(
      call_info_shape(), info, l->api_version, call_info_fixed(d->tspi_version), ansi,
      [&](BYTE* b) { return d->provider->TSPI_lineGetCallInfo(c->hd, reinterpret_cast<LINECALLINFO*>(b)); },
      [&](BYTE* b) {
        auto* ci = reinterpret_cast<LINECALLINFO*>(b);
        ci->hLine = l->handle;
        ci->dwNumOwners = owners;
        ci->dwNumMonitors = monitors;
        ci->dwMonitorDigitModes = 0;
        ci->dwMonitorMediaModes = 0;
      },
      &ov);
}

LONG get_call_status(DWORD hcall, LPLINECALLSTATUS status) {
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hcall, false, h, c, d, l); rc != 0) return rc;
  if (!d->provider->TSPI_lineGetCallStatus) return err(LINEERR_OPERATIONUNAVAIL);
  const DWORD privilege = h->privilege;
  return to_app(
      call_status_shape(), status, l->api_version, sizeof(LINECALLSTATUS), false,
      [&](BYTE* b) { return d->provider->TSPI_lineGetCallStatus(c->hd, reinterpret_cast<LINECALLSTATUS*>(b)); },
      [&](BYTE* b) {
        auto* st = reinterpret_cast<LINECALLSTATUS*>(b);
        st->dwCallPrivilege = privilege;
        // A monitor cannot act on the call.
        if (privilege != LINECALLPRIVILEGE_OWNER) {
          st->dwCallFeatures = 0;
          st->dwCallFeatures2 = 0;
        }
      });
}

}  // namespace

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineMakeCallA(HLINE hLine, LPHCALL lphCall, LPCSTR lpszDestAddress, DWORD dwCountryCode,
                          LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return make_call(hLine, lphCall, WideArg(lpszDestAddress), dwCountryCode, lpCallParams, true); });
}

LONG WINAPI lineMakeCallW(HLINE hLine, LPHCALL lphCall, LPCWSTR lpszDestAddress, DWORD dwCountryCode,
                          LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return make_call(hLine, lphCall, WideArg(lpszDestAddress), dwCountryCode, lpCallParams, false); });
}

LONG WINAPI lineDialA(HCALL hCall, LPCSTR lpszDestAddress, DWORD dwCountryCode) {
  return guarded(__func__, [&] { return dial(hCall, WideArg(lpszDestAddress), dwCountryCode); });
}

LONG WINAPI lineDialW(HCALL hCall, LPCWSTR lpszDestAddress, DWORD dwCountryCode) {
  return guarded(__func__, [&] { return dial(hCall, WideArg(lpszDestAddress), dwCountryCode); });
}

LONG WINAPI lineDrop(HCALL hCall, LPCSTR lpsUserUserInfo, DWORD dwSize) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineDrop) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineDrop(r.id, c.hd, lpsUserUserInfo, lpsUserUserInfo ? dwSize : 0);
    });
  });
}

LONG WINAPI lineAnswer(HCALL hCall, LPCSTR lpsUserUserInfo, DWORD dwSize) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineAnswer) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineAnswer(r.id, c.hd, lpsUserUserInfo, lpsUserUserInfo ? dwSize : 0);
    });
  });
}

LONG WINAPI lineAccept(HCALL hCall, LPCSTR lpsUserUserInfo, DWORD dwSize) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineAccept) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineAccept(r.id, c.hd, lpsUserUserInfo, lpsUserUserInfo ? dwSize : 0);
    });
  });
}

LONG WINAPI lineHold(HCALL hCall) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineHold) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineHold(r.id, c.hd);
    });
  });
}

LONG WINAPI lineUnhold(HCALL hCall) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineUnhold) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineUnhold(r.id, c.hd);
    });
  });
}

LONG WINAPI lineSecureCall(HCALL hCall) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineSecureCall) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineSecureCall(r.id, c.hd);
    });
  });
}

LONG WINAPI lineDeallocateCall(HCALL hCall) {
  return guarded(__func__, [&] { return deallocate(hCall); });
}

LONG WINAPI lineGetCallInfoA(HCALL hCall, LPLINECALLINFO lpCallInfo) {
  return guarded(__func__, [&] { return get_call_info(hCall, lpCallInfo, true); });
}

LONG WINAPI lineGetCallInfoW(HCALL hCall, LPLINECALLINFO lpCallInfo) {
  return guarded(__func__, [&] { return get_call_info(hCall, lpCallInfo, false); });
}

LONG WINAPI lineGetCallStatus(HCALL hCall, LPLINECALLSTATUS lpCallStatus) {
  return guarded(__func__, [&] { return get_call_status(hCall, lpCallStatus); });
}

}  // extern "C"
