// POST /v2/flows/prospects/bulk-assignments: body `{flowId,
// flowInstanceOwnerEmail, prospects[] (1 to 50)}`, each prospect `{crmId?,
// firstName?, lastName?, email?, jobTitle?, linkedInUrl?, accountCrmId?,
// companyName?}` with first and last name when crmId is absent; answers 202
// with the PENDING job. GET /v2/flows/prospects/bulk-assignments/{id}:
// moves the job on a step and answers it, or 404 in Gong's error shape for
// an id it does not know. The jobs themselves: sandbox_bulk_assignments.h.
#include "sandbox/sandbox_bulk_assignments.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_json.h"

namespace gong::sandbox::internal {
namespace {

using nlohmann::json;

constexpr const char* kTextFields[] = {"firstName", "lastName",    "email",
                                       "jobTitle",  "linkedInUrl", "companyName"};

absl::StatusOr<BulkProspectIn> ParseProspect(const json& value, size_t i) {
  const std::string where = absl::StrCat("prospects[", i, "]");
  if (!value.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(where, " must be an object"));
  }
  BulkProspectIn prospect;
  prospect.as_sent = value;
  for (const char* field : kTextFields) {
    absl::StatusOr<std::optional<std::string>> text = OptionalString(value, field);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".", text.status().message()));
    }
  }
  for (const char* field : {"crmId", "accountCrmId"}) {
    absl::StatusOr<std::optional<std::string>> id = OptionalId(value, field);
    if (!id.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".", id.status().message()));
    }
    if (std::string(field) == "crmId" && id->has_value()) prospect.crm_id = **id;
  }
  if (prospect.crm_id.empty()) {
    for (const char* field : {"firstName", "lastName"}) {
      if (IsAbsent(value, field) || value.at(field).get<std::string>().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".", field, " is required when crmId is absent"));
      }
    }
  }
  return prospect;
}

absl::StatusOr<BulkJobCommand> ParseStart(absl::string_view body) {
  absl::StatusOr<json> request = ParseObject(body);
  if (!request.ok()) return request.status();
  BulkJobCommand command;
  absl::StatusOr<std::optional<std::string>> flow_id = OptionalId(*request, "flowId");
  if (!flow_id.ok()) return flow_id.status();
  if (!flow_id->has_value()) return absl::InvalidArgumentError("flowId is required");
  command.flow_id = **flow_id;
  absl::StatusOr<std::optional<std::string>> owner =
      OptionalString(*request, "flowInstanceOwnerEmail");
  if (!owner.ok()) return owner.status();
  if (!owner->has_value() || (*owner)->empty()) {
    return absl::InvalidArgumentError("flowInstanceOwnerEmail is required");
  }
  command.owner_email = **owner;
  if (IsAbsent(*request, "prospects")) {
    return absl::InvalidArgumentError("prospects is required");
  }
  const json& prospects = request->at("prospects");
  if (!prospects.is_array() || prospects.empty() ||
      prospects.size() > kMaxBulkProspects) {
    return absl::InvalidArgumentError(
        absl::StrCat("prospects must be an array of 1 to ", kMaxBulkProspects));
  }
  for (size_t i = 0; i < prospects.size(); ++i) {
    absl::StatusOr<BulkProspectIn> prospect = ParseProspect(prospects[i], i);
    if (!prospect.ok()) return prospect.status();
    command.prospects.push_back(*std::move(prospect));
  }
  return command;
}

}  // namespace

json BulkJobs::Start(BulkJobCommand command) {
  absl::MutexLock lock(&mu_);
  Job job;
  job.id = absl::StrCat(next_job_id_++);
  job.command = std::move(command);
  json answer = JobJson(job);
  std::string id = job.id;
  jobs_.emplace(std::move(id), std::move(job));
  return answer;
}

