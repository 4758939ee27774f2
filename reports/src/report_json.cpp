#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "telsim/models/duration.hpp"

#include "internal.hpp"

namespace telsim {

namespace {

using JsonValue = nlohmann::ordered_json;

/// Ratios (and means that are not durations) to 6 decimals, so the text is the same on every
/// platform.
double round6(double x) { return std::round(x * 1e6) / 1e6; }

/// [lo, hi] rounded, or null.
JsonValue interval(const std::optional<std::pair<double, double>>& ci) {
  return ci ? JsonValue::array({round6(ci->first), round6(ci->second)}) : JsonValue(nullptr);
}

/// `name`, `name_ci95` and `name_ci95_reason` of one figure.
void put_figure(JsonValue& into, const std::string& name, const QueueSummary::Figure& f) {
  into[name] = round6(f.value);
  into[name + "_ci95"] = interval(f.ci95);
  into[name + "_ci95_reason"] = f.ci95 ? JsonValue(nullptr) : JsonValue(f.reason);
}

JsonValue queues_json(const std::vector<QueueSummary>& queues) {
  using report_detail::seconds_us;
  JsonValue out = JsonValue::object();
  for (const QueueSummary& q : queues) {
    JsonValue o = JsonValue{{"number", q.number},       {"offered", q.offered}, {"answered", q.answered},
                            {"abandoned", q.abandoned}, {"overflowed", q.overflowed}, {"refused", q.refused},
                            {"waited", q.waited}};
    put_figure(o, "wait_probability", q.wait_probability);
    put_figure(o, "abandon_probability", q.abandon_probability);
    put_figure(o, "mean_wait_s", q.mean_wait_s);
    const bool waits = q.waits.count() > 0;
    const auto pct = [&](double p) {
      return waits ? JsonValue(seconds_us(q.waits.percentile(p))) : JsonValue(nullptr);
    };
    o["wait_p50_s"] = pct(50);
    o["wait_p90_s"] = pct(90);
    o["wait_p95_s"] = pct(95);
    o["wait_max_s"] = waits ? JsonValue(seconds_us(q.waits.max())) : JsonValue(nullptr);
    o["longest_wait_s"] = seconds_us(q.longest_wait);
    o["mean_talk_s"] = round6(q.mean_talk_s);
    JsonValue levels = JsonValue::object(), intervals = JsonValue::object();
    for (const auto& [threshold, figure] : q.service_level) {
      const std::string key = format_duration(threshold);
      levels[key] = round6(figure.value);
      intervals[key] = interval(figure.ci95);
    }
    o["service_level"] = std::move(levels);
    o["service_level_ci95"] = std::move(intervals);
    o["mean_length"] = round6(q.mean_length);
    o["peak_length"] = q.peak_length;
    out[q.name] = std::move(o);
  }
  return out;
}

JsonValue agents_json(const std::vector<AgentSummary>& agents) {
  JsonValue out = JsonValue::object();
  for (const AgentSummary& a : agents) {
    JsonValue time = JsonValue::object();
    // In AgentState (LINEAGENTSTATE) order whatever order the summary has them in.
    std::vector<std::pair<AgentState, Duration>> in = a.time_in;
    std::stable_sort(in.begin(), in.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& [state, d] : in)
      if (d > Duration::zero()) time[std::string(to_string(state))] = report_detail::seconds_us(d);
    out[a.id] = JsonValue{
        {"line", a.line}, {"calls", a.calls}, {"occupancy", round6(a.occupancy)}, {"time_s", std::move(time)}};
  }
  return out;
}

}  // namespace

// ordered_json keeps keys in the order written here, which reads better than sorted keys and
// is just as deterministic. Times go through integer rounding first (seconds to the
// microsecond, milliseconds to 3 decimals), so the printed doubles are short and stable.
// The scenario's file path is left out on purpose: the same scenario run from another working
// directory must still give the same bytes.
std::string report_json(const RunResult& run) {
  return report_detail::report_json(run, report_detail::digest(run));
}

std::string report_detail::report_json(const RunResult& run, const Digest& digest) {
  // Scenario text is the user's: replace bytes that are not UTF-8 instead of throwing.
  return report_json_value(run, digest).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

nlohmann::ordered_json report_detail::report_json_value(const RunResult& run, const Digest& digest) {
  using report_detail::millis_us;
  using report_detail::seconds_us;
  using Json = nlohmann::ordered_json;

  Json j;
  j["scenario"] = run.scenario;
  j["seed"] = run.seed;
  j["personality"] = run.personality;
  j["sim_time_s"] = seconds_us(run.sim_time);

  Json results = Json::array();
  for (const ExpectationResult& e : run.expectations) {
    results.push_back(Json{{"step", e.step},
                           {"yaml_line", e.yaml_line},
                           {"ok", e.ok},
                           {"at_s", seconds_us(e.at)},
                           {"what", e.what},
                           {"message", e.message}});
  }
  j["expectations"] =
      Json{{"passed", run.passed()}, {"failed", run.failed()}, {"results", std::move(results)}};
  Json faults = Json::array();
  for (const FaultRecord& f : run.faults)
    faults.push_back(Json{{"at_s", seconds_us(f.at)}, {"fault", f.fault}, {"what", f.what}, {"to", f.to}});
  j["faults"] = std::move(faults);

  const CallCounts& c = digest.counts;
  j["calls"] = Json{{"total", c.total},
                    {"answered", c.answered},
                    {"busy", c.busy},
                    {"blocked", c.blocked},
                    {"no_answer", c.no_answer},
                    {"abandoned", c.abandoned},
                    {"failed", c.failed},
                    {"transferred", c.transferred},
                    {"cleared", c.cleared},
                    {"cleared_at_end", c.cleared_at_end}};
  j["incoming"] = Json{{"total", c.incoming_total},
                       {"answered", c.incoming_answered},
                       {"missed", c.incoming_missed},
                       {"picked_up", c.incoming_picked_up},
                       {"forwarded", c.incoming_forwarded},
                       {"redirected", c.incoming_redirected},
                       {"transferred", c.incoming_transferred},
                       {"cleared", c.incoming_cleared}};
  Json trunks = Json::object();
  for (const RunResult::Trunk& t : run.trunks) {
    const TrunkStats::Summary& ts = t.stats;
    // Rounded to 6 decimals so the text is the same on every platform.
    auto r6 = [](double x) { return std::round(x * 1e6) / 1e6; };
    trunks[t.name] = Json{{"channels", t.channels},
                          {"offered", ts.offered},
                          {"carried", ts.carried},
                          {"blocked", ts.blocked},
                          {"blocking", r6(ts.blocking)},
                          {"blocking_ci95", ts.blocking_ci ? Json::array({r6(ts.blocking_ci->first),
                                                                           r6(ts.blocking_ci->second)})
                                                           : Json(nullptr)},
                          {"blocking_ci95_reason", ts.blocking_ci ? Json(nullptr) : Json(ts.ci_reason)},
                          {"carried_erlangs", r6(ts.carried_erlangs)},
                          {"peak_occupancy", ts.peak_occupancy}};
  }
  j["trunks"] = std::move(trunks);
  if (!run.traffic.empty()) {
    Json traffic = Json::object();
    for (const RunResult::Traffic& t : run.traffic)
      traffic[t.name] = Json{{"arrivals", t.arrivals}, {"no_idle_source", t.no_idle_source}};
    j["traffic"] = std::move(traffic);
  }

  Json timings = Json::object();
  for (const TimingSummary& t : digest.timings) {
    timings[t.name] = Json{{"count", t.count},
                           {"p50_ms", millis_us(t.p50)},
                           {"p95_ms", millis_us(t.p95)},
                           {"p99_ms", millis_us(t.p99)},
                           {"max_ms", millis_us(t.max)}};
  }
  j["timings"] = std::move(timings);

  const PbxStats& p = run.pbx;
  j["features"] = Json{
      {"park", Json{{"parks", p.parks},
                    {"unparks", p.unparks},
                    {"timeouts", p.park_timeouts},
                    {"recalls_answered", p.park_recalls_answered},
                    {"max_occupancy", p.park_max_occupancy}}},
      {"pickup", Json{{"pickups", p.pickups}, {"failed", p.pickups_failed}}},
      {"forwarding", Json{{"forwards", p.forwards},
                          {"max_hops", p.forward_max_hops},
                          {"loops_stopped", p.forward_loops_stopped},
                          {"dnd_refusals", p.dnd_refusals}}},
      {"call_control", Json{{"transfers", p.transfers},
                            {"conferences", p.conferences},
                            {"conference_max_size", p.conference_max_size},
                            {"redirects", p.redirects},
                            {"hold_recalls", p.hold_recalls}}},
      {"completion", Json{{"requested", p.completions_requested},
                          {"done", p.completions_done},
                          {"cancelled", p.completions_cancelled},
                          {"intrusions", p.intrusions},
                          {"messages_left", p.messages_left}}},
      {"media", Json{{"digits_generated", p.digits_generated},
                     {"digits_heard", p.digits_heard},
                     {"tones_generated", p.tones_generated},
                     {"tones_detected", p.tones_detected},
                     {"gathers", p.gathers},
                     {"gather_timeouts", p.gather_timeouts},
                     {"media_detected", p.media_detected},
                     {"uui_sent", p.uui_sent},
                     {"call_data_set", p.call_data_set}}}};
  if (!run.modems.empty()) {  // only scenarios with modems have the section
    Json modems = Json::object();
    for (const RunResult::ModemSummary& m : run.modems) {
      const Modem::Stats& st = m.stats;
      modems[m.name] = Json{{"number", m.number},
                            {"speed", m.speed},
                            {"calls_placed", st.calls_placed},
                            {"calls_answered", st.calls_answered},
                            {"connects", st.connects},
                            {"last_speed", st.last_speed},
                            {"no_carrier", st.no_carrier},
                            {"escapes", st.escapes},
                            {"bytes_sent", st.bytes_sent},
                            {"bytes_received", st.bytes_received},
                            {"command_lines", st.command_lines},
                            {"errors", st.errors}};
    }
    j["modems"] = std::move(modems);
  }
  if (!run.queues.empty()) j["queues"] = queues_json(run.queues);  // only scenarios with an ACD
  if (!run.agents.empty()) j["agents"] = agents_json(run.agents);
  j["run"] = Json{{"cleared_at_end", run.cleared_at_end},
                  {"records", digest.records},
                  {"transitions", run.transitions},
                  {"timer_events", run.kernel_events}};
  return j;
}

}  // namespace telsim
