// Switch personalities: `pbx: {personality: NAME}` starts the profile from a preset, and the
// section's own settings override it.
#include <gtest/gtest.h>

#include <algorithm>

#include "telsim/models/personality.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {
namespace {

Scenario parse(const std::string& pbx_extra) {
  return parse_scenario("name: p\npbx:\n  extensions: [\"201-203\"]\n" + pbx_extra, "p.yaml");
}

std::string setting(const SwitchProfile& p, std::string_view name) { return find_profile_setting(name)->get(p); }

TEST(PersonalityTest, EveryPresetNamesRealSettingsWithValuesTheLoaderTakes) {
  ASSERT_GE(personalities().size(), 3u);
  for (const Personality& p : personalities()) {
    SCOPED_TRACE(std::string(p.name));
    EXPECT_FALSE(p.summary.empty());
    for (const PresetSetting& s : p.settings) EXPECT_NE(find_profile_setting(s.name), nullptr) << s.name;
    // Written out as a scenario would, each setting loads and reads back as the preset says.
    std::string yaml;
    for (const PresetSetting& s : p.settings) yaml += "  " + std::string(s.name) + ": " + std::string(s.value) + "\n";
    const SwitchProfile spelled = parse(yaml).pbx.profile;
    const SwitchProfile preset = parse("  personality: " + std::string(p.name) + "\n").pbx.profile;
    for (const PresetSetting& s : p.settings) EXPECT_EQ(setting(preset, s.name), setting(spelled, s.name)) << s.name;
    EXPECT_EQ(preset.personality, p.name);
    for (Op op : p.unsupported) EXPECT_FALSE(preset.supports(op)) << to_string(op);
    EXPECT_TRUE(preset.supports(Op::Drop)) << "every switch lets a call end";
    EXPECT_TRUE(preset.supports(Op::MakeCall));
  }
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

TEST(PersonalityTest, AnUnknownPersonalityIsAnErrorAtItsPlaceListingThePresets) {
  try {
    parse("  personality: fancy\n");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.message(), "p.yaml:4:16: 'fancy' is not a personality (telsim personalities lists them: strict, minimal, "
                           "key_system)");
  }
}

}  // namespace
}  // namespace telsim
