// The load generator's gRPC target made and destroyed many times in one
// process, as facade_bench does between scenarios, against the trivial
// server in a child process (so that the target's channel is the only user
// of gRPC's callback queue in this process). Calls finish on gRPC's callback
// threads, and a call's ClientContext holds a reference to its channel. When
// a callback thread dropped the channel's last reference, gRPC 1.51 shut
// down and freed the callback queue that very thread polls, and the thread
// crashed in it (SIGSEGV in nexting_thread): in facade_bench_smoke now and
// then, here in most runs.
#include "load_generator.h"

#include <signal.h>

#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "subprocess.h"

namespace gong::bench {
namespace {

using ::gong::e2e::Subprocess;

// Enough rounds that, before the fix, nearly every run crashed (18 of 20
// runs beside two CPU-bound loops on a 2-core VM, 20 of 20 without them),
// yet a run takes a few seconds.
constexpr int kRounds = 1000;

TEST(LoadGeneratorTest, GrpcTargetsComeAndGoManyTimes) {
  Subprocess server({TRIVIAL_SERVER_BIN, "--listen=127.0.0.1:0"});
  const std::string marker = "listening on port ";
  ASSERT_TRUE(server.WaitForOutput(marker, absl::Seconds(30))) << server.Stderr();
  const std::string out = server.Stdout();
  const size_t at = out.find(marker) + marker.size();
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(out.substr(at, out.find('\n', at) - at), &port)) << out;

  LoadOptions options;
  options.in_flight = 8;
  options.warmup = absl::ZeroDuration();
  options.measured = absl::Milliseconds(5);
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    std::unique_ptr<CallTarget> target = GrpcTarget(absl::StrCat("127.0.0.1:", port));
    const LoadResult result = RunClosedLoop(*target, options);
    ASSERT_GE(result.all_calls, options.in_flight);
    for (const auto& [outcome, count] : result.outcomes) {
      EXPECT_EQ(outcome, "OK") << count << " calls";
    }
  }
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(absl::Seconds(30)), 0);
}

}  // namespace
}  // namespace gong::bench
