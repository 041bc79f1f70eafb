// Tests of the sandbox's flows model through its endpoints, over a real
// socket: looking instances up, assigning, unassigning by CRM id, how these
// agree with the older unassign by instance id and assigned-ids API, the
// faults every endpoint shares, and the seeds (the demo company included).
// The flows list and its paging are sandbox_flows_list_test.cc's.
#include "sandbox/sandbox_flows.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_flows_test_util.h"
#include "sandbox/sandbox_gong.h"
#include "sandbox/sandbox_test_util.h"

namespace gong::sandbox {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

using SandboxFlowsTest = FlowsTest;

// --- POST /v2/flows/prospects ------------------------------------------------

TEST_F(SandboxFlowsTest, LookupByCrmIdsFindsOpenInstancesOnly) {
  StartSandbox(TestCompany());
  // p2: Pending 102 and Paused 103, oldest first; p3 has only finished ones.
  EXPECT_THAT(ByCrmIds({"p3", "p2", "unknown", "p1"}), ElementsAre("103", "102", "101"));
  EXPECT_THAT(ByCrmIds({"p3", "p4"}), IsEmpty());
  EXPECT_THAT(ByCrmIds({"p1", "p1"}), ElementsAre("101"));
}

TEST_F(SandboxFlowsTest, LookupByInstanceIdsFindsFinishedOnesToo) {
  StartSandbox(TestCompany());
  const json body = Ok(PostJson(
      kLookupPath, json{{"flowInstanceIds", {"106", "nope", "104", "101", "104"}}}));
  EXPECT_THAT(Strings(body["prospectsAssigned"], "flowInstanceId"),
              ElementsAre("106", "104", "101"));
  EXPECT_THAT(Strings(body["prospectsAssigned"], "flowInstanceStatus"),
              ElementsAre("Finished", "FinishedNoReply", "Running"));
}

TEST_F(SandboxFlowsTest, LookupAnswersEveryFieldOfAnInstance) {
  Options options = TestCompany();
  options.instances[1].create_date = At(11, 30, 9, 15) + absl::Milliseconds(250);
  StartSandbox(options);
  const json body = Ok(PostTo(kLookupPath, R"({"flowInstanceIds":["102", 101]})"));
  ASSERT_THAT(body["prospectsAssigned"], SizeIs(2));
  EXPECT_EQ(body["prospectsAssigned"][0],
            json({{"flowId", "12"},
                  {"flowName", "Flow 12"},
                  {"crmProspectId", "p2"},
                  {"flowInstanceId", "102"},
                  {"flowInstanceOwnerEmail", kBob},
                  {"flowInstanceOwnerFullName", "Bob Jones"},
                  {"flowInstanceCreateDate", "2024-11-30T09:15:00.250-08:00"},
                  {"flowInstanceStatus", "Pending"},
                  {"workspaceId", "w1"},
                  {"exclusive", false}}));
  EXPECT_EQ(body["prospectsAssigned"][1]["flowInstanceCreateDate"],
            "2024-11-01T12:00:00-08:00");
  EXPECT_EQ(body["prospectsAssigned"][1]["exclusive"], true);
}

TEST_F(SandboxFlowsTest, LookupRefusesBadBodiesWith400) {
  StartSandbox(TestCompany());
  std::vector<std::string> too_many;
  for (int i = 0; i < 201; ++i) too_many.push_back("x" + std::to_string(i));
  const std::vector<std::string> bodies = {
      "not json",
      R"(["p1"])",
      R"({})",
      R"({"crmProspectsIds":null,"flowInstanceIds":null})",
      R"({"crmProspectsIds":["p1"],"flowInstanceIds":["101"]})",
      R"({"crmProspectsIds":"p1"})",
      R"({"crmProspectsIds":[]})",
      json{{"crmProspectsIds", too_many}}.dump(),
      json{{"flowInstanceIds", too_many}}.dump(),
      R"({"flowInstanceIds":["101",1.5]})",
      R"({"flowInstanceIds":["101",""]})",
      R"({"flowInstanceIds":[true]})",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    ExpectError(PostTo(kLookupPath, body), 400);
  }
  too_many.pop_back();
  EXPECT_THAT(ByCrmIds(too_many), IsEmpty());  // 200 ids are fine
}

// --- POST /v2/flows/prospects/assign ---------------------------------------

TEST_F(SandboxFlowsTest, AssignCreatesRunningInstancesWithNewIds) {
  StartSandbox(TestCompany());
  const absl::Time before = absl::Now() - absl::Seconds(1);
  const json body = AssignTo("12", {"p6", "new-prospect"}, kAna);
  EXPECT_THAT(body["prospectsNotAssigned"], IsEmpty());
  const json& assigned = body["prospectsAssigned"];
  ASSERT_THAT(assigned, SizeIs(2));
  EXPECT_THAT(Strings(assigned, "crmProspectId"), ElementsAre("p6", "new-prospect"));
  const std::vector<std::string> ids = Strings(assigned, "flowInstanceId");
  EXPECT_NE(ids[0], ids[1]);
  for (size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE(ids[i]);
    EXPECT_TRUE(!ids[i].empty() &&
                std::all_of(ids[i].begin(), ids[i].end(), absl::ascii_isdigit));
    EXPECT_EQ(assigned[i]["flowId"], "12");
    EXPECT_EQ(assigned[i]["flowName"], "Flow 12");
    EXPECT_EQ(assigned[i]["flowInstanceStatus"], "Running");
    EXPECT_EQ(assigned[i]["flowInstanceOwnerEmail"], kAna);
    // Ana's name is known from the flows she owns.
    EXPECT_EQ(assigned[i]["flowInstanceOwnerFullName"], "Ana Silva");
    EXPECT_EQ(assigned[i]["workspaceId"], "w1");
    absl::Time created;
    std::string error;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full,
                                assigned[i]["flowInstanceCreateDate"].get<std::string>(),
                                &created, &error))
        << error;
    EXPECT_GE(created, before);
    EXPECT_TRUE(absl::EndsWith(assigned[i]["flowInstanceCreateDate"].get<std::string>(),
                               "-08:00"));
    EXPECT_TRUE(sandbox_->IsAssigned(ids[i]));
  }
  // The model has them: found by prospect and by id, and they block.
  EXPECT_THAT(ByCrmIds({"p6", "new-prospect"}), ElementsAre(ids[0], ids[1]));
  EXPECT_THAT(ByInstanceIds(ids), ElementsAre(ids[0], ids[1]));
  EXPECT_THAT(Strings(AssignTo("12", {"p6"})["prospectsNotAssigned"], "errorCode"),
              ElementsAre("InvalidState"));
}

