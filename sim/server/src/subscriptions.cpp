#include "subscriptions.hpp"

#include <algorithm>

#include "telsim/server/protocol.hpp"
#include "telsim/server/wire_schema.hpp"

namespace telsim::serve {

const char* privilege_name(Privilege p) {
  switch (p) {
    case Privilege::Owner: return wire::schema::value::kPrivilegeOwner;
    case Privilege::Monitor: return wire::schema::value::kPrivilegeMonitor;
    case Privilege::None: break;
  }
  return wire::schema::value::kPrivilegeNone;
}

namespace {
constexpr std::uint32_t kInteractiveVoice = 0x4;  // LINEMEDIAMODE_INTERACTIVEVOICE
const std::vector<Client*> kNobody;
}  // namespace

Subscriptions::Subscriptions(const Pbx& pbx, EventEncoder& encoder, const ClientDirectory& clients,
                             ServerStats& stats)
    : pbx_(pbx), encoder_(encoder), clients_(clients), stats_(stats) {
  opens_.resize(pbx.line_count());
}

// --- lines ----------------------------------------------------------------------------------

Client* Subscriptions::controller(LineId l) const {
  if (l >= opens_.size()) return nullptr;
  for (const LineOpen& o : opens_[l])
    if (o.alone) return o.client;
  // Of those that share it, the first owner by priority (whatever their media modes).
  const std::vector<Client*> owners = owners_of(l, ~std::uint32_t{0});
  return owners.empty() ? nullptr : owners.front();
}

const LineOpen* Subscriptions::opened(const Client& c, LineId l) const {
  if (l >= opens_.size()) return nullptr;
  for (const LineOpen& o : opens_[l])
    if (o.client == &c) return &o;
  return nullptr;
}

bool Subscriptions::open(Client& c, LineId l, LineOpen how) {
  how.client = &c;
  for (LineOpen& o : opens_[l])
    if (o.client == &c) {
      how.order = o.order;  // opening again changes how, not when
      o = how;
      if (opens_changed_) opens_changed_(l);
      return false;
    }
  how.order = next_order_++;
  opens_[l].push_back(how);
  c.opened.push_back(l);
  encoder_.watch_line(l);
  if (opens_changed_) opens_changed_(l);
  return true;
}

void Subscriptions::close(Client& c, LineId l) {
  std::erase_if(opens_[l], [&](const LineOpen& o) { return o.client == &c; });
  std::erase(c.opened, l);
  if (opens_changed_) opens_changed_(l);
}

bool Subscriptions::has_owner(LineId l) const {
  if (l >= opens_.size()) return false;
  return std::any_of(opens_[l].begin(), opens_[l].end(), [](const LineOpen& o) { return o.owner; });
}

std::vector<Client*> Subscriptions::owners_of(LineId l, std::uint32_t media_mode) const {
  std::vector<const LineOpen*> owners;
  if (l < opens_.size())
    for (const LineOpen& o : opens_[l])
      if (o.owns(media_mode) && !o.client->gone()) owners.push_back(&o);
  // Ranked first (lower first), then the others in open order.
  std::stable_sort(owners.begin(), owners.end(), [](const LineOpen* a, const LineOpen* b) {
    if (a->rank && b->rank) return *a->rank < *b->rank;
    if (a->rank || b->rank) return a->rank.has_value();
    return a->order < b->order;
  });
  std::vector<Client*> out;
  for (const LineOpen* o : owners) out.push_back(o->client);
  return out;
}

std::uint32_t Subscriptions::media_mode(LineId l) const { return media_of_ ? media_of_(l) : kInteractiveVoice; }

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
  const std::vector<LineId> opened = std::move(c.opened);
  c.opened.clear();
  for (LineId l : opened) {
    std::erase_if(opens_[l], [&](const LineOpen& o) { return o.client == &c; });
    line_state(l, "CLOSE", nlohmann::json{{"controller", c.name}});
  }
  for (LineId l : c.monitored) unwatch(l, &c);
  if (c.monitor_all) std::erase(monitor_all_, &c);
  std::vector<std::uint32_t> held(c.owned.begin(), c.owned.end());
  held.insert(held.end(), c.watched.begin(), c.watched.end());
  for (std::uint32_t serial : held) release(c, serial);
  if (opens_changed_)
    for (LineId l : opened) opens_changed_(l);
}

