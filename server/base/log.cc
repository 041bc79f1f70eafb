#include "base/log.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gong::base {
namespace {

// A line is written straight into one string: every finished call logs one,
// and building an nlohmann object for it (a node and a copy per field, then
// its serializer) was most of what a call's own work cost.

// Most of what is logged (method names, codes, peers, request ids) is
// printable ASCII, which needs no escaping. Anything else goes through
// nlohmann, which escapes it and replaces invalid UTF-8 (from a peer
// address, say) rather than throwing on it.
void AppendString(std::string& line, absl::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {
    absl::StrAppend(&line, "\"", text, "\"");
  } else {
    line += nlohmann::json(std::string(text))
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

void AppendValue(std::string& line, const LogValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    AppendString(line, *text);
  } else if (const auto* integer = std::get_if<int64_t>(&value)) {
    absl::StrAppend(&line, *integer);
  } else if (const auto* flag = std::get_if<bool>(&value)) {
    line += *flag ? "true" : "false";
  } else if (const auto* strings = std::get_if<LogStrings>(&value)) {
    line += '[';
    for (size_t i = 0; i < strings->size(); ++i) {
      if (i > 0) line += ',';
      AppendString(line, (*strings)[i]);
    }
    line += ']';
  } else {
    // nlohmann writes the shortest text that reads back as the same double,
    // and null for what JSON cannot hold.
    line += nlohmann::json(std::get<double>(value)).dump();
  }
}

// "2026-12-02T16:34:31.123Z". absl::FormatTime is a strftime, so each thread
// formats the date and time once a second and adds the milliseconds.
void AppendTimestamp(std::string& line, absl::Time now) {
  thread_local int64_t formatted_second = INT64_MIN;
  thread_local std::string date_and_time;
  const int64_t millis = absl::ToUnixMillis(now);  // rounded down, as %E3S is
  const int64_t second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  if (second != formatted_second) {
    date_and_time = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                                     absl::UTCTimeZone());
    formatted_second = second;
  }
  const int64_t milli = millis - second * 1000;
  const char digits[] = {'.',
                         static_cast<char>('0' + milli / 100),
                         static_cast<char>('0' + milli / 10 % 10),
                         static_cast<char>('0' + milli % 10),
                         'Z',
                         '"'};
  absl::StrAppend(&line, "\"", date_and_time, absl::string_view(digits, sizeof digits));
}

void Write(absl::string_view level, absl::string_view message, const LogFields& fields) {
  std::string line;
  line.reserve(256);
  line += "{\"ts\":";
  AppendTimestamp(line, absl::Now());
  absl::StrAppend(&line, ",\"level\":\"", level, "\",\"msg\":");
  AppendString(line, message);
  for (const auto& [key, value] : fields) {
    line += ',';
    AppendString(line, key);
    line += ':';
    AppendValue(line, value);
  }
  line += "}\n";
  // One fwrite per line keeps concurrent lines whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void LogInfo(absl::string_view message, const LogFields& fields) {
  Write("info", message, fields);
}

void LogError(absl::string_view message, const LogFields& fields) {
  Write("error", message, fields);
}

}  // namespace gong::base
