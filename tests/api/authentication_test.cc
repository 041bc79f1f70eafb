// Every method of gong.flows.v1.FlowService, as its descriptor lists them
// (so a method added later is covered without a line here), with a
// reader's token, a writer's token, a wrong token and none: a caller
// without a valid token is refused UNAUTHENTICATED, a reader calling a
// write PERMISSION_DENIED (CALLER_NOT_ALLOWED), and nothing refused
// reaches Gong; health stays open to probes. Through a real channel, over a
// fake Gong client.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/method_access.h"
#include "app/facade_server.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "support/flow_service_methods.h"

namespace gong::api {
namespace {

namespace fs = std::filesystem;
namespace v1 = flows::v1;

constexpr char kReaderToken[] = "the-reporting-jobs-token";
constexpr char kWriterToken[] = "the-crm-syncs-token";

grpc::ByteBuffer Serialized(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// The ErrorInfo in `status`'s details (empty when there is none).
google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (!details.ParseFromString(status.error_details())) return info;
  for (const auto& any : details.details()) {
    if (any.UnpackTo(&info)) break;
  }
  return info;
}

class AuthenticationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path dir =
        fs::path(::testing::TempDir()) / absl::StrCat("authentication_test_", getpid());
    fs::create_directories(dir);
    tokens_file_ = dir / "tokens";
    std::ofstream(tokens_file_) << "# who calls the facade\n"
                                << "reporting reader " << kReaderToken << "\n"
                                << "crm-sync writer " << kWriterToken << "\n";
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
  const std::map<std::string, std::string> valid = support::ValidFlowServiceRequests();
  const std::vector<const google::protobuf::MethodDescriptor*> methods =
      support::FlowServiceMethods();
  ASSERT_FALSE(methods.empty());
  // All at once: a call let through waits on the fake Gong client until
  // its deadline, so a broken build fails in one deadline, not in many.
  struct Attempt {
    std::string trace;
    std::future<grpc::Status> status;
  };
  std::vector<Attempt> attempts;
  for (const google::protobuf::MethodDescriptor* method : methods) {
    const std::string path = support::MethodPath(*method);
    auto it = valid.find(method->name());
    const std::string request = it == valid.end() ? "" : it->second;
    for (const std::string& authorization :
         {std::string(), std::string("Bearer not-a-callers-token"),
          std::string(kWriterToken), absl::StrCat("Basic ", kWriterToken),
          absl::StrCat("Bearer crm-sync writer ", kWriterToken),
          absl::StrCat("Bearer ", kReaderToken, "x")}) {
      attempts.push_back({absl::StrCat(path, " with authorization '", authorization, "'"),
                          Start(path, request, authorization)});
    }
  }
  for (Attempt& attempt : attempts) {
    SCOPED_TRACE(attempt.trace);
    const grpc::Status status = attempt.status.get();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << status.error_message();
    EXPECT_EQ(ErrorInfoOf(status).reason(), "CALLER_UNAUTHENTICATED");
  }
  // Every call has finished: whatever was to reach the fake has.
  EXPECT_EQ(fake_->size(), 0u);
}

// Every method with a reader's token, a writer's, a wrong one and none,
// one call at a time: each ends with the code its caller's rights give,
// and only the calls let in reach Gong, each with its one request.
TEST_F(AuthenticationTest, EachMethodLetsInWhomItsAccessAllowsAndNobodyElse) {
  const std::map<std::string, std::string> valid = support::ValidFlowServiceRequests();
  const std::vector<const google::protobuf::MethodDescriptor*> methods =
      support::FlowServiceMethods();
  ASSERT_FALSE(methods.empty());
  size_t sent = 0;
  size_t denied = 0;
  for (const google::protobuf::MethodDescriptor* method : methods) {
    auto it = valid.find(method->name());
    const std::string request = it == valid.end() ? "" : it->second;
    const std::optional<MethodAccess> access = AccessOf(method->name());
    struct Caller {
      const char* who;
      std::string authorization;
      // Whether the call is let in; if not, the code it gets.
      bool let_in;
      grpc::StatusCode refused;
    };
    const Caller callers[] = {
        {"reader", absl::StrCat("Bearer ", kReaderToken), access == MethodAccess::kRead,
         grpc::StatusCode::PERMISSION_DENIED},
        {"writer", absl::StrCat("Bearer ", kWriterToken), access.has_value(),
         grpc::StatusCode::PERMISSION_DENIED},
        {"wrong", "Bearer not-a-callers-token", false, grpc::StatusCode::UNAUTHENTICATED},
        {"none", "", false, grpc::StatusCode::UNAUTHENTICATED},
    };
    for (const Caller& caller : callers) {
      SCOPED_TRACE(absl::StrCat(method->name(), " as ", caller.who));
      std::future<grpc::Status> status =
          Start(support::MethodPath(*method), request, caller.authorization);
      if (!caller.let_in) {
        const grpc::Status refused = status.get();
        EXPECT_EQ(refused.error_code(), caller.refused) << refused.error_message();
        if (caller.refused == grpc::StatusCode::PERMISSION_DENIED) {
          ++denied;
          const google::rpc::ErrorInfo info = ErrorInfoOf(refused);
          EXPECT_EQ(info.reason(), "CALLER_NOT_ALLOWED");
          EXPECT_EQ(info.domain(), "gong.io");
          EXPECT_EQ(info.metadata().at("method"), method->name());
          EXPECT_EQ(info.metadata().at("role"), caller.who);
          EXPECT_THAT(refused.error_message(),
                      ::testing::HasSubstr("readers may call only the read methods"));
        }
        EXPECT_EQ(fake_->size(), sent) << "a refused call reached Gong";
        continue;
      }
      ++sent;
      ASSERT_TRUE(fake_->AwaitCalls(sent)) << "a call let in never reached Gong";
      // A refusal no method retries, so each call sends exactly one request.
      fake_->Answer(sent, upstream::GongError::HttpStatus(400, "r", {"refused"}));
      // Whatever the method makes of Gong's 400, the caller was let in.
      const grpc::Status answered = status.get();
      EXPECT_NE(answered.error_code(), grpc::StatusCode::UNAUTHENTICATED);
      EXPECT_NE(answered.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    }
  }
  // The reader was refused each write, and the writer nothing: every
  // method is a read or a write (method_access_test), and both kinds
  // exist.
  EXPECT_EQ(denied, WriteMethods().size());
  EXPECT_EQ(sent, ReadMethods().size() * 2 + WriteMethods().size());
  EXPECT_EQ(fake_->size(), sent);
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
