#include "bulk_results.h"

#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_split.h"
#include "idempotency_key.h"
#include "nlohmann/json.hpp"
#include "whole_file.h"

namespace gong::cli {
namespace {

std::optional<std::string> StringField(const nlohmann::json& line, const char* name) {
  auto it = line.find(name);
  if (it == line.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

absl::StatusOr<BulkLog> ReadBulkLog(const std::string& path, size_t* skipped) {
  absl::StatusOr<std::string> text = internal::ReadWholeFile(path);
  if (!text.ok()) return text.status();
  BulkLog log;
  absl::flat_hash_map<std::string, size_t> job_index;
  size_t skipped_here = 0;
  for (absl::string_view text_line : absl::StrSplit(*text, '\n')) {
    if (text_line.empty()) continue;
    const nlohmann::json line = nlohmann::json::parse(text_line, nullptr, false);
    if (!line.is_object()) {
      ++skipped_here;
      continue;
    }
    if (auto prospect = line.find("prospect");
        prospect != line.end() && prospect->is_object() && line.contains("status")) {
      log.answered.insert(
          prospect->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      continue;
    }
    const std::optional<std::string> job = StringField(line, "job");
    const std::optional<std::string> key = StringField(line, "key");
    if (!job || !key || !IsValidIdempotencyKey(*key)) {
      ++skipped_here;
      continue;
    }
    auto [it, added] = job_index.try_emplace(*key, log.jobs.size());
    if (added) log.jobs.push_back(BulkLogJob{*key});
    BulkLogJob& entry = log.jobs[it->second];
    if (*job == "submitting") {
      auto prospects = line.find("prospects");
      if (prospects != line.end() && prospects->is_array() && entry.prospects.empty()) {
        for (const nlohmann::json& p : *prospects) {
          if (p.is_object()) {
            entry.prospects.push_back(
                p.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
          }
        }
      }
      log.latest_key = *key;
    } else if (*job == "submitted") {
      if (auto id = StringField(line, "bulk_assignment_id"))
        entry.bulk_assignment_id = *id;
    } else if (*job == "ended") {
      entry.ended = true;
    } else {
      ++skipped_here;
    }
  }
  if (skipped != nullptr) *skipped = skipped_here;
  return log;
}

BulkPlan PlanBulkRun(const std::vector<ProspectRow>& rows, const BulkLog& log,
                     const std::string& run_id,
                     const std::vector<std::string>& key_params, size_t job_size) {
  BulkPlan plan;
  absl::flat_hash_map<std::string, const ProspectRow*> by_identity;
  for (const ProspectRow& row : rows) by_identity.emplace(row.Identity(), &row);
  // Prospects a job of the file carries: theirs, answered or not.
  absl::flat_hash_set<std::string> in_jobs;
  for (const BulkLogJob& job : log.jobs) {
    for (const std::string& identity : job.prospects) in_jobs.insert(identity);
    if (job.ended || job.prospects.empty()) continue;
    PlannedJob planned;
    planned.key = job.key;
    planned.bulk_assignment_id = job.bulk_assignment_id;
    planned.in_file = true;
    bool readable = true;
    for (const std::string& identity : job.prospects) {
      auto found = by_identity.find(identity);
      if (found != by_identity.end()) {
        planned.prospects.push_back(*found->second);
      } else {
        // No longer in the CSV, but sent: its job is still Gong's.
        absl::StatusOr<ProspectRow> row = RowFromIdentity(identity);
        if (!row.ok()) {
          readable = false;
          break;
        }
        planned.prospects.push_back(*std::move(row));
      }
      if (!log.answered.contains(identity)) planned.awaiting.insert(identity);
    }
    if (!readable || planned.awaiting.empty()) continue;
    plan.total += planned.awaiting.size();
    plan.jobs.push_back(std::move(planned));
  }
  std::vector<const ProspectRow*> fresh;
  for (const ProspectRow& row : rows) {
    const std::string identity = row.Identity();
    if (log.answered.contains(identity)) {
      ++plan.already_answered;
    } else if (!in_jobs.contains(identity)) {
      fresh.push_back(&row);
    }
  }
  if (job_size == 0) job_size = 1;
  for (size_t start = 0; start < fresh.size(); start += job_size) {
    PlannedJob job;
    std::vector<std::string> identities;
    for (size_t i = start; i < fresh.size() && i < start + job_size; ++i) {
      job.prospects.push_back(*fresh[i]);
      identities.push_back(fresh[i]->Identity());
      job.awaiting.insert(identities.back());
    }
    job.key = ChunkKey(run_id, kBulkKeyCommand, key_params, identities);
    plan.total += job.prospects.size();
    plan.jobs.push_back(std::move(job));
  }
  return plan;
}

}  // namespace gong::cli
