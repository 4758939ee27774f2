#include "ui_operations.hpp"

#include <cmath>

#include <fmt/format.h>

#include "forwarding_codec.hpp"

namespace telsim::serve {

using wire::json;

namespace {
constexpr double kMinSpeed = 0.1;
constexpr double kMaxSpeed = 100.0;

void reply_ok(Client& c, const json& id, json body, double t) {
  body["id"] = id;
  body["ok"] = true;
  body["t"] = t;
  c.send(wire::frame(body));
}
}  // namespace

UiOperations::UiOperations(ScenarioSession& session, Pacer& pacer, const Subscriptions& subscriptions,
                           const EventEncoder& encoder, bool clock_allowed)
    : session_(session),
      pbx_(session.pbx()),
      pacer_(pacer),
      subs_(subscriptions),
      encoder_(encoder),
      clock_allowed_(clock_allowed && session.scenario().modems.empty()) {}

void UiOperations::handle(Client& c, const wire::Request& req, bool& clock_changed) {
  if (!c.authed)
    throw wire::ParamError{LineErr::OperationUnavail,
                           "authenticate first: {\"op\":\"auth\",\"token\":\"...\"} (the server was started with a token)"};
  if (req.op == "clock") return clock(c, req, clock_changed);
  const wire::Params p(req);
  p.only({});
  std::size_t from = 0;
  json body{{"clock", clock_json()},  {"lines", lines_json()},  {"park", park_json()},
            {"trunks", trunks_json()}, {"pickup", json::array()}, {"expectations", expectations_json(from)},
            {"steps", session_.scenario().steps.size()}};
  for (const PickupGroupConfig& g : pbx_.pickup_groups()) body["pickup"].push_back({{"group", g.name}, {"members", g.members}});
  reply_ok(c, req.id, std::move(body), encoder_.now());
}

void UiOperations::clock(Client& c, const wire::Request& req, bool& changed) {
  const wire::Params p(req);
  p.only({"action", "speed"});
  const auto action = p.optional_text("action");
  const json* speed = p.find("speed");
  if (speed && speed->is_null()) speed = nullptr;
  if (action && *action != "pause" && *action != "resume")
    throw wire::ParamError{LineErr::InvalParam, fmt::format("'action' is \"pause\" or \"resume\", not \"{}\"", *action)};
  if (speed && !speed->is_number())
    throw wire::ParamError{LineErr::InvalParam, "'speed' must be a number (simulated seconds per wall second)"};
  if (speed && !(speed->get<double>() >= kMinSpeed && speed->get<double>() <= kMaxSpeed))
    throw wire::ParamError{LineErr::InvalParam, fmt::format("'speed' must be between {} and {}", kMinSpeed, kMaxSpeed)};
  if ((action || speed) && !clock_allowed_)
    throw wire::ParamError{LineErr::OperationUnavail,
                           "this scenario's clock runs with the wall clock (it has modems, whose terminal programs "
                           "time themselves by it)"};
  if (speed) pacer_.set_speed(speed->get<double>());
  if (action && *action == "pause") pacer_.pause();
  if (action && *action == "resume") pacer_.resume();
  changed = action.has_value() || speed != nullptr;
  reply_ok(c, req.id, clock_json(), encoder_.now());
}

json UiOperations::clock_json() const {
  return json{{"paused", pacer_.paused()}, {"speed", pacer_.speed()}, {"adjustable", clock_allowed_}};
}

json UiOperations::park_json() const {
  json lots = json::array();
  const ParkLots& park = pbx_.park_lots();
  for (std::size_t l = 0; l < park.lots().size(); ++l) {
    const ParkLotConfig& lot = park.lots()[l];
    json orbits = json::array();
    for (std::size_t i = 0; i < lot.orbits.size(); ++i) {
      json o{{"orbit", lot.orbits[i]}};
      if (const ParkLots::Occupant* who = park.occupant(ParkLots::Orbit{l, i})) {
        o["call"] = to_string(who->parkee);
        if (const Call* call = pbx_.find_call(who->parkee)) o["party"] = pbx_.line(call->line).number;
        o["parker"] = pbx_.line(who->parker).number;
        o["since"] = wire::seconds(who->since.count());
      }
      orbits.push_back(std::move(o));
    }
    lots.push_back(json{{"lot", lot.name}, {"orbits", std::move(orbits)}});
  }
  return lots;
}

json UiOperations::trunks_json() const {
  json out = json::array();
  std::vector<int> busy(pbx_.trunk_count(), 0);
  for (LineId l = static_cast<LineId>(pbx_.extension_count()); l < pbx_.line_count(); ++l) {
    const Line& line = pbx_.line(l);
    if (line.trunk && *line.trunk < busy.size() && !pbx_.idle(l)) ++busy[*line.trunk];
  }
  for (std::size_t t = 0; t < pbx_.trunk_count(); ++t)
    out.push_back(json{{"name", pbx_.trunk_config(t).name},
                       {"channels", pbx_.trunk_config(t).channels},
                       {"busy", busy[t]},
                       {"direction", to_string(pbx_.trunk_config(t).direction)}});
  return out;
}

json UiOperations::expectations_json(std::size_t& from) const {
  json out = json::array();
  const auto& results = session_.runner().results();
  for (; from < results.size(); ++from) {
    const ExpectationResult& r = results[from];
    json j{{"step", r.step}, {"yaml_line", r.yaml_line}, {"ok", r.ok}, {"at", wire::seconds(r.at.count())}, {"what", r.what}};
    if (!r.ok) j["message"] = r.message;
    out.push_back(std::move(j));
  }
  return out;
}

json UiOperations::lines_json() const {
  json out = json::array();
  const ModemBank* bank = session_.modems();
  for (LineId l = 0; l < pbx_.extension_count(); ++l) {
    const Line& line = pbx_.line(l);
    const Client* holder = subs_.controller(l);
    json groups = json::array();
    for (std::size_t g : line.groups)
      if (g < pbx_.pickup_groups().size()) groups.push_back(pbx_.pickup_groups()[g].name);
    json j{{"line", line.number},
           {"name", line.name},
           {"kind", bank && bank->on_line(l) ? "modem" : "extension"},
           {"behavior", describe(line.behavior)},
           {"controller", holder ? json(holder->name) : json(nullptr)},
           {"forwarding", forwarding_json(line.forwarding)},
           {"groups", std::move(groups)}};
    out.push_back(std::move(j));
  }
  return out;
}

json UiOperations::tick(std::size_t& seen) const {
  // A frame of the console's own (`ui`, not `event`): only its pages get it.
  return json{{"ui", "tick"},  {"clock", clock_json()},           {"park", park_json()},
              {"trunks", trunks_json()}, {"expectations", expectations_json(seen)}, {"t", encoder_.now()}};
}

}  // namespace telsim::serve
