// The reactor skeleton (server/api/gong_call_reactor.h) keeps the time of
// the injected clock: a call without a deadline gets its Gong request's
// deadline, and its duration, from that clock, not from the wall. Through a
// real channel, over a fake Gong client. The call is reported started once
// its caller is known, under that caller's name.
#include "api/gong_call_reactor.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/flow_service.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::api {
namespace {

// Far from the wall clock: a time read from absl::Now() cannot pass for it.
const absl::Time kStart = absl::FromUnixSeconds(1'000'000'000);

class RecordingObserver final : public CallObserver {
 public:
  void CallStarted(const CallRecord&) override {}
  void CallFinished(const CallRecord& record) override {
    absl::MutexLock lock(&mu_);
    durations_.push_back(record.duration);
  }
  std::vector<absl::Duration> durations() {
    absl::MutexLock lock(&mu_);
    return durations_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Duration> durations_ ABSL_GUARDED_BY(mu_);
};

TEST(GongCallReactorTest, DeadlineAndDurationComeFromTheInjectedClock) {
  auto fake = std::make_unique<fakes::FakeGongClient>();
  fakes::FakeGongClient* gong = fake.get();
  // Never advanced, so read-only on the gRPC threads too.
  fakes::FakeClock clock(kStart);
  quota::QuotaSteward steward(std::move(fake), std::make_unique<fakes::FakeClock>(kStart),
                              quota::QuotaOptions());
  RecordingObserver observer;
  FlowServiceImpl service(&steward, &observer, /*callers=*/nullptr, absl::Seconds(42),
                          &clock);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = flows::v1::FlowService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  grpc::ClientContext context;  // no deadline
  flows::v1::UnassignByInstanceIdsRequest request;
  request.add_flow_instance_ids("1");
  flows::v1::UnassignByInstanceIdsResponse response;
  std::promise<grpc::Status> done;
  stub->async()->UnassignByInstanceIds(&context, &request, &response,
                                       [&done](grpc::Status s) { done.set_value(s); });
  if (!gong->AwaitCalls(1)) {
    context.TryCancel();
    done.get_future().wait();
    FAIL() << "the call never reached Gong";
  }
  EXPECT_EQ(gong->deadline(1), kStart + absl::Seconds(42));
  gong->AnswerUnassigned(1, upstream::UnassignByInstanceIdsResult{"r", {"1"}});
  EXPECT_TRUE(done.get_future().get().ok());
  server->Shutdown();
  EXPECT_EQ(observer.durations(), std::vector<absl::Duration>{absl::ZeroDuration()});
}

// What the observer hears of each call: who, at the start and at the end.
class CallerObserver final : public CallObserver {
 public:
  void CallStarted(const CallRecord& record) override {
    absl::MutexLock lock(&mu_);
    events_.push_back(absl::StrCat("started ", record.method, " by ", record.caller));
  }
  void CallFinished(const CallRecord& record) override {
    absl::MutexLock lock(&mu_);
    events_.push_back(absl::StrCat("finished ", record.method, " by ", record.caller,
                                   " code ", record.code));
  }
  std::vector<std::string> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

// The caller's name is known when the call is reported started (so the
// started counter can carry it), for callers let in and refused alike.
TEST(GongCallReactorTest, TheCallIsReportedStartedOnceItsCallerIsKnown) {
  const std::filesystem::path tokens =
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat("gong_call_reactor_test_tokens_", getpid());
  std::ofstream(tokens) << "reporting reader reader-token\n";
  fakes::FakeClock clock(kStart);
  absl::StatusOr<std::unique_ptr<auth::CallerTokens>> callers =
      auth::CallerTokens::Load(tokens.string(), &clock);
  std::filesystem::remove(tokens);
  ASSERT_TRUE(callers.ok()) << callers.status();

  auto fake = std::make_unique<fakes::FakeGongClient>();
  fakes::FakeGongClient* gong = fake.get();
  quota::QuotaSteward steward(std::move(fake), std::make_unique<fakes::FakeClock>(kStart),
                              quota::QuotaOptions());
  CallerObserver observer;
  FlowServiceImpl service(&steward, &observer, callers->get(), absl::Seconds(42), &clock);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = flows::v1::FlowService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  for (const char* authorization : {"", "Bearer reader-token"}) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    if (*authorization != '\0') context.AddMetadata("authorization", authorization);
    flows::v1::UnassignByInstanceIdsRequest request;
    request.add_flow_instance_ids("1");
    flows::v1::UnassignByInstanceIdsResponse response;
    stub->UnassignByInstanceIds(&context, request, &response);
  }
  server->Shutdown();
  EXPECT_EQ(gong->size(), 0u);
  EXPECT_THAT(observer.events(),
              ::testing::ElementsAre(
                  "started UnassignByInstanceIds by unauthenticated",
                  absl::StrCat("finished UnassignByInstanceIds by unauthenticated code ",
                               grpc::StatusCode::UNAUTHENTICATED),
                  "started UnassignByInstanceIds by reporting",
                  absl::StrCat("finished UnassignByInstanceIds by reporting code ",
                               grpc::StatusCode::PERMISSION_DENIED)));
}

}  // namespace
}  // namespace gong::api
