// Suites: many scenarios, each `telsim run FILE --quiet --report DIR/runs/PATH` in a process of
// its own, up to -j at a time; then one junit.xml (one testsuite per scenario, in file order),
// index.html linking each run's report and suite.json, which `telsim merge` reads back to merge
// the shards of a suite. Everything written is deterministic (file order, no wall-clock figure),
// so `-j 2` and three merged shards of one folder give the same junit.xml.
#include "suite_command.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "output_paths.hpp"
#include "telsim/reports/reports.hpp"

extern char** environ;

namespace telsim::cli {
namespace fs = std::filesystem;

namespace {

constexpr int kExitPass = 0, kExitFail = 1, kExitBadInput = 2, kExitInternal = 3;

/// One scenario of a suite and what became of it.
struct Entry {
  std::string file;          ///< as given (or found in a folder given)
  fs::path dir;              ///< its run's folder: reports, stdout.txt, stderr.txt
  int exit = kExitInternal;  ///< telsim run's exit code
  std::string name;          ///< the scenario's `name` (from its report.json; "" if none)
  std::uint64_t seed = 0;
  std::uint64_t passed = 0, failed = 0;
  std::string message;       ///< bad input or internal error: the first line telsim run printed on stderr
};

std::string verdict_of(int exit) {
  switch (exit) {
    case kExitPass: return "PASS";
    case kExitFail: return "FAIL";
    case kExitBadInput: return "BAD INPUT";
    default: return "ERROR";
  }
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(fmt::format("cannot write {}: {}", p.string(), std::strerror(errno)));
}

/// The folder of a scenario's run under runs/: its path without the extension, ".." as "up" and
/// without a leading "/", so each file of a set gets its own folder.
fs::path run_folder(const std::string& file) {
  fs::path out = "runs";
  fs::path p = fs::path(file).lexically_normal();
  p.replace_extension();
  for (const fs::path& part : p.relative_path()) {
    if (part == ".") continue;
    out /= part == ".." ? fs::path("up") : part;
  }
  return out;
}

/// What the run left in its folder: the scenario's name, seed and counts, or why it did not run.
void collect(Entry& e) {
  const fs::path json = e.dir / "report.json";
  if (fs::exists(json)) {
    try {
      const nlohmann::json r = nlohmann::json::parse(slurp(json));
      e.name = r.at("scenario").get<std::string>();
      e.seed = r.at("seed").get<std::uint64_t>();
      e.passed = r.at("expectations").at("passed").get<std::uint64_t>();
      e.failed = r.at("expectations").at("failed").get<std::uint64_t>();
    } catch (const std::exception&) {
      // An unreadable report.json (a run cut short): the entry keeps no name.
    }
  }
  if (e.exit == kExitBadInput || e.exit == kExitInternal) {
    const std::string err = slurp(e.dir / "stderr.txt");
    e.message = err.substr(0, err.find('\n'));
    if (e.message.empty()) e.message = fmt::format("telsim run exited {}", e.exit);
  }
}

// --- junit.xml -----------------------------------------------------------------------------------

std::uint64_t attribute(const std::string& tag, const char* name) {
  const std::regex re(std::string(" ") + name + "=\"([0-9]+)\"");
  std::smatch m;
  return std::regex_search(tag, m, re) ? std::stoull(m[1]) : 0;
}

/// `time="12.345"` as milliseconds (telsim writes three decimals).
std::uint64_t time_ms(const std::string& tag) {
  static const std::regex re(" time=\"([0-9]+)\\.([0-9]{3})\"");
  std::smatch m;
  return std::regex_search(tag, m, re) ? std::stoull(m[1]) * 1000 + std::stoull(m[2]) : 0;
}

struct Suite {
  std::string xml;  ///< the <testsuite> element, indented by two, ending with a newline
  std::uint64_t tests = 0, failures = 0, errors = 0, ms = 0;
};

/// A scenario's <testsuite>: its run's own (telsim run writes one testsuite per run), or, when the
/// run did not get that far, one error testcase saying why.
Suite suite_of(const Entry& e) {
  Suite s;
  const fs::path junit = e.dir / "junit.xml";
  if ((e.exit == kExitPass || e.exit == kExitFail) && fs::exists(junit)) {
    const std::string text = slurp(junit);
    const std::size_t open = text.find("  <testsuite ");
    const std::size_t close = text.rfind("</testsuite>\n");
    if (open != std::string::npos && close != std::string::npos && close > open) {
      s.xml = text.substr(open, close + 13 - open);
      const std::string tag = s.xml.substr(0, s.xml.find('>'));
      s.tests = attribute(tag, "tests");
      s.failures = attribute(tag, "failures");
      s.errors = attribute(tag, "errors");
      s.ms = time_ms(tag);
      return s;
    }
  }
  const std::string name = xml_escape(e.name.empty() ? e.file : e.name);
  const std::string file = xml_escape(e.file);
  const std::string why = e.message.empty() ? fmt::format("telsim run exited {} without a junit.xml", e.exit)
                                            : e.message;
  s.tests = 1;
  s.errors = 1;
  s.xml = fmt::format(
      "  <testsuite name=\"{0}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0.000\">\n"
      "    <properties>\n"
      "      <property name=\"file\" value=\"{1}\"/>\n"
      "    </properties>\n"
      "    <testcase classname=\"{0}\" name=\"{1}: load and run\">\n"
      "      <error message=\"{2}\" type=\"{3}\">{2}</error>\n"
      "    </testcase>\n"
      "  </testsuite>\n",
      name, file, xml_escape(why), e.exit == kExitBadInput ? "bad input" : "internal error");
  return s;
}

std::string junit(const std::vector<Entry>& entries) {
  std::vector<Suite> suites;
  Suite all;
  for (const Entry& e : entries) {
    suites.push_back(suite_of(e));
    all.tests += suites.back().tests, all.failures += suites.back().failures;
    all.errors += suites.back().errors, all.ms += suites.back().ms;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"telsim\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}.{:03}\">\n",
                     all.tests, all.failures, all.errors, all.ms / 1000, all.ms % 1000);
  for (const Suite& s : suites) out += s.xml;
  out += "</testsuites>\n";
  return out;
}

// --- index.html and suite.json -------------------------------------------------------------------

std::string link(const fs::path& from, const fs::path& to) {
  return fs::path(to).lexically_relative(from).generic_string();
}

std::string index_html(const std::vector<Entry>& entries, const fs::path& out, const std::string& title) {
  std::map<std::string, std::size_t> by_verdict;
  for (const Entry& e : entries) ++by_verdict[verdict_of(e.exit)];
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>telsim suite</title>\n<style>\n"
      "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\n"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}\n"
      "th{background:#f3f3f3}.PASS{color:#1b6e20;font-weight:bold}.FAIL,.ERROR,.BAD{color:#b3261e;font-weight:bold}\n"
      "td.num{text-align:right}code{font-size:90%}\n</style>\n</head>\n<body>\n";
  html += "<h1>telsim suite</h1>\n<p>" + xml_escape(title) + ": ";
  html += fmt::format("{} scenarios", entries.size());
  for (const auto& [verdict, n] : by_verdict) html += fmt::format(", {} {}", n, verdict);
  html += ". <a href=\"junit.xml\">junit.xml</a></p>\n";
  html += "<table>\n<tr><th>verdict</th><th>scenario</th><th>file</th><th>seed</th><th>expectations</th>"
          "<th>report</th></tr>\n";
  for (const Entry& e : entries) {
    const std::string verdict = verdict_of(e.exit);
    const std::string rel = link(out, e.dir);
    std::string reports;
    if (fs::exists(e.dir / "report.html"))
      reports = fmt::format("<a href=\"{0}/report.html\">report.html</a> <a href=\"{0}/report.json\">json</a> "
                            "<a href=\"{0}/cdr.csv\">cdr.csv</a>",
                            xml_escape(rel));
    else
      reports = fmt::format("{} (<a href=\"{}/stderr.txt\">stderr</a>)", xml_escape(e.message), xml_escape(rel));
    html += fmt::format(
        "<tr><td class=\"{}\">{}</td><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td>"
        "<td class=\"num\">{} passed, {} failed</td><td>{}</td></tr>\n",
        verdict.substr(0, verdict.find(' ')), verdict, xml_escape(e.name), xml_escape(e.file),
        e.name.empty() ? std::string() : std::to_string(e.seed), e.passed, e.failed, reports);
  }
  html += "</table>\n<p>Made by telsim; no scripts, no network.</p>\n</body>\n</html>\n";
  return html;
}

nlohmann::ordered_json suite_json(const std::vector<Entry>& entries, const fs::path& out, const std::string& shard) {
  nlohmann::ordered_json j;
  j["telsim_suite"] = 1;
  j["shard"] = shard.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(shard);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Entry& e : entries)
    list.push_back({{"file", e.file},
                    {"name", e.name},
                    {"seed", e.seed},
                    {"exit", e.exit},
                    {"verdict", verdict_of(e.exit)},
                    {"passed", e.passed},
                    {"failed", e.failed},
                    {"message", e.message},
                    {"dir", link(out, e.dir)}});
  j["scenarios"] = std::move(list);
  return j;
}

