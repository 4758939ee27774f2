// Scenario loader: YAML -> Scenario, validating everything before anything runs.
// Every error names the node it is about (yaml-cpp marks are 0-based; we print 1-based).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "telsim/sim/scenario.hpp"

namespace telsim {

ScenarioError::ScenarioError(std::string file, int line, int column, const std::string& message)
    : std::runtime_error(fmt::format("{}:{}:{}: {}", file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(what()) {}

std::optional<Duration> parse_duration(const std::string& text) {
  static const std::regex re(R"(^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|min|h)?\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) return std::nullopt;
  const double value = std::stod(m[1].str());
  const std::string unit = m[2].str();
  if (unit.empty() && value != 0) return std::nullopt;  // a bare number needs a unit, 0 aside
  double ns_per_unit = 1e9;
  if (unit == "ms") ns_per_unit = 1e6;
  if (unit == "min") ns_per_unit = 60e9;
  if (unit == "h") ns_per_unit = 3600e9;
  const double ns = value * ns_per_unit;
  if (ns > 1e18) return std::nullopt;
  return Duration(static_cast<Duration::rep>(std::llround(ns)));
}

std::string format_duration(Duration d) {
  const auto ns = d.count();
  if (ns % 3'600'000'000'000 == 0 && ns != 0) return fmt::format("{}h", ns / 3'600'000'000'000);
  if (ns % 60'000'000'000 == 0 && ns != 0) return fmt::format("{}min", ns / 60'000'000'000);
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
  return fmt::format("{}s", to_seconds(d));
}

namespace {

constexpr const char* kDurationHelp = "use a number with ms, s, min or h: 250ms, 3s, 2min, 1h";

struct OpSpec {
  const char* name;
  Op op;
};
constexpr OpSpec kOps[] = {
    {"make_call", Op::MakeCall}, {"dial", Op::Dial},     {"accept", Op::Accept},
    {"answer", Op::Answer},      {"drop", Op::Drop},     {"deallocate", Op::Deallocate},
    {"hold", Op::Hold},          {"unhold", Op::Unhold},
};
// TAPI operations the scenario language reserves: named so the error says "not yet" rather
// than "unknown".
constexpr const char* kPlannedOps[] = {
    "swap_hold", "setup_transfer", "complete_transfer", "blind_transfer", "setup_conference",
    "prepare_add_to_conference", "add_to_conference", "remove_from_conference", "park",
    "unpark", "pickup", "redirect", "forward", "complete_call", "uncomplete_call",
    "secure_call", "handoff", "translate_address"};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  Scenario load(const YAML::Node& root);

 private:
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    const YAML::Mark m = node.Mark();
    if (m.is_null()) throw ScenarioError(file_, 1, 1, message);
    throw ScenarioError(file_, m.line + 1, m.column + 1, message);
  }

  /// Require a mapping whose keys are all in `known`; returns its key nodes by name.
  std::map<std::string, YAML::Node> mapping(const YAML::Node& node, const std::string& where,
                                            const std::vector<std::string>& known) const {
    if (!node.IsMap()) fail(node, where + " must be a mapping");
    std::map<std::string, YAML::Node> keys;
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail(kv.first, fmt::format("unknown key '{}' in {} (known: {})", key, where, join(known)));
      if (keys.count(key)) fail(kv.first, fmt::format("duplicate key '{}' in {}", key, where));
      keys.emplace(key, kv.first);
    }
    return keys;
  }

  std::string scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a single value");
    return node.as<std::string>();
  }

  Duration duration(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    const auto d = parse_duration(text);
    if (!d) fail(node, fmt::format("bad duration '{}' for {}: {}", text, what, kDurationHelp));
    return *d;
  }

  /// A fixed duration, uniform(A, B) or exponential(MEAN).
  DurationDist duration_dist(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    static const std::regex dist_re(R"(^\s*(uniform|exponential)\s*\(([^,)]*)(?:,([^)]*))?\)\s*$)");
    std::smatch m;
    if (!std::regex_match(text, m, dist_re)) {
      const auto d = parse_duration(text);
      if (!d)
        fail(node, fmt::format("bad duration '{}' for {}: {}, or uniform(1s, 5s), "
                               "exponential(30s)", text, what, kDurationHelp));
      return *d;
    }
    const auto a = parse_duration(m[2].str());
    const auto b = m[3].matched ? parse_duration(m[3].str()) : std::nullopt;
    if (m[1] == "uniform") {
      if (!a || !b || *b < *a)
        fail(node, fmt::format("bad distribution '{}' for {}: uniform(LOW, HIGH) with LOW <= HIGH, "
                               "e.g. uniform(1s, 5s)", text, what));
      return DurationDist::uniform(*a, *b);
    }
    if (!a || m[3].matched)
      fail(node, fmt::format("bad distribution '{}' for {}: exponential(MEAN), e.g. exponential(30s)",
                             text, what));
    return DurationDist::exponential(*a);
  }

  std::uint64_t unsigned_number(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit) || text.size() > 19)
      fail(node, fmt::format("{} must be a non-negative integer, not '{}'", what, text));
    return std::stoull(text);
  }

  std::string number(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    if (text.empty() || !is_dialable(text))
      fail(node, fmt::format("{} '{}' is not a dialable number (digits, *, #, A-D)", what, text));
    return text;
  }

  std::string extension(const YAML::Node& node, const std::string& what) const {
    const std::string n = number(node, what);
    if (!numbers_.count(n)) fail(node, fmt::format("{} '{}' is not an extension of this PBX", what, n));
    return n;
  }

  template <typename T>
  T named(const YAML::Node& node, const std::string& what,
          std::optional<T> (*parse)(std::string_view), const char* examples) const {
    const std::string text = scalar(node, what);
    const auto v = parse(text);
    if (!v) fail(node, fmt::format("unknown {} '{}' (e.g. {})", what, text, examples));
    return *v;
  }

  Behavior behavior(const YAML::Node& node) const;
  void extensions(const YAML::Node& node, const Behavior& fallback, PbxConfig& pbx);
  void add_extension(const YAML::Node& at, LineConfig line, PbxConfig& pbx);
  void timing(const YAML::Node& node, Timing& t) const;
  Step step(const YAML::Node& node, int index);
  void expectation(const YAML::Node& node, Step& step);
  std::string call_ref(const YAML::Node& node) const;
  void bind(const YAML::Node& node, const std::string& name);

  std::string file_;
  std::map<std::string, int> numbers_;  // extension number -> YAML line
  std::map<std::string, int> names_;    // call name -> YAML line of its `as:`
};

