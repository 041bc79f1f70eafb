// The key store of a replica without Redis: a map in memory, bounded.
// Past max_keys the oldest key (by when it was last set) goes first, each
// such eviction counted (evicted(), and the observer); expired keys are
// dropped as they are met, and never answered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "idempotency/key_store.h"

namespace gong::idempotency {

class MemoryKeyStore : public KeyStore {
 public:
  // `on_evicted` (may be null) is told of each key evicted for room, under
  // no lock of the store's.
  MemoryKeyStore(base::Clock* clock, size_t max_keys,
                 absl::AnyInvocable<void()> on_evicted = nullptr);

  void Get(const std::string& key, GetDone done) override;
  void CompareAndSet(const std::string& key, std::optional<std::string> expected,
                     std::string value, absl::Duration ttl, SetDone done) override;
  void CompareAndDelete(const std::string& key, std::string expected,
                        SetDone done) override;

  size_t size() const;       // keys held (expired ones may still count)
  uint64_t evicted() const;  // keys evicted for room, ever

 private:
  // A key's value, when it expires, and its place in the age order.
  struct Entry {
    std::string value;
    absl::Time expires;
    std::list<std::string>::iterator age;
  };
  using Map = absl::flat_hash_map<std::string, Entry>;

  // The live entry of `key`, or end() (an expired one is dropped).
  Map::iterator FindLive(const std::string& key, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Erase(Map::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets `key` (the newest), then makes room: the number of keys evicted.
  size_t Set(const std::string& key, std::string value, absl::Time expires)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the expired keys at the old end of the age order.
  void PruneOldest(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void TellEvicted(size_t count);

  base::Clock* const clock_;
  const size_t max_keys_;
  absl::AnyInvocable<void()> on_evicted_;
  mutable absl::Mutex mu_;
  Map entries_ ABSL_GUARDED_BY(mu_);
  // Keys, oldest set first.
  std::list<std::string> ages_ ABSL_GUARDED_BY(mu_);
  uint64_t evicted_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gong::idempotency
