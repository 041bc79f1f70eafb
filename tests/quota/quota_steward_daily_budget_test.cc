// The day's budget (QuotaOptions::daily_limit and daily_reserve): past the
// limit minus the reserve only requests with an interactive caller go; at
// the limit nothing does, and Gong never sees a request past it; calls
// waiting when the count crosses are refused; a new UTC day opens again; a
// shared window's company count is the one honoured; and the refusals'
// RetryInfo is the next UTC midnight, however far.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fakes/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/daily_counter.h"
#include "quota/quota_steward_fixture.h"
#include "quota/request_window.h"
#include "quota/sliding_window.h"

namespace gong::quota {
namespace {

using upstream::Priority;
using Reason = QuotaRefusal::Reason;

constexpr absl::Duration kSlot = absl::Milliseconds(1030);  // one window and more

// The fake clock starts 80,000 s into a UTC day.
const absl::Duration kToMidnight = absl::Seconds(86400 - 80000);

class QuotaStewardDailyBudgetTest : public QuotaStewardTest {
 protected:
  static QuotaOptions Budget(int64_t limit, int64_t reserve, int qps = 0) {
    QuotaOptions options = Qps(qps, /*coalesce=*/false);
    options.daily_limit = limit;
    options.daily_reserve = reserve;
    return options;
  }

  Caller* Next(Priority priority) {
    return CallAs(priority, priority == Priority::kInteractive ? "crm" : "bulk",
                  {absl::StrCat("id", next_id_++)});
  }

  // Gong removes what it was asked to, for every request not yet answered.
  void AnswerEverything() {
    while (answered_ < gong_->size()) AnswerAll(++answered_);
  }

  int64_t Refusals(Reason reason) {
    return steward_->GetStats().refusals[static_cast<size_t>(reason)];
  }

