#include <gtest/gtest.h>

#include "reports/sample_run.hpp"

namespace telsim {
namespace {

TEST(ReportHtmlTest, IsOneSelfContainedPage) {
  const std::string html = report_html(test::sample_run());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_NE(html.find("</html>\n"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
}

TEST(ReportHtmlTest, ShowsTheVerdictAndSummary) {
  const std::string html = report_html(test::sample_run());
  EXPECT_NE(html.find("<title>telsim: front-desk</title>"), std::string::npos);
  EXPECT_NE(html.find(">FAIL</span>"), std::string::npos);
  EXPECT_NE(html.find("2 passed, 1 failed"), std::string::npos);
  EXPECT_NE(html.find("4 (1 answered, 1 abandoned, 1 blocked, 1 failed; 1 cleared at end)"),
            std::string::npos);
  EXPECT_NE(html.find("2 (1 answered, 1 missed)"), std::string::npos);
}

TEST(ReportHtmlTest, HighlightsFailedExpectations) {
  const std::string html = report_html(test::sample_run());
  EXPECT_NE(html.find("<tr class=\"fail\"><td class=\"num\">5</td><td class=\"num\">20</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("FAIL: scenarios/front_desk.yaml:20: c3 is BUSY, not CONNECTED &amp; "
                      "&lt;gave up&gt;"),
            std::string::npos);
  EXPECT_EQ(html.find("<gave up>"), std::string::npos);
}

TEST(ReportHtmlTest, ListsEveryCall) {
  const std::string html = report_html(test::sample_run());
  for (int i = 1; i <= 6; ++i)
    EXPECT_NE(html.find("<td>c" + std::to_string(i) + "</td>"), std::string::npos) << i;
  EXPECT_NE(html.find("Reception, &quot;Desk&quot;"), std::string::npos);
  EXPECT_NE(html.find("<code>DIALTONE&gt;RINGBACK&gt;DISCONNECTED&gt;IDLE</code>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr class=\"cleared\"><td>c6</td>"), std::string::npos);
}

TEST(ReportHtmlTest, PutsFailingExpectationsWithTheirYamlLinesFirst) {
  const std::string html = report_html(test::sample_run());
  const std::size_t box = html.find("<div class=\"failures\">");
  ASSERT_NE(box, std::string::npos);
  EXPECT_LT(box, html.find("<h2>Ladder diagram</h2>"));
  EXPECT_NE(html.find("<code>scenarios/front_desk.yaml:20</code> step 5 at 12.000 s", box),
            std::string::npos);
  RunResult passing = test::sample_run();
  passing.expectations.pop_back();
  EXPECT_EQ(report_html(passing).find("class=\"failures\""), std::string::npos);
}

TEST(ReportHtmlTest, DrawsALadderWithOneLanePerLine) {
  RunResult run = test::sample_run();
  run.records[0].peer_serial = 2;  // c1 (201) reached c2 (202)
  run.records[1].peer_serial = 1;
  const std::string html = report_html(run);
  EXPECT_NE(html.find("All 6 call records of the run."), std::string::npos);
  const std::size_t svg = html.find("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"ladder\"");
  ASSERT_NE(svg, std::string::npos);
  const std::string ladder = html.substr(svg, html.find("</svg>", svg) - svg);
  for (const char* line : {">201</text>", ">202</text>", ">203</text>", ">205</text>", ">206</text>", ">207</text>"})
    EXPECT_NE(ladder.find(line), std::string::npos) << line;
  // States at their simulated times: c1 connects at 3 s; the row for 3.000 s exists.
  EXPECT_NE(ladder.find(">c1 CONNECTED</text>"), std::string::npos);
  EXPECT_NE(ladder.find(">3.000</text>"), std::string::npos);
  EXPECT_NE(ladder.find("<title>c3 BUSY at 10.750 s</title>"), std::string::npos);
  // An arrow from 201 to 202 when c2 is offered, and the failed verdict across the diagram.
  EXPECT_NE(ladder.find("marker-end=\"url(#arrow)\""), std::string::npos);
  EXPECT_NE(ladder.find("FAIL step 5 (line 20)"), std::string::npos);
}

TEST(ReportHtmlTest, SamplesTheLadderOfALargeRunAndSaysHow) {
  RunResult run = test::sample_run();
  const CallRecord model = run.records[0];
  for (std::uint64_t s = 7; s <= 5'000; ++s) {
    run.records.push_back(model);
    run.records.back().serial = s;
    run.records.back().line = std::to_string(1000 + s);
  }
  const std::string html = report_html(run);
  EXPECT_NE(html.find("A sample of 8 of the run&apos;s 5000 call records: the first 4 that did "
                      "not end answered (of 4), the first 8 of the run, and the other party of each."),
            std::string::npos);
  EXPECT_EQ(html.find(">1100</text>"), std::string::npos);  // a call outside the sample
}

std::string ladder_of(const std::string& html) {
  const std::size_t svg = html.find("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"ladder\"");
  if (svg == std::string::npos) return "";
  return html.substr(svg, html.find("</svg>", svg) - svg);
}

/// The x of the <text> element whose content is `label`; -1 if none.
long text_x(const std::string& svg, const std::string& label) {
  const std::size_t at = svg.find(">" + label + "</text>");
  if (at == std::string::npos) return -1;
  const std::size_t x = svg.rfind("<text x=\"", at);
  return std::stol(svg.substr(x + 9));
}

TEST(ReportHtmlTest, DrawsOperationsOnTheActingLineAtTheirTimes) {
  RunResult run = test::sample_run();
  run.operations = {
      {test::ms(0), Op::MakeCall, "201", 1, LineErr::Success, ""},
      {test::ms(3'000), Op::Answer, "202", 2, LineErr::Success, "alice"},
      {test::ms(7'250), Op::MakeCall, "209", 0, LineErr::InvalAddress, ""},  // a line with no call
      {test::ms(10'000), Op::MakeCall, "203", 3, LineErr::Success, ""},
      {test::ms(10'000), Op::Dial, "203", 3, LineErr::Success, ""},
      {test::ms(11'000), Op::Answer, "203", 3, LineErr::InvalCallState, ""},
      {test::ms(11'500), Op::TranslateAddress, "", 0, LineErr::Success, ""},  // no line: not drawn
  };
  const std::string ladder = ladder_of(report_html(run));
  ASSERT_FALSE(ladder.empty());
  EXPECT_NE(ladder.find("<g class=\"op\">"), std::string::npos);
  EXPECT_NE(ladder.find("<tspan><title>make_call on 201, c1 at 0.000 s</title>make_call</tspan>"),
            std::string::npos) << ladder;
  EXPECT_NE(ladder.find("<title>answer on 202, c2 at 3.000 s by alice</title>answer</tspan>"),
            std::string::npos);
  // Two operations of one line at one instant share a marker, named in order.
  EXPECT_NE(ladder.find("make_call</tspan>, <tspan><title>dial on 203, c3 at 10.000 s</title>dial</tspan>"),
            std::string::npos);
  // A refused one is red and struck through, its LINEERR in the tooltip; its instant has a row.
  EXPECT_NE(ladder.find("<tspan fill=\"#b3261e\" text-decoration=\"line-through\"><title>answer on "
                        "203, c3 at 11.000 s: refused with LINEERR_INVALCALLSTATE</title>answer</tspan>"),
            std::string::npos);
  EXPECT_NE(ladder.find(">11.000</text>"), std::string::npos);
  // An operation on a line without calls gets that line a lane when every call is shown.
  EXPECT_NE(ladder.find(">209</text>"), std::string::npos);
  EXPECT_NE(ladder.find("refused with LINEERR_INVALADDRESS</title>make_call</tspan>"), std::string::npos);
  EXPECT_EQ(ladder.find("translate_address"), std::string::npos);
  // report.json does not list operations.
  RunResult without = run;
  without.operations.clear();
  EXPECT_EQ(report_json(run), report_json(without));
}

TEST(ReportHtmlTest, DrawsOnlyTheOperationsOfSampledCalls) {
  RunResult run = test::sample_run();
  const CallRecord model = run.records[0];
  for (std::uint64_t s = 7; s <= 5'000; ++s) {
    run.records.push_back(model);
    run.records.back().serial = s;
    run.records.back().line = std::to_string(1000 + s);
  }
  run.operations = {
      {test::ms(0), Op::MakeCall, "201", 1, LineErr::Success, ""},             // sampled call
      {test::ms(0), Op::MakeCall, "1100", 100, LineErr::Success, ""},          // not sampled
      {test::ms(1), Op::Drop, "203", 0, LineErr::InvalCallHandle, ""},         // sampled line
      {test::ms(2), Op::MakeCall, "9999", 0, LineErr::InvalAddress, ""},       // no lane
  };
  const std::string ladder = ladder_of(report_html(run));
  EXPECT_NE(ladder.find("make_call on 201, c1"), std::string::npos);
  EXPECT_EQ(ladder.find("c100"), std::string::npos);
  EXPECT_NE(ladder.find("drop on 203 at 0.001 s: refused with LINEERR_INVALCALLHANDLE"), std::string::npos);
  EXPECT_EQ(ladder.find("9999"), std::string::npos);
}

TEST(ReportHtmlTest, CallsSharingALaneAtOnceSitInSeparateColumns) {
  // Line 200 holds c2 while it takes c3 (front_desk.yaml): their labels must not overlap.
  using S = CallState;
  RunResult run = test::sample_run();
  run.records = {
      test::record(2, Direction::Outgoing, "200", "200", "201",
                   {{S::DialTone, 0}, {S::Connected, 1'000}, {S::OnHold, 2'000}, {S::Idle, 9'000}},
                   DisconnectMode::Normal, Outcome::Answered),
      test::record(3, Direction::Outgoing, "200", "200", "202",
                   {{S::DialTone, 2'000}, {S::Idle, 4'000}}, DisconnectMode::Normal, Outcome::Failed),
      test::record(4, Direction::Outgoing, "200", "200", "203",
                   {{S::DialTone, 10'000}, {S::Idle, 11'000}}, DisconnectMode::Normal, Outcome::Failed),
  };
  const std::string ladder = ladder_of(report_html(run));
  const long held = text_x(ladder, "c2 ONHOLD"), second = text_x(ladder, "c3 DIALTONE"),
             later = text_x(ladder, "c4 DIALTONE");
  ASSERT_GE(held, 0);
  ASSERT_GE(second, 0);
  EXPECT_GE(second - held, 120) << ladder;  // room for the first call's label
  EXPECT_EQ(later, held);                   // the first column is free again by then
}

TEST(ReportHtmlTest, DrawsAHistogramPerTimingWithItsPercentiles) {
  const std::string html = report_html(test::sample_run());
  for (const char* name : {"setup", "answer", "ring", "talk"}) {
    const std::size_t svg = html.find(std::string("id=\"histogram-") + name + "\"");
    ASSERT_NE(svg, std::string::npos) << name;
    const std::string chart = html.substr(svg, html.find("</svg>", svg) - svg);
    EXPECT_NE(chart.find(std::string(name) + " time ("), std::string::npos) << name;  // axis label
    EXPECT_NE(chart.find(">calls</text>"), std::string::npos) << name;
    EXPECT_NE(chart.find(">p50 "), std::string::npos) << name;
    EXPECT_NE(chart.find(">p99 "), std::string::npos) << name;
  }
  // talk: one sample of 30 s, on a seconds axis.
  EXPECT_NE(html.find("talk time (s)"), std::string::npos);
  EXPECT_NE(html.find(">p95 30000.000 ms</text>"), std::string::npos);
}

TEST(ReportHtmlTest, PlotsTrunkOccupancyFromTheChannelsCalls) {
  RunResult run = test::sample_run();
  run.trunks.push_back(RunResult::Trunk{"pstn", 4, {}});
  // Two channels busy 10..20 s and 15..40 s: at most 2 busy.
  CallRecord ch = run.records[1];
  ch.line = "pstn/1", ch.serial = 7, ch.start = test::ms(10'000), ch.end = test::ms(20'000);
  run.records.push_back(ch);
  ch.line = "pstn/2", ch.serial = 8, ch.start = test::ms(15'000), ch.end = test::ms(40'000);
  run.records.push_back(ch);
  const std::string html = report_html(run);
  const std::size_t svg = html.find("id=\"trunk-occupancy-0\"");
  ASSERT_NE(svg, std::string::npos);
  const std::string chart = html.substr(svg, html.find("</svg>", svg) - svg);
  EXPECT_NE(chart.find(">4 channels</text>"), std::string::npos);
  EXPECT_NE(chart.find(">busy channels</text>"), std::string::npos);
  EXPECT_NE(chart.find(">simulated time (s)</text>"), std::string::npos);
  // Plot 126 px high for 4 channels: 2 busy sits at y = 14 + 126 - 63 = 77, never higher.
  EXPECT_NE(chart.find(",77 "), std::string::npos);
  EXPECT_EQ(chart.find(",46 "), std::string::npos);  // 3 busy: never
}

TEST(ReportHtmlTest, ShowsTheFeatureCounters) {
  RunResult run = test::sample_run();
  run.pbx.parks = 3;
  run.pbx.pickups = 2;
  run.pbx.forwards = 5;
  const std::string html = report_html(run);
  EXPECT_NE(html.find("<th>park</th><td>3 parked"), std::string::npos);
  EXPECT_NE(html.find("<th>pickup</th><td>2 picked up"), std::string::npos);
  EXPECT_NE(html.find("<th>forwarding</th><td>5 forwards"), std::string::npos);
}

TEST(ReportHtmlTest, CapsTheCallsTableForLongRuns) {
  RunResult run = test::sample_run();
  const CallRecord model = run.records[0];
  for (std::uint64_t s = 7; s <= 1'200; ++s) {
    run.records.push_back(model);
    run.records.back().serial = s;
  }
  const std::string html = report_html(run);
  EXPECT_NE(html.find("First 1000 of 1200 calls"), std::string::npos);
  EXPECT_EQ(html.find("<td>c1001</td>"), std::string::npos);
}

TEST(ReportHtmlTest, APassingRunSaysPass) {
  RunResult run = test::sample_run();
  run.expectations.pop_back();
  EXPECT_NE(report_html(run).find(">PASS</span>"), std::string::npos);
}

TEST(ReportHtmlTest, EqualRunsGiveIdenticalBytes) {
  EXPECT_EQ(report_html(test::sample_run()), report_html(test::sample_run()));
}

}  // namespace
}  // namespace telsim
