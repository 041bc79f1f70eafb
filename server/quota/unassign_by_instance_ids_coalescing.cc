#include "quota/unassign_by_instance_ids_coalescing.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "quota/distinct_ids.h"

namespace gong::quota {
namespace {

using internal::UnassignByInstanceIdsPart;

class MergedUnassign final : public MergedRequestOf<UnassignByInstanceIdsPart> {
 public:
  upstream::GongRequest Build(absl::Time deadline) const override {
    return upstream::EncodeUnassignByInstanceIds(merged_, deadline);
  }

  const std::vector<std::string>& ids() const override {
    return merged_.flow_instance_ids;
  }

 private:
  bool TryAddPart(const UnassignByInstanceIdsPart& part) override {
    const upstream::UnassignByInstanceIdsParams& request = part.request();
    if (!ids_.TryAppend(request.flow_instance_ids, &merged_.flow_instance_ids)) {
      return false;
    }
    merged_.unassigned_by_user_email = request.unassigned_by_user_email;
    return true;
  }

  upstream::UnassignByInstanceIdsParams merged_;  // ids in arrival order, each once
  internal::DistinctIds ids_{upstream::kMaxIdsPerUnassign};
};

}  // namespace

std::unique_ptr<Coalescable> UnassignByInstanceIdsCoalescing::Part(
    upstream::UnassignByInstanceIdsParams request) const {
  return std::make_unique<UnassignByInstanceIdsPart>(this, std::move(request));
}

std::unique_ptr<MergedRequest> UnassignByInstanceIdsCoalescing::Start() const {
  return std::make_unique<MergedUnassign>();
}

std::vector<upstream::GongAnswer> UnassignByInstanceIdsCoalescing::ShareParts(
    const upstream::GongAnswer& answer,
    const std::vector<const UnassignByInstanceIdsPart*>& parts) const {
  absl::StatusOr<upstream::UnassignByInstanceIdsResult> merged =
      upstream::DecodeUnassignByInstanceIdsResponse(answer.body);
  if (!merged.ok()) return std::vector<upstream::GongAnswer>(parts.size(), answer);
  std::vector<upstream::GongAnswer> shares;
  shares.reserve(parts.size());
  for (const UnassignByInstanceIdsPart* part : parts) {
    const upstream::UnassignByInstanceIdsParams& asked = part->request();
    const absl::flat_hash_set<absl::string_view> mine(asked.flow_instance_ids.begin(),
                                                      asked.flow_instance_ids.end());
    upstream::UnassignByInstanceIdsResult share;
    share.request_id = merged->request_id;
    for (const std::string& id : merged->unassigned_flow_instance_ids) {
      if (mine.contains(id)) share.unassigned_flow_instance_ids.push_back(id);
    }
    if (share.unassigned_flow_instance_ids.size() ==
        merged->unassigned_flow_instance_ids.size()) {
      shares.push_back(answer);  // all of it is this part's
    } else {
      shares.push_back(
          upstream::GongAnswer{upstream::EncodeUnassignByInstanceIdsResponse(share)});
    }
  }
  return shares;
}

bool UnassignByInstanceIdsCoalescing::RefusalHoldsForEveryPart(
    const upstream::GongError& refusal) const {
  return refusal.kind == upstream::GongError::Kind::kHttpStatus &&
         refusal.http_status == 400 &&
         std::any_of(
             refusal.errors.begin(), refusal.errors.end(), [](const std::string& text) {
               return absl::StrContains(absl::AsciiStrToLower(text), "does not exist");
             });
}

}  // namespace gong::quota
