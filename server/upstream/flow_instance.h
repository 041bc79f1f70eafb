// One flow instance as Gong describes it (a prospect's membership of a
// flow), the shared model of every flows endpoint that lists instances
// (POST /v2/flows/prospects, .../assign), and its reading from and writing
// to Gong's JSON. No gRPC types here.
//
// Reading is lenient wherever Gong's answer stays usable: only the two ids
// that identify an instance (flowInstanceId, flowId) are required. Anything
// else that is absent reads as empty; what is present but unreadable (a
// date that is not RFC 3339, a name that is not a string) reads as empty or
// unset and leaves a warning for the caller to log, because refusing a whole
// answer over one field would hide from the caller what Gong did.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::upstream {

// Gong's flowInstanceStatus. Gong may add statuses; one this code does not
// know reads as kUnspecified rather than failing the answer.
enum class FlowInstanceStatus {
  kUnspecified,
  kPending,
  kRunning,
  kPaused,
  kFinishedNoReply,
  kFinishedResponse,
  kFinished,
};

// Gong's spelling ("FinishedNoReply"); "" for kUnspecified.
absl::string_view FlowInstanceStatusName(FlowInstanceStatus status);

// The status Gong's spelling names (matched exactly, as Gong's enum is);
// kUnspecified for any other text.
FlowInstanceStatus ParseFlowInstanceStatus(absl::string_view name);

struct FlowInstance {
  std::string flow_instance_id;  // Gong's flowInstanceId
  std::string flow_id;
  std::string flow_name;
  std::string crm_prospect_id;
  std::string owner_email;      // flowInstanceOwnerEmail
  std::string owner_full_name;  // flowInstanceOwnerFullName
  // flowInstanceCreateDate as the instant Gong meant (its offset applied,
  // fractional seconds kept); unset when Gong sent none or none readable.
  std::optional<absl::Time> create_time;
  FlowInstanceStatus status = FlowInstanceStatus::kUnspecified;
  std::string workspace_id;
  bool exclusive = false;
};

// One element of a list of instances in Gong's answer. `where` is its path
// in the answer ("prospectsAssigned[2]"), which every message starts with.
// Fails when `value` is not an object or a required id is missing or not an
// id (a string, or an integer: a number with a fraction or beyond 64 bits
// could only be passed on with digits lost). Appends a warning to
// `warnings` for each field it could not read.
absl::StatusOr<FlowInstance> DecodeFlowInstance(const nlohmann::json& value,
                                                absl::string_view where,
                                                std::vector<std::string>* warnings);

// The list `body[field]` (which must be an array) of instances, decoded
// with DecodeFlowInstance.
absl::StatusOr<std::vector<FlowInstance>> DecodeFlowInstanceList(
    const nlohmann::json& body, absl::string_view field,
    std::vector<std::string>* warnings);

// `instance` in Gong's shape, as DecodeFlowInstance reads it back: every
// text field written (empty ones as ""), the date only when set and the
// status only when known.
nlohmann::json EncodeFlowInstance(const FlowInstance& instance);

}  // namespace gong::upstream
