#include "telsim/models/pbx.hpp"

#include "acd/acd.hpp"
#include "completion/call_completion.hpp"
#include "media/media.hpp"

#include <algorithm>
#include <bit>
#include <functional>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

namespace telsim {

std::string describe(const Behavior& b) {
  switch (b.kind) {
    case Behavior::Kind::Manual: return "manual";
    case Behavior::Kind::Busy: return "busy";
    case Behavior::Kind::NoAnswer: return "no_answer";
    case Behavior::Kind::Reject: return "reject";
    case Behavior::Kind::Auto: {
      std::string out;
      if (b.answer_after) out += "answer_after " + to_string(*b.answer_after);
      if (b.hangup_after) {
        if (!out.empty()) out += ", ";
        out += "hangup_after " + to_string(*b.hangup_after);
      }
      return out;
    }
  }
  return "?";
}

Pbx::Pbx(Scheduler& scheduler, PbxConfig config)
    : scheduler_(scheduler), config_(std::move(config)), park_(config_.park_lots) {
  completion_ = std::make_unique<CallCompletion>(*this);
  features_.push_back(completion_.get());
  media_ = std::make_unique<Media>(*this);
  features_.push_back(media_.get());
  for (const OpInfo& op : operations())
    if (!config_.profile.supports(op.op)) offered_features_ &= ~op.feature;
  lines_.reserve(config_.lines.size());
  number_index_.assign(std::bit_ceil(std::max<std::size_t>(8, 2 * config_.lines.size())), kNoLine);
  for (LineConfig& lc : config_.lines) {
    const auto id = static_cast<LineId>(lines_.size());
    LineId& slot = number_index_[number_slot(lc.number)];
    if (slot != kNoLine) throw std::invalid_argument("duplicate extension number " + lc.number);
    slot = id;
    dial_plan_.add(lc.number);
    lines_.push_back(Line{id, std::move(lc.number), std::move(lc.name), std::move(lc.behavior), {}, {},
                          std::move(lc.forwarding), {}, lc.call_waiting, 0, {}});
  }
  // The lines now hold what their configuration said: nothing reads it again (a million
  // extensions' configuration is some 200 MiB).
  std::vector<LineConfig>().swap(config_.lines);
  extension_count_ = lines_.size();
  for (std::size_t t = 0; t < config_.trunks.size(); ++t) {
    const TrunkConfig& tc = config_.trunks[t];
    TrunkState ts;
    ts.stats = TrunkStats(config_.measure_from, config_.measure_until);
    ts.rng = random_stream(config_.seed, "trunk:" + tc.name);
    for (std::uint32_t c = 0; c < tc.channels; ++c) {
      const auto id = static_cast<LineId>(lines_.size());
      Behavior automatic_channel;
      automatic_channel.kind = Behavior::Kind::Auto;
      automatic_channel.media = tc.far_end.media;  // what the PSTN party sends (media.hpp)
      automatic_channel.greeting = tc.far_end.greeting;
      automatic_channel.send_digits = tc.far_end.send_digits;
      lines_.push_back(Line{id, fmt::format("{}/{}", tc.name, c + 1), tc.name, automatic_channel,
                            {}, {}, {}, {}, false, 0, t});
      ts.channels.push_back(id);
    }
    if (tc.direction != TrunkConfig::Direction::In && !tc.access_code.empty())
      dial_plan_.add_prefix(tc.access_code, tc.number_length);
    trunks_.push_back(std::move(ts));
  }
  acd_ = std::make_unique<Acd>(*this, config_.acd);
  if (!config_.acd.queues.empty() || !config_.acd.agents.empty()) features_.push_back(acd_.get());
  for (std::size_t g = 0; g < config_.pickup_groups.size(); ++g) {
    for (const std::string& member : config_.pickup_groups[g].members) {
      const auto line = find_line(member);
      if (!line) throw std::invalid_argument("pickup group member " + member + " is not an extension");
      lines_[*line].groups.push_back(g);
    }
  }
}

void Pbx::add_observer(PbxObserver* observer) { observers_.push_back(observer); }

std::size_t Pbx::number_slot(std::string_view number) const {
  const std::size_t mask = number_index_.size() - 1;
  for (std::size_t i = std::hash<std::string_view>{}(number) & mask;; i = (i + 1) & mask) {
    const LineId id = number_index_[i];
    if (id == kNoLine || lines_[id].number == number) return i;
  }
}

std::optional<LineId> Pbx::find_line(std::string_view number) const {
  const LineId id = number_index_[number_slot(number)];
  if (id == kNoLine) return std::nullopt;
  return id;
}

const Call* Pbx::find_call(CallId id) const { return get_const(id); }

const Call* Pbx::get_const(CallId id) const {
  if (!id || id.slot >= calls_.size()) return nullptr;
  const Call& c = calls_[id.slot];
  return c.live && c.id.serial == id.serial ? &c : nullptr;
}

Call* Pbx::get(CallId id) {
  if (!id || id.slot >= calls_.size()) return nullptr;
  Call& c = calls_[id.slot];
  return c.live && c.id.serial == id.serial ? &c : nullptr;
}

std::uint32_t Pbx::call_features(CallId id) const {
  const Call* call = find_call(id);
  if (!call) return 0;
  std::uint32_t f = allowed_features(call->state) & offered_features_;
  const Line& line = lines_[call->line];
  const bool busy_line = engaged(line);
  if (busy_line && config_.profile.answer_mode == AnswerMode::None) f &= ~feature::kAnswer;
  if (call->state == CallState::Accepted && !config_.profile.redirect_from_accepted) f &= ~feature::kRedirect;
  const bool pending = is_pending(call->state);
  if (busy_line && !(pending && get_const(call->consult))) f &= ~feature::kUnhold;
  if (call->is_conference) {
    f &= feature::kDrop | feature::kHold | feature::kUnhold | feature::kPrepareAddConf |
         feature::kAddToConf | feature::kSwapHold;
    if (get_const(call->consult)) f &= ~feature::kPrepareAddConf;  // one consultation at a time
    if (call->members.size() >= config_.profile.conference_max) f &= ~(feature::kPrepareAddConf | feature::kAddToConf);
  } else {
    f &= ~(feature::kPrepareAddConf | feature::kAddToConf);
  }
  if (get_const(call->consult) || get_const(call->consult_of))
    f &= ~(feature::kSetupTransfer | feature::kSetupConf | feature::kBlindTransfer | feature::kPark);
  {
    // COMPLETETRANSF / ADDTOCONF only once the consultation call can complete.
    const Call* consult = get_const(call->consult);
    const Call* original = get_const(call->consult_of);
    const Call* active = consult ? consult : call;
    const bool can_transfer = (consult || original) && !is_held(active->state) &&
                              (next_state(active->state, CallInput::TransferredAway) ||
                               next_state(active->state, CallInput::JoinConference));
    if (!can_transfer && !transfer_partner(*call)) f &= ~feature::kCompleteTransf;
    const bool consult_joins = consult && next_state(consult->state, CallInput::JoinConference) &&
                               (consult->state != CallState::OnHold || config_.profile.conference_held);
    if (call->is_conference && !consult_joins && !conference_candidate(*call))
      f &= ~feature::kAddToConf;
  }
  if (!removable_from_conference(*call)) f &= ~feature::kRemoveFromConf;
  // Moving a call elsewhere needs a far party to move (an intruder has none of its own).
  if (!call->is_conference && !get_const(call->peer))
    f &= ~(feature::kPark | feature::kBlindTransfer | feature::kSetupTransfer | feature::kSetupConf);
  if (call->direction != Direction::Outgoing || call->camped) f &= ~feature::kCompleteCall;
  // The intruded line's view of an intrusion: it can only throw the intruder out.
  if (shows_intrusion(*call)) f &= feature::kDrop;
  // SWAPHOLD needs a held call to swap with.
  if (f & feature::kSwapHold) {
    bool held = false;
    for (CallId other : line.calls) {
      const Call* o = get_const(other);
      if (o && o != call &&
          is_held(o->state))
        held = true;
    }
    if (!held) f &= ~feature::kSwapHold;
  }
  return f;
}

namespace {
// A call with no consultation relation and no conference: one that TRANSFERMAKE/CONFERENCEMAKE
// let the switch transfer to or add to a conference.
bool unattached(const Pbx& pbx, const Call& c) {
  return !c.is_conference && !Pbx::shows_intrusion(c) && !pbx.find_call(c.intruding_on) && !pbx.find_call(c.consult) && !pbx.find_call(c.consult_of) &&
         !pbx.find_call(c.conference);
}
}  // namespace

bool Pbx::transfer_partner(const Call& held) const {
  // TRANSFERHELD / TRANSFERMAKE: a held call (hard hold, or pending with its consultation gone)
  // and another call of the line that can take the transfer.
  const SwitchProfile& p = config_.profile;
  if (!p.transfer_make || !unattached(*this, held)) return false;
  if (held.state == CallState::OnHold ? !p.transfer_held : held.state != CallState::OnHoldPendTransfer)
    return false;
  for (CallId other : lines_[held.line].calls) {
    const Call* o = get_const(other);
    if (o && o != &held && unattached(*this, *o) && !is_held(o->state) &&
        next_state(o->state, CallInput::TransferredAway))
      return true;
  }
  return false;
}

bool Pbx::conference_candidate(const Call& conf) const {
  // CONFERENCEMAKE / CONFERENCEHELD: another call of the line lineAddToConference can add.
  const SwitchProfile& p = config_.profile;
  if (!p.conference_make) return false;
  for (CallId other : lines_[conf.line].calls) {
    const Call* o = get_const(other);
    if (!o || o == &conf || o->is_conference || find_call(o->conference) || find_call(o->consult)) continue;
    if (o->state == CallState::OnHold && !p.conference_held) continue;
    if (next_state(o->state, CallInput::JoinConference)) return true;
  }
  return false;
}

bool Pbx::idle(LineId line) const {
  for (CallId id : lines_.at(line).calls) {
    const Call* c = find_call(id);
    if (c && c->state != CallState::Idle) return false;
  }
  return true;
}

std::vector<CallId> Pbx::active_calls(LineId line) const {
  std::vector<CallId> out;
  for (CallId id : lines_.at(line).calls) {
    const Call* c = find_call(id);
    if (c && c->state != CallState::Idle) out.push_back(id);
  }
  return out;
}

Call& Pbx::create_call(LineId line, Direction dir, CallReason reason) {
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    // A fresh handle in the old one's place, keeping its history's buffer (one allocation less
    // per call).
    Call& old = calls_[slot];
    std::vector<StateStamp> history = std::move(old.history);
    std::destroy_at(&old);
    std::construct_at(&old);  // in place: no temporary handle moved in member by member
    history.clear();
    old.history = std::move(history);
  } else {
    slot = static_cast<std::uint32_t>(calls_.size());
    calls_.emplace_back();
  }
  Call& c = calls_[slot];
  c.id = CallId{slot, next_serial_++};
  c.line = line;
  c.direction = dir;
  c.reason = reason;
  c.created = now();
  c.live = true;
  if (lines_[line].trunk) c.kind = CallKind::Trunk;
  else if (bridge_line_ && line == *bridge_line_) c.kind = CallKind::Bridge;
  c.history.reserve(8);
  lines_[line].calls.push_back(c.id);
  if (lines_[line].trunk) channel_change(line, +1);
  ++stats_.calls_created;
  ++stats_.live_calls;
  return c;
}

