#include "call_verdict.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace gong::cli {
namespace {

struct Details {
  bool has_error_info = false;
  std::string reason;
  std::optional<std::string> may_have_acted;
  std::string gong_request_id;
  std::string http_status;
  std::optional<absl::Duration> retry_after;
  std::map<size_t, std::string> bad_entries;
};

// "flow_instance_ids[12]" -> 12; nullopt for a field that is no entry of a
// list.
std::optional<size_t> EntryIndex(absl::string_view field) {
  const size_t open = field.rfind('[');
  if (open == absl::string_view::npos || field.empty() || field.back() != ']') {
    return std::nullopt;
  }
  size_t index;
  if (!absl::SimpleAtoi(field.substr(open + 1, field.size() - open - 2), &index)) {
    return std::nullopt;
  }
  return index;
}

Details ReadDetails(const grpc::Status& status) {
  Details details;
  google::rpc::Status rpc_status;
  if (status.error_details().empty() ||
      !rpc_status.ParseFromString(status.error_details())) {
    return details;
  }
  for (const google::protobuf::Any& any : rpc_status.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& violation : bad.field_violations()) {
        if (std::optional<size_t> index = EntryIndex(violation.field())) {
          details.bad_entries.emplace(*index, violation.description());
        }
      }
    } else if (any.UnpackTo(&info)) {
      details.has_error_info = true;
      details.reason = info.reason();
      const auto& metadata = info.metadata();
      if (auto it = metadata.find("gong_may_have_acted"); it != metadata.end()) {
        details.may_have_acted = it->second;
      }
      if (auto it = metadata.find("gong_request_id"); it != metadata.end()) {
        details.gong_request_id = it->second;
      }
      if (auto it = metadata.find("http_status"); it != metadata.end()) {
        details.http_status = it->second;
      }
    } else if (any.UnpackTo(&retry)) {
      const absl::Duration delay = absl::Seconds(retry.retry_delay().seconds()) +
                                   absl::Nanoseconds(retry.retry_delay().nanos());
      // A negative delay is nonsense from a broken peer: "now" is the most
      // it can mean.
      details.retry_after = std::max(delay, absl::ZeroDuration());
    }
  }
  return details;
}

}  // namespace

FailureVerdict JudgeFailure(const grpc::Status& status) {
  const Details details = ReadDetails(status);
  FailureVerdict verdict;
  verdict.retry_after = details.retry_after;
  verdict.gong_request_id = details.gong_request_id;
  verdict.reason =
      details.has_error_info && !details.reason.empty()
          ? details.reason
          : absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
  const grpc::StatusCode code = status.error_code();
  if (code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    // The steward's refusals (queue full, the day's budget, a wait past the
    // deadline) and Gong's 429 all come with a RetryInfo and were never
    // carried out; without one it is no refusal this client knows to wait
    // out.
    verdict.verdict = details.retry_after ? Verdict::kResend : Verdict::kFinal;
    return verdict;
  }
  if (code == grpc::StatusCode::INVALID_ARGUMENT) {
    // A request refused as it stands (a field, or its idempotency key: not
    // one, or used for another request) is refused again however often it
    // goes, even where the details add that nothing was sent.
    verdict.verdict = Verdict::kFinal;
    if (details.reason == "INVALID_REQUEST") verdict.bad_entries = details.bad_entries;
    return verdict;
  }
  if (details.may_have_acted == "false") {
    verdict.verdict = Verdict::kResend;
    return verdict;
  }
  if (details.may_have_acted == "true") {
    verdict.verdict = Verdict::kInDoubt;
    return verdict;
  }
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
      // Gong's own 502 and 503 say it did not take the request on; an
      // UNAVAILABLE with no ErrorInfo comes from the channel itself, which
      // cannot tell a facade never reached from a connection lost after
      // the request went out.
      verdict.verdict = (details.http_status == "502" || details.http_status == "503")
                            ? Verdict::kResend
                            : Verdict::kInDoubt;
      return verdict;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DATA_LOSS:
      verdict.verdict = Verdict::kInDoubt;
      return verdict;
    default:
      verdict.verdict = Verdict::kFinal;
      if (code == grpc::StatusCode::INVALID_ARGUMENT &&
          details.reason == "INVALID_REQUEST") {
        verdict.bad_entries = details.bad_entries;
      }
      return verdict;
  }
}

}  // namespace gong::cli
