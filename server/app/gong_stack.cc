#include "app/gong_stack.h"

#include "http/curl_transport.h"
#include "observability/metered_gong_client.h"

namespace gong {

absl::StatusOr<std::unique_ptr<GongStack>> GongStack::Create(
    const FacadeConfig& config, GongCredentials credentials, Metrics* metrics) {
  http::CurlTransportOptions options;
  options.ca_file = config.gong_ca_file;
  options.connect_timeout = config.gong_connect_timeout;
  // The dispatcher never has more requests in flight, so more connections
  // would only ever sit idle.
  options.max_connections = config.quota.max_in_flight;
  options.idle_connection_timeout = config.gong_idle_connection_timeout;
  absl::StatusOr<std::unique_ptr<http::CurlTransport>> transport =
      http::CurlTransport::Create(std::move(options));
  if (!transport.ok()) return transport.status();
  std::unique_ptr<GongStack> stack(new GongStack());
  stack->transport_ = *std::move(transport);
  stack->rest_ = std::make_unique<RestGongClient>(
      config.gong_base_url, std::move(credentials), stack->transport_.get());
  GongClient* upstream = stack->rest_.get();
  if (metrics != nullptr) {
    stack->metered_ = std::make_unique<MeteredGongClient>(upstream, metrics);
    upstream = stack->metered_.get();
  }
  stack->clock_ = MakeRealClock();
  QuotaOptions quota = config.quota;
  quota.warm_connection_age = config.gong_idle_connection_timeout;
  stack->dispatcher_ =
      std::make_unique<QuotaDispatcher>(upstream, stack->clock_.get(), quota);
  if (metrics != nullptr) {
    metrics->WatchQuota([dispatcher = stack->dispatcher_.get()] {
      return dispatcher->GetStats();
    });
  }
  return stack;
}

GongStack::~GongStack() {
  // The transport first: it answers its unfinished requests (as cancelled)
  // into the dispatcher, which must still be there. Then the clock, whose
  // thread may hold a wake-up for the dispatcher. Then the rest.
  transport_.reset();
  clock_.reset();
  dispatcher_.reset();
}

}  // namespace gong
