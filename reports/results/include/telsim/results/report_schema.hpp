#pragma once
/// The documented fields of report.json, one row each: its dotted path, JSON type, unit and
/// meaning. The scenario loader checks `expect: {metric: PATH, min, max}` against it at load
/// time; the report writer's test checks that report.json has exactly these fields, and
/// docs/report-json.md is checked against it, so the three cannot drift apart.
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

namespace telsim {

struct ReportField {
  /// Dotted path. Segments in capitals stand for a name of the run: TRUNK (a trunk group),
  /// TRAFFIC (a traffic generator), MODEM (a modem), TIMING (setup, answer, ring or talk),
  /// QUEUE (an ACD queue), AGENT (an ACD agent's id), THRESHOLD (a queue's service level
  /// threshold as format_duration writes it: "20s") and STATE (an agent state's name: "READY").
  std::string_view path;
  std::string_view type;     ///< JSON type: integer, number, string, boolean, array, object; "|null" when it may be null
  std::string_view unit;     ///< calls, s, ms, Erlangs, ratio, ... ("" for none)
  std::string_view meaning;  ///< one sentence
  /// A metric expectation may check it (a number, known when the run ends).
  bool metric = false;
  /// For a metric: a sibling field that must be above 0 for the value to mean anything (a
  /// percentile needs samples, a blocking needs seizure attempts); "" when none. For a figure
  /// inside a keyed object (queues.QUEUE.service_level.THRESHOLD) the nearest enclosing object
  /// that has the field holds it (the queue's `offered`).
  std::string_view needs = {};
};

/// Every documented field of report.json, in the order the file has them (objects before their
/// members).
std::span<const ReportField> report_fields();

/// The names a run's placeholders stand for.
struct ReportNames {
  std::set<std::string> trunks, traffic, modems;
  std::set<std::string> queues, agents;  ///< ACD queues' names, agents' ids
};

/// The documented field a concrete path (`trunks.pstn.blocking`) names, or nullptr; `error`
/// then says what is wrong and what is there instead ("features.park has parks, unparks, ...").
const ReportField* find_report_field(std::string_view path, const ReportNames& names, std::string& error);

}  // namespace telsim
