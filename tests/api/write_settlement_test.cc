// Settling a lost write from Gong's state (server/api/write_settlement.h):
// only what the lookup confirms is reported done, and only what it shows
// still to do is sent again.
#include "api/write_settlement.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using upstream::FlowInstance;
using upstream::FlowInstanceStatus;
using upstream::GetProspectFlowsParams;
using upstream::GetProspectFlowsResult;

FlowInstance Instance(std::string id, std::string flow, std::string prospect,
                      FlowInstanceStatus status) {
  FlowInstance instance;
  instance.flow_instance_id = std::move(id);
  instance.flow_id = std::move(flow);
  instance.crm_prospect_id = std::move(prospect);
  instance.status = status;
  return instance;
}

GetProspectFlowsResult Found(std::vector<FlowInstance> instances) {
  GetProspectFlowsResult found;
  found.request_id = "lookup-1";
  found.flow_instances = std::move(instances);
  return found;
}

TEST(UnassignByInstanceIdsSettlementTest,
     ClosedAreDoneOpenAreSentAgainUnknownAreNeither) {
  const auto& settlement = kUnassignByInstanceIdsSettlement;
  upstream::UnassignByInstanceIdsParams params{{"1", "2", "3", "4"}, "ana@example.com"};
  const GetProspectFlowsParams lookup = settlement.lookup(params);
  EXPECT_EQ(lookup.by, GetProspectFlowsParams::By::kFlowInstanceIds);
  EXPECT_THAT(lookup.ids, ElementsAre("1", "2", "3", "4"));

  auto settled = settlement.split(
      params, Found({Instance("1", "f", "p1", FlowInstanceStatus::kFinished),
                     Instance("2", "f", "p2", FlowInstanceStatus::kRunning),
                     // A status Gong added since: not known to be closed.
                     Instance("3", "f", "p3", FlowInstanceStatus::kUnspecified)}));
  EXPECT_THAT(settled.done.unassigned_flow_instance_ids, ElementsAre("1"));
  ASSERT_TRUE(settled.rest.has_value());
  EXPECT_THAT(settled.rest->flow_instance_ids, ElementsAre("2", "3"));
  EXPECT_EQ(settled.rest->unassigned_by_user_email, "ana@example.com");
  // "4" is not found at all: neither done nor sent again.
  EXPECT_EQ(settled.unknown, 1u);
  EXPECT_THAT(settlement.done_ids(settled.done), ElementsAre("1"));

  upstream::UnassignByInstanceIdsResult now;
  now.request_id = "write-2";
  now.unassigned_flow_instance_ids = {"2"};
  const upstream::UnassignByInstanceIdsResult merged =
      settlement.merge(settled.done, now);
  EXPECT_EQ(merged.request_id, "write-2");
  EXPECT_THAT(merged.unassigned_flow_instance_ids, ElementsAre("1", "2"));
}

TEST(UnassignByInstanceIdsSettlementTest, EverythingClosedLeavesNothingToSend) {
  upstream::UnassignByInstanceIdsParams params{{"1", "2"}, ""};
  auto settled = kUnassignByInstanceIdsSettlement.split(
      params, Found({Instance("1", "f", "p1", FlowInstanceStatus::kFinishedNoReply),
                     Instance("2", "f", "p2", FlowInstanceStatus::kFinishedResponse)}));
  EXPECT_FALSE(settled.rest.has_value());
  EXPECT_THAT(settled.done.unassigned_flow_instance_ids, ElementsAre("1", "2"));
  EXPECT_EQ(settled.unknown, 0u);
}

TEST(UnassignByInstanceIdsSettlementTest, AnIdListedOpenAndClosedIsNotDone) {
  upstream::UnassignByInstanceIdsParams params{{"1"}, ""};
  auto settled = kUnassignByInstanceIdsSettlement.split(
      params, Found({Instance("1", "f", "p1", FlowInstanceStatus::kFinished),
                     Instance("1", "f", "p1", FlowInstanceStatus::kPaused)}));
  EXPECT_THAT(settled.done.unassigned_flow_instance_ids, IsEmpty());
  ASSERT_TRUE(settled.rest.has_value());
  EXPECT_THAT(settled.rest->flow_instance_ids, ElementsAre("1"));
}

