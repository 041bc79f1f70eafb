// Unit tests for the end of a many-id run (client/run_summary.h): the exit
// status, the command that resumes, the JSON summary line, and the answers
// the facade settled or replayed.
#include "run_summary.h"

#include "commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "many_id_command.h"
#include "nlohmann/json.hpp"

namespace gong::cli {
namespace {

using ::testing::HasSubstr;

Summary Done(std::map<IdOutcome, size_t> outcomes) {
  Summary summary;
  summary.command = "unassign";
  summary.report.outcomes = std::move(outcomes);
  summary.report.total = summary.report.Done();
  summary.still_assigned_refused = true;
  return summary;
}

TEST(RunSummaryTest, ExitSaysDoneRefusedOrStopped) {
  EXPECT_EQ(SummaryExit(Done({{IdOutcome::kUnassigned, 5}})), 0);
  EXPECT_EQ(SummaryExit(Done({{IdOutcome::kUnassigned, 5}, {IdOutcome::kFailed, 1}})),
            kSomeRefusedExit);
  EXPECT_EQ(SummaryExit(Done({{IdOutcome::kStillAssigned, 1}})), kSomeRefusedExit);
  Summary lookups = Done({{IdOutcome::kNotFound, 3}});
  lookups.still_assigned_refused = false;
  EXPECT_EQ(SummaryExit(lookups), 0);
  Summary stopped = Done({{IdOutcome::kUnassigned, 5}});
  stopped.report.total = 9;
  stopped.report.stopped = true;
  EXPECT_EQ(SummaryExit(stopped), kIncompleteExit);
}

TEST(RunSummaryTest, ResumeCommandAddsResumeAndQuotesForTheShell) {
  EXPECT_EQ(ResumeCommand({"unassign", "--from=ids.txt", "--results=r.jsonl"}),
            "gong-flows unassign --from=ids.txt --results=r.jsonl --resume");
  EXPECT_EQ(ResumeCommand({"unassign", "--results=my file's.jsonl", "--resume"}),
            "gong-flows unassign '--results=my file'\\''s.jsonl' --resume");
  EXPECT_EQ(ResumeCommand({"unassign", "", "$(rm -rf x)"}),
            "gong-flows unassign '' '$(rm -rf x)' --resume");
}

TEST(RunSummaryTest, TextAndJsonSayWhyItStoppedAndHowToResume) {
  Summary summary = Done({{IdOutcome::kUnassigned, 2}, {IdOutcome::kUnknown, 1}});
  summary.report.total = 10;
  summary.report.unknown_ids = {"id \"1\""};
  summary.report.gong_request_ids = {"a", "b"};
  summary.report.stopped = true;
  summary.report.stop_reason = "DAILY_BUDGET_RESERVED: asked to wait 5h";
  summary.report.resume_after = absl::FromUnixSeconds(86400);
  summary.results_path = "r.jsonl";
  summary.resume_command = "gong-flows unassign --results=r.jsonl --resume";
  summary.duplicates = 4;
  const std::string text = SummaryText(summary);
  EXPECT_THAT(text, HasSubstr("3 of 10 ids answered"));
  EXPECT_THAT(text, HasSubstr("Gong calls used: 2"));
  EXPECT_THAT(text, HasSubstr("duplicates dropped: 4"));
  EXPECT_THAT(text, HasSubstr("stopped before the end: DAILY_BUDGET_RESERVED"));
  EXPECT_THAT(text,
              HasSubstr("resume after 1970-01-02 00:00:00 UTC with:\n  gong-flows"));
  const auto json = nlohmann::json::parse(SummaryJson(summary))["summary"];
  EXPECT_EQ(json["total"], 10);
  EXPECT_EQ(json["outcomes"]["unassigned"], 2);
  EXPECT_EQ(json["gong_calls"], 2);
  EXPECT_EQ(json["unknown_ids"][0], "id \"1\"");
  EXPECT_EQ(json["stopped"], true);
  EXPECT_EQ(json["resume_after"], "1970-01-02T00:00:00Z");
  EXPECT_EQ(json["exit"], kIncompleteExit);
}

TEST(RunSummaryTest, SaysWhatTheFacadeSettledOrReplayedOnlyWhenItDid) {
  Summary summary = Done({{IdOutcome::kAssigned, 200}});
  EXPECT_THAT(SummaryText(summary), ::testing::Not(HasSubstr("settled")));
  EXPECT_THAT(SummaryText(summary), ::testing::Not(HasSubstr("replayed")));
  summary.settled = 2;
  summary.replayed = 1;
  const std::string text = SummaryText(summary);
  EXPECT_THAT(text, HasSubstr("calls the facade settled from Gong's state: 2"));
  EXPECT_THAT(text, HasSubstr("answers replayed by the facade: 1"));
  const auto json = nlohmann::json::parse(SummaryJson(summary))["summary"];
  EXPECT_EQ(json["settled"], 2);
  EXPECT_EQ(json["replayed"], 1);
  EXPECT_EQ(json["exit"], 0);
}

}  // namespace
}  // namespace gong::cli
