// The many-id commands' engine: splits the ids into Gong-sized calls, keeps
// up to --parallel of them in flight, sends again what was refused before
// anything was done (after its RetryInfo), settles the writes in doubt (by
// sending the same call again with the same idempotency key, for the facade
// to settle; else by looking them up), and reports every id's outcome once,
// as it arrives.
//
// What a call is (which RPC, how big, how its answer reads) is an IdCalls;
// the run knows only ids, outcomes and statuses, so its decisions are
// tested with a fake one.
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
#include "id_outcome.h"
#include "progress_line.h"

namespace gong::cli {

// One command's calls. Send and LookUp are called from several threads at
// once.
class IdCalls {
 public:
  virtual ~IdCalls() = default;

  // The most ids one call carries.
  virtual size_t ChunkSize() const = 0;
  // Whether a call changes Gong (then a call in doubt is never resent blind).
  virtual bool IsWrite() const = 0;

  // A write's idempotency key for a call of `ids`: the same ids give the
  // same key for the whole run. Empty: the call carries none (the reads).
  virtual std::string KeyFor(const std::vector<std::string>& ids) const { return ""; }

  // Sends `ids` in one call, with metadata `idempotency-key: key` unless
  // `key` is empty. OK: `results` gets one final outcome for each of them,
  // with Gong's request id.
  virtual grpc::Status Send(const std::vector<std::string>& ids, const std::string& key,
                            std::vector<IdResult>* results) = 0;

  // Whether a write's ids can be looked up in Gong (unassign, unassign-crm;
  // not assign, whose new instances have ids the caller cannot know).
  virtual bool CanLookUp() const { return false; }
  // The most ids one lookup carries.
  virtual size_t LookUpChunkSize() const { return 200; }
  // Looks `ids` up (a read). OK: `results` gets, for each id, kUnassigned
  // when Gong shows nothing open for it and kStillAssigned when it does.
  virtual grpc::Status LookUp(const std::vector<std::string>& ids,
                              std::vector<IdResult>* results) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no lookup");
  }

  // Ends every call in flight at once (a stopped run's grace is over).
  virtual void CancelAll() {}

  // Answers so far that the facade marked idempotent-settled and
  // idempotent-replayed, for the summary.
  virtual size_t SettledAnswers() const { return 0; }
  virtual size_t ReplayedAnswers() const { return 0; }
};

struct RunOptions {
  int parallel = 4;
  // From the start of the run: a wait that would end later stops the run.
  absl::Duration give_up_after = absl::Hours(1);
  // After a stop, how long calls in flight may take to answer.
  absl::Duration grace = absl::Seconds(10);
  // The shortest wait before sending again, RetryInfo or not.
  absl::Duration retry_floor = absl::Milliseconds(200);
  // A read in doubt (no answer) is sent again at most this many times in
  // all: a facade that keeps failing the same way will not mend in an hour.
  int max_read_attempts = 8;
  // The same bound for a write in doubt sent again with its key; past it,
  // its ids are looked up (or unknown) as a keyless write's are.
  int max_keyed_write_attempts = 8;
};

// A write call a stopped run sent with `key` and got no answer for (its
// ids marked `sending` with that key): a resumed run sends it again whole,
// in the same order, with the same key, so that the facade answers it from
// what Gong did instead of acting twice.
struct InDoubtChunk {
  std::string key;
  std::vector<std::string> ids;
};

struct RunReport {
  size_t total = 0;
  std::map<IdOutcome, size_t> outcomes;               // final outcomes only
  absl::flat_hash_set<std::string> gong_request_ids;  // Gong calls used
  std::vector<std::string> unknown_ids;               // writes nothing could settle
  bool stopped = false;                               // before the end
  std::string stop_reason;
  // When the wait that stopped the run ends (a RetryInfo past the
  // --give_up_after), else InfinitePast.
  absl::Time resume_after = absl::InfinitePast();

  size_t Done() const;
  size_t Count(IdOutcome outcome) const;
};

class ManyIdRun {
 public:
  // Every outcome goes through `on_result` (`sending` marks before a write
  // is sent, then each final one), one at a time; a failed write there
  // stops the run, as an answer it cannot record must not be sought.
  using ResultSink = std::function<absl::Status(const IdResult&)>;

  ManyIdRun(IdCalls* calls, RunOptions options, ResultSink on_result);
  ~ManyIdRun();

  // Works through `to_send` (never sent) and `in_doubt` (sent by a run
  // that stopped before their answer: looked up first where the calls
  // can, else reported unknown). Returns when every id has its outcome or
  // after a stop. `tick` runs on the calling thread a few times a second
  // (progress, signals) and may call Stop.
  RunReport Run(std::vector<std::string> to_send, std::vector<std::string> in_doubt,
                const std::function<void()>& tick = nullptr);

  // Before Run: calls in doubt to send again with their keys (counted in
  // the run's total, before `to_send`).
  void ResendInDoubt(std::vector<InDoubtChunk> chunks);

  // Sends nothing more; calls in flight get the grace to answer. Safe from
  // any thread.
  void Stop(const std::string& why);

  Progress CurrentProgress() const;

 private:
  enum class TaskKind { kSend, kLookUp, kResumeLookUp };
  struct Task {
    TaskKind kind;
    std::vector<std::string> ids;
    int attempts = 0;  // calls made so far
    absl::Time not_before = absl::InfinitePast();
    std::string key = {};  // a write's idempotency key, for these ids
    // Whether the ids are marked `sending` with `key` in the results.
    bool marked = false;
    // A write some earlier attempt of which may have acted: never marked
    // `not_sent`, and a refusal leaves its ids in doubt, not failed.
    bool in_doubt = false;
  };

  void Work();
  bool NextTask(Task* task) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Answered(Task task, const grpc::Status& status, std::vector<IdResult> results)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Failed(Task task, const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SendLater(Task task, absl::Duration delay, const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(const IdResult& result) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordAll(const std::vector<std::string>& ids, IdOutcome outcome,
                 const std::string& reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddSends(const std::vector<std::string>& ids) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A write's ids marked `sending` and then refused before anything was
  // done, left unsent by a stop: marked `not_sent`, so that a resumed run
  // sends them again without first spending a lookup on each.
  void MarkNotSent(const Task& task) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A write in doubt that its key cannot settle: looked up where the calls
  // can, else unknown.
  void SettleByLookUp(const Task& task, const std::string& reason)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StopLocked(const std::string& why, absl::Time resume_after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration Jittered(absl::Duration delay) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  IdCalls* const calls_;
  const RunOptions options_;
  const ResultSink on_result_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;  // a task added or done, or the run stopped
  int workers_running_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<Task> ready_ ABSL_GUARDED_BY(mu_);
  std::vector<Task> waiting_ ABSL_GUARDED_BY(mu_);  // not_before in the future
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool results_lost_ ABSL_GUARDED_BY(mu_) = false;  // a sink write failed
  absl::Time deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  uint64_t jitter_state_ ABSL_GUARDED_BY(mu_) = 0;
  RunReport report_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;
  std::vector<InDoubtChunk> resend_in_doubt_;  // before Run
};

}  // namespace gong::cli
