// telsim.tsp as the Windows telephony service would use it: its export table (objdump), and the
// test host (telsim-tsp-host.exe, playing tapisrv) running under Wine against a real
// `telsim serve` on loopback, one scripted TAPI session per test (tsp-shim/host/scripts.cpp).
// The host checks TAPI's rules and the call-state sequences itself and exits 1 with a message at
// the first mismatch; this driver starts, freezes, kills and restarts the server when the host
// asks ("@@ ..." lines on its stdout). Every wait is for an event, with generous timeouts.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_support.hpp"
#include "cli/serve_support.hpp"

extern char** environ;

namespace telsim::tsp_test {
namespace {

using namespace std::chrono_literals;
using cli_test::ServeProcess;
using cli_test::TempDir;
namespace fs = std::filesystem;

constexpr auto kHostTimeout = 180s;  // a whole scripted session, Wine start included

bool have_wine() { return std::string(TELSIM_WINE).size() > 0; }

std::vector<std::string> serve_args(const std::string& listen, const std::string& scenario = TELSIM_TSP_SCENARIO) {
  return {scenario, "--listen", listen};
}

/// "Z:\..." for a Linux path (Wine maps Z: to /).
std::string wine_path(const fs::path& p) {
  std::string s = "Z:" + p.string();
  std::replace(s.begin(), s.end(), '/', '\\');
  return s;
}

/// A port nothing listens on (bound and released; a server started later takes it).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// One request to the server on a connection of its own: its reply line, or "" when the server
/// closed the connection (or said nothing) within `timeout`.
std::string ask_server(int port, const std::string& request, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string line = request + "\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      while (got.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  const auto nl = got.find('\n');
  return nl == std::string::npos ? std::string() : got.substr(0, nl);
}

struct HostRun {
  int status = -1;  ///< exit code, -1 when killed or not started
  std::string out;
  std::string err;
  std::string describe() const { return "exit " + std::to_string(status) + "\n--- host stdout ---\n" + out +
                                        "--- host stderr (Wine) ---\n" + err; }
};

/// Run the host under Wine with `script`; `act` answers its "@@ " requests ("ok" or a reason).
HostRun run_host(const fs::path& dir, const std::string& script, const std::map<std::string, std::string>& env,
                 const std::function<std::string(const std::string&)>& act = {}) {
  HostRun run;
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const char* k : {"DISPLAY", "WAYLAND_DISPLAY", "TELSIM_SERVER", "TELSIM_TOKEN", "TELSIM_TSP_LOG", "TELSIM_TSP_TIMEOUT"})
    vars.erase(k);
  vars["WINEPREFIX"] = TELSIM_WINEPREFIX;
  vars["WINEDEBUG"] = "-all";
  vars["WINEDLLOVERRIDES"] = "mscoree,mshtml=";
  for (const auto& [k, v] : env) vars[k] = v;
  std::vector<std::string> env_s;
  for (const auto& [k, v] : vars) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_s{TELSIM_WINE, TELSIM_TSP_HOST, script};
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);

