// ListFlowFolders and GetFlowSteps end to end: the real facade stack over
// loopback in front of the sandbox Gong's demo company
// (sandbox_demo_company.cc: eight folders nested two deep, six flows with
// steps). Paging across pages, page tokens bound to their listing and
// filters, validation that sends nothing, the status table, unreadable
// answers, the steps' numbers as AssignProspects' overrides take them, and
// waiting lookups of steps merged into fewer Gong requests, a refused merge
// split so that only the caller of the unknown flow gets the 404.
#include <future>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "nlohmann/json.hpp"

namespace gong::e2e {
namespace {

namespace v1 = flows::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kEnterprise[] = "7100000000000000001";  // five steps, exclusive
constexpr char kWebinar[] = "7100000000000000002";     // two steps
constexpr char kTrial[] = "7100000000000000006";       // three steps
constexpr char kOutboundFolder[] = "7000000000000000101";
constexpr char kStepsPath[] = "/v2/flows/steps";
constexpr char kFoldersPath[] = "/v2/flows/folders";

class FoldersStepsTest : public FacadeTest {
 protected:
  void StartDemo(app::FacadeConfig config = PlainProxy(), int page_size = 20) {
    sandbox::Options options;
    sandbox::SeedDemoCompany(&options);
    options.page_size = page_size;
    StartFacadeWithSandbox(std::move(config), std::move(options));
  }

  grpc::Status Folders(const v1::ListFlowFoldersRequest& request,
                       v1::ListFlowFoldersResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return stub_->ListFlowFolders(&context, request, response);
  }
  grpc::Status Steps(const std::vector<std::string>& flow_ids,
                     v1::GetFlowStepsResponse* response,
                     absl::Duration timeout = absl::Seconds(10)) {
    v1::GetFlowStepsRequest request;
    for (const std::string& id : flow_ids) request.add_flow_ids(id);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return stub_->GetFlowSteps(&context, request, response);
  }
  grpc::Status Assign(const v1::AssignProspectsRequest& request,
                      v1::AssignProspectsResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return stub_->AssignProspects(&context, request, response);
  }

  static v1::ListFlowFoldersRequest Owner(const std::string& email) {
    v1::ListFlowFoldersRequest request;
    request.set_owner_email(email);
    return request;
  }

