#include "telsim/models/pbx.hpp"

#include <algorithm>
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
  lines_.reserve(config_.lines.size());
  by_number_.reserve(config_.lines.size());
  for (const LineConfig& lc : config_.lines) {
    const auto id = static_cast<LineId>(lines_.size());
    lines_.push_back(
        Line{id, lc.number, lc.name, lc.behavior, {}, {}, lc.forwarding, {}, lc.call_waiting, 0, {}});
    const auto& b = lc.behavior;
    const bool random = (b.answer_after && b.answer_after->kind != DurationDist::Kind::Fixed) ||
                        (b.hangup_after && b.hangup_after->kind != DurationDist::Kind::Fixed);
    if (random) lines_.back().rng = random_stream(config_.seed, "station:" + lc.number);
    by_number_.emplace_back(lc.number, id);
    dial_plan_.add(lc.number);
  }
  std::sort(by_number_.begin(), by_number_.end());
  for (std::size_t i = 1; i < by_number_.size(); ++i) {
    if (by_number_[i].first == by_number_[i - 1].first)
      throw std::invalid_argument("duplicate extension number " + by_number_[i].first);
  }
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
      lines_.push_back(Line{id, fmt::format("{}/{}", tc.name, c + 1), tc.name, automatic_channel,
                            {}, {}, {}, {}, false, 0, t});
      ts.channels.push_back(id);
    }
    if (tc.direction != TrunkConfig::Direction::In && !tc.access_code.empty())
      dial_plan_.add_prefix(tc.access_code, tc.number_length);
    trunks_.push_back(std::move(ts));
  }
  for (std::size_t g = 0; g < config_.pickup_groups.size(); ++g) {
    for (const std::string& member : config_.pickup_groups[g].members) {
      const auto line = find_line(member);
      if (!line) throw std::invalid_argument("pickup group member " + member + " is not an extension");
      lines_[*line].groups.push_back(g);
    }
  }
}

void Pbx::add_observer(PbxObserver* observer) { observers_.push_back(observer); }

std::optional<LineId> Pbx::find_line(std::string_view number) const {
  auto it = std::lower_bound(
      by_number_.begin(), by_number_.end(), number,
      [](const auto& entry, std::string_view n) { return entry.first < n; });
  if (it == by_number_.end() || it->first != number) return std::nullopt;
  return it->second;
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
  std::uint32_t f = allowed_features(call->state);
  const Line& line = lines_[call->line];
  const bool busy_line = engaged(line);
  if (busy_line && config_.answer_mode == PbxConfig::AnswerMode::None) f &= ~feature::kAnswer;
  const bool pending = call->state == CallState::OnHoldPendTransfer || call->state == CallState::OnHoldPendConf;
  if (busy_line && !(pending && get_const(call->consult))) f &= ~feature::kUnhold;
  if (call->is_conference) {
    f &= feature::kDrop | feature::kHold | feature::kUnhold | feature::kPrepareAddConf |
         feature::kAddToConf | feature::kSwapHold;
    if (!get_const(call->consult)) f &= ~feature::kAddToConf;
    else f &= ~feature::kPrepareAddConf;  // one consultation at a time
    if (call->members.size() >= config_.conference_max) f &= ~(feature::kPrepareAddConf | feature::kAddToConf);
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
    const bool can_transfer = (consult || original) &&
                              (next_state(active->state, CallInput::TransferredAway) ||
                               next_state(active->state, CallInput::JoinConference));
    if (!can_transfer) f &= ~feature::kCompleteTransf;
    if (call->is_conference && (!consult || !next_state(consult->state, CallInput::JoinConference)))
      f &= ~feature::kAddToConf;
  }
  if (!get_const(call->conference)) f &= ~feature::kRemoveFromConf;
  // Moving a call elsewhere needs a far party to move (an intruder has none of its own).
  if (!call->is_conference && !get_const(call->peer))
    f &= ~(feature::kPark | feature::kBlindTransfer | feature::kSetupTransfer | feature::kSetupConf);
  if (call->direction != Direction::Outgoing) f &= ~feature::kCompleteCall;
  // SWAPHOLD needs a held call to swap with.
  if (f & feature::kSwapHold) {
    bool held = false;
    for (CallId other : line.calls) {
      const Call* o = get_const(other);
      if (o && o != call &&
          (o->state == CallState::OnHold || o->state == CallState::OnHoldPendTransfer ||
           o->state == CallState::OnHoldPendConf))
        held = true;
    }
    if (!held) f &= ~feature::kSwapHold;
  }
  return f;
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
    calls_[slot] = Call{};
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
  if (*next == CallState::Disconnected)
    call.mode = mode == DisconnectMode::None ? DisconnectMode::Normal : mode;
  call.history.push_back(StateStamp{*next, now()});
  ++stats_.transitions;
  const CallStateEvent event{now(), call.id, call.line, from, *next, call.mode, call.reason};
  for (PbxObserver* o : observers_) o->on_call_state(event);
  // The call an intruder joined has ended once it is disconnected, whoever hung up.
  if (*next == CallState::Disconnected && !call.intruders.empty()) release_intruders(call);
  if (*next == CallState::Idle) on_idle(call);
}

OpResult Pbx::reply(Op op, LineErr error, CallId call, std::string address, CallId consult,
                    std::uint32_t completion) {
  const OpResult r{next_request_++, op, error, call, std::move(address), consult, completion};
  for (PbxObserver* o : observers_) o->on_reply(r);
  return r;
}

bool Pbx::engaged(const Line& line) const {
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
        return true;
    }
  }
  return false;
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
  if (!number.empty() && number.front() == '+') return translate_address(number, config_.location);
  return std::string(number);
}

OpResult Pbx::make_call(LineId line_id, std::string_view requested) {
  if (line_id >= lines_.size()) return reply(Op::MakeCall, LineErr::BadDeviceId);
  const auto translated = dialable(requested);
  if (!translated || !is_dialable(*translated)) return reply(Op::MakeCall, LineErr::InvalAddress);
  const std::string_view number = *translated;
  const Line& line = lines_[line_id];
  if (engaged(line)) return reply(Op::MakeCall, LineErr::InUse);
  if (line.calls.size() >= config_.max_calls_per_line)
    return reply(Op::MakeCall, LineErr::CallUnavail);

  Call& call = create_call(line_id, Direction::Outgoing, CallReason::Direct);
  call.from = line.number;
  call.owner = requester_;
  const OpResult result = reply(Op::MakeCall, LineErr::Success, call.id);
  transition(call, CallInput::Seize);
  begin_dialing(call, number);
  return result;
}

void Pbx::begin_dialing(Call& call, std::string_view number) {
  if (number.empty()) return;
  call.pending = std::string(number);
  call.awaiting_dialtone = true;
  call.progress_timer = scheduler_.schedule(config_.timing.dialtone_delay, [this, id = call.id] {
    Call* c = get(id);
    if (!c) return;
    c->progress_timer = {};
    c->awaiting_dialtone = false;
    start_outpulsing(*c);
  });
}

OpResult Pbx::dial(CallId id, std::string_view requested) {
  Call* call = get(id);
  if (!call) return reply(Op::Dial, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::Dial)) return reply(Op::Dial, LineErr::InvalCallState, id);
  const auto translated = dialable(requested);
  if (!translated || translated->empty() || !is_dialable(*translated))
    return reply(Op::Dial, LineErr::InvalAddress, id);
  const std::string_view digits = *translated;
  const OpResult result = reply(Op::Dial, LineErr::Success, id);
  call->pending += digits;
  if (!call->awaiting_dialtone && call->outpulsing.empty()) start_outpulsing(*call);
  return result;
}

