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

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Answered: return "answered";
    case Outcome::Busy: return "busy";
    case Outcome::Blocked: return "blocked";
    case Outcome::NoAnswer: return "no_answer";
    case Outcome::Abandoned: return "abandoned";
    case Outcome::Failed: return "failed";
    case Outcome::Transferred: return "transferred";
    case Outcome::Cleared: return "cleared";
    case Outcome::Missed: return "missed";
    case Outcome::PickedUp: return "picked_up";
    case Outcome::Forwarded: return "forwarded";
    case Outcome::Redirected: return "redirected";
  }
  return "?";
}

std::string_view to_string(CallKind k) {
  switch (k) {
    case CallKind::Station: return "station";
    case CallKind::Consult: return "consult";
    case CallKind::Conference: return "conference";
    case CallKind::Bridge: return "bridge";
    case CallKind::Trunk: return "trunk";
  }
  return "?";
}

Outcome classify_outcome(const OutcomeFacts& f) {
  if (f.transferred) return Outcome::Transferred;
  if (f.direction == Direction::Incoming) {
    if (f.redirected) return Outcome::Redirected;
    if (f.answered) return Outcome::Answered;
    if (f.mode == DisconnectMode::Pickup) return Outcome::PickedUp;
    if (f.mode == DisconnectMode::Forwarded) return Outcome::Forwarded;
    return f.cleared_at_end ? Outcome::Cleared : Outcome::Missed;
  }
  if (f.answered) return Outcome::Answered;
  if (f.cleared_at_end) return Outcome::Cleared;
  if (f.saw_busy) return f.trunk_busy ? Outcome::Blocked : Outcome::Busy;
  if (f.saw_special_info) return Outcome::Failed;  // intercept: a vacant or unreachable number
  switch (f.mode) {
    case DisconnectMode::Busy: return Outcome::Busy;
    case DisconnectMode::Congestion:
    case DisconnectMode::Unavail:
    case DisconnectMode::NoDialTone: return Outcome::Blocked;
    case DisconnectMode::NoAnswer: return Outcome::NoAnswer;
    case DisconnectMode::None:
    case DisconnectMode::Normal:
    case DisconnectMode::Cancelled: return Outcome::Abandoned;  // the caller hung up first
    case DisconnectMode::Unknown:
    case DisconnectMode::Reject:
    case DisconnectMode::Pickup:
    case DisconnectMode::Forwarded:
    case DisconnectMode::BadAddress:
    case DisconnectMode::Unreachable:
    case DisconnectMode::Incompatible:
    case DisconnectMode::OutOfOrder:
    case DisconnectMode::TempFailure:
    case DisconnectMode::Blocked:
    case DisconnectMode::DoNotDisturb: return Outcome::Failed;
  }
  return Outcome::Failed;
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
