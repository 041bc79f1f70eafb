// WatchBulkAssignment through a real channel, over a fake Gong client and
// the production stack (FacadeServer): watchers of one job share its polls
// and each sees every change, a watcher's deadline or cancel ends only its
// own stream (the last one leaving cancels the poll in flight), and an
// invalid id is refused with nothing sent. Polls are 100 ms apart on the
// real clock, but every answer is the test's: nothing waits on timing.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "app/facade_server.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "upstream/bulk_assignment_codec.h"

namespace gong::api {
namespace {

namespace v1 = flows::v1;

constexpr char kJob[] = "bulk-7";

upstream::GongAnswer JobAnswer(const std::string& state, int processed) {
  nlohmann::json body = {{"requestId", absl::StrCat("req-", state, processed)},
                         {"id", kJob},
                         {"status", state},
                         {"totalCount", 3},
                         {"processedCount", processed},
                         {"successCount", processed},
                         {"failedCount", 0},
                         {"results", nlohmann::json::array()}};
  upstream::GongAnswer answer;
  answer.body = body.dump();
  return answer;
}

// One watcher: a stream and its context.
struct Watcher {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::WatchBulkAssignmentResponse>> reader;

  // The next message's job, or nullopt at the stream's end.
  std::optional<v1::BulkAssignment> Next() {
    v1::WatchBulkAssignmentResponse response;
    if (!reader->Read(&response)) return std::nullopt;
    return response.bulk_assignment();
  }
};

class WatchBulkAssignmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = std::make_unique<fakes::FakeGongClient>();
    fake_ = fake.get();
    fake_->CancelUnfinishedOnDestruction();
    app::FacadeConfig config;
    config.listen = "127.0.0.1:0";
    config.bulk_poll_interval = absl::Milliseconds(100);
    config.quota.max_attempts = 1;
    auto server = app::FacadeServer::StartWithClient(config, std::move(fake));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::FlowService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<Watcher> Watch(const std::string& id = kJob,
                                 absl::Duration timeout = absl::Seconds(60)) {
    auto watcher = std::make_unique<Watcher>();
    watcher->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    v1::WatchBulkAssignmentRequest request;
    request.set_bulk_assignment_id(id);
    watcher->reader = stub_->WatchBulkAssignment(&watcher->context, request);
    return watcher;
  }

  fakes::FakeGongClient* fake_ = nullptr;
  std::unique_ptr<app::FacadeServer> server_;
  std::unique_ptr<v1::FlowService::Stub> stub_;
};

TEST_F(WatchBulkAssignmentTest, WatchersOfOneJobShareItsPollsAndSeeEveryChange) {
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < 3; ++i) watchers.push_back(Watch());
  ASSERT_TRUE(fake_->AwaitCalls(1));
  const upstream::GongRequest poll = fake_->request(1);
  EXPECT_EQ(poll.method, "GET");
  EXPECT_EQ(poll.path, absl::StrCat(upstream::kBulkAssignmentsPath, "/", kJob));
  fake_->Answer(1, JobAnswer("IN_PROGRESS", 1));
  // Each has joined by its first message: those that came after the answer
  // got the state known without a poll of their own.
  for (auto& watcher : watchers) {
    std::optional<v1::BulkAssignment> job = watcher->Next();
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->state(), v1::BULK_ASSIGNMENT_STATE_IN_PROGRESS);
    EXPECT_EQ(job->processed_count(), 1);
  }
  ASSERT_TRUE(fake_->AwaitCalls(2));
  fake_->Answer(2, JobAnswer("IN_PROGRESS", 1));  // no change: nothing sent
  ASSERT_TRUE(fake_->AwaitCalls(3));
  fake_->Answer(3, JobAnswer("COMPLETED", 3));
  for (auto& watcher : watchers) {
    std::optional<v1::BulkAssignment> job = watcher->Next();
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->state(), v1::BULK_ASSIGNMENT_STATE_COMPLETED);
    EXPECT_EQ(job->processed_count(), 3);
    EXPECT_EQ(job->request_id(), "req-COMPLETED3");
    EXPECT_FALSE(watcher->Next().has_value());
    const grpc::Status status = watcher->reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(fake_->size(), 3u);  // three polls for three watchers, not nine
}

TEST_F(WatchBulkAssignmentTest, AWatchersDeadlineEndsOnlyItsOwnStream) {
  std::unique_ptr<Watcher> short_lived = Watch(kJob, absl::Seconds(2));
  std::unique_ptr<Watcher> staying = Watch();
  ASSERT_TRUE(fake_->AwaitCalls(1));
  fake_->Answer(1, JobAnswer("PENDING", 0));
  ASSERT_TRUE(short_lived->Next().has_value());
  ASSERT_TRUE(staying->Next().has_value());
  // The second poll stays unanswered past the short deadline.
  ASSERT_TRUE(fake_->AwaitCalls(2));
  EXPECT_FALSE(short_lived->Next().has_value());
  EXPECT_EQ(short_lived->reader->Finish().error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(fake_->cancelled().empty());  // the other watcher still waits on it
  fake_->Answer(2, JobAnswer("FAILED", 1));
  std::optional<v1::BulkAssignment> job = staying->Next();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->state(), v1::BULK_ASSIGNMENT_STATE_FAILED);
  EXPECT_FALSE(staying->Next().has_value());
  EXPECT_TRUE(staying->reader->Finish().ok());
}

