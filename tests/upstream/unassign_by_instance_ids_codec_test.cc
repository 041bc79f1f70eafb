// Unit tests for the unassign endpoint's codec
// (server/upstream/unassign_by_instance_ids_codec.h): the GongRequest and JSON body the
// facade sends, and the 200 body it reads (ids that arrive as JSON numbers keep every
// digit; numbers that could have lost digits are refused).
#include "upstream/unassign_by_instance_ids_codec.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/json_test_util.h"

namespace gong::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Json = nlohmann::json;

// --- EncodeUnassignByInstanceIdsBody ---------------------------------------------------

TEST(EncodeUnassignByInstanceIdsBodyTest, ListsIdsInOrderAndOmitsEmailWhenNotGiven) {
  UnassignByInstanceIdsParams request;
  request.flow_instance_ids = {"30", "10", "20"};

  const Json body = support::ParseOrFail(EncodeUnassignByInstanceIdsBody(request));

  EXPECT_EQ(body, Json::parse(R"({"flowInstanceIds": ["30", "10", "20"]})"));
  EXPECT_FALSE(body.contains("unassignedByUserEmail"));
}

TEST(EncodeUnassignByInstanceIdsBodyTest, IncludesEmailWhenGiven) {
  UnassignByInstanceIdsParams request;
  request.flow_instance_ids = {"1"};
  request.unassigned_by_user_email = "ann@example.com";

  const Json body = support::ParseOrFail(EncodeUnassignByInstanceIdsBody(request));

  EXPECT_EQ(body, Json::parse(R"({"flowInstanceIds": ["1"],
                                  "unassignedByUserEmail": "ann@example.com"})"));
}

TEST(EncodeUnassignByInstanceIdsBodyTest, SendsIdsAsStringsEvenWhenNumeric) {
  UnassignByInstanceIdsParams request;
  request.flow_instance_ids = {"9007199254740993"};

  const Json body = support::ParseOrFail(EncodeUnassignByInstanceIdsBody(request));

  ASSERT_TRUE(body["flowInstanceIds"][0].is_string());
  EXPECT_EQ(body["flowInstanceIds"][0].get<std::string>(), "9007199254740993");
}

TEST(EncodeUnassignByInstanceIdsBodyTest, EscapesQuotesAndBackslashes) {
  UnassignByInstanceIdsParams request;
  request.flow_instance_ids = {R"(a"b\c)"};
  request.unassigned_by_user_email = R"("odd"@example.com)";

  const Json body = support::ParseOrFail(EncodeUnassignByInstanceIdsBody(request));

  EXPECT_EQ(body["flowInstanceIds"][0].get<std::string>(), R"(a"b\c)");
  EXPECT_EQ(body["unassignedByUserEmail"].get<std::string>(), R"("odd"@example.com)");
}

TEST(EncodeUnassignByInstanceIdsBodyTest, InvalidUtf8StillYieldsValidJson) {
  UnassignByInstanceIdsParams request;
  request.flow_instance_ids = {std::string("ab\xff", 3)};

  std::string encoded;
  ASSERT_NO_THROW(encoded = EncodeUnassignByInstanceIdsBody(request));
  const Json body = support::ParseOrFail(encoded);
  ASSERT_EQ(body["flowInstanceIds"].size(), 1u);
}

// --- DecodeUnassignByInstanceIdsResponse
// --------------------------------------------------

TEST(DecodeUnassignByInstanceIdsResponseTest, ReadsRequestIdAndIdsInGongsOrder) {
  const auto result = DecodeUnassignByInstanceIdsResponse(
      R"({"requestId": "req-1", "unassignedFlowInstanceIds": ["3", "1", "2"]})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "req-1");
  EXPECT_THAT(result->unassigned_flow_instance_ids, ElementsAre("3", "1", "2"));
}

TEST(DecodeUnassignByInstanceIdsResponseTest, IgnoresUnknownFields) {
  const auto result = DecodeUnassignByInstanceIdsResponse(
      R"({"requestId": "r", "unassignedFlowInstanceIds": ["1"],
          "newField": {"nested": [1, 2]}, "records": 7})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->unassigned_flow_instance_ids, ElementsAre("1"));
}

