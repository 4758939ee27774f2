// Validation of the ACD against queueing theory. With Poisson callers, exponential talk times
// and N agents who answer at once and need no wrap-up, a queue is an M/M/N system:
// - with callers who wait forever, Erlang C gives the probability of waiting C(N, A), the mean
//   wait C·h/(N−A) and the service level 1 − C·e^(−(N−A)t/h);
// - with exponential patience it is Erlang A (M/M/N+M), whose probabilities of waiting and of
//   abandoning this test computes from the birth–death chain.
// Each measured figure must lie within its own 95% batch-means interval of the formula.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "sim/cases.hpp"
#include "telsim/sim/runner.hpp"

namespace telsim {
namespace {

double erlang_b(int n, double a) {
  double b = 1.0;
  for (int k = 1; k <= n; ++k) b = a * b / (k + a * b);
  return b;
}

/// Erlang C from Erlang B: C = N·B / (N − A(1 − B)).
double erlang_c(int n, double a) {
  const double b = erlang_b(n, a);
  return n * b / (n - a * (1 - b));
}

/// M/M/N+M by its birth–death chain (rates per minute): arrivals `lambda`, service `mu` per
/// agent, abandonment `theta` per waiting caller. PASTA: an arrival waits with the probability
/// that all N agents are busy; it abandons at the rate theta·E[queue length] over lambda.
struct ErlangA {
  double wait = 0;
  double abandon = 0;
};
ErlangA erlang_a(int n, double lambda, double mu, double theta) {
  std::vector<double> p{1.0};
  double total = 1.0;
  for (int k = 1; k < n + 5000; ++k) {
    const double death = std::min(k, n) * mu + std::max(0, k - n) * theta;
    p.push_back(p.back() * lambda / death);
    total += p.back();
    if (p.back() < 1e-18 * total) break;
  }
  ErlangA out;
  double queue = 0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double pk = p[k] / total;
    if (static_cast<int>(k) >= n) {
      out.wait += pk;
      queue += (static_cast<double>(k) - n) * pk;
    }
  }
  out.abandon = theta * queue / lambda;
  return out;
}

struct QueueCase {
  int agents;
  double erlangs;       // offered load A: arrivals per minute, mean talk 1 min
  double patience_min;  // mean patience in minutes; 0 = callers wait forever
};

RunResult run_queue(const QueueCase& c, double arrivals) {
  const auto minutes = static_cast<long>(arrivals / c.erlangs);
  const std::string patience = c.patience_min > 0 ? fmt::format(", patience: \"exponential({}min)\"", c.patience_min) : "";
  const std::string yaml = fmt::format(
      R"y(name: erlang N={0} A={1}
seed: 5
pbx:
  extensions: ["10000-10999", "6000-{2}"]
  timing: {{dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}}
acd:
  queues:
    - {{name: q, number: "500", agents: "6000-{2}", service_level: [20s, 60s]{3}}}
  agents:
    - {{lines: "6000-{2}", behavior: {{answer_after: 0s}}}}
traffic:
  - {{from: "10000-10999", to: "500", arrivals: "poisson({1}/min)", holding: "exponential(1min)", for: {4}min, warmup: {5}min}}
)y",
      c.agents, c.erlangs, 6000 + c.agents - 1, patience, minutes, minutes / 50);
  ManualKernel kernel;
  return run_scenario(parse_scenario(yaml, "erlang.yaml"), kernel);
}

void expect_within(const QueueSummary::Figure& f, double formula, const char* what) {
  ASSERT_TRUE(f.ci95) << what << ": " << f.reason;
  // The figures docs/acd.md quotes.
  std::printf("  %-14s measured %.5f  95%% CI [%.5f, %.5f]  formula %.5f\n", what, f.value, f.ci95->first,
              f.ci95->second, formula);
  EXPECT_LE(f.ci95->first, formula) << what << " measured " << f.value << " CI [" << f.ci95->first << ", "
                                    << f.ci95->second << "], formula " << formula;
  EXPECT_GE(f.ci95->second, formula) << what << " measured " << f.value << " CI [" << f.ci95->first << ", "
                                     << f.ci95->second << "], formula " << formula;
}

class ErlangCTest : public ::testing::TestWithParam<QueueCase> {};

TEST_P(ErlangCTest, WaitingMeanWaitAndServiceLevelMatchErlangC) {
  const QueueCase& c = GetParam();
  const RunResult r = run_queue(c, 60000);
  ASSERT_EQ(r.queues.size(), 1u);
  const QueueSummary& q = r.queues[0];
  EXPECT_EQ(r.traffic.at(0).no_idle_source, 0u) << "the callers' pool must never be the bottleneck";
  ASSERT_GT(q.offered, 50000u);
  EXPECT_EQ(q.abandoned, 0u) << "nobody hangs up without patience";
  const double cw = erlang_c(c.agents, c.erlangs);
  const double h = 60.0;  // mean talk, seconds
  expect_within(q.wait_probability, cw, "P(wait)");
  expect_within(q.mean_wait_s, cw * h / (c.agents - c.erlangs), "mean wait");
  ASSERT_EQ(q.service_level.size(), 2u);
  for (const auto& [threshold, figure] : q.service_level) {
    const double t = to_seconds(threshold);
    expect_within(figure, 1 - cw * std::exp(-(c.agents - c.erlangs) * t / h), "service level");
  }
  // Each agent is busy A/N of its staffed time on average.
  double occupancy = 0;
  for (const AgentSummary& a : r.agents) occupancy += a.occupancy;
  EXPECT_NEAR(occupancy / static_cast<double>(r.agents.size()), c.erlangs / c.agents, 0.02);
}

INSTANTIATE_TEST_SUITE_P(InfinitePatience, ErlangCTest,
                         test::stat_cases(QueueCase{10, 8, 0}, QueueCase{20, 15, 0}));

TEST(ErlangCTest, FormulaMatchesPublishedValues) {
  EXPECT_NEAR(erlang_c(10, 8), 0.40918, 5e-6);
  EXPECT_NEAR(erlang_c(20, 15), 0.16043, 5e-6);
  // Erlang A tends to Erlang C as patience grows, and to Erlang B's blocking as it vanishes.
  EXPECT_NEAR(erlang_a(10, 8, 1, 1e-9).wait, erlang_c(10, 8), 1e-6);
  EXPECT_NEAR(erlang_a(10, 8, 1, 1e9).wait, erlang_b(10, 8), 1e-6);
}

class ErlangATest : public ::testing::TestWithParam<QueueCase> {};

TEST_P(ErlangATest, WaitingAndAbandonmentMatchTheBirthDeathChain) {
  const QueueCase& c = GetParam();
  const RunResult r = run_queue(c, 60000);
  const QueueSummary& q = r.queues.at(0);
  ASSERT_GT(q.offered, 50000u);
  ASSERT_GT(q.abandoned, 0u);
  const ErlangA a = erlang_a(c.agents, c.erlangs, 1.0, 1.0 / c.patience_min);
  expect_within(q.wait_probability, a.wait, "P(wait)");
  expect_within(q.abandon_probability, a.abandon, "P(abandon)");
}

INSTANTIATE_TEST_SUITE_P(ExponentialPatience, ErlangATest,
                         test::stat_cases(QueueCase{10, 9, 1}, QueueCase{10, 12, 2}));

}  // namespace
}  // namespace telsim
