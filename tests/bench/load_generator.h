// A closed-loop load generator: N calls in flight, each followed at once by
// the next, for a warm-up and then a measured period. It reports what a
// caller sees: calls per second, latency percentiles and outcomes by code.
//
// What a "call" is comes from a CallTarget, so the same loop drives the
// facade and the trivial server over gRPC (GrpcTarget) and the upstream
// over HTTP (HttpTarget): every baseline is measured by the same code.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace gong::bench {

class CallTarget {
 public:
  // Runs once per call, on any thread, with the outcome's name ("OK",
  // "UNAVAILABLE", "HTTP 200", ...). It may start the next call.
  using Done = absl::AnyInvocable<void(std::string outcome) &&>;
  virtual ~CallTarget() = default;
  // Starts call number `seq` without blocking; never runs `done` inside.
  virtual void Start(int64_t seq, Done done) = 0;
};

struct LoadOptions {
  int in_flight = 1;
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration measured = absl::Seconds(10);
  // Run (when set) on the caller's thread as the measured period begins and
  // as it ends, so that a server's counters can be read over exactly the
  // period whose calls are counted.
  std::function<void()> at_measure_start;
  std::function<void()> at_measure_end;
};

struct LoadResult {
  int64_t calls = 0;      // completed in the measured period
  int64_t all_calls = 0;  // completed at all, warm-up included
  double calls_per_second = 0;
  absl::Duration mean, p50, p90, p99, max;
  std::map<std::string, int64_t> outcomes;  // by name, measured period only
};

// Blocks for warm-up + measured time, then until the calls still in flight
// end. Only calls that end inside the measured period count.
LoadResult RunClosedLoop(CallTarget& target, const LoadOptions& options);

// FlowService.UnassignByInstanceIds with one id per call (distinct ids), on
// one channel to `address` (HOST:PORT), as a service's stub would call it.
std::unique_ptr<CallTarget> GrpcTarget(const std::string& address);

// The Gong request the facade would make for such a call, POSTed to
// `base_url` with the facade's own HTTP client (libcurl; expects
// curl_global_init to have run).
std::unique_ptr<CallTarget> HttpTarget(const std::string& base_url);

}  // namespace gong::bench
