/* datamodem: what a data program does with a modem's TAPI line before it moves data. It knows
 * nothing of telsim.
 *
 *   datamodem.exe MODEM VOICE      (substrings of the two lines' names)
 *
 * The DEVCFG round trip: lineGetDevConfig("comm/datamodem") on the modem's line gives a
 * Unimodem DEVCFG (header version 0x00010003, a COMMCONFIG with a DCB and MODEMSETTINGS); the
 * program changes the speed and an option, lineSetDevConfig takes it and lineGetDevConfig gives
 * it back unchanged. A voice line has no such class (INVALDEVICECLASS), a buffer of 8 bytes is
 * STRUCTURETOOSMALL and a blob that is no DEVCFG INVALPARAM.
 *
 * The port: lineOpen on the modem's line, then lineGetID("comm/datamodem") gives {HANDLE, name}:
 * a fresh handle each time (two calls, two handles), a serial port (GetCommState), overlapped.
 *
 *   datamodem.exe MODEM VOICE NUMBER   (also a data call)
 *
 * The data call, as Unimodem programs make one: lineOpen as the owner of DATAMODEM calls,
 * lineMakeCall(NUMBER) (the modem dials: the program sends no AT command), LINE_CALLSTATE
 * CONNECTED once the carriers are up, then lineGetID("comm/datamodem") on the call: the port in
 * online data mode. What the far modem sends (its banner) is read there, what the program writes
 * reaches it (and comes back: the far end echoes), and no modem result ("CONNECT") is in the
 * data. Then the port by the name lineGetID gave ("COMn" opened as \\.\COMn, as Unimodem's
 * is, when telsim wine-setup mapped a COM port onto the modem; else the pty's DOS path) moves
 * data too ("REOPEN path=..."). lineDrop hangs up: IDLE.
 *
 *   datamodem.exe MODEM VOICE NUMBER passthrough
 *
 * Unimodem's passthrough instead of the data call: LINEDEVCAPS' dwBearerModes has
 * LINEBEARERMODE_PASSTHROUGH on the modem's line only, and lineMakeCall with it on the voice
 * line is INVALBEARERMODE. The program first configures the modem with a DEVCFG (9600 bit/s,
 * speaker off, loud, blind dialling, 30 s to set a call up: lineSetDevConfig, which
 * lineGetDevConfig then gives back), then lineMakeCall(NULL, PASSTHROUGH) on the modem's line:
 * CONNECTED at once, LINECALLINFO's dwBearerMode PASSTHROUGH, and lineGetID("comm/datamodem") on
 * the call gives the port where the program talks to the modem itself: ATI3 names it, AT&V
 * shows the DEVCFG's settings in its active profile (M0 L3 X3 S07:030), and ATDT NUMBER dials
 * (the far modem's CONNECT at 9600, the DEVCFG's rate, and its banner; printed "PASSTHRU ...").
 * lineDrop ends it: IDLE, the modem hung up and TAPI's again.
 *
 *   datamodem.exe MODEM VOICE NUMBER answer MODEM2
 *
 * Both ends of a data call: the program owns a second modem's line (MODEM2) too, dials NUMBER
 * (that modem's) from MODEM, and answers the call that comes OFFERING on MODEM2 (the first
 * LINE_CALLSTATE of a handle TAPI gave it: dwParam3 OWNER); the modems train, each port reads
 * what the other writes; the caller hangs up (IDLE), the answered call goes DISCONNECTED and the
 * program drops it (IDLE).
 *
 * --api VERSION (before the others, e.g. --api 0x10004) makes it a program of that TAPI version:
 * lineInitializeEx and lineNegotiateAPIVersion ask for exactly that one.
 *
 * Every LINE_CALLSTATE is printed "CALLSTATE call=H id=N state=NAME mode=M priv=P" (N the call's
 * dwCallID, M dwParam2, P dwParam3), which must be 0 or a privilege: never the call's media mode.
 * Prints "PASS: datamodem" or "FAIL: ...".
 */
#include <windows.h>
#include <tapi.h>
#include <mcx.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstate.h"

static int g_failed;

/* Unimodem's DEVCFG header; a COMMCONFIG follows it. */
typedef struct {
  DWORD dwSize;
  DWORD dwVersion;
  WORD fwOptions;
  WORD wWaitBong;
} DEVCFGHDR;

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

