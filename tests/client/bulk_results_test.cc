// Unit tests for assign --bulk's bookkeeping (client/bulk_results.h): jobs
// of 50 with a key each, and what a resumed run does with its --results
// file: prospects with a result skipped, started jobs watched again (not
// started again), a start in doubt sent again whole with its key.
#include "bulk_results.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "idempotency_key.h"

namespace gong::cli {
namespace {

using ::testing::SizeIs;

std::vector<ProspectRow> Rows(int count) {
  std::vector<ProspectRow> rows;
  for (int i = 0; i < count; ++i) {
    ProspectRow row;
    row.line = static_cast<size_t>(i) + 2;
    if (i % 2 == 0) {
      row.fields[kCrmId] = absl::StrCat("003", i);
    } else {
      row.fields[kFirstName] = absl::StrCat("First", i);
      row.fields[kLastName] = "Last";
    }
    rows.push_back(row);
  }
  return rows;
}

std::string TempFile(const std::string& text) {
  const std::string path =
      absl::StrCat(testing::TempDir(), "/bulk_results_test_", rand(), ".jsonl");
  std::ofstream(path) << text;
  return path;
}

TEST(BulkPlanTest, FreshRunCutsJobsOfFiftyEachWithItsKey) {
  const std::vector<ProspectRow> rows = Rows(120);
  const BulkPlan plan = PlanBulkRun(rows, BulkLog{}, "00aa11", {"flow", "owner"});
  ASSERT_THAT(plan.jobs, SizeIs(3));
  EXPECT_THAT(plan.jobs[0].prospects, SizeIs(50));
  EXPECT_THAT(plan.jobs[1].prospects, SizeIs(50));
  EXPECT_THAT(plan.jobs[2].prospects, SizeIs(20));
  EXPECT_EQ(plan.total, 120u);
  EXPECT_EQ(plan.jobs[2].prospects.back().line, 121u);
  for (const PlannedJob& job : plan.jobs) {
    EXPECT_TRUE(job.bulk_assignment_id.empty());
    EXPECT_FALSE(job.in_file);
    EXPECT_EQ(RunIdOfKey(job.key), "00aa11");
    EXPECT_EQ(job.awaiting.size(), job.prospects.size());
  }
  EXPECT_NE(plan.jobs[0].key, plan.jobs[1].key);
  // The same run and prospects, the same keys; another run, or another
  // flow, other keys.
  EXPECT_EQ(PlanBulkRun(rows, BulkLog{}, "00aa11", {"flow", "owner"}).jobs[1].key,
            plan.jobs[1].key);
  EXPECT_NE(PlanBulkRun(rows, BulkLog{}, "00bb22", {"flow", "owner"}).jobs[1].key,
            plan.jobs[1].key);
  EXPECT_NE(PlanBulkRun(rows, BulkLog{}, "00aa11", {"flow2", "owner"}).jobs[1].key,
            plan.jobs[1].key);
}

TEST(BulkPlanTest, ResumeWatchesStartedJobsResendsDoubtfulOnesAndSkipsAnswered) {
  const std::vector<ProspectRow> rows = Rows(120);
  const BulkPlan first = PlanBulkRun(rows, BulkLog{}, "00ff", {"f", "o"});
  // The file a killed run left: job 0 started and half answered, job 1's
  // start in doubt (no id), job 2 never written.
  std::string text;
  auto submitting = [&](const PlannedJob& job) {
    std::string prospects;
    for (const ProspectRow& row : job.prospects) {
      absl::StrAppend(&prospects, prospects.empty() ? "" : ",", row.Identity());
    }
    return absl::StrCat(R"({"job":"submitting","key":")", job.key, R"(","prospects":[)",
                        prospects, "]}\n");
  };
  text += submitting(first.jobs[0]);
  text += absl::StrCat(R"({"job":"submitted","key":")", first.jobs[0].key,
                       R"(","bulk_assignment_id":"bulk-1"})", "\n");
  for (int i = 0; i < 25; ++i) {
    text += absl::StrCat(R"({"prospect":)", first.jobs[0].prospects[i].Identity(),
                         R"(,"status":"ASSIGNED"})", "\n");
  }
  text += submitting(first.jobs[1]);
  text += R"({"prospect":{"crm_id":"00)";  // torn by the kill
  const std::string path = TempFile(text);
  size_t skipped = 0;
  absl::StatusOr<BulkLog> log = ReadBulkLog(path, &skipped);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ(RunIdOfKey(log->latest_key), "00ff");

  const BulkPlan plan = PlanBulkRun(rows, *log, RunIdOfKey(log->latest_key), {"f", "o"});
  ASSERT_THAT(plan.jobs, SizeIs(3));
  // Watched again, not started: only its unanswered 25 awaited.
  EXPECT_EQ(plan.jobs[0].key, first.jobs[0].key);
  EXPECT_EQ(plan.jobs[0].bulk_assignment_id, "bulk-1");
  EXPECT_EQ(plan.jobs[0].awaiting.size(), 25u);
  // In doubt: the same key and prospects, already in the file.
  EXPECT_EQ(plan.jobs[1].key, first.jobs[1].key);
  EXPECT_TRUE(plan.jobs[1].bulk_assignment_id.empty());
  EXPECT_TRUE(plan.jobs[1].in_file);
  ASSERT_THAT(plan.jobs[1].prospects, SizeIs(50));
  EXPECT_EQ(plan.jobs[1].prospects[7].Identity(), first.jobs[1].prospects[7].Identity());
  // The rest as the first run would have sent them: the same key.
  EXPECT_EQ(plan.jobs[2].key, first.jobs[2].key);
  EXPECT_FALSE(plan.jobs[2].in_file);
  EXPECT_EQ(plan.already_answered, 25u);
  EXPECT_EQ(plan.total, 95u);
}

