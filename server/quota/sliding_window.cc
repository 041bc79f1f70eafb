#include "quota/sliding_window.h"

#include <algorithm>

namespace gong::quota {

SlidingWindow::SlidingWindow(int max_sends, absl::Duration window)
    : max_sends_(max_sends > 0 ? max_sends : 0), window_(window) {}

absl::Time SlidingWindow::SlotTime(absl::Time now, size_t k) const {
  if (unlimited()) return now;
  // Send k waits for the send max_sends_ places before it to leave the
  // window. Those are recorded sends for the first rounds, then future ones
  // spaced one window apart: round r = k / N, place j = k % N.
  const size_t round = k / max_sends_;
  const size_t place = k % max_sends_;
  absl::Time slot = now + window_ * static_cast<int64_t>(round);
  // recent_ holds the last N sends; a missing one (fewer than N so far) is
  // no constraint.
  const size_t missing = max_sends_ - recent_.size();
  if (place >= missing) {
    slot = std::max(
        slot, recent_[place - missing].when + window_ * static_cast<int64_t>(round + 1));
  }
  return slot;
}

uint64_t SlidingWindow::Record(absl::Time when) {
  const uint64_t ticket = next_ticket_++;
  if (unlimited()) return ticket;
  recent_.push_back({ticket, when});
  if (recent_.size() > max_sends_) recent_.pop_front();
  return ticket;
}

void SlidingWindow::Delay(uint64_t ticket, absl::Time later) {
  for (Send& send : recent_) {
    if (send.ticket == ticket) send.when = std::max(send.when, later);
  }
  // Keep earliest first, which SlotTime relies on (N is small).
  std::sort(recent_.begin(), recent_.end(),
            [](const Send& a, const Send& b) { return a.when < b.when; });
}

}  // namespace gong::quota
