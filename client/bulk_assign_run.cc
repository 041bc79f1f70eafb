#include "bulk_assign_run.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "call_verdict.h"
#include "nlohmann/json.hpp"

namespace gong::cli {
namespace {

namespace v1 = gong::flows::v1;

constexpr absl::Duration kTickEvery = absl::Milliseconds(100);

absl::Duration Backoff(absl::Duration first, int attempts) {
  absl::Duration delay = first;
  for (int i = 1; i < attempts && delay < absl::Seconds(30); ++i) delay *= 2;
  return std::min(delay, absl::Seconds(30));
}

std::string Dump(const nlohmann::json& line) {
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool IsFinal(v1::BulkAssignmentState state) {
  return state == v1::BULK_ASSIGNMENT_STATE_COMPLETED ||
         state == v1::BULK_ASSIGNMENT_STATE_FAILED;
}

std::string StatusName(const v1::BulkAssignmentResult& result) {
  const std::string& name = v1::BulkProspectStatus_Name(result.status());
  if (name.empty()) return absl::StrCat("UNKNOWN_STATUS_", result.status());
  return std::string(absl::StripPrefix(name, "BULK_PROSPECT_STATUS_"));
}

}  // namespace

v1::BulkProspect ProspectProto(const ProspectRow& row) {
  v1::BulkProspect p;
  p.set_crm_id(row.fields[kCrmId]);
  p.set_first_name(row.fields[kFirstName]);
  p.set_last_name(row.fields[kLastName]);
  p.set_email(row.fields[kEmail]);
  p.set_job_title(row.fields[kJobTitle]);
  p.set_linkedin_url(row.fields[kLinkedinUrl]);
  p.set_account_crm_id(row.fields[kAccountCrmId]);
  p.set_company_name(row.fields[kCompanyName]);
  return p;
}

ProspectRow RowOfProto(const v1::BulkProspect& p) {
  ProspectRow row;
  row.fields = {p.crm_id(),    p.first_name(),   p.last_name(),      p.email(),
                p.job_title(), p.linkedin_url(), p.account_crm_id(), p.company_name()};
  return row;
}

size_t BulkReport::Done() const {
  size_t done = 0;
  for (const auto& [status, count] : statuses) done += count;
  return done;
}

size_t BulkReport::Assigned() const {
  auto it = statuses.find("ASSIGNED");
  return it == statuses.end() ? 0 : it->second;
}

BulkAssignRun::BulkAssignRun(BulkCalls* calls, std::string flow_id,
                             std::string owner_email, BulkRunOptions options,
                             LineSink write_line)
    : calls_(calls),
      flow_id_(std::move(flow_id)),
      owner_email_(std::move(owner_email)),
      options_(options),
      write_line_(std::move(write_line)) {
  jitter_state_ = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) | 1;
}

BulkAssignRun::~BulkAssignRun() {
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

BulkReport BulkAssignRun::Run(BulkPlan plan, const std::function<void()>& tick) {
  const int workers = std::max(options_.parallel, 1);
  {
    absl::MutexLock lock(&mu_);
    report_.total = plan.total;
    report_.jobs = plan.jobs.size();
    deadline_ = absl::Now() + options_.give_up_after;
    for (PlannedJob& job : plan.jobs) queue_.push_back(std::move(job));
    workers_running_ = workers;
  }
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
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
    // A stop ends the watches (their jobs go on in Gong, and a resumed run
    // watches them again); a start in flight gets the grace to answer, so
    // that its job's id is written.
    if (stopping_ && !mu_.AwaitWithTimeout(absl::Condition(&idle), options_.grace)) {
      mu_.Unlock();
      calls_->CancelAll();
      mu_.Lock();
    }
  }
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  absl::MutexLock lock(&mu_);
  report_.jobs_unfinished += queue_.size();
  report_.stopped = stopping_ && report_.Done() < report_.total;
  return report_;
}

void BulkAssignRun::Stop(const std::string& why) {
  {
    absl::MutexLock lock(&mu_);
    StopLocked(why);
  }
  // Watches wait on Gong's pace: ended now, the jobs carry on in Gong. A
  // start in flight is left its grace, so that its job's id is written.
  calls_->CancelWatches();
}

Progress BulkAssignRun::CurrentProgress() const {
  absl::MutexLock lock(&mu_);
  Progress progress;
  progress.unit = "prospects";
  progress.total = report_.total;
  progress.done = report_.Done();
  const size_t assigned = report_.Assigned();
  progress.outcomes["assigned"] = assigned;
  progress.outcomes["failed"] = progress.done - assigned;
  return progress;
}

void BulkAssignRun::Work() {
  for (;;) {
    PlannedJob job;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || queue_.empty()) break;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    RunJob(job);
  }
  absl::MutexLock lock(&mu_);
  --workers_running_;
}

