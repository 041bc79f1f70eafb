// The quota dispatcher with a fake clock and a fake Gong: the limiter's
// window, coalescing (fairness, the 200-id cap, shared ids, fan-out of
// errors), cancellation, fail-fast, the queue bound and retries. Time moves
// only by FakeClock::Advance: no test sleeps.
#include "quota/quota_dispatcher.h"

#include <algorithm>
#include <deque>
#include <optional>

#include "absl/strings/str_cat.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong {
namespace {

using testing::FakeClock;
using testing::FakeGongClient;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

GongError HttpError(int status, std::optional<absl::Duration> retry_after = {}) {
  GongError error;
  error.kind = GongError::Kind::kHttpStatus;
  error.http_status = status;
  error.retry_after = retry_after;
  return error;
}

GongError TransportError(http::TransportFailure failure) {
  GongError error;
  error.kind = GongError::Kind::kTransport;
  error.transport_failure = failure;
  return error;
}

std::vector<std::string> Ids(int first, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(first + i));
  return ids;
}

class QuotaDispatcherTest : public ::testing::Test {
 protected:
  // One caller's view: its outcome, once it came.
  struct Caller {
    std::optional<UnassignOutcome> outcome;
    GongClient::CallId id = 0;

    bool done() const { return outcome.has_value(); }
    const UnassignResult& result() const { return std::get<UnassignResult>(*outcome); }
    const GongError& error() const { return std::get<GongError>(*outcome); }
  };

  void Start(QuotaOptions options) {
    dispatcher_ = std::make_unique<QuotaDispatcher>(&gong_, &clock_, options);
  }

  static QuotaOptions Qps(int qps, bool coalesce = true) {
    QuotaOptions options;
    options.gong_qps = qps;
    options.coalesce = coalesce;
    return options;
  }

  Caller* Call(std::vector<std::string> ids, std::string email = "",
               absl::Duration timeout = absl::Seconds(60)) {
    callers_.emplace_back();
    Caller* caller = &callers_.back();
    caller->id = dispatcher_->Unassign(
        UnassignRequest{std::move(ids), std::move(email)}, clock_.Now() + timeout,
        [caller](UnassignOutcome outcome) { caller->outcome = std::move(outcome); });
    return caller;
  }

  // Gong removes every id it is asked for.
  void AnswerAll(GongClient::CallId id) {
    gong_.Answer(id, UnassignResult{absl::StrCat("req-", id),
                                    gong_.request(id).flow_instance_ids});
  }

  FakeClock clock_;
  FakeGongClient gong_;
  std::deque<Caller> callers_;  // stable addresses; outlive the dispatcher
  std::unique_ptr<QuotaDispatcher> dispatcher_;
};

TEST_F(QuotaDispatcherTest, CallsGoAtOnceWhileTheWindowHasRoom) {
  Start(Qps(3));
  Call({"1"});
  Call({"2"});
  Call({"3"});
  EXPECT_EQ(gong_.size(), 3u);  // no time passed, no waiting added
  Call({"4"});
  EXPECT_EQ(gong_.size(), 3u);
  clock_.Advance(absl::Milliseconds(1000));
  EXPECT_EQ(gong_.size(), 3u);  // Gong's second plus the margin
  clock_.Advance(absl::Milliseconds(30));
  EXPECT_EQ(gong_.size(), 4u);
}

TEST_F(QuotaDispatcherTest, ColdRequestsCountFromTheirAnswer) {
  Start(Qps(3));
  for (int i = 0; i < 3; ++i) Call({absl::StrCat(i)});
  // The first requests open connections: Gong answers them 200 ms later,
  // and may have seen them arrive as late as that.
  clock_.Advance(absl::Milliseconds(200));
  for (int i = 1; i <= 3; ++i) AnswerAll(i);
  Call({"3"});
  clock_.Advance(absl::Milliseconds(1020));  // 1.22 s after sending
  EXPECT_EQ(gong_.size(), 3u);
  clock_.Advance(absl::Milliseconds(10));  // past 1.025 s after the answers
  ASSERT_EQ(gong_.size(), 4u);
  AnswerAll(4);
  // Warm now: a request counts from its send.
  Call({"4"});
  Call({"5"});
  EXPECT_EQ(gong_.size(), 6u);
}

