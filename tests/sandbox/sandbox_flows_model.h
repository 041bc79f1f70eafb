// The sandbox's model of one company's flows: its flows and their
// instances, and the operations Gong's flows endpoints perform on them. Every
// endpoint works on this one model, so they agree: an instance assigned is
// found by the lookup, one unassigned by instance id or by CRM id is gone
// for every endpoint, and the ids of the old assigned-ids API are instances
// like any other (of kDefaultFlowId's flow).
//
// Thread-safe: every operation takes the model's own lock, so an operation
// sees and leaves the model consistent however many handlers run at once.
// Knows nothing of HTTP or JSON (the endpoint files do). Internal to the
// sandbox.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/sandbox_bulk_assignments.h"
#include "sandbox/sandbox_flows.h"

namespace gong::sandbox::internal {

// One instance as Gong answers it: the instance with what Gong copies into
// it from its flow.
struct InstanceView {
  SandboxInstance instance;
  std::string flow_name;
  std::string workspace_id;
  bool exclusive = false;
};

// Which flows `GET /v2/flows` lists.
struct FlowsQuery {
  std::string owner_email;   // sees Company, Shared and their own Personal flows
  std::string workspace_id;  // empty: any workspace
  std::string folder_id;     // empty: any folder
  // Only flows with instances, newest instance first, at most
  // kMostRecentlyAssignedMax of them.
  bool most_recently_assigned = false;
};
inline constexpr size_t kMostRecentlyAssignedMax = 20;

// Which folders `GET /v2/flows/folders` lists.
struct FoldersQuery {
  std::string owner_email;   // sees Company, Shared and their own Personal folders
  std::string workspace_id;  // empty: any workspace
  std::string parent_id;     // empty: every folder; else it and its children
};

enum class NotAssignedCode { kInvalidArgument, kInvalidState, kUnexpectedError };

struct NotAssigned {
  std::string crm_prospect_id;
  NotAssignedCode code = NotAssignedCode::kUnexpectedError;
  std::string message;
};

struct AssignCommand {
  std::vector<std::string> crm_prospect_ids;  // handled in this order
  std::string flow_id;
  std::string owner_email;
  // The step numbers the overrides name: each must be one of the flow's
  // steps, or every prospect is refused with kInvalidArgument.
  std::vector<int64_t> step_numbers;
  // A fault injected by the sandbox (Behavior::unexpected_error_prospect_id):
  // this prospect fails with kUnexpectedError. Empty: none does.
  std::string failing_prospect_id;
};

struct AssignOutcome {
  std::vector<InstanceView> assigned;  // in the order of the command's ids
  std::vector<NotAssigned> not_assigned;
};

class FlowsModel {
 public:
  FlowsModel() = default;
  FlowsModel(const FlowsModel&) = delete;
  FlowsModel& operator=(const FlowsModel&) = delete;

  // Adds flows and instances. Fails, adding nothing, on a seed that
  // contradicts itself or the model: an empty or repeated id, an instance of
  // a flow that does not exist, or without a CRM prospect id.
  absl::Status Seed(const std::vector<SandboxFlow>& flows,
                    const std::vector<SandboxInstance>& instances);

  // The old API's assignment: each id becomes a Running instance of the
  // default flow (see kDefaultFlowId) created at `create_date`; an id that
  // is already an instance stays where it is and is made Running again if
  // it had finished, so that it is assigned either way.
  void AssignToDefaultFlow(const std::vector<std::string>& instance_ids,
                           absl::Time create_date);

  // Whether the instance exists and is open: what the old API calls
  // assigned, and what an unassign would remove.
  bool IsOpen(absl::string_view instance_id) const;

  // Removes the open instances among `instance_ids`; returns their ids in
  // request order. Unknown and finished ones are left alone.
  std::vector<std::string> UnassignInstances(
      const std::vector<std::string>& instance_ids);

  // The open instances of these CRM prospects: prospect by prospect in
  // request order (a repeated prospect counts once), each prospect's oldest
  // first.
  std::vector<InstanceView> OpenInstancesOfProspects(
      const std::vector<std::string>& crm_prospect_ids) const;

