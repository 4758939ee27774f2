// ColdString: the call handle's rarely set strings read and write as std::string does.
#include "telsim/models/cold_string.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include <fmt/format.h>

namespace telsim {
namespace {

TEST(ColdStringTest, UnsetReadsAsTheEmptyString) {
  const ColdString s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.str(), "");
  EXPECT_EQ(s, "");
  EXPECT_STREQ(s.c_str(), "");
  const std::string& read = s;
  EXPECT_EQ(read, std::string());
}

TEST(ColdStringTest, AssignedValuesReadBackAndCompare) {
  ColdString s;
  s = std::string("orbit 7");
  EXPECT_EQ(s, "orbit 7");
  EXPECT_EQ(s, std::string("orbit 7"));
  EXPECT_EQ(s.size(), 7u);
  s = "sales";
  EXPECT_EQ(s.str(), "sales");
  s += ":2";
  s += '!';
  EXPECT_EQ(s, "sales:2!");
  s.mut().erase(0, 6);
  EXPECT_EQ(s, "2!");
  EXPECT_EQ(fmt::format("[{}]", s), "[2!]");
  EXPECT_NE(s, ColdString("other"));
}

TEST(ColdStringTest, AnEmptyAssignmentOrClearUnsetsIt) {
  ColdString s("x");
  s = "";
  EXPECT_TRUE(s.empty());
  s = "y";
  s.clear();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s, ColdString());
}

TEST(ColdStringTest, CopiesAreIndependentAndMovesLeaveTheSourceUnset) {
  ColdString a("display");
  ColdString b = a;
  b += " text";
  EXPECT_EQ(a, "display");
  EXPECT_EQ(b, "display text");
  a = b;
  EXPECT_EQ(a, "display text");
  ColdString c = std::move(b);
  EXPECT_EQ(c, "display text");
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move): moved-from is unset, by design
}

}  // namespace
}  // namespace telsim
