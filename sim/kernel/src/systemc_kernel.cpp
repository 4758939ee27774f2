#include "telsim/kernel/systemc_kernel.hpp"

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
  SimTime dispatch_time{0};

  SimTime now() const { return dispatching ? dispatch_time : from_sc(sc_core::sc_time_stamp()); }

  // Make sure the kernel wakes us at the earliest pending timer. sc_event::notify keeps the
  // earlier of two pending notifications, so re-arming for an earlier time is enough.
  void arm() {
    if (queue.empty()) return;
    const SimTime due = queue.next_due();
    if (armed && armed_for <= due) return;
    armed = true;
    armed_for = due;
    const SimTime t = now();
    wake.notify(to_sc(due > t ? due - t : Duration::zero()));
  }

  /// A timer due at `due` was added.
  void added(SimTime due) {
    if (dispatching || (armed && armed_for <= due)) return;
    arm();
  }

  void on_wake() {
    armed = false;
    dispatch_time = from_sc(sc_core::sc_time_stamp());
    struct Dispatching {
      bool& flag;
      ~Dispatching() { flag = false; }  // also when a timer throws (the run then ends)
    };
    {
      dispatching = true;
      const Dispatching scope{dispatching};
      dispatched += queue.run_due(dispatch_time);
    }
    arm();
  }
};

// libsystemc's main() prints its banner before sc_main() runs, so the switch must be set during
// static initialisation of the program, which happens before main().
[[maybe_unused]] const bool kBannerSilenced =
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

SystemcKernel::SystemcKernel() : module_(std::make_unique<Module>("telsim_kernel")) {}
SystemcKernel::~SystemcKernel() = default;

SimTime SystemcKernel::now() const { return module_->now(); }

TimerHandle SystemcKernel::schedule(Duration delay, Callback&& fn) {
  if (delay < Duration::zero()) throw std::invalid_argument("negative timer delay");
  const SimTime due = module_->now() + delay;
  TimerHandle h = module_->queue.push(due, std::move(fn));
  module_->added(due);
  return h;
}

void SystemcKernel::cancel(TimerHandle& handle) { module_->queue.cancel(handle); }

void SystemcKernel::run(SimTime limit) {
  if (module_->queue.empty()) return;
  if (limit == SimTime::max()) {
    sc_core::sc_start();
  } else if (limit > now()) {
    sc_core::sc_start(to_sc(limit - now()));
  }
}

std::uint64_t SystemcKernel::dispatched() const { return module_->dispatched; }

void SystemcKernel::advance_to(SimTime t) {
  if (t > now()) sc_core::sc_start(to_sc(t - now()), sc_core::SC_RUN_TO_TIME);
  // sc_start(d) stops before the activity due exactly at its end; run that too.
  while (sc_core::sc_pending_activity_at_current_time()) sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

std::optional<SimTime> SystemcKernel::next_due() {
  if (module_->queue.empty()) return std::nullopt;
  return module_->queue.next_due();
}

}  // namespace telsim
