// Unit tests for UnassignByCrmId's validation (ValidateUnassignByCrmId in
// server/api/request_validation.h): the CRM id, and exactly one of a flow
// and all flows; what a valid request becomes for the codec.
#include <string>
#include <vector>

#include "api/request_validation.h"
#include "api/validation_test_util.h"
#include "gmock/gmock.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "gtest/gtest.h"

namespace gong::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

namespace v1 = flows::v1;

TEST(UnassignByCrmIdValidationTest, OneFlow) {
  v1::UnassignByCrmIdRequest request;
  request.set_crm_prospect_id("003A");
  request.set_flow_id("7100");
  request.set_unassigned_by_user_email("ana@example.com");
  const auto validated = ValidateUnassignByCrmId(request);
  ASSERT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_EQ(validated.request.crm_prospect_id, "003A");
  EXPECT_EQ(validated.request.flow_id, "7100");
  EXPECT_FALSE(validated.request.all_flows);
  EXPECT_EQ(validated.request.unassigned_by_user_email, "ana@example.com");
}

TEST(UnassignByCrmIdValidationTest, AllFlowsSendsNoFlowId) {
  v1::UnassignByCrmIdRequest request;
  request.set_crm_prospect_id("003A");
  request.set_all_flows(true);
  const auto validated = ValidateUnassignByCrmId(request);
  ASSERT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_FALSE(validated.request.flow_id.has_value());
  EXPECT_TRUE(validated.request.all_flows);
}

// The mistake the contract exists to stop: a forgotten flow id must not
// become "every flow".
TEST(UnassignByCrmIdValidationTest, NeitherAFlowNorAllFlowsIsRefused) {
  v1::UnassignByCrmIdRequest request;
  request.set_crm_prospect_id("003A");
  const auto validated = ValidateUnassignByCrmId(request);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("flow_id"));
  EXPECT_THAT(DescriptionOf(validated, "flow_id"), HasSubstr("all_flows"));
}

TEST(UnassignByCrmIdValidationTest, BothAFlowAndAllFlowsIsRefused) {
  v1::UnassignByCrmIdRequest request;
  request.set_crm_prospect_id("003A");
  request.set_flow_id("7100");
  request.set_all_flows(true);
  EXPECT_THAT(FieldsOf(ValidateUnassignByCrmId(request).violations),
              ElementsAre("all_flows"));
}

TEST(UnassignByCrmIdValidationTest, TheProspectAndEmailAreChecked) {
  v1::UnassignByCrmIdRequest request;
  request.set_all_flows(true);
  request.set_unassigned_by_user_email("nobody");
  EXPECT_THAT(FieldsOf(ValidateUnassignByCrmId(request).violations),
              ElementsAre("crm_prospect_id", "unassigned_by_user_email"));
}

}  // namespace
}  // namespace gong::api
