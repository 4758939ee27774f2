// Agents and queues (the ACD): telsim.tsp as the agent handler of its lines. TELSIM_lineProxyRequest
// (telsim_ext.h) serves TAPI's LINEPROXYREQUEST_* for the line's agent and the switch's queues,
// each one wire request (two for GETAGENTSTATUS), completed with ASYNC_COMPLETION once the
// request's structure is filled from the reply; the server's agent_status and queue_status events
// become LINE_AGENTSTATUS and LINE_QUEUESTATUS (docs/tsp.md, "Agents and queues").
#include <algorithm>
#include <cstring>
#include <cwchar>
#include <string_view>
#include <string>
#include <vector>

#include "agents.hpp"
#include "log.hpp"
#include "provider.hpp"
#include "text.hpp"

namespace telsim::tsp {
namespace {

constexpr LONG err(DWORD e) { return static_cast<LONG>(e); }

// agents.hpp's names are the server's own: its catalogue's agent operations and the wire
// schema's queries, events and fields. A drift fails to compile.
constexpr bool same(std::string_view a, std::string_view b) { return a == b; }
static_assert(find_operation(agents::op::kSetAgentState) && find_operation(agents::op::kSetAgentActivity) &&
                  find_operation(agents::op::kSetAgentGroup),
              "agents.hpp's operations are not the catalogue's");
static_assert(same(agents::op::kAgentCaps, schema::op::kAgentCaps) &&
                  same(agents::op::kAgentStatus, schema::op::kAgentStatus) &&
                  same(agents::op::kAgentActivities, schema::op::kAgentActivities) &&
                  same(agents::op::kQueueList, schema::op::kQueueList) &&
                  same(agents::op::kQueueInfo, schema::op::kQueueInfo) &&
                  same(agents::event::kAgentStatus, schema::event::kAgentStatus) &&
                  same(agents::event::kQueueStatus, schema::event::kQueueStatus),
              "agents.hpp's queries and events are not the wire schema's");
static_assert(same(agents::key::kNextState, field::kNextState) && same(agents::key::kActivity, field::kActivity) &&
                  same(agents::key::kGroups, field::kGroups) && same(agents::key::kAgent, field::kAgent) &&
                  same(agents::key::kQueue, field::kQueue) && same(agents::key::kAcd, field::kAcd) &&
                  same(agents::key::kState, field::kState) && same(agents::key::kChanged, field::kChanged) &&
                  same(agents::key::kId, field::kId) && same(agents::key::kName, field::kName),
              "agents.hpp's fields are not the wire schema's");

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

DWORD number(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return 0;
  const long long v = it->get<long long>();
  return v < 0 || v > 0xFFFFFFFFLL ? 0 : static_cast<DWORD>(v);
}

/// A count or a time in seconds: the wire gives times as fractional seconds (rounded here).
DWORD whole(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  const double v = it->get<double>();
  return v <= 0 ? 0 : v >= 4294967295.0 ? 0xFFFFFFFF : static_cast<DWORD>(v + 0.5);
}

/// An id the wire gives as a number or as a string of digits (0: neither).
DWORD id_of(const json& v) {
  if (v.is_number_integer()) {
    const long long n = v.get<long long>();
    return n < 0 || n > 0xFFFFFFFFLL ? 0 : static_cast<DWORD>(n);
  }
  if (!v.is_string()) return 0;
  const std::string s = v.get<std::string>();
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return static_cast<DWORD>(std::stoul(s));
}

/// The bits of a list of names (one name alone too).
template <std::size_t N>
DWORD bits_of(const agents::Name (&table)[N], const json& list, std::string_view prefix) {
  DWORD out = 0;
  auto one = [&](const json& n) {
    if (n.is_string())
      if (const auto v = agents::value_of(table, n.get<std::string>(), prefix)) out |= *v;
  };
  if (list.is_array())
    for (const json& n : list) one(n);
  else
    one(list);
  return out;
}

DWORD state_bits(const json& f, const char* key) {
  auto it = f.find(key);
  return it == f.end() ? 0 : bits_of(agents::kStates, *it, "LINEAGENTSTATE_");
}

/// A structure built whole (its fixed part, then its variable parts, DWORD-aligned, offsets from
/// its start), then written to TAPI's buffer as TAPI's rule says: all of it when it fits in
/// dwTotalSize, else only the fixed part, every variable size and offset 0, dwNeededSize saying
/// how much would fit (dwUsedSize the fixed part).
class Builder {
 public:
  explicit Builder(DWORD fixed) : b_(fixed, 0), fixed_(fixed) {}
  void put(DWORD at, DWORD v) { std::memcpy(b_.data() + at, &v, sizeof v); }
  /// A variable part, its size and offset at `size_at` (nothing for empty data).
  void bytes(DWORD size_at, const void* data, DWORD size) {
    vars_.push_back(size_at);
    if (!size) return;
    const DWORD at = append(data, size);
    put(size_at, size);
    put(size_at + sizeof(DWORD), at);
  }
  /// UTF-16 text, terminated (nothing for "").
  void text(DWORD size_at, const std::string& utf8) {
    const std::wstring w = widen(utf8);
    bytes(size_at, w.c_str(), w.empty() ? 0 : static_cast<DWORD>((w.size() + 1) * sizeof(wchar_t)));
  }
  /// A list of `count` entries of `entry` bytes (zeroed), its size and offset at `size_at`; the
  /// offset of the first entry (entries are filled with put, their strings with nested_text).
  DWORD list(DWORD size_at, DWORD count, DWORD entry) {
    vars_.push_back(size_at);
    if (!count) return 0;
    const std::vector<BYTE> zeros(static_cast<std::size_t>(count) * entry, 0);
    const DWORD at = append(zeros.data(), static_cast<DWORD>(zeros.size()));
    put(size_at, static_cast<DWORD>(zeros.size()));
    put(size_at + sizeof(DWORD), at);
    return at;
  }
  /// An entry's string (its size and offset at `size_at`, inside the list: offsets from the start).
  void nested_text(DWORD size_at, const std::string& utf8) {
    const std::wstring w = widen(utf8);
    if (w.empty()) return;
    const DWORD size = static_cast<DWORD>((w.size() + 1) * sizeof(wchar_t));
    const DWORD at = append(w.c_str(), size);
    put(size_at, size);
    put(size_at + sizeof(DWORD), at);
  }
  void write(void* dst) {
    DWORD total = 0;
    std::memcpy(&total, dst, sizeof total);
    const DWORD needed = static_cast<DWORD>(b_.size());
    put(0, total);
    put(sizeof(DWORD), needed);
    if (needed <= total) {
      put(2 * sizeof(DWORD), needed);
      std::memcpy(dst, b_.data(), needed);
      return;
    }
    for (DWORD at : vars_) {
      put(at, 0);
      put(at + sizeof(DWORD), 0);
    }
    put(2 * sizeof(DWORD), fixed_);
    std::memcpy(dst, b_.data(), fixed_);
  }