TEST_F(SandboxFlowsTest, AssignToAnUnknownFlowAssignsNoOne) {
  StartSandbox(TestCompany());
  const json body = AssignTo("999", {"p6", "p7"});
  EXPECT_THAT(body["prospectsAssigned"], IsEmpty());
  ASSERT_THAT(body["prospectsNotAssigned"], SizeIs(2));
  EXPECT_THAT(Strings(body["prospectsNotAssigned"], "crmProspectId"),
              ElementsAre("p6", "p7"));
  for (const json& refused : body["prospectsNotAssigned"]) {
    EXPECT_EQ(refused["flowId"], "999");
    EXPECT_EQ(refused["errorCode"], "InvalidArgument");
    EXPECT_THAT(refused["errorMessage"].get<std::string>(), HasSubstr("999"));
  }
  EXPECT_THAT(ByCrmIds({"p6", "p7"}), IsEmpty());
}

// Each reason a prospect is not assigned, in one request, answered in
// request order beside the prospects that are assigned.
TEST_F(SandboxFlowsTest, AssignRefusesEachConflictWithInvalidState) {
  struct Case {
    const char* what;
    const char* flow_id;
    const char* crm_id;
    bool assigned;
  };
  const Case cases[] = {
      {"already open in the same flow", "12", "p2", false},
      {"target exclusive, open elsewhere", "11", "p5", false},
      {"open in an exclusive flow", "16", "p1", false},
      {"only finished instances do not block an exclusive flow", "11", "p3", true},
      {"non-exclusive flows may share a prospect", "16", "p2", true},
      {"a finished instance of the same flow does not block", "12", "p3", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    StartSandbox(TestCompany());
    const json body = AssignTo(c.flow_id, {c.crm_id});
    if (c.assigned) {
      EXPECT_THAT(Strings(body["prospectsAssigned"], "crmProspectId"),
                  ElementsAre(c.crm_id));
      EXPECT_THAT(body["prospectsNotAssigned"], IsEmpty());
    } else {
      EXPECT_THAT(body["prospectsAssigned"], IsEmpty());
      ASSERT_THAT(body["prospectsNotAssigned"], SizeIs(1));
      const json& refused = body["prospectsNotAssigned"][0];
      EXPECT_EQ(refused["errorCode"], "InvalidState");
      EXPECT_EQ(refused["crmProspectId"], c.crm_id);
      EXPECT_EQ(refused["flowId"], c.flow_id);
      EXPECT_THAT(refused["errorMessage"].get<std::string>(), HasSubstr(c.crm_id));
    }
    sandbox_->Stop();
  }
}

TEST_F(SandboxFlowsTest, AssignAnswersInRequestOrderAndARepeatIsRefused) {
  Options options = TestCompany();
  options.behavior.unexpected_error_prospect_id = "p9";
  StartSandbox(options);
  const json body = AssignTo("11", {"p6", "p2", "p9", "p6", "p7"});
  EXPECT_THAT(Strings(body["prospectsAssigned"], "crmProspectId"),
              ElementsAre("p6", "p7"));
  EXPECT_THAT(Strings(body["prospectsNotAssigned"], "crmProspectId"),
              ElementsAre("p2", "p9", "p6"));
  EXPECT_THAT(Strings(body["prospectsNotAssigned"], "errorCode"),
              ElementsAre("InvalidState", "UnexpectedError", "InvalidState"));
  EXPECT_THAT(ByCrmIds({"p9"}), IsEmpty());
}

TEST_F(SandboxFlowsTest, AssignOwnerUnknownToTheSeedHasNoName) {
  StartSandbox(TestCompany());
  const json body = AssignTo("12", {"p6"}, "stranger@example.com");
  ASSERT_THAT(body["prospectsAssigned"], SizeIs(1));
  EXPECT_EQ(body["prospectsAssigned"][0]["flowInstanceOwnerEmail"],
            "stranger@example.com");
  EXPECT_EQ(body["prospectsAssigned"][0]["flowInstanceOwnerFullName"], "");
}

TEST_F(SandboxFlowsTest, AssignRefusesBadBodiesWith400AndAssignsNothing) {
  StartSandbox(TestCompany());
  std::vector<std::string> too_many;
  for (int i = 0; i < 101; ++i) too_many.push_back("q" + std::to_string(i));
  const json good = {
      {"crmProspectsIds", {"q1"}}, {"flowId", "12"}, {"flowInstanceOwnerEmail", kAna}};
  auto with = [&](const std::string& field, const json& value) {
    json body = good;
    body[field] = value;
    return body.dump();
  };
  auto without = [&](const std::string& field) {
    json body = good;
    body.erase(field);
    return body.dump();
  };
  const std::vector<std::string> bodies = {
      "not json",
      "[]",
      without("crmProspectsIds"),
      with("crmProspectsIds", json::array()),
      with("crmProspectsIds", too_many),
      with("crmProspectsIds", {"q1", 2.5}),
      without("flowId"),
      with("flowId", true),
      without("flowInstanceOwnerEmail"),
      with("flowInstanceOwnerEmail", ""),
      with("flowInstanceOwnerEmail", 7),
      with("overrides", "none"),
      with("overrides", {{"steps", {{{"number", 0}, {"subject", "s"}}}}}),
      with("overrides", {{"steps", {{{"subject", "s"}}}}}),
      with("overrides", {{"steps", {{{"number", 1}, {"body", 3}}}}}),
      with("overrides", {{"flowInstanceVariables", {{{"value", "v"}}}}}),
      with("overrides", {{"flowInstanceVariables", "x"}}),
      with("overrides", {{"coolOffOverride", "yes"}}),
      with("flowInstanceDescription", 5),
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    ExpectError(PostTo(kAssignPath, body), 400);
  }
  EXPECT_THAT(ByCrmIds({"q1"}), IsEmpty());

  // 100 prospects and every optional part are accepted.
  too_many.pop_back();
  json full = good;
  full["crmProspectsIds"] = too_many;
  full["overrides"] = {
      {"steps", {{{"number", 1}, {"subject", "Hi"}, {"body", "Hello"}}}},
      {"flowInstanceVariables", {{{"name", "first_name"}, {"value", "Ana"}}}},
      {"coolOffOverride", true}};
  full["flowInstanceDescription"] = "from the test";
  EXPECT_THAT(Ok(PostJson(kAssignPath, full))["prospectsAssigned"], SizeIs(100));
}

// --- POST /v2/flows/prospects/unassign-flows-by-crm-id ------------------------

TEST_F(SandboxFlowsTest, UnassignByCrmIdFromOneFlow) {
  StartSandbox(TestCompany());
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "p2"}, {"flowId", "12"}}),
              ElementsAre("102"));
  EXPECT_THAT(ByCrmIds({"p2"}), ElementsAre("103"));
  EXPECT_FALSE(sandbox_->IsAssigned("102"));
  EXPECT_TRUE(sandbox_->IsAssigned("103"));
  // Nothing left in that flow: an empty list, not an error.
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "p2"}, {"flowId", "12"}}), IsEmpty());
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "p2"}, {"flowId", "999"}}), IsEmpty());
}

