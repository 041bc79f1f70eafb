#include "upstream/credentials.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace gong::upstream {

GongCredentials GongCredentials::Basic(absl::string_view key, absl::string_view secret) {
  return GongCredentials(
      "basic", absl::StrCat("Authorization: Basic ",
                            absl::Base64Escape(absl::StrCat(key, ":", secret))));
}

GongCredentials GongCredentials::Bearer(absl::string_view token) {
  return GongCredentials("bearer", absl::StrCat("Authorization: Bearer ", token));
}

absl::StatusOr<GongCredentials> GongCredentials::FromEnvironment(
    const std::function<const char*(const char*)>& getenv) {
  // Trimmed: a Secret made from a file often ends in a newline, which Gong
  // would refuse as part of the key.
  auto get = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    return v == nullptr ? std::string() : std::string(absl::StripAsciiWhitespace(v));
  };
  const std::string key = get("GONG_ACCESS_KEY");
  const std::string secret = get("GONG_ACCESS_KEY_SECRET");
  const std::string token = get("GONG_BEARER_TOKEN");
  if (!key.empty() && !secret.empty()) return Basic(key, secret);
  if (!key.empty() || !secret.empty()) {
    return absl::InvalidArgumentError(
        "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET must be set together");
  }
  if (!token.empty()) return Bearer(token);
  return absl::InvalidArgumentError(
      "no Gong credentials: set GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET "
      "(Basic auth) or GONG_BEARER_TOKEN");
}

}  // namespace gong::upstream
