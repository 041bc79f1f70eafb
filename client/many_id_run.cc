#include "many_id_run.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "call_verdict.h"

namespace gong::cli {
namespace {

// How often Run's thread wakes for its tick when nothing else wakes it.
constexpr absl::Duration kTickEvery = absl::Milliseconds(100);

// The wait before sending again a call refused without a RetryInfo: one
// second, doubling with each attempt, at most half a minute.
absl::Duration Backoff(int attempts) {
  absl::Duration delay = absl::Seconds(1);
  for (int i = 1; i < attempts && delay < absl::Seconds(30); ++i) delay *= 2;
  return std::min(delay, absl::Seconds(30));
}

std::vector<std::vector<std::string>> Chunks(const std::vector<std::string>& ids,
                                             size_t size) {
  std::vector<std::vector<std::string>> chunks;
  size = std::max<size_t>(size, 1);
  for (size_t start = 0; start < ids.size(); start += size) {
    chunks.emplace_back(ids.begin() + start,
                        ids.begin() + std::min(ids.size(), start + size));
  }
  return chunks;
}

}  // namespace

size_t RunReport::Done() const {
  size_t done = 0;
  for (const auto& [outcome, count] : outcomes) done += count;
  return done;
}

size_t RunReport::Count(IdOutcome outcome) const {
  auto it = outcomes.find(outcome);
  return it == outcomes.end() ? 0 : it->second;
}

ManyIdRun::ManyIdRun(IdCalls* calls, RunOptions options, ResultSink on_result)
    : calls_(calls), options_(options), on_result_(std::move(on_result)) {
  jitter_state_ = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) |
                  1;  // xorshift needs a state that is not zero
}

ManyIdRun::~ManyIdRun() {
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

RunReport ManyIdRun::Run(std::vector<std::string> to_send,
                         std::vector<std::string> in_doubt,
                         const std::function<void()>& tick) {
  {
    absl::MutexLock lock(&mu_);
    report_.total = to_send.size() + in_doubt.size();
    deadline_ = absl::Now() + options_.give_up_after;
    for (InDoubtChunk& chunk : resend_in_doubt_) {
      report_.total += chunk.ids.size();
      Task task{TaskKind::kSend, std::move(chunk.ids)};
      task.key = std::move(chunk.key);
      task.marked = true;  // the stopped run marked them with this key
      task.in_doubt = true;
      ready_.push_back(std::move(task));
    }
    resend_in_doubt_.clear();
    if (!in_doubt.empty()) {
      if (!calls_->IsWrite()) {
        // A read changes nothing: sending it again is the whole remedy.
        AddSends(in_doubt);
      } else if (calls_->CanLookUp()) {
        for (auto& chunk : Chunks(in_doubt, calls_->LookUpChunkSize())) {
          ready_.push_back(Task{TaskKind::kResumeLookUp, std::move(chunk)});
        }
      } else {
        RecordAll(in_doubt, IdOutcome::kUnknown,
                  "sent by a run that stopped before Gong's answer");
      }
    }
    AddSends(to_send);
    workers_running_ = std::max(options_.parallel, 1);
  }
  for (int i = 0; i < std::max(options_.parallel, 1); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
  auto finished = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return workers_running_ == 0 || stopping_;
  };
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&finished), kTickEvery);
      if (finished()) break;
    }
    if (tick) tick();
  }
  {
    absl::MutexLock lock(&mu_);
    auto idle = [this]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return workers_running_ == 0; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&idle), options_.grace)) {
      // Their answers, if any come now, are no longer awaited: the ids stay
      // marked `sending` and a resumed run settles them.
      mu_.Unlock();
      calls_->CancelAll();
      mu_.Lock();
    }
  }
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  absl::MutexLock lock(&mu_);
  for (const Task& task : ready_) MarkNotSent(task);
  for (const Task& task : waiting_) MarkNotSent(task);
  // A stop after the last answer is no stop, unless an answer could not be
  // recorded: then the record is what is incomplete.
  report_.stopped = report_.stopped && (report_.Done() < report_.total || results_lost_);
  return report_;
}

void ManyIdRun::ResendInDoubt(std::vector<InDoubtChunk> chunks) {
  absl::MutexLock lock(&mu_);
  for (InDoubtChunk& chunk : chunks) {
    if (!chunk.ids.empty()) resend_in_doubt_.push_back(std::move(chunk));
  }
}

void ManyIdRun::Stop(const std::string& why) {
  absl::MutexLock lock(&mu_);
  StopLocked(why, absl::InfinitePast());
}

Progress ManyIdRun::CurrentProgress() const {
  absl::MutexLock lock(&mu_);
  Progress progress;
  progress.total = report_.total;
  progress.done = report_.Done();
  for (const auto& [outcome, count] : report_.outcomes) {
    progress.outcomes[std::string(OutcomeName(outcome))] = count;
  }
  return progress;
}

