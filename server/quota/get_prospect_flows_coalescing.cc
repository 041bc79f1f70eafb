#include "quota/get_prospect_flows_coalescing.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "quota/distinct_ids.h"

namespace gong::quota {
namespace {

using By = upstream::GetProspectFlowsParams::By;
using internal::GetProspectFlowsPart;

class MergedLookup final : public MergedRequestOf<GetProspectFlowsPart> {
 public:
  upstream::GongRequest Build(absl::Time deadline) const override {
    return upstream::EncodeGetProspectFlows(merged_, deadline);
  }

  const std::vector<std::string>& ids() const override { return merged_.ids; }

 private:
  // The steward merges only parts of this policy and key.
  bool TryAddPart(const GetProspectFlowsPart& part) override {
    const upstream::GetProspectFlowsParams& query = part.query();
    if (!ids_.TryAppend(query.ids, &merged_.ids)) return false;
    merged_.by = query.by;
    return true;
  }

  upstream::GetProspectFlowsParams merged_;  // ids in arrival order, each once
  internal::DistinctIds ids_{upstream::kMaxIdsPerLookup};
};

}  // namespace

std::unique_ptr<Coalescable> GetProspectFlowsCoalescing::Part(
    upstream::GetProspectFlowsParams query) const {
  return std::make_unique<GetProspectFlowsPart>(this, std::move(query));
}

std::unique_ptr<MergedRequest> GetProspectFlowsCoalescing::Start() const {
  return std::make_unique<MergedLookup>();
}

std::vector<upstream::GongAnswer> GetProspectFlowsCoalescing::ShareParts(
    const upstream::GongAnswer& answer,
    const std::vector<const GetProspectFlowsPart*>& parts) const {
  absl::StatusOr<upstream::GetProspectFlowsResult> merged =
      upstream::DecodeGetProspectFlowsResponse(answer.body);
  if (!merged.ok()) return std::vector<upstream::GongAnswer>(parts.size(), answer);
  std::vector<upstream::GongAnswer> shares;
  shares.reserve(parts.size());
  for (const GetProspectFlowsPart* part : parts) {
    const upstream::GetProspectFlowsParams& asked = part->query();
    const absl::flat_hash_set<absl::string_view> mine(asked.ids.begin(), asked.ids.end());
    upstream::GetProspectFlowsResult share;
    share.request_id = merged->request_id;
    for (const upstream::FlowInstance& instance : merged->flow_instances) {
      const std::string& id = asked.by == By::kCrmProspectIds ? instance.crm_prospect_id
                                                              : instance.flow_instance_id;
      if (mine.contains(id)) share.flow_instances.push_back(instance);
    }
    // Re-encoding would drop what the caller's codec warns of (the fields
    // it could not read): when all of the answer is this part's, it goes
    // as Gong wrote it.
    if (share.flow_instances.size() == merged->flow_instances.size()) {
      shares.push_back(answer);
    } else {
      shares.push_back(
          upstream::GongAnswer{upstream::EncodeGetProspectFlowsResponse(share)});
    }
  }
  return shares;
}

bool GetProspectFlowsCoalescing::RefusalHoldsForEveryPart(
    const upstream::GongError&) const {
  return false;
}

}  // namespace gong::quota
