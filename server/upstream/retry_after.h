// Gong's Retry-After header as a wait.
#pragma once

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::upstream {

// A Retry-After value as a wait from `now`: delay-seconds (a fraction taken
// as written) or an HTTP-date (one past is zero). A number too large for a
// Duration is InfiniteDuration: the quota caps every wait. Negative,
// non-finite or unreadable values are nullopt.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace gong::upstream
