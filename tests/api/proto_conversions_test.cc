// Unit tests for proto_conversions.h: Gong's instants, enums and records as
// the API's messages, nothing lost or shifted.
#include "api/proto_conversions.h"

#include <climits>
#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "upstream/gong_time.h"

namespace gong::api::internal {
namespace {

namespace v1 = flows::v1;

TEST(ToTimestampTest, KeepsTheInstantToTheNanosecond) {
  google::protobuf::Timestamp ts;
  ToTimestamp(*upstream::ParseGongTime("2024-03-05T10:20:30.123456789-08:00"), &ts);
  EXPECT_EQ(ts.seconds(), 1709662830);  // 18:20:30Z
  EXPECT_EQ(ts.nanos(), 123456789);
}

TEST(ToTimestampTest, BeforeTheEpochNanosStayPositive) {
  google::protobuf::Timestamp ts;
  ToTimestamp(absl::FromUnixMillis(-1), &ts);
  EXPECT_EQ(ts.seconds(), -1);
  EXPECT_EQ(ts.nanos(), 999000000);
}

// The gong layer leaves out dates past these bounds (InTimestampRange):
// they must be exactly the instants protobuf can write as JSON.
TEST(ToTimestampTest, TheGongLayersRangeIsTheOneProtobufPrints) {
  EXPECT_EQ(upstream::kMinTimestampSeconds,
            google::protobuf::util::TimeUtil::kTimestampMinSeconds);
  EXPECT_EQ(upstream::kMaxTimestampSeconds,
            google::protobuf::util::TimeUtil::kTimestampMaxSeconds);
  const absl::Time first = absl::FromUnixSeconds(upstream::kMinTimestampSeconds);
  const absl::Time last = absl::FromUnixSeconds(upstream::kMaxTimestampSeconds) +
                          absl::Nanoseconds(999999999);
  for (const absl::Time time :
       {first, last, first - absl::Nanoseconds(1), last + absl::Nanoseconds(1)}) {
    SCOPED_TRACE(absl::FormatTime(time, absl::UTCTimeZone()));
    google::protobuf::Timestamp ts;
    ToTimestamp(time, &ts);
    std::string json;
    EXPECT_EQ(google::protobuf::util::MessageToJsonString(ts, &json).ok(),
              upstream::InTimestampRange(time));
  }
}

TEST(ProtoConversionsTest, EveryStatusHasItsValue) {
  EXPECT_EQ(ToProto(upstream::FlowInstanceStatus::kPending),
            v1::FLOW_INSTANCE_STATUS_PENDING);
  EXPECT_EQ(ToProto(upstream::FlowInstanceStatus::kRunning),
            v1::FLOW_INSTANCE_STATUS_RUNNING);
  EXPECT_EQ(ToProto(upstream::FlowInstanceStatus::kPaused),
            v1::FLOW_INSTANCE_STATUS_PAUSED);
  EXPECT_EQ(ToProto(upstream::FlowInstanceStatus::kFinishedNoReply),
            v1::FLOW_INSTANCE_STATUS_FINISHED_NO_REPLY);
  EXPECT_EQ(ToProto(upstream::FlowInstanceStatus::kFinishedResponse),
            v1::FLOW_INSTANCE_STATUS_FINISHED_RESPONSE);
  EXPECT_EQ(ToProto(upstream::FlowInstanceStatus::kFinished),
            v1::FLOW_INSTANCE_STATUS_FINISHED);
  EXPECT_EQ(ToProto(upstream::FlowInstanceStatus::kUnspecified),
            v1::FLOW_INSTANCE_STATUS_UNSPECIFIED);
}

TEST(ProtoConversionsTest, EveryVisibilityAndErrorCodeHasItsValue) {
  EXPECT_EQ(ToProto(upstream::FlowVisibility::kCompany), v1::FLOW_VISIBILITY_COMPANY);
  EXPECT_EQ(ToProto(upstream::FlowVisibility::kPersonal), v1::FLOW_VISIBILITY_PERSONAL);
  EXPECT_EQ(ToProto(upstream::FlowVisibility::kShared), v1::FLOW_VISIBILITY_SHARED);
  EXPECT_EQ(ToProto(upstream::FlowVisibility::kUnspecified),
            v1::FLOW_VISIBILITY_UNSPECIFIED);
  EXPECT_EQ(ToProto(upstream::AssignmentErrorCode::kInvalidArgument),
            v1::ASSIGNMENT_ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(ToProto(upstream::AssignmentErrorCode::kInvalidState),
            v1::ASSIGNMENT_ERROR_CODE_INVALID_STATE);
  EXPECT_EQ(ToProto(upstream::AssignmentErrorCode::kUnexpectedError),
            v1::ASSIGNMENT_ERROR_CODE_UNEXPECTED_ERROR);
  EXPECT_EQ(ToProto(upstream::AssignmentErrorCode::kUnspecified),
            v1::ASSIGNMENT_ERROR_CODE_UNSPECIFIED);
}

TEST(ProtoConversionsTest, AFlowInstanceFieldForField) {
  upstream::FlowInstance instance;
  instance.flow_instance_id = "18446744073709551615";
  instance.flow_id = "7100";
  instance.flow_name = "Outbound";
  instance.crm_prospect_id = "003A";
  instance.owner_email = "ana@example.com";
  instance.owner_full_name = "Ana Silva";
  instance.create_time = absl::FromUnixSeconds(1700000000);
  instance.status = upstream::FlowInstanceStatus::kPaused;
  instance.workspace_id = "61";
  instance.exclusive = true;
  v1::FlowInstance out;
  ToProto(instance, &out);
  EXPECT_EQ(out.flow_instance_id(), "18446744073709551615");
  EXPECT_EQ(out.flow_id(), "7100");
  EXPECT_EQ(out.flow_name(), "Outbound");
  EXPECT_EQ(out.crm_prospect_id(), "003A");
  EXPECT_EQ(out.owner_email(), "ana@example.com");
  EXPECT_EQ(out.owner_full_name(), "Ana Silva");
  EXPECT_EQ(out.create_time().seconds(), 1700000000);
  EXPECT_EQ(out.status(), v1::FLOW_INSTANCE_STATUS_PAUSED);
  EXPECT_EQ(out.workspace_id(), "61");
  EXPECT_TRUE(out.exclusive());
}

TEST(ProtoConversionsTest, AnUnsetDateStaysUnset) {
  v1::FlowInstance instance_out;
  ToProto(upstream::FlowInstance{}, &instance_out);
  EXPECT_FALSE(instance_out.has_create_time());
  v1::Flow flow_out;
  ToProto(upstream::Flow{}, &flow_out);
  EXPECT_FALSE(flow_out.has_create_time());
}

TEST(ProtoConversionsTest, AFlowAndAFailureFieldForField) {
  upstream::Flow flow{"7100",
                      "Outbound",
                      "62",
                      "Sales",
                      upstream::FlowVisibility::kShared,
                      absl::FromUnixSeconds(5),
                      true};
  v1::Flow flow_out;
  ToProto(flow, &flow_out);
  EXPECT_EQ(flow_out.flow_id(), "7100");
  EXPECT_EQ(flow_out.name(), "Outbound");
  EXPECT_EQ(flow_out.folder_id(), "62");
  EXPECT_EQ(flow_out.folder_name(), "Sales");
  EXPECT_EQ(flow_out.visibility(), v1::FLOW_VISIBILITY_SHARED);
  EXPECT_EQ(flow_out.create_time().seconds(), 5);
  EXPECT_TRUE(flow_out.exclusive());

  v1::AssignmentFailure failure_out;
  ToProto(
      upstream::AssignmentFailure{"003A", "7100",
                                  upstream::AssignmentErrorCode::kInvalidState, "busy"},
      &failure_out);
  EXPECT_EQ(failure_out.crm_prospect_id(), "003A");
  EXPECT_EQ(failure_out.flow_id(), "7100");
  EXPECT_EQ(failure_out.error_code(), v1::ASSIGNMENT_ERROR_CODE_INVALID_STATE);
  EXPECT_EQ(failure_out.error_message(), "busy");
}

TEST(ProtoConversionsTest, ABulkJobKeepsEveryFieldAndCapsHugeCounts) {
  upstream::BulkAssignmentResult job;
  job.request_id = "r-1";
  job.bulk_assignment_id = "9200000000000000001";
  job.state = upstream::BulkAssignmentState::kInProgress;
  job.total_count = 50;
  job.processed_count = int64_t{1} << 40;  // past int32: capped
  job.succeeded_count = -3;                // never a negative count
  job.failed_count = 1;
  upstream::BulkAssignmentResultItem item;
  item.prospect.first_name = "Zoë";
  item.prospect.last_name = "Ray";
  item.prospect.email = "zoe@example.com";
  item.prospect.job_title = "CTO";
  item.prospect.linkedin_url = "https://www.linkedin.com/in/zoe";
  item.prospect.account_crm_id = "001A";
  item.prospect.company_name = "Acme";
  item.status = upstream::BulkProspectStatus::kCrmOperationFailed;
  item.crm_id = "00Q1";
  item.flow_instance_id = "9100000000000000001";
  item.error_code = "NotFound";
  item.error_message = "no such prospect";
  job.results.push_back(item);
  job.results.emplace_back();  // a status Gong added later: unspecified

  v1::BulkAssignment out;
  ToProto(job, &out);
  EXPECT_EQ(out.request_id(), "r-1");
  EXPECT_EQ(out.bulk_assignment_id(), "9200000000000000001");
  EXPECT_EQ(out.state(), v1::BULK_ASSIGNMENT_STATE_IN_PROGRESS);
  EXPECT_EQ(out.total_count(), 50);
  EXPECT_EQ(out.processed_count(), INT32_MAX);
  EXPECT_EQ(out.succeeded_count(), 0);
  EXPECT_EQ(out.failed_count(), 1);
  ASSERT_EQ(out.results_size(), 2);
  const v1::BulkAssignmentResult& result = out.results(0);
  EXPECT_EQ(result.prospect().first_name(), "Zoë");
  EXPECT_EQ(result.prospect().last_name(), "Ray");
  EXPECT_EQ(result.prospect().email(), "zoe@example.com");
  EXPECT_EQ(result.prospect().job_title(), "CTO");
  EXPECT_EQ(result.prospect().linkedin_url(), "https://www.linkedin.com/in/zoe");
  EXPECT_EQ(result.prospect().account_crm_id(), "001A");
  EXPECT_EQ(result.prospect().company_name(), "Acme");
  EXPECT_EQ(result.status(), v1::BULK_PROSPECT_STATUS_CRM_OPERATION_FAILED);
  EXPECT_EQ(result.crm_id(), "00Q1");
  EXPECT_EQ(result.flow_instance_id(), "9100000000000000001");
  EXPECT_EQ(result.error_code(), "NotFound");
  EXPECT_EQ(result.error_message(), "no such prospect");
  EXPECT_EQ(out.results(1).status(), v1::BULK_PROSPECT_STATUS_UNSPECIFIED);
}

TEST(ProtoConversionsTest, EveryBulkStateAndStatusHasItsValue) {
  EXPECT_EQ(ToProto(upstream::BulkAssignmentState::kPending),
            v1::BULK_ASSIGNMENT_STATE_PENDING);
  EXPECT_EQ(ToProto(upstream::BulkAssignmentState::kCompleted),
            v1::BULK_ASSIGNMENT_STATE_COMPLETED);
  EXPECT_EQ(ToProto(upstream::BulkAssignmentState::kFailed),
            v1::BULK_ASSIGNMENT_STATE_FAILED);
  EXPECT_EQ(ToProto(upstream::BulkAssignmentState::kUnspecified),
            v1::BULK_ASSIGNMENT_STATE_UNSPECIFIED);
  EXPECT_EQ(ToProto(upstream::BulkProspectStatus::kAssigned),
            v1::BULK_PROSPECT_STATUS_ASSIGNED);
  EXPECT_EQ(ToProto(upstream::BulkProspectStatus::kFlowAssignmentFailed),
            v1::BULK_PROSPECT_STATUS_FLOW_ASSIGNMENT_FAILED);
}

}  // namespace
}  // namespace gong::api::internal
