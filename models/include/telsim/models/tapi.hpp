#pragma once
/// TAPI 2.x vocabulary: call states, disconnect modes, call reasons, call features and line
/// errors, with the numeric values of the SDK's <tapi.h>. Names match TAPI's constants without
/// their prefix (LINECALLSTATE_ONHOLDPENDTRANSFER <-> CallState::OnHoldPendTransfer, printed
/// "ONHOLDPENDTRANSFER").
#include <bit>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace telsim {

enum class CallState : std::uint32_t {
  Idle = 0x1,
  Offering = 0x2,
  Accepted = 0x4,
  DialTone = 0x8,
  Dialing = 0x10,
  RingBack = 0x20,
  Busy = 0x40,
  SpecialInfo = 0x80,
  Connected = 0x100,
  Proceeding = 0x200,
  OnHold = 0x400,
  Conferenced = 0x800,
  OnHoldPendConf = 0x1000,
  OnHoldPendTransfer = 0x2000,
  Disconnected = 0x4000,
  Unknown = 0x8000,
};
inline constexpr int kCallStateCount = 16;
/// Dense index 0..15 of a state (its bit position). Inline: every transition asks it.
inline int index_of(CallState s) { return std::countr_zero(static_cast<std::uint32_t>(s)); }
/// The state at dense index 0..15 (the LINECALLSTATE bit 1 << index).
inline CallState call_state_at(int index) {
  if (index < 0 || index >= kCallStateCount) throw std::out_of_range("call_state_at: no call state at that index");
  return static_cast<CallState>(1u << index);
}

enum class DisconnectMode : std::uint32_t {
  None = 0,  // not disconnected
  Normal = 0x1,
  Unknown = 0x2,
  Reject = 0x4,
  Pickup = 0x8,
  Forwarded = 0x10,
  Busy = 0x20,
  NoAnswer = 0x40,
  BadAddress = 0x80,
  Unreachable = 0x100,
  Congestion = 0x200,
  Incompatible = 0x400,
  Unavail = 0x800,
  NoDialTone = 0x1000,
  OutOfOrder = 0x4000,   ///< the line (or trunk) is out of service
  TempFailure = 0x8000,  ///< a temporary failure of the switch (a restart)
  Blocked = 0x20000,
  DoNotDisturb = 0x40000,
  Cancelled = 0x80000,
};

enum class CallReason : std::uint32_t {
  Direct = 0x1,
  FwdBusy = 0x2,
  FwdNoAnswer = 0x4,
  FwdUncond = 0x8,
  Pickup = 0x10,
  Unpark = 0x20,
  Redirect = 0x40,
  CallCompletion = 0x80,
  Transfer = 0x100,
  Reminder = 0x200,
  Intrude = 0x1000,
  Parked = 0x2000,
  CampedOn = 0x4000,
};

/// LINECALLFEATURE_* bits (LINECALLSTATUS.dwCallFeatures).
namespace feature {
inline constexpr std::uint32_t kAccept = 0x1;
inline constexpr std::uint32_t kAddToConf = 0x2;
inline constexpr std::uint32_t kAnswer = 0x4;
inline constexpr std::uint32_t kBlindTransfer = 0x8;
inline constexpr std::uint32_t kCompleteCall = 0x10;
inline constexpr std::uint32_t kCompleteTransf = 0x20;
inline constexpr std::uint32_t kDial = 0x40;
inline constexpr std::uint32_t kDrop = 0x80;
inline constexpr std::uint32_t kHold = 0x800;
inline constexpr std::uint32_t kPark = 0x8000;
inline constexpr std::uint32_t kPrepareAddConf = 0x10000;
inline constexpr std::uint32_t kRedirect = 0x20000;
inline constexpr std::uint32_t kRemoveFromConf = 0x40000;
inline constexpr std::uint32_t kSecureCall = 0x80000;
inline constexpr std::uint32_t kSetupConf = 0x1000000;
inline constexpr std::uint32_t kSetupTransfer = 0x2000000;
inline constexpr std::uint32_t kSwapHold = 0x4000000;
inline constexpr std::uint32_t kUnhold = 0x8000000;
// Digits, tones, media and call data (issue 19's operations).
inline constexpr std::uint32_t kGatherDigits = 0x100;
inline constexpr std::uint32_t kGenerateDigits = 0x200;
inline constexpr std::uint32_t kGenerateTone = 0x400;
inline constexpr std::uint32_t kMonitorDigits = 0x1000;
inline constexpr std::uint32_t kMonitorMedia = 0x2000;
inline constexpr std::uint32_t kMonitorTones = 0x4000;
inline constexpr std::uint32_t kSendUserUser = 0x100000;
inline constexpr std::uint32_t kSetCallParams = 0x200000;
inline constexpr std::uint32_t kSetMediaControl = 0x400000;
inline constexpr std::uint32_t kReleaseUserUserInfo = 0x10000000;
inline constexpr std::uint32_t kSetTreatment = 0x20000000;
inline constexpr std::uint32_t kSetQos = 0x40000000;
inline constexpr std::uint32_t kSetCallData = 0x80000000;
}  // namespace feature

