#pragma once
// Media, digits, tones, user-user information and call data (issue 19): the wire's vocabulary
// for them as the TSP speaks it (docs/protocol.md, docs/tsp.md, "Media and digits"), TAPI's
// constants by name, and what the switch says it can do (hello's `pbx.media`).
//
// The operations and names are the server's own: provider_media.cpp holds them against the
// catalogue (models/catalogue.hpp: names, LINECALLFEATURE bits) and the wire schema (events,
// fields) at compile time. The TSP's own enum keeps what it offers apart from `operations`: a
// server that says nothing of `media` in hello (one from before issue 19) gets none of them.
#include <windows.h>
#include <tapi.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace telsim::tsp::media {

/// The TSPI operations of issue 19, each one wire request.
enum class Op : std::uint8_t {
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
};
inline constexpr std::size_t kOpCount = 14;

struct OpInfo {
  Op op;
  const char* name;     ///< the wire op
  const char* tspi;     ///< the TSPI function
  DWORD feature;        ///< LINECALLFEATURE_* (0: none)
  bool synchronous;     ///< TSPI's function has no dwRequestID: it returns the reply's result
};
inline constexpr OpInfo kOps[kOpCount] = {
    {Op::GenerateDigits, "generate_digits", "TSPI_lineGenerateDigits", LINECALLFEATURE_GENERATEDIGITS, true},
    {Op::GenerateTone, "generate_tone", "TSPI_lineGenerateTone", LINECALLFEATURE_GENERATETONE, true},
    {Op::MonitorDigits, "monitor_digits", "TSPI_lineMonitorDigits", LINECALLFEATURE_MONITORDIGITS, true},
    {Op::GatherDigits, "gather_digits", "TSPI_lineGatherDigits", LINECALLFEATURE_GATHERDIGITS, true},
    {Op::MonitorTones, "monitor_tones", "TSPI_lineMonitorTones", LINECALLFEATURE_MONITORTONES, true},
    {Op::MonitorMedia, "monitor_media", "TSPI_lineMonitorMedia", LINECALLFEATURE_MONITORMEDIA, true},
    {Op::SetMediaMode, "set_media_mode", "TSPI_lineSetMediaMode", 0, true},
    {Op::SetMediaControl, "set_media_control", "TSPI_lineSetMediaControl", LINECALLFEATURE_SETMEDIACONTROL, true},
    {Op::SendUserUserInfo, "send_user_user_info", "TSPI_lineSendUserUserInfo", LINECALLFEATURE_SENDUSERUSER, false},
    {Op::ReleaseUserUserInfo, "release_user_user_info", "TSPI_lineReleaseUserUserInfo",
     LINECALLFEATURE_RELEASEUSERUSERINFO, false},
    {Op::SetCallData, "set_call_data", "TSPI_lineSetCallData", LINECALLFEATURE_SETCALLDATA, false},
    {Op::SetCallTreatment, "set_call_treatment", "TSPI_lineSetCallTreatment", LINECALLFEATURE_SETTREATMENT, false},
    {Op::SetCallQualityOfService, "set_call_quality_of_service", "TSPI_lineSetCallQualityOfService",
     LINECALLFEATURE_SETQOS, false},
    {Op::SetCallParams, "set_call_params", "TSPI_lineSetCallParams", LINECALLFEATURE_SETCALLPARAMS, false},
};
constexpr const OpInfo& info(Op op) { return kOps[static_cast<std::size_t>(op)]; }

/// Every LINECALLFEATURE bit of these operations.
constexpr DWORD all_call_features() {
  DWORD bits = 0;
  for (const OpInfo& o : kOps) bits |= o.feature;
  return bits;
}

/// The events (frames with `event`).
namespace event {
inline constexpr char kGenerate[] = "generate";
inline constexpr char kMonitorDigits[] = "monitor_digits";
inline constexpr char kGatherDigits[] = "gather_digits";
inline constexpr char kMonitorTone[] = "monitor_tone";
inline constexpr char kMonitorMedia[] = "monitor_media";
inline constexpr char kMediaControl[] = "media_control";
}  // namespace event

