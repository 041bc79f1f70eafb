// The Redis store on a real redis-server: compare-and-set and -delete as
// scripts (reloaded when Redis forgot them), expiry by Redis (PX), two
// stores racing for one key, and a Redis stopped, paused or holding
// something else under the key: an error status, never a crash.
#include "idempotency/redis_key_store.h"

#include <signal.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "support/redis_server.h"
#include "support/wait_until.h"

namespace gong::idempotency {
namespace {

using support::RedisServer;
using support::WaitUntil;

constexpr char kPrefix[] = "gong-flows:idempotency:";

class RedisKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = ReadyClient();
    ASSERT_NE(client_, nullptr);
    // Generous: a loaded machine must not make Redis count as down here.
    store_ = std::make_unique<RedisKeyStore>(client_.get(), kPrefix, absl::Seconds(10));
  }

  std::unique_ptr<redis::RedisClient> ReadyClient() {
    redis::RedisClientOptions options;
    options.address = {"127.0.0.1", server_->port(), 0};
    options.connect_timeout = absl::Seconds(10);
    options.initial_reconnect_delay = absl::Milliseconds(20);
    options.max_reconnect_delay = absl::Milliseconds(200);
    absl::StatusOr<std::unique_ptr<redis::RedisClient>> client =
        redis::RedisClient::Start(options, nullptr);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return nullptr;
    EXPECT_TRUE(WaitUntil([&] { return (*client)->ready(); }));
    return std::move(*client);
  }

  static absl::StatusOr<std::optional<std::string>> Get(KeyStore& store,
                                                        const std::string& key) {
    absl::Notification done;
    absl::StatusOr<std::optional<std::string>> got;
    store.Get(key, [&](absl::StatusOr<std::optional<std::string>> value) {
      got = std::move(value);
      done.Notify();
    });
    done.WaitForNotification();
    return got;
  }

  static absl::StatusOr<bool> Set(KeyStore& store, const std::string& key,
                                  std::optional<std::string> expected, std::string value,
                                  absl::Duration ttl = absl::Hours(1)) {
    absl::Notification done;
    absl::StatusOr<bool> got;
    store.CompareAndSet(key, std::move(expected), std::move(value), ttl,
                        [&](absl::StatusOr<bool> set) {
                          got = std::move(set);
                          done.Notify();
                        });
    done.WaitForNotification();
    return got;
  }

  static absl::StatusOr<bool> Delete(KeyStore& store, const std::string& key,
                                     std::string expected) {
    absl::Notification done;
    absl::StatusOr<bool> got;
    store.CompareAndDelete(key, std::move(expected), [&](absl::StatusOr<bool> deleted) {
      got = std::move(deleted);
      done.Notify();
    });
    done.WaitForNotification();
    return got;
  }

  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<redis::RedisClient> client_;
  std::unique_ptr<RedisKeyStore> store_;
};

TEST_F(RedisKeyStoreTest, CompareAndSetSetsOnlyOverWhatWasExpected) {
  EXPECT_EQ(*Get(*store_, "k"), std::nullopt);
  EXPECT_FALSE(*Set(*store_, "k", "something", "a"));
  EXPECT_TRUE(*Set(*store_, "k", std::nullopt, "a"));
  EXPECT_FALSE(*Set(*store_, "k", std::nullopt, "b"));
  EXPECT_FALSE(*Set(*store_, "k", "b", "c"));
  EXPECT_EQ(*Get(*store_, "k"), "a");
  EXPECT_TRUE(*Set(*store_, "k", "a", "b"));
  EXPECT_EQ(*Get(*store_, "k"), "b");
  // Under the prefix, with Redis's own expiry.
  EXPECT_EQ(*server_->Run({"GET", absl::StrCat(kPrefix, "k")}), "b");
  int64_t pttl = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(*server_->Run({"PTTL", absl::StrCat(kPrefix, "k")}), &pttl));
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 3'600'000);
}

TEST_F(RedisKeyStoreTest, AnEmptyValueIsAValueNotAbsence) {
  EXPECT_TRUE(*Set(*store_, "k", std::nullopt, ""));
  EXPECT_EQ(*Get(*store_, "k"), "");
  EXPECT_FALSE(*Set(*store_, "k", std::nullopt, "a"));
  EXPECT_TRUE(*Set(*store_, "k", "", "a"));
}

TEST_F(RedisKeyStoreTest, CompareAndDeleteDeletesOnlyWhatWasExpected) {
  EXPECT_FALSE(*Delete(*store_, "k", "a"));
  ASSERT_TRUE(*Set(*store_, "k", std::nullopt, "a"));
  EXPECT_FALSE(*Delete(*store_, "k", "b"));
  EXPECT_TRUE(*Delete(*store_, "k", "a"));
  EXPECT_EQ(*Get(*store_, "k"), std::nullopt);
}

TEST_F(RedisKeyStoreTest, ValuesAreBinarySafe) {
  const std::string value("{\"a\":1}\0\xff\r\n", 11);
  ASSERT_TRUE(*Set(*store_, "k", std::nullopt, value));
  EXPECT_EQ(*Get(*store_, "k"), value);
  EXPECT_TRUE(*Set(*store_, "k", value, "b"));
}

