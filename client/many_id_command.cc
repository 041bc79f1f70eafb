#include "many_id_command.h"

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <iterator>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "idempotency_key.h"
#include "progress_line.h"
#include "results_file.h"
#include "run_summary.h"

namespace gong::cli {
namespace {

constexpr int kMaxParallel = 64;

// The signal that asked the run to stop (0: none). A handler may only set
// it; the run's thread looks at it a few times a second.
volatile std::sig_atomic_t stop_signal = 0;

void OnStopSignal(int signal) { stop_signal = signal; }

// SIGINT and SIGTERM stop the run; a second one (the handler is reset by
// the first) ends the process as it always did.
class StopSignals {
 public:
  StopSignals() {
    stop_signal = 0;
    struct sigaction action = {};
    action.sa_handler = OnStopSignal;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ = {};
  struct sigaction old_term_ = {};
};

const char* const kManyIdOnly[] = {"from",     "column",        "results", "resume",
                                   "parallel", "give-up-after", "quiet"};

int Usage(const ManyIdJob& job, absl::string_view what) {
  return ReportUsageError(absl::StrCat(job.command, ": ", what));
}

}  // namespace

std::vector<FlagSpec> ManyIdFlags() {
  using K = FlagKind;
  return {
      {"from", K::kString, "FILE",
       "read the ids from FILE, one a line (blank lines and # comments skipped)"},
      {"column", K::kString, "NAME", "with a .csv --from, the column holding the ids"},
      {"results", K::kString, "FILE",
       "append one JSON line per id to FILE as its answer arrives"},
      {"resume", K::kBool, "",
       "with --results, send only the ids FILE has no final outcome for"},
      {"parallel", K::kString, "N", "calls in flight at once, 1 to 64; default 4"},
      {"give-up-after", K::kString, "DURATION",
       "stop (exit 65) rather than wait past this, such as 1h (the default) or 30m"},
      {"priority", K::kString, "LEVEL",
       "interactive or background (many ids' default), for the facade's queue"},
      {"quiet", K::kBool, "", "no progress line on stderr"},
  };
}

std::string ReadStdinIfNamed(const std::vector<std::string>& arguments) {
  for (const std::string& arg : arguments) {
    if (arg == "-") {
      return std::string(std::istreambuf_iterator<char>(std::cin),
                         std::istreambuf_iterator<char>());
    }
  }
  return "";
}

namespace {

int RunManyIds(const ParsedArgs& args, CallOptions options, ManyIdJob job) {
  int parallel = 4;
  if (args.Has("parallel") && (!absl::SimpleAtoi(args.Get("parallel"), &parallel) ||
                               parallel < 1 || parallel > kMaxParallel)) {
    return Usage(job, absl::StrCat("--parallel takes a whole number from 1 to ",
                                   kMaxParallel, ", not '", args.Get("parallel"), "'"));
  }
  absl::Duration give_up_after = absl::Hours(1);
  if (args.Has("give-up-after") &&
      (!absl::ParseDuration(args.Get("give-up-after"), &give_up_after) ||
       give_up_after <= absl::ZeroDuration() ||
       give_up_after == absl::InfiniteDuration())) {
    return Usage(job, "--give-up-after takes a duration such as 1h or 30m");
  }
  // Checked by main when given: a bulk job yields to interactive callers
  // unless told it is one.
  if (options.priority.empty()) options.priority = "background";
  const std::string results_path = args.Get("results");
  const bool resume = args.GetBool("resume");
  if (resume && results_path.empty()) {
    return Usage(job, "--resume reads the --results=FILE of the run it resumes: give it");
  }
  if (args.Has("idempotency-key")) {
    return Usage(job,
                 "--idempotency-key is a single call's: many ids get a key per call, "
                 "derived from the run");
  }
  if (job.ids.ids.empty()) return Usage(job, "give at least one id");

  // --resume: what the file already says of the ids.
  std::vector<std::string> to_send;
  std::vector<std::string> in_doubt;
  std::vector<InDoubtChunk> resend;
  size_t already_done = 0;
  // A fresh run's keys are new, so the same ids sent again on purpose are
  // a new write; a resumed run carries on the run its file last keyed.
  std::string run_id;
  if (resume) {
    size_t skipped = 0;
    auto read = ReadResultsLog(results_path, &skipped);
    if (!read.ok() && !absl::IsNotFound(read.status())) {
      std::cerr << "gong-flows " << job.command << ": cannot read " << results_path
                << ": " << read.status().message() << "\n";
      return kUsageExit;
    }
    // No file yet: nothing was answered, and the run starts from the top.
    ResultsLog log;
    if (read.ok()) log = *std::move(read);
    run_id = RunIdOfKey(log.latest_key);
    const absl::flat_hash_map<std::string, IdOutcome>& known = log.outcomes;
    // The calls in doubt that carried a key go again whole, as they were,
    // with that key: the facade settles them. Their ids are theirs, final
    // or not (a run killed while writing an answer's lines).
    absl::flat_hash_set<std::string> resent_ids;
    for (const std::string& id : job.ids.ids) {
      auto it = known.find(id);
      if (it == known.end() || it->second != IdOutcome::kSending) continue;
      auto key = log.last_key.find(id);
      if (key == log.last_key.end() || resent_ids.contains(id)) continue;
      const std::vector<std::string>& members = log.key_ids[key->second];
      // More ids than one call takes is no call this command sent (an
      // edited file): its ids are settled as a keyless run's are.
      if (members.size() > job.chunk_size) continue;
      InDoubtChunk chunk{key->second, members};
      for (const std::string& member : chunk.ids) resent_ids.insert(member);
      resend.push_back(std::move(chunk));
    }
    for (std::string& id : job.ids.ids) {
      if (resent_ids.contains(id)) continue;
      auto it = known.find(id);
      if (it == known.end()) {
        to_send.push_back(std::move(id));
      } else if (IsFinal(it->second)) {
        ++already_done;
      } else if (it->second == IdOutcome::kNotSent) {
        to_send.push_back(std::move(id));
      } else {
        in_doubt.push_back(std::move(id));
      }
    }
  } else {
    to_send = std::move(job.ids.ids);
  }
  if (run_id.empty()) run_id = NewRunId();

  std::unique_ptr<ResultsFile> results;
  if (!results_path.empty()) {
    auto opened = ResultsFile::Open(results_path);
    if (!opened.ok()) {
      std::cerr << "gong-flows " << job.command << ": cannot write " << results_path
                << ": " << opened.status().message() << "\n";
      return kUsageExit;
    }
    results = *std::move(opened);
  }

  RunOptions run_options;
  run_options.parallel = parallel;
  run_options.give_up_after = give_up_after;
  std::unique_ptr<IdCalls> calls = job.make_calls(options, run_id);
  ManyIdRun run(calls.get(), run_options, [&results](const IdResult& result) {
    return results == nullptr ? absl::OkStatus() : results->Write(result);
  });
  run.ResendInDoubt(std::move(resend));

  std::unique_ptr<ProgressLine> progress;
  if (!args.GetBool("quiet")) {
    progress = std::make_unique<ProgressLine>(STDERR_FILENO, isatty(STDERR_FILENO) == 1);
  }
  const absl::Time start = absl::Now();
  RunReport report;
  {
    StopSignals signals;
    report = run.Run(std::move(to_send), std::move(in_doubt), [&] {
      if (stop_signal != 0) {
        run.Stop(stop_signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
      }
      if (progress != nullptr) progress->Update(run.CurrentProgress(), absl::Now());
    });
  }
  if (progress != nullptr) progress->Finish(run.CurrentProgress(), absl::Now());

  Summary summary;
  summary.command = job.command;
  summary.report = std::move(report);
  summary.elapsed = absl::Now() - start;
  summary.duplicates = job.ids.duplicates;
  summary.already_done = already_done;
  summary.results_path = results_path;
  if (!results_path.empty()) summary.resume_command = ResumeCommand(args.command_line);
  for (const std::string& arg : args.command_line) {
    if (arg == "-") summary.ids_from_stdin = true;
  }
  summary.still_assigned_refused = job.still_assigned_refused;
  summary.settled = calls->SettledAnswers();
  summary.replayed = calls->ReplayedAnswers();
  std::cout.flush();
  std::cerr << SummaryText(summary);
  if (options.json) std::cout << SummaryJson(summary) << "\n";
  return SummaryExit(summary);
}

}  // namespace

std::optional<int> MaybeRunManyIds(const ParsedArgs& args, const CallOptions& options,
                                   const std::vector<std::string>& arguments,
                                   const std::string& stdin_text, ManyIdJob job) {
  IdSource source;
  source.arguments = arguments;
  source.from_file = args.Get("from");
  source.column = args.Get("column");
  std::istringstream in(stdin_text);
  absl::StatusOr<IdList> ids = ReadIds(source, in);
  bool many = false;
  for (const char* flag : kManyIdOnly) many = many || args.Has(flag);
  // Ids ReadIds would refuse, without a many-id flag, are the one call's to
  // send and the facade's to judge, as they always were.
  if (!many && (!ids.ok() || ids->ids.size() <= job.chunk_size)) return std::nullopt;
  if (!ids.ok()) return Usage(job, ids.status().message());
  job.ids = *std::move(ids);
  return RunManyIds(args, options, std::move(job));
}

}  // namespace gong::cli
