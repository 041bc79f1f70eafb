#include "id_outcome.h"

#include <array>
#include <utility>

namespace gong::cli {
namespace {

// One table for both directions, so a name cannot be added one way only.
constexpr std::array<std::pair<IdOutcome, absl::string_view>, 9> kNames = {{
    {IdOutcome::kSending, "sending"},
    {IdOutcome::kUnassigned, "unassigned"},
    {IdOutcome::kStillAssigned, "still_assigned"},
    {IdOutcome::kAssigned, "assigned"},
    {IdOutcome::kNotAssigned, "not_assigned"},
    {IdOutcome::kFound, "found"},
    {IdOutcome::kNotFound, "not_found"},
    {IdOutcome::kUnknown, "unknown"},
    {IdOutcome::kFailed, "failed"},
}};

}  // namespace

absl::string_view OutcomeName(IdOutcome outcome) {
  for (const auto& [value, name] : kNames) {
    if (value == outcome) return name;
  }
  return "invalid";  // not an enumerator: a name ReadResults refuses
}

std::optional<IdOutcome> OutcomeFromName(absl::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

}  // namespace gong::cli
