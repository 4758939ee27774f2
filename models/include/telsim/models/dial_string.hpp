#pragma once
/// TAPI's dialable address format: `DialableNumber [| Subaddress] [^ Name] [CRLF address ...]`.
/// The dialable number holds the digits `0-9 * # A-D` and the control characters
///   `!` hookflash, `P`/`T` pulse/tone dialing from here on, `,` a pause (the switch's
///   dial_pause), `W` wait for dial tone, `@` wait for quiet answer, `$` wait for the billing
///   tone, `?` prompt the user (kept here; the switch refuses it with LINEERR_DIALPROMPT, as
///   TAPI requires of every provider), and `;` at its end: the number is incomplete, more
///   follows with lineDial. P, T and W may be written in lower case; the digits A-D may not.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "telsim/models/tapi.hpp"

namespace telsim {

struct DialableAddress {
  DialableAddress() = default;
  /// Plain digits: the number as it is.
  explicit DialableAddress(std::string digits) : number(std::move(digits)) {}
  /// The dialable number, control characters included (P, T, W in upper case), `;` removed.
  std::string number;
  bool partial = false;       ///< it ended with `;`
  std::string subaddress;     ///< after `|`
  std::string name;           ///< after `^`
  std::vector<std::string> more;  ///< further addresses after CRLF (each as written)
};

/// A dial digit: 0-9 * # A-D.
constexpr bool is_dial_digit(char c) {
  return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

/// Parse `text`; on a malformed string, nullopt with `why` saying which character where.
std::optional<DialableAddress> parse_dialable(std::string_view text, std::string& why);

/// The digits of a dialable number, control characters left out.
std::string dial_digits(std::string_view number);

}  // namespace telsim
