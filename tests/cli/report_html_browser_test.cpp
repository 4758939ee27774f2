// report.html in a real browser: Debian's chromium, headless and offline, loads the page that
// `telsim run --report` wrote; the page logs no console error and its charts are in the DOM.
// Then its layout, at 1400 and 1920 px wide windows: no text of the ladder overlaps another text
// or a state bar, no table is wider than the window, and the ladder of a large run opens on the
// calls that did not end answered. The page has no script; the test measures a copy of it with
// one injected (the bounding boxes chromium computed), and reads the result from --dump-dom.
// Skipped (with the reason) only where chromium is not installed; CI installs it
// (scripts/install-deps).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

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
/// `window` is chromium's --window-size ("1400,900"); empty for its default.
Page load(const std::string& browser, const fs::path& file, const std::string& window = "") {
  TempDir profile;
  const std::string size =
      window.empty() ? std::string() : " --window-size=" + window + " --force-device-scale-factor=1";
  const std::string cmd =
      "timeout 120 " + browser + size +
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

// A front desk whose reception line has three calls at once (a held call, a waiting customer it
// answers, that customer's consultation call), two operations at one instant with long names on
// the first lane, long `history:` expectations, a trunk of one channel, and one expectation that
// fails (line 33): what made the ladder's labels collide and the tables overflow.
const std::string kDeskScenario = R"yaml(name: layout-check
seed: 3
defaults:
  behavior: {answer_after: 2s, hangup_after: 2min}
pbx:
  extensions:
    - {number: "200", name: Reception, behavior: manual, call_waiting: true}
    - "201-205"
    - {number: "300", name: Customer, behavior: manual}
  timing: {no_answer_timeout: 30s}
trunks:
  - {name: pstn, channels: 1, access_code: "9", number_length: 3, far_end: {answer_after: 1s}}
steps:
  # 200 calls 201 (a); a customer (300) calls 200 while it talks: the second call on 200.
  - {at: 0s, do: make_call, line: "200", to: "201", as: a}
  - {expect: {call: a, state: CONNECTED}, within: 5s}
  - {at: 4s, do: make_call, line: "300", to: "200", as: cust}
  - {expect: {line: "200", state: OFFERING}, within: 2s, as: desk}
  - {do: hold, call: a}
  - {do: answer, call: desk}
  # A consultation from the customer's call: setup_transfer and a refused complete_transfer at once.
  - {at: 8s, do: setup_transfer, call: desk, to: "202", as: t}
  - {do: complete_transfer, call: desk, consult: t, mode: TRANSFER, expect_error: LINEERR_INVALCALLSTATE}
  - {expect: {call: t, state: CONNECTED}, within: 5s}
  - {at: 14s, do: complete_transfer, call: desk, consult: t, mode: TRANSFER}
  - {at: 16s, do: unhold, call: a}
  - {expect: {call: a, state: CONNECTED, history: [DIALTONE, DIALING, PROCEEDING, RINGBACK, CONNECTED, ONHOLD, CONNECTED]}}
  # 203 dials out over the one trunk channel; 204 finds it taken.
  - {at: 20s, do: make_call, line: "203", to: "9555", as: x}
  - {expect: {call: x, state: CONNECTED}, within: 10s}
  - {at: 22s, do: make_call, line: "204", to: "9556", as: y}
  - {expect: {call: y, state: CONNECTED}, within: 3s}
  - {at: 40s, do: drop, call: x}
  - {do: drop, call: a}
)yaml";

// Twenty minutes of traffic over a small trunk group: some 80 call records, so the ladder shows
// a sample, and many calls that do not end answered (busy far ends, no answer, no channel).
const std::string kTrafficScenario = R"yaml(name: layout-traffic
seed: 7
defaults:
  behavior: {answer_after: "uniform(2s, 8s)"}
pbx:
  extensions: ["201-230"]
trunks:
  - name: pstn
    channels: 4
    access_code: "9"
    number_length: 4
    did: "5201-5230"
    did_digits: 3
    far_end: {answer_after: "uniform(3s, 10s)", busy: 0.15, no_answer: 0.05}