OpResult Pbx::apply_operation(Op op, CallId id, CallInput input) {
  Call* call = get(id);
  if (!call) return reply(op, LineErr::InvalCallHandle);
  if (!next_state(call->state, input)) return reply(op, refusal_error(input), id);
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
  if (!config_.hold_recall) return;
  scheduler_.cancel(call.hold_timer);
  call.hold_timer = scheduler_.schedule(*config_.hold_recall, [this, id = call.id] {
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
  if (!call) return reply(Op::Unhold, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::Unhold)) return reply(Op::Unhold, LineErr::InvalCallState, id);
  // Unholding the original of a pending transfer or conference abandons its consult call.
  Call* consult = (call->state == CallState::OnHoldPendTransfer ||
                   call->state == CallState::OnHoldPendConf)
                      ? get(call->consult)
                      : nullptr;
  if (!consult && engaged(lines_[call->line]))
    return reply(Op::Unhold, LineErr::InUse, id);  // another call is active on this line
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
  if (!call) return reply(Op::Answer, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::Answer)) return reply(Op::Answer, LineErr::InvalCallState, id);
  const bool busy_line = engaged(lines_[call->line]);
  if (busy_line && config_.answer_mode == PbxConfig::AnswerMode::None)
    return reply(Op::Answer, LineErr::InUse, id);
  const OpResult result = reply(Op::Answer, LineErr::Success, id);
  if (busy_line) {
    // LINEANSWERMODE_HOLD / _DROP: the PBX holds or drops the line's active call first.
    const std::vector<CallId> others = lines_[call->line].calls;
    for (CallId other_id : others) {
      Call* other = get(other_id);
      if (!other || other_id == id) continue;
      // Conference legs follow their conference call, which is held or dropped in their stead.
      const bool active = other->state != CallState::Idle && other->state != CallState::OnHold &&
                          other->state != CallState::OnHoldPendConf &&
                          other->state != CallState::OnHoldPendTransfer &&
                          other->state != CallState::Offering && other->state != CallState::Accepted &&
                          other->state != CallState::Conferenced;
      if (!active) continue;
      if (config_.answer_mode == PbxConfig::AnswerMode::Hold && other->state == CallState::Connected) {
        transition(*other, CallInput::Hold);
        start_hold_recall(*other);
      } else {
        drop(other_id);
      }
    }
  }
  cancel_timers(*call);
  transition(*call, CallInput::Answer);
  connect(*call);
  if (Call* c = get(id); c && !c->callback_to.empty()) {
    // A call-completion callback answered: now the PBX calls the target for the caller.
    const std::string number = std::move(c->callback_to);
    c->callback_to.clear();
    c->from = lines_[c->line].number;  // from here on it is the caller's call to the target
    c->to = number;
    offer_to(*c, number, CallReason::CallCompletion, 0);
  }
  return result;
}

OpResult Pbx::drop(CallId id) {
  Call* call = get(id);
  if (!call) return reply(Op::Drop, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::Drop)) return reply(Op::Drop, LineErr::InvalCallState, id);
  const OpResult result = reply(Op::Drop, LineErr::Success, id);
  if (call->is_conference && call->state != CallState::Disconnected) {
    drop_conference(*call);
    return result;
  }
  const CallState before = call->state;
  cancel_timers(*call);
  transition(*call, CallInput::Drop, DisconnectMode::Normal);
  if (before != CallState::Disconnected) {
    unpark_orbit_of(*call);  // a parked party hanging up frees its orbit
    disconnect_far_end(*call, before);
    transition(*call, CallInput::Clear);
  }
  return result;
}

OpResult Pbx::deallocate(CallId id) {
  Call* call = get(id);
  if (!call) return reply(Op::Deallocate, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::Deallocate))
    return reply(Op::Deallocate, LineErr::InvalCallState, id);
  const OpResult result = reply(Op::Deallocate, LineErr::Success, id);
  release(*call);
  return result;
}

// --- park, pickup, forward --------------------------------------------------------------

OpResult Pbx::join_new_call(LineId line, CallReason reason, CallId far_id, Op op) {
  Call& call = create_call(line, Direction::Incoming, reason);
  Call& far = *get(far_id);
  call.from = lines_[far.line].number;
  call.to = lines_[line].number;
  call.owner = requester_;
  const OpResult result = reply(op, LineErr::Success, call.id);
  link(call, far);
  transition(call, CallInput::Join);
  call.answered = now();
  station_connected(call);
  return result;
}

void Pbx::unpark_orbit_of(Call& parkee) {
  if (!parkee.parked) return;
  parkee.parked = false;
  if (const auto orbit = park_.orbit_of(parkee.id)) {
    if (auto who = park_.vacate(*orbit)) scheduler_.cancel(who->timer);
  }
}

OpResult Pbx::park(CallId id, ParkMode mode, std::string_view orbit_number) {
  Call* call = get(id);
  if (!call) return reply(Op::Park, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::Park) || get(call->consult) || get(call->consult_of))
    return reply(Op::Park, LineErr::InvalCallState, id);
  Call* parkee = get(call->peer);
  if (!parkee || parkee->state != CallState::Connected)
    return reply(Op::Park, LineErr::OperationFailed, id);  // nobody to park
  std::optional<ParkLots::Orbit> orbit;
  switch (mode) {
    case ParkMode::Directed:
      orbit = park_.find(orbit_number);
      if (!orbit) return reply(Op::Park, LineErr::InvalAddress, id);
      if (park_.occupant(*orbit)) return reply(Op::Park, LineErr::OperationFailed, id);
      break;
    case ParkMode::NonDirected:
      if (park_.lots().empty()) return reply(Op::Park, LineErr::OperationUnavail, id);
      orbit = park_.pick_free();
      if (!orbit) return reply(Op::Park, LineErr::ResourceUnavail, id);
      break;
  }
  const std::string number = park_.number(*orbit);
  const OpResult result = reply(Op::Park, LineErr::Success, id, number);
  ++stats_.parks;
  const LineId parker = call->line;
  unlink(*call);
  parkee->parked = true;
  parkee->park_orbit = number;
  ParkLots::Occupant who{parkee->id, parker, now(), {}};
  const auto o = *orbit;
  who.timer = scheduler_.schedule(park_.lot(o).timeout, [this, o] { park_timeout(o); });
  park_.occupy(o, who);
  stats_.park_max_occupancy = std::max<std::uint64_t>(stats_.park_max_occupancy, park_.occupied());
  cancel_timers(*call);
  transition(*call, CallInput::Park);  // IDLE for the parker
  return result;
}

OpResult Pbx::unpark(LineId line_id, std::string_view orbit_number) {
  if (line_id >= lines_.size()) return reply(Op::Unpark, LineErr::BadDeviceId);
  const auto orbit = park_.find(orbit_number);
  if (!orbit || !park_.occupant(*orbit)) return reply(Op::Unpark, LineErr::InvalAddress);
  if (engaged(lines_[line_id])) return reply(Op::Unpark, LineErr::InUse);
  if (lines_[line_id].calls.size() >= config_.max_calls_per_line)
    return reply(Op::Unpark, LineErr::CallUnavail);
  auto who = park_.vacate(*orbit);
  scheduler_.cancel(who->timer);
  get(who->parkee)->parked = false;
  ++stats_.unparks;
  return join_new_call(line_id, CallReason::Unpark, who->parkee, Op::Unpark);
}

void Pbx::park_timeout(ParkLots::Orbit orbit) {
  auto who = park_.vacate(orbit);
  if (!who) return;
  ++stats_.park_timeouts;
  Call* parkee = get(who->parkee);
  if (!parkee) return;
  parkee->parked = false;
  const ParkLotConfig& lot = park_.lot(orbit);
  if (lot.on_timeout == ParkLotConfig::OnTimeout::Drop) {
    far_disconnect(*parkee, DisconnectMode::Normal);
    return;
  }
  offer_parked(*parkee, who->parker, CallReason::Reminder, lot.recall_ring, who->parker, orbit.lot,
               lot.on_timeout == ParkLotConfig::OnTimeout::ReturnToParker);
}

