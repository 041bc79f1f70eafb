// Unit tests for the one reading of Gong's answers (server/upstream/gong_answer.h)
// as the unassign codec then reads a 200
// (server/upstream/unassign_by_instance_ids_codec.h): good and bad 200s, Gong's error
// bodies, 429 Retry-After, non-JSON error pages, and the transport's failures in the Gong
// layer's words.
#include "upstream/gong_answer.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

http::HttpResponse Response(
    int status, std::string body,
    std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  for (auto& [name, value] : headers) response.headers[name] = value;
  return response;
}

// An answer read as the unassign reactor reads it.
GongResult<UnassignByInstanceIdsResult> Read(const http::HttpResult& result) {
  return DecodeOutcome(ReadGongAnswer(result, absl::Now()),
                       DecodeUnassignByInstanceIdsResponse);
}

// The error in `outcome` (a default GongError, and a failure, if none).
GongError ErrorOf(const GongResult<UnassignByInstanceIdsResult>& outcome) {
  const auto* error = std::get_if<GongError>(&outcome);
  EXPECT_NE(error, nullptr) << "expected an error, got a result";
  return error != nullptr ? *error : GongError();
}

TEST(GongAnswerTest, GoodOkAnswerIsAResult) {
  const GongResult<UnassignByInstanceIdsResult> outcome = Read(Response(
      200,
      R"({"requestId": "r-1", "unassignedFlowInstanceIds": ["5", 9007199254740993]})"));

  ASSERT_TRUE(std::holds_alternative<UnassignByInstanceIdsResult>(outcome));
  const auto& result = std::get<UnassignByInstanceIdsResult>(outcome);
  EXPECT_EQ(result.request_id, "r-1");
  EXPECT_THAT(result.unassigned_flow_instance_ids, ElementsAre("5", "9007199254740993"));
}

TEST(GongAnswerTest, GarbageOkAnswerIsMalformed) {
  for (const char* body : {"", "not json", "<html>ok</html>", "[]", "{\"a\":"}) {
    SCOPED_TRACE(body);
    const GongError error = ErrorOf(Read(Response(200, body)));

    EXPECT_EQ(error.kind, GongError::Kind::kMalformedAnswer);
    EXPECT_EQ(error.http_status, 200);
    EXPECT_FALSE(error.detail.empty());
  }
}

TEST(GongAnswerTest, OkAnswerWithoutTheIdListIsMalformed) {
  const GongResult<UnassignByInstanceIdsResult> outcome =
      Read(Response(200, R"({"requestId": "r-2"})"));

  const GongError error = ErrorOf(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kMalformedAnswer);
  EXPECT_THAT(error.detail, HasSubstr("unassignedFlowInstanceIds"));
}

// 202 is Gong's answer to a job's start (bulk_assignment_codec.h): read
// like a 200, and a body not of the endpoint's shape says 202.
TEST(GongAnswerTest, AcceptedIsAnAnswerLikeOk) {
  const GongOutcome outcome = ReadGongAnswer(
      Response(202, R"({"requestId": "r-202", "unassignedFlowInstanceIds": []})"),
      absl::Now());

  ASSERT_TRUE(std::holds_alternative<GongAnswer>(outcome));
  EXPECT_EQ(std::get<GongAnswer>(outcome).http_status, 202);
  EXPECT_EQ(std::get<GongAnswer>(outcome).request_id, "r-202");
  const GongError error = ErrorOf(Read(Response(202, "[]")));
  EXPECT_EQ(error.kind, GongError::Kind::kMalformedAnswer);
  EXPECT_EQ(error.http_status, 202);
}

TEST(GongAnswerTest, OtherTwoHundredsAreNotSuccess) {
  for (int status : {201, 203, 204, 206}) {
    SCOPED_TRACE(status);
    const GongError error = ErrorOf(Read(
        Response(status, R"({"requestId": "r", "unassignedFlowInstanceIds": ["1"]})")));

    EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
    EXPECT_EQ(error.http_status, status);
  }
}

TEST(GongAnswerTest, GongErrorBodyGivesErrorsAndRequestId) {
  const GongError error = ErrorOf(Read(Response(
      400,
      R"({"requestId": "4al018gz", "errors": ["flowInstanceIds 123 does not exist"]})")));

  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.request_id, "4al018gz");
  EXPECT_THAT(error.errors, ElementsAre("flowInstanceIds 123 does not exist"));
  EXPECT_FALSE(error.retry_after.has_value());
}