TEST_F(SandboxFlowsTest, UnassignByCrmIdFromEveryFlow) {
  StartSandbox(TestCompany());
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "p2"},
                                {"flowId", nullptr},
                                {"unassignedByUserEmail", kAna}}),
              ElementsAre("103", "102"));  // oldest first
  EXPECT_THAT(ByCrmIds({"p2"}), IsEmpty());
  EXPECT_THAT(ByInstanceIds({"102", "103"}), IsEmpty());
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "p2"}}), IsEmpty());
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "never-seen"}}), IsEmpty());
  EXPECT_THAT(ByCrmIds({"p1"}), ElementsAre("101"));  // others untouched
}

TEST_F(SandboxFlowsTest, UnassignByCrmIdLeavesFinishedInstances) {
  StartSandbox(TestCompany());
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "p3"}}), IsEmpty());
  EXPECT_THAT(ByInstanceIds({"104", "105"}), ElementsAre("104", "105"));
}

TEST_F(SandboxFlowsTest, UnassignByCrmIdRefusesBadBodiesWith400) {
  StartSandbox(TestCompany());
  for (const std::string body : {
           "not json",
           R"(["p2"])",
           R"({})",
           R"({"crmProspectId":null})",
           R"({"crmProspectId":""})",
           R"({"crmProspectId":1.5})",
           R"({"crmProspectId":"p2","flowId":true})",
           R"({"crmProspectId":"p2","unassignedByUserEmail":7})",
       }) {
    SCOPED_TRACE(body);
    ExpectError(PostTo(kUnassignByCrmIdPath, body), 400);
  }
  EXPECT_THAT(ByCrmIds({"p2"}), ElementsAre("103", "102"));
}