int worst(const std::vector<Entry>& entries) {
  int code = kExitPass;
  for (const Entry& e : entries) code = std::max(code, e.exit);
  return code;
}

/// junit.xml, index.html and suite.json of `entries` (in file order) into `out`.
std::vector<fs::path> write_suite(std::vector<Entry> entries, const fs::path& out, const std::string& shard,
                                  const std::string& title) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.file < b.file; });
  std::vector<fs::path> files = {out / "junit.xml", out / "index.html", out / "suite.json"};
  write_text(files[0], junit(entries));
  write_text(files[1], index_html(entries, out, title));
  write_text(files[2], suite_json(entries, out, shard).dump(2) + "\n");
  return files;
}

// --- running -------------------------------------------------------------------------------------

/// Start `telsim run` for `e` with its output in its folder; returns the child's pid.
pid_t spawn(const Entry& e, const SuiteOptions& o, const std::string& self) {
  std::vector<std::string> args = {self, "run", e.file, "--quiet", "--report", e.dir.string()};
  if (o.seed) args.insert(args.end(), {"--seed", std::to_string(*o.seed)});
  if (!o.stats_interval.empty()) args.insert(args.end(), {"--stats-interval", o.stats_interval});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = (e.dir / "stdout.txt").string(), err = (e.dir / "stderr.txt").string();
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(fmt::format("cannot start {}: {}", self, std::strerror(rc)));
  return pid;
}

