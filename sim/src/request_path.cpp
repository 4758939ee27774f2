#include "telsim/sim/request_path.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace telsim {

RequestPath::RequestPath(Pbx& pbx, std::vector<std::string> controllers)
    : pbx_(pbx), controllers_(std::move(controllers)) {}

std::string RequestPath::effective_owner(const Call& call) const {
  if (!call.owner.empty()) return call.owner;
  return line_controller(call.line);
}

OpResult RequestPath::refusal(const Command& c, LineErr error, CallId call, std::string detail) const {
  OpResult r;
  r.op = c.op;
  r.error = error;
  r.call = call;
  r.detail = std::move(detail);
  return r;
}

std::optional<OpResult> RequestPath::authorize_line(const Command& c, LineId line) const {
  if (line >= pbx_.line_count()) return std::nullopt;  // the switch says BADDEVICEID
  const std::string client = line_controller(line);
  if (!client.empty() && client == c.requester) return std::nullopt;
  if (client.empty() && !is_client(c.requester)) return std::nullopt;  // the scenario uses its lines
  const std::string& number = pbx_.line(line).number;
  if (is_client(c.requester))
    return refusal(c, LineErr::InvalLineHandle, {},
                   fmt::format("line {} is not open by this client (send {{\"op\":\"open\",\"line\":\"{}\"}} first)",
                               number, number));
  return refusal(c, LineErr::NotOwner, {}, fmt::format("line {} is open by client '{}'", number, client));
}

std::optional<OpResult> RequestPath::authorize_call(const Command& c, CallId id) const {
  const Call* call = pbx_.find_call(id);
  if (!call) return std::nullopt;  // the switch says INVALCALLHANDLE, with its own reason
  const std::string owner = effective_owner(*call);
  if (owner == c.requester) return std::nullopt;
  std::string why;
  if (!call->owner.empty())
    why = fmt::format("{} belongs to '{}'", to_string(id), call->owner);
  else if (is_client(c.requester) && line_controller(call->line).empty())
    why = fmt::format("{} is on line {}, which this client has not opened", to_string(id),
                      pbx_.line(call->line).number);
  else if (owner.empty())
    why = fmt::format("{} belongs to the default controller", to_string(id));
  else
    why = fmt::format("{} is on line {}, which client '{}' has open", to_string(id), pbx_.line(call->line).number,
                      owner);
  return refusal(c, LineErr::NotOwner, id, std::move(why));
}

std::optional<OpResult> RequestPath::authorize_handoff(const Command& c) const {
  const std::string& to = c.to;
  if (to == c.requester)
    return refusal(c, LineErr::TargetSelf, c.call,
                   to.empty() ? std::string("the call is already the default controller's")
                              : fmt::format("the call is already '{}''s", to));
  if (is_client(to)) return std::nullopt;
  if (is_client(c.requester))
    return refusal(c, LineErr::TargetNotFound, c.call, fmt::format("no client named '{}' is connected", to));
  // The scenario hands calls between its own controllers: the default "" and those it names.
  if (to.empty() || controllers_.empty() || std::find(controllers_.begin(), controllers_.end(), to) != controllers_.end())
    return std::nullopt;
  return refusal(c, LineErr::TargetNotFound, c.call,
                 fmt::format("'{}' is not one of the scenario's controllers ({})", to, fmt::join(controllers_, ", ")));
}

std::optional<OpResult> RequestPath::authorize(const Command& c) const {
  if (auto r = authorize_subject(c)) return r;
  // Every other handle the command names must be the requester's too (TAPI: owner privilege on
  // each call of a request).
  for (CallId other : {c.consult, c.held})
    if (other)
      if (auto r = authorize_call(c, other)) return r;
  if (c.op == Op::Handoff) return authorize_handoff(c);
  return std::nullopt;
}

std::optional<OpResult> RequestPath::authorize_subject(const Command& c) const {
  switch (info(c.op).subject) {
    case Subject::Line:
      if (auto r = authorize_line(c, c.line)) return r;
      break;
    case Subject::Call:
      if (auto r = authorize_call(c, c.call)) return r;
      break;
    case Subject::Conference:
      if (auto r = authorize_call(c, c.conference)) return r;
      break;
    case Subject::Nothing:
      break;
  }
  return std::nullopt;
}

OpResult RequestPath::execute(const Command& c) {
  // The acting line, for the record: the subject call's (taken now: the operation may
  // deallocate it), else the line the command names.
  const CallId subject = subject_call(c);
  std::string line;
  if (const Call* call = pbx_.find_call(subject)) line = pbx_.line(call->line).number;
  else if (c.line < pbx_.line_count()) line = pbx_.line(c.line).number;

  std::optional<OpResult> early = authorize(c);
  for (Filter* f : filters_) {
    if (early) break;
    early = f->before(c);
  }
  const OpResult r = early ? *early : pbx_.execute(c);
  if (sink_) {
    const CallId call = r.call ? r.call : subject;
    sink_(OperationRecord{pbx_.now(), c.op, std::move(line), call.serial, r.error,
                          is_client(c.requester) ? c.requester : std::string()});
  }
  return r;
}

}  // namespace telsim
