#include "output_paths.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

namespace telsim::cli {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const std::string& flag, const std::string& path, const std::string& why) {
  throw std::invalid_argument(fmt::format("{} '{}': {}", flag, path, why));
}

/// Create `dir` and its parents, or say which part is in the way.
void make_dirs(const std::string& flag, const std::string& shown, const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p, ec)) {
      if (!fs::is_directory(p, ec))
        refuse(flag, shown, p == dir ? "it is a file, not a folder"
                                     : fmt::format("'{}' is a file, not a folder", p.string()));
      break;
    }
    if (p == p.parent_path()) break;
  }
  fs::create_directories(dir, ec);
  if (ec) refuse(flag, shown, fmt::format("cannot create the folder: {}", ec.message()));
}

/// Open `file` for writing (creating it), or say why not.
void try_write(const std::string& flag, const std::string& shown, const fs::path& file, bool keep) {
  errno = 0;
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    if (!out) refuse(flag, shown, fmt::format("cannot write '{}': {}", file.string(),
                                              errno ? std::strerror(errno) : "permission denied"));
  }
  if (!keep) {
    std::error_code ec;
    fs::remove(file, ec);
  }
}

}  // namespace

void prepare_report_dir(const std::string& flag, const std::string& dir) {
  const fs::path d(dir);
  make_dirs(flag, dir, d);
  // Every report file must be writable: a read-only report.json left by an earlier run fails
  // as surely as a read-only folder.
  for (const char* name : {"report.json", "junit.xml", "cdr.csv", "report.html", "stats.csv"}) {
    const fs::path f = d / name;
    std::error_code ec;
    if (fs::is_directory(f, ec)) refuse(flag, dir, fmt::format("'{}' is a folder", f.string()));
    if (fs::exists(f, ec)) try_write(flag, dir, f, /*keep=*/true);
  }
  try_write(flag, dir, d / ".telsim-write-check", /*keep=*/false);
}

void prepare_output_file(const std::string& flag, const std::string& file) {
  const fs::path f(file);
  std::error_code ec;
  if (fs::is_directory(f, ec)) refuse(flag, file, "it is a folder, not a file");
  make_dirs(flag, file, f.parent_path());
  try_write(flag, file, f, /*keep=*/true);
}

}  // namespace telsim::cli
