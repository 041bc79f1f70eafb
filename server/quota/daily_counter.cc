#include "quota/daily_counter.h"

namespace gong::quota::internal {

int64_t DailyRequestCounter::DayOf(absl::Time t) {
  return absl::ToUnixSeconds(t) / 86400 - (absl::ToUnixSeconds(t) % 86400 < 0);
}

int64_t DailyRequestCounter::Count(absl::Time now) {
  const int64_t day = DayOf(now);
  if (day != day_) {
    day_ = day;
    count_ = 0;
  }
  return ++count_;
}

int64_t DailyRequestCounter::Today(absl::Time now) const {
  return DayOf(now) == day_ ? count_ : 0;
}

}  // namespace gong::quota::internal
