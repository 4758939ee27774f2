// Digits, tones, media modes, user-user information and call data (models/media.hpp): what
// travels in-band between the parties of a call, what the switch's detectors report, the far-end
// behaviours, and the refusals of the media operations.
#include <gtest/gtest.h>

#include "pbx_fixture.hpp"
#include "telsim/models/media.hpp"

namespace telsim::test {
namespace {

/// A recorder of the media events and call-info changes too.
class MediaRecorder final : public PbxObserver {
 public:
  void on_media(const MediaEvent& e) override { events.push_back(e); }
  void on_call_info(CallId call, std::uint32_t infostate) override { infos.emplace_back(call, infostate); }
  std::vector<MediaEvent> of(CallId call, MediaEvent::Kind kind) const {
    std::vector<MediaEvent> out;
    for (const MediaEvent& e : events)
      if (e.call == call && e.kind == kind) out.push_back(e);
    return out;
  }
  std::string monitored(CallId call, std::uint32_t mode) const {
    std::string out;
    for (const MediaEvent& e : of(call, MediaEvent::Kind::MonitorDigit))
      if (e.value == mode) out += e.digit;
    return out;
  }
  bool info_changed(CallId call, std::uint32_t bit) const {
    for (const auto& [c, bits] : infos)
      if (c == call && (bits & bit)) return true;
    return false;
  }
  std::vector<MediaEvent> events;
  std::vector<std::pair<CallId, std::uint32_t>> infos;
};

// LINECALLINFOSTATE_ values, as <tapi.h> has them; media.hpp takes its own from tapi_names.
constexpr std::uint32_t kInfoUserUserInfo = 0x200000;
constexpr std::uint32_t kInfoCallData = 0x40000000;
constexpr std::uint32_t kInfoMediaMode = 0x10;
constexpr std::uint32_t kInfoMonitorModes = 0x8000000;
static_assert(kInfoUserUserInfo == callinfo::kUserUserInfo && kInfoCallData == callinfo::kCallData &&
              kInfoMediaMode == callinfo::kMediaMode && kInfoMonitorModes == callinfo::kMonitorModes);

Command media_command(Op op, CallId call) {
  Command c;
  c.op = op;
  c.call = call;
  return c;
}

struct MediaWorld {
  explicit MediaWorld(std::vector<LineConfig> lines) : w(std::move(lines)) { w.pbx.add_observer(&media); }
  explicit MediaWorld(PbxConfig config) : w(std::move(config)) { w.pbx.add_observer(&media); }
  /// `from` calls `to`, which answers: both handles, CONNECTED.
  std::pair<CallId, CallId> connect(std::string_view from, std::string_view to) {
    const CallId a = w.call(from, to);
    w.run_until(w.pbx.now() + 2s);
    const CallId b = w.pbx.line(w.line(to)).calls.back();
    EXPECT_TRUE(w.pbx.answer(b).ok());
    EXPECT_EQ(w.state(a), CallState::Connected);
    return {a, b};
  }
  OpResult run(const Command& c) { return w.pbx.execute(c); }
  OpResult generate(CallId call, std::string digits, std::optional<Duration> duration = std::nullopt,
                    std::uint32_t mode = digit_mode::kDtmf) {
    Command c = media_command(Op::GenerateDigits, call);
    c.media.digits = std::move(digits);
    c.media.digit_modes = mode;
    c.media.duration = duration;
    return run(c);
  }
  OpResult monitor(CallId call, std::uint32_t modes) {
    Command c = media_command(Op::MonitorDigits, call);
    c.media.digit_modes = modes;
    return run(c);
  }
  OpResult gather(CallId call, std::optional<std::uint32_t> max, std::string terminators = {},
                  Duration first = Duration::zero(), Duration inter = Duration::zero()) {
    Command c = media_command(Op::GatherDigits, call);
    c.media.max = max;
    c.media.terminators = std::move(terminators);
    c.media.first_timeout = first;
    c.media.inter_timeout = inter;
    return run(c);
  }
  World w;
  MediaRecorder media;
};

// --- in-band digits ------------------------------------------------------------------------------

TEST(PbxMediaTest, GeneratedDtmfReachesThePeerWithItsTimingAndEndsDone) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  ASSERT_TRUE(m.monitor(b, digit_mode::kDtmf | digit_mode::kDtmfEnd).ok());
  const SimTime t0 = m.w.pbx.now();
  ASSERT_TRUE(m.generate(a, "1#", 100ms).ok());
  m.w.run_until(t0 + 1s);
  const auto digits = m.media.of(b, MediaEvent::Kind::MonitorDigit);
  ASSERT_EQ(digits.size(), 4u);  // 1 DTMF, 1 DTMFEND, # DTMF, # DTMFEND
  EXPECT_EQ(digits[0].digit, '1');
  EXPECT_EQ(digits[0].value, digit_mode::kDtmf);
  EXPECT_EQ(digits[0].at, t0);
  EXPECT_EQ(digits[1].value, digit_mode::kDtmfEnd);
  EXPECT_EQ(digits[1].at, t0 + 100ms) << "on for the duration";
  EXPECT_EQ(digits[2].digit, '#');
  EXPECT_EQ(digits[2].at, t0 + 200ms) << "then off for as long";
  const auto done = m.media.of(a, MediaEvent::Kind::Generate);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].value, static_cast<std::uint32_t>(GenerateTerm::Done));
  EXPECT_EQ(done[0].at, t0 + 400ms);
  EXPECT_EQ(m.w.pbx.find_call(b)->heard, "1#");
  EXPECT_TRUE(m.media.of(a, MediaEvent::Kind::MonitorDigit).empty()) << "the sender hears nothing of its own";
  EXPECT_EQ(m.w.pbx.stats().digits_generated, 2u);
  EXPECT_EQ(m.w.pbx.stats().digits_heard, 2u);
}