TEST_F(QuotaDispatcherTest, NoWindowEverHoldsMoreThanTheLimit) {
  Start(Qps(3, /*coalesce=*/false));
  std::vector<absl::Time> sent;
  // Bursts and trickles over 20 seconds; every Gong request answered.
  for (int step = 0; step < 200; ++step) {
    for (int i = 0; i < (step % 7 == 0 ? 5 : step % 3); ++i) {
      Call({absl::StrCat(step, "-", i)});
    }
    while (sent.size() < gong_.size()) {
      sent.push_back(clock_.Now());
      AnswerAll(sent.size());
    }
    clock_.Advance(absl::Milliseconds(100));
  }
  ASSERT_GT(sent.size(), 50u);
  for (size_t i = 3; i < sent.size(); ++i) {
    EXPECT_GE(sent[i] - sent[i - 3], absl::Seconds(1)) << "request " << i;
  }
}

TEST_F(QuotaDispatcherTest, ZeroQpsMeansNoLimit) {
  Start(Qps(0));
  for (int i = 0; i < 50; ++i) Call({absl::StrCat(i)});
  EXPECT_EQ(gong_.size(), 50u);
}

TEST_F(QuotaDispatcherTest, AtMostMaxInFlightRequestsAwaitGongAndTheRestWaitInOrder) {
  QuotaOptions options = Qps(0, /*coalesce=*/false);
  options.max_in_flight = 2;
  Start(options);
  for (int i = 1; i <= 5; ++i) Call({absl::StrCat(i)});
  EXPECT_EQ(gong_.size(), 2u);
  EXPECT_EQ(dispatcher_->GetStats().gong_requests_in_flight, 2u);
  EXPECT_EQ(dispatcher_->GetStats().waiting_calls, 3u);
  AnswerAll(2);
  ASSERT_EQ(gong_.size(), 3u);
  EXPECT_THAT(gong_.request(3).flow_instance_ids, ElementsAre("3"));
  // A call that leaves while in flight frees its place only when its
  // request has ended (here at once: the fake answers a cancel).
  dispatcher_->Cancel(callers_[0].id);
  ASSERT_EQ(gong_.size(), 4u);
  EXPECT_THAT(gong_.request(4).flow_instance_ids, ElementsAre("4"));
  // A failed request frees its place too.
  gong_.Answer(3, HttpError(500));
  ASSERT_EQ(gong_.size(), 5u);
  EXPECT_THAT(gong_.request(5).flow_instance_ids, ElementsAre("5"));
  AnswerAll(4);
  AnswerAll(5);
  EXPECT_EQ(dispatcher_->GetStats().gong_requests_in_flight, 0u);
  EXPECT_EQ(dispatcher_->GetStats().waiting_calls, 0u);
  for (const Caller& caller : callers_) EXPECT_TRUE(caller.done());
}

TEST_F(QuotaDispatcherTest, WaitingCallsWithTheSameEmailShareOneRequest) {
  Start(Qps(1));
  Caller* first = Call({"1"}, "a@x.io");
  Caller* b = Call({"2", "3"}, "a@x.io");
  Caller* c = Call({"3", "4"}, "a@x.io");  // "3" asked twice
  Caller* d = Call({"5"}, "a@x.io");
  ASSERT_EQ(gong_.size(), 1u);
  AnswerAll(1);
  EXPECT_THAT(first->result().unassigned_flow_instance_ids, ElementsAre("1"));

  clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(gong_.size(), 2u);
  const UnassignRequest merged = gong_.request(2);
  EXPECT_THAT(merged.flow_instance_ids, ElementsAre("2", "3", "4", "5"));  // arrival order
  EXPECT_EQ(merged.unassigned_by_user_email, "a@x.io");
  // Gong removed 4, 3 and 5, but not 2.
  gong_.Answer(2, UnassignResult{"req-2", {"4", "3", "5"}});
  EXPECT_EQ(b->result().request_id, "req-2");
  EXPECT_THAT(b->result().unassigned_flow_instance_ids, ElementsAre("3"));
  EXPECT_THAT(c->result().unassigned_flow_instance_ids, ElementsAre("4", "3"));
  EXPECT_THAT(d->result().unassigned_flow_instance_ids, ElementsAre("5"));
}

