#include "app/gong_stack.h"

#include <utility>

#include "base/clock.h"
#include "http/curl_transport.h"
#include "observability/metered_gong_client.h"

namespace gong {

absl::StatusOr<std::unique_ptr<GongClient>> MakeRestGongClient(
    const FacadeConfig& config, GongCredentials credentials) {
  http::CurlTransportOptions options;
  options.ca_file = config.gong_ca_file;
  options.connect_timeout = config.gong_connect_timeout;
  // The steward never has more requests in flight, so more connections
  // would only ever sit idle.
  options.max_connections = config.quota.max_in_flight;
  options.idle_connection_timeout = config.gong_idle_connection_timeout;
  absl::StatusOr<std::unique_ptr<http::CurlTransport>> transport =
      http::CurlTransport::Create(std::move(options));
  if (!transport.ok()) return transport.status();
  return std::make_unique<RestGongClient>(config.gong_base_url, std::move(credentials),
                                          *std::move(transport));
}

std::unique_ptr<QuotaSteward> MakeQuotaSteward(const FacadeConfig& config,
                                               std::unique_ptr<GongClient> gong,
                                               Metrics* metrics) {
  if (metrics != nullptr) {
    gong = std::make_unique<MeteredGongClient>(std::move(gong), metrics);
  }
  QuotaOptions quota = config.quota;
  quota.warm_connection_age = config.gong_idle_connection_timeout;
  auto steward = std::make_unique<QuotaSteward>(std::move(gong), MakeRealClock(), quota);
  if (metrics != nullptr) {
    metrics->WatchQuota([steward = steward.get()] { return steward->GetStats(); });
  }
  return steward;
}

}  // namespace gong
