// Many-id mode, shared by unassign, prospects get, assign and unassign-crm:
// its flags, when it runs, and the run itself (ids read, --resume's file
// read, the calls made through ManyIdRun, progress, signals, the summary
// and the exit status).
//
// It runs when the ids need more than one call, or when any of its flags
// but --priority is given; otherwise a command makes its one call and
// prints exactly what it always has.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_args.h"
#include "flow_service_call.h"
#include "id_input.h"
#include "many_id_run.h"

namespace gong::cli {

// Done, but Gong refused some ids (failed, not_assigned, unknown, or
// still_assigned after an unassign). 65 (kIncompleteExit) is a run stopped
// before the end; neither is a gRPC code or the usage error's 64.
inline constexpr int kSomeRefusedExit = 66;

// --from, --column, --results, --resume, --parallel, --give-up-after,
// --priority, --quiet.
std::vector<FlagSpec> ManyIdFlags();

// What a command hands to many-id mode.
struct ManyIdJob {
  std::string command;    // "unassign", "prospects get", ...
  IdList ids;             // filled by MaybeRunManyIds
  size_t chunk_size = 1;  // for the mode's choice
  // Whether kStillAssigned is a refusal (the writes that remove).
  bool still_assigned_refused = false;
  // The calls, given the run's id (a write's keys are derived from it):
  // new for a fresh run, the resumed run's for --resume.
  std::function<std::unique_ptr<IdCalls>(const CallOptions&, const std::string& run_id)>
      make_calls;
};

// All of stdin when one of `arguments` is "-", else nothing.
std::string ReadStdinIfNamed(const std::vector<std::string>& arguments);

// Runs `job` in many-id mode when its ids (from `arguments`, "-" being
// `stdin_text`, or --from) need more than one call or a many-id flag is
// given, and returns the exit status: 0, kIncompleteExit, kSomeRefusedExit
// or kUsageExit. nullopt: the command makes its one call as it always has.
std::optional<int> MaybeRunManyIds(const ParsedArgs& args, const CallOptions& options,
                                   const std::vector<std::string>& arguments,
                                   const std::string& stdin_text, ManyIdJob job);

}  // namespace gong::cli
