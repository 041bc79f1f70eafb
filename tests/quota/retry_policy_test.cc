// Which failures the quota steward may retry, row by row, for a write
// (Idempotency::kNotIdempotent: only where Gong surely did not act) and a
// read (Idempotency::kIdempotent: also where Gong may have acted); which
// refusals left the whole request undone; what the steward does with a
// batch once Gong's outcome is in; and the backoff's bounds.
#include "quota/retry_policy.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "quota/get_prospect_flows_coalescing.h"
#include "quota/unassign_by_instance_ids_coalescing.h"

namespace gong::quota {
namespace {

upstream::GongError Http(int status) {
  return upstream::GongError::HttpStatus(status, "", {});
}

upstream::GongError NoAnswer(upstream::GongError::Kind kind, bool may_have_acted) {
  return upstream::GongError::NoAnswer(kind, "", may_have_acted);
}

struct Row {
  upstream::GongError error;
  bool retriable;
};

void ExpectRows(const std::vector<Row>& rows, upstream::Idempotency idempotency) {
  for (const Row& row : rows) {
    SCOPED_TRACE(testing::Message() << "http " << row.error.http_status << " kind "
                                    << static_cast<int>(row.error.kind) << " ("
                                    << upstream::NoAnswerName(row.error.kind)
                                    << ") may_have_acted " << row.error.may_have_acted);
    EXPECT_EQ(IsRetriable(row.error, idempotency), row.retriable);
  }
}

TEST(RetryPolicyTest, OnlyAnswersThatProveGongDidNotActAreRetriable) {
  using Kind = upstream::GongError::Kind;
  ExpectRows(
      {
          {Http(429), true},
          {Http(503), true},
          {NoAnswer(Kind::kConnectFailed, false), true},
          // Gong refused the request unprocessed (HTTP/2 REFUSED_STREAM).
          {NoAnswer(Kind::kConnectionDropped, false), true},
          {Http(400), false},
          {Http(401), false},
          {Http(500), false},
          {Http(502), false},
          {Http(504), false},
          {NoAnswer(Kind::kTimedOut, true), false},
          {NoAnswer(Kind::kConnectionDropped, true), false},
          {NoAnswer(Kind::kTlsFailure, false), false},
          {upstream::GongError::Cancelled("", true), false},
          {NoAnswer(Kind::kNoAnswer, true), false},
          {upstream::GongError::MalformedAnswer(200, "body is not JSON"), false},
      },
      upstream::Idempotency::kNotIdempotent);
}

// A read changes nothing, so a second attempt is harmless even where Gong
// may have run the first: 500, 502, 504 and any dropped connection are
// retried too. A TLS failure is not transient, a timeout has used up the
// deadline, a cancelled call is not wanted any more, and a malformed answer
// or a 400 would come again.
TEST(RetryPolicyTest, AReadIsAlsoRetriedWhereGongMayHaveActed) {
  using Kind = upstream::GongError::Kind;
  ExpectRows(
      {
          {Http(429), true},
          {Http(503), true},
          {Http(500), true},
          {Http(502), true},
          {Http(504), true},
          {NoAnswer(Kind::kConnectFailed, false), true},
          {NoAnswer(Kind::kConnectionDropped, false), true},
          {NoAnswer(Kind::kConnectionDropped, true), true},
          {Http(400), false},
          {Http(401), false},
          {Http(404), false},
          {Http(501), false},
          {NoAnswer(Kind::kTimedOut, true), false},
          {NoAnswer(Kind::kTlsFailure, false), false},
          {upstream::GongError::Cancelled("", true), false},
          {upstream::GongError::Cancelled("", false), false},
          {NoAnswer(Kind::kNoAnswer, true), false},
          {upstream::GongError::MalformedAnswer(200, "body is not JSON"), false},
      },
      upstream::Idempotency::kIdempotent);
}

TEST(RetryPolicyTest, RefusalsOfTheWholeRequestAreThoseGongActedOnNoneOf) {
  for (int status : {400, 404, 409, 422}) {
    SCOPED_TRACE(status);
    EXPECT_TRUE(RefusedWithoutActing(Http(status)));
  }
  for (int status : {401, 403, 429, 500, 502, 503, 504}) {
    SCOPED_TRACE(status);
    EXPECT_FALSE(RefusedWithoutActing(Http(status)));
  }
  EXPECT_FALSE(RefusedWithoutActing(upstream::GongError::MalformedAnswer(200, "x")));
  EXPECT_FALSE(RefusedWithoutActing(upstream::GongError::NoAnswer(
      upstream::GongError::Kind::kConnectFailed, "", /*may_have_acted=*/false)));
}

// The real policies: the unassign one takes Gong's 400 "does not exist" as
// true of every part, the lookup one takes no refusal so.
const UnassignByInstanceIdsCoalescing kUnassign;
const GetProspectFlowsCoalescing kLookup;

BatchFacts Batch(size_t callers, upstream::Idempotency idempotency, int attempts,
                 const CoalescingPolicy* policy) {
  BatchFacts facts;
  facts.callers = callers;
  facts.idempotency = idempotency;
  facts.attempts = attempts;
  facts.policy = policy;
  return facts;
}

struct DecisionRow {
  std::string name;
  upstream::GongOutcome outcome;
  BatchFacts batch;
  AnswerAction action;
};

// `batch` after callers left it while it was with Gong.
BatchFacts Left(BatchFacts batch) {
  batch.left_while_sent = true;
  return batch;
}

TEST(DecideOnAnswerTest, RetriesWhatMayBeRetriedSplitsRefusedMergesAndCompletesTheRest) {
  using Kind = upstream::GongError::Kind;
  constexpr auto kRead = upstream::Idempotency::kIdempotent;
  constexpr auto kWrite = upstream::Idempotency::kNotIdempotent;
  constexpr int kMaxAttempts = 3;
  const upstream::GongError does_not_exist =
      upstream::GongError::HttpStatus(400, "", {"Flow instance 7 does not exist"});
  const std::vector<DecisionRow> rows = {
      // Gong's answer ends every batch, whatever it holds.
      {"Answer", upstream::GongAnswer{"{}"}, Batch(1, kWrite, 1, nullptr),
       AnswerAction::kComplete},
      {"AnswerToAMergedBatch", upstream::GongAnswer{"{}"},
       Batch(3, kWrite, kMaxAttempts, &kUnassign), AnswerAction::kComplete},
      {"AnswerNobodyWaitsFor", upstream::GongAnswer{"{}"}, Batch(0, kRead, 1, nullptr),
       AnswerAction::kComplete},
      // Retried while a caller waits, IsRetriable agrees and attempts are
      // left: before any split.
      {"Retriable", Http(429), Batch(1, kWrite, 1, nullptr), AnswerAction::kRetry},
      {"RetriableLastButOneAttempt", Http(503),
       Batch(1, kWrite, kMaxAttempts - 1, nullptr), AnswerAction::kRetry},
      {"RetriableMergedBatch", NoAnswer(Kind::kConnectFailed, false),
       Batch(2, kWrite, 1, &kUnassign), AnswerAction::kRetry},
      {"ReadAfterAFailureThatMayHaveActed", Http(500), Batch(1, kRead, 1, nullptr),
       AnswerAction::kRetry},
      {"WriteAfterAFailureThatMayHaveActed", Http(500), Batch(1, kWrite, 1, nullptr),
       AnswerAction::kComplete},
      {"RetriableButNoAttemptsLeft", Http(429), Batch(1, kWrite, kMaxAttempts, nullptr),
       AnswerAction::kComplete},
      {"RetriableMergedButNoAttemptsLeft", Http(503),
       Batch(2, kWrite, kMaxAttempts, &kLookup), AnswerAction::kComplete},
      {"RetriableButNobodyWaits", Http(429), Batch(0, kWrite, 1, nullptr),
       AnswerAction::kComplete},
      {"NotRetriable", NoAnswer(Kind::kTimedOut, true), Batch(1, kRead, 1, nullptr),
       AnswerAction::kComplete},
      // A merged request refused whole without acting is split, unless its
      // policy says the refusal is every part's.
      {"RefusedMerge", Http(400), Batch(2, kWrite, 1, &kUnassign), AnswerAction::kSplit},
      {"RefusedMergedRead", Http(404), Batch(3, kRead, 1, &kLookup),
       AnswerAction::kSplit},
      {"RefusedMergeWithAttemptsUsedUp", Http(422),
       Batch(2, kWrite, kMaxAttempts, &kLookup), AnswerAction::kSplit},
      {"RefusalEveryPartShares", does_not_exist, Batch(2, kWrite, 1, &kUnassign),
       AnswerAction::kComplete},
      {"RefusalOfOneCaller", Http(400), Batch(1, kWrite, 1, &kUnassign),
       AnswerAction::kComplete},
      {"RefusalNobodyWaitsFor", Http(400), Batch(0, kWrite, 1, &kUnassign),
       AnswerAction::kComplete},
      // One caller left, but others left while their ids were with Gong:
      // the refusal may be theirs, so the one left is asked for alone.
      {"RefusalOfOneCallerLeftInAMerge", Http(404), Left(Batch(1, kRead, 1, &kLookup)),
       AnswerAction::kSplit},
      {"RefusalEveryPartSharesOneCallerLeft", does_not_exist,
       Left(Batch(1, kWrite, 1, &kUnassign)), AnswerAction::kComplete},
      {"RefusalNobodyWaitsForAfterOthersLeft", Http(404),
       Left(Batch(0, kRead, 1, &kLookup)), AnswerAction::kComplete},
      {"RefusalOfCallersWithoutParts", Http(409), Batch(2, kWrite, 1, nullptr),
       AnswerAction::kComplete},
      {"MergeFailedOtherwise", Http(500), Batch(2, kWrite, 1, &kUnassign),
       AnswerAction::kComplete},
  };
  for (const DecisionRow& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(DecideOnAnswer(row.outcome, row.batch, kMaxAttempts), row.action);
  }
}

upstream::GongError Unauthorized(bool credentials_changed) {
  upstream::GongError error = Http(401);
  error.credentials_changed = credentials_changed;
  return error;
}

BatchFacts Resent(BatchFacts facts) {
  facts.resent_for_credentials = true;
  return facts;
}

TEST(DecideOnAnswerTest, ResendsOnceAfterA401ToCredentialsReplacedSince) {
  constexpr auto kRead = upstream::Idempotency::kIdempotent;
  constexpr auto kWrite = upstream::Idempotency::kNotIdempotent;
  constexpr int kMaxAttempts = 3;
  const std::vector<DecisionRow> rows = {
      // Gong did no work for a 401: a write is resent like a read, a merged
      // batch whole, and even with every attempt used up.
      {"Write", Unauthorized(true), Batch(1, kWrite, 1, nullptr), AnswerAction::kResend},
      {"Read", Unauthorized(true), Batch(1, kRead, 1, nullptr), AnswerAction::kResend},
      {"MergedBatch", Unauthorized(true), Batch(3, kWrite, 1, &kUnassign),
       AnswerAction::kResend},
      {"AttemptsUsedUp", Unauthorized(true), Batch(1, kWrite, kMaxAttempts, nullptr),
       AnswerAction::kResend},
      // Once per batch: the second 401 reaches the callers.
      {"SecondTime", Unauthorized(true), Resent(Batch(1, kWrite, 2, nullptr)),
       AnswerAction::kComplete},
      {"CredentialsUnchanged", Unauthorized(false), Batch(1, kWrite, 1, nullptr),
       AnswerAction::kComplete},
      {"NobodyWaits", Unauthorized(true), Batch(0, kWrite, 1, nullptr),
       AnswerAction::kComplete},
      // The resend counts in no max_attempts: after it, a 503 still has the
      // retries any request has.
      {"RetryAfterTheResend", Http(503), Resent(Batch(1, kWrite, kMaxAttempts, nullptr)),
       AnswerAction::kRetry},
      {"NoRetryLeftAfterTheResend", Http(503),
       Resent(Batch(1, kWrite, kMaxAttempts + 1, nullptr)), AnswerAction::kComplete},
  };
  for (const DecisionRow& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(DecideOnAnswer(row.outcome, row.batch, kMaxAttempts), row.action);
  }
  // Even when no retry at all is allowed.
  EXPECT_EQ(DecideOnAnswer(Unauthorized(true), Batch(1, kWrite, 1, nullptr), 1),
            AnswerAction::kResend);
}

TEST(ExponentialBackoffTest, DoublesWithinHalfToFullAndStopsAtTheMaximum) {
  const ExponentialBackoff backoff(absl::Milliseconds(100), absl::Seconds(1));
  absl::BitGen random;
  for (int i = 0; i < 200; ++i) {
    const absl::Duration first = backoff.Delay(1, random);
    EXPECT_GE(first, absl::Milliseconds(50));
    EXPECT_LE(first, absl::Milliseconds(100));
    const absl::Duration third = backoff.Delay(3, random);
    EXPECT_GE(third, absl::Milliseconds(200));
    EXPECT_LE(third, absl::Milliseconds(400));
    const absl::Duration tenth = backoff.Delay(10, random);
    EXPECT_GE(tenth, absl::Milliseconds(500));
    EXPECT_LE(tenth, absl::Seconds(1));
  }
}

}  // namespace
}  // namespace gong::quota
