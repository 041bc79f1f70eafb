// Coalescing for unassign-by-instance-id: waiting calls with the same
// unassigned_by_user_email merge, in arrival order, into one Gong request
// of at most 200 distinct ids. An id two callers asked for is sent once, and
// Gong's answer for it goes to both; each caller gets only its own ids.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "quota/coalescing.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::quota {
namespace internal {

// A call's part: its own request, merged by its unassigned_by_user_email.
class UnassignByInstanceIdsPart final : public Coalescable {
 public:
  UnassignByInstanceIdsPart(const CoalescingPolicy* policy,
                            upstream::UnassignByInstanceIdsParams request)
      : policy_(policy), request_(std::move(request)) {}

  const CoalescingPolicy& policy() const override { return *policy_; }
  const std::string& key() const override { return request_.unassigned_by_user_email; }
  const std::vector<std::string>& ids() const override {
    return request_.flow_instance_ids;
  }
  const upstream::UnassignByInstanceIdsParams& request() const { return request_; }

 private:
  const CoalescingPolicy* const policy_;
  const upstream::UnassignByInstanceIdsParams request_;
};

}  // namespace internal

class UnassignByInstanceIdsCoalescing final
    : public CoalescingPolicyOf<internal::UnassignByInstanceIdsPart> {
 public:
  // The part of a call asking for `request` (the policy must outlive it).
  std::unique_ptr<Coalescable> Part(upstream::UnassignByInstanceIdsParams request) const;

  std::unique_ptr<MergedRequest> Start() const override;
  // Gong's answer read once; each part gets the ids it asked for, in Gong's
  // order, and none else. A part all of whose answer is its own gets it as
  // it came. An answer that cannot be read goes to each part as it is, for
  // its codec to report.
  std::vector<upstream::GongAnswer> ShareParts(
      const upstream::GongAnswer& answer,
      const std::vector<const internal::UnassignByInstanceIdsPart*>& parts)
      const override;
  // Gong's 400 "does not exist" for a request none of whose ids exist is
  // true of every part of it too.
  bool RefusalHoldsForEveryPart(const upstream::GongError& refusal) const override;
};

}  // namespace gong::quota
