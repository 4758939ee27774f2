#include <algorithm>

#include <fmt/format.h>

#include "internal.hpp"

namespace telsim {
namespace {

using report_detail::format_millis_3;

/// Rows beyond this go to cdr.csv only, so a long traffic run still gives a page a browser opens.
constexpr std::size_t kMaxCallRows = 1000;

constexpr const char* kStyle = R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #d0d0d0;padding:.25em .6em;text-align:left;font-size:.9em;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td{background:#fde2e2}tr.cleared td{color:#777}tr.fail td.result{color:#a00;font-weight:bold}
.badge{display:inline-block;padding:.1em .5em;border-radius:.3em;color:#fff;font-size:.8em;vertical-align:middle}
.pass{background:#1b7a36}.failed{background:#b3261e}
code{font-size:.9em}.note{color:#666;font-size:.9em}
)";

std::string row(std::string_view label, std::string_view value) {
  return fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", label, value);
}

std::string summary(const RunResult& run, const CallCounts& c) {
  std::string out = "<table class=\"summary\">\n";
  out += row("file", "<code>" + xml_escape(run.file) + "</code>");
  out += row("seed", fmt::format("{}", run.seed));
  out += row("simulated time", format_seconds_3(run.sim_time) + " s");
  out += row("expectations", fmt::format("{} passed, {} failed", run.passed(), run.failed()));
  out += row("calls placed",
             fmt::format("{} ({} answered, {} abandoned, {} blocked, {} failed; {} cleared at end)",
                         c.total, c.answered, c.abandoned, c.blocked, c.failed, c.cleared_at_end));
  out += row("calls received", fmt::format("{} ({} answered, {} missed)", c.incoming_total,
                                           c.incoming_answered, c.incoming_missed));
  out += row("call records", fmt::format("{}", run.records.size()));
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
        e.ok ? "ok" : "fail", e.step, e.yaml_line, format_seconds_3(e.at), xml_escape(e.what),
        e.ok ? std::string("ok")
             : "FAIL: " + xml_escape(report_detail::location(run, e) + ": " + e.message));
  }
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

/// Horizontal bars, p50 above p95 for each timing, scaled to the largest p95. Integer
/// geometry only, so the markup is the same on every machine.
std::string timing_chart(const std::vector<TimingSummary>& timings) {
  constexpr std::int64_t kLabel = 70, kBars = 420, kRow = 44, kTop = 28;
  std::int64_t top = 0;
  for (const TimingSummary& t : timings) top = std::max(top, t.p95.count());
  const auto width = [&](Duration d) { return top > 0 ? d.count() * kBars / top : 0; };
  const std::int64_t height = kTop + kRow * static_cast<std::int64_t>(timings.size());
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"call timings p50 and p95\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      kLabel + kBars + 190, height);
  out += fmt::format(
      "<rect x=\"{0}\" y=\"4\" width=\"12\" height=\"12\" fill=\"#9ecae1\"/>"
      "<text x=\"{1}\" y=\"14\">p50</text>"
      "<rect x=\"{2}\" y=\"4\" width=\"12\" height=\"12\" fill=\"#3182bd\"/>"
      "<text x=\"{3}\" y=\"14\">p95</text>\n",
      kLabel, kLabel + 16, kLabel + 56, kLabel + 72);
  std::int64_t y = kTop;
  for (const TimingSummary& t : timings) {
    out += fmt::format("<text x=\"0\" y=\"{}\">{}</text>\n", y + 20, xml_escape(t.name));
    out += fmt::format(
        "<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"14\" fill=\"#9ecae1\"/>"
        "<text x=\"{3}\" y=\"{4}\">{5} ms</text>\n",
        kLabel, y, width(t.p50), kLabel + width(t.p50) + 6, y + 11, format_millis_3(t.p50));
    out += fmt::format(
        "<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"14\" fill=\"#3182bd\"/>"
        "<text x=\"{3}\" y=\"{4}\">{5} ms (n={6})</text>\n",
        kLabel, y + 16, width(t.p95), kLabel + width(t.p95) + 6, y + 27, format_millis_3(t.p95),
        t.count);
    y += kRow;
  }
  out += "</svg>\n";
  return out;
}

std::string features(const PbxStats& p) {
  if (p.parks + p.unparks + p.park_timeouts + p.pickups + p.pickups_failed + p.forwards +
          p.forward_loops_stopped + p.dnd_refusals ==
      0)
    return {};
  std::string out = "<h2>Features</h2>\n<table class=\"features\">\n";
  out += row("park", fmt::format("{} parked, {} retrieved, {} timed out ({} recalls answered), "
                                 "at most {} parked at once",
                                 p.parks, p.unparks, p.park_timeouts, p.park_recalls_answered,
                                 p.park_max_occupancy));
  out += row("pickup", fmt::format("{} picked up, {} failed", p.pickups, p.pickups_failed));
  out += row("forwarding",
             fmt::format("{} forwards (at most {} hops), {} loops stopped, {} refused by DND",
                         p.forwards, p.forward_max_hops, p.forward_loops_stopped,
                         p.dnd_refusals));
  out += "</table>\n";
  return out;
}

std::string calls(const RunResult& run) {
  if (run.records.empty()) return "<p class=\"note\">No calls.</p>\n";
  const std::vector<const CallRecord*> records = report_detail::by_serial(run);
  std::string out =
      "<table class=\"calls\">\n<tr><th>call</th><th>line</th><th>dir</th><th>from</th>"
      "<th>to</th><th>reason</th><th>start (s)</th><th>answer (s)</th><th>end (s)</th>"
      "<th>outcome</th><th>disconnect</th><th>states</th></tr>\n";
  const std::size_t shown = std::min(records.size(), kMaxCallRows);
  for (std::size_t i = 0; i < shown; ++i) {
    const CallRecord& r = *records[i];
    out += fmt::format(
        "<tr{}><td>c{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td>{}{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
        r.cleared_at_end ? " class=\"cleared\"" : "", r.serial, xml_escape(r.line),
        to_string(r.direction), xml_escape(r.from), xml_escape(r.to), to_string(r.reason),
        format_seconds_3(r.start), r.answer ? format_seconds_3(*r.answer) : std::string(),
        format_seconds_3(r.end), to_string(r.outcome), r.cleared_at_end ? " (cleared at end)" : "",
        to_string(r.mode), xml_escape(report_detail::states_text(r)));
  }
  out += "</table>\n";
  if (shown < records.size()) {
    out += fmt::format("<p class=\"note\">First {} of {} calls; cdr.csv has them all.</p>\n",
                       shown, records.size());
  }
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
  out += summary(run, counts);
  out += "<h2>Expectations</h2>\n" + expectations(run);
  out += "<h2>Timings</h2>\n" + timing_table(timings) + timing_chart(timings);
  out += features(run.pbx);
  out += "<h2>Calls</h2>\n" + calls(run);
  out += "<p class=\"note\">Times are virtual (simulated) time.</p>\n</body>\n</html>\n";
  return out;
}

}  // namespace telsim
