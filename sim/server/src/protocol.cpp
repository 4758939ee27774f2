#include "telsim/server/protocol.hpp"

#include <cmath>

#include <fmt/format.h>

namespace telsim::wire {

void FrameSplitter::feed(std::string_view bytes, std::vector<Item>& out) {
  while (!bytes.empty()) {
    const std::size_t nl = bytes.find('\n');
    const std::string_view chunk = bytes.substr(0, nl);
    if (discarding_) {
      discarded_ += chunk.size();
    } else if (partial_.size() + chunk.size() > max_) {
      discarding_ = true;
      discarded_ = partial_.size() + chunk.size();
      partial_.clear();
      partial_.shrink_to_fit();
    } else {
      partial_.append(chunk);
    }
    if (nl == std::string_view::npos) return;
    bytes.remove_prefix(nl + 1);
    if (discarding_) {
      out.push_back(Item{Item::Kind::Oversized, {}, discarded_});
      discarding_ = false;
      discarded_ = 0;
      continue;
    }
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
    if (!partial_.empty()) out.push_back(Item{Item::Kind::Frame, std::move(partial_), 0});
    partial_.clear();
  }
}

namespace {

// Nesting depth of a JSON text, counted outside strings. Malformed texts are left for the
// parser to reject; this only keeps pathological nesting away from it.
int max_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    else if (c == ']' || c == '}') --depth;
  }
  return deepest;
}

std::string type_name(const json& j) { return j.type_name(); }

}  // namespace

std::variant<Request, FrameError> parse_request(std::string_view text) {
  if (max_depth(text) > kMaxDepth)
    return FrameError{nullptr, LineErr::InvalParam,
                      fmt::format("frame nests deeper than {} levels", kMaxDepth)};
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return FrameError{nullptr, LineErr::InvalParam, "malformed JSON"};
  if (!j.is_object())
    return FrameError{nullptr, LineErr::InvalParam,
                      fmt::format("a request is a JSON object, not {}", type_name(j))};
  Request r;
  if (auto it = j.find("id"); it != j.end()) {
    if (!it->is_number_integer() && !it->is_number_unsigned() && !it->is_string() && !it->is_null())
      return FrameError{nullptr, LineErr::InvalParam, "'id' must be an integer or a string"};
    if (it->is_string() && it->get_ref<const std::string&>().size() > 256)
      return FrameError{nullptr, LineErr::InvalParam, "'id' is longer than 256 characters"};
    r.id = *it;
  }
  auto op = j.find("op");
  if (op == j.end()) return FrameError{r.id, LineErr::InvalParam, "missing 'op'"};
  if (!op->is_string()) return FrameError{r.id, LineErr::InvalParam, "'op' must be a string"};
  r.op = op->get<std::string>();
  r.body = std::move(j);
  return r;
}

const json* Params::find(const char* key) const {
  auto it = req_.body.find(key);
  return it == req_.body.end() ? nullptr : &*it;
}

std::optional<std::string> Params::optional_text(const char* key) const {
  const json* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  // Numbers are not turned into text: a line, a number to dial, an orbit are strings on the
  // wire ("201", and "0201" is not 201). A mistyped parameter is refused, never guessed at.
  if (v->is_number())
    throw ParamError{LineErr::InvalParam,
                     fmt::format("'{}' must be a string, not the number {} (write \"{}\")", key, v->dump(), v->dump())};
  throw ParamError{LineErr::InvalParam, fmt::format("'{}' must be a string, not {}", key, type_name(*v))};
}

std::string Params::text(const char* key) const {
  auto v = optional_text(key);
  if (!v) throw ParamError{LineErr::InvalParam, fmt::format("{} needs '{}'", req_.op, key)};
  return *v;
}

std::optional<long long> Params::optional_integer(const char* key) const {
  const json* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_number_integer() && !v->is_number_unsigned()) return v->get<long long>();
  if (v->is_number_unsigned() && v->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<long long>(v->get<std::uint64_t>());
  if (v->is_number_unsigned())
    throw ParamError{LineErr::InvalParam, fmt::format("'{}' must be an integer, not {} (too large)", key, v->dump())};
  if (v->is_number())
    throw ParamError{LineErr::InvalParam, fmt::format("'{}' must be an integer, not the number {}", key, v->dump())};
  if (v->is_string())
    throw ParamError{LineErr::InvalParam, fmt::format("'{}' must be an integer, not the string {}", key, v->dump())};
  throw ParamError{LineErr::InvalParam, fmt::format("'{}' must be an integer, not {}", key, type_name(*v))};
}

void Params::only(std::initializer_list<const char*> allowed) const {
  for (auto it = req_.body.begin(); it != req_.body.end(); ++it) {
    if (it.key() == "id" || it.key() == "op") continue;
    bool known = false;
    for (const char* a : allowed) known = known || it.key() == a;
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw ParamError{LineErr::InvalParam,
                       fmt::format("unknown key '{}' for {} (it takes: {})", it.key(), req_.op,
                                   list.empty() ? "nothing" : list)};
    }
  }
}

std::string frame(const json& object) {
  std::string s = object.dump(-1, ' ', false, json::error_handler_t::replace);
  s += '\n';
  return s;
}

std::string error_frame(const json& id, LineErr error, std::string_view message) {
  return frame(json{{"id", id}, {"ok", false}, {"error", tapi_name(error)}, {"message", message}});
}

json seconds(std::int64_t nanoseconds) {
  return std::round(static_cast<double>(nanoseconds) / 1e6) / 1e3;
}

bool token_matches(std::string_view presented, std::string_view expected) {
  // Every byte of the presented token is compared (against the expected one, cycled), and the
  // lengths are folded in, so neither the position of the first difference nor a prefix match
  // shows in the timing.
  unsigned diff = presented.size() == expected.size() ? 0u : 1u;
  if (expected.empty()) return false;
  for (std::size_t i = 0; i < presented.size(); ++i)
    diff |= static_cast<unsigned char>(presented[i]) ^ static_cast<unsigned char>(expected[i % expected.size()]);
  return diff == 0;
}

}  // namespace telsim::wire
