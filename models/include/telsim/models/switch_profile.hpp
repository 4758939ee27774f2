#pragma once
/// The switch profile: every choice that makes one PBX behave unlike another, in one value the
/// Pbx reads at its decision points — call-progress timing, the call-control options TAPI leaves
/// to the switch (AUTORECONNECT, CONFDROP, answer mode, limits), which operations the switch
/// offers and the LINEERR it returns for each kind of refusal where switches differ.
///
/// Each scalar setting is also a named, documented row of profile_settings() (in the manner of
/// ns-3's attributes): the scenario loader reads `pbx:` keys through it, the live server sends
/// the settings in `hello` (the TSP builds its capabilities from them), and docs/scenarios.md's
/// option table is checked against it.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "telsim/models/catalogue.hpp"
#include "telsim/models/random.hpp"
#include "telsim/models/scheduler.hpp"
#include "telsim/models/tapi.hpp"

namespace telsim {

using namespace std::chrono_literals;

/// Call-progress timings. Defaults follow a North-American PBX (documented in docs/scenarios.md).
struct Timing {
  Duration dialtone_delay = 100ms;        ///< off-hook until digits start going out
  Duration digit_time = 80ms;             ///< per digit outpulsed (DTMF 40 ms on + 40 ms off)
  Duration inter_digit_timeout = 5s;      ///< wait for more digits of an incomplete number
  Duration post_dial_delay = 1s;          ///< complete number until the far end rings or is busy
  Duration ring_cadence = 6s;             ///< one ring cycle (2 s on, 4 s off)
  Duration no_answer_timeout = 30s;       ///< ringing until the PBX gives up (NOANSWER)
  bool operator==(const Timing&) const = default;
};

/// LINEANSWERMODE: what answering a call does to the line's active call.
enum class AnswerMode { None = 1, Drop = 2, Hold = 4 };

/// LINEREMOVEFROMCONF: which conference parties lineRemoveFromConference takes out.
enum class RemoveFromConf { None = 1, Last = 2, Any = 3 };

/// When the requester hears a request's reply against the state events the request causes.
enum class ReplyOrder {
  BeforeEvents,  ///< the reply, then the events (the switch acts when it replies)
  AfterEvents,   ///< the events at once, the reply after reply_delay (a slow switch's reordering)
};

/// Refusals whose LINEERR is the switch's choice (TAPI names several plausible errors, and real
/// providers differ). Each has a default that follows the TAPI reference.
enum class Refusal : std::uint8_t {
  Unsupported,          ///< an operation the switch does not offer: OPERATIONUNAVAIL
  LineInUse,            ///< the line has an active call (make_call, answer, unhold): INUSE
  NoCallAppearance,     ///< the line has max_calls_per_line calls: CALLUNAVAIL
  ConferenceFull,       ///< conference_max reached: CONFERENCEFULL
  ParkOrbitOccupied,    ///< directed park into an occupied orbit: OPERATIONFAILED
  ParkNoFreeOrbit,      ///< non-directed park with every orbit taken: RESOURCEUNAVAIL
  PickupNothingRinging, ///< pickup finds no ringing call: OPERATIONFAILED
};
inline constexpr std::size_t kRefusalCount = 7;
std::string_view to_string(Refusal r);

struct SwitchProfile {
  Timing timing;
  /// A vacant number ends the call DISCONNECTED/BADADDRESS, or with intercept tone
  /// (SPECIALINFO) when set.
  bool vacant_number_special_info = false;
  /// Call appearances per line (active, held, offered and not yet deallocated calls).
  std::size_t max_calls_per_line = 8;
  /// Forwarding steps a call may take before the PBX gives up (DISCONNECTED, UNREACHABLE).
  int forward_hop_limit = 10;
  /// Dropping (or losing) a consultation call reconnects the call it consulted about
  /// (LINEADDRCAPFLAGS_AUTORECONNECT); without it the original stays on hold, pending.
  bool autoreconnect = true;
  /// Dropping the conference call drops every party (LINEADDRCAPFLAGS_CONFDROP); without it
  /// the remaining parties stay connected to each other.
  bool confdrop = true;
  /// Parties a conference may hold besides its controller (LINEERR_CONFERENCEFULL beyond).
  std::size_t conference_max = 5;
  /// A call on hold longer than this rings its holder again (reason REMINDER).
  std::optional<Duration> hold_recall;
  /// A consultation call rings this long before it gives up (default: no_answer_timeout).
  std::optional<Duration> consult_timeout;
  AnswerMode answer_mode = AnswerMode::Hold;
  /// Blind transfer to a busy target: the transferee hears busy (false) or is offered back to
  /// the transferer, reason REMINDER (true).
  bool transfer_recall = false;
  /// Dialable strings (TAPI's dialable address format): how long `,` pauses (LINEDIALPARAMS
  /// dwDialPause), and whether the switch can wait for dial tone (`W`), for a quiet answer
  /// (`@`) and for the billing tone (`$`): LINEDEVCAPFLAGS_DIALDIALTONE, DIALQUIET,
  /// DIALBILLING. A string with one it cannot is refused with LINEERR_DIALDIALTONE,
  /// DIALQUIET or DIALBILLING.
  Duration dial_pause = std::chrono::seconds(2);
  bool dial_dialtone = true;
  bool dial_quiet = true;
  bool dial_billing = true;
  /// LINEADDRCAPFLAGS_PARTIALDIAL: a number may end with `;` and be finished by later dials.
  bool partial_dial = true;
  /// lineRedirect of an ACCEPTED call: TAPI's page says the call must be OFFERING; some switches
  /// deflect an accepted call too.
  bool redirect_from_accepted = false;
  /// LINEADDRCAPFLAGS_TRANSFERHELD: lineCompleteTransfer takes a call on (hard) hold, not only
  /// one put ONHOLDPENDTRANSFER by lineSetupTransfer.
  bool transfer_held = true;
  /// LINEADDRCAPFLAGS_TRANSFERMAKE: the call a held call is transferred to may be any other call
  /// of the line (made by make_call, or answered), not only lineSetupTransfer's consultation call.
  bool transfer_make = true;
  /// LINEADDRCAPFLAGS_CONFERENCEHELD: lineAddToConference adds a call on hold.
  bool conference_held = true;
  /// LINEADDRCAPFLAGS_CONFERENCEMAKE: lineAddToConference adds any other call of the line, not
  /// only the consultation call of lineSetupConference / linePrepareAddToConference.
  bool conference_make = true;
  /// Every channel of the trunk group taken: the caller's call goes BUSY with LINEBUSYMODE_TRUNK
  /// (false, as TAPI describes a busy circuit), or DISCONNECTED with LINEDISCONNECTMODE_CONGESTION.
  bool all_trunks_busy_congestion = false;
  /// lineDrop: the dropped call goes straight to IDLE (true, as TAPI's lineDrop describes it), or
  /// through DISCONNECTED (mode NORMAL) to IDLE, as some switches report a local hang-up.
  bool local_drop_idle = true;
  /// Call states the switch never reports (a mask of CallState bits; only DIALTONE, DIALING,
  /// PROCEEDING and RINGBACK may be skipped). The call passes through them all the same: what it
  /// may do there is unchanged, only no event, history entry or status shows them. A call's
  /// first state is always shown: a new call in a skipped DIALTONE shows as DIALING.
  std::uint32_t skip_states = 0;
  /// The far end's ringing is reported before the number is complete: RINGBACK then PROCEEDING
  /// (the two labels swapped), as switches that route a call on after it rings do.
  bool ringback_before_proceeding = false;
  /// The caller hears of the far end's answer this long after it happened: its CONNECTED comes
  /// late (the called party's own CONNECTED does not). Another change of the call comes after it.
  Duration connected_delay = Duration::zero();
  /// A conference left with one party collapses into a plain call with it (CONFERENCED →
  /// CONNECTED); without it the conference call stays up with its one member.
  bool conference_collapse = true;
  /// The LINEMEDIAMODE an answering machine is detected as: AUTOMATEDVOICE (0x8) or UNKNOWN (0x2).
  std::uint32_t machine_media = 0x8;
  /// LINEREMOVEFROMCONF: lineRemoveFromConference takes any party, only the last one added
  /// (others: OPERATIONUNAVAIL), or none (the operation is OPERATIONUNAVAIL).
  RemoveFromConf remove_from_conference = RemoveFromConf::Any;
  /// The time from a request to its reply, drawn for each request from the stream
  /// "reply_delay" (0: at once).
  DurationDist reply_delay;
  ReplyOrder reply_order = ReplyOrder::BeforeEvents;
  /// The personality the profile started from (`pbx: {personality: NAME}`; personality.hpp), or
  /// empty: the defaults.
  std::string personality;
  /// The operations the switch offers, by Op; the others are refused with the Unsupported error.
  std::array<bool, kOpCount> supported = all_operations();
  /// The LINEERR of each kind of refusal, by Refusal.
  std::array<LineErr, kRefusalCount> errors = default_errors();

