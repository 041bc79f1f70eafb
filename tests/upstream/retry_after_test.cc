// Unit tests for ParseRetryAfter (server/upstream/retry_after.h).
#include "upstream/retry_after.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace gong::upstream {
namespace {

// Retry-After in every form an upstream (or a proxy, or a bug) may send;
// the quota caps what comes out (--max_gong_pause), so values only need to
// be read faithfully, without overflow.
TEST(ParseRetryAfterTest, ReadsEveryFormWithoutOverflow) {
  const absl::Time now = absl::FromUnixSeconds(1'445'412'420);  // 2015-10-21 07:27:00
  struct Case {
    const char* value;
    std::optional<absl::Duration> expected;
  };
  const Case cases[] = {
      {"7", absl::Seconds(7)},
      {" 7 ", absl::Seconds(7)},
      {"0", absl::ZeroDuration()},
      {"1000000000000", absl::Seconds(1'000'000'000'000)},
      {"9223372036854775807", absl::Seconds(INT64_MAX)},
      {"99999999999999999999999999", absl::InfiniteDuration()},
      {"1.5", absl::Milliseconds(1500)},
      {"1e400", std::nullopt},
      {"-3", std::nullopt},
      {"-9223372036854775808", std::nullopt},
      {"Wed, 21 Oct 2015 07:28:00 GMT", absl::Seconds(60)},
      {"Wed, 21 Oct 2015 07:00:00 GMT", absl::ZeroDuration()},
      {"Fri, 31 Dec 9999 23:59:59 GMT", absl::Seconds(253'402'300'799 - 1'445'412'420)},
      {"Wed, 21 Oct 2015 07:28:00 PST", std::nullopt},
      {"soon", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    EXPECT_EQ(ParseRetryAfter(c.value, now), c.expected);
  }
}

// absl::ParseTime reads these words under any format, and stops at a NUL;
// as a Retry-After they are unreadable (so a 429 waits Gong's one second),
// not "forever" (which the quota would have capped at --max_gong_pause),
// "now", or the date before the NUL.
TEST(ParseRetryAfterTest, AbseilsInfiniteTimeWordsAndNulsAreNoDates) {
  const absl::Time now = absl::FromUnixSeconds(1'445'412'420);
  EXPECT_EQ(ParseRetryAfter("infinite-future", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(" infinite-past ", now), std::nullopt);
  const std::string nul_inside("Wed, 21 Oct 2015 07:28:00 GMT\0junk", 34);
  EXPECT_EQ(ParseRetryAfter(nul_inside, now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(nul_inside.substr(0, 29), now), absl::Seconds(60));
}

}  // namespace
}  // namespace gong::upstream
