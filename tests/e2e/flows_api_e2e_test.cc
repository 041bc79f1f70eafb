// The four flows methods beside UnassignByInstanceIds end to end: the real
// facade stack over loopback in front of the sandbox Gong's demo company
// (sandbox_demo_company.cc). Per method: the answer as a caller reads it,
// validation that sends nothing, the status table, and what is (and is not)
// sent again after a failure. Then the methods together: paging through
// three pages, lookups of several callers merged into one Gong request, and
// the walk a caller makes (list, assign, look up, unassign).
#include <functional>
#include <future>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "nlohmann/json.hpp"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

namespace v1 = flows::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr char kEnterprise[] = "7100000000000000001";  // exclusive, Ana's
constexpr char kWebinar[] = "7100000000000000002";
constexpr char kRenewal[] = "7100000000000000004";

class FlowsApiTest : public FacadeTest {
 protected:
  // The demo company, `page_size` flows a page, behind `config`.
  void StartDemo(app::FacadeConfig config = PlainProxy(), int page_size = 20) {
    sandbox::Options options;
    sandbox::SeedDemoCompany(&options);
    options.page_size = page_size;
    StartFacadeWithSandbox(std::move(config), std::move(options));
  }

  // One call of any method, with a deadline `timeout` from now.
  template <typename Request, typename Response>
  grpc::Status Invoke(grpc::Status (v1::FlowService::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&,
                                                                    Response*),
                      const Request& request, Response* response,
                      absl::Duration timeout = absl::Seconds(10)) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return (stub_.get()->*method)(&context, request, response);
  }

  grpc::Status Lookup(const v1::GetProspectFlowsRequest& request,
                      v1::GetProspectFlowsResponse* response,
                      absl::Duration timeout = absl::Seconds(10)) {
    return Invoke(&v1::FlowService::Stub::GetProspectFlows, request, response, timeout);
  }
  grpc::Status List(const v1::ListFlowsRequest& request,
                    v1::ListFlowsResponse* response) {
    return Invoke(&v1::FlowService::Stub::ListFlows, request, response);
  }
  grpc::Status Assign(const v1::AssignProspectsRequest& request,
                      v1::AssignProspectsResponse* response,
                      absl::Duration timeout = absl::Seconds(10)) {
    return Invoke(&v1::FlowService::Stub::AssignProspects, request, response, timeout);
  }
  grpc::Status UnassignCrm(const v1::UnassignByCrmIdRequest& request,
                           v1::UnassignByCrmIdResponse* response) {
    return Invoke(&v1::FlowService::Stub::UnassignByCrmId, request, response);
  }

  // Each method once with a valid request, for tests of what they share.
  std::vector<std::pair<std::string, std::function<grpc::Status()>>> EveryMethod() {
    return {
        {"GetProspectFlows",
         [this] {
           v1::GetProspectFlowsResponse response;
           return Lookup(ByCrmIds({"003DEMO000000003"}), &response);
         }},
        {"ListFlows",
         [this] {
           v1::ListFlowsResponse response;
           return List(Owner("ana@example.com"), &response);
         }},
        {"AssignProspects",
         [this] {
           v1::AssignProspectsResponse response;
           return Assign(AssignTo(kWebinar, {"003DEMO000000006"}), &response);
         }},
        {"UnassignByCrmId",
         [this] {
           v1::UnassignByCrmIdResponse response;
           return UnassignCrm(LeaveFlow("003DEMO000000003", kWebinar), &response);
         }},
    };
  }

  static v1::GetProspectFlowsRequest ByCrmIds(const std::vector<std::string>& ids) {
    v1::GetProspectFlowsRequest request;
    for (const std::string& id : ids) request.add_crm_prospect_ids(id);
    return request;
  }
  static v1::GetProspectFlowsRequest ByInstanceIds(const std::vector<std::string>& ids) {
    v1::GetProspectFlowsRequest request;
    for (const std::string& id : ids) request.add_flow_instance_ids(id);
    return request;
  }
  static v1::ListFlowsRequest Owner(const std::string& email) {
    v1::ListFlowsRequest request;
    request.set_flow_owner_email(email);
    return request;
  }
  static v1::AssignProspectsRequest AssignTo(const std::string& flow,
                                             const std::vector<std::string>& crm_ids) {
    v1::AssignProspectsRequest request;
    request.set_flow_id(flow);
    request.set_flow_instance_owner_email("ana@example.com");
    for (const std::string& id : crm_ids) request.add_crm_prospect_ids(id);
    return request;
  }
  static v1::UnassignByCrmIdRequest LeaveFlow(const std::string& crm_id,
                                              const std::string& flow) {
    v1::UnassignByCrmIdRequest request;
    request.set_crm_prospect_id(crm_id);
    request.set_flow_id(flow);
    return request;
  }

  // The Gong requests the sandbox received on `path`.
  std::vector<sandbox::RecordedRequest> GongRequestsTo(const std::string& path) {
    std::vector<sandbox::RecordedRequest> out;
    for (auto& request : sandbox_->Requests()) {
      if (request.path == path) out.push_back(request);
    }
    return out;
  }

  // A facade that retries, as in production, but without a limiter.
  static app::FacadeConfig Retrying() {
    app::FacadeConfig config = PlainProxy();
    config.quota.max_attempts = 3;
    config.quota.initial_backoff = absl::Milliseconds(10);
    return config;
  }

  // Every Gong request is answered with `behavior` until `n` have arrived,
  // and normally afterwards: the sandbox fixes a request's behaviour when
  // it arrives, and holds a failure a second, so the switch back comes
  // before any retry.
  void FailFirstRequests(sandbox::Behavior behavior, int n,
                         const std::function<void()>& call) {
    behavior.delay = absl::Seconds(1);
    const int64_t before = sandbox_->RequestCount();
    sandbox_->SetBehavior(behavior);
    std::future<void> done = std::async(std::launch::async, call);
    EXPECT_TRUE(AwaitGongRequests(static_cast<int>(before) + n));
    sandbox_->SetBehavior({});
    done.get();
  }
};

