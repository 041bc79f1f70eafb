#include "quota/shared_window.h"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "quota/shared_window_script.h"

namespace gong::quota {
namespace {

int64_t Micros(absl::Duration d) { return absl::ToInt64Microseconds(d); }

int64_t UtcDay(absl::Time t) { return absl::ToUnixSeconds(t) / 86400; }

// The integers of an array reply, or nothing if it is anything else.
std::optional<std::vector<int64_t>> Integers(const redis::RedisReply& reply,
                                             size_t at_least) {
  if (reply.type != redis::RedisReply::Type::kArray || reply.elements.size() < at_least) {
    return std::nullopt;
  }
  std::vector<int64_t> values;
  for (const redis::RedisReply& element : reply.elements) {
    if (element.type != redis::RedisReply::Type::kInteger) return std::nullopt;
    values.push_back(element.integer);
  }
  return values;
}

std::string Describe(const absl::StatusOr<redis::RedisReply>& reply) {
  if (!reply.ok()) return std::string(reply.status().message());
  if (reply->type == redis::RedisReply::Type::kError) return reply->str;
  return "an unexpected reply";
}

}  // namespace

namespace internal {

const std::string& SharedWindowScriptSha() {
  static const std::string* const sha = [] {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(kSharedWindowScript, sizeof(kSharedWindowScript) - 1, digest, &length,
               EVP_sha1(), nullptr);
    return new std::string(absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(digest), length)));
  }();
  return *sha;
}

}  // namespace internal

// The clock cannot withdraw a task: a probe task holds this, and finds no
// window once the window is gone.
struct SharedWindow::Lifeline {
  absl::Mutex mu;
  SharedWindow* window ABSL_GUARDED_BY(mu);
};

absl::StatusOr<std::unique_ptr<SharedWindow>> SharedWindow::Start(
    SharedWindowOptions options, base::Clock* clock, SharedWindowObserver* observer) {
  std::unique_ptr<SharedWindow> window(
      new SharedWindow(std::move(options), clock, observer));
  SharedWindow* self = window.get();
  base::LogInfo(
      "quota: the company's window is in Redis; this replica's own limit until "
      "Redis answers",
      {{"redis", self->options_.redis.ToString()},
       {"quota_key", self->options_.key},
       {"gong_qps_all_replicas", int64_t{self->options_.max_sends}},
       {"fallback_qps", int64_t{self->options_.fallback_max_sends}}});
  redis::RedisClientOptions client;
  client.address = self->options_.redis;
  client.password = self->options_.redis_password;
  // Held while starting: the client's first news may come before Start
  // returns, and finds redis_ set.
  absl::MutexLock lock(&self->mu_);
  absl::StatusOr<std::unique_ptr<redis::RedisClient>> redis = redis::RedisClient::Start(
      std::move(client),
      [self](bool ready, absl::string_view why) { self->OnRedisState(ready, why); });
  if (!redis.ok()) return redis.status();
  self->redis_ = *std::move(redis);
  return window;
}

SharedWindow::SharedWindow(SharedWindowOptions options, base::Clock* clock,
                           SharedWindowObserver* observer)
    : options_(std::move(options)),
      keys_{"3", absl::StrCat("{", options_.key, "}:window"),
            absl::StrCat("{", options_.key, "}:pause"),
            absl::StrCat("{", options_.key, "}:day:")},
      replica_([] {
        absl::BitGen random;
        return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(random)), ":");
      }()),
      clock_(clock),
      observer_(observer),
      lifeline_(std::make_shared<Lifeline>()),
      local_(options_.fallback_max_sends, options_.window) {
  absl::MutexLock lock(&lifeline_->mu);
  lifeline_->window = this;
}

SharedWindow::~SharedWindow() {
  {
    absl::MutexLock lock(&lifeline_->mu);
    lifeline_->window = nullptr;
  }
  std::unique_ptr<redis::RedisClient> redis;
  {
    absl::MutexLock lock(&mu_);
    redis = std::move(redis_);
  }
  // Ends the commands in flight (CANCELLED, which changes nothing here).
  redis.reset();
  base::LogInfo("quota: the company's window in Redis is left",
                {{"redis", options_.redis.ToString()}, {"quota_key", options_.key}});
}

