#include "telsim/kernel/vcd_trace.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <systemc>

#include "telsim/kernel/systemc_kernel.hpp"
#include "telsim/sim/runner.hpp"

namespace telsim {
namespace {

/// VCD reference names are single tokens: keep letters, digits and '_', map the rest to '_'.
std::string signal_name(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += keep ? c : '_';
  }
  return out;
}

/// Higher is more significant for the line's waveform.
int significance(CallState s) {
  switch (s) {
    case CallState::Connected: return 10;
    case CallState::Conferenced: return 9;
    case CallState::DialTone:
    case CallState::Dialing:
    case CallState::Proceeding:
    case CallState::RingBack:
    case CallState::Busy:
    case CallState::SpecialInfo: return 8;
    case CallState::Offering:
    case CallState::Accepted: return 7;
    case CallState::OnHold:
    case CallState::OnHoldPendConf:
    case CallState::OnHoldPendTransfer: return 6;
    case CallState::Disconnected: return 5;
    case CallState::Unknown: return 4;
    case CallState::Idle: return 0;
  }
  return 0;
}

}  // namespace

VcdTrace::VcdTrace(const Pbx& pbx, std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  {
    // SystemC only reports an unwritable trace file as a warning; find out first.
    std::ofstream probe(path_, std::ios::binary | std::ios::trunc);
    if (!probe)
      throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(errno));
  }
  // sc_create_vcd_trace_file appends ".vcd"; close() renames to the exact path asked for.
  std::filesystem::path base = path_;
  if (base.extension() == ".vcd") base.replace_extension();
  written_ = base;
  written_ += ".vcd";

  // SystemC announces the time unit as an info message on stdout; the CLI's output stays clean.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  file_ = sc_core::sc_create_vcd_trace_file(base.string().c_str());
  if (!file_) throw std::runtime_error("cannot write " + path_.string());
  file_->set_time_unit(1, sc_core::SC_NS);  // SimTime's resolution: every change keeps its time

  extensions_ = pbx.extension_count();
  line_state_.assign(extensions_, 0);
  live_.resize(extensions_);
  trunk_busy_.assign(pbx.trunk_count(), 0);
  trunk_of_line_.assign(pbx.line_count(), -1);
  for (std::size_t l = extensions_; l < pbx.line_count(); ++l)
    if (pbx.line(static_cast<LineId>(l)).trunk)
      trunk_of_line_[l] = static_cast<std::int32_t>(*pbx.line(static_cast<LineId>(l)).trunk);
  // The vectors never grow after this: sc_trace keeps the addresses of their elements.
  for (std::size_t l = 0; l < extensions_; ++l)
    sc_core::sc_trace(file_, line_state_[l],
                      "lines.line_" + signal_name(pbx.line(static_cast<LineId>(l)).number));
  for (std::size_t t = 0; t < trunk_busy_.size(); ++t)
    sc_core::sc_trace(file_, trunk_busy_[t],
                      "trunks." + signal_name(pbx.trunk_config(t).name) + "_busy");
}

VcdTrace::~VcdTrace() {
  if (!file_) return;
  sc_core::sc_close_vcd_trace_file(file_);
  std::error_code ec;
  if (written_ != path_) std::filesystem::rename(written_, path_, ec);
}

void VcdTrace::on_call_state(const CallStateEvent& e) {
  if (e.line >= extensions_) {
    if (e.line < trunk_of_line_.size() && trunk_of_line_[e.line] >= 0) {
      // A channel is busy from its call's first state until that call is IDLE again.
      int& busy = trunk_busy_[static_cast<std::size_t>(trunk_of_line_[e.line])];
      if (e.from == CallState::Idle && e.to != CallState::Idle) ++busy;
      if (e.to == CallState::Idle && e.from != CallState::Idle) --busy;
    }
    return;
  }
  std::vector<LiveCall>& calls = live_[e.line];
  auto it = std::find_if(calls.begin(), calls.end(),
                         [&](const LiveCall& c) { return c.serial == e.call.serial; });
  if (e.to == CallState::Idle) {
    if (it != calls.end()) calls.erase(it);
  } else if (it == calls.end()) {
    calls.push_back(LiveCall{e.call.serial, e.to});
  } else {
    it->state = e.to;
  }
  refresh_line(e.line);
}

void VcdTrace::refresh_line(LineId line) {
  int value = 0;
  int best = 0;
  for (const LiveCall& c : live_[line]) {
    // Ties go to the earlier call: the line's oldest call keeps the waveform.
    if (significance(c.state) > best) {
      best = significance(c.state);
      value = static_cast<int>(c.state);
    }
  }
  line_state_[line] = value;
}

void VcdTrace::close() {
  if (!file_) return;
  const sc_core::sc_time step(1, sc_core::SC_NS);
  if (!sc_core::sc_pending_activity() || sc_core::sc_time_to_pending_activity() > step)
    sc_core::sc_start(step);
  sc_core::sc_close_vcd_trace_file(file_);
  file_ = nullptr;
  std::error_code ec;
  if (written_ != path_) {
    std::filesystem::rename(written_, path_, ec);
    if (ec) throw std::runtime_error("cannot write " + path_.string() + ": " + ec.message());
  }
}

RunResult run_scenario_with_vcd(const Scenario& scenario, SystemcKernel& kernel,
                                const std::filesystem::path& vcd, RecordSink* records) {
  kernel.set_decoupled(false);  // SystemC time-stamps every value change with its own clock
  ScenarioSession session(scenario, kernel, records);
  VcdTrace trace(session.pbx(), vcd);
  session.pbx().add_observer(&trace);
  session.start();
  kernel.run(scenario.stop_at.value_or(SimTime::max()));
  RunResult result = session.finish();
  trace.close();
  return result;
}

}  // namespace telsim