TEST(GongAnswerTest, RateLimitReadsRetryAfter) {
  const GongError error =
      ErrorOf(Read(Response(429, R"({"requestId": "r", "errors": ["Too many requests"]})",
                            {{"retry-after", "7"}})));

  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after, absl::Seconds(7));
  EXPECT_THAT(error.errors, ElementsAre("Too many requests"));
}

TEST(GongAnswerTest, RateLimitWithoutRetryAfterHintsOneSecond) {
  const GongError error = ErrorOf(Read(Response(429, "")));

  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after, absl::Seconds(1));
}

TEST(GongAnswerTest, RateLimitWithUnreadableRetryAfterHintsOneSecond) {
  for (const char* value :
       {"soon", "-3", "-0.5", "inf", "nan", "", "12s", "infinite-future"}) {
    SCOPED_TRACE(value);
    const GongError& error = ErrorOf(Read(Response(429, "", {{"retry-after", value}})));

    EXPECT_EQ(error.retry_after, absl::Seconds(1));
  }
}

TEST(GongAnswerTest, RetryAfterOnlyReadForRateLimit) {
  const GongError error = ErrorOf(Read(Response(503, "", {{"retry-after", "30"}})));

  EXPECT_EQ(error.http_status, 503);
  EXPECT_FALSE(error.retry_after.has_value());
}

TEST(GongAnswerTest, NonJsonErrorPageGivesStatusWithoutErrors) {
  const GongError error = ErrorOf(Read(
      Response(500, "<html><body><h1>500 Internal Server Error</h1></body></html>")));

  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 500);
  EXPECT_THAT(error.errors, IsEmpty());
  EXPECT_EQ(error.request_id, "");
}

// The transport's failures in the Gong layer's words: the transport's enum
// stops here.
TEST(GongAnswerTest, TransportFailuresBecomeGongsKindsWithTheirMessage) {
  using Kind = GongError::Kind;
  const std::pair<http::TransportFailure, Kind> rows[] = {
      {http::TransportFailure::kTimeout, Kind::kTimedOut},
      {http::TransportFailure::kConnectFailed, Kind::kConnectFailed},
      {http::TransportFailure::kTlsFailure, Kind::kTlsFailure},
      {http::TransportFailure::kConnectionDropped, Kind::kConnectionDropped},
      {http::TransportFailure::kCancelled, Kind::kCancelled},
      {http::TransportFailure::kOther, Kind::kNoAnswer},
  };
  for (const auto& [failure, kind] : rows) {
    SCOPED_TRACE(http::TransportFailureName(failure));
    const GongError error =
        ErrorOf(Read(http::TransportError{failure, "curl said something"}));

    EXPECT_EQ(error.kind, kind);
    EXPECT_FALSE(error.answered());
    EXPECT_EQ(error.detail, "curl said something");
    EXPECT_EQ(error.http_status, 0);
    EXPECT_FALSE(error.retry_after.has_value());
  }
}

// Whether Gong may have acted follows how far the request got.
TEST(GongAnswerTest, MayHaveActedUnlessTheRequestSurelyWasNotProcessed) {
  const auto dropped = [](http::Delivery delivery) {
    return ErrorOf(Read(
        http::TransportError{http::TransportFailure::kConnectionDropped, "x", delivery}));
  };
  EXPECT_TRUE(dropped(http::Delivery::kMaybeProcessed).may_have_acted);
  EXPECT_FALSE(dropped(http::Delivery::kNotProcessed).may_have_acted);
  EXPECT_FALSE(dropped(http::Delivery::kNotSent).may_have_acted);
}

// --- DecodeErrorBody ---------------------------------------------------------

TEST(DecodeErrorBodyTest, ReadsGongsRequestIdAndErrors) {
  const GongErrorBody body = DecodeErrorBody(
      R"({"requestId": "4al018gzaztcr8nbukw",
          "errors": ["flowInstanceIds 123 does not exist", "second"]})");

  EXPECT_EQ(body.request_id, "4al018gzaztcr8nbukw");
  EXPECT_THAT(body.errors, ElementsAre("flowInstanceIds 123 does not exist", "second"));
}

TEST(DecodeErrorBodyTest, NumericRequestIdKeepsEveryDigit) {
  const GongErrorBody body =
      DecodeErrorBody(R"({"requestId": 18446744073709551615, "errors": []})");

  EXPECT_EQ(body.request_id, "18446744073709551615");
}

