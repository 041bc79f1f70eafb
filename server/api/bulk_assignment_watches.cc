#include "api/bulk_assignment_watches.h"

#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "api/status_mapping.h"
#include "upstream/gong_result.h"

namespace gong::api {
namespace {

using upstream::BulkAssignmentResult;
using upstream::BulkAssignmentResultItem;
using upstream::BulkProspect;

// A poll names at most this many of its watchers' calls in its log line:
// a thousand watchers of one job make one poll, not a line of a thousand.
constexpr size_t kMaxTagsPerPoll = 8;

bool SameProspect(const BulkProspect& a, const BulkProspect& b) {
  return std::tie(a.crm_id, a.first_name, a.last_name, a.email, a.job_title,
                  a.linkedin_url, a.account_crm_id, a.company_name) ==
         std::tie(b.crm_id, b.first_name, b.last_name, b.email, b.job_title,
                  b.linkedin_url, b.account_crm_id, b.company_name);
}

bool SameItem(const BulkAssignmentResultItem& a, const BulkAssignmentResultItem& b) {
  return SameProspect(a.prospect, b.prospect) &&
         std::tie(a.status, a.crm_id, a.flow_instance_id, a.error_code,
                  a.error_message) == std::tie(b.status, b.crm_id, b.flow_instance_id,
                                               b.error_code, b.error_message);
}

// Whether two answers say the same of the job: Gong's requestId differs on
// every answer, and the warnings are about reading it, not about the job.
bool SameJob(const BulkAssignmentResult& a, const BulkAssignmentResult& b) {
  if (std::tie(a.bulk_assignment_id, a.state, a.total_count, a.processed_count,
               a.succeeded_count, a.failed_count) !=
          std::tie(b.bulk_assignment_id, b.state, b.total_count, b.processed_count,
                   b.succeeded_count, b.failed_count) ||
      a.results.size() != b.results.size()) {
    return false;
  }
  for (size_t i = 0; i < a.results.size(); ++i) {
    if (!SameItem(a.results[i], b.results[i])) return false;
  }
  return true;
}

// Whether a poll's failure may pass by the next poll: no answer at all (a
// timeout, a broken connection), or Gong's own "not now" (408, 429, 5xx).
// Gong's other refusals (404, 400, 401, 403) and an answer that cannot be
// read would be the same next time.
bool MayPass(const upstream::GongError& error) {
  if (error.kind == upstream::GongError::Kind::kMalformedAnswer) return false;
  if (!error.answered()) return true;
  return error.http_status == 408 || error.http_status == 429 || error.http_status >= 500;
}

// Whether a refusal by the steward lasts until the next UTC midnight.
bool DayRefused(const quota::QuotaRefusal& refusal) {
  return refusal.reason == quota::QuotaRefusal::Reason::kDailyBudgetReserved ||
         refusal.reason == quota::QuotaRefusal::Reason::kDailyLimitReached;
}

}  // namespace

struct BulkAssignmentWatches::Core : std::enable_shared_from_this<Core> {
  struct Watch {
    BulkAssignmentWatcher* watcher;
    upstream::CallTag tag;
    std::string queue_key;
  };

  // One job's poll and watchers. Shared with the poll's callback and timer,
  // which find it stopped once the job has no watcher left.
  struct Poller {
    std::string id;
    // By id, which is arrival order: the first watcher left names the
    // poll's turn.
    std::map<WatchId, Watch> watches;
    std::shared_ptr<const BulkAssignmentResult> last;
    bool stopped = false;
    // A poll sent and not answered yet; its steward id once Submit returned.
    bool polling = false;
    uint64_t poll = 0;  // which poll is the current one
    std::optional<quota::QuotaSteward::CallId> in_flight;
  };

  Core(quota::QuotaSteward* steward, base::Clock* clock, CallObserver* observer,
       absl::Duration interval, absl::Duration poll_timeout)
      : steward(steward),
        clock(clock),
        observer(observer),
        interval(interval),
        poll_timeout(poll_timeout) {}

