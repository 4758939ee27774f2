// Pbx::execute: where a command of the operation catalogue meets its member. One case per
// operation; -Wswitch (no default) makes a new operation without its case a compile error.
#include <fmt/format.h>

#include "telsim/models/pbx.hpp"

#include "acd/acd.hpp"
#include "media/media.hpp"

namespace telsim {

OpResult Pbx::execute(const Command& c) {
  const std::string_view owner = c.requester;
  if (!config_.profile.supports(c.op))
    return refuse(c.op, config_.profile.error(Refusal::Unsupported), subject_call(c),
                  fmt::format("this switch does not offer {}", to_string(c.op)));
  // A line a fault took out of service takes no request (a drop or deallocate of its IDLE
  // handles excepted).
  {
    const Call* subject = get_const(subject_call(c));
    const LineId acting = subject ? subject->line : c.line;
    if (acting < lines_.size() && lines_[acting].out_of_service && c.op != Op::Deallocate)
      return refuse(c.op, LineErr::InvalLineState, subject_call(c),
                    fmt::format("line {} is out of service", lines_[acting].number));
  }
  // The intruded line's view of an intrusion can only be dropped: every other operation on it, or
  // naming it as the other call, is refused, as its LINECALLSTATUS (DROP only) says.
  if (c.op != Op::Drop && c.op != Op::Deallocate && c.op != Op::Handoff) {
    for (CallId id : {subject_call(c), c.consult, c.held}) {
      const Call* k = get_const(id);
      if (k && shows_intrusion(*k))
        return refuse(c.op, LineErr::InvalCallState, subject_call(c),
                      fmt::format("{} shows an intrusion on {}: it can only be dropped", to_string(id),
                                  lines_[k->line].number));
    }
  }
  switch (c.op) {
    case Op::MakeCall: return make_call(c.line, c.to, owner, c.params);
    case Op::Dial: return dial(c.call, c.digits);
    case Op::Accept: return accept(c.call);
    case Op::Answer: return answer(c.call);
    case Op::Drop: return drop(c.call);
    case Op::Deallocate: return deallocate(c.call);
    case Op::Hold: return hold(c.call);
    case Op::Unhold: return unhold(c.call);
    case Op::Park: return park(c.call, c.park_mode, c.orbit);
    case Op::Unpark: return unpark(c.line, c.orbit, owner);
    case Op::Pickup: return pickup(c.line, c.to, c.group, owner);
    case Op::Forward: return forward(c.line, c.forwarding, c.params);
    case Op::SwapHold: return swap_hold(c.call, c.held);
    case Op::SetupTransfer: return setup_transfer(c.call, c.to, owner, c.params);
    case Op::CompleteTransfer: return complete_transfer(c.call, c.consult, c.transfer_mode, owner);
    case Op::BlindTransfer: return blind_transfer(c.call, c.to);
    case Op::SetupConference: return setup_conference(c.call, c.to, owner, c.params);
    case Op::PrepareAddToConference: return prepare_add_to_conference(c.conference, c.to, owner, c.params);
    case Op::AddToConference: return add_to_conference(c.conference, c.consult);
    case Op::RemoveFromConference: return remove_from_conference(c.call);
    case Op::Redirect: return redirect(c.call, c.to);
    case Op::SecureCall: return secure_call(c.call);
    case Op::CompleteCall: return complete_call(c.call, c.completion_mode, owner);
    case Op::UncompleteCall: return uncomplete_call(c.line, c.completion);
    case Op::Handoff: return handoff(c.call, c.to);
    case Op::TranslateAddress: return translate_address(c.address);
    case Op::GenerateDigits:
    case Op::GenerateTone:
    case Op::MonitorDigits:
    case Op::GatherDigits:
    case Op::MonitorTones:
    case Op::MonitorMedia:
    case Op::SetMediaMode:
    case Op::SetMediaControl:
    case Op::SendUserUserInfo:
    case Op::ReleaseUserUserInfo:
    case Op::SetCallData:
    case Op::SetCallTreatment:
    case Op::SetCallQualityOfService:
    case Op::SetCallParams: return media_->execute(c);
    case Op::SetAgentState:
    case Op::SetAgentActivity:
    case Op::SetAgentGroup: return acd_->execute(c);
  }
  return refuse(c.op, LineErr::OperationUnavail, {}, "no such operation");
}

OpResult Pbx::translate_address(std::string_view address) {
  const auto dialable = telsim::translate_address(address, config_.location);
  if (!dialable)
    return refuse(Op::TranslateAddress, LineErr::InvalAddress, {},
                  fmt::format("'{}' cannot be translated with the scenario's location", address));
  return reply(Op::TranslateAddress, LineErr::Success, {}, *dialable);
}

}  // namespace telsim
