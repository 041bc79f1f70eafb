// Unit tests for ValidateConfig (server/app/config.h): the defaults start, and a
// configuration the server cannot run with is refused with a message that
// names the offending flag.
#include "app/config.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "absl/time/time.h"
#include "fakes/test_certificates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::app {
namespace {

using ::testing::HasSubstr;

TEST(ValidateConfigTest, DefaultsPass) {
  const FacadeConfig config;

  EXPECT_TRUE(ValidateConfig(config).ok()) << ValidateConfig(config);
}

// Every default as docs/operations.md's flags table (and docs/gong-quota.md)
// writes it. The server's flags (server/app/flags.cc) take their defaults
// from FacadeConfig, so a default changed here changes what operators get
// without a flag.
TEST(FacadeConfigTest, DefaultsAreTheDocumentedOnes) {
  const FacadeConfig config;

  EXPECT_EQ(config.listen, "0.0.0.0:50051");
  EXPECT_EQ(config.gong_base_url, "https://api.gong.io");
  EXPECT_EQ(config.gong_ca_file, "");  // the system's CAs only
  EXPECT_EQ(config.gong_connect_timeout, absl::Seconds(5));
  EXPECT_EQ(config.upstream_timeout, absl::Seconds(30));
  EXPECT_EQ(config.drain_delay, absl::Seconds(5));
  EXPECT_EQ(config.shutdown_grace, absl::Seconds(10));
  EXPECT_EQ(config.max_connection_age, absl::ZeroDuration());  // never
  EXPECT_EQ(config.max_request_bytes, 1u << 20);               // 1 MiB
  EXPECT_EQ(config.max_concurrent_streams, 1000);
  EXPECT_EQ(config.max_grpc_memory_bytes, 128u << 20);  // 128 MiB
  EXPECT_EQ(config.metrics_listen, "0.0.0.0:9464");
  EXPECT_EQ(config.tls_cert_file, "");  // plaintext
  EXPECT_EQ(config.tls_key_file, "");
  EXPECT_EQ(config.tls_client_ca_file, "");
  EXPECT_EQ(config.caller_tokens_file, "");
  EXPECT_EQ(config.gong_credentials_dir, "");  // the environment's credentials
  EXPECT_EQ(config.quota.gong_qps, 3);
  EXPECT_TRUE(config.quota.coalesce);
  EXPECT_EQ(config.quota.max_attempts, 3);
  EXPECT_EQ(config.quota.max_pause, absl::Seconds(60));
  EXPECT_EQ(config.quota.max_pending_calls, 10000u);
  // Gong's default daily limit, a tenth of it kept for interactive calls,
  // and priorities with turns between callers.
  EXPECT_EQ(config.quota.daily_limit, 10000);
  EXPECT_EQ(config.quota.daily_reserve, 1000);
  EXPECT_TRUE(config.quota.fair_queueing);
  // Keys for a day, a hundred thousand of them in memory, and a lost
  // write looked at after 2 s.
  EXPECT_EQ(config.idempotency_ttl, absl::Hours(24));
  EXPECT_EQ(config.idempotency_max_keys, 100000u);
  EXPECT_EQ(config.settle_delay, absl::Seconds(2));
  EXPECT_EQ(config.bulk_poll_interval, absl::Seconds(5));
  // "Gong's quota": a 25 ms window margin, backoff from 250 ms up to 5 s.
  EXPECT_EQ(config.quota.window_margin, absl::Milliseconds(25));
  EXPECT_EQ(config.quota.initial_backoff, absl::Milliseconds(250));
  EXPECT_EQ(config.quota.max_backoff, absl::Seconds(5));
  // Each replica its own quota unless --quota_redis; 1/s while Redis is out.
  EXPECT_EQ(config.quota_redis, "");
  EXPECT_EQ(config.quota_key, "");
  EXPECT_EQ(config.quota_fallback_qps, 1);
}

TEST(ValidateConfigTest, AcceptsOtherGoodValues) {
  for (const char* url : {"https://us-55616.api.gong.io", "http://127.0.0.1:8080",
                          "https://api.gong.io/"}) {
    SCOPED_TRACE(url);
    FacadeConfig config;
    config.gong_base_url = url;
    config.listen = "127.0.0.1:0";
    EXPECT_TRUE(ValidateConfig(config).ok()) << ValidateConfig(config);
  }
}

TEST(ValidateConfigTest, RefusesAListenAddressWithoutPort) {
  for (const char* listen : {"", "localhost", "50051"}) {
    SCOPED_TRACE(listen);
    FacadeConfig config;
    config.listen = listen;

    const absl::Status status = ValidateConfig(config);

    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.message(), HasSubstr("--listen"));
  }
}

