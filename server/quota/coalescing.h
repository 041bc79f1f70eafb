// Coalescing: calls waiting for their turn whose requests can be merged go to
// Gong as one request, so that one slot of the quota serves them all. A
// policy knows one endpoint's rule (unassign_by_instance_ids_coalescing.h); the steward
// knows no endpoint, only that parts with the same policy and key may merge.
// A policy is written against its own part type (CoalescingPolicyOf,
// MergedRequestOf): the one conversion from the steward's Coalescable is
// here, checked.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_error.h"
#include "upstream/gong_request.h"

namespace gong::quota {

class CoalescingPolicy;

// A caller's request that may share one Gong request with others: made by
// the endpoint's policy beside the call's own GongRequest.
class Coalescable {
 public:
  virtual ~Coalescable() = default;
  virtual const CoalescingPolicy& policy() const = 0;
  // Parts of one policy with equal keys may be merged.
  virtual const std::string& key() const = 0;
  // The ids the caller asked about: what of a shared answer is its own.
  virtual const std::vector<std::string>& ids() const = 0;
};

// The parts merged so far into one Gong request.
class MergedRequest {
 public:
  virtual ~MergedRequest() = default;
  // Adds `part` (of this policy and key) if the request can take it; false,
  // and nothing changed, if it cannot.
  virtual bool TryAdd(const Coalescable& part) = 0;
  // The one Gong request for every part added, due at `deadline`.
  virtual upstream::GongRequest Build(absl::Time deadline) const = 0;
  // Every id of that request, each once: those of parts whose callers have
  // left since included, as Gong still answers for them.
  virtual const std::vector<std::string>& ids() const = 0;
};

class CoalescingPolicy {
 public:
  virtual ~CoalescingPolicy() = default;
  virtual std::unique_ptr<MergedRequest> Start() const = 0;
  // Each part's own share of Gong's answer to their merged request, in the
  // order of `parts`, so that no caller reads (or pays to decode) the
  // others' parts. The steward calls it for every answer to parts, one
  // part or many: Gong answers for whatever ids were sent, including those
  // of callers who have left since (and whatever else Gong chose to send).
  // A share holds only what belongs to the part's own ids; a part to which
  // all of the answer belongs gets it unchanged.
  virtual std::vector<upstream::GongAnswer> Share(
      const upstream::GongAnswer& answer,
      const std::vector<const Coalescable*>& parts) const = 0;
  // Whether Gong's refusal of a merged request as a whole is as true of
  // each part: then each caller has its answer, and no part is sent again
  // alone to find whose part Gong refused.
  virtual bool RefusalHoldsForEveryPart(const upstream::GongError& refusal) const = 0;
};

namespace internal {

// `part` as the type its policy made it. The steward hands a policy, and
// the requests the policy starts, only parts that policy made, so this
// holds unless the steward is wrong; it is checked all the same, since a
// part read as another type would be read out of bounds.
template <typename PartT>
const PartT& PartAs(const Coalescable& part) {
  const auto* typed = dynamic_cast<const PartT*>(&part);
  if (typed == nullptr) std::abort();
  return *typed;
}

}  // namespace internal

// A merged request written against its policy's own part type.
template <typename PartT>
class MergedRequestOf : public MergedRequest {
 public:
  bool TryAdd(const Coalescable& part) final {
    return TryAddPart(internal::PartAs<PartT>(part));
  }

 protected:
  // TryAdd, for a part of the policy's own type.
  virtual bool TryAddPart(const PartT& part) = 0;
};

// A policy written against its own part type. (Its parts' type must be
// complete where the policy is declared.)
template <typename PartT>
class CoalescingPolicyOf : public CoalescingPolicy {
 public:
  std::vector<upstream::GongAnswer> Share(
      const upstream::GongAnswer& answer,
      const std::vector<const Coalescable*>& parts) const final {
    std::vector<const PartT*> own;
    own.reserve(parts.size());
    for (const Coalescable* part : parts) own.push_back(&internal::PartAs<PartT>(*part));
    return ShareParts(answer, own);
  }

 protected:
  // Share, for parts of the policy's own type.
  virtual std::vector<upstream::GongAnswer> ShareParts(
      const upstream::GongAnswer& answer,
      const std::vector<const PartT*>& parts) const = 0;
};

// `refusal` as `part` may see it, of a request that held `sent`: Gong's
// texts (and the parser's words) that name an id of `sent` not the part's
// own are withheld, said to be so, since Gong may list every id of a
// request in them. A refusal of the part's own ids alone is unchanged.
upstream::GongError OwnView(const upstream::GongError& refusal,
                            const std::vector<std::string>& sent,
                            const Coalescable& part);

}  // namespace gong::quota
