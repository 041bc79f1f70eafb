// The quota steward: every Gong request, of any endpoint, waits its turn in
// one queue under Gong's quota, which is the company's across every
// endpoint (N calls a second, 3 by default; 10,000 a day).
// - The window (request_window.h) gives the slots: no window ever holds
//   more than N requests. A call that may go now goes now; the others wait
//   in the queue, holding no thread.
// - The queue's order: first the batches put back first in line (retries,
//   the halves of a split request, the resend after a 401); then
//   interactive calls; then background ones (GongRequest::priority), so
//   that an interactive call waits at most for the window's next slot
//   whatever background work is queued. Within one priority, callers take
//   turns by GongRequest::queue_key (fair_turns.h): one caller's thousands
//   of queued requests do not make another's single call wait behind them.
//   With options.fair_queueing off, one first-come-first-served queue.
// - Coalescing (coalescing.h), when the call's endpoint has a policy:
//   waiting calls that can merge share one Gong request. An interactive
//   call never joins a background request (it would wait behind background
//   work); a background call may ride in an interactive request's spare
//   room, at once or when that request is sent. No caller pays for
//   another's part: a merged request Gong refuses whole without acting
//   (400, 404, 409, 422) is sent again in halves, first in line, until each
//   caller's part has its own answer, unless the policy says the refusal is
//   true of every part. Other failures fail all the request's callers.
//   Gong's answer reaches every caller with a part through the policy's
//   Share, cut to the caller's own ids, however many of the request's
//   callers are left (one who leaves while the request is in flight
//   leaves its ids in what Gong answers).
// - A request Gong refused with 401 is sent once more, first in line and
//   with no pause, when the credentials changed since it was sent (Gong
//   acted on none of it); like any request it takes a slot of the window.
// - Retries by the request's idempotency (retry_policy.h). A 429 pauses the
//   whole queue for Retry-After, a 503 or refused connection for a jittered
//   backoff: the quota and Gong's health are the company's. No pause, and
//   no RetryInfo given to a caller, is longer than max_pause, and Gong's
//   next good answer ends a pause.
// - The day's budget (options.daily_limit): once the UTC day's count (the
//   company's when the window is shared) reaches daily_limit -
//   daily_reserve, calls whose requests are all background are refused, at
//   once or when their turn comes; at daily_limit every call is, and no
//   request is sent that would pass the limit. Their RetryInfo is the next
//   UTC midnight, which no max_pause shortens.
// - Bounded: at most max_in_flight Gong requests at once (the limiter may
//   be off, and Gong may be slow); further calls wait in the queue, in
//   their order, like calls waiting for the window.
// - Fail fast: a call whose turn would come after its deadline is refused
//   (QuotaRefusal) as soon as that is known, and past max_pending_calls
//   waiting calls a new call is refused at once.
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "quota/coalescing.h"
#include "quota/daily_counter.h"
#include "quota/fair_turns.h"
#include "quota/quota_refusal.h"
#include "quota/request_window.h"
#include "quota/retry_policy.h"
#include "upstream/gong_client.h"

namespace gong::quota {

struct QuotaOptions {
  int gong_qps = 3;  // Gong requests per second; 0: no limit
  // Added to the one-second window: Gong's clock sees our requests a little
  // later and less evenly than we send them.
  absl::Duration window_margin = absl::Milliseconds(25);
  bool coalesce = true;
  int max_attempts = 3;  // Gong requests per call, first one included
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
  // Gong requests a UTC day may send, the company's when the window is
  // shared (else this replica's); 0: no limit. Once the day's count reaches
  // daily_limit - daily_reserve, background calls are refused; at
  // daily_limit every call is.
  int64_t daily_limit = 10000;
  int64_t daily_reserve = 1000;
  // false: one first-come-first-served queue, no priorities and no turns
  // between callers (the steward before issue 29); for measurements only.
  bool fair_queueing = true;
};

class QuotaSteward {
 public:
  using CallId = uint64_t;
  // Runs exactly once, never while the steward holds its lock; it may run
  // inside Submit (a refusal at once).
  using Callback = absl::AnyInvocable<void(QuotaOutcome) &&>;