TEST(PbxMediaTest, ANewGenerationCancelsTheOneUnderWay) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  ASSERT_TRUE(m.generate(a, "123456789", 100ms).ok());
  m.w.run_until(m.w.pbx.now() + 250ms);
  ASSERT_TRUE(m.generate(a, "0", 100ms).ok());
  m.w.run_until(m.w.pbx.now() + 1s);
  const auto ends = m.media.of(a, MediaEvent::Kind::Generate);
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[0].value, static_cast<std::uint32_t>(GenerateTerm::Cancel));
  EXPECT_EQ(ends[1].value, static_cast<std::uint32_t>(GenerateTerm::Done));
  EXPECT_EQ(m.w.pbx.find_call(b)->heard, "120");
  // No digits (TAPI's NULL) cancels; the call leaving cancels too.
  ASSERT_TRUE(m.generate(a, "999", 100ms).ok());
  ASSERT_TRUE(m.generate(a, "").ok());
  ASSERT_TRUE(m.generate(a, "88", 100ms).ok());
  ASSERT_TRUE(m.w.pbx.drop(a).ok());
  const auto all = m.media.of(a, MediaEvent::Kind::Generate);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[2].value, static_cast<std::uint32_t>(GenerateTerm::Cancel));
  EXPECT_EQ(all[3].value, static_cast<std::uint32_t>(GenerateTerm::Cancel));
}

TEST(PbxMediaTest, PulseDigitsTakeTheirPulsesAndHaveNoDtmfEnd) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  ASSERT_TRUE(m.monitor(b, digit_mode::kPulse | digit_mode::kDtmf | digit_mode::kDtmfEnd).ok());
  const SimTime t0 = m.w.pbx.now();
  ASSERT_TRUE(m.generate(a, "30", 500ms, digit_mode::kPulse).ok());
  m.w.run_until(t0 + 5s);
  const auto digits = m.media.of(b, MediaEvent::Kind::MonitorDigit);
  ASSERT_EQ(digits.size(), 2u);
  EXPECT_EQ(digits[0].value, digit_mode::kPulse);
  EXPECT_EQ(digits[1].at, t0 + 300ms + 500ms) << "3 pulses at 10 a second, then the gap";
  EXPECT_EQ(m.media.of(a, MediaEvent::Kind::Generate).at(0).at, t0 + 800ms + 1000ms + 500ms);
  EXPECT_EQ(m.generate(a, "#", 100ms, digit_mode::kPulse).error, LineErr::InvalDigits) << "no # by pulses";
  EXPECT_EQ(m.generate(a, "1x").error, LineErr::InvalDigits);
}

TEST(PbxMediaTest, DialOnAConnectedCallSendsItsDigitsInBand) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  ASSERT_TRUE(m.monitor(b, digit_mode::kDtmf).ok());
  ASSERT_TRUE(m.w.pbx.dial(a, "42").ok());
  m.w.run_until(m.w.pbx.now() + 1s);
  EXPECT_EQ(m.media.monitored(b, digit_mode::kDtmf), "42");
  EXPECT_EQ(m.w.pbx.find_call(a)->far_digits, "42");
}

