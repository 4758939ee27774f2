#pragma once
/// The TAPI call-state machine as one explicit table of (state, input) -> new state.
/// Inputs are the call owner's operations (which carry a LINECALLFEATURE bit) and the PBX's
/// network events. A pair that is not in the table is refused with the input's LINEERR and
/// changes nothing; only Pbx::transition() writes a call's state, after consulting this table.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "telsim/models/tapi.hpp"

namespace telsim {

enum class CallInput : std::uint8_t {
  // Operations of the call's owner (lineXxx requests).
  Dial,
  Accept,
  Answer,
  Drop,
  Deallocate,
  Hold,
  Unhold,
  Park,
  SwapHold,              ///< the active call of lineSwapHold goes on hold
  SetupTransfer,
  CompleteTransfer,      ///< LINETRANSFERMODE_TRANSFER: the controller leaves
  CompleteTransferConf,  ///< LINETRANSFERMODE_CONFERENCE: the two calls join a conference
  BlindTransfer,
  SetupConference,       ///< the original joins the new conference
  PrepareAddConf,
  AddToConference,
  RemoveFromConf,
  Redirect,
  CompleteCall,
  SecureCall,            ///< lineSecureCall: the call stays in its state, now secure
  // PBX / network events.
  Seize,           ///< new outgoing call gets dial tone
  Offer,           ///< new incoming call is presented
  NumberComplete,  ///< the dial plan has a complete number
  Alerting,        ///< the far end is ringing
  FarBusy,         ///< the far end is busy
  Intercept,       ///< special information tone (e.g. vacant number when so configured)
  FarAnswer,       ///< the far end answered
  FarDisconnect,   ///< the far end or the network ended the call (mode says why)
  Clear,           ///< the station went on-hook after a disconnect
  Join,            ///< a new call that starts connected (unpark, pickup)
  Retrieve,        ///< the held call of lineSwapHold comes back
  TransferredAway, ///< a consult call leaves with the transfer it completed
  JoinConference,  ///< a consult call joins the conference
  ConfCreate,      ///< a new conference call, pending its first add
  Collapse,        ///< the conference shrank to one party: back to a plain call
  HoldRecall,      ///< a call held too long rings its holder again
  Placed,          ///< a call the PBX places on a party's behalf (camp-on, an answered callback, trunk arrival): ringback
  /// lineDrop on a switch whose dropped calls go straight to IDLE (`local_drop: idle`): from
  /// every state Drop leaves for DISCONNECTED, to IDLE (rows derived from Drop's, not listed).
  DropIdle,
  // Media operations (media.hpp): the call keeps its state.
  GenerateDigits,
  GenerateTone,
  MonitorDigits,
  GatherDigits,
  MonitorTones,
  MonitorMedia,
  SetMediaMode,
  SetMediaControl,
  SendUserUserInfo,
  ReleaseUserUserInfo,
  SetCallData,
  SetCallTreatment,
  SetCallQos,
  SetCallParams,
};
inline constexpr int kCallInputCount = 52;

std::string_view to_string(CallInput in);
/// True for inputs that are operations of the call's owner.
bool is_operation(CallInput in);
/// The LINECALLFEATURE bit of an operation input (0 for events and for Deallocate).
std::uint32_t feature_of(CallInput in);

struct Transition {
  CallState from;
  CallInput input;
  CallState to;
};

/// Every legal (state, input) pair. Unlisted pairs are illegal.
std::span<const Transition> transition_table();

/// The state `input` leads to from `from`, or nullopt if the pair is illegal.
std::optional<CallState> next_state(CallState from, CallInput input);

/// LINEERR returned when `input` is refused in its current state.
LineErr refusal_error(CallInput input);

/// OFFERING or ACCEPTED: presented to the line and not yet answered.
inline bool is_alerting(CallState s) { return s == CallState::Offering || s == CallState::Accepted; }
/// ONHOLDPENDTRANSFER or ONHOLDPENDCONF: held while a consultation call is set up.
inline bool is_pending(CallState s) {
  return s == CallState::OnHoldPendTransfer || s == CallState::OnHoldPendConf;
}
/// ONHOLD, ONHOLDPENDTRANSFER or ONHOLDPENDCONF.
inline bool is_held(CallState s) {
  return s == CallState::OnHold || is_pending(s);
}

/// LINECALLFEATURE bits of the operations the table allows in `state`.
std::uint32_t allowed_features(CallState state);

}  // namespace telsim