void Pbx::transition(Call& call, CallInput input, DisconnectMode mode) {
  const auto next = next_state(call.state, input);
  if (!next) {
    // Operations are validated before they get here; an illegal network event is a model bug.
    throw std::logic_error(fmt::format("{}: illegal {} in state {}", to_string(call.id),
                                       to_string(input), to_string(call.state)));
  }
  const CallState from = call.state;
  if (*next == from) return;  // DIALING -> DIALING (more digits), IDLE deallocate
  call.state = *next;
  if (*next == CallState::Disconnected || input == CallInput::DropIdle)
    call.mode = mode == DisconnectMode::None ? DisconnectMode::Normal : mode;
  ++stats_.transitions;
  const CallStateEvent event{now(), call.id, call.line, from, *next, call.mode, call.reason};
  for (PbxObserver* o : observers_) o->on_switch_state(event);
  const Duration late = config_.profile.connected_delay;
  if (input == CallInput::FarAnswer && late > Duration::zero() && !call.pending_shown) {
    // The caller hears of the answer late; whatever happens to the call first reports it.
    hold_report(call, CallState::Connected, late);
  } else {
    report_state(call);
  }
  if (*next == CallState::Disconnected || input == CallInput::DropIdle)
    for (PbxFeature* f : features_) f->on_disconnected(call);
  if (*next == CallState::Idle) on_idle(call);
  if (call.auto_transfer_states & static_cast<std::uint32_t>(*next)) {
    // LINECALLPARAMS dwPredictiveAutoTransferStates: once, after this change has been told.
    call.auto_transfer_states = 0;
    scheduler_.schedule(Duration::zero(), [this, id = call.id] { auto_transfer(id); });
  }
}

std::optional<CallState> Pbx::shown_as(const Call& call, CallState state) const {
  const SwitchProfile& p = config_.profile;
  if (p.ringback_before_proceeding) {
    if (state == CallState::Proceeding) state = CallState::RingBack;
    else if (state == CallState::RingBack) state = CallState::Proceeding;
  }
  if (!(p.skip_states & static_cast<std::uint32_t>(state))) return state;
  // A call's first state is always told: a call made in a skipped DIALTONE shows as DIALING.
  if (call.shown == CallState::Idle && call.history.empty())
    return state == CallState::DialTone ? CallState::Dialing : state;
  return std::nullopt;
}

void Pbx::emit_shown(Call& call, CallState state, bool twice) {
  // A disconnect mode belongs to DISCONNECTED and what follows it, not to a state told late.
  const bool ended = state == CallState::Disconnected || state == CallState::Idle;
  const SimTime at = now();
  const CallStateEvent event{at, call.id, call.line, call.shown, state,
                             ended ? call.mode : DisconnectMode::None, call.reason};
  call.shown = state;
  call.history.push_back(StateStamp{state, at});
  for (PbxObserver* o : observers_) o->on_call_state(event);
  if (twice)
    for (PbxObserver* o : observers_) o->on_call_state(event);
  media_->state_reported(call);
}

void Pbx::hold_report(Call& call, CallState state, Duration delay) {
  call.pending_shown = state;
  call.report_timer = scheduler_.schedule(delay, [this, id = call.id] {
    if (Call* c = get(id)) {
      c->report_timer = {};
      flush_report(*c);
    }
  });
}

void Pbx::flush_report(Call& call) {
  if (!call.pending_shown) return;
  scheduler_.cancel(call.report_timer);
  call.report_timer = {};
  const CallState state = *call.pending_shown;
  call.pending_shown.reset();
  if (state != call.shown) emit_shown(call, state, false);
}

