// The flows model's vocabulary: see sandbox_flows.h.
#include "sandbox/sandbox_flows.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace gong::sandbox {

bool IsOpen(FlowInstanceStatus status) {
  switch (status) {
    case FlowInstanceStatus::kPending:
    case FlowInstanceStatus::kRunning:
    case FlowInstanceStatus::kPaused:
      return true;
    case FlowInstanceStatus::kFinishedNoReply:
    case FlowInstanceStatus::kFinishedResponse:
    case FlowInstanceStatus::kFinished:
      return false;
  }
  return false;
}

absl::TimeZone CompanyTimeZone() {
  // A fixed offset rather than a named zone: the sandbox must not depend on
  // the machine's time zone database, and its answers must not shift with
  // daylight saving time.
  return absl::FixedTimeZone(-8 * 60 * 60);
}

absl::Time SeedTime() {
  return absl::FromCivil(absl::CivilSecond(2026, 1, 5, 9, 0, 0), CompanyTimeZone());
}

SandboxFlow DefaultFlow() {
  SandboxFlow flow;
  flow.id = kDefaultFlowId;
  flow.name = "Sandbox assigned ids";
  flow.folder_id = "9000000000000000002";
  flow.folder_name = "Sandbox";
  // Company-wide, so whichever owner a client lists flows for finds the
  // flow its assigned ids are in.
  flow.visibility = FlowVisibility::kCompany;
  flow.owner_email = "sandbox@example.com";
  flow.owner_full_name = "Sandbox Owner";
  flow.workspace_id = "6100000000000000001";  // the demo company's main workspace
  flow.creation_date =
      absl::FromCivil(absl::CivilSecond(2026, 1, 5, 8, 0, 0), CompanyTimeZone());
  flow.exclusive = false;
  return flow;
}

std::string SyntheticProspectId(absl::string_view instance_id) {
  return absl::StrCat("crm-", instance_id);
}

}  // namespace gong::sandbox
