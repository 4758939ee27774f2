#pragma once
// What the exported functions share: exception safety, handle checks, requests, structures.
#include <exception>
#include <new>
#include <string>

#include "service.hpp"
#include "structs.hpp"
#include "text.hpp"

namespace telsim::tapi32 {

/// Nothing may unwind into the application: a C++ exception becomes an error.
template <typename F>
LONG guarded(const char* function, F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return err(LINEERR_NOMEM);
  } catch (const std::exception& e) {
    trace(std::string(function) + ": " + e.what());
  } catch (...) {
    trace(std::string(function) + ": unknown exception");
  }
  return err(LINEERR_OPERATIONFAILED);
}

LONG initialize(LPHLINEAPP out, HINSTANCE instance, LINECALLBACK callback, const std::wstring* name, LPDWORD num_devs,
                LPDWORD api_version, LPLINEINITIALIZEEXPARAMS params, bool unicode, bool ex, bool phone = false);
/// lineGetMessage / phoneGetMessage (LINEMESSAGE and PHONEMESSAGE are alike).
LONG get_message(DWORD app, LPLINEMESSAGE message, DWORD timeout, bool phone);
LONG shutdown_app(DWORD handle, bool phone);
/// A version this TAPI can speak (one it would negotiate, or a later 3.x: served as 3.0).
bool version_ok(DWORD v);

/// Fill an application's structure of `shape` from a provider query (`call` gets a buffer of
/// ours with dwTotalSize set and returns the provider's result). `patch` lays TAPI's own fixed
/// members over the provider's (it gets the UTF-16 structure), `overrides` TAPI's own strings.
template <typename Call, typename Patch>
LONG to_app(const Shape& shape, void* app_buf, DWORD api_version, DWORD provider_fixed, bool ansi, Call&& call,
            Patch&& patch, const Overrides* overrides = nullptr) {
  if (!app_buf) return err(LINEERR_INVALPOINTER);
  const DWORD dst_fixed = shape.fixed(api_version);
  if (*static_cast<const DWORD*>(app_buf) < dst_fixed) return err(LINEERR_STRUCTURETOOSMALL);
  std::vector<BYTE> buf;
  if (LONG rc = query(buf, provider_fixed, call); rc != 0) return rc;
  patch(buf.data());
  return pack(shape, buf.data(), static_cast<DWORD>(buf.size()), provider_fixed, app_buf, dst_fixed,
              ansi ? Conv::WideToAnsi : Conv::None, overrides);
}

/// An application's LINECALLPARAMS for the provider (UTF-16, the current layout), or null.
LONG call_params_in(const LINECALLPARAMS* in, DWORD api_version, bool ansi, std::vector<BYTE>& out,
                    const LINECALLPARAMS*& for_provider);

/// An HCALL the caller may act on: `owner` requires owner privilege. Fills `h`, `c`, `d`, `l`.
LONG usable_call(DWORD hcall, bool owner, CallHandle*& h, TapiCall*& c, Device*& d, LineOpen*& l);
/// An HLINE whose device is open at its provider.
LONG usable_line(DWORD hline, LineOpen*& l, Device*& d);

/// Start an asynchronous request for an application: `send` gets the request id and returns
/// the provider's answer (the id, or an error at once). The function's return value.
template <typename Send>
LONG async_request(DWORD app, DWORD_PTR instance, Send&& send) {
  Service& s = Service::get();
  Request& r = s.new_request(app, instance);
  const DWORD id = r.id;
  const LONG rc = send(r);
  return s.finish_call(id, rc >= 0 ? static_cast<LONG>(id) : rc);
}

/// A call the request `r` creates on `l`'s device, and the caller's owner HCALL for it (written
/// to `out` when the request succeeds).
TapiCall& new_call(Request& r, LineOpen& l, LPHCALL out, DWORD address_id);

/// An operation an owner makes on one call: `send(provider, call, request)`.
template <typename Send>
LONG owner_request(DWORD hcall, Send&& send) {
  Locked lk;
  CallHandle* h;
  TapiCall* c;
  Device* d;
  LineOpen* l;
  if (LONG rc = usable_call(hcall, true, h, c, d, l); rc != 0) return rc;
  return async_request(l->app, l->instance, [&](Request& r) { return send(*d->provider, *c, r); });
}

/// An operation on a line (the caller's HLINE): `send(provider, device, line, request)`.
template <typename Send>
LONG line_request(DWORD hline, Send&& send) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  return async_request(l->app, l->instance, [&](Request& r) { return send(*d->provider, *d, *l, r); });
}

}  // namespace telsim::tapi32
