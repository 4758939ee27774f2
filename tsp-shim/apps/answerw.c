/* answerw: a Unicode TAPI 2.x program that answers calls on one line and watches another, as a
 * receptionist's console or a call logger would. It knows nothing of telsim. It initialises with
 * lineInitializeExW and the event-handle mechanism, and a worker thread waits on the event and
 * takes the messages with lineGetMessage; everything it does to calls happens on that thread.
 *
 *   answerw.exe --answer TEXT --monitor TEXT [--answers N] [--monitored N]
 *
 * It opens the line whose address or name contains --monitor with monitor privilege and the one
 * matching --answer as owner of interactive voice calls. Each call offered there is answered
 * (LINE_APPNEWCALL gives it the owner handle first); when the far end hangs up, it drops and
 * deallocates. Calls on the monitored line it only watches: lineAnswer on them must be refused
 * (NOTOWNER), and LINECALLSTATUS must say MONITOR with no features. After N answered and N
 * monitored calls went IDLE it shuts down from the main thread, which must wake the worker out of
 * lineGetMessage. Every message is printed ("CALLSTATE call=H id=N state=S mode=M priv=P line=L").
 */
#define UNICODE
#define _UNICODE
#include <windows.h>
#include <tapi.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "callstate.h"

#define MAX_CALLS 64

static HLINEAPP g_app;
static HANDLE g_event;
static HANDLE g_done;
static HLINE g_answer_line, g_monitor_line;
static DWORD g_answer_version, g_monitor_version;
static const wchar_t *g_want_answer = L"", *g_want_monitor = L"";
static int g_answers_wanted = 1, g_monitored_wanted = 1, g_answered, g_monitored, g_failed;
static struct {
  HCALL call;
  DWORD privilege;
  int announced;  /* LINE_APPNEWCALL came */
  int seen_state; /* a LINE_CALLSTATE came */
} g_calls[MAX_CALLS];
static CRITICAL_SECTION g_print;

static void say(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  strcat(buf, "\n");
  EnterCriticalSection(&g_print);
  DWORD n;
  WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), buf, (DWORD)strlen(buf), &n, NULL);
  LeaveCriticalSection(&g_print);
}

