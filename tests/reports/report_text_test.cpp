#include <gtest/gtest.h>

#include "telsim/reports/reports.hpp"

namespace telsim {
namespace {

using namespace std::chrono_literals;

TEST(XmlEscapeTest, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(xml_escape("a & b < c > d \" e ' f"),
            "a &amp; b &lt; c &gt; d &quot; e &apos; f");
  EXPECT_EQ(xml_escape("plain text 123"), "plain text 123");
  EXPECT_EQ(xml_escape(""), "");
}

TEST(XmlEscapeTest, KeepsLineBreaksAsCharacterReferences) {
  EXPECT_EQ(xml_escape("a\nb\tc\rd"), "a&#10;b&#9;c&#13;d");
}

TEST(XmlEscapeTest, ReplacesCharactersXmlForbids) {
  EXPECT_EQ(xml_escape(std::string("a\x01" "b\x1f", 4)), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape(std::string("x\0y", 3)), "x\xEF\xBF\xBDy");
}

TEST(XmlEscapeTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(xml_escape("Z\xC3\xBCrich \xE2\x98\x8E \xF0\x9F\x93\x9E"),
            "Z\xC3\xBCrich \xE2\x98\x8E \xF0\x9F\x93\x9E");
  EXPECT_EQ(xml_escape("bad \xFF end"), "bad \xEF\xBF\xBD end");
  EXPECT_EQ(xml_escape("cut \xE2\x98"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("overlong \xC0\xAF"), "overlong \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("surrogate \xED\xA0\x80"),
            "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(CsvFieldTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("201"), "201");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

TEST(FormatSecondsTest, PrintsThreeDecimalsRoundedHalfAwayFromZero) {
  EXPECT_EQ(format_seconds_3(0s), "0.000");
  EXPECT_EQ(format_seconds_3(1500ms), "1.500");
  EXPECT_EQ(format_seconds_3(3h), "10800.000");
  EXPECT_EQ(format_seconds_3(1234499us), "1.234");
  EXPECT_EQ(format_seconds_3(1234500us), "1.235");
  EXPECT_EQ(format_seconds_3(std::chrono::nanoseconds(999'999'999)), "1.000");
  EXPECT_EQ(format_seconds_3(-1500us), "-0.002");
}

}  // namespace
}  // namespace telsim
