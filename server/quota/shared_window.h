// The company's window, shared by every replica through Redis: Gong's limit
// of N requests a second holds for the sum of all replicas' requests, at any
// replica count. A RequestWindow (request_window.h), so the steward's queue,
// coalescing and retries are the same over it as over the local window.
// - One reservation at a time: when the steward wants to send and holds no
//   slot, the window runs the script of shared_window_script.h (EVALSHA, and
//   EVAL when Redis forgot it) and wakes the steward with the slot's time.
//   Calls arriving meanwhile join the batch at the head of the queue. A slot
//   not used within late_send_tolerance of its time is given back.
// - Gong's 429 pause and the day's request count live in Redis too. Of a
//   pause, this replica waits at most its own max_pause, whatever Redis
//   holds, and a grant further than recheck_interval away is asked for
//   again every recheck_interval: a pause or grant deleted or shortened in
//   Redis holds it no longer than its next look.
// - Redis failing is not the facade failing. Down, slow (no answer within
//   redis_timeout) or erring, the window falls back at once to a local
//   window of fallback_max_sends, logs it once, probes Redis with backoff
//   and returns to the shared window once Redis answers steady_probes
//   probes in a row (each a write, as a reservation is), logging the
//   failures counted meanwhile; it keeps to its fallback pace as well for
//   as long as another replica may still be on its own (max_probe_delay
//   and a window). The steward's queue never notices: no call is lost or
//   answered twice.
// No thread of the steward's callers waits on Redis: replies come on the
// Redis client's loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "quota/request_window.h"
#include "quota/sliding_window.h"
#include "redis/redis_client.h"

namespace gong::quota {

struct SharedWindowOptions {
  redis::RedisAddress redis;
  std::string redis_password;  // from the environment; never logged
  std::string key;             // the company's: "gong-flows:api.gong.io"
  int max_sends = 3;           // the company's, per window (> 0)
  absl::Duration window = absl::Seconds(1) + absl::Milliseconds(25);
  int fallback_max_sends = 1;  // this replica's own while Redis is out
  // A Redis command slower than this counts as Redis being down.
  absl::Duration redis_timeout = absl::Milliseconds(100);
  // Probing Redis again while falling back: jittered exponential backoff.
  absl::Duration initial_probe_delay = absl::Milliseconds(100);
  absl::Duration max_probe_delay = absl::Seconds(5);
  // How long after its time a granted slot may still be used (the
  // steward's wake-up is a little late, never early): within the window's
  // margin for jitter.
  absl::Duration late_send_tolerance = absl::Milliseconds(25);
  // This replica's --max_gong_pause: it waits for a pause in Redis (written
  // by a replica with a longer one, or by anything that can write the key)
  // at most this long from when it began waiting for its slot.
  absl::Duration max_pause = absl::Seconds(60);
  // A grant further away than this (a pause) is looked at again this often.
  absl::Duration recheck_interval = absl::Seconds(1);
  // Good probes in a row before going back to Redis after a failure: a
  // Redis that fails one command in two (out of memory, say) is not used
  // again at every answer, to fail the next.
  int steady_probes = 3;
};

// What the metrics want to know of Redis.
class SharedWindowObserver {
 public:
  virtual ~SharedWindowObserver() = default;
  virtual void RedisAnswered(absl::Duration latency) = 0;  // a reservation's
  virtual void RedisFailed() = 0;                          // any command's
};

class SharedWindow final : public RequestWindow {
 public:
  // Starts connecting and returns at once; the window falls back to the
  // local one until Redis first answers. `clock` and `observer` (may be
  // null) must outlive the window. Fails only if the Redis client cannot
  // start.
  static absl::StatusOr<std::unique_ptr<SharedWindow>> Start(
      SharedWindowOptions options, base::Clock* clock, SharedWindowObserver* observer);
  ~SharedWindow() override;

