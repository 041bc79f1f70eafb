// What every call of the service shares, unary or streaming: the steward,
// the observer, the callers' tokens, the clock and the writes' keys.
#pragma once

#include "absl/time/time.h"
#include "api/call_observer.h"
#include "auth/caller_tokens.h"
#include "base/clock.h"
#include "idempotency/idempotency_keys.h"
#include "quota/quota_steward.h"

namespace gong::api {

// All of it outlives the calls.
struct ServiceParts {
  quota::QuotaSteward* steward;
  CallObserver* observer;
  // May be null: no caller tokens, and every caller is an unnamed writer.
  auth::CallerTokens* callers;
  absl::Duration default_timeout;
  // The time the steward keeps too: a call's start, and its Gong request's
  // deadline when the caller set none.
  base::Clock* clock;
  // Writes' idempotency keys; may be null: a write carrying a key is then
  // refused IDEMPOTENCY_STORE_UNAVAILABLE.
  idempotency::IdempotencyKeys* keys = nullptr;
  // How long after a write's answer was lost its call waits before it reads
  // Gong's state to settle it; zero: it does not (a retry with the key
  // still settles).
  absl::Duration settle_delay = absl::ZeroDuration();
};

}  // namespace gong::api
