// The clock/timer facade: TimerQueue ordering and cancellation, ManualScheduler's clock.
#include "telsim/models/scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace telsim {
namespace {

using namespace std::chrono_literals;

// --- TimerQueue ----------------------------------------------------------------------------------

TEST(TimerQueueTest, StartsEmpty) {
  TimerQueue q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.run_due(SimTime::max()), 0u);
}

TEST(TimerQueueTest, TimersFireInDueOrder) {
  TimerQueue q;
  std::vector<int> fired;
  q.push(30ms, [&] { fired.push_back(30); });
  q.push(10ms, [&] { fired.push_back(10); });
  q.push(20ms, [&] { fired.push_back(20); });
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.next_due(), 10ms);
  EXPECT_EQ(q.run_due(25ms), 2u);
  EXPECT_EQ(fired, (std::vector<int>{10, 20}));
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.next_due(), 30ms);
  EXPECT_EQ(q.run_due(30ms), 1u);  // due exactly now: runs
  EXPECT_EQ(fired, (std::vector<int>{10, 20, 30}));
  EXPECT_TRUE(q.empty());
}

TEST(TimerQueueTest, EqualDueTimesFireInSchedulingOrder) {
  TimerQueue q;
  std::vector<int> fired;
  // Interleave two instants so the heap has to reorder; each instant keeps push order.
  for (int i = 0; i < 50; ++i) {
    const SimTime due = i % 2 ? 5ms : 3ms;
    q.push(due, [&fired, i] { fired.push_back(i); });
  }
  q.run_due(10ms);
  std::vector<int> expected;
  for (int i = 0; i < 50; i += 2) expected.push_back(i);
  for (int i = 1; i < 50; i += 2) expected.push_back(i);
  EXPECT_EQ(fired, expected);
}

TEST(TimerQueueTest, CancelPreventsFiringAndEmptiesTheHandle) {
  TimerQueue q;
  bool fired = false;
  TimerHandle h = q.push(1ms, [&] { fired = true; });
  ASSERT_TRUE(static_cast<bool>(h));
  q.cancel(h);
  EXPECT_FALSE(static_cast<bool>(h));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.run_due(1s), 0u);
  EXPECT_FALSE(fired);
}

TEST(TimerQueueTest, CancellingTwiceIsHarmless) {
  TimerQueue q;
  int fired = 0;
  TimerHandle h = q.push(1ms, [&] { ++fired; });
  TimerHandle copy = h;
  q.push(2ms, [&] { ++fired; });
  q.cancel(h);
  q.cancel(h);     // already emptied
  q.cancel(copy);  // same timer through a second handle
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.run_due(1s), 1u);
  EXPECT_EQ(fired, 1);
}

TEST(TimerQueueTest, CancellingAfterFiringIsHarmless) {
  TimerQueue q;
  int fired = 0;
  TimerHandle h = q.push(1ms, [&] { ++fired; });
  q.push(5ms, [&] { ++fired; });
  q.run_due(1ms);
  q.cancel(h);
  EXPECT_EQ(q.size(), 1u);
  q.run_due(5ms);
  EXPECT_EQ(fired, 2);
}

TEST(TimerQueueTest, CancellingAnEmptyHandleIsHarmless) {
  TimerQueue q;
  TimerHandle none;
  EXPECT_FALSE(static_cast<bool>(none));
  q.cancel(none);
  EXPECT_TRUE(q.empty());
}

TEST(TimerQueueTest, NextDueSkipsCancelledTimers) {
  TimerQueue q;
  TimerHandle first = q.push(1ms, [] {});
  q.push(7ms, [] {});
  q.cancel(first);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.next_due(), 7ms);
}

