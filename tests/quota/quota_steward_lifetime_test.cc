// A call's life in the quota steward, and the steward's own: cancelling a
// waiting or in-flight call, a call or a cancellation arriving while a
// request is handed to Gong, and destruction, which ends every call left
// exactly once.
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/quota_steward_fixture.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::quota {
namespace {

using fakes::FakeGongClient;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(QuotaStewardTest, CancellingAWaitingCallTakesItOutOfItsBatch) {
  Start(Qps(1));
  Call({"0"});
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  steward_->Cancel(a->id);
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().kind, upstream::GongError::Kind::kCancelled);
  EXPECT_FALSE(a->error().may_have_acted);  // never sent
  clock_->Advance(absl::Seconds(2));
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("2"));
  AnswerAll(2);
  EXPECT_TRUE(b->done());
  EXPECT_EQ(steward_->GetStats().waiting_calls, 0u);
}

TEST_F(QuotaStewardTest, AnInFlightRequestIsAbortedOnlyWhenAllItsCallersLeft) {
  Start(Qps(1));
  Call({"0"});
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  steward_->Cancel(a->id);
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().kind, upstream::GongError::Kind::kCancelled);
  EXPECT_TRUE(a->error().may_have_acted);      // its request had gone
  EXPECT_THAT(gong_->cancelled(), IsEmpty());  // b still waits for the answer
  steward_->Cancel(b->id);
  EXPECT_THAT(gong_->cancelled(), ElementsAre(2u));
  ASSERT_TRUE(b->done());
  EXPECT_EQ(b->error().kind, upstream::GongError::Kind::kCancelled);
  EXPECT_TRUE(b->error().may_have_acted);
}

// Handing a request to Gong's client writes it to a socket: a call arriving
// meanwhile must not wait for the steward's lock (and its thread sleep).
TEST_F(QuotaStewardTest, ACallArrivingWhileARequestIsHandedToGongDoesNotWait) {
  Start(Qps(0));
  std::thread other;
  absl::Notification other_went;
  bool went_in_time = false;
  gong_->OnSend([&, first = true]() mutable {
    if (!std::exchange(first, false)) return;
    other = std::thread([&] {
      steward_->Submit(Read(), nullptr, [](QuotaOutcome) {});
      other_went.Notify();
    });
    // Generous for a loaded machine; a steward holding its lock makes the
    // other call wait the whole time.
    went_in_time = other_went.WaitForNotificationWithTimeout(absl::Seconds(20));
  });
  Submit(Read(), nullptr);
  other.join();  // (a steward holding its lock would let it go only now)
  EXPECT_TRUE(went_in_time);
  EXPECT_TRUE(gong_->AwaitCalls(2));
}

TEST_F(QuotaStewardTest, ACallerWhoLeavesWhileItsRequestIsHandedToGongCancelsIt) {
  Start(Qps(1));
  Call({"0"});
  Caller* caller = Call({"1"});  // waits for the next second
  std::thread leaving;
  absl::Notification left;
  bool left_in_time = false;
  gong_->OnSend([&] {
    leaving = std::thread([&] {
      steward_->Cancel(caller->id);
      left.Notify();
    });
    left_in_time = left.WaitForNotificationWithTimeout(absl::Seconds(20));
  });
  clock_->Advance(absl::Seconds(2));
  leaving.join();
  EXPECT_TRUE(left_in_time);
  ASSERT_TRUE(caller->done());
  EXPECT_EQ(caller->error().kind, upstream::GongError::Kind::kCancelled);
  EXPECT_THAT(gong_->cancelled(), ElementsAre(2u));  // nobody is left to answer
}

TEST_F(QuotaStewardTest, DestructionFailsWaitingCallsAsCancelled) {
  Start(Qps(1));
  Call({"0"});
  Caller* waiting = Call({"1"});
  gong_ = nullptr;
  clock_ = nullptr;
  steward_.reset();
  ASSERT_TRUE(waiting->done());
  EXPECT_EQ(waiting->error().kind, upstream::GongError::Kind::kCancelled);
  EXPECT_FALSE(waiting->error().may_have_acted);
}

// --- The steward owns its Gong and clock ----------------------------------

TEST_F(QuotaStewardTest, DestructionEndsWaitingAndInFlightCallsOnceEach) {
  Start(Qps(2));
  // Driven only while the steward lives.
  FakeGongClient* gong = gong_;
  // Like the real client's transport, the fake answers the requests left
  // unanswered as cancelled when the steward destroys it.
  gong->CancelUnfinishedOnDestruction();
  struct Ended {
    int times = 0;
    std::optional<QuotaOutcome> outcome;
  };
  auto record = [](Ended* ended) {
    return [ended](QuotaOutcome outcome) {
      ++ended->times;
      ended->outcome = std::move(outcome);
    };
  };
  Ended sent_unassign, sent_read, waiting_unassign, waiting_read;
  const upstream::UnassignByInstanceIdsParams one{{"1"}, ""};
  steward_->Submit(
      upstream::EncodeUnassignByInstanceIds(one, clock_->Now() + absl::Seconds(60)),
      coalescing_.Part(one), record(&sent_unassign));
  steward_->Submit(Read(), nullptr, record(&sent_read));
  // The first call the destructor ends lets Gong's answer to request 1
  // arrive meanwhile.
  steward_->Submit(Read(), nullptr, [&, gong](QuotaOutcome outcome) {
    record (&waiting_read)(std::move(outcome));
    gong->AnswerUnassigned(1, upstream::UnassignByInstanceIdsResult{"req-1", {"1"}});
  });
  const upstream::UnassignByInstanceIdsParams two{{"2"}, ""};
  steward_->Submit(
      upstream::EncodeUnassignByInstanceIds(two, clock_->Now() + absl::Seconds(60)),
      coalescing_.Part(two), record(&waiting_unassign));
  ASSERT_EQ(gong->size(), 2u);
  ASSERT_EQ(steward_->GetStats().waiting_calls, 2u);
  gong_ = nullptr;
  clock_ = nullptr;
  steward_.reset();  // request 2 is answered (cancelled) as the fake goes

  for (const Ended* ended : {&waiting_read, &waiting_unassign}) {
    EXPECT_EQ(ended->times, 1);
    ASSERT_TRUE(ended->outcome.has_value());
    const upstream::GongError& error = std::get<upstream::GongError>(*ended->outcome);
    EXPECT_EQ(error.kind, upstream::GongError::Kind::kCancelled);
    EXPECT_FALSE(error.may_have_acted);  // never sent
  }
  for (const Ended* ended : {&sent_unassign, &sent_read}) {
    EXPECT_EQ(ended->times, 1);  // Gong's answers came too late
    ASSERT_TRUE(ended->outcome.has_value());
    const upstream::GongError& error = std::get<upstream::GongError>(*ended->outcome);
    EXPECT_EQ(error.kind, upstream::GongError::Kind::kCancelled);
    EXPECT_TRUE(error.may_have_acted);  // Gong may have it
  }
}

}  // namespace
}  // namespace gong::quota
