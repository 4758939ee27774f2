#pragma once
// sample_run() with an ACD: two queues ("sales", whose callers were answered and abandoned, and
// "support", which no call reached an agent of), two agents (one whose timeline was cut), and
// the records of a caller answered by an agent, that agent's own call, and a caller who hung up
// waiting.
#include "reports/sample_run.hpp"

namespace telsim::test {

inline QueueSummary::Figure figure(double value, std::optional<std::pair<double, double>> ci, std::string reason) {
  QueueSummary::Figure f;
  f.value = value;
  f.ci95 = ci;
  f.reason = std::move(reason);
  return f;
}

inline RunResult acd_run() {
  using S = CallState;
  RunResult run = sample_run();
  run.sim_time = ms(120'000);

  QueueSummary sales;
  sales.name = "sales";
  sales.number = "600";
  sales.offered = 10;
  sales.answered = 6;
  sales.abandoned = 2;
  sales.overflowed = 1;
  sales.refused = 1;
  sales.waited = 5;
  sales.wait_probability = figure(0.5, std::pair{0.4123456789, 0.6}, "");
  sales.abandon_probability = figure(0.25, std::nullopt, "fewer than 10 batches of 5 calls");
  sales.mean_wait_s = figure(12.3456789, std::pair{10.0, 14.5}, "");
  for (const int w : {1'000, 2'000, 3'000, 4'000, 5'000, 60'000}) sales.waits.add(std::chrono::milliseconds(w));
  sales.longest_wait = std::chrono::milliseconds(75'000);
  sales.mean_talk_s = 61.5;
  sales.service_level = {{std::chrono::seconds(20), figure(0.625, std::pair{0.5, 0.75}, "")},
                         {std::chrono::seconds(90), figure(0.75, std::nullopt, "too few calls")}};
  sales.mean_length = 0.4;
  sales.peak_length = 3;
  sales.length_series = {{ms(62'500), 1}, {ms(70'000), 0}, {ms(80'500), 3}, {ms(95'000), 0}};
  run.queues.push_back(sales);

  QueueSummary support;
  support.name = "support";
  support.number = "700";
  support.offered = 1;
  support.abandoned = 1;
  support.waited = 1;
  support.wait_probability = figure(1, std::nullopt, "too few calls");
  support.abandon_probability = figure(1, std::nullopt, "too few calls");
  support.mean_wait_s = figure(0, std::nullopt, "no answered call");
  support.longest_wait = std::chrono::milliseconds(3'500);
  support.service_level = {{std::chrono::seconds(20), figure(0, std::nullopt, "too few calls")}};
  support.length_series = {{ms(30'000), 1}, {ms(33'500), 0}};
  run.queues.push_back(support);

  AgentSummary a1;
  a1.id = "a1";
  a1.line = "301";
  a1.calls = 1;
  a1.time_in = {{AgentState::LoggedOff, Duration{0}},
                {AgentState::NotReady, Duration{0}},
                {AgentState::Ready, std::chrono::milliseconds(85'000)},
                {AgentState::BusyAcd, std::chrono::milliseconds(31'000)},
                {AgentState::WorkingAfterCall, std::chrono::milliseconds(4'000)}};
  a1.occupancy = 35.0 / 120.0;
  a1.timeline = {{ms(0), AgentState::Ready},
                 {ms(69'000), AgentState::BusyAcd},
                 {ms(100'000), AgentState::WorkingAfterCall},
                 {ms(104'000), AgentState::Ready}};
  run.agents.push_back(a1);
  AgentSummary a2;
  a2.id = "a2";
  a2.line = "302";
  a2.time_in = {{AgentState::NotReady, std::chrono::milliseconds(120'000)}};
  a2.timeline = {{ms(0), AgentState::NotReady}, {ms(50'000), AgentState::Ready}};
  a2.timeline_cut = true;
  run.agents.push_back(a2);

  // c7: 209 calls sales, waits 7.5 s from 62.5 s, agent a1 answers at 70 s, talks 30 s.
  CallRecord c7 = record(7, Direction::Outgoing, "209", "209", "600",
                         {{S::DialTone, 62'000}, {S::RingBack, 62'500}, {S::Connected, 70'000},
                          {S::Disconnected, 100'000}, {S::Idle, 100'000}},
                         DisconnectMode::Normal, Outcome::Answered);
  c7.queue = "sales";
  c7.queue_wait = std::chrono::milliseconds(7'500);
  c7.agent = "a1";
  run.records.push_back(c7);
  // c8: a1's own call on 301.
  CallRecord c8 = record(8, Direction::Incoming, "301", "209", "301",
                         {{S::Offering, 69'000}, {S::Connected, 70'000}, {S::Disconnected, 100'000}, {S::Idle, 100'000}},
                         DisconnectMode::Normal, Outcome::Answered);
  c8.queue = "sales";
  c8.agent = "a1";
  run.records.push_back(c8);
  // c9: 210 calls sales at 80 s and hangs up at 95 s after waiting 14.5 s.
  CallRecord c9 = record(9, Direction::Outgoing, "210", "210", "600",
                         {{S::DialTone, 80'000}, {S::RingBack, 80'500}, {S::Disconnected, 95'000}, {S::Idle, 95'000}},
                         DisconnectMode::Normal, Outcome::Abandoned);
  c9.queue = "sales";
  c9.queue_wait = std::chrono::milliseconds(14'500);
  run.records.push_back(c9);
  return run;
}

}  // namespace telsim::test
