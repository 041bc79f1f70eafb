// The sandbox's flows model: see sandbox_flows_model.h.
#include "sandbox/sandbox_flows_model.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gong::sandbox::internal {
namespace {

// Numeric ids sort as numbers when they sort shortest first; other ids
// still get a fixed order.
bool IdLess(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

bool OlderInstance(const SandboxInstance* a, const SandboxInstance* b) {
  if (a->create_date != b->create_date) return a->create_date < b->create_date;
  return IdLess(a->id, b->id);
}

bool VisibleTo(const SandboxFlow& flow, absl::string_view owner_email) {
  // Email addresses are compared as Gong users type them: case aside.
  return flow.visibility != FlowVisibility::kPersonal ||
         absl::EqualsIgnoreCase(flow.owner_email, owner_email);
}

std::string FlowLabel(const SandboxFlow& flow) {
  return absl::StrCat("\"", flow.name, "\" (", flow.id, ")");
}

}  // namespace

absl::Status FlowsModel::Seed(const std::vector<SandboxFlow>& flows,
                              const std::vector<SandboxInstance>& instances) {
  absl::MutexLock lock(&mu_);
  // Checked whole before anything is added, so a bad seed changes nothing.
  absl::flat_hash_set<std::string> flow_ids;
  for (const SandboxFlow& flow : flows) {
    if (flow.id.empty()) return absl::InvalidArgumentError("a seeded flow has no id");
    if (flows_.contains(flow.id) || !flow_ids.insert(flow.id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("flow ", flow.id, " is seeded twice"));
    }
  }
  absl::flat_hash_set<std::string> instance_ids;
  bool needs_default_flow = false;
  for (const SandboxInstance& instance : instances) {
    if (instance.id.empty()) {
      return absl::InvalidArgumentError("a seeded flow instance has no id");
    }
    if (instances_.contains(instance.id) || !instance_ids.insert(instance.id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("flow instance ", instance.id, " is seeded twice"));
    }
    if (instance.crm_prospect_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("flow instance ", instance.id, " has no CRM prospect id"));
    }
    if (instance.flow_id == kDefaultFlowId) {
      needs_default_flow = true;
    } else if (!flows_.contains(instance.flow_id) &&
               !flow_ids.contains(instance.flow_id)) {
      return absl::InvalidArgumentError(absl::StrCat("flow instance ", instance.id,
                                                     " is of flow ", instance.flow_id,
                                                     ", which is not seeded"));
    }
  }

  for (const SandboxFlow& flow : flows) {
    RememberNameLocked(flow.owner_email, flow.owner_full_name);
    flows_.emplace(flow.id, flow);
  }
  if (needs_default_flow && !flows_.contains(kDefaultFlowId)) {
    SandboxFlow flow = DefaultFlow();
    RememberNameLocked(flow.owner_email, flow.owner_full_name);
    flows_.emplace(flow.id, std::move(flow));
  }
  for (const SandboxInstance& instance : instances) {
    RememberNameLocked(instance.owner_email, instance.owner_full_name);
    AddInstanceLocked(instance);
  }
  return absl::OkStatus();
}

void FlowsModel::AssignToDefaultFlow(const std::vector<std::string>& instance_ids,
                                     absl::Time create_date) {
  if (instance_ids.empty()) return;  // the default flow appears only when used
  absl::MutexLock lock(&mu_);
  auto flow = flows_.find(kDefaultFlowId);
  if (flow == flows_.end()) {
    SandboxFlow added = DefaultFlow();
    RememberNameLocked(added.owner_email, added.owner_full_name);
    flow = flows_.emplace(added.id, std::move(added)).first;
  }
  for (const std::string& id : instance_ids) {
    auto existing = instances_.find(id);
    if (existing != instances_.end()) {
      if (!sandbox::IsOpen(existing->second.status)) {
        existing->second.status = FlowInstanceStatus::kRunning;
      }
      continue;
    }
    SandboxInstance instance;
    instance.id = id;
    instance.flow_id = kDefaultFlowId;
    instance.crm_prospect_id = SyntheticProspectId(id);
    instance.owner_email = flow->second.owner_email;
    instance.owner_full_name = flow->second.owner_full_name;
    instance.create_date = create_date;
    instance.status = FlowInstanceStatus::kRunning;
    AddInstanceLocked(std::move(instance));
  }
}

bool FlowsModel::IsOpen(absl::string_view instance_id) const {
  absl::MutexLock lock(&mu_);
  auto it = instances_.find(instance_id);
  return it != instances_.end() && sandbox::IsOpen(it->second.status);
}

std::vector<std::string> FlowsModel::UnassignInstances(
    const std::vector<std::string>& instance_ids) {
  std::vector<std::string> removed;
  absl::MutexLock lock(&mu_);
  for (const std::string& id : instance_ids) {
    auto it = instances_.find(id);
    if (it == instances_.end() || !sandbox::IsOpen(it->second.status)) continue;
    RemoveInstanceLocked(id);
    removed.push_back(id);
  }
  return removed;
}

