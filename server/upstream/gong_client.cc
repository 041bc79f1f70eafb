#include "upstream/gong_client.h"

#include <utility>
#include <variant>

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

RestGongClient::RestGongClient(std::string base_url,
                               std::unique_ptr<CredentialsSource> credentials,
                               std::unique_ptr<http::HttpTransport> transport)
    : base_url_(std::move(base_url)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)) {}

RestGongClient::RestGongClient(std::string base_url, GongCredentials credentials,
                               std::unique_ptr<http::HttpTransport> transport)
    : RestGongClient(std::move(base_url),
                     std::make_unique<FixedCredentials>(std::move(credentials)),
                     std::move(transport)) {}

GongClient::CallId RestGongClient::Send(GongRequest request, Callback done) {
  const CredentialsSnapshot sent_with = credentials_->Current();
  return transport_->Send(
      ToHttpRequest(base_url_, *sent_with.credentials, std::move(request)),
      [this, generation = sent_with.generation,
       done = std::move(done)](http::HttpResult result) mutable {
        GongOutcome outcome = ReadGongAnswer(std::move(result), absl::Now());
        auto* error = std::get_if<GongError>(&outcome);
        if (error != nullptr && error->kind == GongError::Kind::kHttpStatus &&
            error->http_status == 401) {
          // Gong refused the credentials: new ones may be waiting (a
          // rotated Secret the recheck interval has not seen yet), and
          // whoever sent them next should not be refused too.
          error->credentials_changed = credentials_->ReloadNow().generation != generation;
        }
        std::move(done)(std::move(outcome));
      });
}

}  // namespace gong::upstream
