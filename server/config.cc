#include "config.h"

#include <fstream>
#include <system_error>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gong {

absl::Status ValidateConfig(const FacadeConfig& config) {
  if (config.listen.empty() || config.listen.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen must be HOST:PORT, not \"", config.listen, "\""));
  }
  const std::string& url = config.gong_base_url;
  const bool https = absl::StartsWith(url, "https://");
  if ((!https && !absl::StartsWith(url, "http://")) ||
      url.size() <= (https ? 8u : 7u)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--gong_base_url must be an http(s) URL such as https://api.gong.io, "
        "not \"", url, "\""));
  }
  std::error_code ignored;
  if (!config.gong_ca_file.empty() &&
      (!std::filesystem::is_regular_file(config.gong_ca_file, ignored) ||
       !std::ifstream(config.gong_ca_file))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--gong_ca_file: cannot read the file \"", config.gong_ca_file, "\""));
  }
  if (config.upstream_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--upstream_timeout must be positive");
  }
  if (config.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown_grace must not be negative");
  }
  if (config.quota.gong_qps < 0) {
    return absl::InvalidArgumentError("--gong_qps must be 0 (no limit) or more");
  }
  if (config.quota.max_attempts < 1) {
    return absl::InvalidArgumentError("--gong_max_attempts must be at least 1");
  }
  if (config.quota.max_pending_calls < 1) {
    return absl::InvalidArgumentError("--max_pending_calls must be at least 1");
  }
  return absl::OkStatus();
}

}  // namespace gong