// --- One model for every endpoint ---------------------------------------------

TEST_F(SandboxFlowsTest, UnassignByInstanceIdAndByCrmIdAgree) {
  StartSandbox(TestCompany());
  // Removed by instance id: gone for lookups and for unassign by CRM id.
  ASSERT_EQ(Unassign({"102"})->status, 200);
  EXPECT_THAT(ByCrmIds({"p2"}), ElementsAre("103"));
  EXPECT_THAT(ByInstanceIds({"102"}), IsEmpty());
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "p2"}, {"flowId", "12"}}), IsEmpty());
  // Removed by CRM id: gone for unassign by instance id, which finds none.
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "p1"}}), ElementsAre("101"));
  EXPECT_FALSE(sandbox_->IsAssigned("101"));
  EXPECT_THAT(ExpectError(Unassign({"101"}), 400), HasSubstr("does not exist"));
  // A removed prospect can join an exclusive flow again.
  EXPECT_THAT(AssignTo("11", {"p1"})["prospectsAssigned"], SizeIs(1));
}

TEST_F(SandboxFlowsTest, FinishedInstancesAreNotAssignedAndCannotBeUnassigned) {
  StartSandbox(TestCompany());
  EXPECT_FALSE(sandbox_->IsAssigned("104"));
  EXPECT_THAT(ExpectError(Unassign({"104"}), 400), HasSubstr("does not exist"));
  const json body = Ok(Unassign({"104", "107"}));
  EXPECT_THAT(body["unassignedFlowInstanceIds"].get<std::vector<std::string>>(),
              ElementsAre("107"));
  EXPECT_THAT(ByInstanceIds({"104", "107"}), ElementsAre("104"));
}

