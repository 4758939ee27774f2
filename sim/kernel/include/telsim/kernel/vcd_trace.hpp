#pragma once
/// `--vcd FILE`: SystemC's own tracing (sc_trace into a VCD file) of the PBX, so GTKWave shows
/// call activity as waveforms. One 32-bit signal per extension line holding the LINECALLSTATE
/// value of its most significant call (0 while it has none) and one per trunk group holding its
/// busy channels. The signals are plain variables that a PbxObserver keeps current; SystemC
/// samples them at every time step it simulates (so of several changes at one instant the last
/// one shows).
///
/// Create the trace after the Pbx and before the kernel first runs (SystemC refuses new trace
/// files once sc_start has been called); one trace per process, like the SystemC kernel.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "telsim/models/pbx.hpp"
#include "telsim/results/run_result.hpp"
#include "telsim/sim/scenario.hpp"

namespace sc_core {
class sc_trace_file;
}

namespace telsim {

class SystemcKernel;

class VcdTrace final : public PbxObserver {
 public:
  /// Declares the signals of `pbx`'s extension lines (`lines.line_NUMBER`) and trunk groups
  /// (`trunks.NAME_busy`) in a VCD file written at `path` exactly (parent folders are created).
  /// Throws std::runtime_error naming the path when it cannot be written.
  VcdTrace(const Pbx& pbx, std::filesystem::path path);
  ~VcdTrace() override;
  VcdTrace(const VcdTrace&) = delete;
  VcdTrace& operator=(const VcdTrace&) = delete;

  void on_call_state(const CallStateEvent& event) override;

  /// Write the values of the last instant and close the file. SystemC writes an instant's values
  /// when time next advances, so this advances the kernel by 1 ns when no timer is due that
  /// soon (the run is over). Call it after the run's last change (after finish()); the
  /// destructor closes without that last step.
  void close();

  const std::filesystem::path& path() const { return path_; }

 private:
  struct LiveCall {
    std::uint32_t serial;
    CallState state;
  };
  /// Set the line's signal to the LINECALLSTATE of its most significant call (active >
  /// conferenced > setting up > offering > held > disconnected), 0 when it has none.
  void refresh_line(LineId line);

  std::filesystem::path path_;
  std::filesystem::path written_;  // what SystemC writes (it appends ".vcd")
  sc_core::sc_trace_file* file_ = nullptr;
  std::size_t extensions_ = 0;
  std::vector<int> line_state_;                    // traced; one per extension line
  std::vector<int> trunk_busy_;                    // traced; one per trunk group
  std::vector<std::int32_t> trunk_of_line_;        // channel line -> trunk index, -1 otherwise
  std::vector<std::vector<LiveCall>> live_;        // per extension line: its calls not IDLE
};

/// run_scenario with a VCD trace of the whole run written to `vcd`.
RunResult run_scenario_with_vcd(const Scenario& scenario, SystemcKernel& kernel,
                                const std::filesystem::path& vcd, RecordSink* records = nullptr);

}  // namespace telsim
