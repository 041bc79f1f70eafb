// FlowService.UnassignByInstanceIds end to end: a gRPC client, the facade's
// production stack, and the sandbox Gong over loopback. Covers what callers
// rely on: the answer's contents, what is sent to Gong, validation that
// never reaches Gong, and every row of the status table with its details.
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"

namespace gong::e2e {
namespace {

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class UnassignTest : public FacadeTest {
 protected:
  void SetUp() override { StartFacade(); }

  nlohmann::json LastBodySentToGong() {
    const auto requests = sandbox_->Requests();
    EXPECT_FALSE(requests.empty());
    return nlohmann::json::parse(requests.back().body);
  }
};

TEST_F(UnassignTest, ReportsUnassignedAndStillAssignedInRequestOrder) {
  UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call({"9999", "1001", "1002", "8888"}, &response).ok());
  EXPECT_FALSE(response.request_id().empty());
  EXPECT_THAT(response.unassigned_flow_instance_ids(), ElementsAre("1001", "1002"));
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ElementsAre("9999", "8888"));
  EXPECT_FALSE(sandbox_->IsAssigned("1001"));
  EXPECT_TRUE(sandbox_->IsAssigned("1003"));
}

TEST_F(UnassignTest, SendsGongsRequestShapeWithBasicAuth) {
  UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call({"1001", "1002", "1001", "1003"}, &response).ok());
  const auto request = sandbox_->Requests().back();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v2/flows/prospects/unassign-flows-by-instance-id");
  EXPECT_EQ(request.content_type, "application/json");
  EXPECT_EQ(request.authorization,
            absl::StrCat("Basic ", absl::Base64Escape("key:secret")));
  // De-duplicated, first occurrence order; no email key when none was given.
  EXPECT_EQ(LastBodySentToGong(),
            nlohmann::json::parse(R"({"flowInstanceIds":["1001","1002","1003"]})"));
}

TEST_F(UnassignTest, SendsTheEmailOnlyWhenGiven) {
  UnassignByInstanceIdsRequest request;
  request.add_flow_instance_ids("1001");
  request.set_unassigned_by_user_email("jane.doe@example.com");
  UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call(request, &response).ok());
  EXPECT_EQ(LastBodySentToGong()["unassignedByUserEmail"], "jane.doe@example.com");
}

TEST_F(UnassignTest, TwoHundredIdsGoInOneRequest) {
  std::vector<std::string> ids;
  for (int i = 1000; i < 1200; ++i) ids.push_back(absl::StrCat(i));
  UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call(ids, &response).ok());
  EXPECT_EQ(response.unassigned_flow_instance_ids_size(), 200);
  EXPECT_EQ(response.still_assigned_flow_instance_ids_size(), 0);
  EXPECT_EQ(sandbox_->RequestCount(), 1);
}

TEST_F(UnassignTest, InvalidRequestsNeverReachGong) {
  std::vector<std::string> too_many;
  for (int i = 0; i < 201; ++i) too_many.push_back(absl::StrCat(i));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "flow_instance_ids"},
      {too_many, "flow_instance_ids"},
      {{"1001", "", "1002"}, "flow_instance_ids[1]"},
      {{"1001", "10 02"}, "flow_instance_ids[1]"},
      {{std::string(129, '7')}, "flow_instance_ids[0]"},
  };
  for (const auto& [ids, field] : cases) {
    SCOPED_TRACE(field);
    UnassignByInstanceIdsResponse response;
    const grpc::Status status = Call(ids, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    const auto bad = Detail<google::rpc::BadRequest>(status);
    ASSERT_TRUE(bad.has_value());
    ASSERT_EQ(bad->field_violations_size(), 1);
    EXPECT_EQ(bad->field_violations(0).field(), field);
    EXPECT_EQ(Reason(status), "INVALID_REQUEST");
  }
  UnassignByInstanceIdsRequest bad_email;
  bad_email.add_flow_instance_ids("1001");
  bad_email.set_unassigned_by_user_email("jane doe@example.com");
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = Call(bad_email, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Detail<google::rpc::BadRequest>(status)->field_violations(0).field(),
            "unassigned_by_user_email");
  EXPECT_EQ(sandbox_->RequestCount(), 0);
  EXPECT_TRUE(sandbox_->IsAssigned("1001"));
}

