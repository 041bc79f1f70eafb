// The facade's configuration, as main builds it from flags, and its checks.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "quota/quota_dispatcher.h"

namespace gong {

struct FacadeConfig {
  std::string listen = "0.0.0.0:50051";  // port 0 picks a free port
  std::string gong_base_url = "https://api.gong.io";
  std::string gong_ca_file;  // extra CA bundle; empty: the system's
  absl::Duration upstream_timeout = absl::Seconds(30);  // calls without deadline
  absl::Duration shutdown_grace = absl::Seconds(10);
  QuotaOptions quota;  // --gong_qps, --coalesce, --gong_max_attempts, ...
};

// Refuses a configuration the server cannot run with, naming the flag.
absl::Status ValidateConfig(const FacadeConfig& config);

}  // namespace gong
