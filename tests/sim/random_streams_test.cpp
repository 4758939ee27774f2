// Named random streams: reproducible, independent of each other, and sampled portably.
#include <gtest/gtest.h>

#include "telsim/models/random.hpp"

namespace telsim {
namespace {

using namespace std::chrono_literals;

TEST(RandomStreamTest, SameSeedAndNameGiveTheSameNumbers) {
  auto a = random_stream(7, "station:201");
  auto b = random_stream(7, "station:201");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a(), b());
}

TEST(RandomStreamTest, AStreamDoesNotDependOnOtherStreams) {
  auto alone = random_stream(7, "station:201");
  auto other = random_stream(7, "station:202");  // a new consumer appears...
  for (int i = 0; i < 10; ++i) other();
  auto again = random_stream(7, "station:201");  // ...and 201 still sees the same numbers
  for (int i = 0; i < 100; ++i) EXPECT_EQ(alone(), again());
}

TEST(RandomStreamTest, NamesAndSeedsSeparateStreams) {
  EXPECT_NE(random_stream(7, "a")(), random_stream(7, "b")());
  EXPECT_NE(random_stream(7, "a")(), random_stream(8, "a")());
}

TEST(DurationDistTest, UniformStaysInItsBounds) {
  auto rng = random_stream(1, "u");
  const auto d = DurationDist::uniform(1s, 3s);
  for (int i = 0; i < 10000; ++i) {
    const Duration x = d.sample(rng);
    ASSERT_GE(x, Duration(1s));
    ASSERT_LT(x, Duration(3s));
  }
}

TEST(DurationDistTest, ExponentialHasItsMean) {
  auto rng = random_stream(1, "e");
  const auto d = DurationDist::exponential(180s);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) sum += to_seconds(d.sample(rng));
  EXPECT_NEAR(sum / n, 180.0, 180.0 * 0.01);  // 1% (the standard error is ~0.22%)
}

TEST(DurationDistTest, FixedIsFixed) {
  auto rng = random_stream(1, "f");
  EXPECT_EQ(DurationDist(5s).sample(rng), Duration(5s));
}

}  // namespace
}  // namespace telsim
