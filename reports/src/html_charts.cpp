// The inline SVG charts of report.html: the ladder diagram of the calls, trunk occupancy over
// time and the timing histograms. Integer geometry only, so the markup is the same bytes on
// every machine; every chart has axis labels with units.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "html_support.hpp"

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

}  // namespace

// --- ladder ----------------------------------------------------------------------------------

namespace {

/// The four parts of the ladder (see ladder_svg) and the geometry they share.
struct Ladder {
  // Vertical: the heading row, then one row per instant (its centre at row_y), then room for
  // the note on instants not drawn.
  static constexpr std::int64_t kFont = 11, kOpFont = 10, kHead = 28, kPad = 8, kRow = 20,
                                kBottom = 30, kMaxRows = 400;
  // Horizontal, within a lane: the operations' labels, a diamond and the lane's axis; then per
  // column a state bar (8 px) and the labels of its calls' states.
  static constexpr std::int64_t kLabelAt = 12, kColumnGap = 14, kLaneGap = 14, kMaxOpLabel = 260;
};

/// A state of a call as its ladder label names it: DISCONNECTED with the record's disconnect
/// mode unless that is NORMAL ("DISCONNECTED (BUSY)").
std::string state_name(const CallRecord& r, CallState s) {
  if (s == CallState::Disconnected && r.mode != DisconnectMode::Normal && r.mode != DisconnectMode::None)
    return fmt::format("{} ({})", to_string(s), to_string(r.mode));
  return std::string(to_string(s));
}

/// The label of the states r reached at one instant, history[from, to): "c12 ONHOLD",
/// "c7 RINGBACK>DISCONNECTED (BUSY)>IDLE".
std::string state_label(const CallRecord& r, std::size_t from, std::size_t to) {
  std::string out = fmt::format("c{} ", r.serial);
  for (std::size_t i = from; i < to; ++i) out += (i > from ? ">" : "") + state_name(r, r.history[i].state);
  return out;
}

}  // namespace

