// gong-flows: a command line for FlowService.
//
//   gong-flows flows list --owner=EMAIL [--workspace=ID] [--folder=ID] [--recent]
//                         [--page-token=TOKEN] [--all-pages]
//   gong-flows flows folders --owner=EMAIL [--workspace=ID] [--parent=ID]
//                            [--page-token=TOKEN] [--all-pages]
//   gong-flows flows steps FLOW_ID...
//   gong-flows prospects get (--crm-id ID... | --instance-id ID...)
//   gong-flows assign --flow=ID --owner=EMAIL [--description=TEXT]
//                     [--step-subject=N=TEXT]... [--step-body=N=TEXT]...
//                     [--variable=NAME=VALUE]... [--cool-off-override] CRM_ID...
//   gong-flows assign --bulk --flow=ID --owner=EMAIL --from=FILE.csv
//                     [--results=FILE [--resume]]
//   gong-flows unassign [--by=EMAIL] ID...
//   gong-flows unassign-crm (--crm-id=ID | CRM_ID...) (--flow=ID | --all-flows)
//                           [--by=EMAIL]
//
// Every command also takes [--target=localhost:50051] [--timeout=10s]
// [--json]; "-" in place of ids reads them from stdin, one a line.
//
// prospects get, assign, unassign and unassign-crm take any number of ids:
// when they need more than one call (200 ids, 100 for assign, one prospect
// for unassign-crm), or with --from, --column, --results, --resume,
// --parallel, --give-up-after or --quiet, the command runs in many-id mode
// (many_id_command.h): Gong-sized calls, --parallel of them at once, with
// progress on stderr, --results, and a summary at the end.
//
// Exit status: 0 on success, the numeric gRPC status code on a failed call
// (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...), 64 for a
// usage error and 74 for an answer that could not be printed whole, which
// no gRPC code uses. In many-id mode: 0 when every id was done, 65 when
// the run stopped before the end (a signal, a wait past --give-up-after,
// --results unwritable: the summary gives the command that resumes), 66
// when done but Gong refused some ids (failed, not_assigned, unknown, or
// still_assigned after an unassign). flows list --all-pages exits 65 when
// --max-pages stops it. --help exits 1, as it did when abseil's flags
// printed it.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli_args.h"
#include "commands.h"
#include "flow_service_call.h"

namespace gong::cli {
namespace {

constexpr int kHelpExit = 1;

constexpr char kManyIdExitHelp[] =
    "Many ids (more than one call's, or any of --from, --column, --results,\n"
    "--resume, --parallel, --give-up-after, --quiet): exit 0 all done; 65 stopped\n"
    "before the end (the summary says how to resume); 66 done, with ids Gong\n"
    "refused (failed, not_assigned, unknown, still_assigned after unassign).\n";

void PrintUsageLines(std::ostream& out) {
  out << "usage:\n";
  for (const Command& command : Commands())
    out << "  " << UsageLine(command.spec) << "\n";
  out << "Every command also takes [--target=HOST:PORT] [--timeout=10s] [--json].\n"
         "\"-\" in place of ids reads them from stdin, one a line.\n";
}

int PrintHelp(const Command* command) {
  if (command == nullptr) {
    std::cout << "gong-flows: a command line for gong.flows.v1.FlowService.\n\n";
    PrintUsageLines(std::cout);
    std::cout << "Exit status: 0; the numeric gRPC code of a failed call; 64 for a "
                 "usage error.\n"
              << kManyIdExitHelp;
    for (const Command& each : Commands()) {
      std::cout << "\n"
                << absl::StrJoin(each.spec.words, " ") << ":\n"
                << FlagHelp(each.spec.flags);
    }
  } else {
    std::cout << "usage: " << UsageLine(command->spec) << "\n\n"
              << FlagHelp(command->spec.flags);
    for (const FlagSpec& flag : command->spec.flags) {
      if (flag.name == "results") std::cout << "\n" << kManyIdExitHelp;
    }
  }
  std::cout << "\nflags of every command:\n" << FlagHelp(CommonFlags());
  return kHelpExit;
}

// The command named by the first words that are not flags; sets *rest to
// every other argument, flags before the command included.
const Command* FindCommand(const std::vector<std::string>& args,
                           std::vector<std::string>* rest) {
  size_t start = 0;
  while (start < args.size() && absl::StartsWith(args[start], "-")) ++start;
  for (const Command& command : Commands()) {
    const std::vector<std::string>& words = command.spec.words;
    if (args.size() - start < words.size() ||
        !std::equal(words.begin(), words.end(), args.begin() + start)) {
      continue;
    }
    rest->assign(args.begin(), args.begin() + start);
    rest->insert(rest->end(), args.begin() + start + words.size(), args.end());
    return &command;
  }
  return nullptr;
}

int Main(const std::vector<std::string>& args) {
  std::vector<std::string> rest;
  const Command* command = FindCommand(args, &rest);
  if (command == nullptr) {
    for (const std::string& arg : args) {
      if (arg == "--help" || arg == "-help") return PrintHelp(nullptr);
    }
    std::cerr << (args.empty() ? "gong-flows: give a command\n"
                               : "gong-flows: no such command: " +
                                     absl::StrJoin(args, " ") + "\n");
    PrintUsageLines(std::cerr);
    return kUsageExit;
  }
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(command->spec, rest);
  if (!parsed.ok()) return ReportUsageError(parsed.status().message());
  if (parsed->help) return PrintHelp(command);
  parsed->command_line = args;
  CallOptions options;
  options.target = parsed->Get("target", options.target);
  options.json = parsed->GetBool("json");
  if (parsed->Has("timeout") &&
      !absl::ParseDuration(parsed->Get("timeout"), &options.timeout)) {
    return ReportUsageError(absl::StrJoin(command->spec.words, " ") +
                            ": --timeout takes a duration such as 10s or 500ms");
  }
  // A single call sends the header only when asked; many-id mode sends
  // background unless told otherwise (many_id_command.cc).
  if (parsed->Has("priority")) {
    options.priority = parsed->Get("priority");
    if (options.priority != "interactive" && options.priority != "background") {
      return ReportUsageError(absl::StrJoin(command->spec.words, " ") +
                              ": --priority is interactive or background, not '" +
                              options.priority + "'");
    }
  }
  return FinishOutput(command->run(*parsed, options));
}

}  // namespace
}  // namespace gong::cli

int main(int argc, char** argv) {
  return gong::cli::Main(std::vector<std::string>(argv + 1, argv + argc));
}
