// Coalescing for unassign-by-instance-id: waiting calls with the same
// unassigned_by_user_email merge, in arrival order, into one Gong request
// of at most 200 distinct ids. An id two callers asked for is sent once;
// Gong's answer goes to both, and each keeps its own ids.
#pragma once

#include <memory>
#include <string>

#include "gong/unassign_codec.h"
#include "quota/coalescing.h"

namespace gong {

class UnassignCoalescing final : public CoalescingPolicy {
 public:
  // The part of a call asking for `request` (the policy must outlive it).
  std::unique_ptr<Coalescable> Part(UnassignRequest request) const;

  std::unique_ptr<MergedRequest> Start() const override;
  // Gong's 400 "does not exist" for a request none of whose ids exist is
  // true of every part of it too.
  bool RefusalHoldsForEveryPart(const GongError& refusal) const override;
};

}  // namespace gong
