// The log line of each call (server/observability/call_reporter.h) says the
// priority the call waited with, or that its priority header was not valid
// (never what it held).
#include "observability/call_reporter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::observability {
namespace {

// The JSON lines `record`'s report writes to stderr.
std::vector<nlohmann::json> LinesLoggedFor(const api::CallRecord& record) {
  char path[] = "/tmp/call_reporter_test.XXXXXX";
  const int file = mkstemp(path);
  unlink(path);
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  CallReporter(/*metrics=*/nullptr).CallFinished(record);
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string written;
  char buffer[4096];
  lseek(file, 0, SEEK_SET);
  for (ssize_t n; (n = read(file, buffer, sizeof buffer)) > 0;) written.append(buffer, n);
  close(file);
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t end; (end = written.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(nlohmann::json::parse(written.substr(start, end - start), nullptr,
                                          /*allow_exceptions=*/false));
    EXPECT_TRUE(lines.back().is_object()) << written.substr(start, end - start);
  }
  return lines;
}

TEST(CallReporterTest, TheCallsLineSaysItsPriority) {
  struct Case {
    std::optional<upstream::Priority> priority;
    const char* logged;
  };
  for (const Case& c : {Case{upstream::Priority::kInteractive, "interactive"},
                        Case{upstream::Priority::kBackground, "background"},
                        Case{std::nullopt, "invalid"}}) {
    SCOPED_TRACE(c.logged);
    api::CallRecord record;
    record.service = "gong.flows.v1.FlowService";
    record.method = "UnassignByInstanceIds";
    record.caller = "crm-sync";
    record.priority = c.priority;

    const std::vector<nlohmann::json> lines = LinesLoggedFor(record);

    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].value("msg", ""), "call");
    EXPECT_EQ(lines[0].value("priority", "<absent>"), c.logged);
    EXPECT_EQ(lines[0].value("caller", ""), "crm-sync");
  }
}

}  // namespace
}  // namespace gong::observability