traffic:
  - {name: inbound, from: pstn, to: "5201-5230", arrivals: poisson(90/h), holding: exponential(2min), for: 20min, warmup: 2min}
  - {name: outbound, from: "201-230", to: "9xxxx", arrivals: poisson(90/h), holding: exponential(2min), for: 20min, warmup: 2min}
steps:
  - {at: 40min, expect: {line: "201", state: IDLE}}
)yaml";

// Measures the page it is injected into (at the end of <body>, so after layout) and appends the
// result as lines of <pre id="telsim-layout">:
//   viewport CLIENT_WIDTH INNER_WIDTH INNER_HEIGHT
//   table CLASS LEFT RIGHT           every <table>, in page pixels
//   overlap "TEXT" [BOX] | "TEXT" [BOX]   two texts of the ladder (or a text and a state bar,
//                                     a <rect> with a <title>) whose boxes intersect by > 1 px
//   visible cN                        a call whose state label is in the part of the ladder one
//                                     sees first: the top of its box (the element that scrolls
//                                     it), one window high, up to the box's or the window's
//                                     right edge, whichever comes first
//   ladder-texts N
const char* const kMeasure = R"js(
(function () {
  var out = [];
  var de = document.documentElement;
  var vw = de.clientWidth;
  out.push('viewport ' + vw + ' ' + window.innerWidth + ' ' + window.innerHeight);
  document.querySelectorAll('table').forEach(function (t, i) {
    var r = t.getBoundingClientRect();
    out.push('table ' + (t.className || ('#' + i)) + ' ' + r.left.toFixed(1) + ' ' + r.right.toFixed(1));
  });
  function label(el) {
    var c = el.cloneNode(true);
    c.querySelectorAll('title').forEach(function (t) { t.remove(); });
    return c.textContent.replace(/\s+/g, ' ').trim();
  }
  function box(r) {
    return '[' + [r.left, r.top, r.right, r.bottom].map(function (v) { return v.toFixed(1); }).join(',') + ']';
  }
  function hits(a, b) {
    return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
           Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  }
  var ladder = document.getElementById('ladder');
  if (ladder) {
    // The ladder's box: the nearest ancestor that scrolls it (or clips it), else its parent.
    var root = ladder.parentElement;
    for (var e = root; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible') { root = e; break; }
    }
    var texts = [], bars = [];
    root.querySelectorAll('svg text').forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.width > 0) texts.push({ text: label(t), r: r });
    });
    root.querySelectorAll('svg rect').forEach(function (b) {
      if (b.querySelector('title')) bars.push({ text: 'bar ' + label(b.querySelector('title')), r: b.getBoundingClientRect() });
    });
    out.push('ladder-texts ' + texts.length);
    var overlaps = 0;
    for (var i = 0; i < texts.length; ++i) {
      var others = texts.slice(i + 1).concat(bars);
      for (var j = 0; j < others.length; ++j) {
        if (!hits(texts[i].r, others[j].r)) continue;
        if (++overlaps <= 40)
          out.push('overlap ' + JSON.stringify(texts[i].text) + ' ' + box(texts[i].r) + ' | ' +
                   JSON.stringify(others[j].text) + ' ' + box(others[j].r));
      }
    }
    if (overlaps > 40) out.push('overlap ... ' + (overlaps - 40) + ' more');
    var area = root.getBoundingClientRect();
    var top = area.top, bottom = area.top + Math.min(area.height, window.innerHeight);
    var left = area.left, right = Math.min(area.right, vw);
    texts.forEach(function (t) {
      var m = /^c(\d+) [A-Z]/.exec(t.text);
      if (m && t.r.left >= left && t.r.right <= right && t.r.top >= top && t.r.bottom <= bottom)
        out.push('visible c' + m[1]);
    });
  }
  var pre = document.createElement('pre');
  pre.id = 'telsim-layout';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
)js";

struct Layout {
  int viewport = -1;                  ///< the page's width in the window (clientWidth)
  std::vector<std::string> tables;    ///< "CLASS LEFT RIGHT"
  std::vector<std::string> too_wide;  ///< the tables whose right edge is beyond the viewport
  std::vector<std::string> overlaps;
  std::vector<std::string> visible;   ///< "cN", once per state label seen first
  int ladder_texts = -1;
  std::string raw;                    ///< what the script wrote, or chromium's log if nothing
};

