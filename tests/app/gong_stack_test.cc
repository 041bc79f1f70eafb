// LoadGongCredentials (server/app/gong_stack.h): where Gong's credentials
// come from, --gong_credentials_dir or the environment, and the refusal of
// both at once, naming the flag and the variables, never a value.
#include "app/gong_stack.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_files.h"

namespace gong::app {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDirToken[] = "dir-tok-61c0a9f3";
constexpr char kEnvToken[] = "env-tok-0b7e24d8";

std::function<const char*(const char*)> Env(
    const std::map<std::string, std::string>& vars) {
  return [&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

class LoadGongCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = support::FreshTestDir("gong_stack");
    std::ofstream(dir_ / "bearer_token") << kDirToken << "\n";
    config_.gong_credentials_dir = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  FacadeConfig config_;
};

TEST_F(LoadGongCredentialsTest, TheDirectoryWhenGiven) {
  // Variables set but empty (as a manifest may leave them) are no source.
  const std::map<std::string, std::string> vars = {{"GONG_BEARER_TOKEN", " "},
                                                   {"GONG_ACCESS_KEY", ""}};
  auto source = LoadGongCredentials(config_, Env(vars));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->Current().credentials->authorization_header(),
            absl::StrCat("Authorization: Bearer ", kDirToken));
}

TEST_F(LoadGongCredentialsTest, TheEnvironmentWithoutTheFlag) {
  const std::map<std::string, std::string> vars = {{"GONG_BEARER_TOKEN", kEnvToken}};
  auto source = LoadGongCredentials(FacadeConfig(), Env(vars));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->Current().credentials->authorization_header(),
            absl::StrCat("Authorization: Bearer ", kEnvToken));
  EXPECT_EQ((*source)->ReloadNow().generation, (*source)->Current().generation);

  const std::map<std::string, std::string> none;
  auto missing = LoadGongCredentials(FacadeConfig(), Env(none));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("GONG_BEARER_TOKEN"));
}

TEST_F(LoadGongCredentialsTest, RefusesTheFlagBesideAnyOfTheVariables) {
  for (const char* name :
       {"GONG_BEARER_TOKEN", "GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET"}) {
    SCOPED_TRACE(name);
    const std::map<std::string, std::string> vars = {{name, kEnvToken}};
    auto source = LoadGongCredentials(config_, Env(vars));
    ASSERT_FALSE(source.ok());
    const std::string message(source.status().message());
    EXPECT_THAT(message, HasSubstr("--gong_credentials_dir"));
    EXPECT_THAT(message, HasSubstr(name));
    EXPECT_THAT(message, Not(HasSubstr(kEnvToken)));
    EXPECT_THAT(message, Not(HasSubstr(kDirToken)));
  }
}

TEST_F(LoadGongCredentialsTest, RefusesADirectoryWithoutCredentials) {
  fs::remove(dir_ / "bearer_token");
  const std::map<std::string, std::string> none;
  auto source = LoadGongCredentials(config_, Env(none));
  ASSERT_FALSE(source.ok());
  EXPECT_THAT(source.status().message(), HasSubstr("--gong_credentials_dir"));
}

}  // namespace
}  // namespace gong::app
