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
#include <charconv>
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

using Params = std::vector<std::pair<std::string, std::string>>;

/// One run of a suite (a scenario, or one point of a scenario's sweep) and what became of it.
struct Entry {
  std::string file;          ///< as given (or found in a folder given)
  Params params;             ///< the sweep's point (empty without a sweep)
  std::size_t index = 0;     ///< the point's place in the sweep
  std::optional<std::uint64_t> run_seed;  ///< the seed given to the run (a sweep's points)
  fs::path dir;              ///< its run's folder: reports, stdout.txt, stderr.txt
  int exit = kExitInternal;  ///< telsim run's exit code
  std::string name;          ///< the scenario's `name` (from its report.json; "" if none)
  std::uint64_t seed = 0;
  std::uint64_t passed = 0, failed = 0;
  std::string message;       ///< bad input or internal error: the first line telsim run printed on stderr
  /// report.json's numbers, flattened ("trunks.pstn.blocking"), as written (sweep.csv's columns).
  std::vector<std::pair<std::string, std::string>> metrics;
};

std::string params_text(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) out += (out.empty() ? "" : ",") + name + "=" + value;
  return out;
}

/// "FILE" or "FILE[p=v,...]": how a run is named where its scenario's name is not known.
std::string label(const Entry& e) {
  return e.params.empty() ? e.file : e.file + "[" + params_text(e.params) + "]";
}

bool before(const Entry& a, const Entry& b) { return a.file != b.file ? a.file < b.file : a.index < b.index; }