  int to_host[2], from_host[2];
  if (::pipe(to_host) != 0 || ::pipe(from_host) != 0) return run;
  const fs::path err_file = dir / ("host-" + script + ".stderr");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to_host[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from_host[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (int fd : {to_host[0], to_host[1], from_host[0], from_host[1]}) posix_spawn_file_actions_addclose(&fa, fd);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(to_host[0]);
  ::close(from_host[1]);
  if (rc != 0) {
    ::close(to_host[1]);
    ::close(from_host[0]);
    run.out = "cannot start " + std::string(TELSIM_WINE);
    return run;
  }
  const auto deadline = std::chrono::steady_clock::now() + kHostTimeout;
  std::string partial;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{from_host[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(from_host[0], buf, sizeof buf);
    if (n <= 0) break;
    partial.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
      std::string line = partial.substr(0, nl);
      partial.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      run.out += line + "\n";
      if (line.rfind("@@ ", 0) == 0) {
        const std::string answer = (act ? act(line.substr(3)) : "no driver for this script") + "\n";
        run.out += "   driver: " + answer;
        if (::write(to_host[1], answer.data(), answer.size()) < 0) break;
      }
    }
  }
  run.out += partial;
  ::close(to_host[1]);
  ::close(from_host[0]);
  if (timed_out) {
    ::kill(pid, SIGKILL);
    run.out += "\n<the host did not finish within " + std::to_string(kHostTimeout.count()) + " s: killed>\n";
  }
  int raw = 0;
  ::waitpid(pid, &raw, 0);
  run.status = !timed_out && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.err = cli_test::read_file(err_file);
  std::printf("%s", run.out.c_str());  // what the host checked, for the test log
  return run;
}

/// The export table of a PE file, by objdump.
std::set<std::string> exports_of(const std::string& file, std::set<std::string>* imports) {
  std::set<std::string> names;
  FILE* p = ::popen((std::string(TELSIM_MINGW_OBJDUMP) + " -p " + cli_test::quote(file)).c_str(), "r");
  if (!p) return names;
  char line[1024];
  bool in_names = false;
  while (std::fgets(line, sizeof line, p)) {
    std::string s = line;
    if (s.find("[Ordinal/Name Pointer] Table") != std::string::npos || s.find("[Name Pointer/Ordinal] Table") != std::string::npos) {
      in_names = true;
      continue;
    }
    if (imports && s.find("DLL Name:") != std::string::npos) {
      std::string dll = s.substr(s.find("DLL Name:") + 9);
      dll.erase(0, dll.find_first_not_of(" \t"));
      dll.erase(dll.find_last_not_of(" \t\r\n") + 1);
      std::transform(dll.begin(), dll.end(), dll.begin(), [](unsigned char c) { return std::tolower(c); });
      imports->insert(dll);
    }
    if (!in_names) continue;
    const auto close = s.find(']');
    if (s.find('[') == std::string::npos || close == std::string::npos) {
      if (s.find_first_not_of(" \t\r\n") == std::string::npos) in_names = false;
      continue;
    }
    std::string name = s.substr(close + 1);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t\r\n") + 1);
    if (!name.empty() && name.find(' ') == std::string::npos) names.insert(name);
  }
  ::pclose(p);
  return names;
}


/// A loopback proxy in front of a `telsim serve` that narrows what its switch offers: every frame
/// from the server with a `pbx` object (hello's reply) loses the operations in `drop` from its
/// `operations`, and the ops the clients ask for are recorded. A switch profile's operations are
/// not a scenario key, so this is how a test shows the TSP a switch that lacks some of them.
class NarrowingProxy {
 public:
  NarrowingProxy(int server_port, std::set<std::string> drop) : server_port_(server_port), drop_(std::move(drop)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_, 16);
    socklen_t n = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &n);
    port_ = ntohs(a.sin_port);
    if (::pipe(stop_) != 0) stop_[0] = stop_[1] = -1;
    thread_ = std::thread([this] { run(); });
  }
  ~NarrowingProxy() {
    if (::write(stop_[1], "x", 1) < 0) {}
    thread_.join();
    for (auto& c : conns_) {
      ::close(c.client);
      ::close(c.server);
    }
    ::close(listen_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  int port() const { return port_; }
  /// Every op a client sent through, in order (read once the clients are gone).
  std::vector<std::string> ops() {
    std::lock_guard<std::mutex> g(mutex_);
    return ops_;
  }
  /// How many hello replies had their `operations` narrowed.
  int narrowed() {
    std::lock_guard<std::mutex> g(mutex_);
    return narrowed_;
  }

 private:
  struct Conn {
    int client, server;
    std::string from_client, from_server;
  };
  static bool send_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// Complete lines of `buf`, passed through `edit`, to `to`; false once `to` is gone.
  bool relay(std::string& buf, int to, bool from_server) {
    for (std::size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.is_object()) {
        std::lock_guard<std::mutex> g(mutex_);
        if (!from_server && j.contains("op") && j["op"].is_string()) ops_.push_back(j["op"].get<std::string>());
        if (from_server && j.contains("pbx") && j["pbx"].is_object() && drop_.count("media") && j["pbx"].contains("media")) {
          // A switch from before issue 19: no pbx.media at all.
          j["pbx"].erase("media");
          line = j.dump();
          ++narrowed_;
        }
        if (from_server && j.contains("pbx") && j["pbx"].is_object() && j["pbx"].contains("operations")) {
          nlohmann::json kept = nlohmann::json::array();
          for (const auto& op : j["pbx"]["operations"])
            if (!op.is_string() || !drop_.count(op.get<std::string>())) kept.push_back(op);
          j["pbx"]["operations"] = kept;
          line = j.dump();
          ++narrowed_;
        }
      }
      if (!send_all(to, line + "\n")) return false;
    }
    return true;
  }
  void run() {
    for (;;) {
      std::vector<pollfd> fds{{stop_[0], POLLIN, 0}, {listen_, POLLIN, 0}};
      for (const Conn& c : conns_) {
        fds.push_back({c.client, POLLIN, 0});
        fds.push_back({c.server, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 1000) < 0) return;
      if (fds[0].revents) return;
      if (fds[1].revents & POLLIN) {
        const int client = ::accept(listen_, nullptr, nullptr);
        const int server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(server_port_));
        if (client >= 0 && ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
          conns_.push_back({client, server, {}, {}});
        } else {
          if (client >= 0) ::close(client);
          ::close(server);
        }
      }
      std::vector<std::size_t> gone;
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        bool alive = true;
        for (int side = 0; side < 2 && alive; ++side) {
          const pollfd& p = fds[2 + 2 * i + side];
          if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
          char buf[16384];
          const ssize_t n = ::recv(p.fd, buf, sizeof buf, 0);
          if (n <= 0) {
            alive = false;
            break;
          }
          std::string& pending = side == 0 ? c.from_client : c.from_server;
          pending.append(buf, static_cast<std::size_t>(n));
          alive = relay(pending, side == 0 ? c.server : c.client, side == 1);
        }
        if (!alive) gone.push_back(i);
      }
      for (auto it = gone.rbegin(); it != gone.rend(); ++it) {
        ::close(conns_[*it].client);
        ::close(conns_[*it].server);
        conns_.erase(conns_.begin() + static_cast<std::ptrdiff_t>(*it));
      }
    }
  }

