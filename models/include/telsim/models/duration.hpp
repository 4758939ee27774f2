#pragma once
/// Durations as scenarios and the wire write them: "250ms", "3s", "1.5s", "2min", "1h", "0",
/// and compound ones from the largest unit down ("2h30min", "1min30s").
#include <optional>
#include <string>

#include "telsim/models/scheduler.hpp"

namespace telsim {

/// nullopt for anything else (a bare number other than 0, units out of order, over 64 chars).
std::optional<Duration> parse_duration(const std::string& text);
/// In the largest unit that is exact: "250ms", "3s", "2min", "2h".
std::string format_duration(Duration d);

}  // namespace telsim
