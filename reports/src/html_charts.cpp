// The inline SVG charts of report.html: the ladder diagram of the calls, trunk occupancy over
// time and the timing histograms. Integer geometry only, so the markup is the same bytes on
// every machine; every chart has axis labels with units.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "internal.hpp"

namespace telsim::report_detail {
namespace {

using Out = std::back_insert_iterator<std::string>;

std::string svg_open(std::string_view id, std::int64_t width, std::int64_t height,
                     std::string_view label) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{0}\" class=\"chart\" width=\"{1}\" "
      "height=\"{2}\" viewBox=\"0 0 {1} {2}\" role=\"img\" aria-label=\"{3}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n",
      id, width, height, xml_escape(label));
}

/// Colour of the bar a call's lane shows while it is in `s`.
std::string_view state_colour(CallState s) {
  switch (s) {
    case CallState::Connected:
    case CallState::Conferenced: return "#2e9d4f";
    case CallState::DialTone:
    case CallState::Dialing:
    case CallState::Proceeding: return "#4a90d9";
    case CallState::RingBack:
    case CallState::Offering:
    case CallState::Accepted: return "#e8a33d";
    case CallState::Busy:
    case CallState::SpecialInfo: return "#c0392b";
    case CallState::OnHold:
    case CallState::OnHoldPendConf:
    case CallState::OnHoldPendTransfer: return "#8e6cc0";
    case CallState::Disconnected:
    case CallState::Unknown:
    case CallState::Idle: return "#aaaaaa";
  }
  return "#aaaaaa";
}

/// A "nice" axis step (1, 2 or 5 times a power of ten) giving at most `ticks` steps up to `top`.
std::int64_t nice_step(std::int64_t top, std::int64_t ticks) {
  std::int64_t step = 1;
  for (;;) {
    for (const std::int64_t m : {1, 2, 5}) {
      if (top / (step * m) < ticks) return step * m;
    }
    step *= 10;
  }
}

/// Duration axis labels: whole milliseconds below 10 s, else seconds (with 3 decimals if needed).
std::string duration_label(Duration d, bool seconds) {
  if (!seconds) return fmt::format("{}", round_div(d.count(), 1'000'000));
  const std::string s = format_seconds_3(d);
  return s.ends_with(".000") ? s.substr(0, s.size() - 4) : s;
}

}  // namespace

// --- ladder ----------------------------------------------------------------------------------

std::vector<const CallRecord*> ladder_selection(const std::vector<const CallRecord*>& by_serial,
                                                std::string& rule) {
  constexpr std::size_t kAll = 40, kUnsuccessful = 12, kFirst = 8;
  if (by_serial.size() <= kAll) {
    rule = fmt::format("All {} call records of the run.", by_serial.size());
    return by_serial;
  }
  std::set<std::uint64_t> chosen;
  std::size_t unsuccessful = 0, unsuccessful_total = 0;
  for (const CallRecord* r : by_serial) {
    if (r->outcome == Outcome::Answered) continue;
    ++unsuccessful_total;
    if (unsuccessful < kUnsuccessful) chosen.insert(r->serial), ++unsuccessful;
  }
  for (std::size_t i = 0; i < kFirst && i < by_serial.size(); ++i) chosen.insert(by_serial[i]->serial);
  const auto find = [&](std::uint64_t serial) -> const CallRecord* {
    auto it = std::lower_bound(by_serial.begin(), by_serial.end(), serial,
                               [](const CallRecord* r, std::uint64_t s) { return r->serial < s; });
    return it != by_serial.end() && (*it)->serial == serial ? *it : nullptr;
  };
  for (const std::uint64_t s : std::vector<std::uint64_t>(chosen.begin(), chosen.end()))
    if (const CallRecord* r = find(s); r && r->peer_serial && find(r->peer_serial))
      chosen.insert(r->peer_serial);
  std::vector<const CallRecord*> out;
  for (const std::uint64_t s : chosen) out.push_back(find(s));
  rule = fmt::format(
      "A sample of {} of the run's {} call records: the first {} that did not end answered "
      "(of {}), the first {} of the run, and the other party of each.",
      out.size(), by_serial.size(), unsuccessful, unsuccessful_total, kFirst);
  return out;
}

