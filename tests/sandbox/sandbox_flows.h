// The vocabulary of the sandbox's model of one company's flows: the flows
// and flow instances a test (or the gong-sandbox binary) seeds the sandbox
// with, the flow that ids assigned without one join, and the demo company.
//
// The model is what makes the sandbox's endpoints agree with each other: an
// instance assigned by one endpoint is found by the lookup, and one removed
// by either unassign is gone for all of them (see sandbox_flows_model.h).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::sandbox {

// Who sees a flow in `GET /v2/flows`: everyone sees Company and Shared
// flows; only its owner sees a Personal one.
enum class FlowVisibility { kCompany, kPersonal, kShared };

// A flow instance's state, as Gong names it in `flowInstanceStatus`.
enum class FlowInstanceStatus {
  kPending,
  kRunning,
  kPaused,
  kFinishedNoReply,
  kFinishedResponse,
  kFinished,
};

// Open instances are those a prospect is still in: the ones a lookup by CRM
// id returns, the ones either unassign removes, and the ones that stand in
// the way of an assignment to an exclusive flow. Finished ones are history:
// found by instance id only.
bool IsOpen(FlowInstanceStatus status);

// What a flow's step does, as `POST /v2/flows/steps` names it.
enum class StepAction {
  kSendEmail,
  kAutoSendEmail,
  kCall,
  kLinkedInConnect,
  kLinkedInMessage,
  kCustom,
};

// One step of a flow. Its number (Gong's stepOrder, which assign's step
// overrides name) is its place in SandboxFlow::steps, from 1.
struct SandboxStep {
  std::string id;
  StepAction action = StepAction::kSendEmail;
  std::string subject;  // empty for a step that sends no email
  std::string body;
  bool is_reply = false;
};

// A folder of flows, as `GET /v2/flows/folders` lists it: seen as a flow
// of the same visibility is (Company and Shared by everyone, Personal by
// its owner alone).
struct SandboxFolder {
  std::string id;
  std::string name;
  FlowVisibility visibility = FlowVisibility::kCompany;
  std::string owner_email;
  std::string workspace_id;
  std::string parent_id;  // empty at the top; else a seeded folder's id
  absl::Time creation_date = absl::UnixEpoch();
};

struct SandboxFlow {
  std::string id;  // Gong's ids are strings of digits
  std::string name;
  std::string folder_id;
  std::string folder_name;
  FlowVisibility visibility = FlowVisibility::kCompany;
  // The flow's owner: the one user who sees it when it is Personal.
  std::string owner_email;
  std::string owner_full_name;
  std::string workspace_id;
  absl::Time creation_date = absl::UnixEpoch();
  // A prospect in an open instance of an exclusive flow can be in no other
  // flow at the same time, and the other way round.
  bool exclusive = false;
  std::string description;
  // In order: step k is steps[k - 1]. Assign refuses an override of a step
  // number the flow does not have (a flow seeded without steps has none).
  std::vector<SandboxStep> steps;
};

struct SandboxInstance {
  std::string id;       // unique among all instances
  std::string flow_id;  // a seeded flow's id, or kDefaultFlowId
  std::string crm_prospect_id;
  // Who the instance runs for: Gong's flowInstanceOwnerEmail and FullName.
  std::string owner_email;
  std::string owner_full_name;
  absl::Time create_date = absl::UnixEpoch();
  FlowInstanceStatus status = FlowInstanceStatus::kRunning;
};

// Ids assigned without a flow (Options::assigned_ids, SandboxGong::Assign)
// become Running instances of this flow, each for a CRM prospect of its own
// named SyntheticProspectId(id), owned by the flow's owner. The flow is
// DefaultFlow() unless the seed has a flow with this id, and it exists (so
// `GET /v2/flows` lists it) only once an id has been assigned that way.
inline constexpr char kDefaultFlowId[] = "9000000000000000001";
SandboxFlow DefaultFlow();
// "crm-<instance id>".
std::string SyntheticProspectId(absl::string_view instance_id);

// The moment the demo company's data and the ids of Options::assigned_ids
// are dated from, so that a sandbox started twice answers the same.
absl::Time SeedTime();

// Every date the sandbox writes is in this fixed offset (UTC-08:00), the
// demo company's, as Gong writes dates with the company's offset.
absl::TimeZone CompanyTimeZone();

}  // namespace gong::sandbox
