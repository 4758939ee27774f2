// TAPI's session operations (transfer, conference, park, pickup, forwarding, completion,
// redirect, swap hold), handoff, privileges, and the calls TAPI hands out on request
// (lineGetNewCalls, lineGetConfRelatedCalls).
#include <algorithm>
#include <cstring>
#include <memory>

#include "api.hpp"

namespace telsim::tapi32 {

namespace {

/// A second call of the caller (the consultation or the held call): owner, same application.
LONG second_call(DWORD hcall, const LineOpen& first, LONG bad, TapiCall*& c) {
  CallHandle* h;
  Device* d;
  LineOpen* l;
  if (usable_call(hcall, true, h, c, d, l) != 0 || l->app != first.app) return bad;
  return 0;
}

/// Text at `size`/`offset` of an application's structure (ANSI or UTF-16) as UTF-16.
bool text_in(const BYTE* base, DWORD total, DWORD size, DWORD offset, bool ansi, std::wstring& out) {
  out.clear();
  if (size == 0) return true;
  if (offset > total || size > total - offset) return false;
  if (ansi) {
    const auto* a = reinterpret_cast<const char*>(base + offset);
    out = wide(std::string(a, strnlen(a, size)).c_str());
  } else {
    const auto* w = reinterpret_cast<const wchar_t*>(base + offset);
    out.assign(w, wcsnlen(w, size / sizeof(wchar_t)));
  }
  return true;
}

DWORD forward_entry_size(DWORD version) { return version >= 0x00030000 ? sizeof(LINEFORWARD) : 6 * sizeof(DWORD); }

/// An application's LINEFORWARDLIST (its version's entries, ANSI or UTF-16) as the provider
/// reads it (its TSPI version's entries, UTF-16), or LINEERR_*.
LONG forward_list_in(const LINEFORWARDLIST* in, DWORD app_version, DWORD tspi_version, bool ansi, std::vector<BYTE>& out) {
  const DWORD head = TELSIM_AT(LINEFORWARDLIST, ForwardList);
  if (in->dwTotalSize < head) return err(LINEERR_STRUCTURETOOSMALL);
  const DWORD in_entry = forward_entry_size(app_version), out_entry = forward_entry_size(tspi_version);
  const DWORD n = in->dwNumEntries;
  if (n > (in->dwTotalSize - head) / in_entry) return err(LINEERR_INVALPARAM);
  const auto* base = reinterpret_cast<const BYTE*>(in);
  struct Entry {
    LINEFORWARD f;
    std::wstring caller, dest;
  };
  std::vector<Entry> entries(n);
  for (DWORD i = 0; i < n; ++i) {
    Entry& e = entries[i];
    e.f = LINEFORWARD{};
    std::memcpy(&e.f, base + head + i * in_entry, in_entry);
    if (!text_in(base, in->dwTotalSize, e.f.dwCallerAddressSize, e.f.dwCallerAddressOffset, ansi, e.caller) ||
        !text_in(base, in->dwTotalSize, e.f.dwDestAddressSize, e.f.dwDestAddressOffset, ansi, e.dest))
      return err(LINEERR_INVALPARAM);
  }
  DWORD size = head + n * out_entry;
  for (const Entry& e : entries)
    size += static_cast<DWORD>((e.caller.size() + 1 + e.dest.size() + 1) * sizeof(wchar_t));
  out.assign(size, 0);
  auto* list = reinterpret_cast<LINEFORWARDLIST*>(out.data());
  list->dwTotalSize = size;
  list->dwNumEntries = n;
  DWORD at = head + n * out_entry;
  auto put = [&](const std::wstring& s, DWORD& sz, DWORD& off) {
    if (s.empty()) {
      sz = off = 0;
      return;
    }
    sz = static_cast<DWORD>((s.size() + 1) * sizeof(wchar_t));
    off = at;
    std::memcpy(out.data() + at, s.c_str(), sz);
    at += sz;
  };
  for (DWORD i = 0; i < n; ++i) {
    LINEFORWARD f = entries[i].f;
    put(entries[i].caller, f.dwCallerAddressSize, f.dwCallerAddressOffset);
    put(entries[i].dest, f.dwDestAddressSize, f.dwDestAddressOffset);
    std::memcpy(out.data() + head + i * out_entry, &f, out_entry);
  }
  return 0;
}

/// The application's handle to `c` on its line `l` (created with monitor privilege if it has
/// none: lineGetNewCalls and lineGetConfRelatedCalls give those).
DWORD handle_for(Service& s, TapiCall& c, LineOpen& l) {
  for (DWORD hh : c.handles)
    if (CallHandle* h = s.call_handle(hh); h && h->line == l.handle) return hh;
  CallHandle& h = s.add_handle(c, l, LINECALLPRIVILEGE_MONITOR, false);
  h.active = true;
  h.first_state_sent = true;  // it learns the state by asking
  return h.handle;
}

/// A LINECALLLIST of `handles` in the application's buffer.
LONG call_list_out(LPLINECALLLIST out, const std::vector<DWORD>& handles) {
  std::vector<BYTE> src(sizeof(LINECALLLIST) + handles.size() * sizeof(HCALL));
  auto* l = reinterpret_cast<LINECALLLIST*>(src.data());
  l->dwTotalSize = l->dwNeededSize = l->dwUsedSize = static_cast<DWORD>(src.size());
  l->dwCallsNumEntries = static_cast<DWORD>(handles.size());
  l->dwCallsSize = static_cast<DWORD>(handles.size() * sizeof(HCALL));
  l->dwCallsOffset = sizeof(LINECALLLIST);
  std::memcpy(src.data() + sizeof(LINECALLLIST), handles.data(), l->dwCallsSize);
  return pack(call_list_shape(), src.data(), static_cast<DWORD>(src.size()), sizeof(LINECALLLIST), out,
              sizeof(LINECALLLIST), Conv::None);
}

LONG to_address(DWORD hcall, const WideArg& dest, DWORD country, bool redirect) {
  if (dest.null) return err(LINEERR_INVALPOINTER);
  return owner_request(hcall, [&](Provider& p, TapiCall& c, Request& r) -> LONG {
    if (redirect) {
      if (!p.TSPI_lineRedirect) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineRedirect(r.id, c.hd, dest.get(), country);
    }
    if (!p.TSPI_lineBlindTransfer) return err(LINEERR_OPERATIONUNAVAIL);
    return p.TSPI_lineBlindTransfer(r.id, c.hd, dest.get(), country);
  });
}

LONG setup_transfer(DWORD hcall, LPHCALL consult, const LINECALLPARAMS* params, bool ansi) {
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hcall, true, h, c, d, l); rc != 0) return rc;
  if (!consult) return err(LINEERR_INVALPOINTER);
  std::vector<BYTE> pbuf;
  const LINECALLPARAMS* wp = nullptr;
  if (LONG rc = call_params_in(params, l->api_version, ansi, pbuf, wp); rc != 0) return rc;
  if (!d->provider->TSPI_lineSetupTransfer) return err(LINEERR_OPERATIONUNAVAIL);
  return async_request(l->app, l->instance, [&](Request& r) {
    TapiCall& k = new_call(r, *l, consult, c->address_id);
    HDRVCALL hd = nullptr;
    const LONG rc = d->provider->TSPI_lineSetupTransfer(r.id, c->hd, k.ht(), &hd, const_cast<LPLINECALLPARAMS>(wp));
    k.hd = hd;
    return rc;
  });
}

