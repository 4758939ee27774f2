#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "internal.hpp"

namespace telsim {
namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  // Binary mode: the bytes written are exactly the bytes the writers produced.
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

std::vector<std::filesystem::path> write_reports(const RunResult& run,
                                                 const std::filesystem::path& dir,
                                                 const ReportOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  const std::pair<const char*, std::string (*)(const RunResult&)> writers[] = {
      {"report.json", &report_json},
      {"junit.xml", &junit_xml},
      {"cdr.csv", &cdr_csv},
      {"report.html", &report_html},
  };
  std::vector<std::filesystem::path> written;
  for (const auto& [name, writer] : writers) {
    std::filesystem::path path = dir / name;
    write_file(path, writer(run));
    written.push_back(std::move(path));
  }
  if (options.stats_interval > Duration::zero()) {
    std::filesystem::path path = dir / "stats.csv";
    write_file(path, stats_csv(run, options.stats_interval));
    written.push_back(std::move(path));
  }
  return written;
}

}  // namespace telsim
