// telsim command line: run / check / bench. Exit codes (docs/cli.md): 0 every expectation held,
// 1 an expectation failed, 2 bad input (FILE:LINE:COL on stderr), 3 internal error.
#include <chrono>
#include <sys/resource.h>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/system/system_error.hpp>
#include <fmt/format.h>
#include <systemc>

#include "output_paths.hpp"
#include "report_stream.hpp"
#include "serve_command.hpp"
#include "suite_command.hpp"
#include "wine_setup_command.hpp"
#include "telsim/kernel/systemc_kernel.hpp"
#include "telsim/kernel/vcd_trace.hpp"
#include "telsim/models/personality.hpp"
#include "telsim/reports/reports.hpp"
#include "telsim/sim/bench.hpp"
#include "telsim/sim/request.hpp"
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
  std::string vcd_file;
  std::string stats_interval;
  bool quiet = false;
  std::vector<std::pair<std::string, std::string>> set;  ///< --set: one point of the scenario's sweep
  std::string personality;  ///< --personality: the switch personality instead of the scenario's
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
  telsim::Scenario scenario = telsim::load_scenario(opt.file, opt.set, opt.personality);
  if (opt.seed) scenario.seed = *opt.seed;
  telsim::ReportOptions report_opt;
  if (!opt.stats_interval.empty())
    report_opt.stats_interval = telsim::parse_duration(opt.stats_interval).value();
  // Bad output paths are bad input, found before the run rather than after it.
  if (!opt.report_dir.empty()) telsim::cli::prepare_report_dir("--report", opt.report_dir);
  if (!opt.vcd_file.empty()) telsim::cli::prepare_output_file("--vcd", opt.vcd_file);

  // The records go to the stream as calls end (cdr.csv and stats.csv are written as the run
  // goes), so a run of any length needs the same memory.
  telsim::StreamOptions stream_opt = telsim::cli::stream_options(scenario, opt.report_dir, report_opt.stats_interval);
  stream_opt.background = std::thread::hardware_concurrency() > 1;
  telsim::RecordStream stream(std::move(stream_opt));

  telsim::SystemcKernel kernel;
  const auto t0 = std::chrono::steady_clock::now();
  telsim::RunResult result =
      opt.vcd_file.empty() ? telsim::run_scenario(scenario, kernel, &stream)
                           : telsim::run_scenario_with_vcd(scenario, kernel, opt.vcd_file, &stream);
  stream.finish(result);
  telsim::check_metrics(result, stream);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // The verdict is printed before any report is written, so a failure while writing cannot
  // hide it.
  const bool pass = result.failed() == 0;
  if (!opt.quiet) {
    const std::string& personality = scenario.pbx.profile.personality;
    fmt::print("telsim run: {} (seed {}{})\n", scenario.name, scenario.seed,
               personality.empty() ? "" : ", personality " + personality);
  }
  for (const auto& e : result.expectations) {
    if (e.ok) continue;
    fmt::print("FAIL  {}:{}  step {} at {:.3f}s: {}\n      {}\n", opt.file, e.yaml_line, e.step,
               telsim::to_seconds(e.at), e.what, e.message);
  }
  if (!opt.quiet) {
    fmt::print("expectations: {} passed, {} failed\n", result.passed(), result.failed());
    fmt::print("{}\n", telsim::calls_summary_line(stream.counts(), stream.records(), result));
    for (const std::string& line : telsim::trunk_summary_lines(result)) fmt::print("{}\n", line);
    for (const std::string& line : telsim::queue_summary_lines(result)) fmt::print("{}\n", line);
    fmt::print("time: {:.3f} s simulated in {:.3f} s wall; {} events ({} events/s)\n",
               telsim::to_seconds(result.sim_time), wall, result.kernel_events + result.transitions,
               thousands(wall > 0 ? (result.kernel_events + result.transitions) / wall : 0));
    if (!opt.vcd_file.empty()) fmt::print("trace: {}\n", opt.vcd_file);
  }
  fmt::print("verdict: {} ({})\n", pass ? "PASS" : "FAIL", scenario.name);
  std::fflush(stdout);
  if (!opt.report_dir.empty()) {
    try {
      const auto written = telsim::write_reports(result, stream, opt.report_dir);
      if (!opt.quiet) {
        fmt::print("report:");
        for (const auto& p : written) fmt::print(" {}", p.string());
        fmt::print("\n");
      }
    } catch (const std::exception& e) {
      std::cerr << "telsim: --report '" << opt.report_dir << "': the reports could not be written: "
                << e.what() << '\n';
      return kExitBadInput;
    }
  }
  return pass ? kExitPass : kExitFail;
}

