// The running facade: the gRPC server with FlowService, health and
// reflection, over a Gong client. main and the end-to-end tests both run it
// through this class.
#pragma once

#include <grpcpp/server.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/flow_service.h"
#include "app/config.h"
#include "app/gong_stack.h"
#include "app/memory_trimmer.h"
#include "base/clock.h"
#include "observability/call_reporter.h"
#include "observability/metrics.h"
#include "quota/quota_steward.h"
#include "upstream/credentials.h"
#include "upstream/credentials_source.h"
#include "upstream/gong_client.h"

namespace gong::app {

class FacadeServer {
 public:
  // The production server: the REST client over libcurl, under the quota
  // steward (gong_stack.h), and the gRPC server.
  static absl::StatusOr<std::unique_ptr<FacadeServer>> Start(
      const FacadeConfig& config,
      std::unique_ptr<upstream::CredentialsSource> credentials);
  // With fixed credentials.
  static absl::StatusOr<std::unique_ptr<FacadeServer>> Start(
      const FacadeConfig& config, upstream::GongCredentials credentials);

  // The same over any Gong client (tests pass fakes): the quota steward
  // over `gong`, with `metrics` when not null.
  static absl::StatusOr<std::unique_ptr<FacadeServer>> StartWithClient(
      const FacadeConfig& config, std::unique_ptr<upstream::GongClient> gong,
      std::unique_ptr<observability::Metrics> metrics = nullptr);

  ~FacadeServer();  // Shutdown(0) if not done yet.

  int port() const { return port_; }
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

  // The first step of a drain: health reports NOT_SERVING, so load
  // balancers stop sending calls here, while calls are still served.
  void StopServingHealth();

  // Stops taking calls and reports NOT_SERVING, lets calls in flight finish
  // within `grace`, cancels what is left, and returns once all are done.
  void Shutdown(absl::Duration grace);

 private:
  FacadeServer() = default;

  // Destroyed bottom-up: the server, the service, the steward (which the
  // service calls), then the metrics (which the steward reports to).
  std::unique_ptr<observability::Metrics> metrics_;
  std::unique_ptr<quota::QuotaSteward> steward_;
  std::unique_ptr<base::Clock> clock_;  // the calls' deadlines, callers_' re-reads
  IdempotencyStack idempotency_;        // writes' keys, on clock_
  std::unique_ptr<auth::CallerTokens> callers_;  // with --caller_tokens_file
  std::unique_ptr<observability::CallReporter> reporter_;
  std::unique_ptr<api::FlowServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MemoryTrimmer> trimmer_;  // reads the steward: goes first
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace gong::app