void SharedWindow::SetWaker(absl::AnyInvocable<void()> wake) { wake_ = std::move(wake); }

void SharedWindow::Wake() {
  if (wake_) wake_();
}

absl::Time SharedWindow::SlotTime(absl::Time now, size_t k) const {
  absl::MutexLock lock(&mu_);
  if (!shared_) return local_.SlotTime(now, k);
  // The other replicas' sends are unknown: as if this one had the window
  // to itself, which no turn can beat.
  const absl::Time first = grant_.has_value() ? std::max(grant_->time, now) : now;
  const absl::Time shared =
      first + options_.window * static_cast<int64_t>(k / options_.max_sends);
  if (now < fallback_pace_until_) return std::max(shared, local_.SlotTime(now, k));
  return shared;
}

absl::Time SharedWindow::NextSlot(absl::Time now, absl::Time earliest) {
  absl::MutexLock lock(&mu_);
  if (!shared_) return local_.SlotTime(earliest, 0);
  // Room in this replica's own window first, then a grant from the
  // company's: both limits hold while replicas come back to Redis.
  if (now < fallback_pace_until_)
    earliest = std::max(earliest, local_.SlotTime(earliest, 0));
  if (grant_.has_value()) {
    if (earliest <= grant_->time + options_.late_send_tolerance) {
      const absl::Time at = std::max(grant_->time, earliest);
      if (at <= grant_->next_look) return at;
      // Far off (a pause): the steward comes back to look again, and a
      // look asks Redis anew, without this grant, which may have been
      // deleted, or the pause shortened, meanwhile.
      if (now < grant_->next_look) return grant_->next_look;
    } else {
      waiting_since_.reset();  // the steward pauses past it: a new wait
    }
    GiveBack(*grant_);
    grant_.reset();
  }
  if (earliest > now) return earliest;  // reserve once the pause is over
  if (!reserving_) Reserve(now);
  return absl::InfiniteFuture();
}

uint64_t SharedWindow::Record(absl::Time when) {
  absl::MutexLock lock(&mu_);
  const uint64_t ticket = local_.Record(when);
  waiting_since_.reset();
  if (shared_ && grant_.has_value()) {
    shared_sends_.push_back({ticket, *std::move(grant_)});
    grant_.reset();
    if (shared_sends_.size() > static_cast<size_t>(options_.max_sends)) {
      shared_sends_.pop_front();
    }
  }
  ++uncounted_;
  FlushCount();
  return ticket;
}

void SharedWindow::Delay(uint64_t ticket, absl::Time later) {
  absl::MutexLock lock(&mu_);
  local_.Delay(ticket, later);
  for (const SharedSend& send : shared_sends_) {
    if (send.ticket != ticket || later <= send.grant.time || !shared_) continue;
    // Moves the send in the company's window, never earlier (GT).
    const int64_t slot_us = send.grant.slot_us + Micros(later - send.grant.time);
    redis_->Command(
        {"ZADD", keys_[1], "XX", "GT", absl::StrCat(slot_us), send.grant.member},
        options_.redis_timeout, [this](Reply reply) {
          if (reply.ok() && reply->type != redis::RedisReply::Type::kError) {
            return;
          }
          if (absl::IsCancelled(reply.status())) return;
          absl::MutexLock lock(&mu_);
          Failed("moving a cold request's slot", reply);
        });
  }
}

void SharedWindow::Pause(absl::Time now, absl::Time until) {
  absl::MutexLock lock(&mu_);
  if (!shared_ || until <= now) return;
  RunScript({"pause", absl::StrCat(Micros(until - now))}, [this](Reply reply) {
    if (absl::IsCancelled(reply.status())) return;
    if (reply.ok() && reply->type == redis::RedisReply::Type::kInteger) return;
    absl::MutexLock lock(&mu_);
    Failed("sharing Gong's 429 pause", reply);
  });
}

std::optional<int64_t> SharedWindow::RequestsToday(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  if (!today_.has_value() || UtcDay(now) != today_day_) return std::nullopt;
  return *today_ + uncounted_;
}

const char* SharedWindow::backend() const {
  absl::MutexLock lock(&mu_);
  return shared_ ? "redis" : "local";
}

