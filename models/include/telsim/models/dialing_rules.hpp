#pragma once
/// TAPI address translation (lineTranslateAddress): a canonical number "+CC (AREA) SUBSCRIBER"
/// becomes a dialable string under a location's dialing rules. Numbers that are not canonical
/// (no leading '+') are already dialable and are returned with their separators removed.
#include <optional>
#include <string>
#include <string_view>

namespace telsim {

/// A TAPI location (the Dialing Rules of the Windows Telephony control panel).
struct Location {
  std::string country_code = "1";
  std::string area_code;
  std::string local_access;          ///< outside-line access code for local calls ("9")
  std::string long_distance_access;  ///< for long-distance calls; empty: same as local
  std::string long_distance_prefix = "1";
  std::string international_prefix = "011";
  bool area_code_on_local_calls = false;  ///< ten-digit local dialling
};

/// The dialable string for `address`, or nullopt when it is a malformed canonical number
/// (LINEERR_INVALADDRESS). Same country and area: local rule; same country, other area:
/// long distance; other country: international (with the long-distance access code). Only the
/// first address of a canonical string is translated (subaddress, name, further addresses are
/// left out).
std::optional<std::string> translate_address(std::string_view address, const Location& at);

}  // namespace telsim
