#include "registry.hpp"

#include <algorithm>
#include <cwctype>

#include <tapi.h>

namespace telsim::tapi32 {

namespace {

std::wstring providers_key() { return std::wstring(kTelephonyKey) + L"\\Providers"; }
std::wstring priorities_key() { return std::wstring(kTelephonyKey) + L"\\HandoffPriorities"; }

}  // namespace

std::wstring reg_text(HKEY root, const std::wstring& key, const wchar_t* value, const std::wstring& fallback) {
  DWORD size = 0;
  if (RegGetValueW(root, key.c_str(), value, RRF_RT_REG_SZ, nullptr, nullptr, &size) != ERROR_SUCCESS)
    return fallback;
  std::wstring s(size / sizeof(wchar_t) + 1, L'\0');
  if (RegGetValueW(root, key.c_str(), value, RRF_RT_REG_SZ, nullptr, s.data(), &size) != ERROR_SUCCESS)
    return fallback;
  s.resize(wcsnlen(s.c_str(), s.size()));
  return s;
}

DWORD reg_dword(HKEY root, const std::wstring& key, const wchar_t* value, DWORD fallback) {
  DWORD v = 0, size = sizeof v;
  if (RegGetValueW(root, key.c_str(), value, RRF_RT_REG_DWORD, nullptr, &v, &size) != ERROR_SUCCESS) return fallback;
  return v;
}

bool reg_set_text(HKEY root, const std::wstring& key, const wchar_t* value, const std::wstring& text) {
  HKEY k = nullptr;
  if (RegCreateKeyExW(root, key.c_str(), 0, nullptr, 0, KEY_SET_VALUE, nullptr, &k, nullptr) != ERROR_SUCCESS) return false;
  const LONG rc = RegSetValueExW(k, value, 0, REG_SZ, reinterpret_cast<const BYTE*>(text.c_str()),
                                 static_cast<DWORD>((text.size() + 1) * sizeof(wchar_t)));
  RegCloseKey(k);
  return rc == ERROR_SUCCESS;
}

bool reg_set_dword(HKEY root, const std::wstring& key, const wchar_t* value, DWORD v) {
  HKEY k = nullptr;
  if (RegCreateKeyExW(root, key.c_str(), 0, nullptr, 0, KEY_SET_VALUE, nullptr, &k, nullptr) != ERROR_SUCCESS) return false;
  const LONG rc = RegSetValueExW(k, value, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&v), sizeof v);
  RegCloseKey(k);
  return rc == ERROR_SUCCESS;
}

bool reg_key_exists(HKEY root, const std::wstring& key) {
  HKEY k = nullptr;
  if (RegOpenKeyExW(root, key.c_str(), 0, KEY_READ, &k) != ERROR_SUCCESS) return false;
  RegCloseKey(k);
  return true;
}

std::vector<ProviderEntry> provider_entries() {
  std::vector<ProviderEntry> out;
  const std::wstring key = providers_key();
  if (!reg_key_exists(HKEY_LOCAL_MACHINE, key)) {
    out.push_back({1, L"telsim.tsp"});
    return out;
  }
  const DWORD n = reg_dword(HKEY_LOCAL_MACHINE, key, L"NumProviders");
  for (DWORD i = 0; i < n && i < 256; ++i) {
    const std::wstring index = std::to_wstring(i);
    ProviderEntry e;
    e.file = reg_text(HKEY_LOCAL_MACHINE, key, (L"ProviderFileName" + index).c_str());
    e.id = reg_dword(HKEY_LOCAL_MACHINE, key, (L"ProviderID" + index).c_str(), i + 1);
    if (!e.file.empty()) out.push_back(e);
  }
  return out;
}

LONG add_provider_entry(const std::wstring& file, DWORD& id) {
  const std::wstring key = providers_key();
  std::vector<ProviderEntry> list = provider_entries();
  DWORD next = reg_dword(HKEY_LOCAL_MACHINE, key, L"NextProviderID", 1);
  for (const ProviderEntry& e : list) next = std::max(next, e.id + 1);
  id = next;
  list.push_back({id, file});
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::wstring index = std::to_wstring(i);
    if (!reg_set_text(HKEY_LOCAL_MACHINE, key, (L"ProviderFileName" + index).c_str(), list[i].file) ||
        !reg_set_dword(HKEY_LOCAL_MACHINE, key, (L"ProviderID" + index).c_str(), list[i].id))
      return static_cast<LONG>(LINEERR_OPERATIONFAILED);
  }
  reg_set_dword(HKEY_LOCAL_MACHINE, key, L"NumProviders", static_cast<DWORD>(list.size()));
  reg_set_dword(HKEY_LOCAL_MACHINE, key, L"NextProviderID", id + 1);
  return 0;
}

