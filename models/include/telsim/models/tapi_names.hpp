#pragma once
/// TAPI's constants by name, with the numeric values of the SDK's <tapi.h>: one table per family
/// (LINECALLSTATE_, LINEDISCONNECTMODE_, LINECALLREASON_, LINECALLFEATURE_, LINECALLINFOSTATE_,
/// LINEERR_, and the mode families of the operations' `mode` parameters), and lookups both ways.
/// A name is the constant's without its prefix ("ONHOLDPENDTRANSFER" for
/// LINECALLSTATE_ONHOLDPENDTRANSFER); parsing takes any case, with or without the prefix.
///
/// The tables list every constant of the family that <tapi.h> defines, not only those the
/// simulator uses: tapi.hpp's enums (and the wire schema's value lists) are subsets of them,
/// and the TSP names whatever TAPI returns. models/src/tapi.cpp, the server, the wire schema,
/// the cross-built TSP and tapi32.dll all read these tables.
///
/// Header-only and standard-library-only: the Windows side compiles it next to <tapi.h> (so no
/// name here may be one of the Windows headers' macros), and tests/models/tapi_names_test.cpp
/// holds every value against mingw-w64's tapi.h.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace telsim::tapi_names {

/// One constant: its name without the family's prefix, and its value.
struct Constant {
  std::string_view name;  ///< a string literal: name.data() is terminated
  std::uint32_t value;
};

/// Names compare as TAPI's do: ASCII, case-insensitive.
constexpr bool iequals(std::string_view a, std::string_view b) {
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i])) return false;
  return true;
}

/// A family of constants sharing a prefix.
struct Family {
  std::string_view prefix;  ///< "LINECALLSTATE_"
  std::span<const Constant> constants;

  /// `name` without the prefix when it starts with it (any case); a name that is only the
  /// prefix is left as it is (and names nothing).
  constexpr std::string_view strip(std::string_view name) const {
    if (name.size() > prefix.size() && iequals(name.substr(0, prefix.size()), prefix))
      return name.substr(prefix.size());
    return name;
  }
  /// The constant named `name` (any case, prefix optional), or nullptr.
  constexpr const Constant* find(std::string_view name) const {
    name = strip(name);
    for (const Constant& c : constants)
      if (iequals(c.name, name)) return &c;
    return nullptr;
  }
  // By value, not through find(): GCC 12 under -fsanitize=undefined does not take a null test
  // of a pointer into the table as a constant expression, and callers static_assert on these.
  constexpr std::optional<std::uint32_t> value_of(std::string_view name) const {
    name = strip(name);
    for (const Constant& c : constants)
      if (iequals(c.name, name)) return c.value;
    return std::nullopt;
  }
  /// The name of `value` without the prefix; empty when the family has no such constant.
  constexpr std::string_view name_of(std::uint32_t value) const {
    for (const Constant& c : constants)
      if (c.value == value) return c.name;
    return {};
  }
  /// "LINECALLSTATE_IDLE"; empty when the family has no such constant.
  std::string full_name(std::uint32_t value) const {
    const std::string_view n = name_of(value);
    return n.empty() ? std::string() : std::string(prefix) + std::string(n);
  }
  /// Every value of the family or'ed together (for the families of bits).
  constexpr std::uint32_t all_bits() const {
    std::uint32_t bits = 0;
    for (const Constant& c : constants) bits |= c.value;
    return bits;
  }
  /// Bit families: the names of the bits set in `bits`, in table (bit) order: "DIAL|DROP|HOLD".
  /// Bits the family does not name are left out.
  std::string flags(std::uint32_t bits) const {
    std::string out;
    for (const Constant& c : constants) {
      if ((bits & c.value) == 0) continue;
      if (!out.empty()) out += '|';
      out += c.name;
    }
    return out;
  }
};

