#pragma once
// What TAPI keeps in the registry, under HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Telephony:
//   Providers          NumProviders, NextProviderID, ProviderFileNameN, ProviderIDN
//   HandoffPriorities  one value per media mode ("interactivevoice", "datamodem", ...) and
//                      "RequestMakeCall": the applications' module names in priority order
//   Locations          CurrentID, NextID, NumEntries; LocationN keys (Name, AreaCode, Country,
//                      OutsideAccess, LongDistanceAccess, DisableCallWaiting, Flags, ID)
#include <windows.h>

#include <string>
#include <vector>

namespace telsim::tapi32 {

inline constexpr const wchar_t* kTelephonyKey = L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Telephony";

struct ProviderEntry {
  DWORD id = 0;
  std::wstring file;
};

/// The providers to load, in order. When the Providers key does not exist: telsim.tsp (ID 1).
std::vector<ProviderEntry> provider_entries();
/// Add a provider to the list (lineAddProvider): its new permanent ID.
LONG add_provider_entry(const std::wstring& file, DWORD& id);
/// Remove one (lineRemoveProvider); false if no such ID.
bool remove_provider_entry(DWORD id);

/// The handoff priority list for a media mode (one LINEMEDIAMODE_ bit) or for Assisted
/// Telephony (media mode 0): module names, highest priority first.
std::vector<std::wstring> handoff_priorities(DWORD media_mode);
/// Put `module` at `priority` (1 = highest) in the list, or remove it (0).
bool set_handoff_priority(DWORD media_mode, const std::wstring& module, DWORD priority);
/// The registry value name of a media mode's list ("interactivevoice"); empty for none.
std::wstring media_mode_name(DWORD media_mode);

/// Registry helpers.
std::wstring reg_text(HKEY root, const std::wstring& key, const wchar_t* value, const std::wstring& fallback = L"");
DWORD reg_dword(HKEY root, const std::wstring& key, const wchar_t* value, DWORD fallback = 0);
bool reg_set_text(HKEY root, const std::wstring& key, const wchar_t* value, const std::wstring& text);
bool reg_set_dword(HKEY root, const std::wstring& key, const wchar_t* value, DWORD v);
bool reg_key_exists(HKEY root, const std::wstring& key);

}  // namespace telsim::tapi32