  absl::Time SlotTime(absl::Time now, size_t k) const override;
  absl::Time NextSlot(absl::Time now, absl::Time earliest) override;
  uint64_t Record(absl::Time when) override;
  void Delay(uint64_t ticket, absl::Time later) override;
  void Pause(absl::Time now, absl::Time until) override;
  std::optional<int64_t> RequestsToday(absl::Time now) const override;
  const char* backend() const override;
  void SetWaker(absl::AnyInvocable<void()> wake) override;

 private:
  struct Grant {
    absl::Time time;  // on our clock
    int64_t slot_us;  // on Redis's
    std::string member;
    absl::Time next_look;  // when a grant still far off is asked for again
  };
  struct SharedSend {  // a recent send made on a grant, for Delay()
    uint64_t ticket;
    Grant grant;
  };
  using Reply = absl::StatusOr<redis::RedisReply>;
  using ReplyCallback = absl::AnyInvocable<void(Reply) &&>;
  struct Lifeline;  // lets the clock's probe tasks outlive the window

  SharedWindow(SharedWindowOptions options, base::Clock* clock,
               SharedWindowObserver* observer);

  // Runs the script with `args`, loading it again if Redis forgot it.
  void RunScript(std::vector<std::string> args, ReplyCallback done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Reserve(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnReserved(const std::string& member, absl::Time asked, Reply reply);
  void GiveBack(const Grant& grant) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FlushCount() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Probe() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ProbeLater() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnRedisState(bool ready, absl::string_view why);
  // A failed command: counts it and falls back (for `why`) if shared.
  void Failed(absl::string_view what, const Reply& reply)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts a failure; once shared (or at start-up), falls back and logs why.
  void FallBack(absl::string_view why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void GoShared() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LearnToday(int64_t today, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Wake();

  const SharedWindowOptions options_;
  const std::vector<std::string> keys_;  // "3", window, pause, day prefix
  const std::string replica_;            // this replica's part of members
  base::Clock* const clock_;
  SharedWindowObserver* const observer_;
  std::shared_ptr<Lifeline> lifeline_;
  absl::AnyInvocable<void()> wake_;

  mutable absl::Mutex mu_;
  std::unique_ptr<redis::RedisClient> redis_ ABSL_GUARDED_BY(mu_);
  bool shared_ ABSL_GUARDED_BY(mu_) = false;  // else the local fallback
  bool failure_logged_ ABSL_GUARDED_BY(mu_) = false;
  // Failures since the window last fell back, logged when it goes back to
  // Redis: one line a change of state, however many failures.
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  int good_probes_ ABSL_GUARDED_BY(mu_) = 0;  // in a row, while local
  // Since when this replica waits for a slot (the first reservation since
  // its last send): bounds what it waits of a pause.
  std::optional<absl::Time> waiting_since_ ABSL_GUARDED_BY(mu_);
  // Back on Redis after a failure, this replica also keeps to its fallback
  // pace until then: another replica may still be on its own, unseen by the
  // company's window, for as long as its next probe (at most
  // max_probe_delay) and the window its own sends count in.
  absl::Time fallback_pace_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool probing_ ABSL_GUARDED_BY(mu_) = false;
  bool probe_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  int failed_probes_ ABSL_GUARDED_BY(mu_) = 0;
  bool reserving_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_member_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<Grant> grant_ ABSL_GUARDED_BY(mu_);
  std::deque<SharedSend> shared_sends_ ABSL_GUARDED_BY(mu_);
  // Every send, shared or not: what the fallback starts from.
  SlidingWindow local_ ABSL_GUARDED_BY(mu_);
  // Sends not yet added to the company's count (Redis out, or in transit).
  int64_t uncounted_ ABSL_GUARDED_BY(mu_) = 0;
  bool counting_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<int64_t> today_ ABSL_GUARDED_BY(mu_);  // the company's
  int64_t today_day_ ABSL_GUARDED_BY(mu_) = -1;        // our UTC day of it
};

}  // namespace gong::quota
