#include "telsim/models/switch_profile.hpp"

#include <charconv>

#include "telsim/models/duration.hpp"

namespace telsim {

std::string_view to_string(Refusal r) {
  switch (r) {
    case Refusal::Unsupported: return "unsupported";
    case Refusal::LineInUse: return "line_in_use";
    case Refusal::NoCallAppearance: return "no_call_appearance";
    case Refusal::ConferenceFull: return "conference_full";
    case Refusal::ParkOrbitOccupied: return "park_orbit_occupied";
    case Refusal::ParkNoFreeOrbit: return "park_no_free_orbit";
    case Refusal::PickupNothingRinging: return "pickup_nothing_ringing";
  }
  return "?";
}

namespace {

using K = ProfileSetting::Kind;

std::string text_of(bool b) { return b ? "true" : "false"; }
bool bool_of(std::string_view t) { return t == "true"; }
std::int64_t int_of(std::string_view t) {
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}
std::string text_of(const std::optional<Duration>& d) { return d ? format_duration(*d) : std::string(); }
std::optional<Duration> duration_of(std::string_view t) {
  if (t.empty()) return std::nullopt;
  return parse_duration(std::string(t));
}

constexpr std::string_view kAnswerModes[] = {"hold", "drop", "none"};
constexpr std::string_view kVacant[] = {"disconnect", "special_info"};
constexpr std::string_view kTrunksBusy[] = {"busy", "congestion"};
constexpr std::string_view kLocalDrop[] = {"idle", "disconnected"};
constexpr std::string_view kSkippable[] = {"DIALTONE", "DIALING", "PROCEEDING", "RINGBACK"};
constexpr std::string_view kRingback[] = {"after_proceeding", "before_proceeding"};
constexpr std::string_view kRemoveFromConf[] = {"any", "last", "none"};
constexpr std::string_view kReplyOrder[] = {"before_events", "after_events"};
constexpr std::string_view kMachineMedia[] = {"AUTOMATEDVOICE", "UNKNOWN"};

// A distribution as a scenario writes it: "0s", "uniform(50ms, 200ms)".
std::string dist_text(const DurationDist& d) {
  const std::string a = format_duration(d.a), b = format_duration(d.b);
  switch (d.kind) {
    case DurationDist::Kind::Fixed: return a;
    case DurationDist::Kind::Uniform: return "uniform(" + a + ", " + b + ")";
    case DurationDist::Kind::Exponential: return "exponential(" + a + ")";
    case DurationDist::Kind::LogNormal: return "lognormal(" + a + ", " + b + ")";
  }
  return a;
}

std::string states_text(std::uint32_t mask) {
  std::string out;
  for (std::string_view name : kSkippable)
    if (const auto st = parse_call_state(name); st && (mask & static_cast<std::uint32_t>(*st)))
      out += (out.empty() ? "" : ",") + std::string(name);
  return out;
}
std::uint32_t states_mask(std::string_view text) {
  std::uint32_t mask = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (const auto st = parse_call_state(text.substr(0, comma))) mask |= static_cast<std::uint32_t>(*st);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return mask;
}

constexpr ProfileSetting kSettings[] = {
    {"answer_mode", K::Choice,
     "LINEANSWERMODE: answering a call while another is active holds it (`hold`), drops it (`drop`), or is "
     "refused with INUSE (`none`)",
     "hold", 0, 0, kAnswerModes,
     [](const SwitchProfile& p) -> std::string {
       return p.answer_mode == AnswerMode::None ? "none" : p.answer_mode == AnswerMode::Drop ? "drop" : "hold";
     },
     [](SwitchProfile& p, std::string_view t) {
       p.answer_mode = t == "none" ? AnswerMode::None : t == "drop" ? AnswerMode::Drop : AnswerMode::Hold;
     }},
    {"hold_recall", K::Time, "a call ONHOLD this long rings its holder again: ONHOLD → OFFERING, reason REMINDER",
     "off", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.hold_recall); },
     [](SwitchProfile& p, std::string_view t) { p.hold_recall = duration_of(t); }},
    {"autoreconnect", K::Boolean,
     "LINEADDRCAPFLAGS_AUTORECONNECT: when a consultation call is dropped or its far end leaves, the call it "
     "consulted about comes back CONNECTED; without it, it stays pending until `unhold`",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.autoreconnect); },
     [](SwitchProfile& p, std::string_view t) { p.autoreconnect = bool_of(t); }},
    {"consult_timeout", K::Time, "how long a consultation call rings", "`no_answer_timeout`", 0, 0, {},
     [](const SwitchProfile& p) { return text_of(p.consult_timeout); },
     [](SwitchProfile& p, std::string_view t) { p.consult_timeout = duration_of(t); }},
    {"confdrop", K::Boolean,
     "LINEADDRCAPFLAGS_CONFDROP: dropping the conference call drops every party; without it, the two remaining "
     "parties of a three-party conference stay connected to each other",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.confdrop); },
     [](SwitchProfile& p, std::string_view t) { p.confdrop = bool_of(t); }},
    {"conference_max", K::Integer, "parties besides the controller; beyond it CONFERENCEFULL", "5", 2, 64, {},
     [](const SwitchProfile& p) { return std::to_string(p.conference_max); },
     [](SwitchProfile& p, std::string_view t) { p.conference_max = static_cast<std::size_t>(int_of(t)); }},
    {"transfer_recall", K::Boolean,
     "blind transfer to a busy target: the transferee is offered back to the transferer (REMINDER) instead of "
     "hearing busy",
     "false", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.transfer_recall); },
     [](SwitchProfile& p, std::string_view t) { p.transfer_recall = bool_of(t); }},
    {"max_calls_per_line", K::Integer,
     "call appearances per line (active, held, offered and not yet deallocated calls); one more is CALLUNAVAIL "
     "for the line, BUSY for a caller",
     "8", 1, 64, {}, [](const SwitchProfile& p) { return std::to_string(p.max_calls_per_line); },
     [](SwitchProfile& p, std::string_view t) { p.max_calls_per_line = static_cast<std::size_t>(int_of(t)); }},
    {"forward_hop_limit", K::Integer,
     "forwarding steps a call may take; one more ends it DISCONNECTED, mode UNREACHABLE", "10", 1, 100, {},
     [](const SwitchProfile& p) { return std::to_string(p.forward_hop_limit); },
     [](SwitchProfile& p, std::string_view t) { p.forward_hop_limit = static_cast<int>(int_of(t)); }},
    {"dial_pause", K::Time, "how long `,` in a dialled string pauses (LINEDIALPARAMS dwDialPause)", "2s", 0, 0, {},
     [](const SwitchProfile& p) { return format_duration(p.dial_pause); },
     [](SwitchProfile& p, std::string_view t) { p.dial_pause = duration_of(t).value_or(Duration::zero()); }},
    {"dial_dialtone", K::Boolean,
     "`W` in a dialled string waits for dial tone (LINEDEVCAPFLAGS_DIALDIALTONE); without it such a string is "
     "refused with DIALDIALTONE",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.dial_dialtone); },
     [](SwitchProfile& p, std::string_view t) { p.dial_dialtone = bool_of(t); }},
    {"dial_quiet", K::Boolean,
     "`@` waits for a quiet answer (LINEDEVCAPFLAGS_DIALQUIET): the rest is dialled once the far end has "
     "answered; without it such a string is refused with DIALQUIET",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.dial_quiet); },
     [](SwitchProfile& p, std::string_view t) { p.dial_quiet = bool_of(t); }},
    {"dial_billing", K::Boolean,
     "`$` waits for the billing tone, 1 s (LINEDEVCAPFLAGS_DIALBILLING); without it such a string is refused "
     "with DIALBILLING",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.dial_billing); },
     [](SwitchProfile& p, std::string_view t) { p.dial_billing = bool_of(t); }},
    {"partial_dial", K::Boolean,
     "LINEADDRCAPFLAGS_PARTIALDIAL: a number may end with `;` and be finished by later `dial` steps (`dial` with "
     "no digits ends it); without it `;` is refused with INVALADDRESS",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.partial_dial); },
     [](SwitchProfile& p, std::string_view t) { p.partial_dial = bool_of(t); }},
    {"redirect_from_accepted", K::Boolean,
     "`redirect` also takes an ACCEPTED call (TAPI documents OFFERING only); without it an ACCEPTED call is "
     "refused with INVALCALLSTATE and does not advertise REDIRECT",
     "false", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.redirect_from_accepted); },
     [](SwitchProfile& p, std::string_view t) { p.redirect_from_accepted = bool_of(t); }},
    {"transfer_held", K::Boolean,
     "LINEADDRCAPFLAGS_TRANSFERHELD: `complete_transfer` takes a call on hold (`hold`), not only one that "
     "`setup_transfer` put ONHOLDPENDTRANSFER; without it such a call is refused with INVALCALLSTATE",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.transfer_held); },
     [](SwitchProfile& p, std::string_view t) { p.transfer_held = bool_of(t); }},
    {"transfer_make", K::Boolean,
     "LINEADDRCAPFLAGS_TRANSFERMAKE: the call a held call is transferred to may be any other call of the line "
     "(made or answered), not only the consultation call of `setup_transfer`; without it INVALCONSULTCALLHANDLE",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.transfer_make); },
     [](SwitchProfile& p, std::string_view t) { p.transfer_make = bool_of(t); }},
    {"conference_held", K::Boolean,
     "LINEADDRCAPFLAGS_CONFERENCEHELD: `add_to_conference` adds a call on hold; without it a held call is "
     "refused with INVALCALLSTATE",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.conference_held); },
     [](SwitchProfile& p, std::string_view t) { p.conference_held = bool_of(t); }},
    {"conference_make", K::Boolean,
     "LINEADDRCAPFLAGS_CONFERENCEMAKE: `add_to_conference` adds any other call of the line, not only the "
     "consultation call of `setup_conference` / `prepare_add_to_conference`; without it INVALCALLHANDLE",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.conference_make); },
     [](SwitchProfile& p, std::string_view t) { p.conference_make = bool_of(t); }},
    {"local_drop", K::Choice,
     "what `drop` does to the dropped call: straight to IDLE (`idle`, as TAPI's lineDrop describes it), or "
     "DISCONNECTED (mode NORMAL) and then IDLE at once (`disconnected`); the far party goes DISCONNECTED "
     "either way",
     "idle", 0, 0, kLocalDrop,
     [](const SwitchProfile& p) -> std::string { return p.local_drop_idle ? "idle" : "disconnected"; },
     [](SwitchProfile& p, std::string_view t) { p.local_drop_idle = t == "idle"; }},
    {"skip_states", K::States,
     "states the switch never reports, from DIALTONE, DIALING, PROCEEDING and RINGBACK: the call passes through "
     "them unseen (no event, no history entry, not in its status) and may do there what it always may; a new "
     "call in a skipped DIALTONE shows as DIALING",
     "`[]`", 0, 0, kSkippable, [](const SwitchProfile& p) { return states_text(p.skip_states); },
     [](SwitchProfile& p, std::string_view t) { p.skip_states = states_mask(t); }},
    {"ringback", K::Choice,
     "the order of an outgoing call's progress: PROCEEDING then RINGBACK (`after_proceeding`), or RINGBACK "
     "when the number is complete and PROCEEDING once the far end rings (`before_proceeding`)",
     "after_proceeding", 0, 0, kRingback,
     [](const SwitchProfile& p) -> std::string {
       return p.ringback_before_proceeding ? "before_proceeding" : "after_proceeding";
     },
     [](SwitchProfile& p, std::string_view t) { p.ringback_before_proceeding = t == "before_proceeding"; }},
    {"connected_delay", K::Time,
     "how long after the far end answers the caller's CONNECTED is reported (the called party's at once); any "
     "other change of the call waits for it",
     "0s", 0, 0, {}, [](const SwitchProfile& p) { return format_duration(p.connected_delay); },
     [](SwitchProfile& p, std::string_view t) { p.connected_delay = duration_of(t).value_or(Duration::zero()); }},
    {"conference_collapse", K::Boolean,
     "a conference left with one party becomes a plain call with it (CONFERENCED → CONNECTED); without it the "
     "conference call stays up with its one member CONFERENCED",
     "true", 0, 0, {}, [](const SwitchProfile& p) { return text_of(p.conference_collapse); },
     [](SwitchProfile& p, std::string_view t) { p.conference_collapse = bool_of(t); }},
    {"answering_machine_media", K::Choice,
     "the media mode the switch's detector reports for an answering machine (a greeting, then a beep): "
     "LINEMEDIAMODE_AUTOMATEDVOICE, or UNKNOWN for a switch that only tells people, faxes and modems apart",
     "AUTOMATEDVOICE", 0, 0, kMachineMedia,
     [](const SwitchProfile& p) -> std::string { return p.machine_media == 0x2 ? "UNKNOWN" : "AUTOMATEDVOICE"; },
     [](SwitchProfile& p, std::string_view t) { p.machine_media = t == "UNKNOWN" ? 0x2u : 0x8u; }},
    {"remove_from_conference", K::Choice,
     "LINEREMOVEFROMCONF: `remove_from_conference` takes any party (`any`), only the last one added (`last`; "
     "another is OPERATIONUNAVAIL), or none (`none`: OPERATIONUNAVAIL, and absent from the capabilities)",
     "any", 0, 0, kRemoveFromConf,
     [](const SwitchProfile& p) -> std::string {
       return p.remove_from_conference == RemoveFromConf::Any    ? "any"
              : p.remove_from_conference == RemoveFromConf::Last ? "last"
                                                                 : "none";
     },
     [](SwitchProfile& p, std::string_view t) {
       p.remove_from_conference = t == "any" ? RemoveFromConf::Any : t == "last" ? RemoveFromConf::Last : RemoveFromConf::None;
     }},
    {"reply_delay", K::Distribution,
     "the time from a request to its reply (a live client's `reply`, the TSP's ASYNC_COMPLETION), drawn for each "
     "request from the random stream `reply_delay`: a duration, `uniform(A, B)`, `exponential(MEAN)` or "
     "`lognormal(MEAN, SD)`",
     "0s", 0, 0, {}, [](const SwitchProfile& p) { return dist_text(p.reply_delay); },
     [](SwitchProfile& p, std::string_view t) {
       std::string why;
       p.reply_delay = parse_duration_dist(t, why).value_or(DurationDist());
     }},
    {"reply_order", K::Choice,
     "a request's reply comes before the state events it causes (`before_events`: the switch acts when it "
     "replies, `reply_delay` after the request), or the events come at once and the reply `reply_delay` later "
     "(`after_events`)",
     "before_events", 0, 0, kReplyOrder,
     [](const SwitchProfile& p) -> std::string {
       return p.reply_order == ReplyOrder::AfterEvents ? "after_events" : "before_events";
     },
     [](SwitchProfile& p, std::string_view t) {
       p.reply_order = t == "after_events" ? ReplyOrder::AfterEvents : ReplyOrder::BeforeEvents;
     }},
    {"all_trunks_busy", K::Choice,
     "a call out through a trunk group with every channel taken: BUSY with LINEBUSYMODE_TRUNK (`busy`), or "
     "DISCONNECTED with mode CONGESTION (`congestion`); either counts as blocked",
     "busy", 0, 0, kTrunksBusy,
     [](const SwitchProfile& p) -> std::string { return p.all_trunks_busy_congestion ? "congestion" : "busy"; },
     [](SwitchProfile& p, std::string_view t) { p.all_trunks_busy_congestion = t == "congestion"; }},
    {"vacant_number", K::Choice,
     "a number nobody has: DISCONNECTED, mode BADADDRESS (`disconnect`), or intercept tone, SPECIALINFO "
     "(`special_info`)",
     "disconnect", 0, 0, kVacant,
     [](const SwitchProfile& p) -> std::string { return p.vacant_number_special_info ? "special_info" : "disconnect"; },
     [](SwitchProfile& p, std::string_view t) { p.vacant_number_special_info = t == "special_info"; }},
};

}  // namespace

std::span<const ProfileSetting> profile_settings() { return kSettings; }

const ProfileSetting* find_profile_setting(std::string_view name) {
  for (const ProfileSetting& s : kSettings)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace telsim
