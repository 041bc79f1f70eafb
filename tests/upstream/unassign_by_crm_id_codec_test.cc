// Unit tests for the unassign-by-crm-id endpoint's codec
// (server/upstream/unassign_by_crm_id_codec.h): the write the facade sends, which
// leaves flowId out only when the request says all flows (without it Gong
// takes the prospect out of every flow), and the 200 body it reads.
#include "upstream/unassign_by_crm_id_codec.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/json_test_util.h"

namespace gong::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Json = nlohmann::json;

UnassignByCrmIdParams OneFlow() {
  UnassignByCrmIdParams request;
  request.crm_prospect_id = "00Q5e00000AbCdE";
  request.flow_id = "9007199254740993";
  return request;
}

UnassignByCrmIdParams AllFlows() {
  UnassignByCrmIdParams request;
  request.crm_prospect_id = "00Q5e00000AbCdE";
  request.all_flows = true;
  return request;
}

// --- EncodeUnassignByCrmId: the request ----------------------------------------

TEST(EncodeUnassignByCrmIdTest, IsAWriteOfOneProspectToTheEndpoint) {
  const absl::Time deadline = absl::FromUnixSeconds(1'700'000'000);

  const absl::StatusOr<GongRequest> gong = EncodeUnassignByCrmId(OneFlow(), deadline);

  ASSERT_TRUE(gong.ok()) << gong.status();
  EXPECT_EQ(gong->method, "POST");
  EXPECT_EQ(gong->path, "/v2/flows/prospects/unassign-flows-by-crm-id");
  EXPECT_TRUE(gong->query.empty());
  EXPECT_EQ(gong->deadline, deadline);
  // Gong acts on it: only failures that prove it did not may be retried.
  EXPECT_EQ(gong->idempotency, Idempotency::kNotIdempotent);
  EXPECT_EQ(gong->items, 1u);
}

TEST(EncodeUnassignByCrmIdTest, NamesTheFlowWhenOneIsGiven) {
  const absl::StatusOr<GongRequest> gong =
      EncodeUnassignByCrmId(OneFlow(), absl::InfiniteFuture());

  ASSERT_TRUE(gong.ok()) << gong.status();
  const Json body = support::ParseOrFail(gong->json_body);
  EXPECT_EQ(body, Json::parse(R"({"crmProspectId": "00Q5e00000AbCdE",
                                  "flowId": "9007199254740993"})"));
  // Sent as a string, so no digit of a large id can be lost on the way.
  EXPECT_TRUE(body["flowId"].is_string());
}

TEST(EncodeUnassignByCrmIdTest, LeavesTheFlowOutOnlyForAllFlows) {
  const absl::StatusOr<GongRequest> gong =
      EncodeUnassignByCrmId(AllFlows(), absl::InfiniteFuture());

  ASSERT_TRUE(gong.ok()) << gong.status();
  const Json body = support::ParseOrFail(gong->json_body);
  EXPECT_EQ(body, Json::parse(R"({"crmProspectId": "00Q5e00000AbCdE"})"));
  EXPECT_FALSE(body.contains("flowId"));
}

TEST(EncodeUnassignByCrmIdTest, SendsTheEmailOnlyWhenGiven) {
  for (UnassignByCrmIdParams request : {OneFlow(), AllFlows()}) {
    SCOPED_TRACE(request.all_flows ? "all flows" : "one flow");
    const absl::StatusOr<GongRequest> without =
        EncodeUnassignByCrmId(request, absl::InfiniteFuture());
    ASSERT_TRUE(without.ok()) << without.status();
    EXPECT_FALSE(
        support::ParseOrFail(without->json_body).contains("unassignedByUserEmail"));

    request.unassigned_by_user_email = "ann+ops@example.com";
    const absl::StatusOr<GongRequest> with =
        EncodeUnassignByCrmId(request, absl::InfiniteFuture());
    ASSERT_TRUE(with.ok()) << with.status();
    EXPECT_EQ(support::ParseOrFail(with->json_body)["unassignedByUserEmail"],
              "ann+ops@example.com");
  }
}

TEST(EncodeUnassignByCrmIdTest, EscapesQuotesAndSurvivesInvalidUtf8) {
  UnassignByCrmIdParams request = OneFlow();
  request.crm_prospect_id = R"(a"b\c)";
  request.flow_id = std::string("ab\xff", 3);

  const absl::StatusOr<GongRequest> gong =
      EncodeUnassignByCrmId(request, absl::InfiniteFuture());

  ASSERT_TRUE(gong.ok()) << gong.status();
  const Json body = support::ParseOrFail(gong->json_body);
  EXPECT_EQ(body["crmProspectId"], R"(a"b\c)");
  EXPECT_TRUE(body["flowId"].is_string());
}

// --- EncodeUnassignByCrmId: what it refuses -------------------------------------

