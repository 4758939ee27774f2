// libFuzzer target for the wire protocol's frame layer (telsim::wire): FrameSplitter, then
// parse_request on every frame, Params on every request, and the reply serialisers. A broken
// invariant aborts with a message, so libFuzzer keeps the input as a crash. How to run it for
// longer: docs/design.md, "Fuzzing".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "telsim/server/protocol.hpp"

namespace {

using telsim::LineErr;
using telsim::wire::FrameSplitter;
using telsim::wire::json;
using Item = FrameSplitter::Item;

[[noreturn]] void violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "frame_fuzz: invariant violated: %s%s%.*s\n", what, detail.empty() ? "" : ": ",
               static_cast<int>(std::min<std::size_t>(detail.size(), 400)), detail.data());
  std::abort();
}

void require(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) violated(what, detail);
}

// FNV-1a: the chunk boundaries and the small frame limit are a function of the input, so a
// saved crash replays exactly.
std::uint64_t hash(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

/// What the splitter must produce, written the plain way: every newline-terminated line is an
/// Oversized notice (its length before the newline is over the limit), or a frame (one trailing
/// CR dropped) unless it is then empty. The unterminated rest is held back if it fits.
struct Expected {
  std::vector<Item> items;
  std::size_t buffered = 0;
};

Expected reference_split(std::string_view input, std::size_t max_frame) {
  Expected e;
  for (;;) {
    const std::size_t nl = input.find('\n');
    if (nl == std::string_view::npos) {
      e.buffered = input.size() <= max_frame ? input.size() : 0;
      return e;
    }
    std::string_view line = input.substr(0, nl);
    input.remove_prefix(nl + 1);
    if (line.size() > max_frame) {
      e.items.push_back(Item{Item::Kind::Oversized, {}, line.size()});
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) e.items.push_back(Item{Item::Kind::Frame, std::string(line), 0});
  }
}

/// Feed `input` cut at `cuts` (ascending offsets), checking the splitter's bounds after each
/// feed, and compare the result with the reference.
std::vector<Item> split(std::string_view input, std::size_t max_frame,
                        const std::vector<std::size_t>& cuts) {
  FrameSplitter splitter(max_frame);
  std::vector<Item> out;
  std::size_t from = 0;
  auto feed_to = [&](std::size_t to) {
    splitter.feed(input.substr(from, to - from), out);
    from = to;
    require(splitter.buffered() <= max_frame, "buffered() exceeds the frame limit");
  };
  for (std::size_t cut : cuts) feed_to(cut);
  feed_to(input.size());

  for (const Item& item : out) {
    if (item.kind == Item::Kind::Frame) {
      require(!item.text.empty(), "an empty frame was emitted");
      require(item.text.size() <= max_frame, "a frame exceeds the frame limit", item.text);
      require(item.text.find('\n') == std::string::npos, "a frame contains a newline", item.text);
      require(item.bytes == 0, "a frame carries a discarded-byte count");
    } else {
      require(item.text.empty(), "an oversize notice carries text");
      require(item.bytes > max_frame, "an oversize notice for a frame within the limit");
    }
  }
  const Expected expected = reference_split(input, max_frame);
  require(out.size() == expected.items.size(), "the splitter and the reference disagree on the number of items");
  for (std::size_t i = 0; i < out.size(); ++i) {
    require(out[i].kind == expected.items[i].kind, "item kind differs from the reference");
    require(out[i].text == expected.items[i].text, "frame text differs from the reference", out[i].text);
    require(out[i].bytes == expected.items[i].bytes, "discarded byte count differs from the reference");
  }
  require(splitter.buffered() == expected.buffered, "buffered() differs from the reference");
  return out;
}

/// A serialised reply is one line of valid JSON: exactly one newline, at the end, whatever
/// bytes went in (invalid UTF-8 is replaced).
json check_frame_text(const std::string& text) {
  require(!text.empty() && text.back() == '\n', "a serialised frame does not end in a newline", text);
  require(text.find('\n') == text.size() - 1, "a serialised frame contains an inner newline", text);
  json back = json::parse(text, nullptr, /*allow_exceptions=*/false);
  require(!back.is_discarded(), "a serialised frame is not valid JSON", text);
  return back;
}

/// A refusal of a mistyped parameter names it ('KEY') and what it must be.
bool names(const std::string& message, const std::string& key, std::string_view must) {
  return message.find("'" + key + "' " + std::string(must)) != std::string::npos;
}

void check_error_frame(const json& id, LineErr error, std::string_view message) {
  const json back = check_frame_text(telsim::wire::error_frame(id, error, message));
  require(back.is_object() && back.value("ok", true) == false, "error_frame lacks \"ok\":false");
  require(back.contains("error") && back["error"].is_string(), "error_frame lacks the error name");
  require(back.contains("id") && back["id"] == id, "error_frame does not echo the id");
}

/// Params' contract: a missing or null key is "absent"; only a JSON string is text and only a
/// JSON integer in range is an integer (no coercion either way: "line": 201 is refused); any
/// other value is a ParamError with LINEERR_INVALPARAM naming the key and the type it needs;
/// nothing else may escape.
void exercise_params(const telsim::wire::Request& request) {
  const telsim::wire::Params params(request);
  std::vector<std::string> keys = {"line", "to", "call", "digits", "forwarding", "timeout",
                                   "mode", "id", "op", "versions", ""};
  for (auto it = request.body.begin(); it != request.body.end() && keys.size() < 32; ++it)
    keys.push_back(it.key());

  bool serialised_one = false;
  for (const std::string& key : keys) {
    if (key.find('\0') != std::string::npos) continue;  // the accessors take C strings
    const json* value = params.find(key.c_str());
    require(value == nullptr || request.body.contains(key), "find() returned a key the body lacks", key);
    const bool absent = value == nullptr || value->is_null();
    const bool textual = !absent && value->is_string();
    const bool fits = !absent && value->is_number_integer() &&
                      (!value->is_number_unsigned() || value->get<std::uint64_t>() <= INT64_MAX);

    try {
      const auto t = params.optional_text(key.c_str());
      require(t.has_value() == textual, "optional_text returned for a value it should refuse", key);
      if (t && value->is_string()) require(*t == value->get_ref<const std::string&>(), "optional_text changed a string", key);
    } catch (const telsim::wire::ParamError& e) {
      require(!absent && !textual, "optional_text refused a string", key);
      require(e.error == LineErr::InvalParam, "a mistyped parameter is not LINEERR_INVALPARAM", key);
      require(names(e.message, key, "must be a string"), "optional_text's refusal does not name the key and 'string'", e.message);
      if (!serialised_one) check_error_frame(request.id, e.error, e.message);
      serialised_one = true;  // one reply per request is enough; serialising is the slow part
    }
    try {
      (void)params.text(key.c_str());
      require(textual, "text() accepted a missing or non-string value", key);
    } catch (const telsim::wire::ParamError& e) {
      require(!textual, "text() refused a string", key);
      require(!e.message.empty(), "a ParamError without a message", key);
    }
    try {
      const auto n = params.optional_integer(key.c_str());
      require(n.has_value() == fits && (n || absent), "optional_integer returned for a value it should refuse", key);
      if (n) require(value->get<long long>() == *n, "optional_integer changed the value", key);
    } catch (const telsim::wire::ParamError& e) {
      require(!absent && !fits, "optional_integer refused an integer in range", key);
      require(e.error == LineErr::InvalParam, "a mistyped parameter is not LINEERR_INVALPARAM", key);
      require(names(e.message, key, "must be an integer"), "optional_integer's refusal does not name the key and 'integer'",
              e.message);
    }
  }

  // only(): the request's own keys (up to a fixed few) are accepted exactly when listed.
  std::size_t extra = 0;
  for (auto it = request.body.begin(); it != request.body.end(); ++it)
    if (it.key() != "id" && it.key() != "op") ++extra;
  try {
    params.only({});
    require(extra == 0, "only({}) accepted a request with parameters");
  } catch (const telsim::wire::ParamError& e) {
    require(extra != 0, "only({}) refused a request without parameters");
    require(!e.message.empty(), "a ParamError without a message");
  }
  try {
    params.only({"line", "to", "call", "digits", "forwarding"});
  } catch (const telsim::wire::ParamError& e) {
    require(!e.message.empty(), "a ParamError without a message");
  }
}

void exercise_frame(const std::string& text) {
  std::variant<telsim::wire::Request, telsim::wire::FrameError> parsed;
  try {
    parsed = telsim::wire::parse_request(text);
  } catch (const std::exception& e) {
    violated("parse_request threw", e.what());
  }

  if (auto* error = std::get_if<telsim::wire::FrameError>(&parsed)) {
    require(!error->message.empty(), "a FrameError without a message", text);
    require(error->id.is_null() || error->id.is_number_integer() || error->id.is_string(),
            "a FrameError carries an id that is neither null, integer nor string");
    check_error_frame(error->id, error->error, error->message);
    return;
  }
  const auto& request = std::get<telsim::wire::Request>(parsed);
  require(request.body.is_object(), "a Request whose body is not an object", text);
  require(request.body.contains("op") && request.body["op"].is_string() &&
              request.body["op"].get_ref<const std::string&>() == request.op,
          "Request::op differs from the body's op", text);
  require(request.id.is_null() || request.id.is_number_integer() ||
              (request.id.is_string() && request.id.get_ref<const std::string&>().size() <= 256),
          "a Request carries a bad id", text);
  require(request.id == request.body.value("id", json(nullptr)), "Request::id differs from the body's id", text);

  // frame() round-trips what parse_request accepted (the parser only accepts valid UTF-8).
  const json back = check_frame_text(telsim::wire::frame(request.body));
  require(back == request.body, "frame() does not round-trip the request", text);

  try {
    exercise_params(request);
  } catch (const std::exception& e) {
    violated("Params let a non-ParamError exception escape", e.what());
  }
  // Echoing raw frame bytes in a message must still give one valid JSON line.
  check_error_frame(request.id, LineErr::OperationFailed, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::uint64_t h = hash(input);

  // Three chunks at input-derived offsets must give what one feed gives.
  std::vector<std::size_t> cuts = {static_cast<std::size_t>(h % (size + 1)),
                                   static_cast<std::size_t>((h >> 21) % (size + 1))};
  std::sort(cuts.begin(), cuts.end());
  const std::vector<Item> frames = split(input, telsim::wire::kMaxFrame, cuts);

  // A small limit (0..63 bytes) makes oversized frames, split across chunks, common.
  const std::size_t small_max = static_cast<std::size_t>((h >> 42) % 64);
  std::vector<std::size_t> small_cuts = {static_cast<std::size_t>((h >> 7) % (size + 1)),
                                         static_cast<std::size_t>((h >> 31) % (size + 1))};
  std::sort(small_cuts.begin(), small_cuts.end());
  split(input, small_max, small_cuts);

  for (const Item& item : frames) {
    if (item.kind != Item::Kind::Frame) continue;
    exercise_frame(item.text);
    // Token comparison: equal exactly when the bytes are, and never for an empty expectation.
    const std::string_view t = item.text;
    const std::string_view a = t.substr(0, t.size() / 2);
    const std::string_view b = t.substr(t.size() / 2);
    require(telsim::wire::token_matches(a, b) == (a == b && !b.empty()), "token_matches is wrong", t);
    require(telsim::wire::token_matches(b, b) == !b.empty(), "token_matches refuses an equal token", t);
  }
  return 0;
}
