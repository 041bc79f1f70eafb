// Names of gRPC status codes, in the two spellings tools expect:
// "INVALID_ARGUMENT" (gRPC's canonical names, used in logs and by the CLI)
// and "InvalidArgument" (the grpc_code label of existing gRPC dashboards).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/strings/string_view.h"

namespace gong::api {

absl::string_view CanonicalCodeName(grpc::StatusCode code);
absl::string_view CamelCodeName(grpc::StatusCode code);

}  // namespace gong::api
