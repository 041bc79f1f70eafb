// One FlowService call as every gong-flows command makes it: a channel to
// --target, a deadline of --timeout, and on failure the status and its rich
// details on stderr with the gRPC code as the exit status.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "google/protobuf/message.h"

namespace gong::cli {

struct CallOptions {
  std::string target = "localhost:50051";
  absl::Duration timeout = absl::Seconds(10);
  bool json = false;
  // x-gong-flows-priority's value ("background", "interactive"); empty
  // sends none, which the facade takes as interactive.
  std::string priority;
};

class FlowServiceCaller {
 public:
  explicit FlowServiceCaller(const CallOptions& options);

  // Calls `method` of the stub, such as &FlowService::Stub::ListFlows, with
  // a fresh deadline: each page of a listing gets the whole --timeout.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (gong::flows::v1::FlowService::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    return CallIn(&context, method, request, response);
  }

  // As Call, in a context the caller holds (to cancel it from another
  // thread). Thread-safe: calls may run in parallel on one caller.
  template <typename Request, typename Response>
  grpc::Status CallIn(grpc::ClientContext* context,
                      grpc::Status (gong::flows::v1::FlowService::Stub::*method)(
                          grpc::ClientContext*, const Request&, Response*),
                      const Request& request, Response* response) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
    if (!priority_.empty()) context->AddMetadata("x-gong-flows-priority", priority_);
    return ((*stub_).*method)(context, request, response);
  }

  // WatchBulkAssignment's stream in `context`, whose deadline the caller
  // sets: a stream lasts as long as its job, not one call's --timeout.
  std::unique_ptr<grpc::ClientReader<gong::flows::v1::WatchBulkAssignmentResponse>>
  WatchIn(grpc::ClientContext* context,
          const gong::flows::v1::WatchBulkAssignmentRequest& request) {
    if (!priority_.empty()) context->AddMetadata("x-gong-flows-priority", priority_);
    return stub_->WatchBulkAssignment(context, request);
  }

 private:
  absl::Duration timeout_;
  std::string priority_;
  std::unique_ptr<gong::flows::v1::FlowService::Stub> stub_;
};

// How the facade says an answer came from an idempotency key or a lookup
// rather than from this call alone (its initial metadata, "true").
struct AnswerMarks {
  // Gong's state was read and only what was still to do was sent: the
  // answer is the settled result of this call and any earlier one.
  bool settled = false;
  // The stored answer of an earlier call with the same key; nothing sent.
  bool replayed = false;
};

// The marks of a finished call's answer.
AnswerMarks ReadAnswerMarks(const grpc::ClientContext& context);

// Prints "CODE_NAME: message" and the status's rich error details (from
// grpc-status-details-bin) on stderr; returns the exit status, which is the
// numeric gRPC code.
int ReportFailure(const grpc::Status& status);

// The exit status when an answer came but could not be printed whole
// (sysexits' EX_IOERR; no gRPC code uses it).
inline constexpr int kPrintFailedExit = 74;

// Prints the message as protobuf JSON on one line of stdout. When protobuf
// cannot write it (a Timestamp outside the years 1 to 9999, from a facade
// that passed one on), nothing of it is printed: the reason goes to stderr,
// and stdout is marked failed so that FinishOutput turns the exit status
// into kPrintFailedExit (and nothing more is printed after it).
void PrintJson(const google::protobuf::Message& message);

// The exit status of a command that returned `status`, once its output is
// flushed: kPrintFailedExit instead of 0 when anything printed to stdout
// did not go through (PrintJson's failure, or a write refused: a full disk,
// a closed file), said on stderr. A non-zero `status` stays as it is.
int FinishOutput(int status);

}  // namespace gong::cli