LONG complete_transfer(DWORD hcall, DWORD hconsult, LPHCALL conf_out, DWORD mode) {
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hcall, true, h, c, d, l); rc != 0) return rc;
  TapiCall* k = nullptr;
  if (LONG rc = second_call(hconsult, *l, err(LINEERR_INVALCONSULTCALLHANDLE), k); rc != 0) return rc;
  if (mode != LINETRANSFERMODE_TRANSFER && mode != LINETRANSFERMODE_CONFERENCE) return err(LINEERR_INVALTRANSFERMODE);
  if (mode == LINETRANSFERMODE_CONFERENCE && !conf_out) return err(LINEERR_INVALPOINTER);
  if (!d->provider->TSPI_lineCompleteTransfer) return err(LINEERR_OPERATIONUNAVAIL);
  return async_request(l->app, l->instance, [&](Request& r) {
    TapiCall* conf = nullptr;
    if (mode == LINETRANSFERMODE_CONFERENCE) {
      conf = &new_call(r, *l, conf_out, c->address_id);
      conf->is_conference = true;
    }
    HDRVCALL hd = nullptr;
    const LONG rc = d->provider->TSPI_lineCompleteTransfer(r.id, c->hd, k->hd, conf ? conf->ht() : nullptr,
                                                           conf ? &hd : nullptr, mode);
    if (conf) conf->hd = hd;
    return rc;
  });
}