int check(const std::string& file) {
  const telsim::Scenario s = telsim::load_scenario(file);
  // A sweep: every point must load (a value can make a scenario invalid).
  std::size_t points = 0;
  if (!s.sweep.empty())
    for (const auto& point : telsim::cli::sweep_points(telsim::read_sweep(file))) {
      telsim::load_scenario(file, point);
      ++points;
    }
  fmt::print("{}: ok ({} extensions, {} steps{})\n", file, s.pbx.lines.size(), s.steps.size(),
             points ? fmt::format(", {} sweep points", points) : std::string());
  return kExitPass;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::max(1e-9, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// A bench's records go to a stream (cdr.csv written as calls end with --report, nothing kept
// otherwise); `bench --report DIR` then writes the other reports and says what they cost next to
// the run's own wall time (the reports must stay cheap: docs/cli.md).
struct BenchReports {
  explicit BenchReports(const std::string& folder, std::vector<std::string> trunks) : dir(folder) {
    if (!dir.empty()) telsim::cli::prepare_report_dir("--report", dir);
    telsim::StreamOptions o;
    o.dir = dir;
    o.trunks = std::move(trunks);
    o.background = std::thread::hardware_concurrency() > 1;
    stream = std::make_unique<telsim::RecordStream>(std::move(o));
  }
  /// After the run: finish the stream, write the other reports; returns their wall seconds.
  double write(const telsim::RunResult& run, double run_wall) {
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    stream->finish(run);
    if (dir.empty()) return since(t0);
    const auto written = telsim::write_reports(run, *stream, dir);
    const double w = since(t0);
    fmt::print("  reports        : {} files ({} CDRs, cdr.csv written as calls ended) into {}; "
               "the rest in {:.3f} s wall, {:.3f} s CPU: {:.1f}% of the run's {:.3f} s wall\n",
               written.size(), stream->records(), dir, w, cpu_seconds() - cpu0,
               100.0 * w / std::max(run_wall, 1e-9), run_wall);
    fmt::print("  records held   : at most {} waiting for an older call to end ({} spilled to disk)\n",
               stream->max_held(), stream->spilled());
    return w;
  }
  std::string dir;
  std::unique_ptr<telsim::RecordStream> stream;
};

// (a) The M/M/N/N trunk model: outbound Poisson calls over one trunk group, far end answering
// at once, exponential holding of one minute; `calls` arrivals in all.
int bench_trunk(const telsim::BenchOptions& opt, std::uint32_t channels, double erlangs,
                const std::string& report_dir) {
  const auto minutes = static_cast<long>(static_cast<double>(opt.calls) / erlangs) + 1;
  const std::string yaml = fmt::format(
      "name: bench-trunk\nseed: 1\npbx:\n  extensions: [\"100000-{0}\"]\n"
      "  timing: {{dialtone_delay: 0, digit_time: 0, post_dial_delay: 0}}\n"
      "trunks:\n  - {{name: t, channels: {1}, access_code: \"9\", number_length: 7, far_end: {{answer_after: 0}}}}\n"
      "traffic:\n  - {{from: \"100000-{0}\", to: \"9555xxxx\", arrivals: \"poisson({2}/min)\", "
      "holding: \"exponential(1min)\", for: {3}min}}\n",
      100000 + channels + 50, channels, erlangs, minutes);
  const telsim::Scenario scenario = telsim::parse_scenario(yaml, "bench-trunk");
  BenchReports reports(report_dir, {"t"});
  telsim::SystemcKernel kernel;
  fmt::print("telsim bench (a): M/M/{0}/{0} trunk, {1} Erlangs, {2} arrivals (SystemC kernel)\n",
             channels, erlangs, opt.calls);
  const auto t0 = std::chrono::steady_clock::now();
  const telsim::RunResult r = telsim::run_scenario(scenario, kernel, reports.stream.get());
  const double w = since(t0);
  const auto& s = r.trunks.at(0).stats;
  double b = 1.0;
  for (std::uint32_t n = 1; n <= channels; ++n) b = erlangs * b / (n + erlangs * b);
  fmt::print("  offered {} carried {} blocking {:.5f} ({}; Erlang B {:.5f})\n", s.offered, s.carried,
             s.blocking,
             s.blocking_ci ? fmt::format("95% CI {:.5f}..{:.5f}", s.blocking_ci->first, s.blocking_ci->second)
                           : "no 95% CI: " + s.ci_reason,
             b);
  const double rw = reports.write(r, w);
  const double total = w + rw;
  const std::uint64_t arrivals = r.traffic.at(0).arrivals;
  fmt::print("  wall {:.3f} s (run {:.3f} s, reports {:.3f} s), calls/s {}, events/s {}, peak RSS {:.0f} MiB\n",
             total, w, rw, thousands(static_cast<double>(arrivals) / total),
             thousands(static_cast<double>(r.kernel_events + r.transitions) / total), peak_rss_mib());
  fmt::print("telsim arrivals={} carried={} blocked={} blocking={:.5f} erlang_b={:.5f} wall_s={:.3f} "
             "calls_per_s={:.0f} peak_rss_mib={:.1f} reports={}\n",
             arrivals, s.carried, s.blocked, s.blocking, b, total, static_cast<double>(arrivals) / total,
             peak_rss_mib(), report_dir.empty() ? "none" : report_dir);
  return kExitPass;
}

int bench(telsim::BenchOptions opt, const std::string& report_dir) {
  BenchReports reports(report_dir, {});
  // Without --report the bench keeps no record (nothing needs them); the trunk bench streams
  // its records either way, as telsim run does (its runner would keep them otherwise).
  if (!report_dir.empty()) opt.records = reports.stream.get();
  telsim::SystemcKernel kernel;
  fmt::print("telsim bench: {} calls across {} extensions (SystemC kernel)\n", opt.calls,
             opt.extensions);
  telsim::BenchResult r = telsim::run_bench(kernel, opt);
  const double w = r.wall_seconds > 0 ? r.wall_seconds : 1e-9;
  fmt::print("  complete calls : {} ({} CDRs, peak {} live call handles)\n", r.calls_completed,
             r.records, r.peak_live_calls);
  fmt::print("  virtual time   : {:.1f} s, wall {:.3f} s\n", telsim::to_seconds(r.sim_time),
             r.wall_seconds);
  fmt::print("  calls/s        : {}\n", thousands(r.calls_completed / w));
  fmt::print("  events/s       : {} (kernel timer events {}/s, call-state transitions {}/s)\n",
             thousands((r.kernel_events + r.transitions) / w), thousands(r.kernel_events / w),
             thousands(r.transitions / w));
  reports.write(telsim::bench_run_result(r), w);
  fmt::print("  peak RSS       : {:.0f} MiB\n", peak_rss_mib());
  return r.calls_completed == opt.calls ? kExitPass : kExitInternal;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"telsim: a telephony hardware and PBX simulator for testing TAPI applications"};
  app.set_version_flag("--version", std::string("telsim ") + TELSIM_VERSION);
  app.require_subcommand(1);

  RunOptions run_opt;
  std::vector<std::string> run_files;
  telsim::cli::SuiteOptions suite_opt;
  auto* run_cmd = app.add_subcommand("run", "play a scenario (or a suite: several files, folders) and report the verdict");
  run_cmd->add_option("FILE", run_files, "scenario YAML files, or folders of them (a suite: docs/scale.md)")->required();
  auto* jobs_flag = run_cmd->add_option("-j,--jobs", suite_opt.jobs, "a suite: run N scenarios at once")
                        ->check(CLI::Range(1u, 1024u));
  auto* shard_flag = run_cmd->add_option("--shard", suite_opt.shard, "a suite: run only share K of N (1 <= K <= N)");
  std::vector<std::string> run_set;
  auto* set_flag = run_cmd->add_option("--set", run_set, "NAME=VALUE: run one point of the scenario's sweep (every parameter)")
                       ->check([](const std::string& kv) -> std::string {
                         return kv.find('=') == std::string::npos || kv.front() == '=' ? "expected NAME=VALUE" : "";
                       });
  run_cmd->add_option("--seed", run_opt.seed, "override the scenario's seed");
  run_cmd->add_option("--personality", run_opt.personality,
                      "start the switch from this personality instead of the scenario's (telsim personalities)")
      ->check([](const std::string& name) -> std::string {
        return telsim::find_personality(name)
                   ? ""
                   : "'" + name + "' is not a personality (" + telsim::personality_names() + ")";
      });
  // --stats-interval's check (run and serve).
  const auto positive_duration = [](const std::string& d) -> std::string {
    const auto v = telsim::parse_duration(d);
    return v && *v > telsim::Duration::zero() ? "" : "not a positive duration (10s, 1min, 1h)";
  };
  auto* report_flag = run_cmd->add_option("--report", run_opt.report_dir,
                      "write report.json, junit.xml, cdr.csv and report.html into DIR");
  run_cmd->add_option("--stats-interval", run_opt.stats_interval,
                      "also write DIR/stats.csv: one row per interval D of simulated time")
      ->needs(report_flag)
      ->check(positive_duration);
  run_cmd->add_option("--vcd", run_opt.vcd_file,
                      "write a VCD waveform of every line's call state and trunk occupancy");
  run_cmd->add_flag("--quiet,-q", run_opt.quiet, "print only failures and the verdict");

  std::string check_file;
  auto* check_cmd = app.add_subcommand("check", "validate a scenario without running it");
  check_cmd->add_option("FILE", check_file, "scenario YAML")->required();

  bool operations_wire = false;
  auto* operations_cmd = app.add_subcommand("operations", "list the TAPI operations of scenarios (or of the wire protocol)");
  operations_cmd->add_flag("--wire", operations_wire, "the wire protocol's parameters and replies instead");

  auto* personalities_cmd =
      app.add_subcommand("personalities", "list the switch personalities (`pbx: {personality: NAME}`), one line each");

  telsim::BenchOptions bench_opt;
  auto* bench_cmd = app.add_subcommand("bench", "measure complete calls/s and events/s");
  bench_cmd->add_option("--calls", bench_opt.calls, "complete calls to run")->check(CLI::PositiveNumber);
  bench_cmd->add_option("--extensions", bench_opt.extensions, "extensions (half call, half answer)")
      ->check(CLI::Range(2u, 2'000'000u));
  std::uint32_t trunk_channels = 0;
  double trunk_erlangs = 0;
  bench_cmd->add_option("--trunk", trunk_channels,
                        "run the M/M/N/N trunk model with N channels instead (calls = arrivals)")
      ->check(CLI::Range(1u, 100'000u));
  std::string bench_report;
  bench_cmd->add_option("--report", bench_report,
                        "also write the run's reports into DIR and print what writing them cost");
  bench_cmd->add_option("--erlangs", trunk_erlangs, "offered load of the trunk model (default 0.8 N)")
      ->check(CLI::PositiveNumber);

  telsim::cli::ServeOptions serve_opt;
  auto* serve_cmd = app.add_subcommand("serve", "run a scenario in real time for live clients (JSON lines over TCP)");
  serve_cmd->add_option("FILE", serve_opt.file, "scenario YAML")->required();
  serve_cmd->add_option("--listen", serve_opt.listen, "HOST:PORT to listen on (port 0: any free one)")
      ->capture_default_str();
  serve_cmd->add_option("--token", serve_opt.token,
                        "clients must authenticate with this token (default $TELSIM_TOKEN); required off loopback");
  serve_cmd->add_option("--speed", serve_opt.speed, "simulated seconds per wall-clock second")
      ->check(CLI::PositiveNumber)->capture_default_str();
  serve_cmd->add_option("--until", serve_opt.until, "stop at this simulated time (e.g. 10min)");
  serve_cmd->add_option("--seed", serve_opt.seed, "override the scenario's seed");
  auto* serve_report = serve_cmd->add_option("--report", serve_opt.report_dir,
                                             "write cdr.csv into DIR as calls end, the other reports when stopped");
  serve_cmd->add_option("--stats-interval", serve_opt.stats_interval,
                        "also write DIR/stats.csv as the server runs: one row per interval D of simulated time")
      ->needs(serve_report)
      ->check(positive_duration);
  serve_cmd->add_option("--vcd", serve_opt.vcd_file,
                        "write a VCD waveform of every line's call state and trunk occupancy");
  serve_cmd->add_flag("--quiet,-q", serve_opt.quiet, "no log line per connection");
  serve_cmd->add_option("--ui", serve_opt.ui,
                        "[HOST:]PORT: serve the live console (a page in the browser) there; loopback by default");

  telsim::cli::ClientCommandOptions client_opt;
  auto* client_cmd = app.add_subcommand("client", "talk to a telsim server from a shell: requests on stdin, frames on stdout");
  client_cmd->add_option("--connect", client_opt.connect, "HOST:PORT of the server")->capture_default_str();
  client_cmd->add_option("--token", client_opt.token, "authenticate with this token (default $TELSIM_TOKEN)");
  client_cmd->add_option("--name", client_opt.name, "the client's name (for handoff)");
  client_cmd->add_option("--linger", client_opt.linger, "after the input ends, keep printing events this long");

  std::vector<std::string> merge_dirs;
  std::string merge_report;
  auto* merge_cmd = app.add_subcommand("merge", "merge the reports of a suite's shards into one junit.xml and summary");
  merge_cmd->add_option("DIR", merge_dirs, "the --report folders of `telsim run --shard K/N`")->required();
  merge_cmd->add_option("--report", merge_report, "write junit.xml, index.html and suite.json into OUT")->required();

  telsim::cli::WineSetupOptions wine_setup_opt;
  auto* wine_setup_cmd = telsim::cli::add_wine_setup(app, wine_setup_opt);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitPass : kExitBadInput;
  }

  try {
    if (*run_cmd) {
      std::error_code ec;
      bool suite = run_files.size() > 1 || std::filesystem::is_directory(run_files.front(), ec) ||
                   jobs_flag->count() > 0 || shard_flag->count() > 0;
      // One file with a sweep, not told which point: all of them, as a suite.
      if (!suite && set_flag->count() == 0) suite = !telsim::read_sweep(run_files.front()).params.empty();
      if (!suite) {
        run_opt.file = run_files.front();
        for (const std::string& kv : run_set)
          run_opt.set.emplace_back(kv.substr(0, kv.find('=')), kv.substr(kv.find('=') + 1));
        return run(run_opt);
      }
      if (set_flag->count() > 0) throw std::invalid_argument("--set is for one scenario, not a suite");
      if (!run_opt.vcd_file.empty()) throw std::invalid_argument("--vcd is for one scenario, not a suite");
      suite_opt.paths = run_files;
      suite_opt.report_dir = run_opt.report_dir;
      suite_opt.seed = run_opt.seed;
      suite_opt.personality = run_opt.personality;
      suite_opt.stats_interval = run_opt.stats_interval;
      suite_opt.quiet = run_opt.quiet;
      return telsim::cli::run_suite(suite_opt);
    }
    if (*merge_cmd) return telsim::cli::merge_suites(merge_dirs, merge_report);
    if (*check_cmd) return check(check_file);
    if (*operations_cmd) {
      fmt::print("{}", telsim::operations_markdown(operations_wire ? telsim::Surface::Wire : telsim::Surface::Scenario));
      return kExitPass;
    }
    if (*personalities_cmd) {
      for (const telsim::Personality& p : telsim::personalities()) fmt::print("{:<11} {}\n", p.name, p.summary);
      return kExitPass;
    }
    if (*serve_cmd) return telsim::cli::serve(serve_opt);
    if (*client_cmd) return telsim::cli::client(client_opt);
    if (*wine_setup_cmd) return telsim::cli::wine_setup(wine_setup_opt);
    if (*bench_cmd && trunk_channels > 0)
      return bench_trunk(bench_opt, trunk_channels,
                         trunk_erlangs > 0 ? trunk_erlangs : 0.8 * trunk_channels, bench_report);
    if (*bench_cmd) return bench(bench_opt, bench_report);
  } catch (const telsim::ScenarioError& e) {
    std::cerr << e.message() << '\n';
    return kExitBadInput;
  } catch (const std::invalid_argument& e) {
    std::cerr << "telsim: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const boost::system::system_error& e) {
    std::cerr << "telsim: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "telsim: internal error: " << e.what() << '\n';
    return kExitInternal;
  }
  return kExitInternal;
}