void flatten(const nlohmann::ordered_json& j, const std::string& path, std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!path.empty() || (it.key() != "expectations" && it.key() != "seed")) flatten(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
  } else if (j.is_number()) {
    out.emplace_back(path, j.dump());
  }
}

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
fs::path run_folder(const Entry& e) {
  fs::path out = "runs";
  fs::path p = fs::path(e.file).lexically_normal();
  p.replace_extension();
  for (const fs::path& part : p.relative_path()) {
    if (part == ".") continue;
    out /= part == ".." ? fs::path("up") : part;
  }
  if (!e.params.empty()) {
    std::string point = params_text(e.params);
    for (char& c : point)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '=' && c != ',' && c != '.' && c != '-' && c != '_') c = '_';
    out /= point;
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
      if (!e.params.empty()) {
        // report.json keeps its keys in order: parse it again keeping them.
        e.metrics.clear();
        flatten(nlohmann::ordered_json::parse(slurp(json)), "", e.metrics);
      }
    } catch (const std::exception&) {
      // An unreadable report.json (a run cut short): the entry keeps no name.
    }
  }
  if ((e.exit == kExitBadInput || e.exit == kExitInternal) && e.message.empty()) {
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
  const std::string name = xml_escape(e.name.empty() ? label(e) : e.name);
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

// --- sweeps: sweep.csv and a plot per swept scenario ---------------------------------------------

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

template <class T>
std::string lookup(const std::vector<std::pair<std::string, T>>& list, const std::string& key) {
  for (const auto& [k, v] : list)
    if (k == key) return v;
  return {};
}

void add_key(std::vector<std::string>& keys, const std::string& k) {
  if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
}

/// One row per run of a swept scenario: file, scenario, its parameters, seed, verdict, then every
/// number of its report.json (columns: the union over the runs, in order of first appearance).
std::string sweep_csv(const std::vector<Entry>& entries) {
  std::vector<std::string> params, metrics;
  for (const Entry& e : entries) {
    for (const auto& p : e.params) add_key(params, p.first);
    for (const auto& m : e.metrics) add_key(metrics, m.first);
  }
  std::string out = "file,scenario";
  for (const std::string& p : params) out += "," + csv_field(p);
  out += ",seed,verdict";
  for (const std::string& m : metrics) out += "," + csv_field(m);
  out += "\n";
  for (const Entry& e : entries) {
    if (e.params.empty()) continue;
    out += csv_field(e.file) + "," + csv_field(e.name);
    for (const std::string& p : params) out += "," + csv_field(lookup(e.params, p));
    out += fmt::format(",{},{}", e.name.empty() ? std::string() : std::to_string(e.seed), verdict_of(e.exit));
    for (const std::string& m : metrics) out += "," + lookup(e.metrics, m);
    out += "\n";
  }
  return out;
}

/// The figure a sweep's plot shows: the first trunk group's blocking, else calls answered.
std::string plotted_metric(const std::vector<const Entry*>& runs) {
  for (const Entry* e : runs)
    for (const auto& m : e->metrics)
      if (m.first.rfind("trunks.", 0) == 0 && m.first.size() > 9 && m.first.ends_with(".blocking")) return m.first;
  return "calls.answered";
}

/// A line chart of one swept scenario: its first parameter across, the plotted figure up, one line
/// per combination of the other parameters.
std::string sweep_svg(const std::vector<const Entry*>& runs, const std::string& metric) {
  constexpr double kLeft = 70, kPlot = 520, kTop = 16, kHeight = 200, kWidth = 820;
  std::vector<std::string> xs, series;
  for (const Entry* e : runs) {
    add_key(xs, e->params.front().second);
    add_key(series, params_text(Params(e->params.begin() + 1, e->params.end())));
  }
  double top = 0;
  for (const Entry* e : runs)
    if (const std::string v = lookup(e->metrics, metric); !v.empty()) top = std::max(top, std::stod(v));
  if (top <= 0) top = 1;
  const auto x_of = [&](std::size_t i) { return kLeft + (xs.size() == 1 ? kPlot / 2 : kPlot * static_cast<double>(i) / static_cast<double>(xs.size() - 1)); };
  const auto y_of = [&](double v) { return kTop + kHeight - kHeight * v / top; };
  static const char* colours[] = {"#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#d6616b", "#8c6d31"};
  std::string out = fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
                                "font-family=\"sans-serif\" font-size=\"12\">\n",
                                kWidth, kTop + kHeight + 44);
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/><line x1=\"{0}\" y1=\"{2}\" "
                     "x2=\"{3}\" y2=\"{2}\" stroke=\"#333\"/>\n",
                     kLeft, kTop, kTop + kHeight, kLeft + kPlot);
  for (int t = 0; t <= 4; ++t)
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.4g}</text>\n", kLeft - 4,
                       y_of(top * t / 4) + 4, top * t / 4);
  for (std::size_t i = 0; i < xs.size(); ++i)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x_of(i), kTop + kHeight + 16,
                       xml_escape(xs[i]));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + kPlot / 2,
                     kTop + kHeight + 36, xml_escape(runs.front()->params.front().first));
  for (std::size_t s = 0; s < series.size(); ++s) {
    std::string points;
    for (const Entry* e : runs) {
      if (params_text(Params(e->params.begin() + 1, e->params.end())) != series[s]) continue;
      const std::string v = lookup(e->metrics, metric);
      if (v.empty()) continue;
      const auto i = static_cast<std::size_t>(std::find(xs.begin(), xs.end(), e->params.front().second) - xs.begin());
      points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", x_of(i), y_of(std::stod(v)));
    }
    const char* colour = colours[s % std::size(colours)];
    out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", points, colour);
    out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", kLeft + kPlot + 16, kTop + 14 + 16 * s,
                       colour, xml_escape(series[s].empty() ? metric : series[s]));
  }
  return out + "</svg>\n";
}