  // The steward owns `gong` (whose callbacks must never run inside its
  // Send) and `clock`; the window is the local sliding one of
  // options.gong_qps.
  QuotaSteward(std::unique_ptr<upstream::GongClient> gong,
               std::unique_ptr<base::Clock> clock, QuotaOptions options);
  QuotaSteward(std::unique_ptr<upstream::GongClient> gong,
               std::unique_ptr<base::Clock> clock, std::unique_ptr<RequestWindow> window,
               QuotaOptions options);
  // Ends every call left as cancelled, then stops Gong and the clock (no
  // request is sent once it begins).
  ~QuotaSteward();

  // Queues `request` for its turn. `part` (may be null: never merged) lets
  // it merge with waiting calls of the same policy and key.
  CallId Submit(upstream::GongRequest request, std::unique_ptr<Coalescable> part,
                Callback done);

  // Ends call `id` as cancelled unless it already ended; a Gong request
  // left with no caller is cancelled too. Safe from any thread.
  void Cancel(CallId id);

  struct Stats {
    size_t waiting_calls = 0;
    size_t gong_requests_in_flight = 0;
    int64_t gong_requests = 0;  // since start
    // This UTC day, Gong's daily quota: the company's when the window is
    // shared, else this replica's.
    int64_t gong_requests_today = 0;
    int64_t retries = 0;
    int64_t split_requests = 0;     // parts of refused merged requests
    const char* backend = "local";  // the window's: "redis" or "local"
    // waiting_calls by the priority their callers asked for (a background
    // call riding in an interactive request counts as background).
    size_t waiting_interactive = 0;
    size_t waiting_background = 0;
    // Gong requests left this UTC day under daily_limit (never below 0);
    // nullopt when there is no limit.
    std::optional<int64_t> daily_budget_left;
    // Calls refused by the steward since start, by QuotaRefusal::Reason
    // (indexed by its value).
    std::array<int64_t, 4> refusals = {};
  };
  Stats GetStats();

  // The most calls held at once (waiting, plus Gong requests in flight)
  // since the last TakeMostHeld: a burst that came and went between two
  // reads of GetStats still shows here.
  size_t TakeMostHeld();

 private:
  struct Call;
  struct Batch;
  using Completion = std::pair<Callback, QuotaOutcome>;

