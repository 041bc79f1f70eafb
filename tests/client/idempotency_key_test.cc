// Unit tests for the CLI's idempotency keys (client/idempotency_key.h): the
// same run and call give the same key, anything else another; every key is
// one the facade takes (1 to 255 printable ASCII characters), however odd
// the ids and parameters; a resumed run finds its run id in a key.
#include "idempotency_key.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::cli {
namespace {

using ::testing::MatchesRegex;

std::vector<std::string> Ids(int count, int first = 1000) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(first + i));
  return ids;
}

TEST(IdempotencyKeyTest, TheSameRunAndCallGiveTheSameKey) {
  const std::string run = NewRunId();
  EXPECT_EQ(ChunkKey(run, "assign", {"71", "ana@example.com", ""}, Ids(100)),
            ChunkKey(run, "assign", {"71", "ana@example.com", ""}, Ids(100)));
}

TEST(IdempotencyKeyTest, AnyOtherRunOrCallGivesAnotherKey) {
  const std::string run = NewRunId();
  const std::vector<std::string> params = {"71", "ana@example.com", ""};
  const std::string key = ChunkKey(run, "assign", params, Ids(100));
  const std::vector<std::string> others = {
      ChunkKey(NewRunId(), "assign", params, Ids(100)),                  // a new run
      ChunkKey(run, "assign", params, Ids(100, 1001)),                   // other ids
      ChunkKey(run, "assign", params, Ids(99)),                          // fewer
      ChunkKey(run, "assign", {"72", "ana@example.com", ""}, Ids(100)),  // flow
      ChunkKey(run, "assign", {"71", "bob@example.com", ""}, Ids(100)),  // owner
      ChunkKey(run, "unassign", params, Ids(100)),                       // command
  };
  for (const std::string& other : others) EXPECT_NE(other, key);
  // The order of the ids is the request's: another order is another call.
  std::vector<std::string> reversed = Ids(3);
  std::swap(reversed.front(), reversed.back());
  EXPECT_NE(ChunkKey(run, "unassign", {""}, Ids(3)),
            ChunkKey(run, "unassign", {""}, reversed));
}

TEST(IdempotencyKeyTest, FieldsAreNotReadAcrossTheirBoundaries) {
  const std::string run = NewRunId();
  // Concatenated, each pair reads alike; length-prefixed, they do not.
  EXPECT_NE(ChunkKey(run, "unassign", {""}, {"ab", "c"}),
            ChunkKey(run, "unassign", {""}, {"a", "bc"}));
  EXPECT_NE(ChunkKey(run, "unassign-crm", {"1", ""}, {"2"}),
            ChunkKey(run, "unassign-crm", {"", "1"}, {"2"}));
  EXPECT_NE(ChunkKey(run, "unassign", {"x"}, {}), ChunkKey(run, "unassign", {}, {"x"}));
}

TEST(IdempotencyKeyTest, RunIdsAreNewEachTime) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string run = NewRunId();
    EXPECT_THAT(run, MatchesRegex("[0-9a-f]{32}"));
    EXPECT_TRUE(seen.insert(run).second) << run;
  }
}

TEST(IdempotencyKeyTest, KeysAreValidAndOfOneShapeWhateverTheContent) {
  const std::string run = NewRunId();
  std::string odd;
  for (int c = 0; c < 256; ++c) odd += static_cast<char>(c);
  const std::vector<std::vector<std::string>> contents = {
      {}, {""}, {odd}, {std::string(100000, 'x')}, Ids(5000)};
  for (const auto& ids : contents) {
    const std::string key =
        ChunkKey(run, "assign", {odd, "", std::string(1 << 20, 'y')}, ids);
    EXPECT_TRUE(IsValidIdempotencyKey(key)) << key;
    EXPECT_LE(key.size(), kMaxIdempotencyKeyLength);
    EXPECT_THAT(key, MatchesRegex("gong-flows-cli/[0-9a-f]{32}/[0-9a-f]{32}"));
  }
}

TEST(IdempotencyKeyTest, AResumeFindsTheRunIdInAKey) {
  const std::string run = NewRunId();
  EXPECT_EQ(RunIdOfKey(ChunkKey(run, "unassign", {""}, Ids(2))), run);
}

TEST(IdempotencyKeyTest, AKeyOfAnotherShapeHasNoRunId) {
  for (const char* key :
       {"", "gong-flows-cli/", "gong-flows-cli//abc", "gong-flows-cli/abc",
        "other/0123456789abcdef/abc", "gong-flows-cli/not hex/abc",
        "gong-flows-cli/0123456789abcdef0123456789abcdef0/abc"}) {
    EXPECT_EQ(RunIdOfKey(key), "") << key;
  }
}

TEST(IdempotencyKeyTest, ValidKeysAreOneTo255PrintableAsciiCharacters) {
  EXPECT_TRUE(IsValidIdempotencyKey("a"));
  EXPECT_TRUE(IsValidIdempotencyKey(" ~"));
  EXPECT_TRUE(IsValidIdempotencyKey(std::string(255, 'k')));
  EXPECT_FALSE(IsValidIdempotencyKey(""));
  EXPECT_FALSE(IsValidIdempotencyKey(std::string(256, 'k')));
  EXPECT_FALSE(IsValidIdempotencyKey("tab\there"));
  EXPECT_FALSE(IsValidIdempotencyKey("new\nline"));
  EXPECT_FALSE(IsValidIdempotencyKey("\x7f"));
  EXPECT_FALSE(IsValidIdempotencyKey("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidIdempotencyKey(std::string("nul\0", 4)));
}

}  // namespace
}  // namespace gong::cli
