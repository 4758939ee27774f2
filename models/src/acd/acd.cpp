// The ACD's vocabulary (telsim/models/acd.hpp) and its module (acd/acd.hpp).
#include "acd/acd.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include <fmt/format.h>

#include "telsim/models/tapi_names.hpp"

namespace telsim {

std::string_view to_string(AgentState s) { return tapi_names::kAgentState.name_of(static_cast<std::uint32_t>(s)); }

std::optional<AgentState> parse_agent_state(std::string_view name) {
  const auto v = tapi_names::kAgentState.value_of(name);
  if (!v || *v > static_cast<std::uint32_t>(AgentState::WorkingAfterCall)) return std::nullopt;
  return static_cast<AgentState>(*v);
}

namespace {
constexpr std::pair<AcdPolicy, std::string_view> kPolicies[] = {
    {AcdPolicy::LongestIdle, "longest_idle"},
    {AcdPolicy::RoundRobin, "round_robin"},
    {AcdPolicy::TopDown, "top_down"},
    {AcdPolicy::Skills, "skills"}};
}  // namespace

std::string_view to_string(AcdPolicy p) {
  for (const auto& [policy, name] : kPolicies)
    if (policy == p) return name;
  return "?";
}

std::optional<AcdPolicy> parse_acd_policy(std::string_view name) {
  for (const auto& [policy, n] : kPolicies)
    if (n == name) return policy;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The module.

namespace {
std::size_t state_index(AgentState s) { return static_cast<std::size_t>(std::countr_zero(static_cast<std::uint32_t>(s))); }
constexpr std::size_t kStates = 8;  // LOGGEDOFF .. WORKINGAFTERCALL
bool busy(AgentState s) {
  return s == AgentState::BusyAcd || s == AgentState::BusyIncoming || s == AgentState::BusyOutbound ||
         s == AgentState::BusyOther || s == AgentState::WorkingAfterCall;
}
}  // namespace

Acd::Acd(Pbx& pbx, const AcdConfig& config) : pbx_(pbx) {
  const PbxConfig& pc = pbx_.config_;
  for (const AgentConfig& ac : config.agents) {
    const auto line = pbx_.find_line(ac.line);
    if (!line || pbx_.lines_[*line].trunk)
      throw std::invalid_argument(fmt::format("agent {}: {} is not an extension", ac.id, ac.line));
    if (agent_by_line_.count(*line)) throw std::invalid_argument(fmt::format("extension {} has two agents", ac.line));
    Agent a;
    a.id = ac.id.empty() ? ac.line : ac.id;
    for (const Agent& other : agents_)
      if (other.id == a.id) throw std::invalid_argument(fmt::format("two agents have the id {}", a.id));
    a.line = *line;
    a.behavior = ac.behavior;
    a.state = ac.state;
    a.time_in.assign(kStates, Duration{0});
    a.rng = random_stream(pc.seed, "acd:agent:" + a.id);
    a.timeline.emplace_back(SimTime{0}, a.state);
    agent_by_line_.emplace(*line, agents_.size());
    agents_.push_back(std::move(a));
  }
  for (const QueueConfig& qc : config.queues) {
    if (pbx_.find_line(qc.number))
      throw std::invalid_argument(fmt::format("queue {}: its number {} is an extension's", qc.name, qc.number));
    for (const Queue& other : queues_) {
      if (other.config.name == qc.name) throw std::invalid_argument("two queues are named " + qc.name);
      if (other.config.number == qc.number)
        throw std::invalid_argument(fmt::format("queues {} and {} have the same number {}", other.config.name, qc.name, qc.number));
    }
    Queue q;
    q.config = qc;
    q.rng = random_stream(pc.seed, "acd:" + qc.name);
    q.wait_probability = q.abandon_probability = q.mean_wait = BatchMeans(pc.measure_from, pc.measure_until);
    q.service_level.assign(qc.service_levels.size(), BatchMeans(pc.measure_from, pc.measure_until));
    for (const std::string& n : qc.agents) {
      const auto line = pbx_.find_line(n);
      const auto it = line ? agent_by_line_.find(*line) : agent_by_line_.end();
      if (it == agent_by_line_.end())
        throw std::invalid_argument(fmt::format("queue {}: {} is not an agent's extension (acd.agents)", qc.name, n));
      q.members.emplace_back(it->second, 1);
    }
    pbx_.dial_plan_.add(qc.number);
    queues_.push_back(std::move(q));
  }
  // Skills add an agent to a queue, or set its level in one that lists it.
  for (std::size_t i = 0; i < config.agents.size(); ++i) {
    for (const auto& [name, level] : config.agents[i].skills) {
      const auto q = find_queue(name);
      if (!q) throw std::invalid_argument(fmt::format("agent {}: no queue {}", agents_[i].id, name));
      auto& members = queues_[*q].members;
      const auto it = std::find_if(members.begin(), members.end(), [i](const auto& m) { return m.first == i; });
      if (it != members.end()) it->second = level;
      else members.emplace_back(i, level);
    }
  }
  for (Agent& a : agents_) a.in_queue.assign(queues_.size(), 0);
  for (std::size_t qi = 0; qi < queues_.size(); ++qi)
    for (const auto& [agent, level] : queues_[qi].members) agents_[agent].in_queue[qi] = 1;
  for (Agent& a : agents_) a.may_join = a.in_queue;
  // RoundRobin's first offer goes to the queue's first agent.
  for (Queue& q : queues_) q.round_robin = q.members.empty() ? 0 : q.members.size() - 1;
  for (Queue& q : queues_) {
    if (!q.config.overflow) continue;
    q.overflow_queue = find_queue(q.config.overflow->to);
    if (!q.overflow_queue && !pbx_.find_line(q.config.overflow->to) && !pbx_.complete_number(q.config.overflow->to))
      throw std::invalid_argument(fmt::format("queue {}: overflow to {}: neither a queue nor a number of this switch",
                                              q.config.name, q.config.overflow->to));
    if (q.overflow_queue && &queues_[*q.overflow_queue] == &q)
      throw std::invalid_argument(fmt::format("queue {} overflows to itself", q.config.name));
  }
}

std::optional<std::size_t> Acd::find_queue(std::string_view name) const {
  for (std::size_t i = 0; i < queues_.size(); ++i)
    if (queues_[i].config.name == name) return i;
  return std::nullopt;
}

std::optional<std::size_t> Acd::find_pilot(std::string_view number) const {
  for (std::size_t i = 0; i < queues_.size(); ++i)
    if (queues_[i].config.number == number) return i;
  return std::nullopt;
}

std::optional<std::size_t> Acd::agent_on(LineId line) const {
  const auto it = agent_by_line_.find(line);
  if (it == agent_by_line_.end()) return std::nullopt;
  return it->second;
}

Duration Acd::window_time(SimTime from, SimTime to) const {
  const SimTime a = std::max(from, pbx_.config_.measure_from);
  const SimTime b = std::min(to, pbx_.config_.measure_until);
  return b > a ? b - a : Duration{0};
}

bool Acd::available(const Agent& a) const {
  if (a.state != AgentState::Ready || a.leg) return false;
  const Line& line = pbx_.lines_[a.line];
  return !line.out_of_service && pbx_.idle(a.line) && line.calls.size() < pbx_.config_.profile.max_calls_per_line;
}

AgentStatus Acd::status(std::size_t agent) const {
  const Agent& a = agents_[agent];
  AgentStatus st;
  st.id = a.id;
  st.line = pbx_.lines_[a.line].number;
  st.state = a.state;
  if (a.state == AgentState::Ready && !pbx_.idle(a.line)) {
    for (CallId id : pbx_.lines_[a.line].calls) {
      const Call* c = pbx_.get_const(id);
      if (c && c->state != CallState::Idle) {
        st.state = c->direction == Direction::Incoming ? AgentState::BusyIncoming : AgentState::BusyOutbound;
        break;
      }
    }
  }
  st.next_state = a.next;
  for (std::size_t q = 0; q < queues_.size(); ++q) {
    if (a.in_queue[q]) st.groups.push_back(queues_[q].config.name);
    if (a.may_join[q]) st.may_join.push_back(queues_[q].config.name);
  }
  st.activity = a.activity;
  return st;
}

std::vector<QueueInfo> Acd::queue_infos() const {
  std::vector<QueueInfo> out;
  const SimTime now = pbx_.now();
  for (std::size_t i = 0; i < queues_.size(); ++i) {
    const Queue& q = queues_[i];
    QueueInfo info;
    info.id = static_cast<std::uint32_t>(i + 1);
    info.name = q.config.name;
    info.number = q.config.number;
    info.total_queued = q.total_queued;
    info.current_queued = q.waiting.size();
    info.abandoned = q.total_abandoned;
    info.flowed_in = q.flowed_in;
    info.flowed_out = q.flowed_out;
    info.longest_ever_wait = q.longest_ever;
    for (std::uint32_t serial : q.waiting)
      info.current_longest_wait = std::max(info.current_longest_wait, now - callers_.at(serial).entered);
    if (q.total_answered) info.average_wait = q.wait_sum / static_cast<Duration::rep>(q.total_answered);
    out.push_back(std::move(info));
  }
  return out;
}

void Acd::notify_agent(const Agent& a, std::uint32_t changed) {
  for (PbxObserver* o : pbx_.observers_) o->on_agent_status(a.line, changed);
}

void Acd::notify_queue(std::size_t queue) {
  for (PbxObserver* o : pbx_.observers_) o->on_queue_status(queue);
}

OpResult Acd::execute(const Command& c) {
  const auto found = agent_on(c.line);
  const std::string number = c.line < pbx_.lines_.size() ? pbx_.lines_[c.line].number : std::string();
  if (!found) return pbx_.refuse(c.op, LineErr::InvalAgentId, {}, fmt::format("{} has no ACD agent", number));
  Agent& a = agents_[*found];
  const AgentArgs& args = c.agent;
  switch (c.op) {
    case Op::SetAgentState: {
      if (!args.state && !args.next_state)
        return pbx_.refuse(c.op, LineErr::InvalAgentState, {}, "set_agent_state needs 'state', 'next_state' or both");
      const OpResult r = pbx_.reply(c.op, LineErr::Success);
      std::uint32_t changed = 0;
      if (args.state) {
        if (a.leg) {  // on a queue call: the state asked for is taken when it ends
          if (a.next != args.state) changed |= agent_status::kNextState;
          a.next = args.state;
        } else {
          pbx_.scheduler_.cancel(a.wrap_timer);
          pbx_.scheduler_.cancel(a.not_ready_timer);
          set_agent_state(a, *args.state);
        }
      }
      if (args.next_state && a.next != args.next_state) {
        a.next = args.next_state;
        changed |= agent_status::kNextState;
      }
      if (changed) notify_agent(a, changed);
      dispatch();  // an agent READY now takes a waiting call now
      return r;
    }
    case Op::SetAgentActivity: {
      if (args.activity > pbx_.config_.acd.activities.size())
        return pbx_.refuse(c.op, LineErr::InvalAgentActivity, {},
                           fmt::format("activity {}: acd.activities has {}", args.activity, pbx_.config_.acd.activities.size()));
      const OpResult r = pbx_.reply(c.op, LineErr::Success);
      if (a.activity != args.activity) {
        a.activity = args.activity;
        notify_agent(a, agent_status::kActivity);
      }
      return r;
    }
    case Op::SetAgentGroup: {
      std::vector<char> in(queues_.size(), 0);
      for (const std::string& name : args.groups) {
        const auto q = find_queue(name);
        if (!q || !a.may_join[*q])
          return pbx_.refuse(c.op, LineErr::InvalAgentGroup, {},
                             fmt::format("agent {} may not log into '{}'", a.id, name));
        in[*q] = 1;
      }
      const OpResult r = pbx_.reply(c.op, LineErr::Success);
      if (in != a.in_queue) {
        a.in_queue = std::move(in);
        notify_agent(a, agent_status::kGroup);
        dispatch();
      }
      return r;
    }
    default: return pbx_.refuse(c.op, LineErr::OperationUnavail, {}, "not an agent operation");
  }
}

void Acd::set_state(Agent& a, AgentState s) {
  if (s == a.state) return;
  const SimTime now = pbx_.now();
  a.time_in[state_index(a.state)] += window_time(a.state_since, now);
  a.state_since = now;
  a.state = s;
  if (a.timeline.size() < AgentSummary::kTimelinePoints) a.timeline.emplace_back(now, s);
  else a.timeline_cut = true;
  notify_agent(a, agent_status::kState);
  if (s != AgentState::Ready) return;
  a.idle_since = now;
  schedule_dispatch();
}

void Acd::set_agent_state(Agent& a, AgentState s) {
  a.next.reset();
  set_state(a, s);
}

void Acd::length_changed(Queue& q) {
  const SimTime now = pbx_.now();
  const auto len = static_cast<std::uint32_t>(q.waiting.size());
  const std::uint32_t before = q.series.empty() ? 0 : q.series.back().second;
  q.length_area += before * to_seconds(window_time(q.length_changed, now));
  q.length_changed = now;
  if (in_window(now)) q.peak_length = std::max(q.peak_length, len);
  if (len == before && !q.series.empty()) return;
  if (q.series.size() >= QueueSummary::kSeriesPoints) {
    // Keep every other point: the chart keeps its shape over the whole run in bounded memory.
    std::size_t k = 0;
    for (std::size_t i = 0; i < q.series.size(); i += 2) q.series[k++] = q.series[i];
    q.series.resize(k);
  }
  if (!q.series.empty() && q.series.back().first == now) q.series.back().second = len;
  else q.series.emplace_back(now, len);
  notify_queue(static_cast<std::size_t>(&q - queues_.data()));
}

bool Acd::routes(Call& origin, const std::string& number, int /*hops*/, std::string_view /*moved_by*/) {
  const auto q = find_pilot(number);
  if (!q) return false;
  enqueue(origin, *q);
  return true;
}

void Acd::enqueue(Call& origin, std::size_t qi, bool flowed_in) {
  Queue& q = queues_[qi];
  const SimTime now = pbx_.now();
  const bool measured = in_window(now);
  if (measured) ++q.offered;
  ++q.total_queued;
  if (flowed_in) ++q.flowed_in;
  origin.queue = q.config.name;
  const bool free_agent = std::any_of(q.members.begin(), q.members.end(),
                                      [this, qi](const auto& m) { return available_for(agents_[m.first], qi); });
  const std::size_t len = q.waiting.size();
  const auto& of = q.config.overflow;
  const bool full = q.config.max_length && len >= *q.config.max_length;
  if (!free_agent && (full || (of && of->length && len >= *of->length))) {
    if (of) {
      if (measured) ++q.overflowed;
      callers_[origin.id.serial] = make_caller(origin.id, qi, measured);
      overflow(origin.id.serial);
      return;
    }
    if (measured) ++q.refused;
    if (next_state(origin.state, CallInput::FarBusy)) {
      pbx_.transition(origin, CallInput::FarBusy);
      pbx_.auto_onhook(origin);
    } else {  // already ringing (it overflowed here from another queue): it hears busy
      pbx_.far_disconnect(origin, DisconnectMode::Busy);
    }
    return;
  }
  // The caller hears ringback while it waits (a queue answers nobody until an agent does).
  if (next_state(origin.state, CallInput::Alerting)) pbx_.transition(origin, CallInput::Alerting);
  Caller c = make_caller(origin.id, qi, measured);
  c.waited = !free_agent;
  if (measured && c.waited) ++q.waited;
  q.wait_probability.add(now, c.waited ? 1.0 : 0.0);
  if (q.config.patience && (pbx_.automatic(origin) || pbx_.lines_[origin.line].trunk)) {
    const Duration patience = q.config.patience->sample(q.rng);
    c.patience = pbx_.scheduler_.schedule(patience, [this, s = origin.id.serial] { give_up(s); });
  }
  if (of && of->after)
    c.overflow = pbx_.scheduler_.schedule(*of->after, [this, s = origin.id.serial] { overflow(s); });
  callers_[origin.id.serial] = c;
  q.waiting.push_back(origin.id.serial);
  length_changed(q);
  dispatch();
}

Acd::Caller Acd::make_caller(CallId call, std::size_t queue, bool measured) const {
  Caller c;
  c.call = call;
  c.queue = queue;
  c.entered = pbx_.now();
  c.measured = measured;
  return c;
}

void Acd::unqueue(Caller& c) {
  Queue& q = queues_[c.queue];
  const auto it = std::find(q.waiting.begin(), q.waiting.end(), c.call.serial);
  if (it == q.waiting.end()) return;
  q.waiting.erase(it);
  length_changed(q);
}

void Acd::schedule_dispatch() {
  if (dispatch_scheduled_ || shutting_down_) return;
  dispatch_scheduled_ = true;
  pbx_.scheduler_.schedule(Duration{0}, [this] { dispatch(); });
}

std::optional<std::size_t> Acd::pick_agent(std::size_t qi) {
  Queue& q = queues_[qi];
  std::optional<std::size_t> best;  // index into q.members
  const auto better = [&](std::size_t m) {
    if (!best) return true;
    const Agent& a = agents_[q.members[m].first];
    const Agent& b = agents_[q.members[*best].first];
    switch (q.config.policy) {
      case AcdPolicy::Skills:
        if (q.members[m].second != q.members[*best].second) return q.members[m].second < q.members[*best].second;
        return a.idle_since < b.idle_since;
      case AcdPolicy::LongestIdle: return a.idle_since < b.idle_since;
      case AcdPolicy::TopDown:
      case AcdPolicy::RoundRobin: return false;
    }
    return false;
  };
  const std::size_t n = q.members.size();
  // RoundRobin starts after the agent offered the queue's last call; the others from the top.
  const std::size_t start = q.config.policy == AcdPolicy::RoundRobin ? q.round_robin + 1 : 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t m = (start + k) % n;
    if (available_for(agents_[q.members[m].first], qi) && better(m)) best = m;
  }
  if (!best) return std::nullopt;
  q.round_robin = *best;
  return q.members[*best].first;
}

void Acd::dispatch() {
  dispatch_scheduled_ = false;
  if (shutting_down_) return;
  for (;;) {
    // The queue whose first caller has waited longest, among those with a free agent.
    std::optional<std::size_t> pick;
    for (std::size_t i = 0; i < queues_.size(); ++i) {
      const Queue& q = queues_[i];
      if (q.waiting.empty()) continue;
      if (pick && callers_.at(queues_[*pick].waiting.front()).entered <= callers_.at(q.waiting.front()).entered) continue;
      if (std::none_of(q.members.begin(), q.members.end(),
                       [this, i](const auto& m) { return available_for(agents_[m.first], i); }))
        continue;
      pick = i;
    }
    if (!pick) return;
    const auto agent = pick_agent(*pick);
    offer(queues_[*pick].waiting.front(), *agent);
  }
}

void Acd::offer(std::uint32_t serial, std::size_t agent) {
  Caller& c = callers_.at(serial);
  Call* origin = pbx_.get(c.call);
  unqueue(c);
  if (!origin) {
    callers_.erase(serial);
    return;
  }
  Agent& a = agents_[agent];
  const Queue& q = queues_[c.queue];
  Line& line = pbx_.lines_[a.line];
  Call& leg = pbx_.create_call(a.line, Direction::Incoming, CallReason::Direct);
  origin = pbx_.get(c.call);  // create_call may have grown the call table
  leg.from = origin->from;
  leg.to = line.number;
  leg.original_to = q.config.number;
  leg.queue = q.config.name;
  Pbx::present_params(*origin, leg);
  pbx_.link(leg, *origin);
  c.phase = Caller::Phase::Ringing;
  c.agent = agent;
  a.leg = leg.id;
  a.caller = serial;
  set_state(a, AgentState::BusyAcd);
  pbx_.transition(leg, CallInput::Offer);
  if (Call* o = pbx_.get(c.call); o && next_state(o->state, CallInput::Alerting)) pbx_.transition(*o, CallInput::Alerting);
  a.rna_timer = pbx_.scheduler_.schedule(q.config.ring_no_answer, [this, agent] { ring_no_answer(agent); });
  if (Call* l = pbx_.get(a.leg)) pbx_.station_offered(*l);
}

void Acd::on_answered(Call& call) {
  const auto agent = agent_on(call.line);
  if (!agent || agents_[*agent].leg != call.id) return;
  Agent& a = agents_[*agent];
  pbx_.scheduler_.cancel(a.rna_timer);
  const auto it = callers_.find(a.caller);
  if (it == callers_.end()) return;
  Caller& c = it->second;
  pbx_.scheduler_.cancel(c.patience);
  pbx_.scheduler_.cancel(c.overflow);
  c.phase = Caller::Phase::Talking;
  const SimTime now = pbx_.now();
  const Duration wait = now - c.entered;
  call.agent = a.id;
  if (Call* origin = pbx_.get(c.call)) {
    origin->agent = a.id;
    origin->queue_wait = wait;
  }
  if (in_window(now)) ++a.calls;
  Queue& q = queues_[c.queue];
  ++q.total_answered;
  q.wait_sum += wait;
  q.longest_ever = std::max(q.longest_ever, wait);
  notify_queue(c.queue);
  if (!c.measured) return;
  ++q.answered;
  q.waits.add(wait);
  q.longest_wait = std::max(q.longest_wait, wait);
  q.mean_wait.add(c.entered, to_seconds(wait));
  q.abandon_probability.add(c.entered, 0.0);
  for (std::size_t i = 0; i < q.service_level.size(); ++i)
    q.service_level[i].add(c.entered, wait <= q.config.service_levels[i] ? 1.0 : 0.0);
}

void Acd::on_idle(Call& call) {
  if (const auto it = callers_.find(call.id.serial); it != callers_.end() && it->second.call == call.id)
    caller_gone(call.id.serial, call);
  const auto agent = agent_on(call.line);
  if (!agent) return;
  Agent& a = agents_[*agent];
  if (a.leg == call.id) agent_call_ended(*agent, call.answered.has_value());
  else if (a.state == AgentState::Ready) schedule_dispatch();  // its extension may be free again
}

void Acd::caller_gone(std::uint32_t serial, Call& call) {
  Caller c = callers_.at(serial);
  callers_.erase(serial);
  pbx_.scheduler_.cancel(c.patience);
  pbx_.scheduler_.cancel(c.overflow);
  if (c.phase == Caller::Phase::Queued) unqueue(c);
  if (shutting_down_) return;  // the end of the run cleared it: neither answered nor abandoned
  Queue& q = queues_[c.queue];
  const SimTime now = pbx_.now();
  if (c.phase == Caller::Phase::Talking) {
    if (c.measured && call.answered) {
      q.talk_s += to_seconds(now - *call.answered);
      ++q.talks;
    }
    return;
  }
  const Duration wait = now - c.entered;
  call.queue_wait = wait;
  ++q.total_abandoned;
  q.longest_ever = std::max(q.longest_ever, wait);
  if (!c.measured) return;
  ++q.abandoned;
  q.longest_wait = std::max(q.longest_wait, wait);
  q.abandon_probability.add(c.entered, 1.0);
  for (BatchMeans& sl : q.service_level) sl.add(c.entered, 0.0);
}

void Acd::agent_call_ended(std::size_t agent, bool answered) {
  Agent& a = agents_[agent];
  pbx_.scheduler_.cancel(a.rna_timer);
  a.leg = {};
  a.caller = 0;
  if (shutting_down_) return;
  if (!answered) {  // the caller hung up while it rang: no wrap-up, and free again at once
    const AgentState next = a.next.value_or(AgentState::Ready);
    a.next.reset();
    set_state(a, next);
    return;
  }
  const Duration wrap = a.behavior.wrap_up.sample(a.rng);
  if (wrap <= Duration{0}) {
    after_call(agent);
    return;
  }
  set_state(a, AgentState::WorkingAfterCall);
  a.wrap_timer = pbx_.scheduler_.schedule(wrap, [this, agent] {
    agents_[agent].wrap_timer = {};
    after_call(agent);
  });
}

void Acd::after_call(std::size_t agent) {
  Agent& a = agents_[agent];
  if (a.next) {
    const AgentState s = *a.next;
    a.next.reset();
    set_state(a, s);
    return;
  }
  if (a.state != AgentState::BusyAcd && a.state != AgentState::WorkingAfterCall) return;
  if (a.behavior.not_ready > 0 && unit_uniform(a.rng) < a.behavior.not_ready) {
    not_ready_for(agent, a.behavior.not_ready_for.sample(a.rng));
    return;
  }
  set_state(a, AgentState::Ready);
}

void Acd::not_ready_for(std::size_t agent, Duration d) {
  set_state(agents_[agent], AgentState::NotReady);
  agents_[agent].not_ready_timer = pbx_.scheduler_.schedule(d, [this, agent] {
    agents_[agent].not_ready_timer = {};
    if (agents_[agent].state == AgentState::NotReady) set_state(agents_[agent], AgentState::Ready);
  });
}

void Acd::ring_no_answer(std::size_t agent) {
  Agent& a = agents_[agent];
  a.rna_timer = {};
  Call* leg = pbx_.get(a.leg);
  if (!leg || !is_alerting(leg->state)) return;
  const std::uint32_t serial = a.caller;
  a.leg = {};
  a.caller = 0;
  if (a.behavior.rna_recover) not_ready_for(agent, a.behavior.rna_recover->sample(a.rng));
  else set_state(a, AgentState::NotReady);
  // The call goes back to the head of its queue; the agent's phone stops ringing.
  Caller& c = callers_.at(serial);
  c.phase = Caller::Phase::Queued;
  c.agent.reset();
  Queue& q = queues_[c.queue];
  q.waiting.push_front(serial);
  length_changed(q);
  pbx_.unlink(*leg);
  pbx_.far_disconnect(*leg, DisconnectMode::NoAnswer);
  schedule_dispatch();
}

void Acd::give_up(std::uint32_t serial) {
  const auto it = callers_.find(serial);
  if (it == callers_.end()) return;
  it->second.patience = {};
  if (it->second.phase == Caller::Phase::Talking) return;
  pbx_.drop(it->second.call);
}

void Acd::overflow(std::uint32_t serial) {
  const auto it = callers_.find(serial);
  if (it == callers_.end()) return;
  Caller c = it->second;
  if (c.phase != Caller::Phase::Queued) return;  // ringing at an agent: it stays
  pbx_.scheduler_.cancel(c.patience);
  pbx_.scheduler_.cancel(c.overflow);
  unqueue(c);
  callers_.erase(it);
  Queue& q = queues_[c.queue];
  Call* origin = pbx_.get(c.call);
  if (!origin) return;
  // A caller sent on at once by the length rule was counted where it was decided.
  if (c.measured && pbx_.now() > c.entered) ++q.overflowed;
  ++q.flowed_out;
  if (q.overflow_queue) {
    enqueue(*origin, *q.overflow_queue, /*flowed_in=*/true);
    return;
  }
  origin->queue_wait = pbx_.now() - c.entered;
  pbx_.offer_to(*origin, q.config.overflow->to, CallReason::Redirect, 1, std::nullopt, q.config.number);
}

void Acd::on_shutdown() {
  shutting_down_ = true;
  for (Agent& a : agents_) {
    pbx_.scheduler_.cancel(a.rna_timer);
    pbx_.scheduler_.cancel(a.wrap_timer);
    pbx_.scheduler_.cancel(a.not_ready_timer);
  }
  for (auto& [serial, c] : callers_) {
    pbx_.scheduler_.cancel(c.patience);
    pbx_.scheduler_.cancel(c.overflow);
  }
}

std::vector<QueueSummary> Acd::queue_summaries() const {
  std::vector<QueueSummary> out;
  const SimTime now = pbx_.now();
  for (const Queue& q : queues_) {
    QueueSummary s;
    s.name = q.config.name;
    s.number = q.config.number;
    s.offered = q.offered;
    s.answered = q.answered;
    s.abandoned = q.abandoned;
    s.overflowed = q.overflowed;
    s.refused = q.refused;
    s.waited = q.waited;
    const auto figure = [](const BatchMeans& m, bool proportion) {
      QueueSummary::Figure f;
      f.value = m.mean();
      BatchMeans::Interval i = m.interval(proportion, "calls");
      f.ci95 = i.ci;
      f.reason = std::move(i.reason);
      return f;
    };
    s.wait_probability = figure(q.wait_probability, true);
    s.abandon_probability = figure(q.abandon_probability, true);
    s.mean_wait_s = figure(q.mean_wait, false);
    s.waits = q.waits;
    s.longest_wait = q.longest_wait;
    s.mean_talk_s = q.talks ? q.talk_s / static_cast<double>(q.talks) : 0.0;
    for (std::size_t i = 0; i < q.service_level.size(); ++i)
      s.service_level.emplace_back(q.config.service_levels[i], figure(q.service_level[i], true));
    const std::uint32_t len = q.series.empty() ? 0 : q.series.back().second;
    const double area = q.length_area + len * to_seconds(window_time(q.length_changed, now));
    const double window = to_seconds(window_time(pbx_.config_.measure_from, now));
    s.mean_length = window > 0 ? area / window : 0.0;
    s.peak_length = q.peak_length;
    s.length_series = q.series;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<AgentSummary> Acd::agent_summaries() const {
  std::vector<AgentSummary> out;
  const SimTime now = pbx_.now();
  for (const Agent& a : agents_) {
    AgentSummary s;
    s.id = a.id;
    s.line = pbx_.lines_[a.line].number;
    s.calls = a.calls;
    std::vector<Duration> time = a.time_in;
    time[state_index(a.state)] += window_time(a.state_since, now);
    Duration busy_time{0};
    for (std::size_t i = 0; i < kStates; ++i) {
      const auto st = static_cast<AgentState>(1u << i);
      s.time_in.emplace_back(st, time[i]);
      if (busy(st)) busy_time += time[i];
    }
    const Duration staffed = busy_time + time[state_index(AgentState::Ready)];
    s.occupancy = staffed > Duration{0} ? to_seconds(busy_time) / to_seconds(staffed) : 0.0;
    s.timeline = a.timeline;
    s.timeline_cut = a.timeline_cut;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace telsim
