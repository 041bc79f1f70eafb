// The limiter's arithmetic: when the k-th next send may go under a sliding
// window, and the per-UTC-day request count.
#include "quota/sliding_window.h"

#include "gtest/gtest.h"
#include "quota/daily_counter.h"

namespace gong::quota {
namespace {

using internal::DailyRequestCounter;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);
const absl::Duration kW = absl::Seconds(1);

TEST(SlidingWindowTest, AnEmptyWindowLetsNSendsGoNow) {
  SlidingWindow window(3, kW);
  EXPECT_EQ(window.SlotTime(kT0, 0), kT0);
  EXPECT_EQ(window.SlotTime(kT0, 2), kT0);
  EXPECT_EQ(window.SlotTime(kT0, 3), kT0 + kW);
  EXPECT_EQ(window.SlotTime(kT0, 7), kT0 + 2 * kW);
}

TEST(SlidingWindowTest, EachSendFreesItsPlaceOneWindowLater) {
  SlidingWindow window(3, kW);
  window.Record(kT0);
  window.Record(kT0 + absl::Milliseconds(100));
  const absl::Time now = kT0 + absl::Milliseconds(200);
  EXPECT_EQ(window.SlotTime(now, 0), now);  // one place still free
  window.Record(now);
  EXPECT_EQ(window.SlotTime(now, 0), kT0 + kW);
  EXPECT_EQ(window.SlotTime(now, 1), kT0 + absl::Milliseconds(100) + kW);
  EXPECT_EQ(window.SlotTime(now, 2), now + kW);
  EXPECT_EQ(window.SlotTime(now, 3), kT0 + 2 * kW);
  // Long after, the past no longer matters.
  EXPECT_EQ(window.SlotTime(kT0 + 10 * kW, 0), kT0 + 10 * kW);
}

TEST(SlidingWindowTest, FewerSendsThanTheLimitLeaveFreePlaces) {
  SlidingWindow window(3, kW);
  window.Record(kT0);
  EXPECT_EQ(window.SlotTime(kT0, 0), kT0);
  EXPECT_EQ(window.SlotTime(kT0, 1), kT0);
  EXPECT_EQ(window.SlotTime(kT0, 2), kT0 + kW);  // waits for the recorded one
}

TEST(SlidingWindowTest, ADelayedSendHoldsItsPlaceLonger) {
  SlidingWindow window(2, kW);
  const uint64_t first = window.Record(kT0);
  window.Record(kT0 + absl::Milliseconds(10));
  EXPECT_EQ(window.SlotTime(kT0, 0), kT0 + kW);
  // The first request reached Gong 100 ms late: its place frees later, and
  // the second's, now the earlier, frees first.
  window.Delay(first, kT0 + absl::Milliseconds(100));
  EXPECT_EQ(window.SlotTime(kT0, 0), kT0 + absl::Milliseconds(10) + kW);
  EXPECT_EQ(window.SlotTime(kT0, 1), kT0 + absl::Milliseconds(100) + kW);
  window.Delay(first, kT0);  // never earlier
  EXPECT_EQ(window.SlotTime(kT0, 1), kT0 + absl::Milliseconds(100) + kW);
}

TEST(SlidingWindowTest, ZeroIsNoLimit) {
  SlidingWindow window(0, kW);
  for (int i = 0; i < 10; ++i) window.Record(kT0);
  EXPECT_TRUE(window.unlimited());
  EXPECT_EQ(window.SlotTime(kT0, 1000), kT0);
}

TEST(DailyRequestCounterTest, RestartsAtUtcMidnight) {
  DailyRequestCounter counter;
  const absl::Time before_midnight =
      absl::FromCivil(absl::CivilSecond(2026, 11, 28, 23, 59, 59), absl::UTCTimeZone());
  EXPECT_EQ(counter.Today(before_midnight), 0);
  EXPECT_EQ(counter.Count(before_midnight), 1);
  EXPECT_EQ(counter.Count(before_midnight), 2);
  EXPECT_EQ(counter.Today(before_midnight), 2);
  const absl::Time after_midnight = before_midnight + absl::Seconds(1);
  EXPECT_EQ(counter.Today(after_midnight), 0);
  EXPECT_EQ(counter.Count(after_midnight), 1);
}

}  // namespace
}  // namespace gong::quota