void Pbx::report_state(Call& call) {
  flush_report(call);  // a state held back (connected_delay, a fault) happened before this one
  const std::optional<CallState> shown = shown_as(call, call.state);
  if (!shown || *shown == call.shown) return;
  const ReportFault fault = report_filter_ ? report_filter_(call, *shown) : ReportFault{};
  if (fault.delay > Duration::zero()) return hold_report(call, *shown, fault.delay);
  emit_shown(call, *shown, fault.duplicate);
}

Duration Pbx::next_reply_delay() {
  const DurationDist& d = config_.profile.reply_delay;
  if (d == DurationDist()) return Duration::zero();
  if (!reply_rng_) reply_rng_ = random_stream(config_.seed, "reply_delay");
  return std::max(Duration::zero(), d.sample(*reply_rng_));
}

Pbx::~Pbx() = default;

OpResult Pbx::complete_call(CallId call, CompletionMode mode, std::string_view owner) {
  return completion_->complete_call(call, mode, owner);
}
OpResult Pbx::uncomplete_call(LineId line, std::uint32_t completion) {
  return completion_->uncomplete_call(line, completion);
}
const std::vector<Pbx::Completion>& Pbx::completions() const { return completion_->pending(); }

std::vector<QueueSummary> Pbx::queue_summaries() const { return acd_->queue_summaries(); }
std::vector<AgentSummary> Pbx::agent_summaries() const { return acd_->agent_summaries(); }

std::optional<AgentStatus> Pbx::agent_status(std::string_view number) const {
  const auto line = find_line(number);
  const auto agent = line ? acd_->agent_on(*line) : std::nullopt;
  if (!agent) return std::nullopt;
  return acd_->status(*agent);
}

std::vector<QueueInfo> Pbx::queue_infos() const { return acd_->queue_infos(); }

OpResult Pbx::reply(Op op, LineErr error, CallId call, std::string address, CallId consult,
                    std::uint32_t completion) {
  const OpResult r{next_request_++, op, error, call, std::move(address), consult, completion, {}};
  for (PbxObserver* o : observers_) o->on_reply(r);
  return r;
}

OpResult Pbx::refuse(Op op, LineErr error, CallId call, std::string detail) {
  const OpResult r{next_request_++, op, error, call, {}, {}, 0, std::move(detail)};
  for (PbxObserver* o : observers_) o->on_reply(r);
  return r;
}

namespace {
std::string state_list(const std::vector<CallState>& states) {
  std::string out;
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (i > 0) out += i + 1 == states.size() ? " or " : ", ";
    out += to_string(states[i]);
  }
  return out;
}
}  // namespace

std::string Pbx::state_rule(const Call& call, CallInput input, std::string_view what) const {
  std::vector<CallState> allowed, not_allowed;
  for (int i = 0; i < kCallStateCount; ++i) {
    const CallState s = call_state_at(i);
    (next_state(s, input) ? allowed : not_allowed).push_back(s);
  }
  std::string rule = allowed.size() <= not_allowed.size()
                         ? fmt::format("{} needs {}", what, state_list(allowed))
                         : fmt::format("{} needs any state but {}", what, state_list(not_allowed));
  if (allowed.empty()) rule = fmt::format("{} is possible in no state", what);
  return fmt::format("{} is {}; {}", to_string(call.id), to_string(call.state), rule);
}

std::string Pbx::no_call(CallId id) {
  return id ? fmt::format("no call {} (never existed, or deallocated)", to_string(id)) : "no call handle given";
}

std::string Pbx::engaged_reason(const Line& line) const {
  const Call* c = engaging_call(line);
  if (!c) return fmt::format("{} is not in use", line.number);
  return fmt::format("{} has {} {}", line.number, to_string(c->id), to_string(c->state));
}

std::string Pbx::appearances_reason(const Line& line, std::size_t needed) const {
  return fmt::format("{} has {} call{}, max_calls_per_line {}{}", line.number, line.calls.size(),
                     line.calls.size() == 1 ? "" : "s", config_.profile.max_calls_per_line,
                     needed > 1 ? fmt::format(" (this needs {} more)", needed) : "");
}

const Call* Pbx::engaging_call(const Line& line) const {
  for (CallId id : line.calls) {
    const Call* c = find_call(id);
    if (!c) continue;
    switch (c->state) {
      case CallState::Idle:
      case CallState::Offering:
      case CallState::Accepted:
      case CallState::OnHold:
      case CallState::OnHoldPendConf:
      case CallState::OnHoldPendTransfer:
      case CallState::Conferenced:  // the conference call says whether the line is in use
        break;
      case CallState::DialTone:
      case CallState::Dialing:
      case CallState::RingBack:
      case CallState::Busy:
      case CallState::SpecialInfo:
      case CallState::Connected:
      case CallState::Proceeding:
      case CallState::Disconnected:
      case CallState::Unknown:
        return c;
    }
  }
  return nullptr;
}

bool Pbx::busy_for_incoming(const Line& line) const {
  if (line.behavior.kind == Behavior::Kind::Busy) return true;
  bool in_use = false;
  for (CallId id : line.calls) {
    const Call* c = find_call(id);
    if (!c || c->state == CallState::Idle) continue;
    in_use = true;
    // Call waiting offers one more call to a line in a call, unless a call there is secure,
    // is already waiting, or is not simply talking or holding.
    const Call* far = get_const(c->peer);
    if (!line.call_waiting || c->secure || (far && far->secure)) return true;
    switch (c->state) {
      case CallState::Connected:
      case CallState::OnHold:
      case CallState::OnHoldPendTransfer:
      case CallState::OnHoldPendConf:
      case CallState::Conferenced:
        break;
      default:
        return true;
    }
  }
  return in_use && !line.call_waiting;
}

// --- operations -----------------------------------------------------------------------

std::optional<std::string> Pbx::dialable(std::string_view number) const {
  if (!number.empty() && number.front() == '+') return telsim::translate_address(number, config_.location);
  return std::string(number);
}

std::variant<OpResult, DialableAddress> Pbx::dial_string(Op op, CallId id, std::string_view text) {
  const SwitchProfile& p = config_.profile;
  // Plain digits (what traffic and most applications dial) parse as themselves: no translation,
  // no modifier to refuse.
  if (!text.empty() && std::all_of(text.begin(), text.end(), is_dial_digit))
    return std::variant<OpResult, DialableAddress>(std::in_place_type<DialableAddress>, std::string(text));
  // A canonical number goes through the scenario's dialing rules first; what they give is a
  // dialable string like any other (an outside-line prefix and a pause, say).
  const std::optional<std::string> translated = dialable(text);
  if (!translated)
    return refuse(op, LineErr::InvalAddress, id, fmt::format("'{}' cannot be translated with the scenario's location", text));
  text = *translated;
  std::string why;
  auto parsed = parse_dialable(text, why);
  if (!parsed) return refuse(op, LineErr::InvalAddress, id, fmt::format("'{}': {}", text, why));
  if (!parsed->more.empty())
    return refuse(op, LineErr::InvalAddress, id,
                  fmt::format("'{}' holds {} addresses: this switch places no multipoint calls", text,
                              parsed->more.size() + 1));
  if (parsed->partial && !p.partial_dial)
    return refuse(op, LineErr::InvalAddress, id, "this switch does not take partial numbers (';')");
  // The first modifier the switch cannot honour names the refusal (TAPI: the application then
  // dials up to it with ';' and the rest by lineDial).
  for (char c : parsed->number) {
    if (c == '?')
      return refuse(op, LineErr::DialPrompt, id, "'?' asks for the user to be prompted: dial up to it with ';', the rest with dial");
    if (c == 'W' && !p.dial_dialtone)
      return refuse(op, LineErr::DialDialTone, id, "this switch cannot wait for dial tone ('W')");
    if (c == '@' && !p.dial_quiet)
      return refuse(op, LineErr::DialQuiet, id, "this switch cannot wait for a quiet answer ('@')");
    if (c == '$' && !p.dial_billing)
      return refuse(op, LineErr::DialBilling, id, "this switch cannot wait for the billing tone ('$')");
  }
  return *parsed;
}

