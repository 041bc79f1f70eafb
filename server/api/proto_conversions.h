// The Gong layer's plain results in the API's messages: flow instances,
// flows, assignment failures, their enums and their instants. The one place
// where gong::FlowInstance meets gong::flows::v1::FlowInstance, so every
// method that returns one returns it the same way.
#pragma once

#include "absl/time/time.h"
#include "gong/assign_codec.h"
#include "gong/flow_instance.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "gong/list_flows_codec.h"
#include "google/protobuf/timestamp.pb.h"

namespace gong {

// `time` exactly, to the nanosecond (absl::Time's finer digits are
// truncated toward the past).
void ToTimestamp(absl::Time time, google::protobuf::Timestamp* out);

flows::v1::FlowInstanceStatus ToProto(FlowInstanceStatus status);
flows::v1::FlowVisibility ToProto(FlowVisibility visibility);
flows::v1::AssignmentErrorCode ToProto(AssignmentErrorCode code);

// An unset create time leaves the message's unset.
void ToProto(FlowInstance instance, flows::v1::FlowInstance* out);
void ToProto(Flow flow, flows::v1::Flow* out);
void ToProto(AssignmentFailure failure, flows::v1::AssignmentFailure* out);

}  // namespace gong