std::vector<std::string> InstanceIds(const v1::GetProspectFlowsResponse& response) {
  std::vector<std::string> ids;
  for (const auto& instance : response.flow_instances()) {
    ids.push_back(instance.flow_instance_id());
  }
  return ids;
}

std::vector<std::string> Violations(const grpc::Status& status) {
  std::vector<std::string> fields;
  if (auto bad = Detail<google::rpc::BadRequest>(status); bad.has_value()) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

// --- GetProspectFlows ------------------------------------------------------------

TEST_F(FlowsApiTest, LookupByCrmIdGivesTheProspectsOpenInstancesInFull) {
  StartDemo();
  v1::GetProspectFlowsResponse response;
  ASSERT_TRUE(Lookup(ByCrmIds({"003DEMO000000003"}), &response).ok());
  EXPECT_FALSE(response.request_id().empty());
  ASSERT_THAT(InstanceIds(response),
              UnorderedElementsAre("7300000000000000003", "7300000000000000004"));
  for (const auto& instance : response.flow_instances()) {
    EXPECT_EQ(instance.crm_prospect_id(), "003DEMO000000003");
    if (instance.flow_instance_id() != "7300000000000000004") continue;
    EXPECT_EQ(instance.flow_id(), kRenewal);
    EXPECT_EQ(instance.flow_name(), "Renewal check-in");
    EXPECT_EQ(instance.owner_email(), "chen@example.com");
    EXPECT_EQ(instance.owner_full_name(), "Chen Wei");
    EXPECT_EQ(instance.status(), v1::FLOW_INSTANCE_STATUS_PENDING);
    EXPECT_EQ(instance.workspace_id(), "6100000000000000001");
    EXPECT_FALSE(instance.exclusive());
    // The sandbox writes dates in the company's zone with its offset: the
    // instant is kept, not the wall-clock time.
    ASSERT_TRUE(instance.has_create_time());
    const absl::Time created = absl::FromUnixSeconds(instance.create_time().seconds()) +
                               absl::Nanoseconds(instance.create_time().nanos());
    EXPECT_EQ(created, absl::FromCivil(absl::CivilSecond(2026, 11, 28, 10, 0, 0),
                                       sandbox::CompanyTimeZone()));
  }
  const auto sent = GongRequestsTo("/v2/flows/prospects");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].body, R"({"crmProspectsIds":["003DEMO000000003"]})");
}