TEST_F(QuotaDispatcherTest, CallsWithDifferentEmailsNeverShareAndKeepTheirOrder) {
  Start(Qps(1));
  Call({"0"});
  Call({"1"}, "a@x.io");
  Call({"2"}, "b@x.io");
  Call({"3"}, "a@x.io");
  Call({"4"});
  for (int i = 0; i < 4; ++i) clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(gong_.size(), 4u);
  // First come, first served: the batch of the oldest waiting call goes next.
  EXPECT_THAT(gong_.request(2).flow_instance_ids, ElementsAre("1", "3"));
  EXPECT_EQ(gong_.request(2).unassigned_by_user_email, "a@x.io");
  EXPECT_THAT(gong_.request(3).flow_instance_ids, ElementsAre("2"));
  EXPECT_EQ(gong_.request(3).unassigned_by_user_email, "b@x.io");
  EXPECT_THAT(gong_.request(4).flow_instance_ids, ElementsAre("4"));
  EXPECT_EQ(gong_.request(4).unassigned_by_user_email, "");
}

TEST_F(QuotaDispatcherTest, ABatchNeverHoldsMoreThan200DistinctIds) {
  Start(Qps(1));
  Call({"x"});
  Call(Ids(1000, 150));
  Call(Ids(1100, 100));  // 50 shared with the previous call: 200 distinct
  Call(Ids(2000, 1));    // would make 201: starts the next batch
  clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(gong_.size(), 2u);
  EXPECT_EQ(gong_.request(2).flow_instance_ids.size(), 200u);
  clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(gong_.size(), 3u);
  EXPECT_THAT(gong_.request(3).flow_instance_ids, ElementsAre("2000"));
}

TEST_F(QuotaDispatcherTest, WithoutCoalescingEachCallIsItsOwnRequest) {
  Start(Qps(1, /*coalesce=*/false));
  for (int i = 0; i < 4; ++i) Call({absl::StrCat(i)}, "a@x.io");
  for (int i = 0; i < 3; ++i) clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(gong_.size(), 4u);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_THAT(gong_.request(i).flow_instance_ids, ElementsAre(absl::StrCat(i - 1)));
  }
}

TEST_F(QuotaDispatcherTest, AFailedBatchFailsEveryCallerInIt) {
  Start(Qps(1));
  Call({"0"});
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  clock_.Advance(absl::Seconds(2));
  gong_.Answer(2, HttpError(500));
  ASSERT_TRUE(a->done() && b->done());
  EXPECT_EQ(a->error().http_status, 500);
  EXPECT_EQ(b->error().http_status, 500);
}

TEST_F(QuotaDispatcherTest, CancellingAWaitingCallTakesItOutOfItsBatch) {
  Start(Qps(1));
  Call({"0"});
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  dispatcher_->Cancel(a->id);
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().transport_failure, http::TransportFailure::kCancelled);
  clock_.Advance(absl::Seconds(2));
  EXPECT_THAT(gong_.request(2).flow_instance_ids, ElementsAre("2"));
  AnswerAll(2);
  EXPECT_TRUE(b->done());
  EXPECT_EQ(dispatcher_->GetStats().waiting_calls, 0u);
}

