#pragma once
// The ACD's agents and queues as the TSP speaks of them (docs/tsp.md, "Agents and queues"): the
// wire's operations, events and fields for them (docs/protocol.md), TAPI's LINEAGENTSTATE_,
// LINEAGENTFEATURE_ and LINEAGENTSTATUS_ values by name, and the LINEPROXYREQUEST_ types
// TELSIM_lineProxyRequest serves (telsim_ext.h).
//
// The TSPI has no agent functions: TAPI 2.x reaches an agent handler through proxy requests.
// telsim.tsp is that handler for its own lines; tapi32.dll (or a test host) hands it the
// LINEPROXYREQUEST, the TSP asks the server and fills the request's structure before it
// completes the request.
#include <windows.h>
#include <tapi.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace telsim::tsp::agents {

/// The wire's operations (each a request of a client that has the agent's line open).
namespace op {
inline constexpr char kSetAgentState[] = "set_agent_state";
inline constexpr char kSetAgentActivity[] = "set_agent_activity";
inline constexpr char kSetAgentGroup[] = "set_agent_group";
inline constexpr char kAgentCaps[] = "agent_caps";
inline constexpr char kAgentStatus[] = "agent_status";
inline constexpr char kAgentActivities[] = "agent_activities";
inline constexpr char kQueueList[] = "queue_list";
inline constexpr char kQueueInfo[] = "queue_info";
}  // namespace op

/// The events.
namespace event {
inline constexpr char kAgentStatus[] = "agent_status";
inline constexpr char kQueueStatus[] = "queue_status";
}  // namespace event

/// The fields of their requests, replies and events.
namespace key {
inline constexpr char kAcd[] = "acd";
inline constexpr char kAgent[] = "agent";
inline constexpr char kState[] = "state";
inline constexpr char kNextState[] = "next_state";
inline constexpr char kStates[] = "states";
inline constexpr char kNextStates[] = "next_states";
inline constexpr char kValidStates[] = "valid_states";
inline constexpr char kValidNextStates[] = "valid_next_states";
inline constexpr char kActivity[] = "activity";
inline constexpr char kActivities[] = "activities";
inline constexpr char kGroups[] = "groups";
inline constexpr char kMaxGroups[] = "max_groups";
inline constexpr char kFeatures[] = "features";
inline constexpr char kChanged[] = "changed";
inline constexpr char kQueue[] = "queue";
inline constexpr char kQueues[] = "queues";
inline constexpr char kId[] = "id";            ///< of an entry of a list (queues, groups, activities)
inline constexpr char kQueueId[] = "queue_id";  ///< queue_status's and queue_info's (a frame's `id` is its request's)
inline constexpr char kName[] = "name";
inline constexpr char kNumber[] = "number";
inline constexpr char kMeasurementPeriod[] = "measurement_period";
inline constexpr char kTotalCallsQueued[] = "total_calls_queued";
inline constexpr char kCurrentCallsQueued[] = "current_calls_queued";
inline constexpr char kTotalCallsAbandoned[] = "total_calls_abandoned";
inline constexpr char kTotalCallsFlowedIn[] = "total_calls_flowed_in";
inline constexpr char kTotalCallsFlowedOut[] = "total_calls_flowed_out";
inline constexpr char kLongestEverWait[] = "longest_ever_wait";
inline constexpr char kCurrentLongestWait[] = "current_longest_wait";
inline constexpr char kAverageWait[] = "average_wait";
inline constexpr char kFinalDisposition[] = "final_disposition";
}  // namespace key

struct Name {
  const char* name;
  DWORD value;
};

