// Unit tests for the assign endpoint's codec (server/upstream/assign_prospects_codec.h):
// the GongRequest and exact JSON body the facade sends (overrides only when given, and
// inside them only what overrides something), and the 200 body it reads: the prospects
// assigned (flow_instance_test.cc covers each instance's fields) and those not assigned,
// with Gong's reasons.
#include "upstream/assign_prospects_codec.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

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

AssignProspectsParams MinimalRequest() {
  AssignProspectsParams request;
  request.crm_prospect_ids = {"00Q2", "00Q1"};
  request.flow_id = "5001";
  request.flow_instance_owner_email = "ann@example.com";
  return request;
}

// --- EncodeAssignProspectsBody
// -------------------------------------------------------------

TEST(EncodeAssignProspectsBodyTest, SendsOnlyTheRequiredFieldsWhenNothingElseIsGiven) {
  EXPECT_EQ(support::ParseOrFail(EncodeAssignProspectsBody(MinimalRequest())),
            support::ParseOrFail(R"({
      "crmProspectsIds": ["00Q2", "00Q1"], "flowId": "5001",
      "flowInstanceOwnerEmail": "ann@example.com"})"));
}

TEST(EncodeAssignProspectsBodyTest, SendsTheDescriptionWhenGiven) {
  AssignProspectsParams request = MinimalRequest();
  request.flow_instance_description = "Q3 \"push\"";

  EXPECT_EQ(support::ParseOrFail(EncodeAssignProspectsBody(request)),
            support::ParseOrFail(R"({
      "crmProspectsIds": ["00Q2", "00Q1"], "flowId": "5001",
      "flowInstanceOwnerEmail": "ann@example.com",
      "flowInstanceDescription": "Q3 \"push\""})"));
}

TEST(EncodeAssignProspectsBodyTest, SendsEveryOverrideGiven) {
  AssignProspectsParams request = MinimalRequest();
  AssignProspectsOverrides overrides;
  overrides.steps = {{1, "Hello {{name}}", "First touch"}, {3, "Again", "Third"}};
  overrides.flow_instance_variables = {{"discount", "10%"}, {"rep", "Ann"}};
  overrides.cool_off_override = true;
  request.overrides = overrides;

  EXPECT_EQ(support::ParseOrFail(EncodeAssignProspectsBody(request)),
            support::ParseOrFail(R"({
      "crmProspectsIds": ["00Q2", "00Q1"], "flowId": "5001",
      "flowInstanceOwnerEmail": "ann@example.com",
      "overrides": {
        "steps": [{"number": 1, "subject": "Hello {{name}}", "body": "First touch"},
                  {"number": 3, "subject": "Again", "body": "Third"}],
        "flowInstanceVariables": [{"name": "discount", "value": "10%"},
                                  {"name": "rep", "value": "Ann"}],
        "coolOffOverride": true}})"));
}

// Empty lists and a false coolOffOverride override nothing, so they are not
// sent; overrides given but empty are still sent, as {}.
TEST(EncodeAssignProspectsBodyTest, SendsOnlyTheOverridesThatOverrideSomething) {
  AssignProspectsParams request = MinimalRequest();
  request.overrides = AssignProspectsOverrides{};

  Json body = support::ParseOrFail(EncodeAssignProspectsBody(request));
  EXPECT_EQ(body["overrides"], Json::object());

  request.overrides->flow_instance_variables = {{"rep", "Ann"}};
  body = support::ParseOrFail(EncodeAssignProspectsBody(request));
  EXPECT_EQ(body["overrides"],
            support::ParseOrFail(
                R"({"flowInstanceVariables": [{"name": "rep", "value": "Ann"}]})"));

  request.overrides = AssignProspectsOverrides{};
  request.overrides->steps = {{2, "s", "b"}};
  body = support::ParseOrFail(EncodeAssignProspectsBody(request));
  EXPECT_EQ(
      body["overrides"],
      support::ParseOrFail(R"({"steps": [{"number": 2, "subject": "s", "body": "b"}]})"));
}

// Proto3 cannot tell an unset text from an empty one: an empty subject or
// body means "keep the step's own", never "blank it".
TEST(EncodeAssignProspectsBodyTest, AStepOverridesOnlyTheTextsGiven) {
  AssignProspectsParams request = MinimalRequest();
  request.overrides = AssignProspectsOverrides{};
  request.overrides->steps = {{1, "Only the subject", ""}, {2, "", "Only the body"}};
  const auto body = support::ParseOrFail(EncodeAssignProspectsBody(request));
  EXPECT_EQ(body["overrides"], support::ParseOrFail(R"({"steps": [
      {"number": 1, "subject": "Only the subject"},
      {"number": 2, "body": "Only the body"}]})"));
}

