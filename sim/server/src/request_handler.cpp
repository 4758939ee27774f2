#include "request_handler.hpp"

#include <algorithm>
#include <cctype>
#include <variant>

#include <fmt/format.h>

#include "forwarding_codec.hpp"
#include "modem_ports.hpp"
#include "telsim/server/wire_schema.hpp"

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

RequestHandler::RequestHandler(Pbx& pbx, ScenarioSession& session, Scheduler& clock,
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
  // The request path asks this handler which clients exist, which lines they have open and
  // their privileges on calls.
  session_.request_path().set_directory(this);
  // A modem's calls are data calls; the others voice.
  subs_.set_media_of([this](LineId l) {
    const ModemBank* bank = session_.modems();
    return wire::schema::media_mode_value(bank && bank->on_line(l) ? "DATAMODEM" : "INTERACTIVEVOICE");
  });
  // A modem whose line a client owns is that client's (Unimodem's way): it dials and answers
  // through the line, and its terminal sees only data (Modem::set_controlled).
  subs_.set_on_opens_changed([this](LineId l) {
    if (ModemBank* bank = session_.modems()) bank->set_controlled(l, subs_.has_owner(l));
  });
}

RequestHandler::~RequestHandler() {
  session_.request_path().set_directory(nullptr);
  subs_.set_on_opens_changed(nullptr);
}

void RequestHandler::handle(Client& c, const wire::Request& req) {
  // A switch that takes time to reply (reply_delay) and acts when it does (reply_order
  // before_events): the operation is carried out then, its reply first and its events after.
  if (find_operation(req.op) && pbx_.profile().reply_order == ReplyOrder::BeforeEvents) {
    if (const Duration d = pbx_.next_reply_delay(); d > Duration::zero()) {
      clock_.schedule(d, [this, n = c.number, req] {
        if (Client* x = by_number(n)) carry_out(*x, req);
      });
      return;
    }
  }
  carry_out(c, req);
}

Client* RequestHandler::by_number(std::uint64_t number) const {
  Client* c = clients_.connected(number);
  return c && !c->closing() ? c : nullptr;
}

void RequestHandler::send_reply(Client& c, const json& id, const OpResult& r, Duration after) {
  // An injected fault may lose the reply (the request never completes) or make it later.
  const RequestPath::ReplyFate& fate = session_.request_path().last_fate();
  if (fate.lost) {
    log_.say("{}: reply to request {} lost ({})", c.name, id.dump(), fate.why);
    return;
  }
  after += fate.delay;
  if (after <= Duration::zero()) return c.send(wire::frame(encoder_.reply(id, r)));
  clock_.schedule(after, [this, n = c.number, id, r] {
    if (Client* x = by_number(n)) x->send(wire::frame(encoder_.reply(id, r)));
  });
}

void RequestHandler::carry_out(Client& c, const wire::Request& req) {
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

namespace {
std::string privilege_text(const LineOpen& o);
}  // namespace

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
  if (op == "open") return open_line(c, req, p);
  if (op == "inject") return inject(c, req, p);
  if (op == "pstn_call") return pstn_call(c, req, p);
  if (op == "register_app") return register_app(c, req, p);
  if (op == "set_privilege") return set_privilege(c, req, p);
  if (op == "close") {
    p.only({"line"});
    return close_line(c, req, line_param(c, p, true));
  }
  if (op == "monitor" || op == "unmonitor") return monitor(c, req, p, op == "monitor");
  if (op == "modem_config" || op == "modem_passthrough") return modem_request(c, req, p);
  if (op == "call_status" || op == "call_info") {
    p.only({"call"});
    return ok(c, req.id, encoder_.call_status(call_param(c, p, "call", false)));
  }
  if (op == "agent_caps" || op == "agent_status" || op == "agent_activities") {
    p.only({"line"});
    const LineId l = line_param(c, p, false);
    const auto status = pbx_.agent_status(pbx_.line(l).number);
    if (!status) refuse(LineErr::InvalAgentId, fmt::format("{} has no ACD agent", pbx_.line(l).number));
    if (op == "agent_caps") return ok(c, req.id, encoder_.agent_caps(*status));
    if (op == "agent_status") return ok(c, req.id, encoder_.agent_status(*status));
    json list = json::array();
    const auto& names = pbx_.acd_config().activities;
    for (std::size_t i = 0; i < names.size(); ++i) list.push_back(json{{"id", i + 1}, {"name", names[i]}});
    return ok(c, req.id, json{{"line", status->line}, {"agent", status->id}, {"activities", std::move(list)}});
  }
  if (op == "queue_list") {
    p.only({});
    json list = json::array();
    for (const QueueInfo& q : pbx_.queue_infos())
      list.push_back(json{{"id", q.id}, {"name", q.name}, {"number", q.number}});
    return ok(c, req.id, json{{"queues", std::move(list)}});
  }
  if (op == "queue_info") {
    p.only({"queue"});
    const std::string which = p.text("queue");
    for (const QueueInfo& q : pbx_.queue_infos())
      if (q.name == which || std::to_string(q.id) == which) return ok(c, req.id, encoder_.queue_info(q));
    refuse(LineErr::InvalParam, fmt::format("no queue '{}' (queue_list names them)", which));
  }
  if (op == "line_status" || op == "address_status") {
    p.only({"line"});
    const LineId l = line_param(c, p, false);
    const Client* holder = subs_.controller(l);
    json status = encoder_.line_status(l, holder ? json(holder->name) : json(nullptr), subs_.monitor_count(l));
    json opens = json::array();
    for (const LineOpen& o : subs_.opens(l)) {
      json open{{"client", o.client->name}};
      open["privilege"] = o.alone ? json(nullptr) : json(privilege_text(o));
      open["media_modes"] = o.alone ? json(nullptr) : media_modes_json(o.media_modes);
      opens.push_back(std::move(open));
    }
    status["opens"] = std::move(opens);
    return ok(c, req.id, std::move(status));
  }
  call_operation(c, req);
}

