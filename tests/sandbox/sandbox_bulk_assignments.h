// The sandbox's bulk assignment jobs: Gong's only asynchronous flows
// operation. A POST creates a PENDING job (answered 202); each GET of the
// job that reaches the work moves it on one step, assigning the next
// prospects in the flows model for real, until the job is COMPLETED (or
// FAILED part-way, when Behavior::bulk_fail_after says so). How a prospect
// fares:
//   - without crmId: the CRM creates it (a fresh CRM id, "00QB..."), then
//     it is assigned as assign would;
//   - with a crmId the company does not know (no instance of it, open or
//     finished, and not created by a job): CRM_OPERATION_FAILED, errorCode
//     NotFound (the sandbox's rule; Gong documents no codes here);
//   - assign refusing it (already in the flow, an exclusive conflict, an
//     unknown flow): FLOW_ASSIGNMENT_FAILED with assign's errorCode
//     (InvalidState, InvalidArgument) and message.
// Internal to the sandbox; thread-safe (its own lock, taken before the
// model's, never the other way).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace gong::sandbox::internal {

class FlowsModel;

inline constexpr absl::string_view kBulkAssignmentsPath =
    "/v2/flows/prospects/bulk-assignments";
// Gong's documented maximum of prospects a job.
inline constexpr size_t kMaxBulkProspects = 50;

struct BulkProspectIn {
  nlohmann::json as_sent;  // the prospect's object, echoed in its result
  std::string crm_id;      // "" when the CRM is to create it
};

struct BulkJobCommand {
  std::string flow_id;
  std::string owner_email;
  std::vector<BulkProspectIn> prospects;
  // From the Behavior in force at the start: the job FAILs once this many
  // prospects are processed (0: never); a GET processes this many (0: a
  // third of the job, rounded up).
  size_t fail_after = 0;
  size_t step = 0;
};

class BulkJobs {
 public:
  // A new PENDING job, as its start answers it (without requestId).
  nlohmann::json Start(BulkJobCommand command);
  // Moves the job on one step in `model` and answers it as it now is
  // (without requestId); nullopt for an unknown id. Counts the GET.
  std::optional<nlohmann::json> Advance(const std::string& id, FlowsModel& model,
                                        absl::Time now);
  // The GETs of this job that reached Advance (0 for an unknown id).
  int64_t Gets(const std::string& id) const;

 private:
  struct Result {
    std::string status;
    std::string crm_id;
    std::string flow_instance_id;
    std::string error_code;
    std::string error_message;
  };
  struct Job {
    std::string id;
    BulkJobCommand command;
    std::string state = "PENDING";
    std::vector<Result> results;  // of the first results.size() prospects
    int64_t gets = 0;
  };
  static nlohmann::json JobJson(const Job& job);
  Result ProcessLocked(const BulkProspectIn& prospect, const BulkJobCommand& command,
                       FlowsModel& model, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Job> jobs_ ABSL_GUARDED_BY(mu_);
  // Job ids count up from past 2^53, as Gong's ids do.
  uint64_t next_job_id_ ABSL_GUARDED_BY(mu_) = 9200000000000000001u;
  uint64_t next_crm_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace gong::sandbox::internal
