// Unit tests for assign --bulk's engine (client/bulk_assign_run.h) over a
// fake facade: jobs started once each with their keys, every prospect
// recorded once, a start in doubt sent again with its key, a watch broken
// mid-stream watched again without a result twice, a FAILED job, a refused
// start, and a stop that leaves the jobs to a resumed run.
#include "bulk_assign_run.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "support/facade_status.h"

namespace gong::cli {
namespace {

namespace v1 = gong::flows::v1;
using ::gong::support::FacadeStatus;
using ::testing::SizeIs;

std::vector<ProspectRow> Rows(int count) {
  std::vector<ProspectRow> rows;
  for (int i = 0; i < count; ++i) {
    ProspectRow row;
    row.line = static_cast<size_t>(i) + 2;
    if (i % 3 == 0) {
      row.fields[kCrmId] = absl::StrCat("003", i);
    } else {
      row.fields[kFirstName] = absl::StrCat("First", i);
      row.fields[kLastName] = "Last";
      row.fields[kEmail] = absl::StrCat("p", i, "@example.com");
    }
    rows.push_back(row);
  }
  return rows;
}

// A Gong of jobs: each started job answers PENDING, and each watch sends
// half its results IN_PROGRESS, then all COMPLETED (or FAILED), unless a
// script says otherwise.
class FakeBulk : public BulkCalls {
 public:
  // Answers the start of call number `n` (from 0) instead of the model.
  std::function<std::optional<grpc::Status>(int n)> start_script;
  // Breaks watch number `n` (from 0) after its first message.
  std::function<std::optional<grpc::Status>(int n)> watch_script;
  bool fail_jobs = false;
  bool block_watches = false;
  // How the results echo each prospect (as sent when unset).
  std::function<void(v1::BulkProspect*)> echo;

  grpc::Status Start(const v1::StartBulkAssignmentRequest& request,
                     const std::string& key,
                     v1::StartBulkAssignmentResponse* response) override {
    absl::MutexLock lock(&mu_);
    const int n = starts_++;
    keys.push_back(key);
    if (start_script) {
      if (auto status = start_script(n)) return *status;
    }
    // One job per key, as the facade's idempotency gives it.
    auto [it, added] = job_of_key_.try_emplace(key, "");
    if (added) {
      it->second = absl::StrCat("bulk-", jobs_.size());
      jobs_[it->second] = request;
      ++jobs_started;
    }
    v1::BulkAssignment* job = response->mutable_bulk_assignment();
    job->set_bulk_assignment_id(it->second);
    job->set_state(v1::BULK_ASSIGNMENT_STATE_PENDING);
    job->set_request_id(absl::StrCat("start-", n));
    return grpc::Status::OK;
  }

