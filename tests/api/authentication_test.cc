// Every method of gong.flows.v1.FlowService, as its descriptor lists them
// (so a method added later is covered without a line here), refuses a
// caller without a token and one with a wrong token UNAUTHENTICATED, and
// sends nothing to Gong; health stays open to probes. Through a real
// channel, over a fake Gong client.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/facade_server.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace gong::api {
namespace {

namespace fs = std::filesystem;
namespace v1 = flows::v1;

constexpr char kToken[] = "the-callers-token";

// A request of each method that validation lets through, so that a call
// let in would surely reach Gong. A method missing here is called with an
// empty request (and must still be refused).
std::map<std::string, std::string> ValidRequests() {
  std::map<std::string, std::string> requests;
  v1::UnassignByInstanceIdsRequest unassign;
  unassign.add_flow_instance_ids("1001");
  requests["UnassignByInstanceIds"] = unassign.SerializeAsString();
  v1::GetProspectFlowsRequest lookup;
  lookup.add_crm_prospect_ids("00Q1");
  requests["GetProspectFlows"] = lookup.SerializeAsString();
  v1::ListFlowsRequest listing;
  listing.set_flow_owner_email("owner@example.com");
  requests["ListFlows"] = listing.SerializeAsString();
  v1::AssignProspectsRequest assign;
  assign.add_crm_prospect_ids("00Q1");
  assign.set_flow_id("7");
  assign.set_flow_instance_owner_email("owner@example.com");
  requests["AssignProspects"] = assign.SerializeAsString();
  v1::UnassignByCrmIdRequest unassign_crm;
  unassign_crm.set_crm_prospect_id("00Q1");
  unassign_crm.set_flow_id("7");
  requests["UnassignByCrmId"] = unassign_crm.SerializeAsString();
  return requests;
}

// Every method of the service, from its descriptor.
std::vector<const google::protobuf::MethodDescriptor*> ServiceMethods() {
  // The generated service has no descriptor() of its own; the pool has its
  // schema, which the generated messages register.
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          v1::FlowService::service_full_name());
  if (service == nullptr) return {};
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
  return methods;
}

grpc::ByteBuffer Serialized(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

class AuthenticationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path dir =
        fs::path(::testing::TempDir()) / absl::StrCat("authentication_test_", getpid());
    fs::create_directories(dir);
    tokens_file_ = dir / "tokens";
    std::ofstream(tokens_file_) << kToken << "\n";
    auto fake = std::make_unique<fakes::FakeGongClient>();
    fake_ = fake.get();
    fake_->CancelUnfinishedOnDestruction();
    app::FacadeConfig config;
    config.listen = "127.0.0.1:0";
    config.caller_tokens_file = tokens_file_.string();
    auto server = app::FacadeServer::StartWithClient(config, std::move(fake));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override { fs::remove(tokens_file_); }

  // Starts a call of `method` ("/package.Service/Method") with `request`,
  // bearing `authorization` unless it is empty.
  std::future<grpc::Status> Start(const std::string& method, const std::string& request,
                                  const std::string& authorization) {
    auto call = std::make_shared<PendingCall>();
    if (!authorization.empty()) call->context.AddMetadata("authorization", authorization);
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    call->request = Serialized(request);
    std::future<grpc::Status> status = call->done.get_future();
    grpc::GenericStub stub(channel_);
    stub.UnaryCall(&call->context, method, grpc::StubOptions(), &call->request,
                   &call->response,
                   [call](grpc::Status s) { call->done.set_value(std::move(s)); });
    return status;
  }

  struct PendingCall {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
  };

  fs::path tokens_file_;
  fakes::FakeGongClient* fake_;
  std::unique_ptr<app::FacadeServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(AuthenticationTest, EveryMethodRefusesAMissingOrWrongTokenAndSendsNothing) {
  const std::map<std::string, std::string> valid = ValidRequests();
  const std::vector<const google::protobuf::MethodDescriptor*> methods = ServiceMethods();
  ASSERT_FALSE(methods.empty());
  // All at once: a call let through waits on the fake Gong client until
  // its deadline, so a broken build fails in one deadline, not in many.
  struct Attempt {
    std::string trace;
    std::future<grpc::Status> status;
  };
  std::vector<Attempt> attempts;
  for (const google::protobuf::MethodDescriptor* method : methods) {
    const std::string path =
        absl::StrCat("/", method->service()->full_name(), "/", method->name());
    auto it = valid.find(method->name());
    const std::string request = it == valid.end() ? "" : it->second;
    for (const char* authorization :
         {"", "Bearer not-the-callers-token", "the-callers-token"}) {
      attempts.push_back({absl::StrCat(path, " with authorization '", authorization, "'"),
                          Start(path, request, authorization)});
    }
  }
  for (Attempt& attempt : attempts) {
    SCOPED_TRACE(attempt.trace);
    const grpc::Status status = attempt.status.get();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << status.error_message();
  }
  // Every call has finished: whatever was to reach the fake has.
  EXPECT_EQ(fake_->size(), 0u);
}

// Without this, the test above could pass with requests that validation
// refuses before anything is sent: with the token, each of them reaches
// Gong.
TEST_F(AuthenticationTest, WithTheTokenEachValidRequestReachesGong) {
  const std::map<std::string, std::string> valid = ValidRequests();
  size_t sent = 0;
  for (const google::protobuf::MethodDescriptor* method : ServiceMethods()) {
    auto it = valid.find(method->name());
    if (it == valid.end()) continue;
    SCOPED_TRACE(method->full_name());
    const std::string path =
        absl::StrCat("/", method->service()->full_name(), "/", method->name());
    std::future<grpc::Status> status =
        Start(path, it->second, absl::StrCat("Bearer ", kToken));
    ++sent;
    ASSERT_TRUE(fake_->AwaitCalls(sent));
    // A refusal no method retries, so each call sends exactly one request.
    fake_->Answer(sent, upstream::GongError::HttpStatus(400, "r", {"refused"}));
    EXPECT_NE(status.get().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(sent, valid.size());
}

TEST_F(AuthenticationTest, HealthStaysOpenWithoutAToken) {
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(v1::FlowService::service_full_name());
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  const grpc::Status status =
      grpc::health::v1::Health::NewStub(channel_)->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace gong::api