bool remove_provider_entry(DWORD id) {
  const std::wstring key = providers_key();
  std::vector<ProviderEntry> list = provider_entries();
  const auto before = list.size();
  std::erase_if(list, [&](const ProviderEntry& e) { return e.id == id; });
  if (list.size() == before) return false;
  HKEY k = nullptr;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, key.c_str(), 0, KEY_SET_VALUE, &k) == ERROR_SUCCESS) {
    for (std::size_t i = 0; i < before; ++i) {
      RegDeleteValueW(k, (L"ProviderFileName" + std::to_wstring(i)).c_str());
      RegDeleteValueW(k, (L"ProviderID" + std::to_wstring(i)).c_str());
    }
    RegCloseKey(k);
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::wstring index = std::to_wstring(i);
    reg_set_text(HKEY_LOCAL_MACHINE, key, (L"ProviderFileName" + index).c_str(), list[i].file);
    reg_set_dword(HKEY_LOCAL_MACHINE, key, (L"ProviderID" + index).c_str(), list[i].id);
  }
  reg_set_dword(HKEY_LOCAL_MACHINE, key, L"NumProviders", static_cast<DWORD>(list.size()));
  return true;
}

std::wstring media_mode_name(DWORD m) {
  switch (m) {
    case 0: return L"RequestMakeCall";
    case LINEMEDIAMODE_UNKNOWN: return L"unknown";
    case LINEMEDIAMODE_INTERACTIVEVOICE: return L"interactivevoice";
    case LINEMEDIAMODE_AUTOMATEDVOICE: return L"automatedvoice";
    case LINEMEDIAMODE_DATAMODEM: return L"datamodem";
    case LINEMEDIAMODE_G3FAX: return L"g3fax";
    case LINEMEDIAMODE_TDD: return L"tdd";
    case LINEMEDIAMODE_G4FAX: return L"g4fax";
    case LINEMEDIAMODE_DIGITALDATA: return L"digitaldata";
    case LINEMEDIAMODE_TELETEX: return L"teletex";
    case LINEMEDIAMODE_VIDEOTEX: return L"videotex";
    case LINEMEDIAMODE_TELEX: return L"telex";
    case LINEMEDIAMODE_MIXED: return L"mixed";
    case LINEMEDIAMODE_ADSI: return L"adsi";
    case LINEMEDIAMODE_VOICEVIEW: return L"voiceview";
    case LINEMEDIAMODE_VIDEO: return L"video";
    default: return L"";
  }
}

namespace {

/// `"A.EXE" "B.EXE"` (quoted, as Windows writes it) or space/comma separated names.
std::vector<std::wstring> split_names(const std::wstring& s) {
  std::vector<std::wstring> out;
  std::wstring cur;
  bool quoted = false;
  for (wchar_t c : s) {
    if (c == L'"') {
      if (quoted && !cur.empty()) out.push_back(cur);
      if (quoted) cur.clear();
      quoted = !quoted;
    } else if (!quoted && (c == L' ' || c == L',' || c == L';')) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

std::vector<std::wstring> handoff_priorities(DWORD media_mode) {
  const std::wstring name = media_mode_name(media_mode);
  if (name.empty()) return {};
  return split_names(reg_text(HKEY_LOCAL_MACHINE, priorities_key(), name.c_str()));
}

bool set_handoff_priority(DWORD media_mode, const std::wstring& module, DWORD priority) {
  const std::wstring name = media_mode_name(media_mode);
  if (name.empty()) return false;
  std::vector<std::wstring> list = handoff_priorities(media_mode);
  std::erase_if(list, [&](const std::wstring& m) { return _wcsicmp(m.c_str(), module.c_str()) == 0; });
  if (priority > 0) {
    std::wstring upper = module;
    for (wchar_t& c : upper) c = static_cast<wchar_t>(std::towupper(c));
    list.insert(list.begin() + std::min<std::size_t>(priority - 1, list.size()), upper);
  }
  std::wstring text;
  for (const std::wstring& m : list) text += L"\"" + m + L"\"";
  return reg_set_text(HKEY_LOCAL_MACHINE, priorities_key(), name.c_str(), text);
}

}  // namespace telsim::tapi32
