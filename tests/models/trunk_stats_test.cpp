// Trunk statistics: the blocking and its 95% confidence interval, which CI gates on. A handful
// of calls must give no interval (with the reason), never a zero-width one.
#include <gtest/gtest.h>

#include "telsim/models/trunk.hpp"

namespace telsim {
namespace {

using namespace std::chrono_literals;

SimTime at_s(double s) { return std::chrono::duration_cast<SimTime>(std::chrono::duration<double>(s)); }

/// A window of 200 s: 20 batches of 10 s each.
TrunkStats window() { return TrunkStats(SimTime{0s}, SimTime{200s}); }

TEST(TrunkStatsTest, TwoAttemptsGiveNoIntervalAndSayWhy) {
  TrunkStats t = window();
  t.seize_attempt(at_s(1), false);
  t.seize_attempt(at_s(2), true);
  const auto s = t.summary(SimTime{200s});
  EXPECT_EQ(s.offered, 2u);
  EXPECT_DOUBLE_EQ(s.blocking, 0.5);
  EXPECT_FALSE(s.blocking_ci);
  EXPECT_NE(s.ci_reason.find("0 of 20 batches"), std::string::npos) << s.ci_reason;
}

TEST(TrunkStatsTest, AttemptsSpreadTooThinGiveNoInterval) {
  // 4 attempts in each of 20 batches: below the 5 a batch needs to count.
  TrunkStats t = window();
  for (int b = 0; b < 20; ++b)
    for (int k = 0; k < 4; ++k) t.seize_attempt(at_s(10.0 * b + 1 + k), k == 0);
  const auto s = t.summary(SimTime{200s});
  EXPECT_FALSE(s.blocking_ci);
  EXPECT_EQ(s.ci_batches, 0);
}

TEST(TrunkStatsTest, NoWindowMeansNoInterval) {
  TrunkStats t;  // no traffic `for`: no batches
  for (int k = 0; k < 1000; ++k) t.seize_attempt(at_s(k), k % 10 == 0);
  const auto s = t.summary(SimTime{1000s});
  EXPECT_FALSE(s.blocking_ci);
  EXPECT_NE(s.ci_reason.find("measurement window"), std::string::npos) << s.ci_reason;
}

TEST(TrunkStatsTest, EnoughBatchesGiveAnIntervalAroundTheBlocking) {
  TrunkStats t = window();
  // Every batch 20 attempts; batch b blocks b % 4 of them: proportions 0, .05, .1, .15.
  for (int b = 0; b < 20; ++b)
    for (int k = 0; k < 20; ++k) t.seize_attempt(at_s(10.0 * b + 0.1 * (k + 1)), k < b % 4);
  const auto s = t.summary(SimTime{200s});
  ASSERT_TRUE(s.blocking_ci) << s.ci_reason;
  EXPECT_EQ(s.ci_batches, 20);
  EXPECT_TRUE(s.ci_reason.empty());
  EXPECT_LT(s.blocking_ci->first, s.blocking);
  EXPECT_GT(s.blocking_ci->second, s.blocking);
  EXPECT_GE(s.blocking_ci->first, 0.0);
}

TEST(TrunkStatsTest, NoBlockingAtAllStillGivesAnIntervalOfNonZeroWidth) {
  // Every batch the same proportion (0): batch means alone would claim [0, 0].
  TrunkStats t = window();
  for (int b = 0; b < 20; ++b)
    for (int k = 0; k < 10; ++k) t.seize_attempt(at_s(10.0 * b + 0.5 * (k + 1)), false);
  const auto s = t.summary(SimTime{200s});
  ASSERT_TRUE(s.blocking_ci) << s.ci_reason;
  EXPECT_DOUBLE_EQ(s.blocking_ci->first, 0.0);
  // Wilson score upper bound for 0 of 200 at 95%: z^2 / (n + z^2) = 0.0188.
  EXPECT_NEAR(s.blocking_ci->second, 3.8415 / (200 + 3.8415), 1e-4);
}

}  // namespace
}  // namespace telsim
