// Line devices: capabilities, opening and closing, status, IDs, status messages.
#include <algorithm>
#include <cstring>

#include "api.hpp"

namespace telsim::tapi32 {

namespace {

constexpr DWORD kAllMediaModes = LINEMEDIAMODE_UNKNOWN | LINEMEDIAMODE_INTERACTIVEVOICE | LINEMEDIAMODE_AUTOMATEDVOICE |
                                 LINEMEDIAMODE_DATAMODEM | LINEMEDIAMODE_G3FAX | LINEMEDIAMODE_TDD | LINEMEDIAMODE_G4FAX |
                                 LINEMEDIAMODE_DIGITALDATA | LINEMEDIAMODE_TELETEX | LINEMEDIAMODE_VIDEOTEX |
                                 LINEMEDIAMODE_TELEX | LINEMEDIAMODE_MIXED | LINEMEDIAMODE_ADSI |
                                 LINEMEDIAMODE_VOICEVIEW | LINEMEDIAMODE_VIDEO;

/// The provider's LINEDEVCAPS of a device (UTF-16), or empty.
std::vector<BYTE> provider_devcaps(Device& d) {
  std::vector<BYTE> buf;
  if (!d.provider->TSPI_lineGetDevCaps) return {};
  const DWORD fixed = devcaps_fixed(d.tspi_version);
  if (query(buf, fixed, [&](BYTE* b) {
        return d.provider->TSPI_lineGetDevCaps(d.id, d.tspi_version, 0, reinterpret_cast<LINEDEVCAPS*>(b));
      }) != 0)
    return {};
  return buf;
}

}  // namespace

LONG usable_line(DWORD hline, LineOpen*& l, Device*& d) {
  Service& s = Service::get();
  l = s.line(hline);
  if (!l) return err(LINEERR_INVALLINEHANDLE);
  d = s.device(l->device);
  if (!d || !d->open) return err(LINEERR_INVALLINEHANDLE);
  return 0;
}

LONG call_params_in(const LINECALLPARAMS* in, DWORD api_version, bool ansi, std::vector<BYTE>& out,
                    const LINECALLPARAMS*& for_provider) {
  for_provider = nullptr;
  if (!in) return 0;
  if (LONG rc = convert_in(call_params_shape(), in, call_params_fixed(api_version), sizeof(LINECALLPARAMS),
                           ansi ? Conv::AnsiToWide : Conv::None, out, err(LINEERR_INVALCALLPARAMS));
      rc != 0)
    return rc;
  for_provider = reinterpret_cast<const LINECALLPARAMS*>(out.data());
  const DWORD media = for_provider->dwMediaMode;
  if (media && (media & (media - 1))) return err(LINEERR_INVALMEDIAMODE);  // one mode, or none (the default)
  return 0;
}

LONG get_dev_caps(DWORD app, DWORD device_id, DWORD version, DWORD ext, LPLINEDEVCAPS caps, bool ansi) {
  Service& s = Service::get();
  Locked l;
  if (!s.line_app(app)) return err(LINEERR_INVALAPPHANDLE);
  Device* d = s.device(device_id);
  if (!d) return err(LINEERR_BADDEVICEID);
  if (!version_ok(version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  if (ext != 0) return err(LINEERR_INCOMPATIBLEEXTVERSION);
  if (!d->provider->TSPI_lineGetDevCaps) return err(LINEERR_OPERATIONUNAVAIL);
  return to_app(
      devcaps_shape(), caps, version, devcaps_fixed(d->tspi_version), ansi,
      [&](BYTE* b) { return d->provider->TSPI_lineGetDevCaps(d->id, d->tspi_version, 0, reinterpret_cast<LINEDEVCAPS*>(b)); },
      [&](BYTE* b) {
        // Unicode callers get UTF-16; ANSI ones ASCII (pack sets it).
        reinterpret_cast<LINEDEVCAPS*>(b)->dwStringFormat = STRINGFORMAT_UNICODE;
      });
}

LONG get_address_caps(DWORD app, DWORD device_id, DWORD address, DWORD version, DWORD ext, LPLINEADDRESSCAPS caps,
                      bool ansi) {
  Service& s = Service::get();
  Locked l;
  if (!s.line_app(app)) return err(LINEERR_INVALAPPHANDLE);
  Device* d = s.device(device_id);
  if (!d) return err(LINEERR_BADDEVICEID);
  if (!version_ok(version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  if (ext != 0) return err(LINEERR_INCOMPATIBLEEXTVERSION);
  if (address >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
  if (!d->provider->TSPI_lineGetAddressCaps) return err(LINEERR_OPERATIONUNAVAIL);
  return to_app(
      address_caps_shape(), caps, version, sizeof(LINEADDRESSCAPS), ansi,
      [&](BYTE* b) {
        return d->provider->TSPI_lineGetAddressCaps(d->id, address, d->tspi_version, 0, reinterpret_cast<LINEADDRESSCAPS*>(b));
      },
      [](BYTE*) {});
}

LONG open_line(DWORD app_handle, DWORD device_id, LPHLINE out, DWORD version, DWORD ext, DWORD_PTR instance,
               DWORD privileges, DWORD media, const LINECALLPARAMS* params, bool ansi) {
  Service& s = Service::get();
  Locked lk;
  App* a = s.line_app(app_handle);
  if (!a) return err(LINEERR_INVALAPPHANDLE);
  if (!out) return err(LINEERR_INVALPOINTER);
  const DWORD options = privileges & (LINEOPENOPTION_SINGLEADDRESS | LINEOPENOPTION_PROXY);
  const DWORD priv = privileges & ~options;
  if (priv != LINECALLPRIVILEGE_NONE && priv != LINECALLPRIVILEGE_MONITOR && priv != LINECALLPRIVILEGE_OWNER &&
      priv != (LINECALLPRIVILEGE_OWNER | LINECALLPRIVILEGE_MONITOR))
    return err(LINEERR_INVALPRIVSELECT);
  if (options & LINEOPENOPTION_PROXY) return err(LINEERR_INVALPRIVSELECT);  // no proxy requests in this TAPI
  if (!version_ok(version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  if (ext != 0) return err(LINEERR_INCOMPATIBLEEXTVERSION);
  if ((priv & LINECALLPRIVILEGE_OWNER) && (media == 0 || (media & ~kAllMediaModes))) return err(LINEERR_INVALMEDIAMODE);
  std::vector<BYTE> pbuf;
  const LINECALLPARAMS* wparams = nullptr;
  if (LONG rc = call_params_in(params, version, ansi, pbuf, wparams); rc != 0) return rc;
  if ((options & LINEOPENOPTION_SINGLEADDRESS) && !wparams) return err(LINEERR_INVALPOINTER);

  // LINEMAPPER: the first device that supports the media mode (and the call parameters' bearer).
  std::vector<Device*> candidates;
  if (device_id == LINEMAPPER) {
    for (DWORD i = 0; i < s.num_devices(); ++i) candidates.push_back(s.device(i));
  } else {
    Device* d = s.device(device_id);
    if (!d) return err(LINEERR_BADDEVICEID);
    candidates.push_back(d);
  }
  LONG last = err(LINEERR_INVALMEDIAMODE);
  for (Device* d : candidates) {
    const std::vector<BYTE> caps = provider_devcaps(*d);
    if (caps.empty()) {
      last = err(LINEERR_NODRIVER);
      continue;
    }
    const auto* c = reinterpret_cast<const LINEDEVCAPS*>(caps.data());
    const DWORD want = (priv & LINECALLPRIVILEGE_OWNER) ? media : 0;
    if (want & ~(c->dwMediaModes | LINEMEDIAMODE_UNKNOWN)) {
      last = err(LINEERR_INVALMEDIAMODE);
      continue;
    }
    if (wparams && wparams->dwBearerMode && !(wparams->dwBearerMode & c->dwBearerModes)) {
      last = err(LINEERR_INVALBEARERMODE);
      continue;
    }
    if (wparams && wparams->dwMediaMode && !(wparams->dwMediaMode & c->dwMediaModes)) {
      last = err(LINEERR_INVALMEDIAMODE);
      continue;
    }
    DWORD address = 0;
    if (options & LINEOPENOPTION_SINGLEADDRESS) {
      address = wparams->dwAddressID;
      if (address >= d->num_addresses) {
        last = err(LINEERR_INVALADDRESSID);
        continue;
      }
    }
    if (LONG rc = s.open_device(*d); rc != 0) {
      last = rc;
      continue;
    }
    auto lo = std::make_unique<LineOpen>();
    lo->handle = s.new_handle();
    lo->app = a->handle;
    lo->device = d->id;
    lo->api_version = std::min(version, kHighestApi);
    lo->ext_version = ext;
    lo->instance = instance;
    lo->privileges = priv;
    lo->media_modes = want;
    lo->single_address = (options & LINEOPENOPTION_SINGLEADDRESS) != 0;
    lo->address_id = address;
    const DWORD handle = lo->handle;
    s.lines().emplace(handle, std::move(lo));
    d->opens.push_back(handle);
    s.update_detection(*d);
    s.line_state(*d, LINEDEVSTATE_OPEN, 0, 0, handle);
    *out = handle;
    trace("lineOpen: device " + std::to_string(d->id) + " is line " + std::to_string(handle));
    return 0L;
  }
  return last;
}

LONG close_hline(DWORD hline) {
  Service& s = Service::get();
  std::vector<std::function<void()>> after;
  {
    Locked l;
    LineOpen* lo = s.line(hline);
    if (!lo) return err(LINEERR_INVALLINEHANDLE);
    s.close_line(*lo, after);
  }
  run_after(after);
  return 0;
}

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineGetDevCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion, DWORD dwExtVersion,
                            LPLINEDEVCAPS lpLineDevCaps) {
  return guarded(__func__, [&] { return get_dev_caps(hLineApp, dwDeviceID, dwAPIVersion, dwExtVersion, lpLineDevCaps, true); });
}

LONG WINAPI lineGetDevCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion, DWORD dwExtVersion,
                            LPLINEDEVCAPS lpLineDevCaps) {
  return guarded(__func__, [&] { return get_dev_caps(hLineApp, dwDeviceID, dwAPIVersion, dwExtVersion, lpLineDevCaps, false); });
}

LONG WINAPI lineGetAddressCapsA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID, DWORD dwAPIVersion,
                                DWORD dwExtVersion, LPLINEADDRESSCAPS lpAddressCaps) {
  return guarded(__func__, [&] {
    return get_address_caps(hLineApp, dwDeviceID, dwAddressID, dwAPIVersion, dwExtVersion, lpAddressCaps, true);
  });
}

LONG WINAPI lineGetAddressCapsW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAddressID, DWORD dwAPIVersion,
                                DWORD dwExtVersion, LPLINEADDRESSCAPS lpAddressCaps) {
  return guarded(__func__, [&] {
    return get_address_caps(hLineApp, dwDeviceID, dwAddressID, dwAPIVersion, dwExtVersion, lpAddressCaps, false);
  });
}

LONG WINAPI lineOpenA(HLINEAPP hLineApp, DWORD dwDeviceID, LPHLINE lphLine, DWORD dwAPIVersion, DWORD dwExtVersion,
                      DWORD_PTR dwCallbackInstance, DWORD dwPrivileges, DWORD dwMediaModes,
                      LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return open_line(hLineApp, dwDeviceID, lphLine, dwAPIVersion, dwExtVersion, dwCallbackInstance, dwPrivileges,
                     dwMediaModes, lpCallParams, true);
  });
}

LONG WINAPI lineOpenW(HLINEAPP hLineApp, DWORD dwDeviceID, LPHLINE lphLine, DWORD dwAPIVersion, DWORD dwExtVersion,
                      DWORD_PTR dwCallbackInstance, DWORD dwPrivileges, DWORD dwMediaModes,
                      LPLINECALLPARAMS const lpCallParams) {
  return guarded(__func__, [&] {
    return open_line(hLineApp, dwDeviceID, lphLine, dwAPIVersion, dwExtVersion, dwCallbackInstance, dwPrivileges,
                     dwMediaModes, lpCallParams, false);
  });
}

LONG WINAPI lineClose(HLINE hLine) {
  return guarded(__func__, [&] { return close_hline(hLine); });
}

LONG WINAPI lineSetStatusMessages(HLINE hLine, DWORD dwLineStates, DWORD dwAddressStates) {
  return guarded(__func__, [&] {
    Locked l;
    LineOpen* lo = Service::get().line(hLine);
    if (!lo) return err(LINEERR_INVALLINEHANDLE);
    // Every LINEDEVSTATE_ and LINEADDRESSSTATE_ bit of the version (1.4 added CAPSCHANGE and the rest).
    const DWORD all_line = lo->api_version >= 0x00010004 ? 0x01FFFFFFu : 0x000FFFFFu;
    if (dwLineStates & ~all_line) return err(LINEERR_INVALLINESTATE);
    const DWORD all_address = lo->api_version >= 0x00010004 ? 0x000001FFu : 0x000000FFu;
    if (dwAddressStates & ~all_address) return err(LINEERR_INVALADDRESSSTATE);
    lo->line_states = dwLineStates;
    lo->address_states = dwAddressStates;
    return 0L;
  });
}

LONG WINAPI lineGetStatusMessages(HLINE hLine, LPDWORD lpdwLineStates, LPDWORD lpdwAddressStates) {
  return guarded(__func__, [&] {
    Locked l;
    LineOpen* lo = Service::get().line(hLine);
    if (!lo) return err(LINEERR_INVALLINEHANDLE);
    if (!lpdwLineStates || !lpdwAddressStates) return err(LINEERR_INVALPOINTER);
    *lpdwLineStates = lo->line_states;
    *lpdwAddressStates = lo->address_states;
    return 0L;
  });
}

}  // extern "C"
