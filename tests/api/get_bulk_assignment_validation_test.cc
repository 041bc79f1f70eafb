// Unit tests for GetBulkAssignment's validation (ValidateGetBulkAssignment
// and ValidateBulkAssignmentId in server/api/request_validation.h): the
// job's id goes into the path of Gong's GET, so only characters a path
// segment holds as they are pass, and nothing can change which path it is.
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

v1::GetBulkAssignmentRequest Get(std::string id) {
  v1::GetBulkAssignmentRequest request;
  request.set_bulk_assignment_id(std::move(id));
  return request;
}

TEST(GetBulkAssignmentValidationTest, AJobIdAsGongGivesItPasses) {
  for (const std::string& id : std::vector<std::string>{
           "9200000000000000001", "b-1", "job_2.a~", std::string(128, '7')}) {
    SCOPED_TRACE(id);
    const auto validated = ValidateGetBulkAssignment(Get(id));
    EXPECT_THAT(validated.violations.listed(), IsEmpty());
    EXPECT_EQ(validated.request.bulk_assignment_id, id);
  }
}

TEST(GetBulkAssignmentValidationTest, NothingThatCouldLeaveItsPathSegmentPasses) {
  for (const std::string& id : std::vector<std::string>{
           "", ".", "..", "../users", "..%2F..%2Fusers", "a/b", "a?b", "a#b", "a b",
           "a\tb", "a\nb", "\xC3\xA9t\xC3\xA9", "a%2Fb", "a;b",
           std::string(129, '7')}) {
    SCOPED_TRACE(id);
    const auto validated = ValidateGetBulkAssignment(Get(id));
    EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("bulk_assignment_id"));
  }
  EXPECT_THAT(DescriptionOf(ValidateGetBulkAssignment(Get("")), "bulk_assignment_id"),
              HasSubstr("required"));
  EXPECT_THAT(
      DescriptionOf(ValidateGetBulkAssignment(Get("../x")), "bulk_assignment_id"),
      HasSubstr("byte 2 is 0x2F"));
}

TEST(GetBulkAssignmentValidationTest, TheIdCheckNamesTheFieldItIsGiven) {
  const auto validated = ValidateBulkAssignmentId("a/b", "watch.bulk_assignment_id");
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAre("watch.bulk_assignment_id"));
  EXPECT_TRUE(ValidateBulkAssignmentId("9200000000000000001").violations.empty());
}

}  // namespace
}  // namespace gong::api