/// LINEERR_* result of a refused operation; Success (0) when it was carried out.
enum class LineErr : std::uint32_t {
  Success = 0,
  Allocated = 0x80000001,
  BadDeviceId = 0x80000002,
  CallUnavail = 0x80000005,
  ConferenceFull = 0x80000007,
  DialBilling = 0x80000008,
  DialDialTone = 0x80000009,
  DialPrompt = 0x8000000A,
  DialQuiet = 0x8000000B,
  InUse = 0x8000000F,
  InvalAddress = 0x80000010,
  InvalAddressId = 0x80000011,
  InvalBearerMode = 0x80000016,
  InvalCallComplMode = 0x80000017,
  InvalCallHandle = 0x80000018,
  InvalCallParams = 0x80000019,
  InvalCallState = 0x8000001C,
  InvalCompletionId = 0x8000001F,
  InvalDialParams = 0x80000025,
  InvalDigitList = 0x80000026,
  InvalDigitMode = 0x80000027,
  InvalDigits = 0x80000028,
  InvalConfCallHandle = 0x80000020,
  InvalConsultCallHandle = 0x80000021,
  InvalGroupId = 0x8000002A,
  InvalLineHandle = 0x8000002B,
  InvalLineState = 0x8000002C,
  InvalMediaList = 0x8000002E,
  InvalMediaMode = 0x8000002F,
  InvalParkId = 0x80000033,
  InvalParkMode = 0x80000034,
  InvalParam = 0x80000032,
  InvalRate = 0x80000037,
  InvalTimeout = 0x8000003B,
  InvalTone = 0x8000003C,
  InvalToneList = 0x8000003D,
  InvalToneMode = 0x8000003E,
  InvalTransferMode = 0x8000003F,
  NotOwner = 0x80000046,
  OperationFailed = 0x80000048,
  OperationUnavail = 0x80000049,
  ResourceUnavail = 0x8000004B,
  TargetNotFound = 0x8000004E,
  TargetSelf = 0x8000004F,
  UserUserInfoTooBig = 0x80000051,
  AddressBlocked = 0x80000053,
  InvalAgentId = 0x80000057,
  InvalAgentGroup = 0x80000058,
  InvalAgentState = 0x8000005A,
  InvalAgentActivity = 0x8000005B,
};

/// Names without the TAPI prefix: "RINGBACK", "NOANSWER", "FWDBUSY", "INVALCALLSTATE".
std::string_view to_string(CallState s);
std::string_view to_string(DisconnectMode m);
std::string_view to_string(CallReason r);
std::string_view to_string(LineErr e);
/// Full TAPI constant names: "LINECALLSTATE_RINGBACK", "LINEERR_INVALCALLSTATE".
std::string tapi_name(CallState s);
std::string tapi_name(DisconnectMode m);
std::string tapi_name(CallReason r);
std::string tapi_name(LineErr e);

/// Parse a name with or without its TAPI prefix, case-insensitive.
std::optional<CallState> parse_call_state(std::string_view name);
std::optional<DisconnectMode> parse_disconnect_mode(std::string_view name);
std::optional<CallReason> parse_call_reason(std::string_view name);
std::optional<LineErr> parse_line_err(std::string_view name);
/// Feature bit from "DROP" or "LINECALLFEATURE_DROP"; 0 when unknown.
std::uint32_t parse_call_feature(std::string_view name);
/// "DIAL|DROP|HOLD" in bit order.
std::string features_to_string(std::uint32_t features);

}  // namespace telsim