TEST(TimerQueueTest, TimerAddedByACallbackAndDueByNowRunsInTheSameRunDue) {
  TimerQueue q;
  std::vector<std::string> fired;
  q.push(10ms, [&] {
    fired.push_back("outer");
    q.push(10ms, [&] { fired.push_back("same instant"); });
    q.push(11ms, [&] { fired.push_back("later"); });
  });
  EXPECT_EQ(q.run_due(10ms), 2u);
  EXPECT_EQ(fired, (std::vector<std::string>{"outer", "same instant"}));
  EXPECT_EQ(q.size(), 1u);
}

TEST(TimerQueueTest, CallbackCanCancelAnotherTimerDueAtTheSameInstant) {
  TimerQueue q;
  std::vector<int> fired;
  TimerHandle second;
  q.push(1ms, [&] {
    fired.push_back(1);
    q.cancel(second);
  });
  second = q.push(1ms, [&] { fired.push_back(2); });
  EXPECT_EQ(q.run_due(1ms), 1u);
  EXPECT_EQ(fired, (std::vector<int>{1}));
}

TEST(TimerQueueTest, OldHandleDoesNotCancelTheTimerThatReusedItsSlotAfterFiring) {
  TimerQueue q;
  int fired_new = 0;
  TimerHandle old = q.push(1ms, [] {});
  const TimerHandle old_copy = old;
  q.run_due(1ms);  // fires; its slot is free again
  TimerHandle fresh = q.push(2ms, [&] { ++fired_new; });
  ASSERT_EQ(fresh.slot, old_copy.slot) << "test expects the slot to be reused";
  EXPECT_NE(fresh.generation, old_copy.generation);
  q.cancel(old);
  EXPECT_EQ(q.size(), 1u);
  q.run_due(2ms);
  EXPECT_EQ(fired_new, 1);
}

TEST(TimerQueueTest, OldHandleDoesNotCancelTheTimerThatReusedItsSlotAfterCancelling) {
  TimerQueue q;
  int fired_new = 0;
  TimerHandle old = q.push(1ms, [] {});
  TimerHandle old_copy = old;
  q.cancel(old);
  q.run_due(1ms);  // drops the dead entry; the slot is free again
  TimerHandle fresh = q.push(2ms, [&] { ++fired_new; });
  ASSERT_EQ(fresh.slot, old_copy.slot) << "test expects the slot to be reused";
  q.cancel(old_copy);
  EXPECT_EQ(q.size(), 1u);
  q.run_due(2ms);
  EXPECT_EQ(fired_new, 1);
}

TEST(TimerQueueTest, CancellingTheRunningTimerFromItsCallbackSparesTheTimerItScheduled) {
  // A model callback often reschedules its own timer; the new timer may get the same slot.
  TimerQueue q;
  int fired_next = 0;
  TimerHandle own;
  own = q.push(1ms, [&] {
    TimerHandle running = own;
    own = q.push(2ms, [&] { ++fired_next; });
    q.cancel(running);
  });
  q.run_due(1ms);
  EXPECT_EQ(q.size(), 1u);
  q.run_due(2ms);
  EXPECT_EQ(fired_next, 1);
}

TEST(TimerQueueTest, ManyReusesKeepEveryTimerDistinct) {
  TimerQueue q;
  int fired = 0;
  std::vector<TimerHandle> stale;
  for (int round = 0; round < 100; ++round) {
    stale.push_back(q.push(SimTime(round), [&] { ++fired; }));
    q.run_due(SimTime(round));
  }
  EXPECT_EQ(fired, 100);
  TimerHandle live = q.push(SimTime(1000), [&] { ++fired; });
  for (TimerHandle& h : stale) q.cancel(h);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_TRUE(static_cast<bool>(live));
  q.run_due(SimTime(1000));
  EXPECT_EQ(fired, 101);
}

