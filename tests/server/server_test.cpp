// The live server in-process, on ManualKernel: real sockets on loopback, the wire protocol as
// clients see it (docs/protocol.md). Waits are for frames, with generous timeouts; nothing
// depends on how fast the machine is.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "telsim/server/protocol.hpp"
#include "telsim/server/server.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Ten simulated seconds per wall second: call set-up (~1.3 s simulated) takes ~0.13 s.
constexpr const char* kOffice = R"(
name: office
pbx:
  extensions:
    - "201-205"
    - {number: "300", behavior: {answer_after: 1s}}
  timing: {no_answer_timeout: 120s}
)";

class Harness {
 public:
  explicit Harness(const std::string& yaml, ServerOptions options = {})
      : scenario_(parse_scenario(yaml, "test.yaml")), session_(scenario_, kernel_) {
    options.port = 0;
    if (options.speed == 1.0) options.speed = 10.0;
    server_ = std::make_unique<Server>(io_, kernel_, session_, std::move(options), log_);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Harness() { stop(); }
  std::uint16_t port() const { return server_->local_endpoint().port(); }
  /// Stop the server (as a signal would) and wait for its loop to end.
  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] { server_->stop("test"); });
    thread_.join();
  }
  /// Wait for the loop to end by itself (--until).
  void join() { thread_.join(); }
  Server& server() { return *server_; }
  /// The server's counters, read on its own thread while it runs.
  ServerStats stats() {
    if (!thread_.joinable()) return server_->stats();
    std::promise<ServerStats> p;
    auto f = p.get_future();
    boost::asio::post(io_, [&] { p.set_value(server_->stats()); });
    return f.get();
  }
  const RunResult& result() const { return *server_->result(); }
  std::string log() const { return log_.str(); }  // after stop()

 private:
  Scenario scenario_;
  ManualKernel kernel_;
  ScenarioSession session_;
  boost::asio::io_context io_;
  std::ostringstream log_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

/// A blocking test client: frames are read into an inbox, and tests take what they look for.
class Client {
 public:
  explicit Client(std::uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ADD_FAILURE() << "connect";
  }
  ~Client() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  /// Close with a TCP reset, as a crashed process would.
  void abort() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }
  void send_raw(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }
  /// Send a request with the next id; returns the id.
  long long send(json request) {
    const long long id = next_id_++;
    request["id"] = id;
    send_raw(request.dump() + "\n");
    return id;
  }
  /// Send and wait for the reply.
  json request(json r) { return reply(send(std::move(r))); }
  json reply(long long id) {
    return take([id](const json& j) { return j.contains("id") && j["id"] == id; }, "reply " + std::to_string(id));
  }
  json reply_null_id() {
    return take([](const json& j) { return j.contains("id") && j["id"].is_null(); }, "reply without id");
  }
  json event(const std::string& name, const std::string& call = "", const std::string& state = "") {
    return take([&](const json& j) {
      return j.value("event", "") == name && (call.empty() || j.value("call", "") == call) &&
             (state.empty() || j.value("state", "") == state);
    }, name + " " + call + " " + state);
  }
  /// Take the first frame (received or arriving within the timeout) that matches.
  json take(const std::function<bool(const json&)>& match, const std::string& what,
            std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (std::size_t i = 0; i < inbox_.size(); ++i) {
        if (match(inbox_[i])) {
          json j = inbox_[i];
          inbox_.erase(inbox_.begin() + static_cast<long>(i));
          return j;
        }
      }
      if (!read_some(deadline)) {
        ADD_FAILURE() << "no frame matching " << what << " (inbox: " << json(inbox_).dump() << ")";
        return json::object();
      }
    }
  }
  /// True when the server closes the connection within the timeout.
  bool closed_by_server(std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
      if (!read_some(deadline)) return eof_;
    }
    return true;
  }
  /// Every frame received so far, in arrival order (taken or not).
  const std::vector<json>& all() const { return order_; }

 private:
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    partial_.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = partial_.find('\n')) != std::string::npos;) {
      json j = json::parse(partial_.substr(0, nl), nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << "server sent a frame that is not JSON: " << partial_.substr(0, nl);
      partial_.erase(0, nl + 1);
      inbox_.push_back(j);
      order_.push_back(j);
    }
    return true;
  }
  int fd_ = -1;
  long long next_id_ = 1;
  std::string partial_;
  std::vector<json> inbox_;
  std::vector<json> order_;
  bool eof_ = false;
};

std::size_t index_of(const std::vector<json>& frames, const std::function<bool(const json&)>& match) {
  for (std::size_t i = 0; i < frames.size(); ++i)
    if (match(frames[i])) return i;
  return frames.size();
}

