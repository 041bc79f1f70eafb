// A call's priority in the quota steward's queue, from its metadata:
// `x-gong-flows-priority: interactive` (a person or a trigger waits on the
// answer; also what a call without the header gets) or `background` (bulk
// work, which yields to interactive calls and stops first when the day's
// Gong budget runs low). The caller chooses it, so it is checked: a value
// the facade does not know is refused rather than guessed at, since a bulk
// job that misspells `background` would otherwise crowd out the very calls
// the priority protects.
#pragma once

#include <grpcpp/support/string_ref.h>

#include <cstddef>
#include <map>
#include <optional>

#include "absl/strings/string_view.h"
#include "upstream/gong_request.h"

namespace gong::api {

inline constexpr absl::string_view kPriorityHeader = "x-gong-flows-priority";
// The longest value read; a longer one is refused without being looked at.
inline constexpr size_t kMaxPriorityValueSize = 32;

// "interactive" or "background": the header's values, and the call log's.
absl::string_view PriorityName(upstream::Priority priority);

// The priority a call's metadata (gRPC's client_metadata()) asks for:
// interactive when the header is absent; nullopt when it is not valid (a
// value other than the two names, exactly as written; one over
// kMaxPriorityValueSize bytes; or the header more than once with different
// values: which was meant is anyone's guess, and guessing interactive would
// let background work jump the queue).
std::optional<upstream::Priority> ReadCallPriority(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

}  // namespace gong::api
