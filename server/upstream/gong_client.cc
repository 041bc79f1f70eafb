#include "upstream/gong_client.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gong::upstream {
namespace {

// RFC 3986 percent-encoding of a query name or value: everything but the
// unreserved characters.
void AppendEncoded(absl::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out->push_back(c);
    } else {
      out->push_back('%');
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 15]);
    }
  }
}

}  // namespace

http::HttpRequest ToHttpRequest(absl::string_view base_url,
                                const GongCredentials& credentials, GongRequest request) {
  http::HttpRequest http;
  http.method = std::move(request.method);
  http.url = absl::StrCat(absl::StripSuffix(base_url, "/"), request.path);
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    http.url.push_back(separator);
    separator = '&';
    AppendEncoded(name, &http.url);
    http.url.push_back('=');
    AppendEncoded(value, &http.url);
  }
  http.headers = {credentials.authorization_header()};
  if (!request.json_body.empty())
    http.headers.emplace_back("Content-Type: application/json");
  http.headers.emplace_back("Accept: application/json");
  http.body = std::move(request.json_body);
  http.deadline = request.deadline;
  return http;
}

RestGongClient::RestGongClient(std::string base_url, GongCredentials credentials,
                               std::unique_ptr<http::HttpTransport> transport)
    : base_url_(std::move(base_url)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)) {}

GongClient::CallId RestGongClient::Send(GongRequest request, Callback done) {
  return transport_->Send(
      ToHttpRequest(base_url_, credentials_, std::move(request)),
      [done = std::move(done)](http::HttpResult result) mutable {
        std::move(done)(ReadGongAnswer(std::move(result), absl::Now()));
      });
}

}  // namespace gong::upstream
