// trivial-flows-server: FlowService.UnassignByInstanceIds answered at once
// (every id unassigned), with nothing behind it. The benchmark's gRPC
// ceiling: what serving one call costs on this machine, which the facade
// pays too before it does any work of its own.
//
//   trivial-flows-server [--listen=127.0.0.1:0]
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "HOST:PORT to serve on (port 0: any free one).");

namespace {

using gong::flows::v1::UnassignByInstanceIdsRequest;
using gong::flows::v1::UnassignByInstanceIdsResponse;

class TrivialFlowService final : public gong::flows::v1::FlowService::CallbackService {
  grpc::ServerUnaryReactor* UnassignByInstanceIds(
      grpc::CallbackServerContext* context, const UnassignByInstanceIdsRequest* request,
      UnassignByInstanceIdsResponse* response) override {
    response->set_request_id("trivial");
    *response->mutable_unassigned_flow_instance_ids() = request->flow_instance_ids();
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  // As in server/app/main.cc: Debian's abseil leaves the deadlock detector on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  TrivialFlowService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "trivial-flows-server: cannot serve on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  std::printf("trivial-flows-server listening on port %d\n", port);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->Shutdown();
  return 0;
}