Scenario Loader::load(const YAML::Node& root) {
  if (!root.IsDefined() || root.IsNull()) fail(root, "the scenario is empty");
  auto keys = mapping(root, "the scenario",
                      {"name", "description", "seed", "pbx", "defaults", "steps", "stop_at"});
  Scenario sc;
  sc.file = file_;
  if (!keys.count("name")) fail(root, "the scenario needs a 'name'");
  sc.name = scalar(root["name"], "name");
  if (keys.count("description")) sc.description = scalar(root["description"], "description");
  if (keys.count("seed")) sc.seed = unsigned_number(root["seed"], "seed");
  if (keys.count("stop_at")) sc.stop_at = duration(root["stop_at"], "stop_at");

  Behavior fallback;
  if (keys.count("defaults")) {
    const YAML::Node d = root["defaults"];
    auto dk = mapping(d, "defaults", {"behavior"});
    if (dk.count("behavior")) fallback = behavior(d["behavior"]);
  }

  if (!keys.count("pbx")) fail(root, "the scenario needs a 'pbx' with its 'extensions'");
  const YAML::Node pbx = root["pbx"];
  auto pk = mapping(pbx, "pbx", {"extensions", "timing", "vacant_number", "max_calls_per_line"});
  if (!pk.count("extensions")) fail(pbx, "pbx needs 'extensions'");
  extensions(pbx["extensions"], fallback, sc.pbx);
  if (pk.count("timing")) timing(pbx["timing"], sc.pbx.timing);
  if (pk.count("vacant_number")) {
    const std::string v = scalar(pbx["vacant_number"], "vacant_number");
    if (v == "special_info") sc.pbx.vacant_number_special_info = true;
    else if (v != "disconnect")
      fail(pbx["vacant_number"],
           fmt::format("vacant_number must be 'disconnect' or 'special_info', not '{}'", v));
  }
  if (pk.count("max_calls_per_line")) {
    const auto n = unsigned_number(pbx["max_calls_per_line"], "max_calls_per_line");
    if (n < 1 || n > 64) fail(pbx["max_calls_per_line"], "max_calls_per_line must be 1..64");
    sc.pbx.max_calls_per_line = n;
  }

  if (keys.count("steps")) {
    const YAML::Node steps = root["steps"];
    if (!steps.IsSequence()) fail(steps, "steps must be a list");
    std::optional<SimTime> last_at;
    int index = 0;
    for (const auto& s : steps) {
      Step st = step(s, ++index);
      if (st.at) {
        if (last_at && *st.at < *last_at)
          fail(s["at"], fmt::format("at: {} is earlier than a previous step's at: {}",
                                    format_duration(*st.at), format_duration(*last_at)));
        last_at = st.at;
      }
      sc.steps.push_back(std::move(st));
    }
  }
  return sc;
}

