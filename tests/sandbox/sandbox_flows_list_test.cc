// Tests of `GET /v2/flows` over a real socket: who sees which flows, the
// filters, paging with the cursor, and mostRecentlyAssigned. The test
// company is TestCompany() in sandbox_flows_test_util.h.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_flows.h"
#include "sandbox/sandbox_flows_test_util.h"
#include "sandbox/sandbox_gong.h"

namespace gong::sandbox {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

class SandboxFlowsListTest : public FlowsTest {
 protected:
  // A company whose lists fit one page, unless a test wants paging.
  static Options OnePage() {
    Options options = TestCompany();
    options.page_size = 100;
    return options;
  }

  std::vector<std::string> ListIds(const std::string& query) const {
    return Strings(Ok(GetFlows(query))["flows"], "id");
  }
};

TEST_F(SandboxFlowsListTest, OwnersSeeCompanySharedAndTheirOwnPersonalFlows) {
  StartSandbox(OnePage());
  EXPECT_THAT(ListIds("flowOwnerEmail=ana@example.com"),
              ElementsAre("11", "12", "13", "15", "16"));
  EXPECT_THAT(ListIds("flowOwnerEmail=bob@example.com"),
              ElementsAre("11", "12", "14", "15", "16"));
  EXPECT_THAT(ListIds("flowOwnerEmail=carol@example.com"),
              ElementsAre("11", "12", "15", "16"));
  EXPECT_THAT(ListIds("flowOwnerEmail=nobody@example.com"),
              ElementsAre("11", "12", "15", "16"));
  // An address's case does not make it another user.
  EXPECT_THAT(ListIds("flowOwnerEmail=ANA@Example.com"),
              ElementsAre("11", "12", "13", "15", "16"));
}

TEST_F(SandboxFlowsListTest, AnswersEveryFieldOfAFlowAndTheRecords) {
  StartSandbox(OnePage());
  const json body = Ok(GetFlows("flowOwnerEmail=ana@example.com&folderId=f1"));
  EXPECT_EQ(
      body["records"],
      json({{"totalRecords", 2}, {"currentPageSize", 2}, {"currentPageNumber", 0}}));
  ASSERT_EQ(body["flows"].size(), 2u);
  EXPECT_EQ(body["flows"][0], json({{"id", "11"},
                                    {"name", "Flow 11"},
                                    {"folderId", "f1"},
                                    {"folderName", "Folder f1"},
                                    {"visibility", "Company"},
                                    {"creationDate", "2024-01-10T12:00:00-08:00"},
                                    {"exclusive", true}}));
  EXPECT_EQ(body["flows"][1]["visibility"], "Personal");
  EXPECT_EQ(body["flows"][1]["exclusive"], false);
  EXPECT_EQ(
      Ok(GetFlows(
          "flowOwnerEmail=bob@example.com&workspaceId=w2"))["flows"][0]["visibility"],
      "Shared");
}

TEST_F(SandboxFlowsListTest, FiltersByWorkspaceAndFolder) {
  StartSandbox(OnePage());
  EXPECT_THAT(ListIds("flowOwnerEmail=ana@example.com&workspaceId=w2"),
              ElementsAre("15", "16"));
  EXPECT_THAT(ListIds("flowOwnerEmail=ana@example.com&workspaceId=w1&folderId=f2"),
              ElementsAre("12"));
  EXPECT_THAT(ListIds("flowOwnerEmail=bob@example.com&folderId=f1"),
              ElementsAre("11", "14"));
  EXPECT_THAT(ListIds("flowOwnerEmail=ana@example.com&workspaceId="),
              ElementsAre("11", "12", "13", "15", "16"));  // empty: no filter
  const json none = Ok(GetFlows("flowOwnerEmail=ana@example.com&folderId=nope"));
  EXPECT_THAT(none["flows"], IsEmpty());
  EXPECT_EQ(
      none["records"],
      json({{"totalRecords", 0}, {"currentPageSize", 0}, {"currentPageNumber", 0}}));
}

TEST_F(SandboxFlowsListTest, RefusesBadQueriesWith400) {
  StartSandbox(OnePage());
  for (const std::string query : {
           "",
           "workspaceId=w1",
           "flowOwnerEmail=",
           "flowOwnerEmail=ana@example.com&mostRecentlyAssigned=yes",
           "flowOwnerEmail=ana@example.com&mostRecentlyAssigned=TRUE",
           "flowOwnerEmail=ana@example.com&flowOwnerEmail=bob@example.com",
           "flowOwnerEmail=ana@example.com&folderId=f1&folderId=f2",
       }) {
    SCOPED_TRACE(query);
    ExpectError(GetFlows(query), 400);
  }
}

// Five flows three pages of two: the cursor leads through every flow once,
// totalRecords is the whole list's on every page, and the last page has no
// cursor.
TEST_F(SandboxFlowsListTest, PagesThroughEveryFlowOnceWithTheCursor) {
  Options options = TestCompany();
  options.page_size = 2;
  StartSandbox(options);
  const std::string query = "flowOwnerEmail=ana@example.com";
  std::vector<std::string> ids;
  std::vector<json> records;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    const json body =
        Ok(GetFlows(cursor.empty() ? query : absl::StrCat(query, "&cursor=", cursor)));
    for (const std::string& id : Strings(body["flows"], "id")) ids.push_back(id);
    records.push_back(body["records"]);
    if (!body["records"].contains("cursor")) break;
    cursor = body["records"]["cursor"].get<std::string>();
    ASSERT_FALSE(cursor.empty());
  }
  EXPECT_THAT(ids, ElementsAre("11", "12", "13", "15", "16"));
  ASSERT_EQ(records.size(), 3u);
  for (int page = 0; page < 3; ++page) {
    SCOPED_TRACE(page);
    EXPECT_EQ(records[page]["totalRecords"], 5);
    EXPECT_EQ(records[page]["currentPageNumber"], page);
    EXPECT_EQ(records[page]["currentPageSize"], page < 2 ? 2 : 1);
    EXPECT_EQ(records[page].contains("cursor"), page < 2);
  }
  // A cursor can be used again: it names a page, it is not consumed.
  EXPECT_THAT(
      Strings(Ok(GetFlows(absl::StrCat(query, "&cursor=", cursor)))["flows"], "id"),
      ElementsAre("16"));
}