LONG setup_conference(DWORD hcall, DWORD hline, LPHCALL conf_out, LPHCALL consult_out, DWORD parties,
                      const LINECALLPARAMS* params, bool ansi) {
  Locked lk;
  CallHandle* h = nullptr;
  TapiCall* c = nullptr;
  Device* d = nullptr;
  LineOpen* l = nullptr;
  if (hcall) {
    if (LONG rc = usable_call(hcall, true, h, c, d, l); rc != 0) return rc;
  } else {
    // LINECALLFEATURE_SETUPCONFNULL: a conference from nothing, on the line.
    if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  }
  if (!conf_out || !consult_out) return err(LINEERR_INVALPOINTER);
  if (parties < 2) return err(LINEERR_CONFERENCEFULL);
  std::vector<BYTE> pbuf;
  const LINECALLPARAMS* wp = nullptr;
  if (LONG rc = call_params_in(params, l->api_version, ansi, pbuf, wp); rc != 0) return rc;
  if (!d->provider->TSPI_lineSetupConference) return err(LINEERR_OPERATIONUNAVAIL);
  return async_request(l->app, l->instance, [&](Request& r) {
    const DWORD address = c ? c->address_id : 0;
    TapiCall& conf = new_call(r, *l, conf_out, address);
    conf.is_conference = true;
    TapiCall& k = new_call(r, *l, consult_out, address);
    HDRVCALL hconf = nullptr, hk = nullptr;
    const LONG rc = d->provider->TSPI_lineSetupConference(r.id, c ? c->hd : nullptr, d->hd, conf.ht(), &hconf, k.ht(), &hk,
                                                          parties, const_cast<LPLINECALLPARAMS>(wp));
    conf.hd = hconf;
    k.hd = hk;
    return rc;
  });
}

LONG prepare_add(DWORD hconf, LPHCALL consult_out, const LINECALLPARAMS* params, bool ansi) {
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hconf, true, h, c, d, l); rc != 0) return rc == err(LINEERR_INVALCALLHANDLE) ? err(LINEERR_INVALCONFCALLHANDLE) : rc;
  if (!c->is_conference) return err(LINEERR_INVALCONFCALLHANDLE);
  if (!consult_out) return err(LINEERR_INVALPOINTER);
  std::vector<BYTE> pbuf;
  const LINECALLPARAMS* wp = nullptr;
  if (LONG rc = call_params_in(params, l->api_version, ansi, pbuf, wp); rc != 0) return rc;
  if (!d->provider->TSPI_linePrepareAddToConference) return err(LINEERR_OPERATIONUNAVAIL);
  return async_request(l->app, l->instance, [&](Request& r) {
    TapiCall& k = new_call(r, *l, consult_out, c->address_id);
    HDRVCALL hd = nullptr;
    const LONG rc =
        d->provider->TSPI_linePrepareAddToConference(r.id, c->hd, k.ht(), &hd, const_cast<LPLINECALLPARAMS>(wp));
    k.hd = hd;
    return rc;
  });
}

