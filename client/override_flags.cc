#include "override_flags.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace gong::cli {
namespace {

// "N=TEXT" split at its first '=' (the text may hold more of them).
absl::StatusOr<std::pair<std::string, std::string>> SplitAssignment(
    const std::string& value, const char* flag, const char* shape) {
  const size_t eq = value.find('=');
  if (eq == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " takes ", shape, ", not '", value, "' (no '=')"));
  }
  return std::make_pair(value.substr(0, eq), value.substr(eq + 1));
}

absl::StatusOr<int> StepNumber(const std::string& text, const std::string& value,
                               const char* flag) {
  int number = 0;
  // SimpleAtoi takes "+3" and " 3": a step number is digits alone.
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!digits || !absl::SimpleAtoi(text, &number) || number < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": the step number must be a whole number from 1 (as ",
                     "`flows steps` prints it), not '", text, "' in '", value, "'"));
  }
  return number;
}

}  // namespace

absl::StatusOr<OverrideFlags> ParseOverrideFlags(
    const std::vector<std::string>& subjects, const std::vector<std::string>& bodies,
    const std::vector<std::string>& variables, bool cool_off_override) {
  std::map<int, StepTexts> steps;
  absl::flat_hash_set<int> has_subject;
  absl::flat_hash_set<int> has_body;
  for (const bool subject : {true, false}) {
    const char* flag = subject ? "step-subject" : "step-body";
    for (const std::string& value : subject ? subjects : bodies) {
      auto split = SplitAssignment(value, flag, "N=TEXT");
      if (!split.ok()) return split.status();
      auto number = StepNumber(split->first, value, flag);
      if (!number.ok()) return number.status();
      // An empty text keeps the step's own: asked for, it is surely a slip.
      if (split->second.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", flag, "=", *number,
                         "= is empty (leave the flag out to keep the step's own)"));
      }
      // Two texts for one step: which one was meant cannot be guessed.
      if (!(subject ? has_subject : has_body).insert(*number).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", flag, " given twice for step ", *number));
      }
      StepTexts& step = steps[*number];
      step.number = *number;
      (subject ? step.subject : step.body) = std::move(split->second);
    }
  }
  OverrideFlags flags;
  for (auto& [number, step] : steps) flags.steps.push_back(std::move(step));
  absl::flat_hash_set<std::string> names;
  for (const std::string& value : variables) {
    auto split = SplitAssignment(value, "variable", "NAME=VALUE");
    if (!split.ok()) return split.status();
    if (split->first.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--variable takes NAME=VALUE, not '", value, "' (no name)"));
    }
    if (!names.insert(split->first).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("--variable given twice for ", split->first));
    }
    flags.variables.push_back(*std::move(split));
  }
  flags.cool_off_override = cool_off_override;
  return flags;
}

std::string OverrideFingerprint(const OverrideFlags& overrides) {
  if (overrides.empty()) return "";
  // Length-prefixed, as the keys' other fields are: no two overrides read
  // alike.
  std::string text = overrides.cool_off_override ? "cool-off;" : "-;";
  for (const StepTexts& step : overrides.steps) {
    absl::StrAppend(&text, "s", step.number, ":", step.subject.size(), ":", step.subject,
                    step.body.size(), ":", step.body, ";");
  }
  for (const auto& [name, value] : overrides.variables) {
    absl::StrAppend(&text, "v", name.size(), ":", name, value.size(), ":", value, ";");
  }
  return text;
}

}  // namespace gong::cli