// What one connection can hold (issue 26, finding 9): each bound has a
// floor below which well-behaved calls would be refused, and the request
// bound a ceiling past which it protects nothing.
TEST(ValidateConfigTest, RefusesListenerBoundsOutOfRange) {
  struct Case {
    const char* flag;
    void (*set)(FacadeConfig&);
  };
  const Case cases[] = {
      {"--max_request_bytes", [](FacadeConfig& c) { c.max_request_bytes = 0; }},
      {"--max_request_bytes",
       [](FacadeConfig& c) { c.max_request_bytes = kMinRequestBytes - 1; }},
      {"--max_request_bytes",
       [](FacadeConfig& c) { c.max_request_bytes = kMaxRequestBytes + 1; }},
      {"--max_concurrent_streams", [](FacadeConfig& c) { c.max_concurrent_streams = 0; }},
      {"--max_concurrent_streams",
       [](FacadeConfig& c) { c.max_concurrent_streams = -1; }},
      {"--max_grpc_memory_bytes", [](FacadeConfig& c) { c.max_grpc_memory_bytes = 0; }},
      {"--max_grpc_memory_bytes",
       [](FacadeConfig& c) { c.max_grpc_memory_bytes = kMinGrpcMemoryBytes - 1; }},
  };
  for (const Case& bad : cases) {
    SCOPED_TRACE(bad.flag);
    FacadeConfig config;
    bad.set(config);

    const absl::Status status = ValidateConfig(config);

    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.message(), HasSubstr(bad.flag));
  }
}

TEST(ValidateConfigTest, AcceptsListenerBoundsAtTheirLimits) {
  FacadeConfig config;
  config.max_request_bytes = kMinRequestBytes;
  config.max_concurrent_streams = 1;
  config.max_grpc_memory_bytes = kMinGrpcMemoryBytes;
  EXPECT_TRUE(ValidateConfig(config).ok()) << ValidateConfig(config);
  config.max_request_bytes = kMaxRequestBytes;
  EXPECT_TRUE(ValidateConfig(config).ok()) << ValidateConfig(config);
}

TEST(ValidateConfigTest, RefusesABaseUrlThatIsNotHttpOrHttps) {
  for (const char* url : {"", "api.gong.io", "ftp://api.gong.io", "https://", "http://",
                          "file:///etc/passwd", "HTTPS//api.gong.io"}) {
    SCOPED_TRACE(url);
    FacadeConfig config;
    config.gong_base_url = url;

    const absl::Status status = ValidateConfig(config);

    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.message(), HasSubstr("--gong_base_url"));
  }
}

TEST(ValidateConfigTest, RefusesAMissingCaFile) {
  FacadeConfig config;
  config.gong_ca_file = ::testing::TempDir() + "/no-such-dir/no-such-ca.pem";

  const absl::Status status = ValidateConfig(config);

  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("--gong_ca_file"));
  EXPECT_THAT(status.message(), HasSubstr("no-such-ca.pem"));
}

TEST(ValidateConfigTest, AcceptsACaFileWithACertificate) {
  const std::filesystem::path dir =
      ::testing::TempDir() + "/config_test_certs_" + std::to_string(getpid());
  ASSERT_EQ(fakes::MakeTestCertificates(dir), "");
  FacadeConfig config;
  config.gong_ca_file = (dir / "ca.crt").string();

  const absl::Status status = ValidateConfig(config);

  EXPECT_TRUE(status.ok()) << status;
  std::filesystem::remove_all(dir);
}

// curl reads the bundle only when it first connects: a bundle without a
// certificate would pass start-up and fail every call.
TEST(ValidateConfigTest, RefusesACaFileWithoutACertificate) {
  const std::string path = ::testing::TempDir() + "/config_test_bad_ca.pem";
  for (const char* content :
       {"", "not a certificate\n",
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n"}) {
    SCOPED_TRACE(content);
    std::ofstream(path) << content;
    FacadeConfig config;
    config.gong_ca_file = path;

    const absl::Status status = ValidateConfig(config);

    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), HasSubstr("--gong_ca_file"));
    EXPECT_THAT(std::string(status.message()), HasSubstr("no PEM certificate"));
  }
  std::remove(path.c_str());
}

