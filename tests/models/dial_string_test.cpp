// TAPI's dialable address format as the switch reads it (dial_string.hpp).
#include "telsim/models/dial_string.hpp"

#include <gtest/gtest.h>

namespace telsim {
namespace {

DialableAddress parsed(std::string_view text) {
  std::string why;
  const auto a = parse_dialable(text, why);
  EXPECT_TRUE(a.has_value()) << text << ": " << why;
  return a.value_or(DialableAddress{});
}

std::string refusal(std::string_view text) {
  std::string why;
  const auto a = parse_dialable(text, why);
  EXPECT_FALSE(a.has_value()) << text;
  return why;
}

TEST(DialStringTest, ModifiersAreKeptInOrderAndPTWAreUpperCased) {
  EXPECT_EQ(parsed("T9,5551234").number, "T9,5551234");
  EXPECT_EQ(parsed("p9w555t12").number, "P9W555T12");
  EXPECT_EQ(parsed("*72#ABCD!@$?").number, "*72#ABCD!@$?");
  EXPECT_EQ(parsed("").number, "");
}

TEST(DialStringTest, ASemicolonAtTheEndMakesThePartialNumber) {
  const DialableAddress a = parsed("20;");
  EXPECT_EQ(a.number, "20");
  EXPECT_TRUE(a.partial);
  EXPECT_FALSE(parsed("20").partial);
  EXPECT_EQ(refusal("20;1"), "';' (more digits follow) may only end the number, not stand at position 3");
}

TEST(DialStringTest, SubaddressNameAndFurtherAddressesAreSplitOff) {
  const DialableAddress a = parsed("5551234|77^Jane Doe\r\n202\r\n203");
  EXPECT_EQ(a.number, "5551234");
  EXPECT_EQ(a.subaddress, "77");
  EXPECT_EQ(a.name, "Jane Doe");
  EXPECT_EQ(a.more, (std::vector<std::string>{"202", "203"}));
  EXPECT_EQ(parsed("201^Bob").name, "Bob");
  EXPECT_EQ(parsed("201^Bob").subaddress, "");
}

TEST(DialStringTest, OtherCharactersAreNamedWithTheirPosition) {
  EXPECT_EQ(refusal("20x1"), "'x' at position 3 is not a dialable character (0-9 * # A-D ! P T , W @ $ ? ;)");
  EXPECT_NE(refusal("20a").find("'a' at position 3"), std::string::npos);  // A-D: upper case only
  EXPECT_NE(refusal("20 1").find("' ' at position 3"), std::string::npos);
  EXPECT_EQ(refusal("20\n1"), "a line break that is not CR LF");
}

TEST(DialStringTest, DialDigitsLeaveTheModifiersOut) {
  EXPECT_EQ(dial_digits("T9,555W1@2$3!4P5"), "955512345");
  EXPECT_TRUE(is_dial_digit('D'));
  EXPECT_FALSE(is_dial_digit('d'));
  EXPECT_FALSE(is_dial_digit(','));
}

}  // namespace
}  // namespace telsim
