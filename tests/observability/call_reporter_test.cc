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
#include "support/captured_stderr.h"

namespace gong::observability {
namespace {

// The JSON lines `record`'s report writes to stderr.
std::vector<nlohmann::json> LinesLoggedFor(const api::CallRecord& record) {
  return support::JsonLines(support::StderrOf(
      [&] { CallReporter(/*metrics=*/nullptr).CallFinished(record); }));
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
