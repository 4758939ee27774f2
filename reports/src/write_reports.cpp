#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

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
  // The same stream a run writes its reports through as it goes (telsim run), over the records
  // the run kept.
  StreamOptions stream_options;
  stream_options.dir = dir;
  stream_options.stats_interval = options.stats_interval;
  for (const RunResult::Trunk& t : run.trunks) stream_options.trunks.push_back(t.name);
  for (const QueueSummary& q : run.queues) stream_options.queues.push_back(q.name);
  RecordStream stream(std::move(stream_options));
  for (const CallRecord* r : report_detail::by_serial(run)) stream.add_in_order(*r);
  stream.finish(run);
  return write_reports(run, stream, dir);
}

std::vector<std::filesystem::path> write_reports(const RunResult& run, const RecordStream& stream,
                                                 const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
  const report_detail::Digest& digest = stream.digest();
  std::vector<std::filesystem::path> out = {dir / "report.json", dir / "junit.xml", dir / "cdr.csv",
                                            dir / "report.html"};
  write_file(out[0], report_detail::report_json(run, digest));
  write_file(out[1], junit_xml(run));
  write_file(out[3], report_detail::report_html(run, digest));
  if (!stream.error().empty()) throw std::runtime_error(stream.error());
  const std::vector<std::filesystem::path> streamed = stream.files();
  if (streamed.empty()) throw std::logic_error("write_reports: the stream wrote no cdr.csv");
  if (streamed.size() > 1) out.push_back(streamed[1]);
  return out;
}

}  // namespace telsim