TEST(DecodeErrorBodyTest, SkipsErrorsThatAreNotStrings) {
  const GongErrorBody body =
      DecodeErrorBody(R"({"errors": ["a", 1, null, {"x": 1}, "b"]})");

  EXPECT_EQ(body.request_id, "");
  EXPECT_THAT(body.errors, ElementsAre("a", "b"));
}

TEST(DecodeErrorBodyTest, KeepsRequestIdWhenErrorsIsNotAList) {
  const GongErrorBody body =
      DecodeErrorBody(R"({"requestId": "r-9", "errors": "just text"})");

  EXPECT_EQ(body.request_id, "r-9");
  EXPECT_THAT(body.errors, IsEmpty());
}

TEST(DecodeErrorBodyTest, YieldsNothingForBodiesOfAnotherShape) {
  for (const char* text :
       {"", "Internal Server Error", "<html><body>504 Gateway Time-out</body></html>",
        "[\"a\"]", "{", "null"}) {
    SCOPED_TRACE(text);
    const GongErrorBody body = DecodeErrorBody(text);
    EXPECT_EQ(body.request_id, "");
    EXPECT_THAT(body.errors, IsEmpty());
  }
}

// What the log line of each Gong request names: Gong's requestId and its
// X-Traceid, read from every answer, a 200 or not.
TEST(GongAnswerTest, OkAnswerCarriesGongsRequestIdAndTraceId) {
  const GongOutcome outcome = ReadGongAnswer(
      Response(200, R"({"requestId": 9007199254740993, "unassignedFlowInstanceIds": []})",
               {{"x-traceid", "7d2f0c1e9a4b4c11"}}),
      absl::Now());

  const auto* answer = std::get_if<GongAnswer>(&outcome);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->request_id, "9007199254740993");
  EXPECT_EQ(answer->gong_trace_id, "7d2f0c1e9a4b4c11");
}

TEST(GongAnswerTest, OkAnswerWithoutARequestIdOrTraceHeaderLeavesThemEmpty) {
  for (const char* body : {"", "not json", "[]", R"({"requestId": 1.5})",
                           R"({"requestId": null})", R"({"data": {"requestId": "x"}})"}) {
    SCOPED_TRACE(body);
    const GongOutcome outcome = ReadGongAnswer(Response(200, body), absl::Now());

    const auto* answer = std::get_if<GongAnswer>(&outcome);
    ASSERT_NE(answer, nullptr);
    EXPECT_EQ(answer->request_id, "");
    EXPECT_EQ(answer->gong_trace_id, "");
    EXPECT_EQ(answer->body, body);  // the codec still reads it whole
  }
}

TEST(GongAnswerTest, ErrorAnswerCarriesGongsTraceId) {
  const GongOutcome outcome =
      ReadGongAnswer(Response(503, R"({"requestId": "r-5", "errors": ["down"]})",
                              {{"x-traceid", "abc"}}),
                     absl::Now());

  const auto* error = std::get_if<GongError>(&outcome);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->request_id, "r-5");
  EXPECT_EQ(error->gong_trace_id, "abc");
}

// Gong's header reaches a log line: kept only as printable ASCII, and
// bounded.
TEST(GongAnswerTest, GongsTraceIdIsCutOrDroppedUnlessShortAndPrintable) {
  const std::string long_id(10 * 1024, 'a');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {long_id, long_id.substr(0, kMaxGongTraceIdSize)},
      {"ok id ~!", "ok id ~!"},
      {"line\nbreak", ""},
      {"tab\there", ""},
      {std::string("nul\0byte", 8), ""},
      {"caf\xc3\xa9", ""},
      {"del\x7f", ""},
      {"bad\xff", ""},
  };
  for (const auto& [sent, kept] : cases) {
    SCOPED_TRACE(sent.substr(0, 40));
    for (int status : {200, 429}) {
      const GongOutcome outcome =
          ReadGongAnswer(Response(status, "{}", {{"x-traceid", sent}}), absl::Now());
      const std::string got = status == 200 ? std::get<GongAnswer>(outcome).gong_trace_id
                                            : std::get<GongError>(outcome).gong_trace_id;
      EXPECT_EQ(got, kept) << status;
    }
  }
}

}  // namespace
}  // namespace gong::upstream
