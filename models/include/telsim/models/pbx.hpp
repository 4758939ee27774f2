#pragma once
/// The PBX model: station lines (one address each), the calls on them and the operations TAPI
/// applications perform. Every operation is one entry point that answers at once with a
/// LINE_REPLY-like result (and publishes it as a ReplyEvent); the call-state progress it starts
/// unfolds later in virtual time and is published as CallStateEvents. Models know nothing of
/// YAML, sockets or report formats: observers turn events into traces, CDRs and wire frames.
#include <cstdint>
#include <deque>
#include <functional>
#include <variant>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telsim/models/acd.hpp"
#include "telsim/models/call_state_machine.hpp"
#include "telsim/models/cold_string.hpp"
#include "telsim/models/command.hpp"
#include "telsim/models/dial_plan.hpp"
#include "telsim/models/dial_string.hpp"
#include "telsim/models/dialing_rules.hpp"
#include "telsim/models/events.hpp"
#include "telsim/models/media.hpp"
#include "telsim/models/pbx_features.hpp"
#include "telsim/models/random.hpp"
#include "telsim/models/scheduler.hpp"
#include "telsim/models/switch_profile.hpp"
#include "telsim/models/tapi.hpp"
#include "telsim/models/trunk.hpp"

namespace telsim {

using namespace std::chrono_literals;

/// An IVR's menu, as a far-end behaviour plays it (`behavior: {ivr: ...}`): a prompt, then a
/// gather of the caller's digits and a branch on them; or an end (transfer, hang up).
struct IvrNode {
  Duration prompt{0};                ///< the prompt's length (speech the caller hears)
  std::uint32_t max = 1;             ///< gather: the buffer's size
  std::string terminators;           ///< gather: digits that end it
  Duration first_timeout = std::chrono::seconds(5);
  Duration inter_timeout = std::chrono::seconds(3);
  struct Choice {
    std::string digits;              ///< what was gathered, terminator left out
    std::shared_ptr<const IvrNode> node;
  };
  std::vector<Choice> menu;          ///< empty: no gather, the node ends here
  std::shared_ptr<const IvrNode> timeout;  ///< no digit in time (none: the prompt again, 3 times, then hang up)
  std::shared_ptr<const IvrNode> invalid;  ///< digits no choice has (none: the prompt again, likewise)
  std::string transfer;              ///< end: blind-transfer the caller here
  bool hangup = false;               ///< end: drop the call
  std::string label;                 ///< where it is in the menu ("ivr", "ivr/1"), for traces
  bool operator==(const IvrNode&) const = default;
};

/// What a station does by itself. Manual stations act only through operations.
struct Behavior {
  enum class Kind { Manual, Auto, Busy, NoAnswer, Reject };
  Kind kind = Kind::Manual;
  std::optional<DurationDist> answer_after;  ///< Auto: answer offered calls after this
  std::optional<DurationDist> hangup_after;  ///< Auto: drop connected calls after this
  /// What the station sends once a call connects, which the switch's detectors on the far
  /// party's call tell apart (LINEMEDIAMODE): a person (the default), a fax, a modem, an
  /// answering machine (a greeting, then a beep), or nothing.
  using Media = FarEndMedia;
  Media media = Media::Voice;
  Duration greeting = std::chrono::seconds(5);  ///< answering machine: the greeting before the beep
  /// Digits the station sends in-band at given times after its call connects.
  using TimedDigits = telsim::TimedDigits;
  std::vector<TimedDigits> send_digits;
  std::shared_ptr<const IvrNode> ivr;  ///< an IVR's menu, played once it answers
  /// Non-manual stations go on-hook by themselves: a call the far end ended, a busy or failed
  /// call is cleared to IDLE at once, and IDLE calls are deallocated (no application holds them).
  bool automatic() const { return kind != Kind::Manual; }
  bool operator==(const Behavior&) const = default;
};
std::string describe(const Behavior& b);

struct LineConfig {
  std::string number;
  std::string name;
  Behavior behavior;
  std::vector<ForwardRule> forwarding;
  bool call_waiting = false;  ///< offer a second call while busy (unless the active call is secure)
};

/// A PBX: its lines, features and trunks (the topology), and the switch profile that decides how
/// it behaves.
struct PbxConfig {
  std::vector<LineConfig> lines;  ///< moved into the Pbx's lines as it is built (then empty)
  SwitchProfile profile;
  /// Seed of the run; each station draws its random durations from its own named stream
  /// ("station:201").
  std::uint64_t seed = 1;
  std::vector<ParkLotConfig> park_lots;
  std::vector<PickupGroupConfig> pickup_groups;
  /// Dialing rules: make_call and dial translate canonical numbers ("+1 (425) 555-0100").
  Location location;
  /// Trunk groups to the PSTN; their channels are lines the PBX drives itself.
  std::vector<TrunkConfig> trunks;
  /// Trunk statistics count seizure attempts in [measure_from, measure_until).
  SimTime measure_from{0};
  SimTime measure_until = SimTime::max();
  /// Controllers calls may be handed off to (besides the default, ""); empty: any name.
  std::vector<std::string> controllers;
  /// ACD queues and agents (acd.hpp); the statistics use the measurement window above.
  AcdConfig acd;
};

struct Line {
  LineId id = 0;
  std::string number;
  std::string name;
  Behavior behavior;
  std::vector<CallId> calls;  ///< handles on this line, oldest first, until deallocated
  /// Stream "station:NUMBER", made at the first random draw of its behaviour (an engine is
  /// 2.5 KiB: a switch of a million idle extensions would spend 2.4 GiB on engines it never draws).
  std::unique_ptr<std::mt19937_64> rng;
  std::vector<ForwardRule> forwarding;  ///< current forwarding list (lineForward replaces it)
  std::vector<std::size_t> groups;      ///< pickup groups it belongs to
  bool call_waiting = false;
  int messages_waiting = 0;             ///< message-waiting indications left (complete_call MESSAGE)
  std::optional<std::size_t> trunk;     ///< a trunk channel: its trunk group
  bool out_of_service = false;          ///< a fault took it out of service (faults: out_of_service)
};

/// One call handle: one party's view of a call (TAPI gives each party its own hCall).
struct Call {
  CallId id;
  LineId line = 0;
  CallState state = CallState::Idle;
  DisconnectMode mode = DisconnectMode::None;
  /// BUSY because every channel of the trunk group was taken (LINEBUSYMODE_TRUNK), not the
  /// called station (LINEBUSYMODE_STATION).
  bool busy_trunk = false;
  CallReason reason = CallReason::Direct;
  Direction direction = Direction::Outgoing;
  CallKind kind = CallKind::Station;  ///< what the handle is, for counting (set at creation)
  /// How this line handed the call on, which decides its outcome: a completed transfer
  /// (blind or consultation) or a redirect.
  enum class HandedOn : std::uint8_t { No, Transfer, Redirect };
  HandedOn handed_on = HandedOn::No;
  // Flags read at every look-up and step of a call sit here, in the handle's first cache line with
  // its id (Pbx::get checks live and the serial): a million-call run is bound by cache misses.
  bool live = false;
  bool driven = false;  ///< placed by a traffic generator: goes on-hook by itself
  bool cleared_at_end = false;
  std::string from;     ///< calling number
  std::string to;       ///< called number (for outgoing calls: the digits dialled so far)
  ColdString original_to;  ///< incoming: the number the caller dialled, if the call was moved
  int forward_hops = 0;
  ColdString park_orbit;   ///< set while (and after) this party is parked
  bool parked = false;
  std::string pending;     ///< the dialable string handed to make_call/dial not yet dialled
  std::string outpulsing;  ///< digits going out now (dial_timer ends it)
  bool awaiting_dialtone = false;
  bool dial_active = false;  ///< a dialling step (digits, pause, wait) is under way: dial_timer
  bool partial = false;      ///< the number so far ended with `;`: more dials follow
  bool pulse = false;        ///< `P` switched to pulse dialling (`T` back to tone)
  bool await_answer = false; ///< `@`: the rest is dialled once the far end answers
  ColdString far_digits;    ///< digits dialled into the call after its number was complete
  ColdString subaddress;    ///< `|` of the dialled string
  ColdString called_name;   ///< `^` of the dialled string
  CallId peer;  ///< the other party's handle while the two are linked
  std::uint32_t last_peer_serial = 0;
  SimTime created{0};
  std::optional<SimTime> answered;
  std::optional<SimTime> ended;
  std::vector<StateStamp> history;  ///< the states reported, as reported (switch profile)
  /// The state last reported (what applications see), which `state` may be ahead of: a state
  /// the switch does not report, a CONNECTED reported late (switch profile).
  CallState shown = CallState::Idle;
  /// A state to be reported late (connected_delay, an injected fault), when report_timer fires
  /// or before any later change of the call.
  std::optional<CallState> pending_shown;
  TimerHandle report_timer;
  TimerHandle progress_timer;  ///< dial tone, inter-digit, post-dial
  TimerHandle dial_timer;      ///< the dialling step under way (digits, pause, wait, flash)
  TimerHandle ring_timer;      ///< no-answer supervision (on the originating call)
  TimerHandle station_timer;   ///< behaviour: answer_after / hangup_after
  TimerHandle forward_timer;   ///< no-answer forwarding of an offered call
  TimerHandle hold_timer;      ///< hold recall
  CallId consult;              ///< original: its consultation call (setup_transfer/_conference)
  CallId consult_of;           ///< consultation call: the call (or conference) it consults about
  CallId conference;           ///< conference member: its conference call
  std::vector<CallId> members; ///< conference call: its member calls, in joining order
  bool is_conference = false;
  bool headless = false;       ///< a conference the PBX bridges on after its controller left
  bool secure = false;         ///< lineSecureCall: no call waiting, intrusion or camp-on
  /// A park recall leg: where an unanswered (or rejected) recall goes next.
  struct ParkRecall {
    LineId parker = 0;
    std::size_t lot = 0;
    bool last = false;
  };
  std::optional<ParkRecall> park_recall;
  ColdString callback_to;     ///< a call-completion callback: the number to call once answered
  std::uint32_t completion = 0;  ///< reason CALLCOMPLETION: the completion that placed it (dwCompletionID)
  CallId intruding_on;         ///< an intruder's call: the call it joined
  std::vector<CallId> intruders;  ///< calls that intruded on this one
  bool camped = false;         ///< CAMPON: the call waits, BUSY or RINGBACK, for its target to free
  /// INTRUDE, on the intruded line: the handle (reason INTRUDE, CONNECTED) that shows the
  /// intrusion there; it names the intruder's call.
  CallId intruder;
  /// LINECALLINFO RedirectionID: where the call went when it was forwarded, redirected or
  /// transferred (the caller's call and the call offered both carry it).
  ColdString redirection;
  /// LINECALLINFO RedirectingID: who moved the call last (the line that forwarded or redirected
  /// it, the party that transferred it).
  ColdString redirecting;
  ColdString owner;           ///< the controller that owns the handle ("" = the default)
  std::optional<Duration> hangup_after;  ///< this call hangs up this long after connecting
  // LINECALLPARAMS the call was made with (call_params.hpp), and what the party it is offered to
  // is shown of them (copied onto the call offered).
  bool caller_blocked = false;     ///< LINECALLPARAMFLAGS_BLOCKID: no caller number shown (LINECALLPARTYID_BLOCKED)
  ColdString calling_party_id;    ///< dwCallingPartyID presented to the called party
  ColdString display_text;        ///< dwDisplayText (LINECALLINFO dwDisplay)
  ColdString user_user_info;      ///< dwUserUserInfo (LINECALLINFO dwUserUserInfo)
  std::uint32_t bearer_mode = 0;   ///< LINEBEARERMODE asked for (0: the line's, VOICE)
  std::uint32_t media_mode = 0;    ///< LINEMEDIAMODE asked for (0: the line's)
  std::optional<Duration> no_answer_timeout;  ///< dwNoAnswerTimeout: abandon after this long unanswered
  std::uint32_t auto_transfer_states = 0;     ///< dwPredictiveAutoTransferStates (LINECALLSTATE bits)
  ColdString auto_transfer_to;               ///< dwTargetAddress
  // Media (media.hpp): what LINECALLINFO shows of them.
  std::vector<std::string> uui_queue;  ///< user-user information received while one was unreleased, oldest first (a vector: an empty std::deque allocates 576 bytes)
  ColdString call_data;              ///< dwCallData (lineSetCallData), shared by the parties of the call
  Treatment treatment = Treatment::None;  ///< dwCallTreatment
  ColdString qos_sending, qos_receiving; ///< dwSendingFlowspec, dwReceivingFlowspec
  std::uint32_t rate = 0;             ///< dwRate (lineSetCallParams' max rate; 0: the line's)
  std::optional<DialParams> dial_params;  ///< DialParams (lineSetCallParams)
  std::uint32_t monitor_digit_modes = 0;  ///< dwMonitorDigitModes
  std::uint32_t monitor_media_modes = 0;  ///< dwMonitorMediaModes
  ColdString heard;                  ///< every digit heard in-band, in order (expectations: digits)
  std::uint32_t detected_media = 0;   ///< the LINEMEDIAMODE the switch's detectors last told
  // ACD (acd.hpp): what the call record carries of it.
  ColdString queue;                  ///< the queue the call went through last
  std::optional<Duration> queue_wait; ///< the caller's call: in the queue until answered or given up
  ColdString agent;                  ///< the agent who answered it
};

class Acd;
class CallCompletion;
class Media;
class PbxFeature;

class Pbx {
 public:
  Pbx(Scheduler& scheduler, PbxConfig config);
  ~Pbx();
  Pbx(const Pbx&) = delete;
  Pbx& operator=(const Pbx&) = delete;

