// The quota steward's retries: by the request's idempotency (a read also
// after a failure that may have acted, a write never), with a jittered
// backoff, up to max_attempts, each counted as the steward's own; and the
// one resend, without a pause, after a 401 to credentials replaced since.
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/quota_steward_fixture.h"

namespace gong::quota {
namespace {

using ::testing::ElementsAre;

TEST_F(QuotaStewardTest, RetriesStopAtMaxAttempts) {
  QuotaOptions options = Qps(3);
  options.max_attempts = 3;
  Start(options);
  Caller* a = Call({"1"});
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_EQ(gong_->size(), static_cast<size_t>(attempt));
    gong_->Answer(attempt, HttpError(503));
    clock_->Advance(options.max_backoff);
  }
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().http_status, 503);
  EXPECT_EQ(gong_->size(), 3u);
}

TEST_F(QuotaStewardTest, BackoffBetweenRetriesGrowsWithJitter) {
  QuotaOptions options = Qps(0);
  options.max_attempts = 4;
  options.initial_backoff = absl::Seconds(1);
  Start(options);
  Call({"1"});
  gong_->Answer(1, ConnectFailed());
  clock_->Advance(absl::Milliseconds(499));
  EXPECT_EQ(gong_->size(), 1u);  // at least half of 1 s
  clock_->Advance(absl::Milliseconds(502));
  ASSERT_EQ(gong_->size(), 2u);  // at most 1 s
  gong_->Answer(2, ConnectFailed());
  clock_->Advance(absl::Milliseconds(999));
  EXPECT_EQ(gong_->size(), 2u);  // at least half of 2 s
  clock_->Advance(absl::Milliseconds(1002));
  EXPECT_EQ(gong_->size(), 3u);
}

struct NoRetryCase {
  const char* name;
  upstream::GongError error;
};

void PrintTo(const NoRetryCase& c, std::ostream* os) { *os << c.name; }

class QuotaStewardNoRetryTest : public QuotaStewardTest,
                                public ::testing::WithParamInterface<NoRetryCase> {};

TEST_P(QuotaStewardNoRetryTest, AnswersThatMayHaveRemovedProspectsAreNeverRetried) {
  Start(Qps(3));
  Caller* a = Call({"1"});
  gong_->Answer(1, GetParam().error);
  clock_->Advance(absl::Seconds(30));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(gong_->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Table, QuotaStewardNoRetryTest,
                         ::testing::Values(NoRetryCase{"Http500", HttpError(500)},
                                           NoRetryCase{"Http502", HttpError(502)},
                                           NoRetryCase{"Http504", HttpError(504)},
                                           NoRetryCase{"Http400", HttpError(400)},
                                           NoRetryCase{"Timeout", TimedOut()},
                                           NoRetryCase{"Dropped", Dropped()}),
                         [](const auto& info) { return std::string(info.param.name); });

// --- Every resend is the steward's own (finding 3) ------------------------

TEST_F(QuotaStewardTest, ARequestGongRefusedUnprocessedIsSentAgainAndCounted) {
  Start(Qps(3));
  Caller* a = Call({"1"});
  // An HTTP/2 stream Gong refused: the connection broke, but Gong did not act.
  gong_->Answer(
      1, upstream::GongError::NoAnswer(upstream::GongError::Kind::kConnectionDropped,
                                       "stream refused", /*may_have_acted=*/false));
  clock_->Advance(absl::Seconds(1));  // the backoff
  ASSERT_EQ(gong_->size(), 2u);
  AnswerAll(2);
  EXPECT_THAT(a->result().unassigned_flow_instance_ids, ElementsAre("1"));
  EXPECT_EQ(steward_->GetStats().retries, 1);
  EXPECT_EQ(steward_->GetStats().gong_requests, 2);
  EXPECT_EQ(steward_->GetStats().gong_requests_today, 2);
}

// --- A 401 to credentials replaced since ----------------------------------

upstream::GongError Unauthorized(bool credentials_changed) {
  upstream::GongError error = HttpError(401);
  error.credentials_changed = credentials_changed;
  return error;
}

// A write, with no retry allowed at all: Gong did no work for a 401, so the
// request goes once more, at once (no pause, no backoff), and a second 401
// reaches the caller.
TEST_F(QuotaStewardTest, A401ToReplacedCredentialsIsResentOnceAtOnce) {
  QuotaOptions options = Qps(0);
  options.max_attempts = 1;
  Start(options);
  Caller* a = Call({"1"});
  gong_->Answer(1, Unauthorized(true));
  EXPECT_FALSE(a->done());
  ASSERT_EQ(gong_->size(), 2u);  // no time passed
  EXPECT_EQ(gong_->unassign(2).flow_instance_ids, std::vector<std::string>{"1"});
  gong_->Answer(2, Unauthorized(true));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().http_status, 401);
  clock_->Advance(absl::Seconds(30));
  EXPECT_EQ(gong_->size(), 2u);
  EXPECT_EQ(steward_->GetStats().gong_requests, 2);
}

