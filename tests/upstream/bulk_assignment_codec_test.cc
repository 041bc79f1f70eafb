// Unit tests for the bulk assignments' codec (server/upstream/bulk_assignment_codec.h):
// the start's GongRequest and exact JSON body (only the prospects' fields that are set),
// the job's GET with its id kept inside one path segment, and the job Gong answers
// (required id and state, lenient counts and results, every refusal naming its field).
#include "upstream/bulk_assignment_codec.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/json_test_util.h"

namespace gong::upstream {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Json = nlohmann::json;

StartBulkAssignmentParams TwoProspects() {
  StartBulkAssignmentParams params;
  params.flow_id = "5001";
  params.owner_email = "ann@example.com";
  BulkProspect known;
  known.crm_id = "00Q1";
  BulkProspect unknown;
  unknown.first_name = "Zoë";
  unknown.last_name = "Ray";
  unknown.email = "zoe@example.com";
  unknown.job_title = "CTO";
  unknown.linkedin_url = "https://www.linkedin.com/in/zoe";
  unknown.account_crm_id = "001A";
  unknown.company_name = "Acme";
  params.prospects = {known, unknown};
  return params;
}

// --- Encoding

TEST(EncodeStartBulkAssignmentTest, SendsOnlyTheFieldsThatAreSet) {
  EXPECT_EQ(support::ParseOrFail(EncodeStartBulkAssignmentBody(TwoProspects())),
            support::ParseOrFail(R"({
      "flowId": "5001", "flowInstanceOwnerEmail": "ann@example.com",
      "prospects": [
        {"crmId": "00Q1"},
        {"firstName": "Zoë", "lastName": "Ray", "email": "zoe@example.com",
         "jobTitle": "CTO", "linkedInUrl": "https://www.linkedin.com/in/zoe",
         "accountCrmId": "001A", "companyName": "Acme"}]})"));
}

TEST(EncodeStartBulkAssignmentTest, IsAWriteToTheJobsPath) {
  const absl::Time deadline = absl::FromUnixSeconds(1000);
  const GongRequest request = EncodeStartBulkAssignment(TwoProspects(), deadline);

  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v2/flows/prospects/bulk-assignments");
  EXPECT_EQ(request.idempotency, Idempotency::kNotIdempotent);
  EXPECT_EQ(request.deadline, deadline);
  EXPECT_EQ(request.items, 2u);
  EXPECT_TRUE(request.query.empty());
}

TEST(EncodeGetBulkAssignmentTest, IsAReadOfTheJobByIdWithABoundedEndpointName) {
  const GongRequest request = EncodeGetBulkAssignment({"9007199254740993"}, absl::Now());

  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path, "/v2/flows/prospects/bulk-assignments/9007199254740993");
  EXPECT_EQ(request.endpoint, "/v2/flows/prospects/bulk-assignments/{id}");
  EXPECT_EQ(request.idempotency, Idempotency::kIdempotent);
  EXPECT_TRUE(request.json_body.empty());
}

// Validation refuses such ids first; the codec still never lets one leave
// its segment.
TEST(EncodeGetBulkAssignmentTest, AnIdStaysInsideItsPathSegment) {
  const struct {
    std::string id;
    std::string segment;
  } cases[] = {
      {"..", "%2E%2E"},
      {".", "%2E"},
      {"../../v2/users", "..%2F..%2Fv2%2Fusers"},
      {"a%2Fb", "a%252Fb"},
      {"a?b#c d", "a%3Fb%23c%20d"},
      {"job.1_x~-", "job.1_x~-"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id);
    EXPECT_EQ(EncodeGetBulkAssignment({c.id}, absl::Now()).path,
              absl::StrCat("/v2/flows/prospects/bulk-assignments/", c.segment));
  }
}

// --- Decoding

constexpr char kCompletedJob[] = R"({
  "requestId": "r-1", "id": 9007199254740993, "status": "COMPLETED",
  "totalCount": 3, "processedCount": 3, "successCount": 1, "failedCount": 2,
  "results": [
    {"prospect": {"firstName": "Zoë", "lastName": "Ray", "email": "zoe@example.com"},
     "status": "ASSIGNED", "crmId": "00Q9", "flowInstanceId": 9007199254740995},
    {"prospect": {"crmId": 12}, "status": "FLOW_ASSIGNMENT_FAILED",
     "errorCode": "InvalidState", "errorMessage": "already in an exclusive flow"},
    {"prospect": {"crmId": "00QX"}, "status": "CRM_OPERATION_FAILED",
     "errorCode": "UnexpectedError", "errorMessage": "no such prospect"}]})";

