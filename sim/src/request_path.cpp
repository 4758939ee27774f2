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
  const std::string& number = pbx_.line(line).number;
  if (is_client(c.requester)) {
    // A client acts on the lines it has open, whatever its privilege (TAPI: an application that
    // opened a line for NONE or MONITOR still makes calls on it).
    if (directory_->has_open(c.requester, line)) return std::nullopt;
    return refusal(c, LineErr::InvalLineHandle, {},
                   fmt::format("line {} is not open by this client (send {{\"op\":\"open\",\"line\":\"{}\"}} first)",
                               number, number));
  }
  // The scenario uses its lines: those no client controls.
  const std::string client = line_controller(line);
  if (client.empty() || client == c.requester) return std::nullopt;
  return refusal(c, LineErr::NotOwner, {}, fmt::format("line {} is open by client '{}'", number, client));
}

std::optional<OpResult> RequestPath::authorize_call(const Command& c, CallId id, bool handle_is_enough) const {
  const Call* call = pbx_.find_call(id);
  if (!call) return std::nullopt;  // the switch says INVALCALLHANDLE, with its own reason
  std::string why;
  if (is_client(c.requester)) {
    // A client acts on the calls it owns (TAPI: owner privilege); a handle of its own is enough
    // to let the handle go (deallocate).
    if (directory_->privilege(c.requester, *call) == CallPrivilege::Owner) return std::nullopt;
    if (handle_is_enough)
      for (const auto& [name, privilege] : directory_->holders(*call))
        if (name == c.requester) return std::nullopt;
    const std::string controller = line_controller(call->line);
    if (!call->owner.empty() && call->owner != c.requester)
      why = fmt::format("{} belongs to '{}'", to_string(id), call->owner);
    else if (!directory_->has_open(c.requester, call->line) && controller.empty())
      why = fmt::format("{} is on line {}, which this client has not opened", to_string(id),
                        pbx_.line(call->line).number);
    else if (directory_->privilege(c.requester, *call) == CallPrivilege::Monitor)
      why = fmt::format("this client only monitors {} (set_privilege makes it an owner)", to_string(id));
    else
      why = fmt::format("{} is on line {}, which client '{}' has open", to_string(id), pbx_.line(call->line).number,
                        controller);
    return refusal(c, LineErr::NotOwner, id, std::move(why));
  }
  // The scenario's controllers: the call's owner, else its line's controller, else the default.
  const std::string owner = effective_owner(*call);
  if (owner == c.requester) return std::nullopt;
  if (!call->owner.empty())
    why = fmt::format("{} belongs to '{}'", to_string(id), call->owner);
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
      if (auto r = authorize_call(c, c.call, c.op == Op::Deallocate)) return r;
      break;
    case Subject::Conference:
      if (auto r = authorize_call(c, c.conference)) return r;
      break;
    case Subject::Nothing:
      break;
  }
  return std::nullopt;
}

std::optional<OpResult> RequestPath::release_only(const Command& c) const {
  if (c.op != Op::Deallocate || !is_client(c.requester)) return std::nullopt;
  const Call* call = pbx_.find_call(c.call);
  if (!call) return std::nullopt;
  bool others = false, other_owner = false, mine = false, owner = false;
  for (const auto& [name, privilege] : directory_->holders(*call)) {
    if (name == c.requester) {
      mine = true;
      owner = privilege == CallPrivilege::Owner;
    } else {
      others = true;
      other_owner = other_owner || privilege == CallPrivilege::Owner;
    }
  }
  // The switch decides (deallocates, or refuses a call in progress: INVALCALLSTATE, drop it
  // first) for the last handle, and for the only owner of a call in progress. Otherwise the
  // requester lets its own handle go and the others keep the call: a monitor may at any time.
  const bool in_progress = call->state != CallState::Idle;
  if (!mine) return std::nullopt;
  if (!others && (owner || !in_progress)) return std::nullopt;
  if (owner && !other_owner && in_progress) return std::nullopt;
  OpResult r;
  r.op = c.op;
  r.call = c.call;
  return r;
}

OpResult RequestPath::finish(const Command& c, std::optional<OpResult> early, const std::function<OpResult()>& apply) {
  // The acting line, for the record: the subject call's (taken now: the operation may
  // deallocate it), else the line the command names.
  const CallId subject = subject_call(c);
  std::string line;
  if (const Call* call = pbx_.find_call(subject)) line = pbx_.line(call->line).number;
  else if (c.line < pbx_.line_count()) line = pbx_.line(c.line).number;

  fate_ = ReplyFate{};
  for (Filter* f : filters_) {
    if (early) break;
    early = f->before(c, line, fate_);
  }
  const OpResult r = early ? *early : apply();
  if (sink_) {
    const CallId call = r.call ? r.call : subject;
    sink_(OperationRecord{pbx_.now(), c.op, std::move(line), call.serial, r.error,
                          is_client(c.requester) ? c.requester : std::string()});
  }
  return r;
}