TEST_F(QuotaStewardTest, A401ToUnchangedCredentialsReachesTheCaller) {
  Start(Qps(0));
  Caller* a = Call({"1"});
  gong_->Answer(1, Unauthorized(false));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().http_status, 401);
  clock_->Advance(absl::Seconds(30));
  EXPECT_EQ(gong_->size(), 1u);
}

// The resend takes a slot like any request: first in line, but only when
// the window has one; and the caller gets the resend's answer.
TEST_F(QuotaStewardTest, TheResendWaitsForTheWindowAheadOfTheQueue) {
  QuotaOptions options = Qps(1);
  Start(options);
  Caller* a = Call({"1"});
  Caller* b = Submit(Read("/v2/flows"), nullptr);
  ASSERT_EQ(gong_->size(), 1u);
  gong_->Answer(1, Unauthorized(true));
  EXPECT_EQ(gong_->size(), 1u);  // the window is full
  clock_->Advance(absl::Seconds(1) + options.window_margin);
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_EQ(gong_->request(2).path, gong_->request(1).path);  // a's, before b's
  AnswerAll(2);
  ASSERT_TRUE(a->done());
  EXPECT_THAT(a->result().unassigned_flow_instance_ids, ElementsAre("1"));
  EXPECT_FALSE(b->done());
  clock_->Advance(absl::Seconds(1) + options.window_margin);
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_EQ(gong_->request(3).path, "/v2/flows");
}

// --- Retries by the request's idempotency ----------------------------------

struct MayHaveActedCase {
  const char* name;
  upstream::GongError error;
};

void PrintTo(const MayHaveActedCase& c, std::ostream* os) { *os << c.name; }

class QuotaStewardIdempotencyTest
    : public QuotaStewardTest,
      public ::testing::WithParamInterface<MayHaveActedCase> {};

// The two requests differ only in their idempotency: it alone decides.
TEST_P(QuotaStewardIdempotencyTest, AReadIsSentAgainAfterAFailureThatMayHaveActed) {
  QuotaOptions options = Qps(3);
  Start(options);
  Caller* read = Submit(Read("/v2/flows", upstream::Idempotency::kIdempotent), nullptr);
  ASSERT_EQ(gong_->size(), 1u);
  gong_->Answer(1, GetParam().error);
  EXPECT_FALSE(read->done());
  clock_->Advance(options.max_backoff);
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_EQ(gong_->request(2).method, "GET");
  EXPECT_EQ(gong_->request(2).path, "/v2/flows");
  gong_->Answer(2, upstream::GongAnswer{R"({"flows":[]})"});
  ASSERT_TRUE(read->done());
  EXPECT_EQ(read->answer().body, R"({"flows":[]})");
  EXPECT_EQ(steward_->GetStats().retries, 1);
}

TEST_P(QuotaStewardIdempotencyTest, AWriteIsNotSentAgainAfterIt) {
  Start(Qps(3));
  Caller* write =
      Submit(Read("/v2/flows", upstream::Idempotency::kNotIdempotent), nullptr);
  gong_->Answer(1, GetParam().error);
  ASSERT_TRUE(write->done());
  EXPECT_EQ(write->error().kind, GetParam().error.kind);
  EXPECT_EQ(write->error().http_status, GetParam().error.http_status);
  clock_->Advance(absl::Seconds(30));
  EXPECT_EQ(gong_->size(), 1u);
  EXPECT_EQ(steward_->GetStats().retries, 0);
}

INSTANTIATE_TEST_SUITE_P(Table, QuotaStewardIdempotencyTest,
                         ::testing::Values(MayHaveActedCase{"Http500", HttpError(500)},
                                           MayHaveActedCase{"Http502", HttpError(502)},
                                           MayHaveActedCase{"Http504", HttpError(504)},
                                           MayHaveActedCase{"Dropped", Dropped()}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace gong::quota