LONG park(DWORD hcall, DWORD mode, const WideArg& dir, LPVARSTRING non_dir, bool ansi) {
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hcall, true, h, c, d, l); rc != 0) return rc;
  if (mode != LINEPARKMODE_DIRECTED && mode != LINEPARKMODE_NONDIRECTED) return err(LINEERR_INVALPARKMODE);
  if (mode == LINEPARKMODE_DIRECTED && dir.null) return err(LINEERR_INVALPOINTER);
  std::shared_ptr<std::vector<BYTE>> mine;
  if (mode == LINEPARKMODE_NONDIRECTED) {
    if (!non_dir) return err(LINEERR_INVALPOINTER);
    if (non_dir->dwTotalSize < sizeof(VARSTRING)) return err(LINEERR_STRUCTURETOOSMALL);
    // The provider writes the orbit into a VARSTRING of ours (UTF-16, twice the room), copied into
    // the application's before its LINE_REPLY.
    mine = std::make_shared<std::vector<BYTE>>(2 * non_dir->dwTotalSize + 64, 0);
    reinterpret_cast<VARSTRING*>(mine->data())->dwTotalSize = static_cast<DWORD>(mine->size());
  }
  if (!d->provider->TSPI_linePark) return err(LINEERR_OPERATIONUNAVAIL);
  return async_request(l->app, l->instance, [&](Request& r) {
    if (mine)
      r.on_complete = [mine, non_dir, ansi](LONG result) {
        if (result != 0) return;
        const auto* v = reinterpret_cast<const VARSTRING*>(mine->data());
        const Conv conv = ansi && v->dwStringFormat == STRINGFORMAT_UNICODE ? Conv::WideToAnsi : Conv::None;
        pack(varstring_shape(), mine->data(), static_cast<DWORD>(mine->size()), sizeof(VARSTRING), non_dir,
             sizeof(VARSTRING), conv);
      };
    return d->provider->TSPI_linePark(r.id, c->hd, mode, dir.get(),
                                      mine ? reinterpret_cast<LPVARSTRING>(mine->data()) : nullptr);
  });
}

/// lineUnpark and linePickup: a new call on the caller's line.
template <typename Send>
LONG line_call(DWORD hline, DWORD address, LPHCALL out, Send&& send) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  if (address >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
  if (!out) return err(LINEERR_INVALPOINTER);
  return async_request(l->app, l->instance, [&](Request& r) {
    TapiCall& c = new_call(r, *l, out, address);
    HDRVCALL hd = nullptr;
    const LONG rc = send(*d->provider, *d, c, r, hd);
    c.hd = hd;
    return rc;
  });
}

LONG forward(DWORD hline, DWORD all, DWORD address, const LINEFORWARDLIST* list, DWORD rings, LPHCALL consult_out,
             const LINECALLPARAMS* params, bool ansi) {
  Service& s = Service::get();
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  if (!all && address >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
  if (!consult_out) return err(LINEERR_INVALPOINTER);
  std::vector<BYTE> fbuf, pbuf;
  if (list)
    if (LONG rc = forward_list_in(list, l->api_version, d->tspi_version, ansi, fbuf); rc != 0) return rc;
  const LINECALLPARAMS* wp = nullptr;
  if (LONG rc = call_params_in(params, l->api_version, ansi, pbuf, wp); rc != 0) return rc;
  if (!d->provider->TSPI_lineForward) return err(LINEERR_OPERATIONUNAVAIL);
  return async_request(l->app, l->instance, [&](Request& r) {
    // The provider may need a consultation call to forward; when it makes none, the handle is NULL.
    TapiCall& k = new_call(r, *l, consult_out, all ? 0 : address);
    HDRVCALL hd = nullptr;
    const LONG rc = d->provider->TSPI_lineForward(
        r.id, d->hd, all, address, list ? reinterpret_cast<LPLINEFORWARDLIST>(fbuf.data()) : nullptr, rings, k.ht(), &hd,
        const_cast<LPLINECALLPARAMS>(wp));
    k.hd = hd;
    if (rc >= 0 && !hd) {
      for (DWORD hh : k.handles) s.call_handles().erase(hh);
      r.outs.clear();
      r.created.clear();
      s.calls().erase(k.id);
      *consult_out = 0;
    }
    return rc;
  });
}

LONG handoff(DWORD hcall, const WideArg& file, DWORD media) {
  Service& s = Service::get();
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hcall, true, h, c, d, l); rc != 0) return rc;
  App* self = s.app(l->app);
  LineOpen* target = nullptr;
  LONG not_here = 0;  // why no application of this process is the target
  std::wstring name;
  if (!file.null) {
    // By the target's executable name: any application with this line open.
    name = file.text;
    name = name.substr(name.find_last_of(L"\\/") + 1);
    bool self_named = false;
    for (DWORD lh : d->opens) {
      LineOpen* o = s.line(lh);
      App* a = o ? s.app(o->app) : nullptr;
      if (!a || _wcsicmp(a->module.c_str(), name.c_str()) != 0) continue;
      if (a == self) {
        self_named = true;
        continue;
      }
      target = o;
      break;
    }
    if (!target) not_here = self_named ? err(LINEERR_TARGETSELF) : err(LINEERR_TARGETNOTFOUND);
  } else {
    // By media mode: the highest-priority other owner for it (one mode only).
    if (media == 0 || (media & (media - 1))) return err(LINEERR_INVALMEDIAMODE);
    bool self_only = false;
    for (DWORD lh : d->opens) {
      LineOpen* o = s.line(lh);
      if (!o || !(o->privileges & LINECALLPRIVILEGE_OWNER) || !(o->media_modes & media)) continue;
      if (o->app == l->app) {
        self_only = true;
        continue;
      }
      target = o;
      break;
    }
    if (!target) not_here = self_only ? err(LINEERR_TARGETSELF) : err(LINEERR_TARGETNOTFOUND);
  }
  if (!target) {
    // Lines shared between processes: the target may be another process's application. The
    // server finds it (TARGETNOTFOUND, TARGETSELF by its own rules) and tells that process.
    Provider& p = *d->provider;
    if (not_here != err(LINEERR_TARGETNOTFOUND) || !p.shared) return not_here;
    const HDRVCALL hd = c->hd;
    const LONG rc = s.wait_request([&](Request& r) {
      return p.TELSIM_lineHandoff(r.id, hd, file.null ? nullptr : name.c_str(), file.null ? media : 0);
    });
    if (rc == 0 && file.null)
      if (TapiCall* k = s.call(h->call)) k->media_mode = media;
    return rc;
  }
  if (file.null) c->media_mode = media;
  // The target becomes an owner: a new handle (LINE_APPNEWCALL for 2.0 and later), or its
  // monitor handle promoted; either way LINE_CALLSTATE with dwParam3 OWNER tells it.
  s.make_owner(*c, *target);
  return 0L;
}

}  // namespace

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineSwapHold(HCALL hActiveCall, HCALL hHeldCall) {
  return guarded(__func__, [&] {
    Locked lk;
    CallHandle* h;
    TapiCall* c;
    Device* d;
    LineOpen* l;
    if (LONG rc = usable_call(hActiveCall, true, h, c, d, l); rc != 0) return rc;
    TapiCall* held = nullptr;
    if (LONG rc = second_call(hHeldCall, *l, err(LINEERR_INVALCALLHANDLE), held); rc != 0) return rc;
    if (!d->provider->TSPI_lineSwapHold) return err(LINEERR_OPERATIONUNAVAIL);
    return async_request(l->app, l->instance,
                         [&](Request& r) { return d->provider->TSPI_lineSwapHold(r.id, c->hd, held->hd); });
  });
}

