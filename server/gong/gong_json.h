// JSON helpers shared by the Gong layer's readers (not part of its API).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/string_view.h"

namespace gong::json {

using Json = nlohmann::json;

// A Gong id as text: a string as is, an integer with every digit. Gong's ids
// are 64-bit numbers, some sent as JSON numbers above 2^53: a double (which
// nlohmann also makes of integers too large for 64 bits) would have lost
// digits, so floating-point numbers are refused.
inline bool IdText(const Json& value, std::string* out) {
  if (value.is_string()) {
    *out = value.get<std::string>();
    return true;
  }
  if (value.is_number_integer()) {  // signed or unsigned, exact
    *out = value.dump();
    return true;
  }
  return false;
}

// `body` parsed, or a discarded value when it is not JSON (never throws).
inline Json Parse(absl::string_view body) {
  return Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
}

}  // namespace gong::json
