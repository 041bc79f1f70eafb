// Unit tests for each id's outcome in a many-id command's answers
// (client/answer_outcomes.h), above all what a lookup says of a write in
// doubt: still open, or not.
#include "answer_outcomes.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::cli {
namespace {

namespace v1 = gong::flows::v1;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;

auto Is(const std::string& id, IdOutcome outcome) {
  return AllOf(Field(&IdResult::id, id), Field(&IdResult::outcome, outcome));
}

v1::FlowInstance Instance(const std::string& id, const std::string& crm,
                          const std::string& flow, v1::FlowInstanceStatus status) {
  v1::FlowInstance instance;
  instance.set_flow_instance_id(id);
  instance.set_crm_prospect_id(crm);
  instance.set_flow_id(flow);
  instance.set_status(status);
  return instance;
}

TEST(AnswerOutcomesTest, OpenMeansNotFinished) {
  EXPECT_TRUE(IsOpen(v1::FLOW_INSTANCE_STATUS_PENDING));
  EXPECT_TRUE(IsOpen(v1::FLOW_INSTANCE_STATUS_RUNNING));
  EXPECT_TRUE(IsOpen(v1::FLOW_INSTANCE_STATUS_PAUSED));
  // Unknown is taken as open: never reported removed when it may not be.
  EXPECT_TRUE(IsOpen(v1::FLOW_INSTANCE_STATUS_UNSPECIFIED));
  EXPECT_FALSE(IsOpen(v1::FLOW_INSTANCE_STATUS_FINISHED));
  EXPECT_FALSE(IsOpen(v1::FLOW_INSTANCE_STATUS_FINISHED_NO_REPLY));
  EXPECT_FALSE(IsOpen(v1::FLOW_INSTANCE_STATUS_FINISHED_RESPONSE));
}

TEST(AnswerOutcomesTest, InstancesInDoubtAreStillAssignedOnlyWhenOpen) {
  v1::GetProspectFlowsResponse response;
  response.set_request_id("look");
  *response.add_flow_instances() =
      Instance("1", "c1", "f", v1::FLOW_INSTANCE_STATUS_RUNNING);
  *response.add_flow_instances() =
      Instance("2", "c2", "f", v1::FLOW_INSTANCE_STATUS_FINISHED);
  EXPECT_THAT(
      SettleInstances({"1", "2", "3"}, response),
      ElementsAre(Is("1", IdOutcome::kStillAssigned), Is("2", IdOutcome::kUnassigned),
                  Is("3", IdOutcome::kUnassigned)));
}

TEST(AnswerOutcomesTest, ProspectsInDoubtLookOnlyAtTheirFlowUnlessAllFlows) {
  v1::GetProspectFlowsResponse response;
  *response.add_flow_instances() =
      Instance("1", "c1", "other", v1::FLOW_INSTANCE_STATUS_RUNNING);
  *response.add_flow_instances() =
      Instance("2", "c2", "f", v1::FLOW_INSTANCE_STATUS_PAUSED);
  *response.add_flow_instances() =
      Instance("3", "c3", "f", v1::FLOW_INSTANCE_STATUS_FINISHED);
  EXPECT_THAT(
      SettleProspects({"c1", "c2", "c3"}, "f", response),
      ElementsAre(Is("c1", IdOutcome::kUnassigned), Is("c2", IdOutcome::kStillAssigned),
                  Is("c3", IdOutcome::kUnassigned)));
  EXPECT_THAT(
      SettleProspects({"c1", "c2", "c3"}, "", response),
      ElementsAre(Is("c1", IdOutcome::kStillAssigned),
                  Is("c2", IdOutcome::kStillAssigned), Is("c3", IdOutcome::kUnassigned)));
}

TEST(AnswerOutcomesTest, UnassignAndAssignAnswersPerId) {
  v1::UnassignByInstanceIdsResponse unassign;
  unassign.set_request_id("r1");
  unassign.add_unassigned_flow_instance_ids("1");
  unassign.add_still_assigned_flow_instance_ids("2");
  EXPECT_THAT(UnassignOutcomes(unassign),
              ElementsAre(AllOf(Is("1", IdOutcome::kUnassigned),
                                Field(&IdResult::request_id, "r1")),
                          Is("2", IdOutcome::kStillAssigned)));
  v1::AssignProspectsResponse assign;
  *assign.add_assigned() = Instance("9", "c1", "f", v1::FLOW_INSTANCE_STATUS_PENDING);
  v1::AssignmentFailure* failure = assign.add_not_assigned();
  failure->set_crm_prospect_id("c2");
  failure->set_error_code(v1::ASSIGNMENT_ERROR_CODE_INVALID_STATE);
  v1::AssignmentFailure* odd = assign.add_not_assigned();
  odd->set_crm_prospect_id("c3");
  odd->set_error_code(static_cast<v1::AssignmentErrorCode>(77));
  EXPECT_THAT(AssignOutcomes(assign),
              ElementsAre(Is("c1", IdOutcome::kAssigned),
                          AllOf(Is("c2", IdOutcome::kNotAssigned),
                                Field(&IdResult::reason, "INVALID_STATE")),
                          AllOf(Is("c3", IdOutcome::kNotAssigned),
                                Field(&IdResult::reason, "UNKNOWN"))));
}

TEST(AnswerOutcomesTest, LookupsFindByTheKindOfIdAsked) {
  v1::GetProspectFlowsResponse response;
  *response.add_flow_instances() =
      Instance("1", "c1", "f", v1::FLOW_INSTANCE_STATUS_RUNNING);
  EXPECT_THAT(LookupOutcomes({"c1", "1"}, /*by_crm=*/true, response),
              ElementsAre(Is("c1", IdOutcome::kFound), Is("1", IdOutcome::kNotFound)));
  EXPECT_THAT(LookupOutcomes({"c1", "1"}, /*by_crm=*/false, response),
              ElementsAre(Is("c1", IdOutcome::kNotFound), Is("1", IdOutcome::kFound)));
}

}  // namespace
}  // namespace gong::cli
