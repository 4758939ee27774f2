#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>
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

/// cdr.csv straight to its file: the rows are formatted in chunks by every thread that calls
/// work() and written strictly in chunk order, so a million-call run never holds the file in
/// memory and two cores share the formatting. The bytes are cdr_csv()'s.
class CdrFileWriter {
 public:
  CdrFileWriter(const RunResult& run, const std::filesystem::path& path)
      : path_(path), records_(report_detail::by_serial(run)) {
    chunks_ = (records_.size() + kChunk - 1) / kChunk;
  }
  ~CdrFileWriter() {
    if (file_) std::fclose(file_);
  }

  /// Open (truncate) the file and write the header: the first turn. Truncating the previous
  /// run's cdr.csv is slow for a big one (the kernel frees its pages), so the thread that starts
  /// the work does it while the other makes the other reports.
  void open() {
    std::lock_guard lock(mutex_);
    file_ = std::fopen(path_.c_str(), "wb");
    if (!file_) error_ = errno ? errno : EIO;
    put(report_detail::kCdrHeader);
    turn_ = 1;
    turn_changed_.notify_all();
  }

  /// Format and write chunks until none is left.
  void work() {
    std::vector<char> buffer;
    for (std::size_t c = next_++; c < chunks_; c = next_++) {
      const std::size_t n = report_detail::format_cdr_rows(
          records_, c * kChunk, std::min(records_.size(), (c + 1) * kChunk), buffer);
      std::unique_lock lock(mutex_);
      turn_changed_.wait(lock, [&] { return turn_ == c + 1; });
      put(std::string_view(buffer.data(), n));
      ++turn_;
      turn_changed_.notify_all();
    }
  }

  /// Close the file; throws naming it when anything failed.
  void finish() {
    if (file_ && std::fclose(file_) != 0 && !error_) error_ = errno;
    file_ = nullptr;
    if (error_) throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(error_));
  }

 private:
  static constexpr std::size_t kChunk = 8'192;  // rows: about 1.3 MB of text
  void put(std::string_view text) {
    if (!error_ && file_ && std::fwrite(text.data(), 1, text.size(), file_) != text.size()) error_ = errno ? errno : EIO;
  }

  std::filesystem::path path_;
  std::vector<const CallRecord*> records_;
  std::size_t chunks_ = 0;
  std::FILE* file_ = nullptr;
  int error_ = 0;
  std::atomic<std::size_t> next_{0};
  std::mutex mutex_;
  std::condition_variable turn_changed_;
  std::size_t turn_ = 0;
};

}  // namespace

std::vector<std::filesystem::path> write_reports(const RunResult& run,
                                                 const std::filesystem::path& dir,
                                                 const ReportOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  const std::vector<std::filesystem::path> written = {
      dir / "report.json", dir / "junit.xml", dir / "cdr.csv", dir / "report.html"};

  // cdr.csv is most of the work for a large run: a second thread formats and writes it while
  // this one makes the other reports from the same (read-only) run, then helps with it.
  CdrFileWriter cdr(run, written[2]);
  std::thread helper([&cdr] {
    cdr.open();
    cdr.work();
  });
  std::exception_ptr error;
  try {
    const report_detail::Digest digest = report_detail::digest(run);
    write_file(written[0], report_detail::report_json(run, digest));
    write_file(written[1], junit_xml(run));
    write_file(written[3], report_detail::report_html(run, digest));
  } catch (...) {
    error = std::current_exception();
  }
  cdr.work();
  helper.join();
  if (error) std::rethrow_exception(error);
  cdr.finish();

  std::vector<std::filesystem::path> out = written;
  if (options.stats_interval > Duration::zero()) {
    out.push_back(dir / "stats.csv");
    write_file(out.back(), stats_csv(run, options.stats_interval));
  }
  return out;
}

}  // namespace telsim
