#include "telsim/models/scheduler.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

#include <fmt/format.h>

namespace telsim {

TimerHandle TimerQueue::push(SimTime due, Scheduler::Callback&& fn) {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() >= (std::size_t{1} << kSlotBits))
      throw std::length_error(fmt::format("more than {} timers pending at once", std::size_t{1} << kSlotBits));
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  if (seq_ >= seq_limit_) renumber();
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  if (++s.generation == 0) s.generation = 1;  // 0 means "no timer"
  s.armed = true;
  const Entry e{due, seq_++ << kSlotBits | slot};
  ++live_;
  if (running_ && due == running_at_) {
    fifo_.push_back(e);
  } else {
    // The new entry rises past every parent due after it.
    heap_.push_back(e);
    sift_up(heap_.size() - 1, e);
  }
  return TimerHandle{slot, s.generation};
}

void TimerQueue::cancel(TimerHandle& handle) {
  if (!handle) return;
  Slot& s = slots_[handle.slot];
  if (s.armed && s.generation == handle.generation) {
    // The heap entry stays until it reaches the top; the slot is freed then.
    s.armed = false;
    s.fn = nullptr;
    --live_;
    if (++dead_ > kCompactAt && dead_ > live_) compact();
  }
  handle = TimerHandle{};
}

inline std::size_t TimerQueue::earliest_child(std::size_t i) const {
  const std::size_t n = heap_.size();
  const std::size_t first = kArity * i + 1;
  if (first >= n) return n;
  std::size_t best = first;
  const std::size_t end = std::min(first + kArity, n);
  for (std::size_t c = first + 1; c < end; ++c)
    if (heap_[best] > heap_[c]) best = c;
  return best;
}

void TimerQueue::sift_down(std::size_t i, Entry e) {
  for (std::size_t best; (best = earliest_child(i)) < heap_.size() && e > heap_[best]; i = best)
    heap_[i] = heap_[best];
  heap_[i] = e;
}

inline void TimerQueue::sift_up(std::size_t i, Entry e) {
  for (std::size_t parent; i > 0 && heap_[parent = (i - 1) / kArity] > e; i = parent) heap_[i] = heap_[parent];
  heap_[i] = e;
}

void TimerQueue::pop_head() {
  const Entry last = heap_.back();
  heap_.pop_back();
  if (heap_.empty()) return;
  // Floyd's pop: the last entry is a leaf's, nearly always due later than everything on the way
  // down, so the hole left at the root goes down along the earliest children to the bottom without
  // comparing it, and it rises from there (rarely more than a level): three comparisons per level
  // instead of four.
  std::size_t i = 0;
  for (std::size_t best; (best = earliest_child(i)) < heap_.size(); i = best) heap_[i] = heap_[best];
  sift_up(i, last);
}

void TimerQueue::compact() {
  std::size_t in_fifo = 0;
  for (std::size_t i = fifo_head_; i < fifo_.size(); ++i) {
    if (slots_[fifo_[i].slot()].armed) fifo_[in_fifo++] = fifo_[i];
    else free_.push_back(fifo_[i].slot());
  }
  fifo_.resize(in_fifo);
  fifo_head_ = 0;
  std::size_t kept = 0;
  for (const Entry& e : heap_) {
    if (slots_[e.slot()].armed) heap_[kept++] = e;
    else free_.push_back(e.slot());  // its slot was kept for it until now
  }
  heap_.resize(kept);
  dead_ = 0;
  // Floyd's build: sift every parent down, the last first.
  for (std::size_t i = kept / kArity + 1; i-- > 0;)
    if (i < kept) sift_down(i, heap_[i]);
}

void TimerQueue::renumber() {
  // The FIFO's entries join the heap, due and ordered as they are.
  heap_.insert(heap_.end(), fifo_.begin() + static_cast<std::ptrdiff_t>(fifo_head_), fifo_.end());
  fifo_.clear();
  fifo_head_ = 0;
  // Sorted by (due, order), the entries are a valid heap; numbering them in that order keeps it.
  std::sort(heap_.begin(), heap_.end(), [](const Entry& a, const Entry& b) { return b > a; });
  seq_ = 0;
  for (Entry& e : heap_) e.order = seq_++ << kSlotBits | (e.order & kSlotMask);
}

void TimerQueue::drop_dead_heads() {
  while (!heap_.empty() && !slots_[heap_.front().slot()].armed) {
    free_.push_back(heap_.front().slot());
    pop_head();
    --dead_;
  }
  while (fifo_head_ < fifo_.size() && !slots_[fifo_[fifo_head_].slot()].armed) {
    free_.push_back(fifo_[fifo_head_++].slot());
    --dead_;
  }
  if (fifo_head_ == fifo_.size()) {
    fifo_.clear();
    fifo_head_ = 0;
  }
}

inline bool TimerQueue::fifo_first() const {
  if (fifo_head_ == fifo_.size()) return false;
  return heap_.empty() || heap_.front() > fifo_[fifo_head_];
}

SimTime TimerQueue::next_due() {
  drop_dead_heads();
  assert(!heap_.empty() || fifo_head_ < fifo_.size());
  return fifo_first() ? fifo_[fifo_head_].due : heap_.front().due;
}

std::uint64_t TimerQueue::run_due(SimTime now) {
  struct Running {
    TimerQueue& q;
    ~Running() { q.running_ = false; }  // also when a timer throws (the run then ends)
  } running{*this};
  running_ = true;
  running_at_ = now;
  std::uint64_t ran = 0;
  for (;;) {
    drop_dead_heads();
    std::uint32_t slot;
    if (fifo_first()) {
      if (fifo_[fifo_head_].due > now) return ran;
      slot = fifo_[fifo_head_++].slot();
    } else {
      if (heap_.empty() || heap_.front().due > now) return ran;
      slot = heap_.front().slot();
      pop_head();
    }
    Scheduler::Callback fn = std::move(slots_[slot].fn);
    slots_[slot].fn = nullptr;
    slots_[slot].armed = false;
    free_.push_back(slot);
    --live_;
    ++ran;
    fn();
  }
}

TimerHandle ManualScheduler::schedule(Duration delay, Callback&& fn) {
  if (delay < Duration::zero()) throw std::invalid_argument("negative timer delay");
  return queue_.push(now_ + delay, std::move(fn));
}

void ManualScheduler::run_until(SimTime t) {
  while (!queue_.empty() && queue_.next_due() <= t) {
    now_ = queue_.next_due();
    queue_.run_due(now_);
  }
  if (t > now_) now_ = t;
}

std::uint64_t ManualScheduler::run_all(SimTime limit) {
  std::uint64_t ran = 0;
  while (!queue_.empty() && queue_.next_due() <= limit) {
    now_ = queue_.next_due();
    ran += queue_.run_due(now_);
  }
  return ran;
}

}  // namespace telsim
