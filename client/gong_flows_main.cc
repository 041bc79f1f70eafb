// gong-flows: a command line for FlowService.
//
//   gong-flows unassign [--target=localhost:50051] [--by=EMAIL]
//                       [--timeout=10s] [--json] ID...   ("-": ids from stdin)
//
// Exit status: 0 on success, the numeric gRPC status code on a failed call
// (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...), and 64
// for a usage error, which no gRPC code uses.
#include <grpcpp/grpcpp.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

ABSL_FLAG(std::string, target, "localhost:50051", "The facade's address.");
ABSL_FLAG(std::string, by, "",
          "Email of the Gong user doing the removal (unassigned_by_user_email).");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "Deadline of the call.");
ABSL_FLAG(bool, json, false, "Print the response as protobuf JSON.");

namespace {

constexpr int kUsageExit = 64;
using gong::flows::v1::FlowService;
using gong::flows::v1::UnassignByInstanceIdsRequest;
using gong::flows::v1::UnassignByInstanceIdsResponse;

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

void PrintResponse(const UnassignByInstanceIdsResponse& response) {
  const int removed = response.unassigned_flow_instance_ids_size();
  std::cout << "Gong request " << response.request_id() << ": unassigned " << removed
            << " of " << removed + response.still_assigned_flow_instance_ids_size()
            << " flow instances\n";
  for (const std::string& id : response.unassigned_flow_instance_ids()) {
    std::cout << "  unassigned      " << id << "\n";
  }
  for (const std::string& id : response.still_assigned_flow_instance_ids()) {
    std::cout << "  still assigned  " << id << "\n";
  }
}

// The ids from the command line, where "-" stands for stdin's lines.
std::vector<std::string> CollectIds(const std::vector<char*>& args) {
  std::vector<std::string> ids;
  for (const char* arg : args) {
    if (std::string(arg) != "-") {
      ids.emplace_back(arg);
      continue;
    }
    std::string line;
    while (std::getline(std::cin, line)) {
      absl::string_view id = absl::StripAsciiWhitespace(line);
      if (!id.empty()) ids.emplace_back(id);
    }
  }
  return ids;
}

int Unassign(const std::vector<std::string>& ids) {
  UnassignByInstanceIdsRequest request;
  for (const std::string& id : ids) request.add_flow_instance_ids(id);
  request.set_unassigned_by_user_email(absl::GetFlag(FLAGS_by));

  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_target),
                                     grpc::InsecureChannelCredentials());
  auto stub = FlowService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  UnassignByInstanceIdsResponse response;
  const grpc::Status status = stub->UnassignByInstanceIds(&context, request, &response);
  if (!status.ok()) {
    // gRPC's codes are abseil's canonical codes, number for number.
    std::cerr << absl::StatusCodeToString(
                     static_cast<absl::StatusCode>(status.error_code()))
              << ": " << status.error_message() << "\n";
    PrintDetails(status);
    return static_cast<int>(status.error_code());
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::string json;
    google::protobuf::util::MessageToJsonString(response, &json);
    std::cout << json << "\n";
  } else {
    PrintResponse(response);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "gong-flows unassign [--target=HOST:PORT] [--by=EMAIL] [--timeout=10s] "
      "[--json] ID...   (\"-\" reads ids from stdin, one per line)");
  // --help lists the flags of this file (abseil's default looks for a file
  // named after the binary, and so listed none).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "gong_flows_main.cc");
  };
  absl::SetFlagsUsageConfig(usage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2 || std::string(args[1]) != "unassign") {
    std::cerr << "usage: " << absl::ProgramUsageMessage() << "\n";
    return kUsageExit;
  }
  const std::vector<std::string> ids =
      CollectIds(std::vector<char*>(args.begin() + 2, args.end()));
  if (ids.empty()) {
    std::cerr << "gong-flows unassign: give at least one flow instance id\n";
    return kUsageExit;
  }
  return Unassign(ids);
}
