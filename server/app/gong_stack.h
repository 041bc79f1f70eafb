// The Gong side of the server, assembled from the layers: the libcurl
// transport under the REST client, the logging and metering decorators over
// it, and the quota steward in front. Each part owns the one it wraps, so
// the steward owns the chain.
#pragma once

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "app/config.h"
#include "base/clock.h"
#include "idempotency/idempotency_keys.h"
#include "idempotency/key_store.h"
#include "observability/metrics.h"
#include "quota/quota_steward.h"
#include "redis/redis_client.h"
#include "upstream/credentials.h"
#include "upstream/credentials_source.h"
#include "upstream/gong_client.h"

namespace gong::app {

// Gong's credentials: the directory of --gong_credentials_dir, watched, or
// without it the environment's (GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET,
// or GONG_BEARER_TOKEN), fixed. Refuses both at once (any of those
// variables set, not empty, beside the flag), and a directory without a
// complete set, naming the flag or the variables, never a secret. `getenv`
// returns nullptr for unset names.
absl::StatusOr<std::unique_ptr<upstream::CredentialsSource>> LoadGongCredentials(
    const FacadeConfig& config, const std::function<const char*(const char*)>& getenv);

// The REST client over a libcurl transport, configured by the --gong_* flags.
absl::StatusOr<std::unique_ptr<upstream::GongClient>> MakeRestGongClient(
    const FacadeConfig& config, std::unique_ptr<upstream::CredentialsSource> credentials);

// The quota steward over `gong`, each of whose requests is logged
// (observability/logged_gong_client.h) and, when `metrics` is not null,
// metered; the metrics then read the steward's numbers at each scrape, and
// must stop serving before the steward goes (FacadeServer does so). Its
// window is the company's in Redis with --quota_redis, else this replica's
// own.
absl::StatusOr<std::unique_ptr<quota::QuotaSteward>> MakeQuotaSteward(
    const FacadeConfig& config, std::unique_ptr<upstream::GongClient> gong,
    observability::Metrics* metrics);

// Writes' idempotency keys and their store: in Redis with --quota_redis
// (every replica shares them; a Redis client of their own, under the quota
// key), else in this replica's memory, at most --idempotency_max_keys of
// them (each eviction counted in `metrics`, when not null). `clock` outlives
// them. Members go in reverse order: the keys before their store.
struct IdempotencyStack {
  std::unique_ptr<redis::RedisClient> redis;
  std::unique_ptr<idempotency::KeyStore> store;
  std::unique_ptr<idempotency::IdempotencyKeys> keys;
};
absl::StatusOr<IdempotencyStack> MakeIdempotencyKeys(const FacadeConfig& config,
                                                    base::Clock* clock,
                                                    observability::Metrics* metrics);

}  // namespace gong::app
