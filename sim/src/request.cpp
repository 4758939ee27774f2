// Requests decoded against the operation catalogue (see request.hpp): the one parser of
// operation arguments, modes and forwarding rules for the scenario language and the wire.
#include "telsim/sim/request.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cctype>

#include <fmt/format.h>

#include "telsim/models/duration.hpp"
#include "telsim/models/tapi_names.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// "a, b or c"
std::string alternatives(std::span<const std::string_view> values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += i + 1 == values.size() ? " or " : ", ";
    out += values[i];
  }
  return out;
}

std::string param_list(const OpInfo& op) {
  std::string out;
  for (const ParamInfo& p : op.params) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out.empty() ? "nothing" : out;
}

/// The keys of a list item must be `known` (a tone, a media control entry, dial params).
void only(const ArgSource& item, std::initializer_list<std::string_view> known, std::string_view what, LineErr error) {
  for (const std::string& key : item.keys()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    item.fail(key, error, fmt::format("'{}' is not a field of {} ({})", key, what, list));
  }
}

/// A duration: "250ms", "5s", or a whole number of milliseconds (as the wire may send it).
std::optional<Duration> duration_arg(const ArgSource& a, std::string_view key, LineErr error) {
  const std::optional<std::string> t = a.scalar(key, error);
  if (!t) return std::nullopt;
  if (!t->empty() && t->size() < 12 && std::all_of(t->begin(), t->end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::chrono::milliseconds(std::stoll(*t));
  const auto d = parse_duration(*t);
  if (!d || *d < Duration::zero())
    a.fail(key, error,
           fmt::format("{} must be a duration like 250ms or 5s (or a number of milliseconds), not '{}'", key, *t));
  return *d;
}

/// A list of names of `p`'s values, or'ed as their TAPI bits.
std::uint32_t modes_arg(const ArgSource& a, const ParamInfo& p, std::string_view key) {
  const tapi_names::Family* family = tapi_names::family(p.tapi_prefix);
  std::uint32_t bits = 0;
  for (const std::string& name : a.texts(key, p.error)) {
    const auto m = canonical_mode(p, name);
    if (!m) a.fail(key, p.error, fmt::format("{}: '{}' is not one of {}", key, name, alternatives(p.values)));
    bits |= family->value_of(*m).value_or(0);
  }
  return bits;
}

std::uint32_t name_arg(const ArgSource& a, std::string_view key, const tapi_names::Family& family, LineErr error,
                       std::string_view what) {
  const auto t = a.text(key, error);
  if (!t) a.fail_here(error, fmt::format("{} needs its '{}'", what, key));
  const auto v = family.value_of(*t);
  if (!v) {
    std::string names;
    for (const auto& c : family.constants) names += (names.empty() ? "" : ", ") + std::string(c.name);
    a.fail(key, error, fmt::format("'{}' is not a {} name ({})", *t, family.prefix, names));
  }
  return *v;
}

std::array<std::uint32_t, 3> frequencies_arg(const ArgSource& a, std::string_view key, LineErr error) {
  const std::vector<long long> f = a.integers(key, error);
  if (f.empty() || f.size() > 3)
    a.fail(key, error, fmt::format("{} must list 1 to 3 frequencies in Hz, not {}", key, f.size()));
  std::array<std::uint32_t, 3> out{};
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] <= 0 || f[i] > 20000) a.fail(key, error, fmt::format("a frequency of {} Hz; 1 to 20000", f[i]));
    out[i] = static_cast<std::uint32_t>(f[i]);
  }
  return out;
}

std::uint32_t count_arg(const ArgSource& a, std::string_view key, LineErr error) {
  const auto n = a.integer(key, error);
  if (*n < 0 || *n > 0xFFFFFFFFLL)
    a.fail(key, error, fmt::format("{} must be a whole number from 0 to 4294967295, not {}", key, *n));
  return static_cast<std::uint32_t>(*n);
}

