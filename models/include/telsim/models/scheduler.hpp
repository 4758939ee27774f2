#pragma once
/// The narrow clock/timer facade the model cores use. In `telsim` it is backed by the SystemC
/// kernel (sim/systemc_scheduler); in unit tests by ManualScheduler, so model behaviour can be
/// tested without starting SystemC (which cannot restart within one process).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace telsim {

/// Virtual time since the start of the run, and spans of it; nanosecond resolution.
using Duration = std::chrono::nanoseconds;
using SimTime = std::chrono::nanoseconds;

/// Seconds as a double, for reports and messages.
inline double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

/// Identifies one scheduled timer; a default-constructed handle refers to none.
struct TimerHandle {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;  // 0: no timer
  explicit operator bool() const { return generation != 0; }
};

class Scheduler {
 public:
  using Callback = std::function<void()>;
  virtual ~Scheduler() = default;
  Scheduler(const Scheduler&) = delete;  // the clock pointer is into the implementation
  Scheduler& operator=(const Scheduler&) = delete;
  /// The current virtual time (while a timer runs: its due time). Not virtual: the model reads
  /// it at nearly every step of a call (some thirty times a call on a trunk), and it is one load
  /// of the clock the implementation keeps current.
  SimTime now() const { return *clock_; }
  /// Run `fn` after `delay` (>= 0). Timers due at the same instant run in the order they were
  /// scheduled, which makes every run with the same inputs identical. `fn` is taken by reference
  /// and moved once, into the timer (a lambda passed here becomes the temporary it refers to).
  virtual TimerHandle schedule(Duration delay, Callback&& fn) = 0;
  /// The same with a copy of `fn` (a callback kept to be scheduled again).
  TimerHandle schedule(Duration delay, const Callback& fn) { return schedule(delay, Callback(fn)); }
  /// Cancel a pending timer; cancelling a fired, cancelled or empty handle does nothing.
  virtual void cancel(TimerHandle& handle) = 0;

 protected:
  /// `clock`: the time now() reads, which the implementation keeps current (before, while and
  /// after its timers run) for as long as it exists.
  explicit Scheduler(const SimTime* clock) : clock_(clock) {}
  void set_clock(const SimTime* clock) { clock_ = clock; }

 private:
  const SimTime* clock_;
};

/// A deterministic timer heap ordered by (due time, scheduling order), with O(1) cancellation.
/// It is the queue behind both schedulers: SystemC sees one pending event at a time (the head),
/// which keeps its own timed-event queue short however many timers are pending.
///
/// Timers a callback schedules for the instant being run (a zero delay from inside run_due: most
/// steps of a call on a switch that answers at once) skip the heap. They are due now and later
/// in scheduling order than everything pending, so they queue in order in a FIFO, merged with the
/// heap by (due, order): the timers run in exactly the order the heap alone gives.
class TimerQueue {
 public:
  /// Scheduling order is kept in kSeqBits bits of each heap entry; after that many timers the
  /// pending ones are renumbered in order (tests pass a smaller limit to see it happen).
  static constexpr unsigned kSlotBits = 26;  ///< at most 2^26 (67,108,864) timers pending at once
  static constexpr unsigned kSeqBits = 64 - kSlotBits;
  static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
  explicit TimerQueue(std::uint64_t seq_limit = std::uint64_t{1} << kSeqBits) : seq_limit_(seq_limit) {}
  TimerHandle push(SimTime due, Scheduler::Callback&& fn);
  void cancel(TimerHandle& handle);
  bool empty() const { return live_ == 0; }
  std::size_t size() const { return live_; }
  /// Due time of the earliest live timer; only meaningful when !empty().
  SimTime next_due();
  /// Remove and run every timer due at or before `now`, including timers they add that are
  /// also due by then. Returns how many ran.
  std::uint64_t run_due(SimTime now);