void Subscriptions::unwatch(LineId l, Client* c) {
  auto it = monitors_.find(l);
  if (it == monitors_.end()) return;
  std::erase(it->second, c);
  if (it->second.empty()) monitors_.erase(it);
}

// --- privileges -----------------------------------------------------------------------------

bool Subscriptions::hears(const Client& c, const Call& call) const {
  if (c.monitor_all) return true;
  if (call.line < opens_.size())
    for (const LineOpen& o : opens_[call.line])
      if (o.client == &c && o.alone) return true;
  if (auto it = monitors_.find(call.line); it != monitors_.end())
    return std::find(it->second.begin(), it->second.end(), &c) != it->second.end();
  return false;
}

Privilege Subscriptions::privilege(const Client& c, const Call& call) const {
  if (c.owned.count(call.id.serial)) return Privilege::Owner;
  if (c.watched.count(call.id.serial) || hears(c, call)) return Privilege::Monitor;
  return Privilege::None;
}

const std::vector<Client*>& Subscriptions::holders(std::uint32_t serial) const {
  const auto it = holders_.find(serial);
  return it == holders_.end() ? kNobody : it->second;
}

void Subscriptions::grant(Client& c, CallId id, Privilege p) {
  if (p == Privilege::None) return release(c, id.serial);
  ids_[id.serial] = id;
  if (p == Privilege::Owner) {
    c.watched.erase(id.serial);
    c.owned.insert(id.serial);
  } else {
    c.owned.erase(id.serial);
    c.watched.insert(id.serial);
  }
  auto& list = holders_[id.serial];
  if (std::find(list.begin(), list.end(), &c) == list.end()) list.push_back(&c);
}

void Subscriptions::release(Client& c, std::uint32_t serial) {
  c.owned.erase(serial);
  c.watched.erase(serial);
  if (auto it = holders_.find(serial); it != holders_.end()) {
    std::erase(it->second, &c);
    if (it->second.empty()) holders_.erase(it);
  }
}

void Subscriptions::forget_call(std::uint32_t serial) {
  if (auto it = holders_.find(serial); it != holders_.end()) {
    for (Client* c : it->second) {
      c->owned.erase(serial);
      c->watched.erase(serial);
    }
    holders_.erase(it);
  }
  assigned_.erase(serial);
}

bool Subscriptions::owned(const Call& call) const {
  if (!call.owner.empty()) return true;
  for (const Client* h : holders(call.id.serial))
    if (h->owned.count(call.id.serial)) return true;
  return false;
}

void Subscriptions::assign(const Call& call) {
  if (assigned_.count(call.id.serial)) return;
  if (call.line >= opens_.size() || opens_[call.line].empty()) {
    // Nobody shares the line yet: its privileges are given when somebody opens it (assign_to).
    // Nobody shares the line; the switch's owner may be a client all the same (a completion's
    // call placed for it, a call handed to it).
    if (!call.owner.empty())
      if (Client* o = clients_.find(call.owner); o && !o->gone() && !o->owned.count(call.id.serial))
        grant(*o, call.id, Privilege::Owner);
    return;
  }
  assigned_.insert(call.id.serial);
  bool owned = false;
  for (const Client* h : holders(call.id.serial)) owned = owned || h->owned.count(call.id.serial) > 0;
  if (!owned && !call.owner.empty()) {
    // The switch names its owner: that client's, or a controller of the scenario's (no client's).
    if (Client* o = clients_.find(call.owner); o && !o->gone()) grant(*o, call.id, Privilege::Owner);
    owned = true;
  }
  if (!owned) {
    const std::vector<Client*> owners = owners_of(call.line, media_mode(call.line));
    if (!owners.empty()) grant(*owners.front(), call.id, Privilege::Owner);
  }
  for (const LineOpen& o : opens_[call.line])
    if (!o.alone && o.monitor && !o.client->gone() && privilege(*o.client, call) == Privilege::None)
      grant(*o.client, call.id, Privilege::Monitor);
}

