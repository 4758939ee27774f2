#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "reports/sample_run.hpp"

namespace telsim {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

constexpr const char* kHeader =
    "call_id,line,direction,from,to,reason,start_s,answer_s,end_s,duration_s,disconnect_mode,"
    "outcome,cleared_at_end,states,original_to,forward_hops,park_orbit,peer,kind";

TEST(CdrCsvTest, StartsWithTheDocumentedHeader) {
  const std::vector<std::string> lines = lines_of(cdr_csv(test::sample_run()));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], kHeader);
}

TEST(CdrCsvTest, HasOneRowPerRecord) {
  const std::string csv = cdr_csv(test::sample_run());
  EXPECT_EQ(lines_of(csv).size(), 7u);
  EXPECT_EQ(csv.back(), '\n');
  EXPECT_EQ(lines_of(cdr_csv(RunResult{})), std::vector<std::string>{kHeader});
}

TEST(CdrCsvTest, WritesAnAnsweredCall) {
  EXPECT_EQ(lines_of(cdr_csv(test::sample_run()))[1],
            "c1,201,out,201,202,DIRECT,0.000,3.000,33.000,30.000,NORMAL,answered,false,"
            "DIALTONE>DIALING>PROCEEDING>RINGBACK>CONNECTED>DISCONNECTED>IDLE,,0,,,station");
}

TEST(CdrCsvTest, LeavesAnswerEmptyAndDurationZeroWhenUnanswered) {
  const std::vector<std::string> lines = lines_of(cdr_csv(test::sample_run()));
  EXPECT_EQ(lines[3],
            "c3,203,out,203,204,DIRECT,10.000,,12.000,0.000,BUSY,busy,false,"
            "DIALTONE>DIALING>PROCEEDING>BUSY>IDLE,,0,,,station");
  EXPECT_EQ(lines[5], "c5,206,in,205,206,DIRECT,20.100,,25.000,0.000,NORMAL,missed,false,"
                      "OFFERING>DISCONNECTED>IDLE,,0,,,station");
  EXPECT_EQ(lines[6], "c6,207,out,207,208,DIRECT,50.000,,60.000,0.000,NORMAL,cleared,true,"
                      "DIALTONE>RINGBACK>DISCONNECTED>IDLE,,0,,,station");
}

TEST(CdrCsvTest, QuotesFieldsWithCommasAndQuotes) {
  EXPECT_EQ(lines_of(cdr_csv(test::sample_run()))[4],
            "c4,205,out,\"Reception, \"\"Desk\"\"\",206,DIRECT,20.000,,25.000,0.000,NORMAL,"
            "abandoned,false,DIALTONE>DIALING>RINGBACK>DISCONNECTED>IDLE,,0,,,station");
}

TEST(CdrCsvTest, NamesEveryKindInTheLastColumn) {
  RunResult run = test::sample_run();
  const std::pair<CallKind, const char*> kinds[] = {{CallKind::Station, "station"}, {CallKind::Consult, "consult"},
                                                    {CallKind::Conference, "conference"}, {CallKind::Bridge, "bridge"},
                                                    {CallKind::Trunk, "trunk"}};
  for (const auto& [kind, name] : kinds) {
    run.records[0].kind = kind;
    const std::string row = lines_of(cdr_csv(run))[1];
    EXPECT_EQ(row.substr(row.rfind(',') + 1), name);
  }
}

TEST(CdrCsvTest, QuotesFieldsWithNewlines) {
  RunResult run = test::sample_run();
  run.records[0].to = "20\n2";
  EXPECT_NE(cdr_csv(run).find("c1,201,out,201,\"20\n2\",DIRECT,"), std::string::npos);
}

TEST(CdrCsvTest, NamesNoDisconnectModeNone) {
  RunResult run = test::sample_run();
  run.records[0].mode = DisconnectMode::None;
  EXPECT_NE(lines_of(cdr_csv(run))[1].find(",30.000,NONE,answered,"), std::string::npos);
}

