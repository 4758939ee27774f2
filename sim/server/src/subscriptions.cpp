#include "subscriptions.hpp"

#include <algorithm>

#include "telsim/server/protocol.hpp"

namespace telsim::serve {

Subscriptions::Subscriptions(const Pbx& pbx, EventEncoder& encoder, const ClientDirectory& clients,
                             ServerStats& stats)
    : pbx_(pbx), encoder_(encoder), clients_(clients), stats_(stats) {
  controller_.assign(pbx.line_count(), nullptr);
}

// --- lines ----------------------------------------------------------------------------------

bool Subscriptions::open(Client& c, LineId l) {
  const bool already = controller_[l] == &c;
  controller_[l] = &c;
  if (!already) c.opened.push_back(l);
  encoder_.watch_line(l);
  return !already;
}

void Subscriptions::close(Client& c, LineId l) {
  controller_[l] = nullptr;
  std::erase(c.opened, l);
}

void Subscriptions::monitor(Client& c, LineId l) {
  auto& list = monitors_[l];
  if (std::find(list.begin(), list.end(), &c) != list.end()) return;
  list.push_back(&c);
  c.monitored.push_back(l);
  encoder_.watch_line(l);
  announce_calls(c, l);  // the calls in progress, before the reply
}

void Subscriptions::unmonitor(Client& c, LineId l) {
  unwatch(l, &c);
  std::erase(c.monitored, l);
}

void Subscriptions::monitor_everything(Client& c) {
  if (c.monitor_all) return;
  c.monitor_all = true;
  monitor_all_.push_back(&c);
  for (LineId l = 0; l < pbx_.extension_count(); ++l) encoder_.watch_line(l);
  // Every call in progress first (trunk channels' and bridged conferences' too: their events
  // reach `*` monitors), then the reply.
  for (LineId l = 0; l < pbx_.line_count(); ++l) announce_calls(c, l);
}

void Subscriptions::unmonitor_everything(Client& c) {
  if (!c.monitor_all) return;
  c.monitor_all = false;
  std::erase(monitor_all_, &c);
}

std::size_t Subscriptions::monitor_count(LineId l) const {
  const auto it = monitors_.find(l);
  return (it == monitors_.end() ? 0 : it->second.size()) + monitor_all_.size();
}

void Subscriptions::remove(Client& c) {
  for (LineId l : c.opened) {
    controller_[l] = nullptr;
    line_state(l, "CLOSE");
  }
  c.opened.clear();
  for (LineId l : c.monitored) unwatch(l, &c);
  if (c.monitor_all) std::erase(monitor_all_, &c);
}

void Subscriptions::unwatch(LineId l, Client* c) {
  auto it = monitors_.find(l);
  if (it == monitors_.end()) return;
  std::erase(it->second, c);
  if (it->second.empty()) monitors_.erase(it);
}

bool Subscriptions::controls(const Client& c, const Call& call) const {
  return call.owner == c.name ||
         (call.owner.empty() && call.line < controller_.size() && controller_[call.line] == &c);
}

// --- call handles ---------------------------------------------------------------------------

std::optional<CallId> Subscriptions::handle(std::uint32_t serial) const {
  const auto it = ids_.find(serial);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

void Subscriptions::sweep() {
  if (ids_.size() < ids_sweep_at_) return;
  std::erase_if(ids_, [this](const auto& kv) { return pbx_.find_call(kv.second) == nullptr; });
  clients_.for_each([this](Client& c) {
    std::erase_if(c.owned, [this](std::uint32_t serial) { return !ids_.count(serial); });
  });
  ids_sweep_at_ = std::max<std::size_t>(1024, ids_.size() * 2);
}

// --- events ---------------------------------------------------------------------------------

void Subscriptions::recipients(LineId line, const Call* call, std::vector<Client*>& out) const {
  out.clear();
  auto add = [&](Client* c) {
    if (c && !c->gone() && (!c->closing() || stopping_) && std::find(out.begin(), out.end(), c) == out.end())
      out.push_back(c);
  };
  if (line < controller_.size()) add(controller_[line]);
  if (auto it = monitors_.find(line); it != monitors_.end())
    for (Client* c : it->second) add(c);
  for (Client* c : monitor_all_) add(c);
  if (call && !call->owner.empty()) add(clients_.find(call->owner));
}

void Subscriptions::call_state(const CallStateEvent& e) {
  ids_[e.call.serial] = e.call;
  if (clients_.empty()) {
    if (e.to == CallState::Idle) encoder_.forget(e.call.serial);  // its watchers left meanwhile
    return;
  }
  const Call* call = pbx_.find_call(e.call);
  std::vector<Client*> to;
  recipients(e.line, call, to);
  if (to.empty()) {
    if (e.to == CallState::Idle) encoder_.forget(e.call.serial);
    return;
  }
  const std::string info_frame = call ? encoder_.call_info_update(*call) : std::string();
  const std::string state = wire::frame(encoder_.call_state(call, e.call, e.line, e.to, e.mode, e.reason));
  std::string announce;
  for (Client* c : to) {
    if (!c->known.count(e.call.serial)) {
      c->known.insert(e.call.serial);
      if (call) {
        if (announce.empty()) announce = wire::frame(encoder_.new_call(*call));
        c->send(announce);
      }
    } else if (!info_frame.empty()) {
      c->send(info_frame);
    }
    c->send(state);
    stats_.events_sent += 1;
  }
  if (e.to == CallState::Idle) {
    encoder_.forget(e.call.serial);
    for (Client* c : to) c->known.erase(e.call.serial);
  }
}

void Subscriptions::peer_changed(CallId id) {
  // Reported once the PBX has finished (flush): a transfer unlinks and relinks, and the
  // parties should hear only where they ended up.
  if (encoder_.tracks(id.serial)) peers_changed_.push_back(id);
}

void Subscriptions::report_peer(CallId id) {
  if (!encoder_.tracks(id.serial) || clients_.empty()) return;
  const Call* call = pbx_.find_call(id);
  if (!call || call->state == CallState::Idle) return;
  const std::string frame = encoder_.call_info_change(*call);
  if (frame.empty()) return;
  std::vector<Client*> to;
  recipients(call->line, call, to);
  for (Client* c : to)
    if (c->known.count(id.serial)) c->send(frame);
}

void Subscriptions::flush() {
  if (!peers_changed_.empty()) {
    std::vector<CallId> changed;
    changed.swap(peers_changed_);
    std::sort(changed.begin(), changed.end(), [](CallId a, CallId b) { return a.serial < b.serial; });
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    for (CallId id : changed) report_peer(id);
  }
  std::vector<Client*> to;
  for (const LineChange& change : encoder_.line_changes()) {
    recipients(change.line, nullptr, to);
    for (Client* c : to) c->send(change.frame);
  }
}

void Subscriptions::line_state(LineId l, const char* state, const nlohmann::json& extra) {
  std::vector<Client*> to;
  recipients(l, nullptr, to);
  if (to.empty()) return;
  const std::string f = wire::frame(encoder_.line_state(l, state, extra));
  for (Client* c : to) c->send(f);
}

void Subscriptions::modem_state(const Modem& m, LineId line) {
  const auto frame = encoder_.modem_state(m, line);
  if (!frame) return;
  std::vector<Client*> to;
  recipients(line, nullptr, to);
  for (Client* c : to) c->send(*frame);
}

void Subscriptions::announce_calls(Client& c, LineId l) {
  for (CallId id : pbx_.line(l).calls) {
    const Call* call = pbx_.find_call(id);
    if (!call || call->state == CallState::Idle || c.known.count(id.serial)) continue;
    ids_[id.serial] = id;
    c.known.insert(id.serial);
    // What the client was told, so a later change of party reaches it as call_info.
    encoder_.track(*call);
    c.send(wire::frame(encoder_.new_call(*call)));
    c.send(wire::frame(encoder_.call_state(call, id, call->line, call->state, call->mode, call->reason)));
  }
}

void Subscriptions::handed(Client& c, CallId id, const Call& call) {
  // The new owner hears of the call as TAPI tells an application of a call handed to it.
  if (!c.known.count(id.serial)) {
    c.known.insert(id.serial);
    c.send(wire::frame(encoder_.new_call(call)));
  }
  c.send(wire::frame(encoder_.call_state(&call, id, call.line, call.state, call.mode, call.reason)));
}

}  // namespace telsim::serve
