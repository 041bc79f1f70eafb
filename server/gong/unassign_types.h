// Plain C++ values for Gong's unassign-by-instance-id call: what the Gong
// client takes and what it gives back. No gRPC or JSON types here.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "http/http_transport.h"

namespace gong {

struct UnassignRequest {
  std::vector<std::string> flow_instance_ids;  // distinct, 1..200
  std::string unassigned_by_user_email;        // "" when not given
};

struct UnassignResult {
  std::string request_id;
  std::vector<std::string> unassigned_flow_instance_ids;  // as Gong listed
};

// Why Gong gave no usable answer.
struct GongError {
  enum class Kind {
    kHttpStatus,         // Gong answered with a status other than 200
    kMalformedResponse,  // Gong answered 200 with a body not of its shape
    kTransport,          // no answer at all: see `transport_failure`
    // Refused here, to keep within Gong's quota (never sent):
    kQueueFull,          // too many calls already wait for their turn
    kWouldMissDeadline,  // the call's turn would come after its deadline
  };
  Kind kind = Kind::kHttpStatus;
  int http_status = 0;                   // when Gong answered
  std::string gong_request_id;           // when Gong's body carried one
  std::vector<std::string> errors;       // Gong's errors[] texts
  std::optional<absl::Duration> retry_after;  // Retry-After, or when to retry
  http::TransportFailure transport_failure = http::TransportFailure::kOther;
  // kTransport only: how far the request got (may Gong have acted?).
  http::Delivery delivery = http::Delivery::kMaybeProcessed;
  std::string detail;  // parse or transport detail, for messages and logs
};

using UnassignOutcome = std::variant<UnassignResult, GongError>;

}  // namespace gong