  size_t GongRequestsTo(const std::string& path) const {
    size_t n = 0;
    for (const auto& request : sandbox_->Requests()) n += request.path == path;
    return n;
  }
};

std::vector<std::string> Violations(const grpc::Status& status) {
  std::vector<std::string> fields;
  if (auto bad = Detail<google::rpc::BadRequest>(status); bad.has_value()) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

std::vector<std::string> FlowIds(const v1::GetFlowStepsResponse& response) {
  std::vector<std::string> ids;
  for (const auto& flow : response.flows()) ids.push_back(flow.flow_id());
  return ids;
}

// --- ListFlowFolders ---------------------------------------------------------

TEST_F(FoldersStepsTest, FoldersPageThroughEveryPageEachFolderOnce) {
  StartDemo(PlainProxy(), /*page_size=*/3);
  std::vector<std::string> seen;
  v1::ListFlowFoldersRequest request = Owner("ana@example.com");
  int pages = 0;
  do {
    v1::ListFlowFoldersResponse page;
    const grpc::Status status = Folders(request, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(page.total_size(), 7);
    EXPECT_FALSE(page.request_id().empty());
    for (const auto& folder : page.folders()) seen.push_back(folder.folder_id());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  // Ana's seven: not Bruno's Personal one (108), her own Personal one (105)
  // included.
  EXPECT_THAT(seen, ElementsAre("7000000000000000101", "7000000000000000102",
                                "7000000000000000103", "7000000000000000104",
                                "7000000000000000105", "7000000000000000106",
                                "7000000000000000107"));
  EXPECT_EQ(GongRequestsTo(kFoldersPath), 3u);
}

TEST_F(FoldersStepsTest, AFolderReadsInFullWithItsParent) {
  StartDemo();
  v1::ListFlowFoldersRequest request = Owner("bruno@example.com");
  request.set_parent_folder_id("7000000000000000102");
  v1::ListFlowFoldersResponse response;
  ASSERT_TRUE(Folders(request, &response).ok());
  ASSERT_EQ(response.folders_size(), 2);  // Inbound and Webinars, in it
  const v1::FlowFolder& top = response.folders(0);
  EXPECT_EQ(top.name(), "Inbound");
  EXPECT_EQ(top.visibility(), v1::FLOW_VISIBILITY_COMPANY);
  EXPECT_EQ(top.parent_folder_id(), "");
  const v1::FlowFolder& webinars = response.folders(1);
  EXPECT_EQ(webinars.folder_id(), "7000000000000000106");
  EXPECT_EQ(webinars.name(), "Webinars");
  EXPECT_EQ(webinars.visibility(), v1::FLOW_VISIBILITY_SHARED);
  EXPECT_EQ(webinars.parent_folder_id(), "7000000000000000102");
  EXPECT_EQ(webinars.parent_folder_name(), "Inbound");
  // 2026-02-10 11:15 at the company's UTC-08:00.
  EXPECT_EQ(webinars.create_time().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2026, 2, 10, 19, 15, 0),
                                                absl::UTCTimeZone())));
  // The query Gong got: the owner, the parent, nothing else.
  const auto sent = sandbox_->Requests().back();
  EXPECT_EQ(sent.path, kFoldersPath);
  EXPECT_TRUE(absl::StrContains(sent.query, "flowFolderOwnerEmail=bruno"));
  EXPECT_TRUE(absl::StrContains(sent.query, "parentId=7000000000000000102"));
  EXPECT_FALSE(absl::StrContains(sent.query, "workspaceId"));
  EXPECT_FALSE(absl::StrContains(sent.query, "cursor"));
}

TEST_F(FoldersStepsTest, AFolderIdFromTheListingFiltersTheFlowListing) {
  StartDemo();
  v1::ListFlowsRequest request;
  request.set_flow_owner_email("ana@example.com");
  request.set_folder_id(kOutboundFolder);
  v1::ListFlowsResponse flows;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListFlows(&context, request, &flows).ok());
  EXPECT_GT(flows.flows_size(), 0);
  for (const auto& flow : flows.flows()) EXPECT_EQ(flow.folder_id(), kOutboundFolder);
}

TEST_F(FoldersStepsTest,
       ATokenOfOtherFiltersOrOfTheOtherListingIsRefusedAndSendsNothing) {
  StartDemo(PlainProxy(), /*page_size=*/2);
  v1::ListFlowFoldersResponse first;
  ASSERT_TRUE(Folders(Owner("ana@example.com"), &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListFlowsRequest flows_request;
  flows_request.set_flow_owner_email("ana@example.com");
  v1::ListFlowsResponse flows_first;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListFlows(&context, flows_request, &flows_first).ok());
    ASSERT_FALSE(flows_first.next_page_token().empty());
  }
  const int64_t before = sandbox_->RequestCount();

  v1::ListFlowFoldersRequest other = Owner("chen@example.com");
  other.set_page_token(first.next_page_token());
  v1::ListFlowFoldersResponse response;
  grpc::Status status = Folders(other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), ElementsAre("page_token"));

  // A flows' token on the folders' listing, and the other way round.
  v1::ListFlowFoldersRequest crossed = Owner("ana@example.com");
  crossed.set_page_token(flows_first.next_page_token());
  status = Folders(crossed, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("ListFlowFolders"));
  flows_request.set_page_token(first.next_page_token());
  v1::ListFlowsResponse flows_response;
  grpc::ClientContext context;
  status = stub_->ListFlows(&context, flows_request, &flows_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), ElementsAre("page_token"));

  EXPECT_EQ(sandbox_->RequestCount(), before);
}

TEST_F(FoldersStepsTest, AnInvalidFoldersRequestIsRefusedAndSendsNothing) {
  StartDemo();
  v1::ListFlowFoldersRequest request;
  request.set_workspace_id("61 00");
  request.set_parent_folder_id("-7");
  request.set_page_token("not a token");
  v1::ListFlowFoldersResponse response;
  const grpc::Status status = Folders(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), ElementsAre("owner_email", "workspace_id",
                                              "parent_folder_id", "page_token"));
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

// --- GetFlowSteps ------------------------------------------------------------

