/* agentapp: a TAPI 2.2 agent desktop, as call-centre clients are. It knows nothing of telsim: it
 * opens its agent's line and the line of someone without an agent, and drives TAPI's agent
 * functions, taking its messages with lineGetMessage (LINEINITIALIZEEXOPTION_USEEVENT). The A
 * and W forms alike: its ANSI calls must get ANSI text, its Unicode calls UTF-16.
 *
 *   agentapp.exe --agent 601 --other 203 [--caller 201 [--pilot 500]]
 *
 * It checks: each function returns a request id and its LINE_REPLY (dwParam1 that id) comes
 * after, with 0 or the expected error; the structures' sizes (all of the variable part, or,
 * when too small, only the fixed part with dwNeededSize saying how much); LINE_AGENTSTATUS
 * (hDevice the line, dwParam1 0, dwParam2 the LINEAGENTSTATUS_ bits) after a change of state,
 * activity or groups; a state lineSetAgentState cannot set refused at once, the other line's
 * missing agent by the switch.
 *
 * With --caller it owns that line too and, while READY, dials the queue's pilot from it: the
 * queue offers the agent the call (LINE_APPNEWCALL, then OFFERING with dwParam3 OWNER), the agent
 * answers (BUSYACD), the caller hangs up, the agent drops its DISCONNECTED call, wraps up and is
 * READY again. Every LINE_CALLSTATE is printed "CALLSTATE line=agent|caller call=H id=N
 * state=NAME mode=M priv=P", N the call's dwCallID.
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

static HLINEAPP g_app;
static int g_failed;
static DWORD g_agent_status;   /* LINEAGENTSTATUS_ bits heard on the agent's line so far */
static HLINE g_agent_line, g_caller_line;

/* The calls heard of: each handle's line, dwCallID (lineGetCallInfo's, read at its first
 * message) and the LINECALLSTATE_ bits it has been in. */
typedef struct {
  HCALL call;
  HLINE line;
  DWORD id, seen, count, first_priv;
} Known;
static Known g_known[16];
static int g_nknown;

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

static void check(int ok, const char *what) {
  if (!ok) {
    say("FAIL: %s", what);
    g_failed = 1;
  }
}

static Known *known(HCALL call) {
  for (int i = 0; i < g_nknown; ++i)
    if (g_known[i].call == call) return &g_known[i];
  if (g_nknown == (int)(sizeof g_known / sizeof g_known[0])) return NULL;
  Known *k = &g_known[g_nknown++];
  memset(k, 0, sizeof *k);
  k->call = call;
  LINECALLINFO *info = (LINECALLINFO *)calloc(1, 4096);
  info->dwTotalSize = 4096;
  if (lineGetCallInfoW(call, info) == 0) {
    k->id = info->dwCallID;
    k->line = info->hLine;
  }
  free(info);
  return k;
}

/* The next message; LINE_AGENTSTATUS, LINE_APPNEWCALL and LINE_CALLSTATE are noted (and
 * printed: "CALLSTATE line=agent|caller call=H id=N state=NAME mode=M priv=P") on the way. 0 on
 * a timeout. */
