// Coalescing for the flow steps (POST /v2/flows/steps): waiting lookups
// merge, in arrival order, into one Gong request of at most 20 distinct
// flow ids (Gong's cap). Each caller gets back exactly its own flows. Gong
// answers a request with one unknown flow by a 404 for all of them, which
// is not true of the parts that named only known flows: such a refusal is
// split until each caller's own part has its own answer.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "quota/coalescing.h"
#include "upstream/get_flow_steps_codec.h"

namespace gong::quota {
namespace internal {

// A call's part: its own flow ids. Every lookup of steps may merge with
// every other (one key).
class GetFlowStepsPart final : public Coalescable {
 public:
  GetFlowStepsPart(const CoalescingPolicy* policy, upstream::GetFlowStepsParams query)
      : policy_(policy), query_(std::move(query)) {}

  const CoalescingPolicy& policy() const override { return *policy_; }
  const std::string& key() const override { return key_; }
  const std::vector<std::string>& ids() const override { return query_.flow_ids; }
  const upstream::GetFlowStepsParams& query() const { return query_; }

 private:
  const CoalescingPolicy* const policy_;
  const std::string key_ = "steps";
  const upstream::GetFlowStepsParams query_;
};

}  // namespace internal

class GetFlowStepsCoalescing final
    : public CoalescingPolicyOf<internal::GetFlowStepsPart> {
 public:
  // The part of a call asking for `query` (the policy must outlive it).
  std::unique_ptr<Coalescable> Part(upstream::GetFlowStepsParams query) const;
  std::unique_ptr<MergedRequest> Start() const override;
  // Gong's answer read once; each part gets its own flows, in Gong's order,
  // each as Gong wrote it. A part all of whose answer is its own gets it as
  // it came. An answer that cannot be read goes to each part as it is, for
  // its codec to report.
  std::vector<upstream::GongAnswer> ShareParts(
      const upstream::GongAnswer& answer,
      const std::vector<const internal::GetFlowStepsPart*>& parts) const override;
  // A 404 (or any refusal) of the merged lookup may be one part's unknown
  // flow: it is split.
  bool RefusalHoldsForEveryPart(const upstream::GongError& refusal) const override;
};

}  // namespace gong::quota
