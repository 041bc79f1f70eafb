// The codec of Gong's flow steps, POST /v2/flows/steps: flows by id with
// their steps. Its plain C++ query and result, the GongRequest that carries
// one, and the reading of Gong's 200 body. No gRPC types here.
//
// Despite the POST it is a read (scope api:flows:read): asking twice
// changes nothing, so it may be retried freely. Gong answers for all the
// flows or none: one unknown flow fails the request with a 404.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/gong_request.h"
#include "upstream/list_flows_codec.h"

namespace gong::upstream {

inline constexpr absl::string_view kGetFlowStepsPath = "/v2/flows/steps";
// Gong's cap on the flow ids of one request (and so of a merged one).
inline constexpr size_t kMaxFlowIdsPerSteps = 20;

// What a step does. Gong may add kinds; one this facade does not know is
// kUnspecified rather than an error.
enum class FlowStepAction {
  kUnspecified,
  kSendEmail,
  kAutoSendEmail,
  kCall,
  kLinkedInConnect,
  kLinkedInMessage,
  kCustom,
};

struct FlowStep {
  std::string step_id;  // "" when Gong gave none
  // Gong's stepOrder, from 1: the number assign's step overrides take. 0
  // when Gong gave none, or one that is no step number (below 1, or past
  // int32), with a warning.
  int32_t number = 0;
  FlowStepAction action = FlowStepAction::kUnspecified;
  std::string subject;
  std::string body;
  bool is_reply = false;
};

struct FlowWithSteps {
  std::string flow_id;
  std::string name;
  std::string folder_id;  // "" when Gong gave none
  FlowVisibility visibility = FlowVisibility::kUnspecified;
  std::optional<absl::Time> create_time;  // unset when unreadable
  bool exclusive = false;
  std::string description;
  std::vector<FlowStep> steps;  // in Gong's order
};

struct GetFlowStepsParams {
  std::vector<std::string> flow_ids;  // 1..kMaxFlowIdsPerSteps, distinct
};

struct GetFlowStepsResult {
  std::string request_id;
  std::vector<FlowWithSteps> flows;  // in Gong's order
  // What was read with loss but not refused, in words for logs.
  std::vector<std::string> warnings;
};

// {"flowIds": [...]}.
std::string EncodeGetFlowStepsBody(const GetFlowStepsParams& query);

// The GongRequest for `query`: a read, due at `deadline`.
GongRequest EncodeGetFlowSteps(const GetFlowStepsParams& query, absl::Time deadline);

// A 200's body: {"requestId", "flows": [{"id", "name", "folderId",
// "visibility", "creationDate", "exclusive", "description", "steps": [{"id",
// "stepOrder", "action", "subject", "body", "isReply"}]}]}. Unknown fields
// are ignored; a body that is not a JSON object, without the flows array,
// a flow without its id, or steps that are not an array of objects is an
// error naming the field; any other field absent reads as empty, and one
// of the wrong type as empty with a warning. An action this facade does not
// know is kUnspecified, silently.
absl::StatusOr<GetFlowStepsResult> DecodeGetFlowStepsResponse(absl::string_view body);

// Only the flows of `body` (a 200's, readable by DecodeGetFlowStepsResponse)
// whose id is one of `flow_ids`, each as Gong wrote it, with Gong's
// requestId: a merged request's answer cut to one caller's flows, losing
// nothing Gong wrote about them. An unreadable body is returned unchanged,
// for the codec to report.
std::string KeepFlowSteps(absl::string_view body,
                          const std::vector<std::string>& flow_ids);

}  // namespace gong::upstream