TEST_F(SandboxFlowsTest, AssignedIdsAreInstancesOfTheDefaultFlow) {
  Options options = WithAssigned({"1", "2"});
  StartSandbox(options);
  sandbox_->Assign({"3"});
  const json body = Ok(PostJson(kLookupPath, json{{"flowInstanceIds", {"1", "3"}}}));
  ASSERT_THAT(body["prospectsAssigned"], SizeIs(2));
  const SandboxFlow flow = DefaultFlow();
  for (const json& instance : body["prospectsAssigned"]) {
    EXPECT_EQ(instance["flowId"], kDefaultFlowId);
    EXPECT_EQ(instance["flowName"], flow.name);
    EXPECT_EQ(instance["flowInstanceOwnerEmail"], flow.owner_email);
    EXPECT_EQ(instance["flowInstanceStatus"], "Running");
  }
  EXPECT_EQ(body["prospectsAssigned"][0]["crmProspectId"], "crm-1");
  EXPECT_EQ(body["prospectsAssigned"][0]["flowInstanceCreateDate"],
            "2026-01-05T09:00:00-08:00");  // SeedTime(): the same every run
  EXPECT_EQ(body["prospectsAssigned"][1]["crmProspectId"], "crm-3");

  // Either unassign removes them, for both and for IsAssigned.
  EXPECT_THAT(ByCrmIds({"crm-2"}), ElementsAre("2"));
  EXPECT_THAT(UnassignProspect({{"crmProspectId", "crm-2"}}), ElementsAre("2"));
  EXPECT_FALSE(sandbox_->IsAssigned("2"));
  EXPECT_THAT(ExpectError(Unassign({"2"}), 400), HasSubstr("does not exist"));
  ASSERT_EQ(Unassign({"3"})->status, 200);
  EXPECT_THAT(ByCrmIds({"crm-3"}), IsEmpty());
  // And Assign brings an id back.
  sandbox_->Assign({"2"});
  EXPECT_THAT(ByCrmIds({"crm-2"}), ElementsAre("2"));
}

TEST_F(SandboxFlowsTest, AssignReopensAFinishedSeededInstance) {
  StartSandbox(TestCompany());
  sandbox_->Assign({"104"});
  EXPECT_TRUE(sandbox_->IsAssigned("104"));
  EXPECT_THAT(ByCrmIds({"p3"}), ElementsAre("104"));  // still in flow 12
  EXPECT_EQ(Unassign({"104"})->status, 200);
}

TEST_F(SandboxFlowsTest, AssumeAssignedStillRemovesWhatTheModelHolds) {
  Options options = TestCompany();
  options.behavior.assume_assigned = true;
  StartSandbox(options);
  const json body = Ok(Unassign({"101", "424242"}));
  EXPECT_THAT(body["unassignedFlowInstanceIds"].get<std::vector<std::string>>(),
              ElementsAre("101", "424242"));
  EXPECT_FALSE(sandbox_->IsAssigned("101"));
  EXPECT_THAT(ByCrmIds({"p1"}), IsEmpty());
}

// --- Faults, authorization, recording -----------------------------------------

TEST_F(SandboxFlowsTest, ForcedStatusAppliesToEveryEndpointAndChangesNothing) {
  Options options = TestCompany();
  options.behavior.force_status = 503;
  StartSandbox(options);
  const std::vector<httplib::Result> results = [&] {
    std::vector<httplib::Result> r;
    r.push_back(PostTo(kLookupPath, R"({"crmProspectsIds":["p1"]})"));
    r.push_back(GetFlows("flowOwnerEmail=ana@example.com"));
    r.push_back(PostJson(kAssignPath, json{{"crmProspectsIds", {"p6"}},
                                           {"flowId", "12"},
                                           {"flowInstanceOwnerEmail", kAna}}));
    r.push_back(PostTo(kUnassignByCrmIdPath, R"({"crmProspectId":"p1"})"));
    return r;
  }();
  for (const httplib::Result& result : results) {
    EXPECT_THAT(ExpectError(result, 503), HasSubstr("503"));
  }
  sandbox_->SetBehavior(Behavior());
  EXPECT_THAT(ByCrmIds({"p1", "p6"}), ElementsAre("101"));
}

