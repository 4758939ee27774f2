#include <gtest/gtest.h>

#include <regex>

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
  EXPECT_NE(html.find("4 (1 answered, 1 busy, 1 abandoned, 1 cleared; 1 cleared at end)"),
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
  // A history may wrap after each '>' (so the table fits the page).
  EXPECT_NE(html.find("<code>DIALTONE&gt;<wbr>RINGBACK&gt;<wbr>DISCONNECTED&gt;<wbr>IDLE</code>"),
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

/// The ladder: its four SVGs (corner, headings, times, diagram) in their scrolling box.
std::string ladder_of(const std::string& html) {
  const std::size_t box = html.find("<div class=\"ladder\">");
  if (box == std::string::npos) return "";
  return html.substr(box, html.find("</div></div>", box) - box);
}

/// One of the ladder's SVGs by its class ("head", "times") or id ("ladder").
std::string ladder_part(const std::string& ladder, const std::string& attribute) {
  const std::size_t at = ladder.find(attribute);
  if (at == std::string::npos) return "";
  return ladder.substr(at, ladder.find("</svg>", at) - at);
}

TEST(ReportHtmlTest, DrawsALadderWithOneLanePerLine) {
  RunResult run = test::sample_run();
  run.records[0].peer_serial = 2;  // c1 (201) reached c2 (202)
  run.records[1].peer_serial = 1;
  const std::string html = report_html(run);
  EXPECT_NE(html.find("All 6 call records of the run."), std::string::npos);
  const std::string ladder = ladder_of(html);
  ASSERT_NE(ladder.find("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"ladder\""), std::string::npos);
  const std::string head = ladder_part(ladder, "class=\"head\"");
  for (const char* line : {">201</text>", ">202</text>", ">203</text>", ">205</text>", ">206</text>", ">207</text>"})
    EXPECT_NE(head.find(line), std::string::npos) << line;
  EXPECT_NE(ladder_part(ladder, "class=\"corner\"").find(">time (s)</text>"), std::string::npos);
  // States at their simulated times: c1 connects at 3 s; the row for 3.000 s exists.
  EXPECT_NE(ladder.find(">c1 CONNECTED</text>"), std::string::npos);
  EXPECT_NE(ladder_part(ladder, "class=\"times\"").find(">3.000</text>"), std::string::npos);
  // The states a call reached at one instant share a label, a disconnect mode other than
  // NORMAL with DISCONNECTED: c3 is BUSY at 10.75 s, then DISCONNECTED and IDLE at 12 s.
  EXPECT_NE(ladder.find(">c3 BUSY</text>"), std::string::npos);
  EXPECT_NE(ladder.find(">c1 DISCONNECTED&gt;IDLE</text>"), std::string::npos);
  EXPECT_NE(ladder.find("<title>c3 BUSY at 10.750 s</title>"), std::string::npos);
  // An arrow from 201 to 202 when c2 is offered, and the failed verdict across the diagram.
  EXPECT_NE(ladder.find("marker-end=\"url(#arrow)\""), std::string::npos);
  EXPECT_NE(ladder.find("FAIL step 5 (line 20)"), std::string::npos);
}

/// Move a record in time.
void shift(CallRecord& r, Duration by) {
  for (StateStamp& st : r.history) st.at += by;
  r.start += by, r.end += by;
  if (r.answer) *r.answer += by;
}

/// sample_run() and answered calls c7..c5000 (copies of c1 on lines 1007..5000), placed from
/// `start_ms` on, one ms apart.
RunResult large_run(std::int64_t start_ms) {
  RunResult run = test::sample_run();
  const CallRecord model = run.records[0];
  for (std::uint64_t s = 7; s <= 5'000; ++s) {
    run.records.push_back(model);
    run.records.back().serial = s;
    run.records.back().line = std::to_string(1000 + s);
    shift(run.records.back(), test::ms(start_ms + static_cast<std::int64_t>(s)) - model.start);
  }
  return run;
}

TEST(ReportHtmlTest, SamplesTheLadderOfALargeRunAndSaysHow) {
  // The calls that did not end answered (c3..c6), and those answered after them for comparison.
  RunResult run = large_run(60'000);
  run.records[3].peer_serial = 5, run.records[4].peer_serial = 4;  // c4 reached c5
  const std::string html = report_html(run);
  EXPECT_NE(html.find("A sample of 7 of the run&apos;s 5000 call records, starting with the calls "
                      "that did not end answered (their lanes come first): all 4, then for "
                      "comparison the first 3 answered calls placed after them, and the other "
                      "party of each."),
            std::string::npos);
  const std::string ladder = ladder_of(html);
  EXPECT_NE(ladder.find(">c6 RINGBACK</text>"), std::string::npos);
  EXPECT_NE(ladder.find(">c9 CONNECTED</text>"), std::string::npos);
  EXPECT_EQ(ladder.find(">c1 "), std::string::npos);    // answered before them
  EXPECT_EQ(ladder.find(">c10 "), std::string::npos);   // beyond the comparison
  EXPECT_EQ(ladder.find(">1100</text>"), std::string::npos);
  // The lanes of the calls that did not end answered come first, in order of appearance.
  const std::string head = ladder_part(ladder, "class=\"head\"");
  std::vector<std::size_t> at;
  for (const char* line : {">203<", ">205<", ">206<", ">207<", ">1007<", ">1008<", ">1009<"})
    at.push_back(head.find(line));
  for (std::size_t i = 0; i < at.size(); ++i) {
    ASSERT_NE(at[i], std::string::npos) << i;
    if (i) {
      EXPECT_GT(at[i], at[i - 1]) << i;
    }
  }

  // Only one call did not end answered (c6, placed at 50 s), and two answered calls after it.
  RunResult one = large_run(0);
  for (const std::size_t i : {2, 3, 4}) one.records[i].outcome = Outcome::Answered;
  shift(one.records[6], test::ms(100'000)), shift(one.records[7], test::ms(100'000));
  EXPECT_NE(report_html(one).find("A sample of 3 of the run&apos;s 5000 call records, starting "
                                  "with the calls that did not end answered (their lanes come "
                                  "first): the only one, then for comparison the first 2 answered "
                                  "calls placed after them, and the other party of each."),
            std::string::npos);

  // Every call answered: the first calls.
  RunResult all = large_run(0);
  for (CallRecord& r : all.records) r.outcome = Outcome::Answered;
  EXPECT_NE(report_html(all).find("A sample of 8 of the run&apos;s 5000 call records: every call "
                                  "was answered; the first 8 calls and the other party of each."),
            std::string::npos);
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
  RunResult run = large_run(0);  // the sample: c3..c6, which did not end answered
  run.operations = {
      {test::ms(0), Op::MakeCall, "201", 1, LineErr::Success, ""},             // not sampled
      {test::ms(10'000), Op::MakeCall, "203", 3, LineErr::Success, ""},        // sampled call
      {test::ms(0), Op::MakeCall, "1100", 100, LineErr::Success, ""},          // not sampled
      {test::ms(1), Op::Drop, "203", 0, LineErr::InvalCallHandle, ""},         // sampled line
      {test::ms(2), Op::MakeCall, "9999", 0, LineErr::InvalAddress, ""},       // no lane
  };
  const std::string ladder = ladder_of(report_html(run));
  EXPECT_NE(ladder.find("make_call on 203, c3"), std::string::npos);
  EXPECT_EQ(ladder.find("c1 "), std::string::npos);
  EXPECT_EQ(ladder.find("c100"), std::string::npos);
  EXPECT_NE(ladder.find("drop on 203 at 0.001 s: refused with LINEERR_INVALCALLHANDLE"), std::string::npos);
  EXPECT_EQ(ladder.find("9999"), std::string::npos);
}

TEST(ReportHtmlTest, CallsSharingALaneAtOnceSitInSeparateColumnsWithHeadings) {
  // Line 200 holds c2 while it takes c3, and c5 while c3 dials: three columns, each as wide as
  // its longest label, each headed.
  using S = CallState;
  RunResult run = test::sample_run();
  run.records = {
      test::record(2, Direction::Outgoing, "200", "200", "201",
                   {{S::DialTone, 0}, {S::Connected, 1'000}, {S::OnHoldPendTransfer, 2'000}, {S::Idle, 9'000}},
                   DisconnectMode::Normal, Outcome::Answered),
      test::record(3, Direction::Outgoing, "200", "200", "202",
                   {{S::DialTone, 2'000}, {S::Idle, 4'000}}, DisconnectMode::Normal, Outcome::Failed),
      test::record(5, Direction::Outgoing, "200", "200", "204",
                   {{S::DialTone, 3'000}, {S::Idle, 3'500}}, DisconnectMode::Normal, Outcome::Failed),
      test::record(4, Direction::Outgoing, "200", "200", "203",
                   {{S::DialTone, 10'000}, {S::Idle, 11'000}}, DisconnectMode::Normal, Outcome::Failed),
  };
  const std::string ladder = ladder_of(report_html(run));
  const long held = text_x(ladder, "c2 ONHOLDPENDTRANSFER"), second = text_x(ladder, "c3 DIALTONE"),
             third = text_x(ladder, "c5 DIALTONE"), later = text_x(ladder, "c4 DIALTONE");
  ASSERT_GE(held, 0);
  ASSERT_GE(second, 0);
  ASSERT_GE(third, 0);
  // Room for each column's longest label: "c2 ONHOLDPENDTRANSFER" takes some 140 px at 11 px in
  // DejaVu Sans, "c3 DIALTONE" some 75.
  EXPECT_GE(second - held, 150) << ladder;
  EXPECT_GE(third - second, 85) << ladder;
  EXPECT_EQ(later, held);  // the first column is free again by then
  // Each column is headed: the line, then which call at once it holds.
  const std::string head = ladder_part(ladder, "class=\"head\"");
  EXPECT_NE(head.find(" font-weight=\"bold\">200</text>"), std::string::npos) << head;
  EXPECT_NE(head.find(">200 (2nd call)</text>"), std::string::npos) << head;
  EXPECT_NE(head.find(">200 (3rd call)</text>"), std::string::npos) << head;
  EXPECT_EQ(text_x(head, "200 (2nd call)"), second - 12);  // over its bar
  EXPECT_EQ(text_x(head, "200 (3rd call)"), third - 12);
}

TEST(ReportHtmlTest, LaysOperationLabelsOutLeftOfTheirLaneClearOfTheTimes) {
  // Long operation names on the first lane: the lane starts after them, so they end left of
  // its axis and start right of the time column (a separate SVG); a crowd is cut short.
  RunResult run = test::sample_run();
  run.operations = {
      {test::ms(0), Op::SetupTransfer, "201", 1, LineErr::Success, ""},
      {test::ms(0), Op::CompleteTransfer, "201", 1, LineErr::InvalCallState, ""},
  };
  for (int i = 0; i < 12; ++i)
    run.operations.push_back({test::ms(11'000), Op::Dial, "203", 3, LineErr::Success, ""});
  const std::string ladder = ladder_of(report_html(run));
  const std::string body = ladder_part(ladder, "id=\"ladder\"");
  // The group's <text> is right-aligned at its x: 20 px left of the lane's axis (the bar's
  // centre), and the first lane (at x 0 of the diagram) leaves room for it.
  const std::size_t group = body.find("setup_transfer</tspan>");
  ASSERT_NE(group, std::string::npos) << body;
  const std::size_t text = body.rfind("<text x=\"", group);
  const long label_end = std::stol(body.substr(text + 9));
  const long bar = text_x(body, "c1 DIALTONE") - 12;  // its bar's left edge
  EXPECT_EQ(label_end, bar + 4 - 20);
  EXPECT_GE(label_end, 180) << "setup_transfer, complete_transfer needs some 170 px at 10 px";
  // Twelve dials at one instant: as many as fit in 260 px, then "+N more" with the rest in its
  // tooltip.
  const std::regex more(R"(, <tspan><title>(dial on 203, c3 at 11\.000 s; )+dial on 203, c3 at 11\.000 s</title>\+(\d+) more</tspan>)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(body, m, more)) << body;
  const int named = 12 - std::stoi(m[2]);
  EXPECT_GE(named, 5);
  EXPECT_LT(named, 12);
}

TEST(ReportHtmlTest, DrawsNothingBeyondItsLastRow) {
  // 40 calls with 12 instants each: 480 instants, 400 rows. The calls past the last row are not
  // drawn there (their labels used to pile up on it), and the page says how many are left out.
  using S = CallState;
  RunResult run = test::sample_run();
  run.records.clear();
  run.expectations.clear();
  for (std::uint64_t c = 0; c < 40; ++c) {
    const int t = static_cast<int>(c) * 12'000;
    run.records.push_back(test::record(c + 1, Direction::Outgoing, std::to_string(300 + c), "x", "y",
                                       {{S::DialTone, t}, {S::Dialing, t + 1'000}, {S::Proceeding, t + 2'000},
                                        {S::RingBack, t + 3'000}, {S::Connected, t + 4'000}, {S::OnHold, t + 5'000},
                                        {S::Connected, t + 6'000}, {S::OnHold, t + 7'000}, {S::Connected, t + 8'000},
                                        {S::OnHold, t + 9'000}, {S::Disconnected, t + 10'000}, {S::Idle, t + 11'000}},
                                       DisconnectMode::Normal, Outcome::Answered));
  }
  const std::string body = ladder_part(ladder_of(report_html(run)), "id=\"ladder\"");
  EXPECT_NE(body.find(">… 80 more instants not drawn</text>"), std::string::npos);
  // Row 400's centre is at 8 + 399 * 20 + 10 = 7998: no state label below it.
  const std::regex label(R"re(<text x="\d+" y="(\d+)">c\d+ )re");
  long lowest = 0;
  for (std::sregex_iterator it(body.begin(), body.end(), label), end; it != end; ++it)
    lowest = std::max(lowest, std::stol((*it)[1]));
  EXPECT_EQ(lowest, 7998 + 4);
  // c34's instants are rows 397 to 408: its first four states are drawn, not the rest.
  EXPECT_NE(body.find(">c34 RINGBACK</text>"), std::string::npos);
  EXPECT_EQ(body.find(">c34 CONNECTED</text>"), std::string::npos);
  EXPECT_EQ(body.find(">c35 "), std::string::npos);
}

TEST(ReportHtmlTest, NamesFailedExpectationsOfOneInstantInOneLabel) {
  RunResult run = test::sample_run();
  run.expectations.push_back({6, 21, false, test::ms(12'000), "c3 state IDLE", "no"});
  const std::string body = ladder_part(ladder_of(report_html(run)), "id=\"ladder\"");
  EXPECT_NE(body.find(">FAIL steps 5, 6 (lines 20, 21)</text>"), std::string::npos) << body;
  EXPECT_EQ(body.find(">FAIL step 5"), std::string::npos);
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
  EXPECT_NE(html.find(">p95 30 s</text>"), std::string::npos);
}

/// The histogram of timing `name` in `html`.
std::string histogram_of(const std::string& html, const std::string& name) {
  const std::size_t svg = html.find("id=\"histogram-" + name + "\"");
  if (svg == std::string::npos) return "";
  return html.substr(svg, html.find("</svg>", svg) - svg);
}

TEST(ReportHtmlTest, EachHistogramHasOneUnitForItsAxisTicksAndPercentiles) {
  // setup (250..1000 ms) in ms; talk of 30 s in s; a talk of 18.34 s is "18.34 s", never
  // "18340.000 ms"; 25 min in min.
  RunResult run = test::sample_run();
  std::string html = report_html(run);
  const std::string setup = histogram_of(html, "setup");
  EXPECT_NE(setup.find(">setup time (ms)</text>"), std::string::npos) << setup;
  EXPECT_NE(setup.find(">p50 500 ms</text>"), std::string::npos) << setup;
  EXPECT_NE(setup.find(">p99 1000 ms</text>"), std::string::npos) << setup;
  EXPECT_NE(setup.find(">1000</text>"), std::string::npos) << setup;  // a tick, in ms
  EXPECT_EQ(setup.find(" s</text>"), std::string::npos) << setup;

  run.records[0].history[5].at = run.records[0].history[6].at = run.records[0].end =
      test::ms(3'000 + 18'340);
  html = report_html(run);
  std::string talk = histogram_of(html, "talk");
  EXPECT_NE(talk.find(">talk time (s)</text>"), std::string::npos) << talk;
  EXPECT_NE(talk.find(">p50 18.34 s</text>"), std::string::npos) << talk;
  EXPECT_NE(talk.find(">20</text>"), std::string::npos) << talk;  // a tick, in s
  EXPECT_EQ(talk.find(" ms</text>"), std::string::npos) << talk;

  run.records[0].history[5].at = run.records[0].history[6].at = run.records[0].end =
      test::ms(3'000 + 25 * 60'000 + 30'000);
  html = report_html(run);
  talk = histogram_of(html, "talk");
  EXPECT_NE(talk.find(">talk time (min)</text>"), std::string::npos) << talk;
  EXPECT_NE(talk.find(">p50 25.5 min</text>"), std::string::npos) << talk;
  EXPECT_EQ(talk.find(" s</text>"), std::string::npos) << talk;
  EXPECT_EQ(talk.find(" ms</text>"), std::string::npos) << talk;
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
  EXPECT_NE(chart.find(">simulated time (s), whole run</text>"), std::string::npos);
  // Plot 126 px high for 4 channels: 2 busy sits at y = 14 + 126 - 63 = 77, never higher.
  EXPECT_NE(chart.find(",77 "), std::string::npos);
  EXPECT_EQ(chart.find(",46 "), std::string::npos);  // 3 busy: never
}

TEST(ReportHtmlTest, SaysWhichTrunkFiguresAreTheMeasuredWindowsAndWhichTheCharts) {
  RunResult run = test::sample_run();
  TrunkStats::Summary st;
  st.offered = 3, st.carried = 2, st.blocked = 1, st.blocking = 1.0 / 3, st.carried_erlangs = 1;
  st.peak_occupancy = 1, st.ci_reason = "too few attempts";
  run.trunks.push_back(RunResult::Trunk{"pstn", 1, st});
  CallRecord ch = run.records[1];
  ch.line = "pstn/1", ch.serial = 7, ch.start = test::ms(1'000), ch.end = test::ms(2'000);
  run.records.push_back(ch);
  ch.serial = 8, ch.start = test::ms(3'000), ch.end = test::ms(4'000);
  run.records.push_back(ch);
  // Without traffic the statistics cover the whole run, like the chart.
  std::string html = report_html(run);
  EXPECT_NE(html.find("<p class=\"note\">1 channel. Over the whole run: 3 offered, 2 carried, 1 "
                      "blocked (blocking 0.3333, no 95% interval: too few attempts), 1.000 Erlang "
                      "carried, at most 1 busy at once.<br>The chart: the whole run, 0 to 60 s; 2 "
                      "calls on its channels, at most 1 busy at once.</p>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find(">1 channel</text>"), std::string::npos);
  // With traffic, the window is the traffic's, and the chart says it shows more.
  run.traffic.push_back({"inbound", 3, 0});
  html = report_html(run);
  EXPECT_NE(html.find("1 channel. In the measured window (from the end of the traffic's "
                      "warm-up until its generators stop; report.json's figures): 3 offered"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<br>The chart: the whole run, 0 to 60 s, warm-up and the calls after the "
                      "traffic stops included; 2 calls on its channels"),
            std::string::npos)
      << html;
}

TEST(ReportHtmlTest, CountsTakeTheSingularForOne) {
  // Every counter at 1: no "1 channels", "1 transfers", "1 hops" ... anywhere on the page.
  RunResult run = test::sample_run();
  run.records.resize(1);
  run.trunks.push_back(RunResult::Trunk{"pstn", 1, {}});
  PbxStats& p = run.pbx;
  p.parks = p.unparks = p.park_timeouts = p.park_recalls_answered = p.park_max_occupancy = 1;
  p.pickups = p.pickups_failed = p.forwards = p.forward_max_hops = p.forward_loops_stopped = 1;
  p.dnd_refusals = p.transfers = p.conferences = p.conference_max_size = p.redirects = 1;
  p.hold_recalls = p.completions_requested = p.completions_done = p.completions_cancelled = 1;
  p.intrusions = p.messages_left = 1;
  RunResult::ModemSummary m;
  m.name = "m1", m.number = "400", m.speed = 33600;
  m.stats.calls_placed = m.stats.calls_answered = m.stats.connects = m.stats.no_carrier = 1;
  m.stats.escapes = m.stats.bytes_sent = m.stats.bytes_received = m.stats.command_lines = 1;
  m.stats.errors = 1;
  run.modems.push_back(m);
  const std::string html = report_html(run);
  const std::regex plural_of_one(
      R"((^|[^0-9.])1 (channels|calls|call records|records|transfers|conferences|parties|redirects|)"
      R"(hold recalls|recalls|intrusions|messages|forwards|hops|loops|connects|escapes|bytes|)"
      R"(command lines|instants|Erlangs|more instants)\b)");
  std::smatch bad;
  EXPECT_FALSE(std::regex_search(html, bad, plural_of_one)) << bad.str();
  for (const char* one : {"The run&apos;s one call record.", ">1 channel</text>", "1 channel. ",
                          "(1 recall answered)", "1 forward (at most 1 hop), 1 loop stopped",
                          "1 transfer, 1 conference (at most 1 party), 1 redirect, 1 hold recall",
                          "1 intrusion, 1 message", "1 call placed", "1 connect, last at",
                          "1 escape; 1 byte sent", "1 command line (1 ERROR)"})
    EXPECT_NE(html.find(one), std::string::npos) << one;
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
