// The gRPC face over a fake Gong client, through a real gRPC channel: what
// it hands the Gong client (deadline, ids), and that a cancelled or
// expired call aborts its upstream request.
#include <grpcpp/grpcpp.h>

#include <future>

#include "absl/strings/str_cat.h"
#include "app/facade_server.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::api {
namespace {

using fakes::FakeGongClient;

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

class FlowServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = std::make_unique<FakeGongClient>();
    fake_ = fake.get();
    app::FacadeConfig config;
    config.listen = "127.0.0.1:0";
    config.upstream_timeout = absl::Seconds(42);
    auto server = app::FacadeServer::StartWithClient(config, std::move(fake));
    ASSERT_TRUE(server.ok());
    server_ = *std::move(server);
    stub_ = flows::v1::FlowService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  std::future<grpc::Status> Start(grpc::ClientContext* context,
                                  UnassignByInstanceIdsResponse* response) {
    request_.add_flow_instance_ids("1");
    auto done = std::make_shared<std::promise<grpc::Status>>();
    stub_->async()->UnassignByInstanceIds(
        context, &request_, response,
        [done](grpc::Status s) { done->set_value(std::move(s)); });
    return done->get_future();
  }

  // Waits for the call to reach the fake Gong client. When it does not, the
  // call is cancelled and waited for, so that the test can stop without
  // leaving it to write into a context and response already gone.
  [[nodiscard]] bool AwaitGongCall(grpc::ClientContext* context,
                                   std::future<grpc::Status>* status) {
    if (fake_->AwaitCalls(1)) return true;
    context->TryCancel();
    status->wait();
    return false;
  }

  FakeGongClient* fake_;
  std::unique_ptr<app::FacadeServer> server_;
  std::unique_ptr<flows::v1::FlowService::Stub> stub_;
  UnassignByInstanceIdsRequest request_;
};

TEST_F(FlowServiceTest, TheCallersDeadlineBoundsTheGongCall) {
  grpc::ClientContext context;
  const absl::Time deadline = absl::Now() + absl::Seconds(7);
  context.set_deadline(absl::ToChronoTime(deadline));
  UnassignByInstanceIdsResponse response;
  auto status = Start(&context, &response);
  ASSERT_TRUE(AwaitGongCall(&context, &status));
  // gRPC sends the time left, so the server's copy of the deadline is later
  // by the call's transit time, which a loaded machine stretches. Either way
  // it is the caller's 7 s, not the 42 s --upstream_timeout.
  EXPECT_GE(fake_->deadline(1), deadline - absl::Milliseconds(50));
  EXPECT_LT(fake_->deadline(1), deadline + absl::Seconds(5));
  fake_->AnswerUnassigned(1, upstream::UnassignByInstanceIdsResult{"r", {"1"}});
  EXPECT_TRUE(status.get().ok());
}

TEST_F(FlowServiceTest, WithoutDeadlineTheUpstreamTimeoutApplies) {
  grpc::ClientContext context;
  UnassignByInstanceIdsResponse response;
  const absl::Time start = absl::Now();
  auto status = Start(&context, &response);
  ASSERT_TRUE(AwaitGongCall(&context, &status));
  EXPECT_GE(fake_->deadline(1), start + absl::Seconds(42));
  EXPECT_LT(fake_->deadline(1), absl::Now() + absl::Seconds(42));
  fake_->AnswerUnassigned(1, upstream::UnassignByInstanceIdsResult{"r", {}});
  const grpc::Status s = status.get();
  EXPECT_TRUE(s.ok());
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ::testing::ElementsAre("1"));
}

TEST_F(FlowServiceTest, CancellingTheCallCancelsTheGongCall) {
  grpc::ClientContext context;
  UnassignByInstanceIdsResponse response;
  auto status = Start(&context, &response);
  ASSERT_TRUE(AwaitGongCall(&context, &status));
  context.TryCancel();
  EXPECT_EQ(status.get().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(fake_->AwaitCancelled());
  EXPECT_THAT(fake_->cancelled(), ::testing::ElementsAre(1u));
}

TEST_F(FlowServiceTest, AnExpiredCallCancelsTheGongCall) {
  grpc::ClientContext context;
  // Long enough for the call to reach the fake on a loaded machine (which
  // must happen before the deadline for the test to mean anything).
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  UnassignByInstanceIdsResponse response;
  auto status = Start(&context, &response);
  ASSERT_TRUE(AwaitGongCall(&context, &status));
  EXPECT_EQ(status.get().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(fake_->AwaitCancelled());
}

}  // namespace
}  // namespace gong::api
