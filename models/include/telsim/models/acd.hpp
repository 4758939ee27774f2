#pragma once
/// Automatic call distribution: queues with a pilot number, the agents who take their calls,
/// and what a run measured of both. A call to a pilot number waits in its queue (the caller
/// hears ringback) until the queue's policy picks a READY agent, whose extension is then offered
/// the call; wrap-up, ring-no-answer, caller patience (abandonment), overflow and a maximum
/// length are the queue's and agents' settings. The module is models/src/acd/; docs/acd.md
/// describes the model and its figures.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "telsim/models/percentiles.hpp"
#include "telsim/models/random.hpp"
#include "telsim/models/scheduler.hpp"

namespace telsim {

/// An agent's state, with TAPI's LINEAGENTSTATE_ values.
enum class AgentState : std::uint32_t {
  LoggedOff = 0x1,
  NotReady = 0x2,
  Ready = 0x4,
  BusyAcd = 0x8,           ///< on (or being offered) a call from a queue
  BusyIncoming = 0x10,     ///< on a call that did not come from a queue
  BusyOutbound = 0x20,     ///< on a call it made
  BusyOther = 0x40,
  WorkingAfterCall = 0x80, ///< wrap-up after a queue's call
};
/// "READY" (LINEAGENTSTATE_ name without its prefix).
std::string_view to_string(AgentState s);
/// Any case, prefix optional; nothing for a name that is not an agent state.
std::optional<AgentState> parse_agent_state(std::string_view name);

/// How a queue picks among its free agents.
enum class AcdPolicy {
  LongestIdle,  ///< the agent free for the longest time
  RoundRobin,   ///< the next after the agent offered the queue's last call, in the queue's order
  TopDown,      ///< the first free agent in the queue's order
  Skills,       ///< the best skill level for the queue (1 is best), longest idle among equals
};
std::string_view to_string(AcdPolicy p);
std::optional<AcdPolicy> parse_acd_policy(std::string_view name);

/// The agent operations' arguments (catalogue.hpp's is_agent_op), as decoded.
struct AgentArgs {
  std::optional<AgentState> state, next_state;  ///< set_agent_state
  std::uint32_t activity = 0;                   ///< set_agent_activity
  std::vector<std::string> groups;              ///< set_agent_group: queue names
  bool operator==(const AgentArgs&) const = default;
};

struct QueueConfig {
  std::string name;
  std::string number;               ///< the pilot number callers dial
  std::vector<std::string> agents;  ///< agent extensions serving it, in the queue's order
  AcdPolicy policy = AcdPolicy::LongestIdle;
  /// How long a caller waits before hanging up (traffic generators' and PSTN callers; a
  /// scenario's own callers hang up when their steps say). None: callers wait forever.
  std::optional<DurationDist> patience;
  /// Callers that may wait at once; one more finds the queue full: it overflows if the queue has
  /// an overflow target, else it is refused (BUSY). None: no limit.
  std::optional<std::uint32_t> max_length;
  struct Overflow {
    std::string to;                        ///< another queue's name, or a number
    std::optional<Duration> after;         ///< a caller waiting this long goes there
    std::optional<std::uint32_t> length;   ///< a caller finding this many waiting goes there at once
  };
  std::optional<Overflow> overflow;
  /// An agent's phone rings this long unanswered: the agent goes NOTREADY and the call goes back
  /// to the head of the queue.
  Duration ring_no_answer = std::chrono::seconds(15);
  /// Service level thresholds: the share of calls answered within each (report.json).
  std::vector<Duration> service_levels = {std::chrono::seconds(20)};
};

/// What a scripted agent does by itself (its extension's behaviour answers and hangs up).
struct AgentBehavior {
  DurationDist wrap_up = Duration{0};  ///< WORKINGAFTERCALL after each queue call
  double not_ready = 0;                ///< probability of going NOTREADY after wrap-up ...
  DurationDist not_ready_for = Duration{std::chrono::seconds(60)};  ///< ... for this long
  /// After a ring-no-answer, NOTREADY for this long (none: until set READY again).
  std::optional<DurationDist> rna_recover;
  bool operator==(const AgentBehavior&) const = default;
};

struct AgentConfig {
  std::string line;  ///< the agent's extension
  std::string id;    ///< the agent's id (the extension's number when not given)
  AgentState state = AgentState::Ready;  ///< at the start of the run
  /// Queues the agent serves besides those whose `agents` list it, with its skill level in each
  /// (1 is the best); a queue listing the agent gives level 1 unless named here.
  std::vector<std::pair<std::string, int>> skills;
  AgentBehavior behavior;
};

struct AcdConfig {
  std::vector<QueueConfig> queues;
  std::vector<AgentConfig> agents;
  /// The activities agents may report (lineSetAgentActivity): id i+1 is activities[i]; 0 is none.
  std::vector<std::string> activities;
  bool empty() const { return queues.empty(); }
};

/// An agent as lineGetAgentStatus shows it.
struct AgentStatus {
  std::string id;
  std::string line;
  AgentState state = AgentState::LoggedOff;  ///< a READY agent on another call: BUSYINCOMING/BUSYOUTBOUND
  std::optional<AgentState> next_state;
  std::vector<std::string> groups;    ///< the queues it is logged into, in configuration order
  std::vector<std::string> may_join;  ///< the queues it may log into (lineGetAgentGroupList)
  std::uint32_t activity = 0;         ///< an id of AcdConfig::activities (0: none)
};
/// LINEAGENTSTATUS_ bits of what changed (an AgentStatusEvent's `changed`).
namespace agent_status {
inline constexpr std::uint32_t kGroup = 0x1, kState = 0x2, kNextState = 0x4, kActivity = 0x8;
}

/// A queue as lineGetQueueInfo shows it: since the start of the run (LINEQUEUEINFO).
struct QueueInfo {
  std::uint32_t id = 0;  ///< 1-based, in configuration order
  std::string name;
  std::string number;
  std::uint64_t total_queued = 0, current_queued = 0, abandoned = 0, flowed_in = 0, flowed_out = 0;
  Duration longest_ever_wait{0}, current_longest_wait{0}, average_wait{0};
};

/// What a run measured of one queue, over the measurement window (calls that arrived in it).
struct QueueSummary {
  std::string name;
  std::string number;
  std::uint64_t offered = 0;     ///< calls that arrived at the queue
  std::uint64_t answered = 0;    ///< answered by an agent of this queue
  std::uint64_t abandoned = 0;   ///< the caller hung up first
  std::uint64_t overflowed = 0;  ///< sent on to the overflow target
  std::uint64_t refused = 0;     ///< found the queue full (max_length) and no overflow: BUSY
  std::uint64_t waited = 0;      ///< found no free agent and had to wait
  /// A mean and its 95% batch-means interval (batch_means.hpp); no interval until enough
  /// batches qualify (`reason` says why).
  struct Figure {
    double value = 0;
    std::optional<std::pair<double, double>> ci95;
    std::string reason;
  };
  Figure wait_probability;   ///< waited / offered
  Figure abandon_probability;  ///< abandoned / (answered + abandoned)
  Figure mean_wait_s;        ///< answered calls: arrival to answer (average speed of answer)
  /// Wait of answered calls (percentiles.hpp: exact up to 65,536 calls, then within 0.098%).
  Percentiles waits;
  Duration longest_wait{0};  ///< answered or abandoned, whichever waited longest
  double mean_talk_s = 0;    ///< answered calls: answer to the end of the call
  /// Share of answered-or-abandoned calls answered within each threshold.
  std::vector<std::pair<Duration, Figure>> service_level;
  double mean_length = 0;    ///< callers waiting, averaged over the window
  std::uint32_t peak_length = 0;
  /// The number waiting over time: (instant, length) at each change, thinned to at most
  /// kSeriesPoints by keeping every other point whenever it fills (report.html's chart).
  static constexpr std::size_t kSeriesPoints = 4096;
  std::vector<std::pair<SimTime, std::uint32_t>> length_series;
};

/// What a run measured of one agent, over the measurement window.
struct AgentSummary {
  std::string id;
  std::string line;
  std::uint64_t calls = 0;  ///< queue calls answered
  /// Time in each state (LINEAGENTSTATE order of AgentState, LOGGEDOFF first).
  std::vector<std::pair<AgentState, Duration>> time_in;
  /// Busy (BUSYACD, BUSYINCOMING, BUSYOUTBOUND, WORKINGAFTERCALL) over busy plus READY.
  double occupancy = 0;
  /// State changes (instant, state) from the start, the first kTimelinePoints of them
  /// (report.html's agent timeline).
  static constexpr std::size_t kTimelinePoints = 2048;
  std::vector<std::pair<SimTime, AgentState>> timeline;
  bool timeline_cut = false;  ///< more changes happened than the timeline keeps
};

}  // namespace telsim
