// The reactor skeleton (server/api/gong_call_reactor.h) keeps the time of
// the injected clock: a call without a deadline gets its Gong request's
// deadline, and its duration, from that clock, not from the wall. Through a
// real channel, over a fake Gong client. The call is reported started once
// its caller is known, under that caller's name. Every method reads the
// call's x-gong-flows-priority: a bad one is refused before anything
// reaches Gong, a good one reaches the steward with whose turn it is.
#include "api/gong_call_reactor.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/flow_service.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "support/flow_service_methods.h"

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

// A FlowService over a fake Gong client and main's steward, on a real
// channel, with a tokens file naming one writer ("crm-sync") beside a bare
// token (an unnamed writer).
class PriorityTest : public ::testing::Test {
 protected:
  static constexpr char kNamedToken[] = "named-3f9a71c2";
  static constexpr char kBareToken[] = "bare-8e20d4b6";

  void SetUp() override {
    const std::filesystem::path tokens =
        std::filesystem::path(::testing::TempDir()) /
        absl::StrCat("gong_call_reactor_test_priority_", getpid());
    std::ofstream(tokens) << "crm-sync writer " << kNamedToken << "\n"
                          << kBareToken << "\n";
    absl::StatusOr<std::unique_ptr<auth::CallerTokens>> callers =
        auth::CallerTokens::Load(tokens.string(), &clock_);
    std::filesystem::remove(tokens);
    ASSERT_TRUE(callers.ok()) << callers.status();
    callers_ = *std::move(callers);
    auto fake = std::make_unique<fakes::FakeGongClient>();
    gong_ = fake.get();
    gong_->CancelUnfinishedOnDestruction();
    // No rate limit: the steward's clock never moves, so a window would
    // hold every call past its third.
    quota::QuotaOptions options;
    options.gong_qps = 0;
    steward_ = std::make_unique<quota::QuotaSteward>(
        std::move(fake), std::make_unique<fakes::FakeClock>(kStart), options);
    service_ = std::make_unique<FlowServiceImpl>(
        steward_.get(), &observer_, callers_.get(), absl::Seconds(42), &clock_);
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Calls `method` ("/package.Service/Method") with `request` as `token`'s
  // bearer, its x-gong-flows-priority headers `priorities` (none when
  // empty); the callback waits on `status`.
  struct PendingCall {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
  };
  std::future<grpc::Status> Start(const std::string& method, const std::string& request,
                                  const std::string& token,
                                  const std::vector<std::string>& priorities) {
    auto call = std::make_shared<PendingCall>();
    call->context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    for (const std::string& priority : priorities) {
      call->context.AddMetadata("x-gong-flows-priority", priority);
    }
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    grpc::Slice slice(request);
    call->request = grpc::ByteBuffer(&slice, 1);
    std::future<grpc::Status> status = call->done.get_future();
    grpc::GenericStub(channel_).UnaryCall(
        &call->context, method, grpc::StubOptions(), &call->request, &call->response,
        [call](grpc::Status s) { call->done.set_value(std::move(s)); });
    return status;
  }

  // What the observer heard of each finished call's priority.
  class PriorityObserver final : public CallObserver {
   public:
    void CallStarted(const CallRecord&) override {}
    void CallFinished(const CallRecord& record) override {
      absl::MutexLock lock(&mu_);
      priorities_.push_back(record.priority);
    }
    std::vector<std::optional<upstream::Priority>> priorities() {
      absl::MutexLock lock(&mu_);
      return priorities_;
    }

   private:
    absl::Mutex mu_;
    std::vector<std::optional<upstream::Priority>> priorities_ ABSL_GUARDED_BY(mu_);
  };

  fakes::FakeClock clock_{kStart};  // never advanced
  std::unique_ptr<auth::CallerTokens> callers_;
  fakes::FakeGongClient* gong_ = nullptr;
  PriorityObserver observer_;  // outlives the steward, whose calls it hears
  std::unique_ptr<quota::QuotaSteward> steward_;
  std::unique_ptr<FlowServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (!details.ParseFromString(status.error_details())) return info;
  for (const auto& any : details.details()) {
    if (any.UnpackTo(&info)) break;
  }
  return info;
}

// Every method the service has (a method added later too): a bad header is
// INVALID_ARGUMENT with INVALID_PRIORITY naming the header, whether the
// request is valid or not, its value is not echoed, and nothing reaches
// Gong.
TEST_F(PriorityTest, EveryMethodRefusesABadPriorityAndSendsNothing) {
  const std::map<std::string, std::string> valid = support::ValidFlowServiceRequests();
  const std::vector<const google::protobuf::MethodDescriptor*> methods =
      support::FlowServiceMethods();
  ASSERT_FALSE(methods.empty());
  const std::vector<std::vector<std::string>> bad = {
      {"urgent-zq7"},
      {""},
      {"Background"},
      {std::string(33, 'q')},
      {std::string(4000, 'q')},
      {"interactive", "background"},
      {"background", "background", "urgent-zq7"},
  };
  struct Attempt {
    std::string trace;
    std::future<grpc::Status> status;
  };
  std::vector<Attempt> attempts;
  for (const google::protobuf::MethodDescriptor* method : methods) {
    const std::string path = support::MethodPath(*method);
    auto it = valid.find(method->name());
    for (const std::string& request :
         {it == valid.end() ? std::string() : it->second, std::string()}) {
      for (const std::vector<std::string>& priorities : bad) {
        attempts.push_back(
            {absl::StrCat(path, " with ", priorities.size(), " header(s), the first ",
                          priorities[0].substr(0, 40),
                          request.empty() ? ", empty request" : ""),
             Start(path, request, kBareToken, priorities)});
      }
    }
  }
  for (Attempt& attempt : attempts) {
    SCOPED_TRACE(attempt.trace);
    const grpc::Status status = attempt.status.get();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    const google::rpc::ErrorInfo info = ErrorInfoOf(status);
    EXPECT_EQ(info.reason(), "INVALID_PRIORITY");
    EXPECT_EQ(info.domain(), "gong.io");
    EXPECT_EQ(info.metadata().at("header"), "x-gong-flows-priority");
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr("x-gong-flows-priority"));
    EXPECT_THAT(status.error_message(), ::testing::Not(::testing::HasSubstr("zq7")));
    EXPECT_THAT(status.error_message(), ::testing::Not(::testing::HasSubstr("qqq")));
  }
  EXPECT_EQ(gong_->size(), 0u);
  // Reported as a call without a valid priority.
  EXPECT_THAT(observer_.priorities(),
              ::testing::AllOf(::testing::SizeIs(attempts.size()),
                               ::testing::Each(std::optional<upstream::Priority>())));
}

