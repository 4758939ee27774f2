#include <gtest/gtest.h>

#include <iomanip>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "reports/sample_run.hpp"

namespace telsim {
namespace {

/// stats.csv as rows of named cells.
std::vector<std::map<std::string, std::string>> parse(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  std::istringstream h(line);
  for (std::string cell; std::getline(h, cell, ',');) names.push_back(cell);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::map<std::string, std::string> row;
    std::size_t i = 0, start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      row[names.at(i++)] = line.substr(start, comma - start);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    EXPECT_EQ(i, names.size()) << line;
    rows.push_back(row);
  }
  return rows;
}

TEST(StatsCsvTest, OneRowPerIntervalTheLastEndingWithTheRun) {
  const auto rows = parse(stats_csv(test::sample_run(), std::chrono::seconds(25)));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].at("start_s"), "0.000");
  EXPECT_EQ(rows[0].at("end_s"), "25.000");
  EXPECT_EQ(rows[2].at("start_s"), "50.000");
  EXPECT_EQ(rows[2].at("end_s"), "60.000");
}

TEST(StatsCsvTest, CountsEachEventInTheIntervalWhereItHappened) {
  // sample_run: c1 placed at 0 s and answered at 3 s (ends 33 s), c3 placed at 10 s and busy at
  // 12 s, c4 placed at 20 s and abandoned at 25 s, c6 placed at 50 s and cleared at 60 s.
  const auto rows = parse(stats_csv(test::sample_run(), std::chrono::seconds(10)));
  ASSERT_EQ(rows.size(), 6u);
  const auto cell = [&](std::size_t r, const char* name) { return rows.at(r).at(name); };
  EXPECT_EQ(cell(0, "offered"), "1");
  EXPECT_EQ(cell(0, "answered"), "1");
  EXPECT_EQ(cell(0, "incoming"), "1");
  EXPECT_EQ(cell(0, "incoming_answered"), "1");
  EXPECT_EQ(cell(1, "offered"), "1");
  EXPECT_EQ(cell(1, "busy"), "1");
  EXPECT_EQ(cell(2, "abandoned"), "1");
  EXPECT_EQ(cell(2, "incoming_missed"), "1");
  EXPECT_EQ(cell(3, "offered"), "0");
  EXPECT_EQ(cell(5, "cleared"), "1");  // the end of the run belongs to the last interval
  // Calls placed in progress at each interval's end, and the most at once within it.
  EXPECT_EQ(cell(0, "active"), "1");
  EXPECT_EQ(cell(2, "active"), "1");
  EXPECT_EQ(cell(2, "peak_active"), "2");
  EXPECT_EQ(cell(3, "active"), "0");
  EXPECT_EQ(cell(3, "peak_active"), "1");
  EXPECT_EQ(cell(5, "active"), "0");
  EXPECT_EQ(cell(5, "cum_peak_active"), "2");
  // Timings where they completed: c1's setup (1 s) and answer (3 s) in the first interval, its
  // talk (30 s) when it ended at 33 s.
  EXPECT_EQ(cell(0, "setup_count"), "1");
  EXPECT_EQ(cell(0, "setup_p50_ms"), "1000.000");
  EXPECT_EQ(cell(0, "answer_p99_ms"), "3000.000");
  EXPECT_EQ(cell(0, "talk_count"), "0");
  EXPECT_EQ(cell(0, "talk_p50_ms"), "");  // no sample: empty, not zero
  EXPECT_EQ(cell(3, "talk_p50_ms"), "30000.000");
  // Cumulative: setup samples of c1 (1000), c3 (750), c4 (250) by 30 s, c6 (500) at 50.5 s.
  EXPECT_EQ(cell(2, "cum_setup_count"), "3");
  EXPECT_EQ(cell(2, "cum_setup_p50_ms"), "750.000");
  EXPECT_EQ(cell(5, "cum_setup_count"), "4");
  EXPECT_EQ(cell(5, "cum_setup_p50_ms"), "500.000");
  EXPECT_EQ(cell(5, "cum_setup_p95_ms"), "1000.000");
}

