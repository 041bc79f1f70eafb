// Unit tests for the listings' page tokens (server/api/page_token.h): a token
// carries Gong's cursor back only under the filters it was issued for.
#include "api/page_token.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::api::internal {
namespace {

using ::testing::HasSubstr;

upstream::ListFlowsParams Filters() {
  upstream::ListFlowsParams query;
  query.flow_owner_email = "ana@example.com";
  query.workspace_id = "61";
  return query;
}

TEST(PageTokenTest, GivesBackTheCursorUnderTheSameFilters) {
  const std::string token = EncodePageToken(Filters(), "gong-cursor/+=1").value();
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(DecodePageToken(token, Filters()).value(), "gong-cursor/+=1");
}

TEST(PageTokenTest, TheQuerysOwnCursorDoesNotMatter) {
  upstream::ListFlowsParams with_cursor = Filters();
  with_cursor.cursor = "page-2";
  const std::string token = EncodePageToken(with_cursor, "page-3").value();
  EXPECT_EQ(DecodePageToken(token, Filters()).value(), "page-3");
}

// A token is read by whichever replica gets the next call, and by the next
// release: its fingerprint is a fixed function of the filters, not a hash
// salted per process. This one was written once, by hand.
TEST(PageTokenTest, ATokenFromAnotherProcessStillReads) {
  EXPECT_EQ(
      DecodePageToken("eyJjIjoiYWJjIiwiZiI6IjllZjM0ZmVjYzNlMTZkYWYiLCJ2IjoxfQ", Filters())
          .value(),
      "abc");
}

TEST(PageTokenTest, NoCursorNoToken) {
  EXPECT_EQ(EncodePageToken(Filters(), "").value(), "");
}

TEST(PageTokenTest, TheTokenIsUrlSafeText) {
  const std::string token = EncodePageToken(Filters(), std::string(200, '/')).value();
  EXPECT_EQ(token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(PageTokenTest, EachFilterChangeIsRefused) {
  const std::string token = EncodePageToken(Filters(), "c").value();
  upstream::ListFlowsParams other = Filters();
  other.flow_owner_email = "bruno@example.com";
  EXPECT_THAT(DecodePageToken(token, other).status().message(),
              HasSubstr("other filters"));
  other = Filters();
  other.workspace_id = "";
  EXPECT_FALSE(DecodePageToken(token, other).ok());
  other = Filters();
  other.folder_id = "9";
  EXPECT_FALSE(DecodePageToken(token, other).ok());
  other = Filters();
  other.most_recently_assigned = true;
  EXPECT_FALSE(DecodePageToken(token, other).ok());
}

// Length-prefixing keeps filters from running into each other.
TEST(PageTokenTest, FiltersDoNotBleedIntoEachOther) {
  upstream::ListFlowsParams a;
  a.flow_owner_email = "a@b";
  a.workspace_id = "12";
  upstream::ListFlowsParams b;
  b.flow_owner_email = "a@b1";
  b.workspace_id = "2";
  EXPECT_FALSE(DecodePageToken(EncodePageToken(a, "c").value(), b).ok());
}

TEST(PageTokenTest, WhatIsNotOneOfOursIsRefused) {
  for (const std::string& token :
       {std::string("not base64!"), absl::WebSafeBase64Escape("plain text"),
        absl::WebSafeBase64Escape("{\"v\":2,\"f\":\"x\",\"c\":\"c\"}"),
        absl::WebSafeBase64Escape("{\"v\":1,\"c\":\"c\"}"),
        absl::WebSafeBase64Escape("{\"v\":1,\"f\":\"x\",\"c\":\"\"}"),
        // Gong's raw cursor passed where our token belongs.
        std::string("eyJwYWdlIjoyfQ")}) {
    const auto decoded = DecodePageToken(token, Filters());
    EXPECT_FALSE(decoded.ok()) << token;
    EXPECT_THAT(decoded.status().message(), HasSubstr("not a page token")) << token;
  }
}

// Gong documents no bound on its cursors: any up to kMaxCursorBytes (at
// least the 4 KiB the API promises) rides a token and comes back whole.
TEST(PageTokenTest, LongCursorsRoundTrip) {
  static_assert(kMaxCursorBytes >= 4 * 1024);
  for (size_t size : {size_t{1025}, size_t{4 * 1024}, kMaxCursorBytes}) {
    SCOPED_TRACE(size);
    std::string cursor(size, 'c');
    cursor.front() = '/';
    cursor.back() = '=';
    const absl::StatusOr<std::string> token = EncodePageToken(Filters(), cursor);
    ASSERT_TRUE(token.ok()) << token.status();
    EXPECT_EQ(DecodePageToken(*token, Filters()).value(), cursor);
  }
}

// The longest token there can be: every byte of the longest cursor is one
// that JSON writes as \u00XX.
TEST(PageTokenTest, TheWorstCursorStillFitsTheTokenBound) {
  const std::string cursor(kMaxCursorBytes, '\x01');
  const absl::StatusOr<std::string> token = EncodePageToken(Filters(), cursor);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_LE(token->size(), kMaxPageTokenBytes);
  EXPECT_EQ(DecodePageToken(*token, Filters()).value(), cursor);
}

// Past the bound no token is made (ListFlows then answers INTERNAL), so the
// facade never hands out a token it would refuse.
TEST(PageTokenTest, ACursorPastTheBoundGetsNoToken) {
  const absl::StatusOr<std::string> token =
      EncodePageToken(Filters(), std::string(kMaxCursorBytes + 1, 'c'));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(token.status().message(),
              HasSubstr(absl::StrCat(kMaxCursorBytes + 1, " bytes, over the ",
                                     kMaxCursorBytes, " bytes a page token carries")));
}

// A token longer than any we make is not ours, and is refused unread.
TEST(PageTokenTest, ATokenPastTheBoundIsRefused) {
  const std::string token = EncodePageToken(Filters(), "c").value();
  const auto decoded =
      DecodePageToken(token + std::string(kMaxPageTokenBytes, 'A'), Filters());
  EXPECT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("not a page token"));
}

// --- ListFlowFolders' tokens ------------------------------------------------

upstream::ListFlowFoldersParams FolderFilters() {
  upstream::ListFlowFoldersParams query;
  query.owner_email = "ana@example.com";
  query.workspace_id = "61";
  query.parent_folder_id = "7000000000000000101";
  return query;
}

TEST(FolderPageTokenTest, GivesBackTheCursorUnderTheSameFilters) {
  const std::string token = EncodePageToken(FolderFilters(), "gong-cursor").value();
  EXPECT_EQ(DecodePageToken(token, FolderFilters()).value(), "gong-cursor");
  EXPECT_EQ(EncodePageToken(FolderFilters(), "").value(), "");
}

TEST(FolderPageTokenTest, EachFilterChangeIsRefused) {
  const std::string token = EncodePageToken(FolderFilters(), "c").value();
  for (auto change : std::vector<void (*)(upstream::ListFlowFoldersParams*)>{
           [](upstream::ListFlowFoldersParams* q) { q->owner_email = "bo@example.com"; },
           [](upstream::ListFlowFoldersParams* q) { q->workspace_id = ""; },
           [](upstream::ListFlowFoldersParams* q) { q->parent_folder_id = "1"; }}) {
    upstream::ListFlowFoldersParams other = FolderFilters();
    change(&other);
    const auto decoded = DecodePageToken(token, other);
    ASSERT_FALSE(decoded.ok());
    EXPECT_THAT(decoded.status().message(), HasSubstr("parent_folder_id"));
  }
}

// Each listing's tokens are its own, even where the filters' texts would
// fingerprint alike: ListFlows refuses a folders' token and the other way
// round, as not one of theirs.
TEST(FolderPageTokenTest, NeitherListingReadsTheOthersToken) {
  upstream::ListFlowsParams flows;
  flows.flow_owner_email = "ana@example.com";
  upstream::ListFlowFoldersParams folders;
  folders.owner_email = "ana@example.com";

  const std::string flows_token = EncodePageToken(flows, "c").value();
  const std::string folders_token = EncodePageToken(folders, "c").value();
  const auto as_folders = DecodePageToken(flows_token, folders);
  ASSERT_FALSE(as_folders.ok());
  EXPECT_THAT(as_folders.status().message(),
              HasSubstr("not a page token of ListFlowFolders"));
  const auto as_flows = DecodePageToken(folders_token, flows);
  ASSERT_FALSE(as_flows.ok());
  EXPECT_THAT(as_flows.status().message(), HasSubstr("not a page token of ListFlows"));
}

TEST(FolderPageTokenTest, TheLongestCursorFitsTheBound) {
  const std::string cursor(kMaxCursorBytes, '\x01');
  const absl::StatusOr<std::string> token = EncodePageToken(FolderFilters(), cursor);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_LE(token->size(), kMaxPageTokenBytes);
  EXPECT_EQ(DecodePageToken(*token, FolderFilters()).value(), cursor);
  EXPECT_FALSE(
      EncodePageToken(FolderFilters(), std::string(kMaxCursorBytes + 1, 'c')).ok());
}

}  // namespace
}  // namespace gong::api::internal
