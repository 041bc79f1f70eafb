// The day's Gong budget on the gong-flows-server binary, against the
// sandbox Gong holding Gong's daily limit (50 here, for a test's sake):
// with --gong_daily_limit=50 and --daily_reserve=10, background calls are
// served until the day's count reaches 40, then refused
// DAILY_BUDGET_RESERVED with a RetryInfo to the next UTC midnight;
// interactive calls go on to 50; then every call is refused
// GONG_DAILY_LIMIT_REACHED, and the sandbox never had to answer 429. The
// metrics show the budget spent and the refusals by reason, each call's log
// line its priority. A priority header the facade does not know is refused
// before anything reaches Gong, and a reserve as large as the limit stops
// the start. Key log lines are printed for the record.
#include <grpcpp/grpcpp.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "metrics_scrape.h"
#include "server_process.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kLimit = 50;
constexpr int64_t kReserve = 10;
// Far above what the test sends, so that no call ever goes without its
// answer for want of a turn.
constexpr int kCallsAtMost = 200;

int64_t UtcDay(absl::Time t) { return absl::ToUnixSeconds(t) / (24 * 60 * 60); }
absl::Time NextUtcMidnight(absl::Time t) {
  return absl::FromUnixSeconds((UtcDay(t) + 1) * 24 * 60 * 60);
}

class DailyBudgetTest : public ServerProcess {
 protected:
  void StartWithBudget() {
    sandbox::Behavior gong;
    gong.daily_limit = kLimit;  // Gong's own limit, which the facade must keep
    sandbox_->SetBehavior(gong);
    StartServer({{"GONG_BEARER_TOKEN", "gong-token"}},
                {absl::StrCat("--gong_daily_limit=", kLimit),
                 absl::StrCat("--daily_reserve=", kReserve),
                 // Fast enough that 50 requests take seconds, not a minute.
                 "--gong_qps=20"});
    started_ = absl::Now();
  }

  // GetProspectFlows of one CRM id (a read, so always answered 200 by the
  // sandbox) with `priority` as the x-gong-flows-priority header (none
  // when empty).
  grpc::Status Lookup(int n, const std::string& priority) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    if (!priority.empty()) context.AddMetadata("x-gong-flows-priority", priority);
    flows::v1::GetProspectFlowsRequest request;
    request.add_crm_prospect_ids(absl::StrCat("crm-", n));
    flows::v1::GetProspectFlowsResponse response;
    return stub_->GetProspectFlows(&context, request, &response);
  }

  // Calls with `priority` one after the other until one is refused; the
  // calls served before it, and the refusal (with when it came).
  struct Run {
    int served = 0;
    grpc::Status refusal;
    absl::Time before_refusal;
    absl::Time after_refusal;
  };
  Run CallUntilRefused(const std::string& priority) {
    Run run;
    for (int i = 0; i < kCallsAtMost; ++i) {
      run.before_refusal = absl::Now();
      grpc::Status status = Lookup(next_id_++, priority);
      run.after_refusal = absl::Now();
      if (!status.ok()) {
        run.refusal = std::move(status);
        return run;
      }
      ++run.served;
    }
    ADD_FAILURE() << kCallsAtMost << " " << priority << " calls were all served";
    return run;
  }

  // The refusal's RetryInfo, checked to reach the next UTC midnight as seen
  // around the call (a second's slack for the conversions on the way).
  void ExpectRetryAtMidnight(const Run& run) {
    const std::optional<google::rpc::RetryInfo> retry =
        Detail<google::rpc::RetryInfo>(run.refusal);
    ASSERT_TRUE(retry.has_value()) << "no RetryInfo";
    const absl::Duration delay = absl::Seconds(retry->retry_delay().seconds()) +
                                 absl::Nanoseconds(retry->retry_delay().nanos());
    EXPECT_GE(delay,
              NextUtcMidnight(run.after_refusal) - run.after_refusal - absl::Seconds(1));
    EXPECT_LE(delay, NextUtcMidnight(run.before_refusal) - run.before_refusal +
                         absl::Seconds(1));
  }

  // Skips the rest when a UTC midnight passed since the start: both counts
  // began again, so what follows would not hold.
  bool SameUtcDay() const { return UtcDay(started_) == UtcDay(absl::Now()); }

  absl::Time started_;
  int next_id_ = 1;
};