Behavior Loader::behavior(const YAML::Node& node) const {
  Behavior b;
  if (node.IsScalar()) {
    const std::string k = node.as<std::string>();
    if (k == "manual") b.kind = Behavior::Kind::Manual;
    else if (k == "busy") b.kind = Behavior::Kind::Busy;
    else if (k == "no_answer") b.kind = Behavior::Kind::NoAnswer;
    else if (k == "reject") b.kind = Behavior::Kind::Reject;
    else
      fail(node, fmt::format("unknown behavior '{}' (manual, busy, no_answer, reject, or "
                             "{{answer_after: D, hangup_after: D}})", k));
    return b;
  }
  auto keys = mapping(node, "behavior", {"answer_after", "hangup_after"});
  if (keys.empty()) fail(node, "behavior needs answer_after and/or hangup_after");
  b.kind = Behavior::Kind::Auto;
  if (keys.count("answer_after")) b.answer_after = duration_dist(node["answer_after"], "answer_after");
  if (keys.count("hangup_after")) b.hangup_after = duration_dist(node["hangup_after"], "hangup_after");
  return b;
}

void Loader::add_extension(const YAML::Node& at, LineConfig line, PbxConfig& pbx) {
  const int yaml_line = at.Mark().line + 1;
  if (auto it = numbers_.find(line.number); it != numbers_.end())
    fail(at, fmt::format("extension {} is defined twice (first on line {})", line.number, it->second));
  numbers_.emplace(line.number, yaml_line);
  pbx.lines.push_back(std::move(line));
}

void Loader::extensions(const YAML::Node& node, const Behavior& fallback, PbxConfig& pbx) {
  if (!node.IsSequence()) fail(node, "extensions must be a list of numbers, ranges or objects");
  for (const auto& item : node) {
    std::string spec;
    std::string name;
    Behavior b = fallback;
    const YAML::Node* where = &item;
    YAML::Node number_node;
    if (item.IsMap()) {
      auto keys = mapping(item, "extension", {"number", "name", "behavior"});
      if (!keys.count("number")) fail(item, "an extension object needs a 'number'");
      number_node = item["number"];
      where = &number_node;
      spec = scalar(number_node, "number");
      if (keys.count("name")) name = scalar(item["name"], "name");
      if (keys.count("behavior")) b = behavior(item["behavior"]);
    } else {
      spec = scalar(item, "extension");
    }
    static const std::regex range_re(R"(^([0-9]+)-([0-9]+)$)");
    std::smatch m;
    if (std::regex_match(spec, m, range_re)) {
      const std::string lo = m[1].str();
      const std::string hi = m[2].str();
      if (lo.size() != hi.size())
        fail(*where, fmt::format("range '{}' must have ends of the same length", spec));
      if (lo.size() > 15) fail(*where, fmt::format("range '{}' has numbers too long", spec));
      const std::uint64_t a = std::stoull(lo);
      const std::uint64_t z = std::stoull(hi);
      if (a > z) fail(*where, fmt::format("range '{}' runs backwards", spec));
      if (z - a >= 1'000'000) fail(*where, fmt::format("range '{}' is too large (max 1000000)", spec));
      if (!name.empty()) fail(*where, "a range of extensions cannot share one name");
      for (std::uint64_t n = a; n <= z; ++n)
        add_extension(*where, LineConfig{fmt::format("{:0{}}", n, lo.size()), "", b}, pbx);
    } else {
      if (spec.empty() || !std::all_of(spec.begin(), spec.end(), ::isdigit))
        fail(*where, fmt::format("extension '{}' must be digits or a range like \"201-209\"", spec));
      add_extension(*where, LineConfig{spec, name, b}, pbx);
    }
  }
  if (pbx.lines.empty()) fail(node, "the PBX needs at least one extension");
}

