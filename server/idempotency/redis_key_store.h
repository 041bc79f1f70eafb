// The key store every replica shares: keys in Redis, each with Redis's own
// expiry (PX), compare-and-set and compare-and-delete as small Lua scripts
// (EVALSHA, and EVAL when Redis forgot the script), so two replicas racing
// for one key are ordered by Redis. Redis down, slow (no answer within
// `timeout`) or erring is an error status: the caller refuses the call
// rather than guess (IDEMPOTENCY_STORE_UNAVAILABLE).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "idempotency/key_store.h"
#include "redis/redis_client.h"

namespace gong::idempotency {

class RedisKeyStore : public KeyStore {
 public:
  // `client` outlives the store. `prefix` goes before every key
  // ("gong-flows:idempotency:").
  RedisKeyStore(redis::RedisClient* client, std::string prefix, absl::Duration timeout);

  void Get(const std::string& key, GetDone done) override;
  void CompareAndSet(const std::string& key, std::optional<std::string> expected,
                     std::string value, absl::Duration ttl, SetDone done) override;
  void CompareAndDelete(const std::string& key, std::string expected,
                        SetDone done) override;

 private:
  redis::RedisClient* const client_;
  const std::string prefix_;
  const absl::Duration timeout_;
};

}  // namespace gong::idempotency