std::vector<InstanceView> FlowsModel::OpenInstancesOfProspects(
    const std::vector<std::string>& crm_prospect_ids) const {
  std::vector<InstanceView> views;
  absl::flat_hash_set<std::string> seen;
  absl::MutexLock lock(&mu_);
  for (const std::string& crm_id : crm_prospect_ids) {
    if (!seen.insert(crm_id).second) continue;
    for (const SandboxInstance* instance : OpenOfProspectLocked(crm_id)) {
      views.push_back(ViewLocked(*instance));
    }
  }
  return views;
}

std::vector<InstanceView> FlowsModel::InstancesById(
    const std::vector<std::string>& instance_ids) const {
  std::vector<InstanceView> views;
  absl::flat_hash_set<std::string> seen;
  absl::MutexLock lock(&mu_);
  for (const std::string& id : instance_ids) {
    if (!seen.insert(id).second) continue;
    auto it = instances_.find(id);
    if (it != instances_.end()) views.push_back(ViewLocked(it->second));
  }
  return views;
}

std::vector<SandboxFlow> FlowsModel::Flows(const FlowsQuery& query) const {
  absl::MutexLock lock(&mu_);
  std::vector<const SandboxFlow*> seen;
  for (const auto& [id, flow] : flows_) {
    if (!VisibleTo(flow, query.owner_email)) continue;
    if (!query.workspace_id.empty() && flow.workspace_id != query.workspace_id) continue;
    if (!query.folder_id.empty() && flow.folder_id != query.folder_id) continue;
    seen.push_back(&flow);
  }
  if (!query.most_recently_assigned) {
    std::sort(seen.begin(), seen.end(), [](const SandboxFlow* a, const SandboxFlow* b) {
      return IdLess(a->id, b->id);
    });
  } else {
    // Finished instances count: they were assigned all the same.
    absl::flat_hash_map<std::string, absl::Time> newest;
    for (const auto& [id, instance] : instances_) {
      auto [it, added] = newest.emplace(instance.flow_id, instance.create_date);
      if (!added) it->second = std::max(it->second, instance.create_date);
    }
    seen.erase(std::remove_if(
                   seen.begin(), seen.end(),
                   [&](const SandboxFlow* flow) { return !newest.contains(flow->id); }),
               seen.end());
    std::sort(seen.begin(), seen.end(), [&](const SandboxFlow* a, const SandboxFlow* b) {
      const absl::Time a_newest = newest.at(a->id);
      const absl::Time b_newest = newest.at(b->id);
      if (a_newest != b_newest) return a_newest > b_newest;
      return IdLess(a->id, b->id);
    });
    if (seen.size() > kMostRecentlyAssignedMax) seen.resize(kMostRecentlyAssignedMax);
  }
  std::vector<SandboxFlow> flows;
  flows.reserve(seen.size());
  for (const SandboxFlow* flow : seen) flows.push_back(*flow);
  return flows;
}

AssignOutcome FlowsModel::Assign(const AssignCommand& command, absl::Time now) {
  AssignOutcome outcome;
  absl::MutexLock lock(&mu_);
  auto flow = flows_.find(command.flow_id);
  for (const std::string& crm_id : command.crm_prospect_ids) {
    if (!command.failing_prospect_id.empty() && crm_id == command.failing_prospect_id) {
      outcome.not_assigned.push_back(
          {crm_id, NotAssignedCode::kUnexpectedError,
           "An unexpected error occurred (injected by the sandbox)"});
      continue;
    }
    if (flow == flows_.end()) {
      outcome.not_assigned.push_back(
          {crm_id, NotAssignedCode::kInvalidArgument,
           absl::StrCat("Flow ", command.flow_id, " does not exist")});
      continue;
    }
    if (std::optional<std::string> step = MissingStep(command, flow->second)) {
      outcome.not_assigned.push_back({crm_id, NotAssignedCode::kInvalidArgument, *step});
      continue;
    }
    if (std::optional<std::string> conflict = ConflictLocked(crm_id, flow->second)) {
      outcome.not_assigned.push_back(
          {crm_id, NotAssignedCode::kInvalidState, *std::move(conflict)});
      continue;
    }
    SandboxInstance instance;
    instance.id = NewInstanceIdLocked();
    instance.flow_id = flow->second.id;
    instance.crm_prospect_id = crm_id;
    instance.owner_email = command.owner_email;
    instance.owner_full_name = FullNameLocked(command.owner_email);
    instance.create_date = now;
    instance.status = FlowInstanceStatus::kRunning;
    outcome.assigned.push_back(ViewLocked(instance));
    AddInstanceLocked(std::move(instance));
  }
  return outcome;
}

