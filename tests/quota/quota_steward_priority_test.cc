// The steward's priorities: an interactive call is never queued behind
// background work, never joins a background request, and background calls
// ride in an interactive request's spare room, both when they arrive and
// when the interactive request is sent.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/quota_steward_fixture.h"

namespace gong::quota {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using upstream::Priority;

constexpr absl::Duration kSlot = absl::Milliseconds(1030);  // one window and more

std::vector<std::string> Concat(std::vector<std::string> a,
                                const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class QuotaStewardPriorityTest : public QuotaStewardTest {
 protected:
  // Three interactive requests that take the whole window (of 3 a second).
  void FillTheWindow() {
    for (int i = 0; i < 3; ++i) {
      CallAs(Priority::kInteractive, "crm", {absl::StrCat("w", i)},
             absl::StrCat("w", i, "@x"));
    }
    ASSERT_EQ(gong_->size(), 3u);
  }
};

TEST_F(QuotaStewardPriorityTest,
       AnInteractiveCallGoesAtTheNextSlotWhateverBackgroundWaits) {
  Start(Qps(3, /*coalesce=*/false));
  for (int i = 0; i < 103; ++i)
    CallAs(Priority::kBackground, "bulk", {absl::StrCat("b", i)});
  ASSERT_EQ(gong_->size(), 3u);  // 100 background requests wait
  // Behind them its turn would come half a minute after its deadline.
  Caller* interactive =
      CallAs(Priority::kInteractive, "crm", {"i"}, "", absl::Seconds(5));
  EXPECT_FALSE(interactive->done());
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 6u);
  EXPECT_THAT(gong_->unassign(4).flow_instance_ids, ElementsAre("i"));
  EXPECT_THAT(gong_->unassign(5).flow_instance_ids, ElementsAre("b3"));
  AnswerAll(4);
  EXPECT_TRUE(interactive->done());
}

TEST_F(QuotaStewardPriorityTest, WaitingCallsAreCountedByTheirPriority) {
  Start(Qps(1, /*coalesce=*/false));
  CallAs(Priority::kInteractive, "a", {"0"});  // sent
  CallAs(Priority::kBackground, "a", {"1"});
  CallAs(Priority::kBackground, "a", {"2"});
  CallAs(Priority::kInteractive, "b", {"3"});
  QuotaSteward::Stats stats = steward_->GetStats();
  EXPECT_EQ(stats.waiting_calls, 3u);
  EXPECT_EQ(stats.waiting_interactive, 1u);
  EXPECT_EQ(stats.waiting_background, 2u);
  clock_->Advance(kSlot);
  stats = steward_->GetStats();
  EXPECT_EQ(stats.waiting_interactive, 0u);
  EXPECT_EQ(stats.waiting_background, 2u);
}

TEST_F(QuotaStewardPriorityTest, ABackgroundCallRidesInAWaitingInteractiveRequest) {
  Start(Qps(3));
  FillTheWindow();
  for (int i = 0; i < 20; ++i) {
    CallAs(Priority::kBackground, "bulk", {absl::StrCat("f", i)},
           absl::StrCat("f", i, "@x"));
  }
  Caller* interactive = CallAs(Priority::kInteractive, "crm", {"1", "2"}, "me@x");
  // In a request of its own, behind the 20, its turn would come after its
  // deadline.
  Caller* rider = CallAs(Priority::kBackground, "bulk", {"3"}, "me@x", absl::Seconds(3));
  EXPECT_FALSE(rider->done());
  EXPECT_EQ(steward_->GetStats().waiting_background, 21u);
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 6u);
  EXPECT_THAT(gong_->unassign(4).flow_instance_ids, ElementsAre("1", "2", "3"));
  AnswerAll(4);
  ASSERT_TRUE(rider->done());
  EXPECT_THAT(rider->result().unassigned_flow_instance_ids, ElementsAre("3"));
  ASSERT_TRUE(interactive->done());
  EXPECT_THAT(interactive->result().unassigned_flow_instance_ids, ElementsAre("1", "2"));
}

TEST_F(QuotaStewardPriorityTest, AnInteractiveCallNeverJoinsABackgroundRequest) {
  Start(Qps(3));
  FillTheWindow();
  for (int i = 0; i < 20; ++i) {
    CallAs(Priority::kBackground, "bulk", {absl::StrCat("f", i)},
           absl::StrCat("f", i, "@x"));
  }
  CallAs(Priority::kBackground, "bulk", {"100"}, "me@x");  // the 21st
  // Joined to that request, it would wait for the 21st turn, past its deadline.
  Caller* interactive =
      CallAs(Priority::kInteractive, "crm", {"1"}, "me@x", absl::Seconds(3));
  EXPECT_FALSE(interactive->done());
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 6u);
  EXPECT_EQ(gong_->unassign(4).unassigned_by_user_email, "me@x");
  EXPECT_EQ(gong_->unassign(4).flow_instance_ids.front(), "1");
}

