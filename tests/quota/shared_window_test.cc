// The shared window on a real redis-server, driven as the steward drives
// it: ask for the next slot, wait for the window's news, send at the slot.
// Two windows on one Redis are two replicas.
#include "quota/shared_window.h"

#include <signal.h>

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "fakes/fake_clock.h"
#include "gtest/gtest.h"
#include "quota/shared_window_script.h"
#include "support/redis_server.h"
#include "support/wait_until.h"

namespace gong::quota {
namespace {

using internal::kSharedWindowScript;
using internal::SharedWindowScriptSha;

using support::RedisServer;
using support::WaitUntil;

class CountingObserver final : public SharedWindowObserver {
 public:
  void RedisAnswered(absl::Duration) override { ++answered; }
  void RedisFailed() override { ++failed; }
  std::atomic<int> answered{0};
  std::atomic<int> failed{0};
};

// One replica's window, with the steward's part played by Send().
class Replica {
 public:
  // `redis_timeout`: generous but for the test of it, so that a loaded
  // machine never makes Redis count as down where that is not the point.
  static SharedWindowOptions Options(const RedisServer& redis, int max_sends,
                                     const std::string& password = "",
                                     absl::Duration redis_timeout = absl::Seconds(5)) {
    SharedWindowOptions options;
    options.redis = *redis::ParseRedisUrl(redis.url());
    options.redis_password = password;
    options.key = "gong-flows:test";
    options.max_sends = max_sends;
    options.window = absl::Seconds(1);
    options.fallback_max_sends = 1;
    options.redis_timeout = redis_timeout;
    options.initial_probe_delay = absl::Milliseconds(50);
    options.max_probe_delay = absl::Milliseconds(500);
    return options;
  }

  Replica(const RedisServer& redis, int max_sends, const std::string& password = "",
          absl::Duration redis_timeout = absl::Seconds(5))
      : Replica(Options(redis, max_sends, password, redis_timeout),
                base::MakeRealClock()) {}

  Replica(const SharedWindowOptions& options, std::unique_ptr<base::Clock> clock)
      : clock_(std::move(clock)) {
    absl::StatusOr<std::unique_ptr<SharedWindow>> window =
        SharedWindow::Start(options, clock_.get(), &observer_);
    EXPECT_TRUE(window.ok()) << window.status();
    window_ = *std::move(window);
    window_->SetWaker([this] {
      absl::MutexLock lock(&mu_);
      ++news_;
    });
  }

  // Takes the next slot and sends at it; returns when it sent.
  absl::Time Send() {
    for (;;) {
      const auto [now, slot] = NowAndKnownNextSlot();
      if (slot > now) {
        absl::SleepFor(slot - now);
        continue;  // ask again at the slot, as the steward's wake-up does
      }
      window_->Record(now);
      return now;
    }
  }

  // NextSlot(now, now) once the window knows it (after any news it
  // waits for).
  absl::Time KnownNextSlot() { return NowAndKnownNextSlot().second; }

  // The clock's now and NextSlot(now, now), once the window knows it
  // (waiting for news while it does not).
  std::pair<absl::Time, absl::Time> NowAndKnownNextSlot() {
    for (;;) {
      int news;
      {
        absl::MutexLock lock(&mu_);
        news = news_;
      }
      const absl::Time now = clock_->Now();
      const absl::Time slot = window_->NextSlot(now, now);
      if (slot != absl::InfiniteFuture()) return {now, slot};
      absl::MutexLock lock(&mu_);
      auto newer = [&] { return news_ != news; };
      mu_.AwaitWithTimeout(absl::Condition(&newer), absl::Seconds(10));
    }
  }

  // Send() on a FakeClock: moves it to each time the window names, as the
  // steward's wake-up would come then, and sends there; returns when.
  absl::Time SendOn(fakes::FakeClock& clock) {
    for (;;) {
      const absl::Time slot = KnownNextSlot();
      const absl::Time now = clock.Now();
      if (slot <= now) {
        window_->Record(now);
        return now;
      }
      clock.Advance(slot - now);
    }
  }

  bool BackendBecomes(const std::string& backend) {
    return WaitUntil([&] { return window_->backend() == backend; });
  }

  // The company's count as the window knows it; -1: it does not.
  int64_t Today() { return window_->RequestsToday(clock_->Now()).value_or(-1); }

  SharedWindow& window() { return *window_; }
  base::Clock& clock() { return *clock_; }
  CountingObserver& observer() { return observer_; }

