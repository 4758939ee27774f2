// TAPI vocabulary: numeric values as in the SDK's <tapi.h> (docs/tapi-conformance.md) and the
// name <-> value conversions scenarios and the wire protocol rely on.
#include "telsim/models/tapi.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/printers.hpp"

namespace telsim {
namespace {

template <typename Enum>
struct Named {
  Enum value;
  const char* name;  // without prefix, as TAPI spells it
  std::uint32_t tapi;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Mixed case: "lInEcAlLsTaTe_rInGbAcK".
std::string mixed(std::string s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    s[i] = static_cast<char>(i % 2 ? std::tolower(c) : std::toupper(c));
  }
  return s;
}

const std::vector<Named<CallState>> kStates = {
    {CallState::Idle, "IDLE", 0x1},
    {CallState::Offering, "OFFERING", 0x2},
    {CallState::Accepted, "ACCEPTED", 0x4},
    {CallState::DialTone, "DIALTONE", 0x8},
    {CallState::Dialing, "DIALING", 0x10},
    {CallState::RingBack, "RINGBACK", 0x20},
    {CallState::Busy, "BUSY", 0x40},
    {CallState::SpecialInfo, "SPECIALINFO", 0x80},
    {CallState::Connected, "CONNECTED", 0x100},
    {CallState::Proceeding, "PROCEEDING", 0x200},
    {CallState::OnHold, "ONHOLD", 0x400},
    {CallState::Conferenced, "CONFERENCED", 0x800},
    {CallState::OnHoldPendConf, "ONHOLDPENDCONF", 0x1000},
    {CallState::OnHoldPendTransfer, "ONHOLDPENDTRANSFER", 0x2000},
    {CallState::Disconnected, "DISCONNECTED", 0x4000},
    {CallState::Unknown, "UNKNOWN", 0x8000},
};

const std::vector<Named<DisconnectMode>> kModes = {
    {DisconnectMode::Normal, "NORMAL", 0x1},
    {DisconnectMode::Unknown, "UNKNOWN", 0x2},
    {DisconnectMode::Reject, "REJECT", 0x4},
    {DisconnectMode::Pickup, "PICKUP", 0x8},
    {DisconnectMode::Forwarded, "FORWARDED", 0x10},
    {DisconnectMode::Busy, "BUSY", 0x20},
    {DisconnectMode::NoAnswer, "NOANSWER", 0x40},
    {DisconnectMode::BadAddress, "BADADDRESS", 0x80},
    {DisconnectMode::Unreachable, "UNREACHABLE", 0x100},
    {DisconnectMode::Congestion, "CONGESTION", 0x200},
    {DisconnectMode::Incompatible, "INCOMPATIBLE", 0x400},
    {DisconnectMode::Unavail, "UNAVAIL", 0x800},
    {DisconnectMode::NoDialTone, "NODIALTONE", 0x1000},
    {DisconnectMode::Blocked, "BLOCKED", 0x20000},
    {DisconnectMode::DoNotDisturb, "DONOTDISTURB", 0x40000},
    {DisconnectMode::Cancelled, "CANCELLED", 0x80000},
};

const std::vector<Named<CallReason>> kReasons = {
    {CallReason::Direct, "DIRECT", 0x1},
    {CallReason::FwdBusy, "FWDBUSY", 0x2},
    {CallReason::FwdNoAnswer, "FWDNOANSWER", 0x4},
    {CallReason::FwdUncond, "FWDUNCOND", 0x8},
    {CallReason::Pickup, "PICKUP", 0x10},
    {CallReason::Unpark, "UNPARK", 0x20},
    {CallReason::Redirect, "REDIRECT", 0x40},
    {CallReason::CallCompletion, "CALLCOMPLETION", 0x80},
    {CallReason::Transfer, "TRANSFER", 0x100},
    {CallReason::Reminder, "REMINDER", 0x200},
    {CallReason::Intrude, "INTRUDE", 0x1000},
    {CallReason::Parked, "PARKED", 0x2000},
    {CallReason::CampedOn, "CAMPEDON", 0x4000},
};

// Values from tapi.h. InvalParam is checked on its own below.
const std::vector<Named<LineErr>> kErrors = {
    {LineErr::Allocated, "ALLOCATED", 0x80000001},
    {LineErr::BadDeviceId, "BADDEVICEID", 0x80000002},
    {LineErr::CallUnavail, "CALLUNAVAIL", 0x80000005},
    {LineErr::ConferenceFull, "CONFERENCEFULL", 0x80000007},
    {LineErr::InUse, "INUSE", 0x8000000F},
    {LineErr::InvalAddress, "INVALADDRESS", 0x80000010},
    {LineErr::InvalBearerMode, "INVALBEARERMODE", 0x80000016},
    {LineErr::InvalCallComplMode, "INVALCALLCOMPLMODE", 0x80000017},
    {LineErr::InvalCallHandle, "INVALCALLHANDLE", 0x80000018},
    {LineErr::InvalCallState, "INVALCALLSTATE", 0x8000001C},
    {LineErr::InvalCompletionId, "INVALCOMPLETIONID", 0x8000001F},
    {LineErr::InvalConfCallHandle, "INVALCONFCALLHANDLE", 0x80000020},
    {LineErr::InvalConsultCallHandle, "INVALCONSULTCALLHANDLE", 0x80000021},
    {LineErr::InvalGroupId, "INVALGROUPID", 0x8000002A},
    {LineErr::InvalLineHandle, "INVALLINEHANDLE", 0x8000002B},
    {LineErr::InvalLineState, "INVALLINESTATE", 0x8000002C},
    {LineErr::InvalParkId, "INVALPARKID", 0x80000033},
    {LineErr::InvalParkMode, "INVALPARKMODE", 0x80000034},
    {LineErr::InvalTransferMode, "INVALTRANSFERMODE", 0x8000003F},
    {LineErr::NotOwner, "NOTOWNER", 0x80000046},
    {LineErr::OperationFailed, "OPERATIONFAILED", 0x80000048},
    {LineErr::OperationUnavail, "OPERATIONUNAVAIL", 0x80000049},
    {LineErr::ResourceUnavail, "RESOURCEUNAVAIL", 0x8000004B},
    {LineErr::TargetNotFound, "TARGETNOTFOUND", 0x8000004E},
    {LineErr::TargetSelf, "TARGETSELF", 0x8000004F},
    {LineErr::AddressBlocked, "ADDRESSBLOCKED", 0x80000053},
};

const std::vector<Named<std::uint32_t>> kFeatures = {
    {feature::kAccept, "ACCEPT", 0x1},
    {feature::kAddToConf, "ADDTOCONF", 0x2},
    {feature::kAnswer, "ANSWER", 0x4},
    {feature::kBlindTransfer, "BLINDTRANSFER", 0x8},
    {feature::kCompleteCall, "COMPLETECALL", 0x10},
    {feature::kCompleteTransf, "COMPLETETRANSF", 0x20},
    {feature::kDial, "DIAL", 0x40},
    {feature::kDrop, "DROP", 0x80},
    {feature::kHold, "HOLD", 0x800},
    {feature::kPark, "PARK", 0x8000},
    {feature::kPrepareAddConf, "PREPAREADDCONF", 0x10000},
    {feature::kRedirect, "REDIRECT", 0x20000},
    {feature::kRemoveFromConf, "REMOVEFROMCONF", 0x40000},
    {feature::kSetupConf, "SETUPCONF", 0x1000000},
    {feature::kSetupTransfer, "SETUPTRANSFER", 0x2000000},
    {feature::kSwapHold, "SWAPHOLD", 0x4000000},
    {feature::kUnhold, "UNHOLD", 0x8000000},
};

// Checks value, to_string, tapi_name and every accepted spelling for one vocabulary.
template <typename Enum, typename Parse>
void check_vocabulary(const std::vector<Named<Enum>>& all, const std::string& prefix, Parse parse) {
  std::set<std::uint32_t> values;
  for (const auto& n : all) {
    SCOPED_TRACE(n.name);
    EXPECT_EQ(static_cast<std::uint32_t>(n.value), n.tapi);
    EXPECT_TRUE(values.insert(n.tapi).second) << "duplicate value";
    EXPECT_EQ(to_string(n.value), n.name);
    const std::string full = prefix + n.name;
    EXPECT_EQ(tapi_name(n.value), full);
    EXPECT_EQ(parse(n.name), n.value);
    EXPECT_EQ(parse(full), n.value);
    EXPECT_EQ(parse(lower(n.name)), n.value);
    EXPECT_EQ(parse(lower(full)), n.value);
    EXPECT_EQ(parse(mixed(full)), n.value);
    EXPECT_EQ(parse(to_string(n.value)), n.value) << "round trip";
    EXPECT_EQ(parse(tapi_name(n.value)), n.value) << "round trip";
  }
}

// --- numeric values ------------------------------------------------------------------------------

TEST(TapiTest, CallStateValuesMatchTapi) {
  EXPECT_EQ(static_cast<std::uint32_t>(CallState::OnHoldPendTransfer), 0x2000u);
  EXPECT_EQ(static_cast<std::uint32_t>(CallState::Disconnected), 0x4000u);
  for (const auto& n : kStates) EXPECT_EQ(static_cast<std::uint32_t>(n.value), n.tapi) << n.name;
}

TEST(TapiTest, DisconnectModeValuesMatchTapi) {
  EXPECT_EQ(static_cast<std::uint32_t>(DisconnectMode::NoAnswer), 0x40u);
  EXPECT_EQ(static_cast<std::uint32_t>(DisconnectMode::None), 0u);
  for (const auto& n : kModes) EXPECT_EQ(static_cast<std::uint32_t>(n.value), n.tapi) << n.name;
}

TEST(TapiTest, CallReasonValuesMatchTapi) {
  EXPECT_EQ(static_cast<std::uint32_t>(CallReason::CampedOn), 0x4000u);
  for (const auto& n : kReasons) EXPECT_EQ(static_cast<std::uint32_t>(n.value), n.tapi) << n.name;
}

TEST(TapiTest, LineErrValuesMatchTapi) {
  EXPECT_EQ(static_cast<std::uint32_t>(LineErr::InvalCallState), 0x8000001Cu);
  EXPECT_EQ(static_cast<std::uint32_t>(LineErr::Success), 0u);
  for (const auto& n : kErrors) EXPECT_EQ(static_cast<std::uint32_t>(n.value), n.tapi) << n.name;
}

TEST(TapiTest, InvalParamHasTheValueOfTapiH) {
  // tapi.h: LINEERR_INVALPARAM 0x80000032; 0x80000035 is LINEERR_INVALPOINTER.
  EXPECT_EQ(static_cast<std::uint32_t>(LineErr::InvalParam), 0x80000032u);
}

TEST(TapiTest, CallFeatureBitsMatchTapi) {
  for (const auto& n : kFeatures) EXPECT_EQ(n.value, n.tapi) << n.name;
}

TEST(TapiTest, StateIndexIsTheBitPosition) {
  for (int i = 0; i < kCallStateCount; ++i) {
    const CallState s = call_state_at(i);
    EXPECT_EQ(static_cast<std::uint32_t>(s), 1u << i);
    EXPECT_EQ(index_of(s), i);
  }
  EXPECT_THROW(call_state_at(kCallStateCount), std::out_of_range);
}

// --- names ---------------------------------------------------------------------------------------

TEST(TapiTest, EveryCallStateRoundTripsThroughItsNames) {
  ASSERT_EQ(kStates.size(), static_cast<std::size_t>(kCallStateCount));
  check_vocabulary(kStates, "LINECALLSTATE_",
                   [](std::string_view s) { return parse_call_state(s); });
  EXPECT_EQ(tapi_name(CallState::OnHoldPendTransfer), "LINECALLSTATE_ONHOLDPENDTRANSFER");
}

TEST(TapiTest, EveryDisconnectModeRoundTripsThroughItsNames) {
  check_vocabulary(kModes, "LINEDISCONNECTMODE_",
                   [](std::string_view s) { return parse_disconnect_mode(s); });
  EXPECT_EQ(to_string(DisconnectMode::None), "NONE");
  EXPECT_EQ(parse_disconnect_mode("none"), DisconnectMode::None);
}

TEST(TapiTest, EveryCallReasonRoundTripsThroughItsNames) {
  check_vocabulary(kReasons, "LINECALLREASON_",
                   [](std::string_view s) { return parse_call_reason(s); });
}

TEST(TapiTest, EveryLineErrRoundTripsThroughItsNames) {
  check_vocabulary(kErrors, "LINEERR_", [](std::string_view s) { return parse_line_err(s); });
  EXPECT_EQ(to_string(LineErr::InvalParam), "INVALPARAM");
  EXPECT_EQ(parse_line_err("LINEERR_INVALPARAM"), LineErr::InvalParam);
}

TEST(TapiTest, SuccessIsNamedWithoutTheErrorPrefix) {
  EXPECT_EQ(to_string(LineErr::Success), "SUCCESS");
  EXPECT_EQ(tapi_name(LineErr::Success), "SUCCESS");
  EXPECT_EQ(parse_line_err("success"), LineErr::Success);
}

TEST(TapiTest, UnknownNamesParseToNothing) {
  for (std::string_view bad : {"", "RINGING", "LINECALLSTATE_", "LINECALLSTATE_RINGING",
                               "LINECALLSTATE_LINECALLSTATE_IDLE", "IDLE ", " IDLE", "IDL",
                               "LINEERR_IDLE", "LINECALLSTATEIDLE"})
    EXPECT_FALSE(parse_call_state(bad).has_value()) << '"' << bad << '"';
  for (std::string_view bad : {"", "HANGUP", "LINEDISCONNECTMODE_", "LINECALLSTATE_BUSY"})
    EXPECT_FALSE(parse_disconnect_mode(bad).has_value()) << '"' << bad << '"';
  for (std::string_view bad : {"", "FORWARD", "LINECALLREASON_", "LINEDISCONNECTMODE_PICKUP"})
    EXPECT_FALSE(parse_call_reason(bad).has_value()) << '"' << bad << '"';
  for (std::string_view bad : {"", "INVALID", "LINEERR_", "LINEERR_NOSUCHERROR", "0x8000001C"})
    EXPECT_FALSE(parse_line_err(bad).has_value()) << '"' << bad << '"';
}

TEST(TapiTest, EachFamilyOnlyAcceptsItsOwnPrefix) {
  // BUSY is both a call state and a disconnect mode; the prefix picks the family.
  EXPECT_EQ(parse_call_state("LINECALLSTATE_BUSY"), CallState::Busy);
  EXPECT_EQ(parse_disconnect_mode("LINEDISCONNECTMODE_BUSY"), DisconnectMode::Busy);
  EXPECT_FALSE(parse_call_state("LINEDISCONNECTMODE_BUSY").has_value());
  EXPECT_FALSE(parse_disconnect_mode("LINECALLSTATE_BUSY").has_value());
  EXPECT_FALSE(parse_call_reason("LINEDISCONNECTMODE_PICKUP").has_value());
  EXPECT_FALSE(parse_disconnect_mode("LINECALLREASON_PICKUP").has_value());
}

// --- features ------------------------------------------------------------------------------------

TEST(TapiTest, EveryCallFeatureParsesWithOrWithoutPrefixInAnyCase) {
  for (const auto& n : kFeatures) {
    SCOPED_TRACE(n.name);
    const std::string full = std::string("LINECALLFEATURE_") + n.name;
    EXPECT_EQ(parse_call_feature(n.name), n.value);
    EXPECT_EQ(parse_call_feature(full), n.value);
    EXPECT_EQ(parse_call_feature(lower(n.name)), n.value);
    EXPECT_EQ(parse_call_feature(mixed(full)), n.value);
    EXPECT_EQ(features_to_string(n.value), n.name);
  }
}

TEST(TapiTest, UnknownCallFeatureParsesToZero) {
  EXPECT_EQ(parse_call_feature(""), 0u);
  EXPECT_EQ(parse_call_feature("HANGUP"), 0u);
  EXPECT_EQ(parse_call_feature("LINECALLFEATURE_"), 0u);
  EXPECT_EQ(parse_call_feature("LINECALLSTATE_DIAL"), 0u);
}

TEST(TapiTest, FeaturesToStringListsBitsInBitOrder) {
  EXPECT_EQ(features_to_string(0), "");
  EXPECT_EQ(features_to_string(feature::kHold | feature::kDial | feature::kDrop), "DIAL|DROP|HOLD");
  EXPECT_EQ(features_to_string(feature::kUnhold | feature::kAccept), "ACCEPT|UNHOLD");
}

TEST(TapiTest, FeaturesToStringAndParseRoundTripEverySet) {
  std::uint32_t all = 0;
  for (const auto& n : kFeatures) all |= n.value;
  const std::string text = features_to_string(all);
  std::uint32_t parsed = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t bar = std::min(text.find('|', start), text.size());
    const std::uint32_t bit = parse_call_feature(std::string_view(text).substr(start, bar - start));
    EXPECT_NE(bit, 0u);
    parsed |= bit;
    start = bar + 1;
  }
  EXPECT_EQ(parsed, all);
}

}  // namespace
}  // namespace telsim
