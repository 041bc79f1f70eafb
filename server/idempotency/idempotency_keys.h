// Idempotency keys: at most one call per key reaches Gong, and every retry
// with the key gets the first call's answer. The protocol over a KeyStore
// (any number of replicas sharing one), for the api layer, which knows
// what a call asked (its fingerprint) and what it answered:
//
//   Begin(scope, fingerprint, ...) claims the key, or says what to do:
//     kGoAhead   nobody had the key: the call runs and holds the claim;
//     kSettle    the key's last call ended in doubt (or lost its holder,
//                or its record cannot be read: tampered, too large):
//                the call holds the claim and settles by reading Gong's
//                state before sending only what is still to do;
//     kReplay    Gong decided the key's call: `outcome` is its answer;
//     kReused    the key was used for another request (another
//                fingerprint): refused, nothing sent;
//     kUnavailable  the store could not answer: refused, nothing sent
//                (the caller asked for at most once; we do not guess);
//     kTimedOut  another call holds the key and had not finished by this
//                call's deadline (or this call was cancelled meanwhile).
//   While another call holds the key (on this replica or another), Begin
//   looks again every poll_interval until the holder finishes or the
//   deadline passes: the second call never sends.
//   A call holding the claim ends it with exactly one of:
//     Finish(outcome)  Gong decided: kept for ttl and replayed;
//     MarkInDoubt()    the answer was lost after Gong may have acted;
//     Release()        nothing reached Gong, or the facade refused before
//                      sending: the key is free, a retry simply goes ahead.
//
// A scope is the caller's name (where callers are named), the method and
// the key: two callers' keys never meet. Store keys are a hash of the
// scope, so no caller's text becomes a Redis key.
#pragma once

#include <functional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "idempotency/idempotency_record.h"
#include "idempotency/key_store.h"

namespace gong::idempotency {

// The metadata a write carries its key in, and its limits: 1 to 255
// printable ASCII characters (0x20 to 0x7E).
inline constexpr absl::string_view kIdempotencyKeyHeader = "idempotency-key";
inline constexpr size_t kMaxKeyLength = 255;
// OK, or INVALID_ARGUMENT saying what is wrong with `key` (never echoing
// it).
absl::Status CheckKey(absl::string_view key);

struct KeyScope {
  std::string caller;
  std::string method;
  std::string key;
};

struct KeysOptions {
  // How long a key's outcome (or its doubt) is kept.
  absl::Duration ttl = absl::Hours(24);
  // How often a call waiting on another's claim looks again.
  absl::Duration poll_interval = absl::Milliseconds(100);
};

class IdempotencyKeys {
 public:
  enum class Verdict { kGoAhead, kSettle, kReplay, kReused, kUnavailable, kTimedOut };

  // What Begin found; for kGoAhead and kSettle also the claim to end.
  struct Claim {
    Verdict verdict = Verdict::kUnavailable;
    StoredOutcome outcome;  // kReplay
    // The claim (kGoAhead, kSettle): the store key and the record as
    // written, which ending it compares against.
    std::string store_key;
    std::string claimed;
  };
  using ClaimDone = absl::AnyInvocable<void(Claim) &&>;
  // Told when an end of a claim has been stored (or failed to be: the
  // record then stays running until claim_until, and a retry after that
  // settles it).
  using Ended = absl::AnyInvocable<void(absl::Status) &&>;

  // `store` and `clock` outlive every call begun (a call waiting on another
  // holds them, not this object).
  IdempotencyKeys(KeyStore* store, base::Clock* clock, KeysOptions options);

  // Claims `scope`'s key for a call asking `fingerprint`. `claim_until`:
  // when a holder that has not ended its claim is presumed gone (the call's
  // deadline and a margin). `deadline`: how long this call waits for
  // another holder. `cancelled` (may be null) is asked before each look, on
  // any thread (the caller left: kTimedOut at once). `done` runs exactly once, on any
  // thread, possibly inside this call.
  void Begin(const KeyScope& scope, std::string fingerprint, absl::Time claim_until,
             absl::Time deadline, std::function<bool()> cancelled, ClaimDone done);

  void Finish(const Claim& claim, StoredOutcome outcome, Ended done);
  void MarkInDoubt(const Claim& claim, Ended done);
  void Release(const Claim& claim, Ended done);

 private:
  KeyStore* const store_;
  base::Clock* const clock_;
  const KeysOptions options_;
};

// The store key of a scope: "<hex sha-256 of caller, method and key>".
std::string StoreKeyOf(const KeyScope& scope);

}  // namespace gong::idempotency
