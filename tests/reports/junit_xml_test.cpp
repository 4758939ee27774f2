#include <gtest/gtest.h>

#include "reports/sample_run.hpp"

namespace telsim {
namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(JunitXmlTest, HasOneSuiteWithOneTestcasePerExpectation) {
  const std::string xml = junit_xml(test::sample_run());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0), 0u) << xml;
  EXPECT_EQ(occurrences(xml, "<testsuite "), 1u);
  EXPECT_NE(xml.find("<testsuite name=\"front-desk\" tests=\"3\" failures=\"1\" errors=\"0\" "
                     "skipped=\"0\" time=\"60.000\">"),
            std::string::npos)
      << xml;
  EXPECT_EQ(occurrences(xml, "<testcase "), 3u);
  EXPECT_EQ(occurrences(xml, "<failure "), 1u);
  EXPECT_NE(xml.find("</testsuite>\n</testsuites>\n"), std::string::npos);
}

TEST(JunitXmlTest, NamesEachTestcaseAfterItsStepAndLine) {
  const std::string xml = junit_xml(test::sample_run());
  EXPECT_NE(xml.find("<testcase classname=\"front-desk\" "
                     "name=\"step 1 (line 12): c1 state RINGBACK within 1s\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"step 5 (line 20): c3 state CONNECTED within 2s\">"),
            std::string::npos);
}

TEST(JunitXmlTest, FailureMessageStartsWithFileAndLineAndIsEscaped) {
  const std::string xml = junit_xml(test::sample_run());
  EXPECT_NE(xml.find("<failure message=\"scenarios/front_desk.yaml:20: c3 is BUSY, not CONNECTED "
                     "&amp; &lt;gave up&gt; &quot;quoted&quot; &apos;single&apos;\" "
                     "type=\"expectation\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("scenarios/front_desk.yaml:20: step 5 at 12.000s: c3 state CONNECTED "
                     "within 2s&#10;c3 is BUSY"),
            std::string::npos)
      << xml;
  // No raw special characters from the message survive.
  EXPECT_EQ(xml.find("<gave up>"), std::string::npos);
  EXPECT_EQ(xml.find("\"quoted\""), std::string::npos);
}

TEST(JunitXmlTest, EscapesTheScenarioNameAndWhat) {
  RunResult run = test::sample_run();
  run.scenario = "a<b> & \"c\"";
  run.expectations[0].what = "x < y";
  const std::string xml = junit_xml(run);
  EXPECT_NE(xml.find("<testsuite name=\"a&lt;b&gt; &amp; &quot;c&quot;\""), std::string::npos);
  EXPECT_NE(xml.find("classname=\"a&lt;b&gt; &amp; &quot;c&quot;\""), std::string::npos);
  EXPECT_NE(xml.find("name=\"step 1 (line 12): x &lt; y\""), std::string::npos);
}

TEST(JunitXmlTest, AllPassingRunHasNoFailureElements) {
  RunResult run = test::sample_run();
  run.expectations.pop_back();
  const std::string xml = junit_xml(run);
  EXPECT_EQ(occurrences(xml, "<failure"), 0u);
  EXPECT_NE(xml.find("tests=\"2\" failures=\"0\""), std::string::npos);
}

TEST(JunitXmlTest, RecordsSeedFileAndPersonalityAsProperties) {
  const std::string xml = junit_xml(test::sample_run());
  EXPECT_NE(xml.find("<property name=\"file\" value=\"scenarios/front_desk.yaml\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<property name=\"seed\" value=\"42\"/>"), std::string::npos);
  EXPECT_EQ(xml.find("\"personality\""), std::string::npos) << "no personality named, none written";
  RunResult keys = test::sample_run();
  keys.personality = "key_system";
  EXPECT_NE(junit_xml(keys).find("<property name=\"personality\" value=\"key_system\"/>"), std::string::npos);
}

TEST(JunitXmlTest, EqualRunsGiveIdenticalBytes) {
  EXPECT_EQ(junit_xml(test::sample_run()), junit_xml(test::sample_run()));
}

}  // namespace
}  // namespace telsim
