#include "log.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gong {
namespace {

void Write(absl::string_view severity, absl::string_view message) {
  // One fwrite per line keeps concurrent lines whole.
  const std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                    absl::UTCTimeZone()),
                   " ", severity, " ", message, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void LogInfo(absl::string_view message) { Write("INFO", message); }
void LogError(absl::string_view message) { Write("ERROR", message); }

}  // namespace gong
