#include "base/log.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gong {
namespace {

void Write(const char* level, absl::string_view message, const LogFields& fields) {
  nlohmann::ordered_json line = {
      {"ts", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())},
      {"level", level},
      {"msg", std::string(message)}};
  for (const auto& [key, value] : fields) {
    std::visit([&line, &key = key](const auto& v) { line[key] = v; }, value);
  }
  // One fwrite per line keeps concurrent lines whole; invalid UTF-8 (from a
  // peer address, say) is replaced rather than thrown on.
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void LogInfo(absl::string_view message, const LogFields& fields) {
  Write("info", message, fields);
}

void LogError(absl::string_view message, const LogFields& fields) {
  Write("error", message, fields);
}

}  // namespace gong