  /// Observers are called synchronously while the PBX changes state; they must not call
  /// operations from inside a callback (schedule them through the Scheduler instead).
  void add_observer(PbxObserver* observer);

  // --- lines and calls ---------------------------------------------------------------
  std::optional<LineId> find_line(std::string_view number) const;
  const Line& line(LineId id) const { return lines_.at(id); }
  std::size_t line_count() const { return lines_.size(); }
  /// The call behind a handle, or nullptr if the handle is unknown or deallocated.
  const Call* find_call(CallId id) const;
  /// LINECALLFEATURE bits the call allows now (LINECALLSTATUS.dwCallFeatures): the table's
  /// features for its state, less ANSWER and UNHOLD while another call on the line is
  /// active (the operation would be refused with LINEERR_INUSE). 0 for an unknown handle.
  std::uint32_t call_features(CallId call) const;
  /// True when no call on the line is in progress (every handle IDLE or none).
  bool idle(LineId line) const;
  /// Calls on a line that are not IDLE, oldest first.
  std::vector<CallId> active_calls(LineId line) const;
  const Timing& timing() const { return config_.profile.timing; }
  const SwitchProfile& profile() const { return config_.profile; }
  /// How long the switch takes to answer the next request (switch profile reply_delay, drawn
  /// from the random stream "reply_delay"; zero for a switch that answers at once).
  Duration next_reply_delay();
  /// What an injected fault does to the report of a call's state: tell it late, or twice.
  struct ReportFault {
    Duration delay{0};
    bool duplicate = false;
  };
  /// Consulted before each state change is reported (faults.hpp's event faults); none: none.
  void set_report_filter(std::function<ReportFault(const Call& call, CallState shown)> filter) {
    report_filter_ = std::move(filter);
  }
  SimTime now() const { return scheduler_.now(); }

