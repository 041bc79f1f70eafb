// gong-flows's human output: for each response, a first line with Gong's
// request id and a count, then one item a line, indented and in aligned
// columns, so that the output reads at a glance and greps by line.
#pragma once

#include <string>
#include <vector>

#include "gong/flows/v1/flow_service.pb.h"

namespace gong::cli {

// One page of flows, and the --page-token of the next when there is one.
void PrintListFlowsPage(const gong::flows::v1::ListFlowsResponse& page);

// Every page's flows as one list, each flow once, with every page's request
// id on the first line.
void PrintListFlowsPages(const std::vector<gong::flows::v1::ListFlowsResponse>& pages);

// One page of folders, and the --page-token of the next when there is one.
void PrintListFlowFoldersPage(const gong::flows::v1::ListFlowFoldersResponse& page);

// Every page's folders as one list, each folder once.
void PrintListFlowFoldersPages(
    const std::vector<gong::flows::v1::ListFlowFoldersResponse>& pages);

// Each flow on a line of its own, then its steps, one a line, by the
// number assign's --step-subject and --step-body take.
void PrintGetFlowSteps(const gong::flows::v1::GetFlowStepsResponse& response);

// A bulk job as it ended: its id, state and counts, then each prospect's
// outcome.
void PrintBulkAssignment(const gong::flows::v1::BulkAssignment& job);

void PrintGetProspectFlows(const gong::flows::v1::GetProspectFlowsResponse& response);

void PrintAssignProspects(const std::string& flow_id,
                          const gong::flows::v1::AssignProspectsResponse& response);

void PrintUnassignByCrmId(const std::string& crm_prospect_id,
                          const gong::flows::v1::UnassignByCrmIdResponse& response);

void PrintUnassignByInstanceIds(
    const gong::flows::v1::UnassignByInstanceIdsResponse& response);

}  // namespace gong::cli