 private:
  std::unique_ptr<base::Clock> clock_;
  CountingObserver observer_;
  std::unique_ptr<SharedWindow> window_;
  absl::Mutex mu_;
  int news_ ABSL_GUARDED_BY(mu_) = 0;
};

std::unique_ptr<RedisServer> StartRedis(std::vector<std::string> args = {}) {
  absl::StatusOr<std::unique_ptr<RedisServer>> redis =
      RedisServer::Start(std::move(args));
  EXPECT_TRUE(redis.ok()) << redis.status();
  return redis.ok() ? *std::move(redis) : nullptr;
}

// The day's counter in Redis, whatever the day.
std::string DaysCount(RedisServer& redis) {
  absl::StatusOr<std::string> keys = redis.Run({"KEYS", "{gong-flows:test}:day:*"});
  if (!keys.ok() || keys->empty()) return "none";
  return redis.Run({"GET", *keys}).value_or("none");
}

TEST(SharedWindowTest, UsesRedisOnceItAnswers) {
  auto redis = StartRedis();
  Replica replica(*redis, 3);
  EXPECT_TRUE(replica.BackendBecomes("redis"));
  EXPECT_EQ(replica.observer().failed, 0);
}

TEST(SharedWindowTest, TwoReplicasShareOneLimit) {
  auto redis = StartRedis();
  Replica a(*redis, 2), b(*redis, 2);
  ASSERT_TRUE(a.BackendBecomes("redis") && b.BackendBecomes("redis"));
  const absl::Time first = a.Send();
  a.Send();
  // The window's two sends are a's: b waits for the first to leave it.
  const absl::Time third = b.Send();
  EXPECT_GE(third - first, absl::Milliseconds(990));
  EXPECT_GT(a.observer().answered, 0);
}

TEST(SharedWindowTest, AGongPauseOnOneReplicaHoldsTheOther) {
  auto redis = StartRedis();
  Replica a(*redis, 3), b(*redis, 3);
  ASSERT_TRUE(a.BackendBecomes("redis") && b.BackendBecomes("redis"));
  const absl::Time now = a.clock().Now();
  a.window().Pause(now, now + absl::Seconds(2));
  ASSERT_TRUE(WaitUntil([&] {
    return *redis->Run({"EXISTS", "{gong-flows:test}:pause"}) == "1";
  }));
  EXPECT_GE(b.Send() - now, absl::Milliseconds(1900));
}

// Writes a pause ending `ahead` from now on Redis's own clock, as a
// replica with a longer --max_gong_pause, or anything that can write the
// key, could.
void WritePause(RedisServer& redis, absl::Duration ahead) {
  const absl::StatusOr<std::string> time = redis.Run({"TIME"});  // "S\nUS"
  ASSERT_TRUE(time.ok()) << time.status();
  const std::vector<std::string> parts = absl::StrSplit(*time, '\n');
  int64_t seconds = 0, micros = 0;
  ASSERT_TRUE(parts.size() == 2 && absl::SimpleAtoi(parts[0], &seconds) &&
              absl::SimpleAtoi(parts[1], &micros))
      << *time;
  const int64_t ends = seconds * 1'000'000 + micros + absl::ToInt64Microseconds(ahead);
  ASSERT_TRUE(redis
                  .Run({"SET", "{gong-flows:test}:pause", absl::StrCat(ends), "PX",
                        absl::StrCat(absl::ToInt64Milliseconds(ahead))})
                  .ok());
}

// A replica whose own ceiling (--max_gong_pause) is 5 s, on a FakeClock.
struct PausedReplica {
  explicit PausedReplica(const RedisServer& redis) {
    SharedWindowOptions options = Replica::Options(redis, 3);
    options.max_pause = absl::Seconds(5);
    options.recheck_interval = absl::Seconds(1);
    auto fake = std::make_unique<fakes::FakeClock>();
    clock = fake.get();
    replica = std::make_unique<Replica>(options, std::move(fake));
  }
  fakes::FakeClock* clock;
  std::unique_ptr<Replica> replica;
};

TEST(SharedWindowTest, APauseWrittenFarAheadHoldsAReplicaNoLongerThanItsOwnCeiling) {
  auto redis = StartRedis();
  PausedReplica paused(*redis);
  Replica& replica = *paused.replica;
  ASSERT_TRUE(replica.BackendBecomes("redis"));
  WritePause(*redis, absl::Hours(1));

  const absl::Time start = paused.clock->Now();
  const absl::Duration waited = replica.SendOn(*paused.clock) - start;

  // The pause as far as its ceiling, and not beyond.
  EXPECT_LE(waited, absl::Seconds(5));
  EXPECT_GE(waited, absl::Seconds(5) - absl::Milliseconds(1));
  EXPECT_EQ(replica.window().backend(), std::string("redis"));
}

TEST(SharedWindowTest, APauseDeletedFromRedisHoldsAReplicaNoLongerThanItsNextLook) {
  auto redis = StartRedis();
  PausedReplica paused(*redis);
  Replica& replica = *paused.replica;
  ASSERT_TRUE(replica.BackendBecomes("redis"));
  WritePause(*redis, absl::Hours(1));
  const absl::Time start = paused.clock->Now();
  // Granted a slot after the pause (its ceiling): the window names when it
  // looks again, a second on.
  EXPECT_EQ(replica.KnownNextSlot(), start + absl::Seconds(1));

  ASSERT_TRUE(
      redis->Run({"DEL", "{gong-flows:test}:pause", "{gong-flows:test}:window"}).ok());

  EXPECT_EQ(replica.SendOn(*paused.clock) - start, absl::Seconds(1));
}

TEST(SharedWindowTest, TheDaysCountIsTheCompanys) {
  auto redis = StartRedis();
  Replica a(*redis, 10), b(*redis, 10);
  ASSERT_TRUE(a.BackendBecomes("redis") && b.BackendBecomes("redis"));
  a.Send();
  a.Send();
  b.Send();
  // Redis holds the company's count; each window knows it as of its last
  // exchange with Redis, and learns the others' when it next reserves.
  EXPECT_TRUE(WaitUntil([&] { return DaysCount(*redis) == "3"; })) << DaysCount(*redis);
  a.Send();
  EXPECT_TRUE(WaitUntil([&] { return DaysCount(*redis) == "4"; })) << DaysCount(*redis);
  EXPECT_TRUE(WaitUntil([&] { return a.Today() == 4; })) << a.Today();
  b.Send();
  EXPECT_TRUE(WaitUntil([&] { return b.Today() == 5; })) << b.Today();
}

TEST(SharedWindowTest, AScriptRedisForgotIsLoadedAgain) {
  auto redis = StartRedis();
  Replica replica(*redis, 10);
  ASSERT_TRUE(replica.BackendBecomes("redis"));
  replica.Send();
  ASSERT_TRUE(redis->Run({"SCRIPT", "FLUSH"}).ok());
  replica.Send();
  EXPECT_EQ(replica.window().backend(), std::string("redis"));
  EXPECT_EQ(replica.observer().failed, 0);
}

TEST(SharedWindowTest, AGrantTheStewardCannotUseIsGivenBack) {
  auto redis = StartRedis();
  Replica replica(*redis, 10);
  ASSERT_TRUE(replica.BackendBecomes("redis"));
  replica.Send();
  const absl::Time now = replica.clock().Now();
  ASSERT_EQ(replica.window().NextSlot(now, now), absl::InfiniteFuture());
  ASSERT_TRUE(WaitUntil([&] {
    return *redis->Run({"ZCARD", "{gong-flows:test}:window"}) == "2";
  }));
  ASSERT_TRUE(WaitUntil([&] {
    const absl::Time t = replica.clock().Now();
    return replica.window().NextSlot(t, t) != absl::InfiniteFuture();
  }));
  // Paused past the grant (a 503's backoff, say): the slot goes back.
  const absl::Time later = replica.clock().Now() + absl::Seconds(5);
  EXPECT_EQ(replica.window().NextSlot(replica.clock().Now(), later), later);
  EXPECT_TRUE(WaitUntil([&] {
    return *redis->Run({"ZCARD", "{gong-flows:test}:window"}) == "1";
  }));
}

TEST(SharedWindowTest, FallsBackWhenRedisStopsAndReturnsWhenItAnswers) {
  auto redis = StartRedis();
  Replica replica(*redis, 3);
  ASSERT_TRUE(replica.BackendBecomes("redis"));
  replica.Send();
  redis->Stop();
  ASSERT_TRUE(replica.BackendBecomes("local"));
  // Sends go on at the fallback's pace, one a second.
  const absl::Time first = replica.Send();
  EXPECT_GE(replica.Send() - first, absl::Milliseconds(990));
  EXPECT_GT(replica.observer().failed, 0);
  ASSERT_TRUE(redis->Restart().ok());
  EXPECT_TRUE(replica.BackendBecomes("redis"));
  replica.Send();
}

// Replicas come back to Redis one by one, each at its own probe. Until the
// last may have, one back on the company's window keeps to its fallback
// pace too: at the company's full rate on top of the others' fallback
// rates, together they would pass Gong's limit.
TEST(SharedWindowTest, BackOnRedisAReplicaKeepsItsFallbackPaceWhileOthersMayBeLocal) {
  auto redis = StartRedis();
  Replica replica(*redis, 3);  // max_probe_delay 500 ms, window 1 s
  ASSERT_TRUE(replica.BackendBecomes("redis"));
  redis->Stop();
  ASSERT_TRUE(replica.BackendBecomes("local"));
  ASSERT_TRUE(redis->Restart().ok());
  ASSERT_TRUE(replica.BackendBecomes("redis"));
  const absl::Time back = replica.clock().Now();
  const absl::Time first = replica.Send();
  const absl::Time second = replica.Send();
  // The company's window alone would let 3 go at once.
  EXPECT_GE(second - first, absl::Milliseconds(990));
  // Once no replica can still be local, the company's window alone.
  absl::SleepFor(back + absl::Milliseconds(1600) - replica.clock().Now());
  const absl::Time third = replica.Send();
  EXPECT_LT(replica.Send() - third, absl::Milliseconds(900));
}

// The lines of `log` holding `text`.
std::vector<std::string> LinesWith(const std::string& log, absl::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, text)) lines.emplace_back(line);
  }
  return lines;
}