TEST(ValidateConfigTest, RefusesADirectoryAsCaFile) {
  FacadeConfig config;
  config.gong_ca_file = ::testing::TempDir();

  const absl::Status status = ValidateConfig(config);

  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("--gong_ca_file"));
}

TEST(ValidateConfigTest, RefusesANonPositiveUpstreamTimeout) {
  for (absl::Duration timeout :
       {absl::ZeroDuration(), absl::Seconds(-1), -absl::InfiniteDuration()}) {
    SCOPED_TRACE(absl::FormatDuration(timeout));
    FacadeConfig config;
    config.upstream_timeout = timeout;

    const absl::Status status = ValidateConfig(config);

    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.message(), HasSubstr("--upstream_timeout"));
  }
}

TEST(ValidateConfigTest, RefusesANonPositiveConnectTimeoutOrMaxPause) {
  for (absl::Duration bad : {absl::ZeroDuration(), absl::Seconds(-1)}) {
    SCOPED_TRACE(absl::FormatDuration(bad));
    FacadeConfig connect;
    connect.gong_connect_timeout = bad;
    EXPECT_THAT(ValidateConfig(connect).message(), HasSubstr("--gong_connect_timeout"));
    FacadeConfig pause;
    pause.quota.max_pause = bad;
    EXPECT_THAT(ValidateConfig(pause).message(), HasSubstr("--max_gong_pause"));
  }
}

TEST(ValidateConfigTest, ShutdownGraceMayBeZeroButNotNegative) {
  FacadeConfig config;
  config.shutdown_grace = absl::ZeroDuration();
  EXPECT_TRUE(ValidateConfig(config).ok());

  config.shutdown_grace = absl::Seconds(-1);
  const absl::Status status = ValidateConfig(config);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("--shutdown_grace"));
}

TEST(ValidateConfigTest, BoundsOnGongConnectionsDefaultTo100AndThirtySeconds) {
  const FacadeConfig defaults;
  EXPECT_EQ(defaults.quota.max_in_flight, 100u);
  EXPECT_EQ(defaults.gong_idle_connection_timeout, absl::Seconds(30));

  FacadeConfig none;
  none.quota.max_in_flight = 0;
  EXPECT_THAT(ValidateConfig(none).message(), HasSubstr("--max_gong_in_flight"));
  for (absl::Duration bad : {absl::ZeroDuration(), absl::Seconds(-1)}) {
    FacadeConfig idle;
    idle.gong_idle_connection_timeout = bad;
    EXPECT_THAT(ValidateConfig(idle).message(),
                HasSubstr("--gong_idle_connection_timeout"));
  }
}

// Replicas in front of the same Gong company share a window by default; a
// company with its own host gets its own.
TEST(QuotaKeyTest, DefaultsToGongsHost) {
  FacadeConfig config;
  EXPECT_EQ(QuotaKey(config), "gong-flows:api.gong.io");
  config.gong_base_url = "https://us-12345.api.gong.io/";
  EXPECT_EQ(QuotaKey(config), "gong-flows:us-12345.api.gong.io");
  config.gong_base_url = "http://127.0.0.1:8080";
  EXPECT_EQ(QuotaKey(config), "gong-flows:127.0.0.1");
  config.quota_key = "acme";
  EXPECT_EQ(QuotaKey(config), "acme");
}

TEST(ValidateConfigTest, TheDailyBudgetIsOffOrAboveItsReserve) {
  struct Case {
    int64_t limit;
    int64_t reserve;
    const char* refused_flag;  // null: accepted
  };
  const Case cases[] = {
      {10000, 1000, nullptr},
      {50, 10, nullptr},
      {50, 49, nullptr},
      {50, 0, nullptr},  // no reserve: background calls go on to the limit
      {1, 0, nullptr},
      {0, 1000, nullptr},  // no limit: the reserve is not used
      {0, 0, nullptr},
      {int64_t{1} << 62, 1000, nullptr},
      {-1, 0, "--gong_daily_limit"},
      {std::numeric_limits<int64_t>::min(), 0, "--gong_daily_limit"},
      {50, -1, "--daily_reserve"},
      {0, -1, "--daily_reserve"},
      {50, 50, "--daily_reserve"},
      {50, 51, "--daily_reserve"},
      {1, 1, "--daily_reserve"},
      {10, std::numeric_limits<int64_t>::max(), "--daily_reserve"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << "limit " << c.limit << ", reserve " << c.reserve);
    FacadeConfig config;
    config.quota.daily_limit = c.limit;
    config.quota.daily_reserve = c.reserve;
    const absl::Status status = ValidateConfig(config);
    if (c.refused_flag == nullptr) {
      EXPECT_TRUE(status.ok()) << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(status.message(), HasSubstr(c.refused_flag));
    }
  }
}

