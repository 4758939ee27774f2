#include "telsim/kernel/systemc_kernel.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <systemc>

namespace telsim {
namespace {

sc_core::sc_time to_sc(Duration d) {
  // Default time resolution is 1 ps.
  return sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(d.count()) * 1000u);
}

SimTime from_sc(const sc_core::sc_time& t) {
  return SimTime(static_cast<SimTime::rep>(t.value() / 1000u));
}

}  // namespace

struct SystemcKernel::Module : sc_core::sc_module {
  TimerQueue queue;
  sc_core::sc_event wake;
  std::uint64_t dispatched = 0;
  bool armed = false;
  SimTime armed_for{0};

  SC_HAS_PROCESS(Module);
  explicit Module(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_METHOD(on_wake);
    sensitive << wake;
    dont_initialize();
  }

  // While timers run (on_wake), the time is known and on_wake re-arms at its end: a timer
  // scheduled then needs neither SystemC's clock nor a notification (most timers are scheduled by
  // other timers' callbacks).
  bool dispatching = false;
  // The model's clock (Scheduler::now() reads it): while timers run, the instant being run
  // (which temporal decoupling puts ahead of SystemC's); otherwise SystemC's time, set again
  // whenever sc_start returns. Nothing else in the program advances SystemC's time.
  SimTime clock{0};

  // Make sure the kernel wakes us at the earliest pending timer. sc_event::notify keeps the
  // earlier of two pending notifications, so re-arming for an earlier time is enough. The delay
  // is from SystemC's own time.
  void arm() {
    if (queue.empty()) return;
    const SimTime due = queue.next_due();
    if (armed && armed_for <= due) return;
    armed = true;
    armed_for = due;
    const SimTime t = from_sc(sc_core::sc_time_stamp());
    wake.notify(to_sc(due > t ? due - t : Duration::zero()));
  }

  /// sc_start returned: the clock is SystemC's again.
  void synced() { clock = from_sc(sc_core::sc_time_stamp()); }

  /// A timer due at `due` was added.
  void added(SimTime due) {
    if (dispatching || (armed && armed_for <= due)) return;
    arm();
  }

  // Timers due before this run by sc_start at most (the end of run()'s or advance_to()'s span:
  // SystemC stops before what is due exactly there).
  SimTime stop_at = SimTime::max();
  bool decoupled = true;

  /// Until when timers may run from on_wake without a round trip through SystemC's event queue:
  /// before the end of the span sc_start runs, and before anything else in SystemC (another
  /// process, a delta cycle, a timed notification) has something to do. Asked once a wake: the
  /// timers reach SystemC only through this kernel, so running them adds nothing to SystemC's
  /// queues.
  SimTime run_ahead_limit(SimTime sc_now) const {
    if (!decoupled || sc_core::sc_pending_activity_at_current_time()) return sc_now;
    // Nothing pending: SystemC's end of time, which is ahead of any timer.
    return std::min(stop_at, sc_now + from_sc(sc_core::sc_time_to_pending_activity()));
  }

  void on_wake() {
    armed = false;
    const SimTime sc_now = from_sc(sc_core::sc_time_stamp());
    clock = sc_now;
    SimTime last = sc_now;  // the last instant run
    struct Dispatching {
      bool& flag;
      ~Dispatching() { flag = false; }  // also when a timer throws (the run then ends)
    };
    {
      dispatching = true;
      const Dispatching scope{dispatching};
      dispatched += queue.run_due(sc_now);
      // Temporal decoupling: while SystemC has nothing else to do before the next timer, it runs
      // here, with the model's clock ahead of SystemC's. Timers still run one instant at a time
      // and in (due, order), exactly as if SystemC had woken us for each.
      // (Strictly before: what is due together with another process's activity goes through
      // SystemC, which orders the two.)
      const SimTime limit = run_ahead_limit(sc_now);
      for (SimTime due; !queue.empty() && (due = queue.next_due()) < limit;) {
        clock = last = due;
        dispatched += queue.run_due(due);
      }
    }
    clock = sc_now;  // SystemC's, until it wakes us again
    if (queue.empty() && last > sc_now) {
      // SystemC's clock catches up with the model's before anything outside sees it: a wake at
      // the last instant run, which finds nothing due. (With a timer pending, arming for it does
      // the same: it is due after that instant.)
      armed = true;
      armed_for = last;
      wake.notify(to_sc(last - sc_now));
      return;
    }
    arm();
  }
};

// libsystemc's main() prints its banner before sc_main() runs, so the switch must be set during
// static initialisation of the program, which happens before main().
[[maybe_unused]] const bool kBannerSilenced =
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

SystemcKernel::SystemcKernel()
    : SimulationKernel(nullptr), module_(std::make_unique<Module>("telsim_kernel")) {
  set_clock(&module_->clock);
}
SystemcKernel::~SystemcKernel() = default;

TimerHandle SystemcKernel::schedule(Duration delay, Callback&& fn) {
  if (delay < Duration::zero()) throw std::invalid_argument("negative timer delay");
  const SimTime due = module_->clock + delay;
  TimerHandle h = module_->queue.push(due, std::move(fn));
  module_->added(due);
  return h;
}

void SystemcKernel::cancel(TimerHandle& handle) { module_->queue.cancel(handle); }

void SystemcKernel::run(SimTime limit) {
  if (module_->queue.empty()) return;
  module_->stop_at = limit;
  if (limit == SimTime::max()) {
    sc_core::sc_start();
  } else if (limit > now()) {
    sc_core::sc_start(to_sc(limit - now()));
  }
  module_->synced();
}

std::uint64_t SystemcKernel::dispatched() const { return module_->dispatched; }

void SystemcKernel::set_decoupled(bool on) { module_->decoupled = on; }

void SystemcKernel::advance_to(SimTime t) {
  module_->stop_at = t;
  if (t > now()) sc_core::sc_start(to_sc(t - now()), sc_core::SC_RUN_TO_TIME);
  // sc_start(d) stops before the activity due exactly at its end; run that too.
  while (sc_core::sc_pending_activity_at_current_time()) sc_core::sc_start(sc_core::SC_ZERO_TIME);
  module_->synced();
}

std::optional<SimTime> SystemcKernel::next_due() {
  if (module_->queue.empty()) return std::nullopt;
  return module_->queue.next_due();
}

}  // namespace telsim