void Loader::timing(const YAML::Node& node, Timing& t) const {
  auto keys = mapping(node, "timing",
                      {"dialtone_delay", "digit_time", "inter_digit_timeout", "post_dial_delay",
                       "ring_cadence", "no_answer_timeout"});
  auto set = [&](const char* key, Duration& field) {
    if (keys.count(key)) field = duration(node[key], key);
  };
  set("dialtone_delay", t.dialtone_delay);
  set("digit_time", t.digit_time);
  set("inter_digit_timeout", t.inter_digit_timeout);
  set("post_dial_delay", t.post_dial_delay);
  set("ring_cadence", t.ring_cadence);
  set("no_answer_timeout", t.no_answer_timeout);
  if (t.ring_cadence <= Duration::zero()) fail(node["ring_cadence"], "ring_cadence must be > 0");
}

std::string Loader::call_ref(const YAML::Node& node) const {
  const std::string name = scalar(node, "call");
  auto it = names_.find(name);
  if (it == names_.end())
    fail(node, fmt::format("call '{}' is not named by an earlier step (give a step 'as: {}')",
                           name, name));
  return name;
}

void Loader::bind(const YAML::Node& node, const std::string& name) {
  static const std::regex name_re(R"(^[A-Za-z_][A-Za-z0-9_.-]*$)");
  if (!std::regex_match(name, name_re))
    fail(node, fmt::format("'{}' is not a valid call name (letters, digits, _ . -)", name));
  if (auto it = names_.find(name); it != names_.end())
    fail(node, fmt::format("call name '{}' is already used on line {}", name, it->second));
  names_.emplace(name, node.Mark().line + 1);
}

Step Loader::step(const YAML::Node& node, int index) {
  const std::string where = fmt::format("step {}", index);
  auto keys = mapping(node, where,
                      {"at", "after", "do", "expect", "within", "as", "expect_error", "line",
                       "call", "to", "digits", "note"});
  Step st;
  st.index = index;
  st.yaml_line = node.Mark().line + 1;
  st.yaml_column = node.Mark().column + 1;
  if (keys.count("at") && keys.count("after"))
    fail(keys["after"], "a step has either 'at' (absolute) or 'after' (relative), not both");
  if (keys.count("at")) st.at = duration(node["at"], "at");
  if (keys.count("after")) st.after = duration(node["after"], "after");
  if (keys.count("note")) st.note = scalar(node["note"], "note");
  const bool is_do = keys.count("do");
  const bool is_expect = keys.count("expect");
  if (is_do == is_expect) fail(node, fmt::format("{} needs exactly one of 'do' or 'expect'", where));

  auto forbid = [&](const char* key, const char* why) {
    if (keys.count(key)) fail(keys[key], fmt::format("'{}' {}", key, why));
  };

  if (is_expect) {
    st.kind = Step::Kind::Expect;
    for (const char* k : {"expect_error", "line", "call", "to", "digits"})
      forbid(k, "belongs to a 'do' step (put conditions inside expect: {...})");
    if (keys.count("within")) st.within = duration(node["within"], "within");
    expectation(node["expect"], st);
    if (keys.count("as")) {
      if (st.expect.line.empty())
        fail(keys["as"], "'as' on an expect names the call it matches on a line: use expect: {line: ...}");
      st.as = scalar(node["as"], "as");
      bind(node["as"], st.as);
    }
    return st;
  }

  st.kind = Step::Kind::Do;
  forbid("within", "belongs to an 'expect' step");
  const YAML::Node op_node = node["do"];
  const std::string op = scalar(op_node, "do");
  const OpSpec* spec = nullptr;
  for (const OpSpec& s : kOps)
    if (op == s.name) spec = &s;
  if (!spec) {
    for (const char* p : kPlannedOps)
      if (op == p) fail(op_node, fmt::format("operation '{}' is not supported yet", op));
    std::vector<std::string> names;
    for (const OpSpec& s : kOps) names.emplace_back(s.name);
    fail(op_node, fmt::format("unknown operation '{}' (known: {})", op, join(names)));
  }
  st.op = spec->op;
  if (keys.count("expect_error")) {
    st.expect_error = named<LineErr>(node["expect_error"], "expect_error", parse_line_err,
                                     "LINEERR_INVALCALLSTATE");
    if (*st.expect_error == LineErr::Success)
      fail(node["expect_error"], "expect_error names the LINEERR the operation must return");
  }
  if (keys.count("line")) st.line = extension(node["line"], "line");
  if (keys.count("call")) st.call = call_ref(node["call"]);

  if (st.op == Op::MakeCall) {
    if (st.line.empty()) fail(node, "make_call needs the 'line' that places the call");
    forbid("call", "is not used by make_call (it creates a call: name it with 'as')");
    forbid("digits", "is for dial; make_call takes 'to'");
    if (keys.count("to")) {
      st.to = scalar(node["to"], "to");  // checked by the PBX: a bad number is LINEERR_INVALADDRESS
    }
  } else {
    forbid("to", "is only for make_call");
    if (st.call.empty() && st.line.empty())
      fail(node, fmt::format("{} needs the 'call' to act on (or the 'line' that has it)", op));
    if (!st.call.empty() && !st.line.empty())
      fail(keys["line"], "give either 'call' or 'line', not both");
    if (st.op == Op::Dial) {
      if (!keys.count("digits")) fail(node, "dial needs 'digits'");
      st.digits = scalar(node["digits"], "digits");
    } else {
      forbid("digits", "is only for dial");
    }
  }
  if (keys.count("as")) {
    if (st.op != Op::MakeCall)
      fail(keys["as"], fmt::format("'as' names a new call; {} does not create one", op));
    st.as = scalar(node["as"], "as");
    bind(node["as"], st.as);
  }
  return st;
}