std::string ladder_svg(const RunResult& run, const std::vector<const CallRecord*>& calls, bool all_shown) {
  using L = Ladder;
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
  std::set<std::uint64_t> shown;
  for (const CallRecord* r : calls) shown.insert(r->serial);
  std::vector<const OperationRecord*> ops;
  for (const OperationRecord& op : run.operations) {
    if (op.line.empty()) continue;
    if (op.call ? !shown.count(op.call) : (!all_shown && !lane_of.count(op.line))) continue;
    if (lane_of.emplace(op.line, lanes.size()).second) lanes.push_back(op.line);
    ops.push_back(&op);
  }
  // A sample puts the lanes of calls that did not end answered first, so the diagram opens on
  // them.
  if (!all_shown) {
    std::set<std::string> focus;
    for (const CallRecord* r : calls)
      if (r->outcome != Outcome::Answered) focus.insert(r->line);
    std::stable_partition(lanes.begin(), lanes.end(),
                          [&](const std::string& line) { return focus.count(line) > 0; });
    for (std::size_t i = 0; i < lanes.size(); ++i) lane_of[lanes[i]] = i;
  }

  // Columns: a call takes the first column of its lane free when it starts.
  std::map<const CallRecord*, std::size_t> column_of;
  std::vector<std::vector<SimTime>> lane_busy_until(lanes.size());
  for (const CallRecord* r : ordered) {
    if (r->history.empty()) continue;
    std::vector<SimTime>& columns = lane_busy_until[lane_of.at(r->line)];
    std::size_t column = 0;
    while (column < columns.size() && columns[column] > r->history.front().at) ++column;
    if (column == columns.size()) columns.push_back(SimTime{0});
    columns[column] = r->history.back().at + Duration{1};
    column_of[r] = column;
  }

  // Rows: one per distinct instant at which something happened (a state change, an operation,
  // a verdict); beyond kMaxRows nothing is drawn.
  std::set<SimTime> instants;
  for (const CallRecord* r : calls)
    for (const StateStamp& s : r->history) instants.insert(s.at);
  for (const OperationRecord* op : ops) instants.insert(op->at);
  for (const ExpectationResult& e : run.expectations)
    if (!e.ok) instants.insert(e.at);
  // Digits, tones and media marked on the calls shown (within each call's life).
  std::map<std::uint64_t, const CallRecord*> record_of;
  for (const CallRecord* r : calls)
    if (!r->history.empty()) record_of[r->serial] = r;
  std::map<std::pair<const CallRecord*, SimTime>, std::string> marks;
  for (const MediaRecord& m : run.media) {
    const auto r = record_of.find(m.call);
    if (r == record_of.end() || m.at < r->second->history.front().at || m.at > r->second->history.back().at) continue;
    std::string& label = marks[{r->second, m.at}];
    label += (label.empty() ? "" : ", ") + m.what;
    instants.insert(m.at);
  }
  std::map<SimTime, std::int64_t> row_of;
  for (const SimTime t : instants) {
    if (static_cast<std::int64_t>(row_of.size()) == L::kMaxRows) break;
    row_of.emplace(t, static_cast<std::int64_t>(row_of.size()));
  }
  const auto rows = static_cast<std::int64_t>(row_of.size());
  const bool truncated = instants.size() > row_of.size();
  const auto row_y = [](std::int64_t row) { return L::kPad + row * L::kRow + L::kRow / 2; };
  const std::int64_t rows_end = L::kPad + rows * L::kRow;  // the bottom of the last row
  /// The centre of t's row; an instant beyond the last row is the bottom of that row.
  const auto y_of = [&](SimTime t) {
    auto it = row_of.find(t);
    return it != row_of.end() ? row_y(it->second) : rows_end;
  };

  // The operations of each lane and row, and each group's label: the operations in the order
  // they ran, those that do not fit in kMaxOpLabel px summed up as "+N more".
  struct OpGroup {
    std::vector<const OperationRecord*> ops;
    std::size_t named = 0;  // how many are named; the rest are "+N more"
    std::int64_t width = 0;
  };
  std::map<std::pair<std::int64_t, std::size_t>, OpGroup> ops_at;
  for (const OperationRecord* op : ops)
    if (row_of.count(op->at)) ops_at[{row_of.at(op->at), lane_of.at(op->line)}].ops.push_back(op);
  std::vector<std::int64_t> op_width(lanes.size(), 0);
  for (auto& [where, group] : ops_at) {
    std::string text;
    for (std::size_t i = 0; i < group.ops.size(); ++i) {
      const std::string more = i + 1 < group.ops.size()
                                   ? fmt::format(", +{} more", group.ops.size() - i - 1)
                                   : std::string();
      const std::string next = (i ? text + ", " : text) + std::string(to_string(group.ops[i]->op));
      if (i > 0 && text_width(next + more, L::kOpFont) > L::kMaxOpLabel) break;
      text = next;
      group.named = i + 1;
    }
    if (group.named < group.ops.size())
      text += fmt::format(", +{} more", group.ops.size() - group.named);
    group.width = text_width(text, L::kOpFont);
    op_width[where.second] = std::max(op_width[where.second], group.width);
  }

  // Widths: the time column fits its heading and its times; a lane, its operations' labels
  // left of its axis, then each column its heading and its calls' state labels.
  const std::string time_heading = "time (s)";
  std::int64_t time_w = text_width(time_heading, L::kFont, true);
  for (const auto& [t, row] : row_of) time_w = std::max(time_w, text_width(format_seconds_3(t), L::kFont));
  time_w += 4 + 10;
  const auto heading = [&](std::size_t lane, std::size_t column) {
    return column == 0 ? lanes[lane] : fmt::format("{} ({} call)", lanes[lane], ordinal(column + 1));
  };
  std::vector<std::vector<std::int64_t>> column_w(lanes.size());
  for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
    const std::size_t columns = std::max<std::size_t>(1, lane_busy_until[lane].size());
    for (std::size_t c = 0; c < columns; ++c)
      column_w[lane].push_back(text_width(heading(lane, c), L::kFont, c == 0));
  }
  // Where a call's media mark goes: after its state label when both fall on one instant.
  std::map<std::pair<const CallRecord*, SimTime>, std::int64_t> state_label_w;
  for (const CallRecord* r : ordered) {
    if (r->history.empty()) continue;
    std::int64_t& w = column_w[lane_of.at(r->line)][column_of.at(r)];
    for (std::size_t i = 0, from = 0; i < r->history.size(); ++i) {
      if (i + 1 < r->history.size() && r->history[i + 1].at == r->history[i].at) continue;
      const std::int64_t label_w = text_width(state_label(*r, from, i + 1), L::kFont);
      state_label_w[{r, r->history[i].at}] = label_w;
      w = std::max(w, L::kLabelAt + label_w);
      from = i + 1;
    }
  }
  const auto mark_x = [&](const CallRecord* r, SimTime at) {
    const auto it = state_label_w.find({r, at});
    return L::kLabelAt + (it == state_label_w.end() ? 0 : it->second + 8);
  };
  for (const auto& [where, label] : marks) {
    std::int64_t& w = column_w[lane_of.at(where.first->line)][column_of.at(where.first)];
    w = std::max(w, mark_x(where.first, where.second) + text_width(label, L::kFont));
  }
  std::vector<std::int64_t> lane_axis;  // x of each lane's axis (its first column's bar centre)
  std::vector<std::vector<std::int64_t>> bar_x(lanes.size());  // left edge of each column's bar
  std::int64_t right = 0;
  for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
    right += L::kLaneGap + (op_width[lane] > 0 ? op_width[lane] + 20 : 4);
    lane_axis.push_back(right);
    std::int64_t x = right - 4;
    for (std::int64_t& w : column_w[lane]) {
      w += L::kColumnGap;
      bar_x[lane].push_back(x);
      x += w;
    }
    right = x;
  }
  const auto bar_of = [&](const CallRecord* r) { return bar_x[lane_of.at(r->line)][column_of.at(r)]; };

  // Failed expectations: a dashed line across at the row where the run decided them, their
  // steps named right of the lanes.
  std::map<std::int64_t, std::vector<const ExpectationResult*>> failed_at;
  for (const ExpectationResult& e : run.expectations)
    if (!e.ok && row_of.count(e.at)) failed_at[row_of.at(e.at)].push_back(&e);
  std::map<std::int64_t, std::string> failed_label;
  std::int64_t failed_w = 0;
  for (const auto& [row, group] : failed_at) {
    std::string steps, lines;
    for (const ExpectationResult* e : group) {
      steps += fmt::format("{}{}", steps.empty() ? "" : ", ", e->step);
      lines += fmt::format("{}{}", lines.empty() ? "" : ", ", e->yaml_line);
    }
    failed_label[row] = group.size() == 1 ? fmt::format("FAIL step {} (line {})", steps, lines)
                                          : fmt::format("FAIL steps {} (lines {})", steps, lines);
    failed_w = std::max(failed_w, text_width(failed_label[row], L::kFont, true));
  }
  const std::string more_note =
      truncated ? fmt::format("… {} not drawn",
                              count_of(instants.size() - row_of.size(), "more instant", "more instants"))
                : std::string();
  const std::int64_t width =
      std::max({right + (failed_w ? 8 + failed_w : 0) + 10, text_width(more_note, L::kFont) + 8, std::int64_t{40}});
  const std::int64_t height = rows_end + L::kBottom;

  // The heading row and the time column.
  std::string corner = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"corner\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"{2}\">\n"
      "<text x=\"4\" y=\"{3}\" font-weight=\"bold\">{4}</text>\n</svg>\n",
      time_w, L::kHead, L::kFont, L::kHead - 9, time_heading);
  std::string head = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"head\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"{2}\">\n",
      width, L::kHead, L::kFont);
  for (std::size_t lane = 0; lane < lanes.size(); ++lane)
    for (std::size_t c = 0; c < bar_x[lane].size(); ++c)
      fmt::format_to(std::back_inserter(head), "<text x=\"{}\" y=\"{}\"{}>{}</text>\n", bar_x[lane][c],
                     L::kHead - 9, c == 0 ? " font-weight=\"bold\"" : " fill=\"#555\"",
                     xml_escape(heading(lane, c)));
  head += "</svg>\n";
  std::string times = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"times\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"{2}\">\n",
      time_w, height, L::kFont);
  // Every other row shaded across the time column and the lanes, to follow a row across.
  const auto stripes = [&](std::string& svg, std::int64_t w) {
    for (std::int64_t row = 1; row < rows; row += 2)
      fmt::format_to(std::back_inserter(svg), "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f6f8\"/>\n",
                     L::kPad + row * L::kRow, w, L::kRow);
  };
  stripes(times, time_w);
  for (const auto& [t, row] : row_of)
    fmt::format_to(std::back_inserter(times), "<text x=\"4\" y=\"{}\" fill=\"#555\">{}</text>\n",
                   row_y(row) + 4, format_seconds_3(t));
  times += "</svg>\n";

  std::string out = svg_open("ladder", width, height, "ladder diagram of the calls");
  auto o = std::back_inserter(out);
  out += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
         "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" "
         "fill=\"#555\"/></marker></defs>\n";
  stripes(out, width);
  // Each lane's axis, and a fainter one for each further column.
  for (std::size_t lane = 0; lane < lanes.size(); ++lane)
    for (std::size_t c = 0; c < bar_x[lane].size(); ++c)
      fmt::format_to(o, "<line x1=\"{0}\" y1=\"0\" x2=\"{0}\" y2=\"{1}\" stroke=\"{2}\" stroke-dasharray=\"3 3\"/>\n",
                     bar_x[lane][c] + 4, height - 24, c == 0 ? "#ccc" : "#e6e6e6");
  // Each call: coloured bar segments per state in its column of its lane, the state names beside
  // them (one label per instant, naming the states reached then in their order).
  for (const CallRecord* r : ordered) {
    if (r->history.empty()) continue;
    const std::int64_t x = bar_of(r);
    for (std::size_t i = 0, from = 0; i < r->history.size(); ++i) {
      const StateStamp& s = r->history[i];
      if (!row_of.count(s.at)) break;  // beyond the last row drawn
      const std::int64_t y1 = y_of(s.at);
      const std::int64_t y2 = i + 1 < r->history.size() ? y_of(r->history[i + 1].at) : y1;
      fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"{}\" fill=\"{}\"><title>c{} {} at {} s</title></rect>\n",
                     x, y1 - 3, std::max<std::int64_t>(6, y2 - y1 + 6), state_colour(s.state), r->serial,
                     to_string(s.state), format_seconds_3(s.at));
      if (i + 1 < r->history.size() && r->history[i + 1].at == s.at) continue;
      fmt::format_to(o, "<text x=\"{}\" y=\"{}\">{}</text>\n", x + L::kLabelAt, y1 + 4,
                     xml_escape(state_label(*r, from, i + 1)));
      from = i + 1;
    }
  }
  // Media marks: a blue dot on the call's bar and what it heard or its detectors told.
  for (const auto& [where, label] : marks) {
    if (!row_of.count(where.second)) continue;
    const std::int64_t x = bar_of(where.first), y = y_of(where.second);
    fmt::format_to(o, "<g class=\"media\"><circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"#1a5fb4\"/>"
                      "<text x=\"{}\" y=\"{}\" fill=\"#1a5fb4\" font-style=\"italic\">{}</text></g>\n",
                   x + 4, y, x + mark_x(where.first, where.second), y + 4, xml_escape(label));
  }
  // Operations: a diamond left of the acting line's axis at the operation's row, the operations
  // of that line and instant named left of it in the order they ran; a refused one red and
  // struck through, its LINEERR in the tooltip.
  for (const auto& [where, group] : ops_at) {
    const std::int64_t x = lane_axis[where.second] - 12, y = row_y(where.first);
    const bool refused = std::any_of(group.ops.begin(), group.ops.end(),
                                     [](const OperationRecord* op) { return op->error != LineErr::Success; });
    fmt::format_to(o, "<g class=\"op\"><path d=\"M{0} {1}L{2} {3}L{0} {4}L{5} {3}z\" fill=\"{6}\"/>"
                      "<text x=\"{7}\" y=\"{8}\" text-anchor=\"end\" font-size=\"{9}\">",
                   x, y - 5, x + 5, y, y + 5, x - 5, refused ? "#b3261e" : "#333", x - 8, y + 4, L::kOpFont);
    std::string rest;
    for (std::size_t i = 0; i < group.ops.size(); ++i) {
      const OperationRecord& op = *group.ops[i];
      const bool ok = op.error == LineErr::Success;
      std::string title = fmt::format("{} on {}", to_string(op.op), op.line);
      if (op.call) title += fmt::format(", c{}", op.call);
      title += fmt::format(" at {} s", format_seconds_3(op.at));
      if (!op.who.empty()) title += " by " + op.who;
      if (!ok) title += ": refused with " + tapi_name(op.error);
      if (i >= group.named) {
        rest += (rest.empty() ? "" : "; ") + title;
        continue;
      }
      if (i) out += ", ";
      fmt::format_to(o, "<tspan{}><title>{}</title>{}</tspan>",
                     ok ? "" : " fill=\"#b3261e\" text-decoration=\"line-through\"", xml_escape(title),
                     to_string(op.op));
    }
    if (!rest.empty())
      fmt::format_to(o, ", <tspan><title>{}</title>+{} more</tspan>", xml_escape(rest),
                     group.ops.size() - group.named);
    out += "</text></g>\n";
  }
  // Arrows from a caller to the party it reached, when that party is offered.
  std::map<std::uint64_t, const CallRecord*> by_id;
  for (const CallRecord* r : calls) by_id[r->serial] = r;
  for (const CallRecord* r : ordered) {
    if (r->direction != Direction::Incoming || !r->peer_serial || r->history.empty()) continue;
    if (!row_of.count(r->history.front().at)) continue;
    auto peer = by_id.find(r->peer_serial);
    if (peer == by_id.end() || peer->second->line == r->line || peer->second->history.empty()) continue;
    const std::int64_t x1 = bar_of(peer->second) + 4, x2 = bar_of(r) + 4;
    const std::int64_t y = y_of(r->history.front().at);
    // Halfway between the row's labels and those of the row above, so it crosses none.
    fmt::format_to(o, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>\n",
                   x1 + (x2 > x1 ? 6 : -6), y - 9, x2 + (x2 > x1 ? -8 : 8), y - 9);
  }
  for (const auto& [row, label] : failed_label) {
    const std::int64_t y = row_y(row);
    fmt::format_to(o, "<line x1=\"0\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#b3261e\" stroke-dasharray=\"6 3\"/>\n",
                   y, right);
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" fill=\"#b3261e\" font-weight=\"bold\">{}</text>\n",
                   right + 8, y + 4, label);
  }
  if (truncated)
    fmt::format_to(o, "<text x=\"4\" y=\"{}\" fill=\"#555\">{}</text>\n", height - 8, more_note);
  out += "</svg>\n";
  return "<div class=\"ladder\"><div class=\"ladder-grid\">\n" + corner + head + times + out +
         "</div></div>\n";
}

