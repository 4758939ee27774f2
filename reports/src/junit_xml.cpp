#include <fmt/format.h>

#include "internal.hpp"

namespace telsim {

// One <testsuite> per run and one <testcase> per expectation; time attributes are virtual
// seconds (the run's simulated time), never wall-clock time.
std::string junit_xml(const RunResult& run) {
  const std::string suite = xml_escape(run.scenario);
  const std::size_t tests = run.expectations.size();
  const std::size_t failures = run.failed();
  const std::string time = format_seconds_3(run.sim_time);

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"telsim\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                     "time=\"{}\">\n",
                     tests, failures, time);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                     "skipped=\"0\" time=\"{}\">\n",
                     suite, tests, failures, time);
  out += "    <properties>\n";
  out += fmt::format("      <property name=\"file\" value=\"{}\"/>\n", xml_escape(run.file));
  out += fmt::format("      <property name=\"seed\" value=\"{}\"/>\n", run.seed);
  // The switch it ran against, when a personality was named (a CI matrix over presets).
  if (!run.personality.empty())
    out += fmt::format("      <property name=\"personality\" value=\"{}\"/>\n", xml_escape(run.personality));
  out += "    </properties>\n";
  for (const ExpectationResult& e : run.expectations) {
    const std::string name = fmt::format("step {} (line {}): {}", e.step, e.yaml_line, e.what);
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", suite, xml_escape(name));
    if (e.ok) {
      out += "/>\n";
      continue;
    }
    const std::string where = report_detail::location(run, e);
    out += ">\n";
    out += fmt::format("      <failure message=\"{}\" type=\"expectation\">{}</failure>\n",
                       xml_escape(where + ": " + e.message),
                       xml_escape(fmt::format("{}: step {} at {}s: {}\n{}", where, e.step,
                                              format_seconds_3(e.at), e.what, e.message)));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace telsim
