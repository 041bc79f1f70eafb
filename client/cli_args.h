// The command line of gong-flows: which flags each command takes, and a
// parser that holds every command to its own set.
//
// abseil's flags are one global set that cannot spell `--crm-id`, cannot
// collect a repeated flag, and would let `assign` take `unassign-crm`'s
// flags; a table per command keeps each command's flags its own, and a
// usage error (exit 64) distinct from anything gRPC answers.
#pragma once

#include <istream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gong::cli {

// The exit status of a usage error, which no gRPC code uses.
inline constexpr int kUsageExit = 64;

// Prints "gong-flows: MESSAGE" and where to find the usage on stderr;
// returns kUsageExit.
int ReportUsageError(absl::string_view message);

enum class FlagKind {
  kString,  // --name=VALUE or --name VALUE
  kBool,    // --name, --name=true, --name=false
  // Repeatable: --name=VALUE appends VALUE; a bare --name takes every
  // argument after it up to the next flag (`--crm-id A B C`).
  kList,
  // Repeatable, one value each time: --name=VALUE or --name VALUE (never
  // the arguments after it, which stay positionals: `--variable A=1 ID`).
  kRepeated,
};

struct FlagSpec {
  std::string name;  // without the dashes: "crm-id"
  FlagKind kind;
  std::string value_name;  // for --help: "EMAIL" (empty for a bool)
  std::string help;
};

// One command, such as {"flows", "list"}.
struct CommandSpec {
  std::vector<std::string> words;
  std::string synopsis;  // its arguments, for the usage lines
  std::vector<FlagSpec> flags;
  bool takes_positionals = false;
};

// The flags every command takes (--target, --timeout, --json).
const std::vector<FlagSpec>& CommonFlags();

// What one command's arguments said.
struct ParsedArgs {
  bool help = false;
  std::map<std::string, std::string> values;  // string flags; bools as "true"
  std::map<std::string, std::vector<std::string>> lists;
  std::vector<std::string> positionals;
  // The whole command line as given, the command's words included (for
  // the command that resumes a stopped run).
  std::vector<std::string> command_line;

  bool Has(absl::string_view name) const;
  std::string Get(absl::string_view name, absl::string_view fallback = "") const;
  bool GetBool(absl::string_view name) const;
  const std::vector<std::string>& List(absl::string_view name) const;
};

// Parses a command's arguments (the words after its name, and any flags
// before it) against its flags and CommonFlags(). A usage error is an
// InvalidArgument status whose message is meant for the user.
absl::StatusOr<ParsedArgs> ParseArgs(const CommandSpec& command,
                                     const std::vector<std::string>& args);

// "gong-flows flows list --owner=EMAIL ...": the command's usage line.
std::string UsageLine(const CommandSpec& command);

// --help's lines for the flags given, aligned, one a line:
// "  --target (HOST:PORT)  the facade's address; ...".
std::string FlagHelp(const std::vector<FlagSpec>& flags);

// The ids given, where "-" stands for `in`'s non-blank lines, trimmed.
std::vector<std::string> ExpandStdin(const std::vector<std::string>& ids,
                                     std::istream& in);

}  // namespace gong::cli