void Loader::expectation(const YAML::Node& node, Step& st) {
  auto keys = mapping(node, "expect",
                      {"call", "line", "error", "state", "mode", "reason", "history", "features",
                       "calls"});
  Expectation& e = st.expect;
  const int subjects = static_cast<int>(keys.count("call") + keys.count("line") + keys.count("error"));
  if (subjects != 1) fail(node, "expect needs exactly one of 'call', 'line' or 'error'");
  if (keys.count("call")) e.call = call_ref(node["call"]);
  if (keys.count("line")) e.line = extension(node["line"], "line");
  if (keys.count("error")) {
    e.error = named<LineErr>(node["error"], "error", parse_line_err, "LINEERR_INVALCALLSTATE");
    if (keys.size() > 1) fail(node, "expect: {error: ...} takes no other conditions");
    if (st.within != Duration::zero()) fail(node, "expect: {error: ...} checks the previous step now; it takes no 'within'");
    return;
  }
  if (keys.count("state"))
    e.state = named<CallState>(node["state"], "state", parse_call_state, "RINGBACK, CONNECTED");
  if (keys.count("mode"))
    e.mode = named<DisconnectMode>(node["mode"], "disconnect mode", parse_disconnect_mode,
                                   "NORMAL, BUSY, NOANSWER");
  if (keys.count("reason"))
    e.reason = named<CallReason>(node["reason"], "reason", parse_call_reason, "DIRECT, FWDBUSY");
  if (keys.count("history")) {
    const YAML::Node h = node["history"];
    if (!h.IsSequence()) fail(h, "history must be a list of states");
    std::vector<CallState> states;
    for (const auto& s : h)
      states.push_back(named<CallState>(s, "state", parse_call_state, "DIALTONE, DIALING"));
    e.history = std::move(states);
  }
  if (keys.count("features")) {
    const YAML::Node f = node["features"];
    if (!f.IsSequence()) fail(f, "features must be a list, e.g. [DROP, HOLD]");
    std::uint32_t bits = 0;
    for (const auto& s : f) {
      const std::string name = scalar(s, "feature");
      const std::uint32_t bit = parse_call_feature(name);
      if (!bit) fail(s, fmt::format("unknown call feature '{}' (e.g. DROP, HOLD, ANSWER)", name));
      bits |= bit;
    }
    e.features = bits;
  }
  if (keys.count("calls")) {
    if (e.line.empty()) fail(keys["calls"], "'calls' counts the calls on a line: use expect: {line: ...}");
    e.calls = static_cast<int>(unsigned_number(node["calls"], "calls"));
  }
  if (keys.size() == 1) fail(node, "expect needs a condition: state, mode, reason, history, features or calls");
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ScenarioError(file, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  return Loader(file).load(root);
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 1, 1, "cannot open the scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace telsim