TEST_F(WatchBulkAssignmentTest, TheLastWatcherCancellingCancelsThePollInFlight) {
  std::unique_ptr<Watcher> watcher = Watch();
  ASSERT_TRUE(fake_->AwaitCalls(1));
  watcher->context.TryCancel();
  ASSERT_TRUE(fake_->AwaitCancelled());
  EXPECT_EQ(fake_->cancelled().front(), 1u);
  EXPECT_EQ(watcher->reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(WatchBulkAssignmentTest, GongsNotFoundEndsTheStreamNotFound) {
  std::unique_ptr<Watcher> watcher = Watch();
  ASSERT_TRUE(fake_->AwaitCalls(1));
  fake_->Answer(1, upstream::GongError::HttpStatus(404, "r", {"no such job"}));
  EXPECT_FALSE(watcher->Next().has_value());
  EXPECT_EQ(watcher->reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

// A job `processed` prospects on, each result carrying `error_bytes` of
// Gong's words: large states, so that a reader that does not read fills
// the transport's buffers after a few.
upstream::GongAnswer LargeJobAnswer(const std::string& state, int processed,
                                    size_t error_bytes) {
  nlohmann::json results = nlohmann::json::array();
  for (int i = 0; i < processed; ++i) {
    results.push_back({{"prospect", {{"firstName", "F"}, {"lastName", "L"}}},
                       {"status", "FLOW_ASSIGNMENT_FAILED"},
                       {"crmId", absl::StrCat("00Q", i)},
                       {"errorCode", "InvalidState"},
                       {"errorMessage", std::string(error_bytes, 'x')}});
  }
  nlohmann::json body = {{"requestId", absl::StrCat("req-", processed)},
                         {"id", kJob},
                         {"status", state},
                         {"totalCount", 50},
                         {"processedCount", processed},
                         {"successCount", 0},
                         {"failedCount", processed},
                         {"results", results}};
  upstream::GongAnswer answer;
  answer.body = body.dump();
  return answer;
}

// A reader that reads nothing while the job changes 40 times, each state
// about a megabyte: the stream keeps one write in flight and the newest
// state, so the reader, when it reads at last, gets fewer states than
// there were (every one of them in order) and the final one last, rather
// than 40 MB the server queued for it.
TEST_F(WatchBulkAssignmentTest, ASlowReaderGetsTheNewestStateNotAQueue) {
  constexpr int kChanges = 40;
  constexpr size_t kErrorBytes = 25000;  // 40 results: about 1 MB a state
  std::unique_ptr<Watcher> slow = Watch();
  for (int i = 1; i <= kChanges; ++i) {
    ASSERT_TRUE(fake_->AwaitCalls(i));
    fake_->Answer(i, i == kChanges ? LargeJobAnswer("COMPLETED", 40, kErrorBytes)
                                   : LargeJobAnswer("IN_PROGRESS", i, kErrorBytes));
  }
  std::vector<int> processed;
  for (std::optional<v1::BulkAssignment> job; (job = slow->Next()).has_value();) {
    processed.push_back(job->processed_count());
  }
  EXPECT_TRUE(slow->reader->Finish().ok());
  ASSERT_FALSE(processed.empty());
  EXPECT_EQ(processed.back(), 40);
  EXPECT_LT(processed.size(), static_cast<size_t>(kChanges));
  for (size_t i = 1; i < processed.size(); ++i) EXPECT_LT(processed[i - 1], processed[i]);
}

TEST_F(WatchBulkAssignmentTest, AnInvalidIdIsRefusedWithABadRequestAndNothingSent) {
  for (const std::string& id : {std::string(), std::string("has space"),
                                std::string(129, 'x'), std::string("tab\there")}) {
    SCOPED_TRACE(id);
    std::unique_ptr<Watcher> watcher = Watch(id);
    EXPECT_FALSE(watcher->Next().has_value());
    const grpc::Status status = watcher->reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    google::rpc::Status details;
    ASSERT_TRUE(details.ParseFromString(status.error_details()));
    google::rpc::BadRequest bad;
    bool found = false;
    for (const auto& any : details.details()) found = found || any.UnpackTo(&bad);
    ASSERT_TRUE(found);
    ASSERT_EQ(bad.field_violations_size(), 1);
    EXPECT_EQ(bad.field_violations(0).field(), "bulk_assignment_id");
  }
  EXPECT_EQ(fake_->size(), 0u);
}

// The caller checks come before validation, as for every unary call: a bad
// priority header is refused whatever the request holds.
TEST_F(WatchBulkAssignmentTest, ABadPriorityIsRefusedBeforeTheRequestIsRead) {
  for (const std::string& id : {std::string(kJob), std::string()}) {
    grpc::ClientContext context;
    context.AddMetadata("x-gong-flows-priority", "urgent");
    v1::WatchBulkAssignmentRequest request;
    request.set_bulk_assignment_id(id);
    auto reader = stub_->WatchBulkAssignment(&context, request);
    v1::WatchBulkAssignmentResponse response;
    EXPECT_FALSE(reader->Read(&response));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    google::rpc::Status details;
    ASSERT_TRUE(details.ParseFromString(status.error_details()));
    google::rpc::ErrorInfo info;
    bool found = false;
    for (const auto& any : details.details()) found = found || any.UnpackTo(&info);
    ASSERT_TRUE(found);
    EXPECT_EQ(info.reason(), "INVALID_PRIORITY");
  }
  EXPECT_EQ(fake_->size(), 0u);
}

}  // namespace
}  // namespace gong::api
