// Unit tests for GongCredentials (server/upstream/credentials.h): which
// environment variables give which Authorization header, with the process
// environment replaced by an injected lookup, and that the refusals name
// the variables without repeating any secret.
#include "upstream/credentials.h"

#include <functional>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::upstream {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// An environment holding exactly `vars`.
class FakeEnvironment {
 public:
  explicit FakeEnvironment(std::map<std::string, std::string> vars)
      : vars_(std::move(vars)) {}

  std::function<const char*(const char*)> Getenv() const {
    return [this](const char* name) -> const char* {
      auto it = vars_.find(name);
      return it == vars_.end() ? nullptr : it->second.c_str();
    };
  }

 private:
  std::map<std::string, std::string> vars_;
};

absl::StatusOr<GongCredentials> FromVars(std::map<std::string, std::string> vars) {
  const FakeEnvironment env(std::move(vars));
  return GongCredentials::FromEnvironment(env.Getenv());
}

TEST(GongCredentialsTest, AccessKeyAndSecretGiveBasicAuth) {
  const auto credentials =
      FromVars({{"GONG_ACCESS_KEY", "k"}, {"GONG_ACCESS_KEY_SECRET", "s"}});

  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->authorization_header(), "Authorization: Basic azpz");
  EXPECT_EQ(credentials->scheme(), "basic");
}

TEST(GongCredentialsTest, BasicAuthIsPaddedBase64OfKeyColonSecret) {
  // RFC 7617's example pair.
  const auto credentials = FromVars(
      {{"GONG_ACCESS_KEY", "Aladdin"}, {"GONG_ACCESS_KEY_SECRET", "open sesame"}});

  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->authorization_header(),
            "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST(GongCredentialsTest, ValuesAreTrimmedAsSecretsFromFilesEndInANewline) {
  const auto credentials =
      FromVars({{"GONG_ACCESS_KEY", "k\n"}, {"GONG_ACCESS_KEY_SECRET", " s\r\n"}});

  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->authorization_header(), "Authorization: Basic azpz");
  const auto bearer = FromVars({{"GONG_BEARER_TOKEN", "tok\n"}});
  EXPECT_EQ(bearer->authorization_header(), "Authorization: Bearer tok");
}

TEST(GongCredentialsTest, BearerTokenGivesBearerAuth) {
  const auto credentials = FromVars({{"GONG_BEARER_TOKEN", "eyJhbGciOi.tok"}});

  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->authorization_header(), "Authorization: Bearer eyJhbGciOi.tok");
  EXPECT_EQ(credentials->scheme(), "bearer");
}

TEST(GongCredentialsTest, BasicWinsWhenBothAreSet) {
  const auto credentials = FromVars({{"GONG_ACCESS_KEY", "k"},
                                     {"GONG_ACCESS_KEY_SECRET", "s"},
                                     {"GONG_BEARER_TOKEN", "tok"}});

  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->scheme(), "basic");
  EXPECT_EQ(credentials->authorization_header(), "Authorization: Basic azpz");
}

TEST(GongCredentialsTest, KeyWithoutSecretIsRefusedWithoutEchoingTheKey) {
  const auto credentials = FromVars({{"GONG_ACCESS_KEY", "my-access-key-123"}});

  ASSERT_FALSE(credentials.ok());
  EXPECT_THAT(credentials.status().message(), HasSubstr("GONG_ACCESS_KEY_SECRET"));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr("my-access-key-123")));
}

TEST(GongCredentialsTest, KeyWithoutSecretIsRefusedEvenWithABearerToken) {
  // A half-configured Basic pair is a mistake, not a request for Bearer.
  const auto credentials =
      FromVars({{"GONG_ACCESS_KEY", "k"}, {"GONG_BEARER_TOKEN", "tok"}});

  EXPECT_FALSE(credentials.ok());
}

TEST(GongCredentialsTest, SecretWithoutKeyIsRefusedWithoutEchoingTheSecret) {
  const auto credentials = FromVars({{"GONG_ACCESS_KEY_SECRET", "top-secret-value"}});

  ASSERT_FALSE(credentials.ok());
  EXPECT_THAT(credentials.status().message(), HasSubstr("GONG_ACCESS_KEY"));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr("top-secret-value")));
}

TEST(GongCredentialsTest, NothingSetIsRefusedNamingGongAccessKey) {
  const auto credentials = FromVars({});

  ASSERT_FALSE(credentials.ok());
  EXPECT_THAT(credentials.status().message(), HasSubstr("GONG_ACCESS_KEY"));
  EXPECT_THAT(credentials.status().message(), HasSubstr("GONG_BEARER_TOKEN"));
}

TEST(GongCredentialsTest, EmptyValuesCountAsUnset) {
  const auto credentials = FromVars({{"GONG_ACCESS_KEY", ""},
                                     {"GONG_ACCESS_KEY_SECRET", ""},
                                     {"GONG_BEARER_TOKEN", ""}});

  ASSERT_FALSE(credentials.ok());
  EXPECT_THAT(credentials.status().message(), HasSubstr("GONG_ACCESS_KEY"));
}

TEST(GongCredentialsTest, UnrelatedVariablesAreIgnored) {
  const auto credentials = FromVars(
      {{"GONG_ACCESS_KEY_ID", "k"}, {"GONG_SECRET", "s"}, {"BEARER_TOKEN", "t"}});

  EXPECT_FALSE(credentials.ok());
}

TEST(GongCredentialsTest, FactoriesBuildTheSameHeaders) {
  EXPECT_EQ(GongCredentials::Basic("k", "s").authorization_header(),
            "Authorization: Basic azpz");
  EXPECT_EQ(GongCredentials::Basic("k", "s").scheme(), "basic");
  EXPECT_EQ(GongCredentials::Bearer("abc").authorization_header(),
            "Authorization: Bearer abc");
  EXPECT_EQ(GongCredentials::Bearer("abc").scheme(), "bearer");
}

}  // namespace
}  // namespace gong::upstream