TEST(Server, CallBetweenTwoClients) {
  Harness h(kOffice);
  Client a(h.port()), b(h.port());
  EXPECT_EQ(a.request({{"op", "hello"}, {"name", "caller"}})["name"], "caller");
  EXPECT_TRUE(a.request({{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
  EXPECT_TRUE(b.request({{"op", "open"}, {"line", "202"}})["ok"].get<bool>());
  const json made = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}});
  ASSERT_TRUE(made["ok"].get<bool>()) << made;
  const std::string call = made["call"];
  a.event("call_state", call, "RINGBACK");

  // The callee hears of the call first (new_call), then of its state.
  const json offered = b.event("call_state", "", "OFFERING");
  const std::string incoming = offered["call"];
  const json announced = b.event("new_call", incoming);
  EXPECT_EQ(announced["from"], "201");
  EXPECT_EQ(announced["direction"], "in");
  const auto frames = b.all();
  EXPECT_LT(index_of(frames, [](const json& j) { return j.value("event", "") == "new_call"; }),
            index_of(frames, [](const json& j) { return j.value("event", "") == "call_state"; }));

  // The caller learnt its handle from the reply, before any state of that call.
  const auto seen = a.all();
  EXPECT_LT(index_of(seen, [](const json& j) { return j.contains("id") && j["id"] == 3; }),
            index_of(seen, [&](const json& j) { return j.value("call", "") == call && j.contains("event"); }));
  EXPECT_EQ(index_of(seen, [](const json& j) { return j.value("event", "") == "new_call"; }), seen.size())
      << "the caller gets no new_call for its own call";

  EXPECT_TRUE(b.request({{"op", "answer"}, {"call", incoming}})["ok"].get<bool>());
  a.event("call_state", call, "CONNECTED");
  b.event("call_state", incoming, "CONNECTED");
  const json status = a.request({{"op", "call_status"}, {"call", call}});
  EXPECT_EQ(status["state"], "CONNECTED");
  EXPECT_NE(status["feature_names"].get<std::string>().find("DROP"), std::string::npos);

  EXPECT_TRUE(a.request({{"op", "drop"}, {"call", call}})["ok"].get<bool>());
  a.event("call_state", call, "IDLE");
  const json gone = b.event("call_state", incoming, "DISCONNECTED");
  EXPECT_EQ(gone["mode_name"], "NORMAL");
  EXPECT_TRUE(b.request({{"op", "drop"}, {"call", incoming}})["ok"].get<bool>());
  b.event("call_state", incoming, "IDLE");
  EXPECT_TRUE(b.request({{"op", "deallocate"}, {"call", incoming}})["ok"].get<bool>());
  EXPECT_EQ(b.request({{"op", "drop"}, {"call", incoming}})["error"], "LINEERR_INVALCALLHANDLE");

  h.stop();
  ASSERT_EQ(h.result().records.size(), 2u);
  for (const CallRecord& r : h.result().records) {
    EXPECT_FALSE(r.cleared_at_end);
    EXPECT_EQ(r.outcome, Outcome::Answered);
  }
  // The run lists the operations the clients ran, in order, on the acting line and by client; a
  // request refused before it reached the PBX (the last drop, on a stale handle) is not one.
  const auto& ops = h.result().operations;
  ASSERT_EQ(ops.size(), 5u);
  const Op want[] = {Op::MakeCall, Op::Answer, Op::Drop, Op::Drop, Op::Deallocate};
  for (std::size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].op, want[i]) << i;
    EXPECT_EQ(ops[i].error, LineErr::Success) << i;
    EXPECT_EQ(ops[i].line, i == 0 || i == 2 ? "201" : "202") << i;
    EXPECT_EQ(ops[i].call, std::stoul((i == 0 || i == 2 ? call : incoming).substr(1))) << i;
    if (i == 0 || i == 2) EXPECT_EQ(ops[i].who, "caller") << i;
    else EXPECT_FALSE(ops[i].who.empty() || ops[i].who == "caller") << ops[i].who;
  }
  EXPECT_LE(ops[0].at, ops[4].at);
}

// LINECALLINFO's connected ID: a call_info event with CONNECTEDID tells each party who it is
// talking to, also when a transfer relinks a call whose own state does not change.
TEST(Server, ConnectedIdFollowsTheCallThroughATransfer) {
  Harness h(kOffice);
  Client a(h.port()), b(h.port()), c(h.port());
  a.request({{"op", "open"}, {"line", "201"}});
  b.request({{"op", "open"}, {"line", "202"}});
  c.request({{"op", "open"}, {"line", "203"}});
  const std::string ab = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}})["call"];
  const json ringing = a.take([&](const json& j) {
    return j.value("event", "") == "call_info" && j.value("call", "") == ab && j.value("connected", json()) == "202";
  }, "the caller's connected id");
  EXPECT_NE(std::find(ringing["changed"].begin(), ringing["changed"].end(), "CONNECTEDID"), ringing["changed"].end());
  const std::string ba = b.event("call_state", "", "OFFERING")["call"];
  ASSERT_TRUE(b.request({{"op", "answer"}, {"call", ba}})["ok"].get<bool>());
  a.event("call_state", ab, "CONNECTED");
  EXPECT_EQ(b.request({{"op", "call_status"}, {"call", ba}})["connected"], "201");

  // 202 consults 203 and transfers 201 to it: 201's call stays CONNECTED, now to 203.
  const json setup = b.request({{"op", "setup_transfer"}, {"call", ba}, {"to", "203"}});
  ASSERT_TRUE(setup["ok"].get<bool>()) << setup;
  const std::string consult = setup["consult"];
  const std::string cb = c.event("call_state", "", "OFFERING")["call"];
  ASSERT_TRUE(c.request({{"op", "answer"}, {"call", cb}})["ok"].get<bool>());
  b.event("call_state", consult, "CONNECTED");
  ASSERT_TRUE(b.request({{"op", "complete_transfer"}, {"call", ba}, {"consult", consult}})["ok"].get<bool>());
  const json moved = a.take([&](const json& j) {
    return j.value("event", "") == "call_info" && j.value("call", "") == ab && j.value("connected", json()) == "203";
  }, "201's connected id after the transfer");
  EXPECT_EQ(moved["line"], "201");
  // Only where the call ended up: no "connected to nobody" between the unlink and the relink.
  const auto& seen = a.all();
  const auto moved_at = index_of(seen, [&](const json& j) { return j.value("connected", json()) == "203"; });
  const auto nobody_at = index_of(seen, [&](const json& j) {
    return j.value("event", "") == "call_info" && j.value("call", "") == ab && j["connected"].is_null() &&
           std::find(j["changed"].begin(), j["changed"].end(), "CONNECTEDID") != j["changed"].end();
  });
  EXPECT_TRUE(nobody_at == seen.size() || nobody_at > moved_at) << json(seen).dump();
  const json other = c.take([&](const json& j) {
    return j.value("event", "") == "call_info" && j.value("call", "") == cb && j.value("connected", json()) == "201";
  }, "203's connected id after the transfer");
  EXPECT_EQ(a.request({{"op", "call_status"}, {"call", ab}})["state"], "CONNECTED");
  EXPECT_EQ(a.request({{"op", "call_status"}, {"call", ab}})["connected"], "203");
}

