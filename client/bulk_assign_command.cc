#include "bulk_assign_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <list>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "bulk_assign_run.h"
#include "bulk_prospects.h"
#include "bulk_results.h"
#include "commands.h"
#include "idempotency_key.h"
#include "many_id_command.h"
#include "print_responses.h"
#include "progress_line.h"
#include "run_summary.h"
#include "whole_file.h"

namespace gong::cli {
namespace {

namespace v1 = gong::flows::v1;
using v1::FlowService;

constexpr int kMaxParallel = 64;

volatile std::sig_atomic_t bulk_stop_signal = 0;
void OnBulkStopSignal(int signal) { bulk_stop_signal = signal; }

// SIGINT and SIGTERM stop the run (its jobs go on in Gong; --resume
// watches them again); a second one ends the process.
class BulkStopSignals {
 public:
  BulkStopSignals() {
    bulk_stop_signal = 0;
    struct sigaction action = {};
    action.sa_handler = OnBulkStopSignal;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~BulkStopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ = {};
  struct sigaction old_term_ = {};
};

// The facade's bulk methods, each call cancellable from another thread.
class FacadeBulkCalls : public BulkCalls {
 public:
  FacadeBulkCalls(const CallOptions& options, absl::Duration watch_deadline)
      : caller_(options), watch_deadline_(watch_deadline) {}

  grpc::Status Start(const v1::StartBulkAssignmentRequest& request,
                     const std::string& key,
                     v1::StartBulkAssignmentResponse* response) override {
    grpc::ClientContext context;
    context.AddMetadata(kIdempotencyKeyHeader, key);
    Track track(this, &context);
    grpc::Status status = caller_.CallIn(
        &context, &FlowService::Stub::StartBulkAssignment, request, response);
    if (status.ok()) {
      const AnswerMarks marks = ReadAnswerMarks(context);
      if (marks.replayed || marks.settled) ++replayed_;
    }
    return status;
  }

  grpc::Status Watch(
      const std::string& id,
      const std::function<void(const v1::BulkAssignment&)>& on_update) override {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + watch_deadline_));
    Track track(this, &context, /*watch=*/true);
    v1::WatchBulkAssignmentRequest request;
    request.set_bulk_assignment_id(id);
    auto reader = caller_.WatchIn(&context, request);
    v1::WatchBulkAssignmentResponse message;
    while (reader->Read(&message)) on_update(message.bulk_assignment());
    return reader->Finish();
  }

  grpc::Status Get(const std::string& id,
                   v1::GetBulkAssignmentResponse* response) override {
    grpc::ClientContext context;
    Track track(this, &context);
    v1::GetBulkAssignmentRequest request;
    request.set_bulk_assignment_id(id);
    return caller_.CallIn(&context, &FlowService::Stub::GetBulkAssignment, request,
                          response);
  }

  void CancelWatches() override {
    absl::MutexLock lock(&mu_);
    watches_cancelled_ = true;
    for (const auto& [context, watch] : in_flight_) {
      if (watch) context->TryCancel();
    }
  }

  void CancelAll() override {
    absl::MutexLock lock(&mu_);
    watches_cancelled_ = true;
    cancelled_ = true;
    for (const auto& [context, watch] : in_flight_) context->TryCancel();
  }

  size_t Replayed() const { return replayed_.load(); }

 private:
  // A call in flight, to cancel; one that starts after CancelAll is
  // cancelled at once.
  class Track {
   public:
    Track(FacadeBulkCalls* calls, grpc::ClientContext* context, bool watch = false)
        : calls_(calls) {
      absl::MutexLock lock(&calls_->mu_);
      entry_ = calls_->in_flight_.insert(calls_->in_flight_.end(), {context, watch});
      if (calls_->cancelled_ || (watch && calls_->watches_cancelled_)) {
        context->TryCancel();
      }
    }
    ~Track() {
      absl::MutexLock lock(&calls_->mu_);
      calls_->in_flight_.erase(entry_);
    }

   private:
    FacadeBulkCalls* calls_;
    std::list<std::pair<grpc::ClientContext*, bool>>::iterator entry_;
  };

