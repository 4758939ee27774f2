#include "telsim/models/modem_bank.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace telsim {

/// One modem and its line: the ModemLine the modem talks to, and the call it holds.
struct ModemBank::Port final : ModemLine {
  Port(ModemBank& b, LineId l, std::unique_ptr<Modem> m) : bank(b), modem(std::move(m)), line(l) {
    modem->attach(this);
  }

  bool off_hook() override {
    if (call) return false;  // the line holds a call already (one is ringing)
    const OpResult r = bank.pbx_.make_call(line, "");
    if (!r.ok()) return false;
    call = r.call;
    return true;
  }

  bool dial(std::string_view digits) override {
    if (!call || digits.empty()) return false;
    return bank.pbx_.dial(call, digits).ok();
  }

  bool answer() override {
    const Call* c = bank.pbx_.find_call(call);
    if (!c || (c->state != CallState::Offering && c->state != CallState::Accepted)) return false;
    return bank.pbx_.answer(call).ok();
  }

  void on_hook() override {
    if (!call) return;
    const CallId id = call;
    call = {};
    bank.forget_peer(*this);
    release(id);
  }

  void release(CallId id) {
    Pbx& pbx = bank.pbx_;
    if (const Call* c = pbx.find_call(id); c && c->state != CallState::Idle) pbx.drop(id);
    if (const Call* c = pbx.find_call(id); c && c->state == CallState::Idle) pbx.deallocate(id);
  }

  void transmit(std::string_view bytes) override { bank.carry(*this, bytes); }

  ModemBank& bank;
  std::unique_ptr<Modem> modem;
  LineId line;
  CallId call;                     // the call the modem holds or is being offered
  bool owned = false;              // a TAPI application owns the line
  bool passthrough = false;        // ...and has handed its program the AT interpreter
  Port* peer = nullptr;            // the far modem, once trained
  Port* training_with = nullptr;   // the far modem while training
  TimerHandle training;
};

ModemBank::ModemBank(Pbx& pbx, Scheduler& scheduler, const std::vector<ModemConfig>& modems)
    : pbx_(pbx), scheduler_(scheduler), by_line_(pbx.line_count(), nullptr) {
  for (const ModemConfig& config : modems) {
    const auto line = pbx.find_line(config.number);
    if (!line) continue;  // the loader rejects modems that are not extensions
    ports_.push_back(std::make_unique<Port>(*this, *line, std::make_unique<Modem>(scheduler, config)));
    by_line_[*line] = ports_.back().get();
  }
  for (LineId l = 0; l < pbx.line_count(); ++l) {
    const Line& line = pbx.line(l);
    if (!line.trunk) continue;
    const FarEndConfig& far = pbx.trunk_config(*line.trunk).far_end;
    if (far.modem_speed == 0) continue;
    ModemConfig config;
    config.name = fmt::format("{}/{}", pbx.trunk_config(*line.trunk).name, line.number);
    config.number = line.number;
    config.speed = far.modem_speed;
    config.loopback = far.modem_echo;
    config.banner = far.modem_banner;
    far_ends_.push_back(std::make_unique<Port>(*this, l, std::make_unique<Modem>(scheduler, config)));
    by_line_[l] = far_ends_.back().get();
  }
}

ModemBank::~ModemBank() = default;

Modem& ModemBank::modem(std::size_t i) { return *ports_.at(i)->modem; }
const Modem& ModemBank::modem(std::size_t i) const { return *ports_.at(i)->modem; }
LineId ModemBank::line_of(std::size_t i) const { return ports_.at(i)->line; }

Modem* ModemBank::find(std::string_view name) {
  for (auto& p : ports_)
    if (p->modem->name() == name) return p->modem.get();
  return nullptr;
}

const Modem* ModemBank::on_line(LineId line) const {
  const Port* p = port_on(line);
  return p ? p->modem.get() : nullptr;
}

Modem* ModemBank::on_line(LineId line) {
  Port* p = port_on(line);
  return p ? p->modem.get() : nullptr;
}

bool ModemBank::set_controlled(LineId line, bool on) {
  Port* p = port_on(line);
  if (!p) return false;
  p->owned = on;
  if (!on) p->passthrough = false;
  p->modem->set_controlled(p->owned && !p->passthrough);
  return true;
}