// Offer a parked party to `to` for `ring`; unanswered, go on to the lot's fallback (or, when
// `last`, disconnect the parked party).
void Pbx::offer_parked(Call& parkee, LineId to, CallReason reason, Duration ring, LineId parker,
                       std::size_t lot, bool last) {
  Line& target = lines_[to];
  const CallId parkee_id = parkee.id;
  if (busy_for_incoming(target) || target.calls.size() >= config_.max_calls_per_line) {
    if (last) far_disconnect(parkee, DisconnectMode::NoAnswer);
    else park_fallback(parkee_id, parker, lot);
    return;
  }
  Call& recall = create_call(to, Direction::Incoming, reason);
  Call* p = get(parkee_id);
  recall.from = lines_[p->line].number;
  recall.to = target.number;
  link(recall, *p);
  transition(recall, CallInput::Offer);
  recall.park_recall = Call::ParkRecall{parker, lot, last};
  recall.ring_timer = scheduler_.schedule(ring, [this, rid = recall.id, parkee_id] {
    Call* r = get(rid);
    if (!r || (r->state != CallState::Offering && r->state != CallState::Accepted)) return;
    r->ring_timer = {};
    const Call::ParkRecall info = *r->park_recall;
    unlink(*r);
    far_disconnect(*r, DisconnectMode::NoAnswer);
    park_recall_unanswered(parkee_id, info);
  });
  station_offered(recall);
}

// A recall nobody answered (or that was rejected): on to the lot's fallback, or the end.
void Pbx::park_recall_unanswered(CallId parkee_id, const Call::ParkRecall& recall) {
  Call* pk = get(parkee_id);
  // The parked party may have put its side on hold meanwhile; it still needs an end.
  if (!pk || pk->state == CallState::Idle || pk->state == CallState::Disconnected) return;
  if (recall.last) far_disconnect(*pk, DisconnectMode::NoAnswer);
  else park_fallback(parkee_id, recall.parker, recall.lot);
}

void Pbx::park_fallback(CallId parkee_id, LineId parker, std::size_t lot_index) {
  Call* parkee = get(parkee_id);
  if (!parkee) return;
  const ParkLotConfig& lot = park_.lots()[lot_index];
  const auto op = find_line(lot.operator_number);
  if (lot.on_timeout != ParkLotConfig::OnTimeout::Operator || !op) {
    far_disconnect(*parkee, DisconnectMode::NoAnswer);
    return;
  }
  offer_parked(*parkee, *op, CallReason::Parked, config_.timing.no_answer_timeout, parker,
               lot_index, /*last=*/true);
}

OpResult Pbx::pickup(LineId line_id, std::string_view target, std::string_view group) {
  if (line_id >= lines_.size()) return reply(Op::Pickup, LineErr::BadDeviceId);
  const Line& picker = lines_[line_id];
  // The lines whose ringing calls this pickup may take.
  std::vector<LineId> candidates;
  if (!target.empty()) {
    const auto t = find_line(target);
    if (!t) return reply(Op::Pickup, LineErr::InvalAddress);
    candidates.push_back(*t);
  } else {
    std::vector<std::size_t> groups;
    if (!group.empty()) {
      const auto& all = config_.pickup_groups;
      auto it = std::find_if(all.begin(), all.end(), [&](const auto& g) { return g.name == group; });
      const auto g = static_cast<std::size_t>(it - all.begin());
      if (it == all.end() || std::find(picker.groups.begin(), picker.groups.end(), g) == picker.groups.end())
        return reply(Op::Pickup, LineErr::InvalGroupId);
      groups.push_back(g);
    } else {
      groups = picker.groups;
      if (groups.empty()) return reply(Op::Pickup, LineErr::InvalGroupId);
    }
    for (std::size_t g : groups)
      for (const std::string& m : config_.pickup_groups[g].members)
        if (const auto l = find_line(m); l && *l != line_id) candidates.push_back(*l);
  }
  // The oldest ringing call (offered first; serials break ties) among the candidates.
  Call* ringing = nullptr;
  for (LineId l : candidates) {
    for (CallId id : lines_[l].calls) {
      Call* c = get(id);
      if (!c || c->direction != Direction::Incoming || c->answered) continue;
      if (c->state != CallState::Offering && c->state != CallState::Accepted) continue;
      if (!get(c->peer)) continue;
      if (!ringing || c->created < ringing->created ||
          (c->created == ringing->created && c->id.serial < ringing->id.serial))
        ringing = c;
    }
  }
  if (!ringing) {
    ++stats_.pickups_failed;
    return reply(Op::Pickup, LineErr::OperationFailed);
  }
  if (engaged(picker)) return reply(Op::Pickup, LineErr::InUse);
  if (picker.calls.size() >= config_.max_calls_per_line) return reply(Op::Pickup, LineErr::CallUnavail);
  ++stats_.pickups;
  Call& caller = *get(ringing->peer);
  const std::string dialled = ringing->original_to.empty() ? ringing->to : ringing->original_to;
  unlink(*ringing);
  far_disconnect(*ringing, DisconnectMode::Pickup);
  const CallId caller_id = caller.id;
  const OpResult result = join_new_call(line_id, CallReason::Pickup, caller_id, Op::Pickup);
  get(result.call)->original_to = dialled;
  if (Call* c = get(caller_id); c && next_state(c->state, CallInput::FarAnswer)) {
    scheduler_.cancel(c->ring_timer);
    transition(*c, CallInput::FarAnswer);
    c->answered = now();
    station_connected(*c);
  }
  return result;
}

OpResult Pbx::forward(LineId line_id, std::vector<ForwardRule> rules) {
  if (line_id >= lines_.size()) return reply(Op::Forward, LineErr::BadDeviceId);
  for (const ForwardRule& r : rules) {
    if (r.when == ForwardRule::When::DoNotDisturb) continue;
    if (!find_line(r.to)) return reply(Op::Forward, LineErr::InvalAddress);
  }
  lines_[line_id].forwarding = std::move(rules);
  return reply(Op::Forward, LineErr::Success);
}

// --- call control: swap hold, transfer, conference, redirect, secure ---------------------

namespace {
bool is_held(CallState s) {
  return s == CallState::OnHold || s == CallState::OnHoldPendTransfer || s == CallState::OnHoldPendConf;
}
}  // namespace

void Pbx::retire(Call& call) {
  // End a call of the controller's quietly: it leaves with a transfer or a collapsing
  // conference, so its far end (if any) is not disconnected.
  cancel_timers(call);
  call.peer = {};
  if (next_state(call.state, CallInput::TransferredAway)) {
    transition(call, CallInput::TransferredAway);
    return;
  }
  if (call.state != CallState::Disconnected) transition(call, CallInput::Drop, DisconnectMode::Normal);
  transition(call, CallInput::Clear);
}

OpResult Pbx::swap_hold(CallId active_id, CallId held_id) {
  Call* active = get(active_id);
  Call* held = get(held_id);
  if (!active || !held) return reply(Op::SwapHold, LineErr::InvalCallHandle);
  if (active->line != held->line || active_id == held_id)
    return reply(Op::SwapHold, LineErr::InvalCallHandle, active_id);
  if (!next_state(active->state, CallInput::SwapHold) || !next_state(held->state, CallInput::Retrieve))
    return reply(Op::SwapHold, LineErr::InvalCallState, active_id);
  const OpResult result = reply(Op::SwapHold, LineErr::Success, active_id);
  transition(*active, CallInput::SwapHold);
  start_hold_recall(*active);
  scheduler_.cancel(held->hold_timer);
  transition(*held, CallInput::Retrieve);
  return result;
}

Call& Pbx::new_consult_call(Call& about, Op op, CallId reply_call, OpResult& result) {
  const CallId about_id = about.id;
  Call& consult = create_call(about.line, Direction::Outgoing, CallReason::Direct);
  Call& a = *get(about_id);
  consult.from = lines_[a.line].number;
  consult.owner = requester_;
  consult.consult_of = about_id;
  a.consult = consult.id;
  result = reply(op, LineErr::Success, reply_call, {}, consult.id);
  return consult;
}

