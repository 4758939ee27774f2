#pragma once
/// `telsim bench`: N complete basic calls across M extensions, as fast as the kernel goes.
/// Half the extensions place calls (each hangs up 10 s after the answer and calls again 1 s
/// after its previous call ended), the other half answer after 2 s. Every call walks the full
/// progress: DIALTONE, DIALING, PROCEEDING, RINGBACK/OFFERING, CONNECTED, DISCONNECTED, IDLE.
#include <cstdint>
#include <vector>

#include "telsim/models/events.hpp"
#include "telsim/results/run_result.hpp"

#include "telsim/sim/kernel.hpp"

namespace telsim {

struct BenchOptions {
  std::uint64_t calls = 100'000;
  std::uint32_t extensions = 1'000;  ///< at least 2
  RecordSink* records = nullptr;     ///< hand every CDR here as its call ends (for reports)
};

struct BenchResult {
  std::uint64_t calls_completed = 0;  ///< outgoing calls that were answered and ended IDLE
  std::uint64_t records = 0;          ///< CDRs written (two per complete call)
  std::uint64_t kernel_events = 0;
  std::uint64_t transitions = 0;
  SimTime sim_time{0};
  double wall_seconds = 0;
  std::uint64_t peak_live_calls = 0;
};

BenchResult run_bench(SimulationKernel& kernel, const BenchOptions& options);

/// The bench run as a RunResult for the report writers (`telsim bench --report DIR`): no
/// expectations; its CDRs went to BenchOptions::records.
RunResult bench_run_result(const BenchResult& bench);

}  // namespace telsim