namespace detail {

inline constexpr Constant kCallStates[] = {
    {"IDLE", 0x1},          {"OFFERING", 0x2},        {"ACCEPTED", 0x4},           {"DIALTONE", 0x8},
    {"DIALING", 0x10},      {"RINGBACK", 0x20},       {"BUSY", 0x40},              {"SPECIALINFO", 0x80},
    {"CONNECTED", 0x100},   {"PROCEEDING", 0x200},    {"ONHOLD", 0x400},           {"CONFERENCED", 0x800},
    {"ONHOLDPENDCONF", 0x1000}, {"ONHOLDPENDTRANSFER", 0x2000}, {"DISCONNECTED", 0x4000}, {"UNKNOWN", 0x8000},
};

inline constexpr Constant kDisconnectModes[] = {
    {"NORMAL", 0x1},          {"UNKNOWN", 0x2},        {"REJECT", 0x4},          {"PICKUP", 0x8},
    {"FORWARDED", 0x10},      {"BUSY", 0x20},          {"NOANSWER", 0x40},       {"BADADDRESS", 0x80},
    {"UNREACHABLE", 0x100},   {"CONGESTION", 0x200},   {"INCOMPATIBLE", 0x400},  {"UNAVAIL", 0x800},
    {"NODIALTONE", 0x1000},   {"NUMBERCHANGED", 0x2000}, {"OUTOFORDER", 0x4000}, {"TEMPFAILURE", 0x8000},
    {"QOSUNAVAIL", 0x10000},  {"BLOCKED", 0x20000},    {"DONOTDISTURB", 0x40000}, {"CANCELLED", 0x80000},
};

inline constexpr Constant kCallReasons[] = {
    {"DIRECT", 0x1},        {"FWDBUSY", 0x2},         {"FWDNOANSWER", 0x4},   {"FWDUNCOND", 0x8},
    {"PICKUP", 0x10},       {"UNPARK", 0x20},         {"REDIRECT", 0x40},     {"CALLCOMPLETION", 0x80},
    {"TRANSFER", 0x100},    {"REMINDER", 0x200},      {"UNKNOWN", 0x400},     {"UNAVAIL", 0x800},
    {"INTRUDE", 0x1000},    {"PARKED", 0x2000},       {"CAMPEDON", 0x4000},   {"ROUTEREQUEST", 0x8000},
};

inline constexpr Constant kCallFeatures[] = {
    {"ACCEPT", 0x1},                {"ADDTOCONF", 0x2},          {"ANSWER", 0x4},
    {"BLINDTRANSFER", 0x8},         {"COMPLETECALL", 0x10},      {"COMPLETETRANSF", 0x20},
    {"DIAL", 0x40},                 {"DROP", 0x80},              {"GATHERDIGITS", 0x100},
    {"GENERATEDIGITS", 0x200},      {"GENERATETONE", 0x400},     {"HOLD", 0x800},
    {"MONITORDIGITS", 0x1000},      {"MONITORMEDIA", 0x2000},    {"MONITORTONES", 0x4000},
    {"PARK", 0x8000},               {"PREPAREADDCONF", 0x10000}, {"REDIRECT", 0x20000},
    {"REMOVEFROMCONF", 0x40000},    {"SECURECALL", 0x80000},     {"SENDUSERUSER", 0x100000},
    {"SETCALLPARAMS", 0x200000},    {"SETMEDIACONTROL", 0x400000}, {"SETTERMINAL", 0x800000},
    {"SETUPCONF", 0x1000000},       {"SETUPTRANSFER", 0x2000000}, {"SWAPHOLD", 0x4000000},
    {"UNHOLD", 0x8000000},          {"RELEASEUSERUSERINFO", 0x10000000}, {"SETTREATMENT", 0x20000000},
    {"SETQOS", 0x40000000},         {"SETCALLDATA", 0x80000000},
};

inline constexpr Constant kCallInfoStates[] = {
    {"OTHER", 0x1},              {"DEVSPECIFIC", 0x2},       {"BEARERMODE", 0x4},       {"RATE", 0x8},
    {"MEDIAMODE", 0x10},         {"APPSPECIFIC", 0x20},      {"CALLID", 0x40},          {"RELATEDCALLID", 0x80},
    {"ORIGIN", 0x100},           {"REASON", 0x200},          {"COMPLETIONID", 0x400},   {"NUMOWNERINCR", 0x800},
    {"NUMOWNERDECR", 0x1000},    {"NUMMONITORS", 0x2000},    {"TRUNK", 0x4000},         {"CALLERID", 0x8000},
    {"CALLEDID", 0x10000},       {"CONNECTEDID", 0x20000},   {"REDIRECTIONID", 0x40000}, {"REDIRECTINGID", 0x80000},
    {"DISPLAY", 0x100000},       {"USERUSERINFO", 0x200000}, {"HIGHLEVELCOMP", 0x400000}, {"LOWLEVELCOMP", 0x800000},
    {"CHARGINGINFO", 0x1000000}, {"TERMINAL", 0x2000000},    {"DIALPARAMS", 0x4000000}, {"MONITORMODES", 0x8000000},
    {"TREATMENT", 0x10000000},   {"QOS", 0x20000000},        {"CALLDATA", 0x40000000},
};

inline constexpr Constant kLineErrors[] = {
    {"ALLOCATED", 0x80000001},              {"BADDEVICEID", 0x80000002},
    {"BEARERMODEUNAVAIL", 0x80000003},      {"CALLUNAVAIL", 0x80000005},
    {"COMPLETIONOVERRUN", 0x80000006},      {"CONFERENCEFULL", 0x80000007},
    {"DIALBILLING", 0x80000008},            {"DIALDIALTONE", 0x80000009},
    {"DIALPROMPT", 0x8000000A},             {"DIALQUIET", 0x8000000B},
    {"INCOMPATIBLEAPIVERSION", 0x8000000C}, {"INCOMPATIBLEEXTVERSION", 0x8000000D},
    {"INIFILECORRUPT", 0x8000000E},         {"INUSE", 0x8000000F},
    {"INVALADDRESS", 0x80000010},           {"INVALADDRESSID", 0x80000011},
    {"INVALADDRESSMODE", 0x80000012},       {"INVALADDRESSSTATE", 0x80000013},
    {"INVALAPPHANDLE", 0x80000014},         {"INVALAPPNAME", 0x80000015},
    {"INVALBEARERMODE", 0x80000016},        {"INVALCALLCOMPLMODE", 0x80000017},
    {"INVALCALLHANDLE", 0x80000018},        {"INVALCALLPARAMS", 0x80000019},
    {"INVALCALLPRIVILEGE", 0x8000001A},     {"INVALCALLSELECT", 0x8000001B},
    {"INVALCALLSTATE", 0x8000001C},         {"INVALCALLSTATELIST", 0x8000001D},
    {"INVALCARD", 0x8000001E},              {"INVALCOMPLETIONID", 0x8000001F},
    {"INVALCONFCALLHANDLE", 0x80000020},    {"INVALCONSULTCALLHANDLE", 0x80000021},
    {"INVALCOUNTRYCODE", 0x80000022},       {"INVALDEVICECLASS", 0x80000023},
    {"INVALDEVICEHANDLE", 0x80000024},      {"INVALDIALPARAMS", 0x80000025},
    {"INVALDIGITLIST", 0x80000026},         {"INVALDIGITMODE", 0x80000027},
    {"INVALDIGITS", 0x80000028},            {"INVALEXTVERSION", 0x80000029},
    {"INVALGROUPID", 0x8000002A},           {"INVALLINEHANDLE", 0x8000002B},
    {"INVALLINESTATE", 0x8000002C},         {"INVALLOCATION", 0x8000002D},
    {"INVALMEDIALIST", 0x8000002E},         {"INVALMEDIAMODE", 0x8000002F},
    {"INVALMESSAGEID", 0x80000030},         {"INVALPARAM", 0x80000032},
    {"INVALPARKID", 0x80000033},            {"INVALPARKMODE", 0x80000034},
    {"INVALPOINTER", 0x80000035},           {"INVALPRIVSELECT", 0x80000036},
    {"INVALRATE", 0x80000037},              {"INVALREQUESTMODE", 0x80000038},
    {"INVALTERMINALID", 0x80000039},        {"INVALTERMINALMODE", 0x8000003A},
    {"INVALTIMEOUT", 0x8000003B},           {"INVALTONE", 0x8000003C},
    {"INVALTONELIST", 0x8000003D},          {"INVALTONEMODE", 0x8000003E},
    {"INVALTRANSFERMODE", 0x8000003F},      {"LINEMAPPERFAILED", 0x80000040},
    {"NOCONFERENCE", 0x80000041},           {"NODEVICE", 0x80000042},
    {"NODRIVER", 0x80000043},               {"NOMEM", 0x80000044},
    {"NOREQUEST", 0x80000045},              {"NOTOWNER", 0x80000046},
    {"NOTREGISTERED", 0x80000047},          {"OPERATIONFAILED", 0x80000048},
    {"OPERATIONUNAVAIL", 0x80000049},       {"RATEUNAVAIL", 0x8000004A},
    {"RESOURCEUNAVAIL", 0x8000004B},        {"REQUESTOVERRUN", 0x8000004C},
    {"STRUCTURETOOSMALL", 0x8000004D},      {"TARGETNOTFOUND", 0x8000004E},
    {"TARGETSELF", 0x8000004F},             {"UNINITIALIZED", 0x80000050},
    {"USERUSERINFOTOOBIG", 0x80000051},     {"REINIT", 0x80000052},
    {"ADDRESSBLOCKED", 0x80000053},         {"BILLINGREJECTED", 0x80000054},
    {"INVALFEATURE", 0x80000055},           {"NOMULTIPLEINSTANCE", 0x80000056},
    {"INVALAGENTID", 0x80000057},           {"INVALAGENTGROUP", 0x80000058},
    {"INVALPASSWORD", 0x80000059},          {"INVALAGENTSTATE", 0x8000005A},
    {"INVALAGENTACTIVITY", 0x8000005B},     {"DIALVOICEDETECT", 0x8000005C},
    {"USERCANCELLED", 0x8000005D},          {"INVALADDRESSTYPE", 0x8000005E},
    {"INVALAGENTSESSIONSTATE", 0x8000005F}, {"DISCONNECTED", 0x80000060},
    {"SERVICE_NOT_RUNNING", 0x80000061},
};

inline constexpr Constant kParkModes[] = {{"DIRECTED", 0x1}, {"NONDIRECTED", 0x2}};
inline constexpr Constant kTransferModes[] = {{"TRANSFER", 0x1}, {"CONFERENCE", 0x2}};
inline constexpr Constant kCallComplModes[] = {{"CAMPON", 0x1}, {"CALLBACK", 0x2}, {"INTRUDE", 0x4}, {"MESSAGE", 0x8}};

// LINECALLPARAMS (lineMakeCall and the operations that make a call): its flags, bearer and
// media modes, address modes, and LINECALLINFO's caller ID flags.
inline constexpr Constant kCallParamFlags[] = {
    {"SECURE", 0x1},          {"IDLE", 0x2},           {"BLOCKID", 0x4},          {"ORIGOFFHOOK", 0x8},
    {"DESTOFFHOOK", 0x10},    {"NOHOLDCONFERENCE", 0x20}, {"PREDICTIVEDIAL", 0x40}, {"ONESTEPTRANSFER", 0x80},
};
inline constexpr Constant kBearerModes[] = {
    {"VOICE", 0x1},  {"SPEECH", 0x2},           {"MULTIUSE", 0x4},          {"DATA", 0x8},
    {"ALTSPEECHDATA", 0x10}, {"NONCALLSIGNALING", 0x20}, {"PASSTHROUGH", 0x40}, {"RESTRICTEDDATA", 0x80},
};
inline constexpr Constant kMediaModes[] = {
    {"UNKNOWN", 0x2},     {"INTERACTIVEVOICE", 0x4}, {"AUTOMATEDVOICE", 0x8}, {"DATAMODEM", 0x10},
    {"G3FAX", 0x20},      {"TDD", 0x40},             {"G4FAX", 0x80},          {"DIGITALDATA", 0x100},
    {"TELETEX", 0x200},   {"VIDEOTEX", 0x400},       {"TELEX", 0x800},         {"MIXED", 0x1000},
    {"ADSI", 0x2000},     {"VOICEVIEW", 0x4000},     {"VIDEO", 0x8000},
};
inline constexpr Constant kAddressModes[] = {{"ADDRESSID", 0x1}, {"DIALABLEADDR", 0x2}};
inline constexpr Constant kCallPartyIds[] = {
    {"BLOCKED", 0x1}, {"OUTOFAREA", 0x2}, {"NAME", 0x4}, {"ADDRESS", 0x8},
    {"PARTIAL", 0x10}, {"UNKNOWN", 0x20}, {"UNAVAIL", 0x40},
};

// Digits, tones and media (lineGenerateDigits, lineGatherDigits, lineGenerateTone,
// lineSetMediaControl, lineSetCallTreatment and their messages).
inline constexpr Constant kDigitModes[] = {{"PULSE", 0x1}, {"DTMF", 0x2}, {"DTMFEND", 0x4}};
inline constexpr Constant kGatherTerms[] = {
    {"BUFFERFULL", 0x1}, {"TERMDIGIT", 0x2}, {"FIRSTTIMEOUT", 0x4}, {"INTERTIMEOUT", 0x8}, {"CANCEL", 0x10}};
inline constexpr Constant kGenerateTerms[] = {{"DONE", 0x1}, {"CANCEL", 0x2}};
inline constexpr Constant kToneModes[] = {
    {"CUSTOM", 0x1}, {"RINGBACK", 0x2}, {"BUSY", 0x4}, {"BEEP", 0x8}, {"BILLING", 0x10}};
inline constexpr Constant kMediaControls[] = {
    {"NONE", 0x1},        {"START", 0x2},       {"RESET", 0x4},        {"PAUSE", 0x8},
    {"RESUME", 0x10},     {"RATEUP", 0x20},     {"RATEDOWN", 0x40},    {"RATENORMAL", 0x80},
    {"VOLUMEUP", 0x100},  {"VOLUMEDOWN", 0x200}, {"VOLUMENORMAL", 0x400}};
inline constexpr Constant kCallTreatments[] = {{"SILENCE", 0x1}, {"RINGBACK", 0x2}, {"BUSY", 0x3}, {"MUSIC", 0x4}};
inline constexpr Constant kAgentStates[] = {
    {"LOGGEDOFF", 0x1},    {"NOTREADY", 0x2},  {"READY", 0x4},   {"BUSYACD", 0x8},
    {"BUSYINCOMING", 0x10}, {"BUSYOUTBOUND", 0x20}, {"BUSYOTHER", 0x40}, {"WORKINGAFTERCALL", 0x80},
    {"UNKNOWN", 0x100},    {"UNAVAIL", 0x200}};
inline constexpr Constant kAgentStatesEx[] = {
    {"NOTREADY", 0x1},     {"READY", 0x2},     {"BUSYACD", 0x4}, {"BUSYINCOMING", 0x8},
    {"BUSYOUTGOING", 0x10}, {"UNKNOWN", 0x20}, {"RELEASED", 0x40}};
inline constexpr Constant kAgentStatus[] = {
    {"GROUP", 0x1},        {"STATE", 0x2},        {"NEXTSTATE", 0x4},   {"ACTIVITY", 0x8},
    {"ACTIVITYLIST", 0x10}, {"GROUPLIST", 0x20},  {"CAPSCHANGE", 0x40}, {"VALIDSTATES", 0x80},
    {"VALIDNEXTSTATES", 0x100}};

}  // namespace detail