  grpc::Status Watch(
      const std::string& id,
      const std::function<void(const v1::BulkAssignment&)>& on_update) override {
    int n;
    v1::StartBulkAssignmentRequest request;
    {
      absl::MutexLock lock(&mu_);
      n = watches_++;
      request = jobs_.at(id);
    }
    const int half = request.prospects_size() / 2;
    on_update(State(id, request, half, false, absl::StrCat("poll-", id, "-1")));
    if (watch_script) {
      if (auto status = watch_script(n)) return *status;
    }
    if (block_watches) {
      absl::MutexLock lock(&mu_);
      watching_ = true;
      mu_.Await(absl::Condition(&cancelled_));
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    on_update(State(id, request, fail_jobs ? half : request.prospects_size(), true,
                    absl::StrCat("poll-", id, "-2")));
    return grpc::Status::OK;
  }

  grpc::Status Get(const std::string& id,
                   v1::GetBulkAssignmentResponse* response) override {
    absl::MutexLock lock(&mu_);
    ++gets;
    // Still in progress: the run watches again.
    *response->mutable_bulk_assignment() =
        State(id, jobs_.at(id), jobs_.at(id).prospects_size() / 2, false, "get");
    return grpc::Status::OK;
  }

  void CancelWatches() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

  bool Watching() {
    absl::MutexLock lock(&mu_);
    return watching_;
  }

  std::vector<std::string> keys;
  int jobs_started = 0;
  int gets = 0;

 private:
  v1::BulkAssignment State(const std::string& id,
                           const v1::StartBulkAssignmentRequest& request, int done,
                           bool final, const std::string& request_id) {
    v1::BulkAssignment job;
    job.set_bulk_assignment_id(id);
    job.set_request_id(request_id);
    job.set_total_count(request.prospects_size());
    job.set_state(!final      ? v1::BULK_ASSIGNMENT_STATE_IN_PROGRESS
                  : fail_jobs ? v1::BULK_ASSIGNMENT_STATE_FAILED
                              : v1::BULK_ASSIGNMENT_STATE_COMPLETED);
    for (int i = 0; i < done; ++i) {
      v1::BulkAssignmentResult* result = job.add_results();
      *result->mutable_prospect() = request.prospects(i);
      if (echo) echo(result->mutable_prospect());
      result->set_status(i % 7 == 6 ? v1::BULK_PROSPECT_STATUS_FLOW_ASSIGNMENT_FAILED
                                    : v1::BULK_PROSPECT_STATUS_ASSIGNED);
      result->set_crm_id(request.prospects(i).crm_id().empty()
                             ? absl::StrCat("new-", request.prospects(i).first_name())
                             : request.prospects(i).crm_id());
      result->set_flow_instance_id(absl::StrCat("fi-", id, "-", i));
    }
    return job;
  }

  absl::Mutex mu_;
  int starts_ = 0;
  int watches_ = 0;
  bool watching_ = false;
  bool cancelled_ = false;
  absl::flat_hash_map<std::string, std::string> job_of_key_;
  std::map<std::string, v1::StartBulkAssignmentRequest> jobs_;
};

struct Lines {
  absl::Mutex mu;
  std::vector<nlohmann::json> all;
  BulkAssignRun::LineSink Sink() {
    return [this](const std::string& line) {
      absl::MutexLock lock(&mu);
      all.push_back(nlohmann::json::parse(line));
      return absl::OkStatus();
    };
  }
  // Each prospect's result lines' statuses, by identity.
  std::map<std::string, std::vector<std::string>> Results() {
    std::map<std::string, std::vector<std::string>> results;
    for (const nlohmann::json& line : all) {
      if (line.contains("prospect")) {
        results[line["prospect"].dump()].push_back(line["status"].get<std::string>());
      }
    }
    return results;
  }
  int Jobs(const std::string& kind) {
    int n = 0;
    for (const nlohmann::json& line : all) n += line.value("job", "") == kind;
    return n;
  }
};

BulkRunOptions Fast() {
  BulkRunOptions options;
  options.retry_floor = absl::Milliseconds(1);
  options.first_backoff = absl::Milliseconds(1);
  return options;
}

TEST(BulkAssignRunTest, OneHundredTwentyProspectsThreeJobsEachRecordedOnce) {
  FakeBulk fake;
  Lines lines;
  const std::vector<ProspectRow> rows = Rows(120);
  BulkAssignRun run(&fake, "flow", "o@example.com", Fast(), lines.Sink());
  const BulkReport report = run.Run(PlanBulkRun(rows, BulkLog{}, "r", {"flow", "o"}));
  EXPECT_EQ(fake.jobs_started, 3);
  EXPECT_THAT(fake.keys, SizeIs(3));
  EXPECT_EQ(report.total, 120u);
  EXPECT_EQ(report.Done(), 120u);
  EXPECT_FALSE(report.stopped);
  EXPECT_EQ(report.jobs_unfinished, 0u);
  EXPECT_EQ(report.job_ends.at("completed"), 3u);
  // The starts and two polls of each job: Gong's distinct request ids.
  EXPECT_EQ(report.gong_request_ids.size(), 9u);
  const auto results = lines.Results();
  ASSERT_THAT(results, SizeIs(120));
  size_t failed = 0;
  for (const auto& [identity, statuses] : results) {
    ASSERT_THAT(statuses, SizeIs(1)) << identity;
    failed += statuses[0] == "FLOW_ASSIGNMENT_FAILED";
  }
  EXPECT_EQ(report.Assigned(), 120u - failed);
  EXPECT_EQ(lines.Jobs("submitting"), 3);
  EXPECT_EQ(lines.Jobs("submitted"), 3);
  EXPECT_EQ(lines.Jobs("ended"), 3);
  // A result line carries what the issue asks: the row, its status, the
  // crm_id (Gong's new one), the new instance.
  for (const nlohmann::json& line : lines.all) {
    if (!line.contains("prospect") || line["prospect"].contains("crm_id")) continue;
    EXPECT_EQ(line["crm_id"].get<std::string>().rfind("new-", 0), 0u) << line;
    EXPECT_TRUE(line.contains("flow_instance_id")) << line;
    EXPECT_TRUE(line.contains("line")) << line;
    break;
  }
}

TEST(BulkAssignRunTest, AStartInDoubtGoesAgainWithItsKeyAndStartsOneJob) {
  FakeBulk fake;
  fake.start_script = [](int n) -> std::optional<grpc::Status> {
    if (n < 2) {
      return FacadeStatus(grpc::StatusCode::INTERNAL, "GONG_SERVER_ERROR",
                          {{"gong_may_have_acted", "true"}});
    }
    return std::nullopt;
  };
  Lines lines;
  BulkAssignRun run(&fake, "flow", "o@example.com", Fast(), lines.Sink());
  const BulkReport report = run.Run(PlanBulkRun(Rows(30), BulkLog{}, "r", {"f", "o"}));
  ASSERT_THAT(fake.keys, SizeIs(3));
  EXPECT_EQ(fake.keys[0], fake.keys[1]);
  EXPECT_EQ(fake.keys[1], fake.keys[2]);
  EXPECT_EQ(fake.jobs_started, 1);
  EXPECT_EQ(report.Done(), 30u);
  EXPECT_EQ(lines.Jobs("submitting"), 1);  // marked once, not per attempt
}

TEST(BulkAssignRunTest, AStartStillInDoubtIsLeftToTheResumeMarkedWithItsKey) {
  FakeBulk fake;
  fake.start_script = [](int) -> std::optional<grpc::Status> {
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "deadline");
  };
  Lines lines;
  BulkRunOptions options = Fast();
  options.max_attempts = 3;
  BulkAssignRun run(&fake, "flow", "o@example.com", options, lines.Sink());
  const BulkReport report = run.Run(PlanBulkRun(Rows(10), BulkLog{}, "r", {"f", "o"}));
  EXPECT_THAT(fake.keys, SizeIs(3));
  EXPECT_EQ(report.jobs_unfinished, 1u);
  EXPECT_EQ(report.Done(), 0u);
  EXPECT_EQ(lines.Jobs("submitting"), 1);
  EXPECT_EQ(lines.Jobs("ended"), 0);
  EXPECT_THAT(lines.Results(), SizeIs(0));
}

TEST(BulkAssignRunTest, AWatchBrokenMidStreamIsWatchedAgainWithoutDuplicates) {
  FakeBulk fake;
  fake.watch_script = [](int n) -> std::optional<grpc::Status> {
    if (n == 0) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset");
    return std::nullopt;
  };
  Lines lines;
  BulkRunOptions options = Fast();
  options.parallel = 1;
  BulkAssignRun run(&fake, "flow", "o@example.com", options, lines.Sink());
  const BulkReport report = run.Run(PlanBulkRun(Rows(50), BulkLog{}, "r", {"f", "o"}));
  EXPECT_EQ(fake.jobs_started, 1);
  EXPECT_EQ(fake.gets, 1);
  EXPECT_EQ(report.Done(), 50u);
  for (const auto& [identity, statuses] : lines.Results()) {
    EXPECT_THAT(statuses, SizeIs(1)) << identity;
  }
}

TEST(BulkAssignRunTest, ResultsEchoedOtherwiseStillFindTheirProspect) {
  FakeBulk fake;
  // Gong echoes a name-only prospect with its email upper-cased and
  // nothing else, and a CRM prospect with its id alone.
  fake.echo = [](v1::BulkProspect* p) {
    if (!p->crm_id().empty()) {
      v1::BulkProspect only;
      only.set_crm_id(p->crm_id());
      *p = only;
      return;
    }
    v1::BulkProspect only;
    only.set_email(absl::AsciiStrToUpper(p->email()));
    *p = only;
  };
  Lines lines;
  BulkAssignRun run(&fake, "flow", "o@example.com", Fast(), lines.Sink());
  const BulkReport report = run.Run(PlanBulkRun(Rows(40), BulkLog{}, "r", {"f", "o"}));
  EXPECT_EQ(report.Done(), 40u);
  EXPECT_EQ(report.statuses.count("UNKNOWN"), 0u);
  for (const auto& [identity, statuses] : lines.Results()) {
    EXPECT_THAT(statuses, SizeIs(1)) << identity;
  }
}

TEST(BulkAssignRunTest, AFailedJobFailsItsProspectsWithoutAResult) {
  FakeBulk fake;
  fake.fail_jobs = true;
  Lines lines;
  BulkAssignRun run(&fake, "flow", "o@example.com", Fast(), lines.Sink());
  const BulkReport report = run.Run(PlanBulkRun(Rows(40), BulkLog{}, "r", {"f", "o"}));
  EXPECT_EQ(report.Done(), 40u);
  EXPECT_EQ(report.statuses.at("JOB_FAILED"), 20u);
  EXPECT_EQ(report.job_ends.at("failed"), 1u);
}

TEST(BulkAssignRunTest, ARefusedStartFailsItsProspectsWithTheReason) {
  FakeBulk fake;
  fake.start_script = [](int) -> std::optional<grpc::Status> {
    return FacadeStatus(grpc::StatusCode::PERMISSION_DENIED, "GONG_FORBIDDEN");
  };
  Lines lines;
  BulkAssignRun run(&fake, "flow", "o@example.com", Fast(), lines.Sink());
  const BulkReport report = run.Run(PlanBulkRun(Rows(60), BulkLog{}, "r", {"f", "o"}));
  EXPECT_THAT(fake.keys, SizeIs(2));  // each job tried once
  EXPECT_EQ(report.statuses.at("REFUSED"), 60u);
  EXPECT_EQ(report.job_ends.at("refused"), 2u);
  for (const nlohmann::json& line : lines.all) {
    if (line.contains("prospect")) {
      EXPECT_EQ(line["error"], "GONG_FORBIDDEN");
    }
  }
}

TEST(BulkAssignRunTest, AResentStartRefusedIsLeftInDoubtNotFailed) {
  FakeBulk fake;
  fake.start_script = [](int) -> std::optional<grpc::Status> {
    return FacadeStatus(grpc::StatusCode::INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED");
  };
  Lines lines;
  BulkPlan plan = PlanBulkRun(Rows(10), BulkLog{}, "r", {"f", "o"});
  plan.jobs[0].in_file = true;  // a stopped run marked it `submitting`
  BulkAssignRun run(&fake, "flow", "o@example.com", Fast(), lines.Sink());
  const BulkReport report = run.Run(std::move(plan));
  EXPECT_THAT(fake.keys, SizeIs(1));
  EXPECT_EQ(report.Done(), 0u);
  EXPECT_EQ(report.jobs_unfinished, 1u);
  EXPECT_EQ(lines.Jobs("submitting"), 0);  // already in the file
  EXPECT_EQ(lines.Jobs("ended"), 0);
}

TEST(BulkAssignRunTest, AStopEndsTheWatchesAndLeavesTheJobsToAResume) {
  FakeBulk fake;
  fake.block_watches = true;
  Lines lines;
  BulkRunOptions options = Fast();
  options.parallel = 1;
  BulkAssignRun run(&fake, "flow", "o@example.com", options, lines.Sink());
  absl::Notification stopped;
  const BulkReport report =
      run.Run(PlanBulkRun(Rows(100), BulkLog{}, "r", {"f", "o"}), [&] {
        if (fake.Watching() && !stopped.HasBeenNotified()) {
          run.Stop("interrupted (SIGINT)");
          stopped.Notify();
        }
      });
  EXPECT_TRUE(report.stopped);
  EXPECT_EQ(report.stop_reason, "interrupted (SIGINT)");
  EXPECT_EQ(fake.jobs_started, 1);  // the second job never started
  EXPECT_EQ(report.jobs_unfinished, 2u);
  EXPECT_EQ(report.Done(), 25u);  // the first state's half of job one
  EXPECT_EQ(lines.Jobs("submitted"), 1);
  EXPECT_EQ(lines.Jobs("ended"), 0);
}

}  // namespace
}  // namespace gong::cli
