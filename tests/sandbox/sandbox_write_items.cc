// Which ids a write's body names: what the sandbox counts per id, so that
// tests can see whether anything was written twice. See WriteItems in
// sandbox_endpoints.h.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_json.h"

namespace gong::sandbox::internal {

std::vector<std::string> WriteItems(const Endpoint& endpoint, absl::string_view body,
                                    size_t items_to_do) {
  std::vector<std::string> items;
  if (endpoint.items_field.empty()) return items;
  absl::StatusOr<nlohmann::json> request = ParseObject(body);
  const std::string field(endpoint.items_field);
  if (!request.ok() || IsAbsent(*request, field)) return items;
  const nlohmann::json& named = request->at(field);
  if (!named.is_array()) {
    if (absl::StatusOr<std::string> id = IdText(named, field); id.ok()) {
      items.push_back(*std::move(id));
    }
    return items;
  }
  const size_t limit =
      items_to_do == 0 ? named.size() : std::min(items_to_do, named.size());
  for (size_t i = 0; i < limit; ++i) {
    if (absl::StatusOr<std::string> id = IdText(named[i], field); id.ok()) {
      items.push_back(*std::move(id));
    }
  }
  return items;
}

}  // namespace gong::sandbox::internal
