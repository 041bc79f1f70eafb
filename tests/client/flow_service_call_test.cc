// Unit tests for what FlowServiceCaller (client/flow_service_call.h) puts
// on the wire beside the request: x-gong-flows-priority when the command
// has one (many-id mode's background, or --priority), and nothing when it
// has none, which the facade takes as interactive.
#include "flow_service_call.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "gtest/gtest.h"

namespace gong::cli {
namespace {

namespace v1 = gong::flows::v1;

// Answers every unassign, keeping the priority header of the last call.
class RecordingService final : public v1::FlowService::Service {
 public:
  grpc::Status UnassignByInstanceIds(
      grpc::ServerContext* context, const v1::UnassignByInstanceIdsRequest*,
      v1::UnassignByInstanceIdsResponse* response) override {
    absl::MutexLock lock(&mu_);
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("x-gong-flows-priority");
    priority_ = it == metadata.end() ? std::nullopt
                                     : std::optional<std::string>(std::string(
                                           it->second.data(), it->second.size()));
    response->set_request_id("r");
    return grpc::Status::OK;
  }

  std::optional<std::string> Priority() {
    absl::MutexLock lock(&mu_);
    return priority_;
  }

 private:
  absl::Mutex mu_;
  std::optional<std::string> priority_;
};

class FlowServiceCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(); }

  std::optional<std::string> PrioritySent(const std::string& priority) {
    CallOptions options;
    options.target = "127.0.0.1:" + std::to_string(port_);
    options.priority = priority;
    v1::UnassignByInstanceIdsRequest request;
    request.add_flow_instance_ids("1");
    v1::UnassignByInstanceIdsResponse response;
    const grpc::Status status = FlowServiceCaller(options).Call(
        &v1::FlowService::Stub::UnassignByInstanceIds, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return service_.Priority();
  }

  RecordingService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(FlowServiceCallTest, SendsThePriorityItIsGiven) {
  EXPECT_EQ(PrioritySent("background"), "background");
  EXPECT_EQ(PrioritySent("interactive"), "interactive");
}

TEST_F(FlowServiceCallTest, SendsNoPriorityWhenGivenNone) {
  EXPECT_EQ(PrioritySent(""), std::nullopt);
}

}  // namespace
}  // namespace gong::cli
