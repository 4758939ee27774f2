#include "telsim/sim/bench.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "telsim/models/pbx.hpp"

namespace telsim {
namespace {

/// Places the next call from a caller when its previous one has ended.
class Dialer final : public PbxObserver {
 public:
  Dialer(Pbx& pbx, Scheduler& scheduler, std::uint32_t callers, std::uint64_t calls, RecordSink* sink)
      : pbx_(pbx), scheduler_(scheduler), callers_(callers), quota_(callers, calls / callers), sink_(sink) {
    for (std::uint64_t i = 0; i < calls % callers; ++i) ++quota_[i];
  }

  void start() {
    for (LineId caller = 0; caller < callers_; ++caller) place(caller);
  }

  void on_call_record(const CallRecord& r) override {
    ++records_;
    if (sink_) sink_->add(r);
    if (r.direction != Direction::Outgoing) return;
    if (r.outcome == Outcome::Answered) ++completed_;
    peak_ = std::max(peak_, pbx_.stats().live_calls);
    const LineId caller = *pbx_.find_line(r.line);
    scheduler_.schedule(1s, [this, caller] { place(caller); });
  }

  std::uint64_t completed() const { return completed_; }
  std::uint64_t records() const { return records_; }
  std::uint64_t peak() const { return peak_; }

 private:
  void place(LineId caller) {
    if (quota_[caller] == 0) return;
    --quota_[caller];
    const std::string& callee = pbx_.line(caller + callers_).number;
    if (!pbx_.make_call(caller, callee).ok())
      throw std::logic_error("bench: make_call refused on an idle line");
  }

  Pbx& pbx_;
  Scheduler& scheduler_;
  std::uint32_t callers_;
  std::vector<std::uint64_t> quota_;
  std::uint64_t completed_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t peak_ = 0;
  RecordSink* sink_;
};

}  // namespace

BenchResult run_bench(SimulationKernel& kernel, const BenchOptions& options) {
  if (options.extensions < 2) throw std::invalid_argument("bench needs at least 2 extensions");
  const std::uint32_t callers = options.extensions / 2;
  PbxConfig config;
  config.lines.reserve(options.extensions);
  const int width = static_cast<int>(fmt::format("{}", options.extensions).size()) + 1;
  for (std::uint32_t i = 0; i < 2 * callers; ++i) {
    Behavior b;
    b.kind = Behavior::Kind::Auto;
    if (i < callers) b.hangup_after = Duration(10s);
    else b.answer_after = Duration(2s);
    config.lines.push_back(LineConfig{fmt::format("1{:0{}}", i, width), "", b, {}});
  }
  Pbx pbx(kernel, std::move(config));
  Dialer dialer(pbx, kernel, callers, options.calls, options.records);
  pbx.add_observer(&dialer);

  const auto t0 = std::chrono::steady_clock::now();
  dialer.start();
  kernel.run(SimTime::max());
  const auto t1 = std::chrono::steady_clock::now();

  BenchResult r;
  r.calls_completed = dialer.completed();
  r.records = dialer.records();
  r.kernel_events = kernel.dispatched();
  r.transitions = pbx.stats().transitions;
  r.sim_time = kernel.now();
  r.wall_seconds = std::chrono::duration<double>(t1 - t0).count();
  r.peak_live_calls = dialer.peak();
  return r;
}

RunResult bench_run_result(const BenchResult& bench) {
  RunResult run;
  run.scenario = "bench";
  run.sim_time = bench.sim_time;
  run.kernel_events = bench.kernel_events;
  run.transitions = bench.transitions;
  return run;
}

}  // namespace telsim