void ManyIdRun::Work() {
  mu_.Lock();
  Task task;
  while (NextTask(&task)) {
    if (task.kind == TaskKind::kSend && !task.marked && calls_->IsWrite()) {
      // Marked before it leaves, with the key it carries, so that a run
      // killed while it is out knows these ids are in doubt, and which
      // call to send again with which key.
      bool marked = true;
      for (const std::string& id : task.ids) {
        const absl::Status written =
            on_result_(IdResult{id, IdOutcome::kSending, "", "", task.key});
        if (!written.ok()) {
          StopLocked(absl::StrCat("cannot write the results: ", written.message()),
                     absl::InfinitePast());
          marked = false;
          break;
        }
      }
      if (!marked) continue;
      task.marked = true;
    }
    ++task.attempts;
    ++in_flight_;
    mu_.Unlock();
    std::vector<IdResult> results;
    const grpc::Status status = task.kind == TaskKind::kSend
                                    ? calls_->Send(task.ids, task.key, &results)
                                    : calls_->LookUp(task.ids, &results);
    mu_.Lock();
    --in_flight_;
    Answered(std::move(task), status, std::move(results));
    changed_.SignalAll();
  }
  --workers_running_;
  changed_.SignalAll();
  mu_.Unlock();
}

bool ManyIdRun::NextTask(Task* task) {
  for (;;) {
    if (stopping_) return false;
    const absl::Time now = absl::Now();
    auto earliest = std::min_element(
        waiting_.begin(), waiting_.end(),
        [](const Task& a, const Task& b) { return a.not_before < b.not_before; });
    if (earliest != waiting_.end() && earliest->not_before <= now) {
      *task = std::move(*earliest);
      waiting_.erase(earliest);
      return true;
    }
    if (!ready_.empty()) {
      *task = std::move(ready_.front());
      ready_.pop_front();
      return true;
    }
    if (earliest == waiting_.end()) {
      // Nothing queued: done, unless a call in flight brings more (a
      // lookup, a resend).
      if (in_flight_ == 0) return false;
      changed_.Wait(&mu_);
    } else {
      changed_.WaitWithDeadline(&mu_, earliest->not_before);
    }
  }
}

void ManyIdRun::Answered(Task task, const grpc::Status& status,
                         std::vector<IdResult> results) {
  if (!status.ok()) {
    Failed(std::move(task), status);
    return;
  }
  absl::flat_hash_map<std::string, IdResult> by_id;
  for (IdResult& result : results) {
    if (!result.request_id.empty()) report_.gong_request_ids.insert(result.request_id);
    by_id.try_emplace(result.id, std::move(result));
  }
  std::vector<std::string> resend;
  for (const std::string& id : task.ids) {
    auto it = by_id.find(id);
    if (it == by_id.end() || !IsFinal(it->second.outcome)) {
      // An answer that skips an id says nothing of it: a write's fate is
      // then unknown, a read failed.
      Record(IdResult{id, calls_->IsWrite() ? IdOutcome::kUnknown : IdOutcome::kFailed,
                      "", "not in the answer"});
      continue;
    }
    if (task.kind == TaskKind::kResumeLookUp &&
        it->second.outcome == IdOutcome::kStillAssigned) {
      // Still open after the run that stopped: that call did not remove
      // it, so sending it now is the first removal, not a second.
      resend.push_back(id);
      continue;
    }
    Record(it->second);
  }
  AddSends(resend);
}

void ManyIdRun::Failed(Task task, const grpc::Status& status) {
  const FailureVerdict verdict = JudgeFailure(status);
  if (!verdict.gong_request_id.empty()) {
    report_.gong_request_ids.insert(verdict.gong_request_id);
  }
  const bool read = task.kind != TaskKind::kSend || !calls_->IsWrite();
  const absl::Duration delay = verdict.retry_after.value_or(Backoff(task.attempts));
  switch (verdict.verdict) {
    case Verdict::kResend:
      SendLater(std::move(task), delay, verdict.reason);
      return;
    case Verdict::kInDoubt:
      if (read) {
        if (task.attempts >= options_.max_read_attempts) break;
        SendLater(std::move(task), delay, verdict.reason);
        return;
      }
      // Stopping: the ids stay `sending`, for the resumed run to settle.
      if (stopping_) return;
      if (!task.key.empty() && task.attempts < options_.max_keyed_write_attempts) {
        // The same call with the same key: the facade looks at Gong's
        // state and sends only what is still to do, or answers what the
        // first call got; one call, and it settles an assign too, whose
        // ids this client cannot look up.
        task.in_doubt = true;
        SendLater(std::move(task), delay, verdict.reason);
        return;
      }
      SettleByLookUp(task, verdict.reason);
      return;
    case Verdict::kFinal:
      if (task.in_doubt) {
        // An earlier attempt may have acted: this refusal (the key reused
        // with another request, rights taken away) says nothing of it.
        SettleByLookUp(task, verdict.reason);
        return;
      }
      break;
  }
  if (task.kind == TaskKind::kSend && !verdict.bad_entries.empty()) {
    // The facade refused the call for some of its ids and sent nothing:
    // those fail, and the others go again without them, instead of one
    // bad line of a file failing the 199 ids beside it.
    std::vector<std::string> rest;
    for (size_t i = 0; i < task.ids.size(); ++i) {
      auto bad = verdict.bad_entries.find(i);
      if (bad == verdict.bad_entries.end()) {
        rest.push_back(std::move(task.ids[i]));
      } else {
        Record(IdResult{task.ids[i], IdOutcome::kFailed, "",
                        absl::StrCat(verdict.reason, ": ", bad->second)});
      }
    }
    if (rest.size() < task.ids.size()) {
      if (!rest.empty()) {
        task.ids = std::move(rest);
        // Other ids, another call: its own key, marked before it leaves.
        std::string key = calls_->KeyFor(task.ids);
        if (key != task.key) {
          task.key = std::move(key);
          task.marked = false;
        }
        ready_.push_front(std::move(task));
      }
      return;
    }
    task.ids = std::move(rest);  // no index in range: all of them fail below
  }
  if (task.kind == TaskKind::kSend) {
    RecordAll(task.ids, IdOutcome::kFailed, verdict.reason);
  } else {
    // A write in doubt that could not be looked up stays in doubt.
    RecordAll(task.ids, IdOutcome::kUnknown,
              absl::StrCat("lookup failed: ", verdict.reason));
  }
}