OpResult Pbx::setup_transfer(CallId id, std::string_view number) {
  Call* call = get(id);
  if (!call) return reply(Op::SetupTransfer, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::SetupTransfer) || call->is_conference || get(call->consult) ||
      get(call->consult_of))
    return reply(Op::SetupTransfer, LineErr::InvalCallState, id);
  if (!is_dialable(number)) return reply(Op::SetupTransfer, LineErr::InvalAddress, id);
  if (lines_[call->line].calls.size() >= config_.max_calls_per_line)
    return reply(Op::SetupTransfer, LineErr::CallUnavail, id);
  OpResult result;
  Call& consult = new_consult_call(*call, Op::SetupTransfer, id, result);
  Call& original = *get(id);
  transition(original, CallInput::SetupTransfer);
  transition(consult, CallInput::Seize);
  begin_dialing(consult, number);
  return result;
}

OpResult Pbx::complete_transfer(CallId id, CallId consult_id, TransferMode mode) {
  Call* first = get(id);
  if (!first) return reply(Op::CompleteTransfer, LineErr::InvalCallHandle);
  Call* second = get(consult_id);
  if (!second) return reply(Op::CompleteTransfer, LineErr::InvalConsultCallHandle, id);
  // The two must be a call and its consultation call (in either order, as after swap_hold).
  const bool related = (first->consult == second->id && second->consult_of == first->id) ||
                       (second->consult == first->id && first->consult_of == second->id);
  if (!related || first->is_conference || second->is_conference)
    return reply(Op::CompleteTransfer, LineErr::InvalConsultCallHandle, id);
  Call* held = is_held(first->state) ? first : second;
  Call* active = held == first ? second : first;
  const CallInput held_input =
      mode == TransferMode::Transfer ? CallInput::CompleteTransfer : CallInput::CompleteTransferConf;
  const CallInput active_input =
      mode == TransferMode::Transfer ? CallInput::TransferredAway : CallInput::JoinConference;
  if (!next_state(held->state, held_input) || !next_state(active->state, active_input))
    return reply(Op::CompleteTransfer, LineErr::InvalCallState, id);

  if (mode == TransferMode::Conference) {
    if (lines_[held->line].calls.size() >= config_.max_calls_per_line)
      return reply(Op::CompleteTransfer, LineErr::CallUnavail, id);
    const CallId held_id = held->id;
    const CallId active_id = active->id;
    Call& conf = create_call(held->line, Direction::Outgoing, CallReason::Direct);
    conf.is_conference = true;
    conf.from = lines_[conf.line].number;
    conf.owner = requester_;
    const OpResult result = reply(Op::CompleteTransfer, LineErr::Success, conf.id);
    ++stats_.conferences;
    Call& h = *get(held_id);
    Call& a = *get(active_id);
    h.consult = a.consult = h.consult_of = a.consult_of = {};
    h.conference = a.conference = conf.id;
    conf.members = {held_id, active_id};
    stats_.conference_max_size = std::max<std::uint64_t>(stats_.conference_max_size, 2);
    scheduler_.cancel(h.hold_timer);
    transition(conf, CallInput::Join);
    transition(h, CallInput::CompleteTransferConf);
    transition(a, CallInput::JoinConference);
    return result;
  }

  const OpResult result = reply(Op::CompleteTransfer, LineErr::Success, id);
  ++stats_.transfers;
  const CallId transferee_id = held->peer;
  const CallId target_id = active->peer;
  const CallState active_state = active->state;
  const std::string number = active->to;
  held->consult = held->consult_of = active->consult = active->consult_of = {};
  unlink(*held);
  unlink(*active);
  cancel_timers(*held);
  cancel_timers(*active);
  transition(*held, CallInput::CompleteTransfer);
  transition(*active, CallInput::TransferredAway);
  Call* transferee = get(transferee_id);
  Call* target = get(target_id);
  if (!transferee) {  // nobody left to transfer: release the target too
    if (target) far_disconnect(*target, DisconnectMode::Normal);
    return result;
  }
  if (target && (active_state == CallState::Connected || active_state == CallState::RingBack)) {
    link(*transferee, *target);
    if (target->state == CallState::Offering || target->state == CallState::Accepted) {
      // The transferee now waits for the ringing target, under no-answer supervision.
      scheduler_.cancel(transferee->ring_timer);
      transferee->ring_timer = scheduler_.schedule(config_.timing.no_answer_timeout,
                                                   [this, transferee_id] { no_answer(transferee_id); });
    }
    return result;
  }
  // The consult was busy or still proceeding: the transferee goes on to its number.
  if (target) far_disconnect(*target, DisconnectMode::Normal);
  offer_to(*transferee, number, CallReason::Transfer, 0);
  return result;
}

OpResult Pbx::blind_transfer(CallId id, std::string_view number) {
  Call* call = get(id);
  if (!call) return reply(Op::BlindTransfer, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::BlindTransfer) || call->is_conference ||
      get(call->consult) || get(call->consult_of))
    return reply(Op::BlindTransfer, LineErr::InvalCallState, id);
  const auto match = dial_plan_.classify(number);
  if (number.empty() || !is_dialable(number) ||
      (match != DialPlan::Match::Complete && match != DialPlan::Match::Ambiguous))
    return reply(Op::BlindTransfer, LineErr::InvalAddress, id);  // nothing is dialled
  Call* transferee = get(call->peer);
  if (!transferee) return reply(Op::BlindTransfer, LineErr::OperationFailed, id);
  const OpResult result = reply(Op::BlindTransfer, LineErr::Success, id);
  ++stats_.transfers;
  const CallId transferee_id = transferee->id;
  const LineId transferer = call->line;
  unlink(*call);
  cancel_timers(*call);
  transition(*call, CallInput::BlindTransfer);
  offer_to(*get(transferee_id), std::string(number), CallReason::Transfer, 0,
           config_.transfer_recall ? std::optional<LineId>(transferer) : std::nullopt);
  return result;
}

// Offer a connected party back to a line (a transfer recall); unanswered or busy, it ends.
void Pbx::recall_party(CallId party_id, LineId to, CallReason reason) {
  Call* party = get(party_id);
  if (!party) return;
  Line& target = lines_[to];
  if (busy_for_incoming(target) || target.calls.size() >= config_.max_calls_per_line) {
    far_disconnect(*party, DisconnectMode::Busy);
    return;
  }
  Call& recall = create_call(to, Direction::Incoming, reason);
  Call& p = *get(party_id);
  recall.from = lines_[p.line].number;
  recall.to = target.number;
  link(recall, p);
  transition(recall, CallInput::Offer);
  recall.ring_timer = scheduler_.schedule(config_.timing.no_answer_timeout, [this, rid = recall.id] {
    Call* r = get(rid);
    if (!r || (r->state != CallState::Offering && r->state != CallState::Accepted)) return;
    r->ring_timer = {};
    const CallId far = r->peer;
    unlink(*r);
    far_disconnect(*r, DisconnectMode::NoAnswer);
    if (Call* f = get(far)) far_disconnect(*f, DisconnectMode::NoAnswer);
  });
  station_offered(recall);
}

OpResult Pbx::setup_conference(CallId id, std::string_view number) {
  Call* call = get(id);
  if (!call) return reply(Op::SetupConference, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::SetupConference) || call->is_conference ||
      get(call->consult) || get(call->consult_of) || get(call->conference))
    return reply(Op::SetupConference, LineErr::InvalCallState, id);
  if (!is_dialable(number)) return reply(Op::SetupConference, LineErr::InvalAddress, id);
  if (lines_[call->line].calls.size() + 2 > config_.max_calls_per_line)
    return reply(Op::SetupConference, LineErr::CallUnavail, id);
  Call& conf = create_call(call->line, Direction::Outgoing, CallReason::Direct);
  conf.is_conference = true;
  conf.from = lines_[conf.line].number;
  conf.owner = requester_;
  OpResult result;
  Call& consult = new_consult_call(conf, Op::SetupConference, conf.id, result);
  Call& original = *get(id);
  original.conference = conf.id;
  conf.members = {id};
  ++stats_.conferences;
  stats_.conference_max_size = std::max<std::uint64_t>(stats_.conference_max_size, 1);
  transition(conf, CallInput::ConfCreate);
  transition(original, CallInput::SetupConference);
  transition(consult, CallInput::Seize);
  begin_dialing(consult, number);
  return result;
}

