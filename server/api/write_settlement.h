// How a write whose answer was lost is settled by reading Gong's state: the
// lookup to make (GetProspectFlows, a read), and what its answer says was
// done already and what is still to do. One Settlement per write method,
// pure functions of the request and the lookup, so each is tested alone.
//
// Only what the lookup confirms is counted as done, and only what it shows
// still to do is sent again:
// - UnassignByInstanceIds: an instance the lookup shows closed (finished)
//   is done; one still open (or in a status this code does not know) is
//   sent again; one the lookup does not find at all is unknown: Gong may
//   forget an instance it removed, or never have had it. Unknown ids are
//   not sent (nothing open has them) and not reported done: a retry with
//   a key lists them still assigned, as it lists any id a call did not
//   remove, and a call without a key stays in doubt for them.
// - AssignProspects: a prospect with an open instance in the flow is done
//   (its instance is reported assigned); the others are sent again.
// - UnassignByCrmId: done when the prospect has no open instance in the
//   flow (in any flow, for all_flows); else the request is sent again.
// Gong may still be working on a request whose answer was lost, so "still
// open" right after is no proof that nothing will change: what is sent
// again may find an instance Gong closed meanwhile, and is answered as
// Gong answers it then.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "upstream/assign_prospects_codec.h"
#include "upstream/bulk_assignment_codec.h"
#include "upstream/get_prospect_flows_codec.h"
#include "upstream/unassign_by_crm_id_codec.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::api {

// What a lookup says of a write: what Gong had done (as the write's own
// answer would say it), and the write of what is left (none: nothing).
template <typename Params, typename Result>
struct Settled {
  Result done;
  std::optional<Params> rest;
  // Items the lookup could say nothing of (neither done nor to do).
  size_t unknown = 0;
};

// A write method's settling.
template <typename Params, typename Result>
struct Settlement {
  // The lookup that shows what the write did. Null: the write cannot be
  // settled by reading Gong (a bulk assignment's start: Gong lists no
  // jobs), and the other members are never called. A lost answer then stays
  // in doubt; a retry of its key in doubt sends nothing and is refused
  // FAILED_PRECONDITION (IDEMPOTENCY_KEY_IN_DOUBT), since sending again
  // could start a second job.
  upstream::GetProspectFlowsParams (*lookup)(const Params& params);
  Settled<Params, Result> (*split)(const Params& params,
                                   const upstream::GetProspectFlowsResult& found);
  // One answer of what was done before the lookup and what the rest did
  // now (now's request id).
  Result (*merge)(Result before, Result now);
  // The ids of `done`, for a caller told that the rest is still in doubt.
  std::vector<std::string> (*done_ids)(const Result& done);
};

extern const Settlement<upstream::UnassignByInstanceIdsParams,
                        upstream::UnassignByInstanceIdsResult>
    kUnassignByInstanceIdsSettlement;
extern const Settlement<upstream::AssignProspectsParams, upstream::AssignProspectsResult>
    kAssignProspectsSettlement;
extern const Settlement<upstream::UnassignByCrmIdParams, upstream::UnassignByCrmIdResult>
    kUnassignByCrmIdSettlement;
// No lookup: see Settlement::lookup.
extern const Settlement<upstream::StartBulkAssignmentParams,
                        upstream::BulkAssignmentResult>
    kStartBulkAssignmentSettlement;

}  // namespace gong::api