/// Each swept scenario's plot and the figure it shows, for the summary page.
std::string sweep_section(const std::vector<Entry>& entries) {
  std::string html;
  for (std::size_t i = 0; i < entries.size();) {
    std::vector<const Entry*> runs;
    std::size_t j = i;
    for (; j < entries.size() && entries[j].file == entries[i].file; ++j)
      if (!entries[j].params.empty()) runs.push_back(&entries[j]);
    if (!runs.empty()) {
      const std::string metric = plotted_metric(runs);
      html += fmt::format("<h2>Sweep: <code>{}</code></h2>\n<p>{} runs; <code>{}</code> by <code>{}</code>{}. "
                          "Every figure of every run: <a href=\"sweep.csv\">sweep.csv</a>.</p>\n",
                          xml_escape(entries[i].file), runs.size(), xml_escape(metric),
                          xml_escape(runs.front()->params.front().first),
                          runs.front()->params.size() > 1 ? ", one line per value of the other parameters" : "");
      html += sweep_svg(runs, metric);
    }
    i = j;
  }
  return html;
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
  html += "</table>\n" + sweep_section(entries);
  html += "<p>Made by telsim; no scripts, no network.</p>\n</body>\n</html>\n";
  return html;
}

nlohmann::ordered_json suite_json(const std::vector<Entry>& entries, const fs::path& out, const std::string& shard) {
  nlohmann::ordered_json j;
  j["telsim_suite"] = 1;
  j["shard"] = shard.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(shard);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Entry& e : entries) {
    nlohmann::ordered_json params = nlohmann::ordered_json::object();
    for (const auto& [k, v] : e.params) params[k] = v;
    list.push_back({{"file", e.file},
                    {"params", std::move(params)},
                    {"index", e.index},
                    {"name", e.name},
                    {"seed", e.seed},
                    {"exit", e.exit},
                    {"verdict", verdict_of(e.exit)},
                    {"passed", e.passed},
                    {"failed", e.failed},
                    {"message", e.message},
                    {"dir", link(out, e.dir)}});
  }
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
  std::sort(entries.begin(), entries.end(), before);
  std::vector<fs::path> files = {out / "junit.xml", out / "index.html", out / "suite.json"};
  write_text(files[0], junit(entries));
  write_text(files[1], index_html(entries, out, title));
  write_text(files[2], suite_json(entries, out, shard).dump(2) + "\n");
  const bool swept = std::any_of(entries.begin(), entries.end(), [](const Entry& e) { return !e.params.empty(); });
  if (swept) {
    files.push_back(out / "sweep.csv");
    write_text(files.back(), sweep_csv(entries));
  }
  return files;
}

// --- running -------------------------------------------------------------------------------------

