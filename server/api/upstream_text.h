// Bounds on text that Gong (or the transport beneath it) controls, applied
// before that text reaches a caller in a status message or in ErrorInfo
// metadata. gRPC sends both in trailers, and the caller's gRPC refuses
// trailers past its metadata limit (8 KiB by default): one oversized Gong
// answer would otherwise turn our status into RESOURCE_EXHAUSTED "received
// initial metadata size exceeds limit" and lose its code and ErrorInfo.
//
// With these bounds a status carries at most about 1.2 KiB of message, twice
// (grpc-message and the google.rpc.Status in grpc-status-details-bin), which
// stays under 6 KiB on the wire even when every byte of Gong's text must be
// percent-encoded.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace gong::api::internal {

// At most this many of Gong's errors[] go into a status message.
inline constexpr size_t kMaxGongErrorsShown = 3;
// At most this many bytes of Gong's errors[] text, all shown errors together.
inline constexpr size_t kMaxGongErrorBytes = 1024;
// At most this many bytes of Gong's requestId in ErrorInfo metadata.
inline constexpr size_t kMaxGongRequestIdBytes = 128;
// At most this many bytes of a transport or parse detail in a message.
inline constexpr size_t kMaxDetailBytes = 256;

// What follows text that was cut short.
inline constexpr absl::string_view kCutMark = "…";

// The longest prefix of `text` with at most `max_bytes` bytes that does not
// end inside a UTF-8 character (so a cut never makes valid text invalid).
absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes);

// `text` when it has at most `max_bytes` bytes; otherwise its Utf8Prefix
// followed by "… (truncated)".
std::string BoundedText(absl::string_view text, size_t max_bytes);

// Gong's errors[] for a status message, joined with "; ": at most
// kMaxGongErrorsShown errors and kMaxGongErrorBytes bytes of their text. An
// error cut short ends in "…", and anything left out is said, as in
// "a; b; c (and 99,997 more errors; truncated)" or "aaaa… (truncated)".
std::string SummarizeGongErrors(const std::vector<std::string>& errors);

}  // namespace gong::api::internal
