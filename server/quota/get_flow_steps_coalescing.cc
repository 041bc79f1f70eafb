#include "quota/get_flow_steps_coalescing.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "quota/distinct_ids.h"

namespace gong::quota {
namespace {

using internal::GetFlowStepsPart;

class MergedSteps final : public MergedRequestOf<GetFlowStepsPart> {
 public:
  upstream::GongRequest Build(absl::Time deadline) const override {
    return upstream::EncodeGetFlowSteps(merged_, deadline);
  }

  const std::vector<std::string>& ids() const override { return merged_.flow_ids; }

 private:
  bool TryAddPart(const GetFlowStepsPart& part) override {
    return ids_.TryAppend(part.query().flow_ids, &merged_.flow_ids);
  }

  upstream::GetFlowStepsParams merged_;  // ids in arrival order, each once
  internal::DistinctIds ids_{upstream::kMaxFlowIdsPerSteps};
};

}  // namespace

std::unique_ptr<Coalescable> GetFlowStepsCoalescing::Part(
    upstream::GetFlowStepsParams query) const {
  return std::make_unique<GetFlowStepsPart>(this, std::move(query));
}

std::unique_ptr<MergedRequest> GetFlowStepsCoalescing::Start() const {
  return std::make_unique<MergedSteps>();
}

std::vector<upstream::GongAnswer> GetFlowStepsCoalescing::ShareParts(
    const upstream::GongAnswer& answer,
    const std::vector<const GetFlowStepsPart*>& parts) const {
  absl::StatusOr<upstream::GetFlowStepsResult> merged =
      upstream::DecodeGetFlowStepsResponse(answer.body);
  if (!merged.ok()) return std::vector<upstream::GongAnswer>(parts.size(), answer);
  std::vector<upstream::GongAnswer> shares;
  shares.reserve(parts.size());
  for (const GetFlowStepsPart* part : parts) {
    const std::vector<std::string>& asked = part->query().flow_ids;
    const absl::flat_hash_set<absl::string_view> mine(asked.begin(), asked.end());
    size_t own = 0;
    for (const upstream::FlowWithSteps& flow : merged->flows) {
      own += mine.contains(flow.flow_id);
    }
    // Cut from Gong's text rather than re-encoded, so that nothing Gong
    // wrote about a caller's flows (a field its codec warns of) is lost.
    if (own == merged->flows.size()) {
      shares.push_back(answer);
    } else {
      shares.push_back(upstream::GongAnswer{upstream::KeepFlowSteps(answer.body, asked)});
    }
  }
  return shares;
}

bool GetFlowStepsCoalescing::RefusalHoldsForEveryPart(const upstream::GongError&) const {
  return false;
}

}  // namespace gong::quota
