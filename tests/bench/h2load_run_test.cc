// Reading h2load's summary, as nghttp2 1.52 (Debian 12) prints it, and the
// gRPC frame it sends.
#include "h2load_run.h"

#include "gtest/gtest.h"

namespace gong::bench {
namespace {

constexpr char kSummary[] = R"(starting benchmark...
spawning thread #0: 1 total client(s). Timing-based test with 0s of warm-up time and 6s of main duration for measurements.
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 6.00s, 3396.17 req/s, 222.27KB/s
requests: 20377 total, 20378 started, 20377 done, 20370 succeeded, 7 failed, 0 errored, 0 timeout
status codes: 20370 2xx, 0 3xx, 0 4xx, 7 5xx
traffic: 1.30MB (1365615) total, 198.00KB (202752) headers (space savings 94.77%), 219.10KB (224360) data
                     min         max         mean         sd        +/- sd
time for request:      167us      3.74ms       288us        78us    95.36%
time for connect:       55us        55us        55us         0us   100.00%
time to 1st byte:     1.20ms      1.20ms      1.20ms         0us   100.00%
req/s           :    3396.10     3396.10     3396.10        0.00   100.00%
)";

TEST(H2loadOutputTest, ReadsRequestsRateAndRequestTimes) {
  const std::optional<H2loadResult> r = ParseH2loadOutput(kSummary);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->done, 20377);
  EXPECT_EQ(r->succeeded, 20370);
  EXPECT_DOUBLE_EQ(r->requests_per_second, 3396.17);
  EXPECT_EQ(r->min, absl::Microseconds(167));
  EXPECT_EQ(r->max, absl::Microseconds(3740));
  EXPECT_EQ(r->mean, absl::Microseconds(288));
}

TEST(H2loadOutputTest, ReadsSecondsAsWell) {
  std::string text = kSummary;
  text.replace(text.find("3.74ms"), 6, "1.25s");
  EXPECT_EQ(ParseH2loadOutput(text)->max, absl::Milliseconds(1250));
}

TEST(H2loadOutputTest, WithoutASummaryThereIsNoResult) {
  EXPECT_FALSE(ParseH2loadOutput("").has_value());
  EXPECT_FALSE(ParseH2loadOutput("finished in 6.00s, 3396.17 req/s, 222.27KB/s\n"));
  std::string no_times = kSummary;
  no_times.erase(no_times.find("time for request"));
  EXPECT_FALSE(ParseH2loadOutput(no_times).has_value());
}

TEST(H2loadOutputTest, GrpcFrameIsUncompressedWithBigEndianLength) {
  const std::string frame = GrpcFrame(std::string(300, 'x'));
  ASSERT_EQ(frame.size(), 305u);
  EXPECT_EQ(frame.substr(0, 5), std::string("\0\0\0\x01\x2c", 5));
  EXPECT_EQ(frame.substr(5), std::string(300, 'x'));
}

}  // namespace
}  // namespace gong::bench
