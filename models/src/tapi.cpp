#include "telsim/models/tapi.hpp"

#include <array>
#include <bit>

#include "telsim/models/tapi_names.hpp"

// The names and values live in one table per family (tapi_names.hpp, all of <tapi.h>'s); the
// enums of tapi.hpp are the part of each family the simulator uses, so a name parses only to a
// member of its enum, and only a member has a name. Two names are no TAPI constants: NONE (no
// disconnect mode) and SUCCESS (no error).

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
    DisconnectMode::Normal,      DisconnectMode::Unknown,     DisconnectMode::Reject,
    DisconnectMode::Pickup,      DisconnectMode::Forwarded,   DisconnectMode::Busy,
    DisconnectMode::NoAnswer,    DisconnectMode::BadAddress,  DisconnectMode::Unreachable,
    DisconnectMode::Congestion,  DisconnectMode::Incompatible, DisconnectMode::Unavail,
    DisconnectMode::NoDialTone,  DisconnectMode::OutOfOrder,  DisconnectMode::TempFailure,
    DisconnectMode::Blocked,     DisconnectMode::DoNotDisturb, DisconnectMode::Cancelled};

constexpr std::array kAllReasons = {
    CallReason::Direct,   CallReason::FwdBusy,        CallReason::FwdNoAnswer,
    CallReason::FwdUncond, CallReason::Pickup,        CallReason::Unpark,
    CallReason::Redirect, CallReason::CallCompletion, CallReason::Transfer,
    CallReason::Reminder, CallReason::Intrude,        CallReason::Parked,
    CallReason::CampedOn};

constexpr std::array kAllErrors = {
    LineErr::Allocated,        LineErr::BadDeviceId,       LineErr::CallUnavail,
    LineErr::ConferenceFull,   LineErr::DialBilling,       LineErr::DialDialTone,
    LineErr::DialPrompt,       LineErr::DialQuiet,
    LineErr::InUse,             LineErr::InvalAddress,      LineErr::InvalAddressId,
    LineErr::InvalBearerMode,
    LineErr::InvalCallComplMode, LineErr::InvalCallHandle, LineErr::InvalCallParams, LineErr::InvalCallState,
    LineErr::InvalCompletionId, LineErr::InvalConfCallHandle, LineErr::InvalConsultCallHandle,
    LineErr::InvalGroupId,     LineErr::InvalLineHandle,   LineErr::InvalLineState,
    LineErr::InvalParkId,      LineErr::InvalParkMode,     LineErr::InvalParam,
    LineErr::InvalTransferMode, LineErr::NotOwner,         LineErr::OperationFailed,
    LineErr::OperationUnavail, LineErr::ResourceUnavail,   LineErr::TargetNotFound,
    LineErr::TargetSelf,       LineErr::AddressBlocked,
    LineErr::InvalDialParams,  LineErr::InvalDigitList,    LineErr::InvalDigitMode,
    LineErr::InvalDigits,      LineErr::InvalMediaList,    LineErr::InvalMediaMode,
    LineErr::InvalRate,        LineErr::InvalTimeout,      LineErr::InvalTone,
    LineErr::InvalToneList,    LineErr::InvalToneMode,     LineErr::UserUserInfoTooBig,
    LineErr::InvalAgentId,     LineErr::InvalAgentGroup,   LineErr::InvalAgentState,
    LineErr::InvalAgentActivity};

/// The LINECALLFEATURE bits of tapi.hpp's `feature` namespace.
constexpr std::uint32_t kModelFeatures =
    feature::kAccept | feature::kAddToConf | feature::kAnswer | feature::kBlindTransfer |
    feature::kCompleteCall | feature::kCompleteTransf | feature::kDial | feature::kDrop | feature::kHold |
    feature::kPark | feature::kPrepareAddConf | feature::kRedirect | feature::kRemoveFromConf |
    feature::kSecureCall | feature::kSetupConf | feature::kSetupTransfer | feature::kSwapHold | feature::kUnhold |
    feature::kGatherDigits | feature::kGenerateDigits | feature::kGenerateTone | feature::kMonitorDigits |
    feature::kMonitorMedia | feature::kMonitorTones | feature::kSendUserUser | feature::kSetCallParams |
    feature::kSetMediaControl | feature::kReleaseUserUserInfo | feature::kSetTreatment | feature::kSetQos |
    feature::kSetCallData;

template <typename Enum, std::size_t N>
constexpr bool is_member(const std::array<Enum, N>& all, std::uint32_t value) {
  for (Enum e : all)
    if (static_cast<std::uint32_t>(e) == value) return true;
  return false;
}

/// The name of an enum member; "?" for a value that is none.
template <typename Enum, std::size_t N>
constexpr std::string_view name_in(const tapi_names::Family& family, const std::array<Enum, N>& all, Enum e) {
  const auto v = static_cast<std::uint32_t>(e);
  return is_member(all, v) ? family.name_of(v) : std::string_view("?");
}

/// The member named `name` (any case, prefix optional); `extra` is the one name outside TAPI's
/// family (NONE, SUCCESS) with the value 0.
template <typename Enum, std::size_t N>
std::optional<Enum> parse_in(const tapi_names::Family& family, const std::array<Enum, N>& all, std::string_view name,
                             std::string_view extra = {}) {
  if (!extra.empty() && tapi_names::iequals(family.strip(name), extra)) return static_cast<Enum>(0);
  const tapi_names::Constant* c = family.find(name);
  if (c && is_member(all, c->value)) return static_cast<Enum>(c->value);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(CallState s) { return name_in(tapi_names::kCallState, kAllStates, s); }
std::string_view to_string(DisconnectMode m) {
  return m == DisconnectMode::None ? "NONE" : name_in(tapi_names::kDisconnectMode, kAllModes, m);
}
std::string_view to_string(CallReason r) { return name_in(tapi_names::kCallReason, kAllReasons, r); }
std::string_view to_string(LineErr e) {
  return e == LineErr::Success ? "SUCCESS" : name_in(tapi_names::kLineErr, kAllErrors, e);
}

std::string tapi_name(CallState s) { return "LINECALLSTATE_" + std::string(to_string(s)); }
std::string tapi_name(DisconnectMode m) { return "LINEDISCONNECTMODE_" + std::string(to_string(m)); }
std::string tapi_name(CallReason r) { return "LINECALLREASON_" + std::string(to_string(r)); }
std::string tapi_name(LineErr e) {
  return e == LineErr::Success ? std::string("SUCCESS") : "LINEERR_" + std::string(to_string(e));
}

std::optional<CallState> parse_call_state(std::string_view name) {
  return parse_in(tapi_names::kCallState, kAllStates, name);
}
std::optional<DisconnectMode> parse_disconnect_mode(std::string_view name) {
  return parse_in(tapi_names::kDisconnectMode, kAllModes, name, "NONE");
}
std::optional<CallReason> parse_call_reason(std::string_view name) {
  return parse_in(tapi_names::kCallReason, kAllReasons, name);
}
std::optional<LineErr> parse_line_err(std::string_view name) {
  return parse_in(tapi_names::kLineErr, kAllErrors, name, "SUCCESS");
}

std::uint32_t parse_call_feature(std::string_view name) {
  const auto bit = tapi_names::kCallFeature.value_of(name);
  return bit && (*bit & kModelFeatures) ? *bit : 0;
}

std::string features_to_string(std::uint32_t features) {
  return tapi_names::kCallFeature.flags(features & kModelFeatures);
}

}  // namespace telsim