TEST(PbxMediaTest, EveryOtherPartyOfAConferenceHearsADigit) {
  MediaWorld m({manual("201"), manual("202"), manual("203")});
  const auto [a, b] = m.connect("201", "202");
  const OpResult conf = m.w.pbx.setup_conference(a, "203");
  ASSERT_TRUE(conf.ok());
  m.w.run_until(m.w.pbx.now() + 2s);
  const CallId c = m.w.pbx.line(m.w.line("203")).calls.back();
  ASSERT_TRUE(m.w.pbx.answer(c).ok());
  ASSERT_TRUE(m.w.pbx.add_to_conference(conf.call, conf.consult).ok());
  // The party at 202 sends: the controller (its conference call) and 203 hear it.
  ASSERT_TRUE(m.generate(b, "5").ok());
  m.w.run_until(m.w.pbx.now() + 1s);
  EXPECT_EQ(m.w.pbx.find_call(conf.call)->heard, "5");
  EXPECT_EQ(m.w.pbx.find_call(c)->heard, "5");
  EXPECT_EQ(m.w.pbx.find_call(b)->heard, "");
  // The controller sends on its conference call: both parties hear it.
  ASSERT_TRUE(m.generate(conf.call, "7").ok());
  m.w.run_until(m.w.pbx.now() + 1s);
  EXPECT_EQ(m.w.pbx.find_call(b)->heard, "7");
  EXPECT_EQ(m.w.pbx.find_call(c)->heard, "57");
}

TEST(PbxMediaTest, AHeldPartyHearsNothing) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  ASSERT_TRUE(m.w.pbx.hold(b).ok());
  ASSERT_TRUE(m.generate(a, "1").ok());
  m.w.run_until(m.w.pbx.now() + 1s);
  EXPECT_EQ(m.w.pbx.find_call(b)->heard, "");
  EXPECT_EQ(m.media.of(a, MediaEvent::Kind::Generate).at(0).value, static_cast<std::uint32_t>(GenerateTerm::Done));
}

// --- gathering ----------------------------------------------------------------------------------

TEST(PbxMediaTest, AGatherEndsOnItsTerminatorFullBufferOrTimeouts) {
  MediaWorld m({manual("201"), manual("202")});
  // Named, not a structured binding: clang 14 (the sanitizer build's) cannot capture one.
  const auto ab = m.connect("201", "202");
  const auto a = std::get<0>(ab);
  [[maybe_unused]] const auto b = std::get<1>(ab);
  auto last_gather = [&] {
    const auto g = m.media.of(b, MediaEvent::Kind::Gather);
    return g.empty() ? std::pair<std::uint32_t, std::string>{0, "(none)"} : std::pair{g.back().value, g.back().text};
  };
  ASSERT_TRUE(m.gather(b, 5, "#*").ok());
  ASSERT_TRUE(m.generate(a, "12*9").ok());
  m.w.run_until(m.w.pbx.now() + 2s);
  EXPECT_EQ(last_gather(), std::pair(static_cast<std::uint32_t>(GatherTerm::TermDigit), std::string("12*")));
  ASSERT_TRUE(m.gather(b, 2).ok());
  ASSERT_TRUE(m.generate(a, "345").ok());
  m.w.run_until(m.w.pbx.now() + 2s);
  EXPECT_EQ(last_gather(), std::pair(static_cast<std::uint32_t>(GatherTerm::BufferFull), std::string("34")));
  const SimTime t0 = m.w.pbx.now();
  ASSERT_TRUE(m.gather(b, 4, "", 2s, 1s).ok());
  m.w.run_until(t0 + 10s);
  EXPECT_EQ(last_gather(), std::pair(static_cast<std::uint32_t>(GatherTerm::FirstTimeout), std::string()));
  EXPECT_EQ(m.media.of(b, MediaEvent::Kind::Gather).back().at, t0 + 2s);
  ASSERT_TRUE(m.gather(b, 4, "", 2s, 1s).ok());
  ASSERT_TRUE(m.generate(a, "6").ok());
  const SimTime t1 = m.w.pbx.now();
  m.w.run_until(t1 + 10s);
  EXPECT_EQ(last_gather(), std::pair(static_cast<std::uint32_t>(GatherTerm::InterTimeout), std::string("6")));
  EXPECT_EQ(m.media.of(b, MediaEvent::Kind::Gather).back().at, t1 + 1s) << "a second after the digit began";
  // A new gather cancels the one under way; one without a buffer only cancels; the call
  // leaving cancels too.
  ASSERT_TRUE(m.gather(b, 4).ok());
  ASSERT_TRUE(m.gather(b, 4).ok());
  EXPECT_EQ(last_gather().first, static_cast<std::uint32_t>(GatherTerm::Cancel));
  ASSERT_TRUE(m.gather(b, std::nullopt).ok());
  EXPECT_EQ(m.media.of(b, MediaEvent::Kind::Gather).size(), 6u);
  ASSERT_TRUE(m.gather(b, 4).ok());
  ASSERT_TRUE(m.w.pbx.drop(a).ok());
  EXPECT_EQ(last_gather().first, static_cast<std::uint32_t>(GatherTerm::Cancel));
  EXPECT_EQ(m.media.of(b, MediaEvent::Kind::Gather).size(), 7u);
  EXPECT_EQ(m.w.pbx.stats().gathers, 7u);
  EXPECT_EQ(m.w.pbx.stats().gather_timeouts, 2u);
}