/// Start `telsim run` for `e` with its output in its folder; returns the child's pid.
pid_t spawn(const Entry& e, const SuiteOptions& o, const std::string& self) {
  std::vector<std::string> args = {self, "run", e.file, "--quiet", "--report", e.dir.string()};
  if (e.run_seed) args.insert(args.end(), {"--seed", std::to_string(*e.run_seed)});
  else if (o.seed) args.insert(args.end(), {"--seed", std::to_string(*o.seed)});
  for (const auto& [name, value] : e.params) args.insert(args.end(), {"--set", name + "=" + value});
  if (!o.stats_interval.empty()) args.insert(args.end(), {"--stats-interval", o.stats_interval});
  if (!o.personality.empty()) args.insert(args.end(), {"--personality", o.personality});
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
  fmt::print("{:<9} {}{}{} ({:.2f} s)\n", verdict_of(e.exit), e.file, e.name.empty() ? "" : " (" + e.name + ")",
             e.run_seed ? fmt::format(" --seed {}", *e.run_seed) : std::string(), seconds);
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
  return fmt::format("{} runs: {} passed, {} failed, {} bad input, {} internal error", entries.size(),
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


std::vector<std::vector<std::pair<std::string, std::string>>> sweep_points(const SweepSpec& spec) {
  std::vector<Params> points = {{}};
  for (const auto& [name, values] : spec.params) {
    std::vector<Params> next;
    for (const Params& p : points)
      for (const std::string& v : values) {
        next.push_back(p);
        next.back().emplace_back(name, v);
      }
    points = std::move(next);
  }
  return points;
}

int run_suite(const SuiteOptions& o) {
  // The runs: each file, or each point of its sweep (in order), with its own seed: the sweep's
  // `seed` parameter when it has one, else the scenario's (or --seed) plus the point's index.
  std::vector<Entry> runs;
  for (const std::string& file : scenario_set(o.paths)) {
    SweepSpec spec;
    try {
      spec = read_sweep(file);
    } catch (const ScenarioError&) {
      // Its run says what is wrong.
    }
    if (spec.params.empty()) {
      runs.push_back(Entry{});
      runs.back().file = file;
      continue;
    }
    const auto points = sweep_points(spec);
    for (std::size_t i = 0; i < points.size(); ++i) {
      Entry e;
      e.file = file;
      e.params = points[i];
      e.index = i;
      if (const std::string seed = lookup(e.params, "seed"); !seed.empty()) {
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), v);
        if (ec != std::errc{} || end != seed.data() + seed.size())
          throw std::invalid_argument(fmt::format("{}: the sweep's seed '{}' is not a whole number", file, seed));
        e.run_seed = v;
      } else {
        e.run_seed = o.seed.value_or(spec.seed) + i;
      }
      runs.push_back(std::move(e));
    }
  }
  const std::size_t all = runs.size();
  if (!o.shard.empty()) {
    const auto [k, n] = parse_shard(o.shard);
    std::vector<Entry> share;
    for (std::size_t i = k - 1; i < runs.size(); i += n) share.push_back(runs[i]);
    runs = std::move(share);
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

  std::vector<Entry> entries = std::move(runs);
  for (Entry& e : entries) e.dir = out / run_folder(e);
  const std::string what = o.shard.empty() ? fmt::format("{} runs", entries.size())
                                           : fmt::format("shard {} of {} runs: {}", o.shard, all, entries.size());
  if (!o.quiet) fmt::print("telsim run: {}, {} at a time\n", what, std::min<std::size_t>(o.jobs, std::max<std::size_t>(1, entries.size())));
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
    if (!o.quiet) {
      fmt::print("report:");
      for (const fs::path& f : written) fmt::print(" {}", (fs::path(o.report_dir) / f.filename()).string());
      fmt::print("\n");
    }
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
        for (auto it = s.at("params").begin(); it != s.at("params").end(); ++it)
          e.params.emplace_back(it.key(), it.value().get<std::string>());
        e.index = s.at("index").get<std::size_t>();
        e.dir = (dir / s.at("dir").get<std::string>()).lexically_normal();
        e.exit = s.at("exit").get<int>();
        e.name = s.at("name").get<std::string>();
        e.seed = s.at("seed").get<std::uint64_t>();
        e.passed = s.at("passed").get<std::uint64_t>();
        e.failed = s.at("failed").get<std::uint64_t>();
        e.message = s.at("message").get<std::string>();
        if (auto [it, fresh] = seen.emplace(label(e), d); !fresh)
          throw std::invalid_argument(fmt::format("{} ran in both {} and {}: not shards of one suite", label(e),
                                                  it->second, d));
        if (!e.params.empty()) collect(e);  // its figures for sweep.csv, from its report.json
        entries.push_back(std::move(e));
      }
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(fmt::format("{}: not a telsim suite.json: {}", json.string(), e.what()));
    }
  }
  const std::string title = fmt::format("{} merged from {}", "suite", dirs.size() == 1 ? "one folder" : fmt::format("{} folders", dirs.size()));
  const auto written = write_suite(entries, out, "", title);
  const int code = worst(entries);
  fmt::print("telsim merge: {}\n", summary_line(entries));
  fmt::print("verdict: {}\n", code == kExitPass ? "PASS" : "FAIL");
  fmt::print("report:");
  for (const fs::path& f : written) fmt::print(" {}", (fs::path(out_dir) / f.filename()).string());
  fmt::print("\n");
  return code;
}

}  // namespace telsim::cli
