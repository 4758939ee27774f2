// The server's clock on its own (sim/server/src/pacer.hpp): wall time to simulated time and
// back at a speed, advancing a ManualKernel to "now" with each timer's lateness measured
// against a fake wall clock, --until, and the lateness histogram's percentiles.
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "../../sim/server/src/pacer.hpp"

namespace telsim::serve {
namespace {

using namespace std::chrono_literals;

WallClock::time_point fake_wall;
WallClock::time_point fake_now() { return fake_wall; }

struct PacerRig {
  explicit PacerRig(double speed, std::optional<SimTime> until = std::nullopt)
      : pacer(std::make_unique<Pacer>(io, kernel, speed, until, [this](SimTime due) { woken.push_back(due); },
                                      &fake_now)) {
    fake_wall = WallClock::time_point(1000s);
    pacer->start();
  }
  boost::asio::io_context io;
  ManualKernel kernel;
  std::vector<SimTime> woken;
  std::unique_ptr<Pacer> pacer;
};

TEST(Pacer, MapsWallTimeToSimulatedTimeAtItsSpeed) {
  PacerRig one(1.0);
  const auto t0 = WallClock::time_point(1000s);
  EXPECT_EQ(one.pacer->sim_at(t0), SimTime(0));
  EXPECT_EQ(one.pacer->sim_at(t0 + 1234567ns), SimTime(1234567ns));
  EXPECT_EQ(one.pacer->wall_at(SimTime(5s)), t0 + 5s);

  PacerRig twice(2.0);
  EXPECT_EQ(twice.pacer->sim_at(t0 + 500ms), SimTime(1s));
  EXPECT_EQ(twice.pacer->wall_at(SimTime(1s)), t0 + 500ms);

  // Other speeds round to the nanosecond.
  PacerRig thrice(3.0);
  EXPECT_EQ(thrice.pacer->sim_at(t0 + 1ns), SimTime(3ns));
  EXPECT_EQ(thrice.pacer->wall_at(SimTime(1ns)), t0);
  EXPECT_EQ(thrice.pacer->wall_at(SimTime(2ns)), t0 + 1ns);
  EXPECT_EQ(thrice.pacer->wall_at(SimTime(3s)), t0 + 1s);
}

TEST(Pacer, AdvancesTheModelToNowAndMeasuresHowLateEachTimerRan) {
  PacerRig rig(2.0);
  std::vector<SimTime> ran;
  for (auto at : {1s, 2s, 3s}) rig.kernel.schedule(at, [&] { ran.push_back(rig.kernel.now()); });

  // One wall second later it is 2 s simulated: the 1 s timer (due at wall +0.5 s) ran 0.5 s
  // late, the 2 s one on time.
  fake_wall += 1s;
  EXPECT_FALSE(rig.pacer->advance());
  EXPECT_EQ(ran, (std::vector<SimTime>{1s, 2s}));
  EXPECT_EQ(rig.kernel.now(), SimTime(2s));
  PacingStats s = rig.pacer->stats();
  EXPECT_EQ(s.events, 2u);
  EXPECT_EQ(s.max, Duration(500ms));
  EXPECT_EQ(s.p50, Duration(LatenessHistogram::kBucket)) << "the first bucket's upper edge";
  EXPECT_EQ(s.p99, Duration(500ms)) << "never more than the largest lateness";

  // `at_least` goes further than the wall clock (a timer's own instant); early is on time.
  EXPECT_FALSE(rig.pacer->advance(SimTime(5s)));
  EXPECT_EQ(ran.size(), 3u);
  EXPECT_EQ(rig.kernel.now(), SimTime(5s));
  s = rig.pacer->stats();
  EXPECT_EQ(s.events, 3u);
  EXPECT_EQ(s.max, Duration(500ms));

  // Time never goes back, whatever the wall clock says.
  fake_wall -= 10s;
  rig.pacer->advance();
  EXPECT_EQ(rig.kernel.now(), SimTime(5s));
}

TEST(Pacer, ABigCatchUpStopsEveryBatchOfInstantsForTheServerToTellItsClients) {
  // A server far behind the clock (a high --speed) runs 10,000 instants in one advance; every
  // kBatch instants it hands over (the server flushes its clients' events and forgets ended
  // calls there), each time with every timer of those instants run and none of the next.
  PacerRig rig(1.0);
  std::uint64_t ran = 0;
  for (int i = 1; i <= 10000; ++i) rig.kernel.schedule(SimTime(i * 1ms), [&] { ++ran; });
  std::vector<std::uint64_t> ran_at_handover;
  std::vector<SimTime> now_at_handover;
  fake_wall += 20s;
  EXPECT_FALSE(rig.pacer->advance(SimTime::min(), [&] {
    ran_at_handover.push_back(ran);
    now_at_handover.push_back(rig.kernel.now());
  }));
  EXPECT_EQ(ran, 10000u);
  EXPECT_EQ(ran_at_handover, (std::vector<std::uint64_t>{Pacer::kBatch, 2 * Pacer::kBatch}));
  EXPECT_EQ(now_at_handover, (std::vector<SimTime>{SimTime(Pacer::kBatch * 1ms), SimTime(2 * Pacer::kBatch * 1ms)}));
  EXPECT_EQ(rig.kernel.now(), SimTime(20s));
}

TEST(Pacer, StopsAtUntil) {
  PacerRig rig(1.0, SimTime(4s));
  bool late_timer = false;
  rig.kernel.schedule(6s, [&] { late_timer = true; });
  fake_wall += 3s;
  EXPECT_FALSE(rig.pacer->advance());
  fake_wall += 10s;
  EXPECT_TRUE(rig.pacer->advance());
  EXPECT_EQ(rig.kernel.now(), SimTime(4s));
  EXPECT_FALSE(late_timer);
}

TEST(Pacer, WakesUpAtTheEarliestTimerOrUntil) {
  // The Asio timer runs on the real clock: simulated 0 is now, at 100x.
  boost::asio::io_context io;
  ManualKernel kernel;
  std::vector<SimTime> woken;
  auto pacer = std::make_unique<Pacer>(io, kernel, 100.0, SimTime(2s), [&](SimTime due) { woken.push_back(due); });
  pacer->start();
  kernel.schedule(500ms, [] {});
  pacer->arm();
  pacer->arm();  // armed for the same instant already: one wake-up
  io.run();
  EXPECT_EQ(woken, (std::vector<SimTime>{500ms}));

  // Nothing pending: it wakes for --until.
  pacer->advance(SimTime(500ms));
  io.restart();
  pacer->arm();
  io.run();
  EXPECT_EQ(woken, (std::vector<SimTime>{500ms, 2s}));
}

TEST(Pacer, HistogramPercentilesAreBucketEdgesCappedAtTheMaximum) {
  auto h = std::make_unique<LatenessHistogram>();
  EXPECT_EQ(h->summary().events, 0u);
  EXPECT_EQ(h->summary().p99, Duration::zero());
  h->add(-5us, 1);  // early counts as on time
  h->add(25us, 96);
  h->add(3005us, 3);
  h->add(1s, 0);  // nothing
  PacingStats s = h->summary();
  EXPECT_EQ(s.events, 100u);
  EXPECT_EQ(s.p50, Duration(30us)) << "25 us is in the bucket that ends at 30 us";
  EXPECT_EQ(s.p99, Duration(3005us)) << "the bucket ends at 3010 us, but nothing ran that late";
  EXPECT_EQ(s.max, Duration(3005us));

  // Past the last bucket (1 s): the overflow bucket, reported as the maximum.
  h->add(2500ms, 100);
  s = h->summary();
  EXPECT_EQ(s.p99, Duration(2500ms));
  EXPECT_EQ(s.max, Duration(2500ms));
}

}  // namespace
}  // namespace telsim::serve