  // --- operations (TAPI lineXxx) -------------------------------------------------------
  /// Carry out `command` (already authorized by the request path): the one place where an
  /// operation of the catalogue meets its member below. Calls it creates belong to
  /// `command.requester`.
  OpResult execute(const Command& command);
  /// lineTranslateAddress: the dialable form of `address` by the scenario's dialing rules
  /// (PbxConfig::location), returned in OpResult::address; INVALADDRESS when it has none.
  OpResult translate_address(std::string_view address);
  /// Each operation that creates calls takes their `owner` (the requester; "" the default
  /// controller) last.
  /// lineMakeCall: a new call on `line`; with a number it is dialled, without one the call
  /// waits in DIALTONE for dial(). A canonical number is translated first (PbxConfig::location).
  /// `params` (LINECALLPARAMS) shape the call: see call_params.hpp and refuse_params().
  OpResult make_call(LineId line, std::string_view number, std::string_view owner = {},
                     const CallParams& params = {});
  /// lineDial: a dialable string for the call (dial_string.hpp). In DIALTONE or DIALING it
  /// extends the number (multi-stage dialling; "" finishes a number left partial with `;`);
  /// once the number is complete (PROCEEDING, RINGBACK, CONNECTED, a conference) its digits go
  /// through to the far end (Call::far_digits). A canonical number is translated first.
  OpResult dial(CallId call, std::string_view digits);
  OpResult accept(CallId call);
  OpResult answer(CallId call);
  /// lineDrop: any state but IDLE. On OFFERING/ACCEPTED it rejects the call.
  OpResult drop(CallId call);
  /// lineDeallocateCall: IDLE only; the handle is invalid afterwards.
  OpResult deallocate(CallId call);
  OpResult hold(CallId call);
  OpResult unhold(CallId call);
  /// linePark: a CONNECTED call goes IDLE here and its far party waits in an orbit.
  /// DIRECTED needs `orbit`; NONDIRECTED picks one and returns it in OpResult::address.
  /// Errors: unknown orbit INVALADDRESS, occupied orbit OPERATIONFAILED, no free orbit
  /// RESOURCEUNAVAIL; in every case the parker keeps the call.
  OpResult park(CallId call, ParkMode mode, std::string_view orbit);
  /// lineUnpark: a new call on `line`, reason UNPARK, CONNECTED to the parked party.
  /// An empty or unknown orbit: INVALADDRESS and no new call.
  OpResult unpark(LineId line, std::string_view orbit, std::string_view owner = {});
  /// linePickup: directed (`target` extension) or group (`group`, or all of the picker's
  /// groups when empty). The oldest ringing call wins; its ringing leg ends DISCONNECTED/PICKUP
  /// and `line` gets a new call, reason PICKUP, CONNECTED. Nothing ringing: OPERATIONFAILED;
  /// a group the picker is not in: INVALGROUPID.
  OpResult pickup(LineId line, std::string_view target, std::string_view group, std::string_view owner = {});
  /// lineForward: replace the line's forwarding list; an empty list cancels.
  /// `params`: LINECALLPARAMS for calls the forwarding makes; this switch makes none, so they
  /// are only checked (the originating address must be the line's).
  OpResult forward(LineId line, std::vector<ForwardRule> rules, const CallParams& params = {});
  /// lineSwapHold: `active` goes ONHOLD, `held` (ONHOLD or pending) comes back CONNECTED.
  OpResult swap_hold(CallId active, CallId held);
  /// lineSetupTransfer: `call` goes ONHOLDPENDTRANSFER and a consultation call (DIALTONE, or
  /// dialling `number` when given) is returned in OpResult::consult.
  OpResult setup_transfer(CallId call, std::string_view number, std::string_view owner = {},
                          const CallParams& params = {});
  /// lineCompleteTransfer. TRANSFER: the two far parties are connected and both calls go IDLE
  /// here (a consult still ringing keeps ringing for the transferee; a busy or proceeding one
  /// sends the transferee on to its number). CONFERENCE: both become CONFERENCED under a new
  /// conference call (OpResult::call), CONNECTED.
  OpResult complete_transfer(CallId call, CallId consult, TransferMode mode, std::string_view owner = {});
  /// lineBlindTransfer: the far party is offered to `number` (reason TRANSFER) and the call goes
  /// IDLE here. A number that is not complete: INVALADDRESS, nothing dialled.
  OpResult blind_transfer(CallId call, std::string_view number);
  /// lineSetupConference: a conference call (OpResult::call, ONHOLDPENDCONF), `call` CONFERENCED
  /// in it, and a consultation call (OpResult::consult) for the next party.
  OpResult setup_conference(CallId call, std::string_view number, std::string_view owner = {},
                            const CallParams& params = {});
  /// linePrepareAddToConference: the conference goes ONHOLDPENDCONF; new consultation call.
  OpResult prepare_add_to_conference(CallId conference, std::string_view number, std::string_view owner = {},
                                     const CallParams& params = {});
  /// lineAddToConference: `consult` joins (CONFERENCED), the conference is CONNECTED again.
  OpResult add_to_conference(CallId conference, CallId consult);
  /// lineRemoveFromConference: the party leaves (IDLE here, its far end disconnected); one
  /// party left collapses the conference into a plain call.
  OpResult remove_from_conference(CallId member);
  /// lineRedirect: an offered call goes IDLE here and is offered to `number`, reason REDIRECT.
  OpResult redirect(CallId call, std::string_view number);
  /// lineSecureCall: no call-waiting offers or intrusion while this call lasts.
  OpResult secure_call(CallId call);
  /// lineCompleteCall on a BUSY or RINGBACK call: the call goes IDLE and the PBX completes it
  /// later (CAMPON: the target is offered a call, reason CAMPEDON, when it frees; CALLBACK: the
  /// caller is rung back, reason CALLCOMPLETION, when the target frees, then the target is
  /// called; INTRUDE: the caller joins the target's call now, reason INTRUDE; MESSAGE: a
  /// message-waiting indication on the target line). OpResult::completion is the id.
  OpResult complete_call(CallId call, CompletionMode mode, std::string_view owner = {});
  /// lineUncompleteCall: cancel a pending completion of `line`; unknown id INVALCOMPLETIONID.
  OpResult uncomplete_call(LineId line, std::uint32_t completion);
  /// lineHandoff: the call's ownership moves to `controller` (the request path checks that
  /// such a controller exists); TARGETSELF when it has the call already.
  OpResult handoff(CallId call, std::string controller);
  /// A traffic generator's call from `line` to `number`, hung up `holding` after it connects;
  /// the line goes on-hook by itself for it whatever its behaviour.
  OpResult place_generated(LineId line, std::string_view number, Duration holding);
  /// A call arriving on `trunk` for `did`, hung up by the PSTN caller `holding` after it
  /// connects. False when no channel was free (counted as blocked).
  /// `from`: the PSTN caller's number (empty: the trunk group's name, as a generator's calls have).
  bool trunk_arrival(std::size_t trunk, const std::string& did, Duration holding, std::string_view from = {});
  std::optional<std::size_t> find_trunk(std::string_view name) const;
  /// A restart of the switch (a fault): every call in progress is cleared, each party
  /// DISCONNECTED with LINEDISCONNECTMODE_TEMPFAILURE and then IDLE (the handles stay until
  /// deallocated); parked calls and pending completions are lost; the configuration (forwarding,
  /// message waiting) survives. Returns the calls cleared.
  std::size_t restart();
  /// Take an extension out of service (a fault) or put it back. Out of service, its calls in
  /// progress are cleared (each party DISCONNECTED, LINEDISCONNECTMODE_OUTOFORDER, then IDLE),
  /// calls to it end DISCONNECTED/OUTOFORDER and requests on it are refused with
  /// LINEERR_INVALLINESTATE. Returns the calls cleared.
  std::size_t set_in_service(LineId line, bool in_service);
  /// The same for every channel of a trunk group: calls out through it end
  /// DISCONNECTED/OUTOFORDER, and no call arrives on it.
  std::size_t set_trunk_in_service(std::size_t trunk, bool in_service);
  const TrunkConfig& trunk_config(std::size_t t) const { return config_.trunks.at(t); }
  std::size_t trunk_count() const { return config_.trunks.size(); }
  TrunkStats::Summary trunk_summary(std::size_t t) const { return trunks_.at(t).stats.summary(now()); }
  /// Extension lines (trunk channels follow them in line ids).
  std::size_t extension_count() const { return extension_count_; }
  /// Pending call completions, oldest first.
  struct Completion {
    std::uint32_t id = 0;
    CompletionMode mode = CompletionMode::CampOn;
    LineId caller = 0;
    LineId target = 0;
    CallId call;  ///< CAMPON: the caller's call that waits (BUSY or RINGBACK) meanwhile
  };
  const std::vector<Completion>& completions() const;
  /// lineGetConfRelatedCalls: the conference call and its members (empty when not in one).
  std::vector<CallId> conference_related(CallId call) const;

