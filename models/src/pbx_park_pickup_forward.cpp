// Pbx: park orbits, pickup groups and call forwarding (operations and their timers).
#include "telsim/models/pbx.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace telsim {

// --- park, pickup, forward --------------------------------------------------------------

OpResult Pbx::join_new_call(LineId line, CallReason reason, CallId far_id, Op op, std::string original_to) {
  Call& call = create_call(line, Direction::Incoming, reason);
  Call& far = *get(far_id);
  call.from = lines_[far.line].number;
  call.to = lines_[line].number;
  call.original_to = std::move(original_to);  // set before its first state: observers see it with the call
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
  const CallId parkee_id = parkee.id;
  if (refuses_calls(lines_[to])) {
    if (last) far_disconnect(parkee, DisconnectMode::NoAnswer);
    else park_fallback(parkee_id, parker, lot);
    return;
  }
  Call& recall = offer_recall(parkee_id, to, reason);
  recall.park_recall = Call::ParkRecall{parker, lot, last};
  recall.ring_timer = scheduler_.schedule(ring, [this, rid = recall.id, parkee_id] {
    Call* r = get(rid);
    if (!r || !is_alerting(r->state)) return;
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
      if (!is_alerting(c->state)) continue;
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
  const OpResult result = join_new_call(line_id, CallReason::Pickup, caller_id, Op::Pickup, dialled);
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

}  // namespace telsim