/// One parameter of an agent operation into `a`.
void decode_agent_param(const ParamInfo& p, const ArgSource& args, AgentArgs& a) {
  switch (p.kind) {
    case ParamKind::Mode: {
      const std::string v = *args.text(p.name, p.error);
      const auto c = canonical_mode(p, v);
      if (!c) args.fail(p.name, p.error, fmt::format("{} must be {}, not '{}'", p.name, alternatives(p.values), v));
      const auto state = parse_agent_state(*c);
      (p.name == "state" ? a.state : a.next_state) = state;
      return;
    }
    case ParamKind::Integer: a.activity = count_arg(args, p.name, p.error); return;
    case ParamKind::Names: a.groups = args.texts(p.name, p.error); return;
    default: return;
  }
}

/// One parameter of a media operation into `m`.
void decode_media_param(const OpInfo& op, const ParamInfo& p, const ArgSource& args, MediaArgs& m) {
  const std::string_view name = p.name;
  switch (p.kind) {
    case ParamKind::Time: {
      const Duration d = *duration_arg(args, name, p.error);
      if (name == "duration") m.duration = d;
      else if (name == "first_timeout") m.first_timeout = d;
      else m.inter_timeout = d;
      return;
    }
    case ParamKind::Modes: {
      const std::uint32_t bits = modes_arg(args, p, name);
      if (op.op == Op::MonitorMedia || op.op == Op::SetMediaMode) m.media_modes = bits;
      else m.digit_modes = bits;
      if (op.op == Op::SetMediaMode && bits == 0)
        args.fail(name, p.error, "set_media_mode needs at least one media mode");
      return;
    }
    case ParamKind::Mode: {
      const std::string v = *args.text(name, p.error);
      const auto c = canonical_mode(p, v);
      if (!c) args.fail(name, p.error, fmt::format("{} must be {}, not '{}'", name, alternatives(p.values), v));
      const std::uint32_t value = tapi_names::family(p.tapi_prefix)->value_of(*c).value_or(0);
      if (name == "mode") m.digit_modes = value;
      else if (name == "tone") m.tone = static_cast<ToneMode>(value);
      else if (name == "treatment") m.treatment = static_cast<Treatment>(value);
      else m.bearer_mode = value;
      return;
    }
    case ParamKind::Integer: {
      const std::uint32_t n = count_arg(args, name, p.error);
      if (name == "max") m.max = n;
      else if (name == "min_rate") m.min_rate = n;
      else m.max_rate = n;
      return;
    }
    case ParamKind::Digits:
    case ParamKind::Text: {
      std::string v = *args.text(name, p.error);
      if (name == "digits") m.digits = std::move(v);
      else if (name == "terminators") m.terminators = std::move(v);
      else if (name == "sending") m.qos_sending = std::move(v);
      else if (name == "receiving") m.qos_receiving = std::move(v);
      else m.text = std::move(v);  // info, data
      return;
    }
    case ParamKind::Tones: {
      for (const auto& item : args.items(name, p.error)) {
        if (op.op == Op::GenerateTone) {
          only(*item, {"frequency", "on", "off", "volume"}, "a generated tone (LINEGENERATETONE)", p.error);
          ToneComponent c;
          const auto f = item->integer("frequency", p.error);
          if (!f || *f <= 0 || *f > 20000)
            item->fail_here(p.error, "a generated tone needs its 'frequency', 1 to 20000 Hz");
          c.frequency = static_cast<std::uint32_t>(*f);
          c.on = duration_arg(*item, "on", p.error).value_or(Duration::zero());
          c.off = duration_arg(*item, "off", p.error).value_or(Duration::zero());
          if (item->has("volume")) c.volume = count_arg(*item, "volume", p.error);
          m.components.push_back(c);
        } else {
          only(*item, {"frequencies", "duration", "app_specific"}, "a monitored tone (LINEMONITORTONE)", p.error);
          MonitoredTone t;
          t.frequencies = frequencies_arg(*item, "frequencies", p.error);
          t.duration = duration_arg(*item, "duration", p.error).value_or(Duration::zero());
          if (item->has("app_specific")) t.app_specific = count_arg(*item, "app_specific", p.error);
          m.tones.push_back(t);
        }
      }
      if (op.op == Op::GenerateTone && m.components.size() > 3)
        args.fail(name, p.error, fmt::format("a CUSTOM tone mixes at most 3 frequencies, not {}", m.components.size()));
      return;
    }
    case ParamKind::Controls: {
      using T = MediaControlEntry::Trigger;
      const ParamInfo* digit_modes = find_param(info(Op::MonitorDigits), "modes");
      const ParamInfo* media_modes = find_param(info(Op::MonitorMedia), "modes");
      for (const auto& item : args.items(name, p.error)) {
        MediaControlEntry e;
        if (name == "digits") {
          only(*item, {"digit", "modes", "action"}, "a digit's media control (LINEMEDIACONTROLDIGIT)", p.error);
          e.trigger = T::Digit;
          const auto d = item->text("digit", p.error);
          if (!d || d->size() != 1) item->fail_here(p.error, "a digit's media control needs its one 'digit'");
          e.digit = (*d)[0];
          e.modes = item->has("modes") ? modes_arg(*item, *digit_modes, "modes") : 0x2u;
        } else if (name == "media") {
          only(*item, {"modes", "action"}, "a media mode's media control (LINEMEDIACONTROLMEDIA)", p.error);
          e.trigger = T::Media;
          e.modes = modes_arg(*item, *media_modes, "modes");
        } else if (name == "tones") {
          only(*item, {"frequencies", "duration", "action"}, "a tone's media control (LINEMEDIACONTROLTONE)", p.error);
          e.trigger = T::Tone;
          e.tone.frequencies = frequencies_arg(*item, "frequencies", p.error);
          e.tone.duration = duration_arg(*item, "duration", p.error).value_or(Duration::zero());
        } else {
          only(*item, {"states", "action"}, "a call state's media control (LINEMEDIACONTROLCALLSTATE)", p.error);
          e.trigger = T::State;
          for (const std::string& st : item->texts("states", p.error)) {
            const auto v = tapi_names::kCallState.value_of(st);
            if (!v) item->fail("states", p.error, fmt::format("'{}' is not a LINECALLSTATE name", st));
            e.modes |= *v;
          }
        }
        e.action = name_arg(*item, "action", tapi_names::kMediaControl, p.error, "a media control entry");
        m.controls.push_back(e);
      }
      return;
    }
    case ParamKind::DialParams: {
      const auto d = args.mapping(name, p.error);
      if (!d) return;
      only(*d, {"dial_pause", "dial_speed", "digit_duration", "wait_for_dialtone"}, "dial_params (LINEDIALPARAMS)",
           p.error);
      DialParams dp;
      dp.dial_pause = duration_arg(*d, "dial_pause", p.error).value_or(Duration::zero());
      dp.dial_speed = duration_arg(*d, "dial_speed", p.error).value_or(Duration::zero());
      dp.digit_duration = duration_arg(*d, "digit_duration", p.error).value_or(Duration::zero());
      dp.wait_for_dialtone = duration_arg(*d, "wait_for_dialtone", p.error).value_or(Duration::zero());
      m.dial_params = dp;
      return;
    }
    case ParamKind::Line:
    case ParamKind::Call:
    case ParamKind::Address:
    case ParamKind::Forwarding:
    case ParamKind::CallParams:
    case ParamKind::Names: break;
  }
  args.fail(name, p.error, fmt::format("{} of {} cannot be read", name, op.name));
}

}  // namespace

