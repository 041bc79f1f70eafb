// Sends callers' unassign calls to Gong within Gong's quota, merging the
// calls that wait for their turn into shared requests.
//
// Gong allows a company N calls a second (3 by default) but takes up to 200
// ids a call. The dispatcher is a GongClient in front of the real one:
// - A sliding-window limiter: no window ever holds more than N requests.
//   A call that may go now goes now; the others wait in one FIFO queue,
//   holding no thread.
// - Coalescing: waiting calls with the same unassigned_by_user_email are
//   merged, in arrival order, into batches of at most 200 distinct ids. Each
//   caller gets back exactly its own ids; an id two callers asked for is
//   sent once and answered to both. No caller pays for another's ids: a
//   batch Gong refuses whole without acting (400, 404, 409, 422) is sent
//   again in halves, first in line, until each caller's ids have their own
//   answer; Gong's 400 "does not exist" is true of every part, so each
//   caller gets it at once. Other failures fail all the batch's callers.
// - Retries only where Gong surely did not act (see retry_policy.h). A 429
//   pauses the whole queue for Retry-After, a 503 or refused connection for
//   a jittered backoff: the quota and Gong's health are the company's. No
//   pause, and no RetryInfo given to a caller, is longer than max_pause,
//   and Gong's next good answer ends a pause.
// - Bounded: at most max_in_flight Gong requests at once (the limiter may
//   be off, and Gong may be slow); further calls wait in the queue, in
//   arrival order, like calls waiting for the window.
// - Fail fast: a call whose turn would come after its deadline ends
//   RESOURCE_EXHAUSTED with a RetryInfo as soon as that is known, and past
//   max_pending_calls waiting calls a new call is refused at once.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "gong/gong_client.h"
#include "base/clock.h"
#include "quota/daily_counter.h"
#include "quota/retry_policy.h"
#include "quota/sliding_window.h"

namespace gong {

struct QuotaOptions {
  int gong_qps = 3;  // Gong requests per second; 0: no limit
  // Added to the one-second window: Gong's clock sees our requests a little
  // later and less evenly than we send them.
  absl::Duration window_margin = absl::Milliseconds(25);
  bool coalesce = true;
  int max_attempts = 3;  // Gong requests per batch, first one included
  size_t max_pending_calls = 10000;
  // Gong requests awaiting their answer at most: each holds a connection
  // (HTTP/1.1) and memory, whatever the limiter allows.
  size_t max_in_flight = 100;
  absl::Duration initial_backoff = absl::Milliseconds(250);
  absl::Duration max_backoff = absl::Seconds(5);
  // The longest pause and RetryInfo, whatever Gong's Retry-After says: one
  // answer (a proxy's, a bug's) must not stop the service for good.
  absl::Duration max_pause = absl::Seconds(60);
  // How long after Gong's last answer its connection is taken to be still
  // open: no longer than the transport keeps idle connections.
  absl::Duration warm_connection_age = absl::Seconds(30);
};

class QuotaDispatcher final : public GongClient {
 public:
  // `gong` and `clock` must outlive the dispatcher; `gong` must never run a
  // callback inside its Unassign.
  QuotaDispatcher(GongClient* gong, Clock* clock, QuotaOptions options);
  ~QuotaDispatcher() override;  // fails waiting calls as cancelled

  CallId Unassign(UnassignRequest request, absl::Time deadline,
                  Callback done) override;
  void Cancel(CallId id) override;

  struct Stats {
    size_t waiting_calls = 0;
    size_t gong_requests_in_flight = 0;
    int64_t gong_requests = 0;        // since start
    int64_t gong_requests_today = 0;  // this UTC day, Gong's daily quota
    int64_t retries = 0;
    int64_t split_requests = 0;  // parts of refused coalesced requests
  };
  Stats GetStats();

 private:
  struct Call;
  struct Batch;
  using Completion = std::pair<Callback, UnassignOutcome>;

  // Each runs under mu_ and appends the callbacks to run after unlocking.
  void Pump(absl::Time now, std::vector<Completion>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Send(std::shared_ptr<Batch> batch, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailLateCalls(absl::Time now, std::vector<Completion>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues `batch` again, first in line, in two halves of its calls.
  void Split(std::shared_ptr<Batch> batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `error` with its retry_after within max_pause.
  GongError Capped(GongError error) const;
  GongError Refused(GongError::Kind kind, absl::Duration retry_after) const;
  void WakeAt(absl::Time when) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnAnswer(uint64_t batch_id, UnassignOutcome outcome);
  void OnWake();
  absl::Time QueueStart(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::unique_ptr<Call> Detach(CallId id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  GongClient* const gong_;
  Clock* const clock_;
  const QuotaOptions options_;
  const ExponentialBackoff backoff_;

  absl::Mutex mu_;
  SlidingWindow window_ ABSL_GUARDED_BY(mu_);
  std::list<std::shared_ptr<Batch>> queue_ ABSL_GUARDED_BY(mu_);  // waiting
  // The newest waiting batch per email: where a new call may join.
  absl::flat_hash_map<std::string, Batch*> open_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::shared_ptr<Batch>> in_flight_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<CallId, Batch*> batch_of_ ABSL_GUARDED_BY(mu_);
  size_t waiting_calls_ ABSL_GUARDED_BY(mu_) = 0;
  CallId next_call_id_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_batch_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::Time paused_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time wake_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // When Gong last answered: a request sent long after that may have to
  // open a connection first (see Send()).
  absl::Time last_answer_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  DailyRequestCounter daily_ ABSL_GUARDED_BY(mu_);
  int64_t requests_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t retries_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t split_requests_ ABSL_GUARDED_BY(mu_) = 0;
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gong