TEST(AssignProspectsSettlementTest, ProspectsWithAnOpenInstanceInTheFlowAreDone) {
  const auto& settlement = kAssignProspectsSettlement;
  upstream::AssignProspectsParams params;
  params.crm_prospect_ids = {"p1", "p2", "p3", "p4"};
  params.flow_id = "f";
  params.flow_instance_owner_email = "ana@example.com";
  params.flow_instance_description = "spring";
  const GetProspectFlowsParams lookup = settlement.lookup(params);
  EXPECT_EQ(lookup.by, GetProspectFlowsParams::By::kCrmProspectIds);
  EXPECT_THAT(lookup.ids, ElementsAre("p1", "p2", "p3", "p4"));

  auto settled = settlement.split(
      params, Found({Instance("10", "f", "p1", FlowInstanceStatus::kPending),
                     // Another flow: p2 is not in this one.
                     Instance("11", "other", "p2", FlowInstanceStatus::kRunning),
                     // Finished: p3 is not in the flow now.
                     Instance("12", "f", "p3", FlowInstanceStatus::kFinished),
                     // A second open instance of p1 is not a second assignment.
                     Instance("13", "f", "p1", FlowInstanceStatus::kRunning),
                     // A prospect not asked for is none of this write's.
                     Instance("14", "f", "p9", FlowInstanceStatus::kRunning)}));
  ASSERT_EQ(settled.done.assigned.size(), 1u);
  EXPECT_EQ(settled.done.assigned[0].flow_instance_id, "10");
  EXPECT_THAT(settlement.done_ids(settled.done), ElementsAre("p1"));
  ASSERT_TRUE(settled.rest.has_value());
  EXPECT_THAT(settled.rest->crm_prospect_ids, ElementsAre("p2", "p3", "p4"));
  EXPECT_EQ(settled.rest->flow_id, "f");
  EXPECT_EQ(settled.rest->flow_instance_owner_email, "ana@example.com");
  EXPECT_EQ(settled.rest->flow_instance_description, "spring");

  upstream::AssignProspectsResult now;
  now.request_id = "write-2";
  now.assigned = {Instance("20", "f", "p2", FlowInstanceStatus::kPending)};
  now.not_assigned = {{"p3", "f", {}, "in cool-off"}};
  const upstream::AssignProspectsResult merged = settlement.merge(settled.done, now);
  EXPECT_EQ(merged.request_id, "write-2");
  ASSERT_EQ(merged.assigned.size(), 2u);
  EXPECT_EQ(merged.assigned[1].flow_instance_id, "20");
  ASSERT_EQ(merged.not_assigned.size(), 1u);
}

TEST(AssignProspectsSettlementTest, AllInTheFlowLeavesNothingToSend) {
  upstream::AssignProspectsParams params;
  params.crm_prospect_ids = {"p1"};
  params.flow_id = "f";
  auto settled = kAssignProspectsSettlement.split(
      params, Found({Instance("10", "f", "p1", FlowInstanceStatus::kPaused)}));
  EXPECT_FALSE(settled.rest.has_value());
}

TEST(UnassignByCrmIdSettlementTest, DoneOnlyWhenNoOpenInstanceIsLeftInScope) {
  const auto& settlement = kUnassignByCrmIdSettlement;
  upstream::UnassignByCrmIdParams one_flow;
  one_flow.crm_prospect_id = "p1";
  one_flow.flow_id = "f";
  EXPECT_THAT(settlement.lookup(one_flow).ids, ElementsAre("p1"));

  // Still open in another flow: done for this flow.
  auto settled = settlement.split(
      one_flow, Found({Instance("10", "other", "p1", FlowInstanceStatus::kRunning)}));
  EXPECT_FALSE(settled.rest.has_value());
  // Still open in this flow: sent again, as it was.
  settled = settlement.split(
      one_flow, Found({Instance("11", "f", "p1", FlowInstanceStatus::kPaused)}));
  ASSERT_TRUE(settled.rest.has_value());
  EXPECT_EQ(settled.rest->flow_id, "f");

  upstream::UnassignByCrmIdParams all;
  all.crm_prospect_id = "p1";
  all.all_flows = true;
  settled = settlement.split(
      all, Found({Instance("10", "other", "p1", FlowInstanceStatus::kRunning)}));
  ASSERT_TRUE(settled.rest.has_value());
  EXPECT_TRUE(settled.rest->all_flows);
  settled = settlement.split(all, Found({}));
  EXPECT_FALSE(settled.rest.has_value());
  EXPECT_EQ(settled.done.request_id, "lookup-1");
}

}  // namespace
}  // namespace gong::api