/// LINEAGENTSTATE_ by the wire's name.
inline constexpr Name kStates[] = {
    {"LOGGEDOFF", LINEAGENTSTATE_LOGGEDOFF},       {"NOTREADY", LINEAGENTSTATE_NOTREADY},
    {"READY", LINEAGENTSTATE_READY},               {"BUSYACD", LINEAGENTSTATE_BUSYACD},
    {"BUSYINCOMING", LINEAGENTSTATE_BUSYINCOMING}, {"BUSYOUTBOUND", LINEAGENTSTATE_BUSYOUTBOUND},
    {"BUSYOTHER", LINEAGENTSTATE_BUSYOTHER},       {"WORKINGAFTERCALL", LINEAGENTSTATE_WORKINGAFTERCALL},
    {"UNKNOWN", LINEAGENTSTATE_UNKNOWN},           {"UNAVAIL", LINEAGENTSTATE_UNAVAIL},
};
/// LINEAGENTFEATURE_ by name.
inline constexpr Name kFeatures[] = {
    {"SETAGENTGROUP", LINEAGENTFEATURE_SETAGENTGROUP},
    {"SETAGENTSTATE", LINEAGENTFEATURE_SETAGENTSTATE},
    {"SETAGENTACTIVITY", LINEAGENTFEATURE_SETAGENTACTIVITY},
    {"AGENTSPECIFIC", LINEAGENTFEATURE_AGENTSPECIFIC},
    {"GETAGENTACTIVITYLIST", LINEAGENTFEATURE_GETAGENTACTIVITYLIST},
    {"GETAGENTGROUP", LINEAGENTFEATURE_GETAGENTGROUP},
};
/// LINEAGENTSTATUS_ (LINE_AGENTSTATUS dwParam2) by name.
inline constexpr Name kStatus[] = {
    {"GROUP", LINEAGENTSTATUS_GROUP},           {"STATE", LINEAGENTSTATUS_STATE},
    {"NEXTSTATE", LINEAGENTSTATUS_NEXTSTATE},   {"ACTIVITY", LINEAGENTSTATUS_ACTIVITY},
    {"ACTIVITYLIST", LINEAGENTSTATUS_ACTIVITYLIST}, {"GROUPLIST", LINEAGENTSTATUS_GROUPLIST},
    {"CAPSCHANGE", LINEAGENTSTATUS_CAPSCHANGE}, {"VALIDSTATES", LINEAGENTSTATUS_VALIDSTATES},
    {"VALIDNEXTSTATES", LINEAGENTSTATUS_VALIDNEXTSTATES},
};
/// LINEQUEUESTATUS_ (LINE_QUEUESTATUS dwParam2) by name.
inline constexpr Name kQueueStatus[] = {
    {"UPDATEINFO", LINEQUEUESTATUS_UPDATEINFO},
    {"NEWQUEUE", LINEQUEUESTATUS_NEWQUEUE},
    {"QUEUEREMOVED", LINEQUEUESTATUS_QUEUEREMOVED},
};

/// The value of a name (any case; TAPI's prefix, e.g. "LINEAGENTSTATE_", optional).
template <std::size_t N>
std::optional<DWORD> value_of(const Name (&table)[N], std::string_view name, std::string_view prefix) {
  if (name.size() > prefix.size()) {
    bool has = true;
    for (std::size_t i = 0; i < prefix.size() && has; ++i)
      has = (name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]) == prefix[i];
    if (has) name.remove_prefix(prefix.size());
  }
  for (const Name& n : table) {
    const std::string_view candidate = n.name;
    if (candidate.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i)
      same = (name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]) == candidate[i];
    if (same) return n.value;
  }
  return std::nullopt;
}

/// The name of one value (nullptr for none).
template <std::size_t N>
const char* name_of(const Name (&table)[N], DWORD value) {
  for (const Name& n : table)
    if (n.value == value) return n.name;
  return nullptr;
}

/// The states lineSetAgentState may ask for (the wire's set_agent_state takes these).
inline constexpr DWORD kSettableStates = LINEAGENTSTATE_LOGGEDOFF | LINEAGENTSTATE_NOTREADY | LINEAGENTSTATE_READY |
                                         LINEAGENTSTATE_WORKINGAFTERCALL;
/// The LINEAGENTSTATUS_ messages the TSP sends (LINEAGENTCAPS.dwAgentStatusMessages).
inline constexpr DWORD kStatusMessages =
    LINEAGENTSTATUS_GROUP | LINEAGENTSTATUS_STATE | LINEAGENTSTATUS_NEXTSTATE | LINEAGENTSTATUS_ACTIVITY;

/// LINEAGENTSTATE_ of a LINEAGENTSTATEEX_ value lineSetAgentStateEx may ask for (0: none).
constexpr DWORD state_of_ex(DWORD ex) {
  switch (ex) {
    case LINEAGENTSTATEEX_NOTREADY: return LINEAGENTSTATE_NOTREADY;
    case LINEAGENTSTATEEX_READY: return LINEAGENTSTATE_READY;
    case LINEAGENTSTATEEX_RELEASED: return LINEAGENTSTATE_LOGGEDOFF;
    default: return 0;
  }
}

}  // namespace telsim::tsp::agents