std::vector<long long> ArgSource::integers(std::string_view key, LineErr error) const {
  std::vector<long long> out;
  for (const std::string& t : texts(key, error)) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size())
      fail(key, error, fmt::format("{} must be whole numbers, not '{}'", key, t));
    out.push_back(v);
  }
  return out;
}

bool Request::gave(std::string_view param) const {
  return std::find(given.begin(), given.end(), param) != given.end();
}

std::optional<std::string_view> canonical_mode(const ParamInfo& param, std::string_view text) {
  std::string u = upper(text);
  const std::string prefix = upper(param.tapi_prefix);
  if (!prefix.empty() && u.rfind(prefix, 0) == 0) u = u.substr(prefix.size());
  for (std::string_view v : param.values)
    if (v == u) return v;
  return std::nullopt;
}

Request decode_request(const OpInfo& op, const ArgSource& args, const DecodeOptions& options) {
  Request r;
  r.op = &op;
  const bool call_by_line = options.line_for_call && op.subject == Subject::Call;
  for (const std::string& key : args.keys()) {
    if (std::find(options.other_keys.begin(), options.other_keys.end(), key) != options.other_keys.end()) continue;
    if (find_param(op, key)) continue;
    if (call_by_line && key == "line") continue;
    args.fail(key, LineErr::InvalParam,
              fmt::format("'{}' is not an argument of {} (it takes: {})", key, op.name, param_list(op)));
  }
  for (const ParamInfo& p : op.params) {
    const bool present = args.has(p.name);
    if (!present) {
      const bool stand_in = p.name == "call" && call_by_line && args.has("line");
      if (p.required && !stand_in) {
        // Missing is malformed (INVALPARAM) whatever the parameter; a bad value gets its own error.
        if (p.name == "call" && call_by_line)
          args.fail_here(LineErr::InvalParam,
                         fmt::format("{} needs the 'call' to act on (or the 'line' that has it)", op.name));
        args.fail_here(LineErr::InvalParam, fmt::format("{} needs '{}': {}", op.name, p.name, p.doc));
      }
      if (stand_in) r.line = *args.text("line", LineErr::BadDeviceId);
      continue;
    }
    if (!p.excludes.empty() && args.has(p.excludes))
      args.fail(p.name, LineErr::InvalParam,
                fmt::format("{} takes '{}' or '{}', not both", op.name, p.excludes, p.name));
    r.given.emplace_back(p.name);
    if (is_media_op(op.op) && p.kind != ParamKind::Call) {
      decode_media_param(op, p, args, r.media);
      continue;
    }
    if (is_agent_op(op.op) && p.kind != ParamKind::Line) {
      decode_agent_param(p, args, r.agent);
      continue;
    }
    switch (p.kind) {
      case ParamKind::Line: r.line = *args.text(p.name, p.error); break;
      case ParamKind::Call: {
        std::string ref = *args.text(p.name, p.error);
        if (p.name == "call") r.call = std::move(ref);
        else if (p.name == "consult") r.consult = std::move(ref);
        else if (p.name == "held") r.held = std::move(ref);
        else r.conference = std::move(ref);
        break;
      }
      case ParamKind::Address:
      case ParamKind::Digits:
      case ParamKind::Text: {
        std::string v = *args.text(p.name, p.error);
        if (p.name == "to") r.to = std::move(v);
        else if (p.name == "digits") r.digits = std::move(v);
        else if (p.name == "orbit") r.orbit = std::move(v);
        else if (p.name == "group") r.group = std::move(v);
        else r.address = std::move(v);
        break;
      }
      case ParamKind::Mode: {
        const std::string v = *args.text(p.name, p.error);
        const auto m = canonical_mode(p, v);
        if (!m) {
          const std::string_view what = op.op == Op::Park           ? "park mode"
                                        : op.op == Op::CompleteCall ? "completion mode"
                                                                    : "transfer mode";
          args.fail(p.name, p.error, fmt::format("{} must be {}, not '{}'", what, alternatives(p.values), v));
        }
        if (*m == "DIRECTED") r.park_mode = ParkMode::Directed;
        else if (*m == "NONDIRECTED") r.park_mode = ParkMode::NonDirected;
        else if (*m == "TRANSFER") r.transfer_mode = TransferMode::Transfer;
        else if (*m == "CONFERENCE") r.transfer_mode = TransferMode::Conference;
        else if (*m == "CAMPON") r.completion_mode = CompletionMode::CampOn;
        else if (*m == "CALLBACK") r.completion_mode = CompletionMode::Callback;
        else if (*m == "INTRUDE") r.completion_mode = CompletionMode::Intrude;
        else r.completion_mode = CompletionMode::Message;
        break;
      }
      case ParamKind::Integer: {
        if (options.completion_by_name) {
          r.completion = *args.text(p.name, p.error);
        } else {
          const auto n = args.integer(p.name, p.error);
          if (*n < 0 || *n > 0xFFFFFFFFLL)
            args.fail(p.name, p.error, fmt::format("{} must be a whole number from 0 to 4294967295, not {}", p.name, *n));
          r.completion = std::to_string(*n);
        }
        break;
      }
      case ParamKind::Forwarding: {
        for (const auto& rule : args.items(p.name, p.error)) r.forwarding.push_back(decode_forward_rule(*rule, false));
        break;
      }
      case ParamKind::CallParams: {
        if (const auto params = args.mapping(p.name, p.error)) r.params = decode_call_params(*params);
        break;
      }
      case ParamKind::Time:
      case ParamKind::Modes:
      case ParamKind::Tones:
      case ParamKind::Controls:
      case ParamKind::DialParams:
      case ParamKind::Names: break;  // media and agent operations' only (above)
    }
  }
  if (op.op == Op::GenerateDigits && r.media.digit_modes == 0) r.media.digit_modes = 0x2;  // DTMF
  if (op.op == Op::Park) {
    // Without a mode, an orbit makes the park directed.
    if (!r.park_mode) r.park_mode = r.orbit.empty() ? ParkMode::NonDirected : ParkMode::Directed;
    if (*r.park_mode == ParkMode::Directed && r.orbit.empty())
      args.fail_here(LineErr::InvalParam, "a DIRECTED park needs the 'orbit'");
  }
  return r;
}