static int next_message(LINEMESSAGE *m) {
  if (lineGetMessage(g_app, m, 20000) != 0) return 0;
  if (m->dwMessageID == LINE_CALLSTATE) {
    Known *k = known((HCALL)m->hDevice);
    say("CALLSTATE line=%s call=0x%lx id=%lu state=%s mode=0x%lx priv=0x%lx",
        k && k->line == g_agent_line ? "agent" : k && k->line == g_caller_line ? "caller" : "other",
        (unsigned long)m->hDevice, k ? (unsigned long)k->id : 0ul, state_name((DWORD)m->dwParam1),
        (unsigned long)m->dwParam2, (unsigned long)m->dwParam3);
    if (k) {
      if (k->count++ == 0) k->first_priv = (DWORD)m->dwParam3;
      k->seen |= (DWORD)m->dwParam1;
    }
  } else if (m->dwMessageID == LINE_APPNEWCALL) {
    say("APPNEWCALL line=%s call=0x%lx priv=0x%lx", (HLINE)m->hDevice == g_agent_line ? "agent" : "other",
        (unsigned long)m->dwParam2, (unsigned long)m->dwParam3);
    known((HCALL)m->dwParam2);
  } else if (m->dwMessageID == LINE_AGENTSTATUS) {
    say("AGENTSTATUS line=%s p1=%lu p2=0x%lx", (HLINE)m->hDevice == g_agent_line ? "agent" : "other",
        (unsigned long)m->dwParam1, (unsigned long)m->dwParam2);
    check((HLINE)m->hDevice == g_agent_line, "LINE_AGENTSTATUS for the agent's line");
    check(m->dwParam1 == 0, "LINE_AGENTSTATUS dwParam1 is the address, 0");
    g_agent_status |= (DWORD)m->dwParam2;
  } else if (m->dwMessageID == LINE_QUEUESTATUS) {
    say("QUEUESTATUS queue=%lu p2=0x%lx", (unsigned long)m->dwParam1, (unsigned long)m->dwParam2);
  }
  return 1;
}

/* The LINE_REPLY of request `id` (a positive id the function returned); its result. */
static LONG reply(LONG id, const char *what) {
  if (id <= 0) {
    say("FAIL: %s returned 0x%lx, not a request id", what, (unsigned long)id);
    g_failed = 1;
    return id;
  }
  LINEMESSAGE m;
  while (next_message(&m)) {
    if (m.dwMessageID != LINE_REPLY) continue;
    if ((LONG)m.dwParam1 != id) {
      say("FAIL: %s: a LINE_REPLY for request %lu", what, (unsigned long)m.dwParam1);
      g_failed = 1;
      continue;
    }
    say("REPLY %s id=%ld result=0x%lx", what, id, (unsigned long)m.dwParam2);
    return (LONG)m.dwParam2;
  }
  say("FAIL: %s: no LINE_REPLY", what);
  g_failed = 1;
  return LINEERR_OPERATIONFAILED;
}

/* Wait for LINE_AGENTSTATUS with `bits`. */
static void await_status(DWORD bits, const char *what) {
  LINEMESSAGE m;
  while ((g_agent_status & bits) != bits && next_message(&m)) {
  }
  if ((g_agent_status & bits) != bits) {
    say("FAIL: no LINE_AGENTSTATUS 0x%lx (%s)", (unsigned long)bits, what);
    g_failed = 1;
  }
  g_agent_status = 0;
}

/* Wait until `call` has been in `state` (every message noted on the way). */
static int wait_call(HCALL call, DWORD state, const char *what) {
  LINEMESSAGE m;
  for (;;) {
    for (int i = 0; i < g_nknown; ++i)
      if (g_known[i].call == call && (g_known[i].seen & state)) return 1;
    if (!next_message(&m)) break;
  }
  say("FAIL: %s", what);
  g_failed = 1;
  return 0;
}

/* The agent's state now (lineGetAgentStatusA). */
static DWORD agent_state(void);

/* A queue call, as an agent takes one: the caller's line dials the queue's pilot, the switch
 * offers the call to this READY agent (LINE_APPNEWCALL OWNER, then OFFERING with dwParam3 OWNER),
 * the agent answers (both CONNECTED) and is BUSYACD; the caller hangs up, the agent's call goes
 * DISCONNECTED and the agent drops it; then the agent wraps up and is READY again. */
