// No caller pays for another's bad request: a merged request Gong refuses
// whole is sent again in halves until only the bad caller's part gets the
// refusal, unless the refusal is every part's; other failures still fail
// the whole batch.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/quota_steward_fixture.h"

namespace gong::quota {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

// --- No caller pays for another's bad request (finding 5) -----------------

class QuotaStewardSplitTest : public QuotaStewardTest {
 protected:
  // One call alone, then `n` single-id callers ("1".."n") coalesced into
  // Gong request 2, which is sent.
  std::vector<Caller*> CoalescedCallers(int n,
                                        absl::Duration timeout = absl::Seconds(60)) {
    Start(Qps(1));
    Call({"0"});
    AnswerAll(1);
    std::vector<Caller*> callers;
    for (int i = 1; i <= n; ++i) callers.push_back(Call({absl::StrCat(i)}, "", timeout));
    clock_->Advance(absl::Milliseconds(1025));
    EXPECT_EQ(gong_->size(), 2u);
    EXPECT_EQ(gong_->unassign(2).flow_instance_ids.size(), static_cast<size_t>(n));
    return callers;
  }

  // Answers Gong request `id` as a Gong that refuses any request holding
  // `bad` with a 400, and removes every id otherwise.
  void AnswerRefusing(upstream::GongClient::CallId id, const std::string& bad) {
    const std::vector<std::string> ids = gong_->unassign(id).flow_instance_ids;
    if (std::find(ids.begin(), ids.end(), bad) == ids.end()) {
      AnswerAll(id);
      return;
    }
    gong_->Answer(id, upstream::GongError::HttpStatus(
                          400, absl::StrCat("req-", id),
                          {absl::StrCat("Invalid flow instance id: ", bad)}));
  }
};

TEST_F(QuotaStewardSplitTest, ARefusedBatchIsSplitUntilOnlyTheBadCallerGetsTheRefusal) {
  std::vector<Caller*> callers = CoalescedCallers(8);
  // Gong refuses anything holding "6": halves, then quarters, then "6"
  // alone, each sent as the window allows.
  for (upstream::GongClient::CallId id = 2; id <= gong_->size(); ++id) {
    AnswerRefusing(id, "6");
    clock_->Advance(absl::Milliseconds(1025));
  }
  for (int i = 1; i <= 8; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(callers[i - 1]->done());
    if (i == 6) {
      EXPECT_EQ(callers[i - 1]->error().http_status, 400);
    } else {
      // The answer to the part it was in, which holds its own id and never
      // the bad one.
      EXPECT_THAT(callers[i - 1]->result().unassigned_flow_instance_ids,
                  Contains(absl::StrCat(i)));
      EXPECT_THAT(callers[i - 1]->result().unassigned_flow_instance_ids,
                  Not(Contains("6")));
    }
  }
  // 8 -> {1-4 ok, 5-8} -> {5-6, 7-8 ok} -> {5 ok, 6 refused}: six parts.
  EXPECT_EQ(gong_->size(), 8u);
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("1", "2", "3", "4"));
  EXPECT_THAT(gong_->unassign(7).flow_instance_ids, ElementsAre("6"));
  EXPECT_EQ(steward_->GetStats().split_requests, 6);
  EXPECT_EQ(steward_->GetStats().retries, 0);
}

TEST_F(QuotaStewardSplitTest, DoesNotExistIsEveryCallersAnswerWithoutAResend) {
  std::vector<Caller*> callers = CoalescedCallers(3);
  gong_->Answer(2, upstream::GongError::HttpStatus(
                       400, "req-2", {"Flow instance does not exist: 1, 2, 3"}));
  clock_->Advance(absl::Seconds(5));
  for (Caller* caller : callers) {
    ASSERT_TRUE(caller->done());
    EXPECT_EQ(caller->error().http_status, 400);
  }
  EXPECT_EQ(gong_->size(), 2u);
  EXPECT_EQ(steward_->GetStats().split_requests, 0);
}

TEST_F(QuotaStewardSplitTest, OtherFailuresStillFailTheWholeBatch) {
  std::vector<Caller*> callers = CoalescedCallers(2);
  gong_->Answer(2, HttpError(500));  // Gong may have acted: never resent
  for (Caller* caller : callers) {
    ASSERT_TRUE(caller->done());
    EXPECT_EQ(caller->error().http_status, 500);
  }
  EXPECT_EQ(gong_->size(), 2u);
}

TEST_F(QuotaStewardSplitTest,
       ACallerWhosePartWouldComeTooLateIsToldToRetryNotThatItWasBad) {
  // Four callers; the last one's deadline falls before its part's turn.
  Start(Qps(1));
  Call({"0"});
  AnswerAll(1);
  std::vector<Caller*> callers;
  for (int i = 1; i <= 3; ++i) callers.push_back(Call({absl::StrCat(i)}));
  Caller* hurried = Call({"4"}, "", absl::Seconds(2));
  clock_->Advance(absl::Milliseconds(1025));
  ASSERT_EQ(gong_->size(), 2u);
  AnswerRefusing(2, "1");
  ASSERT_TRUE(hurried->done());
  EXPECT_EQ(hurried->refusal().reason, QuotaRefusal::Reason::kWouldMissDeadline);
  EXPECT_FALSE(callers[0]->done());
}

// Callers left while their merged request was with Gong: the request still
// held their ids, so a refusal may be theirs alone. The one caller left is
// asked for again alone rather than given a refusal that may not be its own.
TEST_F(QuotaStewardSplitTest, TheOneCallerLeftInARefusedMergeIsAskedForAlone) {
  std::vector<Caller*> callers = CoalescedCallers(2);
  steward_->Cancel(callers[0]->id);  // "1" leaves while request 2 is with Gong
  ASSERT_TRUE(callers[0]->done());
  AnswerRefusing(2, "1");
  EXPECT_FALSE(callers[1]->done());
  clock_->Advance(absl::Milliseconds(1025));
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("2"));
  AnswerAll(3);
  ASSERT_TRUE(callers[1]->done());
  EXPECT_THAT(callers[1]->result().unassigned_flow_instance_ids, ElementsAre("2"));
}

// Its own request alone, the one caller left gets Gong's answer to it,
// whatever it is: no split without another's ids in it.
TEST_F(QuotaStewardSplitTest, ARefusalOfTheLastCallersOwnRequestIsItsAnswer) {
  std::vector<Caller*> callers = CoalescedCallers(2);
  steward_->Cancel(callers[0]->id);
  AnswerRefusing(2, "2");
  clock_->Advance(absl::Milliseconds(1025));
  ASSERT_EQ(gong_->size(), 3u);  // "2" alone
  AnswerRefusing(3, "2");
  ASSERT_TRUE(callers[1]->done());
  EXPECT_EQ(callers[1]->error().http_status, 400);
  clock_->Advance(absl::Seconds(5));
  EXPECT_EQ(gong_->size(), 3u);
}

}  // namespace
}  // namespace gong::quota
