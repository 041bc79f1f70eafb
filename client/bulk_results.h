// assign --bulk's bookkeeping: what its --results file says (the prospects
// with a result; the jobs, each with its idempotency key, its prospects and,
// once Gong answered, its id), and the plan of a run from the CSV's rows
// and that file: jobs already started are watched again, not started
// again; a job whose start is in doubt goes again whole with its key (the
// facade answers with the job it started, if it did); prospects with a
// result are skipped; the rest go in new jobs of 50.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "bulk_prospects.h"

namespace gong::cli {

// Gong's most prospects a job.
inline constexpr size_t kBulkJobSize = 50;

// The command word of the jobs' keys (idempotency_key.h's ChunkKey).
inline constexpr char kBulkKeyCommand[] = "assign --bulk";

struct BulkLogJob {
  std::string key;
  std::vector<std::string> prospects;  // identities, in the job's order
  std::string bulk_assignment_id;      // empty: its start has no answer
  bool ended = false;                  // COMPLETED, FAILED, or refused
};

struct BulkLog {
  absl::flat_hash_set<std::string> answered;  // identities with a result line
  std::vector<BulkLogJob> jobs;               // in the order first written
  std::string latest_key;                     // the last job's key
};

// The file at `path`; NotFound when there is none. Lines that are not
// whole JSON objects of a known shape (a torn last line) are skipped and
// counted in *skipped.
absl::StatusOr<BulkLog> ReadBulkLog(const std::string& path, size_t* skipped);

struct PlannedJob {
  std::string key;
  std::vector<ProspectRow> prospects;  // as the job carries them
  // The identities this run is to record a result for (a resumed job's
  // prospects already answered are not recorded twice).
  absl::flat_hash_set<std::string> awaiting;
  std::string bulk_assignment_id;  // set: watch it; empty: start it
  bool in_file = false;            // its `submitting` line is written
};

struct BulkPlan {
  std::vector<PlannedJob> jobs;  // resumed jobs first, then new ones
  size_t already_answered = 0;   // rows the file has a result for
  size_t total = 0;              // prospects awaiting a result this run
};

// `key_params`: the flow and the owner, which the keys are derived from
// with `run_id` and each job's identities.
BulkPlan PlanBulkRun(const std::vector<ProspectRow>& rows, const BulkLog& log,
                     const std::string& run_id,
                     const std::vector<std::string>& key_params,
                     size_t job_size = kBulkJobSize);

}  // namespace gong::cli