// A large, deep heap (what a big switch has pending): 20,000 timers, many due at the same
// instant, those picked by `cancelled` cancelled; half the time run, 5,000 more added and more
// cancelled, the rest run. Each must run exactly in (due, scheduling order), the order a sort of
// the same timers gives.
void expect_due_then_scheduling_order(const std::function<bool(int)>& cancelled,
                                      std::uint64_t seq_limit = std::uint64_t{1} << TimerQueue::kSeqBits) {
  TimerQueue q(seq_limit);
  std::mt19937_64 rng(7);
  struct Timer {
    SimTime due;
    int order;
  };
  std::vector<Timer> expected;
  std::vector<int> fired;
  std::vector<TimerHandle> handles;
  const auto add = [&](SimTime due) {
    const int id = static_cast<int>(expected.size());
    handles.push_back(q.push(due, [&fired, id] { fired.push_back(id); }));
    expected.push_back(Timer{due, id});
  };
  for (int i = 0; i < 20000; ++i) add(SimTime(rng() % 500));
  for (int i = 0; i < 20000; ++i)
    if (cancelled(i)) q.cancel(handles[static_cast<std::size_t>(i)]);
  q.run_due(SimTime(249));
  const int before = static_cast<int>(expected.size());
  for (int i = 0; i < 5000; ++i) add(SimTime(250 + rng() % 500));
  for (int i = before; i < before + 5000; ++i)
    if (cancelled(i)) q.cancel(handles[static_cast<std::size_t>(i)]);
  std::size_t live = 0;
  for (const Timer& t : expected) live += !cancelled(t.order) && (t.order >= before || t.due > SimTime(249));
  EXPECT_EQ(q.size(), live);
  q.run_due(SimTime::max());
  std::vector<Timer> first, rest;
  for (const Timer& t : expected) {
    if (cancelled(t.order)) continue;
    (t.order < before && t.due <= SimTime(249) ? first : rest).push_back(t);
  }
  const auto by_due = [](const Timer& a, const Timer& b) { return a.due != b.due ? a.due < b.due : a.order < b.order; };
  std::sort(first.begin(), first.end(), by_due);
  std::sort(rest.begin(), rest.end(), by_due);
  std::vector<int> reference;
  for (const Timer& t : first) reference.push_back(t.order);
  for (const Timer& t : rest) reference.push_back(t.order);
  EXPECT_EQ(fired, reference);
  EXPECT_TRUE(q.empty());
}

TEST(TimerQueueTest, ThousandsOfTimersWithTiesAndCancelsRunInDueThenSchedulingOrder) {
  expect_due_then_scheduling_order([](int i) { return i % 3 == 0; });
}

TEST(TimerQueueTest, MostTimersCancelledTheRestStillRunInOrder) {
  // Nine in ten cancelled: the cancelled entries outnumber the live ones and are dropped from
  // the heap in passes; the live ones keep their order through them.
  expect_due_then_scheduling_order([](int i) { return i % 10 != 0; });
}

TEST(TimerQueueTest, RenumberingThePendingTimersKeepsTheirOrder) {
  // The scheduling order is kept in 38 bits; at the limit the pending timers are numbered afresh.
  // Here the limit falls among the second 5,000, with ties on both sides of it.
  expect_due_then_scheduling_order([](int i) { return i % 3 == 0; }, 22000);
  expect_due_then_scheduling_order([](int i) { return i % 10 != 0; }, 22000);
}

