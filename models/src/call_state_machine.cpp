#include "telsim/models/call_state_machine.hpp"

#include <array>
#include <stdexcept>
#include <vector>

namespace telsim {
namespace {

using S = CallState;
using I = CallInput;

// The whole machine. Read a row as "in state FROM, INPUT leads to TO".
// Drop leads to DISCONNECTED and the dropping side then clears to IDLE at once
// (TAPI: lineDrop reports DISCONNECTED then IDLE); Drop of a DISCONNECTED call is the
// application's on-hook after the far end left.
constexpr Transition kTable[] = {
    {S::Idle, I::Seize, S::DialTone},
    {S::Idle, I::Offer, S::Offering},
    {S::Idle, I::Deallocate, S::Idle},
    {S::Idle, I::Join, S::Connected},  // unpark, pickup
    {S::Idle, I::ConfCreate, S::OnHoldPendConf},
    {S::Idle, I::Placed, S::RingBack},

    {S::Offering, I::Accept, S::Accepted},
    {S::Offering, I::Answer, S::Connected},
    {S::Offering, I::Drop, S::Disconnected},  // reject
    {S::Offering, I::Redirect, S::Idle},
    {S::Offering, I::FarDisconnect, S::Disconnected},
    {S::Offering, I::Placed, S::RingBack},  // a call-completion callback answered: the target rings

    {S::Accepted, I::Answer, S::Connected},
    {S::Accepted, I::Drop, S::Disconnected},
    {S::Accepted, I::Redirect, S::Idle},
    {S::Accepted, I::FarDisconnect, S::Disconnected},
    {S::Accepted, I::Placed, S::RingBack},

    {S::DialTone, I::Dial, S::Dialing},
    {S::DialTone, I::Drop, S::Disconnected},
    {S::DialTone, I::FarDisconnect, S::Disconnected},

    {S::Dialing, I::Dial, S::Dialing},
    {S::Dialing, I::NumberComplete, S::Proceeding},
    {S::Dialing, I::Intercept, S::SpecialInfo},
    {S::Dialing, I::Drop, S::Disconnected},
    {S::Dialing, I::FarDisconnect, S::Disconnected},

    // lineDial once the number is complete: the digits go through to the far end.
    {S::Proceeding, I::Dial, S::Proceeding},
    {S::Proceeding, I::Alerting, S::RingBack},
    {S::Proceeding, I::FarBusy, S::Busy},
    {S::Proceeding, I::FarAnswer, S::Connected},
    {S::Proceeding, I::Intercept, S::SpecialInfo},
    {S::Proceeding, I::Drop, S::Disconnected},
    {S::Proceeding, I::TransferredAway, S::Idle},
    {S::Proceeding, I::JoinConference, S::Conferenced},
    {S::Proceeding, I::FarDisconnect, S::Disconnected},

    {S::RingBack, I::Dial, S::RingBack},
    {S::RingBack, I::FarAnswer, S::Connected},
    {S::RingBack, I::Drop, S::Disconnected},
    {S::RingBack, I::CompleteCall, S::Idle},
    {S::RingBack, I::TransferredAway, S::Idle},
    {S::RingBack, I::JoinConference, S::Conferenced},
    {S::RingBack, I::FarDisconnect, S::Disconnected},

    {S::Busy, I::Drop, S::Disconnected},
    {S::Busy, I::CompleteCall, S::Idle},
    {S::Busy, I::TransferredAway, S::Idle},
    {S::Busy, I::Placed, S::RingBack},  // a camped-on call: its target is free and rings now
    {S::SpecialInfo, I::Drop, S::Disconnected},

    {S::Connected, I::Dial, S::Connected},  // digits into the call (and `!`: consultation hold)
    {S::Connected, I::Hold, S::OnHold},
    {S::Connected, I::Park, S::Idle},  // the parked party stays connected to the orbit
    {S::Connected, I::SwapHold, S::OnHold},
    {S::Connected, I::SetupTransfer, S::OnHoldPendTransfer},
    {S::Connected, I::BlindTransfer, S::Idle},
    {S::Connected, I::SetupConference, S::Conferenced},
    {S::Connected, I::PrepareAddConf, S::OnHoldPendConf},  // a conference call
    {S::Connected, I::TransferredAway, S::Idle},
    {S::Connected, I::JoinConference, S::Conferenced},
    {S::Connected, I::Drop, S::Disconnected},
    {S::Connected, I::FarDisconnect, S::Disconnected},

    {S::OnHold, I::Unhold, S::Connected},
    {S::OnHold, I::Retrieve, S::Connected},
    {S::OnHold, I::CompleteTransfer, S::Idle},
    {S::OnHold, I::CompleteTransferConf, S::Conferenced},
    {S::OnHold, I::AddToConference, S::Connected},  // a held conference call
    {S::OnHold, I::JoinConference, S::Conferenced},  // CONFERENCEHELD: a held call joins
    {S::OnHold, I::HoldRecall, S::Offering},
    {S::OnHold, I::Drop, S::Disconnected},
    {S::OnHold, I::FarDisconnect, S::Disconnected},

    {S::Conferenced, I::Drop, S::Disconnected},
    {S::Conferenced, I::RemoveFromConf, S::Idle},
    {S::Conferenced, I::Collapse, S::Connected},
    {S::Conferenced, I::FarDisconnect, S::Disconnected},

    {S::OnHoldPendConf, I::Unhold, S::Connected},
    {S::OnHoldPendConf, I::Retrieve, S::Connected},
    {S::OnHoldPendConf, I::AddToConference, S::Connected},
    {S::OnHoldPendConf, I::Drop, S::Disconnected},
    {S::OnHoldPendConf, I::FarDisconnect, S::Disconnected},

    {S::OnHoldPendTransfer, I::Unhold, S::Connected},
    {S::OnHoldPendTransfer, I::Retrieve, S::Connected},
    {S::OnHoldPendTransfer, I::CompleteTransfer, S::Idle},
    {S::OnHoldPendTransfer, I::CompleteTransferConf, S::Conferenced},
    {S::OnHoldPendTransfer, I::Drop, S::Disconnected},
    {S::OnHoldPendTransfer, I::FarDisconnect, S::Disconnected},

    {S::Disconnected, I::Drop, S::Idle},
    {S::Disconnected, I::Clear, S::Idle},

    {S::Unknown, I::Drop, S::Disconnected},
    {S::Unknown, I::FarDisconnect, S::Disconnected},

    // lineSecureCall: any call in progress can be secured; it keeps its state.
    {S::Offering, I::SecureCall, S::Offering},
    {S::Accepted, I::SecureCall, S::Accepted},
    {S::DialTone, I::SecureCall, S::DialTone},
    {S::Dialing, I::SecureCall, S::Dialing},
    {S::Proceeding, I::SecureCall, S::Proceeding},
    {S::RingBack, I::SecureCall, S::RingBack},
    {S::Busy, I::SecureCall, S::Busy},
    {S::SpecialInfo, I::SecureCall, S::SpecialInfo},
    {S::Connected, I::SecureCall, S::Connected},
    {S::OnHold, I::SecureCall, S::OnHold},
    {S::Conferenced, I::SecureCall, S::Conferenced},
    {S::OnHoldPendConf, I::SecureCall, S::OnHoldPendConf},
    {S::OnHoldPendTransfer, I::SecureCall, S::OnHoldPendTransfer},
    {S::Unknown, I::SecureCall, S::Unknown},
};

// kTable and the rows derived from it: DropIdle wherever Drop leads to DISCONNECTED (a switch
// whose dropped calls go straight to IDLE).
const std::vector<Transition>& full_table() {
  static const std::vector<Transition> rows = [] {
    std::vector<Transition> r(std::begin(kTable), std::end(kTable));
    for (const Transition& t : kTable)
      if (t.input == I::Drop && t.to == S::Disconnected) r.push_back({t.from, I::DropIdle, S::Idle});
    // Media operations leave the call in its state. In-band generation needs a call whose
    // number is complete; user-user information goes on a connected call; monitoring, gathering
    // and what a call carries may be set in any state but IDLE (TAPI ends them at IDLE).
    constexpr S kInBand[] = {S::Proceeding, S::RingBack, S::Connected};
    for (I in : {I::GenerateDigits, I::GenerateTone})
      for (S st : kInBand) r.push_back({st, in, st});
    r.push_back({S::Connected, I::SendUserUserInfo, S::Connected});
    for (I in : {I::MonitorDigits, I::GatherDigits, I::MonitorTones, I::MonitorMedia, I::SetMediaMode,
                 I::SetMediaControl, I::ReleaseUserUserInfo, I::SetCallData, I::SetCallTreatment, I::SetCallQos,
                 I::SetCallParams})
      for (int i = 0; i < kCallStateCount; ++i)
        if (call_state_at(i) != S::Idle) r.push_back({call_state_at(i), in, call_state_at(i)});
    return r;
  }();
  return rows;
}

// Dense lookup built once from full_table(): kNone marks an illegal pair.
constexpr std::int8_t kNone = -1;
struct Lookup {
  std::array<std::array<std::int8_t, kCallInputCount>, kCallStateCount> next{};
  std::array<std::uint32_t, kCallStateCount> features{};
  Lookup() {
    for (auto& row : next) row.fill(kNone);
    for (const Transition& t : full_table()) {
      const int from = index_of(t.from), to = index_of(t.to), input = static_cast<int>(t.input);
      // Every row names one state (one bit) each side: checked once here, not at every look-up.
      if (from >= kCallStateCount || to >= kCallStateCount || input < 0 || input >= kCallInputCount)
        throw std::logic_error("call state table: a row without a single state or with an unknown input");
      next[static_cast<std::size_t>(from)][static_cast<std::size_t>(input)] = static_cast<std::int8_t>(to);
      features[static_cast<std::size_t>(from)] |= feature_of(t.input);
    }
  }
};
// Built when the program starts (nothing calls next_state before main), so a transition pays no
// guard check: next_state runs at every state change of every call.
const Lookup kLookup;
const Lookup& lookup() { return kLookup; }

}  // namespace

std::string_view to_string(CallInput in) {
  switch (in) {
    case I::Dial: return "dial";
    case I::Accept: return "accept";
    case I::Answer: return "answer";
    case I::Drop: return "drop";
    case I::Deallocate: return "deallocate";
    case I::Hold: return "hold";
    case I::Unhold: return "unhold";
    case I::Park: return "park";
    case I::Join: return "join";
    case I::SwapHold: return "swap_hold";
    case I::SetupTransfer: return "setup_transfer";
    case I::CompleteTransfer: return "complete_transfer";
    case I::CompleteTransferConf: return "complete_transfer_conference";
    case I::BlindTransfer: return "blind_transfer";
    case I::SetupConference: return "setup_conference";
    case I::PrepareAddConf: return "prepare_add_to_conference";
    case I::AddToConference: return "add_to_conference";
    case I::RemoveFromConf: return "remove_from_conference";
    case I::Redirect: return "redirect";
    case I::CompleteCall: return "complete_call";
    case I::SecureCall: return "secure_call";
    case I::Retrieve: return "retrieve";
    case I::TransferredAway: return "transferred_away";
    case I::JoinConference: return "join_conference";
    case I::ConfCreate: return "conf_create";
    case I::Collapse: return "collapse";
    case I::HoldRecall: return "hold_recall";
    case I::Placed: return "placed";
    case I::DropIdle: return "drop_to_idle";
    case I::Seize: return "seize";
    case I::Offer: return "offer";
    case I::NumberComplete: return "number_complete";
    case I::Alerting: return "alerting";
    case I::FarBusy: return "far_busy";
    case I::Intercept: return "intercept";
    case I::FarAnswer: return "far_answer";
    case I::FarDisconnect: return "far_disconnect";
    case I::Clear: return "clear";
    case I::GenerateDigits: return "generate_digits";
    case I::GenerateTone: return "generate_tone";
    case I::MonitorDigits: return "monitor_digits";
    case I::GatherDigits: return "gather_digits";
    case I::MonitorTones: return "monitor_tones";
    case I::MonitorMedia: return "monitor_media";
    case I::SetMediaMode: return "set_media_mode";
    case I::SetMediaControl: return "set_media_control";
    case I::SendUserUserInfo: return "send_user_user_info";
    case I::ReleaseUserUserInfo: return "release_user_user_info";
    case I::SetCallData: return "set_call_data";
    case I::SetCallTreatment: return "set_call_treatment";
    case I::SetCallQos: return "set_call_quality_of_service";
    case I::SetCallParams: return "set_call_params";
  }
  return "?";
}

bool is_operation(CallInput in) {
  switch (in) {
    case I::Dial:
    case I::Accept:
    case I::Answer:
    case I::Drop:
    case I::Deallocate:
    case I::Hold:
    case I::Unhold:
    case I::Park:
    case I::SwapHold:
    case I::SetupTransfer:
    case I::CompleteTransfer:
    case I::CompleteTransferConf:
    case I::BlindTransfer:
    case I::SetupConference:
    case I::PrepareAddConf:
    case I::AddToConference:
    case I::RemoveFromConf:
    case I::Redirect:
    case I::CompleteCall:
    case I::SecureCall:
    case I::GenerateDigits:
    case I::GenerateTone:
    case I::MonitorDigits:
    case I::GatherDigits:
    case I::MonitorTones:
    case I::MonitorMedia:
    case I::SetMediaMode:
    case I::SetMediaControl:
    case I::SendUserUserInfo:
    case I::ReleaseUserUserInfo:
    case I::SetCallData:
    case I::SetCallTreatment:
    case I::SetCallQos:
    case I::SetCallParams:
      return true;
    case I::Seize:
    case I::Offer:
    case I::NumberComplete:
    case I::Alerting:
    case I::FarBusy:
    case I::Intercept:
    case I::FarAnswer:
    case I::FarDisconnect:
    case I::Clear:
    case I::Join:
    case I::Retrieve:
    case I::TransferredAway:
    case I::JoinConference:
    case I::ConfCreate:
    case I::Collapse:
    case I::HoldRecall:
    case I::Placed:
    case I::DropIdle:
      return false;
  }
  return false;
}

std::uint32_t feature_of(CallInput in) {
  switch (in) {
    case I::Dial: return feature::kDial;
    case I::Accept: return feature::kAccept;
    case I::Answer: return feature::kAnswer;
    case I::Drop: return feature::kDrop;
    case I::Hold: return feature::kHold;
    case I::Unhold: return feature::kUnhold;
    case I::Park: return feature::kPark;
    case I::SwapHold: return feature::kSwapHold;
    case I::SetupTransfer: return feature::kSetupTransfer;
    case I::CompleteTransfer:
    case I::CompleteTransferConf: return feature::kCompleteTransf;
    case I::BlindTransfer: return feature::kBlindTransfer;
    case I::SetupConference: return feature::kSetupConf;
    case I::PrepareAddConf: return feature::kPrepareAddConf;
    case I::AddToConference: return feature::kAddToConf;
    case I::RemoveFromConf: return feature::kRemoveFromConf;
    case I::Redirect: return feature::kRedirect;
    case I::CompleteCall: return feature::kCompleteCall;
    case I::SecureCall: return feature::kSecureCall;
    case I::GenerateDigits: return feature::kGenerateDigits;
    case I::GenerateTone: return feature::kGenerateTone;
    case I::MonitorDigits: return feature::kMonitorDigits;
    case I::GatherDigits: return feature::kGatherDigits;
    case I::MonitorTones: return feature::kMonitorTones;
    case I::MonitorMedia: return feature::kMonitorMedia;
    case I::SetMediaControl: return feature::kSetMediaControl;
    case I::SendUserUserInfo: return feature::kSendUserUser;
    case I::ReleaseUserUserInfo: return feature::kReleaseUserUserInfo;
    case I::SetCallData: return feature::kSetCallData;
    case I::SetCallTreatment: return feature::kSetTreatment;
    case I::SetCallQos: return feature::kSetQos;
    case I::SetCallParams: return feature::kSetCallParams;
    case I::SetMediaMode:
    case I::Deallocate:
    case I::Seize:
    case I::Offer:
    case I::NumberComplete:
    case I::Alerting:
    case I::FarBusy:
    case I::Intercept:
    case I::FarAnswer:
    case I::FarDisconnect:
    case I::Clear:
    case I::Join:
    case I::Retrieve:
    case I::TransferredAway:
    case I::JoinConference:
    case I::ConfCreate:
    case I::Collapse:
    case I::HoldRecall:
    case I::Placed:
    case I::DropIdle:
      return 0;
  }
  return 0;
}

std::span<const Transition> transition_table() { return full_table(); }

std::optional<CallState> next_state(CallState from, CallInput input) {
  const std::int8_t to = kLookup.next[index_of(from)][static_cast<int>(input)];
  if (to == kNone) return std::nullopt;
  return static_cast<CallState>(1u << to);  // an index the table was built from
}

LineErr refusal_error(CallInput /*input*/) {
  // TAPI answers an operation in the wrong call state with LINEERR_INVALCALLSTATE, whatever
  // the operation; more specific errors (no such call, wrong owner) are checked before.
  return LineErr::InvalCallState;
}

std::uint32_t allowed_features(CallState state) { return lookup().features[index_of(state)]; }

}  // namespace telsim
