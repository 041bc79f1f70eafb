// The facade's full production stack in front of an upstream that
// misbehaves (tests/upstreams/hostile_upstream.js): every request that
// reaches it is one the steward sent and counted, and no connection holds
// up the others. Counts come from the upstream's own log of what it read,
// and from the facade's metrics.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/blocking_counter.h"
#include "app/facade_server.h"
#include "facade_test_env.h"
#include "fakes/test_certificates.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "metrics_scrape.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

using flows::v1::UnassignByInstanceIdsRequest;
using flows::v1::UnassignByInstanceIdsResponse;

class HostileUpstreamTest : public ::testing::Test {
 protected:
  // ctest runs each test as a process of its own, in parallel: each makes
  // its own certificates.
  static void SetUpTestSuite() {
    certs_ = new std::filesystem::path(
        absl::StrCat(::testing::TempDir(), "/hostile_upstream_certs_", getpid()));
    certs_error_ = fakes::MakeTestCertificates(*certs_);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*certs_);
    delete certs_;
  }
  void SetUp() override { ASSERT_EQ(certs_error_, ""); }

  // Starts the upstream in `mode` and the facade in front of it: Gong's
  // 3 calls a second, 3 attempts at most, metrics on.
  void Start(const std::string& mode, app::FacadeConfig config = Defaults()) {
    upstream_ = std::make_unique<Subprocess>(std::vector<std::string>{
        NODE_BIN, HOSTILE_UPSTREAM_JS, "--mode=" + mode, "--cert=" + Cert("server.crt"),
        "--key=" + Cert("server.key")});
    ASSERT_TRUE(upstream_->WaitForOutput("listening", absl::Seconds(30)))
        << upstream_->Stderr();
    std::smatch port;
    const std::string out = upstream_->Stdout();
    ASSERT_TRUE(
        std::regex_search(out, port, std::regex("listening (\\d+) control (\\d+)")));
    control_port_ = std::stoi(port[2].str());
    const bool tls = mode != "close-reused" && mode != "slow";  // plain HTTP/1.1
    config.gong_base_url =
        absl::StrCat(tls ? "https://localhost:" : "http://127.0.0.1:", port[1].str());
    if (tls && config.gong_ca_file.empty()) config.gong_ca_file = Cert("ca.crt");
    auto facade =
        app::FacadeServer::Start(config, upstream::GongCredentials::Bearer("t"));
    ASSERT_TRUE(facade.ok()) << facade.status();
    facade_ = *std::move(facade);
    stub_ = flows::v1::FlowService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", facade_->port()), grpc::InsecureChannelCredentials()));
  }

  static app::FacadeConfig Defaults() {
    app::FacadeConfig config;
    config.listen = "127.0.0.1:0";
    config.metrics_listen = "127.0.0.1:0";
    config.quota.gong_qps = 3;
    config.quota.max_attempts = 3;
    // The upstream answers only unassign: a lost write is not looked up
    // here (idempotency_e2e_test settles them against the sandbox).
    config.settle_delay = absl::ZeroDuration();
    return config;
  }

  static std::string Cert(const std::string& name) { return (*certs_ / name).string(); }

  grpc::Status Call(const std::string& id, absl::Duration timeout = absl::Seconds(20)) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    UnassignByInstanceIdsRequest request;
    request.add_flow_instance_ids(id);
    UnassignByInstanceIdsResponse response;
    return stub_->UnassignByInstanceIds(&context, request, &response);
  }

  // The upstream's counts (see hostile_upstream.js).
  nlohmann::json UpstreamStats() {
    httplib::Client client("127.0.0.1", control_port_);
    auto response = client.Get("/stats");
    EXPECT_TRUE(response && response->status == 200);
    return nlohmann::json::parse(response ? response->body : "{}", nullptr, false);
  }

  // Requests the upstream has read whole.
  int UpstreamRequests() {
    httplib::Client client("127.0.0.1", control_port_);
    auto response = client.Get("/");
    int n = -1;
    EXPECT_TRUE(response && absl::SimpleAtoi(response->body, &n));
    return n;
  }

  // The value of metric `name` (summed over its labels) at a scrape.
  double Metric(const std::string& name) {
    return Sum(ScrapeMetrics(facade_->metrics_port()), name);
  }

  static std::filesystem::path* certs_;
  static std::string certs_error_;
  std::unique_ptr<Subprocess> upstream_;
  int control_port_ = 0;
  std::unique_ptr<app::FacadeServer> facade_;
  std::unique_ptr<flows::v1::FlowService::Stub> stub_;
};

std::filesystem::path* HostileUpstreamTest::certs_ = nullptr;
std::string HostileUpstreamTest::certs_error_;

// libcurl sends a POST again, unasked, when a reused HTTP/1.1 connection
// closes before any answer byte. Gong may have acted on the first: the
// caller must hear so, and Gong must see the request once.
TEST_F(HostileUpstreamTest, AWriteOnAReusedConnectionThatClosesIsSentOnce) {
  Start("close-reused");
  ASSERT_TRUE(Call("1").ok());

  const grpc::Status status = Call("2");

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(Reason(status), "GONG_CONNECTION_DROPPED");
  EXPECT_EQ(Metadata(status, "gong_may_have_acted"), "true");
  EXPECT_EQ(Metadata(status, "transport_failure"), "connection_dropped");
  EXPECT_EQ(UpstreamRequests(), 2);
  EXPECT_EQ(Metric("gong_upstream_requests_total"), 2);
}

