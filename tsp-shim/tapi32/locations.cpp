// Dialling locations and address translation: the registry's Telephony\Locations (current
// location, country and area code, outside-line access, call-waiting cancel code, tone or pulse),
// its Country List (the dialling rules Wine's prefix ships), lineTranslateAddress producing
// dialable strings as Windows does ("T9,14255550100"), lineGetTranslateCaps, lineSetCurrentLocation,
// lineSetTollList, lineGetCountry, tapiGetLocationInfo and a plain lineTranslateDialog.
#include <algorithm>
#include <cstring>
#include <cwctype>

#include "api.hpp"
#include "registry.hpp"

namespace telsim::tapi32 {

namespace {

/// A dialling location. Registry: Locations\LocationN with ID, Name, AreaCode, Country (a
/// country ID of the Country List), OutsideAccess, LongDistanceAccess, DisableCallWaiting (the
/// code), TollList ("425,206"), Flags (1: tone dialling, 4: cancel call waiting).
struct Location {
  DWORD id = 0;
  std::wstring name = L"My Location", area, local_access, ld_access, cancel_cw, toll_list;
  DWORD country = 1;
  DWORD flags = 1;
};
constexpr DWORD kToneDialing = 1, kCancelCallWaiting = 4;

std::wstring locations_key() { return std::wstring(kTelephonyKey) + L"\\Locations"; }
std::wstring countries_key() { return std::wstring(kTelephonyKey) + L"\\Country List"; }

std::vector<Location> read_locations(DWORD& current) {
  std::vector<Location> out;
  const std::wstring key = locations_key();
  HKEY k = nullptr;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, key.c_str(), 0, KEY_READ, &k) == ERROR_SUCCESS) {
    wchar_t name[256];
    for (DWORD i = 0;; ++i) {
      DWORD len = 256;
      if (RegEnumKeyExW(k, i, name, &len, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) break;
      const std::wstring sub = key + L"\\" + name;
      Location l;
      l.id = reg_dword(HKEY_LOCAL_MACHINE, sub, L"ID", i);
      l.name = reg_text(HKEY_LOCAL_MACHINE, sub, L"Name", name);
      l.area = reg_text(HKEY_LOCAL_MACHINE, sub, L"AreaCode");
      l.country = reg_dword(HKEY_LOCAL_MACHINE, sub, L"Country", 1);
      l.local_access = reg_text(HKEY_LOCAL_MACHINE, sub, L"OutsideAccess");
      l.ld_access = reg_text(HKEY_LOCAL_MACHINE, sub, L"LongDistanceAccess");
      l.cancel_cw = reg_text(HKEY_LOCAL_MACHINE, sub, L"DisableCallWaiting");
      l.toll_list = reg_text(HKEY_LOCAL_MACHINE, sub, L"TollList");
      l.flags = reg_dword(HKEY_LOCAL_MACHINE, sub, L"Flags", kToneDialing);
      out.push_back(l);
    }
    RegCloseKey(k);
  }
  std::sort(out.begin(), out.end(), [](const Location& a, const Location& b) { return a.id < b.id; });
  if (out.empty()) out.push_back(Location{});  // no Locations key: one default location, ID 0
  current = reg_dword(HKEY_LOCAL_MACHINE, key, L"CurrentID", out.front().id);
  if (std::none_of(out.begin(), out.end(), [&](const Location& l) { return l.id == current; })) current = out.front().id;
  return out;
}

Location current_location() {
  DWORD current = 0;
  for (const Location& l : read_locations(current))
    if (l.id == current) return l;
  return Location{};
}

struct Country {
  DWORD id = 0, code = 0;
  std::wstring name, same_area, long_distance, international;
};

std::vector<Country> read_countries() {
  std::vector<Country> out;
  const std::wstring key = countries_key();
  HKEY k = nullptr;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, key.c_str(), 0, KEY_READ, &k) == ERROR_SUCCESS) {
    wchar_t name[64];
    for (DWORD i = 0;; ++i) {
      DWORD len = 64;
      if (RegEnumKeyExW(k, i, name, &len, nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) break;
      const std::wstring sub = key + L"\\" + name;
      Country c;
      c.id = static_cast<DWORD>(wcstoul(name, nullptr, 10));
      c.code = reg_dword(HKEY_LOCAL_MACHINE, sub, L"CountryCode", c.id);
      c.name = reg_text(HKEY_LOCAL_MACHINE, sub, L"Name");
      c.same_area = reg_text(HKEY_LOCAL_MACHINE, sub, L"SameAreaRule", L"G");
      c.long_distance = reg_text(HKEY_LOCAL_MACHINE, sub, L"LongDistanceRule", L"1FG");
      c.international = reg_text(HKEY_LOCAL_MACHINE, sub, L"InternationalRule", L"011EFG");
      if (c.id) out.push_back(c);
    }
    RegCloseKey(k);
  }
  std::sort(out.begin(), out.end(), [](const Country& a, const Country& b) { return a.id < b.id; });
  if (out.empty()) out.push_back(Country{1, 1, L"United States of America", L"G", L"1FG", L"011EFG"});
  return out;
}

