#include "app/env_flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace gong::app {

std::string EnvNameForFlag(const std::string& flag) {
  return absl::StrCat("GONG_FLOWS_", absl::AsciiStrToUpper(flag));
}

std::vector<std::string> ArgsWithEnvironment(
    int argc, char** argv, const std::vector<std::string>& flags,
    const std::function<const char*(const char*)>& getenv) {
  std::vector<std::string> args = {argc > 0 ? argv[0] : "gong-flows-server"};
  for (const std::string& flag : flags) {
    if (const char* value = getenv(EnvNameForFlag(flag).c_str())) {
      args.push_back(absl::StrCat("--", flag, "=", value));
    }
  }
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

}  // namespace gong::app
