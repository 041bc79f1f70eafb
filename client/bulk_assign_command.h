// assign --bulk --flow=ID --owner=EMAIL --from=FILE.csv: the prospects of
// a CSV put into a flow through Gong's bulk assignment jobs (50 a job,
// --parallel in flight), each watched to its end, with the many-id
// commands' progress line, --results, --resume, summary and exit status.
#pragma once

#include "cli_args.h"
#include "flow_service_call.h"

namespace gong::cli {

// Returns the exit status: 0 every prospect assigned; 64 a usage error (a
// bad CSV, named by line); 65 stopped before the end (a signal, a wait
// past --give-up-after, jobs not followed to their end: --resume goes on);
// 66 done, with prospects Gong did not assign.
int RunBulkAssign(const ParsedArgs& args, const CallOptions& options);

}  // namespace gong::cli
