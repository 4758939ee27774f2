#include <algorithm>

#include <fmt/format.h>

#include "html_support.hpp"
#include "telsim/models/duration.hpp"

namespace telsim {
namespace {

using report_detail::count_of;
using report_detail::format_millis_3;

// The page keeps to the window's width at 1400 px and up: tables wrap long cells (calls'
// states break after each '>') instead of growing past it, and the wide ladder scrolls inside
// its own box, its headings and time column staying in view (sticky, no script).
constexpr const char* kStyle = R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:110em;padding:0 1.5em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
p{max-width:75em}
table{border-collapse:collapse;margin:.6em 0;max-width:100%}th,td{border:1px solid #d0d0d0;padding:.25em .6em;text-align:left;font-size:.9em;vertical-align:top;overflow-wrap:anywhere}
th{background:#f2f2f2;white-space:nowrap;overflow-wrap:normal}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;overflow-wrap:normal}
tr.fail td{background:#fde2e2}tr.cleared td{color:#777}tr.fail td.result{color:#a00;font-weight:bold}
.badge{display:inline-block;padding:.1em .5em;border-radius:.3em;color:#fff;font-size:.8em;vertical-align:middle}
.pass{background:#1b7a36}.failed{background:#b3261e}
code{font-size:.9em}.note{color:#666;font-size:.9em}
h3{font-size:1em;margin:1em 0 .2em}
.failures{border-left:4px solid #b3261e;background:#fdf0ef;padding:.2em 1em;margin:1em 0}
.failures h2{border:none;margin-top:.4em}.failures .why{color:#a00}
.legend{font-size:.85em}.key{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 .8em;vertical-align:middle}
svg.chart{display:block;margin:.6em 0;max-width:none}.charts{display:flex;flex-wrap:wrap;gap:0 1.5em}
.ladder{overflow:auto;max-height:80vh;width:fit-content;max-width:100%;border:1px solid #ddd;margin:.6em 0}
.ladder-grid{display:grid;grid-template-columns:max-content max-content;width:max-content}
.ladder svg,.ladder svg.chart{display:block;margin:0;background:#fff}
.ladder .corner{position:sticky;top:0;left:0;z-index:2;box-shadow:1px 1px 0 #ddd}
.ladder .head{position:sticky;top:0;z-index:1;box-shadow:0 1px 0 #ddd}
.ladder .times{position:sticky;left:0;z-index:1;box-shadow:1px 0 0 #ddd}
)";

std::string row(std::string_view label, std::string_view value) {
  return fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", label, value);
}

/// Escaped text that may wrap after each '>' (a history of states, "A>B>C"), so a table cell
/// holding it need not grow past the page.
std::string breakable(std::string_view text) {
  const std::string escaped = xml_escape(text);
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t at = 0;;) {
    const std::size_t gt = escaped.find("&gt;", at);
    if (gt == std::string::npos) return out + escaped.substr(at);
    out += escaped.substr(at, gt + 4 - at) + "<wbr>";
    at = gt + 4;
  }
}

std::string summary(const RunResult& run, const CallCounts& c, std::uint64_t records) {
  std::string out = "<table class=\"summary\">\n";
  out += row("file", "<code>" + xml_escape(run.file) + "</code>");
  out += row("seed", fmt::format("{}", run.seed));
  if (!run.personality.empty()) out += row("personality", xml_escape(run.personality));
  out += row("simulated time", format_seconds_3(run.sim_time) + " s");
  out += row("expectations", fmt::format("{} passed, {} failed", run.passed(), run.failed()));
  out += row("calls placed", fmt::format("{} ({}; {} cleared at end)", c.total,
                                         report_detail::placed_outcomes(c), c.cleared_at_end));
  out += row("calls received", fmt::format("{} ({})", c.incoming_total, report_detail::received_outcomes(c)));
  out += row("call records", fmt::format("{}", records));
  out += "</table>\n";
  return out;
}

std::string expectations(const RunResult& run) {
  if (run.expectations.empty()) return "<p class=\"note\">No expectations.</p>\n";
  std::string out =
      "<table class=\"expectations\">\n<tr><th>step</th><th>line</th><th>at (s)</th>"
      "<th>expectation</th><th>result</th></tr>\n";
  for (const ExpectationResult& e : run.expectations) {
    out += fmt::format(
        "<tr class=\"{}\"><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td class=\"result\">{}</td></tr>\n",
        e.ok ? "ok" : "fail", e.step, e.yaml_line, format_seconds_3(e.at), breakable(e.what),
        e.ok ? std::string("ok")
             : "FAIL: " + breakable(report_detail::location(run, e) + ": " + e.message));
  }
  out += "</table>\n";
  return out;
}

// Injected faults, each action with when and whom it hit, so a failure above can be traced to
// its cause.
std::string faults(const RunResult& run) {
  std::string out =
      "<table class=\"faults\">\n<tr><th>at (s)</th><th>fault</th><th>what</th><th>to</th></tr>\n";
  for (const FaultRecord& f : run.faults)
    out += fmt::format("<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>\n",
                       format_seconds_3(f.at), f.fault, xml_escape(f.what), xml_escape(f.to));
  out += "</table>\n";
  return out;
}

std::string timing_table(const std::vector<TimingSummary>& timings) {
  std::string out =
      "<table class=\"timings\">\n<tr><th>timing</th><th>count</th><th>p50 (ms)</th>"
      "<th>p95 (ms)</th><th>p99 (ms)</th><th>max (ms)</th></tr>\n";
  for (const TimingSummary& t : timings) {
    out += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        xml_escape(t.name), t.count, format_millis_3(t.p50), format_millis_3(t.p95),
        format_millis_3(t.p99), format_millis_3(t.max));
  }
  out += "</table>\n";
  return out;
}

std::string features(const PbxStats& p) {
  std::string out = "<table class=\"features\">\n";
  out += row("park", fmt::format("{} parked, {} retrieved, {} timed out ({} answered), "
                                 "at most {} parked at once",
                                 p.parks, p.unparks, p.park_timeouts,
                                 count_of(p.park_recalls_answered, "recall", "recalls"),
                                 p.park_max_occupancy));
  out += row("pickup", fmt::format("{} picked up, {} failed", p.pickups, p.pickups_failed));
  out += row("forwarding",
             fmt::format("{} (at most {}), {} stopped, {} refused by DND",
                         count_of(p.forwards, "forward", "forwards"),
                         count_of(p.forward_max_hops, "hop", "hops"),
                         count_of(p.forward_loops_stopped, "loop", "loops"), p.dnd_refusals));
  out += row("call control",
             fmt::format("{}, {} (at most {}), {}, {}",
                         count_of(p.transfers, "transfer", "transfers"),
                         count_of(p.conferences, "conference", "conferences"),
                         count_of(p.conference_max_size, "party", "parties"),
                         count_of(p.redirects, "redirect", "redirects"),
                         count_of(p.hold_recalls, "hold recall", "hold recalls")));
  out += row("call completion",
             fmt::format("{} requested, {} completed, {} cancelled, {}, {}",
                         p.completions_requested, p.completions_done, p.completions_cancelled,
                         count_of(p.intrusions, "intrusion", "intrusions"),
                         count_of(p.messages_left, "message", "messages")));
  out += row("digits and media",
             fmt::format("{} sent, {} heard; {} generated, {} detected; {} ({} timed out); {}; {}, {}",
                         count_of(p.digits_generated, "digit", "digits"), p.digits_heard,
                         count_of(p.tones_generated, "tone", "tones"), p.tones_detected,
                         count_of(p.gathers, "gather", "gathers"), p.gather_timeouts,
                         count_of(p.media_detected, "media mode detected", "media modes detected"),
                         count_of(p.uui_sent, "UUI sent", "UUIs sent"),
                         count_of(p.call_data_set, "call data set", "call data set")));
  out += "</table>\n";
  return out;
}

std::string modems(const RunResult& run) {
  std::string out = "<table class=\"features\">\n";
  for (const RunResult::ModemSummary& m : run.modems) {
    const Modem::Stats& st = m.stats;
    std::string last = st.connects ? fmt::format(", last at {} bit/s", st.last_speed) : std::string();
    out += row(fmt::format("{} ({}, {} bit/s)", xml_escape(m.name), m.number, m.speed),
               fmt::format("{}, {} answered, {}{}, {} NO CARRIER, {}; {} sent, {} received; {} ({} ERROR)",
                           count_of(st.calls_placed, "call placed", "calls placed"), st.calls_answered,
                           count_of(st.connects, "connect", "connects"), last, st.no_carrier,
                           count_of(st.escapes, "escape", "escapes"),
                           count_of(st.bytes_sent, "byte", "bytes"), st.bytes_received,
                           count_of(st.command_lines, "command line", "command lines"), st.errors));
  }
  out += "</table>\n";
  return out;
}

std::string failures(const RunResult& run) {
  if (run.failed() == 0) return {};
  std::string out = "<div class=\"failures\">\n<h2>Failing expectations</h2>\n<ul>\n";
  for (const ExpectationResult& e : run.expectations) {
    if (e.ok) continue;
    out += fmt::format("<li><code>{}</code> step {} at {} s: {}<br><span class=\"why\">{}</span></li>\n",
                       xml_escape(report_detail::location(run, e)), e.step,
                       format_seconds_3(e.at), xml_escape(e.what), xml_escape(e.message));
  }
  out += "</ul>\n</div>\n";
  return out;
}

std::string legend() {
  constexpr std::pair<const char*, const char*> kKeys[] = {
      {"#4a90d9", "dial tone, dialling, proceeding"}, {"#e8a33d", "ringback, offering"},
      {"#2e9d4f", "connected, conferenced"},          {"#8e6cc0", "on hold"},
      {"#c0392b", "busy, special info"},              {"#aaaaaa", "disconnected"}};
  std::string out = "<p class=\"legend\">";
  for (const auto& [colour, what] : kKeys)
    out += fmt::format("<span class=\"key\" style=\"background:{}\"></span>{} ", colour, what);
  return out + "</p>\n";
}

/// The first kMaxCallRows calls (rows beyond go to cdr.csv only, so a long traffic run still
/// gives a page a browser opens).
std::string calls(const std::vector<CallRecord>& first, std::uint64_t total) {
  if (total == 0) return "<p class=\"note\">No calls.</p>\n";
  std::string out =
      "<table class=\"calls\">\n<tr><th>call</th><th>line</th><th>dir</th><th>from</th>"
      "<th>to</th><th>reason</th><th>start (s)</th><th>answer (s)</th><th>end (s)</th>"
      "<th>outcome</th><th>disconnect</th><th>states</th></tr>\n";
  const std::size_t shown = std::min(first.size(), report_detail::kMaxCallRows);
  for (std::size_t i = 0; i < shown; ++i) {
    const CallRecord& r = first[i];
    out += fmt::format(
        "<tr{}><td>c{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td>{}{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
        r.cleared_at_end ? " class=\"cleared\"" : "", r.serial, xml_escape(r.line),
        to_string(r.direction), xml_escape(r.from), xml_escape(r.to), to_string(r.reason),
        format_seconds_3(r.start), r.answer ? format_seconds_3(*r.answer) : std::string(),
        format_seconds_3(r.end), to_string(r.outcome), r.cleared_at_end ? " (cleared at end)" : "",
        to_string(r.mode), breakable(report_detail::states_text(r)));
  }
  out += "</table>\n";
  if (shown < total) {
    out += fmt::format("<p class=\"note\">First {} of {} calls; cdr.csv has them all.</p>\n",
                       shown, total);
  }
  return out;
}

/// A trunk group: its figures over the measured window (what report.json gives), then its
/// occupancy chart over the whole run with that chart's own figures, each labelled as such.
std::string trunk(const RunResult& run, std::size_t index, const report_detail::Digest& digest) {
  const RunResult::Trunk& tr = run.trunks[index];
  const TrunkStats::Summary& st = tr.stats;
  const report_detail::OccupancyChart chart = report_detail::occupancy_chart(run, tr, index, digest);
  const std::string erlangs = fmt::format("{:.3f}", st.carried_erlangs);
  const std::string interval =
      st.blocking_ci ? fmt::format("95% interval {:.4f} to {:.4f}", st.blocking_ci->first, st.blocking_ci->second)
                     : "no 95% interval" + (st.ci_reason.empty() ? std::string() : ": " + st.ci_reason);
  // Without traffic generators the statistics cover the whole run; with them, only the window
  // from the longest warm-up until the generators stop.
  const std::string window = run.traffic.empty()
                                 ? "Over the whole run"
                                 : "In the measured window (from the end of the traffic's warm-up "
                                   "until its generators stop; report.json's figures)";
  std::string out = fmt::format("<h3>{}</h3>\n", xml_escape(tr.name));
  out += fmt::format(
      "<p class=\"note\">{}. {}: {} offered, {} carried, {} blocked (blocking {:.4f}, {}), "
      "{} {} carried, at most {} busy at once.<br>The chart: the whole run, 0 to {}{}; "
      "{} on its channels, at most {} busy at once.</p>\n",
      count_of(tr.channels, "channel", "channels"), window, st.offered, st.carried, st.blocked,
      st.blocking, xml_escape(interval), erlangs, erlangs == "1.000" ? "Erlang" : "Erlangs",
      st.peak_occupancy, chart.span,
      run.traffic.empty() ? "" : ", warm-up and the calls after the traffic stops included",
      count_of(chart.seizures, "call", "calls"), chart.peak);
  return out + chart.svg;
}

/// A figure's 95% interval on a line of its own ("" without one).
std::string interval_line(const QueueSummary::Figure& f, int decimals) {
  if (!f.ci95) return {};
  return fmt::format("<br><span class=\"note\">95% {:.{}f}&#8211;{:.{}f}</span>", f.ci95->first, decimals,
                     f.ci95->second, decimals);
}

/// "0.4500" with `decimals`, and its interval below.
std::string with_interval(const QueueSummary::Figure& f, int decimals) {
  return fmt::format("{:.{}f}", f.value, decimals) + interval_line(f, decimals);
}

/// The ACD queues' main figures (report.json's), one row per queue in two tables (the calls,
/// then the figures with their intervals below them, so that each keeps to a 1400 px window),
/// then their lengths over time.
std::string queues(const RunResult& run) {
  std::string out =
      "<p class=\"note\">In the measured window (report.json's figures; the whole run without traffic). "
      "Wait probability: the share of offered calls that found no free agent; abandon probability: "
      "abandoned / (answered + abandoned); mean wait: the average speed of answer, over the answered calls; "
      "service level: answered within the threshold / (answered + abandoned); below a figure, its 95% "
      "batch-means interval.</p>\n"
      "<table class=\"queues\">\n<tr><th>queue</th><th>number</th><th>offered</th><th>answered</th>"
      "<th>abandoned</th><th>overflowed</th><th>refused</th><th>waited</th><th>mean length</th>"
      "<th>peak length</th></tr>\n";
  for (const QueueSummary& q : run.queues) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3f}</td>"
        "<td class=\"num\">{}</td></tr>\n",
        xml_escape(q.name), xml_escape(q.number), q.offered, q.answered, q.abandoned, q.overflowed, q.refused,
        q.waited, q.mean_length, q.peak_length);
  }
  out += "</table>\n";
  out +=
      "<table class=\"queue-figures\">\n<tr><th>queue</th><th>wait probability</th><th>abandon probability</th>"
      "<th>mean wait (s)</th><th>p90 wait (s)</th><th>longest wait (s)</th><th>service level</th></tr>\n";
  for (const QueueSummary& q : run.queues) {
    std::string levels;
    for (const auto& [threshold, figure] : q.service_level)
      levels += fmt::format("{}{:.4f} within {}{}", levels.empty() ? "" : "<br>", figure.value,
                            format_duration(threshold), interval_line(figure, 4));
    out += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        xml_escape(q.name), with_interval(q.wait_probability, 4), with_interval(q.abandon_probability, 4),
        q.answered ? with_interval(q.mean_wait_s, 3) : std::string("&#8211;"),
        q.waits.count() ? format_seconds_3(q.waits.percentile(90)) : std::string("&#8211;"),
        format_seconds_3(q.longest_wait), levels.empty() ? std::string("&#8211;") : levels);
  }
  out += "</table>\n";
  out += "<h3>Callers waiting</h3>\n<p class=\"legend\">";
  for (std::size_t i = 0; i < run.queues.size(); ++i)
    out += fmt::format("<span class=\"key\" style=\"background:{}\"></span>{} ", report_detail::queue_colour(i),
                       xml_escape(run.queues[i].name));
  out += "</p>\n" + report_detail::queue_length_svg(run);
  return out;
}

/// The ACD agents: calls, occupancy and time per state, then a timeline of their states.
std::string agents(const RunResult& run) {
  std::string out =
      "<table class=\"agents\">\n<tr><th>agent</th><th>line</th><th>queue calls</th><th>occupancy</th>"
      "<th>time in state (s)</th></tr>\n";
  std::string cut;
  for (const AgentSummary& a : run.agents) {
    std::string times;
    for (const auto& [state, d] : a.time_in)
      if (d > Duration::zero())
        times += fmt::format("{}{} {}", times.empty() ? "" : ", ", to_string(state), format_seconds_3(d));
    out += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.4f}</td>"
                       "<td>{}</td></tr>\n",
                       xml_escape(a.id), xml_escape(a.line), a.calls, a.occupancy, times);
    if (a.timeline_cut) cut += (cut.empty() ? "" : ", ") + xml_escape(a.id);
  }
  out += "</table>\n<h3>Agent states over time</h3>\n";
  out += "<p class=\"note\">One row per agent, the whole run; hover a band for its state and times.";
  if (!cut.empty())
    out += fmt::format(" The timeline keeps an agent's first {} state changes: for {} the rest of the run after "
                       "the last change kept is hatched, not drawn by state (the table counts every change).",
                       AgentSummary::kTimelinePoints, cut);
  out += "</p>\n" + report_detail::agent_state_legend(run) + report_detail::agent_timeline_svg(run);
  return out;
}

}  // namespace

std::string report_html(const RunResult& run) {
  return report_detail::report_html(run, report_detail::digest(run));
}

std::string report_detail::report_html(const RunResult& run, const Digest& digest) {
  const bool pass = run.failed() == 0;
  const CallCounts& counts = digest.counts;
  const std::vector<TimingSummary>& timings = digest.timings;
  const std::string name = xml_escape(run.scenario);

  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>telsim: " + name + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n";
  out += fmt::format("<h1>{} <span class=\"badge {}\">{}</span></h1>\n", name,
                     pass ? "pass" : "failed", pass ? "PASS" : "FAIL");
  out += summary(run, counts, digest.records);
  out += failures(run);

  out += "<h2>Ladder diagram</h2>\n";
  if (digest.records == 0) {
    out += "<p class=\"note\">No calls.</p>\n";
  } else {
    std::vector<const CallRecord*> shown;
    for (const CallRecord& r : digest.ladder) shown.push_back(&r);
    out += "<p class=\"note\">" + xml_escape(digest.ladder_rule) +
           " One lane per line; time runs down, one row per instant something happened "
           "(simulated seconds); calls a line has at the same time sit side by side (headed "
           "&#8220;2nd call&#8221; and on); an arrow marks a call offered to another line; a "
           "diamond marks an operation (a scenario step's or a live client's) on the acting line, "
           "red and struck through when refused (hover for its LINEERR); a blue dot marks, in "
           "italics, what a call heard in-band or the switch told of it: digits, tones, a detected "
           "media mode, a gather's or generation's end, user-user information, call data.</p>\n";
    out += legend();
    out += report_detail::ladder_svg(run, shown, digest.ladder_all);
  }

  if (!run.trunks.empty()) {
    out += "<h2>Trunk occupancy</h2>\n";
    for (std::size_t t = 0; t < run.trunks.size(); ++t) out += trunk(run, t, digest);
  }

  if (!run.queues.empty()) out += "<h2>Queues</h2>\n" + queues(run);
  if (!run.agents.empty()) out += "<h2>Agents</h2>\n" + agents(run);

  out += "<h2>Timings</h2>\n" + timing_table(timings);
  out += "<div class=\"charts\">\n";
  for (std::size_t i = 0; i < timings.size(); ++i)
    if (timings[i].count > 0) out += report_detail::histogram_svg(timings[i], digest.samples[i]);
  out += "</div>\n";
  out += "<h2>Features</h2>\n" + features(run.pbx);
  if (!run.modems.empty()) out += "<h2>Modems</h2>\n" + modems(run);
  if (!run.faults.empty()) out += "<h2>Injected faults</h2>\n" + faults(run);
  out += "<h2>Expectations</h2>\n" + expectations(run);
  out += "<h2>Calls</h2>\n" + calls(digest.first_calls, digest.records);
  out += "<p class=\"note\">Times are virtual (simulated) time. Made by telsim; no scripts, "
         "no network: this page is the whole report.</p>\n</body>\n</html>\n";
  return out;
}

}  // namespace telsim