void BulkAssignRun::RunJob(PlannedJob& job) {
  if (job.bulk_assignment_id.empty() && !StartJob(job)) return;
  int failures = 0;
  bool final_seen = false;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (final_seen) return;
      if (stopping_) {
        ++report_.jobs_unfinished;
        return;
      }
    }
    bool changed = false;
    const grpc::Status status =
        calls_->Watch(job.bulk_assignment_id, [&](const v1::BulkAssignment& state) {
          absl::MutexLock lock(&mu_);
          changed = true;
          if (!final_seen) final_seen = Absorb(job, state);
        });
    if (final_seen) return;
    if (changed) failures = 0;
    grpc::StatusCode code = status.error_code();
    FailureVerdict verdict;
    if (!status.ok()) {
      verdict = JudgeFailure(status);
      absl::MutexLock lock(&mu_);
      if (!verdict.gong_request_id.empty()) {
        report_.gong_request_ids.insert(verdict.gong_request_id);
      }
    }
    if (code == grpc::StatusCode::NOT_FOUND ||
        code == grpc::StatusCode::INVALID_ARGUMENT ||
        code == grpc::StatusCode::PERMISSION_DENIED ||
        code == grpc::StatusCode::UNAUTHENTICATED) {
      // Gong no longer knows the job (or this caller may not read it): no
      // watch will tell more.
      absl::MutexLock lock(&mu_);
      EndJob(job, "lost", "UNKNOWN",
             absl::StrCat("the job could not be followed: ", verdict.reason));
      return;
    }
    // The stream ended without a final state (an error, a facade going
    // away): GetBulkAssignment, a plain read, may have it.
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) continue;
    }
    v1::GetBulkAssignmentResponse got;
    if (calls_->Get(job.bulk_assignment_id, &got).ok()) {
      absl::MutexLock lock(&mu_);
      if (Absorb(job, got.bulk_assignment())) return;
    }
    if (++failures >= options_.max_attempts) {
      absl::MutexLock lock(&mu_);
      ++report_.jobs_unfinished;
      return;
    }
    if (!Wait(verdict.retry_after.value_or(Backoff(options_.first_backoff, failures)),
              absl::StrCat("watching ", job.bulk_assignment_id, ": ", verdict.reason))) {
      absl::MutexLock lock(&mu_);
      ++report_.jobs_unfinished;
      return;
    }
  }
}

