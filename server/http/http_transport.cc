#include "http/http_transport.h"

#include "absl/strings/ascii.h"

namespace gong::http {

std::string HttpResponse::Header(absl::string_view name) const {
  auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? std::string() : it->second;
}

absl::string_view TransportFailureName(TransportFailure failure) {
  switch (failure) {
    case TransportFailure::kTimeout:
      return "timeout";
    case TransportFailure::kConnectFailed:
      return "connect_failed";
    case TransportFailure::kTlsFailure:
      return "tls_failure";
    case TransportFailure::kConnectionDropped:
      return "connection_dropped";
    case TransportFailure::kCancelled:
      return "cancelled";
    case TransportFailure::kOther:
      return "other";
  }
  return "unknown";
}

}  // namespace gong::http
