#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "internal.hpp"

namespace telsim {
namespace {

using report_detail::TimedSample;

/// Events counted per interval, each in the interval where it happened: calls placed and
/// received at their start, answers at the answer, the other outcomes at the end.
using Counts = CallCounts;

void add_counts(Counts& into, const Counts& o) {
  into.total += o.total, into.answered += o.answered, into.busy += o.busy, into.blocked += o.blocked;
  into.no_answer += o.no_answer, into.abandoned += o.abandoned, into.failed += o.failed;
  into.transferred += o.transferred, into.cleared += o.cleared, into.cleared_at_end += o.cleared_at_end;
  into.incoming_total += o.incoming_total, into.incoming_answered += o.incoming_answered;
  into.incoming_missed += o.incoming_missed, into.incoming_picked_up += o.incoming_picked_up;
  into.incoming_forwarded += o.incoming_forwarded, into.incoming_redirected += o.incoming_redirected;
  into.incoming_transferred += o.incoming_transferred, into.incoming_cleared += o.incoming_cleared;
}

/// stats.csv's count columns, in the order of report.json's `calls` and `incoming`.
constexpr const char* kCountColumns[] = {
    "offered",  "answered",          "busy",            "blocked",            "no_answer",
    "abandoned", "failed",           "transferred",     "cleared",            "incoming",
    "incoming_answered", "incoming_missed", "incoming_picked_up", "incoming_forwarded",
    "incoming_redirected", "incoming_transferred", "incoming_cleared"};

/// Order statistics over a growing set of samples: a Fenwick tree over the samples' ranks in
/// value order, so the k-th smallest of those inserted so far is found in O(log n).
class RankTree {
 public:
  explicit RankTree(std::size_t n) : tree_(n + 1, 0) {
    while (top_ * 2 <= n) top_ *= 2;
  }
  void insert(std::size_t rank0) {
    for (std::size_t i = rank0 + 1; i < tree_.size(); i += i & (~i + 1)) ++tree_[i];
  }
  /// 0-based rank of the k-th (1-based) smallest inserted sample.
  std::size_t kth(std::size_t k) const {
    std::size_t pos = 0;
    for (std::size_t step = top_; step > 0; step /= 2) {
      if (pos + step < tree_.size() && tree_[pos + step] < k) {
        pos += step;
        k -= tree_[pos];
      }
    }
    return pos;
  }

 private:
  std::vector<std::size_t> tree_;
  std::size_t top_ = 1;
};

constexpr double kPercentiles[] = {50, 95, 99};

/// count, p50, p95, p99 (milliseconds; empty when there are no samples) of one timing.
struct TimingCells {
  std::size_t count = 0;
  Duration p[3] = {};
};

void append_timing(std::string& out, const TimingCells& t) {
  fmt::format_to(std::back_inserter(out), ",{}", t.count);
  for (const Duration d : t.p) {
    out += ',';
    if (t.count > 0) out += report_detail::format_millis_3(d);
  }
}

void append_counts(std::string& out, const Counts& c) {
  fmt::format_to(std::back_inserter(out), ",{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", c.total,
                 c.answered, c.busy, c.blocked, c.no_answer, c.abandoned, c.failed, c.transferred, c.cleared,
                 c.incoming_total, c.incoming_answered, c.incoming_missed, c.incoming_picked_up,
                 c.incoming_forwarded, c.incoming_redirected, c.incoming_transferred, c.incoming_cleared);
}

}  // namespace

std::string stats_csv(const RunResult& run, Duration interval) {
  if (interval <= Duration::zero()) throw std::invalid_argument("stats interval must be positive");
  // Intervals [k*D, (k+1)*D); the last one ends at the end of the run and includes it, so every
  // event of the run is counted once and the last cumulative row holds the run's totals.
  SimTime end = run.sim_time;
  for (const CallRecord& r : run.records) end = std::max(end, r.end);
  const auto rows = static_cast<std::size_t>(
      std::max<std::int64_t>(1, (end.count() + interval.count() - 1) / interval.count()));
  const auto row_of = [&](SimTime t) {
    return std::min(rows - 1, static_cast<std::size_t>(std::max<std::int64_t>(0, t / interval)));
  };

  std::vector<Counts> counts(rows);
  // Calls placed in progress: +1 at the start, -1 at the end (ends first at one instant).
  std::vector<std::pair<SimTime, int>> steps;
  for (const CallRecord& r : run.records) {
    if (!counted(r.kind)) continue;
    Counts& at_start = counts[row_of(r.start)];
    const bool answered = r.outcome == Outcome::Answered;
    Counts& at_outcome = counts[row_of(answered ? r.answer.value_or(r.end) : r.end)];
    report_detail::count_outcome(at_outcome, r);
    if (r.direction == Direction::Incoming) {
      ++at_start.incoming_total;
      continue;
    }
    ++at_start.total;
    steps.emplace_back(r.start, +1);
    steps.emplace_back(r.end, -1);
  }
  std::sort(steps.begin(), steps.end());

  // Per timing: the samples in time order, each with its rank in value order.
  auto samples = report_detail::timed_samples(run);
  struct Series {
    std::vector<TimedSample> by_time;
    std::vector<Duration> by_value;
    std::vector<std::size_t> rank;  // rank[i]: position of by_time[i] in by_value
  };
  std::vector<Series> series(samples.size());
  for (std::size_t t = 0; t < samples.size(); ++t) {
    Series& s = series[t];
    s.by_time = std::move(samples[t]);
    std::stable_sort(s.by_time.begin(), s.by_time.end(),
                     [](const TimedSample& a, const TimedSample& b) { return a.at < b.at; });
    std::vector<std::size_t> order(s.by_time.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return s.by_time[a].value < s.by_time[b].value;
    });
    s.rank.resize(order.size());
    s.by_value.resize(order.size());
    for (std::size_t r = 0; r < order.size(); ++r) {
      s.rank[order[r]] = r;
      s.by_value[r] = s.by_time[order[r]].value;
    }
  }