static void fail(const char *fmt, ...) {
  char buf[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  say("FAIL: %s", buf);
  g_failed = 1;
  SetEvent(g_done);
}

static int slot(HCALL call, int create) {
  for (int i = 0; i < MAX_CALLS; ++i)
    if (g_calls[i].call == call) return i;
  if (!create) return -1;
  for (int i = 0; i < MAX_CALLS; ++i)
    if (!g_calls[i].call) {
      g_calls[i].call = call;
      g_calls[i].privilege = 0;
      g_calls[i].announced = g_calls[i].seen_state = 0;
      return i;
    }
  return -1;
}

/* LINECALLINFO through the Unicode function: dwCallID, the line, and who is calling. */
static DWORD call_info(HCALL call, HLINE *line, wchar_t *caller, size_t caller_len) {
  BYTE buf[4096];
  LINECALLINFO *ci = (LINECALLINFO *)buf;
  memset(buf, 0, sizeof buf);
  ci->dwTotalSize = sizeof buf;
  LONG rc = lineGetCallInfoW(call, ci);
  if (rc != 0) {
    fail("lineGetCallInfoW = 0x%lx", rc);
    return 0;
  }
  *line = ci->hLine;
  caller[0] = 0;
  if (ci->dwCallerIDSize >= sizeof(wchar_t))
    wcsncpy(caller, (const wchar_t *)(buf + ci->dwCallerIDOffset), caller_len - 1);
  return ci->dwCallID;
}

static void on_callstate(HCALL call, DWORD state, DWORD_PTR mode, DWORD_PTR priv) {
  const int i = slot(call, 0);
  if (i < 0) {
    fail("LINE_CALLSTATE for 0x%lx, a handle LINE_APPNEWCALL never gave", call);
    return;
  }
  HLINE line = 0;
  wchar_t caller[64];
  const DWORD id = call_info(call, &line, caller, 64);
  const int monitor = line == g_monitor_line;
  say("CALLSTATE call=0x%lx id=%lu state=%s mode=0x%lx priv=0x%lx line=%s caller=%ls", call, id, state_name(state),
      (unsigned long)mode, (unsigned long)priv, monitor ? "monitor" : "answer", caller);
  if (!g_calls[i].seen_state) {
    /* The first LINE_CALLSTATE of a handle TAPI gave by message carries the privilege. */
    if (priv != g_calls[i].privilege) fail("first LINE_CALLSTATE dwParam3 0x%lx, privilege 0x%lx", (unsigned long)priv, g_calls[i].privilege);
    g_calls[i].seen_state = 1;
  } else if (priv != 0) {
    fail("a later LINE_CALLSTATE has dwParam3 0x%lx", (unsigned long)priv);
  }
  LINECALLSTATUS st;
  memset(&st, 0, sizeof st);
  st.dwTotalSize = sizeof st;
  if (lineGetCallStatus(call, &st) != 0) fail("lineGetCallStatus failed");
  if (st.dwCallPrivilege != g_calls[i].privilege) fail("LINECALLSTATUS privilege 0x%lx", st.dwCallPrivilege);
  if (monitor) {
    if (st.dwCallFeatures != 0) fail("a monitor sees call features 0x%lx", st.dwCallFeatures);
    if (state == LINECALLSTATE_OFFERING) {
      LONG rc = lineAnswer(call, NULL, 0);
      if (rc != (LONG)LINEERR_NOTOWNER) fail("lineAnswer by a monitor = 0x%lx, not NOTOWNER", rc);
      else say("MONITOR lineAnswer refused: NOTOWNER");
    }
  } else if (state == LINECALLSTATE_OFFERING) {
    LONG rc = lineAnswer(call, NULL, 0);
    if (rc <= 0) fail("lineAnswer = 0x%lx", rc);
    else say("ANSWER call=0x%lx request=%ld", call, rc);
  } else if (state == LINECALLSTATE_CONNECTED) {
    ++g_answered;
  } else if (state == LINECALLSTATE_DISCONNECTED) {
    LONG rc = lineDrop(call, NULL, 0);
    if (rc <= 0) fail("lineDrop = 0x%lx", rc);
  }
  if (state == LINECALLSTATE_IDLE) {
    LONG rc = lineDeallocateCall(call);
    if (rc != 0) fail("lineDeallocateCall = 0x%lx", rc);
    g_calls[i].call = 0;
    if (monitor) ++g_monitored;
    if (g_answered >= g_answers_wanted && g_monitored >= g_monitored_wanted) SetEvent(g_done);
  }
}

static DWORD WINAPI worker(void *unused) {
  (void)unused;
  for (;;) {
    /* After lineShutdown TAPI has closed the event: the wait fails, and lineGetMessage says why. */
    if (WaitForSingleObject(g_event, 60000) == WAIT_TIMEOUT) {
      fail("no message for 60 s");
      return 1;
    }
    LINEMESSAGE m;
    LONG rc = lineGetMessage(g_app, &m, 0);
    if (rc == (LONG)LINEERR_INVALAPPHANDLE) {
      say("worker: lineGetMessage says the application is gone");
      return 0;
    }
    if (rc == (LONG)LINEERR_OPERATIONFAILED) continue; /* nothing waiting (another wake-up) */
    if (rc != 0) {
      fail("lineGetMessage = 0x%lx", rc);
      return 1;
    }
    switch (m.dwMessageID) {
      case LINE_APPNEWCALL: {
        const HLINE line = m.hDevice;
        const HCALL call = (HCALL)m.dwParam2;
        const int i = slot(call, 1);
        if (i < 0) {
          fail("too many calls");
          break;
        }
        g_calls[i].privilege = (DWORD)m.dwParam3;
        g_calls[i].announced = 1;
        say("APPNEWCALL line=%s call=0x%lx address=%lu priv=0x%lx instance=0x%lx",
            line == g_monitor_line ? "monitor" : line == g_answer_line ? "answer" : "?", call, (unsigned long)m.dwParam1,
            (unsigned long)m.dwParam3, (unsigned long)m.dwCallbackInstance);
        const DWORD want = line == g_monitor_line ? LINECALLPRIVILEGE_MONITOR : LINECALLPRIVILEGE_OWNER;
        if (m.dwParam3 != want) fail("LINE_APPNEWCALL privilege 0x%lx, expected 0x%lx", (unsigned long)m.dwParam3, want);
        if (m.dwCallbackInstance != (line == g_monitor_line ? 0x3 : 0x2)) fail("LINE_APPNEWCALL callback instance");
        break;
      }
      case LINE_CALLSTATE:
        on_callstate(m.hDevice, (DWORD)m.dwParam1, m.dwParam2, m.dwParam3);
        break;
      case LINE_REPLY:
        say("REPLY request=%ld result=0x%lx", (long)m.dwParam1, (unsigned long)m.dwParam2);
        if (m.dwParam2 != 0) fail("request %ld failed: 0x%lx", (long)m.dwParam1, (unsigned long)m.dwParam2);
        break;
      case LINE_CALLINFO:
        say("CALLINFO call=0x%lx states=0x%lx", m.hDevice, (unsigned long)m.dwParam1);
        break;
      case LINE_LINEDEVSTATE:
        say("LINEDEVSTATE line=0x%lx state=0x%lx", m.hDevice, (unsigned long)m.dwParam1);
        break;
      default:
        say("MESSAGE %lu device=0x%lx", m.dwMessageID, m.hDevice);
        break;
    }
  }
}

static LONG open_line(DWORD num_devs, const wchar_t *want, DWORD privileges, DWORD_PTR instance, HLINE *line,
                      DWORD *version) {
  for (DWORD i = 0; i < num_devs; ++i) {
    LINEEXTENSIONID ext;
    DWORD v = 0;
    if (lineNegotiateAPIVersion(g_app, i, 0x00020000, 0x00030000, &v, &ext) != 0) continue;
    BYTE buf[4096];
    LINEDEVCAPS *caps = (LINEDEVCAPS *)buf;
    memset(buf, 0, sizeof buf);
    caps->dwTotalSize = sizeof buf;
    if (lineGetDevCapsW(g_app, i, v, 0, caps) != 0) continue;
    if (caps->dwStringFormat != STRINGFORMAT_UNICODE) fail("a Unicode program got dwStringFormat %lu", caps->dwStringFormat);
    const wchar_t *name = caps->dwLineNameSize ? (const wchar_t *)(buf + caps->dwLineNameOffset) : L"";
    BYTE abuf[2048];
    LINEADDRESSCAPS *ac = (LINEADDRESSCAPS *)abuf;
    memset(abuf, 0, sizeof abuf);
    ac->dwTotalSize = sizeof abuf;
    const wchar_t *address = L"";
    if (lineGetAddressCapsW(g_app, i, 0, v, 0, ac) == 0 && ac->dwAddressSize) address = (const wchar_t *)(abuf + ac->dwAddressOffset);
    if (!wcsstr(address, want) && !wcsstr(name, want)) continue;
    LONG rc = lineOpenW(g_app, i, line, v, 0, instance, privileges, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
    say("OPEN device=%lu name=\"%ls\" privileges=0x%lx version=0x%lx rc=0x%lx", i, name, privileges, v, rc);
    *version = v;
    return rc;
  }
  return LINEERR_BADDEVICEID;
}

int wmain(int argc, wchar_t **argv) {
  InitializeCriticalSection(&g_print);
  for (int i = 1; i < argc; ++i) {
    if (wcscmp(argv[i], L"--answer") == 0 && i + 1 < argc) g_want_answer = argv[++i];
    else if (wcscmp(argv[i], L"--monitor") == 0 && i + 1 < argc) g_want_monitor = argv[++i];
    else if (wcscmp(argv[i], L"--answers") == 0 && i + 1 < argc) g_answers_wanted = _wtoi(argv[++i]);
    else if (wcscmp(argv[i], L"--monitored") == 0 && i + 1 < argc) g_monitored_wanted = _wtoi(argv[++i]);
  }
  g_done = CreateEventW(NULL, TRUE, FALSE, NULL);
  LINEINITIALIZEEXPARAMS params;
  memset(&params, 0, sizeof params);
  params.dwTotalSize = sizeof params;
  params.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
  DWORD num_devs = 0, api = 0x00020002;
  LONG rc = lineInitializeExW(&g_app, GetModuleHandleW(NULL), NULL, L"Reception console", &num_devs, &api, &params);
  if (rc != 0) {
    say("FAIL: lineInitializeExW = 0x%lx", rc);
    return 1;
  }
  g_event = params.Handles.hEvent;
  say("lineInitializeExW: %lu lines, TAPI 0x%lx, event %s", num_devs, api, g_event ? "given" : "missing");
  if (!g_event || params.dwUsedSize < sizeof params) {
    say("FAIL: no event handle");
    return 1;
  }
  /* Nothing is waiting yet: lineGetMessage times out. */
  LINEMESSAGE m;
  if (lineGetMessage(g_app, &m, 0) != (LONG)LINEERR_OPERATIONFAILED) fail("lineGetMessage with nothing waiting did not time out");
  HANDLE thread = CreateThread(NULL, 0, worker, NULL, 0, NULL);
  rc = open_line(num_devs, g_want_monitor, LINECALLPRIVILEGE_MONITOR, 0x3, &g_monitor_line, &g_monitor_version);
  if (rc != 0) fail("no line to monitor matches (0x%lx)", rc);
  rc = open_line(num_devs, g_want_answer, LINECALLPRIVILEGE_OWNER, 0x2, &g_answer_line, &g_answer_version);
  if (rc != 0) fail("no line to answer on matches (0x%lx)", rc);
  say("READY");
  if (WaitForSingleObject(g_done, 120000) != WAIT_OBJECT_0) fail("the calls did not come within 120 s");
  say("answered %d, monitored %d", g_answered, g_monitored);
  /* lineShutdown from this thread wakes the worker out of lineGetMessage. */
  rc = lineShutdown(g_app);
  if (rc != 0) fail("lineShutdown = 0x%lx", rc);
  if (WaitForSingleObject(thread, 10000) != WAIT_OBJECT_0) fail("the worker did not leave lineGetMessage after lineShutdown");
  say(g_failed ? "FAIL" : "PASS: answerw");
  return g_failed;
}
