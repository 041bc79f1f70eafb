// Unit tests for GetProspectFlows's validation (ValidateGetProspectFlows in
// server/api/request_validation.h): exactly one of the two id lists, each id
// checked and named by its index, within the lookup's cap; what a valid
// request becomes for the codec.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

TEST(GetProspectFlowsValidationTest, ByCrmIdsBecomesACrmLookupInRequestOrder) {
  v1::GetProspectFlowsRequest request;
  request.add_crm_prospect_ids("003B");
  request.add_crm_prospect_ids("003A");
  const auto validated = ValidateGetProspectFlows(request);
  EXPECT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_EQ(validated.request.by, upstream::GetProspectFlowsParams::By::kCrmProspectIds);
  EXPECT_THAT(validated.request.ids, ElementsAre("003B", "003A"));
}

TEST(GetProspectFlowsValidationTest, ByInstanceIdsBecomesAnInstanceLookup) {
  v1::GetProspectFlowsRequest request;
  request.add_flow_instance_ids("7300000000000000001");
  const auto validated = ValidateGetProspectFlows(request);
  EXPECT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_EQ(validated.request.by, upstream::GetProspectFlowsParams::By::kFlowInstanceIds);
  EXPECT_THAT(validated.request.ids, ElementsAre("7300000000000000001"));
}

TEST(GetProspectFlowsValidationTest, NeitherListIsRefused) {
  const auto validated = ValidateGetProspectFlows({});
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("crm_prospect_ids"));
  EXPECT_THAT(DescriptionOf(validated, "crm_prospect_ids"),
              HasSubstr("flow_instance_ids"));
}

TEST(GetProspectFlowsValidationTest, BothListsAreRefused) {
  v1::GetProspectFlowsRequest request;
  request.add_crm_prospect_ids("003A");
  request.add_flow_instance_ids("1");
  const auto validated = ValidateGetProspectFlows(request);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("flow_instance_ids"));
}

TEST(GetProspectFlowsValidationTest, EachBadOrRepeatedIdIsNamedByItsIndex) {
  v1::GetProspectFlowsRequest request;
  for (const char* id : {"003A", "", "003 B", "003A", "003\x01"}) {
    request.add_crm_prospect_ids(id);
  }
  const auto validated = ValidateGetProspectFlows(request);
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("crm_prospect_ids[1]", "crm_prospect_ids[2]",
                          "crm_prospect_ids[3]", "crm_prospect_ids[4]"));
  EXPECT_EQ(DescriptionOf(validated, "crm_prospect_ids[3]"),
            "repeats crm_prospect_ids[0]");
}

TEST(GetProspectFlowsValidationTest, TwoHundredIdsPassAndTwoHundredAndOneDoNot) {
  v1::GetProspectFlowsRequest request;
  for (int i = 0; i < 200; ++i) request.add_flow_instance_ids(absl::StrCat(1000 + i));
  EXPECT_THAT(ValidateGetProspectFlows(request).violations.listed(), IsEmpty());
  request.add_flow_instance_ids("5000");
  const auto validated = ValidateGetProspectFlows(request);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("flow_instance_ids"));
  EXPECT_THAT(DescriptionOf(validated, "flow_instance_ids"), HasSubstr("at most 200"));
}

// Lists of ids past their cap are one violation, the ids unread (issue 26).
TEST(GetProspectFlowsValidationTest, IdsPastTheCapAreOneViolation) {
  v1::GetProspectFlowsRequest request;
  for (int i = 0; i < 5'000; ++i) request.add_crm_prospect_ids(i % 2 ? "" : "003A");
  const auto validated = ValidateGetProspectFlows(request);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("crm_prospect_ids"));
  EXPECT_THAT(DescriptionOf(validated, "crm_prospect_ids"), HasSubstr("not 5000"));
}

}  // namespace
}  // namespace gong::api
