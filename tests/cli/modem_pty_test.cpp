// Simulated modems as real devices: `telsim serve` gives each modem a pseudo-terminal, and
// real AT clients drive them through it — ppp's `chat` dials one modem from another, a test
// program moves data both ways and checks it, sends the Unimodem init string, tries +++ with
// and without its guard times, and drops DTR by closing the port or setting the speed to B0.
// No root, no real serial port: ptys only, loopback only. Nothing here depends on how fast the
// machine is: every wait is for bytes, with generous deadlines, and the one timing check is
// a lower bound (data cannot cross faster than the line rate).
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cli/serve_support.hpp"

namespace telsim::cli_test {
namespace {

using Clock = std::chrono::steady_clock;

/// One end of a serial line as a terminal program opens it: a file descriptor in raw mode,
/// with everything read kept for searching.
class Port {
 public:
  explicit Port(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd_ < 0) ADD_FAILURE() << "cannot open " << path << ": " << std::strerror(errno);
  }
  explicit Port(int fd) : fd_(fd) {}
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;
  ~Port() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EAGAIN) {
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, 100);
        continue;
      }
      ASSERT_GT(n, 0) << std::strerror(errno);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  /// Read whatever is there within `wait`.
  void pump(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      seen_.append(buf, static_cast<std::size_t>(n));
    }
  }
  /// Wait until what was read (and not yet consumed) matches `re`; consume up to the match.
  bool expect(const std::string& re, std::chrono::seconds timeout = 20s, std::string* matched = nullptr) {
    const std::regex r(re);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      std::smatch m;
      if (std::regex_search(seen_, m, r)) {
        if (matched) *matched = m.str(0);
        seen_.erase(0, static_cast<std::size_t>(m.position(0) + m.length(0)));
        return true;
      }
      if (Clock::now() > deadline) return false;
      pump(50ms);
    }
  }
  /// Read until `n` bytes have come (or the timeout); returns them.
  std::string take(std::size_t n, std::chrono::seconds timeout = 30s) {
    const auto deadline = Clock::now() + timeout;
    while (seen_.size() < n && Clock::now() < deadline) pump(50ms);
    std::string out = seen_.substr(0, std::min(n, seen_.size()));
    seen_.erase(0, out.size());
    return out;
  }
  /// What has been read and not consumed (after reading for `wait`).
  std::string pending(std::chrono::milliseconds wait = 0ms) {
    pump(wait);
    return seen_;
  }

 private:
  int fd_ = -1;
  std::string seen_;
};

std::string printable(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

/// The path of ppp's chat(8), which CI installs (scripts/install-deps).
std::string chat_program() {
  for (const char* p : {"/usr/sbin/chat", "/usr/bin/chat", "/sbin/chat"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

/// A server with two modems on ptys: m1 (400, 33600) calls, m2 (401, 28800) answers on the
/// second ring; m2 also has a TCP port.
class ModemPtyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m1_path = dir / "dev" / "modem1";  // the folder does not exist yet: serve makes it
    m2_path = dir / "dev" / "modem2";
    scenario = dir / "modems.yaml";
    write_file(scenario, "name: pty-modems\n"
                         "pbx:\n"
                         "  extensions: [{number: \"201\", behavior: {answer_after: 1s}}]\n"
                         "  timing: {ring_cadence: 2s}\n"
                         "modems:\n"
                         "  - {name: m1, number: \"400\", speed: 33600, handshake: 1s, pty: " +
                             m1_path.string() + "}\n"
                         "  - {name: m2, number: \"401\", speed: 28800, handshake: 1s, pty: " +
                             m2_path.string() + ", tcp: \"127.0.0.1:0\", registers: {S0: 2}}\n");
    server = std::make_unique<ServeProcess>(dir.path(), std::vector<std::string>{scenario.string(), "--listen",
                                                                                  "127.0.0.1:0"});
    ASSERT_TRUE(server->wait_listening()) << server->describe();
  }

  /// m1 dials m2 (whose port the test holds open, so its DTR is up) and both connect.
  void connect(Port& a, Port& b) {
    a.write("ATE0\r");
    ASSERT_TRUE(a.expect("OK\r\n")) << printable(a.pending());
    a.write("ATDT401\r");
    ASSERT_TRUE(b.expect("RING\r\n")) << printable(b.pending());
    ASSERT_TRUE(b.expect("RING\r\n")) << printable(b.pending());  // S0=2: answers now
    ASSERT_TRUE(b.expect("CONNECT 28800\r\n")) << printable(b.pending());
    ASSERT_TRUE(a.expect("CONNECT 28800\r\n")) << printable(a.pending());
  }

  TempDir dir;
  fs::path m1_path, m2_path, scenario;
  std::unique_ptr<ServeProcess> server;
};

TEST_F(ModemPtyTest, ChatDialsOneModemFromTheOtherAndGetsConnect) {
  const std::string chat = chat_program();
  ASSERT_FALSE(chat.empty()) << "ppp's chat(8) is missing: apt-get install ppp (scripts/install-deps does)";
  Port answerer(m2_path);  // holding m2 open raises its DTR, so it auto-answers
  const fs::path log = dir / "chat.log";
  const std::string cmd = quote(chat) + " -v -s -t 20 '' AT OK ATDT401 'CONNECT\\s28800' <" + quote(m1_path.string()) +
                          " >" + quote(m1_path.string()) + " 2>" + quote(log.string());
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc)) << cmd;
  EXPECT_EQ(WEXITSTATUS(rc), 0) << "chat failed; its log:\n" << read_file(log);
  EXPECT_NE(read_file(log).find("CONNECT 28800"), std::string::npos) << read_file(log);
  EXPECT_TRUE(answerer.expect("RING\r\n\r\nRING\r\n\r\nCONNECT 28800\r\n")) << printable(answerer.pending());
  // chat has exited and closed m1: DTR dropped, so m1 hung up and m2 lost its carrier.
  EXPECT_TRUE(answerer.expect("NO CARRIER\r\n")) << printable(answerer.pending());
}

