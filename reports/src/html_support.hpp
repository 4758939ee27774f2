#pragma once
// What report.html's writer and its charts share: counted nouns, the width a label takes (so the
// SVG charts can lay their text out without a script), time units for chart axes, and the parts
// of the ladder the page places. Not part of the public API.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "internal.hpp"

namespace telsim::report_detail {

/// "1 channel", "2 channels", "0 channels".
inline std::string count_of(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

/// 1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st.
inline std::string ordinal(std::uint64_t n) {
  const std::uint64_t tens = n % 100, ones = n % 10;
  const char* suffix = (tens >= 11 && tens <= 13) ? "th"
                       : ones == 1                ? "st"
                       : ones == 2                ? "nd"
                       : ones == 3                ? "rd"
                                                  : "th";
  return fmt::format("{}{}", n, suffix);
}

/// Advance widths of the printable ASCII characters (space to '~') in thousandths of an em, for
/// DejaVu Sans Book and Bold: Debian's sans-serif, and wider than Arial, Helvetica, Liberation
/// Sans or Segoe UI, so a label measured with them fits in those fonts too.
inline constexpr std::array<std::uint16_t, 95> kSansWidths = {
    318, 401, 460, 838, 637, 951, 780, 275, 391, 391, 500, 838, 318, 361, 318, 337, 637, 637, 637,
    637, 637, 637, 637, 637, 637, 637, 337, 337, 838, 838, 838, 531, 1000, 685, 687, 699, 771, 632,
    576, 775, 752, 295, 295, 656, 558, 863, 749, 788, 604, 788, 695, 635, 611, 732, 685, 989, 686,
    611, 686, 391, 337, 391, 838, 500, 500, 613, 635, 550, 635, 616, 353, 635, 634, 278, 278, 580,
    278, 975, 634, 612, 635, 635, 412, 521, 393, 634, 592, 818, 592, 592, 525, 637, 337, 637, 838};
inline constexpr std::array<std::uint16_t, 95> kSansBoldWidths = {
    349, 457, 521, 838, 696, 1002, 873, 307, 458, 458, 523, 838, 380, 416, 380, 366, 696, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 581, 1000, 774, 763, 734, 831, 684,
    684, 821, 837, 373, 373, 775, 638, 996, 837, 851, 733, 851, 771, 721, 683, 813, 774, 1104, 771,
    725, 726, 458, 366, 458, 838, 500, 500, 675, 716, 593, 716, 679, 436, 716, 712, 343, 343, 666,
    343, 1042, 712, 688, 716, 716, 494, 596, 479, 712, 652, 924, 646, 652, 583, 712, 366, 712, 838};

/// The width in px that `text` (UTF-8, not escaped) takes at `font_px` in the charts' sans-serif,
/// rounded up with 6% to spare (hinting, other fonts); any other character counts one em.
inline std::int64_t text_width(std::string_view text, std::int64_t font_px, bool bold = false) {
  const auto& widths = bold ? kSansBoldWidths : kSansWidths;
  std::int64_t milli_em = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      milli_em += widths[c - 0x20];
    } else if ((c & 0xC0) != 0x80) {  // the first byte of any other character
      milli_em += 1000;
    }
  }
  return (milli_em * font_px * 106 + 99'999) / 100'000;
}

/// The unit a chart's time axis, ticks and markers are all given in: ms below 10 s, s below
/// 10 min, else min.
struct TimeUnit {
  std::string_view name;
  std::int64_t ns;
};
inline TimeUnit time_unit_for(std::int64_t max_ns) {
  if (max_ns < 10'000'000'000) return {"ms", 1'000'000};
  if (max_ns < 600'000'000'000) return {"s", 1'000'000'000};
  return {"min", 60'000'000'000};
}
/// `ns` in `unit` with at most 3 decimals, trailing zeros dropped: "18.34", "1340", "12.583".
/// `ns` >= 0.
inline std::string in_unit(std::int64_t ns, TimeUnit unit) {
  // In two steps: ns * 1000 would overflow beyond 106 days.
  std::int64_t whole = ns / unit.ns;
  std::int64_t frac = round_div((ns % unit.ns) * 1000, unit.ns);
  if (frac == 1000) ++whole, frac = 0;
  std::string s = fmt::format("{}.{:03}", whole, frac);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

/// A trunk group's busy channels over the whole run as drawn, and what the chart shows in
/// numbers: the channel seizures (calls on its channels) and the most busy at once.
struct OccupancyChart {
  std::string svg;
  std::uint64_t seizures = 0;
  std::int64_t peak = 0;
  std::string span;  ///< where the time axis ends (the end of the run), in its unit: "120 min"
};
OccupancyChart occupancy_chart(const RunResult& run, const RunResult::Trunk& trunk, std::size_t index,
                               const Digest& digest);

/// ACD charts (only for a run with queues, agents): the callers waiting in each queue over the
/// whole run, a step line per queue in queue_colour(index); one row per agent with a band per
/// agent state (a cut timeline's unknown rest hatched); the legend of the states it shows.
std::string_view queue_colour(std::size_t index);
std::string queue_length_svg(const RunResult& run);
std::string agent_timeline_svg(const RunResult& run);
std::string agent_state_legend(const RunResult& run);

}  // namespace telsim::report_detail