TEST(DecodeBulkAssignmentResponseTest, ReadsAJobWithEveryField) {
  const absl::StatusOr<BulkAssignmentResult> job =
      DecodeBulkAssignmentResponse(kCompletedJob);

  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->request_id, "r-1");
  EXPECT_EQ(job->bulk_assignment_id, "9007199254740993");
  EXPECT_EQ(job->state, BulkAssignmentState::kCompleted);
  EXPECT_TRUE(IsFinal(job->state));
  EXPECT_EQ(job->total_count, 3);
  EXPECT_EQ(job->processed_count, 3);
  EXPECT_EQ(job->succeeded_count, 1);
  EXPECT_EQ(job->failed_count, 2);
  ASSERT_THAT(job->results, SizeIs(3));
  EXPECT_EQ(job->results[0].prospect.first_name, "Zoë");
  EXPECT_EQ(job->results[0].prospect.last_name, "Ray");
  EXPECT_EQ(job->results[0].prospect.email, "zoe@example.com");
  EXPECT_EQ(job->results[0].status, BulkProspectStatus::kAssigned);
  EXPECT_EQ(job->results[0].crm_id, "00Q9");
  EXPECT_EQ(job->results[0].flow_instance_id, "9007199254740995");
  EXPECT_EQ(job->results[1].prospect.crm_id, "12");
  EXPECT_EQ(job->results[1].status, BulkProspectStatus::kFlowAssignmentFailed);
  EXPECT_EQ(job->results[1].error_code, "InvalidState");
  EXPECT_EQ(job->results[2].status, BulkProspectStatus::kCrmOperationFailed);
  EXPECT_EQ(job->results[2].error_message, "no such prospect");
  EXPECT_THAT(job->warnings, IsEmpty());
}

TEST(DecodeBulkAssignmentResponseTest, APendingJobWithoutResultsHasNone) {
  const absl::StatusOr<BulkAssignmentResult> job = DecodeBulkAssignmentResponse(
      R"({"requestId": "r", "id": "b-1", "status": "PENDING", "totalCount": 50})");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, BulkAssignmentState::kPending);
  EXPECT_FALSE(IsFinal(job->state));
  EXPECT_EQ(job->total_count, 50);
  EXPECT_THAT(job->results, IsEmpty());
  EXPECT_THAT(job->warnings, IsEmpty());
  const absl::StatusOr<BulkAssignmentResult> null_results = DecodeBulkAssignmentResponse(
      R"({"requestId": "r", "id": "b-1", "status": "IN_PROGRESS", "results": null})");
  ASSERT_TRUE(null_results.ok()) << null_results.status();
  EXPECT_EQ(null_results->state, BulkAssignmentState::kInProgress);
  EXPECT_THAT(null_results->results, IsEmpty());
}

TEST(DecodeBulkAssignmentResponseTest, AnUnknownStateIsUnspecifiedNeverAnEnd) {
  const absl::StatusOr<BulkAssignmentResult> job = DecodeBulkAssignmentResponse(
      R"({"requestId": "r", "id": "b-1", "status": "PAUSED",
          "results": [{"status": "SKIPPED"}]})");

  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->state, BulkAssignmentState::kUnspecified);
  EXPECT_FALSE(IsFinal(job->state));
  ASSERT_THAT(job->results, SizeIs(1));
  EXPECT_EQ(job->results[0].status, BulkProspectStatus::kUnspecified);
  ASSERT_THAT(job->warnings, SizeIs(1));
  EXPECT_THAT(job->warnings[0], HasSubstr("PAUSED"));
}

