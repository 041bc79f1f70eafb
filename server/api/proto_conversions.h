// The Gong layer's plain results in the API's messages: flow instances,
// flows, folders, flows with steps, assignment failures, their enums and their instants.
// The one place where gong::upstream::FlowInstance meets gong::flows::v1::FlowInstance,
// so every method that returns one returns it the same way.
#pragma once

#include "absl/time/time.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "upstream/assign_prospects_codec.h"
#include "upstream/flow_instance.h"
#include "upstream/get_flow_steps_codec.h"
#include "upstream/list_flow_folders_codec.h"
#include "upstream/list_flows_codec.h"

namespace gong::api::internal {

// `time` exactly, to the nanosecond (absl::Time's finer digits are
// truncated toward the past).
void ToTimestamp(absl::Time time, google::protobuf::Timestamp* out);

flows::v1::FlowInstanceStatus ToProto(upstream::FlowInstanceStatus status);
flows::v1::FlowVisibility ToProto(upstream::FlowVisibility visibility);
flows::v1::AssignmentErrorCode ToProto(upstream::AssignmentErrorCode code);
flows::v1::FlowStepAction ToProto(upstream::FlowStepAction action);

// An unset create time leaves the message's unset.
void ToProto(upstream::FlowInstance instance, flows::v1::FlowInstance* out);
void ToProto(upstream::Flow flow, flows::v1::Flow* out);
void ToProto(upstream::AssignmentFailure failure, flows::v1::AssignmentFailure* out);
void ToProto(upstream::FlowFolder folder, flows::v1::FlowFolder* out);
void ToProto(upstream::FlowWithSteps flow, flows::v1::FlowWithSteps* out);

}  // namespace gong::api::internal
