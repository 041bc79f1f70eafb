// The end of a many-id run: the summary on stderr (counts per outcome,
// Gong calls used, time, duplicates; the ids in doubt; why it stopped and
// the command that resumes it), its one JSON line for --json, and the exit
// status.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "many_id_run.h"

namespace gong::cli {

struct Summary {
  std::string command;  // "unassign"
  RunReport report;
  absl::Duration elapsed;
  size_t duplicates = 0;       // ids dropped as given twice
  size_t already_done = 0;     // --resume: final in the results file
  std::string results_path;    // empty: no --results
  std::string resume_command;  // empty: the run cannot be resumed
  bool ids_from_stdin = false;
  bool still_assigned_refused = false;
  // Answers the facade marked idempotent-settled (it read Gong's state and
  // sent only what was still to do) and idempotent-replayed (an earlier
  // call's stored answer).
  size_t settled = 0;
  size_t replayed = 0;
};

std::string SummaryText(const Summary& summary);

// {"summary":{...}} on one line.
std::string SummaryJson(const Summary& summary);

// 0, kIncompleteExit (stopped), or kSomeRefusedExit.
int SummaryExit(const Summary& summary);

// `argv` (the words after the program's name) as one shell line that
// resumes the run: "gong-flows" and each word quoted where the shell needs
// it, with --resume added when it is not there.
std::string ResumeCommand(const std::vector<std::string>& argv);

}  // namespace gong::cli
