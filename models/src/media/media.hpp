#pragma once
// Digits, tones, media modes, user-user information and call data as a feature module of the
// Pbx core (pbx_feature.hpp; the vocabulary is models/media.hpp). Internal to telsim::models.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "telsim/models/media.hpp"
#include "telsim/models/pbx.hpp"
#include "telsim/models/pbx_feature.hpp"

namespace telsim {

class Media final : public PbxFeature {
 public:
  explicit Media(Pbx& pbx);

  /// A media operation of the catalogue (is_media_op), already authorized.
  OpResult execute(const Command& c);
  /// lineDial digits on a call whose number is complete: they go in-band to the far party,
  /// digit by digit, over `takes` (the switch's outpulsing time for them).
  void dialled(const Call& call, std::string_view digits, bool pulse);

  void on_answered(Call& call) override;
  void on_disconnected(Call& call) override;
  void on_idle(Call& call) override;
  void on_shutdown() override;
  /// Two parties were linked (answer, transfer, pickup, unpark): call data follows the call.
  void linked(Call& a, Call& b);
  /// The call's reported state changed: lineSetMediaControl's call-state triggers.
  void state_reported(const Call& call);

 private:
  struct Gather {
    std::uint32_t modes = digit_mode::kDtmf;
    std::uint32_t max = 1;
    std::string terminators;
    Duration first{0}, inter{0};
    std::string buffer;
    TimerHandle timer;
    /// A far-end behaviour's own gather (an IVR): called instead of reporting LINE_GATHERDIGITS.
    std::function<void(GatherTerm, const std::string&)> done;
  };
  /// One in-band generation (digits or a tone), stepped by one timer.
  struct Generation {
    bool tone = false;
    bool reported = true;  ///< an application's (LINE_GENERATE at its end); false: a far end's or lineDial's
    // digits
    std::string digits;
    bool pulse = false;
    Duration on{0}, off{0};
    std::size_t next = 0;
    // tone
    std::vector<std::uint32_t> frequencies;
    Duration tone_on{0}, tone_off{0};  ///< cadence (on 0: continuous)
    SimTime ends{0};
    std::string label;  ///< "BUSY", "2100", "speech"
    TimerHandle timer;
  };
  /// What a call's monitors watch besides LINECALLINFO's dwMonitor*Modes (on the Call itself).
  struct State {
    std::vector<MonitoredTone> tones;
    std::vector<TimerHandle> tone_timers;  ///< monitored tones being heard, until they count
    std::optional<Gather> gather;
    std::optional<Generation> gen;
    std::vector<MediaControlEntry> controls;
    std::vector<TimerHandle> script;  ///< the far-end behaviour's steps (media, digits, IVR)
  };

  OpResult generate_digits(Call& call, const MediaArgs& a);
  OpResult generate_tone(Call& call, const MediaArgs& a);
  OpResult gather_digits(Call& call, const MediaArgs& a);
  OpResult monitor_tones(Call& call, const MediaArgs& a);
  OpResult send_user_user_info(Call& call, const MediaArgs& a);
  OpResult set_call_params(Call& call, const MediaArgs& a);

  State& state(const Call& call) { return state_[call.id.serial]; }
  State* find_state(CallId id);
  /// The calls that hear what `sender` sends in-band now: its peer, or every other party of its
  /// conference; each CONNECTED.
  std::vector<CallId> audience(const Call& sender) const;

  // In-band generation.
  void start_generation(Call& call, Generation g);
  void step_generation(CallId id);
  void end_generation(Call& call, GenerateTerm term);
  /// A digit reaches `to`: its start (monitor DTMF/PULSE, gather, heard) or its end (DTMFEND).
  void digit_heard(CallId to, char digit, bool pulse, bool end);
  /// A tone of `frequencies` starts sounding at `to` for `length`.
  void tone_heard(CallId to, const std::vector<std::uint32_t>& frequencies, Duration length, std::string_view label);
  void speech_heard(CallId to, Duration length, std::string_view what);

  // Gathering.
  void start_gather(Call& call, Gather g);
  void finish_gather(CallId id, GatherTerm term);
  void arm_gather_timer(CallId id, Duration after, GatherTerm term);

  // Detection and far-end behaviours.
  void detected(CallId to, std::uint32_t media);
  void start_far_end(Call& party);
  void far_end_media(Call& party, const Behavior& b);
  void run_ivr(CallId party, const IvrNode* node, int attempts);
  /// Run `fn` on the party's call after `delay`, as long as it is connected (the behaviour's script).
  void after(Call& party, Duration delay, std::function<void(Call&)> fn);

  void control(const Call& call, MediaControlEntry::Trigger trigger, std::uint32_t modes, char digit,
               const std::vector<std::uint32_t>& frequencies, std::string trigger_text);
  void emit(MediaEvent e);
  void info_changed(const Call& call, std::uint32_t infostate);
  void forget(Call& call);

  Pbx& pbx_;
  std::unordered_map<std::uint32_t, State> state_;  ///< by call serial
};

}  // namespace telsim
