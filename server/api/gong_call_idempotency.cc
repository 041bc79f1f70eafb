// The skeleton's steps for a write's idempotency key: reading the key,
// claiming it, replaying a kept answer, and ending the claim with the
// call's outcome (idempotency/idempotency_keys.h says the protocol).
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/gong_call_reactor.h"
#include "api/request_fingerprint.h"
#include "base/log.h"

namespace gong::api::internal {
namespace {

using idempotency::IdempotencyKeys;
using idempotency::kIdempotencyKeyHeader;

// Initial metadata of an answer the key's store gave, or that a settling
// lookup confirmed.
constexpr char kReplayedHeader[] = "idempotent-replayed";
constexpr char kSettledHeader[] = "idempotent-settled";

// How long after its deadline a claim's holder is presumed gone: the time
// to write its outcome to the store, with room to spare.
constexpr absl::Duration kClaimMargin = absl::Seconds(5);

grpc::Status KeyError(grpc::StatusCode code, absl::string_view reason,
                      std::string message, bool nothing_sent = true) {
  ErrorDetails details;
  details.reason = std::string(reason);
  details.metadata["header"] = std::string(kIdempotencyKeyHeader);
  if (nothing_sent) details.metadata["gong_may_have_acted"] = "false";
  return MakeErrorStatus(code, std::move(message), details);
}

}  // namespace

bool GongCall::AcceptIdempotencyKey() {
  const auto [begin, end] = context_->client_metadata().equal_range(
      grpc::string_ref(kIdempotencyKeyHeader.data(), kIdempotencyKeyHeader.size()));
  if (begin == end) return true;
  absl::Status invalid;
  absl::string_view key(begin->second.data(), begin->second.size());
  for (auto it = std::next(begin); it != end && invalid.ok(); ++it) {
    if (absl::string_view(it->second.data(), it->second.size()) != key) {
      invalid = absl::InvalidArgumentError("it was sent twice, with different values");
    }
  }
  if (invalid.ok()) invalid = idempotency::CheckKey(key);
  if (invalid.ok()) {
    key_ = std::string(key);
    return true;
  }
  admission_.record().idempotency = "invalid_key";
  // The key is the caller's text: said what is wrong with it, never echoed.
  FinishCall(
      KeyError(grpc::StatusCode::INVALID_ARGUMENT, "INVALID_IDEMPOTENCY_KEY",
               absl::StrCat(kIdempotencyKeyHeader, " is not valid: ", invalid.message(),
                            " (1 to 255 printable ASCII characters)")));
  return false;
}

void GongCall::ClaimKey(absl::AnyInvocable<void(bool settle)> go) {
  if (parts_.keys == nullptr) {
    admission_.record().idempotency = "store_unavailable";
    FinishCall(KeyError(grpc::StatusCode::UNAVAILABLE, "IDEMPOTENCY_STORE_UNAVAILABLE",
                        "this facade keeps no idempotency keys; nothing was sent"));
    return;
  }
  const absl::Time deadline = UpstreamDeadline();
  parts_.keys->Begin(
      idempotency::KeyScope{admission_.record().caller,
                            std::string(admission_.record().method), key_},
      RequestFingerprint(admission_.record().method, *request_),
      deadline + parts_.settle_delay + kClaimMargin, deadline,
      [this] {
        absl::MutexLock lock(&mu_);
        return cancelled_;
      },
      [this, go = std::move(go)](IdempotencyKeys::Claim claim) mutable {
        switch (claim.verdict) {
          case IdempotencyKeys::Verdict::kGoAhead:
          case IdempotencyKeys::Verdict::kSettle: {
            const bool settle = claim.verdict == IdempotencyKeys::Verdict::kSettle;
            admission_.record().idempotency = settle ? "settling" : "claimed";
            claim_ = std::move(claim);
            std::move(go)(settle);
            return;
          }
          case IdempotencyKeys::Verdict::kReplay:
            admission_.record().idempotency = "replayed";
            FinishReplay(claim.outcome);
            return;
          case IdempotencyKeys::Verdict::kReused:
            admission_.record().idempotency = "key_reused";
            FinishCall(KeyError(grpc::StatusCode::INVALID_ARGUMENT,
                                "IDEMPOTENCY_KEY_REUSED",
                                "this idempotency-key was used for another request; "
                                "nothing was sent (a new request needs a new key)"));
            return;
          case IdempotencyKeys::Verdict::kTimedOut:
            admission_.record().idempotency = "key_in_use";
            FinishCall(
                KeyError(grpc::StatusCode::DEADLINE_EXCEEDED, "IDEMPOTENCY_KEY_IN_USE",
                         "another call with this idempotency-key was still running "
                         "at this call's deadline; this call sent nothing (retry "
                         "with the key to get that call's answer)"));
            return;
          case IdempotencyKeys::Verdict::kUnavailable:
            admission_.record().idempotency = "store_unavailable";
            FinishCall(KeyError(grpc::StatusCode::UNAVAILABLE,
                                "IDEMPOTENCY_STORE_UNAVAILABLE",
                                "the idempotency keys' store did not answer; nothing was "
                                "sent (safe to retry with the key)"));
            return;
        }
      });
}

void GongCall::RefuseKeyInDoubt() {
  admission_.record().idempotency = "key_in_doubt";
  ErrorDetails details;
  details.reason = "IDEMPOTENCY_KEY_IN_DOUBT";
  details.metadata["header"] = std::string(kIdempotencyKeyHeader);
  details.metadata["gong_may_have_acted"] = "true";
  Conclude(MakeErrorStatus(
               grpc::StatusCode::FAILED_PRECONDITION,
               "the first call with this idempotency-key lost Gong's answer, and "
               "Gong may have acted on it; Gong's state cannot tell whether it did, "
               "so this call sent nothing (sending again could act twice): check in "
               "Gong before a new request with a new key",
               details),
           Ending::kInDoubt);
}

void GongCall::Conclude(grpc::Status status, Ending ending, bool settled) {
  if (settled) {
    context_->AddInitialMetadata(kSettledHeader, "true");
    admission_.record().idempotency = "settled";
  }
  if (!claim_.has_value()) {
    FinishCall(std::move(status));
    return;
  }
  // The call is answered once its key says so, so that a retry right after
  // finds the outcome; a store that fails then leaves the claim to expire
  // (claim_until), and the retry after that settles by reading Gong.
  auto finish = [this, status](absl::Status stored) mutable {
    if (!stored.ok()) {
      base::LogError("could not keep an idempotency key's outcome",
                     {{"method", std::string(admission_.record().method)},
                      {"caller", admission_.record().caller},
                      {"error", std::string(stored.message())}});
    }
    FinishCall(std::move(status));
  };
  const IdempotencyKeys::Claim claim = *std::move(claim_);
  claim_.reset();
  switch (ending) {
    case Ending::kDecided: {
      idempotency::StoredOutcome outcome;
      outcome.code = status.error_code();
      outcome.message = status.error_message();
      outcome.details = status.error_details();
      if (status.ok()) outcome.response = response_->SerializeAsString();
      outcome.settled = settled;
      parts_.keys->Finish(claim, std::move(outcome), std::move(finish));
      return;
    }
    case Ending::kInDoubt:
      parts_.keys->MarkInDoubt(claim, std::move(finish));
      return;
    case Ending::kNotSent:
      parts_.keys->Release(claim, std::move(finish));
      return;
  }
}

void GongCall::FinishReplay(const idempotency::StoredOutcome& outcome) {
  context_->AddInitialMetadata(kReplayedHeader, "true");
  if (outcome.settled) context_->AddInitialMetadata(kSettledHeader, "true");
  if (outcome.code == grpc::StatusCode::OK &&
      !response_->ParseFromString(outcome.response)) {
    // A record that decodes but holds no response of this method (written by
    // hand into Redis, say): the caller learns that, not an empty answer.
    response_->Clear();
    FinishCall(KeyError(grpc::StatusCode::INTERNAL, "IDEMPOTENCY_RECORD_UNREADABLE",
                        "the answer kept for this idempotency-key could not be read",
                        /*nothing_sent=*/false));
    return;
  }
  FinishCall(grpc::Status(static_cast<grpc::StatusCode>(outcome.code), outcome.message,
                          outcome.details));
}

}  // namespace gong::api::internal
