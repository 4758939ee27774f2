#pragma once
/// The wire schema of `telsim serve` (docs/protocol.md): the protocol version, the ops' names,
/// the events' names and fields, the enumerated values as the wire spells them, and the
/// encoding of a forwarding rule. One vocabulary for the server, `telsim client`, the
/// cross-built TSP and tapi32.dll; tests/server/wire_schema_test.cpp holds it against the
/// catalogue and the frames the server makes.
///
/// The TAPI operations are the catalogue's (models/catalogue.hpp: `to_string(Op)`, their
/// parameters); the TAPI names and values are tapi_names.hpp's. This header adds what the wire
/// has besides: the session ops, the events and the JSON field names.
///
/// Needs only the standard library, nlohmann-json and those two standard-library-only models
/// headers: the cross build sees nothing else of the project (tsp-shim/cross/CMakeLists.txt
/// links these headers alone into its include path), so include nothing more here. Constants and
/// tiny inline functions only; no server logic.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "telsim/models/catalogue.hpp"
#include "telsim/models/tapi_names.hpp"

namespace telsim::wire::schema {

/// The protocol version this schema describes (`hello`'s `version`/`versions`, its reply's
/// `protocol`).
inline constexpr int kProtocolVersion = 1;

/// The ops besides the catalogue's TAPI operations (whose names are `to_string(Op)`).
namespace op {
inline constexpr char kHello[] = "hello";
inline constexpr char kAuth[] = "auth";
inline constexpr char kPing[] = "ping";
inline constexpr char kListLines[] = "list_lines";
inline constexpr char kOpen[] = "open";
inline constexpr char kClose[] = "close";
inline constexpr char kMonitor[] = "monitor";
inline constexpr char kUnmonitor[] = "unmonitor";
inline constexpr char kCallStatus[] = "call_status";
inline constexpr char kCallInfo[] = "call_info";
inline constexpr char kLineStatus[] = "line_status";
inline constexpr char kAddressStatus[] = "address_status";
inline constexpr char kRegisterApp[] = "register_app";
inline constexpr char kSetPrivilege[] = "set_privilege";
inline constexpr char kInject[] = "inject";
inline constexpr char kModemConfig[] = "modem_config";
inline constexpr char kModemPassthrough[] = "modem_passthrough";
inline constexpr char kPstnCall[] = "pstn_call";
// the ACD's queries (lineGetAgentCaps, lineGetAgentStatus, lineGetAgentActivityList,
// lineGetQueueList / lineGetGroupList, lineGetQueueInfo)
inline constexpr char kAgentCaps[] = "agent_caps";
inline constexpr char kAgentStatus[] = "agent_status";
inline constexpr char kAgentActivities[] = "agent_activities";
inline constexpr char kQueueList[] = "queue_list";
inline constexpr char kQueueInfo[] = "queue_info";
}  // namespace op
inline constexpr std::array<std::string_view, 23> kSessionOps = {
    op::kHello,      op::kAuth,          op::kPing,        op::kListLines,    op::kOpen,
    op::kClose,      op::kMonitor,       op::kUnmonitor,   op::kCallStatus,   op::kCallInfo,
    op::kLineStatus, op::kAddressStatus, op::kRegisterApp, op::kSetPrivilege, op::kInject,
    op::kModemConfig, op::kModemPassthrough, op::kPstnCall, op::kAgentCaps,  op::kAgentStatus,
    op::kAgentActivities, op::kQueueList, op::kQueueInfo};

/// Whether the server knows an op of this name: a session op or a catalogue operation.
constexpr bool is_op(std::string_view name) {
  for (std::string_view s : kSessionOps)
    if (s == name) return true;
  return find_operation(name) != nullptr;
}

/// The events the server pushes (frames with `event` instead of `id`).
namespace event {
inline constexpr char kNewCall[] = "new_call";
inline constexpr char kCallState[] = "call_state";
inline constexpr char kCallInfo[] = "call_info";
inline constexpr char kAddressState[] = "address_state";
inline constexpr char kLineState[] = "line_state";
inline constexpr char kModemState[] = "modem_state";
inline constexpr char kCallPrivilege[] = "call_privilege";
inline constexpr char kShutdown[] = "shutdown";
// digits, tones and media (LINE_GENERATE, LINE_MONITORDIGITS, LINE_GATHERDIGITS, LINE_MONITORTONE,
// LINE_MONITORMEDIA; media_control has no TAPI message: the provider acts on its stream)
inline constexpr char kGenerate[] = "generate";
inline constexpr char kMonitorDigits[] = "monitor_digits";
inline constexpr char kGatherDigits[] = "gather_digits";
inline constexpr char kMonitorTone[] = "monitor_tone";
inline constexpr char kMonitorMedia[] = "monitor_media";
inline constexpr char kMediaControl[] = "media_control";
// the ACD (LINE_AGENTSTATUS, LINE_QUEUESTATUS)
inline constexpr char kAgentStatus[] = "agent_status";
inline constexpr char kQueueStatus[] = "queue_status";
}  // namespace event

/// Field names: of frames, requests (the catalogue's parameters are among them), replies and
/// events.
namespace field {
// every frame
inline constexpr char kId[] = "id";
inline constexpr char kOp[] = "op";
inline constexpr char kEvent[] = "event";
inline constexpr char kOk[] = "ok";
inline constexpr char kError[] = "error";
inline constexpr char kMessage[] = "message";
inline constexpr char kTime[] = "t";
// hello and auth
inline constexpr char kVersion[] = "version";
inline constexpr char kVersions[] = "versions";
inline constexpr char kName[] = "name";
inline constexpr char kToken[] = "token";
inline constexpr char kProtocol[] = "protocol";
inline constexpr char kServer[] = "server";
inline constexpr char kScenario[] = "scenario";
inline constexpr char kSpeed[] = "speed";
inline constexpr char kAuthRequired[] = "auth_required";
inline constexpr char kPbx[] = "pbx";
// hello's `pbx`: the switch's options
inline constexpr char kAutoreconnect[] = "autoreconnect";
inline constexpr char kConfdrop[] = "confdrop";
inline constexpr char kConferenceMax[] = "conference_max";
inline constexpr char kMaxCallsPerLine[] = "max_calls_per_line";
inline constexpr char kAnswerMode[] = "answer_mode";
inline constexpr char kPark[] = "park";
inline constexpr char kPickup[] = "pickup";
// list_lines
inline constexpr char kLines[] = "lines";
inline constexpr char kTrunks[] = "trunks";
inline constexpr char kKind[] = "kind";
inline constexpr char kBehavior[] = "behavior";
inline constexpr char kChannels[] = "channels";
// pstn_call
inline constexpr char kTrunk[] = "trunk";
inline constexpr char kHolding[] = "holding";
inline constexpr char kChannel[] = "channel";
// operations' parameters and replies (the catalogue's parameter names)
inline constexpr char kLine[] = "line";
inline constexpr char kCall[] = "call";
inline constexpr char kConsult[] = "consult";
inline constexpr char kConference[] = "conference";
inline constexpr char kHeld[] = "held";
inline constexpr char kTo[] = "to";
inline constexpr char kDigits[] = "digits";
inline constexpr char kMode[] = "mode";
inline constexpr char kOrbit[] = "orbit";
inline constexpr char kGroup[] = "group";
inline constexpr char kForwarding[] = "forwarding";
inline constexpr char kCompletion[] = "completion";
inline constexpr char kAddress[] = "address";
inline constexpr char kDialable[] = "dialable";
// the media operations' parameters (models/media.hpp)
inline constexpr char kModes[] = "modes";            ///< LINEDIGITMODE or LINEMEDIAMODE names (a list)
inline constexpr char kDuration[] = "duration";      ///< milliseconds, or a duration ("250ms")
inline constexpr char kTone[] = "tone";              ///< LINETONEMODE name
inline constexpr char kTones[] = "tones";            ///< generated ({frequency, on, off, volume}) or monitored ({frequencies, duration, app_specific})
inline constexpr char kFrequency[] = "frequency";
inline constexpr char kFrequencies[] = "frequencies";
inline constexpr char kMax[] = "max";
inline constexpr char kTerminators[] = "terminators";
inline constexpr char kFirstTimeout[] = "first_timeout";
inline constexpr char kInterTimeout[] = "inter_timeout";
inline constexpr char kMedia[] = "media";            ///< set_media_control's media triggers; hello's pbx.media
inline constexpr char kStates[] = "states";          ///< set_media_control's call-state triggers
inline constexpr char kInfo[] = "info";
inline constexpr char kData[] = "data";
inline constexpr char kTreatment[] = "treatment";    ///< LINECALLTREATMENT name
inline constexpr char kSending[] = "sending";
inline constexpr char kReceiving[] = "receiving";
inline constexpr char kMinRate[] = "min_rate";
inline constexpr char kMaxRate[] = "max_rate";
inline constexpr char kDialParams[] = "dial_params"; ///< {dial_pause, dial_speed, digit_duration, wait_for_dialtone}
// the ACD: agent operations' parameters, queries' replies and events
inline constexpr char kNextState[] = "next_state";    ///< LINEAGENTSTATE name (null: none)
inline constexpr char kActivity[] = "activity";       ///< set_agent_activity: an id; agent_status: {id, name}
inline constexpr char kGroups[] = "groups";           ///< queue names (set_agent_group), [{id, name}] (replies)
inline constexpr char kAgent[] = "agent";             ///< an agent's id
inline constexpr char kQueue[] = "queue";             ///< a queue's name (new_call: the queue a call came from)
inline constexpr char kAcd[] = "acd";                 ///< hello's pbx.acd: {queues, agents} or null, ms
// the media events
inline constexpr char kTermination[] = "termination";  ///< LINEGENERATETERM or LINEGATHERTERM name
inline constexpr char kWhat[] = "what";                ///< generate: `digits` or `tone`
inline constexpr char kDigit[] = "digit";
inline constexpr char kAppSpecific[] = "app_specific";
inline constexpr char kAction[] = "action";            ///< LINEMEDIACONTROL name
inline constexpr char kTrigger[] = "trigger";
// call_info's and call_status' media values
inline constexpr char kCallData[] = "call_data";
inline constexpr char kQos[] = "qos";                  ///< {sending, receiving}
inline constexpr char kRate[] = "rate";
inline constexpr char kMonitorDigitModes[] = "monitor_digit_modes";
inline constexpr char kMonitorMediaModes[] = "monitor_media_modes";
// calls: events and call_status
inline constexpr char kState[] = "state";
inline constexpr char kModeName[] = "mode_name";
inline constexpr char kBusyMode[] = "busy_mode";  ///< BUSY: `STATION` or `TRUNK` (LINEBUSYMODE)
inline constexpr char kReason[] = "reason";
inline constexpr char kFeatures[] = "features";
inline constexpr char kFeatureNames[] = "feature_names";
inline constexpr char kDirection[] = "direction";
inline constexpr char kFrom[] = "from";
inline constexpr char kConnected[] = "connected";
inline constexpr char kOriginalTo[] = "original_to";
inline constexpr char kRedirection[] = "redirection";  ///< LINECALLINFO RedirectionID: where the call went
inline constexpr char kRedirecting[] = "redirecting";  ///< LINECALLINFO RedirectingID: who moved it last
inline constexpr char kOwner[] = "owner";
inline constexpr char kChanged[] = "changed";
inline constexpr char kParkOrbit[] = "park_orbit";
inline constexpr char kSecure[] = "secure";
inline constexpr char kRelated[] = "related";
inline constexpr char kConsultOf[] = "consult_of";
inline constexpr char kCreated[] = "created";
/// new_call, call_status: LINECALLPARAMFLAGS_BLOCKID hid the caller's number (`from` is "";
/// LINECALLINFO dwCallerIDFlags LINECALLPARTYID_BLOCKED)
inline constexpr char kCallerBlocked[] = "caller_blocked";
/// make_call, setup_transfer, setup_conference, prepare_add_to_conference, forward: LINECALLPARAMS;
/// new_call, call_status: what the call carries of them (the fields below that are set)
inline constexpr char kParams[] = "params";
// LINECALLPARAMS' fields in `params` (telsim.tsp writes them from an LPLINECALLPARAMS)
inline constexpr char kNoAnswerTimeout[] = "no_answer_timeout";  ///< a duration ("20s"); "0" the switch's
inline constexpr char kFlags[] = "flags";                  ///< LINECALLPARAMFLAGS names
inline constexpr char kAddressMode[] = "address_mode";     ///< ADDRESSID or DIALABLEADDR
inline constexpr char kAddressId[] = "address_id";         ///< an integer
inline constexpr char kOrigAddress[] = "orig_address";
inline constexpr char kBearerMode[] = "bearer_mode";       ///< one LINEBEARERMODE name
inline constexpr char kCallMediaMode[] = "media_mode";     ///< LINEMEDIAMODE names (a list)
inline constexpr char kCallingPartyId[] = "calling_party_id";
inline constexpr char kDisplayText[] = "display_text";
inline constexpr char kUserUserInfo[] = "user_user_info";
inline constexpr char kPredictiveAutoTransferStates[] = "predictive_auto_transfer_states";  ///< LINECALLSTATE names
inline constexpr char kTargetAddress[] = "target_address";
// lines: events and line_status
inline constexpr char kCalls[] = "calls";
inline constexpr char kNumActiveCalls[] = "num_active_calls";
inline constexpr char kNumOnholdCalls[] = "num_onhold_calls";
inline constexpr char kNumOnholdPendCalls[] = "num_onhold_pend_calls";
inline constexpr char kMessagesWaiting[] = "messages_waiting";
inline constexpr char kCallWaiting[] = "call_waiting";
inline constexpr char kController[] = "controller";
inline constexpr char kMonitors[] = "monitors";
inline constexpr char kOpens[] = "opens";
inline constexpr char kClient[] = "client";
// several clients on one line (open, new_call, call_privilege, set_privilege, handoff, register_app)
inline constexpr char kPrivilege[] = "privilege";
inline constexpr char kMediaModes[] = "media_modes";
inline constexpr char kMediaMode[] = "media_mode";
inline constexpr char kRank[] = "rank";
inline constexpr char kApp[] = "app";
inline constexpr char kApps[] = "apps";
// modems
inline constexpr char kModem[] = "modem";
inline constexpr char kDcd[] = "dcd";
inline constexpr char kDtr[] = "dtr";
inline constexpr char kPty[] = "pty";        ///< list_lines: the link to a modem's pseudo-terminal
inline constexpr char kTtyDevice[] = "device";  ///< list_lines: that pseudo-terminal (/dev/pts/N)
// modem_config: `set` (any of the fields below), the reply (all of them, and `speed`, `max_speed`)
inline constexpr char kSet[] = "set";
inline constexpr char kMaxSpeed[] = "max_speed";      ///< the fastest line rate it trains to now
inline constexpr char kDteRate[] = "dte_rate";        ///< the terminal's rate (DCB BaudRate); 0 none
inline constexpr char kSpeaker[] = "speaker";         ///< M0-M3 (MODEMSETTINGS dwSpeakerMode)
inline constexpr char kVolume[] = "volume";           ///< L0-L3 (dwSpeakerVolume)
inline constexpr char kBlindDial[] = "blind_dial";    ///< X3, not X4 (MDM_BLIND_DIAL)
inline constexpr char kFlowControl[] = "flow_control";  ///< &K0, &K3 or &K4 (MDM_FLOWCONTROL_HARD/SOFT)
inline constexpr char kCallSetupTimeout[] = "call_setup_timeout";  ///< S7, s (dwCallSetupFailTimer)
// modem_passthrough: `on`; the reply's `passthrough`
inline constexpr char kOn[] = "on";
inline constexpr char kPassthrough[] = "passthrough";
// a forwarding rule
inline constexpr char kWhen[] = "when";
inline constexpr char kRings[] = "rings";
inline constexpr char kAfter[] = "after";
inline constexpr char kCallers[] = "callers";
}  // namespace field

/// An event and every field it may carry (those present only sometimes included).
struct EventSchema {
  std::string_view name;
  std::span<const std::string_view> fields;
};
namespace detail {
namespace f = field;
inline constexpr std::string_view kNewCallFields[] = {
    f::kEvent, f::kLine, f::kCall, f::kDirection, f::kFrom, f::kTo, f::kReason, f::kState,
    f::kConnected, f::kOriginalTo, f::kRedirection, f::kRedirecting, f::kOwner, f::kCompletion, f::kPrivilege,
    f::kMediaMode, f::kCallerBlocked, f::kParams, f::kQueue, f::kTime};
inline constexpr std::string_view kCallStateFields[] = {
    f::kEvent, f::kLine, f::kCall, f::kState, f::kMode, f::kModeName, f::kBusyMode, f::kReason, f::kFeatures,
    f::kConference, f::kTime};
inline constexpr std::string_view kCallInfoFields[] = {
    f::kEvent, f::kLine, f::kCall, f::kChanged, f::kFrom, f::kTo, f::kReason, f::kOriginalTo, f::kRedirection,
    f::kRedirecting, f::kCompletion, f::kConference, f::kConnected, f::kCallMediaMode, f::kUserUserInfo,
    f::kCallData, f::kTreatment, f::kQos, f::kBearerMode, f::kRate, f::kDialParams, f::kMonitorDigitModes,
    f::kMonitorMediaModes, f::kTime};
inline constexpr std::string_view kGenerateFields[] = {f::kEvent, f::kLine, f::kCall, f::kTermination, f::kWhat, f::kTime};
inline constexpr std::string_view kMonitorDigitsFields[] = {f::kEvent, f::kLine, f::kCall, f::kDigit, f::kMode, f::kTime};
inline constexpr std::string_view kGatherDigitsFields[] = {f::kEvent, f::kLine, f::kCall, f::kTermination, f::kDigits,
                                                           f::kTime};
inline constexpr std::string_view kMonitorToneFields[] = {f::kEvent, f::kLine, f::kCall, f::kAppSpecific, f::kTime};
inline constexpr std::string_view kMonitorMediaFields[] = {f::kEvent, f::kLine, f::kCall, f::kMediaMode, f::kTime};
inline constexpr std::string_view kMediaControlFields[] = {f::kEvent, f::kLine, f::kCall, f::kAction, f::kTrigger,
                                                           f::kTime};
inline constexpr std::string_view kAddressStateFields[] = {f::kEvent, f::kLine, f::kState, f::kForwarding, f::kTime};
inline constexpr std::string_view kLineStateFields[] = {f::kEvent,           f::kLine,      f::kState, f::kController,
                                                        f::kMessagesWaiting, f::kPrivilege, f::kTime};
inline constexpr std::string_view kModemStateFields[] = {f::kEvent, f::kLine, f::kModem, f::kState,
                                                         f::kDcd, f::kDtr, f::kSpeed, f::kTime};
inline constexpr std::string_view kCallPrivilegeFields[] = {f::kEvent,     f::kLine,      f::kCall,
                                                            f::kPrivilege, f::kMediaMode, f::kTime};
inline constexpr std::string_view kShutdownFields[] = {f::kEvent, f::kReason, f::kTime};
inline constexpr std::string_view kAgentStatusFields[] = {
    f::kEvent, f::kChanged, f::kLine, f::kAgent, f::kState, f::kNextState, f::kGroups, f::kActivity,
    "valid_states", "valid_next_states", f::kTime};
inline constexpr std::string_view kQueueStatusFields[] = {f::kEvent, f::kQueue, "queue_id", f::kChanged,
                                                          "current_calls_queued", f::kTime};
}  // namespace detail
inline constexpr EventSchema kEvents[] = {
    {event::kNewCall, detail::kNewCallFields},         {event::kCallState, detail::kCallStateFields},
    {event::kCallInfo, detail::kCallInfoFields},       {event::kAddressState, detail::kAddressStateFields},
    {event::kLineState, detail::kLineStateFields},     {event::kModemState, detail::kModemStateFields},
    {event::kCallPrivilege, detail::kCallPrivilegeFields}, {event::kShutdown, detail::kShutdownFields},
    {event::kGenerate, detail::kGenerateFields},       {event::kMonitorDigits, detail::kMonitorDigitsFields},
    {event::kGatherDigits, detail::kGatherDigitsFields}, {event::kMonitorTone, detail::kMonitorToneFields},
    {event::kMonitorMedia, detail::kMonitorMediaFields}, {event::kMediaControl, detail::kMediaControlFields},
    {event::kAgentStatus, detail::kAgentStatusFields}, {event::kQueueStatus, detail::kQueueStatusFields}};

/// The schema of the event `name`, or nullptr.
constexpr const EventSchema* find_event(std::string_view name) {
  for (const EventSchema& e : kEvents)
    if (e.name == name) return &e;
  return nullptr;
}

/// Enumerated values as the wire spells them. TAPI's (states, modes, reasons, `changed`, errors)
/// are TAPI's names without their prefix, upper case, but `error`, which keeps its LINEERR_
/// prefix; the wire's own (directions, kinds, forwarding) are lower case.
namespace value {
// monitor, unmonitor: `line` for every line
inline constexpr char kAllLines[] = "*";
// new_call, call_status: `direction`
inline constexpr char kIn[] = "in";
inline constexpr char kOut[] = "out";
// list_lines: a line's `kind`
inline constexpr char kExtension[] = "extension";
inline constexpr char kModem[] = "modem";
// modem_state: `state` online (carrier up, data mode: where a TAPI call on a modem's line is
// CONNECTED); the others are in kModemStates
inline constexpr char kModemOnline[] = "online";
// hello's pbx.answer_mode (LINEANSWERMODE_NONE, _DROP, _HOLD)
inline constexpr char kAnswerNone[] = "none";
inline constexpr char kAnswerDrop[] = "drop";
inline constexpr char kAnswerHold[] = "hold";
// address_state: `state` (LINEADDRESSSTATE_FORWARD)
inline constexpr char kForward[] = "FORWARD";
// line_state: `state` (LINEDEVSTATE_OPEN, _CLOSE, _MSGWAITON, _MSGWAITOFF)
inline constexpr char kOpen[] = "OPEN";
inline constexpr char kClose[] = "CLOSE";
inline constexpr char kMsgWaitOn[] = "MSGWAITON";
inline constexpr char kMsgWaitOff[] = "MSGWAITOFF";
inline constexpr char kInService[] = "INSERVICE";
inline constexpr char kOutOfService[] = "OUTOFSERVICE";
// a forwarding rule's `when`
inline constexpr char kUnconditional[] = "unconditional";
inline constexpr char kBusy[] = "busy";
inline constexpr char kNoAnswer[] = "no_answer";
inline constexpr char kBusyNoAnswer[] = "busy_no_answer";
inline constexpr char kDoNotDisturb[] = "dnd";
// a forwarding rule's `callers`
inline constexpr char kAll[] = "all";
inline constexpr char kInternal[] = "internal";
inline constexpr char kExternal[] = "external";
// open's, new_call's, call_privilege's and set_privilege's `privilege` (LINECALLPRIVILEGE_ names;
// open may join OWNER and MONITOR with '+')
inline constexpr char kPrivilegeNone[] = "NONE";
inline constexpr char kPrivilegeMonitor[] = "MONITOR";
inline constexpr char kPrivilegeOwner[] = "OWNER";
inline constexpr char kPrivilegeOwnerMonitor[] = "OWNER+MONITOR";
}  // namespace value

inline constexpr std::array<std::string_view, 2> kDirections = {value::kIn, value::kOut};
inline constexpr std::array<std::string_view, 2> kLineKinds = {value::kExtension, value::kModem};
inline constexpr std::array<std::string_view, 3> kAnswerModes = {value::kAnswerNone, value::kAnswerDrop,
                                                                 value::kAnswerHold};
inline constexpr std::array<std::string_view, 6> kLineStates = {value::kOpen,      value::kClose,
                                                                value::kMsgWaitOn, value::kMsgWaitOff,
                                                                value::kInService, value::kOutOfService};
inline constexpr std::array<std::string_view, 5> kForwardingWhen = {
    value::kUnconditional, value::kBusy, value::kNoAnswer, value::kBusyNoAnswer, value::kDoNotDisturb};
inline constexpr std::array<std::string_view, 3> kForwardingCallers = {value::kAll, value::kInternal,
                                                                       value::kExternal};
inline constexpr std::array<std::string_view, 4> kPrivileges = {value::kPrivilegeNone, value::kPrivilegeMonitor,
                                                                value::kPrivilegeOwner, value::kPrivilegeOwnerMonitor};

/// `media_modes` (open) and `media_mode` (handoff): LINEMEDIAMODE names without their prefix
/// and their values. A call on an extension's line is INTERACTIVEVOICE, on a modem's DATAMODEM.
struct MediaMode {
  std::string_view name;
  std::uint32_t value;
};
inline constexpr MediaMode kMediaModes[] = {
    {"UNKNOWN", 0x2},        {"INTERACTIVEVOICE", 0x4}, {"AUTOMATEDVOICE", 0x8}, {"DATAMODEM", 0x10},
    {"G3FAX", 0x20},         {"TDD", 0x40},             {"G4FAX", 0x80},          {"DIGITALDATA", 0x100},
    {"TELETEX", 0x200},      {"VIDEOTEX", 0x400},       {"TELEX", 0x800},         {"MIXED", 0x1000},
    {"ADSI", 0x2000},        {"VOICEVIEW", 0x4000},     {"VIDEO", 0x8000}};

/// The value of a media mode name, in any case, with or without LINEMEDIAMODE_; 0 when none.
constexpr std::uint32_t media_mode_value(std::string_view name) {
  constexpr std::string_view prefix = "LINEMEDIAMODE_";
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
  auto equal = [&](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (upper(a[i]) != upper(b[i])) return false;
    return true;
  };
  if (name.size() > prefix.size() && equal(name.substr(0, prefix.size()), prefix)) name.remove_prefix(prefix.size());
  for (const MediaMode& m : kMediaModes)
    if (equal(m.name, name)) return m.value;
  return 0;
}
/// The name of one media mode bit; empty when it is not one.
constexpr std::string_view media_mode_name(std::uint32_t value) {
  for (const MediaMode& m : kMediaModes)
    if (m.value == value) return m.name;
  return {};
}
/// modem_state's `state`.
inline constexpr std::array<std::string_view, 6> kModemStates = {"idle",   "off_hook", "dialing",
                                                                 "answering", "online", "online_command"};

/// `state`: every LINECALLSTATE (tapi_names::kCallState). `mode_name` and `reason`: the
/// LINEDISCONNECTMODE and LINECALLREASON names the simulator uses (`mode` is the
/// LINEDISCONNECTMODE value, 0 when none).
inline constexpr std::array<std::string_view, 18> kDisconnectModes = {
    "NORMAL",      "UNKNOWN",    "REJECT",       "PICKUP",  "FORWARDED",  "BUSY",       "NOANSWER",
    "BADADDRESS",  "UNREACHABLE", "CONGESTION", "INCOMPATIBLE", "UNAVAIL", "NODIALTONE", "OUTOFORDER",
    "TEMPFAILURE", "BLOCKED",    "DONOTDISTURB", "CANCELLED"};
inline constexpr std::array<std::string_view, 13> kCallReasons = {
    "DIRECT",   "FWDBUSY",  "FWDNOANSWER", "FWDUNCOND", "PICKUP", "UNPARK",  "REDIRECT",
    "CALLCOMPLETION", "TRANSFER", "REMINDER", "INTRUDE", "PARKED", "CAMPEDON"};
/// call_info's `changed`: LINECALLINFOSTATE names.
inline constexpr std::array<std::string_view, 17> kCallInfoChanges = {
    "CALLERID",   "CALLEDID",   "REDIRECTIONID", "REDIRECTINGID", "REASON",     "COMPLETIONID",
    "RELATEDCALLID", "CONNECTEDID", "MEDIAMODE",  "USERUSERINFO",  "CALLDATA",   "TREATMENT",
    "QOS",        "BEARERMODE", "RATE",          "DIALPARAMS",    "MONITORMODES"};
/// `error`: LINEERR_ names with the prefix ("LINEERR_INVALCALLSTATE"), tapi_names::kLineErr's.
inline constexpr std::string_view kErrorPrefix = "LINEERR_";

/// Every LINECALLFEATURE bit `features` may hold: those of the catalogue's operations.
constexpr std::uint32_t call_features() {
  std::uint32_t bits = 0;
  for (const OpInfo& o : operations()) bits |= o.feature;
  return bits;
}

/// The value of the mode parameter `param` of `op` for a TAPI constant: LINEPARKMODE_DIRECTED
/// gives "DIRECTED". Empty when TAPI has no such constant in the parameter's family or the
/// operation does not take it. These canonical values are the catalogue's.
constexpr std::string_view mode_value(Op op, std::string_view param, std::uint32_t tapi_value) {
  const ParamInfo* p = find_param(info(op), param);
  if (!p || p->kind != ParamKind::Mode) return {};
  const tapi_names::Family* family = tapi_names::family(p->tapi_prefix);
  if (!family) return {};
  const std::string_view name = family->name_of(tapi_value);
  for (std::string_view v : p->values)
    if (!name.empty() && v == name) return v;
  return {};
}

/// A mode value as the TSP sends it: lower case ("directed"). The server reads a mode in any
/// case, with or without its TAPI prefix (its requests are decoded by sim/request.cpp), but the
/// servers of protocol 1 before that read only lower case: lower case is what every one takes.
inline std::string mode_as_sent(std::string_view canonical) {
  std::string out(canonical);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// One forwarding rule as the wire carries it, in `forward`'s `forwarding`, in `address_state`
/// and in the replies of `open` and `line_status`.
struct ForwardingRule {
  std::string_view when = value::kUnconditional;  ///< one of kForwardingWhen
  std::string to;                                   ///< empty: none (do-not-disturb)
  std::optional<long long> rings;                   ///< no-answer: after this many rings
  std::string after;                                ///< no-answer: after this long ("12s"); empty: not given
  std::string_view callers = value::kAll;           ///< one of kForwardingCallers
};

/// {"when", "to"?, "rings"?, "after"?, "callers"?}: the optional members only when given,
/// `callers` only when not "all".
inline nlohmann::json forwarding_rule_json(const ForwardingRule& r) {
  nlohmann::json j{{field::kWhen, r.when}};
  if (!r.to.empty()) j[field::kTo] = r.to;
  if (r.rings) j[field::kRings] = *r.rings;
  if (!r.after.empty()) j[field::kAfter] = r.after;
  if (!r.callers.empty() && r.callers != value::kAll) j[field::kCallers] = r.callers;
  return j;
}

}  // namespace telsim::wire::schema
