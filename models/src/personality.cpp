// Switch personalities (personality.hpp).
#include "telsim/models/personality.hpp"

#include <algorithm>
#include <array>

namespace telsim {
namespace {

// strict: TAPI's documentation to the letter; every choice TAPI leaves to the switch is taken as
// the documentation describes the typical case (the defaults), spelled out so that a change of a
// default does not silently change the preset.
constexpr PresetSetting kStrict[] = {
    {"local_drop", "idle"},        {"autoreconnect", "true"},      {"redirect_from_accepted", "false"},
    {"all_trunks_busy", "busy"},   {"confdrop", "true"},           {"transfer_held", "true"},
    {"transfer_make", "true"},     {"conference_held", "true"},    {"conference_make", "true"},
    {"partial_dial", "true"},      {"dial_dialtone", "true"},      {"dial_quiet", "true"},
    {"dial_billing", "true"},      {"skip_states", ""},            {"ringback", "after_proceeding"},
    {"connected_delay", "0s"},     {"conference_collapse", "true"}, {"remove_from_conference", "any"},
    {"reply_delay", "0s"},         {"reply_order", "before_events"},
};

// minimal: only TAPI's Basic Telephony Services (make a call, dial, answer, drop, deallocate,
// translate an address, hand a call off); every supplementary service is OPERATIONUNAVAIL. A
// plain line: one call appearance, no dial-string waits or partial dialling, and only the call
// progress every provider reports: DIALING, RINGBACK, CONNECTED (no DIALTONE, no PROCEEDING).
constexpr PresetSetting kMinimal[] = {
    {"max_calls_per_line", "1"}, {"partial_dial", "false"}, {"dial_dialtone", "false"},
    {"dial_quiet", "false"},     {"dial_billing", "false"}, {"answer_mode", "none"},
    {"skip_states", "DIALTONE,PROCEEDING"},
};
// The Basic Telephony Services among the operations; minimal offers these and nothing else
// (every other one, the media and agent operations included, is supplementary in TAPI).
constexpr bool is_basic(Op op) {
  return op == Op::MakeCall || op == Op::Dial || op == Op::Answer || op == Op::Drop || op == Op::Deallocate ||
         op == Op::TranslateAddress || op == Op::Handoff;
}
constexpr std::size_t kBasicCount = [] {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kOpCount; ++i) n += is_basic(static_cast<Op>(i));
  return n;
}();
// Computed from the catalogue, so an operation added later is out of minimal unless it is basic.
constexpr auto kMinimalOut = [] {
  std::array<Op, kOpCount - kBasicCount> out{};
  std::size_t k = 0;
  for (std::size_t i = 0; i < kOpCount; ++i)
    if (!is_basic(static_cast<Op>(i))) out[k++] = static_cast<Op>(i);
  return out;
}();
static_assert(kBasicCount == 7, "the seven Basic Telephony operations minimal names");

// key_system: a small key telephone system. Lines hold, transfer and conference (three parties,
// no CONFDROP), but there is no park, no call completion and no redirect; a local hang-up is
// reported DISCONNECTED then IDLE, a dropped consultation leaves the original on hold, a held or
// independent call cannot be transferred or conferenced, and every trunk busy is congestion.
// The set never hears PROCEEDING (DIALING goes straight to RINGBACK), and a conference party
// cannot be taken out.
constexpr PresetSetting kKeySystem[] = {
    {"local_drop", "disconnected"}, {"autoreconnect", "false"},   {"confdrop", "false"},
    {"conference_max", "3"},        {"max_calls_per_line", "2"}, {"transfer_held", "false"},
    {"transfer_make", "false"},     {"conference_held", "false"}, {"conference_make", "false"},
    {"all_trunks_busy", "congestion"}, {"partial_dial", "false"}, {"skip_states", "PROCEEDING"},
    {"remove_from_conference", "none"},
};
constexpr Op kKeySystemOut[] = {
    Op::Park, Op::Unpark, Op::CompleteCall, Op::UncompleteCall, Op::Redirect,
};

// large_pbx: a big networked switch behind a CTI link: every reply takes 200-600 ms and comes
// after the state events the request caused, the caller's CONNECTED is reported 300 ms after the
// answer, the far end's ringing is reported before the call proceeds (RINGBACK, then
// PROCEEDING), conferences grow to 31 parties and do not collapse, and only the last party added
// can be taken out. Everything is offered.
constexpr PresetSetting kLargePbx[] = {
    {"reply_delay", "uniform(200ms, 600ms)"}, {"reply_order", "after_events"}, {"connected_delay", "300ms"},
    {"ringback", "before_proceeding"},        {"conference_max", "31"},        {"max_calls_per_line", "16"},
    {"conference_collapse", "false"},         {"remove_from_conference", "last"},
};

constexpr Personality kPersonalities[] = {
    {"strict", "TAPI's documentation to the letter: lineDrop to IDLE, AUTORECONNECT, redirect only when OFFERING, "
               "a busy trunk is BUSY, every operation offered",
     kStrict, {}},
    {"minimal", "only the Basic Telephony Services (make_call, dial, answer, drop, deallocate, translate_address, "
                "handoff); one call appearance, no partial dialling or dial-string waits; no DIALTONE or "
                "PROCEEDING reported",
     kMinimal, kMinimalOut},
    {"key_system", "a small key system: no park, completion or redirect; 3-party conferences without CONFDROP; "
                   "local drop through DISCONNECTED; no PROCEEDING; no AUTORECONNECT; two appearances; all trunks busy "
                   "is congestion",
     kKeySystem, kKeySystemOut},
    {"large_pbx", "a big networked switch: replies 200-600 ms late and after their events, CONNECTED 300 ms after "
                  "the answer, RINGBACK before PROCEEDING, 31-party conferences that do not collapse, remove only "
                  "the last party",
     kLargePbx, {}},
};

}  // namespace

std::span<const Personality> personalities() { return kPersonalities; }

const Personality* find_personality(std::string_view name) {
  const auto it = std::find_if(std::begin(kPersonalities), std::end(kPersonalities),
                               [&](const Personality& p) { return p.name == name; });
  return it == std::end(kPersonalities) ? nullptr : &*it;
}

std::string personality_names() {
  std::string names;
  for (const Personality& p : kPersonalities) names += (names.empty() ? "" : ", ") + std::string(p.name);
  return names;
}

void apply(const Personality& p, SwitchProfile& profile) {
  for (const PresetSetting& s : p.settings)
    if (const ProfileSetting* setting = find_profile_setting(s.name)) setting->set(profile, s.value);
  for (Op op : p.unsupported) profile.supported[static_cast<std::size_t>(op)] = false;
}

}  // namespace telsim