TEST(DecodeBulkAssignmentResponseTest, OddOptionalFieldsAreReadAsEmptyWithAWarning) {
  const absl::StatusOr<BulkAssignmentResult> job = DecodeBulkAssignmentResponse(
      R"({"requestId": "r", "id": "b-1", "status": "IN_PROGRESS", "totalCount": "3",
          "processedCount": 1.5, "newField": {"x": 1},
          "results": [{"prospect": "Zoë", "status": "ASSIGNED", "crmId": 1.0,
                       "errorMessage": 7},
                      {"prospect": {"firstName": 3, "crmId": "00Q1"}}]})");

  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->total_count, 0);
  EXPECT_EQ(job->processed_count, 0);
  ASSERT_THAT(job->results, SizeIs(2));
  EXPECT_EQ(job->results[0].crm_id, "");
  EXPECT_EQ(job->results[1].prospect.crm_id, "00Q1");
  EXPECT_EQ(job->results[1].prospect.first_name, "");
  std::string all;
  for (const std::string& w : job->warnings) absl::StrAppend(&all, w, "\n");
  EXPECT_THAT(all, HasSubstr("totalCount"));
  EXPECT_THAT(all, HasSubstr("processedCount"));
  EXPECT_THAT(all, HasSubstr("results[0].prospect "));
  EXPECT_THAT(all, HasSubstr("results[0].crmId"));
  EXPECT_THAT(all, HasSubstr("results[0].errorMessage"));
  EXPECT_THAT(all, HasSubstr("results[1].prospect.firstName"));
}

TEST(DecodeBulkAssignmentResponseTest, RefusesAnswersWithoutWhatACallerFollows) {
  const struct {
    const char* body;
    const char* names;
  } cases[] = {
      {"not json", ""},
      {"[]", "object"},
      {R"({"id": "b", "status": "PENDING"})", "requestId"},
      {R"({"requestId": "r", "status": "PENDING"})", "id"},
      {R"({"requestId": "r", "id": "", "status": "PENDING"})", "id"},
      {R"({"requestId": "r", "id": 1.5, "status": "PENDING"})", "id"},
      {R"({"requestId": "r", "id": "b"})", "status"},
      {R"({"requestId": "r", "id": "b", "status": 2})", "status"},
      {R"({"requestId": "r", "id": "b", "status": "PENDING", "results": {}})", "results"},
      {R"({"requestId": "r", "id": "b", "status": "PENDING", "results": [1]})",
       "results[0]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    const absl::StatusOr<BulkAssignmentResult> job = DecodeBulkAssignmentResponse(c.body);
    ASSERT_FALSE(job.ok());
    EXPECT_THAT(job.status().message(), HasSubstr(c.names));
  }
}

TEST(DecodeBulkAssignmentResponseTest, ReadsAFullJobOfFiftyAsSent) {
  Json results = Json::array();
  for (int i = 0; i < 50; ++i) {
    results.push_back(
        {{"prospect", {{"firstName", absl::StrCat("F", i)}, {"lastName", "L"}}},
         {"status", "ASSIGNED"},
         {"crmId", absl::StrCat("00Q", i)},
         {"flowInstanceId", std::to_string(1000 + i)}});
  }
  const Json body = {{"requestId", "r"}, {"id", "b"},          {"status", "COMPLETED"},
                     {"totalCount", 50}, {"successCount", 50}, {"results", results}};
  const absl::StatusOr<BulkAssignmentResult> job =
      DecodeBulkAssignmentResponse(body.dump());

  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_THAT(job->results, SizeIs(50));
  EXPECT_EQ(job->results[49].prospect.first_name, "F49");
  EXPECT_EQ(job->results[49].flow_instance_id, "1049");
  EXPECT_EQ(job->succeeded_count, 50);
}

TEST(BulkAssignmentNamesTest, SpellStatesAndStatusesAsGongDoes) {
  EXPECT_EQ(BulkAssignmentStateName(BulkAssignmentState::kInProgress), "IN_PROGRESS");
  EXPECT_EQ(BulkAssignmentStateName(BulkAssignmentState::kUnspecified), "");
  EXPECT_EQ(BulkProspectStatusName(BulkProspectStatus::kCrmOperationFailed),
            "CRM_OPERATION_FAILED");
  EXPECT_EQ(BulkProspectStatusName(BulkProspectStatus::kUnspecified), "");
}

}  // namespace
}  // namespace gong::upstream
