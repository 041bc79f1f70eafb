// Tests of `GET /v2/flows/folders` and `POST /v2/flows/steps` over a real
// socket: who sees which folders, the parent filter, paging with the
// cursor (one list's cursor refused by another), the answer's shape (the
// flow listing's, as Gong's specification gives it), the steps of flows in
// request order, the 404 for an unknown flow, assign's step overrides
// agreeing with the steps, faults applying to both, and the demo company.
#include <set>
#include <string>
#include <vector>

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
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kStepsPath[] = "/v2/flows/steps";

SandboxFolder TestFolder(std::string id, std::string parent, FlowVisibility visibility,
                         std::string owner, std::string workspace = "w1") {
  SandboxFolder folder;
  folder.name = "Folder " + id;
  folder.id = std::move(id);
  folder.parent_id = std::move(parent);
  folder.visibility = visibility;
  folder.owner_email = std::move(owner);
  folder.workspace_id = std::move(workspace);
  folder.creation_date = At(1, 5);
  return folder;
}

// The test company with folders:
//   1 Company ana        2 Personal ana (in 1)    3 Personal bob (in 1)
//   4 Shared bob (in 2)  5 Company carol, w2
Options WithFolders(int page_size = 100) {
  using V = FlowVisibility;
  Options options = TestCompany();
  options.folders = {
      TestFolder("1", "", V::kCompany, kAna), TestFolder("2", "1", V::kPersonal, kAna),
      TestFolder("3", "1", V::kPersonal, kBob), TestFolder("4", "2", V::kShared, kBob),
      TestFolder("5", "", V::kCompany, kCarol, "w2")};
  options.page_size = page_size;
  return options;
}

class SandboxFoldersStepsTest : public FlowsTest {
 protected:
  httplib::Result GetFolders(const std::string& query) const {
    httplib::Headers headers = {{"Authorization", kBasicAuth}};
    return NewClient()->Get("/v2/flows/folders?" + query, headers);
  }
  std::vector<std::string> FolderIds(const std::string& query) const {
    return Strings(Ok(GetFolders(query))["flows"], "id");
  }
  json Steps(const std::vector<std::string>& ids) const {
    return Ok(PostJson(kStepsPath, json{{"flowIds", ids}}));
  }
};

TEST_F(SandboxFoldersStepsTest, OwnersSeeCompanySharedAndTheirOwnPersonalFolders) {
  StartSandbox(WithFolders());
  EXPECT_THAT(FolderIds("flowFolderOwnerEmail=ana@example.com"),
              ElementsAre("1", "2", "4", "5"));
  EXPECT_THAT(FolderIds("flowFolderOwnerEmail=BOB@example.com"),
              ElementsAre("1", "3", "4", "5"));
  EXPECT_THAT(FolderIds("flowFolderOwnerEmail=ana@example.com&workspaceId=w2"),
              ElementsAre("5"));
}

TEST_F(SandboxFoldersStepsTest, AParentIsListedWithTheFoldersInIt) {
  StartSandbox(WithFolders());
  EXPECT_THAT(FolderIds("flowFolderOwnerEmail=ana@example.com&parentId=1"),
              ElementsAre("1", "2"));
  EXPECT_THAT(FolderIds("flowFolderOwnerEmail=bob@example.com&parentId=1"),
              ElementsAre("1", "3"));
  EXPECT_THAT(FolderIds("flowFolderOwnerEmail=ana@example.com&parentId=99"), IsEmpty());
}