// --- checks ---------------------------------------------------------------------------------

LineId RequestHandler::line_param(Client& c, const wire::Params& p, bool must_control, const char* key) {
  const std::string number = p.text(key);
  const auto l = pbx_.find_line(number);
  if (!l || *l >= pbx_.extension_count()) refuse(LineErr::BadDeviceId, fmt::format("no line {}", number));
  if (must_control && !subs_.opened(c, *l))
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
  if (must_control && subs_.privilege(c, *call) != Privilege::Owner) {
    refuse(LineErr::NotOwner,
           call->owner.empty()
               ? fmt::format("{} is on line {}, which this client has not opened", text, pbx_.line(call->line).number)
               : fmt::format("{} belongs to {}", text, call->owner));
  }
  return *id;
}

// --- model operations -----------------------------------------------------------------------

OpResult RequestHandler::operation(Client& c, const wire::Request& req, const Command& command) {
  return operation(c, req, [&] { return session_.request_path().execute(command); });
}

OpResult RequestHandler::operation(Client& c, const wire::Request& req, const std::function<OpResult()>& run) {
  // reply_order after_events: the operation acts now (its events go out as they come) and its
  // reply follows reply_delay later.
  const Duration later =
      pbx_.profile().reply_order == ReplyOrder::AfterEvents ? pbx_.next_reply_delay() : Duration::zero();
  Active a{&c, req.id, false, later};
  active_ = &a;
  OpResult r;
  try {
    r = run();
  } catch (...) {
    active_ = nullptr;
    throw;
  }
  active_ = nullptr;
  // The switch's answers were sent by on_reply as they came; the path's own refusals
  // (NOTOWNER, TARGETNOTFOUND ...) never reach the switch and are sent here.
  if (!a.replied) send_reply(c, req.id, r, later);
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

bool RequestHandler::has_open(std::string_view name, LineId line) const {
  const Client* c = clients_.find(name);
  return c && !c->gone() && subs_.opened(*c, line);
}

RequestPath::CallPrivilege RequestHandler::privilege(std::string_view name, const Call& call) const {
  const Client* c = clients_.find(name);
  return c && !c->gone() ? subs_.privilege(*c, call) : Privilege::None;
}

std::vector<std::pair<std::string, RequestPath::CallPrivilege>> RequestHandler::holders(const Call& call) const {
  std::vector<std::pair<std::string, Privilege>> out;
  for (const Client* h : subs_.holders(call.id.serial))
    if (!h->gone()) out.emplace_back(h->name, h->owned.count(call.id.serial) ? Privilege::Owner : Privilege::Monitor);
  return out;
}

std::vector<std::string> RequestHandler::media_owners(LineId line, std::uint32_t media_mode) const {
  std::vector<std::string> out;
  for (const Client* c : subs_.owners_of(line, media_mode)) out.push_back(c->name);
  return out;
}

std::vector<std::string> RequestHandler::app_owners(std::string_view app, LineId line) const {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  std::vector<std::string> out;
  for (const LineOpen& o : subs_.opens(line)) {
    if (!o.owner || o.client->gone()) continue;
    for (const std::string& a : o.client->apps)
      if (same(a, app)) {
        out.push_back(o.client->name);
        break;
      }
  }
  return out;
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
      // The creator owns what it creates (TAPI); the switch says so by its owner.
      if (call && call->owner == c.name) subs_.grant(c, id, Privilege::Owner);
      // The requester learns the handle from the reply: no new_call for it (TAPI's rule).
      c.known.insert(id.serial);
    }
  }
  send_reply(c, active_->id, r, active_->reply_after);
}

