// gong-flows's commands: for each, its words and flags, and what it does
// (check what the command line alone can tell, build the request, call,
// print).
#pragma once

#include <vector>

#include "cli_args.h"
#include "flow_service_call.h"

namespace gong::cli {

// The exit status of `flows list --all-pages` stopped by --max-pages with
// pages still to come: the flows printed are a part of the listing. No gRPC
// code, nor the usage error's 64, uses it.
inline constexpr int kIncompleteExit = 65;

struct Command {
  CommandSpec spec;
  // Returns the exit status.
  int (*run)(const ParsedArgs& args, const CallOptions& options);
};

// Every command, in the order --help lists them.
const std::vector<Command>& Commands();

}  // namespace gong::cli
