// The Gong client: sends any GongRequest to Gong's REST API and reads the
// answer (gong_answer.h). It knows Gong's base URL, auth header and answer
// shapes; it knows nothing of gRPC, and nothing of any one endpoint (codecs
// do: unassign_by_instance_ids_codec.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "http/http_transport.h"
#include "upstream/credentials.h"
#include "upstream/credentials_source.h"
#include "upstream/gong_answer.h"
#include "upstream/gong_request.h"

namespace gong::upstream {

// The interface the quota steward sends through; the metering decorator
// wraps it, and tests fake it (tests/fakes/fake_gong_client.h).
class GongClient {
 public:
  using CallId = uint64_t;
  // Runs exactly once, on some internal thread: keep it short.
  using Callback = absl::AnyInvocable<void(GongOutcome) &&>;

  virtual ~GongClient() = default;

  // Starts the request; never blocks on Gong, and never runs `done` inside
  // this call (the steward relies on it). The request fails as timed out at
  // its deadline.
  virtual CallId Send(GongRequest request, Callback done) = 0;

  // Aborts call `id`: its callback gets a kCancelled error unless it
  // already ran. Safe from any thread, also after the call finished.
  virtual void Cancel(CallId id) = 0;
};

// GongClient over Gong's REST API and an HTTP transport, which it owns.
class RestGongClient final : public GongClient {
 public:
  // `base_url` such as "https://api.gong.io" (no trailing path). Each
  // request is sent with the credentials `credentials` has in force then.
  // On a 401 the client asks it to reload at once, and marks the error
  // `credentials_changed` when they are no longer those the request was
  // sent with; it never sends the request again itself (the steward does,
  // through the window).
  RestGongClient(std::string base_url, std::unique_ptr<CredentialsSource> credentials,
                 std::unique_ptr<http::HttpTransport> transport);
  // With fixed credentials (the environment's).
  RestGongClient(std::string base_url, GongCredentials credentials,
                 std::unique_ptr<http::HttpTransport> transport);
  // Destroys the transport, which first answers its unfinished requests
  // (as cancelled).
  ~RestGongClient() override = default;

  CallId Send(GongRequest request, Callback done) override;
  void Cancel(CallId id) override { transport_->Cancel(id); }

 private:
  const std::string base_url_;
  // Before the transport: the transport's callbacks use it until the
  // transport is gone.
  const std::unique_ptr<CredentialsSource> credentials_;
  const std::unique_ptr<http::HttpTransport> transport_;
};

// The HTTP request RestGongClient sends for `request` (exposed so the
// benchmark's upstream baseline sends exactly the same).
http::HttpRequest ToHttpRequest(absl::string_view base_url,
                                const GongCredentials& credentials, GongRequest request);

}  // namespace gong::upstream
