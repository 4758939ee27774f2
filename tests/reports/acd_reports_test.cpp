// The ACD's figures in every report: report.json's queues and agents sections (fields, order,
// nulls), the metric paths that reach them, report.html's queue table, chart and agent timeline,
// cdr.csv's queue columns, stats.csv's per-queue columns and the terminal summary's queue lines;
// and none of it for a run without an ACD.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/acd_run.hpp"
#include "telsim/reports/record_stream.hpp"
#include "telsim/results/report_schema.hpp"

namespace telsim {
namespace {

using json = nlohmann::ordered_json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

std::vector<std::string> keys_of(const json& o) {
  std::vector<std::string> out;
  for (const auto& [k, v] : o.items()) out.push_back(k);
  return out;
}

// --- report.json -------------------------------------------------------------------------------

TEST(AcdReportJsonTest, WritesEveryQueueFieldInItsOrder) {
  const json j = json::parse(report_json(test::acd_run()));
  ASSERT_TRUE(j.contains("queues"));
  EXPECT_EQ(keys_of(j["queues"]), (std::vector<std::string>{"sales", "support"}));
  const json& q = j["queues"]["sales"];
  EXPECT_EQ(keys_of(q),
            (std::vector<std::string>{
                "number", "offered", "answered", "abandoned", "overflowed", "refused", "waited", "wait_probability",
                "wait_probability_ci95", "wait_probability_ci95_reason", "abandon_probability",
                "abandon_probability_ci95", "abandon_probability_ci95_reason", "mean_wait_s", "mean_wait_s_ci95",
                "mean_wait_s_ci95_reason", "wait_p50_s", "wait_p90_s", "wait_p95_s", "wait_max_s", "longest_wait_s",
                "mean_talk_s", "service_level", "service_level_ci95", "mean_length", "peak_length"}));
  EXPECT_EQ(q["number"], "600");
  EXPECT_EQ(q["offered"], 10);
  EXPECT_EQ(q["answered"], 6);
  EXPECT_EQ(q["abandoned"], 2);
  EXPECT_EQ(q["overflowed"], 1);
  EXPECT_EQ(q["refused"], 1);
  EXPECT_EQ(q["waited"], 5);
  EXPECT_EQ(q["wait_probability"], 0.5);
  EXPECT_EQ(q["wait_probability_ci95"], json::array({0.412346, 0.6}));  // 6 decimals
  EXPECT_TRUE(q["wait_probability_ci95_reason"].is_null());
  EXPECT_EQ(q["abandon_probability"], 0.25);
  EXPECT_TRUE(q["abandon_probability_ci95"].is_null());
  EXPECT_EQ(q["abandon_probability_ci95_reason"], "fewer than 10 batches of 5 calls");
  EXPECT_EQ(q["mean_wait_s"], 12.345679);
  EXPECT_EQ(q["mean_wait_s_ci95"], json::array({10.0, 14.5}));
  EXPECT_TRUE(q["mean_wait_s_ci95_reason"].is_null());
  EXPECT_EQ(q["wait_p50_s"], 3.0);  // nearest rank 3 of 6
  EXPECT_EQ(q["wait_p90_s"], 60.0);
  EXPECT_EQ(q["wait_p95_s"], 60.0);
  EXPECT_EQ(q["wait_max_s"], 60.0);
  EXPECT_EQ(q["longest_wait_s"], 75.0);
  EXPECT_EQ(q["mean_talk_s"], 61.5);
  EXPECT_EQ(q["service_level"].dump(), R"({"20s":0.625,"90s":0.75})");
  EXPECT_EQ(q["service_level_ci95"].dump(), R"({"20s":[0.5,0.75],"90s":null})");
  EXPECT_EQ(q["mean_length"], 0.4);
  EXPECT_EQ(q["peak_length"], 3);
}

TEST(AcdReportJsonTest, AQueueWithoutAnAnsweredCallHasNoWaitPercentiles) {
  const json q = json::parse(report_json(test::acd_run()))["queues"]["support"];
  for (const char* k : {"wait_p50_s", "wait_p90_s", "wait_p95_s", "wait_max_s"}) EXPECT_TRUE(q[k].is_null()) << k;
  EXPECT_EQ(q["longest_wait_s"], 3.5);  // the abandoned call's wait
  EXPECT_EQ(q["mean_wait_s"], 0.0);
  EXPECT_EQ(q["mean_wait_s_ci95_reason"], "no answered call");
  EXPECT_EQ(q["service_level"].dump(), R"({"20s":0.0})");
}

TEST(AcdReportJsonTest, WritesEachAgentWithItsTimeInStatesAboveZero) {
  const json j = json::parse(report_json(test::acd_run()));
  ASSERT_TRUE(j.contains("agents"));
  EXPECT_EQ(keys_of(j["agents"]), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(j["agents"]["a1"].dump(),
            R"({"line":"301","calls":1,"occupancy":0.291667,"time_s":{"READY":85.0,"BUSYACD":31.0,"WORKINGAFTERCALL":4.0}})");
  EXPECT_EQ(j["agents"]["a2"].dump(), R"({"line":"302","calls":0,"occupancy":0.0,"time_s":{"NOTREADY":120.0}})");
}

TEST(AcdReportJsonTest, TimeInStatesFollowsTheAgentStateOrder) {
  RunResult run = test::acd_run();
  run.agents[0].time_in = {{AgentState::WorkingAfterCall, std::chrono::seconds(1)},
                           {AgentState::Ready, std::chrono::seconds(2)}};
  EXPECT_EQ(keys_of(json::parse(report_json(run))["agents"]["a1"]["time_s"]),
            (std::vector<std::string>{"READY", "WORKINGAFTERCALL"}));
}

TEST(AcdReportJsonTest, SitsBeforeRunAndIsAbsentWithoutAnAcd) {
  const json with = json::parse(report_json(test::acd_run()));
  const std::vector<std::string> keys = keys_of(with);
  ASSERT_GE(keys.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(keys.end() - 3, keys.end()),
            (std::vector<std::string>{"queues", "agents", "run"}));
  const json without = json::parse(report_json(test::sample_run()));
  EXPECT_FALSE(without.contains("queues"));
  EXPECT_FALSE(without.contains("agents"));
  // Queues without agents (or the reverse) write only their own section.
  RunResult queues_only = test::acd_run();
  queues_only.agents.clear();
  const json q = json::parse(report_json(queues_only));
  EXPECT_TRUE(q.contains("queues"));
  EXPECT_FALSE(q.contains("agents"));
}

// --- metric paths ------------------------------------------------------------------------------

TEST(AcdReportSchemaTest, FindsQueueAndAgentFields) {
  ReportNames names;
  names.queues = {"sales"};
  names.agents = {"a1"};
  std::string error;
  const ReportField* f = find_report_field("queues.sales.wait_probability", names, error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_EQ(f->path, "queues.QUEUE.wait_probability");
  EXPECT_TRUE(f->metric);
  EXPECT_EQ(f->needs, "offered");
  f = find_report_field("queues.sales.mean_wait_s", names, error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_EQ(f->needs, "answered");
  f = find_report_field("queues.sales.service_level.20s", names, error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_EQ(f->path, "queues.QUEUE.service_level.THRESHOLD");
  EXPECT_TRUE(f->metric);
  EXPECT_NE(find_report_field("queues.sales.service_level.90s", names, error), nullptr) << error;
  EXPECT_EQ(find_report_field("queues.sales.service_level.1min30s", names, error), nullptr);  // written "90s"
  f = find_report_field("agents.a1.occupancy", names, error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_TRUE(f->metric);
  f = find_report_field("agents.a1.time_s.READY", names, error);
  ASSERT_NE(f, nullptr) << error;
  EXPECT_EQ(f->path, "agents.AGENT.time_s.STATE");
  EXPECT_FALSE(find_report_field("queues.sales.wait_p90_s", names, error)->metric);  // may be null

  EXPECT_EQ(find_report_field("queues.billing.offered", names, error), nullptr);
  EXPECT_NE(error.find("'billing' in 'queues.billing.offered' is not a queue of this scenario (sales)"),
            std::string::npos)
      << error;
  EXPECT_EQ(find_report_field("agents.a9.calls", names, error), nullptr);
  EXPECT_NE(error.find("'a9' in 'agents.a9.calls' is not an agent of this scenario (a1)"), std::string::npos) << error;
  // A threshold is written as format_duration writes it: "20s", never "20000ms" or "20".
  EXPECT_EQ(find_report_field("queues.sales.service_level.20", names, error), nullptr);
  EXPECT_EQ(find_report_field("queues.sales.service_level.20000ms", names, error), nullptr);
  EXPECT_EQ(find_report_field("agents.a1.time_s.ready", names, error), nullptr);
  EXPECT_EQ(find_report_field("agents.a1.time_s.IDLE", names, error), nullptr);
  // No queues in the scenario: none to name.
  EXPECT_EQ(find_report_field("queues.sales.offered", ReportNames{}, error), nullptr);
  EXPECT_NE(error.find("it has none"), std::string::npos) << error;
}

MetricCheck metric(std::string path, std::string needs, std::optional<double> min, std::optional<double> max) {
  MetricCheck m;
  m.step = 1;
  m.yaml_line = 5;
  m.path = std::move(path);
  m.needs = std::move(needs);
  m.min = min;
  m.max = max;
  return m;
}

TEST(AcdMetricsTest, ChecksQueueFiguresAndTheirCounts) {
  RunResult run = test::acd_run();
  run.expectations.clear();
  run.metrics = {metric("queues.sales.wait_probability", "offered", std::nullopt, 0.5),
                 metric("queues.sales.service_level.20s", "offered", 0.7, std::nullopt),
                 metric("agents.a1.occupancy", "", std::nullopt, 0.3)};
  check_metrics(run);
  ASSERT_EQ(run.expectations.size(), 3u);
  EXPECT_TRUE(run.expectations[0].ok) << run.expectations[0].message;
  EXPECT_FALSE(run.expectations[1].ok);
  EXPECT_EQ(run.expectations[1].message, "queues.sales.service_level.20s is 0.625, below the minimum 0.7");
  EXPECT_TRUE(run.expectations[2].ok) << run.expectations[2].message;

  // A service level is no measurement without calls: its queue's `offered` (not a sibling in
  // service_level) says so.
  RunResult idle = test::acd_run();
  idle.expectations.clear();
  idle.queues[0].offered = 0;
  idle.metrics = {metric("queues.sales.service_level.20s", "offered", std::nullopt, 1),
                  metric("queues.sales.mean_wait_s", "answered", std::nullopt, 100)};
  idle.queues[0].answered = 0;
  check_metrics(idle);
  ASSERT_EQ(idle.expectations.size(), 2u);
  EXPECT_FALSE(idle.expectations[0].ok);
  EXPECT_EQ(idle.expectations[0].message, "queues.sales.service_level.20s has no value: queues.sales.offered is 0");
  EXPECT_EQ(idle.expectations[1].message, "queues.sales.mean_wait_s has no value: queues.sales.answered is 0");
}

// --- report.html -------------------------------------------------------------------------------

TEST(AcdReportHtmlTest, ShowsTheQueuesTableChartAndTheAgentTimeline) {
  const std::string html = report_html(test::acd_run());
  EXPECT_NE(html.find("<h2>Queues</h2>"), std::string::npos);
  EXPECT_NE(html.find("<table class=\"queues\">"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>sales</td><td>600</td><td class=\"num\">10</td><td class=\"num\">6</td>"
                      "<td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">5</td>"
                      "<td class=\"num\">0.400</td><td class=\"num\">3</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<table class=\"queue-figures\">"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>support</td><td class=\"num\">1.0000</td><td class=\"num\">1.0000</td>"
                      "<td class=\"num\">&#8211;</td><td class=\"num\">&#8211;</td><td class=\"num\">3.500</td>"
                      "<td class=\"num\">0.0000 within 20s</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">0.6250 within 20s<br><span class=\"note\">95% 0.5000&#8211;0.7500</span>"
                      "<br>0.7500 within 90s</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">0.5000<br><span class=\"note\">95% 0.4123&#8211;0.6000</span></td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">0.2500</td>"), std::string::npos);  // no interval: the figure alone
  // The chart: one step line per queue, over the whole run.
  const std::size_t chart = html.find("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"queue-length\"");
  ASSERT_NE(chart, std::string::npos);
  const std::string svg = html.substr(chart, html.find("</svg>", chart) - chart);
  std::size_t lines = 0;
  for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++lines;
  EXPECT_EQ(lines, 2u);
  EXPECT_NE(svg.find("<title>queue sales</title>"), std::string::npos);
  EXPECT_NE(svg.find("<title>queue support</title>"), std::string::npos);
  // sales: empty until 62.5 s of 120 s (x = 56 + 62.5/120*640 = 389), then 1 waiting (the axis
  // going to 3: y = 150 - 136/3) until 70 s (x = 429).
  EXPECT_NE(svg.find("56,150 389,150 389,105 429,105 429,150"), std::string::npos) << svg;
  EXPECT_NE(svg.find("callers waiting"), std::string::npos);

  EXPECT_NE(html.find("<h2>Agents</h2>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td>a1</td><td>301</td><td class=\"num\">1</td><td class=\"num\">0.2917</td>"
                      "<td>READY 85.000, BUSYACD 31.000, WORKINGAFTERCALL 4.000</td></tr>"),
            std::string::npos);
  const std::size_t tl = html.find("id=\"agent-timeline\"");
  ASSERT_NE(tl, std::string::npos);
  const std::string timeline = html.substr(tl, html.find("</svg>", tl) - tl);
  EXPECT_NE(timeline.find("<title>a1 BUSYACD: 69.000 to 100.000 s</title>"), std::string::npos);
  EXPECT_NE(timeline.find("<title>a1 READY: 104.000 to 120.000 s</title>"), std::string::npos);  // to the end
  // a2's timeline was cut: its state after the last change kept is not drawn as a state.
  EXPECT_NE(timeline.find("<title>a2 NOTREADY: 0.000 to 50.000 s</title>"), std::string::npos);
  EXPECT_EQ(timeline.find("<title>a2 READY"), std::string::npos);
  EXPECT_NE(timeline.find("<title>a2: changes after the first 2048 not kept</title>"), std::string::npos);
  EXPECT_NE(html.find("for a2 the rest of the run after the last change kept is hatched"), std::string::npos);
  EXPECT_NE(html.find("</span>WORKINGAFTERCALL "), std::string::npos);  // the legend
}

TEST(AcdReportHtmlTest, NothingOfItWithoutAnAcd) {
  const std::string html = report_html(test::sample_run());
  for (const char* s : {"Queues", "queue-length", "Agents", "agent-timeline", "class=\"queues\""})
    EXPECT_EQ(html.find(s), std::string::npos) << s;
  // Nor is a timeline note written when no agent's timeline was cut.
  RunResult run = test::acd_run();
  run.agents[1].timeline_cut = false;
  EXPECT_EQ(report_html(run).find("hatched"), std::string::npos);
}

// --- cdr.csv -----------------------------------------------------------------------------------

TEST(AcdCdrCsvTest, AppendsQueueWaitAndAgentToEveryRow) {
  const std::vector<std::string> lines = lines_of(cdr_csv(test::acd_run()));
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines[0],
            "call_id,line,direction,from,to,reason,start_s,answer_s,end_s,duration_s,disconnect_mode,"
            "outcome,cleared_at_end,states,original_to,forward_hops,park_orbit,peer,kind,queue,queue_wait_ms,agent");
  // Calls without a queue: the columns empty, the rest as without an ACD.
  EXPECT_EQ(lines[1],
            "c1,201,out,201,202,DIRECT,0.000,3.000,33.000,30.000,NORMAL,answered,false,"
            "DIALTONE>DIALING>PROCEEDING>RINGBACK>CONNECTED>DISCONNECTED>IDLE,,0,,,station,,,");
  EXPECT_EQ(lines[7],
            "c7,209,out,209,600,DIRECT,62.000,70.000,100.000,30.000,NORMAL,answered,false,"
            "DIALTONE>RINGBACK>CONNECTED>DISCONNECTED>IDLE,,0,,,station,sales,7500.000,a1");
  EXPECT_EQ(lines[8].substr(lines[8].rfind(",station,")), ",station,sales,,a1");
  EXPECT_EQ(lines[9].substr(lines[9].rfind(",station,")), ",station,sales,14500.000,");
}

TEST(AcdCdrCsvTest, QuotesQueueAndAgentNamesAndKeepsThemThroughTheSpillFile) {
  RunResult run = test::acd_run();
  run.records[6].queue = "sales, \"east\"";
  run.records[6].agent = "a,1";
  run.records[6].queue_wait = Duration{1'234'567};  // 1.234567 ms
  const std::string whole = cdr_csv(run);
  EXPECT_NE(whole.find(",station,\"sales, \"\"east\"\"\",1.235,\"a,1\"\n"), std::string::npos) << whole;

  // Records as calls end, most of them held on disk: the same bytes.
  StreamOptions options;
  for (const QueueSummary& q : run.queues) options.queues.push_back(q.name);
  std::string streamed;
  RecordStream stream(std::move(options));
  stream.capture(&streamed, nullptr);
  stream.set_spill_threshold(4);
  for (auto it = run.records.rbegin(); it != run.records.rend(); ++it) stream.add(*it);  // newest first
  RunResult without = run;
  without.records.clear();
  stream.finish(without);
  EXPECT_GT(stream.spilled(), 0u) << "the test should make records wait on disk";
  EXPECT_EQ(streamed, whole);
}

TEST(AcdCdrCsvTest, ARunWithoutQueuesKeepsItsColumns) {
  RunResult run = test::acd_run();
  run.queues.clear();  // records may name a queue; without queues in the run, no columns
  const std::vector<std::string> lines = lines_of(cdr_csv(run));
  EXPECT_EQ(lines[0].substr(lines[0].rfind(',')), ",kind");
  EXPECT_EQ(lines[7].substr(lines[7].rfind(',')), ",station");
}

// --- stats.csv ---------------------------------------------------------------------------------

TEST(AcdStatsCsvTest, CountsEachQueueCallInTheIntervalWhereItHappened) {
  const std::vector<std::string> lines = lines_of(stats_csv(test::acd_run(), std::chrono::seconds(30)));
  ASSERT_EQ(lines.size(), 5u);  // header and [0,30) [30,60) [60,90) [90,120]
  const std::vector<std::string> header = split_csv(lines[0]);
  const std::vector<std::string> plain = split_csv(lines_of(stats_csv(test::sample_run(), std::chrono::seconds(30)))[0]);
  // The columns of a run without an ACD first, in their places; then four per queue, then cum_.
  ASSERT_EQ(header.size(), plain.size() + 16);
  EXPECT_EQ(std::vector<std::string>(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(plain.size())),
            plain);
  EXPECT_EQ(std::vector<std::string>(header.end() - 16, header.end()),
            (std::vector<std::string>{"sales_offered", "sales_answered", "sales_abandoned", "sales_mean_wait_s",
                                      "support_offered", "support_answered", "support_abandoned",
                                      "support_mean_wait_s", "cum_sales_offered", "cum_sales_answered",
                                      "cum_sales_abandoned", "cum_sales_mean_wait_s", "cum_support_offered",
                                      "cum_support_answered", "cum_support_abandoned", "cum_support_mean_wait_s"}));
  const auto tail = [&](std::size_t row) {
    const std::vector<std::string> cells = split_csv(lines[row]);
    EXPECT_EQ(cells.size(), header.size());
    std::string out;
    for (std::size_t i = cells.size() - 16; i < cells.size(); ++i) out += (i == cells.size() - 16 ? "" : ",") + cells[i];
    return out;
  };
  EXPECT_EQ(tail(1), "0,0,0,,0,0,0,,0,0,0,,0,0,0,");
  // c7 and c9 start in [60,90); c7 is answered at 70 s after 7.5 s; c9 hangs up at 95 s.
  EXPECT_EQ(tail(3), "2,1,0,7.500,0,0,0,,2,1,0,7.500,0,0,0,");
  EXPECT_EQ(tail(4), "0,0,1,,0,0,0,,2,1,1,7.500,0,0,0,");
  // The agent's own call (no queue_wait) is not a caller's.
  RunResult run = test::acd_run();
  run.records.pop_back();  // c9
  run.records.pop_back();  // c8
  run.records[6].queue_wait.reset();
  const std::vector<std::string> none = lines_of(stats_csv(run, std::chrono::seconds(30)));
  EXPECT_EQ(none[3].substr(none[3].size() - std::string(",0,0,0,,0,0,0,,0,0,0,,0,0,0,").size()),
            ",0,0,0,,0,0,0,,0,0,0,,0,0,0,");
}

TEST(AcdStreamTest, RecordsAsCallsEndGiveTheFilesOfTheWholeRun) {
  namespace fs = std::filesystem;
  const RunResult run = test::acd_run();
  const fs::path base = fs::temp_directory_path() / ("telsim-acd-stream-" + std::to_string(::getpid()));
  fs::remove_all(base);
  const fs::path whole = base / "whole", streamed = base / "streamed";
  ReportOptions options;
  options.stats_interval = std::chrono::seconds(30);
  write_reports(run, whole, options);

  // As telsim run writes them: each record as its call ends, most held records spilled to disk.
  fs::create_directories(streamed);
  StreamOptions stream_options;
  stream_options.dir = streamed;
  stream_options.stats_interval = options.stats_interval;
  for (const QueueSummary& q : run.queues) stream_options.queues.push_back(q.name);
  RecordStream stream(std::move(stream_options));
  stream.set_spill_threshold(4);
  std::vector<CallRecord> by_end = run.records;
  std::stable_sort(by_end.begin(), by_end.end(), [](const CallRecord& a, const CallRecord& b) { return a.end < b.end; });
  for (const CallRecord& r : by_end) stream.add(r);
  RunResult without = run;
  without.records.clear();
  stream.finish(without);
  ASSERT_EQ(stream.error(), "");
  EXPECT_GT(stream.spilled(), 0u) << "the test should make records wait on disk";
  write_reports(without, stream, streamed);

  const auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  for (const char* f : {"report.json", "cdr.csv", "stats.csv", "report.html"}) {
    const std::string a = slurp(whole / f), b = slurp(streamed / f);
    EXPECT_FALSE(a.empty()) << f;
    EXPECT_TRUE(a == b) << f << " differs";
  }
  EXPECT_NE(slurp(whole / "cdr.csv").find(",sales,14500.000,\n"), std::string::npos);
  EXPECT_NE(slurp(whole / "stats.csv").find(",cum_support_mean_wait_s\n"), std::string::npos);
  fs::remove_all(base);
}

// --- the terminal summary ----------------------------------------------------------------------

TEST(AcdSummaryTest, OneLinePerQueue) {
  const std::vector<std::string> lines = queue_summary_lines(test::acd_run());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "queue sales (600): 10 offered, 6 answered, 2 abandoned, 1 overflowed, 1 refused, wait probability "
            "0.5000, mean wait 12.346 s, service level 0.6250 within 20s, service level 0.7500 within 90s");
  EXPECT_EQ(lines[1],
            "queue support (700): 1 offered, 0 answered, 1 abandoned, wait probability 1.0000, mean wait -, "
            "service level 0.0000 within 20s");
  EXPECT_TRUE(queue_summary_lines(test::sample_run()).empty());
}

}  // namespace
}  // namespace telsim
