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
  using Scheduler::schedule;
  TimerHandle schedule(Duration delay, Callback&& fn) override;
  void cancel(TimerHandle& handle) override;
  /// sc_start until no timer is pending or `limit` (SimTime::max(): no limit).
  void run(SimTime limit) override;
  std::uint64_t dispatched() const override;
  void advance_to(SimTime t) override;
  std::optional<SimTime> next_due() override;
  /// Temporal decoupling (on by default): while SystemC has nothing else to do before the next
  /// timer (no other process, delta cycle or timed event due first) and it is due within the span
  /// being run, the kernel's process runs it at once instead of handing SystemC an event to wake
  /// it with, and SystemC's clock catches up at the next wake. Timers run in exactly the same
  /// order at the same model times either way; what changes is how often SystemC's scheduler is
  /// entered (twice per call on a trunk, before). Off, every instant with a timer is a SystemC
  /// time step: a VCD trace needs that, as SystemC writes each value change at its own clock.
  void set_decoupled(bool on);

 private:
  struct Module;
  std::unique_ptr<Module> module_;
};

}  // namespace telsim
