// Durations as scenarios and the wire write them (duration.hpp).
#include "telsim/models/duration.hpp"

#include <cctype>
#include <cmath>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

namespace telsim {

std::optional<Duration> parse_duration(const std::string& text) {
  // No duration is this long; the cap also keeps std::stod in range.
  if (text.size() > 64) return std::nullopt;
  // One or more NUMBER UNIT parts, units from the largest down, each at most once: "250ms",
  // "1.5s", "2h30min", "1min30s", "1h2min3s500ms". A bare 0 is zero.
  struct Unit {
    std::string_view name;
    double ns;
  };
  static constexpr Unit kUnits[] = {{"h", 3600e9}, {"min", 60e9}, {"s", 1e9}, {"ms", 1e6}};
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  skip_space();
  if (i < text.size() && text[i] == '0') {
    std::size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j == text.size()) return Duration::zero();
  }
  double ns = 0;
  std::size_t next_unit = 0;  // units must come in kUnits order
  int parts = 0;
  while (true) {
    skip_space();
    if (i == text.size()) break;
    const std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) return std::nullopt;
    if (i < text.size() && text[i] == '.') {
      ++i;
      const std::size_t frac = i;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
      if (i == frac) return std::nullopt;
    }
    const double value = std::stod(text.substr(start, i - start));
    skip_space();
    std::size_t u = next_unit;
    // "ms" before "min" before "s" would misread; match the longest unit that fits here.
    std::optional<std::size_t> found;
    for (; u < std::size(kUnits); ++u) {
      const std::string_view name = kUnits[u].name;
      if (text.compare(i, name.size(), name) != 0) continue;
      const std::size_t end = i + name.size();
      if (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) continue;
      found = u;
      break;
    }
    if (!found) return std::nullopt;
    i += kUnits[*found].name.size();
    ns += value * kUnits[*found].ns;
    next_unit = *found + 1;
    ++parts;
  }
  if (parts == 0 || ns > 1e18) return std::nullopt;
  return Duration(static_cast<Duration::rep>(std::llround(ns)));
}

std::string format_duration(Duration d) {
  const auto ns = d.count();
  if (ns % 3'600'000'000'000 == 0 && ns != 0) return fmt::format("{}h", ns / 3'600'000'000'000);
  if (ns % 60'000'000'000 == 0 && ns != 0) return fmt::format("{}min", ns / 60'000'000'000);
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  return fmt::format("{}s", to_seconds(d));
}

}  // namespace telsim