TEST(DecodeUnassignByInstanceIdsResponseTest, AcceptsAnEmptyList) {
  const auto result = DecodeUnassignByInstanceIdsResponse(
      R"({"requestId": "r", "unassignedFlowInstanceIds": []})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->unassigned_flow_instance_ids, IsEmpty());
}

// Gong has carried out the write: an answer without its requestId still
// says which prospects left their flows, so it is read, with a warning.
TEST(DecodeUnassignByInstanceIdsResponseTest,
     MissingOrNullRequestIdReadsAsEmptyWithAWarning) {
  for (const char* body :
       {R"({"unassignedFlowInstanceIds": ["1"]})",
        R"({"requestId": null, "unassignedFlowInstanceIds": ["1"]})"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeUnassignByInstanceIdsResponse(body);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->request_id, "");
    EXPECT_THAT(result->unassigned_flow_instance_ids, ElementsAre("1"));
    EXPECT_THAT(result->warnings, ElementsAre("requestId is missing; left empty"));
  }
}

// Ids Gong writes as JSON numbers: every digit survives, including those a
// double cannot hold (2^53 + 1) and the full unsigned and signed 64-bit range.
TEST(DecodeUnassignByInstanceIdsResponseTest, NumericIdsKeepEveryDigit) {
  const std::vector<std::string> numbers = {
      "9007199254740993",      // 2^53 + 1: a double would make it ...992
      "18446744073709551615",  // 2^64 - 1
      "9223372036854775807",   // 2^63 - 1
      "-9223372036854775808",  // -2^63
      "-42",
      "0",
  };
  for (const std::string& number : numbers) {
    SCOPED_TRACE(number);
    const auto result = DecodeUnassignByInstanceIdsResponse(
        R"({"requestId": "r", "unassignedFlowInstanceIds": [)" + number + "]}");
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_THAT(result->unassigned_flow_instance_ids, ElementsAre(number));
  }
}

TEST(DecodeUnassignByInstanceIdsResponseTest, MixedStringAndNumericIdsKeepTheirOrder) {
  const auto result = DecodeUnassignByInstanceIdsResponse(
      R"({"unassignedFlowInstanceIds": ["7", 9007199254740993, "8"]})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->unassigned_flow_instance_ids,
              ElementsAre("7", "9007199254740993", "8"));
}

TEST(DecodeUnassignByInstanceIdsResponseTest, NumericRequestIdKeepsEveryDigit) {
  const auto result = DecodeUnassignByInstanceIdsResponse(
      R"({"requestId": 9007199254740993, "unassignedFlowInstanceIds": []})");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "9007199254740993");
}

// Numbers that are not exact 64-bit integers could only be passed on with
// lost or invented digits, so the whole answer is refused.
TEST(DecodeUnassignByInstanceIdsResponseTest, RefusesIdsThatAreNotExactIntegers) {
  const std::vector<std::string> numbers = {
      "1.5",
      "1e3",
      "1E3",
      "1.0",
      "-0.5",
      "18446744073709551616",  // 2^64: too big for 64 bits
      "-9223372036854775809",  // below -2^63
      "123456789012345678901234567890",
  };
  for (const std::string& number : numbers) {
    SCOPED_TRACE(number);
    const auto result = DecodeUnassignByInstanceIdsResponse(
        R"({"requestId": "r", "unassignedFlowInstanceIds": ["1", )" + number + "]}");
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("unassignedFlowInstanceIds[1]"));
  }
}

TEST(DecodeUnassignByInstanceIdsResponseTest, RefusesIdsOfOtherJsonTypes) {
  for (const char* value : {"true", "null", "{}", "[]", R"(["1"])"}) {
    SCOPED_TRACE(value);
    const auto result = DecodeUnassignByInstanceIdsResponse(
        std::string(R"({"unassignedFlowInstanceIds": [)") + value + "]}");
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("unassignedFlowInstanceIds[0]"));
  }
}

