// Unit tests for the flow lookup's codec (server/upstream/get_prospect_flows_codec.h):
// the GongRequest and JSON body the facade sends, the 200 body it reads, and
// the body it writes back to share a merged answer. The reading of each
// instance is tested in flow_instance_test.cc; here, that the answer's own
// shape is checked and the instances' warnings reach the result.
#include "upstream/get_prospect_flows_codec.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/json_test_util.h"

namespace gong::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Json = nlohmann::json;

// Gong's answer to a lookup by CRM ids: two open instances, the second
// with ids written as JSON numbers beyond 2^53.
constexpr char kAnswer[] = R"({
  "requestId": "4713",
  "prospectsAssigned": [
    {"flowId": "5001", "flowName": "Inbound", "crmProspectId": "00Q1",
     "flowInstanceId": "9001", "flowInstanceOwnerEmail": "ann@example.com",
     "flowInstanceOwnerFullName": "Ann Example",
     "flowInstanceCreateDate": "2024-03-05T10:20:30.123-08:00",
     "flowInstanceStatus": "Pending", "workspaceId": "77", "exclusive": true},
    {"flowId": 18446744073709551615, "flowName": "Renewal", "crmProspectId": "00Q2",
     "flowInstanceId": 9007199254740993, "flowInstanceOwnerEmail": "bob@example.com",
     "flowInstanceOwnerFullName": "Bob Example",
     "flowInstanceCreateDate": "2024-03-06T08:00:00+05:30",
     "flowInstanceStatus": "Paused", "workspaceId": "77", "exclusive": false,
     "someNewField": [1, 2]}
  ],
  "records": {"totalRecords": 2}
})";

// --- EncodeGetProspectFlowsBody ------------------------------------------------------

TEST(EncodeGetProspectFlowsBodyTest, ByCrmIdsSendsOnlyCrmProspectsIds) {
  GetProspectFlowsParams query;
  query.by = GetProspectFlowsParams::By::kCrmProspectIds;
  query.ids = {"00Q2", "00Q1", "9007199254740993"};

  EXPECT_EQ(support::ParseOrFail(EncodeGetProspectFlowsBody(query)),
            support::ParseOrFail(
                R"({"crmProspectsIds": ["00Q2", "00Q1", "9007199254740993"]})"));
}

TEST(EncodeGetProspectFlowsBodyTest, ByInstanceIdsSendsOnlyFlowInstanceIds) {
  GetProspectFlowsParams query;
  query.by = GetProspectFlowsParams::By::kFlowInstanceIds;
  query.ids = {"3", "1"};

  EXPECT_EQ(support::ParseOrFail(EncodeGetProspectFlowsBody(query)),
            support::ParseOrFail(R"({"flowInstanceIds": ["3", "1"]})"));
}

TEST(EncodeGetProspectFlowsBodyTest, InvalidUtf8StillYieldsValidJson) {
  GetProspectFlowsParams query;
  query.ids = {std::string("ab\xff", 3)};

  std::string encoded;
  ASSERT_NO_THROW(encoded = EncodeGetProspectFlowsBody(query));
  EXPECT_THAT(support::ParseOrFail(encoded)["crmProspectsIds"], SizeIs(1));
}

// --- EncodeGetProspectFlows ----------------------------------------------------------

TEST(EncodeGetProspectFlowsTest, IsAReadOfTheEndpointCarryingTheBody) {
  GetProspectFlowsParams query;
  query.by = GetProspectFlowsParams::By::kFlowInstanceIds;
  query.ids = {"1", "2", "3", "4"};
  const absl::Time deadline = absl::FromUnixSeconds(1'700'000'000);

  const GongRequest gong = EncodeGetProspectFlows(query, deadline);

  EXPECT_EQ(gong.method, "POST");
  EXPECT_EQ(gong.path, "/v2/flows/prospects");
  EXPECT_EQ(gong.path, kGetProspectFlowsPath);
  EXPECT_TRUE(gong.query.empty());
  EXPECT_EQ(gong.json_body, EncodeGetProspectFlowsBody(query));
  EXPECT_EQ(gong.deadline, deadline);
  // A POST that only reads: asking again changes nothing, so it may be
  // retried after any failure.
  EXPECT_EQ(gong.idempotency, Idempotency::kIdempotent);
  EXPECT_EQ(gong.items, 4u);
  EXPECT_EQ(kMaxIdsPerLookup, 200u);
}

// --- DecodeGetProspectFlowsResponse --------------------------------------------------

TEST(DecodeGetProspectFlowsResponseTest, ReadsEveryInstanceInGongsOrder) {
  const auto result = DecodeGetProspectFlowsResponse(kAnswer);

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "4713");
  ASSERT_THAT(result->flow_instances, SizeIs(2));
  const FlowInstance& first = result->flow_instances[0];
  EXPECT_EQ(first.flow_instance_id, "9001");
  EXPECT_EQ(first.flow_id, "5001");
  EXPECT_EQ(first.flow_name, "Inbound");
  EXPECT_EQ(first.crm_prospect_id, "00Q1");
  EXPECT_EQ(first.owner_email, "ann@example.com");
  EXPECT_EQ(first.owner_full_name, "Ann Example");
  EXPECT_EQ(first.create_time, absl::FromCivil(absl::CivilSecond(2024, 3, 5, 18, 20, 30),
                                               absl::UTCTimeZone()) +
                                   absl::Milliseconds(123));
  EXPECT_EQ(first.status, FlowInstanceStatus::kPending);
  EXPECT_EQ(first.workspace_id, "77");
  EXPECT_TRUE(first.exclusive);
  const FlowInstance& second = result->flow_instances[1];
  EXPECT_EQ(second.flow_instance_id, "9007199254740993");
  EXPECT_EQ(second.flow_id, "18446744073709551615");
  EXPECT_EQ(second.create_time, absl::FromCivil(absl::CivilSecond(2024, 3, 6, 2, 30, 0),
                                                absl::UTCTimeZone()));
  EXPECT_EQ(second.status, FlowInstanceStatus::kPaused);
  EXPECT_FALSE(second.exclusive);
  EXPECT_THAT(result->warnings, IsEmpty());
}

