// Assisted Telephony: tapiRequestMakeCall from any program reaches the application registered
// for LINEREQUESTMODE_MAKECALL (lineRegisterRequestRecipient), in this process or another one of
// the same Wine prefix: each process with a recipient keeps a message-only window named after its
// executable, and a request is a WM_COPYDATA to the window of the highest-priority process
// (HandoffPriorities\RequestMakeCall, else any). With none running, the first program of that
// list is started and given 10 s to register. The recipient hears LINE_REQUEST and takes the
// request with lineGetRequest.
#include <algorithm>
#include <cstring>
#include <deque>

#include "api.hpp"
#include "registry.hpp"

namespace telsim::tapi32 {

namespace {

constexpr const wchar_t* kRequestClass = L"telsim.tapi32.requests";
constexpr ULONG_PTR kMakeCallCopy = 0x7E1517;

using RequestMakeCallW = LINEREQMAKECALLW;
/// The ANSI one (tapi.h makes LINEREQMAKECALL the W one when UNICODE is defined, as here).
using RequestMakeCallA = struct linereqmakecall_tag;

/// Requests that came to this process, oldest first (under the service lock).
std::deque<RequestMakeCallW>& queued() {
  static std::deque<RequestMakeCallW> q;
  return q;
}

/// LINE_REQUEST to the recipient of this process with the highest priority (under the lock).
void tell_recipient() {
  Service& s = Service::get();
  App* best = nullptr;
  std::size_t best_rank = ~std::size_t{0};
  const std::vector<std::wstring> prio = handoff_priorities(0);
  for (auto& [h, a] : s.apps()) {
    if (a->closing || !(a->request_modes & LINEREQUESTMODE_MAKECALL)) continue;
    std::size_t rank = prio.size();
    for (std::size_t i = 0; i < prio.size(); ++i)
      if (_wcsicmp(prio[i].c_str(), a->module.c_str()) == 0) rank = i;
    if (!best || rank < best_rank) {
      best = a.get();
      best_rank = rank;
    }
  }
  if (!best || queued().empty()) return;
  Message m;
  m.msg = LINE_REQUEST;
  m.instance = best->request_instance;
  m.p1 = LINEREQUESTMODE_MAKECALL;
  s.post(*best, m);
}

LRESULT CALLBACK request_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  if (msg == WM_COPYDATA) {
    const auto* cd = reinterpret_cast<const COPYDATASTRUCT*>(lp);
    if (cd->dwData != kMakeCallCopy || cd->cbData != sizeof(RequestMakeCallW)) return FALSE;
    Locked lk;
    queued().push_back(*static_cast<const RequestMakeCallW*>(cd->lpData));
    tell_recipient();
    return TRUE;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

HWND g_listener = nullptr;

DWORD WINAPI listener_main(void* ready) {
  WNDCLASSW wc{};
  wc.lpfnWndProc = &request_proc;
  wc.hInstance = Service::module();
  wc.lpszClassName = kRequestClass;
  RegisterClassW(&wc);
  wchar_t path[MAX_PATH] = L"";
  GetModuleFileNameW(nullptr, path, MAX_PATH);
  std::wstring name = path;
  name = name.substr(name.find_last_of(L"\\/") + 1);
  g_listener = CreateWindowExW(0, kRequestClass, name.c_str(), 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr, Service::module(), nullptr);
  SetEvent(static_cast<HANDLE>(ready));
  MSG m;
  while (GetMessageW(&m, nullptr, 0, 0) > 0) DispatchMessageW(&m);
  return 0;
}

/// The process's request window, made once (its own thread pumps it, whatever the
/// application's notification mechanism).
void start_listener() {
  static LONG started = 0;
  if (InterlockedCompareExchange(&started, 1, 0) != 0) return;
  HANDLE ready = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  HANDLE t = CreateThread(nullptr, 0, &listener_main, ready, 0, nullptr);
  WaitForSingleObject(ready, 10000);
  CloseHandle(ready);
  if (t) CloseHandle(t);
}

/// The request window of the highest-priority process that has one.
HWND find_recipient() {
  const std::vector<std::wstring> prio = handoff_priorities(0);
  HWND best = nullptr;
  std::size_t best_rank = ~std::size_t{0};
  for (HWND w = FindWindowExW(HWND_MESSAGE, nullptr, kRequestClass, nullptr); w;
       w = FindWindowExW(HWND_MESSAGE, w, kRequestClass, nullptr)) {
    wchar_t title[MAX_PATH] = L"";
    GetWindowTextW(w, title, MAX_PATH);
    std::size_t rank = prio.size();
    for (std::size_t i = 0; i < prio.size(); ++i)
      if (_wcsicmp(prio[i].c_str(), title) == 0) rank = i;
    if (!best || rank < best_rank) {
      best = w;
      best_rank = rank;
    }
  }
  return best;
}

LONG request_make_call(const WideArg& dest, const WideArg& app, const WideArg& called, const WideArg& comment) {
  if (dest.null || dest.text.empty() || dest.text.size() >= TAPIMAXDESTADDRESSSIZE) return TAPIERR_INVALDESTADDRESS;
  RequestMakeCallW r{};
  lstrcpynW(r.szDestAddress, dest.text.c_str(), TAPIMAXDESTADDRESSSIZE);
  lstrcpynW(r.szAppName, app.text.c_str(), TAPIMAXAPPNAMESIZE);
  lstrcpynW(r.szCalledParty, called.text.c_str(), TAPIMAXCALLEDPARTYSIZE);
  lstrcpynW(r.szComment, comment.text.c_str(), TAPIMAXCOMMENTSIZE);
  HWND w = find_recipient();
  if (!w) {
    // Nobody listens: start the first program of the priority list and give it time to register.
    const std::vector<std::wstring> prio = handoff_priorities(0);
    if (prio.empty()) return TAPIERR_NOREQUESTRECIPIENT;
    std::wstring cmd = L"\"" + prio.front() + L"\"";
    STARTUPINFOW si{};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi{};
    if (!CreateProcessW(nullptr, cmd.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi))
      return TAPIERR_NOREQUESTRECIPIENT;
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    for (int i = 0; i < 100 && !(w = find_recipient()); ++i) Sleep(100);
    if (!w) return TAPIERR_NOREQUESTRECIPIENT;
  }
  COPYDATASTRUCT cd{kMakeCallCopy, sizeof r, &r};
  DWORD_PTR accepted = FALSE;
  if (!SendMessageTimeoutW(w, WM_COPYDATA, 0, reinterpret_cast<LPARAM>(&cd), SMTO_ABORTIFHUNG, 10000, &accepted) || !accepted)
    return TAPIERR_REQUESTFAILED;
  return 0;
}

LONG register_recipient(DWORD app, DWORD_PTR instance, DWORD mode, DWORD enable) {
  {
    Locked lk;
    App* a = Service::get().line_app(app);
    if (!a) return err(LINEERR_INVALAPPHANDLE);
    if (mode != LINEREQUESTMODE_MAKECALL) return err(LINEERR_INVALREQUESTMODE);
    if (!enable) {
      if (!(a->request_modes & mode)) return err(LINEERR_NOTREGISTERED);
      a->request_modes &= ~mode;
      return 0L;
    }
    a->request_modes |= mode;
    a->request_instance = instance;
  }
  start_listener();
  Locked lk;
  tell_recipient();  // requests already waiting
  return 0L;
}

LONG get_request(DWORD app, DWORD mode, void* buffer, bool ansi) {
  Locked lk;
  App* a = Service::get().line_app(app);
  if (!a) return err(LINEERR_INVALAPPHANDLE);
  if (mode != LINEREQUESTMODE_MAKECALL) return err(LINEERR_INVALREQUESTMODE);
  if (!buffer) return err(LINEERR_INVALPOINTER);
  if (!(a->request_modes & mode)) return err(LINEERR_NOTREGISTERED);
  if (queued().empty()) return err(LINEERR_NOREQUEST);
  const RequestMakeCallW r = queued().front();
  queued().pop_front();
  if (ansi) {
    RequestMakeCallA out{};
    lstrcpynA(out.szDestAddress, telsim::tapi32::ansi(r.szDestAddress).c_str(), TAPIMAXDESTADDRESSSIZE);
    lstrcpynA(out.szAppName, telsim::tapi32::ansi(r.szAppName).c_str(), TAPIMAXAPPNAMESIZE);
    lstrcpynA(out.szCalledParty, telsim::tapi32::ansi(r.szCalledParty).c_str(), TAPIMAXCALLEDPARTYSIZE);
    lstrcpynA(out.szComment, telsim::tapi32::ansi(r.szComment).c_str(), TAPIMAXCOMMENTSIZE);
    std::memcpy(buffer, &out, sizeof out);
  } else {
    std::memcpy(buffer, &r, sizeof r);
  }
  if (!queued().empty()) tell_recipient();
  return 0L;
}

}  // namespace

}  // namespace telsim::tapi32

using namespace telsim::tapi32;

extern "C" {

LONG WINAPI lineRegisterRequestRecipient(HLINEAPP hLineApp, DWORD dwRegistrationInstance, DWORD dwRequestMode,
                                         DWORD bEnable) {
  return guarded(__func__, [&] { return register_recipient(hLineApp, dwRegistrationInstance, dwRequestMode, bEnable); });
}

LONG WINAPI lineGetRequestA(HLINEAPP hLineApp, DWORD dwRequestMode, LPVOID lpRequestBuffer) {
  return guarded(__func__, [&] { return get_request(hLineApp, dwRequestMode, lpRequestBuffer, true); });
}
LONG WINAPI lineGetRequestW(HLINEAPP hLineApp, DWORD dwRequestMode, LPVOID lpRequestBuffer) {
  return guarded(__func__, [&] { return get_request(hLineApp, dwRequestMode, lpRequestBuffer, false); });
}

LONG WINAPI tapiRequestMakeCallA(LPCSTR lpszDestAddress, LPCSTR lpszAppName, LPCSTR lpszCalledParty, LPCSTR lpszComment) {
  return guarded(__func__, [&] {
    return request_make_call(WideArg(lpszDestAddress), WideArg(lpszAppName), WideArg(lpszCalledParty), WideArg(lpszComment));
  });
}
LONG WINAPI tapiRequestMakeCallW(LPCWSTR lpszDestAddress, LPCWSTR lpszAppName, LPCWSTR lpszCalledParty,
                                 LPCWSTR lpszComment) {
  return guarded(__func__, [&] {
    return request_make_call(WideArg(lpszDestAddress), WideArg(lpszAppName), WideArg(lpszCalledParty), WideArg(lpszComment));
  });
}

// TAPI 2 made media calls obsolete: nothing handles them.
LONG WINAPI tapiRequestMediaCallA(HWND, WPARAM, LPCSTR, LPCSTR, DWORD, DWORD, LPCSTR, LPCSTR, LPCSTR, LPCSTR) {
  return TAPIERR_REQUESTFAILED;
}
LONG WINAPI tapiRequestMediaCallW(HWND, WPARAM, LPCWSTR, LPCWSTR, DWORD, DWORD, LPCWSTR, LPCWSTR, LPCWSTR, LPCWSTR) {
  return TAPIERR_REQUESTFAILED;
}
LONG WINAPI tapiRequestDrop(HWND, WPARAM) { return TAPIERR_REQUESTFAILED; }

}  // extern "C"
