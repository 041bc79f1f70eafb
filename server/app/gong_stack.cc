#include "app/gong_stack.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/clock.h"
#include "http/curl_transport.h"
#include "idempotency/memory_key_store.h"
#include "idempotency/redis_key_store.h"
#include "observability/logged_gong_client.h"
#include "observability/metered_gong_client.h"
#include "quota/shared_window.h"
#include "quota/sliding_window.h"
#include "upstream/credentials_directory.h"

namespace gong::app {

absl::StatusOr<std::unique_ptr<upstream::CredentialsSource>> LoadGongCredentials(
    const FacadeConfig& config, const std::function<const char*(const char*)>& getenv) {
  if (config.gong_credentials_dir.empty()) {
    absl::StatusOr<upstream::GongCredentials> fixed =
        upstream::GongCredentials::FromEnvironment(getenv);
    if (!fixed.ok()) return fixed.status();
    return std::make_unique<upstream::FixedCredentials>(*std::move(fixed));
  }
  // Two sources would leave operators guessing which one Gong sees (and a
  // rotated Secret silently ignored): one place only.
  std::vector<std::string> given;
  for (const char* name :
       {"GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET", "GONG_BEARER_TOKEN"}) {
    const char* value = getenv(name);
    if (value != nullptr && !absl::StripAsciiWhitespace(value).empty()) {
      given.emplace_back(name);
    }
  }
  if (!given.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--gong_credentials_dir (GONG_FLOWS_GONG_CREDENTIALS_DIR) is given, and so is ",
        absl::StrJoin(given, " and "),
        ": Gong's credentials come from one place only; unset the variables, or "
        "drop the flag"));
  }
  absl::StatusOr<std::unique_ptr<upstream::CredentialsDirectory>> directory =
      upstream::CredentialsDirectory::Load(config.gong_credentials_dir);
  if (!directory.ok()) return directory.status();
  return *std::move(directory);
}

absl::StatusOr<std::unique_ptr<upstream::GongClient>> MakeRestGongClient(
    const FacadeConfig& config,
    std::unique_ptr<upstream::CredentialsSource> credentials) {
  http::CurlTransportOptions options;
  options.ca_file = config.gong_ca_file;
  options.connect_timeout = config.gong_connect_timeout;
  // The steward never has more requests in flight, so more connections
  // would only ever sit idle.
  options.max_connections = config.quota.max_in_flight;
  options.idle_connection_timeout = config.gong_idle_connection_timeout;
  absl::StatusOr<std::unique_ptr<http::CurlTransport>> transport =
      http::CurlTransport::Create(std::move(options));
  if (!transport.ok()) return transport.status();
  return std::make_unique<upstream::RestGongClient>(
      config.gong_base_url, std::move(credentials), *std::move(transport));
}

absl::StatusOr<std::unique_ptr<quota::QuotaSteward>> MakeQuotaSteward(
    const FacadeConfig& config, std::unique_ptr<upstream::GongClient> gong,
    observability::Metrics* metrics) {
  // Every request that reaches the client is a log line, metered or not.
  gong = std::make_unique<observability::LoggedGongClient>(std::move(gong));
  if (metrics != nullptr) {
    gong = std::make_unique<observability::MeteredGongClient>(std::move(gong), metrics);
  }
  quota::QuotaOptions quota = config.quota;
  quota.warm_connection_age = config.gong_idle_connection_timeout;
  const absl::Duration window = absl::Seconds(1) + quota.window_margin;
  std::unique_ptr<base::Clock> clock = base::MakeRealClock();
  std::unique_ptr<quota::RequestWindow> slots;
  if (config.quota_redis.empty()) {
    slots = std::make_unique<quota::SlidingWindow>(quota.gong_qps, window);
  } else {
    absl::StatusOr<redis::RedisAddress> redis = redis::ParseRedisUrl(config.quota_redis);
    if (!redis.ok()) return redis.status();
    quota::SharedWindowOptions shared;
    shared.redis = *std::move(redis);
    shared.redis_password = config.quota_redis_password;
    shared.key = QuotaKey(config);
    shared.max_sends = quota.gong_qps;
    shared.window = window;
    shared.fallback_max_sends = config.quota_fallback_qps;
    shared.late_send_tolerance = quota.window_margin;
    shared.max_pause = quota.max_pause;
    // The steward owns the clock and destroys the window first.
    absl::StatusOr<std::unique_ptr<quota::SharedWindow>> started =
        quota::SharedWindow::Start(std::move(shared), clock.get(), metrics);
    if (!started.ok()) return started.status();
    slots = *std::move(started);
  }
  auto steward = std::make_unique<quota::QuotaSteward>(std::move(gong), std::move(clock),
                                                       std::move(slots), quota);
  if (metrics != nullptr) {
    metrics->WatchQuota([steward = steward.get()] { return steward->GetStats(); });
  }
  return steward;
}

absl::StatusOr<IdempotencyStack> MakeIdempotencyKeys(const FacadeConfig& config,
                                                    base::Clock* clock,
                                                    observability::Metrics* metrics) {
  IdempotencyStack stack;
  if (config.quota_redis.empty()) {
    stack.store = std::make_unique<idempotency::MemoryKeyStore>(
        clock, config.idempotency_max_keys, [metrics] {
          if (metrics != nullptr) metrics->IdempotencyKeyEvicted();
        });
  } else {
    absl::StatusOr<redis::RedisAddress> address = redis::ParseRedisUrl(config.quota_redis);
    if (!address.ok()) return address.status();
    redis::RedisClientOptions options;
    options.address = *std::move(address);
    options.password = config.quota_redis_password;
    absl::StatusOr<std::unique_ptr<redis::RedisClient>> client =
        redis::RedisClient::Start(std::move(options), nullptr);
    if (!client.ok()) return client.status();
    stack.redis = *std::move(client);
    // Generous for a command of a few hundred bytes: a Redis that takes
    // longer is down for that call, which is refused rather than guessed.
    stack.store = std::make_unique<idempotency::RedisKeyStore>(
        stack.redis.get(), absl::StrCat(QuotaKey(config), ":idempotency:"),
        absl::Seconds(1));
  }
  idempotency::KeysOptions options;
  options.ttl = config.idempotency_ttl;
  stack.keys =
      std::make_unique<idempotency::IdempotencyKeys>(stack.store.get(), clock, options);
  return stack;
}

}  // namespace gong::app
