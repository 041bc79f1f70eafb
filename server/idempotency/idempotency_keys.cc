#include "idempotency/idempotency_keys.h"

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace gong::idempotency {
namespace internal {
namespace {

// Looks made at once (not after a poll) within one Begin, at most: a key
// that is set and gone again between each look and the next (a holder
// releasing it, its record expiring) is contention, not a reason to loop
// forever on one thread's stack.
constexpr int kMaxImmediateLooks = 4;

std::string RandomOwner() {
  // A claim's owner only needs to differ from every other claim's: 128
  // random bits.
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* bits = nullptr;
  uint64_t high = 0;
  uint64_t low = 0;
  {
    absl::MutexLock lock(&mu);
    if (bits == nullptr) bits = new absl::BitGen();
    high = absl::Uniform<uint64_t>(*bits);
    low = absl::Uniform<uint64_t>(*bits);
  }
  std::string raw(16, '\0');
  for (int i = 0; i < 8; ++i) {
    raw[i] = static_cast<char>(high >> (56 - 8 * i));
    raw[8 + i] = static_cast<char>(low >> (56 - 8 * i));
  }
  return absl::BytesToHexString(raw);
}

// One Begin: claim, or look at the record and act on it, until a verdict.
// Holds what it needs by value, so a poll that falls due after the
// IdempotencyKeys is gone still finds it (the store and the clock outlive
// every call).
class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  using Claim = IdempotencyKeys::Claim;
  using Verdict = IdempotencyKeys::Verdict;

  Attempt(KeyStore* store, base::Clock* clock, KeysOptions options, std::string store_key,
          std::string fingerprint, absl::Time claim_until, absl::Time deadline,
          std::function<bool()> cancelled, IdempotencyKeys::ClaimDone done)
      : store_(store),
        clock_(clock),
        options_(options),
        store_key_(std::move(store_key)),
        claim_until_(claim_until),
        deadline_(deadline),
        cancelled_(std::move(cancelled)),
        done_(std::move(done)) {
    Record running;
    running.state = Record::State::kRunning;
    running.fingerprint = std::move(fingerprint);
    running.owner = RandomOwner();
    running.claim_until = claim_until_;
    ours_ = EncodeRecord(running);
    fingerprint_ = std::move(running.fingerprint);
  }

  // Tries to claim the key as nobody's.
  void Try() {
    if (!StillWanted()) return;
    store_->CompareAndSet(store_key_, std::nullopt, ours_, options_.ttl,
                          [self = shared_from_this()](absl::StatusOr<bool> set) {
                            if (!set.ok()) return self->End(Verdict::kUnavailable);
                            if (*set) return self->End(Verdict::kGoAhead);
                            self->Look();
                          });
  }

 private:
  bool StillWanted() {
    if (cancelled_ != nullptr && cancelled_()) {
      End(Verdict::kTimedOut);
      return false;
    }
    return true;
  }

  // Someone else holds a record of the key: what is it?
  void Look() {
    store_->Get(store_key_, [self = shared_from_this()](
                                absl::StatusOr<std::optional<std::string>> value) {
      if (!value.ok()) return self->End(Verdict::kUnavailable);
      if (!value->has_value()) return self->Again();
      self->Judge(std::move(**value));
    });
  }

  void Judge(std::string bytes) {
    absl::StatusOr<Record> record = DecodeRecord(bytes);
    if (!record.ok()) {
      // Bytes that are not a record (tampered, truncated, another
      // program's) say nothing of what Gong did: settle, as for a doubt,
      // rather than refuse the key until it expires.
      return TakeOver(std::move(bytes));
    }
    if (record->fingerprint != fingerprint_) return End(Verdict::kReused);
    switch (record->state) {
      case Record::State::kDone:
        return End(Verdict::kReplay, std::move(record->outcome));
      case Record::State::kInDoubt:
        return TakeOver(std::move(bytes));
      case Record::State::kRunning:
        if (record->claim_until <= clock_->Now()) return TakeOver(std::move(bytes));
        return Wait();
    }
  }

  // Replaces the record read (`seen`) with our claim, to settle.
  void TakeOver(std::string seen) {
    store_->CompareAndSet(store_key_, std::move(seen), ours_, options_.ttl,
                          [self = shared_from_this()](absl::StatusOr<bool> set) {
                            if (!set.ok()) return self->End(Verdict::kUnavailable);
                            if (*set) return self->End(Verdict::kSettle);
                            // Someone changed it first: what is it now?
                            self->Again();
                          });
  }

  // The record changed under us: start over, a few times at most.
  void Again() {
    if (++immediate_looks_ > kMaxImmediateLooks) return End(Verdict::kUnavailable);
    Try();
  }

  // Another call holds the key: look again after poll_interval, if this
  // call can wait that long.
  void Wait() {
    if (cancelled_ != nullptr && cancelled_()) return End(Verdict::kTimedOut);
    const absl::Time now = clock_->Now();
    if (now + options_.poll_interval > deadline_) return End(Verdict::kTimedOut);
    immediate_looks_ = 0;
    clock_->RunAt(now + options_.poll_interval,
                  [self = shared_from_this()]() mutable { self->Try(); });
  }

  void End(Verdict verdict, StoredOutcome outcome = {}) {
    Claim claim;
    claim.verdict = verdict;
    claim.outcome = std::move(outcome);
    if (verdict == Verdict::kGoAhead || verdict == Verdict::kSettle) {
      claim.store_key = store_key_;
      claim.claimed = ours_;
    }
    std::move(done_)(std::move(claim));
  }

  KeyStore* const store_;
  base::Clock* const clock_;
  const KeysOptions options_;
  const std::string store_key_;
  const absl::Time claim_until_;
  const absl::Time deadline_;
  std::function<bool()> cancelled_;
  IdempotencyKeys::ClaimDone done_;
  std::string fingerprint_;
  std::string ours_;  // our running record, encoded
  int immediate_looks_ = 0;
};

// Replaces our claim with `record`, or removes it (nullopt).
void EndClaim(KeyStore* store, const IdempotencyKeys::Claim& claim,
              std::optional<Record::State> state, StoredOutcome outcome,
              absl::Duration ttl, IdempotencyKeys::Ended done) {
  if (claim.store_key.empty() || claim.claimed.empty()) {
    std::move(done)(absl::FailedPreconditionError("not a claim of an idempotency key"));
    return;
  }
  auto answer = [done = std::move(done)](absl::StatusOr<bool> changed) mutable {
    if (!changed.ok()) return std::move(done)(changed.status());
    if (!*changed) {
      return std::move(done)(absl::FailedPreconditionError(
          "the idempotency key's claim was no longer this call's (it expired or "
          "another call took it over)"));
    }
    std::move(done)(absl::OkStatus());
  };
  if (!state.has_value()) {
    store->CompareAndDelete(claim.store_key, claim.claimed, std::move(answer));
    return;
  }
  absl::StatusOr<Record> ours = DecodeRecord(claim.claimed);
  if (!ours.ok()) {
    std::move(done)(absl::FailedPreconditionError("not a claim of an idempotency key"));
    return;
  }
  Record next;
  next.state = *state;
  next.fingerprint = std::move(ours->fingerprint);
  next.outcome = std::move(outcome);
  store->CompareAndSet(claim.store_key, claim.claimed, EncodeRecord(next), ttl,
                       std::move(answer));
}

void AppendLengthPrefixed(EVP_MD_CTX* context, absl::string_view part) {
  unsigned char length[8];
  const uint64_t size = part.size();
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<unsigned char>(size >> (56 - 8 * i));
  EVP_DigestUpdate(context, length, sizeof(length));
  EVP_DigestUpdate(context, part.data(), part.size());
}

}  // namespace
}  // namespace internal

