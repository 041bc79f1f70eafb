// Unit tests for ListFlowFolders's validation (ValidateListFlowFolders in
// server/api/request_validation.h): the owner's email and the decimal id
// filters; the page token is page_token_test's; what a valid request
// becomes for the codec.
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

TEST(ListFlowFoldersValidationTest, TheFiltersBecomeTheQuery) {
  v1::ListFlowFoldersRequest request;
  request.set_owner_email("ana@example.com");
  request.set_workspace_id("61");
  request.set_parent_folder_id("9223372036854775807");
  const auto validated = ValidateListFlowFolders(request);
  EXPECT_THAT(validated.violations.listed(), IsEmpty());
  EXPECT_EQ(validated.request.owner_email, "ana@example.com");
  EXPECT_EQ(validated.request.workspace_id, "61");
  EXPECT_EQ(validated.request.parent_folder_id, "9223372036854775807");
  EXPECT_EQ(validated.request.cursor, "");
}

TEST(ListFlowFoldersValidationTest, TheOwnerIsRequiredAndMustBeAnEmail) {
  EXPECT_EQ(DescriptionOf(ValidateListFlowFolders({}), "owner_email"), "is required");
  v1::ListFlowFoldersRequest request;
  request.set_owner_email("ana@");
  EXPECT_THAT(DescriptionOf(ValidateListFlowFolders(request), "owner_email"),
              HasSubstr("local@domain"));
  request.set_owner_email(std::string(250, 'a') + "@b.co");
  EXPECT_THAT(DescriptionOf(ValidateListFlowFolders(request), "owner_email"),
              HasSubstr("at most 254 bytes"));
}

TEST(ListFlowFoldersValidationTest, IdFiltersMustBeDecimalInt64s) {
  for (const std::string bad : {"61 00", "-1", "0x1F", "1.0", "\n", "٣",
                                "9223372036854775808", "99999999999999999999"}) {
    v1::ListFlowFoldersRequest request;
    request.set_owner_email("ana@example.com");
    request.set_workspace_id(bad);
    request.set_parent_folder_id(bad);
    EXPECT_THAT(FieldsOf(ValidateListFlowFolders(request).violations),
                ElementsAre("workspace_id", "parent_folder_id"))
        << bad;
  }
}

TEST(ListFlowFoldersValidationTest, EveryProblemIsReportedAtOnce) {
  v1::ListFlowFoldersRequest request;
  request.set_workspace_id("x");
  EXPECT_THAT(FieldsOf(ValidateListFlowFolders(request).violations),
              ElementsAre("owner_email", "workspace_id"));
}

}  // namespace
}  // namespace gong::api