inline constexpr Family kCallState{"LINECALLSTATE_", detail::kCallStates};
inline constexpr Family kDisconnectMode{"LINEDISCONNECTMODE_", detail::kDisconnectModes};
inline constexpr Family kCallReason{"LINECALLREASON_", detail::kCallReasons};
inline constexpr Family kCallFeature{"LINECALLFEATURE_", detail::kCallFeatures};
inline constexpr Family kCallInfoState{"LINECALLINFOSTATE_", detail::kCallInfoStates};
inline constexpr Family kLineErr{"LINEERR_", detail::kLineErrors};
inline constexpr Family kParkMode{"LINEPARKMODE_", detail::kParkModes};
inline constexpr Family kTransferMode{"LINETRANSFERMODE_", detail::kTransferModes};
inline constexpr Family kCallComplMode{"LINECALLCOMPLMODE_", detail::kCallComplModes};
inline constexpr Family kCallParamFlag{"LINECALLPARAMFLAGS_", detail::kCallParamFlags};
inline constexpr Family kBearerMode{"LINEBEARERMODE_", detail::kBearerModes};
inline constexpr Family kMediaMode{"LINEMEDIAMODE_", detail::kMediaModes};
inline constexpr Family kAddressMode{"LINEADDRESSMODE_", detail::kAddressModes};
inline constexpr Family kCallPartyId{"LINECALLPARTYID_", detail::kCallPartyIds};
inline constexpr Family kDigitMode{"LINEDIGITMODE_", detail::kDigitModes};
inline constexpr Family kGatherTerm{"LINEGATHERTERM_", detail::kGatherTerms};
inline constexpr Family kGenerateTerm{"LINEGENERATETERM_", detail::kGenerateTerms};
inline constexpr Family kToneMode{"LINETONEMODE_", detail::kToneModes};
inline constexpr Family kMediaControl{"LINEMEDIACONTROL_", detail::kMediaControls};
inline constexpr Family kCallTreatment{"LINECALLTREATMENT_", detail::kCallTreatments};
inline constexpr Family kAgentState{"LINEAGENTSTATE_", detail::kAgentStates};
inline constexpr Family kAgentStateEx{"LINEAGENTSTATEEX_", detail::kAgentStatesEx};
inline constexpr Family kAgentStatus{"LINEAGENTSTATUS_", detail::kAgentStatus};

