// The memory store: compare-and-set and compare-and-delete, expiry by the
// clock, and the bound (oldest set first, each eviction counted).
#include "idempotency/memory_key_store.h"

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fakes/fake_clock.h"
#include "gtest/gtest.h"

namespace gong::idempotency {
namespace {

std::optional<std::string> Get(KeyStore& store, const std::string& key) {
  std::optional<std::string> got;
  bool answered = false;
  store.Get(key, [&](absl::StatusOr<std::optional<std::string>> value) {
    ASSERT_TRUE(value.ok());
    got = *value;
    answered = true;
  });
  EXPECT_TRUE(answered);
  return got;
}

bool Set(KeyStore& store, const std::string& key, std::optional<std::string> expected,
         const std::string& value, absl::Duration ttl = absl::Hours(1)) {
  bool set = false;
  bool answered = false;
  store.CompareAndSet(key, expected, value, ttl, [&](absl::StatusOr<bool> result) {
    ASSERT_TRUE(result.ok());
    set = *result;
    answered = true;
  });
  EXPECT_TRUE(answered);
  return set;
}

bool Delete(KeyStore& store, const std::string& key, const std::string& expected) {
  bool deleted = false;
  store.CompareAndDelete(key, expected, [&](absl::StatusOr<bool> result) {
    ASSERT_TRUE(result.ok());
    deleted = *result;
  });
  return deleted;
}

TEST(MemoryKeyStoreTest, CompareAndSetSetsOnlyOverWhatWasExpected) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 10);
  EXPECT_EQ(Get(store, "k"), std::nullopt);
  EXPECT_FALSE(Set(store, "k", "something", "a"));  // absent, not "something"
  EXPECT_TRUE(Set(store, "k", std::nullopt, "a"));
  EXPECT_FALSE(Set(store, "k", std::nullopt, "b"));  // not absent any more
  EXPECT_FALSE(Set(store, "k", "b", "c"));
  EXPECT_EQ(Get(store, "k"), "a");
  EXPECT_TRUE(Set(store, "k", "a", "b"));
  EXPECT_EQ(Get(store, "k"), "b");
}

TEST(MemoryKeyStoreTest, CompareAndDeleteDeletesOnlyWhatWasExpected) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 10);
  EXPECT_FALSE(Delete(store, "k", "a"));
  ASSERT_TRUE(Set(store, "k", std::nullopt, "a"));
  EXPECT_FALSE(Delete(store, "k", "b"));
  EXPECT_EQ(Get(store, "k"), "a");
  EXPECT_TRUE(Delete(store, "k", "a"));
  EXPECT_EQ(Get(store, "k"), std::nullopt);
  EXPECT_EQ(store.size(), 0u);
}

TEST(MemoryKeyStoreTest, ValuesAreBinarySafe) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 10);
  const std::string value("a\0b\xff", 4);
  ASSERT_TRUE(Set(store, std::string("k\0", 2), std::nullopt, value));
  EXPECT_EQ(Get(store, std::string("k\0", 2)), value);
  EXPECT_EQ(Get(store, "k"), std::nullopt);
}

TEST(MemoryKeyStoreTest, AKeyExpiresAtItsTtlAndIsThenAbsentForEveryOperation) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 10);
  ASSERT_TRUE(Set(store, "k", std::nullopt, "a", absl::Seconds(10)));
  clock.Advance(absl::Seconds(10) - absl::Nanoseconds(1));
  EXPECT_EQ(Get(store, "k"), "a");
  clock.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(Get(store, "k"), std::nullopt);
  EXPECT_FALSE(Delete(store, "k", "a"));
  EXPECT_FALSE(Set(store, "k", "a", "b"));  // the expired value is not "there"
  EXPECT_TRUE(Set(store, "k", std::nullopt, "b", absl::Seconds(10)));
  EXPECT_EQ(Get(store, "k"), "b");
}

TEST(MemoryKeyStoreTest, SettingAgainRestartsTheTtl) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 10);
  ASSERT_TRUE(Set(store, "k", std::nullopt, "a", absl::Seconds(10)));
  clock.Advance(absl::Seconds(8));
  ASSERT_TRUE(Set(store, "k", "a", "b", absl::Seconds(10)));
  clock.Advance(absl::Seconds(8));
  EXPECT_EQ(Get(store, "k"), "b");
}

