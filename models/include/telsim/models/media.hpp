#pragma once
/// Digits, tones, media modes, user-user information and call data: what travels in-band
/// between the parties of a call and what a call carries besides its state (TAPI's
/// lineGenerateDigits, lineMonitorDigits, lineGatherDigits, lineGenerateTone, lineMonitorTones,
/// lineMonitorMedia, lineSetMediaMode, lineSetMediaControl, lineSendUserUserInfo,
/// lineReleaseUserUserInfo, lineSetCallData, lineSetCallTreatment, lineSetCallQualityOfService,
/// lineSetCallParams). The values are TAPI's (<tapi.h>); names come from tapi_names.hpp.
///
/// The model: a party's digits and tones reach the parties it is linked to in-band (its peer;
/// every other party of a conference) while both are connected, in simulated time with DTMF
/// timing; the switch's detectors on the receiving call report them to the call's monitors and
/// gather, and tell its media mode from what the far end sends (far-end behaviours: a fax, a
/// modem, an answering machine, a person). The Pbx's Media module (models/src/media/) does it.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "telsim/models/duration.hpp"
#include "telsim/models/events.hpp"
#include "telsim/models/tapi_names.hpp"

namespace telsim {

/// LINEDIGITMODE_* bits.
namespace digit_mode {
inline constexpr std::uint32_t kPulse = 0x1;
inline constexpr std::uint32_t kDtmf = 0x2;
inline constexpr std::uint32_t kDtmfEnd = 0x4;
}  // namespace digit_mode

/// LINEGATHERTERM_*.
enum class GatherTerm : std::uint32_t { BufferFull = 0x1, TermDigit = 0x2, FirstTimeout = 0x4, InterTimeout = 0x8, Cancel = 0x10 };
/// LINEGENERATETERM_*.
enum class GenerateTerm : std::uint32_t { Done = 0x1, Cancel = 0x2 };
/// LINETONEMODE_*.
enum class ToneMode : std::uint32_t { Custom = 0x1, Ringback = 0x2, Busy = 0x4, Beep = 0x8, Billing = 0x10 };
/// LINECALLTREATMENT_*.
enum class Treatment : std::uint32_t { None = 0, Silence = 0x1, Ringback = 0x2, Busy = 0x3, Music = 0x4 };
/// LINEMEDIAMODE_* bits the switch's detectors report.
namespace media_mode {
inline constexpr std::uint32_t kUnknown = 0x2;
inline constexpr std::uint32_t kInteractiveVoice = 0x4;
inline constexpr std::uint32_t kAutomatedVoice = 0x8;
inline constexpr std::uint32_t kDataModem = 0x10;
inline constexpr std::uint32_t kG3Fax = 0x20;
}  // namespace media_mode

/// LINECALLINFOSTATE_* bits of what the media operations change (PbxObserver::on_call_info).
namespace callinfo {
inline constexpr std::uint32_t kBearerMode = *tapi_names::kCallInfoState.value_of("BEARERMODE");
inline constexpr std::uint32_t kRate = *tapi_names::kCallInfoState.value_of("RATE");
inline constexpr std::uint32_t kMediaMode = *tapi_names::kCallInfoState.value_of("MEDIAMODE");
inline constexpr std::uint32_t kUserUserInfo = *tapi_names::kCallInfoState.value_of("USERUSERINFO");
inline constexpr std::uint32_t kDialParams = *tapi_names::kCallInfoState.value_of("DIALPARAMS");
inline constexpr std::uint32_t kMonitorModes = *tapi_names::kCallInfoState.value_of("MONITORMODES");
inline constexpr std::uint32_t kTreatment = *tapi_names::kCallInfoState.value_of("TREATMENT");
inline constexpr std::uint32_t kQos = *tapi_names::kCallInfoState.value_of("QOS");
inline constexpr std::uint32_t kCallData = *tapi_names::kCallInfoState.value_of("CALLDATA");
}  // namespace callinfo

std::string_view to_string(GatherTerm t);
std::string_view to_string(GenerateTerm t);
std::string_view to_string(ToneMode m);
std::string_view to_string(Treatment t);

/// One frequency of a generated tone (LINEGENERATETONE): on for `on`, off for `off`, repeated.
struct ToneComponent {
  std::uint32_t frequency = 0;  ///< Hz
  Duration on{0};               ///< 0: continuous
  Duration off{0};
  std::uint32_t volume = 0;
  bool operator==(const ToneComponent&) const = default;
};

/// A tone a call watches for (LINEMONITORTONE): its frequencies (1 to 3; 0 = unused), how long
/// it must sound before it counts, and the application's tag for it.
struct MonitoredTone {
  std::array<std::uint32_t, 3> frequencies{};
  Duration duration{0};
  std::uint32_t app_specific = 0;
  bool operator==(const MonitoredTone&) const = default;
};

/// LINEDIALPARAMS, in milliseconds as TAPI has them.
struct DialParams {
  Duration dial_pause{0};
  Duration dial_speed{0};
  Duration digit_duration{0};
  Duration wait_for_dialtone{0};
  bool operator==(const DialParams&) const = default;
};

/// One trigger of lineSetMediaControl and the LINEMEDIACONTROL_* action it fires.
struct MediaControlEntry {
  enum class Trigger : std::uint8_t { Digit, Media, Tone, State };
  Trigger trigger = Trigger::Digit;
  char digit = 0;                  ///< Digit
  std::uint32_t modes = 0;         ///< Digit: LINEDIGITMODE bits; Media: LINEMEDIAMODE bits; State: LINECALLSTATE bits
  MonitoredTone tone;              ///< Tone
  std::uint32_t action = 0x1;      ///< LINEMEDIACONTROL_* (NONE)
  bool operator==(const MediaControlEntry&) const = default;
};

/// The arguments of the media operations, decoded (sim/request.cpp) and checked for form there;
/// the switch checks them against the call and its own limits.
struct MediaArgs {
  std::string digits;                    ///< generate_digits: the digits ("" cancels)
  std::uint32_t digit_modes = 0;         ///< generate (one), monitor, gather: LINEDIGITMODE bits
  std::optional<Duration> duration;      ///< generate_digits, generate_tone
  std::optional<ToneMode> tone;          ///< generate_tone (none: cancel)
  std::vector<ToneComponent> components; ///< generate_tone CUSTOM
  std::optional<std::uint32_t> max;      ///< gather_digits: buffer size (none: cancel)
  std::string terminators;               ///< gather_digits
  Duration first_timeout{0};             ///< gather_digits: 0 none
  Duration inter_timeout{0};
  std::vector<MonitoredTone> tones;      ///< monitor_tones ([] cancels)
  std::uint32_t media_modes = 0;         ///< monitor_media, set_media_mode: LINEMEDIAMODE bits
  std::vector<MediaControlEntry> controls;  ///< set_media_control ([] cancels)
  std::string text;                      ///< send_user_user_info: the info; set_call_data: the data
  Treatment treatment = Treatment::None; ///< set_call_treatment
  std::string qos_sending, qos_receiving;  ///< set_call_quality_of_service (FLOWSPECs, as given)
  std::uint32_t bearer_mode = 0;         ///< set_call_params: LINEBEARERMODE (0: unchanged)
  std::optional<std::uint32_t> min_rate, max_rate;  ///< set_call_params, bps
  std::optional<DialParams> dial_params; ///< set_call_params
  bool operator==(const MediaArgs&) const = default;
};

/// What the switch's in-band detectors and media operations report (LINE_GENERATE,
/// LINE_MONITORDIGITS, LINE_GATHERDIGITS, LINE_MONITORTONE, LINE_MONITORMEDIA) and what a media
/// control action did; also every digit a call hears (for expectations and the ladder).
struct MediaEvent {
  enum class Kind : std::uint8_t {
    Generate,      ///< a generation ended: `value` GenerateTerm, `text` "digits" or "tone"
    MonitorDigit,  ///< a monitored digit: `digit`, `value` its LINEDIGITMODE
    Gather,        ///< a gather ended: `value` GatherTerm, `text` the buffer
    MonitorTone,   ///< a monitored tone sounded long enough: `value` its app_specific
    MonitorMedia,  ///< a monitored media mode was detected: `value` the LINEMEDIAMODE
    MediaControl,  ///< a lineSetMediaControl trigger fired: `value` the action, `text` the trigger
    Heard,         ///< the call heard in-band: `digit` (a digit's start) or `text` ("tone 440+480")
    Detected,      ///< the switch's detector told the call's media mode: `value` the LINEMEDIAMODE
  };
  SimTime at{0};
  CallId call;
  LineId line = 0;
  Kind kind = Kind::Heard;
  char digit = 0;
  std::uint32_t value = 0;
  std::string text;
  bool operator==(const MediaEvent&) const = default;
};
std::string_view to_string(MediaEvent::Kind k);
/// "monitor_digits 5 DTMF", "gather TERMDIGIT '12#'", "generate DONE digits" ... for traces.
std::string describe(const MediaEvent& e);

/// What a scripted far end (a station's behaviour, a trunk's PSTN far end) sends once a call
/// connects, which the switch's detectors on the other party's call tell apart.
enum class FarEndMedia : std::uint8_t { Voice, Fax, Modem, AnsweringMachine, Silence };

/// Digits a far end sends in-band this long after its call connects.
struct TimedDigits {
  Duration after{0};
  std::string digits;
  bool operator==(const TimedDigits&) const = default;
};

/// Per-switch limits of the media operations (LINEDEVCAPS / LINEADDRESSCAPS), reported in hello.
struct MediaCaps {
  static constexpr std::uint32_t kMonitorDigitModes = digit_mode::kPulse | digit_mode::kDtmf | digit_mode::kDtmfEnd;
  static constexpr std::uint32_t kGenerateDigitModes = digit_mode::kPulse | digit_mode::kDtmf;
  static constexpr std::uint32_t kGenerateToneModes = 0x1F;  ///< every LINETONEMODE
  static constexpr std::uint32_t kMaxToneFrequencies = 3;    ///< dwGenerateToneMaxNumFreq, dwMonitorToneMaxNumFreq
  static constexpr std::uint32_t kMaxMonitoredTones = 8;     ///< dwMonitorToneMaxNumEntries
  static constexpr std::uint32_t kMaxGatherBuffer = 255;
  static constexpr Duration kGatherMinTimeout = std::chrono::milliseconds(100);    ///< dwGatherDigitsMinTimeout
  static constexpr Duration kGatherMaxTimeout = std::chrono::milliseconds(600000); ///< dwGatherDigitsMaxTimeout
  static constexpr std::size_t kMaxCallData = 4096;          ///< LINEADDRESSCAPS dwMaxCallDataSize
  static constexpr std::size_t kMaxUserUserInfo = 128;       ///< dwUUISendUserUserInfoSize
  /// The media modes the switch knows (LINEDEVCAPS dwMediaModes).
  static constexpr std::uint32_t kMediaModes = media_mode::kUnknown | media_mode::kInteractiveVoice |
                                               media_mode::kAutomatedVoice | media_mode::kDataModem |
                                               media_mode::kG3Fax;
};

/// The standard tones as the switch generates them (frequencies, cadence and default length).
struct StandardTone {
  ToneMode mode;
  std::array<std::uint32_t, 2> frequencies;  ///< 0 = unused
  Duration on;    ///< 0: continuous
  Duration off;
  Duration length;  ///< generate_tone's default duration
};
const StandardTone& standard_tone(ToneMode mode);

}  // namespace telsim
