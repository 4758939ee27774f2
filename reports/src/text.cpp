#include <algorithm>

#include <fmt/format.h>

#include "internal.hpp"

namespace telsim {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Decode one UTF-8 sequence at `i`, advancing `i`; a malformed, overlong or surrogate
/// sequence yields U+FFFD and consumes one byte, so bad input never derails the rest.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return kReplacement;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return kReplacement;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacement;
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

/// Characters XML 1.0 allows (section 2.2).
bool xml_char(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/// `units` thousandths printed as "W.FFF".
std::string thousandths(std::int64_t units) {
  const char* sign = units < 0 ? "-" : "";
  const auto a = static_cast<std::uint64_t>(units < 0 ? -units : units);
  return fmt::format("{}{}.{:03}", sign, a / 1000, a % 1000);
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = next_code_point(text, i);
    switch (cp) {
      case U'&': out += "&amp;"; break;
      case U'<': out += "&lt;"; break;
      case U'>': out += "&gt;"; break;
      case U'"': out += "&quot;"; break;
      case U'\'': out += "&apos;"; break;
      // As references so attribute values keep them (a parser normalises raw ones to spaces).
      case U'\t': out += "&#9;"; break;
      case U'\n': out += "&#10;"; break;
      case U'\r': out += "&#13;"; break;
      default: append_utf8(out, xml_char(cp) ? cp : kReplacement);
    }
  }
  return out;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace report_detail {

double seconds_us(Duration d) {
  return static_cast<double>(round_div(d.count(), 1'000)) / 1e6;
}

double millis_us(Duration d) {
  return static_cast<double>(round_div(d.count(), 1'000)) / 1e3;
}

std::string format_millis_3(Duration d) { return thousandths(round_div(d.count(), 1'000)); }

std::string states_text(const CallRecord& r) {
  std::string out;
  for (const StateStamp& s : r.history) {
    if (!out.empty()) out += '>';
    out += to_string(s.state);
  }
  return out;
}

std::vector<const CallRecord*> by_serial(const RunResult& run) {
  std::vector<const CallRecord*> out;
  out.reserve(run.records.size());
  for (const CallRecord& r : run.records) out.push_back(&r);
  const auto before = [](const CallRecord* a, const CallRecord* b) { return a->serial < b->serial; };
  // The runner hands them over sorted; checking is O(n), sorting a million again is not.
  if (!std::is_sorted(out.begin(), out.end(), before))
    std::stable_sort(out.begin(), out.end(), before);
  return out;
}

std::string location(const RunResult& run, const ExpectationResult& e) {
  return fmt::format("{}:{}", run.file.empty() ? run.scenario : run.file, e.yaml_line);
}

}  // namespace report_detail

std::string format_seconds_3(Duration d) {
  return thousandths(report_detail::round_div(d.count(), 1'000'000));
}

}  // namespace telsim
