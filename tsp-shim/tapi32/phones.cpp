// Phones. The providers telsim knows have none (telsim.tsp enumerates no phone devices), so an
// application can register (phoneInitialize, phoneInitializeEx with its notification mechanism,
// phoneGetMessage, phoneShutdown) and is told it has 0 phones; every device ID is then
// PHONEERR_BADDEVICEID and, as no phone can be open, every phone handle PHONEERR_INVALPHONEHANDLE.
#include "api.hpp"

namespace telsim::tapi32 {

namespace {

/// A LINEERR_* of the shared application code as the PHONEERR_* a phone function returns.
LONG as_phone(LONG rc) {
  switch (static_cast<DWORD>(rc)) {
    case 0: return 0;
    case LINEERR_INVALAPPHANDLE: return err(PHONEERR_INVALAPPHANDLE);
    case LINEERR_INVALPOINTER: return err(PHONEERR_INVALPOINTER);
    case LINEERR_STRUCTURETOOSMALL: return err(PHONEERR_STRUCTURETOOSMALL);
    case LINEERR_INVALPARAM: return err(PHONEERR_INVALPARAM);
    case LINEERR_INCOMPATIBLEAPIVERSION: return err(PHONEERR_INCOMPATIBLEAPIVERSION);
    case LINEERR_NOMEM: return err(PHONEERR_NOMEM);
    default: return err(PHONEERR_OPERATIONFAILED);
  }
}

LONG no_phone(HPHONE) { return err(PHONEERR_INVALPHONEHANDLE); }

/// A phone application and a device ID: the application is checked, then no device exists.
LONG no_device(HPHONEAPP app) {
  Locked lk;
  App* a = Service::get().app(app);
  if (!a || !a->phone) return err(PHONEERR_INVALAPPHANDLE);
  return err(PHONEERR_BADDEVICEID);
}

}  // namespace

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI phoneInitialize(LPHPHONEAPP lphPhoneApp, HINSTANCE hInstance, PHONECALLBACK lpfnCallback, LPCSTR lpszAppName,
                            LPDWORD lpdwNumDevs) {
  return guarded(__func__, [&] {
    const std::wstring name = wide(lpszAppName);
    return as_phone(initialize(lphPhoneApp, hInstance, lpfnCallback, &name, lpdwNumDevs, nullptr, nullptr, false, false, true));
  });
}
LONG WINAPI phoneInitializeExA(LPHPHONEAPP lphPhoneApp, HINSTANCE hInstance, PHONECALLBACK lpfnCallback,
                               LPCSTR lpszFriendlyAppName, LPDWORD lpdwNumDevs, LPDWORD lpdwAPIVersion,
                               LPPHONEINITIALIZEEXPARAMS lpPhoneInitializeExParams) {
  return guarded(__func__, [&] {
    const std::wstring name = wide(lpszFriendlyAppName);
    // PHONEINITIALIZEEXPARAMS is LINEINITIALIZEEXPARAMS by another name (same members, same options).
    return as_phone(initialize(lphPhoneApp, hInstance, lpfnCallback, &name, lpdwNumDevs, lpdwAPIVersion,
                               reinterpret_cast<LPLINEINITIALIZEEXPARAMS>(lpPhoneInitializeExParams), false, true, true));
  });
}
LONG WINAPI phoneInitializeExW(LPHPHONEAPP lphPhoneApp, HINSTANCE hInstance, PHONECALLBACK lpfnCallback,
                               LPCWSTR lpszFriendlyAppName, LPDWORD lpdwNumDevs, LPDWORD lpdwAPIVersion,
                               LPPHONEINITIALIZEEXPARAMS lpPhoneInitializeExParams) {
  return guarded(__func__, [&] {
    const std::wstring name = lpszFriendlyAppName ? lpszFriendlyAppName : L"";
    return as_phone(initialize(lphPhoneApp, hInstance, lpfnCallback, &name, lpdwNumDevs, lpdwAPIVersion,
                               reinterpret_cast<LPLINEINITIALIZEEXPARAMS>(lpPhoneInitializeExParams), true, true, true));
  });
}
LONG WINAPI phoneShutdown(HPHONEAPP hPhoneApp) {
  return guarded(__func__, [&] { return shutdown_app(hPhoneApp, true); });
}
LONG WINAPI phoneGetMessage(HPHONEAPP hPhoneApp, LPPHONEMESSAGE lpMessage, DWORD dwTimeout) {
  return guarded(__func__, [&] {
    return as_phone(get_message(hPhoneApp, reinterpret_cast<LPLINEMESSAGE>(lpMessage), dwTimeout, true));
  });
}
LONG WINAPI phoneNegotiateAPIVersion(HPHONEAPP hPhoneApp, DWORD, DWORD, DWORD, LPDWORD, LPPHONEEXTENSIONID) {
  return guarded(__func__, [&] { return no_device(hPhoneApp); });
}
LONG WINAPI phoneNegotiateExtVersion(HPHONEAPP hPhoneApp, DWORD, DWORD, DWORD, DWORD, LPDWORD) {
  return guarded(__func__, [&] { return no_device(hPhoneApp); });
}
LONG WINAPI phoneOpen(HPHONEAPP hPhoneApp, DWORD, LPHPHONE, DWORD, DWORD, DWORD_PTR, DWORD) {
  return guarded(__func__, [&] { return no_device(hPhoneApp); });
}
LONG WINAPI phoneGetDevCapsA(HPHONEAPP hPhoneApp, DWORD, DWORD, DWORD, LPPHONECAPS) {
  return guarded(__func__, [&] { return no_device(hPhoneApp); });
}
LONG WINAPI phoneGetDevCapsW(HPHONEAPP hPhoneApp, DWORD, DWORD, DWORD, LPPHONECAPS) {
  return guarded(__func__, [&] { return no_device(hPhoneApp); });
}
LONG WINAPI phoneConfigDialogA(DWORD, HWND, LPCSTR) { return err(PHONEERR_BADDEVICEID); }
LONG WINAPI phoneConfigDialogW(DWORD, HWND, LPCWSTR) { return err(PHONEERR_BADDEVICEID); }
LONG WINAPI phoneGetIconA(DWORD, LPCSTR, LPHICON) { return err(PHONEERR_BADDEVICEID); }
LONG WINAPI phoneGetIconW(DWORD, LPCWSTR, LPHICON) { return err(PHONEERR_BADDEVICEID); }

LONG WINAPI phoneClose(HPHONE hPhone) { return no_phone(hPhone); }
LONG WINAPI phoneDevSpecific(HPHONE hPhone, LPVOID, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneGetButtonInfoA(HPHONE hPhone, DWORD, LPPHONEBUTTONINFO) { return no_phone(hPhone); }
LONG WINAPI phoneGetButtonInfoW(HPHONE hPhone, DWORD, LPPHONEBUTTONINFO) { return no_phone(hPhone); }
LONG WINAPI phoneGetData(HPHONE hPhone, DWORD, LPVOID, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneGetDisplay(HPHONE hPhone, LPVARSTRING) { return no_phone(hPhone); }
LONG WINAPI phoneGetGain(HPHONE hPhone, DWORD, LPDWORD) { return no_phone(hPhone); }
LONG WINAPI phoneGetHookSwitch(HPHONE hPhone, LPDWORD) { return no_phone(hPhone); }
LONG WINAPI phoneGetIDA(HPHONE hPhone, LPVARSTRING, LPCSTR) { return no_phone(hPhone); }
LONG WINAPI phoneGetIDW(HPHONE hPhone, LPVARSTRING, LPCWSTR) { return no_phone(hPhone); }
LONG WINAPI phoneGetLamp(HPHONE hPhone, DWORD, LPDWORD) { return no_phone(hPhone); }
LONG WINAPI phoneGetRing(HPHONE hPhone, LPDWORD, LPDWORD) { return no_phone(hPhone); }
LONG WINAPI phoneGetStatusA(HPHONE hPhone, LPPHONESTATUS) { return no_phone(hPhone); }
LONG WINAPI phoneGetStatusW(HPHONE hPhone, LPPHONESTATUS) { return no_phone(hPhone); }
LONG WINAPI phoneGetStatusMessages(HPHONE hPhone, LPDWORD, LPDWORD, LPDWORD) { return no_phone(hPhone); }
LONG WINAPI phoneGetVolume(HPHONE hPhone, DWORD, LPDWORD) { return no_phone(hPhone); }
LONG WINAPI phoneSetButtonInfoA(HPHONE hPhone, DWORD, LPPHONEBUTTONINFO const) { return no_phone(hPhone); }
LONG WINAPI phoneSetButtonInfoW(HPHONE hPhone, DWORD, LPPHONEBUTTONINFO const) { return no_phone(hPhone); }
LONG WINAPI phoneSetData(HPHONE hPhone, DWORD, LPVOID const, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneSetDisplay(HPHONE hPhone, DWORD, DWORD, LPCSTR, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneSetGain(HPHONE hPhone, DWORD, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneSetHookSwitch(HPHONE hPhone, DWORD, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneSetLamp(HPHONE hPhone, DWORD, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneSetRing(HPHONE hPhone, DWORD, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneSetStatusMessages(HPHONE hPhone, DWORD, DWORD, DWORD) { return no_phone(hPhone); }
LONG WINAPI phoneSetVolume(HPHONE hPhone, DWORD, DWORD) { return no_phone(hPhone); }

}  // extern "C"
