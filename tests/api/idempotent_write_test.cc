// A write's idempotency key and the settling of a lost answer, as the
// skeleton runs them (server/api/gong_call_reactor.h): through a real
// channel, over a fake Gong client that holds each request until the test
// answers it, with keys kept in memory and the time of a fake clock.
#include <grpcpp/grpcpp.h>

#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/flow_service.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "idempotency/idempotency_keys.h"
#include "idempotency/memory_key_store.h"
#include "nlohmann/json.hpp"
#include "upstream/assign_prospects_codec.h"
#include "upstream/bulk_assignment_codec.h"
#include "upstream/get_prospect_flows_codec.h"

namespace gong::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
namespace v1 = flows::v1;

const absl::Time kStart = absl::FromUnixSeconds(1'000'000'000);

class NullObserver final : public CallObserver {
 public:
  void CallStarted(const CallRecord&) override {}
  void CallFinished(const CallRecord&) override {}
};

// The answer a write's connection dropped after sending would get.
upstream::GongError Lost() {
  return upstream::GongError::NoAnswer(upstream::GongError::Kind::kConnectionDropped,
                                       "connection dropped after the request was sent",
                                       /*may_have_acted=*/true);
}

upstream::FlowInstance Instance(std::string id, std::string flow, std::string prospect,
                                upstream::FlowInstanceStatus status) {
  upstream::FlowInstance instance;
  instance.flow_instance_id = std::move(id);
  instance.flow_id = std::move(flow);
  instance.crm_prospect_id = std::move(prospect);
  instance.status = status;
  return instance;
}

upstream::GongAnswer LookupAnswer(std::vector<upstream::FlowInstance> instances) {
  upstream::GetProspectFlowsResult result;
  result.request_id = "lookup";
  result.flow_instances = std::move(instances);
  return {upstream::EncodeGetProspectFlowsResponse(result)};
}

std::string ReasonOf(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

std::map<std::string, std::string> MetadataOf(const grpc::Status& status) {
  google::rpc::Status details;
  details.ParseFromString(status.error_details());
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return {info.metadata().begin(), info.metadata().end()};
  }
  return {};
}

// What a call got: its status, and its initial metadata.
template <typename Response>
struct Got {
  grpc::Status status;
  Response response;
  std::multimap<std::string, std::string> metadata;
  bool Has(const std::string& name) const {
    auto it = metadata.find(name);
    return it != metadata.end() && it->second == "true";
  }
};

class IdempotentWriteTest : public ::testing::Test {
 protected:
  void Start(absl::Duration settle_delay = absl::ZeroDuration()) {
    auto fake = std::make_unique<fakes::FakeGongClient>();
    gong_ = fake.get();
    quota::QuotaOptions options;
    options.gong_qps = 0;
    options.max_attempts = 1;
    steward_ = std::make_unique<quota::QuotaSteward>(
        std::move(fake), std::make_unique<fakes::FakeClock>(kStart), options);
    service_ = std::make_unique<FlowServiceImpl>(steward_.get(), &observer_,
                                                 /*callers=*/nullptr, absl::Seconds(60),
                                                 &clock_, &keys_, settle_delay);
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::FlowService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Starts a call with `key` (none when empty) on a thread of its own: the
  // fake Gong holds its request until the test answers.
  template <typename Request, typename Response>
  std::future<Got<Response>> Call(grpc::Status (v1::FlowService::Stub::*method)(
                                      grpc::ClientContext*, const Request&, Response*),
                                  Request request, std::string key) {
    return std::async(std::launch::async, [this, method, request, key] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      if (!key.empty()) context.AddMetadata("idempotency-key", key);
      Got<Response> got;
      got.status = (stub_.get()->*method)(&context, request, &got.response);
      for (const auto& [name, value] : context.GetServerInitialMetadata()) {
        got.metadata.emplace(std::string(name.data(), name.size()),
                             std::string(value.data(), value.size()));
      }
      return got;
    });
  }
  std::future<Got<v1::UnassignByInstanceIdsResponse>> Unassign(
      std::vector<std::string> ids, std::string key) {
    v1::UnassignByInstanceIdsRequest request;
    for (const std::string& id : ids) request.add_flow_instance_ids(id);
    return Call(&v1::FlowService::Stub::UnassignByInstanceIds, request, key);
  }

  std::string PathOf(fakes::FakeGongClient::CallId id) { return gong_->request(id).path; }

  fakes::FakeClock clock_{kStart};
  idempotency::MemoryKeyStore store_{&clock_, 1000};
  idempotency::IdempotencyKeys keys_{&store_, &clock_, idempotency::KeysOptions()};
  NullObserver observer_;
  fakes::FakeGongClient* gong_ = nullptr;
  std::unique_ptr<quota::QuotaSteward> steward_;
  std::unique_ptr<FlowServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::FlowService::Stub> stub_;
};

TEST_F(IdempotentWriteTest, ARetryWithTheKeyGetsTheFirstAnswerAndSendsNothing) {
  Start();
  auto first = Unassign({"1", "2"}, "key-1");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->AnswerUnassigned(1, {"gong-1", {"1"}});
  const auto got = first.get();
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_FALSE(got.Has("idempotent-replayed"));

  const auto again = Unassign({"1", "2"}, "key-1").get();
  ASSERT_TRUE(again.status.ok()) << again.status.error_message();
  EXPECT_TRUE(again.Has("idempotent-replayed"));
  EXPECT_EQ(again.response.request_id(), "gong-1");
  EXPECT_THAT(again.response.unassigned_flow_instance_ids(), ElementsAre("1"));
  EXPECT_THAT(again.response.still_assigned_flow_instance_ids(), ElementsAre("2"));
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(IdempotentWriteTest, GongsRefusalIsKeptAndReplayedWithItsDetails) {
  Start();
  auto first = Unassign({"1"}, "key-1");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->Answer(1, upstream::GongError::HttpStatus(400, "gong-1", {"no such instance"}));
  const auto got = first.get();
  ASSERT_EQ(got.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  const auto again = Unassign({"1"}, "key-1").get();
  EXPECT_EQ(again.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(again.status.error_message(), got.status.error_message());
  EXPECT_EQ(again.status.error_details(), got.status.error_details());
  EXPECT_TRUE(again.Has("idempotent-replayed"));
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(IdempotentWriteTest, WhatGongSurelyDidNotDoIsNotKeptSoTheRetryGoesAhead) {
  Start();
  auto first = Unassign({"1"}, "key-1");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  // The rate limit: Gong refused before any work.
  gong_->Answer(1, upstream::GongError::HttpStatus(429, "", {}, absl::Seconds(1)));
  EXPECT_EQ(first.get().status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  auto again = Unassign({"1"}, "key-1");
  ASSERT_TRUE(gong_->AwaitCalls(2));
  gong_->AnswerUnassigned(2, {"gong-2", {"1"}});
  const auto got = again.get();
  ASSERT_TRUE(got.status.ok());
  EXPECT_FALSE(got.Has("idempotent-replayed"));
}

TEST_F(IdempotentWriteTest, TheKeyWithAnotherRequestIsRefusedAndNothingIsSent) {
  Start();
  auto first = Unassign({"1"}, "key-1");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->AnswerUnassigned(1, {"gong-1", {"1"}});
  ASSERT_TRUE(first.get().status.ok());

  const auto other = Unassign({"2"}, "key-1").get();
  EXPECT_EQ(other.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(other.status), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(IdempotentWriteTest, AnInvalidKeyIsRefusedUnechoedAndNothingIsSent) {
  Start();
  // (gRPC's own client refuses to send a value outside printable ASCII:
  // idempotency_key_fuzzer covers those bytes.)
  const std::string too_long(256, 'k');
  const auto got = Unassign({"1"}, too_long).get();
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(got.status), "INVALID_IDEMPOTENCY_KEY");
  EXPECT_EQ(got.status.error_message().find(too_long), std::string::npos);

  // Two keys that disagree: which one was meant is not ours to guess.
  grpc::ClientContext context;
  context.AddMetadata("idempotency-key", "key-1");
  context.AddMetadata("idempotency-key", "key-2");
  v1::UnassignByInstanceIdsRequest request;
  request.add_flow_instance_ids("1");
  v1::UnassignByInstanceIdsResponse response;
  const grpc::Status twice = stub_->UnassignByInstanceIds(&context, request, &response);
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(twice), "INVALID_IDEMPOTENCY_KEY");
  EXPECT_EQ(gong_->size(), 0u);
}

TEST_F(IdempotentWriteTest, ASecondCallWithTheKeyWaitsForTheFirstAndNeverSends) {
  Start();
  auto first = Unassign({"1"}, "key-1");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  auto second = Unassign({"1"}, "key-1");
  // The second looks again every poll interval of the fake clock.
  for (int i = 0; i < 5; ++i) clock_.Advance(absl::Milliseconds(100));
  gong_->AnswerUnassigned(1, {"gong-1", {"1"}});
  ASSERT_TRUE(first.get().status.ok());
  std::future_status waited = std::future_status::timeout;
  for (int i = 0; i < 600 && waited != std::future_status::ready; ++i) {
    clock_.Advance(absl::Milliseconds(100));
    waited = second.wait_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(waited, std::future_status::ready);
  const auto got = second.get();
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_TRUE(got.Has("idempotent-replayed"));
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(IdempotentWriteTest, ARetryOfALostWriteLooksFirstAndSendsOnlyWhatIsLeft) {
  Start();
  auto first = Unassign({"1", "2", "3"}, "key-1");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->Answer(1, Lost());
  const auto lost = first.get();
  EXPECT_EQ(lost.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(MetadataOf(lost.status)["gong_may_have_acted"], "true");

  auto retry = Unassign({"1", "2", "3"}, "key-1");
  ASSERT_TRUE(gong_->AwaitCalls(2));
  EXPECT_EQ(PathOf(2), "/v2/flows/prospects");  // the lookup
  gong_->Answer(
      2, LookupAnswer({Instance("1", "f", "p1", upstream::FlowInstanceStatus::kFinished),
                       Instance("2", "f", "p2", upstream::FlowInstanceStatus::kRunning),
                       Instance("3", "f", "p3", upstream::FlowInstanceStatus::kPaused)}));
  ASSERT_TRUE(gong_->AwaitCalls(3));
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("2", "3"));
  gong_->AnswerUnassigned(3, {"gong-3", {"2"}});
  const auto got = retry.get();
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_TRUE(got.Has("idempotent-settled"));
  EXPECT_EQ(got.response.request_id(), "gong-3");
  EXPECT_THAT(got.response.unassigned_flow_instance_ids(),
              UnorderedElementsAre("1", "2"));
  EXPECT_THAT(got.response.still_assigned_flow_instance_ids(), ElementsAre("3"));

  // Settled is decided: the next retry replays it.
  const auto replay = Unassign({"1", "2", "3"}, "key-1").get();
  ASSERT_TRUE(replay.status.ok());
  EXPECT_TRUE(replay.Has("idempotent-replayed"));
  EXPECT_TRUE(replay.Has("idempotent-settled"));
  EXPECT_EQ(gong_->size(), 3u);
}

TEST_F(IdempotentWriteTest, ARetryWhoseLookupFindsAllDoneSendsNothingMore) {
  Start();
  v1::AssignProspectsRequest request;
  request.add_crm_prospect_ids("p1");
  request.add_crm_prospect_ids("p2");
  request.set_flow_id("f");
  request.set_flow_instance_owner_email("ana@example.com");
  auto first = Call(&v1::FlowService::Stub::AssignProspects, request, "key-a");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->Answer(1, upstream::GongError::HttpStatus(504, "", {"gateway timeout"}));
  EXPECT_EQ(first.get().status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  auto retry = Call(&v1::FlowService::Stub::AssignProspects, request, "key-a");
  ASSERT_TRUE(gong_->AwaitCalls(2));
  gong_->Answer(
      2,
      LookupAnswer({Instance("10", "f", "p1", upstream::FlowInstanceStatus::kPending),
                    Instance("11", "f", "p2", upstream::FlowInstanceStatus::kRunning)}));
  const auto got = retry.get();
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_TRUE(got.Has("idempotent-settled"));
  ASSERT_EQ(got.response.assigned_size(), 2);
  EXPECT_THAT(got.response.not_assigned(), IsEmpty());
  EXPECT_EQ(gong_->size(), 2u);  // the write, the lookup: no second write
}

TEST_F(IdempotentWriteTest, WithoutAKeyALostWriteIsSettledAfterTheDelay) {
  Start(/*settle_delay=*/absl::Seconds(2));
  auto call = Unassign({"1", "2"}, "");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->Answer(1, Lost());
  // Nothing is looked up before the delay.
  clock_.Advance(absl::Milliseconds(1999));
  EXPECT_FALSE(gong_->AwaitCalls(2, absl::Milliseconds(200)));
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_TRUE(gong_->AwaitCalls(2));
  EXPECT_EQ(PathOf(2), "/v2/flows/prospects");
  gong_->Answer(
      2,
      LookupAnswer({Instance("1", "f", "p1", upstream::FlowInstanceStatus::kFinished),
                    Instance("2", "f", "p2", upstream::FlowInstanceStatus::kFinished)}));
  const auto got = call.get();
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_TRUE(got.Has("idempotent-settled"));
  EXPECT_EQ(got.response.request_id(), "lookup");
  EXPECT_THAT(got.response.unassigned_flow_instance_ids(), ElementsAre("1", "2"));
  EXPECT_EQ(gong_->size(), 2u);
}

TEST_F(IdempotentWriteTest, WithoutAKeyWhatTheLookupCannotConfirmStaysInDoubt) {
  Start(/*settle_delay=*/absl::Seconds(2));
  auto call = Unassign({"1", "2"}, "");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->Answer(1, Lost());
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(gong_->AwaitCalls(2));
  gong_->Answer(
      2,
      LookupAnswer({Instance("1", "f", "p1", upstream::FlowInstanceStatus::kFinished),
                    Instance("2", "f", "p2", upstream::FlowInstanceStatus::kRunning)}));
  const auto got = call.get();
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_FALSE(got.Has("idempotent-settled"));
  auto metadata = MetadataOf(got.status);
  EXPECT_EQ(metadata["gong_may_have_acted"], "true");
  EXPECT_EQ(metadata["confirmed_done_count"], "1");
  EXPECT_EQ(metadata["confirmed_done"], "1");
  // Never sent again without a key: the caller decides.
  EXPECT_EQ(gong_->size(), 2u);
}

TEST_F(IdempotentWriteTest, WithoutAKeyAnIdTheLookupNoLongerFindsIsNotCalledDone) {
  Start(/*settle_delay=*/absl::Seconds(2));
  auto call = Unassign({"1", "2"}, "");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->Answer(1, Lost());
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(gong_->AwaitCalls(2));
  // "2" is gone: removed and forgotten, or never there. Not proof.
  gong_->Answer(
      2,
      LookupAnswer({Instance("1", "f", "p1", upstream::FlowInstanceStatus::kFinished)}));
  const auto got = call.get();
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(MetadataOf(got.status)["confirmed_done"], "1");
  EXPECT_EQ(gong_->size(), 2u);
}

TEST_F(IdempotentWriteTest, ACallerLeavingWhileItsWriteIsAtGongLeavesTheKeyInDoubt) {
  Start();
  grpc::ClientContext context;
  context.AddMetadata("idempotency-key", "key-1");
  v1::UnassignByInstanceIdsRequest request;
  request.add_flow_instance_ids("1");
  v1::UnassignByInstanceIdsResponse response;
  std::promise<grpc::Status> done;
  stub_->async()->UnassignByInstanceIds(&context, &request, &response,
                                        [&done](grpc::Status s) { done.set_value(s); });
  ASSERT_TRUE(gong_->AwaitCalls(1));
  context.TryCancel();
  EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(gong_->AwaitCancelled());

  // The request may have reached Gong: the retry looks before it sends.
  // The fake Gong counts the cancel before the facade has marked the key in
  // doubt: a retry that finds it still running looks again each poll of the
  // fake clock, so the clock moves until the lookup arrives.
  auto retry = Unassign({"1"}, "key-1");
  for (int i = 0; i < 600 && !gong_->AwaitCalls(2, absl::Milliseconds(50)); ++i) {
    clock_.Advance(absl::Milliseconds(100));
  }
  ASSERT_TRUE(gong_->AwaitCalls(2));
  EXPECT_EQ(PathOf(2), "/v2/flows/prospects");
  gong_->Answer(
      2,
      LookupAnswer({Instance("1", "f", "p1", upstream::FlowInstanceStatus::kFinished)}));
  const auto got = retry.get();
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_TRUE(got.Has("idempotent-settled"));
  EXPECT_THAT(got.response.unassigned_flow_instance_ids(), ElementsAre("1"));
  EXPECT_EQ(gong_->size(), 2u);
}

TEST_F(IdempotentWriteTest, AReadIgnoresAKeyAndIsSentEachTime) {
  Start();
  v1::GetProspectFlowsRequest request;
  request.add_crm_prospect_ids("p1");
  for (int i = 1; i <= 2; ++i) {
    auto call = Call(&v1::FlowService::Stub::GetProspectFlows, request, "key-r");
    ASSERT_TRUE(gong_->AwaitCalls(i));
    gong_->Answer(i, LookupAnswer({}));
    const auto got = call.get();
    ASSERT_TRUE(got.status.ok());
    EXPECT_FALSE(got.Has("idempotent-replayed"));
  }
}

// --- A bulk assignment's start: a write Gong's state cannot settle (Gong
// lists no jobs), so a lost answer stays in doubt and is never sent again.

v1::StartBulkAssignmentRequest BulkStart() {
  v1::StartBulkAssignmentRequest request;
  request.set_flow_id("f");
  request.set_owner_email("ana@example.com");
  v1::BulkProspect* prospect = request.add_prospects();
  prospect->set_first_name("Zoe");
  prospect->set_last_name("Ray");
  return request;
}

// Gong's 202 for a started job.
upstream::GongAnswer JobAccepted(const std::string& job_id) {
  upstream::GongAnswer answer{nlohmann::json{{"requestId", "gong-" + job_id},
                                             {"id", job_id},
                                             {"status", "PENDING"},
                                             {"totalCount", 1},
                                             {"processedCount", 0}}
                                  .dump()};
  answer.http_status = 202;
  return answer;
}

TEST_F(IdempotentWriteTest, ABulkStartReplaysItsFirstJobAndNeverStartsASecond) {
  Start();
  auto first = Call(&v1::FlowService::Stub::StartBulkAssignment, BulkStart(), "bulk-1");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  EXPECT_EQ(PathOf(1), "/v2/flows/prospects/bulk-assignments");
  gong_->Answer(1, JobAccepted("9200000000000000001"));
  const auto got = first.get();
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_EQ(got.response.bulk_assignment().bulk_assignment_id(), "9200000000000000001");
  EXPECT_EQ(got.response.bulk_assignment().state(), v1::BULK_ASSIGNMENT_STATE_PENDING);

  for (int i = 0; i < 3; ++i) {
    const auto again =
        Call(&v1::FlowService::Stub::StartBulkAssignment, BulkStart(), "bulk-1").get();
    ASSERT_TRUE(again.status.ok()) << again.status.error_message();
    EXPECT_TRUE(again.Has("idempotent-replayed"));
    EXPECT_EQ(again.response.bulk_assignment().bulk_assignment_id(),
              "9200000000000000001");
  }
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(IdempotentWriteTest, ABulkStartsLostAnswerWithoutAKeyIsNeverLookedUp) {
  // A settle delay that would settle any other write.
  Start(/*settle_delay=*/absl::Seconds(2));
  auto call = Call(&v1::FlowService::Stub::StartBulkAssignment, BulkStart(), "");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->Answer(1, Lost());
  // Answered without the clock moving: no settling wait, no lookup.
  const auto got = call.get();
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(MetadataOf(got.status)["gong_may_have_acted"], "true");
  EXPECT_FALSE(got.Has("idempotent-settled"));
  clock_.Advance(absl::Seconds(5));
  EXPECT_FALSE(gong_->AwaitCalls(2, absl::Milliseconds(200)));
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(IdempotentWriteTest, ARetryOfABulkStartInDoubtSendsNothingAndSaysSo) {
  Start(/*settle_delay=*/absl::Seconds(2));
  auto first = Call(&v1::FlowService::Stub::StartBulkAssignment, BulkStart(), "bulk-2");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  gong_->Answer(1, upstream::GongError::HttpStatus(504, "", {"gateway timeout"}));
  EXPECT_EQ(first.get().status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  // Every retry: refused, nothing sent, and the key stays in doubt.
  for (int i = 0; i < 2; ++i) {
    const auto retry =
        Call(&v1::FlowService::Stub::StartBulkAssignment, BulkStart(), "bulk-2").get();
    EXPECT_EQ(retry.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(ReasonOf(retry.status), "IDEMPOTENCY_KEY_IN_DOUBT");
    EXPECT_EQ(MetadataOf(retry.status)["gong_may_have_acted"], "true");
    EXPECT_FALSE(retry.Has("idempotent-replayed"));
  }
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(IdempotentWriteTest, AnUnreadableBulkStartIsInternalAndItsKeyInDoubt) {
  Start();
  auto first = Call(&v1::FlowService::Stub::StartBulkAssignment, BulkStart(), "bulk-3");
  ASSERT_TRUE(gong_->AwaitCalls(1));
  upstream::GongAnswer garbage{"<html>accepted</html>"};
  garbage.http_status = 202;
  gong_->Answer(1, garbage);
  const auto got = first.get();
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::INTERNAL);
  // Gong answered: it may well have started the job.
  const auto retry =
      Call(&v1::FlowService::Stub::StartBulkAssignment, BulkStart(), "bulk-3").get();
  EXPECT_EQ(ReasonOf(retry.status), "IDEMPOTENCY_KEY_IN_DOUBT");
  EXPECT_EQ(gong_->size(), 1u);
}

}  // namespace
}  // namespace gong::api
