#pragma once
// `telsim serve` as a child process for the CLI tests: started with posix_spawn, its stdout and
// stderr in files (a full pipe can never block it), killed and reaped at the end.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_support.hpp"

extern char** environ;

namespace telsim::cli_test {

using namespace std::chrono_literals;
inline constexpr auto kServeTimeout = 20s;

// --- the server process ------------------------------------------------------------------

/// `telsim serve ARGS` in a child process, stdout and stderr to files in `dir`. The child is
/// killed and reaped by the destructor if the test has not waited for it.
class ServeProcess {
 public:
  ServeProcess(const fs::path& dir, const std::vector<std::string>& args)
      : out_(dir / "serve.stdout"), err_(dir / "serve.stderr") {
    ::unsetenv("TELSIM_TOKEN");  // the tests say which token, if any
    std::vector<std::string> argv_s{TELSIM_EXE, "serve"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) pid_ = -1;
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    // A failing test shows what the server said (an ASan report lands in its stderr).
    if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s", describe().c_str());
  }

  /// Wait for the first stdout line ("... listening on HOST:PORT ..."); false if the child
  /// exited (see status()) or nothing came in time.
  bool wait_listening() {
    const auto deadline = std::chrono::steady_clock::now() + kServeTimeout;
    static const std::regex re(R"(listening on ([0-9.:\[\]a-f]+):([0-9]+))");
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = read_file(out_);
      if (const auto nl = text.find('\n'); nl != std::string::npos) {
        first_line_ = text.substr(0, nl);
        std::smatch m;
        if (!std::regex_search(first_line_, m, re)) return false;
        port_ = std::stoi(m[2].str());
        return true;
      }
      if (reap(false)) return false;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  /// Send `sig` and wait for the exit; the exit code, or -1 (signalled / did not exit in time).
  int stop(int sig = SIGTERM) {
    if (pid_ > 0) ::kill(pid_, sig);
    return wait_exit();
  }
  int wait_exit(std::chrono::seconds timeout = kServeTimeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      if (reap(false)) break;
      std::this_thread::sleep_for(5ms);
    }
    if (pid_ > 0) {
      ADD_FAILURE() << "telsim serve did not exit within " << timeout.count() << " s; killing it";
      ::kill(pid_, SIGKILL);
      reap(true);
      status_ = -1;
    }
    return status_;
  }

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  int status() const { return status_; }
  const std::string& first_line() const { return first_line_; }
  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }
  std::string describe() const {
    return "exit " + std::to_string(status_) + "\n--- serve stdout ---\n" + out() +
           "--- serve stderr ---\n" + err();
  }

 private:
  bool reap(bool block) {
    if (pid_ <= 0) return true;
    int raw = 0;
    const pid_t r = ::waitpid(pid_, &raw, block ? 0 : WNOHANG);
    if (r != pid_) return false;
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    pid_ = -1;
    return true;
  }

  fs::path out_, err_;
  pid_t pid_ = -1;
  int port_ = 0;
  int status_ = -1;
  std::string first_line_;
};

}  // namespace telsim::cli_test