TEST(DecodeGetProspectFlowsResponseTest, AcceptsAnEmptyList) {
  const auto result =
      DecodeGetProspectFlowsResponse(R"({"requestId": "r", "prospectsAssigned": []})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->flow_instances, IsEmpty());
}

TEST(DecodeGetProspectFlowsResponseTest, NumericRequestIdKeepsEveryDigit) {
  const auto result = DecodeGetProspectFlowsResponse(
      R"({"requestId": 9007199254740993, "prospectsAssigned": []})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "9007199254740993");
}

// An unreadable date or status costs only that field; the caller gets the
// answer and a warning to log.
TEST(DecodeGetProspectFlowsResponseTest, UnreadableFieldsAreWarningsNotErrors) {
  const auto result = DecodeGetProspectFlowsResponse(R"({"requestId": "r",
      "prospectsAssigned": [
        {"flowInstanceId": "1", "flowId": "2", "flowInstanceCreateDate": "2024-03-05Z",
         "flowInstanceStatus": "Snoozed"},
        {"flowInstanceId": "3", "flowId": "4", "flowInstanceCreateDate": "2024-03-05T10:20:30Z",
         "flowName": 7}]})");

  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->flow_instances, SizeIs(2));
  EXPECT_FALSE(result->flow_instances[0].create_time.has_value());
  EXPECT_EQ(result->flow_instances[0].status, FlowInstanceStatus::kUnspecified);
  EXPECT_TRUE(result->flow_instances[1].create_time.has_value());
  EXPECT_EQ(result->flow_instances[1].flow_name, "");
  EXPECT_THAT(result->warnings,
              ElementsAre(HasSubstr("prospectsAssigned[0].flowInstanceCreateDate"),
                          HasSubstr("prospectsAssigned[1].flowName")));
}

TEST(DecodeGetProspectFlowsResponseTest, RefusesAnInstanceWithoutItsIdsNamingIt) {
  const auto result = DecodeGetProspectFlowsResponse(R"({"requestId": "r",
      "prospectsAssigned": [{"flowInstanceId": "1", "flowId": "2"},
                            {"flowInstanceId": "3", "flowId": "4"},
                            {"flowInstanceId": 1.5, "flowId": "6"}]})");

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "prospectsAssigned[2].flowInstanceId is not an id");
}

// The requestId identifies Gong's answer in logs; nothing the caller does
// depends on it, so without it the answer is still read, with a warning.
TEST(DecodeGetProspectFlowsResponseTest, AMissingOrUnreadableRequestIdIsAWarning) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {R"({"prospectsAssigned": []})", "requestId is missing; left empty"},
      {R"({"requestId": null, "prospectsAssigned": []})",
       "requestId is missing; left empty"},
      {R"({"requestId": 1.5, "prospectsAssigned": []})",
       "requestId is not an id (1.5); left empty"},
      {R"({"requestId": {}, "prospectsAssigned": []})",
       "requestId is not an id ({}); left empty"},
  };
  for (const auto& [body, warning] : table) {
    SCOPED_TRACE(body);
    const auto result = DecodeGetProspectFlowsResponse(body);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->request_id, "");
    EXPECT_THAT(result->warnings, ElementsAre(warning));
  }
}

TEST(DecodeGetProspectFlowsResponseTest, RefusesABodyWithoutTheList) {
  for (const char* body :
       {R"({"requestId": "r"})", R"({"requestId": "r", "prospectsAssigned": null})",
        R"({"requestId": "r", "prospectsAssigned": {}})",
        R"({"requestId": "r", "prospectsAssigned": "9001"})",
        R"({"requestId": "r", "prospectsassigned": []})"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeGetProspectFlowsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().message(), "prospectsAssigned is missing or not an array");
  }
}

