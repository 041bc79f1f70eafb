#include "print_responses.h"

#include <algorithm>
#include <iostream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace gong::cli {
namespace {

using gong::flows::v1::Flow;
using gong::flows::v1::FlowInstance;

// Rows printed with two spaces of indent and each column as wide as its
// widest cell; the last cell of a row is not padded, so no line ends in
// blanks.
class Table {
 public:
  void Add(std::vector<std::string> row) {
    if (widths_.size() < row.size()) widths_.resize(row.size());
    for (size_t i = 0; i < row.size(); ++i) {
      widths_[i] = std::max(widths_[i], row[i].size());
    }
    rows_.push_back(std::move(row));
  }

  void Print() const {
    for (const std::vector<std::string>& row : rows_) {
      std::string line = " ";
      for (size_t i = 0; i < row.size(); ++i) {
        absl::StrAppend(&line, " ", row[i]);
        if (i + 1 < row.size()) line.append(widths_[i] - row[i].size() + 1, ' ');
      }
      std::cout << line << "\n";
    }
  }

 private:
  std::vector<size_t> widths_;
  std::vector<std::vector<std::string>> rows_;
};

// ("ASSIGNMENT_ERROR_CODE_INVALID_STATE", "ASSIGNMENT_ERROR_CODE_") →
// "INVALID_STATE". A value this build's proto does not know has no name:
// its number shows instead.
std::string EnumSuffix(const std::string& name, int number, absl::string_view prefix) {
  if (name.empty()) return absl::StrCat("UNKNOWN(", number, ")");
  return std::string(absl::StripPrefix(name, prefix));
}

// States read as words ("finished_no_reply"); error codes stay codes.
std::string EnumWord(const std::string& name, int number, absl::string_view prefix) {
  return absl::AsciiStrToLower(EnumSuffix(name, number, prefix));
}

std::string Rfc3339(const FlowInstance& instance) {
  if (!instance.has_create_time()) return "-";
  const absl::Time time = absl::FromUnixSeconds(instance.create_time().seconds()) +
                          absl::Nanoseconds(instance.create_time().nanos());
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

std::vector<std::string> FlowRow(const Flow& flow) {
  const std::string visibility =
      EnumWord(gong::flows::v1::FlowVisibility_Name(flow.visibility()), flow.visibility(),
               "FLOW_VISIBILITY_");
  const std::string folder =
      flow.folder_id().empty()
          ? "-"
          : absl::StrCat(flow.folder_name(), " (", flow.folder_id(), ")");
  return {flow.flow_id(), flow.name(), visibility, flow.exclusive() ? "exclusive" : "-",
          folder};
}

std::vector<std::string> InstanceRow(const FlowInstance& instance) {
  return {instance.flow_instance_id(),
          instance.flow_id(),
          instance.flow_name(),
          instance.crm_prospect_id(),
          EnumWord(gong::flows::v1::FlowInstanceStatus_Name(instance.status()),
                   instance.status(), "FLOW_INSTANCE_STATUS_"),
          Rfc3339(instance)};
}

std::string Count(int n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

std::string Rfc3339(const google::protobuf::Timestamp& stamp) {
  const absl::Time time =
      absl::FromUnixSeconds(stamp.seconds()) + absl::Nanoseconds(stamp.nanos());
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

std::vector<std::string> FolderRow(const gong::flows::v1::FlowFolder& folder) {
  const std::string parent = folder.parent_folder_id().empty()
                                 ? "-"
                                 : absl::StrCat("in ",
                                                folder.parent_folder_name().empty()
                                                    ? ""
                                                    : folder.parent_folder_name() + " ",
                                                "(", folder.parent_folder_id(), ")");
  return {folder.folder_id(), folder.name(),
          EnumWord(gong::flows::v1::FlowVisibility_Name(folder.visibility()),
                   folder.visibility(), "FLOW_VISIBILITY_"),
          parent};
}

// A subject on one line of a table: Gong's text may hold line breaks.
std::string OneLineText(absl::string_view text) {
  if (text.empty()) return "-";
  std::string line;
  for (const char c : text) {
    line.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  return line;
}

}  // namespace

void PrintListFlowFoldersPage(const gong::flows::v1::ListFlowFoldersResponse& page) {
  std::cout << "Gong request " << page.request_id() << ": "
            << Count(page.folders_size(), "folder") << " (of " << page.total_size()
            << ")\n";
  Table table;
  for (const auto& folder : page.folders()) table.Add(FolderRow(folder));
  table.Print();
  if (!page.next_page_token().empty()) {
    std::cout << "next page: --page-token=" << page.next_page_token() << "\n";
  }
}

void PrintListFlowFoldersPages(
    const std::vector<gong::flows::v1::ListFlowFoldersResponse>& pages) {
  std::vector<std::string> request_ids;
  absl::flat_hash_set<std::string> seen;
  Table table;
  for (const auto& page : pages) {
    request_ids.push_back(page.request_id());
    for (const auto& folder : page.folders()) {
      if (seen.insert(folder.folder_id()).second) table.Add(FolderRow(folder));
    }
  }
  const int total = pages.empty() ? 0 : pages.back().total_size();
  std::cout << (request_ids.size() == 1 ? "Gong request " : "Gong requests ")
            << absl::StrJoin(request_ids, ", ") << ": " << Count(seen.size(), "folder")
            << " (of " << total << ") in " << Count(pages.size(), "page") << "\n";
  table.Print();
}

void PrintGetFlowSteps(const gong::flows::v1::GetFlowStepsResponse& response) {
  std::cout << "Gong request " << response.request_id() << ": "
            << Count(response.flows_size(), "flow") << "\n";
  for (const auto& flow : response.flows()) {
    std::cout << "  flow " << flow.flow_id() << "  " << flow.name() << "  "
              << Count(flow.steps_size(), "step")
              << (flow.exclusive() ? "  exclusive" : "")
              << (flow.has_create_time() ? "  created " + Rfc3339(flow.create_time())
                                         : "")
              << "\n";
    Table table;
    for (const auto& step : flow.steps()) {
      table.Add({absl::StrCat("  step ", step.number()),
                 EnumWord(gong::flows::v1::FlowStepAction_Name(step.action()),
                          step.action(), "FLOW_STEP_ACTION_"),
                 step.is_reply() ? "reply" : "-", OneLineText(step.subject())});
    }
    table.Print();
  }
}

void PrintBulkAssignment(const gong::flows::v1::BulkAssignment& job) {
  std::cout << "Gong request " << job.request_id() << ": bulk assignment "
            << job.bulk_assignment_id() << " "
            << EnumWord(gong::flows::v1::BulkAssignmentState_Name(job.state()),
                        job.state(), "BULK_ASSIGNMENT_STATE_")
            << ": assigned " << job.succeeded_count() << ", failed " << job.failed_count()
            << " of " << Count(job.total_count(), "prospect") << "\n";
  Table table;
  for (const auto& result : job.results()) {
    table.Add({EnumWord(gong::flows::v1::BulkProspectStatus_Name(result.status()),
                        result.status(), "BULK_PROSPECT_STATUS_"),
               result.crm_id().empty() ? "-" : result.crm_id(),
               result.flow_instance_id().empty() ? "-" : result.flow_instance_id(),
               result.error_code().empty() ? "" : result.error_code(),
               OneLineText(result.error_message()).substr(0, 200)});
  }
  table.Print();
}

void PrintListFlowsPage(const gong::flows::v1::ListFlowsResponse& page) {
  std::cout << "Gong request " << page.request_id() << ": "
            << Count(page.flows_size(), "flow") << " (of " << page.total_size() << ")\n";
  Table table;
  for (const Flow& flow : page.flows()) table.Add(FlowRow(flow));
  table.Print();
  if (!page.next_page_token().empty()) {
    std::cout << "next page: --page-token=" << page.next_page_token() << "\n";
  }
}

void PrintListFlowsPages(const std::vector<gong::flows::v1::ListFlowsResponse>& pages) {
  std::vector<std::string> request_ids;
  // A flow made or moved while the pages were read may show on two pages.
  absl::flat_hash_set<std::string> seen;
  Table table;
  for (const auto& page : pages) {
    request_ids.push_back(page.request_id());
    for (const Flow& flow : page.flows()) {
      if (seen.insert(flow.flow_id()).second) table.Add(FlowRow(flow));
    }
  }
  const int total = pages.empty() ? 0 : pages.back().total_size();
  std::cout << (request_ids.size() == 1 ? "Gong request " : "Gong requests ")
            << absl::StrJoin(request_ids, ", ") << ": " << Count(seen.size(), "flow")
            << " (of " << total << ") in " << Count(pages.size(), "page") << "\n";
  table.Print();
}

void PrintGetProspectFlows(const gong::flows::v1::GetProspectFlowsResponse& response) {
  std::cout << "Gong request " << response.request_id() << ": "
            << Count(response.flow_instances_size(), "flow instance") << "\n";
  Table table;
  for (const FlowInstance& instance : response.flow_instances()) {
    table.Add(InstanceRow(instance));
  }
  table.Print();
}

void PrintAssignProspects(const std::string& flow_id,
                          const gong::flows::v1::AssignProspectsResponse& response) {
  const int assigned = response.assigned_size();
  std::cout << "Gong request " << response.request_id() << ": assigned " << assigned
            << " of " << Count(assigned + response.not_assigned_size(), "prospect")
            << " to flow " << flow_id << "\n";
  Table table;
  for (const FlowInstance& instance : response.assigned()) {
    table.Add({"assigned", instance.crm_prospect_id(), instance.flow_instance_id()});
  }
  for (const auto& failure : response.not_assigned()) {
    table.Add({"not assigned", failure.crm_prospect_id(),
               EnumSuffix(gong::flows::v1::AssignmentErrorCode_Name(failure.error_code()),
                          failure.error_code(), "ASSIGNMENT_ERROR_CODE_"),
               failure.error_message()});
  }
  table.Print();
}

void PrintUnassignByCrmId(const std::string& crm_prospect_id,
                          const gong::flows::v1::UnassignByCrmIdResponse& response) {
  std::cout << "Gong request " << response.request_id() << ": unassigned "
            << crm_prospect_id << " from "
            << Count(response.unassigned_flow_instance_ids_size(), "flow instance")
            << "\n";
  Table table;
  for (const std::string& id : response.unassigned_flow_instance_ids()) {
    table.Add({"unassigned", id});
  }
  table.Print();
}

void PrintUnassignByInstanceIds(
    const gong::flows::v1::UnassignByInstanceIdsResponse& response) {
  const int removed = response.unassigned_flow_instance_ids_size();
  std::cout << "Gong request " << response.request_id() << ": unassigned " << removed
            << " of " << removed + response.still_assigned_flow_instance_ids_size()
            << " flow instances\n";
  for (const std::string& id : response.unassigned_flow_instance_ids()) {
    std::cout << "  unassigned      " << id << "\n";
  }
  for (const std::string& id : response.still_assigned_flow_instance_ids()) {
    std::cout << "  still assigned  " << id << "\n";
  }
}

}  // namespace gong::cli
