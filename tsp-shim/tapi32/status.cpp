// Line and address status, device IDs, address IDs, icons, rings.
#include <algorithm>
#include <cstring>
#include <cwctype>

#include "api.hpp"

namespace telsim::tapi32 {

namespace {

std::wstring text_at(const BYTE* base, DWORD total, DWORD size, DWORD offset) {
  if (size < sizeof(wchar_t) || offset > total || size > total - offset) return L"";
  const auto* w = reinterpret_cast<const wchar_t*>(base + offset);
  return std::wstring(w, wcsnlen(w, size / sizeof(wchar_t)));
}

std::wstring computer_name() {
  wchar_t n[MAX_COMPUTERNAME_LENGTH + 1] = L"";
  DWORD len = MAX_COMPUTERNAME_LENGTH + 1;
  GetComputerNameW(n, &len);
  return n;
}

std::wstring user_name() {
  wchar_t n[257] = L"";
  DWORD len = 257;
  if (!GetEnvironmentVariableW(L"USERNAME", n, len)) return L"";
  return n;
}

LONG get_dev_status(DWORD hline, LPLINEDEVSTATUS status, bool ansi) {
  Service& s = Service::get();
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  if (!d->provider->TSPI_lineGetLineDevStatus) return err(LINEERR_OPERATIONUNAVAIL);
  // TAPI's own members: the opens of the device and, from 2.0, who they are.
  DWORD open_media = 0;
  std::vector<std::vector<BYTE>> entries;
  std::vector<std::vector<NestedText>> texts;
  for (DWORD lh : d->opens) {
    LineOpen* o = s.line(lh);
    App* a = o ? s.app(o->app) : nullptr;
    if (!o || !a) continue;
    if (o->privileges & LINECALLPRIVILEGE_OWNER) open_media |= o->media_modes;
    LINEAPPINFO info{};
    info.dwMediaModes = o->media_modes;
    info.dwAddressID = o->single_address ? o->address_id : 0xFFFFFFFF;
    std::vector<BYTE> e(sizeof info);
    std::memcpy(e.data(), &info, sizeof info);
    entries.push_back(std::move(e));
    texts.push_back({{TELSIM_AT(LINEAPPINFO, dwMachineNameSize), computer_name()},
                     {TELSIM_AT(LINEAPPINFO, dwUserNameSize), user_name()},
                     {TELSIM_AT(LINEAPPINFO, dwModuleFilenameSize), a->module},
                     {TELSIM_AT(LINEAPPINFO, dwFriendlyNameSize), a->name}});
  }
  const DWORD num_opens = static_cast<DWORD>(d->opens.size());
  Overrides ov;
  ov.placed[TELSIM_AT(LINEDEVSTATUS, dwAppInfoSize)] = [entries, texts](DWORD at, Conv conv) {
    return nested_list(entries, sizeof(LINEAPPINFO), texts, at, conv);
  };
  return to_app(
      dev_status_shape(), status, l->api_version, sizeof(LINEDEVSTATUS), ansi,
      [&](BYTE* b) { return d->provider->TSPI_lineGetLineDevStatus(d->hd, reinterpret_cast<LINEDEVSTATUS*>(b)); },
      [&](BYTE* b) {
        auto* st = reinterpret_cast<LINEDEVSTATUS*>(b);
        st->dwNumOpens = num_opens;
        st->dwOpenMediaModes = open_media;
      },
      &ov);
}

LONG get_address_status(DWORD hline, DWORD address, LPLINEADDRESSSTATUS status, bool ansi) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  if (address >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
  if (!d->provider->TSPI_lineGetAddressStatus) return err(LINEERR_OPERATIONUNAVAIL);
  if (!status) return err(LINEERR_INVALPOINTER);
  if (status->dwTotalSize < sizeof(LINEADDRESSSTATUS)) return err(LINEERR_STRUCTURETOOSMALL);
  std::vector<BYTE> buf;
  if (LONG rc = query(buf, sizeof(LINEADDRESSSTATUS),
                      [&](BYTE* b) {
                        return d->provider->TSPI_lineGetAddressStatus(d->hd, address, reinterpret_cast<LINEADDRESSSTATUS*>(b));
                      });
      rc != 0)
    return rc;
  // The forwarding entries point at their strings from the structure's start: rebuilt for the
  // application's version (LINEFORWARD grew in 3.0) and character set.
  const auto* src = reinterpret_cast<const LINEADDRESSSTATUS*>(buf.data());
  const DWORD total = static_cast<DWORD>(buf.size());
  const DWORD in_entry = d->tspi_version >= 0x00030000 ? sizeof(LINEFORWARD) : 6 * sizeof(DWORD);
  const DWORD out_entry = l->api_version >= 0x00030000 ? sizeof(LINEFORWARD) : 6 * sizeof(DWORD);
  std::vector<std::vector<BYTE>> entries;
  std::vector<std::vector<NestedText>> texts;
  if (src->dwForwardSize >= src->dwForwardNumEntries * in_entry && src->dwForwardOffset <= total &&
      src->dwForwardSize <= total - src->dwForwardOffset) {
    for (DWORD i = 0; i < src->dwForwardNumEntries; ++i) {
      LINEFORWARD f{};
      std::memcpy(&f, buf.data() + src->dwForwardOffset + i * in_entry, in_entry);
      std::vector<BYTE> e(sizeof f);
      std::memcpy(e.data(), &f, sizeof f);
      entries.push_back(std::move(e));
      texts.push_back({{TELSIM_AT(LINEFORWARD, dwCallerAddressSize),
                        text_at(buf.data(), total, f.dwCallerAddressSize, f.dwCallerAddressOffset)},
                       {TELSIM_AT(LINEFORWARD, dwDestAddressSize),
                        text_at(buf.data(), total, f.dwDestAddressSize, f.dwDestAddressOffset)}});
    }
  }
  Overrides ov;
  if (!entries.empty())
    ov.placed[TELSIM_AT(LINEADDRESSSTATUS, dwForwardSize)] = [entries, texts, out_entry](DWORD at, Conv conv) {
      return nested_list(entries, out_entry, texts, at, conv);
    };
  else
    ov.bytes[TELSIM_AT(LINEADDRESSSTATUS, dwForwardSize)] = {};
  return pack(address_status_shape(), buf.data(), total, sizeof(LINEADDRESSSTATUS), status, sizeof(LINEADDRESSSTATUS),
              ansi ? Conv::WideToAnsi : Conv::None, &ov);
}

LONG get_id(DWORD hline, DWORD address, DWORD hcall, DWORD select, LPVARSTRING out, const WideArg& device_class,
            bool ansi) {
  Locked lk;
  Device* d = nullptr;
  LineOpen* l = nullptr;
  TapiCall* c = nullptr;
  switch (select) {
    case LINECALLSELECT_LINE:
    case LINECALLSELECT_ADDRESS:
      if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
      if (select == LINECALLSELECT_ADDRESS && address >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
      break;
    case LINECALLSELECT_CALL: {
      CallHandle* h;
      if (LONG rc = usable_call(hcall, false, h, c, d, l); rc != 0) return rc;
      break;
    }
    default:
      return err(LINEERR_INVALCALLSELECT);
  }
  if (!out || device_class.null) return err(LINEERR_INVALPOINTER);
  if (out->dwTotalSize < sizeof(VARSTRING)) return err(LINEERR_STRUCTURETOOSMALL);
  if (device_class.text.empty()) return err(LINEERR_INVALDEVICECLASS);
  std::wstring cls = device_class.text;
  for (wchar_t& ch : cls) ch = static_cast<wchar_t>(std::towlower(ch));
  std::vector<BYTE> buf;
  if (cls == L"tapi/line") {
    // TAPI's own: the device ID.
    buf.assign(sizeof(VARSTRING) + sizeof(DWORD), 0);
    auto* v = reinterpret_cast<VARSTRING*>(buf.data());
    v->dwTotalSize = v->dwNeededSize = v->dwUsedSize = static_cast<DWORD>(buf.size());
    v->dwStringFormat = STRINGFORMAT_BINARY;
    v->dwStringSize = sizeof(DWORD);
    v->dwStringOffset = sizeof(VARSTRING);
    std::memcpy(buf.data() + sizeof(VARSTRING), &d->id, sizeof(DWORD));
  } else {
    if (!d->provider->TSPI_lineGetID) return err(LINEERR_INVALDEVICECLASS);
    if (LONG rc = query(buf, sizeof(VARSTRING),
                        [&](BYTE* b) {
                          return d->provider->TSPI_lineGetID(d->hd, address, c ? c->hd : nullptr, select,
                                                             reinterpret_cast<VARSTRING*>(b), cls.c_str(),
                                                             GetCurrentProcess());
                        });
        rc != 0)
      return rc;
  }
  const auto* v = reinterpret_cast<const VARSTRING*>(buf.data());
  const Conv conv = ansi && v->dwStringFormat == STRINGFORMAT_UNICODE ? Conv::WideToAnsi : Conv::None;
  return pack(varstring_shape(), buf.data(), static_cast<DWORD>(buf.size()), sizeof(VARSTRING), out, sizeof(VARSTRING),
              conv);
}

LONG get_address_id(DWORD hline, LPDWORD id, DWORD mode, const void* address, DWORD size, bool ansi) {
  Locked lk;
  LineOpen* l;
  Device* d;
  if (LONG rc = usable_line(hline, l, d); rc != 0) return rc;
  if (!id || !address) return err(LINEERR_INVALPOINTER);
  if (mode != LINEADDRESSMODE_DIALABLEADDR) return err(LINEERR_INVALADDRESSMODE);
  if (!d->provider->TSPI_lineGetAddressID) {
    if (d->num_addresses != 1) return err(LINEERR_OPERATIONUNAVAIL);
    *id = 0;
    return 0L;
  }
  std::wstring w;
  if (ansi) {
    const auto* a = static_cast<const char*>(address);
    w = wide(std::string(a, strnlen(a, size)).c_str());
  } else {
    const auto* p = static_cast<const wchar_t*>(address);
    w.assign(p, wcsnlen(p, size / sizeof(wchar_t)));
  }
  return d->provider->TSPI_lineGetAddressID(d->hd, id, mode, w.c_str(), static_cast<DWORD>((w.size() + 1) * sizeof(wchar_t)));
}

LONG get_icon(DWORD device_id, const WideArg& device_class, LPHICON icon) {
  Locked lk;
  if (!icon) return err(LINEERR_INVALPOINTER);
  Device* d = Service::get().device(device_id);
  if (!d) return err(LINEERR_BADDEVICEID);
  if (!device_class.null && !device_class.text.empty() && d->provider->TSPI_lineGetIcon) {
    HICON h = nullptr;
    if (d->provider->TSPI_lineGetIcon(device_id, device_class.get(), &h) == 0 && h) {
      *icon = h;
      return 0L;
    }
  } else if (d->provider->TSPI_lineGetIcon) {
    HICON h = nullptr;
    if (d->provider->TSPI_lineGetIcon(device_id, L"tapi/line", &h) == 0 && h) {
      *icon = h;
      return 0L;
    }
  }
  // TAPI's default line icon.
  *icon = LoadIconW(nullptr, reinterpret_cast<LPCWSTR>(IDI_APPLICATION));
  return 0L;
}

}  // namespace

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineGetLineDevStatusA(HLINE hLine, LPLINEDEVSTATUS lpLineDevStatus) {
  return guarded(__func__, [&] { return get_dev_status(hLine, lpLineDevStatus, true); });
}
LONG WINAPI lineGetLineDevStatusW(HLINE hLine, LPLINEDEVSTATUS lpLineDevStatus) {
  return guarded(__func__, [&] { return get_dev_status(hLine, lpLineDevStatus, false); });
}

LONG WINAPI lineGetAddressStatusA(HLINE hLine, DWORD dwAddressID, LPLINEADDRESSSTATUS lpAddressStatus) {
  return guarded(__func__, [&] { return get_address_status(hLine, dwAddressID, lpAddressStatus, true); });
}
LONG WINAPI lineGetAddressStatusW(HLINE hLine, DWORD dwAddressID, LPLINEADDRESSSTATUS lpAddressStatus) {
  return guarded(__func__, [&] { return get_address_status(hLine, dwAddressID, lpAddressStatus, false); });
}

LONG WINAPI lineGetIDA(HLINE hLine, DWORD dwAddressID, HCALL hCall, DWORD dwSelect, LPVARSTRING lpDeviceID,
                       LPCSTR lpszDeviceClass) {
  return guarded(__func__, [&] {
    return get_id(hLine, dwAddressID, hCall, dwSelect, lpDeviceID, WideArg(lpszDeviceClass), true);
  });
}
LONG WINAPI lineGetIDW(HLINE hLine, DWORD dwAddressID, HCALL hCall, DWORD dwSelect, LPVARSTRING lpDeviceID,
                       LPCWSTR lpszDeviceClass) {
  return guarded(__func__, [&] {
    return get_id(hLine, dwAddressID, hCall, dwSelect, lpDeviceID, WideArg(lpszDeviceClass), false);
  });
}

LONG WINAPI lineGetAddressIDA(HLINE hLine, LPDWORD lpdwAddressID, DWORD dwAddressMode, LPCSTR lpsAddress, DWORD dwSize) {
  return guarded(__func__, [&] { return get_address_id(hLine, lpdwAddressID, dwAddressMode, lpsAddress, dwSize, true); });
}
LONG WINAPI lineGetAddressIDW(HLINE hLine, LPDWORD lpdwAddressID, DWORD dwAddressMode, LPCWSTR lpsAddress, DWORD dwSize) {
  return guarded(__func__, [&] { return get_address_id(hLine, lpdwAddressID, dwAddressMode, lpsAddress, dwSize, false); });
}

LONG WINAPI lineGetIconA(DWORD dwDeviceID, LPCSTR lpszDeviceClass, LPHICON lphIcon) {
  return guarded(__func__, [&] { return get_icon(dwDeviceID, WideArg(lpszDeviceClass), lphIcon); });
}
LONG WINAPI lineGetIconW(DWORD dwDeviceID, LPCWSTR lpszDeviceClass, LPHICON lphIcon) {
  return guarded(__func__, [&] { return get_icon(dwDeviceID, WideArg(lpszDeviceClass), lphIcon); });
}

LONG WINAPI lineSetNumRings(HLINE hLine, DWORD dwAddressID, DWORD dwNumRings) {
  return guarded(__func__, [&] {
    Locked lk;
    LineOpen* l;
    Device* d;
    if (LONG rc = usable_line(hLine, l, d); rc != 0) return rc;
    if (dwAddressID >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
    l->rings[dwAddressID] = dwNumRings;
    return 0L;
  });
}

LONG WINAPI lineGetNumRings(HLINE hLine, DWORD dwAddressID, LPDWORD lpdwNumRings) {
  return guarded(__func__, [&] {
    Service& s = Service::get();
    Locked lk;
    LineOpen* l;
    Device* d;
    if (LONG rc = usable_line(hLine, l, d); rc != 0) return rc;
    if (dwAddressID >= d->num_addresses) return err(LINEERR_INVALADDRESSID);
    if (!lpdwNumRings) return err(LINEERR_INVALPOINTER);
    // The fewest rings any application of the line asked for; 0xFFFFFFFF when none did.
    DWORD rings = 0xFFFFFFFF;
    for (DWORD lh : d->opens)
      if (LineOpen* o = s.line(lh))
        if (auto it = o->rings.find(dwAddressID); it != o->rings.end()) rings = std::min(rings, it->second);
    *lpdwNumRings = rings;
    return 0L;
  });
}

LONG WINAPI lineSetMediaMode(HCALL hCall, DWORD dwMediaModes) {
  return guarded(__func__, [&] {
    Locked lk;
    CallHandle* h;
    TapiCall* c;
    Device* d;
    LineOpen* l;
    if (LONG rc = usable_call(hCall, true, h, c, d, l); rc != 0) return rc;
    if (dwMediaModes == 0) return err(LINEERR_INVALMEDIAMODE);
    if (!d->provider->TSPI_lineSetMediaMode) return err(LINEERR_OPERATIONUNAVAIL);
    const LONG rc = d->provider->TSPI_lineSetMediaMode(c->hd, dwMediaModes);
    if (rc == 0) c->media_mode = dwMediaModes;
    return rc;
  });
}

}  // extern "C"
