// The scenario language as users write it: what loads, and where the errors point.
#include <gtest/gtest.h>

#include "telsim/sim/scenario.hpp"

namespace telsim {
namespace {

using namespace std::chrono_literals;

Scenario parse(const std::string& text) { return parse_scenario(text, "s.yaml"); }

/// The "LINE:COL: message" part of the error `text` produces.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ScenarioError& e) {
    return e.message();
  }
  return "(no error)";
}

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), Duration(250ms));
  EXPECT_EQ(parse_duration("3s"), Duration(3s));
  EXPECT_EQ(parse_duration("1.5s"), Duration(1500ms));
  EXPECT_EQ(parse_duration("2min"), Duration(120s));
  EXPECT_EQ(parse_duration("1h"), Duration(3600s));
  EXPECT_EQ(parse_duration("0"), Duration(0));
}

TEST(DurationTest, ParsesCompoundDurationsFromTheLargestUnitDown) {
  EXPECT_EQ(parse_duration("2h30min"), Duration(9000s));
  EXPECT_EQ(parse_duration("1min30s"), Duration(90s));
  EXPECT_EQ(parse_duration("1h2min3s500ms"), Duration(3723500ms));
  EXPECT_EQ(parse_duration("1min 30s"), Duration(90s));
  EXPECT_EQ(parse_duration("1.5h30s"), Duration(5430s));
}