OpResult Pbx::prepare_add_to_conference(CallId conf_id, std::string_view number) {
  Call* conf = get(conf_id);
  if (!conf || !conf->is_conference) return reply(Op::PrepareAddToConference, LineErr::InvalConfCallHandle);
  if (!next_state(conf->state, CallInput::PrepareAddConf) || get(conf->consult))
    return reply(Op::PrepareAddToConference, LineErr::InvalCallState, conf_id);
  if (conf->members.size() >= config_.conference_max)
    return reply(Op::PrepareAddToConference, LineErr::ConferenceFull, conf_id);
  if (!is_dialable(number)) return reply(Op::PrepareAddToConference, LineErr::InvalAddress, conf_id);
  if (lines_[conf->line].calls.size() >= config_.max_calls_per_line)
    return reply(Op::PrepareAddToConference, LineErr::CallUnavail, conf_id);
  OpResult result;
  Call& consult = new_consult_call(*conf, Op::PrepareAddToConference, conf_id, result);
  transition(*get(conf_id), CallInput::PrepareAddConf);
  transition(consult, CallInput::Seize);
  begin_dialing(consult, number);
  return result;
}

OpResult Pbx::add_to_conference(CallId conf_id, CallId consult_id) {
  Call* conf = get(conf_id);
  if (!conf || !conf->is_conference) return reply(Op::AddToConference, LineErr::InvalConfCallHandle);
  Call* consult = get(consult_id);
  if (!consult || consult->line != conf->line || consult->is_conference || get(consult->conference))
    return reply(Op::AddToConference, LineErr::InvalCallHandle, conf_id);  // TAPI: hConsultCall
  if (!next_state(conf->state, CallInput::AddToConference) ||
      !next_state(consult->state, CallInput::JoinConference))
    return reply(Op::AddToConference, LineErr::InvalCallState, conf_id);
  if (conf->members.size() >= config_.conference_max)
    return reply(Op::AddToConference, LineErr::ConferenceFull, conf_id);
  const OpResult result = reply(Op::AddToConference, LineErr::Success, conf_id);
  if (Call* about = get(consult->consult_of)) about->consult = {};
  consult->consult_of = {};
  if (conf->consult == consult_id) conf->consult = {};
  consult->conference = conf_id;
  conf->members.push_back(consult_id);
  stats_.conference_max_size = std::max<std::uint64_t>(stats_.conference_max_size, conf->members.size());
  transition(*consult, CallInput::JoinConference);
  transition(*conf, CallInput::AddToConference);
  return result;
}

OpResult Pbx::remove_from_conference(CallId id) {
  Call* member = get(id);
  if (!member) return reply(Op::RemoveFromConference, LineErr::InvalCallHandle);
  if (!next_state(member->state, CallInput::RemoveFromConf) || !get(member->conference))
    return reply(Op::RemoveFromConference, LineErr::InvalCallState, id);
  const OpResult result = reply(Op::RemoveFromConference, LineErr::Success, id);
  cancel_timers(*member);
  disconnect_far_end(*member, CallState::Conferenced);
  transition(*member, CallInput::RemoveFromConf);  // IDLE; on_idle leaves the conference
  return result;
}

void Pbx::leave_conference(Call& member) {
  Call* conf = get(member.conference);
  member.conference = {};
  if (!conf) return;
  auto& m = conf->members;
  m.erase(std::remove(m.begin(), m.end(), member.id), m.end());
  collapse_if_small(conf->id);
}

void Pbx::collapse_if_small(CallId conf_id) {
  if (shutting_down_) return;
  Call* conf = get(conf_id);
  if (!conf || conf->state == CallState::Idle || get(conf->consult)) return;
  if (conf->members.size() > 1) return;
  if (conf->headless) {
    // The PBX's bridge with one party left: nobody to talk to, so that party is released.
    const std::vector<CallId> left = std::move(conf->members);
    conf->members.clear();
    for (CallId id : left) {
      Call* leg = get(id);
      if (!leg) continue;
      leg->conference = {};
      const CallId party = leg->peer;
      unlink(*leg);
      if (Call* p = get(party); p && p->state != CallState::Idle && p->state != CallState::Disconnected)
        far_disconnect(*p, DisconnectMode::Normal);
      if (Call* l = get(id)) retire(*l);
    }
    retire(*get(conf_id));
    return;
  }
  // One party left: the conference collapses into a plain call with it.
  if (!conf->members.empty()) {
    Call* last = get(conf->members.front());
    conf->members.clear();
    if (last) {
      last->conference = {};
      if (next_state(last->state, CallInput::Collapse)) transition(*last, CallInput::Collapse);
    }
  }
  retire(*get(conf_id));
}

void Pbx::drop_conference(Call& conf) {
  const CallId conf_id = conf.id;
  const std::vector<CallId> members = conf.members;
  conf.members.clear();
  if (Call* consult = get(conf.consult)) {
    consult->consult_of = {};
    conf.consult = {};
    drop(consult->id);
  }
  if (!config_.confdrop && members.size() > 2) {
    // Without CONFDROP the other parties go on talking amongst themselves: the PBX takes the
    // conference over on its bridge, and the controller's calls end here.
    bridge_headless(conf, members);
    return;
  }
  // Without CONFDROP the two remaining parties stay connected to each other.
  Call* m0 = members.size() == 2 ? get(members[0]) : nullptr;
  Call* m1 = members.size() == 2 ? get(members[1]) : nullptr;
  Call* p0 = m0 ? get(m0->peer) : nullptr;
  Call* p1 = m1 ? get(m1->peer) : nullptr;
  const bool keep_talking = !config_.confdrop && p0 && p1;
  for (CallId id : members) {
    Call* m = get(id);
    if (!m) continue;
    m->conference = {};
    cancel_timers(*m);
    if (keep_talking) {
      unlink(*m);
    } else if (m->state != CallState::Disconnected) {
      disconnect_far_end(*m, m->state);
    }
    if (m->state != CallState::Disconnected) transition(*m, CallInput::Drop, DisconnectMode::Normal);
    transition(*m, CallInput::Clear);
  }
  if (keep_talking) link(*p0, *p1);
  Call& c = *get(conf_id);
  cancel_timers(c);
  transition(c, CallInput::Drop, DisconnectMode::Normal);
  transition(c, CallInput::Clear);
}

LineId Pbx::bridge_line() {
  if (!bridge_line_) {
    const auto id = static_cast<LineId>(lines_.size());
    Behavior automatic_bridge;
    automatic_bridge.kind = Behavior::Kind::Auto;
    lines_.push_back(Line{id, "bridge", "PBX conference bridge", automatic_bridge, {}, {}, {}, {},
                          false, 0, {}});
    bridge_line_ = id;
  }
  return *bridge_line_;
}

