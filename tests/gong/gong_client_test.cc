// Unit tests for the Gong REST client (server/gong/gong_client.h) over a
// fake HttpTransport: the request it sends (URL, headers, JSON body,
// deadline), cancellation, and InterpretUnassignAnswer's reading of every
// kind of answer (good and bad 200s, Gong's error bodies, 429 Retry-After,
// non-JSON error pages, transport failures).
#include "gong/gong_client.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/http_transport.h"

namespace gong {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Json = nlohmann::json;

// Records each Post, lets the test finish it with any result, and records
// the ids it is asked to cancel. Single-threaded: the test is the network.
class FakeTransport final : public http::HttpTransport {
 public:
  struct PendingPost {
    http::HttpRequest request;
    Callback done;
  };

  RequestId Post(http::HttpRequest request, Callback done) override {
    posts_.push_back({std::move(request), std::move(done)});
    return next_id_++;
  }

  void Cancel(RequestId id) override { cancelled_.push_back(id); }

  // Runs the callback of the `index`th Post with `result`.
  void Complete(size_t index, http::HttpResult result) {
    ASSERT_LT(index, posts_.size());
    std::move(posts_[index].done)(std::move(result));
  }

  const std::vector<PendingPost>& posts() const { return posts_; }
  const std::vector<RequestId>& cancelled() const { return cancelled_; }
  static constexpr RequestId kFirstId = 41;

