// The live server, assembled from its pieces (docs/design.md, "Server"): the Pacer keeps the
// clock, the ConnectionManager the clients and their Connections, the RequestHandler carries
// out their requests, Subscriptions route the model's events to them as frames of the
// EventEncoder. Server::Impl owns them, accepts connections, and is the PBX's (and the
// modems') observer that hands each event to the piece it concerns.
#include "telsim/server/server.hpp"

#include <cmath>
#include <deque>
#include <map>
#include <ostream>
#include <stdexcept>
#include <variant>

#include <boost/asio.hpp>
#include <fmt/format.h>

#include "connection_manager.hpp"
#include "event_encoder.hpp"
#include "modem_ports.hpp"
#include "pacer.hpp"
#include "request_handler.hpp"
#include "server_log.hpp"
#include "subscriptions.hpp"
#include "telsim/server/protocol.hpp"
#include "ui_operations.hpp"
#include "ui_server.hpp"

namespace telsim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using wire::json;

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  return !ec && addr.is_loopback();
}

/// The server itself: owns the pieces and wires them together. It accepts connections, turns
/// each client frame into a request for the RequestHandler (bad frames get their error reply
/// here), brings the model to the present before a request and reports what settled after it,
/// hands the model's events to the Subscriptions, and runs the end of the run.
struct Server::Impl final : PbxObserver, ModemObserver, serve::ConnectionManager::Listener, serve::UiServer::Host {
  Impl(asio::io_context& io_, SimulationKernel& k, ScenarioSession& s, ServerOptions o, std::ostream& l)
      : io(io_),
        kernel(k),
        session(s),
        pbx(s.pbx()),
        options(std::move(o)),
        log(l),
        acceptor(io_),
        pacer(io_, k, options.speed, options.until,
              [this](SimTime due) {
                pump(due);
                arm();
              }),
        encoder(pbx, k),
        clients(io_, options, stats, log, *this),
        subscriptions(pbx, encoder, clients, stats),
        ui_ops(s, pacer, subscriptions, encoder, options.clock_control) {
    if (!(options.speed > 0) || !std::isfinite(options.speed))
      throw std::invalid_argument("--speed must be a positive number");
    if (!is_loopback(options.host) && options.token.empty())
      throw std::invalid_argument(fmt::format(
          "listening on {} (not loopback) needs a token: --token T or TELSIM_TOKEN", options.host));
    const auto addr = options.host == "localhost" ? asio::ip::make_address("127.0.0.1")
                                                  : asio::ip::make_address(options.host);
    const tcp::endpoint ep(addr, options.port);
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(asio::socket_base::max_listen_connections);
    acceptor.non_blocking(true);
    pbx.add_observer(this);
    if (ModemBank* bank = session.modems()) {
      for (std::size_t i = 0; i < bank->size(); ++i) {
        bank->modem(i).add_observer(this);
        modem_lines[&bank->modem(i)] = bank->line_of(i);
      }
      ModemPorts::Hooks hooks{[this] {
                                if (stopped || !started) return false;
                                pump();
                                return true;
                              },
                              [this] {
                                subscriptions.flush();
                                arm();
                              }};
      modem_ports = std::make_unique<ModemPorts>(io, *bank, session.scenario(), std::move(hooks), log.stream(),
                                                 options.quiet);
    }
    // An injected link fault (faults: {link: down}): every client is cut off, and newcomers
    // are turned away until the link is back. What a departed client owned is cleared as for
    // any client that goes.
    session.faults().on_link([this](bool down) {
      if (!down) {
        log.say("link up (fault): clients may connect again");
        return;
      }
      // Told from inside the simulation kernel: cut the clients once it has returned (a client's
      // release runs the kernel itself).
      asio::post(io, [this] { cut_all_clients(); });
    });
    // An injected stall (faults: {stall: server}): requests wait and nothing goes out until the
    // switch resumes; then what was held goes out, and the requests are carried out in order.
    session.faults().on_stall([this](bool now_stalled) {
      fault_stalled = now_stalled;
      if (now_stalled) log.say("stalled (fault): requests and events wait");
      else log.say("resumed after a stall (fault)");
      if (!now_stalled) asio::post(io, [this] { resume_after_stall(); });
    });
    requests = std::make_unique<serve::RequestHandler>(pbx, session, kernel, subscriptions, encoder, clients, options,
                                                       stats, log, modem_ports.get());
    if (options.ui) {
      serve::UiServer::Options uo;
      std::tie(uo.host, uo.port) = *options.ui;
      uo.token = options.token;
      uo.max_frame = options.max_frame;
      uo.max_queued_bytes = options.max_queued_bytes;
      uo.quiet = options.quiet;
      ui = std::make_unique<serve::UiServer>(io, std::move(uo), *this, log);
      clients.set_send_tap([this](const serve::Client& c, const std::string& frame) { ui->sent(c, frame); });
    }
  }

