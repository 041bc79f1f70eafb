// Unit tests for Gong's dates (server/upstream/gong_time.h): the exact instant
// each ISO-8601 timestamp names, the offset applied and the fraction kept;
// texts that name no instant refused; and the RFC 3339 form written back.
#include "upstream/gong_time.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace gong::upstream {
namespace {

// 2024-03-05T18:20:30Z, the instant most cases below name.
const absl::Time kInstant = absl::FromUnixSeconds(1709662830);

struct ParseCase {
  const char* text;
  absl::Time want;
};

TEST(ParseGongTimeTest, AppliesTheOffsetAndKeepsTheFraction) {
  const ParseCase cases[] = {
      {"2024-03-05T18:20:30Z", kInstant},
      {"2024-03-05T18:20:30z", kInstant},
      {"2024-03-05T18:20:30+00:00", kInstant},
      {"2024-03-05T10:20:30-08:00", kInstant},
      {"2024-03-05T23:50:30+05:30", kInstant},
      // The offset moves the date too.
      {"2024-03-06T03:20:30+09:00", kInstant},
      {"2024-03-05T10:20:30.123-08:00", kInstant + absl::Milliseconds(123)},
      {"2024-03-05T18:20:30.5Z", kInstant + absl::Milliseconds(500)},
      {"2024-03-05T18:20:30.000000001Z", kInstant + absl::Nanoseconds(1)},
      {"2024-03-05T23:50:30.987654321+05:30", kInstant + absl::Nanoseconds(987654321)},
      {"1970-01-01T00:00:00Z", absl::UnixEpoch()},
      {"1969-12-31T23:59:59.75Z", absl::UnixEpoch() - absl::Milliseconds(250)},
  };
  for (const ParseCase& c : cases) {
    SCOPED_TRACE(c.text);
    const std::optional<absl::Time> time = ParseGongTime(c.text);
    ASSERT_TRUE(time.has_value());
    EXPECT_EQ(*time, c.want) << FormatGongTime(*time);
  }
}

TEST(ParseGongTimeTest, RefusesTextsThatNameNoInstant) {
  for (const char* text : {
           "",
           "yesterday",
           // No offset: which instant it names depends on a zone Gong did not say.
           "2024-03-05T10:20:30",
           "2024-03-05T10:20:30.123",
           "2024-03-05",
           "10:20:30Z",
           "2024-13-05T10:20:30Z",  // month 13
           "2024-02-30T10:20:30Z",  // no such day
           "2024-03-05T25:20:30Z",
           "2024-03-05T10:20:30+25:00",
           "2024-03-05T10:20:30Z trailing",
           "1709662830",
           // absl::ParseTime's own words for the infinite instants.
           "infinite-future",
           "infinite-past",
       }) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(ParseGongTime(text).has_value());
  }
}

TEST(FormatGongTimeTest, WritesUtcWithAZAndOnlyTheFractionNeeded) {
  EXPECT_EQ(FormatGongTime(kInstant), "2024-03-05T18:20:30Z");
  EXPECT_EQ(FormatGongTime(kInstant + absl::Milliseconds(123)),
            "2024-03-05T18:20:30.123Z");
  EXPECT_EQ(FormatGongTime(kInstant + absl::Nanoseconds(1)),
            "2024-03-05T18:20:30.000000001Z");
  EXPECT_EQ(FormatGongTime(absl::UnixEpoch()), "1970-01-01T00:00:00Z");
}

TEST(FormatGongTimeTest, InfiniteInstantsAreNotDates) {
  EXPECT_EQ(FormatGongTime(absl::InfiniteFuture()), "infinite-future");
  EXPECT_EQ(FormatGongTime(absl::InfinitePast()), "infinite-past");
}

TEST(GongTimeTest, FormattedTimesParseBackToTheSameInstant) {
  for (const absl::Time time :
       {kInstant, kInstant + absl::Milliseconds(123), kInstant + absl::Nanoseconds(7),
        absl::UnixEpoch() - absl::Milliseconds(250)}) {
    SCOPED_TRACE(FormatGongTime(time));
    EXPECT_EQ(ParseGongTime(FormatGongTime(time)), time);
  }
  // An offset read in is written back in UTC.
  EXPECT_EQ(FormatGongTime(*ParseGongTime("2024-03-05T10:20:30.123-08:00")),
            "2024-03-05T18:20:30.123Z");
}

}  // namespace
}  // namespace gong::upstream
