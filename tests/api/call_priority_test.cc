// A call's x-gong-flows-priority as the facade reads it
// (server/api/call_priority.h): absent is interactive; the two names,
// exactly, once or repeated alike, are theirs; anything else (another
// value, another case, a long value, two that disagree) is refused.
#include "api/call_priority.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace gong::api {
namespace {

using upstream::Priority;

// Metadata as gRPC hands it over: string_refs into strings that outlive it.
class Metadata {
 public:
  explicit Metadata(std::vector<std::pair<std::string, std::string>> entries)
      : entries_(std::move(entries)) {
    for (const auto& [key, value] : entries_) map_.emplace(key, value);
  }
  const std::multimap<grpc::string_ref, grpc::string_ref>& map() const { return map_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::multimap<grpc::string_ref, grpc::string_ref> map_;
};

std::optional<Priority> Read(std::vector<std::pair<std::string, std::string>> entries) {
  return ReadCallPriority(Metadata(std::move(entries)).map());
}

TEST(CallPriorityTest, WithoutTheHeaderACallIsInteractive) {
  EXPECT_EQ(Read({}), Priority::kInteractive);
  EXPECT_EQ(Read({{"x-request-id", "background"}, {"authorization", "Bearer t"}}),
            Priority::kInteractive);
}

TEST(CallPriorityTest, TheTwoNamesAreTheirPriorities) {
  EXPECT_EQ(Read({{"x-gong-flows-priority", "interactive"}}), Priority::kInteractive);
  EXPECT_EQ(Read({{"x-gong-flows-priority", "background"}}), Priority::kBackground);
  // The same value twice says the same thing.
  EXPECT_EQ(Read({{"x-gong-flows-priority", "background"},
                  {"x-gong-flows-priority", "background"}}),
            Priority::kBackground);
}

TEST(CallPriorityTest, AnythingElseIsRefused) {
  const std::vector<std::string> invalid = {
      "",
      "urgent",
      "low",
      "Background",
      "INTERACTIVE",
      " background",
      "background ",
      "background\t",
      "back ground",
      std::string("background\0", 11),
      "interactive,background",  // a proxy joining two headers
      "background;q=1",
      "\xc3\xa9",
      std::string(33, 'b'),
      absl::StrCat("background", std::string(100000, ' ')),
  };
  for (const std::string& value : invalid) {
    SCOPED_TRACE(
        absl::StrCat("\"", value.substr(0, 40), "\" (", value.size(), " bytes)"));
    EXPECT_EQ(Read({{"x-gong-flows-priority", value}}), std::nullopt);
  }
}

TEST(CallPriorityTest, TwoValuesThatDisagreeAreRefusedInEitherOrder) {
  EXPECT_EQ(Read({{"x-gong-flows-priority", "interactive"},
                  {"x-gong-flows-priority", "background"}}),
            std::nullopt);
  EXPECT_EQ(Read({{"x-gong-flows-priority", "background"},
                  {"x-gong-flows-priority", "interactive"}}),
            std::nullopt);
  // A bad value beside a good one is no less bad.
  EXPECT_EQ(Read({{"x-gong-flows-priority", "background"},
                  {"x-gong-flows-priority", "urgent"}}),
            std::nullopt);
}

TEST(CallPriorityTest, ThousandsOfRepeatsAreReadAndOneDissentRefusesThem) {
  std::vector<std::pair<std::string, std::string>> entries(
      5000, {"x-gong-flows-priority", "background"});
  EXPECT_EQ(Read(entries), Priority::kBackground);
  entries.emplace_back("x-gong-flows-priority", "interactive");
  EXPECT_EQ(Read(entries), std::nullopt);
}

TEST(CallPriorityTest, NamesAreTheHeadersValues) {
  EXPECT_EQ(PriorityName(Priority::kInteractive), "interactive");
  EXPECT_EQ(PriorityName(Priority::kBackground), "background");
  EXPECT_EQ(kPriorityHeader, "x-gong-flows-priority");
}

}  // namespace
}  // namespace gong::api
