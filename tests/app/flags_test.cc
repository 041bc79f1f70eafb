// Unit tests for the server's flags (server/app/flags.h): every flag abseil's
// registry lists for flags.cc is read from its GONG_FLOWS_* variable into
// FacadeConfig, and is in the start-up log line. The flags
// come from the registry, not from a list kept here, so a flag added to
// flags.cc is checked without touching this file.
#include "app/flags.h"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "app/env_flags.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::app {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;

// Every FacadeConfig field a flag may set, for comparing configurations. A
// field missing here makes its flag's test fail, never pass.
auto Fields(const FacadeConfig& c) {
  return std::tie(c.listen, c.gong_base_url, c.gong_ca_file, c.upstream_timeout,
                  c.gong_connect_timeout, c.gong_idle_connection_timeout,
                  c.shutdown_grace, c.drain_delay, c.max_connection_age,
                  c.max_request_bytes, c.max_concurrent_streams, c.max_grpc_memory_bytes,
                  c.metrics_listen, c.tls_cert_file, c.tls_key_file, c.tls_client_ca_file,
                  c.caller_tokens_file, c.gong_credentials_dir, c.quota.gong_qps,
                  c.quota.coalesce, c.quota.max_attempts, c.quota.max_pause,
                  c.quota.max_pending_calls, c.quota.max_in_flight, c.quota.daily_limit,
                  c.quota.daily_reserve, c.quota.fair_queueing, c.quota_redis,
                  c.quota_key, c.quota_fallback_qps, c.idempotency_ttl,
                  c.idempotency_max_keys, c.settle_delay, c.bulk_poll_interval);
}

// A value other than the flag's default, as command-line text; empty for a
// type this test does not know yet (the test then says so).
std::string OtherValue(const absl::CommandLineFlag& flag) {
  const std::string default_value = flag.DefaultValue();
  if (flag.IsOfType<bool>()) return default_value == "true" ? "false" : "true";
  if (flag.IsOfType<int>() || flag.IsOfType<int64_t>()) {
    int64_t number = 0;
    if (!absl::SimpleAtoi(default_value, &number)) return "";
    return absl::StrCat(number + 1);
  }
  if (flag.IsOfType<absl::Duration>()) {
    absl::Duration duration;
    if (!absl::ParseDuration(default_value, &duration)) return "";
    return absl::FormatDuration(duration + absl::Seconds(1));
  }
  // A valid-looking address; for a path or URL any other text will do.
  if (flag.IsOfType<std::string>()) {
    return default_value == "127.0.0.1:1" ? "127.0.0.1:2" : "127.0.0.1:1";
  }
  return "";
}

// The field named `key`, or null.
const base::LogValue* Find(const base::LogFields& fields, const std::string& key) {
  for (const auto& [name, value] : fields) {
    if (name == key) return &value;
  }
  return nullptr;
}

// As main does, with nothing else in the environment: the flag's variable
// (named here, not by env_flags, so that a change to the names other teams
// use fails) set to `value`, through ArgsWithEnvironment, into the flag.
void SetThroughEnvironment(const std::string& name, const std::string& value) {
  const std::string variable = absl::StrCat("GONG_FLOWS_", absl::AsciiStrToUpper(name));
  char program[] = "gong-flows-server";
  char* argv[] = {program};
  const std::vector<std::string> args = ArgsWithEnvironment(
      1, argv, ServerFlagNames(),
      [&](const char* asked) { return asked == variable ? value.c_str() : nullptr; });
  const std::string argument = absl::StrCat("--", name, "=", value);
  ASSERT_THAT(args, ElementsAre("gong-flows-server", argument));
  std::string error;
  ASSERT_TRUE(absl::FindCommandLineFlag(name)->ParseFrom(value, &error))
      << argument << ": " << error;
}

TEST(ServerFlagNamesTest, AreTheFlagsOfFlagsCc) {
  const std::vector<std::string> names = ServerFlagNames();

  // Not empty: the tests below iterate these names, and would pass with none.
  EXPECT_THAT(names, Contains("listen"));
  EXPECT_THAT(names, Contains("max_gong_in_flight"));
  for (const std::string& name : names) {
    EXPECT_TRUE(IsServerFlagsFile(absl::FindCommandLineFlag(name)->Filename())) << name;
  }
}

// main's flags take their defaults from FacadeConfig (config_test checks
// those against docs/operations.md).
TEST(ConfigFromFlagsTest, WithNoFlagSetIsFacadeConfigsDefaults) {
  EXPECT_TRUE(Fields(ConfigFromFlags()) == Fields(FacadeConfig()));
}

class EveryServerFlagTest : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& name() const { return GetParam(); }
  absl::FlagSaver saver_;  // every flag back to its default after each test
};

TEST_P(EveryServerFlagTest, ItsVariableAloneReachesConfigFromFlags) {
  const FacadeConfig defaults = ConfigFromFlags();
  const std::string value = OtherValue(*absl::FindCommandLineFlag(name()));
  ASSERT_FALSE(value.empty()) << "OtherValue() knows no value for --" << name()
                              << "'s type: add one";

  SetThroughEnvironment(name(), value);

  EXPECT_FALSE(Fields(ConfigFromFlags()) == Fields(defaults))
      << "--" << name() << "=" << value << " leaves ConfigFromFlags() unchanged: "
      << "is it in ServerFlags() (server/app/flags.cc)?";
}

