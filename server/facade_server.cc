#include "facade_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "gong_stack.h"

namespace gong {

absl::StatusOr<std::unique_ptr<FacadeServer>> FacadeServer::Start(
    const FacadeConfig& config, GongCredentials credentials) {
  absl::StatusOr<std::unique_ptr<GongStack>> gong =
      GongStack::Create(config, std::move(credentials));
  if (!gong.ok()) return gong.status();
  return StartWithClient(config, *std::move(gong));
}

absl::StatusOr<std::unique_ptr<FacadeServer>> FacadeServer::StartWithClient(
    const FacadeConfig& config, std::unique_ptr<GongClient> gong) {
  std::unique_ptr<FacadeServer> facade(new FacadeServer());
  facade->gong_ = std::move(gong);
  facade->service_ = std::make_unique<FlowServiceImpl>(facade->gong_.get(),
                                                       config.upstream_timeout);

  grpc::EnableDefaultHealthCheckService(true);
  // gRPC's built-in health service does not register its schema with
  // protobuf; touching our compiled copy links it in, so reflection can
  // describe grpc.health.v1.Health to grpcurl.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(),
                           &facade->port_);
  builder.RegisterService(facade->service_.get());
  facade->server_ = builder.BuildAndStart();
  if (facade->server_ == nullptr || facade->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen, " (--listen)"));
  }
  facade->server_->GetHealthCheckService()->SetServingStatus(kFlowServiceName,
                                                             true);
  return facade;
}

FacadeServer::~FacadeServer() { Shutdown(absl::ZeroDuration()); }

void FacadeServer::Shutdown(absl::Duration grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace gong