 private:
  DWORD append(const void* data, DWORD size) {
    while (b_.size() % 4) b_.push_back(0);
    const DWORD at = static_cast<DWORD>(b_.size());
    const auto* p = static_cast<const BYTE*>(data);
    b_.insert(b_.end(), p, p + size);
    return at;
  }
  std::vector<BYTE> b_;
  DWORD fixed_;
  std::vector<DWORD> vars_;
};

#define AT(type, member) static_cast<DWORD>(offsetof(type, member))

/// LINEAGENTGROUPENTRY entries for a list of queues ({id, name}) at `size_at`; their count.
DWORD put_groups(Builder& b, DWORD size_at, const json& groups) {
  const json list = groups.is_array() ? groups : json::array();
  const DWORD n = static_cast<DWORD>(list.size());
  const DWORD first = b.list(size_at, n, sizeof(LINEAGENTGROUPENTRY));
  for (DWORD i = 0; i < n; ++i) {
    const DWORD e = first + i * static_cast<DWORD>(sizeof(LINEAGENTGROUPENTRY));
    const json& g = list[i];
    b.put(e + AT(LINEAGENTGROUPENTRY, GroupID.dwGroupID1), g.is_object() ? id_of(g.value(agents::key::kId, json())) : 0);
    if (g.is_object()) b.nested_text(e + AT(LINEAGENTGROUPENTRY, dwNameSize), text(g, agents::key::kName));
  }
  return n;
}

/// A LINEAGENTGROUPLIST (lineGetAgentGroupList, lineGetGroupList) of `groups`.
void fill_group_list(LPLINEAGENTGROUPLIST out, const json& groups) {
  Builder b(sizeof(LINEAGENTGROUPLIST));
  b.put(AT(LINEAGENTGROUPLIST, dwNumEntries), put_groups(b, AT(LINEAGENTGROUPLIST, dwListSize), groups));
  b.write(out);
}

/// A list of {id, name} entries of `entry` bytes (id at 0, dwNameSize at 4): LINEQUEUELIST,
/// LINEAGENTACTIVITYLIST.
template <typename List>
void fill_id_name_list(List* out, const json& items, DWORD entry) {
  Builder b(sizeof(List));
  const json list = items.is_array() ? items : json::array();
  const DWORD n = static_cast<DWORD>(list.size());
  const DWORD first = b.list(AT(List, dwListSize), n, entry);
  for (DWORD i = 0; i < n; ++i) {
    if (!list[i].is_object()) continue;
    b.put(first + i * entry, id_of(list[i].value(agents::key::kId, json())));
    b.nested_text(first + i * entry + sizeof(DWORD), text(list[i], agents::key::kName));
  }
  b.put(AT(List, dwNumEntries), n);
  b.write(out);
}

/// The structure a request fills lies inside the LINEPROXYREQUEST (dwSize) and is at least its
/// fixed part: 0, or the error.
LONG room_for(const LINEPROXYREQUEST* pr, const void* structure, DWORD fixed) {
  const DWORD at = static_cast<DWORD>(static_cast<const BYTE*>(structure) - reinterpret_cast<const BYTE*>(pr));
  if (pr->dwSize < at + sizeof(DWORD)) return err(LINEERR_STRUCTURETOOSMALL);
  DWORD total = 0;
  std::memcpy(&total, structure, sizeof total);
  if (total < fixed) return err(LINEERR_STRUCTURETOOSMALL);
  if (total > pr->dwSize - at) return err(LINEERR_INVALPOINTER);
  return 0;
}

/// One LINEAGENTSTATE_ bit that set_agent_state takes, or 0 (unchanged): its wire name, or
/// nullptr when the value is neither.
const char* settable_state(DWORD state) {
  if (state == 0) return "";
  if (state & (state - 1) || !(state & agents::kSettableStates)) return nullptr;
  return agents::name_of(agents::kStates, state);
}

}  // namespace

// --- what the TSP keeps of agents and queues ----------------------------------------------------

void Provider::learn_queues(const json& list) {
  if (!list.is_array()) return;
  for (const json& q : list) {
    if (!q.is_object()) continue;
    const DWORD id = id_of(q.value(agents::key::kId, json()));
    const std::string name = text(q, agents::key::kName);
    if (id && !name.empty()) queue_names_[id] = name;
  }
}

void Provider::learn_agent(Line& line, const json& f) {
  if (auto a = f.find(agents::key::kAgent); a != f.end() && !a->is_null()) {
    line.agent_known = true;
    line.agent = id_of(*a);
  }
  if (auto it = f.find(agents::key::kFeatures); it != f.end())
    line.agent_features = bits_of(agents::kFeatures, *it, "LINEAGENTFEATURE_");
  if (auto g = f.find(agents::key::kGroups); g != f.end()) learn_queues(*g);
}

void Provider::send_queue_list() {
  Pending p;
  p.kind = Pending::Kind::Acd;
  p.op = agents::op::kQueueList;
  p.on_ok = [](Provider& self, const json& f) {
    if (auto q = f.find(agents::key::kQueues); q != f.end()) self.learn_queues(*q);
  };
  send_locked(json{{field::kOp, agents::op::kQueueList}}, std::move(p));
}

void Provider::send_agent_caps(Line& line) {
  Pending p;
  p.kind = Pending::Kind::Acd;
  p.op = agents::op::kAgentCaps;
  p.line = line.index;
  const std::size_t index = line.index;
  p.on_ok = [index](Provider& self, const json& f) {
    if (index < self.lines_.size()) self.learn_agent(*self.lines_[index], f);
  };
  send_locked(json{{field::kOp, agents::op::kAgentCaps}, {field::kLine, line.number}}, std::move(p));
}

bool Provider::process_agent_event(const std::string& ev, const json& f) {
  if (ev == agents::event::kAgentStatus) {
    Line* l = line_by_number(text(f, field::kLine));
    if (!l) return true;
    learn_agent(*l, f);
    if (!l->open) return true;
    const DWORD changed = bits_of(agents::kStatus, f.value(agents::key::kChanged, json::array()), "LINEAGENTSTATUS_");
    if (!changed) return true;
    Callback cb;
    cb.line = l->index;
    cb.msg = LINE_AGENTSTATUS;
    cb.p1 = 0;  // the address
    cb.p2 = changed;
    post(std::move(cb));
    return true;
  }
  if (ev == agents::event::kQueueStatus) {
    const DWORD id = id_of(f.value(agents::key::kQueueId, json()));
    const std::string name = text(f, agents::key::kQueue);
    if (id && !name.empty()) queue_names_[id] = name;
    const DWORD changed =
        bits_of(agents::kQueueStatus, f.value(agents::key::kChanged, json::array()), "LINEQUEUESTATUS_");
    if (!id || !changed) return true;
    // TAPI reports a queue's change on a line: every line TAPI has open hears it.
    for (auto& l : lines_) {
      if (!l->open) continue;
      Callback cb;
      cb.line = l->index;
      cb.msg = LINE_QUEUESTATUS;
      cb.p1 = id;
      cb.p2 = changed;
      post(std::move(cb));
    }
    return true;
  }
  return false;
}

// --- TELSIM_lineProxyRequest -------------------------------------------------------------------

LONG Provider::proxy_request(DRV_REQUESTID req, HDRVLINE hd, LPLINEPROXYREQUEST pr) {
  if (!pr) return err(LINEERR_INVALPOINTER);
  if (pr->dwSize < offsetof(LINEPROXYREQUEST, SetAgentGroup)) return err(LINEERR_STRUCTURETOOSMALL);
  Guard g(lock_);
  Line* l = nullptr;
  if (LONG e = usable_line(hd, l)) return e;
  if (!caps_.acd) return err(LINEERR_OPERATIONUNAVAIL);  // hello said nothing of an ACD
  Request r;
  r.line = l->index;
  r.params = json{{field::kLine, l->number}};
  const std::size_t index = l->index;
  auto address = [&](DWORD id) { return id == 0 ? 0 : err(LINEERR_INVALADDRESSID); };
  const DWORD version = pr->dwClientAppAPIVersion ? pr->dwClientAppAPIVersion : 0x00020000;

  switch (pr->dwRequestType) {
    case LINEPROXYREQUEST_SETAGENTSTATE:
    case LINEPROXYREQUEST_SETAGENTSTATEEX: {
      DWORD state = 0, next = 0;
      if (pr->dwRequestType == LINEPROXYREQUEST_SETAGENTSTATE) {
        if (LONG e = address(pr->SetAgentState.dwAddressID)) return e;
        state = pr->SetAgentState.dwAgentState;
        next = pr->SetAgentState.dwNextAgentState;
      } else {
        // hAgent: the line's agent, by the id the server gives it.
        if (!l->agent_known || pr->SetAgentStateEx.hAgent != l->agent)
          return err(LINEERR_INVALAGENTID);
        state = pr->SetAgentStateEx.dwAgentState ? agents::state_of_ex(pr->SetAgentStateEx.dwAgentState) : 0;
        next = pr->SetAgentStateEx.dwNextAgentState ? agents::state_of_ex(pr->SetAgentStateEx.dwNextAgentState) : 0;
        if ((pr->SetAgentStateEx.dwAgentState && !state) || (pr->SetAgentStateEx.dwNextAgentState && !next))
          return err(LINEERR_INVALAGENTSTATE);
      }
      const char* s = settable_state(state);
      const char* n = settable_state(next);
      if (!s || !n || (!state && !next)) return err(LINEERR_INVALAGENTSTATE);
      if (!caps_.supports(Op::SetAgentState)) return err(LINEERR_OPERATIONUNAVAIL);  // not in hello's `operations`
      r.session_op = agents::op::kSetAgentState;
      if (*s) r.params[agents::key::kState] = s;
      if (*n) r.params[agents::key::kNextState] = n;
      break;
    }
    case LINEPROXYREQUEST_SETAGENTACTIVITY:
      if (LONG e = address(pr->SetAgentActivity.dwAddressID)) return e;
      if (!caps_.supports(Op::SetAgentActivity)) return err(LINEERR_OPERATIONUNAVAIL);
      r.session_op = agents::op::kSetAgentActivity;
      r.params[agents::key::kActivity] = pr->SetAgentActivity.dwActivityID;
      break;
    case LINEPROXYREQUEST_SETAGENTGROUP: {
      if (LONG e = address(pr->SetAgentGroup.dwAddressID)) return e;
      if (!caps_.supports(Op::SetAgentGroup)) return err(LINEERR_OPERATIONUNAVAIL);
      const LINEAGENTGROUPLIST* list = &pr->SetAgentGroup.GroupList;
      if (LONG e = room_for(pr, list, sizeof(LINEAGENTGROUPLIST))) return e;
      const auto* base = reinterpret_cast<const BYTE*>(list);
      const DWORD total = list->dwTotalSize;
      const DWORD n = list->dwNumEntries;
      if (n > 1024 || list->dwListSize < n * sizeof(LINEAGENTGROUPENTRY) || list->dwListOffset > total ||
          list->dwListSize > total - list->dwListOffset || (n && list->dwListOffset < sizeof(LINEAGENTGROUPLIST)))
        return err(LINEERR_INVALAGENTGROUP);
      json names = json::array();
      for (DWORD i = 0; i < n; ++i) {
        LINEAGENTGROUPENTRY e;
        std::memcpy(&e, base + list->dwListOffset + i * sizeof e, sizeof e);
        std::string name;
        if (e.dwNameSize >= sizeof(wchar_t) && e.dwNameOffset <= total && e.dwNameSize <= total - e.dwNameOffset) {
          const auto* w = reinterpret_cast<const wchar_t*>(base + e.dwNameOffset);
          name = narrow(std::wstring(w, wcsnlen(w, e.dwNameSize / sizeof(wchar_t))));
        }
        // The group is the queue whose id is dwGroupID1 (the entry's name for one the TSP has not
        // heard of).
        if (auto q = queue_names_.find(e.GroupID.dwGroupID1); q != queue_names_.end()) name = q->second;
        if (name.empty()) return err(LINEERR_INVALAGENTGROUP);
        names.push_back(name);
      }
      r.session_op = agents::op::kSetAgentGroup;
      r.params[agents::key::kGroups] = std::move(names);
      break;
    }
    case LINEPROXYREQUEST_GETAGENTCAPS: {
      if (LONG e = address(pr->GetAgentCaps.dwAddressID)) return e;
      LPLINEAGENTCAPS out = &pr->GetAgentCaps.AgentCaps;
      if (LONG e = room_for(pr, out, sizeof(LINEAGENTCAPS))) return e;
      r.session_op = agents::op::kAgentCaps;
      r.on_ok = [index, out, version](Provider& self, const json& f) {
        if (index < self.lines_.size()) self.learn_agent(*self.lines_[index], f);
        Builder b(sizeof(LINEAGENTCAPS));
        b.text(AT(LINEAGENTCAPS, dwAgentHandlerInfoSize),
               "telsim ACD, agent " + std::to_string(id_of(f.value(agents::key::kAgent, json()))));
        b.put(AT(LINEAGENTCAPS, dwCapsVersion), std::min<DWORD>(version, 0x00030000));
        b.put(AT(LINEAGENTCAPS, dwFeatures), bits_of(agents::kFeatures, f.value(agents::key::kFeatures, json::array()),
                                                     "LINEAGENTFEATURE_"));
        b.put(AT(LINEAGENTCAPS, dwStates), state_bits(f, agents::key::kStates));
        b.put(AT(LINEAGENTCAPS, dwNextStates), state_bits(f, agents::key::kNextStates));
        b.put(AT(LINEAGENTCAPS, dwMaxNumGroupEntries), number(f, agents::key::kMaxGroups));
        b.put(AT(LINEAGENTCAPS, dwAgentStatusMessages), agents::kStatusMessages);
        b.bytes(AT(LINEAGENTCAPS, dwAgentExtensionIDListSize), nullptr, 0);
        b.write(out);
      };
      break;
    }
    case LINEPROXYREQUEST_GETAGENTSTATUS: {
      if (LONG e = address(pr->GetAgentStatus.dwAddressID)) return e;
      LPLINEAGENTSTATUS out = &pr->GetAgentStatus.AgentStatus;
      if (LONG e = room_for(pr, out, sizeof(LINEAGENTSTATUS))) return e;
      // dwAgentFeatures are agent_caps': asked first (the server answers in order).
      send_agent_caps(*l);
      r.session_op = agents::op::kAgentStatus;
      r.on_ok = [index, out](Provider& self, const json& f) {
        DWORD features = 0;
        if (index < self.lines_.size()) {
          self.learn_agent(*self.lines_[index], f);
          features = self.lines_[index]->agent_features;
        }
        Builder b(sizeof(LINEAGENTSTATUS));
        b.put(AT(LINEAGENTSTATUS, dwNumEntries),
              put_groups(b, AT(LINEAGENTSTATUS, dwGroupListSize), f.value(agents::key::kGroups, json::array())));
        b.put(AT(LINEAGENTSTATUS, dwState), state_bits(f, agents::key::kState));
        b.put(AT(LINEAGENTSTATUS, dwNextState), state_bits(f, agents::key::kNextState));
        const json activity = f.value(agents::key::kActivity, json::object());
        b.put(AT(LINEAGENTSTATUS, dwActivityID), activity.is_object() ? id_of(activity.value(agents::key::kId, json())) : 0);
        b.text(AT(LINEAGENTSTATUS, dwActivitySize), activity.is_object() ? text(activity, agents::key::kName) : "");
        b.put(AT(LINEAGENTSTATUS, dwAgentFeatures), features);
        b.put(AT(LINEAGENTSTATUS, dwValidStates), state_bits(f, agents::key::kValidStates));
        b.put(AT(LINEAGENTSTATUS, dwValidNextStates), state_bits(f, agents::key::kValidNextStates));
        b.write(out);
      };
      break;
    }
    case LINEPROXYREQUEST_GETAGENTACTIVITYLIST: {
      if (LONG e = address(pr->GetAgentActivityList.dwAddressID)) return e;
      LPLINEAGENTACTIVITYLIST out = &pr->GetAgentActivityList.ActivityList;
      if (LONG e = room_for(pr, out, sizeof(LINEAGENTACTIVITYLIST))) return e;
      r.session_op = agents::op::kAgentActivities;
      r.on_ok = [out](Provider&, const json& f) {
        fill_id_name_list(out, f.value(agents::key::kActivities, json::array()), sizeof(LINEAGENTACTIVITYENTRY));
      };
      break;
    }
    case LINEPROXYREQUEST_GETAGENTGROUPLIST: {
      // The groups the agent may log into (agent_caps' groups).
      if (LONG e = address(pr->GetAgentGroupList.dwAddressID)) return e;
      LPLINEAGENTGROUPLIST out = &pr->GetAgentGroupList.GroupList;
      if (LONG e = room_for(pr, out, sizeof(LINEAGENTGROUPLIST))) return e;
      r.session_op = agents::op::kAgentCaps;
      r.on_ok = [index, out](Provider& self, const json& f) {
        if (index < self.lines_.size()) self.learn_agent(*self.lines_[index], f);
        fill_group_list(out, f.value(agents::key::kGroups, json::array()));
      };
      break;
    }
    case LINEPROXYREQUEST_GETGROUPLIST:
    case LINEPROXYREQUEST_GETQUEUELIST: {
      // Every queue is a group: lineGetGroupList lists them all, lineGetQueueList the queues of a
      // group (GUID_NULL: all; else the queue whose id is Data1).
      const bool groups = pr->dwRequestType == LINEPROXYREQUEST_GETGROUPLIST;
      void* out = groups ? static_cast<void*>(&pr->GetGroupList.GroupList) : static_cast<void*>(&pr->GetQueueList.QueueList);
      if (LONG e = room_for(pr, out, groups ? sizeof(LINEAGENTGROUPLIST) : sizeof(LINEQUEUELIST))) return e;
      const GUID group = groups ? GUID{} : pr->GetQueueList.GroupID;
      const GUID none{};
      const bool all = std::memcmp(&group, &none, sizeof group) == 0;
      const DWORD only = group.Data1;
      r.params = json::object();
      r.session_op = agents::op::kQueueList;
      r.on_ok = [out, groups, all, only](Provider& self, const json& f) {
        const json queues = f.value(agents::key::kQueues, json::array());
        self.learn_queues(queues);
        json chosen = json::array();
        for (const json& q : queues.is_array() ? queues : json::array())
          if (all || (q.is_object() && id_of(q.value(agents::key::kId, json())) == only)) chosen.push_back(q);
        if (groups)
          fill_group_list(static_cast<LPLINEAGENTGROUPLIST>(out), chosen);
        else
          fill_id_name_list(static_cast<LPLINEQUEUELIST>(out), chosen, sizeof(LINEQUEUEENTRY));
      };
      break;
    }
    case LINEPROXYREQUEST_GETQUEUEINFO: {
      LPLINEQUEUEINFO out = &pr->GetQueueInfo.QueueInfo;
      if (LONG e = room_for(pr, out, sizeof(LINEQUEUEINFO))) return e;
      r.params = json{{agents::key::kQueue, std::to_string(pr->GetQueueInfo.dwQueueID)}};  // a name or an id
      r.session_op = agents::op::kQueueInfo;
      r.on_ok = [out](Provider&, const json& f) {
        Builder b(sizeof(LINEQUEUEINFO));
        auto put = [&](DWORD at, const char* key) { b.put(at, whole(f, key)); };
        put(AT(LINEQUEUEINFO, dwMeasurementPeriod), agents::key::kMeasurementPeriod);
        put(AT(LINEQUEUEINFO, dwTotalCallsQueued), agents::key::kTotalCallsQueued);
        put(AT(LINEQUEUEINFO, dwCurrentCallsQueued), agents::key::kCurrentCallsQueued);
        put(AT(LINEQUEUEINFO, dwTotalCallsAbandoned), agents::key::kTotalCallsAbandoned);
        put(AT(LINEQUEUEINFO, dwTotalCallsFlowedIn), agents::key::kTotalCallsFlowedIn);
        put(AT(LINEQUEUEINFO, dwTotalCallsFlowedOut), agents::key::kTotalCallsFlowedOut);
        put(AT(LINEQUEUEINFO, dwLongestEverWaitTime), agents::key::kLongestEverWait);
        put(AT(LINEQUEUEINFO, dwCurrentLongestWaitTime), agents::key::kCurrentLongestWait);
        put(AT(LINEQUEUEINFO, dwAverageWaitTime), agents::key::kAverageWait);
        put(AT(LINEQUEUEINFO, dwFinalDisposition), agents::key::kFinalDisposition);
        b.write(out);
      };
      break;
    }
    default:
      return err(LINEERR_OPERATIONUNAVAIL);  // AGENTSPECIFIC, the agent sessions of TAPI 2.2 ...
  }
  log::info(std::string("proxy request ") + r.session_op + " on line " + l->number);
  return submit(req, std::move(r));
}

#undef AT

}  // namespace telsim::tsp