static void check(int ok, const char *what) {
  say("%s %s", ok ? "ok:" : "FAIL:", what);
  if (!ok) g_failed = 1;
}

static VARSTRING *sized(DWORD n);

/* The calls the program has heard of: each handle's dwCallID (lineGetCallInfo's, read when the
 * first message about it came), the states it got and dwParam3 of its first LINE_CALLSTATE. */
typedef struct {
  HCALL call;
  DWORD id, seen, count, first_state, first_priv;
} Known;
static Known g_known[16];
static int g_nknown;

static Known *known(HCALL call) {
  for (int i = 0; i < g_nknown; ++i)
    if (g_known[i].call == call) return &g_known[i];
  if (g_nknown == (int)(sizeof g_known / sizeof g_known[0])) return NULL;
  Known *k = &g_known[g_nknown++];
  memset(k, 0, sizeof *k);
  k->call = call;
  BYTE buf[4096];
  LINECALLINFO *info = (LINECALLINFO *)buf;
  memset(buf, 0, sizeof buf);
  info->dwTotalSize = sizeof buf;
  if (lineGetCallInfoA(call, info) == 0) k->id = info->dwCallID;
  return k;
}

/* Takes the next message within `ms` and prints it ("CALLSTATE call=H id=N state=NAME mode=M
 * priv=P" for LINE_CALLSTATE); 0 when none came. dwParam3 of LINE_CALLSTATE is the program's
 * privilege when it changed (the first message of a call TAPI announced), else 0: never the
 * call's media mode, which a provider's LINE_CALLSTATE carries there. */
static int next_message(HLINEAPP app, DWORD ms) {
  LINEMESSAGE m;
  if (lineGetMessage(app, &m, ms) != 0) return 0;
  if (m.dwMessageID == LINE_CALLSTATE) {
    Known *k = known((HCALL)(ULONG_PTR)m.hDevice);
    say("CALLSTATE call=0x%lx id=%lu state=%s mode=0x%lx priv=0x%lx", (unsigned long)m.hDevice, k ? (unsigned long)k->id : 0ul,
        state_name((DWORD)m.dwParam1), (unsigned long)m.dwParam2, (unsigned long)m.dwParam3);
    if (m.dwParam3 != 0 && m.dwParam3 != LINECALLPRIVILEGE_MONITOR && m.dwParam3 != LINECALLPRIVILEGE_OWNER)
      check(0, "LINE_CALLSTATE's dwParam3 is 0 or a privilege");
    if (k) {
      if (k->count++ == 0) {
        k->first_state = (DWORD)m.dwParam1;
        k->first_priv = (DWORD)m.dwParam3;
      }
      k->seen |= (DWORD)m.dwParam1;
    }
  } else if (m.dwMessageID == LINE_REPLY) {
    say("REPLY id=0x%lx result=0x%lx", (unsigned long)m.dwParam1, (unsigned long)m.dwParam2);
  } else if (m.dwMessageID == LINE_APPNEWCALL) {
    say("APPNEWCALL call=0x%lx priv=0x%lx", (unsigned long)m.dwParam2, (unsigned long)m.dwParam3);
  }
  return 1;
}

/* Waits up to `ms` for `call` to have been in `state` (printing every message); 0 when it did not,
 * or when it was DISCONNECTED first (for a state before that). */
static int wait_state(HLINEAPP app, const HCALL *callp, DWORD state, DWORD ms) {
  const DWORD end = GetTickCount() + ms;
  for (;;) {
    /* *callp is written when lineMakeCall's request completes, before its LINE_REPLY. */
    Known *k = NULL;
    for (int i = 0; *callp && i < g_nknown; ++i)
      if (g_known[i].call == *callp) k = &g_known[i];
    if (k && (k->seen & state)) return 1;
    if (k && (k->seen & LINECALLSTATE_DISCONNECTED) && state != LINECALLSTATE_IDLE) return 0;
    const DWORD now = GetTickCount();
    if ((LONG)(end - now) <= 0) return 0;
    next_message(app, end - now);
  }
}

