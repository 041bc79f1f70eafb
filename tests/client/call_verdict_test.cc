// Unit tests for which failures a many-id run sends again, settles first,
// or gives up (client/call_verdict.h), status by status as the facade's
// contract fails a call.
#include "call_verdict.h"

#include "gtest/gtest.h"
#include "support/facade_status.h"

namespace gong::cli {
namespace {

using ::gong::support::FacadeStatus;

using Code = grpc::StatusCode;
using ::gong::support::InvalidRequestStatus;

TEST(CallVerdictTest, TheStewardsRefusalsWithRetryInfoAreSentAgainAfterIt) {
  for (const char* reason :
       {"QUOTA_QUEUE_FULL", "QUOTA_WAIT_EXCEEDS_DEADLINE", "DAILY_BUDGET_RESERVED",
        "GONG_DAILY_LIMIT_REACHED", "GONG_RATE_LIMITED"}) {
    const FailureVerdict verdict = JudgeFailure(
        FacadeStatus(Code::RESOURCE_EXHAUSTED, reason, {}, absl::Seconds(3)));
    EXPECT_EQ(verdict.verdict, Verdict::kResend) << reason;
    EXPECT_EQ(verdict.retry_after, absl::Seconds(3)) << reason;
    EXPECT_EQ(verdict.reason, reason);
  }
}

TEST(CallVerdictTest, ResourceExhaustedWithoutRetryInfoIsFinal) {
  EXPECT_EQ(JudgeFailure(grpc::Status(Code::RESOURCE_EXHAUSTED, "too big")).verdict,
            Verdict::kFinal);
}

TEST(CallVerdictTest, MayHaveActedSaysWhetherAFailureIsInDoubt) {
  const FailureVerdict not_acted = JudgeFailure(FacadeStatus(
      Code::UNAVAILABLE, "GONG_CONNECTION_DROPPED", {{"gong_may_have_acted", "false"}}));
  EXPECT_EQ(not_acted.verdict, Verdict::kResend);
  EXPECT_FALSE(not_acted.retry_after.has_value());
  EXPECT_EQ(JudgeFailure(FacadeStatus(Code::UNAVAILABLE, "GONG_CONNECTION_DROPPED",
                                      {{"gong_may_have_acted", "true"}}))
                .verdict,
            Verdict::kInDoubt);
  EXPECT_EQ(JudgeFailure(FacadeStatus(Code::DEADLINE_EXCEEDED, "GONG_TIMEOUT",
                                      {{"gong_may_have_acted", "true"}}))
                .verdict,
            Verdict::kInDoubt);
}

TEST(CallVerdictTest, GongsOwn502And503AreSentAgain) {
  EXPECT_EQ(JudgeFailure(FacadeStatus(Code::UNAVAILABLE, "GONG_UNAVAILABLE",
                                      {{"http_status", "503"}}))
                .verdict,
            Verdict::kResend);
}

TEST(CallVerdictTest, NoAnswerAtAllIsInDoubt) {
  // The channel's own failures carry no details: the facade may have sent.
  for (Code code : {Code::UNAVAILABLE, Code::DEADLINE_EXCEEDED, Code::INTERNAL,
                    Code::UNKNOWN, Code::CANCELLED}) {
    const FailureVerdict verdict = JudgeFailure(grpc::Status(code, "no answer"));
    EXPECT_EQ(verdict.verdict, Verdict::kInDoubt) << code;
    EXPECT_FALSE(verdict.reason.empty());
  }
  EXPECT_EQ(JudgeFailure(FacadeStatus(Code::INTERNAL, "GONG_INTERNAL_ERROR",
                                      {{"http_status", "500"}}))
                .verdict,
            Verdict::kInDoubt);
}

TEST(CallVerdictTest, RefusalsForGoodAreFinalWithTheirReason) {
  for (Code code :
       {Code::INVALID_ARGUMENT, Code::UNAUTHENTICATED, Code::PERMISSION_DENIED,
        Code::NOT_FOUND, Code::ABORTED, Code::UNIMPLEMENTED}) {
    const FailureVerdict verdict = JudgeFailure(FacadeStatus(code, "SOME_REASON"));
    EXPECT_EQ(verdict.verdict, Verdict::kFinal) << code;
    EXPECT_EQ(verdict.reason, "SOME_REASON");
  }
  EXPECT_EQ(JudgeFailure(grpc::Status(Code::INVALID_ARGUMENT, "bad")).reason,
            "INVALID_ARGUMENT");
}

// The facade's answers about a write's idempotency key: what is refused as
// it stands is final although nothing was sent; a key another call still
// holds, or a store that did not answer, is worth sending again.
TEST(CallVerdictTest, IdempotencyKeyRefusalsAreFinalOnlyWhenTheRequestIsWrong) {
  for (const char* reason : {"IDEMPOTENCY_KEY_REUSED", "INVALID_IDEMPOTENCY_KEY"}) {
    const FailureVerdict verdict = JudgeFailure(
        FacadeStatus(Code::INVALID_ARGUMENT, reason,
                     {{"header", "idempotency-key"}, {"gong_may_have_acted", "false"}}));
    EXPECT_EQ(verdict.verdict, Verdict::kFinal) << reason;
    EXPECT_EQ(verdict.reason, reason);
  }
  EXPECT_EQ(JudgeFailure(FacadeStatus(Code::DEADLINE_EXCEEDED, "IDEMPOTENCY_KEY_IN_USE",
                                      {{"gong_may_have_acted", "false"}}))
                .verdict,
            Verdict::kResend);
  EXPECT_EQ(JudgeFailure(FacadeStatus(Code::UNAVAILABLE, "IDEMPOTENCY_STORE_UNAVAILABLE",
                                      {{"gong_may_have_acted", "false"}}))
                .verdict,
            Verdict::kResend);
}

TEST(CallVerdictTest, NamesTheEntriesAnInvalidRequestWasRefusedFor) {
  const FailureVerdict verdict = JudgeFailure(
      InvalidRequestStatus({{"flow_instance_ids[3]", "must not be empty"},
                            {"flow_instance_ids[17]", "has whitespace"},
                            {"unassigned_by_user_email", "not an email"},
                            {"flow_instance_ids[x]", "odd"},
                            {"flow_instance_ids[99999999999999999999999]", "odd"}}));
  EXPECT_EQ(verdict.verdict, Verdict::kFinal);
  EXPECT_EQ(verdict.bad_entries, (std::map<size_t, std::string>{{3, "must not be empty"},
                                                                {17, "has whitespace"}}));
  // Gong's own 400 names no entry: the call's ids fail together.
  EXPECT_TRUE(JudgeFailure(FacadeStatus(Code::INVALID_ARGUMENT, "GONG_BAD_REQUEST"))
                  .bad_entries.empty());
}

TEST(CallVerdictTest, KeepsGongsRequestIdAndForgivesNonsense) {
  EXPECT_EQ(JudgeFailure(FacadeStatus(Code::INVALID_ARGUMENT, "GONG_BAD_REQUEST",
                                      {{"gong_request_id", "abc"}}))
                .gong_request_id,
            "abc");
  // A negative RetryInfo means at once, not a wait into the past.
  EXPECT_EQ(JudgeFailure(FacadeStatus(Code::RESOURCE_EXHAUSTED, "QUOTA_QUEUE_FULL", {},
                                      absl::Seconds(-5)))
                .retry_after,
            absl::ZeroDuration());
  // Details that are not a google.rpc.Status.
  EXPECT_EQ(
      JudgeFailure(grpc::Status(Code::UNAVAILABLE, "x", "\xff\xff garbage")).verdict,
      Verdict::kInDoubt);
}

}  // namespace
}  // namespace gong::cli
