#include "quota/unassign_coalescing.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "quota/distinct_ids.h"

namespace gong {
namespace {

class UnassignPart final : public Coalescable {
 public:
  UnassignPart(const UnassignCoalescing* policy, UnassignRequest request)
      : policy_(policy), request_(std::move(request)) {}

  const CoalescingPolicy& policy() const override { return *policy_; }
  const std::string& key() const override { return request_.unassigned_by_user_email; }
  const UnassignRequest& request() const { return request_; }
  const std::vector<std::string>& ids() const override {
    return request_.flow_instance_ids;
  }

 private:
  const UnassignCoalescing* const policy_;
  const UnassignRequest request_;
};

class MergedUnassign final : public MergedRequest {
 public:
  bool TryAdd(const Coalescable& part) override {
    // The steward merges only parts of this policy (and so of this type).
    const UnassignRequest& request = static_cast<const UnassignPart&>(part).request();
    if (!ids_.TryAppend(request.flow_instance_ids, &merged_.flow_instance_ids)) {
      return false;
    }
    merged_.unassigned_by_user_email = request.unassigned_by_user_email;
    return true;
  }

  GongRequest Build(absl::Time deadline) const override {
    return EncodeUnassign(merged_, deadline);
  }

  const std::vector<std::string>& ids() const override {
    return merged_.flow_instance_ids;
  }

 private:
  UnassignRequest merged_;  // ids in arrival order, each once
  DistinctIds ids_{kMaxIdsPerUnassign};
};

}  // namespace

std::unique_ptr<Coalescable> UnassignCoalescing::Part(UnassignRequest request) const {
  return std::make_unique<UnassignPart>(this, std::move(request));
}

std::unique_ptr<MergedRequest> UnassignCoalescing::Start() const {
  return std::make_unique<MergedUnassign>();
}

std::vector<GongAnswer> UnassignCoalescing::Share(
    const GongAnswer& answer, const std::vector<const Coalescable*>& parts) const {
  absl::StatusOr<UnassignResult> merged = DecodeUnassignResponse(answer.body);
  if (!merged.ok()) return std::vector<GongAnswer>(parts.size(), answer);
  std::vector<GongAnswer> shares;
  shares.reserve(parts.size());
  for (const Coalescable* part : parts) {
    const UnassignRequest& asked = static_cast<const UnassignPart*>(part)->request();
    const absl::flat_hash_set<absl::string_view> mine(asked.flow_instance_ids.begin(),
                                                      asked.flow_instance_ids.end());
    UnassignResult share;
    share.request_id = merged->request_id;
    for (const std::string& id : merged->unassigned_flow_instance_ids) {
      if (mine.contains(id)) share.unassigned_flow_instance_ids.push_back(id);
    }
    if (share.unassigned_flow_instance_ids.size() ==
        merged->unassigned_flow_instance_ids.size()) {
      shares.push_back(answer);  // all of it is this part's
    } else {
      shares.push_back(GongAnswer{EncodeUnassignResponse(share)});
    }
  }
  return shares;
}

bool UnassignCoalescing::RefusalHoldsForEveryPart(const GongError& refusal) const {
  return refusal.kind == GongError::Kind::kHttpStatus && refusal.http_status == 400 &&
         std::any_of(
             refusal.errors.begin(), refusal.errors.end(), [](const std::string& text) {
               return absl::StrContains(absl::AsciiStrToLower(text), "does not exist");
             });
}

}  // namespace gong
