#pragma once
// Helpers for the CLI tests: run the real `telsim` executable (TELSIM_EXE) in a shell, capture
// its stdout, stderr and exit status, and keep scratch files in a private temporary folder.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#ifndef TELSIM_EXE
#error "TELSIM_EXE must name the telsim executable"
#endif
#ifndef TELSIM_SOURCE_DIR
#error "TELSIM_SOURCE_DIR must name the source tree"
#endif

namespace telsim::cli_test {

namespace fs = std::filesystem;

/// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto base = fs::temp_directory_path();
    for (;;) {
      path_ = base / ("telsim-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
      if (fs::create_directory(path_)) break;
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

/// Single-quote for /bin/sh.
inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

struct Result {
  int status = -1;  ///< exit code (WEXITSTATUS), or -1 if the process did not exit normally
  std::string out;
  std::string err;
};

/// Run `telsim ARGS` (ARGS already shell-quoted as needed).
inline Result run_telsim(const std::string& args) {
  TempDir io;
  const fs::path out = io / "stdout";
  const fs::path err = io / "stderr";
  const std::string cmd = quote(TELSIM_EXE) + " " + args + " >" + quote(out.string()) + " 2>" +
                          quote(err.string()) + " </dev/null";
  const int raw = std::system(cmd.c_str());
  Result r;
  r.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

inline std::string source_path(const std::string& rel) {
  return (fs::path(TELSIM_SOURCE_DIR) / rel).string();
}

inline std::string describe(const Result& r) {
  std::ostringstream s;
  s << "exit " << r.status << "\n--- stdout ---\n" << r.out << "--- stderr ---\n" << r.err;
  return s.str();
}

}  // namespace telsim::cli_test