std::string ladder_svg(const RunResult& run, const std::vector<const CallRecord*>& calls) {
  // A lane: room for operation labels on the left, then its axis, then one column (bar and state
  // labels) per call the line has at once.
  constexpr std::int64_t kTimeColumn = 84, kOpArea = 100, kColumn = 140, kMaxColumns = 4, kTop = 46,
                         kRow = 20, kMaxRows = 400;
  // Lanes: one per line, in order of first appearance.
  std::vector<std::string> lanes;
  std::map<std::string, std::size_t> lane_of;
  std::vector<const CallRecord*> ordered = calls;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const CallRecord* a, const CallRecord* b) { return a->start < b->start; });
  for (const CallRecord* r : ordered)
    if (lane_of.emplace(r->line, lanes.size()).second) lanes.push_back(r->line);

  // Operations drawn: those on a call shown; one on no call when its line has a lane (or, when
  // every call is shown, on any line: it gets a lane).
  const bool all_shown = calls.size() == run.records.size();
  std::set<std::uint64_t> shown;
  for (const CallRecord* r : calls) shown.insert(r->serial);
  std::vector<const OperationRecord*> ops;
  for (const OperationRecord& op : run.operations) {
    if (op.line.empty()) continue;
    if (op.call ? !shown.count(op.call) : (!all_shown && !lane_of.count(op.line))) continue;
    if (lane_of.emplace(op.line, lanes.size()).second) lanes.push_back(op.line);
    ops.push_back(&op);
  }

  // Columns: a call takes the first column of its lane free when it starts.
  std::map<const CallRecord*, std::int64_t> column_of;
  std::vector<std::vector<SimTime>> lane_busy_until(lanes.size());
  for (const CallRecord* r : ordered) {
    if (r->history.empty()) continue;
    std::vector<SimTime>& columns = lane_busy_until[lane_of.at(r->line)];
    std::size_t column = 0;
    while (column < columns.size() && columns[column] > r->history.front().at) ++column;
    if (column == columns.size()) columns.push_back(SimTime{0});
    columns[column] = r->history.back().at + Duration{1};
    column_of[r] = static_cast<std::int64_t>(column) % kMaxColumns;
  }
  std::vector<std::int64_t> lane_axis;  // x of each lane's axis
  std::int64_t right = kTimeColumn;
  for (const auto& busy : lane_busy_until) {
    lane_axis.push_back(right + kOpArea);
    right += kOpArea + kColumn * std::clamp<std::int64_t>(static_cast<std::int64_t>(busy.size()), 1, kMaxColumns);
  }

  // Rows: one per distinct instant at which something happened (a state change, an operation,
  // a verdict).
  std::set<SimTime> instants;
  for (const CallRecord* r : calls)
    for (const StateStamp& s : r->history) instants.insert(s.at);
  for (const OperationRecord* op : ops) instants.insert(op->at);
  for (const ExpectationResult& e : run.expectations)
    if (!e.ok) instants.insert(e.at);
  std::map<SimTime, std::int64_t> row_of;
  for (const SimTime t : instants) {
    if (static_cast<std::int64_t>(row_of.size()) == kMaxRows) break;
    row_of.emplace(t, static_cast<std::int64_t>(row_of.size()));
  }
  const auto y_of = [&](SimTime t) -> std::int64_t {
    auto it = row_of.upper_bound(t);
    if (it == row_of.begin()) return kTop;
    --it;
    return kTop + it->second * kRow + kRow / 2;
  };
  const auto rows = static_cast<std::int64_t>(row_of.size());
  const bool truncated = instants.size() > row_of.size();
  const std::int64_t width = std::max(right, kTimeColumn + kOpArea + kColumn) + 150;
  const std::int64_t height = kTop + rows * kRow + 30;
  const auto lane_x = [&](const std::string& line) { return lane_axis[lane_of.at(line)]; };

  std::string out = svg_open("ladder", width, height, "ladder diagram of the calls");
  auto o = std::back_inserter(out);
  out += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
         "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" "
         "fill=\"#555\"/></marker></defs>\n";
  fmt::format_to(o, "<text x=\"4\" y=\"16\" font-weight=\"bold\">time (s)</text>\n");
  for (const auto& [line, lane] : lane_of) {
    const std::int64_t x = lane_axis[lane];
    fmt::format_to(o, "<text x=\"{}\" y=\"16\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>\n", x,
                   xml_escape(line));
    fmt::format_to(o, "<line x1=\"{0}\" y1=\"24\" x2=\"{0}\" y2=\"{1}\" stroke=\"#ccc\" stroke-dasharray=\"3 3\"/>\n",
                   x, height - 24);
  }
  // Time labels and faint row rules.
  for (const auto& [t, row] : row_of) {
    const std::int64_t y = kTop + row * kRow + kRow / 2;
    fmt::format_to(o, "<text x=\"4\" y=\"{}\" fill=\"#555\">{}</text>\n", y + 4, format_seconds_3(t));
  }
  // Each call: coloured bar segments per state in its column of its lane (a line's second call at
  // once sits in the next column, labels and all), state names beside them.
  for (const CallRecord* r : ordered) {
    if (r->history.empty()) continue;
    const std::int64_t x = lane_x(r->line) + column_of.at(r) * kColumn - 4;
    for (std::size_t i = 0; i < r->history.size(); ++i) {
      const StateStamp& s = r->history[i];
      const std::int64_t y1 = y_of(s.at);
      const std::int64_t y2 = i + 1 < r->history.size() ? y_of(r->history[i + 1].at) : y1;
      fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"{}\" fill=\"{}\"><title>c{} {} at {} s</title></rect>\n",
                     x, y1 - 3, std::max<std::int64_t>(6, y2 - y1 + 6), state_colour(s.state), r->serial,
                     to_string(s.state), format_seconds_3(s.at));
      // One label per instant: the last state the call reached then.
      if (i + 1 < r->history.size() && r->history[i + 1].at == s.at) continue;
      fmt::format_to(o, "<text x=\"{}\" y=\"{}\">c{} {}</text>\n", x + 12, y1 + 4, r->serial,
                     to_string(s.state));
    }
  }
  // Operations: a diamond left of the acting line's axis at the operation's row, the operations
  // of that line and instant named beside it in the order they ran; a refused one red and struck
  // through, its LINEERR in the tooltip.
  std::map<std::pair<std::int64_t, std::size_t>, std::vector<const OperationRecord*>> ops_at;
  for (const OperationRecord* op : ops)
    if (row_of.count(op->at)) ops_at[{row_of.at(op->at), lane_of.at(op->line)}].push_back(op);
  for (const auto& [where, group] : ops_at) {
    const std::int64_t x = lane_axis[where.second] - 12, y = y_of(group.front()->at);
    const bool refused = std::any_of(group.begin(), group.end(),
                                     [](const OperationRecord* op) { return op->error != LineErr::Success; });
    fmt::format_to(o, "<g class=\"op\"><path d=\"M{0} {1}L{2} {3}L{0} {4}L{5} {3}z\" fill=\"{6}\"/>"
                      "<text x=\"{7}\" y=\"{8}\" text-anchor=\"end\" font-size=\"10\">",
                   x, y - 5, x + 5, y, y + 5, x - 5, refused ? "#b3261e" : "#333", x - 8, y + 4);
    for (std::size_t i = 0; i < group.size(); ++i) {
      const OperationRecord& op = *group[i];
      const bool ok = op.error == LineErr::Success;
      std::string title = fmt::format("{} on {}", to_string(op.op), op.line);
      if (op.call) title += fmt::format(", c{}", op.call);
      title += fmt::format(" at {} s", format_seconds_3(op.at));
      if (!op.who.empty()) title += " by " + op.who;
      if (!ok) title += ": refused with " + tapi_name(op.error);
      if (i) out += ", ";
      fmt::format_to(o, "<tspan{}><title>{}</title>{}</tspan>",
                     ok ? "" : " fill=\"#b3261e\" text-decoration=\"line-through\"", xml_escape(title),
                     to_string(op.op));
    }
    out += "</text></g>\n";
  }
  // Arrows from a caller to the party it reached, when that party is offered.
  std::map<std::uint64_t, const CallRecord*> by_id;
  for (const CallRecord* r : calls) by_id[r->serial] = r;
  for (const CallRecord* r : ordered) {
    if (r->direction != Direction::Incoming || !r->peer_serial || r->history.empty()) continue;
    auto peer = by_id.find(r->peer_serial);
    if (peer == by_id.end() || peer->second->line == r->line) continue;
    // From the caller's column to the called party's.
    const auto column_x = [&](const CallRecord* c) {
      auto it = column_of.find(c);
      return lane_x(c->line) + (it == column_of.end() ? 0 : it->second * kColumn);
    };
    const std::int64_t x1 = column_x(peer->second), x2 = column_x(r);
    const std::int64_t y = y_of(r->history.front().at);
    fmt::format_to(o, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>\n",
                   x1 + (x2 > x1 ? 6 : -6), y - 6, x2 + (x2 > x1 ? -8 : 8), y - 6);
  }
  // Failed expectations across the diagram, where the run decided them.
  for (const ExpectationResult& e : run.expectations) {
    if (e.ok || !row_of.count(e.at)) continue;
    const std::int64_t y = y_of(e.at);
    fmt::format_to(o, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#b3261e\" stroke-dasharray=\"6 3\"/>\n",
                   kTimeColumn, y, width - 150, y);
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" fill=\"#b3261e\" font-weight=\"bold\">FAIL step {} (line {})</text>\n",
                   width - 146, y + 4, e.step, e.yaml_line);
  }
  if (truncated)
    fmt::format_to(o, "<text x=\"4\" y=\"{}\" fill=\"#555\">… {} more instants not drawn</text>\n",
                   height - 8, instants.size() - row_of.size());
  out += "</svg>\n";
  return out;
}