TEST(EncodeAssignProspectsBodyTest, SendsIdsAsStringsEvenWhenNumeric) {
  AssignProspectsParams request = MinimalRequest();
  request.crm_prospect_ids = {"9007199254740993"};
  request.flow_id = "18446744073709551615";

  const Json body = support::ParseOrFail(EncodeAssignProspectsBody(request));

  EXPECT_EQ(body["crmProspectsIds"], Json::array({"9007199254740993"}));
  EXPECT_EQ(body["flowId"], "18446744073709551615");
}

TEST(EncodeAssignProspectsBodyTest, InvalidUtf8StillYieldsValidJson) {
  AssignProspectsParams request = MinimalRequest();
  request.flow_instance_description = std::string("ab\xff", 3);

  std::string encoded;
  ASSERT_NO_THROW(encoded = EncodeAssignProspectsBody(request));
  EXPECT_TRUE(support::ParseOrFail(encoded).contains("flowInstanceDescription"));
}

// --- EncodeAssignProspects
// -----------------------------------------------------------------

TEST(EncodeAssignProspectsTest, IsAWriteToTheEndpointCarryingTheBody) {
  AssignProspectsParams request = MinimalRequest();
  request.crm_prospect_ids = {"1", "2", "3"};
  const absl::Time deadline = absl::FromUnixSeconds(1'700'000'000);

  const GongRequest gong = EncodeAssignProspects(request, deadline);

  EXPECT_EQ(gong.method, "POST");
  EXPECT_EQ(gong.path, "/v2/flows/prospects/assign");
  EXPECT_EQ(gong.path, kAssignProspectsPath);
  EXPECT_TRUE(gong.query.empty());
  EXPECT_EQ(gong.json_body, EncodeAssignProspectsBody(request));
  EXPECT_EQ(gong.deadline, deadline);
  // Sending it twice can assign twice: only failures that prove Gong did
  // not act may be retried.
  EXPECT_EQ(gong.idempotency, Idempotency::kNotIdempotent);
  EXPECT_EQ(gong.items, 3u);
  EXPECT_EQ(kMaxProspectsPerAssign, 100u);
}

// --- DecodeAssignProspectsResponse
// ---------------------------------------------------------

TEST(DecodeAssignProspectsResponseTest, ReadsTheAssignedAndTheNotAssigned) {
  const auto result = DecodeAssignProspectsResponse(R"({
    "requestId": "4713",
    "prospectsAssigned": [
      {"flowId": "5001", "flowName": "Inbound", "crmProspectId": "00Q1",
       "flowInstanceId": 9007199254740993, "flowInstanceOwnerEmail": "ann@example.com",
       "flowInstanceOwnerFullName": "Ann Example",
       "flowInstanceCreateDate": "2024-03-05T10:20:30Z",
       "flowInstanceStatus": "Pending", "workspaceId": "77", "exclusive": true}],
    "prospectsNotAssigned": [
      {"flowId": "5001", "crmProspectId": "00Q2", "errorCode": "InvalidState",
       "errorMessage": "already in an exclusive flow"},
      {"flowId": 18446744073709551615, "crmProspectId": 9007199254740995,
       "errorCode": "InvalidArgument", "errorMessage": "no such prospect"},
      {"flowId": "5001", "crmProspectId": "00Q4", "errorCode": "UnexpectedError",
       "errorMessage": "try later"}]})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "4713");
  ASSERT_THAT(result->assigned, SizeIs(1));
  EXPECT_EQ(result->assigned[0].flow_instance_id, "9007199254740993");
  EXPECT_EQ(result->assigned[0].crm_prospect_id, "00Q1");
  EXPECT_EQ(result->assigned[0].create_time, absl::FromUnixSeconds(1709634030));
  EXPECT_EQ(result->assigned[0].status, FlowInstanceStatus::kPending);
  ASSERT_THAT(result->not_assigned, SizeIs(3));
  EXPECT_EQ(result->not_assigned[0].crm_prospect_id, "00Q2");
  EXPECT_EQ(result->not_assigned[0].flow_id, "5001");
  EXPECT_EQ(result->not_assigned[0].error_code, AssignmentErrorCode::kInvalidState);
  EXPECT_EQ(result->not_assigned[0].error_message, "already in an exclusive flow");
  EXPECT_EQ(result->not_assigned[1].crm_prospect_id, "9007199254740995");
  EXPECT_EQ(result->not_assigned[1].flow_id, "18446744073709551615");
  EXPECT_EQ(result->not_assigned[1].error_code, AssignmentErrorCode::kInvalidArgument);
  EXPECT_EQ(result->not_assigned[2].error_code, AssignmentErrorCode::kUnexpectedError);
  EXPECT_THAT(result->warnings, IsEmpty());
}

