// What a call's metadata says of the request it serves, as a service mesh
// passes it on: the W3C trace it belongs to (`traceparent`) and the id the
// mesh's proxy gave it (`x-request-id`). Both are the caller's to choose,
// so each is checked before the call keeps it for its log lines: what is not
// valid is left out, never logged raw.
#pragma once

#include <grpcpp/support/string_ref.h>

#include <cstddef>
#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace gong::api::internal {

// The longest x-request-id kept; a longer one is cut to this.
inline constexpr size_t kMaxRequestIdSize = 128;

// The trace id (32 lowercase hex digits) of a `traceparent` value as W3C
// Trace Context level 1 defines it, or "" when the value is not valid.
// Version 00 is exactly "00-<trace id>-<parent id>-<flags>"; a later
// version may carry more after a '-', which is not read; version ff, upper
// case hex and all-zero ids are invalid.
std::string TraceIdOf(absl::string_view traceparent);

// An `x-request-id` value as the call keeps it: at most kMaxRequestIdSize
// printable ASCII characters (a longer value is cut), or "" when it holds
// any other byte.
std::string RequestIdOf(absl::string_view x_request_id);

struct CallTrace {
  std::string trace_id;      // "" when absent or not valid
  std::string x_request_id;  // "" when absent or dropped
};

// Both, from a call's metadata (gRPC's client_metadata()). A header the
// call carries more than once is left out: which of them was meant is
// anyone's guess.
CallTrace ReadCallTrace(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

}  // namespace gong::api::internal
