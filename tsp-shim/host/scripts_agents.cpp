// The host's agents walk (docs/tsp.md, "Agents and queues"; tsp-shim/test/agents.yaml): telsim.tsp
// as the agent handler. The host plays tapisrv handing TAPI's agent requests to the provider as
// LINEPROXYREQUESTs (TELSIM_lineProxyRequest): the agent's capabilities and groups, the queues,
// the activities, READY, a call to the queue's pilot offered to the READY agent and answered,
// the queue's figures, wrap-up after the call, NOTREADY, groups logged out of and into,
// lineSetAgentStateEx, and the errors (a state lineSetAgentState cannot set, an unknown activity
// or group, a line with no agent). Every structure's sizes and guard bytes are checked, and
// every LINE_AGENTSTATUS (dwParam1 the address, 0; dwParam2 LINEAGENTSTATUS_ bits) and
// LINE_QUEUESTATUS (dwParam1 a queue's id) by tapi_sim.cpp.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "monitor.hpp"
#include "script_support.hpp"
#include "telsim_ext.h"
#include "text.hpp"

namespace telsim::tsp::host {
namespace {

/// hello's `pbx.acd`, on a connection of the walk's own (a Failure when the server has none).
json hello_acd(const Context& cx) {
  BlockingSession s;
  std::string why;
  if (!s.connect(cx.server, 5000, why)) throw Failure("hello: " + why);
  json hello{{field::kOp, schema::op::kHello},
             {field::kVersions, json::array({schema::kProtocolVersion})},
             {field::kName, "tsp-host-agents"}};
  if (!cx.token.empty()) hello[field::kToken] = cx.token;
  const auto h = s.request(hello, FakeTapi::kTimeoutMs, why);
  if (!h || !h->value(field::kOk, false)) throw Failure("hello failed: " + (h ? h->dump() : why));
  const json pbx = h->value(field::kPbx, json::object());
  if (!pbx.contains("acd") || !pbx["acd"].is_object())
    throw Failure("hello's pbx has no acd: the server does not offer the ACD's operations");
  return pbx["acd"];
}

/// A LINEPROXYREQUEST in a buffer with guard bytes after dwSize; a GET request's structure (at
/// `at`, the offset of the union member's structure) gets the rest of dwSize as its dwTotalSize.
class Proxy {
 public:
  Proxy(DWORD type, DWORD at, DWORD total)
      : at_(at), size_(std::max<DWORD>(at + total, sizeof(LINEPROXYREQUEST))), bytes_(size_ + kGuard, 0xCD) {
    std::memset(bytes_.data(), 0, size_);
    get()->dwSize = size_;
    get()->dwClientAppAPIVersion = 0x00020002;
    get()->dwRequestType = type;
    if (at_) std::memcpy(bytes_.data() + at_, &total, sizeof total);
  }
  LINEPROXYREQUEST* get() { return reinterpret_cast<LINEPROXYREQUEST*>(bytes_.data()); }
  template <typename T>
  T* out() {
    return reinterpret_cast<T*>(bytes_.data() + at_);
  }
  /// A string of the structure (offsets from its start).
  std::wstring text(DWORD size, DWORD offset) const {
    if (size < sizeof(wchar_t)) return L"";
    return std::wstring(reinterpret_cast<const wchar_t*>(bytes_.data() + at_ + offset), size / sizeof(wchar_t) - 1);
  }
  /// Nothing written past the structure's dwTotalSize (and dwSize).
  bool guard_intact() const {
    DWORD total = size_ - at_;
    if (at_) std::memcpy(&total, bytes_.data() + at_, sizeof total);
    for (std::size_t i = at_ + total; i < bytes_.size(); ++i)
      if (i >= size_ && bytes_[i] != 0xCD) return false;
    return true;
  }
  /// dwNeededSize, dwUsedSize and the guard: the structure is whole (`whole`) or only its fixed part.
  void check_sizes(const std::string& what, bool whole, DWORD fixed) {
    DWORD s[3];
    std::memcpy(s, bytes_.data() + at_, sizeof s);
    expect(guard_intact(), what + ": written past dwTotalSize");
    if (whole)
      expect(s[2] == s[1] && s[1] <= s[0], what + ": dwTotalSize " + std::to_string(s[0]) + " dwNeededSize " +
                                               std::to_string(s[1]) + " dwUsedSize " + std::to_string(s[2]));
    else
      expect(s[1] > s[0] && s[2] == fixed, what + " (too small): dwTotalSize " + std::to_string(s[0]) + " dwNeededSize " +
                                               std::to_string(s[1]) + " dwUsedSize " + std::to_string(s[2]) +
                                               ", expected the fixed part " + std::to_string(fixed));
  }

