// assign --bulk's engine: starts the planned jobs (StartBulkAssignment with
// each job's idempotency key), up to --parallel at once, follows each to
// its end (WatchBulkAssignment, watched again after a stream error while
// the job is not final, GetBulkAssignment in between), and records each
// prospect's result once, as it arrives, with the job lines a resumed run
// needs (`submitting` with the key before a start leaves, `submitted`
// with the job's id, `ended`).
//
// The facade is a BulkCalls, so that the engine's decisions are tested
// with a fake one.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bulk_results.h"
#include "gong/flows/v1/flow_service.pb.h"
#include "progress_line.h"

namespace gong::cli {

// The facade's bulk methods. Called from several threads at once.
class BulkCalls {
 public:
  virtual ~BulkCalls() = default;
  virtual grpc::Status Start(const gong::flows::v1::StartBulkAssignmentRequest& request,
                             const std::string& key,
                             gong::flows::v1::StartBulkAssignmentResponse* response) = 0;
  // Calls `on_update` with each state the stream sends, until it ends.
  virtual grpc::Status Watch(
      const std::string& bulk_assignment_id,
      const std::function<void(const gong::flows::v1::BulkAssignment&)>& on_update) = 0;
  virtual grpc::Status Get(const std::string& bulk_assignment_id,
                           gong::flows::v1::GetBulkAssignmentResponse* response) = 0;
  // Ends the watches in flight, and any begun after, at once: a stopped
  // run's jobs go on in Gong, and a resumed run watches them again.
  virtual void CancelWatches() {}
  // Ends every call in flight at once (a stopped run's grace is over).
  virtual void CancelAll() {}
};

struct BulkRunOptions {
  int parallel = 4;
  absl::Duration give_up_after = absl::Hours(1);
  absl::Duration grace = absl::Seconds(10);
  absl::Duration retry_floor = absl::Milliseconds(200);
  // The wait after a failure without a RetryInfo, doubling with each one
  // in a row, at most half a minute.
  absl::Duration first_backoff = absl::Seconds(1);
  // A start in doubt is sent again with its key at most this many times in
  // all; a job's watch failing this many times in a row (without a new
  // state between) leaves the job to a resumed run.
  int max_attempts = 8;
  // Each job's final state, as it comes (printed on stdout); called one at
  // a time.
  std::function<void(const gong::flows::v1::BulkAssignment&)> on_final;
};

// A prospect's result in the file's words: Gong's (ASSIGNED,
// FLOW_ASSIGNMENT_FAILED, CRM_OPERATION_FAILED) or the client's:
// JOB_FAILED (the job failed before reaching it), REFUSED (the facade
// refused the job's start), UNKNOWN (the job ended without its result).
struct BulkReport {
  size_t total = 0;                        // prospects awaiting a result
  std::map<std::string, size_t> statuses;  // result lines written, by status
  size_t jobs = 0;                         // planned
  std::map<std::string, size_t> job_ends;  // completed, failed, refused
  size_t jobs_unfinished = 0;              // left to a resumed run
  absl::flat_hash_set<std::string> gong_request_ids;
  bool stopped = false;
  std::string stop_reason;

  size_t Done() const;
  size_t Assigned() const;
};

class BulkAssignRun {
 public:
  // Each line (a JSON object, no newline) goes through `write_line`, one
  // at a time; a failed write stops the run.
  using LineSink = std::function<absl::Status(const std::string&)>;

  BulkAssignRun(BulkCalls* calls, std::string flow_id, std::string owner_email,
                BulkRunOptions options, LineSink write_line);
  ~BulkAssignRun();

  // Works through `plan`'s jobs; returns when each has ended, or been left
  // to a resumed run, or after a stop. `tick` runs on the calling thread a
  // few times a second.
  BulkReport Run(BulkPlan plan, const std::function<void()>& tick = nullptr);

  void Stop(const std::string& why);

  // "prospects": done of total, by assigned and failed.
  Progress CurrentProgress() const;

 private:
  void Work();
  // One job from its start (if it has no id) to its end.
  void RunJob(PlannedJob& job);
  // Starts the job: true with its id set and its first state recorded.
  bool StartJob(PlannedJob& job);
  // Records the state's new results; true when it is final.
  bool Absorb(PlannedJob& job, const gong::flows::v1::BulkAssignment& state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EndJob(PlannedJob& job, const std::string& how, const std::string& status,
              const std::string& reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriteProspect(const ProspectRow& row, const std::string& status,
                     const std::string& bulk_id,
                     const gong::flows::v1::BulkAssignmentResult* result,
                     const std::string& reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Write(const std::string& line) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Waits `delay` (jittered, at least the floor) unless the run stops or
  // the wait passes --give-up-after (then stops it): true to go on.
  bool Wait(absl::Duration delay, const std::string& why);
  void StopLocked(const std::string& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  BulkCalls* const calls_;
  const std::string flow_id_;
  const std::string owner_email_;
  const BulkRunOptions options_;
  const LineSink write_line_;

  mutable absl::Mutex mu_;
  std::deque<PlannedJob> queue_ ABSL_GUARDED_BY(mu_);
  int workers_running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  uint64_t jitter_state_ ABSL_GUARDED_BY(mu_) = 0;
  BulkReport report_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;
};

// StartBulkAssignment's prospect for a row.
gong::flows::v1::BulkProspect ProspectProto(const ProspectRow& row);

// A prospect as the facade sent it back, as a row (for its identity).
ProspectRow RowOfProto(const gong::flows::v1::BulkProspect& prospect);

}  // namespace gong::cli
