// The facade's behaviour in time, end to end: deadlines, cancellation, many
// calls in flight at once, graceful shutdown, health and reflection.
#include <atomic>
#include <future>

#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "grpc_probe.h"

namespace gong::e2e {
namespace {

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

// Gong here answers after a minute: a call that ends within half of that
// ended on its own terms, not Gong's, however loaded the machine. (The
// sandbox wakes its sleeping handlers when it stops, so no test waits the
// minute out.)
constexpr absl::Duration kGongNeverInTime = absl::Seconds(60);
constexpr absl::Duration kWellBeforeGongAnswers = absl::Seconds(30);

using LifecycleTest = FacadeTest;

TEST_F(LifecycleTest, CallerDeadlineEndsTheCallAtTheDeadline) {
  StartFacade();
  SlowGong(kGongNeverInTime);
  UnassignByInstanceIdsResponse response;
  const absl::Time start = absl::Now();
  const grpc::Status status = Call({"1001"}, &response, absl::Milliseconds(300));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, kWellBeforeGongAnswers);
}

TEST_F(LifecycleTest, UpstreamTimeoutBoundsCallsWithoutDeadline) {
  app::FacadeConfig config = PlainProxy();
  config.upstream_timeout = absl::Milliseconds(300);
  StartFacade(config);
  SlowGong(kGongNeverInTime);
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = Call({"1001"}, &response, absl::InfiniteDuration());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Reason(status), "GONG_TIMEOUT");
}

TEST_F(LifecycleTest, CancelledCallEndsAtOnce) {
  StartFacade();
  SlowGong(kGongNeverInTime);
  grpc::ClientContext context;
  UnassignByInstanceIdsResponse response;
  const absl::Time start = absl::Now();
  auto status = StartCall(&context, "1001", &response);
  EXPECT_TRUE(AwaitGongRequests(1));
  context.TryCancel();
  EXPECT_EQ(status.get().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(absl::Now() - start, kWellBeforeGongAnswers);
}

TEST_F(LifecycleTest, HundredsOfCallsInFlightAtOnce) {
  // Each its own Gong request: 100 at a time (--max_gong_in_flight).
  app::FacadeConfig config = PlainProxy();
  config.quota.coalesce = false;
  StartFacade(config);
  // Each answer takes 300 ms, so the calls only finish quickly if none of
  // them holds a thread while it waits.
  SlowGong(absl::Milliseconds(300));
  constexpr int kCalls = 300;
  std::vector<grpc::ClientContext> contexts(kCalls);
  std::vector<UnassignByInstanceIdsResponse> responses(kCalls);
  std::vector<std::future<grpc::Status>> statuses;
  for (int i = 0; i < kCalls; ++i) {
    contexts[i].set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    statuses.push_back(StartCall(&contexts[i], absl::StrCat(1000 + i), &responses[i]));
  }
  // Every call ends before anything is checked: an assertion that returned
  // early would destroy contexts and responses that calls still write to.
  std::vector<grpc::Status> results;
  for (auto& status : statuses) results.push_back(status.get());
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].error_message();
    EXPECT_THAT(responses[i].unassigned_flow_instance_ids(),
                ::testing::ElementsAre(absl::StrCat(1000 + i)));
  }
  EXPECT_EQ(sandbox_->RequestCount(), kCalls);
}

TEST_F(LifecycleTest, ShutdownLetsCallsInFlightFinish) {
  StartFacade();
  SlowGong(absl::Milliseconds(500));
  grpc::ClientContext context;
  UnassignByInstanceIdsResponse response;
  auto status = StartCall(&context, "1001", &response);
  EXPECT_TRUE(AwaitGongRequests(1));
  facade_->Shutdown(absl::Seconds(10));
  EXPECT_TRUE(status.get().ok());
  EXPECT_EQ(response.unassigned_flow_instance_ids_size(), 1);
  // And it takes no new calls.
  EXPECT_NE(Call({"1002"}, &response, absl::Seconds(2)).error_code(),
            grpc::StatusCode::OK);
}

TEST_F(LifecycleTest, ShutdownGraceCutsOffSlowCalls) {
  StartFacade();
  SlowGong(kGongNeverInTime);
  grpc::ClientContext context;
  UnassignByInstanceIdsResponse response;
  auto status = StartCall(&context, "1001", &response);
  EXPECT_TRUE(AwaitGongRequests(1));
  const absl::Time start = absl::Now();
  facade_->Shutdown(absl::Milliseconds(200));
  EXPECT_LT(absl::Now() - start, kWellBeforeGongAnswers);
  EXPECT_FALSE(status.get().ok());
}

TEST_F(LifecycleTest, HealthServesBothNamesAndReflectionListsTheService) {
  StartFacade();
  EXPECT_EQ(HealthCheck(channel_, ""), 1);
  EXPECT_EQ(HealthCheck(channel_, "gong.flows.v1.FlowService"), 1);
  grpc::Status unknown;
  EXPECT_EQ(HealthCheck(channel_, "no.such.Service", &unknown), -1);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  const std::string services = ReflectionListServices(channel_);
  EXPECT_THAT(services, ::testing::HasSubstr("gong.flows.v1.FlowService"));
  EXPECT_THAT(services, ::testing::HasSubstr("grpc.health.v1.Health"));
  // grpcurl needs each service's schema, not only its name.
  EXPECT_THAT(ReflectionFileContainingSymbol(channel_, "gong.flows.v1.FlowService"),
              ::testing::HasSubstr("gong/flows/v1/flow_service.proto"));
  EXPECT_THAT(ReflectionFileContainingSymbol(channel_, "grpc.health.v1.Health"),
              ::testing::HasSubstr("grpc/health/v1/health.proto"));
}

}  // namespace
}  // namespace gong::e2e