  void StartPoll(const std::shared_ptr<Poller>& poller);
  void OnPolled(const std::shared_ptr<Poller>& poller, uint64_t poll,
                quota::QuotaOutcome outcome);
  // Polls again after the interval.
  void ScheduleLocked(const std::shared_ptr<Poller>& poller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Ends every watcher of `poller` with `status` and forgets the job.
  void EndLocked(const std::shared_ptr<Poller>& poller, const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // Takes the job out of the map (its poller stops).
  void ForgetLocked(const std::shared_ptr<Poller>& poller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

  quota::QuotaSteward* const steward;
  base::Clock* const clock;
  CallObserver* const observer;
  const absl::Duration interval;
  const absl::Duration poll_timeout;

  mutable absl::Mutex mu;
  absl::flat_hash_map<std::string, std::shared_ptr<Poller>> pollers ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<WatchId, std::shared_ptr<Poller>> poller_of ABSL_GUARDED_BY(mu);
  WatchId next_watch ABSL_GUARDED_BY(mu) = 1;
  bool closed ABSL_GUARDED_BY(mu) = false;
  // What a watch added once closed ends with.
  grpc::Status closed_why ABSL_GUARDED_BY(mu) =
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
};

void BulkAssignmentWatches::Core::StartPoll(const std::shared_ptr<Poller>& poller) {
  upstream::GongRequest request;
  uint64_t poll;
  {
    absl::MutexLock lock(&mu);
    if (poller->stopped || closed || poller->watches.empty()) return;
    poll = ++poller->poll;
    poller->polling = true;
    poller->in_flight.reset();
    request = upstream::EncodeGetBulkAssignment(
        upstream::GetBulkAssignmentParams{poller->id}, clock->Now() + poll_timeout);
    request.items = 1;
    // A read the watchers wait for, but no person waits on each poll: it
    // never jumps ahead of interactive calls, and stops first when the
    // day's budget runs low.
    request.priority = upstream::Priority::kBackground;
    request.queue_key = poller->watches.begin()->second.queue_key;
    for (const auto& [watch_id, watch] : poller->watches) {
      if (request.calls.size() == kMaxTagsPerPoll) break;
      request.calls.push_back(watch.tag);
    }
  }
  // Not under the lock: the steward may answer inside Submit (a refusal).
  std::weak_ptr<Core> weak = weak_from_this();
  const quota::QuotaSteward::CallId id = steward->Submit(
      std::move(request), nullptr, [weak, poller, poll](quota::QuotaOutcome outcome) {
        if (std::shared_ptr<Core> core = weak.lock()) {
          core->OnPolled(poller, poll, std::move(outcome));
        }
      });
  bool cancel = false;
  {
    absl::MutexLock lock(&mu);
    if (poller->stopped) {
      cancel = true;
    } else if (poller->polling && poller->poll == poll) {
      poller->in_flight = id;
    }
  }
  // The last watcher left while the poll was being queued. A poll already
  // answered is not cancelled again (the steward ignores it).
  if (cancel) steward->Cancel(id);
}

void BulkAssignmentWatches::Core::OnPolled(const std::shared_ptr<Poller>& poller,
                                           uint64_t poll, quota::QuotaOutcome outcome) {
  absl::MutexLock lock(&mu);
  if (poller->stopped || closed || !poller->polling || poller->poll != poll) {
    observer->BulkPollEnded("cancelled");
    return;
  }
  poller->polling = false;
  poller->in_flight.reset();
  if (const auto* refusal = std::get_if<quota::QuotaRefusal>(&outcome)) {
    if (DayRefused(*refusal)) {
      observer->BulkPollEnded("refused");
      EndLocked(poller, QuotaRefusalToStatus(*refusal));
    } else {
      observer->BulkPollEnded("transient_error");
      ScheduleLocked(poller);
    }
    return;
  }
  upstream::GongResult<BulkAssignmentResult> decoded = upstream::DecodeOutcome(
      std::get_if<upstream::GongAnswer>(&outcome) != nullptr
          ? upstream::GongOutcome(std::get<upstream::GongAnswer>(std::move(outcome)))
          : upstream::GongOutcome(std::get<upstream::GongError>(std::move(outcome))),
      upstream::DecodeBulkAssignmentResponse);
  if (const auto* error = std::get_if<upstream::GongError>(&decoded)) {
    if (MayPass(*error)) {
      observer->BulkPollEnded("transient_error");
      ScheduleLocked(poller);
    } else {
      observer->BulkPollEnded("final_error");
      EndLocked(poller, GongErrorToStatus(*error));
    }
    return;
  }
  BulkAssignmentResult& job = std::get<BulkAssignmentResult>(decoded);
  if (poller->last == nullptr || !SameJob(*poller->last, job)) {
    observer->BulkPollEnded("changed");
    poller->last = std::make_shared<const BulkAssignmentResult>(std::move(job));
    for (const auto& [watch_id, watch] : poller->watches) {
      watch.watcher->OnState(poller->last);
    }
  } else {
    observer->BulkPollEnded("unchanged");
  }
  if (upstream::IsFinal(poller->last->state)) {
    EndLocked(poller, grpc::Status::OK);
  } else {
    ScheduleLocked(poller);
  }
}

void BulkAssignmentWatches::Core::ScheduleLocked(const std::shared_ptr<Poller>& poller) {
  std::weak_ptr<Core> weak = weak_from_this();
  // Clock tasks cannot be withdrawn: one that finds the poller stopped (its
  // last watcher gone) does nothing.
  clock->RunAt(clock->Now() + interval, [weak, poller]() {
    if (std::shared_ptr<Core> core = weak.lock()) core->StartPoll(poller);
  });
}

void BulkAssignmentWatches::Core::ForgetLocked(const std::shared_ptr<Poller>& poller) {
  poller->stopped = true;
  auto it = pollers.find(poller->id);
  if (it != pollers.end() && it->second == poller) pollers.erase(it);
  for (const auto& [watch_id, watch] : poller->watches) poller_of.erase(watch_id);
}

void BulkAssignmentWatches::Core::EndLocked(const std::shared_ptr<Poller>& poller,
                                            const grpc::Status& status) {
  ForgetLocked(poller);
  std::map<WatchId, Watch> watches = std::move(poller->watches);
  poller->watches.clear();
  if (!watches.empty()) observer->BulkWatchersChanged(-static_cast<int>(watches.size()));
  for (auto& [watch_id, watch] : watches) watch.watcher->OnEnd(status);
}

BulkAssignmentWatches::BulkAssignmentWatches(quota::QuotaSteward* steward,
                                             base::Clock* clock, CallObserver* observer,
                                             absl::Duration interval,
                                             absl::Duration poll_timeout)
    : core_(std::make_shared<Core>(steward, clock, observer, interval, poll_timeout)) {}

BulkAssignmentWatches::~BulkAssignmentWatches() {
  std::vector<quota::QuotaSteward::CallId> in_flight;
  {
    absl::MutexLock lock(&core_->mu);
    core_->closed = true;
    for (auto& [id, poller] : core_->pollers) {
      poller->stopped = true;
      if (poller->in_flight.has_value()) in_flight.push_back(*poller->in_flight);
    }
    core_->pollers.clear();
    core_->poller_of.clear();
  }
  for (quota::QuotaSteward::CallId id : in_flight) core_->steward->Cancel(id);
}

void BulkAssignmentWatches::Close(const grpc::Status& why) {
  std::vector<quota::QuotaSteward::CallId> in_flight;
  {
    absl::MutexLock lock(&core_->mu);
    if (core_->closed) return;
    core_->closed = true;
    core_->closed_why = why;
    std::vector<std::shared_ptr<Core::Poller>> pollers;
    pollers.reserve(core_->pollers.size());
    for (const auto& [id, poller] : core_->pollers) pollers.push_back(poller);
    for (const std::shared_ptr<Core::Poller>& poller : pollers) {
      if (poller->in_flight.has_value()) in_flight.push_back(*poller->in_flight);
      core_->EndLocked(poller, why);
    }
  }
  for (quota::QuotaSteward::CallId id : in_flight) core_->steward->Cancel(id);
}

BulkAssignmentWatches::WatchId BulkAssignmentWatches::Add(const std::string& id,
                                                          BulkAssignmentWatcher* watcher,
                                                          upstream::CallTag tag,
                                                          std::string queue_key) {
  std::shared_ptr<Core::Poller> start;
  WatchId watch_id;
  {
    absl::MutexLock lock(&core_->mu);
    watch_id = core_->next_watch++;
    if (core_->closed) {
      watcher->OnEnd(core_->closed_why);
      return watch_id;
    }
    std::shared_ptr<Core::Poller>& poller = core_->pollers[id];
    if (poller == nullptr) {
      poller = std::make_shared<Core::Poller>();
      poller->id = id;
      start = poller;
    }
    poller->watches.emplace(watch_id,
                            Core::Watch{watcher, std::move(tag), std::move(queue_key)});
    core_->poller_of[watch_id] = poller;
    core_->observer->BulkWatchersChanged(1);
    if (poller->last != nullptr) watcher->OnState(poller->last);
  }
  if (start != nullptr) core_->StartPoll(start);
  return watch_id;
}

void BulkAssignmentWatches::Remove(WatchId watch) {
  std::optional<quota::QuotaSteward::CallId> cancel;
  {
    absl::MutexLock lock(&core_->mu);
    auto it = core_->poller_of.find(watch);
    if (it == core_->poller_of.end()) return;
    std::shared_ptr<Core::Poller> poller = std::move(it->second);
    core_->poller_of.erase(it);
    auto& watches = poller->watches;
    watches.erase(watch);
    core_->observer->BulkWatchersChanged(-1);
    if (!watches.empty()) return;
    // The last watcher: the job is polled no more.
    core_->ForgetLocked(poller);
    cancel = poller->in_flight;
    poller->in_flight.reset();
  }
  // Not under the lock: the steward answers the cancelled poll inside.
  if (cancel.has_value()) core_->steward->Cancel(*cancel);
}

size_t BulkAssignmentWatches::jobs() const {
  absl::MutexLock lock(&core_->mu);
  return core_->pollers.size();
}

size_t BulkAssignmentWatches::watchers() const {
  absl::MutexLock lock(&core_->mu);
  return core_->poller_of.size();
}

}  // namespace gong::api