TEST_P(EveryServerFlagTest, IsInTheStartUpLine) {
  const base::LogFields before = DescribeConfig(ConfigFromFlags(), "bearer", 50051, 9464);
  const std::string value = OtherValue(*absl::FindCommandLineFlag(name()));
  ASSERT_FALSE(value.empty());

  SetThroughEnvironment(name(), value);
  const base::LogFields after = DescribeConfig(ConfigFromFlags(), "bearer", 50051, 9464);

  const base::LogValue* shown = Find(after, name());
  ASSERT_NE(shown, nullptr) << "--" << name() << " is not in DescribeConfig()";
  const base::LogValue* shown_before = Find(before, name());
  ASSERT_NE(shown_before, nullptr);
  EXPECT_FALSE(*shown == *shown_before)
      << "the start-up line's \"" << name() << "\" does not follow --" << name();
}

INSTANTIATE_TEST_SUITE_P(AllServerFlags, EveryServerFlagTest,
                         ::testing::ValuesIn(ServerFlagNames()),
                         [](const auto& info) { return info.param; });

// Log collectors and dashboards read these fields: their names and JSON
// types stay as they were before the flags moved out of main.cc.
TEST(DescribeConfigTest, KeepsTheStartUpLineFieldsAndTheirTypes) {
  const base::LogFields fields = DescribeConfig(FacadeConfig(), "bearer", 50051, 9464);
  const std::map<std::string, base::LogValue> want = {
      {"listen_port", int64_t{50051}},
      {"metrics_port", int64_t{9464}},
      {"gong_base_url", std::string("https://api.gong.io")},
      {"gong_auth", std::string("bearer")},
      {"gong_ca_file", std::string()},
      {"upstream_timeout", std::string("30s")},
      {"gong_connect_timeout", std::string("5s")},
      {"gong_idle_connection_timeout", std::string("30s")},
      {"drain_delay", std::string("5s")},
      {"shutdown_grace", std::string("10s")},
      {"max_connection_age", std::string("0")},
      {"tls", false},
      {"mutual_tls", false},
      {"caller_tokens_file", std::string()},
      {"gong_credentials_dir", std::string()},
      {"gong_qps", int64_t{3}},
      {"coalesce", true},
      {"gong_max_attempts", int64_t{3}},
      {"max_gong_pause", std::string("1m")},
      {"max_pending_calls", int64_t{10000}},
      {"max_gong_in_flight", int64_t{100}},
      {"gong_daily_limit", int64_t{10000}},
      {"daily_reserve", int64_t{1000}},
      {"quota_fair_queueing", true},
      {"idempotency_ttl", std::string("24h")},
      {"idempotency_max_keys", int64_t{100000}},
      {"settle_delay", std::string("2s")},
      {"bulk_poll_interval", std::string("5s")},
      {"max_request_bytes", int64_t{1} << 20},
      {"max_concurrent_streams", int64_t{1000}},
      {"max_grpc_memory_bytes", int64_t{128} << 20},
  };

  for (const auto& [key, value] : want) {
    const base::LogValue* got = Find(fields, key);
    ASSERT_NE(got, nullptr) << key;
    EXPECT_TRUE(*got == value) << key;  // same alternative: same JSON type
  }
}

// A JSON object keeps one value per key: a flag named like another field
// would hide it.
TEST(DescribeConfigTest, NamesEachFieldOnce) {
  std::map<std::string, int> seen;
  for (const auto& [key, value] : DescribeConfig(FacadeConfig(), "bearer", 1, 2)) {
    EXPECT_EQ(++seen[key], 1) << key;
  }
}

TEST(DescribeConfigTest, SaysWhetherTlsAndMutualTlsAreOn) {
  FacadeConfig config;
  config.tls_cert_file = "/etc/tls/tls.crt";
  config.tls_key_file = "/etc/tls/tls.key";
  config.tls_client_ca_file = "/etc/tls/ca.crt";

  const base::LogFields fields = DescribeConfig(config, "basic", 1, 2);

  EXPECT_TRUE(*Find(fields, "tls") == base::LogValue(true));
  EXPECT_TRUE(*Find(fields, "mutual_tls") == base::LogValue(true));
}

// The daily budget's flags and their variables, by the names operators
// and the manifests use, into the steward's options.
TEST(ConfigFromFlagsTest, TheDailyBudgetAndFairQueueingReachTheStewardsOptions) {
  absl::FlagSaver saver;
  SetThroughEnvironment("gong_daily_limit", "50");
  SetThroughEnvironment("daily_reserve", "10");
  SetThroughEnvironment("quota_fair_queueing", "false");

  const FacadeConfig config = ConfigFromFlags();

  EXPECT_EQ(config.quota.daily_limit, 50);
  EXPECT_EQ(config.quota.daily_reserve, 10);
  EXPECT_FALSE(config.quota.fair_queueing);
  // 0 turns the budget off; a negative count is kept for ValidateConfig to
  // refuse by name, not turned into something else.
  SetThroughEnvironment("gong_daily_limit", "0");
  SetThroughEnvironment("daily_reserve", "-1");
  EXPECT_EQ(ConfigFromFlags().quota.daily_limit, 0);
  EXPECT_EQ(ConfigFromFlags().quota.daily_reserve, -1);
}

// Kubernetes sets the variables, an operator adds a flag by hand: the flag,
// later on the command line, wins (abseil keeps the last value).
TEST(ArgsWithEnvironmentTest, PutsTheCommandLineAfterTheEnvironment) {
  char program[] = "gong-flows-server";
  char flag[] = "--gong_qps=9";
  char* argv[] = {program, flag};

  const std::vector<std::string> args =
      ArgsWithEnvironment(2, argv, {"gong_qps", "coalesce"}, [](const char* name) {
        return std::string(name) == "GONG_FLOWS_GONG_QPS" ? "5" : nullptr;
      });

  EXPECT_THAT(args, ElementsAre("gong-flows-server", "--gong_qps=5", "--gong_qps=9"));
}

}  // namespace
}  // namespace gong::app