TEST_F(FlowsApiTest, LookupByInstanceIdAlsoGivesFinishedInstances) {
  StartDemo();
  v1::GetProspectFlowsResponse response;
  ASSERT_TRUE(
      Lookup(ByInstanceIds({"7300000000000000008", "7300000000000000001"}), &response)
          .ok());
  ASSERT_THAT(InstanceIds(response),
              UnorderedElementsAre("7300000000000000008", "7300000000000000001"));
  for (const auto& instance : response.flow_instances()) {
    EXPECT_EQ(instance.status(), instance.flow_instance_id() == "7300000000000000008"
                                     ? v1::FLOW_INSTANCE_STATUS_FINISHED_NO_REPLY
                                     : v1::FLOW_INSTANCE_STATUS_RUNNING);
    EXPECT_TRUE(instance.exclusive());
  }
}

TEST_F(FlowsApiTest, AnInvalidLookupIsRefusedAndSendsNothing) {
  StartDemo();
  v1::GetProspectFlowsRequest request = ByCrmIds({"003DEMO000000003", "003 X"});
  request.add_flow_instance_ids("1");
  v1::GetProspectFlowsResponse response;
  const grpc::Status status = Lookup(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status),
              ElementsAre("flow_instance_ids", "crm_prospect_ids[1]"));
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

// --- ListFlows -----------------------------------------------------------------

TEST_F(FlowsApiTest, ListingPagesThroughThreePagesEachFlowOnce) {
  StartDemo(PlainProxy(), /*page_size=*/2);
  std::vector<std::string> flow_ids;
  std::vector<int> page_sizes;
  v1::ListFlowsRequest request = Owner("ana@example.com");
  for (int page = 0; page < 10; ++page) {
    v1::ListFlowsResponse response;
    ASSERT_TRUE(List(request, &response).ok()) << "page " << page;
    EXPECT_EQ(response.total_size(), 5);
    page_sizes.push_back(response.flows_size());
    for (const auto& flow : response.flows()) flow_ids.push_back(flow.flow_id());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(page_sizes, ElementsAre(2, 2, 1));
  EXPECT_EQ(std::set<std::string>(flow_ids.begin(), flow_ids.end()).size(), 5u);
  EXPECT_THAT(flow_ids, ::testing::Not(::testing::Contains("7100000000000000005")))
      << "Bruno's personal flow is not Ana's to see";
  // Gong's cursor went back as the query parameter, never in a body.
  const auto sent = GongRequestsTo("/v2/flows");
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_FALSE(absl::StrContains(sent[0].query, "cursor="));
  EXPECT_TRUE(absl::StrContains(sent[1].query, "cursor="));
  EXPECT_TRUE(absl::StrContains(sent[2].query, "cursor="));
  EXPECT_NE(sent[1].query, sent[2].query);
  for (const auto& gong_request : sent) {
    EXPECT_EQ(gong_request.method, "GET");
    EXPECT_EQ(gong_request.body, "");
  }
}

TEST_F(FlowsApiTest, AFlowReadsInFull) {
  StartDemo();
  v1::ListFlowsResponse response;
  ASSERT_TRUE(List(Owner("ana@example.com"), &response).ok());
  const v1::Flow* enterprise = nullptr;
  for (const auto& flow : response.flows()) {
    if (flow.flow_id() == kEnterprise) enterprise = &flow;
  }
  ASSERT_NE(enterprise, nullptr);
  EXPECT_EQ(enterprise->name(), "Enterprise outbound");
  EXPECT_EQ(enterprise->folder_id(), "7000000000000000101");
  EXPECT_EQ(enterprise->folder_name(), "Outbound");
  EXPECT_EQ(enterprise->visibility(), v1::FLOW_VISIBILITY_COMPANY);
  EXPECT_TRUE(enterprise->exclusive());
  EXPECT_EQ(enterprise->create_time().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2026, 3, 2, 10, 0, 0),
                                                sandbox::CompanyTimeZone())));
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_F(FlowsApiTest, APageTokenOfOtherFiltersIsRefusedAndSendsNothing) {
  StartDemo(PlainProxy(), /*page_size=*/2);
  v1::ListFlowsResponse first;
  ASSERT_TRUE(List(Owner("ana@example.com"), &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  const int64_t sent = sandbox_->RequestCount();

  v1::ListFlowsRequest other = Owner("chen@example.com");
  other.set_page_token(first.next_page_token());
  v1::ListFlowsResponse response;
  grpc::Status status = List(other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), ElementsAre("page_token"));

  other = Owner("ana@example.com");
  other.set_page_token("not-a-token");
  status = List(other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), ElementsAre("page_token"));
  EXPECT_EQ(sandbox_->RequestCount(), sent);
}

