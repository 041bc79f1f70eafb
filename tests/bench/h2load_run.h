// h2load (Debian's nghttp2-client) as a load generator for the gRPC
// servers: the cheapest one there is, so that the least of the machine's
// cores goes to the load and the servers' figures do not depend on how
// heavy our own generator is. h2load speaks HTTP/2, not gRPC: it sends one
// fixed gRPC-framed request on every stream and counts HTTP statuses (a
// failed gRPC call is still HTTP 200), so the gRPC codes come from the
// server's own /metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::bench {

struct H2loadResult {
  int64_t done = 0;       // requests that got an answer
  int64_t succeeded = 0;  // HTTP 2xx
  double requests_per_second = 0;
  absl::Duration min, mean, max;  // "time for request"
};

// What h2load printed, read; nullopt when the summary is not there.
std::optional<H2loadResult> ParseH2loadOutput(absl::string_view text);

// A gRPC message as it goes on the wire: uncompressed flag, length, bytes.
std::string GrpcFrame(absl::string_view serialized_message);

// Runs `h2load_bin` for `duration` against http://<address><path> with
// `streams` streams in flight on one connection (as one gRPC channel),
// POSTing the contents of `body_file` with gRPC's headers. Blocks until
// h2load exits; nullopt (and the reason on stderr) if it failed.
std::optional<H2loadResult> RunH2load(const std::string& h2load_bin,
                                      const std::string& address, const std::string& path,
                                      const std::string& body_file, int streams,
                                      absl::Duration duration);

}  // namespace gong::bench
