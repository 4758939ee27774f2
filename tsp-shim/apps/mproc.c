/* mproc: two TAPI programs sharing one line from two processes, as a dialler and a call logger
 * do on a desk. It knows nothing of telsim. The test copies it under two names and runs both at
 * once in one Wine prefix; each process has its own tapi32.dll and provider instance, so what
 * one does reaches the other only through the server.
 *
 *   mplog.exe  --logger LINE
 *   mpdial.exe --dialer LINE --to NUMBER --handoff-to FILE.exe
 *
 * The logger opens LINE with LINECALLPRIVILEGE_MONITOR | _OWNER for interactive voice calls (so
 * that it can be handed calls), signals "ready" (a named event), and watches: a call the dialler
 * makes reaches it with LINE_APPNEWCALL and MONITOR; it may not drop it (NOTOWNER). When the
 * dialler hands the call off to it by name, LINE_CALLSTATE says OWNER in dwParam3 and
 * LINECALLSTATUS agrees; it then hangs up, and deallocates at IDLE.
 *
 * The dialler waits for "ready", opens LINE as owner of interactive voice and dials NUMBER. Once
 * CONNECTED it checks that it may not step down to monitor while it is the only owner in any
 * process (INVALCALLSTATE), hands the call off to FILE.exe (lineHandoff by name: 0), keeps its
 * own ownership (TAPI) and then steps down to monitor (now allowed: the logger owns it), after
 * which it may not drop it (NOTOWNER). At IDLE it deallocates.
 *
 * Both use lineInitializeExA with the event handle and lineGetMessage, print every message
 * ("CALLSTATE call=H id=N state=S mode=M priv=P") and end with "PASS: ROLE" or "FAIL: ...".
 */
#include <windows.h>
#include <tapi.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstate.h"

static const char *g_role = "?";
static int g_failed;
static HLINEAPP g_app;
static HANDLE g_event;
static HLINE g_line;
static HCALL g_call;
static DWORD g_version;
static DWORD g_privilege;  /* the privilege on g_call as TAPI said it */
static int g_done;

static void say(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf - 2, fmt, ap);
  va_end(ap);
  strcat(buf, "\n");
  DWORD n;
  WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), buf, (DWORD)strlen(buf), &n, NULL);
}

static void fail(const char *fmt, ...) {
  char buf[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  say("FAIL: %s: %s", g_role, buf);
  g_failed = 1;
  g_done = 1;
}

static const char *error_name(LONG rc) {
  switch ((DWORD)rc) {
    case 0: return "0";
    case LINEERR_NOTOWNER: return "NOTOWNER";
    case LINEERR_INVALCALLSTATE: return "INVALCALLSTATE";
    case LINEERR_TARGETNOTFOUND: return "TARGETNOTFOUND";
    case LINEERR_TARGETSELF: return "TARGETSELF";
    case LINEERR_INVALCALLHANDLE: return "INVALCALLHANDLE";
    case LINEERR_OPERATIONFAILED: return "OPERATIONFAILED";
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "0x%lx", (unsigned long)rc);
      return buf;
    }
  }
}

static DWORD call_id(HCALL call) {
  BYTE buf[2048];
  LINECALLINFO *ci = (LINECALLINFO *)buf;
  memset(buf, 0, sizeof buf);
  ci->dwTotalSize = sizeof buf;
  return lineGetCallInfoA(call, ci) == 0 ? ci->dwCallID : 0;
}

static DWORD status_privilege(HCALL call) {
  LINECALLSTATUS st;
  memset(&st, 0, sizeof st);
  st.dwTotalSize = sizeof st;
  return lineGetCallStatus(call, &st) == 0 ? st.dwCallPrivilege : 0;
}

static void expect(const char *what, LONG got, LONG want) {
  say("%s %s %s = %s", g_role, what, got == want ? "ok:" : "unexpected:", error_name(got));
  if (got != want) fail("%s = %s, TAPI says %s", what, error_name(got), error_name(want));
}