OpResult Pbx::make_call(LineId line_id, std::string_view requested, std::string_view owner,
                        const CallParams& params) {
  if (line_id >= lines_.size())
    return refuse(Op::MakeCall, LineErr::BadDeviceId, {}, fmt::format("no line #{}", line_id));
  auto checked = dial_string(Op::MakeCall, {}, requested);
  if (auto* refused = std::get_if<OpResult>(&checked)) return *refused;
  const DialableAddress& address = std::get<DialableAddress>(checked);
  if (auto refused = refuse_params(Op::MakeCall, line_id, {}, params)) return *refused;
  const Line& line = lines_[line_id];
  if (engaged(line)) return refuse(Op::MakeCall, config_.profile.error(Refusal::LineInUse), {}, engaged_reason(line));
  if (line.calls.size() >= config_.profile.max_calls_per_line)
    return refuse(Op::MakeCall, config_.profile.error(Refusal::NoCallAppearance), {}, appearances_reason(line));

  Call& call = create_call(line_id, Direction::Outgoing, CallReason::Direct);
  call.from = line.number;
  if (!owner.empty()) call.owner = owner;
  apply_params(call, params);
  const OpResult result = reply(Op::MakeCall, LineErr::Success, call.id);
  transition(call, CallInput::Seize);
  begin_dialing(call, address);
  return result;
}

void Pbx::begin_dialing(Call& call, const DialableAddress& address) {
  call.partial = address.partial;
  if (!address.subaddress.empty()) call.subaddress = address.subaddress;
  if (!address.name.empty()) call.called_name = address.name;
  if (address.number.empty()) return;  // dial tone until dial()
  call.pending = address.number;
  call.awaiting_dialtone = true;
  call.progress_timer = scheduler_.schedule(config_.profile.timing.dialtone_delay, [this, id = call.id] {
    Call* c = get(id);
    if (!c) return;
    c->progress_timer = {};
    c->awaiting_dialtone = false;
    continue_dialing(*c);
  });
}

OpResult Pbx::dial(CallId id, std::string_view requested) {
  Call* call = get(id);
  if (!call) return refuse(Op::Dial, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::Dial))
    return refuse(Op::Dial, LineErr::InvalCallState, id, state_rule(*call, CallInput::Dial, Op::Dial));
  if (call->is_conference)
    return refuse(Op::Dial, LineErr::InvalCallState, id,
                  fmt::format("{} is a conference call: digits go from a party's own call", to_string(id)));
  auto checked = dial_string(Op::Dial, id, requested);
  if (auto* refused = std::get_if<OpResult>(&checked)) return *refused;
  const DialableAddress& address = std::get<DialableAddress>(checked);
  const bool finishing = call->partial && address.number.empty() && !address.partial;
  if (address.number.empty() && !finishing && call->state == CallState::DialTone && !call->partial)
    return refuse(Op::Dial, LineErr::InvalAddress, id, "no digits to dial");
  const OpResult result = reply(Op::Dial, LineErr::Success, id);
  call->partial = address.partial;
  if (!address.subaddress.empty()) call->subaddress = address.subaddress;
  if (!address.name.empty()) call->called_name = address.name;
  call->pending += address.number;
  if (call->awaiting_dialtone || call->dial_active) return result;
  if (!call->pending.empty()) {
    continue_dialing(*call);
  } else if (finishing && call->state == CallState::Dialing) {
    // `dial ""` after a partial number: the number is complete as it stands.
    scheduler_.cancel(call->progress_timer);
    const DialPlan::Match match = dial_plan_.classify(call->to);
    if (match == DialPlan::Match::Incomplete || match == DialPlan::Match::Invalid)
      vacant_number(*call);
    else
      number_complete(*call);
  }
  return result;
}

namespace {

/// How long one digit takes to dial: DTMF `tone`, or 10 pulses a second and 700 ms between
/// digits when pulse dialling (digits other than 0-9 go as tones).
Duration digit_duration(char d, bool pulse, Duration tone) {
  if (!pulse || d < '0' || d > '9') return tone;
  const int pulses = d == '0' ? 10 : d - '0';
  return std::chrono::milliseconds(100 * pulses + 700);
}

}  // namespace

void Pbx::continue_dialing(Call& call) {
  while (!call.pending.empty()) {
    const char c = call.pending.front();
    if (is_dial_digit(c)) {
      // A run of digits goes out in one step.
      std::size_t n = 0;
      Duration takes{0};
      while (n < call.pending.size() && is_dial_digit(call.pending[n]))
        takes += digit_duration(call.pending[n++], call.pulse, config_.profile.timing.digit_time);
      if (call.state == CallState::DialTone) transition(call, CallInput::Dial);
      if (call.state == CallState::Dialing) scheduler_.cancel(call.progress_timer);  // new digits end an inter-digit wait
      call.outpulsing = call.pending.substr(0, n);
      call.pending.erase(0, n);
      // The number is complete: these digits go through the call in-band, as they are outpulsed.
      if (call.state != CallState::Dialing) media_->dialled(call, call.outpulsing, call.pulse);
      call.dial_active = true;
      call.dial_timer = scheduler_.schedule(takes, [this, id = call.id] { digits_outpulsed(id); });
      return;
    }
    call.pending.erase(0, 1);
    Duration wait{-1};
    switch (c) {
      case 'P': call.pulse = true; continue;
      case 'T': call.pulse = false; continue;
      case ',': wait = config_.profile.dial_pause; break;
      case 'W': wait = config_.profile.timing.dialtone_delay; break;  // the next dial tone comes
      case '$': wait = std::chrono::seconds(1); break;                // the billing tone's length
      case '!': wait = std::chrono::milliseconds(500); break;         // TAPI's half-second flash
      case '@':
        if (call.state == CallState::Connected) continue;  // answered already: quiet enough
        call.await_answer = true;
        if (call.state == CallState::Dialing) {
          // The number ends here: it is called as it stands, the rest goes once it answers.
          scheduler_.cancel(call.progress_timer);
          const auto match = dial_plan_.classify(call.to);
          if (match == DialPlan::Match::Complete || match == DialPlan::Match::Ambiguous) {
            number_complete(call);
          } else {
            call.pending.clear();
            call.await_answer = false;
            vacant_number(call);
          }
        }
        return;
      default: continue;
    }
    call.dial_active = true;
    call.dial_timer = scheduler_.schedule(wait, [this, id = call.id, flash_now = c == '!'] {
      Call* cl = get(id);
      if (!cl) return;
      if (flash_now && cl->state == CallState::Connected) {
        cl->dial_active = false;
        cl->dial_timer = {};
        flash(*cl);
        return;
      }
      dial_step_done(id);
    });
    return;
  }
}

void Pbx::dial_step_done(CallId id) {
  Call* call = get(id);
  if (!call) return;
  call->dial_active = false;
  call->dial_timer = {};
  if (!call->pending.empty()) {
    continue_dialing(*call);
  } else if (call->state == CallState::Dialing && !call->partial) {
    analyse_number(*call);  // a pause or wait ended the string: the number so far is all there is
  }
}

