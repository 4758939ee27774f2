#pragma once
/// The server's log lines ("telsim serve: ..."), one per message, flushed at once so a program
/// waiting for a line (the first one says where the server listens) sees it immediately.
#include <ostream>
#include <utility>

#include <fmt/format.h>

namespace telsim::serve {

/// Writes the server's log lines. Whether a line is written in --quiet mode is the caller's
/// choice (connections are not logged then; problems always are).
class ServerLog {
 public:
  explicit ServerLog(std::ostream& out) : out_(out) {}
  template <typename... Args>
  void say(fmt::format_string<Args...> f, Args&&... args) {
    out_ << "telsim serve: " << fmt::format(f, std::forward<Args>(args)...) << '\n' << std::flush;
  }
  std::ostream& stream() { return out_; }

 private:
  std::ostream& out_;
};

}  // namespace telsim::serve