  const ParkLots& park_lots() const { return park_; }

  // --- ACD (acd.hpp) ---------------------------------------------------------------------
  /// What the run measured of each queue and agent so far, in configuration order.
  std::vector<QueueSummary> queue_summaries() const;
  std::vector<AgentSummary> agent_summaries() const;
  /// The agent on the extension `line` as lineGetAgentStatus shows it; none when it has no agent.
  std::optional<AgentStatus> agent_status(std::string_view line) const;
  /// Every queue as lineGetQueueInfo shows it, in configuration order (ids from 1).
  std::vector<QueueInfo> queue_infos() const;
  /// The ACD's configuration (its queues, agents and activities).
  const AcdConfig& acd_config() const { return config_.acd; }
  const std::vector<PickupGroupConfig>& pickup_groups() const { return config_.pickup_groups; }

  /// End of run: every call that is not IDLE is disconnected and cleared (its CDR is marked
  /// cleared_at_end) and every handle is deallocated. Returns how many calls had to be cleared.
  std::size_t shutdown();

  const PbxStats& stats() const { return stats_; }
  /// The intruded line's view of an INTRUDE (reason INTRUDE, naming the intruder's call): it can
  /// only be dropped, which throws the intruder out (LINECALLFEATURE_DROP alone; every other
  /// operation on it, or naming it as the other call, INVALCALLSTATE).
  static bool shows_intrusion(const Call& c) { return static_cast<bool>(c.intruder); }

