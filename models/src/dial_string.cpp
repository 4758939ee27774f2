#include "telsim/models/dial_string.hpp"

#include <array>

#include <fmt/format.h>

namespace telsim {

std::optional<DialableAddress> parse_dialable(std::string_view text, std::string& why) {
  DialableAddress a;
  // Further addresses after CR LF are kept as written.
  std::string_view first = text;
  if (const auto crlf = text.find("\r\n"); crlf != std::string_view::npos) {
    first = text.substr(0, crlf);
    std::string_view rest = text.substr(crlf + 2);
    while (!rest.empty()) {
      const auto next = rest.find("\r\n");
      a.more.emplace_back(rest.substr(0, next));
      if (next == std::string_view::npos) break;
      rest = rest.substr(next + 2);
    }
  }
  // `|` subaddress and `^` name, in that order, each at most once.
  if (const auto caret = first.find('^'); caret != std::string_view::npos) {
    a.name = std::string(first.substr(caret + 1));
    first = first.substr(0, caret);
  }
  if (const auto bar = first.find('|'); bar != std::string_view::npos) {
    a.subaddress = std::string(first.substr(bar + 1));
    first = first.substr(0, bar);
  }
  // The number is taken whole and checked in place (a call placed parses one: no per-character
  // appends).
  static constexpr std::array<bool, 256> allowed = [] {
    std::array<bool, 256> ok{};
    for (unsigned char c : std::string_view("0123456789*#ABCD!PT,W@$?")) ok[c] = true;
    return ok;
  }();
  a.number.assign(first);
  for (std::size_t i = 0; i < a.number.size(); ++i) {
    // P, T and W may be written in lower case; the digits A-D may not (TAPI's list).
    char& c = a.number[i];
    if (c == 'p' || c == 't' || c == 'w') c = static_cast<char>(c - 'a' + 'A');
    if (c == ';') {
      if (i + 1 != first.size()) {
        why = fmt::format("';' (more digits follow) may only end the number, not stand at position {}", i + 1);
        return std::nullopt;
      }
      a.partial = true;
      a.number.pop_back();
      break;
    }
    if (allowed[static_cast<unsigned char>(c)]) continue;
    if (c == '\r' || c == '\n') {
      why = "a line break that is not CR LF";
      return std::nullopt;
    }
    why = fmt::format("'{}' at position {} is not a dialable character (0-9 * # A-D ! P T , W @ $ ? ;)",
                      std::string(1, first[i]), i + 1);
    return std::nullopt;
  }
  return a;
}

std::string dial_digits(std::string_view number) {
  std::string out;
  for (char c : number)
    if (is_dial_digit(c)) out += c;
  return out;
}

}  // namespace telsim