void RequestHandler::clear_calls_of(Client& c, std::optional<LineId> only_line) {
  std::vector<CallId> mine;
  auto consider = [&](std::uint32_t serial) {
    const auto id = subs_.handle(serial);
    const Call* call = id ? pbx_.find_call(*id) : nullptr;
    if (!call || (only_line && call->line != *only_line)) return;
    if (std::find(mine.begin(), mine.end(), *id) == mine.end()) mine.push_back(*id);
  };
  for (std::uint32_t serial : c.owned) consider(serial);
  for (std::uint32_t serial : c.watched) consider(serial);
  std::sort(mine.begin(), mine.end(), [](CallId a, CallId b) { return a.serial < b.serial; });
  // The server's own clean-up, not a request of the client's: straight to the switch. A call
  // it alone owns is dropped (TAPI's lineClose); the others keep theirs.
  for (CallId id : mine) {
    const Call* call = pbx_.find_call(id);
    if (!call || call->state == CallState::Idle || !c.owned.count(id.serial)) continue;
    bool other_owner = false;
    for (const Client* h : subs_.holders(id.serial)) other_owner = other_owner || (h != &c && h->owned.count(id.serial));
    if (!other_owner) pbx_.drop(id);
  }
  for (CallId id : mine) {
    subs_.release(c, id.serial);
    const Call* call = pbx_.find_call(id);
    if (call && call->state == CallState::Idle && subs_.holders(id.serial).empty()) {
      pbx_.deallocate(id);
      subs_.forget_call(id.serial);
    }
  }
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

namespace {

/// open's `privilege`: NONE, MONITOR, OWNER or both joined with '+' (any case, the
/// LINECALLPRIVILEGE_ prefix optional).
void parse_privilege(const std::string& text, bool& owner, bool& monitor) {
  owner = monitor = false;
  bool none = false;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t plus = text.find('+', at);
    std::string part = text.substr(at, plus == std::string::npos ? std::string::npos : plus - at);
    for (char& ch : part) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (part.rfind("LINECALLPRIVILEGE_", 0) == 0) part.erase(0, 18);
    if (part == wire::schema::value::kPrivilegeOwner) owner = true;
    else if (part == wire::schema::value::kPrivilegeMonitor) monitor = true;
    else if (part == wire::schema::value::kPrivilegeNone) none = true;
    else
      throw wire::ParamError{LineErr::InvalParam,
                             fmt::format("'privilege' is NONE, MONITOR, OWNER or OWNER+MONITOR, not \"{}\"", text)};
    if (plus == std::string::npos) break;
    at = plus + 1;
  }
  if (none && (owner || monitor))
    throw wire::ParamError{LineErr::InvalParam, "'privilege' NONE goes alone"};
}

std::string privilege_text(const LineOpen& o) {
  if (o.owner && o.monitor) return wire::schema::value::kPrivilegeOwnerMonitor;
  if (o.owner) return wire::schema::value::kPrivilegeOwner;
  return o.monitor ? wire::schema::value::kPrivilegeMonitor : wire::schema::value::kPrivilegeNone;
}

}  // namespace

