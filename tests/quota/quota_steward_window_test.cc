// The quota steward's one FIFO queue under the window: the window's pacing
// (cold requests counted from their answer, no limit at 0 qps), every
// endpoint in arrival order, the in-flight bound, the most held at once,
// fail-fast on deadlines and on a full queue, the daily count, and a window
// injected in place of the sliding one.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fakes/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/quota_steward_fixture.h"
#include "quota/request_window.h"

namespace gong::quota {
namespace {

using fakes::FakeClock;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(QuotaStewardTest, CallsGoAtOnceWhileTheWindowHasRoom) {
  Start(Qps(3));
  Call({"1"});
  Call({"2"});
  Call({"3"});
  EXPECT_EQ(gong_->size(), 3u);  // no time passed, no waiting added
  Call({"4"});
  EXPECT_EQ(gong_->size(), 3u);
  clock_->Advance(absl::Milliseconds(1000));
  EXPECT_EQ(gong_->size(), 3u);  // Gong's second plus the margin
  clock_->Advance(absl::Milliseconds(30));
  EXPECT_EQ(gong_->size(), 4u);
}

TEST_F(QuotaStewardTest, ColdRequestsCountFromTheirAnswer) {
  Start(Qps(3));
  for (int i = 0; i < 3; ++i) Call({absl::StrCat(i)});
  // The first requests open connections: Gong answers them 200 ms later,
  // and may have seen them arrive as late as that.
  clock_->Advance(absl::Milliseconds(200));
  for (int i = 1; i <= 3; ++i) AnswerAll(i);
  Call({"3"});
  clock_->Advance(absl::Milliseconds(1020));  // 1.22 s after sending
  EXPECT_EQ(gong_->size(), 3u);
  clock_->Advance(absl::Milliseconds(10));  // past 1.025 s after the answers
  ASSERT_EQ(gong_->size(), 4u);
  AnswerAll(4);
  // Warm now: a request counts from its send.
  Call({"4"});
  Call({"5"});
  EXPECT_EQ(gong_->size(), 6u);
}

TEST_F(QuotaStewardTest, NoWindowEverHoldsMoreThanTheLimit) {
  Start(Qps(3, /*coalesce=*/false));
  std::vector<absl::Time> sent;
  // Bursts and trickles over 20 seconds; every Gong request answered.
  for (int step = 0; step < 200; ++step) {
    for (int i = 0; i < (step % 7 == 0 ? 5 : step % 3); ++i) {
      Call({absl::StrCat(step, "-", i)});
    }
    while (sent.size() < gong_->size()) {
      sent.push_back(clock_->Now());
      AnswerAll(sent.size());
    }
    clock_->Advance(absl::Milliseconds(100));
  }
  ASSERT_GT(sent.size(), 50u);
  for (size_t i = 3; i < sent.size(); ++i) {
    EXPECT_GE(sent[i] - sent[i - 3], absl::Seconds(1)) << "request " << i;
  }
}

TEST_F(QuotaStewardTest, ZeroQpsMeansNoLimit) {
  Start(Qps(0));
  for (int i = 0; i < 50; ++i) Call({absl::StrCat(i)});
  EXPECT_EQ(gong_->size(), 50u);
}

TEST_F(QuotaStewardTest, AtMostMaxInFlightRequestsAwaitGongAndTheRestWaitInOrder) {
  QuotaOptions options = Qps(0, /*coalesce=*/false);
  options.max_in_flight = 2;
  Start(options);
  for (int i = 1; i <= 5; ++i) Call({absl::StrCat(i)});
  EXPECT_EQ(gong_->size(), 2u);
  EXPECT_EQ(steward_->GetStats().gong_requests_in_flight, 2u);
  EXPECT_EQ(steward_->GetStats().waiting_calls, 3u);
  AnswerAll(2);
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("3"));
  // A call that leaves while in flight frees its place only when its
  // request has ended (here at once: the fake answers a cancel).
  steward_->Cancel(callers_[0].id);
  ASSERT_EQ(gong_->size(), 4u);
  EXPECT_THAT(gong_->unassign(4).flow_instance_ids, ElementsAre("4"));
  // A failed request frees its place too.
  gong_->Answer(3, HttpError(500));
  ASSERT_EQ(gong_->size(), 5u);
  EXPECT_THAT(gong_->unassign(5).flow_instance_ids, ElementsAre("5"));
  AnswerAll(4);
  AnswerAll(5);
  EXPECT_EQ(steward_->GetStats().gong_requests_in_flight, 0u);
  EXPECT_EQ(steward_->GetStats().waiting_calls, 0u);
  for (const Caller& caller : callers_) EXPECT_TRUE(caller.done());
}

// What the memory trimmer reads: a burst that came and went between two
// reads still shows, once.
TEST_F(QuotaStewardTest, TheMostHeldAtOnceIsKeptUntilTaken) {
  QuotaOptions options = Qps(0, /*coalesce=*/false);
  options.max_in_flight = 2;
  Start(options);
  EXPECT_EQ(steward_->TakeMostHeld(), 0u);
  for (int i = 1; i <= 5; ++i) Call({absl::StrCat(i)});  // 2 at Gong, 3 waiting
  for (upstream::GongClient::CallId id = 1; id <= 5; ++id) AnswerAll(id);
  ASSERT_EQ(
      steward_->GetStats().waiting_calls + steward_->GetStats().gong_requests_in_flight,
      0u);
  EXPECT_EQ(steward_->TakeMostHeld(), 5u);
  EXPECT_EQ(steward_->TakeMostHeld(), 0u) << "taken: only what is held now";
  Call({"6"});
  EXPECT_EQ(steward_->TakeMostHeld(), 1u);
  EXPECT_EQ(steward_->TakeMostHeld(), 1u) << "still in flight";
}

TEST_F(QuotaStewardTest, ACallWhoseTurnComesAfterItsDeadlineFailsAtOnce) {
  Start(Qps(1, /*coalesce=*/false));
  for (int i = 0; i < 4; ++i) Call({absl::StrCat(i)});
  // Four requests ahead at one a second: this one's turn is ~4 s away.
  Caller* late = Call({"late"}, "", absl::Seconds(2));
  ASSERT_TRUE(late->done());
  EXPECT_EQ(late->refusal().reason, QuotaRefusal::Reason::kWouldMissDeadline);
  EXPECT_GT(late->refusal().retry_after, absl::Seconds(4));
  EXPECT_LT(late->refusal().retry_after, absl::Seconds(5));
  Caller* patient = Call({"patient"}, "", absl::Seconds(10));
  EXPECT_FALSE(patient->done());
  EXPECT_EQ(gong_->size(), 1u);  // the late call never reaches Gong
}

TEST_F(QuotaStewardTest, PastMaxPendingCallsNewCallsAreRefusedAtOnce) {
  QuotaOptions options = Qps(1, /*coalesce=*/false);
  options.max_pending_calls = 2;
  Start(options);
  Call({"0"});  // goes at once
  Call({"1"});
  Call({"2"});
  Caller* refused = Call({"3"});
  ASSERT_TRUE(refused->done());
  EXPECT_EQ(refused->refusal().reason, QuotaRefusal::Reason::kQueueFull);
  EXPECT_GT(refused->refusal().retry_after, absl::ZeroDuration());
  EXPECT_EQ(steward_->GetStats().waiting_calls, 2u);
}

TEST_F(QuotaStewardTest, CountsGongRequestsPerUtcDay) {
  Start(Qps(0));
  Call({"1"});
  Call({"2"});
  EXPECT_EQ(steward_->GetStats().gong_requests_today, 2);
  clock_->Advance(absl::Hours(24));
  EXPECT_EQ(steward_->GetStats().gong_requests_today, 0);
  Call({"3"});
  EXPECT_EQ(steward_->GetStats().gong_requests_today, 1);
  EXPECT_EQ(steward_->GetStats().gong_requests, 3);
}

TEST_F(QuotaStewardTest, EveryEndpointWaitsInOneQueueInArrivalOrder) {
  Start(Qps(1));
  Call({"0"});  // goes at once
  Caller* u1 = Call({"1"}, "a@x.io");
  Caller* flows = Submit(Read("/v2/flows"), nullptr);
  Caller* u2 = Call({"2"}, "a@x.io");  // joins u1's request, ahead of `flows`
  Caller* users = Submit(Read("/v2/users"), nullptr);
  // Whatever the endpoint, one request a window, oldest first.
  clock_->Advance(absl::Milliseconds(1000));
  EXPECT_EQ(gong_->size(), 1u);
  clock_->Advance(absl::Milliseconds(25));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1", "2"));
  clock_->Advance(absl::Milliseconds(1000));
  EXPECT_EQ(gong_->size(), 2u);
  clock_->Advance(absl::Milliseconds(25));
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_EQ(gong_->request(3).path, "/v2/flows");
  clock_->Advance(absl::Milliseconds(1000));
  EXPECT_EQ(gong_->size(), 3u);
  clock_->Advance(absl::Milliseconds(25));
  ASSERT_EQ(gong_->size(), 4u);
  EXPECT_EQ(gong_->request(4).path, "/v2/users");
  AnswerAll(2);
  gong_->Answer(3, upstream::GongAnswer{"flows"});
  gong_->Answer(4, upstream::GongAnswer{"users"});
  EXPECT_EQ(u1->result().request_id, "req-2");
  EXPECT_EQ(u2->result().request_id, "req-2");
  EXPECT_EQ(flows->answer().body, "flows");
  EXPECT_EQ(users->answer().body, "users");
}

// --- The window is injected ------------------------------------------------

// A window with one slot time for every send (or now, once that has
// passed), recording what the steward asks of it.
class FixedSlotWindow final : public RequestWindow {
 public:
  explicit FixedSlotWindow(absl::Time slot) : slot_(slot) {}