bool BulkAssignRun::StartJob(PlannedJob& job) {
  v1::StartBulkAssignmentRequest request;
  request.set_flow_id(flow_id_);
  request.set_owner_email(owner_email_);
  nlohmann::json prospects = nlohmann::json::array();
  for (const ProspectRow& row : job.prospects) {
    *request.add_prospects() = ProspectProto(row);
    prospects.push_back(nlohmann::json::parse(row.Identity()));
  }
  // A start a stopped run sent may have started a job: a refusal now (the
  // key reused with another request, rights taken away) says nothing of
  // that one, so the job is left in doubt, never failed.
  bool in_doubt = job.in_file;
  {
    absl::MutexLock lock(&mu_);
    if (!job.in_file) {
      // Written before the start leaves: a run killed while it is out
      // sends it again with this key, and the facade answers with the job
      // it started instead of starting a second.
      Write(Dump({{"job", "submitting"}, {"key", job.key}, {"prospects", prospects}}));
      if (stopping_) return false;
      job.in_file = true;
    }
  }
  for (int attempt = 1;; ++attempt) {
    v1::StartBulkAssignmentResponse response;
    const grpc::Status status = calls_->Start(request, job.key, &response);
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      const v1::BulkAssignment& state = response.bulk_assignment();
      job.bulk_assignment_id = state.bulk_assignment_id();
      if (!state.request_id().empty())
        report_.gong_request_ids.insert(state.request_id());
      Write(Dump({{"job", "submitted"},
                  {"key", job.key},
                  {"bulk_assignment_id", job.bulk_assignment_id},
                  {"request_id", state.request_id()}}));
      if (job.bulk_assignment_id.empty()) {
        EndJob(job, "lost", "UNKNOWN", "the facade answered the start without a job id");
        return false;
      }
      return !Absorb(job, state);
    }
    const FailureVerdict verdict = JudgeFailure(status);
    {
      absl::MutexLock lock(&mu_);
      if (!verdict.gong_request_id.empty()) {
        report_.gong_request_ids.insert(verdict.gong_request_id);
      }
      if (verdict.verdict == Verdict::kFinal && !in_doubt) {
        // Refused before anything was done: its prospects fail with why.
        EndJob(job, "refused", "REFUSED", verdict.reason);
        return false;
      }
      if (verdict.verdict == Verdict::kFinal || attempt >= options_.max_attempts) {
        // In doubt and not settled by its key: left marked `submitting`,
        // for a resumed run to send again with the same key.
        ++report_.jobs_unfinished;
        return false;
      }
    }
    in_doubt = in_doubt || verdict.verdict == Verdict::kInDoubt;
    if (!Wait(verdict.retry_after.value_or(Backoff(options_.first_backoff, attempt)),
              absl::StrCat("starting a job: ", verdict.reason))) {
      absl::MutexLock lock(&mu_);
      ++report_.jobs_unfinished;
      return false;
    }
  }
}

bool BulkAssignRun::Absorb(PlannedJob& job, const v1::BulkAssignment& state) {
  if (!state.request_id().empty()) report_.gong_request_ids.insert(state.request_id());
  // The job's prospects by identity, for the results Gong echoes back as
  // sent; by crm_id, email, then name, for a Gong that echoes less than was
  // sent, or spells it otherwise (an email's case).
  absl::flat_hash_map<std::string, const ProspectRow*> by_identity;
  absl::flat_hash_map<std::string, const ProspectRow*> by_crm_id;
  absl::flat_hash_map<std::string, const ProspectRow*> by_email;
  absl::flat_hash_map<std::string, const ProspectRow*> by_name;
  const auto name_of = [](absl::string_view first, absl::string_view last) {
    return absl::StrCat(absl::AsciiStrToLower(first), "\n", absl::AsciiStrToLower(last));
  };
  for (const ProspectRow& row : job.prospects) {
    by_identity.emplace(row.Identity(), &row);
    if (!row.fields[kCrmId].empty()) by_crm_id.emplace(row.fields[kCrmId], &row);
    if (!row.fields[kEmail].empty()) {
      by_email.emplace(absl::AsciiStrToLower(row.fields[kEmail]), &row);
    }
    if (!row.fields[kFirstName].empty()) {
      by_name.emplace(name_of(row.fields[kFirstName], row.fields[kLastName]), &row);
    }
  }
  const auto find = [](const auto& map, const std::string& key) -> const ProspectRow* {
    if (key.empty() || key == "\n") return nullptr;
    auto it = map.find(key);
    return it == map.end() ? nullptr : it->second;
  };
  for (const v1::BulkAssignmentResult& result : state.results()) {
    const v1::BulkProspect& sent = result.prospect();
    const ProspectRow* row = find(by_identity, RowOfProto(sent).Identity());
    if (row == nullptr) row = find(by_crm_id, sent.crm_id());
    if (row == nullptr) row = find(by_email, absl::AsciiStrToLower(sent.email()));
    if (row == nullptr) row = find(by_name, name_of(sent.first_name(), sent.last_name()));
    if (row == nullptr || !job.awaiting.erase(row->Identity())) continue;
    WriteProspect(*row, StatusName(result), state.bulk_assignment_id(), &result, "");
  }
  if (!IsFinal(state.state())) return false;
  if (options_.on_final) options_.on_final(state);
  if (state.state() == v1::BULK_ASSIGNMENT_STATE_FAILED) {
    EndJob(job, "failed", "JOB_FAILED", "the job failed before this prospect");
  } else {
    EndJob(job, "completed", "UNKNOWN", "the completed job gave no result for it");
  }
  return true;
}

