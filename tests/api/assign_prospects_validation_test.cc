// Unit tests for AssignProspects's validation (ValidateAssignProspects in
// server/api/request_validation.h): the prospects, the flow and its owner,
// and every text of the overrides within its bound; what a valid request
// becomes for the codec.
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

v1::AssignProspectsRequest ValidAssign() {
  v1::AssignProspectsRequest request;
  request.add_crm_prospect_ids("003A");
  request.add_crm_prospect_ids("003B");
  request.set_flow_id("7100");
  request.set_flow_instance_owner_email("ana@example.com");
  return request;
}

TEST(AssignProspectsValidationTest, AValidRequestBecomesTheCodecsRequest) {
  v1::AssignProspectsRequest request = ValidAssign();
  request.set_flow_instance_description("Q3 push");
  auto* step = request.mutable_overrides()->add_steps();
  step->set_number(2);
  step->set_subject("Hi");
  auto* variable = request.mutable_overrides()->add_flow_instance_variables();
  variable->set_name("discount");
  variable->set_value("10%");
  request.mutable_overrides()->set_cool_off_override(true);

  const auto validated = ValidateAssignProspects(request);
  ASSERT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_THAT(validated.request.crm_prospect_ids, ElementsAre("003A", "003B"));
  EXPECT_EQ(validated.request.flow_id, "7100");
  EXPECT_EQ(validated.request.flow_instance_owner_email, "ana@example.com");
  EXPECT_EQ(validated.request.flow_instance_description, "Q3 push");
  ASSERT_TRUE(validated.request.overrides.has_value());
  ASSERT_EQ(validated.request.overrides->steps.size(), 1u);
  EXPECT_EQ(validated.request.overrides->steps[0].number, 2);
  EXPECT_EQ(validated.request.overrides->steps[0].subject, "Hi");
  ASSERT_EQ(validated.request.overrides->flow_instance_variables.size(), 1u);
  EXPECT_EQ(validated.request.overrides->flow_instance_variables[0].value, "10%");
  EXPECT_TRUE(validated.request.overrides->cool_off_override);
}

TEST(AssignProspectsValidationTest, WithoutOverridesNoneAreSent) {
  EXPECT_FALSE(ValidateAssignProspects(ValidAssign()).request.overrides.has_value());
}

TEST(AssignProspectsValidationTest, EveryRequiredFieldIsNamed) {
  const auto validated = ValidateAssignProspects({});
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("crm_prospect_ids", "flow_id", "flow_instance_owner_email"));
}

TEST(AssignProspectsValidationTest, AtMostAHundredProspects) {
  v1::AssignProspectsRequest request = ValidAssign();
  request.clear_crm_prospect_ids();
  for (int i = 0; i < 100; ++i) request.add_crm_prospect_ids(absl::StrCat("003", i));
  EXPECT_THAT(ValidateAssignProspects(request).violations.listed(), IsEmpty());
  request.add_crm_prospect_ids("003X");
  EXPECT_THAT(DescriptionOf(ValidateAssignProspects(request), "crm_prospect_ids"),
              HasSubstr("at most 100"));
}

TEST(AssignProspectsValidationTest, StepNumbersCountFromOneEachOnce) {
  v1::AssignProspectsRequest request = ValidAssign();
  for (int number : {1, 0, -3, 1}) {
    request.mutable_overrides()->add_steps()->set_number(number);
  }
  const auto validated = ValidateAssignProspects(request);
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("overrides.steps[1].number", "overrides.steps[2].number",
                          "overrides.steps[3].number"));
  EXPECT_THAT(DescriptionOf(validated, "overrides.steps[1].number"), HasSubstr("from 1"));
  EXPECT_EQ(DescriptionOf(validated, "overrides.steps[3].number"),
            "repeats overrides.steps[0].number");
}

TEST(AssignProspectsValidationTest, VariablesNeedANameEachOnce) {
  v1::AssignProspectsRequest request = ValidAssign();
  for (const char* name : {"a", "", "a"}) {
    request.mutable_overrides()->add_flow_instance_variables()->set_name(name);
  }
  EXPECT_THAT(FieldsOf(ValidateAssignProspects(request).violations),
              ElementsAre("overrides.flow_instance_variables[1].name",
                          "overrides.flow_instance_variables[2].name"));
}

TEST(AssignProspectsValidationTest, ARepeatedProspectIsNamed) {
  v1::AssignProspectsRequest request = ValidAssign();
  request.add_crm_prospect_ids("003A");
  EXPECT_THAT(FieldsOf(ValidateAssignProspects(request).violations),
              ElementsAre("crm_prospect_ids[2]"));
}