 private:
  std::vector<PendingPost> posts_;
  std::vector<RequestId> cancelled_;
  RequestId next_id_ = kFirstId;
};

UnassignRequest Request(std::vector<std::string> ids, std::string email = "") {
  UnassignRequest request;
  request.flow_instance_ids = std::move(ids);
  request.unassigned_by_user_email = std::move(email);
  return request;
}

http::HttpResponse Response(int status, std::string body,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  for (auto& [name, value] : headers) response.headers[name] = value;
  return response;
}

// The error in `outcome` (a default GongError, and a failure, if none).
GongError ErrorOf(const UnassignOutcome& outcome) {
  const auto* error = std::get_if<GongError>(&outcome);
  EXPECT_NE(error, nullptr) << "expected an error, got a result";
  return error != nullptr ? *error : GongError();
}

// --- RestGongClient: what goes to Gong -------------------------------------

TEST(RestGongClientTest, PostsToTheBaseUrlPlusTheUnassignPath) {
  struct Row {
    std::string base_url;
    std::string expected_url;
  };
  for (const Row& row : {
           Row{"https://api.gong.io",
               "https://api.gong.io/v2/flows/prospects/unassign-flows-by-instance-id"},
           Row{"https://api.gong.io/",
               "https://api.gong.io/v2/flows/prospects/unassign-flows-by-instance-id"},
           Row{"https://us-55616.api.gong.io",
               "https://us-55616.api.gong.io/v2/flows/prospects/"
               "unassign-flows-by-instance-id"},
           Row{"http://127.0.0.1:8080/",
               "http://127.0.0.1:8080/v2/flows/prospects/unassign-flows-by-instance-id"},
       }) {
    SCOPED_TRACE(row.base_url);
    FakeTransport transport;
    RestGongClient client(row.base_url, GongCredentials::Basic("k", "s"), &transport);

    client.Unassign(Request({"1"}), absl::InfiniteFuture(), [](UnassignOutcome) {});

    ASSERT_EQ(transport.posts().size(), 1u);
    EXPECT_EQ(transport.posts()[0].request.url, row.expected_url);
  }
}

TEST(RestGongClientTest, SendsBasicAuthAndJsonContentType) {
  FakeTransport transport;
  RestGongClient client("https://api.gong.io", GongCredentials::Basic("k", "s"),
                        &transport);

  client.Unassign(Request({"1"}), absl::InfiniteFuture(), [](UnassignOutcome) {});

  ASSERT_EQ(transport.posts().size(), 1u);
  const std::vector<std::string>& headers = transport.posts()[0].request.headers;
  EXPECT_THAT(headers, Contains("Authorization: Basic azpz"));
  EXPECT_THAT(headers, Contains("Content-Type: application/json"));
}

TEST(RestGongClientTest, SendsBearerAuthOnce) {
  FakeTransport transport;
  RestGongClient client("https://api.gong.io", GongCredentials::Bearer("tok"),
                        &transport);

  client.Unassign(Request({"1"}), absl::InfiniteFuture(), [](UnassignOutcome) {});

  ASSERT_EQ(transport.posts().size(), 1u);
  int authorization_headers = 0;
  for (const std::string& header : transport.posts()[0].request.headers) {
    if (absl::StartsWith(header, "Authorization:")) ++authorization_headers;
  }
  EXPECT_EQ(authorization_headers, 1);
  EXPECT_THAT(transport.posts()[0].request.headers,
              Contains("Authorization: Bearer tok"));
}

TEST(RestGongClientTest, BodyIsGongsJsonWithoutEmailWhenNoneGiven) {
  FakeTransport transport;
  RestGongClient client("https://api.gong.io", GongCredentials::Basic("k", "s"),
                        &transport);

  client.Unassign(Request({"9007199254740993", "2"}), absl::InfiniteFuture(),
                  [](UnassignOutcome) {});

  ASSERT_EQ(transport.posts().size(), 1u);
  const Json body = Json::parse(transport.posts()[0].request.body);
  EXPECT_EQ(body, Json::parse(R"({"flowInstanceIds": ["9007199254740993", "2"]})"));
}

TEST(RestGongClientTest, BodyCarriesTheEmailWhenGiven) {
  FakeTransport transport;
  RestGongClient client("https://api.gong.io", GongCredentials::Basic("k", "s"),
                        &transport);

  client.Unassign(Request({"1"}, "ann@example.com"), absl::InfiniteFuture(),
                  [](UnassignOutcome) {});

  ASSERT_EQ(transport.posts().size(), 1u);
  const Json body = Json::parse(transport.posts()[0].request.body);
  EXPECT_EQ(body, Json::parse(R"({"flowInstanceIds": ["1"],
                                  "unassignedByUserEmail": "ann@example.com"})"));
}

TEST(RestGongClientTest, PassesTheDeadlineToTheTransport) {
  FakeTransport transport;
  RestGongClient client("https://api.gong.io", GongCredentials::Basic("k", "s"),
                        &transport);
  const absl::Time deadline = absl::FromUnixSeconds(1700000000) + absl::Milliseconds(250);

  client.Unassign(Request({"1"}), deadline, [](UnassignOutcome) {});

  ASSERT_EQ(transport.posts().size(), 1u);
  EXPECT_EQ(transport.posts()[0].request.deadline, deadline);
}

TEST(RestGongClientTest, CancelAbortsTheTransportRequestOfThatCall) {
  FakeTransport transport;
  RestGongClient client("https://api.gong.io", GongCredentials::Basic("k", "s"),
                        &transport);
  client.Unassign(Request({"1"}), absl::InfiniteFuture(), [](UnassignOutcome) {});
  const GongClient::CallId second =
      client.Unassign(Request({"2"}), absl::InfiniteFuture(), [](UnassignOutcome) {});

  client.Cancel(second);

  EXPECT_EQ(second, FakeTransport::kFirstId + 1);
  EXPECT_THAT(transport.cancelled(), ElementsAre(FakeTransport::kFirstId + 1));
}

TEST(RestGongClientTest, CallbackRunsOnlyWhenTheTransportAnswers) {
  FakeTransport transport;
  RestGongClient client("https://api.gong.io", GongCredentials::Basic("k", "s"),
                        &transport);
  std::optional<UnassignOutcome> outcome;
  client.Unassign(Request({"1", "2"}), absl::InfiniteFuture(),
                  [&outcome](UnassignOutcome o) { outcome = std::move(o); });
  EXPECT_FALSE(outcome.has_value());

  transport.Complete(0, Response(200, R"({"requestId": "r-1",
                                          "unassignedFlowInstanceIds": ["2"]})"));

  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(std::holds_alternative<UnassignResult>(*outcome));
  EXPECT_EQ(std::get<UnassignResult>(*outcome).request_id, "r-1");
  EXPECT_THAT(std::get<UnassignResult>(*outcome).unassigned_flow_instance_ids,
              ElementsAre("2"));
}

TEST(RestGongClientTest, CallbackGetsTransportFailures) {
  FakeTransport transport;
  RestGongClient client("https://api.gong.io", GongCredentials::Basic("k", "s"),
                        &transport);
  std::optional<UnassignOutcome> outcome;
  client.Unassign(Request({"1"}), absl::InfiniteFuture(),
                  [&outcome](UnassignOutcome o) { outcome = std::move(o); });

  transport.Complete(0, http::TransportError{http::TransportFailure::kCancelled,
                                             "cancelled"});

  ASSERT_TRUE(outcome.has_value());
  const GongError error = ErrorOf(*outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kTransport);
  EXPECT_EQ(error.transport_failure, http::TransportFailure::kCancelled);
}

// --- InterpretUnassignAnswer -------------------------------------------------

TEST(InterpretUnassignAnswerTest, GoodOkAnswerIsAResult) {
  const UnassignOutcome outcome = InterpretUnassignAnswer(Response(
      200, R"({"requestId": "r-1", "unassignedFlowInstanceIds": ["5", 9007199254740993]})"));

  ASSERT_TRUE(std::holds_alternative<UnassignResult>(outcome));
  const auto& result = std::get<UnassignResult>(outcome);
  EXPECT_EQ(result.request_id, "r-1");
  EXPECT_THAT(result.unassigned_flow_instance_ids, ElementsAre("5", "9007199254740993"));
}

TEST(InterpretUnassignAnswerTest, GarbageOkAnswerIsMalformed) {
  for (const char* body : {"", "not json", "<html>ok</html>", "[]", "{\"a\":"}) {
    SCOPED_TRACE(body);
    const GongError error = ErrorOf(InterpretUnassignAnswer(Response(200, body)));

    EXPECT_EQ(error.kind, GongError::Kind::kMalformedResponse);
    EXPECT_EQ(error.http_status, 200);
    EXPECT_FALSE(error.detail.empty());
  }
}

TEST(InterpretUnassignAnswerTest, OkAnswerWithoutTheIdListIsMalformed) {
  const UnassignOutcome outcome =
      InterpretUnassignAnswer(Response(200, R"({"requestId": "r-2"})"));

  const GongError error = ErrorOf(outcome);
  EXPECT_EQ(error.kind, GongError::Kind::kMalformedResponse);
  EXPECT_THAT(error.detail, HasSubstr("unassignedFlowInstanceIds"));
}

TEST(InterpretUnassignAnswerTest, OtherTwoHundredsAreNotSuccess) {
  for (int status : {201, 202, 204}) {
    SCOPED_TRACE(status);
    const GongError error = ErrorOf(InterpretUnassignAnswer(
        Response(status, R"({"requestId": "r", "unassignedFlowInstanceIds": ["1"]})")));

    EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
    EXPECT_EQ(error.http_status, status);
  }
}

TEST(InterpretUnassignAnswerTest, GongErrorBodyGivesErrorsAndRequestId) {
  const GongError error = ErrorOf(InterpretUnassignAnswer(Response(
      400, R"({"requestId": "4al018gz", "errors": ["flowInstanceIds 123 does not exist"]})")));

  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.gong_request_id, "4al018gz");
  EXPECT_THAT(error.errors, ElementsAre("flowInstanceIds 123 does not exist"));
  EXPECT_FALSE(error.retry_after.has_value());
}

