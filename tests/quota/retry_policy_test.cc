// Which failures the dispatcher may retry, row by row, and the backoff's
// bounds.
#include "quota/retry_policy.h"

#include "gtest/gtest.h"

namespace gong {
namespace {

GongError Http(int status) {
  GongError error;
  error.http_status = status;
  return error;
}

GongError Transport(http::TransportFailure failure) {
  GongError error;
  error.kind = GongError::Kind::kTransport;
  error.transport_failure = failure;
  return error;
}

TEST(RetryPolicyTest, OnlyAnswersThatProveGongDidNotActAreRetriable) {
  using http::TransportFailure;
  struct Row {
    GongError error;
    bool retriable;
  };
  GongError malformed;
  malformed.kind = GongError::Kind::kMalformedResponse;
  const Row rows[] = {
      {Http(429), true},
      {Http(503), true},
      {Transport(TransportFailure::kConnectFailed), true},
      {Http(400), false},
      {Http(401), false},
      {Http(500), false},
      {Http(502), false},
      {Http(504), false},
      {Transport(TransportFailure::kTimeout), false},
      {Transport(TransportFailure::kConnectionDropped), false},
      {Transport(TransportFailure::kTlsFailure), false},
      {Transport(TransportFailure::kCancelled), false},
      {malformed, false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message()
                 << "http " << row.error.http_status << " transport "
                 << http::TransportFailureName(row.error.transport_failure));
    EXPECT_EQ(IsRetriable(row.error), row.retriable);
  }
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
}  // namespace gong