// A refused request's message names its actual reason: the other call that engages the line
// (not the held call acted on), the conference limit (not the conference call's state), the
// group, the state rule.
TEST(Server, RefusalMessagesNameTheActualReason) {
  Harness h(R"(
name: refusals
pbx:
  extensions:
    - "201"
    - {number: "202-205", behavior: {answer_after: 1s}}
  conference_max: 2
  pickup_groups: {sales: ["202", "203"]}
)");
  Client a(h.port());
  a.request({{"op", "open"}, {"line", "201"}});
  const std::string first = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}})["call"];
  a.event("call_state", first, "CONNECTED");
  ASSERT_TRUE(a.request({{"op", "hold"}, {"call", first}})["ok"].get<bool>());
  const std::string second = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "203"}})["call"];
  a.event("call_state", second, "CONNECTED");
  const json in_use = a.request({{"op", "unhold"}, {"call", first}});
  EXPECT_EQ(in_use["error"], "LINEERR_INUSE");
  EXPECT_EQ(in_use["message"], "LINEERR_INUSE: 201 has " + second + " CONNECTED");

  ASSERT_TRUE(a.request({{"op", "drop"}, {"call", second}})["ok"].get<bool>());
  a.event("call_state", second, "IDLE");
  ASSERT_TRUE(a.request({{"op", "unhold"}, {"call", first}})["ok"].get<bool>());
  const json setup = a.request({{"op", "setup_conference"}, {"call", first}, {"to", "204"}});
  ASSERT_TRUE(setup["ok"].get<bool>()) << setup;
  const std::string conf = setup["call"], consult = setup["consult"];
  a.event("call_state", consult, "CONNECTED");
  ASSERT_TRUE(a.request({{"op", "add_to_conference"}, {"conference", conf}, {"consult", consult}})["ok"].get<bool>());
  const json full = a.request({{"op", "prepare_add_to_conference"}, {"conference", conf}, {"to", "205"}});
  EXPECT_EQ(full["error"], "LINEERR_CONFERENCEFULL");
  EXPECT_EQ(full["message"], "LINEERR_CONFERENCEFULL: conference " + conf + " already has 2 parties, conference_max 2");

  EXPECT_EQ(a.request({{"op", "answer"}, {"call", first}})["message"],
            "LINEERR_INVALCALLSTATE: " + first + " is CONFERENCED; answer needs OFFERING or ACCEPTED");
  EXPECT_EQ(a.request({{"op", "pickup"}, {"line", "201"}, {"group", "sales"}})["message"],
            "LINEERR_INVALGROUPID: 201 is not in pickup group 'sales'");
  EXPECT_EQ(a.request({{"op", "make_call"}, {"line", "201"}, {"to", "2x2"}})["message"],
            "LINEERR_INVALADDRESS: '2x2': 'x' at position 2 is not a dialable character (0-9 * # A-D ! P T , W @ $ ? ;)");
}

// `monitor` reports the calls already in progress on the lines it starts to watch (new_call,
// then call_state, as `open` does) before its reply; later changes come as usual.
TEST(Server, MonitorFirstReportsTheCallsInProgress) {
  Harness h(kOffice);
  Client a(h.port());
  a.request({{"op", "open"}, {"line", "201"}});
  const std::string call = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "300"}})["call"];
  a.event("call_state", call, "CONNECTED");

  auto is_reply = [](long long id) { return [id](const json& j) { return j.contains("id") && j["id"] == id; }; };
  auto is_event = [](const std::string& event, const std::string& line) {
    return [event, line](const json& j) { return j.value("event", "") == event && j.value("line", "") == line; };
  };

  Client m(h.port());
  const long long id = m.send({{"op", "monitor"}, {"line", "201"}});
  EXPECT_TRUE(m.reply(id)["ok"].get<bool>());
  const auto& seen = m.all();
  const std::size_t announced = index_of(seen, is_event("new_call", "201"));
  const std::size_t state = index_of(seen, is_event("call_state", "201"));
  ASSERT_LT(announced, seen.size()) << "no new_call for the call in progress";
  ASSERT_LT(state, seen.size()) << "no call_state for the call in progress";
  EXPECT_LT(announced, state);
  EXPECT_LT(state, index_of(seen, is_reply(id))) << "the calls come before the reply";
  EXPECT_EQ(seen[announced]["call"], call);
  EXPECT_EQ(seen[announced]["direction"], "out");
  EXPECT_EQ(seen[announced]["to"], "300");
  EXPECT_EQ(seen[announced]["connected"], "300");
  EXPECT_EQ(seen[state]["call"], call);
  EXPECT_EQ(seen[state]["state"], "CONNECTED");
  EXPECT_EQ(index_of(seen, is_event("new_call", "300")), seen.size()) << "300 is not monitored";
  const std::size_t before_again = seen.size();
  EXPECT_TRUE(m.request({{"op", "monitor"}, {"line", "201"}})["ok"].get<bool>());
  EXPECT_EQ(m.all().size(), before_again + 1) << "monitoring again repeats nothing";

  // "*": every line's calls, the far leg on 300 too.
  Client all(h.port());
  const long long star = all.send({{"op", "monitor"}, {"line", "*"}});
  EXPECT_TRUE(all.reply(star)["ok"].get<bool>());
  const auto& heard = all.all();
  const std::size_t reply_at = index_of(heard, is_reply(star));
  for (const char* line : {"201", "300"}) {
    const std::size_t n = index_of(heard, is_event("new_call", line));
    const std::size_t st = index_of(heard, is_event("call_state", line));
    EXPECT_LT(n, st) << line;
    EXPECT_LT(st, reply_at) << line;
    if (st < heard.size()) {
      EXPECT_EQ(heard[st]["state"], "CONNECTED") << line;
    }
  }
  const std::string leg = heard[index_of(heard, is_event("new_call", "300"))].value("call", "");
  EXPECT_EQ(heard[index_of(heard, is_event("new_call", "300"))]["direction"], "in");

  // Later changes: call_state only (the calls are known), to both monitors.
  ASSERT_TRUE(a.request({{"op", "drop"}, {"call", call}})["ok"].get<bool>());
  m.event("call_state", call, "IDLE");
  all.event("call_state", call, "IDLE");
  all.event("call_state", leg, "IDLE");
  for (const Client* c : {&m, &all}) {
    int new_calls = 0;
    for (const json& j : c->all()) new_calls += j.value("event", "") == "new_call" && j.value("call", "") == call;
    EXPECT_EQ(new_calls, 1);
  }
}