TEST(DecodeAssignProspectsResponseTest, UnknownErrorCodesReadAsUnspecified) {
  for (const char* code : {"RateLimited", "invalidstate", ""}) {
    SCOPED_TRACE(code);
    Json body = support::ParseOrFail(R"({"requestId": "r", "prospectsAssigned": [],
        "prospectsNotAssigned": [{"crmProspectId": "00Q2"}]})");
    body["prospectsNotAssigned"][0]["errorCode"] = code;
    const auto result = DecodeAssignProspectsResponse(body.dump());
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_THAT(result->not_assigned, SizeIs(1));
    EXPECT_EQ(result->not_assigned[0].error_code, AssignmentErrorCode::kUnspecified);
    EXPECT_THAT(result->warnings, IsEmpty());
  }
}

TEST(DecodeAssignProspectsResponseTest, ErrorCodeNamesAreGongsSpellings) {
  for (AssignmentErrorCode code :
       {AssignmentErrorCode::kInvalidArgument, AssignmentErrorCode::kInvalidState,
        AssignmentErrorCode::kUnexpectedError}) {
    EXPECT_EQ(ParseAssignmentErrorCode(AssignmentErrorCodeName(code)), code);
  }
  EXPECT_EQ(AssignmentErrorCodeName(AssignmentErrorCode::kInvalidArgument),
            "InvalidArgument");
  EXPECT_EQ(AssignmentErrorCodeName(AssignmentErrorCode::kUnspecified), "");
}

TEST(DecodeAssignProspectsResponseTest, AFailureNeedsOnlyItsProspectId) {
  const auto result =
      DecodeAssignProspectsResponse(R"({"requestId": "r", "prospectsAssigned": [],
      "prospectsNotAssigned": [{"crmProspectId": "00Q2", "flowId": null,
                                "errorMessage": 3}]})");

  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->not_assigned, SizeIs(1));
  EXPECT_EQ(result->not_assigned[0].crm_prospect_id, "00Q2");
  EXPECT_EQ(result->not_assigned[0].flow_id, "");
  EXPECT_EQ(result->not_assigned[0].error_code, AssignmentErrorCode::kUnspecified);
  EXPECT_EQ(result->not_assigned[0].error_message, "");
  EXPECT_THAT(
      result->warnings,
      ElementsAre(HasSubstr("prospectsNotAssigned[0].errorMessage is not a string")));
}

// Without the prospect's id the caller cannot tell which prospect failed.
TEST(DecodeAssignProspectsResponseTest, RefusesAFailureWithoutItsProspectId) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {R"({"flowId": "1"})", "prospectsNotAssigned[1].crmProspectId is missing"},
      {R"({"crmProspectId": null})", "prospectsNotAssigned[1].crmProspectId is missing"},
      {R"({"crmProspectId": 1.5})", "prospectsNotAssigned[1].crmProspectId is not an id"},
      {R"({"crmProspectId": ["1"]})",
       "prospectsNotAssigned[1].crmProspectId is not an id"},
      {R"("00Q2")", "prospectsNotAssigned[1] is not an object"},
  };
  for (const auto& [failure, message] : table) {
    SCOPED_TRACE(failure);
    const auto result = DecodeAssignProspectsResponse(
        R"({"requestId": "r", "prospectsAssigned": [],
            "prospectsNotAssigned": [{"crmProspectId": "00Q1"}, )" +
        failure + "]}");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().message(), message);
  }
}

TEST(DecodeAssignProspectsResponseTest, AMissingOrNullNotAssignedListReadsAsNone) {
  for (const char* body : {R"({"requestId": "r", "prospectsAssigned": []})",
                           R"({"requestId": "r", "prospectsAssigned": [],
                               "prospectsNotAssigned": null})"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeAssignProspectsResponse(body);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_THAT(result->not_assigned, IsEmpty());
  }
}

TEST(DecodeAssignProspectsResponseTest, RefusesANotAssignedListThatIsNotAnArray) {
  for (const char* list : {"{}", R"("00Q2")", "1"}) {
    SCOPED_TRACE(list);
    const auto result = DecodeAssignProspectsResponse(
        std::string(
            R"({"requestId": "r", "prospectsAssigned": [], "prospectsNotAssigned": )") +
        list + "}");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().message(), "prospectsNotAssigned is not an array");
  }
}

TEST(DecodeAssignProspectsResponseTest, RefusesABodyWithoutTheAssignedList) {
  for (const char* body : {R"({"requestId": "r", "prospectsNotAssigned": []})",
                           R"({"requestId": "r", "prospectsAssigned": null})",
                           R"({"requestId": "r", "prospectsAssigned": {}})"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeAssignProspectsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().message(), "prospectsAssigned is missing or not an array");
  }
}

