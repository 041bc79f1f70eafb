// The shared window's Lua script alone, on a real redis-server: three
// clients reserving at once for ten seconds, each sending at its slot and
// asking again, as replicas do. No window of one second (plus the margin)
// ever holds more than the limit, and grants come in the order asked. And
// a pause longer than a replica waits for holds it no longer, nor do the
// grants of replicas that wait it out.
#include "quota/shared_window_script.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "support/redis_server.h"

namespace gong::quota {
namespace {

using internal::kSharedWindowScript;

constexpr int kLimit = 3;
constexpr int64_t kWindowUs = 1'025'000;
constexpr int64_t kMaxWaitUs = 60'000'000;  // --max_gong_pause's default

struct Grant {
  int client;
  absl::Time asked, answered;  // on this machine's clock
  int64_t slot_us;             // on Redis's
};

TEST(SharedWindowScriptTest, ThreeClientsReservingForTenSecondsNeverOverfillAWindow) {
  absl::StatusOr<std::unique_ptr<support::RedisServer>> redis =
      support::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const int port = (*redis)->port();
  absl::Mutex mu;
  std::vector<Grant> grants;
  const absl::Time stop = absl::Now() + absl::Seconds(10);
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&, c] {
      redisContext* context = redisConnect("127.0.0.1", port);
      ASSERT_TRUE(context != nullptr && context->err == 0);
      for (int n = 0; absl::Now() < stop; ++n) {
        const std::string member = absl::StrCat(c, ":", n);
        const std::vector<std::string> argv = {"EVAL",
                                               kSharedWindowScript,
                                               "3",
                                               "{t}:window",
                                               "{t}:pause",
                                               "{t}:day:",
                                               "reserve",
                                               absl::StrCat(kLimit),
                                               absl::StrCat(kWindowUs),
                                               member,
                                               absl::StrCat(kMaxWaitUs)};
        std::vector<const char*> args;
        std::vector<size_t> lengths;
        for (const std::string& a : argv) {
          args.push_back(a.data());
          lengths.push_back(a.size());
        }
        const absl::Time asked = absl::Now();
        auto* reply = static_cast<redisReply*>(
            redisCommandArgv(context, args.size(), args.data(), lengths.data()));
        const absl::Time answered = absl::Now();
        ASSERT_NE(reply, nullptr);
        ASSERT_EQ(reply->type, REDIS_REPLY_ARRAY) << (reply->str ? reply->str : "");
        ASSERT_EQ(reply->elements, 3u);
        const int64_t wait_us = reply->element[0]->integer;
        const int64_t slot_us = reply->element[2]->integer;
        freeReplyObject(reply);
        {
          absl::MutexLock lock(&mu);
          grants.push_back({c, asked, answered, slot_us});
        }
        absl::SleepFor(absl::Microseconds(wait_us));  // "send", then ask again
      }
      redisFree(context);
    });
  }
  for (auto& client : clients) client.join();

  // Roughly the limit's worth over ten seconds: every client got its turns.
  ASSERT_GE(grants.size(), 25u);
  for (int c = 0; c < 3; ++c) {
    EXPECT_GE(std::count_if(grants.begin(), grants.end(),
                            [c](const Grant& g) { return g.client == c; }),
              7)
        << "client " << c;
  }
  // No window holds more than the limit: any kLimit + 1 consecutive slots
  // span at least a window.
  std::vector<int64_t> slots;
  for (const Grant& g : grants) slots.push_back(g.slot_us);
  std::sort(slots.begin(), slots.end());
  for (size_t i = 0; i + kLimit < slots.size(); ++i) {
    EXPECT_GE(slots[i + kLimit] - slots[i], kWindowUs) << "at slot " << i;
  }
  // In the order asked: a grant answered before another was asked for
  // never has the later slot.
  for (const Grant& a : grants) {
    for (const Grant& b : grants) {
      if (a.answered < b.asked) {
        EXPECT_LE(a.slot_us, b.slot_us);
      }
    }
  }
}

// The script's reply to `argv`, one integer an element.
std::vector<int64_t> Integers(support::RedisServer& redis,
                              const std::vector<std::string>& argv) {
  const absl::StatusOr<std::string> reply = redis.Run(argv);
  EXPECT_TRUE(reply.ok()) << reply.status();
  std::vector<int64_t> values;
  for (absl::string_view line : absl::StrSplit(reply.value_or(""), '\n')) {
    int64_t value = 0;
    EXPECT_TRUE(absl::SimpleAtoi(line, &value)) << line;
    values.push_back(value);
  }
  return values;
}

// Replicas wait for a pause up to their own ceilings: one at 2 h waits out a
// pause of an hour, and its grant, an hour ahead, holds back none of those
// at 5 s, which keep to the limit among themselves.
TEST(SharedWindowScriptTest, APauseHoldsEachReplicaNoLongerThanItsCeiling) {
  absl::StatusOr<std::unique_ptr<support::RedisServer>> redis =
      support::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto reserve = [&](const std::string& member, int64_t max_wait_us) {
    return Integers(**redis,
                    {"EVAL", kSharedWindowScript, "3", "{t}:window", "{t}:pause",
                     "{t}:day:", "reserve", absl::StrCat(kLimit), absl::StrCat(kWindowUs),
                     member, absl::StrCat(max_wait_us)});
  };
  ASSERT_EQ(Integers(**redis, {"EVAL", kSharedWindowScript, "3", "{t}:window",
                               "{t}:pause", "{t}:day:", "pause", "3600000000"}),
            std::vector<int64_t>{0});

  const std::vector<int64_t> patient = reserve("patient", 7'200'000'000);
  ASSERT_EQ(patient.size(), 3u);
  EXPECT_GE(patient[0], 3'599'000'000);  // the pause, all of it

  std::vector<int64_t> slots;
  for (int i = 0; i < kLimit + 1; ++i) {
    const std::vector<int64_t> hasty = reserve(absl::StrCat("hasty", i), 5'000'000);
    ASSERT_EQ(hasty.size(), 3u);
    EXPECT_LE(hasty[0], 5'000'000 + kWindowUs) << i;
    slots.push_back(hasty[2]);
  }
  // The limit at its ceiling, the next a window later: never past the
  // patient one's grant, never more than the limit in a window.
  for (int i = 1; i < kLimit; ++i) EXPECT_LT(slots[i], slots[0] + kWindowUs) << i;
  EXPECT_EQ(slots[kLimit], slots[0] + kWindowUs);
  EXPECT_LT(slots[kLimit], patient[2]);
}

}  // namespace
}  // namespace gong::quota
