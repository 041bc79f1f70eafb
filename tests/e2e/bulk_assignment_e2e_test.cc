// Bulk assignments end to end: the facade's full stack over loopback in
// front of the sandbox Gong's demo company, whose jobs move on a step per
// GET and assign their prospects in its model for real
// (sandbox_bulk_assignments.h). A job started and followed to COMPLETED
// with new CRM ids that the lookup then finds; validation that sends
// nothing; Gong's 404 for an unknown job; a job that FAILs; a submission
// retried with its idempotency key (one job); a lost answer whose retry
// sends nothing; and unreadable answers, which are INTERNAL.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"

namespace gong::e2e {
namespace {

namespace v1 = flows::v1;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kBulkPath[] = "/v2/flows/prospects/bulk-assignments";
constexpr char kWebinar[] = "7100000000000000002";
// Open only in a flow that is not exclusive: may join the webinar flow.
constexpr char kFreeProspect[] = "003DEMO000000005";
// Open in the exclusive Enterprise flow: may join no other.
constexpr char kExclusiveProspect[] = "003DEMO000000001";

v1::BulkProspect Named(int i) {
  v1::BulkProspect prospect;
  prospect.set_first_name(absl::StrCat("First", i));
  prospect.set_last_name("Last");
  prospect.set_email(absl::StrCat("p", i, "@example.com"));
  prospect.set_company_name("Acme");
  return prospect;
}

v1::BulkProspect Known(const std::string& crm_id) {
  v1::BulkProspect prospect;
  prospect.set_crm_id(crm_id);
  return prospect;
}

v1::StartBulkAssignmentRequest StartOf(const std::vector<v1::BulkProspect>& prospects) {
  v1::StartBulkAssignmentRequest request;
  request.set_flow_id(kWebinar);
  request.set_owner_email("ana@example.com");
  for (const v1::BulkProspect& prospect : prospects) *request.add_prospects() = prospect;
  return request;
}

class BulkAssignmentTest : public FacadeTest {
 protected:
  void StartDemo(sandbox::Behavior behavior = {}) {
    sandbox::Options options;
    sandbox::SeedDemoCompany(&options);
    options.behavior = behavior;
    StartFacadeWithSandbox(PlainProxy(), std::move(options));
  }

  grpc::Status Start(const v1::StartBulkAssignmentRequest& request,
                     v1::StartBulkAssignmentResponse* response,
                     const std::string& key = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    if (!key.empty()) context.AddMetadata("idempotency-key", key);
    return stub_->StartBulkAssignment(&context, request, response);
  }

  grpc::Status Get(const std::string& id, v1::GetBulkAssignmentResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::GetBulkAssignmentRequest request;
    request.set_bulk_assignment_id(id);
    return stub_->GetBulkAssignment(&context, request, response);
  }

