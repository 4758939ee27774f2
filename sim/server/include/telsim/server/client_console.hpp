#pragma once
/// `telsim client`: a line-oriented client for `telsim serve`, for shells and scripts. Each
/// input line is a request — raw JSON, or the shorthand `OP key=value ...` — and every frame
/// the server sends is printed as it arrives. Two script helpers: `wait REGEX [TIMEOUT]` blocks
/// until a received frame matches (default 30 s), `sleep DURATION` pauses.
#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace telsim {

struct ClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5070;
  std::string token;  ///< sent as {"op":"auth"} first when not empty
  std::string name;   ///< sent in {"op":"hello"} when not empty
  /// After the input ends: wait for outstanding replies, then this long for more events.
  std::chrono::milliseconds linger{0};
};

/// Turn one input line into a request; `next_id` numbers requests without an id. nullopt for
/// blank lines and comments. Throws std::invalid_argument with a message for bad input.
std::optional<nlohmann::json> parse_console_line(const std::string& line, long long& next_id);

/// Run the console: requests from `in`, frames to `out`, problems to `err`. Returns the exit
/// code: 0 done, 1 a `wait` timed out or the server went away early, 2 bad input, 3 cannot
/// connect.
int run_client_console(const ClientOptions& options, std::istream& in, std::ostream& out,
                       std::ostream& err);

}  // namespace telsim
