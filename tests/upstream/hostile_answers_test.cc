// Unit tests for what every reader of Gong's answers does with a hostile
// 200 (server/upstream/gong_json.h and each endpoint's codec): a value nested
// far deeper than any answer of Gong's, put in a field each endpoint reads,
// is a malformed answer with a clear detail, never a crash (an excerpt of
// such a value once recursed once per level, on the transport's thread);
// and a string that is not UTF-8 costs only its field.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upstream/assign_prospects_codec.h"
#include "upstream/bulk_assignment_codec.h"
#include "upstream/get_prospect_flows_codec.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_error.h"
#include "upstream/list_flows_codec.h"
#include "upstream/unassign_by_crm_id_codec.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// About 200 KB, well under the answer cap: the depth that crashed the
// server when an excerpt of it was taken.
constexpr int kDeep = 100000;

std::string DeepArray() { return std::string(kDeep, '[') + std::string(kDeep, ']'); }

std::string DeepObject() {
  std::string text;
  for (int i = 0; i < kDeep; ++i) text += R"({"a":)";
  text += "1";
  text += std::string(kDeep, '}');
  return text;
}

// A lookup's answer with `value` as the instance's flowName.
std::string LookupAnswer(const std::string& value) {
  return absl::StrCat(R"({"requestId": "r", "prospectsAssigned": [{"flowId": "1",
      "flowInstanceId": "2", "flowName": )",
                      value, "}]}");
}

std::string ListingAnswer(const std::string& cursor) {
  return absl::StrCat(R"({"requestId": "r", "records": {"cursor": )", cursor,
                      R"(}, "flows": []})");
}