/// Field names of the requests, events, call_info and hello's `pbx.media`.
namespace key {
inline constexpr char kMedia[] = "media";
// requests
inline constexpr char kDigits[] = "digits";
inline constexpr char kMode[] = "mode";
inline constexpr char kModes[] = "modes";
inline constexpr char kDuration[] = "duration";
inline constexpr char kTone[] = "tone";
inline constexpr char kTones[] = "tones";
inline constexpr char kFrequency[] = "frequency";
inline constexpr char kFrequencies[] = "frequencies";
inline constexpr char kOn[] = "on";
inline constexpr char kOff[] = "off";
inline constexpr char kVolume[] = "volume";
inline constexpr char kMax[] = "max";
inline constexpr char kTerminators[] = "terminators";
inline constexpr char kFirstTimeout[] = "first_timeout";
inline constexpr char kInterTimeout[] = "inter_timeout";
inline constexpr char kAppSpecific[] = "app_specific";
inline constexpr char kDigit[] = "digit";
inline constexpr char kAction[] = "action";
inline constexpr char kStates[] = "states";
inline constexpr char kInfo[] = "info";
inline constexpr char kData[] = "data";
inline constexpr char kTreatment[] = "treatment";
inline constexpr char kSending[] = "sending";
inline constexpr char kReceiving[] = "receiving";
inline constexpr char kBearerMode[] = "bearer_mode";
inline constexpr char kMinRate[] = "min_rate";
inline constexpr char kMaxRate[] = "max_rate";
inline constexpr char kDialParams[] = "dial_params";
inline constexpr char kDialPause[] = "dial_pause";
inline constexpr char kDialSpeed[] = "dial_speed";
inline constexpr char kDigitDuration[] = "digit_duration";
inline constexpr char kWaitForDialtone[] = "wait_for_dialtone";
// events
inline constexpr char kTermination[] = "termination";
inline constexpr char kWhat[] = "what";
inline constexpr char kMediaMode[] = "media_mode";
// call_info's values
inline constexpr char kUserUserInfo[] = "user_user_info";
inline constexpr char kCallData[] = "call_data";
inline constexpr char kQos[] = "qos";
inline constexpr char kRate[] = "rate";
inline constexpr char kMonitorDigitModes[] = "monitor_digit_modes";
inline constexpr char kMonitorMediaModes[] = "monitor_media_modes";
// hello's pbx.media
inline constexpr char kGenerateDigitModes[] = "generate_digit_modes";
inline constexpr char kGenerateToneModes[] = "generate_tone_modes";
inline constexpr char kMaxToneFrequencies[] = "max_tone_frequencies";
inline constexpr char kMaxMonitoredTones[] = "max_monitored_tones";
inline constexpr char kGatherMinTimeout[] = "gather_min_timeout";
inline constexpr char kGatherMaxTimeout[] = "gather_max_timeout";
inline constexpr char kMediaModes[] = "media_modes";
inline constexpr char kMaxCallData[] = "max_call_data";
inline constexpr char kMaxUui[] = "max_uui";
inline constexpr char kTreatments[] = "treatments";
}  // namespace key

/// A TAPI constant by its name without the prefix.
struct Name {
  const char* name;
  DWORD value;
};
inline constexpr Name kDigitModes[] = {
    {"PULSE", LINEDIGITMODE_PULSE}, {"DTMF", LINEDIGITMODE_DTMF}, {"DTMFEND", LINEDIGITMODE_DTMFEND}};
inline constexpr Name kToneModes[] = {{"CUSTOM", LINETONEMODE_CUSTOM},
                                      {"RINGBACK", LINETONEMODE_RINGBACK},
                                      {"BUSY", LINETONEMODE_BUSY},
                                      {"BEEP", LINETONEMODE_BEEP},
                                      {"BILLING", LINETONEMODE_BILLING}};
inline constexpr Name kGatherTerms[] = {{"BUFFERFULL", LINEGATHERTERM_BUFFERFULL},
                                        {"TERMDIGIT", LINEGATHERTERM_TERMDIGIT},
                                        {"FIRSTTIMEOUT", LINEGATHERTERM_FIRSTTIMEOUT},
                                        {"INTERTIMEOUT", LINEGATHERTERM_INTERTIMEOUT},
                                        {"CANCEL", LINEGATHERTERM_CANCEL}};
inline constexpr Name kGenerateTerms[] = {{"DONE", LINEGENERATETERM_DONE}, {"CANCEL", LINEGENERATETERM_CANCEL}};
inline constexpr Name kTreatments[] = {{"SILENCE", LINECALLTREATMENT_SILENCE},
                                       {"RINGBACK", LINECALLTREATMENT_RINGBACK},
                                       {"BUSY", LINECALLTREATMENT_BUSY},
                                       {"MUSIC", LINECALLTREATMENT_MUSIC}};