  int server_port_;
  std::set<std::string> drop_;
  int listen_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::vector<Conn> conns_;
  std::mutex mutex_;
  std::vector<std::string> ops_;
  int narrowed_ = 0;
  std::thread thread_;
};

class TspUnderWine : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_wine()) GTEST_SKIP() << "wine is not installed (Debian: wine64)";
    ::signal(SIGPIPE, SIG_IGN);
  }
  /// A server on a free loopback port; the host's TELSIM_SERVER.
  std::unique_ptr<ServeProcess> start_server(const std::string& listen = "127.0.0.1:0",
                                             const std::string& scenario = TELSIM_TSP_SCENARIO) {
    auto s = std::make_unique<ServeProcess>(dir_.path(), serve_args(listen, scenario));
    EXPECT_TRUE(s->wait_listening()) << s->describe();
    return s;
  }
  TempDir dir_;
};

// --- the DLL ---------------------------------------------------------------------------------

TEST(TspDll, ExportsEveryFunctionTheTelephonyServiceCalls) {
  std::set<std::string> imports;
  const auto names = exports_of(TELSIM_TSP_DLL, &imports);
  ASSERT_FALSE(names.empty()) << "no export table read from " << TELSIM_TSP_DLL;
  // The issue's list: provider lifetime and UI, line and call queries, every session operation.
  const char* required[] = {
      "TSPI_providerInit", "TSPI_providerShutdown", "TSPI_providerEnumDevices", "TSPI_providerUIIdentify",
      "TSPI_providerGenericDialogData", "TSPI_providerInstall", "TSPI_providerRemove", "TSPI_providerConfig",
      "TUISPI_providerInstall", "TUISPI_providerRemove", "TUISPI_providerConfig", "TUISPI_lineConfigDialog",
      "TSPI_lineNegotiateTSPIVersion", "TSPI_lineGetDevCaps", "TSPI_lineGetAddressCaps", "TSPI_lineGetAddressStatus",
      "TSPI_lineGetLineDevStatus", "TSPI_lineGetNumAddressIDs", "TSPI_lineGetAddressID", "TSPI_lineGetCallAddressID",
      "TSPI_lineGetCallInfo", "TSPI_lineGetCallStatus", "TSPI_lineGetID", "TSPI_lineOpen", "TSPI_lineClose",
      "TSPI_lineCloseCall", "TSPI_lineSetDefaultMediaDetection", "TSPI_lineConditionalMediaDetection",
      "TSPI_lineMakeCall", "TSPI_lineDial", "TSPI_lineAnswer", "TSPI_lineAccept", "TSPI_lineDrop", "TSPI_lineHold",
      "TSPI_lineUnhold", "TSPI_lineSwapHold", "TSPI_lineSetupTransfer", "TSPI_lineCompleteTransfer",
      "TSPI_lineBlindTransfer", "TSPI_lineSetupConference", "TSPI_linePrepareAddToConference",
      "TSPI_lineAddToConference", "TSPI_lineRemoveFromConference", "TSPI_linePark", "TSPI_lineUnpark",
      "TSPI_linePickup", "TSPI_lineRedirect", "TSPI_lineForward", "TSPI_lineCompleteCall", "TSPI_lineUncompleteCall",
      "TSPI_lineSecureCall",
      // issue 19: media, digits, tones, user-user information, call data and parameters
      "TSPI_lineGenerateDigits", "TSPI_lineGenerateTone", "TSPI_lineMonitorDigits", "TSPI_lineGatherDigits",
      "TSPI_lineMonitorTones", "TSPI_lineMonitorMedia", "TSPI_lineSetMediaMode", "TSPI_lineSetMediaControl",
      "TSPI_lineSendUserUserInfo", "TSPI_lineReleaseUserUserInfo", "TSPI_lineSetCallData",
      "TSPI_lineSetCallTreatment", "TSPI_lineSetCallQualityOfService", "TSPI_lineSetCallParams",
      // and what TAPI uses besides: LINE_CREATE's device creation, call ids, app data, filters
      "TSPI_providerCreateLineDevice", "TSPI_lineGetCallIDs", "TSPI_lineSetAppSpecific", "TSPI_lineSetStatusMessages"};
  for (const char* f : required) EXPECT_TRUE(names.count(f)) << TELSIM_TSP_DLL << " does not export " << f;
  // Besides TSPI, only the extensions telsim's tapi32.dll uses to share lines between processes
  // and to reach the agent handler (telsim_ext.h).
  const std::set<std::string> extensions{"TELSIM_providerShareLines", "TELSIM_lineGetCallPrivilege",
                                         "TELSIM_lineHandoff", "TELSIM_lineSetCallPrivilege",
                                         "TELSIM_lineProxyRequest"};
  for (const std::string& e : extensions) EXPECT_TRUE(names.count(e)) << TELSIM_TSP_DLL << " does not export " << e;
  for (const std::string& n : names)
    EXPECT_TRUE(n.rfind("TSPI_", 0) == 0 || n.rfind("TUISPI_", 0) == 0 || extensions.count(n))
        << "exports more than TSPI: " << n;
  // Loadable in the telephony service of a stock Windows: system DLLs only (no libstdc++,
  // libgcc or winpthread DLLs beside it).
  const std::set<std::string> system{"kernel32.dll", "user32.dll", "advapi32.dll", "ws2_32.dll", "msvcrt.dll"};
  for (const std::string& d : imports) EXPECT_TRUE(system.count(d)) << "telsim.tsp imports " << d;
}

