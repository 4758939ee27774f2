// Validation of the trunk and traffic model against Erlang B: an M/G/N/N loss system. The
// measured blocking must lie within its 95% batch-means confidence interval around the
// Erlang B value, whatever the holding-time distribution, and the carried traffic must be
// A(1 - B).
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "sim/cases.hpp"
#include "telsim/sim/runner.hpp"

namespace telsim {
namespace {

/// Erlang B by the recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)).
double erlang_b(int channels, double erlangs) {
  double b = 1.0;
  for (int n = 1; n <= channels; ++n) b = erlangs * b / (n + erlangs * b);
  return b;
}

struct LossCase {
  int channels;
  double erlangs;
  const char* holding;  // distribution, mean 60 s
};

/// Outbound calls from a pool of idle extensions over one trunk whose far end answers at once:
/// every call holds a channel for exactly its holding time, so the trunk is an M/G/N/N system.
RunResult run_loss_system(const LossCase& c, double arrivals) {
  const double per_min = c.erlangs;  // mean holding 1 min: A Erlangs = A arrivals per minute
  const auto minutes = static_cast<long>(arrivals / per_min);
  const std::string yaml = fmt::format(
      R"y(name: erlang-b N={0} A={1}
seed: 11
pbx:
  extensions: ["10000-{2}"]
  timing: {{dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}}
trunks:
  - {{name: t, channels: {0}, access_code: "9", number_length: 7, far_end: {{answer_after: 0}}}}
traffic:
  - {{from: "10000-{2}", to: "9555xxxx", arrivals: "poisson({1}/min)", holding: "{3}", for: {4}min, warmup: {5}min}}
)y",
      c.channels, c.erlangs, 10000 + c.channels + 40, c.holding, minutes, minutes / 50);
  ManualKernel kernel;
  return run_scenario(parse_scenario(yaml, "erlang.yaml"), kernel);
}

class ErlangBTest : public ::testing::TestWithParam<LossCase> {};

TEST_P(ErlangBTest, BlockingMatchesErlangBWithinItsConfidenceInterval) {
  const LossCase& c = GetParam();
  const RunResult r = run_loss_system(c, 60000);
  ASSERT_EQ(r.trunks.size(), 1u);
  const TrunkStats::Summary& s = r.trunks[0].stats;
  const double b = erlang_b(c.channels, c.erlangs);
  ASSERT_GT(s.offered, 50000u);
  EXPECT_EQ(r.traffic.at(0).no_idle_source, 0u) << "the source pool must never be the bottleneck";
  ASSERT_TRUE(s.blocking_ci) << s.ci_reason;
  const auto [low, high] = *s.blocking_ci;
  EXPECT_LE(low, b) << "measured " << s.blocking << " CI [" << low << ", " << high << "], Erlang B " << b;
  EXPECT_GE(high, b) << "measured " << s.blocking << " CI [" << low << ", " << high << "], Erlang B " << b;
  // Carried traffic A(1 - B): the blocking interval plus the sampling error of the offered load
  // (Poisson arrivals: relative standard deviation 1/sqrt(n)).
  const double expected = c.erlangs * (1 - b);
  const double tolerance =
      c.erlangs * (high - low) + 3 * expected / std::sqrt(double(s.offered));
  EXPECT_NEAR(s.carried_erlangs, expected, tolerance);
  EXPECT_LE(s.peak_occupancy, static_cast<std::uint32_t>(c.channels));
}

INSTANTIATE_TEST_SUITE_P(
    ExponentialHolding, ErlangBTest,
    test::stat_cases(LossCase{5, 2, "exponential(1min)"}, LossCase{10, 5, "exponential(1min)"},
                      LossCase{10, 7, "exponential(1min)"}, LossCase{20, 15, "exponential(1min)"},
                      LossCase{30, 20, "exponential(1min)"}, LossCase{50, 40, "exponential(1min)"},
                      LossCase{100, 80, "exponential(1min)"}));

// Erlang B is insensitive to the holding-time distribution: fixed holding gives the same B.
INSTANTIATE_TEST_SUITE_P(
    FixedHolding, ErlangBTest,
    test::stat_cases(LossCase{10, 7, "fixed(1min)"}, LossCase{20, 15, "fixed(1min)"},
                      LossCase{50, 40, "fixed(1min)"}));

TEST(ErlangBTest, RecursionMatchesKnownValues) {
  EXPECT_NEAR(erlang_b(1, 1.0), 0.5, 1e-12);
  EXPECT_NEAR(erlang_b(10, 5.0), 0.018385, 1e-6);
  EXPECT_NEAR(erlang_b(100, 80.0), 0.004, 1e-3);
}

}  // namespace
}  // namespace telsim