  // Each runs under mu_ and appends the callbacks to run after unlocking.
  // After calls are added to the queue: notes the most held at once.
  void NoteHeld() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Pump(absl::Time now, std::vector<Completion>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Counts `batch` as sent and queues its request in outgoing_.
  void Send(std::unique_ptr<Batch> batch, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After unlocking: hands the queued requests to Gong's client.
  void SendOutgoing() ABSL_LOCKS_EXCLUDED(mu_);
  void FailLateCalls(absl::Time now, std::vector<Completion>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The queue (see the top of this file). Queues a new batch in its
  // priority's turns; or first in line, counting its calls as waiting.
  void Enqueue(std::unique_ptr<Batch> batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PutFirst(std::unique_ptr<Batch> batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The batch whose turn is next (null: none waits).
  Batch* Next() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes `batch` out of the queue (and out of open_), its calls no longer
  // waiting; `took_turn`: it is being sent, so its callers' turn passed.
  std::unique_ptr<Batch> Unqueue(Batch* batch, bool took_turn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  size_t QueuedBatches() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // How many batches go before `batch`.
  size_t Place(const Batch& batch) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Every waiting batch, in the queue's order.
  std::vector<Batch*> InOrder() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddWaiting(const Call& call, int sign) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // When `batch`, interactive and about to be sent, has room: waiting
  // background calls of its policy and key move into it.
  void TakeRiders(Batch* batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The day's budget. The count (the company's when the window knows it);
  // the refusal, if any, of calls that are all background (`background`)
  // or not; and the refusal of every waiting call it applies to.
  int64_t RequestsToday(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<QuotaRefusal> BudgetRefusal(bool background, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RefuseOverBudget(absl::Time now, std::vector<Completion>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends every call of `batch` (out of the queue) with `refusal`.
  void Refuse(std::unique_ptr<Batch> batch, const QuotaRefusal& refusal,
              std::vector<Completion>* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CountRefusal(const QuotaRefusal& refusal) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues `batch` again, first in line, in two halves of its calls.
  void Split(std::unique_ptr<Batch> batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `error` with its retry_after within max_pause.
  upstream::GongError Capped(upstream::GongError error) const;
  QuotaRefusal Capped(QuotaRefusal refusal) const;
  void WakeAt(absl::Time when) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Gong's outcome for a batch: notes what it says of the window and the
  // pause, then carries out what DecideOnAnswer decides.
  void OnAnswer(uint64_t batch_id, upstream::GongOutcome outcome);
  // What an outcome says of the window (a cold request counts from its
  // answer) and of Gong's health (a good answer ends a pause).
  void NoteAnswer(const Batch& batch, const upstream::GongOutcome& outcome,
                  absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Pauses the queue as `error` asks (Retry-After, or a backoff) and queues
  // `batch` again, first in line.
  void Retry(std::unique_ptr<Batch> batch, const upstream::GongError& error,
             absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues `batch` again, first in line and with no pause: Gong refused
  // credentials that have been replaced since (DecideOnAnswer's kResend).
  void Resend(std::unique_ptr<Batch> batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends `batch`'s calls with `outcome`, each error seen as its caller may
  // see it; but returns the batch when its answer is to be shared out by
  // its policy (ShareOut, after unlocking), and null otherwise.
  std::unique_ptr<Batch> Complete(std::unique_ptr<Batch> batch,
                                  upstream::GongOutcome* outcome,
                                  std::vector<Completion>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Without mu_ (decoding the answer takes a while: no other call waits for
  // the lock meanwhile): each caller of `batch` gets its own share of
  // `answer`.
  static void ShareOut(Batch* batch, const upstream::GongAnswer& answer,
                       std::vector<Completion>* out);
  void OnWake();
  void OnWindowNews();
  absl::Time QueueStart(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::unique_ptr<Call> Detach(CallId id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const QuotaOptions options_;
  const ExponentialBackoff backoff_;
  std::unique_ptr<upstream::GongClient> gong_;
  std::unique_ptr<base::Clock> clock_;

  absl::Mutex mu_;
  std::unique_ptr<RequestWindow> window_ ABSL_GUARDED_BY(mu_);
  // Waiting batches: those put back first in line, then each priority's
  // turns (indexed by upstream::Priority).
  std::list<std::unique_ptr<Batch>> first_ ABSL_GUARDED_BY(mu_);
  std::array<internal::FairTurns<Batch>, 2> turns_ ABSL_GUARDED_BY(mu_);
  // The newest waiting batch per policy, key and priority: where a new call
  // may join.
  absl::flat_hash_map<
      std::tuple<const CoalescingPolicy*, std::string, upstream::Priority>, Batch*>
      open_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::unique_ptr<Batch>> in_flight_ ABSL_GUARDED_BY(mu_);
  // Requests counted and in flight but not yet handed to Gong's client, by
  // batch id; and how many threads are handing some over.
  std::vector<std::pair<uint64_t, upstream::GongRequest>> outgoing_ ABSL_GUARDED_BY(mu_);
  int sending_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<CallId, Batch*> batch_of_ ABSL_GUARDED_BY(mu_);
  size_t waiting_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::array<size_t, 2> waiting_by_priority_ ABSL_GUARDED_BY(mu_) = {};
  std::array<int64_t, 4> refusals_ ABSL_GUARDED_BY(mu_) = {};
  // The UTC days whose reserve and limit were logged as reached.
  int64_t reserve_logged_day_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t limit_logged_day_ ABSL_GUARDED_BY(mu_) = -1;
  size_t most_held_ ABSL_GUARDED_BY(mu_) = 0;  // since the last TakeMostHeld
  CallId next_call_id_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_batch_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;  // in the destructor: send nothing
  absl::Time paused_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time wake_at_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // When Gong last answered: a request sent long after that may have to
  // open a connection first (see Send()).
  absl::Time last_answer_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  internal::DailyRequestCounter daily_ ABSL_GUARDED_BY(mu_);
  int64_t requests_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t retries_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t split_requests_ ABSL_GUARDED_BY(mu_) = 0;
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gong::quota