std::optional<json> BulkJobs::Advance(const std::string& id, FlowsModel& model,
                                      absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  Job& job = it->second;
  ++job.gets;
  if (job.state == "COMPLETED" || job.state == "FAILED") return JobJson(job);
  const BulkJobCommand& command = job.command;
  const size_t total = command.prospects.size();
  const size_t step = command.step > 0 ? command.step : (total + 2) / 3;
  size_t end = std::min(total, job.results.size() + step);
  const bool fails =
      command.fail_after > 0 && command.fail_after < total && end >= command.fail_after;
  if (fails) end = command.fail_after;
  for (size_t i = job.results.size(); i < end; ++i) {
    job.results.push_back(ProcessLocked(command.prospects[i], command, model, now));
  }
  job.state = fails                         ? "FAILED"
              : job.results.size() == total ? "COMPLETED"
                                            : "IN_PROGRESS";
  return JobJson(job);
}

int64_t BulkJobs::Gets(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(id);
  return it == jobs_.end() ? 0 : it->second.gets;
}

BulkJobs::Result BulkJobs::ProcessLocked(const BulkProspectIn& prospect,
                                         const BulkJobCommand& command, FlowsModel& model,
                                         absl::Time now) {
  Result result;
  result.crm_id = prospect.crm_id;
  if (result.crm_id.empty()) {
    result.crm_id = absl::StrCat("00QB", 1000000000000 + next_crm_id_++);
    model.AddProspect(result.crm_id);
  } else if (!model.KnowsProspect(result.crm_id)) {
    result.status = "CRM_OPERATION_FAILED";
    result.error_code = "NotFound";
    result.error_message = absl::StrCat("CRM prospect ", result.crm_id, " not found");
    return result;
  }
  AssignCommand assign;
  assign.crm_prospect_ids = {result.crm_id};
  assign.flow_id = command.flow_id;
  assign.owner_email = command.owner_email;
  const AssignOutcome outcome = model.Assign(assign, now);
  if (!outcome.assigned.empty()) {
    result.status = "ASSIGNED";
    result.flow_instance_id = outcome.assigned.front().instance.id;
    return result;
  }
  result.status = "FLOW_ASSIGNMENT_FAILED";
  if (!outcome.not_assigned.empty()) {
    const NotAssigned& refused = outcome.not_assigned.front();
    result.error_code =
        refused.code == NotAssignedCode::kInvalidArgument ? "InvalidArgument"
        : refused.code == NotAssignedCode::kInvalidState  ? "InvalidState"
                                                          : "UnexpectedError";
    result.error_message = refused.message;
  }
  return result;
}

json BulkJobs::JobJson(const Job& job) {
  int64_t succeeded = 0;
  json results = json::array();
  for (size_t i = 0; i < job.results.size(); ++i) {
    const Result& r = job.results[i];
    if (r.status == "ASSIGNED") ++succeeded;
    json item = {{"prospect", job.command.prospects[i].as_sent},
                 {"status", r.status},
                 {"crmId", r.crm_id}};
    if (!r.flow_instance_id.empty()) item["flowInstanceId"] = r.flow_instance_id;
    if (!r.error_code.empty()) item["errorCode"] = r.error_code;
    if (!r.error_message.empty()) item["errorMessage"] = r.error_message;
    results.push_back(std::move(item));
  }
  const auto processed = static_cast<int64_t>(job.results.size());
  return json{{"id", job.id},
              {"status", job.state},
              {"totalCount", job.command.prospects.size()},
              {"processedCount", processed},
              {"successCount", succeeded},
              {"failedCount", processed - succeeded},
              {"results", std::move(results)}};
}

Reply StartBulkAssignment(const Call& call, FlowsModel& model) {
  absl::StatusOr<BulkJobCommand> command = ParseStart(call.body);
  if (!command.ok()) return ErrorReply(call.request_id, 400, command.status().message());
  command->fail_after = call.behavior.bulk_fail_after;
  command->step = call.behavior.bulk_step;
  json answer = model.bulk_jobs().Start(*std::move(command));
  answer["requestId"] = call.request_id;
  return {202, Dump(answer)};
}

Reply GetBulkAssignment(const Call& call, FlowsModel& model) {
  const std::string id(call.path_id);
  std::optional<json> answer = model.bulk_jobs().Advance(id, model, call.now);
  if (!answer.has_value()) {
    return ErrorReply(call.request_id, 404,
                      absl::StrCat("Bulk assignment ", id, " not found"));
  }
  (*answer)["requestId"] = call.request_id;
  return {200, Dump(*answer)};
}

}  // namespace gong::sandbox::internal
