// Switch personalities: `pbx: {personality: NAME}` starts the profile from a preset, and the
// section's own settings override it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "telsim/models/personality.hpp"
#include "telsim/sim/kernel.hpp"
#include "telsim/sim/runner.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {
namespace {

Scenario parse(const std::string& pbx_extra) {
  return parse_scenario("name: p\npbx:\n  extensions: [\"201-203\"]\n" + pbx_extra, "p.yaml");
}

std::string setting(const SwitchProfile& p, std::string_view name) { return find_profile_setting(name)->get(p); }

TEST(PersonalityTest, EveryPresetNamesRealSettingsWithValuesTheLoaderTakes) {
  ASSERT_GE(personalities().size(), 4u);
  for (const Personality& p : personalities()) {
    SCOPED_TRACE(std::string(p.name));
    EXPECT_FALSE(p.summary.empty());
    for (const PresetSetting& s : p.settings) EXPECT_NE(find_profile_setting(s.name), nullptr) << s.name;
    // Written out as a scenario would, each setting loads and reads back as the preset says.
    std::string yaml;
    for (const PresetSetting& s : p.settings) {
      const bool list = find_profile_setting(s.name)->kind == ProfileSetting::Kind::States;
      const std::string value = list ? "[" + std::string(s.value) + "]" : std::string(s.value);
      yaml += "  " + std::string(s.name) + ": " + value + "\n";
    }
    const SwitchProfile spelled = parse(yaml).pbx.profile;
    const SwitchProfile preset = parse("  personality: " + std::string(p.name) + "\n").pbx.profile;
    for (const PresetSetting& s : p.settings) EXPECT_EQ(setting(preset, s.name), setting(spelled, s.name)) << s.name;
    EXPECT_EQ(preset.personality, p.name);
    for (Op op : p.unsupported) EXPECT_FALSE(preset.supports(op)) << to_string(op);
    EXPECT_TRUE(preset.supports(Op::Drop)) << "every switch lets a call end";
    EXPECT_TRUE(preset.supports(Op::MakeCall));
  }
}

TEST(PersonalityTest, MinimalOffersTheBasicTelephonyServicesAndNothingElse) {
  // TAPI's Basic Telephony Services; everything else, media, digits, tones, call data and agents
  // included, is a supplementary service, which a minimal provider does not offer.
  const std::set<Op> basic = {Op::MakeCall, Op::Dial,   Op::Answer,          Op::Drop,
                              Op::Deallocate, Op::Handoff, Op::TranslateAddress};
  const SwitchProfile minimal = parse("  personality: minimal\n").pbx.profile;
  for (const OpInfo& op : operations())
    EXPECT_EQ(minimal.supports(op.op), basic.count(op.op) == 1) << op.name;
}

TEST(PersonalityTest, ThePresetsDifferWhereTheyAreDocumentedToDiffer) {
  const SwitchProfile strict = parse("  personality: strict\n").pbx.profile;
  const SwitchProfile minimal = parse("  personality: minimal\n").pbx.profile;
  const SwitchProfile keys = parse("  personality: key_system\n").pbx.profile;
  EXPECT_TRUE(strict.local_drop_idle);
  EXPECT_TRUE(strict.autoreconnect);
  EXPECT_TRUE(std::all_of(strict.supported.begin(), strict.supported.end(), [](bool b) { return b; }));
  EXPECT_FALSE(minimal.supports(Op::Hold));
  EXPECT_FALSE(minimal.supports(Op::SetupTransfer));
  EXPECT_TRUE(minimal.supports(Op::Answer));
  EXPECT_TRUE(minimal.supports(Op::Dial));
  EXPECT_EQ(minimal.max_calls_per_line, 1u);
  EXPECT_FALSE(keys.local_drop_idle);
  EXPECT_FALSE(keys.autoreconnect);
  EXPECT_FALSE(keys.confdrop);
  EXPECT_EQ(keys.conference_max, 3u);
  EXPECT_FALSE(keys.supports(Op::Park));
  EXPECT_TRUE(keys.supports(Op::Hold));
  EXPECT_FALSE(keys.supports(Op::RemoveFromConference)) << "remove_from_conference: none";
  // The state sequences each documents.
  EXPECT_EQ(strict.skip_states, 0u);
  EXPECT_EQ(minimal.skip_states, static_cast<std::uint32_t>(CallState::DialTone) | static_cast<std::uint32_t>(CallState::Proceeding));
  EXPECT_EQ(keys.skip_states, static_cast<std::uint32_t>(CallState::Proceeding));
  const SwitchProfile large = parse("  personality: large_pbx\n").pbx.profile;
  EXPECT_EQ(large.reply_delay, DurationDist::uniform(200ms, 600ms));
  EXPECT_EQ(large.reply_order, ReplyOrder::AfterEvents);
  EXPECT_EQ(large.connected_delay, 300ms);
  EXPECT_TRUE(large.ringback_before_proceeding);
  EXPECT_FALSE(large.conference_collapse);
  EXPECT_EQ(large.remove_from_conference, RemoveFromConf::Last);
  EXPECT_EQ(strict.reply_delay, DurationDist());
  EXPECT_EQ(strict.reply_order, ReplyOrder::BeforeEvents);
}

TEST(PersonalityTest, TheErrorOfEachRefusalIsTheSwitchsChoice) {
  const SwitchProfile p = parse("  errors: {line_in_use: LINEERR_RESOURCEUNAVAIL, conference_full: OPERATIONFAILED}\n").pbx.profile;
  EXPECT_EQ(p.error(Refusal::LineInUse), LineErr::ResourceUnavail);
  EXPECT_EQ(p.error(Refusal::ConferenceFull), LineErr::OperationFailed);
  EXPECT_EQ(p.error(Refusal::NoCallAppearance), LineErr::CallUnavail) << "the others keep TAPI's";
  // The switch refuses with it: a second call on a line in use.
  ManualKernel kernel;
  const RunResult r = run_scenario(parse_scenario(R"(name: e
pbx:
  extensions: ["201-203"]
  errors: {line_in_use: LINEERR_RESOURCEUNAVAIL}
steps:
  - {do: make_call, line: "201", to: "202", as: a}
  - {do: make_call, line: "201", to: "203", expect_error: LINEERR_RESOURCEUNAVAIL}
)", "e.yaml"), kernel);
  ASSERT_EQ(r.expectations.size(), 1u);
  EXPECT_TRUE(r.expectations[0].ok) << r.expectations[0].message;
  try {
    parse("  errors: {busy: LINEERR_RESOURCEUNAVAIL}\n");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_NE(e.message().find("unknown key 'busy' in errors"), std::string::npos) << e.message();
  }
}

TEST(PersonalityTest, ListAndDistributionSettingsAreCheckedAtTheirPlace) {
  for (const auto& [yaml, message] : std::vector<std::pair<std::string, std::string>>{
           {"  skip_states: PROCEEDING\n", "p.yaml:4:16: skip_states must be a list of states, e.g. [PROCEEDING]"},
           {"  skip_states: [PROCEEDING, CONNECTED]\n",
            "p.yaml:4:29: skip_states takes DIALTONE, DIALING, PROCEEDING, RINGBACK, not 'CONNECTED'"},
           {"  reply_delay: uniform(2s, 1s)\n",
            "p.yaml:4:16: bad distribution 'uniform(2s, 1s)' for reply_delay: uniform(LOW, HIGH) with LOW <= HIGH, e.g. "
            "uniform(1s, 5s)"},
       }) {
    try {
      parse(yaml);
      ADD_FAILURE() << "no error for " << yaml;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.message(), message);
    }
  }
}

TEST(PersonalityTest, TheSectionsOwnSettingsOverrideThePresetWhereverTheyAreWritten) {
  // Before or after the personality key: the section's setting wins.
  for (const std::string yaml : {"  local_drop: idle\n  personality: key_system\n",
                                 "  personality: key_system\n  local_drop: idle\n"}) {
    const SwitchProfile p = parse(yaml).pbx.profile;
    EXPECT_TRUE(p.local_drop_idle) << yaml;
    EXPECT_FALSE(p.autoreconnect) << "the preset's other settings stay";
  }
  const SwitchProfile more = parse("  personality: key_system\n  unsupported: [hold]\n").pbx.profile;
  EXPECT_FALSE(more.supports(Op::Hold));
  EXPECT_FALSE(more.supports(Op::Park)) << "unsupported adds to the preset's list";
}

TEST(PersonalityTest, SupportedGivesBackOperationsThePresetLeavesOut) {
  // A minimal line that can hold: the preset's other refusals stay.
  const SwitchProfile p = parse("  supported: [hold, unhold]\n  personality: minimal\n").pbx.profile;
  EXPECT_TRUE(p.supports(Op::Hold));
  EXPECT_TRUE(p.supports(Op::Unhold));
  EXPECT_FALSE(p.supports(Op::Park));
  EXPECT_EQ(p.max_calls_per_line, 1u) << "and its settings";
  // A name said twice in one list is no contradiction.
  EXPECT_TRUE(parse("  personality: minimal\n  supported: [hold, hold]\n").pbx.profile.supports(Op::Hold));
  // Both lists naming one operation contradict each other: an error at the second.
  try {
    parse("  unsupported: [park]\n  supported: [hold, park]\n");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.message(), "p.yaml:5:21: park is in both unsupported (line 4) and supported");
  }
  try {
    parse("  supported: [park, nothing]\n");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.message(), "p.yaml:4:21: 'nothing' is not an operation (telsim operations lists them)");
  }
}

TEST(PersonalityTest, AnUnknownPersonalityIsAnErrorAtItsPlaceListingThePresets) {
  try {
    parse("  personality: fancy\n");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.message(), "p.yaml:4:16: 'fancy' is not a personality (telsim personalities lists them: strict, minimal, "
                           "key_system, large_pbx)");
  }
}

}  // namespace
}  // namespace telsim