/* Reads from the port until `want` has arrived or `ms` ran out; what came is kept in `got`. */
static int read_until(HANDLE port, const char *want, char *got, DWORD size, DWORD ms) {
  DWORD have = (DWORD)strlen(got);
  const DWORD end = GetTickCount() + ms;
  OVERLAPPED o;
  memset(&o, 0, sizeof o);
  o.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
  while (!strstr(got, want) && (LONG)(end - GetTickCount()) > 0 && have + 1 < size) {
    DWORD n = 0;
    ResetEvent(o.hEvent);
    BOOL ok = ReadFile(port, got + have, size - have - 1, &n, &o);
    if (!ok && GetLastError() == ERROR_IO_PENDING) ok = GetOverlappedResult(port, &o, &n, TRUE);
    if (!ok) {
      say("ReadFile failed: %lu", GetLastError());
      break;
    }
    have += n;
    got[have] = 0;
    if (n == 0) Sleep(50);
  }
  CloseHandle(o.hEvent);
  return strstr(got, want) != NULL;
}

/* Writes `text` through an overlapped handle. */
static int write_all(HANDLE port, const char *text) {
  OVERLAPPED o;
  memset(&o, 0, sizeof o);
  o.hEvent = CreateEventA(NULL, TRUE, FALSE, NULL);
  DWORD n = 0;
  const DWORD len = (DWORD)strlen(text);
  BOOL ok = WriteFile(port, text, len, &n, &o);
  if (!ok && GetLastError() == ERROR_IO_PENDING) ok = GetOverlappedResult(port, &o, &n, TRUE);
  CloseHandle(o.hEvent);
  return ok && n == len;
}

/* LINECALLPARAMS of a data call with the bearer mode `bearer` (VOICE: the modem dials over the
 * voice network; PASSTHROUGH: the program gets the modem's AT interpreter). */
static LINECALLPARAMS data_params(DWORD bearer) {
  LINECALLPARAMS params;
  memset(&params, 0, sizeof params);
  params.dwTotalSize = sizeof params;
  params.dwBearerMode = bearer;
  params.dwMediaMode = LINEMEDIAMODE_DATAMODEM;
  return params;
}

static void data_call(HLINEAPP app, DWORD modem, DWORD v, const char *number) {
  HLINE line;
  LONG rc = lineOpenA(app, modem, &line, v, 0, 0, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_DATAMODEM, NULL);
  check(rc == 0, "lineOpenA on the modem's line as the owner of DATAMODEM calls");
  if (rc != 0) return;
  LINECALLPARAMS params = data_params(LINEBEARERMODE_VOICE);
  HCALL call = 0;
  rc = lineMakeCallA(line, &call, number, 0, &params);
  check(rc > 0, "lineMakeCallA: the modem dials (a request id)");
  if (rc <= 0) return;
  const DWORD t0 = GetTickCount();
  const int connected = wait_state(app, &call, LINECALLSTATE_CONNECTED, 30000);
  check(connected, "LINE_CALLSTATE CONNECTED");
  say("CONNECTED after %lu ms", (unsigned long)(GetTickCount() - t0));
  if (!connected) return;
  VARSTRING *vs = sized(1024);
  rc = lineGetIDA(line, 0, call, LINECALLSELECT_CALL, vs, "comm/datamodem");
  check(rc == 0 && vs->dwStringSize > sizeof(HANDLE), "lineGetIDA(comm/datamodem) on the call");
  if (rc != 0) return;
  HANDLE port;
  char name[MAX_PATH];
  memcpy(&port, (BYTE *)vs + vs->dwStringOffset, sizeof(HANDLE));
  lstrcpynA(name, (const char *)vs + vs->dwStringOffset + sizeof(HANDLE), sizeof name);
  say("port handle=%p name=%s", port, name);
  COMMTIMEOUTS t = {MAXDWORD, 0, 0, 0, 0};
  SetCommTimeouts(port, &t);
  char got[4096] = "";
  check(read_until(port, "Welcome", got, sizeof got, 20000), "the far modem's banner comes through the port");
  check(strstr(got, "CONNECT") == NULL && strstr(got, "RING") == NULL, "no modem result codes in the data");
  check(write_all(port, "hello, far end\r"), "WriteFile on the port");
  check(read_until(port, "hello, far end", got, sizeof got, 20000), "what the program writes reaches the far modem (its echo comes back)");
  say("DATA %s", got);
  CloseHandle(port);
  /* The port by its name, as a program that keeps only the name opens it: a COM port through
   * \\.\COMn (COM10 and up need that form), any other name as it is. */
  char path[MAX_PATH + 4];
  if (_strnicmp(name, "COM", 3) == 0)
    snprintf(path, sizeof path, "\\\\.\\%s", name);
  else
    lstrcpynA(path, name, sizeof path);
  port = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
  say("REOPEN path=%s %s", path, port == INVALID_HANDLE_VALUE ? "failed" : "ok");
  check(port != INVALID_HANDLE_VALUE, "CreateFileA on the port's name");
  if (port != INVALID_HANDLE_VALUE) {
    SetCommTimeouts(port, &t);
    got[0] = 0;
    check(write_all(port, "again, far end\r"), "WriteFile on the reopened port");
    check(read_until(port, "again, far end", got, sizeof got, 20000), "the reopened port moves data (the echo comes back)");
    say("DATA2 %s", got);
    CloseHandle(port);
  }
  rc = lineDrop(call, NULL, 0);
  check(rc > 0, "lineDrop: the modem hangs up");
  check(wait_state(app, &call, LINECALLSTATE_IDLE, 20000), "LINE_CALLSTATE IDLE");
  check(lineDeallocateCall(call) == 0, "lineDeallocateCall");
  lineClose(line);
}