TEST_F(FoldersStepsTest, StepsReadInFull) {
  StartDemo();
  v1::GetFlowStepsResponse response;
  const grpc::Status status = Steps({kEnterprise, kWebinar}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.request_id().empty());
  ASSERT_THAT(FlowIds(response), ElementsAre(kEnterprise, kWebinar));
  const v1::FlowWithSteps& flow = response.flows(0);
  EXPECT_EQ(flow.name(), "Enterprise outbound");
  EXPECT_EQ(flow.folder_id(), kOutboundFolder);
  EXPECT_EQ(flow.visibility(), v1::FLOW_VISIBILITY_COMPANY);
  EXPECT_TRUE(flow.exclusive());
  EXPECT_EQ(flow.description(), "Cold outreach to enterprise accounts");
  EXPECT_TRUE(flow.has_create_time());
  std::vector<int> numbers;
  std::vector<v1::FlowStepAction> actions;
  for (const auto& step : flow.steps()) {
    numbers.push_back(step.number());
    actions.push_back(step.action());
    EXPECT_FALSE(step.step_id().empty());
  }
  EXPECT_THAT(numbers, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_THAT(
      actions,
      ElementsAre(v1::FLOW_STEP_ACTION_SEND_EMAIL, v1::FLOW_STEP_ACTION_LINKEDIN_CONNECT,
                  v1::FLOW_STEP_ACTION_SEND_EMAIL, v1::FLOW_STEP_ACTION_CALL,
                  v1::FLOW_STEP_ACTION_AUTO_SEND_EMAIL));
  EXPECT_EQ(flow.steps(0).subject(), "Quick question, {{first_name}}");
  EXPECT_TRUE(flow.steps(2).is_reply());
  EXPECT_EQ(response.flows(1).steps_size(), 2);
  // One Gong request, of both ids.
  ASSERT_EQ(GongRequestsTo(kStepsPath), 1u);
  EXPECT_EQ(nlohmann::json::parse(sandbox_->Requests().back().body),
            nlohmann::json({{"flowIds", {kEnterprise, kWebinar}}}));
}

TEST_F(FoldersStepsTest, AnUnknownFlowIsNotFound) {
  StartDemo();
  v1::GetFlowStepsResponse response;
  const grpc::Status status = Steps({kEnterprise, "7199999999999999999"}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Reason(status), "GONG_NOT_FOUND");
  EXPECT_EQ(Metadata(status, "http_status"), "404");
  EXPECT_EQ(GongRequestsTo(kStepsPath), 1u);  // a 404 is not retried
}

TEST_F(FoldersStepsTest, AnInvalidStepsRequestIsRefusedAndSendsNothing) {
  StartDemo();
  v1::GetFlowStepsResponse response;
  grpc::Status status = Steps({}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), ElementsAre("flow_ids"));
  status = Steps({kEnterprise, "", kEnterprise, "a b"}, &response);
  EXPECT_THAT(Violations(status),
              ElementsAre("flow_ids[1]", "flow_ids[2]", "flow_ids[3]"));
  std::vector<std::string> many;
  for (int i = 0; i < 21; ++i) many.push_back(absl::StrCat(7100000000000000100 + i));
  status = Steps(many, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), ElementsAre("flow_ids"));
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

TEST_F(FoldersStepsTest, TheStatusTableAppliesToBothMethods) {
  StartDemo();
  const std::vector<std::pair<int, grpc::StatusCode>> table = {
      {400, grpc::StatusCode::INVALID_ARGUMENT},
      {401, grpc::StatusCode::UNAUTHENTICATED},
      {403, grpc::StatusCode::PERMISSION_DENIED},
      {404, grpc::StatusCode::NOT_FOUND},
      {500, grpc::StatusCode::INTERNAL},
      {503, grpc::StatusCode::UNAVAILABLE}};
  for (const auto& [http, code] : table) {
    sandbox::Behavior behavior;
    behavior.force_status = http;
    sandbox_->SetBehavior(behavior);
    v1::ListFlowFoldersResponse folders;
    grpc::Status status = Folders(Owner("ana@example.com"), &folders);
    EXPECT_EQ(status.error_code(), code) << "folders, HTTP " << http;
    EXPECT_EQ(Metadata(status, "http_status"), absl::StrCat(http));
    v1::GetFlowStepsResponse steps;
    status = Steps({kTrial}, &steps);
    EXPECT_EQ(status.error_code(), code) << "steps, HTTP " << http;
    EXPECT_EQ(Metadata(status, "http_status"), absl::StrCat(http));
  }
}