TEST(DecodeUnassignByInstanceIdsResponseTest,
     ARequestIdOfTheWrongTypeReadsAsEmptyWithAWarning) {
  for (const char* value : {"true", "1.5", "{}", "[]"}) {
    SCOPED_TRACE(value);
    const auto result =
        DecodeUnassignByInstanceIdsResponse(std::string(R"({"requestId": )") + value +
                                            R"(, "unassignedFlowInstanceIds": ["1"]})");
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->request_id, "");
    EXPECT_THAT(result->unassigned_flow_instance_ids, ElementsAre("1"));
    EXPECT_THAT(result->warnings, ElementsAre(std::string("requestId is not an id (") +
                                              value + "); left empty"));
  }
}

TEST(DecodeUnassignByInstanceIdsResponseTest, RefusesABodyWithoutTheIdList) {
  for (const char* body : {R"({"requestId": "r"})",
                           R"({"requestId": "r", "unassignedFlowInstanceIds": null})",
                           R"({"requestId": "r", "unassignedFlowInstanceIds": "1"})",
                           R"({"requestId": "r", "unassignedFlowInstanceIds": {}})",
                           R"({"requestId": "r", "unassignedflowinstanceids": []})"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeUnassignByInstanceIdsResponse(body);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("unassignedFlowInstanceIds"));
  }
}

TEST(DecodeUnassignByInstanceIdsResponseTest, RefusesBodiesThatAreNotAJsonObject) {
  for (const char* body :
       {"", "<html>502 Bad Gateway</html>", "{", "[]", R"("text")", "42", "null",
        R"({"unassignedFlowInstanceIds": []} trailing)"}) {
    SCOPED_TRACE(body);
    const auto result = DecodeUnassignByInstanceIdsResponse(body);
    EXPECT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("JSON"));
  }
}

// --- EncodeUnassignByInstanceIds
// ----------------------------------------------------------

TEST(EncodeUnassignByInstanceIdsTest, IsAWriteToTheEndpointCarryingTheBody) {
  UnassignByInstanceIdsParams request;
  request.flow_instance_ids = {"1", "2", "3"};
  request.unassigned_by_user_email = "ann@example.com";
  const absl::Time deadline = absl::FromUnixSeconds(1'700'000'000);

  const GongRequest gong = EncodeUnassignByInstanceIds(request, deadline);

  EXPECT_EQ(gong.method, "POST");
  EXPECT_EQ(gong.path, "/v2/flows/prospects/unassign-flows-by-instance-id");
  EXPECT_TRUE(gong.query.empty());
  EXPECT_EQ(gong.json_body, EncodeUnassignByInstanceIdsBody(request));
  EXPECT_EQ(gong.deadline, deadline);
  // Gong acts on it: only failures that prove it did not may be retried.
  EXPECT_EQ(gong.idempotency, Idempotency::kNotIdempotent);
  EXPECT_EQ(gong.items, 3u);
}

// --- DecodeOutcome(..., DecodeUnassignByInstanceIdsResponse) ---------------------------
// ---------------------------------------------------

TEST(UnassignByInstanceIdsOutcomeTest, AnUnreadable200IsMalformedAndErrorsPassThrough) {
  const GongResult<UnassignByInstanceIdsResult> malformed =
      DecodeOutcome(GongAnswer{"[]"}, DecodeUnassignByInstanceIdsResponse);
  ASSERT_TRUE(std::holds_alternative<GongError>(malformed));
  EXPECT_EQ(std::get<GongError>(malformed).kind, GongError::Kind::kMalformedAnswer);
  EXPECT_EQ(std::get<GongError>(malformed).http_status, 200);

  const GongResult<UnassignByInstanceIdsResult> passed = DecodeOutcome(
      GongError::HttpStatus(404, "r", {"gone"}), DecodeUnassignByInstanceIdsResponse);
  ASSERT_TRUE(std::holds_alternative<GongError>(passed));
  EXPECT_EQ(std::get<GongError>(passed).http_status, 404);
  EXPECT_EQ(std::get<GongError>(passed).request_id, "r");
}

}  // namespace
}  // namespace gong::upstream
