// The quota behaviour end to end, against the sandbox Gong limited to 3
// calls a second as Gong is: many concurrent callers are served by few
// Gong requests and never see a 429; without coalescing the facade still
// keeps to 3 requests a second.
#include <future>

#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "metrics_scrape.h"

namespace gong::e2e {
namespace {

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

class QuotaTest : public FacadeTest {
 protected:
  void StartLimited(bool coalesce) {
    app::FacadeConfig config;  // the defaults: 3 calls a second, retries on
    config.quota.coalesce = coalesce;
    StartFacade(config);
    sandbox::Behavior gong_limit;
    gong_limit.qps_limit = 3;
    gong_limit.retry_after_seconds = 1;
    sandbox_->SetBehavior(gong_limit);
  }

  // `n` concurrent callers with one id each ("1000", "1001", ...); returns
  // their statuses and fills `responses`.
  std::vector<grpc::Status> CallConcurrently(
      int n, std::vector<UnassignByInstanceIdsResponse>* responses) {
    std::vector<grpc::ClientContext> contexts(n);
    responses->assign(n, {});
    std::vector<std::future<grpc::Status>> done;
    for (int i = 0; i < n; ++i) {
      contexts[i].set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
      done.push_back(StartCall(&contexts[i], absl::StrCat(1000 + i), &(*responses)[i]));
    }
    std::vector<grpc::Status> statuses;
    for (auto& d : done) statuses.push_back(d.get());
    return statuses;
  }
};

TEST_F(QuotaTest, ThreeHundredCallersShareAFewGongRequestsAndSeeNo429) {
  StartLimited(/*coalesce=*/true);
  std::vector<UnassignByInstanceIdsResponse> responses;
  const std::vector<grpc::Status> statuses = CallConcurrently(300, &responses);
  for (int i = 0; i < 300; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    // Each caller gets exactly its own id back.
    EXPECT_THAT(responses[i].unassigned_flow_instance_ids(),
                ::testing::ElementsAre(absl::StrCat(1000 + i)));
    EXPECT_EQ(responses[i].still_assigned_flow_instance_ids_size(), 0);
  }
  // A few single calls go at once; the rest wait and travel 200 at a time.
  EXPECT_LE(sandbox_->RequestCount(), 8);
}

TEST_F(QuotaTest, WithoutCoalescingTheFacadeStillKeepsToThreeASecond) {
  StartLimited(/*coalesce=*/false);
  std::vector<UnassignByInstanceIdsResponse> responses;
  const absl::Time start = absl::Now();
  const std::vector<grpc::Status> statuses = CallConcurrently(10, &responses);
  for (const grpc::Status& status : statuses) EXPECT_TRUE(status.ok());
  // Ten requests at three a second span more than three seconds; had the
  // facade sent faster, the sandbox would have answered 429s and its
  // retries would show in the count. (On a loaded machine a warm request
  // can still reach the sandbox a little early, so a rare retried 429 is
  // allowed; callers never see it.)
  EXPECT_GE(absl::Now() - start, absl::Seconds(3));
  EXPECT_GE(sandbox_->RequestCount(), 10);
  EXPECT_LE(sandbox_->RequestCount(), 12);
  // The facade spaces every fourth request 1.025 s after the first of the
  // three before it; an unlimited one would send all ten within
  // milliseconds. The sandbox stamps a request when its handler starts,
  // which on a loaded machine can come late for one request and on time
  // for the next, so the gap it sees is checked with room for that.
  const auto requests = sandbox_->Requests();
  for (size_t i = 3; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].received - requests[i - 3].received, absl::Milliseconds(500))
        << "request " << i;
  }
}

// One 429 with an absurd Retry-After (a bug's, a proxy's) used to pause the
// queue for centuries: every later call failed at once, health said
// SERVING. Now no pause or RetryInfo exceeds --max_gong_pause.
TEST_F(QuotaTest, AnAbsurdRetryAfterPausesNoLongerThanMaxGongPause) {
  for (int64_t retry_after : {int64_t{1'000'000'000'000}, INT64_MAX}) {
    SCOPED_TRACE(retry_after);
    app::FacadeConfig config;  // the defaults: 3 calls a second, retries on
    config.quota.max_pause = absl::Seconds(6);
    StartFacade(config);
    sandbox::Behavior limited;
    limited.force_status = 429;
    limited.retry_after_seconds = retry_after;
    sandbox_->SetBehavior(limited);
    UnassignByInstanceIdsResponse response;

    // Its deadline comes before the pause ends (so it is answered at once
    // with Gong's 429), yet leaves a loaded machine seconds for the round
    // trip.
    const grpc::Status refused = Call({"1000"}, &response, absl::Seconds(4));

    EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << refused.error_message();
    const auto retry = Detail<google::rpc::RetryInfo>(refused);
    ASSERT_TRUE(retry.has_value());
    EXPECT_LE(retry->retry_delay().seconds(), 6);
    sandbox_->SetBehavior({});
    const grpc::Status later = Call({"1001"}, &response, absl::Seconds(30));
    EXPECT_TRUE(later.ok()) << later.error_message();
  }
}