  absl::Time SlotTime(absl::Time now, size_t /*k*/) const override {
    return std::max(now, slot_);
  }
  uint64_t Record(absl::Time when) override {
    records.push_back(when);
    return records.size();  // tickets 1, 2, ...
  }
  void Delay(uint64_t ticket, absl::Time later) override {
    delays.emplace_back(ticket, later);
  }

  std::vector<absl::Time> records;
  std::vector<std::pair<uint64_t, absl::Time>> delays;

 private:
  const absl::Time slot_;
};

TEST_F(QuotaStewardTest, AnInjectedWindowDecidesEverySlot) {
  const absl::Time slot = FakeClock().Now() + absl::Seconds(10);
  auto owned = std::make_unique<FixedSlotWindow>(slot);
  FixedSlotWindow* window = owned.get();
  // Without a limit of its own: only the injected window holds calls back.
  QuotaOptions options = Qps(0, /*coalesce=*/false);
  Start(options, std::move(owned));
  ASSERT_LT(clock_->Now(), slot);
  Caller* a = Call({"1"});
  Caller* read = Submit(Read(), nullptr);
  Caller* b = Call({"2"});
  EXPECT_EQ(gong_->size(), 0u);
  EXPECT_THAT(window->records, IsEmpty());
  // The window's slot is also a waiting call's turn.
  Caller* hurried = Call({"3"}, "", absl::Seconds(5));
  ASSERT_TRUE(hurried->done());
  EXPECT_EQ(hurried->refusal().reason, QuotaRefusal::Reason::kWouldMissDeadline);
  EXPECT_EQ(hurried->refusal().retry_after, absl::Seconds(10));

  clock_->Advance(absl::Seconds(10) - absl::Milliseconds(1));
  EXPECT_EQ(gong_->size(), 0u);
  clock_->Advance(absl::Milliseconds(1));
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_THAT(window->records, ElementsAre(slot, slot, slot));  // one per request
  // A retry is a Gong request too: it takes a slot of its own.
  gong_->Answer(1, HttpError(503));
  clock_->Advance(options.max_backoff);
  ASSERT_EQ(gong_->size(), 4u);
  EXPECT_EQ(window->records.size(), 4u);
  // Requests sent on no warm connection count from their answer: the steward
  // moves them through the window's tickets.
  clock_->Advance(absl::Milliseconds(300));
  const absl::Time answered = clock_->Now();
  gong_->Answer(2, upstream::GongAnswer{"{}"});
  ASSERT_EQ(window->delays.size(), 2u);  // the 503's, and this one's
  EXPECT_EQ(window->delays[1], std::make_pair(uint64_t{2}, answered));
  AnswerAll(3);
  AnswerAll(4);
  EXPECT_TRUE(a->done());
  EXPECT_TRUE(read->done());
  EXPECT_TRUE(b->done());
  EXPECT_EQ(window->records.size(),
            static_cast<size_t>(steward_->GetStats().gong_requests));
}

}  // namespace
}  // namespace gong::quota