  int next_id_ = 0;
  size_t answered_ = 0;
};

TEST_F(QuotaStewardDailyBudgetTest, BackgroundStopsAtTheReserveInteractiveAtTheLimit) {
  Start(Budget(50, 10));
  EXPECT_TRUE(clock_->Now() + kToMidnight == internal::NextUtcMidnight(clock_->Now()));
  for (int i = 0; i < 40; ++i) {
    Caller* caller = Next(Priority::kBackground);
    AnswerEverything();
    ASSERT_TRUE(caller->done());
    ASSERT_TRUE(std::holds_alternative<upstream::GongAnswer>(*caller->outcome)) << i;
  }
  EXPECT_EQ(steward_->GetStats().daily_budget_left, 10);
  clock_->Advance(absl::Minutes(1));
  Caller* background = Next(Priority::kBackground);
  ASSERT_TRUE(background->done());
  EXPECT_EQ(background->refusal().reason, Reason::kDailyBudgetReserved);
  // Until midnight, far past max_pause.
  EXPECT_EQ(background->refusal().retry_after, kToMidnight - absl::Minutes(1));
  for (int i = 0; i < 10; ++i) {
    Caller* caller = Next(Priority::kInteractive);
    AnswerEverything();
    ASSERT_TRUE(caller->done());
    ASSERT_TRUE(std::holds_alternative<upstream::GongAnswer>(*caller->outcome)) << i;
  }
  EXPECT_EQ(gong_->size(), 50u);
  for (Priority priority : {Priority::kInteractive, Priority::kBackground}) {
    Caller* refused = Next(priority);
    ASSERT_TRUE(refused->done());
    EXPECT_EQ(refused->refusal().reason, Reason::kDailyLimitReached);
    EXPECT_EQ(refused->refusal().retry_after, kToMidnight - absl::Minutes(1));
  }
  EXPECT_EQ(gong_->size(), 50u);  // never a 51st
  const QuotaSteward::Stats stats = steward_->GetStats();
  EXPECT_EQ(stats.daily_budget_left, 0);
  EXPECT_EQ(stats.gong_requests_today, 50);
  EXPECT_EQ(Refusals(Reason::kDailyBudgetReserved), 1);
  EXPECT_EQ(Refusals(Reason::kDailyLimitReached), 2);
}

TEST_F(QuotaStewardDailyBudgetTest, WaitingCallsAreRefusedWhenTheCountCrosses) {
  Start(Budget(4, 2, /*qps=*/1));
  Next(Priority::kInteractive);  // sent: 1 today
  Caller* background[] = {Next(Priority::kBackground), Next(Priority::kBackground)};
  Caller* interactive[] = {Next(Priority::kInteractive), Next(Priority::kInteractive),
                           Next(Priority::kInteractive), Next(Priority::kInteractive)};
  EXPECT_EQ(steward_->GetStats().waiting_calls, 6u);
  clock_->Advance(kSlot);  // the second: the reserve reached
  EXPECT_EQ(gong_->size(), 2u);
  for (Caller* caller : background) {
    ASSERT_TRUE(caller->done());
    EXPECT_EQ(caller->refusal().reason, Reason::kDailyBudgetReserved);
  }
  clock_->Advance(kSlot);
  clock_->Advance(kSlot);  // the fourth: the limit reached
  EXPECT_EQ(gong_->size(), 4u);
  ASSERT_TRUE(interactive[3]->done());
  EXPECT_EQ(interactive[3]->refusal().reason, Reason::kDailyLimitReached);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(interactive[i]->done());  // Gong has them
  clock_->Advance(absl::Seconds(10));
  EXPECT_EQ(gong_->size(), 4u);
  EXPECT_EQ(steward_->GetStats().waiting_calls, 0u);
}

TEST_F(QuotaStewardDailyBudgetTest, ARetryPastTheLimitIsRefusedNotSent) {
  Start(Budget(2, 0));
  Caller* first = Next(Priority::kInteractive);
  Next(Priority::kInteractive);
  ASSERT_EQ(gong_->size(), 2u);
  gong_->Answer(1, HttpError(503));  // retriable, but the day is spent
  clock_->Advance(absl::Seconds(10));
  EXPECT_EQ(gong_->size(), 2u);
  ASSERT_TRUE(first->done());
  EXPECT_EQ(first->refusal().reason, Reason::kDailyLimitReached);
}

TEST_F(QuotaStewardDailyBudgetTest, AMergedRequestSplitPastTheLimitIsRefused) {
  QuotaOptions options = Budget(2, 0);
  options.coalesce = true;
  options.gong_qps = 1;
  Start(options);
  CallAs(Priority::kInteractive, "crm", {"0"}, "w@x");  // sent: 1 today
  Caller* a = CallAs(Priority::kInteractive, "crm", {"1"});
  Caller* b = CallAs(Priority::kInteractive, "crm", {"2"});
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 2u);      // a and b merged: 2 today
  gong_->Answer(2, HttpError(422));  // refused whole: to be sent in halves
  clock_->Advance(absl::Seconds(10));
  EXPECT_EQ(gong_->size(), 2u);
  for (Caller* caller : {a, b}) {
    ASSERT_TRUE(caller->done());
    EXPECT_EQ(caller->refusal().reason, Reason::kDailyLimitReached);
  }
}

TEST_F(QuotaStewardDailyBudgetTest,
       AnInteractiveRequestWithBackgroundRidersGoesPastTheReserve) {
  QuotaOptions options = Budget(3, 1);
  options.coalesce = true;
  options.gong_qps = 1;
  Start(options);
  CallAs(Priority::kInteractive, "crm", {"0"}, "w0@x");  // sent: 1 today
  CallAs(Priority::kInteractive, "crm", {"1"}, "w1@x");  // its send reaches the reserve
  Caller* interactive = CallAs(Priority::kInteractive, "crm", {"2"}, "me@x");
  Caller* rider = CallAs(Priority::kBackground, "bulk", {"3"}, "me@x");
  Caller* alone = CallAs(Priority::kBackground, "bulk", {"4"}, "you@x");
  EXPECT_FALSE(rider->done());
  EXPECT_FALSE(alone->done());
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 2u);
  ASSERT_TRUE(alone->done());
  EXPECT_EQ(alone->refusal().reason, Reason::kDailyBudgetReserved);
  EXPECT_FALSE(rider->done());
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ::testing::ElementsAre("2", "3"));
  AnswerAll(3);
  EXPECT_TRUE(interactive->done());
  ASSERT_TRUE(rider->done());
  EXPECT_TRUE(std::holds_alternative<upstream::GongAnswer>(*rider->outcome));
}