TEST(PbxMediaTest, GatherRefusesABadBufferTimeoutOrTerminator) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  EXPECT_EQ(m.gather(b, 0).error, LineErr::InvalParam);
  EXPECT_EQ(m.gather(b, 256).error, LineErr::InvalParam);
  EXPECT_EQ(m.gather(b, 4, "", 50ms).error, LineErr::InvalTimeout) << "below dwGatherDigitsMinTimeout";
  EXPECT_EQ(m.gather(b, 4, "", Duration::zero(), std::chrono::minutes(11)).error, LineErr::InvalTimeout);
  EXPECT_EQ(m.gather(b, 4, "x").error, LineErr::InvalDigits);
  EXPECT_TRUE(m.media.of(b, MediaEvent::Kind::Gather).empty()) << "a refusal starts nothing";
}

// --- tones, media modes, far ends ----------------------------------------------------------------

TEST(PbxMediaTest, AMonitoredToneIsReportedOnceItSoundedLongEnough) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  Command watch = media_command(Op::MonitorTones, b);
  watch.media.tones = {MonitoredTone{{480, 620, 0}, 300ms, 7}, MonitoredTone{{440, 480, 0}, 3s, 8}};
  ASSERT_TRUE(m.run(watch).ok());
  Command busy = media_command(Op::GenerateTone, a);
  busy.media.tone = ToneMode::Busy;
  busy.media.duration = 2s;
  const SimTime t0 = m.w.pbx.now();
  ASSERT_TRUE(m.run(busy).ok());
  m.w.run_until(t0 + 3s);
  const auto tones = m.media.of(b, MediaEvent::Kind::MonitorTone);
  ASSERT_EQ(tones.size(), 2u) << "BUSY's 0.5 s bursts, twice in 2 s";
  EXPECT_EQ(tones[0].value, 7u);
  EXPECT_EQ(tones[0].at, t0 + 300ms);
  EXPECT_EQ(tones[1].at, t0 + 1s + 300ms);
  EXPECT_EQ(m.media.of(a, MediaEvent::Kind::Generate).at(0).at, t0 + 2s);
  // RINGBACK's 2 s burst is shorter than the 3 s the second entry wants.
  Command ring = media_command(Op::GenerateTone, a);
  ring.media.tone = ToneMode::Ringback;
  ASSERT_TRUE(m.run(ring).ok());
  m.w.run_until(m.w.pbx.now() + 10s);
  EXPECT_EQ(m.media.of(b, MediaEvent::Kind::MonitorTone).size(), 2u);
  Command custom = media_command(Op::GenerateTone, a);
  custom.media.tone = ToneMode::Custom;
  EXPECT_EQ(m.run(custom).error, LineErr::InvalToneList) << "CUSTOM without its frequencies";
}

