#include "telsim/models/tapi.hpp"

#include <array>
#include <bit>
#include <cctype>

namespace telsim {
namespace {

constexpr std::array kAllStates = {
    CallState::Idle,        CallState::Offering,       CallState::Accepted,
    CallState::DialTone,    CallState::Dialing,        CallState::RingBack,
    CallState::Busy,        CallState::SpecialInfo,    CallState::Connected,
    CallState::Proceeding,  CallState::OnHold,         CallState::Conferenced,
    CallState::OnHoldPendConf, CallState::OnHoldPendTransfer, CallState::Disconnected,
    CallState::Unknown};

constexpr std::array kAllModes = {
    DisconnectMode::None,        DisconnectMode::Normal,      DisconnectMode::Unknown,
    DisconnectMode::Reject,      DisconnectMode::Pickup,      DisconnectMode::Forwarded,
    DisconnectMode::Busy,        DisconnectMode::NoAnswer,    DisconnectMode::BadAddress,
    DisconnectMode::Unreachable, DisconnectMode::Congestion,  DisconnectMode::Incompatible,
    DisconnectMode::Unavail,     DisconnectMode::NoDialTone,  DisconnectMode::Blocked,
    DisconnectMode::DoNotDisturb, DisconnectMode::Cancelled};

constexpr std::array kAllReasons = {
    CallReason::Direct,   CallReason::FwdBusy,        CallReason::FwdNoAnswer,
    CallReason::FwdUncond, CallReason::Pickup,        CallReason::Unpark,
    CallReason::Redirect, CallReason::CallCompletion, CallReason::Transfer,
    CallReason::Reminder, CallReason::Intrude,        CallReason::Parked,
    CallReason::CampedOn};

constexpr std::array kAllErrors = {
    LineErr::Success,          LineErr::Allocated,         LineErr::BadDeviceId,
    LineErr::CallUnavail,      LineErr::ConferenceFull,    LineErr::InUse,
    LineErr::InvalAddress,     LineErr::InvalCallComplMode, LineErr::InvalCallHandle,
    LineErr::InvalCallState,   LineErr::InvalCompletionId, LineErr::InvalConfCallHandle,
    LineErr::InvalConsultCallHandle, LineErr::InvalGroupId, LineErr::InvalLineHandle,
    LineErr::InvalLineState,   LineErr::InvalParkId,       LineErr::InvalParkMode,
    LineErr::InvalParam,       LineErr::InvalTransferMode, LineErr::NotOwner,
    LineErr::OperationFailed,  LineErr::OperationUnavail,  LineErr::ResourceUnavail,
    LineErr::TargetNotFound,   LineErr::TargetSelf,        LineErr::AddressBlocked};

struct FeatureName {
  std::uint32_t bit;
  std::string_view name;
};
constexpr std::array kFeatureNames = {
    FeatureName{feature::kAccept, "ACCEPT"},
    FeatureName{feature::kAddToConf, "ADDTOCONF"},
    FeatureName{feature::kAnswer, "ANSWER"},
    FeatureName{feature::kBlindTransfer, "BLINDTRANSFER"},
    FeatureName{feature::kCompleteCall, "COMPLETECALL"},
    FeatureName{feature::kCompleteTransf, "COMPLETETRANSF"},
    FeatureName{feature::kDial, "DIAL"},
    FeatureName{feature::kDrop, "DROP"},
    FeatureName{feature::kHold, "HOLD"},
    FeatureName{feature::kPark, "PARK"},
    FeatureName{feature::kPrepareAddConf, "PREPAREADDCONF"},
    FeatureName{feature::kRedirect, "REDIRECT"},
    FeatureName{feature::kRemoveFromConf, "REMOVEFROMCONF"},
    FeatureName{feature::kSecureCall, "SECURECALL"},
    FeatureName{feature::kSetupConf, "SETUPCONF"},
    FeatureName{feature::kSetupTransfer, "SETUPTRANSFER"},
    FeatureName{feature::kSwapHold, "SWAPHOLD"},
    FeatureName{feature::kUnhold, "UNHOLD"},
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view strip_prefix(std::string_view name, std::string_view prefix) {
  if (name.size() > prefix.size() && iequals(name.substr(0, prefix.size()), prefix))
    return name.substr(prefix.size());
  return name;
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_named(const std::array<Enum, N>& all, std::string_view name,
                                std::string_view prefix) {
  name = strip_prefix(name, prefix);
  for (Enum e : all) {
    if (iequals(to_string(e), name)) return e;
  }
  return std::nullopt;
}

}  // namespace

int index_of(CallState s) { return std::countr_zero(static_cast<std::uint32_t>(s)); }
CallState call_state_at(int index) { return kAllStates.at(static_cast<std::size_t>(index)); }

std::string_view to_string(CallState s) {
  switch (s) {
    case CallState::Idle: return "IDLE";
    case CallState::Offering: return "OFFERING";
    case CallState::Accepted: return "ACCEPTED";
    case CallState::DialTone: return "DIALTONE";
    case CallState::Dialing: return "DIALING";
    case CallState::RingBack: return "RINGBACK";
    case CallState::Busy: return "BUSY";
    case CallState::SpecialInfo: return "SPECIALINFO";
    case CallState::Connected: return "CONNECTED";
    case CallState::Proceeding: return "PROCEEDING";
    case CallState::OnHold: return "ONHOLD";
    case CallState::Conferenced: return "CONFERENCED";
    case CallState::OnHoldPendConf: return "ONHOLDPENDCONF";
    case CallState::OnHoldPendTransfer: return "ONHOLDPENDTRANSFER";
    case CallState::Disconnected: return "DISCONNECTED";
    case CallState::Unknown: return "UNKNOWN";
  }
  return "?";
}

std::string_view to_string(DisconnectMode m) {
  switch (m) {
    case DisconnectMode::None: return "NONE";
    case DisconnectMode::Normal: return "NORMAL";
    case DisconnectMode::Unknown: return "UNKNOWN";
    case DisconnectMode::Reject: return "REJECT";
    case DisconnectMode::Pickup: return "PICKUP";
    case DisconnectMode::Forwarded: return "FORWARDED";
    case DisconnectMode::Busy: return "BUSY";
    case DisconnectMode::NoAnswer: return "NOANSWER";
    case DisconnectMode::BadAddress: return "BADADDRESS";
    case DisconnectMode::Unreachable: return "UNREACHABLE";
    case DisconnectMode::Congestion: return "CONGESTION";
    case DisconnectMode::Incompatible: return "INCOMPATIBLE";
    case DisconnectMode::Unavail: return "UNAVAIL";
    case DisconnectMode::NoDialTone: return "NODIALTONE";
    case DisconnectMode::Blocked: return "BLOCKED";
    case DisconnectMode::DoNotDisturb: return "DONOTDISTURB";
    case DisconnectMode::Cancelled: return "CANCELLED";
  }
  return "?";
}

std::string_view to_string(CallReason r) {
  switch (r) {
    case CallReason::Direct: return "DIRECT";
    case CallReason::FwdBusy: return "FWDBUSY";
    case CallReason::FwdNoAnswer: return "FWDNOANSWER";
    case CallReason::FwdUncond: return "FWDUNCOND";
    case CallReason::Pickup: return "PICKUP";
    case CallReason::Unpark: return "UNPARK";
    case CallReason::Redirect: return "REDIRECT";
    case CallReason::CallCompletion: return "CALLCOMPLETION";
    case CallReason::Transfer: return "TRANSFER";
    case CallReason::Reminder: return "REMINDER";
    case CallReason::Intrude: return "INTRUDE";
    case CallReason::Parked: return "PARKED";
    case CallReason::CampedOn: return "CAMPEDON";
  }
  return "?";
}

std::string_view to_string(LineErr e) {
  switch (e) {
    case LineErr::Success: return "SUCCESS";
    case LineErr::Allocated: return "ALLOCATED";
    case LineErr::BadDeviceId: return "BADDEVICEID";
    case LineErr::CallUnavail: return "CALLUNAVAIL";
    case LineErr::ConferenceFull: return "CONFERENCEFULL";
    case LineErr::InUse: return "INUSE";
    case LineErr::InvalAddress: return "INVALADDRESS";
    case LineErr::InvalCallComplMode: return "INVALCALLCOMPLMODE";
    case LineErr::InvalCallHandle: return "INVALCALLHANDLE";
    case LineErr::InvalCallState: return "INVALCALLSTATE";
    case LineErr::InvalCompletionId: return "INVALCOMPLETIONID";
    case LineErr::InvalConfCallHandle: return "INVALCONFCALLHANDLE";
    case LineErr::InvalConsultCallHandle: return "INVALCONSULTCALLHANDLE";
    case LineErr::InvalGroupId: return "INVALGROUPID";
    case LineErr::InvalLineHandle: return "INVALLINEHANDLE";
    case LineErr::InvalLineState: return "INVALLINESTATE";
    case LineErr::InvalParkId: return "INVALPARKID";
    case LineErr::InvalParkMode: return "INVALPARKMODE";
    case LineErr::InvalParam: return "INVALPARAM";
    case LineErr::InvalTransferMode: return "INVALTRANSFERMODE";
    case LineErr::NotOwner: return "NOTOWNER";
    case LineErr::OperationFailed: return "OPERATIONFAILED";
    case LineErr::OperationUnavail: return "OPERATIONUNAVAIL";
    case LineErr::ResourceUnavail: return "RESOURCEUNAVAIL";
    case LineErr::TargetNotFound: return "TARGETNOTFOUND";
    case LineErr::TargetSelf: return "TARGETSELF";
    case LineErr::AddressBlocked: return "ADDRESSBLOCKED";
  }
  return "?";
}

std::string tapi_name(CallState s) { return "LINECALLSTATE_" + std::string(to_string(s)); }
std::string tapi_name(DisconnectMode m) { return "LINEDISCONNECTMODE_" + std::string(to_string(m)); }
std::string tapi_name(CallReason r) { return "LINECALLREASON_" + std::string(to_string(r)); }
std::string tapi_name(LineErr e) {
  return e == LineErr::Success ? std::string("SUCCESS") : "LINEERR_" + std::string(to_string(e));
}

std::optional<CallState> parse_call_state(std::string_view name) {
  return parse_named(kAllStates, name, "LINECALLSTATE_");
}
std::optional<DisconnectMode> parse_disconnect_mode(std::string_view name) {
  return parse_named(kAllModes, name, "LINEDISCONNECTMODE_");
}
std::optional<CallReason> parse_call_reason(std::string_view name) {
  return parse_named(kAllReasons, name, "LINECALLREASON_");
}
std::optional<LineErr> parse_line_err(std::string_view name) {
  return parse_named(kAllErrors, name, "LINEERR_");
}

std::uint32_t parse_call_feature(std::string_view name) {
  name = strip_prefix(name, "LINECALLFEATURE_");
  for (const auto& f : kFeatureNames) {
    if (iequals(f.name, name)) return f.bit;
  }
  return 0;
}

std::string features_to_string(std::uint32_t features) {
  std::string out;
  for (const auto& f : kFeatureNames) {
    if ((features & f.bit) == 0) continue;
    if (!out.empty()) out += '|';
    out += f.name;
  }
  return out;
}

}  // namespace telsim