TEST_F(FoldersStepsTest, AnUnreadableAnswerIsACleanInternalErrorForBothMethods) {
  StartDemo();
  for (const std::string& body :
       {std::string("<html>oops</html>"), std::string("{}"),
        std::string(R"({"requestId":"r","records":{},"flows":7})"),
        std::string(R"({"requestId":"r","records":{},"flows":[{"name":"no id"}]})"),
        std::string(R"({"requestId":"r","records":{},"flows":[{"id":1.5}]})")}) {
    sandbox::Behavior behavior;
    behavior.force_body = body;
    sandbox_->SetBehavior(behavior);
    v1::ListFlowFoldersResponse folders;
    EXPECT_EQ(Folders(Owner("ana@example.com"), &folders).error_code(),
              grpc::StatusCode::INTERNAL)
        << body;
    v1::GetFlowStepsResponse steps;
    EXPECT_EQ(Steps({kTrial}, &steps).error_code(), grpc::StatusCode::INTERNAL) << body;
  }
  // Steps that are no list are refused, not read as a flow without steps.
  sandbox::Behavior no_list;
  no_list.force_body = R"({"requestId":"r","flows":[{"id":"1","steps":{}}]})";
  sandbox_->SetBehavior(no_list);
  v1::GetFlowStepsResponse odd_steps;
  EXPECT_EQ(Steps({kTrial}, &odd_steps).error_code(), grpc::StatusCode::INTERNAL);
  // A listing whose cursor is no string cannot go on: refused, not read as
  // the last page. (The steps have no cursor.)
  sandbox::Behavior cursor;
  cursor.force_body = R"({"requestId":"r","records":{"cursor":5},"flows":[]})";
  sandbox_->SetBehavior(cursor);
  v1::ListFlowFoldersResponse folders;
  EXPECT_EQ(Folders(Owner("ana@example.com"), &folders).error_code(),
            grpc::StatusCode::INTERNAL);
  // And the server goes on.
  sandbox_->SetBehavior({});
  v1::GetFlowStepsResponse steps;
  EXPECT_TRUE(Steps({kTrial}, &steps).ok());
}

// --- Steps and assign agree ------------------------------------------------------

