// report.json's documented fields (sim/report_schema) against what report_json writes and what
// docs/report-json.md says: metric expectations are validated against the schema, so a field
// written but not documented (or documented but not written) would mislead users.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/acd_run.hpp"
#include "telsim/results/report_schema.hpp"

namespace telsim {
namespace {

using json = nlohmann::json;

/// A run with one of everything that has its own section: a trunk, a traffic generator, a modem,
/// ACD queues and agents.
RunResult full_run() {
  RunResult run = test::acd_run();
  TrunkStats t(SimTime{0}, SimTime{std::chrono::seconds(200)});
  for (int b = 0; b < 20; ++b)
    for (int k = 0; k < 10; ++k) t.seize_attempt(SimTime{std::chrono::seconds(10 * b + k)}, k == 0);
  run.trunks.push_back({"pstn", 4, t.summary(SimTime{std::chrono::seconds(200)})});
  run.trunks.push_back({"idle", 2, TrunkStats{}.summary(SimTime{std::chrono::seconds(200)})});
  run.traffic.push_back({"outbound", 10, 1});
  run.modems.push_back({"m1", "400", 28800, Modem::Stats{}});
  return run;
}

/// The schema path of a concrete one: names of the run replaced by their placeholders.
std::string schema_path(const std::string& parent, const std::string& key) {
  if (parent == "trunks") return "trunks.TRUNK";
  if (parent == "traffic") return "traffic.TRAFFIC";
  if (parent == "modems") return "modems.MODEM";
  if (parent == "timings") return "timings.TIMING";
  if (parent == "queues") return "queues.QUEUE";
  if (parent == "agents") return "agents.AGENT";
  if (parent == "queues.QUEUE.service_level") return "queues.QUEUE.service_level.THRESHOLD";
  if (parent == "queues.QUEUE.service_level_ci95") return "queues.QUEUE.service_level_ci95.THRESHOLD";
  if (parent == "agents.AGENT.time_s") return "agents.AGENT.time_s.STATE";
  return parent.empty() ? key : parent + "." + key;
}

std::string type_of(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();
}

void walk(const json& value, const std::string& path, std::map<std::string, std::set<std::string>>& seen) {
  if (!value.is_object()) return;
  for (const auto& [key, child] : value.items()) {
    const std::string p = schema_path(path, key);
    seen[p].insert(type_of(child));
    if (p != "expectations.results") walk(child, p, seen);
  }
}

TEST(ReportSchemaTest, ReportJsonHasExactlyTheDocumentedFieldsWithTheirTypes) {
  std::map<std::string, std::set<std::string>> seen;  // schema path -> JSON types written
  walk(json::parse(report_json(full_run())), "", seen);
  std::set<std::string> documented;
  for (const ReportField& f : report_fields()) {
    const std::string path(f.path);
    documented.insert(path);
    ASSERT_TRUE(seen.count(path)) << "documented but not written: " << path;
    for (const std::string& t : seen[path]) {
      // "number" covers integral values too (0.0 prints as a number, 1.0 may not).
      const bool fits = f.type.find(t) != std::string_view::npos ||
                        (t == "integer" && f.type.find("number") != std::string_view::npos);
      EXPECT_TRUE(fits) << path << " is written as " << t << ", documented as " << f.type;
    }
    if (f.metric) {
      EXPECT_TRUE(f.type == "integer" || f.type == "number") << path << ": a metric must be a number";
    }
  }
  for (const auto& [path, types] : seen) EXPECT_TRUE(documented.count(path)) << "written but not documented: " << path;
}

/// The field table docs/report-json.md must hold, built from the schema.
std::string expected_table() {
  std::string out = "| field | type | unit | meaning | metric |\n|---|---|---|---|---|\n";
  for (const ReportField& f : report_fields()) {
    out += "| `" + std::string(f.path) + "` | " + std::string(f.type) + " | " + std::string(f.unit) + " | " +
           std::string(f.meaning) + " | " + (f.metric ? (f.needs.empty() ? "yes" : "yes, needs `" + std::string(f.needs) + "` > 0") : "") +
           " |\n";
  }
  return out;
}

TEST(ReportSchemaTest, DocsListEveryFieldAsTheSchemaHasIt) {
  std::ifstream in(std::string(TELSIM_SOURCE_DIR) + "/docs/report-json.md");
  ASSERT_TRUE(in) << "docs/report-json.md is missing";
  const std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string table = expected_table();
  EXPECT_NE(doc.find(table), std::string::npos)
      << "docs/report-json.md must contain this table exactly (generated from sim/src/report_schema.cpp):\n"
      << table;
}

TEST(ReportSchemaTest, FindsFieldsByConcretePath) {
  ReportNames names;
  names.trunks = {"pstn"};
  std::string error;
  const ReportField* f = find_report_field("trunks.pstn.blocking", names, error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_EQ(f->path, "trunks.TRUNK.blocking");
  EXPECT_EQ(f->needs, "offered");
  EXPECT_EQ(find_report_field("timings.talk.p99_ms", names, error)->path, "timings.TIMING.p99_ms");
  EXPECT_EQ(find_report_field("timings.hold.p99_ms", names, error), nullptr);
  EXPECT_NE(error.find("setup, answer, ring, talk"), std::string::npos) << error;
  EXPECT_EQ(find_report_field("calls..total", names, error), nullptr);
  EXPECT_EQ(find_report_field("nothing", names, error), nullptr);
  EXPECT_NE(error.find("it has scenario, seed, personality, sim_time_s"), std::string::npos) << error;
}

}  // namespace
}  // namespace telsim
