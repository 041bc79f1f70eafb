// Unit tests for ValidateUnassignByInstanceIds (server/api/request_validation.h): the
// checks that keep a bad request from ever reaching Gong. Table-driven: each
// row is a request and the fields it must be refused for (every violation at
// once, ids indexed as in the caller's request), or, for a valid request, the
// de-duplicated ids in first-occurrence order that go to Gong.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/request_validation.h"
#include "gmock/gmock.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "gtest/gtest.h"

namespace gong::api {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> NumberedIds(int count, int first = 1) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(first + i));
  return ids;
}

std::vector<std::string> Concat(std::vector<std::string> a,
                                const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> FieldsOf(const ViolationList& violations) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : violations) fields.push_back(v.field);
  return fields;
}

flows::v1::UnassignByInstanceIdsRequest MakeRequest(const std::vector<std::string>& ids,
                                                    const std::string& email) {
  flows::v1::UnassignByInstanceIdsRequest request;
  for (const std::string& id : ids) request.add_flow_instance_ids(id);
  request.set_unassigned_by_user_email(email);
  return request;
}

// An email address of exactly `bytes` bytes.
std::string EmailOfSize(size_t bytes) {
  const std::string domain = "@example.com";
  return std::string(bytes - domain.size(), 'a') + domain;
}

// --- Valid requests ----------------------------------------------------------

struct ValidCase {
  std::string name;
  std::vector<std::string> ids;
  std::string email;
  std::vector<std::string> expected_ids;  // what goes to Gong
};

class ValidRequestTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidRequestTest, PassesWithDistinctIdsInFirstOccurrenceOrder) {
  const ValidCase& c = GetParam();

  const ValidatedRequest validated =
      ValidateUnassignByInstanceIds(MakeRequest(c.ids, c.email));

  EXPECT_THAT(FieldsOf(validated.violations), IsEmpty());
  EXPECT_THAT(validated.request.flow_instance_ids, ElementsAreArray(c.expected_ids));
  EXPECT_EQ(validated.request.unassigned_by_user_email, c.email);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidRequestTest,
    ::testing::Values(
        ValidCase{"OneId", {"123"}, "", {"123"}},
        ValidCase{"DuplicatesKeepFirstOccurrenceOrder",
                  {"b", "a", "b", "c", "a", "c"},
                  "",
                  {"b", "a", "c"}},
        ValidCase{"TwoHundredDistinctIds", NumberedIds(200), "", NumberedIds(200)},
        ValidCase{"TwoHundredDistinctIdsPlusDuplicates",
                  Concat(NumberedIds(200), NumberedIds(50, 100)), "", NumberedIds(200)},
        // Repeats are sent once, up to the cap on the list's length.
        ValidCase{"AThousandEntriesOfTwoHundredIds",
                  Concat(Concat(Concat(Concat(NumberedIds(200), NumberedIds(200)),
                                       NumberedIds(200)),
                                NumberedIds(200)),
                         NumberedIds(200)),
                  "", NumberedIds(200)},
        ValidCase{"IdOf128Bytes", {std::string(128, '7')}, "", {std::string(128, '7')}},
        ValidCase{"SixtyFourBitNumericId",
                  {"18446744073709551615"},
                  "",
                  {"18446744073709551615"}},
        ValidCase{"Email", {"1"}, "ann@example.com", {"1"}},
        ValidCase{
            "EmailWithPlusAndSubdomain", {"1"}, "ann+flows@eu.example.co.uk", {"1"}},
        ValidCase{"EmailOf254Bytes", {"1"}, EmailOfSize(254), {"1"}},
        // Visible letters of any script are fine in an email.
        ValidCase{"EmailWithAccentsAndCyrillic",
                  {"1"},
                  "jos\u00e9@\u043f\u0440\u0438\u043c\u0435\u0440.example",
                  {"1"}},
        ValidCase{"EmailWithEmoji", {"1"}, "ann\U0001f600@example.com", {"1"}}),
    [](const ::testing::TestParamInfo<ValidCase>& info) { return info.param.name; });

// --- Invalid requests --------------------------------------------------------

struct InvalidCase {
  std::string name;
  std::vector<std::string> ids;
  std::string email;
  std::vector<std::string> expected_fields;  // in the order reported
};

class InvalidRequestTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRequestTest, IsRefusedNamingEveryBadField) {
  const InvalidCase& c = GetParam();

  const ValidatedRequest validated =
      ValidateUnassignByInstanceIds(MakeRequest(c.ids, c.email));

  EXPECT_THAT(FieldsOf(validated.violations), ElementsAreArray(c.expected_fields));
  for (const FieldViolation& v : validated.violations) {
    SCOPED_TRACE(v.field);
    EXPECT_FALSE(v.description.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidRequestTest,
    ::testing::Values(
        InvalidCase{"EmptyList", {}, "", {"flow_instance_ids"}},
        InvalidCase{
            "TwoHundredAndOneDistinctIds", NumberedIds(201), "", {"flow_instance_ids"}},
        // Past the cap on the list's length the entries are not read: one
        // violation, however many of them are bad.
        InvalidCase{"AThousandAndOneEntries",
                    Concat(NumberedIds(1000), {""}),
                    "",
                    {"flow_instance_ids"}},
        InvalidCase{"AThousandAndOneEntriesAndABadEmail",
                    std::vector<std::string>(1001, "1 2"),
                    "nobody",
                    {"flow_instance_ids", "unassigned_by_user_email"}},
        InvalidCase{"EmptyId", {"1", "2", "3", "", "5"}, "", {"flow_instance_ids[3]"}},
        InvalidCase{
            "IdOf129Bytes", {std::string(129, '7')}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithSpace", {"1", "2 3"}, "", {"flow_instance_ids[1]"}},
        InvalidCase{"IdWithLeadingSpace", {" 1"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithTrailingNewline", {"1\n"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithTab", {"1\t2"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithCarriageReturn", {"1\r"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithDelete", {"1\x7f"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithControlCharacter",
                    {"\x01"
                     "1"},
                    "",
                    {"flow_instance_ids[0]"}},
        InvalidCase{
            "IdWithNulByte", {std::string("1\0002", 3)}, "", {"flow_instance_ids[0]"}},
        // The index is the id's place in the caller's request, duplicates
        // included, not its place after de-duplication.
        InvalidCase{"IndexCountsDuplicates",
                    {"a", "a", "a", "b c"},
                    "",
                    {"flow_instance_ids[3]"}},
        InvalidCase{
            "EveryBadIdReported",
            {"", "ok", "a b", "ok", "x\ty"},
            "",
            {"flow_instance_ids[0]", "flow_instance_ids[2]", "flow_instance_ids[4]"}},
        InvalidCase{
            "EmailWithoutAt", {"1"}, "ann.example.com", {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithTwoAts",
                    {"1"},
                    "ann@team@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithDoubledAt",
                    {"1"},
                    "ann@@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{
            "EmailWithoutLocalPart", {"1"}, "@example.com", {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithoutDomain", {"1"}, "ann@", {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithSpace",
                    {"1"},
                    "ann smith@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithTrailingSpace",
                    {"1"},
                    "ann@example.com ",
                    {"unassigned_by_user_email"}},
        InvalidCase{
            "EmailWithTab", {"1"}, "ann@example\t.com", {"unassigned_by_user_email"}},
        InvalidCase{
            "EmailOf255Bytes", {"1"}, EmailOfSize(255), {"unassigned_by_user_email"}},
        // Characters a reader cannot see, which ASCII-only checks let through
        // to Gong (issue 11): in ids, anything but printable ASCII; in
        // emails, whitespace, controls and format characters of any script.
        InvalidCase{"IdWithNoBreakSpace", {"10\u00a001"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithZeroWidthSpace", {"1001\u200b"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{
            "IdWithRightToLeftOverride", {"\u202e1001"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithLineSeparator", {"10\u202801"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"IdWithFullwidthDigit", {"100\uff11"}, "", {"flow_instance_ids[0]"}},
        InvalidCase{"EmailWithNoBreakSpace",
                    {"1"},
                    "ann\u00a0@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithLineSeparator",
                    {"1"},
                    "ann@example.com\u2028",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithZeroWidthSpace",
                    {"1"},
                    "ann@exa\u200bmple.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithRightToLeftOverride",
                    {"1"},
                    "\u202eann@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithIdeographicSpace",
                    {"1"},
                    "ann@example\u3000.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithByteOrderMark",
                    {"1"},
                    "\ufeffann@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithNextLine",
                    {"1"},
                    "ann@example.com\u0085",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithTagCharacter",
                    {"1"},
                    "ann@example.com\U000e0041",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailOfInvalidUtf8",
                    {"1"},
                    "ann\xc3@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithOverlongSlash",
                    {"1"},
                    "ann\xc0\xaf@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmailWithEncodedSurrogate",
                    {"1"},
                    "ann\xed\xa0\x80@example.com",
                    {"unassigned_by_user_email"}},
        InvalidCase{"EmptyListAndBadEmail",
                    {},
                    "nobody",
                    {"flow_instance_ids", "unassigned_by_user_email"}},
        InvalidCase{"BadIdsAndBadEmail",
                    {"1", "", "2"},
                    "a@b@c",
                    {"flow_instance_ids[1]", "unassigned_by_user_email"}}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) { return info.param.name; });

// --- Descriptions ------------------------------------------------------------

TEST(UnassignByInstanceIdsValidationTest, HiddenCharactersAreNamedWithTheirPosition) {
  const ValidatedRequest validated = ValidateUnassignByInstanceIds(
      MakeRequest({"1001", "10\u00a001"}, "jos\u00e9\u200b@example.com"));

  ASSERT_EQ(validated.violations.total(), 2u);
  EXPECT_EQ(validated.violations.listed()[0].field, "flow_instance_ids[1]");
  EXPECT_EQ(validated.violations.listed()[0].description,
            "must be printable ASCII without spaces (Gong's ids are numeric strings); "
            "byte 2 is 0xC2");
  EXPECT_EQ(validated.violations.listed()[1].field, "unassigned_by_user_email");
  EXPECT_EQ(validated.violations.listed()[1].description,
            "must not hold whitespace, control or format characters, nor invalid UTF-8: "
            "U+200B (a format character) at character 4");
}

TEST(UnassignByInstanceIdsValidationTest, TooManyIdsSaysTheLimitAndTheCount) {
  const ValidatedRequest validated =
      ValidateUnassignByInstanceIds(MakeRequest(NumberedIds(250), ""));

  ASSERT_EQ(validated.violations.total(), 1u);
  EXPECT_THAT(validated.violations.listed()[0].description, HasSubstr("200"));
  EXPECT_THAT(validated.violations.listed()[0].description, HasSubstr("250"));
}

TEST(UnassignByInstanceIdsValidationTest, LongIdSaysTheLimit) {
  const ValidatedRequest validated =
      ValidateUnassignByInstanceIds(MakeRequest({std::string(300, '1')}, ""));

  ASSERT_EQ(validated.violations.total(), 1u);
  EXPECT_THAT(validated.violations.listed()[0].description, HasSubstr("128"));
}

// The first kMaxListedViolations are named, in request order; the rest are
// counted.
TEST(UnassignByInstanceIdsValidationTest, ViolationsPastTheListAreCounted) {
  std::vector<std::string> ids = NumberedIds(5);
  for (int i = 0; i < 12; ++i) ids.push_back("");
  const ValidatedRequest validated =
      ValidateUnassignByInstanceIds(MakeRequest(ids, "nobody"));

  EXPECT_EQ(validated.violations.total(), 13u);
  EXPECT_EQ(validated.violations.unlisted(), 3u);
  std::vector<std::string> expected;
  for (int i = 5; i < 15; ++i)
    expected.push_back(absl::StrCat("flow_instance_ids[", i, "]"));
  EXPECT_THAT(FieldsOf(validated.violations), ElementsAreArray(expected));
}

TEST(UnassignByInstanceIdsValidationTest,
     TwoHundredAndOneWithDuplicatesCountsDistinctIds) {
  // 201 distinct ids hidden among 400 entries are still too many.
  const std::vector<std::string> ids = Concat(NumberedIds(201), NumberedIds(199));
  const ValidatedRequest validated = ValidateUnassignByInstanceIds(MakeRequest(ids, ""));

  ASSERT_EQ(validated.violations.total(), 1u);
  EXPECT_EQ(validated.violations.listed()[0].field, "flow_instance_ids");
  EXPECT_THAT(validated.violations.listed()[0].description, HasSubstr("201"));
}

}  // namespace
}  // namespace gong::api