TEST_F(SandboxFlowsTest, ForcedBodyAndDroppedConnectionApplyToNewEndpoints) {
  Behavior behavior;
  behavior.force_body = "<html>not json</html>";
  Options options = TestCompany();
  options.behavior = behavior;
  StartSandbox(options);
  httplib::Result forced = GetFlows("flowOwnerEmail=ana@example.com");
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->status, 200);
  EXPECT_EQ(forced->body, "<html>not json</html>");

  behavior = Behavior();
  behavior.drop_connection = true;
  sandbox_->SetBehavior(behavior);
  httplib::Result dropped = PostTo(kUnassignByCrmIdPath, R"({"crmProspectId":"p1"})");
  EXPECT_FALSE(dropped);
  sandbox_->SetBehavior(Behavior());
  EXPECT_THAT(ByCrmIds({"p1"}), ElementsAre("101"));
  EXPECT_EQ(sandbox_->RequestCount(), 3);
}

// Gong's limit is the company's, whatever the endpoint: the calls of all
// endpoints fill one window. As in the faults test of the rate limit, what
// the test needs of the clock is checked rather than assumed.
TEST_F(SandboxFlowsTest, QpsLimitCountsEveryEndpointTogether) {
  Options options = TestCompany();
  options.behavior.qps_limit = 3;
  options.behavior.retry_after_seconds = 4;
  StartSandbox(options);
  std::vector<httplib::Result> results;
  results.push_back(PostTo(kLookupPath, R"({"crmProspectsIds":["p1"]})"));
  results.push_back(GetFlows("flowOwnerEmail=ana@example.com"));
  results.push_back(Unassign({"107"}));
  results.push_back(PostJson(kAssignPath, json{{"crmProspectsIds", {"p6"}},
                                               {"flowId", "12"},
                                               {"flowInstanceOwnerEmail", kAna}}));
  results.push_back(PostTo(kUnassignByCrmIdPath, R"({"crmProspectId":"p1"})"));
  const std::vector<RecordedRequest> requests = sandbox_->Requests();
  ASSERT_EQ(requests.size(), 5u);
  ASSERT_LT(requests[4].received - requests[0].received, absl::Seconds(1))
      << "the machine was too slow to send five requests within a second";
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(results[i]);
    EXPECT_EQ(results[i]->status, 200) << i;
  }
  for (int i = 3; i < 5; ++i) {
    ASSERT_TRUE(results[i]);
    EXPECT_EQ(results[i]->status, 429) << i;
    EXPECT_EQ(results[i]->get_header_value("Retry-After"), "4");
  }
  sandbox_->SetBehavior(Behavior());
  EXPECT_THAT(ByCrmIds({"p6"}), IsEmpty());  // refused, so not assigned
  EXPECT_THAT(ByCrmIds({"p1"}), ElementsAre("101"));
}

TEST_F(SandboxFlowsTest, NewEndpointsRequireAuthorization) {
  StartSandbox(TestCompany());
  httplib::Client client(sandbox_->base_url());
  ExpectError(client.Get("/v2/flows?flowOwnerEmail=ana@example.com"), 401);
  ExpectError(
      client.Post(kLookupPath, R"({"crmProspectsIds":["p1"]})", "application/json"), 401);
  ExpectError(
      client.Post(kUnassignByCrmIdPath, R"({"crmProspectId":"p1"})", "application/json"),
      401);
  EXPECT_TRUE(sandbox_->IsAssigned("101"));
}

TEST_F(SandboxFlowsTest, PathsAndMethodsNotServedAre404) {
  StartSandbox(TestCompany());
  httplib::Headers auth = {{"Authorization", kBasicAuth}};
  ExpectError(NewClient()->Get("/v2/flows/steps", auth), 404);
  ExpectError(PostTo("/v2/flows/folders", "{}"), 404);
  ExpectError(PostTo("/v2/flows", "{}"), 404);
  ExpectError(NewClient()->Get(kLookupPath, auth), 404);
  ExpectError(PostTo("/v2/flows/prospects/", R"({"crmProspectsIds":["p1"]})"), 404);
}

