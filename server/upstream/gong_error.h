// Why Gong gave no usable answer, in the Gong layer's own words: the kinds
// of failure a caller must tell apart, whether Gong may have acted, and what
// Gong said. Built only by the named constructors below, so each kind
// carries exactly the fields that mean something for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::upstream {

struct GongError {
  enum class Kind {
    kHttpStatus,         // Gong answered with a status other than 200
    kMalformedAnswer,    // Gong answered 200 with a body not of the endpoint's shape
    kTimedOut,           // no answer before the deadline
    kConnectFailed,      // no connection was made (DNS, refused, unreachable)
    kTlsFailure,         // the TLS handshake or certificate check failed
    kConnectionDropped,  // the connection broke before the answer
    kCancelled,          // the call was cancelled
    kNoAnswer,           // no answer for another reason (an oversized one, say)
  };

  // Gong answered `http_status` (not 200), with its requestId and errors[]
  // when its body had them, and Retry-After on a 429.
  static GongError HttpStatus(int http_status, std::string request_id,
                              std::vector<std::string> errors,
                              std::optional<absl::Duration> retry_after = std::nullopt);
  // Gong answered `http_status` with a body the codec could not read.
  static GongError MalformedAnswer(int http_status, std::string detail);
  // No answer came (any kind but the two above). `may_have_acted`: whether
  // the request may have reached Gong and run.
  static GongError NoAnswer(Kind kind, std::string detail, bool may_have_acted);
  static GongError Cancelled(std::string detail, bool may_have_acted);

  // True when Gong answered (kHttpStatus, kMalformedAnswer).
  bool answered() const {
    return kind == Kind::kHttpStatus || kind == Kind::kMalformedAnswer;
  }

  Kind kind = Kind::kNoAnswer;
  int http_status = 0;                        // when Gong answered
  std::string request_id;                     // Gong's requestId, when it sent one
  std::vector<std::string> errors;            // Gong's errors[] texts
  std::optional<absl::Duration> retry_after;  // when to try again, when known
  bool may_have_acted = true;                 // without an answer: may Gong have run it?
  // A 401 to a request sent with credentials that have been replaced since
  // (credentials_source.h): Gong refuses before any work, so the request
  // may be sent once more with the new ones.
  bool credentials_changed = false;
  std::string detail;  // the transport's or the parser's words, for messages and logs
  // Gong's X-Traceid header, when it answered with one (as GongAnswer's).
  std::string gong_trace_id;
};

// The kind of a failure without an answer, as callers see it in ErrorInfo
// ("timeout", "connect_failed", "tls_failure", "connection_dropped",
// "cancelled", "other").
absl::string_view NoAnswerName(GongError::Kind kind);

}  // namespace gong::upstream
