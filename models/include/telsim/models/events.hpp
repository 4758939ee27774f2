#pragma once
/// Small value types the PBX publishes: call-state changes, operation replies and call detail
/// records. Comparable and printable so tests can assert on them directly.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telsim/models/catalogue.hpp"
#include "telsim/models/scheduler.hpp"
#include "telsim/models/tapi.hpp"

namespace telsim {

using LineId = std::uint32_t;

/// A call handle. `serial` is unique within a run and names the call ("c17"); `slot` is where
/// the PBX keeps it. A default-constructed id refers to no call.
struct CallId {
  std::uint32_t slot = 0;
  std::uint32_t serial = 0;
  explicit operator bool() const { return serial != 0; }
  bool operator==(const CallId&) const = default;
};
std::string to_string(CallId id);

enum class Direction : std::uint8_t { Outgoing, Incoming };
std::string_view to_string(Direction d);

struct StateStamp {
  CallState state;
  SimTime at;
  bool operator==(const StateStamp&) const = default;
};

struct CallStateEvent {
  SimTime at{0};
  CallId call;
  LineId line = 0;
  CallState from = CallState::Idle;
  CallState to = CallState::Idle;
  DisconnectMode mode = DisconnectMode::None;
  CallReason reason = CallReason::Direct;
  bool operator==(const CallStateEvent&) const = default;
};
std::ostream& operator<<(std::ostream& os, const CallStateEvent& e);

/// LINE_REPLY: the result of one operation request.
struct OpResult {
  std::uint64_t request = 0;
  Op op = Op::MakeCall;
  LineErr error = LineErr::Success;
  CallId call;  ///< the call acted on, or the new call of make_call, unpark, pickup
  std::string address;  ///< an address the operation returns (non-directed park: the orbit)
  CallId consult;       ///< the consultation call a setup_* operation created
  std::uint32_t completion = 0;  ///< complete_call: the completion id
  /// A refusal's actual reason, for people: the other call and its state ("202 has c3
  /// CONNECTED"), the limit, the missing group, the state rule ("c2 is ONHOLD; answer needs
  /// OFFERING or ACCEPTED"). Empty on success.
  std::string detail;
  bool ok() const { return error == LineErr::Success; }
  bool operator==(const OpResult&) const = default;
};
std::ostream& operator<<(std::ostream& os, const OpResult& r);

/// What a call handle is, for counting: only station and consultation calls are calls placed
/// or received; the others keep their CDRs but are the switch's own (docs/cli.md, outcomes).
enum class CallKind : std::uint8_t {
  Station,     ///< an extension's (or modem's) call: placed, received, picked up, unparked ...
  Consult,     ///< a consultation call of setup_transfer, setup_conference or prepare_add_to_conference
  Conference,  ///< a conference call handle (the controller's grouping of its legs)
  Bridge,      ///< the switch's bridge of a conference whose controller left (CONFDROP off)
  Trunk,       ///< a trunk channel's leg: the PSTN's side of a call over a trunk
};
std::string_view to_string(CallKind k);
/// Calls of this kind are counted as calls placed or received.
constexpr bool counted(CallKind k) { return k == CallKind::Station || k == CallKind::Consult; }

/// How a call ended, from the point of view of the party that placed it (outgoing) or received
/// it (incoming); one definition for every report (docs/cli.md, "Outcomes").
enum class Outcome : std::uint8_t {
  Answered,     ///< reached CONNECTED (and was not handed on)
  Busy,         ///< placed: the called party was busy
  Blocked,      ///< placed: the switch or network had no resource (all trunk channels busy)
  NoAnswer,     ///< placed: rang until the switch gave up
  Abandoned,    ///< placed: the caller hung up before an answer
  Failed,       ///< placed: bad or vacant address, special information, rejected, DND, unreachable
  Transferred,  ///< this line handed the call on by a completed transfer (placed or received)
  Cleared,      ///< not answered when the run ended (placed or received)
  Missed,       ///< received: rang here and nobody here answered
  PickedUp,     ///< received: another line took it with pickup
  Forwarded,    ///< received: no-answer forwarding moved it on
  Redirected,   ///< received: this line redirected it
};
std::string_view to_string(Outcome o);

/// The outcome of a call that ended: its direction, whether it was answered, how this line
/// handed it on (if it did), its disconnect mode, whether it saw BUSY or SPECIALINFO, and
/// whether the end of the run cut it.
struct OutcomeFacts {
  Direction direction = Direction::Outgoing;
  bool answered = false;
  bool transferred = false;  ///< handed on by a completed transfer from this line
  bool redirected = false;   ///< handed on by redirect from this line
  DisconnectMode mode = DisconnectMode::None;
  bool saw_busy = false;
  bool saw_special_info = false;
  bool cleared_at_end = false;
  bool trunk_busy = false;  ///< its BUSY was every trunk channel taken (LINEBUSYMODE_TRUNK)
};
Outcome classify_outcome(const OutcomeFacts& f);

/// Call detail record: one per call handle, written when it reaches IDLE.
struct CallRecord {
  std::uint64_t serial = 0;
  std::string line;  ///< the line's number
  Direction direction = Direction::Outgoing;
  std::string from;
  std::string to;
  std::string original_to;  ///< the number first dialled, when forwarding or pickup moved the call
  int forward_hops = 0;     ///< forwarding steps before this call was offered
  std::string park_orbit;   ///< the orbit this party was parked in, if ever
  CallReason reason = CallReason::Direct;
  CallKind kind = CallKind::Station;
  std::uint64_t peer_serial = 0;  ///< the last party this call was linked to, 0 if none
  SimTime start{0};
  std::optional<SimTime> answer;
  SimTime end{0};
  DisconnectMode mode = DisconnectMode::None;
  Outcome outcome = Outcome::Failed;
  bool cleared_at_end = false;
  std::vector<StateStamp> history;
  // ACD (acd.hpp): a caller's call that waited in a queue, and the agent's call it reached.
  std::string queue;                   ///< the queue the call went through last ("" = none)
  /// The caller's call: from entering the queue to an agent's answer, or to hanging up unanswered.
  std::optional<Duration> queue_wait;
  std::string agent;                   ///< the id of the agent who answered it ("" = none)
  bool operator==(const CallRecord&) const = default;
};

struct PbxStats {
  std::uint64_t transitions = 0;
  std::uint64_t calls_created = 0;
  std::uint64_t records = 0;
  std::uint64_t live_calls = 0;
  // park
  std::uint64_t parks = 0;
  std::uint64_t unparks = 0;
  std::uint64_t park_timeouts = 0;
  std::uint64_t park_recalls_answered = 0;
  std::uint64_t park_max_occupancy = 0;
  // pickup
  std::uint64_t pickups = 0;
  std::uint64_t pickups_failed = 0;
  // forwarding
  std::uint64_t forwards = 0;            ///< forwarding steps taken
  std::uint64_t forward_loops_stopped = 0;
  std::uint64_t dnd_refusals = 0;
  int forward_max_hops = 0;
  // call control
  std::uint64_t transfers = 0;
  std::uint64_t conferences = 0;
  std::uint64_t conference_max_size = 0;
  std::uint64_t redirects = 0;
  std::uint64_t hold_recalls = 0;
  // call completion
  std::uint64_t completions_requested = 0;
  std::uint64_t completions_done = 0;
  std::uint64_t completions_cancelled = 0;
  std::uint64_t intrusions = 0;
  std::uint64_t messages_left = 0;
  // digits, tones and media (media.hpp)
  std::uint64_t digits_generated = 0;   ///< digits sent in-band (generate_digits, dial, far ends)
  std::uint64_t digits_heard = 0;       ///< digits that reached a party (each party that heard one)
  std::uint64_t tones_generated = 0;    ///< generate_tone requests (and far ends' tones)
  std::uint64_t tones_detected = 0;     ///< LINE_MONITORTONE reports
  std::uint64_t gathers = 0;            ///< gathers ended (LINE_GATHERDIGITS)
  std::uint64_t gather_timeouts = 0;    ///< ... of them by FIRSTTIMEOUT or INTERTIMEOUT
  std::uint64_t media_detected = 0;     ///< media modes the switch's detectors told
  std::uint64_t uui_sent = 0;           ///< send_user_user_info
  std::uint64_t call_data_set = 0;      ///< set_call_data
};

class Pbx;
struct MediaEvent;

class PbxObserver {
 public:
  virtual ~PbxObserver() = default;
  /// A call's state as the switch reports it (switch profile: skip_states, ringback,
  /// connected_delay): what applications, expectations and CDRs see.
  virtual void on_call_state(const CallStateEvent& /*event*/) {}
  /// Every change of a call's own state, reported or not, as it happens: for parts of the
  /// switch itself (a modem follows its line's call by these).
  virtual void on_switch_state(const CallStateEvent& /*event*/) {}
  /// An extension went out of service or came back (a fault).
  virtual void on_line_service(LineId /*line*/, bool /*in_service*/) {}
  virtual void on_reply(const OpResult& /*reply*/) {}
  virtual void on_call_record(const CallRecord& /*record*/) {}
  /// The party `call` is linked to changed (it was offered, answered, transferred, parked,
  /// picked up ...), possibly with no change of its state. Pbx::find_call(call)->peer is the
  /// new party (none after an unlink).
  virtual void on_peer_change(CallId /*call*/) {}
  /// Digits dialled into `call` after its number was complete have gone out to its far end
  /// (lineDial on a call in PROCEEDING, RINGBACK or CONNECTED); Call::far_digits holds them all.
  virtual void on_digits_sent(CallId /*call*/, std::string_view /*digits*/) {}
  /// Digits, tones and media (media.hpp): a generation ended, a monitored digit, tone or media
  /// mode, a gather's end, a media control action, or what a call heard in-band.
  virtual void on_media(const MediaEvent& /*event*/) {}
  /// What LINECALLINFO shows of the call changed, beyond its parties (`infostate`:
  /// LINECALLINFOSTATE bits: USERUSERINFO, CALLDATA, MEDIAMODE, TREATMENT, QOS, BEARERMODE, RATE,
  /// DIALPARAMS, MONITORMODES).
  virtual void on_call_info(CallId /*call*/, std::uint32_t /*infostate*/) {}
  /// An ACD agent's status changed (acd.hpp): `changed` holds LINEAGENTSTATUS_ bits (GROUP,
  /// STATE, NEXTSTATE, ACTIVITY). Pbx::agent_status(line) tells the new status.
  virtual void on_agent_status(LineId /*line*/, std::uint32_t /*changed*/) {}
  /// An ACD queue's figures changed (a caller joined or left it): LINE_QUEUESTATUS UPDATEINFO.
  /// `queue` is the 0-based index of Pbx::queue_infos().
  virtual void on_queue_status(std::size_t /*queue*/) {}
};

}  // namespace telsim
