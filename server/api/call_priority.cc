#include "api/call_priority.h"

namespace gong::api {
namespace {

constexpr absl::string_view kInteractive = "interactive";
constexpr absl::string_view kBackground = "background";

std::optional<upstream::Priority> PriorityNamed(absl::string_view value) {
  if (value.size() > kMaxPriorityValueSize) return std::nullopt;
  if (value == kInteractive) return upstream::Priority::kInteractive;
  if (value == kBackground) return upstream::Priority::kBackground;
  return std::nullopt;
}

}  // namespace

absl::string_view PriorityName(upstream::Priority priority) {
  switch (priority) {
    case upstream::Priority::kInteractive:
      return kInteractive;
    case upstream::Priority::kBackground:
      return kBackground;
  }
  return kInteractive;
}

std::optional<upstream::Priority> ReadCallPriority(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  const auto [first, last] = metadata.equal_range(
      grpc::string_ref(kPriorityHeader.data(), kPriorityHeader.size()));
  if (first == last) return upstream::Priority::kInteractive;
  std::optional<upstream::Priority> priority;
  for (auto it = first; it != last; ++it) {
    std::optional<upstream::Priority> named =
        PriorityNamed(absl::string_view(it->second.data(), it->second.size()));
    // One bad value, or two that disagree, refuses the call.
    if (!named.has_value() || (priority.has_value() && *priority != *named)) {
      return std::nullopt;
    }
    priority = named;
  }
  return priority;
}

}  // namespace gong::api
