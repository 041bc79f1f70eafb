// Logging: one JSON object a line on stderr, safe from any thread, as log
// collectors in Kubernetes expect. Every line has "ts", "level" and "msg";
// callers add fields, each key once and none of those three. Callers never
// pass credentials, tokens, Authorization headers or email addresses.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"

namespace gong::base {

// A list of strings, written as a JSON array of strings.
using LogStrings = std::vector<std::string>;
using LogValue = std::variant<std::string, int64_t, double, bool, LogStrings>;
using LogFields = std::vector<std::pair<std::string, LogValue>>;

void LogInfo(absl::string_view message, const LogFields& fields = {});
void LogError(absl::string_view message, const LogFields& fields = {});

}  // namespace gong::base