TEST_F(QuotaDispatcherTest, AnInFlightRequestIsAbortedOnlyWhenAllItsCallersLeft) {
  Start(Qps(1));
  Call({"0"});
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(gong_.size(), 2u);
  dispatcher_->Cancel(a->id);
  EXPECT_TRUE(a->done());
  EXPECT_THAT(gong_.cancelled(), IsEmpty());  // b still waits for the answer
  dispatcher_->Cancel(b->id);
  EXPECT_THAT(gong_.cancelled(), ElementsAre(2u));
  EXPECT_EQ(b->error().transport_failure, http::TransportFailure::kCancelled);
}

TEST_F(QuotaDispatcherTest, ACallWhoseTurnComesAfterItsDeadlineFailsAtOnce) {
  Start(Qps(1, /*coalesce=*/false));
  for (int i = 0; i < 4; ++i) Call({absl::StrCat(i)});
  // Four requests ahead at one a second: this one's turn is ~4 s away.
  Caller* late = Call({"late"}, "", absl::Seconds(2));
  ASSERT_TRUE(late->done());
  EXPECT_EQ(late->error().kind, GongError::Kind::kWouldMissDeadline);
  EXPECT_GT(*late->error().retry_after, absl::Seconds(4));
  EXPECT_LT(*late->error().retry_after, absl::Seconds(5));
  Caller* patient = Call({"patient"}, "", absl::Seconds(10));
  EXPECT_FALSE(patient->done());
  EXPECT_EQ(gong_.size(), 1u);  // the late call never reaches Gong
}

TEST_F(QuotaDispatcherTest, PastMaxPendingCallsNewCallsAreRefusedAtOnce) {
  QuotaOptions options = Qps(1, /*coalesce=*/false);
  options.max_pending_calls = 2;
  Start(options);
  Call({"0"});  // goes at once
  Call({"1"});
  Call({"2"});
  Caller* refused = Call({"3"});
  ASSERT_TRUE(refused->done());
  EXPECT_EQ(refused->error().kind, GongError::Kind::kQueueFull);
  EXPECT_GT(*refused->error().retry_after, absl::ZeroDuration());
  EXPECT_EQ(dispatcher_->GetStats().waiting_calls, 2u);
}

TEST_F(QuotaDispatcherTest, A429PausesEveryoneForRetryAfterThenRetries) {
  Start(Qps(3));
  Caller* a = Call({"1"});
  gong_.Answer(1, HttpError(429, absl::Seconds(5)));
  EXPECT_FALSE(a->done());
  Caller* b = Call({"2"});  // the window has room, but Gong said wait
  clock_.Advance(absl::Seconds(4));
  EXPECT_EQ(gong_.size(), 1u);
  clock_.Advance(absl::Seconds(1));
  ASSERT_EQ(gong_.size(), 3u);
  // The retried request goes first, with its own attempt count; b follows.
  EXPECT_THAT(gong_.request(2).flow_instance_ids, ElementsAre("1"));
  EXPECT_THAT(gong_.request(3).flow_instance_ids, ElementsAre("2"));
  AnswerAll(2);
  AnswerAll(3);
  EXPECT_THAT(a->result().unassigned_flow_instance_ids, ElementsAre("1"));
  EXPECT_THAT(b->result().unassigned_flow_instance_ids, ElementsAre("2"));
  EXPECT_EQ(dispatcher_->GetStats().retries, 1);
}

TEST_F(QuotaDispatcherTest, A429LongerThanTheTimeLeftEndsTheCallAtOnce) {
  Start(Qps(3));
  Caller* a = Call({"1"}, "", absl::Seconds(3));
  gong_.Answer(1, HttpError(429, absl::Seconds(30)));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().http_status, 429);
  EXPECT_EQ(*a->error().retry_after, absl::Seconds(30));
  EXPECT_EQ(gong_.size(), 1u);
}

