// The id list of a merged request: each id once, in arrival order, and no
// more distinct ids than the endpoint takes. What every coalescing policy of
// an id-list endpoint (unassign, lookup) keeps while parts join. Internal
// to the policies.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace gong::quota::internal {

class DistinctIds {
 public:
  explicit DistinctIds(size_t cap) : cap_(cap) {}

  // Appends to `list` those of `ids` not in it yet, if the list then holds
  // at most the cap; false, and nothing appended, if it would not.
  bool TryAppend(const std::vector<std::string>& ids, std::vector<std::string>* list) {
    size_t added = 0;
    for (const std::string& id : ids) added += !seen_.contains(id);
    if (seen_.size() + added > cap_) return false;
    for (const std::string& id : ids) {
      if (seen_.insert(id).second) list->push_back(id);
    }
    return true;
  }

 private:
  const size_t cap_;
  absl::flat_hash_set<std::string> seen_;
};

}  // namespace gong::quota::internal
