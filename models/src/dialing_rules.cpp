#include "telsim/models/dialing_rules.hpp"

#include <cctype>

#include "telsim/models/dial_plan.hpp"

namespace telsim {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return !s.empty();
}

/// Keep dialable characters, drop the separators people write ("555-0100", "555 0100").
std::optional<std::string> digits_of(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
    out += c;
  }
  if (out.empty() || !is_dialable(out)) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> translate_address(std::string_view address, const Location& at) {
  std::size_t i = 0;
  while (i < address.size() && address[i] == ' ') ++i;
  address.remove_prefix(i);
  if (address.empty()) return std::nullopt;
  if (address.front() != '+') return digits_of(address);
  // Only the first address is translated: a subaddress ("| ..."), a name ("^ ...") or further
  // addresses (CR LF) after it are left out of the dialable string.
  address = address.substr(0, address.find_first_of("|^\r\n"));
  while (!address.empty() && address.back() == ' ') address.remove_suffix(1);

  // Canonical: "+" country code, space, optional "(area)", subscriber number.
  std::string_view rest = address.substr(1);
  const std::size_t space = rest.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string country(rest.substr(0, space));
  if (!all_digits(country)) return std::nullopt;
  rest = rest.substr(space + 1);
  std::string area;
  if (!rest.empty() && rest.front() == '(') {
    const std::size_t close = rest.find(')');
    if (close == std::string_view::npos) return std::nullopt;
    area = std::string(rest.substr(1, close - 1));
    if (!area.empty() && !all_digits(area)) return std::nullopt;
    rest = rest.substr(close + 1);
  }
  const auto subscriber = digits_of(rest);
  if (!subscriber || !all_digits(*subscriber)) return std::nullopt;

  // Anything outside the local calling area uses the long-distance access code (the local one
  // when none is set), as TAPI's LINELOCATIONENTRY defines them.
  const std::string& far_access =
      at.long_distance_access.empty() ? at.local_access : at.long_distance_access;
  if (country != at.country_code)
    return far_access + at.international_prefix + country + area + *subscriber;
  if (area.empty() || area == at.area_code)
    return at.local_access + (at.area_code_on_local_calls ? area : std::string()) + *subscriber;
  return far_access + at.long_distance_prefix + area + *subscriber;
}

}  // namespace telsim