void Pbx::flash(Call& call) {
  // A hookflash on a connected call is the PBX's consultation hold: the call waits
  // ONHOLDPENDTRANSFER and a new consultation call gets dial tone; what the string still
  // holds is dialled there.
  if (lines_[call.line].calls.size() >= config_.profile.max_calls_per_line || call.consult) {
    dial_step_done(call.id);
    return;
  }
  std::string rest = std::move(call.pending);
  call.pending.clear();
  OpResult unused;
  Call& consult = new_consult_call(call, Op::Dial, call.id, unused, call.owner);
  Call& original = *get(consult.consult_of);
  transition(original, CallInput::SetupTransfer);
  transition(consult, CallInput::Seize);
  DialableAddress a;
  a.number = std::move(rest);
  begin_dialing(consult, a);
}

OpResult Pbx::apply_operation(Op op, CallId id, CallInput input) {
  Call* call = get(id);
  if (!call) return refuse(op, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, input)) return refuse(op, refusal_error(input), id, state_rule(*call, input, op));
  const OpResult result = reply(op, LineErr::Success, id);
  transition(*call, input);
  return result;
}

OpResult Pbx::accept(CallId id) { return apply_operation(Op::Accept, id, CallInput::Accept); }
OpResult Pbx::hold(CallId id) {
  const OpResult r = apply_operation(Op::Hold, id, CallInput::Hold);
  if (r.ok()) start_hold_recall(*get(id));
  return r;
}

void Pbx::start_hold_recall(Call& call) {
  if (!config_.profile.hold_recall) return;
  scheduler_.cancel(call.hold_timer);
  call.hold_timer = scheduler_.schedule(*config_.profile.hold_recall, [this, id = call.id] {
    Call* c = get(id);
    if (!c || c->state != CallState::OnHold) return;
    c->hold_timer = {};
    ++stats_.hold_recalls;
    // The held call rings its holder again; answering it resumes the conversation.
    c->reason = CallReason::Reminder;
    transition(*c, CallInput::HoldRecall);
    station_offered(*c);
  });
}
OpResult Pbx::unhold(CallId id) {
  Call* call = get(id);
  if (!call) return refuse(Op::Unhold, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::Unhold))
    return refuse(Op::Unhold, LineErr::InvalCallState, id, state_rule(*call, CallInput::Unhold, Op::Unhold));
  // Unholding the original of a pending transfer or conference abandons its consult call.
  Call* consult = is_pending(call->state) ? get(call->consult) : nullptr;
  if (!consult && engaged(lines_[call->line]))
    return refuse(Op::Unhold, config_.profile.error(Refusal::LineInUse), id, engaged_reason(lines_[call->line]));  // another call is active
  const OpResult result = reply(Op::Unhold, LineErr::Success, id);
  if (consult) {
    const CallId consult_id = consult->id;
    call->consult = {};
    consult->consult_of = {};
    drop(consult_id);
  }
  Call* c = get(id);
  scheduler_.cancel(c->hold_timer);
  transition(*c, CallInput::Unhold);
  return result;
}

OpResult Pbx::answer(CallId id) {
  Call* call = get(id);
  if (!call) return refuse(Op::Answer, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::Answer))
    return refuse(Op::Answer, LineErr::InvalCallState, id, state_rule(*call, CallInput::Answer, Op::Answer));
  const bool busy_line = engaged(lines_[call->line]);
  if (busy_line && config_.profile.answer_mode == AnswerMode::None)
    return refuse(Op::Answer, config_.profile.error(Refusal::LineInUse), id, engaged_reason(lines_[call->line]) + " (answer_mode none)");
  const OpResult result = reply(Op::Answer, LineErr::Success, id);
  if (busy_line) {
    // LINEANSWERMODE_HOLD / _DROP: the PBX holds or drops the line's active call first.
    const std::vector<CallId> others = lines_[call->line].calls;
    for (CallId other_id : others) {
      Call* other = get(other_id);
      if (!other || other_id == id) continue;
      // Conference legs follow their conference call, which is held or dropped in their stead.
      const bool active = other->state != CallState::Idle && !is_held(other->state) &&
                          !is_alerting(other->state) && other->state != CallState::Conferenced;
      if (!active) continue;
      if (config_.profile.answer_mode == AnswerMode::Hold && other->state == CallState::Connected) {
        transition(*other, CallInput::Hold);
        start_hold_recall(*other);
      } else {
        drop(other_id);
      }
    }
  }
  cancel_timers(*call);
  for (PbxFeature* f : features_)
    if (f->answers(*call)) return result;
  transition(*call, CallInput::Answer);
  connect(*call);
  if (Call* c = get(id))
    for (PbxFeature* f : features_) f->on_answered(*c);
  return result;
}

OpResult Pbx::drop(CallId id) {
  Call* call = get(id);
  if (!call) return refuse(Op::Drop, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::Drop))
    return refuse(Op::Drop, LineErr::InvalCallState, id, state_rule(*call, CallInput::Drop, Op::Drop));
  const OpResult result = reply(Op::Drop, LineErr::Success, id);
  if (call->is_conference && call->state != CallState::Disconnected) {
    drop_conference(*call);
    return result;
  }
  const CallState before = call->state;
  cancel_timers(*call);
  // local_drop: idle takes the call straight to IDLE once the far party has heard the hang-up;
  // otherwise it is DISCONNECTED first and IDLE after.
  const bool straight_to_idle = before != CallState::Disconnected && config_.profile.local_drop_idle;
  if (!straight_to_idle) transition(*call, CallInput::Drop, DisconnectMode::Normal);
  if (before != CallState::Disconnected) {
    unpark_orbit_of(*call);  // a parked party hanging up frees its orbit
    disconnect_far_end(*call, before);
    if (Call* c = get(id))
      transition(*c, straight_to_idle ? CallInput::DropIdle : CallInput::Clear, DisconnectMode::Normal);
  }
  return result;
}

OpResult Pbx::deallocate(CallId id) {
  Call* call = get(id);
  if (!call) return refuse(Op::Deallocate, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::Deallocate))
    return refuse(Op::Deallocate, LineErr::InvalCallState, id,
                  state_rule(*call, CallInput::Deallocate, Op::Deallocate));
  const OpResult result = reply(Op::Deallocate, LineErr::Success, id);
  release(*call);
  return result;
}

// --- call progress ----------------------------------------------------------------------

void Pbx::digits_outpulsed(CallId id) {
  Call* call = get(id);
  if (!call) return;
  call->dial_active = false;
  call->dial_timer = {};
  const std::string digits = std::move(call->outpulsing);
  call->outpulsing.clear();
  if (call->state != CallState::Dialing) {
    // The number was complete already: these digits go through to the far end.
    call->far_digits += digits;
    for (PbxObserver* o : observers_) o->on_digits_sent(id, digits);
    call = get(id);
    if (call && !call->pending.empty()) continue_dialing(*call);
    return;
  }
  call->to += digits;
  analyse_number(*call);
}

