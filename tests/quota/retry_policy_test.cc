// Which failures the quota steward may retry, row by row, for a write
// (Idempotency::kNotIdempotent: only where Gong surely did not act) and a
// read (Idempotency::kIdempotent: also where Gong may have acted); which
// refusals left the whole request undone; and the backoff's bounds.
#include "quota/retry_policy.h"

#include <vector>

#include "gtest/gtest.h"

namespace gong::quota {
namespace {

upstream::GongError Http(int status) {
  return upstream::GongError::HttpStatus(status, "", {});
}

upstream::GongError NoAnswer(upstream::GongError::Kind kind, bool may_have_acted) {
  return upstream::GongError::NoAnswer(kind, "", may_have_acted);
}

struct Row {
  upstream::GongError error;
  bool retriable;
};

void ExpectRows(const std::vector<Row>& rows, upstream::Idempotency idempotency) {
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "http " << row.error.http_status << " kind "
                                    << static_cast<int>(row.error.kind) << " ("
                                    << upstream::NoAnswerName(row.error.kind)
                                    << ") may_have_acted " << row.error.may_have_acted);
    EXPECT_EQ(IsRetriable(row.error, idempotency), row.retriable);
  }
}

TEST(RetryPolicyTest, OnlyAnswersThatProveGongDidNotActAreRetriable) {
  using Kind = upstream::GongError::Kind;
  ExpectRows(
      {
          {Http(429), true},
          {Http(503), true},
          {NoAnswer(Kind::kConnectFailed, false), true},
          // Gong refused the request unprocessed (HTTP/2 REFUSED_STREAM).
          {NoAnswer(Kind::kConnectionDropped, false), true},
          {Http(400), false},
          {Http(401), false},
          {Http(500), false},
          {Http(502), false},
          {Http(504), false},
          {NoAnswer(Kind::kTimedOut, true), false},
          {NoAnswer(Kind::kConnectionDropped, true), false},
          {NoAnswer(Kind::kTlsFailure, false), false},
          {upstream::GongError::Cancelled("", true), false},
          {NoAnswer(Kind::kNoAnswer, true), false},
          {upstream::GongError::MalformedAnswer(200, "body is not JSON"), false},
      },
      upstream::Idempotency::kNotIdempotent);
}

// A read changes nothing, so a second attempt is harmless even where Gong
// may have run the first: 500, 502, 504 and any dropped connection are
// retried too. A TLS failure is not transient, a timeout has used up the
// deadline, a cancelled call is not wanted any more, and a malformed answer
// or a 400 would come again.
TEST(RetryPolicyTest, AReadIsAlsoRetriedWhereGongMayHaveActed) {
  using Kind = upstream::GongError::Kind;
  ExpectRows(
      {
          {Http(429), true},
          {Http(503), true},
          {Http(500), true},
          {Http(502), true},
          {Http(504), true},
          {NoAnswer(Kind::kConnectFailed, false), true},
          {NoAnswer(Kind::kConnectionDropped, false), true},
          {NoAnswer(Kind::kConnectionDropped, true), true},
          {Http(400), false},
          {Http(401), false},
          {Http(404), false},
          {Http(501), false},
          {NoAnswer(Kind::kTimedOut, true), false},
          {NoAnswer(Kind::kTlsFailure, false), false},
          {upstream::GongError::Cancelled("", true), false},
          {upstream::GongError::Cancelled("", false), false},
          {NoAnswer(Kind::kNoAnswer, true), false},
          {upstream::GongError::MalformedAnswer(200, "body is not JSON"), false},
      },
      upstream::Idempotency::kIdempotent);
}

TEST(RetryPolicyTest, RefusalsOfTheWholeRequestAreThoseGongActedOnNoneOf) {
  for (int status : {400, 404, 409, 422}) {
    SCOPED_TRACE(status);
    EXPECT_TRUE(RefusedWithoutActing(Http(status)));
  }
  for (int status : {401, 403, 429, 500, 502, 503, 504}) {
    SCOPED_TRACE(status);
    EXPECT_FALSE(RefusedWithoutActing(Http(status)));
  }
  EXPECT_FALSE(RefusedWithoutActing(upstream::GongError::MalformedAnswer(200, "x")));
  EXPECT_FALSE(RefusedWithoutActing(upstream::GongError::NoAnswer(
      upstream::GongError::Kind::kConnectFailed, "", /*may_have_acted=*/false)));
}

TEST(ExponentialBackoffTest, DoublesWithinHalfToFullAndStopsAtTheMaximum) {
  const ExponentialBackoff backoff(absl::Milliseconds(100), absl::Seconds(1));
  absl::BitGen random;
  for (int i = 0; i < 200; ++i) {
    const absl::Duration first = backoff.Delay(1, random);
    EXPECT_GE(first, absl::Milliseconds(50));
    EXPECT_LE(first, absl::Milliseconds(100));
    const absl::Duration third = backoff.Delay(3, random);
    EXPECT_GE(third, absl::Milliseconds(200));
    EXPECT_LE(third, absl::Milliseconds(400));
    const absl::Duration tenth = backoff.Delay(10, random);
    EXPECT_GE(tenth, absl::Milliseconds(500));
    EXPECT_LE(tenth, absl::Seconds(1));
  }
}

}  // namespace
}  // namespace gong::quota