TEST(ValidateConfigTest, KeysAreKeptLongEnoughToAnswerARetryAndSettlingIsNeverNegative) {
  struct Case {
    absl::Duration ttl;
    size_t max_keys;
    absl::Duration settle_delay;
    const char* refused_flag;  // null: accepted
  };
  const Case cases[] = {
      {absl::Hours(24), 100000, absl::Seconds(2), nullptr},
      {absl::Seconds(1), 1, absl::ZeroDuration(), nullptr},
      {absl::Milliseconds(999), 1, absl::ZeroDuration(), "--idempotency_ttl"},
      {-absl::InfiniteDuration(), 1, absl::ZeroDuration(), "--idempotency_ttl"},
      {absl::Hours(1), 0, absl::ZeroDuration(), "--idempotency_max_keys"},
      {absl::Hours(1), 1, -absl::Milliseconds(1), "--settle_delay"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << c.ttl << " " << c.max_keys << " " << c.settle_delay);
    FacadeConfig config;
    config.idempotency_ttl = c.ttl;
    config.idempotency_max_keys = c.max_keys;
    config.settle_delay = c.settle_delay;
    const absl::Status status = ValidateConfig(config);
    if (c.refused_flag == nullptr) {
      EXPECT_TRUE(status.ok()) << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(status.message(), HasSubstr(c.refused_flag));
    }
  }
}

TEST(ValidateConfigTest, BulkPollsAreAtLeastATenthOfASecondApart) {
  for (absl::Duration ok : {absl::Milliseconds(100), absl::Seconds(5), absl::Hours(1)}) {
    FacadeConfig config;
    config.bulk_poll_interval = ok;
    EXPECT_TRUE(ValidateConfig(config).ok()) << ok;
  }
  for (absl::Duration bad : {absl::Milliseconds(99), absl::ZeroDuration(),
                             -absl::Seconds(1), -absl::InfiniteDuration()}) {
    FacadeConfig config;
    config.bulk_poll_interval = bad;
    const absl::Status status = ValidateConfig(config);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("--bulk_poll_interval")) << bad;
  }
}

TEST(ValidateConfigTest, ASharedQuotaNeedsARedisUrlALimitAndASmallerFallback) {
  FacadeConfig config;
  config.quota_redis = "redis://redis.gong-flows:6379/2";
  EXPECT_TRUE(ValidateConfig(config).ok()) << ValidateConfig(config);

  for (const char* bad : {"redis.gong-flows:6379", "http://redis:6379", "redis://:6379",
                          "redis://redis:port", "redis://redis:6379/x"}) {
    FacadeConfig wrong = config;
    wrong.quota_redis = bad;
    EXPECT_THAT(ValidateConfig(wrong).message(), HasSubstr("--quota_redis")) << bad;
  }
  FacadeConfig with_password = config;
  with_password.quota_redis = "redis://user:hunter2@redis:6379";
  const absl::Status refused = ValidateConfig(with_password);
  EXPECT_THAT(refused.message(), HasSubstr("--quota_redis"));
  EXPECT_THAT(refused.message(), ::testing::Not(HasSubstr("hunter2")));

  FacadeConfig unlimited = config;
  unlimited.quota.gong_qps = 0;
  EXPECT_THAT(ValidateConfig(unlimited).message(), HasSubstr("--gong_qps"));
  for (int fallback : {0, -1, 4}) {
    FacadeConfig wrong = config;
    wrong.quota_fallback_qps = fallback;
    EXPECT_THAT(ValidateConfig(wrong).message(), HasSubstr("--quota_fallback_qps"))
        << fallback;
  }
}

}  // namespace
}  // namespace gong::app