// A Redis out of memory answers reads and refuses writes: every
// reservation fails. Before, each probe (a read) found Redis answering,
// the window went back to it, the next reservation failed, and each switch
// logged a line, many times a second. Now a probe writes too, and one line
// says Redis failed, one that it answers again, with how many failures
// came between.
TEST(SharedWindowTest, ARedisOutOfMemoryIsLoggedOnceAndNotSwitchedBackToUntilItAnswers) {
  auto redis = StartRedis({"--maxmemory-policy", "noeviction"});
  SharedWindowOptions options = Replica::Options(*redis, 3);
  options.fallback_max_sends = 1000;  // its own sends never wait here
  options.initial_probe_delay = absl::Milliseconds(10);
  options.max_probe_delay = absl::Milliseconds(50);
  ::testing::internal::CaptureStderr();
  std::string log;
  int failures = 0;
  {
    Replica replica(options, base::MakeRealClock());
    ASSERT_TRUE(replica.BackendBecomes("redis"));
    replica.Send();
    ASSERT_EQ(replica.observer().failed, 0);
    ASSERT_TRUE(redis->Run({"CONFIG", "SET", "maxmemory", "1"}).ok());
    // Calls keep coming, each asking for a slot as the steward does, until
    // Redis has failed twenty times.
    const absl::Time guard = absl::Now() + absl::Seconds(60);
    while (replica.observer().failed < 20 && absl::Now() < guard) {
      replica.Send();
      absl::SleepFor(absl::Milliseconds(5));  // the pace calls come at
    }
    ASSERT_GE(replica.observer().failed, 20);
    EXPECT_EQ(replica.window().backend(), std::string("local"));
    ASSERT_TRUE(redis->Run({"CONFIG", "SET", "maxmemory", "0"}).ok());
    ASSERT_TRUE(replica.BackendBecomes("redis"));
    failures = replica.observer().failed;
    replica.Send();
  }
  log = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(LinesWith(log, "quota: Redis failed").size(), 1u) << log;
  const std::vector<std::string> back = LinesWith(log, "quota: Redis answers again");
  ASSERT_EQ(back.size(), 1u) << log;
  EXPECT_TRUE(absl::StrContains(back[0], absl::StrCat("\"failures\":", failures)))
      << back[0] << " (" << failures << " failures counted)";
}

