#include "quota/sliding_window.h"

#include <algorithm>

namespace gong {

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
    slot = std::max(slot, recent_[place - missing] +
                              window_ * static_cast<int64_t>(round + 1));
  }
  return slot;
}

void SlidingWindow::Record(absl::Time when) {
  if (unlimited()) return;
  recent_.push_back(when);
  if (recent_.size() > max_sends_) recent_.pop_front();
}

}  // namespace gong
