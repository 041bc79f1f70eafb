// Unit tests for what a caller gets for a request validation refuses
// (server/api/violation_list.h, server/api/invalid_request.h), however much
// is wrong with it: INVALID_ARGUMENT with its ErrorInfo, a bounded
// BadRequest, and details that fit a caller's default 8 KiB of metadata
// (past it the caller's gRPC turns the status into RESOURCE_EXHAUSTED with
// no details: issue 26, from about 70 bad ids).
#include "api/invalid_request.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/request_validation.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace gong::api::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

namespace v1 = flows::v1;

// Well below gRPC's default 8 KiB of metadata, which also holds
// grpc-message (the message again) and base64 makes a third larger.
constexpr size_t kDetailsBound = 4 * 1024;

struct Refusal {
  grpc::Status status;
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad_request;
};

Refusal RefusalOf(const ViolationList& violations) {
  Refusal out;
  out.status = InvalidRequestStatus(violations);
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(out.status.error_details()));
  bool has_info = false;
  bool has_bad_request = false;
  for (const auto& any : details.details()) {
    has_info |= any.UnpackTo(&out.info);
    has_bad_request |= any.UnpackTo(&out.bad_request);
  }
  EXPECT_TRUE(has_info);
  EXPECT_TRUE(has_bad_request);
  return out;
}

// What every refusal must be, however large the request.
void ExpectBoundedRefusal(const Refusal& refusal) {
  EXPECT_EQ(refusal.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refusal.info.reason(), "INVALID_REQUEST");
  EXPECT_EQ(refusal.info.domain(), "gong.io");
  EXPECT_GE(refusal.bad_request.field_violations_size(), 1);
  EXPECT_LE(refusal.bad_request.field_violations_size(),
            static_cast<int>(kMaxListedViolations));
  EXPECT_LT(refusal.status.error_details().size(), kDetailsBound);
  // What goes on the wire: the details in base64, the message as
  // grpc-message (percent-encoding at worst triples it).
  EXPECT_LT(absl::Base64Escape(refusal.status.error_details()).size() +
                3 * refusal.status.error_message().size(),
            8 * 1024 - 1024);
}

v1::UnassignByInstanceIdsRequest UnassignOf(
    size_t count, const std::function<std::string(size_t)>& id) {
  v1::UnassignByInstanceIdsRequest request;
  request.mutable_flow_instance_ids()->Reserve(static_cast<int>(count));
  for (size_t i = 0; i < count; ++i) request.add_flow_instance_ids(id(i));
  return request;
}

// The 3.9 MB request: 1.3 million ids, all the same. More entries
// than any valid request has is one violation, found without reading them.
TEST(InvalidRequestTest, AMillionRepeatedIdsAreOneViolation) {
  const auto request = UnassignOf(1'300'000, [](size_t) { return "1001"; });
  const ValidatedRequest validated = ValidateUnassignByInstanceIds(request);
  ASSERT_EQ(validated.violations.total(), 1u);
  EXPECT_EQ(validated.violations.listed()[0].field, "flow_instance_ids");
  EXPECT_THAT(validated.violations.listed()[0].description,
              HasSubstr(absl::StrCat("at most ", kMaxIdEntriesPerUnassign)));
  EXPECT_THAT(validated.violations.listed()[0].description, HasSubstr("1300000"));
  EXPECT_TRUE(validated.request.flow_instance_ids.empty());
  ExpectBoundedRefusal(RefusalOf(validated.violations));
}