TEST(PbxMediaTest, TheDetectorTellsAFaxAModemAndAnAnsweringMachineApart) {
  Behavior fax = auto_station(1s);
  fax.media = Behavior::Media::Fax;
  Behavior modem = auto_station(1s);
  modem.media = Behavior::Media::Modem;
  Behavior machine = auto_station(1s);
  machine.media = Behavior::Media::AnsweringMachine;
  machine.greeting = 3s;
  PbxConfig cfg = config_of({manual("201"), station("250", auto_station(1s)), station("251", fax),
                             station("252", modem), station("253", machine)});
  cfg.profile.machine_media = media_mode::kUnknown;  // a switch that does not tell machines apart
  MediaWorld m(std::move(cfg));
  struct Case {
    const char* number;
    std::uint32_t media;
    Duration after_answer;
  };
  for (const Case& k : {Case{"250", media_mode::kInteractiveVoice, 1800ms}, Case{"251", media_mode::kG3Fax, 3700ms},
                        Case{"252", media_mode::kDataModem, 1200ms}, Case{"253", media_mode::kUnknown, 4s}}) {
    SCOPED_TRACE(k.number);
    const CallId call = m.w.call("201", k.number);
    Command watch = media_command(Op::MonitorMedia, call);
    watch.media.media_modes = media_mode::kInteractiveVoice | media_mode::kG3Fax | media_mode::kDataModem |
                              media_mode::kUnknown | media_mode::kAutomatedVoice;
    ASSERT_TRUE(m.run(watch).ok());
    m.w.run_until(m.w.pbx.now() + 10s);
    const Call* c = m.w.pbx.find_call(call);
    ASSERT_EQ(c->state, CallState::Connected);
    const auto seen = m.media.of(call, MediaEvent::Kind::MonitorMedia);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].value, k.media);
    EXPECT_EQ(seen[0].at, *c->answered + k.after_answer);
    EXPECT_EQ(c->detected_media, k.media);
    // A voice call stays INTERACTIVEVOICE without a change; the others change LINECALLINFO.
    EXPECT_EQ(m.media.info_changed(call, kInfoMediaMode), k.media != media_mode::kInteractiveVoice);
    ASSERT_TRUE(m.w.pbx.drop(call).ok());
  }
}

TEST(PbxMediaTest, StationsTalkingToEachOtherNeedNoDetector) {
  MediaWorld m({station("301", auto_station(std::nullopt, 5s)), station("302", auto_station(1s))});
  m.w.call("301", "302");
  m.w.run_until(SimTime(10s));
  EXPECT_EQ(m.w.pbx.stats().media_detected, 0u);
  EXPECT_TRUE(m.media.events.empty());
}

TEST(PbxMediaTest, AnIvrPlaysItsMenuAndActsOnTheCallersChoice) {
  auto node = [](Duration prompt) {
    auto n = std::make_shared<IvrNode>();
    n->prompt = prompt;
    return n;
  };
  auto root = node(2s);
  root->max = 1;
  root->first_timeout = 3s;
  auto sales = node(1s);
  sales->transfer = "202";
  auto bye = node(1s);
  bye->hangup = true;
  root->menu = {{"1", sales}, {"9", bye}};
  Behavior ivr = auto_station(1s);
  ivr.ivr = root;
  MediaWorld m({manual("201"), manual("202"), station("260", ivr)});
  // A caller that chooses 1 is transferred to 202.
  const CallId caller = m.w.call("201", "260");
  m.w.run_until(m.w.pbx.now() + 5s);  // answered (at 2.34 s), the prompt played (digits during it are lost)
  ASSERT_EQ(m.w.state(caller), CallState::Connected);
  ASSERT_TRUE(m.generate(caller, "1").ok());
  m.w.run_until(m.w.pbx.now() + 3s);
  ASSERT_FALSE(m.w.pbx.line(m.w.line("202")).calls.empty()) << "transferred to 202";
  const CallId at_202 = m.w.pbx.line(m.w.line("202")).calls.back();
  EXPECT_EQ(m.w.state(at_202), CallState::Offering);
  EXPECT_EQ(m.w.pbx.find_call(at_202)->reason, CallReason::Transfer);
  ASSERT_TRUE(m.w.pbx.drop(caller).ok());
  // A caller that says nothing hears the menu three times, then the IVR hangs up.
  const CallId silent = m.w.call("201", "260");
  m.w.run_until(m.w.pbx.now() + 30s);
  EXPECT_EQ(m.w.state(silent), CallState::Disconnected);
  // The prompts are heard by the caller.
  int prompts = 0;
  for (const MediaEvent& e : m.media.of(silent, MediaEvent::Kind::Heard))
    if (e.text.rfind("prompt", 0) == 0) ++prompts;
  EXPECT_EQ(prompts, 3);
}