void Pbx::analyse_number(Call& call) {
  const CallId id = call.id;
  const bool more = !call.pending.empty();
  switch (dial_plan_.classify(call.to)) {
    case DialPlan::Match::Complete:
      number_complete(call);
      if (more) continue_dialing(call);  // the rest of the string follows the call through
      return;
    case DialPlan::Match::Ambiguous:
      if (more) return continue_dialing(call);
      if (call.partial) return;  // the application finishes the number
      call.progress_timer = scheduler_.schedule(config_.profile.timing.inter_digit_timeout, [this, id] {
        if (Call* c = get(id); c && c->state == CallState::Dialing && !c->dial_active) number_complete(*c);
      });
      return;
    case DialPlan::Match::Incomplete:
      if (more) return continue_dialing(call);
      if (call.partial) return;
      call.progress_timer = scheduler_.schedule(config_.profile.timing.inter_digit_timeout, [this, id] {
        if (Call* c = get(id); c && c->state == CallState::Dialing && !c->dial_active) vacant_number(*c);
      });
      return;
    case DialPlan::Match::Invalid:
      call.pending.clear();
      vacant_number(call);
      return;
  }
}

void Pbx::vacant_number(Call& call) {
  call.progress_timer = {};
  if (config_.profile.vacant_number_special_info) {
    transition(call, CallInput::Intercept);
    auto_onhook(call);
  } else {
    far_disconnect(call, DisconnectMode::BadAddress);
  }
}

void Pbx::number_complete(Call& call) {
  call.progress_timer = {};
  transition(call, CallInput::NumberComplete);
  if (call.no_answer_timeout) {
    // dwNoAnswerTimeout runs from the completion of dialling, through PROCEEDING and RINGBACK
    // (and every forwarding hop): the call is abandoned, NOANSWER, if nobody has answered.
    scheduler_.cancel(call.ring_timer);
    call.ring_timer = scheduler_.schedule(*call.no_answer_timeout, [this, id = call.id] { no_answer(id); });
  }
  call.progress_timer = scheduler_.schedule(config_.profile.timing.post_dial_delay,
                                            [this, id = call.id] { route(id); });
}

void Pbx::route(CallId id) {
  Call* origin = get(id);
  // A consultation call joined into a conference while still proceeding is routed all the same.
  const bool joined = origin && origin->state == CallState::Conferenced && !get(origin->peer);
  if (!origin || (origin->state != CallState::Proceeding && !joined)) return;
  origin->progress_timer = {};
  offer_to(*origin, origin->to, CallReason::Direct, 0);
}

bool Pbx::hop_limit_reached(Call& origin, int hops) {
  if (hops <= config_.profile.forward_hop_limit) return false;
  ++stats_.forward_loops_stopped;
  far_disconnect(origin, DisconnectMode::Unreachable);
  return true;
}

// Offer the call `origin` placed to `number`, following forwarding. `hops` counts the
// forwarding steps taken so far; `reason` is the reason the offered call will carry.
void Pbx::offer_to(Call& origin, const std::string& number, CallReason reason, int hops,
                   std::optional<LineId> recall_on_busy, std::string_view moved_by) {
  for (PbxFeature* f : features_)
    if (f->routes(origin, number, hops, moved_by)) return;
  for (std::size_t t = 0; t < config_.trunks.size(); ++t) {
    const TrunkConfig& tc = config_.trunks[t];
    if (tc.direction == TrunkConfig::Direction::In || tc.access_code.empty()) continue;
    if (number.size() > tc.access_code.size() && number.starts_with(tc.access_code)) {
      offer_trunk(origin, t, number);
      return;
    }
  }
  const auto target = find_line(number);
  if (!target) {  // the dial plan only completes known numbers; a forward target may be gone
    if (hops == 0) vacant_number(origin);
    else far_disconnect(origin, DisconnectMode::Unreachable);
    return;
  }
  Line& callee = lines_[*target];
  if (callee.out_of_service) {
    far_disconnect(origin, DisconnectMode::OutOfOrder);
    return;
  }
  const bool busy = refuses_calls(callee);
  const ForwardDecision fwd = forward_on_offer(callee.forwarding, busy, /*internal=*/true);
  if (fwd.kind == ForwardDecision::Kind::DoNotDisturb) {
    ++stats_.dnd_refusals;
    far_disconnect(origin, DisconnectMode::DoNotDisturb);
    return;
  }
  if (fwd.kind == ForwardDecision::Kind::Forward) {
    ++stats_.forwards;
    stats_.forward_max_hops = std::max(stats_.forward_max_hops, hops + 1);
    if (hop_limit_reached(origin, hops + 1)) return;
    const std::string next = fwd.rule->to;  // copy: the rule list may change below
    const std::string from_line = callee.number;  // this hop's forwarder
    offer_to(origin, next, fwd.reason, hops + 1, recall_on_busy, from_line);
    return;
  }
  if (!moved_by.empty()) {
    // Where the call went and who moved it last (LINECALLINFO RedirectionID / RedirectingID),
    // on the moved party's own call as well.
    origin.redirection = callee.number;
    origin.redirecting = std::string(moved_by);
  }
  if (busy) {
    if (recall_on_busy) {
      recall_party(origin.id, *recall_on_busy, CallReason::Reminder);
      return;
    }
    if (next_state(origin.state, CallInput::FarBusy)) {
      transition(origin, CallInput::FarBusy);
      auto_onhook(origin);
    } else {  // already ringing elsewhere (no-answer forwarding): the caller hears busy
      far_disconnect(origin, DisconnectMode::Busy);
    }
    return;
  }
  Call& incoming = create_call(callee.id, Direction::Incoming, reason);
  // The party being offered: a caller presents its own number; a called party that is being
  // transferred or recalled presents its line's.
  incoming.from = origin.direction == Direction::Outgoing ? origin.from : lines_[origin.line].number;
  incoming.to = callee.number;
  if (hops > 0 || origin.to != callee.number) incoming.original_to = origin.to;
  incoming.forward_hops = hops;
  if (origin.direction == Direction::Outgoing) present_params(origin, incoming);
  if (!moved_by.empty()) {
    incoming.redirection = callee.number;
    incoming.redirecting = std::string(moved_by);
  }
  link(incoming, origin);
  transition(incoming, CallInput::Offer);
  if (next_state(origin.state, CallInput::Alerting)) transition(origin, CallInput::Alerting);
  // Each destination gets a full ringing period before the PBX gives up, unless the caller
  // asked for its own (LINECALLPARAMS dwNoAnswerTimeout), which already runs.
  if (!(origin.no_answer_timeout && !origin.answered && origin.ring_timer)) {
    scheduler_.cancel(origin.ring_timer);
    const Duration ring = get(origin.consult_of) && config_.profile.consult_timeout
                              ? *config_.profile.consult_timeout
                              : config_.profile.timing.no_answer_timeout;
    origin.ring_timer = scheduler_.schedule(ring, [this, id = origin.id] { no_answer(id); });
  }
  if (const ForwardRule* rule = forward_on_no_answer(callee.forwarding, /*internal=*/true)) {
    incoming.forward_timer =
        scheduler_.schedule(no_answer_delay(*rule, config_.profile.timing.ring_cadence),
                            [this, leg = incoming.id] { forward_no_answer(leg); });
  }
  station_offered(incoming);
}

void Pbx::forward_no_answer(CallId leg_id) {
  Call* leg = get(leg_id);
  if (!leg || !is_alerting(leg->state)) return;
  leg->forward_timer = {};
  const ForwardRule* rule = forward_on_no_answer(lines_[leg->line].forwarding, true);
  Call* origin = get(leg->peer);
  if (!rule || !origin) return;  // forwarding was cancelled meanwhile: keep ringing
  const std::string next = rule->to;
  const int hops = leg->forward_hops + 1;
  unlink(*leg);
  far_disconnect(*leg, DisconnectMode::Forwarded);
  ++stats_.forwards;
  stats_.forward_max_hops = std::max(stats_.forward_max_hops, hops);
  if (hop_limit_reached(*origin, hops)) return;
  offer_to(*origin, next, CallReason::FwdNoAnswer, hops, std::nullopt, lines_[leg->line].number);
}

