#include "telsim/server/server.hpp"

#include "modem_ports.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <ostream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio.hpp>
#include <fmt/format.h>

#include "telsim/server/protocol.hpp"

namespace telsim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using wire::json;
using WallClock = std::chrono::steady_clock;

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  return !ec && addr.is_loopback();
}

namespace {

constexpr const char* kServerName = "telsim";

// Lateness histogram: 10 µs buckets up to 1 s, then one overflow bucket; bounded memory
// however long the server runs.
class LatenessHistogram {
 public:
  void add(Duration late, std::uint64_t count) {
    if (count == 0) return;
    if (late < Duration::zero()) late = Duration::zero();
    const auto bucket = static_cast<std::size_t>(late.count() / kBucket.count());
    counts_[std::min(bucket, counts_.size() - 1)] += count;
    total_ += count;
    max_ = std::max(max_, late);
  }
  PacingStats summary() const {
    PacingStats s;
    s.events = total_;
    s.max = max_;
    s.p50 = percentile(0.50);
    s.p99 = percentile(0.99);
    return s;
  }

 private:
  static constexpr Duration kBucket = std::chrono::microseconds(10);
  Duration percentile(double p) const {
    if (total_ == 0) return Duration::zero();
    const auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return i + 1 == counts_.size() ? max_ : std::min(max_, kBucket * static_cast<long>(i + 1));
    }
    return max_;
  }
  std::array<std::uint64_t, 100'001> counts_{};
  std::uint64_t total_ = 0;
  Duration max_{0};
};

std::optional<std::uint32_t> parse_call_name(const std::string& text) {
  if (text.size() < 2 || text.size() > 11 || text[0] != 'c') return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (v == 0 || v > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

bool valid_client_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

json forwarding_json(const std::vector<ForwardRule>& rules) {
  json list = json::array();
  for (const ForwardRule& r : rules) {
    json j{{"when", to_string(r.when)}};
    if (!r.to.empty()) j["to"] = r.to;
    if (r.rings) j["rings"] = *r.rings;
    if (r.after) j["after"] = format_duration(*r.after);
    if (r.callers != ForwardRule::Callers::All) j["callers"] = to_string(r.callers);
    list.push_back(std::move(j));
  }
  return list;
}

ForwardRule forward_rule(const json& j) {
  using wire::ParamError;
  if (!j.is_object()) throw ParamError{LineErr::InvalParam, "each forwarding rule is an object: {\"when\":\"busy\",\"to\":\"204\"}"};
  ForwardRule r;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k != "when" && k != "to" && k != "rings" && k != "after" && k != "callers")
      throw ParamError{LineErr::InvalParam, fmt::format("unknown key '{}' in a forwarding rule (when, to, rings, after, callers)", k)};
  }
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) throw ParamError{LineErr::InvalParam, fmt::format("forwarding '{}' must be a string", key)};
    return it->get<std::string>();
  };
  const auto when = text("when");
  if (!when) throw ParamError{LineErr::InvalParam, "a forwarding rule needs 'when' (unconditional, busy, no_answer, busy_no_answer, dnd)"};
  using W = ForwardRule::When;
  if (*when == "unconditional") r.when = W::Unconditional;
  else if (*when == "busy") r.when = W::Busy;
  else if (*when == "no_answer") r.when = W::NoAnswer;
  else if (*when == "busy_no_answer") r.when = W::BusyNoAnswer;
  else if (*when == "dnd") r.when = W::DoNotDisturb;
  else throw ParamError{LineErr::InvalParam, fmt::format("unknown forwarding condition '{}'", *when)};
  const auto to = text("to");
  if (r.when == W::DoNotDisturb || (r.when == W::Unconditional && !to)) {
    r.when = W::DoNotDisturb;
    if (to) throw ParamError{LineErr::InvalParam, "do-not-disturb takes no destination"};
  } else {
    if (!to || to->empty()) throw ParamError{LineErr::InvalParam, "a forwarding rule needs the destination 'to'"};
    r.to = *to;
  }
  const bool no_answer = r.when == W::NoAnswer || r.when == W::BusyNoAnswer;
  if (const auto after = text("after")) {
    if (!no_answer) throw ParamError{LineErr::InvalParam, "'after' is for no_answer and busy_no_answer forwarding"};
    const auto d = parse_duration(*after);
    if (!d || *d <= Duration::zero()) throw ParamError{LineErr::InvalParam, fmt::format("bad duration '{}' (e.g. \"12s\")", *after)};
    r.after = *d;
  }
  if (auto it = j.find("rings"); it != j.end() && !it->is_null()) {
    if (!no_answer) throw ParamError{LineErr::InvalParam, "'rings' is for no_answer and busy_no_answer forwarding"};
    if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 100)
      throw ParamError{LineErr::InvalParam, "rings must be an integer 1..100"};
    if (r.after) throw ParamError{LineErr::InvalParam, "give either 'rings' or 'after', not both"};
    r.rings = it->get<int>();
  }
  if (const auto c = text("callers")) {
    if (*c == "all") r.callers = ForwardRule::Callers::All;
    else if (*c == "internal") r.callers = ForwardRule::Callers::Internal;
    else if (*c == "external") r.callers = ForwardRule::Callers::External;
    else throw ParamError{LineErr::InvalParam, fmt::format("callers must be all, internal or external, not '{}'", *c)};
  }
  return r;
}

}  // namespace

namespace {
/// A string field that is null on the wire when empty ("linked to nobody", "no owner").
json or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
}  // namespace

struct Server::Impl final : PbxObserver, ModemObserver {
  struct Client : std::enable_shared_from_this<Client> {
    Client(tcp::socket s, std::uint64_t n, asio::io_context& io)
        : socket(std::move(s)), number(n), auth_timer(io) {}
    tcp::socket socket;
    std::uint64_t number = 0;
    std::string name;
    std::string peer;
    wire::FrameSplitter splitter;
    std::array<char, 16 * 1024> inbuf{};
    std::vector<wire::FrameSplitter::Item> items;
    std::deque<std::string> out;
    std::string writing_now;
    std::size_t out_bytes = 0;  // queued + in flight
    bool writing = false;
    bool authed = false;
    int failed_auths = 0;
    bool closing = false;  // no more requests; close once the queue is flushed
    bool gone = false;     // closed and its calls cleared
    int version = 0;
    std::vector<LineId> opened;
    std::vector<LineId> monitored;
    bool monitor_all = false;
    std::unordered_set<std::uint32_t> known;  // calls announced to it (new_call sent)
    std::unordered_set<std::uint32_t> owned;  // calls its requests created or were handed to it
    asio::steady_timer auth_timer;
  };
  using ClientPtr = std::shared_ptr<Client>;

  struct Active {
    Client* client = nullptr;
    json id;
    bool replied = false;
  };

  struct CallInfoSnapshot {
    std::string from, to, original_to;
    CallReason reason = CallReason::Direct;
    std::uint32_t conference = 0;
    std::string connected;  // the party the call is linked to now (LINECALLINFO's connected ID)
  };
  struct LineSnapshot {
    std::vector<ForwardRule> forwarding;
    int messages_waiting = 0;
  };