TEST_F(ModemPtyTest, DataCrossesBothWaysIntactAndNoFasterThanTheLineRate) {
  Port a(m1_path), b(m2_path);
  connect(a, b);
  std::mt19937 rng(7);
  std::string to_b(4096, '\0'), to_a(3000, '\0');
  for (char& c : to_b) c = static_cast<char>(rng());
  for (char& c : to_a) c = static_cast<char>(rng());
  const auto start = Clock::now();
  a.write(to_b);
  b.write(to_a);
  const std::string got_b = b.take(to_b.size());
  const std::string got_a = a.take(to_a.size());
  const auto elapsed = Clock::now() - start;
  ASSERT_EQ(got_b.size(), to_b.size());
  ASSERT_EQ(got_a.size(), to_a.size());
  EXPECT_TRUE(got_b == to_b) << "the bytes m2 received differ from what m1 sent";
  EXPECT_TRUE(got_a == to_a) << "the bytes m1 received differ from what m2 sent";
  auto sum = [](const std::string& s) {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : s) h = (h ^ c) * 16777619u;
    return h;
  };
  EXPECT_EQ(sum(got_b), sum(to_b));
  // 4096 bytes of 10 bits at 28800 bit/s need 1.42 s: a bound a slow machine cannot break.
  const double seconds = std::chrono::duration<double>(elapsed).count();
  EXPECT_GE(seconds, 4096 * 10 / 28800.0 - 0.01);
  std::printf("[modem-pty] 4096 bytes m1->m2 and 3000 bytes m2->m1 at 28800 bit/s took %.3f s of wall time "
              "(line-rate minimum %.3f s)\n", seconds, 4096 * 10 / 28800.0);
  EXPECT_EQ(a.pending(200ms), "");  // nothing else arrived: no stray result codes
}

TEST_F(ModemPtyTest, UnimodemInitStringIsAcceptedAndUnknownCommandsAreErrors) {
  Port a(m1_path);
  a.write("AT &F E0 V1 &D2 &C1 W2 S95=47\r");
  EXPECT_TRUE(a.expect("^AT &F E0 V1 &D2 &C1 W2 S95=47\r\r\nOK\r\n$")) << printable(a.pending());
  a.write("ATS95?\r");
  EXPECT_TRUE(a.expect("^\r\n047\r\n\r\nOK\r\n$")) << printable(a.pending());
  a.write("ATV0\rAT&Q9\r");
  EXPECT_TRUE(a.expect("^0\r4\r$")) << printable(a.pending());
}

TEST_F(ModemPtyTest, PlusesAreAnEscapeOnlyWithTheGuardTimes) {
  Port a(m1_path), b(m2_path);
  connect(a, b);
  // Data right before the pluses, or right after them: they are data for the far end.
  a.write("x+++");
  ASSERT_TRUE(b.expect("^x\\+\\+\\+$")) << printable(b.pending());
  std::this_thread::sleep_for(1500ms);  // more than S12 (1 s) of silence...
  a.write("+++y");
  ASSERT_TRUE(b.expect("^\\+\\+\\+y$")) << printable(b.pending());
  EXPECT_EQ(a.pending(2500ms), "") << "no OK: 'y' came within the guard time";
  // Silence before and after: the modem answers OK in command mode, the call still up.
  std::this_thread::sleep_for(1500ms);
  a.write("+++");
  ASSERT_TRUE(a.expect("^\r\nOK\r\n$")) << printable(a.pending());
  a.write("ATO\r");
  ASSERT_TRUE(a.expect("^\r\nCONNECT 28800\r\n$")) << printable(a.pending());
  a.write("back online");
  EXPECT_TRUE(b.expect("\\+\\+\\+back online$")) << printable(b.pending());
}