TEST(SharedWindowTest, ARedisSlowerThanTheLimitCountsAsDown) {
  auto redis = StartRedis();
  Replica replica(*redis, 3, "", absl::Milliseconds(100));  // the default
  ASSERT_TRUE(replica.BackendBecomes("redis"));
  kill(redis->pid(), SIGSTOP);  // connected, and answering nothing
  const absl::Time asked = absl::Now();
  replica.Send();  // times out, then goes by the fallback
  EXPECT_LT(absl::Now() - asked, absl::Seconds(5));
  EXPECT_EQ(replica.window().backend(), std::string("local"));
  kill(redis->pid(), SIGCONT);
  EXPECT_TRUE(replica.BackendBecomes("redis"));
}

TEST(SharedWindowTest, AWrongPasswordMeansTheFallback) {
  auto redis = StartRedis({"--requirepass", "right"});
  Replica replica(*redis, 3, "wrong");
  EXPECT_TRUE(WaitUntil([&] { return replica.observer().failed > 0; }));
  EXPECT_EQ(replica.window().backend(), std::string("local"));
  replica.Send();
}

TEST(SharedWindowTest, TheScriptSha1IsWhatRedisComputes) {
  auto redis = StartRedis();
  EXPECT_EQ(*redis->Run({"SCRIPT", "LOAD", kSharedWindowScript}),
            SharedWindowScriptSha());
}

}  // namespace
}  // namespace gong::quota