TEST(CdrCsvTest, WritesRowsInSerialOrder) {
  RunResult shuffled = test::sample_run();
  std::reverse(shuffled.records.begin(), shuffled.records.end());
  EXPECT_EQ(cdr_csv(shuffled), cdr_csv(test::sample_run()));
}

TEST(CdrCsvTest, NamesTheCallReason) {
  RunResult run = test::sample_run();
  run.records[1].reason = CallReason::FwdNoAnswer;
  EXPECT_EQ(lines_of(cdr_csv(run))[2].rfind("c2,202,in,201,202,FWDNOANSWER,0.500,3.000,", 0), 0u);
}

TEST(CdrCsvTest, EqualRunsGiveIdenticalBytes) {
  EXPECT_EQ(cdr_csv(test::sample_run()), cdr_csv(test::sample_run()));
}

TEST(CdrCsvTest, QuotesAFieldLongerThanTheWritersBuffer) {
  RunResult run = test::sample_run();
  run.records[1].from = std::string(3'000'000, 'x') + ",\"";  // 3 MB, needs quoting
  const std::string csv = cdr_csv(run);
  EXPECT_NE(csv.find("\n" "c2,202,in,\"" + std::string(3'000'000, 'x') + ",\"\"\",202,"),
            std::string::npos);
  EXPECT_NE(csv.find("\nc3,203,out,"), std::string::npos);  // the rows after it are intact
}

TEST(CdrCsvTest, WritesTimesToTheMillisecondRoundedHalfAwayFromZero) {
  RunResult run = test::sample_run();
  CallRecord& r = run.records[0];
  const auto at = [](std::int64_t us) { return SimTime(std::chrono::microseconds(us)); };
  const std::pair<SimTime, const char*> cases[] = {
      {at(0), "0.000"},          {at(499), "0.000"},         {at(500), "0.001"},
      {at(9'499), "0.009"},      {at(99'500), "0.100"},      {at(999'499), "0.999"},
      {at(999'500), "1.000"},    {at(1'000'000), "1.000"},   {at(10'902'000), "10.902"},
      {at(123'456'789'499), "123456.789"}};
  for (const auto& [t, text] : cases) {
    r.start = t;
    r.answer = t;
    r.end = t;
    const std::string row = lines_of(cdr_csv(run))[1];
    const std::string want = std::string(",") + text + "," + text + "," + text + ",0.000,";
    EXPECT_NE(row.find(want), std::string::npos) << row << " should have " << want;
  }
}

TEST(CdrCsvTest, NamesEveryStateReasonModeAndOutcomeAsTheModelDoes) {
  // cdr.csv writes names from tables of its own: each must be the model's name.
  RunResult run = test::sample_run();
  CallRecord& r = run.records[0];
  r.history.clear();
  for (int i = 0; i < kCallStateCount; ++i) r.history.push_back(StateStamp{call_state_at(i), SimTime{0}});
  std::string states;
  for (const StateStamp& s : r.history) states += (states.empty() ? "" : ">") + std::string(to_string(s.state));
  EXPECT_NE(lines_of(cdr_csv(run))[1].find("," + states + ","), std::string::npos);
  for (std::uint32_t bit = 0; bit < 32; ++bit) {
    const auto reason = static_cast<CallReason>(1u << bit);
    const auto mode = static_cast<DisconnectMode>(1u << bit);
    r.reason = reason;
    r.mode = mode;
    const std::string row = lines_of(cdr_csv(run))[1];
    EXPECT_EQ(row.rfind("c1,201,out,201,202," + std::string(to_string(reason)) + ",", 0), 0u) << row;
    EXPECT_NE(row.find("," + std::string(to_string(mode)) + ",answered,"), std::string::npos) << row;
  }
  for (int o = 0; o <= static_cast<int>(Outcome::Redirected); ++o) {
    r.outcome = static_cast<Outcome>(o);
    EXPECT_NE(lines_of(cdr_csv(run))[1].find("," + std::string(to_string(r.outcome)) + ",false,"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace telsim