absl::Status CheckKey(absl::string_view key) {
  if (key.empty()) {
    return absl::InvalidArgumentError(
        "the idempotency key is empty: it must be 1 to 255 printable ASCII characters");
  }
  if (key.size() > kMaxKeyLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("the idempotency key is ", key.size(),
                     " bytes long: it must be 1 to 255 printable ASCII characters"));
  }
  for (size_t i = 0; i < key.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 || c > 0x7E) {
      return absl::InvalidArgumentError(
          absl::StrCat("the idempotency key has a byte outside printable ASCII (0x20 to "
                       "0x7E) at position ",
                       i + 1, ": it must be 1 to 255 printable ASCII characters"));
    }
  }
  return absl::OkStatus();
}

std::string StoreKeyOf(const KeyScope& scope) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  internal::AppendLengthPrefixed(context, scope.caller);
  internal::AppendLengthPrefixed(context, scope.method);
  internal::AppendLengthPrefixed(context, scope.key);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest, &length);
  EVP_MD_CTX_free(context);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

IdempotencyKeys::IdempotencyKeys(KeyStore* store, base::Clock* clock, KeysOptions options)
    : store_(store), clock_(clock), options_(options) {}

void IdempotencyKeys::Begin(const KeyScope& scope, std::string fingerprint,
                            absl::Time claim_until, absl::Time deadline,
                            std::function<bool()> cancelled, ClaimDone done) {
  auto attempt = std::make_shared<internal::Attempt>(
      store_, clock_, options_, StoreKeyOf(scope), std::move(fingerprint), claim_until,
      deadline, std::move(cancelled), std::move(done));
  attempt->Try();
}

void IdempotencyKeys::Finish(const Claim& claim, StoredOutcome outcome, Ended done) {
  internal::EndClaim(store_, claim, Record::State::kDone, std::move(outcome),
                     options_.ttl, std::move(done));
}

void IdempotencyKeys::MarkInDoubt(const Claim& claim, Ended done) {
  internal::EndClaim(store_, claim, Record::State::kInDoubt, {}, options_.ttl,
                     std::move(done));
}

void IdempotencyKeys::Release(const Claim& claim, Ended done) {
  internal::EndClaim(store_, claim, std::nullopt, {}, options_.ttl, std::move(done));
}

}  // namespace gong::idempotency
