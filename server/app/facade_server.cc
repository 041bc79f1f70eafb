#include "app/facade_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "app/gong_stack.h"
#include "auth/tls_credentials.h"
#include "grpc/health/v1/health.pb.h"

namespace gong::app {

absl::StatusOr<std::unique_ptr<FacadeServer>> FacadeServer::Start(
    const FacadeConfig& config, upstream::GongCredentials credentials) {
  return Start(config,
               std::make_unique<upstream::FixedCredentials>(std::move(credentials)));
}

absl::StatusOr<std::unique_ptr<FacadeServer>> FacadeServer::Start(
    const FacadeConfig& config,
    std::unique_ptr<upstream::CredentialsSource> credentials) {
  std::unique_ptr<observability::Metrics> metrics;
  if (!config.metrics_listen.empty()) {
    metrics = std::make_unique<observability::Metrics>();
    if (absl::Status serving = metrics->Serve(config.metrics_listen); !serving.ok()) {
      return serving;
    }
  }
  absl::StatusOr<std::unique_ptr<upstream::GongClient>> gong =
      MakeRestGongClient(config, std::move(credentials));
  if (!gong.ok()) return gong.status();
  return StartWithClient(config, *std::move(gong), std::move(metrics));
}

absl::StatusOr<std::unique_ptr<FacadeServer>> FacadeServer::StartWithClient(
    const FacadeConfig& config, std::unique_ptr<upstream::GongClient> gong,
    std::unique_ptr<observability::Metrics> metrics) {
  std::unique_ptr<FacadeServer> facade(new FacadeServer());
  facade->metrics_ = std::move(metrics);
  absl::StatusOr<std::unique_ptr<quota::QuotaSteward>> steward =
      MakeQuotaSteward(config, std::move(gong), facade->metrics_.get());
  if (!steward.ok()) return steward.status();
  facade->steward_ = *std::move(steward);
  facade->reporter_ =
      std::make_unique<observability::CallReporter>(facade->metrics_.get());
  facade->clock_ = base::MakeRealClock();
  if (!config.caller_tokens_file.empty()) {
    absl::StatusOr<std::unique_ptr<auth::CallerTokens>> callers =
        auth::CallerTokens::Load(config.caller_tokens_file, facade->clock_.get());
    if (!callers.ok()) return callers.status();
    facade->callers_ = *std::move(callers);
  }
  absl::StatusOr<IdempotencyStack> idempotency =
      MakeIdempotencyKeys(config, facade->clock_.get(), facade->metrics_.get());
  if (!idempotency.ok()) return idempotency.status();
  facade->idempotency_ = *std::move(idempotency);
  facade->service_ = std::make_unique<api::FlowServiceImpl>(
      facade->steward_.get(), facade->reporter_.get(), facade->callers_.get(),
      config.upstream_timeout, facade->clock_.get(), facade->idempotency_.keys.get(),
      config.settle_delay, config.bulk_poll_interval);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      auth::MakeServerCredentials(
          {config.tls_cert_file, config.tls_key_file, config.tls_client_ca_file});
  if (!credentials.ok()) return credentials.status();

  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's built-in health service does not register its schema with
  // protobuf; touching our compiled copy links it in, so reflection can
  // describe grpc.health.v1.Health to grpcurl.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, *credentials, &facade->port_);
  builder.RegisterService(facade->service_.get());
  // What one caller can make the listener hold: a request past the bound is
  // refused RESOURCE_EXHAUSTED by gRPC before it reaches validation; a
  // connection holds at most the cap of calls (SETTINGS_MAX_CONCURRENT_STREAMS;
  // gRPC closes one whose client opens more); and the quota bounds what gRPC
  // accounts to its transports' buffers.
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_request_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             config.max_concurrent_streams);
  grpc::ResourceQuota quota("gong-flows-listener");
  quota.Resize(config.max_grpc_memory_bytes);
  builder.SetResourceQuota(quota);
  // Envoy and Istio sidecars ping idle HTTP/2 connections; accept pings as
  // often as every 10 s rather than closing the connection on them.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  if (config.max_connection_age > absl::ZeroDuration()) {
    // Long-lived connections pin callers to one replica; ageing them out
    // lets a load balancer spread calls again after a scale-up.
    builder.AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_AGE_MS,
        static_cast<int>(absl::ToInt64Milliseconds(config.max_connection_age)));
    builder.AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
        static_cast<int>(absl::ToInt64Milliseconds(config.shutdown_grace)));
  }
  facade->server_ = builder.BuildAndStart();
  if (facade->server_ == nullptr || facade->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen, " (--listen)"));
  }
  facade->server_->GetHealthCheckService()->SetServingStatus(
      flows::v1::FlowService::service_full_name(), true);
  // A burst is a hundred calls held at once; a facade that never holds that
  // many has little to give back, and never trims.
  facade->trimmer_ = std::make_unique<MemoryTrimmer>(
      [steward = facade->steward_.get()] { return steward->TakeMostHeld(); },
      absl::Seconds(1), /*burst=*/100);
  return facade;
}

FacadeServer::~FacadeServer() {
  Shutdown(absl::ZeroDuration());
  // No scrape may read the quota once the steward goes (the members go in
  // reverse order of their declaration).
  if (metrics_ != nullptr) metrics_->StopServing();
}

void FacadeServer::StopServingHealth() {
  if (server_ != nullptr) server_->GetHealthCheckService()->SetServingStatus(false);
}

void FacadeServer::Shutdown(absl::Duration grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  StopServingHealth();
  // A watch lasts as long as its job: left open, every watch would hold the
  // shutdown up for the whole grace. Ended now, its caller watches again
  // on another replica.
  service_->EndWatches();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace gong::app
