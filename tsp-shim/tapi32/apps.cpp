// Applications: lineInitialize(Ex), lineShutdown, the three ways messages reach them (a hidden
// window in the thread that initialised, an event handle and lineGetMessage, a completion port),
// and API version negotiation.
#include <algorithm>

#include "api.hpp"
#include "registry.hpp"
#include "structs.hpp"

namespace telsim::tapi32 {

namespace {

constexpr UINT kDeliver = WM_USER + 0x154;  ///< one message of the application's queue is due
constexpr UINT kDestroy = WM_USER + 0x155;  ///< lineShutdown from another thread
constexpr const wchar_t* kWindowClass = L"telsim.tapi32.hidden";

LRESULT CALLBACK window_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  if (msg == kDeliver) {
    Service& s = Service::get();
    Message m;
    LINECALLBACK cb = nullptr;
    {
      Locked l;
      App* a = s.app(static_cast<DWORD>(lp));
      if (a && a->window == hwnd) {
        if (a->posted > 0) --a->posted;
        if (s.take(*a, m)) cb = a->callback;
      }
    }
    // No lock held: the application may call anything, run a modal loop (which delivers the
    // next messages from inside this one) or shut down.
    if (cb) cb(m.device, m.msg, m.instance, m.p1, m.p2, m.p3);
    return 0;
  }
  if (msg == kDestroy) {
    DestroyWindow(hwnd);
    return 0;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

HWND create_hidden_window() {
  static const ATOM cls = [] {
    WNDCLASSW wc{};
    wc.lpfnWndProc = &window_proc;
    wc.hInstance = Service::module();
    wc.lpszClassName = kWindowClass;
    return RegisterClassW(&wc);
  }();
  if (!cls) return nullptr;
  return CreateWindowExW(0, kWindowClass, L"telsim tapi32", 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, Service::module(),
                         nullptr);
}

std::wstring module_name() {
  wchar_t path[MAX_PATH] = L"";
  GetModuleFileNameW(nullptr, path, MAX_PATH);
  std::wstring p = path;
  return p.substr(p.find_last_of(L"\\/") + 1);
}

bool known_version(DWORD v) { return std::find(std::begin(kApiVersions), std::end(kApiVersions), v) != std::end(kApiVersions); }

}  // namespace

// --- the queue ----------------------------------------------------------------------------------

void Service::post(App& a, const Message& m) {
  if (a.closing) return;
  a.queue.push_back(m);
  release(a);
}

void Service::release(App& a) {
  std::size_t ready = 0;
  while (ready < a.queue.size() && a.queue[ready].held_by == 0) ++ready;
  switch (a.notify) {
    case Notify::HiddenWindow:
      a.released = ready;
      while (a.posted < a.released) {
        if (!PostMessageW(a.window, kDeliver, 0, static_cast<LPARAM>(a.handle))) break;
        ++a.posted;
      }
      break;
    case Notify::Event:
      a.released = ready;
      if (ready) SetEvent(a.event);
      WakeAllConditionVariable(&changed_);
      break;
    case Notify::CompletionPort:
      for (std::size_t i = 0; i < ready; ++i) {
        const Message& m = a.queue.front();
        auto* lm = static_cast<LINEMESSAGE*>(LocalAlloc(LPTR, sizeof(LINEMESSAGE)));
        if (lm) {
          lm->hDevice = m.device;
          lm->dwMessageID = m.msg;
          lm->dwCallbackInstance = m.instance;
          lm->dwParam1 = m.p1;
          lm->dwParam2 = m.p2;
          lm->dwParam3 = m.p3;
          // The application frees it with LocalFree.
          if (!PostQueuedCompletionStatus(a.port, sizeof(LINEMESSAGE), a.completion_key, reinterpret_cast<LPOVERLAPPED>(lm)))
            LocalFree(lm);
        }
        a.queue.pop_front();
      }
      a.released = 0;
      break;
  }
}

bool Service::take(App& a, Message& out) {
  if (a.released == 0 || a.queue.empty()) return false;
  out = a.queue.front();
  a.queue.pop_front();
  --a.released;
  if (a.notify == Notify::Event && a.released == 0) ResetEvent(a.event);
  return true;
}

// --- initialising -------------------------------------------------------------------------------

LONG initialize(LPHLINEAPP out, HINSTANCE, LINECALLBACK callback, const std::wstring* name, LPDWORD num_devs,
                LPDWORD api_version, LPLINEINITIALIZEEXPARAMS params, bool unicode, bool ex, bool phone) {
  if (!out || !num_devs || (ex && !api_version)) return err(LINEERR_INVALPOINTER);
  Notify notify = Notify::HiddenWindow;
  DWORD app_version = 0x00010003;
  if (ex) {
    if (!params) return err(LINEERR_INVALPOINTER);
    if (params->dwTotalSize < sizeof(LINEINITIALIZEEXPARAMS)) return err(LINEERR_STRUCTURETOOSMALL);
    switch (params->dwOptions & ~LINEINITIALIZEEXOPTION_CALLHUBTRACKING) {
      case LINEINITIALIZEEXOPTION_USEHIDDENWINDOW: notify = Notify::HiddenWindow; break;
      case LINEINITIALIZEEXOPTION_USEEVENT: notify = Notify::Event; break;
      case LINEINITIALIZEEXOPTION_USECOMPLETIONPORT: notify = Notify::CompletionPort; break;
      default: return err(LINEERR_INVALPARAM);
    }
    if (notify == Notify::CompletionPort && !params->Handles.hCompletionPort) return err(LINEERR_INVALPARAM);
    if (*api_version < kLowestApi) return err(LINEERR_INCOMPATIBLEAPIVERSION);
    app_version = std::min(*api_version, kHighestApi);
  }
  if (notify == Notify::HiddenWindow && !callback) return err(LINEERR_INVALPOINTER);

  Service& s = Service::get();
  if (LONG rc = s.start(); rc != 0) return rc;
  HWND window = nullptr;
  if (notify == Notify::HiddenWindow) {
    window = create_hidden_window();
    if (!window) return err(LINEERR_OPERATIONFAILED);
  }
  Locked l;
  auto a = std::make_unique<App>();
  a->handle = s.new_handle();
  a->phone = phone;
  a->notify = notify;
  a->callback = callback;
  a->window = window;
  a->window_thread = GetCurrentThreadId();
  a->unicode = unicode;
  a->api_version = app_version;
  a->module = module_name();
  a->name = name && !name->empty() ? *name : a->module;
  if (notify == Notify::Event) {
    a->event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    params->Handles.hEvent = a->event;
  } else if (notify == Notify::CompletionPort) {
    a->port = params->Handles.hCompletionPort;
    a->completion_key = params->dwCompletionKey;
  }
  if (ex) {
    params->dwNeededSize = params->dwUsedSize = sizeof(LINEINITIALIZEEXPARAMS);
    *api_version = kHighestApi;
  }
  *out = a->handle;
  *num_devs = phone ? 0 : s.num_devices();  // the providers have no phones
  trace("lineInitialize" + std::string(ex ? "Ex" : "") + ": app " + std::to_string(a->handle) + ", " +
        std::to_string(*num_devs) + " lines");
  s.apps().emplace(a->handle, std::move(a));
  return 0;
}

LONG shutdown_app(DWORD handle, bool phone) {
  Service& s = Service::get();
  std::vector<std::function<void()>> after;
  HWND window = nullptr;
  DWORD window_thread = 0;
  HANDLE event = nullptr;
  {
    Locked l;
    App* a = s.app(handle);
    if (!a || a->phone != phone) return phone ? err(PHONEERR_INVALAPPHANDLE) : err(LINEERR_INVALAPPHANDLE);
    s.remove_app(*a, after);
    window = a->window;
    window_thread = a->window_thread;
    event = a->event;
    s.apps().erase(handle);
    WakeAllConditionVariable(&s.changed());
  }
  run_after(after);
  if (window) {
    if (window_thread == GetCurrentThreadId()) DestroyWindow(window);
    else PostMessageW(window, kDestroy, 0, 0);
  }
  if (event) {
    SetEvent(event);  // a thread waiting on it wakes; lineGetMessage then says the app is gone
    CloseHandle(event);
  }
  s.stop_if_unused();
  return 0;
}

LONG negotiate(DWORD app_handle, DWORD device_id, DWORD low, DWORD high, LPDWORD version, LPLINEEXTENSIONID ext) {
  Service& s = Service::get();
  Locked l;
  if (!s.line_app(app_handle)) return err(LINEERR_INVALAPPHANDLE);
  if (!s.device(device_id)) return err(LINEERR_BADDEVICEID);
  if (!version || !ext) return err(LINEERR_INVALPOINTER);
  if (low > high) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  DWORD best = 0;
  for (DWORD v : kApiVersions)
    if (v >= low && v <= high) best = v;
  if (!best) return err(LINEERR_INCOMPATIBLEAPIVERSION);
  *version = best;
  *ext = LINEEXTENSIONID{};
  return 0;
}

LONG get_message(DWORD handle, LPLINEMESSAGE message, DWORD timeout, bool phone) {
  Service& s = Service::get();
  Locked l;
  auto find = [&]() -> App* {
    App* a = s.app(handle);
    return a && a->phone == phone && a->notify == Notify::Event ? a : nullptr;
  };
  if (!find()) return err(LINEERR_INVALAPPHANDLE);
  if (!message) return err(LINEERR_INVALPOINTER);
  const ULONGLONG deadline = timeout == INFINITE ? ~0ull : GetTickCount64() + timeout;
  for (;;) {
    App* a = find();
    if (!a) return err(LINEERR_INVALAPPHANDLE);  // shut down while we waited
    Message m;
    if (s.take(*a, m)) {
      message->hDevice = m.device;
      message->dwMessageID = m.msg;
      message->dwCallbackInstance = m.instance;
      message->dwParam1 = m.p1;
      message->dwParam2 = m.p2;
      message->dwParam3 = m.p3;
      return 0L;
    }
    const ULONGLONG now = GetTickCount64();
    if (now >= deadline) return err(LINEERR_OPERATIONFAILED);
    SleepConditionVariableCS(&s.changed(), &s.cs(), timeout == INFINITE ? INFINITE : static_cast<DWORD>(deadline - now));
  }
}

bool version_ok(DWORD v) { return known_version(v) || (v > kHighestApi && v <= 0x0003FFFF); }

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineInitialize(LPHLINEAPP lphLineApp, HINSTANCE hInstance, LINECALLBACK lpfnCallback, LPCSTR lpszAppName,
                           LPDWORD lpdwNumDevs) {
  return guarded(__func__, [&] {
    const std::wstring name = wide(lpszAppName);
    return initialize(lphLineApp, hInstance, lpfnCallback, &name, lpdwNumDevs, nullptr, nullptr, false, false);
  });
}

LONG WINAPI lineInitializeExA(LPHLINEAPP lphLineApp, HINSTANCE hInstance, LINECALLBACK lpfnCallback,
                              LPCSTR lpszFriendlyAppName, LPDWORD lpdwNumDevs, LPDWORD lpdwAPIVersion,
                              LPLINEINITIALIZEEXPARAMS lpLineInitializeExParams) {
  return guarded(__func__, [&] {
    const std::wstring name = wide(lpszFriendlyAppName);
    return initialize(lphLineApp, hInstance, lpfnCallback, &name, lpdwNumDevs, lpdwAPIVersion, lpLineInitializeExParams,
                      false, true);
  });
}

LONG WINAPI lineInitializeExW(LPHLINEAPP lphLineApp, HINSTANCE hInstance, LINECALLBACK lpfnCallback,
                              LPCWSTR lpszFriendlyAppName, LPDWORD lpdwNumDevs, LPDWORD lpdwAPIVersion,
                              LPLINEINITIALIZEEXPARAMS lpLineInitializeExParams) {
  return guarded(__func__, [&] {
    const std::wstring name = lpszFriendlyAppName ? lpszFriendlyAppName : L"";
    return initialize(lphLineApp, hInstance, lpfnCallback, &name, lpdwNumDevs, lpdwAPIVersion, lpLineInitializeExParams,
                      true, true);
  });
}

LONG WINAPI lineShutdown(HLINEAPP hLineApp) {
  return guarded(__func__, [&] { return shutdown_app(hLineApp, false); });
}

LONG WINAPI lineNegotiateAPIVersion(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPILowVersion, DWORD dwAPIHighVersion,
                                    LPDWORD lpdwAPIVersion, LPLINEEXTENSIONID lpExtensionID) {
  return guarded(__func__, [&] {
    return negotiate(hLineApp, dwDeviceID, dwAPILowVersion, dwAPIHighVersion, lpdwAPIVersion, lpExtensionID);
  });
}

LONG WINAPI lineNegotiateExtVersion(HLINEAPP hLineApp, DWORD dwDeviceID, DWORD dwAPIVersion, DWORD dwExtLowVersion,
                                    DWORD dwExtHighVersion, LPDWORD lpdwExtVersion) {
  return guarded(__func__, [&] {
    Service& s = Service::get();
    Locked l;
    if (!s.line_app(hLineApp)) return err(LINEERR_INVALAPPHANDLE);
    Device* d = s.device(dwDeviceID);
    if (!d) return err(LINEERR_BADDEVICEID);
    if (!version_ok(dwAPIVersion)) return err(LINEERR_INCOMPATIBLEAPIVERSION);
    if (!lpdwExtVersion) return err(LINEERR_INVALPOINTER);
    if (!d->provider->TSPI_lineNegotiateExtVersion) return err(LINEERR_OPERATIONUNAVAIL);
    return d->provider->TSPI_lineNegotiateExtVersion(dwDeviceID, d->tspi_version, dwExtLowVersion, dwExtHighVersion,
                                                      lpdwExtVersion);
  });
}

LONG WINAPI lineGetMessage(HLINEAPP hLineApp, LPLINEMESSAGE lpMessage, DWORD dwTimeout) {
  return guarded(__func__, [&] { return get_message(hLineApp, lpMessage, dwTimeout, false); });
}

}  // extern "C"
