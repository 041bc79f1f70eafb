// Unit tests for StartBulkAssignment's validation (ValidateStartBulkAssignment
// in server/api/request_validation.h): the flow and its owner, 1 to 50
// prospects each named by crm_id or by first and last name, every optional
// text within its bound, and what a valid request becomes for the codec.
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
using ::testing::SizeIs;

namespace v1 = flows::v1;

v1::StartBulkAssignmentRequest ValidStart() {
  v1::StartBulkAssignmentRequest request;
  request.set_flow_id("7100");
  request.set_owner_email("ana@example.com");
  request.add_prospects()->set_crm_id("003A");
  v1::BulkProspect* named = request.add_prospects();
  named->set_first_name("Zoë");
  named->set_last_name("van der Berg");
  named->set_email("zoe@example.com");
  named->set_job_title("Head of Sales, EMEA");
  named->set_linkedin_url("https://www.linkedin.com/in/zoe-vdb");
  named->set_account_crm_id("001X");
  named->set_company_name("Acme & Co.");
  return request;
}

TEST(StartBulkAssignmentValidationTest, AValidRequestBecomesTheCodecsRequest) {
  const auto validated = ValidateStartBulkAssignment(ValidStart());

  ASSERT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_EQ(validated.request.flow_id, "7100");
  EXPECT_EQ(validated.request.owner_email, "ana@example.com");
  ASSERT_THAT(validated.request.prospects, SizeIs(2));
  EXPECT_EQ(validated.request.prospects[0].crm_id, "003A");
  EXPECT_EQ(validated.request.prospects[0].first_name, "");
  const upstream::BulkProspect& named = validated.request.prospects[1];
  EXPECT_EQ(named.first_name, "Zoë");
  EXPECT_EQ(named.last_name, "van der Berg");
  EXPECT_EQ(named.email, "zoe@example.com");
  EXPECT_EQ(named.job_title, "Head of Sales, EMEA");
  EXPECT_EQ(named.linkedin_url, "https://www.linkedin.com/in/zoe-vdb");
  EXPECT_EQ(named.account_crm_id, "001X");
  EXPECT_EQ(named.company_name, "Acme & Co.");
}

TEST(StartBulkAssignmentValidationTest, TheFlowAndTheOwnerAreRequiredAsForAssign) {
  v1::StartBulkAssignmentRequest request = ValidStart();
  request.clear_flow_id();
  request.clear_owner_email();
  EXPECT_THAT(FieldsOf(ValidateStartBulkAssignment(request).violations),
              ElementsAre("flow_id", "owner_email"));

  request = ValidStart();
  request.set_flow_id("71 00");
  request.set_owner_email("ana.example.com");
  const auto validated = ValidateStartBulkAssignment(request);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("flow_id", "owner_email"));
  EXPECT_THAT(DescriptionOf(validated, "owner_email"), HasSubstr("local@domain"));
}

TEST(StartBulkAssignmentValidationTest, OneToFiftyProspects) {
  v1::StartBulkAssignmentRequest request = ValidStart();
  request.clear_prospects();
  EXPECT_THAT(FieldsOf(ValidateStartBulkAssignment(request).violations),
              ElementsAre("prospects"));

  for (int i = 0; i < 50; ++i) request.add_prospects()->set_crm_id(absl::StrCat("p", i));
  EXPECT_TRUE(ValidateStartBulkAssignment(request).violations.empty());

  request.add_prospects()->set_crm_id("p50");
  const auto validated = ValidateStartBulkAssignment(request);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("prospects"));
  EXPECT_THAT(DescriptionOf(validated, "prospects"), HasSubstr("at most 50"));
}

TEST(StartBulkAssignmentValidationTest, AProspectNeedsACrmIdOrBothNames) {
  v1::StartBulkAssignmentRequest request = ValidStart();
  request.clear_prospects();
  request.add_prospects()->set_first_name("Only");  // [0]: no last name
  request.add_prospects()->set_last_name("Only");   // [1]: no first name
  request.add_prospects();                          // [2]: nothing
  request.add_prospects()->set_crm_id("bad id");    // [3]: not an id
  v1::BulkProspect* both = request.add_prospects();  // [4]: fine
  both->set_crm_id("003Z");
  both->set_first_name("Also");

  const auto validated = ValidateStartBulkAssignment(request);
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("prospects[0].last_name", "prospects[1].first_name",
                          "prospects[2].first_name", "prospects[2].last_name",
                          "prospects[3].crm_id"));
  EXPECT_THAT(DescriptionOf(validated, "prospects[2].first_name"), HasSubstr("crm_id"));
}

TEST(StartBulkAssignmentValidationTest, OptionalTextsAreBoundedUtf8WithoutControls) {
  v1::StartBulkAssignmentRequest request = ValidStart();
  v1::BulkProspect* p = request.mutable_prospects(1);
  p->set_first_name(std::string(1025, 'a'));
  p->set_last_name("Line\nbreak");
  p->set_job_title("\xC3\x28");  // invalid UTF-8
  p->set_linkedin_url(std::string(1024, 'u'));  // at the bound: fine
  p->set_company_name("Tab\tCo");
  p->set_account_crm_id("\x7F");
  p->set_email("not-an-email");

  const auto validated = ValidateStartBulkAssignment(request);
  EXPECT_THAT(FieldsOf(validated.violations),
              ElementsAre("prospects[1].first_name", "prospects[1].last_name",
                          "prospects[1].job_title", "prospects[1].account_crm_id",
                          "prospects[1].company_name", "prospects[1].email"));
  EXPECT_THAT(DescriptionOf(validated, "prospects[1].first_name"), HasSubstr("1024"));
  EXPECT_THAT(DescriptionOf(validated, "prospects[1].last_name"),
              HasSubstr("control character"));
  EXPECT_THAT(DescriptionOf(validated, "prospects[1].job_title"),
              HasSubstr("invalid UTF-8"));
}

TEST(StartBulkAssignmentValidationTest, ThousandsOfBadProspectsCostOneViolation) {
  v1::StartBulkAssignmentRequest request = ValidStart();
  request.clear_prospects();
  for (int i = 0; i < 5000; ++i) request.add_prospects()->set_crm_id("bad id");
  const auto validated = ValidateStartBulkAssignment(request);
  EXPECT_EQ(validated.violations.total(), 1u);
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("prospects"));
}

TEST(StartBulkAssignmentValidationTest, FiftyBadProspectsListAtMostTheCap) {
  v1::StartBulkAssignmentRequest request = ValidStart();
  request.clear_prospects();
  for (int i = 0; i < 50; ++i) {
    v1::BulkProspect* p = request.add_prospects();
    p->set_email("x");
    p->set_company_name(std::string(2000, 'c'));
  }
  const auto validated = ValidateStartBulkAssignment(request);
  EXPECT_EQ(validated.violations.listed().size(), kMaxListedViolations);
  EXPECT_EQ(validated.violations.total(), 200u);  // 50 x (2 names, company, email)
}

}  // namespace
}  // namespace gong::api
