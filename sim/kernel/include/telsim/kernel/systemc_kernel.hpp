#pragma once
/// The SystemC event kernel behind the Scheduler facade. One SC_METHOD, sensitive to one
/// sc_event, drains a TimerQueue: SystemC owns virtual time and its advance, and its own
/// timed-event queue only ever holds the earliest timer. (A SystemC timed event per model timer
/// drops to ~0.8 M events/s at 100k pending here; one head event stays at the kernel's best
/// rate however many calls are in progress.)
///
/// SystemC cannot be restarted within a process: create one SystemcKernel per process.
/// Linking this target keeps SystemC's start-up banner off the terminal.
#include <memory>

#include "telsim/sim/kernel.hpp"

namespace telsim {

class SystemcKernel final : public SimulationKernel {
 public:
  SystemcKernel();
  ~SystemcKernel() override;
  SimTime now() const override;
  using Scheduler::schedule;
  TimerHandle schedule(Duration delay, Callback&& fn) override;
  void cancel(TimerHandle& handle) override;
  /// sc_start until no timer is pending or `limit` (SimTime::max(): no limit).
  void run(SimTime limit) override;
  std::uint64_t dispatched() const override;
  void advance_to(SimTime t) override;
  std::optional<SimTime> next_due() override;

 private:
  struct Module;
  std::unique_ptr<Module> module_;
};

}  // namespace telsim