// --- trunk occupancy ---------------------------------------------------------------------------

OccupancyChart occupancy_chart(const RunResult& run, const RunResult::Trunk& trunk, std::size_t index,
                               const Digest& digest) {
  constexpr std::int64_t kLeft = 56, kPlot = 640, kHeight = 180, kTop = 14, kBottom = 40;
  OccupancyChart chart;
  // A channel (line "NAME/k") is busy from its call's start until that call's end.
  static const Occupancy kNone;
  const Occupancy& occ = digest.occupancy_of(trunk.name) ? *digest.occupancy_of(trunk.name) : kNone;
  chart.seizures = occ.seizures;
  chart.peak = occ.peak;
  const SimTime end = std::max(run.sim_time, occ.last);
  const std::int64_t span = std::max<std::int64_t>(1, end.count());
  const std::int64_t top = std::max<std::int64_t>(1, trunk.channels);
  const std::int64_t plot_h = kHeight - kTop - kBottom;
  const auto x_of = [&](SimTime t) { return kLeft + t.count() * kPlot / span; };
  const auto y_of = [&](std::int64_t busy) { return kTop + plot_h - busy * plot_h / top; };

  std::vector<std::int64_t> peak(kPlot, 0);
  if (occ.exact) {
    // The most channels busy within each pixel column, so a long run stays one column per pixel.
    const std::vector<std::pair<SimTime, int>>& steps = occ.steps;
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
  } else {
    // A long run's steps are kept as the most busy per span of time (Occupancy::kBuckets of
    // them): a column shows the most of the spans it overlaps.
    const std::int64_t buckets = static_cast<std::int64_t>(occ.bucket_max.size());
    for (std::int64_t col = 0; col < kPlot; ++col) {
      const std::int64_t from = col * span / kPlot, to = std::max(from + 1, (col + 1) * span / kPlot);
      std::int64_t most = 0;
      for (std::int64_t b = from / occ.width; b <= (to - 1) / occ.width; ++b)
        most = std::max(most, b < buckets ? occ.bucket_max[static_cast<std::size_t>(b)] : occ.level);
      peak[static_cast<std::size_t>(col)] = most;
    }
  }

  std::string& out = chart.svg;
  out = svg_open(fmt::format("trunk-occupancy-{}", index), kLeft + kPlot + 20, kHeight,
                 "busy channels of trunk " + trunk.name + " over the whole run");
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
                    "<text x=\"{3}\" y=\"{4}\" fill=\"#b3261e\" text-anchor=\"end\">{5}</text>\n",
                 kLeft, y_of(top), kLeft + kPlot, kLeft + kPlot, y_of(top) + 12,
                 count_of(trunk.channels, "channel", "channels"));
  const std::int64_t ystep = nice_step(top, 5);
  for (std::int64_t v = 0; v <= top; v += ystep)
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLeft - 4, y_of(v) + 4, v);
  // The time axis: whole seconds or minutes (a run of 10 min or more), ticks at nice steps.
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
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">simulated time ({}), whole run</text>\n",
                 kLeft + kPlot / 2, kHeight - 4, minutes ? "min" : "s");
  chart.span = fmt::format("{} {}", in_unit(span, minutes ? TimeUnit{"min", 60'000'000'000} : TimeUnit{"s", 1'000'000'000}),
                           minutes ? "min" : "s");
  fmt::format_to(o, "<text x=\"12\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {0})\">busy channels</text>\n",
                 kTop + plot_h / 2);
  out += "</svg>\n";
  return chart;
}