  std::string out = "start_s,end_s";
  const auto header_section = [&](std::string_view prefix) {
    for (const char* c : kCountColumns)
      fmt::format_to(std::back_inserter(out), ",{}{}", prefix, c);
    if (prefix.empty()) out += ",active";
    fmt::format_to(std::back_inserter(out), ",{}peak_active", prefix);
    for (const char* name : report_detail::kTimingNames)
      fmt::format_to(std::back_inserter(out), ",{0}{1}_count,{0}{1}_p50_ms,{0}{1}_p95_ms,{0}{1}_p99_ms",
                     prefix, name);
  };
  header_section("");
  header_section("cum_");
  out += '\n';

  Counts total;
  std::vector<RankTree> trees;
  for (const Series& s : series) trees.emplace_back(s.by_time.size());
  std::vector<std::size_t> next(series.size(), 0);
  std::size_t step = 0;
  std::int64_t active = 0, peak_total = 0;
  for (std::size_t row = 0; row < rows; ++row) {
    const SimTime from = interval * static_cast<std::int64_t>(row);
    const bool last = row + 1 == rows;
    const SimTime to = last ? end : from + interval;
    // Calls in progress: the peak within the interval, and the count at its end.
    std::int64_t peak = active;
    for (; step < steps.size() && (last || steps[step].first < to); ++step) {
      active += steps[step].second;
      peak = std::max(peak, active);
    }
    peak_total = std::max(peak_total, peak);
    add_counts(total, counts[row]);

    fmt::format_to(std::back_inserter(out), "{},{}", format_seconds_3(from), format_seconds_3(to));
    append_counts(out, counts[row]);
    fmt::format_to(std::back_inserter(out), ",{},{}", active, peak);
    std::vector<TimingCells> cumulative(series.size());
    for (std::size_t t = 0; t < series.size(); ++t) {
      const Series& s = series[t];
      std::vector<Duration> period;
      for (; next[t] < s.by_time.size() && (last || s.by_time[next[t]].at < to); ++next[t]) {
        period.push_back(s.by_time[next[t]].value);
        trees[t].insert(s.rank[next[t]]);
      }
      std::sort(period.begin(), period.end());
      TimingCells cells;
      cells.count = period.size();
      TimingCells& cum = cumulative[t];
      cum.count = next[t];
      for (int i = 0; i < 3; ++i) {
        cells.p[i] = nearest_rank(period, kPercentiles[i]);
        if (cum.count > 0)
          cum.p[i] = s.by_value[trees[t].kth(report_detail::nearest_rank_position(cum.count,
                                                                                  kPercentiles[i]))];
      }
      append_timing(out, cells);
    }
    append_counts(out, total);
    fmt::format_to(std::back_inserter(out), ",{}", peak_total);
    for (const TimingCells& cum : cumulative) append_timing(out, cum);
    out += '\n';
  }
  return out;
}

}  // namespace telsim
