// The HTTP transport the Gong client sends its requests over: an
// asynchronous request with a deadline and cancellation. It knows nothing of
// Gong; tests replace it with a fake (tests/fakes/fake_transport.h).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::http {

struct HttpRequest {
  std::string method = "POST";  // "GET" sends no body
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  // The transfer fails with TransportFailure::kTimeout at this instant.
  absl::Time deadline = absl::InfiniteFuture();
};

struct HttpResponse {
  int status = 0;
  std::string body;
  absl::flat_hash_map<std::string, std::string> headers;  // names lowercased

  // The value of header `name` (any case), or "" when absent.
  std::string Header(absl::string_view name) const;
};

// Why no complete answer came. The kinds differ in whether the server may
// have acted on the request, which decides what a caller may retry.
enum class TransportFailure {
  kTimeout,            // the deadline passed first; the request may have run
  kConnectFailed,      // no connection was made (DNS, refused, unreachable)
  kTlsFailure,         // the TLS handshake or certificate check failed
  kConnectionDropped,  // the connection broke after the request may have gone
  kCancelled,          // the caller cancelled
  kOther,              // anything else (say, an oversized answer)
};

absl::string_view TransportFailureName(TransportFailure failure);

// How far a request that got no answer went: whether the server may have
// acted on it, which decides whether sending it again is safe.
enum class Delivery {
  kNotSent,         // it never left (no connection, no TLS, ...)
  kNotProcessed,    // the server refused it unprocessed (HTTP/2
                    // REFUSED_STREAM)
  kMaybeProcessed,  // it went out and no answer came: the server may have
                    // acted on it
};

struct TransportError {
  TransportFailure kind;
  std::string message;  // the transport's own words, for logs
  Delivery delivery = Delivery::kMaybeProcessed;
};

using HttpResult = std::variant<HttpResponse, TransportError>;

class HttpTransport {
 public:
  using RequestId = uint64_t;
  // Runs exactly once per request, on a transport thread: keep it short.
  using Callback = absl::AnyInvocable<void(HttpResult) &&>;

  virtual ~HttpTransport() = default;

  // Starts `request`; `done` gets its result. Never blocks on the
  // network, and never runs `done` inside this call. The request reaches
  // the server at most once: a transport never sends it again by itself
  // (a caller that may resend decides from TransportError::delivery).
  virtual RequestId Send(HttpRequest request, Callback done) = 0;

  // Aborts request `id`: its callback gets kCancelled unless it already ran.
  // Safe from any thread, and for ids that have already finished.
  virtual void Cancel(RequestId id) = 0;
};

}  // namespace gong::http