TEST_F(FoldersStepsTest, EveryStepNumberIsAnOverrideAssignTakesAndOnePastTheLastIsNot) {
  StartDemo();
  v1::GetFlowStepsResponse steps;
  ASSERT_TRUE(Steps({kEnterprise}, &steps).ok());
  v1::AssignProspectsRequest request;
  request.set_flow_id(kEnterprise);
  request.set_flow_instance_owner_email("ana@example.com");
  request.add_crm_prospect_ids("003DEMO000000006");  // free: only a finished instance
  int last = 0;
  for (const auto& step : steps.flows(0).steps()) {
    v1::StepOverride* override = request.mutable_overrides()->add_steps();
    override->set_number(step.number());
    override->set_subject(absl::StrCat("Custom ", step.number()));
    last = std::max(last, step.number());
  }
  v1::AssignProspectsResponse assigned;
  ASSERT_TRUE(Assign(request, &assigned).ok());
  ASSERT_EQ(assigned.assigned_size(), 1);
  EXPECT_THAT(assigned.not_assigned(), IsEmpty());

  request.set_crm_prospect_ids(0, "003NEW0000000001");
  request.mutable_overrides()->add_steps()->set_number(last + 1);
  v1::AssignProspectsResponse refused;
  ASSERT_TRUE(Assign(request, &refused).ok());
  EXPECT_THAT(refused.assigned(), IsEmpty());
  ASSERT_EQ(refused.not_assigned_size(), 1);
  EXPECT_EQ(refused.not_assigned(0).error_code(),
            v1::ASSIGNMENT_ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_THAT(refused.not_assigned(0).error_message(),
              ::testing::HasSubstr(absl::StrCat("no step ", last + 1)));
}

// --- Coalescing ------------------------------------------------------------------

class StepsCoalescingTest : public FoldersStepsTest {
 protected:
  // The limiter on, as in production, at one request a second; the first
  // lookup's answer held so that the next ones wait (and merge) however
  // slowly this machine starts them.
  void StartHeld() {
    app::FacadeConfig config;
    config.quota.gong_qps = 1;
    config.quota.max_in_flight = 1;
    StartDemo(config);
    sandbox::Behavior slow;
    slow.delay = absl::Seconds(3);
    sandbox_->SetBehavior(slow);
  }

  // Lookups of `asks` started together while a first one holds Gong.
  std::vector<std::pair<grpc::Status, v1::GetFlowStepsResponse>> LookUpTogether(
      const std::vector<std::vector<std::string>>& asks) {
    v1::GetFlowStepsResponse first;
    auto first_call = std::async(
        std::launch::async, [&] { return Steps({kWebinar}, &first, absl::Seconds(60)); });
    EXPECT_TRUE(AwaitGongRequests(1));
    sandbox_->SetBehavior({});
    std::vector<std::pair<grpc::Status, v1::GetFlowStepsResponse>> out(asks.size());
    std::vector<std::future<void>> calls;
    for (size_t i = 0; i < asks.size(); ++i) {
      calls.push_back(std::async(std::launch::async, [this, &asks, &out, i] {
        out[i].first = Steps(asks[i], &out[i].second, absl::Seconds(60));
      }));
    }
    for (auto& call : calls) call.get();
    EXPECT_TRUE(first_call.get().ok());
    return out;
  }
};

TEST_F(StepsCoalescingTest, WaitingLookupsShareOneGongRequestEachGettingItsOwnFlows) {
  StartHeld();
  const auto results = LookUpTogether(
      {{kEnterprise}, {kTrial, kEnterprise}, {"7100000000000000004"}, {kTrial}});
  for (const auto& [status, response] : results) ASSERT_TRUE(status.ok());
  EXPECT_THAT(FlowIds(results[0].second), ElementsAre(kEnterprise));
  EXPECT_THAT(FlowIds(results[1].second), UnorderedElementsAre(kTrial, kEnterprise));
  EXPECT_THAT(FlowIds(results[2].second), ElementsAre("7100000000000000004"));
  EXPECT_THAT(FlowIds(results[3].second), ElementsAre(kTrial));
  // The first lookup, then the four in one request (the first held Gong
  // while they arrived; two if this machine is slow enough to split them).
  EXPECT_GE(GongRequestsTo(kStepsPath), 2u);
  EXPECT_LE(GongRequestsTo(kStepsPath), 3u);
  EXPECT_LT(GongRequestsTo(kStepsPath), 5u);
}

// Gong's 404 for a merged request is true of one part only: the steward
// splits it until each caller has its own answer, so the callers of known
// flows get them and only the caller of the unknown one gets NOT_FOUND.
TEST_F(StepsCoalescingTest, AMergedLookupRefusedForOneUnknownFlowIsSplit) {
  StartHeld();
  const std::string unknown = "7199999999999999999";
  const auto results =
      LookUpTogether({{kEnterprise}, {kTrial}, {unknown}, {"7100000000000000004"}});
  EXPECT_TRUE(results[0].first.ok());
  EXPECT_THAT(FlowIds(results[0].second), ElementsAre(kEnterprise));
  EXPECT_TRUE(results[1].first.ok());
  EXPECT_THAT(FlowIds(results[1].second), ElementsAre(kTrial));
  EXPECT_EQ(results[2].first.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(results[3].first.ok());
  EXPECT_THAT(FlowIds(results[3].second), ElementsAre("7100000000000000004"));
  // The unknown flow was sent alone at the end.
  const auto requests = sandbox_->Requests();
  int alone = 0;
  for (const auto& request : requests) {
    alone += request.path == kStepsPath && nlohmann::json::parse(request.body) ==
                                               nlohmann::json({{"flowIds", {unknown}}});
  }
  EXPECT_EQ(alone, 1);
}

// Issue 26's scenario with Gong's 404: the caller of the unknown flow
// leaves while the merged request is with Gong. The one caller left gets
// its own flow, asked for alone, not the 404 the other's flow earned.
TEST_F(StepsCoalescingTest, TheCallerLeftAloneInARefusedMergeGetsItsOwnAnswer) {
  app::FacadeConfig config;
  config.quota.gong_qps = 1;
  config.quota.max_in_flight = 1;
  StartDemo(config);
  // Wide margins for a loaded machine: the next two calls reach the facade
  // within `first_held`, and the leaver's deadline falls half-way through
  // `merged_held`.
  const absl::Duration first_held = absl::Seconds(3);
  const absl::Duration merged_held = absl::Seconds(6);
  sandbox::Behavior slow;
  slow.delay = first_held;
  sandbox_->SetBehavior(slow);
  v1::GetFlowStepsResponse first, leaver, stayer;
  auto first_call = std::async(
      std::launch::async, [&] { return Steps({kWebinar}, &first, absl::Seconds(60)); });
  ASSERT_TRUE(AwaitGongRequests(1));
  slow.delay = merged_held;  // for the merged request, fixed when it arrives
  sandbox_->SetBehavior(slow);
  auto leaver_call = std::async(std::launch::async, [&] {
    return Steps({"7199999999999999999"}, &leaver, first_held + merged_held / 2);
  });
  auto stayer_call = std::async(
      std::launch::async, [&] { return Steps({kTrial}, &stayer, absl::Seconds(60)); });
  EXPECT_EQ(leaver_call.get().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(AwaitGongRequests(2));
  sandbox_->SetBehavior({});  // the stayer's own request is answered at once
  const grpc::Status status = stayer_call.get();
  ASSERT_TRUE(first_call.get().ok());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(FlowIds(stayer), ElementsAre(kTrial));
  // The merged request (both flows, refused), then the stayer's alone.
  const auto requests = sandbox_->Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(requests[1].body)["flowIds"].size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(requests[2].body),
            nlohmann::json({{"flowIds", {kTrial}}}));
}

}  // namespace
}  // namespace gong::e2e