OpResult RequestPath::execute(const Command& c) {
  std::optional<OpResult> early = authorize(c);
  if (!early) early = release_only(c);
  return finish(c, std::move(early), [&] { return pbx_.execute(c); });
}

OpResult RequestPath::handoff(Command c, const HandoffTarget& by) {
  c.op = Op::Handoff;
  std::optional<OpResult> early = authorize_subject(c);
  const Call* call = pbx_.find_call(c.call);
  auto done = [&](const std::string& target) {
    OpResult r;
    r.op = Op::Handoff;
    r.call = c.call;
    r.address = target;
    return r;
  };
  if (!early && call && !is_client(c.requester))
    early = refusal(c, LineErr::OperationUnavail, c.call, "a handoff by application or media mode is a client's");
  if (!early && call) {
    const std::string& number = pbx_.line(call->line).number;
    if (by.app.empty()) {
      const std::uint32_t m = by.media_mode;
      if (m == 0 || (m & (m - 1)) != 0) {
        early = refusal(c, LineErr::InvalParam, c.call, "a handoff names exactly one media mode (TAPI: LINEERR_INVALMEDIAMODE)");
      } else {
        const std::vector<std::string> owners = directory_->media_owners(call->line, m);
        if (owners.empty())
          early = refusal(c, LineErr::TargetNotFound, c.call,
                          fmt::format("no client has line {} open as owner for that media mode", number));
        else if (owners.front() == c.requester)
          early = refusal(c, LineErr::TargetSelf, c.call,
                          fmt::format("this client is the highest-priority owner of that media mode on line {}", number));
        else
          c.to = owners.front();
      }
    } else {
      const std::vector<std::string> owners = directory_->app_owners(by.app, call->line);
      const auto other = std::find_if(owners.begin(), owners.end(), [&](const std::string& n) { return n != c.requester; });
      if (other != owners.end())
        c.to = *other;
      else if (owners.empty())
        early = refusal(c, LineErr::TargetNotFound, c.call,
                        fmt::format("no client of application '{}' has line {} open as owner", by.app, number));
      else
        early = done(c.requester);  // its own file name: TAPI's handoff succeeds, nothing changes
    }
  }
  // A target that owns the call already sees nothing of it.
  if (!early && call && directory_->privilege(c.to, *call) == CallPrivilege::Owner) early = done(c.to);
  if (!early && call && call->owner == c.to) early = done(c.to);  // the switch has it so already
  return finish(c, std::move(early), [&] { return pbx_.execute(c); });
}

std::optional<OpResult> RequestPath::authorize_privilege(const std::string& client, CallId id,
                                                         CallPrivilege privilege) const {
  Command c;
  c.op = Op::Handoff;  // a change of ownership; the refusal's op is not reported
  c.requester = client;
  c.call = id;
  const Call* call = pbx_.find_call(id);
  if (!call) return refusal(c, LineErr::InvalCallHandle, id, fmt::format("no call {}", to_string(id)));
  const CallPrivilege now = directory_ ? directory_->privilege(client, *call) : CallPrivilege::None;
  if (now == CallPrivilege::None)
    return refusal(c, LineErr::InvalCallHandle, id, fmt::format("this client has no handle to {}", to_string(id)));
  // An owner acts on the call: one that only follows the line (`monitor`) must open it first.
  bool holds = false;
  for (const auto& [name, p] : directory_->holders(*call)) holds = holds || name == client;
  if (privilege == CallPrivilege::Owner && !holds && !directory_->has_open(client, call->line))
    return refusal(c, LineErr::NotOwner, id,
                   fmt::format("{} is on line {}, which this client only monitors (open it to own its calls)",
                               to_string(id), pbx_.line(call->line).number));
  if (privilege == CallPrivilege::Monitor && now == CallPrivilege::Owner && call->state != CallState::Idle) {
    bool other_owner = false;
    for (const auto& [name, p] : directory_->holders(*call))
      other_owner = other_owner || (name != client && p == CallPrivilege::Owner);
    if (!other_owner)
      return refusal(c, LineErr::InvalCallState, id,
                     fmt::format("{} is {} and this client is its only owner: drop it or hand it off first",
                                 to_string(id), to_string(call->state)));
  }
  return std::nullopt;
}

}  // namespace telsim
