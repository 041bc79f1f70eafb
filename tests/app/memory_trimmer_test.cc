// Unit tests for MemoryTrimmer (server/app/memory_trimmer.h): it gives
// memory back once after a burst has gone, and never for a facade that was
// never busy, nor while calls are still held.
#include "app/memory_trimmer.h"

#include <atomic>
#include <functional>

#include "gtest/gtest.h"
#include "support/wait_until.h"

namespace gong::app {
namespace {

using support::WaitUntil;

constexpr absl::Duration kPeriod = absl::Milliseconds(5);

// The most calls held at once since the trimmer's previous read (what it
// reads), and how many times it has read them, so that a test can wait
// until it has seen a value (however slow the machine).
struct HeldCalls {
  std::atomic<size_t> calls{0};
  std::atomic<int> reads{0};

  std::function<size_t()> Reader() {
    return [this] {
      reads.fetch_add(1);
      return calls.load();
    };
  }
  // Sets the calls held and waits until the trimmer has read them.
  void Set(size_t n) {
    calls = n;
    const int before = reads.load();
    EXPECT_TRUE(WaitUntil([this, before] { return reads.load() >= before + 2; }));
  }
};

TEST(MemoryTrimmerTest, TrimsOnceWhenABurstHasGone) {
  HeldCalls held;
  MemoryTrimmer trimmer(held.Reader(), kPeriod, /*burst=*/100);
  held.Set(150);
  EXPECT_EQ(trimmer.trims(), 0) << "calls are still held";
  held.Set(0);
  EXPECT_TRUE(WaitUntil([&trimmer] { return trimmer.trims() == 1; }));
  held.Set(0);
  held.Set(0);
  EXPECT_EQ(trimmer.trims(), 1) << "idle after the trim: nothing more to give back";
}

TEST(MemoryTrimmerTest, EachBurstIsFollowedByItsOwnTrim) {
  HeldCalls held;
  MemoryTrimmer trimmer(held.Reader(), kPeriod, /*burst=*/100);
  held.Set(100);
  held.Set(0);
  ASSERT_TRUE(WaitUntil([&trimmer] { return trimmer.trims() == 1; }));
  held.Set(500);
  held.Set(0);
  EXPECT_TRUE(WaitUntil([&trimmer] { return trimmer.trims() == 2; }));
}

// The steward lets calls go a moment before gRPC frees their memory: only
// a period in which no call was held at all is quiet enough to trim.
TEST(MemoryTrimmerTest, TrimsOnlyAfterAPeriodWithNoCallHeld) {
  HeldCalls held;
  MemoryTrimmer trimmer(held.Reader(), kPeriod, /*burst=*/100);
  held.Set(150);
  held.Set(1);
  EXPECT_EQ(trimmer.trims(), 0) << "a call was still held in the period";
  held.Set(0);
  EXPECT_TRUE(WaitUntil([&trimmer] { return trimmer.trims() == 1; }));
}

TEST(MemoryTrimmerTest, AFacadeThatWasNeverBusyNeverTrims) {
  HeldCalls held;
  MemoryTrimmer trimmer(held.Reader(), kPeriod, /*burst=*/100);
  held.Set(99);
  held.Set(0);
  held.Set(0);
  EXPECT_EQ(trimmer.trims(), 0);
}

}  // namespace
}  // namespace gong::app
