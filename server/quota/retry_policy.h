// Which failed Gong requests may be sent again, and how long to wait first.
//
// A write (Idempotency::kNotIdempotent) is retried only where Gong surely
// did not act: a 429 (the quota refused it), a 503 (Gong refused it), a
// connection that was never made, and a request Gong refused unprocessed (an
// HTTP/2 stream it refused). A 500, 502 or 504, a timeout, or a connection
// dropped after the request went out may have removed prospects already; a
// second attempt would then report those ids as "still assigned", which is
// wrong. A read may also be retried after those: sending it twice does no
// harm.
//
// DecideOnAnswer puts these rules together with the split of refused merged
// requests: what the steward does with a batch once Gong's outcome for it
// is in, decided apart from the steward's bookkeeping so that every branch
// is tested on its own.
#pragma once

#include <cstddef>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/time/time.h"
#include "quota/coalescing.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_error.h"
#include "upstream/gong_request.h"

namespace gong::quota {

bool IsRetriable(const upstream::GongError& error, upstream::Idempotency idempotency);

// A refusal of the request as a whole, by which Gong acted on none of it
// (400, 404, 409, 422): a merged request so refused may be sent again in
// parts, to find whose part Gong refuses.
bool RefusedWithoutActing(const upstream::GongError& error);

// What the steward knows of a batch (the callers sharing one Gong request)
// when Gong's outcome for it arrives.
struct BatchFacts {
  size_t callers = 0;  // still waiting for the outcome
  upstream::Idempotency idempotency = upstream::Idempotency::kNotIdempotent;
  int attempts = 0;  // Gong requests made for it so far, this one included
  // Whether one of them was the resend after a 401 to credentials replaced
  // since (which counts in no max_attempts: Gong did no work for it).
  bool resent_for_credentials = false;
  // The coalescing policy of its callers' parts; null when they have none
  // (and then the batch holds one caller only).
  const CoalescingPolicy* policy = nullptr;
  // Callers left while this request was with Gong: it held ids of theirs,
  // so a refusal of it may be theirs alone, even with one caller left.
  bool left_while_sent = false;
};

enum class AnswerAction {
  kComplete,  // every caller left gets the outcome (or its share of it)
  kRetry,     // Gong did not act: the same batch is sent again, first in line
  kSplit,     // one caller's part may have made Gong refuse them all
  // Gong refused credentials that have been replaced since it was sent:
  // the same batch again, first in line, with no pause (nothing is wrong
  // with Gong or the quota).
  kResend,
};

// What to do with `batch` once Gong's `outcome` for it is in. A 401 to
// credentials replaced since the request was sent is resent once per batch
// while a caller waits, whatever `max_attempts` (Gong refuses credentials
// before any work, so it acted on none of it); a second 401 completes. A
// failure is retried while a caller waits for it, IsRetriable says so and
// attempts are left (of `max_attempts`); a merged request Gong refused
// without acting is split unless its policy says the refusal is every
// part's; all else completes.
AnswerAction DecideOnAnswer(const upstream::GongOutcome& outcome, const BatchFacts& batch,
                            int max_attempts);

// Exponential backoff with jitter: attempt n (1 = the first retry) waits a
// uniformly random time in [d/2, d], d = min(initial * 2^(n-1), maximum).
class ExponentialBackoff {
 public:
  ExponentialBackoff(absl::Duration initial, absl::Duration maximum)
      : initial_(initial), maximum_(maximum) {}

  absl::Duration Delay(int attempt, absl::BitGenRef random) const;

 private:
  absl::Duration initial_;
  absl::Duration maximum_;
};

}  // namespace gong::quota
