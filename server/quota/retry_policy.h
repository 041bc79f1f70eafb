// Which failed Gong requests may be sent again, and how long to wait first.
//
// Only answers that prove Gong did not act are retried: a 429 (the quota
// refused it), a 503 (Gong refused it), a connection that was never made,
// and a request Gong refused unprocessed (an HTTP/2 stream it refused). A
// 500, 502 or 504, a timeout, or a connection dropped after the request went
// out may have removed prospects already; a second attempt would then
// report those ids as "still assigned", which is wrong.
#pragma once

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/time/time.h"
#include "gong/unassign_types.h"

namespace gong {

bool IsRetriable(const GongError& error);

// A refusal of the request as a whole, by which Gong acted on none of it
// (400, 404, 409, 422): a coalesced request so refused may be sent again in
// parts, to find whose ids Gong refuses.
bool RefusedWithoutActing(const GongError& error);

// Gong's 400 for a request none of whose ids exist ("does not exist"):
// true of every part of it too, so it needs no resend to be each caller's
// own answer.
bool NoneOfTheIdsExist(const GongError& error);

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

}  // namespace gong
