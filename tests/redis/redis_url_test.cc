// --quota_redis's URL: what it accepts, what it refuses and how it says so,
// and that a password in it is never repeated back.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "redis/redis_client.h"

namespace gong::redis {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct GoodUrl {
  const char* url;
  const char* host;
  int port;
  int db;
};

TEST(ParseRedisUrlTest, ReadsHostPortAndDatabase) {
  const GoodUrl cases[] = {
      {"redis://127.0.0.1:6380", "127.0.0.1", 6380, 0},
      {"redis://redis", "redis", 6379, 0},
      {"redis://redis/", "redis", 6379, 0},
      {"redis://redis.quota.svc.cluster.local:7000/3", "redis.quota.svc.cluster.local",
       7000, 3},
      {"redis://redis:6379/15", "redis", 6379, 15},
      {"redis://redis:6379/2/", "redis", 6379, 2},
      {"redis://redis:1/0", "redis", 1, 0},
      {"redis://redis:65535", "redis", 65535, 0},
      {"redis://[::1]:6379/1", "::1", 6379, 1},
      {"redis://[::1]", "::1", 6379, 0},
      {"redis://[fd00::a:1]/4", "fd00::a:1", 6379, 4},
      {"REDIS://Redis-0_a:6379", "Redis-0_a", 6379, 0},
  };
  for (const GoodUrl& c : cases) {
    SCOPED_TRACE(c.url);
    absl::StatusOr<RedisAddress> address = ParseRedisUrl(c.url);
    ASSERT_TRUE(address.ok()) << address.status();
    EXPECT_EQ(address->host, c.host);
    EXPECT_EQ(address->port, c.port);
    EXPECT_EQ(address->db, c.db);
  }
}

struct BadUrl {
  const char* url;
  const char* says;
};

TEST(ParseRedisUrlTest, RefusesWhatIsNotRedisHostPortDbNamingTheFlag) {
  const BadUrl cases[] = {
      {"", "expected redis://HOST:PORT[/DB]"},
      {"127.0.0.1:6379", "expected redis://HOST:PORT[/DB]"},
      {"rediss://redis:6380", "TLS"},
      {"http://redis:6379", "only the redis:// scheme"},
      {"redis://", "host is missing"},
      {"redis://:6379", "host is missing"},
      {"redis://redis:", "port must be a number"},
      {"redis://redis:abc", "port must be a number"},
      {"redis://redis:-1", "port must be a number"},
      {"redis://redis:0", "port 0 is not from 1 to 65535"},
      {"redis://redis:65536", "port 65536 is not from 1 to 65535"},
      {"redis://redis:6379/16", "database"},
      {"redis://redis:6379/-1", "database"},
      {"redis://redis:6379/x", "database"},
      {"redis://redis:6379/1/2", "database"},
      {"redis://redis:6379//", "database"},
      {"redis://redis:6379/0?timeout=1", "no query"},
      {"redis://redis:6379#x", "no query"},
      {"redis://::1:6379", "IPv6 host goes in brackets"},
      {"redis://[::1:6379", "']' is missing"},
      {"redis://[]:6379", "not an IPv6 address"},
      {"redis://[redis]:6379", "not an IPv6 address"},
      {"redis://[::1]6379", "expected ':PORT'"},
      {"redis://red is:6379", "not a host name"},
  };
  for (const BadUrl& c : cases) {
    SCOPED_TRACE(c.url);
    absl::StatusOr<RedisAddress> address = ParseRedisUrl(c.url);
    ASSERT_FALSE(address.ok());
    EXPECT_EQ(address.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(address.status().message()), StartsWith("--quota_redis: "));
    EXPECT_THAT(std::string(address.status().message()), HasSubstr(c.says));
  }
}

TEST(ParseRedisUrlTest, RefusesCredentialsWithoutRepeatingThem) {
  for (const char* url :
       {"redis://:hunter2-secret@redis:6379", "redis://default:hunter2-secret@redis",
        "redis://hunter2-secret@redis:6379/1", "rediss://:hunter2-secret@redis",
        "redis://redis:6379/0@hunter2-secret"}) {
    SCOPED_TRACE(url);
    absl::StatusOr<RedisAddress> address = ParseRedisUrl(url);
    ASSERT_FALSE(address.ok());
    EXPECT_EQ(address.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(address.status().message()), StartsWith("--quota_redis: "));
    EXPECT_THAT(std::string(address.status().message()), Not(HasSubstr("hunter2")));
    EXPECT_THAT(std::string(address.status().message()), Not(HasSubstr("default")));
  }
  // Nor does a port that is not a number, in case it is a misplaced
  // password.
  absl::StatusOr<RedisAddress> address = ParseRedisUrl("redis://redis:hunter2");
  ASSERT_FALSE(address.ok());
  EXPECT_THAT(std::string(address.status().message()), Not(HasSubstr("hunter2")));
}

TEST(RedisAddressTest, ToStringBracketsIpv6Hosts) {
  EXPECT_EQ((RedisAddress{"redis", 6379, 0}).ToString(), "redis:6379/0");
  EXPECT_EQ((RedisAddress{"10.0.0.7", 7000, 5}).ToString(), "10.0.0.7:7000/5");
  EXPECT_EQ((RedisAddress{"::1", 6379, 2}).ToString(), "[::1]:6379/2");
  // A parsed URL prints back as it was meant.
  absl::StatusOr<RedisAddress> parsed = ParseRedisUrl("redis://[fd00::1]:6380/3");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->ToString(), "[fd00::1]:6380/3");
}

}  // namespace
}  // namespace gong::redis