// --- histograms --------------------------------------------------------------------------------

std::string histogram_svg(const TimingSummary& t, const Percentiles& samples) {
  constexpr std::int64_t kLeft = 56, kPlot = 480, kHeight = 190, kTop = 26, kBottom = 40, kBins = 40;
  const std::int64_t plot_h = kHeight - kTop - kBottom;
  // One unit for the axis, its ticks and the percentile markers, chosen from the range; the
  // range 0 .. a nice bound above the largest sample.
  const std::int64_t max_ns = std::max<std::int64_t>(1, t.max.count());
  const TimeUnit unit = time_unit_for(max_ns);
  const std::int64_t step = nice_step(std::max<std::int64_t>(1, (max_ns + unit.ns - 1) / unit.ns), 6) * unit.ns;
  const std::int64_t range = ((max_ns / step) + 1) * step;
  std::vector<std::int64_t> bins(kBins, 0);
  const auto bin_of = [&](std::int64_t ns) {
    return static_cast<std::size_t>(std::min<std::int64_t>(kBins - 1, ns * kBins / range));
  };
  if (samples.exact()) {
    for (const std::int64_t ns : samples.sorted_samples()) ++bins[bin_of(ns)];
  } else {
    // A histogram bucket (at most 1/512 of its value wide) counts in the bin of its middle, kept
    // within the smallest and largest sample (as its percentiles are).
    const std::int64_t min_ns = samples.min().count(), top_ns = samples.max().count();
    samples.for_each_bucket([&](std::int64_t low, std::int64_t high, std::uint64_t n) {
      bins[bin_of(std::clamp(low + (high - low) / 2, min_ns, top_ns))] += static_cast<std::int64_t>(n);
    });
  }
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
    fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#9ecae1\"><title>{}, {} to {} {}</title></rect>\n",
                   kLeft + b * kPlot / kBins, kTop + plot_h - h, kPlot / kBins - 1, h,
                   count_of(static_cast<std::uint64_t>(n), "call", "calls"), in_unit(b * range / kBins, unit),
                   in_unit((b + 1) * range / kBins, unit), unit.name);
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
                   x_of(v), kTop + plot_h, kTop + plot_h + 4, kTop + plot_h + 16, in_unit(v, unit));
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} time ({})</text>\n",
                 kLeft + kPlot / 2, kHeight - 4, xml_escape(t.name), unit.name);
  const std::pair<const char*, Duration> marks[] = {{"p50", t.p50}, {"p95", t.p95}, {"p99", t.p99}};
  std::int64_t label_y = kTop;
  for (const auto& [name, d] : marks) {
    const std::int64_t x = x_of(d.count());
    fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#b3261e\" stroke-dasharray=\"4 2\"/>"
                      "<text x=\"{3}\" y=\"{4}\" fill=\"#b3261e\">{5} {6} {7}</text>\n",
                   x, kTop - 4, kTop + plot_h, kLeft + kPlot + 6, label_y + 4, name,
                   in_unit(d.count(), unit), unit.name);
    label_y += 14;
  }
  out += "</svg>\n";
  return out;
}

