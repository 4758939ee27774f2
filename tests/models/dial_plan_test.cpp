// DialPlan: when is a dialled digit string a whole number.
#include "telsim/models/dial_plan.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <random>
#include <set>
#include <string_view>

namespace telsim {

void PrintTo(DialPlan::Match m, std::ostream* os) {
  switch (m) {
    case DialPlan::Match::Complete: *os << "Complete"; return;
    case DialPlan::Match::Ambiguous: *os << "Ambiguous"; return;
    case DialPlan::Match::Incomplete: *os << "Incomplete"; return;
    case DialPlan::Match::Invalid: *os << "Invalid"; return;
  }
}

namespace {

using Match = DialPlan::Match;

DialPlan plan_of(std::initializer_list<const char*> numbers) {
  DialPlan plan;
  for (const char* n : numbers) plan.add(n);
  return plan;
}

TEST(DialPlanTest, NumberWithNoLongerNumberBehindItIsComplete) {
  const DialPlan plan = plan_of({"201", "202", "20", "2011"});
  EXPECT_EQ(plan.classify("202"), Match::Complete);
  EXPECT_EQ(plan.classify("2011"), Match::Complete);
}

TEST(DialPlanTest, NumberThatIsAlsoThePrefixOfALongerOneIsAmbiguous) {
  const DialPlan plan = plan_of({"201", "202", "20", "2011"});
  EXPECT_EQ(plan.classify("20"), Match::Ambiguous);
  EXPECT_EQ(plan.classify("201"), Match::Ambiguous);
}

TEST(DialPlanTest, PrefixOfANumberIsIncomplete) {
  const DialPlan plan = plan_of({"201", "202", "20", "2011"});
  EXPECT_EQ(plan.classify("2"), Match::Incomplete);
  const DialPlan three = plan_of({"201", "202"});
  EXPECT_EQ(three.classify("2"), Match::Incomplete);
  EXPECT_EQ(three.classify("20"), Match::Incomplete);
}

TEST(DialPlanTest, DigitsNoNumberStartsWithAreInvalid) {
  const DialPlan plan = plan_of({"201", "202", "20", "2011"});
  EXPECT_EQ(plan.classify("300"), Match::Invalid);
  EXPECT_EQ(plan.classify("3"), Match::Invalid);
  EXPECT_EQ(plan.classify("203"), Match::Invalid);
  EXPECT_EQ(plan.classify("2012"), Match::Invalid);
  EXPECT_EQ(plan.classify("20111"), Match::Invalid) << "longer than any number";
}

TEST(DialPlanTest, EmptyStringIsIncompleteUnlessThePlanIsEmpty) {
  EXPECT_EQ(plan_of({"201"}).classify(""), Match::Incomplete);
  EXPECT_EQ(DialPlan{}.classify(""), Match::Invalid);
}

TEST(DialPlanTest, EmptyPlanFindsNothing) {
  const DialPlan plan;
  EXPECT_EQ(plan.classify("201"), Match::Invalid);
  EXPECT_FALSE(plan.contains("201"));
}

TEST(DialPlanTest, OrderOfAddingDoesNotMatter) {
  const DialPlan a = plan_of({"2011", "201", "20", "202"});
  const DialPlan b = plan_of({"20", "201", "202", "2011"});
  for (const char* digits : {"", "2", "20", "201", "2011", "202", "203", "300"})
    EXPECT_EQ(a.classify(digits), b.classify(digits)) << digits;
}

TEST(DialPlanTest, NumbersAddedAfterAClassifyAreSeen) {
  DialPlan plan;
  plan.add("201");
  EXPECT_EQ(plan.classify("201"), Match::Complete);
  plan.add("2015");
  EXPECT_EQ(plan.classify("201"), Match::Ambiguous);
  plan.add("100");
  EXPECT_EQ(plan.classify("1"), Match::Incomplete);
  EXPECT_TRUE(plan.contains("100"));
}

TEST(DialPlanTest, ContainsOnlyWholeNumbers) {
  const DialPlan plan = plan_of({"201", "20"});
  EXPECT_TRUE(plan.contains("201"));
  EXPECT_TRUE(plan.contains("20"));
  EXPECT_FALSE(plan.contains("2"));
  EXPECT_FALSE(plan.contains("2010"));
  EXPECT_FALSE(plan.contains(""));
}

TEST(DialPlanTest, StarAndHashNumbersSortBeforeDigitsButStillMatch) {
  // '#' and '*' sort before '0': the numbers starting "20" must still be found as one run.
  const DialPlan plan = plan_of({"20", "20#", "201", "*7", "*72"});
  EXPECT_EQ(plan.classify("20"), Match::Ambiguous);
  EXPECT_EQ(plan.classify("20#"), Match::Complete);
  EXPECT_EQ(plan.classify("201"), Match::Complete);
  EXPECT_EQ(plan.classify("*"), Match::Incomplete);
  EXPECT_EQ(plan.classify("*7"), Match::Ambiguous);
  EXPECT_EQ(plan.classify("*72"), Match::Complete);
  EXPECT_EQ(plan.classify("#"), Match::Invalid);
}

TEST(DialPlanTest, NumberAddedTwiceIsStillComplete) {
  DialPlan plan;
  plan.add("201");
  plan.add("201");
  EXPECT_TRUE(plan.contains("201"));
  EXPECT_EQ(plan.classify("201"), Match::Complete);
}

TEST(DialPlanTest, DialableDigitsAreDigitsStarHashAndAToD) {
  EXPECT_TRUE(is_dialable("0123456789"));
  EXPECT_TRUE(is_dialable("*#"));
  EXPECT_TRUE(is_dialable("ABCD"));
  EXPECT_TRUE(is_dialable("*72#201"));
  EXPECT_TRUE(is_dialable("")) << "nothing to dial is not an illegal character";
}

TEST(DialPlanTest, OtherCharactersAreNotDialable) {
  for (const char* bad : {"E", "20x", "2 01", "+1201", "201-", "(201)", "2,01", "\t"})
    EXPECT_FALSE(is_dialable(bad)) << '"' << bad << '"';
}

// What classify must answer, straight from its definition, for a set of numbers without access
// codes.
Match reference(const std::set<std::string>& numbers, std::string_view digits) {
  bool exact = false, longer = false;
  for (const std::string& n : numbers) {
    if (n == digits) exact = true;
    else if (std::string_view(n).starts_with(digits)) longer = true;
  }
  if (exact) return longer ? Match::Ambiguous : Match::Complete;
  return longer ? Match::Incomplete : Match::Invalid;
}

// Plans of numbers up to 15 digits are searched as packed words, others as strings: both must
// classify every string as the definition does, including prefixes of 15-digit numbers, the
// characters at the ends of the digit order (# and D), and strings no number could be.
void expect_plan_classifies_as_the_definition(bool with_long_number) {
  std::mt19937_64 rng(42);
  const std::string_view alphabet = "#*0123456789ABCD";
  const auto random_digits = [&](std::size_t max_len) {
    std::string s(1 + rng() % max_len, '0');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  std::set<std::string> numbers;
  for (int i = 0; i < 300; ++i) numbers.insert(random_digits(4));
  for (int i = 0; i < 40; ++i) numbers.insert("5550" + random_digits(11).substr(0, 11));  // up to 15
  numbers.insert("D");
  numbers.insert("###############");
  if (with_long_number) numbers.insert("1234567890123456");  // 16 digits: does not pack
  DialPlan plan;
  for (const std::string& n : numbers) plan.add(n);
  std::vector<std::string> queries = {"", "5550", "555", "#", "##############", "###############",
                                      "################", "12345678901234567", "20x", "E", "D", "DD"};
  for (const std::string& n : numbers) {
    for (std::size_t len = 0; len <= n.size(); ++len) queries.push_back(n.substr(0, len));
    queries.push_back(n + "0");
  }
  for (int i = 0; i < 3000; ++i) queries.push_back(random_digits(16));
  for (const std::string& q : queries) {
    EXPECT_EQ(plan.classify(q), reference(numbers, q)) << '"' << q << '"';
    EXPECT_EQ(plan.contains(q), numbers.count(q) == 1) << '"' << q << '"';
  }
}

TEST(DialPlanTest, ClassifiesAsTheDefinitionSaysWithNumbersOfUpTo15Digits) {
  expect_plan_classifies_as_the_definition(false);
}

TEST(DialPlanTest, ClassifiesAsTheDefinitionSaysOnceANumberIsLongerThan15Digits) {
  expect_plan_classifies_as_the_definition(true);
}

}  // namespace
}  // namespace telsim