// Issue 5: Gong's cursor, whatever its length up to the documented bound,
// comes back to Gong whole through the token; one past the bound is a
// clear INTERNAL, never a token the next call would refuse.
TEST_F(FlowsApiTest, LongGongCursorsRideThePageTokenAndLongerOnesAreNamed) {
  StartDemo();
  auto page_with_cursor = [](const std::string& cursor) {
    return absl::StrCat(
        R"({"requestId":"long-cursor","records":{"totalRecords":9,"currentPageSize":1,)",
        R"("currentPageNumber":0,"cursor":")", cursor,
        R"("},"flows":[{"id":"7100000000000000001","name":"Enterprise outbound"}]})");
  };
  // (The sandbox, like many HTTP servers, takes request lines of up to
  // 8 KiB: page_token_test.cc covers the longest cursor itself.)
  for (size_t size : {size_t{1025}, size_t{4 * 1024}}) {
    SCOPED_TRACE(size);
    std::string cursor;
    for (size_t i = 0; i < size; ++i) cursor.push_back("abcXYZ019"[i % 9]);
    sandbox::Behavior behavior;
    behavior.force_body = page_with_cursor(cursor);
    sandbox_->SetBehavior(behavior);
    v1::ListFlowsResponse first;
    const grpc::Status listed = List(Owner("ana@example.com"), &first);
    ASSERT_TRUE(listed.ok()) << listed.error_message();
    ASSERT_FALSE(first.next_page_token().empty());

    v1::ListFlowsRequest next = Owner("ana@example.com");
    next.set_page_token(first.next_page_token());
    v1::ListFlowsResponse second;
    const grpc::Status status = List(next, &second);
    ASSERT_TRUE(status.ok()) << status.error_message();
    const auto sent = GongRequestsTo("/v2/flows");
    ASSERT_FALSE(sent.empty());
    EXPECT_TRUE(absl::StrContains(sent.back().query, absl::StrCat("cursor=", cursor)));
  }

  sandbox::Behavior behavior;
  behavior.force_body = page_with_cursor(std::string(8 * 1024 + 1, 'c'));
  sandbox_->SetBehavior(behavior);
  v1::ListFlowsResponse response;
  const grpc::Status status = List(Owner("ana@example.com"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Reason(status), "GONG_CURSOR_TOO_LONG");
  EXPECT_EQ(Metadata(status, "gong_request_id"), "long-cursor");
  EXPECT_TRUE(absl::StrContains(status.error_message(), "8193 bytes, over the 8192"))
      << status.error_message();
  EXPECT_EQ(response.next_page_token(), "");
}

// --- AssignProspects ------------------------------------------------------------

TEST_F(FlowsApiTest, AssignCreatesInstancesAndSaysWhichItRefused) {
  StartDemo();
  v1::AssignProspectsRequest request =
      AssignTo(kWebinar, {"003DEMO000000006", "003DEMO000000001"});
  request.set_flow_instance_description("Q4 webinar");
  auto* step = request.mutable_overrides()->add_steps();
  step->set_number(1);
  step->set_subject("Thanks for coming");
  v1::AssignProspectsResponse response;
  ASSERT_TRUE(Assign(request, &response).ok());
  ASSERT_EQ(response.assigned_size(), 1);
  EXPECT_EQ(response.assigned(0).crm_prospect_id(), "003DEMO000000006");
  EXPECT_EQ(response.assigned(0).flow_id(), kWebinar);
  EXPECT_EQ(response.assigned(0).flow_instance_id(), "9100000000000000001");
  // 001 is in the exclusive flow: Gong refuses it, the call still succeeds.
  ASSERT_EQ(response.not_assigned_size(), 1);
  EXPECT_EQ(response.not_assigned(0).crm_prospect_id(), "003DEMO000000001");
  EXPECT_EQ(response.not_assigned(0).error_code(),
            v1::ASSIGNMENT_ERROR_CODE_INVALID_STATE);
  EXPECT_FALSE(response.not_assigned(0).error_message().empty());

  const auto sent = GongRequestsTo("/v2/flows/prospects/assign");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(absl::StrContains(
      sent[0].body, R"("steps":[{"number":1,"subject":"Thanks for coming"}])"))
      << sent[0].body;
  EXPECT_TRUE(
      absl::StrContains(sent[0].body, R"("flowInstanceDescription":"Q4 webinar")"));
}

