#pragma once
/// The operation catalogue: one row per TAPI operation the simulator offers, the single source
/// for its scenario/wire name, its TAPI function, the call input and LINECALLFEATURE bit it
/// needs, its parameters (name, kind, whether required, allowed values, the error for a bad
/// one), what it acts on (which decides whose permission it needs), and the calls it creates.
///
/// The YAML loader and the live server decode requests from these rows (sim/request.hpp), the
/// request path authorizes and applies them (Pbx::execute), docs/scenarios.md and
/// docs/protocol.md are checked against them by a test, and the TSP reads the same names.
/// Header-only and standard-library-only, so the cross-built Windows side can use it too.
///
/// Adding an operation: a value of `Op`, a row here, the Pbx member and its `case` in
/// Pbx::execute (-Wswitch finds a missing one), its tests and its doc line.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "telsim/models/call_state_machine.hpp"
#include "telsim/models/tapi.hpp"

namespace telsim {

/// The TAPI operations, named as in scenarios and on the wire.
enum class Op : std::uint8_t {
  MakeCall,
  Dial,
  Accept,
  Answer,
  Drop,
  Deallocate,
  Hold,
  Unhold,
  Park,
  Unpark,
  Pickup,
  Forward,
  SwapHold,
  SetupTransfer,
  CompleteTransfer,
  BlindTransfer,
  SetupConference,
  PrepareAddToConference,
  AddToConference,
  RemoveFromConference,
  Redirect,
  SecureCall,
  CompleteCall,
  UncompleteCall,
  Handoff,
  TranslateAddress,
  // Digits, tones, media, user-user information and call data (models/media.hpp).
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
  SetCallQualityOfService,
  SetCallParams,
  // Agents of the ACD (models/acd.hpp).
  SetAgentState,
  SetAgentActivity,
  SetAgentGroup,
};
inline constexpr std::size_t kOpCount = 43;
/// The operations of models/media.hpp (digits, tones, media, UUI, call data, call params).
constexpr bool is_media_op(Op op) { return op >= Op::GenerateDigits && op <= Op::SetCallParams; }
/// The agent operations of the ACD (models/acd.hpp): line operations on an agent's extension.
constexpr bool is_agent_op(Op op) { return op >= Op::SetAgentState; }

/// What a parameter holds. On the wire every kind but Integer and Forwarding is a JSON string.
enum class ParamKind : std::uint8_t {
  Line,        ///< an extension number: the line a line operation acts on
  Call,        ///< a call handle: a name bound by `as:` (scenario) or "c17" (wire)
  Address,     ///< a number to dial or offer to (checked by the switch: INVALADDRESS)
  Digits,      ///< digits to dial on a call
  Text,        ///< a name: an orbit, a pickup group, a controller, an address to translate
  Mode,        ///< one of `values` (TAPI constant names, case-insensitive, prefix optional)
  Integer,     ///< a whole number (a completion id)
  Forwarding,  ///< a list of forwarding rules ([] cancels)
  CallParams,  ///< LINECALLPARAMS: a mapping of its fields (call_params.hpp)
  Time,        ///< a duration: "250ms", "5s" (on the wire also an integer, milliseconds)
  Modes,       ///< a list of `values` (a family of TAPI bits, prefix optional)
  Tones,       ///< a list of tone mappings (generate_tone: LINEGENERATETONE; monitor_tones: LINEMONITORTONE)
  Controls,    ///< a list of lineSetMediaControl entries (digit, media, tone or call-state triggers)
  DialParams,  ///< LINEDIALPARAMS: {dial_pause, dial_speed, digit_duration, wait_for_dialtone}
  Names,       ///< a list of names (set_agent_group: queues)
};
constexpr std::string_view name_of(ParamKind k) {
  switch (k) {
    case ParamKind::Line: return "line";
    case ParamKind::Call: return "call";
    case ParamKind::Address: return "address";
    case ParamKind::Digits: return "digits";
    case ParamKind::Text: return "text";
    case ParamKind::Mode: return "mode";
    case ParamKind::Integer: return "integer";
    case ParamKind::Forwarding: return "forwarding";
    case ParamKind::CallParams: return "call params";
    case ParamKind::Time: return "duration";
    case ParamKind::Modes: return "modes";
    case ParamKind::Tones: return "tones";
    case ParamKind::Controls: return "controls";
    case ParamKind::DialParams: return "dial params";
    case ParamKind::Names: return "names";
  }
  return "?";
}

struct ParamInfo {
  std::string_view name;
  ParamKind kind;
  bool required = false;
  /// Mode: the allowed values, in the spelling of TAPI's constants without their prefix.
  std::span<const std::string_view> values = {};
  std::string_view tapi_prefix = {};  ///< Mode: the prefix the values may carry ("LINEPARKMODE_")
  /// The error for a missing, unknown or malformed value (a consultation handle that is not one
  /// is LINEERR_INVALCONSULTCALLHANDLE, an unknown park mode LINEERR_INVALPARKMODE).
  LineErr error = LineErr::InvalParam;
  std::string_view doc = {};
  std::string_view excludes = {};  ///< a parameter that may not be given with this one
};

/// What an operation acts on: its permission check and the line it is recorded against.
enum class Subject : std::uint8_t {
  Line,        ///< the `line` parameter: the requester must control the line
  Call,        ///< the `call` parameter: the requester must own the call
  Conference,  ///< the `conference` parameter: the requester must own the conference call
  Nothing,     ///< nothing of the switch's (translate_address)
};

/// The calls an operation creates, and the scenario keys that name them.
enum class Creates : std::uint8_t {
  Nothing,
  Call,                   ///< the new call (make_call, unpark, pickup): `as`
  Consult,                ///< a consultation call (setup_transfer, prepare_add_to_conference): `as`
  ConferenceAndConsult,   ///< setup_conference: the conference call `as`, the consultation `consult_as`
  ConferenceOnConference, ///< complete_transfer in CONFERENCE mode: the conference call `as`
  Completion,             ///< complete_call: a completion id, `completion_as`
};

struct OpInfo {
  Op op;
  std::string_view name;  ///< in scenarios and on the wire
  std::string_view tapi;  ///< the TAPI function
  /// The call input the operation applies to the subject call (which calls of a line it can
  /// act on, and its LINECALLFEATURE bit); nullopt for line operations.
  std::optional<CallInput> input;
  std::uint32_t feature = 0;  ///< LINECALLFEATURE bit (0: none)
  Subject subject = Subject::Call;
  Creates creates = Creates::Nothing;
  std::span<const ParamInfo> params;
  std::string_view doc;   ///< one line, for the docs' tables
};

namespace catalogue_detail {

using P = ParamInfo;
using K = ParamKind;
inline constexpr std::array<std::string_view, 2> kParkModes{"DIRECTED", "NONDIRECTED"};
inline constexpr std::array<std::string_view, 2> kTransferModes{"TRANSFER", "CONFERENCE"};
inline constexpr std::array<std::string_view, 4> kCompletionModes{"CAMPON", "CALLBACK", "INTRUDE", "MESSAGE"};

inline constexpr P kCall{"call", K::Call, true, {}, {}, LineErr::InvalCallHandle, "the call acted on"};
inline constexpr P kLine{"line", K::Line, true, {}, {}, LineErr::BadDeviceId, "the line that acts"};

inline constexpr P kParams{"params", K::CallParams, false, {}, {}, LineErr::InvalCallParams,
                           "LINECALLPARAMS for the call made"};
inline constexpr P kMakeCall[] = {kLine,
                                  {"to", K::Address, false, {}, {}, LineErr::InvalAddress,
                                   "the number to dial (none: the call waits in DIALTONE)"},
                                  kParams};
inline constexpr P kDial[] = {kCall, {"digits", K::Digits, true, {}, {}, LineErr::InvalAddress, "the digits"}};
inline constexpr P kCallOnly[] = {kCall};
inline constexpr P kPark[] = {
    kCall,
    {"mode", K::Mode, false, kParkModes, "LINEPARKMODE_", LineErr::InvalParkMode,
     "DIRECTED (into `orbit`) or NONDIRECTED (the switch picks); default: DIRECTED with an orbit"},
    {"orbit", K::Text, false, {}, {}, LineErr::InvalParkId, "the orbit of a directed park"}};
inline constexpr P kUnpark[] = {kLine, {"orbit", K::Text, true, {}, {}, LineErr::InvalParkId, "the orbit"}};
inline constexpr P kPickup[] = {
    kLine,
    {"to", K::Address, false, {}, {}, LineErr::InvalAddress, "directed pickup: the ringing extension"},
    {"group", K::Text, false, {}, {}, LineErr::InvalGroupId, "group pickup: the group (none: all the picker's groups)",
     "to"}};
inline constexpr P kForward[] = {
    kLine, {"forwarding", K::Forwarding, true, {}, {}, LineErr::InvalParam, "the new list of rules ([] cancels)"},
    kParams};
inline constexpr P kSwapHold[] = {kCall, {"held", K::Call, true, {}, {}, LineErr::InvalCallHandle, "the held call"}};
inline constexpr P kCallTo[] = {kCall,
                                {"to", K::Address, false, {}, {}, LineErr::InvalAddress,
                                 "the number to dial on the new call (none: it waits in DIALTONE)"},
                                kParams};
inline constexpr P kCallToRequired[] = {kCall, {"to", K::Address, true, {}, {}, LineErr::InvalAddress, "the number"}};
inline constexpr P kCompleteTransfer[] = {
    kCall,
    {"consult", K::Call, true, {}, {}, LineErr::InvalConsultCallHandle, "the consultation call"},
    {"mode", K::Mode, false, kTransferModes, "LINETRANSFERMODE_", LineErr::InvalTransferMode,
     "TRANSFER (default) or CONFERENCE"}};
inline constexpr P kPrepareAdd[] = {
    {"conference", K::Call, true, {}, {}, LineErr::InvalConfCallHandle, "the conference call"},
    {"to", K::Address, false, {}, {}, LineErr::InvalAddress, "the number to dial on the new consultation call"},
    kParams};
inline constexpr P kAddToConference[] = {
    {"conference", K::Call, true, {}, {}, LineErr::InvalConfCallHandle, "the conference call"},
    {"consult", K::Call, true, {}, {}, LineErr::InvalConsultCallHandle, "the call to add"}};
inline constexpr P kCompleteCall[] = {
    kCall, {"mode", K::Mode, true, kCompletionModes, "LINECALLCOMPLMODE_", LineErr::InvalCallComplMode,
            "CAMPON, CALLBACK, INTRUDE or MESSAGE"}};
inline constexpr P kUncompleteCall[] = {
    kLine, {"completion", K::Integer, true, {}, {}, LineErr::InvalCompletionId, "the id complete_call returned"}};
inline constexpr P kHandoff[] = {
    kCall, {"to", K::Text, true, {}, {}, LineErr::TargetNotFound, "the controller (a client's name) to hand the call to"}};
inline constexpr P kTranslate[] = {
    {"address", K::Text, true, {}, {}, LineErr::InvalAddress, "a canonical (+1 (425) 555-0100) or dialable address"}};

// Media operations (media.hpp).
inline constexpr std::array<std::string_view, 2> kGenerateDigitModes{"DTMF", "PULSE"};
inline constexpr std::array<std::string_view, 3> kMonitorDigitModes{"DTMF", "DTMFEND", "PULSE"};
inline constexpr std::array<std::string_view, 5> kToneModes{"BEEP", "BILLING", "BUSY", "RINGBACK", "CUSTOM"};
inline constexpr std::array<std::string_view, 4> kTreatments{"SILENCE", "RINGBACK", "BUSY", "MUSIC"};
inline constexpr std::array<std::string_view, 15> kMediaModes{
    "UNKNOWN", "INTERACTIVEVOICE", "AUTOMATEDVOICE", "DATAMODEM", "G3FAX", "TDD", "G4FAX", "DIGITALDATA",
    "TELETEX", "VIDEOTEX", "TELEX", "MIXED", "ADSI", "VOICEVIEW", "VIDEO"};
inline constexpr std::array<std::string_view, 8> kBearerModes{
    "VOICE", "SPEECH", "MULTIUSE", "DATA", "ALTSPEECHDATA", "NONCALLSIGNALING", "PASSTHROUGH", "RESTRICTEDDATA"};
inline constexpr P kGenerateDigits[] = {
    kCall,
    {"digits", K::Digits, false, {}, {}, LineErr::InvalDigits,
     "0-9 * # A B C D (none or \"\": cancel the generation under way)"},
    {"mode", K::Mode, false, kGenerateDigitModes, "LINEDIGITMODE_", LineErr::InvalDigitMode, "DTMF (default) or PULSE"},
    {"duration", K::Time, false, {}, {}, LineErr::InvalParam,
     "DTMF: each digit's tone and the gap after it (default: the call's dial params, else the switch's digit_time)"}};
inline constexpr P kGenerateTone[] = {
    kCall,
    {"tone", K::Mode, false, kToneModes, "LINETONEMODE_", LineErr::InvalToneMode,
     "the tone (none: cancel the generation under way)"},
    {"duration", K::Time, false, {}, {}, LineErr::InvalParam, "how long (default: the tone's own length)"},
    {"tones", K::Tones, false, {}, {}, LineErr::InvalToneList,
     "CUSTOM: up to 3 of {frequency, on, off, volume} (LINEGENERATETONE)"}};
inline constexpr P kMonitorDigits[] = {
    kCall, {"modes", K::Modes, true, kMonitorDigitModes, "LINEDIGITMODE_", LineErr::InvalDigitMode,
            "the digit modes to report ([]: stop)"}};
inline constexpr P kGatherDigits[] = {
    kCall,
    {"modes", K::Modes, false, kGenerateDigitModes, "LINEDIGITMODE_", LineErr::InvalDigitMode, "DTMF (default), PULSE"},
    {"max", K::Integer, false, {}, {}, LineErr::InvalParam,
     "the buffer's size, 1-255 (none: cancel the gather under way)"},
    {"terminators", K::Digits, false, {}, {}, LineErr::InvalDigits, "digits that end the gather (kept in the buffer)"},
    {"first_timeout", K::Time, false, {}, {}, LineErr::InvalTimeout, "no first digit this long: FIRSTTIMEOUT (none: no limit)"},
    {"inter_timeout", K::Time, false, {}, {}, LineErr::InvalTimeout, "no next digit this long: INTERTIMEOUT (none: no limit)"}};
inline constexpr P kMonitorTones[] = {
    kCall, {"tones", K::Tones, true, {}, {}, LineErr::InvalToneList,
            "[{frequencies: [f1, f2, f3], duration, app_specific}] (LINEMONITORTONE; []: stop)"}};
inline constexpr P kMonitorMedia[] = {
    kCall, {"modes", K::Modes, true, kMediaModes, "LINEMEDIAMODE_", LineErr::InvalMediaMode,
            "the media modes to report ([]: stop)"}};
inline constexpr P kSetMediaMode[] = {
    kCall, {"modes", K::Modes, true, kMediaModes, "LINEMEDIAMODE_", LineErr::InvalMediaMode, "the call's media modes"}};
inline constexpr P kSetMediaControl[] = {
    kCall,
    {"digits", K::Controls, false, {}, {}, LineErr::InvalDigitList, "[{digit, modes, action}]"},
    {"media", K::Controls, false, {}, {}, LineErr::InvalMediaList, "[{modes, action}]"},
    {"tones", K::Controls, false, {}, {}, LineErr::InvalToneList, "[{frequencies, duration, action}]"},
    {"states", K::Controls, false, {}, {}, LineErr::InvalParam, "[{states, action}]"}};
inline constexpr P kSendUserUserInfo[] = {
    kCall, {"info", K::Text, true, {}, {}, LineErr::InvalParam, "the user-user information (at most 128 bytes)"}};
inline constexpr P kSetCallData[] = {
    kCall, {"data", K::Text, true, {}, {}, LineErr::InvalParam, "the call data (at most 4096 bytes; \"\" clears)"}};
inline constexpr P kSetCallTreatment[] = {
    kCall, {"treatment", K::Mode, true, kTreatments, "LINECALLTREATMENT_", LineErr::InvalParam,
            "what the caller hears while unanswered, held or queued"}};
inline constexpr P kSetCallQos[] = {
    kCall, {"sending", K::Text, false, {}, {}, LineErr::InvalParam, "the sending FLOWSPEC, as the application gives it"},
    {"receiving", K::Text, false, {}, {}, LineErr::InvalParam, "the receiving FLOWSPEC"}};
inline constexpr P kSetCallParams[] = {
    kCall,
    {"bearer_mode", K::Mode, false, kBearerModes, "LINEBEARERMODE_", LineErr::InvalBearerMode, "the new bearer mode"},
    {"min_rate", K::Integer, false, {}, {}, LineErr::InvalRate, "bps"},
    {"max_rate", K::Integer, false, {}, {}, LineErr::InvalRate, "bps"},
    {"dial_params", K::DialParams, false, {}, {}, LineErr::InvalDialParams,
     "{dial_pause, dial_speed, digit_duration, wait_for_dialtone} (LINEDIALPARAMS)"}};

// Agent operations (acd.hpp).
inline constexpr std::array<std::string_view, 4> kAgentStates{"LOGGEDOFF", "NOTREADY", "READY", "WORKINGAFTERCALL"};
inline constexpr P kSetAgentState[] = {
    kLine,
    {"state", K::Mode, false, kAgentStates, "LINEAGENTSTATE_", LineErr::InvalAgentState,
     "the agent's state now (none: unchanged; on a queue call it becomes the next state)"},
    {"next_state", K::Mode, false, kAgentStates, "LINEAGENTSTATE_", LineErr::InvalAgentState,
     "the state the agent takes when its queue call and wrap-up end (none: unchanged)"}};
inline constexpr P kSetAgentActivity[] = {
    kLine, {"activity", K::Integer, true, {}, {}, LineErr::InvalAgentActivity, "the activity's id (acd.activities; 0: none)"}};
inline constexpr P kSetAgentGroup[] = {
    kLine, {"groups", K::Names, true, {}, {}, LineErr::InvalAgentGroup,
            "the queues the agent is logged into, of those it may serve ([]: none)"}};

using I = CallInput;
namespace f = feature;
inline constexpr OpInfo kOps[kOpCount] = {
    {Op::MakeCall, "make_call", "lineMakeCall", std::nullopt, 0, Subject::Line, Creates::Call, kMakeCall,
     "a new call on the line, dialling `to`"},
    {Op::Dial, "dial", "lineDial", I::Dial, f::kDial, Subject::Call, Creates::Nothing, kDial,
     "a dialable string for the call: its number while in DIALTONE or DIALING, digits to the far end once it is complete (PROCEEDING, RINGBACK, CONNECTED)"},
    {Op::Accept, "accept", "lineAccept", I::Accept, f::kAccept, Subject::Call, Creates::Nothing, kCallOnly,
     "an offered call goes ACCEPTED"},
    {Op::Answer, "answer", "lineAnswer", I::Answer, f::kAnswer, Subject::Call, Creates::Nothing, kCallOnly,
     "answer an offered or accepted call (the line's active call goes as `answer_mode` says)"},
    {Op::Drop, "drop", "lineDrop", I::Drop, f::kDrop, Subject::Call, Creates::Nothing, kCallOnly,
     "hang up (an offered call: reject it; a conference call: see `confdrop`)"},
    {Op::Deallocate, "deallocate", "lineDeallocateCall", I::Deallocate, 0, Subject::Call, Creates::Nothing,
     kCallOnly, "release an IDLE call's handle (it is gone afterwards)"},
    {Op::Hold, "hold", "lineHold", I::Hold, f::kHold, Subject::Call, Creates::Nothing, kCallOnly,
     "put a connected call on hold"},
    {Op::Unhold, "unhold", "lineUnhold", I::Unhold, f::kUnhold, Subject::Call, Creates::Nothing, kCallOnly,
     "take a held call back (a pending original: its consultation call is dropped)"},
    {Op::Park, "park", "linePark", I::Park, f::kPark, Subject::Call, Creates::Nothing, kPark,
     "park a connected call in an orbit; NONDIRECTED returns the orbit"},
    {Op::Unpark, "unpark", "lineUnpark", std::nullopt, 0, Subject::Line, Creates::Call, kUnpark,
     "a new call, CONNECTED to the party parked in `orbit`"},
    {Op::Pickup, "pickup", "linePickup", std::nullopt, 0, Subject::Line, Creates::Call, kPickup,
     "take a call ringing elsewhere: a new call, CONNECTED"},
    {Op::Forward, "forward", "lineForward", std::nullopt, 0, Subject::Line, Creates::Nothing, kForward,
     "replace the line's forwarding rules"},
    {Op::SwapHold, "swap_hold", "lineSwapHold", I::SwapHold, f::kSwapHold, Subject::Call, Creates::Nothing,
     kSwapHold, "the active call goes on hold, the held one comes back"},
    {Op::SetupTransfer, "setup_transfer", "lineSetupTransfer", I::SetupTransfer, f::kSetupTransfer,
     Subject::Call, Creates::Consult, kCallTo, "hold the call for a transfer and make a consultation call"},
    {Op::CompleteTransfer, "complete_transfer", "lineCompleteTransfer", I::CompleteTransfer, f::kCompleteTransf,
     Subject::Call, Creates::ConferenceOnConference, kCompleteTransfer,
     "connect the two far parties (TRANSFER) or join them in a conference (CONFERENCE)"},
    {Op::BlindTransfer, "blind_transfer", "lineBlindTransfer", I::BlindTransfer, f::kBlindTransfer, Subject::Call,
     Creates::Nothing, kCallToRequired, "offer the far party to `to` and leave"},
    {Op::SetupConference, "setup_conference", "lineSetupConference", I::SetupConference, f::kSetupConf,
     Subject::Call, Creates::ConferenceAndConsult, kCallTo,
     "a conference call with this call in it, and a consultation call for the next party"},
    {Op::PrepareAddToConference, "prepare_add_to_conference", "linePrepareAddToConference", I::PrepareAddConf,
     f::kPrepareAddConf, Subject::Conference, Creates::Consult, kPrepareAdd,
     "hold the conference and make a consultation call for another party"},
    {Op::AddToConference, "add_to_conference", "lineAddToConference", I::AddToConference, f::kAddToConf,
     Subject::Conference, Creates::Nothing, kAddToConference, "the consultation call joins the conference"},
    {Op::RemoveFromConference, "remove_from_conference", "lineRemoveFromConference", I::RemoveFromConf,
     f::kRemoveFromConf, Subject::Call, Creates::Nothing, kCallOnly, "a party leaves the conference"},
    {Op::Redirect, "redirect", "lineRedirect", I::Redirect, f::kRedirect, Subject::Call, Creates::Nothing,
     kCallToRequired, "send an OFFERING call on to `to` (reason REDIRECT)"},
    {Op::SecureCall, "secure_call", "lineSecureCall", I::SecureCall, f::kSecureCall, Subject::Call,
     Creates::Nothing, kCallOnly, "no call waiting, intrusion or camp-on on this call"},
    {Op::CompleteCall, "complete_call", "lineCompleteCall", I::CompleteCall, f::kCompleteCall, Subject::Call,
     Creates::Completion, kCompleteCall, "a BUSY or RINGBACK call goes IDLE; the switch completes it later"},
    {Op::UncompleteCall, "uncomplete_call", "lineUncompleteCall", std::nullopt, 0, Subject::Line,
     Creates::Nothing, kUncompleteCall, "cancel a pending call completion"},
    {Op::Handoff, "handoff", "lineHandoff", I::Drop, 0, Subject::Call, Creates::Nothing, kHandoff,
     "give the call to another controller"},
    {Op::TranslateAddress, "translate_address", "lineTranslateAddress", std::nullopt, 0, Subject::Nothing,
     Creates::Nothing, kTranslate, "the dialable form of an address, by the scenario's dialing rules"},
    {Op::GenerateDigits, "generate_digits", "lineGenerateDigits", I::GenerateDigits, f::kGenerateDigits,
     Subject::Call, Creates::Nothing, kGenerateDigits,
     "send digits in-band to the far party (DTMF or pulse); LINE_GENERATE when done"},
    {Op::GenerateTone, "generate_tone", "lineGenerateTone", I::GenerateTone, f::kGenerateTone, Subject::Call,
     Creates::Nothing, kGenerateTone, "send a tone in-band to the far party; LINE_GENERATE when done"},
    {Op::MonitorDigits, "monitor_digits", "lineMonitorDigits", I::MonitorDigits, f::kMonitorDigits,
     Subject::Call, Creates::Nothing, kMonitorDigits, "report each digit the call hears (LINE_MONITORDIGITS)"},
    {Op::GatherDigits, "gather_digits", "lineGatherDigits", I::GatherDigits, f::kGatherDigits, Subject::Call,
     Creates::Nothing, kGatherDigits,
     "collect the digits the call hears into a buffer until full, a terminator or a timeout (LINE_GATHERDIGITS)"},
    {Op::MonitorTones, "monitor_tones", "lineMonitorTones", I::MonitorTones, f::kMonitorTones, Subject::Call,
     Creates::Nothing, kMonitorTones, "report the listed tones when the call hears them (LINE_MONITORTONE)"},
    {Op::MonitorMedia, "monitor_media", "lineMonitorMedia", I::MonitorMedia, f::kMonitorMedia, Subject::Call,
     Creates::Nothing, kMonitorMedia, "report the media modes detected on the call (LINE_MONITORMEDIA)"},
    {Op::SetMediaMode, "set_media_mode", "lineSetMediaMode", I::SetMediaMode, 0, Subject::Call,
     Creates::Nothing, kSetMediaMode, "set the call's media mode (LINECALLINFO dwMediaMode)"},
    {Op::SetMediaControl, "set_media_control", "lineSetMediaControl", I::SetMediaControl, f::kSetMediaControl,
     Subject::Call, Creates::Nothing, kSetMediaControl,
     "media stream actions on digits, media modes, tones or call states"},
    {Op::SendUserUserInfo, "send_user_user_info", "lineSendUserUserInfo", I::SendUserUserInfo,
     f::kSendUserUser, Subject::Call, Creates::Nothing, kSendUserUserInfo,
     "user-user information to the far party (its LINECALLINFO UserUserInfo)"},
    {Op::ReleaseUserUserInfo, "release_user_user_info", "lineReleaseUserUserInfo", I::ReleaseUserUserInfo,
     f::kReleaseUserUserInfo, Subject::Call, Creates::Nothing, kCallOnly,
     "done with the user-user information received: the next one (if any) shows"},
    {Op::SetCallData, "set_call_data", "lineSetCallData", I::SetCallData, f::kSetCallData, Subject::Call,
     Creates::Nothing, kSetCallData, "attach data to the call, seen by every party of it (LINECALLINFO CallData)"},
    {Op::SetCallTreatment, "set_call_treatment", "lineSetCallTreatment", I::SetCallTreatment, f::kSetTreatment,
     Subject::Call, Creates::Nothing, kSetCallTreatment, "what the far party hears while unanswered, held or queued"},
    {Op::SetCallQualityOfService, "set_call_quality_of_service", "lineSetCallQualityOfService", I::SetCallQos,
     f::kSetQos, Subject::Call, Creates::Nothing, kSetCallQos, "the call's sending and receiving FLOWSPECs"},
    {Op::SetCallParams, "set_call_params", "lineSetCallParams", I::SetCallParams, f::kSetCallParams,
     Subject::Call, Creates::Nothing, kSetCallParams, "change the call's bearer mode, rate or dial params"},
    {Op::SetAgentState, "set_agent_state", "lineSetAgentState", std::nullopt, 0, Subject::Line, Creates::Nothing,
     kSetAgentState, "an ACD agent's state (READY takes queue calls) and next state"},
    {Op::SetAgentActivity, "set_agent_activity", "lineSetAgentActivity", std::nullopt, 0, Subject::Line,
     Creates::Nothing, kSetAgentActivity, "what an ACD agent is doing (an id of `acd.activities`)"},
    {Op::SetAgentGroup, "set_agent_group", "lineSetAgentGroup", std::nullopt, 0, Subject::Line, Creates::Nothing,
     kSetAgentGroup, "the queues an ACD agent is logged into"},
};

constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < kOpCount; ++i)
    if (static_cast<std::size_t>(kOps[i].op) != i) return false;
  return true;
}
static_assert(rows_in_enum_order(), "catalogue rows must follow the order of Op");

}  // namespace catalogue_detail

/// Every operation, in `Op` order.
constexpr std::span<const OpInfo> operations() { return catalogue_detail::kOps; }
constexpr const OpInfo& info(Op op) { return catalogue_detail::kOps[static_cast<std::size_t>(op)]; }
constexpr std::string_view to_string(Op op) { return info(op).name; }
/// The LINECALLFEATURE bits of the media operations (is_media_op): allowed in most states, so
/// tests and expectations about call control leave them out unless they name one.
constexpr std::uint32_t media_features() {
  std::uint32_t bits = 0;
  for (const OpInfo& o : catalogue_detail::kOps)
    if (is_media_op(o.op)) bits |= o.feature;
  return bits;
}
/// The row named `name` (scenario/wire spelling), or nullptr.
constexpr const OpInfo* find_operation(std::string_view name) {
  for (const OpInfo& o : catalogue_detail::kOps)
    if (o.name == name) return &o;
  return nullptr;
}
/// The parameter `name` of `op`, or nullptr.
constexpr const ParamInfo* find_param(const OpInfo& op, std::string_view name) {
  for (const ParamInfo& p : op.params)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace telsim
