// An end-to-end rig: the sandbox Gong, the facade's full production stack
// in front of it on a free port, and a FlowService stub, all over real
// loopback sockets.
#pragma once

#include <grpcpp/grpcpp.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "app/facade_server.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "sandbox/sandbox_gong.h"

namespace gong::e2e {

class FacadeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();

  // The facade as a plain proxy: no limiter, no retries, so each call is
  // one Gong request and Gong's answer reaches the caller as it is.
  static app::FacadeConfig PlainProxy();

  // Starts the sandbox with `assigned` ids and the facade with `config`
  // (listen and gong_base_url are filled in).
  void StartFacade(app::FacadeConfig config = PlainProxy(),
                   std::vector<std::string> assigned = DefaultAssigned());
  static std::vector<std::string> DefaultAssigned();  // "1000".."1299"
  // Starts the sandbox as `options` say (port and threads are filled in)
  // and the facade with `config`.
  void StartFacadeWithSandbox(app::FacadeConfig config, sandbox::Options options);

  // A call with a deadline `timeout` from now (none when infinite).
  grpc::Status Call(const flows::v1::UnassignByInstanceIdsRequest& request,
                    flows::v1::UnassignByInstanceIdsResponse* response,
                    absl::Duration timeout = absl::Seconds(10));
  grpc::Status Call(const std::vector<std::string>& ids,
                    flows::v1::UnassignByInstanceIdsResponse* response,
                    absl::Duration timeout = absl::Seconds(10));

  // Starts a call for `id` on the callback API; the future gets its status.
  // `context` and `response` must outlive the call.
  std::future<grpc::Status> StartCall(grpc::ClientContext* context, const std::string& id,
                                      flows::v1::UnassignByInstanceIdsResponse* response);

  // The sandbox holds each answer `delay` (a slow Gong), nothing else odd.
  void SlowGong(absl::Duration delay);

  // Waits until the sandbox has received `n` requests; false if that does
  // not happen within seconds.
  [[nodiscard]] bool AwaitGongRequests(int n);

  // A call for `ids` whose first Gong request is answered `http_status` and
  // whose later ones are answered normally: Gong recovers before any retry.
  grpc::Status CallWhileGongRecoversFrom(
      int http_status, const std::vector<std::string>& ids,
      flows::v1::UnassignByInstanceIdsResponse* response);

  std::unique_ptr<sandbox::SandboxGong> sandbox_;
  std::unique_ptr<app::FacadeServer> facade_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<flows::v1::FlowService::Stub> stub_;
};

// The google.rpc.Status in `status`'s details.
google::rpc::Status Details(const grpc::Status& status);

// The ErrorInfo's reason, or "<no ErrorInfo>".
std::string Reason(const grpc::Status& status);

// The ErrorInfo's metadata value for `key`, or "<absent>" / "<no ErrorInfo>".
std::string Metadata(const grpc::Status& status, const std::string& key);

// The first detail of type T, or nullopt.
template <typename T>
std::optional<T> Detail(const grpc::Status& status) {
  const google::rpc::Status details = Details(status);
  for (const auto& any : details.details()) {
    T out;
    if (any.UnpackTo(&out)) return out;
  }
  return std::nullopt;
}

}  // namespace gong::e2e