TEST_F(QuotaDispatcherTest, RetriesStopAtMaxAttempts) {
  QuotaOptions options = Qps(3);
  options.max_attempts = 3;
  Start(options);
  Caller* a = Call({"1"});
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_EQ(gong_.size(), static_cast<size_t>(attempt));
    gong_.Answer(attempt, HttpError(503));
    clock_.Advance(options.max_backoff);
  }
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().http_status, 503);
  EXPECT_EQ(gong_.size(), 3u);
}

TEST_F(QuotaDispatcherTest, BackoffBetweenRetriesGrowsWithJitter) {
  QuotaOptions options = Qps(0);
  options.max_attempts = 4;
  options.initial_backoff = absl::Seconds(1);
  Start(options);
  Call({"1"});
  gong_.Answer(1, TransportError(http::TransportFailure::kConnectFailed));
  clock_.Advance(absl::Milliseconds(499));
  EXPECT_EQ(gong_.size(), 1u);  // at least half of 1 s
  clock_.Advance(absl::Milliseconds(502));
  ASSERT_EQ(gong_.size(), 2u);  // at most 1 s
  gong_.Answer(2, TransportError(http::TransportFailure::kConnectFailed));
  clock_.Advance(absl::Milliseconds(999));
  EXPECT_EQ(gong_.size(), 2u);  // at least half of 2 s
  clock_.Advance(absl::Milliseconds(1002));
  EXPECT_EQ(gong_.size(), 3u);
}

struct NoRetryCase {
  const char* name;
  GongError error;
};

void PrintTo(const NoRetryCase& c, std::ostream* os) { *os << c.name; }

class NoRetryTest : public QuotaDispatcherTest,
                    public ::testing::WithParamInterface<NoRetryCase> {};

