// `telsim serve` under load: 1,000 concurrent clients on one test-process event loop (Boost.Asio,
// single thread), each owning a line and placing K calls one after the other to an auto-answering
// extension: make_call, CONNECTED, drop, IDLE, deallocate. The server runs at speed 1, so its
// pacing line measures how late its timers ran under this load. Asserted: every call completes,
// cdr.csv has both legs of every call, all ended, and the server exits 0. Speed figures
// (calls/s, reply latency, timer lateness) are printed and recorded as test properties only.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_support.hpp"
#include "cli/serve_support.hpp"


#if defined(__SANITIZE_ADDRESS__)
#define TELSIM_LOAD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TELSIM_LOAD_SANITIZED 1
#endif
#endif
#ifndef TELSIM_LOAD_SANITIZED
#define TELSIM_LOAD_SANITIZED 0
#endif

namespace telsim::cli_test {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kClients = 1000;
constexpr int kRounds = 5;  // calls per client (also under sanitizers: the run stays well under 60 s)
constexpr auto kDeadline = 60s;  // the whole exchange; far above what it needs

// --- the server process (as in serve_test.cpp) ------------------------------------------------


// --- the clients ------------------------------------------------------------------------------

struct Totals {
  long issued = 0;     // make_call replies with a call handle
  long completed = 0;  // calls taken through to deallocate
  long errors = 0;
  std::string first_error;
  int finished_clients = 0;
  std::vector<double> latency_us;        // request sent -> its reply: every request
  std::vector<double> setup_latency_us;  // hello and open only
  std::vector<double> connect_us;        // async_connect -> connected
  Clock::time_point first_call{}, last_done{};
};

class LoadClient : public std::enable_shared_from_this<LoadClient> {
 public:
  LoadClient(asio::io_context& io, int index, int rounds, Totals& totals)
      : socket_(io), index_(index), rounds_(rounds), line_(std::to_string(1000 + index)),
        target_(std::to_string(5000 + index)), totals_(totals) {}

  void start(const tcp::endpoint& ep) {
    socket_.async_connect(ep, [self = shared_from_this(), t0 = Clock::now()](const boost::system::error_code& ec) {
      if (ec) return self->fail("connect: " + ec.message());
      self->totals_.connect_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      self->socket_.set_option(tcp::no_delay(true));
      self->phase_ = Phase::Hello;
      self->request({{"op", "hello"}, {"version", 1}, {"name", "load-" + std::to_string(self->index_)}});
      self->read();
    });
  }

 private:
  enum class Phase { Connecting, Hello, Open, MakeCall, Drop, Deallocate, Done };

