// The claim protocol through Redis, as replicas share it: two
// IdempotencyKeys (each its own client and store) on one redis-server, many
// calls with one key at once. Exactly one goes ahead; the others wait for
// it and replay its answer.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "idempotency/idempotency_keys.h"
#include "idempotency/redis_key_store.h"
#include "support/redis_server.h"
#include "support/wait_until.h"

namespace gong::idempotency {
namespace {

using Claim = IdempotencyKeys::Claim;
using Verdict = IdempotencyKeys::Verdict;
using support::RedisServer;
using support::WaitUntil;

struct Replica {
  std::unique_ptr<redis::RedisClient> client;
  std::unique_ptr<RedisKeyStore> store;
  std::unique_ptr<IdempotencyKeys> keys;
};

Replica StartReplica(const RedisServer& server, base::Clock* clock) {
  redis::RedisClientOptions options;
  options.address = {"127.0.0.1", server.port(), 0};
  options.connect_timeout = absl::Seconds(10);
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> client =
      redis::RedisClient::Start(options, nullptr);
  EXPECT_TRUE(client.ok()) << client.status();
  Replica replica;
  if (!client.ok()) return replica;
  replica.client = std::move(*client);
  EXPECT_TRUE(WaitUntil([&] { return replica.client->ready(); }));
  replica.store = std::make_unique<RedisKeyStore>(
      replica.client.get(), "gong-flows:idempotency:", absl::Seconds(10));
  KeysOptions keys_options;
  keys_options.poll_interval = absl::Milliseconds(5);
  replica.keys =
      std::make_unique<IdempotencyKeys>(replica.store.get(), clock, keys_options);
  return replica;
}

TEST(IdempotencyKeysRedisTest, OneKeyThroughTwoReplicasGoesAheadExactlyOnce) {
  absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<base::Clock> clock = base::MakeRealClock();
  Replica replicas[2] = {StartReplica(**server, clock.get()),
                         StartReplica(**server, clock.get())};
  ASSERT_TRUE(replicas[0].keys && replicas[1].keys);

  const KeyScope scope = {"onyx", "AssignProspects", "run-9/chunk-1"};
  constexpr int kCalls = 10;
  absl::Mutex mu;
  std::vector<Claim> claims;
  for (int i = 0; i < kCalls; ++i) {
    replicas[i % 2].keys->Begin(scope, "fp", absl::Now() + absl::Minutes(5),
                                absl::Now() + absl::Minutes(5), nullptr,
                                [&](Claim claim) {
                                  absl::MutexLock lock(&mu);
                                  claims.push_back(std::move(claim));
                                });
  }
  // One goes ahead; the others wait for it.
  ASSERT_TRUE(WaitUntil([&] {
    absl::MutexLock lock(&mu);
    return !claims.empty();
  }));
  Claim winner;
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(claims.size(), 1u);
    winner = claims[0];
  }
  ASSERT_EQ(winner.verdict, Verdict::kGoAhead);
  StoredOutcome outcome;
  outcome.response = "the answer";
  absl::Notification finished;
  absl::Status ended;
  replicas[0].keys->Finish(winner, outcome, [&](absl::Status s) {
    ended = s;
    finished.Notify();
  });
  finished.WaitForNotification();
  ASSERT_TRUE(ended.ok()) << ended;
  ASSERT_TRUE(WaitUntil([&] {
    absl::MutexLock lock(&mu);
    return claims.size() == kCalls;
  }));
  absl::MutexLock lock(&mu);
  for (int i = 1; i < kCalls; ++i) {
    EXPECT_EQ(claims[i].verdict, Verdict::kReplay) << i;
    EXPECT_EQ(claims[i].outcome, outcome);
  }
}

TEST(IdempotencyKeysRedisTest, ARedisStoppedMeansUnavailableAndKeysOutliveAReplica) {
  absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<base::Clock> clock = base::MakeRealClock();
  const KeyScope scope = {"", "UnassignFlowsByCrmId", "k"};
  auto begin = [&](Replica& replica) {
    absl::Notification done;
    Claim got;
    replica.keys->Begin(scope, "fp", absl::Now() + absl::Minutes(5),
                        absl::Now() + absl::Seconds(1), nullptr, [&](Claim claim) {
                          got = std::move(claim);
                          done.Notify();
                        });
    done.WaitForNotification();
    return got;
  };
  {
    // A replica finishes a call, then goes away (a restart).
    Replica first = StartReplica(**server, clock.get());
    ASSERT_TRUE(first.keys);
    Claim claim = begin(first);
    ASSERT_EQ(claim.verdict, Verdict::kGoAhead);
    absl::Notification done;
    first.keys->Finish(claim, StoredOutcome{}, [&](absl::Status) { done.Notify(); });
    done.WaitForNotification();
  }
  Replica second = StartReplica(**server, clock.get());
  ASSERT_TRUE(second.keys);
  EXPECT_EQ(begin(second).verdict, Verdict::kReplay);
  (*server)->Stop();
  ASSERT_TRUE(WaitUntil([&] { return !second.client->ready(); }));
  EXPECT_EQ(begin(second).verdict, Verdict::kUnavailable);
}

}  // namespace
}  // namespace gong::idempotency