TEST_P(NoRetryTest, AnswersThatMayHaveRemovedProspectsAreNeverRetried) {
  Start(Qps(3));
  Caller* a = Call({"1"});
  gong_.Answer(1, GetParam().error);
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(gong_.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, NoRetryTest,
    ::testing::Values(
        NoRetryCase{"Http500", HttpError(500)}, NoRetryCase{"Http502", HttpError(502)},
        NoRetryCase{"Http504", HttpError(504)}, NoRetryCase{"Http400", HttpError(400)},
        NoRetryCase{"Timeout", TransportError(http::TransportFailure::kTimeout)},
        NoRetryCase{"Dropped",
                    TransportError(http::TransportFailure::kConnectionDropped)}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(QuotaDispatcherTest, CountsGongRequestsPerUtcDay) {
  Start(Qps(0));
  Call({"1"});
  Call({"2"});
  EXPECT_EQ(dispatcher_->GetStats().gong_requests_today, 2);
  clock_.Advance(absl::Hours(24));
  EXPECT_EQ(dispatcher_->GetStats().gong_requests_today, 0);
  Call({"3"});
  EXPECT_EQ(dispatcher_->GetStats().gong_requests_today, 1);
  EXPECT_EQ(dispatcher_->GetStats().gong_requests, 3);
}

TEST_F(QuotaDispatcherTest, DestructionFailsWaitingCallsAsCancelled) {
  Start(Qps(1));
  Call({"0"});
  Caller* waiting = Call({"1"});
  dispatcher_.reset();
  ASSERT_TRUE(waiting->done());
  EXPECT_EQ(waiting->error().transport_failure, http::TransportFailure::kCancelled);
}

// --- Nothing Gong says stops the queue for long (issue 10, finding 1) ----

class MaxPauseTest : public QuotaDispatcherTest,
                     public ::testing::WithParamInterface<absl::Duration> {};

TEST_P(MaxPauseTest, NoRetryAfterPausesTheQueueLongerThanMaxPause) {
  QuotaOptions options = Qps(3);
  options.max_pause = absl::Seconds(60);
  Start(options);
  Caller* a = Call({"1"}, "", absl::Seconds(120));
  gong_.Answer(1, HttpError(429, GetParam()));
  Caller* b = Call({"2"}, "", absl::Seconds(120));
  clock_.Advance(absl::Milliseconds(59'990));
  EXPECT_EQ(gong_.size(), 1u);
  clock_.Advance(absl::Milliseconds(10));
  ASSERT_EQ(gong_.size(), 3u);  // a's retry, then b
  AnswerAll(2);
  AnswerAll(3);
  EXPECT_TRUE(a->done());
  EXPECT_TRUE(b->done());
}

// What Gong's client makes of "1000000000000" and of numbers past int64.
INSTANTIATE_TEST_SUITE_P(HugeRetryAfter, MaxPauseTest,
                         ::testing::Values(absl::Seconds(1'000'000'000'000),
                                           absl::InfiniteDuration()));

TEST_F(QuotaDispatcherTest, NoRetryInfoIsLongerThanMaxPause) {
  QuotaOptions options = Qps(1, /*coalesce=*/false);
  options.max_pause = absl::Seconds(10);
  Start(options);
  // Gong's 429 with an absurd Retry-After, ending a call at once.
  Caller* a = Call({"1"}, "", absl::Seconds(3));
  gong_.Answer(1, HttpError(429, absl::Seconds(1'000'000'000'000)));
  ASSERT_TRUE(a->done());
  EXPECT_EQ(a->error().http_status, 429);
  EXPECT_EQ(a->error().retry_after, absl::Seconds(10));
  // A queue 20 turns long refuses a 5 s call: its turn is 20 s away, and
  // the hint still says 10 s.
  clock_.Advance(absl::Seconds(10));
  for (int i = 0; i < 20; ++i) Call({absl::StrCat(100 + i)}, "", absl::Seconds(600));
  Caller* late = Call({"7"}, "", absl::Seconds(5));
  ASSERT_TRUE(late->done());
  EXPECT_EQ(late->error().kind, GongError::Kind::kWouldMissDeadline);
  EXPECT_EQ(late->error().retry_after, absl::Seconds(10));
}

TEST_F(QuotaDispatcherTest, AGoodAnswerEndsAPause) {
  Start(Qps(0));
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  gong_.Answer(1, HttpError(429, absl::Seconds(30)));
  EXPECT_EQ(gong_.size(), 2u);  // paused for 30 s
  AnswerAll(2);                 // but Gong took b's request
  ASSERT_EQ(gong_.size(), 3u);  // so a's retry goes now
  AnswerAll(3);
  EXPECT_THAT(a->result().unassigned_flow_instance_ids, ElementsAre("1"));
  EXPECT_TRUE(b->done());
}

// --- Every resend is the steward's own (finding 3) ------------------------

TEST_F(QuotaDispatcherTest, ARequestGongRefusedUnprocessedIsSentAgainAndCounted) {
  Start(Qps(3));
  Caller* a = Call({"1"});
  GongError refused = TransportError(http::TransportFailure::kConnectionDropped);
  refused.delivery = http::Delivery::kNotProcessed;
  gong_.Answer(1, refused);
  clock_.Advance(absl::Seconds(1));  // the backoff
  ASSERT_EQ(gong_.size(), 2u);
  AnswerAll(2);
  EXPECT_THAT(a->result().unassigned_flow_instance_ids, ElementsAre("1"));
  EXPECT_EQ(dispatcher_->GetStats().retries, 1);
  EXPECT_EQ(dispatcher_->GetStats().gong_requests, 2);
  EXPECT_EQ(dispatcher_->GetStats().gong_requests_today, 2);
}

// --- No caller pays for another's bad request (finding 5) -----------------

class SplitTest : public QuotaDispatcherTest {
 protected:
  // One call alone, then `n` single-id callers ("1".."n") coalesced into
  // Gong request 2, which is sent.
  std::vector<Caller*> CoalescedCallers(int n, absl::Duration timeout = absl::Seconds(60)) {
    Start(Qps(1));
    Call({"0"});
    AnswerAll(1);
    std::vector<Caller*> callers;
    for (int i = 1; i <= n; ++i) callers.push_back(Call({absl::StrCat(i)}, "", timeout));
    clock_.Advance(absl::Milliseconds(1025));
    EXPECT_EQ(gong_.size(), 2u);
    EXPECT_EQ(gong_.request(2).flow_instance_ids.size(), static_cast<size_t>(n));
    return callers;
  }

  // Answers Gong request `id` as a Gong that refuses any request holding
  // `bad` with a 400, and removes every id otherwise.
  void AnswerRefusing(GongClient::CallId id, const std::string& bad) {
    const std::vector<std::string> ids = gong_.request(id).flow_instance_ids;
    if (std::find(ids.begin(), ids.end(), bad) == ids.end()) {
      AnswerAll(id);
      return;
    }
    GongError error = HttpError(400);
    error.errors = {absl::StrCat("Invalid flow instance id: ", bad)};
    gong_.Answer(id, error);
  }
};

TEST_F(SplitTest, ARefusedBatchIsSplitUntilOnlyTheBadCallerGetsTheRefusal) {
  std::vector<Caller*> callers = CoalescedCallers(8);
  // Gong refuses anything holding "6": halves, then quarters, then "6"
  // alone, each sent as the window allows.
  for (GongClient::CallId id = 2; id <= gong_.size(); ++id) {
    AnswerRefusing(id, "6");
    clock_.Advance(absl::Milliseconds(1025));
  }
  for (int i = 1; i <= 8; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(callers[i - 1]->done());
    if (i == 6) {
      EXPECT_EQ(callers[i - 1]->error().http_status, 400);
    } else {
      EXPECT_THAT(callers[i - 1]->result().unassigned_flow_instance_ids,
                  ElementsAre(absl::StrCat(i)));
    }
  }
  // 8 -> {1-4 ok, 5-8} -> {5-6, 7-8 ok} -> {5 ok, 6 refused}: six parts.
  EXPECT_EQ(gong_.size(), 8u);
  EXPECT_EQ(dispatcher_->GetStats().split_requests, 6);
  EXPECT_EQ(dispatcher_->GetStats().retries, 0);
}

TEST_F(SplitTest, DoesNotExistIsEveryCallersAnswerWithoutAResend) {
  std::vector<Caller*> callers = CoalescedCallers(3);
  GongError none = HttpError(400);
  none.errors = {"Flow instance does not exist: 1, 2, 3"};
  gong_.Answer(2, none);
  clock_.Advance(absl::Seconds(5));
  for (Caller* caller : callers) {
    ASSERT_TRUE(caller->done());
    EXPECT_EQ(caller->error().http_status, 400);
  }
  EXPECT_EQ(gong_.size(), 2u);
  EXPECT_EQ(dispatcher_->GetStats().split_requests, 0);
}

TEST_F(SplitTest, OtherFailuresStillFailTheWholeBatch) {
  std::vector<Caller*> callers = CoalescedCallers(2);
  gong_.Answer(2, HttpError(500));  // Gong may have acted: never resent
  for (Caller* caller : callers) {
    ASSERT_TRUE(caller->done());
    EXPECT_EQ(caller->error().http_status, 500);
  }
  EXPECT_EQ(gong_.size(), 2u);
}

TEST_F(SplitTest, ACallerWhosePartWouldComeTooLateIsToldToRetryNotThatItWasBad) {
  // Four callers; the last one's deadline falls before its part's turn.
  Start(Qps(1));
  Call({"0"});
  AnswerAll(1);
  std::vector<Caller*> callers;
  for (int i = 1; i <= 3; ++i) callers.push_back(Call({absl::StrCat(i)}));
  Caller* hurried = Call({"4"}, "", absl::Seconds(2));
  clock_.Advance(absl::Milliseconds(1025));
  ASSERT_EQ(gong_.size(), 2u);
  AnswerRefusing(2, "1");
  ASSERT_TRUE(hurried->done());
  EXPECT_EQ(hurried->error().kind, GongError::Kind::kWouldMissDeadline);
  EXPECT_FALSE(callers[0]->done());
}

}  // namespace
}  // namespace gong