 private:
  static constexpr DWORD kGuard = 64;
  DWORD at_;
  DWORD size_;
  std::vector<BYTE> bytes_;
};

#define AT(type, member) static_cast<DWORD>(offsetof(type, member))

struct Agents {
  FakeTapi& tapi;
  TELSIM_LINEPROXYREQUEST proxy;

  /// Send `p` on `l`: its request id returned through `r`.
  LONG send(TapiLine& l, Proxy& p, DRV_REQUESTID& r) {
    r = tapi.next_request();
    return proxy(r, l.hd, p.get());
  }
  void ok(TapiLine& l, Proxy& p, const std::string& what) {
    DRV_REQUESTID r = 0;
    const LONG rc = send(l, p, r);
    tapi.expect_ok(rc, r, what);
  }
  void error(TapiLine& l, Proxy& p, LONG e, const std::string& what) {
    DRV_REQUESTID r = 0;
    const LONG rc = send(l, p, r);
    tapi.expect_error(rc, r, e, what);
  }
  void sync_error(TapiLine& l, Proxy& p, LONG e, const std::string& what) {
    DRV_REQUESTID r = 0;
    const LONG rc = send(l, p, r);
    tapi.expect_sync_error(rc, r, e, what);
  }

  void set_state(TapiLine& l, DWORD state, DWORD next, LONG e = 0) {
    Proxy p(LINEPROXYREQUEST_SETAGENTSTATE, 0, 0);
    p.get()->SetAgentState.dwAgentState = state;
    p.get()->SetAgentState.dwNextAgentState = next;
    const std::string what = "lineSetAgentState(" + l.number + ", " + hex(state) + ", " + hex(next) + ")";
    if (e) error(l, p, e, what);
    else ok(l, p, what);
  }

  struct Status {
    DWORD state, next, activity, features, valid, valid_next;
    std::wstring activity_name;
    std::vector<std::pair<DWORD, std::wstring>> groups;
  };
  Status status(TapiLine& l) {
    Proxy p(LINEPROXYREQUEST_GETAGENTSTATUS, AT(LINEPROXYREQUEST, GetAgentStatus.AgentStatus), 2048);
    ok(l, p, "lineGetAgentStatus(" + l.number + ")");
    p.check_sizes("LINEAGENTSTATUS of " + l.number, true, sizeof(LINEAGENTSTATUS));
    const auto* s = p.out<LINEAGENTSTATUS>();
    Status out{s->dwState, s->dwNextState, s->dwActivityID, s->dwAgentFeatures, s->dwValidStates, s->dwValidNextStates,
               p.text(s->dwActivitySize, s->dwActivityOffset), {}};
    expect(s->dwGroupListSize == s->dwNumEntries * sizeof(LINEAGENTGROUPENTRY),
           l.number + ": LINEAGENTSTATUS dwGroupListSize " + std::to_string(s->dwGroupListSize) + " for " +
               std::to_string(s->dwNumEntries) + " entries");
    for (DWORD i = 0; i < s->dwNumEntries; ++i) {
      LINEAGENTGROUPENTRY e;
      std::memcpy(&e, reinterpret_cast<const BYTE*>(s) + s->dwGroupListOffset + i * sizeof e, sizeof e);
      expect(e.GroupID.dwGroupID2 == 0 && e.GroupID.dwGroupID3 == 0 && e.GroupID.dwGroupID4 == 0,
             l.number + ": a group's GroupID beyond dwGroupID1 is not 0");
      out.groups.emplace_back(e.GroupID.dwGroupID1, p.text(e.dwNameSize, e.dwNameOffset));
    }
    return out;
  }

