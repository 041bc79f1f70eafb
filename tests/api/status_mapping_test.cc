// Unit tests for the error contract: MapHttpStatus, MapNoAnswer and
// MapQuotaRefusal against docs/contract.md's status table, row by row
// (server/api/status_mapping.h); GongErrorToStatus, QuotaRefusalToStatus and
// MakeErrorStatus (server/api/error_details.h) for the google.rpc.Status
// carried in grpc-status-details-bin: ErrorInfo (reason, domain, metadata),
// RetryInfo (a 429's from Retry-After, and the quota's refusals; sub-second
// precision), BadRequest, and a message that includes Gong's errors[] text,
// bounded however large Gong's answer (server/api/upstream_text.h). Expected
// values are written out as a caller sees them, never computed by the code
// under test.
#include "api/status_mapping.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/error_details.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "http/http_transport.h"
#include "quota/quota_refusal.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_error.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::api {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// What a client finds in grpc-status-details-bin, unpacked.
struct Details {
  google::rpc::Status status;
  int error_info_count = 0;
  google::rpc::ErrorInfo error_info;
  std::optional<google::rpc::RetryInfo> retry_info;
  std::optional<google::rpc::BadRequest> bad_request;
};

Details Unpack(const grpc::Status& status) {
  Details out;
  EXPECT_TRUE(out.status.ParseFromString(status.error_details()))
      << "error_details is not a google.rpc.Status";
  for (const auto& any : out.status.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) {
      ++out.error_info_count;
      EXPECT_TRUE(any.UnpackTo(&out.error_info));
    } else if (any.Is<google::rpc::RetryInfo>()) {
      EXPECT_FALSE(out.retry_info.has_value()) << "two RetryInfo";
      out.retry_info.emplace();
      EXPECT_TRUE(any.UnpackTo(&*out.retry_info));
    } else if (any.Is<google::rpc::BadRequest>()) {
      EXPECT_FALSE(out.bad_request.has_value()) << "two BadRequest";
      out.bad_request.emplace();
      EXPECT_TRUE(any.UnpackTo(&*out.bad_request));
    } else {
      ADD_FAILURE() << "unexpected detail " << any.type_url();
    }
  }
  return out;
}

// Checks what every error gives a caller: `code` and `message`, repeated in
// the details' google.rpc.Status, and one ErrorInfo with `reason` in
// domain gong.io. Returns the details for the row's own checks.
Details ExpectErrorStatus(const grpc::Status& status, grpc::StatusCode code,
                          const std::string& reason, const std::string& message) {
  EXPECT_EQ(status.error_code(), code);
  EXPECT_EQ(status.error_message(), message);
  Details details = Unpack(status);
  EXPECT_EQ(details.status.code(), static_cast<int>(code));
  EXPECT_EQ(details.status.message(), message);
  EXPECT_EQ(details.error_info_count, 1);
  EXPECT_EQ(details.error_info.reason(), reason);
  EXPECT_EQ(details.error_info.domain(), "gong.io");
  return details;
}

// --- MapHttpStatus: the table, row by row -----------------------------------
// Each row's code and reason as docs/contract.md's table writes them: a client
// branches on both, so changing either must fail here.

struct HttpRow {
  int http_status;
  grpc::StatusCode code;
  const char* reason;
};

std::string HttpRowName(const ::testing::TestParamInfo<HttpRow>& info) {
  return absl::StrCat("Http", info.param.http_status);
}

class MapHttpStatusTest : public ::testing::TestWithParam<HttpRow> {};

TEST_P(MapHttpStatusTest, GivesTheTablesCodeAndReason) {
  const StatusMapping row = MapHttpStatus(GetParam().http_status);

  EXPECT_EQ(row.code, GetParam().code);
  EXPECT_EQ(row.reason, GetParam().reason);
}

using grpc::StatusCode;

INSTANTIATE_TEST_SUITE_P(
    NamedRows, MapHttpStatusTest,
    ::testing::Values(
        HttpRow{400, StatusCode::INVALID_ARGUMENT, "GONG_BAD_REQUEST"},
        HttpRow{401, StatusCode::UNAUTHENTICATED, "GONG_UNAUTHENTICATED"},
        HttpRow{403, StatusCode::PERMISSION_DENIED, "GONG_PERMISSION_DENIED"},
        HttpRow{404, StatusCode::NOT_FOUND, "GONG_NOT_FOUND"},
        HttpRow{408, StatusCode::DEADLINE_EXCEEDED, "GONG_REQUEST_TIMEOUT"},
        HttpRow{409, StatusCode::ABORTED, "GONG_CONFLICT"},
        HttpRow{429, StatusCode::RESOURCE_EXHAUSTED, "GONG_RATE_LIMITED"},
        HttpRow{500, StatusCode::INTERNAL, "GONG_INTERNAL_ERROR"},
        HttpRow{501, StatusCode::UNIMPLEMENTED, "GONG_NOT_IMPLEMENTED"},
        HttpRow{502, StatusCode::UNAVAILABLE, "GONG_BAD_GATEWAY"},
        HttpRow{503, StatusCode::UNAVAILABLE, "GONG_UNAVAILABLE"},
        HttpRow{504, StatusCode::DEADLINE_EXCEEDED, "GONG_GATEWAY_TIMEOUT"}),
    HttpRowName);

