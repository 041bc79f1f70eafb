// The facade's full stack in front of a sandbox Gong that answers 200 with
// hostile bodies: a value nested 100,000 levels deep in a field each method
// reads (which once crashed the server on the transport's thread), a date
// no Timestamp can hold, and a write's answer without its requestId or with
// a name that is not UTF-8. Each is answered cleanly and the server goes on.
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace gong::e2e {
namespace {

namespace v1 = flows::v1;

class HostileAnswersTest : public FacadeTest {
 protected:
  template <typename Request, typename Response>
  grpc::Status Invoke(grpc::Status (v1::FlowService::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&,
                                                                    Response*),
                      const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    return (stub_.get()->*method)(&context, request, response);
  }

  grpc::Status Lookup(v1::GetProspectFlowsResponse* response) {
    v1::GetProspectFlowsRequest request;
    request.add_crm_prospect_ids("003A");
    return Invoke(&v1::FlowService::Stub::GetProspectFlows, request, response);
  }
  grpc::Status List(v1::ListFlowsResponse* response) {
    v1::ListFlowsRequest request;
    request.set_flow_owner_email("ana@example.com");
    return Invoke(&v1::FlowService::Stub::ListFlows, request, response);
  }
  grpc::Status Assign(v1::AssignProspectsResponse* response) {
    v1::AssignProspectsRequest request;
    request.set_flow_id("5001");
    request.set_flow_instance_owner_email("ana@example.com");
    request.add_crm_prospect_ids("003A");
    return Invoke(&v1::FlowService::Stub::AssignProspects, request, response);
  }

  void AnswerWith(std::string body) {
    sandbox::Behavior behavior;
    behavior.force_body = std::move(body);
    sandbox_->SetBehavior(behavior);
  }
};

std::string Deep() { return std::string(100000, '[') + std::string(100000, ']'); }

TEST_F(HostileAnswersTest, AValueNestedTooDeepIsACleanInternalErrorAndTheServerGoesOn) {
  StartFacade();
  const std::vector<std::pair<std::string, std::function<grpc::Status()>>> calls = {
      {absl::StrCat(R"({"requestId": "r", "prospectsAssigned": [{"flowId": "1",
           "flowInstanceId": "2", "flowName": )",
                    Deep(), "}]}"),
       [this] {
         v1::GetProspectFlowsResponse response;
         return Lookup(&response);
       }},
      {absl::StrCat(R"({"requestId": "r", "records": {"cursor": )", Deep(),
                    R"(}, "flows": []})"),
       [this] {
         v1::ListFlowsResponse response;
         return List(&response);
       }},
      {absl::StrCat(R"({"requestId": "r", "prospectsAssigned": [],
           "prospectsNotAssigned": [{"crmProspectId": "003A", "errorMessage": )",
                    Deep(), "}]}"),
       [this] {
         v1::AssignProspectsResponse response;
         return Assign(&response);
       }},
      {absl::StrCat(R"({"requestId": )", Deep(), R"(, "unassignedFlowInstanceIds": []})"),
       [this] {
         v1::UnassignByInstanceIdsResponse response;
         return Call({"1001"}, &response);
       }},
  };
  for (const auto& [body, call] : calls) {
    SCOPED_TRACE(body.substr(0, 60));
    AnswerWith(body);
    const grpc::Status status = call();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL) << status.error_message();
    EXPECT_EQ(Reason(status), "GONG_MALFORMED_RESPONSE");
  }
  sandbox_->SetBehavior({});
  v1::UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call({"1002"}, &response).ok());
  EXPECT_EQ(response.unassigned_flow_instance_ids_size(), 1);
}

TEST_F(HostileAnswersTest, ADateNoTimestampCanHoldIsLeftUnsetAndTheAnswerPrints) {
  StartFacade();
  AnswerWith(R"({"requestId": "r", "prospectsAssigned": [
      {"crmProspectId": "003A", "flowId": "1", "flowInstanceId": "2",
       "flowInstanceCreateDate": "10000-01-01T00:00:00Z"},
      {"crmProspectId": "003A", "flowId": "1", "flowInstanceId": "3",
       "flowInstanceCreateDate": "9999-12-31T23:59:59-08:00"},
      {"crmProspectId": "003A", "flowId": "1", "flowInstanceId": "4",
       "flowInstanceCreateDate": "0000-01-01T00:00:00Z"},
      {"crmProspectId": "003A", "flowId": "1", "flowInstanceId": "5",
       "flowInstanceCreateDate": "9999-12-31T15:59:59-08:00"}]})");
  v1::GetProspectFlowsResponse response;
  const grpc::Status status = Lookup(&response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.flow_instances_size(), 4);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(response.flow_instances(i).has_create_time()) << i;
  }
  EXPECT_EQ(response.flow_instances(3).create_time().seconds(), 253402300799);
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(response, &json).ok());
}

// Gong has carried the write out: the caller must be told it is done.
TEST_F(HostileAnswersTest, AWritesAnswerWithoutRequestIdOrWithTextNotUtf8IsDone) {
  StartFacade();
  AnswerWith(
      "{\"prospectsAssigned\": [{\"flowId\": \"5001\", \"flowInstanceId\": \"9\", "
      "\"crmProspectId\": \"003A\", \"flowName\": \"Caf\xE9\", "
      "\"flowInstanceOwnerFullName\": \"Ren\xC3\xA9\"}]}");
  v1::AssignProspectsResponse assigned;
  const grpc::Status status = Assign(&assigned);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(assigned.request_id(), "");
  ASSERT_EQ(assigned.assigned_size(), 1);
  EXPECT_EQ(assigned.assigned(0).flow_instance_id(), "9");
  EXPECT_EQ(assigned.assigned(0).flow_name(), "");
  EXPECT_EQ(assigned.assigned(0).owner_full_name(), "Ren\xC3\xA9");

  AnswerWith(R"({"requestId": null, "unassignedFlowInstanceIds": ["1001"]})");
  v1::UnassignByInstanceIdsResponse unassigned;
  ASSERT_TRUE(Call({"1001"}, &unassigned).ok());
  EXPECT_EQ(unassigned.unassigned_flow_instance_ids_size(), 1);
}

}  // namespace
}  // namespace gong::e2e
