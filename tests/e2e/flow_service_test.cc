// The gRPC face over a fake Gong client, through a real gRPC channel: what
// it hands the Gong client (deadline, ids), and that a cancelled or
// expired call aborts its upstream request.
#include <grpcpp/grpcpp.h>

#include <future>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "facade_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong {
namespace {

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

// Holds every call until the test answers it; records cancellations.
class FakeGongClient final : public GongClient {
 public:
  struct Held {
    UnassignRequest request;
    absl::Time deadline;
    Callback done;
  };

  CallId Unassign(UnassignRequest request, absl::Time deadline,
                  Callback done) override {
    absl::MutexLock lock(&mu_);
    held_.push_back({std::move(request), deadline, std::move(done)});
    return held_.size();
  }

  void Cancel(CallId id) override {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      cancelled_.push_back(id);
      done = std::move(held_[id - 1].done);
    }
    if (done) {
      GongError error;
      error.kind = GongError::Kind::kTransport;
      error.transport_failure = http::TransportFailure::kCancelled;
      std::move(done)(error);
    }
  }

  // Waits for call number `id` (1-based) and returns what it was given.
  Held* AwaitCall(CallId id) {
    auto arrived = [this, id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return held_.size() >= id;
    };
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&arrived));
    return &held_[id - 1];
  }

  std::vector<CallId> Cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  bool AwaitCancelled(absl::Duration timeout) {
    auto any = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !cancelled_.empty();
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&any), timeout);
  }

 private:
  absl::Mutex mu_;
  std::vector<Held> held_ ABSL_GUARDED_BY(mu_);  // call id N at index N-1
  std::vector<CallId> cancelled_ ABSL_GUARDED_BY(mu_);
};

class FlowServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = std::make_unique<FakeGongClient>();
    fake_ = fake.get();
    FacadeConfig config;
    config.listen = "127.0.0.1:0";
    config.upstream_timeout = absl::Seconds(42);
    auto server = FacadeServer::StartWithClient(config, std::move(fake));
    ASSERT_TRUE(server.ok());
    server_ = *std::move(server);
    stub_ = flows::v1::FlowService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()));
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

  FakeGongClient* fake_;
  std::unique_ptr<FacadeServer> server_;
  std::unique_ptr<flows::v1::FlowService::Stub> stub_;
  UnassignByInstanceIdsRequest request_;
};

TEST_F(FlowServiceTest, TheCallersDeadlineBoundsTheGongCall) {
  grpc::ClientContext context;
  const absl::Time deadline = absl::Now() + absl::Seconds(7);
  context.set_deadline(absl::ToChronoTime(deadline));
  UnassignByInstanceIdsResponse response;
  auto status = Start(&context, &response);
  FakeGongClient::Held* held = fake_->AwaitCall(1);
  EXPECT_LT(absl::AbsDuration(held->deadline - deadline), absl::Milliseconds(50));
  std::move(held->done)(UnassignResult{"r", {"1"}});
  EXPECT_TRUE(status.get().ok());
}

TEST_F(FlowServiceTest, WithoutDeadlineTheUpstreamTimeoutApplies) {
  grpc::ClientContext context;
  UnassignByInstanceIdsResponse response;
  const absl::Time start = absl::Now();
  auto status = Start(&context, &response);
  FakeGongClient::Held* held = fake_->AwaitCall(1);
  EXPECT_GE(held->deadline, start + absl::Seconds(42));
  EXPECT_LT(held->deadline, absl::Now() + absl::Seconds(42));
  std::move(held->done)(UnassignResult{"r", {}});
  const grpc::Status s = status.get();
  EXPECT_TRUE(s.ok());
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ::testing::ElementsAre("1"));
}

TEST_F(FlowServiceTest, CancellingTheCallCancelsTheGongCall) {
  grpc::ClientContext context;
  UnassignByInstanceIdsResponse response;
  auto status = Start(&context, &response);
  fake_->AwaitCall(1);
  context.TryCancel();
  EXPECT_EQ(status.get().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(fake_->AwaitCancelled(absl::Seconds(5)));
  EXPECT_THAT(fake_->Cancelled(), ::testing::ElementsAre(1u));
}

TEST_F(FlowServiceTest, AnExpiredCallCancelsTheGongCall) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(200)));
  UnassignByInstanceIdsResponse response;
  auto status = Start(&context, &response);
  fake_->AwaitCall(1);
  EXPECT_EQ(status.get().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(fake_->AwaitCancelled(absl::Seconds(5)));
}

}  // namespace
}  // namespace gong
