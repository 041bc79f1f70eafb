// Checks an UnassignByInstanceIds request before anything is sent to Gong,
// and turns a valid one into the Gong client's plain request.
#pragma once

#include <vector>

#include "api/error_details.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "gong/unassign_codec.h"

namespace gong {

inline constexpr size_t kMaxIdBytes = 128;
inline constexpr size_t kMaxEmailBytes = 254;  // RFC 5321's path limit

struct ValidatedRequest {
  UnassignRequest request;                 // distinct ids, first-seen order
  std::vector<FieldViolation> violations;  // empty when the request is valid
};

// Every problem is reported, each against the field that has it
// ("flow_instance_ids", "flow_instance_ids[3]", "unassigned_by_user_email"),
// so a caller can fix them all in one go.
ValidatedRequest ValidateUnassignRequest(
    const flows::v1::UnassignByInstanceIdsRequest& request);

}  // namespace gong