// Timers whose callbacks schedule more timers, half of them for the instant being run (the queue
// keeps those apart from its heap, in a FIFO) and cancel others, some of them waiting in that
// FIFO. The order they run in must be the one a plain list gives, scanned each time for the
// earliest (due, scheduling order): with renumbering (a small `seq_limit`) and with the passes
// that drop cancelled timers (`cancel_one_in` small).
void expect_callbacks_run_as_a_plain_list_does(std::uint64_t seq_limit, int cancel_one_in) {
  // The reference: pending timers in a std::set ordered by (due, scheduling order).
  struct Plain {
    std::set<std::tuple<SimTime, std::uint64_t, int>> pending;
    std::vector<std::tuple<SimTime, std::uint64_t, int>> by_id;
    std::uint64_t seq = 0;
  };
  // What timer `id`, run at `at`, does: the same in both queues (decided by its id alone).
  struct Step {
    std::vector<Duration> children;
    int cancel = -1;  // the id of an earlier timer to cancel
  };
  const auto step_of = [cancel_one_in](int id) {
    std::mt19937_64 rng(static_cast<std::uint64_t>(id) * 7919u + 1);
    Step s;
    const int n = id < 12000 ? static_cast<int>(rng() % 4) : 0;
    for (int i = 0; i < n; ++i) s.children.push_back(rng() % 2 ? Duration::zero() : Duration(1 + rng() % 20));
    if (id > 0 && rng() % static_cast<std::uint64_t>(cancel_one_in) == 0) s.cancel = static_cast<int>(rng() % static_cast<std::uint64_t>(id));
    return s;
  };

  // The queue under test.
  TimerQueue q(seq_limit);
  std::vector<TimerHandle> handles;
  std::vector<int> fired;
  std::function<void(SimTime)> add_q;
  add_q = [&](SimTime due) {
    const int id = static_cast<int>(handles.size());
    handles.emplace_back();
    handles.back() = q.push(due, [&, id, due] {
      fired.push_back(id);
      const Step s = step_of(id);
      if (s.cancel >= 0) q.cancel(handles[static_cast<std::size_t>(s.cancel)]);
      for (Duration d : s.children) add_q(due + d);
    });
  };
  // The reference.
  Plain plain;
  std::vector<int> expected;
  const auto add_plain = [&](SimTime due) {
    plain.by_id.emplace_back(due, plain.seq++, static_cast<int>(plain.by_id.size()));
    plain.pending.insert(plain.by_id.back());
  };
  const auto run_plain = [&](SimTime now) {
    while (!plain.pending.empty() && std::get<0>(*plain.pending.begin()) <= now) {
      const auto [due, seq, id] = *plain.pending.begin();
      plain.pending.erase(plain.pending.begin());
      expected.push_back(id);
      const Step s = step_of(id);
      if (s.cancel >= 0) plain.pending.erase(plain.by_id[static_cast<std::size_t>(s.cancel)]);
      for (Duration d : s.children) add_plain(due + d);
    }
  };

  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; ++i) {
    const SimTime due(rng() % 100);
    add_q(due);
    add_plain(due);
  }
  for (SimTime t{0}; t < SimTime(2000); t += SimTime(1)) {
    q.run_due(t);
    run_plain(t);
  }
  ASSERT_GT(expected.size(), 5000u);
  EXPECT_EQ(fired, expected);
  EXPECT_TRUE(q.empty());
}

TEST(TimerQueueTest, TimersScheduledForTheInstantBeingRunKeepDueThenSchedulingOrder) {
  expect_callbacks_run_as_a_plain_list_does(std::uint64_t{1} << TimerQueue::kSeqBits, 4);
}

TEST(TimerQueueTest, TimersForTheInstantBeingRunSurviveRenumberingAndCancelPasses) {
  expect_callbacks_run_as_a_plain_list_does(5000, 4);  // renumbered several times
  expect_callbacks_run_as_a_plain_list_does(std::uint64_t{1} << TimerQueue::kSeqBits, 1);  // most cancelled
}

// --- ManualScheduler -----------------------------------------------------------------------------

TEST(ManualSchedulerTest, ClockStartsAtZeroAndMovesOnlyWhenAsked) {
  ManualScheduler s;
  EXPECT_EQ(s.now(), SimTime(0));
  s.schedule(5s, [] {});
  EXPECT_EQ(s.now(), SimTime(0));
  EXPECT_EQ(s.pending(), 1u);
}

TEST(ManualSchedulerTest, RunUntilMovesTheClockEvenWithoutTimers) {
  ManualScheduler s;
  s.run_until(2s);
  EXPECT_EQ(s.now(), 2s);
  s.advance(500ms);
  EXPECT_EQ(s.now(), 2500ms);
}

