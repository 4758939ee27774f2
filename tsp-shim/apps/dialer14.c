/* dialer14: a classic ANSI TAPI 1.4-style Windows program, as they were written in the nineties.
 * It knows nothing of telsim: it calls lineInitialize (the hidden-window callback), negotiates
 * 1.3-1.4 on every line, picks the line whose address or name contains --line, and dials each
 * number of its command line in turn from its window's message loop. Everything after the first
 * lineMakeCall happens inside its line callback: CONNECTED hangs up (lineDrop), BUSY hangs up
 * and opens a modal "busy" box (whose own message loop delivers the next callbacks, nested),
 * IDLE deallocates the call and dials the next number; after the last one it closes the line,
 * shuts TAPI down and quits.
 *
 *   dialer14.exe [--line TEXT] [--auto-close] NUMBER...
 *
 * Every message it gets is printed on stdout, one line each, for the test driver to compare
 * with the server's own events ("CALLSTATE call=H id=N state=NAME mode=M priv=P"). It checks
 * TAPI's rules it relies on as it goes and exits 1 with "FAIL: ..." when one does not hold:
 * LINE_REPLY only after lineMakeCall returned its request id, call states only for the handle
 * lineMakeCall wrote, handles valid inside callbacks. --auto-close makes the busy box close
 * itself once the call's IDLE arrived inside it (nobody at the keyboard in a test).
 */
#define TAPI_CURRENT_VERSION 0x00010004
#include <windows.h>
#include <tapi.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstate.h"

/* A 1.4 program imports the un-suffixed names (they are the ANSI functions). */
#undef lineGetDevCaps
#undef lineGetAddressCaps
#undef lineOpen
#undef lineMakeCall
#undef lineGetCallInfo

static HWND g_main;
static HLINEAPP g_app;
static HLINE g_line;
static HCALL g_call;
static DWORD g_version;
static char **g_numbers;
static int g_num_numbers, g_next_number;
static LONG g_request;          /* the outstanding lineMakeCall / lineDrop */
static int g_returned;          /* ... and it has returned */
static int g_in_box, g_box_saw_idle, g_auto_close, g_failed, g_depth, g_max_depth;
static const char *g_want_line = "";

static void say(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  strcat(buf, "\n");
  DWORD n;
  WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), buf, (DWORD)strlen(buf), &n, NULL);
  SetWindowTextA(g_main, buf);
}

