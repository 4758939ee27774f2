// Metric expectations: `expect: {metric: PATH, min, max}` steps, checked against the figures
// report.json gives, once the run has ended.
#include <fmt/format.h>

#include "internal.hpp"

namespace telsim {
namespace {

/// RFC 6901 pointer for a dotted path ("trunks.pstn.blocking" -> "/trunks/pstn/blocking").
nlohmann::ordered_json::json_pointer pointer(std::string_view path) {
  std::string p = "/";
  for (char c : path) {
    if (c == '.') p += '/';
    else if (c == '~') p += "~0";
    else if (c == '/') p += "~1";
    else p += c;
  }
  return nlohmann::ordered_json::json_pointer(p);
}

std::string bounds(const MetricCheck& m) {
  if (m.min && m.max) return fmt::format("in [{}, {}]", *m.min, *m.max);
  if (m.min) return fmt::format(">= {}", *m.min);
  return fmt::format("<= {}", *m.max);
}

}  // namespace

namespace {

void check(RunResult& run, const report_detail::Digest& digest) {
  const nlohmann::ordered_json report = report_detail::report_json_value(run, digest);
  for (const MetricCheck& m : run.metrics) {
    ExpectationResult r;
    r.step = m.step;
    r.yaml_line = m.yaml_line;
    r.at = run.sim_time;
    r.what = fmt::format("metric {} {}", m.path, bounds(m));
    const auto ptr = pointer(m.path);
    const nlohmann::ordered_json* value = report.contains(ptr) ? &report.at(ptr) : nullptr;
    if (!m.needs.empty()) {
      // The count is a sibling of the figure, or of the keyed object holding it (a queue's
      // `offered` for queues.QUEUE.service_level.THRESHOLD): the nearest enclosing object that
      // has it.
      auto parent = ptr.parent_pointer();
      std::string prefix = m.path.substr(0, m.path.rfind('.'));
      bool zero = false;
      for (;;) {
        const auto need = parent / m.needs;
        if (report.contains(need)) {
          zero = report.at(need).is_number() && report.at(need).get<double>() <= 0;
          break;
        }
        if (parent.empty()) break;
        parent = parent.parent_pointer();
        const std::size_t dot = prefix.rfind('.');
        prefix = dot == std::string::npos ? std::string() : prefix.substr(0, dot);
      }
      if (zero) {
        r.message = fmt::format("{} has no value: {}{}{} is 0", m.path, prefix, prefix.empty() ? "" : ".", m.needs);
        run.expectations.push_back(std::move(r));
        continue;
      }
    }
    if (!value || !value->is_number()) {
      r.message = fmt::format("{} has no value in this run", m.path);
      run.expectations.push_back(std::move(r));
      continue;
    }
    const double v = value->get<double>();
    const std::string shown = value->dump();
    if (m.min && v < *m.min)
      r.message = fmt::format("{} is {}, below the minimum {}", m.path, shown, *m.min);
    else if (m.max && v > *m.max)
      r.message = fmt::format("{} is {}, above the maximum {}", m.path, shown, *m.max);
    else
      r.ok = true;
    run.expectations.push_back(std::move(r));
  }
  run.metrics.clear();  // checked: a second call must not count them twice
}

}  // namespace

void check_metrics(RunResult& run) {
  if (run.metrics.empty()) return;
  check(run, report_detail::digest(run));
}

void check_metrics(RunResult& run, const RecordStream& stream) {
  if (run.metrics.empty()) return;
  check(run, stream.digest());
}

}  // namespace telsim
