#pragma once
// Automatic call distribution as a feature module of the Pbx core (pbx_feature.hpp): queues on
// pilot numbers, agents on extensions, and their statistics. Internal to telsim::models; the
// vocabulary is telsim/models/acd.hpp.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "telsim/models/acd.hpp"
#include "telsim/models/batch_means.hpp"
#include "telsim/models/pbx.hpp"
#include "telsim/models/pbx_feature.hpp"

namespace telsim {

class Acd final : public PbxFeature {
 public:
  /// Checks the configuration against the switch's lines (agent extensions exist, pilot numbers
  /// are free, skills name queues): std::invalid_argument otherwise.
  Acd(Pbx& pbx, const AcdConfig& config);

  bool routes(Call& origin, const std::string& number, int hops, std::string_view moved_by) override;
  void on_answered(Call& call) override;
  void on_idle(Call& call) override;
  void on_shutdown() override;

  std::vector<QueueSummary> queue_summaries() const;
  std::vector<AgentSummary> agent_summaries() const;

  /// The agent on `line`, if it is one.
  std::optional<std::size_t> agent_on(LineId line) const;
  std::size_t agent_count() const { return agents_.size(); }
  std::optional<std::size_t> find_queue(std::string_view name) const;
  /// The queue whose pilot number is `number`.
  std::optional<std::size_t> find_pilot(std::string_view number) const;
  /// The agent operations (catalogue.hpp's is_agent_op), as Pbx::execute hands them on.
  OpResult execute(const Command& c);
  /// What lineGetAgentStatus shows of the agent now: a READY agent whose extension is on a call
  /// that did not come from a queue shows BUSYINCOMING or BUSYOUTBOUND.
  AgentStatus status(std::size_t agent) const;
  std::vector<QueueInfo> queue_infos() const;

 private:
  struct Queue {
    QueueConfig config;
    std::vector<std::pair<std::size_t, int>> members;  // agent index, skill level; the queue's order
    std::deque<std::uint32_t> waiting;                  // callers' serials, head first
    std::size_t round_robin = 0;                        // RoundRobin: index into members of the last one offered
    std::optional<std::size_t> overflow_queue;          // overflow.to names a queue
    std::mt19937_64 rng;                                // "acd:QUEUE": patience
    // Statistics of callers that arrived in the window.
    std::uint64_t offered = 0, answered = 0, abandoned = 0, overflowed = 0, refused = 0, waited = 0;
    BatchMeans wait_probability, abandon_probability, mean_wait;
    std::vector<BatchMeans> service_level;  // one per threshold
    Percentiles waits;
    Duration longest_wait{0};
    double talk_s = 0;
    std::uint64_t talks = 0;
    double length_area = 0;  // caller-seconds waiting within the window
    SimTime length_changed{0};
    std::uint32_t peak_length = 0;
    std::vector<std::pair<SimTime, std::uint32_t>> series;
    // Since the start of the run (LINEQUEUEINFO).
    std::uint64_t total_queued = 0, total_abandoned = 0, flowed_in = 0, flowed_out = 0, total_answered = 0;
    Duration longest_ever{0}, wait_sum{0};
  };
  struct Agent {
    std::string id;
    LineId line = 0;
    AgentBehavior behavior;
    AgentState state = AgentState::Ready;
    std::optional<AgentState> next;  // taken when its queue call (and wrap-up) ends
    std::vector<char> in_queue;      // by queue: logged into it (lineSetAgentGroup)
    std::vector<char> may_join;      // by queue: a member of it
    std::uint32_t activity = 0;
    SimTime idle_since{0};           // became free for queue calls (LongestIdle)
    CallId leg;                      // the queue call offered to or answered by it
    std::uint32_t caller = 0;        // that call's caller (serial)
    TimerHandle rna_timer, wrap_timer, not_ready_timer;
    std::mt19937_64 rng;             // "acd:agent:ID": wrap-up and not-ready draws
    std::uint64_t calls = 0;
    std::vector<Duration> time_in;   // by state bit index, within the window
    SimTime state_since{0};
    std::vector<std::pair<SimTime, AgentState>> timeline;
    bool timeline_cut = false;
  };
  struct Caller {
    enum class Phase { Queued, Ringing, Talking };
    CallId call;
    std::size_t queue = 0;
    SimTime entered{0};  // entered its current queue
    bool measured = false;
    bool waited = false;
    Phase phase = Phase::Queued;
    std::optional<std::size_t> agent;
    TimerHandle patience, overflow;
  };

  Caller make_caller(CallId call, std::size_t queue, bool measured) const;
  bool available(const Agent& a) const;
  /// Free for a call of queue `q`: available and logged into it.
  bool available_for(const Agent& a, std::size_t q) const { return a.in_queue[q] && available(a); }
  void set_agent_state(Agent& a, AgentState s);
  void notify_agent(const Agent& a, std::uint32_t changed);
  void notify_queue(std::size_t queue);
  /// Offer waiting callers to free agents until no queue has both.
  void dispatch();
  void schedule_dispatch();
  std::optional<std::size_t> pick_agent(std::size_t queue);
  void offer(std::uint32_t caller, std::size_t agent);
  void enqueue(Call& origin, std::size_t queue, bool flowed_in = false);
  /// Remove a caller from its queue's waiting list.
  void unqueue(Caller& c);
  void length_changed(Queue& q);
  void ring_no_answer(std::size_t agent);
  /// NOTREADY for `d` (a break, a ring-no-answer's recovery), then READY if still NOTREADY.
  void not_ready_for(std::size_t agent, Duration d);
  /// Within the measurement window (the statistics count what happens there).
  bool in_window(SimTime t) const { return t >= pbx_.config_.measure_from && t < pbx_.config_.measure_until; }
  void give_up(std::uint32_t caller);
  void overflow(std::uint32_t caller);
  /// The caller leaves the ACD: its outcome counted (answered counts at the answer).
  void caller_gone(std::uint32_t serial, Call& call);
  void agent_call_ended(std::size_t agent, bool answered);
  /// Wrap-up done (or none): the agent takes its next state.
  void after_call(std::size_t agent);
  void set_state(Agent& a, AgentState s);
  Duration window_time(SimTime from, SimTime to) const;

  Pbx& pbx_;
  std::vector<Queue> queues_;
  std::vector<Agent> agents_;
  std::unordered_map<LineId, std::size_t> agent_by_line_;
  std::unordered_map<std::uint32_t, Caller> callers_;  // by the caller's call serial
  bool dispatch_scheduled_ = false;
  bool shutting_down_ = false;
};

}  // namespace telsim