  Impl(asio::io_context& io_, SimulationKernel& k, ScenarioSession& s, ServerOptions o, std::ostream& l)
      : io(io_), kernel(k), session(s), pbx(s.pbx()), options(std::move(o)), log(l), acceptor(io_),
        pace_timer(io_), linger_timer(io_) {
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
    controller.assign(pbx.line_count(), nullptr);
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
                                flush_line_changes();
                                arm();
                              }};
      modem_ports = std::make_unique<ModemPorts>(io, *bank, session.scenario(), std::move(hooks), log, options.quiet);
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
  std::ostream& log;
  tcp::acceptor acceptor;
  asio::steady_timer pace_timer;
  asio::steady_timer linger_timer;
  bool armed = false;
  SimTime armed_for{0};
  WallClock::time_point wall0;
  LatenessHistogram lateness;
  ServerStats stats;
  bool started = false;
  bool stopped = false;
  std::optional<RunResult> result;
  std::uint64_t next_client = 1;
  std::map<std::uint64_t, ClientPtr> clients;
  std::map<std::string, Client*, std::less<>> by_name;
  std::vector<Client*> controller;  // by LineId
  std::unordered_map<LineId, std::vector<Client*>> monitors;
  std::vector<Client*> monitor_all;
  std::unordered_map<std::uint32_t, CallId> ids;  // serial -> handle
  std::size_t ids_sweep_at = 1024;
  std::unordered_map<std::uint32_t, CallInfoSnapshot> info;
  std::map<LineId, LineSnapshot> line_snapshots;  // lines someone watches
  bool lines_dirty = false;
  Active* active = nullptr;
  std::vector<CallId> peers_changed;  // calls whose party changed, for flush_line_changes
  std::unique_ptr<ModemPorts> modem_ports;
  std::map<const Modem*, LineId> modem_lines;
  std::map<const Modem*, json> modem_last;  // the last modem_state sent, to send only changes

  // --- clock ------------------------------------------------------------------------------

  SimTime sim_at(WallClock::time_point w) const {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(w - wall0).count();
    if (options.speed == 1.0) return SimTime(ns);
    return SimTime(static_cast<SimTime::rep>(std::llround(static_cast<double>(ns) * options.speed)));
  }
  WallClock::time_point wall_at(SimTime t) const {
    if (options.speed == 1.0) return wall0 + std::chrono::duration_cast<WallClock::duration>(t);
    return wall0 + std::chrono::duration_cast<WallClock::duration>(std::chrono::nanoseconds(
                       std::llround(static_cast<double>(t.count()) / options.speed)));
  }
  double t_now() const { return wire::seconds(kernel.now().count()).get<double>(); }

  /// Bring the model to the simulated instant of the wall clock (at least `at_least`),
  /// dispatching due timers in order and measuring how late each one ran.
  void pump(SimTime at_least = SimTime::min()) {
    if (stopped || !started) return;
    SimTime target = std::max(sim_at(WallClock::now()), at_least);
    if (options.until) target = std::min(target, *options.until);
    target = std::max(target, kernel.now());
    for (;;) {
      const auto due = kernel.next_due();
      if (!due || *due > target) break;
      const std::uint64_t before = kernel.dispatched();
      const Duration late = WallClock::now() - wall_at(*due);
      kernel.advance_to(*due);
      lateness.add(late, kernel.dispatched() - before);
    }
    kernel.advance_to(target);
    flush_line_changes();
    sweep_ids();
    if (options.until && kernel.now() >= *options.until) {
      asio::post(io, [this] { stop("reached --until"); });
    }
  }

  /// Wake up at the earliest pending timer (or --until); nothing pending: sleep until a client
  /// or a signal wakes the loop.
  void arm() {
    if (stopped || !started) return;
    std::optional<SimTime> next = kernel.next_due();
    if (options.until) next = next ? std::min(*next, *options.until) : *options.until;
    if (!next) {
      if (armed) pace_timer.cancel();
      armed = false;
      return;
    }
    if (armed && armed_for == *next) return;
    armed = true;
    armed_for = *next;
    pace_timer.expires_at(wall_at(*next));
    pace_timer.async_wait([this, due = *next](const boost::system::error_code& ec) {
      if (ec) return;
      armed = false;
      pump(due);
      arm();
    });
  }

  // --- connections --------------------------------------------------------------------------

  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (stopped) return;
      if (!ec) {
        on_connect(std::move(socket));
        // Take every connection already waiting, not one per turn of the loop: under load a
        // turn is long, and a queue of newcomers would wait seconds for their first reply.
        for (;;) {
          boost::system::error_code e;
          tcp::socket more(io);
          acceptor.accept(more, e);  // the acceptor is non-blocking: would_block ends this
          if (e) break;
          on_connect(std::move(more));
        }
      } else if (ec != asio::error::operation_aborted) {
        say("accept failed: {}", ec.message());
      }
      if (acceptor.is_open()) accept();
    });
  }

  template <typename... Args>
  void say(fmt::format_string<Args...> f, Args&&... args) {
    log << "telsim serve: " << fmt::format(f, std::forward<Args>(args)...) << '\n' << std::flush;
  }

  void on_connect(tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    const auto remote = socket.remote_endpoint(ec);
    auto c = std::make_shared<Client>(std::move(socket), next_client++, io);
    c->name = fmt::format("client-{}", c->number);
    c->peer = ec ? "?" : fmt::format("{}:{}", remote.address().to_string(), remote.port());
    c->authed = options.token.empty();
    c->splitter = wire::FrameSplitter(options.max_frame);
    clients[c->number] = c;
    by_name[c->name] = c.get();
    ++stats.connections;
    if (!options.quiet) say("{} connected from {}", c->name, c->peer);
    if (!c->authed) {
      c->auth_timer.expires_after(options.auth_timeout);
      c->auth_timer.async_wait([this, c](const boost::system::error_code& e) {
        if (e || c->authed || c->gone) return;
        say("{} did not authenticate within {} ms; closing", c->name, options.auth_timeout.count());
        send(*c, wire::error_frame(nullptr, LineErr::OperationUnavail, "authentication timed out"));
        close_after_flush(*c);
      });
    }
    read(c);
  }

  void read(const ClientPtr& c) {
    c->socket.async_read_some(asio::buffer(c->inbuf), [this, c](const boost::system::error_code& ec, std::size_t n) {
      if (c->gone) return;
      if (ec) {
        disconnect(*c, ec == asio::error::eof ? "closed by the client" : ec.message());
        return;
      }
      c->items.clear();
      c->splitter.feed(std::string_view(c->inbuf.data(), n), c->items);
      for (const auto& item : c->items) {
        if (c->gone || c->closing || stopped) break;
        handle(*c, item);
      }
      arm();
      if (!c->gone && !c->closing && !stopped) read(c);
    });
  }

  void send(Client& c, std::string text) {
    if (c.gone) return;
    c.out_bytes += text.size();
    if (c.out_bytes > options.max_queued_bytes) {
      // The client is not reading: cut it off rather than let its queue grow without bound.
      // (This may run inside a PBX callback, so the clean-up is posted.)
      ++stats.cut_off;
      say("{} cut off: {} bytes of events unsent (it is not reading)", c.name, c.out_bytes);
      c.out.clear();
      c.out_bytes = 0;
      c.closing = true;
      c.gone = true;  // nothing more is queued for it
      asio::post(io, [this, p = c.shared_from_this()] { release(*p, "cut off (not reading)"); });
      return;
    }
    c.out.push_back(std::move(text));
    if (!c.writing) write(c);
  }

  void write(Client& c) {
    if (c.out.empty()) {
      c.writing = false;
      if (c.closing) disconnect(c, "closed after flushing");
      return;
    }
    c.writing = true;
    c.writing_now.clear();
    while (!c.out.empty() && c.writing_now.size() < 64 * 1024) {
      c.writing_now += c.out.front();
      c.out.pop_front();
    }
    asio::async_write(c.socket, asio::buffer(c.writing_now),
                      [this, p = c.shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                        if (p->gone) return;
                        p->out_bytes -= std::min(p->out_bytes, n);
                        if (ec) {
                          disconnect(*p, ec.message());
                          return;
                        }
                        write(*p);
                      });
  }

  void close_after_flush(Client& c) {
    c.closing = true;
    if (!c.writing) disconnect(c, "closed");
  }

  /// The client is gone: close its socket, drop and deallocate its calls, release its lines.
  void disconnect(Client& c, const std::string& why) {
    if (c.gone) return;
    c.gone = true;
    release(c, why);
  }

  void release(Client& c, const std::string& why) {
    if (!clients.count(c.number)) return;  // released already
    boost::system::error_code ec;
    c.socket.shutdown(tcp::socket::shutdown_both, ec);
    c.socket.close(ec);
    c.auth_timer.cancel();
    if (!options.quiet) say("{} disconnected: {}", c.name, why);
    if (!stopped) {
      pump();
      clear_calls_of(c, std::nullopt);
    }
    for (LineId l : c.opened) {
      controller[l] = nullptr;
      line_state(l, "CLOSE");
    }
    c.opened.clear();
    for (LineId l : c.monitored) unwatch(l, &c);
    if (c.monitor_all) std::erase(monitor_all, &c);
    by_name.erase(c.name);
    auto keep = clients[c.number];  // keep the object alive until this returns
    clients.erase(c.number);
    if (!stopped) arm();
    if (stopped && clients.empty()) linger_timer.cancel();
  }

  void unwatch(LineId l, Client* c) {
    auto it = monitors.find(l);
    if (it == monitors.end()) return;
    std::erase(it->second, c);
    if (it->second.empty()) monitors.erase(it);
  }

  /// Drop and deallocate every call `c` controls (on `only_line`, or everywhere): calls it owns,
  /// and the unowned calls of the lines it has open.
  void clear_calls_of(Client& c, std::optional<LineId> only_line) {
    std::vector<CallId> mine;
    auto consider = [&](CallId id) {
      const Call* call = pbx.find_call(id);
      if (!call || (only_line && call->line != *only_line)) return;
      const bool controls = call->owner == c.name ||
                            (call->owner.empty() && call->line < controller.size() && controller[call->line] == &c);
      if (controls && std::find(mine.begin(), mine.end(), id) == mine.end()) mine.push_back(id);
    };
    for (LineId l : c.opened) {
      if (only_line && l != *only_line) continue;
      for (CallId id : pbx.line(l).calls) consider(id);
    }
    for (std::uint32_t serial : c.owned)
      if (auto it = ids.find(serial); it != ids.end()) consider(it->second);
    pbx.act_as(c.name);
    for (CallId id : mine) {
      const Call* call = pbx.find_call(id);
      if (call && call->state != CallState::Idle) pbx.drop(id);
    }
    for (CallId id : mine) {
      const Call* call = pbx.find_call(id);
      if (call && call->state == CallState::Idle) pbx.deallocate(id);
    }
    pbx.act_as("");
    for (CallId id : mine) c.owned.erase(id.serial);
  }

  // --- events -------------------------------------------------------------------------------

  /// Everyone who hears about `line` (and about the call, when its owner is a client).
  void recipients(LineId line, const Call* call, std::vector<Client*>& out) {
    out.clear();
    auto add = [&](Client* c) {
      if (c && !c->gone && (!c->closing || stopped) &&
          std::find(out.begin(), out.end(), c) == out.end())
        out.push_back(c);
    };
    if (line < controller.size()) add(controller[line]);
    if (auto it = monitors.find(line); it != monitors.end())
      for (Client* c : it->second) add(c);
    for (Client* c : monitor_all) add(c);
    if (call && !call->owner.empty()) {
      if (auto it = by_name.find(call->owner); it != by_name.end()) add(it->second);
    }
  }

  json new_call_event(const Call& c) const {
    json j{{"event", "new_call"},
           {"line", pbx.line(c.line).number},
           {"call", to_string(c.id)},
           {"direction", to_string(c.direction)},
           {"from", c.from},
           {"to", c.to},
           {"reason", to_string(c.reason)},
           {"state", to_string(c.state)}};
    if (!c.original_to.empty()) j["original_to"] = c.original_to;
    if (!c.owner.empty()) j["owner"] = c.owner;
    if (c.completion) j["completion"] = c.completion;
    j["connected"] = or_null(connected_number(c));
    j["t"] = t_now();
    return j;
  }

  json call_state_event(const Call* c, CallId id, LineId line, CallState state, DisconnectMode mode,
                        CallReason reason) const {
    json j{{"event", "call_state"},
           {"line", pbx.line(line).number},
           {"call", to_string(id)},
           {"state", to_string(state)},
           {"mode", static_cast<std::uint32_t>(mode)}};
    if (mode != DisconnectMode::None) j["mode_name"] = to_string(mode);
    j["reason"] = to_string(reason);
    j["features"] = pbx.call_features(id);
    if (c && state == CallState::Conferenced && c->conference) j["conference"] = to_string(c->conference);
    j["t"] = t_now();
    return j;
  }

  /// The number of the party `c` is linked to: its line's, or the PSTN party's for a trunk.
  std::string connected_number(const Call& c) const {
    const Call* p = pbx.find_call(c.peer);
    if (!p) return {};
    const Line& line = pbx.line(p->line);
    if (line.trunk) return p->direction == Direction::Incoming ? p->to : p->from;
    return line.number;
  }

  CallInfoSnapshot info_of(const Call& c) const {
    return CallInfoSnapshot{c.from, c.to, c.original_to, c.reason, c.conference ? c.conference.serial : 0,
                            connected_number(c)};
  }

  /// A call_info frame for what changed since the call was last reported (empty: nothing).
  std::string info_changes(const Call& call, CallInfoSnapshot& last) {
    CallInfoSnapshot now = info_of(call);
    json changed = json::array();
    if (last.from != now.from) changed.push_back("CALLERID");
    if (last.to != now.to) changed.push_back("CALLEDID");
    if (last.original_to != now.original_to) changed.push_back("REDIRECTIONID");
    if (last.reason != now.reason) changed.push_back("REASON");
    if (last.conference != now.conference) changed.push_back("RELATEDCALLID");
    if (last.connected != now.connected) changed.push_back("CONNECTEDID");
    if (changed.empty()) return {};
    json j{{"event", "call_info"}, {"line", pbx.line(call.line).number}, {"call", to_string(call.id)},
           {"changed", changed}, {"from", now.from}, {"to", now.to}, {"reason", to_string(now.reason)}};
    if (!now.original_to.empty()) j["original_to"] = now.original_to;
    if (now.conference) j["conference"] = fmt::format("c{}", now.conference);
    j["connected"] = or_null(now.connected);
    j["t"] = t_now();
    last = std::move(now);
    return wire::frame(j);
  }

  /// A transfer, park or pickup relinks calls whose own state may not change: tell who hears
  /// of such a call (one already announced to them) who it is connected to now.
  void on_peer_change(CallId id) override {
    // Checked once the PBX has finished (flush_line_changes): a transfer unlinks and relinks,
    // and the parties should hear only where they ended up.
    if (info.count(id.serial)) peers_changed.push_back(id);
  }

  void report_peer(CallId id) {
    const auto last = info.find(id.serial);
    if (last == info.end() || clients.empty()) return;
    const Call* call = pbx.find_call(id);
    if (!call || call->state == CallState::Idle) return;
    const std::string frame = info_changes(*call, last->second);
    if (frame.empty()) return;
    std::vector<Client*> to;
    recipients(call->line, call, to);
    for (Client* c : to)
      if (c->known.count(id.serial)) send(*c, frame);
  }

  void on_call_state(const CallStateEvent& e) override {
    ids[e.call.serial] = e.call;
    if (clients.empty()) {
      if (e.to == CallState::Idle) info.erase(e.call.serial);  // its watchers left meanwhile
      return;
    }
    const Call* call = pbx.find_call(e.call);
    std::vector<Client*> to;
    recipients(e.line, call, to);
    if (to.empty()) {
      if (e.to == CallState::Idle) info.erase(e.call.serial);
      return;
    }
    std::string info_frame;
    if (call) {
      auto [it, inserted] = info.try_emplace(e.call.serial, info_of(*call));
      if (!inserted) info_frame = info_changes(*call, it->second);
    }
    const std::string state = wire::frame(call_state_event(call, e.call, e.line, e.to, e.mode, e.reason));
    for (Client* c : to) {
      if (!c->known.count(e.call.serial)) {
        c->known.insert(e.call.serial);
        if (call) send(*c, wire::frame(new_call_event(*call)));
      } else if (!info_frame.empty()) {
        send(*c, info_frame);
      }
      send(*c, state);
      stats.events_sent += 1;
    }
    if (e.to == CallState::Idle) {
      info.erase(e.call.serial);
      for (Client* c : to) c->known.erase(e.call.serial);
    }
  }

  void on_reply(const OpResult& r) override {
    if (r.op == Op::Forward || r.op == Op::CompleteCall || r.op == Op::UncompleteCall) lines_dirty = true;
    if (!active || active->replied) return;
    active->replied = true;
    Client& c = *active->client;
    if (r.ok()) {
      for (CallId id : {r.call, r.consult}) {
        if (!id) continue;
        ids[id.serial] = id;
        const Call* call = pbx.find_call(id);
        if (call && call->owner == c.name) c.owned.insert(id.serial);
        // The requester learns the handle from the reply: no new_call for it (TAPI's rule).
        c.known.insert(id.serial);
      }
    }
    send(c, wire::frame(reply_json(active->id, r)));
  }

  json reply_json(const json& id, const OpResult& r) const {
    if (!r.ok()) {
      // The refusal's actual reason (the other call, the limit, the state rule), not merely the
      // state of the call acted on.
      const std::string message =
          r.detail.empty() ? std::string(tapi_name(r.error)) : fmt::format("{}: {}", tapi_name(r.error), r.detail);
      return json{{"id", id}, {"ok", false}, {"error", tapi_name(r.error)}, {"message", message}};
    }
    json j{{"id", id}, {"ok", true}};
    if (r.call) j["call"] = to_string(r.call);
    if (r.consult) j["consult"] = to_string(r.consult);
    if (!r.address.empty()) j[r.op == Op::Handoff ? "to" : "address"] = r.address;
    if (r.completion) j["completion"] = r.completion;
    j["t"] = t_now();
    return j;
  }

  void line_state(LineId l, const char* state, json extra = json::object()) {
    std::vector<Client*> to;
    recipients(l, nullptr, to);
    if (to.empty()) return;
    json j{{"event", "line_state"}, {"line", pbx.line(l).number}, {"state", state}};
    for (auto& [k, v] : extra.items()) j[k] = v;
    j["t"] = t_now();
    const std::string f = wire::frame(j);
    for (Client* c : to) send(*c, f);
  }

  void on_modem_state(const Modem& m) override {
    const auto line = modem_lines.find(&m);
    if (line == modem_lines.end()) return;
    json j{{"event", "modem_state"},
           {"line", pbx.line(line->second).number},
           {"modem", m.name()},
           {"state", to_string(m.state())},
           {"dcd", m.dcd()},
           {"dtr", m.dtr()},
           {"speed", m.carrier_speed()}};
    json& last = modem_last[&m];
    if (last == j) return;  // e.g. AT&C0 while DCD was on anyway
    last = j;
    std::vector<Client*> to;
    recipients(line->second, nullptr, to);
    if (to.empty()) return;
    j["t"] = t_now();
    const std::string f = wire::frame(j);
    for (Client* c : to) send(*c, f);
  }

  json modem_json(LineId l) const {
    const ModemBank* bank = session.modems();
    const Modem* m = bank ? bank->on_line(l) : nullptr;
    if (!m) return nullptr;
    json j{{"name", m->name()}, {"speed", m->config().speed}, {"state", to_string(m->state())},
           {"dcd", m->dcd()}, {"dtr", m->dtr()}};
    if (modem_ports) {
      const json where = modem_ports->describe(l);
      if (where.is_object())
        for (auto& [k, v] : where.items()) j[k] = v;
    }
    return j;
  }

  void watch(LineId l) {
    if (!line_snapshots.count(l))
      line_snapshots[l] = LineSnapshot{pbx.line(l).forwarding, pbx.line(l).messages_waiting};
  }

  /// Forwarding and message-waiting changes on watched lines become address_state and
  /// line_state events.
  void flush_line_changes() {
    if (!peers_changed.empty()) {
      std::vector<CallId> changed;
      changed.swap(peers_changed);
      std::sort(changed.begin(), changed.end(), [](CallId a, CallId b) { return a.serial < b.serial; });
      changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
      for (CallId id : changed) report_peer(id);
    }
    if (!lines_dirty) return;
    lines_dirty = false;
    for (auto& [l, snap] : line_snapshots) {
      const Line& line = pbx.line(l);
      if (line.forwarding != snap.forwarding) {
        snap.forwarding = line.forwarding;
        std::vector<Client*> to;
        recipients(l, nullptr, to);
        json j{{"event", "address_state"}, {"line", line.number}, {"state", "FORWARD"},
               {"forwarding", forwarding_json(line.forwarding)}, {"t", t_now()}};
        const std::string f = wire::frame(j);
        for (Client* c : to) send(*c, f);
      }
      if (line.messages_waiting != snap.messages_waiting) {
        snap.messages_waiting = line.messages_waiting;
        line_state(l, line.messages_waiting > 0 ? "MSGWAITON" : "MSGWAITOFF",
                   json{{"messages_waiting", line.messages_waiting}});
      }
    }
  }

  // --- requests -----------------------------------------------------------------------------

  void handle(Client& c, const wire::FrameSplitter::Item& item) {
    if (item.kind == wire::FrameSplitter::Item::Kind::Oversized) {
      ++stats.bad_frames;
      ++stats.errors;
      send(c, wire::error_frame(nullptr, LineErr::InvalParam,
                                fmt::format("frame of {} bytes exceeds the {}-byte limit; discarded",
                                            item.bytes, options.max_frame)));
      return;
    }
    auto parsed = wire::parse_request(item.text);
    if (auto* bad = std::get_if<wire::FrameError>(&parsed)) {
      ++stats.bad_frames;
      ++stats.errors;
      send(c, wire::error_frame(bad->id, bad->error, bad->message));
      return;
    }
    const wire::Request& req = std::get<wire::Request>(parsed);
    ++stats.requests;
    pump();
    try {
      dispatch(c, req);
    } catch (const wire::ParamError& e) {
      ++stats.errors;
      send(c, wire::error_frame(req.id, e.error, e.message));
    }
    flush_line_changes();
    sweep_ids();
  }

  void sweep_ids() {
    if (ids.size() < ids_sweep_at) return;
    std::erase_if(ids, [this](const auto& kv) { return pbx.find_call(kv.second) == nullptr; });
    for (auto& [n, c] : clients) {
      (void)n;
      std::erase_if(c->owned, [this](std::uint32_t serial) { return !ids.count(serial); });
    }
    ids_sweep_at = std::max<std::size_t>(1024, ids.size() * 2);
  }

  void ok(Client& c, const json& id, json body = json::object()) {
    json j{{"id", id}, {"ok", true}};
    for (auto& [k, v] : body.items()) j[k] = v;
    if (!j.contains("t")) j["t"] = t_now();
    send(c, wire::frame(j));
  }

  [[noreturn]] static void refuse(LineErr e, std::string message) { throw wire::ParamError{e, std::move(message)}; }

  LineId line_param(Client& c, const wire::Params& p, bool must_control, const char* key = "line") {
    const std::string number = p.text(key);
    const auto l = pbx.find_line(number);
    if (!l || *l >= pbx.extension_count()) refuse(LineErr::BadDeviceId, fmt::format("no line {}", number));
    if (must_control && controller[*l] != &c)
      refuse(LineErr::InvalLineHandle, fmt::format("line {} is not open by this client (send {{\"op\":\"open\",\"line\":\"{}\"}} first)", number, number));
    return *l;
  }

  CallId call_param(Client& c, const wire::Params& p, const char* key, bool must_control,
                    LineErr bad = LineErr::InvalCallHandle) {
    const std::string text = p.text(key);
    const auto serial = parse_call_name(text);
    if (!serial) refuse(bad, fmt::format("'{}' is not a call handle (like \"c17\")", text));
    auto it = ids.find(*serial);
    const Call* call = it == ids.end() ? nullptr : pbx.find_call(it->second);
    if (!call) refuse(bad, fmt::format("no call {} (never existed, or deallocated)", text));
    if (must_control && !(call->owner == c.name ||
                          (call->owner.empty() && controller[call->line] == &c))) {
      refuse(LineErr::NotOwner,
             call->owner.empty()
                 ? fmt::format("{} is on line {}, which this client has not opened", text, pbx.line(call->line).number)
                 : fmt::format("{} belongs to {}", text, call->owner));
    }
    return it->second;
  }

  template <typename F>
  void operation(Client& c, const wire::Request& req, F&& f) {
    // The acting line for the run's record of operations: the line of the call named (taken
    // now, as the operation may deallocate it), else the line parameter.
    const wire::Params p(req);
    CallId named;
    for (const char* key : {"call", "conference"}) {
      const auto serial = parse_call_name(p.optional_text(key).value_or(""));
      if (auto it = serial ? ids.find(*serial) : ids.end(); !named && it != ids.end()) named = it->second;
    }
    std::string line = p.optional_text("line").value_or("");
    if (const Call* call = pbx.find_call(named)) line = pbx.line(call->line).number;
    Active a{&c, req.id, false};
    active = &a;
    pbx.act_as(c.name);
    OpResult r;
    try {
      r = f();
    } catch (...) {
      active = nullptr;
      pbx.act_as("");
      throw;
    }
    pbx.act_as("");
    active = nullptr;
    if (!a.replied) send(c, wire::frame(reply_json(req.id, r)));
    if (!r.ok()) ++stats.errors;
    session.record_operation({kernel.now(), r.op, std::move(line), (r.call ? r.call : named).serial, r.error, c.name});
  }

  void dispatch(Client& c, const wire::Request& req) {
    const wire::Params p(req);
    const std::string& op = req.op;
    if (op == "hello") return hello(c, req, p);
    if (op == "auth") {
      p.only({"token"});
      return authenticate(c, req, p.text("token"));
    }
    if (!c.authed)
      refuse(LineErr::OperationUnavail,
             "authenticate first: {\"op\":\"auth\",\"token\":\"...\"} (the server was started with a token)");
    if (op == "ping") {
      p.only({});
      return ok(c, req.id);
    }
    if (op == "list_lines") {
      p.only({});
      return list_lines(c, req);
    }
    if (op == "open") {
      p.only({"line"});
      return open_line(c, req, line_param(c, p, false));
    }
    if (op == "close") {
      p.only({"line"});
      const LineId l = line_param(c, p, true);
      clear_calls_of(c, l);
      controller[l] = nullptr;
      std::erase(c.opened, l);
      ok(c, req.id, json{{"line", pbx.line(l).number}});
      line_state(l, "CLOSE");
      return;
    }
    if (op == "monitor" || op == "unmonitor") return monitor(c, req, p, op == "monitor");
    if (op == "call_status" || op == "call_info") {
      p.only({"call"});
      return ok(c, req.id, call_status(call_param(c, p, "call", false)));
    }
    if (op == "line_status" || op == "address_status") {
      p.only({"line"});
      return ok(c, req.id, line_status(line_param(c, p, false)));
    }
    if (op == "translate_address") {
      p.only({"address"});
      const std::string address = p.text("address");
      const auto t = translate_address(address, session_location());
      if (!t) refuse(LineErr::InvalAddress, fmt::format("'{}' cannot be translated", address));
      return ok(c, req.id, json{{"dialable", *t}});
    }
    call_operation(c, req, p);
  }

  const Location& session_location() const { return session.scenario().location; }

  /// An operation on one call and nothing else.
  void call_only(Client& c, const wire::Request& req, const wire::Params& p, OpResult (Pbx::*fn)(CallId)) {
    p.only({"call"});
    const CallId id = call_param(c, p, "call", true);
    // The model is captured by reference, not through `this`: GCC 12's UBSan (vptr) misreads a
    // pointer-to-member call through a lambda's captured `this`.
    Pbx& model = pbx;
    operation(c, req, [&model, fn, id] { return (model.*fn)(id); });
  }

  void call_operation(Client& c, const wire::Request& req, const wire::Params& p) {
    const std::string& op = req.op;
    auto simple = [&](OpResult (Pbx::*fn)(CallId)) { call_only(c, req, p, fn); };
    if (op == "make_call") {
      p.only({"line", "to"});
      const LineId l = line_param(c, p, true);
      const std::string to = p.optional_text("to").value_or("");
      return operation(c, req, [&] { return pbx.make_call(l, to); });
    }
    if (op == "dial") {
      p.only({"call", "digits"});
      const CallId id = call_param(c, p, "call", true);
      const std::string digits = p.text("digits");
      return operation(c, req, [&] { return pbx.dial(id, digits); });
    }
    if (op == "accept") return simple(&Pbx::accept);
    if (op == "answer") return simple(&Pbx::answer);
    if (op == "drop") return simple(&Pbx::drop);
    if (op == "deallocate") return simple(&Pbx::deallocate);
    if (op == "hold") return simple(&Pbx::hold);
    if (op == "unhold") return simple(&Pbx::unhold);
    if (op == "secure_call") return simple(&Pbx::secure_call);
    if (op == "remove_from_conference") return simple(&Pbx::remove_from_conference);
    if (op == "swap_hold") {
      p.only({"call", "held"});
      const CallId id = call_param(c, p, "call", true);
      const CallId held = call_param(c, p, "held", true);
      return operation(c, req, [&] { return pbx.swap_hold(id, held); });
    }
    if (op == "park") {
      p.only({"call", "mode", "orbit"});
      const CallId id = call_param(c, p, "call", true);
      const auto orbit = p.optional_text("orbit");
      const auto mode_text = p.optional_text("mode");
      ParkMode mode = orbit ? ParkMode::Directed : ParkMode::NonDirected;
      if (mode_text) {
        if (*mode_text == "directed") mode = ParkMode::Directed;
        else if (*mode_text == "nondirected") mode = ParkMode::NonDirected;
        else refuse(LineErr::InvalParkMode, fmt::format("park mode '{}' (directed or nondirected)", *mode_text));
      }
      if (mode == ParkMode::Directed && !orbit) refuse(LineErr::InvalParam, "directed park needs 'orbit'");
      const std::string o = orbit.value_or("");
      return operation(c, req, [&] { return pbx.park(id, mode, o); });
    }
    if (op == "unpark") {
      p.only({"line", "orbit"});
      const LineId l = line_param(c, p, true);
      const std::string orbit = p.text("orbit");
      return operation(c, req, [&] { return pbx.unpark(l, orbit); });
    }
    if (op == "pickup") {
      p.only({"line", "to", "group"});
      const LineId l = line_param(c, p, true);
      const std::string to = p.optional_text("to").value_or("");
      const std::string group = p.optional_text("group").value_or("");
      return operation(c, req, [&] { return pbx.pickup(l, to, group); });
    }
    if (op == "forward") {
      p.only({"line", "forwarding"});
      const LineId l = line_param(c, p, true);
      const json* list = p.find("forwarding");
      if (!list || !list->is_array())
        refuse(LineErr::InvalParam, "forward needs 'forwarding': a list of rules ([] cancels)");
      std::vector<ForwardRule> rules;
      for (const json& r : *list) rules.push_back(forward_rule(r));
      return operation(c, req, [&] { return pbx.forward(l, rules); });
    }
    if (op == "setup_transfer" || op == "blind_transfer" || op == "setup_conference" || op == "redirect") {
      p.only({"call", "to"});
      const CallId id = call_param(c, p, "call", true);
      const bool needs_to = op == "blind_transfer" || op == "redirect";
      const std::string to = needs_to ? p.text("to") : p.optional_text("to").value_or("");
      return operation(c, req, [&] {
        if (op == "setup_transfer") return pbx.setup_transfer(id, to);
        if (op == "blind_transfer") return pbx.blind_transfer(id, to);
        if (op == "setup_conference") return pbx.setup_conference(id, to);
        return pbx.redirect(id, to);
      });
    }
    if (op == "complete_transfer") {
      p.only({"call", "consult", "mode"});
      const CallId id = call_param(c, p, "call", true);
      const CallId consult = call_param(c, p, "consult", true, LineErr::InvalConsultCallHandle);
      TransferMode mode = TransferMode::Transfer;
      if (const auto m = p.optional_text("mode")) {
        if (*m == "transfer") mode = TransferMode::Transfer;
        else if (*m == "conference") mode = TransferMode::Conference;
        else refuse(LineErr::InvalTransferMode, fmt::format("transfer mode '{}' (transfer or conference)", *m));
      }
      return operation(c, req, [&] { return pbx.complete_transfer(id, consult, mode); });
    }
    if (op == "prepare_add_to_conference") {
      p.only({"conference", "to"});
      const CallId conf = call_param(c, p, "conference", true, LineErr::InvalConfCallHandle);
      const std::string to = p.optional_text("to").value_or("");
      return operation(c, req, [&] { return pbx.prepare_add_to_conference(conf, to); });
    }
    if (op == "add_to_conference") {
      p.only({"conference", "consult"});
      const CallId conf = call_param(c, p, "conference", true, LineErr::InvalConfCallHandle);
      const CallId consult = call_param(c, p, "consult", true, LineErr::InvalConsultCallHandle);
      return operation(c, req, [&] { return pbx.add_to_conference(conf, consult); });
    }
    if (op == "complete_call") {
      p.only({"call", "mode"});
      const CallId id = call_param(c, p, "call", true);
      CompletionMode mode = CompletionMode::CampOn;
      if (const auto m = p.optional_text("mode")) {
        if (*m == "campon") mode = CompletionMode::CampOn;
        else if (*m == "callback") mode = CompletionMode::Callback;
        else if (*m == "intrude") mode = CompletionMode::Intrude;
        else if (*m == "message") mode = CompletionMode::Message;
        else refuse(LineErr::InvalCallComplMode, fmt::format("completion mode '{}' (campon, callback, intrude, message)", *m));
      }
      return operation(c, req, [&] { return pbx.complete_call(id, mode); });
    }
    if (op == "uncomplete_call") {
      p.only({"line", "completion"});
      const LineId l = line_param(c, p, true);
      const auto id = p.optional_integer("completion");
      if (!id || *id < 0 || *id > UINT32_MAX) refuse(LineErr::InvalCompletionId, "uncomplete_call needs 'completion' (the id complete_call returned)");
      return operation(c, req, [&] { return pbx.uncomplete_call(l, static_cast<std::uint32_t>(*id)); });
    }
    if (op == "handoff") {
      p.only({"call", "to"});
      const CallId id = call_param(c, p, "call", true);
      const std::string to = p.text("to");
      auto target = by_name.find(to);
      if (target == by_name.end() || target->second->gone)
        refuse(LineErr::TargetNotFound, fmt::format("no client named '{}' is connected", to));
      if (target->second == &c) refuse(LineErr::TargetSelf, "the call is already this client's");
      Client& t = *target->second;
      operation(c, req, [&] { return pbx.handoff(id, to); });
      if (const Call* call = pbx.find_call(id); call && call->owner == to) {
        c.owned.erase(id.serial);
        t.owned.insert(id.serial);
        // The new owner hears of the call as TAPI tells an application a call handed to it.
        if (!t.known.count(id.serial)) {
          t.known.insert(id.serial);
          send(t, wire::frame(new_call_event(*call)));
        }
        send(t, wire::frame(call_state_event(call, id, call->line, call->state, call->mode, call->reason)));
      }
      return;
    }
    refuse(LineErr::OperationUnavail, fmt::format("unknown op '{}'", op));
  }

  void hello(Client& c, const wire::Request& req, const wire::Params& p) {
    p.only({"version", "versions", "name", "token"});
    std::vector<long long> offered;
    if (const json* v = p.find("versions")) {
      if (!v->is_array()) refuse(LineErr::InvalParam, "'versions' must be a list of integers");
      for (const json& x : *v) {
        if (!x.is_number_integer()) refuse(LineErr::InvalParam, "'versions' must be a list of integers");
        offered.push_back(x.get<long long>());
      }
    }
    if (const auto v = p.optional_integer("version")) offered.push_back(*v);
    if (offered.empty()) offered.push_back(wire::kProtocolVersion);
    long long chosen = 0;
    for (long long v : offered)
      if (v >= 1 && v <= wire::kProtocolVersion) chosen = std::max(chosen, v);
    if (chosen == 0)
      refuse(LineErr::OperationUnavail,
             fmt::format("no common protocol version: this server speaks 1..{}", wire::kProtocolVersion));
    if (const auto name = p.optional_text("name"); name && *name != c.name) {
      if (!valid_client_name(*name))
        refuse(LineErr::InvalParam, "a client name is 1-64 letters, digits, '-', '_' or '.'");
      if (by_name.count(*name)) refuse(LineErr::InvalParam, fmt::format("the name '{}' is taken", *name));
      for (auto& [serial, id] : ids) {
        (void)serial;
        if (const Call* call = pbx.find_call(id); call && call->owner == *name)
          refuse(LineErr::InvalParam, fmt::format("the name '{}' owns calls of a client that left", *name));
      }
      by_name.erase(c.name);
      c.name = *name;
      by_name[c.name] = &c;
    }
    if (const auto token = p.optional_text("token"); token && !c.authed) {
      if (!check_token(c, req.id, *token)) return;
    }
    c.version = static_cast<int>(chosen);
    ok(c, req.id, json{{"server", fmt::format("{} {}", kServerName, TELSIM_SERVER_VERSION)},
                       {"protocol", chosen},
                       {"name", c.name},
                       {"scenario", session.scenario().name},
                       {"speed", options.speed},
                       {"auth_required", !c.authed},
                       {"pbx", pbx_capabilities()}});
  }

  /// The switch's options a client cannot learn otherwise (the TSP's LINEADDRESSCAPS and
  /// LINEDEVCAPS flags).
  json pbx_capabilities() const {
    const PbxConfig& cfg = session.scenario().pbx;
    const char* answer = cfg.answer_mode == PbxConfig::AnswerMode::None   ? "none"
                         : cfg.answer_mode == PbxConfig::AnswerMode::Drop ? "drop"
                                                                          : "hold";
    return json{{"autoreconnect", cfg.autoreconnect},
                {"confdrop", cfg.confdrop},
                {"conference_max", cfg.conference_max},
                {"max_calls_per_line", cfg.max_calls_per_line},
                {"answer_mode", answer},
                {"park", !cfg.park_lots.empty()},
                {"pickup", !cfg.pickup_groups.empty()}};
  }

  bool check_token(Client& c, const json& id, const std::string& token) {
    if (wire::token_matches(token, options.token)) {
      c.authed = true;
      c.auth_timer.cancel();
      return true;
    }
    ++stats.auth_failures;
    ++c.failed_auths;
    say("{} from {}: authentication failed ({} of 3)", c.name, c.peer, c.failed_auths);
    send(c, wire::error_frame(id, LineErr::OperationFailed, "authentication failed"));
    if (c.failed_auths >= 3) close_after_flush(c);
    return false;
  }

  void authenticate(Client& c, const wire::Request& req, const std::string& token) {
    if (options.token.empty() || c.authed) return ok(c, req.id);
    if (check_token(c, req.id, token)) ok(c, req.id);
  }

  void list_lines(Client& c, const wire::Request& req) {
    json lines = json::array();
    for (LineId l = 0; l < pbx.extension_count(); ++l) {
      const Line& line = pbx.line(l);
      json j{{"line", line.number}, {"name", line.name}, {"behavior", describe(line.behavior)}};
      j["controller"] = controller[l] ? json(controller[l]->name) : json(nullptr);
      json modem = modem_json(l);
      j["kind"] = modem.is_null() ? "extension" : "modem";
      if (!modem.is_null()) j["modem"] = std::move(modem);
      lines.push_back(std::move(j));
    }
    json trunks = json::array();
    for (std::size_t t = 0; t < pbx.trunk_count(); ++t)
      trunks.push_back(json{{"name", pbx.trunk_config(t).name}, {"channels", pbx.trunk_config(t).channels}});
    ok(c, req.id, json{{"lines", lines}, {"trunks", trunks}});
  }

  void open_line(Client& c, const wire::Request& req, LineId l) {
    if (const ModemBank* bank = session.modems(); bank && bank->on_line(l))
      refuse(LineErr::Allocated, fmt::format("line {} is modem {}: its AT command interpreter controls it "
                                             "(monitor the line to follow it)",
                                             pbx.line(l).number, bank->on_line(l)->name()));
    if (controller[l] && controller[l] != &c)
      refuse(LineErr::Allocated, fmt::format("line {} is open by {}", pbx.line(l).number, controller[l]->name));
    const bool already = controller[l] == &c;
    controller[l] = &c;
    if (!already) c.opened.push_back(l);
    watch(l);
    const Line& line = pbx.line(l);
    ok(c, req.id, json{{"line", line.number}, {"name", line.name}, {"behavior", describe(line.behavior)},
                       {"forwarding", forwarding_json(line.forwarding)}});
    if (!already) line_state(l, "OPEN", json{{"controller", c.name}});
    announce_calls(c, l);
  }

  /// Calls already on a line the client starts to hear about (open, monitor) are announced
  /// like new ones: new_call, then call_state. Calls it knows already are not repeated.
  void announce_calls(Client& c, LineId l) {
    for (CallId id : pbx.line(l).calls) {
      const Call* call = pbx.find_call(id);
      if (!call || call->state == CallState::Idle || c.known.count(id.serial)) continue;
      ids[id.serial] = id;
      c.known.insert(id.serial);
      // What the client was told, so a later change of party reaches it as call_info.
      info.try_emplace(id.serial, info_of(*call));
      send(c, wire::frame(new_call_event(*call)));
      send(c, wire::frame(call_state_event(call, id, call->line, call->state, call->mode, call->reason)));
    }
  }

  void monitor(Client& c, const wire::Request& req, const wire::Params& p, bool on) {
    p.only({"line"});
    const std::string which = p.text("line");
    if (which == "*") {
      if (on && !c.monitor_all) {
        c.monitor_all = true;
        monitor_all.push_back(&c);
        for (LineId l = 0; l < pbx.extension_count(); ++l) watch(l);
        // Every call in progress first (trunk channels' and bridged conferences' too: their
        // events reach `*` monitors), then the reply.
        for (LineId l = 0; l < pbx.line_count(); ++l) announce_calls(c, l);
      } else if (!on && c.monitor_all) {
        c.monitor_all = false;
        std::erase(monitor_all, &c);
      }
      return ok(c, req.id, json{{"line", "*"}});
    }
    const LineId l = line_param(c, p, false);
    auto& list = monitors[l];
    const bool has = std::find(list.begin(), list.end(), &c) != list.end();
    if (on && !has) {
      list.push_back(&c);
      c.monitored.push_back(l);
      watch(l);
      announce_calls(c, l);  // the calls in progress, before the reply
    } else if (!on && has) {
      unwatch(l, &c);
      std::erase(c.monitored, l);
    }
    if (list.empty()) monitors.erase(l);
    ok(c, req.id, json{{"line", pbx.line(l).number}});
  }

  json call_status(CallId id) const {
    const Call& c = *pbx.find_call(id);
    json j{{"call", to_string(id)},
           {"line", pbx.line(c.line).number},
           {"state", to_string(c.state)},
           {"mode", static_cast<std::uint32_t>(c.mode)},
           {"reason", to_string(c.reason)},
           {"features", pbx.call_features(id)},
           {"feature_names", features_to_string(pbx.call_features(id))},
           {"direction", to_string(c.direction)},
           {"from", c.from},
           {"to", c.to},
           {"connected", or_null(connected_number(c))},
           {"secure", c.secure},
           {"created", wire::seconds(c.created.count())}};
    if (c.mode != DisconnectMode::None) j["mode_name"] = to_string(c.mode);
    if (!c.original_to.empty()) j["original_to"] = c.original_to;
    if (!c.park_orbit.empty()) j["park_orbit"] = c.park_orbit;
    if (c.completion) j["completion"] = c.completion;
    j["owner"] = or_null(c.owner);
    json related = json::array();
    for (CallId r : pbx.conference_related(id)) related.push_back(to_string(r));
    j["related"] = related;
    if (c.conference) j["conference"] = to_string(c.conference);
    if (c.consult) j["consult"] = to_string(c.consult);
    if (c.consult_of) j["consult_of"] = to_string(c.consult_of);
    return j;
  }

  json line_status(LineId l) const {
    const Line& line = pbx.line(l);
    json calls = json::array();
    int active_calls = 0, onhold = 0, onhold_pending = 0;
    for (CallId id : line.calls) {
      const Call* c = pbx.find_call(id);
      if (!c) continue;
      calls.push_back(json{{"call", to_string(id)}, {"state", to_string(c->state)}});
      if (c->state == CallState::OnHold) ++onhold;
      else if (c->state == CallState::OnHoldPendConf || c->state == CallState::OnHoldPendTransfer) ++onhold_pending;
      else if (c->state != CallState::Idle) ++active_calls;
    }
    json j{{"line", line.number},
           {"name", line.name},
           {"behavior", describe(line.behavior)},
           {"calls", calls},
           {"num_active_calls", active_calls},
           {"num_onhold_calls", onhold},
           {"num_onhold_pend_calls", onhold_pending},
           {"forwarding", forwarding_json(line.forwarding)},
           {"messages_waiting", line.messages_waiting},
           {"call_waiting", line.call_waiting}};
    j["controller"] = controller[l] ? json(controller[l]->name) : json(nullptr);
    auto it = monitors.find(l);
    j["monitors"] = (it == monitors.end() ? 0 : it->second.size()) + monitor_all.size();
    return j;
  }

  // --- the end ------------------------------------------------------------------------------

  void stop(const std::string& why) {
    if (stopped || !started) return;
    pump();
    say("stopping ({}) at {:.3f} s simulated", why, to_seconds(kernel.now()));
    boost::system::error_code ec;
    acceptor.close(ec);
    pace_timer.cancel();
    // From here the PBX answers no more requests; clearing the calls still tells the clients.
    stopped = true;
    result = session.finish();
    if (modem_ports) modem_ports->close();
    for (auto& [n, c] : clients) {
      (void)n;
      if (c->gone) continue;
      send(*c, wire::frame(json{{"event", "shutdown"}, {"reason", why}, {"t", t_now()}}));
      close_after_flush(*c);
    }
    // Clients that do not take their last events within a second are closed anyway.
    linger_timer.expires_after(std::chrono::seconds(1));
    linger_timer.async_wait([this](const boost::system::error_code& e) {
      if (e) return;
      std::vector<ClientPtr> left;
      for (auto& [n, c] : clients) left.push_back(c);
      for (auto& c : left) disconnect(*c, "server stopped");
    });
    if (clients.empty()) linger_timer.cancel();
    if (options.on_stop) options.on_stop();
  }
};

Server::Server(asio::io_context& io, SimulationKernel& kernel, ScenarioSession& session,
               ServerOptions options, std::ostream& log)
    : impl_(std::make_unique<Impl>(io, kernel, session, std::move(options), log)) {}

Server::~Server() = default;

tcp::endpoint Server::local_endpoint() const { return impl_->acceptor.local_endpoint(); }

void Server::start() {
  Impl& s = *impl_;
  if (s.started) return;
  s.started = true;
  s.wall0 = WallClock::now();
  s.session.start();
  if (s.modem_ports) s.modem_ports->start();
  s.accept();
  s.pump();
  s.arm();
}

void Server::stop(const std::string& why) { impl_->stop(why); }
bool Server::stopped() const { return impl_->stopped; }
const std::optional<RunResult>& Server::result() const { return impl_->result; }
PacingStats Server::pacing() const { return impl_->lateness.summary(); }
const ServerStats& Server::stats() const { return impl_->stats; }

}  // namespace telsim
