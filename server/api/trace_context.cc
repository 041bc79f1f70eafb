#include "api/trace_context.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "base/printable_text.h"

namespace gong::api::internal {
namespace {

// The parts of a version 00 traceparent, and where they start:
// "vv-<32 hex trace id>-<16 hex parent id>-ff".
constexpr size_t kVersion00Size = 55;
constexpr size_t kTraceIdAt = 3, kTraceIdSize = 32;
constexpr size_t kParentIdAt = 36, kParentIdSize = 16;
constexpr size_t kFlagsAt = 53, kFlagsSize = 2;

bool IsLowerHex(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool IsAllZeros(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

// The one value of `key` in `metadata`, or nullopt when it is absent or
// there more than once.
std::optional<absl::string_view> OnlyValue(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    absl::string_view key) {
  const auto [first, last] =
      metadata.equal_range(grpc::string_ref(key.data(), key.size()));
  if (first == last || std::next(first) != last) return std::nullopt;
  return absl::string_view(first->second.data(), first->second.size());
}

}  // namespace

std::string TraceIdOf(absl::string_view traceparent) {
  if (traceparent.size() < kVersion00Size) return "";
  const absl::string_view version = traceparent.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return "";
  // A later version may add fields, after a '-'; version 00 has none.
  if (version == "00"
          ? traceparent.size() != kVersion00Size
          : traceparent.size() > kVersion00Size && traceparent[kVersion00Size] != '-') {
    return "";
  }
  if (traceparent[kTraceIdAt - 1] != '-' || traceparent[kParentIdAt - 1] != '-' ||
      traceparent[kFlagsAt - 1] != '-') {
    return "";
  }
  const absl::string_view trace_id = traceparent.substr(kTraceIdAt, kTraceIdSize);
  const absl::string_view parent_id = traceparent.substr(kParentIdAt, kParentIdSize);
  const absl::string_view flags = traceparent.substr(kFlagsAt, kFlagsSize);
  if (!IsLowerHex(trace_id) || IsAllZeros(trace_id) || !IsLowerHex(parent_id) ||
      IsAllZeros(parent_id) || !IsLowerHex(flags)) {
    return "";
  }
  return std::string(trace_id);
}

std::string RequestIdOf(absl::string_view x_request_id) {
  return base::PrintableAsciiOrEmpty(x_request_id, kMaxRequestIdSize);
}

CallTrace ReadCallTrace(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  CallTrace trace;
  if (auto traceparent = OnlyValue(metadata, "traceparent")) {
    trace.trace_id = TraceIdOf(*traceparent);
  }
  if (auto request_id = OnlyValue(metadata, "x-request-id")) {
    trace.x_request_id = RequestIdOf(*request_id);
  }
  return trace;
}

}  // namespace gong::api::internal
