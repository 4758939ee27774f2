#pragma once
/// A simulation kernel: the Scheduler the models use plus the loop that advances time.
/// `telsim` runs on SystemcKernel (sim/kernel); tests run on ManualKernel.
#include <cstdint>
#include <optional>

#include "telsim/models/scheduler.hpp"

namespace telsim {

class SimulationKernel : public Scheduler {
 public:
  using Scheduler::Scheduler;
  /// Advance virtual time, firing timers, until none is pending or `limit` is reached.
  virtual void run(SimTime limit) = 0;
  /// Timer events dispatched so far.
  virtual std::uint64_t dispatched() const = 0;
  /// Run every timer due at or before `t` (including the ones they add that are due by then),
  /// then set the clock to `t` (which must not be in the past). The live server advances the
  /// model this way in step with the wall clock.
  virtual void advance_to(SimTime t) = 0;
  /// Due time of the earliest pending timer, if any.
  virtual std::optional<SimTime> next_due() = 0;
};

/// Pure C++ kernel over ManualScheduler, for tests and tools that must not start SystemC.
class ManualKernel final : public SimulationKernel {
 public:
  ManualKernel() : SimulationKernel(nullptr) { set_clock(&scheduler_.clock()); }
  using Scheduler::schedule;
  TimerHandle schedule(Duration delay, Callback&& fn) override {
    return scheduler_.schedule(delay, std::move(fn));
  }
  void cancel(TimerHandle& handle) override { scheduler_.cancel(handle); }
  void run(SimTime limit) override {
    dispatched_ += scheduler_.run_all(limit);
    // Like sc_start(limit): time reaches the limit when timers remain beyond it.
    if (scheduler_.pending() > 0) scheduler_.run_until(limit);
  }
  std::uint64_t dispatched() const override { return dispatched_; }
  void advance_to(SimTime t) override {
    dispatched_ += scheduler_.run_all(t);
    scheduler_.run_until(t);
  }
  std::optional<SimTime> next_due() override { return scheduler_.next_due(); }

 private:
  ManualScheduler scheduler_;
  std::uint64_t dispatched_ = 0;
};

}  // namespace telsim