  ~Impl() override {
    if (ModemBank* bank = session.modems())
      for (std::size_t i = 0; i < bank->size(); ++i) bank->modem(i).remove_observer(this);
  }

  asio::io_context& io;
  SimulationKernel& kernel;
  ScenarioSession& session;
  Pbx& pbx;
  ServerOptions options;
  serve::ServerLog log;
  ServerStats stats;
  tcp::acceptor acceptor;
  serve::Pacer pacer;
  serve::EventEncoder encoder;
  serve::ConnectionManager clients;
  serve::Subscriptions subscriptions;
  std::unique_ptr<ModemPorts> modem_ports;
  std::unique_ptr<serve::RequestHandler> requests;
  serve::UiOperations ui_ops;          // clock, switch_state
  std::unique_ptr<serve::UiServer> ui;  // the live console (--ui)
  std::map<const Modem*, LineId> modem_lines;
  bool started = false;
  bool stopped = false;
  bool fault_stalled = false;  ///< an injected stall: hold requests and frames
  std::deque<std::pair<std::uint64_t, std::string>> stalled_frames;  ///< client number, frame

  void cut_all_clients() {
    if (stopped || !session.faults().link_down()) return;
    // Closing may release a client at once: pick them first, close after.
    std::vector<std::string> names;
    clients.for_each([&](serve::Client& c) {
      if (!c.gone() && !c.closing()) names.push_back(c.name);
    });
    std::size_t cut = 0;
    for (const std::string& name : names) {
      if (serve::Client* c = clients.find(name); c && !c->gone() && !c->closing()) {
        c->close_after_flush();  // no goodbye: a lost link says nothing
        ++cut;
      }
    }
    log.say("link down (fault): {} client(s) cut off", cut);
  }

  void resume_after_stall() {
    if (stopped || fault_stalled) return;
    subscriptions.flush();
    while (!stalled_frames.empty() && !fault_stalled) {
      auto [number, text] = std::move(stalled_frames.front());
      stalled_frames.pop_front();
      serve::Client* client = clients.connected(number);
      if (!client) continue;
      wire::FrameSplitter::Item item;
      item.text = std::move(text);
      on_client_frame(*client, item);
    }
    arm();
  }
  std::optional<RunResult> result;

  // --- the clock ----------------------------------------------------------------------------

  /// Bring the model to now (at least `at_least`), then tell the clients what changed.
  void pump(SimTime at_least = SimTime::min()) {
    if (stopped || !started) return;
    const auto tell = [this] {
      if (!fault_stalled) subscriptions.flush();
      subscriptions.sweep();
    };
    const bool reached_until = pacer.advance(at_least, tell);
    tell();
    if (reached_until) asio::post(io, [this] { stop("reached --until"); });
  }

  void arm() {
    if (stopped || !started) return;
    pacer.arm();
  }