static int open_line(const char *want, DWORD privileges) {
  DWORD devices = 0;
  LINEINITIALIZEEXPARAMS p;
  memset(&p, 0, sizeof p);
  p.dwTotalSize = sizeof p;
  p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
  DWORD version = 0x00020002;
  LONG rc = lineInitializeExA(&g_app, GetModuleHandleA(NULL), NULL, g_role, &devices, &version, &p);
  if (rc != 0) {
    fail("lineInitializeExA = %s", error_name(rc));
    return 0;
  }
  g_event = p.Handles.hEvent;
  for (DWORD d = 0; d < devices; ++d) {
    LINEEXTENSIONID ext;
    if (lineNegotiateAPIVersion(g_app, d, 0x00010004, 0x00020002, &g_version, &ext) != 0) continue;
    BYTE buf[4096];
    LINEDEVCAPS *caps = (LINEDEVCAPS *)buf;
    memset(buf, 0, sizeof buf);
    caps->dwTotalSize = sizeof buf;
    if (lineGetDevCapsA(g_app, d, g_version, 0, caps) != 0 || !caps->dwLineNameSize) continue;
    if (!strstr((const char *)buf + caps->dwLineNameOffset, want)) continue;
    rc = lineOpenA(g_app, d, &g_line, g_version, 0, 0, privileges, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
    if (rc != 0) {
      fail("lineOpenA(%s) = %s", want, error_name(rc));
      return 0;
    }
    say("%s opened device %lu (%s)", g_role, (unsigned long)d, (const char *)buf + caps->dwLineNameOffset);
    return 1;
  }
  fail("no line matching %s among %lu", want, (unsigned long)devices);
  return 0;
}

/* The logger: watches, is handed the call, hangs up. */
static void logger_state(HCALL call, DWORD state, DWORD_PTR mode, DWORD_PTR priv) {
  say("CALLSTATE call=0x%lx id=%lu state=%s mode=0x%lx priv=0x%lx", (unsigned long)call, (unsigned long)call_id(call),
      state_name(state), (unsigned long)mode, (unsigned long)priv);
  if (call != g_call) {
    fail("LINE_CALLSTATE for 0x%lx, a handle LINE_APPNEWCALL never gave", (unsigned long)call);
    return;
  }
  if (priv == LINECALLPRIVILEGE_OWNER && g_privilege == LINECALLPRIVILEGE_MONITOR) {
    /* The handoff: this application owns the call now. */
    g_privilege = LINECALLPRIVILEGE_OWNER;
    say("%s became an owner by handoff", g_role);
    if (status_privilege(call) != LINECALLPRIVILEGE_OWNER) fail("LINECALLSTATUS does not say OWNER after the handoff");
    const LONG id = lineDrop(call, NULL, 0);
    if (id <= 0) fail("lineDrop as the new owner = %s", error_name(id));
  } else if (priv != 0 && priv != g_privilege) {
    fail("LINE_CALLSTATE dwParam3 0x%lx", (unsigned long)priv);
  }
  if (state == LINECALLSTATE_CONNECTED && g_privilege == LINECALLPRIVILEGE_MONITOR) {
    expect("lineDrop as a monitor", lineDrop(call, NULL, 0), LINEERR_NOTOWNER);
    if (status_privilege(call) != LINECALLPRIVILEGE_MONITOR) fail("LINECALLSTATUS does not say MONITOR");
  }
  if (state == LINECALLSTATE_IDLE) {
    if (g_privilege != LINECALLPRIVILEGE_OWNER) fail("IDLE before the handoff reached this process");
    expect("lineDeallocateCall at IDLE", lineDeallocateCall(call), 0);
    g_call = 0;
    g_done = 1;
  }
}

/* The dialler: dials, hands off, steps down, deallocates. */
static void dialler_state(HCALL call, DWORD state, DWORD_PTR mode, DWORD_PTR priv, const char *target) {
  say("CALLSTATE call=0x%lx id=%lu state=%s mode=0x%lx priv=0x%lx", (unsigned long)call, (unsigned long)call_id(call),
      state_name(state), (unsigned long)mode, (unsigned long)priv);
  if (call != g_call) return;
  if (state == LINECALLSTATE_CONNECTED) {
    expect("lineSetCallPrivilege(MONITOR) as the only owner", lineSetCallPrivilege(call, LINECALLPRIVILEGE_MONITOR),
           LINEERR_INVALCALLSTATE);
    expect("lineHandoff to the logger by name", lineHandoffA(call, target, 0), 0);
    if (status_privilege(call) != LINECALLPRIVILEGE_OWNER) fail("the handoff took this application's ownership (TAPI keeps it)");
    expect("lineSetCallPrivilege(MONITOR) with another owner", lineSetCallPrivilege(call, LINECALLPRIVILEGE_MONITOR), 0);
    g_privilege = LINECALLPRIVILEGE_MONITOR;
    if (status_privilege(call) != LINECALLPRIVILEGE_MONITOR) fail("LINECALLSTATUS does not say MONITOR");
    expect("lineDrop as a monitor", lineDrop(call, NULL, 0), LINEERR_NOTOWNER);
  }
  if (state == LINECALLSTATE_IDLE) {
    expect("lineDeallocateCall at IDLE", lineDeallocateCall(call), 0);
    g_call = 0;
    g_done = 1;
  }
}

int main(int argc, char **argv) {
  const char *line = NULL, *to = NULL, *target = NULL;
  int logger = 0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!strcmp(argv[i], "--logger")) logger = 1, line = argv[++i];
    else if (!strcmp(argv[i], "--dialer")) line = argv[++i];
    else if (!strcmp(argv[i], "--to")) to = argv[++i];
    else if (!strcmp(argv[i], "--handoff-to")) target = argv[++i];
  }
  g_role = logger ? "logger" : "dialer";
  if (!line || (!logger && (!to || !target))) {
    say("usage: --logger LINE | --dialer LINE --to NUMBER --handoff-to FILE.exe");
    return 2;
  }
  HANDLE ready = CreateEventA(NULL, TRUE, FALSE, "Local\\telsim-mproc-logger-ready");
  if (!logger && WaitForSingleObject(ready, 120000) != WAIT_OBJECT_0) {
    fail("the logger never said it was ready");
    return 1;
  }
  if (!open_line(line, logger ? LINECALLPRIVILEGE_MONITOR | LINECALLPRIVILEGE_OWNER : LINECALLPRIVILEGE_OWNER)) return 1;
  if (logger) {
    SetEvent(ready);
  } else {
    const LONG id = lineMakeCallA(g_line, &g_call, to, 0, NULL);
    if (id <= 0) fail("lineMakeCallA = %s", error_name(id));
    g_privilege = LINECALLPRIVILEGE_OWNER;
  }
  const DWORD deadline = GetTickCount() + 300000;
  while (!g_done && GetTickCount() < deadline) {
    LINEMESSAGE m;
    if (lineGetMessage(g_app, &m, 1000) != 0) continue;
    switch (m.dwMessageID) {
      case LINE_APPNEWCALL:
        say("APPNEWCALL call=0x%lx priv=0x%lx", (unsigned long)m.dwParam2, (unsigned long)m.dwParam3);
        if (!logger) fail("the dialler was given a call it did not make");
        else if (g_call) fail("a second call");
        g_call = (HCALL)m.dwParam2;
        g_privilege = (DWORD)m.dwParam3;
        if (g_privilege != LINECALLPRIVILEGE_MONITOR) fail("the logger's first privilege is 0x%lx, not MONITOR", g_privilege);
        break;
      case LINE_CALLSTATE:
        if (logger) logger_state((HCALL)m.hDevice, (DWORD)m.dwParam1, m.dwParam2, m.dwParam3);
        else dialler_state((HCALL)m.hDevice, (DWORD)m.dwParam1, m.dwParam2, m.dwParam3, target);
        break;
      case LINE_REPLY:
        say("REPLY id=%lu result=%s", (unsigned long)m.dwParam1, error_name((LONG)m.dwParam2));
        if (m.dwParam2 != 0) fail("LINE_REPLY %s", error_name((LONG)m.dwParam2));
        break;
      default:
        break;
    }
  }
  if (!g_done) fail("not done within 300 s");
  lineClose(g_line);
  lineShutdown(g_app);
  if (!g_failed) say("PASS: %s", g_role);
  return g_failed ? 1 : 0;
}
