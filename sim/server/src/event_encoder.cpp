#include "event_encoder.hpp"

#include <fmt/format.h>

#include "forwarding_codec.hpp"
#include "telsim/models/tapi_names.hpp"
#include "telsim/server/protocol.hpp"
#include "telsim/server/wire_schema.hpp"

namespace telsim::serve {

namespace {
/// A string field that is null on the wire when empty ("linked to nobody", "no owner").
json or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

/// The names of the bits of `family` set in `bits`, a list, in the family's order.
json bit_names(const tapi_names::Family& family, std::uint32_t bits) {
  json names = json::array();
  for (const auto& c : family.constants)
    if (bits & c.value) names.push_back(c.name);
  return names;
}
/// Every name of `family`, a list (a family of values, not bits, as LINECALLTREATMENT's).
json all_names(const tapi_names::Family& family) {
  json names = json::array();
  for (const auto& c : family.constants) names.push_back(c.name);
  return names;
}

/// What a call carries of LINECALLPARAMS (the caller's own, or what its caller gave the call
/// offered), in the request's shape; null when nothing.
json carried_params(const Call& c) {
  namespace f = wire::schema::field;
  json p = json::object();
  if (c.bearer_mode) p[f::kBearerMode] = tapi_names::kBearerMode.name_of(c.bearer_mode);
  if (c.media_mode) p[f::kCallMediaMode] = bit_names(tapi_names::kMediaMode, c.media_mode);
  if (!c.calling_party_id.empty()) p[f::kCallingPartyId] = c.calling_party_id;
  if (!c.display_text.empty()) p[f::kDisplayText] = c.display_text;
  if (!c.user_user_info.empty()) p[f::kUserUserInfo] = c.user_user_info;
  return p.empty() ? json(nullptr) : p;
}
}  // namespace

double EventEncoder::now() const { return wire::seconds(clock_.now().count()).get<double>(); }

json EventEncoder::new_call(const Call& c) const {
  json j{{"event", "new_call"},
         {"line", pbx_.line(c.line).number},
         {"call", to_string(c.id)},
         {"direction", to_string(c.direction)},
         {"from", c.from},
         {"to", c.to},
         {"reason", to_string(c.reason)},
         {"state", to_string(c.shown)}};
  if (!c.original_to.empty()) j["original_to"] = c.original_to;
  if (!c.redirection.empty()) j["redirection"] = c.redirection;
  if (!c.redirecting.empty()) j["redirecting"] = c.redirecting;
  if (!c.owner.empty()) j["owner"] = c.owner;
  if (c.completion) j["completion"] = c.completion;
  if (!c.queue.empty()) j["queue"] = c.queue;
  if (c.caller_blocked) j[wire::schema::field::kCallerBlocked] = true;
  if (json p = carried_params(c); !p.is_null()) j[wire::schema::field::kParams] = std::move(p);
  j["connected"] = or_null(connected_number(c));
  j["t"] = now();
  return j;
}

json EventEncoder::call_state(const Call* c, CallId id, LineId line, CallState state, DisconnectMode mode,
                              CallReason reason) const {
  json j{{"event", "call_state"},
         {"line", pbx_.line(line).number},
         {"call", to_string(id)},
         {"state", to_string(state)},
         {"mode", static_cast<std::uint32_t>(mode)}};
  if (mode != DisconnectMode::None) j["mode_name"] = to_string(mode);
  if (state == CallState::Busy) j["busy_mode"] = c && c->busy_trunk ? "TRUNK" : "STATION";
  j["reason"] = to_string(reason);
  j["features"] = pbx_.call_features(id);
  if (c && state == CallState::Conferenced && c->conference) j["conference"] = to_string(c->conference);
  j["t"] = now();
  return j;
}

json EventEncoder::call_state(const Call& c) const {
  return call_state(&c, c.id, c.line, c.shown, c.mode, c.reason);
}

json EventEncoder::line_state(LineId l, const char* state, const json& extra) const {
  json j{{"event", "line_state"}, {"line", pbx_.line(l).number}, {"state", state}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  j["t"] = now();
  return j;
}

namespace {
/// A queue as a group (LINEAGENTGROUPENTRY): its id (1-based, configuration order) and name.
json group_json(const AcdConfig& acd, const std::string& name, bool with_number) {
  for (std::size_t i = 0; i < acd.queues.size(); ++i) {
    if (acd.queues[i].name != name) continue;
    json g{{"id", i + 1}, {"name", name}};
    if (with_number) g["number"] = acd.queues[i].number;
    return g;
  }
  return json{{"id", 0}, {"name", name}};
}

json groups_json(const AcdConfig& acd, const std::vector<std::string>& names, bool with_number) {
  json out = json::array();
  for (const std::string& n : names) out.push_back(group_json(acd, n, with_number));
  return out;
}

/// The states lineSetAgentState takes (the catalogue's values), as LINEAGENTSTATE names.
json settable_states() {
  json out = json::array();
  for (std::string_view s : info(Op::SetAgentState).params[1].values) out.push_back(s);
  return out;
}

json state_or_null(const std::optional<AgentState>& s) { return s ? json(to_string(*s)) : json(nullptr); }
}  // namespace

json EventEncoder::agent_status(const AgentStatus& a) const {
  const AcdConfig& acd = pbx_.acd_config();
  const std::string activity = a.activity ? acd.activities.at(a.activity - 1) : std::string();
  return json{{"line", a.line},
              {"agent", a.id},
              {"state", to_string(a.state)},
              {"next_state", state_or_null(a.next_state)},
              {"groups", groups_json(acd, a.groups, false)},
              {"activity", json{{"id", a.activity}, {"name", activity}}},
              {"valid_states", settable_states()},
              {"valid_next_states", settable_states()}};
}

json EventEncoder::agent_status_event(const AgentStatus& a, std::uint32_t changed) const {
  json j{{"event", "agent_status"}, {"changed", bit_names(tapi_names::kAgentStatus, changed)}};
  const json status = agent_status(a);
  for (auto& [k, v] : status.items()) j[k] = v;
  j["t"] = now();
  return j;
}

json EventEncoder::agent_caps(const AgentStatus& a) const {
  const AcdConfig& acd = pbx_.acd_config();
  json features = json::array({"SETAGENTGROUP", "SETAGENTSTATE", "SETAGENTACTIVITY", "GETAGENTACTIVITYLIST",
                               "GETAGENTGROUP"});
  return json{{"line", a.line},
              {"agent", a.id},
              {"features", std::move(features)},
              {"states", bit_names(tapi_names::kAgentState, 0xFF)},
              {"next_states", settable_states()},
              {"groups", groups_json(acd, a.may_join, true)},
              {"max_groups", a.may_join.size()}};
}

json EventEncoder::queue_info(const QueueInfo& q) const {
  return json{{"queue_id", q.id},
              {"name", q.name},
              {"number", q.number},
              {"measurement_period", to_seconds(clock_.now())},
              {"total_calls_queued", q.total_queued},
              {"current_calls_queued", q.current_queued},
              {"total_calls_abandoned", q.abandoned},
              {"total_calls_flowed_in", q.flowed_in},
              {"total_calls_flowed_out", q.flowed_out},
              {"longest_ever_wait", to_seconds(q.longest_ever_wait)},
              {"current_longest_wait", to_seconds(q.current_longest_wait)},
              {"average_wait", to_seconds(q.average_wait)},
              {"final_disposition", 0}};
}

json EventEncoder::queue_status_event(const QueueInfo& q) const {
  return json{{"event", "queue_status"},
              {"queue", q.name},
              {"queue_id", q.id},
              {"changed", json::array({"UPDATEINFO"})},
              {"current_calls_queued", q.current_queued},
              {"t", now()}};
}

json EventEncoder::address_state(LineId l) const {
  const Line& line = pbx_.line(l);
  return json{{"event", "address_state"}, {"line", line.number}, {"state", "FORWARD"},
              {"forwarding", forwarding_json(line.forwarding)}, {"t", now()}};
}

json EventEncoder::call_privilege(const Call& c, const char* privilege) const {
  return json{{"event", "call_privilege"}, {"line", pbx_.line(c.line).number}, {"call", to_string(c.id)},
              {"privilege", privilege}, {"t", now()}};
}

json EventEncoder::shutdown(const std::string& reason) const {
  return json{{"event", "shutdown"}, {"reason", reason}, {"t", now()}};
}

namespace {
json digit_modes_json(std::uint32_t bits) { return bit_names(tapi_names::kDigitMode, bits); }
json dial_params_json(const DialParams& d) {
  auto ms = [](Duration v) { return std::chrono::duration_cast<std::chrono::milliseconds>(v).count(); };
  return json{{"dial_pause", ms(d.dial_pause)},
              {"dial_speed", ms(d.dial_speed)},
              {"digit_duration", ms(d.digit_duration)},
              {"wait_for_dialtone", ms(d.wait_for_dialtone)}};
}
/// The media values of LINECALLINFO into `j`: all of them (call_status), or those `changed` names.
void media_info(json& j, const CallInfoSnapshot& s, const json* changed) {
  namespace f = wire::schema::field;
  auto wants = [&](std::string_view name) {
    if (!changed) return true;
    for (const json& c : *changed)
      if (c.get<std::string>() == name) return true;
    return false;
  };
  if (wants("MEDIAMODE")) j[f::kCallMediaMode] = media_modes_json(s.media_mode);
  if (wants("USERUSERINFO")) j[f::kUserUserInfo] = s.user_user_info;
  if (wants("CALLDATA")) j[f::kCallData] = s.call_data;
  if (wants("TREATMENT"))
    j[f::kTreatment] = s.treatment == Treatment::None ? json(nullptr) : json(to_string(s.treatment));
  if (wants("QOS")) j[f::kQos] = json{{f::kSending, s.qos_sending}, {f::kReceiving, s.qos_receiving}};
  if (wants("BEARERMODE"))
    j[f::kBearerMode] = s.bearer_mode ? json(tapi_names::kBearerMode.name_of(s.bearer_mode)) : json("VOICE");
  if (wants("RATE")) j[f::kRate] = s.rate;
  if (wants("DIALPARAMS")) j[f::kDialParams] = s.dial_params ? dial_params_json(*s.dial_params) : json(nullptr);
  if (wants("MONITORMODES")) {
    j[f::kMonitorDigitModes] = digit_modes_json(s.monitor_digit_modes);
    j[f::kMonitorMediaModes] = media_modes_json(s.monitor_media_modes);
  }
}
}  // namespace

json media_modes_json(std::uint32_t bits) { return bit_names(tapi_names::kMediaMode, bits); }

json EventEncoder::media(const MediaEvent& e) const {
  namespace f = wire::schema::field;
  json j;
  switch (e.kind) {
    case MediaEvent::Kind::Generate:
      j = json{{"event", "generate"},
               {f::kTermination, to_string(static_cast<GenerateTerm>(e.value))},
               {f::kWhat, e.text}};
      break;
    case MediaEvent::Kind::MonitorDigit:
      j = json{{"event", "monitor_digits"},
               {f::kDigit, std::string(1, e.digit)},
               {f::kMode, tapi_names::kDigitMode.name_of(e.value)}};
      break;
    case MediaEvent::Kind::Gather:
      j = json{{"event", "gather_digits"},
               {f::kTermination, to_string(static_cast<GatherTerm>(e.value))},
               {f::kDigits, e.text}};
      break;
    case MediaEvent::Kind::MonitorTone: j = json{{"event", "monitor_tone"}, {f::kAppSpecific, e.value}}; break;
    case MediaEvent::Kind::MonitorMedia:
      j = json{{"event", "monitor_media"}, {f::kMediaMode, tapi_names::kMediaMode.name_of(e.value)}};
      break;
    case MediaEvent::Kind::MediaControl:
      j = json{{"event", "media_control"},
               {f::kAction, tapi_names::kMediaControl.name_of(e.value)},
               {f::kTrigger, e.text}};
      break;
    case MediaEvent::Kind::Heard:
    case MediaEvent::Kind::Detected: return json(nullptr);
  }
  j[f::kLine] = pbx_.line(e.line).number;
  j[f::kCall] = to_string(e.call);
  j[f::kTime] = now();
  return j;
}

json EventEncoder::reply(const json& id, const OpResult& r) const {
  if (!r.ok()) {
    // The refusal's actual reason (the other call, the limit, the state rule), not merely the
    // state of the call acted on.
    const std::string message =
        r.detail.empty() ? std::string(tapi_name(r.error)) : fmt::format("{}: {}", tapi_name(r.error), r.detail);
    return json{{"id", id}, {"ok", false}, {"error", tapi_name(r.error)}, {"message", message}};
  }
  json j{{"id", id}, {"ok", true}};
  if (r.call) j["call"] = to_string(r.call);
  if (r.consult) j["consult"] = to_string(r.consult);
  if (!r.address.empty())
    j[r.op == Op::Handoff ? "to" : r.op == Op::TranslateAddress ? "dialable" : "address"] = r.address;
  if (r.completion) j["completion"] = r.completion;
  j["t"] = now();
  return j;
}

json EventEncoder::call_status(CallId id) const {
  const Call& c = *pbx_.find_call(id);
  json j{{"call", to_string(id)},
         {"line", pbx_.line(c.line).number},
         {"state", to_string(c.shown)},
         {"mode", static_cast<std::uint32_t>(c.mode)},
         {"reason", to_string(c.reason)},
         {"features", pbx_.call_features(id)},
         {"feature_names", features_to_string(pbx_.call_features(id))},
         {"direction", to_string(c.direction)},
         {"from", c.from},
         {"to", c.to},
         {"connected", or_null(connected_number(c))},
         {"secure", c.secure},
         {wire::schema::field::kCallerBlocked, c.caller_blocked},
         {"created", wire::seconds(c.created.count())}};
  if (json p = carried_params(c); !p.is_null()) j[wire::schema::field::kParams] = std::move(p);
  if (c.mode != DisconnectMode::None) j["mode_name"] = to_string(c.mode);
  if (c.state == CallState::Busy) j["busy_mode"] = c.busy_trunk ? "TRUNK" : "STATION";
  if (!c.original_to.empty()) j["original_to"] = c.original_to;
  if (!c.redirection.empty()) j["redirection"] = c.redirection;
  if (!c.redirecting.empty()) j["redirecting"] = c.redirecting;
  if (!c.park_orbit.empty()) j["park_orbit"] = c.park_orbit;
  if (c.completion) j["completion"] = c.completion;
  j["owner"] = or_null(c.owner);
  json related = json::array();
  for (CallId r : pbx_.conference_related(id)) related.push_back(to_string(r));
  j["related"] = related;
  if (c.conference) j["conference"] = to_string(c.conference);
  if (c.consult) j["consult"] = to_string(c.consult);
  if (c.consult_of) j["consult_of"] = to_string(c.consult_of);
  media_info(j, snapshot(c), nullptr);
  return j;
}

json EventEncoder::line_status(LineId l, const json& controller, std::size_t monitors) const {
  const Line& line = pbx_.line(l);
  json calls = json::array();
  int active_calls = 0, onhold = 0, onhold_pending = 0;
  for (CallId id : line.calls) {
    const Call* c = pbx_.find_call(id);
    if (!c) continue;
    calls.push_back(json{{"call", to_string(id)}, {"state", to_string(c->shown)}});
    if (c->shown == CallState::OnHold) ++onhold;
    else if (c->shown == CallState::OnHoldPendConf || c->shown == CallState::OnHoldPendTransfer) ++onhold_pending;
    else if (c->shown != CallState::Idle) ++active_calls;
  }
  json j{{"line", line.number},
         {"name", line.name},
         {"behavior", describe(line.behavior)},
         {"calls", calls},
         {"num_active_calls", active_calls},
         {"num_onhold_calls", onhold},
         {"num_onhold_pend_calls", onhold_pending},
         {"forwarding", forwarding_json(line.forwarding)},
         {"messages_waiting", line.messages_waiting},
         {"call_waiting", line.call_waiting}};
  j["controller"] = controller;
  j["monitors"] = monitors;
  return j;
}

json EventEncoder::capabilities(const PbxConfig& cfg) {
  // Every setting of the switch profile, typed as JSON (a duration not set is null), what the
  // switch has (park orbits, pickup groups), and the operations it offers.
  json j = json::object();
  for (const ProfileSetting& setting : profile_settings()) {
    const std::string value = setting.get(cfg.profile);
    switch (setting.kind) {
      case ProfileSetting::Kind::Boolean: j[std::string(setting.name)] = value == "true"; break;
      case ProfileSetting::Kind::Integer: j[std::string(setting.name)] = std::stoll(value); break;
      case ProfileSetting::Kind::Time:
        j[std::string(setting.name)] = value.empty() ? json(nullptr) : json(value);
        break;
      case ProfileSetting::Kind::Choice:
      case ProfileSetting::Kind::Distribution: j[std::string(setting.name)] = value; break;
      case ProfileSetting::Kind::States: {
        json names = json::array();
        for (std::string_view name : setting.choices)
          if (("," + value + ",").find("," + std::string(name) + ",") != std::string::npos) names.push_back(name);
        j[std::string(setting.name)] = std::move(names);
        break;
      }
    }
  }
  j["personality"] = cfg.profile.personality;  // the preset it started from ("" for none)
  json errors = json::object();
  for (std::size_t r = 0; r < kRefusalCount; ++r)
    errors[std::string(to_string(static_cast<Refusal>(r)))] = tapi_name(cfg.profile.errors[r]);
  j["errors"] = std::move(errors);  // the LINEERR of each kind of refusal
  // Digits, tones and media: what the provider's LINEDEVCAPS and LINEADDRESSCAPS say of them.
  {
    namespace f = wire::schema::field;
    auto ms = [](Duration v) { return std::chrono::duration_cast<std::chrono::milliseconds>(v).count(); };
    j[f::kMedia] = json{{"monitor_digit_modes", digit_modes_json(MediaCaps::kMonitorDigitModes)},
                        {"generate_digit_modes", digit_modes_json(MediaCaps::kGenerateDigitModes)},
                        {"generate_tone_modes", all_names(tapi_names::kToneMode)},
                        {"max_tone_frequencies", MediaCaps::kMaxToneFrequencies},
                        {"max_monitored_tones", MediaCaps::kMaxMonitoredTones},
                        {"gather_min_timeout", ms(MediaCaps::kGatherMinTimeout)},
                        {"gather_max_timeout", ms(MediaCaps::kGatherMaxTimeout)},
                        {"media_modes", media_modes_json(MediaCaps::kMediaModes)},
                        {"max_call_data", MediaCaps::kMaxCallData},
                        {"max_uui", MediaCaps::kMaxUserUserInfo},
                        {"treatments", all_names(tapi_names::kCallTreatment)}};
  }
  j["park"] = !cfg.park_lots.empty();
  j["pickup"] = !cfg.pickup_groups.empty();
  j["acd"] = cfg.acd.empty() ? json(nullptr) : json{{"queues", cfg.acd.queues.size()}, {"agents", cfg.acd.agents.size()}};
  json ops = json::array();
  for (const OpInfo& op : operations())
    if (cfg.profile.supports(op.op)) ops.push_back(op.name);
  j["operations"] = std::move(ops);
  return j;
}

std::string EventEncoder::connected_number(const Call& c) const {
  const Call* p = pbx_.find_call(c.peer);
  if (!p) return {};
  const Line& line = pbx_.line(p->line);
  if (line.trunk) return p->direction == Direction::Incoming ? p->to : p->from;
  return line.number;
}

CallInfoSnapshot EventEncoder::snapshot(const Call& c) const {
  CallInfoSnapshot s;
  s.from = c.from;
  s.to = c.to;
  s.original_to = c.original_to;
  s.redirection = c.redirection;
  s.redirecting = c.redirecting;
  s.reason = c.reason;
  s.completion = c.completion;
  s.conference = c.conference ? c.conference.serial : 0;
  s.connected = connected_number(c);
  s.media_mode = c.media_mode;
  s.user_user_info = c.user_user_info;
  s.call_data = c.call_data;
  s.treatment = c.treatment;
  s.qos_sending = c.qos_sending;
  s.qos_receiving = c.qos_receiving;
  s.bearer_mode = c.bearer_mode;
  s.rate = c.rate;
  s.dial_params = c.dial_params;
  s.monitor_digit_modes = c.monitor_digit_modes;
  s.monitor_media_modes = c.monitor_media_modes;
  return s;
}

std::string EventEncoder::call_info_changes(const Call& call, CallInfoSnapshot& last) const {
  CallInfoSnapshot now_info = snapshot(call);
  json changed = json::array();
  if (last.from != now_info.from) changed.push_back("CALLERID");
  if (last.to != now_info.to) changed.push_back("CALLEDID");
  if (last.original_to != now_info.original_to || last.redirection != now_info.redirection)
    changed.push_back("REDIRECTIONID");
  if (last.redirecting != now_info.redirecting) changed.push_back("REDIRECTINGID");
  if (last.reason != now_info.reason) changed.push_back("REASON");
  if (last.completion != now_info.completion) changed.push_back("COMPLETIONID");
  if (last.conference != now_info.conference) changed.push_back("RELATEDCALLID");
  if (last.connected != now_info.connected) changed.push_back("CONNECTEDID");
  if (last.media_mode != now_info.media_mode) changed.push_back("MEDIAMODE");
  if (last.user_user_info != now_info.user_user_info) changed.push_back("USERUSERINFO");
  if (last.call_data != now_info.call_data) changed.push_back("CALLDATA");
  if (last.treatment != now_info.treatment) changed.push_back("TREATMENT");
  if (last.qos_sending != now_info.qos_sending || last.qos_receiving != now_info.qos_receiving)
    changed.push_back("QOS");
  if (last.bearer_mode != now_info.bearer_mode) changed.push_back("BEARERMODE");
  if (last.rate != now_info.rate) changed.push_back("RATE");
  if (last.dial_params != now_info.dial_params) changed.push_back("DIALPARAMS");
  if (last.monitor_digit_modes != now_info.monitor_digit_modes ||
      last.monitor_media_modes != now_info.monitor_media_modes)
    changed.push_back("MONITORMODES");
  if (changed.empty()) return {};
  json j{{"event", "call_info"}, {"line", pbx_.line(call.line).number}, {"call", to_string(call.id)},
         {"changed", changed}, {"from", now_info.from}, {"to", now_info.to}, {"reason", to_string(now_info.reason)}};
  if (!now_info.original_to.empty()) j["original_to"] = now_info.original_to;
  if (!now_info.redirection.empty()) j["redirection"] = now_info.redirection;
  if (!now_info.redirecting.empty()) j["redirecting"] = now_info.redirecting;
  if (now_info.completion) j["completion"] = now_info.completion;
  if (now_info.conference) j["conference"] = fmt::format("c{}", now_info.conference);
  j["connected"] = or_null(now_info.connected);
  media_info(j, now_info, &changed);
  j["t"] = now();
  last = std::move(now_info);
  return wire::frame(j);
}

void EventEncoder::track(const Call& call) { info_.try_emplace(call.id.serial, snapshot(call)); }

std::string EventEncoder::call_info_update(const Call& call) {
  auto [it, inserted] = info_.try_emplace(call.id.serial, snapshot(call));
  return inserted ? std::string() : call_info_changes(call, it->second);
}

std::string EventEncoder::call_info_change(const Call& call) {
  const auto it = info_.find(call.id.serial);
  return it == info_.end() ? std::string() : call_info_changes(call, it->second);
}

void EventEncoder::watch_line(LineId l) {
  if (!lines_.count(l)) lines_[l] = LineSnapshot{pbx_.line(l).forwarding, pbx_.line(l).messages_waiting};
}

void EventEncoder::note(const OpResult& r) {
  if (r.op == Op::Forward || r.op == Op::CompleteCall || r.op == Op::UncompleteCall) lines_dirty_ = true;
}

std::vector<LineChange> EventEncoder::line_changes() {
  std::vector<LineChange> out;
  if (!lines_dirty_) return out;
  lines_dirty_ = false;
  for (auto& [l, snap] : lines_) {
    const Line& line = pbx_.line(l);
    if (line.forwarding != snap.forwarding) {
      snap.forwarding = line.forwarding;
      out.push_back(LineChange{l, wire::frame(address_state(l))});
    }
    if (line.messages_waiting != snap.messages_waiting) {
      snap.messages_waiting = line.messages_waiting;
      out.push_back(LineChange{l, wire::frame(line_state(l, line.messages_waiting > 0 ? "MSGWAITON" : "MSGWAITOFF",
                                                         json{{"messages_waiting", line.messages_waiting}}))});
    }
  }
  return out;
}

std::optional<std::string> EventEncoder::modem_state(const Modem& m, LineId line) {
  json j{{"event", "modem_state"},
         {"line", pbx_.line(line).number},
         {"modem", m.name()},
         {"state", to_string(m.state())},
         {"dcd", m.dcd()},
         {"dtr", m.dtr()},
         {"speed", m.carrier_speed()}};
  json& last = modems_[&m];
  if (last == j) return std::nullopt;  // e.g. AT&C0 while DCD was on anyway
  last = j;
  j["t"] = now();
  return wire::frame(j);
}

}  // namespace telsim::serve