TEST_F(RedisKeyStoreTest, RedisExpiresTheKey) {
  ASSERT_TRUE(*Set(*store_, "k", std::nullopt, "a", absl::Milliseconds(30)));
  EXPECT_TRUE(WaitUntil([&] { return !Get(*store_, "k")->has_value(); }));
  EXPECT_TRUE(*Set(*store_, "k", std::nullopt, "b"));
}

TEST_F(RedisKeyStoreTest, ATtlUnderAMillisecondIsOneMillisecondNotAnError) {
  absl::StatusOr<bool> set = Set(*store_, "k", std::nullopt, "a", absl::Microseconds(10));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(*set);
}

TEST_F(RedisKeyStoreTest, ScriptsForgottenByRedisAreSentAgain) {
  ASSERT_TRUE(*Set(*store_, "k", std::nullopt, "a"));
  ASSERT_TRUE(server_->Run({"SCRIPT", "FLUSH"}).ok());
  EXPECT_TRUE(*Set(*store_, "k", "a", "b"));
  ASSERT_TRUE(server_->Run({"SCRIPT", "FLUSH"}).ok());
  EXPECT_TRUE(*Delete(*store_, "k", "b"));
}

TEST_F(RedisKeyStoreTest, TwoStoresRacingForAKeyExactlyOneWins) {
  auto other_client = ReadyClient();
  ASSERT_NE(other_client, nullptr);
  RedisKeyStore other(other_client.get(), kPrefix, absl::Seconds(10));
  constexpr int kKeys = 50;
  std::atomic<int> wins[kKeys] = {};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      KeyStore& store = t % 2 == 0 ? static_cast<KeyStore&>(*store_) : other;
      for (int k = 0; k < kKeys; ++k) {
        absl::StatusOr<bool> set = Set(store, absl::StrCat("race-", k), std::nullopt,
                                       absl::StrCat("thread-", t));
        ASSERT_TRUE(set.ok()) << set.status();
        if (*set) ++wins[k];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int k = 0; k < kKeys; ++k) EXPECT_EQ(wins[k].load(), 1) << "key " << k;
}

TEST_F(RedisKeyStoreTest, AStoppedRedisIsAnErrorForEveryOperation) {
  server_->Stop();
  ASSERT_TRUE(WaitUntil([&] { return !client_->ready(); }));
  EXPECT_EQ(Get(*store_, "k").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Set(*store_, "k", std::nullopt, "a").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(Delete(*store_, "k", "a").status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(WaitUntil([&] { return client_->ready(); }));
  // Redis came back empty: the scripts load again by EVAL.
  EXPECT_TRUE(*Set(*store_, "k", std::nullopt, "a"));
}

TEST_F(RedisKeyStoreTest, ARedisThatStopsAnsweringIsAnErrorAfterTheTimeout) {
  RedisKeyStore quick(client_.get(), kPrefix, absl::Milliseconds(100));
  ASSERT_EQ(kill(server_->pid(), SIGSTOP), 0);
  const absl::Status get = Get(quick, "k").status();
  const absl::Status set = Set(quick, "k", std::nullopt, "a").status();
  ASSERT_EQ(kill(server_->pid(), SIGCONT), 0);
  EXPECT_EQ(get.code(), absl::StatusCode::kUnavailable) << get;
  EXPECT_EQ(set.code(), absl::StatusCode::kUnavailable) << set;
}

TEST_F(RedisKeyStoreTest, AKeyOfAnotherTypeIsAnErrorNamingOnlyRedisWord) {
  ASSERT_TRUE(
      server_->Run({"HSET", absl::StrCat(kPrefix, "k"), "field", "s3cret-value"}).ok());
  const absl::Status get = Get(*store_, "k").status();
  EXPECT_EQ(get.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(get.message(), "WRONGTYPE")) << get;
  const absl::Status set = Set(*store_, "k", "s3cret-value", "b").status();
  EXPECT_EQ(set.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(absl::StrContains(set.message(), "s3cret")) << set;
}

TEST_F(RedisKeyStoreTest, ATamperedValueIsReadAsItIsAndComparedAsItIs) {
  ASSERT_TRUE(server_->Run({"SET", absl::StrCat(kPrefix, "k"), "tampered"}).ok());
  EXPECT_EQ(*Get(*store_, "k"), "tampered");
  EXPECT_FALSE(*Set(*store_, "k", std::nullopt, "a"));
  EXPECT_FALSE(*Set(*store_, "k", "tamper", "a"));
  EXPECT_TRUE(*Set(*store_, "k", "tampered", "a"));
}

TEST_F(RedisKeyStoreTest, KeysOutsideThePrefixAreNeverTouched) {
  ASSERT_TRUE(server_->Run({"SET", "k", "theirs"}).ok());
  EXPECT_EQ(*Get(*store_, "k"), std::nullopt);
  EXPECT_TRUE(*Set(*store_, "k", std::nullopt, "ours"));
  EXPECT_EQ(*server_->Run({"GET", "k"}), "theirs");
}

}  // namespace
}  // namespace gong::idempotency
