#include "idempotency/memory_key_store.h"

#include <algorithm>
#include <utility>

namespace gong::idempotency {

// A bound of 0 would evict every key as it is set: one key at least.
MemoryKeyStore::MemoryKeyStore(base::Clock* clock, size_t max_keys,
                               absl::AnyInvocable<void()> on_evicted)
    : clock_(clock),
      max_keys_(std::max<size_t>(1, max_keys)),
      on_evicted_(std::move(on_evicted)) {}

void MemoryKeyStore::Get(const std::string& key, GetDone done) {
  std::optional<std::string> value;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    PruneOldest(now);
    auto it = FindLive(key, now);
    if (it != entries_.end()) value = it->second.value;
  }
  std::move(done)(std::move(value));
}

void MemoryKeyStore::CompareAndSet(const std::string& key,
                                   std::optional<std::string> expected, std::string value,
                                   absl::Duration ttl, SetDone done) {
  bool set = false;
  size_t evicted = 0;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    PruneOldest(now);
    auto it = FindLive(key, now);
    const bool matches = it == entries_.end()
                             ? !expected.has_value()
                             : expected.has_value() && it->second.value == *expected;
    if (matches) {
      evicted = Set(key, std::move(value), now + ttl);
      set = true;
    }
  }
  TellEvicted(evicted);
  std::move(done)(set);
}

void MemoryKeyStore::CompareAndDelete(const std::string& key, std::string expected,
                                      SetDone done) {
  bool deleted = false;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    PruneOldest(now);
    auto it = FindLive(key, now);
    if (it != entries_.end() && it->second.value == expected) {
      Erase(it);
      deleted = true;
    }
  }
  std::move(done)(deleted);
}

size_t MemoryKeyStore::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

uint64_t MemoryKeyStore::evicted() const {
  absl::MutexLock lock(&mu_);
  return evicted_;
}

MemoryKeyStore::Map::iterator MemoryKeyStore::FindLive(const std::string& key,
                                                       absl::Time now) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.expires <= now) {
    Erase(it);
    return entries_.end();
  }
  return it;
}

void MemoryKeyStore::Erase(Map::iterator it) {
  ages_.erase(it->second.age);
  entries_.erase(it);
}

size_t MemoryKeyStore::Set(const std::string& key, std::string value,
                           absl::Time expires) {
  auto [it, inserted] = entries_.try_emplace(key);
  if (inserted) {
    it->second.age = ages_.insert(ages_.end(), key);
  } else {
    ages_.splice(ages_.end(), ages_, it->second.age);
  }
  it->second.value = std::move(value);
  it->second.expires = expires;
  size_t evicted = 0;
  while (entries_.size() > max_keys_) {
    entries_.erase(ages_.front());
    ages_.pop_front();
    ++evicted;
  }
  evicted_ += evicted;
  return evicted;
}

void MemoryKeyStore::PruneOldest(absl::Time now) {
  // Keys set with one ttl expire in age order, so the expired ones are met
  // here first; one set with a shorter ttl waits until it is looked up or
  // reaches this end.
  while (!ages_.empty()) {
    auto it = entries_.find(ages_.front());
    if (it->second.expires > now) return;
    Erase(it);
  }
}

void MemoryKeyStore::TellEvicted(size_t count) {
  if (on_evicted_ == nullptr) return;
  for (size_t i = 0; i < count; ++i) on_evicted_();
}

}  // namespace gong::idempotency
