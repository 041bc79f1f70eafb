#include "api/page_token.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gong::api::internal {
namespace {

// A version in every token, so its layout can change without misreading
// the tokens callers hold across a deployment.
constexpr int kTokenVersion = 1;

// FNV-1a over each filter, length first so that ("ab","c") and ("a","bc")
// differ. A stable hash rather than absl::Hash, which is salted per process:
// a token from one replica must read the same on any other. It guards
// against mistakes, not forgers: a forged token can only misdirect the
// forger's own listing.
std::string FiltersFingerprint(const upstream::ListFlowsParams& query) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  auto mix = [&hash](absl::string_view text) {
    const std::string length = absl::StrCat(text.size(), ":");
    for (absl::string_view part : {absl::string_view(length), text}) {
      for (unsigned char c : part) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
      }
    }
  };
  mix(query.flow_owner_email);
  mix(query.workspace_id);
  mix(query.folder_id);
  mix(query.most_recently_assigned ? "recent" : "all");
  return absl::StrFormat("%016x", hash);
}

absl::Status NotOurs() {
  return absl::InvalidArgumentError(
      "is not a page token of ListFlows: pass next_page_token as it was returned");
}

}  // namespace

absl::StatusOr<std::string> EncodePageToken(const upstream::ListFlowsParams& query,
                                            absl::string_view cursor) {
  if (cursor.empty()) return "";
  if (cursor.size() > kMaxCursorBytes) {
    return absl::OutOfRangeError(absl::StrCat(
        "Gong's cursor for the next page is ", cursor.size(), " bytes, over the ",
        kMaxCursorBytes, " bytes a page token carries: the listing cannot go on"));
  }
  const nlohmann::json token = {
      {"v", kTokenVersion}, {"f", FiltersFingerprint(query)}, {"c", std::string(cursor)}};
  return absl::WebSafeBase64Escape(
      token.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            const upstream::ListFlowsParams& query) {
  if (token.size() > kMaxPageTokenBytes) return NotOurs();
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) return NotOurs();
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return NotOurs();
  auto version = parsed.find("v");
  auto fingerprint = parsed.find("f");
  auto cursor = parsed.find("c");
  if (version == parsed.end() || *version != kTokenVersion ||
      fingerprint == parsed.end() || !fingerprint->is_string() ||
      cursor == parsed.end() || !cursor->is_string() ||
      cursor->get_ref<const std::string&>().empty() ||
      cursor->get_ref<const std::string&>().size() > kMaxCursorBytes) {
    return NotOurs();
  }
  if (fingerprint->get_ref<const std::string&>() != FiltersFingerprint(query)) {
    return absl::InvalidArgumentError(
        "was issued for other filters (flow_owner_email, workspace_id, folder_id or "
        "most_recently_assigned differ): keep them as they were, or start again "
        "without a page token");
  }
  return cursor->get<std::string>();
}

}  // namespace gong::api::internal