  bool supports(Op op) const {
    if (op == Op::RemoveFromConference && remove_from_conference == RemoveFromConf::None) return false;
    return supported[static_cast<std::size_t>(op)];
  }
  LineErr error(Refusal r) const { return errors[static_cast<std::size_t>(r)]; }

  static constexpr std::array<bool, kOpCount> all_operations() {
    std::array<bool, kOpCount> a{};
    a.fill(true);
    return a;
  }
  static constexpr std::array<LineErr, kRefusalCount> default_errors() {
    return {LineErr::OperationUnavail, LineErr::InUse,           LineErr::CallUnavail,
            LineErr::ConferenceFull,   LineErr::OperationFailed, LineErr::ResourceUnavail,
            LineErr::OperationFailed};
  }
  bool operator==(const SwitchProfile&) const = default;
};

/// One named setting of the profile, as scenarios (`pbx:` keys) and `hello` spell it.
struct ProfileSetting {
  /// States: a list of names from `choices` (text: comma-separated, "" for none).
  /// Distribution: a duration or uniform(A, B), exponential(MEAN), lognormal(MEAN, SD).
  enum class Kind { Boolean, Integer, Time, Choice, States, Distribution };
  std::string_view name;
  Kind kind;
  std::string_view doc;
  std::string_view default_text;  ///< as docs show it
  std::int64_t low = 0, high = 0;                      ///< Integer: the range
  std::span<const std::string_view> choices = {};      ///< Choice: the values
  /// The setting's value in `p`, as text ("true", "5", "30s", "hold"; "" for a duration not set).
  std::string (*get)(const SwitchProfile& p);
  /// Set it from text already checked against kind/range/choices (a duration: "" unsets).
  void (*set)(SwitchProfile& p, std::string_view text);
};
/// The profile's settings, in the order docs list them.
std::span<const ProfileSetting> profile_settings();
const ProfileSetting* find_profile_setting(std::string_view name);

}  // namespace telsim
