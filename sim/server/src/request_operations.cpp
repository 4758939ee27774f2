// The TAPI operations of the wire protocol: a frame decoded against the operation catalogue
// (the same decoder as a scenario's `do:` step), its "cN" handles and line numbers resolved,
// then the request path (authorization, filters, the switch) like every other request.
#include <fmt/format.h>

#include <type_traits>

#include "request_handler.hpp"
#include "telsim/server/wire_schema.hpp"
#include "telsim/sim/faults.hpp"
#include "telsim/sim/request.hpp"

namespace telsim::serve {

using wire::json;

namespace {

/// A JSON object as the catalogue decoder's argument source: errors are LINEERR replies.
class JsonArgs final : public ArgSource {
 public:
  JsonArgs(const json& body, std::string op) : request_{nullptr, std::move(op), body}, params_(request_) {}
  /// A nested mapping (`params`): a mistyped field is `nested`'s error, named "params.FIELD".
  JsonArgs(const json& body, std::string op, LineErr nested)
      : request_{nullptr, std::move(op), body}, params_(request_), nested_(nested) {}

  std::vector<std::string> keys() const override {
    std::vector<std::string> out;
    for (auto it = request_.body.begin(); it != request_.body.end(); ++it) out.push_back(it.key());
    return out;
  }
  bool has(std::string_view key) const override {
    const json* v = params_.find(std::string(key).c_str());
    return v && !v->is_null();
  }
  bool is_null(std::string_view key) const override {
    const json* v = params_.find(std::string(key).c_str());
    return v && v->is_null();
  }
  std::optional<std::string> text(std::string_view key, LineErr) const override {
    return guarded([&] { return params_.optional_text(std::string(key).c_str()); });
  }
  std::optional<long long> integer(std::string_view key, LineErr) const override {
    return guarded([&] { return params_.optional_integer(std::string(key).c_str()); });
  }
  std::optional<double> number(std::string_view key, LineErr error) const override {
    const json* v = params_.find(std::string(key).c_str());
    if (v && v->is_number()) return v->get<double>();
    return ArgSource::number(key, error);
  }
  std::unique_ptr<ArgSource> mapping(std::string_view key, LineErr error) const override {
    const json* v = params_.find(std::string(key).c_str());
    if (!v || v->is_null()) return nullptr;
    if (!v->is_object())
      fail(key, error, fmt::format("'{}' must be an object: {{\"flags\":[\"BLOCKID\"],\"no_answer_timeout\":\"20s\"}}", key));
    return std::make_unique<JsonArgs>(*v, std::string(key), error);
  }
  std::vector<std::string> texts(std::string_view key, LineErr error) const override {
    const json* v = params_.find(std::string(key).c_str());
    std::vector<std::string> out;
    if (!v || v->is_null()) return out;
    if (!v->is_array()) fail(key, error, fmt::format("{}'{}' must be a list of strings", prefix(), key));
    for (const json& item : *v) {
      if (!item.is_string())
        fail(key, error, fmt::format("{}'{}' must be a list of strings, not holding {}", prefix(), key, item.dump()));
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  std::optional<std::string> scalar(std::string_view key, LineErr error) const override {
    const json* v = params_.find(std::string(key).c_str());
    if (v && v->is_number_integer()) return std::to_string(v->get<long long>());
    return text(key, error);
  }
  std::vector<long long> integers(std::string_view key, LineErr error) const override {
    const json* v = params_.find(std::string(key).c_str());
    std::vector<long long> out;
    if (!v || v->is_null()) return out;
    if (v->is_number_integer()) return {v->get<long long>()};
    if (!v->is_array()) fail(key, error, fmt::format("{}'{}' must be a list of whole numbers", prefix(), key));
    for (const json& item : *v) {
      if (!item.is_number_integer())
        fail(key, error, fmt::format("{}'{}' must be a list of whole numbers, not holding {}", prefix(), key, item.dump()));
      out.push_back(item.get<long long>());
    }
    return out;
  }
  std::vector<std::unique_ptr<ArgSource>> items(std::string_view key, LineErr error) const override {
    const json* v = params_.find(std::string(key).c_str());
    std::vector<std::unique_ptr<ArgSource>> out;
    if (!v || v->is_null()) return out;
    const bool rules = key == "forwarding";
    if (!v->is_array())
      fail(key, rules ? LineErr::InvalParam : error,
           rules ? fmt::format("'{}' must be a list of rules ([] cancels)", key)
                 : fmt::format("'{}' must be a list of objects ([] for none)", key));
    for (const json& item : *v) {
      if (!item.is_object()) {
        if (rules)
          throw wire::ParamError{LineErr::InvalParam, "each forwarding rule is an object: {\"when\":\"busy\",\"to\":\"204\"}"};
        throw wire::ParamError{error, fmt::format("each item of '{}' is an object, not {}", key, item.dump())};
      }
      out.push_back(std::make_unique<JsonArgs>(item, rules ? std::string("forwarding rule") : std::string(key), error));
    }
    return out;
  }
  [[noreturn]] void fail(std::string_view, LineErr error, const std::string& message) const override {
    throw wire::ParamError{error, message};
  }
  [[noreturn]] void fail_here(LineErr error, const std::string& message) const override {
    throw wire::ParamError{error, message};
  }

 private:
  std::string prefix() const { return nested_ ? request_.op + ": " : std::string(); }
  /// A getter whose type error, inside a nested mapping, is that mapping's error and names it.
  template <typename F>
  std::invoke_result_t<F> guarded(F get) const {
    try {
      return get();
    } catch (const wire::ParamError& e) {
      if (!nested_) throw;
      throw wire::ParamError{*nested_, request_.op + ": " + e.message};
    }
  }
  wire::Request request_;
  wire::Params params_;
  std::optional<LineErr> nested_;
};

}  // namespace

CallId RequestHandler::handle_of(const std::string& text, LineErr bad) const {
  const auto serial = parse_call_name(text);
  if (!serial) refuse(bad, fmt::format("'{}' is not a call handle (like \"c17\")", text));
  const auto id = subs_.handle(*serial);
  if (!id || !pbx_.find_call(*id)) refuse(bad, fmt::format("no call {} (never existed, or deallocated)", text));
  return *id;
}

void RequestHandler::call_operation(Client& c, const wire::Request& req) {
  const OpInfo* op = find_operation(req.op);
  if (!op) refuse(LineErr::OperationUnavail, fmt::format("unknown op '{}'", req.op));
  // lineHandoff's own forms (by application, by media mode) are the path's too, beside `to`.
  if (op->op == Op::Handoff && (req.body.contains("app") || req.body.contains("media_mode"))) return handoff_by(c, req);
  // The subject first: a request on another client's line or call is refused before the rest
  // of it is read (an unknown handle or line, likewise).
  {
    const wire::Params p(req);
    Command subject;
    subject.op = op->op;
    subject.requester = c.name;
    const ParamInfo* key = find_param(*op, op->subject == Subject::Line         ? "line"
                                           : op->subject == Subject::Conference ? "conference"
                                                                                : "call");
    if (const auto text = key ? p.optional_text(std::string(key->name).c_str()) : std::nullopt) {
      if (op->subject == Subject::Line) {
        const auto l = pbx_.find_line(*text);
        if (!l || *l >= pbx_.extension_count()) refuse(LineErr::BadDeviceId, fmt::format("no line {}", *text));
        subject.line = *l;
      } else if (op->subject == Subject::Conference) {
        subject.conference = handle_of(*text, key->error);
      } else {
        subject.call = handle_of(*text, key->error);
      }
      if (const auto refused = session_.request_path().authorize_subject(subject)) {
        ++stats_.errors;
        c.send(wire::frame(encoder_.reply(req.id, *refused)));
        return;
      }
    }
  }
  const JsonArgs args(req.body, req.op);
  DecodeOptions options;
  options.other_keys = {"id", "op"};
  const Request rq = decode_request(*op, args, options);

  Command cmd;
  cmd.op = op->op;
  cmd.requester = c.name;
  if (op->subject == Subject::Line) {
    const auto l = pbx_.find_line(rq.line);
    if (!l || *l >= pbx_.extension_count()) refuse(LineErr::BadDeviceId, fmt::format("no line {}", rq.line));
    cmd.line = *l;
  }
  const auto error_of = [op](const char* name) { return find_param(*op, name)->error; };
  if (rq.gave("call")) cmd.call = handle_of(rq.call, error_of("call"));
  if (rq.gave("consult")) cmd.consult = handle_of(rq.consult, error_of("consult"));
  if (rq.gave("held")) cmd.held = handle_of(rq.held, error_of("held"));
  if (rq.gave("conference")) cmd.conference = handle_of(rq.conference, error_of("conference"));
  cmd.to = rq.to;
  cmd.digits = rq.digits;
  cmd.orbit = rq.orbit;
  cmd.group = rq.group;
  cmd.address = rq.address;
  cmd.forwarding = rq.forwarding;
  cmd.params = rq.params;
  cmd.media = rq.media;
  cmd.agent = rq.agent;
  if (rq.park_mode) cmd.park_mode = *rq.park_mode;
  cmd.transfer_mode = rq.transfer_mode;
  cmd.completion_mode = rq.completion_mode;
  if (op->op == Op::UncompleteCall) cmd.completion = static_cast<std::uint32_t>(std::stoul(rq.completion));

  const Client* target = op->op == Op::Handoff ? clients_.find(cmd.to) : nullptr;
  const Call* subject = pbx_.find_call(cmd.call);
  const bool target_owned = target && subject && subs_.privilege(*target, *subject) == Privilege::Owner;
  const OpResult r = operation(c, req, cmd);
  if (!r.ok()) return;
  if (op->op == Op::Handoff && !target_owned) handed_off(c, cmd.to, cmd.call, false);
  if (op->op == Op::Deallocate) deallocated(c, cmd.call);
}

void RequestHandler::inject(Client& c, const wire::Request& req, const wire::Params& p) {
  p.only({"fault"});
  const json* body = p.find("fault");
  if (!body || !body->is_object())
    refuse(LineErr::InvalParam, "'fault' is an object, as a scenario's faults: item: {\"op\":\"answer\",\"reply\":\"never\"}");
  FaultSpec f = decode_fault(JsonArgs(*body, "fault", LineErr::InvalParam));
  if (!f.line.empty() && (!pbx_.find_line(f.line) || *pbx_.find_line(f.line) >= pbx_.extension_count()))
    refuse(LineErr::InvalParam, fmt::format("'{}' is not an extension", f.line));
  if (f.kind == FaultSpec::Kind::OutOfService) {
    const auto line = pbx_.find_line(f.target);
    if (!(line && *line < pbx_.extension_count()) && !pbx_.find_trunk(f.target))
      refuse(LineErr::InvalParam, fmt::format("'{}' is neither an extension nor a trunk group", f.target));
  }
  const std::string what = describe(f);
  const int number = session_.faults().add(std::move(f));
  log_.say("{} injected fault {}: {}", c.name, number, what);
  ok(c, req.id, json{{"fault", number}, {"what", what}});
}

void RequestHandler::pstn_call(Client& c, const wire::Request& req, const wire::Params& p) {
  p.only({"trunk", "to", "from", "holding"});
  // The trunk group: named, or the one the scenario has.
  std::optional<std::size_t> t;
  if (const auto name = p.optional_text("trunk")) {
    t = pbx_.find_trunk(*name);
    if (!t) refuse(LineErr::InvalParam, fmt::format("no trunk group '{}'", *name));
  } else if (pbx_.trunk_count() == 1) {
    t = 0;
  } else {
    refuse(LineErr::InvalParam, pbx_.trunk_count() == 0 ? "this scenario has no trunk group"
                                                       : "name the 'trunk' group the call arrives on");
  }
  const TrunkConfig& tc = pbx_.trunk_config(*t);
  if (tc.direction == TrunkConfig::Direction::Out)
    refuse(LineErr::OperationUnavail, fmt::format("trunk group {} takes no incoming calls (direction out)", tc.name));
  const std::string did = p.text("to");
  if (did.empty() || did.find_first_not_of("0123456789") != std::string::npos)
    refuse(LineErr::InvalAddress, fmt::format("'{}' is not a DID number (digits)", did));
  // Where the switch will ring it: the DID's last did_digits digits, else the group's default.
  const bool routed = (did.size() >= tc.did_digits && pbx_.find_line(did.substr(did.size() - tc.did_digits)) &&
                       *pbx_.find_line(did.substr(did.size() - tc.did_digits)) < pbx_.extension_count()) ||
                      (!tc.did_default.empty() && pbx_.find_line(tc.did_default));
  if (!routed)
    refuse(LineErr::InvalAddress, fmt::format("DID {} reaches no extension through {} (its last {} digits, no default)",
                                              did, tc.name, tc.did_digits));
  const std::string from = p.optional_text("from").value_or("");
  Duration holding = std::chrono::minutes(1);
  if (const auto h = p.optional_text("holding")) {
    const auto d = parse_duration(*h);
    if (!d || *d <= Duration::zero())
      refuse(LineErr::InvalParam, fmt::format("holding must be a positive duration (\"2min\"), not '{}'", *h));
    holding = *d;
  }
  if (!pbx_.trunk_arrival(*t, did, holding, from))
    refuse(LineErr::ResourceUnavail, fmt::format("no channel of {} is free (or it is out of service)", tc.name));
  log_.say("{} placed a call from the PSTN{} on {} for {}", c.name, from.empty() ? "" : " (" + from + ")", tc.name, did);
  ok(c, req.id, json{{"trunk", tc.name}});
}

void RequestHandler::handoff_by(Client& c, const wire::Request& req) {
  const wire::Params p(req);
  p.only({"call", "app", "media_mode"});
  if (p.find("app") && p.find("media_mode"))
    refuse(LineErr::InvalParam, "a handoff names its target once: 'to' (a client), 'app' or 'media_mode'");
  Command cmd;
  cmd.op = Op::Handoff;
  cmd.requester = c.name;
  cmd.call = handle_of(p.text("call"), LineErr::InvalCallHandle);
  RequestPath::HandoffTarget by;
  if (const auto app = p.optional_text("app")) {
    if (app->empty()) refuse(LineErr::InvalParam, "'app' names an executable (\"dialer.exe\")");
    // A path is allowed, as lineHandoff's lpszFileName: the file name is what counts.
    by.app = app->substr(app->find_last_of("\\/") == std::string::npos ? 0 : app->find_last_of("\\/") + 1);
  } else {
    const std::string mode = p.text("media_mode");
    by.media_mode = wire::schema::media_mode_value(mode);
    if (!by.media_mode)
      refuse(LineErr::InvalParam, fmt::format("'media_mode': \"{}\" is no LINEMEDIAMODE name (TAPI: LINEERR_INVALMEDIAMODE)", mode));
  }
  const OpResult r = operation(c, req, [&] { return session_.request_path().handoff(cmd, by); });
  if (!r.ok()) return;
  const Call* call = pbx_.find_call(cmd.call);
  Client* target = clients_.find(r.address);
  if (target && target != &c && call && subs_.privilege(*target, *call) != Privilege::Owner)
    handed_off(c, r.address, cmd.call, true, by.media_mode);
}

void RequestHandler::handed_off(Client& source, const std::string& target_name, CallId id, bool source_keeps,
                                std::uint32_t media_mode) {
  Client* target = clients_.find(target_name);
  const Call* call = pbx_.find_call(id);
  if (!call) return;
  if (!source_keeps && source.owned.count(id.serial)) {
    // `to`'s handoff gives the call away: a client that shares the line as a monitor keeps its
    // handle as one; otherwise the handle goes (a line opened alone still hears of its calls).
    const LineOpen* how = subs_.opened(source, call->line);
    if (how && !how->alone && how->monitor) subs_.grant(source, id, Privilege::Monitor);
    else subs_.release(source, id.serial);
  }
  if (!target || target == &source) return;
  subs_.grant(*target, id, Privilege::Owner);
  subs_.handed(*target, id, *call, media_mode);
}

void RequestHandler::deallocated(Client& c, CallId id) {
  if (!pbx_.find_call(id)) {
    subs_.forget_call(id.serial);  // the last handle: gone at the switch
  } else {
    subs_.release(c, id.serial);
  }
  c.known.erase(id.serial);
}

}  // namespace telsim::serve