// The caller's priority reaches the steward, and with it whose turn the
// call is: a named caller's name; for unnamed callers, who share one name,
// their connection's address.
TEST_F(PriorityTest, ThePriorityAndWhoseTurnItIsReachTheSteward) {
  const std::string unassign =
      support::ValidFlowServiceRequests().at("UnassignByInstanceIds");
  const std::string path = "/gong.flows.v1.FlowService/UnassignByInstanceIds";
  struct Case {
    const char* token;
    std::vector<std::string> priorities;
    upstream::Priority priority;
    std::optional<std::string> queue_key;  // nullopt: the peer's address
  };
  const Case cases[] = {
      {kBareToken, {}, upstream::Priority::kInteractive, std::nullopt},
      {kBareToken, {"interactive"}, upstream::Priority::kInteractive, std::nullopt},
      {kBareToken, {"background"}, upstream::Priority::kBackground, std::nullopt},
      {kBareToken,
       {"background", "background"},
       upstream::Priority::kBackground,
       std::nullopt},
      {kNamedToken, {"background"}, upstream::Priority::kBackground, "crm-sync"},
      {kNamedToken, {}, upstream::Priority::kInteractive, "crm-sync"},
  };
  size_t sent = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.token, " with ", c.priorities.size(), " header(s)"));
    std::future<grpc::Status> status = Start(path, unassign, c.token, c.priorities);
    ++sent;
    if (!gong_->AwaitCalls(sent)) {
      const grpc::Status ended = status.get();
      FAIL() << "the call never reached Gong: " << ended.error_code() << " "
             << ended.error_message();
    }
    const upstream::GongRequest request = gong_->request(sent);
    EXPECT_EQ(request.priority, c.priority);
    if (c.queue_key.has_value()) {
      EXPECT_EQ(request.queue_key, *c.queue_key);
    } else {
      // gRPC's peer string for a loopback TCP client.
      EXPECT_THAT(request.queue_key, ::testing::StartsWith("ipv4:127.0.0.1:"));
    }
    gong_->AnswerUnassigned(sent, upstream::UnassignByInstanceIdsResult{"r", {"1001"}});
    EXPECT_TRUE(status.get().ok());
  }
  std::vector<std::optional<upstream::Priority>> expected;
  for (const Case& c : cases) expected.emplace_back(c.priority);
  EXPECT_EQ(observer_.priorities(), expected);
}

}  // namespace
}  // namespace gong::api