TEST(MemoryKeyStoreTest, ExpiredKeysArePrunedAsTheyAreMet) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 1000);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(Set(store, std::to_string(i), std::nullopt, "v", absl::Seconds(1)));
  }
  EXPECT_EQ(store.size(), 100u);
  clock.Advance(absl::Seconds(2));
  EXPECT_EQ(Get(store, "unrelated"), std::nullopt);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.evicted(), 0u);  // expiry is no eviction
}

TEST(MemoryKeyStoreTest, PastTheBoundTheOldestSetGoesFirstCounted) {
  fakes::FakeClock clock;
  int told = 0;
  MemoryKeyStore store(&clock, 3, [&] { ++told; });
  ASSERT_TRUE(Set(store, "a", std::nullopt, "1"));
  ASSERT_TRUE(Set(store, "b", std::nullopt, "1"));
  ASSERT_TRUE(Set(store, "c", std::nullopt, "1"));
  ASSERT_TRUE(Set(store, "a", "1", "2"));  // "a" is now the newest
  ASSERT_TRUE(Set(store, "d", std::nullopt, "1"));
  EXPECT_EQ(Get(store, "b"), std::nullopt);
  EXPECT_EQ(Get(store, "a"), "2");
  EXPECT_EQ(Get(store, "c"), "1");
  EXPECT_EQ(Get(store, "d"), "1");
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.evicted(), 1u);
  EXPECT_EQ(told, 1);
  ASSERT_TRUE(Set(store, "e", std::nullopt, "1"));
  EXPECT_EQ(Get(store, "c"), std::nullopt);
  EXPECT_EQ(store.evicted(), 2u);
  EXPECT_EQ(told, 2);
}

TEST(MemoryKeyStoreTest, AFailedSetEvictsNothing) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 1);
  ASSERT_TRUE(Set(store, "a", std::nullopt, "1"));
  EXPECT_FALSE(Set(store, "b", "x", "1"));
  EXPECT_EQ(Get(store, "a"), "1");
  EXPECT_EQ(store.evicted(), 0u);
}

TEST(MemoryKeyStoreTest, TheObserverMayUseTheStore) {
  // Told under no lock of the store's: calling it back must not deadlock.
  fakes::FakeClock clock;
  MemoryKeyStore* self = nullptr;
  size_t seen = 0;
  MemoryKeyStore store(&clock, 1, [&] { seen = self->size(); });
  self = &store;
  ASSERT_TRUE(Set(store, "a", std::nullopt, "1"));
  ASSERT_TRUE(Set(store, "b", std::nullopt, "1"));
  EXPECT_EQ(seen, 1u);
}

TEST(MemoryKeyStoreTest, ThousandsOfKeysStayWithinTheBound) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 1000);
  for (int i = 0; i < 20'000; ++i) {
    ASSERT_TRUE(Set(store, std::to_string(i), std::nullopt, "v"));
  }
  EXPECT_EQ(store.size(), 1000u);
  EXPECT_EQ(store.evicted(), 19'000u);
  EXPECT_EQ(Get(store, "18999"), std::nullopt);
  EXPECT_EQ(Get(store, "19000"), "v");
}

TEST(MemoryKeyStoreTest, ThreadsRacingForAKeyExactlyOneWins) {
  fakes::FakeClock clock;
  MemoryKeyStore store(&clock, 1000);
  constexpr int kKeys = 500;
  std::atomic<int> wins[kKeys] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kKeys; ++k) {
        store.CompareAndSet(absl::StrCat("race-", k), std::nullopt, absl::StrCat(t),
                            absl::Hours(1), [&, k](absl::StatusOr<bool> set) {
                              if (set.ok() && *set) ++wins[k];
                            });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int k = 0; k < kKeys; ++k) EXPECT_EQ(wins[k].load(), 1) << "key " << k;
}

}  // namespace
}  // namespace gong::idempotency