TEST_F(SandboxFoldersStepsTest, AnswersInTheFlowListingsShape) {
  StartSandbox(WithFolders());
  const json body = Ok(GetFolders("flowFolderOwnerEmail=ana@example.com&parentId=2"));
  EXPECT_EQ(
      body["records"],
      json({{"totalRecords", 2}, {"currentPageSize", 2}, {"currentPageNumber", 0}}));
  ASSERT_EQ(body["flows"].size(), 2u);
  EXPECT_EQ(body["flows"][0], json({{"id", "2"},
                                    {"name", "Folder 2"},
                                    {"visibility", "Personal"},
                                    {"folderId", "1"},
                                    {"folderName", "Folder 1"},
                                    {"creationDate", "2024-01-05T12:00:00-08:00"}}));
  EXPECT_EQ(body["flows"][1]["visibility"], "Shared");
  // A top folder names no parent.
  const json top = Ok(GetFolders("flowFolderOwnerEmail=ana@example.com&parentId=5"));
  EXPECT_FALSE(top["flows"][0].contains("folderId"));
}

TEST_F(SandboxFoldersStepsTest, PagesThroughEveryFolderOnceAndRefusesOtherCursors) {
  StartSandbox(WithFolders(/*page_size=*/3));
  const std::string query = "flowFolderOwnerEmail=ana@example.com";
  const json first = Ok(GetFolders(query));
  EXPECT_THAT(Strings(first["flows"], "id"), ElementsAre("1", "2", "4"));
  ASSERT_TRUE(first["records"].contains("cursor"));
  const std::string cursor = first["records"]["cursor"];
  const json second = Ok(GetFolders(absl::StrCat(query, "&cursor=", cursor)));
  EXPECT_THAT(Strings(second["flows"], "id"), ElementsAre("5"));
  EXPECT_FALSE(second["records"].contains("cursor"));
  EXPECT_EQ(second["records"]["totalRecords"], 4);
  // With other filters, or on the flow listing, the cursor is refused.
  EXPECT_THAT(ExpectError(GetFolders(absl::StrCat(
                              "flowFolderOwnerEmail=bob@example.com&cursor=", cursor)),
                          400),
              HasSubstr("another"));
  ExpectError(GetFlows(absl::StrCat("flowOwnerEmail=ana@example.com&cursor=", cursor)),
              400);
}

TEST_F(SandboxFoldersStepsTest, RefusesBadFolderQueriesWith400) {
  StartSandbox(WithFolders());
  for (const std::string query : {
           "",
           "flowOwnerEmail=ana@example.com",
           "flowFolderOwnerEmail=",
           "flowFolderOwnerEmail=ana@example.com&parentId=x",
           "flowFolderOwnerEmail=ana@example.com&parentId=1&parentId=2",
           "flowFolderOwnerEmail=ana@example.com&cursor=nonsense",
       }) {
    SCOPED_TRACE(query);
    ExpectError(GetFolders(query), 400);
  }
}

TEST_F(SandboxFoldersStepsTest, SeedsThatContradictThemselvesAreRefused) {
  Options repeated = WithFolders();
  repeated.folders.push_back(repeated.folders.front());
  EXPECT_FALSE(SandboxGong(repeated).Start().ok());
  Options orphan = WithFolders();
  orphan.folders.push_back(TestFolder("9", "404", FlowVisibility::kCompany, kAna));
  EXPECT_FALSE(SandboxGong(orphan).Start().ok());
}

TEST_F(SandboxFoldersStepsTest, StepsOfEachFlowInRequestOrder) {
  StartSandbox(TestCompany());
  const json body = Steps({"15", "11", "15"});
  ASSERT_EQ(body["flows"].size(), 2u);  // a repeated id counts once
  EXPECT_EQ(body["flows"][0]["id"], "15");
  const json& flow = body["flows"][1];
  EXPECT_EQ(flow["id"], "11");
  EXPECT_EQ(flow["name"], "Flow 11");
  EXPECT_EQ(flow["folderId"], "f1");
  EXPECT_EQ(flow["visibility"], "Company");
  EXPECT_EQ(flow["exclusive"], true);
  EXPECT_EQ(flow["creationDate"], "2024-01-10T12:00:00-08:00");
  EXPECT_EQ(flow["steps"], json::parse(R"([
      {"id": "111", "stepOrder": 1, "action": "SEND_EMAIL", "subject": "Hi",
       "body": "Hello", "isReply": false},
      {"id": "112", "stepOrder": 2, "action": "CALL", "subject": "", "body": "",
       "isReply": false}])"));
}