TEST(DecodeAssignProspectsResponseTest, RefusesAnInstanceWithoutItsIdsNamingIt) {
  const auto result = DecodeAssignProspectsResponse(R"({"requestId": "r",
      "prospectsAssigned": [{"flowInstanceId": "1", "flowId": "2"},
                            {"flowInstanceId": "3", "flowId": 4.0}]})");

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "prospectsAssigned[1].flowId is not an id");
}

TEST(DecodeAssignProspectsResponseTest, UnreadableDatesAreWarningsNotErrors) {
  const auto result = DecodeAssignProspectsResponse(R"({"requestId": "r",
      "prospectsAssigned": [{"flowInstanceId": "1", "flowId": "2",
                             "flowInstanceCreateDate": "yesterday"}],
      "prospectsNotAssigned": []})");

  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->assigned, SizeIs(1));
  EXPECT_FALSE(result->assigned[0].create_time.has_value());
  EXPECT_THAT(result->warnings,
              ElementsAre(HasSubstr("prospectsAssigned[0].flowInstanceCreateDate")));
}

// Gong has carried out the write: an answer without a readable requestId
// still says who was assigned, so the call is done, with a warning.
TEST(DecodeAssignProspectsResponseTest, AMissingOrUnreadableRequestIdIsAWarning) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"", "requestId is missing; left empty"},
      {R"("requestId": null,)", "requestId is missing; left empty"},
      {R"("requestId": 1.5,)", "requestId is not an id (1.5); left empty"},
      {"\"requestId\": \"r\xE9\",",
       "requestId is not an id ((text that is not UTF-8)); left empty"},
  };
  for (const auto& [field, warning] : table) {
    SCOPED_TRACE(field);
    const auto result = DecodeAssignProspectsResponse(
        "{" + field +
        R"( "prospectsAssigned": [{"flowId": "5", "flowInstanceId": "9",
            "crmProspectId": "00Q1", "flowInstanceCreateDate": "2024-01-17T16:20:05Z"}]})");
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->request_id, "");
    ASSERT_THAT(result->assigned, SizeIs(1));
    EXPECT_EQ(result->assigned[0].flow_instance_id, "9");
    EXPECT_THAT(result->warnings, ElementsAre(warning));
  }
}

TEST(DecodeAssignProspectsResponseTest, RefusesBodiesThatAreNotAJsonObject) {
  for (const char* body :
       {"", "<html>502 Bad Gateway</html>", "{", "[]", R"("text")", "42", "null"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeAssignProspectsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("JSON"));
  }
}

// --- DecodeOutcome(..., DecodeAssignProspectsResponse) ---------------------------------
// ----------------------------------------------------------

TEST(AssignProspectsOutcomeTest, AReadable200IsTheResult) {
  const GongResult<AssignProspectsResult> outcome = DecodeOutcome(
      GongAnswer{
          R"({"requestId": "r", "prospectsAssigned": [],
          "prospectsNotAssigned": [{"crmProspectId": "00Q2", "errorCode": "InvalidState"}]})"},
      DecodeAssignProspectsResponse);

  ASSERT_TRUE(std::holds_alternative<AssignProspectsResult>(outcome));
  const auto& result = std::get<AssignProspectsResult>(outcome);
  EXPECT_EQ(result.request_id, "r");
  ASSERT_THAT(result.not_assigned, SizeIs(1));
  EXPECT_EQ(result.not_assigned[0].error_code, AssignmentErrorCode::kInvalidState);
}

TEST(AssignProspectsOutcomeTest, AnUnreadable200IsMalformed) {
  const GongResult<AssignProspectsResult> outcome =
      DecodeOutcome(GongAnswer{"[]"}, DecodeAssignProspectsResponse);

  ASSERT_TRUE(std::holds_alternative<GongError>(outcome));
  const GongError& error = std::get<GongError>(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kMalformedAnswer);
  EXPECT_EQ(error.http_status, 200);
  EXPECT_EQ(error.detail, "body is not a JSON object");
}

TEST(AssignProspectsOutcomeTest, GongErrorsPassThrough) {
  const GongResult<AssignProspectsResult> outcome =
      DecodeOutcome(GongError::NoAnswer(GongError::Kind::kTimedOut, "deadline",
                                        /*may_have_acted=*/true),
                    DecodeAssignProspectsResponse);

  ASSERT_TRUE(std::holds_alternative<GongError>(outcome));
  const GongError& error = std::get<GongError>(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kTimedOut);
  EXPECT_TRUE(error.may_have_acted);
  EXPECT_EQ(error.detail, "deadline");
}

}  // namespace
}  // namespace gong::upstream
