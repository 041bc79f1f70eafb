// The codec of Gong's POST /v2/flows/prospects/assign: putting prospects
// (by CRM id) into a flow. Its plain C++ request and result, the
// GongRequest that carries one, and the reading of Gong's 200 body. No gRPC
// types here.
//
// A write: Gong creates a flow instance per prospect, and sending the same
// request twice can assign twice. Gong answers 200 for a partial success,
// listing the prospects it assigned and those it did not, each with why.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upstream/flow_instance.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_request.h"
#include "upstream/gong_result.h"

namespace gong::upstream {

inline constexpr absl::string_view kAssignProspectsPath = "/v2/flows/prospects/assign";
// Gong takes at most this many CRM prospect ids a request.
inline constexpr size_t kMaxProspectsPerAssign = 100;

// What Gong lets the assigner change in the flow for these prospects (a
// beta part of Gong's API).
struct AssignProspectsOverrides {
  struct Step {
    int number = 0;  // 1-based, as in Gong
    std::string subject;
    std::string body;
  };
  struct Variable {
    std::string name;
    std::string value;
  };
  std::vector<Step> steps;
  std::vector<Variable> flow_instance_variables;
  bool cool_off_override = false;
};

struct AssignProspectsParams {
  std::vector<std::string> crm_prospect_ids;  // 1..kMaxProspectsPerAssign
  std::string flow_id;
  std::string flow_instance_owner_email;
  std::optional<AssignProspectsOverrides> overrides;  // not sent when unset
  std::string flow_instance_description;              // "" = not sent
};

// Gong's errorCode for a prospect it did not assign. Gong may add codes; one
// this code does not know reads as kUnspecified.
enum class AssignmentErrorCode {
  kUnspecified,
  kInvalidArgument,
  kInvalidState,
  kUnexpectedError,
};

// Gong's spelling ("InvalidState"); "" for kUnspecified.
absl::string_view AssignmentErrorCodeName(AssignmentErrorCode code);

// The code Gong's spelling names (matched exactly); kUnspecified for any
// other text.
AssignmentErrorCode ParseAssignmentErrorCode(absl::string_view name);

// One prospect Gong did not assign (an element of prospectsNotAssigned).
struct AssignmentFailure {
  std::string crm_prospect_id;
  std::string flow_id;
  AssignmentErrorCode error_code = AssignmentErrorCode::kUnspecified;
  std::string error_message;
};

struct AssignProspectsResult {
  std::string request_id;
  std::vector<FlowInstance> assigned;           // prospectsAssigned, new instances
  std::vector<AssignmentFailure> not_assigned;  // prospectsNotAssigned
  // Fields of Gong's answer that could not be read and were left empty or
  // unset, for the caller to log.
  std::vector<std::string> warnings;
};

// The GongRequest for `request`: a write (Gong acts on it), due at
// `deadline`.
GongRequest EncodeAssignProspects(const AssignProspectsParams& request,
                                  absl::Time deadline);

// {"crmProspectsIds", "flowId", "flowInstanceOwnerEmail"}, plus
// "flowInstanceDescription" when not empty and "overrides" when set. Inside
// overrides only what overrides something is sent: "steps" and
// "flowInstanceVariables" when not empty, "coolOffOverride" only when true
// (false is Gong's behaviour without it), so set but empty overrides are
// sent as {}.
std::string EncodeAssignProspectsBody(const AssignProspectsParams& request);

// A 200's body: {"requestId", "prospectsAssigned": [...],
// "prospectsNotAssigned": [...]}. prospectsAssigned is required (an answer
// without it cannot say what Gong did); prospectsNotAssigned absent or null
// reads as none. A failure must name its crmProspectId: without it the
// caller cannot tell which prospect failed. Unknown fields are ignored;
// any other shape is an error whose message says what was wrong.
absl::StatusOr<AssignProspectsResult> DecodeAssignProspectsResponse(
    absl::string_view body);

}  // namespace gong::upstream