TEST_F(FlowsApiTest, AssigningToAnUnknownFlowIsEachProspectNotAssigned) {
  StartDemo();
  v1::AssignProspectsResponse response;
  ASSERT_TRUE(
      Assign(AssignTo("7199999999999999999", {"003DEMO000000006", "003DEMO000000009"}),
             &response)
          .ok());
  EXPECT_EQ(response.assigned_size(), 0);
  ASSERT_EQ(response.not_assigned_size(), 2);
  for (const auto& failure : response.not_assigned()) {
    EXPECT_EQ(failure.flow_id(), "7199999999999999999");
    EXPECT_NE(failure.error_code(), v1::ASSIGNMENT_ERROR_CODE_UNSPECIFIED);
  }
}

TEST_F(FlowsApiTest, AnInvalidAssignIsRefusedWithEveryFieldPathAndSendsNothing) {
  StartDemo();
  v1::AssignProspectsRequest request = AssignTo("", {"003A", "003A"});
  request.set_flow_instance_owner_email("ana");
  request.mutable_overrides()->add_steps()->set_number(0);
  v1::AssignProspectsResponse response;
  const grpc::Status status = Assign(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(status), "INVALID_REQUEST");
  EXPECT_THAT(Violations(status),
              ElementsAre("crm_prospect_ids[1]", "flow_id", "flow_instance_owner_email",
                          "overrides.steps[0].number"));
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

// Issue 26: a 3 MB step subject or a 1 MB description went to Gong as it
// was. Each text has its bound; past it the call is INVALID_ARGUMENT on the
// field, and nothing is sent. (Sizes here stay under the facade's receive
// limit, which refuses larger requests before validation.)
TEST_F(FlowsApiTest, TextsPastTheirBoundsAreRefusedAndSendNothing) {
  StartDemo();
  v1::AssignProspectsRequest request = AssignTo(kWebinar, {"003DEMO000000006"});
  request.set_flow_instance_description(std::string(64 * 1024, 'd'));
  auto* step = request.mutable_overrides()->add_steps();
  step->set_number(1);
  step->set_subject(std::string(2 * 1024, 's'));
  step->set_body(std::string(64 * 1024, 'b'));
  auto* variable = request.mutable_overrides()->add_flow_instance_variables();
  variable->set_name(std::string(1024, 'n'));
  variable->set_value(std::string(2 * 1024, 'v'));
  v1::AssignProspectsResponse response;
  const grpc::Status status = Assign(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(status), "INVALID_REQUEST");
  EXPECT_THAT(Violations(status),
              ElementsAre("overrides.steps[0].subject", "overrides.steps[0].body",
                          "overrides.flow_instance_variables[0].name",
                          "overrides.flow_instance_variables[0].value",
                          "flow_instance_description"));
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

// --- UnassignByCrmId ----------------------------------------------------------

TEST_F(FlowsApiTest, UnassignByCrmIdLeavesOneFlowOrAll) {
  StartDemo();
  v1::UnassignByCrmIdResponse response;
  ASSERT_TRUE(UnassignCrm(LeaveFlow("003DEMO000000003", kWebinar), &response).ok());
  EXPECT_THAT(response.unassigned_flow_instance_ids(),
              ElementsAre("7300000000000000003"));
  EXPECT_EQ(GongRequestsTo("/v2/flows/prospects/unassign-flows-by-crm-id")[0].body,
            R"({"crmProspectId":"003DEMO000000003","flowId":"7100000000000000002"})");

  v1::UnassignByCrmIdRequest all;
  all.set_crm_prospect_id("003DEMO000000010");
  all.set_all_flows(true);
  ASSERT_TRUE(UnassignCrm(all, &response).ok());
  // 010's only open instance; its finished one was not "in" a flow.
  EXPECT_THAT(response.unassigned_flow_instance_ids(),
              ElementsAre("7300000000000000012"));
  EXPECT_EQ(GongRequestsTo("/v2/flows/prospects/unassign-flows-by-crm-id")[1].body,
            R"({"crmProspectId":"003DEMO000000010"})");
}

// A forgotten flow id must never reach Gong, which would read it as "all".
TEST_F(FlowsApiTest, NeitherAFlowNorAllFlowsIsRefusedAndSendsNothing) {
  StartDemo();
  v1::UnassignByCrmIdRequest request;
  request.set_crm_prospect_id("003DEMO000000003");
  v1::UnassignByCrmIdResponse response;
  grpc::Status status = UnassignCrm(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), ElementsAre("flow_id"));
  request.set_flow_id(kWebinar);
  request.set_all_flows(true);
  status = UnassignCrm(request, &response);
  EXPECT_THAT(Violations(status), ElementsAre("all_flows"));
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

// --- What every method shares --------------------------------------------------

TEST_F(FlowsApiTest, TheStatusTableAppliesToEveryMethod) {
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
    for (const auto& [method, call] : EveryMethod()) {
      const grpc::Status status = call();
      EXPECT_EQ(status.error_code(), code) << method << " on HTTP " << http;
      EXPECT_EQ(Metadata(status, "http_status"), absl::StrCat(http)) << method;
      EXPECT_NE(Metadata(status, "gong_request_id"), "<absent>") << method;
    }
  }
}

TEST_F(FlowsApiTest, AnUnreadableAnswerIsACleanInternalErrorForEveryMethod) {
  StartDemo();
  for (const std::string& body : {std::string("<html>oops</html>"), std::string("{}"),
                                  std::string(R"({"requestId":"r","flows":7})")}) {
    sandbox::Behavior behavior;
    behavior.force_body = body;
    sandbox_->SetBehavior(behavior);
    for (const auto& [method, call] : EveryMethod()) {
      const grpc::Status status = call();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL)
          << method << ": " << body;
    }
  }
}

