// `telsim serve` as a live process (docs/cli.md, docs/protocol.md): the real executable in a
// child process, clients over loopback with plain POSIX sockets, then its exit code, summary
// lines and report files. Nothing here depends on how fast the machine is: every wait is for
// an event (or EOF, or the child's exit) with a generous timeout.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_support.hpp"
#include "cli/serve_support.hpp"


namespace telsim::cli_test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kTimeout = 20s;


// --- a blocking JSON-lines client ------------------------------------------------------------

class Conn {
 public:
  explicit Conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return fd_ >= 0; }

  /// Close abruptly: SO_LINGER 0 makes close() send a RST (a crashed client).
  void abort() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }

  long long send(json j) {
    if (!j.contains("id")) j["id"] = next_id_++;
    const std::string text = j.dump() + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    return j["id"].get<long long>();
  }

  /// Send a request and wait for its reply (events meanwhile are kept in frames()).
  json request(json j) {
    const long long id = send(std::move(j));
    const auto at = wait_for([id](const json& f) { return !f.contains("event") && f.value("id", json()) == id; });
    return at ? frames_[*at] : json{{"ok", false}, {"error", "<no reply>"}};
  }

  /// Index of the first frame at or after `from` that satisfies `pred`, reading as needed.
  std::optional<std::size_t> wait_for(const std::function<bool(const json&)>& pred, std::size_t from = 0) {
    const auto deadline = Clock::now() + kTimeout;
    for (;;) {
      for (std::size_t i = from; i < frames_.size(); ++i)
        if (pred(frames_[i])) return i;
      from = std::max(from, frames_.size());
      if (eof_ || !read_some(deadline)) return std::nullopt;
    }
  }

  /// Read until the server closes the connection; false if it did not in time.
  bool wait_eof() {
    const auto deadline = Clock::now() + kTimeout;
    while (!eof_)
      if (!read_some(deadline)) return false;
    return true;
  }

  const std::vector<json>& frames() const { return frames_; }
  std::string transcript() const {
    std::string s;
    for (const json& f : frames_) s += f.dump() + "\n";
    return s + (eof_ ? "<EOF>\n" : "");
  }

 private:
  bool read_some(Clock::time_point deadline) {
    if (fd_ < 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return true;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
      json j = json::parse(pending_.substr(0, nl), nullptr, false);
      pending_.erase(0, nl + 1);
      frames_.push_back(j.is_discarded() ? json{{"unparsable", true}} : std::move(j));
    }
    return true;
  }

  int fd_ = -1;
  long long next_id_ = 1;
  bool eof_ = false;
  std::string pending_;
  std::vector<json> frames_;
};

auto call_state(const std::string& call, const std::string& state) {
  return [call, state](const json& f) {
    return f.value("event", "") == "call_state" && f.value("call", "") == call && f.value("state", "") == state;
  };
}
auto on_line(const std::string& line, const std::string& state) {
  return [line, state](const json& f) {
    return f.value("event", "") == "call_state" && f.value("line", "") == line && f.value("state", "") == state;
  };
}
auto event_is(const std::string& name) {
  return [name](const json& f) { return f.value("event", "") == name; };
}

/// Open `line` on a fresh connection named `name`; the test fails if either is refused.
void hello_and_open(Conn& c, const std::string& name, const std::string& line) {
  ASSERT_TRUE(c.connected());
  const json h = c.request({{"op", "hello"}, {"version", 1}, {"name", name}});
  ASSERT_TRUE(h.value("ok", false)) << h.dump();
  const json o = c.request({{"op", "open"}, {"line", line}});
  ASSERT_TRUE(o.value("ok", false)) << o.dump();
}

// --- cdr.csv ---------------------------------------------------------------------------------

struct Cdr {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t col(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    ADD_FAILURE() << "cdr.csv has no column " << name;
    return 0;
  }
  std::string at(std::size_t row, const std::string& name) const {
    const std::size_t c = col(name);
    return c < rows[row].size() ? rows[row][c] : "";
  }
};

// Good enough for the fields these tests read (no quoted commas in them).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (char ch : line) {
    if (ch == '"') quoted = !quoted;
    else if (ch == ',' && !quoted) {
      out.push_back(cell);
      cell.clear();
    } else cell += ch;
  }
  out.push_back(cell);
  return out;
}

