// A GongClient decorator that measures each request to Gong: its HTTP
// status (or that no answer came), its duration and its size in items. It
// sits right in front of the REST client, under the quota steward, so it
// sees every real request, retries and merged requests included.
#pragma once

#include <memory>

#include "observability/metrics.h"
#include "upstream/gong_client.h"

namespace gong::observability {

class MeteredGongClient final : public upstream::GongClient {
 public:
  // Owns `inner`; `metrics` must outlive this client.
  MeteredGongClient(std::unique_ptr<upstream::GongClient> inner, Metrics* metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  CallId Send(upstream::GongRequest request, Callback done) override;
  void Cancel(CallId id) override { inner_->Cancel(id); }

 private:
  const std::unique_ptr<upstream::GongClient> inner_;
  Metrics* const metrics_;
};

}  // namespace gong::observability