void Pbx::bridge_headless(Call& conf, const std::vector<CallId>& members) {
  const CallId conf_id = conf.id;
  const LineId bridge = bridge_line();
  Call& bconf = create_call(bridge, Direction::Outgoing, CallReason::Direct);
  bconf.is_conference = true;
  bconf.headless = true;
  bconf.from = lines_[bridge].number;
  const CallId bconf_id = bconf.id;
  transition(bconf, CallInput::Join);
  for (CallId id : members) {
    Call* m = get(id);
    if (!m) continue;
    m->conference = {};
    cancel_timers(*m);
    const CallId party_id = m->peer;
    unlink(*m);
    if (Call* party = get(party_id); party && party->state != CallState::Idle &&
                                     party->state != CallState::Disconnected) {
      Call& leg = create_call(bridge, Direction::Incoming, CallReason::Direct);
      leg.from = party->from;
      leg.to = lines_[bridge].number;
      link(leg, *get(party_id));
      transition(leg, CallInput::Join);
      leg.answered = now();
      transition(leg, CallInput::JoinConference);
      leg.conference = bconf_id;
      get(bconf_id)->members.push_back(leg.id);
    }
    Call& mm = *get(id);
    if (mm.state != CallState::Disconnected) transition(mm, CallInput::Drop, DisconnectMode::Normal);
    transition(mm, CallInput::Clear);
  }
  Call& c = *get(conf_id);
  cancel_timers(c);
  transition(c, CallInput::Drop, DisconnectMode::Normal);
  transition(c, CallInput::Clear);
  collapse_if_small(bconf_id);
}

std::vector<CallId> Pbx::conference_related(CallId id) const {
  const Call* call = get_const(id);
  if (!call) return {};
  const Call* conf = call->is_conference ? call : get_const(call->conference);
  if (!conf) return {};
  std::vector<CallId> out{conf->id};
  out.insert(out.end(), conf->members.begin(), conf->members.end());
  return out;
}

void Pbx::consult_gone(Call& original) {
  if (shutting_down_) return;
  // The consultation call ended. With AUTORECONNECT the call it consulted about comes back.
  if (!config_.autoreconnect) return;
  if ((original.state == CallState::OnHoldPendTransfer || original.state == CallState::OnHoldPendConf) &&
      !engaged(lines_[original.line])) {
    transition(original, CallInput::Retrieve);
  }
}

OpResult Pbx::redirect(CallId id, std::string_view number) {
  Call* call = get(id);
  if (!call) return reply(Op::Redirect, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::Redirect)) return reply(Op::Redirect, LineErr::InvalCallState, id);
  const auto match = dial_plan_.classify(number);
  if (number.empty() || !is_dialable(number) ||
      (match != DialPlan::Match::Complete && match != DialPlan::Match::Ambiguous))
    return reply(Op::Redirect, LineErr::InvalAddress, id);
  Call* caller = get(call->peer);
  if (!caller) return reply(Op::Redirect, LineErr::OperationFailed, id);
  const OpResult result = reply(Op::Redirect, LineErr::Success, id);
  ++stats_.redirects;
  const CallId caller_id = caller->id;
  unlink(*call);
  cancel_timers(*call);
  transition(*call, CallInput::Redirect);
  offer_to(*get(caller_id), std::string(number), CallReason::Redirect, 0);
  return result;
}

OpResult Pbx::secure_call(CallId id) {
  Call* call = get(id);
  if (!call) return reply(Op::SecureCall, LineErr::InvalCallHandle);
  if (call->state == CallState::Idle || call->state == CallState::Disconnected)
    return reply(Op::SecureCall, LineErr::InvalCallState, id);
  const OpResult result = reply(Op::SecureCall, LineErr::Success, id);
  call->secure = true;
  return result;
}

// --- call completion, handoff --------------------------------------------------------------

std::string_view to_string(CompletionMode m) {
  switch (m) {
    case CompletionMode::CampOn: return "CAMPON";
    case CompletionMode::Callback: return "CALLBACK";
    case CompletionMode::Intrude: return "INTRUDE";
    case CompletionMode::Message: return "MESSAGE";
  }
  return "?";
}

OpResult Pbx::complete_call(CallId id, CompletionMode mode) {
  Call* call = get(id);
  if (!call) return reply(Op::CompleteCall, LineErr::InvalCallHandle);
  if (!next_state(call->state, CallInput::CompleteCall) || call->direction != Direction::Outgoing)
    return reply(Op::CompleteCall, LineErr::InvalCallState, id);
  const auto target = find_line(call->to);
  if (!target || *target == call->line) return reply(Op::CompleteCall, LineErr::OperationFailed, id);
  // A secure call admits no intrusion and no camp-on.
  Call* victim = nullptr;
  for (CallId cid : lines_[*target].calls) {
    Call* c = get(cid);
    if (!c || c->state == CallState::Idle) continue;
    // Either party may have secured the conversation.
    const Call* far = get(c->peer);
    const bool secured = c->secure || (far && far->secure);
    if (secured && (mode == CompletionMode::Intrude || mode == CompletionMode::CampOn))
      return reply(Op::CompleteCall, LineErr::OperationFailed, id);
    if (!victim && c->state == CallState::Connected && !c->is_conference) victim = c;
  }
  if (mode == CompletionMode::Intrude && !victim) return reply(Op::CompleteCall, LineErr::OperationFailed, id);
  const std::uint32_t completion = next_completion_++;
  const OpResult result = reply(Op::CompleteCall, LineErr::Success, id, {}, {}, completion);
  ++stats_.completions_requested;
  const LineId caller = call->line;
  const CallId leg_id = call->peer;
  const CallId victim_id = victim ? victim->id : CallId{};
  unlink(*call);
  cancel_timers(*call);
  transition(*call, CallInput::CompleteCall);  // IDLE for the caller
  if (Call* leg = get(leg_id)) far_disconnect(*leg, DisconnectMode::Normal);
  switch (mode) {
    case CompletionMode::Message:
      ++lines_[*target].messages_waiting;
      ++stats_.messages_left;
      ++stats_.completions_done;
      break;
    case CompletionMode::Intrude: {
      Call& intruder = create_call(caller, Direction::Outgoing, CallReason::Intrude);
      intruder.from = lines_[caller].number;
      intruder.to = lines_[*target].number;
      intruder.intruding_on = victim_id;
      intruder.owner = requester_;
      get(victim_id)->intruders.push_back(intruder.id);
      transition(intruder, CallInput::Join);
      intruder.answered = now();
      ++stats_.intrusions;
      ++stats_.completions_done;
      break;
    }
    case CompletionMode::CampOn:
    case CompletionMode::Callback:
      completions_.push_back(Completion{completion, mode, caller, *target});
      if (!completion_check_scheduled_) {
        completion_check_scheduled_ = true;
        scheduler_.schedule(Duration::zero(), [this] {
          completion_check_scheduled_ = false;
          try_completions();
        });
      }
      break;
  }
  return result;
}

void Pbx::try_completions() {
  for (std::size_t i = 0; i < completions_.size();) {
    const Completion c = completions_[i];
    const bool target_free = !busy_for_incoming(lines_[c.target]) && idle(c.target);
    const bool caller_free = !engaged(lines_[c.caller]);
    if (!target_free || !caller_free) {
      ++i;
      continue;
    }
    completions_.erase(completions_.begin() + static_cast<std::ptrdiff_t>(i));
    run_completion(c);
  }
}

void Pbx::run_completion(const Completion& c) {
  ++stats_.completions_done;
  if (c.mode == CompletionMode::CampOn) {
    // The PBX places the call for the caller: it rings back at once and the target is
    // offered the call, reason CAMPEDON.
    Call& call = create_call(c.caller, Direction::Outgoing, CallReason::CallCompletion);
    call.from = lines_[c.caller].number;
    call.to = lines_[c.target].number;
    transition(call, CallInput::Placed);
    offer_to(call, call.to, CallReason::CampedOn, 0);
    return;
  }
  // CALLBACK: ring the caller first; answering it calls the target (see answer()).
  Call& back = create_call(c.caller, Direction::Incoming, CallReason::CallCompletion);
  back.from = lines_[c.target].number;
  back.to = lines_[c.caller].number;
  back.callback_to = lines_[c.target].number;
  transition(back, CallInput::Offer);
  back.ring_timer = scheduler_.schedule(config_.timing.no_answer_timeout, [this, id = back.id] {
    Call* b = get(id);
    if (b && (b->state == CallState::Offering || b->state == CallState::Accepted)) {
      b->ring_timer = {};
      far_disconnect(*b, DisconnectMode::NoAnswer);
    }
  });
  station_offered(back);
}