// --- ACD: queue length and agent timeline ------------------------------------------------------

namespace {

/// A time axis of `span` ns along [left, left + plot) at `y`: whole seconds or minutes (a span
/// of 10 min or more), ticks at nice steps, and its label. Returns the unit's name.
std::string_view time_axis(std::string& out, std::int64_t left, std::int64_t plot, std::int64_t y,
                           std::int64_t span) {
  auto o = std::back_inserter(out);
  const std::int64_t seconds = span / 1'000'000'000;
  const bool minutes = seconds >= 600;
  const std::int64_t unit = minutes ? 60 : 1;
  const std::int64_t xstep = nice_step(std::max<std::int64_t>(1, seconds / unit), 8) * unit;
  fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\"/>\n", left, y, left + plot);
  for (std::int64_t s = 0; s * 1'000'000'000 <= span; s += xstep) {
    const std::int64_t x = left + s * 1'000'000'000 * plot / span;
    fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>"
                      "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                   x, y, y + 4, y + 16, s / unit);
  }
  return minutes ? "min" : "s";
}

/// Colour of an agent state in the timeline (and its legend).
std::string_view agent_state_colour(AgentState s) {
  switch (s) {
    case AgentState::Ready: return "#2e9d4f";
    case AgentState::BusyAcd: return "#4a90d9";
    case AgentState::BusyIncoming: return "#7fb3e6";
    case AgentState::BusyOutbound: return "#8e6cc0";
    case AgentState::BusyOther: return "#b39ddb";
    case AgentState::WorkingAfterCall: return "#e8a33d";
    case AgentState::NotReady: return "#c0392b";
    case AgentState::LoggedOff: break;
  }
  return "#cccccc";
}

}  // namespace

