#include "api/grpc_code_names.h"

namespace gong::api {
namespace {

struct Names {
  absl::string_view canonical;
  absl::string_view camel;
};

constexpr Names kNames[] = {
    {"OK", "OK"},
    {"CANCELLED", "Canceled"},
    {"UNKNOWN", "Unknown"},
    {"INVALID_ARGUMENT", "InvalidArgument"},
    {"DEADLINE_EXCEEDED", "DeadlineExceeded"},
    {"NOT_FOUND", "NotFound"},
    {"ALREADY_EXISTS", "AlreadyExists"},
    {"PERMISSION_DENIED", "PermissionDenied"},
    {"RESOURCE_EXHAUSTED", "ResourceExhausted"},
    {"FAILED_PRECONDITION", "FailedPrecondition"},
    {"ABORTED", "Aborted"},
    {"OUT_OF_RANGE", "OutOfRange"},
    {"UNIMPLEMENTED", "Unimplemented"},
    {"INTERNAL", "Internal"},
    {"UNAVAILABLE", "Unavailable"},
    {"DATA_LOSS", "DataLoss"},
    {"UNAUTHENTICATED", "Unauthenticated"},
};

const Names& Lookup(grpc::StatusCode code) {
  const int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : kNames[2];  // UNKNOWN
}

}  // namespace

absl::string_view CanonicalCodeName(grpc::StatusCode code) {
  return Lookup(code).canonical;
}
absl::string_view CamelCodeName(grpc::StatusCode code) { return Lookup(code).camel; }

}  // namespace gong::api