 private:
  // 16 bytes, so that a node's four children share one or two cache lines: the due time, then the
  // scheduling order and the slot in one word (order above, slot below), compared as a pair.
  struct Entry {
    SimTime due;
    std::uint64_t order;  ///< seq << kSlotBits | slot
    std::uint32_t slot() const { return static_cast<std::uint32_t>(order & kSlotMask); }
    /// (due, order) as one number: a due time is never negative. Compared in two instructions,
    /// without the branch a field-by-field comparison mispredicts half the time in a heap.
    __extension__ using Key = unsigned __int128;  // GCC and Clang's (__extension__: not ISO C++)
    Key key() const { return static_cast<Key>(static_cast<std::uint64_t>(due.count())) << 64 | order; }
    bool operator>(const Entry& o) const { return key() > o.key(); }
  };
  struct Slot {
    Scheduler::Callback fn;
    std::uint32_t generation = 0;
    bool armed = false;
  };
  void drop_dead_heads();
  /// Whether the next timer to run is the FIFO's front rather than the heap's head (both live).
  bool fifo_first() const;
  /// Remove the head of the heap.
  void pop_head();
  /// Put `e` at position `i` or below, moving earlier children up.
  void sift_down(std::size_t i, Entry e);
  /// Put `e` at position `i` or above, moving later parents down.
  void sift_up(std::size_t i, Entry e);
  /// The earliest of node `i`'s children, or heap_.size() when it has none.
  std::size_t earliest_child(std::size_t i) const;
  /// Drop every cancelled entry and rebuild the heap (cancel does, once they outnumber the live).
  void compact();
  /// Number the pending timers 0, 1, ... in their order (seq_ reached seq_limit_).
  void renumber();

  // A 4-ary min-heap on (due, seq): half the depth of a binary heap, and a node's children share
  // cache lines, which counts once the pending timers outgrow the cache (a large switch). The
  // order is total (seq is unique), so timers run in the same order whatever the heap's shape.
  static constexpr std::size_t kArity = 4;
  static constexpr std::size_t kCompactAt = 1024;  ///< fewer dead entries are never worth a pass
  std::vector<Entry> heap_;
  // Timers due at `running_at_`, scheduled while run_due runs that instant: fifo_[fifo_head_..].
  std::vector<Entry> fifo_;
  std::size_t fifo_head_ = 0;
  bool running_ = false;
  SimTime running_at_{0};
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t seq_ = 0;
  std::uint64_t seq_limit_;
  std::size_t live_ = 0;
  // Cancelled entries still in the heap or the FIFO. A cancelled timer stays until it reaches the head, and
  // most are cancelled long before they are due (a call's no-answer supervision once it is
  // answered): left alone they would be most of a large switch's heap, each pop wading through
  // them. Dropped all at once when they outnumber the live ones: O(1) amortised per cancel.
  std::size_t dead_ = 0;
};

/// Scheduler for unit tests and tools: time moves only when asked.
class ManualScheduler final : public Scheduler {
 public:
  ManualScheduler() : Scheduler(&now_) {}
  /// The clock now() reads (a kernel built on this scheduler reads the same one).
  const SimTime& clock() const { return now_; }
  using Scheduler::schedule;
  TimerHandle schedule(Duration delay, Callback&& fn) override;
  void cancel(TimerHandle& handle) override { queue_.cancel(handle); }
  /// Run timers up to and including `t`, then set the clock to `t`.
  void run_until(SimTime t);
  void advance(Duration d) { run_until(now_ + d); }
  /// Run until no timer is pending (or `limit` is reached). Returns timers run.
  std::uint64_t run_all(SimTime limit = SimTime::max());
  std::size_t pending() const { return queue_.size(); }
  /// Due time of the earliest pending timer, if any.
  std::optional<SimTime> next_due() {
    if (queue_.empty()) return std::nullopt;
    return queue_.next_due();
  }

 private:
  TimerQueue queue_;
  SimTime now_{0};
};

}  // namespace telsim