std::string_view queue_colour(std::size_t index) {
  static constexpr std::string_view kColours[] = {"#3182bd", "#e6550d", "#31a354", "#756bb1",
                                                  "#636363", "#d6616b", "#8c6d31", "#17becf"};
  return kColours[index % std::size(kColours)];
}

std::string queue_length_svg(const RunResult& run) {
  constexpr std::int64_t kLeft = 56, kPlot = 640, kHeight = 190, kTop = 14, kBottom = 40;
  const std::int64_t plot_h = kHeight - kTop - kBottom;
  SimTime end = run.sim_time;
  std::int64_t top = 1;
  for (const QueueSummary& q : run.queues) {
    top = std::max<std::int64_t>(top, q.peak_length);
    for (const auto& [t, n] : q.length_series) {
      end = std::max(end, t);
      top = std::max<std::int64_t>(top, n);
    }
  }
  const std::int64_t span = std::max<std::int64_t>(1, end.count());
  const auto x_of = [&](SimTime t) { return kLeft + std::max<std::int64_t>(0, t.count()) * kPlot / span; };
  const auto y_of = [&](std::int64_t n) { return kTop + plot_h - n * plot_h / top; };

  std::string out = svg_open("queue-length", kLeft + kPlot + 20, kHeight, "callers waiting in each queue over the whole run");
  auto o = std::back_inserter(out);
  for (std::size_t i = 0; i < run.queues.size(); ++i) {
    const QueueSummary& q = run.queues[i];
    // A step line: the length holds until the next change; the queue is empty at the start.
    std::string points;
    std::int64_t last_x = -1, last_y = -1;
    const auto point = [&](std::int64_t x, std::int64_t y) {
      if (x == last_x && y == last_y) return;
      fmt::format_to(std::back_inserter(points), "{}{},{}", points.empty() ? "" : " ", x, y);
      last_x = x, last_y = y;
    };
    std::int64_t y = y_of(0);
    point(kLeft, y);
    for (const auto& [t, n] : q.length_series) {
      const std::int64_t x = x_of(t);
      point(x, y);
      y = y_of(n);
      point(x, y);
    }
    point(kLeft + kPlot, y);
    fmt::format_to(o, "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"><title>queue {}</title></polyline>\n",
                   points, queue_colour(i), xml_escape(q.name));
  }
  fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>\n", kLeft, kTop,
                 kTop + plot_h);
  const std::int64_t ystep = nice_step(top, 5);
  for (std::int64_t v = 0; v <= top; v += ystep)
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLeft - 4, y_of(v) + 4, v);
  const std::string_view unit = time_axis(out, kLeft, kPlot, kTop + plot_h, span);
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">simulated time ({}), whole run</text>\n",
                 kLeft + kPlot / 2, kHeight - 4, unit);
  fmt::format_to(o, "<text x=\"12\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {0})\">callers waiting</text>\n",
                 kTop + plot_h / 2);
  out += "</svg>\n";
  return out;
}