TEST_F(DailyBudgetTest, BackgroundStopsAtTheReserveInteractiveAtTheLimitGongNever429s) {
  StartWithBudget();

  // Background work: served until the day's count reaches limit - reserve.
  const Run background = CallUntilRefused("background");
  if (!SameUtcDay()) GTEST_SKIP() << "a UTC midnight passed during the test";
  EXPECT_EQ(background.served, kLimit - kReserve);
  EXPECT_EQ(sandbox_->RequestCount(), kLimit - kReserve);
  EXPECT_EQ(background.refusal.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << background.refusal.error_message();
  EXPECT_EQ(Reason(background.refusal), "DAILY_BUDGET_RESERVED");
  EXPECT_THAT(background.refusal.error_message(), HasSubstr("UTC midnight"));
  ExpectRetryAtMidnight(background);
  // ...and stays refused, sending nothing.
  EXPECT_EQ(Reason(Lookup(next_id_++, "background")), "DAILY_BUDGET_RESERVED");
  EXPECT_EQ(sandbox_->RequestCount(), kLimit - kReserve);

  // Interactive calls, with the header or without it, go on to the limit.
  int interactive_served = 0;
  for (int i = 0; i < 5; ++i) {
    const grpc::Status status = Lookup(next_id_++, "interactive");
    EXPECT_TRUE(status.ok()) << status.error_message();
    interactive_served += status.ok();
  }
  const Run interactive = CallUntilRefused("");
  if (!SameUtcDay()) GTEST_SKIP() << "a UTC midnight passed during the test";
  EXPECT_EQ(interactive_served + interactive.served, kReserve);
  EXPECT_EQ(sandbox_->RequestCount(), kLimit);
  EXPECT_EQ(interactive.refusal.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << interactive.refusal.error_message();
  EXPECT_EQ(Reason(interactive.refusal), "GONG_DAILY_LIMIT_REACHED");
  ExpectRetryAtMidnight(interactive);

  // From then on every call of either priority, whatever its method.
  for (const char* priority : {"background", "interactive", ""}) {
    EXPECT_EQ(Reason(Lookup(next_id_++, priority)), "GONG_DAILY_LIMIT_REACHED")
        << priority;
  }
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    flows::v1::ListFlowsRequest request;
    request.set_flow_owner_email("ana@example.com");
    flows::v1::ListFlowsResponse response;
    EXPECT_EQ(Reason(stub_->ListFlows(&context, request, &response)),
              "GONG_DAILY_LIMIT_REACHED");
  }
  EXPECT_EQ(Reason(Call("1001")), "GONG_DAILY_LIMIT_REACHED");
  EXPECT_TRUE(sandbox_->IsAssigned("1001"));
  if (!SameUtcDay()) GTEST_SKIP() << "a UTC midnight passed during the test";

  // Gong was never asked for more than it allows.
  EXPECT_EQ(sandbox_->RequestCount(), kLimit);
  EXPECT_EQ(sandbox_->TooManyRequestsCount(), 0);

  const std::vector<Sample> m = Scrape();
  EXPECT_EQ(Value(m, "gong_daily_budget_left"), 0);
  EXPECT_EQ(Value(m, "gong_upstream_requests_today"), kLimit);
  // Two background refusals at the reserve; then the one interactive call
  // that found the limit, three lookups, a listing and an unassign.
  EXPECT_EQ(Value(m, "gong_quota_refusals_total", {{"reason", "DAILY_BUDGET_RESERVED"}}),
            2);
  EXPECT_EQ(
      Value(m, "gong_quota_refusals_total", {{"reason", "GONG_DAILY_LIMIT_REACHED"}}), 6);
  EXPECT_EQ(Value(m, "gong_quota_refusals_total", {{"reason", "QUOTA_QUEUE_FULL"}}), 0);
  EXPECT_EQ(Value(m, "gong_quota_queue_length", {{"priority", "background"}}), 0);
  EXPECT_EQ(Value(m, "gong_quota_queue_length", {{"priority", "interactive"}}), 0);

  // Each call's line says its priority and how it ended.
  const size_t calls = static_cast<size_t>(next_id_ - 1) + 2;
  ASSERT_TRUE(support::WaitUntil([&] { return LogLines("call").size() >= calls; }));
  std::map<std::string, int> by_priority_and_code;
  for (const nlohmann::json& line : LogLines("call")) {
    ++by_priority_and_code[absl::StrCat(line.value("priority", "<none>"), " ",
                                        line.value("code", ""))];
  }
  EXPECT_EQ(by_priority_and_code["background OK"], kLimit - kReserve);
  EXPECT_EQ(by_priority_and_code["background RESOURCE_EXHAUSTED"], 3);
  EXPECT_EQ(by_priority_and_code["interactive OK"], kReserve);
  EXPECT_EQ(by_priority_and_code["interactive RESOURCE_EXHAUSTED"], 5);

  // For the record: the last call served in the background, the first
  // refused at the reserve, the last interactive one served, the first at
  // the limit; and the scrape's budget lines.
  std::cout << "daily budget: " << background.served << " background calls served, "
            << interactive_served + interactive.served
            << " interactive after them, Gong asked " << sandbox_->RequestCount()
            << " times, 429s from Gong " << sandbox_->TooManyRequestsCount() << "\n";
  for (const Run* run : {&background, &interactive}) {
    const std::optional<google::rpc::RetryInfo> retry =
        Detail<google::rpc::RetryInfo>(run->refusal);
    std::cout << Reason(run->refusal) << ": " << run->refusal.error_message()
              << " (RetryInfo "
              << (retry.has_value() ? retry->retry_delay().seconds() : -1) << " s)\n";
  }
  std::string last_code;
  std::string last_priority;
  for (const nlohmann::json& line : LogLines("call")) {
    const std::string code = line.value("code", "");
    const std::string priority = line.value("priority", "");
    if (code != last_code || priority != last_priority) {
      std::cout << line.dump() << "\n";
    }
    last_code = code;
    last_priority = priority;
  }
  for (const Sample& sample : m) {
    if (sample.name == "gong_daily_budget_left" ||
        sample.name == "gong_quota_refusals_total" ||
        sample.name == "gong_quota_queue_length") {
      std::cout << sample.name;
      for (const auto& [label, value] : sample.labels) {
        std::cout << " " << label << "=" << value;
      }
      std::cout << " " << sample.value << "\n";
    }
  }
}

TEST_F(DailyBudgetTest, ABadPriorityIsRefusedAndNothingReachesGong) {
  StartWithBudget();
  for (const char* bad : {"urgent", "BACKGROUND", "interactive,background"}) {
    const grpc::Status status = Lookup(next_id_++, bad);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_EQ(Reason(status), "INVALID_PRIORITY") << bad;
    EXPECT_EQ(Metadata(status, "header"), "x-gong-flows-priority") << bad;
  }
  EXPECT_EQ(sandbox_->RequestCount(), 0);
  // A good one goes through.
  EXPECT_TRUE(Lookup(next_id_++, "background").ok());
  EXPECT_EQ(sandbox_->RequestCount(), 1);

  ASSERT_TRUE(support::WaitUntil([&] { return LogLines("call").size() >= 4; }));
  const std::vector<nlohmann::json> lines = LogLines("call");
  ASSERT_EQ(lines.size(), 4u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[i].value("priority", ""), "invalid");
    EXPECT_EQ(lines[i].value("code", ""), "INVALID_ARGUMENT");
  }
  EXPECT_EQ(lines[3].value("priority", ""), "background");
  EXPECT_EQ(lines[3].value("code", ""), "OK");
  // The refused value never reaches the log.
  EXPECT_THAT(server_->Stderr(), ::testing::Not(HasSubstr("urgent")));
  std::cout << lines[0].dump() << "\n" << lines[3].dump() << "\n";
}

TEST_F(DailyBudgetTest, AReserveAsLargeAsTheLimitStopsTheStartNamingTheFlag) {
  Subprocess server({GONG_FLOWS_SERVER_BIN, "--listen=127.0.0.1:0",
                     "--metrics_listen=", "--gong_daily_limit=50", "--daily_reserve=50"},
                    {{"GONG_BEARER_TOKEN", "gong-token"}});
  EXPECT_EQ(server.Wait(absl::Seconds(20)), 2);
  EXPECT_THAT(server.Stderr(), HasSubstr("--daily_reserve"));
  // And by the environment's name, as the manifests set it.
  Subprocess from_env(
      {GONG_FLOWS_SERVER_BIN, "--listen=127.0.0.1:0", "--metrics_listen="},
      {{"GONG_BEARER_TOKEN", "gong-token"}, {"GONG_FLOWS_GONG_DAILY_LIMIT", "-5"}});
  EXPECT_EQ(from_env.Wait(absl::Seconds(20)), 2);
  EXPECT_THAT(from_env.Stderr(), HasSubstr("--gong_daily_limit"));
}

}  // namespace
}  // namespace gong::e2e
