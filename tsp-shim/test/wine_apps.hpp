#pragma once
// What the tapi32 tests share: Windows test programs run under Wine (under Xvfb when they open
// windows), their output read as "KEY key=value ..." lines, and a connection of the test's own
// to `telsim serve` that monitors every line: the server's events, to hold the programs' LINE_*
// messages against.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_support.hpp"

extern char** environ;

namespace telsim::tapi32_test {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct AppRun {
  int status = -1;  ///< exit code; -1 when killed or not started
  std::string out, err;
  std::string describe() const {
    return "exit " + std::to_string(status) + "\n--- program stdout ---\n" + out + "--- stderr (Wine) ---\n" + err;
  }
};

/// The environment of a Wine process: ours without a display or telsim's settings, plus `env`.
inline std::vector<std::string> wine_environment(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const char* k : {"DISPLAY", "WAYLAND_DISPLAY", "TELSIM_SERVER", "TELSIM_TOKEN", "TELSIM_TSP_LOG",
                        "TELSIM_TSP_TIMEOUT", "WINEDLLOVERRIDES", "WINEPREFIX", "WINEARCH"})
    vars.erase(k);
  vars["WINEDEBUG"] = "-all";
  for (const auto& [k, v] : env) vars[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

/// Run `argv` (a Wine command line) to completion or `timeout`; stdout and stderr into `dir`.
inline AppRun run_process(const fs::path& dir, const std::string& tag, std::vector<std::string> argv,
                          const std::map<std::string, std::string>& env, std::chrono::seconds timeout = 180s) {
  AppRun run;
  std::vector<std::string> env_s = wine_environment(env);
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const fs::path out = dir / (tag + ".stdout"), err = dir / (tag + ".stderr");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);  // its own group: a timeout kills Xvfb too
  posix_spawnattr_setpgroup(&at, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &fa, &at, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc != 0) {
    run.out = "cannot start " + argv[0];
    return run;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int raw = 0;
  bool done = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &raw, WNOHANG) == pid) {
      done = true;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  if (!done) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &raw, 0);
  }
  run.status = done && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = cli_test::read_file(out);
  run.err = cli_test::read_file(err);
  if (!done) run.out += "\n<did not finish within " + std::to_string(timeout.count()) + " s: killed>\n";
  std::printf("--- %s ---\n%s", tag.c_str(), run.out.c_str());  // what the program did, for the test log
  return run;
}

/// `key=value` fields of the output lines starting with `kind` ("CALLSTATE").
inline std::vector<std::map<std::string, std::string>> lines_of(const std::string& out, const std::string& kind) {
  std::vector<std::map<std::string, std::string>> all;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(kind + " ", 0) != 0) continue;
    std::map<std::string, std::string> f;
    std::istringstream words(line.substr(kind.size() + 1));
    std::string w;
    while (words >> w)
      if (const auto eq = w.find('='); eq != std::string::npos) f[w.substr(0, eq)] = w.substr(eq + 1);
    f["_text"] = line;
    all.push_back(std::move(f));
  }
  return all;
}

/// A connection of the test's own to the server, monitoring every line.
class ServerWatch {
 public:
  explicit ServerWatch(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    send(R"({"id":1,"op":"hello","versions":[1],"name":"tapi32-test-watch"})");
    send(R"({"id":2,"op":"monitor","line":"*"})");
    reader_ = std::thread([this] { read_loop(); });
    ok_ = wait([](const json& f) { return f.value("id", 0) == 2 && f.value("ok", false); }, 20s);
  }
  ~ServerWatch() {
    stop_ = true;
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  ServerWatch(const ServerWatch&) = delete;
  ServerWatch& operator=(const ServerWatch&) = delete;

  bool ok() const { return ok_; }
  /// Wait until a frame matches (every frame so far counts).
  template <typename Pred>
  bool wait(Pred pred, std::chrono::seconds timeout = 30s) {
    std::unique_lock<std::mutex> l(m_);
    return cv_.wait_for(l, timeout, [&] {
      for (const json& f : frames_)
        if (pred(f)) return true;
      return false;
    });
  }
  /// The server's call_state events of a call ("c17"): state and disconnect mode.
  std::vector<std::pair<std::string, unsigned>> states(const std::string& call) {
    std::lock_guard<std::mutex> l(m_);
    std::vector<std::pair<std::string, unsigned>> out;
    for (const json& f : frames_)
      if (f.value("event", "") == "call_state" && f.value("call", "") == call)
        out.emplace_back(f.value("state", ""), f.value("mode", 0u));
    return out;
  }
  std::vector<json> frames() {
    std::lock_guard<std::mutex> l(m_);
    return frames_;
  }
  /// Send a request of the test's own (its reply is among the frames, by its `id`).
  void ask(const json& request) { send(request.dump()); }

 private:
  void send(const std::string& s) {
    const std::string line = s + "\n";
    if (::write(fd_, line.data(), line.size()) < 0) ok_ = false;
  }
  void read_loop() {
    std::string partial;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[8192];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      partial.append(buf, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
        json f = json::parse(partial.substr(0, nl), nullptr, false);
        partial.erase(0, nl + 1);
        if (f.is_discarded()) continue;
        std::lock_guard<std::mutex> l(m_);
        frames_.push_back(std::move(f));
        cv_.notify_all();
      }
    }
  }
  int fd_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::thread reader_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<json> frames_;
};

/// The program's LINE_CALLSTATE states of each call by dwCallID (which telsim.tsp makes the
/// server's handle number: "c17" is 17), in the order it got them.
inline std::map<std::string, std::vector<std::pair<std::string, unsigned>>> app_calls(const std::string& out,
                                                                                    const std::string& kind = "CALLSTATE") {
  std::map<std::string, std::vector<std::pair<std::string, unsigned>>> calls;
  for (auto& f : lines_of(out, kind))
    calls["c" + f["id"]].emplace_back(f["state"], static_cast<unsigned>(std::stoul(f["mode"], nullptr, 16)));
  return calls;
}

/// "DIALTONE RINGBACK ..." for messages.
inline std::string names(const std::vector<std::pair<std::string, unsigned>>& s) {
  std::string out;
  for (const auto& [state, mode] : s) out += (out.empty() ? "" : " ") + state;
  return out;
}

}  // namespace telsim::tapi32_test