void ManyIdRun::SendLater(Task task, absl::Duration delay, const std::string& why) {
  if (stopping_) {
    MarkNotSent(task);
    return;
  }
  const absl::Time now = absl::Now();
  const absl::Duration wait = Jittered(std::max(delay, options_.retry_floor));
  if (now + delay > deadline_) {
    // Waiting would outlast --give_up_after (the day's budget answers with
    // the wait to midnight): stop, and say when a resumed run can go on.
    StopLocked(absl::StrCat(why, ": asked to wait ", absl::FormatDuration(delay),
                            ", past --give_up_after"),
               now + delay);
    MarkNotSent(task);
    return;
  }
  task.not_before = now + wait;
  waiting_.push_back(std::move(task));
}

void ManyIdRun::Record(const IdResult& result) {
  ++report_.outcomes[result.outcome];
  if (result.outcome == IdOutcome::kUnknown) report_.unknown_ids.push_back(result.id);
  const absl::Status written = on_result_(result);
  if (!written.ok()) {
    results_lost_ = true;
    StopLocked(absl::StrCat("cannot write the results: ", written.message()),
               absl::InfinitePast());
  }
}

void ManyIdRun::RecordAll(const std::vector<std::string>& ids, IdOutcome outcome,
                          const std::string& reason) {
  for (const std::string& id : ids) Record(IdResult{id, outcome, "", reason});
}

void ManyIdRun::SettleByLookUp(const Task& task, const std::string& reason) {
  if (calls_->CanLookUp()) {
    for (auto& chunk : Chunks(task.ids, calls_->LookUpChunkSize())) {
      ready_.push_back(Task{TaskKind::kLookUp, std::move(chunk)});
    }
  } else {
    RecordAll(task.ids, IdOutcome::kUnknown, reason);
  }
}

void ManyIdRun::MarkNotSent(const Task& task) {
  // A call in doubt stays `sending`, with its key: a resumed run sends it
  // again as it was, never as a fresh write.
  if (task.kind != TaskKind::kSend || task.attempts == 0 || !calls_->IsWrite() ||
      task.in_doubt) {
    return;
  }
  for (const std::string& id : task.ids) {
    if (!on_result_(IdResult{id, IdOutcome::kNotSent, "", ""}).ok()) {
      results_lost_ = true;  // they stay `sending`: looked up, never lost
      return;
    }
  }
}

void ManyIdRun::AddSends(const std::vector<std::string>& ids) {
  for (auto& chunk : Chunks(ids, calls_->ChunkSize())) {
    Task task{TaskKind::kSend, std::move(chunk)};
    if (calls_->IsWrite()) task.key = calls_->KeyFor(task.ids);
    ready_.push_back(std::move(task));
  }
  changed_.SignalAll();
}

void ManyIdRun::StopLocked(const std::string& why, absl::Time resume_after) {
  if (stopping_) return;
  stopping_ = true;
  report_.stopped = true;
  report_.stop_reason = why;
  report_.resume_after = resume_after;
  changed_.SignalAll();
}

absl::Duration ManyIdRun::Jittered(absl::Duration delay) {
  // xorshift64: spreads the callers a shared refusal sent back together.
  jitter_state_ ^= jitter_state_ << 13;
  jitter_state_ ^= jitter_state_ >> 7;
  jitter_state_ ^= jitter_state_ << 17;
  const double fraction = static_cast<double>(jitter_state_ % 1000) / 4000.0;
  return delay + delay * fraction;
}

}  // namespace gong::cli
