// The sandbox's bulk assignment jobs over a real socket
// (sandbox_bulk_assignments.h): a start answers 202 with a PENDING job; each
// GET moves it on a step, assigning its prospects in the flows model (found
// by the lookup afterwards) until COMPLETED, or FAILED part-way when the
// behaviour says so; unknown jobs are 404; GETs are counted per job; the
// shared faults apply.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_flows_test_util.h"

namespace gong::sandbox {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kBulkPath[] = "/v2/flows/prospects/bulk-assignments";

json NewProspect(int i) {
  return {{"firstName", absl::StrCat("First", i)},
          {"lastName", "Last"},
          {"email", absl::StrCat("p", i, "@example.com")}};
}

json StartBody(const std::string& flow_id, const json& prospects) {
  return {
      {"flowId", flow_id}, {"flowInstanceOwnerEmail", kAna}, {"prospects", prospects}};
}

class BulkAssignmentsTest : public FlowsTest {
 protected:
  // Starts a job; returns its answer after checking the 202.
  json Start(const json& body) const {
    const httplib::Result result = PostJson(kBulkPath, body);
    EXPECT_TRUE(result) << "no answer";
    if (!result) return nullptr;
    EXPECT_EQ(result->status, 202) << result->body;
    return BodyJson(result);
  }
  httplib::Result GetJob(const std::string& id) const {
    httplib::Headers headers = {{"Authorization", kBasicAuth}};
    return NewClient()->Get(absl::StrCat(kBulkPath, "/", id), headers);
  }
  // GETs the job until it ends (at most `limit` GETs); returns every answer.
  std::vector<json> PollToEnd(const std::string& id, int limit = 60) const {
    std::vector<json> answers;
    for (int i = 0; i < limit; ++i) {
      answers.push_back(Ok(GetJob(id)));
      const std::string state = answers.back().value("status", "");
      if (state == "COMPLETED" || state == "FAILED") break;
    }
    return answers;
  }
};

TEST_F(BulkAssignmentsTest, AJobStartsPendingAndCompletesOverThreeGets) {
  StartSandbox(TestCompany());
  const json started = Start(StartBody("12", json::array({NewProspect(1),
                                                          NewProspect(2),
                                                          {{"crmId", "p4"}},
                                                          NewProspect(3),
                                                          NewProspect(4)})));
  ASSERT_TRUE(started.is_object());
  EXPECT_EQ(started["status"], "PENDING");
  EXPECT_EQ(started["totalCount"], 5);
  EXPECT_EQ(started["processedCount"], 0);
  EXPECT_TRUE(started["results"].empty());
  EXPECT_TRUE(started.contains("requestId"));
  const std::string id = started["id"];

  const std::vector<json> answers = PollToEnd(id);
  ASSERT_THAT(answers, SizeIs(3));
  EXPECT_EQ(answers[0]["status"], "IN_PROGRESS");
  EXPECT_EQ(answers[0]["processedCount"], 2);
  EXPECT_EQ(answers[1]["processedCount"], 4);
  const json& done = answers[2];
  EXPECT_EQ(done["status"], "COMPLETED");
  EXPECT_EQ(done["processedCount"], 5);
  EXPECT_EQ(done["successCount"], 5);
  EXPECT_EQ(done["failedCount"], 0);
  ASSERT_THAT(done["results"], SizeIs(5));
  EXPECT_EQ(done["results"][0]["prospect"], NewProspect(1));
  EXPECT_EQ(done["results"][2]["crmId"], "p4");
  std::vector<std::string> crm_ids;
  std::vector<std::string> instance_ids;
  for (const json& item : done["results"]) {
    EXPECT_EQ(item["status"], "ASSIGNED");
    crm_ids.push_back(item["crmId"]);
    instance_ids.push_back(item["flowInstanceId"]);
  }
  EXPECT_THAT(crm_ids[0], ::testing::StartsWith("00QB"));
  EXPECT_NE(crm_ids[0], crm_ids[1]);
  // The assignments are real: the lookup finds them.
  EXPECT_EQ(ByCrmIds(crm_ids), instance_ids);
  // A finished job stays as it is, and every GET is counted.
  json again = Ok(GetJob(id));
  again.erase("requestId");
  json expected = done;
  expected.erase("requestId");
  EXPECT_EQ(again, expected);
  EXPECT_EQ(sandbox_->BulkAssignmentGets(id), 4);
  EXPECT_EQ(sandbox_->BulkAssignmentGets("no-such-job"), 0);
}

TEST_F(BulkAssignmentsTest, ProspectsFailForTheFlowOrTheCrm) {
  StartSandbox(TestCompany());
  // p2 is open in flows 12 and 15, so exclusive flow 11 refuses it; "nobody"
  // is a CRM id the company does not know.
  const json started = Start(StartBody(
      "11", json::array({{{"crmId", "p2"}}, {{"crmId", "nobody"}}, NewProspect(1)})));
  const std::vector<json> answers = PollToEnd(started["id"]);
  const json& done = answers.back();
  EXPECT_EQ(done["status"], "COMPLETED");
  EXPECT_EQ(done["successCount"], 1);
  EXPECT_EQ(done["failedCount"], 2);
  EXPECT_EQ(done["results"][0]["status"], "FLOW_ASSIGNMENT_FAILED");
  EXPECT_EQ(done["results"][0]["errorCode"], "InvalidState");
  EXPECT_EQ(done["results"][1]["status"], "CRM_OPERATION_FAILED");
  EXPECT_EQ(done["results"][1]["errorCode"], "NotFound");
  EXPECT_FALSE(done["results"][1].contains("flowInstanceId"));
  EXPECT_EQ(done["results"][2]["status"], "ASSIGNED");
  // An unknown flow fails every prospect, after the CRM created the new one.
  const json unknown_flow = Start(StartBody("999", json::array({NewProspect(2)})));
  const json failed = PollToEnd(unknown_flow["id"]).back();
  EXPECT_EQ(failed["results"][0]["status"], "FLOW_ASSIGNMENT_FAILED");
  EXPECT_EQ(failed["results"][0]["errorCode"], "InvalidArgument");
  EXPECT_THAT(failed["results"][0].value("crmId", ""), ::testing::StartsWith("00QB"));
}

TEST_F(BulkAssignmentsTest, AJobFailsPartWayWhenTheBehaviorSays) {
  Options options = TestCompany();
  options.behavior.bulk_fail_after = 3;
  options.behavior.bulk_step = 2;
  StartSandbox(options);
  json prospects = json::array();
  for (int i = 0; i < 10; ++i) prospects.push_back(NewProspect(i));
  const json started = Start(StartBody("12", prospects));
  const std::vector<json> answers = PollToEnd(started["id"]);
  ASSERT_THAT(answers, SizeIs(2));
  EXPECT_EQ(answers[0]["status"], "IN_PROGRESS");
  EXPECT_EQ(answers[0]["processedCount"], 2);
  EXPECT_EQ(answers[1]["status"], "FAILED");
  EXPECT_EQ(answers[1]["processedCount"], 3);
  EXPECT_EQ(answers[1]["totalCount"], 10);
  EXPECT_THAT(answers[1]["results"], SizeIs(3));
}

TEST_F(BulkAssignmentsTest, FiftyProspectsInOneJobAndNoMore) {
  StartSandbox(TestCompany());
  json prospects = json::array();
  for (int i = 0; i < 50; ++i) prospects.push_back(NewProspect(i));
  const json started = Start(StartBody("12", prospects));
  const json done = PollToEnd(started["id"]).back();
  EXPECT_EQ(done["successCount"], 50);
  prospects.push_back(NewProspect(50));
  EXPECT_THAT(ExpectError(PostJson(kBulkPath, StartBody("12", prospects)), 400),
              HasSubstr("prospects"));
}

TEST_F(BulkAssignmentsTest, RefusesMalformedStartsWith400) {
  StartSandbox(TestCompany());
  const struct {
    json body;
    const char* says;
  } cases[] = {
      {json{{"flowInstanceOwnerEmail", kAna}, {"prospects", {NewProspect(1)}}}, "flowId"},
      {json{{"flowId", "12"}, {"prospects", {NewProspect(1)}}}, "flowInstanceOwnerEmail"},
      {json{{"flowId", "12"}, {"flowInstanceOwnerEmail", kAna}}, "prospects"},
      {StartBody("12", json::array()), "prospects"},
      {StartBody("12", json::array({{{"firstName", "A"}}})), "prospects[0].lastName"},
      {StartBody("12", json::array({{{"crmId", "p1"}}, {{"lastName", "B"}}})),
       "prospects[1].firstName"},
      {StartBody("12", json::array({{{"crmId", "p1"}, {"email", 3}}})), "prospects[0]"},
      {StartBody("12", json::array({1})), "prospects[0]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.dump());
    EXPECT_THAT(ExpectError(PostJson(kBulkPath, c.body), 400), HasSubstr(c.says));
  }
}

TEST_F(BulkAssignmentsTest, AnUnknownJobIs404InGongsShape) {
  StartSandbox(TestCompany());
  EXPECT_THAT(ExpectError(GetJob("9200000000000000999"), 404), HasSubstr("not found"));
  // A path with more segments is no job's.
  EXPECT_THAT(ExpectError(GetJob("1/2"), 404), HasSubstr("No such endpoint"));
}

TEST_F(BulkAssignmentsTest, SharedFaultsApplyToBothEndpoints) {
  StartSandbox(TestCompany());
  const json started = Start(StartBody("12", json::array({NewProspect(1)})));
  Behavior behavior;
  behavior.force_status = 503;
  sandbox_->SetBehavior(behavior);
  ExpectError(GetJob(started["id"]), 503);
  ExpectError(PostJson(kBulkPath, StartBody("12", json::array({NewProspect(2)}))), 503);
  // A GET refused by a fault does not move the job on.
  EXPECT_EQ(sandbox_->BulkAssignmentGets(started["id"]), 0);

  behavior = Behavior();
  behavior.after_acting = Behavior::AfterActing::kStatus502;
  sandbox_->SetBehavior(behavior);
  ExpectError(PostJson(kBulkPath, StartBody("12", json::array({NewProspect(3)}))), 502);
  // The start acted: its flow was written once more, and the job exists
  // (the next id).
  EXPECT_EQ(sandbox_->WriteRequestsPerId().at("12"), 2);
  const std::string lost_id =
      absl::StrCat(std::stoull(started["id"].get<std::string>()) + 1);
  sandbox_->SetBehavior(Behavior());
  EXPECT_EQ(PollToEnd(lost_id).back()["status"], "COMPLETED");
}

}  // namespace
}  // namespace gong::sandbox