INSTANTIATE_TEST_SUITE_P(
    OtherClientErrors, MapHttpStatusTest,
    ::testing::Values(HttpRow{402, StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"},
                      HttpRow{405, StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"},
                      HttpRow{410, StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"},
                      HttpRow{413, StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"},
                      HttpRow{418, StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"},
                      HttpRow{422, StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"},
                      HttpRow{499, StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR"}),
    HttpRowName);

INSTANTIATE_TEST_SUITE_P(
    OtherServerErrors, MapHttpStatusTest,
    ::testing::Values(HttpRow{505, StatusCode::INTERNAL, "GONG_SERVER_ERROR"},
                      HttpRow{507, StatusCode::INTERNAL, "GONG_SERVER_ERROR"},
                      HttpRow{520, StatusCode::INTERNAL, "GONG_SERVER_ERROR"},
                      HttpRow{599, StatusCode::INTERNAL, "GONG_SERVER_ERROR"}),
    HttpRowName);

INSTANTIATE_TEST_SUITE_P(
    UnexpectedStatuses, MapHttpStatusTest,
    ::testing::Values(HttpRow{100, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
                      HttpRow{101, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
                      HttpRow{201, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
                      HttpRow{202, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
                      HttpRow{204, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
                      HttpRow{301, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
                      HttpRow{302, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
                      HttpRow{304, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"},
                      HttpRow{307, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS"}),
    HttpRowName);

// --- MapNoAnswer --------------------------------------------------------------

struct NoAnswerRow {
  std::string name;
  upstream::GongError::Kind kind;
  grpc::StatusCode code;
  const char* reason;
};

class MapNoAnswerTest : public ::testing::TestWithParam<NoAnswerRow> {};

TEST_P(MapNoAnswerTest, GivesTheTablesCodeAndReason) {
  const StatusMapping row = MapNoAnswer(GetParam().kind);

  EXPECT_EQ(row.code, GetParam().code);
  EXPECT_EQ(row.reason, GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MapNoAnswerTest,
    ::testing::Values(NoAnswerRow{"Timeout", upstream::GongError::Kind::kTimedOut,
                                  StatusCode::DEADLINE_EXCEEDED, "GONG_TIMEOUT"},
                      NoAnswerRow{"ConnectFailed",
                                  upstream::GongError::Kind::kConnectFailed,
                                  StatusCode::UNAVAILABLE, "GONG_UNREACHABLE"},
                      NoAnswerRow{"TlsFailure", upstream::GongError::Kind::kTlsFailure,
                                  StatusCode::UNAVAILABLE, "GONG_TLS_FAILURE"},
                      NoAnswerRow{"ConnectionDropped",
                                  upstream::GongError::Kind::kConnectionDropped,
                                  StatusCode::UNAVAILABLE, "GONG_CONNECTION_DROPPED"},
                      NoAnswerRow{"Cancelled", upstream::GongError::Kind::kCancelled,
                                  StatusCode::CANCELLED, "CALL_CANCELLED"},
                      // No answer for another reason (an oversized one, say).
                      NoAnswerRow{"Other", upstream::GongError::Kind::kNoAnswer,
                                  StatusCode::INTERNAL, "GONG_TRANSPORT_ERROR"}),
    [](const ::testing::TestParamInfo<NoAnswerRow>& info) { return info.param.name; });

// --- MapGongError ------------------------------------------------------------

TEST(MapGongErrorTest, UnparseableOkAnswerIsInternal) {
  const upstream::GongError error =
      upstream::GongError::MalformedAnswer(200, "body is not JSON");

  const StatusMapping row = MapGongError(error);

  EXPECT_EQ(row.code, grpc::StatusCode::INTERNAL);
  EXPECT_EQ(row.reason, "GONG_MALFORMED_RESPONSE");
}

TEST(MapGongErrorTest, FollowsTheHttpOrTransportRow) {
  const upstream::GongError http_error = upstream::GongError::HttpStatus(401, "", {});
  EXPECT_EQ(MapGongError(http_error).code, grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(MapGongError(http_error).reason, "GONG_UNAUTHENTICATED");

  const upstream::GongError transport_error = upstream::GongError::NoAnswer(
      upstream::GongError::Kind::kTimedOut, "", /*may_have_acted=*/true);
  EXPECT_EQ(MapGongError(transport_error).code, grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(MapGongError(transport_error).reason, "GONG_TIMEOUT");
}

// --- MapQuotaRefusal ----------------------------------------------------------

// The quota's own refusals: the call was never sent, so RESOURCE_EXHAUSTED
// (retry later) rather than UNAVAILABLE or DEADLINE_EXCEEDED.
TEST(MapQuotaRefusalTest, QuotaRefusalsAreResourceExhausted) {
  const quota::QuotaRefusal queue_full = quota::QuotaRefusal::QueueFull(absl::Seconds(1));
  EXPECT_EQ(MapQuotaRefusal(queue_full).code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(MapQuotaRefusal(queue_full).reason, "QUOTA_QUEUE_FULL");

  const quota::QuotaRefusal too_late =
      quota::QuotaRefusal::WouldMissDeadline(absl::Seconds(1));
  EXPECT_EQ(MapQuotaRefusal(too_late).code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(MapQuotaRefusal(too_late).reason, "QUOTA_WAIT_EXCEEDS_DEADLINE");

  const quota::QuotaRefusal reserved =
      quota::QuotaRefusal::DailyBudgetReserved(absl::Hours(3));
  EXPECT_EQ(MapQuotaRefusal(reserved).code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(MapQuotaRefusal(reserved).reason, "DAILY_BUDGET_RESERVED");

  const quota::QuotaRefusal spent =
      quota::QuotaRefusal::DailyLimitReached(absl::Hours(3));
  EXPECT_EQ(MapQuotaRefusal(spent).code, grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(MapQuotaRefusal(spent).reason, "GONG_DAILY_LIMIT_REACHED");
}

// --- GongErrorToStatus -------------------------------------------------------

upstream::GongError HttpError(int status, std::string request_id = "",
                              std::vector<std::string> errors = {},
                              std::optional<absl::Duration> retry_after = std::nullopt) {
  return upstream::GongError::HttpStatus(status, std::move(request_id), std::move(errors),
                                         retry_after);
}

TEST(GongErrorToStatusTest, BadRequestCarriesGongsTextAndMetadata) {
  const grpc::Status status = GongErrorToStatus(
      HttpError(400, "4al018gz", {"flowInstanceIds 123 does not exist"}));

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "Gong answered HTTP 400: flowInstanceIds 123 does not exist");
  const Details details = Unpack(status);
  EXPECT_EQ(details.error_info_count, 1);
  EXPECT_EQ(details.error_info.reason(), "GONG_BAD_REQUEST");
  EXPECT_EQ(details.error_info.domain(), "gong.io");
  EXPECT_THAT(details.error_info.metadata(),
              UnorderedElementsAre(Pair("http_status", "400"),
                                   Pair("gong_request_id", "4al018gz")));
  EXPECT_FALSE(details.retry_info.has_value());
  EXPECT_FALSE(details.bad_request.has_value());
}

// What a caller receives for each answer, written out: code, message,
// ErrorInfo, and the details' google.rpc.Status repeating code and message.
struct AnswerRow {
  int http_status;
  grpc::StatusCode code;
  const char* reason;
  const char* message;
};

TEST(GongErrorToStatusTest, EachAnswerGivesTheDocumentedStatusAndDetails) {
  for (const AnswerRow& row : {
           AnswerRow{400, StatusCode::INVALID_ARGUMENT, "GONG_BAD_REQUEST",
                     "Gong answered HTTP 400: e"},
           AnswerRow{401, StatusCode::UNAUTHENTICATED, "GONG_UNAUTHENTICATED",
                     "Gong answered HTTP 401: e"},
           AnswerRow{403, StatusCode::PERMISSION_DENIED, "GONG_PERMISSION_DENIED",
                     "Gong answered HTTP 403: e"},
           AnswerRow{404, StatusCode::NOT_FOUND, "GONG_NOT_FOUND",
                     "Gong answered HTTP 404: e"},
           AnswerRow{408, StatusCode::DEADLINE_EXCEEDED, "GONG_REQUEST_TIMEOUT",
                     "Gong answered HTTP 408: e"},
           AnswerRow{409, StatusCode::ABORTED, "GONG_CONFLICT",
                     "Gong answered HTTP 409: e"},
           AnswerRow{429, StatusCode::RESOURCE_EXHAUSTED, "GONG_RATE_LIMITED",
                     "Gong answered HTTP 429 (rate limit exceeded): e"},
           AnswerRow{418, StatusCode::INVALID_ARGUMENT, "GONG_CLIENT_ERROR",
                     "Gong answered HTTP 418: e"},
           AnswerRow{500, StatusCode::INTERNAL, "GONG_INTERNAL_ERROR",
                     "Gong answered HTTP 500: e"},
           AnswerRow{501, StatusCode::UNIMPLEMENTED, "GONG_NOT_IMPLEMENTED",
                     "Gong answered HTTP 501: e"},
           AnswerRow{502, StatusCode::UNAVAILABLE, "GONG_BAD_GATEWAY",
                     "Gong answered HTTP 502: e"},
           AnswerRow{503, StatusCode::UNAVAILABLE, "GONG_UNAVAILABLE",
                     "Gong answered HTTP 503: e"},
           AnswerRow{504, StatusCode::DEADLINE_EXCEEDED, "GONG_GATEWAY_TIMEOUT",
                     "Gong answered HTTP 504: e"},
           AnswerRow{505, StatusCode::INTERNAL, "GONG_SERVER_ERROR",
                     "Gong answered HTTP 505: e"},
           AnswerRow{302, StatusCode::INTERNAL, "GONG_UNEXPECTED_STATUS",
                     "Gong answered HTTP 302: e"},
       }) {
    SCOPED_TRACE(row.http_status);
    const grpc::Status status = GongErrorToStatus(HttpError(row.http_status, "r", {"e"}));

    const Details details = ExpectErrorStatus(status, row.code, row.reason, row.message);
    EXPECT_THAT(details.error_info.metadata(),
                UnorderedElementsAre(Pair("http_status", absl::StrCat(row.http_status)),
                                     Pair("gong_request_id", "r")));
  }
}

TEST(GongErrorToStatusTest, MessageIncludesEveryGongError) {
  const grpc::Status status =
      GongErrorToStatus(HttpError(400, "", {"first problem", "second problem"}));

  EXPECT_EQ(status.error_message(),
            "Gong answered HTTP 400: first problem; second problem");
}

TEST(GongErrorToStatusTest, RequestIdMetadataOnlyWhenGongSentOne) {
  const grpc::Status status = GongErrorToStatus(HttpError(500));

  const Details details = Unpack(status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(details.error_info.metadata(),
              UnorderedElementsAre(Pair("http_status", "500")));
}

TEST(GongErrorToStatusTest, RateLimitCarriesRetryInfoFromRetryAfter) {
  const upstream::GongError error =
      HttpError(429, "r-429", {"Too many requests"}, absl::Seconds(7));

  const grpc::Status status = GongErrorToStatus(error);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(),
            "Gong answered HTTP 429 (rate limit exceeded; retry after 7s): "
            "Too many requests");
  const Details details = Unpack(status);
  EXPECT_EQ(details.error_info.reason(), "GONG_RATE_LIMITED");
  EXPECT_THAT(
      details.error_info.metadata(),
      UnorderedElementsAre(Pair("http_status", "429"), Pair("gong_request_id", "r-429")));
  ASSERT_TRUE(details.retry_info.has_value());
  EXPECT_EQ(details.retry_info->retry_delay().seconds(), 7);
  EXPECT_EQ(details.retry_info->retry_delay().nanos(), 0);
}

// The whole path from Gong's answer, as the service runs it.
Details DetailsForAnswer(int http_status, const std::string& retry_after) {
  http::HttpResponse response;
  response.status = http_status;
  response.headers["retry-after"] = retry_after;
  response.body = R"({"requestId": "r", "errors": ["x"]})";
  // As the Gong client reads it, then the unassign codec.
  const upstream::GongResult<upstream::UnassignByInstanceIdsResult> outcome =
      upstream::DecodeOutcome(
          upstream::ReadGongAnswer(http::HttpResult(response), absl::Now()),
          upstream::DecodeUnassignByInstanceIdsResponse);
  EXPECT_TRUE(std::holds_alternative<upstream::GongError>(outcome));
  return Unpack(GongErrorToStatus(std::get<upstream::GongError>(outcome)));
}

TEST(GongErrorToStatusTest, RateLimitAnswerCarriesRetryInfoFromItsHeader) {
  const Details details = DetailsForAnswer(429, "5");

  EXPECT_EQ(details.error_info.reason(), "GONG_RATE_LIMITED");
  ASSERT_TRUE(details.retry_info.has_value());
  EXPECT_EQ(details.retry_info->retry_delay().seconds(), 5);
  EXPECT_EQ(details.retry_info->retry_delay().nanos(), 0);
}

// Only a 429 turns Retry-After into a RetryInfo, even when another status
// carries the header (a 503 is retried by the client's own policy).
TEST(GongErrorToStatusTest, OtherAnswersWithRetryAfterCarryNoRetryInfo) {
  for (int http_status : {400, 401, 500, 502, 503, 504}) {
    SCOPED_TRACE(http_status);
    const Details details = DetailsForAnswer(http_status, "5");

    EXPECT_EQ(details.error_info_count, 1);
    EXPECT_FALSE(details.retry_info.has_value());
  }
}

// No answer came: docs/contract.md promises ErrorInfo metadata `transport_failure`
// and `gong_may_have_acted` (and no http_status or gong_request_id), and the
// message tells the caller whether to look before retrying. Each row as a
// caller sees it, written out.
struct TransportStatusRow {
  upstream::GongError::Kind kind;
  bool may_have_acted;
  grpc::StatusCode code;
  const char* reason;
  const char* transport_failure;
  const char* gong_may_have_acted;
  const char* message;
};

TEST(GongErrorToStatusTest, EachTransportFailureGetsItsRowAndMetadata) {
  using Kind = upstream::GongError::Kind;
  for (const TransportStatusRow& row : {
           TransportStatusRow{Kind::kTimedOut, true, StatusCode::DEADLINE_EXCEEDED,
                              "GONG_TIMEOUT", "timeout", "true",
                              "Gong did not answer within the deadline"},
           TransportStatusRow{Kind::kConnectFailed, false, StatusCode::UNAVAILABLE,
                              "GONG_UNREACHABLE", "connect_failed", "false",
                              "could not connect to Gong: Connection refused"},
           TransportStatusRow{Kind::kTlsFailure, false, StatusCode::UNAVAILABLE,
                              "GONG_TLS_FAILURE", "tls_failure", "false",
                              "TLS with Gong failed: Connection refused"},
           TransportStatusRow{Kind::kConnectionDropped, true, StatusCode::UNAVAILABLE,
                              "GONG_CONNECTION_DROPPED", "connection_dropped", "true",
                              "the connection to Gong broke before its answer; Gong "
                              "may have acted, look before retrying: Connection refused"},
           TransportStatusRow{Kind::kConnectionDropped, false, StatusCode::UNAVAILABLE,
                              "GONG_CONNECTION_DROPPED", "connection_dropped", "false",
                              "Gong refused the request before processing it; it is "
                              "safe to send again: Connection refused"},
           TransportStatusRow{Kind::kCancelled, true, StatusCode::CANCELLED,
                              "CALL_CANCELLED", "cancelled", "true",
                              "the call was cancelled"},
           TransportStatusRow{Kind::kNoAnswer, true, StatusCode::INTERNAL,
                              "GONG_TRANSPORT_ERROR", "other", "true",
                              "the request to Gong failed: Connection refused"},
       }) {
    SCOPED_TRACE(row.message);
    const upstream::GongError error =
        upstream::GongError::NoAnswer(row.kind, "Connection refused", row.may_have_acted);

    const grpc::Status status = GongErrorToStatus(error);

    const Details details = ExpectErrorStatus(status, row.code, row.reason, row.message);
    EXPECT_THAT(
        details.error_info.metadata(),
        UnorderedElementsAre(Pair("transport_failure", row.transport_failure),
                             Pair("gong_may_have_acted", row.gong_may_have_acted)));
    EXPECT_FALSE(details.retry_info.has_value());
    EXPECT_FALSE(details.bad_request.has_value());
  }
}

// The quota's refusals were never sent: a RetryInfo says when to come back,
// and no transport or HTTP metadata pretends Gong was asked.
struct QuotaRow {
  quota::QuotaRefusal refusal;
  const char* reason;
  const char* message;
  int64_t retry_seconds;
  int32_t retry_nanos;
};

TEST(QuotaRefusalToStatusTest, QuotaRefusalsCarryRetryInfo) {
  for (const QuotaRow& row : {
           QuotaRow{quota::QuotaRefusal::WouldMissDeadline(absl::Milliseconds(2500)),
                    "QUOTA_WAIT_EXCEEDS_DEADLINE",
                    "Gong's rate limit leaves no turn for this call before its "
                    "deadline; next turn in 2.5s",
                    2, 500000000},
           QuotaRow{quota::QuotaRefusal::QueueFull(absl::Seconds(1)), "QUOTA_QUEUE_FULL",
                    "too many calls are waiting for Gong's rate limit; retry later", 1,
                    0},
           // Until the next UTC midnight, however far: never capped at
           // --max_gong_pause, and to the nanosecond in RetryInfo (the
           // message says whole seconds, rounded up).
           QuotaRow{quota::QuotaRefusal::DailyBudgetReserved(
                        absl::Hours(17) + absl::Seconds(5) + absl::Milliseconds(750)),
                    "DAILY_BUDGET_RESERVED",
                    "the rest of today's Gong calls is kept for interactive calls; "
                    "background calls resume at the next UTC midnight, in 17h6s",
                    17 * 3600 + 5, 750000000},
           QuotaRow{quota::QuotaRefusal::DailyLimitReached(absl::Seconds(86399)),
                    "GONG_DAILY_LIMIT_REACHED",
                    "today's Gong calls are spent (the daily limit); calls resume at "
                    "the next UTC midnight, in 23h59m59s",
                    86399, 0},
           // A refusal a moment before midnight still says to wait a moment.
           QuotaRow{quota::QuotaRefusal::DailyLimitReached(absl::ZeroDuration()),
                    "GONG_DAILY_LIMIT_REACHED",
                    "today's Gong calls are spent (the daily limit); calls resume at "
                    "the next UTC midnight, in 1s",
                    0, 1000000},
       }) {
    SCOPED_TRACE(row.reason);
    const grpc::Status status = QuotaRefusalToStatus(row.refusal);

    const Details details = ExpectErrorStatus(
        status, grpc::StatusCode::RESOURCE_EXHAUSTED, row.reason, row.message);
    EXPECT_THAT(details.error_info.metadata(), IsEmpty());
    ASSERT_TRUE(details.retry_info.has_value());
    EXPECT_EQ(details.retry_info->retry_delay().seconds(), row.retry_seconds);
    EXPECT_EQ(details.retry_info->retry_delay().nanos(), row.retry_nanos);
  }
}

TEST(GongErrorToStatusTest, MalformedOkAnswerIsInternalWithTheParseProblem) {
  const upstream::GongError error = upstream::GongError::MalformedAnswer(
      200, "unassignedFlowInstanceIds is missing or not an array");

  const grpc::Status status = GongErrorToStatus(error);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(),
            "Gong answered 200 with an unreadable body: unassignedFlowInstanceIds is "
            "missing or not an array");
  const Details details = Unpack(status);
  EXPECT_EQ(details.error_info.reason(), "GONG_MALFORMED_RESPONSE");
  EXPECT_THAT(details.error_info.metadata(),
              UnorderedElementsAre(Pair("http_status", "200")));
}

// --- Bounds on Gong's text ----------------------------------------------------
// Gong's text reaches the caller in the trailers twice (grpc-message and the
// details). Past the caller's metadata limit (8 KiB by default) gRPC would
// replace this status with RESOURCE_EXHAUSTED, so each piece is bounded.

std::string Repeat(absl::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(text.data(), text.size());
  return out;
}

constexpr char kE[] = "\xC3\xA9";              // é, two bytes
constexpr char kEmoji[] = "\xF0\x9F\x98\x80";  // 😀, four bytes

TEST(GongTextBoundsTest, UpToThreeErrorsAreShownWhole) {
  const grpc::Status status =
      GongErrorToStatus(HttpError(400, "r", {"first", "second", "third"}));

  EXPECT_EQ(status.error_message(), "Gong answered HTTP 400: first; second; third");
}

TEST(GongTextBoundsTest, ErrorsPastTheThirdAreCounted) {
  const grpc::Status status =
      GongErrorToStatus(HttpError(400, "r", {"a", "b", "c", "d"}));

  EXPECT_EQ(status.error_message(),
            "Gong answered HTTP 400: a; b; c (and 1 more error; truncated)");
}

TEST(GongTextBoundsTest, ManyErrorsKeepTheCodeAndErrorInfo) {
  const grpc::Status status = GongErrorToStatus(
      HttpError(400, "r-many", std::vector<std::string>(100000, "bad id")));

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "Gong answered HTTP 400: bad id; bad id; bad id "
            "(and 99,997 more errors; truncated)");
  const Details details = Unpack(status);
  EXPECT_EQ(details.status.message(), status.error_message());
  EXPECT_EQ(details.error_info.reason(), "GONG_BAD_REQUEST");
  EXPECT_EQ(details.error_info.domain(), "gong.io");
  EXPECT_THAT(details.error_info.metadata(),
              UnorderedElementsAre(Pair("http_status", "400"),
                                   Pair("gong_request_id", "r-many")));
}

TEST(GongTextBoundsTest, ALongErrorIsCutAfterOneKiB) {
  const grpc::Status status =
      GongErrorToStatus(HttpError(400, "r", {std::string(900 * 1024, 'x')}));

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("Gong answered HTTP 400: ", std::string(1024, 'x'),
                         "\xE2\x80\xA6 (truncated)"));
  EXPECT_EQ(Unpack(status).status.message(), status.error_message());
}

TEST(GongTextBoundsTest, OneKiBIsSharedByTheErrorsShown) {
  const grpc::Status status = GongErrorToStatus(
      HttpError(400, "r", {std::string(600, 'a'), std::string(600, 'b'), "c"}));

  EXPECT_EQ(
      status.error_message(),
      absl::StrCat("Gong answered HTTP 400: ", std::string(600, 'a'), "; ",
                   std::string(424, 'b'), "\xE2\x80\xA6 (and 1 more error; truncated)"));
}

TEST(GongTextBoundsTest, ErrorsThatFillOneKiBExactlyAreNotMarked) {
  const grpc::Status status = GongErrorToStatus(
      HttpError(400, "r", {std::string(1000, 'a'), std::string(24, 'b')}));

  EXPECT_EQ(status.error_message(),
            absl::StrCat("Gong answered HTTP 400: ", std::string(1000, 'a'), "; ",
                         std::string(24, 'b')));
}

TEST(GongTextBoundsTest, ACutNeverSplitsAUtf8Character) {
  // Byte 1024 of "a" + é... is the second byte of an é: the cut backs off
  // one byte, to 1023.
  EXPECT_EQ(GongErrorToStatus(HttpError(400, "r", {absl::StrCat("a", Repeat(kE, 600))}))
                .error_message(),
            absl::StrCat("Gong answered HTTP 400: a", Repeat(kE, 511),
                         "\xE2\x80\xA6 (truncated)"));
  // Bytes 1022..1025 of "ab" + 😀... are one character: the cut backs off to
  // 1022.
  EXPECT_EQ(
      GongErrorToStatus(HttpError(400, "r", {absl::StrCat("ab", Repeat(kEmoji, 300))}))
          .error_message(),
      absl::StrCat("Gong answered HTTP 400: ab", Repeat(kEmoji, 255),
                   "\xE2\x80\xA6 (truncated)"));
}

TEST(GongTextBoundsTest, ALongRequestIdIsCutAfter128Bytes) {
  const grpc::Status status =
      GongErrorToStatus(HttpError(400, std::string(900 * 1024, 'r'), {"bad id"}));

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "Gong answered HTTP 400: bad id");
  const Details details = Unpack(status);
  EXPECT_EQ(details.error_info.reason(), "GONG_BAD_REQUEST");
  EXPECT_THAT(details.error_info.metadata(),
              UnorderedElementsAre(
                  Pair("http_status", "400"),
                  Pair("gong_request_id",
                       absl::StrCat(std::string(128, 'r'), "\xE2\x80\xA6 (truncated)"))));
}

TEST(GongTextBoundsTest, ARequestIdOf128BytesIsKeptWhole) {
  const Details details =
      Unpack(GongErrorToStatus(HttpError(400, std::string(128, 'r'), {"e"})));

  EXPECT_THAT(details.error_info.metadata(),
              Contains(Pair("gong_request_id", std::string(128, 'r'))));
}

TEST(GongTextBoundsTest, ALongTransportDetailIsCutAfter256Bytes) {
  const upstream::GongError error =
      upstream::GongError::NoAnswer(upstream::GongError::Kind::kConnectFailed,
                                    std::string(10000, 'd'), /*may_have_acted=*/false);

  const grpc::Status status = GongErrorToStatus(error);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("could not connect to Gong: ", std::string(256, 'd'),
                         "\xE2\x80\xA6 (truncated)"));
}

TEST(GongTextBoundsTest, ALongParseDetailIsCutAfter256Bytes) {
  const upstream::GongError error =
      upstream::GongError::MalformedAnswer(200, absl::StrCat("p", Repeat(kE, 5000)));

  const grpc::Status status = GongErrorToStatus(error);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("Gong answered 200 with an unreadable body: p", Repeat(kE, 127),
                         "\xE2\x80\xA6 (truncated)"));
}

// The trailers a caller receives for the worst answer Gong could send: every
// bound reached, with text that grpc-message must percent-encode byte by
// byte. Counted as gRPC counts metadata against its limit (name + value + 32
// a header), with the binary details at their base64 size to be safe.
TEST(GongTextBoundsTest, TheWorstCaseTrailersFitUnder6KiB) {
  const upstream::GongError error = HttpError(
      429, Repeat(kEmoji, 100000), std::vector<std::string>(1000, Repeat(kE, 1000)),
      absl::Milliseconds(1500));

  const grpc::Status status = GongErrorToStatus(error);

  size_t message_bytes = 0;
  for (unsigned char c : status.error_message()) {
    message_bytes += (c < 0x20 || c > 0x7E || c == '%') ? 3 : 1;
  }
  const size_t details_bytes = (status.error_details().size() + 2) / 3 * 4;
  const size_t trailers =
      (11 + 2 + 32) + (12 + message_bytes + 32) + (23 + details_bytes + 32);
  EXPECT_LT(trailers, 6 * 1024)
      << "message " << message_bytes << " details " << details_bytes;
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Unpack(status).error_info.reason(), "GONG_RATE_LIMITED");
}

// --- MakeErrorStatus ---------------------------------------------------------

TEST(MakeErrorStatusTest, WholeSecondsRetryDelay) {
  ErrorDetails in;
  in.reason = "GONG_RATE_LIMITED";
  in.retry_delay = absl::Seconds(30);

  const Details details =
      Unpack(MakeErrorStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down", in));

  ASSERT_TRUE(details.retry_info.has_value());
  EXPECT_EQ(details.retry_info->retry_delay().seconds(), 30);
  EXPECT_EQ(details.retry_info->retry_delay().nanos(), 0);
}

TEST(MakeErrorStatusTest, SubSecondRetryDelaySplitsIntoSecondsAndNanos) {
  struct Row {
    absl::Duration delay;
    int64_t seconds;
    int32_t nanos;
  };
  for (const Row& row :
       {Row{absl::Milliseconds(1500), 1, 500000000},
        Row{absl::Milliseconds(250), 0, 250000000},
        Row{absl::Nanoseconds(2000000001), 2, 1}, Row{absl::ZeroDuration(), 0, 0}}) {
    SCOPED_TRACE(absl::FormatDuration(row.delay));
    ErrorDetails in;
    in.reason = "R";
    in.retry_delay = row.delay;

    const Details details =
        Unpack(MakeErrorStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, "m", in));

    ASSERT_TRUE(details.retry_info.has_value());
    EXPECT_EQ(details.retry_info->retry_delay().seconds(), row.seconds);
    EXPECT_EQ(details.retry_info->retry_delay().nanos(), row.nanos);
  }
}

TEST(MakeErrorStatusTest, FieldViolationsBecomeABadRequestInOrder) {
  ErrorDetails in;
  in.reason = "INVALID_REQUEST";
  in.field_violations = {{"flow_instance_ids[3]", "must not be empty"},
                         {"unassigned_by_user_email", "must be local@domain"}};

  const grpc::Status status =
      MakeErrorStatus(grpc::StatusCode::INVALID_ARGUMENT, "invalid request", in);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "invalid request");
  const Details details = Unpack(status);
  EXPECT_EQ(details.status.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(details.status.message(), "invalid request");
  EXPECT_EQ(details.error_info.reason(), "INVALID_REQUEST");
  EXPECT_EQ(details.error_info.domain(), "gong.io");
  ASSERT_TRUE(details.bad_request.has_value());
  ASSERT_EQ(details.bad_request->field_violations_size(), 2);
  EXPECT_EQ(details.bad_request->field_violations(0).field(), "flow_instance_ids[3]");
  EXPECT_EQ(details.bad_request->field_violations(0).description(), "must not be empty");
  EXPECT_EQ(details.bad_request->field_violations(1).field(), "unassigned_by_user_email");
  EXPECT_EQ(details.bad_request->field_violations(1).description(),
            "must be local@domain");
  EXPECT_FALSE(details.retry_info.has_value());
}

TEST(MakeErrorStatusTest, OnlyErrorInfoWhenNothingElseIsGiven) {
  ErrorDetails in;
  in.reason = "GONG_INTERNAL_ERROR";
  in.metadata = {{"http_status", "500"}};

  const Details details = Unpack(MakeErrorStatus(grpc::StatusCode::INTERNAL, "m", in));

  EXPECT_EQ(details.status.details_size(), 1);
  EXPECT_EQ(details.error_info_count, 1);
  EXPECT_THAT(details.error_info.metadata(),
              UnorderedElementsAre(Pair("http_status", "500")));
  EXPECT_FALSE(details.retry_info.has_value());
  EXPECT_FALSE(details.bad_request.has_value());
}

TEST(MakeErrorStatusTest, EmptyMetadataStaysEmpty) {
  ErrorDetails in;
  in.reason = "X";

  const Details details = Unpack(MakeErrorStatus(grpc::StatusCode::INTERNAL, "m", in));

  EXPECT_THAT(details.error_info.metadata(), IsEmpty());
}

}  // namespace
}  // namespace gong::api