void BulkAssignRun::EndJob(PlannedJob& job, const std::string& how,
                           const std::string& status, const std::string& reason) {
  for (const ProspectRow& row : job.prospects) {
    if (job.awaiting.erase(row.Identity())) {
      WriteProspect(row, status, job.bulk_assignment_id, nullptr, reason);
    }
  }
  ++report_.job_ends[how];
  nlohmann::json line = {{"job", "ended"}, {"key", job.key}, {"how", how}};
  if (!job.bulk_assignment_id.empty())
    line["bulk_assignment_id"] = job.bulk_assignment_id;
  if (!reason.empty() && how != "completed") line["reason"] = reason;
  Write(Dump(line));
}

void BulkAssignRun::WriteProspect(const ProspectRow& row, const std::string& status,
                                  const std::string& bulk_id,
                                  const v1::BulkAssignmentResult* result,
                                  const std::string& reason) {
  ++report_.statuses[status];
  nlohmann::json line = {{"prospect", nlohmann::json::parse(row.Identity())},
                         {"status", status}};
  if (row.line > 0) line["line"] = row.line;
  if (!bulk_id.empty()) line["bulk_assignment_id"] = bulk_id;
  if (result != nullptr) {
    if (!result->crm_id().empty()) line["crm_id"] = result->crm_id();
    if (!result->flow_instance_id().empty()) {
      line["flow_instance_id"] = result->flow_instance_id();
    }
    if (!result->error_code().empty()) line["error_code"] = result->error_code();
    if (!result->error_message().empty()) line["error"] = result->error_message();
  } else {
    if (!row.fields[kCrmId].empty()) line["crm_id"] = row.fields[kCrmId];
    line["error"] = reason;
  }
  Write(Dump(line));
}

void BulkAssignRun::Write(const std::string& line) {
  const absl::Status written = write_line_(line);
  if (!written.ok()) {
    StopLocked(absl::StrCat("cannot write the results: ", written.message()));
  }
}

bool BulkAssignRun::Wait(absl::Duration delay, const std::string& why) {
  absl::MutexLock lock(&mu_);
  jitter_state_ ^= jitter_state_ << 13;
  jitter_state_ ^= jitter_state_ >> 7;
  jitter_state_ ^= jitter_state_ << 17;
  delay = std::max(delay, options_.retry_floor);
  delay += delay * (static_cast<double>(jitter_state_ % 1000) / 4000.0);
  const absl::Time until = absl::Now() + delay;
  if (until > deadline_) {
    StopLocked(absl::StrCat(why, ": asked to wait ", absl::FormatDuration(delay),
                            ", past --give-up-after"));
    return false;
  }
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  mu_.AwaitWithDeadline(absl::Condition(&stopping), until);
  return !stopping_;
}

void BulkAssignRun::StopLocked(const std::string& why) {
  if (stopping_) return;
  stopping_ = true;
  report_.stopped = true;
  report_.stop_reason = why;
}

}  // namespace gong::cli