// Issue 26: from about 70 bad ids the BadRequest outgrew the caller's 8 KiB
// of metadata, and the caller got RESOURCE_EXHAUSTED "received initial
// metadata size exceeds limit", without ErrorInfo. However many ids are
// bad, the caller gets INVALID_ARGUMENT with its ErrorInfo and a bounded
// list, and Gong gets nothing.
TEST_F(UnassignTest, ManyBadIdsAreInvalidArgumentWithErrorInfo) {
  for (int count : {70, 200, 1000}) {
    SCOPED_TRACE(count);
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat("10\u00a0", 1000 + i));
    UnassignByInstanceIdsResponse response;
    const grpc::Status status = Call(ids, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    EXPECT_EQ(Reason(status), "INVALID_REQUEST");
    EXPECT_EQ(Metadata(status, "violations_not_listed"), absl::StrCat(count - 10));
    const auto bad = Detail<google::rpc::BadRequest>(status);
    ASSERT_TRUE(bad.has_value());
    ASSERT_EQ(bad->field_violations_size(), 10);
    EXPECT_EQ(bad->field_violations(9).field(), "flow_instance_ids[9]");
    EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat("lists 10 of ", count)));
  }
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

TEST_F(UnassignTest, UnknownIdsOnlyIsGongsBadRequest) {
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = Call({"424242"}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "Gong answered HTTP 400: Flow instance does not exist: 424242");
  const auto info = Detail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "GONG_BAD_REQUEST");
  EXPECT_EQ(info->domain(), "gong.io");
  EXPECT_EQ(info->metadata().at("http_status"), "400");
  EXPECT_FALSE(info->metadata().at("gong_request_id").empty());
}

struct Row {
  int http_status;
  grpc::StatusCode code;
  const char* reason;
};

void PrintTo(const Row& row, std::ostream* os) { *os << "HTTP " << row.http_status; }

class StatusTableTest : public UnassignTest, public ::testing::WithParamInterface<Row> {};

TEST_P(StatusTableTest, GongStatusBecomesTheTablesCode) {
  const Row row = GetParam();
  sandbox::Behavior behavior;
  behavior.force_status = row.http_status;
  sandbox_->SetBehavior(behavior);
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = Call({"1001"}, &response);
  EXPECT_EQ(status.error_code(), row.code) << status.error_message();
  const google::rpc::Status details = Details(status);
  EXPECT_EQ(details.code(), static_cast<int>(row.code));
  EXPECT_EQ(details.message(), status.error_message());
  const auto info = Detail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), row.reason);
  EXPECT_EQ(info->domain(), "gong.io");
  EXPECT_EQ(info->metadata().at("http_status"), absl::StrCat(row.http_status));
  EXPECT_EQ(Detail<google::rpc::RetryInfo>(status).has_value(), row.http_status == 429);
}