TEST_F(QuotaStewardPriorityTest,
       WaitingBackgroundCallsMoveIntoAnInteractiveRequestWhenSent) {
  Start(Qps(3));
  FillTheWindow();
  Caller* early = CallAs(Priority::kBackground, "bulk", Ids(100, 10), "me@x");
  Caller* other = CallAs(Priority::kBackground, "bulk", Ids(200, 5), "you@x");
  Caller* interactive = CallAs(Priority::kInteractive, "crm", {"1"}, "me@x");
  clock_->Advance(kSlot);
  // Two requests for three slots: the background call of the same email
  // rode in the interactive one, and its own request is gone.
  ASSERT_EQ(gong_->size(), 5u);
  EXPECT_THAT(gong_->unassign(4).flow_instance_ids,
              ElementsAreArray(Concat({"1"}, Ids(100, 10))));
  EXPECT_THAT(gong_->unassign(5).flow_instance_ids, ElementsAreArray(Ids(200, 5)));
  AnswerAll(4);
  AnswerAll(5);
  ASSERT_TRUE(early->done());
  EXPECT_THAT(early->result().unassigned_flow_instance_ids,
              ElementsAreArray(Ids(100, 10)));
  EXPECT_TRUE(other->done());
  EXPECT_TRUE(interactive->done());
  clock_->Advance(absl::Seconds(5));
  EXPECT_EQ(gong_->size(), 5u);
  EXPECT_EQ(steward_->GetStats().waiting_calls, 0u);
}

TEST_F(QuotaStewardPriorityTest,
       OnlyTheBackgroundCallsThatFitMoveTheRestKeepTheirRequest) {
  Start(Qps(3));
  FillTheWindow();
  // One background request of 195 ids from three calls; the interactive
  // request of 60 has room for the first call's 100 only.
  Caller* fits = CallAs(Priority::kBackground, "bulk", Ids(1000, 100), "me@x");
  Caller* stays = CallAs(Priority::kBackground, "bulk", Ids(2000, 50), "me@x");
  Caller* stays_too = CallAs(Priority::kBackground, "bulk", Ids(3000, 45), "me@x");
  CallAs(Priority::kInteractive, "crm", Ids(1, 60), "me@x");
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 5u);
  EXPECT_THAT(gong_->unassign(4).flow_instance_ids,
              ElementsAreArray(Concat(Ids(1, 60), Ids(1000, 100))));
  // The request left behind holds only the calls left in it.
  EXPECT_THAT(gong_->unassign(5).flow_instance_ids,
              ElementsAreArray(Concat(Ids(2000, 50), Ids(3000, 45))));
  AnswerAll(4);
  AnswerAll(5);
  ASSERT_TRUE(fits->done());
  EXPECT_EQ(fits->result().unassigned_flow_instance_ids.size(), 100u);
  ASSERT_TRUE(stays->done());
  EXPECT_THAT(stays->result().unassigned_flow_instance_ids,
              ElementsAreArray(Ids(2000, 50)));
  ASSERT_TRUE(stays_too->done());
  EXPECT_THAT(stays_too->result().unassigned_flow_instance_ids,
              ElementsAreArray(Ids(3000, 45)));
}

TEST_F(QuotaStewardPriorityTest, ARiderCancelledBeforeTheSendIsNotSent) {
  Start(Qps(3));
  FillTheWindow();
  Caller* early = CallAs(Priority::kBackground, "bulk", Ids(100, 10), "me@x");
  CallAs(Priority::kInteractive, "crm", {"1"}, "me@x");
  steward_->Cancel(early->id);
  ASSERT_TRUE(early->done());
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 4u);
  EXPECT_THAT(gong_->unassign(4).flow_instance_ids, ElementsAre("1"));
}

TEST_F(QuotaStewardPriorityTest, ARiderMovedAtTheSendIsCancelledAsPartOfItsNewRequest) {
  Start(Qps(3));
  FillTheWindow();
  Caller* rider = CallAs(Priority::kBackground, "bulk", Ids(100, 10), "me@x");
  Caller* interactive = CallAs(Priority::kInteractive, "crm", {"1"}, "me@x");
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 4u);
  steward_->Cancel(rider->id);
  ASSERT_TRUE(rider->done());
  EXPECT_TRUE(rider->error().may_have_acted);  // its ids went to Gong
  EXPECT_TRUE(gong_->cancelled().empty());     // the interactive caller still waits
  AnswerAll(4);
  ASSERT_TRUE(interactive->done());
  EXPECT_THAT(interactive->result().unassigned_flow_instance_ids, ElementsAre("1"));
}

}  // namespace
}  // namespace gong::quota