/// Load a copy of `report` with kMeasure injected in a window of `width` x `height` px.
Layout measure(const std::string& browser, const fs::path& report, int width, int height) {
  TempDir dir;
  std::string html = read_file(report);
  const std::size_t body = html.rfind("</body>");
  if (body == std::string::npos) return {};
  html.insert(body, std::string("<script>") + kMeasure + "</script>\n");
  write_file(dir / "measure.html", html);
  const Page p = load(browser, dir / "measure.html", std::to_string(width) + "," + std::to_string(height));
  Layout l;
  const std::size_t pre = p.dom.find("<pre id=\"telsim-layout\">");
  if (p.status != 0 || pre == std::string::npos) {
    l.raw = "chromium exit " + std::to_string(p.status) + "\n" + p.log;
    return l;
  }
  const std::size_t from = pre + std::string("<pre id=\"telsim-layout\">").size();
  l.raw = p.dom.substr(from, p.dom.find("</pre>", from) - from);
  std::istringstream lines(l.raw);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string what;
    words >> what;
    if (what == "viewport") {
      words >> l.viewport;
    } else if (what == "table") {
      std::string name;
      double left = 0, right = 0;
      words >> name >> left >> right;
      l.tables.push_back(line.substr(6));
      if (right > l.viewport + 0.5 || left < -0.5) l.too_wide.push_back(line.substr(6));
    } else if (what == "overlap") {
      l.overlaps.push_back(line.substr(8));
    } else if (what == "visible") {
      std::string call;
      words >> call;
      l.visible.push_back(call);
    } else if (what == "ladder-texts") {
      words >> l.ladder_texts;
    }
  }
  return l;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "  " + l + "\n";
  return out;
}

/// The rows of a CSV text (RFC 4180: quoted fields may hold commas, quotes and line ends).
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') rows.back().back() += '"', ++i;
      else if (c == '"') quoted = false;
      else rows.back().back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\n') {
      if (i + 1 < text.size()) rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  return rows;
}

/// The call ids ("c17") cdr.csv gives an outcome other than `answered`.
std::set<std::string> not_answered(const fs::path& cdr) {
  const std::vector<std::vector<std::string>> rows = csv_rows(read_file(cdr));
  std::set<std::string> out;
  if (rows.empty()) return out;
  std::size_t id = rows[0].size(), outcome = rows[0].size();
  for (std::size_t i = 0; i < rows[0].size(); ++i) {
    if (rows[0][i] == "call_id") id = i;
    if (rows[0][i] == "outcome") outcome = i;
  }
  for (std::size_t r = 1; r < rows.size(); ++r)
    if (id < rows[r].size() && outcome < rows[r].size() && rows[r][outcome] != "answered")
      out.insert(rows[r][id]);
  return out;
}

constexpr int kWidths[] = {1400, 1920};

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
  // The ladder: lane headings, state labels, an arrow, the failed expectation.
  const std::size_t ladder = dom.find("<div class=\"ladder\">");
  ASSERT_NE(ladder, std::string::npos);
  const std::string ladder_html = dom.substr(ladder, dom.find("<h2>", ladder) - ladder);
  for (const char* part : {">201</text>", ">204</text>", ">pstn/1</text>", "c1 CONNECTED",
                           "url(#arrow)", "FAIL step 7 (line 15)"})
    EXPECT_NE(ladder_html.find(part), std::string::npos) << part;
}

