#include "api/request_validation.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/unicode_checks.h"

namespace gong {
namespace {

// Gong's ids are numbers written as strings: anything but printable ASCII
// without spaces is a mistake (or an attempt to smuggle in what a reader
// cannot see), and is named with its byte.
std::string CheckId(absl::string_view id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxIdBytes) {
    return absl::StrCat("must be at most ", kMaxIdBytes, " bytes, not ", id.size());
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c <= 0x20 || c >= 0x7f) {
      return absl::StrFormat(
          "must be printable ASCII without spaces (Gong's ids are numeric strings); "
          "byte %d is 0x%02X",
          i, c);
    }
  }
  return "";
}

std::string CheckEmail(absl::string_view email) {
  if (email.size() > kMaxEmailBytes) {
    return absl::StrCat("must be at most ", kMaxEmailBytes, " bytes");
  }
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 == email.size() ||
      email.find('@', at + 1) != absl::string_view::npos) {
    return "must be an email address of the form local@domain";
  }
  if (const auto hidden = FindHiddenCharacter(email); hidden.has_value()) {
    return absl::StrCat(
        "must not hold whitespace, control or format characters, nor "
        "invalid UTF-8: ",
        hidden->what, " at character ", hidden->position);
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
  if (seen.size() > kMaxIdsPerUnassign) {
    out.violations.push_back(
        {"flow_instance_ids",
         absl::StrCat("at most ", kMaxIdsPerUnassign,
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