void SharedWindow::RunScript(std::vector<std::string> args, ReplyCallback done) {
  if (redis_ == nullptr) {
    std::move(done)(absl::CancelledError("the window is being destroyed"));
    return;
  }
  std::vector<std::string> argv = {"EVALSHA", internal::SharedWindowScriptSha()};
  argv.insert(argv.end(), keys_.begin(), keys_.end());
  argv.insert(argv.end(), args.begin(), args.end());
  const absl::Time asked = clock_->Now();
  redis_->Command(
      argv, options_.redis_timeout,
      [this, argv, asked, done = std::move(done)](Reply reply) mutable {
        if (!reply.ok() || reply->type != redis::RedisReply::Type::kError ||
            !absl::StartsWith(reply->str, "NOSCRIPT")) {
          std::move(done)(std::move(reply));
          return;
        }
        // Redis forgot the script (a restart, a failover, SCRIPT FLUSH):
        // EVAL runs it and caches it again, within what is left of the time.
        argv[0] = "EVAL";
        argv[1] = internal::kSharedWindowScript;
        const absl::Duration left = options_.redis_timeout - (clock_->Now() - asked);
        absl::MutexLock lock(&mu_);
        if (redis_ == nullptr || left <= absl::ZeroDuration()) {
          std::move(done)(
              absl::DeadlineExceededError("reloading the script took too long"));
          return;
        }
        redis_->Command(std::move(argv), left, std::move(done));
      });
}

void SharedWindow::Reserve(absl::Time now) {
  reserving_ = true;
  if (!waiting_since_.has_value()) waiting_since_ = now;
  // What is left of this replica's ceiling on waiting for a pause.
  const absl::Duration max_wait =
      std::max(absl::ZeroDuration(), *waiting_since_ + options_.max_pause - now);
  std::string member = absl::StrCat(replica_, next_member_++);
  RunScript(
      {"reserve", absl::StrCat(options_.max_sends), absl::StrCat(Micros(options_.window)),
       member, absl::StrCat(Micros(max_wait))},
      [this, member, now](Reply reply) { OnReserved(member, now, std::move(reply)); });
}

void SharedWindow::OnReserved(const std::string& member, absl::Time asked, Reply reply) {
  if (absl::IsCancelled(reply.status())) return;
  {
    absl::MutexLock lock(&mu_);
    reserving_ = false;
    const absl::Time now = clock_->Now();
    std::optional<std::vector<int64_t>> values;
    if (reply.ok()) values = Integers(*reply, 3);
    if (values.has_value() && (*values)[0] < 0) values.reset();
    if (!values.has_value()) {
      Failed("reserving a slot", reply);
    } else {
      if (observer_ != nullptr) observer_->RedisAnswered(now - asked);
      // Redis's "in wait_us" counted from its answer's arrival: a slot a
      // little later than Redis's, never earlier.
      Grant grant{now + absl::Microseconds((*values)[0]), (*values)[2], member,
                  now + options_.recheck_interval};
      LearnToday((*values)[1], now);
      if (shared_) {
        grant_ = std::move(grant);
      } else {
        GiveBack(grant);  // fell back meanwhile
      }
    }
  }
  Wake();
}

void SharedWindow::GiveBack(const Grant& grant) {
  if (redis_ == nullptr) return;
  // The next replica may use it. Failing, it only stays unused in the
  // window until it expires: nothing to count.
  redis_->Command({"ZREM", keys_[1], grant.member}, options_.redis_timeout, [](Reply) {});
}

void SharedWindow::FlushCount() {
  if (!shared_ || counting_ || uncounted_ == 0 || redis_ == nullptr) return;
  counting_ = true;
  const int64_t counting = uncounted_;
  RunScript({"count", absl::StrCat(counting)}, [this, counting](Reply reply) {
    if (absl::IsCancelled(reply.status())) return;
    absl::MutexLock lock(&mu_);
    counting_ = false;
    if (!reply.ok() || reply->type != redis::RedisReply::Type::kInteger) {
      Failed("counting the day's requests", reply);
      return;
    }
    uncounted_ -= counting;
    LearnToday(reply->integer, clock_->Now());
    FlushCount();  // what was sent meanwhile
  });
}

void SharedWindow::LearnToday(int64_t today, absl::Time now) {
  today_ = today;
  today_day_ = UtcDay(now);
}

