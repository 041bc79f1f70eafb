// assign's override flags (--step-subject=N=TEXT, --step-body=N=TEXT,
// --variable=NAME=VALUE, --cool-off-override) read into plain values, the
// same step's subject and body joined into one override. The command line
// refuses only what it alone can tell (no '=', a step number that is no
// whole number from 1, a step's subject or a variable given twice); sizes
// and counts are the facade's to check, as for every other field.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace gong::cli {

struct StepTexts {
  int number = 0;  // from 1, as the flow's steps are numbered
  std::string subject;
  std::string body;
};

struct OverrideFlags {
  std::vector<StepTexts> steps;  // by number, each number once
  std::vector<std::pair<std::string, std::string>> variables;  // as given
  bool cool_off_override = false;

  bool empty() const { return steps.empty() && variables.empty() && !cool_off_override; }
};

// InvalidArgument, with a message for the user naming the flag and the
// value, for a value these flags cannot take.
absl::StatusOr<OverrideFlags> ParseOverrideFlags(
    const std::vector<std::string>& subjects, const std::vector<std::string>& bodies,
    const std::vector<std::string>& variables, bool cool_off_override);

// The overrides as text that reads the same for the same overrides: part of
// a write's idempotency key, so that the same prospects with other
// overrides are another write.
std::string OverrideFingerprint(const OverrideFlags& overrides);

}  // namespace gong::cli
