#include "serve_command.hpp"

#include "output_paths.hpp"
#include "report_stream.hpp"

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include "telsim/kernel/systemc_kernel.hpp"
#include "telsim/kernel/vcd_trace.hpp"
#include "telsim/reports/reports.hpp"
#include "telsim/server/client_console.hpp"
#include "telsim/server/server.hpp"
#include "telsim/sim/runner.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim::cli {

std::pair<std::string, std::uint16_t> parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument(fmt::format("'{}': give HOST:PORT (e.g. 127.0.0.1:5070)", text));
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos || std::stoul(port_text) > 65535)
    throw std::invalid_argument(fmt::format("'{}': the port must be a number 0..65535", text));
  return {host, static_cast<std::uint16_t>(std::stoul(port_text))};
}

std::pair<std::string, std::uint16_t> parse_ui_endpoint(const std::string& text) {
  if (text.find(':') == std::string::npos) return parse_endpoint("127.0.0.1:" + text);
  return parse_endpoint(text);
}

namespace {

// A thousand clients need more descriptors than the usual soft limit of 1,024.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// --token, else $TELSIM_TOKEN (which keeps the token out of the process list).
std::string token_or_environment(const std::string& given) {
  if (!given.empty()) return given;
  const char* env = std::getenv("TELSIM_TOKEN");
  return env ? env : "";
}

std::string ms(Duration d) { return fmt::format("{:.3f} ms", std::chrono::duration<double, std::milli>(d).count()); }

}  // namespace

int serve(const ServeOptions& opt) {
  Scenario scenario = load_scenario(opt.file);
  if (opt.seed) scenario.seed = *opt.seed;
  ServerOptions so;
  std::tie(so.host, so.port) = parse_endpoint(opt.listen);
  so.token = token_or_environment(opt.token);
  so.speed = opt.speed;
  so.quiet = opt.quiet;
  if (!opt.ui.empty()) so.ui = parse_ui_endpoint(opt.ui);
  if (!opt.until.empty()) {
    const auto d = parse_duration(opt.until);
    if (!d || *d <= Duration::zero())
      throw std::invalid_argument(fmt::format("--until '{}': give a positive duration like 90s", opt.until));
    so.until = *d;
  } else if (scenario.stop_at) {
    so.until = *scenario.stop_at;
  }
  // Bad output paths are bad input, found before anyone connects rather than at the end.
  if (!opt.report_dir.empty()) prepare_report_dir("--report", opt.report_dir);
  if (!opt.vcd_file.empty()) prepare_output_file("--vcd", opt.vcd_file);
  raise_descriptor_limit();

  // The records go to the stream as calls end (cdr.csv, and stats.csv with an interval, written
  // as the server runs): a server left up for days keeps no record per call.
  const Duration stats_interval =
      opt.stats_interval.empty() ? Duration::zero() : parse_duration(opt.stats_interval).value();
  RecordStream stream(stream_options(scenario, opt.report_dir, stats_interval));
  SystemcKernel kernel;
  ScenarioSession session(scenario, kernel, &stream);
  std::unique_ptr<VcdTrace> vcd;
  if (!opt.vcd_file.empty()) {
    kernel.set_decoupled(false);  // SystemC time-stamps every value change with its own clock
    vcd = std::make_unique<VcdTrace>(session.pbx(), opt.vcd_file);
    session.pbx().add_observer(vcd.get());
  }
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  so.on_stop = [&signals] { signals.cancel(); };
  Server server(io, kernel, session, std::move(so), std::cerr);
  signals.async_wait([&server](const boost::system::error_code& ec, int sig) {
    if (!ec) server.stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
  });
  const auto ep = server.local_endpoint();
  fmt::print("telsim serve: {} listening on {}:{} (speed {}x{})\n", scenario.name,
             ep.address().to_string(), ep.port(), opt.speed,
             token_or_environment(opt.token).empty() ? "" : ", token required");
  if (const auto ui = server.ui_endpoint()) {
    const std::string host = ui->address().is_v6() ? fmt::format("[{}]", ui->address().to_string())
                                                   : ui->address().to_string();
    fmt::print("telsim serve: console at http://{}:{}/{}\n", host, ui->port(),
               token_or_environment(opt.token).empty() ? "" : "?token=TOKEN");
  }
  std::fflush(stdout);
  server.start();
  io.run();
  if (vcd) vcd->close();

  RunResult result = *server.result();
  stream.finish(result);
  check_metrics(result, stream);
  const ServerStats& st = server.stats();
  const PacingStats pacing = server.pacing();
  for (const auto& e : result.expectations) {
    if (e.ok) continue;
    fmt::print("FAIL  {}:{}  step {} at {:.3f}s: {}\n      {}\n", opt.file, e.yaml_line, e.step,
               to_seconds(e.at), e.what, e.message);
  }
  fmt::print("expectations: {} passed, {} failed\n", result.passed(), result.failed());
  fmt::print("{}\n", calls_summary_line(stream.counts(), stream.records(), result));
  for (const std::string& line : trunk_summary_lines(result)) fmt::print("{}\n", line);
  for (const std::string& line : queue_summary_lines(result)) fmt::print("{}\n", line);
  fmt::print("clients: {} connections, {} requests, {} error replies, {} bad frames, {} cut off, "
             "{} failed authentications\n",
             st.connections, st.requests, st.errors, st.bad_frames, st.cut_off, st.auth_failures);
  fmt::print("pacing: {} timer events, lateness p50 {}, p99 {}, max {}\n", pacing.events,
             ms(pacing.p50), ms(pacing.p99), ms(pacing.max));
  if (vcd) fmt::print("trace: {}\n", opt.vcd_file);
  const bool pass = result.failed() == 0;
  // The verdict comes before the reports are written, so a failure while writing cannot hide it.
  fmt::print("verdict: {} ({})\n", pass ? "PASS" : "FAIL", scenario.name);
  std::fflush(stdout);
  if (!opt.report_dir.empty()) {
    try {
      const auto written = write_reports(result, stream, opt.report_dir);
      fmt::print("report:");
      for (const auto& p : written) fmt::print(" {}", p.string());
      fmt::print("\n");
    } catch (const std::exception& e) {
      std::cerr << "telsim: --report '" << opt.report_dir
                << "': the reports could not be written: " << e.what() << '\n';
      return 2;
    }
  }
  return pass ? 0 : 1;
}

int client(const ClientCommandOptions& opt) {
  ClientOptions co;
  std::tie(co.host, co.port) = parse_endpoint(opt.connect);
  co.token = token_or_environment(opt.token);
  co.name = opt.name;
  const auto linger = parse_duration(opt.linger);
  if (!linger) throw std::invalid_argument(fmt::format("--linger '{}': give a duration like 2s", opt.linger));
  co.linger = std::chrono::duration_cast<std::chrono::milliseconds>(*linger);
  return run_client_console(co, std::cin, std::cout, std::cerr);
}

}  // namespace telsim::cli