  // --- connections --------------------------------------------------------------------------

  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (stopped) return;
      if (!ec && session.faults().link_down()) {
        boost::system::error_code ignored;
        socket.close(ignored);  // the link is down (an injected fault): nobody gets through
      } else if (!ec) {
        clients.connect(std::move(socket));
        // Take every connection already waiting, not one per turn of the loop: under load a
        // turn is long, and a queue of newcomers would wait seconds for their first reply.
        for (;;) {
          boost::system::error_code e;
          tcp::socket more(io);
          acceptor.accept(more, e);  // the acceptor is non-blocking: would_block ends this
          if (e) break;
          if (session.faults().link_down()) more.close(e);
          else clients.connect(std::move(more));
        }
      } else if (ec != asio::error::operation_aborted) {
        log.say("accept failed: {}", ec.message());
      }
      if (acceptor.is_open()) accept();
    });
  }

  void on_client_frame(serve::Client& c, const wire::FrameSplitter::Item& item) override {
    if (item.kind == wire::FrameSplitter::Item::Kind::Oversized) {
      ++stats.bad_frames;
      ++stats.errors;
      c.send(wire::error_frame(nullptr, LineErr::InvalParam,
                               fmt::format("frame of {} bytes exceeds the {}-byte limit; discarded", item.bytes,
                                           options.max_frame)));
      return;
    }
    pump();  // the model up to now: a stall may have begun
    if (fault_stalled && item.kind != wire::FrameSplitter::Item::Kind::Oversized) {
      stalled_frames.emplace_back(c.number, item.text);  // answered when the switch resumes
      return;
    }
    auto parsed = wire::parse_request(item.text);
    if (auto* bad = std::get_if<wire::FrameError>(&parsed)) {
      ++stats.bad_frames;
      ++stats.errors;
      c.send(wire::error_frame(bad->id, bad->error, bad->message));
      return;
    }
    ++stats.requests;
    pump();
    const wire::Request& request = std::get<wire::Request>(parsed);
    if (ui) ui->request_begins(c, item.text);
    if (serve::UiOperations::handles(request.op)) {
      bool clock_changed = false;
      try {
        ui_ops.handle(c, request, clock_changed);
      } catch (const wire::ParamError& e) {
        ++stats.errors;
        c.send(wire::error_frame(request.id, e.error, e.message));
      }
      if (clock_changed) arm();
    } else {
      requests->handle(c, request);
    }
    subscriptions.flush();
    subscriptions.sweep();
    if (ui) ui->request_ends(encoder.now());
  }

  // --- the live console's pages (UiServer::Host) --------------------------------------------

  void ui_attach(std::shared_ptr<serve::Client> c) override { clients.attach(std::move(c), "ui"); }
  void ui_frame(serve::Client& c, const std::string& text) override {
    wire::FrameSplitter::Item item;
    item.text = text;
    on_client_frame(c, item);
    arm();
  }
  void ui_detach(serve::Client& c, const std::string& why) override { clients.detach(c, why); }
  bool ui_taking_requests() const override { return !stopped; }
  json ui_tick(std::size_t& seen) override {
    if (!stopped && started) {
      pump();
      arm();
    }
    return ui_ops.tick(seen);
  }

  void after_client_input() override { arm(); }
  bool taking_requests() const override { return !stopped; }

  void on_client_release(serve::Client& c) override {
    if (!stopped) {
      pump();
      requests->clear_calls_of(c, std::nullopt);
    }
    subscriptions.remove(c);
  }

  void after_client_release() override {
    if (!stopped) arm();
  }

  // --- the model's events -------------------------------------------------------------------

  void on_call_state(const CallStateEvent& e) override { subscriptions.call_state(e); }

  void on_reply(const OpResult& r) override {
    encoder.note(r);
    requests->on_reply(r);
    // An operation can change a call's info without changing its state (complete_call CAMPON
    // gives the camped call its completion id): have it compared once the PBX is done.
    if (r.ok() && r.call) subscriptions.peer_changed(r.call);
  }

  void on_peer_change(CallId id) override { subscriptions.peer_changed(id); }
  void on_call_info(CallId id, std::uint32_t) override { subscriptions.peer_changed(id); }
  void on_media(const MediaEvent& e) override { subscriptions.media(e); }

  void on_agent_status(LineId line, std::uint32_t changed) override { subscriptions.agent_status(line, changed); }
  void on_queue_status(std::size_t queue) override { subscriptions.queue_status(queue); }

  void on_line_service(LineId line, bool in_service) override {
    subscriptions.line_state(line, in_service ? "INSERVICE" : "OUTOFSERVICE");
  }

  void on_modem_state(const Modem& m) override {
    const auto line = modem_lines.find(&m);
    if (line != modem_lines.end()) subscriptions.modem_state(m, line->second);
  }

  // --- the end ------------------------------------------------------------------------------

  void stop(const std::string& why) {
    if (stopped || !started) return;
    pump();
    log.say("stopping ({}) at {:.3f} s simulated", why, to_seconds(kernel.now()));
    boost::system::error_code ec;
    acceptor.close(ec);
    pacer.cancel();
    // From here the PBX answers no more requests; clearing the calls still tells the clients.
    stopped = true;
    subscriptions.stopping();
    result = session.finish();
    if (modem_ports) modem_ports->close();
    clients.stop_all(wire::frame(encoder.shutdown(why)));
    if (ui) ui->stop();
    if (options.on_stop) options.on_stop();
  }
};

Server::Server(asio::io_context& io, SimulationKernel& kernel, ScenarioSession& session,
               ServerOptions options, std::ostream& log)
    : impl_(std::make_unique<Impl>(io, kernel, session, std::move(options), log)) {}

Server::~Server() = default;

tcp::endpoint Server::local_endpoint() const { return impl_->acceptor.local_endpoint(); }
std::optional<tcp::endpoint> Server::ui_endpoint() const {
  if (!impl_->ui) return std::nullopt;
  return impl_->ui->local_endpoint();
}

void Server::start() {
  Impl& s = *impl_;
  if (s.started) return;
  s.started = true;
  s.pacer.start();
  s.session.start();
  if (s.modem_ports) s.modem_ports->start();
  s.accept();
  if (s.ui) s.ui->start();
  s.pump();
  s.arm();
}

void Server::stop(const std::string& why) { impl_->stop(why); }
bool Server::stopped() const { return impl_->stopped; }
const std::optional<RunResult>& Server::result() const { return impl_->result; }
PacingStats Server::pacing() const { return impl_->pacer.stats(); }
const ServerStats& Server::stats() const { return impl_->stats; }

}  // namespace telsim
