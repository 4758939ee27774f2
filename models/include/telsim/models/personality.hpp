#pragma once
/// Switch personalities: named presets of the switch profile, so one scenario can be run against
/// the kinds of PBX an application will meet. A preset is a list of profile settings (as
/// `pbx:` keys spell them) and the operations the switch does not offer; a scenario selects one
/// with `pbx: {personality: NAME}` and may override any of its settings in the same section.
#include <span>
#include <string>
#include <string_view>

#include "telsim/models/catalogue.hpp"
#include "telsim/models/switch_profile.hpp"

namespace telsim {

struct PresetSetting {
  std::string_view name;   ///< a profile setting (profile_settings())
  std::string_view value;  ///< its text, as a scenario would write it
};

struct Personality {
  std::string_view name;
  std::string_view summary;  ///< one line: what defines it (`telsim personalities`)
  std::span<const PresetSetting> settings;
  std::span<const Op> unsupported;  ///< LINEERR_OPERATIONUNAVAIL, absent from the capabilities
};

/// The presets, in the order `telsim personalities` and docs/scenarios.md list them.
std::span<const Personality> personalities();
const Personality* find_personality(std::string_view name);
/// The presets' names, "strict, minimal, ...", for messages that list them.
std::string personality_names();
/// `p`'s settings and unsupported operations applied to `profile`.
void apply(const Personality& p, SwitchProfile& profile);

}  // namespace telsim
