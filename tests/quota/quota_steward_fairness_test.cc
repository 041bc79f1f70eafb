// Turns between callers within one priority (GongRequest::queue_key): one
// caller's thousands of queued ids do not make another's single call wait
// behind them; several callers interleave; a call's turn, and so the
// refusal of a call that would miss its deadline, follow the new order; and
// without fair queueing the queue is first come, first served as before.
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/quota_steward_fixture.h"

namespace gong::quota {
namespace {

using ::testing::ElementsAre;
using upstream::Priority;

constexpr absl::Duration kSlot = absl::Milliseconds(1030);  // one window and more

class QuotaStewardFairnessTest : public QuotaStewardTest {
 protected:
  // The first id of each Gong request sent so far, in order.
  std::vector<std::string> FirstIds() {
    std::vector<std::string> firsts;
    for (size_t i = 1; i <= gong_->size(); ++i) {
      firsts.push_back(gong_->unassign(i).flow_instance_ids.front());
    }
    return firsts;
  }
};

TEST_F(QuotaStewardFairnessTest, AnotherCallersSingleCallIsSentWithinTwoSlots) {
  for (Priority priority : {Priority::kInteractive, Priority::kBackground}) {
    SCOPED_TRACE(priority == Priority::kInteractive ? "interactive" : "background");
    Start(Qps(3));
    // 5,000 ids: 25 full requests, none of which can take another id.
    for (int i = 0; i < 25; ++i) CallAs(priority, "bulk", Ids(10000 + 200 * i, 200));
    ASSERT_EQ(gong_->size(), 3u);
    Caller* other = CallAs(priority, "other", {"1"});
    clock_->Advance(kSlot);
    ASSERT_EQ(gong_->size(), 6u);
    EXPECT_THAT(gong_->unassign(5).flow_instance_ids, ElementsAre("1"));
    AnswerAll(5);
    EXPECT_TRUE(other->done());
  }
}

TEST_F(QuotaStewardFairnessTest, ThreeCallersTakeTurns) {
  Start(Qps(1, /*coalesce=*/false));
  CallAs(Priority::kBackground, "first", {"x"});  // takes the window
  for (const char* key : {"a", "b", "c"}) {
    for (int i = 1; i <= 3; ++i)
      CallAs(Priority::kBackground, key, {absl::StrCat(key, i)});
  }
  for (int i = 0; i < 9; ++i) clock_->Advance(kSlot);
  EXPECT_THAT(FirstIds(),
              ElementsAre("x", "a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"));
}

TEST_F(QuotaStewardFairnessTest, ACallerComingBackLaterDoesNotJumpAheadOfTheOthers) {
  Start(Qps(1, /*coalesce=*/false));
  CallAs(Priority::kBackground, "a", {"a1"});  // sent
  for (int i = 2; i <= 4; ++i) CallAs(Priority::kBackground, "a", {absl::StrCat("a", i)});
  clock_->Advance(kSlot);  // a2 sent
  // b's first call goes next, then a's and b's take turns.
  for (int i = 1; i <= 2; ++i) CallAs(Priority::kBackground, "b", {absl::StrCat("b", i)});
  for (int i = 0; i < 4; ++i) clock_->Advance(kSlot);
  EXPECT_THAT(FirstIds(), ElementsAre("a1", "a2", "b1", "a3", "b2", "a4"));
}

TEST_F(QuotaStewardFairnessTest, SubmitRefusesByThePlaceInTheNewOrder) {
  Start(Qps(1, /*coalesce=*/false));
  CallAs(Priority::kBackground, "bulk", {"0"});  // sent
  for (int i = 1; i <= 5; ++i) CallAs(Priority::kBackground, "bulk", {absl::StrCat(i)});
  // Ahead of the 5 background calls its turn is the next slot; behind
  // them it would miss its deadline.
  Caller* interactive =
      CallAs(Priority::kInteractive, "crm", {"i"}, "", absl::Seconds(2));
  EXPECT_FALSE(interactive->done());
  // The other caller's background call goes before bulk's second.
  Caller* other = CallAs(Priority::kBackground, "other", {"o"}, "", absl::Seconds(4));
  EXPECT_FALSE(other->done());
  // Bulk's sixth would go seventh: refused with that turn as RetryInfo.
  Caller* late = CallAs(Priority::kBackground, "bulk", {"6"}, "", absl::Seconds(3));
  ASSERT_TRUE(late->done());
  EXPECT_EQ(late->refusal().reason, QuotaRefusal::Reason::kWouldMissDeadline);
  EXPECT_GT(late->refusal().retry_after, absl::Seconds(6));
  EXPECT_EQ(steward_->GetStats()
                .refusals[static_cast<size_t>(QuotaRefusal::Reason::kWouldMissDeadline)],
            1);
}

TEST_F(QuotaStewardFairnessTest, ABackgroundCallPushedPastItsDeadlineIsRefused) {
  Start(Qps(1, /*coalesce=*/false));
  CallAs(Priority::kInteractive, "crm", {"0"});  // sent
  // Next in line when it comes; then five interactive calls go before it.
  Caller* background = CallAs(Priority::kBackground, "bulk", {"b"}, "", absl::Seconds(4));
  EXPECT_FALSE(background->done());
  for (int i = 1; i <= 5; ++i) CallAs(Priority::kInteractive, "crm", {absl::StrCat(i)});
  // Gong's 503 puts the first request back first in line, and the steward
  // looks at every waiting call's turn again.
  gong_->Answer(1, HttpError(503));
  ASSERT_TRUE(background->done());
  EXPECT_EQ(background->refusal().reason, QuotaRefusal::Reason::kWouldMissDeadline);
  EXPECT_GT(background->refusal().retry_after, absl::Seconds(4));
}

TEST_F(QuotaStewardFairnessTest, WithoutFairQueueingTheQueueIsFirstComeFirstServed) {
  QuotaOptions options = Qps(1, /*coalesce=*/false);
  options.fair_queueing = false;
  Start(options);
  CallAs(Priority::kBackground, "bulk", {"b0"});  // sent
  for (int i = 1; i <= 3; ++i)
    CallAs(Priority::kBackground, "bulk", {absl::StrCat("b", i)});
  CallAs(Priority::kInteractive, "crm", {"i"});
  CallAs(Priority::kBackground, "other", {"o"});
  for (int i = 0; i < 5; ++i) clock_->Advance(kSlot);
  EXPECT_THAT(FirstIds(), ElementsAre("b0", "b1", "b2", "b3", "i", "o"));
}

TEST_F(QuotaStewardFairnessTest, WithoutFairQueueingAnInteractiveCallJoinsAnyRequest) {
  QuotaOptions options = Qps(1);
  options.fair_queueing = false;
  Start(options);
  CallAs(Priority::kBackground, "bulk", {"0"}, "w@x");  // sent
  CallAs(Priority::kBackground, "bulk", {"1"}, "me@x");
  CallAs(Priority::kInteractive, "crm", {"2"}, "me@x");
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1", "2"));
}

// Thousands of calls from many callers, of both priorities and several
// emails, some cancelled while they wait: every call ends once, the
// steward's counts come back to zero, no id is sent twice and every answer
// holds its caller's own ids.
TEST_F(QuotaStewardFairnessTest, ManyCallersAndCancellationsLoseNothing) {
  Start(Qps(3));
  std::mt19937 random(29);
  std::vector<Caller*> callers;
  std::vector<std::vector<std::string>> asked;
  size_t answered = 0;
  int next_id = 0;
  const auto answer_everything = [&] {
    while (answered < gong_->size()) {
      ++answered;
      EXPECT_LE(gong_->unassign(answered).flow_instance_ids.size(), 200u);
      AnswerAll(answered);
    }
  };
  for (int step = 0; step < 3000; ++step) {
    const int action = static_cast<int>(random() % 10);
    if (action < 7) {
      std::vector<std::string> ids = Ids(next_id, 1 + static_cast<int>(random() % 60));
      next_id += static_cast<int>(ids.size());
      const Priority priority =
          random() % 4 == 0 ? Priority::kInteractive : Priority::kBackground;
      asked.push_back(ids);
      callers.push_back(CallAs(priority, absl::StrCat("caller", random() % 20), ids,
                               absl::StrCat("user", random() % 3, "@x"),
                               absl::Hours(10)));
    } else if (action < 8 && !callers.empty()) {
      steward_->Cancel(callers[random() % callers.size()]->id);
    } else {
      clock_->Advance(absl::Milliseconds(100));
      answer_everything();
    }
    const QuotaSteward::Stats stats = steward_->GetStats();
    ASSERT_EQ(stats.waiting_interactive + stats.waiting_background, stats.waiting_calls);
  }
  EXPECT_GT(steward_->GetStats().waiting_calls, 100u);  // the queue was long
  for (int i = 0; i < 10000 && steward_->GetStats().waiting_calls > 0; ++i) {
    clock_->Advance(absl::Milliseconds(100));
    answer_everything();
  }
  answer_everything();
  const QuotaSteward::Stats stats = steward_->GetStats();
  EXPECT_EQ(stats.waiting_calls, 0u);
  EXPECT_EQ(stats.waiting_interactive, 0u);
  EXPECT_EQ(stats.waiting_background, 0u);
  EXPECT_EQ(stats.gong_requests_in_flight, 0u);
  std::set<std::string> sent;
  for (size_t i = 1; i <= gong_->size(); ++i) {
    for (const std::string& id : gong_->unassign(i).flow_instance_ids) {
      EXPECT_TRUE(sent.insert(id).second) << "id " << id << " sent twice";
    }
  }
  for (size_t i = 0; i < callers.size(); ++i) {
    ASSERT_TRUE(callers[i]->done()) << i;
    if (std::holds_alternative<upstream::GongAnswer>(*callers[i]->outcome)) {
      EXPECT_EQ(callers[i]->result().unassigned_flow_instance_ids, asked[i]) << i;
    } else {
      EXPECT_EQ(std::get<upstream::GongError>(*callers[i]->outcome).kind,
                upstream::GongError::Kind::kCancelled);
    }
  }
}

}  // namespace
}  // namespace gong::quota