TEST_F(ReportHtmlBrowserTest, TheLayoutCheckSeesOverlapsAndWideTables) {
  // The checks below must be able to fail: two ladder labels on top of each other, a label on a
  // state bar, and a table wider than the window are all reported.
  TempDir dir;
  write_file(dir / "report.html",
             "<!DOCTYPE html><html><body><div><svg id=\"ladder\" width=\"300\" height=\"60\">"
             "<text x=\"10\" y=\"20\">c1 CONNECTED</text><text x=\"40\" y=\"22\">c2 OFFERING</text>"
             "<rect x=\"20\" y=\"30\" width=\"8\" height=\"20\"><title>c3 BUSY</title></rect>"
             "<text x=\"10\" y=\"45\">c3 BUSY</text></svg></div>"
             "<table class=\"wide\"><tr><td style=\"white-space:nowrap\">" + std::string(400, 'W') +
             "</td></tr></table></body></html>");
  const Layout l = measure(browser_, dir / "report.html", 1400, 900);
  ASSERT_EQ(l.viewport, 1400) << l.raw;
  EXPECT_EQ(l.overlaps.size(), 2u) << l.raw;
  EXPECT_NE(l.raw.find("overlap \"c1 CONNECTED\""), std::string::npos) << l.raw;
  EXPECT_NE(l.raw.find("\"bar c3 BUSY\""), std::string::npos) << l.raw;
  ASSERT_EQ(l.too_wide.size(), 1u) << l.raw;
  EXPECT_EQ(l.too_wide[0].rfind("wide ", 0), 0u) << l.raw;
}

TEST_F(ReportHtmlBrowserTest, LadderTextsDoNotOverlapAndTablesFitTheWindow) {
  TempDir dir;
  write_file(dir / "desk.yaml", kDeskScenario);
  const Result run = run_telsim("run " + quote((dir / "desk.yaml").string()) + " --report " +
                                quote((dir / "out").string()));
  ASSERT_EQ(run.status, 1) << describe(run);  // the one failing expectation
  for (const int width : kWidths) {
    SCOPED_TRACE("window " + std::to_string(width) + " px wide");
    const Layout l = measure(browser_, dir / "out" / "report.html", width, 900);
    ASSERT_GT(l.viewport, width - 20) << l.raw;  // the window size took (less a scroll bar)
    ASSERT_LE(l.viewport, width) << l.raw;
    EXPECT_GT(l.ladder_texts, 40) << l.raw;
    EXPECT_GE(l.tables.size(), 5u) << l.raw;
    EXPECT_TRUE(l.overlaps.empty()) << "texts of the ladder that overlap:\n" << joined(l.overlaps);
    EXPECT_TRUE(l.too_wide.empty()) << "tables wider than the " << l.viewport << " px page:\n"
                                    << joined(l.too_wide);
  }
}

TEST_F(ReportHtmlBrowserTest, TheLadderOfALargeRunOpensOnItsInterestingCalls) {
  TempDir dir;
  write_file(dir / "traffic.yaml", kTrafficScenario);
  const Result run = run_telsim("run " + quote((dir / "traffic.yaml").string()) + " --report " +
                                quote((dir / "out").string()));
  ASSERT_EQ(run.status, 0) << describe(run);
  const std::set<std::string> interesting = not_answered(dir / "out" / "cdr.csv");
  ASSERT_GE(interesting.size(), 12u);
  for (const int width : kWidths) {
    SCOPED_TRACE("window " + std::to_string(width) + " px wide");
    const Layout l = measure(browser_, dir / "out" / "report.html", width, 900);
    ASSERT_GT(l.viewport, width - 20) << l.raw;
    EXPECT_TRUE(l.overlaps.empty()) << "texts of the ladder that overlap:\n" << joined(l.overlaps);
    EXPECT_TRUE(l.too_wide.empty()) << "tables wider than the " << l.viewport << " px page:\n"
                                    << joined(l.too_wide);
    // What one sees of the ladder before scrolling it: labels, not empty rows, and mostly of
    // calls that did not end answered.
    EXPECT_GE(l.visible.size(), 12u) << l.raw;
    const std::set<std::string> calls(l.visible.begin(), l.visible.end());
    std::size_t shown = 0;
    for (const std::string& c : calls) shown += interesting.count(c);
    EXPECT_GE(shown, 3u) << l.raw;
    EXPECT_GE(2 * shown, calls.size()) << shown << " of the " << calls.size()
                                       << " calls in view did not end answered\n" << l.raw;
  }
}

}  // namespace
}  // namespace telsim::cli_test