// An HTTP/2 server that refuses every stream: libcurl would send each
// request six times, uncounted. Refused streams are safe to resend, so the
// steward does, within --gong_max_attempts, and counts each.
TEST_F(HostileUpstreamTest, RefusedStreamsAreResentOnlyByTheStewardAndCounted) {
  Start("refuse-streams");

  const grpc::Status status = Call("1");

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(Reason(status), "GONG_CONNECTION_DROPPED");
  EXPECT_EQ(Metadata(status, "gong_may_have_acted"), "false") << status.error_message();
  EXPECT_EQ(UpstreamRequests(), 3);
  EXPECT_EQ(Metric("gong_upstream_requests_total"), 3);
  EXPECT_EQ(Metric("gong_upstream_requests_today"), 3);
  EXPECT_EQ(Metric("gong_upstream_retries_total"), 2);
}

// An HTTP/2 connection that dies after the request was read is not a
// refusal: Gong may have acted, and nothing is resent.
TEST_F(HostileUpstreamTest, AnHttp2ConnectionThatDiesAfterTheRequestIsNotResent) {
  Start("drop-h2");

  const grpc::Status status = Call("1");

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(Metadata(status, "gong_may_have_acted"), "true");
  EXPECT_EQ(UpstreamRequests(), 1);
  EXPECT_EQ(Metric("gong_upstream_requests_total"), 1);
}

// The first connection never finishes its TLS handshake. Every call made
// meanwhile waited on it (libcurl's PIPEWAIT) until its deadline; now each
// gives up on it after --gong_connect_timeout and is sent on a new one.
TEST_F(HostileUpstreamTest, AStalledHandshakeHoldsNoCallBeyondTheConnectTimeout) {
  app::FacadeConfig config = Defaults();
  config.gong_connect_timeout = absl::Seconds(1);
  config.quota.gong_qps = 0;
  Start("stall-first", config);

  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < 4; ++i) {
    calls.push_back(std::async(std::launch::async, [this, i] {
      return Call(absl::StrCat(i + 1), absl::Seconds(25));
    }));
  }
  for (auto& call : calls) {
    const grpc::Status status = call.get();
    EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  }
  EXPECT_EQ(UpstreamRequests(), 4);  // nothing reached it on the stalled one
}

// With the limiter off and Gong slow, a burst of calls must not become a
// burst of connections: at most --max_gong_in_flight (100 by default)
// requests await Gong, the others wait their turn, every call succeeds,
// and the connections are closed once idle.
TEST_F(HostileUpstreamTest, ABurstHoldsAtMostMaxGongInFlightRequestsAndNoIdleSocket) {
  app::FacadeConfig config = Defaults();
  config.quota.gong_qps = 0;
  config.gong_idle_connection_timeout = absl::Seconds(2);
  Start("slow", config);  // answers after 500 ms

  constexpr int kCalls = 1000;
  struct Pending {
    grpc::ClientContext context;
    UnassignByInstanceIdsRequest request;
    UnassignByInstanceIdsResponse response;
    grpc::Status status;
  };
  std::vector<Pending> calls(kCalls);
  absl::BlockingCounter finished(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    Pending& call = calls[i];
    call.context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
    call.request.add_flow_instance_ids(absl::StrCat(i + 1));
    // One email each: no call shares another's Gong request.
    call.request.set_unassigned_by_user_email(absl::StrCat("user", i, "@example.com"));
    stub_->async()->UnassignByInstanceIds(&call.context, &call.request, &call.response,
                                          [&call, &finished](grpc::Status status) {
                                            call.status = std::move(status);
                                            finished.DecrementCount();
                                          });
  }
  finished.Wait();  // before any assertion: no call is left in flight

  int failed = 0;
  for (const Pending& call : calls) failed += !call.status.ok();
  EXPECT_EQ(failed, 0) << calls[0].status.error_message();
  const nlohmann::json stats = UpstreamStats();
  EXPECT_EQ(stats.value("requests", -1), kCalls);
  EXPECT_LE(stats.value("mostInFlight", -1), 100);
  EXPECT_GE(stats.value("mostInFlight", -1), 1);
  EXPECT_LE(stats.value("mostConnections", -1), 100);
  // Idle for --gong_idle_connection_timeout: the facade closes them all (the
  // upstream never would).
  EXPECT_TRUE(support::WaitUntil(
      [&] { return UpstreamStats().value("openConnections", -1) == 0; },
      absl::Seconds(30)))
      << UpstreamStats().dump();
}

// curl reads the CA bundle when it first connects; should it fail then, its
// words name the server's file, which callers must not see.
TEST_F(HostileUpstreamTest, CallersNeverSeeTheServersFilePaths) {
  const std::string ca = Cert("ca_copy.crt");
  std::filesystem::copy_file(Cert("ca.crt"), ca,
                             std::filesystem::copy_options::overwrite_existing);
  app::FacadeConfig config = Defaults();
  config.gong_ca_file = ca;
  Start("drop-h2", config);
  std::filesystem::remove(ca);

  const grpc::Status status = Call("1");

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(Reason(status), "GONG_TLS_FAILURE");
  EXPECT_FALSE(absl::StrContains(status.error_message(), ca)) << status.error_message();
  EXPECT_FALSE(absl::StrContains(Details(status).DebugString(), ca));
  EXPECT_EQ(UpstreamRequests(), 0);
}

}  // namespace
}  // namespace gong::e2e
