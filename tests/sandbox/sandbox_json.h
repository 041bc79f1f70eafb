// Gong's JSON as the sandbox's endpoints share it: reading request bodies
// (objects, ids, optional fields) with the texts of Gong-like 400 answers,
// and writing the pieces several answers hold (a flow instance, a date).
// Internal to the sandbox.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_flows.h"
#include "sandbox/sandbox_flows_model.h"

namespace gong::sandbox::internal {

// Serialises `value`. Error texts may quote client-sent bytes (a path, say);
// invalid UTF-8 is replaced so that this never throws on them.
std::string Dump(const nlohmann::json& value);

// Parses a request body that must be a JSON object. On failure the status
// message is the text of the 400 answer.
absl::StatusOr<nlohmann::json> ParseObject(absl::string_view body);

// True when `request` has no `field` or it is null: many JSON writers emit
// null for an unset optional field, so null means absent.
bool IsAbsent(const nlohmann::json& request, const std::string& field);

// One id: a non-empty string, or a JSON integer taken as its decimal text
// (Gong's ids are 64-bit; nlohmann keeps integers exact, and floats, which
// is what larger integers become, are refused). `where` names the value in
// the error text, e.g. "flowInstanceIds[3]".
absl::StatusOr<std::string> IdText(const nlohmann::json& item, absl::string_view where);

// The list of ids in `field` (which the caller has found present): a
// non-empty array of at most `max_ids` ids; `unique` refuses repeats.
absl::StatusOr<std::vector<std::string>> IdList(const nlohmann::json& request,
                                                const std::string& field, size_t max_ids,
                                                bool unique);

// An optional field that must be a string (OptionalId: an id) when present.
absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& request,
                                                          const std::string& field);
absl::StatusOr<std::optional<std::string>> OptionalId(const nlohmann::json& request,
                                                      const std::string& field);

// ISO-8601 in the company's offset, milliseconds only when there are some:
// "2026-11-30T09:15:00.250-08:00", "2026-11-30T09:15:00-08:00".
std::string GongTime(absl::Time time);

absl::string_view StatusName(FlowInstanceStatus status);
absl::string_view VisibilityName(FlowVisibility visibility);

// A flow instance as `prospectsAssigned[]` holds it, in both the lookup's
// and assign's answers.
nlohmann::json InstanceJson(const InstanceView& view);

}  // namespace gong::sandbox::internal
