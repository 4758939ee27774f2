#include "request_handler.hpp"

#include <algorithm>
#include <variant>

#include <fmt/format.h>

#include "forwarding_codec.hpp"
#include "modem_ports.hpp"

namespace telsim::serve {

using wire::json;

namespace {

constexpr const char* kServerName = "telsim";

bool valid_client_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

}  // namespace

std::optional<std::uint32_t> parse_call_name(const std::string& text) {
  if (text.size() < 2 || text.size() > 11 || text[0] != 'c') return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (v == 0 || v > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

RequestHandler::RequestHandler(Pbx& pbx, ScenarioSession& session, const Scheduler& clock,
                               Subscriptions& subscriptions, EventEncoder& encoder, ClientDirectory& clients,
                               const ServerOptions& options, ServerStats& stats, ServerLog& log,
                               const ModemPorts* ports)
    : pbx_(pbx),
      session_(session),
      clock_(clock),
      subs_(subscriptions),
      encoder_(encoder),
      clients_(clients),
      options_(options),
      stats_(stats),
      log_(log),
      ports_(ports) {
  // The request path asks this handler which clients exist and which lines they have open.
  session_.request_path().set_directory(this);
}

RequestHandler::~RequestHandler() { session_.request_path().set_directory(nullptr); }

void RequestHandler::handle(Client& c, const wire::Request& req) {
  try {
    dispatch(c, req);
  } catch (const wire::ParamError& e) {
    ++stats_.errors;
    c.send(wire::error_frame(req.id, e.error, e.message));
  }
}

void RequestHandler::refuse(LineErr e, std::string message) { throw wire::ParamError{e, std::move(message)}; }

void RequestHandler::ok(Client& c, const json& id, json body) {
  json j{{"id", id}, {"ok", true}};
  for (auto& [k, v] : body.items()) j[k] = v;
  if (!j.contains("t")) j["t"] = encoder_.now();
  c.send(wire::frame(j));
}

void RequestHandler::dispatch(Client& c, const wire::Request& req) {
  const wire::Params p(req);
  const std::string& op = req.op;
  if (op == "hello") return hello(c, req, p);
  if (op == "auth") {
    p.only({"token"});
    return authenticate(c, req, p.text("token"));
  }
  if (!c.authed)
    refuse(LineErr::OperationUnavail,
           "authenticate first: {\"op\":\"auth\",\"token\":\"...\"} (the server was started with a token)");
  if (op == "ping") {
    p.only({});
    return ok(c, req.id);
  }
  if (op == "list_lines") {
    p.only({});
    return list_lines(c, req);
  }
  if (op == "open") {
    p.only({"line"});
    return open_line(c, req, line_param(c, p, false));
  }
  if (op == "close") {
    p.only({"line"});
    return close_line(c, req, line_param(c, p, true));
  }
  if (op == "monitor" || op == "unmonitor") return monitor(c, req, p, op == "monitor");
  if (op == "call_status" || op == "call_info") {
    p.only({"call"});
    return ok(c, req.id, encoder_.call_status(call_param(c, p, "call", false)));
  }
  if (op == "line_status" || op == "address_status") {
    p.only({"line"});
    const LineId l = line_param(c, p, false);
    const Client* holder = subs_.controller(l);
    return ok(c, req.id, encoder_.line_status(l, holder ? json(holder->name) : json(nullptr), subs_.monitor_count(l)));
  }
  call_operation(c, req);
}

// --- checks ---------------------------------------------------------------------------------

LineId RequestHandler::line_param(Client& c, const wire::Params& p, bool must_control, const char* key) {
  const std::string number = p.text(key);
  const auto l = pbx_.find_line(number);
  if (!l || *l >= pbx_.extension_count()) refuse(LineErr::BadDeviceId, fmt::format("no line {}", number));
  if (must_control && subs_.controller(*l) != &c)
    refuse(LineErr::InvalLineHandle, fmt::format("line {} is not open by this client (send {{\"op\":\"open\",\"line\":\"{}\"}} first)", number, number));
  return *l;
}

CallId RequestHandler::call_param(Client& c, const wire::Params& p, const char* key, bool must_control, LineErr bad) {
  const std::string text = p.text(key);
  const auto serial = parse_call_name(text);
  if (!serial) refuse(bad, fmt::format("'{}' is not a call handle (like \"c17\")", text));
  const auto id = subs_.handle(*serial);
  const Call* call = id ? pbx_.find_call(*id) : nullptr;
  if (!call) refuse(bad, fmt::format("no call {} (never existed, or deallocated)", text));
  if (must_control && !subs_.controls(c, *call)) {
    refuse(LineErr::NotOwner,
           call->owner.empty()
               ? fmt::format("{} is on line {}, which this client has not opened", text, pbx_.line(call->line).number)
               : fmt::format("{} belongs to {}", text, call->owner));
  }
  return *id;
}

// --- model operations -----------------------------------------------------------------------

OpResult RequestHandler::operation(Client& c, const wire::Request& req, const Command& command) {
  Active a{&c, req.id, false};
  active_ = &a;
  OpResult r;
  try {
    r = session_.request_path().execute(command);
  } catch (...) {
    active_ = nullptr;
    throw;
  }
  active_ = nullptr;
  // The switch's answers were sent by on_reply as they came; the path's own refusals
  // (NOTOWNER, TARGETNOTFOUND ...) never reach the switch and are sent here.
  if (!a.replied) c.send(wire::frame(encoder_.reply(req.id, r)));
  if (!r.ok()) ++stats_.errors;
  return r;
}

bool RequestHandler::is_client(std::string_view name) const {
  const Client* c = clients_.find(name);
  return c && !c->gone();
}

std::string RequestHandler::line_controller(LineId line) const {
  const Client* c = subs_.controller(line);
  return c ? c->name : std::string();
}

void RequestHandler::on_reply(const OpResult& r) {
  if (!active_ || active_->replied) return;
  active_->replied = true;
  Client& c = *active_->client;
  if (r.ok()) {
    for (CallId id : {r.call, r.consult}) {
      if (!id) continue;
      subs_.remember(id);
      const Call* call = pbx_.find_call(id);
      if (call && call->owner == c.name) c.owned.insert(id.serial);
      // The requester learns the handle from the reply: no new_call for it (TAPI's rule).
      c.known.insert(id.serial);
    }
  }
  c.send(wire::frame(encoder_.reply(active_->id, r)));
}

void RequestHandler::clear_calls_of(Client& c, std::optional<LineId> only_line) {
  std::vector<CallId> mine;
  auto consider = [&](CallId id) {
    const Call* call = pbx_.find_call(id);
    if (!call || (only_line && call->line != *only_line)) return;
    if (subs_.controls(c, *call) && std::find(mine.begin(), mine.end(), id) == mine.end()) mine.push_back(id);
  };
  for (LineId l : c.opened) {
    if (only_line && l != *only_line) continue;
    for (CallId id : pbx_.line(l).calls) consider(id);
  }
  for (std::uint32_t serial : c.owned)
    if (const auto id = subs_.handle(serial)) consider(*id);
  // The server's own clean-up, not a request of the client's: straight to the switch.
  for (CallId id : mine) {
    const Call* call = pbx_.find_call(id);
    if (call && call->state != CallState::Idle) pbx_.drop(id);
  }
  for (CallId id : mine) {
    const Call* call = pbx_.find_call(id);
    if (call && call->state == CallState::Idle) pbx_.deallocate(id);
  }
  for (CallId id : mine) c.owned.erase(id.serial);
}

// --- session --------------------------------------------------------------------------------

void RequestHandler::hello(Client& c, const wire::Request& req, const wire::Params& p) {
  p.only({"version", "versions", "name", "token"});
  std::vector<long long> offered;
  if (const json* v = p.find("versions")) {
    if (!v->is_array()) refuse(LineErr::InvalParam, "'versions' must be a list of integers");
    for (const json& x : *v) {
      if (!x.is_number_integer()) refuse(LineErr::InvalParam, "'versions' must be a list of integers");
      offered.push_back(x.get<long long>());
    }
  }
  if (const auto v = p.optional_integer("version")) offered.push_back(*v);
  if (offered.empty()) offered.push_back(wire::kProtocolVersion);
  long long chosen = 0;
  for (long long v : offered)
    if (v >= 1 && v <= wire::kProtocolVersion) chosen = std::max(chosen, v);
  if (chosen == 0)
    refuse(LineErr::OperationUnavail,
           fmt::format("no common protocol version: this server speaks 1..{}", wire::kProtocolVersion));
  if (const auto name = p.optional_text("name"); name && *name != c.name) {
    if (!valid_client_name(*name))
      refuse(LineErr::InvalParam, "a client name is 1-64 letters, digits, '-', '_' or '.'");
    if (clients_.find(*name)) refuse(LineErr::InvalParam, fmt::format("the name '{}' is taken", *name));
    for (const auto& [serial, id] : subs_.handles()) {
      (void)serial;
      if (const Call* call = pbx_.find_call(id); call && call->owner == *name)
        refuse(LineErr::InvalParam, fmt::format("the name '{}' owns calls of a client that left", *name));
    }
    clients_.rename(c, *name);
  }
  if (const auto token = p.optional_text("token"); token && !c.authed) {
    if (!check_token(c, req.id, *token)) return;
  }
  c.version = static_cast<int>(chosen);
  ok(c, req.id, json{{"server", fmt::format("{} {}", kServerName, TELSIM_SERVER_VERSION)},
                     {"protocol", chosen},
                     {"name", c.name},
                     {"scenario", session_.scenario().name},
                     {"speed", options_.speed},
                     {"auth_required", !c.authed},
                     {"pbx", EventEncoder::capabilities(session_.scenario().pbx)}});
}

bool RequestHandler::check_token(Client& c, const json& id, const std::string& token) {
  if (wire::token_matches(token, options_.token)) {
    c.authenticated();
    return true;
  }
  ++stats_.auth_failures;
  ++c.failed_auths;
  log_.say("{} from {}: authentication failed ({} of 3)", c.name, c.peer, c.failed_auths);
  c.send(wire::error_frame(id, LineErr::OperationFailed, "authentication failed"));
  if (c.failed_auths >= 3) c.close_after_flush();
  return false;
}

void RequestHandler::authenticate(Client& c, const wire::Request& req, const std::string& token) {
  if (options_.token.empty() || c.authed) return ok(c, req.id);
  if (check_token(c, req.id, token)) ok(c, req.id);
}

// --- lines ----------------------------------------------------------------------------------

void RequestHandler::list_lines(Client& c, const wire::Request& req) {
  json lines = json::array();
  for (LineId l = 0; l < pbx_.extension_count(); ++l) {
    const Line& line = pbx_.line(l);
    json j{{"line", line.number}, {"name", line.name}, {"behavior", describe(line.behavior)}};
    const Client* holder = subs_.controller(l);
    j["controller"] = holder ? json(holder->name) : json(nullptr);
    json modem = modem_json(l);
    j["kind"] = modem.is_null() ? "extension" : "modem";
    if (!modem.is_null()) j["modem"] = std::move(modem);
    lines.push_back(std::move(j));
  }
  json trunks = json::array();
  for (std::size_t t = 0; t < pbx_.trunk_count(); ++t)
    trunks.push_back(json{{"name", pbx_.trunk_config(t).name}, {"channels", pbx_.trunk_config(t).channels}});
  ok(c, req.id, json{{"lines", lines}, {"trunks", trunks}});
}

json RequestHandler::modem_json(LineId l) const {
  const ModemBank* bank = session_.modems();
  const Modem* m = bank ? bank->on_line(l) : nullptr;
  if (!m) return nullptr;
  json j{{"name", m->name()}, {"speed", m->config().speed}, {"state", to_string(m->state())},
         {"dcd", m->dcd()}, {"dtr", m->dtr()}};
  if (ports_) {
    const json where = ports_->describe(l);
    if (where.is_object())
      for (auto& [k, v] : where.items()) j[k] = v;
  }
  return j;
}

void RequestHandler::open_line(Client& c, const wire::Request& req, LineId l) {
  if (const ModemBank* bank = session_.modems(); bank && bank->on_line(l))
    refuse(LineErr::Allocated, fmt::format("line {} is modem {}: its AT command interpreter controls it "
                                           "(monitor the line to follow it)",
                                           pbx_.line(l).number, bank->on_line(l)->name()));
  if (const Client* holder = subs_.controller(l); holder && holder != &c)
    refuse(LineErr::Allocated, fmt::format("line {} is open by {}", pbx_.line(l).number, holder->name));
  const bool opened = subs_.open(c, l);
  const Line& line = pbx_.line(l);
  ok(c, req.id, json{{"line", line.number}, {"name", line.name}, {"behavior", describe(line.behavior)},
                     {"forwarding", forwarding_json(line.forwarding)}});
  if (opened) subs_.line_state(l, "OPEN", json{{"controller", c.name}});
  subs_.announce_calls(c, l);
}

void RequestHandler::close_line(Client& c, const wire::Request& req, LineId l) {
  clear_calls_of(c, l);
  subs_.close(c, l);
  ok(c, req.id, json{{"line", pbx_.line(l).number}});
  subs_.line_state(l, "CLOSE");
}

void RequestHandler::monitor(Client& c, const wire::Request& req, const wire::Params& p, bool on) {
  p.only({"line"});
  const std::string which = p.text("line");
  if (which == "*") {
    if (on) subs_.monitor_everything(c);
    else subs_.unmonitor_everything(c);
    return ok(c, req.id, json{{"line", "*"}});
  }
  const LineId l = line_param(c, p, false);
  if (on) subs_.monitor(c, l);
  else subs_.unmonitor(c, l);
  ok(c, req.id, json{{"line", pbx_.line(l).number}});
}

}  // namespace telsim::serve