// 10,000 distinct bad ids, in each list of ids a caller can send: over the
// list's cap, so one violation of the list, not one per id.
TEST(InvalidRequestTest, TenThousandDistinctBadIdsAreOneViolationInEveryList) {
  auto bad_id = [](size_t i) { return absl::StrCat("bad id ", i); };
  std::vector<std::pair<std::string, ViolationList>> cases;
  cases.emplace_back(
      "UnassignByInstanceIds",
      ValidateUnassignByInstanceIds(UnassignOf(10'000, bad_id)).violations);
  v1::GetProspectFlowsRequest by_crm;
  v1::GetProspectFlowsRequest by_instance;
  v1::AssignProspectsRequest assign;
  assign.set_flow_id("7100");
  assign.set_flow_instance_owner_email("ana@example.com");
  for (size_t i = 0; i < 10'000; ++i) {
    by_crm.add_crm_prospect_ids(bad_id(i));
    by_instance.add_flow_instance_ids(bad_id(i));
    assign.add_crm_prospect_ids(bad_id(i));
  }
  cases.emplace_back("GetProspectFlows by CRM id",
                     ValidateGetProspectFlows(by_crm).violations);
  cases.emplace_back("GetProspectFlows by instance id",
                     ValidateGetProspectFlows(by_instance).violations);
  cases.emplace_back("AssignProspects", ValidateAssignProspects(assign).violations);
  for (const auto& [method, violations] : cases) {
    SCOPED_TRACE(method);
    ASSERT_EQ(violations.total(), 1u);
    EXPECT_THAT(violations.listed()[0].field, ::testing::EndsWith("_ids"));
    EXPECT_THAT(violations.listed()[0].description, HasSubstr("10000"));
    ExpectBoundedRefusal(RefusalOf(violations));
  }
}

// Within the list's cap every id is checked, but only the first
// kMaxListedViolations are described; the others are counted, and the
// caller is told how many.
TEST(InvalidRequestTest, ThousandsOfHugeBadIdsListTheFirstAndCountTheRest) {
  const auto request = UnassignOf(kMaxIdEntriesPerUnassign, [](size_t i) {
    return absl::StrCat(i, std::string(4 * 1024, 'x'));  // 4 KiB: over 128 bytes
  });
  const ValidatedRequest validated = ValidateUnassignByInstanceIds(request);
  EXPECT_EQ(validated.violations.total(), kMaxIdEntriesPerUnassign);
  ASSERT_THAT(validated.violations.listed(), SizeIs(kMaxListedViolations));
  for (size_t i = 0; i < kMaxListedViolations; ++i) {
    EXPECT_EQ(validated.violations.listed()[i].field,
              absl::StrCat("flow_instance_ids[", i, "]"));
  }
  const Refusal refusal = RefusalOf(validated.violations);
  ExpectBoundedRefusal(refusal);
  EXPECT_EQ(refusal.bad_request.field_violations_size(),
            static_cast<int>(kMaxListedViolations));
  EXPECT_EQ(refusal.info.metadata().at("violations_not_listed"),
            absl::StrCat(kMaxIdEntriesPerUnassign - kMaxListedViolations));
  EXPECT_THAT(refusal.status.error_message(),
              HasSubstr(absl::StrCat("(and ", kMaxIdEntriesPerUnassign - 1,
                                     " more; BadRequest lists ", kMaxListedViolations,
                                     " of ", kMaxIdEntriesPerUnassign, ")")));

  // More of them than the list may hold: one violation again.
  const auto more =
      UnassignOf(5'000, [](size_t i) { return absl::StrCat(i, std::string(1024, 'x')); });
  const ValidatedRequest refused = ValidateUnassignByInstanceIds(more);
  EXPECT_EQ(refused.violations.total(), 1u);
  ExpectBoundedRefusal(RefusalOf(refused.violations));
}

// The case, which the caller saw as RESOURCE_EXHAUSTED: about 70 bad
// ids, each within the list's cap.
TEST(InvalidRequestTest, SeventyBadIdsFit) {
  const auto request =
      UnassignOf(70, [](size_t i) { return absl::StrCat("10\u00a0", i); });
  const ValidatedRequest validated = ValidateUnassignByInstanceIds(request);
  EXPECT_EQ(validated.violations.total(), 70u);
  ExpectBoundedRefusal(RefusalOf(validated.violations));
}

// A few violations are all listed, with the count in the message as before.
TEST(InvalidRequestTest, FewViolationsAreAllListed) {
  ViolationList violations;
  violations.Add("flow_id", "is required");
  violations.Add("flow_instance_owner_email", "is required");
  const Refusal refusal = RefusalOf(violations);
  EXPECT_EQ(refusal.status.error_message(),
            "invalid request: flow_id is required (and 1 more; see BadRequest)");
  EXPECT_EQ(refusal.bad_request.field_violations_size(), 2);
  EXPECT_FALSE(refusal.info.metadata().contains("violations_not_listed"));
}

// The worst the bounds allow: the full list, every field path and
// description far over its bound, in multi-byte UTF-8.
TEST(InvalidRequestTest, TheLongestListedTextsStillFit) {
  ViolationList violations;
  const std::string long_text = absl::StrCat("\u00e9", std::string(10'000, 'x'));
  std::string multibyte;
  for (int i = 0; i < 5'000; ++i) multibyte += "\u20ac";  // 3 bytes each
  for (int i = 0; i < 50; ++i) {
    violations.Add(i % 2 == 0 ? long_text : multibyte,
                   i % 2 == 0 ? multibyte : long_text);
  }
  EXPECT_EQ(violations.total(), 50u);
  EXPECT_EQ(violations.unlisted(), 40u);
  for (const FieldViolation& v : violations) {
    EXPECT_LE(v.field.size(), kMaxViolationFieldBytes);
    EXPECT_LE(v.description.size(), kMaxViolationDescriptionBytes);
  }
  const Refusal refusal = RefusalOf(violations);
  ExpectBoundedRefusal(refusal);
  // Cut between characters, never inside one: the details parsed, so every
  // string in them is valid UTF-8; and the cut is marked.
  EXPECT_THAT(refusal.bad_request.field_violations(1).field(), ::testing::EndsWith("…"));
}

}  // namespace
}  // namespace gong::api::internal
