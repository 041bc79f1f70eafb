// The caller checks every call of the service passes before any of its
// request is read, unary (gong_call_reactor.h) or streaming
// (watch_bulk_assignment_reactor.h), in one order: the caller's token and
// its role's right to the method (method_access.h), then the call's
// priority header (call_priority.h). Also the call's record for the
// observer (one log line and the metrics of each call), from its start to
// the code the caller saw. One piece both kinds of reactor hold, so that no
// streaming method can leave authentication out or report differently.
#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/call_observer.h"
#include "api/service_parts.h"

namespace gong::api {

class CallAdmission {
 public:
  // `context` outlives the admission; `method` is the RPC's name
  // (a literal).
  CallAdmission(const ServiceParts& parts, grpc::CallbackServerContext* context,
                absl::string_view method);

  // Both checks in their order: nullopt when the call may go on, else the
  // status it must end with (UNAUTHENTICATED, PERMISSION_DENIED, or
  // INVALID_ARGUMENT for the priority). Reports the call started once its
  // caller is named, before anything else.
  std::optional<grpc::Status> Admit();
  // Admit()'s two steps, for a caller that runs something between them.
  std::optional<grpc::Status> Authenticate();
  std::optional<grpc::Status> AcceptPriority();

  // The caller's deadline, or nullopt when it set none.
  std::optional<absl::Time> CallerDeadline() const;
  // The caller's deadline, or the service's default timeout from now.
  absl::Time UpstreamDeadline() const;

  // Reports the call finished with `code` (DEADLINE_EXCEEDED when gRPC
  // cancelled it at its deadline, whatever the server answered). Once a
  // call.
  void ReportFinished(grpc::StatusCode code);

  CallRecord& record() { return record_; }
  const CallRecord& record() const { return record_; }
  grpc::CallbackServerContext* context() const { return context_; }

 private:
  const ServiceParts parts_;
  grpc::CallbackServerContext* const context_;
  const absl::Time started_;
  CallRecord record_;
};

}  // namespace gong::api
