// The production Gong client, assembled: the libcurl transport, the REST
// client over it, and the quota dispatcher in front, owned together so
// they are torn down in an order in which no callback outlives its target.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "app/config.h"
#include "gong/credentials.h"
#include "gong/gong_client.h"
#include "http/http_transport.h"
#include "observability/metrics.h"
#include "base/clock.h"
#include "quota/quota_dispatcher.h"

namespace gong {

class GongStack final : public GongClient {
 public:
  // `metrics` (may be null) must outlive the stack; it is told of every
  // Gong request and reads the quota's numbers at each scrape.
  static absl::StatusOr<std::unique_ptr<GongStack>> Create(
      const FacadeConfig& config, GongCredentials credentials, Metrics* metrics);
  ~GongStack() override;

  CallId Unassign(UnassignRequest request, absl::Time deadline,
                  Callback done) override {
    return dispatcher_->Unassign(std::move(request), deadline, std::move(done));
  }
  void Cancel(CallId id) override { dispatcher_->Cancel(id); }

  QuotaDispatcher::Stats GetStats() { return dispatcher_->GetStats(); }

 private:
  GongStack() = default;

  std::unique_ptr<http::HttpTransport> transport_;
  std::unique_ptr<GongClient> rest_;
  std::unique_ptr<GongClient> metered_;  // over rest_, when there are metrics
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<QuotaDispatcher> dispatcher_;
};

}  // namespace gong