bool ModemBank::set_passthrough(LineId line, bool on) {
  Port* p = port_on(line);
  if (!p) return false;
  if (on == p->passthrough) return true;
  p->passthrough = on;
  if (on) {
    p->modem->set_controlled(false);
    return true;
  }
  // Control first, so that the hang-up reports nothing to the terminal.
  p->modem->set_controlled(p->owned);
  p->modem->reset_to_idle();
  return true;
}

bool ModemBank::passthrough(LineId line) const {
  const Port* p = port_on(line);
  return p && p->passthrough;
}

ModemBank::Port* ModemBank::port_on(LineId line) const {
  return line < by_line_.size() ? by_line_[line] : nullptr;
}

void ModemBank::on_switch_state(const CallStateEvent& event) {
  Port* port = port_on(event.line);
  if (!port) return;
  scheduler_.schedule(Duration::zero(), [this, port, call = event.call, state = event.to, mode = event.mode] {
    deliver(*port, call, state, mode);
  });
}

void ModemBank::deliver(Port& port, CallId call, CallState state, DisconnectMode mode) {
  if (!port.call) {
    const Call* c = pbx_.find_call(call);
    if (!c) return;
    if (state == CallState::Idle || c->state == CallState::Idle) {
      port.release(call);  // a call the modem let go of, or never took: nobody else holds it
      return;
    }
    port.call = call;
    if (state == CallState::Offering) {
      port.modem->incoming(pbx_.timing().ring_cadence);
      return;
    }
    // A call placed or answered on the modem's line by someone else (a TAPI application):
    // the modem takes it over as if it had dialled.
  } else if (port.call != call) {
    return;  // an earlier call's late news
  }
  port.modem->call_state(state, mode);
  if (port.call != call) return;  // the modem hung up
  if (state == CallState::Connected) maybe_train(port);
  if (state == CallState::Disconnected || state == CallState::Idle) forget_peer(port);
  if (state == CallState::Idle) {
    port.call = {};
    port.release(call);
  }
}

void ModemBank::maybe_train(Port& port) {
  if (port.peer || port.training_with) return;
  const Call* c = pbx_.find_call(port.call);
  if (!c || c->state != CallState::Connected) return;
  const Call* far = pbx_.find_call(c->peer);
  if (!far || far->state != CallState::Connected) return;
  Port* other = port_on(far->line);
  if (!other || other->call != far->id || other->peer || other->training_with) return;
  if (!port.modem->wants_carrier() || !other->modem->wants_carrier()) return;
  // Answer tone, then V.34 training: the slower side's handshake sets the pace.
  const Duration handshake = std::max(port.modem->config().handshake, other->modem->config().handshake);
  port.training_with = other;
  other->training_with = &port;
  Port* a = &port;
  port.training = scheduler_.schedule(handshake, [this, a, other] { trained(*a, *other); });
  other->training = port.training;
}

void ModemBank::trained(Port& a, Port& b) {
  a.training = {};
  b.training = {};
  a.training_with = nullptr;
  b.training_with = nullptr;
  const Call* ca = pbx_.find_call(a.call);
  const Call* cb = pbx_.find_call(b.call);
  if (!ca || !cb || ca->peer != b.call || ca->state != CallState::Connected || cb->state != CallState::Connected)
    return;
  if (!a.modem->wants_carrier() || !b.modem->wants_carrier()) return;
  const std::uint32_t bps = std::min(a.modem->max_speed(), b.modem->max_speed());
  a.peer = &b;
  b.peer = &a;
  // The originating modem reports first, as it hears the answerer's carrier first.
  Port& first = a.modem->state() == Modem::State::Dialing ? a : b;
  Port& second = &first == &a ? b : a;
  first.modem->carrier_up(bps);
  second.modem->carrier_up(bps);
}

void ModemBank::forget_peer(Port& port) {
  if (Port* other = port.training_with) {
    scheduler_.cancel(port.training);
    other->training = {};
    other->training_with = nullptr;
    port.training_with = nullptr;
  }
  if (Port* other = port.peer) {
    other->peer = nullptr;
    port.peer = nullptr;
  }
}

void ModemBank::carry(Port& from, std::string_view bytes) {
  if (from.peer) from.peer->modem->receive(bytes);
}

}  // namespace telsim
