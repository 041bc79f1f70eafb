// A GongClient decorator that measures each request to Gong: its HTTP
// status (or that no answer came), its duration and its size in ids. It
// sits right in front of the REST client, under the quota dispatcher, so
// it sees every real request, retries and merged batches included.
#pragma once

#include "gong/gong_client.h"
#include "observability/metrics.h"

namespace gong {

class MeteredGongClient final : public GongClient {
 public:
  // `inner` and `metrics` must outlive this client.
  MeteredGongClient(GongClient* inner, Metrics* metrics)
      : inner_(inner), metrics_(metrics) {}

  CallId Unassign(UnassignRequest request, absl::Time deadline, Callback done) override;
  void Cancel(CallId id) override { inner_->Cancel(id); }

 private:
  GongClient* const inner_;
  Metrics* const metrics_;
};

}  // namespace gong