 private:
  Call* get(CallId id);
  /// LINECALLFEATURE bits of the operations the switch offers (the others never advertised).
  std::uint32_t offered_features_ = ~0u;
  /// TRANSFERHELD / TRANSFERMAKE: `held` is on hold and another call of its line can take it.
  bool transfer_partner(const Call& held) const;
  /// CONFERENCEMAKE / CONFERENCEHELD: another call of the line can be added to `conf`.
  bool conference_candidate(const Call& conf) const;
  const Call* get_const(CallId id) const;
  /// Check a dialable string for `op` on `call` (0: a new call): its characters, what the
  /// profile lets the switch do, canonical numbers translated. A refusal, or the parsed address.
  std::variant<OpResult, DialableAddress> dial_string(Op op, CallId call, std::string_view text);
  void begin_dialing(Call& call, const DialableAddress& address);
  /// The destination of redirect / blind_transfer (dialable address format, routed not dialled):
  /// a refusal, or the complete number it names.
  std::variant<OpResult, std::string> destination(Op op, CallId call, std::string_view text);
  /// The next step of the call's pending dial string (digits, pause, wait, flash, mode).
  void continue_dialing(Call& call);
  void dial_step_done(CallId id);
  /// `!` on a connected call: consultation hold, the rest dialled on the new consult call.
  void flash(Call& call);
  void retire(Call& call);
  /// The controller's own call ends (lineDrop of it or of its conference): DISCONNECTED then IDLE,
  /// or straight to IDLE with local_drop: idle; a call already DISCONNECTED just goes IDLE.
  void hang_up_locally(Call& call);
  Call& create_call(LineId line, Direction dir, CallReason reason);
  /// The only writer of Call::state: consults the table, records history, notifies.
  void transition(Call& call, CallInput input, DisconnectMode mode = DisconnectMode::None);
  /// Reports the call's state as the switch shows it, if that differs from what it last showed.
  void report_state(Call& call);
  void emit_shown(Call& call, CallState state, bool twice);
  void hold_report(Call& call, CallState state, Duration delay);
  void flush_report(Call& call);
  /// The call is a conference member this switch lets lineRemoveFromConference take out
  /// (remove_from_conference: any member, the last one added, or none).
  bool removable_from_conference(const Call& member) const;
  /// `state` as this switch reports it (ringback order, skipped states), or none: not reported.
  std::optional<CallState> shown_as(const Call& call, CallState state) const;
  OpResult reply(Op op, LineErr error, CallId call = {}, std::string address = {},
                 CallId consult = {}, std::uint32_t completion = 0);
  OpResult apply_operation(Op op, CallId id, CallInput input);
  /// A refused operation: reply() with its actual reason in OpResult::detail.
  OpResult refuse(Op op, LineErr error, CallId call, std::string detail);
  /// Reasons for refusals: "c2 is ONHOLD; answer needs OFFERING or ACCEPTED"; "no call c9";
  /// "202 has c3 CONNECTED" (the call that engages the line); "202 has 8 calls,
  /// max_calls_per_line 8".
  std::string state_rule(const Call& call, CallInput input, std::string_view what) const;
  std::string state_rule(const Call& call, CallInput input, Op op) const {
    return state_rule(call, input, to_string(op));
  }
  static std::string no_call(CallId id);
  std::string engaged_reason(const Line& line) const;
  std::string appearances_reason(const Line& line, std::size_t needed = 1) const;

