/* conform: the tapi32 conformance walker. It calls every function Windows' tapi32.dll exports
 * (the names of the SDK's import library, which it links against), first with bad handles and
 * too small buffers, then as a program would, and checks each answer against TAPI's documented
 * rules: the error codes, dwTotalSize/dwNeededSize/dwUsedSize, ANSI and Unicode strings,
 * privileges, LINE_REPLY for asynchronous requests. It owns the three lines of
 * tsp-shim/test/tapi32-walk.yaml and answers its own calls. It writes one Markdown table row per
 * export (docs/tapi32-conformance.md) and exits 1 if any check failed or any export was left
 * unchecked.
 *
 *   conform.exe OUTPUT.md
 *
 * The table is deterministic (no handle values, no times), so the test can hold it against the
 * committed one. On stdout it prints every LINE_CALLSTATE either application got ("CALLSTATE
 * app=a|w call=H id=N state=NAME mode=M priv=P", N the call's dwCallID), for the test to hold
 * against the server's own events.
 */
#include <windows.h>
#include <tapi.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "callstate.h"

/* --- the table ------------------------------------------------------------------------------- */

typedef struct {
  char name[48];
  char status[160];
  char checked[900];
  char result[300];
  int failed;
} Row;

static Row g_rows[400];
static int g_nrows;

static Row *row(const char *name, const char *status) {
  for (int i = 0; i < g_nrows; ++i)
    if (strcmp(g_rows[i].name, name) == 0) return &g_rows[i];
  Row *r = &g_rows[g_nrows++];
  memset(r, 0, sizeof *r);
  snprintf(r->name, sizeof r->name, "%s", name);
  snprintf(r->status, sizeof r->status, "%s", status);
  return r;
}

static const char *ename(LONG e) {
  static char buf[8][32];
  static int k;
  switch ((DWORD)e) {
    case 0: return "0";
    case LINEERR_ALLOCATED: return "ALLOCATED";
    case LINEERR_BADDEVICEID: return "BADDEVICEID";
    case LINEERR_INCOMPATIBLEAPIVERSION: return "INCOMPATIBLEAPIVERSION";
    case LINEERR_INCOMPATIBLEEXTVERSION: return "INCOMPATIBLEEXTVERSION";
    case LINEERR_INVALADDRESS: return "INVALADDRESS";
    case LINEERR_INVALADDRESSID: return "INVALADDRESSID";
    case LINEERR_INVALADDRESSMODE: return "INVALADDRESSMODE";
    case LINEERR_INVALAPPHANDLE: return "INVALAPPHANDLE";
    case LINEERR_INVALAPPNAME: return "INVALAPPNAME";
    case LINEERR_INVALCALLHANDLE: return "INVALCALLHANDLE";
    case LINEERR_INVALCALLPRIVILEGE: return "INVALCALLPRIVILEGE";
    case LINEERR_INVALCALLSELECT: return "INVALCALLSELECT";
    case LINEERR_INVALCALLSTATE: return "INVALCALLSTATE";
    case LINEERR_INVALCARD: return "INVALCARD";
    case LINEERR_INVALCONFCALLHANDLE: return "INVALCONFCALLHANDLE";
    case LINEERR_INVALCONSULTCALLHANDLE: return "INVALCONSULTCALLHANDLE";
    case LINEERR_INVALCOUNTRYCODE: return "INVALCOUNTRYCODE";
    case LINEERR_INVALDEVICECLASS: return "INVALDEVICECLASS";
    case LINEERR_INVALLINEHANDLE: return "INVALLINEHANDLE";
    case LINEERR_INVALLINESTATE: return "INVALLINESTATE";
    case LINEERR_INVALLOCATION: return "INVALLOCATION";
    case LINEERR_INVALMEDIAMODE: return "INVALMEDIAMODE";
    case LINEERR_INVALPARAM: return "INVALPARAM";
    case LINEERR_INVALPARKMODE: return "INVALPARKMODE";
    case LINEERR_INVALPOINTER: return "INVALPOINTER";
    case LINEERR_INVALPRIVSELECT: return "INVALPRIVSELECT";
    case LINEERR_INVALREQUESTMODE: return "INVALREQUESTMODE";
    case LINEERR_INVALTRANSFERMODE: return "INVALTRANSFERMODE";
    case LINEERR_NOCONFERENCE: return "NOCONFERENCE";
    case LINEERR_NOMULTIPLEINSTANCE: return "NOMULTIPLEINSTANCE";
    case LINEERR_NOREQUEST: return "NOREQUEST";
    case LINEERR_NOTOWNER: return "NOTOWNER";
    case LINEERR_NOTREGISTERED: return "NOTREGISTERED";
    case LINEERR_OPERATIONFAILED: return "OPERATIONFAILED";
    case LINEERR_OPERATIONUNAVAIL: return "OPERATIONUNAVAIL";
    case LINEERR_STRUCTURETOOSMALL: return "STRUCTURETOOSMALL";
    case LINEERR_TARGETNOTFOUND: return "TARGETNOTFOUND";
    case LINEERR_TARGETSELF: return "TARGETSELF";
    case PHONEERR_BADDEVICEID: return "PHONEERR_BADDEVICEID";
    case PHONEERR_INVALAPPHANDLE: return "PHONEERR_INVALAPPHANDLE";
    case PHONEERR_INVALPHONEHANDLE: return "PHONEERR_INVALPHONEHANDLE";
    case PHONEERR_OPERATIONFAILED: return "PHONEERR_OPERATIONFAILED";
    default: break;
  }
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%ld (0x%lx)", e, (unsigned long)e);
  return buf[k];
}

/* Record a check: `what` goes to the table; a failure keeps the first one's detail. */
static void chk(Row *r, int ok, const char *what, const char *fmt, ...) {
  if (strstr(r->checked, what) == NULL) {
    if (r->checked[0]) strncat(r->checked, "; ", sizeof r->checked - strlen(r->checked) - 1);
    strncat(r->checked, what, sizeof r->checked - strlen(r->checked) - 1);
  }
  if (ok || r->failed) return;
  r->failed = 1;
  char detail[200] = "";
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
  }
  snprintf(r->result, sizeof r->result, "FAIL: %s%s%s", what, detail[0] ? ": " : "", detail);
}

/* `rc` must be `want` (an error code or 0). */
static void is(Row *r, LONG rc, LONG want, const char *what) { chk(r, rc == want, what, "got %s", ename(rc)); }

/* --- messages (event-handle applications) ---------------------------------------------------- */

typedef struct {
  HLINEAPP app;
  HANDLE ev;
  LINEMESSAGE m[4096];
  char used[4096];
  int n;
} Q;

static Q qa, qw;                   /* the walker's main application (ANSI 2.x) and a second one (Unicode) */

/* Every LINE_CALLSTATE, as it is taken: "CALLSTATE app=a|w call=H id=N state=NAME mode=M
 * priv=P" (N the call's dwCallID, asked then; M and P dwParam2 and dwParam3), for the test to
 * hold against the server's events. */
static void print_callstate(const Q *q, const LINEMESSAGE *x) {
  static struct {
    const Q *q;
    DWORD call, id;
  } ids[256];
  static int n;
  int k = 0;
  while (k < n && !(ids[k].q == q && ids[k].call == x->hDevice)) ++k;
  if (k == n && n < 256) {
    ids[n].q = q;
    ids[n].call = (DWORD)x->hDevice;
    ids[n++].id = 0;
  }
  /* The call's dwCallID now; a handle already deallocated keeps the last one read. */
  LINECALLINFO *ci = (LINECALLINFO *)calloc(1, 4096);
  ci->dwTotalSize = 4096;
  if (k < 256 && lineGetCallInfoA((HCALL)x->hDevice, ci) == 0) ids[k].id = ci->dwCallID;
  free(ci);
  printf("CALLSTATE app=%s call=0x%lx id=%lu state=%s mode=0x%lx priv=0x%lx\n", q == &qa ? "a" : "w",
         (unsigned long)x->hDevice, k < 256 ? (unsigned long)ids[k].id : 0ul, state_name((DWORD)x->dwParam1),
         (unsigned long)x->dwParam2, (unsigned long)x->dwParam3);
}

/* Take what is waiting for `q`'s application; 1 if there was something. */
static int take(Q *q) {
  LINEMESSAGE x;
  if (!q->app || lineGetMessage(q->app, &x, 0) != 0) return 0;
  if (x.dwMessageID == LINE_CALLSTATE) print_callstate(q, &x);
  if (q->n < 4096) q->m[q->n++] = x;
  return 1;
}

static void pump(Q *q, DWORD ms) {
  const DWORD end = GetTickCount() + ms;
  for (;;) {
    /* The other application's messages are taken too (kept for it): its calls' IDs are read
     * while its handles are fresh. */
    while (take(q == &qa ? &qw : &qa)) {
    }
    if (take(q)) continue;
    if ((LONG)(GetTickCount() - end) >= 0) return;
    WaitForSingleObject(q->ev, 20);
  }
}

/* Wait up to 10 s for a message not taken yet: `dev` 0 and `p1` ~0 match any. */
static LINEMESSAGE *wait_msg(Q *q, DWORD msg, DWORD dev, DWORD_PTR p1) {
  const DWORD end = GetTickCount() + 10000;
  for (;;) {
    for (int i = 0; i < q->n; ++i) {
      if (q->used[i] || q->m[i].dwMessageID != msg) continue;
      if (dev && q->m[i].hDevice != dev) continue;
      if (p1 != (DWORD_PTR)~0 && q->m[i].dwParam1 != p1) continue;
      q->used[i] = 1;
      return &q->m[i];
    }
    if ((LONG)(GetTickCount() - end) >= 0) return NULL;
    pump(q, 50);
  }
}

#define NO_REPLY ((LONG)0x7FFFFFFF)
/* The LINE_REPLY of request `req` (NO_REPLY if none came); a refusal at once is returned as is. */
static LONG reply(Q *q, LONG req) {
  if (req <= 0) return req;
  LINEMESSAGE *m = wait_msg(q, LINE_REPLY, 0, (DWORD_PTR)req);
  return m ? (LONG)m->dwParam2 : NO_REPLY;
}

static int wait_state(Q *q, HCALL c, DWORD state) { return c && wait_msg(q, LINE_CALLSTATE, c, state) != NULL; }

/* Take everything queued so far: what comes next is new. */
static void drain(Q *q) {
  pump(q, 200);
  memset(q->used, 1, (size_t)q->n);
}

/* --- helpers --------------------------------------------------------------------------------- */

static BYTE g_buf[65536];
static void *sized(DWORD total) {
  memset(g_buf, 0, sizeof g_buf);
  *(DWORD *)g_buf = total;
  return g_buf;
}
#define AT(type, member) ((DWORD)offsetof(type, member))
static const char *text_a(const void *base, DWORD size, DWORD offset) { return size ? (const char *)base + offset : ""; }
static const wchar_t *text_w(const void *base, DWORD size, DWORD offset) {
  return size ? (const wchar_t *)((const BYTE *)base + offset) : L"";
}

static DWORD dev201 = ~0u, dev202 = ~0u, dev203 = ~0u;
static HLINE h201, h202, h203, hw202;
static HMODULE g_tapi;

/* Owner handle of a call that rings on `line`, announced by LINE_APPNEWCALL. */
static HCALL new_call(Q *q, HLINE line) {
  LINEMESSAGE *m = wait_msg(q, LINE_APPNEWCALL, line, ~(DWORD_PTR)0);
  return m ? (HCALL)m->dwParam2 : 0;
}

static void drop_and_free(Q *q, HCALL c) {
  if (!c) return;
  LINECALLSTATUS st;
  memset(&st, 0, sizeof st);
  st.dwTotalSize = sizeof st;
  if (lineGetCallStatus(c, &st) == 0 && st.dwCallState != LINECALLSTATE_IDLE) {
    reply(q, lineDrop(c, NULL, 0));
    wait_state(q, c, LINECALLSTATE_IDLE);
  }
  lineDeallocateCall(c);
}

/* A connected call: `from` calls `to`, the owner of `to_line` answers. */
static void connect_call(HLINE from, const char *to, HLINE to_line, HCALL *caller, HCALL *callee) {
  *caller = *callee = 0;
  if (reply(&qa, lineMakeCallA(from, caller, to, 0, NULL)) != 0) return;
  *callee = new_call(&qa, to_line);
  if (!*callee) return;
  reply(&qa, lineAnswer(*callee, NULL, 0));
  wait_state(&qa, *callee, LINECALLSTATE_CONNECTED);
  wait_state(&qa, *caller, LINECALLSTATE_CONNECTED);
}

/* --- the walk -------------------------------------------------------------------------------- */

static const char *TAPI_ = "TAPI";
static const char *PROVIDER = "TAPI, then the provider";
static const char *UNAVAIL = "the provider has no TSPI function for it: LINEERR_OPERATIONUNAVAIL";
static const char *PROXY = "for proxies; this TAPI has none: LINEERR_OPERATIONUNAVAIL";
static const char *AGENT = "the provider's agent handler (TELSIM_lineProxyRequest); a switch without an ACD: LINEERR_OPERATIONUNAVAIL";
static const char *PHONE = "no phone devices (the providers have none)";

static void CALLBACK hidden_cb(DWORD d, DWORD m, DWORD_PTR i, DWORD_PTR a, DWORD_PTR b, DWORD_PTR c) {
  (void)d; (void)m; (void)i; (void)a; (void)b; (void)c;
}