  FlowServiceCaller caller_;
  const absl::Duration watch_deadline_;
  std::atomic<size_t> replayed_{0};
  absl::Mutex mu_;
  // Each call in flight, and whether it is a watch.
  std::list<std::pair<grpc::ClientContext*, bool>> in_flight_ ABSL_GUARDED_BY(mu_);
  bool watches_cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// --results: lines appended whole, one write(2) each.
class LineFile {
 public:
  static absl::StatusOr<std::unique_ptr<LineFile>> Open(const std::string& path) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) return absl::ErrnoToStatus(errno, "open");
    auto file = std::unique_ptr<LineFile>(new LineFile(fd));
    // A torn last line (a killed run) is ended, so the next starts clean.
    const off_t size = lseek(fd, 0, SEEK_END);
    char last = '\n';
    if (size > 0 && pread(fd, &last, 1, size - 1) == 1 && last != '\n') {
      absl::Status ended = file->Append("");
      if (!ended.ok()) return ended;
    }
    return file;
  }
  ~LineFile() { close(fd_); }

  absl::Status Append(const std::string& line) {
    std::string text = line + "\n";
    absl::string_view data = text;
    while (!data.empty()) {
      const ssize_t n = write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return absl::ErrnoToStatus(errno, "write");
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

 private:
  explicit LineFile(int fd) : fd_(fd) {}
  int fd_;
};

int Usage(absl::string_view what) {
  return ReportUsageError(absl::StrCat("assign --bulk: ", what));
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrCat("\\u00", c < 0x10 ? "0" : "",
                          absl::Hex(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

int RunBulkAssign(const ParsedArgs& args, const CallOptions& given_options) {
  CallOptions options = given_options;
  if (!args.Has("from"))
    return Usage("give --from=FILE.csv (a header row, then prospects)");
  if (!args.positionals.empty()) {
    return Usage("the prospects come from --from's CSV, not from arguments");
  }
  for (const char* flag : {"column", "idempotency-key"}) {
    if (args.Has(flag)) return Usage(absl::StrCat("takes no --", flag));
  }
  int parallel = 4;
  if (args.Has("parallel") && (!absl::SimpleAtoi(args.Get("parallel"), &parallel) ||
                               parallel < 1 || parallel > kMaxParallel)) {
    return Usage(absl::StrCat("--parallel takes a whole number from 1 to ", kMaxParallel,
                              ", not '", args.Get("parallel"), "'"));
  }
  absl::Duration give_up_after = absl::Hours(1);
  if (args.Has("give-up-after") &&
      (!absl::ParseDuration(args.Get("give-up-after"), &give_up_after) ||
       give_up_after <= absl::ZeroDuration() ||
       give_up_after == absl::InfiniteDuration())) {
    return Usage("--give-up-after takes a duration such as 1h or 30m");
  }
  const std::string results_path = args.Get("results");
  const bool resume = args.GetBool("resume");
  if (resume && results_path.empty()) {
    return Usage("--resume reads the --results=FILE of the run it resumes: give it");
  }
  if (options.priority.empty()) options.priority = "background";

  absl::StatusOr<std::string> text = internal::ReadWholeFile(args.Get("from"));
  if (!text.ok()) {
    return Usage(
        absl::StrCat("cannot read ", args.Get("from"), ": ", text.status().message()));
  }
  absl::StatusOr<ProspectRows> rows = ReadProspectsCsv(*text);
  if (!rows.ok())
    return Usage(absl::StrCat(args.Get("from"), ": ", rows.status().message()));

  BulkLog log;
  if (resume) {
    size_t skipped = 0;
    absl::StatusOr<BulkLog> read = ReadBulkLog(results_path, &skipped);
    if (read.ok()) {
      log = *std::move(read);
    } else if (!absl::IsNotFound(read.status())) {
      std::cerr << "gong-flows assign --bulk: cannot read " << results_path << ": "
                << read.status().message() << "\n";
      return kUsageExit;
    }
  }
  std::string run_id = RunIdOfKey(log.latest_key);
  if (run_id.empty()) run_id = NewRunId();
  BulkPlan plan =
      PlanBulkRun(rows->rows, log, run_id, {args.Get("flow"), args.Get("owner")});
  const size_t already_answered = plan.already_answered;

  std::unique_ptr<LineFile> results;
  if (!results_path.empty()) {
    auto opened = LineFile::Open(results_path);
    if (!opened.ok()) {
      std::cerr << "gong-flows assign --bulk: cannot write " << results_path << ": "
                << opened.status().message() << "\n";
      return kUsageExit;
    }
    results = *std::move(opened);
  }

  BulkRunOptions run_options;
  run_options.parallel = parallel;
  run_options.give_up_after = give_up_after;
  // Each job's end on stdout, as a single call prints its answer.
  run_options.on_final = [json = options.json](const v1::BulkAssignment& job) {
    if (json) {
      PrintJson(job);
    } else {
      PrintBulkAssignment(job);
    }
    std::cout.flush();
  };
  FacadeBulkCalls calls(options, give_up_after);
  BulkAssignRun run(&calls, args.Get("flow"), args.Get("owner"), run_options,
                    [&results](const std::string& line) {
                      return results == nullptr ? absl::OkStatus()
                                                : results->Append(line);
                    });
  std::unique_ptr<ProgressLine> progress;
  if (!args.GetBool("quiet")) {
    progress = std::make_unique<ProgressLine>(STDERR_FILENO, isatty(STDERR_FILENO) == 1);
  }
  const absl::Time start = absl::Now();
  BulkReport report;
  {
    BulkStopSignals signals;
    report = run.Run(std::move(plan), [&] {
      if (bulk_stop_signal != 0) {
        run.Stop(bulk_stop_signal == SIGINT ? "interrupted (SIGINT)"
                                            : "terminated (SIGTERM)");
      }
      if (progress != nullptr) progress->Update(run.CurrentProgress(), absl::Now());
    });
  }
  if (progress != nullptr) progress->Finish(run.CurrentProgress(), absl::Now());
  const absl::Duration elapsed = absl::Now() - start;

  // The summary: the many-id commands' shape, in jobs and prospects.
  std::vector<std::string> statuses;
  for (const auto& [status, count] : report.statuses) {
    statuses.push_back(absl::StrCat(absl::AsciiStrToLower(status), " ", count));
  }
  std::vector<std::string> ends;
  for (const auto& [how, count] : report.job_ends)
    ends.push_back(absl::StrCat(how, " ", count));
  const bool unfinished = report.stopped || report.jobs_unfinished > 0;
  std::string text_summary = absl::StrCat(
      "gong-flows assign --bulk: ", report.Done(), " of ", report.total,
      " prospects answered in ",
      absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(100))),
      statuses.empty() ? "" : ": ", absl::StrJoin(statuses, ", "),
      "; jobs: ", report.jobs, ends.empty() ? "" : " (", absl::StrJoin(ends, ", "),
      ends.empty() ? "" : ")", "; Gong calls used: ", report.gong_request_ids.size());
  if (rows->duplicates > 0) {
    absl::StrAppend(&text_summary, "; duplicates dropped: ", rows->duplicates);
  }
  if (already_answered > 0) {
    absl::StrAppend(&text_summary, "; already answered in ", results_path, ": ",
                    already_answered);
  }
  if (calls.Replayed() > 0) {
    absl::StrAppend(&text_summary,
                    "; starts answered by the facade from their key: ", calls.Replayed());
  }
  text_summary += "\n";
  if (unfinished) {
    absl::StrAppend(
        &text_summary, "stopped before the end: ",
        report.stop_reason.empty()
            ? absl::StrCat(report.jobs_unfinished, " jobs not followed to their end")
            : report.stop_reason,
        "; ", report.total - report.Done(),
        " prospects without a result (their jobs go on in Gong)\n");
    if (results_path.empty()) {
      text_summary +=
          "without --results nothing records which jobs were started: give "
          "--results=FILE to make a run resumable\n";
    } else {
      absl::StrAppend(&text_summary, "resume with:\n  ", ResumeCommand(args.command_line),
                      "\n");
    }
  }
  int exit = 0;
  if (unfinished) {
    exit = kIncompleteExit;
  } else if (report.Done() > report.Assigned()) {
    exit = kSomeRefusedExit;
  }
  std::cout.flush();
  std::cerr << text_summary;
  if (options.json) {
    std::vector<std::string> counts;
    for (const auto& [status, count] : report.statuses) {
      counts.push_back(absl::StrCat(JsonString(status), ":", count));
    }
    std::cout << "{\"summary\":{\"command\":\"assign --bulk\",\"total\":" << report.total
              << ",\"done\":" << report.Done() << ",\"statuses\":{"
              << absl::StrJoin(counts, ",") << "},\"jobs\":" << report.jobs
              << ",\"jobs_unfinished\":" << report.jobs_unfinished
              << ",\"gong_calls\":" << report.gong_request_ids.size()
              << ",\"seconds\":" << absl::ToDoubleSeconds(elapsed)
              << ",\"duplicates\":" << rows->duplicates
              << ",\"already_done\":" << already_answered
              << ",\"stopped\":" << (unfinished ? "true" : "false")
              << ",\"exit\":" << exit << "}}\n";
  }
  return exit;
}

}  // namespace gong::cli
