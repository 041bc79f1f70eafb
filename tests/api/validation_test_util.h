// What the validation tests read of a validated request: the fields it was
// refused for, and the description of one of them.
#pragma once

#include <string>
#include <vector>

#include "api/violation_list.h"

namespace gong::api {

// The field paths of the listed violations, in order.
inline std::vector<std::string> FieldsOf(const ViolationList& violations) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : violations) fields.push_back(v.field);
  return fields;
}

// The description of `field`'s violation, or a text that says there is none.
template <typename T>
std::string DescriptionOf(const Validated<T>& validated, const std::string& field) {
  for (const FieldViolation& v : validated.violations) {
    if (v.field == field) return v.description;
  }
  return "<no violation for " + field + ">";
}

}  // namespace gong::api