LONG WINAPI lineSetupTransferA(HCALL hCall, LPHCALL lphConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return setup_transfer(hCall, lphConsultCall, lpCallParams, true); });
}
LONG WINAPI lineSetupTransferW(HCALL hCall, LPHCALL lphConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return setup_transfer(hCall, lphConsultCall, lpCallParams, false); });
}

LONG WINAPI lineCompleteTransfer(HCALL hCall, HCALL hConsultCall, LPHCALL lphConfCall, DWORD dwTransferMode) {
  return guarded(__func__, [&] { return complete_transfer(hCall, hConsultCall, lphConfCall, dwTransferMode); });
}

LONG WINAPI lineBlindTransferA(HCALL hCall, LPCSTR lpszDestAddress, DWORD dwCountryCode) {
  return guarded(__func__, [&] { return to_address(hCall, WideArg(lpszDestAddress), dwCountryCode, false); });
}
LONG WINAPI lineBlindTransferW(HCALL hCall, LPCWSTR lpszDestAddressW, DWORD dwCountryCode) {
  return guarded(__func__, [&] { return to_address(hCall, WideArg(lpszDestAddressW), dwCountryCode, false); });
}

LONG WINAPI lineRedirectA(HCALL hCall, LPCSTR lpszDestAddress, DWORD dwCountryCode) {
  return guarded(__func__, [&] { return to_address(hCall, WideArg(lpszDestAddress), dwCountryCode, true); });
}
LONG WINAPI lineRedirectW(HCALL hCall, LPCWSTR lpszDestAddress, DWORD dwCountryCode) {
  return guarded(__func__, [&] { return to_address(hCall, WideArg(lpszDestAddress), dwCountryCode, true); });
}