void print_done(const Entry& e, bool quiet, double seconds) {
  if (quiet && e.exit == kExitPass) return;
  fmt::print("{:<9} {}{} ({:.2f} s)\n", verdict_of(e.exit), e.file, e.name.empty() ? "" : " (" + e.name + ")",
             seconds);
  if (e.exit == kExitPass) return;
  // The run's own report of what went wrong: its failures (it ran --quiet) or its error.
  std::string text = slurp(e.dir / "stdout.txt") + slurp(e.dir / "stderr.txt");
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    const std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (!line.empty() && line.rfind("verdict:", 0) != 0) fmt::print("    {}\n", line);
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
}

std::string summary_line(const std::vector<Entry>& entries) {
  std::map<int, std::size_t> n;
  for (const Entry& e : entries) ++n[e.exit];
  return fmt::format("{} scenarios: {} passed, {} failed, {} bad input, {} internal error", entries.size(),
                     n[kExitPass], n[kExitFail], n[kExitBadInput],
                     entries.size() - n[kExitPass] - n[kExitFail] - n[kExitBadInput]);
}

}  // namespace

std::vector<std::string> scenario_set(const std::vector<std::string>& paths) {
  std::set<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(p)) {
        const fs::path& f = entry.path();
        if (entry.is_regular_file() && (f.extension() == ".yaml" || f.extension() == ".yml"))
          files.insert(f.generic_string());
      }
    } else if (fs::exists(p, ec)) {
      files.insert(p);
    } else {
      throw std::invalid_argument(fmt::format("no such file or folder: {}", p));
    }
  }
  if (files.empty()) throw std::invalid_argument("no scenario files (*.yaml, *.yml) in the folders given");
  return {files.begin(), files.end()};
}

std::pair<unsigned, unsigned> parse_shard(const std::string& text) {
  static const std::regex re("([0-9]{1,6})/([0-9]{1,6})");
  std::smatch m;
  if (std::regex_match(text, m, re)) {
    const auto k = static_cast<unsigned>(std::stoul(m[1])), n = static_cast<unsigned>(std::stoul(m[2]));
    if (k >= 1 && k <= n) return {k, n};
  }
  throw std::invalid_argument(fmt::format("--shard '{}': expected K/N with 1 <= K <= N (e.g. 2/3)", text));
}

std::vector<std::string> shard_of(const std::vector<std::string>& files, unsigned k, unsigned n) {
  std::vector<std::string> out;
  for (std::size_t i = k - 1; i < files.size(); i += n) out.push_back(files[i]);
  return out;
}