  void digits_outpulsed(CallId id);
  void analyse_number(Call& call);
  void number_complete(Call& call);
  void route(CallId id);
  /// `moved_by`: the number of the line that forwarded, redirected or transferred the call
  /// here (LINECALLINFO RedirectingID); the line reached is its RedirectionID, on the call
  /// offered and on `origin`.
  void offer_to(Call& origin, const std::string& number, CallReason reason, int hops,
                std::optional<LineId> recall_on_busy = std::nullopt, std::string_view moved_by = {});
  void recall_party(CallId party, LineId to, CallReason reason);
  /// A line that cannot be offered another call: busy, or out of call appearances.
  bool refuses_calls(const Line& line) const {
    return busy_for_incoming(line) || line.calls.size() >= config_.profile.max_calls_per_line;
  }
  /// Offer a party that is already connected (a parked or transferred one) to `to` as a new
  /// ringing call, linked to it. The caller decides what an unanswered ring does.
  Call& offer_recall(CallId party, LineId to, CallReason reason);
  void forward_no_answer(CallId leg);
  bool hop_limit_reached(Call& origin, int hops);
  void park_timeout(ParkLots::Orbit orbit);
  void park_fallback(CallId parkee, LineId parker, std::size_t lot);
  void offer_parked(Call& parkee, LineId to, CallReason reason, Duration ring, LineId parker,
                    std::size_t lot, bool last);
  void unpark_orbit_of(Call& parkee);
  void park_recall_unanswered(CallId parkee, const Call::ParkRecall& recall);
  /// A consultation call about `about` on its line; replies to `op` (OpResult::consult).
  Call& new_consult_call(Call& about, Op op, CallId reply_call, OpResult& result, std::string_view owner,
                         const CallParams& params = {});
  // LINECALLPARAMS (pbx_call_params.cpp).
  /// The refusal of `params` for a new call of `op` on `line` (nullopt: acceptable). `involved`
  /// are the calls the operation itself acts on (not "in progress" for LINECALLPARAMFLAGS_IDLE).
  std::optional<OpResult> refuse_params(Op op, LineId line, CallId subject, const CallParams& params,
                                        const std::vector<CallId>& involved = {});
  /// A new outgoing call takes `params`: secure, caller ID blocked, what its far party is shown,
  /// its no-answer timeout and its predictive auto transfer.
  void apply_params(Call& call, const CallParams& params);
  /// What the call offered (`incoming`) is shown of the caller's params.
  static void present_params(const Call& caller, Call& incoming);
  /// dwPredictiveAutoTransferStates: the call entered one of them; blind-transfer it.
  void auto_transfer(CallId call);
  void consult_gone(Call& consult);
  void leave_conference(Call& member);
  void collapse_if_small(CallId conference);
  void drop_conference(Call& conference);
  void start_hold_recall(Call& call);
  /// A number the dial plan takes as complete now (an extension, or a full trunk number).
  bool complete_number(std::string_view number) const {
    const auto match = dial_plan_.classify(number);
    return !number.empty() && is_dialable(number) &&
           (match == DialPlan::Match::Complete || match == DialPlan::Match::Ambiguous);
  }
  /// The dialable form of `number`: canonical numbers translated, others as they are.
  std::optional<std::string> dialable(std::string_view number) const;
  bool automatic(const Call& call) const { return lines_[call.line].behavior.automatic() || call.driven; }
  void offer_trunk(Call& origin, std::size_t trunk, const std::string& number);
  std::optional<LineId> seize_channel(std::size_t trunk);
  void channel_change(LineId line, int delta);
  void connect_parties(Call& a, Call& b);
  /// Reply to `op` with a new call on `line` that starts CONNECTED to `far` (unpark, pickup).
  /// `taken_from`: the line a pickup took the call from; the new call and `far` then name the
  /// picker as RedirectionID and that line as RedirectingID.
  OpResult join_new_call(LineId line, CallReason reason, CallId far, Op op, std::string_view owner,
                         std::string original_to = {}, std::string taken_from = {});
  void no_answer(CallId id);
  void connect(Call& answering);
  void disconnect_far_end(Call& dropper, CallState state_before);
  void far_disconnect(Call& call, DisconnectMode mode);
  void vacant_number(Call& call);
  void unlink(Call& call);
  void link(Call& a, Call& b);
  void auto_onhook(Call& call);
  void on_idle(Call& call);
  /// The call's record, filled into `r`, to every observer.
  void tell_record(Call& call, CallRecord& r);
  void release(Call& call);
  void station_offered(Call& call);
  /// The station (or far end) acting for `call` after `delay`: answer it or drop it. The
  /// operation is a template argument so the timer's callback stays small enough for
  /// std::function's inline buffer (no allocation per timer on this hot path).
  template <OpResult (Pbx::*Act)(CallId)>
  void station_acts(Call& call, Duration delay) {
    call.station_timer = scheduler_.schedule(delay, [this, id = call.id] {
      if (Call* c = get(id)) {
        c->station_timer = {};
        (this->*Act)(id);
      }
    });
  }
  void station_connected(Call& call);
  /// A duration of the line's behaviour: a fixed one as it is, a random one drawn from the
  /// line's stream (made at its first draw).
  Duration station_sample(Line& line, const DurationDist& d);
  void cancel_timers(Call& call);
  /// A fault clears a call in progress: it and its far party DISCONNECTED with `mode`, then it
  /// IDLE (a conference call: each leg too). Returns 1 if it was in progress.
  std::size_t clear_call(CallId id, DisconnectMode mode);
  bool engaged(const Line& line) const { return engaging_call(line) != nullptr; }
  /// The call that makes the line engaged (see docs/design.md), or nullptr.
  const Call* engaging_call(const Line& line) const;
  bool busy_for_incoming(const Line& line) const;

