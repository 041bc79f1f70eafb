// What a log collector reads: one JSON object a line, its fields in order,
// every string escaped, and invalid UTF-8 replaced rather than thrown on.
#include "base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/captured_stderr.h"

namespace gong::base {
namespace {


// The line with its timestamp taken out, after checking its shape.
std::string WithoutTimestamp(const std::string& line) {
  static const std::regex kTimestamp(
      R"re(^\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",)re");
  EXPECT_TRUE(std::regex_search(line, kTimestamp)) << line;
  return std::regex_replace(line, kTimestamp, "{");
}

TEST(LogTest, OneObjectALineWithTheFieldsInTheOrderGiven) {
  const std::string text = support::StderrOf([] {
    LogInfo("call", {{"method", std::string("gong.flows.v1.FlowService/ListFlows")},
                     {"ids", int64_t{200}},
                     {"negative", int64_t{-7}},
                     {"all_flows", true},
                     {"exclusive", false},
                     {"duration_ms", 0.25}});
  });
  EXPECT_EQ(
      WithoutTimestamp(text),
      R"({"level":"info","msg":"call","method":"gong.flows.v1.FlowService/ListFlows",)"
      R"("ids":200,"negative":-7,"all_flows":true,"exclusive":false,"duration_ms":0.25})"
      "\n");
}

TEST(LogTest, ErrorsSayTheirLevel) {
  EXPECT_EQ(WithoutTimestamp(support::StderrOf([] { LogError("redis down"); })),
            "{\"level\":\"error\",\"msg\":\"redis down\"}\n");
}

TEST(LogTest, StringsAreEscaped) {
  const std::string text = support::StderrOf([] {
    LogInfo("a \"quoted\" msg", {{"path", std::string("C:\\dir")},
                                 {"lines", std::string("one\ntwo\tthree\r")},
                                 {"control", std::string("\x01\x1f")},
                                 {"key \"odd\"", std::string("/slash/ and \x7f")}});
  });
  EXPECT_EQ(WithoutTimestamp(text),
            R"({"level":"info","msg":"a \"quoted\" msg","path":"C:\\dir",)"
            R"("lines":"one\ntwo\tthree\r","control":"\u0001\u001f",)"
            "\"key \\\"odd\\\"\":\"/slash/ and \x7f\"}\n");
}

TEST(LogTest, UnicodeIsKeptAndInvalidUtf8IsReplaced) {
  const std::string text = support::StderrOf([] {
    LogInfo("call",
            {{"name", std::string("Zoë 😀")}, {"peer", std::string("ipv4:bad\xff\xfe")}});
  });
  EXPECT_EQ(WithoutTimestamp(text),
            "{\"level\":\"info\",\"msg\":\"call\",\"name\":\"Zoë 😀\","
            "\"peer\":\"ipv4:bad\xEF\xBF\xBD\xEF\xBF\xBD\"}\n");
}

TEST(LogTest, StringListsAreArraysOfEscapedStrings) {
  const std::string text = support::StderrOf([] {
    LogInfo("gong request", {{"trace_ids", LogStrings{"4bf92f35", "a\"b", "\x01"}},
                             {"none", LogStrings{}},
                             {"bad", LogStrings{"x\xff"}},
                             {"after", int64_t{1}}});
  });
  EXPECT_EQ(WithoutTimestamp(text),
            R"({"level":"info","msg":"gong request","trace_ids":["4bf92f35","a\"b",)"
            R"("\u0001"],"none":[],"bad":["x)"
            "\xEF\xBF\xBD\"],\"after\":1}\n");
  // And reads back as the list it was.
  const auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line["trace_ids"],
            nlohmann::json::array({"4bf92f35", "a\"b", std::string("\x01")}));
}

TEST(LogTest, NumbersReadBackAsTheyWere) {
  const std::string text = support::StderrOf([] {
    LogInfo("n", {{"a", 1.0},
                  {"b", 0.1},
                  {"c", 1e-7},
                  {"d", 123456.789},
                  {"e", int64_t{9007199254740993}}});
  });
  EXPECT_EQ(WithoutTimestamp(text),
            R"({"level":"info","msg":"n","a":1.0,"b":0.1,"c":1e-07,"d":123456.789,)"
            R"("e":9007199254740993})"
            "\n");
}

TEST(LogTest, TheTimestampIsNowInUtcToTheMillisecond) {
  const absl::Time before = absl::Now();
  const std::string text = support::StderrOf([] { LogInfo("tick"); });
  const absl::Time after = absl::Now();
  const auto line = nlohmann::json::parse(text);
  absl::Time logged;
  std::string error;
  ASSERT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", line["ts"].get<std::string>(),
                              absl::UTCTimeZone(), &logged, &error))
      << error;
  EXPECT_GE(logged, absl::FromUnixMillis(absl::ToUnixMillis(before)));
  EXPECT_LE(logged, after);
}

}  // namespace
}  // namespace gong::base