TEST(PbxMediaTest, AFarEndSendsItsDigitsAtTheirTimes) {
  Behavior caller = auto_station(1s);
  caller.send_digits = {{2s, "12"}, {5s, "#"}};
  MediaWorld m({manual("201"), station("251", caller)});
  const CallId out = m.w.call("201", "251");
  m.w.run_until(m.w.pbx.now() + 10s);
  const Call* c = m.w.pbx.find_call(out);
  EXPECT_EQ(c->heard, "12#");
  std::vector<SimTime> at;
  for (const MediaEvent& e : m.media.of(out, MediaEvent::Kind::Heard))
    if (e.digit) at.push_back(e.at);
  ASSERT_EQ(at.size(), 3u);
  EXPECT_EQ(at[0], *c->answered + 2s);
  EXPECT_EQ(at[2], *c->answered + 5s);
  EXPECT_TRUE(m.media.of(out, MediaEvent::Kind::Generate).empty()) << "a far end's generation is not reported";
}

// --- what a call carries ------------------------------------------------------------------------

TEST(PbxMediaTest, UserUserInfoShowsAtTheFarPartyUntilReleased) {
  MediaWorld m({manual("201"), manual("202")});
  const auto ab = m.connect("201", "202");
  const auto a = std::get<0>(ab);
  [[maybe_unused]] const auto b = std::get<1>(ab);
  auto send = [&](std::string info) {
    Command c = media_command(Op::SendUserUserInfo, a);
    c.media.text = std::move(info);
    return m.run(c);
  };
  ASSERT_TRUE(send("one").ok());
  ASSERT_TRUE(send("two").ok());
  EXPECT_EQ(m.w.pbx.find_call(b)->user_user_info, "one");
  EXPECT_TRUE(m.media.info_changed(b, kInfoUserUserInfo));
  EXPECT_FALSE(m.media.info_changed(a, kInfoUserUserInfo));
  ASSERT_TRUE(m.run(media_command(Op::ReleaseUserUserInfo, b)).ok());
  EXPECT_EQ(m.w.pbx.find_call(b)->user_user_info, "two");
  ASSERT_TRUE(m.run(media_command(Op::ReleaseUserUserInfo, b)).ok());
  EXPECT_EQ(m.w.pbx.find_call(b)->user_user_info, "");
  EXPECT_EQ(send(std::string(129, 'x')).error, LineErr::UserUserInfoTooBig);
  EXPECT_TRUE(send(std::string(128, 'x')).ok());
  ASSERT_TRUE(m.w.pbx.hold(a).ok());
  EXPECT_EQ(send("held").error, LineErr::InvalCallState);
}

TEST(PbxMediaTest, CallDataIsTheCallsAndFollowsItThroughATransfer) {
  MediaWorld m({manual("201"), manual("202"), manual("203")});
  const auto [caller, agent] = m.connect("203", "201");
  Command set = media_command(Op::SetCallData, agent);
  set.media.text = "account=4711";
  ASSERT_TRUE(m.run(set).ok());
  EXPECT_EQ(m.w.pbx.find_call(caller)->call_data, "account=4711");
  EXPECT_TRUE(m.media.info_changed(caller, kInfoCallData));
  const OpResult consult = m.w.pbx.setup_transfer(agent, "202");
  ASSERT_TRUE(consult.ok());
  m.w.run_until(m.w.pbx.now() + 2s);
  const CallId supervisor = m.w.pbx.line(m.w.line("202")).calls.back();
  ASSERT_TRUE(m.w.pbx.answer(supervisor).ok());
  EXPECT_EQ(m.w.pbx.find_call(supervisor)->call_data, "") << "the consultation is another call";
  ASSERT_TRUE(m.w.pbx.complete_transfer(agent, consult.consult, TransferMode::Transfer).ok());
  EXPECT_EQ(m.w.pbx.find_call(supervisor)->call_data, "account=4711");
  EXPECT_TRUE(m.media.info_changed(supervisor, kInfoCallData));
  set.call = supervisor;
  set.media.text = std::string(4097, 'x');
  EXPECT_EQ(m.run(set).error, LineErr::InvalParam);
}

