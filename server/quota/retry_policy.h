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
#pragma once

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/time/time.h"
#include "upstream/gong_error.h"
#include "upstream/gong_request.h"

namespace gong::quota {

bool IsRetriable(const upstream::GongError& error, upstream::Idempotency idempotency);

// A refusal of the request as a whole, by which Gong acted on none of it
// (400, 404, 409, 422): a merged request so refused may be sent again in
// parts, to find whose part Gong refuses.
bool RefusedWithoutActing(const upstream::GongError& error);

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
