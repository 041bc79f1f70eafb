#include "api/write_settlement.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace gong::api {
namespace {

using upstream::FlowInstance;
using upstream::FlowInstanceStatus;
using upstream::GetProspectFlowsParams;
using upstream::GetProspectFlowsResult;

// Open instances are what an unassign removes and what an assign makes.
// A status this code does not know is not known to be closed.
bool MayBeOpen(const FlowInstance& instance) {
  switch (instance.status) {
    case FlowInstanceStatus::kFinishedNoReply:
    case FlowInstanceStatus::kFinishedResponse:
    case FlowInstanceStatus::kFinished:
      return false;
    default:
      return true;
  }
}

bool IsOpen(const FlowInstance& instance) {
  return instance.status == FlowInstanceStatus::kPending ||
         instance.status == FlowInstanceStatus::kRunning ||
         instance.status == FlowInstanceStatus::kPaused;
}

template <typename T>
void Append(std::vector<T>* to, std::vector<T> from) {
  for (T& item : from) to->push_back(std::move(item));
}

// UnassignByInstanceIds.

GetProspectFlowsParams LookupInstances(
    const upstream::UnassignByInstanceIdsParams& params) {
  return {GetProspectFlowsParams::By::kFlowInstanceIds, params.flow_instance_ids};
}

Settled<upstream::UnassignByInstanceIdsParams, upstream::UnassignByInstanceIdsResult>
SplitInstances(const upstream::UnassignByInstanceIdsParams& params,
               const GetProspectFlowsResult& found) {
  absl::flat_hash_set<absl::string_view> open;
  absl::flat_hash_set<absl::string_view> closed;
  for (const FlowInstance& instance : found.flow_instances) {
    (MayBeOpen(instance) ? open : closed).insert(instance.flow_instance_id);
  }
  Settled<upstream::UnassignByInstanceIdsParams, upstream::UnassignByInstanceIdsResult>
      settled;
  settled.done.request_id = found.request_id;
  upstream::UnassignByInstanceIdsParams rest;
  rest.unassigned_by_user_email = params.unassigned_by_user_email;
  for (const std::string& id : params.flow_instance_ids) {
    // An id listed both ways (Gong repeating it) is not known closed.
    if (open.contains(id)) {
      rest.flow_instance_ids.push_back(id);
    } else if (closed.contains(id)) {
      settled.done.unassigned_flow_instance_ids.push_back(id);
    } else {
      ++settled.unknown;
    }
  }
  if (!rest.flow_instance_ids.empty()) settled.rest = std::move(rest);
  return settled;
}

upstream::UnassignByInstanceIdsResult MergeInstances(
    upstream::UnassignByInstanceIdsResult before,
    upstream::UnassignByInstanceIdsResult now) {
  Append(&before.unassigned_flow_instance_ids,
         std::move(now.unassigned_flow_instance_ids));
  Append(&before.warnings, std::move(now.warnings));
  before.request_id = std::move(now.request_id);
  return before;
}

// AssignProspects.

GetProspectFlowsParams LookupProspects(const upstream::AssignProspectsParams& params) {
  return {GetProspectFlowsParams::By::kCrmProspectIds, params.crm_prospect_ids};
}

Settled<upstream::AssignProspectsParams, upstream::AssignProspectsResult> SplitProspects(
    const upstream::AssignProspectsParams& params, const GetProspectFlowsResult& found) {
  absl::flat_hash_set<absl::string_view> asked(params.crm_prospect_ids.begin(),
                                               params.crm_prospect_ids.end());
  Settled<upstream::AssignProspectsParams, upstream::AssignProspectsResult> settled;
  settled.done.request_id = found.request_id;
  absl::flat_hash_set<absl::string_view> in_flow;
  for (const FlowInstance& instance : found.flow_instances) {
    if (instance.flow_id != params.flow_id || !IsOpen(instance) ||
        !asked.contains(instance.crm_prospect_id)) {
      continue;
    }
    // One instance a prospect: the one the lost request made, or one it
    // already had (Gong would then have refused to assign it again).
    if (in_flow.insert(instance.crm_prospect_id).second) {
      settled.done.assigned.push_back(instance);
    }
  }
  upstream::AssignProspectsParams rest = params;
  rest.crm_prospect_ids.clear();
  for (const std::string& id : params.crm_prospect_ids) {
    if (!in_flow.contains(id)) rest.crm_prospect_ids.push_back(id);
  }
  if (!rest.crm_prospect_ids.empty()) settled.rest = std::move(rest);
  return settled;
}

upstream::AssignProspectsResult MergeProspects(upstream::AssignProspectsResult before,
                                               upstream::AssignProspectsResult now) {
  Append(&before.assigned, std::move(now.assigned));
  Append(&before.not_assigned, std::move(now.not_assigned));
  Append(&before.warnings, std::move(now.warnings));
  before.request_id = std::move(now.request_id);
  return before;
}

// UnassignByCrmId.

GetProspectFlowsParams LookupProspect(const upstream::UnassignByCrmIdParams& params) {
  return {GetProspectFlowsParams::By::kCrmProspectIds, {params.crm_prospect_id}};
}

Settled<upstream::UnassignByCrmIdParams, upstream::UnassignByCrmIdResult> SplitProspect(
    const upstream::UnassignByCrmIdParams& params, const GetProspectFlowsResult& found) {
  Settled<upstream::UnassignByCrmIdParams, upstream::UnassignByCrmIdResult> settled;
  settled.done.request_id = found.request_id;
  for (const FlowInstance& instance : found.flow_instances) {
    const bool in_scope = params.all_flows || instance.flow_id == params.flow_id;
    if (instance.crm_prospect_id == params.crm_prospect_id && in_scope &&
        MayBeOpen(instance)) {
      settled.rest = params;
      break;
    }
  }
  return settled;
}

upstream::UnassignByCrmIdResult MergeProspect(upstream::UnassignByCrmIdResult before,
                                              upstream::UnassignByCrmIdResult now) {
  Append(&before.unassigned_flow_instance_ids,
         std::move(now.unassigned_flow_instance_ids));
  Append(&before.warnings, std::move(now.warnings));
  before.request_id = std::move(now.request_id);
  return before;
}

std::vector<std::string> InstancesDone(
    const upstream::UnassignByInstanceIdsResult& done) {
  return done.unassigned_flow_instance_ids;
}

std::vector<std::string> ProspectsDone(const upstream::AssignProspectsResult& done) {
  std::vector<std::string> ids;
  for (const FlowInstance& instance : done.assigned)
    ids.push_back(instance.crm_prospect_id);
  return ids;
}

std::vector<std::string> ProspectDone(const upstream::UnassignByCrmIdResult& done) {
  return done.unassigned_flow_instance_ids;
}

}  // namespace

const Settlement<upstream::UnassignByInstanceIdsParams,
                 upstream::UnassignByInstanceIdsResult>
    kUnassignByInstanceIdsSettlement = {LookupInstances, SplitInstances, MergeInstances,
                                        InstancesDone};
const Settlement<upstream::AssignProspectsParams, upstream::AssignProspectsResult>
    kAssignProspectsSettlement = {LookupProspects, SplitProspects, MergeProspects,
                                  ProspectsDone};
const Settlement<upstream::UnassignByCrmIdParams, upstream::UnassignByCrmIdResult>
    kUnassignByCrmIdSettlement = {LookupProspect, SplitProspect, MergeProspect,
                                  ProspectDone};
// Gong lists no jobs: nothing to read that would show whether a lost start
// started one.
const Settlement<upstream::StartBulkAssignmentParams, upstream::BulkAssignmentResult>
    kStartBulkAssignmentSettlement = {nullptr, nullptr, nullptr, nullptr};

}  // namespace gong::api
