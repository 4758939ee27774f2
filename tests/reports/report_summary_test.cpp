#include <gtest/gtest.h>

#include "reports/sample_run.hpp"

namespace telsim {
namespace {

using test::ms;

std::vector<Duration> millis(std::initializer_list<int> values) {
  std::vector<Duration> out;
  for (int v : values) out.push_back(ms(v));
  return out;
}

TEST(NearestRankTest, PicksTheCeilingRankOfTheSortedSamples) {
  std::vector<Duration> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(ms(i));
  EXPECT_EQ(nearest_rank(hundred, 50), ms(50));
  EXPECT_EQ(nearest_rank(hundred, 95), ms(95));
  EXPECT_EQ(nearest_rank(hundred, 99), ms(99));
  EXPECT_EQ(nearest_rank(hundred, 100), ms(100));
  EXPECT_EQ(nearest_rank(hundred, 0.5), ms(1));

  const std::vector<Duration> three = millis({10, 20, 30});
  EXPECT_EQ(nearest_rank(three, 50), ms(20));  // ceil(1.5) = 2nd
  EXPECT_EQ(nearest_rank(three, 95), ms(30));  // ceil(2.85) = 3rd
}

TEST(NearestRankTest, ExactProductsAreNotRoundedUp) {
  std::vector<Duration> twenty;
  for (int i = 1; i <= 20; ++i) twenty.push_back(ms(i));
  EXPECT_EQ(nearest_rank(twenty, 95), ms(19));  // 0.95 * 20 = 19 exactly
  EXPECT_EQ(nearest_rank(twenty, 50), ms(10));
  EXPECT_EQ(nearest_rank(millis({1, 2, 3, 4}), 50), ms(2));
}

TEST(NearestRankTest, NoSamplesGiveZero) { EXPECT_EQ(nearest_rank({}, 50), Duration{0}); }

TEST(SummarizeTimingTest, SortsItsSamplesFirst) {
  const TimingSummary s = summarize_timing("x", millis({900, 100, 500, 300, 700}));
  EXPECT_EQ(s.name, "x");
  EXPECT_EQ(s.count, 5u);
  EXPECT_EQ(s.p50, ms(500));
  EXPECT_EQ(s.p95, ms(900));
  EXPECT_EQ(s.p99, ms(900));
  EXPECT_EQ(s.max, ms(900));
}

TEST(SummarizeTimingTest, OneSampleIsEveryPercentile) {
  const TimingSummary s = summarize_timing("one", millis({42}));
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.p50, ms(42));
  EXPECT_EQ(s.p99, ms(42));
  EXPECT_EQ(s.max, ms(42));
}

TEST(SummarizeTimingTest, NoSamplesGiveAllZero) {
  const TimingSummary s = summarize_timing("none", {});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p50, Duration{0});
  EXPECT_EQ(s.p95, Duration{0});
  EXPECT_EQ(s.p99, Duration{0});
  EXPECT_EQ(s.max, Duration{0});
}

TEST(CountCallsTest, CountsOutgoingOutcomesAndIncomingSeparately) {
  const CallCounts c = count_calls(test::sample_run());
  EXPECT_EQ(c.total, 4u);
  EXPECT_EQ(c.answered, 1u);
  EXPECT_EQ(c.abandoned, 1u);
  EXPECT_EQ(c.busy, 1u);
  EXPECT_EQ(c.blocked, 0u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(c.cleared, 1u);
  EXPECT_EQ(c.cleared_at_end, 1u);
  EXPECT_EQ(c.incoming_total, 2u);
  EXPECT_EQ(c.incoming_answered, 1u);
  EXPECT_EQ(c.incoming_missed, 1u);
}

TEST(CallsSummaryLineTest, ListsTheOutcomesThatOccurred) {
  const RunResult run = test::sample_run();
  EXPECT_EQ(calls_summary_line(count_calls(run), run),
            "calls: 4 placed (1 answered, 1 busy, 1 abandoned, 1 cleared), 2 received (1 answered, 1 missed); "
            "6 CDRs, 1 cleared at end of run");
  const RunResult empty;
  EXPECT_EQ(calls_summary_line(count_calls(empty), empty),
            "calls: 0 placed (0 answered), 0 received (0 answered); 0 CDRs, 0 cleared at end of run");
}

TEST(TrunkSummaryLinesTest, GiveTheIntervalOrWhyThereIsNone) {
  RunResult run;
  TrunkStats one(SimTime{0}, SimTime{std::chrono::seconds(200)});
  one.seize_attempt(SimTime{std::chrono::seconds(1)}, true);
  run.trunks.push_back({"pstn", 1, one.summary(SimTime{std::chrono::seconds(200)})});
  const auto lines = trunk_summary_lines(run);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "trunk pstn: 1 channel, 1 seizure attempt, 1 blocked, blocking 1.0000 (no 95% interval: 0 of 20 "
                      "batches had 5 or more seizure attempts; an interval needs 10)");
}

TEST(CallTimingsTest, MeasuresSetupAnswerRingAndTalk) {
  const std::vector<TimingSummary> t = call_timings(test::sample_run());
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].name, "setup");
  EXPECT_EQ(t[0].count, 4u);  // 1000, 750, 250, 500 ms
  EXPECT_EQ(t[0].p50, ms(500));
  EXPECT_EQ(t[0].p95, ms(1'000));
  EXPECT_EQ(t[0].max, ms(1'000));
  EXPECT_EQ(t[1].name, "answer");
  EXPECT_EQ(t[1].count, 1u);
  EXPECT_EQ(t[1].p50, ms(3'000));
  EXPECT_EQ(t[2].name, "ring");
  EXPECT_EQ(t[2].count, 1u);
  EXPECT_EQ(t[2].p50, ms(2'500));  // OFFERING at 0.5 s until the answer at 3 s
  EXPECT_EQ(t[3].name, "talk");
  EXPECT_EQ(t[3].count, 1u);
  EXPECT_EQ(t[3].p50, ms(30'000));
}

TEST(CallTimingsTest, RingStartsAtOfferingWhenTheRecordStartsEarlier) {
  RunResult run = test::sample_run();
  run.records[1].start = ms(0);  // the handle existed before it was offered
  EXPECT_EQ(call_timings(run)[2].p50, ms(2'500));
}

TEST(CallTimingsTest, AnEmptyRunStillHasAllFourTimings) {
  const std::vector<TimingSummary> t = call_timings(RunResult{});
  ASSERT_EQ(t.size(), 4u);
  for (const TimingSummary& s : t) EXPECT_EQ(s.count, 0u) << s.name;
}

}  // namespace
}  // namespace telsim