TEST_F(QuotaStewardDailyBudgetTest, WithoutFairQueueingTheReserveStillHolds) {
  QuotaOptions options = Budget(4, 2, /*qps=*/1);
  options.fair_queueing = false;
  Start(options);
  Next(Priority::kInteractive);                  // sent: 1 today
  Next(Priority::kInteractive);                  // waits; its send reaches the reserve
  Caller* queued = Next(Priority::kBackground);  // waits in the same line
  clock_->Advance(kSlot);
  ASSERT_EQ(gong_->size(), 2u);
  // Next in line when the count crossed: refused rather than sent.
  ASSERT_TRUE(queued->done());
  EXPECT_EQ(queued->refusal().reason, Reason::kDailyBudgetReserved);
  // Arriving behind a waiting interactive call: refused at once.
  Caller* interactive = Next(Priority::kInteractive);
  Caller* arriving = Next(Priority::kBackground);
  ASSERT_TRUE(arriving->done());
  EXPECT_EQ(arriving->refusal().reason, Reason::kDailyBudgetReserved);
  clock_->Advance(kSlot);
  EXPECT_EQ(gong_->size(), 3u);
  EXPECT_FALSE(interactive->done());  // Gong has it
}

TEST_F(QuotaStewardDailyBudgetTest, ANewUtcDayOpensAgain) {
  Start(Budget(2, 1));
  Next(Priority::kInteractive);
  Next(Priority::kInteractive);
  EXPECT_EQ(Next(Priority::kInteractive)->refusal().reason, Reason::kDailyLimitReached);
  AnswerEverything();
  clock_->Advance(kToMidnight);
  EXPECT_EQ(steward_->GetStats().daily_budget_left, 2);
  Caller* background = Next(Priority::kBackground);
  EXPECT_FALSE(background->done());
  EXPECT_EQ(gong_->size(), 3u);
  EXPECT_EQ(steward_->GetStats().daily_budget_left, 1);
  EXPECT_EQ(Next(Priority::kBackground)->refusal().reason, Reason::kDailyBudgetReserved);
}

int Occurrences(const std::string& text, const std::string& word) {
  int count = 0;
  for (size_t at = text.find(word); at != std::string::npos;
       at = text.find(word, at + 1)) {
    ++count;
  }
  return count;
}

