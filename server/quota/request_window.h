// Where the quota's rate limit lives: slots for Gong requests. The steward
// asks it when a request may go and records each send; the window alone
// knows how sends are counted. The local one is sliding_window.h; one shared
// by every replica can replace it without touching the queue.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"

namespace gong {

class RequestWindow {
 public:
  virtual ~RequestWindow() = default;

  // The earliest time at or after `now` when the k-th send from now
  // (k = 0: the next one) may go, if every earlier one goes as soon as it
  // may. Used both to send and to tell a waiting call when its turn comes.
  virtual absl::Time SlotTime(absl::Time now, size_t k) const = 0;

  // Takes a slot: records a send at `when`; returns a ticket for Delay().
  virtual uint64_t Record(absl::Time when) = 0;

  // Moves the send `ticket` to `later` if that is later: for a request
  // known to have reached Gong later than it was sent.
  virtual void Delay(uint64_t ticket, absl::Time later) = 0;
};

}  // namespace gong