TEST_F(ModemPtyTest, ClosingThePortOrSettingSpeedZeroDropsDtrAndHangsUp) {
  Port b(m2_path);
  {
    Port a(m1_path);
    connect(a, b);
  }  // m1's only opener closes it: DTR drops, &D2 hangs up
  ASSERT_TRUE(b.expect("^\r\nNO CARRIER\r\n$")) << printable(b.pending());
  Port a(m1_path);
  connect(a, b);
  termios t{};
  ASSERT_EQ(::tcgetattr(a.fd(), &t), 0);
  ::cfsetospeed(&t, B0);  // POSIX: hang up
  ASSERT_EQ(::tcsetattr(a.fd(), TCSANOW, &t), 0);
  EXPECT_TRUE(a.expect("^\r\nNO CARRIER\r\n$")) << printable(a.pending());
  EXPECT_TRUE(b.expect("^\r\nNO CARRIER\r\n$")) << printable(b.pending());
}

TEST_F(ModemPtyTest, TheTcpPortIsATerminalToo) {
  // The server names the port it bound in its log (before it says it is listening).
  std::smatch m;
  const std::string err = server->err();
  ASSERT_TRUE(std::regex_search(err, m, std::regex("modem m2 .* tcp 127\\.0\\.0\\.1:([0-9]+)"))) << err;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(m[1].str())));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  Port b(fd);
  b.write("ATE0\r");
  ASSERT_TRUE(b.expect("OK\r\n")) << printable(b.pending());
  Port a(m1_path);
  connect(a, b);  // the TCP terminal holds DTR up: m2 answers
  a.write("over tcp");
  EXPECT_TRUE(b.expect("over tcp")) << printable(b.pending());
}

TEST_F(ModemPtyTest, StoppingTheServerRemovesTheLinksAndHangsUpThePorts) {
  Port a(m1_path);
  a.write("AT\r");
  ASSERT_TRUE(a.expect("OK\r\n"));
  EXPECT_EQ(server->stop(SIGTERM), 0) << server->describe();
  EXPECT_FALSE(fs::exists(fs::symlink_status(m1_path))) << "the link is left behind";
  char c;
  const ssize_t n = ::read(a.fd(), &c, 1);
  EXPECT_TRUE(n == 0 || (n < 0 && errno == EIO)) << "the pty did not hang up";
}

/// A wire client of the server (docs/protocol.md): one request at a time, its reply's line.
class Wire {
 public:
  explicit Wire(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ADD_FAILURE() << std::strerror(errno);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
    port_ = std::make_unique<Port>(fd_);
  }
  /// Send `body` (a JSON object's members, without braces) as request `id`; its reply line.
  std::string request(const std::string& body) {
    const std::string id = std::to_string(++id_);
    port_->write("{\"id\":" + id + "," + body + "}\n");
    // Events may come first; the reply is the line with this id (the keys are in any order).
    std::string reply;
    if (!port_->expect("[^\n]*\"id\":" + id + "[,}][^\n]*\n", 20s, &reply)) return "no reply to " + body;
    return reply;
  }
  Port& port() { return *port_; }

 private:
  int fd_ = -1;
  int id_ = 0;
  std::unique_ptr<Port> port_;
};

