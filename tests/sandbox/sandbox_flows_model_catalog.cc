// The model's catalog (sandbox_flows_model.h): its folders, its flows'
// steps, and the one rule that ties steps to assign (an override names a
// step the flow has). Nothing here changes once seeded, but it takes the
// model's lock like every operation.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sandbox/sandbox_flows_model.h"

namespace gong::sandbox::internal {
namespace {

// Numeric ids sort as numbers: shorter first, then in text order.
bool IdLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

}  // namespace

absl::Status FlowsModel::SeedFolders(const std::vector<SandboxFolder>& folders) {
  absl::MutexLock lock(&mu_);
  absl::flat_hash_set<std::string> ids;
  for (const SandboxFolder& folder : folders) {
    if (folder.id.empty()) return absl::InvalidArgumentError("a seeded folder has no id");
    if (folders_.contains(folder.id) || !ids.insert(folder.id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("folder ", folder.id, " is seeded twice"));
    }
  }
  for (const SandboxFolder& folder : folders) {
    if (!folder.parent_id.empty() && !ids.contains(folder.parent_id) &&
        !folders_.contains(folder.parent_id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "folder ", folder.id, " is in folder ", folder.parent_id, ", not seeded"));
    }
  }
  for (const SandboxFolder& folder : folders) folders_.emplace(folder.id, folder);
  return absl::OkStatus();
}

std::vector<SandboxFolder> FlowsModel::Folders(const FoldersQuery& query) const {
  std::vector<SandboxFolder> seen;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, folder] : folders_) {
    if (folder.visibility == FlowVisibility::kPersonal &&
        !absl::EqualsIgnoreCase(folder.owner_email, query.owner_email)) {
      continue;
    }
    if (!query.workspace_id.empty() && folder.workspace_id != query.workspace_id) {
      continue;
    }
    if (!query.parent_id.empty() && id != query.parent_id &&
        folder.parent_id != query.parent_id) {
      continue;
    }
    seen.push_back(folder);
  }
  std::sort(seen.begin(), seen.end(), [](const SandboxFolder& a, const SandboxFolder& b) {
    return IdLess(a.id, b.id);
  });
  return seen;
}

absl::StatusOr<std::vector<SandboxFlow>> FlowsModel::FlowsById(
    const std::vector<std::string>& flow_ids) const {
  std::vector<SandboxFlow> found;
  std::vector<std::string> unknown;
  absl::flat_hash_set<std::string> seen;
  absl::MutexLock lock(&mu_);
  for (const std::string& id : flow_ids) {
    if (!seen.insert(id).second) continue;
    auto flow = flows_.find(id);
    if (flow == flows_.end()) {
      unknown.push_back(id);
    } else {
      found.push_back(flow->second);
    }
  }
  if (!unknown.empty()) {
    return absl::NotFoundError(
        absl::StrCat("One or more flows not found: ", absl::StrJoin(unknown, ", ")));
  }
  return found;
}

std::optional<std::string> FlowsModel::MissingStep(const AssignCommand& command,
                                                   const SandboxFlow& flow) {
  for (int64_t number : command.step_numbers) {
    if (number < 1 || static_cast<uint64_t>(number) > flow.steps.size()) {
      return absl::StrCat("Flow ", flow.id, " has ", flow.steps.size(),
                          " steps: there is no step ", number, " to override");
    }
  }
  return std::nullopt;
}

}  // namespace gong::sandbox::internal