  // These instances, open or finished, in request order (a repeated id
  // counts once); unknown ids are skipped.
  std::vector<InstanceView> InstancesById(
      const std::vector<std::string>& instance_ids) const;

  // The flows the query sees: by id (shortest, then in text order, so
  // numeric ids sort as numbers), or by their newest instance when
  // most_recently_assigned.
  std::vector<SandboxFlow> Flows(const FlowsQuery& query) const;

  // Assigns each prospect to the flow in a new Running instance created at
  // `now`, unless it cannot be: the flow does not exist (kInvalidArgument),
  // the prospect is already open in that flow, or is open in another flow
  // while either flow is exclusive (kInvalidState). Prospects are handled in
  // order, so a prospect named twice is assigned once and then refused.
  AssignOutcome Assign(const AssignCommand& command, absl::Time now);

  // Adds folders (sandbox_flows_model_catalog.cc). Fails, adding nothing,
  // on an empty or repeated id or a parent that is not a folder.
  absl::Status SeedFolders(const std::vector<SandboxFolder>& folders);

  // The folders the query sees, by id (shortest first, then in text order).
  std::vector<SandboxFolder> Folders(const FoldersQuery& query) const;

  // These flows with their steps, in request order (a repeated id counts
  // once); NotFound naming the unknown ones when any is unknown, as Gong
  // answers for all of them or none.
  absl::StatusOr<std::vector<SandboxFlow>> FlowsById(
      const std::vector<std::string>& flow_ids) const;

  // Removes the prospect's open instances of `flow_id`, or of every flow
  // without one; returns their ids, oldest first.
  std::vector<std::string> UnassignProspect(absl::string_view crm_prospect_id,
                                            const std::optional<std::string>& flow_id);

  // Whether the CRM has this prospect: one that has or had an instance, or
  // that AddProspect created (a bulk job's prospect without a CRM id).
  bool KnowsProspect(absl::string_view crm_prospect_id) const;
  void AddProspect(std::string crm_prospect_id);

  // The company's bulk assignment jobs, which work on this model.
  BulkJobs& bulk_jobs() { return bulk_jobs_; }
  const BulkJobs& bulk_jobs() const { return bulk_jobs_; }

 private:
  void AddInstanceLocked(SandboxInstance instance) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveInstanceLocked(const std::string& instance_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RememberNameLocked(const std::string& email, const std::string& full_name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string FullNameLocked(const std::string& email) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  InstanceView ViewLocked(const SandboxInstance& instance) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The prospect's open instances, oldest first.
  std::vector<const SandboxInstance*> OpenOfProspectLocked(
      const std::string& crm_prospect_id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Why the prospect cannot join `flow`, or nullopt if it can.
  std::optional<std::string> ConflictLocked(const std::string& crm_prospect_id,
                                            const SandboxFlow& flow) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Why the command's step overrides do not fit `flow`, or nullopt if they
  // do (sandbox_flows_model_catalog.cc).
  static std::optional<std::string> MissingStep(const AssignCommand& command,
                                                const SandboxFlow& flow);
  std::string NewInstanceIdLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, SandboxFlow> flows_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, SandboxFolder> folders_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, SandboxInstance> instances_ ABSL_GUARDED_BY(mu_);
  // Instance ids by CRM prospect id, so that lookups and unassigns by
  // prospect need not scan every instance (load tests assign thousands).
  absl::flat_hash_map<std::string, std::vector<std::string>> by_prospect_
      ABSL_GUARDED_BY(mu_);
  // Users' full names by lower-case email, learnt from the seed, for the
  // instances that assign creates (Gong knows its users; the request only
  // names the owner's email).
  absl::flat_hash_map<std::string, std::string> full_names_ ABSL_GUARDED_BY(mu_);
  // New instance ids count up from past 2^53, as Gong's do, so that a
  // client that reads them as doubles gets them wrong in tests too.
  uint64_t next_instance_id_ ABSL_GUARDED_BY(mu_) = 9100000000000000001u;
  absl::flat_hash_set<std::string> known_prospects_ ABSL_GUARDED_BY(mu_);
  BulkJobs bulk_jobs_;  // its own lock, taken before mu_
};

}  // namespace gong::sandbox::internal
