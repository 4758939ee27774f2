// Pbx: trunk groups, the PSTN far end and calls placed by traffic generators.
#include "telsim/models/pbx.hpp"

#include "acd/acd.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace telsim {

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
  if (!ts.channels.empty() && lines_[ts.channels.front()].out_of_service) {  // a fault: the group is down
    far_disconnect(origin, DisconnectMode::OutOfOrder);
    return;
  }
  const auto channel = seize_channel(t);
  ts.stats.seize_attempt(now(), !channel);
  if (!channel) {  // all channels busy: BUSY, LINEBUSYMODE_TRUNK (or congestion, as the switch says)
    if (!config_.profile.all_trunks_busy_congestion && next_state(origin.state, CallInput::FarBusy)) {
      origin.busy_trunk = true;
      transition(origin, CallInput::FarBusy);
      auto_onhook(origin);
    } else {
      far_disconnect(origin, DisconnectMode::Congestion);
    }
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
  o.ring_timer = scheduler_.schedule(config_.profile.timing.no_answer_timeout,
                                     [this, origin_id] { no_answer(origin_id); });
  if (u < fe.busy + fe.special_info + fe.no_answer) return;  // rings until the timeout
  station_acts<&Pbx::answer>(leg, answer_after);
}

bool Pbx::trunk_arrival(std::size_t t, const std::string& did, Duration holding, std::string_view from) {
  TrunkState& ts = trunks_.at(t);
  const TrunkConfig& tc = config_.trunks[t];
  if (!ts.channels.empty() && lines_[ts.channels.front()].out_of_service) return false;  // a fault: the group is down
  const auto channel = seize_channel(t);
  ts.stats.seize_attempt(now(), !channel);
  if (!channel) return false;
  Call& call = create_call(*channel, Direction::Outgoing, CallReason::Direct);
  call.from = from.empty() ? tc.name : std::string(from);
  call.to = did;
  call.hangup_after = holding;
  transition(call, CallInput::Placed);
  // DID routing: the extension named by the DID's last digits, else the trunk's default.
  // A DID may reach an ACD queue's pilot number as well as an extension.
  const auto reachable = [this](const std::string& n) { return find_line(n) || acd_->find_pilot(n); };
  std::string target;
  if (did.size() >= tc.did_digits) {
    const std::string tail = did.substr(did.size() - tc.did_digits);
    if (reachable(tail)) target = tail;
  }
  if (target.empty()) target = tc.did_default;
  if (target.empty() || !reachable(target)) {
    far_disconnect(call, DisconnectMode::BadAddress);
    return true;
  }
  offer_to(call, target, CallReason::Direct, 0);
  return true;
}

OpResult Pbx::place_generated(LineId line, std::string_view number, Duration holding) {
  static const CallParams kPlain;  // made once: a call of a traffic load has no LINECALLPARAMS
  OpResult r = make_call(line, number, {}, kPlain);
  if (Call* c = get(r.call); r.ok() && c) {
    c->driven = true;
    c->hangup_after = holding;
  }
  return r;
}

}  // namespace telsim
