// The quota steward's pauses: Gong's 429 pauses the whole queue for its
// Retry-After, no pause or RetryInfo is longer than max_pause, and Gong's
// next good answer ends a pause.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/quota_steward_fixture.h"

namespace gong::quota {
namespace {

using ::testing::ElementsAre;

TEST_F(QuotaStewardTest, A429PausesEveryoneForRetryAfterThenRetries) {
  Start(Qps(3));
  Caller* a = Call({"1"});
  gong_->Answer(1, HttpError(429, absl::Seconds(5)));
  EXPECT_FALSE(a->done());
  Caller* b = Call({"2"});  // the window has room, but Gong said wait
  clock_->Advance(absl::Seconds(4));
  EXPECT_EQ(gong_->size(), 1u);
  clock_->Advance(absl::Seconds(1));
  ASSERT_EQ(gong_->size(), 3u);
  // The retried request goes first, with its own attempt count; b follows.
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1"));
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("2"));
  AnswerAll(2);
  AnswerAll(3);
  EXPECT_THAT(a->result().unassigned_flow_instance_ids, ElementsAre("1"));
  EXPECT_THAT(b->result().unassigned_flow_instance_ids, ElementsAre("2"));
  EXPECT_EQ(steward_->GetStats().retries, 1);
}

TEST_F(QuotaStewardTest, A429LongerThanTheTimeLeftEndsTheCallAtOnce) {
  Start(Qps(3));
  Caller* a = Call({"1"}, "", absl::Seconds(3));
  gong_->Answer(1, HttpError(429, absl::Seconds(30)));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().http_status, 429);
  EXPECT_EQ(*a->error().retry_after, absl::Seconds(30));
  EXPECT_EQ(gong_->size(), 1u);
}

// --- Nothing Gong says stops the queue for long (issue 10, finding 1) ----

class QuotaStewardMaxPauseTest : public QuotaStewardTest,
                                 public ::testing::WithParamInterface<absl::Duration> {};

TEST_P(QuotaStewardMaxPauseTest, NoRetryAfterPausesTheQueueLongerThanMaxPause) {
  QuotaOptions options = Qps(3);
  options.max_pause = absl::Seconds(60);
  Start(options);
  Caller* a = Call({"1"}, "", absl::Seconds(120));
  gong_->Answer(1, HttpError(429, GetParam()));
  Caller* b = Call({"2"}, "", absl::Seconds(120));
  clock_->Advance(absl::Milliseconds(59'990));
  EXPECT_EQ(gong_->size(), 1u);
  clock_->Advance(absl::Milliseconds(10));
  ASSERT_EQ(gong_->size(), 3u);  // a's retry, then b
  AnswerAll(2);
  AnswerAll(3);
  EXPECT_TRUE(a->done());
  EXPECT_TRUE(b->done());
}

// What Gong's client makes of "1000000000000" and of numbers past int64.
INSTANTIATE_TEST_SUITE_P(HugeRetryAfter, QuotaStewardMaxPauseTest,
                         ::testing::Values(absl::Seconds(1'000'000'000'000),
                                           absl::InfiniteDuration()));

TEST_F(QuotaStewardTest, NoRetryInfoIsLongerThanMaxPause) {
  QuotaOptions options = Qps(1, /*coalesce=*/false);
  options.max_pause = absl::Seconds(10);
  Start(options);
  // Gong's 429 with an absurd Retry-After, ending a call at once.
  Caller* a = Call({"1"}, "", absl::Seconds(3));
  gong_->Answer(1, HttpError(429, absl::Seconds(1'000'000'000'000)));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().http_status, 429);
  EXPECT_EQ(a->error().retry_after, absl::Seconds(10));
  // A queue 20 turns long refuses a 5 s call: its turn is 20 s away, and
  // the hint still says 10 s.
  clock_->Advance(absl::Seconds(10));
  for (int i = 0; i < 20; ++i) Call({absl::StrCat(100 + i)}, "", absl::Seconds(600));
  Caller* late = Call({"7"}, "", absl::Seconds(5));
  ASSERT_TRUE(late->done());
  EXPECT_EQ(late->refusal().reason, QuotaRefusal::Reason::kWouldMissDeadline);
  EXPECT_EQ(late->refusal().retry_after, absl::Seconds(10));
}

TEST_F(QuotaStewardTest, AGoodAnswerEndsAPause) {
  Start(Qps(0));
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  gong_->Answer(1, HttpError(429, absl::Seconds(30)));
  EXPECT_EQ(gong_->size(), 2u);  // paused for 30 s
  AnswerAll(2);                  // but Gong took b's request
  ASSERT_EQ(gong_->size(), 3u);  // so a's retry goes now
  AnswerAll(3);
  EXPECT_THAT(a->result().unassigned_flow_instance_ids, ElementsAre("1"));
  EXPECT_TRUE(b->done());
}

}  // namespace
}  // namespace gong::quota
