// The listings' page tokens (ListFlows', ListFlowFolders'). Gong pages a listing with a
// cursor that is only meaningful for the filters it was issued under; sent with other
// filters it would silently mix two listings. So the token a caller sees wraps Gong's
// cursor with a fingerprint of those filters, and a token that comes back with other
// filters (or that is not one of ours at all) is refused before anything reaches Gong.
// Tokens are stable across replicas and restarts: they hold no secret and no server
// state. Each listing's tokens are its own: one listing refuses another's as not one of
// ours.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upstream/list_flow_folders_codec.h"
#include "upstream/list_flows_codec.h"

namespace gong::api::internal {

// Longest Gong cursor a token carries. Gong's are tens of bytes, but it
// documents no bound, and a cursor that cannot be carried ends the listing:
// this leaves room for one a hundred times that size.
inline constexpr size_t kMaxCursorBytes = 8 * 1024;

// Longest token EncodePageToken gives (for a cursor of kMaxCursorBytes whose
// every byte JSON escapes as \u00XX, in base64): a longer one is refused
// unread.
inline constexpr size_t kMaxPageTokenBytes = (6 * kMaxCursorBytes + 64 + 2) / 3 * 4;

// The token for the page after the one `query` got, whose Gong cursor is
// `cursor` ("" gives "": there is no next page). OutOfRange, naming the
// cursor's size and the bound, when the cursor is longer than
// kMaxCursorBytes: a token is never given that DecodePageToken would refuse.
absl::StatusOr<std::string> EncodePageToken(const upstream::ListFlowsParams& query,
                                            absl::string_view cursor);

// The Gong cursor in `token`, which must have been issued for `query`'s
// filters (its own cursor is ignored). InvalidArgument, with a message for
// the caller, when the token is not one of ours or was issued for other
// filters.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            const upstream::ListFlowsParams& query);

// The same for ListFlowFolders: its tokens bound to owner_email,
// workspace_id and parent_folder_id.
absl::StatusOr<std::string> EncodePageToken(const upstream::ListFlowFoldersParams& query,
                                            absl::string_view cursor);
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            const upstream::ListFlowFoldersParams& query);

}  // namespace gong::api::internal