  void request(json j) {
    j["id"] = ++last_id_;
    sent_at_ = Clock::now();
    queue_.push_back(j.dump() + "\n");
    if (queue_.size() == 1) write();
  }
  void write() {
    asio::async_write(socket_, asio::buffer(queue_.front()),
                      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                        if (ec) return self->fail("write: " + ec.message());
                        self->queue_.pop_front();
                        if (!self->queue_.empty()) self->write();
                      });
  }
  void read() {
    socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
      if (self->phase_ == Phase::Done) return;
      if (ec) return self->fail("read: " + ec.message());
      self->pending_.append(self->buf_.data(), n);
      for (std::size_t nl; self->phase_ != Phase::Done && (nl = self->pending_.find('\n')) != std::string::npos;) {
        const json f = json::parse(self->pending_.substr(0, nl), nullptr, false);
        self->pending_.erase(0, nl + 1);
        self->on_frame(f);
      }
      if (self->phase_ != Phase::Done) self->read();
    });
  }

  void on_frame(const json& f) {
    if (f.is_discarded() || !f.is_object()) return fail("unparsable frame");
    if (f.contains("event")) {
      if (f.value("event", "") != "call_state" || f.value("line", "") != line_) return;
      const std::string state = f.value("state", "");
      if (!call_.empty() && f.value("call", "") != call_) return;
      if (state == "CONNECTED") connected_ = true;
      if (state == "IDLE") idle_ = true;
      return advance();
    }
    if (f.value("id", json()) != last_id_) return fail("reply to an unknown request: " + f.dump());
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - sent_at_).count();
    totals_.latency_us.push_back(us);
    if (phase_ == Phase::Hello || phase_ == Phase::Open) totals_.setup_latency_us.push_back(us);
    if (!f.value("ok", false)) return fail("request refused: " + f.dump());
    replied_ = true;
    if (phase_ == Phase::MakeCall) {
      call_ = f.value("call", "");
      ++totals_.issued;
    }
    advance();
  }

  void advance() {
    switch (phase_) {
      case Phase::Hello:
        if (replied_) next(Phase::Open, {{"op", "open"}, {"line", line_}});
        break;
      case Phase::Open:
        if (replied_) start_round();
        break;
      case Phase::MakeCall:
        if (replied_ && connected_) next(Phase::Drop, {{"op", "drop"}, {"call", call_}});
        break;
      case Phase::Drop:
        if (replied_ && idle_) next(Phase::Deallocate, {{"op", "deallocate"}, {"call", call_}});
        break;
      case Phase::Deallocate:
        if (!replied_) break;
        ++totals_.completed;
        totals_.last_done = Clock::now();
        if (++round_ < rounds_) start_round();
        else finish();
        break;
      case Phase::Connecting:
      case Phase::Done:
        break;
    }
  }

  void start_round() {
    call_.clear();
    connected_ = idle_ = false;
    if (totals_.first_call == Clock::time_point{}) totals_.first_call = Clock::now();
    next(Phase::MakeCall, {{"op", "make_call"}, {"line", line_}, {"to", target_}});
  }
  void next(Phase p, json j) {
    phase_ = p;
    replied_ = false;
    request(std::move(j));
  }
  void finish() {
    phase_ = Phase::Done;
    ++totals_.finished_clients;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  void fail(const std::string& why) {
    if (phase_ == Phase::Done) return;
    if (totals_.errors++ == 0) totals_.first_error = "client " + std::to_string(index_) + ": " + why;
    finish();
  }

  tcp::socket socket_;
  int index_;
  int rounds_;
  std::string line_, target_;
  Totals& totals_;
  Phase phase_ = Phase::Connecting;
  long long last_id_ = 0;
  Clock::time_point sent_at_;
  bool replied_ = false;
  std::string call_;
  bool connected_ = false, idle_ = false;
  int round_ = 0;
  std::array<char, 8192> buf_{};
  std::string pending_;
  std::deque<std::string> queue_;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

void figure(const std::string& key, const std::string& value) {
  std::printf("[serve-load] %s: %s\n", key.c_str(), value.c_str());
  ::testing::Test::RecordProperty(key, value);
}

std::string fixed(double v, int digits = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

const std::string kScenario = R"yaml(name: serve-load
pbx:
  extensions:
    - "1000-1999"
    - {number: "5000-5999", behavior: {answer_after: 200ms}}
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 100ms}
)yaml";