// --- trunk occupancy ---------------------------------------------------------------------------

std::string occupancy_svg(const RunResult& run, const RunResult::Trunk& trunk, std::size_t index) {
  constexpr std::int64_t kLeft = 56, kPlot = 640, kHeight = 180, kTop = 14, kBottom = 40;
  // A channel (line "NAME/k") is busy from its call's start until that call's end.
  const std::string prefix = trunk.name + "/";
  std::vector<std::pair<SimTime, int>> steps;
  for (const CallRecord& r : run.records) {
    if (r.line.size() <= prefix.size() || r.line.compare(0, prefix.size(), prefix) != 0) continue;
    steps.emplace_back(r.start, +1);
    steps.emplace_back(r.end, -1);
  }
  std::sort(steps.begin(), steps.end());
  const SimTime end = std::max(run.sim_time, steps.empty() ? SimTime{0} : steps.back().first);
  const std::int64_t span = std::max<std::int64_t>(1, end.count());
  const std::int64_t top = std::max<std::int64_t>(1, trunk.channels);
  const std::int64_t plot_h = kHeight - kTop - kBottom;
  const auto x_of = [&](SimTime t) { return kLeft + t.count() * kPlot / span; };
  const auto y_of = [&](std::int64_t busy) { return kTop + plot_h - busy * plot_h / top; };

  // The most channels busy within each pixel column, so a long run stays one column per pixel.
  std::vector<std::int64_t> peak(kPlot, 0);
  std::int64_t busy = 0;
  for (const auto& [t, delta] : steps) {
    busy += delta;
    const std::int64_t col = std::min<std::int64_t>(kPlot - 1, t.count() * kPlot / span);
    peak[static_cast<std::size_t>(col)] = std::max(peak[static_cast<std::size_t>(col)], busy);
  }
  // A column with no change keeps the level of the one before.
  busy = 0;
  std::size_t next = 0;
  for (std::int64_t col = 0; col < kPlot; ++col) {
    std::int64_t level = busy;
    while (next < steps.size() && steps[next].first.count() * kPlot / span <= col) {
      busy += steps[next].second;
      ++next;
    }
    peak[static_cast<std::size_t>(col)] = std::max({peak[static_cast<std::size_t>(col)], level, busy});
  }

  std::string out = svg_open(fmt::format("trunk-occupancy-{}", index), kLeft + kPlot + 20, kHeight,
                             "busy channels of trunk " + trunk.name + " over time");
  auto o = std::back_inserter(out);
  std::string points = fmt::format("{},{}", kLeft, y_of(0));
  for (std::int64_t col = 0; col < kPlot; ++col) {
    const std::int64_t y = y_of(peak[static_cast<std::size_t>(col)]);
    fmt::format_to(std::back_inserter(points), " {},{} {},{}", kLeft + col, y, kLeft + col + 1, y);
  }
  fmt::format_to(std::back_inserter(points), " {},{}", kLeft + kPlot, y_of(0));
  fmt::format_to(o, "<polygon points=\"{}\" fill=\"#9ecae1\" stroke=\"#3182bd\"/>\n", points);
  // Axes, the channel limit, ticks.
  fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>"
                    "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" stroke=\"#333\"/>\n",
                 kLeft, kTop, kTop + plot_h, kLeft + kPlot);
  fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#b3261e\" stroke-dasharray=\"5 3\"/>"
                    "<text x=\"{3}\" y=\"{4}\" fill=\"#b3261e\" text-anchor=\"end\">{5} channels</text>\n",
                 kLeft, y_of(top), kLeft + kPlot, kLeft + kPlot, y_of(top) + 12, trunk.channels);
  const std::int64_t ystep = nice_step(top, 5);
  for (std::int64_t v = 0; v <= top; v += ystep)
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLeft - 4, y_of(v) + 4, v);
  const std::int64_t seconds = span / 1'000'000'000;
  const bool minutes = seconds >= 600;
  const std::int64_t unit = minutes ? 60 : 1;
  const std::int64_t xstep = nice_step(std::max<std::int64_t>(1, seconds / unit), 8) * unit;
  for (std::int64_t s = 0; s * 1'000'000'000 <= span; s += xstep) {
    const std::int64_t x = x_of(SimTime(std::chrono::seconds(s)));
    fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>"
                      "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                   x, kTop + plot_h, kTop + plot_h + 4, kTop + plot_h + 16, s / unit);
  }
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">simulated time ({})</text>\n",
                 kLeft + kPlot / 2, kHeight - 4, minutes ? "min" : "s");
  fmt::format_to(o, "<text x=\"12\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {0})\">busy channels</text>\n",
                 kTop + plot_h / 2);
  out += "</svg>\n";
  return out;
}

