#pragma once
/// The live server: a scenario's PBX advanced in step with the wall clock, with applications
/// controlling its lines over the JSON-lines protocol (docs/protocol.md). One thread runs both
/// the Asio event loop and the simulation: client requests, scenario steps and model timers
/// are applied one at a time, in wall-clock order, each at the simulated instant that maps to
/// its wall time. Between events the thread sleeps in the event loop (no polling).
#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "telsim/sim/kernel.hpp"
#include "telsim/results/run_result.hpp"
#include "telsim/sim/runner.hpp"

namespace telsim {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5070;  ///< 0: any free port (the bound one is printed and returned)
  /// Required from every client (`auth`) when not empty; mandatory off loopback.
  std::string token;
  double speed = 1.0;              ///< simulated seconds per wall-clock second
  std::optional<SimTime> until;    ///< stop when the simulation reaches this time
  std::size_t max_frame = 64 * 1024;
  /// A client whose unsent events exceed this is cut off (it is not reading).
  std::size_t max_queued_bytes = 4 * 1024 * 1024;
  /// A client that has not authenticated this long after connecting is closed.
  std::chrono::milliseconds auth_timeout{10'000};
  bool quiet = false;  ///< no log lines for connections
  /// The live console (--ui, docs/ui.md): its HTTP and WebSocket address (none: no console).
  /// Off loopback it needs the token, like --listen.
  std::optional<std::pair<std::string, std::uint16_t>> ui;
  /// Clients may pause the clock and change its speed (the `clock` request), unless the
  /// scenario has modems.
  bool clock_control = true;
  /// Called once when the server begins to stop (e.g. to cancel the caller's signal handler).
  std::function<void()> on_stop;
};

/// Wall-clock lateness of timer events: how long after its ideal wall time (start +
/// due / speed) each event was dispatched.
struct PacingStats {
  std::uint64_t events = 0;
  Duration p50{0};
  Duration p99{0};
  Duration max{0};
};

/// Connection-level counters, for the summary line.
struct ServerStats {
  std::uint64_t connections = 0;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;       ///< error replies
  std::uint64_t bad_frames = 0;   ///< malformed or oversized frames
  std::uint64_t cut_off = 0;      ///< clients closed for not reading
  std::uint64_t auth_failures = 0;
  std::uint64_t events_sent = 0;
};

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

class Server {
 public:
  /// `session` must be constructed on `kernel` and not started; the server starts it.
  /// Throws std::invalid_argument for options that cannot work (no token off loopback,
  /// speed <= 0) and boost::system::system_error when it cannot listen.
  Server(boost::asio::io_context& io, SimulationKernel& kernel, ScenarioSession& session,
         ServerOptions options, std::ostream& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The address actually bound (port 0 resolved).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// The live console's address (port 0 resolved), when there is one.
  std::optional<boost::asio::ip::tcp::endpoint> ui_endpoint() const;
  /// Begin: the simulation clock starts now, the first scenario step is scheduled, clients
  /// are accepted. Returns at once; io.run() does the work.
  void start();
  /// End the run (also on --until or a signal the caller routes here): accept nobody, advance
  /// the model to now, clear every call (each ends IDLE with its CDR; clients see the events),
  /// tell clients, flush and close them. io.run() returns once they are gone.
  void stop(const std::string& why);
  bool stopped() const;
  /// Verdicts and CDRs, once stopped.
  const std::optional<RunResult>& result() const;
  PacingStats pacing() const;
  const ServerStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace telsim