/// The last row's cumulative figures are the run's totals, as report.json gives them.
void expect_totals_match(const RunResult& run, Duration interval) {
  const auto rows = parse(stats_csv(run, interval));
  ASSERT_FALSE(rows.empty());
  const auto& last = rows.back();
  const CallCounts c = count_calls(run);
  EXPECT_EQ(last.at("cum_offered"), std::to_string(c.total));
  EXPECT_EQ(last.at("cum_answered"), std::to_string(c.answered));
  EXPECT_EQ(last.at("cum_busy"), std::to_string(c.busy));
  EXPECT_EQ(last.at("cum_blocked"), std::to_string(c.blocked));
  EXPECT_EQ(last.at("cum_no_answer"), std::to_string(c.no_answer));
  EXPECT_EQ(last.at("cum_abandoned"), std::to_string(c.abandoned));
  EXPECT_EQ(last.at("cum_failed"), std::to_string(c.failed));
  EXPECT_EQ(last.at("cum_transferred"), std::to_string(c.transferred));
  EXPECT_EQ(last.at("cum_cleared"), std::to_string(c.cleared));
  EXPECT_EQ(last.at("cum_incoming"), std::to_string(c.incoming_total));
  EXPECT_EQ(last.at("cum_incoming_answered"), std::to_string(c.incoming_answered));
  EXPECT_EQ(last.at("cum_incoming_missed"), std::to_string(c.incoming_missed));
  EXPECT_EQ(last.at("cum_incoming_picked_up"), std::to_string(c.incoming_picked_up));
  EXPECT_EQ(last.at("cum_incoming_forwarded"), std::to_string(c.incoming_forwarded));
  EXPECT_EQ(last.at("cum_incoming_redirected"), std::to_string(c.incoming_redirected));
  EXPECT_EQ(last.at("cum_incoming_transferred"), std::to_string(c.incoming_transferred));
  EXPECT_EQ(last.at("cum_incoming_cleared"), std::to_string(c.incoming_cleared));
  for (const TimingSummary& t : call_timings(run)) {
    EXPECT_EQ(last.at("cum_" + t.name + "_count"), std::to_string(t.count)) << t.name;
    if (t.count == 0) continue;
    // format_millis_3 of the percentiles
    const auto ms = [](Duration d) {
      const auto us = (d.count() + 500) / 1000;
      std::ostringstream s;
      s << us / 1000 << '.' << std::setw(3) << std::setfill('0') << us % 1000;
      return s.str();
    };
    EXPECT_EQ(last.at("cum_" + t.name + "_p50_ms"), ms(t.p50)) << t.name;
    EXPECT_EQ(last.at("cum_" + t.name + "_p95_ms"), ms(t.p95)) << t.name;
    EXPECT_EQ(last.at("cum_" + t.name + "_p99_ms"), ms(t.p99)) << t.name;
  }
  // And the periods add up to them.
  std::uint64_t offered = 0, answered = 0;
  for (const auto& row : rows) {
    offered += std::stoull(row.at("offered"));
    answered += std::stoull(row.at("answered"));
  }
  EXPECT_EQ(offered, c.total);
  EXPECT_EQ(answered, c.answered);
}

TEST(StatsCsvTest, LastCumulativeRowEqualsTheRunTotals) {
  expect_totals_match(test::sample_run(), std::chrono::seconds(7));
  expect_totals_match(test::sample_run(), std::chrono::hours(1));  // one row
}

TEST(StatsCsvTest, CumulativePercentilesHoldForManyRandomCalls) {
  RunResult run = test::sample_run();
  const CallRecord answered = run.records[0];
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> ms(1, 60'000);
  run.records.clear();
  for (std::uint64_t s = 1; s <= 3'000; ++s) {
    CallRecord r = answered;
    r.serial = s;
    const SimTime start = test::ms(ms(rng) * 10);
    const Duration ring = test::ms(ms(rng) / 10);
    r.history = {{CallState::DialTone, start},
                 {CallState::RingBack, start + ring},
                 {CallState::Connected, start + 2 * ring},
                 {CallState::Idle, start + 2 * ring + test::ms(ms(rng))}};
    r.start = start;
    r.answer = start + 2 * ring;
    r.end = r.history.back().at;
    run.records.push_back(r);
  }
  run.sim_time = test::ms(700'000);
  expect_totals_match(run, std::chrono::seconds(13));
}

TEST(StatsCsvTest, RefusesANonPositiveInterval) {
  EXPECT_THROW(stats_csv(test::sample_run(), Duration{0}), std::invalid_argument);
}

TEST(StatsCsvTest, EqualRunsGiveIdenticalBytes) {
  EXPECT_EQ(stats_csv(test::sample_run(), std::chrono::seconds(10)),
            stats_csv(test::sample_run(), std::chrono::seconds(10)));
}

}  // namespace
}  // namespace telsim