TEST(ManualSchedulerTest, RunUntilNeverMovesTheClockBackwards) {
  ManualScheduler s;
  s.run_until(2s);
  s.run_until(1s);
  EXPECT_EQ(s.now(), 2s);
}

TEST(ManualSchedulerTest, CallbacksSeeTheirOwnDueTime) {
  ManualScheduler s;
  std::vector<SimTime> seen;
  s.schedule(300ms, [&] { seen.push_back(s.now()); });
  s.schedule(100ms, [&] { seen.push_back(s.now()); });
  s.run_until(1s);
  EXPECT_EQ(seen, (std::vector<SimTime>{100ms, 300ms}));
  EXPECT_EQ(s.now(), 1s);
}

TEST(ManualSchedulerTest, RunUntilRunsTimersDueExactlyThenButNotLater) {
  ManualScheduler s;
  int fired = 0;
  s.schedule(1s, [&] { ++fired; });
  s.schedule(1s + 1ns, [&] { ++fired; });
  s.run_until(1s);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(s.pending(), 1u);
}

TEST(ManualSchedulerTest, TimerScheduledFromACallbackAtZeroDelayRunsAtTheSameInstant) {
  ManualScheduler s;
  std::vector<SimTime> seen;
  s.schedule(1s, [&] { s.schedule(0s, [&] { seen.push_back(s.now()); }); });
  s.run_until(1s);
  EXPECT_EQ(seen, (std::vector<SimTime>{1s}));
  EXPECT_EQ(s.pending(), 0u);
}

TEST(ManualSchedulerTest, TimersChainedFromCallbacksRunWithinTheWindow) {
  ManualScheduler s;
  std::vector<SimTime> seen;
  std::function<void()> tick = [&] {
    seen.push_back(s.now());
    if (seen.size() < 5) s.schedule(1s, tick);
  };
  s.schedule(1s, tick);
  s.run_until(3500ms);
  EXPECT_EQ(seen, (std::vector<SimTime>{1s, 2s, 3s}));
  EXPECT_EQ(s.now(), 3500ms);
  EXPECT_EQ(s.run_all(), 2u);
  EXPECT_EQ(s.now(), 5s);
}

TEST(ManualSchedulerTest, NegativeDelayThrows) {
  ManualScheduler s;
  EXPECT_THROW(s.schedule(-1ns, [] {}), std::invalid_argument);
  EXPECT_EQ(s.pending(), 0u);
}

TEST(ManualSchedulerTest, CancelledTimerNeverRuns) {
  ManualScheduler s;
  bool fired = false;
  TimerHandle h = s.schedule(1s, [&] { fired = true; });
  s.cancel(h);
  s.cancel(h);
  EXPECT_EQ(s.pending(), 0u);
  EXPECT_EQ(s.run_all(), 0u);
  EXPECT_FALSE(fired);
}

TEST(ManualSchedulerTest, RunAllStopsAtTheLimit) {
  ManualScheduler s;
  int fired = 0;
  s.schedule(1s, [&] { ++fired; });
  s.schedule(2s, [&] { ++fired; });
  s.schedule(3s, [&] { ++fired; });
  EXPECT_EQ(s.run_all(2s), 2u);
  EXPECT_EQ(fired, 2);
  EXPECT_EQ(s.now(), 2s);
  EXPECT_EQ(s.pending(), 1u);
}

TEST(ManualSchedulerTest, SameInputsGiveTheSameFiringOrder) {
  auto run = [] {
    ManualScheduler s;
    std::vector<int> order;
    for (int i = 0; i < 20; ++i) {
      s.schedule(std::chrono::milliseconds((i * 7) % 5), [&order, &s, i] {
        order.push_back(i);
        if (i % 3 == 0) s.schedule(0s, [&order, i] { order.push_back(100 + i); });
      });
    }
    s.run_all();
    return order;
  };
  const auto first = run();
  EXPECT_EQ(first.size(), 27u);
  EXPECT_EQ(first, run());
}

}  // namespace
}  // namespace telsim