Cdr load_cdr(const fs::path& p) {
  Cdr cdr;
  std::istringstream in(read_file(p));
  std::string line;
  if (std::getline(in, line)) cdr.header = split_csv(line);
  while (std::getline(in, line))
    if (!line.empty()) cdr.rows.push_back(split_csv(line));
  return cdr;
}

const std::string kTwoLines = R"yaml(name: serve-two-lines
pbx:
  extensions: ["201-202"]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 10ms}
)yaml";

/// 201 (alice) calls 202 (bob), bob answers; both see CONNECTED. Returns the two call handles.
std::pair<std::string, std::string> connect_call(Conn& alice, Conn& bob) {
  const json r = alice.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}});
  EXPECT_TRUE(r.value("ok", false)) << r.dump();
  const std::string ca = r.value("call", "");
  const auto offered = bob.wait_for(on_line("202", "OFFERING"));
  EXPECT_TRUE(offered) << bob.transcript();
  if (!offered) return {ca, ""};
  const std::string cb = bob.frames()[*offered].value("call", "");
  const json a = bob.request({{"op", "answer"}, {"call", cb}});
  EXPECT_TRUE(a.value("ok", false)) << a.dump();
  EXPECT_TRUE(alice.wait_for(call_state(ca, "CONNECTED"))) << alice.transcript();
  EXPECT_TRUE(bob.wait_for(call_state(cb, "CONNECTED"))) << bob.transcript();
  return {ca, cb};
}

// --- tests -----------------------------------------------------------------------------------

TEST(Serve, SigtermMidCallClearsCallsTellsClientsAndWritesReports) {
  TempDir dir;
  write_file(dir / "s.yaml", kTwoLines);
  const fs::path rep = dir / "rep";
  ServeProcess serve(dir.path(), {(dir / "s.yaml").string(), "--listen", "127.0.0.1:0", "--report", rep.string()});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();
  EXPECT_NE(serve.first_line().find("serve-two-lines"), std::string::npos) << serve.first_line();

  Conn alice(serve.port()), bob(serve.port());
  hello_and_open(alice, "alice", "201");
  hello_and_open(bob, "bob", "202");
  const auto [ca, cb] = connect_call(alice, bob);
  ASSERT_FALSE(HasFailure());

  ASSERT_EQ(::kill(serve.pid(), SIGTERM), 0);
  for (auto* c : {&alice, &bob}) {
    const std::string call = c == &alice ? ca : cb;
    const auto disc = c->wait_for(call_state(call, "DISCONNECTED"));
    const auto idle = c->wait_for(call_state(call, "IDLE"));
    const auto down = c->wait_for(event_is("shutdown"));
    ASSERT_TRUE(disc && idle && down) << c->transcript();
    EXPECT_LT(*disc, *idle) << c->transcript();
    EXPECT_LT(*idle, *down) << c->transcript();
    EXPECT_TRUE(c->wait_eof()) << c->transcript();
    EXPECT_EQ(*down + 1, c->frames().size()) << "shutdown is the last frame\n" << c->transcript();
  }
  EXPECT_EQ(serve.wait_exit(), 0) << serve.describe();
  EXPECT_NE(serve.out().find("pacing: "), std::string::npos) << serve.describe();
  EXPECT_NE(serve.out().find("clients: 2 connections"), std::string::npos) << serve.describe();

  EXPECT_TRUE(fs::exists(rep / "report.json"));
  const Cdr cdr = load_cdr(rep / "cdr.csv");
  ASSERT_EQ(cdr.rows.size(), 2u) << read_file(rep / "cdr.csv");
  for (std::size_t i = 0; i < cdr.rows.size(); ++i) {
    EXPECT_EQ(cdr.at(i, "cleared_at_end"), "true") << read_file(rep / "cdr.csv");
    EXPECT_NE(cdr.at(i, "answer_s"), "") << read_file(rep / "cdr.csv");
  }
}

// Traffic alone: 2 minutes of calls among twenty extensions, ending well before --until.
const std::string kServedTraffic = R"yaml(name: served-traffic
seed: 3
pbx:
  extensions: ["201-220"]
traffic:
  - {from: "201-210", to: "211-220", arrivals: "poisson(60/min)", holding: "exponential(20s)", for: 2min}
)yaml";