  Scheduler& scheduler_;
  PbxConfig config_;
  std::vector<Line> lines_;
  // Extension number -> line: open addressing on the number's hash, a power-of-two table at most
  // half full of line ids (kNoLine: empty). Four bytes per slot and no copy of the numbers (they
  // are the lines'): a call placed looks up its dialled number here, and a binary search over a
  // million sorted strings was some twenty cache misses.
  static constexpr LineId kNoLine = ~LineId{0};
  std::vector<LineId> number_index_;
  /// The slot of `number` in number_index_: its line's, or the empty one where it would go.
  std::size_t number_slot(std::string_view number) const;
  DialPlan dial_plan_;
  /// Call handles by slot, in blocks of 256: a handle stays where it is as more are added
  /// (references to it stay valid), and finding one is a shift and a mask (a std::deque of
  /// handles this size holds one per block and divides to find it).
  class CallSlots {
   public:
    std::size_t size() const { return size_; }
    Call& operator[](std::size_t slot) { return blocks_[slot >> kShift][slot & kMask]; }
    const Call& operator[](std::size_t slot) const { return blocks_[slot >> kShift][slot & kMask]; }
    /// A new slot at the end, holding a default handle.
    Call& emplace_back() {
      if ((size_ & kMask) == 0) blocks_.push_back(std::make_unique<Call[]>(kBlock));
      return (*this)[size_++];
    }