TEST(PbxMediaTest, CallParamsTreatmentAndQosChangeTheCallsInfo) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  Command params = media_command(Op::SetCallParams, a);
  params.media.bearer_mode = 0x8;  // DATA
  params.media.min_rate = 9600;
  params.media.max_rate = 64000;
  params.media.dial_params = DialParams{1s, 0ms, 60ms, 3s};
  ASSERT_TRUE(m.run(params).ok());
  const Call* c = m.w.pbx.find_call(a);
  EXPECT_EQ(c->bearer_mode, 0x8u);
  EXPECT_EQ(c->rate, 64000u);
  ASSERT_TRUE(c->dial_params);
  // The call's digit duration times its digits from now on.
  ASSERT_TRUE(m.monitor(b, digit_mode::kDtmfEnd).ok());
  const SimTime t0 = m.w.pbx.now();
  ASSERT_TRUE(m.generate(a, "1").ok());
  m.w.run_until(t0 + 1s);
  EXPECT_EQ(m.media.of(b, MediaEvent::Kind::MonitorDigit).at(0).at, t0 + 60ms);
  params.media = {};
  params.media.min_rate = 2;
  params.media.max_rate = 1;
  EXPECT_EQ(m.run(params).error, LineErr::InvalRate);
  Command treat = media_command(Op::SetCallTreatment, a);
  treat.media.treatment = Treatment::Music;
  ASSERT_TRUE(m.run(treat).ok());
  EXPECT_EQ(c->treatment, Treatment::Music);
  EXPECT_TRUE(m.media.of(b, MediaEvent::Kind::Heard).empty() ||
              m.media.of(b, MediaEvent::Kind::Heard).back().text != "treatment MUSIC")
      << "a connected call's treatment waits until it waits";
  ASSERT_TRUE(m.w.pbx.hold(a).ok());
  EXPECT_EQ(m.media.of(b, MediaEvent::Kind::Heard).back().text, "treatment MUSIC") << "music on hold";
  ASSERT_TRUE(m.w.pbx.unhold(a).ok());
  Command qos = media_command(Op::SetCallQualityOfService, a);
  qos.media.qos_sending = "GUARANTEED 64000";
  ASSERT_TRUE(m.run(qos).ok());
  EXPECT_EQ(c->qos_sending, "GUARANTEED 64000");
  ASSERT_TRUE(m.monitor(a, digit_mode::kDtmf).ok());
  EXPECT_TRUE(m.media.info_changed(a, kInfoMonitorModes));
}

TEST(PbxMediaTest, MediaControlReportsTheActionOfEachTrigger) {
  MediaWorld m({manual("201"), manual("202")});
  const auto [a, b] = m.connect("201", "202");
  Command control = media_command(Op::SetMediaControl, b);
  MediaControlEntry digit;
  digit.trigger = MediaControlEntry::Trigger::Digit;
  digit.digit = '5';
  digit.modes = digit_mode::kDtmf;
  digit.action = 0x8;  // PAUSE
  MediaControlEntry state;
  state.trigger = MediaControlEntry::Trigger::State;
  state.modes = static_cast<std::uint32_t>(CallState::OnHold);
  state.action = 0x4;  // RESET
  control.media.controls = {digit, state};
  ASSERT_TRUE(m.run(control).ok());
  ASSERT_TRUE(m.generate(a, "45").ok());
  m.w.run_until(m.w.pbx.now() + 1s);
  ASSERT_TRUE(m.w.pbx.hold(b).ok());
  const auto actions = m.media.of(b, MediaEvent::Kind::MediaControl);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].value, 0x8u);
  EXPECT_EQ(actions[0].text, "digit 5");
  EXPECT_EQ(actions[1].value, 0x4u);
  EXPECT_EQ(actions[1].text, "state ONHOLD");
}

TEST(PbxMediaTest, MediaOperationsNeedALiveHandleInAStateThatAllowsThem) {
  MediaWorld m({manual("201"), manual("202")});
  const CallId a = m.w.call("201", "202");
  EXPECT_EQ(m.generate(a, "1").error, LineErr::InvalCallState) << "DIALTONE: no number yet";
  EXPECT_EQ(m.generate(CallId{9, 99}, "1").error, LineErr::InvalCallHandle);
  EXPECT_TRUE(m.monitor(a, digit_mode::kDtmf).ok()) << "monitoring may start at once";
  ASSERT_TRUE(m.w.pbx.drop(a).ok());
  EXPECT_EQ(m.monitor(a, digit_mode::kDtmf).error, LineErr::InvalCallState) << "IDLE";
  EXPECT_NE(m.w.pbx.call_features(a) & feature::kMonitorDigits, feature::kMonitorDigits);
}

}  // namespace
}  // namespace telsim::test
