// The shared window's Lua script alone, on a real redis-server: three
// clients reserving at once for ten seconds, each sending at its slot and
// asking again, as replicas do. No window of one second (plus the margin)
// ever holds more than the limit, and grants come in the order asked.
#include "quota/shared_window_script.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "support/redis_server.h"

namespace gong {
namespace {

constexpr int kLimit = 3;
constexpr int64_t kWindowUs = 1'025'000;

struct Grant {
  int client;
  absl::Time asked, answered;  // on this machine's clock
  int64_t slot_us;             // on Redis's
};

TEST(SharedWindowScriptTest, ThreeClientsReservingForTenSecondsNeverOverfillAWindow) {
  absl::StatusOr<std::unique_ptr<testing::RedisServer>> redis =
      testing::RedisServer::Start();
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
        const std::vector<std::string> argv = {
            "EVAL",       kSharedWindowScript,  "3",
            "{t}:window", "{t}:pause",          "{t}:day:",
            "reserve",    absl::StrCat(kLimit), absl::StrCat(kWindowUs),
            member};
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

}  // namespace
}  // namespace gong