std::string AssignAnswer(const std::string& message) {
  return absl::StrCat(R"({"requestId": "r", "prospectsAssigned": [],
      "prospectsNotAssigned": [{"crmProspectId": "7", "errorMessage": )",
                      message, "}]}");
}

std::string UnassignAnswer(const std::string& request_id) {
  return absl::StrCat(R"({"requestId": )", request_id,
                      R"(, "unassignedFlowInstanceIds": ["1"]})");
}

// A bulk assignment job's answer with `message` as a result's errorMessage.
std::string BulkAnswer(const std::string& message) {
  return absl::StrCat(R"({"requestId": "r", "id": "b", "status": "IN_PROGRESS",
      "results": [{"status": "FLOW_ASSIGNMENT_FAILED", "errorMessage": )",
                      message, "}]}");
}

// Each endpoint's reading of a 200, as the reactors use it.
struct Endpoint {
  const char* name;
  std::string (*answer)(const std::string& value);
  // The error of a malformed answer, or nullptr when the answer was read.
  const GongError* (*decode)(const std::string& body, GongError* error);
};

template <typename Outcome>
const GongError* ErrorOf(Outcome outcome, GongError* error) {
  if (const auto* e = std::get_if<GongError>(&outcome)) {
    *error = *e;
    return error;
  }
  return nullptr;
}

const std::vector<Endpoint>& Endpoints() {
  static const auto* endpoints = new std::vector<Endpoint>{
      {"lookup flowName", LookupAnswer,
       [](const std::string& body, GongError* e) {
         return ErrorOf(DecodeOutcome(GongAnswer{body}, DecodeGetProspectFlowsResponse),
                        e);
       }},
      {"listing records.cursor", ListingAnswer,
       [](const std::string& body, GongError* e) {
         return ErrorOf(DecodeOutcome(GongAnswer{body}, DecodeListFlowsResponse), e);
       }},
      {"assign errorMessage", AssignAnswer,
       [](const std::string& body, GongError* e) {
         return ErrorOf(DecodeOutcome(GongAnswer{body}, DecodeAssignProspectsResponse),
                        e);
       }},
      {"unassign requestId", UnassignAnswer,
       [](const std::string& body, GongError* e) {
         return ErrorOf(
             DecodeOutcome(GongAnswer{body}, DecodeUnassignByInstanceIdsResponse), e);
       }},
      {"bulk assignment errorMessage", BulkAnswer,
       [](const std::string& body, GongError* e) {
         return ErrorOf(DecodeOutcome(GongAnswer{body}, DecodeBulkAssignmentResponse), e);
       }},
      {"unassign by CRM id requestId", UnassignAnswer,
       [](const std::string& body, GongError* e) {
         return ErrorOf(DecodeOutcome(GongAnswer{body}, DecodeUnassignByCrmIdResponse),
                        e);
       }},
  };
  return *endpoints;
}

TEST(HostileAnswersTest, AValueNestedTooDeepInAnyFieldIsAMalformedAnswer) {
  for (const Endpoint& endpoint : Endpoints()) {
    for (const std::string& deep : {DeepArray(), DeepObject()}) {
      SCOPED_TRACE(absl::StrCat(endpoint.name, ": ", deep.substr(0, 8)));
      GongError error;
      const GongError* failed = endpoint.decode(endpoint.answer(deep), &error);
      ASSERT_NE(failed, nullptr);
      EXPECT_EQ(error.kind, GongError::Kind::kMalformedAnswer);
      EXPECT_EQ(error.http_status, 200);
      EXPECT_EQ(error.detail, "body is nested deeper than 64 levels");
    }
  }
}

// The same values a little less deep are read: the bound is on the answer's
// shape, and each reader then treats the field as it treats any odd value.
TEST(HostileAnswersTest, NestingUpToTheLimitIsRead) {
  // The field's object and the body add their own levels (up to three).
  const std::string nested = std::string(60, '[') + std::string(60, ']');
  for (const Endpoint& endpoint : Endpoints()) {
    SCOPED_TRACE(endpoint.name);
    GongError error;
    const GongError* failed = endpoint.decode(endpoint.answer(nested), &error);
    if (failed != nullptr) {
      // A cursor must be text; any other reader reads the answer.
      EXPECT_THAT(error.detail, ::testing::StartsWith("records.cursor is not a string"));
    }
  }
}

TEST(HostileAnswersTest, AnErrorBodyNestedTooDeepYieldsNothing) {
  const GongErrorBody body =
      DecodeErrorBody(absl::StrCat(R"({"requestId": "r", "errors": )", DeepArray(), "}"));
  EXPECT_EQ(body.request_id, "");
  EXPECT_THAT(body.errors, IsEmpty());
}

// One byte that is not UTF-8 in a name: every endpoint still reads Gong's
// answer, the name empty with a warning, and nothing that is not UTF-8
// reaches a result (protobuf would refuse to serialize it).
TEST(HostileAnswersTest, TextThatIsNotUtf8CostsOnlyItsField) {
  const std::string latin1 = "\"Caf\xE9\"";
  const auto lookup = DecodeGetProspectFlowsResponse(LookupAnswer(latin1));
  ASSERT_TRUE(lookup.ok()) << lookup.status();
  ASSERT_THAT(lookup->flow_instances, SizeIs(1));
  EXPECT_EQ(lookup->flow_instances[0].flow_name, "");
  EXPECT_EQ(lookup->flow_instances[0].flow_instance_id, "2");
  EXPECT_THAT(lookup->warnings,
              ElementsAre("prospectsAssigned[0].flowName is not UTF-8 text; read as \"\"",
                          // the answer's instance gives no date
                          "prospectsAssigned[0].flowInstanceCreateDate is missing; "
                          "left unset"));

  const auto assign = DecodeAssignProspectsResponse(AssignAnswer(latin1));
  ASSERT_TRUE(assign.ok()) << assign.status();
  ASSERT_THAT(assign->not_assigned, SizeIs(1));
  EXPECT_EQ(assign->not_assigned[0].error_message, "");
  EXPECT_EQ(assign->not_assigned[0].crm_prospect_id, "7");
  EXPECT_THAT(assign->warnings,
              ElementsAre("prospectsNotAssigned[0].errorMessage is not UTF-8 text; "
                          "read as \"\""));

  const auto listing = DecodeListFlowsResponse(
      R"({"requestId": "r", "records": {}, "flows": [{"id": "5", "name": "Caf)"
      "\xE9\xFF"
      R"(", "folderName": "ok \u00e9 caf\u00c3", "creationDate": "2024-01-01T00:00:00Z"}]})");
  ASSERT_TRUE(listing.ok()) << listing.status();
  ASSERT_THAT(listing->flows, SizeIs(1));
  EXPECT_EQ(listing->flows[0].flow_id, "5");
  EXPECT_EQ(listing->flows[0].name, "");
  EXPECT_EQ(listing->flows[0].folder_name, "ok \u00e9 caf\u00c3");
  EXPECT_THAT(listing->warnings,
              ElementsAre("flows[0].name is not UTF-8 text; read as \"\""));

  // In the write's requestId, it costs the requestId only.
  const auto unassign = DecodeUnassignByInstanceIdsResponse(UnassignAnswer(latin1));
  ASSERT_TRUE(unassign.ok()) << unassign.status();
  EXPECT_EQ(unassign->request_id, "");
  EXPECT_THAT(unassign->unassigned_flow_instance_ids, ElementsAre("1"));
  EXPECT_THAT(unassign->warnings, SizeIs(1));
}

// An id is what the caller cannot do without: one that is not UTF-8 fails
// the answer, naming the field.
TEST(HostileAnswersTest, AnIdThatIsNotUtf8FailsTheAnswer) {
  const auto lookup = DecodeGetProspectFlowsResponse(
      "{\"requestId\": \"r\", \"prospectsAssigned\": [{\"flowId\": \"1\", "
      "\"flowInstanceId\": \"2\xC0\"}]}");
  ASSERT_FALSE(lookup.ok());
  EXPECT_EQ(lookup.status().message(),
            "prospectsAssigned[0].flowInstanceId is not an id");

  const auto unassign = DecodeUnassignByInstanceIdsResponse(
      "{\"requestId\": \"r\", \"unassignedFlowInstanceIds\": [\"1\", "
      "\"2\xED\xA0\x80\"]}");
  ASSERT_FALSE(unassign.ok());
  EXPECT_EQ(unassign.status().message(),
            "unassignedFlowInstanceIds[1] is neither a string nor an integer");
}

// Gong's error texts: one that is not UTF-8 is said, not dropped, and the
// others are kept.
TEST(HostileAnswersTest, AnErrorTextThatIsNotUtf8IsSaidNotDropped) {
  const GongErrorBody body =
      DecodeErrorBody("{\"requestId\": \"r\", \"errors\": [\"a\", \"b\xF5\", \"c\"]}");
  EXPECT_EQ(body.request_id, "r");
  EXPECT_THAT(body.errors, ElementsAre("a", "(an error whose text is not UTF-8)", "c"));
}

}  // namespace
}  // namespace gong::upstream