void SharedWindow::Failed(absl::string_view what, const Reply& reply) {
  if (observer_ != nullptr) observer_->RedisFailed();
  FallBack(absl::StrCat(what, ": ", Describe(reply)));
}

void SharedWindow::FallBack(absl::string_view why) {
  good_probes_ = 0;
  if (!shared_ && failure_logged_) {
    ++failures_;  // logged once it ends
    return;
  }
  failures_ = 1;
  const bool was_shared = shared_;
  shared_ = false;
  grant_.reset();  // Redis may have lost it; it expires there anyway
  waiting_since_.reset();
  failure_logged_ = true;
  base::LogError(was_shared
                     ? "quota: Redis failed; this replica keeps its own limit until "
                       "Redis answers again"
                     : "quota: Redis cannot be used; this replica keeps its own limit "
                       "until Redis answers",
                 {{"redis", options_.redis.ToString()},
                  {"why", std::string(why)},
                  {"fallback_qps", int64_t{options_.fallback_max_sends}}});
  ProbeLater();
}

void SharedWindow::OnRedisState(bool ready, absl::string_view why) {
  {
    absl::MutexLock lock(&mu_);
    if (ready) {
      if (!shared_) Probe();
      return;
    }
    if (observer_ != nullptr) observer_->RedisFailed();
    FallBack(why);
  }
  Wake();  // a call waiting for a grant goes by the local window now
}

void SharedWindow::ProbeLater() {
  if (probe_scheduled_ || probing_) return;
  probe_scheduled_ = true;
  const absl::Duration cap = options_.max_probe_delay;
  absl::Duration delay = options_.initial_probe_delay;
  // Confirming a good answer is quick; after a failure, the backoff.
  if (good_probes_ == 0) {
    for (int i = 0; i < failed_probes_ && delay < cap; ++i) delay *= 2;
  }
  absl::BitGen random;
  delay = std::min(delay, cap) * absl::Uniform(random, 0.5, 1.0);
  clock_->RunAt(clock_->Now() + delay, [lifeline = lifeline_] {
    absl::MutexLock lifeline_lock(&lifeline->mu);
    SharedWindow* window = lifeline->window;
    if (window == nullptr) return;
    absl::MutexLock lock(&window->mu_);
    window->probe_scheduled_ = false;
    if (!window->shared_) window->Probe();
  });
}

void SharedWindow::Probe() {
  if (probing_ || redis_ == nullptr) return;
  probing_ = true;
  RunScript({"peek"}, [this](Reply reply) {
    if (absl::IsCancelled(reply.status())) return;
    {
      absl::MutexLock lock(&mu_);
      probing_ = false;
      std::optional<std::vector<int64_t>> values;
      if (reply.ok()) values = Integers(*reply, 2);
      if (!values.has_value()) {
        ++failed_probes_;
        if (observer_ != nullptr) observer_->RedisFailed();
        FallBack(Describe(reply));
        ProbeLater();
        return;
      }
      LearnToday((*values)[1], clock_->Now());
      // After a failure, Redis must answer steadily before it is used
      // again: a Redis failing one command in two would otherwise have the
      // window switch (and log) at each.
      if (failure_logged_ && ++good_probes_ < options_.steady_probes) {
        ProbeLater();
        return;
      }
      GoShared();
    }
    Wake();
  });
}

void SharedWindow::GoShared() {
  if (shared_) return;
  shared_ = true;
  failed_probes_ = 0;
  // The other replicas went local when this one did, and each comes back
  // at its own next probe; until the last may have, this one sending at the
  // company's full rate on top of their fallback rates would pass Gong's
  // limit. (A replica starting up finds none of them local.)
  if (failure_logged_) {
    fallback_pace_until_ = clock_->Now() + options_.max_probe_delay + options_.window;
  }
  if (failure_logged_) {
    base::LogInfo("quota: Redis answers again; back to the company's window",
                  {{"redis", options_.redis.ToString()},
                   {"quota_key", options_.key},
                   {"failures", failures_}});
  } else {
    base::LogInfo("quota: Redis answers; using the company's window",
                  {{"redis", options_.redis.ToString()}, {"quota_key", options_.key}});
  }
  failure_logged_ = false;
  failures_ = 0;
  good_probes_ = 0;
  FlushCount();
}

}  // namespace gong::quota
