#pragma once
// A hand-built RunResult with the common outcomes: an answered call and its incoming leg, a busy
// call, an abandoned call and its missed incoming leg, and a call the end of the run cleared. Two expectations hold, one fails.
#include <chrono>
#include <initializer_list>
#include <utility>

#include "telsim/reports/reports.hpp"

namespace telsim::test {

using namespace std::chrono_literals;

inline SimTime ms(std::int64_t v) { return std::chrono::milliseconds(v); }

inline CallRecord record(std::uint64_t serial, Direction dir, std::string line, std::string from,
                         std::string to, std::initializer_list<std::pair<CallState, int>> states,
                         DisconnectMode mode, Outcome outcome) {
  CallRecord r;
  r.serial = serial;
  r.line = std::move(line);
  r.direction = dir;
  r.from = std::move(from);
  r.to = std::move(to);
  r.mode = mode;
  r.outcome = outcome;
  for (const auto& [state, at] : states) {
    r.history.push_back({state, ms(at)});
    if (state == CallState::Connected && !r.answer) r.answer = ms(at);
  }
  r.start = r.history.front().at;
  r.end = r.history.back().at;
  return r;
}

inline RunResult sample_run() {
  using S = CallState;
  RunResult run;
  run.scenario = "front-desk";
  run.file = "scenarios/front_desk.yaml";
  run.seed = 42;
  run.sim_time = ms(60'000);
  run.transitions = 31;
  run.kernel_events = 12;
  run.cleared_at_end = 1;

  run.expectations = {
      {1, 12, true, ms(1'000), "c1 state RINGBACK within 1s", ""},
      {3, 14, true, ms(3'000), "c1 state CONNECTED within 5s", ""},
      {5, 20, false, ms(12'000), "c3 state CONNECTED within 2s",
       "c3 is BUSY, not CONNECTED & <gave up> \"quoted\" 'single'"},
  };

  // c1: 201 -> 202, answered after 3 s, talks 30 s. setup 1000 ms, answer 3000 ms, talk 30000 ms.
  run.records.push_back(record(1, Direction::Outgoing, "201", "201", "202",
                               {{S::DialTone, 0},
                                {S::Dialing, 100},
                                {S::Proceeding, 500},
                                {S::RingBack, 1'000},
                                {S::Connected, 3'000},
                                {S::Disconnected, 33'000},
                                {S::Idle, 33'000}},
                               DisconnectMode::Normal, Outcome::Answered));
  // c2: the incoming leg on 202, offered at 0.5 s, answered at 3 s: ring 2500 ms.
  run.records.push_back(record(2, Direction::Incoming, "202", "201", "202",
                               {{S::Offering, 500},
                                {S::Connected, 3'000},
                                {S::Disconnected, 33'000},
                                {S::Idle, 33'500}},
                               DisconnectMode::Normal, Outcome::Answered));
  // c3: 203 -> 204 busy: setup 750 ms, busy.
  run.records.push_back(record(3, Direction::Outgoing, "203", "203", "204",
                               {{S::DialTone, 10'000},
                                {S::Dialing, 10'100},
                                {S::Proceeding, 10'500},
                                {S::Busy, 10'750},
                                {S::Idle, 12'000}},
                               DisconnectMode::Busy, Outcome::Busy));
  // c4: 205 -> 206, the caller gives up after ringing: setup 250 ms, abandoned. Its caller
  // name needs CSV quoting.
  run.records.push_back(record(4, Direction::Outgoing, "205", "Reception, \"Desk\"", "206",
                               {{S::DialTone, 20'000},
                                {S::Dialing, 20'050},
                                {S::RingBack, 20'250},
                                {S::Disconnected, 25'000},
                                {S::Idle, 25'000}},
                               DisconnectMode::Normal, Outcome::Abandoned));
  // c5: its incoming leg on 206, never answered: missed.
  run.records.push_back(record(5, Direction::Incoming, "206", "205", "206",
                               {{S::Offering, 20'100}, {S::Disconnected, 25'000}, {S::Idle, 25'000}},
                               DisconnectMode::Normal, Outcome::Missed));
  // c6: 207 -> 208 still ringing when the run ends: setup 500 ms, cleared at end.
  run.records.push_back(record(6, Direction::Outgoing, "207", "207", "208",
                               {{S::DialTone, 50'000},
                                {S::RingBack, 50'500},
                                {S::Disconnected, 60'000},
                                {S::Idle, 60'000}},
                               DisconnectMode::Normal, Outcome::Cleared));
  run.records.back().cleared_at_end = true;
  return run;
}

}  // namespace telsim::test
