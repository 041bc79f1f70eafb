// Unit tests for GetFlowSteps's validation (ValidateGetFlowSteps in
// server/api/request_validation.h): 1 to 20 distinct flow ids, each an id
// as elsewhere, a repeat refused (as GetProspectFlows refuses one), and a
// list over the cap refused as a whole, unread.
#include <string>

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

TEST(GetFlowStepsValidationTest, TheIdsBecomeTheQueryInOrder) {
  v1::GetFlowStepsRequest request;
  request.add_flow_ids("9007199254740993");
  request.add_flow_ids("12");
  const auto validated = ValidateGetFlowSteps(request);
  EXPECT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_THAT(validated.request.flow_ids, ElementsAre("9007199254740993", "12"));
}

TEST(GetFlowStepsValidationTest, AtLeastOneId) {
  EXPECT_THAT(DescriptionOf(ValidateGetFlowSteps({}), "flow_ids"),
              HasSubstr("at least one flow id"));
}

TEST(GetFlowStepsValidationTest, TwentyIdsAreFineTwentyOneAreNot) {
  v1::GetFlowStepsRequest request;
  for (int i = 0; i < 20; ++i) request.add_flow_ids(std::to_string(1000 + i));
  EXPECT_THAT(ValidateGetFlowSteps(request).violations.listed(), IsEmpty());
  request.add_flow_ids("2000");
  const auto validated = ValidateGetFlowSteps(request);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("flow_ids"));
  EXPECT_THAT(DescriptionOf(validated, "flow_ids"), HasSubstr("at most 20"));
}

TEST(GetFlowStepsValidationTest, AHugeListIsRefusedWholeWithoutReadingIt) {
  v1::GetFlowStepsRequest request;
  for (int i = 0; i < 100000; ++i) request.add_flow_ids(i % 2 ? "bad id" : "");
  EXPECT_THAT(FieldsOf(ValidateGetFlowSteps(request).violations),
              ElementsAre("flow_ids"));
}

TEST(GetFlowStepsValidationTest, BadAndRepeatedIdsAreNamedByIndex) {
  v1::GetFlowStepsRequest request;
  request.add_flow_ids("1");
  request.add_flow_ids("");
  request.add_flow_ids("1");
  request.add_flow_ids("a b");
  request.add_flow_ids(std::string(129, '7'));
  const auto validated = ValidateGetFlowSteps(request);
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("flow_ids[1]", "flow_ids[2]", "flow_ids[3]", "flow_ids[4]"));
  EXPECT_EQ(DescriptionOf(validated, "flow_ids[2]"), "repeats flow_ids[0]");
}

}  // namespace
}  // namespace gong::api