TEST(ServeLoad, ThousandClientsPlaceCallsConcurrently) {
  raise_descriptor_limit();
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < kClients + 64) GTEST_SKIP() << "RLIMIT_NOFILE " << lim.rlim_cur << " is too low for 1,000 sockets";

  TempDir dir;
  write_file(dir / "load.yaml", kScenario);
  const fs::path rep = dir / "rep";
  ServeProcess serve(dir.path(), {(dir / "load.yaml").string(), "--listen", "127.0.0.1:0", "--speed", "1",
                                  "--quiet", "--report", rep.string()});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();

  asio::io_context io;
  Totals totals;
  totals.latency_us.reserve(static_cast<std::size_t>(kClients) * (2 + 3 * kRounds));
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(serve.port()));
  {
    std::vector<std::shared_ptr<LoadClient>> clients;
    for (int i = 0; i < kClients; ++i) clients.push_back(std::make_shared<LoadClient>(io, i, kRounds, totals));
    for (auto& c : clients) c->start(ep);
  }
  const auto t0 = Clock::now();
  asio::steady_timer watchdog(io);
  bool timed_out = false;
  watchdog.expires_after(kDeadline);
  watchdog.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    io.stop();
  });
  // Stop as soon as every client is done (each one closes its socket when it is).
  asio::steady_timer check(io);
  std::function<void()> poll_done = [&] {
    check.expires_after(10ms);
    check.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (totals.finished_clients == kClients) {
        watchdog.cancel();
        return;
      }
      poll_done();
    });
  };
  poll_done();
  io.run();
  const double wall_s = std::chrono::duration<double>(Clock::now() - t0).count();

  const int server_exit = serve.stop(SIGTERM);
  const long expected = static_cast<long>(kClients) * kRounds;
  EXPECT_FALSE(timed_out) << "clients still busy after " << kDeadline.count() << " s: " << totals.completed
                          << " of " << expected << " calls completed";
  EXPECT_EQ(totals.errors, 0) << totals.first_error;
  EXPECT_EQ(totals.issued, expected);
  EXPECT_EQ(totals.completed, expected);
  EXPECT_EQ(totals.completed, totals.issued);
  EXPECT_EQ(server_exit, 0) << serve.describe();

  // cdr.csv: the caller's and the callee's leg of every call, each ended by the clients.
  std::istringstream cdr(read_file(rep / "cdr.csv"));
  std::string header, row;
  std::getline(cdr, header);
  std::size_t col = 0, cleared_col = std::string::npos;
  {
    std::istringstream h(header);
    for (std::string name; std::getline(h, name, ','); ++col)
      if (name == "cleared_at_end") cleared_col = col;
  }
  ASSERT_NE(cleared_col, std::string::npos) << header;
  long rows = 0, cleared = 0, malformed = 0;
  while (std::getline(cdr, row)) {
    if (row.empty()) continue;
    ++rows;
    std::istringstream r(row);
    std::string cell;
    for (std::size_t i = 0; i <= cleared_col && std::getline(r, cell, ','); ++i) {}
    if (cell == "true") ++cleared;
    else if (cell != "false") ++malformed;
  }
  EXPECT_EQ(rows, 2 * expected) << "rows in cdr.csv";
  EXPECT_EQ(cleared, 0) << "rows cleared at the end of the run";
  EXPECT_EQ(malformed, 0);
  EXPECT_NE(serve.out().find("0 cleared at end of run"), std::string::npos) << serve.describe();
  // hello + open + 3 requests per call, none refused.
  const std::string clients_line = "clients: " + std::to_string(kClients) + " connections, " +
                                   std::to_string(kClients * (2 + 3 * kRounds)) + " requests, 0 error replies";
  EXPECT_NE(serve.out().find(clients_line), std::string::npos) << clients_line << "\n" << serve.describe();

  // Figures (not asserted).
  const double busy_s = std::chrono::duration<double>(totals.last_done - totals.first_call).count();
  figure("clients", std::to_string(kClients) + " x " + std::to_string(kRounds) + " calls" +
                        (TELSIM_LOAD_SANITIZED ? " (sanitizer build)" : ""));
  figure("calls", std::to_string(totals.completed) + " completed of " + std::to_string(totals.issued) + " issued");
  figure("wall_s", fixed(wall_s, 2));
  figure("calls_per_s", busy_s > 0 ? fixed(static_cast<double>(totals.completed) / busy_s) : "n/a");
  figure("reply_latency_ms", "p50 " + fixed(percentile(totals.latency_us, 0.50) / 1000, 3) + ", p99 " +
                                 fixed(percentile(totals.latency_us, 0.99) / 1000, 3) + ", max " +
                                 fixed(percentile(totals.latency_us, 1.0) / 1000, 3) + " (" +
                                 std::to_string(totals.latency_us.size()) + " requests)");
  figure("setup_latency_ms", "p50 " + fixed(percentile(totals.setup_latency_us, 0.50) / 1000, 3) + ", p99 " +
                                 fixed(percentile(totals.setup_latency_us, 0.99) / 1000, 3) + ", max " +
                                 fixed(percentile(totals.setup_latency_us, 1.0) / 1000, 3) + " (hello and open)");
  figure("connect_ms", "p50 " + fixed(percentile(totals.connect_us, 0.50) / 1000, 3) + ", p99 " +
                           fixed(percentile(totals.connect_us, 0.99) / 1000, 3) + ", max " +
                           fixed(percentile(totals.connect_us, 1.0) / 1000, 3));
  std::smatch m;
  const std::string out = serve.out();
  if (std::regex_search(out, m, std::regex(R"(pacing: ([^\n]*))"))) figure("server_pacing", m[1].str());
  else ADD_FAILURE() << "no pacing line\n" << serve.describe();
}

}  // namespace
}  // namespace telsim::cli_test
