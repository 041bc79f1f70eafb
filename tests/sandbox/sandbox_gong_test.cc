// Tests of the sandbox's normal, Gong-like behaviour, through a real socket:
// unassigning, validation, authorization, errors and request recording.
#include "sandbox/sandbox_gong.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_test_util.h"

namespace gong::sandbox {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

// Asserts Gong's error shape and returns the first error text.
std::string ExpectGongError(const httplib::Result& result, int status) {
  EXPECT_TRUE(result) << "no answer";
  if (!result) return "";
  EXPECT_EQ(result->status, status) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  const json body = BodyJson(result);
  EXPECT_TRUE(body.is_object()) << result->body;
  if (!body.is_object()) return "";
  EXPECT_TRUE(body.contains("requestId") && body["requestId"].is_string() &&
              !body["requestId"].get<std::string>().empty());
  EXPECT_TRUE(body.contains("errors") && body["errors"].is_array() &&
              !body["errors"].empty())
      << result->body;
  if (!body.contains("errors") || body["errors"].empty()) return "";
  return body["errors"][0].get<std::string>();
}

using SandboxGongTest = SandboxTest;

TEST_F(SandboxGongTest, ServesOnTheChosenFreePort) {
  StartSandbox(Options());
  EXPECT_GT(sandbox_->port(), 0);
  EXPECT_EQ(sandbox_->base_url(), "http://127.0.0.1:" + std::to_string(sandbox_->port()));
}

TEST_F(SandboxGongTest, UnassignsAssignedIdsInRequestOrder) {
  StartSandbox(WithAssigned({"1", "2", "3"}));
  httplib::Result result = Unassign({"3", "9", "1"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  const json body = BodyJson(result);
  EXPECT_THAT(body["unassignedFlowInstanceIds"].get<std::vector<std::string>>(),
              ElementsAre("3", "1"));
  EXPECT_FALSE(body["requestId"].get<std::string>().empty());
  EXPECT_FALSE(sandbox_->IsAssigned("3"));
  EXPECT_FALSE(sandbox_->IsAssigned("1"));
  EXPECT_TRUE(sandbox_->IsAssigned("2"));
}

TEST_F(SandboxGongTest, IdsNoLongerAssignedDoNotExist) {
  StartSandbox(WithAssigned({"1"}));
  ASSERT_EQ(Unassign({"1"})->status, 200);
  EXPECT_THAT(ExpectGongError(Unassign({"1"}), 400), HasSubstr("does not exist"));
  EXPECT_THAT(ExpectGongError(Unassign({"424242"}), 400), HasSubstr("does not exist"));
}

TEST_F(SandboxGongTest, AssumeAssignedUnassignsAnyIdEveryTime) {
  Options options;
  options.behavior.assume_assigned = true;
  StartSandbox(options);
  for (int i = 0; i < 2; ++i) {
    httplib::Result result = Unassign({"5", "424242"});
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
    EXPECT_THAT(
        BodyJson(result)["unassignedFlowInstanceIds"].get<std::vector<std::string>>(),
        ElementsAre("5", "424242"));
  }
}

TEST_F(SandboxGongTest, AssignAddsIdsAtRuntime) {
  StartSandbox(Options());
  sandbox_->Assign({"77"});
  EXPECT_TRUE(sandbox_->IsAssigned("77"));
  EXPECT_EQ(Unassign({"77"})->status, 200);
}

TEST_F(SandboxGongTest, IntegerIdsKeepAll64Bits) {
  // 2^53 + 1 and 2^64 - 1: both change if they pass through a double.
  StartSandbox(WithAssigned({"9007199254740993", "18446744073709551615"}));
  httplib::Result result =
      Post(R"({"flowInstanceIds":[9007199254740993, 18446744073709551615]})");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_THAT(
      BodyJson(result)["unassignedFlowInstanceIds"].get<std::vector<std::string>>(),
      ElementsAre("9007199254740993", "18446744073709551615"));
}

TEST_F(SandboxGongTest, AcceptsOptionalUserEmail) {
  StartSandbox(WithAssigned({"5"}));
  EXPECT_EQ(Post(R"({"flowInstanceIds":["5"],"unassignedByUserEmail":"a@b.c"})")->status,
            200);
}

TEST_F(SandboxGongTest, AcceptsExactly200Ids) {
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.push_back(std::to_string(i));
  StartSandbox(WithAssigned(ids));
  httplib::Result result = Unassign(ids);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_THAT(BodyJson(result)["unassignedFlowInstanceIds"], SizeIs(200));
}

TEST_F(SandboxGongTest, MalformedBodiesAre400AndChangeNothing) {
  StartSandbox(WithAssigned({"1"}));
  std::vector<std::string> too_many;
  for (int i = 0; i < 201; ++i) too_many.push_back(std::to_string(i));
  const std::vector<std::string> bodies = {
      "not json",
      R"(["1"])",
      R"({})",
      R"({"flowInstanceIds":"1"})",
      R"({"flowInstanceIds":[]})",
      IdsBody(too_many),
      R"({"flowInstanceIds":["1","1"]})",
      R"({"flowInstanceIds":["1",1]})",
      R"({"flowInstanceIds":["1",true]})",
      R"({"flowInstanceIds":["1",1.5]})",
      R"({"flowInstanceIds":["1",""]})",
      R"({"flowInstanceIds":["1"],"unassignedByUserEmail":7})",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    EXPECT_THAT(ExpectGongError(Post(body), 400), Not(HasSubstr("exist")));
    EXPECT_TRUE(sandbox_->IsAssigned("1"));
  }
}

TEST_F(SandboxGongTest, RequiresBasicOrBearerAuthorization) {
  StartSandbox(WithAssigned({"1", "2"}));
  EXPECT_THAT(ExpectGongError(Post(IdsBody({"1"}), ""), 401), HasSubstr("Unauthorized"));
  ExpectGongError(Post(IdsBody({"1"}), "Token abc"), 401);
  ExpectGongError(Post(IdsBody({"1"}), "Basic"), 401);
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
  EXPECT_EQ(Post(IdsBody({"1"}), "Bearer any-token")->status, 200);
  EXPECT_EQ(Post(IdsBody({"2"}), "Basic eDp5")->status, 200);
}

TEST_F(SandboxGongTest, AcceptedAuthorizationRefusesEveryOtherBeforeAnyWork) {
  Options options = WithAssigned({"1", "2"});
  // Even past the quota and under a forced status, the credentials are
  // checked first, as Gong does.
  options.behavior.qps_limit = 1;
  options.behavior.accepted_authorization = "Bearer new-token";
  StartSandbox(options);
  EXPECT_THAT(ExpectGongError(Post(IdsBody({"1"}), "Bearer old-token"), 401),
              HasSubstr("Unauthorized"));
  ExpectGongError(Post(IdsBody({"1"}), kBasicAuth), 401);
  ExpectGongError(Post(IdsBody({"1"}), "Bearer new-token-2"), 401);
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
  EXPECT_EQ(Post(IdsBody({"1"}), "Bearer new-token")->status, 200);
  EXPECT_FALSE(sandbox_->IsAssigned("1"));

  // Changed at run time, as a rotation does; empty accepts any again.
  Behavior behavior;
  behavior.accepted_authorization = kBasicAuth;
  sandbox_->SetBehavior(behavior);
  ExpectGongError(Post(IdsBody({"2"}), "Bearer new-token"), 401);
  EXPECT_TRUE(sandbox_->IsAssigned("2"));
  sandbox_->SetBehavior(Behavior());
  EXPECT_EQ(Post(IdsBody({"2"}), "Bearer new-token")->status, 200);
}

TEST_F(SandboxGongTest, OtherPathsAndMethodsAre404) {
  StartSandbox(WithAssigned({"1"}));
  // A near miss of the served path (POST /v2/flows/prospects is served now).
  ExpectGongError(Post(IdsBody({"1"}), kBasicAuth, "/v2/flows/prospects/unassign"), 404);
  ExpectGongError(NewClient()->Get(kUnassignPath), 404);
  ExpectGongError(NewClient()->Delete(kUnassignPath), 404);
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
}

TEST_F(SandboxGongTest, EveryAnswerHasAFreshRequestId) {
  StartSandbox(WithAssigned({"1"}));
  const std::vector<httplib::Result> results = [&] {
    std::vector<httplib::Result> r;
    r.push_back(Unassign({"1"}));
    r.push_back(Unassign({"1"}));
    r.push_back(Post("{}"));
    r.push_back(NewClient()->Get("/"));
    return r;
  }();
  std::vector<std::string> ids;
  for (const httplib::Result& result : results) {
    ASSERT_TRUE(result);
    ids.push_back(BodyJson(result)["requestId"].get<std::string>());
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
}

TEST_F(SandboxGongTest, RecordsEveryRequestInArrivalOrder) {
  StartSandbox(WithAssigned({"1"}));
  Unassign({"1"});
  NewClient()->Get("/elsewhere");
  Post("{}", "Bearer t0ken");
  ASSERT_EQ(sandbox_->RequestCount(), 3);
  const std::vector<RecordedRequest> requests = sandbox_->Requests();
  ASSERT_THAT(requests, SizeIs(3));
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, kUnassignPath);
  EXPECT_EQ(requests[0].authorization, kBasicAuth);
  EXPECT_THAT(requests[0].content_type, StartsWith("application/json"));
  EXPECT_EQ(requests[0].body, IdsBody({"1"}));
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].path, "/elsewhere");
  EXPECT_EQ(requests[2].authorization, "Bearer t0ken");
  EXPECT_EQ(requests[2].body, "{}");
}

// As Gong's answers do, every answer carries a trace header of its own,
// which the recorded request names; and the recorded request keeps the
// names of the headers that came, so tests can tell what was not sent.
TEST_F(SandboxGongTest, EveryAnswerHasAFreshTraceHeaderAndRequestsKeepHeaderNames) {
  StartSandbox(WithAssigned({"1"}));
  httplib::Headers headers = {{"Authorization", kBasicAuth}, {"X-Custom-Thing", "v"}};
  std::vector<httplib::Result> results;
  results.push_back(
      NewClient()->Post(kUnassignPath, headers, IdsBody({"1"}), "application/json"));
  results.push_back(Unassign({"1"}));                 // 400
  results.push_back(NewClient()->Get("/elsewhere"));  // 404
  const std::vector<RecordedRequest> requests = sandbox_->Requests();
  ASSERT_THAT(requests, SizeIs(3));
  std::vector<std::string> trace_ids;
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(results[i]);
    const std::string trace_id = results[i]->get_header_value("X-Traceid");
    EXPECT_THAT(trace_id, ::testing::MatchesRegex("[0-9a-f]{32}"));
    EXPECT_EQ(trace_id, requests[i].trace_id);
    trace_ids.push_back(trace_id);
  }
  std::sort(trace_ids.begin(), trace_ids.end());
  EXPECT_EQ(std::unique(trace_ids.begin(), trace_ids.end()), trace_ids.end());
  EXPECT_THAT(requests[0].header_names, ::testing::Contains("x-custom-thing"));
  EXPECT_THAT(requests[0].header_names, ::testing::Contains("authorization"));
  EXPECT_THAT(requests[1].header_names, Not(::testing::Contains("x-custom-thing")));
}

TEST_F(SandboxGongTest, StopIsIdempotentAndRefusesConnections) {
  StartSandbox(WithAssigned({"1"}));
  sandbox_->Stop();
  sandbox_->Stop();
  httplib::Result result = Unassign({"1"});
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::Connection);
}

TEST_F(SandboxGongTest, StartFailsWhenThePortIsTaken) {
  StartSandbox(Options());
  Options options;
  options.port = sandbox_->port();
  SandboxGong second(options);
  EXPECT_FALSE(second.Start().ok());
}

}  // namespace
}  // namespace gong::sandbox