LONG WINAPI lineSetupConferenceA(HCALL hCall, HLINE hLine, LPHCALL lphConfCall, LPHCALL lphConsultCall,
                                 DWORD dwNumParties, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return setup_conference(hCall, hLine, lphConfCall, lphConsultCall, dwNumParties, lpCallParams, true);
  });
}
LONG WINAPI lineSetupConferenceW(HCALL hCall, HLINE hLine, LPHCALL lphConfCall, LPHCALL lphConsultCall,
                                 DWORD dwNumParties, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return setup_conference(hCall, hLine, lphConfCall, lphConsultCall, dwNumParties, lpCallParams, false);
  });
}

LONG WINAPI linePrepareAddToConferenceA(HCALL hConfCall, LPHCALL lphConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return prepare_add(hConfCall, lphConsultCall, lpCallParams, true); });
}
LONG WINAPI linePrepareAddToConferenceW(HCALL hConfCall, LPHCALL lphConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] { return prepare_add(hConfCall, lphConsultCall, lpCallParams, false); });
}

LONG WINAPI lineAddToConference(HCALL hConfCall, HCALL hConsultCall) {
  return guarded(__func__, [&] {
    Locked lk;
    CallHandle* h;
    TapiCall* c;
    Device* d;
    LineOpen* l;
    if (LONG rc = usable_call(hConfCall, true, h, c, d, l); rc != 0)
      return rc == err(LINEERR_INVALCALLHANDLE) ? err(LINEERR_INVALCONFCALLHANDLE) : rc;
    if (!c->is_conference) return err(LINEERR_INVALCONFCALLHANDLE);
    TapiCall* k = nullptr;
    if (LONG rc = second_call(hConsultCall, *l, err(LINEERR_INVALCONSULTCALLHANDLE), k); rc != 0) return rc;
    if (!d->provider->TSPI_lineAddToConference) return err(LINEERR_OPERATIONUNAVAIL);
    return async_request(l->app, l->instance,
                         [&](Request& r) { return d->provider->TSPI_lineAddToConference(r.id, c->hd, k->hd); });
  });
}

LONG WINAPI lineRemoveFromConference(HCALL hCall) {
  return guarded(__func__, [&] {
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineRemoveFromConference) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineRemoveFromConference(r.id, c.hd);
    });
  });
}

LONG WINAPI lineParkA(HCALL hCall, DWORD dwParkMode, LPCSTR lpszDirAddress, LPVARSTRING lpNonDirAddress) {
  return guarded(__func__, [&] { return park(hCall, dwParkMode, WideArg(lpszDirAddress), lpNonDirAddress, true); });
}
LONG WINAPI lineParkW(HCALL hCall, DWORD dwParkMode, LPCWSTR lpszDirAddress, LPVARSTRING lpNonDirAddress) {
  return guarded(__func__, [&] { return park(hCall, dwParkMode, WideArg(lpszDirAddress), lpNonDirAddress, false); });
}

static LONG unpark(HLINE hLine, DWORD dwAddressID, LPHCALL lphCall, const WideArg& dest) {
  if (dest.null) return err(LINEERR_INVALPOINTER);
  return line_call(hLine, dwAddressID, lphCall, [&](Provider& p, Device& d, TapiCall& c, Request& r, HDRVCALL& hd) {
    if (!p.TSPI_lineUnpark) return err(LINEERR_OPERATIONUNAVAIL);
    return p.TSPI_lineUnpark(r.id, d.hd, dwAddressID, c.ht(), &hd, dest.get());
  });
}
LONG WINAPI lineUnparkA(HLINE hLine, DWORD dwAddressID, LPHCALL lphCall, LPCSTR lpszDestAddress) {
  return guarded(__func__, [&] { return unpark(hLine, dwAddressID, lphCall, WideArg(lpszDestAddress)); });
}
LONG WINAPI lineUnparkW(HLINE hLine, DWORD dwAddressID, LPHCALL lphCall, LPCWSTR lpszDestAddress) {
  return guarded(__func__, [&] { return unpark(hLine, dwAddressID, lphCall, WideArg(lpszDestAddress)); });
}

