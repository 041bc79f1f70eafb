// Unit tests for the one parse of Gong's answers (server/upstream/gong_json.h)
// and the excerpts of odd values in warnings (server/upstream/json_fields.h):
// depth bounded before anything is built, text that is not UTF-8 kept to
// its own string, and an excerpt that costs no more than itself.
#include "upstream/gong_json.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upstream/json_fields.h"

namespace gong::upstream::internal::json {
namespace {

using ::testing::ElementsAre;

std::string Nested(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(ParseTest, ReadsAnAnswerUpToTheDepthLimit) {
  const auto parsed = Parse(Nested(kMaxAnswerDepth));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->is_array());
}

TEST(ParseTest, RefusesAnAnswerNestedDeeperThanTheLimit) {
  for (const std::string& body :
       {Nested(kMaxAnswerDepth + 1), Nested(100000),
        absl::StrCat(R"({"a": )", Nested(kMaxAnswerDepth), "}"),
        // Unbalanced: refused on its depth before the parser sees it.
        std::string(100000, '{')}) {
    SCOPED_TRACE(body.substr(0, 16));
    const auto parsed = Parse(body);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().message(), "body is nested deeper than 64 levels");
  }
}

TEST(ParseTest, BracketsInsideStringsDoNotCount) {
  const std::string brackets(1000, '[');
  const auto parsed =
      Parse(absl::StrCat(R"({"a": ")", brackets, R"(\"", "b": "\\)", "\"}"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)["a"], brackets + "\"");
  EXPECT_EQ((*parsed)["b"], "\\");
}

TEST(ParseTest, RefusesWhatIsNotJson) {
  for (const char* body : {"", "{", "<html>", "[1,]", "{\"a\": \"\x01\"}"}) {
    SCOPED_TRACE(body);
    const auto parsed = Parse(body);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().message(), "body is not JSON");
  }
}

// Each string with a byte that is not UTF-8 (a Latin-1 letter, a stray
// continuation byte, a surrogate, an overlong form, a sequence cut short),
// and only it, becomes unreadable text; the others keep every character.
TEST(ParseTest, OnlyTheStringsThatAreNotUtf8AreUnreadable) {
  const std::string body =
      "{\"good\": \"caf\xC3\xA9 \xF0\x9F\x98\x80\", \"latin1\": \"caf\xE9\","
      " \"list\": [\"\x80\", \"ok\", \"\xED\xA0\x80\", \"\xC0\xAF\", \"\xE2\x82\"],"
      " \"k\xFF\": \"value\", \"after\": \"\\u00e9\"}";
  const auto parsed = Parse(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)["good"], "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_TRUE(IsUnreadableText((*parsed)["latin1"]));
  const Json& list = (*parsed)["list"];
  ASSERT_EQ(list.size(), 5u);
  EXPECT_TRUE(IsUnreadableText(list[0]));
  EXPECT_EQ(list[1], "ok");
  EXPECT_TRUE(IsUnreadableText(list[2]));
  EXPECT_TRUE(IsUnreadableText(list[3]));
  EXPECT_TRUE(IsUnreadableText(list[4]));
  // A key is kept, repaired: it names no field a reader looks for.
  EXPECT_EQ((*parsed)["k?"], "value");
  EXPECT_EQ((*parsed)["after"], "\xC3\xA9");
  EXPECT_FALSE(IsUnreadableText((*parsed)["good"]));
}

// --- Excerpt --------------------------------------------------------------------

TEST(ExcerptTest, ASmallValueReadsAsItsJson) {
  const Json value = Json::parse(R"({"a":[1,-2.5,true,null,"x\u00e9\n"],"b":{}})");
  EXPECT_EQ(Excerpt(value), R"({"a":[1,-2.5,true,null,"x\u00e9\n"],"b":{}})");
  EXPECT_EQ(Excerpt(Json::array()), "[]");
  EXPECT_EQ(Excerpt(Json(42)), "42");
}

TEST(ExcerptTest, ALargeValueIsCutAfterSixtyFourCharacters) {
  EXPECT_EQ(Excerpt(Json(std::string(1000000, 'x'))),
            "\"" + std::string(63, 'x') + "...");
  const Json many(std::vector<int>(1000000, 7));
  std::string expected = "[7";
  while (expected.size() < 64) expected += ",7";
  EXPECT_EQ(Excerpt(many), expected.substr(0, 64) + "...");
}

// The value that crashed the server: its excerpt once serialized all of it,
// recursively, before the cut.
TEST(ExcerptTest, AValueOfAnyDepthGivesItsFirstLevels) {
  Json deep = Json::array();
  for (int i = 0; i < 100000; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(deep));
    deep = std::move(outer);
  }
  EXPECT_EQ(Excerpt(deep), std::string(64, '[') + "...");

  Json objects = 1;
  for (int i = 0; i < 100000; ++i) {
    Json outer = Json::object();
    outer["key"] = std::move(objects);
    objects = std::move(outer);
  }
  std::string expected;
  while (expected.size() < 64) expected += "{\"key\":";
  EXPECT_EQ(Excerpt(objects), expected.substr(0, 64) + "...");
}

TEST(ExcerptTest, UnreadableTextIsNamed) {
  const auto parsed = Parse("[\"\xE9\"]");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Excerpt(*parsed), "[(text that is not UTF-8)]");
}

}  // namespace
}  // namespace gong::upstream::internal::json