INSTANTIATE_TEST_SUITE_P(
    EveryRow, StatusTableTest,
    ::testing::Values(
        Row{400, grpc::StatusCode::INVALID_ARGUMENT, "GONG_BAD_REQUEST"},
        Row{401, grpc::StatusCode::UNAUTHENTICATED, "GONG_UNAUTHENTICATED"},
        Row{403, grpc::StatusCode::PERMISSION_DENIED, "GONG_PERMISSION_DENIED"},
        Row{404, grpc::StatusCode::NOT_FOUND, "GONG_NOT_FOUND"},
        Row{408, grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_REQUEST_TIMEOUT"},
        Row{409, grpc::StatusCode::ABORTED, "GONG_CONFLICT"},
        Row{429, grpc::StatusCode::RESOURCE_EXHAUSTED, "GONG_RATE_LIMITED"},
        Row{422, grpc::StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"},
        Row{500, grpc::StatusCode::INTERNAL, "GONG_INTERNAL_ERROR"},
        Row{501, grpc::StatusCode::UNIMPLEMENTED, "GONG_NOT_IMPLEMENTED"},
        Row{502, grpc::StatusCode::UNAVAILABLE, "GONG_BAD_GATEWAY"},
        Row{503, grpc::StatusCode::UNAVAILABLE, "GONG_UNAVAILABLE"},
        Row{504, grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_GATEWAY_TIMEOUT"},
        Row{507, grpc::StatusCode::INTERNAL, "GONG_SERVER_ERROR"},
        Row{302, grpc::StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
        Row{204, grpc::StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
        Row{201, grpc::StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"}),
    [](const auto& info) { return absl::StrCat("Http", info.param.http_status); });

TEST_F(UnassignTest, RateLimitCarriesRetryInfoFromRetryAfter) {
  sandbox::Behavior behavior;
  behavior.qps_limit = 1;
  behavior.retry_after_seconds = 7;
  sandbox_->SetBehavior(behavior);
  UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call({"1001"}, &response).ok());
  const grpc::Status status = Call({"1002"}, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const auto retry = Detail<google::rpc::RetryInfo>(status);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry_delay().seconds(), 7);
  EXPECT_TRUE(sandbox_->IsAssigned("1002"));
}

TEST_F(UnassignTest, GongsErrorTextReachesTheCaller) {
  sandbox::Behavior behavior;
  behavior.force_status = 401;
  behavior.force_errors = {"Unauthorized: the access key has expired"};
  sandbox_->SetBehavior(behavior);
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = Call({"1001"}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Gong's errors[] text, and its requestId (the sandbox's first), as sent.
  EXPECT_EQ(status.error_message(),
            "Gong answered HTTP 401: Unauthorized: the access key has expired");
  EXPECT_EQ(Reason(status), "GONG_UNAUTHENTICATED");
  EXPECT_EQ(Metadata(status, "gong_request_id"), "sbx-000001");
  EXPECT_EQ(Metadata(status, "http_status"), "401");
}

// Gong's error text travels in the caller's trailers. Unbounded, a large
// errors[] overflowed the caller's metadata limit and the caller got
// RESOURCE_EXHAUSTED instead of Gong's 400. Each body here stays under the
// transport's 1 MiB cap on an answer, so Gong's text does reach the facade.
TEST_F(UnassignTest, LargeGongErrorsKeepTheBadRequestStatus) {
  std::vector<std::string> many_short;
  for (int i = 0; i < 100000; ++i) many_short.push_back(absl::StrCat("e", i));
  std::string two_byte_chars;
  for (int i = 0; i < 450000; ++i) two_byte_chars += "\xC3\xA9";  // é
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"one 900 KB error", {std::string(900 * 1024, 'x')}},
      {"100,000 short errors", many_short},
      {"one 900 KB error of two-byte characters", {two_byte_chars}},
  };
  for (const auto& [name, errors] : cases) {
    SCOPED_TRACE(name);
    sandbox::Behavior behavior;
    behavior.force_status = 400;
    behavior.force_errors = errors;
    sandbox_->SetBehavior(behavior);
    UnassignByInstanceIdsResponse response;
    const grpc::Status status = Call({"1001"}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message().substr(0, 200);
    EXPECT_THAT(status.error_message(), HasSubstr("truncated)"));
    EXPECT_EQ(Details(status).message(), status.error_message());
    const auto info = Detail<google::rpc::ErrorInfo>(status);
    if (!info.has_value()) {
      ADD_FAILURE() << "no ErrorInfo";
      continue;  // to the next case, which must hold on its own
    }
    EXPECT_EQ(info->reason(), "GONG_BAD_REQUEST");
    EXPECT_EQ(info->domain(), "gong.io");
    EXPECT_EQ(info->metadata().at("http_status"), "400");
  }
  EXPECT_EQ(sandbox_->RequestCount(), 3);
}

TEST_F(UnassignTest, GarbageFromGongIsInternalNotACrash) {
  for (const char* body : {"<html>oops</html>", "{\"requestId\":\"r\"}",
                           "{\"unassignedFlowInstanceIds\":[1.5]}", "[]"}) {
    SCOPED_TRACE(body);
    sandbox::Behavior behavior;
    behavior.force_body = body;
    sandbox_->SetBehavior(behavior);
    UnassignByInstanceIdsResponse response;
    const grpc::Status status = Call({"1001"}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
    EXPECT_EQ(Reason(status), "GONG_MALFORMED_RESPONSE");
  }
}

TEST_F(UnassignTest, NumericIdsFromGongKeepEveryDigit) {
  sandbox::Behavior behavior;
  behavior.force_body =
      R"({"requestId":"r1","unassignedFlowInstanceIds":[9007199254740993,"1001"],"extra":{"x":1}})";
  sandbox_->SetBehavior(behavior);
  UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call({"9007199254740993", "1001", "1002"}, &response).ok());
  EXPECT_EQ(response.request_id(), "r1");
  EXPECT_THAT(response.unassigned_flow_instance_ids(),
              ElementsAre("9007199254740993", "1001"));
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ElementsAre("1002"));
}

// Gong listing an id twice, or one the call did not ask for, must not reach
// the caller as it came: each of its ids once (issue 11, finding 5).
TEST_F(UnassignTest, EachIdGongListsIsReportedOnceAndOnlyIfAskedFor) {
  sandbox::Behavior behavior;
  behavior.force_body =
      R"({"requestId":"r2","unassignedFlowInstanceIds":["1001","1002","1001","7777","1002"]})";
  sandbox_->SetBehavior(behavior);
  UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call({"1001", "1002", "1003"}, &response).ok());
  EXPECT_THAT(response.unassigned_flow_instance_ids(), ElementsAre("1001", "1002"));
  EXPECT_THAT(response.still_assigned_flow_instance_ids(), ElementsAre("1003"));
}

TEST_F(UnassignTest, DroppedConnectionIsUnavailable) {
  sandbox::Behavior behavior;
  behavior.drop_connection = true;
  sandbox_->SetBehavior(behavior);
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = Call({"1001"}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(status), "GONG_CONNECTION_DROPPED");
  // The request reached Gong and no answer came: the caller must look
  // before retrying (docs/contract.md#status-mapping).
  EXPECT_EQ(Metadata(status, "transport_failure"), "connection_dropped");
  EXPECT_EQ(Metadata(status, "gong_may_have_acted"), "true");
  EXPECT_EQ(Metadata(status, "http_status"), "<absent>");
}

class UnreachableGongTest : public FacadeTest {};

TEST_F(UnreachableGongTest, NoListenerIsUnavailable) {
  app::FacadeConfig config = PlainProxy();
  config.gong_base_url = "http://127.0.0.1:1";  // nothing listens on port 1
  StartFacade(config);
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = Call({"1001"}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(status), "GONG_UNREACHABLE");
  EXPECT_EQ(Metadata(status, "transport_failure"), "connect_failed");
  EXPECT_EQ(Metadata(status, "gong_may_have_acted"), "false");  // never sent
}

TEST_F(UnreachableGongTest, TlsFailureIsUnavailable) {
  StartFacade();
  // Speak TLS to the sandbox's plain HTTP port: the handshake fails.
  app::FacadeConfig config = PlainProxy();
  config.gong_base_url = absl::StrCat("https://127.0.0.1:", sandbox_->port());
  config.listen = "127.0.0.1:0";
  config.metrics_listen = "";
  auto tls = app::FacadeServer::Start(config, upstream::GongCredentials::Bearer("t"));
  ASSERT_TRUE(tls.ok());
  auto stub = flows::v1::FlowService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", (*tls)->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  UnassignByInstanceIdsRequest request;
  request.add_flow_instance_ids("1001");
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = stub->UnassignByInstanceIds(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(status), "GONG_TLS_FAILURE");
  EXPECT_EQ(Metadata(status, "transport_failure"), "tls_failure");
  EXPECT_EQ(Metadata(status, "gong_may_have_acted"), "false");  // never sent
  EXPECT_TRUE(sandbox_->IsAssigned("1001"));
}

}  // namespace
}  // namespace gong::e2e