std::string agent_timeline_svg(const RunResult& run) {
  constexpr std::int64_t kPlot = 640, kTop = 8, kRow = 20, kBand = 14, kBottom = 40, kFont = 11;
  std::int64_t left = 56;
  for (const AgentSummary& a : run.agents) left = std::max(left, text_width(a.id, kFont) + 12);
  const auto rows = static_cast<std::int64_t>(run.agents.size());
  const std::int64_t height = kTop + rows * kRow + kBottom;
  SimTime end = run.sim_time;
  for (const AgentSummary& a : run.agents)
    if (!a.timeline.empty()) end = std::max(end, a.timeline.back().first);
  const std::int64_t span = std::max<std::int64_t>(1, end.count());
  const auto x_of = [&](SimTime t) { return left + std::max<std::int64_t>(0, t.count()) * kPlot / span; };

  std::string out = svg_open("agent-timeline", left + kPlot + 20, height, "each agent's state over the whole run");
  auto o = std::back_inserter(out);
  for (std::int64_t r = 0; r < rows; ++r) {
    const AgentSummary& a = run.agents[static_cast<std::size_t>(r)];
    const std::int64_t y = kTop + r * kRow + (kRow - kBand) / 2;
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 6, y + kBand - 3,
                   xml_escape(a.id));
    // A band per state from its change to the next; the last to the end of the run, unless the
    // timeline was cut: then what follows its last change is not known and drawn hatched.
    for (std::size_t k = 0; k < a.timeline.size(); ++k) {
      const auto& [from, state] = a.timeline[k];
      const bool last = k + 1 == a.timeline.size();
      if (last && a.timeline_cut) break;
      const SimTime to = last ? end : a.timeline[k + 1].first;
      const std::int64_t x0 = x_of(from), x1 = x_of(to);
      if (x1 <= x0) continue;  // less than a pixel
      fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} {}: {} to {} s</title></rect>\n",
                     x0, y, x1 - x0, kBand, agent_state_colour(state), xml_escape(a.id), to_string(state),
                     format_seconds_3(from), format_seconds_3(to));
    }
    if (a.timeline_cut && !a.timeline.empty()) {
      const std::int64_t x0 = x_of(a.timeline.back().first), x1 = x_of(end);
      if (x1 > x0)
        fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f2f2f2\" stroke=\"#bbb\" "
                          "stroke-dasharray=\"3 2\"><title>{}: changes after the first {} not kept</title></rect>\n",
                       x0, y, x1 - x0, kBand, xml_escape(a.id), AgentSummary::kTimelinePoints);
    }
  }
  const std::int64_t axis_y = kTop + rows * kRow;
  fmt::format_to(o, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>\n", left, kTop, axis_y);
  const std::string_view unit = time_axis(out, left, kPlot, axis_y, span);
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">simulated time ({}), whole run</text>\n",
                 left + kPlot / 2, height - 4, unit);
  out += "</svg>\n";
  return out;
}

std::string agent_state_legend(const RunResult& run) {
  std::set<std::uint32_t> seen;
  for (const AgentSummary& a : run.agents)
    for (const auto& [t, s] : a.timeline) seen.insert(static_cast<std::uint32_t>(s));
  std::string out = "<p class=\"legend\">";
  for (const std::uint32_t v : seen) {
    const auto s = static_cast<AgentState>(v);
    fmt::format_to(std::back_inserter(out), "<span class=\"key\" style=\"background:{}\"></span>{} ",
                   agent_state_colour(s), to_string(s));
  }
  return out + "</p>\n";
}

}  // namespace telsim::report_detail
