#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "reports/sample_run.hpp"

namespace telsim {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh folder under the system temp dir, removed afterwards.
class WriteReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            (std::string("telsim-write-reports-") + info->name() + "-" +
             std::to_string(static_cast<long long>(::getpid())));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(WriteReportsTest, CreatesTheFolderAndTheFourFiles) {
  const RunResult run = test::sample_run();
  const fs::path dir = root_ / "nested" / "out";
  const std::vector<fs::path> written = write_reports(run, dir);
  ASSERT_EQ(written.size(), 4u);
  EXPECT_EQ(written[0], dir / "report.json");
  EXPECT_EQ(written[1], dir / "junit.xml");
  EXPECT_EQ(written[2], dir / "cdr.csv");
  EXPECT_EQ(written[3], dir / "report.html");
  for (const fs::path& p : written) EXPECT_TRUE(fs::is_regular_file(p)) << p;
  EXPECT_EQ(slurp(dir / "report.json"), report_json(run));
  EXPECT_EQ(slurp(dir / "junit.xml"), junit_xml(run));
  EXPECT_EQ(slurp(dir / "cdr.csv"), cdr_csv(run));
  EXPECT_EQ(slurp(dir / "report.html"), report_html(run));
}

TEST_F(WriteReportsTest, OverwritesEarlierReports) {
  RunResult run = test::sample_run();
  write_reports(run, root_);
  run.records.pop_back();
  write_reports(run, root_);
  EXPECT_EQ(slurp(root_ / "cdr.csv"), cdr_csv(run));
}

TEST_F(WriteReportsTest, ThrowsNamingThePathWhenTheFolderCannotBeMade) {
  fs::create_directories(root_);
  const fs::path file = root_ / "plain-file";
  std::ofstream(file) << "x";
  try {
    write_reports(test::sample_run(), file / "sub");
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((file / "sub").string()), std::string::npos) << e.what();
  }
}

TEST_F(WriteReportsTest, ThrowsNamingTheFileThatCannotBeWritten) {
  fs::create_directories(root_ / "report.json");  // a folder where the file should go
  try {
    write_reports(test::sample_run(), root_);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((root_ / "report.json").string()), std::string::npos)
        << e.what();
  }
}

TEST_F(WriteReportsTest, ThrowsNamingCdrCsvWhenItCannotBeWritten) {
  // cdr.csv is written on its own thread; its failure still reaches the caller.
  fs::create_directories(root_ / "cdr.csv");
  try {
    write_reports(test::sample_run(), root_);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((root_ / "cdr.csv").string()), std::string::npos)
        << e.what();
  }
}

TEST_F(WriteReportsTest, WritesStatsCsvWhenAskedAndTheSameCdrCsvForManyCalls) {
  RunResult run = test::sample_run();
  const CallRecord model = run.records[0];
  for (std::uint64_t s = 7; s <= 40'000; ++s) {  // several of the writer's chunks
    run.records.push_back(model);
    run.records.back().serial = s;
  }
  ReportOptions options;
  options.stats_interval = std::chrono::seconds(10);
  const std::vector<fs::path> written = write_reports(run, root_, options);
  ASSERT_EQ(written.size(), 5u);
  EXPECT_EQ(written[4], root_ / "stats.csv");
  EXPECT_EQ(slurp(root_ / "stats.csv"), stats_csv(run, std::chrono::seconds(10)));
  EXPECT_EQ(slurp(root_ / "cdr.csv"), cdr_csv(run));
  EXPECT_EQ(slurp(root_ / "report.html"), report_html(run));
  EXPECT_EQ(slurp(root_ / "report.json"), report_json(run));
}

}  // namespace
}  // namespace telsim
