#include "commands.h"

#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bulk_assign_command.h"
#include "call_verdict.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "idempotency_key.h"
#include "many_id_calls.h"
#include "many_id_command.h"
#include "override_flags.h"
#include "print_responses.h"

namespace gong::cli {
namespace {

using gong::flows::v1::FlowService;
namespace v1 = gong::flows::v1;

// --all-pages's bound when --max-pages is not given: each page is a Gong
// call from the company's 10,000 a day, and 100 pages (2,000 flows at
// Gong's 20 a page) is more than one owner's listing holds.
constexpr int kDefaultMaxPages = 100;

// Calls `method` once and prints its answer: protobuf JSON with --json,
// else `print`'s lines. The exit status: 0, or the failure's gRPC code.
template <typename Request, typename Response, typename Print>
int CallAndPrint(const CallOptions& options,
                 grpc::Status (FlowService::Stub::*method)(grpc::ClientContext*,
                                                           const Request&, Response*),
                 const Request& request, Print print) {
  Response response;
  const grpc::Status status = FlowServiceCaller(options).Call(method, request, &response);
  if (!status.ok()) return ReportFailure(status);
  if (options.json) {
    PrintJson(response);
  } else {
    print(response);
  }
  return 0;
}

// The key of a single write: --idempotency-key when given (checked here,
// as gRPC metadata cannot carry anything else), else a new one of its own
// run. Empty with a usage error reported: `*exit` is set.
std::string SingleCallKey(const ParsedArgs& args, absl::string_view command,
                          const std::vector<std::string>& params,
                          const std::vector<std::string>& ids, int* exit) {
  if (!args.Has("idempotency-key")) return ChunkKey(NewRunId(), command, params, ids);
  const std::string key = args.Get("idempotency-key");
  if (!IsValidIdempotencyKey(key)) {
    *exit = ReportUsageError(absl::StrCat(command, ": --idempotency-key takes 1 to ",
                                          kMaxIdempotencyKeyLength,
                                          " printable ASCII characters"));
    return "";
  }
  return key;
}

// The key as one shell word.
std::string ShellWord(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// A write's one call with its idempotency key, printed as CallAndPrint
// does. In doubt, says how to settle it: the same command with the same
// key, which the facade answers from Gong's state instead of acting twice.
// A settled or replayed answer is said so on stderr.
template <typename Request, typename Response, typename Print>
int CallWriteAndPrint(const CallOptions& options,
                      grpc::Status (FlowService::Stub::*method)(grpc::ClientContext*,
                                                                const Request&,
                                                                Response*),
                      const Request& request, const std::string& key, Print print) {
  Response response;
  grpc::ClientContext context;
  context.AddMetadata(kIdempotencyKeyHeader, key);
  const grpc::Status status =
      FlowServiceCaller(options).CallIn(&context, method, request, &response);
  if (!status.ok()) {
    const int exit = ReportFailure(status);
    if (JudgeFailure(status).verdict == Verdict::kInDoubt) {
      std::cerr << "gong-flows: Gong may have acted; the same command with "
                << "--idempotency-key=" << ShellWord(key)
                << " settles it without acting twice\n";
    }
    return exit;
  }
  const AnswerMarks marks = ReadAnswerMarks(context);
  if (marks.replayed) {
    std::cerr << "gong-flows: the answer of an earlier call with this key "
                 "(idempotent-replayed); nothing was sent to Gong again\n";
  }
  if (marks.settled) {
    std::cerr << "gong-flows: settled by the facade from Gong's state "
                 "(idempotent-settled)\n";
  }
  if (options.json) {
    PrintJson(response);
  } else {
    print(response);
  }
  return 0;
}

// The command line says only what it must; the facade validates the values
// (an email's shape, an id's length), so that there is one set of rules
// and one way (INVALID_ARGUMENT with a BadRequest) to be told of a breach.

// --max-pages of a listing: the default, or a usage error (`*exit` set).
std::optional<int> MaxPages(const ParsedArgs& args, absl::string_view command,
                            bool all_pages, int* exit) {
  int max_pages = kDefaultMaxPages;
  if (!args.Has("max-pages")) return max_pages;
  if (!all_pages) {
    *exit =
        ReportUsageError(absl::StrCat(command, ": --max-pages goes with --all-pages"));
    return std::nullopt;
  }
  if (!absl::SimpleAtoi(args.Get("max-pages"), &max_pages) || max_pages < 1) {
    *exit = ReportUsageError(
        absl::StrCat(command, ": --max-pages must be a whole number from 1, not '",
                     args.Get("max-pages"), "'"));
    return std::nullopt;
  }
  return max_pages;
}

// A paged listing (flows, folders) from `request`'s page on: one page, or
// with --all-pages every page up to --max-pages, printed as one list.
template <typename Request, typename Response, typename PrintPage, typename PrintPages>
int ListPages(const ParsedArgs& args, const CallOptions& options,
              absl::string_view command,
              grpc::Status (FlowService::Stub::*method)(grpc::ClientContext*,
                                                        const Request&, Response*),
              Request request, PrintPage print_page, PrintPages print_pages) {
  const bool all_pages = args.GetBool("all-pages");
  int exit = 0;
  const std::optional<int> max_pages = MaxPages(args, command, all_pages, &exit);
  if (!max_pages.has_value()) return exit;
  FlowServiceCaller caller(options);
  std::vector<Response> pages;
  // Each page costs a Gong call from the company's daily quota: a token
  // that comes back a second time would loop forever, so it stops the walk,
  // and so does --max-pages, for a Gong that hands out a new cursor on every
  // page and never a last one.
  absl::flat_hash_set<std::string> tokens_seen;
  bool stopped_at_max = false;
  do {
    Response page;
    const grpc::Status status = caller.Call(method, request, &page);
    if (!status.ok()) return ReportFailure(status);
    if (options.json) PrintJson(page);
    request.set_page_token(page.next_page_token());
    pages.push_back(std::move(page));
    if (!all_pages) break;
    if (!request.page_token().empty() &&
        !tokens_seen.insert(request.page_token()).second) {
      return ReportFailure(grpc::Status(
          grpc::StatusCode::INTERNAL,
          "the facade answered a page token it had already given: stopped after " +
              std::to_string(pages.size()) + " pages"));
    }
    stopped_at_max =
        !request.page_token().empty() && pages.size() >= static_cast<size_t>(*max_pages);
  } while (!request.page_token().empty() && !stopped_at_max);
  if (!options.json) {
    if (all_pages) {
      print_pages(pages);
    } else {
      print_page(pages.front());
    }
  }
  if (stopped_at_max) {
    std::cerr << "gong-flows " << command << ": stopped after " << pages.size()
              << " pages (--max-pages=" << *max_pages
              << ") with more to come; go on with --page-token=" << request.page_token()
              << ", or raise --max-pages\n";
    return kIncompleteExit;
  }
  return 0;
}

int ListFlows(const ParsedArgs& args, const CallOptions& options) {
  if (!args.Has("owner")) return ReportUsageError("flows list: give --owner=EMAIL");
  v1::ListFlowsRequest request;
  request.set_flow_owner_email(args.Get("owner"));
  request.set_workspace_id(args.Get("workspace"));
  request.set_folder_id(args.Get("folder"));
  request.set_most_recently_assigned(args.GetBool("recent"));
  request.set_page_token(args.Get("page-token"));
  return ListPages(args, options, "flows list", &FlowService::Stub::ListFlows,
                   std::move(request), PrintListFlowsPage, PrintListFlowsPages);
}

int ListFlowFolders(const ParsedArgs& args, const CallOptions& options) {
  if (!args.Has("owner")) return ReportUsageError("flows folders: give --owner=EMAIL");
  v1::ListFlowFoldersRequest request;
  request.set_owner_email(args.Get("owner"));
  request.set_workspace_id(args.Get("workspace"));
  request.set_parent_folder_id(args.Get("parent"));
  request.set_page_token(args.Get("page-token"));
  return ListPages(args, options, "flows folders", &FlowService::Stub::ListFlowFolders,
                   std::move(request), PrintListFlowFoldersPage,
                   PrintListFlowFoldersPages);
}

// One call of 1 to 20 flow ids: the facade says what is wrong with more
// (its BadRequest names the field), as for every other count.
int GetFlowSteps(const ParsedArgs& args, const CallOptions& options) {
  const std::string stdin_text = ReadStdinIfNamed(args.positionals);
  std::istringstream in(stdin_text);
  const std::vector<std::string> ids = ExpandStdin(args.positionals, in);
  if (ids.empty()) return ReportUsageError("flows steps: give at least one flow id");
  v1::GetFlowStepsRequest request;
  for (const std::string& id : ids) request.add_flow_ids(id);
  return CallAndPrint(
      options, &FlowService::Stub::GetFlowSteps, request,
      [](const v1::GetFlowStepsResponse& response) { PrintGetFlowSteps(response); });
}

// assign's override flags as the request's overrides; a usage error
// (`*exit` set) for a value the flags cannot take.
std::optional<OverrideFlags> ReadOverrideFlags(const ParsedArgs& args, int* exit) {
  absl::StatusOr<OverrideFlags> flags =
      ParseOverrideFlags(args.List("step-subject"), args.List("step-body"),
                         args.List("variable"), args.GetBool("cool-off-override"));
  if (!flags.ok()) {
    *exit = ReportUsageError(absl::StrCat("assign: ", flags.status().message()));
    return std::nullopt;
  }
  return *std::move(flags);
}

v1::AssignOverrides OverridesProto(const OverrideFlags& flags) {
  v1::AssignOverrides overrides;
  for (const StepTexts& step : flags.steps) {
    v1::StepOverride* added = overrides.add_steps();
    added->set_number(step.number);
    added->set_subject(step.subject);
    added->set_body(step.body);
  }
  for (const auto& [name, value] : flags.variables) {
    v1::VariableOverride* added = overrides.add_flow_instance_variables();
    added->set_name(name);
    added->set_value(value);
  }
  overrides.set_cool_off_override(flags.cool_off_override);
  return overrides;
}

int GetProspectFlows(const ParsedArgs& args, const CallOptions& options) {
  const bool by_crm = args.Has("crm-id");
  if (by_crm == args.Has("instance-id")) {
    return ReportUsageError(
        "prospects get: give either --crm-id ID... or --instance-id ID..., not " +
        std::string(by_crm ? "both" : "neither"));
  }
  const std::vector<std::string>& arguments =
      args.List(by_crm ? "crm-id" : "instance-id");
  const std::string stdin_text = ReadStdinIfNamed(arguments);
  if (std::optional<int> status =
          MaybeRunManyIds(args, options, arguments, stdin_text,
                          {"prospects get",
                           {},
                           kLookupChunk,
                           /*still_assigned_refused=*/false,
                           [by_crm](const CallOptions& o, const std::string&) {
                             return LookupCalls(o, by_crm);
                           }})) {
    return *status;
  }
  std::istringstream in(stdin_text);
  const std::vector<std::string> ids = ExpandStdin(arguments, in);
  if (ids.empty()) return ReportUsageError("prospects get: give at least one id");
  return CallAndPrint(options, &FlowService::Stub::GetProspectFlows,
                      ProspectFlowsRequest(ids, by_crm),
                      [](const v1::GetProspectFlowsResponse& response) {
                        PrintGetProspectFlows(response);
                      });
}

int AssignProspects(const ParsedArgs& args, const CallOptions& options) {
  if (!args.Has("flow") || !args.Has("owner")) {
    return ReportUsageError("assign: give --flow=ID and --owner=EMAIL");
  }
  int exit = 0;
  const std::optional<OverrideFlags> overrides = ReadOverrideFlags(args, &exit);
  if (!overrides.has_value()) return exit;
  if (args.GetBool("bulk")) {
    // A bulk job takes no overrides nor a description: Gong's job has no
    // field for them, and dropping them silently would assign otherwise
    // than asked.
    if (!overrides->empty() || args.Has("description")) {
      return ReportUsageError(
          "assign --bulk: Gong's bulk assignment takes no --description, "
          "--step-subject, --step-body, --variable or --cool-off-override");
    }
    return RunBulkAssign(args, options);
  }
  const std::string stdin_text = ReadStdinIfNamed(args.positionals);
  const std::string flow = args.Get("flow");
  const std::string owner = args.Get("owner");
  const std::string description = args.Get("description");
  const v1::AssignOverrides overrides_proto = OverridesProto(*overrides);
  // The overrides are part of what a key stands for; none leaves the keys
  // as they were before overrides had flags.
  std::vector<std::string> params = {flow, owner, description};
  if (const std::string fingerprint = OverrideFingerprint(*overrides);
      !fingerprint.empty()) {
    params.push_back(fingerprint);
  }
  if (std::optional<int> status =
          MaybeRunManyIds(args, options, args.positionals, stdin_text,
                          {"assign",
                           {},
                           kAssignChunk,
                           /*still_assigned_refused=*/false,
                           [&](const CallOptions& o, const std::string& run_id) {
                             return AssignCalls(o, run_id, flow, owner, description,
                                                overrides_proto, params);
                           }})) {
    return *status;
  }
  std::istringstream in(stdin_text);
  const std::vector<std::string> ids = ExpandStdin(args.positionals, in);
  if (ids.empty()) return ReportUsageError("assign: give at least one CRM prospect id");
  const std::string key = SingleCallKey(args, "assign", params, ids, &exit);
  if (key.empty()) return exit;
  v1::AssignProspectsRequest request;
  for (const std::string& id : ids) request.add_crm_prospect_ids(id);
  request.set_flow_id(args.Get("flow"));
  request.set_flow_instance_owner_email(args.Get("owner"));
  request.set_flow_instance_description(args.Get("description"));
  if (!overrides->empty()) *request.mutable_overrides() = overrides_proto;
  return CallWriteAndPrint(options, &FlowService::Stub::AssignProspects, request, key,
                           [&request](const v1::AssignProspectsResponse& response) {
                             PrintAssignProspects(request.flow_id(), response);
                           });
}

int UnassignByCrmId(const ParsedArgs& args, const CallOptions& options) {
  if (!args.Has("crm-id") && args.positionals.empty() && !args.Has("from")) {
    return ReportUsageError("unassign-crm: give --crm-id=ID, or CRM ids");
  }
  // The API's own guard, checked before anything is sent: a forgotten
  // --flow must never turn into "every flow".
  const bool all_flows = args.GetBool("all-flows");
  if (args.Has("flow") == all_flows) {
    return ReportUsageError(std::string("unassign-crm: give either --flow=ID or ") +
                            "--all-flows, not " + (all_flows ? "both" : "neither"));
  }
  // --crm-id=ID first, then the ids given as arguments: one list.
  std::vector<std::string> arguments;
  if (args.Has("crm-id")) arguments.push_back(args.Get("crm-id"));
  arguments.insert(arguments.end(), args.positionals.begin(), args.positionals.end());
  const std::string stdin_text = ReadStdinIfNamed(arguments);
  const std::string flow = args.Get("flow");
  const std::string by = args.Get("by");
  if (std::optional<int> status =
          MaybeRunManyIds(args, options, arguments, stdin_text,
                          {"unassign-crm",
                           {},
                           1,
                           /*still_assigned_refused=*/true,
                           [&](const CallOptions& o, const std::string& run_id) {
                             return UnassignCrmCalls(o, run_id, flow, by);
                           }})) {
    return *status;
  }
  std::istringstream in(stdin_text);
  const std::vector<std::string> ids = ExpandStdin(arguments, in);
  if (ids.size() != 1) return ReportUsageError("unassign-crm: give one CRM id");
  int exit = 0;
  const std::string key = SingleCallKey(args, "unassign-crm", {flow, by}, ids, &exit);
  if (key.empty()) return exit;
  v1::UnassignByCrmIdRequest request;
  request.set_crm_prospect_id(ids.front());
  request.set_flow_id(args.Get("flow"));
  request.set_all_flows(all_flows);
  request.set_unassigned_by_user_email(args.Get("by"));
  return CallWriteAndPrint(options, &FlowService::Stub::UnassignByCrmId, request, key,
                           [&request](const v1::UnassignByCrmIdResponse& response) {
                             PrintUnassignByCrmId(request.crm_prospect_id(), response);
                           });
}

int UnassignByInstanceIds(const ParsedArgs& args, const CallOptions& options) {
  const std::string stdin_text = ReadStdinIfNamed(args.positionals);
  const std::string by = args.Get("by");
  if (std::optional<int> status =
          MaybeRunManyIds(args, options, args.positionals, stdin_text,
                          {"unassign",
                           {},
                           kUnassignChunk,
                           /*still_assigned_refused=*/true,
                           [&](const CallOptions& o, const std::string& run_id) {
                             return UnassignCalls(o, run_id, by);
                           }})) {
    return *status;
  }
  std::istringstream in(stdin_text);
  const std::vector<std::string> ids = ExpandStdin(args.positionals, in);
  if (ids.empty())
    return ReportUsageError("unassign: give at least one flow instance id");
  int exit = 0;
  const std::string key = SingleCallKey(args, "unassign", {by}, ids, &exit);
  if (key.empty()) return exit;
  v1::UnassignByInstanceIdsRequest request;
  for (const std::string& id : ids) request.add_flow_instance_ids(id);
  request.set_unassigned_by_user_email(args.Get("by"));
  return CallWriteAndPrint(options, &FlowService::Stub::UnassignByInstanceIds, request,
                           key, [](const v1::UnassignByInstanceIdsResponse& response) {
                             PrintUnassignByInstanceIds(response);
                           });
}

}  // namespace

namespace {

// The command's own flags, then many-id mode's.
std::vector<FlagSpec> WithManyIdFlags(std::vector<FlagSpec> flags) {
  for (FlagSpec& flag : ManyIdFlags()) flags.push_back(std::move(flag));
  return flags;
}

}  // namespace

const std::vector<Command>& Commands() {
  using K = FlagKind;
  const FlagSpec by = {"by", K::kString, "EMAIL",
                       "the Gong user doing the removal (unassigned_by_user_email)"};
  const FlagSpec key = {
      "idempotency-key", K::kString, "KEY",
      "a single call's idempotency key (1 to 255 printable ASCII "
      "characters; default a new one): the same command with the "
      "same key is settled or replayed by the facade, never done twice"};
  const FlagSpec max_pages = {
      "max-pages", K::kString, "N",
      "with --all-pages, stop after N pages (default 100), exit 65 and say how "
      "to go on if Gong has more"};
  // Many-id mode's flags, in the usage lines.
  const std::string many = " [--from=FILE [--column=NAME]] [--results=FILE [--resume]]";
  static const auto* commands = new std::vector<Command>{
      {{{"flows", "list"},
        "--owner=EMAIL [--workspace=ID] [--folder=ID] [--recent] [--page-token=TOKEN] "
        "[--all-pages [--max-pages=N]]",
        {{"owner", K::kString, "EMAIL", "the Gong user whose flows are listed"},
         {"workspace", K::kString, "ID", "only the flows of this workspace"},
         {"folder", K::kString, "ID", "only the flows in this folder"},
         {"recent", K::kBool, "", "only the flows the owner most recently assigned to"},
         {"page-token", K::kString, "TOKEN", "the page a previous listing said is next"},
         {"all-pages", K::kBool, "", "follow the pages to the last, each flow once"},
         max_pages}},
       ListFlows},
      {{{"flows", "folders"},
        "--owner=EMAIL [--workspace=ID] [--parent=ID] [--page-token=TOKEN] "
        "[--all-pages [--max-pages=N]]",
        {{"owner", K::kString, "EMAIL",
          "the Gong user whose folders are listed (with the company's)"},
         {"workspace", K::kString, "ID", "only the folders of this workspace"},
         {"parent", K::kString, "ID", "only this folder and the folders in it"},
         {"page-token", K::kString, "TOKEN", "the page a previous listing said is next"},
         {"all-pages", K::kBool, "", "follow the pages to the last, each folder once"},
         max_pages}},
       ListFlowFolders},
      {{{"flows", "steps"},
        "FLOW_ID...",
        {},
        /*takes_positionals=*/true},
       GetFlowSteps},
      {{{"prospects", "get"},
        "(--crm-id ID... | --instance-id ID...)" + many,
        WithManyIdFlags(
            {{"crm-id", K::kList, "ID",
              "CRM prospect ids, for their open instances: --crm-id A B, or repeated "
              "(a bare --crm-id with --from: the file holds CRM ids)"},
             {"instance-id", K::kList, "ID",
              "flow instance ids, finished ones too: --instance-id A B, or repeated"}})},
       GetProspectFlows},
      {{{"assign"},
        "--flow=ID --owner=EMAIL [--description=TEXT] [--step-subject=N=TEXT]... "
        "[--step-body=N=TEXT]... [--variable=NAME=VALUE]... [--cool-off-override] "
        "[--idempotency-key=KEY] CRM_ID..." +
            many +
            "\n  gong-flows assign --bulk --flow=ID --owner=EMAIL --from=FILE.csv "
            "[--results=FILE [--resume]] [--parallel=N]",
        WithManyIdFlags(
            {{"flow", K::kString, "ID", "the flow to put the prospects in"},
             {"owner", K::kString, "EMAIL",
              "the Gong user who will own the new instances"},
             {"description", K::kString, "TEXT", "shown in Gong with the new instances"},
             {"step-subject", K::kRepeated, "N=TEXT",
              "step N's email subject for these prospects (N as `flows steps` "
              "numbers them); repeatable"},
             {"step-body", K::kRepeated, "N=TEXT",
              "step N's email body for these prospects; repeatable"},
             {"variable", K::kRepeated, "NAME=VALUE",
              "a value of the flow's variable NAME; repeatable"},
             {"cool-off-override", K::kBool, "",
              "assign even prospects in a flow's cool-off period"},
             {"bulk", K::kBool, "",
              "Gong's bulk assignment jobs of 50 from a --from CSV of prospects "
              "(columns named as the prospect's fields: crm_id, first_name, ...), "
              "watched to their end"},
             key}),
        /*takes_positionals=*/true},
       AssignProspects},
      {{{"unassign"},
        "[--by=EMAIL] [--idempotency-key=KEY] FLOW_INSTANCE_ID..." + many,
        WithManyIdFlags({by, key}),
        true},
       UnassignByInstanceIds},
      {{{"unassign-crm"},
        "(--crm-id=ID | CRM_ID...) (--flow=ID | --all-flows) [--by=EMAIL] "
        "[--idempotency-key=KEY]" +
            many,
        WithManyIdFlags(
            {{"crm-id", K::kString, "ID", "the prospect's CRM id"},
             {"flow", K::kString, "ID", "remove the prospects from this flow"},
             {"all-flows", K::kBool, "",
              "remove the prospects from every flow they are in"},
             by,
             key}),
        true},
       UnassignByCrmId},
  };
  return *commands;
}

}  // namespace gong::cli
