// Unit tests for assign's override flags (client/override_flags.h): each
// step's subject and body joined by number, variables as given, and the
// values the command line refuses before anything is sent.
#include "override_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(OverrideFlagsTest, JoinsSubjectAndBodyOfOneStepInNumberOrder) {
  absl::StatusOr<OverrideFlags> flags =
      ParseOverrideFlags({"3=Hello {{first_name}}", "1=Hi"}, {"3=Body=with=equals"},
                         {"city=Paris", "empty="}, true);
  ASSERT_TRUE(flags.ok()) << flags.status();
  ASSERT_EQ(flags->steps.size(), 2u);
  EXPECT_EQ(flags->steps[0].number, 1);
  EXPECT_EQ(flags->steps[0].subject, "Hi");
  EXPECT_EQ(flags->steps[0].body, "");
  EXPECT_EQ(flags->steps[1].number, 3);
  EXPECT_EQ(flags->steps[1].subject, "Hello {{first_name}}");
  EXPECT_EQ(flags->steps[1].body, "Body=with=equals");
  EXPECT_THAT(flags->variables, ElementsAre(Pair("city", "Paris"), Pair("empty", "")));
  EXPECT_TRUE(flags->cool_off_override);
  EXPECT_FALSE(flags->empty());
}

TEST(OverrideFlagsTest, NoFlagsIsEmptyWithNoFingerprint) {
  absl::StatusOr<OverrideFlags> flags = ParseOverrideFlags({}, {}, {}, false);
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->empty());
  // None leaves a write's key as it was before overrides had flags.
  EXPECT_EQ(OverrideFingerprint(*flags), "");
}

TEST(OverrideFlagsTest, RefusesBadStepNumbersAndMissingEquals) {
  for (const std::string& bad :
       {"0=x", "-1=x", "+2=x", " 2=x", "two=x", "=x", "99999999999=x", "2", "2.5=x"}) {
    absl::StatusOr<OverrideFlags> flags = ParseOverrideFlags({bad}, {}, {}, false);
    EXPECT_FALSE(flags.ok()) << bad;
    EXPECT_THAT(std::string(flags.status().message()), HasSubstr("--step-subject"))
        << bad;
  }
  absl::StatusOr<OverrideFlags> body = ParseOverrideFlags({}, {"4"}, {}, false);
  ASSERT_FALSE(body.ok());
  EXPECT_THAT(std::string(body.status().message()), HasSubstr("no '='"));
  EXPECT_FALSE(ParseOverrideFlags({}, {}, {"novalue"}, false).ok());
  EXPECT_FALSE(ParseOverrideFlags({}, {}, {"=value"}, false).ok());
}

TEST(OverrideFlagsTest, RefusesTwoTextsForOneStepAndOneVariableTwice) {
  EXPECT_FALSE(ParseOverrideFlags({"2=a", "2=b"}, {}, {}, false).ok());
  EXPECT_FALSE(ParseOverrideFlags({}, {"2=a", "2=b"}, {}, false).ok());
  EXPECT_FALSE(ParseOverrideFlags({}, {}, {"a=1", "a=2"}, false).ok());
  // An empty text keeps the step's own: asked for, a slip.
  EXPECT_FALSE(ParseOverrideFlags({"2="}, {}, {}, false).ok());
}

TEST(OverrideFlagsTest, FingerprintsTellOverridesApart) {
  auto print = [](std::vector<std::string> s, std::vector<std::string> b,
                  std::vector<std::string> v, bool c) {
    return OverrideFingerprint(*ParseOverrideFlags(s, b, v, c));
  };
  const std::string base = print({"1=a"}, {}, {}, false);
  EXPECT_EQ(base, print({"1=a"}, {}, {}, false));
  EXPECT_NE(base, print({"1=a"}, {}, {}, true));
  EXPECT_NE(base, print({"2=a"}, {}, {}, false));
  EXPECT_NE(base, print({}, {"1=a"}, {}, false));
  EXPECT_NE(print({}, {}, {"ab=c"}, false), print({}, {}, {"a=bc"}, false));
  // The order steps were given in does not matter.
  EXPECT_EQ(print({"1=a", "2=b"}, {}, {}, false), print({"2=b", "1=a"}, {}, {}, false));
}

}  // namespace
}  // namespace gong::cli