static void walk_initialize(void) {
  Row *r = row("lineInitialize", TAPI_);
  DWORD n = 0;
  HLINEAPP h = 0;
  is(r, lineInitialize(NULL, NULL, hidden_cb, "x", &n), LINEERR_INVALPOINTER, "NULL lphLineApp: INVALPOINTER");
  is(r, lineInitialize(&h, NULL, NULL, "x", &n), LINEERR_INVALPOINTER, "NULL callback: INVALPOINTER");
  LONG rc = lineInitialize(&h, GetModuleHandleA(NULL), hidden_cb, "Walker 1.x", &n);
  chk(r, rc == 0 && h && n >= 3, "hidden window: a handle and the line count", "rc %s, %lu lines", ename(rc), n);
  /* A hidden-window application has no message queue to read. */
  LINEMESSAGE m;
  is(row("lineGetMessage", TAPI_), lineGetMessage(h, &m, 0), LINEERR_INVALAPPHANDLE, "a hidden-window application: INVALAPPHANDLE");
  Row *s = row("lineShutdown", TAPI_);
  is(s, lineShutdown(h), 0, "shuts the application down");
  is(s, lineShutdown(h), LINEERR_INVALAPPHANDLE, "twice: INVALAPPHANDLE");
  is(s, lineShutdown(0), LINEERR_INVALAPPHANDLE, "NULL: INVALAPPHANDLE");

  r = row("lineInitializeExA", TAPI_);
  LINEINITIALIZEEXPARAMS p;
  DWORD api = 0x00020002;
  memset(&p, 0, sizeof p);
  p.dwTotalSize = 8;
  p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
  is(r, lineInitializeExA(&qa.app, NULL, NULL, "Walker", &n, &api, &p), LINEERR_STRUCTURETOOSMALL,
     "LINEINITIALIZEEXPARAMS of 8 bytes: STRUCTURETOOSMALL");
  p.dwTotalSize = sizeof p;
  p.dwOptions = 7;
  is(r, lineInitializeExA(&qa.app, NULL, NULL, "Walker", &n, &api, &p), LINEERR_INVALPARAM, "unknown dwOptions: INVALPARAM");
  p.dwOptions = LINEINITIALIZEEXOPTION_USECOMPLETIONPORT;
  is(r, lineInitializeExA(&qa.app, NULL, NULL, "Walker", &n, &api, &p), LINEERR_INVALPARAM,
     "completion port option without a port: INVALPARAM");
  p.dwOptions = LINEINITIALIZEEXOPTION_USEHIDDENWINDOW;
  is(r, lineInitializeExA(&qa.app, NULL, NULL, "Walker", &n, &api, &p), LINEERR_INVALPOINTER,
     "hidden window without a callback: INVALPOINTER");
  p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
  rc = lineInitializeExA(&qa.app, GetModuleHandleA(NULL), NULL, "Conformance walker", &n, &api, &p);
  qa.ev = p.Handles.hEvent;
  chk(r, rc == 0 && qa.ev && p.dwUsedSize == sizeof p && api == 0x00030000,
      "event handle: the event, dwUsedSize, TAPI's highest version (3.0) in lpdwAPIVersion", "rc %s, api 0x%lx", ename(rc), api);

  r = row("lineInitializeExW", TAPI_);
  memset(&p, 0, sizeof p);
  p.dwTotalSize = sizeof p;
  p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
  api = 0x00020000;
  rc = lineInitializeExW(&qw.app, GetModuleHandleA(NULL), NULL, L"Conformance walker (Unicode)", &n, &api, &p);
  qw.ev = p.Handles.hEvent;
  chk(r, rc == 0 && qw.ev, "a second application in the process, Unicode, event handle", "rc %s", ename(rc));

  r = row("lineGetMessage", TAPI_);
  is(r, lineGetMessage(qa.app, NULL, 0), LINEERR_INVALPOINTER, "NULL message: INVALPOINTER");
  is(r, lineGetMessage(0x7777, &m, 0), LINEERR_INVALAPPHANDLE, "unknown application: INVALAPPHANDLE");
  is(r, lineGetMessage(qa.app, &m, 0), LINEERR_OPERATIONFAILED, "nothing waiting, timeout 0: OPERATIONFAILED");
}

static void walk_negotiate(void) {
  Row *r = row("lineNegotiateAPIVersion", TAPI_);
  DWORD v = 0;
  LINEEXTENSIONID ext;
  memset(&ext, 0xAB, sizeof ext);
  is(r, lineNegotiateAPIVersion(0x7777, 0, 0x10003, 0x30000, &v, &ext), LINEERR_INVALAPPHANDLE, "unknown application: INVALAPPHANDLE");
  is(r, lineNegotiateAPIVersion(qa.app, 9999, 0x10003, 0x30000, &v, &ext), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineNegotiateAPIVersion(qa.app, 0, 0x10000, 0x10002, &v, &ext), LINEERR_INCOMPATIBLEAPIVERSION,
     "1.0-1.2: INCOMPATIBLEAPIVERSION");
  is(r, lineNegotiateAPIVersion(qa.app, 0, 0x10003, 0x30000, NULL, &ext), LINEERR_INVALPOINTER, "NULL lpdwAPIVersion: INVALPOINTER");
  LONG rc = lineNegotiateAPIVersion(qa.app, 0, 0x10003, 0x10004, &v, &ext);
  chk(r, rc == 0 && v == 0x10004, "1.3-1.4: 1.4", "rc %s, 0x%lx", ename(rc), v);
  rc = lineNegotiateAPIVersion(qa.app, 0, 0x20000, 0x30001, &v, &ext);
  chk(r, rc == 0 && v == 0x30000 && ext.dwExtensionID0 == 0 && ext.dwExtensionID3 == 0,
      "2.0-3.1: 3.0, no extension ID", "rc %s, 0x%lx", ename(rc), v);

  r = row("lineNegotiateExtVersion", PROVIDER);
  is(r, lineNegotiateExtVersion(qa.app, 9999, 0x30000, 1, 2, &v), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineNegotiateExtVersion(qa.app, 0, 0x30000, 1, 2, &v), LINEERR_OPERATIONUNAVAIL,
     "telsim.tsp has no extensions: OPERATIONUNAVAIL");
}

/* The address of each device, to find 201-203. */
static void find_devices(void) {
  for (DWORD i = 0; i < 16; ++i) {
    LINEADDRESSCAPS *ac = sized(4096);
    if (lineGetAddressCapsA(qa.app, i, 0, 0x30000, 0, ac) != 0) continue;
    const char *a = text_a(ac, ac->dwAddressSize, ac->dwAddressOffset);
    if (strcmp(a, "201") == 0) dev201 = i;
    if (strcmp(a, "202") == 0) dev202 = i;
    if (strcmp(a, "203") == 0) dev203 = i;
  }
}

