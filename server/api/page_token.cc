#include "api/page_token.h"

#include <cstdint>
#include <initializer_list>
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
std::string Fingerprint(std::initializer_list<absl::string_view> filters) {
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
  for (absl::string_view filter : filters) mix(filter);
  return absl::StrFormat("%016x", hash);
}

std::string FiltersFingerprint(const upstream::ListFlowsParams& query) {
  return Fingerprint({query.flow_owner_email, query.workspace_id, query.folder_id,
                      query.most_recently_assigned ? "recent" : "all"});
}

std::string FiltersFingerprint(const upstream::ListFlowFoldersParams& query) {
  return Fingerprint({query.owner_email, query.workspace_id, query.parent_folder_id});
}

// Which listing a token is of. ListFlows' tokens were issued before there
// was another listing and carry no kind: they stay as they were, so that
// the tokens callers hold still read. Every later listing's names its
// kind, so no listing's token is read by another.
struct Listing {
  absl::string_view kind;    // "" for ListFlows
  absl::string_view method;  // for messages
  absl::string_view filters;
};

constexpr Listing kFlows{"", "ListFlows",
                         "flow_owner_email, workspace_id, folder_id or "
                         "most_recently_assigned"};
constexpr Listing kFolders{"folders", "ListFlowFolders",
                           "owner_email, workspace_id or parent_folder_id"};

absl::Status NotOurs(const Listing& listing) {
  return absl::InvalidArgumentError(
      absl::StrCat("is not a page token of ", listing.method,
                   ": pass next_page_token as it was returned"));
}

absl::StatusOr<std::string> Encode(const Listing& listing, const std::string& fingerprint,
                                   absl::string_view cursor) {
  if (cursor.empty()) return "";
  if (cursor.size() > kMaxCursorBytes) {
    return absl::OutOfRangeError(absl::StrCat(
        "Gong's cursor for the next page is ", cursor.size(), " bytes, over the ",
        kMaxCursorBytes, " bytes a page token carries: the listing cannot go on"));
  }
  nlohmann::json token = {
      {"v", kTokenVersion}, {"f", fingerprint}, {"c", std::string(cursor)}};
  if (!listing.kind.empty()) token["k"] = std::string(listing.kind);
  return absl::WebSafeBase64Escape(
      token.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

absl::StatusOr<std::string> Decode(const Listing& listing, const std::string& fingerprint,
                                   absl::string_view token) {
  if (token.size() > kMaxPageTokenBytes) return NotOurs(listing);
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) return NotOurs(listing);
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return NotOurs(listing);
  auto version = parsed.find("v");
  auto fingerprint_found = parsed.find("f");
  auto cursor = parsed.find("c");
  auto kind = parsed.find("k");
  const bool kind_matches = listing.kind.empty()
                                ? kind == parsed.end()
                                : kind != parsed.end() && kind->is_string() &&
                                      kind->get_ref<const std::string&>() == listing.kind;
  if (version == parsed.end() || *version != kTokenVersion || !kind_matches ||
      fingerprint_found == parsed.end() || !fingerprint_found->is_string() ||
      cursor == parsed.end() || !cursor->is_string() ||
      cursor->get_ref<const std::string&>().empty() ||
      cursor->get_ref<const std::string&>().size() > kMaxCursorBytes) {
    return NotOurs(listing);
  }
  if (fingerprint_found->get_ref<const std::string&>() != fingerprint) {
    return absl::InvalidArgumentError(
        absl::StrCat("was issued for other filters (", listing.filters,
                     " differ): keep them as they were, or start again "
                     "without a page token"));
  }
  return cursor->get<std::string>();
}

}  // namespace

absl::StatusOr<std::string> EncodePageToken(const upstream::ListFlowsParams& query,
                                            absl::string_view cursor) {
  return Encode(kFlows, FiltersFingerprint(query), cursor);
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            const upstream::ListFlowsParams& query) {
  return Decode(kFlows, FiltersFingerprint(query), token);
}

absl::StatusOr<std::string> EncodePageToken(const upstream::ListFlowFoldersParams& query,
                                            absl::string_view cursor) {
  return Encode(kFolders, FiltersFingerprint(query), cursor);
}

absl::StatusOr<std::string> DecodePageToken(
    absl::string_view token, const upstream::ListFlowFoldersParams& query) {
  return Decode(kFolders, FiltersFingerprint(query), token);
}

}  // namespace gong::api::internal