TEST(InterpretUnassignAnswerTest, RateLimitReadsRetryAfter) {
  const GongError error = ErrorOf(InterpretUnassignAnswer(
      Response(429, R"({"requestId": "r", "errors": ["Too many requests"]})",
               {{"retry-after", "7"}})));

  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after, absl::Seconds(7));
  EXPECT_THAT(error.errors, ElementsAre("Too many requests"));
}

TEST(InterpretUnassignAnswerTest, RateLimitWithoutRetryAfterHintsOneSecond) {
  const GongError error = ErrorOf(InterpretUnassignAnswer(Response(429, "")));

  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after, absl::Seconds(1));
}

TEST(InterpretUnassignAnswerTest, RateLimitWithUnreadableRetryAfterHintsOneSecond) {
  for (const char* value : {"soon", "-3", "-0.5", "inf", "nan", "", "12s"}) {
    SCOPED_TRACE(value);
    const GongError& error =
        ErrorOf(InterpretUnassignAnswer(Response(429, "", {{"retry-after", value}})));

    EXPECT_EQ(error.retry_after, absl::Seconds(1));
  }
}

// Retry-After in every form an upstream (or a proxy, or a bug) may send;
// the quota caps what comes out (--max_gong_pause), so values only need to
// be read faithfully, without overflow.
TEST(ParseRetryAfterTest, ReadsEveryFormWithoutOverflow) {
  const absl::Time now = absl::FromUnixSeconds(1'445'412'420);  // 2015-10-21 07:27:00
  struct Case {
    const char* value;
    std::optional<absl::Duration> expected;
  };
  const Case cases[] = {
      {"7", absl::Seconds(7)},
      {" 7 ", absl::Seconds(7)},
      {"0", absl::ZeroDuration()},
      {"1000000000000", absl::Seconds(1'000'000'000'000)},
      {"9223372036854775807", absl::Seconds(INT64_MAX)},
      {"99999999999999999999999999", absl::InfiniteDuration()},
      {"1.5", absl::Milliseconds(1500)},
      {"1e400", std::nullopt},
      {"-3", std::nullopt},
      {"-9223372036854775808", std::nullopt},
      {"Wed, 21 Oct 2015 07:28:00 GMT", absl::Seconds(60)},
      {"Wed, 21 Oct 2015 07:00:00 GMT", absl::ZeroDuration()},
      {"Fri, 31 Dec 9999 23:59:59 GMT", absl::Seconds(253'402'300'799 - 1'445'412'420)},
      {"Wed, 21 Oct 2015 07:28:00 PST", std::nullopt},
      {"soon", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    EXPECT_EQ(ParseRetryAfter(c.value, now), c.expected);
  }
}

// absl::ParseTime reads these words under any format, and stops at a NUL;
// as a Retry-After they are unreadable (so a 429 waits Gong's one second),
// not "forever" (which the quota would have capped at --max_gong_pause),
// "now", or the date before the NUL.
TEST(ParseRetryAfterTest, AbseilsInfiniteTimeWordsAndNulsAreNoDates) {
  const absl::Time now = absl::FromUnixSeconds(1'445'412'420);
  EXPECT_EQ(ParseRetryAfter("infinite-future", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(" infinite-past ", now), std::nullopt);
  const std::string nul_inside("Wed, 21 Oct 2015 07:28:00 GMT\0junk", 34);
  EXPECT_EQ(ParseRetryAfter(nul_inside, now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(nul_inside.substr(0, 29), now), absl::Seconds(60));
  const GongError error = ErrorOf(
      InterpretUnassignAnswer(Response(429, "", {{"retry-after", "infinite-future"}})));
  EXPECT_EQ(error.retry_after, absl::Seconds(1));
}

TEST(InterpretUnassignAnswerTest, RetryAfterOnlyReadForRateLimit) {
  const GongError error = ErrorOf(
      InterpretUnassignAnswer(Response(503, "", {{"retry-after", "30"}})));

  EXPECT_EQ(error.http_status, 503);
  EXPECT_FALSE(error.retry_after.has_value());
}

TEST(InterpretUnassignAnswerTest, NonJsonErrorPageGivesStatusWithoutErrors) {
  const GongError error = ErrorOf(InterpretUnassignAnswer(
      Response(500, "<html><body><h1>500 Internal Server Error</h1></body></html>")));

  EXPECT_EQ(error.kind, GongError::Kind::kHttpStatus);
  EXPECT_EQ(error.http_status, 500);
  EXPECT_THAT(error.errors, IsEmpty());
  EXPECT_EQ(error.gong_request_id, "");
}

TEST(InterpretUnassignAnswerTest, TransportFailuresKeepTheirKindAndMessage) {
  for (auto failure : {http::TransportFailure::kTimeout,
                       http::TransportFailure::kConnectFailed,
                       http::TransportFailure::kTlsFailure,
                       http::TransportFailure::kConnectionDropped,
                       http::TransportFailure::kCancelled,
                       http::TransportFailure::kOther}) {
    SCOPED_TRACE(http::TransportFailureName(failure));
    const GongError error = ErrorOf(InterpretUnassignAnswer(
        http::TransportError{failure, "curl said something"}));

    EXPECT_EQ(error.kind, GongError::Kind::kTransport);
    EXPECT_EQ(error.transport_failure, failure);
    EXPECT_EQ(error.detail, "curl said something");
    EXPECT_EQ(error.http_status, 0);
    EXPECT_FALSE(error.retry_after.has_value());
  }
}

}  // namespace
}  // namespace gong