TEST_F(SandboxFoldersStepsTest, OneUnknownFlowFailsTheWholeRequestWith404) {
  StartSandbox(TestCompany());
  EXPECT_THAT(ExpectError(PostJson(kStepsPath, json{{"flowIds", {"11", "99"}}}), 404),
              HasSubstr("99"));
}

TEST_F(SandboxFoldersStepsTest, RefusesBadStepsBodiesWith400) {
  StartSandbox(TestCompany());
  std::vector<std::string> too_many;
  for (int i = 0; i < 21; ++i) too_many.push_back(absl::StrCat(i));
  for (const std::string& body :
       {std::string("nope"), std::string("{}"), json{{"flowIds", json::array()}}.dump(),
        json{{"flowIds", too_many}}.dump(), json{{"flowIds", {1.5}}}.dump()}) {
    SCOPED_TRACE(body);
    ExpectError(PostTo(kStepsPath, body), 400);
  }
}

TEST_F(SandboxFoldersStepsTest, AssignTakesOverridesOfTheFlowsStepsOnly) {
  StartSandbox(TestCompany());
  auto assign = [&](const std::string& crm_id, std::vector<int> numbers) {
    json steps = json::array();
    for (int n : numbers) steps.push_back({{"number", n}, {"subject", "s"}});
    return Ok(PostJson(kAssignPath, json{{"crmProspectsIds", {crm_id}},
                                         {"flowId", "12"},
                                         {"flowInstanceOwnerEmail", kAna},
                                         {"overrides", {{"steps", steps}}}}));
  };
  EXPECT_THAT(assign("q1", {1, 2})["prospectsAssigned"], SizeIs(1));
  const json refused = assign("q2", {1, 3});
  EXPECT_THAT(refused["prospectsAssigned"], IsEmpty());
  ASSERT_THAT(refused["prospectsNotAssigned"], SizeIs(1));
  EXPECT_EQ(refused["prospectsNotAssigned"][0]["errorCode"], "InvalidArgument");
  EXPECT_THAT(refused["prospectsNotAssigned"][0]["errorMessage"].get<std::string>(),
              HasSubstr("no step 3"));
  EXPECT_THAT(ByCrmIds({"q2"}), IsEmpty());
}

TEST_F(SandboxFoldersStepsTest, FaultsApplyToBothEndpoints) {
  Options options = WithFolders();
  options.behavior.force_status = 503;
  StartSandbox(options);
  ExpectError(GetFolders("flowFolderOwnerEmail=ana@example.com"), 503);
  ExpectError(PostJson(kStepsPath, json{{"flowIds", {"11"}}}), 503);
}

TEST_F(SandboxFoldersStepsTest, TheDemoCompanyHasNestedFoldersAndStepsOfEveryAction) {
  Options options;
  SeedDemoCompany(&options);
  StartSandbox(options);
  EXPECT_THAT(FolderIds("flowFolderOwnerEmail=ana@example.com"), SizeIs(7));
  EXPECT_THAT(FolderIds("flowFolderOwnerEmail=chen@example.com"), SizeIs(6));
  std::vector<std::string> flow_ids;
  for (const SandboxFlow& flow : options.flows) flow_ids.push_back(flow.id);
  const json body = Steps(flow_ids);
  std::set<std::string> actions;
  for (const json& flow : body["flows"]) {
    ASSERT_GE(flow["steps"].size(), 2u);
    int expected = 1;
    for (const json& step : flow["steps"]) {
      EXPECT_EQ(step["stepOrder"], expected++);
      actions.insert(step["action"].get<std::string>());
    }
  }
  EXPECT_THAT(actions, SizeIs(6));
}

}  // namespace
}  // namespace gong::sandbox