void RequestHandler::open_line(Client& c, const wire::Request& req, const wire::Params& p) {
  p.only({"line", "privilege", "media_modes", "rank"});
  const LineId l = line_param(c, p, false);
  LineOpen how;
  const auto privilege = p.optional_text("privilege");
  how.alone = !privilege;
  if (!privilege) {
    if (p.find("media_modes") || p.find("rank"))
      refuse(LineErr::InvalParam, "'media_modes' and 'rank' go with a 'privilege' (an open that shares the line)");
    how.owner = how.monitor = true;
    how.media_modes = ~std::uint32_t{0};
  } else {
    parse_privilege(*privilege, how.owner, how.monitor);
    if (const json* modes = p.find("media_modes"); modes && !modes->is_null()) {
      if (!modes->is_array()) refuse(LineErr::InvalParam, "'media_modes' must be a list of media modes ([\"INTERACTIVEVOICE\"])");
      for (const json& m : *modes) {
        const std::uint32_t bit = m.is_string() ? wire::schema::media_mode_value(m.get<std::string>()) : 0;
        if (!bit) refuse(LineErr::InvalParam, fmt::format("'media_modes': {} is no LINEMEDIAMODE name", m.dump()));
        how.media_modes |= bit;
      }
    }
    if (how.owner && how.media_modes == 0)
      refuse(LineErr::InvalParam, "an owner names the media modes it owns ('media_modes', TAPI: LINEERR_INVALMEDIAMODE)");
    if (!how.owner) how.media_modes = 0;
    if (const auto rank = p.optional_integer("rank")) {
      if (*rank < 0) refuse(LineErr::InvalParam, "'rank' is 0 or more (lower first)");
      how.rank = *rank;
    }
  }
  const Line& line = pbx_.line(l);
  // One that opened it alone keeps it alone; owners share it only with owners that share.
  for (const LineOpen& o : subs_.opens(l)) {
    if (o.client == &c) continue;
    if (o.alone && (how.owner || how.alone))
      refuse(LineErr::Allocated, fmt::format("line {} is open by {}", line.number, o.client->name));
    if (how.alone && o.owner)
      refuse(LineErr::Allocated, fmt::format("line {} is open by {} (as an owner that shares it: open it with a "
                                             "'privilege' to share it too)",
                                             line.number, o.client->name));
  }
  const bool opened = subs_.open(c, l, how);
  json body{{"line", line.number}, {"name", line.name}, {"behavior", describe(line.behavior)},
            {"forwarding", forwarding_json(line.forwarding)}};
  if (!how.alone) {
    body["privilege"] = privilege_text(how);
    body["media_modes"] = media_modes_json(how.media_modes);
  }
  ok(c, req.id, std::move(body));
  if (opened) {
    json extra{{"controller", c.name}};
    if (!how.alone) extra["privilege"] = privilege_text(how);
    subs_.line_state(l, "OPEN", extra);
  }
  subs_.announce_calls(c, l);
}

void RequestHandler::close_line(Client& c, const wire::Request& req, LineId l) {
  clear_calls_of(c, l);
  subs_.close(c, l);
  ok(c, req.id, json{{"line", pbx_.line(l).number}});
  subs_.line_state(l, "CLOSE", json{{"controller", c.name}});
}

void RequestHandler::register_app(Client& c, const wire::Request& req, const wire::Params& p) {
  p.only({"name"});
  const std::string name = p.text("name");
  const bool valid = !name.empty() && name.size() <= 255 && std::none_of(name.begin(), name.end(), [](char ch) {
    return static_cast<unsigned char>(ch) < 0x20 || std::string_view("\\/:*?\"<>|").find(ch) != std::string_view::npos;
  });
  if (!valid) refuse(LineErr::InvalParam, "an application's name is its executable's file name (\"dialer.exe\"), no folder");
  const bool known = std::any_of(c.apps.begin(), c.apps.end(), [&](const std::string& a) {
    return a.size() == name.size() && std::equal(a.begin(), a.end(), name.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  });
  if (!known) c.apps.push_back(name);
  ok(c, req.id, json{{"apps", c.apps}});
}

void RequestHandler::set_privilege(Client& c, const wire::Request& req, const wire::Params& p) {
  p.only({"call", "privilege"});
  const CallId id = call_param(c, p, "call", false);
  std::string text = p.text("privilege");
  for (char& ch : text) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (text.rfind("LINECALLPRIVILEGE_", 0) == 0) text.erase(0, 18);
  Privilege wanted = Privilege::None;
  if (text == wire::schema::value::kPrivilegeOwner) wanted = Privilege::Owner;
  else if (text == wire::schema::value::kPrivilegeMonitor) wanted = Privilege::Monitor;
  else refuse(LineErr::InvalParam, "'privilege' is OWNER or MONITOR (TAPI: LINEERR_INVALCALLPRIVILEGE)");
  if (const auto refused = session_.request_path().authorize_privilege(c.name, id, wanted)) {
    ++stats_.errors;
    c.send(wire::frame(encoder_.reply(req.id, *refused)));
    return;
  }
  subs_.grant(c, id, wanted);
  c.known.insert(id.serial);
  ok(c, req.id, json{{"call", to_string(id)}, {"privilege", privilege_name(wanted)}});
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