TEST_F(QuotaStewardDailyBudgetTest, TheReserveAndTheLimitAreLoggedOncePerUtcDay) {
  Start(Budget(3, 1));
  ::testing::internal::CaptureStderr();
  for (int day = 0; day < 2; ++day) {
    for (int i = 0; i < 10; ++i) {
      Next(Priority::kInteractive);
      Next(Priority::kBackground);
    }
    AnswerEverything();
    clock_->Advance(absl::Hours(24));
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(gong_->size(), 6u);
  EXPECT_EQ(Occurrences(log, "reached its reserve"), 2) << log;
  EXPECT_EQ(Occurrences(log, "budget is spent"), 2) << log;
}

// The local window, with the company's count of the day as a shared one
// would know it.
class CompanyCountWindow final : public RequestWindow {
 public:
  explicit CompanyCountWindow(int64_t* today) : today_(today) {}
  absl::Time SlotTime(absl::Time now, size_t k) const override {
    return local_.SlotTime(now, k);
  }
  uint64_t Record(absl::Time when) override {
    ++*today_;
    return local_.Record(when);
  }
  void Delay(uint64_t ticket, absl::Time later) override { local_.Delay(ticket, later); }
  std::optional<int64_t> RequestsToday(absl::Time /*now*/) const override {
    return *today_;
  }

 private:
  SlidingWindow local_{0, absl::Seconds(1)};
  int64_t* const today_;
};

TEST_F(QuotaStewardDailyBudgetTest, TheSharedWindowsCompanyCountIsHonoured) {
  int64_t company_today = 45;  // other replicas' requests
  Start(Budget(50, 10), std::make_unique<CompanyCountWindow>(&company_today));
  EXPECT_EQ(steward_->GetStats().daily_budget_left, 5);
  EXPECT_EQ(Next(Priority::kBackground)->refusal().reason, Reason::kDailyBudgetReserved);
  for (int i = 0; i < 5; ++i) Next(Priority::kInteractive);
  EXPECT_EQ(gong_->size(), 5u);
  EXPECT_EQ(Next(Priority::kInteractive)->refusal().reason, Reason::kDailyLimitReached);
  EXPECT_EQ(company_today, 50);
  EXPECT_EQ(steward_->GetStats().daily_budget_left, 0);
}

TEST_F(QuotaStewardDailyBudgetTest, ASharedCountBelowThisReplicasOwnDoesNotOpenTheDay) {
  int64_t company_today = 0;
  Start(Budget(10, 2), std::make_unique<CompanyCountWindow>(&company_today));
  for (int i = 0; i < 6; ++i) Next(Priority::kInteractive);
  company_today = -1000000;  // the shared key tampered with
  for (int i = 0; i < 4; ++i) Next(Priority::kInteractive);
  EXPECT_EQ(gong_->size(), 10u);
  EXPECT_EQ(Next(Priority::kInteractive)->refusal().reason, Reason::kDailyLimitReached);
  EXPECT_EQ(gong_->size(), 10u);
  EXPECT_EQ(steward_->GetStats().daily_budget_left, 0);
}

TEST_F(QuotaStewardDailyBudgetTest, RefusalsAreCountedByReason) {
  QuotaOptions options = Budget(3, 1, /*qps=*/1);
  options.max_pending_calls = 1;
  Start(options);
  Next(Priority::kInteractive);  // sent
  Next(Priority::kInteractive);  // waits
  EXPECT_EQ(Next(Priority::kInteractive)->refusal().reason, Reason::kQueueFull);
  // Behind the one waiting, its turn comes after its deadline.
  Caller* late =
      CallAs(Priority::kInteractive, "crm", {"late"}, "", absl::Milliseconds(500));
  EXPECT_EQ(late->refusal().reason, Reason::kQueueFull);
  clock_->Advance(kSlot);  // the second sent: the reserve reached
  Caller* hurried =
      CallAs(Priority::kInteractive, "crm", {"h"}, "", absl::Milliseconds(500));
  EXPECT_EQ(hurried->refusal().reason, Reason::kWouldMissDeadline);
  EXPECT_EQ(Next(Priority::kBackground)->refusal().reason, Reason::kDailyBudgetReserved);
  const QuotaSteward::Stats stats = steward_->GetStats();
  EXPECT_EQ(stats.refusals[static_cast<size_t>(Reason::kQueueFull)], 2);
  EXPECT_EQ(stats.refusals[static_cast<size_t>(Reason::kWouldMissDeadline)], 1);
  EXPECT_EQ(stats.refusals[static_cast<size_t>(Reason::kDailyBudgetReserved)], 1);
  EXPECT_EQ(stats.refusals[static_cast<size_t>(Reason::kDailyLimitReached)], 0);
}

TEST_F(QuotaStewardDailyBudgetTest, NoLimitAtZero) {
  Start(Budget(0, 10));
  for (int i = 0; i < 30; ++i) Next(Priority::kBackground);
  EXPECT_EQ(gong_->size(), 30u);
  EXPECT_FALSE(steward_->GetStats().daily_budget_left.has_value());
}

TEST_F(QuotaStewardDailyBudgetTest,
       AReserveAsLargeAsTheLimitKeepsTheWholeDayInteractive) {
  Start(Budget(3, 1'000'000'000));
  EXPECT_EQ(Next(Priority::kBackground)->refusal().reason, Reason::kDailyBudgetReserved);
  for (int i = 0; i < 3; ++i) Next(Priority::kInteractive);
  EXPECT_EQ(gong_->size(), 3u);
  EXPECT_EQ(Next(Priority::kInteractive)->refusal().reason, Reason::kDailyLimitReached);
}

}  // namespace
}  // namespace gong::quota