static LONG pickup(HLINE hLine, DWORD dwAddressID, LPHCALL lphCall, const WideArg& dest, const WideArg& group) {
  return line_call(hLine, dwAddressID, lphCall, [&](Provider& p, Device& d, TapiCall& c, Request& r, HDRVCALL& hd) {
    if (!p.TSPI_linePickup) return err(LINEERR_OPERATIONUNAVAIL);
    return p.TSPI_linePickup(r.id, d.hd, dwAddressID, c.ht(), &hd, dest.get(), group.get());
  });
}
LONG WINAPI linePickupA(HLINE hLine, DWORD dwAddressID, LPHCALL lphCall, LPCSTR lpszDestAddress, LPCSTR lpszGroupID) {
  return guarded(__func__, [&] { return pickup(hLine, dwAddressID, lphCall, WideArg(lpszDestAddress), WideArg(lpszGroupID)); });
}
LONG WINAPI linePickupW(HLINE hLine, DWORD dwAddressID, LPHCALL lphCall, LPCWSTR lpszDestAddress, LPCWSTR lpszGroupID) {
  return guarded(__func__, [&] { return pickup(hLine, dwAddressID, lphCall, WideArg(lpszDestAddress), WideArg(lpszGroupID)); });
}

LONG WINAPI lineForwardA(HLINE hLine, DWORD bAllAddresses, DWORD dwAddressID, LPLINEFORWARDLIST const lpForwardList,
                         DWORD dwNumRingsNoAnswer, LPHCALL lphConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return forward(hLine, bAllAddresses, dwAddressID, lpForwardList, dwNumRingsNoAnswer, lphConsultCall, lpCallParams, true);
  });
}
LONG WINAPI lineForwardW(HLINE hLine, DWORD bAllAddresses, DWORD dwAddressID, LPLINEFORWARDLIST const lpForwardList,
                         DWORD dwNumRingsNoAnswer, LPHCALL lphConsultCall, LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return forward(hLine, bAllAddresses, dwAddressID, lpForwardList, dwNumRingsNoAnswer, lphConsultCall, lpCallParams, false);
  });
}

LONG WINAPI lineCompleteCall(HCALL hCall, LPDWORD lpdwCompletionID, DWORD dwCompletionMode, DWORD dwMessageID) {
  return guarded(__func__, [&] {
    if (!lpdwCompletionID) return err(LINEERR_INVALPOINTER);
    return owner_request(hCall, [&](Provider& p, TapiCall& c, Request& r) {
      if (!p.TSPI_lineCompleteCall) return err(LINEERR_OPERATIONUNAVAIL);
      // The provider writes the completion id before it completes the request.
      return p.TSPI_lineCompleteCall(r.id, c.hd, lpdwCompletionID, dwCompletionMode, dwMessageID);
    });
  });
}

LONG WINAPI lineUncompleteCall(HLINE hLine, DWORD dwCompletionID) {
  return guarded(__func__, [&] {
    return line_request(hLine, [&](Provider& p, Device& d, LineOpen&, Request& r) {
      if (!p.TSPI_lineUncompleteCall) return err(LINEERR_OPERATIONUNAVAIL);
      return p.TSPI_lineUncompleteCall(r.id, d.hd, dwCompletionID);
    });
  });
}

LONG WINAPI lineHandoffA(HCALL hCall, LPCSTR lpszFileName, DWORD dwMediaMode) {
  return guarded(__func__, [&] { return handoff(hCall, WideArg(lpszFileName), dwMediaMode); });
}
LONG WINAPI lineHandoffW(HCALL hCall, LPCWSTR lpszFileName, DWORD dwMediaMode) {
  return guarded(__func__, [&] { return handoff(hCall, WideArg(lpszFileName), dwMediaMode); });
}