  /// Wait for a LINE_AGENTSTATUS on `l` after the first `from` with all of `bits`.
  void wait_status(TapiLine& l, std::size_t from, DWORD bits, const std::string& what) {
    tapi.wait(
        [&] {
          for (std::size_t i = from; i < l.agentstates.size(); ++i)
            if ((l.agentstates[i] & bits) == bits) return true;
          return false;
        },
        l.number + ": LINE_AGENTSTATUS " + hex(bits) + " (" + what + ")");
  }

  /// Read the status until its state is `state` (a Failure after the host's timeout).
  Status wait_state(TapiLine& l, DWORD state, const std::string& what) {
    const ULONGLONG until = GetTickCount64() + FakeTapi::kTimeoutMs;
    for (;;) {
      Status s = status(l);
      if (s.state == state) return s;
      expect(GetTickCount64() < until, l.number + ": agent state " + hex(s.state) + ", never " + hex(state) + " (" + what + ")");
      Sleep(100);
    }
  }
};

std::string names(const std::vector<std::pair<DWORD, std::wstring>>& list) {
  std::string out;
  for (const auto& [id, name] : list) out += (out.empty() ? "" : ", ") + narrow(name) + " (" + std::to_string(id) + ")";
  return out.empty() ? "none" : out;
}

/// The entries of an {id, name} list (LINEQUEUELIST, LINEAGENTACTIVITYLIST: id at 0, name at 4).
std::vector<std::pair<DWORD, std::wstring>> id_names(Proxy& p, const LINEAGENTGROUPLIST* l, DWORD entry) {
  std::vector<std::pair<DWORD, std::wstring>> out;
  expect(l->dwListSize == l->dwNumEntries * entry, "list size " + std::to_string(l->dwListSize) + " for " +
                                                       std::to_string(l->dwNumEntries) + " entries");
  for (DWORD i = 0; i < l->dwNumEntries; ++i) {
    DWORD e[3];
    std::memcpy(e, reinterpret_cast<const BYTE*>(l) + l->dwListOffset + i * entry, sizeof e);
    out.emplace_back(e[0], p.text(e[1], e[2]));
  }
  return out;
}

/// The entries of a LINEAGENTGROUPLIST.
std::vector<std::pair<DWORD, std::wstring>> groups_of(Proxy& p, const LINEAGENTGROUPLIST* l) {
  std::vector<std::pair<DWORD, std::wstring>> out;
  expect(l->dwListSize == l->dwNumEntries * sizeof(LINEAGENTGROUPENTRY),
         "LINEAGENTGROUPLIST dwListSize " + std::to_string(l->dwListSize) + " for " + std::to_string(l->dwNumEntries) + " entries");
  for (DWORD i = 0; i < l->dwNumEntries; ++i) {
    LINEAGENTGROUPENTRY e;
    std::memcpy(&e, reinterpret_cast<const BYTE*>(l) + l->dwListOffset + i * sizeof e, sizeof e);
    expect(e.GroupID.dwGroupID2 == 0 && e.GroupID.dwGroupID3 == 0 && e.GroupID.dwGroupID4 == 0,
           "a group's GroupID beyond dwGroupID1 is not 0");
    out.emplace_back(e.GroupID.dwGroupID1, p.text(e.dwNameSize, e.dwNameOffset));
  }
  return out;
}

}  // namespace

void agents(const Context& cx) {
  Tsp& t = cx.tsp;
  const json acd = hello_acd(cx);
  std::printf("   hello's pbx.acd: %s\n", acd.dump().c_str());
  auto fn = reinterpret_cast<TELSIM_LINEPROXYREQUEST>(reinterpret_cast<void*>(GetProcAddress(t.module, "TELSIM_lineProxyRequest")));
  expect(fn != nullptr, "telsim.tsp does not export TELSIM_lineProxyRequest");
  Monitor mon(cx.server, cx.token);
  FakeTapi tapi(t);
  tapi.start();
  TapiLine& C = tapi.open("201");
  TapiLine& A = tapi.open("601");
  TapiLine& B = tapi.open("602");
  TapiLine& N = tapi.open("203");
  Agents ag{tapi, fn};

  step("the queues: lineGetQueueList(GUID_NULL) and lineGetGroupList name sales; lineGetQueueList of its id too");
  DWORD sales = 0;
  {
    Proxy p(LINEPROXYREQUEST_GETQUEUELIST, AT(LINEPROXYREQUEST, GetQueueList.QueueList), 1024);
    ag.ok(A, p, "lineGetQueueList(GUID_NULL)");
    p.check_sizes("LINEQUEUELIST", true, sizeof(LINEQUEUELIST));
    const auto q = id_names(p, reinterpret_cast<const LINEAGENTGROUPLIST*>(p.out<LINEQUEUELIST>()), sizeof(LINEQUEUEENTRY));
    expect(q.size() == 1 && q[0].second == L"sales" && q[0].first != 0, "the queues: " + names(q));
    sales = q[0].first;
    Proxy g(LINEPROXYREQUEST_GETGROUPLIST, AT(LINEPROXYREQUEST, GetGroupList.GroupList), 1024);
    ag.ok(A, g, "lineGetGroupList");
    g.check_sizes("LINEAGENTGROUPLIST (lineGetGroupList)", true, sizeof(LINEAGENTGROUPLIST));
    const auto gl = groups_of(g, g.out<LINEAGENTGROUPLIST>());
    expect(gl == q, "lineGetGroupList: " + names(gl) + "; the queues: " + names(q));
    Proxy one(LINEPROXYREQUEST_GETQUEUELIST, AT(LINEPROXYREQUEST, GetQueueList.QueueList), 1024);
    one.get()->GetQueueList.GroupID.Data1 = sales;
    ag.ok(A, one, "lineGetQueueList(sales)");
    const auto q1 = id_names(one, reinterpret_cast<const LINEAGENTGROUPLIST*>(one.out<LINEQUEUELIST>()), sizeof(LINEQUEUEENTRY));
    expect(q1 == q, "lineGetQueueList(sales): " + names(q1));
    std::printf("   queues: %s\n", names(q).c_str());
  }

  step("lineGetAgentCaps(601): its features and states, the agent handler naming agent 601; its groups: sales");
  {
    Proxy p(LINEPROXYREQUEST_GETAGENTCAPS, AT(LINEPROXYREQUEST, GetAgentCaps.AgentCaps), 1024);
    ag.ok(A, p, "lineGetAgentCaps(601)");
    p.check_sizes("LINEAGENTCAPS", true, sizeof(LINEAGENTCAPS));
    const auto* c = p.out<LINEAGENTCAPS>();
    const std::wstring info = p.text(c->dwAgentHandlerInfoSize, c->dwAgentHandlerInfoOffset);
    expect(info == L"telsim ACD, agent 601", "dwAgentHandlerInfo \"" + narrow(info) + "\"");
    expect((c->dwFeatures & (LINEAGENTFEATURE_SETAGENTSTATE | LINEAGENTFEATURE_GETAGENTGROUP)) ==
               (LINEAGENTFEATURE_SETAGENTSTATE | LINEAGENTFEATURE_GETAGENTGROUP),
           "LINEAGENTCAPS dwFeatures " + hex(c->dwFeatures));
    expect((c->dwStates & (LINEAGENTSTATE_READY | LINEAGENTSTATE_NOTREADY)) == (LINEAGENTSTATE_READY | LINEAGENTSTATE_NOTREADY),
           "LINEAGENTCAPS dwStates " + hex(c->dwStates));
    expect(c->dwAgentStatusMessages == (LINEAGENTSTATUS_GROUP | LINEAGENTSTATUS_STATE | LINEAGENTSTATUS_NEXTSTATE |
                                        LINEAGENTSTATUS_ACTIVITY),
           "LINEAGENTCAPS dwAgentStatusMessages " + hex(c->dwAgentStatusMessages));
    expect(c->dwCapsVersion == 0x00020002, "LINEAGENTCAPS dwCapsVersion " + hex(c->dwCapsVersion));
    std::printf("   LINEAGENTCAPS features %s, states %s, next states %s, max groups %lu\n", hex(c->dwFeatures).c_str(),
                hex(c->dwStates).c_str(), hex(c->dwNextStates).c_str(), static_cast<unsigned long>(c->dwMaxNumGroupEntries));

    Proxy g(LINEPROXYREQUEST_GETAGENTGROUPLIST, AT(LINEPROXYREQUEST, GetAgentGroupList.GroupList), 1024);
    ag.ok(A, g, "lineGetAgentGroupList(601)");
    g.check_sizes("LINEAGENTGROUPLIST (601)", true, sizeof(LINEAGENTGROUPLIST));
    const auto gl = groups_of(g, g.out<LINEAGENTGROUPLIST>());
    expect(gl.size() == 1 && gl[0].first == sales && gl[0].second == L"sales", "601's groups: " + names(gl));

    Proxy small(LINEPROXYREQUEST_GETAGENTGROUPLIST, AT(LINEPROXYREQUEST, GetAgentGroupList.GroupList),
                sizeof(LINEAGENTGROUPLIST));
    ag.ok(A, small, "lineGetAgentGroupList(601) in the fixed part only");
    small.check_sizes("LINEAGENTGROUPLIST (601)", false, sizeof(LINEAGENTGROUPLIST));
    expect(small.out<LINEAGENTGROUPLIST>()->dwListSize == 0 && small.out<LINEAGENTGROUPLIST>()->dwListOffset == 0,
           "a LINEAGENTGROUPLIST too small has a list");
    Proxy tiny(LINEPROXYREQUEST_GETAGENTCAPS, AT(LINEPROXYREQUEST, GetAgentCaps.AgentCaps), 8);
    ag.sync_error(A, tiny, err(LINEERR_STRUCTURETOOSMALL), "lineGetAgentCaps(601) in 8 bytes");
  }

  step("lineGetAgentActivityList(601): Lunch (1), Training (2)");
  {
    Proxy p(LINEPROXYREQUEST_GETAGENTACTIVITYLIST, AT(LINEPROXYREQUEST, GetAgentActivityList.ActivityList), 1024);
    ag.ok(A, p, "lineGetAgentActivityList(601)");
    p.check_sizes("LINEAGENTACTIVITYLIST", true, sizeof(LINEAGENTACTIVITYLIST));
    const auto l = id_names(p, reinterpret_cast<const LINEAGENTGROUPLIST*>(p.out<LINEAGENTACTIVITYLIST>()),
                            sizeof(LINEAGENTACTIVITYENTRY));
    expect(l.size() == 2 && l[0] == std::make_pair(DWORD{1}, std::wstring(L"Lunch")) &&
               l[1] == std::make_pair(DWORD{2}, std::wstring(L"Training")),
           "601's activities: " + names(l));
  }

  step("lineSetAgentState(601, READY): LINE_REPLY 0, LINE_AGENTSTATUS STATE; lineGetAgentStatus says READY");
  {
    const Agents::Status before = ag.status(A);
    expect(before.state == LINEAGENTSTATE_LOGGEDOFF, "601 starts in " + hex(before.state) + ", not LOGGEDOFF");
    const std::size_t from = A.agentstates.size();
    ag.set_state(A, LINEAGENTSTATE_READY, 0);
    ag.wait_status(A, from, LINEAGENTSTATUS_STATE, "READY");
    const Agents::Status s = ag.status(A);
    expect(s.state == LINEAGENTSTATE_READY, "601's state " + hex(s.state) + " after READY");
    expect(s.features != 0, "601's dwAgentFeatures are 0");
    std::printf("   601: state %s, next %s, groups %s, valid states %s\n", hex(s.state).c_str(), hex(s.next).c_str(),
                names(s.groups).c_str(), hex(s.valid).c_str());
  }

  step("lineSetAgentActivity(601, Lunch): LINE_AGENTSTATUS ACTIVITY, the status names it; activity 99: INVALAGENTACTIVITY");
  {
    const std::size_t from = A.agentstates.size();
    Proxy p(LINEPROXYREQUEST_SETAGENTACTIVITY, 0, 0);
    p.get()->SetAgentActivity.dwActivityID = 1;
    ag.ok(A, p, "lineSetAgentActivity(601, 1)");
    ag.wait_status(A, from, LINEAGENTSTATUS_ACTIVITY, "activity Lunch");
    const Agents::Status s = ag.status(A);
    expect(s.activity == 1 && s.activity_name == L"Lunch",
           "601's activity " + std::to_string(s.activity) + " \"" + narrow(s.activity_name) + "\"");
    Proxy bad(LINEPROXYREQUEST_SETAGENTACTIVITY, 0, 0);
    bad.get()->SetAgentActivity.dwActivityID = 99;
    ag.error(A, bad, err(LINEERR_INVALAGENTACTIVITY), "lineSetAgentActivity(601, 99)");
  }

  step("201 dials the pilot 500: 601 (READY) is offered the call, answers; lineGetQueueInfo: 1 call queued in all");
  TapiCall& a = make_call(tapi, C, L"500", "201's call to the queue");
  TapiCall& b = tapi.wait_new_call(A, "601's call from the queue");
  tapi.wait_state(b, LINECALLSTATE_OFFERING);
  {
    const CallInfo i = call_info(t, b);
    expect(i.reason == LINECALLREASON_DIRECT, "601's call: dwReason " + hex(i.reason));
    expect(i.caller == L"201", "601's call: caller \"" + narrow(i.caller) + "\"");
    expect(i.redirecting == L"500", "601's call: RedirectingID \"" + narrow(i.redirecting) + "\", not the pilot 500");
    Buffer<LINECALLINFO> ci(4096);
    expect(t.TSPI_lineGetCallInfo(b.hd, ci.get()) == 0, "lineGetCallInfo(601's call)");
    const std::wstring queue = ci.text(ci->dwRedirectingIDNameSize, ci->dwRedirectingIDNameOffset);
    expect(queue == L"sales" && (ci->dwRedirectingIDFlags & LINECALLPARTYID_NAME),
           "601's call: RedirectingIDName \"" + narrow(queue) + "\" (flags " + hex(ci->dwRedirectingIDFlags) +
               "), not the queue sales");
    std::printf("   601's call: caller %s, called %s, redirecting %s (%s)\n", narrow(i.caller).c_str(),
                narrow(i.called).c_str(), narrow(i.redirecting).c_str(), narrow(queue).c_str());
  }
  answer(tapi, b);
  tapi.wait_state(a, LINECALLSTATE_CONNECTED);
  {
    Proxy p(LINEPROXYREQUEST_GETQUEUEINFO, AT(LINEPROXYREQUEST, GetQueueInfo.QueueInfo), sizeof(LINEQUEUEINFO));
    p.get()->GetQueueInfo.dwQueueID = sales;
    ag.ok(A, p, "lineGetQueueInfo(sales)");
    p.check_sizes("LINEQUEUEINFO", true, sizeof(LINEQUEUEINFO));
    const auto* q = p.out<LINEQUEUEINFO>();
    expect(q->dwTotalCallsQueued == 1 && q->dwCurrentCallsQueued == 0 && q->dwTotalCallsAbandoned == 0,
           "sales: queued " + std::to_string(q->dwTotalCallsQueued) + ", now " + std::to_string(q->dwCurrentCallsQueued) +
               ", abandoned " + std::to_string(q->dwTotalCallsAbandoned));
    std::printf("   LINEQUEUEINFO: period %lu s, queued %lu, longest wait %lu s, average %lu s\n",
                static_cast<unsigned long>(q->dwMeasurementPeriod), static_cast<unsigned long>(q->dwTotalCallsQueued),
                static_cast<unsigned long>(q->dwLongestEverWaitTime), static_cast<unsigned long>(q->dwAverageWaitTime));
    Proxy unknown(LINEPROXYREQUEST_GETQUEUEINFO, AT(LINEPROXYREQUEST, GetQueueInfo.QueueInfo), sizeof(LINEQUEUEINFO));
    unknown.get()->GetQueueInfo.dwQueueID = 99;
    ag.error(A, unknown, err(LINEERR_INVALPARAM), "lineGetQueueInfo(99)");
  }

  step("201 hangs up: 601's call ends; 601 wraps up (WORKINGAFTERCALL), then is READY again");
  {
    const std::size_t from = A.agentstates.size();
    drop(tapi, a);
    tapi.wait_state(b, LINECALLSTATE_DISCONNECTED);
    drop(tapi, b);
    ag.wait_state(A, LINEAGENTSTATE_WORKINGAFTERCALL, "wrap-up");
    ag.wait_status(A, from, LINEAGENTSTATUS_STATE, "wrap-up");
    ag.wait_state(A, LINEAGENTSTATE_READY, "after wrap-up");
  }

  step("lineSetAgentState(601, NOTREADY): LINE_AGENTSTATUS STATE, NOTREADY; BUSYACD and nothing: INVALAGENTSTATE at once");
  {
    const std::size_t from = A.agentstates.size();
    ag.set_state(A, LINEAGENTSTATE_NOTREADY, 0);
    ag.wait_status(A, from, LINEAGENTSTATUS_STATE, "NOTREADY");
    expect(ag.status(A).state == LINEAGENTSTATE_NOTREADY, "601 is not NOTREADY");
    for (const auto& [state, next] : {std::pair<DWORD, DWORD>{LINEAGENTSTATE_BUSYACD, 0}, {0, 0},
                                      {LINEAGENTSTATE_READY | LINEAGENTSTATE_NOTREADY, 0}}) {
      Proxy p(LINEPROXYREQUEST_SETAGENTSTATE, 0, 0);
      p.get()->SetAgentState.dwAgentState = state;
      p.get()->SetAgentState.dwNextAgentState = next;
      ag.sync_error(A, p, err(LINEERR_INVALAGENTSTATE), "lineSetAgentState(601, " + hex(state) + ")");
    }
  }

  step("lineSetAgentGroup(601): none, then sales (LINE_AGENTSTATUS GROUP each time); a group of no queue: INVALAGENTGROUP");
  {
    auto set_groups = [&](const std::vector<DWORD>& ids, LONG sync) {
      Proxy p(LINEPROXYREQUEST_SETAGENTGROUP, 0, 0);
      LINEAGENTGROUPLIST& l = p.get()->SetAgentGroup.GroupList;
      l.dwTotalSize = p.get()->dwSize - AT(LINEPROXYREQUEST, SetAgentGroup.GroupList);
      l.dwNumEntries = static_cast<DWORD>(ids.size());
      l.dwListSize = l.dwNumEntries * sizeof(LINEAGENTGROUPENTRY);
      l.dwListOffset = sizeof(LINEAGENTGROUPLIST);
      l.dwNeededSize = l.dwUsedSize = l.dwListOffset + l.dwListSize;
      expect(l.dwUsedSize <= l.dwTotalSize, "no room for the groups");
      for (std::size_t i = 0; i < ids.size(); ++i) {
        LINEAGENTGROUPENTRY e{};
        e.GroupID.dwGroupID1 = ids[i];
        std::memcpy(reinterpret_cast<BYTE*>(&l) + l.dwListOffset + i * sizeof e, &e, sizeof e);
      }
      const std::string what = "lineSetAgentGroup(601, " + std::to_string(ids.size()) + " groups)";
      if (sync) {
        ag.sync_error(A, p, sync, what);
        return;
      }
      const std::size_t from = A.agentstates.size();
      ag.ok(A, p, what);
      ag.wait_status(A, from, LINEAGENTSTATUS_GROUP, what);
    };
    set_groups({}, 0);
    expect(ag.status(A).groups.empty(), "601 is still logged into " + names(ag.status(A).groups));
    set_groups({sales}, 0);
    const auto g = ag.status(A).groups;
    expect(g.size() == 1 && g[0].first == sales && g[0].second == L"sales", "601's groups: " + names(g));
    set_groups({99}, err(LINEERR_INVALAGENTGROUP));
  }

  step("lineSetAgentStateEx(601's agent, READY): done; another agent: INVALAGENTID at once");
  {
    const std::size_t from = A.agentstates.size();
    Proxy p(LINEPROXYREQUEST_SETAGENTSTATEEX, 0, 0);
    p.get()->SetAgentStateEx.hAgent = 601;
    p.get()->SetAgentStateEx.dwAgentState = LINEAGENTSTATEEX_READY;
    ag.ok(A, p, "lineSetAgentStateEx(601, READY)");
    ag.wait_status(A, from, LINEAGENTSTATUS_STATE, "READY by lineSetAgentStateEx");
    expect(ag.status(A).state == LINEAGENTSTATE_READY, "601 is not READY after lineSetAgentStateEx");
    Proxy other(LINEPROXYREQUEST_SETAGENTSTATEEX, 0, 0);
    other.get()->SetAgentStateEx.hAgent = 602;
    other.get()->SetAgentStateEx.dwAgentState = LINEAGENTSTATEEX_READY;
    ag.sync_error(A, other, err(LINEERR_INVALAGENTID), "lineSetAgentStateEx(601's line, agent 602)");
  }

  step("203 has no agent: lineSetAgentState, lineGetAgentCaps and lineGetAgentStatus are INVALAGENTID");
  {
    ag.set_state(N, LINEAGENTSTATE_READY, 0, err(LINEERR_INVALAGENTID));
    Proxy p(LINEPROXYREQUEST_GETAGENTCAPS, AT(LINEPROXYREQUEST, GetAgentCaps.AgentCaps), 1024);
    ag.error(N, p, err(LINEERR_INVALAGENTID), "lineGetAgentCaps(203)");
    Proxy s(LINEPROXYREQUEST_GETAGENTSTATUS, AT(LINEPROXYREQUEST, GetAgentStatus.AgentStatus), 1024);
    ag.error(N, s, err(LINEERR_INVALAGENTID), "lineGetAgentStatus(203)");
    Proxy u(LINEPROXYREQUEST_AGENTSPECIFIC, 0, 0);
    ag.sync_error(A, u, err(LINEERR_OPERATIONUNAVAIL), "LINEPROXYREQUEST_AGENTSPECIFIC");
  }

  step("602 stayed LOGGEDOFF and heard nothing of 601; no LINE_AGENTSTATUS on 201 or 203");
  expect(ag.status(B).state == LINEAGENTSTATE_LOGGEDOFF, "602 is not LOGGEDOFF");
  expect(B.agentstates.empty() && C.agentstates.empty() && N.agentstates.empty(),
         "LINE_AGENTSTATUS on 602 (" + std::to_string(B.agentstates.size()) + "), 201 (" +
             std::to_string(C.agentstates.size()) + ") or 203 (" + std::to_string(N.agentstates.size()) + ")");
  for (TapiLine* l : {&A, &B, &C, &N})
    for (const auto& [id, bits] : l->queuestates)
      expect(id == sales, l->number + ": LINE_QUEUESTATUS for queue " + std::to_string(id) + " (" + hex(static_cast<DWORD>(bits)) + ")");
  std::printf("   601: %zu LINE_AGENTSTATUS; LINE_QUEUESTATUS on 601: %zu\n", A.agentstates.size(), A.queuestates.size());

  close_all(tapi, {&a, &b}, {&C, &A, &B, &N});
  tapi.check_rules();
}

#undef AT

}  // namespace telsim::tsp::host