TEST(DurationTest, RejectsCompoundDurationsOutOfOrderOrRepeated) {
  for (const char* bad : {"30s2min", "1h1h", "1min1min", "2h30", "1min30", "5m", "1sec", "2h-30min", "ms"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* bad : {"3", "3 sec", "-1s", "s", "", "1e3s", "3d"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(DurationTest, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(3s), "3s");
  EXPECT_EQ(format_duration(120s), "2min");
  EXPECT_EQ(format_duration(7200s), "2h");
}

constexpr const char* kMinimal = R"(name: t
pbx:
  extensions: ["201-203", {number: "300", name: Reception, behavior: {answer_after: 2s}}]
)";

TEST(ScenarioLoaderTest, ExpandsRangesAndObjects) {
  const Scenario s = parse(kMinimal);
  ASSERT_EQ(s.pbx.lines.size(), 4u);
  EXPECT_EQ(s.pbx.lines[0].number, "201");
  EXPECT_EQ(s.pbx.lines[2].number, "203");
  EXPECT_EQ(s.pbx.lines[3].name, "Reception");
  EXPECT_EQ(s.pbx.lines[3].behavior.kind, Behavior::Kind::Auto);
  EXPECT_EQ(s.pbx.lines[3].behavior.answer_after, DurationDist(2s));
  EXPECT_EQ(s.seed, 1u);
}

TEST(ScenarioLoaderTest, RangesKeepLeadingZeros) {
  const Scenario s = parse("name: t\npbx: {extensions: [\"0098-0101\"]}\n");
  ASSERT_EQ(s.pbx.lines.size(), 4u);
  EXPECT_EQ(s.pbx.lines[0].number, "0098");
  EXPECT_EQ(s.pbx.lines[3].number, "0101");
}

TEST(ScenarioLoaderTest, DefaultsGiveEveryExtensionABehaviour) {
  const Scenario s = parse(
      "name: t\ndefaults: {behavior: busy}\n"
      "pbx: {extensions: [\"201-202\", {number: \"300\", behavior: manual}]}\n");
  EXPECT_EQ(s.pbx.lines[0].behavior.kind, Behavior::Kind::Busy);
  EXPECT_EQ(s.pbx.lines[2].behavior.kind, Behavior::Kind::Manual);
}

TEST(ScenarioLoaderTest, ReadsRandomBehaviourDurations) {
  const Scenario s = parse(
      "name: t\npbx:\n  extensions:\n    - {number: \"201\", behavior: {answer_after: "
      "\"uniform(1s, 5s)\", hangup_after: \"exponential(3min)\"}}\n");
  EXPECT_EQ(s.pbx.lines[0].behavior.answer_after, DurationDist::uniform(1s, 5s));
  EXPECT_EQ(s.pbx.lines[0].behavior.hangup_after, DurationDist::exponential(180s));
}

TEST(ScenarioLoaderTest, ReadsTimings) {
  const Scenario s = parse(std::string(kMinimal) + "  timing: {no_answer_timeout: 20s, post_dial_delay: 500ms}\n");
  EXPECT_EQ(s.pbx.profile.timing.no_answer_timeout, Duration(20s));
  EXPECT_EQ(s.pbx.profile.timing.post_dial_delay, Duration(500ms));
  EXPECT_EQ(s.pbx.profile.timing.dialtone_delay, Timing{}.dialtone_delay);
}

TEST(ScenarioLoaderTest, ReadsStepsWithTheirLines) {
  const Scenario s = parse(std::string(kMinimal) + R"(steps:
  - {at: 1s, do: make_call, line: "201", to: "202", as: c1}
  - {expect: {call: c1, state: RINGBACK}, within: 2s}
  - {after: 3s, do: drop, call: c1, expect_error: LINEERR_INVALCALLSTATE}
  - {expect: {line: "202", history: [OFFERING, CONNECTED], features: [DROP, HOLD]}, as: c2}
)");
  ASSERT_EQ(s.steps.size(), 4u);
  EXPECT_EQ(s.steps[0].yaml_line, 5);
  EXPECT_EQ(s.steps[0].at, SimTime(1s));
  EXPECT_EQ(s.steps[0].request.to, "202");
  EXPECT_EQ(s.steps[1].kind, Step::Kind::Expect);
  EXPECT_EQ(s.steps[1].expect.state, CallState::RingBack);
  EXPECT_EQ(s.steps[1].within, Duration(2s));
  EXPECT_EQ(s.steps[2].after, Duration(3s));
  EXPECT_EQ(s.steps[2].expect_error, LineErr::InvalCallState);
  EXPECT_EQ(s.steps[3].expect.history,
            (std::vector<CallState>{CallState::Offering, CallState::Connected}));
  EXPECT_EQ(s.steps[3].expect.features, feature::kDrop | feature::kHold);
  EXPECT_EQ(s.steps[3].as, "c2");
}

TEST(ScenarioLoaderTest, ReadsTheNumberCalledAndTheDigitsSentOfACall) {
  const Scenario s = parse(std::string(kMinimal) + R"(steps:
  - {at: 1s, do: make_call, line: "201", to: "T9,555@12", as: c1}
  - {expect: {call: c1, to: "9555", digits_sent: "12"}}
)");
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_EQ(s.steps[0].request.to, "T9,555@12");
  EXPECT_EQ(s.steps[1].expect.to, "9555");
  EXPECT_EQ(s.steps[1].expect.digits_sent, "12");
}

TEST(ScenarioLoaderErrorTest, NumberAndDigitsSentAreConditionsOnACall) {
  const std::string e = error_of(std::string(kMinimal) + "steps:\n  - {expect: {line: \"201\", digits_sent: \"1\"}}\n");
  EXPECT_EQ(e, "s.yaml:5:28: 'digits_sent' is a condition on a call: use expect: {call: ...}");
}

TEST(ScenarioLoaderErrorTest, UnknownKeyPointsAtTheKey) {
  EXPECT_EQ(error_of("name: t\npbx: {extensions: [\"201\"]}\ncolour: red\n"),
            "s.yaml:3:1: unknown key 'colour' in the scenario (known: name, description, seed, "
            "pbx, defaults, steps, stop_at, location, controllers, trunks, traffic, modems, sweep, faults, acd)");
}

TEST(ScenarioLoaderErrorTest, BadDurationPointsAtTheValue) {
  const std::string e = error_of(std::string(kMinimal) + "steps:\n  - {at: 3 sec, do: make_call, line: \"201\"}\n");
  EXPECT_EQ(e.substr(0, 13), "s.yaml:5:10: ") << e;
  EXPECT_NE(e.find("bad duration '3 sec'"), std::string::npos) << e;
}

TEST(ScenarioLoaderErrorTest, BackwardRangeAndDuplicates) {
  EXPECT_NE(error_of("name: t\npbx: {extensions: [\"209-201\"]}\n").find("s.yaml:2:20: range '209-201' runs backwards"),
            std::string::npos);
  const std::string dup = error_of("name: t\npbx:\n  extensions: [\"201-205\", \"203\"]\n");
  EXPECT_NE(dup.find("s.yaml:3:27: extension 203 is defined twice (first on line 3)"), std::string::npos) << dup;
}

TEST(ScenarioLoaderErrorTest, CallNamesMustBeBoundEarlier) {
  const std::string e = error_of(std::string(kMinimal) + "steps:\n  - {do: drop, call: c9}\n");
  EXPECT_NE(e.find("s.yaml:5:22: call 'c9' is not named by an earlier step"), std::string::npos) << e;
}

TEST(ScenarioLoaderErrorTest, UnknownOperationsAreNamed) {
  EXPECT_NE(error_of(std::string(kMinimal) + "steps:\n  - {do: teleport, line: \"201\"}\n")
                .find("unknown operation 'teleport'"),
            std::string::npos);
}

TEST(ScenarioLoaderErrorTest, YamlSyntaxErrorsAreLocated) {
  const std::string e = error_of("name: t\npbx: {extensions: [\"201\"]\n");
  EXPECT_EQ(e.rfind("s.yaml:", 0), 0u) << e;
}

// Found by tests/fuzz/scenario_fuzz: a list or mapping used as a key escaped as yaml-cpp's
// BadConversion instead of a located ScenarioError.
TEST(ScenarioLoaderErrorTest, KeysMustBeNames) {
  EXPECT_EQ(error_of("{{}}"), "s.yaml:1:2: a key in the scenario must be a name, not a list or mapping");
  EXPECT_EQ(error_of("name: t\npbx: {extensions: [\"201\"], [timing]: 1}\n"),
            "s.yaml:2:28: a key in pbx must be a name, not a list or mapping");
  EXPECT_EQ(error_of("name: t\npbx:\n  extensions: [\"201\"]\n  pickup_groups: {[sales]: [\"201\"]}\n"),
            "s.yaml:4:19: a pickup group name must be a name, not a list or mapping");
}

// Found while fuzzing the loader: values that passed its patterns but then threw
// std::out_of_range (stod, stoull, stoul: in the loader or later in the run) or, 64 KiB long,
// overflowed the stack in std::regex. Each is now a located ScenarioError.
TEST(DurationTest, RejectsDurationsTooLongToBeNumbers) {
  EXPECT_FALSE(parse_duration(std::string(400, '1') + "s").has_value());
  EXPECT_FALSE(parse_duration("0." + std::string(400, '0') + "1s").has_value());
}

TEST(ScenarioLoaderErrorTest, OutOfRangeNumbersAreErrorsNotExceptions) {
  const std::string traffic = "traffic:\n  - {from: \"201\", to: \"202\", arrivals: poisson(60/h)}\n";
  auto with = [&](const std::string& what, const std::string& replacement) {
    std::string t = traffic;
    return error_of(std::string(kMinimal) + t.replace(t.find(what), what.size(), replacement));
  };
  const std::string stop = error_of(std::string(kMinimal) + "stop_at: " + std::string(400, '1') + "s\n");
  EXPECT_EQ(stop.rfind("s.yaml:4:10: bad duration '111", 0), 0u) << stop;
  const std::string rate = with("60/h", std::string(400, '6') + "/h");
  EXPECT_NE(rate.find("s.yaml:5:40: arrivals 'poisson(666"), std::string::npos) << rate;
  EXPECT_NE(rate.find("the rate is too large"), std::string::npos) << rate;
  const std::string to = with("\"202\"", "\"" + std::string(22, '1') + "-" + std::string(22, '2') + "\"");
  EXPECT_EQ(to.rfind("s.yaml:5:23: bad range '111", 0), 0u) << to;
  const std::string backwards = with("\"202\"", "\"209-201\"");
  EXPECT_NE(backwards.find("bad range '209-201' for to"), std::string::npos) << backwards;
  EXPECT_EQ(error_of(std::string(kMinimal) +
                     "steps:\n  - {do: uncomplete_call, line: \"201\", completion: \"4294967296\"}\n"),
            "s.yaml:5:52: completion id 4294967296 is out of range");
  EXPECT_EQ(error_of("name: t\npbx: {extensions: [\"" + std::string(65536, '1') + "-2\"]}\n"),
            "s.yaml:2:20: extension is longer than 4096 characters");
}

TEST(ScenarioLoaderErrorTest, AtMustNotGoBackwards) {
  const std::string e = error_of(std::string(kMinimal) +
                                 "steps:\n  - {at: 5s, do: make_call, line: \"201\"}\n"
                                 "  - {at: 2s, do: make_call, line: \"202\"}\n");
  EXPECT_NE(e.find("s.yaml:6:10: at: 2s is earlier than a previous step's at: 5s"), std::string::npos) << e;
}

}  // namespace
}  // namespace telsim

