// Pbx: park orbits, pickup groups and call forwarding (operations and their timers).
#include "telsim/models/pbx.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace telsim {

// --- park, pickup, forward --------------------------------------------------------------

OpResult Pbx::join_new_call(LineId line, CallReason reason, CallId far_id, Op op, std::string_view owner,
                            std::string original_to, std::string taken_from) {
  Call& call = create_call(line, Direction::Incoming, reason);
  Call& far = *get(far_id);
  call.from = lines_[far.line].number;
  call.to = lines_[line].number;
  call.original_to = std::move(original_to);  // set before its first state: observers see it with the call
  if (!taken_from.empty()) {
    call.redirection = far.redirection = lines_[line].number;
    call.redirecting = far.redirecting = taken_from;
  }
  call.owner = std::string(owner);
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
  if (!call) return refuse(Op::Park, LineErr::InvalCallHandle, {}, no_call(id));
  if (!next_state(call->state, CallInput::Park))
    return refuse(Op::Park, LineErr::InvalCallState, id, state_rule(*call, CallInput::Park, Op::Park));
  if (get(call->consult))
    return refuse(Op::Park, LineErr::InvalCallState, id,
                  fmt::format("{} has a consultation call {}", to_string(id), to_string(call->consult)));
  if (get(call->consult_of))
    return refuse(Op::Park, LineErr::InvalCallState, id,
                  fmt::format("{} is the consultation call of {}", to_string(id), to_string(call->consult_of)));
  Call* parkee = get(call->peer);
  if (!parkee)  // nobody to park
    return refuse(Op::Park, LineErr::OperationFailed, id, fmt::format("{} has no far party to park", to_string(id)));
  if (parkee->state != CallState::Connected)
    return refuse(Op::Park, LineErr::OperationFailed, id,
                  fmt::format("the far party {} is {}, not CONNECTED", to_string(parkee->id), to_string(parkee->state)));
  std::optional<ParkLots::Orbit> orbit;
  switch (mode) {
    case ParkMode::Directed:
      orbit = park_.find(orbit_number);
      if (!orbit)
        return refuse(Op::Park, LineErr::InvalAddress, id, fmt::format("no park orbit '{}'", orbit_number));
      if (const auto* who = park_.occupant(*orbit))
        return refuse(Op::Park, config_.profile.error(Refusal::ParkOrbitOccupied), id,
                      fmt::format("orbit {} is occupied ({} is parked there)", orbit_number, to_string(who->parkee)));
      break;
    case ParkMode::NonDirected:
      if (park_.lots().empty()) return refuse(Op::Park, LineErr::OperationUnavail, id, "the PBX has no park orbits");
      orbit = park_.pick_free();
      if (!orbit)
        return refuse(Op::Park, config_.profile.error(Refusal::ParkNoFreeOrbit), id,
                      fmt::format("all {} park orbits are occupied", park_.occupied()));
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

OpResult Pbx::unpark(LineId line_id, std::string_view orbit_number, std::string_view owner) {
  if (line_id >= lines_.size())
    return refuse(Op::Unpark, LineErr::BadDeviceId, {}, fmt::format("no line #{}", line_id));
  const auto orbit = park_.find(orbit_number);
  if (!orbit)
    return refuse(Op::Unpark, LineErr::InvalAddress, {},
                  orbit_number.empty() ? std::string("no orbit given") : fmt::format("no park orbit '{}'", orbit_number));
  if (!park_.occupant(*orbit))
    return refuse(Op::Unpark, LineErr::InvalAddress, {}, fmt::format("nobody is parked in orbit {}", orbit_number));
  if (engaged(lines_[line_id])) return refuse(Op::Unpark, config_.profile.error(Refusal::LineInUse), {}, engaged_reason(lines_[line_id]));
  if (lines_[line_id].calls.size() >= config_.profile.max_calls_per_line)
    return refuse(Op::Unpark, config_.profile.error(Refusal::NoCallAppearance), {}, appearances_reason(lines_[line_id]));
  auto who = park_.vacate(*orbit);
  scheduler_.cancel(who->timer);
  get(who->parkee)->parked = false;
  ++stats_.unparks;
  return join_new_call(line_id, CallReason::Unpark, who->parkee, Op::Unpark, owner);
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
  offer_parked(*parkee, *op, CallReason::Parked, config_.profile.timing.no_answer_timeout, parker,
               lot_index, /*last=*/true);
}

OpResult Pbx::pickup(LineId line_id, std::string_view target, std::string_view group, std::string_view owner) {
  if (line_id >= lines_.size())
    return refuse(Op::Pickup, LineErr::BadDeviceId, {}, fmt::format("no line #{}", line_id));
  const Line& picker = lines_[line_id];
  // The lines whose ringing calls this pickup may take.
  std::vector<LineId> candidates;
  std::string where;  // for a refusal: where nothing rang
  if (!target.empty()) {
    const auto t = find_line(target);
    if (!t) return refuse(Op::Pickup, LineErr::InvalAddress, {}, fmt::format("'{}' is not an extension", target));
    candidates.push_back(*t);
    where = fmt::format("at {}", target);
  } else {
    std::vector<std::size_t> groups;
    if (!group.empty()) {
      const auto& all = config_.pickup_groups;
      auto it = std::find_if(all.begin(), all.end(), [&](const auto& g) { return g.name == group; });
      const auto g = static_cast<std::size_t>(it - all.begin());
      if (it == all.end())
        return refuse(Op::Pickup, LineErr::InvalGroupId, {}, fmt::format("there is no pickup group '{}'", group));
      if (std::find(picker.groups.begin(), picker.groups.end(), g) == picker.groups.end())
        return refuse(Op::Pickup, LineErr::InvalGroupId, {},
                      fmt::format("{} is not in pickup group '{}'", picker.number, group));
      groups.push_back(g);
    } else {
      groups = picker.groups;
      if (groups.empty())
        return refuse(Op::Pickup, LineErr::InvalGroupId, {},
                      fmt::format("{} is in no pickup group (name the ringing extension instead)", picker.number));
    }
    for (std::size_t g : groups)
      where += fmt::format("{}'{}'", where.empty() ? (groups.size() > 1 ? "in pickup groups " : "in pickup group ") : ", ",
                           config_.pickup_groups[g].name);
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
    return refuse(Op::Pickup, config_.profile.error(Refusal::PickupNothingRinging), {},
                  fmt::format("no call is ringing {}", where));
  }
  if (engaged(picker)) return refuse(Op::Pickup, config_.profile.error(Refusal::LineInUse), {}, engaged_reason(picker));
  if (picker.calls.size() >= config_.profile.max_calls_per_line)
    return refuse(Op::Pickup, config_.profile.error(Refusal::NoCallAppearance), {}, appearances_reason(picker));
  ++stats_.pickups;
  Call& caller = *get(ringing->peer);
  const std::string dialled = ringing->original_to.empty() ? ringing->to : ringing->original_to.str();
  const std::string taken_from = lines_[ringing->line].number;
  unlink(*ringing);
  far_disconnect(*ringing, DisconnectMode::Pickup);
  const CallId caller_id = caller.id;
  const OpResult result = join_new_call(line_id, CallReason::Pickup, caller_id, Op::Pickup, owner, dialled, taken_from);
  if (Call* c = get(caller_id); c && next_state(c->state, CallInput::FarAnswer)) {
    scheduler_.cancel(c->ring_timer);
    transition(*c, CallInput::FarAnswer);
    c->answered = now();
    station_connected(*c);
  }
  return result;
}

OpResult Pbx::forward(LineId line_id, std::vector<ForwardRule> rules, const CallParams& params) {
  if (line_id >= lines_.size())
    return refuse(Op::Forward, LineErr::BadDeviceId, {}, fmt::format("no line #{}", line_id));
  if (auto refused = refuse_params(Op::Forward, line_id, {}, params)) return *refused;
  for (const ForwardRule& r : rules) {
    if (r.when == ForwardRule::When::DoNotDisturb) continue;
    if (!find_line(r.to))
      return refuse(Op::Forward, LineErr::InvalAddress, {},
                    fmt::format("the forwarding destination '{}' is not an extension", r.to));
  }
  lines_[line_id].forwarding = std::move(rules);
  return reply(Op::Forward, LineErr::Success);
}

}  // namespace telsim
