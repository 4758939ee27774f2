#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/sample_run.hpp"

namespace telsim {
namespace {

using nlohmann::json;
using test::ms;

json parsed(const RunResult& run) { return json::parse(report_json(run)); }

TEST(ReportJsonTest, CarriesTheRunsIdentity) {
  const json j = parsed(test::sample_run());
  EXPECT_EQ(j["scenario"], "front-desk");
  EXPECT_EQ(j["seed"], 42);
  EXPECT_EQ(j["sim_time_s"], 60.0);
  EXPECT_FALSE(j.contains("file")) << "the path differs between working directories";
}

TEST(ReportJsonTest, ListsEveryExpectationWithItsVerdict) {
  const json e = parsed(test::sample_run())["expectations"];
  EXPECT_EQ(e["passed"], 2);
  EXPECT_EQ(e["failed"], 1);
  ASSERT_EQ(e["results"].size(), 3u);
  const json& bad = e["results"][2];
  EXPECT_EQ(bad["step"], 5);
  EXPECT_EQ(bad["yaml_line"], 20);
  EXPECT_EQ(bad["ok"], false);
  EXPECT_EQ(bad["at_s"], 12.0);
  EXPECT_EQ(bad["what"], "c3 state CONNECTED within 2s");
  EXPECT_EQ(bad["message"], "c3 is BUSY, not CONNECTED & <gave up> \"quoted\" 'single'");
  EXPECT_EQ(e["results"][0]["ok"], true);
  EXPECT_EQ(e["results"][0]["message"], "");
}

TEST(ReportJsonTest, CountsCallsPlacedAndReceived) {
  const json j = parsed(test::sample_run());
  EXPECT_EQ(j["calls"], json::parse(R"({"total":4,"answered":1,"busy":1,"blocked":0,"no_answer":0,
                                        "abandoned":1,"failed":0,"transferred":0,"cleared":1,
                                        "cleared_at_end":1})"));
  EXPECT_EQ(j["incoming"], json::parse(R"({"total":2,"answered":1,"missed":1,"picked_up":0,"forwarded":0,
                                           "redirected":0,"transferred":0,"cleared":0})"));
}

TEST(ReportJsonTest, TrunkLegsAndConferenceHandlesAreNotCallsPlacedOrReceived) {
  RunResult run = test::sample_run();
  CallRecord trunk_out = run.records[0];  // an inbound call's PSTN side: placed by the network
  trunk_out.serial = 20, trunk_out.kind = CallKind::Trunk;
  CallRecord trunk_in = run.records[1];   // an outbound call's far end
  trunk_in.serial = 21, trunk_in.kind = CallKind::Trunk;
  CallRecord conference = run.records[3];  // a dropped conference handle
  conference.serial = 22, conference.kind = CallKind::Conference, conference.outcome = Outcome::Abandoned;
  CallRecord bridge = run.records[1];
  bridge.serial = 23, bridge.kind = CallKind::Bridge;
  for (CallRecord* r : {&trunk_out, &trunk_in, &conference, &bridge}) run.records.push_back(*r);
  EXPECT_EQ(parsed(run)["calls"], parsed(test::sample_run())["calls"]);
  EXPECT_EQ(parsed(run)["incoming"], parsed(test::sample_run())["incoming"]);
  EXPECT_EQ(parsed(run)["run"]["records"], 10);  // their CDRs are kept
}

TEST(ReportJsonTest, ConsultationCallsCountUnderTheirOwnOutcome) {
  RunResult run = test::sample_run();
  CallRecord transferred = run.records[0];
  transferred.serial = 30, transferred.kind = CallKind::Consult, transferred.outcome = Outcome::Transferred;
  CallRecord original = run.records[0];
  original.serial = 31, original.outcome = Outcome::Transferred;
  run.records.push_back(transferred);
  run.records.push_back(original);
  const json calls = parsed(run)["calls"];
  EXPECT_EQ(calls["total"], 6);
  EXPECT_EQ(calls["transferred"], 2);
  EXPECT_EQ(calls["answered"], 1);
}

TEST(ReportJsonTest, OutcomesSumToTheirTotals) {
  RunResult run = test::sample_run();
  const Outcome all[] = {Outcome::Answered, Outcome::Busy, Outcome::Blocked, Outcome::NoAnswer,
                         Outcome::Abandoned, Outcome::Failed, Outcome::Transferred, Outcome::Cleared,
                         Outcome::Missed, Outcome::PickedUp, Outcome::Forwarded, Outcome::Redirected};
  std::uint64_t serial = 100;
  for (Outcome o : all) {
    for (Direction d : {Direction::Outgoing, Direction::Incoming}) {
      CallRecord r = run.records[d == Direction::Outgoing ? 0 : 1];
      r.serial = serial++, r.outcome = o;
      run.records.push_back(r);
    }
  }
  const json j = parsed(run);
  int placed = 0, received = 0;
  for (const auto& [key, v] : j["calls"].items())
    if (key != "total" && key != "cleared_at_end") placed += v.get<int>();
  for (const auto& [key, v] : j["incoming"].items())
    if (key != "total") received += v.get<int>();
  EXPECT_EQ(placed, j["calls"]["total"].get<int>());
  EXPECT_EQ(received, j["incoming"]["total"].get<int>());
}

TEST(ReportJsonTest, TrunksIsAnEmptyObjectForNow) {
  const json j = parsed(test::sample_run());
  ASSERT_TRUE(j["trunks"].is_object());
  EXPECT_TRUE(j["trunks"].empty());
}

TEST(ReportJsonTest, TimingsGiveNearestRankPercentilesInMilliseconds) {
  const json t = parsed(test::sample_run())["timings"];
  EXPECT_EQ(t["setup"], json::parse(R"({"count":4,"p50_ms":500.0,"p95_ms":1000.0,
                                        "p99_ms":1000.0,"max_ms":1000.0})"));
  EXPECT_EQ(t["answer"]["count"], 1);
  EXPECT_EQ(t["answer"]["p50_ms"], 3000.0);
  EXPECT_EQ(t["ring"]["p95_ms"], 2500.0);
  EXPECT_EQ(t["talk"]["max_ms"], 30000.0);
}

TEST(ReportJsonTest, TimingsWithoutSamplesAreZero) {
  RunResult run = test::sample_run();
  run.records.erase(run.records.begin() + 1);  // the only answered incoming call
  const json ring = parsed(run)["timings"]["ring"];
  EXPECT_EQ(ring, json::parse(R"({"count":0,"p50_ms":0.0,"p95_ms":0.0,"p99_ms":0.0,
                                  "max_ms":0.0})"));
}

TEST(ReportJsonTest, KeysComeInTheDocumentedOrder) {
  const std::string text = report_json(test::sample_run());
  std::size_t last = 0;
  for (const char* key : {"\"scenario\"", "\"seed\"", "\"sim_time_s\"", "\"expectations\"",
                          "\"calls\"", "\"incoming\"", "\"trunks\"", "\"timings\""}) {
    const std::size_t at = text.find(key);
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GT(at, last) << key;
    last = at;
  }
  std::size_t t = text.find("\"timings\"");
  for (const char* name : {"\"setup\"", "\"answer\"", "\"ring\"", "\"talk\""}) {
    const std::size_t at = text.find(name, t);
    ASSERT_NE(at, std::string::npos) << name;
    t = at;
  }
}

TEST(ReportJsonTest, RoundsTimesToMicrosecondsAndMillisecondsToThreeDecimals) {
  RunResult run = test::sample_run();
  run.sim_time = std::chrono::nanoseconds(123'456'789'499);
  run.expectations[0].at = std::chrono::nanoseconds(1'000'000'500);
  run.records[0].history[3].at = std::chrono::nanoseconds(1'234'567'890);  // RINGBACK of c1
  const std::string text = report_json(run);
  EXPECT_NE(text.find("\"sim_time_s\": 123.456789,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"at_s\": 1.000001,"), std::string::npos);
  EXPECT_NE(text.find("\"max_ms\": 1234.568"), std::string::npos);
}

TEST(ReportJsonTest, EqualRunsGiveIdenticalBytes) {
  const std::string a = report_json(test::sample_run());
  const std::string b = report_json(test::sample_run());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.back(), '\n');
}

TEST(ReportJsonTest, RecordOrderDoesNotChangeTheBytes) {
  RunResult shuffled = test::sample_run();
  std::reverse(shuffled.records.begin(), shuffled.records.end());
  EXPECT_EQ(report_json(shuffled), report_json(test::sample_run()));
}

TEST(ReportJsonTest, RunFiguresSitBesideTheCallCounts) {
  RunResult run = test::sample_run();
  run.kernel_events = 999;
  const json j = parsed(run);
  EXPECT_EQ(j["run"]["timer_events"], 999);
  EXPECT_EQ(j["run"]["transitions"], 31);
  EXPECT_EQ(j["run"]["cleared_at_end"], 1);
  EXPECT_EQ(j["calls"]["total"], 4);
}

TEST(ReportJsonTest, ReportsFeatureCounters) {
  RunResult run = test::sample_run();
  run.pbx.parks = 3;
  run.pbx.pickups = 2;
  run.pbx.forward_max_hops = 4;
  const json f = parsed(run)["features"];
  EXPECT_EQ(f["park"]["parks"], 3);
  EXPECT_EQ(f["pickup"]["pickups"], 2);
  EXPECT_EQ(f["forwarding"]["max_hops"], 4);
}

TEST(ReportJsonTest, InvalidUtf8InUserTextDoesNotThrow) {
  RunResult run = test::sample_run();
  run.scenario = "bad \xFF name";
  std::string text;
  ASSERT_NO_THROW(text = report_json(run));
  EXPECT_EQ(json::parse(text)["scenario"], "bad \xEF\xBF\xBD name");
}

TEST(ReportJsonTest, AMinimalRunHasThisExactText) {
  RunResult run;
  run.scenario = "tiny";
  run.seed = 7;
  run.sim_time = ms(1'500);
  run.expectations = {{1, 3, true, ms(250), "201 state IDLE", ""}};
  EXPECT_EQ(report_json(run), R"({
  "scenario": "tiny",
  "seed": 7,
  "personality": "",
  "sim_time_s": 1.5,
  "expectations": {
    "passed": 1,
    "failed": 0,
    "results": [
      {
        "step": 1,
        "yaml_line": 3,
        "ok": true,
        "at_s": 0.25,
        "what": "201 state IDLE",
        "message": ""
      }
    ]
  },
  "faults": [],
  "calls": {
    "total": 0,
    "answered": 0,
    "busy": 0,
    "blocked": 0,
    "no_answer": 0,
    "abandoned": 0,
    "failed": 0,
    "transferred": 0,
    "cleared": 0,
    "cleared_at_end": 0
  },
  "incoming": {
    "total": 0,
    "answered": 0,
    "missed": 0,
    "picked_up": 0,
    "forwarded": 0,
    "redirected": 0,
    "transferred": 0,
    "cleared": 0
  },
  "trunks": {},
  "timings": {
    "setup": {
      "count": 0,
      "p50_ms": 0.0,
      "p95_ms": 0.0,
      "p99_ms": 0.0,
      "max_ms": 0.0
    },
    "answer": {
      "count": 0,
      "p50_ms": 0.0,
      "p95_ms": 0.0,
      "p99_ms": 0.0,
      "max_ms": 0.0
    },
    "ring": {
      "count": 0,
      "p50_ms": 0.0,
      "p95_ms": 0.0,
      "p99_ms": 0.0,
      "max_ms": 0.0
    },
    "talk": {
      "count": 0,
      "p50_ms": 0.0,
      "p95_ms": 0.0,
      "p99_ms": 0.0,
      "max_ms": 0.0
    }
  },
  "features": {
    "park": {
      "parks": 0,
      "unparks": 0,
      "timeouts": 0,
      "recalls_answered": 0,
      "max_occupancy": 0
    },
    "pickup": {
      "pickups": 0,
      "failed": 0
    },
    "forwarding": {
      "forwards": 0,
      "max_hops": 0,
      "loops_stopped": 0,
      "dnd_refusals": 0
    },
    "call_control": {
      "transfers": 0,
      "conferences": 0,
      "conference_max_size": 0,
      "redirects": 0,
      "hold_recalls": 0
    },
    "completion": {
      "requested": 0,
      "done": 0,
      "cancelled": 0,
      "intrusions": 0,
      "messages_left": 0
    },
    "media": {
      "digits_generated": 0,
      "digits_heard": 0,
      "tones_generated": 0,
      "tones_detected": 0,
      "gathers": 0,
      "gather_timeouts": 0,
      "media_detected": 0,
      "uui_sent": 0,
      "call_data_set": 0
    }
  },
  "run": {
    "cleared_at_end": 0,
    "records": 0,
    "transitions": 0,
    "timer_events": 0
  }
}
)");
}

}  // namespace
}  // namespace telsim

namespace telsim {
namespace {

TEST(ReportJsonModemsTest, ModemsAppearOnlyWhenTheRunHadThem) {
  RunResult run = test::sample_run();
  EXPECT_FALSE(nlohmann::json::parse(report_json(run)).contains("modems"));
  Modem::Stats st;
  st.calls_placed = 1;
  st.connects = 1;
  st.last_speed = 14400;
  st.bytes_sent = 4096;
  st.escapes = 2;
  run.modems.push_back(RunResult::ModemSummary{"m1", "400", 33600, st});
  const nlohmann::json m = nlohmann::json::parse(report_json(run))["modems"]["m1"];
  EXPECT_EQ(m["number"], "400");
  EXPECT_EQ(m["speed"], 33600);
  EXPECT_EQ(m["last_speed"], 14400);
  EXPECT_EQ(m["bytes_sent"], 4096);
  EXPECT_EQ(m["escapes"], 2);
  EXPECT_EQ(m["calls_answered"], 0);
  const std::string html = report_html(run);
  EXPECT_NE(html.find("<h2>Modems</h2>"), std::string::npos);
  EXPECT_NE(html.find("m1 (400, 33600 bit/s)"), std::string::npos);
  EXPECT_NE(html.find("4096 bytes sent"), std::string::npos);
}

}  // namespace
}  // namespace telsim