// Text sent on to Gong as it is has a documented bound each (issue 26: a
// 3 MB step subject or a 1 MB description went to Gong).
v1::AssignProspectsRequest WithEveryText(size_t description, size_t subject, size_t body,
                                         size_t name, size_t value) {
  v1::AssignProspectsRequest request = ValidAssign();
  request.set_flow_instance_description(std::string(description, 'd'));
  auto* step = request.mutable_overrides()->add_steps();
  step->set_number(1);
  step->set_subject(std::string(subject, 's'));
  step->set_body(std::string(body, 'b'));
  auto* variable = request.mutable_overrides()->add_flow_instance_variables();
  variable->set_name(std::string(name, 'n'));
  variable->set_value(std::string(value, 'v'));
  return request;
}

TEST(AssignProspectsValidationTest, EachTextAtItsBoundPasses) {
  const auto validated = ValidateAssignProspects(
      WithEveryText(kMaxDescriptionBytes, kMaxStepSubjectBytes, kMaxStepBodyBytes,
                    kMaxVariableNameBytes, kMaxVariableValueBytes));
  ASSERT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_EQ(validated.request.flow_instance_description.size(), kMaxDescriptionBytes);
  EXPECT_EQ(validated.request.overrides->steps[0].body.size(), kMaxStepBodyBytes);
}

TEST(AssignProspectsValidationTest, EachTextPastItsBoundIsNamed) {
  const auto validated = ValidateAssignProspects(WithEveryText(
      kMaxDescriptionBytes + 1, kMaxStepSubjectBytes + 1, kMaxStepBodyBytes + 1,
      kMaxVariableNameBytes + 1, kMaxVariableValueBytes + 1));
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("overrides.steps[0].subject", "overrides.steps[0].body",
                          "overrides.flow_instance_variables[0].name",
                          "overrides.flow_instance_variables[0].value",
                          "flow_instance_description"));
  EXPECT_EQ(DescriptionOf(validated, "overrides.steps[0].body"),
            absl::StrCat("must be at most ", kMaxStepBodyBytes, " bytes, not ",
                         kMaxStepBodyBytes + 1));
}

TEST(AssignProspectsValidationTest, TheIssuesThreeMegabyteSubjectAndMegabyteDescription) {
  const auto validated =
      ValidateAssignProspects(WithEveryText(1 << 20, 3 << 20, 0, 1, 0));
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("overrides.steps[0].subject", "overrides",
                          "flow_instance_description"));
  EXPECT_THAT(DescriptionOf(validated, "overrides.steps[0].subject"),
              HasSubstr(absl::StrCat("not ", 3 << 20)));
  EXPECT_THAT(DescriptionOf(validated, "flow_instance_description"),
              HasSubstr(absl::StrCat("not ", 1 << 20)));
}

// Each override within its bound, but together more than a few full email
// bodies.
TEST(AssignProspectsValidationTest, TheOverridesTextTogetherIsBounded) {
  v1::AssignProspectsRequest request = ValidAssign();
  size_t total = 0;
  for (int number = 1; total <= kMaxOverridesTextBytes; ++number) {
    auto* step = request.mutable_overrides()->add_steps();
    step->set_number(number);
    step->set_body(std::string(kMaxStepBodyBytes, 'b'));
    total += kMaxStepBodyBytes;
  }
  const auto validated = ValidateAssignProspects(request);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("overrides"));
  EXPECT_THAT(DescriptionOf(validated, "overrides"), HasSubstr(absl::StrCat(total)));
}

// More overrides than a request may have is one violation, whatever is in
// them.
TEST(AssignProspectsValidationTest, TooManyOverridesAreOneViolationEach) {
  v1::AssignProspectsRequest request = ValidAssign();
  for (int i = 0; i < 10'000; ++i) {
    request.mutable_overrides()->add_steps()->set_number(0);
    request.mutable_overrides()->add_flow_instance_variables();
  }
  const auto validated = ValidateAssignProspects(request);
  EXPECT_EQ(validated.violations.total(), 2u);
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("overrides.steps", "overrides.flow_instance_variables"));
  EXPECT_THAT(DescriptionOf(validated, "overrides.steps"),
              HasSubstr(absl::StrCat("at most ", kMaxStepOverrides)));

  request = ValidAssign();
  for (size_t i = 1; i <= kMaxStepOverrides; ++i) {
    request.mutable_overrides()->add_steps()->set_number(static_cast<int>(i));
  }
  for (size_t i = 0; i < kMaxVariableOverrides; ++i) {
    request.mutable_overrides()->add_flow_instance_variables()->set_name(
        absl::StrCat("v", i));
  }
  EXPECT_THAT(ValidateAssignProspects(request).violations.listed(), IsEmpty());
}

}  // namespace
}  // namespace gong::api