inline constexpr const Family* kFamilies[] = {&kCallState,    &kDisconnectMode, &kCallReason,
                                              &kCallFeature,  &kCallInfoState,  &kLineErr,
                                              &kParkMode,     &kTransferMode,   &kCallComplMode,
                                              &kCallParamFlag, &kBearerMode,    &kMediaMode,
                                              &kAddressMode,  &kCallPartyId,    &kDigitMode,
                                              &kGatherTerm,   &kGenerateTerm,   &kToneMode,
                                              &kMediaControl, &kCallTreatment,  &kAgentState,
                                              &kAgentStateEx, &kAgentStatus};

/// The family whose prefix is `prefix` ("LINEPARKMODE_", as the catalogue's mode parameters
/// name it), or nullptr.
constexpr const Family* family(std::string_view prefix) {
  for (const Family* f : kFamilies)
    if (f->prefix == prefix) return f;
  return nullptr;
}

namespace detail {
constexpr bool well_formed(const Family& f) {
  for (std::size_t i = 0; i < f.constants.size(); ++i) {
    if (f.constants[i].name.empty()) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (f.constants[j].value == f.constants[i].value || iequals(f.constants[j].name, f.constants[i].name))
        return false;
  }
  return true;
}
constexpr bool all_well_formed() {
  for (const Family* f : kFamilies)
    if (!well_formed(*f)) return false;
  return true;
}
// Checked by tests/models/tapi_names_test.cpp rather than by static_assert: GCC 12 does not
// evaluate these loops over pointers as constants under -fsanitize=undefined.
}  // namespace detail

}  // namespace telsim::tapi_names
