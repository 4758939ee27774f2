// The TSP's user-interface half (TUISPI_*), run in the process of whoever installs or configures
// the provider (the Telephony control panel, lineAddProvider, lineConfigDialog), not in the
// telephony service: it sees the settings, never the provider's live state.
#include <windows.h>
#include <tapi.h>
#include <tspi.h>

#include <string>

#include "settings.hpp"
#include "text.hpp"

using namespace telsim::tsp;

namespace {

constexpr const wchar_t* kTitle = L"telsim TAPI service provider";

/// The settings as a user reads them, with where to change them.
std::wstring describe_settings() {
  Settings s;
  std::string problem;
  if (!load_settings(s, problem))
    return widen("The settings are wrong: " + problem + "\n\nFix HKLM\\SOFTWARE\\telsim (see docs/tsp.md).");
  std::string text = "Server: " + s.server.text() + " (" + s.server_from + ")\n";
  text += std::string("Token: ") + (s.token.empty() ? "none" : "set") + "\n";
  text += "Log file: " + (s.log_file.empty() ? std::string("none") : narrow(s.log_file)) + "\n";
  text += "Request timeout: " + std::to_string(s.request_timeout_ms / 1000) + " s\n\n";
  text += "Change them under HKLM\\SOFTWARE\\telsim (Server, Token, LogFile, RequestTimeout), "
          "then restart the Telephony service.";
  return widen(text);
}

/// Is a provider file named like this DLL already registered with TAPI?
bool already_installed() {
  wchar_t self[MAX_PATH] = L"";
  HMODULE module = nullptr;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                     reinterpret_cast<LPCWSTR>(&describe_settings), &module);
  GetModuleFileNameW(module, self, MAX_PATH);
  std::wstring name = self;
  name = name.substr(name.find_last_of(L"\\/") + 1);
  HKEY key = nullptr;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Telephony\\Providers", 0,
                    KEY_READ, &key) != ERROR_SUCCESS)
    return false;
  DWORD count = 0, size = sizeof count;
  RegQueryValueExW(key, L"NumProviders", nullptr, nullptr, reinterpret_cast<BYTE*>(&count), &size);
  bool found = false;
  for (DWORD i = 0; i < count && !found; ++i) {
    wchar_t file[MAX_PATH] = L"";
    DWORD bytes = sizeof file - sizeof(wchar_t);
    const std::wstring value = L"ProviderFileName" + std::to_wstring(i);
    if (RegQueryValueExW(key, value.c_str(), nullptr, nullptr, reinterpret_cast<BYTE*>(file), &bytes) == ERROR_SUCCESS)
      found = lstrcmpiW(file, name.c_str()) == 0;
  }
  RegCloseKey(key);
  return found;
}

}  // namespace

LONG TSPIAPI TUISPI_providerInstall(TUISPIDLLCALLBACK, HWND, DWORD) {
  // One instance: a second would ask the same server for the same lines.
  if (already_installed()) return static_cast<LONG>(LINEERR_NOMULTIPLEINSTANCE);
  // Default settings for the administrator to edit (kept when they exist).
  HKEY key = nullptr;
  if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, L"SOFTWARE\\telsim", 0, nullptr, 0, KEY_READ | KEY_WRITE, nullptr, &key,
                      nullptr) == ERROR_SUCCESS) {
    if (RegQueryValueExW(key, L"Server", nullptr, nullptr, nullptr, nullptr) != ERROR_SUCCESS) {
      const std::wstring server = L"127.0.0.1:5070";
      RegSetValueExW(key, L"Server", 0, REG_SZ, reinterpret_cast<const BYTE*>(server.c_str()),
                     static_cast<DWORD>((server.size() + 1) * sizeof(wchar_t)));
    }
    RegCloseKey(key);
  }
  return 0;
}

LONG TSPIAPI TUISPI_providerRemove(TUISPIDLLCALLBACK, HWND, DWORD) {
  return 0;  // HKLM\SOFTWARE\telsim stays for a reinstall (docs/tsp.md says how to remove it)
}

LONG TSPIAPI TUISPI_providerConfig(TUISPIDLLCALLBACK, HWND hwndOwner, DWORD) {
  MessageBoxW(hwndOwner, describe_settings().c_str(), kTitle, MB_OK | MB_ICONINFORMATION);
  return 0;
}

LONG TSPIAPI TUISPI_lineConfigDialog(TUISPIDLLCALLBACK, DWORD dwDeviceID, HWND hwndOwner, LPCWSTR) {
  const std::wstring text = L"Line device " + std::to_wstring(dwDeviceID) +
                            L" is a line of the simulated PBX; its behaviour comes from the scenario "
                            L"telsim serve runs.\n\n" + describe_settings();
  MessageBoxW(hwndOwner, text.c_str(), kTitle, MB_OK | MB_ICONINFORMATION);
  return 0;
}
