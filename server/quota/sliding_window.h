// Gong's "N calls per second" as a sliding window: no interval of one
// window's length ever holds more than N sends. A token bucket with a burst
// would overshoot it at the window's edges, and Gong answers that with 429.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/time/time.h"
#include "quota/request_window.h"

namespace gong::quota {

class SlidingWindow final : public RequestWindow {
 public:
  // `max_sends` 0 means no limit. `window` should be Gong's second plus a
  // margin for network jitter between here and Gong's own clock.
  SlidingWindow(int max_sends, absl::Duration window);

  bool unlimited() const { return max_sends_ == 0; }

  absl::Time SlotTime(absl::Time now, size_t k) const override;
  uint64_t Record(absl::Time when) override;
  // No-op once the send has left the window.
  void Delay(uint64_t ticket, absl::Time later) override;

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

}  // namespace gong::quota
