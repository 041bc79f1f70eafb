// Flags from the environment, as Kubernetes manifests prefer: flag
// --foo_bar may also be given as GONG_FLOWS_FOO_BAR. The command line wins
// over the environment.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gong::app {

// "gong_qps" -> "GONG_FLOWS_GONG_QPS".
std::string EnvNameForFlag(const std::string& flag);

// argv with "--name=value" inserted after the program name for every flag
// in `flags` whose variable `getenv` finds set (absl takes the last value
// given, so the original arguments, which follow, win).
std::vector<std::string> ArgsWithEnvironment(
    int argc, char** argv, const std::vector<std::string>& flags,
    const std::function<const char*(const char*)>& getenv);

}  // namespace gong::app
