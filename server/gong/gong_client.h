// The Gong client: turns an UnassignRequest into Gong's REST call and
// Gong's answer (or its absence) into an UnassignOutcome. It knows Gong's
// path, JSON shapes and auth header; it knows nothing of gRPC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "gong/credentials.h"
#include "gong/unassign_types.h"
#include "http/http_transport.h"

namespace gong {

inline constexpr absl::string_view kUnassignPath =
    "/v2/flows/prospects/unassign-flows-by-instance-id";

// The interface the gRPC face calls; the rate limiter and coalescer wrap
// it, and tests fake it.
class GongClient {
 public:
  using CallId = uint64_t;
  // Runs exactly once, on some internal thread: keep it short.
  using Callback = absl::AnyInvocable<void(UnassignOutcome) &&>;

  virtual ~GongClient() = default;

  // Starts the call; never blocks on Gong. The call fails with a timeout
  // transport error at `deadline`. `done` may run before this returns when
  // the call is refused at once (the quota dispatcher does so), but never
  // while this call holds a lock of its own; RestGongClient never runs it
  // inside this call at all, which the dispatcher relies on.
  virtual CallId Unassign(UnassignRequest request, absl::Time deadline,
                          Callback done) = 0;

  // Aborts call `id`: its callback gets a kCancelled transport error unless
  // it already ran. Safe from any thread, also after the call finished.
  virtual void Cancel(CallId id) = 0;
};

// GongClient over Gong's REST API.
class RestGongClient final : public GongClient {
 public:
  // `base_url` such as "https://api.gong.io" (no trailing path);
  // `transport` must outlive this client.
  RestGongClient(std::string base_url, GongCredentials credentials,
                 http::HttpTransport* transport);

  CallId Unassign(UnassignRequest request, absl::Time deadline,
                  Callback done) override;
  void Cancel(CallId id) override;

 private:
  const std::string url_;
  const GongCredentials credentials_;
  http::HttpTransport* const transport_;
};

// The endpoint's URL under `base_url`, and the HTTP request RestGongClient
// sends to it (exposed so the benchmark's upstream baseline sends exactly
// the same).
std::string UnassignUrl(absl::string_view base_url);
http::HttpRequest UnassignHttpRequest(std::string url, const GongCredentials& credentials,
                                      const UnassignRequest& request, absl::Time deadline);

// Gong's answer to one unassign request as an outcome (exposed for tests).
UnassignOutcome InterpretUnassignAnswer(const http::HttpResult& result);

// A Retry-After value as a wait from `now`: delay-seconds (a fraction taken
// as written) or an HTTP-date (one past is zero). A number too large for a
// Duration is InfiniteDuration: the quota caps every wait. Negative,
// non-finite or unreadable values are nullopt.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace gong
