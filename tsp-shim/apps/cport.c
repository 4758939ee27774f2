/* cport: a TAPI 2.x server-style program that takes its messages from an I/O completion port, as
 * services built around one thread pool do. It knows nothing of telsim. It creates the port,
 * gives it to lineInitializeExA (LINEINITIALIZEEXOPTION_USECOMPLETIONPORT) with a completion key,
 * and dials each number of its command line from the line matching --line, hanging up when the
 * call connects or is busy and deallocating it when it is idle. Every message arrives as a
 * LINEMESSAGE that TAPI allocated and the program frees with LocalFree.
 *
 *   cport.exe [--line TEXT] NUMBER...
 *
 * It checks: the completion key and the byte count TAPI posts, LINE_REPLY after lineMakeCall
 * returned its id (it is taken from the port only afterwards anyway, but its id must be the
 * returned one), LINE_CALLSTATE only for the handle lineMakeCall wrote, and lineGetMessage refused
 * for an application that did not ask for the event mechanism.
 */
#include <windows.h>
#include <tapi.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstate.h"

#define KEY 0xC0DE

static HLINEAPP g_app;
static HLINE g_line;
static HCALL g_call;
static LONG g_request;
static int g_failed;

static void say(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  strcat(buf, "\n");
  DWORD n;
  WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), buf, (DWORD)strlen(buf), &n, NULL);
}

static DWORD call_id(HCALL call) {
  BYTE buf[2048];
  LINECALLINFO *ci = (LINECALLINFO *)buf;
  memset(buf, 0, sizeof buf);
  ci->dwTotalSize = sizeof buf;
  return lineGetCallInfoA(call, ci) == 0 ? ci->dwCallID : 0;
}

int main(int argc, char **argv) {
  const char *want = "";
  const char *numbers[16];
  int n_numbers = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--line") == 0 && i + 1 < argc) want = argv[++i];
    else if (n_numbers < 16) numbers[n_numbers++] = argv[i];
  }
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
  LINEINITIALIZEEXPARAMS params;
  memset(&params, 0, sizeof params);
  params.dwTotalSize = sizeof params;
  params.dwOptions = LINEINITIALIZEEXOPTION_USECOMPLETIONPORT;
  params.Handles.hCompletionPort = port;
  params.dwCompletionKey = KEY;
  DWORD num_devs = 0, api = 0x00020000;
  LONG rc = lineInitializeExA(&g_app, GetModuleHandleA(NULL), NULL, "Port dialler", &num_devs, &api, &params);
  if (rc != 0) {
    say("FAIL: lineInitializeExA = 0x%lx", rc);
    return 1;
  }
  LINEMESSAGE probe;
  if (lineGetMessage(g_app, &probe, 0) == 0) {
    say("FAIL: lineGetMessage worked for a completion-port application");
    return 1;
  }
  say("lineInitializeExA: %lu lines", num_devs);
  DWORD dev = 0xFFFFFFFF, version = 0;
  for (DWORD i = 0; i < num_devs && dev == 0xFFFFFFFF; ++i) {
    LINEEXTENSIONID ext;
    if (lineNegotiateAPIVersion(g_app, i, 0x00020000, 0x00020002, &version, &ext) != 0) continue;
    BYTE buf[1024];
    LINEADDRESSCAPS *ac = (LINEADDRESSCAPS *)buf;
    memset(buf, 0, sizeof buf);
    ac->dwTotalSize = sizeof buf;
    if (lineGetAddressCapsA(g_app, i, 0, version, 0, ac) == 0 && ac->dwAddressSize &&
        strstr((const char *)buf + ac->dwAddressOffset, want))
      dev = i;
  }
  if (dev == 0xFFFFFFFF) {
    say("FAIL: no line matches '%s'", want);
    return 1;
  }
  rc = lineOpenA(g_app, dev, &g_line, version, 0, 0x77, LINECALLPRIVILEGE_NONE, 0, NULL);
  if (rc != 0) {
    say("FAIL: lineOpenA = 0x%lx", rc);
    return 1;
  }
  for (int k = 0; k < n_numbers && !g_failed; ++k) {
    g_call = 0;
    g_request = lineMakeCallA(g_line, &g_call, numbers[k], 0, NULL);
    say("MAKECALL %s request=%ld", numbers[k], g_request);
    if (g_request <= 0) {
      say("FAIL: lineMakeCallA = 0x%lx", g_request);
      return 1;
    }
    int idle = 0;
    while (!idle && !g_failed) {
      DWORD bytes = 0;
      ULONG_PTR key = 0;
      LPOVERLAPPED ov = NULL;
      if (!GetQueuedCompletionStatus(port, &bytes, &key, &ov, 60000)) {
        say("FAIL: no message on the port for 60 s");
        return 1;
      }
      LINEMESSAGE *m = (LINEMESSAGE *)ov;
      if (key != KEY || bytes != sizeof(LINEMESSAGE) || !m) {
        say("FAIL: completion key 0x%lx, %lu bytes", (unsigned long)key, bytes);
        return 1;
      }
      switch (m->dwMessageID) {
        case LINE_REPLY:
          say("REPLY request=%ld result=0x%lx", (long)m->dwParam1, (unsigned long)m->dwParam2);
          if (m->dwParam2 != 0) g_failed = 1;
          break;
        case LINE_CALLSTATE: {
          if (m->hDevice != g_call) {
            say("FAIL: LINE_CALLSTATE for 0x%lx, not 0x%lx", m->hDevice, g_call);
            g_failed = 1;
            break;
          }
          if (m->dwCallbackInstance != 0x77) say("FAIL: callback instance 0x%lx", (unsigned long)m->dwCallbackInstance);
          say("CALLSTATE call=0x%lx id=%lu state=%s mode=0x%lx priv=0x%lx", m->hDevice, call_id(m->hDevice),
              state_name((DWORD)m->dwParam1), (unsigned long)m->dwParam2, (unsigned long)m->dwParam3);
          if (m->dwParam1 == LINECALLSTATE_CONNECTED || m->dwParam1 == LINECALLSTATE_BUSY) {
            rc = lineDrop(g_call, NULL, 0);
            say("DROP request=%ld", rc);
            if (rc <= 0) g_failed = 1;
          } else if (m->dwParam1 == LINECALLSTATE_IDLE) {
            rc = lineDeallocateCall(g_call);
            if (rc != 0) {
              say("FAIL: lineDeallocateCall = 0x%lx", rc);
              g_failed = 1;
            }
            idle = 1;
          }
          break;
        }
        default:
          say("MESSAGE %lu device=0x%lx p1=0x%lx", m->dwMessageID, m->hDevice, (unsigned long)m->dwParam1);
          break;
      }
      if (LocalFree(m) != NULL) {
        say("FAIL: LocalFree of a LINEMESSAGE failed");
        g_failed = 1;
      }
    }
  }
  rc = lineShutdown(g_app);
  if (rc != 0) {
    say("FAIL: lineShutdown = 0x%lx", rc);
    g_failed = 1;
  }
  CloseHandle(port);
  say(g_failed ? "FAIL" : "PASS: cport");
  return g_failed;
}