// --- histograms --------------------------------------------------------------------------------

std::string histogram_svg(const TimingSummary& t, const std::vector<Duration>& sorted) {
  constexpr std::int64_t kLeft = 56, kPlot = 480, kHeight = 190, kTop = 26, kBottom = 40, kBins = 40;
  const std::int64_t plot_h = kHeight - kTop - kBottom;
  // Range 0 .. a nice bound above the largest sample.
  const std::int64_t max_ns = std::max<std::int64_t>(1, t.max.count());
  const bool seconds = max_ns >= 10'000'000'000;
  const std::int64_t unit = seconds ? 1'000'000'000 : 1'000'000;
  const std::int64_t step = nice_step(std::max<std::int64_t>(1, (max_ns + unit - 1) / unit), 6) * unit;
  const std::int64_t range = ((max_ns / step) + 1) * step;
  std::vector<std::int64_t> bins(kBins, 0);
  for (const Duration d : sorted)
    ++bins[static_cast<std::size_t>(std::min<std::int64_t>(kBins - 1, d.count() * kBins / range))];
  const std::int64_t top = std::max<std::int64_t>(1, *std::max_element(bins.begin(), bins.end()));
  const auto x_of = [&](std::int64_t ns) { return kLeft + ns * kPlot / range; };

  std::string out = svg_open("histogram-" + t.name, kLeft + kPlot + 170, kHeight,
                             t.name + " time histogram with p50, p95 and p99");
  auto o = std::back_inserter(out);
  fmt::format_to(o, "<text x=\"{}\" y=\"14\" font-weight=\"bold\">{} (n={})</text>\n", kLeft,
                 xml_escape(t.name), t.count);
  for (std::int64_t b = 0; b < kBins; ++b) {
    const std::int64_t n = bins[static_cast<std::size_t>(b)];
    if (n == 0) continue;
    const std::int64_t h = std::max<std::int64_t>(1, n * plot_h / top);
    fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#9ecae1\"><title>{} calls</title></rect>\n",
                   kLeft + b * kPlot / kBins, kTop + plot_h - h, kPlot / kBins - 1, h, n);
  }
  fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>"
                    "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" stroke=\"#333\"/>\n",
                 kLeft, kTop, kTop + plot_h, kLeft + kPlot);
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n",
                 kLeft - 4, kTop + 4, top, kLeft - 4, kTop + plot_h + 4);
  fmt::format_to(o, "<text x=\"12\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {0})\">calls</text>\n",
                 kTop + plot_h / 2);
  for (std::int64_t v = 0; v <= range; v += step)
    fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>"
                      "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                   x_of(v), kTop + plot_h, kTop + plot_h + 4, kTop + plot_h + 16,
                   duration_label(Duration(v), seconds));
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} time ({})</text>\n",
                 kLeft + kPlot / 2, kHeight - 4, xml_escape(t.name), seconds ? "s" : "ms");
  const std::pair<const char*, Duration> marks[] = {{"p50", t.p50}, {"p95", t.p95}, {"p99", t.p99}};
  std::int64_t label_y = kTop;
  for (const auto& [name, d] : marks) {
    const std::int64_t x = x_of(d.count());
    fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#b3261e\" stroke-dasharray=\"4 2\"/>"
                      "<text x=\"{3}\" y=\"{4}\" fill=\"#b3261e\">{5} {6} ms</text>\n",
                   x, kTop - 4, kTop + plot_h, kLeft + kPlot + 6, label_y + 4, name, format_millis_3(d));
    label_y += 14;
  }
  out += "</svg>\n";
  return out;
}

}  // namespace telsim::report_detail