void Pbx::no_answer(CallId id) {
  Call* origin = get(id);
  if (!origin) return;
  // The caller, or a transferee left connected to a target that is still ringing.
  const Call* far = get(origin->peer);
  // PROCEEDING: only a caller's own dwNoAnswerTimeout runs out before the far end rings.
  const bool waiting = origin->state == CallState::RingBack || origin->state == CallState::Proceeding ||
                       ((origin->state == CallState::Connected || origin->state == CallState::Conferenced) &&
                        far && is_alerting(far->state));
  if (!waiting) return;
  origin->ring_timer = {};
  if (Call* callee = get(origin->peer)) {
    unlink(*origin);
    far_disconnect(*callee, DisconnectMode::NoAnswer);
  }
  const CallId original_id = origin->consult_of;
  far_disconnect(*origin, DisconnectMode::NoAnswer);
  // A consultation nobody answered gives the original call back, AUTORECONNECT or not.
  if (get(original_id)) {
    if (Call* consult = get(id); consult && consult->state == CallState::Disconnected)
      transition(*consult, CallInput::Clear);
    Call* o = get(original_id);
    const bool pending = o && is_pending(o->state);
    if (pending && !engaged(lines_[o->line])) transition(*o, CallInput::Retrieve);
  }
}

void Pbx::connect(Call& answering) {
  if (!answering.answered) answering.answered = now();  // a hold recall keeps its first answer
  if (answering.park_recall) ++stats_.park_recalls_answered;
  Call* origin = get(answering.peer);
  // A party that is already connected (a parked call coming back) just gets its new peer.
  if (origin && next_state(origin->state, CallInput::FarAnswer)) {
    scheduler_.cancel(origin->ring_timer);
    transition(*origin, CallInput::FarAnswer);
    origin->answered = now();
    station_connected(*origin);
  } else if (origin) {
    scheduler_.cancel(origin->ring_timer);
  }
  station_connected(answering);
  // `@` waited for the far end to answer: the rest of the string is dialled now.
  if (origin && origin->await_answer && origin->state == CallState::Connected) {
    origin->await_answer = false;
    continue_dialing(*origin);
  }
}

void Pbx::link(Call& a, Call& b) {
  a.peer = b.id;
  b.peer = a.id;
  a.last_peer_serial = b.id.serial;
  b.last_peer_serial = a.id.serial;
  media_->linked(a, b);
  for (PbxObserver* o : observers_) {
    o->on_peer_change(a.id);
    o->on_peer_change(b.id);
  }
}

Call& Pbx::offer_recall(CallId party_id, LineId to, CallReason reason) {
  Call& recall = create_call(to, Direction::Incoming, reason);
  Call& party = *get(party_id);
  recall.from = lines_[party.line].number;
  recall.to = lines_[to].number;
  link(recall, party);
  transition(recall, CallInput::Offer);
  return recall;
}

void Pbx::unlink(Call& call) {
  Call* peer = get(call.peer);
  if (!peer) {
    call.peer = {};
    return;
  }
  peer->peer = {};
  call.peer = {};
  for (PbxObserver* o : observers_) {
    o->on_peer_change(call.id);
    o->on_peer_change(peer->id);
  }
}

void Pbx::disconnect_far_end(Call& dropper, CallState state_before) {
  Call* peer = get(dropper.peer);
  unlink(dropper);
  if (!peer || peer->state == CallState::Idle || peer->state == CallState::Disconnected) return;
  // Dropping a call that was only ever offered rejects it; a recall of a call that was
  // already connected (hold recall) just ends it.
  const bool alerting = is_alerting(state_before);
  const bool rejected = alerting && !(dropper.reason == CallReason::Reminder && dropper.answered);
  if (alerting && dropper.park_recall) {  // a rejected park recall is an unanswered one
    park_recall_unanswered(peer->id, *dropper.park_recall);
    return;
  }
  far_disconnect(*peer, rejected ? DisconnectMode::Reject : DisconnectMode::Normal);
}

void Pbx::far_disconnect(Call& call, DisconnectMode mode) {
  cancel_timers(call);
  unlink(call);
  unpark_orbit_of(call);
  // A call that was only ever offered here needs nobody to hang up: it simply stops ringing.
  const bool only_offered = call.direction == Direction::Incoming && !call.answered;
  // Nobody needs to hang up a conference leg (the conference goes on) or, with
  // AUTORECONNECT, a consultation call (the original comes back).
  const bool self_clearing = only_offered || get(call.conference) ||
                             (config_.profile.autoreconnect && get(call.consult_of));
  transition(call, CallInput::FarDisconnect, mode);
  if (self_clearing) {
    transition(call, CallInput::Clear);
    return;
  }
  auto_onhook(call);
}

void Pbx::auto_onhook(Call& call) {
  if (!automatic(call)) return;
  if (call.state == CallState::Busy || call.state == CallState::SpecialInfo) {
    cancel_timers(call);
    transition(call, CallInput::Drop, DisconnectMode::Normal);
  }
  if (call.state == CallState::Disconnected) transition(call, CallInput::Clear);
}

void Pbx::station_offered(Call& call) {
  const Behavior& b = lines_[call.line].behavior;
  switch (b.kind) {
    case Behavior::Kind::Auto:
      if (b.answer_after) {
        const Duration delay = station_sample(lines_[call.line], *b.answer_after);
        station_acts<&Pbx::answer>(call, delay);
      }
      return;
    case Behavior::Kind::Reject:
      station_acts<&Pbx::drop>(call, Duration::zero());
      return;
    case Behavior::Kind::Manual:
    case Behavior::Kind::Busy:
    case Behavior::Kind::NoAnswer:
      return;
  }
}

void Pbx::station_connected(Call& call) {
  const Behavior& b = lines_[call.line].behavior;
  if (!call.hangup_after && (b.kind != Behavior::Kind::Auto || !b.hangup_after)) return;
  const Duration delay =
      call.hangup_after ? *call.hangup_after : station_sample(lines_[call.line], *b.hangup_after);
  station_acts<&Pbx::drop>(call, delay);
}


Duration Pbx::station_sample(Line& line, const DurationDist& d) {
  if (d.kind == DurationDist::Kind::Fixed) return d.a;
  if (!line.rng) line.rng = std::make_unique<std::mt19937_64>(random_stream(config_.seed, "station:" + line.number));
  return d.sample(*line.rng);
}

void Pbx::cancel_timers(Call& call) {
  // Most of a call's timers are not running when it ends: no call into the scheduler for those.
  const auto stop = [this](TimerHandle& h) {
    if (h) scheduler_.cancel(h);
  };
  stop(call.progress_timer);
  stop(call.dial_timer);
  stop(call.ring_timer);
  stop(call.station_timer);
  stop(call.forward_timer);
  stop(call.hold_timer);
  call.dial_active = false;
  call.awaiting_dialtone = false;
}

void Pbx::on_idle(Call& call) {
  cancel_timers(call);
  call.ended = now();
  if (lines_[call.line].trunk) channel_change(call.line, -1);
  // A call that ends leaves every relation it had: consultation, conference membership.
  if (Call* about = get(call.consult_of)) {
    call.consult_of = {};
    if (about->consult == call.id) about->consult = {};
    consult_gone(*about);
  }
  if (Call* consult = get(call.consult)) consult->consult_of = {};
  call.consult = {};
  if (get(call.conference)) leave_conference(call);
  for (PbxFeature* f : features_) f->on_idle(call);
  if (record_in_use_) {
    CallRecord nested;  // a call ended while observers read another's record
    tell_record(call, nested);
  } else {
    tell_record(call, record_);
  }
  if (automatic(call)) release(call);
}

