// JSON helpers shared by the Gong layer's readers (not part of its API).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gong::upstream::internal::json {

using Json = nlohmann::json;

// The deepest nesting of arrays and objects an answer may have. Gong's
// answers nest four levels at most; a limit well above that still keeps
// every walk over a parsed value (the parser, the destructor, a copy, a
// comparison, nlohmann's dump, all of them recursive or stack-hungry in
// places) far from the stack's end, whatever Gong sends.
inline constexpr size_t kMaxAnswerDepth = 64;

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

// `body` parsed. A DataLossError saying why when it is not JSON, or when it
// nests deeper than kMaxAnswerDepth (checked before anything is built, so
// no reader ever meets such a value). Never throws.
//
// A string whose bytes are not all UTF-8 does not fail the body: it is
// parsed as an unreadable text (IsUnreadableText), so that one bad byte in
// a name costs that field only, and text that is not UTF-8 can never reach
// a protobuf string (which would refuse to serialize).
absl::StatusOr<Json> Parse(absl::string_view body);

// Whether `value` is a string of the answer that was not UTF-8 (Parse
// holds it as an empty binary value, which JSON text cannot produce).
inline bool IsUnreadableText(const Json& value) { return value.is_binary(); }

}  // namespace gong::upstream::internal::json
