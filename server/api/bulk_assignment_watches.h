// The one poll of each bulk assignment watched on this replica
// (WatchBulkAssignment): per job id one poller, any number of watchers.
//
// A poll is Gong's GET of the job (upstream/bulk_assignment_codec.h), a
// background read through the quota steward like any call's request. The
// first watcher of a job starts its poller, which polls at once; the next
// poll is due one interval after the last answer came back, so a slow Gong
// or a long queue never stacks polls. A watcher that joins gets the last
// state known at once, if there is one, else the first poll's. Each state
// that differs from the last (request_id and warnings aside) goes to every
// watcher; once the job is COMPLETED or FAILED every watcher is ended OK
// after it and the poller goes. A watcher leaving (its deadline, its
// cancel) ends nothing but its own watch; the last one leaving stops the
// poller and cancels its poll in flight.
//
// How a poll's failure ends: Gong's final answers for the job (404, the
// other 4xx, 401/403, an answer that cannot be read) end every watcher
// with the status table's status; what may pass (no answer, a timeout,
// 408, 429, a 5xx, the steward's queue full or its wait beyond the poll's
// deadline) is polled again after the interval; the day's budget refusing
// background reads ends every watcher RESOURCE_EXHAUSTED with its
// RetryInfo, since no poll can pass before the next UTC midnight.
#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/call_observer.h"
#include "base/clock.h"
#include "quota/quota_steward.h"
#include "upstream/bulk_assignment_codec.h"
#include "upstream/gong_request.h"

namespace gong::api {

// One watcher's end of the watches: a stream, in the service.
//
// Both methods run while the watches hold their lock: they must not block
// and must not call back into the watches. Neither runs again once
// Remove() of the watcher has returned, nor after OnEnd.
class BulkAssignmentWatcher {
 public:
  virtual ~BulkAssignmentWatcher() = default;
  // The job as it is now: the first known state, then each change.
  virtual void OnState(std::shared_ptr<const upstream::BulkAssignmentResult> job) = 0;
  // The watch is over: OK after the job's final state, else why not. The
  // watcher is removed already.
  virtual void OnEnd(grpc::Status status) = 0;
};

class BulkAssignmentWatches {
 public:
  using WatchId = uint64_t;

  // `steward`, `clock` and `observer` outlive the watches. Polls are
  // `interval` apart, each due `poll_timeout` after it is sent.
  BulkAssignmentWatches(quota::QuotaSteward* steward, base::Clock* clock,
                        CallObserver* observer, absl::Duration interval,
                        absl::Duration poll_timeout);
  // Cancels every poll in flight; ends no watcher (the server stops first,
  // after Close).
  ~BulkAssignmentWatches();
  BulkAssignmentWatches(const BulkAssignmentWatches&) = delete;
  BulkAssignmentWatches& operator=(const BulkAssignmentWatches&) = delete;

  // Adds `watcher` (which outlives its watch) to the watchers of job `id`
  // (valid), on behalf of the call `tag`; `queue_key` is the caller's turn
  // in the steward's queue for a poll this watcher starts. May call
  // watcher->OnState before it returns.
  WatchId Add(const std::string& id, BulkAssignmentWatcher* watcher,
              upstream::CallTag tag, std::string queue_key);
  // Takes the watcher out (no-op when it is out already: ended, or
  // removed). Once it returns, the watcher is never called again.
  void Remove(WatchId watch);

  // Ends every watch with `why`, stops every poll, and ends each watch
  // added later at once with `why`: a server shutting down closes its
  // streams now, which would otherwise hold it up for its whole grace, and
  // their callers watch again on another replica.
  void Close(const grpc::Status& why);

  // For tests and metrics: jobs polled, and watchers.
  size_t jobs() const;
  size_t watchers() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace gong::api