TEST_F(SandboxFlowsListTest, RefusesCursorsItDidNotIssueForTheQuery) {
  Options options = TestCompany();
  options.page_size = 2;
  StartSandbox(options);
  const std::string bobs =
      Ok(GetFlows("flowOwnerEmail=bob@example.com"))["records"]["cursor"]
          .get<std::string>();
  const std::string anas =
      Ok(GetFlows("flowOwnerEmail=ana@example.com"))["records"]["cursor"]
          .get<std::string>();
  const std::string ana = "flowOwnerEmail=ana@example.com";
  for (const std::string& query : {
           absl::StrCat(ana, "&cursor=garbage!"),
           absl::StrCat(ana, "&cursor=abc"),
           absl::StrCat(ana, "&cursor=", anas.substr(0, anas.size() / 2)),
           absl::StrCat(ana, "&cursor=", bobs),
           absl::StrCat(ana, "&folderId=f1&cursor=", anas),
           absl::StrCat(ana, "&mostRecentlyAssigned=true&cursor=", anas),
           // What its cursors look like inside, for a page it never issues.
           absl::StrCat(
               ana, "&cursor=", absl::WebSafeBase64Escape("sbx1|0|ana@example.com|||0")),
       }) {
    SCOPED_TRACE(query);
    ExpectError(GetFlows(query), 400);
  }
}

TEST_F(SandboxFlowsListTest, MostRecentlyAssignedOrdersByNewestInstance) {
  StartSandbox(OnePage());
  const std::string ana = "flowOwnerEmail=ana@example.com";
  // Finished instances count (13's only one is); flows without any do not
  // (Bob's 14).
  EXPECT_THAT(ListIds(ana + "&mostRecentlyAssigned=true"),
              ElementsAre("16", "12", "15", "11", "13"));
  EXPECT_THAT(ListIds("flowOwnerEmail=bob@example.com&mostRecentlyAssigned=true"),
              ElementsAre("16", "12", "15", "11"));
  EXPECT_THAT(ListIds(ana + "&mostRecentlyAssigned=false"),
              ElementsAre("11", "12", "13", "15", "16"));
  // An assignment now makes its flow the most recent.
  ASSERT_EQ(AssignTo("11", {"p9"})["prospectsAssigned"].size(), 1u);
  EXPECT_THAT(ListIds(ana + "&mostRecentlyAssigned=true&workspaceId=w1"),
              ElementsAre("11", "12", "13"));
}

TEST_F(SandboxFlowsListTest, MostRecentlyAssignedGivesAtMostTwenty) {
  Options options;
  options.page_size = 50;
  std::vector<std::string> newest_first;
  for (int i = 1; i <= 25; ++i) {
    const std::string id = absl::StrCat(200 + i);
    options.flows.push_back(TestFlow(id, "f1", FlowVisibility::kCompany, kAna, "w1"));
    options.instances.push_back(TestInstance(absl::StrCat(id, "0"), id, "p" + id,
                                             FlowInstanceStatus::kRunning, At(6, i)));
    newest_first.insert(newest_first.begin(), id);
  }
  newest_first.resize(20);
  StartSandbox(options);
  const json body =
      Ok(GetFlows("flowOwnerEmail=ana@example.com&mostRecentlyAssigned=true"));
  EXPECT_THAT(Strings(body["flows"], "id"), ElementsAreArray(newest_first));
  EXPECT_EQ(body["records"]["totalRecords"], 20);
  EXPECT_FALSE(body["records"].contains("cursor"));
  EXPECT_EQ(Ok(GetFlows("flowOwnerEmail=ana@example.com"))["records"]["totalRecords"],
            25);
}

TEST_F(SandboxFlowsListTest, MostRecentlyAssignedPagesToo) {
  Options options = TestCompany();
  options.page_size = 2;
  StartSandbox(options);
  const std::string query = "flowOwnerEmail=ana@example.com&mostRecentlyAssigned=true";
  const json first = Ok(GetFlows(query));
  EXPECT_THAT(Strings(first["flows"], "id"), ElementsAre("16", "12"));
  const std::string cursor = first["records"]["cursor"].get<std::string>();
  const json second = Ok(GetFlows(absl::StrCat(query, "&cursor=", cursor)));
  EXPECT_THAT(Strings(second["flows"], "id"), ElementsAre("15", "11"));
  EXPECT_EQ(second["records"]["currentPageNumber"], 1);
}

TEST_F(SandboxFlowsListTest, TheDefaultFlowIsListedOnceIdsAreAssigned) {
  StartSandbox(OnePage());
  EXPECT_THAT(ListIds("flowOwnerEmail=ana@example.com&folderId=9000000000000000002"),
              IsEmpty());
  sandbox_->Assign({"1"});
  EXPECT_THAT(ListIds("flowOwnerEmail=ana@example.com&folderId=9000000000000000002"),
              ElementsAre(kDefaultFlowId));
}

}  // namespace
}  // namespace gong::sandbox
