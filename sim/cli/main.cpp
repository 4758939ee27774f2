// telsim command line: run / check / bench. Exit codes (docs/cli.md): 0 every expectation held,
// 1 an expectation failed, 2 bad input (FILE:LINE:COL on stderr), 3 internal error.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <systemc>

#include "telsim/kernel/systemc_kernel.hpp"
#include "telsim/reports/reports.hpp"
#include "telsim/sim/bench.hpp"
#include "telsim/sim/runner.hpp"
#include "telsim/sim/scenario.hpp"

namespace {

constexpr int kExitPass = 0;
constexpr int kExitFail = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInternal = 3;

struct RunOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string report_dir;
  bool quiet = false;
};

std::string thousands(double value) {
  auto n = static_cast<long long>(value + 0.5);
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

int run(const RunOptions& opt) {
  telsim::Scenario scenario = telsim::load_scenario(opt.file);
  if (opt.seed) scenario.seed = *opt.seed;

  telsim::SystemcKernel kernel;
  const auto t0 = std::chrono::steady_clock::now();
  const telsim::RunResult result = telsim::run_scenario(scenario, kernel);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::vector<std::filesystem::path> written;
  if (!opt.report_dir.empty()) written = telsim::write_reports(result, opt.report_dir);

  const bool pass = result.failed() == 0;
  const std::string base = std::filesystem::path(opt.file).filename().string();
  if (!opt.quiet) fmt::print("telsim run: {} (seed {})\n", scenario.name, scenario.seed);
  for (const auto& e : result.expectations) {
    if (e.ok) continue;
    fmt::print("FAIL  {}:{}  step {} at {:.3f}s: {}\n      {}\n", opt.file, e.yaml_line, e.step,
               telsim::to_seconds(e.at), e.what, e.message);
  }
  if (!opt.quiet) {
    const telsim::CallCounts c = telsim::count_calls(result);
    fmt::print("expectations: {} passed, {} failed\n", result.passed(), result.failed());
    fmt::print("calls: {} placed ({} answered, {} abandoned, {} blocked, {} failed), {} received; "
               "{} CDRs, {} cleared at end of run\n",
               c.total, c.answered, c.abandoned, c.blocked, c.failed, c.incoming_total,
               result.records.size(), result.cleared_at_end);
    fmt::print("time: {:.3f} s simulated in {:.3f} s wall; {} events ({} events/s)\n",
               telsim::to_seconds(result.sim_time), wall, result.kernel_events + result.transitions,
               thousands(wall > 0 ? (result.kernel_events + result.transitions) / wall : 0));
    if (!written.empty()) {
      fmt::print("report:");
      for (const auto& p : written) fmt::print(" {}", p.string());
      fmt::print("\n");
    }
  }
  fmt::print("verdict: {} ({})\n", pass ? "PASS" : "FAIL", scenario.name);
  return pass ? kExitPass : kExitFail;
}

int check(const std::string& file) {
  const telsim::Scenario s = telsim::load_scenario(file);
  fmt::print("{}: ok ({} extensions, {} steps)\n", file, s.pbx.lines.size(), s.steps.size());
  return kExitPass;
}

int bench(const telsim::BenchOptions& opt) {
  telsim::SystemcKernel kernel;
  fmt::print("telsim bench: {} calls across {} extensions (SystemC kernel)\n", opt.calls,
             opt.extensions);
  const telsim::BenchResult r = telsim::run_bench(kernel, opt);
  const double w = r.wall_seconds > 0 ? r.wall_seconds : 1e-9;
  fmt::print("  complete calls : {} ({} CDRs, peak {} live call handles)\n", r.calls_completed,
             r.records, r.peak_live_calls);
  fmt::print("  virtual time   : {:.1f} s, wall {:.3f} s\n", telsim::to_seconds(r.sim_time),
             r.wall_seconds);
  fmt::print("  calls/s        : {}\n", thousands(r.calls_completed / w));
  fmt::print("  events/s       : {} (kernel timer events {}/s, call-state transitions {}/s)\n",
             thousands((r.kernel_events + r.transitions) / w), thousands(r.kernel_events / w),
             thousands(r.transitions / w));
  return r.calls_completed == opt.calls ? kExitPass : kExitInternal;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"telsim: a telephony hardware and PBX simulator for testing TAPI applications"};
  app.set_version_flag("--version", std::string("telsim ") + TELSIM_VERSION);
  app.require_subcommand(1);

  RunOptions run_opt;
  auto* run_cmd = app.add_subcommand("run", "play a scenario and report the verdict");
  run_cmd->add_option("FILE", run_opt.file, "scenario YAML")->required();
  run_cmd->add_option("--seed", run_opt.seed, "override the scenario's seed");
  run_cmd->add_option("--report", run_opt.report_dir,
                      "write report.json, junit.xml, cdr.csv and report.html into DIR");
  run_cmd->add_flag("--quiet,-q", run_opt.quiet, "print only failures and the verdict");

  std::string check_file;
  auto* check_cmd = app.add_subcommand("check", "validate a scenario without running it");
  check_cmd->add_option("FILE", check_file, "scenario YAML")->required();

  telsim::BenchOptions bench_opt;
  auto* bench_cmd = app.add_subcommand("bench", "measure complete calls/s and events/s");
  bench_cmd->add_option("--calls", bench_opt.calls, "complete calls to run")->check(CLI::PositiveNumber);
  bench_cmd->add_option("--extensions", bench_opt.extensions, "extensions (half call, half answer)")
      ->check(CLI::Range(2u, 2'000'000u));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitPass : kExitBadInput;
  }

  try {
    if (*run_cmd) return run(run_opt);
    if (*check_cmd) return check(check_file);
    if (*bench_cmd) return bench(bench_opt);
  } catch (const telsim::ScenarioError& e) {
    std::cerr << e.message() << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "telsim: internal error: " << e.what() << '\n';
    return kExitInternal;
  }
  return kExitInternal;
}