static void walk_caps(void) {
  Row *r = row("lineGetDevCapsA", PROVIDER);
  LINEDEVCAPS *c = sized(8);
  is(r, lineGetDevCapsA(qa.app, dev201, 0x30000, 0, c), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetDevCapsA(qa.app, dev201, 0x10002, 0, sized(4096)), LINEERR_INCOMPATIBLEAPIVERSION, "version 1.2: INCOMPATIBLEAPIVERSION");
  is(r, lineGetDevCapsA(qa.app, dev201, 0x30000, 1, sized(4096)), LINEERR_INCOMPATIBLEEXTVERSION, "an extension version: INCOMPATIBLEEXTVERSION");
  is(r, lineGetDevCapsA(qa.app, 9999, 0x30000, 0, sized(4096)), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineGetDevCapsA(0x7777, dev201, 0x30000, 0, sized(4096)), LINEERR_INVALAPPHANDLE, "unknown application: INVALAPPHANDLE");
  const DWORD fixed14 = AT(LINEDEVCAPS, dwSettableDevStatus);
  c = sized(fixed14);
  LONG rc = lineGetDevCapsA(qa.app, dev201, 0x10004, 0, c);
  chk(r, rc == 0 && c->dwUsedSize == fixed14 && c->dwNeededSize > fixed14 && c->dwLineNameSize == 0,
      "1.4's fixed part only: filled, dwNeededSize says more, no strings", "rc %s, used %lu needed %lu", ename(rc),
      c->dwUsedSize, c->dwNeededSize);
  c = sized(8192);
  rc = lineGetDevCapsA(qa.app, dev201, 0x30000, 0, c);
  chk(r, rc == 0 && c->dwUsedSize == c->dwNeededSize && c->dwStringFormat == STRINGFORMAT_ASCII &&
             strstr(text_a(c, c->dwLineNameSize, c->dwLineNameOffset), "201") && c->dwNumAddresses == 1,
      "room for all: dwUsedSize = dwNeededSize, ASCII line name, one address", "rc %s", ename(rc));
  r = row("lineGetDevCapsW", PROVIDER);
  c = sized(8192);
  rc = lineGetDevCapsW(qa.app, dev201, 0x30000, 0, c);
  chk(r, rc == 0 && c->dwStringFormat == STRINGFORMAT_UNICODE && wcsstr(text_w(c, c->dwLineNameSize, c->dwLineNameOffset), L"201"),
      "UTF-16 line name, STRINGFORMAT_UNICODE", "rc %s", ename(rc));
  is(r, lineGetDevCapsW(qa.app, dev201, 0x30000, 0, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");

  r = row("lineGetAddressCapsA", PROVIDER);
  is(r, lineGetAddressCapsA(qa.app, dev201, 1, 0x30000, 0, sized(4096)), LINEERR_INVALADDRESSID, "address 1: INVALADDRESSID");
  is(r, lineGetAddressCapsA(qa.app, dev201, 0, 0x30000, 0, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  LINEADDRESSCAPS *ac = sized(4096);
  rc = lineGetAddressCapsA(qa.app, dev201, 0, 0x30000, 0, ac);
  chk(r, rc == 0 && strcmp(text_a(ac, ac->dwAddressSize, ac->dwAddressOffset), "201") == 0 &&
             (ac->dwCallFeatures & LINECALLFEATURE_ANSWER),
      "the address (201) in ASCII, the call features", "rc %s", ename(rc));
  r = row("lineGetAddressCapsW", PROVIDER);
  ac = sized(4096);
  rc = lineGetAddressCapsW(qa.app, dev201, 0, 0x30000, 0, ac);
  chk(r, rc == 0 && wcscmp(text_w(ac, ac->dwAddressSize, ac->dwAddressOffset), L"201") == 0, "the address in UTF-16", "rc %s", ename(rc));
  ac = sized(AT(LINEADDRESSCAPS, dwPredictiveAutoTransferStates));
  rc = lineGetAddressCapsW(qa.app, dev201, 0, 0x10004, 0, ac);
  chk(r, rc == 0 && ac->dwUsedSize == AT(LINEADDRESSCAPS, dwPredictiveAutoTransferStates) && ac->dwNeededSize > ac->dwUsedSize,
      "1.4's fixed part: filled, dwNeededSize says more", "rc %s", ename(rc));
}

static void walk_lines(void) {
  Row *r = row("lineOpenA", PROVIDER);
  HLINE h = 0;
  is(r, lineOpenA(qa.app, dev201, &h, 0x30000, 0, 1, 0x8, LINEMEDIAMODE_INTERACTIVEVOICE, NULL), LINEERR_INVALPRIVSELECT,
     "privilege 0x8: INVALPRIVSELECT");
  is(r, lineOpenA(qa.app, dev201, &h, 0x30000, 0, 1, LINECALLPRIVILEGE_OWNER, 0, NULL), LINEERR_INVALMEDIAMODE,
     "owner of no media mode: INVALMEDIAMODE");
  is(r, lineOpenA(qa.app, dev201, &h, 0x30000, 0, 1, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_TELEX, NULL), LINEERR_INVALMEDIAMODE,
     "owner of telex, which the switch never detects: INVALMEDIAMODE");
  is(r, lineOpenA(qa.app, dev201, &h, 0x30000, 1, 1, LINECALLPRIVILEGE_NONE, 0, NULL), LINEERR_INCOMPATIBLEEXTVERSION,
     "an extension version: INCOMPATIBLEEXTVERSION");
  is(r, lineOpenA(qa.app, 9999, &h, 0x30000, 0, 1, LINECALLPRIVILEGE_NONE, 0, NULL), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineOpenA(qa.app, dev201, NULL, 0x30000, 0, 1, LINECALLPRIVILEGE_NONE, 0, NULL), LINEERR_INVALPOINTER, "NULL lphLine: INVALPOINTER");
  LONG rc = lineOpenA(qa.app, LINEMAPPER, &h, 0x30000, 0, 1, LINECALLPRIVILEGE_MONITOR, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
  chk(r, rc == 0 && h, "LINEMAPPER: a line that can", "rc %s", ename(rc));
  Row *cl = row("lineClose", TAPI_);
  is(cl, lineClose(h), 0, "closes an open line");
  is(cl, lineClose(h), LINEERR_INVALLINEHANDLE, "twice: INVALLINEHANDLE");
  rc = lineOpenA(qa.app, dev201, &h201, 0x30000, 0, 0x201, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
  chk(r, rc == 0, "owner of interactive voice", "rc %s", ename(rc));
  rc = lineOpenA(qa.app, dev202, &h202, 0x30000, 0, 0x202, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
  rc |= lineOpenA(qa.app, dev203, &h203, 0x30000, 0, 0x203, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
  chk(r, rc == 0, "the walker owns 201-203", "rc %s", ename(rc));
  r = row("lineOpenW", PROVIDER);
  rc = lineOpenW(qw.app, dev202, &hw202, 0x30000, 0, 0x2020, LINECALLPRIVILEGE_MONITOR, 0, NULL);
  chk(r, rc == 0, "a second application monitors 202", "rc %s", ename(rc));

  r = row("lineSetStatusMessages", TAPI_);
  is(r, lineSetStatusMessages(0, 0, 0), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  is(r, lineSetStatusMessages(h201, 0x80000000, 0), LINEERR_INVALLINESTATE, "an unknown LINEDEVSTATE bit: INVALLINESTATE");
  is(r, lineSetStatusMessages(h201, 0, 0x80000000), LINEERR_INVALADDRESSSTATE, "an unknown LINEADDRESSSTATE bit: INVALADDRESSSTATE");
  is(r, lineSetStatusMessages(h203, LINEDEVSTATE_OPEN | LINEDEVSTATE_CLOSE, LINEADDRESSSTATE_FORWARD), 0, "OPEN, CLOSE and FORWARD");
  r = row("lineGetStatusMessages", TAPI_);
  DWORD ls = 0, as = 0;
  rc = lineGetStatusMessages(h203, &ls, &as);
  chk(r, rc == 0 && ls == (LINEDEVSTATE_OPEN | LINEDEVSTATE_CLOSE) && as == LINEADDRESSSTATE_FORWARD, "what lineSetStatusMessages set",
      "rc %s", ename(rc));
  rc = lineGetStatusMessages(h201, &ls, &as);
  chk(r, rc == 0 && ls == 0 && as == 0, "disabled by default", "rc %s", ename(rc));
  is(r, lineGetStatusMessages(h201, NULL, &as), LINEERR_INVALPOINTER, "NULL: INVALPOINTER");

  r = row("lineGetLineDevStatusA", PROVIDER);
  is(r, lineGetLineDevStatusA(h202, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetLineDevStatusA(0, sized(4096)), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  LINEDEVSTATUS *ds = sized(4096);
  rc = lineGetLineDevStatusA(h202, ds);
  chk(r, rc == 0 && ds->dwNumOpens == 2 && (ds->dwOpenMediaModes & LINEMEDIAMODE_INTERACTIVEVOICE) &&
             (ds->dwDevStatusFlags & LINEDEVSTATUSFLAGS_INSERVICE),
      "TAPI's dwNumOpens (2 on 202) and dwOpenMediaModes, the provider's in-service flag", "rc %s, opens %lu", ename(rc), ds->dwNumOpens);
  r = row("lineGetLineDevStatusW", PROVIDER);
  ds = sized(4096);
  rc = lineGetLineDevStatusW(h202, ds);
  int named = 0;
  if (rc == 0 && ds->dwAppInfoSize >= 2 * sizeof(LINEAPPINFO)) {
    const LINEAPPINFO *ai = (const LINEAPPINFO *)((BYTE *)ds + ds->dwAppInfoOffset);
    named = wcscmp(text_w(ds, ai[0].dwModuleFilenameSize, ai[0].dwModuleFilenameOffset), L"conform.exe") == 0 &&
            wcscmp(text_w(ds, ai[1].dwFriendlyNameSize, ai[1].dwFriendlyNameOffset), L"Conformance walker (Unicode)") == 0;
  }
  chk(r, named, "LINEAPPINFO of each open (module and friendly names, UTF-16)", "rc %s, %lu bytes", ename(rc), ds->dwAppInfoSize);

  r = row("lineGetAddressStatusA", PROVIDER);
  is(r, lineGetAddressStatusA(h201, 1, sized(4096)), LINEERR_INVALADDRESSID, "address 1: INVALADDRESSID");
  is(r, lineGetAddressStatusA(h201, 0, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  LINEADDRESSSTATUS *st = sized(4096);
  rc = lineGetAddressStatusA(h201, 0, st);
  chk(r, rc == 0 && st->dwNumInUse == 0 && (st->dwAddressFeatures & LINEADDRFEATURE_MAKECALL), "idle: MAKECALL offered",
      "rc %s", ename(rc));
  r = row("lineGetAddressStatusW", PROVIDER);
  is(r, lineGetAddressStatusW(h201, 0, sized(4096)), 0, "fills the structure");

  r = row("lineGetIDA", TAPI_);
  VARSTRING *vs = sized(8);
  is(r, lineGetIDA(h201, 0, 0, LINECALLSELECT_LINE, vs, "tapi/line"), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetIDA(h201, 0, 0, 0x80, sized(256), "tapi/line"), LINEERR_INVALCALLSELECT, "select 0x80: INVALCALLSELECT");
  is(r, lineGetIDA(h201, 0, 0, LINECALLSELECT_LINE, sized(256), "no/such"), LINEERR_INVALDEVICECLASS, "an unknown class: INVALDEVICECLASS");
  is(r, lineGetIDA(h201, 0, 0, LINECALLSELECT_LINE, sized(256), "comm/datamodem"), LINEERR_INVALDEVICECLASS,
     "comm/datamodem on a voice line: INVALDEVICECLASS (a modem's: datamodem.exe)");
  vs = sized(256);
  rc = lineGetIDA(h201, 0, 0, LINECALLSELECT_LINE, vs, "tapi/line");
  chk(r, rc == 0 && vs->dwStringFormat == STRINGFORMAT_BINARY && vs->dwStringSize == 4 &&
             *(DWORD *)((BYTE *)vs + vs->dwStringOffset) == dev201,
      "tapi/line: the device ID (binary)", "rc %s", ename(rc));
  vs = sized(256);
  rc = lineGetIDA(h201, 0, 0, LINECALLSELECT_ADDRESS, vs, "telsim/line");
  chk(r, rc == 0 && vs->dwStringFormat == STRINGFORMAT_ASCII && strcmp(text_a(vs, vs->dwStringSize, vs->dwStringOffset), "201") == 0,
      "a provider's class (telsim/line): its text in ASCII", "rc %s", ename(rc));
  r = row("lineGetIDW", TAPI_);
  vs = sized(256);
  rc = lineGetIDW(h201, 0, 0, LINECALLSELECT_LINE, vs, L"telsim/line");
  chk(r, rc == 0 && vs->dwStringFormat == STRINGFORMAT_UNICODE && wcscmp(text_w(vs, vs->dwStringSize, vs->dwStringOffset), L"201") == 0,
      "a provider's class in UTF-16", "rc %s", ename(rc));

  r = row("lineGetAddressIDA", PROVIDER);
  DWORD id = 99;
  rc = lineGetAddressIDA(h201, &id, LINEADDRESSMODE_DIALABLEADDR, "201", 4);
  chk(r, rc == 0 && id == 0, "201: address 0", "rc %s", ename(rc));
  is(r, lineGetAddressIDA(h201, &id, LINEADDRESSMODE_DIALABLEADDR, "999", 4), LINEERR_INVALADDRESS, "999: INVALADDRESS");
  is(r, lineGetAddressIDA(h201, &id, LINEADDRESSMODE_ADDRESSID, "201", 4), LINEERR_INVALADDRESSMODE, "ADDRESSID mode: INVALADDRESSMODE");
  r = row("lineGetAddressIDW", PROVIDER);
  id = 99;
  rc = lineGetAddressIDW(h201, &id, LINEADDRESSMODE_DIALABLEADDR, L"201", 8);
  chk(r, rc == 0 && id == 0, "201: address 0", "rc %s", ename(rc));

  HICON icon = NULL;
  r = row("lineGetIconA", TAPI_);
  rc = lineGetIconA(dev201, NULL, &icon);
  chk(r, rc == 0 && icon, "TAPI's default icon", "rc %s", ename(rc));
  is(r, lineGetIconA(9999, NULL, &icon), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineGetIconA(dev201, NULL, NULL), LINEERR_INVALPOINTER, "NULL: INVALPOINTER");
  r = row("lineGetIconW", TAPI_);
  icon = NULL;
  rc = lineGetIconW(dev201, L"tapi/line", &icon);
  chk(r, rc == 0 && icon, "an icon", "rc %s", ename(rc));

  r = row("lineSetNumRings", TAPI_);
  is(r, lineSetNumRings(h201, 1, 3), LINEERR_INVALADDRESSID, "address 1: INVALADDRESSID");
  Row *g = row("lineGetNumRings", TAPI_);
  DWORD rings = 0;
  rc = lineGetNumRings(h201, 0, &rings);
  chk(g, rc == 0 && rings == 0xFFFFFFFF, "none set: 0xFFFFFFFF", "rc %s, %lu", ename(rc), rings);
  is(r, lineSetNumRings(h201, 0, 3), 0, "sets 3 rings");
  rc = lineGetNumRings(h201, 0, &rings);
  chk(g, rc == 0 && rings == 3, "the fewest any open asked for", "rc %s, %lu", ename(rc), rings);

  r = row("lineGetNewCalls", TAPI_);
  is(r, lineGetNewCalls(h201, 0, LINECALLSELECT_LINE, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetNewCalls(h201, 0, LINECALLSELECT_CALL, sized(256)), LINEERR_INVALCALLSELECT, "CALL select: INVALCALLSELECT");
  LINECALLLIST *cl2 = sized(256);
  rc = lineGetNewCalls(h201, 0, LINECALLSELECT_LINE, cl2);
  chk(r, rc == 0 && cl2->dwCallsNumEntries == 0, "no calls: an empty list", "rc %s", ename(rc));
}

static void walk_calls(void) {
  Row *r = row("lineMakeCallA", PROVIDER);
  HCALL c1 = 0, c2 = 0, m2 = 0;
  is(r, lineMakeCallA(h201, NULL, "202", 0, NULL), LINEERR_INVALPOINTER, "NULL lphCall: INVALPOINTER");
  is(r, lineMakeCallA(0, &c1, "202", 0, NULL), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  LINECALLPARAMS bad;
  memset(&bad, 0, sizeof bad);
  bad.dwTotalSize = 8;
  is(r, lineMakeCallA(h201, &c1, "202", 0, &bad), LINEERR_STRUCTURETOOSMALL, "LINECALLPARAMS of 8 bytes: STRUCTURETOOSMALL");
  LINECALLPARAMS pass;
  memset(&pass, 0, sizeof pass);
  pass.dwTotalSize = sizeof pass;
  pass.dwBearerMode = LINEBEARERMODE_PASSTHROUGH;
  is(r, lineMakeCallA(h201, &c1, NULL, 0, &pass), LINEERR_INVALBEARERMODE,
     "LINEBEARERMODE_PASSTHROUGH on a voice line: INVALBEARERMODE (a modem's: datamodem.exe)");
  LONG req = lineMakeCallA(h201, &c1, "202", 0, NULL);
  LONG rc = reply(&qa, req);
  chk(r, req > 0 && rc == 0 && c1, "a request ID, LINE_REPLY 0 with that ID, the handle written", "req %ld, reply %s", req, ename(rc));
  c2 = new_call(&qa, h202);
  LINEMESSAGE *first = c2 ? wait_msg(&qa, LINE_CALLSTATE, c2, LINECALLSTATE_OFFERING) : NULL;
  chk(r, c2 && first && first->dwParam3 == LINECALLPRIVILEGE_OWNER,
      "202's owner: LINE_APPNEWCALL, then OFFERING with dwParam3 OWNER", NULL);
  LINEMESSAGE *mon = wait_msg(&qw, LINE_APPNEWCALL, hw202, ~(DWORD_PTR)0);
  m2 = mon ? (HCALL)mon->dwParam2 : 0;
  first = m2 ? wait_msg(&qw, LINE_CALLSTATE, m2, LINECALLSTATE_OFFERING) : NULL;
  chk(r, mon && mon->dwParam3 == LINECALLPRIVILEGE_MONITOR && first && first->dwParam3 == LINECALLPRIVILEGE_MONITOR,
      "202's monitor (another application): LINE_APPNEWCALL and OFFERING with MONITOR", NULL);

  r = row("lineGetCallInfoA", PROVIDER);
  is(r, lineGetCallInfoA(c1, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetCallInfoA(0, sized(4096)), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  LINECALLINFO *ci = sized(sizeof(LINECALLINFO));
  rc = lineGetCallInfoA(c1, ci);
  chk(r, rc == 0 && ci->dwUsedSize == sizeof(LINECALLINFO) && ci->dwNeededSize > ci->dwUsedSize && ci->dwCalledIDSize == 0,
      "the fixed part only: dwNeededSize says more, no strings", "rc %s", ename(rc));
  ci = sized(4096);
  rc = lineGetCallInfoA(c1, ci);
  chk(r, rc == 0 && ci->hLine == h201 && ci->dwCallID && ci->dwNumOwners == 1 &&
             strcmp(text_a(ci, ci->dwCalledIDSize, ci->dwCalledIDOffset), "202") == 0 &&
             strcmp(text_a(ci, ci->dwAppNameSize, ci->dwAppNameOffset), "Conformance walker") == 0,
      "TAPI's hLine, owners and AppName; the called ID (202) in ASCII", "rc %s", ename(rc));
  r = row("lineGetCallInfoW", PROVIDER);
  ci = sized(4096);
  rc = lineGetCallInfoW(c2, ci);
  chk(r, rc == 0 && ci->hLine == h202 && ci->dwNumMonitors == 1 && wcscmp(text_w(ci, ci->dwCallerIDSize, ci->dwCallerIDOffset), L"201") == 0,
      "one monitor; the caller ID (201) in UTF-16", "rc %s", ename(rc));

  r = row("lineGetCallStatus", PROVIDER);
  is(r, lineGetCallStatus(c2, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  LINECALLSTATUS *cs = sized(1024);
  rc = lineGetCallStatus(c2, cs);
  chk(r, rc == 0 && cs->dwCallState == LINECALLSTATE_OFFERING && cs->dwCallPrivilege == LINECALLPRIVILEGE_OWNER &&
             (cs->dwCallFeatures & LINECALLFEATURE_ANSWER),
      "OFFERING, the owner's privilege, ANSWER offered", "rc %s", ename(rc));
  cs = sized(1024);
  rc = lineGetCallStatus(m2, cs);
  chk(r, rc == 0 && cs->dwCallPrivilege == LINECALLPRIVILEGE_MONITOR && cs->dwCallFeatures == 0, "a monitor: MONITOR, no features",
      "rc %s", ename(rc));

  r = row("lineAnswer", PROVIDER);
  is(r, lineAnswer(m2, NULL, 0), LINEERR_NOTOWNER, "by a monitor: NOTOWNER");
  r = row("lineSetCallPrivilege", TAPI_);
  is(r, lineSetCallPrivilege(m2, 8), LINEERR_INVALCALLPRIVILEGE, "privilege 8: INVALCALLPRIVILEGE");
  is(r, lineSetCallPrivilege(0, LINECALLPRIVILEGE_OWNER), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  r = row("lineAccept", PROVIDER);
  rc = reply(&qa, lineAccept(c2, NULL, 0));
  chk(r, rc == 0 && wait_state(&qa, c2, LINECALLSTATE_ACCEPTED), "LINE_REPLY 0, ACCEPTED", "reply %s", ename(rc));
  is(r, lineAccept(m2, NULL, 0), LINEERR_NOTOWNER, "by a monitor: NOTOWNER");
  r = row("lineAnswer", PROVIDER);
  rc = reply(&qa, lineAnswer(c2, NULL, 0));
  chk(r, rc == 0 && wait_state(&qa, c2, LINECALLSTATE_CONNECTED) && wait_state(&qa, c1, LINECALLSTATE_CONNECTED),
      "LINE_REPLY 0; both ends CONNECTED", "reply %s", ename(rc));

  r = row("lineSetAppSpecific", PROVIDER);
  is(r, lineSetAppSpecific(m2, 1), LINEERR_NOTOWNER, "by a monitor: NOTOWNER");
  is(r, lineSetAppSpecific(c1, 0x1234), 0, "sets it");
  ci = sized(4096);
  rc = lineGetCallInfoA(c1, ci);
  chk(r, rc == 0 && ci->dwAppSpecific == 0x1234, "LINECALLINFO has it", "rc %s", ename(rc));

  r = row("lineHold", PROVIDER);
  rc = reply(&qa, lineHold(c1));
  chk(r, rc == 0 && wait_state(&qa, c1, LINECALLSTATE_ONHOLD), "ONHOLD", "reply %s", ename(rc));
  r = row("lineUnhold", PROVIDER);
  rc = reply(&qa, lineUnhold(c1));
  chk(r, rc == 0 && wait_state(&qa, c1, LINECALLSTATE_CONNECTED), "CONNECTED again", "reply %s", ename(rc));
  rc = reply(&qa, lineUnhold(c1));
  chk(r, rc == (LONG)LINEERR_INVALCALLSTATE, "a connected call: LINE_REPLY INVALCALLSTATE (the switch's verdict)", "reply %s", ename(rc));
  r = row("lineSecureCall", PROVIDER);
  is(r, reply(&qa, lineSecureCall(c1)), 0, "LINE_REPLY 0");
  r = row("lineSetMediaMode", TAPI_);
  is(r, lineSetMediaMode(c1, 0), LINEERR_INVALMEDIAMODE, "no media mode: INVALMEDIAMODE");
  is(r, lineSetMediaMode(c1, LINEMEDIAMODE_INTERACTIVEVOICE), 0, "INTERACTIVEVOICE: 0 (the switch's set_media_mode)");
  r = row("lineDeallocateCall", TAPI_);
  is(r, lineDeallocateCall(c1), LINEERR_INVALCALLSTATE, "the sole owner of a call in progress: INVALCALLSTATE");

  /* Handoff: to another application of the process by its file name. */
  r = row("lineHandoffA", TAPI_);
  is(r, lineHandoffA(c1, "conform.exe", 0), LINEERR_TARGETSELF, "only the caller has the line open: TARGETSELF");
  is(r, lineHandoffA(c1, "nobody.exe", 0), LINEERR_TARGETNOTFOUND, "nobody.exe: TARGETNOTFOUND");
  is(r, lineHandoffA(c2, NULL, 3), LINEERR_INVALMEDIAMODE, "two media modes: INVALMEDIAMODE");
  is(r, lineHandoffA(c2, NULL, LINEMEDIAMODE_DATAMODEM), LINEERR_TARGETNOTFOUND, "no owner of data calls: TARGETNOTFOUND");
  is(r, lineHandoffA(m2, "conform.exe", 0), LINEERR_NOTOWNER, "by a monitor: NOTOWNER");
  r = row("lineHandoffW", TAPI_);
  drain(&qw);
  rc = lineHandoffW(c2, L"conform.exe", 0);
  LINEMESSAGE *ho = wait_msg(&qw, LINE_CALLSTATE, m2, LINECALLSTATE_CONNECTED);
  cs = sized(1024);
  lineGetCallStatus(m2, cs);
  chk(r, rc == 0 && ho && ho->dwParam3 == LINECALLPRIVILEGE_OWNER && cs->dwCallPrivilege == LINECALLPRIVILEGE_OWNER,
      "to the other application (same file, monitor of 202): it becomes an owner, LINE_CALLSTATE with dwParam3 OWNER",
      "rc %s", ename(rc));
  row("lineSetCallPrivilege", TAPI_);
  is(row("lineSetCallPrivilege", TAPI_), lineSetCallPrivilege(m2, LINECALLPRIVILEGE_MONITOR), 0, "back to monitor while another owner remains");
  is(row("lineSetCallPrivilege", TAPI_), lineSetCallPrivilege(c1, LINECALLPRIVILEGE_MONITOR), LINEERR_INVALCALLSTATE,
     "the sole owner of a call in progress to monitor: INVALCALLSTATE");

  /* Consultation transfer: 201 consults 203 and transfers 202 there. */
  HCALL k1 = 0, c3 = 0;
  r = row("lineSetupTransferA", PROVIDER);
  is(r, lineSetupTransferA(c1, NULL, NULL), LINEERR_INVALPOINTER, "NULL lphConsultCall: INVALPOINTER");
  rc = reply(&qa, lineSetupTransferA(c1, &k1, NULL));
  chk(r, rc == 0 && k1 && wait_state(&qa, k1, LINECALLSTATE_DIALTONE) && wait_state(&qa, c1, LINECALLSTATE_ONHOLDPENDTRANSFER),
      "a consultation call in DIALTONE, the call ONHOLDPENDTRANSFER", "reply %s", ename(rc));
  r = row("lineDialA", PROVIDER);
  is(r, lineDialA(k1, NULL, 0), LINEERR_INVALPOINTER, "NULL: INVALPOINTER");
  rc = reply(&qa, lineDialA(k1, "203", 0));
  c3 = new_call(&qa, h203);
  chk(r, rc == 0 && c3, "dials 203: it rings", "reply %s", ename(rc));
  reply(&qa, lineAnswer(c3, NULL, 0));
  wait_state(&qa, k1, LINECALLSTATE_CONNECTED);
  r = row("lineSwapHold", PROVIDER);
  is(r, lineSwapHold(k1, 0), LINEERR_INVALCALLHANDLE, "NULL held call: INVALCALLHANDLE");
  is(r, lineSwapHold(0, c1), LINEERR_INVALCALLHANDLE, "NULL active call: INVALCALLHANDLE");
  r = row("lineCompleteTransfer", PROVIDER);
  is(r, lineCompleteTransfer(c1, k1, NULL, 9), LINEERR_INVALTRANSFERMODE, "mode 9: INVALTRANSFERMODE");
  is(r, lineCompleteTransfer(c1, 0, NULL, LINETRANSFERMODE_TRANSFER), LINEERR_INVALCONSULTCALLHANDLE, "NULL consultation: INVALCONSULTCALLHANDLE");
  rc = reply(&qa, lineCompleteTransfer(c1, k1, NULL, LINETRANSFERMODE_TRANSFER));
  chk(r, rc == 0 && wait_state(&qa, c1, LINECALLSTATE_IDLE) && wait_state(&qa, k1, LINECALLSTATE_IDLE),
      "transfer: both of 201's calls IDLE", "reply %s", ename(rc));
  r = row("lineDeallocateCall", TAPI_);
  is(r, lineDeallocateCall(c1), 0, "an IDLE call");
  is(r, lineDeallocateCall(c1), LINEERR_INVALCALLHANDLE, "twice: INVALCALLHANDLE");
  lineDeallocateCall(k1);

  /* Conference on 202 (talking to 203): add 201. */
  HCALL conf = 0, k2 = 0, c4 = 0, k3 = 0;
  r = row("lineSetupConferenceA", PROVIDER);
  is(r, lineSetupConferenceA(c2, 0, &conf, NULL, 3, NULL), LINEERR_INVALPOINTER, "NULL lphConsultCall: INVALPOINTER");
  rc = reply(&qa, lineSetupConferenceA(c2, 0, &conf, &k2, 3, NULL));
  chk(r, rc == 0 && conf && k2 && wait_state(&qa, c2, LINECALLSTATE_CONFERENCED) && wait_state(&qa, k2, LINECALLSTATE_DIALTONE),
      "a conference call and a consultation call; the call CONFERENCED", "reply %s", ename(rc));
  reply(&qa, lineDialA(k2, "201", 0));
  c4 = new_call(&qa, h201);
  reply(&qa, lineAnswer(c4, NULL, 0));
  wait_state(&qa, k2, LINECALLSTATE_CONNECTED);
  r = row("lineAddToConference", PROVIDER);
  is(r, lineAddToConference(c2, k2), LINEERR_INVALCONFCALLHANDLE, "a member as the conference: INVALCONFCALLHANDLE");
  is(r, lineAddToConference(conf, 0), LINEERR_INVALCONSULTCALLHANDLE, "NULL consultation: INVALCONSULTCALLHANDLE");
  rc = reply(&qa, lineAddToConference(conf, k2));
  chk(r, rc == 0 && wait_state(&qa, k2, LINECALLSTATE_CONFERENCED), "the consultation joins (CONFERENCED)", "reply %s", ename(rc));
  r = row("lineGetConfRelatedCalls", TAPI_);
  is(r, lineGetConfRelatedCalls(c2, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetConfRelatedCalls(c4, sized(256)), LINEERR_NOCONFERENCE, "a call in no conference: NOCONFERENCE");
  LINECALLLIST *rl = sized(256);
  rc = lineGetConfRelatedCalls(c2, rl);
  chk(r, rc == 0 && rl->dwCallsNumEntries == 3, "the conference call and its two members", "rc %s, %lu", ename(rc), rl->dwCallsNumEntries);
  r = row("linePrepareAddToConferenceA", PROVIDER);
  is(r, linePrepareAddToConferenceA(c2, &k3, NULL), LINEERR_INVALCONFCALLHANDLE, "a member: INVALCONFCALLHANDLE");
  rc = reply(&qa, linePrepareAddToConferenceA(conf, &k3, NULL));
  chk(r, rc == 0 && k3 && wait_state(&qa, k3, LINECALLSTATE_DIALTONE), "another consultation call, DIALTONE", "reply %s", ename(rc));
  drop_and_free(&qa, k3);
  wait_state(&qa, conf, LINECALLSTATE_CONNECTED);
  r = row("lineRemoveFromConference", PROVIDER);
  rc = reply(&qa, lineRemoveFromConference(k2));
  chk(r, rc == 0, "LINE_REPLY 0", "reply %s", ename(rc));
  r = row("lineDrop", PROVIDER);
  is(r, lineDrop(m2, NULL, 0), LINEERR_NOTOWNER, "by a monitor: NOTOWNER");
  rc = reply(&qa, lineDrop(c4, NULL, 0));
  chk(r, rc == 0 && wait_state(&qa, c4, LINECALLSTATE_IDLE), "LINE_REPLY 0, IDLE", "reply %s", ename(rc));
  lineDeallocateCall(c4);
  drop_and_free(&qa, k2);
  drop_and_free(&qa, conf);
  drop_and_free(&qa, c2);
  drop_and_free(&qa, c3);
  lineDeallocateCall(m2);
  /* The second application's monitor handles would keep 202's calls from being deallocated (and
     the line full): closing its line gives them all up. */
  is(row("lineClose", TAPI_), lineClose(hw202), 0, "a monitor's line: its call handles go with it");
}

static void walk_features(void) {
  Row *r;
  LONG rc;
  HCALL a = 0, b = 0, u = 0, p = 0;
  /* Park: 202's call directed to 701, unparked on 203. */
  connect_call(h201, "202", h202, &a, &b);
  r = row("lineParkA", PROVIDER);
  is(r, lineParkA(b, 9, "701", NULL), LINEERR_INVALPARKMODE, "mode 9: INVALPARKMODE");
  is(r, lineParkA(b, LINEPARKMODE_NONDIRECTED, NULL, sized(8)), LINEERR_STRUCTURETOOSMALL, "a VARSTRING of 8 bytes: STRUCTURETOOSMALL");
  rc = reply(&qa, lineParkA(b, LINEPARKMODE_DIRECTED, "701", NULL));
  chk(r, rc == 0 && wait_state(&qa, b, LINECALLSTATE_IDLE), "directed to 701: the parker's call IDLE", "reply %s", ename(rc));
  lineDeallocateCall(b);
  r = row("lineUnparkA", PROVIDER);
  is(r, lineUnparkA(h203, 0, &u, NULL), LINEERR_INVALPOINTER, "no orbit: INVALPOINTER");
  rc = reply(&qa, lineUnparkA(h203, 0, &u, "701"));
  chk(r, rc == 0 && u && wait_state(&qa, u, LINECALLSTATE_CONNECTED), "from 701: a new call, CONNECTED", "reply %s", ename(rc));
  r = row("lineParkW", PROVIDER);
  VARSTRING *vs = sized(256);
  rc = reply(&qa, lineParkW(u, LINEPARKMODE_NONDIRECTED, NULL, vs));
  chk(r, rc == 0 && vs->dwStringFormat == STRINGFORMAT_UNICODE && wcscmp(text_w(vs, vs->dwStringSize, vs->dwStringOffset), L"701") == 0,
      "non-directed: the orbit (701) in the VARSTRING before LINE_REPLY", "reply %s", ename(rc));
  wait_state(&qa, u, LINECALLSTATE_IDLE);
  lineDeallocateCall(u);
  r = row("lineUnparkW", PROVIDER);
  u = 0;
  rc = reply(&qa, lineUnparkW(h202, 0, &u, L"701"));
  chk(r, rc == 0 && u && wait_state(&qa, u, LINECALLSTATE_CONNECTED), "a new call, CONNECTED", "reply %s", ename(rc));
  drop_and_free(&qa, u);
  drop_and_free(&qa, a);

  /* Pickup: 201 calls 203, 202 picks it up. */
  HCALL ring = 0;
  reply(&qa, lineMakeCallA(h201, &a, "203", 0, NULL));
  ring = new_call(&qa, h203);
  wait_state(&qa, ring, LINECALLSTATE_OFFERING);
  r = row("linePickupA", PROVIDER);
  is(r, linePickupA(h202, 1, &p, "203", NULL), LINEERR_INVALADDRESSID, "address 1: INVALADDRESSID");
  rc = reply(&qa, linePickupA(h202, 0, &p, "203", NULL));
  chk(r, rc == 0 && p && wait_state(&qa, p, LINECALLSTATE_CONNECTED), "directed (203): 202 has the call", "reply %s", ename(rc));
  drop_and_free(&qa, p);
  drop_and_free(&qa, ring);
  drop_and_free(&qa, a);
  r = row("linePickupW", PROVIDER);
  is(r, linePickupW(h202, 0, NULL, L"203", NULL), LINEERR_INVALPOINTER, "NULL lphCall: INVALPOINTER");

  /* Redirect: 201 calls 202, 202 sends it on to 203. */
  reply(&qa, lineMakeCallA(h201, &a, "202", 0, NULL));
  b = new_call(&qa, h202);
  wait_state(&qa, b, LINECALLSTATE_OFFERING);
  r = row("lineRedirectA", PROVIDER);
  is(r, lineRedirectA(b, NULL, 0), LINEERR_INVALPOINTER, "NULL: INVALPOINTER");
  rc = reply(&qa, lineRedirectA(b, "203", 0));
  ring = new_call(&qa, h203);
  chk(r, rc == 0 && wait_state(&qa, b, LINECALLSTATE_IDLE) && ring, "202's call IDLE, 203 offered it", "reply %s", ename(rc));
  lineDeallocateCall(b);
  r = row("lineRedirectW", PROVIDER);
  is(r, lineRedirectW(0, L"203", 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  drop_and_free(&qa, ring);
  drop_and_free(&qa, a);

  /* Blind transfer: 202 sends 201's call to 203. */
  connect_call(h201, "202", h202, &a, &b);
  r = row("lineBlindTransferA", PROVIDER);
  rc = reply(&qa, lineBlindTransferA(b, "203", 0));
  ring = new_call(&qa, h203);
  chk(r, rc == 0 && wait_state(&qa, b, LINECALLSTATE_IDLE) && ring, "202's call IDLE, 203 offered the call", "reply %s", ename(rc));
  lineDeallocateCall(b);
  r = row("lineBlindTransferW", PROVIDER);
  is(r, lineBlindTransferW(0, L"203", 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(r, lineBlindTransferW(a, NULL, 0), LINEERR_INVALPOINTER, "NULL address: INVALPOINTER");
  drop_and_free(&qa, ring);
  drop_and_free(&qa, a);

  /* Forwarding on 203. */
  r = row("lineForwardA", PROVIDER);
  BYTE fl[256];
  memset(fl, 0, sizeof fl);
  LINEFORWARDLIST *list = (LINEFORWARDLIST *)fl;
  list->dwTotalSize = sizeof fl;
  list->dwNumEntries = 1;
  list->ForwardList[0].dwForwardMode = LINEFORWARDMODE_UNCOND;
  list->ForwardList[0].dwDestAddressSize = 4;
  list->ForwardList[0].dwDestAddressOffset = 200;
  memcpy(fl + 200, "201", 4);
  HCALL consult = 0x5555;
  is(r, lineForwardA(h203, 0, 1, list, 0, &consult, NULL), LINEERR_INVALADDRESSID, "address 1: INVALADDRESSID");
  rc = reply(&qa, lineForwardA(h203, 0, 0, list, 0, &consult, NULL));
  LINEMESSAGE *fw = wait_msg(&qa, LINE_ADDRESSSTATE, h203, ~(DWORD_PTR)0);
  chk(r, rc == 0 && consult == 0 && fw && fw->dwParam2 == LINEADDRESSSTATE_FORWARD,
      "unconditional to 201: no consultation call (NULL), LINE_ADDRESSSTATE FORWARD (enabled)", "reply %s", ename(rc));
  LINEADDRESSSTATUS *st = sized(4096);
  rc = lineGetAddressStatusA(h203, 0, st);
  const LINEFORWARD *f = st->dwForwardSize ? (const LINEFORWARD *)((BYTE *)st + st->dwForwardOffset) : NULL;
  chk(row("lineGetAddressStatusA", PROVIDER),
      rc == 0 && st->dwForwardNumEntries == 1 && f && strcmp(text_a(st, f->dwDestAddressSize, f->dwDestAddressOffset), "201") == 0,
      "the forwarding entry, its destination in ASCII", "rc %s", ename(rc));
  st = sized(4096);
  rc = lineGetAddressStatusW(h203, 0, st);
  f = st->dwForwardSize ? (const LINEFORWARD *)((BYTE *)st + st->dwForwardOffset) : NULL;
  chk(row("lineGetAddressStatusW", PROVIDER), rc == 0 && f && wcscmp(text_w(st, f->dwDestAddressSize, f->dwDestAddressOffset), L"201") == 0,
      "the forwarding destination in UTF-16", "rc %s", ename(rc));
  r = row("lineForwardW", PROVIDER);
  rc = reply(&qa, lineForwardW(h203, 0, 0, NULL, 0, &consult, NULL));
  chk(r, rc == 0, "NULL list: forwarding cancelled", "reply %s", ename(rc));

  /* Call completion: 201 calls 202 while 202 talks to 203. */
  HCALL x = 0, y = 0, busy = 0;
  connect_call(h203, "202", h202, &x, &y);
  reply(&qa, lineMakeCallA(h201, &busy, "202", 0, NULL));
  const int was_busy = wait_state(&qa, busy, LINECALLSTATE_BUSY);
  chk(row("lineCompleteCall", PROVIDER), was_busy, "a call to a busy line", NULL);
  r = row("lineCompleteCall", PROVIDER);
  DWORD completion = 0;
  is(r, lineCompleteCall(busy, NULL, LINECALLCOMPLMODE_CAMPON, 0), LINEERR_INVALPOINTER, "NULL lpdwCompletionID: INVALPOINTER");
  rc = reply(&qa, lineCompleteCall(busy, &completion, LINECALLCOMPLMODE_CAMPON, 0));
  chk(r, rc == 0 && completion != 0, "camp on: the completion ID written before LINE_REPLY", "reply %s", ename(rc));
  r = row("lineUncompleteCall", PROVIDER);
  rc = reply(&qa, lineUncompleteCall(h201, completion));
  chk(r, rc == 0, "cancels it", "reply %s", ename(rc));
  rc = reply(&qa, lineUncompleteCall(h201, completion));
  chk(r, rc == (LONG)LINEERR_INVALCOMPLETIONID, "again: LINE_REPLY INVALCOMPLETIONID", "reply %s", ename(rc));
  drop_and_free(&qa, busy);
  drop_and_free(&qa, y);
  drop_and_free(&qa, x);

  /* What telsim.tsp has no TSPI function for, on a live call and line. */
  connect_call(h201, "202", h202, &a, &b);
  char digits[16];
  wchar_t wdigits[16];
  LINEGENERATETONE tone = {440, 100, 100, 50};
  LINEMONITORTONE mt;
  memset(&mt, 0, sizeof mt);
  LINEDIALPARAMS dp;
  memset(&dp, 0, sizeof dp);
  /* Digits, tones, media, UUI and call data: telsim.tsp's media functions (docs/tsp.md), on the
     live call a (201) with its far party b (202). */
  mt.dwAppSpecific = 1;
  mt.dwDuration = 100;
  mt.dwFrequency1 = 440;
  {
    /* An ANSI gather: the digits the far party sends land in the ANSI buffer. */
    Row *g = row("lineGatherDigitsA", PROVIDER);
    memset(digits, 0, sizeof digits);
    is(g, lineGatherDigitsA(b, LINEDIGITMODE_DTMF, digits, 3, "#", 5000, 5000), 0, "a gather of 3 on a live call: 0");
    is(g, lineGenerateDigitsA(a, LINEDIGITMODE_DTMF, "12#", 0), 0, "(the far party keys 12#)");
    LINEMESSAGE *m = wait_msg(&qa, LINE_GATHERDIGITS, (DWORD)b, (DWORD_PTR)LINEGATHERTERM_TERMDIGIT);
    chk(g, m != NULL && memcmp(digits, "12#", 3) == 0, "LINE_GATHERDIGITS TERMDIGIT, \"12#\" in the ANSI buffer",
        "buffer '%.3s'", digits);
  }
  is(row("lineMonitorDigits", PROVIDER), lineMonitorDigits(a, LINEDIGITMODE_DTMF), 0, "DTMF on a live call: 0");
  is(row("lineGenerateDigitsA", PROVIDER), lineGenerateDigitsA(a, LINEDIGITMODE_DTMF, "123", 0), 0, "DTMF 123: 0");
  is(row("lineGenerateDigitsW", PROVIDER), lineGenerateDigitsW(a, LINEDIGITMODE_DTMF, L"123", 0), 0, "DTMF 123: 0");
  is(row("lineGatherDigitsW", PROVIDER), lineGatherDigitsW(b, LINEDIGITMODE_DTMF, wdigits, 4, L"#", 1000, 1000), 0,
     "a gather of 4 on a live call: 0");
  is(row("lineGenerateTone", PROVIDER), lineGenerateTone(a, LINETONEMODE_CUSTOM, 100, 1, &tone), 0, "a custom 440 Hz tone: 0");
  is(row("lineMonitorMedia", PROVIDER), lineMonitorMedia(a, LINEMEDIAMODE_INTERACTIVEVOICE), 0, "INTERACTIVEVOICE: 0");
  is(row("lineMonitorTones", PROVIDER), lineMonitorTones(a, &mt, 1), 0, "one 440 Hz tone: 0");
  is(row("lineSendUserUserInfo", PROVIDER), reply(&qa, lineSendUserUserInfo(a, "uui", 3)), 0, "3 bytes: LINE_REPLY 0");
  is(row("lineReleaseUserUserInfo", PROVIDER), reply(&qa, lineReleaseUserUserInfo(b)), 0, "the far party's: LINE_REPLY 0");
  is(row("lineSetCallData", PROVIDER), reply(&qa, lineSetCallData(a, "data", 4)), 0, "4 bytes: LINE_REPLY 0");
  is(row("lineSetCallParams", PROVIDER), reply(&qa, lineSetCallParams(a, LINEBEARERMODE_VOICE, 0, 0, &dp)), 0,
     "VOICE: LINE_REPLY 0");
  is(row("lineSetCallQualityOfService", PROVIDER), reply(&qa, lineSetCallQualityOfService(a, "qos1", 4, "qos2", 4)), 0,
     "two FLOWSPECs: LINE_REPLY 0");
  is(row("lineSetCallTreatment", PROVIDER), reply(&qa, lineSetCallTreatment(a, LINECALLTREATMENT_MUSIC)), 0,
     "MUSIC: LINE_REPLY 0");
  is(row("lineSetMediaControl", PROVIDER), lineSetMediaControl(h201, 0, a, LINECALLSELECT_CALL, NULL, 0, NULL, 0, NULL, 0, NULL, 0), 0,
     "no triggers on a call: 0");
  struct {
    const char *name;
    LONG rc;
  } unavailable[] = {
      {"lineSetTerminal", lineSetTerminal(h201, 0, a, LINECALLSELECT_CALL, LINETERMMODE_BUTTONS, 0, TRUE)},
      {"lineSetLineDevStatus", lineSetLineDevStatus(h201, LINEDEVSTATUSFLAGS_MSGWAIT, TRUE)},
      {"lineDevSpecific", lineDevSpecific(h201, 0, a, digits, 4)},
      {"lineDevSpecificFeature", lineDevSpecificFeature(h201, 1, digits, 4)},
  };
  for (size_t i = 0; i < sizeof unavailable / sizeof unavailable[0]; ++i)
    is(row(unavailable[i].name, UNAVAIL), unavailable[i].rc, LINEERR_OPERATIONUNAVAIL, "on a live call or line: OPERATIONUNAVAIL");
  /* ... and their handle checks come first. */
  is(row("lineGatherDigitsA", PROVIDER), lineGatherDigitsA(0, LINEDIGITMODE_DTMF, digits, 4, "#", 1, 1), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineGatherDigitsW", PROVIDER), lineGatherDigitsW(b + 0x100000, LINEDIGITMODE_DTMF, NULL, 0, NULL, 1, 1), LINEERR_INVALCALLHANDLE, "unknown call: INVALCALLHANDLE");
  is(row("lineGenerateDigitsA", PROVIDER), lineGenerateDigitsA(0, LINEDIGITMODE_DTMF, "1", 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineGenerateDigitsW", PROVIDER), lineGenerateDigitsW(0, LINEDIGITMODE_DTMF, L"1", 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineGenerateTone", PROVIDER), lineGenerateTone(0, LINETONEMODE_BEEP, 100, 0, NULL), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineMonitorDigits", PROVIDER), lineMonitorDigits(0, LINEDIGITMODE_DTMF), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineMonitorMedia", PROVIDER), lineMonitorMedia(0, 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineMonitorTones", PROVIDER), lineMonitorTones(0, NULL, 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineSendUserUserInfo", PROVIDER), lineSendUserUserInfo(0, NULL, 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineReleaseUserUserInfo", PROVIDER), lineReleaseUserUserInfo(0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineSetCallData", PROVIDER), lineSetCallData(0, NULL, 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineSetCallParams", PROVIDER), lineSetCallParams(0, 0, 0, 0, NULL), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineSetCallQualityOfService", PROVIDER), lineSetCallQualityOfService(0, NULL, 0, NULL, 0), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineSetCallTreatment", PROVIDER), lineSetCallTreatment(0, 1), LINEERR_INVALCALLHANDLE, "NULL call: INVALCALLHANDLE");
  is(row("lineSetMediaControl", PROVIDER), lineSetMediaControl(h201, 0, 0, 0x80, NULL, 0, NULL, 0, NULL, 0, NULL, 0), LINEERR_INVALCALLSELECT, "select 0x80: INVALCALLSELECT");
  is(row("lineSetTerminal", UNAVAIL), lineSetTerminal(0, 0, 0, LINECALLSELECT_LINE, LINETERMMODE_BUTTONS, 0, TRUE), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  is(row("lineSetLineDevStatus", UNAVAIL), lineSetLineDevStatus(0, 1, 1), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  is(row("lineDevSpecific", UNAVAIL), lineDevSpecific(0, 0, 0, NULL, 0), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  is(row("lineDevSpecificFeature", UNAVAIL), lineDevSpecificFeature(0, 1, NULL, 0), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  drop_and_free(&qa, b);
  drop_and_free(&qa, a);

  /* ACD agents, queues and proxies: for a proxy application, and there is none. */
  GUID guid;
  memset(&guid, 0, sizeof guid);
  HAGENT agent = 0;
  HAGENTSESSION session = 0;
  struct {
    const char *name;
    LONG ok_line;
    LONG bad_line;
  } proxy[] = {
      {"lineAgentSpecific", lineAgentSpecific(h201, 0, 0, NULL, 0), lineAgentSpecific(0, 0, 0, NULL, 0)},
      {"lineCreateAgentA", lineCreateAgentA(h201, "7", "1", &agent), lineCreateAgentA(0, "7", "1", &agent)},
      {"lineCreateAgentW", lineCreateAgentW(h201, L"7", L"1", &agent), lineCreateAgentW(0, L"7", L"1", &agent)},
      {"lineCreateAgentSessionA", lineCreateAgentSessionA(h201, 1, "1", 0, &guid, &session), lineCreateAgentSessionA(0, 1, "1", 0, &guid, &session)},
      {"lineCreateAgentSessionW", lineCreateAgentSessionW(h201, 1, L"1", 0, &guid, &session), lineCreateAgentSessionW(0, 1, L"1", 0, &guid, &session)},
      {"lineGetAgentActivityListA", lineGetAgentActivityListA(h201, 0, sized(256)), lineGetAgentActivityListA(0, 0, sized(256))},
      {"lineGetAgentActivityListW", lineGetAgentActivityListW(h201, 0, sized(256)), lineGetAgentActivityListW(0, 0, sized(256))},
      {"lineGetAgentGroupListA", lineGetAgentGroupListA(h201, 0, sized(256)), lineGetAgentGroupListA(0, 0, sized(256))},
      {"lineGetAgentGroupListW", lineGetAgentGroupListW(h201, 0, sized(256)), lineGetAgentGroupListW(0, 0, sized(256))},
      {"lineGetAgentInfo", lineGetAgentInfo(h201, 1, sized(256)), lineGetAgentInfo(0, 1, sized(256))},
      {"lineGetAgentSessionInfo", lineGetAgentSessionInfo(h201, 1, sized(256)), lineGetAgentSessionInfo(0, 1, sized(256))},
      {"lineGetAgentSessionList", lineGetAgentSessionList(h201, 1, sized(256)), lineGetAgentSessionList(0, 1, sized(256))},
      {"lineGetAgentStatusA", lineGetAgentStatusA(h201, 0, sized(256)), lineGetAgentStatusA(0, 0, sized(256))},
      {"lineGetAgentStatusW", lineGetAgentStatusW(h201, 0, sized(256)), lineGetAgentStatusW(0, 0, sized(256))},
      {"lineGetGroupListA", lineGetGroupListA(h201, sized(256)), lineGetGroupListA(0, sized(256))},
      {"lineGetGroupListW", lineGetGroupListW(h201, sized(256)), lineGetGroupListW(0, sized(256))},
      {"lineGetQueueInfo", lineGetQueueInfo(h201, 1, sized(256)), lineGetQueueInfo(0, 1, sized(256))},
      {"lineGetQueueListA", lineGetQueueListA(h201, &guid, sized(256)), lineGetQueueListA(0, &guid, sized(256))},
      {"lineGetQueueListW", lineGetQueueListW(h201, &guid, sized(256)), lineGetQueueListW(0, &guid, sized(256))},
      {"lineSetAgentActivity", lineSetAgentActivity(h201, 0, 1), lineSetAgentActivity(0, 0, 1)},
      {"lineSetAgentGroup", lineSetAgentGroup(h201, 0, sized(256)), lineSetAgentGroup(0, 0, sized(256))},
      {"lineSetAgentMeasurementPeriod", lineSetAgentMeasurementPeriod(h201, 1, 60), lineSetAgentMeasurementPeriod(0, 1, 60)},
      {"lineSetAgentSessionState", lineSetAgentSessionState(h201, 1, 1, 0), lineSetAgentSessionState(0, 1, 1, 0)},
      {"lineSetAgentState", lineSetAgentState(h201, 0, 1, 0), lineSetAgentState(0, 0, 1, 0)},
      {"lineSetAgentStateEx", lineSetAgentStateEx(h201, 1, 1, 0), lineSetAgentStateEx(0, 1, 1, 0)},
      {"lineSetQueueMeasurementPeriod", lineSetQueueMeasurementPeriod(h201, 1, 60), lineSetQueueMeasurementPeriod(0, 1, 60)},
  };
  /* What the provider serves as the agent handler (a switch with an ACD: tsp-shim/test/agents.yaml). */
  static const char *const served[] = {"lineGetAgentActivityListA", "lineGetAgentActivityListW", "lineGetAgentGroupListA",
                                       "lineGetAgentGroupListW", "lineGetAgentStatusA", "lineGetAgentStatusW",
                                       "lineGetGroupListA", "lineGetGroupListW", "lineGetQueueInfo", "lineGetQueueListA",
                                       "lineGetQueueListW", "lineSetAgentActivity", "lineSetAgentGroup", "lineSetAgentState",
                                       "lineSetAgentStateEx"};
  for (size_t i = 0; i < sizeof proxy / sizeof proxy[0]; ++i) {
    const char *status = PROXY;
    for (size_t k = 0; k < sizeof served / sizeof served[0]; ++k)
      if (strcmp(proxy[i].name, served[k]) == 0) status = AGENT;
    r = row(proxy[i].name, status);
    is(r, proxy[i].bad_line, LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
    is(r, proxy[i].ok_line, LINEERR_OPERATIONUNAVAIL, "an open line: OPERATIONUNAVAIL");
  }
  r = row("lineGetAgentCapsA", AGENT);
  is(r, lineGetAgentCapsA(0x7777, dev201, 0, 0x20002, sized(256)), LINEERR_INVALAPPHANDLE, "unknown application: INVALAPPHANDLE");
  is(r, lineGetAgentCapsA(qa.app, dev201, 0, 0x20002, sized(256)), LINEERR_OPERATIONUNAVAIL, "OPERATIONUNAVAIL");
  r = row("lineGetAgentCapsW", AGENT);
  is(r, lineGetAgentCapsW(qa.app, 9999, 0, 0x20002, sized(256)), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineGetAgentCapsW(qa.app, dev201, 0, 0x20002, sized(256)), LINEERR_OPERATIONUNAVAIL, "OPERATIONUNAVAIL");
  r = row("lineGetProxyStatus", "TAPI (no proxies: an empty list)");
  is(r, lineGetProxyStatus(qa.app, dev201, 0x20002, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetProxyStatus(qa.app, dev201, 0x20000, sized(256)), LINEERR_INCOMPATIBLEAPIVERSION, "before 2.2: INCOMPATIBLEAPIVERSION");
  LINEPROXYREQUESTLIST *pl = sized(256);
  rc = lineGetProxyStatus(qa.app, dev201, 0x20002, pl);
  chk(r, rc == 0 && pl->dwNumEntries == 0, "no request types", "rc %s", ename(rc));
  r = row("lineProxyMessage", "TAPI (for proxies: LINEERR_NOTREGISTERED)");
  is(r, lineProxyMessage(0, 0, LINE_CALLINFO, 0, 0, 0), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  is(r, lineProxyMessage(h201, 0, LINE_CALLINFO, 0, 0, 0), LINEERR_NOTREGISTERED, "a line not opened as a proxy: NOTREGISTERED");
  r = row("lineProxyResponse", "TAPI (for proxies: LINEERR_NOTREGISTERED)");
  is(r, lineProxyResponse(0, NULL, 0), LINEERR_INVALLINEHANDLE, "NULL line: INVALLINEHANDLE");
  is(r, lineProxyResponse(h201, NULL, 0), LINEERR_NOTREGISTERED, "a line not opened as a proxy: NOTREGISTERED");
}

static void walk_wide_calls(void) {
  /* The W forms of the call operations, end to end. */
  HCALL a = 0, b = 0, k = 0, conf = 0, k2 = 0, k3 = 0, c = 0;
  Row *r = row("lineMakeCallW", PROVIDER);
  LONG rc = reply(&qa, lineMakeCallW(h201, &a, NULL, 0, NULL));
  chk(r, rc == 0 && a && wait_state(&qa, a, LINECALLSTATE_DIALTONE), "no number: DIALTONE", "reply %s", ename(rc));
  r = row("lineDialW", PROVIDER);
  rc = reply(&qa, lineDialW(a, L"202", 0));
  b = new_call(&qa, h202);
  chk(r, rc == 0 && b, "dials 202: it rings", "reply %s", ename(rc));
  reply(&qa, lineAnswer(b, NULL, 0));
  wait_state(&qa, a, LINECALLSTATE_CONNECTED);
  r = row("lineSetupTransferW", PROVIDER);
  rc = reply(&qa, lineSetupTransferW(a, &k, NULL));
  chk(r, rc == 0 && k && wait_state(&qa, k, LINECALLSTATE_DIALTONE), "a consultation call", "reply %s", ename(rc));
  drop_and_free(&qa, k);
  reply(&qa, lineUnhold(a));
  wait_state(&qa, a, LINECALLSTATE_CONNECTED);
  r = row("lineSetupConferenceW", PROVIDER);
  rc = reply(&qa, lineSetupConferenceW(a, 0, &conf, &k2, 3, NULL));
  chk(r, rc == 0 && conf && k2, "a conference and a consultation call", "reply %s", ename(rc));
  reply(&qa, lineDialW(k2, L"203", 0));
  c = new_call(&qa, h203);
  reply(&qa, lineAnswer(c, NULL, 0));
  wait_state(&qa, k2, LINECALLSTATE_CONNECTED);
  reply(&qa, lineAddToConference(conf, k2));
  r = row("linePrepareAddToConferenceW", PROVIDER);
  rc = reply(&qa, linePrepareAddToConferenceW(conf, &k3, NULL));
  chk(r, rc == 0 && k3, "a consultation call", "reply %s", ename(rc));
  drop_and_free(&qa, k3);
  drop_and_free(&qa, k2);
  drop_and_free(&qa, c);
  drop_and_free(&qa, conf);
  drop_and_free(&qa, b);
  drop_and_free(&qa, a);
}

static void walk_providers(void) {
  Row *r = row("lineGetProviderListA", TAPI_);
  is(r, lineGetProviderListA(0x30000, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetProviderListA(0x10002, sized(1024)), LINEERR_INCOMPATIBLEAPIVERSION, "version 1.2: INCOMPATIBLEAPIVERSION");
  LINEPROVIDERLIST *pl = sized(1024);
  LONG rc = lineGetProviderListA(0x30000, pl);
  const LINEPROVIDERENTRY *e = pl->dwProviderListSize ? (const LINEPROVIDERENTRY *)((BYTE *)pl + pl->dwProviderListOffset) : NULL;
  chk(r, rc == 0 && pl->dwNumProviders == 1 && e && e->dwPermanentProviderID == 1 &&
             strcmp(text_a(pl, e->dwProviderFilenameSize, e->dwProviderFilenameOffset), "telsim.tsp") == 0,
      "telsim.tsp, ID 1 (the registry's list), its name in ASCII", "rc %s", ename(rc));
  r = row("lineGetProviderListW", TAPI_);
  pl = sized(1024);
  rc = lineGetProviderListW(0x30000, pl);
  e = pl->dwProviderListSize ? (const LINEPROVIDERENTRY *)((BYTE *)pl + pl->dwProviderListOffset) : NULL;
  chk(r, rc == 0 && e && wcscmp(text_w(pl, e->dwProviderFilenameSize, e->dwProviderFilenameOffset), L"telsim.tsp") == 0,
      "the name in UTF-16", "rc %s", ename(rc));
  DWORD id = 0;
  r = row("lineAddProviderA", "TAPI, then the provider's TUISPI_providerInstall");
  is(r, lineAddProviderA("telsim.tsp", NULL, NULL), LINEERR_INVALPOINTER, "NULL lpdwPermanentProviderID: INVALPOINTER");
  is(r, lineAddProviderA(NULL, NULL, &id), LINEERR_INVALPARAM, "no file: INVALPARAM");
  is(r, lineAddProviderA("telsim.tsp", NULL, &id), LINEERR_NOMULTIPLEINSTANCE, "telsim.tsp again: the provider refuses (NOMULTIPLEINSTANCE)");
  r = row("lineAddProviderW", "TAPI, then the provider's TUISPI_providerInstall");
  is(r, lineAddProviderW(L"no-such.tsp", NULL, &id), LINEERR_INVALPARAM, "a file that does not load: INVALPARAM");
  r = row("lineRemoveProvider", "TAPI, then the provider's TUISPI_providerRemove");
  is(r, lineRemoveProvider(999, NULL), LINEERR_INVALPARAM, "ID 999: INVALPARAM");
  r = row("lineConfigProvider", "TAPI, then the provider's TUISPI_providerConfig (a message box)");
  is(r, lineConfigProvider(NULL, 999), LINEERR_INVALPARAM, "ID 999: INVALPARAM");
  r = row("lineConfigDialogA", "TAPI, then the provider's TUISPI_lineConfigDialog (a message box)");
  is(r, lineConfigDialogA(9999, NULL, NULL), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineConfigDialogA(dev201, NULL, ""), LINEERR_INVALDEVICECLASS, "an empty class: INVALDEVICECLASS");
  r = row("lineConfigDialogW", "TAPI, then the provider's TUISPI_lineConfigDialog (a message box)");
  is(r, lineConfigDialogW(9999, NULL, NULL), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  VARSTRING *vs = sized(256);
  r = row("lineConfigDialogEditA", "the provider has no TUISPI_lineConfigDialogEdit: LINEERR_OPERATIONUNAVAIL");
  is(r, lineConfigDialogEditA(9999, NULL, "tapi/line", NULL, 0, vs), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineConfigDialogEditA(dev201, NULL, "tapi/line", NULL, 0, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineConfigDialogEditA(dev201, NULL, "tapi/line", NULL, 0, sized(256)), LINEERR_OPERATIONUNAVAIL, "OPERATIONUNAVAIL");
  r = row("lineConfigDialogEditW", "the provider has no TUISPI_lineConfigDialogEdit: LINEERR_OPERATIONUNAVAIL");
  is(r, lineConfigDialogEditW(dev201, NULL, L"tapi/line", NULL, 0, sized(256)), LINEERR_OPERATIONUNAVAIL, "OPERATIONUNAVAIL");
  r = row("lineGetDevConfigA", "TAPI, then the provider: a modem's line has a Unimodem DEVCFG (datamodem.exe round-trips it)");
  is(r, lineGetDevConfigA(9999, sized(256), "comm/datamodem"), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineGetDevConfigA(dev201, sized(8), "comm/datamodem"), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetDevConfigA(dev201, sized(256), "comm/datamodem"), LINEERR_INVALDEVICECLASS, "a voice line: INVALDEVICECLASS");
  r = row("lineGetDevConfigW", "TAPI, then the provider: a modem's line has a Unimodem DEVCFG (datamodem.exe round-trips it)");
  is(r, lineGetDevConfigW(dev201, sized(256), L"comm/datamodem"), LINEERR_INVALDEVICECLASS, "a voice line: INVALDEVICECLASS");
  DWORD cfg = 0;
  r = row("lineSetDevConfigA", "TAPI, then the provider: a modem's line takes a Unimodem DEVCFG, which configures its modem (datamodem.exe)");
  is(r, lineSetDevConfigA(9999, &cfg, 4, "comm/datamodem"), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineSetDevConfigA(dev201, &cfg, 4, "comm/datamodem"), LINEERR_INVALDEVICECLASS, "a voice line: INVALDEVICECLASS");
  r = row("lineSetDevConfigW", "TAPI, then the provider: a modem's line takes a Unimodem DEVCFG, which configures its modem (datamodem.exe)");
  is(r, lineSetDevConfigW(dev201, &cfg, 4, L"comm/datamodem"), LINEERR_INVALDEVICECLASS, "a voice line: INVALDEVICECLASS");

  /* Handoff priorities (the registry's HandoffPriorities). */
  LINEEXTENSIONID ext;
  DWORD prio = 99;
  r = row("lineSetAppPriorityA", TAPI_);
  Row *g = row("lineGetAppPriorityA", TAPI_);
  is(r, lineSetAppPriorityA(NULL, LINEMEDIAMODE_INTERACTIVEVOICE, &ext, 0, NULL, 1), LINEERR_INVALAPPNAME, "no name: INVALAPPNAME");
  is(r, lineSetAppPriorityA("conform.exe", 3, &ext, 0, NULL, 1), LINEERR_INVALMEDIAMODE, "two media modes: INVALMEDIAMODE");
  is(r, lineSetAppPriorityA("conform.exe", 0, &ext, 8, NULL, 1), LINEERR_INVALREQUESTMODE, "request mode 8: INVALREQUESTMODE");
  is(r, lineSetAppPriorityA("conform.exe", LINEMEDIAMODE_INTERACTIVEVOICE, &ext, 0, NULL, 1), 0, "first for voice");
  rc = lineGetAppPriorityA("CONFORM.EXE", LINEMEDIAMODE_INTERACTIVEVOICE, &ext, 0, NULL, &prio);
  chk(g, rc == 0 && prio == 1, "what lineSetAppPriority set (names compared without case)", "rc %s, %lu", ename(rc), prio);
  is(g, lineGetAppPriorityA("conform.exe", 0, &ext, 8, NULL, &prio), LINEERR_INVALREQUESTMODE, "request mode 8: INVALREQUESTMODE");
  is(g, lineGetAppPriorityA("conform.exe", LINEMEDIAMODE_INTERACTIVEVOICE, &ext, 0, NULL, NULL), LINEERR_INVALPOINTER, "NULL: INVALPOINTER");
  r = row("lineSetAppPriorityW", TAPI_);
  is(r, lineSetAppPriorityW(L"conform.exe", LINEMEDIAMODE_INTERACTIVEVOICE, &ext, 0, NULL, 0), 0, "0 removes it");
  g = row("lineGetAppPriorityW", TAPI_);
  rc = lineGetAppPriorityW(L"conform.exe", LINEMEDIAMODE_INTERACTIVEVOICE, &ext, 0, NULL, &prio);
  chk(g, rc == 0 && prio == 0, "not in the list: 0", "rc %s, %lu", ename(rc), prio);
}

static void write_location(void) {
  /* A dialling location of the walker's own: area 425, 9 for an outside line, *70 cancels call waiting. */
  HKEY k;
  const char *base = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Telephony\\Locations";
  if (RegCreateKeyExA(HKEY_LOCAL_MACHINE, "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Telephony\\Locations\\Location1", 0, NULL, 0,
                      KEY_WRITE, NULL, &k, NULL) != ERROR_SUCCESS)
    return;
  DWORD v = 1;
  RegSetValueExA(k, "ID", 0, REG_DWORD, (BYTE *)&v, 4);
  RegSetValueExA(k, "Country", 0, REG_DWORD, (BYTE *)&v, 4);
  RegSetValueExA(k, "Flags", 0, REG_DWORD, (BYTE *)&v, 4);
  RegSetValueExA(k, "Name", 0, REG_SZ, (BYTE *)"Walker office", 14);
  RegSetValueExA(k, "AreaCode", 0, REG_SZ, (BYTE *)"425", 4);
  RegSetValueExA(k, "OutsideAccess", 0, REG_SZ, (BYTE *)"9", 2);
  RegSetValueExA(k, "LongDistanceAccess", 0, REG_SZ, (BYTE *)"9", 2);
  RegSetValueExA(k, "DisableCallWaiting", 0, REG_SZ, (BYTE *)"*70,", 5);
  RegSetValueExA(k, "TollList", 0, REG_SZ, (BYTE *)"", 1);
  RegCloseKey(k);
  if (RegOpenKeyExA(HKEY_LOCAL_MACHINE, base, 0, KEY_WRITE, &k) == ERROR_SUCCESS) {
    RegSetValueExA(k, "CurrentID", 0, REG_DWORD, (BYTE *)&v, 4);
    RegCloseKey(k);
  }
}

static void translate_check(Row *r, const char *in, DWORD options, const char *want, DWORD results, const char *what) {
  LINETRANSLATEOUTPUT *o = sized(1024);
  LONG rc = lineTranslateAddressA(qa.app, dev201, 0x30000, in, 0, options, o);
  const char *got = text_a(o, o->dwDialableStringSize, o->dwDialableStringOffset);
  chk(r, rc == 0 && strcmp(got, want) == 0 && (o->dwTranslateResults & results) == results, what, "rc %s, '%s', results 0x%lx",
      ename(rc), got, o->dwTranslateResults);
}

static void walk_locations(void) {
  write_location();
  Row *r = row("lineTranslateAddressA", TAPI_);
  is(r, lineTranslateAddressA(qa.app, dev201, 0x30000, "+1 (425) 555-0100", 0, 0, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineTranslateAddressA(qa.app, dev201, 0x30000, "+1 (425", 0, 0, sized(1024)), LINEERR_INVALADDRESS, "'+1 (425': INVALADDRESS");
  is(r, lineTranslateAddressA(qa.app, dev201, 0x30000, "+1 (425) 555-0100", 1, LINETRANSLATEOPTION_CARDOVERRIDE, sized(1024)),
     LINEERR_INVALCARD, "a calling card: INVALCARD (none)");
  is(r, lineTranslateAddressA(0x7777, dev201, 0x30000, "+1 (425) 555-0100", 0, 0, sized(1024)), LINEERR_INVALAPPHANDLE, "unknown application: INVALAPPHANDLE");
  translate_check(r, "+1 (425) 555-0100", 0, "T95550100", LINETRANSLATERESULT_CANONICAL | LINETRANSLATERESULT_LOCAL,
                  "local (same area): T, outside access 9, the same-area rule");
  translate_check(r, "+1 (206) 555-0100", 0, "T912065550100", LINETRANSLATERESULT_LONGDISTANCE, "long distance: 1 + area + number");
  translate_check(r, "+44 (20) 7946 0000", 0, "T9011442079460000", LINETRANSLATERESULT_INTERNATIONAL, "international: 011 + country + area + number");
  translate_check(r, "+1 (425) 555-0100", LINETRANSLATEOPTION_CANCELCALLWAITING, "T*70,95550100", LINETRANSLATERESULT_LOCAL,
                  "CANCELCALLWAITING: the location's code first");
  translate_check(r, "555-0100", 0, "555-0100", 0, "not canonical: as given");
  r = row("lineTranslateAddressW", TAPI_);
  LINETRANSLATEOUTPUT *o = sized(1024);
  LONG rc = lineTranslateAddressW(qa.app, dev201, 0x30000, L"+1 (206) 555-0100", 0, 0, o);
  chk(r, rc == 0 && wcscmp(text_w(o, o->dwDialableStringSize, o->dwDialableStringOffset), L"T912065550100") == 0 && o->dwCurrentCountry == 1,
      "UTF-16 dialable string, dwCurrentCountry 1", "rc %s", ename(rc));

  r = row("lineGetTranslateCapsA", TAPI_);
  is(r, lineGetTranslateCapsA(qa.app, 0x30000, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  LINETRANSLATECAPS *tc = sized(4096);
  rc = lineGetTranslateCapsA(qa.app, 0x30000, tc);
  const LINELOCATIONENTRY *le = tc->dwLocationListSize ? (const LINELOCATIONENTRY *)((BYTE *)tc + tc->dwLocationListOffset) : NULL;
  chk(r, rc == 0 && tc->dwNumLocations == 1 && tc->dwCurrentLocationID == 1 && le &&
             strcmp(text_a(tc, le->dwLocationNameSize, le->dwLocationNameOffset), "Walker office") == 0 &&
             strcmp(text_a(tc, le->dwCityCodeSize, le->dwCityCodeOffset), "425") == 0,
      "the registry's location: name, area code, current ID", "rc %s", ename(rc));
  r = row("lineGetTranslateCapsW", TAPI_);
  tc = sized(4096);
  rc = lineGetTranslateCapsW(0, 0x30000, tc);
  le = tc->dwLocationListSize ? (const LINELOCATIONENTRY *)((BYTE *)tc + tc->dwLocationListOffset) : NULL;
  chk(r, rc == 0 && le && wcscmp(text_w(tc, le->dwLocalAccessCodeSize, le->dwLocalAccessCodeOffset), L"9") == 0,
      "hLineApp NULL allowed; UTF-16 access code", "rc %s", ename(rc));

  r = row("lineSetCurrentLocation", TAPI_);
  is(r, lineSetCurrentLocation(qa.app, 77), LINEERR_INVALLOCATION, "location 77: INVALLOCATION");
  is(r, lineSetCurrentLocation(0x7777, 1), LINEERR_INVALAPPHANDLE, "unknown application: INVALAPPHANDLE");
  is(r, lineSetCurrentLocation(qa.app, 1), 0, "location 1");

  r = row("lineSetTollListA", TAPI_);
  is(r, lineSetTollListA(qa.app, dev201, "+1 (425) 555-0100", 7), LINEERR_INVALPARAM, "option 7: INVALPARAM");
  is(r, lineSetTollListA(qa.app, dev201, "+1 (425) 555-0100", LINETOLLLISTOPTION_ADD), 0, "adds 555");
  translate_check(row("lineSetTollListA", TAPI_), "+1 (425) 555-0100", 0, "T95550100", LINETRANSLATERESULT_INTOLLLIST,
                  "lineTranslateAddress then says INTOLLLIST");
  r = row("lineSetTollListW", TAPI_);
  is(r, lineSetTollListW(qa.app, dev201, L"+1 (425) 555-0100", LINETOLLLISTOPTION_REMOVE), 0, "removes it");
  is(r, lineSetTollListW(qa.app, dev201, L"+44 (20) 7946 0000", LINETOLLLISTOPTION_ADD), LINEERR_INVALADDRESS, "another area: INVALADDRESS");

  r = row("lineGetCountryA", TAPI_);
  is(r, lineGetCountryA(1, 0x30000, sized(8)), LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");
  is(r, lineGetCountryA(99999, 0x30000, sized(65536)), LINEERR_INVALCOUNTRYCODE, "country 99999: INVALCOUNTRYCODE");
  LINECOUNTRYLIST *cl = sized(65536);
  rc = lineGetCountryA(1, 0x30000, cl);
  const LINECOUNTRYENTRY *ce = cl->dwCountryListSize ? (const LINECOUNTRYENTRY *)((BYTE *)cl + cl->dwCountryListOffset) : NULL;
  chk(r, rc == 0 && cl->dwNumCountries == 1 && ce && ce->dwCountryCode == 1 &&
             strcmp(text_a(cl, ce->dwSameAreaRuleSize, ce->dwSameAreaRuleOffset), "G") == 0,
      "country 1: code 1, same-area rule G (the prefix's Country List)", "rc %s", ename(rc));
  r = row("lineGetCountryW", TAPI_);
  cl = sized(65536);
  rc = lineGetCountryW(0, 0x30000, cl);
  chk(r, rc == 0 && cl->dwNumCountries > 100, "all countries", "rc %s, %lu", ename(rc), cl->dwNumCountries);

  r = row("tapiGetLocationInfoA", TAPI_);
  char cc[8] = "", city[8] = "";
  rc = tapiGetLocationInfoA(cc, city);
  chk(r, rc == 0 && strcmp(cc, "1") == 0 && strcmp(city, "425") == 0, "the current location's country and area codes", "rc %s", ename(rc));
  r = row("tapiGetLocationInfoW", TAPI_);
  wchar_t wcc[8] = L"", wcity[8] = L"";
  rc = tapiGetLocationInfoW(wcc, wcity);
  chk(r, rc == 0 && wcscmp(wcity, L"425") == 0, "in UTF-16", "rc %s", ename(rc));

  r = row("lineTranslateDialogA", "TAPI (a message box with the current location)");
  is(r, lineTranslateDialogA(qa.app, 9999, 0x30000, NULL, NULL), LINEERR_BADDEVICEID, "device 9999: BADDEVICEID");
  is(r, lineTranslateDialogA(0x7777, dev201, 0x30000, NULL, NULL), LINEERR_INVALAPPHANDLE, "unknown application: INVALAPPHANDLE");
  r = row("lineTranslateDialogW", "TAPI (a message box with the current location)");
  is(r, lineTranslateDialogW(qa.app, dev201, 0x10002, NULL, NULL), LINEERR_INCOMPATIBLEAPIVERSION, "version 1.2: INCOMPATIBLEAPIVERSION");
}

static void walk_assisted(void) {
  Row *r = row("tapiRequestMakeCallA", "TAPI (to the recipient of any process of the prefix)");
  is(r, tapiRequestMakeCallA("", "Walker", "Sales", "hello"), TAPIERR_INVALDESTADDRESS, "no number: TAPIERR_INVALDESTADDRESS");
  is(r, tapiRequestMakeCallA("202", "Walker", "Sales", "hello"), TAPIERR_NOREQUESTRECIPIENT,
     "nobody registered, no priority list: TAPIERR_NOREQUESTRECIPIENT");
  Row *reg = row("lineRegisterRequestRecipient", TAPI_);
  is(reg, lineRegisterRequestRecipient(qa.app, 0x55, 8, TRUE), LINEERR_INVALREQUESTMODE, "request mode 8: INVALREQUESTMODE");
  is(reg, lineRegisterRequestRecipient(qa.app, 0x55, LINEREQUESTMODE_MAKECALL, FALSE), LINEERR_NOTREGISTERED, "unregistering unregistered: NOTREGISTERED");
  is(reg, lineRegisterRequestRecipient(qa.app, 0x55, LINEREQUESTMODE_MAKECALL, TRUE), 0, "registers for MAKECALL");
  Row *g = row("lineGetRequestA", TAPI_);
  LINEREQMAKECALL req;
  is(g, lineGetRequestA(qa.app, LINEREQUESTMODE_MAKECALL, &req), LINEERR_NOREQUEST, "nothing asked yet: NOREQUEST");
  is(r, tapiRequestMakeCallA("202", "Walker", "Sales", "hello"), 0, "reaches the recipient");
  LINEMESSAGE *m = wait_msg(&qa, LINE_REQUEST, 0, LINEREQUESTMODE_MAKECALL);
  chk(reg, m && m->dwCallbackInstance == 0x55, "LINE_REQUEST with the registration instance", NULL);
  memset(&req, 0, sizeof req);
  LONG rc = lineGetRequestA(qa.app, LINEREQUESTMODE_MAKECALL, &req);
  chk(g, rc == 0 && strcmp(req.szDestAddress, "202") == 0 && strcmp(req.szComment, "hello") == 0, "the request: number and comment",
      "rc %s", ename(rc));
  is(g, lineGetRequestA(qa.app, LINEREQUESTMODE_MAKECALL, &req), LINEERR_NOREQUEST, "taken: NOREQUEST");
  is(g, lineGetRequestA(qa.app, 8, &req), LINEERR_INVALREQUESTMODE, "request mode 8: INVALREQUESTMODE");
  r = row("tapiRequestMakeCallW", "TAPI (to the recipient of any process of the prefix)");
  is(r, tapiRequestMakeCallW(L"203", L"Walker", NULL, NULL), 0, "reaches the recipient");
  wait_msg(&qa, LINE_REQUEST, 0, LINEREQUESTMODE_MAKECALL);
  g = row("lineGetRequestW", TAPI_);
  LINEREQMAKECALLW wreq;
  memset(&wreq, 0, sizeof wreq);
  rc = lineGetRequestW(qa.app, LINEREQUESTMODE_MAKECALL, &wreq);
  chk(g, rc == 0 && wcscmp(wreq.szDestAddress, L"203") == 0, "the number in UTF-16", "rc %s", ename(rc));
  is(reg, lineRegisterRequestRecipient(qa.app, 0x55, LINEREQUESTMODE_MAKECALL, FALSE), 0, "unregisters");
  is(row("lineGetRequestW", TAPI_), lineGetRequestW(qa.app, LINEREQUESTMODE_MAKECALL, &wreq), LINEERR_NOTREGISTERED, "not registered: NOTREGISTERED");
  const char *obsolete = "obsolete since TAPI 2.0: TAPIERR_REQUESTFAILED";
  is(row("tapiRequestMediaCallA", obsolete), tapiRequestMediaCallA(NULL, 1, "wave", "", 0, 0, "202", "w", "s", "c"), TAPIERR_REQUESTFAILED, "TAPIERR_REQUESTFAILED");
  is(row("tapiRequestMediaCallW", obsolete), tapiRequestMediaCallW(NULL, 1, L"wave", L"", 0, 0, L"202", L"w", L"s", L"c"), TAPIERR_REQUESTFAILED, "TAPIERR_REQUESTFAILED");
  is(row("tapiRequestDrop", obsolete), tapiRequestDrop(NULL, 1), TAPIERR_REQUESTFAILED, "TAPIERR_REQUESTFAILED");
}

static void walk_phones(void) {
  Row *r = row("phoneInitialize", "TAPI (" "no phone devices)");
  HPHONEAPP ph = 0, pe = 0;
  DWORD n = 99;
  is(r, phoneInitialize(NULL, NULL, hidden_cb, "x", &n), PHONEERR_INVALPOINTER, "NULL lphPhoneApp: PHONEERR_INVALPOINTER");
  LONG rc = phoneInitialize(&ph, GetModuleHandleA(NULL), hidden_cb, "Walker", &n);
  chk(r, rc == 0 && ph && n == 0, "an application, 0 phones", "rc %s, %lu", ename(rc), n);
  PHONEINITIALIZEEXPARAMS p;
  memset(&p, 0, sizeof p);
  p.dwTotalSize = sizeof p;
  p.dwOptions = PHONEINITIALIZEEXOPTION_USEEVENT;
  DWORD api = 0x20000;
  r = row("phoneInitializeExA", "TAPI (no phone devices)");
  rc = phoneInitializeExA(&pe, NULL, NULL, "Walker", &n, &api, &p);
  chk(r, rc == 0 && pe && p.Handles.hEvent && n == 0, "event handle, 0 phones", "rc %s", ename(rc));
  r = row("phoneInitializeExW", "TAPI (no phone devices)");
  HPHONEAPP pw = 0;
  p.dwTotalSize = 4;
  is(r, phoneInitializeExW(&pw, NULL, NULL, L"Walker", &n, &api, &p), PHONEERR_STRUCTURETOOSMALL, "4-byte parameters: PHONEERR_STRUCTURETOOSMALL");
  PHONEMESSAGE pm;
  r = row("phoneGetMessage", "TAPI (no phone devices)");
  is(r, phoneGetMessage(pe, &pm, 0), PHONEERR_OPERATIONFAILED, "nothing waiting: PHONEERR_OPERATIONFAILED");
  is(r, phoneGetMessage(qa.app, &pm, 0), PHONEERR_INVALAPPHANDLE, "a line application: PHONEERR_INVALAPPHANDLE");
  DWORD v;
  PHONEEXTENSIONID pext;
  HPHONE hp;
  is(row("phoneNegotiateAPIVersion", PHONE), phoneNegotiateAPIVersion(pe, 0, 0x10003, 0x30000, &v, &pext), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  is(row("phoneNegotiateAPIVersion", PHONE), phoneNegotiateAPIVersion(0x7777, 0, 0x10003, 0x30000, &v, &pext), PHONEERR_INVALAPPHANDLE, "unknown application: PHONEERR_INVALAPPHANDLE");
  is(row("phoneNegotiateExtVersion", PHONE), phoneNegotiateExtVersion(pe, 0, 0x30000, 1, 2, &v), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  is(row("phoneOpen", PHONE), phoneOpen(pe, 0, &hp, 0x30000, 0, 0, PHONEPRIVILEGE_OWNER), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  is(row("phoneGetDevCapsA", PHONE), phoneGetDevCapsA(pe, 0, 0x30000, 0, sized(1024)), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  is(row("phoneGetDevCapsW", PHONE), phoneGetDevCapsW(pe, 0, 0x30000, 0, sized(1024)), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  is(row("phoneConfigDialogA", PHONE), phoneConfigDialogA(0, NULL, NULL), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  is(row("phoneConfigDialogW", PHONE), phoneConfigDialogW(0, NULL, NULL), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  HICON icon;
  is(row("phoneGetIconA", PHONE), phoneGetIconA(0, NULL, &icon), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  is(row("phoneGetIconW", PHONE), phoneGetIconW(0, NULL, &icon), PHONEERR_BADDEVICEID, "device 0: PHONEERR_BADDEVICEID");
  /* No phone can be open: every phone handle is invalid. */
  DWORD d1, d2, d3;
  const HPHONE bad = 0x1234;
  struct {
    const char *name;
    LONG rc;
  } handles[] = {
      {"phoneClose", phoneClose(bad)},
      {"phoneDevSpecific", phoneDevSpecific(bad, &d1, 4)},
      {"phoneGetButtonInfoA", phoneGetButtonInfoA(bad, 0, sized(256))},
      {"phoneGetButtonInfoW", phoneGetButtonInfoW(bad, 0, sized(256))},
      {"phoneGetData", phoneGetData(bad, 0, &d1, 4)},
      {"phoneGetDisplay", phoneGetDisplay(bad, sized(256))},
      {"phoneGetGain", phoneGetGain(bad, PHONEHOOKSWITCHDEV_HANDSET, &d1)},
      {"phoneGetHookSwitch", phoneGetHookSwitch(bad, &d1)},
      {"phoneGetIDA", phoneGetIDA(bad, sized(256), "tapi/phone")},
      {"phoneGetIDW", phoneGetIDW(bad, sized(256), L"tapi/phone")},
      {"phoneGetLamp", phoneGetLamp(bad, 0, &d1)},
      {"phoneGetRing", phoneGetRing(bad, &d1, &d2)},
      {"phoneGetStatusA", phoneGetStatusA(bad, sized(256))},
      {"phoneGetStatusW", phoneGetStatusW(bad, sized(256))},
      {"phoneGetStatusMessages", phoneGetStatusMessages(bad, &d1, &d2, &d3)},
      {"phoneGetVolume", phoneGetVolume(bad, PHONEHOOKSWITCHDEV_HANDSET, &d1)},
      {"phoneSetButtonInfoA", phoneSetButtonInfoA(bad, 0, sized(256))},
      {"phoneSetButtonInfoW", phoneSetButtonInfoW(bad, 0, sized(256))},
      {"phoneSetData", phoneSetData(bad, 0, &d1, 4)},
      {"phoneSetDisplay", phoneSetDisplay(bad, 0, 0, "hi", 2)},
      {"phoneSetGain", phoneSetGain(bad, PHONEHOOKSWITCHDEV_HANDSET, 1)},
      {"phoneSetHookSwitch", phoneSetHookSwitch(bad, PHONEHOOKSWITCHDEV_HANDSET, PHONEHOOKSWITCHMODE_ONHOOK)},
      {"phoneSetLamp", phoneSetLamp(bad, 0, PHONELAMPMODE_OFF)},
      {"phoneSetRing", phoneSetRing(bad, 0, 0)},
      {"phoneSetStatusMessages", phoneSetStatusMessages(bad, 0, 0, 0)},
      {"phoneSetVolume", phoneSetVolume(bad, PHONEHOOKSWITCHDEV_HANDSET, 1)},
  };
  for (size_t i = 0; i < sizeof handles / sizeof handles[0]; ++i)
    is(row(handles[i].name, PHONE), handles[i].rc, PHONEERR_INVALPHONEHANDLE, "any phone handle: PHONEERR_INVALPHONEHANDLE");
  r = row("phoneShutdown", "TAPI (no phone devices)");
  is(r, phoneShutdown(pe), 0, "shuts down");
  is(r, phoneShutdown(pe), PHONEERR_INVALAPPHANDLE, "twice: PHONEERR_INVALAPPHANDLE");
  is(r, phoneShutdown(qa.app), PHONEERR_INVALAPPHANDLE, "a line application: PHONEERR_INVALAPPHANDLE");
  phoneShutdown(ph);
}

/* --- every export ---------------------------------------------------------------------------- */

/* Windows' tapi32 exports (mingw-w64's libtapi32.a), in its order. */
static const char *const g_exports[] = {
#include "tapi32_exports.inc"
};

static void walk_names(void) {
  for (size_t i = 0; i < sizeof g_exports / sizeof g_exports[0]; ++i) {
    const char *n = g_exports[i];
    FARPROC f = GetProcAddress(g_tapi, n);
    const int public_api = strncmp(n, "line", 4) == 0 || strncmp(n, "phone", 5) == 0 || strncmp(n, "tapi", 4) == 0;
    if (!public_api) {
      Row *r = row(n, "not exported: an entry point of Windows' own tools (Telephony control panel, TAPI MMC snap-in, 16-bit TAPI)");
      chk(r, f == NULL, "absent", NULL);
      continue;
    }
    if (!f) {
      Row *r = row(n, "MISSING");
      chk(r, 0, "exported", NULL);
      continue;
    }
    /* An un-suffixed name with an A form: the ANSI function. */
    char a[64];
    snprintf(a, sizeof a, "%sA", n);
    FARPROC fa = GetProcAddress(g_tapi, a);
    if (fa && strcmp(n, "lineInitialize") != 0 && strcmp(n, "phoneInitialize") != 0) {
      char status[160];
      snprintf(status, sizeof status, "the ANSI function: %s", a);
      Row *r = row(n, status);
      chk(r, f == fa, "the same entry point as the A form", NULL);
    }
  }
}

static int cmp_rows(const void *x, const void *y) { return strcmp(((const Row *)x)->name, ((const Row *)y)->name); }

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: conform OUTPUT.md\n");
    return 2;
  }
  g_tapi = GetModuleHandleA("tapi32.dll");
  walk_initialize();
  walk_negotiate();
  find_devices();
  if (dev201 == ~0u || dev202 == ~0u || dev203 == ~0u) {
    printf("FAIL: no lines 201, 202 and 203 (is the server there?)\n");
    return 1;
  }
  walk_caps();
  walk_lines();
  walk_calls();
  walk_features();
  walk_wide_calls();
  walk_providers();
  walk_locations();
  walk_assisted();
  walk_phones();
  /* What is still queued is printed too (CALLSTATE lines), then: shut down last, lineClose of
   * what is open, then both applications. */
  pump(&qa, 300);
  pump(&qw, 300);
  Row *cl = row("lineClose", TAPI_);
  is(cl, lineClose(h201) | lineClose(h202) | lineClose(h203), 0, "every line of the walk");
  is(row("lineShutdown", TAPI_), lineShutdown(qa.app) | lineShutdown(qw.app), 0, "both applications");
  walk_names();

  /* Every export has a row; rows that are not exports are the walker's mistake. */
  int failures = 0;
  for (size_t i = 0; i < sizeof g_exports / sizeof g_exports[0]; ++i) {
    int found = 0;
    for (int k = 0; k < g_nrows; ++k) found |= strcmp(g_rows[k].name, g_exports[i]) == 0;
    if (!found) {
      Row *r = row(g_exports[i], "NOT CHECKED");
      chk(r, 0, "checked by the walker", NULL);
    }
  }
  qsort(g_rows, (size_t)g_nrows, sizeof(Row), cmp_rows);
  FILE *out = fopen(argv[1], "wb");
  if (!out) {
    printf("FAIL: cannot write %s\n", argv[1]);
    return 1;
  }
  fprintf(out,
          "# tapi32.dll conformance\n\n"
          "Written by the conformance walker (`tsp-shim/apps/conform.c`), which calls every function of\n"
          "Windows' tapi32.dll against telsim's tapi32.dll and telsim.tsp under Wine, with a `telsim serve`\n"
          "of `tsp-shim/test/tapi32-walk.yaml`, and checks each answer against TAPI's documented rules.\n"
          "`ctest -R tapi32/.*Conformance` runs it and fails when this file differs from what it writes\n"
          "(see docs/wine.md), and holds every `LINE_CALLSTATE` its two applications got against the\n"
          "server's own events of that call. Error names are LINEERR_ values unless prefixed.\n\n"
          "| export | status | what the walker checked | result |\n|---|---|---|---|\n");
  for (int i = 0; i < g_nrows; ++i) {
    Row *r = &g_rows[i];
    if (r->failed) ++failures;
    fprintf(out, "| `%s` | %s | %s | %s |\n", r->name, r->status, r->checked, r->failed ? r->result : "pass");
  }
  fclose(out);
  for (int i = 0; i < g_nrows; ++i)
    if (g_rows[i].failed) printf("%s: %s\n", g_rows[i].name, g_rows[i].result);
  printf("%s: %d exports and names, %d failed\n", failures ? "FAIL" : "PASS", g_nrows, failures);
  return failures ? 1 : 0;
}