Country country_of(DWORD id) {
  for (const Country& c : read_countries())
    if (c.id == id) return c;
  return Country{id, id, L"", L"G", L"1FG", L"011EFG"};
}

std::wstring digits_only(const std::wstring& s) {
  std::wstring out;
  for (wchar_t c : s)
    if (std::iswdigit(c)) out += c;
  return out;
}

/// A dialling rule with E (country code), F (area code) and G (subscriber) filled in.
std::wstring expand(const std::wstring& rule, const std::wstring& e, const std::wstring& f, const std::wstring& g) {
  std::wstring out;
  for (wchar_t c : rule) {
    if (c == L'E') out += e;
    else if (c == L'F') out += f;
    else if (c == L'G') out += g;
    else if (c != L' ') out += c;
  }
  return out;
}

struct Translation {
  std::wstring dialable, displayable;
  DWORD current_country = 0, dest_country = 0, results = 0;
};

/// "+CC (AREA) SUBSCRIBER [| subaddress] [^ name]" under the current location; other numbers pass.
LONG translate(const std::wstring& in, DWORD options, Translation& t) {
  const Location loc = current_location();
  const Country here = country_of(loc.country);
  t.current_country = here.code;
  std::wstring addr = in.substr(0, in.find_first_of(L"\r\n"));
  std::wstring first = addr.substr(0, addr.find_first_of(L"|^"));
  while (!first.empty() && first.back() == L' ') first.pop_back();
  if (first.empty() || first[0] != L'+') {
    t.dialable = t.displayable = addr;
    t.dest_country = here.code;
  } else {
    // +E (F) G
    std::size_t i = 1;
    std::wstring cc, area, sub;
    while (i < first.size() && std::iswdigit(first[i])) cc += first[i++];
    while (i < first.size() && first[i] == L' ') ++i;
    if (i < first.size() && first[i] == L'(') {
      const auto close = first.find(L')', i);
      if (close == std::wstring::npos) return err(LINEERR_INVALADDRESS);
      area = digits_only(first.substr(i + 1, close - i - 1));
      i = close + 1;
    }
    sub = digits_only(first.substr(i));
    if (cc.empty() || sub.empty()) return err(LINEERR_INVALADDRESS);
    t.results |= LINETRANSLATERESULT_CANONICAL;
    t.dest_country = static_cast<DWORD>(wcstoul(cc.c_str(), nullptr, 10));
    std::wstring number, access;
    const bool same_country = t.dest_country == here.code;
    const bool local = (same_country && area == digits_only(loc.area) && !(options & LINETRANSLATEOPTION_FORCELD)) ||
                       (same_country && (options & LINETRANSLATEOPTION_FORCELOCAL));
    if (local) {
      number = expand(here.same_area, cc, area, sub);
      access = loc.local_access;
      t.results |= LINETRANSLATERESULT_LOCAL;
    } else if (same_country) {
      number = expand(here.long_distance, cc, area, sub);
      access = loc.ld_access.empty() ? loc.local_access : loc.ld_access;
      t.results |= LINETRANSLATERESULT_LONGDISTANCE;
    } else {
      number = expand(here.international, cc, area, sub);
      access = loc.ld_access.empty() ? loc.local_access : loc.ld_access;
      t.results |= LINETRANSLATERESULT_INTERNATIONAL;
    }
    if (same_country && !loc.toll_list.empty() && sub.size() >= 3) {
      const std::wstring prefix = L"," + loc.toll_list + L",";
      t.results |= prefix.find(L"," + sub.substr(0, 3) + L",") != std::wstring::npos ? LINETRANSLATERESULT_INTOLLLIST
                                                                                      : LINETRANSLATERESULT_NOTINTOLLLIST;
    }
    t.displayable = access + number;
    std::wstring cw;
    if (((loc.flags & kCancelCallWaiting) || (options & LINETRANSLATEOPTION_CANCELCALLWAITING)) && !loc.cancel_cw.empty())
      cw = loc.cancel_cw;
    t.dialable = std::wstring(loc.flags & kToneDialing ? L"T" : L"P") + cw + access + number;
  }
  for (wchar_t c : t.dialable) {
    switch (std::towupper(c)) {
      case L'$': t.results |= LINETRANSLATERESULT_DIALBILLING; break;
      case L'@': t.results |= LINETRANSLATERESULT_DIALQUIET; break;
      case L'W': t.results |= LINETRANSLATERESULT_DIALDIALTONE; break;
      case L'?': t.results |= LINETRANSLATERESULT_DIALPROMPT; break;
      default: break;
    }
  }
  return 0;
}