static void fail(const char *fmt, ...) {
  char buf[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  say("FAIL: %s", buf);
  g_failed = 1;
  PostQuitMessage(1);
}

/* TAPI's dwCallID of a call (what the switch calls it), read with a buffer that is first too small. */
static DWORD call_id(HCALL call) {
  LINECALLINFO small;
  memset(&small, 0, sizeof small);
  small.dwTotalSize = 16;
  LONG rc = lineGetCallInfo(call, &small);
  if (rc != (LONG)LINEERR_STRUCTURETOOSMALL) fail("lineGetCallInfo with 16 bytes = 0x%lx, not STRUCTURETOOSMALL", rc);
  DWORD size = sizeof(LINECALLINFO);
  for (;;) {
    LINECALLINFO *ci = (LINECALLINFO *)calloc(1, size);
    ci->dwTotalSize = size;
    rc = lineGetCallInfo(call, ci);
    if (rc != 0) {
      fail("lineGetCallInfo = 0x%lx", rc);
      free(ci);
      return 0;
    }
    if (ci->dwNeededSize > size) {
      size = ci->dwNeededSize;
      free(ci);
      continue;
    }
    DWORD id = ci->dwCallID;
    if (ci->hLine != g_line) fail("LINECALLINFO.hLine 0x%lx is not the line's handle 0x%lx", ci->hLine, g_line);
    if (ci->dwAppNameSize > 0 && strcmp((char *)ci + ci->dwAppNameOffset, "Dialer 1.4") != 0)
      fail("LINECALLINFO app name '%s'", (char *)ci + ci->dwAppNameOffset);
    free(ci);
    return id;
  }
}

static void dial_next(void) {
  if (g_next_number >= g_num_numbers) {
    say("closing");
    LONG rc = lineClose(g_line);
    if (rc != 0) fail("lineClose = 0x%lx", rc);
    rc = lineShutdown(g_app);
    if (rc != 0) fail("lineShutdown = 0x%lx", rc);
    if (lineShutdown(g_app) != (LONG)LINEERR_INVALAPPHANDLE) fail("a second lineShutdown was not INVALAPPHANDLE");
    say("done (callback depth reached %d)", g_max_depth);
    PostQuitMessage(g_failed);
    return;
  }
  const char *number = g_numbers[g_next_number++];
  g_call = 0;
  g_returned = 0;
  g_request = lineMakeCall(g_line, &g_call, number, 0, NULL);
  if (g_request <= 0) {
    fail("lineMakeCall(%s) = 0x%lx", number, g_request);
    return;
  }
  g_returned = 1;
  say("MAKECALL %s request=%ld", number, g_request);
}

static void hang_up(const char *why) {
  g_returned = 0;
  g_request = lineDrop(g_call, NULL, 0);
  if (g_request <= 0) {
    fail("lineDrop = 0x%lx", g_request);
    return;
  }
  g_returned = 1;
  say("DROP %s request=%ld", why, g_request);
}

static void CALLBACK box_timer(HWND hwnd, UINT msg, UINT_PTR id, DWORD time) {
  (void)hwnd;
  (void)msg;
  (void)time;
  if (!g_in_box || !g_box_saw_idle) return;
  KillTimer(NULL, id);
  /* The busy box is this thread's active window: press its OK button. */
  HWND box = GetActiveWindow();
  if (box && box != g_main) PostMessageA(box, WM_COMMAND, IDOK, 0);
}

static void CALLBACK line_callback(DWORD device, DWORD msg, DWORD_PTR instance, DWORD_PTR p1, DWORD_PTR p2, DWORD_PTR p3) {
  ++g_depth;
  if (g_depth > g_max_depth) g_max_depth = g_depth;
  if (instance != 0x14) fail("callback instance 0x%lx, not lineOpen's", (unsigned long)instance);
  switch (msg) {
    case LINE_REPLY:
      say("REPLY request=%ld result=0x%lx%s", (long)p1, (unsigned long)p2, g_in_box ? " (inside the busy box)" : "");
      if (!g_returned && (LONG)p1 == g_request) fail("LINE_REPLY for request %ld before its function returned", (long)p1);
      if (p2 != 0) fail("request %ld failed: 0x%lx", (long)p1, (unsigned long)p2);
      break;
    case LINE_CALLSTATE: {
      if (device != g_call) {
        fail("LINE_CALLSTATE for 0x%lx, not the call lineMakeCall wrote (0x%lx)", device, g_call);
        break;
      }
      const DWORD id = call_id((HCALL)device);
      say("CALLSTATE call=0x%lx id=%lu state=%s mode=0x%lx priv=0x%lx%s", device, id, state_name((DWORD)p1),
          (unsigned long)p2, (unsigned long)p3, g_in_box ? " (inside the busy box)" : "");
      LINECALLSTATUS st;
      memset(&st, 0, sizeof st);
      st.dwTotalSize = sizeof st;
      /* Messages are queued: the status may already be a later state than the message's. */
      if (lineGetCallStatus((HCALL)device, &st) != 0) fail("lineGetCallStatus inside LINE_CALLSTATE failed");
      if (st.dwCallPrivilege != LINECALLPRIVILEGE_OWNER) fail("the dialler's privilege is 0x%lx", st.dwCallPrivilege);
      if (p1 == LINECALLSTATE_CONNECTED) {
        hang_up("connected");
      } else if (p1 == LINECALLSTATE_BUSY) {
        hang_up("busy");
        g_in_box = 1;
        g_box_saw_idle = 0;
        if (g_auto_close) SetTimer(NULL, 0, 50, box_timer);
        say("busy box open");
        const int answer = MessageBoxA(g_main, "The number you dialled is busy.", "Dialer 1.4", MB_OK | MB_ICONINFORMATION);
        const DWORD why = GetLastError();
        g_in_box = 0;
        say("busy box closed (%d)", answer);
        if (answer != IDOK) fail("MessageBox returned %d (error %lu)", answer, why);
        if (!g_box_saw_idle) fail("the busy call's IDLE did not arrive while the box was up");
        dial_next();
      } else if (p1 == LINECALLSTATE_IDLE) {
        LONG rc = lineDeallocateCall((HCALL)device);
        if (rc != 0) fail("lineDeallocateCall = 0x%lx", rc);
        if (lineGetCallStatus((HCALL)device, &st) != (LONG)LINEERR_INVALCALLHANDLE)
          fail("the deallocated handle still works");
        if (g_in_box) g_box_saw_idle = 1;
        else dial_next();
      }
      break;
    }
    case LINE_CALLINFO:
      say("CALLINFO call=0x%lx states=0x%lx", device, (unsigned long)p1);
      break;
    default:
      say("MESSAGE %lu device=0x%lx p1=0x%lx p2=0x%lx p3=0x%lx", msg, device, (unsigned long)p1, (unsigned long)p2,
          (unsigned long)p3);
      break;
  }
  --g_depth;
}

static int choose_line(DWORD num_devs) {
  for (DWORD i = 0; i < num_devs; ++i) {
    LINEEXTENSIONID ext;
    DWORD version = 0;
    LONG rc = lineNegotiateAPIVersion(g_app, i, 0x00010003, 0x00010004, &version, &ext);
    if (rc != 0) {
      say("line %lu: no version (0x%lx)", i, rc);
      continue;
    }
    char buf[2048];
    LINEDEVCAPS *caps = (LINEDEVCAPS *)buf;
    memset(buf, 0, sizeof buf);
    caps->dwTotalSize = sizeof buf;
    rc = lineGetDevCaps(g_app, i, version, 0, caps);
    if (rc != 0) {
      fail("lineGetDevCaps(%lu) = 0x%lx", i, rc);
      return -1;
    }
    if (caps->dwStringFormat != STRINGFORMAT_ASCII) fail("an ANSI program got dwStringFormat %lu", caps->dwStringFormat);
    const char *name = caps->dwLineNameSize ? buf + caps->dwLineNameOffset : "";
    char abuf[1024];
    LINEADDRESSCAPS *ac = (LINEADDRESSCAPS *)abuf;
    memset(abuf, 0, sizeof abuf);
    ac->dwTotalSize = sizeof abuf;
    const char *address = "";
    if (lineGetAddressCaps(g_app, i, 0, version, 0, ac) == 0 && ac->dwAddressSize) address = abuf + ac->dwAddressOffset;
    say("LINE %lu version=0x%lx name=\"%s\" address=\"%s\" media=0x%lx", i, version, name, address, caps->dwMediaModes);
    if ((caps->dwMediaModes & LINEMEDIAMODE_INTERACTIVEVOICE) &&
        (strstr(address, g_want_line) || strstr(name, g_want_line))) {
      g_version = version;
      return (int)i;
    }
  }
  return -1;
}

static LRESULT CALLBACK main_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  if (msg == WM_DESTROY) {
    PostQuitMessage(g_failed);
    return 0;
  }
  return DefWindowProcA(hwnd, msg, wp, lp);
}

