#include "quota/prospect_flows_coalescing.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "quota/distinct_ids.h"

namespace gong {
namespace {

using By = ProspectFlowsQuery::By;

class LookupPart final : public Coalescable {
 public:
  LookupPart(const ProspectFlowsCoalescing* policy, ProspectFlowsQuery query)
      : policy_(policy),
        key_(query.by == By::kCrmProspectIds ? "crm" : "instance"),
        query_(std::move(query)) {}

  const CoalescingPolicy& policy() const override { return *policy_; }
  // Gong takes one kind of id a request.
  const std::string& key() const override { return key_; }
  const ProspectFlowsQuery& query() const { return query_; }
  const std::vector<std::string>& ids() const override { return query_.ids; }

 private:
  const ProspectFlowsCoalescing* const policy_;
  const std::string key_;
  const ProspectFlowsQuery query_;
};

class MergedLookup final : public MergedRequest {
 public:
  bool TryAdd(const Coalescable& part) override {
    // The steward merges only parts of this policy and key.
    const ProspectFlowsQuery& query = static_cast<const LookupPart&>(part).query();
    if (!ids_.TryAppend(query.ids, &merged_.ids)) return false;
    merged_.by = query.by;
    return true;
  }

  GongRequest Build(absl::Time deadline) const override {
    return EncodeProspectFlows(merged_, deadline);
  }

  const std::vector<std::string>& ids() const override { return merged_.ids; }

 private:
  ProspectFlowsQuery merged_;  // ids in arrival order, each once
  DistinctIds ids_{kMaxIdsPerLookup};
};

}  // namespace

std::unique_ptr<Coalescable> ProspectFlowsCoalescing::Part(
    ProspectFlowsQuery query) const {
  return std::make_unique<LookupPart>(this, std::move(query));
}

std::unique_ptr<MergedRequest> ProspectFlowsCoalescing::Start() const {
  return std::make_unique<MergedLookup>();
}

std::vector<GongAnswer> ProspectFlowsCoalescing::Share(
    const GongAnswer& answer, const std::vector<const Coalescable*>& parts) const {
  absl::StatusOr<ProspectFlowsResult> merged = DecodeProspectFlowsResponse(answer.body);
  if (!merged.ok()) return std::vector<GongAnswer>(parts.size(), answer);
  std::vector<GongAnswer> shares;
  shares.reserve(parts.size());
  for (const Coalescable* part : parts) {
    const ProspectFlowsQuery& asked = static_cast<const LookupPart*>(part)->query();
    const absl::flat_hash_set<absl::string_view> mine(asked.ids.begin(), asked.ids.end());
    ProspectFlowsResult share;
    share.request_id = merged->request_id;
    for (const FlowInstance& instance : merged->flow_instances) {
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
      shares.push_back(GongAnswer{EncodeProspectFlowsResponse(share)});
    }
  }
  return shares;
}

bool ProspectFlowsCoalescing::RefusalHoldsForEveryPart(const GongError&) const {
  return false;
}

}  // namespace gong