// A parameter of the wrong JSON type is refused with LINEERR_INVALPARAM naming it and the type
// it needs; it is never coerced ("line":201 is not line "201"), so nothing happens.
TEST(Server, AMistypedParameterIsRefusedAndDoesNothing) {
  Harness h(kOffice);
  Client c(h.port());
  auto refused = [&](json r) {
    const json reply = c.request(std::move(r));
    EXPECT_EQ(reply["error"], "LINEERR_INVALPARAM") << reply;
    return reply.value("message", "");
  };
  EXPECT_EQ(refused({{"op", "open"}, {"line", 201}}), R"('line' must be a string, not the number 201 (write "201"))");
  ASSERT_TRUE(c.request({{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
  EXPECT_EQ(refused({{"op", "make_call"}, {"line", "201"}, {"to", 300}}),
            R"('to' must be a string, not the number 300 (write "300"))");
  EXPECT_EQ(refused({{"op", "make_call"}, {"line", 201}, {"to", "300"}}),
            R"('line' must be a string, not the number 201 (write "201"))");
  EXPECT_EQ(refused({{"op", "monitor"}, {"line", 202}}), R"('line' must be a string, not the number 202 (write "202"))");
  EXPECT_EQ(refused({{"op", "unpark"}, {"line", "201"}, {"orbit", 701}}),
            R"('orbit' must be a string, not the number 701 (write "701"))");
  EXPECT_EQ(refused({{"op", "uncomplete_call"}, {"line", "201"}, {"completion", "1"}}),
            R"('completion' must be an integer, not the string "1")");
  EXPECT_EQ(refused({{"op", "hello"}, {"version", "1"}}), R"('version' must be an integer, not the string "1")");
  EXPECT_EQ(refused({{"op", "hello"}, {"name", 7}}), R"('name' must be a string, not the number 7 (write "7"))");
  EXPECT_EQ(refused({{"op", "pickup"}, {"line", "201"}, {"group", json::array({"desk"})}}),
            "'group' must be a string, not array");
  // No call was placed: the line is idle and the server never reported a call.
  const json status = c.request({{"op", "line_status"}, {"line", "201"}});
  EXPECT_TRUE(status["calls"].empty()) << status;
  for (const json& f : c.all()) EXPECT_NE(f.value("event", ""), "call_state") << f;

  // The same requests, typed right, work.
  const json made = c.request({{"op", "make_call"}, {"line", "201"}, {"to", "300"}});
  ASSERT_TRUE(made["ok"].get<bool>()) << made;
  c.event("call_state", made["call"], "CONNECTED");
  h.stop();
  EXPECT_EQ(h.result().records.size(), 2u) << "only the well-typed call was placed";
}

TEST(Server, BadFramesGetAnErrorAndTheConnectionStaysUsable) {
  Harness h(kOffice);
  Client c(h.port());
  auto error_of = [&](const std::string& frame) {
    c.send_raw(frame + "\n");
    return c.reply_null_id();
  };
  const json big = error_of(std::string(70 * 1024, 'x'));
  EXPECT_EQ(big["error"], "LINEERR_INVALPARAM");
  EXPECT_NE(big["message"].get<std::string>().find("exceeds"), std::string::npos) << big;
  EXPECT_EQ(error_of("{\"op\": \"open\", ")["message"], "malformed JSON");
  EXPECT_EQ(error_of("[1,2,3]")["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(error_of("{\"id\":{},\"op\":\"ping\"}")["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(error_of(std::string(200, '[') + std::string(200, ']'))["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(error_of("{\"op\":\"ping\",\"x\":\"\xff\xfe\"}")["error"], "LINEERR_INVALPARAM");

  EXPECT_EQ(c.request({{"line", "201"}})["message"], "missing 'op'");
  EXPECT_EQ(c.request({{"op", 7}})["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(c.request({{"op", "frobnicate"}})["error"], "LINEERR_OPERATIONUNAVAIL");
  EXPECT_EQ(c.request({{"op", "open"}, {"line", "999"}})["error"], "LINEERR_BADDEVICEID");
  EXPECT_EQ(c.request({{"op", "open"}, {"line", "201"}, {"colour", "red"}})["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(c.request({{"op", "open"}, {"line", json::array()}})["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(c.request({{"op", "make_call"}, {"line", "202"}, {"to", "203"}})["error"], "LINEERR_INVALLINEHANDLE");
  EXPECT_EQ(c.request({{"op", "drop"}, {"call", "c999"}})["error"], "LINEERR_INVALCALLHANDLE");
  EXPECT_EQ(c.request({{"op", "drop"}, {"call", "banana"}})["error"], "LINEERR_INVALCALLHANDLE");
  EXPECT_EQ(c.request({{"op", "drop"}})["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(c.request({{"op", "hello"}, {"version", 99}})["error"], "LINEERR_OPERATIONUNAVAIL");
  EXPECT_EQ(c.request({{"op", "forward"}, {"line", "201"}, {"forwarding", "busy"}})["error"],
            "LINEERR_INVALLINEHANDLE");

  // Two frames in one segment, CRLF line ends, a frame split across segments: all answered.
  c.send_raw("{\"id\":\"x1\",\"op\":\"ping\"}\r\n{\"id\":\"x2\",\"op\":\"ping\"}\n{\"id\":\"x3\",");
  EXPECT_TRUE(c.take([](const json& j) { return j.value("id", json()) == "x1"; }, "x1")["ok"].get<bool>());
  EXPECT_TRUE(c.take([](const json& j) { return j.value("id", json()) == "x2"; }, "x2")["ok"].get<bool>());
  c.send_raw("\"op\":\"ping\"}\n");
  EXPECT_TRUE(c.take([](const json& j) { return j.value("id", json()) == "x3"; }, "x3")["ok"].get<bool>());

  // Still usable for real work.
  EXPECT_TRUE(c.request({{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
  const json made = c.request({{"op", "make_call"}, {"line", "201"}, {"to", "300"}});
  ASSERT_TRUE(made["ok"].get<bool>());
  c.event("call_state", made["call"], "CONNECTED");
  h.stop();
  EXPECT_GE(h.server().stats().bad_frames, 6u);
}

TEST(Server, AClientCannotTouchAnotherClientsLinesOrCalls) {
  Harness h(kOffice);
  Client a(h.port()), b(h.port());
  a.request({{"op", "open"}, {"line", "201"}});
  const json taken = b.request({{"op", "open"}, {"line", "201"}});
  EXPECT_EQ(taken["error"], "LINEERR_ALLOCATED");
  EXPECT_TRUE(b.request({{"op", "monitor"}, {"line", "201"}})["ok"].get<bool>());
  const json made = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "300"}});
  const std::string call = made["call"];
  // The monitor sees the call but may not act on it.
  b.event("new_call", call);
  const json refused = b.request({{"op", "drop"}, {"call", call}});
  EXPECT_EQ(refused["error"], "LINEERR_NOTOWNER");
  EXPECT_EQ(b.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}})["error"], "LINEERR_INVALLINEHANDLE");
  a.event("call_state", call, "CONNECTED");
  b.event("call_state", call, "CONNECTED");
  EXPECT_EQ(b.request({{"op", "call_status"}, {"call", call}})["state"], "CONNECTED");
}

TEST(Server, AVanishedClientsCallsAreDroppedAndRecorded) {
  Harness h(kOffice);
  Client b(h.port());
  b.request({{"op", "open"}, {"line", "202"}});
  std::string call;
  {
    Client a(h.port());
    a.request({{"op", "open"}, {"line", "201"}});
    call = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}})["call"];
    const std::string incoming = b.event("call_state", "", "OFFERING")["call"];
    b.request({{"op", "answer"}, {"call", incoming}});
    a.event("call_state", call, "CONNECTED");
    a.abort();  // killed mid-call
    const json gone = b.event("call_state", incoming, "DISCONNECTED");
    EXPECT_EQ(gone["mode_name"], "NORMAL");
  }
  // A fresh client can open the line at once, and an offered call on a line whose client
  // leaves is refused rather than left ringing.
  Client c(h.port());
  EXPECT_TRUE(c.request({{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
  {
    Client d(h.port());
    d.request({{"op", "open"}, {"line", "203"}});
    const std::string to_d = c.request({{"op", "make_call"}, {"line", "201"}, {"to", "203"}})["call"];
    d.event("call_state", "", "OFFERING");
    d.close();
    c.event("call_state", to_d, "DISCONNECTED");
  }
  h.stop();
  const auto& records = h.result().records;
  ASSERT_GE(records.size(), 2u);
  const CallRecord& first = records.front();
  EXPECT_EQ("c" + std::to_string(first.serial), call);
  EXPECT_FALSE(first.cleared_at_end) << "the vanished client's call was dropped when it left";
  EXPECT_EQ(first.outcome, Outcome::Answered);
  // Every call reached IDLE and has its record, whatever the clients did.
  std::set<std::uint64_t> serials;
  for (const CallRecord& r : records) serials.insert(r.serial);
  EXPECT_EQ(serials.size(), records.size());
  EXPECT_EQ(records.size(), h.result().pbx.calls_created);
  EXPECT_NE(h.log().find("disconnected"), std::string::npos);
}

TEST(Server, AClientThatDoesNotReadIsCutOffAndOthersCarryOn) {
  ServerOptions o;
  o.max_queued_bytes = 16 * 1024;
  o.speed = 50;
  Harness h(R"(
name: busy office
pbx:
  extensions:
    - {number: "100-139", behavior: manual}
    - {number: "200-239", behavior: {answer_after: 100ms}}
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 50ms}
traffic:
  - {from: "100-139", to: "200-239", arrivals: poisson(100/s), holding: 1s, for: 1h}
)",
            o);
  Client sleeper(h.port(), 1024);
  // The sleeper asks to hear every line and never reads: not even the reply, which the calls in
  // progress (announced before it) may already push past the queue's limit on a loaded machine.
  sleeper.send({{"op", "monitor"}, {"line", "*"}});
  Client other(h.port());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (h.stats().cut_off == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(h.stats().cut_off, 1u);
  EXPECT_TRUE(sleeper.closed_by_server()) << "the sleeping client was cut off";
  EXPECT_TRUE(other.request({{"op", "ping"}})["ok"].get<bool>()) << "another client carries on";
  h.stop();
  EXPECT_EQ(h.server().stats().cut_off, 1u);
  EXPECT_NE(h.log().find("cut off"), std::string::npos);
}

TEST(Server, WithATokenEveryConnectionAuthenticatesFirst) {
  ServerOptions o;
  o.token = "s3cret-token";
  Harness h(kOffice, o);
  Client c(h.port());
  EXPECT_EQ(c.request({{"op", "hello"}})["auth_required"], true);
  EXPECT_EQ(c.request({{"op", "open"}, {"line", "201"}})["error"], "LINEERR_OPERATIONUNAVAIL");
  EXPECT_EQ(c.request({{"op", "auth"}, {"token", "guess"}})["error"], "LINEERR_OPERATIONFAILED");
  EXPECT_TRUE(c.request({{"op", "auth"}, {"token", "s3cret-token"}})["ok"].get<bool>());
  EXPECT_TRUE(c.request({{"op", "open"}, {"line", "201"}})["ok"].get<bool>());

  Client hello_auth(h.port());
  EXPECT_EQ(hello_auth.request({{"op", "hello"}, {"token", "s3cret-token"}})["auth_required"], false);

  Client intruder(h.port());
  for (const char* t : {"a", "s3cret-toke", "s3cret-token-"}) intruder.send({{"op", "auth"}, {"token", t}});
  EXPECT_TRUE(intruder.closed_by_server()) << "three failed attempts close the connection";
  h.stop();
  EXPECT_EQ(h.server().stats().auth_failures, 4u);
  EXPECT_EQ(h.log().find("s3cret"), std::string::npos) << "the token is never logged";
}

TEST(Server, OffLoopbackNeedsAToken) {
  const Scenario s = parse_scenario(kOffice, "t.yaml");
  ManualKernel k;
  ScenarioSession session(s, k);
  boost::asio::io_context io;
  std::ostringstream log;
  ServerOptions o;
  o.host = "0.0.0.0";
  o.port = 0;
  EXPECT_THROW(Server(io, k, session, o, log), std::invalid_argument);
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("192.168.1.5"));
}

TEST(Server, TokenComparisonIsExact) {
  EXPECT_TRUE(wire::token_matches("abc", "abc"));
  EXPECT_FALSE(wire::token_matches("abd", "abc"));
  EXPECT_FALSE(wire::token_matches("ab", "abc"));
  EXPECT_FALSE(wire::token_matches("abcabc", "abc"));
  EXPECT_FALSE(wire::token_matches("", "abc"));
  EXPECT_FALSE(wire::token_matches("", ""));
}

TEST(Server, HandoffMovesControlToAnotherClient) {
  Harness h(kOffice);
  Client a(h.port()), b(h.port());
  EXPECT_EQ(a.request({{"op", "hello"}, {"name", "desk"}})["name"], "desk");
  EXPECT_EQ(b.request({{"op", "hello"}, {"versions", {1, 2}}, {"name", "supervisor"}})["protocol"], 1);
  EXPECT_EQ(b.request({{"op", "hello"}, {"name", "desk"}})["error"], "LINEERR_INVALPARAM");
  a.request({{"op", "open"}, {"line", "201"}});
  const std::string call = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "300"}})["call"];
  a.event("call_state", call, "CONNECTED");
  EXPECT_EQ(a.request({{"op", "handoff"}, {"call", call}, {"to", "nobody"}})["error"], "LINEERR_TARGETNOTFOUND");
  EXPECT_EQ(a.request({{"op", "handoff"}, {"call", call}, {"to", "desk"}})["error"], "LINEERR_TARGETSELF");
  EXPECT_TRUE(a.request({{"op", "handoff"}, {"call", call}, {"to", "supervisor"}})["ok"].get<bool>());
  b.event("new_call", call);
  b.event("call_state", call, "CONNECTED");
  EXPECT_EQ(a.request({{"op", "drop"}, {"call", call}})["error"], "LINEERR_NOTOWNER");
  EXPECT_EQ(b.request({{"op", "call_status"}, {"call", call}})["owner"], "supervisor");
  EXPECT_TRUE(b.request({{"op", "hold"}, {"call", call}})["ok"].get<bool>());
  a.event("call_state", call, "ONHOLD");  // the line's controller still hears of it
  EXPECT_TRUE(b.request({{"op", "drop"}, {"call", call}})["ok"].get<bool>());
}

TEST(Server, ForwardingChangesReachTheLinesWatchers) {
  Harness h(kOffice);
  Client a(h.port()), m(h.port());
  a.request({{"op", "open"}, {"line", "201"}});
  m.request({{"op", "monitor"}, {"line", "201"}});
  const json bad = a.request({{"op", "forward"}, {"line", "201"}, {"forwarding", {{{"when", "sometimes"}}}}});
  EXPECT_EQ(bad["error"], "LINEERR_INVALPARAM");
  const json fwd = a.request({{"op", "forward"}, {"line", "201"},
                              {"forwarding", {{{"when", "busy"}, {"to", "202"}}, {{"when", "no_answer"}, {"to", "300"}, {"after", "12s"}}}}});
  ASSERT_TRUE(fwd["ok"].get<bool>()) << fwd;
  for (Client* c : {&a, &m}) {
    const json e = c->event("address_state");
    EXPECT_EQ(e["state"], "FORWARD");
    ASSERT_EQ(e["forwarding"].size(), 2u);
    EXPECT_EQ(e["forwarding"][1]["after"], "12s");
  }
  EXPECT_EQ(m.request({{"op", "line_status"}, {"line", "201"}})["forwarding"].size(), 2u);
  EXPECT_EQ(m.request({{"op", "line_status"}, {"line", "201"}})["controller"], "client-1");
}

TEST(Server, UntilEndsTheRunAndTellsTheClients) {
  ServerOptions o;
  // Generous in wall time (3 s) so a loaded machine still places the call well before the end.
  o.until = 6s;
  o.speed = 2;
  Harness h(kOffice, o);
  Client a(h.port());
  a.request({{"op", "open"}, {"line", "201"}});
  const std::string call = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}})["call"];
  a.event("call_state", call, "RINGBACK");
  // The run ends at 6 s simulated with the call still ringing: it is cleared, and said so.
  a.event("call_state", call, "IDLE");
  EXPECT_EQ(a.event("shutdown")["reason"], "reached --until");
  EXPECT_TRUE(a.closed_by_server());
  h.join();
  ASSERT_TRUE(h.server().result());
  EXPECT_EQ(h.result().sim_time, SimTime(6s));
  EXPECT_EQ(h.result().cleared_at_end, 2u);
}

TEST(Server, ScenarioStepsAndTheirVerdictsRunInRealTime) {
  Harness h(R"(
name: judge
pbx:
  extensions: ["201", {number: "400", behavior: {hangup_after: 30s}}]
  timing: {no_answer_timeout: 200s}
steps:
  - {at: 1s, do: make_call, line: "400", to: "201", as: customer}
  - {expect: {call: customer, state: CONNECTED}, within: 100s}
)");
  Client app(h.port());
  app.request({{"op", "open"}, {"line", "201"}});
  const std::string incoming = app.event("call_state", "", "OFFERING")["call"];
  EXPECT_TRUE(app.request({{"op", "answer"}, {"call", incoming}})["ok"].get<bool>());
  app.event("call_state", incoming, "CONNECTED");
  h.stop();
  ASSERT_EQ(h.result().expectations.size(), 1u);
  EXPECT_TRUE(h.result().expectations[0].ok) << h.result().expectations[0].message;
}

}  // namespace
}  // namespace telsim

namespace telsim {
namespace {

// Modems are lines their AT interpreters control: clients see them in list_lines and follow
// them with monitor (modem_state events). A client that opens one and closes it again leaves
// the modem to its terminal.
TEST(Server, ModemLinesAreListedAndMonitored) {
  Harness h(R"(
name: modems
pbx:
  extensions: ["201"]
modems:
  - {name: m1, number: "400", speed: 33600, handshake: 1s}
  - {name: m2, number: "401", speed: 28800, handshake: 1s, registers: {S0: 1}}
steps:
  - {at: 60s, do: modem_send, modem: m1, data: "ATD401\r"}  # 6 s of wall time to start monitoring
  - {expect: {modem: m1, output: "CONNECT 28800"}, within: 10s}
)");
  Client c(h.port());
  const json lines = c.request({{"op", "list_lines"}});
  std::map<std::string, json> by_number;
  for (const json& l : lines["lines"]) by_number[l["line"].get<std::string>()] = l;
  EXPECT_EQ(by_number["201"]["kind"], "extension");
  EXPECT_FALSE(by_number["201"].contains("modem"));
  EXPECT_EQ(by_number["400"]["kind"], "modem");
  EXPECT_EQ(by_number["400"]["modem"]["name"], "m1");
  EXPECT_EQ(by_number["401"]["modem"]["speed"], 28800);
  EXPECT_EQ(by_number["400"]["name"], "Modem m1");
  ASSERT_TRUE(c.request({{"op", "open"}, {"line", "400"}})["ok"].get<bool>());
  ASSERT_TRUE(c.request({{"op", "close"}, {"line", "400"}})["ok"].get<bool>());
  ASSERT_TRUE(c.request({{"op", "monitor"}, {"line", "*"}})["ok"].get<bool>());
  const json dialing = c.event("modem_state", "", "dialing");
  EXPECT_EQ(dialing["modem"], "m1");
  EXPECT_EQ(dialing["line"], "400");
  const json online = c.event("modem_state", "", "online");
  EXPECT_EQ(online["speed"], 28800);
  EXPECT_EQ(online["dcd"], true);
  h.stop();
  ASSERT_EQ(h.result().failed(), 0u);
  EXPECT_EQ(h.result().modems.size(), 2u);
  EXPECT_EQ(h.result().modems[1].stats.calls_answered, 1u);
}

// Unimodem's way: a client owns a modem's line and places a data call with make_call. The
// modem dials (no AT commands), trains with the far modem and goes online; an incoming call
// to another owned modem rings until the client answers it (no S0 auto-answer), and the
// owner's drop hangs both modems up. Every call ends IDLE in the records.
TEST(Server, AClientThatOwnsAModemsLineDialsAnswersAndHangsItUp) {
  Harness h(R"(
name: modem-lines
pbx:
  extensions: ["201"]
modems:
  - {name: m1, number: "400", speed: 33600, handshake: 1s}
  - {name: m2, number: "401", speed: 14400, handshake: 1s, registers: {S0: 1}}
)");
  Client c(h.port());
  ASSERT_TRUE(c.request({{"op", "open"}, {"line", "400"}})["ok"].get<bool>());
  ASSERT_TRUE(c.request({{"op", "open"}, {"line", "401"}, {"privilege", "OWNER"}, {"media_modes", {"DATAMODEM"}}})["ok"].get<bool>());
  const json made = c.request({{"op", "make_call"}, {"line", "400"}, {"to", "401"}});
  ASSERT_TRUE(made.value("ok", false)) << made;
  const std::string call = made["call"];
  EXPECT_EQ(c.event("modem_state", "", "dialing")["modem"], "m1");
  const json offered = c.event("new_call");
  EXPECT_EQ(offered["line"], "401");
  EXPECT_EQ(offered["privilege"], "OWNER");
  ASSERT_TRUE(c.request({{"op", "answer"}, {"call", offered["call"]}})["ok"].get<bool>());
  const json online = c.event("modem_state", "", "online");
  EXPECT_EQ(online["speed"], 14400);
  c.event("modem_state", "", "online");  // both
  ASSERT_TRUE(c.request({{"op", "drop"}, {"call", call}})["ok"].get<bool>());
  c.event("modem_state", "", "idle");
  c.event("modem_state", "", "idle");
  c.event("call_state", call, "IDLE");
  c.event("call_state", offered["call"], "IDLE");
  h.stop();
  ASSERT_EQ(h.result().failed(), 0u);
  EXPECT_EQ(h.result().modems[0].stats.calls_placed, 1u);
  EXPECT_EQ(h.result().modems[1].stats.calls_answered, 1u);
  EXPECT_EQ(h.result().modems[0].stats.connects, 1u);
}

TEST(Server, HelloTellsTheSwitchsOptions) {
  Harness defaults(kOffice);
  Client d(defaults.port());
  const json plain = d.request({{"op", "hello"}})["pbx"];
  // Every setting of the switch profile, what the switch has, and the operations it offers.
  for (const ProfileSetting& setting : profile_settings()) EXPECT_TRUE(plain.contains(setting.name)) << setting.name;
  EXPECT_EQ(plain["autoreconnect"], true);
  EXPECT_EQ(plain["confdrop"], true);
  EXPECT_EQ(plain["conference_max"], 5);
  EXPECT_EQ(plain["max_calls_per_line"], 8);
  EXPECT_EQ(plain["answer_mode"], "hold");
  EXPECT_EQ(plain["hold_recall"], nullptr);
  EXPECT_EQ(plain["park"], false);
  EXPECT_EQ(plain["pickup"], false);
  EXPECT_EQ(plain["operations"].size(), kOpCount);
  Harness h(R"(
name: options
pbx:
  extensions: ["201-203"]
  park: {orbits: "701-709"}
  pickup_groups: {desk: ["201", "202"]}
  autoreconnect: false
  confdrop: false
  conference_max: 3
  max_calls_per_line: 4
  answer_mode: drop
  hold_recall: 1min30s
)");
  Client c(h.port());
  const json pbx = c.request({{"op", "hello"}})["pbx"];
  EXPECT_EQ(pbx["autoreconnect"], false);
  EXPECT_EQ(pbx["confdrop"], false);
  EXPECT_EQ(pbx["conference_max"], 3);
  EXPECT_EQ(pbx["max_calls_per_line"], 4);
  EXPECT_EQ(pbx["answer_mode"], "drop");
  EXPECT_EQ(pbx["hold_recall"], "90s");
  EXPECT_EQ(pbx["park"], true);
  EXPECT_EQ(pbx["pickup"], true);
}

// An operation that changes a call's info but not its state is still reported: a camp-on gives
// the busy call its completion id (LINE_CALLINFO COMPLETIONID) while it stays BUSY.
TEST(Server, ACampOnReportsTheCompletionIdOfTheCallItKeeps) {
  Harness h(R"(
name: campon
pbx:
  extensions: ["201", {number: "202", behavior: busy}]
)");
  Client a(h.port());
  a.request({{"op", "open"}, {"line", "201"}});
  const std::string call = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}})["call"];
  a.event("call_state", call, "BUSY");
  const json reply = a.request({{"op", "complete_call"}, {"call", call}, {"mode", "CAMPON"}});
  ASSERT_TRUE(reply["ok"].get<bool>()) << reply;
  const json info = a.take(
      [&](const json& j) {
        return j.value("event", "") == "call_info" && j.value("call", "") == call &&
               j["changed"] == json{"COMPLETIONID"};
      },
      "call_info COMPLETIONID", 5s);
  EXPECT_EQ(info["completion"], reply["completion"]);
  a.request({{"op", "drop"}, {"call", call}});
}



// --- personalities on the wire -------------------------------------------------------------

/// An application as many are written: it dials and takes the call's progress as the switch it
/// was developed against reported it, DIALTONE, DIALING, PROCEEDING, RINGBACK, CONNECTED. What it
/// returns is the complaint it would log ("" when its assumption held).
std::string dialler_that_assumes_proceeding(Client& app) {
  app.request({{"op", "open"}, {"line", "201"}});
  const json made = app.request({{"op", "make_call"}, {"line", "201"}, {"to", "300"}});
  if (!made.value("ok", false)) return "make_call refused: " + made.dump();
  const std::string call = made["call"];
  std::vector<std::string> seen;
  for (;;) {
    const json e = app.event("call_state", call);
    if (e.empty()) return "no progress";
    seen.push_back(e["state"]);
    if (seen.back() == "CONNECTED" || seen.back() == "IDLE" || seen.back() == "DISCONNECTED") break;
  }
  app.request({{"op", "drop"}, {"call", call}});
  const auto proceeding = std::find(seen.begin(), seen.end(), "PROCEEDING");
  const auto ringback = std::find(seen.begin(), seen.end(), "RINGBACK");
  if (proceeding == seen.end()) return "CONNECTED without PROCEEDING";
  if (ringback != seen.end() && ringback < proceeding) return "RINGBACK before PROCEEDING";
  return "";
}

TEST(Server, AnApplicationThatAssumesProceedingIsCaughtBySwitchesThatSkipIt) {
  const auto office = [](const std::string& personality) {
    return std::string(kOffice) + "  personality: " + personality + "\n";
  };
  for (const auto& [personality, complaint] : std::vector<std::pair<std::string, std::string>>{
           {"strict", ""},
           {"key_system", "CONNECTED without PROCEEDING"},
           {"minimal", "CONNECTED without PROCEEDING"},
       }) {
    SCOPED_TRACE(personality);
    Harness h(office(personality));
    Client app(h.port());
    EXPECT_EQ(app.request({{"op", "hello"}})["pbx"]["personality"], personality);
    EXPECT_EQ(dialler_that_assumes_proceeding(app), complaint);
  }
}

// reply_delay: the reply is as late as the switch is slow; reply_order says whether the state
// events of the request come before it or after.
TEST(Server, ASlowSwitchRepliesLateBeforeOrAfterTheEvents) {
  for (const std::string order : {"before_events", "after_events"}) {
    SCOPED_TRACE(order);
    Harness h(std::string(kOffice) + "  reply_delay: 2s\n  reply_order: " + order + "\n");
    Client app(h.port());
    app.request({{"op", "open"}, {"line", "201"}});
    const double asked = app.request({{"op", "ping"}})["t"].get<double>();
    const long long id = app.send({{"op", "make_call"}, {"line", "201"}, {"to", "300"}});
    const json made = app.reply(id);
    ASSERT_TRUE(made.value("ok", false)) << made;
    EXPECT_GE(made["t"].get<double>(), asked + 2.0) << "the reply comes reply_delay after the request";
    const std::string call = made["call"];
    const json dialtone = app.event("call_state", call, "DIALTONE");
    const auto frames = app.all();
    const std::size_t reply_at = index_of(frames, [&](const json& j) { return j.contains("id") && j["id"] == id; });
    const std::size_t first_event =
        index_of(frames, [&](const json& j) { return j.contains("event") && j.value("call", "") == call; });
    if (order == "before_events") {
      EXPECT_LT(reply_at, first_event) << "the switch acts when it replies: the reply first";
      EXPECT_GE(dialtone["t"].get<double>(), asked + 2.0);
    } else {
      EXPECT_LT(first_event, reply_at) << "the events at once, the reply after them";
      EXPECT_LT(dialtone["t"].get<double>(), asked + 2.0);
    }
  }
}

// inject: a live test's faults. A refusal, a reply that never comes, and the link lost: every
// client cut off and newcomers turned away until it is back; the run's faults list each action.
TEST(Server, InjectedFaultsActOnTheWire) {
  Harness h(kOffice);
  Client a(h.port());
  a.request({{"op", "hello"}, {"name", "dialer"}});
  a.request({{"op", "open"}, {"line", "201"}});
  const json inj = a.request(
      {{"op", "inject"}, {"fault", {{"op", "make_call"}, {"nth", 1}, {"error", "LINEERR_RESOURCEUNAVAIL"}}}});
  EXPECT_EQ(inj["fault"], 1) << inj;
  EXPECT_EQ(inj["what"], "make_call #1: LINEERR_RESOURCEUNAVAIL");
  const json refused = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "300"}});
  EXPECT_EQ(refused["error"], "LINEERR_RESOURCEUNAVAIL") << refused;
  EXPECT_NE(refused.value("message", "").find("injected by fault 1"), std::string::npos) << refused;
  EXPECT_EQ(a.request({{"op", "inject"}, {"fault", {{"op", "drop"}, {"reply", "sometimes"}}}})["error"],
            "LINEERR_INVALPARAM");

  EXPECT_EQ(a.request({{"op", "inject"}, {"fault", {{"op", "drop"}, {"reply", "never"}}}})["fault"], 2);
  const json made = a.request({{"op", "make_call"}, {"line", "201"}, {"to", "300"}});
  ASSERT_TRUE(made.value("ok", false)) << made;
  const std::string call = made["call"];
  a.event("call_state", call, "CONNECTED");
  const long long drop = a.send({{"op", "drop"}, {"call", call}});
  a.event("call_state", call, "IDLE");  // the switch did drop it
  a.request({{"op", "ping"}});          // answered after the drop was carried out
  EXPECT_EQ(index_of(a.all(), [&](const json& j) { return j.contains("id") && j["id"] == drop; }), a.all().size())
      << "the drop's reply never comes";

  a.request({{"op", "inject"}, {"fault", {{"link", "down"}, {"for", "3s"}}}});
  EXPECT_TRUE(a.closed_by_server()) << "the link down cuts every client";
  bool turned_away = false, back = false;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!back && std::chrono::steady_clock::now() < deadline) {
    Client c(h.port());
    c.send({{"op", "ping"}});
    if (c.closed_by_server(2s)) {
      turned_away = true;
      continue;
    }
    back = !c.all().empty();
  }
  EXPECT_TRUE(turned_away) << "newcomers are turned away while the link is down";
  EXPECT_TRUE(back) << "and served once it is back";

  h.stop();
  const auto& faults = h.result().faults;
  ASSERT_EQ(faults.size(), 4u);
  EXPECT_EQ(faults[0].what, "refused make_call: LINEERR_RESOURCEUNAVAIL");
  EXPECT_EQ(faults[0].to, "line 201");
  EXPECT_EQ(faults[1].what, "drop: reply lost");
  EXPECT_EQ(faults[2].what, "link down for 3s");
  EXPECT_EQ(faults[3].what, "link up");
  EXPECT_EQ(faults[3].fault, 3);
}

// A stall: the server answers nothing until the switch resumes, then everything in order.
TEST(Server, AStalledServerAnswersWhenItResumes) {
  Harness h(kOffice);
  Client a(h.port());
  const json inj = a.request({{"op", "inject"}, {"fault", {{"stall", "server"}, {"for", "2s"}}}});
  const double from = inj["t"].get<double>();
  const long long first = a.send({{"op", "ping"}});
  const long long second = a.send({{"op", "open"}, {"line", "201"}});
  const json pong = a.reply(first);
  EXPECT_GE(pong["t"].get<double>(), from + 2.0) << "answered once the switch resumed";
  EXPECT_TRUE(a.reply(second).value("ok", false)) << "and the requests after it, in order";
}

}  // namespace
}  // namespace telsim
