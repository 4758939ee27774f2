// report.html in a real browser: Debian's chromium, headless and offline, loads the page that
// `telsim run --report` wrote; the page logs no console error and its charts are in the DOM.
// Skipped (with the reason) only where chromium is not installed; CI installs it
// (scripts/install-deps).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "cli/cli_support.hpp"

namespace telsim::cli_test {
namespace {

// A trunk call, two internal calls, and one expectation that fails (line 15).
const std::string kScenario = R"yaml(name: browser-check
seed: 1
pbx:
  extensions: ["201-203", {number: "204", behavior: {answer_after: 2s, hangup_after: 20s}}]
trunks:
  - {name: pstn, channels: 2, access_code: "9", number_length: 3, far_end: {answer_after: 1s}}
steps:
  - {at: 0s, do: make_call, line: "201", to: "204", as: a}
  - {expect: {call: a, state: CONNECTED}, within: 10s}
  - {at: 5s, do: make_call, line: "202", to: "9555", as: b}
  - {expect: {call: b, state: CONNECTED}, within: 10s}
  - {after: 30s, do: drop, call: b}
  - {do: make_call, line: "203", to: "201", as: c}
  # the mistake: 201 is still on its call with 204 only until 22 s, and nobody answers 203's call
  - {expect: {call: c, state: CONNECTED}, within: 3s}
)yaml";

std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return {};
}

struct Page {
  int status = -1;
  std::string dom;
  std::string log;
};

/// Load `file` in headless chromium with no network access and dump its DOM after load.
Page load(const std::string& browser, const fs::path& file) {
  TempDir profile;
  const std::string cmd =
      "timeout 120 " + browser +
      " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --proxy-server=127.0.0.1:9 --enable-logging=stderr --v=0 --user-data-dir=" +
      quote(profile.path().string()) + " --dump-dom " + quote("file://" + file.string()) + " >" +
      quote((profile / "dom").string()) + " 2>" + quote((profile / "log").string()) + " </dev/null";
  Page p;
  const int raw = std::system(cmd.c_str());
  p.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  p.dom = read_file(profile / "dom");
  p.log = read_file(profile / "log");
  return p;
}

/// Lines of chromium's log that report a console message of the page (errors included).
std::string console_lines(const std::string& log) {
  std::string out;
  std::size_t start = 0;
  while (start < log.size()) {
    std::size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    const std::string line = log.substr(start, end - start);
    if (line.find(":CONSOLE") != std::string::npos) out += line + "\n";
    start = end + 1;
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ReportHtmlBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    browser_ = chromium();
    if (browser_.empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs it)";
  }
  std::string browser_;
};

TEST_F(ReportHtmlBrowserTest, TheConsoleCheckSeesAnError) {
  // The check below must be able to fail: a page that logs an error is caught.
  TempDir dir;
  write_file(dir / "bad.html",
             "<!DOCTYPE html><html><body><script>console.error('broken')</script></body></html>");
  const Page p = load(browser_, dir / "bad.html");
  ASSERT_EQ(p.status, 0) << p.log;
  EXPECT_NE(console_lines(p.log).find("broken"), std::string::npos) << p.log;
}

TEST_F(ReportHtmlBrowserTest, ReportLoadsWithoutConsoleErrorsAndShowsItsCharts) {
  TempDir dir;
  write_file(dir / "browser.yaml", kScenario);
  const Result run = run_telsim("run " + quote((dir / "browser.yaml").string()) + " --report " +
                                quote((dir / "out").string()));
  ASSERT_EQ(run.status, 1) << describe(run);  // the one failing expectation

  const Page p = load(browser_, dir / "out" / "report.html");
  ASSERT_EQ(p.status, 0) << p.log;
  EXPECT_EQ(console_lines(p.log), "");
  const std::string& dom = p.dom;
  ASSERT_NE(dom.find("<title>telsim: browser-check</title>"), std::string::npos) << dom.substr(0, 2000);
  EXPECT_NE(dom.find(">FAIL</span>"), std::string::npos);
  EXPECT_NE(dom.find("browser.yaml:15</code>"), std::string::npos);
  // Every chart is an SVG element the parser kept whole, with its parts inside.
  EXPECT_EQ(count(dom, "<svg "), count(dom, "</svg>"));
  for (const char* id : {"id=\"ladder\"", "id=\"trunk-occupancy-0\"", "id=\"histogram-setup\"",
                         "id=\"histogram-answer\"", "id=\"histogram-ring\"", "id=\"histogram-talk\""}) {
    const std::size_t at = dom.find(id);
    ASSERT_NE(at, std::string::npos) << id;
    EXPECT_EQ(dom.rfind("<svg ", at), dom.rfind("<", at)) << id << ": not on an <svg> element";
  }
  const std::size_t ladder = dom.find("id=\"ladder\"");
  const std::string ladder_svg = dom.substr(ladder, dom.find("</svg>", ladder) - ladder);
  for (const char* part : {">201</text>", ">204</text>", ">pstn/1</text>", "c1 CONNECTED",
                           "url(#arrow)", "FAIL step 7 (line 15)"})
    EXPECT_NE(ladder_svg.find(part), std::string::npos) << part;
}

}  // namespace
}  // namespace telsim::cli_test
