#include "telsim/models/events.hpp"

#include <ostream>

#include <fmt/format.h>

namespace telsim {

std::string to_string(CallId id) { return id ? fmt::format("c{}", id.serial) : "c?"; }

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::Outgoing: return "out";
    case Direction::Incoming: return "in";
  }
  return "?";
}

std::string_view to_string(Op op) {
  switch (op) {
    case Op::MakeCall: return "make_call";
    case Op::Dial: return "dial";
    case Op::Accept: return "accept";
    case Op::Answer: return "answer";
    case Op::Drop: return "drop";
    case Op::Deallocate: return "deallocate";
    case Op::Hold: return "hold";
    case Op::Unhold: return "unhold";
    case Op::Park: return "park";
    case Op::Unpark: return "unpark";
    case Op::Pickup: return "pickup";
    case Op::Forward: return "forward";
    case Op::SwapHold: return "swap_hold";
    case Op::SetupTransfer: return "setup_transfer";
    case Op::CompleteTransfer: return "complete_transfer";
    case Op::BlindTransfer: return "blind_transfer";
    case Op::SetupConference: return "setup_conference";
    case Op::PrepareAddToConference: return "prepare_add_to_conference";
    case Op::AddToConference: return "add_to_conference";
    case Op::RemoveFromConference: return "remove_from_conference";
    case Op::Redirect: return "redirect";
    case Op::SecureCall: return "secure_call";
    case Op::CompleteCall: return "complete_call";
    case Op::UncompleteCall: return "uncomplete_call";
    case Op::Handoff: return "handoff";
    case Op::TranslateAddress: return "translate_address";
  }
  return "?";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Answered: return "answered";
    case Outcome::Abandoned: return "abandoned";
    case Outcome::Blocked: return "blocked";
    case Outcome::Failed: return "failed";
    case Outcome::Missed: return "missed";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const CallStateEvent& e) {
  os << fmt::format("{:.3f}s {} line#{} {} -> {}", to_seconds(e.at), to_string(e.call), e.line,
                    to_string(e.from), to_string(e.to));
  if (e.to == CallState::Disconnected) os << " (" << to_string(e.mode) << ')';
  return os;
}

std::ostream& operator<<(std::ostream& os, const OpResult& r) {
  return os << fmt::format("#{} {} {} {}", r.request, to_string(r.op), tapi_name(r.error),
                           to_string(r.call));
}

}  // namespace telsim
