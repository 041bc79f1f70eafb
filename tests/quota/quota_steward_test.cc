// The quota steward with a fake clock and a fake Gong, both owned by the
// steward: the window's pacing, one FIFO queue for every endpoint,
// coalescing by policy (the 200-id cap, shared ids, splitting refused
// merged requests), retries by idempotency, cancellation, fail-fast, the
// queue and in-flight bounds, an injected window, and destruction. Time moves
// only by FakeClock::Advance: no test sleeps.
#include "quota/quota_steward.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/unassign_by_instance_ids_coalescing.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::quota {
namespace {

using fakes::FakeClock;
using fakes::FakeGongClient;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

upstream::GongError HttpError(int status,
                              std::optional<absl::Duration> retry_after = {}) {
  return upstream::GongError::HttpStatus(status, "", {}, retry_after);
}

upstream::GongError ConnectFailed() {
  return upstream::GongError::NoAnswer(upstream::GongError::Kind::kConnectFailed,
                                       "connection refused",
                                       /*may_have_acted=*/false);
}

upstream::GongError TimedOut() {
  return upstream::GongError::NoAnswer(upstream::GongError::Kind::kTimedOut, "timed out",
                                       /*may_have_acted=*/true);
}

// The connection broke after the request went out: Gong may have acted.
upstream::GongError Dropped() {
  return upstream::GongError::NoAnswer(upstream::GongError::Kind::kConnectionDropped,
                                       "connection reset",
                                       /*may_have_acted=*/true);
}

std::vector<std::string> Ids(int first, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(first + i));
  return ids;
}

class QuotaStewardTest : public ::testing::Test {
 protected:
  // One caller's view: its outcome, once it came (exactly once).
  struct Caller {
    std::optional<QuotaOutcome> outcome;
    QuotaSteward::CallId id = 0;

    bool done() const { return outcome.has_value(); }
    const upstream::GongAnswer& answer() const {
      return std::get<upstream::GongAnswer>(*outcome);
    }
    // Gong's answer read as an unassign result, as the caller's codec would.
    upstream::UnassignByInstanceIdsResult result() const {
      return std::get<upstream::UnassignByInstanceIdsResult>(
          upstream::DecodeUnassignByInstanceIdsOutcome(answer()));
    }
    const upstream::GongError& error() const {
      return std::get<upstream::GongError>(*outcome);
    }
    const QuotaRefusal& refusal() const { return std::get<QuotaRefusal>(*outcome); }
  };

  // A steward owning a fresh fake Gong and fake clock, reached through
  // gong_ and clock_ while it lives; the window is the sliding one unless
  // `window` is given.
  void Start(QuotaOptions options, std::unique_ptr<RequestWindow> window = nullptr) {
    auto gong = std::make_unique<FakeGongClient>();
    auto clock = std::make_unique<FakeClock>();
    gong_ = gong.get();
    clock_ = clock.get();
    if (window == nullptr) {
      steward_ =
          std::make_unique<QuotaSteward>(std::move(gong), std::move(clock), options);
    } else {
      steward_ = std::make_unique<QuotaSteward>(std::move(gong), std::move(clock),
                                                std::move(window), options);
    }
  }

  static QuotaOptions Qps(int qps, bool coalesce = true) {
    QuotaOptions options;
    options.gong_qps = qps;
    options.coalesce = coalesce;
    return options;
  }

  Caller* Submit(upstream::GongRequest request, std::unique_ptr<Coalescable> part) {
    callers_.emplace_back();
    Caller* caller = &callers_.back();
    caller->id = steward_->Submit(
        std::move(request), std::move(part), [caller](QuotaOutcome outcome) {
          EXPECT_FALSE(caller->done()) << "a second outcome for call " << caller->id;
          caller->outcome = std::move(outcome);
        });
    return caller;
  }

  // An unassign call, with its part for coalescing.
  Caller* Call(std::vector<std::string> ids, std::string email = "",
               absl::Duration timeout = absl::Seconds(60)) {
    upstream::UnassignByInstanceIdsParams request{std::move(ids), std::move(email)};
    upstream::GongRequest gong_request =
        upstream::EncodeUnassignByInstanceIds(request, clock_->Now() + timeout);
    return Submit(std::move(gong_request), coalescing_.Part(std::move(request)));
  }

  // Another endpoint's request, which no policy merges.
  upstream::GongRequest Read(
      std::string path = "/v2/flows",
      upstream::Idempotency idempotency = upstream::Idempotency::kIdempotent,
      absl::Duration timeout = absl::Seconds(60)) {
    upstream::GongRequest request;
    request.method = "GET";
    request.path = std::move(path);
    request.deadline = clock_->Now() + timeout;
    request.idempotency = idempotency;
    return request;
  }

  // Gong removes every id it is asked for.
  void AnswerAll(upstream::GongClient::CallId id) {
    gong_->AnswerUnassigned(
        id, upstream::UnassignByInstanceIdsResult{absl::StrCat("req-", id),
                                                  gong_->unassign(id).flow_instance_ids});
  }

  // Declared before the steward, which calls back callers and holds parts.
  UnassignByInstanceIdsCoalescing coalescing_;
  std::deque<Caller> callers_;      // stable addresses
  FakeGongClient* gong_ = nullptr;  // owned by steward_
  FakeClock* clock_ = nullptr;      // owned by steward_
  std::unique_ptr<QuotaSteward> steward_;
};

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

