// Coalescing for the flow lookup (POST /v2/flows/prospects): waiting
// lookups by the same kind of id (CRM prospect ids, or flow instance ids)
// merge, in arrival order, into one Gong request of at most 200 distinct
// ids. Each caller gets back exactly the instances of its own ids: the
// instances of a prospect it asked for, or the instances it named. A lookup
// is a read, so a caller never pays for another's part, however Gong
// answers.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "quota/coalescing.h"
#include "upstream/get_prospect_flows_codec.h"

namespace gong::quota {
namespace internal {

// A call's part: its own lookup, merged with lookups by the same kind of id.
class GetProspectFlowsPart final : public Coalescable {
 public:
  GetProspectFlowsPart(const CoalescingPolicy* policy,
                       upstream::GetProspectFlowsParams query)
      : policy_(policy),
        key_(query.by == upstream::GetProspectFlowsParams::By::kCrmProspectIds
                 ? "crm"
                 : "instance"),
        query_(std::move(query)) {}

  const CoalescingPolicy& policy() const override { return *policy_; }
  // Gong takes one kind of id a request.
  const std::string& key() const override { return key_; }
  const std::vector<std::string>& ids() const override { return query_.ids; }
  const upstream::GetProspectFlowsParams& query() const { return query_; }

 private:
  const CoalescingPolicy* const policy_;
  const std::string key_;
  const upstream::GetProspectFlowsParams query_;
};

}  // namespace internal

class GetProspectFlowsCoalescing final
    : public CoalescingPolicyOf<internal::GetProspectFlowsPart> {
 public:
  // The part of a call asking for `query` (the policy must outlive it).
  std::unique_ptr<Coalescable> Part(upstream::GetProspectFlowsParams query) const;
  std::unique_ptr<MergedRequest> Start() const override;
  // Gong's answer read once; each part gets its own ids' instances, in
  // Gong's order, and none else (by CRM ids, an instance whose
  // crmProspectId cannot be read is no part's). A part all of whose answer
  // is its own gets it as it came. An answer that cannot be read goes to
  // each part as it is, for its codec to report.
  std::vector<upstream::GongAnswer> ShareParts(
      const upstream::GongAnswer& answer,
      const std::vector<const internal::GetProspectFlowsPart*>& parts) const override;
  // A refusal of the merged lookup may be one part's doing: it is split.
  bool RefusalHoldsForEveryPart(const upstream::GongError& refusal) const override;
};

}  // namespace gong::quota
