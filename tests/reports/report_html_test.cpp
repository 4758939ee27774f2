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

TEST(ReportHtmlTest, DrawsTheTimingsAsInlineSvg) {
  const std::string html = report_html(test::sample_run());
  const std::size_t svg = html.find("<svg xmlns=\"http://www.w3.org/2000/svg\"");
  ASSERT_NE(svg, std::string::npos);
  EXPECT_NE(html.find("</svg>", svg), std::string::npos);
  // talk's p95 (30 s) is the longest bar and sets the scale.
  EXPECT_NE(html.find("width=\"420\" height=\"14\" fill=\"#3182bd\"/><text x=\"496\" y=\"187\">"
                      "30000.000 ms (n=1)"),
            std::string::npos)
      << html.substr(svg);
  EXPECT_NE(html.find(">setup</text>", svg), std::string::npos);
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