/* Sends an AT command line through the port and reads the answer up to `until`. */
static int at_command(HANDLE port, const char *cmd, const char *until, char *got, DWORD size) {
  char line[128];
  snprintf(line, sizeof line, "%s\r", cmd);
  got[0] = 0;
  if (!write_all(port, line)) return 0;
  const int ok = read_until(port, until, got, size, 20000);
  say("PASSTHRU %s -> %s", cmd, got);
  return ok;
}

static void passthrough_call(HLINEAPP app, DWORD modem, DWORD voice, DWORD v, const char *number) {
  BYTE buf[4096];
  LINEDEVCAPS *caps = (LINEDEVCAPS *)buf;
  memset(buf, 0, sizeof buf);
  caps->dwTotalSize = sizeof buf;
  check(lineGetDevCapsA(app, modem, v, 0, caps) == 0 && (caps->dwBearerModes & LINEBEARERMODE_PASSTHROUGH),
        "the modem's line offers LINEBEARERMODE_PASSTHROUGH");
  memset(buf, 0, sizeof buf);
  caps->dwTotalSize = sizeof buf;
  check(lineGetDevCapsA(app, voice, v, 0, caps) == 0 && !(caps->dwBearerModes & LINEBEARERMODE_PASSTHROUGH),
        "the voice line does not");

  LINECALLPARAMS params = data_params(LINEBEARERMODE_PASSTHROUGH);
  HLINE vline;
  LONG rc = lineOpenA(app, voice, &vline, v, 0, 0, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
  check(rc == 0, "lineOpenA on the voice line");
  if (rc == 0) {
    HCALL vcall = 0;
    params.dwMediaMode = LINEMEDIAMODE_INTERACTIVEVOICE;
    rc = lineMakeCallA(vline, &vcall, NULL, 0, &params);
    say("voice passthrough rc=0x%lx", (unsigned long)rc);
    check(rc == (LONG)LINEERR_INVALBEARERMODE, "lineMakeCallA(PASSTHROUGH) on the voice line: INVALBEARERMODE");
    params.dwMediaMode = LINEMEDIAMODE_DATAMODEM;
    lineClose(vline);
  }

  /* The DEVCFG that configures the modem. */
  VARSTRING *vs = sized(256);
  BYTE cfg[1024];
  rc = lineGetDevConfigA(modem, vs, "comm/datamodem");
  if (rc != 0 || vs->dwStringSize > sizeof cfg) {
    check(0, "lineGetDevConfigA");
    return;
  }
  const DWORD size = vs->dwStringSize;
  memcpy(cfg, (BYTE *)vs + vs->dwStringOffset, size);
  COMMCONFIG *cc = (COMMCONFIG *)(cfg + sizeof(DEVCFGHDR));
  MODEMSETTINGS *ms = (MODEMSETTINGS *)((BYTE *)cc + cc->dwProviderOffset);
  cc->dcb.BaudRate = 9600;
  ms->dwSpeakerMode = MDMSPKR_OFF;
  ms->dwSpeakerVolume = MDMVOL_HIGH;
  ms->dwPreferredModemOptions |= MDM_BLIND_DIAL;
  ms->dwCallSetupFailTimer = 30;
  check(lineSetDevConfigA(modem, cfg, size, "comm/datamodem") == 0, "lineSetDevConfigA: 9600 bit/s, speaker off, loud, blind dial, 30 s");
  vs = sized(256);
  check(lineGetDevConfigA(modem, vs, "comm/datamodem") == 0 && vs->dwStringSize == size &&
            memcmp((BYTE *)vs + vs->dwStringOffset, cfg, size) == 0,
        "lineGetDevConfigA gives the modem's new configuration");

  HLINE line;
  rc = lineOpenA(app, modem, &line, v, 0, 0, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_DATAMODEM, NULL);
  check(rc == 0, "lineOpenA on the modem's line as the owner of DATAMODEM calls");
  if (rc != 0) return;
  HCALL call = 0;
  rc = lineMakeCallA(line, &call, NULL, 0, &params);
  check(rc > 0, "lineMakeCallA(NULL, PASSTHROUGH): a request id");
  if (rc <= 0) return;
  const int connected = wait_state(app, &call, LINECALLSTATE_CONNECTED, 20000);
  check(connected, "LINE_CALLSTATE CONNECTED at once (nothing dialled)");
  if (!connected) return;
  LINECALLINFO *info = (LINECALLINFO *)buf;
  memset(buf, 0, sizeof buf);
  info->dwTotalSize = sizeof buf;
  check(lineGetCallInfoA(call, info) == 0 && info->dwBearerMode == LINEBEARERMODE_PASSTHROUGH,
        "LINECALLINFO dwBearerMode PASSTHROUGH");
  vs = sized(1024);
  rc = lineGetIDA(line, 0, call, LINECALLSELECT_CALL, vs, "comm/datamodem");
  check(rc == 0 && vs->dwStringSize > sizeof(HANDLE), "lineGetIDA(comm/datamodem) on the passthrough call");
  if (rc != 0) return;
  HANDLE port;
  memcpy(&port, (BYTE *)vs + vs->dwStringOffset, sizeof(HANDLE));
  COMMTIMEOUTS t = {MAXDWORD, 0, 0, 0, 0};
  SetCommTimeouts(port, &t);
  char got[4096];
  check(at_command(port, "AT", "OK", got, sizeof got), "AT: the modem answers the program (OK)");
  check(at_command(port, "ATI3", "OK", got, sizeof got) && strstr(got, "telsim modem") != NULL,
        "ATI3: the modem names itself");
  check(at_command(port, "AT&V", "OK", got, sizeof got) && strstr(got, " L3 ") && strstr(got, " M0 ") &&
            strstr(got, " X3 ") && strstr(got, "S07:030"),
        "AT&V: the DEVCFG's speaker, volume, blind dialling and S7 are the modem's");
  char dial[64];
  snprintf(dial, sizeof dial, "ATDT%s", number);
  check(at_command(port, dial, "Welcome", got, sizeof got) && strstr(got, "CONNECT 9600") != NULL,
        "ATDT: the program's own dialling connects at the DEVCFG's 9600 bit/s, the banner follows");
  rc = lineDrop(call, NULL, 0);
  check(rc > 0, "lineDrop ends passthrough");
  check(wait_state(app, &call, LINECALLSTATE_IDLE, 20000), "LINE_CALLSTATE IDLE");
  CloseHandle(port);
  check(lineDeallocateCall(call) == 0, "lineDeallocateCall");
  lineClose(line);
}

/* The other end of a data call: the program owns a second modem's line too, dials it from the
 * first, and answers there. A program of TAPI 1.4 hears of the call by its first LINE_CALLSTATE
 * (OFFERING), whose dwParam3 is its privilege, OWNER (a 2.x program gets LINE_APPNEWCALL
 * first); the modems train, and what each writes the other reads. */
static void answer_call(HLINEAPP app, DWORD modem, DWORD other, DWORD v, const char *number) {
  HLINE line, line2;
  LONG rc = lineOpenA(app, modem, &line, v, 0, 0, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_DATAMODEM, NULL);
  check(rc == 0, "lineOpenA on the dialling modem's line as the owner of DATAMODEM calls");
  if (rc != 0) return;
  rc = lineOpenA(app, other, &line2, v, 0, 0, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_DATAMODEM, NULL);
  check(rc == 0, "lineOpenA on the answering modem's line as the owner of DATAMODEM calls");
  if (rc != 0) return;
  LINECALLPARAMS params = data_params(LINEBEARERMODE_VOICE);
  HCALL call = 0, offered = 0;
  rc = lineMakeCallA(line, &call, number, 0, &params);
  check(rc > 0, "lineMakeCallA to the other modem (a request id)");
  if (rc <= 0) return;
  /* The answering modem's call: the first handle the program did not make that came OFFERING. */
  const DWORD end = GetTickCount() + 30000;
  while (!offered && (LONG)(end - GetTickCount()) > 0) {
    for (int i = 0; i < g_nknown && !offered; ++i)
      if (g_known[i].call != call && g_known[i].first_state == LINECALLSTATE_OFFERING) offered = g_known[i].call;
    if (!offered) next_message(app, 200);
  }
  check(offered != 0, "LINE_CALLSTATE OFFERING on the answering modem's line");
  if (!offered) return;
  const Known *k = known(offered);
  say("OFFERED call=0x%lx id=%lu priv=0x%lx", (unsigned long)offered, (unsigned long)k->id, (unsigned long)k->first_priv);
  check(k->first_priv == LINECALLPRIVILEGE_OWNER, "the offered call's first LINE_CALLSTATE: dwParam3 OWNER, not the media mode");
  BYTE buf[4096];
  LINECALLINFO *info = (LINECALLINFO *)buf;
  memset(buf, 0, sizeof buf);
  info->dwTotalSize = sizeof buf;
  check(lineGetCallInfoA(offered, info) == 0 && info->hLine == line2 && (info->dwMediaMode & LINEMEDIAMODE_DATAMODEM),
        "LINECALLINFO: the answering modem's line, DATAMODEM");
  LINECALLSTATUS st;
  memset(&st, 0, sizeof st);
  st.dwTotalSize = sizeof st;
  check(lineGetCallStatus(offered, &st) == 0 && st.dwCallPrivilege == LINECALLPRIVILEGE_OWNER, "LINECALLSTATUS: OWNER");
  rc = lineAnswer(offered, NULL, 0);
  check(rc > 0, "lineAnswer: the answering modem answers (a request id)");
  check(wait_state(app, &offered, LINECALLSTATE_CONNECTED, 30000), "the answered call CONNECTED");
  check(wait_state(app, &call, LINECALLSTATE_CONNECTED, 30000), "the dialled call CONNECTED");
  HANDLE ports[2] = {NULL, NULL};
  HCALL calls[2] = {call, offered};
  HLINE lines[2] = {line, line2};
  for (int i = 0; i < 2; ++i) {
    VARSTRING *vs = sized(1024);
    rc = lineGetIDA(lines[i], 0, calls[i], LINECALLSELECT_CALL, vs, "comm/datamodem");
    check(rc == 0 && vs->dwStringSize > sizeof(HANDLE), "lineGetIDA(comm/datamodem) on each call");
    if (rc != 0) return;
    memcpy(&ports[i], (BYTE *)vs + vs->dwStringOffset, sizeof(HANDLE));
    COMMTIMEOUTS t = {MAXDWORD, 0, 0, 0, 0};
    SetCommTimeouts(ports[i], &t);
  }
  char got[1024] = "";
  check(write_all(ports[0], "from the caller\r") && read_until(ports[1], "from the caller", got, sizeof got, 20000),
        "what the dialling modem's port writes, the answering modem's reads");
  say("DATA %s", got);
  got[0] = 0;
  check(write_all(ports[1], "from the answerer\r") && read_until(ports[0], "from the answerer", got, sizeof got, 20000),
        "and the other way");
  say("DATA %s", got);
  CloseHandle(ports[0]);
  CloseHandle(ports[1]);
  /* The caller hangs up; the answering modem loses its carrier and the program drops that call too. */
  check(lineDrop(call, NULL, 0) > 0, "lineDrop on the dialled call");
  check(wait_state(app, &call, LINECALLSTATE_IDLE, 20000), "the dialled call IDLE");
  check(wait_state(app, &offered, LINECALLSTATE_DISCONNECTED, 20000), "the answered call DISCONNECTED: the far modem hung up");
  check(lineDrop(offered, NULL, 0) > 0, "lineDrop on the answered call");
  check(wait_state(app, &offered, LINECALLSTATE_IDLE, 20000), "the answered call IDLE");
  check(lineDeallocateCall(call) == 0 && lineDeallocateCall(offered) == 0, "lineDeallocateCall on both");
  lineClose(line);
  lineClose(line2);
}

static VARSTRING *sized(DWORD n) {
  static BYTE bufs[4][8192];
  static int next;
  VARSTRING *v = (VARSTRING *)bufs[next++ % 4];
  memset(v, 0, n);
  v->dwTotalSize = n;
  return v;
}

int main(int argc, char **argv) {
  /* --api V: the program is of TAPI version V (0x10004: a TAPI 1.4 program), the only one it
   * negotiates. */
  DWORD api = 0;
  int n = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--api") == 0 && i + 1 < argc) api = strtoul(argv[++i], NULL, 16);
    else argv[++n] = argv[i];
  }
  argc = n + 1;
  if (argc < 3) {
    say("usage: datamodem.exe [--api VERSION] MODEM VOICE [NUMBER [passthrough | answer MODEM2]]");
    return 2;
  }
  const int answering = argc >= 6 && strcmp(argv[4], "answer") == 0;
  HLINEAPP app;
  DWORD devices = 0, version = api ? api : 0x00020002;
  LINEINITIALIZEEXPARAMS p;
  memset(&p, 0, sizeof p);
  p.dwTotalSize = sizeof p;
  p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
  if (lineInitializeExA(&app, GetModuleHandleA(NULL), NULL, "datamodem", &devices, &version, &p) != 0) {
    say("FAIL: lineInitializeExA");
    return 1;
  }
  DWORD modem = ~0u, voice = ~0u, other = ~0u, v = 0, modem_v = 0;
  for (DWORD d = 0; d < devices; ++d) {
    LINEEXTENSIONID ext;
    if (lineNegotiateAPIVersion(app, d, api ? api : 0x00010004, api ? api : 0x00020002, &v, &ext) != 0) continue;
    BYTE buf[4096];
    LINEDEVCAPS *caps = (LINEDEVCAPS *)buf;
    memset(buf, 0, sizeof buf);
    caps->dwTotalSize = sizeof buf;
    if (lineGetDevCapsA(app, d, v, 0, caps) != 0 || !caps->dwLineNameSize) continue;
    const char *name = (const char *)buf + caps->dwLineNameOffset;
    if (strstr(name, argv[1])) {
      modem = d;
      modem_v = v;
      say("LINE %lu version=0x%lx name=%s", (unsigned long)d, (unsigned long)v, name);
    }
    if (strstr(name, argv[2])) voice = d;
    if (answering && strstr(name, argv[5])) other = d;
  }
  if (modem == ~0u || voice == ~0u || (answering && other == ~0u)) {
    say("FAIL: no lines matching %s and %s%s%s", argv[1], argv[2], answering ? " and " : "", answering ? argv[5] : "");
    return 1;
  }
  v = modem_v;

  /* The DEVCFG round trip. */
  check(lineGetDevConfigA(voice, sized(256), "comm/datamodem") == (LONG)LINEERR_INVALDEVICECLASS,
        "a voice line's comm/datamodem config: INVALDEVICECLASS");
  check(lineGetDevConfigA(modem, sized(8), "comm/datamodem") == (LONG)LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  VARSTRING *vs = sized(256);
  LONG rc = lineGetDevConfigA(modem, vs, "comm/datamodem");
  check(rc == 0 && vs->dwStringSize >= sizeof(DEVCFGHDR) + sizeof(COMMCONFIG) && vs->dwStringFormat == STRINGFORMAT_BINARY,
        "lineGetDevConfigA: a binary DEVCFG");
  BYTE cfg[1024];
  const DWORD size = vs->dwStringSize;
  if (rc != 0 || size > sizeof cfg) return 1;
  memcpy(cfg, (BYTE *)vs + vs->dwStringOffset, size);
  DEVCFGHDR *h = (DEVCFGHDR *)cfg;
  COMMCONFIG *cc = (COMMCONFIG *)(cfg + sizeof(DEVCFGHDR));
  say("DEVCFG size=%lu version=0x%lx options=0x%x baud=%lu bits=%u subtype=%lu", (unsigned long)h->dwSize,
      (unsigned long)h->dwVersion, h->fwOptions, (unsigned long)cc->dcb.BaudRate, cc->dcb.ByteSize,
      (unsigned long)cc->dwProviderSubType);
  check(h->dwSize == size && h->dwVersion == 0x00010003, "Unimodem's header (version 0x00010003)");
  check(cc->dcb.DCBlength == sizeof(DCB) && cc->dcb.BaudRate == 33600 && cc->dcb.ByteSize == 8 &&
            cc->dwProviderSubType == PST_MODEM,
        "a COMMCONFIG: 8 bits at the modem's 33600 bit/s, MODEMSETTINGS");
  cc->dcb.BaudRate = 9600;
  h->fwOptions |= 1; /* a terminal window before dialling */
  check(lineSetDevConfigA(modem, cfg, size, "comm/datamodem") == 0, "lineSetDevConfigA takes it");
  vs = sized(256);
  check(lineGetDevConfigA(modem, vs, "comm/datamodem") == 0 && vs->dwStringSize == size &&
            memcmp((BYTE *)vs + vs->dwStringOffset, cfg, size) == 0,
        "lineGetDevConfigA gives it back as set (9600 bit/s, TERMINAL_PRE)");
  DWORD junk = 4;
  check(lineSetDevConfigA(modem, &junk, sizeof junk, "comm/datamodem") == (LONG)LINEERR_INVALPARAM,
        "4 bytes that are no DEVCFG: INVALPARAM");
  check(lineSetDevConfigA(voice, cfg, size, "comm/datamodem") == (LONG)LINEERR_INVALDEVICECLASS,
        "on a voice line: INVALDEVICECLASS");

  /* The port. */
  HLINE line;
  rc = lineOpenA(app, modem, &line, v, 0, 0, LINECALLPRIVILEGE_MONITOR, 0, NULL);
  check(rc == 0, "lineOpenA on the modem's line");
  if (rc != 0) return 1;
  HANDLE ports[2] = {NULL, NULL};
  char name[MAX_PATH] = "";
  for (int i = 0; i < 2; ++i) {
    vs = sized(1024);
    rc = lineGetIDA(line, 0, 0, LINECALLSELECT_LINE, vs, "comm/datamodem");
    check(rc == 0 && vs->dwStringSize > sizeof(HANDLE), "lineGetIDA(comm/datamodem): {HANDLE, name}");
    if (rc != 0) return 1;
    memcpy(&ports[i], (BYTE *)vs + vs->dwStringOffset, sizeof(HANDLE));
    lstrcpynA(name, (const char *)vs + vs->dwStringOffset + sizeof(HANDLE), sizeof name);
    say("port handle=%p name=%s", ports[i], name);
  }
  check(ports[0] && ports[1] && ports[0] != ports[1], "a fresh handle each time");
  DCB dcb;
  memset(&dcb, 0, sizeof dcb);
  dcb.DCBlength = sizeof dcb;
  check(GetCommState(ports[0], &dcb) != 0, "GetCommState: the handle is a serial port");
  CloseHandle(ports[0]);
  CloseHandle(ports[1]);
  lineClose(line);
  if (argc >= 5 && strcmp(argv[4], "passthrough") == 0)
    passthrough_call(app, modem, voice, v, argv[3]);
  else if (answering)
    answer_call(app, modem, other, v, argv[3]);
  else if (argc >= 4)
    data_call(app, modem, v, argv[3]);
  lineShutdown(app);
  say(g_failed ? "FAIL: datamodem" : "PASS: datamodem");
  return g_failed ? 1 : 0;
}