namespace {

/// The names of a family's constants: "SECURE, IDLE, BLOCKID ..."
std::string names_of(const tapi_names::Family& family) {
  std::string out;
  for (const auto& c : family.constants) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

/// Names of `family` or'ed together; each must be one.
std::uint32_t bits_of(const ArgSource& params, std::string_view key, const tapi_names::Family& family,
                      std::string_view what) {
  constexpr LineErr kErr = LineErr::InvalCallParams;
  std::uint32_t bits = 0;
  for (const std::string& name : params.texts(key, kErr)) {
    const auto v = family.value_of(name);
    if (!v) params.fail(key, kErr, fmt::format("params {}: '{}' is not a {} name ({})", key, name, what, names_of(family)));
    bits |= *v;
  }
  return bits;
}

}  // namespace

CallParams decode_call_params(const ArgSource& params) {
  constexpr LineErr kErr = LineErr::InvalCallParams;
  static constexpr std::string_view kKeys[] = {
      "no_answer_timeout", "flags",          "address_mode",   "address_id",   "orig_address",
      "bearer_mode",       "media_mode",     "calling_party_id", "display_text", "user_user_info",
      "predictive_auto_transfer_states",     "target_address"};
  for (const std::string& key : params.keys()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      std::string known;
      for (std::string_view k : kKeys) known += (known.empty() ? "" : ", ") + std::string(k);
      params.fail(key, kErr, fmt::format("'{}' is not a field of params (LINECALLPARAMS: {})", key, known));
    }
  }
  CallParams p;
  if (const auto t = params.text("no_answer_timeout", kErr)) {
    const auto d = parse_duration(*t);
    if (!d || *d < Duration::zero())
      params.fail("no_answer_timeout", kErr,
                  fmt::format("params no_answer_timeout must be a duration like 20s or 1min30s (0: the switch's), not '{}'", *t));
    if (*d > Duration::zero()) p.no_answer_timeout = *d;
  }
  p.flags = bits_of(params, "flags", tapi_names::kCallParamFlag, "LINECALLPARAMFLAGS");
  if (params.has("address_id") && params.has("orig_address"))
    params.fail("orig_address", kErr, "params takes 'address_id' (address_mode ADDRESSID) or 'orig_address' (DIALABLEADDR), not both");
  std::optional<std::uint32_t> mode;
  if (const auto m = params.text("address_mode", kErr)) {
    mode = tapi_names::kAddressMode.value_of(*m);
    if (!mode)
      params.fail("address_mode", kErr, fmt::format("params address_mode must be ADDRESSID or DIALABLEADDR, not '{}'", *m));
  }
  if (params.has("address_id")) {
    if (mode && *mode != 0x1)
      params.fail("address_id", kErr, "params address_id goes with address_mode ADDRESSID, not DIALABLEADDR");
    const auto n = params.integer("address_id", kErr);
    if (*n < 0 || *n > 0xFFFFFFFFLL)
      params.fail("address_id", kErr, fmt::format("params address_id must be a whole number from 0 to 4294967295, not {}", *n));
    p.address_id = static_cast<std::uint32_t>(*n);
  } else if (params.has("orig_address")) {
    if (mode && *mode != 0x2)
      params.fail("orig_address", kErr, "params orig_address goes with address_mode DIALABLEADDR, not ADDRESSID");
    p.orig_address = *params.text("orig_address", kErr);
  } else if (mode) {
    params.fail("address_mode", kErr,
                fmt::format("params address_mode {} needs its {}", *mode == 0x1 ? "ADDRESSID" : "DIALABLEADDR",
                            *mode == 0x1 ? "'address_id'" : "'orig_address'"));
  }
  if (const auto b = params.text("bearer_mode", kErr)) {
    const auto v = tapi_names::kBearerMode.value_of(*b);
    if (!v)
      params.fail("bearer_mode", kErr, fmt::format("params bearer_mode: '{}' is not a LINEBEARERMODE name ({})", *b,
                                                   names_of(tapi_names::kBearerMode)));
    p.bearer_mode = *v;
  }
  p.media_mode = bits_of(params, "media_mode", tapi_names::kMediaMode, "LINEMEDIAMODE");
  if (const auto t = params.text("calling_party_id", kErr)) p.calling_party_id = *t;
  if (const auto t = params.text("display_text", kErr)) p.display_text = *t;
  if (const auto t = params.text("user_user_info", kErr)) p.user_user_info = *t;
  p.predictive_auto_transfer_states =
      bits_of(params, "predictive_auto_transfer_states", tapi_names::kCallState, "LINECALLSTATE");
  if (const auto t = params.text("target_address", kErr)) p.target_address = *t;
  if (p.predictive_auto_transfer_states != 0 && p.target_address.empty())
    params.fail("predictive_auto_transfer_states", kErr,
                "params predictive_auto_transfer_states needs the 'target_address' to transfer the call to");
  if (p.predictive_auto_transfer_states == 0 && !p.target_address.empty())
    params.fail("target_address", kErr, "params target_address needs predictive_auto_transfer_states (the states that transfer the call)");
  return p;
}

