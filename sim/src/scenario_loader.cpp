// Scenario loader: YAML -> Scenario, validating everything before anything runs.
// Every error names the node it is about (yaml-cpp marks are 0-based; we print 1-based).
#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "telsim/results/report_schema.hpp"
#include "telsim/models/personality.hpp"
#include "telsim/models/tapi_names.hpp"
#include "telsim/sim/request.hpp"
#include "telsim/sim/faults.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {

ScenarioError::ScenarioError(std::string file, int line, int column, const std::string& message)
    : std::runtime_error(fmt::format("{}:{}:{}: {}", file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(what()) {}

namespace {

constexpr std::size_t kMaxScalar = 4096;  // characters in one value (names, numbers, notes)
constexpr const char* kDurationHelp =
    "use a number with ms, s, min or h (250ms, 3s, 2min, 1h), or parts from the largest unit down (2h30min, 1min30s)";

/// A map with the key `key` (yaml-cpp's operator[] on a missing key gives a node that throws).
const YAML::Node* find_key(const YAML::Node& map, const char* key, YAML::Node& holder) {
  if (!map.IsMap()) return nullptr;
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) {
      holder.reset(kv.second);
      return &holder;
    }
  }
  return nullptr;
}

/// `{expect: {metric: ...}}`: a step checked when the run ends.
bool is_metric_step(const YAML::Node& step) {
  YAML::Node expect, metric;
  const YAML::Node* e = find_key(step, "expect", expect);
  return e && find_key(*e, "metric", metric);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class Loader {
 public:
  explicit Loader(std::string file, std::string_view personality = {})
      : file_(std::move(file)), personality_override_(personality) {}

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
      if (!kv.first.IsScalar()) fail(kv.first, fmt::format("a key in {} must be a name, not a list or mapping", where));
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
    // std::regex recurses once per character: a 64 KiB value overflows the stack.
    if (node.Scalar().size() > kMaxScalar) fail(node, fmt::format("{} is longer than {} characters", what, kMaxScalar));
    return node.as<std::string>();
  }

  bool boolean(const YAML::Node& node, const std::string& what) const {
    const std::string v = scalar(node, what);
    if (v != "true" && v != "false") fail(node, fmt::format("{} must be true or false", what));
    return v == "true";
  }

  Duration duration(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    const auto d = parse_duration(text);
    if (!d) fail(node, fmt::format("bad duration '{}' for {}: {}", text, what, kDurationHelp));
    return *d;
  }

  Duration duration_value(const YAML::Node& node, const std::string& what) const {
    const Duration d = duration(node, what);
    if (d < Duration::zero()) fail(node, fmt::format("{} must not be negative", what));
    return d;
  }
  Duration positive_duration(const YAML::Node& node, const std::string& what) const {
    const Duration d = duration(node, what);
    if (d <= Duration::zero()) fail(node, fmt::format("{} must be a positive duration", what));
    return d;
  }

  /// A fixed duration, uniform(A, B) or exponential(MEAN).
  DurationDist duration_dist(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    std::string why;
    const auto d = parse_duration_dist(text, why);
    if (!d && why.empty())
      fail(node, fmt::format("bad duration '{}' for {}: {}, or uniform(1s, 5s), exponential(30s)", text, what,
                             kDurationHelp));
    if (!d) fail(node, fmt::format("bad distribution '{}' for {}: {}", text, what, why));
    return *d;
  }

  /// A whole number in [low, high]. One message for every way it can be wrong (not a number,
  /// negative, out of range), so the same key always reads the same.
  std::uint64_t integer_in(const YAML::Node& node, const std::string& what, std::uint64_t low,
                           std::uint64_t high) const {
    const std::string text = scalar(node, what);
    const bool digits = !text.empty() && text.size() <= 19 && std::all_of(text.begin(), text.end(), ::isdigit);
    const std::uint64_t n = digits ? std::stoull(text) : 0;
    if (!digits || n < low || n > high)
      fail(node, fmt::format("{} must be a whole number from {} to {}, not '{}'", what, low, high, text));
    return n;
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
  std::vector<std::string> number_list(const YAML::Node& node, const std::string& what) const;
  void park_lots(const YAML::Node& node, PbxConfig& pbx);
  void trunks(const YAML::Node& node, PbxConfig& pbx);
  void traffic(const YAML::Node& node, Scenario& sc);
  double probability(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    char* end = nullptr;
    const double p = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !(p >= 0 && p <= 1))
      fail(node, fmt::format("{} must be a probability between 0 and 1, not '{}'", what, text));
    return p;
  }
  void pickup_groups(const YAML::Node& node, PbxConfig& pbx);
  /// `acd:` (acd.hpp): queues and agents.
  void acd(const YAML::Node& node, PbxConfig& pbx);
  QueueConfig queue(const YAML::Node& node, const PbxConfig& pbx);
  void agents(const YAML::Node& node, PbxConfig& pbx);
  void modems(const YAML::Node& node, Scenario& sc);
  std::string modem_ref(const YAML::Node& node) const {
    const std::string name = scalar(node, "modem");
    if (!modem_names_.count(name)) fail(node, fmt::format("'{}' is not a modem of this scenario (see 'modems')", name));
    return name;
  }
  void modem_step(const YAML::Node& node, const std::string& op, std::map<std::string, YAML::Node>& keys, Step& st);
  std::set<std::string> modem_names_;
  void forwarding(const YAML::Node& node, PbxConfig& pbx);
  class YamlArgs;
  std::map<std::string, int> orbits_;  // orbit number -> YAML line
  std::vector<std::string> controllers_;
  std::vector<std::string> trunk_names_;
  bool default_call_waiting_ = false;
  std::map<std::string, int> completions_;  // completion_as name -> YAML line
  std::map<std::string, int> groups_;  // pickup group -> YAML line
  std::vector<YAML::Node> skill_nodes_;  // acd.agents: each agent's `skills` node (or its item)
  std::set<std::string> agent_lines_;    // acd.agents' extensions
  std::set<std::string> queue_names_;    // acd.queues' names
  std::set<std::string> gathers_;      // gather_digits `as` names
  std::shared_ptr<const IvrNode> ivr_node(const YAML::Node& node, const std::string& label) const;
  /// A far end's `media`, `greeting` and `send_digits` (a station's behaviour, a trunk's far_end).
  void far_end_media(const YAML::Node& node, std::map<std::string, YAML::Node>& keys, FarEndMedia& media,
                     Duration& greeting, std::vector<TimedDigits>& send_digits) const;
  Step step(const YAML::Node& node, int index);
  /// `faults:` (faults.hpp): each item decoded as a live `inject` is, then checked against the
  /// scenario's lines and trunk groups.
  void faults(const YAML::Node& node, Scenario& sc);
  /// `expect: {metric: PATH, min: X, max: Y}` (`node` is the whole step).
  MetricCheck metric_expectation(const YAML::Node& node, std::map<std::string, YAML::Node>& keys, int index);
  double real(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
      fail(node, fmt::format("{} must be a number, not '{}'", what, text));
    return v;
  }
  ReportNames report_names_;
  void expectation(const YAML::Node& node, Step& step);
  std::string call_ref(const YAML::Node& node) const;
  void bind(const YAML::Node& node, const std::string& name);

  std::string file_;
  std::string personality_override_;  ///< telsim run --personality
  std::map<std::string, int> numbers_;  // extension number -> YAML line
  std::map<std::string, int> names_;    // call name -> YAML line of its `as:`
};

/// A YAML mapping as the catalogue decoder's argument source: errors at FILE:LINE:COL of the
/// value (or of the mapping, for a missing key).
class Loader::YamlArgs final : public ArgSource {
 public:
  YamlArgs(const Loader& loader, YAML::Node node) : loader_(loader), node_(std::move(node)) {
    if (!node_.IsMap()) loader_.fail(node_, "a forwarding rule must be a mapping: {when: busy, to: \"204\"}");
    for (const auto& kv : node_) {
      if (!kv.first.IsScalar()) loader_.fail(kv.first, "a key must be a name, not a list or mapping");
      keys_.emplace_back(kv.first.Scalar(), kv.first);
    }
  }
  YamlArgs(const Loader& loader, YAML::Node node, const std::map<std::string, YAML::Node>& keys)
      : loader_(loader), node_(std::move(node)) {
    // In the order written, as the mapping had them.
    for (const auto& kv : node_) {
      const auto it = keys.find(kv.first.Scalar());
      if (it != keys.end()) keys_.emplace_back(it->first, it->second);
    }
  }

  std::vector<std::string> keys() const override {
    std::vector<std::string> out;
    for (const auto& [k, n] : keys_) out.push_back(k);
    return out;
  }
  bool has(std::string_view key) const override {
    const YAML::Node* v = value(key);
    return v && !v->IsNull();
  }
  bool is_null(std::string_view key) const override {
    const YAML::Node* v = value(key);
    return v && v->IsNull();
  }
  std::optional<std::string> text(std::string_view key, LineErr) const override {
    const YAML::Node* v = value(key);
    if (!v || v->IsNull()) return std::nullopt;
    return loader_.scalar(*v, std::string(key));
  }
  std::optional<long long> integer(std::string_view key, LineErr) const override {
    const YAML::Node* v = value(key);
    if (!v || v->IsNull()) return std::nullopt;
    const std::string t = loader_.scalar(*v, std::string(key));
    const bool digits = !t.empty() && t.size() <= 12 && std::all_of(t.begin(), t.end(), ::isdigit);
    if (!digits) loader_.fail(*v, fmt::format("{} must be a whole number, not '{}'", key, t));
    return std::stoll(t);
  }
  std::vector<std::unique_ptr<ArgSource>> items(std::string_view key, LineErr) const override {
    const YAML::Node* v = value(key);
    std::vector<std::unique_ptr<ArgSource>> out;
    if (!v || v->IsNull()) return out;
    const bool rules = key == "forwarding";
    if (!v->IsSequence())
      loader_.fail(*v, rules ? fmt::format("{} must be a list of rules ([] cancels)", key)
                             : fmt::format("{} must be a list of mappings ([] for none)", key));
    for (const auto& item : *v) {
      if (!rules && !item.IsMap()) loader_.fail(item, fmt::format("each item of {} must be a mapping", key));
      out.push_back(std::make_unique<YamlArgs>(loader_, item));
    }
    return out;
  }
  std::unique_ptr<ArgSource> mapping(std::string_view key, LineErr) const override {
    const YAML::Node* v = value(key);
    if (!v || v->IsNull()) return nullptr;
    if (!v->IsMap()) loader_.fail(*v, fmt::format("{} must be a mapping: {{flags: [BLOCKID], no_answer_timeout: 20s}}", key));
    return std::make_unique<YamlArgs>(loader_, *v);
  }
  std::vector<std::string> texts(std::string_view key, LineErr) const override {
    const YAML::Node* v = value(key);
    std::vector<std::string> out;
    if (!v || v->IsNull()) return out;
    if (v->IsScalar()) return {v->Scalar()};
    if (!v->IsSequence()) loader_.fail(*v, fmt::format("{} must be a list of names", key));
    for (const auto& item : *v) out.push_back(loader_.scalar(item, std::string(key)));
    return out;
  }
  [[noreturn]] void fail(std::string_view key, LineErr, const std::string& message) const override {
    const YAML::Node* v = value(key);
    loader_.fail(v ? *v : node_, message);
  }
  [[noreturn]] void fail_here(LineErr, const std::string& message) const override { loader_.fail(node_, message); }

 private:
  /// The value node of `key`, or nullptr when absent.
  const YAML::Node* value(std::string_view key) const {
    for (const auto& [k, n] : keys_) {
      if (k != key) continue;
      holder_.reset(node_[k]);  // reset, not =: assigning a YAML::Node writes through it
      return &holder_;
    }
    return nullptr;
  }
  const Loader& loader_;
  YAML::Node node_;
  std::vector<std::pair<std::string, YAML::Node>> keys_;  // key text, key node
  mutable YAML::Node holder_;
};

Scenario Loader::load(const YAML::Node& root) {
  if (!root.IsDefined() || root.IsNull()) fail(root, "the scenario is empty");
  auto keys = mapping(root, "the scenario",
                      {"name", "description", "seed", "pbx", "defaults", "steps", "stop_at",
                       "location", "controllers", "trunks", "traffic", "modems", "sweep", "faults", "acd"});
  Scenario sc;
  sc.file = file_;
  if (!keys.count("name")) fail(root, "the scenario needs a 'name'");
  sc.name = scalar(root["name"], "name");
  if (keys.count("description")) sc.description = scalar(root["description"], "description");
  if (keys.count("seed")) sc.seed = unsigned_number(root["seed"], "seed");
  if (keys.count("stop_at")) sc.stop_at = duration(root["stop_at"], "stop_at");
  if (keys.count("location")) {
    const YAML::Node l = root["location"];
    auto lk = mapping(l, "location", {"country_code", "area_code", "local_access", "long_distance_access",
                                      "long_distance_prefix", "international_prefix",
                                      "area_code_on_local_calls"});
    auto digits = [&](const char* key, std::string& field) {
      if (!lk.count(key)) return;
      field = scalar(l[key], key);
      if (!field.empty() && !is_dialable(field))
        fail(l[key], fmt::format("{} '{}' must be dialable digits", key, field));
    };
    digits("country_code", sc.location.country_code);
    digits("area_code", sc.location.area_code);
    digits("local_access", sc.location.local_access);
    digits("long_distance_access", sc.location.long_distance_access);
    digits("long_distance_prefix", sc.location.long_distance_prefix);
    digits("international_prefix", sc.location.international_prefix);
    if (lk.count("area_code_on_local_calls"))
      sc.location.area_code_on_local_calls = boolean(l["area_code_on_local_calls"], "area_code_on_local_calls");
  }
  if (keys.count("controllers")) {
    const YAML::Node c = root["controllers"];
    if (!c.IsSequence()) fail(c, "controllers must be a list of names");
    for (const auto& n : c) controllers_.push_back(scalar(n, "controller"));
  }

  Behavior fallback;
  if (keys.count("defaults")) {
    const YAML::Node d = root["defaults"];
    auto dk = mapping(d, "defaults", {"behavior", "call_waiting"});
    if (dk.count("behavior")) fallback = behavior(d["behavior"]);
    if (dk.count("call_waiting")) default_call_waiting_ = boolean(d["call_waiting"], "call_waiting");
  }

  if (!keys.count("pbx")) fail(root, "the scenario needs a 'pbx' with its 'extensions'");
  const YAML::Node pbx = root["pbx"];
  std::vector<std::string> pbx_keys = {"extensions", "timing", "park", "pickup_groups", "forwarding", "unsupported",
                                       "supported", "personality", "errors"};
  for (const ProfileSetting& setting : profile_settings()) pbx_keys.emplace_back(setting.name);
  auto pk = mapping(pbx, "pbx", pbx_keys);
  if (!pk.count("extensions")) fail(pbx, "pbx needs 'extensions'");
  extensions(pbx["extensions"], fallback, sc.pbx);
  if (keys.count("modems")) modems(root["modems"], sc);
  if (pk.count("park")) park_lots(pbx["park"], sc.pbx);
  if (pk.count("pickup_groups")) pickup_groups(pbx["pickup_groups"], sc.pbx);
  if (pk.count("forwarding")) forwarding(pbx["forwarding"], sc.pbx);
  // A personality first (the command line's over the scenario's): the section's own settings
  // override it.
  std::string personality = personality_override_;
  if (pk.count("personality")) {
    const YAML::Node v = pbx["personality"];
    const std::string name = scalar(v, "personality");
    if (!find_personality(name))
      fail(v, fmt::format("'{}' is not a personality (telsim personalities lists them: {})", name,
                          personality_names()));
    if (personality.empty()) personality = name;
  }
  if (!personality.empty()) {
    const Personality* p = find_personality(personality);
    if (!p)
      fail(pbx, fmt::format("'{}' is not a personality (telsim personalities lists them: {})", personality,
                            personality_names()));
    apply(*p, sc.pbx.profile);
    sc.pbx.profile.personality = personality;
  }
  // The switch profile's settings, each read as its row of profile_settings() says.
  for (const ProfileSetting& setting : profile_settings()) {
    const std::string key(setting.name);
    if (!pk.count(key)) continue;
    const YAML::Node v = pbx[key];
    switch (setting.kind) {
      case ProfileSetting::Kind::Boolean:
        setting.set(sc.pbx.profile, boolean(v, key) ? "true" : "false");
        break;
      case ProfileSetting::Kind::Integer: {
        const auto n = integer_in(v, key, static_cast<std::uint64_t>(setting.low), static_cast<std::uint64_t>(setting.high));
        setting.set(sc.pbx.profile, std::to_string(n));
        break;
      }
      case ProfileSetting::Kind::Time:
        setting.set(sc.pbx.profile, format_duration(duration(v, key)));
        break;
      case ProfileSetting::Kind::Choice: {
        const std::string text = scalar(v, key);
        if (std::find(setting.choices.begin(), setting.choices.end(), text) == setting.choices.end()) {
          std::string list;
          for (std::size_t i = 0; i < setting.choices.size(); ++i)
            list += (i == 0 ? "" : i + 1 == setting.choices.size() ? " or " : ", ") + std::string(setting.choices[i]);
          fail(v, fmt::format("{} must be {}, not '{}'", key, list, text));
        }
        setting.set(sc.pbx.profile, text);
        break;
      }
      case ProfileSetting::Kind::States: {
        if (!v.IsSequence()) fail(v, fmt::format("{} must be a list of states, e.g. [PROCEEDING]", key));
        std::string text;
        for (const auto& n : v) {
          const std::string name = scalar(n, key);
          if (std::find(setting.choices.begin(), setting.choices.end(), name) == setting.choices.end())
            fail(n, fmt::format("{} takes {}, not '{}'", key, fmt::join(setting.choices, ", "), name));
          text += (text.empty() ? "" : ",") + name;
        }
        setting.set(sc.pbx.profile, text);
        break;
      }
      case ProfileSetting::Kind::Distribution:
        (void)duration_dist(v, key);  // checked here, where a bad one can name its place
        setting.set(sc.pbx.profile, scalar(v, key));
        break;
    }
  }
  if (pk.count("timing")) timing(pbx["timing"], sc.pbx.profile.timing);
  // An operation list: `unsupported` (OPERATIONUNAVAIL, and absent from capabilities) adds to
  // the preset's, `supported` gives back operations the preset leaves out; naming one in both
  // is a contradiction.
  std::map<Op, int> unsupported_at;  // the line each unsupported operation was named on
  for (const char* key : {"unsupported", "supported"}) {
    if (!pk.count(key)) continue;
    const bool offer = std::string_view(key) == "supported";
    const YAML::Node u = pbx[key];
    if (!u.IsSequence()) fail(u, fmt::format("{} must be a list of operation names, e.g. [park, unpark]", key));
    for (const auto& n : u) {
      const std::string name = scalar(n, key);
      const OpInfo* op = find_operation(name);
      if (!op) fail(n, fmt::format("'{}' is not an operation (telsim operations lists them)", name));
      if (!offer && (op->op == Op::Drop || op->op == Op::Deallocate))
        fail(n, fmt::format("every switch offers {}: a call must be able to end", name));
      if (offer && unsupported_at.count(op->op))
        fail(n, fmt::format("{} is in both unsupported (line {}) and supported", name, unsupported_at[op->op]));
      if (!offer) unsupported_at[op->op] = n.Mark().line + 1;
      sc.pbx.profile.supported[static_cast<std::size_t>(op->op)] = offer;
    }
  }

  if (pk.count("errors")) {
    // The LINEERR of each kind of refusal where switches differ (switch_profile.hpp, Refusal).
    std::vector<std::string> kinds;
    for (std::size_t r = 0; r < kRefusalCount; ++r) kinds.emplace_back(to_string(static_cast<Refusal>(r)));
    const auto ek = mapping(pbx["errors"], "errors", kinds);
    for (std::size_t r = 0; r < kRefusalCount; ++r) {
      const auto it = ek.find(kinds[r]);
      if (it == ek.end()) continue;
      const YAML::Node v = pbx["errors"][kinds[r]];
      const LineErr e = named<LineErr>(v, kinds[r], parse_line_err, "LINEERR_RESOURCEUNAVAIL");
      if (e == LineErr::Success) fail(v, fmt::format("{} names the LINEERR of that refusal", kinds[r]));
      sc.pbx.profile.errors[r] = e;
    }
  }

  sc.pbx.controllers = controllers_;
  if (keys.count("trunks")) trunks(root["trunks"], sc.pbx);
  if (keys.count("acd")) acd(root["acd"], sc.pbx);
  if (keys.count("traffic")) traffic(root["traffic"], sc);
  if (keys.count("faults")) faults(root["faults"], sc);
  for (const TrunkConfig& t : sc.pbx.trunks) report_names_.trunks.insert(t.name);
  for (const TrafficConfig& t : sc.traffic) report_names_.traffic.insert(t.name);
  for (const ModemSpec& m : sc.modems) report_names_.modems.insert(m.config.name);
  for (const QueueConfig& q : sc.pbx.acd.queues) report_names_.queues.insert(q.name);
  for (const AgentConfig& a : sc.pbx.acd.agents) report_names_.agents.insert(a.id);
  if (keys.count("steps")) {
    const YAML::Node steps = root["steps"];
    if (!steps.IsSequence()) fail(steps, "steps must be a list");
    std::optional<SimTime> last_at;
    int index = 0;
    for (const auto& s : steps) {
      ++index;
      if (is_metric_step(s)) {
        auto step_keys = mapping(s, fmt::format("step {}", index),
                                 {"expect", "note", "at", "after", "within", "as", "do"});
        sc.metrics.push_back(metric_expectation(s, step_keys, index));
        continue;
      }
      Step st = step(s, index);
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

MetricCheck Loader::metric_expectation(const YAML::Node& node, std::map<std::string, YAML::Node>& keys,
                                       int index) {
  for (const char* k : {"at", "after", "within", "as", "do"}) {
    if (keys.count(k))
      fail(keys[k], fmt::format("'{}' does not go with a metric: a metric is checked once, when the run ends", k));
  }
  const YAML::Node e = node["expect"];
  auto ek = mapping(e, "expect", {"metric", "min", "max"});
  MetricCheck m;
  m.step = index;
  m.yaml_line = node.Mark().line + 1;
  m.path = scalar(e["metric"], "metric");
  std::string error;
  const ReportField* field = find_report_field(m.path, report_names_, error);
  if (!field) fail(e["metric"], error + " (docs/report-json.md lists every field)");
  if (!field->metric)
    fail(e["metric"], fmt::format("'{}' is {} {}, not a figure a metric can check", m.path,
                                  field->type.starts_with("a") || field->type.starts_with("o") ? "an" : "a",
                                  field->type));
  m.needs = std::string(field->needs);
  if (ek.count("min")) m.min = real(e["min"], "min");
  if (ek.count("max")) m.max = real(e["max"], "max");
  if (!m.min && !m.max) fail(e, fmt::format("expect: {{metric: {}}} needs 'min', 'max' or both", m.path));
  if (m.min && m.max && *m.min > *m.max)
    fail(ek["max"], fmt::format("max {} is below min {}", *m.max, *m.min));
  return m;
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
  auto keys = mapping(node, "behavior", {"answer_after", "hangup_after", "media", "greeting", "send_digits", "ivr"});
  if (!keys.count("answer_after") && !keys.count("hangup_after"))
    fail(node, "behavior needs answer_after and/or hangup_after");
  b.kind = Behavior::Kind::Auto;
  if (keys.count("answer_after")) b.answer_after = duration_dist(node["answer_after"], "answer_after");
  if (keys.count("hangup_after")) b.hangup_after = duration_dist(node["hangup_after"], "hangup_after");
  far_end_media(node, keys, b.media, b.greeting, b.send_digits);
  if (keys.count("ivr")) b.ivr = ivr_node(node["ivr"], "ivr");
  return b;
}

void Loader::far_end_media(const YAML::Node& node, std::map<std::string, YAML::Node>& keys, FarEndMedia& media,
                           Duration& greeting, std::vector<TimedDigits>& send_digits) const {
  if (keys.count("media")) {
    const std::string m = scalar(node["media"], "media");
    using M = FarEndMedia;
    if (m == "voice") media = M::Voice;
    else if (m == "fax") media = M::Fax;
    else if (m == "modem") media = M::Modem;
    else if (m == "answering_machine") media = M::AnsweringMachine;
    else if (m == "silence") media = M::Silence;
    else fail(node["media"], fmt::format("media '{}' is not one of voice, fax, modem, answering_machine, silence", m));
  }
  if (keys.count("greeting")) {
    if (media != FarEndMedia::AnsweringMachine)
      fail(keys["greeting"], "greeting is an answering machine's (media: answering_machine)");
    greeting = positive_duration(node["greeting"], "greeting");
  }
  if (keys.count("send_digits")) {
    const YAML::Node list = node["send_digits"];
    if (!list.IsSequence()) fail(list, "send_digits must be a list: [{after: 2s, digits: \"12#\"}]");
    for (const auto& item : list) {
      auto ik = mapping(item, "send_digits item", {"after", "digits"});
      if (!ik.count("digits")) fail(item, "a send_digits item needs its 'digits'");
      TimedDigits t;
      t.after = ik.count("after") ? duration_value(item["after"], "after") : Duration::zero();
      t.digits = scalar(item["digits"], "digits");
      for (char c : t.digits)
        if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')))
          fail(item["digits"], fmt::format("'{}' is not a DTMF digit (0-9 * # A-D)", c));
      send_digits.push_back(std::move(t));
    }
  }
}

std::shared_ptr<const IvrNode> Loader::ivr_node(const YAML::Node& node, const std::string& label) const {
  auto keys = mapping(node, "ivr menu", {"prompt", "max", "terminators", "first_timeout", "inter_timeout", "menu",
                                         "timeout", "invalid", "transfer", "hangup"});
  auto n = std::make_shared<IvrNode>();
  n->label = label;
  if (keys.count("prompt")) n->prompt = duration_value(node["prompt"], "prompt");
  if (keys.count("max")) n->max = static_cast<std::uint32_t>(integer_in(node["max"], "max", 1, 255));
  if (keys.count("terminators")) n->terminators = scalar(node["terminators"], "terminators");
  if (keys.count("first_timeout")) n->first_timeout = positive_duration(node["first_timeout"], "first_timeout");
  if (keys.count("inter_timeout")) n->inter_timeout = positive_duration(node["inter_timeout"], "inter_timeout");
  if (keys.count("transfer")) n->transfer = scalar(node["transfer"], "transfer");
  if (keys.count("hangup")) n->hangup = boolean(node["hangup"], "hangup");
  if (keys.count("menu")) {
    const YAML::Node m = node["menu"];
    if (!m.IsMap()) fail(m, "menu maps digits to what follows: {\"1\": {prompt: 2s, hangup: true}}");
    for (const auto& kv : m)
      n->menu.push_back({kv.first.Scalar(), ivr_node(kv.second, label + "/" + kv.first.Scalar())});
  }
  if (keys.count("timeout")) n->timeout = ivr_node(node["timeout"], label + "/timeout");
  if (keys.count("invalid")) n->invalid = ivr_node(node["invalid"], label + "/invalid");
  const int ends = static_cast<int>(!n->menu.empty()) + static_cast<int>(!n->transfer.empty()) + static_cast<int>(n->hangup);
  if (ends > 1) fail(node, "an IVR node has one of menu, transfer or hangup");
  if (n->menu.empty() && (keys.count("timeout") || keys.count("invalid") || keys.count("max")))
    fail(node, "timeout, invalid and max go with a menu (the gather they belong to)");
  return n;
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
    bool waiting = default_call_waiting_;
    const YAML::Node* where = &item;
    YAML::Node number_node;
    if (item.IsMap()) {
      auto keys = mapping(item, "extension", {"number", "name", "behavior", "call_waiting"});
      if (!keys.count("number")) fail(item, "an extension object needs a 'number'");
      number_node = item["number"];
      where = &number_node;
      spec = scalar(number_node, "number");
      if (keys.count("name")) name = scalar(item["name"], "name");
      if (keys.count("behavior")) b = behavior(item["behavior"]);
      if (keys.count("call_waiting")) waiting = boolean(item["call_waiting"], "call_waiting");
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
        add_extension(*where, LineConfig{fmt::format("{:0{}}", n, lo.size()), "", b, {}, waiting}, pbx);
    } else {
      if (spec.empty() || !std::all_of(spec.begin(), spec.end(), ::isdigit))
        fail(*where, fmt::format("extension '{}' must be digits or a range like \"201-209\"", spec));
      add_extension(*where, LineConfig{spec, name, b, {}, waiting}, pbx);
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

// "701-720", "701", or a list of those.
std::vector<std::string> Loader::number_list(const YAML::Node& node, const std::string& what) const {
  std::vector<std::string> out;
  auto add = [&](const YAML::Node& item) {
    const std::string spec = scalar(item, what);
    static const std::regex range_re(R"(^([0-9]+)-([0-9]+)$)");
    std::smatch m;
    if (std::regex_match(spec, m, range_re)) {
      const std::string lo = m[1].str();
      const std::string hi = m[2].str();
      if (lo.size() != hi.size() || lo.size() > 15 || std::stoull(lo) > std::stoull(hi) ||
          std::stoull(hi) - std::stoull(lo) >= 100000)
        fail(item, fmt::format("bad range '{}' for {}: like \"701-720\", ends of the same "
                               "length, low to high", spec, what));
      for (auto n = std::stoull(lo); n <= std::stoull(hi); ++n)
        out.push_back(fmt::format("{:0{}}", n, lo.size()));
    } else {
      out.push_back(number(item, what));
    }
  };
  if (node.IsSequence()) {
    for (const auto& item : node) add(item);
  } else {
    add(node);
  }
  return out;
}

void Loader::park_lots(const YAML::Node& node, PbxConfig& pbx) {
  std::vector<YAML::Node> lots;
  if (node.IsSequence()) {
    for (const auto& lot : node) lots.push_back(lot);
  } else {
    lots.push_back(node);
  }
  for (const YAML::Node& lot : lots) {
    auto keys = mapping(lot, "park", {"name", "orbits", "timeout", "on_timeout", "recall_ring", "pick"});
    ParkLotConfig cfg;
    cfg.name = keys.count("name") ? scalar(lot["name"], "name")
                                  : fmt::format("lot{}", pbx.park_lots.size() + 1);
    if (!keys.count("orbits")) fail(lot, "a park lot needs 'orbits', e.g. \"701-720\"");
    cfg.orbits = number_list(lot["orbits"], "orbits");
    for (const std::string& o : cfg.orbits) {
      if (numbers_.count(o))
        fail(lot["orbits"], fmt::format("orbit {} is also an extension number", o));
      if (auto it = orbits_.find(o); it != orbits_.end())
        fail(lot["orbits"], fmt::format("orbit {} is defined twice (first on line {})", o, it->second));
      orbits_.emplace(o, lot["orbits"].Mark().line + 1);
    }
    if (keys.count("timeout")) cfg.timeout = duration(lot["timeout"], "timeout");
    if (keys.count("recall_ring")) cfg.recall_ring = duration(lot["recall_ring"], "recall_ring");
    if (keys.count("pick")) {
      const std::string p = scalar(lot["pick"], "pick");
      if (p == "first_free") cfg.pick = ParkLotConfig::Pick::FirstFree;
      else if (p == "next") cfg.pick = ParkLotConfig::Pick::Next;
      else fail(lot["pick"], fmt::format("pick must be 'first_free' or 'next', not '{}'", p));
    }
    if (keys.count("on_timeout")) {
      const YAML::Node t = lot["on_timeout"];
      if (t.IsMap()) {
        mapping(t, "on_timeout", {"operator"});
        if (!t["operator"]) fail(t, "on_timeout needs {operator: NUMBER}");
        cfg.on_timeout = ParkLotConfig::OnTimeout::Operator;
        cfg.operator_number = extension(t["operator"], "operator");
      } else {
        const std::string v = scalar(t, "on_timeout");
        if (v == "return_to_parker") cfg.on_timeout = ParkLotConfig::OnTimeout::ReturnToParker;
        else if (v == "drop") cfg.on_timeout = ParkLotConfig::OnTimeout::Drop;
        else
          fail(t, fmt::format("on_timeout must be return_to_parker, drop or {{operator: NUMBER}}, "
                              "not '{}'", v));
      }
    }
    pbx.park_lots.push_back(std::move(cfg));
  }
}

void Loader::pickup_groups(const YAML::Node& node, PbxConfig& pbx) {
  if (!node.IsMap()) fail(node, "pickup_groups maps group names to extensions: {sales: [\"201\", \"202\"]}");
  for (const auto& kv : node) {
    PickupGroupConfig g;
    if (!kv.first.IsScalar()) fail(kv.first, "a pickup group name must be a name, not a list or mapping");
    g.name = kv.first.as<std::string>();
    if (groups_.count(g.name)) fail(kv.first, fmt::format("pickup group '{}' is defined twice", g.name));
    groups_.emplace(g.name, kv.first.Mark().line + 1);
    for (const std::string& n : number_list(kv.second, "pickup group member")) {
      if (!numbers_.count(n))
        fail(kv.second, fmt::format("pickup group '{}': {} is not an extension", g.name, n));
      g.members.push_back(n);
    }
    pbx.pickup_groups.push_back(std::move(g));
  }
}

void Loader::acd(const YAML::Node& node, PbxConfig& pbx) {
  auto keys = mapping(node, "acd", {"queues", "agents", "activities"});
  if (keys.count("activities")) {
    const YAML::Node a = node["activities"];
    if (!a.IsSequence()) fail(a, "activities must be a list of names: [Lunch, Training] (ids 1, 2, ...)");
    for (const auto& n : a) pbx.acd.activities.push_back(scalar(n, "activity"));
  }
  if (!keys.count("queues")) fail(node, "acd needs 'queues': [{name: sales, number: \"500\", agents: \"600-609\"}]");
  // Agents first: a queue's `agents` must name them.
  if (keys.count("agents")) agents(node["agents"], pbx);
  const YAML::Node queues = node["queues"];
  if (!queues.IsSequence() || queues.size() == 0) fail(queues, "queues must be a list of queues");
  std::map<std::string, YAML::Node> overflow_to;  // queue name -> its overflow's `to` node
  for (const auto& item : queues) {
    QueueConfig q = queue(item, pbx);
    for (const QueueConfig& other : pbx.acd.queues) {
      if (other.name == q.name) fail(item["name"], fmt::format("queue '{}' is defined twice", q.name));
      if (other.number == q.number)
        fail(item["number"], fmt::format("queues '{}' and '{}' have the same number {}", other.name, q.name, q.number));
    }
    if (q.overflow) overflow_to.emplace(q.name, item["overflow"]["to"]);
    queue_names_.insert(q.name);
    pbx.acd.queues.push_back(std::move(q));
  }
  const auto is_queue = [&pbx](const std::string& name) {
    return std::any_of(pbx.acd.queues.begin(), pbx.acd.queues.end(), [&](const QueueConfig& q) { return q.name == name; });
  };
  for (const auto& [name, to] : overflow_to) {
    const std::string target = scalar(to, "overflow to");
    if (target == name) fail(to, fmt::format("queue '{}' overflows to itself", name));
    if (!is_queue(target) && !numbers_.count(target))
      fail(to, fmt::format("overflow to '{}' is neither a queue of acd.queues nor an extension", target));
  }
  // Skills name queues.
  for (std::size_t i = 0; i < pbx.acd.agents.size(); ++i)
    for (const auto& [name, level] : pbx.acd.agents[i].skills)
      if (!is_queue(name))
        fail(skill_nodes_[i], fmt::format("agent {}: skill '{}' is not a queue of acd.queues", pbx.acd.agents[i].id, name));
}

QueueConfig Loader::queue(const YAML::Node& node, const PbxConfig& pbx) {
  auto k = mapping(node, "queue", {"name", "number", "agents", "policy", "patience", "max_length", "overflow",
                                   "ring_no_answer", "service_level"});
  if (!k.count("name") || !k.count("number")) fail(node, "a queue needs its 'name' and 'number'");
  QueueConfig q;
  q.name = scalar(node["name"], "queue name");
  q.number = number(node["number"], "queue number");
  if (numbers_.count(q.number)) fail(node["number"], fmt::format("queue number {} is an extension's", q.number));
  if (orbits_.count(q.number)) fail(node["number"], fmt::format("queue number {} is a park orbit", q.number));
  if (k.count("agents")) {
    for (const std::string& n : number_list(node["agents"], "agents")) {
      const bool agent = std::any_of(pbx.acd.agents.begin(), pbx.acd.agents.end(),
                                     [&n](const AgentConfig& a) { return a.line == n; });
      if (!agent) fail(node["agents"], fmt::format("queue '{}': {} is not an agent's extension (see acd.agents)", q.name, n));
      q.agents.push_back(n);
    }
  }
  if (k.count("policy")) {
    const std::string p = scalar(node["policy"], "policy");
    const auto policy = parse_acd_policy(p);
    if (!policy) fail(node["policy"], fmt::format("policy '{}' is not one of longest_idle, round_robin, top_down, skills", p));
    q.policy = *policy;
  }
  if (k.count("patience")) q.patience = duration_dist(node["patience"], "patience");
  if (k.count("max_length")) q.max_length = static_cast<std::uint32_t>(integer_in(node["max_length"], "max_length", 0, 1'000'000));
  if (k.count("ring_no_answer")) q.ring_no_answer = positive_duration(node["ring_no_answer"], "ring_no_answer");
  if (k.count("service_level")) {
    const YAML::Node sl = node["service_level"];
    q.service_levels.clear();
    if (sl.IsSequence()) {
      for (const auto& t : sl) q.service_levels.push_back(duration_value(t, "service_level"));
      if (q.service_levels.empty()) fail(sl, "service_level needs at least one threshold");
    } else {
      q.service_levels.push_back(duration_value(sl, "service_level"));
    }
  }
  if (k.count("overflow")) {
    const YAML::Node o = node["overflow"];
    auto ok = mapping(o, "overflow", {"to", "after", "length"});
    if (!ok.count("to")) fail(o, "overflow needs 'to': a queue's name or an extension");
    if (!ok.count("after") && !ok.count("length")) fail(o, "overflow needs 'after' (a wait), 'length' (callers waiting) or both");
    QueueConfig::Overflow of;
    of.to = scalar(o["to"], "overflow to");
    if (ok.count("after")) of.after = positive_duration(o["after"], "overflow after");
    if (ok.count("length")) of.length = static_cast<std::uint32_t>(integer_in(o["length"], "overflow length", 0, 1'000'000));
    q.overflow = of;
  }
  if (q.agents.empty() && std::none_of(pbx.acd.agents.begin(), pbx.acd.agents.end(), [&q](const AgentConfig& a) {
        return std::any_of(a.skills.begin(), a.skills.end(), [&q](const auto& s) { return s.first == q.name; });
      }))
    fail(node, fmt::format("queue '{}' has no agents: give it 'agents', or agents 'skills' naming it", q.name));
  return q;
}

void Loader::agents(const YAML::Node& node, PbxConfig& pbx) {
  if (!node.IsSequence()) fail(node, "agents must be a list: [{lines: \"600-609\", state: READY}]");
  for (const auto& item : node) {
    auto k = mapping(item, "agent", {"line", "lines", "id", "state", "skills", "behavior"});
    if (k.count("line") == k.count("lines")) fail(item, "an agent needs 'line' (one extension) or 'lines' (a range)");
    const YAML::Node where = k.count("line") ? item["line"] : item["lines"];
    const std::vector<std::string> lines = number_list(where, "agent lines");
    if (k.count("id") && lines.size() != 1) fail(item["id"], "'id' goes with one agent ('line'), not a range");
    AgentConfig base;
    if (k.count("state")) {
      base.state = named<AgentState>(item["state"], "agent state", parse_agent_state, "READY, NOTREADY, LOGGEDOFF");
      if (base.state != AgentState::Ready && base.state != AgentState::NotReady && base.state != AgentState::LoggedOff)
        fail(item["state"], "an agent starts READY, NOTREADY or LOGGEDOFF");
    }
    if (k.count("skills")) {
      const YAML::Node sk = item["skills"];
      if (!sk.IsMap()) fail(sk, "skills maps queue names to levels (1 is best): {sales: 1, support: 2}");
      for (const auto& kv : sk)
        base.skills.emplace_back(scalar(kv.first, "skill"),
                                 static_cast<int>(integer_in(kv.second, "skill level", 1, 99)));
    }
    Behavior station;  // what the extension itself does (manual: driven by steps or a client)
    if (k.count("behavior")) {
      const YAML::Node b = item["behavior"];
      auto bk = mapping(b, "agent behavior",
                        {"answer_after", "talk", "wrap_up", "not_ready", "not_ready_for", "rna_recover"});
      if (bk.count("answer_after") || bk.count("talk")) station.kind = Behavior::Kind::Auto;
      if (bk.count("answer_after")) station.answer_after = duration_dist(b["answer_after"], "answer_after");
      if (bk.count("talk")) station.hangup_after = duration_dist(b["talk"], "talk");
      if (bk.count("wrap_up")) base.behavior.wrap_up = duration_dist(b["wrap_up"], "wrap_up");
      if (bk.count("not_ready")) base.behavior.not_ready = probability(b["not_ready"], "not_ready");
      if (bk.count("not_ready_for")) base.behavior.not_ready_for = duration_dist(b["not_ready_for"], "not_ready_for");
      if (bk.count("rna_recover")) base.behavior.rna_recover = duration_dist(b["rna_recover"], "rna_recover");
    }
    for (const std::string& n : lines) {
      if (!numbers_.count(n)) fail(where, fmt::format("agent line {} is not an extension of this PBX", n));
      for (const AgentConfig& other : pbx.acd.agents)
        if (other.line == n) fail(where, fmt::format("extension {} has an agent already", n));
      AgentConfig a = base;
      a.line = n;
      a.id = k.count("id") ? scalar(item["id"], "agent id") : n;
      for (const AgentConfig& other : pbx.acd.agents)
        if (other.id == a.id) fail(k.count("id") ? item["id"] : where, fmt::format("agent id {} is taken", a.id));
      if (k.count("behavior"))
        for (LineConfig& l : pbx.lines)
          if (l.number == n) l.behavior = station;
      agent_lines_.insert(n);
      pbx.acd.agents.push_back(std::move(a));
      skill_nodes_.push_back(k.count("skills") ? item["skills"] : item);
    }
  }
}

void Loader::forwarding(const YAML::Node& node, PbxConfig& pbx) {
  if (!node.IsSequence()) fail(node, "forwarding must be a list of rules: [{ext: \"203\", when: busy, to: \"204\"}]");
  for (const auto& item : node) {
    std::string ext;
    const ForwardRule r = decode_forward_rule(YamlArgs(*this, item), true, &ext);
    // Configured forwarding points from and to extensions.
    extension(item["ext"], "ext");
    if (!r.to.empty()) extension(item["to"], "to");
    for (LineConfig& l : pbx.lines)
      if (l.number == ext) l.forwarding.push_back(r);
  }
}

void Loader::trunks(const YAML::Node& node, PbxConfig& pbx) {
  if (!node.IsSequence()) fail(node, "trunks must be a list of trunk groups");
  for (const auto& item : node) {
    auto k = mapping(item, "trunk", {"name", "channels", "direction", "access_code", "number_length",
                                     "did", "did_digits", "default", "select", "far_end"});
    TrunkConfig t;
    if (!k.count("name")) fail(item, "a trunk needs a 'name'");
    t.name = scalar(item["name"], "name");
    for (const auto& other : pbx.trunks)
      if (other.name == t.name) fail(item["name"], fmt::format("trunk '{}' is defined twice", t.name));
    if (!k.count("channels")) fail(item, "a trunk needs its number of 'channels'");
    const auto ch = integer_in(item["channels"], "channels", 1, 100000);
    t.channels = static_cast<std::uint32_t>(ch);
    if (k.count("direction")) {
      const std::string d = scalar(item["direction"], "direction");
      if (d == "both") t.direction = TrunkConfig::Direction::Both;
      else if (d == "in") t.direction = TrunkConfig::Direction::In;
      else if (d == "out") t.direction = TrunkConfig::Direction::Out;
      else fail(item["direction"], fmt::format("direction must be in, out or both, not '{}'", d));
    }
    if (k.count("access_code")) {
      t.access_code = number(item["access_code"], "access_code");
      for (const auto& [num, line] : numbers_)
        if (num.starts_with(t.access_code))
          fail(item["access_code"], fmt::format("access code {} is the start of extension {} (line {})",
                                                t.access_code, num, line));
    }
    if (k.count("number_length")) t.number_length = static_cast<std::uint32_t>(integer_in(item["number_length"], "number_length", 0, 32));
    if (k.count("did")) {
      const auto dids = number_list(item["did"], "did");
      t.did_low = dids.front();
      t.did_high = dids.back();
    }
    if (k.count("did_digits")) t.did_digits = static_cast<std::uint32_t>(integer_in(item["did_digits"], "did_digits", 1, 32));
    if (k.count("default")) t.did_default = extension(item["default"], "default");
    if (k.count("select")) {
      const std::string v = scalar(item["select"], "select");
      if (v == "first_free") t.select = TrunkConfig::Select::FirstFree;
      else if (v == "round_robin") t.select = TrunkConfig::Select::RoundRobin;
      else fail(item["select"], fmt::format("select must be first_free or round_robin, not '{}'", v));
    }
    if (k.count("far_end")) {
      const YAML::Node f = item["far_end"];
      auto fk = mapping(f, "far_end", {"answer_after", "busy", "no_answer", "special_info", "holding", "modem", "media",
                                       "greeting", "send_digits"});
      far_end_media(f, fk, t.far_end.media, t.far_end.greeting, t.far_end.send_digits);
      if (fk.count("answer_after")) t.far_end.answer_after = duration_dist(f["answer_after"], "answer_after");
      if (fk.count("busy")) t.far_end.busy = probability(f["busy"], "busy");
      if (fk.count("no_answer")) t.far_end.no_answer = probability(f["no_answer"], "no_answer");
      if (fk.count("special_info")) t.far_end.special_info = probability(f["special_info"], "special_info");
      if (t.far_end.busy + t.far_end.no_answer + t.far_end.special_info > 1)
        fail(f, "busy + no_answer + special_info must not exceed 1");
      if (fk.count("holding")) t.far_end.holding = duration_dist(f["holding"], "holding");
      if (fk.count("modem")) {
        const YAML::Node fm = f["modem"];
        auto mk = mapping(fm, "far_end modem", {"speed", "echo", "banner"});
        t.far_end.modem_speed = 33600;
        if (mk.count("speed")) {
          const auto bps = unsigned_number(fm["speed"], "speed");
          if (bps > 1'000'000 || !is_line_rate(static_cast<std::uint32_t>(bps)))
            fail(fm["speed"], fmt::format("speed {} is not a modem line rate (300 ... 33600)", bps));
          t.far_end.modem_speed = static_cast<std::uint32_t>(bps);
        }
        if (mk.count("echo")) t.far_end.modem_echo = boolean(fm["echo"], "echo");
        if (mk.count("banner")) t.far_end.modem_banner = scalar(fm["banner"], "banner");
      }
    }
    trunk_names_.push_back(t.name);
    pbx.trunks.push_back(std::move(t));
  }
}

void Loader::modems(const YAML::Node& node, Scenario& sc) {
  if (!node.IsSequence()) fail(node, "modems must be a list, e.g. [{name: m1, number: \"400\"}]");
  for (const auto& item : node) {
    auto k = mapping(item, "modem", {"name", "number", "speed", "handshake", "registers", "pty", "tcp"});
    ModemSpec m;
    m.yaml_line = item.Mark().line + 1;
    m.yaml_column = item.Mark().column + 1;
    if (!k.count("name") || !k.count("number")) fail(item, "a modem needs a 'name' and a 'number'");
    m.config.name = scalar(item["name"], "name");
    static const std::regex name_re(R"(^[A-Za-z][A-Za-z0-9_.-]{0,63}$)");
    if (!std::regex_match(m.config.name, name_re))
      fail(item["name"], fmt::format("modem name '{}' must be a letter then letters, digits, _ . - (at most 64)", m.config.name));
    if (!modem_names_.insert(m.config.name).second)
      fail(item["name"], fmt::format("modem '{}' is defined twice", m.config.name));
    m.config.number = scalar(item["number"], "number");
    if (m.config.number.empty() || !std::all_of(m.config.number.begin(), m.config.number.end(), ::isdigit))
      fail(item["number"], fmt::format("modem number '{}' must be digits", m.config.number));
    if (k.count("speed")) {
      const auto bps = unsigned_number(item["speed"], "speed");
      if (bps > 1'000'000 || !is_line_rate(static_cast<std::uint32_t>(bps)))
        fail(item["speed"], fmt::format("speed {} is not a modem line rate (300, 1200, 2400, 4800, 7200, 9600, "
                                        "12000, 14400, 16800, 19200, 21600, 24000, 26400, 28800, 31200 or 33600)", bps));
      m.config.speed = static_cast<std::uint32_t>(bps);
    }
    if (k.count("handshake")) {
      m.config.handshake = duration(item["handshake"], "handshake");
      if (m.config.handshake > std::chrono::minutes(1)) fail(item["handshake"], "handshake must be at most 1min");
    }
    if (k.count("registers")) {
      const YAML::Node r = item["registers"];
      if (!r.IsMap()) fail(r, "registers must be a mapping, e.g. {S0: 2, S7: 30}");
      static const std::regex reg_re(R"(^S(0|[1-9][0-9]{0,2})$)");
      for (const auto& kv : r) {
        const std::string key = scalar(kv.first, "a register");
        std::smatch rm;
        if (!std::regex_match(key, rm, reg_re) || std::stoi(rm[1].str()) > 255)
          fail(kv.first, fmt::format("unknown register '{}' in registers (S0 to S255)", key));
        const int n = std::stoi(rm[1].str());
        if (m.config.registers.count(n)) fail(kv.first, fmt::format("duplicate key '{}' in registers", key));
        const auto v = integer_in(kv.second, key, 0, 255);
        m.config.registers[n] = static_cast<int>(v);
      }
    }
    if (k.count("pty")) {
      m.pty = scalar(item["pty"], "pty");
      if (m.pty.empty()) fail(item["pty"], "pty must be a path, e.g. /tmp/telsim/modem1");
    }
    if (k.count("tcp")) {
      m.tcp = scalar(item["tcp"], "tcp");
      static const std::regex tcp_re(R"(^(?:(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost|\[::1\]):)?([0-9]{1,5})$)");
      std::smatch tm;
      if (!std::regex_match(m.tcp, tm, tcp_re) || std::stoul(tm[2].str()) > 65535)
        fail(item["tcp"], fmt::format("tcp '{}' must be PORT or HOST:PORT on loopback (127.0.0.1:7001); a raw modem "
                                      "port has no way to ask for a token", m.tcp));
    }
    LineConfig line;
    line.number = m.config.number;
    line.name = "Modem " + m.config.name;
    add_extension(item["number"], std::move(line), sc.pbx);
    sc.modems.push_back(std::move(m));
  }
}

void Loader::traffic(const YAML::Node& node, Scenario& sc) {
  if (!node.IsSequence()) fail(node, "traffic must be a list of generators");
  int n = 0;
  for (const auto& item : node) {
    auto k = mapping(item, "traffic", {"name", "from", "to", "arrivals", "holding", "for", "warmup"});
    TrafficConfig t;
    t.name = k.count("name") ? scalar(item["name"], "name") : fmt::format("traffic{}", ++n);
    if (!k.count("from") || !k.count("to") || !k.count("arrivals"))
      fail(item, "a traffic generator needs 'from', 'to' and 'arrivals'");
    const std::string from = scalar(item["from"], "from");
    if (std::find(trunk_names_.begin(), trunk_names_.end(), from) != trunk_names_.end()) {
      for (const TrunkConfig& tc : sc.pbx.trunks)
        if (tc.name == from && tc.direction == TrunkConfig::Direction::Out)
          fail(item["from"], fmt::format("trunk '{}' is outbound only (direction: out)", from));
      t.from_trunk = from;
    } else {
      for (const std::string& num : number_list(item["from"], "from")) {
        if (!numbers_.count(num))
          fail(item["from"], fmt::format("from '{}' is neither a trunk nor extensions ({} is not one)", from, num));
        t.from_lines.push_back(num);
      }
    }
    t.to = scalar(item["to"], "to");
    static const std::regex to_re(R"(^([0-9]+-[0-9]+|[0-9*#xX]+)$)");
    if (!std::regex_match(t.to, to_re))
      fail(item["to"], fmt::format("to '{}' must be a number, a range like \"201-209\", or digits with x for a random digit", t.to));
    if (const auto dash = t.to.find('-'); dash != std::string::npos) {  // sampled with stoull
      const std::string lo = t.to.substr(0, dash);
      const std::string hi = t.to.substr(dash + 1);
      if (lo.size() != hi.size() || lo.size() > 15 || std::stoull(lo) > std::stoull(hi))
        fail(item["to"], fmt::format("bad range '{}' for to: like \"201-209\", ends of the same length, low to high", t.to));
    }
    const std::string arrivals = scalar(item["arrivals"], "arrivals");
    static const std::regex rate_re(R"(^\s*poisson\(\s*([0-9]+(?:\.[0-9]+)?)\s*/\s*(s|min|h)\s*\)\s*$)");
    std::smatch m;
    if (!std::regex_match(arrivals, m, rate_re))
      fail(item["arrivals"], fmt::format("arrivals '{}' must be poisson(RATE/s), poisson(RATE/min) or poisson(RATE/h)", arrivals));
    const double per = m[2] == "s" ? 1.0 : m[2] == "min" ? 60.0 : 3600.0;
    t.rate_per_s = std::strtod(m[1].str().c_str(), nullptr) / per;  // stod throws on overflow
    if (!std::isfinite(t.rate_per_s)) fail(item["arrivals"], fmt::format("arrivals '{}': the rate is too large", arrivals));
    if (k.count("holding")) t.holding = duration_dist(item["holding"], "holding");
    if (k.count("for")) t.duration = duration(item["for"], "for");
    if (k.count("warmup")) t.warmup = duration(item["warmup"], "warmup");
    if (t.warmup >= t.duration) fail(item["warmup"], "warmup must be shorter than 'for'");
    sc.traffic.push_back(std::move(t));
  }
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

void Loader::faults(const YAML::Node& node, Scenario& sc) {
  if (!node.IsSequence()) fail(node, "faults must be a list, e.g. [{op: make_call, nth: 2, error: LINEERR_RESOURCEUNAVAIL}]");
  for (const auto& item : node) {
    if (!item.IsMap()) fail(item, "a fault is a mapping: {op: answer, line: \"202\", reply: never}");
    FaultSpec f = decode_fault(YamlArgs(*this, item));
    if (!f.line.empty() && !numbers_.count(f.line))
      fail(item["line"], fmt::format("'{}' is not an extension of this scenario", f.line));
    if (f.kind == FaultSpec::Kind::OutOfService && !numbers_.count(f.target) &&
        std::none_of(sc.pbx.trunks.begin(), sc.pbx.trunks.end(), [&](const TrunkConfig& t) { return t.name == f.target; }))
      fail(item["out_of_service"], fmt::format("'{}' is neither an extension nor a trunk group of this scenario", f.target));
    sc.faults.push_back(std::move(f));
  }
}

Step Loader::step(const YAML::Node& node, int index) {
  const std::string where = fmt::format("step {}", index);
  // A step's own keys, then every operation's parameters (the catalogue's), in that order.
  static const std::vector<std::string> kStepKeys = [] {
    std::vector<std::string> k = {"at", "after", "do", "expect", "within", "as", "expect_error", "reply", "line",
                                  "call", "to", "digits", "note", "mode", "orbit", "returns", "group",
                                  "forwarding", "consult", "held", "conference", "consult_as",
                                  "completion_as", "completion", "controller", "address", "modem", "data", "dtr", "params"};
    for (const OpInfo& op : operations())
      for (const ParamInfo& p : op.params)
        if (std::find(k.begin(), k.end(), p.name) == k.end()) k.emplace_back(p.name);
    return k;
  }();
  auto keys = mapping(node, where, kStepKeys);
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
    for (const char* k : {"expect_error", "reply", "line", "call", "to", "digits", "mode", "orbit",
                          "returns", "group", "forwarding", "consult", "held", "conference",
                          "consult_as", "completion_as", "completion", "controller", "address",
                          "modem", "data", "dtr"})
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
  if (op == "modem_send" || op == "modem_dtr") {
    modem_step(node, op, keys, st);
    return st;
  }
  for (const char* k : {"modem", "data", "dtr"}) {
    const OpInfo* spec_of = find_operation(op);
    if (spec_of && find_param(*spec_of, k)) continue;  // set_call_data's own `data`
    forbid(k, fmt::format("belongs to a modem_send or modem_dtr step, not {}", op).c_str());
  }
  const OpInfo* spec = find_operation(op);
  if (!spec) {
    std::vector<std::string> names;
    for (const OpInfo& o : operations()) names.emplace_back(o.name);
    names.emplace_back("modem_send");
    names.emplace_back("modem_dtr");
    fail(op_node, fmt::format("unknown operation '{}' (known: {})", op, join(names)));
  }
  st.op = spec->op;
  if (keys.count("expect_error")) {
    st.expect_error = named<LineErr>(node["expect_error"], "expect_error", parse_line_err,
                                     "LINEERR_INVALCALLSTATE");
    if (*st.expect_error == LineErr::Success)
      fail(node["expect_error"], "expect_error names the LINEERR the operation must return");
  }
  if (keys.count("controller")) st.controller = scalar(node["controller"], "controller");
  if (keys.count("reply")) {
    // A fault loses this request's reply: the step expects that it never comes.
    if (scalar(node["reply"], "reply") != "none")
      fail(node["reply"], "reply: none expects that no reply comes (a fault loses it)");
    if (st.expect_error) fail(node["reply"], "a step that expects no reply expects no error either");
    st.reply_none = true;
  }

  // The operation's own arguments, as its catalogue row has them.
  const YamlArgs args(*this, node, keys);
  DecodeOptions options;
  options.other_keys = {"at", "after", "do", "as", "expect_error", "reply", "note", "returns", "consult_as",
                        "completion_as", "controller"};
  options.line_for_call = true;
  options.completion_by_name = true;
  st.request = decode_request(*spec, args, options);
  Request& rq = st.request;
  // References in the scenario's own naming, checked now so a typo never waits for the run.
  if (!rq.line.empty()) extension(node["line"], "line");
  if (!rq.call.empty() && keys.count("line"))
    fail(keys["line"], "give either 'call' or 'line', not both");
  for (const char* k : {"call", "consult", "held", "conference"})
    if (rq.gave(k)) call_ref(node[k]);
  if (rq.gave("orbit") && !orbits_.count(rq.orbit) && !st.expect_error)
    fail(node["orbit"], fmt::format("orbit '{}' is not in any park lot", rq.orbit));
  if (st.op == Op::Pickup) {
    if (rq.gave("to")) number(node["to"], "to");  // the PBX checks it is an extension
    if (rq.gave("group") && !groups_.count(rq.group) && !st.expect_error)
      fail(node["group"], fmt::format("'{}' is not a pickup group", rq.group));
  }
  if (st.op == Op::Forward) {
    // Any dialable number may be a destination; the PBX answers the rest (INVALADDRESS).
    std::size_t i = 0;
    for (const auto& item : node["forwarding"]) {
      if (!rq.forwarding.at(i++).to.empty()) number(item["to"], "to");
    }
  }
  if (st.op == Op::UncompleteCall) {
    const std::string& c = rq.completion;
    const bool numeric = !c.empty() && std::all_of(c.begin(), c.end(), ::isdigit);
    if (!numeric && !completions_.count(c))
      fail(node["completion"], fmt::format("completion '{}' is not named by an earlier complete_call (completion_as)", c));
    std::uint32_t id = 0;  // completion ids are 32-bit
    if (numeric && std::from_chars(c.data(), c.data() + c.size(), id).ec != std::errc())
      fail(node["completion"], fmt::format("completion id {} is out of range", c));
  }

  // The step's own keys.
  if (keys.count("returns")) {
    if (st.op != Op::Park && st.op != Op::TranslateAddress)
      fail(keys["returns"], fmt::format("'returns' is not an argument of {} (park and translate_address return "
                                        "an address)", op));
    st.returns = scalar(node["returns"], "returns");
  }
  if (keys.count("completion_as")) {
    if (st.op != Op::CompleteCall)
      fail(keys["completion_as"], fmt::format("'completion_as' is not an argument of {}", op));
    st.completion_as = scalar(node["completion_as"], "completion_as");
    if (completions_.count(st.completion_as))
      fail(node["completion_as"], fmt::format("completion name '{}' is already used", st.completion_as));
    completions_.emplace(st.completion_as, node["completion_as"].Mark().line + 1);
  }
  if (keys.count("as") && spec->op == Op::GatherDigits) {
    // A gather's name, for expect: {gather: NAME, ...}.
    st.as = scalar(node["as"], "as");
    if (gathers_.count(st.as)) fail(node["as"], fmt::format("gather name '{}' is already used", st.as));
    gathers_.insert(st.as);
  } else if (keys.count("as")) {
    const Creates c = spec->creates;
    const bool creates = c == Creates::Call || c == Creates::Consult || c == Creates::ConferenceAndConsult ||
                         (c == Creates::ConferenceOnConference && rq.transfer_mode == TransferMode::Conference);
    if (!creates) fail(keys["as"], fmt::format("'as' names a new call; {} does not create one", op));
    st.as = scalar(node["as"], "as");
    bind(node["as"], st.as);
  }
  if (keys.count("consult_as")) {
    if (spec->creates != Creates::ConferenceAndConsult)
      fail(keys["consult_as"], fmt::format("'consult_as' is not an argument of {}", op));
    st.consult_as = scalar(node["consult_as"], "consult_as");
    bind(node["consult_as"], st.consult_as);
  }
  return st;
}

void Loader::modem_step(const YAML::Node& node, const std::string& op, std::map<std::string, YAML::Node>& keys,
                        Step& st) {
  st.kind = Step::Kind::Modem;
  for (const auto& [key, key_node] : keys) {
    if (key == "at" || key == "after" || key == "do" || key == "note" || key == "modem") continue;
    if ((key == "data" && op == "modem_send") || (key == "dtr" && op == "modem_dtr")) continue;
    fail(key_node, fmt::format("'{}' is not an argument of {} (it takes 'modem' and '{}')", key, op,
                               op == "modem_send" ? "data" : "dtr"));
  }
  if (!keys.count("modem")) fail(node, fmt::format("{} needs the 'modem' (a name from 'modems')", op));
  st.modem = modem_ref(node["modem"]);
  if (op == "modem_send") {
    if (!keys.count("data")) fail(node, "modem_send needs the 'data' its terminal writes, e.g. \"ATD400\\r\"");
    st.data = scalar(node["data"], "data");
  } else {
    if (!keys.count("dtr")) fail(node, "modem_dtr needs 'dtr: true' (raise) or 'dtr: false' (drop)");
    st.dtr = boolean(node["dtr"], "dtr");
  }
}

void Loader::expectation(const YAML::Node& node, Step& st) {
  auto keys = mapping(node, "expect",
                      {"call", "line", "error", "orbit", "modem", "state", "mode", "reason", "history",
                       "features", "calls", "occupied", "related", "messages_waiting", "output", "dcd", "to",
                       "digits_sent", "from", "redirection", "redirecting", "completion", "busy_mode",
                       "caller_blocked", "secure", "calling_party_id", "display_text", "user_user_info",
                       "bearer_mode", "media_mode", "gather", "termination", "digits", "monitored", "media",
                       "tone", "call_data", "generate", "agent", "next_state", "groups", "activity", "queue",
                       "waiting", "queued", "abandoned"});
  Expectation& e = st.expect;
  const int subjects = static_cast<int>(keys.count("call") + keys.count("line") + keys.count("error") +
                                        keys.count("orbit") + keys.count("modem") + keys.count("gather") +
                                        keys.count("agent") + keys.count("queue"));
  if (subjects != 1)
    fail(node, "expect needs exactly one of 'call', 'line', 'orbit', 'modem', 'gather', 'agent', 'queue' or 'error'");
  if (keys.count("agent")) {
    e.agent = extension(node["agent"], "agent");
    if (!agent_lines_.count(e.agent)) fail(node["agent"], fmt::format("{} is not an agent's extension (acd.agents)", e.agent));
    for (const auto& [key, key_node] : keys)
      if (key != "agent" && key != "state" && key != "next_state" && key != "groups" && key != "activity")
        fail(key_node, fmt::format("'{}' is not a condition on an agent (state, next_state, groups, activity)", key));
    if (keys.size() == 1) fail(node, "expect: {agent: ...} needs a condition: state, next_state, groups or activity");
    if (keys.count("state"))
      e.agent_state = named<AgentState>(node["state"], "agent state", parse_agent_state, "READY, BUSYACD");
    if (keys.count("next_state")) {
      if (node["next_state"].IsNull()) e.no_next_state = true;
      else e.next_state = named<AgentState>(node["next_state"], "agent state", parse_agent_state, "NOTREADY");
    }
    if (keys.count("groups")) {
      const YAML::Node g = node["groups"];
      if (!g.IsSequence()) fail(g, "groups must be a list of queue names");
      std::vector<std::string> names;
      for (const auto& n : g) names.push_back(scalar(n, "group"));
      e.groups = std::move(names);
    }
    if (keys.count("activity")) e.activity = static_cast<std::uint32_t>(integer_in(node["activity"], "activity", 0, 1'000'000));
    return;
  }
  if (keys.count("queue")) {
    e.queue = scalar(node["queue"], "queue");
    if (!queue_names_.count(e.queue)) fail(node["queue"], fmt::format("'{}' is not a queue of acd.queues", e.queue));
    for (const auto& [key, key_node] : keys)
      if (key != "queue" && key != "waiting" && key != "queued" && key != "abandoned")
        fail(key_node, fmt::format("'{}' is not a condition on a queue (waiting, queued, abandoned)", key));
    if (keys.size() == 1) fail(node, "expect: {queue: ...} needs a condition: waiting, queued or abandoned");
    for (auto [k, field] : {std::pair{"waiting", &e.waiting}, std::pair{"queued", &e.queued},
                            std::pair{"abandoned", &e.abandoned}})
      if (keys.count(k)) *field = unsigned_number(node[k], k);
    return;
  }
  for (const char* k : {"next_state", "groups", "activity"})
    if (keys.count(k)) fail(keys[k], fmt::format("'{}' is a condition on an agent: use expect: {{agent: ...}}", k));
  for (const char* k : {"waiting", "queued", "abandoned"})
    if (keys.count(k)) fail(keys[k], fmt::format("'{}' is a condition on a queue: use expect: {{queue: ...}}", k));
  if (keys.count("gather")) {
    e.gather = scalar(node["gather"], "gather");
    if (!gathers_.count(e.gather))
      fail(node["gather"], fmt::format("gather '{}' is not named by an earlier gather_digits (as: {})", e.gather, e.gather));
    for (const auto& [key, key_node] : keys)
      if (key != "gather" && key != "termination" && key != "digits")
        fail(key_node, fmt::format("'{}' is not a condition on a gather (termination, digits)", key));
    if (keys.count("termination")) {
      const std::string t = scalar(node["termination"], "termination");
      const auto v = tapi_names::kGatherTerm.value_of(t);
      if (!v)
        fail(node["termination"], fmt::format("termination '{}' is not a LINEGATHERTERM name (BUFFERFULL, TERMDIGIT, "
                                              "FIRSTTIMEOUT, INTERTIMEOUT, CANCEL)", t));
      e.termination = static_cast<GatherTerm>(*v);
    }
    if (keys.count("digits")) e.digits = node["digits"].IsNull() ? std::string() : scalar(node["digits"], "digits");
    if (keys.size() == 1) fail(node, "expect: {gather: ...} needs a condition: termination or digits");
    return;
  }
  if (keys.count("termination")) fail(keys["termination"], "'termination' is a condition on a gather: use expect: {gather: ...}");
  for (const char* k : {"digits", "monitored", "media", "tone", "call_data", "generate"})
    if (keys.count(k) && !keys.count("call"))
      fail(keys[k], fmt::format("'{}' is a condition on a call: use expect: {{call: ...}}", k));
  for (auto [k, field] : {std::pair{"digits", &e.digits}, std::pair{"monitored", &e.monitored},
                          std::pair{"call_data", &e.call_data}})
    if (keys.count(k)) *field = node[k].IsNull() ? std::string() : scalar(node[k], k);
  if (keys.count("media")) {
    const std::string m = scalar(node["media"], "media");
    const auto v = tapi_names::kMediaMode.value_of(m);
    if (!v) fail(node["media"], fmt::format("media: '{}' is not a LINEMEDIAMODE name (INTERACTIVEVOICE, "
                                            "AUTOMATEDVOICE, G3FAX, DATAMODEM, UNKNOWN)", m));
    e.media = *v;
  }
  if (keys.count("tone")) e.tone = static_cast<std::uint32_t>(integer_in(node["tone"], "tone", 0, 0xFFFFFFFFLL));
  if (keys.count("generate")) {
    const std::string g = scalar(node["generate"], "generate");
    const auto v = tapi_names::kGenerateTerm.value_of(g);
    if (!v) fail(node["generate"], fmt::format("generate: '{}' is not a LINEGENERATETERM name (DONE, CANCEL)", g));
    e.generate = static_cast<GenerateTerm>(*v);
  }
  if (keys.count("modem")) {
    e.modem = modem_ref(node["modem"]);
    for (const auto& [key, key_node] : keys) {
      if (key != "modem" && key != "output" && key != "dcd" && key != "state")
        fail(key_node, fmt::format("'{}' is not a condition on a modem (output, dcd, state)", key));
    }
    if (keys.size() == 1) fail(node, "expect: {modem: ...} needs a condition: output, dcd or state");
    if (keys.count("output")) {
      const std::string re = scalar(node["output"], "output");
      if (re.empty()) fail(node["output"], "output must be a regular expression, e.g. \"CONNECT \\\\d+\"");
      try {
        std::regex check(re, std::regex::ECMAScript);
      } catch (const std::regex_error& err) {
        fail(node["output"], fmt::format("output '{}' is not a regular expression: {}", re, err.what()));
      }
      e.output = re;
    }
    if (keys.count("dcd")) e.dcd = boolean(node["dcd"], "dcd");
    if (keys.count("state")) {
      const std::string name = scalar(node["state"], "state");
      e.modem_state = parse_modem_state(name);
      if (!e.modem_state)
        fail(node["state"], fmt::format("unknown modem state '{}' (idle, off_hook, dialing, answering, online, "
                                        "online_command)", name));
    }
    return;
  }
  for (const char* k : {"output", "dcd"})
    if (keys.count(k)) fail(keys[k], fmt::format("'{}' is a condition on a modem: use expect: {{modem: ...}}", k));
  if (keys.count("orbit")) {
    e.orbit = scalar(node["orbit"], "orbit");
    if (!orbits_.count(e.orbit)) fail(node["orbit"], fmt::format("orbit '{}' is not in any park lot", e.orbit));
    if (!keys.count("occupied") || keys.size() != 2)
      fail(node, "expect: {orbit: N, occupied: true|false} takes exactly those two keys");
    e.occupied = boolean(node["occupied"], "occupied");
    return;
  }
  if (keys.count("occupied")) fail(keys["occupied"], "'occupied' is a condition on an orbit");
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
  if (keys.count("related")) {
    if (e.call.empty()) fail(keys["related"], "'related' lists a call's conference calls: use expect: {call: ...}");
    const YAML::Node r = node["related"];
    if (!r.IsSequence()) fail(r, "related must be a list of call names ([] when not in a conference)");
    std::vector<std::string> names;
    for (const auto& n : r) names.push_back(call_ref(n));
    e.related = std::move(names);
  }
  for (auto [k, field] : {std::pair{"to", &e.to}, std::pair{"digits_sent", &e.digits_sent}, std::pair{"from", &e.from},
                          std::pair{"redirection", &e.redirection}, std::pair{"redirecting", &e.redirecting},
                          std::pair{"completion", &e.completion}, std::pair{"calling_party_id", &e.calling_party_id},
                          std::pair{"display_text", &e.display_text}, std::pair{"user_user_info", &e.user_user_info}}) {
    if (!keys.count(k)) continue;
    if (e.call.empty()) fail(keys[k], fmt::format("'{}' is a condition on a call: use expect: {{call: ...}}", k));
    *field = node[k].IsNull() ? std::string() : scalar(node[k], k);
  }
  if (e.completion) {
    const std::string& c = *e.completion;
    const bool numeric = !c.empty() && std::all_of(c.begin(), c.end(), ::isdigit);
    std::uint32_t id = 0;  // completion ids are 32-bit
    if (!c.empty() && !numeric && !completions_.count(c))
      fail(node["completion"], fmt::format("completion '{}' is not named by an earlier complete_call (completion_as); "
                                           "a number names an id, 0 none", c));
    if (numeric && std::from_chars(c.data(), c.data() + c.size(), id).ec != std::errc())
      fail(node["completion"], fmt::format("completion id {} is out of range", c));
  }
  for (auto [k, field] : {std::pair{"caller_blocked", &e.caller_blocked}, std::pair{"secure", &e.secure}}) {
    if (!keys.count(k)) continue;
    if (e.call.empty()) fail(keys[k], fmt::format("'{}' is a condition on a call: use expect: {{call: ...}}", k));
    *field = boolean(node[k], k);
  }
  if (keys.count("bearer_mode")) {
    if (e.call.empty()) fail(keys["bearer_mode"], "'bearer_mode' is a condition on a call: use expect: {call: ...}");
    const std::string name = scalar(node["bearer_mode"], "bearer_mode");
    const auto v = tapi_names::kBearerMode.value_of(name);
    if (!v) fail(node["bearer_mode"], fmt::format("bearer_mode: '{}' is not a LINEBEARERMODE name (VOICE, SPEECH, DATA, ...)", name));
    e.bearer_mode = std::string(tapi_names::kBearerMode.name_of(*v));
  }
  if (keys.count("media_mode")) {
    if (e.call.empty()) fail(keys["media_mode"], "'media_mode' is a condition on a call: use expect: {call: ...}");
    const YAML::Node m = node["media_mode"];
    std::uint32_t bits = 0;
    for (const YAML::Node& n : m.IsSequence() ? std::vector<YAML::Node>(m.begin(), m.end()) : std::vector<YAML::Node>{m}) {
      const std::string name = scalar(n, "media_mode");
      const auto v = tapi_names::kMediaMode.value_of(name);
      if (!v) fail(n, fmt::format("media_mode: '{}' is not a LINEMEDIAMODE name (INTERACTIVEVOICE, DATAMODEM, G3FAX, ...)", name));
      bits |= *v;
    }
    e.media_mode = tapi_names::kMediaMode.flags(bits);
  }
  if (keys.count("busy_mode")) {
    if (e.call.empty()) fail(keys["busy_mode"], "'busy_mode' is a condition on a call: use expect: {call: ...}");
    const std::string mode = scalar(node["busy_mode"], "busy_mode");
    if (mode != "STATION" && mode != "TRUNK")
      fail(node["busy_mode"], fmt::format("busy_mode is STATION or TRUNK (LINEBUSYMODE), not '{}'", mode));
    e.busy_trunk = mode == "TRUNK";
  }
  if (keys.count("messages_waiting")) {
    if (e.line.empty()) fail(keys["messages_waiting"], "'messages_waiting' is a condition on a line");
    e.messages_waiting = static_cast<int>(integer_in(node["messages_waiting"], "messages_waiting", 0, 1000000));
  }
  if (keys.count("calls")) {
    if (e.line.empty()) fail(keys["calls"], "'calls' counts the calls on a line: use expect: {line: ...}");
    e.calls = static_cast<int>(integer_in(node["calls"], "calls", 0, 64));
  }
  if (keys.size() == 1)
    fail(node, "expect needs a condition: state, mode, reason, history, features, related or calls");
}

}  // namespace

namespace {

/// The lines of `text` (without their line ends).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

struct Place {
  int line = 0;    ///< 0-based
  int column = 0;  ///< 0-based
};

/// The flow collections ('{' or '[') still open at `stop` (0-based line and column), outermost
/// first: a small scan that knows quotes and comments, enough to say where an unclosed flow
/// began when the parser only notices it lines later.
std::vector<std::pair<char, Place>> open_flows(const std::vector<std::string_view>& lines, Place stop) {
  std::vector<std::pair<char, Place>> open;
  for (int l = 0; l < static_cast<int>(lines.size()) && l <= stop.line; ++l) {
    const std::string_view line = lines[static_cast<std::size_t>(l)];
    char quote = 0;
    for (int c = 0; c < static_cast<int>(line.size()); ++c) {
      if (l == stop.line && c >= stop.column) break;
      const char ch = line[static_cast<std::size_t>(c)];
      if (quote == '"') {
        if (ch == '\\') ++c;
        else if (ch == '"') quote = 0;
        continue;
      }
      if (quote == '\'') {
        if (ch == '\'') quote = 0;  // '' is an escaped quote: it closes and reopens
        continue;
      }
      if (ch == '#' && (c == 0 || line[static_cast<std::size_t>(c - 1)] == ' ' ||
                        line[static_cast<std::size_t>(c - 1)] == '\t'))
        break;  // a comment runs to the end of the line
      if (ch == '"' || ch == '\'') {
        // A quote starts a quoted scalar only where a value starts, not inside a plain one.
        const char prev = c == 0 ? ' ' : line[static_cast<std::size_t>(c - 1)];
        if (prev == ' ' || prev == '\t' || prev == '{' || prev == '[' || prev == ',' || prev == ':' || prev == '-')
          quote = ch;
        continue;
      }
      if (ch == '{' || ch == '[') open.push_back({ch, Place{l, c}});
      if ((ch == '}' || ch == ']') && !open.empty()) open.pop_back();
    }
  }
  return open;
}

/// A TAB in the leading whitespace of line `l` (0-based), as its column.
std::optional<int> indentation_tab(std::string_view line) {
  for (std::size_t c = 0; c < line.size(); ++c) {
    if (line[c] == '\t') return static_cast<int>(c);
    if (line[c] != ' ') break;
  }
  return std::nullopt;
}

/// Turn yaml-cpp's syntax error into one that names the cause where it can: a TAB in the
/// indentation (YAML allows only spaces there), or a flow collection opened on an earlier line
/// and never closed (the parser notices only where the next block starts).
[[noreturn]] void syntax_error(const std::string& text, const std::string& file, const YAML::ParserException& e) {
  const auto lines = split_lines(text);
  const Place at{std::max(0, e.mark.line), std::max(0, e.mark.column)};
  for (int l = std::min(at.line, static_cast<int>(lines.size()) - 1); l >= 0 && l >= at.line - 1; --l) {
    if (const auto tab = indentation_tab(lines[static_cast<std::size_t>(l)]))
      throw ScenarioError(file, l + 1, *tab + 1,
                          "a TAB character in the indentation: YAML indents with spaces only");
  }
  const auto open = open_flows(lines, at);
  if (!open.empty() && open.back().second.line < at.line) {
    const auto& [bracket, where] = open.back();
    throw ScenarioError(file, where.line + 1, where.column + 1,
                        fmt::format("this '{}' is never closed with '{}' (the parser stopped at line {}, "
                                    "column {}: {})",
                                    bracket, bracket == '{' ? '}' : ']', at.line + 1, at.column + 1, e.msg));
  }
  throw ScenarioError(file, at.line + 1, at.column + 1, e.msg);
}

}  // namespace

namespace {

const std::regex& placeholder() {
  static const std::regex re("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  return re;
}

/// Line and column (1-based) of `offset` in `text`.
std::pair<int, int> place_of(const std::string& text, std::size_t offset) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') ++line, column = 1;
    else ++column;
  }
  return {line, column};
}

/// `text` with each ${NAME} replaced by `value(NAME)` (nullptr: an unknown parameter).
template <class F>
std::string substitute(const std::string& text, const std::string& file, F&& value) {
  std::string out;
  std::size_t at = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), placeholder()); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const auto pos = static_cast<std::size_t>(m.position(0));
    const std::string* v = value(m[1].str());
    if (!v) {
      const auto [line, column] = place_of(text, pos);
      throw ScenarioError(file, line, column,
                          fmt::format("'${{{}}}' names no parameter of the scenario's sweep", m[1].str()));
    }
    out.append(text, at, pos - at);
    out += *v;
    at = pos + static_cast<std::size_t>(m.length(0));
  }
  out.append(text, at, std::string::npos);
  return out;
}

/// The `sweep:` mapping of a parsed file: NAME: [values...], at least one value each.
std::vector<std::pair<std::string, std::vector<std::string>>> sweep_of(const YAML::Node& root, const std::string& file) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  YAML::Node holder;
  const YAML::Node* sweep = find_key(root, "sweep", holder);
  if (!sweep) return out;
  const auto fail = [&file](const YAML::Node& n, const std::string& what) -> void {
    throw ScenarioError(file, n.Mark().line + 1, n.Mark().column + 1, what);
  };
  if (!sweep->IsMap() || sweep->size() == 0)
    fail(*sweep, "sweep: a mapping of parameters to lists of values, e.g. {erlangs: [5, 8, 11]}");
  static const std::regex name_re("[A-Za-z_][A-Za-z0-9_]*");
  for (const auto& kv : *sweep) {
    const std::string name = kv.first.Scalar();
    if (!std::regex_match(name, name_re)) fail(kv.first, fmt::format("sweep parameter '{}': letters, digits and _ only", name));
    if (!kv.second.IsSequence() || kv.second.size() == 0)
      fail(kv.second, fmt::format("sweep parameter '{}': a list of one or more values", name));
    std::vector<std::string> values;
    for (const auto& v : kv.second) {
      if (!v.IsScalar()) fail(v, fmt::format("sweep parameter '{}': each value a number or a word", name));
      if (std::find(values.begin(), values.end(), v.Scalar()) != values.end())
        fail(v, fmt::format("sweep parameter '{}': '{}' is listed twice", name, v.Scalar()));
      values.push_back(v.Scalar());
    }
    out.emplace_back(name, std::move(values));
  }
  return out;
}

/// The file's text read as YAML with every placeholder standing for 0 (only to find `sweep:`).
YAML::Node first_reading(const std::string& text, const std::string& file) {
  const std::string zero = "0";
  const std::string plain = substitute(text, file, [&zero](const std::string&) { return &zero; });
  try {
    return YAML::Load(plain);
  } catch (const YAML::ParserException& e) {
    syntax_error(plain, file, e);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 1, 1, "cannot open the scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

SweepSpec read_sweep(const std::string& path) {
  const std::string text = read_text(path);
  const YAML::Node root = first_reading(text, path);
  SweepSpec spec;
  spec.params = sweep_of(root, path);
  YAML::Node holder;
  if (const YAML::Node* seed = find_key(root, "seed", holder); seed && seed->IsScalar()) {
    const std::string& s = seed->Scalar();
    std::uint64_t v = 0;
    if (std::from_chars(s.data(), s.data() + s.size(), v).ec == std::errc{}) spec.seed = v;
  }
  return spec;
}

Scenario parse_scenario(const std::string& text, const std::string& file,
                        const std::vector<std::pair<std::string, std::string>>& set, std::string_view personality) {
  std::string resolved = text;
  std::vector<std::pair<std::string, std::vector<std::string>>> sweep;
  std::vector<std::pair<std::string, std::string>> params;
  if (text.find("${") != std::string::npos || text.find("sweep") != std::string::npos || !set.empty()) {
    sweep = sweep_of(first_reading(text, file), file);
    for (const auto& given : set) {
      const std::string& name = given.first;
      const std::string& value = given.second;
      const auto it = std::find_if(sweep.begin(), sweep.end(), [&](const auto& p) { return p.first == name; });
      if (it == sweep.end())
        throw ScenarioError(file, 1, 1, fmt::format("--set {}: the scenario's sweep has no parameter '{}'", name, name));
      if (std::find(it->second.begin(), it->second.end(), value) == it->second.end())
        throw ScenarioError(file, 1, 1, fmt::format("--set {}={}: not one of the sweep's values for '{}'", name, value, name));
    }
    for (const auto& parameter : sweep) {
      const std::string& name = parameter.first;
      const std::vector<std::string>& values = parameter.second;
      const auto it = std::find_if(set.begin(), set.end(), [&](const auto& p) { return p.first == name; });
      if (!set.empty() && it == set.end())
        throw ScenarioError(file, 1, 1, fmt::format("--set: the sweep's parameter '{}' needs a value too", name));
      params.emplace_back(name, it == set.end() ? values.front() : it->second);
    }
    resolved = substitute(text, file, [&params](const std::string& name) -> const std::string* {
      for (const auto& p : params)
        if (p.first == name) return &p.second;
      return nullptr;
    });
  }
  YAML::Node root;
  try {
    root = YAML::Load(resolved);
  } catch (const YAML::ParserException& e) {
    syntax_error(resolved, file, e);
  }
  Scenario sc = Loader(file, personality).load(root);
  sc.sweep = std::move(sweep);
  if (!sc.sweep.empty() && !set.empty()) {
    sc.params = params;
    std::string label;
    for (const auto& [name, value] : params) label += (label.empty() ? "" : ",") + name + "=" + value;
    sc.name += "[" + label + "]";
  }
  return sc;
}

Scenario load_scenario(const std::string& path, const std::vector<std::pair<std::string, std::string>>& set,
                       std::string_view personality) {
  return parse_scenario(read_text(path), path, set, personality);
}

}  // namespace telsim