/// hLineApp may be NULL (TAPI 2.0 and later) or must be an application's.
LONG app_or_null(DWORD app) {
  Locked lk;
  return app == 0 || Service::get().line_app(app) ? 0 : err(LINEERR_INVALAPPHANDLE);
}

LONG translate_address(DWORD app, DWORD device, DWORD version, const WideArg& in, DWORD card, DWORD options,
                       LPLINETRANSLATEOUTPUT out, bool ansi) {
  if (LONG rc = app_or_null(app); rc != 0) return rc;
  if (!version_ok(version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  if (app) {
    Locked lk;
    if (!Service::get().device(device)) return err(LINEERR_BADDEVICEID);
  }
  if (in.null || !out) return err(LINEERR_INVALPOINTER);
  if (out->dwTotalSize < sizeof(LINETRANSLATEOUTPUT)) return err(LINEERR_STRUCTURETOOSMALL);
  if (options & ~(LINETRANSLATEOPTION_CARDOVERRIDE | LINETRANSLATEOPTION_CANCELCALLWAITING |
                  LINETRANSLATEOPTION_FORCELOCAL | LINETRANSLATEOPTION_FORCELD))
    return err(LINEERR_INVALPARAM);
  if ((options & LINETRANSLATEOPTION_FORCELOCAL) && (options & LINETRANSLATEOPTION_FORCELD)) return err(LINEERR_INVALPARAM);
  if (options & LINETRANSLATEOPTION_CARDOVERRIDE) {
    (void)card;
    return err(LINEERR_INVALCARD);  // no calling cards here
  }
  Translation t;
  if (LONG rc = translate(in.text, options, t); rc != 0) return rc;
  std::vector<BYTE> src(sizeof(LINETRANSLATEOUTPUT), 0);
  auto* o = reinterpret_cast<LINETRANSLATEOUTPUT*>(src.data());
  o->dwTotalSize = static_cast<DWORD>(src.size());
  o->dwCurrentCountry = t.current_country;
  o->dwDestCountry = t.dest_country;
  o->dwTranslateResults = t.results;
  Overrides ov;
  ov.texts[TELSIM_AT(LINETRANSLATEOUTPUT, dwDialableStringSize)] = t.dialable;
  ov.texts[TELSIM_AT(LINETRANSLATEOUTPUT, dwDisplayableStringSize)] = t.displayable;
  return pack(translate_output_shape(), src.data(), static_cast<DWORD>(src.size()), sizeof(LINETRANSLATEOUTPUT), out,
              sizeof(LINETRANSLATEOUTPUT), ansi ? Conv::WideToAnsi : Conv::None, &ov);
}

LONG translate_caps(DWORD app, DWORD version, LPLINETRANSLATECAPS out, bool ansi) {
  if (LONG rc = app_or_null(app); rc != 0) return rc;
  if (!version_ok(version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  if (!out) return err(LINEERR_INVALPOINTER);
  if (out->dwTotalSize < sizeof(LINETRANSLATECAPS)) return err(LINEERR_STRUCTURETOOSMALL);
  DWORD current = 0;
  const std::vector<Location> locs = read_locations(current);
  std::vector<std::vector<BYTE>> entries;
  std::vector<std::vector<NestedText>> texts;
  for (const Location& l : locs) {
    LINELOCATIONENTRY e{};
    e.dwPermanentLocationID = l.id;
    e.dwCountryCode = country_of(l.country).code;
    e.dwCountryID = l.country;
    e.dwOptions = (l.flags & kToneDialing) ? 0 : LINELOCATIONOPTION_PULSEDIAL;
    std::vector<BYTE> b(sizeof e);
    std::memcpy(b.data(), &e, sizeof e);
    entries.push_back(std::move(b));
    texts.push_back({{TELSIM_AT(LINELOCATIONENTRY, dwLocationNameSize), l.name},
                     {TELSIM_AT(LINELOCATIONENTRY, dwCityCodeSize), l.area},
                     {TELSIM_AT(LINELOCATIONENTRY, dwLocalAccessCodeSize), l.local_access},
                     {TELSIM_AT(LINELOCATIONENTRY, dwLongDistanceAccessCodeSize), l.ld_access},
                     {TELSIM_AT(LINELOCATIONENTRY, dwTollPrefixListSize), l.toll_list.empty() ? L"" : L"," + l.toll_list + L","},
                     {TELSIM_AT(LINELOCATIONENTRY, dwCancelCallWaitingSize), l.cancel_cw}});
  }
  std::vector<BYTE> src(sizeof(LINETRANSLATECAPS), 0);
  auto* c = reinterpret_cast<LINETRANSLATECAPS*>(src.data());
  c->dwTotalSize = static_cast<DWORD>(src.size());
  c->dwNumLocations = static_cast<DWORD>(locs.size());
  c->dwCurrentLocationID = current;
  c->dwNumCards = 0;
  Overrides ov;
  ov.placed[TELSIM_AT(LINETRANSLATECAPS, dwLocationListSize)] = [entries, texts](DWORD at, Conv conv) {
    return nested_list(entries, sizeof(LINELOCATIONENTRY), texts, at, conv);
  };
  return pack(translate_caps_shape(), src.data(), static_cast<DWORD>(src.size()), sizeof(LINETRANSLATECAPS), out,
              sizeof(LINETRANSLATECAPS), ansi ? Conv::WideToAnsi : Conv::None, &ov);
}

LONG set_current_location(DWORD app, DWORD id) {
  Service& s = Service::get();
  {
    Locked lk;
    if (!s.line_app(app)) return err(LINEERR_INVALAPPHANDLE);
  }
  DWORD current = 0;
  const std::vector<Location> locs = read_locations(current);
  if (std::none_of(locs.begin(), locs.end(), [&](const Location& l) { return l.id == id; })) return err(LINEERR_INVALLOCATION);
  if (id != current && !reg_set_dword(HKEY_LOCAL_MACHINE, locations_key(), L"CurrentID", id)) return err(LINEERR_OPERATIONFAILED);
  // Every open line that asked hears LINEDEVSTATE_TRANSLATECHANGE.
  Locked lk;
  for (DWORD i = 0; i < s.num_devices(); ++i)
    if (Device* d = s.device(i)) s.line_state(*d, LINEDEVSTATE_TRANSLATECHANGE);
  for (DWORD i = 0; i < s.num_devices(); ++i) {
    Device* d = s.device(i);
    if (d && d->provider->TSPI_lineSetCurrentLocation) d->provider->TSPI_lineSetCurrentLocation(id);
  }
  return 0;
}

LONG set_toll_list(DWORD app, DWORD device, const WideArg& in, DWORD option) {
  {
    Locked lk;
    if (!Service::get().line_app(app)) return err(LINEERR_INVALAPPHANDLE);
    if (!Service::get().device(device)) return err(LINEERR_BADDEVICEID);
  }
  if (in.null) return err(LINEERR_INVALPOINTER);
  if (option != LINETOLLLISTOPTION_ADD && option != LINETOLLLISTOPTION_REMOVE) return err(LINEERR_INVALPARAM);
  // The prefix of a canonical number in the current location's own area: its first three digits.
  const Location loc = current_location();
  Translation t;
  if (translate(in.text, 0, t) != 0 || !(t.results & LINETRANSLATERESULT_CANONICAL) || !(t.results & LINETRANSLATERESULT_LOCAL))
    return err(LINEERR_INVALADDRESS);
  const std::wstring sub = digits_only(in.text.substr(in.text.find(L')') == std::wstring::npos ? 1 : in.text.find(L')') + 1));
  if (sub.size() < 3) return err(LINEERR_INVALADDRESS);
  const std::wstring prefix = sub.substr(0, 3);
  std::vector<std::wstring> list;
  std::wstring cur;
  for (wchar_t c : loc.toll_list + L",") {
    if (c == L',') {
      if (!cur.empty() && cur != prefix) list.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (option == LINETOLLLISTOPTION_ADD) list.push_back(prefix);
  std::wstring text;
  for (const std::wstring& p : list) text += (text.empty() ? L"" : L",") + p;
  return reg_set_text(HKEY_LOCAL_MACHINE, locations_key() + L"\\Location" + std::to_wstring(loc.id), L"TollList", text)
             ? 0
             : err(LINEERR_OPERATIONFAILED);
}

LONG get_country(DWORD id, DWORD version, LPLINECOUNTRYLIST out, bool ansi) {
  if (!version_ok(version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  if (!out) return err(LINEERR_INVALPOINTER);
  if (out->dwTotalSize < sizeof(LINECOUNTRYLIST)) return err(LINEERR_STRUCTURETOOSMALL);
  std::vector<Country> all = read_countries();
  std::vector<Country> chosen;
  for (const Country& c : all)
    if (id == 0 || c.id == id) chosen.push_back(c);
  if (chosen.empty()) return err(LINEERR_INVALCOUNTRYCODE);
  std::vector<std::vector<BYTE>> entries;
  std::vector<std::vector<NestedText>> texts;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    LINECOUNTRYENTRY e{};
    e.dwCountryID = chosen[i].id;
    e.dwCountryCode = chosen[i].code;
    // The next country of the whole list (0 after the last), also when only one is asked for.
    for (std::size_t k = 0; k < all.size(); ++k)
      if (all[k].id == chosen[i].id) e.dwNextCountryID = k + 1 < all.size() ? all[k + 1].id : 0;
    std::vector<BYTE> b(sizeof e);
    std::memcpy(b.data(), &e, sizeof e);
    entries.push_back(std::move(b));
    texts.push_back({{TELSIM_AT(LINECOUNTRYENTRY, dwCountryNameSize), chosen[i].name},
                     {TELSIM_AT(LINECOUNTRYENTRY, dwSameAreaRuleSize), chosen[i].same_area},
                     {TELSIM_AT(LINECOUNTRYENTRY, dwLongDistanceRuleSize), chosen[i].long_distance},
                     {TELSIM_AT(LINECOUNTRYENTRY, dwInternationalRuleSize), chosen[i].international}});
  }
  std::vector<BYTE> src(sizeof(LINECOUNTRYLIST), 0);
  auto* l = reinterpret_cast<LINECOUNTRYLIST*>(src.data());
  l->dwTotalSize = static_cast<DWORD>(src.size());
  l->dwNumCountries = static_cast<DWORD>(chosen.size());
  Overrides ov;
  ov.placed[TELSIM_AT(LINECOUNTRYLIST, dwCountryListSize)] = [entries, texts](DWORD at, Conv conv) {
    return nested_list(entries, sizeof(LINECOUNTRYENTRY), texts, at, conv);
  };
  return pack(country_list_shape(), src.data(), static_cast<DWORD>(src.size()), sizeof(LINECOUNTRYLIST), out,
              sizeof(LINECOUNTRYLIST), ansi ? Conv::WideToAnsi : Conv::None, &ov);
}

LONG translate_dialog(DWORD app, DWORD device, DWORD version, HWND owner, const WideArg& in) {
  {
    Locked lk;
    if (!Service::get().line_app(app)) return err(LINEERR_INVALAPPHANDLE);
    if (!Service::get().device(device)) return err(LINEERR_BADDEVICEID);
  }
  if (!version_ok(version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  static LONG open = 0;
  if (InterlockedCompareExchange(&open, 1, 0) != 0) return err(LINEERR_INUSE);
  const Location loc = current_location();
  std::wstring text = L"Dialling from: " + loc.name + L"\nCountry: " + country_of(loc.country).name +
                      L", area code: " + (loc.area.empty() ? L"(none)" : loc.area) + L"\nOutside line: " +
                      (loc.local_access.empty() ? L"(none)" : loc.local_access) + L", long distance: " +
                      (loc.ld_access.empty() ? L"(none)" : loc.ld_access) + L"\n" +
                      ((loc.flags & kToneDialing) ? L"Tone dialling" : L"Pulse dialling");
  if (!in.null && !in.text.empty()) {
    Translation t;
    if (translate(in.text, 0, t) == 0) text += L"\n\n" + in.text + L" dials as " + t.dialable;
  }
  text += L"\n\nThe locations are kept under HKLM\\" + locations_key() + L" (see docs/wine.md).";
  MessageBoxW(owner, text.c_str(), L"Dialing Properties", MB_OK | MB_ICONINFORMATION);
  InterlockedExchange(&open, 0);
  return 0;
}

template <typename Char>
LONG location_info(Char* country, Char* city) {
  if (!country || !city) return TAPIERR_REQUESTFAILED;
  const Location loc = current_location();
  const std::wstring cc = std::to_wstring(country_of(loc.country).code);
  const std::wstring area = loc.area.substr(0, 7);
  if constexpr (sizeof(Char) == 1) {
    lstrcpynA(reinterpret_cast<char*>(country), ansi(cc).c_str(), 8);
    lstrcpynA(reinterpret_cast<char*>(city), ansi(area).c_str(), 8);
  } else {
    lstrcpynW(reinterpret_cast<wchar_t*>(country), cc.c_str(), 8);
    lstrcpynW(reinterpret_cast<wchar_t*>(city), area.c_str(), 8);
  }
  return 0;
}

}  // namespace

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineTranslateAddressA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion, LPCSTR lpszAddressIn,
                                  DWORD dwCard, DWORD dwTranslateOptions, LPLINETRANSLATEOUTPUT lpTranslateOutput) {
  return guarded(__func__, [&] {
    return translate_address(hLineApp, dwDeviceID, dwAPIVersion, WideArg(lpszAddressIn), dwCard, dwTranslateOptions,
                             lpTranslateOutput, true);
  });
}
LONG WINAPI lineTranslateAddressW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion, LPCWSTR lpszAddressIn,
                                  DWORD dwCard, DWORD dwTranslateOptions, LPLINETRANSLATEOUTPUT lpTranslateOutput) {
  return guarded(__func__, [&] {
    return translate_address(hLineApp, dwDeviceID, dwAPIVersion, WideArg(lpszAddressIn), dwCard, dwTranslateOptions,
                             lpTranslateOutput, false);
  });
}

LONG WINAPI lineGetTranslateCapsA(HLINEAPP hLineApp, DWORD dwAPIVersion, LPLINETRANSLATECAPS lpTranslateCaps) {
  return guarded(__func__, [&] { return translate_caps(hLineApp, dwAPIVersion, lpTranslateCaps, true); });
}
LONG WINAPI lineGetTranslateCapsW(HLINEAPP hLineApp, DWORD dwAPIVersion, LPLINETRANSLATECAPS lpTranslateCaps) {
  return guarded(__func__, [&] { return translate_caps(hLineApp, dwAPIVersion, lpTranslateCaps, false); });
}

LONG WINAPI lineSetCurrentLocation(HLINEAPP hLineApp, DWORD dwLocation) {
  return guarded(__func__, [&] { return set_current_location(hLineApp, dwLocation); });
}

LONG WINAPI lineSetTollListA(HLINEAPP hLineApp, DWORD dwDeviceID, LPCSTR lpszAddressIn, DWORD dwTollListOption) {
  return guarded(__func__, [&] { return set_toll_list(hLineApp, dwDeviceID, WideArg(lpszAddressIn), dwTollListOption); });
}
LONG WINAPI lineSetTollListW(HLINEAPP hLineApp, DWORD dwDeviceID, LPCWSTR lpszAddressInW, DWORD dwTollListOption) {
  return guarded(__func__, [&] { return set_toll_list(hLineApp, dwDeviceID, WideArg(lpszAddressInW), dwTollListOption); });
}

LONG WINAPI lineGetCountryA(DWORD dwCountryID, DWORD dwAPIVersion, LPLINECOUNTRYLIST lpLineCountryList) {
  return guarded(__func__, [&] { return get_country(dwCountryID, dwAPIVersion, lpLineCountryList, true); });
}
LONG WINAPI lineGetCountryW(DWORD dwCountryID, DWORD dwAPIVersion, LPLINECOUNTRYLIST lpLineCountryList) {
  return guarded(__func__, [&] { return get_country(dwCountryID, dwAPIVersion, lpLineCountryList, false); });
}

LONG WINAPI lineTranslateDialogA(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion, HWND hwndOwner,
                                 LPCSTR lpszAddressIn) {
  return guarded(__func__, [&] { return translate_dialog(hLineApp, dwDeviceID, dwAPIVersion, hwndOwner, WideArg(lpszAddressIn)); });
}
LONG WINAPI lineTranslateDialogW(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion, HWND hwndOwner,
                                 LPCWSTR lpszAddressIn) {
  return guarded(__func__, [&] { return translate_dialog(hLineApp, dwDeviceID, dwAPIVersion, hwndOwner, WideArg(lpszAddressIn)); });
}

LONG WINAPI tapiGetLocationInfoA(LPSTR lpszCountryCode, LPSTR lpszCityCode) {
  return guarded(__func__, [&] { return location_info(lpszCountryCode, lpszCityCode); });
}
LONG WINAPI tapiGetLocationInfoW(LPWSTR lpszCountryCodeW, LPWSTR lpszCityCodeW) {
  return guarded(__func__, [&] { return location_info(lpszCountryCodeW, lpszCityCodeW); });
}

}  // extern "C"
