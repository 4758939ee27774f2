// The TAPI operations of the wire protocol (docs/protocol.md, "TAPI operations"): each
// request's parameters decoded and checked, then one Pbx member called through operation().
#include <fmt/format.h>

#include "forwarding_codec.hpp"
#include "request_handler.hpp"

namespace telsim::serve {

using wire::json;

/// An operation on one call and nothing else.
void RequestHandler::call_only(Client& c, const wire::Request& req, const wire::Params& p,
                               OpResult (Pbx::*fn)(CallId)) {
  p.only({"call"});
  const CallId id = call_param(c, p, "call", true);
  // The model is captured by reference, not through `this`: GCC 12's UBSan (vptr) misreads a
  // pointer-to-member call through a lambda's captured `this`.
  Pbx& model = pbx_;
  operation(c, req, [&model, fn, id] { return (model.*fn)(id); });
}

void RequestHandler::call_operation(Client& c, const wire::Request& req, const wire::Params& p) {
  const std::string& op = req.op;
  auto simple = [&](OpResult (Pbx::*fn)(CallId)) { call_only(c, req, p, fn); };
  if (op == "make_call") {
    p.only({"line", "to"});
    const LineId l = line_param(c, p, true);
    const std::string to = p.optional_text("to").value_or("");
    return operation(c, req, [&] { return pbx_.make_call(l, to); });
  }
  if (op == "dial") {
    p.only({"call", "digits"});
    const CallId id = call_param(c, p, "call", true);
    const std::string digits = p.text("digits");
    return operation(c, req, [&] { return pbx_.dial(id, digits); });
  }
  if (op == "accept") return simple(&Pbx::accept);
  if (op == "answer") return simple(&Pbx::answer);
  if (op == "drop") return simple(&Pbx::drop);
  if (op == "deallocate") return simple(&Pbx::deallocate);
  if (op == "hold") return simple(&Pbx::hold);
  if (op == "unhold") return simple(&Pbx::unhold);
  if (op == "secure_call") return simple(&Pbx::secure_call);
  if (op == "remove_from_conference") return simple(&Pbx::remove_from_conference);
  if (op == "swap_hold") {
    p.only({"call", "held"});
    const CallId id = call_param(c, p, "call", true);
    const CallId held = call_param(c, p, "held", true);
    return operation(c, req, [&] { return pbx_.swap_hold(id, held); });
  }
  if (op == "park") {
    p.only({"call", "mode", "orbit"});
    const CallId id = call_param(c, p, "call", true);
    const auto orbit = p.optional_text("orbit");
    const auto mode_text = p.optional_text("mode");
    ParkMode mode = orbit ? ParkMode::Directed : ParkMode::NonDirected;
    if (mode_text) {
      if (*mode_text == "directed") mode = ParkMode::Directed;
      else if (*mode_text == "nondirected") mode = ParkMode::NonDirected;
      else refuse(LineErr::InvalParkMode, fmt::format("park mode '{}' (directed or nondirected)", *mode_text));
    }
    if (mode == ParkMode::Directed && !orbit) refuse(LineErr::InvalParam, "directed park needs 'orbit'");
    const std::string o = orbit.value_or("");
    return operation(c, req, [&] { return pbx_.park(id, mode, o); });
  }
  if (op == "unpark") {
    p.only({"line", "orbit"});
    const LineId l = line_param(c, p, true);
    const std::string orbit = p.text("orbit");
    return operation(c, req, [&] { return pbx_.unpark(l, orbit); });
  }
  if (op == "pickup") {
    p.only({"line", "to", "group"});
    const LineId l = line_param(c, p, true);
    const std::string to = p.optional_text("to").value_or("");
    const std::string group = p.optional_text("group").value_or("");
    return operation(c, req, [&] { return pbx_.pickup(l, to, group); });
  }
  if (op == "forward") {
    p.only({"line", "forwarding"});
    const LineId l = line_param(c, p, true);
    const json* list = p.find("forwarding");
    if (!list || !list->is_array())
      refuse(LineErr::InvalParam, "forward needs 'forwarding': a list of rules ([] cancels)");
    std::vector<ForwardRule> rules;
    for (const json& r : *list) rules.push_back(forward_rule(r));
    return operation(c, req, [&] { return pbx_.forward(l, rules); });
  }
  if (op == "setup_transfer" || op == "blind_transfer" || op == "setup_conference" || op == "redirect") {
    p.only({"call", "to"});
    const CallId id = call_param(c, p, "call", true);
    const bool needs_to = op == "blind_transfer" || op == "redirect";
    const std::string to = needs_to ? p.text("to") : p.optional_text("to").value_or("");
    return operation(c, req, [&] {
      if (op == "setup_transfer") return pbx_.setup_transfer(id, to);
      if (op == "blind_transfer") return pbx_.blind_transfer(id, to);
      if (op == "setup_conference") return pbx_.setup_conference(id, to);
      return pbx_.redirect(id, to);
    });
  }
  if (op == "complete_transfer") {
    p.only({"call", "consult", "mode"});
    const CallId id = call_param(c, p, "call", true);
    const CallId consult = call_param(c, p, "consult", true, LineErr::InvalConsultCallHandle);
    TransferMode mode = TransferMode::Transfer;
    if (const auto m = p.optional_text("mode")) {
      if (*m == "transfer") mode = TransferMode::Transfer;
      else if (*m == "conference") mode = TransferMode::Conference;
      else refuse(LineErr::InvalTransferMode, fmt::format("transfer mode '{}' (transfer or conference)", *m));
    }
    return operation(c, req, [&] { return pbx_.complete_transfer(id, consult, mode); });
  }
  if (op == "prepare_add_to_conference") {
    p.only({"conference", "to"});
    const CallId conf = call_param(c, p, "conference", true, LineErr::InvalConfCallHandle);
    const std::string to = p.optional_text("to").value_or("");
    return operation(c, req, [&] { return pbx_.prepare_add_to_conference(conf, to); });
  }
  if (op == "add_to_conference") {
    p.only({"conference", "consult"});
    const CallId conf = call_param(c, p, "conference", true, LineErr::InvalConfCallHandle);
    const CallId consult = call_param(c, p, "consult", true, LineErr::InvalConsultCallHandle);
    return operation(c, req, [&] { return pbx_.add_to_conference(conf, consult); });
  }
  if (op == "complete_call") {
    p.only({"call", "mode"});
    const CallId id = call_param(c, p, "call", true);
    CompletionMode mode = CompletionMode::CampOn;
    if (const auto m = p.optional_text("mode")) {
      if (*m == "campon") mode = CompletionMode::CampOn;
      else if (*m == "callback") mode = CompletionMode::Callback;
      else if (*m == "intrude") mode = CompletionMode::Intrude;
      else if (*m == "message") mode = CompletionMode::Message;
      else refuse(LineErr::InvalCallComplMode, fmt::format("completion mode '{}' (campon, callback, intrude, message)", *m));
    }
    return operation(c, req, [&] { return pbx_.complete_call(id, mode); });
  }
  if (op == "uncomplete_call") {
    p.only({"line", "completion"});
    const LineId l = line_param(c, p, true);
    const auto id = p.optional_integer("completion");
    if (!id || *id < 0 || *id > UINT32_MAX) refuse(LineErr::InvalCompletionId, "uncomplete_call needs 'completion' (the id complete_call returned)");
    return operation(c, req, [&] { return pbx_.uncomplete_call(l, static_cast<std::uint32_t>(*id)); });
  }
  if (op == "handoff") {
    p.only({"call", "to"});
    const CallId id = call_param(c, p, "call", true);
    const std::string to = p.text("to");
    Client* target = clients_.find(to);
    if (!target || target->gone()) refuse(LineErr::TargetNotFound, fmt::format("no client named '{}' is connected", to));
    if (target == &c) refuse(LineErr::TargetSelf, "the call is already this client's");
    Client& t = *target;
    operation(c, req, [&] { return pbx_.handoff(id, to); });
    if (const Call* call = pbx_.find_call(id); call && call->owner == to) {
      c.owned.erase(id.serial);
      t.owned.insert(id.serial);
      subs_.handed(t, id, *call);
    }
    return;
  }
  refuse(LineErr::OperationUnavail, fmt::format("unknown op '{}'", op));
}

}  // namespace telsim::serve