TEST(DecodeGetProspectFlowsResponseTest, RefusesBodiesThatAreNotAJsonObject) {
  for (const char* body : {"", "<html>502 Bad Gateway</html>", "{", "[]", R"("text")",
                           "42", "null", R"({"prospectsAssigned": []} trailing)"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeGetProspectFlowsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("JSON"));
  }
}

// --- EncodeGetProspectFlowsResponse --------------------------------------------------

TEST(EncodeGetProspectFlowsResponseTest, WritesGongsShape) {
  GetProspectFlowsResult result;
  result.request_id = "4713";
  FlowInstance instance;
  instance.flow_instance_id = "9001";
  instance.flow_id = "5001";
  instance.create_time = absl::FromUnixSeconds(1709662830) + absl::Milliseconds(5);
  instance.status = FlowInstanceStatus::kRunning;
  result.flow_instances = {instance};
  result.warnings = {"not sent"};

  EXPECT_EQ(support::ParseOrFail(EncodeGetProspectFlowsResponse(result)),
            support::ParseOrFail(R"({
      "requestId": "4713",
      "prospectsAssigned": [{"flowInstanceId": "9001", "flowId": "5001", "flowName": "",
        "crmProspectId": "", "flowInstanceOwnerEmail": "", "flowInstanceOwnerFullName": "",
        "flowInstanceCreateDate": "2024-03-05T18:20:30.005Z",
        "flowInstanceStatus": "Running", "workspaceId": "", "exclusive": false}]})"));
}

// A merged answer shared out: each part reads back as what Gong said.
TEST(EncodeGetProspectFlowsResponseTest, ReadsBackAsGongsAnswer) {
  const auto original = DecodeGetProspectFlowsResponse(kAnswer);
  ASSERT_TRUE(original.ok()) << original.status();

  const auto again =
      DecodeGetProspectFlowsResponse(EncodeGetProspectFlowsResponse(*original));

  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->request_id, "4713");
  ASSERT_THAT(again->flow_instances, SizeIs(2));
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(EncodeFlowInstance(again->flow_instances[i]),
              EncodeFlowInstance(original->flow_instances[i]));
    EXPECT_EQ(again->flow_instances[i].create_time,
              original->flow_instances[i].create_time);
  }
  EXPECT_EQ(again->flow_instances[1].flow_instance_id, "9007199254740993");
  EXPECT_THAT(again->warnings, IsEmpty());
}

// --- DecodeOutcome(..., DecodeGetProspectFlowsResponse) --------------------------------

TEST(GetProspectFlowsOutcomeTest, AReadable200IsTheResultWithItsWarnings) {
  const GongResult<GetProspectFlowsResult> outcome = DecodeOutcome(
      GongAnswer{
          R"({"requestId": "r", "prospectsAssigned": [{"flowInstanceId": "1", "flowId": "2"}]})"},
      DecodeGetProspectFlowsResponse);

  ASSERT_TRUE(std::holds_alternative<GetProspectFlowsResult>(outcome));
  const auto& result = std::get<GetProspectFlowsResult>(outcome);
  EXPECT_EQ(result.request_id, "r");
  ASSERT_THAT(result.flow_instances, SizeIs(1));
  EXPECT_THAT(result.warnings,
              ElementsAre(HasSubstr("prospectsAssigned[0].flowInstanceCreateDate")));
}

TEST(GetProspectFlowsOutcomeTest, AnUnreadable200IsMalformed) {
  const GongResult<GetProspectFlowsResult> outcome =
      DecodeOutcome(GongAnswer{R"({"requestId": "r", "prospectsAssigned": 1})"},
                    DecodeGetProspectFlowsResponse);

  ASSERT_TRUE(std::holds_alternative<GongError>(outcome));
  const GongError& error = std::get<GongError>(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kMalformedAnswer);
  EXPECT_EQ(error.http_status, 200);
  EXPECT_EQ(error.detail, "prospectsAssigned is missing or not an array");
}

TEST(GetProspectFlowsOutcomeTest, GongErrorsPassThrough) {
  const GongResult<GetProspectFlowsResult> outcome =
      DecodeOutcome(GongError::HttpStatus(429, "r9", {"slow down"}, absl::Seconds(2)),
                    DecodeGetProspectFlowsResponse);

  ASSERT_TRUE(std::holds_alternative<GongError>(outcome));
  const GongError& error = std::get<GongError>(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.request_id, "r9");
  EXPECT_THAT(error.errors, ElementsAre("slow down"));
  EXPECT_EQ(error.retry_after, absl::Seconds(2));
}

}  // namespace
}  // namespace gong::upstream