int run_suite(const SuiteOptions& o) {
  std::vector<std::string> files = scenario_set(o.paths);
  const std::size_t all = files.size();
  if (!o.shard.empty()) {
    const auto [k, n] = parse_shard(o.shard);
    files = shard_of(files, k, n);
  }
  if (o.jobs < 1) throw std::invalid_argument("-j: at least 1");
  const std::string self = fs::read_symlink("/proc/self/exe").string();

  // Without --report the runs' reports are still needed (name, verdict): a temporary folder.
  fs::path out;
  bool temporary = false;
  if (o.report_dir.empty()) {
    out = fs::temp_directory_path() / fmt::format("telsim-suite-{}", ::getpid());
    fs::remove_all(out);
    temporary = true;
  } else {
    prepare_report_dir("--report", o.report_dir);
    out = fs::absolute(o.report_dir).lexically_normal();
  }
  fs::create_directories(out);

  std::vector<Entry> entries(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    entries[i].file = files[i];
    entries[i].dir = out / run_folder(files[i]);
  }
  const std::string what = o.shard.empty() ? fmt::format("{} scenarios", files.size())
                                           : fmt::format("shard {} of {} scenarios: {}", o.shard, all, files.size());
  if (!o.quiet) fmt::print("telsim run: {}, {} at a time\n", what, std::min<std::size_t>(o.jobs, std::max<std::size_t>(1, files.size())));
  std::fflush(stdout);

  using Clock = std::chrono::steady_clock;
  std::map<pid_t, std::pair<std::size_t, Clock::time_point>> running;
  std::size_t next = 0;
  while (next < entries.size() || !running.empty()) {
    while (running.size() < o.jobs && next < entries.size()) {
      Entry& e = entries[next];
      fs::remove_all(e.dir);
      fs::create_directories(e.dir);
      try {
        running[spawn(e, o, self)] = {next, Clock::now()};
      } catch (const std::exception& ex) {
        e.exit = kExitInternal;
        e.message = ex.what();
        print_done(e, o.quiet, 0);
      }
      ++next;
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    Entry& e = entries[it->second.first];
    e.exit = WIFEXITED(status) ? WEXITSTATUS(status) : kExitInternal;
    if (e.exit > kExitInternal) e.exit = kExitInternal;
    if (WIFSIGNALED(status)) e.message = fmt::format("telsim run ended by signal {}", WTERMSIG(status));
    collect(e);
    print_done(e, o.quiet, std::chrono::duration<double>(Clock::now() - it->second.second).count());
    std::fflush(stdout);
    running.erase(it);
  }

  const int code = worst(entries);
  fmt::print("suite: {}{}\n", summary_line(entries), o.shard.empty() ? "" : fmt::format(" (shard {})", o.shard));
  fmt::print("verdict: {}\n", code == kExitPass ? "PASS" : "FAIL");
  if (temporary) {
    std::error_code ec;
    fs::remove_all(out, ec);
  } else {
    const auto written = write_suite(entries, out, o.shard, what);
    if (!o.quiet) fmt::print("report: {} {} {}\n", (fs::path(o.report_dir) / "junit.xml").string(),
                             (fs::path(o.report_dir) / "index.html").string(),
                             (fs::path(o.report_dir) / "suite.json").string());
    (void)written;
  }
  return code;
}

int merge_suites(const std::vector<std::string>& dirs, const std::string& out_dir) {
  prepare_report_dir("--report", out_dir);
  const fs::path out = fs::absolute(out_dir).lexically_normal();
  std::vector<Entry> entries;
  std::map<std::string, std::string> seen;  // file -> the DIR that ran it
  std::vector<std::string> shards;
  for (const std::string& d : dirs) {
    const fs::path dir = fs::absolute(d).lexically_normal();
    const fs::path json = dir / "suite.json";
    if (!fs::exists(json))
      throw std::invalid_argument(fmt::format("{}: no suite.json (not the --report of a telsim run suite)", d));
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(slurp(json));
      if (!j.at("shard").is_null()) shards.push_back(j.at("shard").get<std::string>());
      for (const nlohmann::json& s : j.at("scenarios")) {
        Entry e;
        e.file = s.at("file").get<std::string>();
        e.dir = (dir / s.at("dir").get<std::string>()).lexically_normal();
        e.exit = s.at("exit").get<int>();
        e.name = s.at("name").get<std::string>();
        e.seed = s.at("seed").get<std::uint64_t>();
        e.passed = s.at("passed").get<std::uint64_t>();
        e.failed = s.at("failed").get<std::uint64_t>();
        e.message = s.at("message").get<std::string>();
        if (auto [it, fresh] = seen.emplace(e.file, d); !fresh)
          throw std::invalid_argument(fmt::format("{} ran in both {} and {}: not shards of one suite", e.file,
                                                  it->second, d));
        entries.push_back(std::move(e));
      }
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(fmt::format("{}: not a telsim suite.json: {}", json.string(), e.what()));
    }
  }
  const std::string title = fmt::format("{} merged from {}", "suite", dirs.size() == 1 ? "one folder" : fmt::format("{} folders", dirs.size()));
  write_suite(entries, out, "", title);
  const int code = worst(entries);
  fmt::print("telsim merge: {}\n", summary_line(entries));
  fmt::print("verdict: {}\n", code == kExitPass ? "PASS" : "FAIL");
  fmt::print("report: {} {} {}\n", (fs::path(out_dir) / "junit.xml").string(),
             (fs::path(out_dir) / "index.html").string(), (fs::path(out_dir) / "suite.json").string());
  return code;
}

}  // namespace telsim::cli