std::vector<std::string> FlowsModel::UnassignProspect(
    absl::string_view crm_prospect_id, const std::optional<std::string>& flow_id) {
  std::vector<std::string> removed;
  absl::MutexLock lock(&mu_);
  for (const SandboxInstance* instance :
       OpenOfProspectLocked(std::string(crm_prospect_id))) {
    if (!flow_id.has_value() || instance->flow_id == *flow_id) {
      removed.push_back(instance->id);
    }
  }
  for (const std::string& id : removed) RemoveInstanceLocked(id);
  return removed;
}

bool FlowsModel::KnowsProspect(absl::string_view crm_prospect_id) const {
  absl::MutexLock lock(&mu_);
  return known_prospects_.contains(crm_prospect_id);
}

void FlowsModel::AddProspect(std::string crm_prospect_id) {
  absl::MutexLock lock(&mu_);
  known_prospects_.insert(std::move(crm_prospect_id));
}

void FlowsModel::AddInstanceLocked(SandboxInstance instance) {
  known_prospects_.insert(instance.crm_prospect_id);
  by_prospect_[instance.crm_prospect_id].push_back(instance.id);
  std::string id = instance.id;
  instances_.insert_or_assign(std::move(id), std::move(instance));
}

void FlowsModel::RemoveInstanceLocked(const std::string& instance_id) {
  auto it = instances_.find(instance_id);
  if (it == instances_.end()) return;
  auto ids = by_prospect_.find(it->second.crm_prospect_id);
  if (ids != by_prospect_.end()) {
    ids->second.erase(std::remove(ids->second.begin(), ids->second.end(), instance_id),
                      ids->second.end());
    // A prospect without instances leaves no trace, so the index stays as
    // small as the model after many assign and unassign cycles.
    if (ids->second.empty()) by_prospect_.erase(ids);
  }
  instances_.erase(it);
}

void FlowsModel::RememberNameLocked(const std::string& email,
                                    const std::string& full_name) {
  if (email.empty() || full_name.empty()) return;
  full_names_.try_emplace(absl::AsciiStrToLower(email), full_name);
}

std::string FlowsModel::FullNameLocked(const std::string& email) const {
  auto it = full_names_.find(absl::AsciiStrToLower(email));
  // A user the seed never named: Gong would know them; the sandbox can only
  // leave the name empty.
  return it == full_names_.end() ? "" : it->second;
}

InstanceView FlowsModel::ViewLocked(const SandboxInstance& instance) const {
  InstanceView view;
  view.instance = instance;
  auto flow = flows_.find(instance.flow_id);
  if (flow != flows_.end()) {  // always, as Seed checks
    view.flow_name = flow->second.name;
    view.workspace_id = flow->second.workspace_id;
    view.exclusive = flow->second.exclusive;
  }
  return view;
}

std::vector<const SandboxInstance*> FlowsModel::OpenOfProspectLocked(
    const std::string& crm_prospect_id) const {
  std::vector<const SandboxInstance*> open;
  auto ids = by_prospect_.find(crm_prospect_id);
  if (ids == by_prospect_.end()) return open;
  for (const std::string& id : ids->second) {
    auto it = instances_.find(id);
    if (it != instances_.end() && sandbox::IsOpen(it->second.status)) {
      open.push_back(&it->second);
    }
  }
  std::sort(open.begin(), open.end(), OlderInstance);
  return open;
}

std::optional<std::string> FlowsModel::ConflictLocked(const std::string& crm_prospect_id,
                                                      const SandboxFlow& flow) const {
  for (const SandboxInstance* instance : OpenOfProspectLocked(crm_prospect_id)) {
    if (instance->flow_id == flow.id) {
      return absl::StrCat("Prospect ", crm_prospect_id, " is already in flow ",
                          FlowLabel(flow), " as flow instance ", instance->id);
    }
    // Every instance's flow exists: Seed checks it and flows are never
    // removed.
    auto other = flows_.find(instance->flow_id);
    if (other == flows_.end()) continue;
    if (flow.exclusive || other->second.exclusive) {
      const SandboxFlow& exclusive = flow.exclusive ? flow : other->second;
      return absl::StrCat("Prospect ", crm_prospect_id, " is in flow ",
                          FlowLabel(other->second), " as flow instance ", instance->id,
                          ", and flow ", FlowLabel(exclusive), " is exclusive");
    }
  }
  return std::nullopt;
}

std::string FlowsModel::NewInstanceIdLocked() {
  // Seeded and old-API ids may be anything, so a number already taken is
  // skipped rather than assumed free.
  std::string id;
  do {
    id = absl::StrCat(next_instance_id_++);
  } while (instances_.contains(id));
  return id;
}

}  // namespace gong::sandbox::internal