   private:
    static constexpr std::size_t kShift = 8, kBlock = std::size_t{1} << kShift, kMask = kBlock - 1;
    std::vector<std::unique_ptr<Call[]>> blocks_;
    std::size_t size_ = 0;
  };
  CallSlots calls_;
  std::vector<std::uint32_t> free_slots_;
  std::uint32_t next_serial_ = 1;
  std::uint64_t next_request_ = 1;
  std::function<ReportFault(const Call&, CallState)> report_filter_;
  std::optional<std::mt19937_64> reply_rng_;  ///< stream "reply_delay", made at its first draw
  std::vector<PbxObserver*> observers_;
  // The record on_idle hands to observers, reused call after call so that its strings and state
  // history keep their buffers (a record per call ended is the hottest allocation of a run). A
  // record made while observers are still reading this one (a call ending inside on_call_record)
  // gets a fresh one.
  CallRecord record_;
  bool record_in_use_ = false;
  PbxStats stats_;
  ParkLots park_;
  struct TrunkState {
    std::vector<LineId> channels;
    std::size_t next = 0;  // round robin
    std::uint32_t busy = 0;
    TrunkStats stats;
    std::mt19937_64 rng;
  };
  std::vector<TrunkState> trunks_;
  std::optional<LineId> bridge_line_;  // where headless conferences live (CONFDROP off)
  LineId bridge_line();
  void bridge_headless(Call& conference, const std::vector<CallId>& members);
  std::size_t extension_count_ = 0;

  bool shutting_down_ = false;
  // Feature modules on the core's hooks (pbx_feature.hpp), in the order they are called.
  friend class CallCompletion;
  std::unique_ptr<CallCompletion> completion_;
  friend class Media;
  std::unique_ptr<Media> media_;
  friend class Acd;
  std::unique_ptr<Acd> acd_;
  std::vector<PbxFeature*> features_;
};

}  // namespace telsim
