#include "redis/reconnect_backoff.h"

#include <algorithm>
#include <cstdint>

namespace gong::redis::internal {

ReconnectBackoff::ReconnectBackoff(absl::Duration initial, absl::Duration max)
    : initial_(std::max(initial, absl::Milliseconds(1))),
      max_(std::max(max, initial_)),
      step_(initial_),
      random_(std::random_device{}()) {}

absl::Duration ReconnectBackoff::Next() {
  const int64_t step_us = absl::ToInt64Microseconds(step_);
  std::uniform_int_distribution<int64_t> draw(step_us / 2, step_us);
  const absl::Duration wait = absl::Microseconds(draw(random_));
  step_ = std::min(step_ * 2, max_);
  return wait;
}

void ReconnectBackoff::Reset() { step_ = initial_; }

}  // namespace gong::redis::internal