// LINEBEARERMODE_PASSTHROUGH at the wire (what telsim.tsp asks for): a client that owns m1's
// line hands m1's AT interpreter back to the terminal (modem_passthrough on) — AT is answered,
// the DTE rate a DEVCFG set (modem_config) shows in +MS? and caps the line rate ATDT trains to —
// and takes it back (off): m1 hangs up at once, so m2 loses its carrier. The refusals: not a
// modem's line, the line not open, PASSTHROUGH in make_call's params, another client's modem.
TEST_F(ModemPtyTest, PassthroughHandsAnOwnedModemBackToItsTerminalAndModemConfigSetsIt) {
  Wire owner(server->port()), other(server->port());
  ASSERT_NE(owner.request(R"("op":"hello","versions":[1],"name":"owner")").find("\"ok\":true"), std::string::npos);
  ASSERT_NE(other.request(R"("op":"hello","versions":[1],"name":"other")").find("\"ok\":true"), std::string::npos);
  EXPECT_NE(owner.request(R"("op":"modem_passthrough","line":"400","on":true)").find("LINEERR_INVALLINEHANDLE"),
            std::string::npos);
  ASSERT_NE(owner.request(R"("op":"open","line":"400","privilege":"OWNER","media_modes":["DATAMODEM"])").find("\"ok\":true"),
            std::string::npos);
  ASSERT_NE(owner.request(R"("op":"open","line":"201")").find("\"ok\":true"), std::string::npos);
  EXPECT_NE(owner.request(R"("op":"modem_passthrough","line":"201","on":true)").find("LINEERR_INVALBEARERMODE"),
            std::string::npos);
  EXPECT_NE(owner.request(R"("op":"make_call","line":"201","to":"400","params":{"bearer_mode":"PASSTHROUGH"})")
                .find("LINEERR_INVALBEARERMODE"),
            std::string::npos);
  // Configured as a DEVCFG says (the owner may; another client may not while it owns it).
  const std::string config =
      owner.request(R"("op":"modem_config","line":"400","set":{"dte_rate":9600,"speaker":0,"volume":3,"blind_dial":true,"call_setup_timeout":30})");
  EXPECT_NE(config.find("\"dte_rate\":9600"), std::string::npos) << config;
  EXPECT_NE(config.find("\"max_speed\":9600"), std::string::npos) << config;
  EXPECT_NE(config.find("\"speed\":33600"), std::string::npos) << config;
  EXPECT_NE(other.request(R"("op":"modem_config","line":"400","set":{"speaker":2})").find("LINEERR_INUSE"), std::string::npos);
  EXPECT_NE(other.request(R"("op":"modem_config","line":"400")").find("\"speaker\":0"), std::string::npos);
  EXPECT_NE(owner.request(R"("op":"modem_config","line":"400","set":{"volume":7})").find("LINEERR_INVALPARAM"),
            std::string::npos);
  EXPECT_NE(owner.request(R"("op":"modem_config","line":"400","set":{"tone":1})").find("LINEERR_INVALPARAM"),
            std::string::npos);

  Port a(m1_path), b(m2_path);
  const std::string on = owner.request(R"("op":"modem_passthrough","line":"400","on":true)");
  EXPECT_NE(on.find("\"passthrough\":true"), std::string::npos) << on;
  a.write("AT\r");
  ASSERT_TRUE(a.expect("AT\r\r\nOK\r\n")) << printable(a.pending());
  a.write("ATE0 +MS?\r");
  ASSERT_TRUE(a.expect("\\+MS: 11,1,300,9600\r\n\r\nOK\r\n")) << printable(a.pending());
  a.write("AT&V\r");
  ASSERT_TRUE(a.expect("L3 M0 Q0 V1 W0 X3 ")) << printable(a.pending());
  ASSERT_TRUE(a.expect("S07:030")) << printable(a.pending());
  a.write("ATDT401\r");
  ASSERT_TRUE(b.expect("CONNECT 9600\r\n")) << printable(b.pending());  // m2 (S0=2) answers
  ASSERT_TRUE(a.expect("CONNECT 9600\r\n")) << printable(a.pending());
  const std::string off = owner.request(R"("op":"modem_passthrough","line":"400","on":false)");
  EXPECT_NE(off.find("\"passthrough\":false"), std::string::npos) << off;
  EXPECT_NE(off.find("\"state\":\"idle\""), std::string::npos) << off;
  EXPECT_TRUE(b.expect("NO CARRIER\r\n")) << printable(b.pending());
  // Closing the line ends control (and passthrough with it): the terminal has the modem again.
  ASSERT_NE(owner.request(R"("op":"close","line":"400")").find("\"ok\":true"), std::string::npos);
  a.write("AT\r");
  EXPECT_TRUE(a.expect("OK\r\n")) << printable(a.pending());
}

TEST(ModemPtyErrors, APtyPathThatIsAFileIsRefusedWithItsPlace) {
  TempDir dir;
  const fs::path file = dir / "not-a-link";
  write_file(file, "keep me\n");
  const fs::path scenario = dir / "bad.yaml";
  write_file(scenario, "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\", pty: " +
                           file.string() + "}\n");
  const Result r = run_telsim("serve " + quote(scenario.string()) + " --listen 127.0.0.1:0 --until 1s");
  EXPECT_EQ(r.status, 2) << describe(r);
  EXPECT_NE(r.err.find(scenario.string() + ":5:5: modem m1: pty " + file.string() + " exists and is not a link"),
            std::string::npos)
      << describe(r);
  EXPECT_EQ(read_file(file), "keep me\n");
}

}  // namespace
}  // namespace telsim::cli_test
