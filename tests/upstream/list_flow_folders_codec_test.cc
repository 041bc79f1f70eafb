// Unit tests for the folder listing's codec
// (server/upstream/list_flow_folders_codec.h): the GET the facade sends
// (the owner always, the rest only when set) and the pages it reads, leniently:
// the folders under `flows` (the specification's name) or `folders`, the
// parent from parentId or else folderId, ids kept digit for digit, and
// malformed bodies refused by name.
#include "upstream/list_flow_folders_codec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::upstream {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;

constexpr char kLastPage[] =
    R"({"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0})";

std::string Page(const std::string& array_name, const std::string& folders,
                 const std::string& records = kLastPage) {
  return R"({"requestId": "req-1", "records": )" + records + R"(, ")" + array_name +
         R"(": )" + folders + "}";
}

TEST(EncodeListFlowFoldersTest, IsAnIdempotentGetWithTheOwnerAlways) {
  ListFlowFoldersParams query;
  const absl::Time deadline = absl::FromUnixSeconds(1'700'000'000);
  const GongRequest gong = EncodeListFlowFolders(query, deadline);
  EXPECT_EQ(gong.method, "GET");
  EXPECT_EQ(gong.path, "/v2/flows/folders");
  EXPECT_EQ(gong.json_body, "");
  EXPECT_EQ(gong.deadline, deadline);
  EXPECT_EQ(gong.idempotency, Idempotency::kIdempotent);
  // Even empty, so that Gong's 400 would say so.
  EXPECT_THAT(gong.query, ElementsAre(Pair("flowFolderOwnerEmail", "")));
}

TEST(EncodeListFlowFoldersTest, SendsEveryParameterThatIsSet) {
  ListFlowFoldersParams query;
  query.owner_email = "ann@example.com";
  query.workspace_id = "5551234";
  query.parent_folder_id = "9007199254740993";
  query.cursor = "c2J4MXwx";
  EXPECT_THAT(
      EncodeListFlowFolders(query, absl::InfiniteFuture()).query,
      ElementsAre(Pair("flowFolderOwnerEmail", "ann@example.com"),
                  Pair("workspaceId", "5551234"), Pair("parentId", "9007199254740993"),
                  Pair("cursor", "c2J4MXwx")));
}

TEST(DecodeListFlowFoldersTest, ReadsTheSpecificationsShapeUnderFlows) {
  const auto result = DecodeListFlowFoldersResponse(Page("flows", R"([{
      "id": 9007199254740993, "name": "Outbound", "visibility": "Shared",
      "folderId": "7000000000000000101", "folderName": "Top",
      "creationDate": "2024-03-05T10:20:30-08:00", "exclusive": false}])"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->request_id, "req-1");
  ASSERT_THAT(result->folders, SizeIs(1));
  const FlowFolder& folder = result->folders[0];
  EXPECT_EQ(folder.folder_id, "9007199254740993");  // every digit, no double
  EXPECT_EQ(folder.name, "Outbound");
  EXPECT_EQ(folder.visibility, FlowVisibility::kShared);
  EXPECT_EQ(folder.parent_folder_id, "7000000000000000101");
  EXPECT_EQ(folder.parent_folder_name, "Top");
  EXPECT_EQ(folder.create_time, absl::FromUnixSeconds(1709662830));
  EXPECT_EQ(result->next_cursor, "");
  EXPECT_EQ(result->total_records, 1);
  EXPECT_THAT(result->warnings, IsEmpty());
}

TEST(DecodeListFlowFoldersTest, ReadsFoldersAndPrefersParentIdOverFolderId) {
  const auto result = DecodeListFlowFoldersResponse(
      Page("folders", R"([{"id": "1", "name": "A", "visibility": "Company",
          "parentId": "2", "folderId": "3", "parentName": "B", "folderName": "C",
          "creationDate": "2024-03-05T18:20:30Z"}])"));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->folders, SizeIs(1));
  EXPECT_EQ(result->folders[0].parent_folder_id, "2");
  EXPECT_EQ(result->folders[0].parent_folder_name, "B");
  EXPECT_EQ(result->folders[0].visibility, FlowVisibility::kCompany);
}

TEST(DecodeListFlowFoldersTest, FoldersWinOverFlowsWhenBothAreThere) {
  const auto result = DecodeListFlowFoldersResponse(
      R"({"requestId": "r", "records": {}, "flows": [{"id": "9"}],
          "folders": [{"id": "1"}, {"id": "2"}]})");
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_THAT(result->folders, SizeIs(2));
  EXPECT_EQ(result->folders[0].folder_id, "1");
}

TEST(DecodeListFlowFoldersTest, ATopFolderHasNoParentAndUnknownVisibilityIsTolerated) {
  const auto result = DecodeListFlowFoldersResponse(
      Page("flows", R"([{"id": "1", "visibility": "Team", "parentId": null}])"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->folders[0].parent_folder_id, "");
  EXPECT_EQ(result->folders[0].visibility, FlowVisibility::kUnspecified);
  EXPECT_FALSE(result->folders[0].create_time.has_value());
}

TEST(DecodeListFlowFoldersTest, ReadsTheCursorOfTheNextPage) {
  const auto result = DecodeListFlowFoldersResponse(
      Page("flows", "[]",
           R"({"totalRecords": 45, "currentPageSize": 0, "currentPageNumber": 2,
          "cursor": "next-please"})"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->next_cursor, "next-please");
  EXPECT_EQ(result->total_records, 45);
  EXPECT_EQ(result->page_number, 2);
}

TEST(DecodeListFlowFoldersTest, OddOptionalFieldsAreEmptyWithWarnings) {
  const auto result = DecodeListFlowFoldersResponse(Page(
      "folders", R"([{"id": "1", "name": 5, "parentId": 1.5, "creationDate": "soon"}])"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->folders[0].name, "");
  EXPECT_EQ(result->folders[0].parent_folder_id, "");
  EXPECT_THAT(result->warnings, SizeIs(3));
}

TEST(DecodeListFlowFoldersTest, RefusesMalformedBodiesByName) {
  struct Case {
    std::string body;
    std::string names;
  };
  const Case cases[] = {
      {"not json", ""},
      {"[]", "not a JSON object"},
      {R"({"requestId": "r", "flows": []})", "records"},
      {R"({"requestId": "r", "records": {}})", "folders (or flows)"},
      {R"({"requestId": "r", "records": {}, "flows": {}})", "folders (or flows)"},
      {R"({"requestId": "r", "records": {"cursor": 7}, "flows": []})", "records.cursor"},
      {Page("flows", R"([{"name": "no id"}])"), "flows[0].id"},
      {Page("folders", R"([{"id": "1"}, 3])"), "folders[1]"},
      {Page("flows", R"([{"id": 1.0e20}])"), "flows[0].id"},
  };
  for (const Case& c : cases) {
    const auto result = DecodeListFlowFoldersResponse(c.body);
    EXPECT_FALSE(result.ok()) << c.body;
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(c.names)) << c.body;
  }
}

}  // namespace
}  // namespace gong::upstream