TEST_F(QuotaStewardTest, WaitingCallsWithTheSameEmailShareOneRequest) {
  Start(Qps(1));
  Caller* first = Call({"1"}, "a@x.io");
  Caller* b = Call({"2", "3"}, "a@x.io");
  Caller* c = Call({"3", "4"}, "a@x.io");  // "3" asked twice
  Caller* d = Call({"5"}, "a@x.io");
  ASSERT_EQ(gong_->size(), 1u);
  AnswerAll(1);
  EXPECT_THAT(first->result().unassigned_flow_instance_ids, ElementsAre("1"));

  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  const upstream::UnassignByInstanceIdsParams merged = gong_->unassign(2);
  EXPECT_THAT(merged.flow_instance_ids,
              ElementsAre("2", "3", "4", "5"));  // arrival order
  EXPECT_EQ(merged.unassigned_by_user_email, "a@x.io");
  EXPECT_EQ(gong_->request(2).path, upstream::kUnassignByInstanceIdsPath);
  EXPECT_EQ(gong_->request(2).idempotency, upstream::Idempotency::kNotIdempotent);
  // Gong removed 4, 3 and 5, but not 2. Each caller gets exactly its own
  // ids, in Gong's order; an id two callers asked for goes to both.
  gong_->AnswerUnassigned(
      2, upstream::UnassignByInstanceIdsResult{"req-2", {"4", "3", "5"}});
  for (Caller* caller : {b, c, d}) {
    ASSERT_TRUE(caller->done());
    EXPECT_EQ(caller->result().request_id, "req-2");
  }
  EXPECT_THAT(b->result().unassigned_flow_instance_ids, ElementsAre("3"));
  EXPECT_THAT(c->result().unassigned_flow_instance_ids, ElementsAre("4", "3"));
  EXPECT_THAT(d->result().unassigned_flow_instance_ids, ElementsAre("5"));
}

TEST_F(QuotaStewardTest, AMergedRequestLastsAsLongAsItsMostPatientCaller) {
  Start(Qps(1));
  Call({"0"});
  Call({"1"}, "a@x.io", absl::Seconds(30));
  Call({"2"}, "a@x.io", absl::Seconds(90));
  Call({"3"}, "a@x.io", absl::Seconds(60));
  const absl::Time latest = clock_->Now() + absl::Seconds(90);
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1", "2", "3"));
  EXPECT_EQ(gong_->deadline(2), latest);
}

TEST_F(QuotaStewardTest, CallsWithDifferentEmailsNeverShareAndKeepTheirOrder) {
  Start(Qps(1));
  Call({"0"});
  Call({"1"}, "a@x.io");
  Call({"2"}, "b@x.io");
  Call({"3"}, "a@x.io");
  Call({"4"});
  for (int i = 0; i < 4; ++i) clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 4u);
  // First come, first served: the batch of the oldest waiting call goes next.
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1", "3"));
  EXPECT_EQ(gong_->unassign(2).unassigned_by_user_email, "a@x.io");
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("2"));
  EXPECT_EQ(gong_->unassign(3).unassigned_by_user_email, "b@x.io");
  EXPECT_THAT(gong_->unassign(4).flow_instance_ids, ElementsAre("4"));
  EXPECT_EQ(gong_->unassign(4).unassigned_by_user_email, "");
}

TEST_F(QuotaStewardTest, ABatchNeverHoldsMoreThan200DistinctIds) {
  Start(Qps(1));
  Call({"x"});
  Call(Ids(1000, 150));
  Call(Ids(1100, 100));  // 50 shared with the previous call: 200 distinct
  Call(Ids(2000, 1));    // would make 201: starts the next batch
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_EQ(gong_->unassign(2).flow_instance_ids.size(), 200u);
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("2000"));
}

TEST_F(QuotaStewardTest, WithoutCoalescingEachCallIsItsOwnRequest) {
  Start(Qps(1, /*coalesce=*/false));
  for (int i = 0; i < 4; ++i) Call({absl::StrCat(i)}, "a@x.io");
  for (int i = 0; i < 3; ++i) clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 4u);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_THAT(gong_->unassign(i).flow_instance_ids, ElementsAre(absl::StrCat(i - 1)));
  }
}

TEST_F(QuotaStewardTest, AFailedBatchFailsEveryCallerInIt) {
  Start(Qps(1));
  Call({"0"});
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  clock_->Advance(absl::Seconds(2));
  gong_->Answer(2, HttpError(500));
  ASSERT_TRUE(a->done() && b->done());
  EXPECT_EQ(a->error().http_status, 500);
  EXPECT_EQ(b->error().http_status, 500);
}

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

// --- Any endpoint's request, in the one queue ------------------------------

TEST_F(QuotaStewardTest, RequestsWithoutAPartAreNeverMerged) {
  Start(Qps(1));            // coalescing on
  Submit(Read(), nullptr);  // goes at once
  Caller* a = Submit(Read(), nullptr);
  Caller* b = Submit(Read(), nullptr);  // equal to a, and waiting with it
  EXPECT_EQ(steward_->GetStats().waiting_calls, 2u);
  clock_->Advance(absl::Milliseconds(1025));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_FALSE(b->done());
  clock_->Advance(absl::Milliseconds(1025));
  ASSERT_EQ(gong_->size(), 3u);  // b's own request, one window later
  for (upstream::GongClient::CallId id = 2; id <= 3; ++id) {
    EXPECT_EQ(gong_->request(id).method, "GET");
    EXPECT_EQ(gong_->request(id).path, "/v2/flows");
  }
  gong_->Answer(2, upstream::GongAnswer{R"({"flows":["a"]})"});
  gong_->Answer(3, upstream::GongAnswer{R"({"flows":["b"]})"});
  EXPECT_EQ(a->answer().body, R"({"flows":["a"]})");
  EXPECT_EQ(b->answer().body, R"({"flows":["b"]})");
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