static void queue_call(const wchar_t *pilot) {
  HCALL a = 0, b = 0;
  check(reply(lineMakeCallW(g_caller_line, &a, pilot, 0, NULL), "lineMakeCallW(pilot)") == 0 && a, "the caller dials the pilot");
  if (!a) return;
  /* LINE_APPNEWCALL may have come already, while the LINE_REPLY was awaited. */
  LINEMESSAGE m;
  for (;;) {
    for (int i = 0; i < g_nknown && !b; ++i)
      if (g_known[i].line == g_agent_line) b = g_known[i].call;
    if (b || !next_message(&m)) break;
  }
  check(b != 0, "LINE_APPNEWCALL: the queue offers the agent a call");
  if (!b) return;
  if (!wait_call(b, LINECALLSTATE_OFFERING, "the agent's call OFFERING")) return;
  check(known(b)->first_priv == LINECALLPRIVILEGE_OWNER, "the agent's first LINE_CALLSTATE: dwParam3 OWNER");
  check(reply(lineAnswer(b, NULL, 0), "lineAnswer") == 0, "the agent answers");
  wait_call(b, LINECALLSTATE_CONNECTED, "the agent's call CONNECTED");
  wait_call(a, LINECALLSTATE_CONNECTED, "the caller's call CONNECTED");
  const DWORD busy = agent_state();
  say("STATUS on the call state=0x%lx", (unsigned long)busy);
  check(busy == LINEAGENTSTATE_BUSYACD, "an agent on a queue call is BUSYACD");
  check(reply(lineDrop(a, NULL, 0), "lineDrop(caller)") == 0, "the caller hangs up");
  wait_call(a, LINECALLSTATE_IDLE, "the caller's call IDLE");
  wait_call(b, LINECALLSTATE_DISCONNECTED, "the agent's call DISCONNECTED");
  check(reply(lineDrop(b, NULL, 0), "lineDrop(agent)") == 0, "the agent drops the call");
  wait_call(b, LINECALLSTATE_IDLE, "the agent's call IDLE");
  check(lineDeallocateCall(a) == 0 && lineDeallocateCall(b) == 0, "lineDeallocateCall on both");
  /* Wrap-up, then READY again: each change a LINE_AGENTSTATUS STATE. */
  DWORD state = agent_state(), states = state;
  for (int i = 0; i < 5 && state != LINEAGENTSTATE_READY; ++i) {
    g_agent_status = 0;
    while (!(g_agent_status & LINEAGENTSTATUS_STATE) && next_message(&m)) {
    }
    state = agent_state();
    states |= state;
  }
  say("STATUS after the call states=0x%lx", (unsigned long)states);
  check(states & LINEAGENTSTATE_WORKINGAFTERCALL, "the agent wraps up after the call");
  check(state == LINEAGENTSTATE_READY, "then READY again");
  g_agent_status = 0;
}

static void *sized(DWORD size) {
  DWORD *p = (DWORD *)calloc(1, size);
  p[0] = size;
  return p;
}

static DWORD find_device(DWORD num, const wchar_t *address) {
  for (DWORD d = 0; d < num; ++d) {
    BYTE buf[4096];
    LINEADDRESSCAPS *ac = (LINEADDRESSCAPS *)buf;
    memset(buf, 0, sizeof buf);
    ac->dwTotalSize = sizeof buf;
    if (lineGetAddressCapsW(g_app, d, 0, 0x00020002, 0, ac) != 0 || ac->dwAddressSize < sizeof(wchar_t)) continue;
    if (wcscmp((const wchar_t *)(buf + ac->dwAddressOffset), address) == 0) return d;
  }
  return ~0u;
}

/* The name of list entry `i` (ANSI when `ansi`, else UTF-16 narrowed), `name_at` its dwNameSize. */
static void entry_name(const BYTE *base, DWORD list_offset, DWORD entry, DWORD i, DWORD name_at, int ansi, char *out,
                       size_t n) {
  const DWORD *e = (const DWORD *)(base + list_offset + i * entry + name_at);
  out[0] = 0;
  if (!e[0]) return;
  if (ansi) {
    snprintf(out, n, "%.*s", (int)e[0], (const char *)(base + e[1]));
  } else {
    WideCharToMultiByte(CP_UTF8, 0, (const wchar_t *)(base + e[1]), -1, out, (int)n, NULL, NULL);
  }
  check(strlen(out) + 1 == (ansi ? e[0] : e[0] / sizeof(wchar_t)), "a name's size is its text and its null");
}

