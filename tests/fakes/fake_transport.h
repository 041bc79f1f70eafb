// An HttpTransport that records each request, lets the test finish it with
// any result, and records the ids it is asked to cancel. Single-threaded:
// the test is the network.
#pragma once

#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "http/http_transport.h"

namespace gong::fakes {

class FakeTransport final : public http::HttpTransport {
 public:
  struct Pending {
    http::HttpRequest request;
    Callback done;
  };

  RequestId Send(http::HttpRequest request, Callback done) override {
    sent_.push_back({std::move(request), std::move(done)});
    return next_id_++;
  }

  void Cancel(RequestId id) override { cancelled_.push_back(id); }

  // Runs the callback of the `index`th request with `result`.
  void Complete(size_t index, http::HttpResult result) {
    ASSERT_LT(index, sent_.size());
    std::move(sent_[index].done)(std::move(result));
  }

  const std::vector<Pending>& sent() const { return sent_; }
  const std::vector<RequestId>& cancelled() const { return cancelled_; }
  static constexpr RequestId kFirstId = 41;

 private:
  std::vector<Pending> sent_;
  std::vector<RequestId> cancelled_;
  RequestId next_id_ = kFirstId;
};

}  // namespace gong::fakes
