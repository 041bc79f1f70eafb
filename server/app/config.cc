#include "app/config.h"

#include <arpa/inet.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "http/ca_bundle.h"
#include "redis/redis_client.h"

namespace gong::app {
namespace {

// "http://host:port/path" -> "host"; "[::1]" keeps its brackets.
absl::string_view HostOf(absl::string_view url) {
  url.remove_prefix(url.find("://") + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (absl::StartsWith(url, "[")) return url.substr(0, url.find(']') + 1);
  return url.substr(0, url.find(':'));
}

}  // namespace

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  // An IPv4 literal in 127.0.0.0/8; a name such as "127.example.com" is not.
  in_addr address;
  return inet_pton(AF_INET, std::string(host).c_str(), &address) == 1 &&
         (ntohl(address.s_addr) >> 24) == 127;
}

std::string DefaultQuotaKey(absl::string_view gong_base_url) {
  return absl::StrCat("gong-flows:", HostOf(gong_base_url));
}

std::string QuotaKey(const FacadeConfig& config) {
  return config.quota_key.empty() ? DefaultQuotaKey(config.gong_base_url)
                                  : config.quota_key;
}

absl::Status ValidateConfig(const FacadeConfig& config) {
  if (config.listen.empty() || config.listen.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen must be HOST:PORT, not \"", config.listen, "\""));
  }
  const std::string& url = config.gong_base_url;
  const bool https = absl::StartsWith(url, "https://");
  if ((!https && !absl::StartsWith(url, "http://")) || url.size() <= (https ? 8u : 7u)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--gong_base_url must be an http(s) URL such as https://api.gong.io, "
        "not \"",
        url, "\""));
  }
  // The facade holds a key to every flow: it never sends it in clear text
  // except to this machine (the sandbox, tests).
  if (!https && !IsLoopbackHost(HostOf(url))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--gong_base_url must be https:// (plain http only for loopback hosts), not \"",
        url, "\""));
  }
  if (!config.gong_ca_file.empty()) {
    if (absl::Status bundle = http::CheckCaBundle(config.gong_ca_file); !bundle.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--gong_ca_file: ", bundle.message()));
    }
  }
  if (config.upstream_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--upstream_timeout must be positive");
  }
  if (config.gong_connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--gong_connect_timeout must be positive");
  }
  if (config.gong_idle_connection_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--gong_idle_connection_timeout must be positive");
  }
  if (config.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown_grace must not be negative");
  }
  if (config.drain_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--drain_delay must not be negative");
  }
  if (config.max_connection_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--max_connection_age must not be negative");
  }
  if (config.max_request_bytes < kMinRequestBytes ||
      config.max_request_bytes > kMaxRequestBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_request_bytes must be from ", kMinRequestBytes, " to ",
                     kMaxRequestBytes, " bytes, not ", config.max_request_bytes));
  }
  if (config.max_concurrent_streams < 1) {
    return absl::InvalidArgumentError("--max_concurrent_streams must be at least 1");
  }
  if (config.max_grpc_memory_bytes < kMinGrpcMemoryBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_grpc_memory_bytes must be at least ", kMinGrpcMemoryBytes,
                     " bytes, not ", config.max_grpc_memory_bytes));
  }
  if (config.quota.gong_qps < 0) {
    return absl::InvalidArgumentError("--gong_qps must be 0 (no limit) or more");
  }
  if (config.quota.max_pause <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--max_gong_pause must be positive");
  }
  if (config.quota.max_attempts < 1) {
    return absl::InvalidArgumentError("--gong_max_attempts must be at least 1");
  }
  if (config.quota.max_in_flight < 1) {
    return absl::InvalidArgumentError("--max_gong_in_flight must be at least 1");
  }
  if (config.quota.max_pending_calls < 1) {
    return absl::InvalidArgumentError("--max_pending_calls must be at least 1");
  }
  if (config.quota.daily_limit < 0) {
    return absl::InvalidArgumentError("--gong_daily_limit must be 0 (no limit) or more");
  }
  if (config.quota.daily_reserve < 0) {
    return absl::InvalidArgumentError("--daily_reserve must not be negative");
  }
  // A reserve of the whole limit would refuse every background call all
  // day: surely not what was meant. Without a limit there is nothing to
  // reserve, and the default reserve stands unused.
  if (config.quota.daily_limit > 0 &&
      config.quota.daily_reserve >= config.quota.daily_limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("--daily_reserve (", config.quota.daily_reserve,
                     ") must be below --gong_daily_limit (", config.quota.daily_limit,
                     "): it is the part of the day's Gong requests kept for "
                     "interactive calls"));
  }
  if (config.idempotency_ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--idempotency_ttl must be at least 1s: a key kept for less cannot answer a "
        "retry");
  }
  if (config.idempotency_max_keys < 1) {
    return absl::InvalidArgumentError("--idempotency_max_keys must be at least 1");
  }
  if (config.settle_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--settle_delay must be 0 (off) or more");
  }
  if (config.bulk_poll_interval < kMinBulkPollInterval) {
    return absl::InvalidArgumentError(
        absl::StrCat("--bulk_poll_interval must be at least ",
                     absl::FormatDuration(kMinBulkPollInterval)));
  }
  if (!config.quota_redis.empty()) {
    if (absl::Status url = redis::ParseRedisUrl(config.quota_redis).status(); !url.ok()) {
      return url;
    }
    if (config.quota.gong_qps == 0) {
      return absl::InvalidArgumentError(
          "--quota_redis shares --gong_qps among the replicas: --gong_qps must be above "
          "0");
    }
    if (config.quota_fallback_qps < 1 ||
        config.quota_fallback_qps > config.quota.gong_qps) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--quota_fallback_qps must be from 1 to --gong_qps (", config.quota.gong_qps,
          "): it is one replica's share while Redis is out"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gong::app