int WINAPI WinMain(HINSTANCE inst, HINSTANCE prev, LPSTR cmdline, int show) {
  (void)prev;
  (void)cmdline;
  (void)show;
  g_numbers = (char **)calloc((size_t)__argc, sizeof(char *));
  for (int i = 1; i < __argc; ++i) {
    if (strcmp(__argv[i], "--line") == 0 && i + 1 < __argc) g_want_line = __argv[++i];
    else if (strcmp(__argv[i], "--auto-close") == 0) g_auto_close = 1;
    else g_numbers[g_num_numbers++] = __argv[i];
  }
  WNDCLASSA wc;
  memset(&wc, 0, sizeof wc);
  wc.lpfnWndProc = main_proc;
  wc.hInstance = inst;
  wc.lpszClassName = "Dialer14";
  RegisterClassA(&wc);
  g_main = CreateWindowA("Dialer14", "Dialer 1.4", WS_OVERLAPPEDWINDOW | WS_VISIBLE, 10, 10, 420, 120, NULL, NULL, inst, NULL);

  DWORD num_devs = 0;
  LONG rc = lineInitialize(&g_app, inst, line_callback, "Dialer 1.4", &num_devs);
  if (rc != 0) {
    say("FAIL: lineInitialize = 0x%lx", rc);
    return 1;
  }
  say("lineInitialize: %lu lines", num_devs);
  const int dev = choose_line(num_devs);
  if (dev < 0) {
    say("FAIL: no voice line matches '%s'", g_want_line);
    return 1;
  }
  rc = lineOpen(g_app, (DWORD)dev, &g_line, g_version, 0, 0x14, LINECALLPRIVILEGE_NONE, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
  if (rc != 0) {
    say("FAIL: lineOpen = 0x%lx", rc);
    return 1;
  }
  say("OPEN device=%d line=0x%lx", dev, g_line);
  dial_next();
  MSG m;
  while (GetMessageA(&m, NULL, 0, 0) > 0) {
    TranslateMessage(&m);
    DispatchMessageA(&m);
  }
  say(g_failed ? "FAIL" : "PASS: dialer14");
  return g_failed ? 1 : (int)m.wParam;
}