// --- under Wine --------------------------------------------------------------------------------

TEST_F(TspUnderWine, TheCallWalkFollowsTheConformanceStateSequences) {
  auto server = start_server();
  const HostRun run = run_host(dir_.path(), "calls", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: calls"), std::string::npos) << run.describe();
  // The server saw every call end and deallocated: nothing was left for it to clear.
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, AConferencesMembersNameTheirConferenceCall) {
  auto server = start_server();
  const HostRun run = run_host(dir_.path(), "conference", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: conference"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// The features no other walk uses (scripts_features.cpp): each walk checks its calls' state
// sequences against docs/tapi-conformance.md and the server, and leaves nothing for the server to clear.
TEST_F(TspUnderWine, AcceptRedirectPickupAndForwardingOfferCallsWithTheirReasons) {
  auto server = start_server();
  const HostRun run = run_host(dir_.path(), "answering", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: answering"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, WithoutPickupGroupsDirectedPickupIsStillOffered) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "no-groups.yaml").string());
  const HostRun run = run_host(dir_.path(), "no-groups", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: no-groups"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, SwapHoldBlindTransferAndNonDirectedParkMoveTheConnectedParty) {
  auto server = start_server();
  const HostRun run = run_host(dir_.path(), "transfers", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: transfers"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, SecureCallsAndCallCompletionsCampOnCallBackAndCancel) {
  auto server = start_server();
  const HostRun run = run_host(dir_.path(), "completion", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: completion"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// The switch's newer behaviours (switch-ops.yaml: 201-205, a trunk of one channel), each walked
// through the TSP and held against the server.
TEST_F(TspUnderWine, RedirectedForwardedAndTransferredCallsNameWhereTheyWentOnBothSides) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "switch-ops.yaml").string());
  const HostRun run =
      run_host(dir_.path(), "redirection-ids", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: redirection-ids"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, AHeldCallTransfersToOrConferencesWithAnotherCallAndJoinsAHeldConference) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "switch-ops.yaml").string());
  const HostRun run =
      run_host(dir_.path(), "held-transfer", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: held-transfer"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, AllTrunksBusyIsBusyWithTheTrunkModeABusyExtensionTheStationMode) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "switch-ops.yaml").string());
  const HostRun run = run_host(dir_.path(), "trunks", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: trunks"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// The capabilities come from the switch (docs/tsp.md, "Capabilities"): on a switch that offers
// everything each is advertised and accepted; on a restricted one what is not advertised is
// refused, and an operation the switch does not offer never reaches it.
TEST_F(TspUnderWine, OnASwitchThatOffersEverythingEveryCapabilityIsAdvertisedAndAccepted) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "caps-full.yaml").string());
  const HostRun run = run_host(dir_.path(), "caps-full", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: caps-full"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, OnARestrictedSwitchWhatIsNotAdvertisedIsRefusedAndNeverSent) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "caps-restricted.yaml").string());
  const std::set<std::string> left_out{"accept", "hold", "unhold", "swap_hold", "setup_conference",
                                       "prepare_add_to_conference", "add_to_conference", "remove_from_conference",
                                       "secure_call", "redirect", "blind_transfer", "complete_call",
                                       "uncomplete_call", "forward", "pickup", "unpark"};
  NarrowingProxy proxy(server->port(), left_out);
  const HostRun run = run_host(dir_.path(), "caps-restricted", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(proxy.port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: caps-restricted"), std::string::npos) << run.describe();
  EXPECT_GE(proxy.narrowed(), 2) << "the TSP's hellos (enumeration, connection) did not pass the proxy";
  const std::vector<std::string> ops = proxy.ops();
  EXPECT_NE(std::find(ops.begin(), ops.end(), "complete_transfer"), ops.end()) << "the walk sent no complete_transfer";
  for (const std::string& op : ops) EXPECT_FALSE(left_out.count(op)) << "the TSP asked the server for " << op;
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, PartialDialAPauseAndATransferCompletedAsAConferenceFollowTheirSequences) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "caps-full.yaml").string());
  const HostRun run = run_host(dir_.path(), "dialing-paths", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: dialing-paths"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// LINECALLPARAMS (docs/tsp.md): what the caller asked for reaches the called party's
// LINECALLINFO, the no-answer timeout abandons the call, a corrupt structure is refused at once.
TEST_F(TspUnderWine, CallParamsReachTheCalledPartyAndACorruptOneIsRefused) {
  auto server = start_server();
  const HostRun run = run_host(dir_.path(), "call-params", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: call-params"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// Media, digits, tones, user-user information and call data (issue 19; docs/tsp.md, "Media and
// digits"): what hello's pbx.media offers is advertised; digits one call generates the other
// monitors and gathers; UUI, call data, treatment, QoS and call params reach LINECALLINFO; a
// fax's media is detected. Every message's parameters are checked by the host.
TEST_F(TspUnderWine, DigitsToneUserUserInfoCallDataAndAFaxReachTapiWithTheirParameters) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "media.yaml").string());
  const HostRun run = run_host(dir_.path(), "media", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: media"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// Agents and queues (docs/tsp.md, "Agents and queues"): telsim.tsp as the agent handler
// (TELSIM_lineProxyRequest), the host handing it TAPI's proxy requests as tapisrv does: the
// agent's caps, groups and activities, the queues, READY, a call to the queue's pilot offered to
// the agent and answered, the queue's figures, wrap-up, NOTREADY, the errors. Every
// LINE_AGENTSTATUS and LINE_QUEUESTATUS is checked by the host.
TEST_F(TspUnderWine, AgentStatesGroupsAndQueuesReachTapiThroughTheAgentHandler) {
  auto server = start_server("127.0.0.1:0", (fs::path(TELSIM_TSP_SCENARIO).parent_path() / "agents.yaml").string());
  const HostRun run = run_host(dir_.path(), "agents", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: agents"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// A switch that says nothing of media (hello without pbx.media, as before issue 19; the driver's
// proxy takes it out, and the media operations out of `operations`): nothing of it is advertised,
// each media function is OPERATIONUNAVAIL at once, and none reaches the server.
TEST_F(TspUnderWine, WithoutPbxMediaEveryMediaFunctionIsUnavailableAndNeverSent) {
  auto server = start_server();
  const std::set<std::string> media_ops{"media", "generate_digits", "generate_tone", "monitor_digits",
                                        "gather_digits", "monitor_tones", "monitor_media", "set_media_mode",
                                        "set_media_control", "send_user_user_info", "release_user_user_info",
                                        "set_call_data", "set_call_treatment", "set_call_quality_of_service",
                                        "set_call_params"};
  NarrowingProxy proxy(server->port(), media_ops);
  const HostRun run = run_host(dir_.path(), "media-absent", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(proxy.port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: media-absent"), std::string::npos) << run.describe();
  for (const std::string& op : proxy.ops()) EXPECT_FALSE(media_ops.count(op)) << "the TSP asked the server for " << op;
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// The same walk under each switch personality (personality.yaml with the preset's name;
// docs/scenarios.md, "Personalities"): the call-state sequence the preset documents, its
// capabilities, its refusals; under large_pbx replies that come late and after their events.
class TspPersonality : public TspUnderWine, public ::testing::WithParamInterface<const char*> {};

TEST_P(TspPersonality, ACallAnsweredAndDroppedFollowsThePresetsSequence) {
  const std::string preset = GetParam();
  const std::string file = cli_test::read_file(fs::path(TELSIM_TSP_SCENARIO).parent_path() / "personality.yaml");
  const std::string placeholder = "personality: strict";
  ASSERT_NE(file.find(placeholder), std::string::npos) << "personality.yaml names no preset to replace";
  std::string scenario = file;
  scenario.replace(scenario.find(placeholder), placeholder.size(), "personality: " + preset);
  const fs::path path = dir_.path() / ("personality-" + preset + ".yaml");
  cli_test::write_file(path, scenario);
  auto server = start_server("127.0.0.1:0", path.string());
  const std::string script = "personality-" + preset;
  const HostRun run = run_host(dir_.path(), script, {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: " + script), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

INSTANTIATE_TEST_SUITE_P(Presets, TspPersonality, ::testing::Values("strict", "minimal", "key_system", "large_pbx"),
                         [](const ::testing::TestParamInfo<const char*>& preset) { return std::string(preset.param); });

TEST_F(TspUnderWine, StructuresHonourTheirTotalSize) {
  // With a token this time: the TSP (and the host's monitor) authenticate in their hello.
  auto server = std::make_unique<ServeProcess>(
      dir_.path(), std::vector<std::string>{TELSIM_TSP_SCENARIO, "--listen", "127.0.0.1:0", "--token", "tsp-s3cret"});
  ASSERT_TRUE(server->wait_listening()) << server->describe();
  const HostRun run = run_host(dir_.path(), "buffers",
                               {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}, {"TELSIM_TOKEN", "tsp-s3cret"}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: buffers"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(" 0 failed authentications"), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, AServerKilledWithARequestPendingMeansOutOfServiceAndAFailedRequest) {
  auto server = start_server();
  const std::string listen = "127.0.0.1:" + std::to_string(server->port());
  const HostRun run = run_host(dir_.path(), "outage", {{"TELSIM_SERVER", listen}}, [&](const std::string& what) {
    if (what == "freeze-server") return std::string(::kill(server->pid(), SIGSTOP) == 0 ? "ok" : "no such process");
    if (what == "kill-server") {
      ::kill(server->pid(), SIGKILL);
      server->wait_exit();  // reaped: its sockets are closed
      return std::string("ok");
    }
    if (what == "start-server") {
      server = start_server(listen);  // the same port: where the TSP looks
      return std::string(server->port() > 0 ? "ok" : "the server did not start");
    }
    return "unknown request " + what;
  });
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: outage"), std::string::npos) << run.describe();
}

// The same walk with injected faults instead of signals (docs/scenarios.md, "Faults"): the
// answer's reply lost (a request left pending), then the link down, which cuts the TSP off and
// turns it away until the link is back. The TSP sees OUTOFSERVICE, fails the pending request,
// clears its calls, and comes back INSERVICE by itself.
TEST_F(TspUnderWine, AnInjectedLinkFaultMeansOutOfServiceAndTheTspRecovers) {
  auto server = start_server();
  const int port = server->port();
  const HostRun run = run_host(dir_.path(), "outage", {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(port)}},
                               [&](const std::string& what) {
    if (what == "freeze-server") {
      const std::string r = ask_server(port, R"({"id":1,"op":"inject","fault":{"op":"answer","reply":"never"}})");
      return std::string(r.find("\"ok\":true") != std::string::npos ? "ok" : "inject refused: " + r);
    }
    if (what == "kill-server") {
      const std::string r = ask_server(port, R"({"id":1,"op":"inject","fault":{"link":"down","for":"3s"}})");
      return std::string(r.find("\"ok\":true") != std::string::npos ? "ok" : "inject refused: " + r);
    }
    if (what == "start-server") {
      // The link comes back by itself: wait until the server answers again.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (std::chrono::steady_clock::now() < deadline)
        if (!ask_server(port, R"({"id":1,"op":"ping"})", std::chrono::seconds(2)).empty()) return std::string("ok");
      return std::string("the link never came back");
    }
    return "unknown request " + what;
  });
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: outage"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->describe().find("link down (fault): "), std::string::npos) << server->describe();
}

TEST_F(TspUnderWine, AFrozenServerTimesRequestsOutAndComesBackInService) {
  auto server = start_server();
  const HostRun run = run_host(dir_.path(), "hung",
                               {{"TELSIM_SERVER", "127.0.0.1:" + std::to_string(server->port())}, {"TELSIM_TSP_TIMEOUT", "2"}},
                               [&](const std::string& what) {
                                 if (what == "freeze-server") return std::string(::kill(server->pid(), SIGSTOP) == 0 ? "ok" : "gone");
                                 if (what == "thaw-server") return std::string(::kill(server->pid(), SIGCONT) == 0 ? "ok" : "gone");
                                 return "unknown request " + what;
                               });
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: hung"), std::string::npos) << run.describe();
}

TEST_F(TspUnderWine, TheLinesOfAServerThatStartsLaterArriveWithLineCreate) {
  const std::string listen = "127.0.0.1:" + std::to_string(free_port());
  std::unique_ptr<ServeProcess> server;
  const HostRun run = run_host(dir_.path(), "late", {{"TELSIM_SERVER", listen}}, [&](const std::string& what) {
    if (what != "start-server") return "unknown request " + what;
    server = start_server(listen);
    return std::string(server->port() > 0 ? "ok" : "the server did not start");
  });
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: late"), std::string::npos) << run.describe();
}

TEST_F(TspUnderWine, AServerAddressThatIsNotHostPortIsAClearError) {
  const fs::path log = dir_.path() / "tsp.log";
  const HostRun run = run_host(dir_.path(), "bad-config", {{"TELSIM_SERVER", "localhost:telephony"}, {"TELSIM_TSP_LOG", wine_path(log)}});
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: bad-config"), std::string::npos) << run.describe();
  EXPECT_NE(cli_test::read_file(log).find("TELSIM_SERVER: 'localhost:telephony': the port must be a number 1..65535"),
            std::string::npos)
      << cli_test::read_file(log);
}

}  // namespace
}  // namespace telsim::tsp_test