  // GETs the job until it ends (a few GETs: the sandbox moves a job on each
  // time), and returns it as it ended.
  v1::BulkAssignment PollToEnd(const std::string& id) {
    v1::BulkAssignment job;
    for (int i = 0; i < 60; ++i) {
      v1::GetBulkAssignmentResponse response;
      const grpc::Status status = Get(id, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      job = response.bulk_assignment();
      if (job.state() == v1::BULK_ASSIGNMENT_STATE_COMPLETED ||
          job.state() == v1::BULK_ASSIGNMENT_STATE_FAILED) {
        break;
      }
    }
    return job;
  }

  // The bulk starts the sandbox received: each would start a job.
  int Posts() const {
    int posts = 0;
    for (const sandbox::RecordedRequest& request : sandbox_->Requests()) {
      if (request.method == "POST" && request.path == kBulkPath) ++posts;
    }
    return posts;
  }
};

TEST_F(BulkAssignmentTest, AJobPolledToItsEndAssignsNewAndKnownProspects) {
  StartDemo();
  v1::StartBulkAssignmentResponse started;
  const grpc::Status status = Start(
      StartOf({Named(1), Named(2), Known(kFreeProspect), Known(kExclusiveProspect),
               Known("003UNKNOWN")}),
      &started);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::BulkAssignment& first = started.bulk_assignment();
  EXPECT_EQ(first.state(), v1::BULK_ASSIGNMENT_STATE_PENDING);
  EXPECT_EQ(first.total_count(), 5);
  EXPECT_FALSE(first.request_id().empty());
  ASSERT_FALSE(first.bulk_assignment_id().empty());

  const v1::BulkAssignment job = PollToEnd(first.bulk_assignment_id());
  ASSERT_EQ(job.state(), v1::BULK_ASSIGNMENT_STATE_COMPLETED);
  EXPECT_EQ(job.processed_count(), 5);
  EXPECT_EQ(job.succeeded_count(), 3);
  EXPECT_EQ(job.failed_count(), 2);
  ASSERT_THAT(job.results(), SizeIs(5));
  EXPECT_EQ(job.results(0).prospect().first_name(), "First1");
  EXPECT_EQ(job.results(0).prospect().company_name(), "Acme");
  v1::GetProspectFlowsRequest lookup;
  std::vector<std::string> instance_ids;
  for (int i = 0; i < 3; ++i) {
    const v1::BulkAssignmentResult& result = job.results(i);
    EXPECT_EQ(result.status(), v1::BULK_PROSPECT_STATUS_ASSIGNED);
    ASSERT_FALSE(result.flow_instance_id().empty());
    lookup.add_crm_prospect_ids(result.crm_id());
    instance_ids.push_back(result.flow_instance_id());
  }
  EXPECT_THAT(job.results(0).crm_id(), StartsWith("00QB"));
  EXPECT_NE(job.results(0).crm_id(), job.results(1).crm_id());
  EXPECT_EQ(job.results(2).crm_id(), kFreeProspect);
  EXPECT_EQ(job.results(3).status(), v1::BULK_PROSPECT_STATUS_FLOW_ASSIGNMENT_FAILED);
  EXPECT_EQ(job.results(3).error_code(), "InvalidState");
  EXPECT_EQ(job.results(4).status(), v1::BULK_PROSPECT_STATUS_CRM_OPERATION_FAILED);

  // The new instances are real: the lookup finds each in the flow.
  grpc::ClientContext context;
  v1::GetProspectFlowsResponse found;
  ASSERT_TRUE(stub_->GetProspectFlows(&context, lookup, &found).ok());
  std::vector<std::string> in_webinar;
  for (const v1::FlowInstance& instance : found.flow_instances()) {
    if (instance.flow_id() == kWebinar) in_webinar.push_back(instance.flow_instance_id());
  }
  EXPECT_THAT(in_webinar, ::testing::UnorderedElementsAreArray(instance_ids));
  EXPECT_EQ(Posts(), 1);
}

TEST_F(BulkAssignmentTest, InvalidRequestsAreRefusedAndSendNothing) {
  StartDemo();
  v1::StartBulkAssignmentResponse started;
  v1::BulkProspect nameless;
  nameless.set_email("x@example.com");
  std::vector<v1::BulkProspect> too_many(51, Named(1));
  for (const v1::StartBulkAssignmentRequest& request :
       {StartOf({}), StartOf({nameless}), StartOf(too_many)}) {
    const grpc::Status status = Start(request, &started);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(Reason(status), "INVALID_REQUEST");
  }
  for (const std::string& id :
       std::vector<std::string>{"", "../v2/users", "..", "a%2Fb", "a b"}) {
    v1::GetBulkAssignmentResponse response;
    const grpc::Status status = Get(id, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << id;
  }
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

TEST_F(BulkAssignmentTest, AnUnknownJobIsNotFound) {
  StartDemo();
  v1::GetBulkAssignmentResponse response;
  const grpc::Status status = Get("9200000000000000999", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Reason(status), "GONG_NOT_FOUND");
}

TEST_F(BulkAssignmentTest, AJobThatFailsPartWayEndsFailedWithWhatItDid) {
  sandbox::Behavior behavior;
  behavior.bulk_fail_after = 2;
  behavior.bulk_step = 1;
  StartDemo(behavior);
  v1::StartBulkAssignmentResponse started;
  ASSERT_TRUE(Start(StartOf({Named(1), Named(2), Named(3), Named(4)}), &started).ok());
  const v1::BulkAssignment job = PollToEnd(started.bulk_assignment().bulk_assignment_id());
  EXPECT_EQ(job.state(), v1::BULK_ASSIGNMENT_STATE_FAILED);
  EXPECT_EQ(job.total_count(), 4);
  EXPECT_EQ(job.processed_count(), 2);
  EXPECT_THAT(job.results(), SizeIs(2));
  EXPECT_EQ(sandbox_->BulkAssignmentGets(job.bulk_assignment_id()), 2);
}

TEST_F(BulkAssignmentTest, ASubmissionRetriedWithItsKeyStartsOneJob) {
  StartDemo();
  const v1::StartBulkAssignmentRequest request = StartOf({Named(1), Named(2)});
  v1::StartBulkAssignmentResponse first;
  ASSERT_TRUE(Start(request, &first, "bulk-key-1").ok());
  for (int i = 0; i < 3; ++i) {
    v1::StartBulkAssignmentResponse again;
    const grpc::Status status = Start(request, &again, "bulk-key-1");
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(again.bulk_assignment().bulk_assignment_id(),
              first.bulk_assignment().bulk_assignment_id());
  }
  EXPECT_EQ(Posts(), 1);
}

TEST_F(BulkAssignmentTest, ALostAnswerWithAKeyIsInDoubtAndItsRetrySendsNothing) {
  sandbox::Behavior behavior;
  behavior.after_acting = sandbox::Behavior::AfterActing::kDropConnection;
  behavior.after_acting_requests = 1;
  StartDemo(behavior);
  const v1::StartBulkAssignmentRequest request = StartOf({Named(1)});
  v1::StartBulkAssignmentResponse response;
  const grpc::Status lost = Start(request, &response, "bulk-key-2");
  EXPECT_FALSE(lost.ok());
  EXPECT_EQ(Metadata(lost, "gong_may_have_acted"), "true");
  // Gong did start the job (the sandbox acted, then lost the answer).
  EXPECT_EQ(Posts(), 1);

  for (int i = 0; i < 2; ++i) {
    const grpc::Status retry = Start(request, &response, "bulk-key-2");
    EXPECT_EQ(retry.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(Reason(retry), "IDEMPOTENCY_KEY_IN_DOUBT");
    EXPECT_EQ(Metadata(retry, "gong_may_have_acted"), "true");
  }
  EXPECT_EQ(Posts(), 1);
}

TEST_F(BulkAssignmentTest, UnreadableAnswersAreInternal) {
  StartDemo();
  v1::StartBulkAssignmentResponse started;
  ASSERT_TRUE(Start(StartOf({Named(1)}), &started).ok());
  const std::string id = started.bulk_assignment().bulk_assignment_id();

  for (const std::string& body : std::vector<std::string>{
           "<html>502 Bad Gateway</html>", R"({"requestId": "r"})",
           R"({"requestId": "r", "id": "x", "status": "PENDING", "results": 7})"}) {
    SCOPED_TRACE(body);
    sandbox::Behavior garbage;
    garbage.force_body = body;
    sandbox_->SetBehavior(garbage);
    v1::GetBulkAssignmentResponse got;
    EXPECT_EQ(Get(id, &got).error_code(), grpc::StatusCode::INTERNAL);
    v1::StartBulkAssignmentResponse again;
    EXPECT_EQ(Start(StartOf({Named(2)}), &again).error_code(),
              grpc::StatusCode::INTERNAL);
  }
  // A 202 whose body is not a job (Gong's edge, say).
  sandbox::Behavior accepted_empty;
  accepted_empty.force_status = 202;
  sandbox_->SetBehavior(accepted_empty);
  v1::StartBulkAssignmentResponse again;
  EXPECT_EQ(Start(StartOf({Named(3)}), &again).error_code(), grpc::StatusCode::INTERNAL);

  // Nothing lost: the job is still there to follow.
  sandbox_->SetBehavior(sandbox::Behavior());
  EXPECT_EQ(PollToEnd(id).state(), v1::BULK_ASSIGNMENT_STATE_COMPLETED);
}

}  // namespace
}  // namespace gong::e2e
