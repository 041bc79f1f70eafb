// Checks a CA bundle before the transport trusts it: curl reads the file
// only when it first connects, so a bundle that is garbage or empty would
// pass start-up and fail every call.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace gong::http {

// OK if `path` is a readable PEM file with at least one certificate; else
// an error that says which of those it is not.
absl::Status CheckCaBundle(const std::string& path);

}  // namespace gong::http
