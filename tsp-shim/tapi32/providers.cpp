// Providers and their user interface: the provider list, adding and removing providers (their
// TUISPI_providerInstall/Remove), configuration dialogs (TUISPI_*, from the provider's UI DLL),
// device configuration, and the handoff priority lists.
#include <cstring>

#include "api.hpp"
#include "registry.hpp"

namespace telsim::tapi32 {

namespace {

LONG TSPIAPI ui_callback(DWORD_PTR, DWORD, LPVOID, DWORD) {
  return 0;  // no provider here opens generic dialogs that talk back to it
}

/// The UI DLL of a provider file (TSPI_providerUIIdentify, else the provider itself), loaded.
HMODULE load_ui(const std::wstring& provider_file) {
  HMODULE tsp = LoadLibraryW(provider_file.c_str());
  if (!tsp) return nullptr;
  auto identify =
      reinterpret_cast<decltype(&::TSPI_providerUIIdentify)>(reinterpret_cast<void*>(GetProcAddress(tsp, "TSPI_providerUIIdentify")));
  wchar_t ui[MAX_PATH] = L"";
  if (identify && identify(ui) == 0 && ui[0]) {
    HMODULE m = LoadLibraryW(ui);
    FreeLibrary(tsp);
    return m;
  }
  return tsp;
}

template <typename Fn>
Fn ui_function(HMODULE m, const char* name) {
  return reinterpret_cast<Fn>(reinterpret_cast<void*>(GetProcAddress(m, name)));
}

LONG add_provider(const WideArg& file, HWND owner, LPDWORD id) {
  if (!id) return err(LINEERR_INVALPOINTER);
  if (file.null || file.text.empty()) return err(LINEERR_INVALPARAM);
  HMODULE ui = load_ui(file.text);
  if (!ui) return err(LINEERR_INVALPARAM);  // not a DLL that loads
  // The provider's own installation step may refuse (a second instance, say).
  DWORD next = 0;
  for (const ProviderEntry& e : provider_entries()) next = std::max(next, e.id);
  ++next;
  auto install = ui_function<decltype(&::TUISPI_providerInstall)>(ui, "TUISPI_providerInstall");
  LONG rc = install ? install(&ui_callback, owner, next) : 0;
  FreeLibrary(ui);
  if (rc != 0) return rc;
  // A new provider's lines appear once every application has shut down (they are enumerated
  // when the first one initialises).
  return add_provider_entry(file.text, *id);
}

LONG remove_provider(DWORD id, HWND owner) {
  std::wstring file;
  for (const ProviderEntry& e : provider_entries())
    if (e.id == id) file = e.file;
  if (file.empty()) return err(LINEERR_INVALPARAM);
  if (HMODULE ui = load_ui(file)) {
    auto remove = ui_function<decltype(&::TUISPI_providerRemove)>(ui, "TUISPI_providerRemove");
    LONG rc = remove ? remove(&ui_callback, owner, id) : 0;
    FreeLibrary(ui);
    if (rc != 0) return rc;
  }
  return remove_provider_entry(id) ? 0 : err(LINEERR_OPERATIONFAILED);
}

LONG config_provider(HWND owner, DWORD id) {
  std::wstring file;
  for (const ProviderEntry& e : provider_entries())
    if (e.id == id) file = e.file;
  if (file.empty()) return err(LINEERR_INVALPARAM);
  HMODULE ui = load_ui(file);
  if (!ui) return err(LINEERR_OPERATIONFAILED);
  auto config = ui_function<decltype(&::TUISPI_providerConfig)>(ui, "TUISPI_providerConfig");
  const LONG rc = config ? config(&ui_callback, owner, id) : err(LINEERR_OPERATIONUNAVAIL);
  FreeLibrary(ui);
  return rc;
}

/// The provider file of a device, or an error.
LONG device_provider(DWORD device_id, std::wstring& file) {
  Locked lk;
  Device* d = Service::get().device(device_id);
  if (!d) return err(LINEERR_BADDEVICEID);
  file = d->provider->file;
  return 0;
}

LONG config_dialog(DWORD device_id, HWND owner, const WideArg& cls) {
  std::wstring file;
  if (LONG rc = device_provider(device_id, file); rc != 0) return rc;
  if (!cls.null && cls.text.empty()) return err(LINEERR_INVALDEVICECLASS);
  HMODULE ui = load_ui(file);
  if (!ui) return err(LINEERR_OPERATIONFAILED);
  auto dialog = ui_function<decltype(&::TUISPI_lineConfigDialog)>(ui, "TUISPI_lineConfigDialog");
  // No lock: the dialog is modal and the application's messages keep flowing under it.
  const LONG rc = dialog ? dialog(&ui_callback, device_id, owner, cls.get()) : err(LINEERR_OPERATIONUNAVAIL);
  FreeLibrary(ui);
  return rc;
}

LONG config_dialog_edit(DWORD device_id, HWND owner, const WideArg& cls, const void* in, DWORD size, LPVARSTRING out) {
  std::wstring file;
  if (LONG rc = device_provider(device_id, file); rc != 0) return rc;
  if (!out || (size && !in)) return err(LINEERR_INVALPOINTER);
  if (out->dwTotalSize < sizeof(VARSTRING)) return err(LINEERR_STRUCTURETOOSMALL);
  HMODULE ui = load_ui(file);
  if (!ui) return err(LINEERR_OPERATIONFAILED);
  auto dialog = ui_function<decltype(&::TUISPI_lineConfigDialogEdit)>(ui, "TUISPI_lineConfigDialogEdit");
  const LONG rc = dialog ? dialog(&ui_callback, device_id, owner, cls.get(), const_cast<LPVOID>(in), size, out)
                         : err(LINEERR_OPERATIONUNAVAIL);
  FreeLibrary(ui);
  return rc;
}

LONG get_dev_config(DWORD device_id, LPVARSTRING out, const WideArg& cls) {
  Locked lk;
  Device* d = Service::get().device(device_id);
  if (!d) return err(LINEERR_BADDEVICEID);
  if (!out || cls.null) return err(LINEERR_INVALPOINTER);
  if (out->dwTotalSize < sizeof(VARSTRING)) return err(LINEERR_STRUCTURETOOSMALL);
  if (cls.text.empty()) return err(LINEERR_INVALDEVICECLASS);
  if (!d->provider->TSPI_lineGetDevConfig) return err(LINEERR_OPERATIONUNAVAIL);
  std::vector<BYTE> buf;
  if (LONG rc = query(buf, sizeof(VARSTRING),
                      [&](BYTE* b) { return d->provider->TSPI_lineGetDevConfig(device_id, reinterpret_cast<VARSTRING*>(b), cls.get()); });
      rc != 0)
    return rc;
  return pack(varstring_shape(), buf.data(), static_cast<DWORD>(buf.size()), sizeof(VARSTRING), out, sizeof(VARSTRING),
              Conv::None);
}

LONG set_dev_config(DWORD device_id, const void* config, DWORD size, const WideArg& cls) {
  Locked lk;
  Device* d = Service::get().device(device_id);
  if (!d) return err(LINEERR_BADDEVICEID);
  if (!config || cls.null) return err(LINEERR_INVALPOINTER);
  if (cls.text.empty()) return err(LINEERR_INVALDEVICECLASS);
  if (!d->provider->TSPI_lineSetDevConfig) return err(LINEERR_OPERATIONUNAVAIL);
  return d->provider->TSPI_lineSetDevConfig(device_id, const_cast<LPVOID>(config), size, cls.get());
}

LONG provider_list(DWORD version, LPLINEPROVIDERLIST out, bool ansi) {
  if (!version_ok(version)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  if (!out) return err(LINEERR_INVALPOINTER);
  if (out->dwTotalSize < sizeof(LINEPROVIDERLIST)) return err(LINEERR_STRUCTURETOOSMALL);
  const std::vector<ProviderEntry> entries = provider_entries();
  std::vector<BYTE> src(sizeof(LINEPROVIDERLIST), 0);
  auto* l = reinterpret_cast<LINEPROVIDERLIST*>(src.data());
  l->dwTotalSize = static_cast<DWORD>(src.size());
  l->dwNumProviders = static_cast<DWORD>(entries.size());
  Overrides ov;
  // Each entry names its file by offset from the structure's start.
  ov.placed[TELSIM_AT(LINEPROVIDERLIST, dwProviderListSize)] = [entries](DWORD at, Conv conv) {
    std::vector<BYTE> out_bytes(entries.size() * sizeof(LINEPROVIDERENTRY), 0);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      LINEPROVIDERENTRY e{};
      e.dwPermanentProviderID = entries[i].id;
      std::vector<BYTE> name;
      if (conv == Conv::WideToAnsi) {
        const std::string a = telsim::tapi32::ansi(entries[i].file);
        name.assign(a.c_str(), a.c_str() + a.size() + 1);
      } else {
        const auto* p = reinterpret_cast<const BYTE*>(entries[i].file.c_str());
        name.assign(p, p + (entries[i].file.size() + 1) * sizeof(wchar_t));
      }
      e.dwProviderFilenameSize = static_cast<DWORD>(name.size());
      e.dwProviderFilenameOffset = at + static_cast<DWORD>(out_bytes.size());
      std::memcpy(out_bytes.data() + i * sizeof e, &e, sizeof e);
      out_bytes.insert(out_bytes.end(), name.begin(), name.end());
    }
    return out_bytes;
  };
  return pack(provider_list_shape(), src.data(), static_cast<DWORD>(src.size()), sizeof(LINEPROVIDERLIST), out,
              sizeof(LINEPROVIDERLIST), ansi ? Conv::WideToAnsi : Conv::None, &ov);
}

/// The priority list's key: the media mode, or the request mode for media mode 0.
LONG priority_mode(DWORD media, DWORD request, DWORD& mode) {
  if (media == 0) {
    if (request != LINEREQUESTMODE_MAKECALL && request != LINEREQUESTMODE_MEDIACALL) return err(LINEERR_INVALREQUESTMODE);
    mode = request == LINEREQUESTMODE_MAKECALL ? 0 : 0xFFFFFFFF;
    return 0;
  }
  if (media & (media - 1) || media_mode_name(media).empty()) return err(LINEERR_INVALMEDIAMODE);
  mode = media;
  return 0;
}

LONG get_app_priority(const WideArg& app, DWORD media, DWORD request, LPVARSTRING ext_name, LPDWORD priority) {
  if (app.null || app.text.empty()) return err(LINEERR_INVALAPPNAME);
  if (!priority) return err(LINEERR_INVALPOINTER);
  DWORD mode = 0;
  if (LONG rc = priority_mode(media, request, mode); rc != 0) return rc;
  if (ext_name) {
    if (ext_name->dwTotalSize < sizeof(VARSTRING)) return err(LINEERR_STRUCTURETOOSMALL);
    const DWORD total = ext_name->dwTotalSize;
    std::memset(ext_name, 0, sizeof(VARSTRING));
    ext_name->dwTotalSize = total;
    ext_name->dwNeededSize = ext_name->dwUsedSize = sizeof(VARSTRING);
    ext_name->dwStringFormat = STRINGFORMAT_ASCII;
  }
  std::wstring name = app.text.substr(app.text.find_last_of(L"\\/") + 1);
  *priority = 0;
  if (mode == 0xFFFFFFFF) return 0L;  // LINEREQUESTMODE_MEDIACALL: never anyone (TAPI 2 dropped it)
  const std::vector<std::wstring> list = handoff_priorities(mode);
  for (std::size_t i = 0; i < list.size(); ++i)
    if (_wcsicmp(list[i].c_str(), name.c_str()) == 0) *priority = static_cast<DWORD>(i + 1);
  return 0L;
}

LONG set_app_priority(const WideArg& app, DWORD media, DWORD request, DWORD priority) {
  if (app.null || app.text.empty()) return err(LINEERR_INVALAPPNAME);
  DWORD mode = 0;
  if (LONG rc = priority_mode(media, request, mode); rc != 0) return rc;
  if (mode == 0xFFFFFFFF) return err(LINEERR_INVALREQUESTMODE);
  const std::wstring name = app.text.substr(app.text.find_last_of(L"\\/") + 1);
  return set_handoff_priority(mode, name, priority) ? 0 : err(LINEERR_OPERATIONFAILED);
}

}  // namespace

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineAddProviderA(LPCSTR lpszProviderFilename, HWND hwndOwner, LPDWORD lpdwPermanentProviderID) {
  return guarded(__func__, [&] { return add_provider(WideArg(lpszProviderFilename), hwndOwner, lpdwPermanentProviderID); });
}
LONG WINAPI lineAddProviderW(LPCWSTR lpszProviderFilename, HWND hwndOwner, LPDWORD lpdwPermanentProviderID) {
  return guarded(__func__, [&] { return add_provider(WideArg(lpszProviderFilename), hwndOwner, lpdwPermanentProviderID); });
}
LONG WINAPI lineRemoveProvider(DWORD dwPermanentProviderID, HWND hwndOwner) {
  return guarded(__func__, [&] { return remove_provider(dwPermanentProviderID, hwndOwner); });
}
LONG WINAPI lineConfigProvider(HWND hwndOwner, DWORD dwPermanentProviderID) {
  return guarded(__func__, [&] { return config_provider(hwndOwner, dwPermanentProviderID); });
}

LONG WINAPI lineGetProviderListA(DWORD dwAPIVersion, LPLINEPROVIDERLIST lpProviderList) {
  return guarded(__func__, [&] { return provider_list(dwAPIVersion, lpProviderList, true); });
}
LONG WINAPI lineGetProviderListW(DWORD dwAPIVersion, LPLINEPROVIDERLIST lpProviderList) {
  return guarded(__func__, [&] { return provider_list(dwAPIVersion, lpProviderList, false); });
}

LONG WINAPI lineConfigDialogA(DWORD dwDeviceID, HWND hwndOwner, LPCSTR lpszDeviceClass) {
  return guarded(__func__, [&] { return config_dialog(dwDeviceID, hwndOwner, WideArg(lpszDeviceClass)); });
}
LONG WINAPI lineConfigDialogW(DWORD dwDeviceID, HWND hwndOwner, LPCWSTR lpszDeviceClass) {
  return guarded(__func__, [&] { return config_dialog(dwDeviceID, hwndOwner, WideArg(lpszDeviceClass)); });
}
LONG WINAPI lineConfigDialogEditA(DWORD dwDeviceID, HWND hwndOwner, LPCSTR lpszDeviceClass, LPVOID const lpDeviceConfigIn,
                                  DWORD dwSize, LPVARSTRING lpDeviceConfigOut) {
  return guarded(__func__, [&] {
    return config_dialog_edit(dwDeviceID, hwndOwner, WideArg(lpszDeviceClass), lpDeviceConfigIn, dwSize, lpDeviceConfigOut);
  });
}
LONG WINAPI lineConfigDialogEditW(DWORD dwDeviceID, HWND hwndOwner, LPCWSTR lpszDeviceClass, LPVOID const lpDeviceConfigIn,
                                  DWORD dwSize, LPVARSTRING lpDeviceConfigOut) {
  return guarded(__func__, [&] {
    return config_dialog_edit(dwDeviceID, hwndOwner, WideArg(lpszDeviceClass), lpDeviceConfigIn, dwSize, lpDeviceConfigOut);
  });
}

LONG WINAPI lineGetDevConfigA(DWORD dwDeviceID, LPVARSTRING lpDeviceConfig, LPCSTR lpszDeviceClass) {
  return guarded(__func__, [&] { return get_dev_config(dwDeviceID, lpDeviceConfig, WideArg(lpszDeviceClass)); });
}
LONG WINAPI lineGetDevConfigW(DWORD dwDeviceID, LPVARSTRING lpDeviceConfig, LPCWSTR lpszDeviceClass) {
  return guarded(__func__, [&] { return get_dev_config(dwDeviceID, lpDeviceConfig, WideArg(lpszDeviceClass)); });
}
LONG WINAPI lineSetDevConfigA(DWORD dwDeviceID, LPVOID const lpDeviceConfig, DWORD dwSize, LPCSTR lpszDeviceClass) {
  return guarded(__func__, [&] { return set_dev_config(dwDeviceID, lpDeviceConfig, dwSize, WideArg(lpszDeviceClass)); });
}
LONG WINAPI lineSetDevConfigW(DWORD dwDeviceID, LPVOID const lpDeviceConfig, DWORD dwSize, LPCWSTR lpszDeviceClass) {
  return guarded(__func__, [&] { return set_dev_config(dwDeviceID, lpDeviceConfig, dwSize, WideArg(lpszDeviceClass)); });
}

LONG WINAPI lineGetAppPriorityA(LPCSTR lpszAppFilename, DWORD dwMediaMode, LPLINEEXTENSIONID, DWORD dwRequestMode,
                                LPVARSTRING lpExtensionName, LPDWORD lpdwPriority) {
  return guarded(__func__, [&] {
    return get_app_priority(WideArg(lpszAppFilename), dwMediaMode, dwRequestMode, lpExtensionName, lpdwPriority);
  });
}
LONG WINAPI lineGetAppPriorityW(LPCWSTR lpszAppFilename, DWORD dwMediaMode, LPLINEEXTENSIONID, DWORD dwRequestMode,
                                LPVARSTRING lpExtensionName, LPDWORD lpdwPriority) {
  return guarded(__func__, [&] {
    return get_app_priority(WideArg(lpszAppFilename), dwMediaMode, dwRequestMode, lpExtensionName, lpdwPriority);
  });
}
LONG WINAPI lineSetAppPriorityA(LPCSTR lpszAppFilename, DWORD dwMediaMode, LPLINEEXTENSIONID, DWORD dwRequestMode,
                                LPCSTR, DWORD dwPriority) {
  return guarded(__func__, [&] { return set_app_priority(WideArg(lpszAppFilename), dwMediaMode, dwRequestMode, dwPriority); });
}
LONG WINAPI lineSetAppPriorityW(LPCWSTR lpszAppFilename, DWORD dwMediaMode, LPLINEEXTENSIONID, DWORD dwRequestMode,
                                LPCWSTR, DWORD dwPriority) {
  return guarded(__func__, [&] { return set_app_priority(WideArg(lpszAppFilename), dwMediaMode, dwRequestMode, dwPriority); });
}

}  // extern "C"