// Coalescing puts callers' ids in one Gong request. When Gong refuses it
// because of one caller's id, only that caller hears so: the others' ids
// are sent again, in halves, within the quota.
TEST_F(QuotaTest, OneCallersBadIdFailsOnlyThatCaller) {
  app::FacadeConfig config;
  config.quota.gong_qps = 1;
  StartFacade(config);
  sandbox::Behavior refusing;
  refusing.refused_id = "1013";  // passes validation; Gong refuses it
  sandbox_->SetBehavior(refusing);
  // A call that takes this second's turn, so that the 30 that follow all
  // wait and share one request.
  std::vector<UnassignByInstanceIdsResponse> responses(1);
  ASSERT_TRUE(Call({"1100"}, &responses[0]).ok());

  const std::vector<grpc::Status> statuses = CallConcurrently(30, &responses);

  for (int i = 0; i < 30; ++i) {
    SCOPED_TRACE(i);
    if (i == 13) {
      EXPECT_EQ(statuses[i].error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      const auto info = Detail<google::rpc::ErrorInfo>(statuses[i]);
      ASSERT_TRUE(info.has_value());
      EXPECT_EQ(info->reason(), "GONG_BAD_REQUEST");
      EXPECT_TRUE(sandbox_->IsAssigned("1013"));
      continue;
    }
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_THAT(responses[i].unassigned_flow_instance_ids(),
                ::testing::ElementsAre(absl::StrCat(1000 + i)));
  }
  // One shared request, then halves down to "1013" alone: 2·log2(30) more
  // at most, never one per caller, and each counted as a split part (at
  // least the two halves of the refused request).
  EXPECT_LE(sandbox_->RequestCount(), 2 + 10);
  EXPECT_GE(
      Value(ScrapeMetrics(facade_->metrics_port()), "gong_upstream_split_requests_total"),
      2);
}

TEST_F(QuotaTest, RetriesA503ThenSucceeds) {
  app::FacadeConfig config;
  config.quota.gong_qps = 0;
  StartFacade(config);
  UnassignByInstanceIdsResponse response;

  const grpc::Status status = CallWhileGongRecoversFrom(503, {"1001"}, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(response.unassigned_flow_instance_ids(), ::testing::ElementsAre("1001"));
  EXPECT_EQ(sandbox_->RequestCount(), 2);
}

TEST_F(QuotaTest, NeverRetriesA500) {
  app::FacadeConfig config;
  config.quota.gong_qps = 0;
  StartFacade(config);
  sandbox::Behavior failing;
  failing.force_status = 500;
  sandbox_->SetBehavior(failing);
  UnassignByInstanceIdsResponse response;
  EXPECT_EQ(Call({"1001"}, &response).error_code(), grpc::StatusCode::INTERNAL);
  // Writes only: after --settle_delay the facade may read Gong's state.
  int64_t writes = 0;
  for (const sandbox::RecordedRequest& request : sandbox_->Requests()) {
    writes += request.path == "/v2/flows/prospects/unassign-flows-by-instance-id";
  }
  EXPECT_EQ(writes, 1);
}

TEST_F(QuotaTest, QueueFullIsRefusedAtOnceWithRetryInfo) {
  app::FacadeConfig config;
  config.quota.gong_qps = 1;
  config.quota.coalesce = false;
  config.quota.max_pending_calls = 1;
  StartFacade(config);
  sandbox::Behavior slow;
  slow.delay = absl::Seconds(1);
  sandbox_->SetBehavior(slow);
  std::vector<UnassignByInstanceIdsResponse> responses;
  const std::vector<grpc::Status> statuses = CallConcurrently(3, &responses);
  int refused = 0;
  for (const grpc::Status& status : statuses) {
    if (status.ok()) continue;
    ++refused;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(Reason(status), "QUOTA_QUEUE_FULL");
    EXPECT_TRUE(Detail<google::rpc::RetryInfo>(status).has_value());
  }
  EXPECT_EQ(refused, 1);  // one sent, one waiting, one refused
}

// A call whose turn would come after its deadline is refused at once, never
// sent, with docs/contract.md's code and reason and a RetryInfo for when the turn
// comes. Gong's 429 with a 30 s Retry-After pauses the whole queue, so the
// second call's turn is surely past its 10 s deadline, however slow the
// machine.
TEST_F(QuotaTest, ACallWhoseTurnComesAfterItsDeadlineIsRefusedUnsent) {
  StartFacade(app::FacadeConfig());  // the defaults: 3 a second, pauses up to 60 s
  sandbox::Behavior limited;
  limited.force_status = 429;
  limited.retry_after_seconds = 30;
  sandbox_->SetBehavior(limited);
  UnassignByInstanceIdsResponse response;
  const grpc::Status limited_call = Call({"1000"}, &response, absl::Seconds(10));
  ASSERT_EQ(limited_call.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << limited_call.error_message();
  sandbox_->SetBehavior({});

  const grpc::Status status = Call({"1001"}, &response, absl::Seconds(10));

  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_EQ(Reason(status), "QUOTA_WAIT_EXCEEDS_DEADLINE");
  const auto retry = Detail<google::rpc::RetryInfo>(status);
  ASSERT_TRUE(retry.has_value());
  // The rest of Gong's 30 s pause, less what the first call took.
  EXPECT_GT(retry->retry_delay().seconds(), 10);
  EXPECT_LE(retry->retry_delay().seconds(), 30);
  EXPECT_EQ(sandbox_->RequestCount(), 1);  // only the first call's request
  EXPECT_TRUE(sandbox_->IsAssigned("1001"));
}

}  // namespace
}  // namespace gong::e2e