static DWORD agent_state(void) {
  LINEAGENTSTATUS *st = (LINEAGENTSTATUS *)sized(1024);
  const DWORD state = reply(lineGetAgentStatusA(g_agent_line, 0, st), "lineGetAgentStatusA") == 0 ? st->dwState : 0;
  free(st);
  return state;
}

int main(int argc, char **argv) {
  const char *agent = "601", *other = "203", *caller = NULL, *pilot = "500";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--agent") == 0) agent = argv[i + 1];
    if (strcmp(argv[i], "--other") == 0) other = argv[i + 1];
    if (strcmp(argv[i], "--caller") == 0) caller = argv[i + 1];
    if (strcmp(argv[i], "--pilot") == 0) pilot = argv[i + 1];
  }
  wchar_t wagent[16], wother[16], wcaller[16], wpilot[16];
  MultiByteToWideChar(CP_ACP, 0, agent, -1, wagent, 16);
  MultiByteToWideChar(CP_ACP, 0, other, -1, wother, 16);
  MultiByteToWideChar(CP_ACP, 0, caller ? caller : "", -1, wcaller, 16);
  MultiByteToWideChar(CP_ACP, 0, pilot, -1, wpilot, 16);

  LINEINITIALIZEEXPARAMS p;
  memset(&p, 0, sizeof p);
  p.dwTotalSize = sizeof p;
  p.dwOptions = LINEINITIALIZEEXOPTION_USEEVENT;
  DWORD num = 0, version = 0x00020002;
  LONG rc = lineInitializeExW(&g_app, GetModuleHandleW(NULL), NULL, L"agentapp", &num, &version, &p);
  if (rc != 0) {
    say("FAIL: lineInitializeExW 0x%lx", (unsigned long)rc);
    return 1;
  }
  const DWORD dev = find_device(num, wagent), odev = find_device(num, wother);
  if (dev == ~0u || odev == ~0u) {
    say("FAIL: no lines %s and %s", agent, other);
    return 1;
  }
  HLINE other_line = 0;
  rc = lineOpenW(g_app, dev, &g_agent_line, 0x00020002, 0, 0, LINECALLPRIVILEGE_OWNER, LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
  check(rc == 0, "lineOpen(agent)");
  rc = lineOpenW(g_app, odev, &other_line, 0x00020002, 0, 0, LINECALLPRIVILEGE_NONE, 0, NULL);
  check(rc == 0, "lineOpen(other)");
  if (caller) {
    const DWORD cdev = find_device(num, wcaller);
    rc = cdev == ~0u ? (LONG)LINEERR_BADDEVICEID
                     : lineOpenW(g_app, cdev, &g_caller_line, 0x00020002, 0, 0, LINECALLPRIVILEGE_OWNER,
                                 LINEMEDIAMODE_INTERACTIVEVOICE, NULL);
    check(rc == 0, "lineOpen(caller)");
  }

  /* lineGetAgentCapsW: UTF-16 handler info; before 2.2 the structure ends before ProxyGUID. */
  LINEAGENTCAPS *caps = (LINEAGENTCAPS *)sized(1024);
  check(reply(lineGetAgentCapsW(g_app, dev, 0, 0x00020002, caps), "lineGetAgentCapsW") == 0, "lineGetAgentCapsW");
  check(caps->dwUsedSize == caps->dwNeededSize && caps->dwAgentHandlerInfoSize > 0, "LINEAGENTCAPS sizes");
  {
    char info[128];
    WideCharToMultiByte(CP_UTF8, 0, (const wchar_t *)((BYTE *)caps + caps->dwAgentHandlerInfoOffset), -1, info,
                        sizeof info, NULL, NULL);
    say("CAPS info='%s' features=0x%lx states=0x%lx", info, (unsigned long)caps->dwFeatures, (unsigned long)caps->dwStates);
    check(caps->dwFeatures & LINEAGENTFEATURE_SETAGENTSTATE, "LINEAGENTCAPS has SETAGENTSTATE");
  }
  LINEAGENTCAPS *caps20 = (LINEAGENTCAPS *)sized(offsetof(LINEAGENTCAPS, ProxyGUID) + 512);
  check(reply(lineGetAgentCapsA(g_app, dev, 0, 0x00020000, caps20), "lineGetAgentCapsA(2.0)") == 0, "lineGetAgentCapsA");
  check(caps20->dwAgentHandlerInfoOffset >= offsetof(LINEAGENTCAPS, ProxyGUID) &&
            caps20->dwAgentHandlerInfoSize == strlen((const char *)caps20 + caps20->dwAgentHandlerInfoOffset) + 1,
        "LINEAGENTCAPS 2.0, ANSI: the handler info after the 2.0 fixed part, in ANSI");

  /* lineGetAgentGroupListA: ANSI names; too small: the fixed part only. */
  LINEAGENTGROUPLIST *groups = (LINEAGENTGROUPLIST *)sized(1024);
  check(reply(lineGetAgentGroupListA(g_agent_line, 0, groups), "lineGetAgentGroupListA") == 0, "lineGetAgentGroupListA");
  for (DWORD i = 0; i < groups->dwNumEntries; ++i) {
    char name[64];
    entry_name((BYTE *)groups, groups->dwListOffset, sizeof(LINEAGENTGROUPENTRY), i, offsetof(LINEAGENTGROUPENTRY, dwNameSize),
               1, name, sizeof name);
    const LINEAGENTGROUPENTRY *e = (const LINEAGENTGROUPENTRY *)((BYTE *)groups + groups->dwListOffset) + i;
    say("GROUP id=%lu name='%s'", (unsigned long)e->GroupID.dwGroupID1, name);
  }
  check(groups->dwNumEntries == 1, "one group");
  LINEAGENTGROUPLIST *small = (LINEAGENTGROUPLIST *)sized(sizeof(LINEAGENTGROUPLIST));
  check(reply(lineGetAgentGroupListW(g_agent_line, 0, small), "lineGetAgentGroupListW(small)") == 0, "small list");
  check(small->dwNeededSize > small->dwTotalSize && small->dwUsedSize == sizeof(LINEAGENTGROUPLIST) && small->dwListSize == 0,
        "a list too small: dwNeededSize more, the fixed part used, no list");
  check(lineGetAgentGroupListA(g_agent_line, 0, sized(8)) == (LONG)LINEERR_STRUCTURETOOSMALL, "8 bytes: STRUCTURETOOSMALL");

  /* lineGetQueueListW (GUID_NULL) and lineGetQueueInfo. */
  GUID all;
  memset(&all, 0, sizeof all);
  LINEQUEUELIST *queues = (LINEQUEUELIST *)sized(1024);
  check(reply(lineGetQueueListW(g_agent_line, &all, queues), "lineGetQueueListW") == 0, "lineGetQueueListW");
  DWORD queue = 0;
  for (DWORD i = 0; i < queues->dwNumEntries; ++i) {
    char name[64];
    entry_name((BYTE *)queues, queues->dwListOffset, sizeof(LINEQUEUEENTRY), i, offsetof(LINEQUEUEENTRY, dwNameSize), 0, name,
               sizeof name);
    queue = ((const LINEQUEUEENTRY *)((BYTE *)queues + queues->dwListOffset))[i].dwQueueID;
    say("QUEUE id=%lu name='%s'", (unsigned long)queue, name);
  }
  LINEQUEUEINFO *qi = (LINEQUEUEINFO *)sized(sizeof(LINEQUEUEINFO));
  check(reply(lineGetQueueInfo(g_agent_line, queue, qi), "lineGetQueueInfo") == 0, "lineGetQueueInfo");
  say("QUEUEINFO queued=%lu now=%lu", (unsigned long)qi->dwTotalCallsQueued, (unsigned long)qi->dwCurrentCallsQueued);

  /* READY: LINE_REPLY 0, LINE_AGENTSTATUS STATE; lineGetAgentStatusA says READY. */
  check(reply(lineSetAgentState(g_agent_line, 0, LINEAGENTSTATE_READY, 0), "lineSetAgentState(READY)") == 0, "READY");
  await_status(LINEAGENTSTATUS_STATE, "READY");
  LINEAGENTSTATUS *st = (LINEAGENTSTATUS *)sized(1024);
  check(reply(lineGetAgentStatusA(g_agent_line, 0, st), "lineGetAgentStatusA") == 0, "lineGetAgentStatusA");
  say("STATUS state=0x%lx groups=%lu", (unsigned long)st->dwState, (unsigned long)st->dwNumEntries);
  check(st->dwState == LINEAGENTSTATE_READY, "READY");

  /* An activity: its name in lineGetAgentStatusW (UTF-16) and lineGetAgentActivityListA (ANSI). */
  check(reply(lineSetAgentActivity(g_agent_line, 0, 2), "lineSetAgentActivity(2)") == 0, "activity 2");
  await_status(LINEAGENTSTATUS_ACTIVITY, "activity");
  memset(st, 0, 1024);
  st->dwTotalSize = 1024;
  check(reply(lineGetAgentStatusW(g_agent_line, 0, st), "lineGetAgentStatusW") == 0, "lineGetAgentStatusW");
  {
    char name[64] = "";
    if (st->dwActivitySize)
      WideCharToMultiByte(CP_UTF8, 0, (const wchar_t *)((BYTE *)st + st->dwActivityOffset), -1, name, sizeof name, NULL, NULL);
    say("STATUS activity=%lu name='%s'", (unsigned long)st->dwActivityID, name);
  }
  LINEAGENTACTIVITYLIST *acts = (LINEAGENTACTIVITYLIST *)sized(1024);
  check(reply(lineGetAgentActivityListA(g_agent_line, 0, acts), "lineGetAgentActivityListA") == 0, "activities");
  for (DWORD i = 0; i < acts->dwNumEntries; ++i) {
    char name[64];
    entry_name((BYTE *)acts, acts->dwListOffset, sizeof(LINEAGENTACTIVITYENTRY), i,
               offsetof(LINEAGENTACTIVITYENTRY, dwNameSize), 1, name, sizeof name);
    say("ACTIVITY id=%lu name='%s'", (unsigned long)((const LINEAGENTACTIVITYENTRY *)((BYTE *)acts + acts->dwListOffset))[i].dwID,
        name);
  }

  /* A call from the queue, while READY. */
  if (caller) queue_call(wpilot);

  /* NOTREADY; BUSYACD is no state to set (at once); the other line has no agent (the switch). */
  check(reply(lineSetAgentState(g_agent_line, 0, LINEAGENTSTATE_NOTREADY, 0), "lineSetAgentState(NOTREADY)") == 0,
        "NOTREADY");
  await_status(LINEAGENTSTATUS_STATE, "NOTREADY");
  rc = lineSetAgentState(g_agent_line, 0, LINEAGENTSTATE_BUSYACD, 0);
  say("BUSYACD: 0x%lx", (unsigned long)rc);
  check(rc == (LONG)LINEERR_INVALAGENTSTATE, "BUSYACD: INVALAGENTSTATE at once");
  check(reply(lineSetAgentState(other_line, 0, LINEAGENTSTATE_READY, 0), "lineSetAgentState(other)") == (LONG)LINEERR_INVALAGENTID,
        "the other line: INVALAGENTID");
  check(lineSetAgentState(g_agent_line, 1, LINEAGENTSTATE_READY, 0) == (LONG)LINEERR_INVALADDRESSID, "address 1: INVALADDRESSID");

  lineClose(g_agent_line);
  lineClose(other_line);
  if (g_caller_line) lineClose(g_caller_line);
  lineShutdown(g_app);
  say(g_failed ? "FAIL: agentapp" : "PASS: agentapp");
  return g_failed;
}
