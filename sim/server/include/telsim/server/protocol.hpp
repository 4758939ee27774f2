#pragma once
/// The wire protocol of `telsim serve` (docs/protocol.md): JSON objects, one per line, over
/// TCP. This part knows bytes and JSON only — no sockets, no PBX — so it is unit-tested and
/// fuzzed on its own (tests/fuzz/frame_fuzz.cpp).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "telsim/models/tapi.hpp"

namespace telsim::wire {

using nlohmann::json;

/// Protocol versions this server speaks; `hello` picks the highest both sides know.
inline constexpr int kProtocolVersion = 1;
/// Largest frame accepted (bytes before the newline). Longer ones are discarded whole.
inline constexpr std::size_t kMaxFrame = 64 * 1024;
/// Deepest JSON nesting accepted in a request (requests are flat; forwarding lists nest 3).
inline constexpr int kMaxDepth = 16;

/// Cuts a byte stream into newline-terminated frames. A trailing CR is stripped and empty
/// lines are skipped. A frame longer than the limit is discarded up to its newline and reported
/// once, as Oversized, so the connection can carry on with the next frame.
class FrameSplitter {
 public:
  struct Item {
    enum class Kind { Frame, Oversized };
    Kind kind = Kind::Frame;
    std::string text;       ///< the frame (Frame only)
    std::size_t bytes = 0;  ///< Oversized: bytes discarded
  };
  explicit FrameSplitter(std::size_t max_frame = kMaxFrame) : max_(max_frame) {}
  /// Append bytes; complete frames (and oversize notices) are appended to `out` in order.
  void feed(std::string_view bytes, std::vector<Item>& out);
  /// Bytes of the unfinished frame held back (never more than the limit).
  std::size_t buffered() const { return partial_.size(); }

 private:
  std::size_t max_;
  std::string partial_;
  bool discarding_ = false;
  std::size_t discarded_ = 0;
};

/// A request: `{"id": ..., "op": "...", ...parameters}`. `id` is echoed in the reply as given
/// (a number or a string; null when absent).
struct Request {
  json id;
  std::string op;
  json body;  ///< the whole object
};

/// A frame that is not a request; it is answered with an error reply carrying `id` when the
/// frame had a usable one.
struct FrameError {
  json id;
  LineErr error = LineErr::InvalParam;
  std::string message;
};

/// Parse one frame. Never throws: malformed JSON, non-objects, a missing or non-string `op`,
/// a bad `id`, nesting deeper than kMaxDepth all give a FrameError.
std::variant<Request, FrameError> parse_request(std::string_view frame);

/// A request parameter that is missing or has the wrong type: LINEERR_INVALPARAM unless said.
struct ParamError {
  LineErr error = LineErr::InvalParam;
  std::string message;
};

/// Typed access to a request's parameters; each throws ParamError naming the key and the type
/// it must have. Types are strict: a string parameter ("line", "to", "digits", "orbit", "call"
/// ...) must be a JSON string — "line": 201 is refused, not read as "201" — and an integer
/// parameter ("completion", "version") a JSON integer. null is the same as absent.
class Params {
 public:
  Params(const Request& request) : req_(request) {}
  /// Required text.
  std::string text(const char* key) const;
  std::optional<std::string> optional_text(const char* key) const;
  std::optional<long long> optional_integer(const char* key) const;
  const json* find(const char* key) const;
  /// Reject keys other than `allowed` (and "id", "op").
  void only(std::initializer_list<const char*> allowed) const;

 private:
  const Request& req_;
};

/// `{"id":..,"ok":false,"error":"LINEERR_…","message":"…"}` plus newline.
std::string error_frame(const json& id, LineErr error, std::string_view message);
/// Serialise one frame (compact, invalid UTF-8 replaced) and add the newline.
std::string frame(const json& object);
/// A simulated time as JSON seconds with millisecond precision (12.5 for 12.500 s).
json seconds(std::int64_t nanoseconds);

/// Constant-time comparison of a presented token with the expected one: the time taken does
/// not depend on where they differ (only on the presented length).
bool token_matches(std::string_view presented, std::string_view expected);

}  // namespace telsim::wire
