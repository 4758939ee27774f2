#include "forwarding_codec.hpp"

#include <optional>
#include <string>

#include <fmt/format.h>

#include "telsim/server/protocol.hpp"
#include "telsim/server/wire_schema.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim::serve {

using wire::json;

json forwarding_json(const std::vector<ForwardRule>& rules) {
  json list = json::array();
  for (const ForwardRule& r : rules) {
    wire::schema::ForwardingRule w;  // the schema's encoding, which the TSP sends too
    w.when = to_string(r.when);
    w.to = r.to;
    if (r.rings) w.rings = *r.rings;
    if (r.after) w.after = format_duration(*r.after);
    w.callers = to_string(r.callers);
    list.push_back(wire::schema::forwarding_rule_json(w));
  }
  return list;
}

ForwardRule forward_rule(const json& j) {
  using wire::ParamError;
  if (!j.is_object()) throw ParamError{LineErr::InvalParam, "each forwarding rule is an object: {\"when\":\"busy\",\"to\":\"204\"}"};
  ForwardRule r;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k != "when" && k != "to" && k != "rings" && k != "after" && k != "callers")
      throw ParamError{LineErr::InvalParam, fmt::format("unknown key '{}' in a forwarding rule (when, to, rings, after, callers)", k)};
  }
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) throw ParamError{LineErr::InvalParam, fmt::format("forwarding '{}' must be a string", key)};
    return it->get<std::string>();
  };
  const auto when = text("when");
  if (!when) throw ParamError{LineErr::InvalParam, "a forwarding rule needs 'when' (unconditional, busy, no_answer, busy_no_answer, dnd)"};
  using W = ForwardRule::When;
  if (*when == "unconditional") r.when = W::Unconditional;
  else if (*when == "busy") r.when = W::Busy;
  else if (*when == "no_answer") r.when = W::NoAnswer;
  else if (*when == "busy_no_answer") r.when = W::BusyNoAnswer;
  else if (*when == "dnd") r.when = W::DoNotDisturb;
  else throw ParamError{LineErr::InvalParam, fmt::format("unknown forwarding condition '{}'", *when)};
  const auto to = text("to");
  if (r.when == W::DoNotDisturb || (r.when == W::Unconditional && !to)) {
    r.when = W::DoNotDisturb;
    if (to) throw ParamError{LineErr::InvalParam, "do-not-disturb takes no destination"};
  } else {
    if (!to || to->empty()) throw ParamError{LineErr::InvalParam, "a forwarding rule needs the destination 'to'"};
    r.to = *to;
  }
  const bool no_answer = r.when == W::NoAnswer || r.when == W::BusyNoAnswer;
  if (const auto after = text("after")) {
    if (!no_answer) throw ParamError{LineErr::InvalParam, "'after' is for no_answer and busy_no_answer forwarding"};
    const auto d = parse_duration(*after);
    if (!d || *d <= Duration::zero()) throw ParamError{LineErr::InvalParam, fmt::format("bad duration '{}' (e.g. \"12s\")", *after)};
    r.after = *d;
  }
  if (auto it = j.find("rings"); it != j.end() && !it->is_null()) {
    if (!no_answer) throw ParamError{LineErr::InvalParam, "'rings' is for no_answer and busy_no_answer forwarding"};
    if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 100)
      throw ParamError{LineErr::InvalParam, "rings must be an integer 1..100"};
    if (r.after) throw ParamError{LineErr::InvalParam, "give either 'rings' or 'after', not both"};
    r.rings = it->get<int>();
  }
  if (const auto c = text("callers")) {
    if (*c == "all") r.callers = ForwardRule::Callers::All;
    else if (*c == "internal") r.callers = ForwardRule::Callers::Internal;
    else if (*c == "external") r.callers = ForwardRule::Callers::External;
    else throw ParamError{LineErr::InvalParam, fmt::format("callers must be all, internal or external, not '{}'", *c)};
  }
  return r;
}

}  // namespace telsim::serve