ForwardRule decode_forward_rule(const ArgSource& rule, bool with_ext, std::string* ext) {
  static constexpr std::string_view kKeys[] = {"ext", "when", "to", "after", "rings", "callers"};
  for (const std::string& key : rule.keys()) {
    const bool known = std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys) && (key != "ext" || with_ext);
    if (!known)
      rule.fail(key, LineErr::InvalParam,
                fmt::format("unknown key '{}' in a forwarding rule (known: {}when, to, after, rings, callers)", key,
                            with_ext ? "ext, " : ""));
  }
  if (with_ext) {
    const auto e = rule.text("ext", LineErr::InvalParam);
    if (!e) rule.fail_here(LineErr::InvalParam, "a forwarding rule needs the 'ext' it applies to");
    *ext = *e;
  }
  ForwardRule r;
  const auto when = rule.text("when", LineErr::InvalParam);
  if (!when)
    rule.fail_here(LineErr::InvalParam,
                   "a forwarding rule needs 'when' (unconditional, busy, no_answer, busy_no_answer, dnd)");
  using W = ForwardRule::When;
  if (*when == "unconditional") r.when = W::Unconditional;
  else if (*when == "busy") r.when = W::Busy;
  else if (*when == "no_answer") r.when = W::NoAnswer;
  else if (*when == "busy_no_answer") r.when = W::BusyNoAnswer;
  else if (*when == "dnd") r.when = W::DoNotDisturb;
  else rule.fail("when", LineErr::InvalParam,
                 fmt::format("unknown forwarding condition '{}' (unconditional, busy, no_answer, busy_no_answer, dnd)",
                             *when));
  const bool null_to = rule.is_null("to");
  if (r.when == W::DoNotDisturb || (r.when == W::Unconditional && null_to)) {
    r.when = W::DoNotDisturb;  // TAPI: forwarding to a null destination is do-not-disturb
    if (rule.has("to")) rule.fail("to", LineErr::InvalParam, "do-not-disturb takes no destination");
  } else {
    const auto to = rule.text("to", LineErr::InvalAddress);
    if (!to || to->empty())
      rule.fail_here(LineErr::InvalParam,
                     "a forwarding rule needs the destination 'to' (to: null with unconditional is do-not-disturb)");
    r.to = *to;
  }
  const bool no_answer = r.when == W::NoAnswer || r.when == W::BusyNoAnswer;
  if (rule.has("after")) {
    if (!no_answer) rule.fail("after", LineErr::InvalParam, "'after' is for no_answer and busy_no_answer forwarding");
    const std::string text = *rule.text("after", LineErr::InvalParam);
    const auto d = parse_duration(text);
    if (!d || *d <= Duration::zero())
      rule.fail("after", LineErr::InvalParam,
                fmt::format("bad duration '{}' for after: a positive duration like 15s or 1min30s", text));
    r.after = *d;
  }
  if (rule.has("rings")) {
    if (!no_answer) rule.fail("rings", LineErr::InvalParam, "'rings' is for no_answer and busy_no_answer forwarding");
    if (rule.has("after")) rule.fail("rings", LineErr::InvalParam, "give either 'rings' or 'after', not both");
    const auto n = rule.integer("rings", LineErr::InvalParam);
    if (*n < 1 || *n > 100)
      rule.fail("rings", LineErr::InvalParam, fmt::format("rings must be a whole number from 1 to 100, not '{}'", *n));
    r.rings = static_cast<int>(*n);
  }
  if (const auto c = rule.text("callers", LineErr::InvalParam)) {
    if (*c == "all") r.callers = ForwardRule::Callers::All;
    else if (*c == "internal") r.callers = ForwardRule::Callers::Internal;
    else if (*c == "external") r.callers = ForwardRule::Callers::External;
    else rule.fail("callers", LineErr::InvalParam, fmt::format("callers must be all, internal or external, not '{}'", *c));
  }
  return r;
}

std::optional<double> ArgSource::number(std::string_view key, LineErr error) const {
  const std::optional<std::string> t = text(key, error);
  if (!t) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  if (ec != std::errc() || end != t->data() + t->size())
    fail(key, error, fmt::format("{} must be a number, not '{}'", key, *t));
  return v;
}

}  // namespace telsim