// Every one of these would otherwise send a body Gong reads as "all flows"
// (or one that names no prospect), so none may reach Gong.
TEST(EncodeUnassignByCrmIdTest, RefusesRequestsThatDoNotSayWhichFlows) {
  struct Case {
    const char* name;
    UnassignByCrmIdParams request;
    const char* says;
  };
  UnassignByCrmIdParams neither = OneFlow();
  neither.flow_id.reset();
  UnassignByCrmIdParams both = OneFlow();
  both.all_flows = true;
  UnassignByCrmIdParams empty_flow = OneFlow();
  empty_flow.flow_id = "";
  UnassignByCrmIdParams empty_flow_and_all = AllFlows();
  empty_flow_and_all.flow_id = "";
  UnassignByCrmIdParams no_prospect = OneFlow();
  no_prospect.crm_prospect_id = "";
  UnassignByCrmIdParams nothing;

  const Case cases[] = {
      {"neither", neither, "neither"},
      {"both", both, "both"},
      {"empty flow id", empty_flow, "flow_id is empty"},
      {"empty flow id and all flows", empty_flow_and_all, "both"},
      {"no prospect", no_prospect, "crm_prospect_id"},
      {"default-constructed", nothing, "crm_prospect_id"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const absl::StatusOr<GongRequest> gong =
        EncodeUnassignByCrmId(c.request, absl::InfiniteFuture());
    ASSERT_FALSE(gong.ok());
    EXPECT_EQ(gong.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(gong.status().message(), HasSubstr(c.says));
  }
}

TEST(EncodeUnassignByCrmIdTest, ADefaultRequestWithAProspectStillNeedsAFlowChoice) {
  UnassignByCrmIdParams request;
  request.crm_prospect_id = "p";

  EXPECT_FALSE(EncodeUnassignByCrmId(request, absl::InfiniteFuture()).ok());
}

// --- DecodeUnassignByCrmIdResponse ----------------------------------------------

TEST(DecodeUnassignByCrmIdResponseTest, ReadsRequestIdAndIdsInGongsOrder) {
  const auto result = DecodeUnassignByCrmIdResponse(
      R"({"requestId": "req-1", "unassignedFlowInstanceIds": ["3", "1", "2"],
          "somethingNew": {}})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "req-1");
  EXPECT_THAT(result->unassigned_flow_instance_ids, ElementsAre("3", "1", "2"));
}

TEST(DecodeUnassignByCrmIdResponseTest, AcceptsAnEmptyList) {
  const auto result = DecodeUnassignByCrmIdResponse(
      R"({"requestId": "r", "unassignedFlowInstanceIds": []})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->unassigned_flow_instance_ids, IsEmpty());
}

TEST(DecodeUnassignByCrmIdResponseTest, NumericIdsKeepEveryDigit) {
  const auto result = DecodeUnassignByCrmIdResponse(
      R"({"requestId": 9007199254740993,
          "unassignedFlowInstanceIds": [9007199254740993, "7", 18446744073709551615]})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "9007199254740993");
  EXPECT_THAT(result->unassigned_flow_instance_ids,
              ElementsAre("9007199254740993", "7", "18446744073709551615"));
}

TEST(DecodeUnassignByCrmIdResponseTest, RefusesIdsThatAreNotExactIntegers) {
  for (const char* number : {"1.5", "1e3", "1.0", "18446744073709551616"}) {
    SCOPED_TRACE(number);
    const auto result = DecodeUnassignByCrmIdResponse(
        std::string(R"({"unassignedFlowInstanceIds": ["1", )") + number + "]}");
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("unassignedFlowInstanceIds[1]"));
  }
}

TEST(DecodeUnassignByCrmIdResponseTest, RefusesMalformedBodiesSayingWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"requestId": "r"})", "unassignedFlowInstanceIds"},
      {R"({"requestId": "r", "unassignedFlowInstanceIds": "1"})",
       "unassignedFlowInstanceIds"},
      {"<html>502</html>", "JSON"},
      {"[]", "JSON"},
      {"", "JSON"},
  };
  for (const auto& [body, says] : cases) {
    SCOPED_TRACE(body);
    const auto result = DecodeUnassignByCrmIdResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr(says));
  }
}

// Gong has carried out the write: an unreadable requestId is a warning,
// and the ids still say which instances the prospect left.
TEST(DecodeUnassignByCrmIdResponseTest, AnUnreadableRequestIdIsAWarning) {
  const auto result = DecodeUnassignByCrmIdResponse(
      R"({"requestId": true, "unassignedFlowInstanceIds": ["5"]})");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "");
  EXPECT_EQ(result->unassigned_flow_instance_ids, std::vector<std::string>{"5"});
  EXPECT_EQ(result->warnings,
            std::vector<std::string>{"requestId is not an id (true); left empty"});
}

// --- DecodeOutcome(..., DecodeUnassignByCrmIdResponse) ---------------------------------

TEST(UnassignByCrmIdOutcomeTest, AReadable200IsTheResult) {
  const GongResult<UnassignByCrmIdResult> outcome = DecodeOutcome(
      GongAnswer{R"({"requestId": "r", "unassignedFlowInstanceIds": ["5"]})"},
      DecodeUnassignByCrmIdResponse);
  ASSERT_TRUE(std::holds_alternative<UnassignByCrmIdResult>(outcome));
  EXPECT_THAT(std::get<UnassignByCrmIdResult>(outcome).unassigned_flow_instance_ids,
              ElementsAre("5"));
}

TEST(UnassignByCrmIdOutcomeTest, AnUnreadable200IsMalformedSayingWhy) {
  const GongResult<UnassignByCrmIdResult> outcome =
      DecodeOutcome(GongAnswer{R"({"requestId": "r"})"}, DecodeUnassignByCrmIdResponse);
  ASSERT_TRUE(std::holds_alternative<GongError>(outcome));
  const GongError& error = std::get<GongError>(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kMalformedAnswer);
  EXPECT_EQ(error.http_status, 200);
  EXPECT_THAT(error.detail, HasSubstr("unassignedFlowInstanceIds"));
}

TEST(UnassignByCrmIdOutcomeTest, GongErrorsPassThrough) {
  const GongResult<UnassignByCrmIdResult> outcome =
      DecodeOutcome(GongError::HttpStatus(400, "r-4", {"prospect does not exist"}),
                    DecodeUnassignByCrmIdResponse);
  ASSERT_TRUE(std::holds_alternative<GongError>(outcome));
  const GongError& error = std::get<GongError>(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.request_id, "r-4");
  EXPECT_THAT(error.errors, ElementsAre("prospect does not exist"));
}

}  // namespace
}  // namespace gong::upstream
