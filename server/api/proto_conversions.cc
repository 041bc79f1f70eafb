#include "api/proto_conversions.h"

#include <cstdint>
#include <utility>

namespace gong::api::internal {

namespace v1 = flows::v1;

void ToTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  // ToUnixSeconds rounds toward the past, so the nanos are never negative,
  // as Timestamp requires.
  const int64_t seconds = absl::ToUnixSeconds(time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

v1::FlowInstanceStatus ToProto(upstream::FlowInstanceStatus status) {
  switch (status) {
    case upstream::FlowInstanceStatus::kPending:
      return v1::FLOW_INSTANCE_STATUS_PENDING;
    case upstream::FlowInstanceStatus::kRunning:
      return v1::FLOW_INSTANCE_STATUS_RUNNING;
    case upstream::FlowInstanceStatus::kPaused:
      return v1::FLOW_INSTANCE_STATUS_PAUSED;
    case upstream::FlowInstanceStatus::kFinishedNoReply:
      return v1::FLOW_INSTANCE_STATUS_FINISHED_NO_REPLY;
    case upstream::FlowInstanceStatus::kFinishedResponse:
      return v1::FLOW_INSTANCE_STATUS_FINISHED_RESPONSE;
    case upstream::FlowInstanceStatus::kFinished:
      return v1::FLOW_INSTANCE_STATUS_FINISHED;
    case upstream::FlowInstanceStatus::kUnspecified:
      break;
  }
  return v1::FLOW_INSTANCE_STATUS_UNSPECIFIED;
}

v1::FlowVisibility ToProto(upstream::FlowVisibility visibility) {
  switch (visibility) {
    case upstream::FlowVisibility::kCompany:
      return v1::FLOW_VISIBILITY_COMPANY;
    case upstream::FlowVisibility::kPersonal:
      return v1::FLOW_VISIBILITY_PERSONAL;
    case upstream::FlowVisibility::kShared:
      return v1::FLOW_VISIBILITY_SHARED;
    case upstream::FlowVisibility::kUnspecified:
      break;
  }
  return v1::FLOW_VISIBILITY_UNSPECIFIED;
}

v1::AssignmentErrorCode ToProto(upstream::AssignmentErrorCode code) {
  switch (code) {
    case upstream::AssignmentErrorCode::kInvalidArgument:
      return v1::ASSIGNMENT_ERROR_CODE_INVALID_ARGUMENT;
    case upstream::AssignmentErrorCode::kInvalidState:
      return v1::ASSIGNMENT_ERROR_CODE_INVALID_STATE;
    case upstream::AssignmentErrorCode::kUnexpectedError:
      return v1::ASSIGNMENT_ERROR_CODE_UNEXPECTED_ERROR;
    case upstream::AssignmentErrorCode::kUnspecified:
      break;
  }
  return v1::ASSIGNMENT_ERROR_CODE_UNSPECIFIED;
}

void ToProto(upstream::FlowInstance instance, v1::FlowInstance* out) {
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

void ToProto(upstream::Flow flow, v1::Flow* out) {
  out->set_flow_id(std::move(flow.flow_id));
  out->set_name(std::move(flow.name));
  out->set_folder_id(std::move(flow.folder_id));
  out->set_folder_name(std::move(flow.folder_name));
  out->set_visibility(ToProto(flow.visibility));
  if (flow.create_time.has_value())
    ToTimestamp(*flow.create_time, out->mutable_create_time());
  out->set_exclusive(flow.exclusive);
}

void ToProto(upstream::AssignmentFailure failure, v1::AssignmentFailure* out) {
  out->set_crm_prospect_id(std::move(failure.crm_prospect_id));
  out->set_flow_id(std::move(failure.flow_id));
  out->set_error_code(ToProto(failure.error_code));
  out->set_error_message(std::move(failure.error_message));
}

v1::FlowStepAction ToProto(upstream::FlowStepAction action) {
  switch (action) {
    case upstream::FlowStepAction::kSendEmail:
      return v1::FLOW_STEP_ACTION_SEND_EMAIL;
    case upstream::FlowStepAction::kAutoSendEmail:
      return v1::FLOW_STEP_ACTION_AUTO_SEND_EMAIL;
    case upstream::FlowStepAction::kCall:
      return v1::FLOW_STEP_ACTION_CALL;
    case upstream::FlowStepAction::kLinkedInConnect:
      return v1::FLOW_STEP_ACTION_LINKEDIN_CONNECT;
    case upstream::FlowStepAction::kLinkedInMessage:
      return v1::FLOW_STEP_ACTION_LINKEDIN_MESSAGE;
    case upstream::FlowStepAction::kCustom:
      return v1::FLOW_STEP_ACTION_CUSTOM;
    case upstream::FlowStepAction::kUnspecified:
      break;
  }
  return v1::FLOW_STEP_ACTION_UNSPECIFIED;
}

void ToProto(upstream::FlowFolder folder, v1::FlowFolder* out) {
  out->set_folder_id(std::move(folder.folder_id));
  out->set_name(std::move(folder.name));
  out->set_visibility(ToProto(folder.visibility));
  out->set_parent_folder_id(std::move(folder.parent_folder_id));
  out->set_parent_folder_name(std::move(folder.parent_folder_name));
  if (folder.create_time.has_value()) {
    ToTimestamp(*folder.create_time, out->mutable_create_time());
  }
}

void ToProto(upstream::FlowWithSteps flow, v1::FlowWithSteps* out) {
  out->set_flow_id(std::move(flow.flow_id));
  out->set_name(std::move(flow.name));
  out->set_folder_id(std::move(flow.folder_id));
  out->set_visibility(ToProto(flow.visibility));
  if (flow.create_time.has_value()) {
    ToTimestamp(*flow.create_time, out->mutable_create_time());
  }
  out->set_exclusive(flow.exclusive);
  out->set_description(std::move(flow.description));
  for (upstream::FlowStep& step : flow.steps) {
    v1::FlowStep* proto = out->add_steps();
    proto->set_step_id(std::move(step.step_id));
    proto->set_number(step.number);
    proto->set_action(ToProto(step.action));
    proto->set_subject(std::move(step.subject));
    proto->set_body(std::move(step.body));
    proto->set_is_reply(step.is_reply);
  }
}

}  // namespace gong::api::internal
