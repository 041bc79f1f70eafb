#include "request_validation.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace gong {
namespace {

// ASCII whitespace and control characters (bytes of UTF-8 sequences are all
// >= 0x80, so non-ASCII text passes).
bool HasSpaceOrControl(absl::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string CheckId(absl::string_view id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxIdBytes) {
    return absl::StrCat("must be at most ", kMaxIdBytes, " bytes, not ", id.size());
  }
  if (HasSpaceOrControl(id)) {
    return "must not contain whitespace or control characters";
  }
  return "";
}

std::string CheckEmail(absl::string_view email) {
  if (email.size() > kMaxEmailBytes) {
    return absl::StrCat("must be at most ", kMaxEmailBytes, " bytes");
  }
  const size_t at = email.find('@');
  if (HasSpaceOrControl(email) || at == absl::string_view::npos || at == 0 ||
      at + 1 == email.size() || email.find('@', at + 1) != absl::string_view::npos) {
    return "must be an email address of the form local@domain";
  }
  return "";
}

}  // namespace

ValidatedRequest ValidateUnassignRequest(
    const flows::v1::UnassignByInstanceIdsRequest& request) {
  ValidatedRequest out;
  const auto& ids = request.flow_instance_ids();
  if (ids.empty()) {
    out.violations.push_back(
        {"flow_instance_ids", "must list at least one flow instance id"});
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < ids.size(); ++i) {
    std::string problem = CheckId(ids[i]);
    if (!problem.empty()) {
      out.violations.push_back(
          {absl::StrCat("flow_instance_ids[", i, "]"), std::move(problem)});
    } else if (seen.insert(ids[i]).second) {
      out.request.flow_instance_ids.push_back(ids[i]);
    }
  }
  if (seen.size() > kMaxIdsPerRequest) {
    out.violations.push_back(
        {"flow_instance_ids",
         absl::StrCat("at most ", kMaxIdsPerRequest,
                      " distinct ids per call (Gong's limit), not ", seen.size())});
  }
  if (!request.unassigned_by_user_email().empty()) {
    std::string problem = CheckEmail(request.unassigned_by_user_email());
    if (!problem.empty()) {
      out.violations.push_back({"unassigned_by_user_email", std::move(problem)});
    }
    out.request.unassigned_by_user_email = request.unassigned_by_user_email();
  }
  return out;
}

}  // namespace gong
