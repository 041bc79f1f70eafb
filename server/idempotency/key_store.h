// Where idempotency records are kept: a map from a key to bytes, with a
// time to live, and the two atomic operations that let any number of
// replicas share it without one overwriting another's claim. Two kinds:
// memory (memory_key_store.h: one replica, bounded) and Redis
// (redis_key_store.h: every replica sharing one Redis).
//
// Every operation answers through its callback exactly once, on any thread
// (the memory store inside the call, the Redis store on its client's loop
// thread). An error status (UNAVAILABLE, DEADLINE_EXCEEDED...) means the
// store could not answer: the operation may or may not have happened.
#pragma once

#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace gong::idempotency {

class KeyStore {
 public:
  using GetDone = absl::AnyInvocable<void(absl::StatusOr<std::optional<std::string>>) &&>;
  // true: the store now holds the new value; false: it held something other
  // than `expected`, and nothing changed.
  using SetDone = absl::AnyInvocable<void(absl::StatusOr<bool>) &&>;

  virtual ~KeyStore() = default;

  // The value `key` holds, or nullopt (absent, or expired).
  virtual void Get(const std::string& key, GetDone done) = 0;
  // Atomically: if `key` holds `expected` (nullopt: nothing), sets it to
  // `value`, expiring `ttl` (> 0) from now, and answers true; else false.
  virtual void CompareAndSet(const std::string& key, std::optional<std::string> expected,
                             std::string value, absl::Duration ttl, SetDone done) = 0;
  // Atomically: if `key` holds `expected`, removes it and answers true;
  // else false.
  virtual void CompareAndDelete(const std::string& key, std::string expected,
                                SetDone done) = 0;
};

}  // namespace gong::idempotency
