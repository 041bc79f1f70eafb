// Gong's "N calls per second" as a sliding window: no interval of one
// window's length ever holds more than N sends. A token bucket with a burst
// would overshoot it at the window's edges, and Gong answers that with 429.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/time/time.h"

namespace gong {

class SlidingWindow {
 public:
  // `max_sends` 0 means no limit. `window` should be Gong's second plus a
  // margin for network jitter between here and Gong's own clock.
  SlidingWindow(int max_sends, absl::Duration window);

  bool unlimited() const { return max_sends_ == 0; }

  // The earliest time at or after `now` when the k-th send from now
  // (k = 0: the next one) may go, if every earlier one goes as soon as it
  // may. Used both to send and to tell a waiting call when its turn comes.
  absl::Time SlotTime(absl::Time now, size_t k) const;

  // Records a send at `when`; returns a ticket for Delay().
  uint64_t Record(absl::Time when);

  // Moves the send `ticket` to `later` if that is later: for a request
  // known to have reached Gong later than it was sent. No-op once the send
  // has left the window.
  void Delay(uint64_t ticket, absl::Time later);

 private:
  struct Send {
    uint64_t ticket;
    absl::Time when;
  };
  const size_t max_sends_;
  const absl::Duration window_;
  uint64_t next_ticket_ = 0;
  std::deque<Send> recent_;  // the last max_sends_ sends, earliest first
};

}  // namespace gong