OpResult Pbx::uncomplete_call(LineId line, std::uint32_t completion) {
  if (line >= lines_.size()) return reply(Op::UncompleteCall, LineErr::BadDeviceId);
  auto it = std::find_if(completions_.begin(), completions_.end(), [&](const Completion& c) {
    return c.id == completion && c.caller == line;
  });
  if (it == completions_.end()) return reply(Op::UncompleteCall, LineErr::InvalCompletionId);
  completions_.erase(it);
  ++stats_.completions_cancelled;
  return reply(Op::UncompleteCall, LineErr::Success, {}, {}, {}, completion);
}

OpResult Pbx::handoff(CallId id, std::string controller) {
  Call* call = get(id);
  if (!call) return reply(Op::Handoff, LineErr::InvalCallHandle);
  if (controller == call->owner) return reply(Op::Handoff, LineErr::TargetSelf, id);
  const auto& known = config_.controllers;
  if (!controller.empty() && !known.empty() &&
      std::find(known.begin(), known.end(), controller) == known.end())
    return reply(Op::Handoff, LineErr::TargetNotFound, id);
  const OpResult result = reply(Op::Handoff, LineErr::Success, id, controller);
  call->owner = std::move(controller);
  return result;
}

// --- trunks and generated traffic ----------------------------------------------------------

std::optional<std::size_t> Pbx::find_trunk(std::string_view name) const {
  for (std::size_t t = 0; t < config_.trunks.size(); ++t)
    if (config_.trunks[t].name == name) return t;
  return std::nullopt;
}

void Pbx::channel_change(LineId line, int delta) {
  TrunkState& ts = trunks_[*lines_[line].trunk];
  // A channel is busy while it has a call that is not IDLE: count calls, not lines, since each
  // channel carries one call at a time.
  ts.busy = static_cast<std::uint32_t>(static_cast<int>(ts.busy) + delta);
  ts.stats.occupancy(now(), ts.busy);
}

std::optional<LineId> Pbx::seize_channel(std::size_t t) {
  TrunkState& ts = trunks_[t];
  const std::size_t n = ts.channels.size();
  const bool round_robin = config_.trunks[t].select == TrunkConfig::Select::RoundRobin;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = round_robin ? (ts.next + k) % n : k;
    const Line& ch = lines_[ts.channels[i]];
    if (ch.calls.empty()) {
      ts.next = i + 1;
      return ch.id;
    }
  }
  return std::nullopt;
}

void Pbx::offer_trunk(Call& origin, std::size_t t, const std::string& number) {
  TrunkState& ts = trunks_[t];
  const TrunkConfig& tc = config_.trunks[t];
  const auto channel = seize_channel(t);
  ts.stats.seize_attempt(now(), !channel);
  if (!channel) {  // all channels busy
    far_disconnect(origin, DisconnectMode::Congestion);
    return;
  }
  // The PSTN decides how this call goes, from the trunk's own random stream.
  const FarEndConfig& fe = tc.far_end;
  const double u = unit_uniform(ts.rng);
  const Duration answer_after = fe.answer_after.sample(ts.rng);
  const std::optional<Duration> holding =
      fe.holding ? std::optional<Duration>(fe.holding->sample(ts.rng)) : std::nullopt;
  const CallId origin_id = origin.id;
  Call& leg = create_call(*channel, Direction::Incoming, CallReason::Direct);
  Call& o = *get(origin_id);
  leg.from = o.from;
  leg.to = number.substr(tc.access_code.size());
  leg.hangup_after = holding;
  link(leg, o);
  transition(leg, CallInput::Offer);
  if (u < fe.busy) {
    unlink(leg);
    far_disconnect(leg, DisconnectMode::Busy);
    if (next_state(o.state, CallInput::FarBusy)) {
      transition(o, CallInput::FarBusy);
      auto_onhook(o);
    } else {
      far_disconnect(o, DisconnectMode::Busy);
    }
    return;
  }
  if (u < fe.busy + fe.special_info) {
    unlink(leg);
    far_disconnect(leg, DisconnectMode::Unreachable);
    if (next_state(o.state, CallInput::Intercept)) {
      transition(o, CallInput::Intercept);
      auto_onhook(o);
    } else {
      far_disconnect(o, DisconnectMode::Unreachable);
    }
    return;
  }
  if (next_state(o.state, CallInput::Alerting)) transition(o, CallInput::Alerting);
  scheduler_.cancel(o.ring_timer);
  o.ring_timer = scheduler_.schedule(config_.timing.no_answer_timeout,
                                     [this, origin_id] { no_answer(origin_id); });
  if (u < fe.busy + fe.special_info + fe.no_answer) return;  // rings until the timeout
  leg.station_timer = scheduler_.schedule(answer_after, [this, id = leg.id] {
    if (Call* c = get(id)) {
      c->station_timer = {};
      answer(id);
    }
  });
}

bool Pbx::trunk_arrival(std::size_t t, const std::string& did, Duration holding) {
  TrunkState& ts = trunks_.at(t);
  const TrunkConfig& tc = config_.trunks[t];
  const auto channel = seize_channel(t);
  ts.stats.seize_attempt(now(), !channel);
  if (!channel) return false;
  Call& call = create_call(*channel, Direction::Outgoing, CallReason::Direct);
  call.from = tc.name;
  call.to = did;
  call.hangup_after = holding;
  transition(call, CallInput::Placed);
  // DID routing: the extension named by the DID's last digits, else the trunk's default.
  std::string target;
  if (did.size() >= tc.did_digits) {
    const std::string tail = did.substr(did.size() - tc.did_digits);
    if (find_line(tail)) target = tail;
  }
  if (target.empty()) target = tc.did_default;
  if (target.empty() || !find_line(target)) {
    far_disconnect(call, DisconnectMode::BadAddress);
    return true;
  }
  offer_to(call, target, CallReason::Direct, 0);
  return true;
}

OpResult Pbx::place_generated(LineId line, std::string_view number, Duration holding) {
  OpResult r = make_call(line, number);
  if (Call* c = get(r.call); r.ok() && c) {
    c->driven = true;
    c->hangup_after = holding;
  }
  return r;
}

// --- call progress ----------------------------------------------------------------------

void Pbx::start_outpulsing(Call& call) {
  if (call.pending.empty()) return;
  transition(call, CallInput::Dial);
  scheduler_.cancel(call.progress_timer);  // an inter-digit wait ends with new digits
  call.outpulsing = std::move(call.pending);
  call.pending.clear();
  const auto n = static_cast<Duration::rep>(call.outpulsing.size());
  call.progress_timer = scheduler_.schedule(config_.timing.digit_time * n,
                                            [this, id = call.id] { digits_outpulsed(id); });
}

void Pbx::digits_outpulsed(CallId id) {
  Call* call = get(id);
  if (!call || call->state != CallState::Dialing) return;
  call->progress_timer = {};
  call->to += call->outpulsing;
  call->outpulsing.clear();
  if (!call->pending.empty()) {
    start_outpulsing(*call);
    return;
  }
  analyse_number(*call);
}

void Pbx::analyse_number(Call& call) {
  const CallId id = call.id;
  switch (dial_plan_.classify(call.to)) {
    case DialPlan::Match::Complete:
      number_complete(call);
      return;
    case DialPlan::Match::Ambiguous:
      call.progress_timer = scheduler_.schedule(config_.timing.inter_digit_timeout, [this, id] {
        if (Call* c = get(id); c && c->state == CallState::Dialing) number_complete(*c);
      });
      return;
    case DialPlan::Match::Incomplete:
      call.progress_timer = scheduler_.schedule(config_.timing.inter_digit_timeout, [this, id] {
        if (Call* c = get(id); c && c->state == CallState::Dialing) vacant_number(*c);
      });
      return;
    case DialPlan::Match::Invalid:
      vacant_number(call);
      return;
  }
}