namespace telsim {
namespace {

constexpr const char* kTrunkHead = R"(name: t
pbx:
  extensions: ["201-209"]
trunks:
  - {name: pstn, channels: 2, access_code: "9"}
steps:
)";

TEST(MetricExpectationTest, IsCheckedAtTheEndNotPlayedAsAStep) {
  const Scenario s = parse(std::string(kTrunkHead) +
                           "  - {at: 1s, do: make_call, line: \"201\", to: \"202\"}\n"
                           "  - {expect: {metric: trunks.pstn.blocking, min: 0.012, max: 0.025}}\n"
                           "  - {expect: {metric: timings.setup.p95_ms, max: 1500}}\n");
  ASSERT_EQ(s.steps.size(), 1u);
  ASSERT_EQ(s.metrics.size(), 2u);
  EXPECT_EQ(s.metrics[0].step, 2);
  EXPECT_EQ(s.metrics[0].yaml_line, 8);
  EXPECT_EQ(s.metrics[0].path, "trunks.pstn.blocking");
  EXPECT_EQ(s.metrics[0].min, 0.012);
  EXPECT_EQ(s.metrics[0].max, 0.025);
  EXPECT_EQ(s.metrics[0].needs, "offered");
  EXPECT_EQ(s.metrics[1].step, 3);
  EXPECT_FALSE(s.metrics[1].min);
  EXPECT_EQ(s.metrics[1].needs, "count");
}

TEST(MetricExpectationTest, UnknownFieldNamesWhatIsThere) {
  const std::string e = error_of(std::string(kTrunkHead) + "  - {expect: {metric: features.park.parked, max: 1}}\n");
  EXPECT_EQ(e.rfind("s.yaml:7:23: ", 0), 0u) << e;
  EXPECT_NE(e.find("features.park has parks, unparks"), std::string::npos) << e;
}

TEST(MetricExpectationTest, UnknownTrunkNamesTheScenariosTrunks) {
  const std::string e = error_of(std::string(kTrunkHead) + "  - {expect: {metric: trunks.psnt.blocking, max: 1}}\n");
  EXPECT_NE(e.find("'psnt' in 'trunks.psnt.blocking' is not a trunk group of this scenario (pstn)"),
            std::string::npos) << e;
}

TEST(MetricExpectationTest, RefusesWhatIsNotAFigure) {
  EXPECT_NE(error_of(std::string(kTrunkHead) + "  - {expect: {metric: calls, max: 1}}\n").find("'calls' is an object"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kTrunkHead) + "  - {expect: {metric: scenario, max: 1}}\n").find("a string"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kTrunkHead) + "  - {expect: {metric: calls.total.x, max: 1}}\n")
                .find("calls.total has no fields under it"),
            std::string::npos);
}