TEST_F(SandboxFlowsTest, RecordsEveryEndpointsRequestsWithTheirQuery) {
  StartSandbox(TestCompany());
  GetFlows("flowOwnerEmail=ana@example.com&folderId=f1");
  PostTo(kLookupPath, R"({"crmProspectsIds":["p1"]})");
  ASSERT_EQ(sandbox_->RequestCount(), 2);
  const std::vector<RecordedRequest> requests = sandbox_->Requests();
  ASSERT_THAT(requests, SizeIs(2));
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/v2/flows");
  EXPECT_EQ(requests[0].query, "flowOwnerEmail=ana@example.com&folderId=f1");
  EXPECT_EQ(requests[1].path, kLookupPath);
  EXPECT_EQ(requests[1].query, "");
  EXPECT_EQ(requests[1].body, R"({"crmProspectsIds":["p1"]})");
}

// --- Seeds ---------------------------------------------------------------------

TEST_F(SandboxFlowsTest, ContradictorySeedsFailStart) {
  struct Case {
    const char* what;
    void (*spoil)(Options*);
  };
  const Case cases[] = {
      {"a repeated flow id", [](Options* o) { o->flows.push_back(o->flows[0]); }},
      {"a repeated instance id",
       [](Options* o) { o->instances.push_back(o->instances[0]); }},
      {"an instance of an unknown flow",
       [](Options* o) { o->instances[0].flow_id = "99"; }},
      {"an instance without a prospect",
       [](Options* o) { o->instances[0].crm_prospect_id = ""; }},
      {"a flow without an id", [](Options* o) { o->flows.push_back(SandboxFlow()); }},
      {"a page size of 0", [](Options* o) { o->page_size = 0; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Options options = TestCompany();
    c.spoil(&options);
    SandboxGong sandbox(options);
    EXPECT_FALSE(sandbox.Start().ok());
  }
}

TEST_F(SandboxFlowsTest, DemoCompanyIsConsistentAndAsDocumented) {
  Options options = WithAssigned({"1000", "1001"});
  SeedDemoCompany(&options);
  StartSandbox(options);
  EXPECT_TRUE(sandbox_->IsAssigned("1000"));
  EXPECT_TRUE(sandbox_->IsAssigned("7300000000000000001"));
  EXPECT_FALSE(sandbox_->IsAssigned("7300000000000000005"));  // finished
  // Prospect 004: one open instance and one finished.
  EXPECT_THAT(ByCrmIds({"003DEMO000000004"}), ElementsAre("7300000000000000006"));
  const json found =
      Ok(PostJson(kLookupPath, json{{"flowInstanceIds", {"7300000000000000001"}}}));
  ASSERT_THAT(found["prospectsAssigned"], SizeIs(1));
  EXPECT_EQ(found["prospectsAssigned"][0]["flowInstanceCreateDate"],
            "2026-11-30T09:15:00.250-08:00");
  EXPECT_EQ(found["prospectsAssigned"][0]["flowInstanceOwnerFullName"], "Ana Silva");
  EXPECT_EQ(found["prospectsAssigned"][0]["exclusive"], true);
  // Ana sees five demo flows and the default flow of the assigned ids.
  const json listed = Ok(GetFlows("flowOwnerEmail=ana@example.com"));
  EXPECT_EQ(listed["records"]["totalRecords"], 6);
  const json recent =
      Ok(GetFlows("flowOwnerEmail=ana@example.com&workspaceId="
                  "6100000000000000001&mostRecentlyAssigned=true"));
  EXPECT_THAT(Strings(recent["flows"], "id"),
              ElementsAre("7100000000000000001", "7100000000000000003",
                          "7100000000000000004", "7100000000000000002", kDefaultFlowId));
  // Exclusivity holds: prospect 001 is in the exclusive flow.
  EXPECT_THAT(
      Strings(AssignTo("7100000000000000002",
                       {"003DEMO000000001", "003DEMO000000006"})["prospectsNotAssigned"],
              "crmProspectId"),
      ElementsAre("003DEMO000000001"));
}

}  // namespace
}  // namespace gong::sandbox