TEST(Serve, StreamsItsRecordsAsTelsimRunDoesWithStatsRowsUpToTheEnd) {
  // The server hands each call's record to the report stream as the call ends (it keeps none),
  // so its cdr.csv is the one `telsim run` writes for the same scenario and seed, and
  // --stats-interval gives stats.csv rows up to the end of the serve (--until).
  TempDir dir;
  write_file(dir / "s.yaml", kServedTraffic);
  const fs::path served = dir / "served", ran = dir / "ran";
  ServeProcess serve(dir.path(), {(dir / "s.yaml").string(), "--listen", "127.0.0.1:0", "--speed", "1000",
                                  "--until", "3min", "--quiet", "--report", served.string(),
                                  "--stats-interval", "30s"});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();
  ASSERT_EQ(serve.wait_exit(), 0) << serve.describe();
  const Result run = run_telsim("run " + quote((dir / "s.yaml").string()) + " --report " + quote(ran.string()) +
                                " --stats-interval 30s --quiet");
  ASSERT_EQ(run.status, 0) << describe(run);

  const std::string cdr = read_file(served / "cdr.csv");
  EXPECT_GT(std::count(cdr.begin(), cdr.end(), '\n'), 100) << cdr;
  EXPECT_EQ(cdr, read_file(ran / "cdr.csv"));
  const Cdr rows = load_cdr(served / "cdr.csv");
  for (std::size_t i = 0; i < rows.rows.size(); ++i) EXPECT_EQ(rows.at(i, "cleared_at_end"), "false");

  // Six intervals of 30 s to 180 s; the same rows as the run's up to its own end.
  std::istringstream stats(read_file(served / "stats.csv"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(stats, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 7u) << read_file(served / "stats.csv");
  EXPECT_EQ(lines[1].rfind("0.000,30.000,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[6].rfind("150.000,180.000,", 0), 0u) << lines[6];
  std::istringstream ran_stats(read_file(ran / "stats.csv"));
  std::string ran_line;
  for (std::size_t i = 0; i < 6 && std::getline(ran_stats, ran_line); ++i) EXPECT_EQ(lines[i], ran_line) << i;
}

// Step 1s: automatic 400 calls 201; only a client can answer it (line 8 of the YAML).
const std::string kJudged = R"yaml(name: judged-by-clients
pbx:
  extensions: ["201", {number: "400", behavior: {hangup_after: 30s}}]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 10ms}
steps:
  - {at: 1s, do: make_call, line: "400", to: "201", as: x}
  # a client must answer this within the window
  - {expect: {call: x, state: CONNECTED}, within: 10s}
)yaml";
constexpr int kJudgedLine = 8;

TEST(Serve, ExpectationHoldsWhenAClientAnswers) {
  TempDir dir;
  write_file(dir / "s.yaml", kJudged);
  // speed 2: the client has 5 s of wall time to answer; --until ends the run after the window.
  ServeProcess serve(dir.path(), {(dir / "s.yaml").string(), "--listen", "127.0.0.1:0", "--speed", "2",
                                  "--until", "12s"});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();
  Conn phone(serve.port());
  hello_and_open(phone, "phone", "201");
  const auto offered = phone.wait_for(on_line("201", "OFFERING"));
  ASSERT_TRUE(offered) << phone.transcript();
  const json a = phone.request({{"op", "answer"}, {"call", phone.frames()[*offered].value("call", "")}});
  EXPECT_TRUE(a.value("ok", false)) << a.dump();
  EXPECT_TRUE(phone.wait_for(on_line("201", "CONNECTED"))) << phone.transcript();
  EXPECT_TRUE(phone.wait_for(event_is("shutdown"))) << phone.transcript();
  EXPECT_TRUE(phone.wait_eof());
  EXPECT_EQ(serve.wait_exit(), 0) << serve.describe();
  EXPECT_NE(serve.out().find("expectations: 1 passed, 0 failed"), std::string::npos) << serve.describe();
  EXPECT_NE(serve.out().find("verdict: PASS"), std::string::npos) << serve.describe();
}

TEST(Serve, ExpectationFailsWithoutAClientAndNamesTheYamlLine) {
  TempDir dir;
  const fs::path yaml = dir / "s.yaml";
  write_file(yaml, kJudged);
  ServeProcess serve(dir.path(), {yaml.string(), "--listen", "127.0.0.1:0", "--speed", "20", "--until", "12s"});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();
  EXPECT_EQ(serve.wait_exit(), 1) << serve.describe();
  const std::string out = serve.out();
  EXPECT_NE(out.find("FAIL  " + yaml.string() + ":" + std::to_string(kJudgedLine)), std::string::npos)
      << serve.describe();
  EXPECT_NE(out.find("expectations: 0 passed, 1 failed"), std::string::npos) << serve.describe();
  EXPECT_NE(out.find("verdict: FAIL"), std::string::npos) << serve.describe();
}

TEST(Serve, ClientKilledMidCallDropsItsCallAndThePeerHearsIt) {
  TempDir dir;
  write_file(dir / "s.yaml", kTwoLines);
  const fs::path rep = dir / "rep";
  ServeProcess serve(dir.path(), {(dir / "s.yaml").string(), "--listen", "127.0.0.1:0", "--report", rep.string()});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();

  Conn alice(serve.port()), bob(serve.port());
  hello_and_open(alice, "alice", "201");
  hello_and_open(bob, "bob", "202");
  const auto [ca, cb] = connect_call(alice, bob);
  ASSERT_FALSE(HasFailure());

  alice.abort();  // RST, as if the process died
  const auto disc = bob.wait_for(call_state(cb, "DISCONNECTED"));
  ASSERT_TRUE(disc) << bob.transcript();
  EXPECT_EQ(bob.frames()[*disc].value("mode_name", ""), "NORMAL") << bob.transcript();
  // The line alice held is free again.
  const json st = bob.request({{"op", "line_status"}, {"line", "201"}});
  EXPECT_TRUE(st.value("ok", false)) << st.dump();
  EXPECT_TRUE(st.value("controller", json()).is_null()) << st.dump();
  EXPECT_TRUE(st.value("calls", json::array()).empty()) << st.dump();
  // Bob hangs up his side as a phone would.
  EXPECT_TRUE(bob.request({{"op", "drop"}, {"call", cb}}).value("ok", false));
  EXPECT_TRUE(bob.wait_for(call_state(cb, "IDLE"))) << bob.transcript();

  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.describe();
  const Cdr cdr = load_cdr(rep / "cdr.csv");
  ASSERT_EQ(cdr.rows.size(), 2u) << read_file(rep / "cdr.csv");
  for (std::size_t i = 0; i < cdr.rows.size(); ++i) {
    EXPECT_NE(cdr.at(i, "end_s"), "") << read_file(rep / "cdr.csv");
    EXPECT_EQ(cdr.at(i, "cleared_at_end"), "false") << read_file(rep / "cdr.csv");
  }
  EXPECT_NE(serve.out().find("0 cleared at end of run"), std::string::npos) << serve.describe();
}

TEST(Serve, NonLoopbackNeedsATokenAndClientsMustAuthenticate) {
  {
    TempDir dir;
    write_file(dir / "s.yaml", kTwoLines);
    ServeProcess serve(dir.path(), {(dir / "s.yaml").string(), "--listen", "0.0.0.0:0"});
    EXPECT_EQ(serve.wait_exit(), 2) << serve.describe();
    EXPECT_NE(serve.err().find("token"), std::string::npos) << serve.describe();
  }
  TempDir dir;
  write_file(dir / "s.yaml", kTwoLines);
  ServeProcess serve(dir.path(), {(dir / "s.yaml").string(), "--listen", "0.0.0.0:0", "--token", "secret"});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();
  EXPECT_NE(serve.first_line().find("token required"), std::string::npos) << serve.first_line();
  {
    Conn c(serve.port());  // only ever 127.0.0.1
    ASSERT_TRUE(c.connected());
    const json r = c.request({{"op", "make_call"}, {"line", "201"}, {"to", "202"}});
    EXPECT_FALSE(r.value("ok", true)) << r.dump();
    EXPECT_EQ(r.value("error", ""), "LINEERR_OPERATIONUNAVAIL") << r.dump();
    for (int i = 0; i < 3; ++i) c.send({{"op", "auth"}, {"token", "wrong"}});
    EXPECT_TRUE(c.wait_eof()) << "three wrong tokens close the connection\n" << c.transcript();
  }
  {
    Conn c(serve.port());
    const json r = c.request({{"op", "auth"}, {"token", "secret"}});
    EXPECT_TRUE(r.value("ok", false)) << r.dump();
    const json o = c.request({{"op", "open"}, {"line", "201"}});
    EXPECT_TRUE(o.value("ok", false)) << o.dump();
  }
  {
    Conn c(serve.port());  // or in hello
    const json h = c.request({{"op", "hello"}, {"version", 1}, {"token", "secret"}});
    EXPECT_TRUE(h.value("ok", false)) << h.dump();
    EXPECT_EQ(h.value("auth_required", true), false) << h.dump();
  }
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.describe();
  EXPECT_NE(serve.out().find("3 failed authentications"), std::string::npos) << serve.describe();
}

TEST(Serve, ClientConsoleRunsAHereDocScript) {
  TempDir dir;
  write_file(dir / "s.yaml", R"yaml(name: console
pbx:
  extensions: ["201", {number: "300", behavior: {answer_after: 100ms}}]
  timing: {dialtone_delay: 0, digit_time: 0, post_dial_delay: 10ms}
)yaml");
  ServeProcess serve(dir.path(), {(dir / "s.yaml").string(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();
  const std::string cmd = "--connect 127.0.0.1:" + std::to_string(serve.port()) + " <<'EOF'\n"
                          "open line=201\n"
                          "make_call line=201 to=300\n"
                          "wait \"state\":\"CONNECTED\"\n"
                          "drop call=c1\n"
                          "wait IDLE\n"
                          "EOF\n";
  // run_telsim redirects stdin from /dev/null after the here-doc; the here-doc comes last.
  TempDir io;
  const std::string full = quote(TELSIM_EXE) + " client >" + quote((io / "out").string()) + " 2>" +
                           quote((io / "err").string()) + " " + cmd;
  const int raw = std::system(full.c_str());
  const int code = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  const std::string out = read_file(io / "out"), err = read_file(io / "err");
  EXPECT_EQ(code, 0) << out << err;
  EXPECT_NE(out.find(R"("ok":true)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("call":"c1")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("state":"CONNECTED")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("state":"IDLE")"), std::string::npos) << out;
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.describe();
}

// The contact-centre example under `telsim serve`: a supervisor's wallboard lists the queues,
// hears LINE_QUEUESTATUS as callers from the PSTN join them, and reads LINEQUEUEINFO.
TEST(Serve, ASupervisorReadsTheContactCentresQueuesOverTheWire) {
  TempDir dir;
  const std::string example = std::string(TELSIM_SOURCE_DIR) + "/scenarios/examples/contact_centre.yaml";
  ServeProcess serve(dir.path(), {example, "--listen", "127.0.0.1:0", "--speed", "100", "--until", "2h"});
  ASSERT_TRUE(serve.wait_listening()) << serve.describe();
  Conn board(serve.port());
  ASSERT_TRUE(board.request({{"op", "hello"}, {"version", 1}, {"name", "wallboard"}}).value("ok", false));
  const json hello_pbx = board.request({{"op", "hello"}, {"version", 1}})["pbx"];
  EXPECT_EQ(hello_pbx["acd"], (json{{"queues", 2}, {"agents", 10}}));
  const json list = board.request({{"op", "queue_list"}});
  EXPECT_EQ(list["queues"], (json::array({{{"id", 1}, {"name", "sales"}, {"number", "500"}},
                                          {{"id", 2}, {"name", "support"}, {"number", "600"}}})));
  ASSERT_TRUE(board.request({{"op", "monitor"}, {"line", "*"}}).value("ok", false));
  const auto status = board.wait_for(event_is("queue_status"));
  ASSERT_TRUE(status) << board.transcript();
  const json frame = board.frames()[*status];  // a copy: the request below may grow frames()
  const json info = board.request({{"op", "queue_info"}, {"queue", frame.value("queue", "")}});
  ASSERT_TRUE(info.value("ok", false)) << info.dump();
  EXPECT_EQ(info["queue_id"], frame["queue_id"]);
  EXPECT_GE(info.value("total_calls_queued", 0), 1);
  const json agent = board.request({{"op", "agent_status"}, {"line", "605"}});
  EXPECT_EQ(agent["groups"], (json::array({{{"id", 1}, {"name", "sales"}}, {{"id", 2}, {"name", "support"}}})));
}


}  // namespace
}  // namespace telsim::cli_test