void Pbx::vacant_number(Call& call) {
  call.progress_timer = {};
  if (config_.vacant_number_special_info) {
    transition(call, CallInput::Intercept);
    auto_onhook(call);
  } else {
    far_disconnect(call, DisconnectMode::BadAddress);
  }
}

void Pbx::number_complete(Call& call) {
  call.progress_timer = {};
  transition(call, CallInput::NumberComplete);
  call.progress_timer = scheduler_.schedule(config_.timing.post_dial_delay,
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
  if (hops <= config_.forward_hop_limit) return false;
  ++stats_.forward_loops_stopped;
  far_disconnect(origin, DisconnectMode::Unreachable);
  return true;
}

// Offer the call `origin` placed to `number`, following forwarding. `hops` counts the
// forwarding steps taken so far; `reason` is the reason the offered call will carry.
void Pbx::offer_to(Call& origin, const std::string& number, CallReason reason, int hops,
                   std::optional<LineId> recall_on_busy) {
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
  const bool busy = busy_for_incoming(callee) || callee.calls.size() >= config_.max_calls_per_line;
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
    offer_to(origin, next, fwd.reason, hops + 1, recall_on_busy);
    return;
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
  link(incoming, origin);
  transition(incoming, CallInput::Offer);
  if (next_state(origin.state, CallInput::Alerting)) transition(origin, CallInput::Alerting);
  // Each destination gets a full ringing period before the PBX gives up.
  scheduler_.cancel(origin.ring_timer);
  const Duration ring = get(origin.consult_of) && config_.consult_timeout
                            ? *config_.consult_timeout
                            : config_.timing.no_answer_timeout;
  origin.ring_timer = scheduler_.schedule(ring, [this, id = origin.id] { no_answer(id); });
  if (const ForwardRule* rule = forward_on_no_answer(callee.forwarding, /*internal=*/true)) {
    incoming.forward_timer =
        scheduler_.schedule(no_answer_delay(*rule, config_.timing.ring_cadence),
                            [this, leg = incoming.id] { forward_no_answer(leg); });
  }
  station_offered(incoming);
}

void Pbx::forward_no_answer(CallId leg_id) {
  Call* leg = get(leg_id);
  if (!leg || (leg->state != CallState::Offering && leg->state != CallState::Accepted)) return;
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
  offer_to(*origin, next, CallReason::FwdNoAnswer, hops);
}

void Pbx::no_answer(CallId id) {
  Call* origin = get(id);
  if (!origin) return;
  // The caller, or a transferee left connected to a target that is still ringing.
  const Call* far = get(origin->peer);
  const bool waiting = origin->state == CallState::RingBack ||
                       ((origin->state == CallState::Connected || origin->state == CallState::Conferenced) &&
                        far && (far->state == CallState::Offering || far->state == CallState::Accepted));
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
    const bool pending = o && (o->state == CallState::OnHoldPendTransfer ||
                               o->state == CallState::OnHoldPendConf);
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
}

void Pbx::link(Call& a, Call& b) {
  a.peer = b.id;
  b.peer = a.id;
  a.last_peer_serial = b.id.serial;
  b.last_peer_serial = a.id.serial;
}

void Pbx::unlink(Call& call) {
  if (Call* peer = get(call.peer)) peer->peer = {};
  call.peer = {};
}

void Pbx::disconnect_far_end(Call& dropper, CallState state_before) {
  Call* peer = get(dropper.peer);
  unlink(dropper);
  if (!peer || peer->state == CallState::Idle || peer->state == CallState::Disconnected) return;
  // Dropping a call that was only ever offered rejects it; a recall of a call that was
  // already connected (hold recall) just ends it.
  const bool rejected =
      (state_before == CallState::Offering || state_before == CallState::Accepted) &&
      !(dropper.reason == CallReason::Reminder && dropper.answered);
  if ((state_before == CallState::Offering || state_before == CallState::Accepted) &&
      dropper.park_recall) {  // a rejected park recall is an unanswered one
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
                             (config_.autoreconnect && get(call.consult_of));
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
  const CallId id = call.id;
  switch (b.kind) {
    case Behavior::Kind::Auto:
      if (b.answer_after) {
        const Duration delay = b.answer_after->sample(lines_[call.line].rng);
        call.station_timer = scheduler_.schedule(delay, [this, id] {
          if (Call* c = get(id)) {
            c->station_timer = {};
            answer(id);
          }
        });
      }
      return;
    case Behavior::Kind::Reject:
      call.station_timer = scheduler_.schedule(Duration::zero(), [this, id] {
        if (Call* c = get(id)) {
          c->station_timer = {};
          drop(id);
        }
      });
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
      call.hangup_after ? *call.hangup_after : b.hangup_after->sample(lines_[call.line].rng);
  call.station_timer = scheduler_.schedule(delay, [this, id = call.id] {
    if (Call* c = get(id)) {
      c->station_timer = {};
      drop(id);
    }
  });
}

void Pbx::cancel_timers(Call& call) {
  scheduler_.cancel(call.progress_timer);
  scheduler_.cancel(call.ring_timer);
  scheduler_.cancel(call.station_timer);
  scheduler_.cancel(call.forward_timer);
  scheduler_.cancel(call.hold_timer);
  call.awaiting_dialtone = false;
}

void Pbx::release_intruders(Call& call) {
  const std::vector<CallId> intruders = std::move(call.intruders);
  call.intruders.clear();
  for (CallId i : intruders) {
    Call* intruder = get(i);
    if (intruder && intruder->state != CallState::Idle && intruder->state != CallState::Disconnected)
      far_disconnect(*intruder, DisconnectMode::Normal);
  }
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
  release_intruders(call);
  if (!completions_.empty() && !completion_check_scheduled_) {
    // A line may have become free: pending camp-ons and callbacks look again, once this
    // instant's changes are done.
    completion_check_scheduled_ = true;
    scheduler_.schedule(Duration::zero(), [this] {
      completion_check_scheduled_ = false;
      try_completions();
    });
  }
  CallRecord r;
  r.serial = call.id.serial;
  r.line = lines_[call.line].number;
  r.direction = call.direction;
  r.from = call.from;
  r.to = call.to;
  r.original_to = call.original_to;
  r.forward_hops = call.forward_hops;
  r.park_orbit = call.park_orbit;
  r.reason = call.reason;
  r.peer_serial = call.last_peer_serial;
  r.start = call.created;
  r.answer = call.answered;
  r.end = *call.ended;
  r.mode = call.mode;
  r.cleared_at_end = call.cleared_at_end;
  r.history = call.history;
  if (call.answered) {
    r.outcome = Outcome::Answered;
  } else if (call.direction == Direction::Incoming) {
    r.outcome = Outcome::Missed;
  } else if (std::any_of(call.history.begin(), call.history.end(),
                         [](const StateStamp& s) { return s.state == CallState::Busy; })) {
    r.outcome = Outcome::Blocked;
  } else if (std::any_of(call.history.begin(), call.history.end(),
                         [](const StateStamp& s) { return s.state == CallState::SpecialInfo; })) {
    r.outcome = Outcome::Failed;  // intercept: a vacant number
  } else if (!call.cleared_at_end && call.mode == DisconnectMode::Normal) {
    r.outcome = Outcome::Abandoned;  // the caller dropped it
  } else {
    r.outcome = Outcome::Failed;
  }
  ++stats_.records;
  for (PbxObserver* o : observers_) o->on_call_record(r);
  if (automatic(call)) release(call);
}

void Pbx::release(Call& call) {
  auto& calls = lines_[call.line].calls;
  calls.erase(std::find(calls.begin(), calls.end(), call.id));
  call.live = false;
  free_slots_.push_back(call.id.slot);
  --stats_.live_calls;
}

std::size_t Pbx::shutdown() {
  std::size_t cleared = 0;
  completions_.clear();
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
