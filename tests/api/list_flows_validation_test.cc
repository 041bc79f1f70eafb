// Unit tests for ListFlows's validation (ValidateListFlows in
// server/api/request_validation.h): the owner's email and the id filters;
// the page token is page_token_test's; what a valid request becomes for the
// codec.
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

TEST(ListFlowsValidationTest, TheFiltersBecomeTheQuery) {
  v1::ListFlowsRequest request;
  request.set_flow_owner_email("ana@example.com");
  request.set_workspace_id("61");
  request.set_folder_id("62");
  request.set_most_recently_assigned(true);
  const auto validated = ValidateListFlows(request);
  EXPECT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_EQ(validated.request.flow_owner_email, "ana@example.com");
  EXPECT_EQ(validated.request.workspace_id, "61");
  EXPECT_EQ(validated.request.folder_id, "62");
  EXPECT_TRUE(validated.request.most_recently_assigned);
  EXPECT_EQ(validated.request.cursor, "");
}

TEST(ListFlowsValidationTest, TheOwnerIsRequiredAndMustBeAnEmail) {
  EXPECT_EQ(DescriptionOf(ValidateListFlows({}), "flow_owner_email"), "is required");
  v1::ListFlowsRequest request;
  request.set_flow_owner_email("ana");
  EXPECT_THAT(DescriptionOf(ValidateListFlows(request), "flow_owner_email"),
              HasSubstr("local@domain"));
}

TEST(ListFlowsValidationTest, IdFiltersMustBeIds) {
  v1::ListFlowsRequest request;
  request.set_flow_owner_email("ana@example.com");
  request.set_workspace_id("61 00");
  request.set_folder_id("\n");
  EXPECT_THAT(FieldsOf(ValidateListFlows(request).violations),
              ElementsAre("workspace_id", "folder_id"));
}

}  // namespace
}  // namespace gong::api
