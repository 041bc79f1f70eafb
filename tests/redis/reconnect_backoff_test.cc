// The wait between connection attempts: doubling with jitter up to the cap,
// and back to the start after a success.
#include "redis/reconnect_backoff.h"

#include <set>

#include "gtest/gtest.h"

namespace gong::redis::internal {
namespace {

TEST(ReconnectBackoffTest, DoublesWithJitterUpToTheCap) {
  ReconnectBackoff backoff(absl::Milliseconds(100), absl::Milliseconds(1000));
  const absl::Duration steps[] = {absl::Milliseconds(100),  absl::Milliseconds(200),
                                  absl::Milliseconds(400),  absl::Milliseconds(800),
                                  absl::Milliseconds(1000), absl::Milliseconds(1000)};
  for (absl::Duration step : steps) {
    const absl::Duration wait = backoff.Next();
    EXPECT_GE(wait, step / 2) << step;
    EXPECT_LE(wait, step) << step;
  }
}

TEST(ReconnectBackoffTest, ResetStartsAgainFromTheInitialDelay) {
  ReconnectBackoff backoff(absl::Milliseconds(100), absl::Seconds(5));
  for (int i = 0; i < 10; ++i) backoff.Next();
  EXPECT_GT(backoff.Next(), absl::Seconds(2));  // at the cap by now
  backoff.Reset();
  EXPECT_LE(backoff.Next(), absl::Milliseconds(100));
}

TEST(ReconnectBackoffTest, WaitsAreJittered) {
  // Facades that lost the same Redis must not all come back at once.
  std::set<absl::Duration> waits;
  for (int i = 0; i < 20; ++i) {
    ReconnectBackoff backoff(absl::Seconds(1), absl::Seconds(1));
    waits.insert(backoff.Next());
  }
  EXPECT_GT(waits.size(), 10u);
}

TEST(ReconnectBackoffTest, KeepsDelaysSane) {
  ReconnectBackoff zero(absl::ZeroDuration(), absl::ZeroDuration());
  EXPECT_GE(zero.Next(), absl::Microseconds(500));  // never a busy loop
  ReconnectBackoff inverted(absl::Seconds(2), absl::Seconds(1));
  EXPECT_GE(inverted.Next(), absl::Seconds(1));  // the cap is raised to the start
}

}  // namespace
}  // namespace gong::redis::internal