inline constexpr Name kMediaControls[] = {
    {"NONE", LINEMEDIACONTROL_NONE},         {"START", LINEMEDIACONTROL_START},
    {"RESET", LINEMEDIACONTROL_RESET},       {"PAUSE", LINEMEDIACONTROL_PAUSE},
    {"RESUME", LINEMEDIACONTROL_RESUME},     {"RATEUP", LINEMEDIACONTROL_RATEUP},
    {"RATEDOWN", LINEMEDIACONTROL_RATEDOWN}, {"RATENORMAL", LINEMEDIACONTROL_RATENORMAL},
    {"VOLUMEUP", LINEMEDIACONTROL_VOLUMEUP}, {"VOLUMEDOWN", LINEMEDIACONTROL_VOLUMEDOWN},
    {"VOLUMENORMAL", LINEMEDIACONTROL_VOLUMENORMAL}};

/// The value of `name` (any case, with or without `prefix`) in `table`; nullopt when none.
template <std::size_t N>
std::optional<DWORD> value_of(const Name (&table)[N], std::string_view name, std::string_view prefix = {}) {
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
  std::string n;
  for (char c : name) n += upper(c);
  if (!prefix.empty() && n.size() > prefix.size() && n.compare(0, prefix.size(), prefix) == 0) n.erase(0, prefix.size());
  for (const Name& e : table)
    if (n == e.name) return e.value;
  return std::nullopt;
}
/// The name of one value; nullptr when none.
template <std::size_t N>
const char* name_of(const Name (&table)[N], DWORD value) {
  for (const Name& e : table)
    if (e.value == value) return e.name;
  return nullptr;
}
/// The names of every bit of `bits` in `table`, as a JSON list; `unknown` gets the bits left.
template <std::size_t N>
nlohmann::json names_of_bits(const Name (&table)[N], DWORD bits, DWORD* unknown = nullptr) {
  nlohmann::json list = nlohmann::json::array();
  DWORD left = bits;
  for (const Name& e : table)
    if (bits & e.value) {
      list.push_back(e.name);
      left &= ~e.value;
    }
  if (unknown) *unknown = left;
  return list;
}
/// The bits of a JSON list of names (names not in `table` are ignored; a lone string counts).
template <std::size_t N>
DWORD bits_of(const Name (&table)[N], const nlohmann::json& list, std::string_view prefix = {}) {
  DWORD bits = 0;
  auto one = [&](const nlohmann::json& n) {
    if (n.is_string()) bits |= value_of(table, n.get<std::string>(), prefix).value_or(0);
  };
  if (list.is_array())
    for (const auto& n : list) one(n);
  else
    one(list);
  return bits;
}

/// What the switch can do with media (hello's `pbx.media`; all zero when it says nothing).
struct Caps {
  bool present = false;             ///< hello has `pbx.media`
  DWORD monitor_digit_modes = 0;    ///< LINEDIGITMODE_*
  DWORD generate_digit_modes = 0;   ///< LINEDIGITMODE_*
  DWORD generate_tone_modes = 0;    ///< LINETONEMODE_*
  DWORD max_tone_frequencies = 0;
  DWORD max_monitored_tones = 0;
  DWORD gather_min_timeout = 0;     ///< ms
  DWORD gather_max_timeout = 0;     ///< ms
  DWORD media_modes = 0;            ///< LINEMEDIAMODE_*
  DWORD max_call_data = 0;          ///< bytes
  DWORD max_uui = 0;                ///< bytes
  std::vector<DWORD> treatments;    ///< LINECALLTREATMENT_*, in the server's order
  std::array<bool, kOpCount> offered{};

  bool offers(Op op) const { return offered[static_cast<std::size_t>(op)]; }
  /// LINECALLFEATURE_* of the operations offered.
  DWORD call_features() const {
    DWORD bits = 0;
    for (const OpInfo& o : kOps)
      if (offers(o.op)) bits |= o.feature;
    return bits;
  }
};

/// From hello's `pbx` object. An operation is offered when the field it needs is there
/// (digit modes for digits, tone modes for tones, ...; set_media_control, QoS and call params
/// need only `media`), and, when `operations` names any of these operations, it names this one.
Caps caps_of(const nlohmann::json& pbx);

/// Bytes as lower-case hex ("0a1b"); and back (nullopt when `text` is not whole hex pairs).
std::string to_hex(const void* data, std::size_t size);
std::optional<std::string> from_hex(std::string_view text);

/// Whether `s` is valid UTF-8 (the wire's strings must be).
bool valid_utf8(std::string_view s);

}  // namespace telsim::tsp::media