TEST(MetricExpectationTest, NeedsBoundsInOrder) {
  EXPECT_NE(error_of(std::string(kTrunkHead) + "  - {expect: {metric: calls.total}}\n").find("needs 'min', 'max' or both"),
            std::string::npos);
  const std::string e = error_of(std::string(kTrunkHead) + "  - {expect: {metric: calls.total, min: 5, max: 2}}\n");
  EXPECT_NE(e.find("max 2 is below min 5"), std::string::npos) << e;
  EXPECT_NE(error_of(std::string(kTrunkHead) + "  - {expect: {metric: calls.total, min: lots}}\n")
                .find("min must be a number, not 'lots'"),
            std::string::npos);
}

TEST(MetricExpectationTest, TakesNoTimeOrName) {
  const std::string e = error_of(std::string(kTrunkHead) + "  - {expect: {metric: calls.total, min: 1}, within: 5s}\n");
  EXPECT_NE(e.find("'within' does not go with a metric"), std::string::npos) << e;
  const std::string at = error_of(std::string(kTrunkHead) + "  - {at: 5s, expect: {metric: calls.total, min: 1}}\n");
  EXPECT_NE(at.find("'at' does not go with a metric"), std::string::npos) << at;
}

}  // namespace
}  // namespace telsim

namespace telsim {
namespace {

using namespace std::chrono_literals;

TEST(ScenarioSweepTest, ParametersAreSubstitutedBeforeTheYamlIsRead) {
  const std::string text =
      "name: t\nseed: 4\nsweep: {n: [\"201\", \"202\"], delay: [1s, 2s]}\n"
      "pbx: {extensions: [\"201-202\"]}\nsteps:\n  - {at: ${delay}, do: make_call, line: \"${n}\", to: \"203\"}\n";
  const Scenario first = parse_scenario(text, "s.yaml");
  EXPECT_EQ(first.name, "t");  // no point chosen: the first values, the name as it is
  ASSERT_EQ(first.sweep.size(), 2u);
  EXPECT_EQ(first.sweep[0].second, (std::vector<std::string>{"201", "202"}));
  EXPECT_EQ(first.steps.at(0).at, SimTime(1s));
  const Scenario point = parse_scenario(text, "s.yaml", {{"n", "202"}, {"delay", "2s"}});
  EXPECT_EQ(point.name, "t[n=202,delay=2s]");
  EXPECT_EQ(point.steps.at(0).at, SimTime(2s));
  EXPECT_EQ(point.steps.at(0).request.line, "202");
}

TEST(ScenarioSweepTest, MistakesAreBadInputAtTheirPlace) {
  const auto error = [](const std::string& text, std::vector<std::pair<std::string, std::string>> set = {}) {
    try {
      parse_scenario(text, "s.yaml", set);
    } catch (const ScenarioError& e) {
      return e.message();
    }
    return std::string("no error");
  };
  const std::string base = "name: t\npbx: {extensions: [\"201\"]}\n";
  EXPECT_EQ(error(base + "steps:\n  - {at: ${later}, do: make_call, line: \"201\", to: \"202\"}\n"),
            "s.yaml:4:10: '${later}' names no parameter of the scenario's sweep");
  EXPECT_EQ(error(base + "sweep: {n: []}\n"), "s.yaml:3:12: sweep parameter 'n': a list of one or more values");
  EXPECT_EQ(error(base + "sweep: {n: [1, 1]}\n"), "s.yaml:3:16: sweep parameter 'n': '1' is listed twice");
  EXPECT_EQ(error(base + "sweep: {n: [1, 2]}\n", {{"n", "3"}}),
            "s.yaml:1:1: --set n=3: not one of the sweep's values for 'n'");
  EXPECT_EQ(error(base + "sweep: {n: [1, 2], m: [1]}\n", {{"n", "1"}}),
            "s.yaml:1:1: --set: the sweep's parameter 'm' needs a value too");
}

// --- digits, tones and media (issue 19) ------------------------------------------------------

TEST(ScenarioLoaderTest, ReadsFarEndBehavioursAndAnIvrMenu) {
  const Scenario s = parse(R"(name: t
pbx:
  extensions:
    - "201"
    - {number: "250", behavior: {answer_after: 1s, media: fax}}
    - {number: "251", behavior: {answer_after: 1s, send_digits: [{after: 2s, digits: "12#"}]}}
    - {number: "252", behavior: {answer_after: 2s, media: answering_machine, greeting: 4s}}
    - number: "260"
      behavior:
        answer_after: 1s
        ivr: {prompt: 2s, max: 2, terminators: "#", menu: {"1": {transfer: "201"}, "22": {prompt: 1s, hangup: true}},
              timeout: {hangup: true}}
)");
  const auto& lines = s.pbx.lines;
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[1].behavior.media, Behavior::Media::Fax);
  ASSERT_EQ(lines[2].behavior.send_digits.size(), 1u);
  EXPECT_EQ(lines[2].behavior.send_digits[0].after, 2s);
  EXPECT_EQ(lines[2].behavior.send_digits[0].digits, "12#");
  EXPECT_EQ(lines[3].behavior.media, Behavior::Media::AnsweringMachine);
  EXPECT_EQ(lines[3].behavior.greeting, 4s);
  const IvrNode* ivr = lines[4].behavior.ivr.get();
  ASSERT_NE(ivr, nullptr);
  EXPECT_EQ(ivr->prompt, 2s);
  EXPECT_EQ(ivr->max, 2u);
  ASSERT_EQ(ivr->menu.size(), 2u);
  EXPECT_EQ(ivr->menu[0].digits, "1");
  EXPECT_EQ(ivr->menu[0].node->transfer, "201");
  EXPECT_EQ(ivr->menu[1].node->label, "ivr/22");
  EXPECT_TRUE(ivr->menu[1].node->hangup);
  ASSERT_NE(ivr->timeout, nullptr);
  EXPECT_TRUE(ivr->timeout->hangup);
}

TEST(ScenarioLoaderTest, ReadsMediaOperationsAndTheirExpectations) {
  const Scenario s = parse(std::string(kMinimal) + R"(steps:
  - {at: 1s, do: make_call, line: "201", to: "202", as: a}
  - {do: monitor_digits, call: a, modes: [DTMF, LINEDIGITMODE_DTMFEND]}
  - {do: gather_digits, call: a, max: 4, terminators: "#", first_timeout: 5s, inter_timeout: 300, as: g}
  - {do: monitor_tones, call: a, tones: [{frequencies: [480, 620], duration: 500ms, app_specific: 7}]}
  - {do: generate_tone, call: a, tone: custom, tones: [{frequency: 1000, on: 100ms, off: 100ms}], duration: 2s}
  - {do: set_call_params, call: a, bearer_mode: DATA, max_rate: 64000, dial_params: {digit_duration: 60ms}}
  - {do: set_media_control, call: a, digits: [{digit: "5", action: PAUSE}], states: [{states: [ONHOLD], action: RESET}]}
  - {expect: {gather: g, termination: TERMDIGIT, digits: "12#"}, within: 10s}
  - {expect: {call: a, digits: "12#", monitored: "12#", media: G3FAX, tone: 7, call_data: "x", generate: DONE}}
)");
  const MediaArgs& monitor = s.steps[1].request.media;
  EXPECT_EQ(monitor.digit_modes, digit_mode::kDtmf | digit_mode::kDtmfEnd);
  const MediaArgs& gather = s.steps[2].request.media;
  EXPECT_EQ(gather.max, 4u);
  EXPECT_EQ(gather.terminators, "#");
  EXPECT_EQ(gather.first_timeout, 5s);
  EXPECT_EQ(gather.inter_timeout, 300ms) << "a plain number is milliseconds";
  EXPECT_EQ(s.steps[2].as, "g");
  EXPECT_EQ(s.steps[3].request.media.tones.at(0), (MonitoredTone{{480, 620, 0}, 500ms, 7}));
  const MediaArgs& tone = s.steps[4].request.media;
  EXPECT_EQ(tone.tone, ToneMode::Custom);
  EXPECT_EQ(tone.components.at(0), (ToneComponent{1000, 100ms, 100ms, 0}));
  EXPECT_EQ(tone.duration, 2s);
  const MediaArgs& params = s.steps[5].request.media;
  EXPECT_EQ(params.bearer_mode, 0x8u);
  EXPECT_EQ(params.max_rate, 64000u);
  EXPECT_EQ(params.dial_params->digit_duration, 60ms);
  const auto& controls = s.steps[6].request.media.controls;
  ASSERT_EQ(controls.size(), 2u);
  EXPECT_EQ(controls[0].digit, '5');
  EXPECT_EQ(controls[0].action, 0x8u);
  EXPECT_EQ(controls[1].modes, static_cast<std::uint32_t>(CallState::OnHold));
  const Expectation& g = s.steps[7].expect;
  EXPECT_EQ(g.gather, "g");
  EXPECT_EQ(g.termination, GatherTerm::TermDigit);
  EXPECT_EQ(g.digits, "12#");
  const Expectation& e = s.steps[8].expect;
  EXPECT_EQ(e.media, 0x20u);
  EXPECT_EQ(e.tone, 7u);
  EXPECT_EQ(e.generate, GenerateTerm::Done);
}

TEST(ScenarioLoaderErrorTest, MediaMistakesAreNamedWhereTheyAre) {
  const std::string base = std::string(kMinimal) + "steps:\n  - {at: 1s, do: make_call, line: \"201\", to: \"202\", as: a}\n";
  EXPECT_EQ(error_of(base + "  - {do: monitor_digits, call: a, modes: [TONE]}\n"),
            "s.yaml:6:42: modes: 'TONE' is not one of DTMF, DTMFEND or PULSE");
  EXPECT_EQ(error_of(base + "  - {do: gather_digits, call: a, max: 4, first_timeout: soon}\n"),
            "s.yaml:6:57: first_timeout must be a duration like 250ms or 5s (or a number of milliseconds), not 'soon'");
  EXPECT_EQ(error_of(base + "  - {do: monitor_tones, call: a, tones: [{frequencies: [], app_specific: 1}]}\n"),
            "s.yaml:6:56: frequencies must list 1 to 3 frequencies in Hz, not 0");
  EXPECT_EQ(error_of(base + "  - {do: monitor_tones, call: a, tones: [{frequency: 440}]}\n"),
            "s.yaml:6:54: 'frequency' is not a field of a monitored tone (LINEMONITORTONE) (frequencies, duration, "
            "app_specific)");
  EXPECT_EQ(error_of(base + "  - {expect: {gather: g, digits: \"1\"}}\n"),
            "s.yaml:6:23: gather 'g' is not named by an earlier gather_digits (as: g)");
  EXPECT_EQ(error_of(base + "  - {expect: {line: \"201\", media: G3FAX}}\n"),
            "s.yaml:6:28: 'media' is a condition on a call: use expect: {call: ...}");
  EXPECT_EQ(error_of(base + "  - {expect: {call: a, media: FAX}}\n"),
            "s.yaml:6:31: media: 'FAX' is not a LINEMEDIAMODE name (INTERACTIVEVOICE, AUTOMATEDVOICE, G3FAX, DATAMODEM, "
            "UNKNOWN)");
  EXPECT_EQ(error_of(base + "  - {do: hold, call: a, as: g}\n"), "s.yaml:6:25: 'as' names a new call; hold does not create one");
  EXPECT_EQ(error_of("name: t\npbx:\n  extensions: [{number: \"250\", behavior: {answer_after: 1s, media: telex}}]\n"),
            "s.yaml:3:68: media 'telex' is not one of voice, fax, modem, answering_machine, silence");
  EXPECT_EQ(error_of("name: t\npbx:\n  extensions: [{number: \"250\", behavior: {answer_after: 1s, greeting: 3s}}]\n"),
            "s.yaml:3:61: greeting is an answering machine's (media: answering_machine)");
  EXPECT_EQ(error_of("name: t\npbx:\n  extensions: [{number: \"250\", behavior: {answer_after: 1s, ivr: {transfer: \"1\", "
                     "hangup: true}}}]\n"),
            "s.yaml:3:66: an IVR node has one of menu, transfer or hangup");
}

}  // namespace
}  // namespace telsim
