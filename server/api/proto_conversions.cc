#include "api/proto_conversions.h"

#include <cstdint>
#include <utility>

namespace gong {

namespace v1 = flows::v1;

void ToTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  // ToUnixSeconds rounds toward the past, so the nanos are never negative,
  // as Timestamp requires.
  const int64_t seconds = absl::ToUnixSeconds(time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

v1::FlowInstanceStatus ToProto(FlowInstanceStatus status) {
  switch (status) {
    case FlowInstanceStatus::kPending:
      return v1::FLOW_INSTANCE_STATUS_PENDING;
    case FlowInstanceStatus::kRunning:
      return v1::FLOW_INSTANCE_STATUS_RUNNING;
    case FlowInstanceStatus::kPaused:
      return v1::FLOW_INSTANCE_STATUS_PAUSED;
    case FlowInstanceStatus::kFinishedNoReply:
      return v1::FLOW_INSTANCE_STATUS_FINISHED_NO_REPLY;
    case FlowInstanceStatus::kFinishedResponse:
      return v1::FLOW_INSTANCE_STATUS_FINISHED_RESPONSE;
    case FlowInstanceStatus::kFinished:
      return v1::FLOW_INSTANCE_STATUS_FINISHED;
    case FlowInstanceStatus::kUnspecified:
      break;
  }
  return v1::FLOW_INSTANCE_STATUS_UNSPECIFIED;
}

v1::FlowVisibility ToProto(FlowVisibility visibility) {
  switch (visibility) {
    case FlowVisibility::kCompany:
      return v1::FLOW_VISIBILITY_COMPANY;
    case FlowVisibility::kPersonal:
      return v1::FLOW_VISIBILITY_PERSONAL;
    case FlowVisibility::kShared:
      return v1::FLOW_VISIBILITY_SHARED;
    case FlowVisibility::kUnspecified:
      break;
  }
  return v1::FLOW_VISIBILITY_UNSPECIFIED;
}

v1::AssignmentErrorCode ToProto(AssignmentErrorCode code) {
  switch (code) {
    case AssignmentErrorCode::kInvalidArgument:
      return v1::ASSIGNMENT_ERROR_CODE_INVALID_ARGUMENT;
    case AssignmentErrorCode::kInvalidState:
      return v1::ASSIGNMENT_ERROR_CODE_INVALID_STATE;
    case AssignmentErrorCode::kUnexpectedError:
      return v1::ASSIGNMENT_ERROR_CODE_UNEXPECTED_ERROR;
    case AssignmentErrorCode::kUnspecified:
      break;
  }
  return v1::ASSIGNMENT_ERROR_CODE_UNSPECIFIED;
}

void ToProto(FlowInstance instance, v1::FlowInstance* out) {
  out->set_flow_instance_id(std::move(instance.flow_instance_id));
  out->set_flow_id(std::move(instance.flow_id));
  out->set_flow_name(std::move(instance.flow_name));
  out->set_crm_prospect_id(std::move(instance.crm_prospect_id));
  out->set_owner_email(std::move(instance.owner_email));
  out->set_owner_full_name(std::move(instance.owner_full_name));
  if (instance.create_time.has_value()) {
    ToTimestamp(*instance.create_time, out->mutable_create_time());
  }
  out->set_status(ToProto(instance.status));
  out->set_workspace_id(std::move(instance.workspace_id));
  out->set_exclusive(instance.exclusive);
}

void ToProto(Flow flow, v1::Flow* out) {
  out->set_flow_id(std::move(flow.flow_id));
  out->set_name(std::move(flow.name));
  out->set_folder_id(std::move(flow.folder_id));
  out->set_folder_name(std::move(flow.folder_name));
  out->set_visibility(ToProto(flow.visibility));
  if (flow.create_time.has_value())
    ToTimestamp(*flow.create_time, out->mutable_create_time());
  out->set_exclusive(flow.exclusive);
}

void ToProto(AssignmentFailure failure, v1::AssignmentFailure* out) {
  out->set_crm_prospect_id(std::move(failure.crm_prospect_id));
  out->set_flow_id(std::move(failure.flow_id));
  out->set_error_code(ToProto(failure.error_code));
  out->set_error_message(std::move(failure.error_message));
}

}  // namespace gong