TEST(BulkPlanTest, EndedJobsAndFullyAnsweredJobsAreNotTouched) {
  const std::vector<ProspectRow> rows = Rows(60);
  const BulkPlan first = PlanBulkRun(rows, BulkLog{}, "aa", {"f", "o"});
  BulkLog log;
  for (const PlannedJob& job : first.jobs) {
    BulkLogJob entry{job.key};
    for (const ProspectRow& row : job.prospects)
      entry.prospects.push_back(row.Identity());
    entry.bulk_assignment_id = "id";
    entry.ended = &job == &first.jobs[0];
    log.jobs.push_back(entry);
  }
  for (const ProspectRow& row : first.jobs[1].prospects)
    log.answered.insert(row.Identity());
  const BulkPlan plan = PlanBulkRun(rows, log, "aa", {"f", "o"});
  // Job 0 ended (its prospects without a line stay as they are: its end
  // was written after them); job 1 answered whole.
  EXPECT_THAT(plan.jobs, SizeIs(0));
  EXPECT_EQ(plan.already_answered, 10u);
}

TEST(BulkPlanTest, ANewCsvRowJoinsANewJobAndAProspectGoneFromTheCsvIsStillWatched) {
  std::vector<ProspectRow> rows = Rows(3);
  const BulkPlan first = PlanBulkRun(rows, BulkLog{}, "bb", {"f", "o"});
  BulkLog log;
  BulkLogJob entry{first.jobs[0].key};
  for (const ProspectRow& row : rows) entry.prospects.push_back(row.Identity());
  entry.bulk_assignment_id = "bulk-9";
  log.jobs.push_back(entry);
  std::vector<ProspectRow> edited = {rows[0], rows[1]};
  ProspectRow added;
  added.fields[kCrmId] = "NEW";
  edited.push_back(added);
  const BulkPlan plan = PlanBulkRun(edited, log, "bb", {"f", "o"});
  ASSERT_THAT(plan.jobs, SizeIs(2));
  EXPECT_EQ(plan.jobs[0].bulk_assignment_id, "bulk-9");
  EXPECT_THAT(plan.jobs[0].prospects, SizeIs(3));
  EXPECT_THAT(plan.jobs[1].prospects, SizeIs(1));
  EXPECT_EQ(plan.jobs[1].prospects[0].fields[kCrmId], "NEW");
}

TEST(BulkLogTest, NoFileIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(
      ReadBulkLog(testing::TempDir() + "/no-such-bulk-file", nullptr).status()));
}

}  // namespace
}  // namespace gong::cli
