#include "flow_service_call.h"

#include <iostream>
#include <map>

#include "absl/status/status.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace gong::cli {

FlowServiceCaller::FlowServiceCaller(const CallOptions& options)
    : timeout_(options.timeout),
      priority_(options.priority),
      stub_(gong::flows::v1::FlowService::NewStub(
          grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials()))) {}

namespace {

// The rich error details from grpc-status-details-bin, one line each.
void PrintDetails(const grpc::Status& status) {
  google::rpc::Status rpc_status;
  if (status.error_details().empty() ||
      !rpc_status.ParseFromString(status.error_details())) {
    return;
  }
  for (const google::protobuf::Any& any : rpc_status.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&info)) {
      std::cerr << "  error_info: reason=" << info.reason()
                << " domain=" << info.domain();
      // Sorted, so that the line reads the same on every call.
      std::map<std::string, std::string> sorted(info.metadata().begin(),
                                                info.metadata().end());
      for (const auto& [key, value] : sorted) std::cerr << " " << key << "=" << value;
      std::cerr << "\n";
    } else if (any.UnpackTo(&retry)) {
      const absl::Duration delay = absl::Seconds(retry.retry_delay().seconds()) +
                                   absl::Nanoseconds(retry.retry_delay().nanos());
      std::cerr << "  retry_info: retry_delay=" << absl::FormatDuration(delay) << "\n";
    } else if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        std::cerr << "  bad_request: " << v.field() << ": " << v.description() << "\n";
      }
    } else {
      std::cerr << "  detail: " << any.type_url() << "\n";
    }
  }
}

}  // namespace

AnswerMarks ReadAnswerMarks(const grpc::ClientContext& context) {
  AnswerMarks marks;
  for (const auto& [key, value] : context.GetServerInitialMetadata()) {
    const bool yes = value == "true";
    if (key == "idempotent-settled") marks.settled = marks.settled || yes;
    if (key == "idempotent-replayed") marks.replayed = marks.replayed || yes;
  }
  return marks;
}

int ReportFailure(const grpc::Status& status) {
  // gRPC's codes are abseil's canonical codes, number for number.
  std::cerr << absl::StatusCodeToString(
                   static_cast<absl::StatusCode>(status.error_code()))
            << ": " << status.error_message() << "\n";
  PrintDetails(status);
  return static_cast<int>(status.error_code());
}

namespace {
// Whether PrintJson has already said on stderr why stdout failed.
bool json_failure_reported = false;
}  // namespace

void PrintJson(const google::protobuf::Message& message) {
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json);
  if (!status.ok()) {
    // What protobuf wrote before it stopped is cut-off JSON: never print it.
    std::cerr << "gong-flows: cannot print the answer as JSON: " << status.message()
              << "\n";
    json_failure_reported = true;
    std::cout.setstate(std::ios::failbit);
    return;
  }
  std::cout << json << "\n";
}

int FinishOutput(int status) {
  std::cout.flush();
  if (!std::cout.fail()) return status;
  if (!json_failure_reported) {
    std::cerr << "gong-flows: the answer could not be written to stdout in full\n";
  }
  return status != 0 ? status : kPrintFailedExit;
}

}  // namespace gong::cli