TEST_F(FlowsApiTest, WritesAreNeverSentAgainAfterA500) {
  StartDemo(Retrying());
  sandbox::Behavior failing;
  failing.force_status = 500;
  v1::AssignProspectsResponse assigned;
  FailFirstRequests(failing, 1, [&] {
    EXPECT_EQ(Assign(AssignTo(kWebinar, {"003DEMO000000006"}), &assigned).error_code(),
              grpc::StatusCode::INTERNAL);
  });
  v1::UnassignByCrmIdResponse unassigned;
  FailFirstRequests(failing, 1, [&] {
    EXPECT_EQ(
        UnassignCrm(LeaveFlow("003DEMO000000003", kWebinar), &unassigned).error_code(),
        grpc::StatusCode::INTERNAL);
  });
  // Writes only: after --settle_delay the facade may read Gong's state.
  EXPECT_EQ(GongRequestsTo("/v2/flows/prospects/assign").size(), 1u);
  EXPECT_EQ(GongRequestsTo("/v2/flows/prospects/unassign-flows-by-crm-id").size(), 1u);
}

TEST_F(FlowsApiTest, WritesAreNeverSentAgainAfterADroppedConnection) {
  StartDemo(Retrying());
  sandbox::Behavior dropping;
  dropping.drop_connection = true;
  v1::AssignProspectsResponse assigned;
  FailFirstRequests(dropping, 1, [&] {
    EXPECT_EQ(Assign(AssignTo(kWebinar, {"003DEMO000000006"}), &assigned).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  });
  // Writes only: after --settle_delay the facade may read Gong's state.
  EXPECT_EQ(GongRequestsTo("/v2/flows/prospects/assign").size(), 1u);
}

TEST_F(FlowsApiTest, AWriteThatTimedOutIsNotSentAgain) {
  StartDemo(Retrying());
  SlowGong(absl::Seconds(2));
  v1::AssignProspectsResponse assigned;
  EXPECT_EQ(
      Assign(AssignTo(kWebinar, {"003DEMO000000006"}), &assigned, absl::Milliseconds(500))
          .error_code(),
      grpc::StatusCode::DEADLINE_EXCEEDED);
  // Long enough for a resend to have arrived, had there been one.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(sandbox_->RequestCount(), 1);
}

TEST_F(FlowsApiTest, AWriteIsSentAgainAfterA503ByWhichGongSurelyDidNotAct) {
  StartDemo(Retrying());
  sandbox::Behavior unavailable;
  unavailable.force_status = 503;
  v1::AssignProspectsResponse assigned;
  FailFirstRequests(unavailable, 1, [&] {
    EXPECT_TRUE(Assign(AssignTo(kWebinar, {"003DEMO000000006"}), &assigned).ok());
  });
  EXPECT_EQ(assigned.assigned_size(), 1);
  EXPECT_EQ(sandbox_->RequestCount(), 2);
}

TEST_F(FlowsApiTest, ReadsAreSentAgainAfterA500OrADroppedConnection) {
  StartDemo(Retrying());
  for (bool drop : {false, true}) {
    sandbox::Behavior failing;
    if (drop) {
      failing.drop_connection = true;
    } else {
      failing.force_status = 500;
    }
    const int64_t before = sandbox_->RequestCount();
    FailFirstRequests(failing, 1, [&] {
      v1::GetProspectFlowsResponse looked_up;
      EXPECT_TRUE(Lookup(ByCrmIds({"003DEMO000000003"}), &looked_up).ok()) << drop;
      EXPECT_EQ(looked_up.flow_instances_size(), 2);
    });
    FailFirstRequests(failing, 1, [&] {
      v1::ListFlowsResponse listed;
      EXPECT_TRUE(List(Owner("ana@example.com"), &listed).ok()) << drop;
      EXPECT_EQ(listed.flows_size(), 5);
    });
    EXPECT_EQ(sandbox_->RequestCount() - before, 4) << drop;
  }
}

// Lookups waiting for their turn share one Gong request; each caller gets
// exactly the instances of its own ids.
TEST_F(FlowsApiTest, WaitingLookupsShareOneGongRequest) {
  app::FacadeConfig config;  // the limiter on, as in production
  config.quota.gong_qps = 1;
  StartDemo(config);
  v1::GetProspectFlowsResponse first;
  ASSERT_TRUE(
      Lookup(ByInstanceIds({"7300000000000000013"}), &first).ok());  // takes the slot

  const std::vector<std::string> ids = {"7300000000000000001", "7300000000000000005",
                                        "7300000000000000009", "7300000000000000010"};
  std::vector<v1::GetProspectFlowsResponse> responses(ids.size());
  std::vector<std::future<grpc::Status>> calls;
  for (size_t i = 0; i < ids.size(); ++i) {
    calls.push_back(std::async(std::launch::async, [this, &ids, &responses, i] {
      return Lookup(ByInstanceIds({ids[i]}), &responses[i], absl::Seconds(20));
    }));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(calls[i].get().ok()) << i;
    EXPECT_THAT(InstanceIds(responses[i]), ElementsAre(ids[i]));
  }
  // The first lookup, then the waiting ones in as few requests as the
  // window allowed (they all arrive within the second the first one holds,
  // so one; two if the machine is slow enough to split them).
  const auto sent = GongRequestsTo("/v2/flows/prospects");
  EXPECT_GE(sent.size(), 2u);
  EXPECT_LE(sent.size(), 3u);
}

// Issue 26's scenario: three lookups, the last two merged into one Gong
// request while the first holds Gong, and the middle one's deadline passes
// while that request is in flight. The third caller sees its own instances
// and not the middle one's, by CRM id and by instance id alike.
struct LeftMergeCase {
  std::string name;
  bool by_crm_id;
  std::vector<std::string> first, middle, third;  // ids asked for
  std::vector<std::string> third_instances;       // what the third must see
};

// (For gtest's messages: the case's name rather than its bytes.)
void PrintTo(const LeftMergeCase& c, std::ostream* out) { *out << c.name; }

class LeftMergeTest : public FlowsApiTest,
                      public ::testing::WithParamInterface<LeftMergeCase> {
 protected:
  v1::GetProspectFlowsRequest Ask(const std::vector<std::string>& ids) const {
    return GetParam().by_crm_id ? ByCrmIds(ids) : ByInstanceIds(ids);
  }
};

TEST_P(LeftMergeTest, TheCallerLeftAloneInAMergedLookupSeesOnlyItsOwnInstances) {
  const LeftMergeCase& c = GetParam();
  app::FacadeConfig config;  // the limiter on and coalescing, as in production
  config.quota.gong_qps = 1;
  // The first lookup's answer, held by the sandbox, keeps the next two
  // waiting (so merged) however slowly this machine starts them.
  config.quota.max_in_flight = 1;
  StartDemo(config);
  // Both delays are wide margins for a loaded machine: the next two calls
  // must reach the facade within `first_held` of the first one's request,
  // and the middle one's deadline falls half-way through `merged_held`.
  const absl::Duration first_held = absl::Seconds(3);
  const absl::Duration merged_held = absl::Seconds(6);
  sandbox::Behavior slow;
  slow.delay = first_held;
  sandbox_->SetBehavior(slow);
  v1::GetProspectFlowsResponse first, middle, third;
  auto first_call = std::async(std::launch::async, [&] {
    return Lookup(Ask(c.first), &first, absl::Seconds(30));
  });
  ASSERT_TRUE(AwaitGongRequests(1));
  slow.delay = merged_held;  // for the merged request, fixed when it arrives
  sandbox_->SetBehavior(slow);
  auto middle_call = std::async(std::launch::async, [&] {
    return Lookup(Ask(c.middle), &middle, first_held + merged_held / 2);
  });
  auto third_call = std::async(std::launch::async, [&] {
    return Lookup(Ask(c.third), &third, absl::Seconds(30));
  });

  EXPECT_EQ(middle_call.get().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  const grpc::Status third_status = third_call.get();
  ASSERT_TRUE(first_call.get().ok());
  ASSERT_TRUE(third_status.ok()) << third_status.error_message();
  // The middle caller was in the merged request Gong answered: it left
  // while that was in flight, and Gong's answer held its instances.
  const auto sent = GongRequestsTo("/v2/flows/prospects");
  ASSERT_EQ(sent.size(), 2u);
  const nlohmann::json merged = nlohmann::json::parse(sent[1].body);
  const auto merged_ids = merged.at(c.by_crm_id ? "crmProspectsIds" : "flowInstanceIds")
                              .get<std::vector<std::string>>();
  std::vector<std::string> expected = c.middle;
  expected.insert(expected.end(), c.third.begin(), c.third.end());
  ASSERT_THAT(merged_ids, UnorderedElementsAreArray(expected));
  EXPECT_THAT(InstanceIds(third), UnorderedElementsAreArray(c.third_instances));
}

INSTANTIATE_TEST_SUITE_P(
    ByEitherKindOfId, LeftMergeTest,
    ::testing::Values(LeftMergeCase{"ByCrmId",
                                    true,
                                    {"003DEMO000000001"},
                                    {"003DEMO000000003"},  // in two flows at once
                                    {"003DEMO000000005"},
                                    {"7300000000000000007"}},
                      LeftMergeCase{"ByInstanceId",
                                    false,
                                    {"7300000000000000001"},
                                    {"7300000000000000003", "7300000000000000004"},
                                    {"7300000000000000007"},
                                    {"7300000000000000007"}}),
    [](const auto& info) { return info.param.name; });

TEST_F(FlowsApiTest, TheWalkACallerMakes) {
  StartDemo();
  // List Ana's flows, put a free prospect into one, find its instance, and
  // take it out by instance id.
  v1::ListFlowsResponse flows;
  ASSERT_TRUE(List(Owner("ana@example.com"), &flows).ok());
  ASSERT_GT(flows.flows_size(), 0);
  v1::AssignProspectsResponse assigned;
  ASSERT_TRUE(Assign(AssignTo(kRenewal, {"003DEMO000000006"}), &assigned).ok());
  ASSERT_EQ(assigned.assigned_size(), 1);

  v1::GetProspectFlowsResponse found;
  ASSERT_TRUE(Lookup(ByCrmIds({"003DEMO000000006"}), &found).ok());
  ASSERT_THAT(InstanceIds(found), ElementsAre(assigned.assigned(0).flow_instance_id()));

  v1::UnassignByInstanceIdsResponse unassigned;
  ASSERT_TRUE(Call({found.flow_instances(0).flow_instance_id()}, &unassigned).ok());
  EXPECT_THAT(unassigned.unassigned_flow_instance_ids(),
              ElementsAre(assigned.assigned(0).flow_instance_id()));
  ASSERT_TRUE(Lookup(ByCrmIds({"003DEMO000000006"}), &found).ok());
  EXPECT_THAT(found.flow_instances(), IsEmpty());
}

}  // namespace
}  // namespace gong::e2e