namespace {
/// A record's string from a call's ColdString: nothing copied or looked at when it is unset.
void copy_cold(std::string& to, const ColdString& from) {
  if (from.empty()) to.clear();
  else to = from.str();
}
}  // namespace

void Pbx::tell_record(Call& call, CallRecord& r) {
  struct InUse {
    bool& flag;
    bool was = flag;
    explicit InUse(bool& f) : flag(f) { flag = true; }
    ~InUse() { flag = was; }
  } in_use(record_in_use_);
  // Every field is set (a reused record keeps the last call's otherwise).
  r.serial = call.id.serial;
  r.line = lines_[call.line].number;
  r.direction = call.direction;
  r.from = call.from;
  r.to = call.to;
  copy_cold(r.original_to, call.original_to);
  r.forward_hops = call.forward_hops;
  copy_cold(r.park_orbit, call.park_orbit);
  r.reason = call.reason;
  r.kind = call.kind;
  r.peer_serial = call.last_peer_serial;
  r.start = call.created;
  r.answer = call.answered;
  r.end = *call.ended;
  r.mode = call.mode;
  r.cleared_at_end = call.cleared_at_end;
  // The call's history is lent to the record while the observers read it (swapped in, and
  // back below): no copy of it per call.
  r.history.swap(call.history);
  copy_cold(r.queue, call.queue);
  r.queue_wait = call.queue_wait;
  copy_cold(r.agent, call.agent);
  std::uint32_t seen = 0;  // every state the history holds, as LINECALLSTATE bits (one pass)
  for (const StateStamp& s : r.history) seen |= static_cast<std::uint32_t>(s.state);
  const auto saw = [seen](CallState st) { return (seen & static_cast<std::uint32_t>(st)) != 0; };
  // A conference handle is never "answered" by anyone; it counts as answered once CONNECTED.
  r.outcome = classify_outcome(OutcomeFacts{call.direction, call.answered.has_value() || saw(CallState::Connected),
                                            call.handed_on == Call::HandedOn::Transfer,
                                            call.handed_on == Call::HandedOn::Redirect, call.mode,
                                            saw(CallState::Busy), saw(CallState::SpecialInfo),
                                            call.cleared_at_end, call.busy_trunk});
  ++stats_.records;
  {
    struct GiveBack {
      Call& call;
      CallRecord& r;
      ~GiveBack() {  // also when an observer throws (the run then ends)
        r.history.swap(call.history);
      }
    } give_back{call, r};
    for (PbxObserver* o : observers_) o->on_call_record(r);
  }
}

void Pbx::release(Call& call) {
  auto& calls = lines_[call.line].calls;
  calls.erase(std::find(calls.begin(), calls.end(), call.id));
  call.live = false;
  free_slots_.push_back(call.id.slot);
  --stats_.live_calls;
}

namespace {
bool in_progress(const Call* c) { return c && c->state != CallState::Idle; }
}  // namespace

std::size_t Pbx::clear_call(CallId id, DisconnectMode mode) {
  Call* call = get(id);
  if (!in_progress(call)) return 0;
  cancel_timers(*call);
  if (call->is_conference) {
    // Its legs go with it, and their far ends hear the fault.
    for (CallId leg : std::vector<CallId>(call->members)) clear_call(leg, mode);
    if (Call* c = get(id); in_progress(c)) {
      c->members.clear();
      if (c->state != CallState::Disconnected) transition(*c, CallInput::Drop, mode);
      if (Call* still = get(id); still && still->state == CallState::Disconnected) transition(*still, CallInput::Clear);
    }
    return 1;
  }
  unpark_orbit_of(*call);
  const CallId far = call->peer;
  unlink(*call);
  if (call->state != CallState::Disconnected) transition(*call, CallInput::Drop, mode);
  if (Call* peer = get(far); peer && peer->state != CallState::Idle && peer->state != CallState::Disconnected)
    far_disconnect(*peer, mode);
  if (Call* still = get(id); still && still->state == CallState::Disconnected) transition(*still, CallInput::Clear);
  return 1;
}

std::size_t Pbx::restart() {
  std::size_t cleared = 0;
  for (PbxFeature* f : features_) f->on_shutdown();
  shutting_down_ = true;  // no collapsing, reconnecting or recalls while everything is cleared
  for (std::size_t l = 0; l < park_.lots().size(); ++l) {
    for (std::size_t i = 0; i < park_.lots()[l].orbits.size(); ++i) {
      if (auto who = park_.vacate(ParkLots::Orbit{l, i})) {
        scheduler_.cancel(who->timer);
        if (Call* parkee = get(who->parkee)) parkee->parked = false;
      }
    }
  }
  for (std::size_t l = 0; l < lines_.size(); ++l) {
    const std::vector<CallId> ids = lines_[l].calls;
    for (CallId id : ids) cleared += clear_call(id, DisconnectMode::TempFailure);
  }
  shutting_down_ = false;
  return cleared;
}

std::size_t Pbx::set_in_service(LineId line, bool in_service) {
  Line& l = lines_.at(line);
  if (l.out_of_service == !in_service) return 0;
  l.out_of_service = !in_service;
  std::size_t cleared = 0;
  if (!in_service) {
    const std::vector<CallId> ids = l.calls;
    for (CallId id : ids) cleared += clear_call(id, DisconnectMode::OutOfOrder);
  }
  for (PbxObserver* o : observers_) o->on_line_service(line, in_service);
  return cleared;
}

std::size_t Pbx::set_trunk_in_service(std::size_t trunk, bool in_service) {
  std::size_t cleared = 0;
  for (LineId ch : trunks_.at(trunk).channels) {
    Line& l = lines_[ch];
    if (l.out_of_service == !in_service) continue;
    l.out_of_service = !in_service;
    if (in_service) continue;
    const std::vector<CallId> ids = l.calls;
    for (CallId id : ids) cleared += clear_call(id, DisconnectMode::OutOfOrder);
  }
  return cleared;
}

std::size_t Pbx::shutdown() {
  std::size_t cleared = 0;
  for (PbxFeature* f : features_) f->on_shutdown();
  shutting_down_ = true;  // no collapsing, reconnecting or recalls while everything is cleared
  for (Line& line : lines_) {
    for (CallId id : line.calls) {
      if (Call* c = get(id); c && c->state != CallState::Idle) c->cleared_at_end = true;
    }
  }
  for (std::size_t l = 0; l < park_.lots().size(); ++l) {
    for (std::size_t i = 0; i < park_.lots()[l].orbits.size(); ++i) {
      if (auto who = park_.vacate(ParkLots::Orbit{l, i})) {
        scheduler_.cancel(who->timer);
        if (Call* parkee = get(who->parkee)) parkee->parked = false;
      }
    }
  }
  for (Line& line : lines_) {
    const std::vector<CallId> ids = line.calls;
    for (CallId id : ids) {
      Call* call = get(id);
      if (!call) continue;
      if (call->state != CallState::Idle) {
        ++cleared;
        cancel_timers(*call);
        call->peer = {};
        call->cleared_at_end = true;
        if (call->state != CallState::Disconnected)
          transition(*call, CallInput::Drop, DisconnectMode::Normal);
        if (Call* still = get(id); still && still->state == CallState::Disconnected)
          transition(*still, CallInput::Clear);
      }
      if (Call* still = get(id)) release(*still);
    }
  }
  return cleared;
}

}  // namespace telsim
