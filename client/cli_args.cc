#include "cli_args.h"

#include <algorithm>
#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gong::cli {
namespace {

const FlagSpec* Find(const std::vector<FlagSpec>& flags, absl::string_view name) {
  for (const FlagSpec& flag : flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

// As with abseil's flags, one dash will do ("-json"); "-" alone is stdin.
bool IsFlag(absl::string_view arg) { return arg.size() > 1 && arg[0] == '-'; }

absl::Status UsageError(const CommandSpec& command, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(absl::StrJoin(command.words, " "), ": ", what));
}

}  // namespace

int ReportUsageError(absl::string_view message) {
  std::cerr << "gong-flows " << message
            << "\n(gong-flows --help shows the usage of every command)\n";
  return kUsageExit;
}

const std::vector<FlagSpec>& CommonFlags() {
  static const auto* flags = new std::vector<FlagSpec>{
      {"target", FlagKind::kString, "HOST:PORT",
       "the facade's address; default localhost:50051"},
      {"timeout", FlagKind::kString, "DURATION",
       "each call's deadline, such as 10s or 500ms; default 10s"},
      {"json", FlagKind::kBool, "", "print each response as protobuf JSON, one line"},
  };
  return *flags;
}

bool ParsedArgs::Has(absl::string_view name) const {
  return values.count(std::string(name)) > 0 || lists.count(std::string(name)) > 0;
}

std::string ParsedArgs::Get(absl::string_view name, absl::string_view fallback) const {
  auto it = values.find(std::string(name));
  return it == values.end() ? std::string(fallback) : it->second;
}

bool ParsedArgs::GetBool(absl::string_view name) const { return Get(name) == "true"; }

const std::vector<std::string>& ParsedArgs::List(absl::string_view name) const {
  static const auto* empty = new std::vector<std::string>;
  auto it = lists.find(std::string(name));
  return it == lists.end() ? *empty : it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(const CommandSpec& command,
                                     const std::vector<std::string>& args) {
  ParsedArgs parsed;
  bool flags_done = false;
  // The list flag that bare positionals currently belong to (`--crm-id A B`).
  std::string open_list;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!flags_done && arg == "--") {
      flags_done = true;
      open_list.clear();
      continue;
    }
    if (flags_done || !IsFlag(arg)) {
      if (!open_list.empty()) {
        parsed.lists[open_list].push_back(arg);
      } else {
        parsed.positionals.push_back(arg);
      }
      continue;
    }
    open_list.clear();
    const size_t dashes = arg[1] == '-' ? 2 : 1;
    const size_t eq = arg.find('=');
    std::string name = arg.substr(dashes, eq == std::string::npos ? eq : eq - dashes);
    // --give_up_after is --give-up-after: the issue and abseil's flags
    // spell names with underscores, this command line with dashes.
    std::replace(name.begin(), name.end(), '_', '-');
    if (name == "help") {
      parsed.help = true;
      continue;
    }
    const FlagSpec* flag = Find(command.flags, name);
    if (flag == nullptr) flag = Find(CommonFlags(), name);
    if (flag == nullptr) return UsageError(command, absl::StrCat("no flag --", name));
    const bool has_value = eq != std::string::npos;
    const std::string value = has_value ? arg.substr(eq + 1) : "";
    switch (flag->kind) {
      case FlagKind::kBool:
        if (has_value && value != "true" && value != "false") {
          return UsageError(
              command, absl::StrCat("--", name, " takes true or false, not ", value));
        }
        parsed.values[name] = has_value ? value : "true";
        break;
      case FlagKind::kString:
        if (has_value) {
          parsed.values[name] = value;
        } else if (i + 1 < args.size() && !IsFlag(args[i + 1])) {
          parsed.values[name] = args[++i];
        } else {
          return UsageError(command, absl::StrCat("--", name, " needs a value"));
        }
        break;
      case FlagKind::kRepeated:
        if (has_value) {
          parsed.lists[name].push_back(value);
        } else if (i + 1 < args.size() && !IsFlag(args[i + 1])) {
          parsed.lists[name].push_back(args[++i]);
        } else {
          return UsageError(command, absl::StrCat("--", name, " needs a value"));
        }
        break;
      case FlagKind::kList:
        if (has_value) {
          parsed.lists[name].push_back(value);
        } else {
          parsed.lists[name];  // present even if nothing follows: the caller says why
          open_list = name;
        }
        break;
    }
  }
  if (!command.takes_positionals && !parsed.positionals.empty()) {
    return UsageError(command, absl::StrCat("unexpected argument \"",
                                            parsed.positionals.front(), "\""));
  }
  return parsed;
}

std::string UsageLine(const CommandSpec& command) {
  return absl::StrCat("gong-flows ", absl::StrJoin(command.words, " "), " ",
                      command.synopsis);
}

std::string FlagHelp(const std::vector<FlagSpec>& flags) {
  std::vector<std::string> names;
  size_t width = 0;
  for (const FlagSpec& flag : flags) {
    names.push_back(flag.value_name.empty()
                        ? absl::StrCat("--", flag.name)
                        : absl::StrCat("--", flag.name, " (", flag.value_name, ")"));
    width = std::max(width, names.back().size());
  }
  std::string help;
  for (size_t i = 0; i < flags.size(); ++i) {
    absl::StrAppend(&help, "  ", names[i], std::string(width - names[i].size() + 2, ' '),
                    flags[i].help, "\n");
  }
  return help;
}

std::vector<std::string> ExpandStdin(const std::vector<std::string>& ids,
                                     std::istream& in) {
  std::vector<std::string> expanded;
  for (const std::string& id : ids) {
    if (id != "-") {
      expanded.push_back(id);
      continue;
    }
    std::string line;
    while (std::getline(in, line)) {
      absl::string_view trimmed = absl::StripAsciiWhitespace(line);
      if (!trimmed.empty()) expanded.emplace_back(trimmed);
    }
  }
  return expanded;
}

}  // namespace gong::cli
