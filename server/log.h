// Minimal line logging to stderr, one line a call, safe from any thread.
// Callers never pass credentials, Authorization headers or email addresses.
#pragma once

#include "absl/strings/string_view.h"

namespace gong {

void LogInfo(absl::string_view message);
void LogError(absl::string_view message);

}  // namespace gong