void Subscriptions::assign_to(Client& c, const Call& call) {
  if (!assigned_.count(call.id.serial)) return assign(call);
  if (privilege(c, call) != Privilege::None && !hears(c, call)) return;  // it holds it already
  if (c.owned.count(call.id.serial) || c.watched.count(call.id.serial)) return;
  const LineOpen* how = opened(c, call.line);
  if (!how) return;
  // An unowned call (no client owns it, the switch names none) is the newcomer's when it owns
  // the call's media mode on the line; else it holds it as a monitor if it asked to.
  if (!owned(call) && how->owns(media_mode(call.line))) grant(c, call.id, Privilege::Owner);
  else if (!how->alone && how->monitor) grant(c, call.id, Privilege::Monitor);
}

// --- call handles ---------------------------------------------------------------------------

std::optional<CallId> Subscriptions::handle(std::uint32_t serial) const {
  const auto it = ids_.find(serial);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

void Subscriptions::sweep() {
  if (ids_.size() < ids_sweep_at_) return;
  std::vector<std::uint32_t> gone;
  for (const auto& [serial, id] : ids_)
    if (pbx_.find_call(id) == nullptr) gone.push_back(serial);
  for (std::uint32_t serial : gone) {
    ids_.erase(serial);
    forget_call(serial);
  }
  std::erase_if(assigned_, [this](std::uint32_t serial) { return !ids_.count(serial); });
  clients_.for_each([this](Client& c) {
    std::erase_if(c.owned, [this](std::uint32_t serial) { return !ids_.count(serial); });
    std::erase_if(c.watched, [this](std::uint32_t serial) { return !ids_.count(serial); });
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
  // The line's events reach every client that has it open; its calls' events the one that has
  // it open alone and the calls' holders (owners, and monitors sharing the line).
  if (line < opens_.size())
    for (const LineOpen& o : opens_[line])
      if (!call || o.alone) add(o.client);
  if (auto it = monitors_.find(line); it != monitors_.end())
    for (Client* c : it->second) add(c);
  for (Client* c : monitor_all_) add(c);
  if (call)
    for (Client* c : holders(call->id.serial)) add(c);
}

void Subscriptions::call_state(const CallStateEvent& e) {
  ids_[e.call.serial] = e.call;
  if (clients_.empty()) {
    if (e.to == CallState::Idle) encoder_.forget(e.call.serial);  // its watchers left meanwhile
    return;
  }
  const Call* call = pbx_.find_call(e.call);
  if (call) assign(*call);
  std::vector<Client*> to;
  recipients(e.line, call, to);
  if (to.empty()) {
    if (e.to == CallState::Idle) encoder_.forget(e.call.serial);
    return;
  }
  const std::string info_frame = call ? encoder_.call_info_update(*call) : std::string();
  const std::string state = wire::frame(encoder_.call_state(call, e.call, e.line, e.to, e.mode, e.reason));
  for (Client* c : to) {
    if (!c->known.count(e.call.serial)) {
      c->known.insert(e.call.serial);
      if (call) c->send(new_call_frame(*c, *call));
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

void Subscriptions::media(const MediaEvent& e) {
  if (clients_.empty()) return;
  const Call* call = pbx_.find_call(e.call);
  if (!call) return;
  const json j = encoder_.media(e);
  if (j.is_null()) return;
  // What changed of the call's info first (a media mode detected: MEDIAMODE, then LINE_MONITORMEDIA).
  report_peer(e.call);
  const std::string frame = wire::frame(j);
  std::vector<Client*> to;
  recipients(call->line, call, to);
  for (Client* c : to)
    if (c->known.count(e.call.serial)) {
      c->send(frame);
      stats_.events_sent += 1;
    }
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

void Subscriptions::agent_status(LineId l, std::uint32_t changed) {
  std::vector<Client*> to;
  recipients(l, nullptr, to);
  if (to.empty()) return;
  const auto status = pbx_.agent_status(pbx_.line(l).number);
  if (!status) return;
  const std::string f = wire::frame(encoder_.agent_status_event(*status, changed));
  for (Client* c : to) c->send(f);
}

void Subscriptions::queue_status(std::size_t queue) {
  if (clients_.empty()) return;
  const std::vector<QueueInfo> infos = pbx_.queue_infos();
  if (queue >= infos.size()) return;
  std::vector<Client*> to, line_to;
  for (const AgentConfig& a : pbx_.acd_config().agents) {
    const auto status = pbx_.agent_status(a.line);
    if (!status || std::find(status->may_join.begin(), status->may_join.end(), infos[queue].name) == status->may_join.end())
      continue;
    recipients(*pbx_.find_line(a.line), nullptr, line_to);
    for (Client* c : line_to)
      if (std::find(to.begin(), to.end(), c) == to.end()) to.push_back(c);
  }
  if (to.empty()) return;
  const std::string f = wire::frame(encoder_.queue_status_event(infos[queue]));
  for (Client* c : to) c->send(f);
}

std::string Subscriptions::new_call_frame(const Client& c, const Call& call) const {
  json j = encoder_.new_call(call);
  j["privilege"] = privilege_name(privilege(c, call));
  return wire::frame(j);
}

void Subscriptions::announce_calls(Client& c, LineId l) {
  for (CallId id : pbx_.line(l).calls) {
    const Call* call = pbx_.find_call(id);
    if (!call || call->state == CallState::Idle) continue;
    if (c.known.count(id.serial)) {
      // Opened (again) as an owner of the call's media mode: a call nobody owns, which the client
      // knew as a monitor (of the shared line, or by `monitor`), becomes its own (TAPI gives
      // unowned calls to a new owner).
      const LineOpen* how = opened(c, l);
      if (how && how->owns(media_mode(l)) && !c.owned.count(id.serial) && !owned(*call)) {
        grant(c, id, Privilege::Owner);
        privilege_changed(c, *call);
        c.send(wire::frame(encoder_.call_state(call, id, call->line, call->shown, call->mode, call->reason)));
      }
      continue;
    }
    ids_[id.serial] = id;
    assign_to(c, *call);
    if (privilege(c, *call) == Privilege::None) continue;  // an owner of other media, or NONE
    c.known.insert(id.serial);
    // What the client was told, so a later change of party reaches it as call_info.
    encoder_.track(*call);
    c.send(new_call_frame(c, *call));
    c.send(wire::frame(encoder_.call_state(call, id, call->line, call->shown, call->mode, call->reason)));
  }
}

void Subscriptions::handed(Client& c, CallId id, const Call& call, std::uint32_t media_mode) {
  // The new owner hears of the call as TAPI tells an application of a call handed to it.
  if (!c.known.count(id.serial)) {
    c.known.insert(id.serial);
    encoder_.track(call);
    json j = encoder_.new_call(call);
    j["privilege"] = privilege_name(privilege(c, call));
    if (media_mode) j["media_mode"] = wire::schema::media_mode_name(media_mode);
    c.send(wire::frame(j));
  } else {
    privilege_changed(c, call, media_mode);
  }
  c.send(wire::frame(encoder_.call_state(&call, id, call.line, call.shown, call.mode, call.reason)));
}

void Subscriptions::privilege_changed(Client& c, const Call& call, std::uint32_t media_mode) {
  json j = encoder_.call_privilege(call, privilege_name(privilege(c, call)));
  if (media_mode) j["media_mode"] = wire::schema::media_mode_name(media_mode);
  c.send(wire::frame(j));
}

}  // namespace telsim::serve