LONG WINAPI lineSetCallPrivilege(HCALL hCall, DWORD dwCallPrivilege) {
  return guarded(__func__, [&] {
    Service& s = Service::get();
    Locked lk;
    CallHandle* h;
    TapiCall* c;
    Device* d;
    LineOpen* l;
    if (LONG rc = usable_call(hCall, false, h, c, d, l); rc != 0) return rc;
    if (dwCallPrivilege != LINECALLPRIVILEGE_MONITOR && dwCallPrivilege != LINECALLPRIVILEGE_OWNER)
      return err(LINEERR_INVALCALLPRIVILEGE);
    Provider& p = *d->provider;
    const DWORD cid = h->call;
    // The sole owner of a call in progress may not leave it ownerless: it drops the call first.
    // With lines shared between processes, an owner in another process counts: the server says.
    if (dwCallPrivilege == LINECALLPRIVILEGE_MONITOR && h->privilege == LINECALLPRIVILEGE_OWNER &&
        c->state != LINECALLSTATE_IDLE && !s.process_owns(*c, hCall)) {
      if (!p.shared) return err(LINEERR_INVALCALLSTATE);
      const HDRVCALL hd = c->hd;
      if (LONG rc = s.wait_request([&](Request& r) { return p.TELSIM_lineSetCallPrivilege(r.id, hd, LINECALLPRIVILEGE_MONITOR); }))
        return rc;
    }
    // Owning a call another process owns: the server makes this process an owner too.
    if (dwCallPrivilege == LINECALLPRIVILEGE_OWNER && p.shared && s.process_privilege_of(*c) == LINECALLPRIVILEGE_MONITOR) {
      const HDRVCALL hd = c->hd;
      if (LONG rc = s.wait_request([&](Request& r) { return p.TELSIM_lineSetCallPrivilege(r.id, hd, LINECALLPRIVILEGE_OWNER); }))
        return rc;
    }
    CallHandle* again = s.call_handle(hCall);  // the lock was let go while waiting
    if (!again || again->call != cid) return err(LINEERR_INVALCALLHANDLE);
    again->privilege = dwCallPrivilege;
    return 0L;
  });
}

LONG WINAPI lineSetAppSpecific(HCALL hCall, DWORD dwAppSpecific) {
  return guarded(__func__, [&] {
    Locked lk;
    CallHandle* h;
    TapiCall* c;
    Device* d;
    LineOpen* l;
    if (LONG rc = usable_call(hCall, true, h, c, d, l); rc != 0) return rc;
    if (!d->provider->TSPI_lineSetAppSpecific) return err(LINEERR_OPERATIONUNAVAIL);
    return d->provider->TSPI_lineSetAppSpecific(c->hd, dwAppSpecific);
  });
}

LONG WINAPI lineGetNewCalls(HLINE hLine, DWORD dwAddressID, DWORD dwSelect, LPLINECALLLIST lpCallList) {
  return guarded(__func__, [&] {
    Service& s = Service::get();
    Locked lk;
    LineOpen* l;
    Device* d;
    if (LONG rc = usable_line(hLine, l, d); rc != 0) return rc;
    if (dwSelect != LINECALLSELECT_LINE && dwSelect != LINECALLSELECT_ADDRESS) return err(LINEERR_INVALCALLSELECT);
    if (dwSelect == LINECALLSELECT_ADDRESS && dwAddressID >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
    if (!lpCallList) return err(LINEERR_INVALPOINTER);
    if (lpCallList->dwTotalSize < sizeof(LINECALLLIST)) return err(LINEERR_STRUCTURETOOSMALL);
    std::vector<DWORD> handles;
    for (auto& [id, c] : s.calls()) {
      if (c->device != d->id || c->closed || !c->valid || !c->announced || c->state == LINECALLSTATE_IDLE) continue;
      if (dwSelect == LINECALLSELECT_ADDRESS && c->address_id != dwAddressID) continue;
      bool have = false;
      for (DWORD hh : c->handles)
        if (CallHandle* x = s.call_handle(hh); x && x->line == l->handle) have = true;
      if (!have) handles.push_back(handle_for(s, *c, *l));
    }
    return call_list_out(lpCallList, handles);
  });
}

LONG WINAPI lineGetConfRelatedCalls(HCALL hCall, LPLINECALLLIST lpCallList) {
  return guarded(__func__, [&] {
    Service& s = Service::get();
    Locked lk;
    CallHandle* h;
    TapiCall* c;
    Device* d;
    LineOpen* l;
    if (LONG rc = usable_call(hCall, false, h, c, d, l); rc != 0) return rc;
    if (!lpCallList) return err(LINEERR_INVALPOINTER);
    if (lpCallList->dwTotalSize < sizeof(LINECALLLIST)) return err(LINEERR_STRUCTURETOOSMALL);
    TapiCall* conf = c->is_conference ? c : s.call(c->conference);
    if (!conf || conf->closed) return err(LINEERR_NOCONFERENCE);
    std::vector<DWORD> handles{handle_for(s, *conf, *l)};
    for (auto& [id, m] : s.calls())
      if (m->conference == conf->id && !m->closed && m->state != LINECALLSTATE_IDLE) handles.push_back(handle_for(s, *m, *l));
    return call_list_out(lpCallList, handles);
  });
}

}  // extern "C"
