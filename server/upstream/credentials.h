// Gong credentials from the environment, turned into the Authorization
// header Gong expects. The header value is a secret: nothing here prints it.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gong::upstream {

class GongCredentials {
 public:
  // Reads GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET (Basic auth) or
  // GONG_BEARER_TOKEN (Bearer). Basic wins when both are set. `getenv`
  // returns nullptr for unset names; tests inject their own.
  static absl::StatusOr<GongCredentials> FromEnvironment(
      const std::function<const char*(const char*)>& getenv);

  static GongCredentials Basic(absl::string_view key, absl::string_view secret);
  static GongCredentials Bearer(absl::string_view token);

  // The full header line, "Authorization: ...". Secret.
  const std::string& authorization_header() const { return header_; }
  // "basic" or "bearer": safe to log.
  absl::string_view scheme() const { return scheme_; }

 private:
  GongCredentials(std::string scheme, std::string header)
      : scheme_(std::move(scheme)), header_(std::move(header)) {}
  std::string scheme_;
  std::string header_;
};

}  // namespace gong::upstream
