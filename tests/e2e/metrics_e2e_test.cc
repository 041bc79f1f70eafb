// The Prometheus endpoint after known calls: the gRPC server metrics under
// the names and labels dashboards expect, the upstream metrics and the
// quota's numbers, scraped over HTTP as Prometheus does.
#include <algorithm>
#include <future>

#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "metrics_scrape.h"
#include "support/wait_until.h"

namespace gong::testing {
namespace {

class MetricsTest : public FacadeTest {
 protected:
  std::vector<Sample> Scrape() { return ScrapeMetrics(facade_->metrics_port()); }
};

TEST_F(MetricsTest, CountsCallsByCodeAndGongRequestsByStatus) {
  StartFacade();  // metrics on, as in production
  ASSERT_GT(facade_->metrics_port(), 0);
  flows::v1::UnassignByInstanceIdsResponse response;
  ASSERT_TRUE(Call({"1001"}, &response).ok());
  ASSERT_TRUE(Call({"1002", "1003"}, &response).ok());
  EXPECT_EQ(Call({""}, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  sandbox::Behavior unauthorized;
  unauthorized.force_status = 401;
  sandbox_->SetBehavior(unauthorized);
  EXPECT_EQ(Call({"1004"}, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  const std::vector<Sample> m = Scrape();
  const Labels call = {{"grpc_type", "unary"},
                       {"grpc_service", "gong.flows.v1.FlowService"},
                       {"grpc_method", "UnassignByInstanceIds"}};
  auto with_code = [&call](const std::string& code) {
    Labels l = call;
    l["grpc_code"] = code;
    return l;
  };
  EXPECT_EQ(Value(m, "grpc_server_started_total", call), 4);
  EXPECT_EQ(Value(m, "grpc_server_handled_total", with_code("OK")), 2);
  EXPECT_EQ(Value(m, "grpc_server_handled_total", with_code("InvalidArgument")), 1);
  EXPECT_EQ(Value(m, "grpc_server_handled_total", with_code("Unauthenticated")), 1);
  EXPECT_EQ(Value(m, "grpc_server_handling_seconds_count", call), 4);
  EXPECT_EQ(Value(m, "gong_upstream_requests_total", {{"status", "200"}}), 2);
  EXPECT_EQ(Value(m, "gong_upstream_requests_total", {{"status", "401"}}), 1);
  EXPECT_EQ(Value(m, "gong_upstream_request_seconds_count"), 3);
  EXPECT_EQ(Value(m, "gong_upstream_request_ids_sum"), 4);  // 1 + 2 + 1 ids
  EXPECT_EQ(Value(m, "gong_upstream_requests_today"), 3);
  EXPECT_EQ(Value(m, "gong_quota_waiting_calls"), 0);
  EXPECT_EQ(Value(m, "gong_upstream_retries_total"), 0);
}

// The gauge reads the calls waiting for their turn, while they wait: one
// Gong request a second, and calls that may not share one, so four calls
// keep some waiting for about three seconds.
TEST_F(MetricsTest, WaitingCallsAreCountedWhileTheyWait) {
  FacadeConfig config;
  config.quota.gong_qps = 1;
  config.quota.coalesce = false;
  StartFacade(config);
  constexpr int kCalls = 4;
  std::vector<grpc::ClientContext> contexts(kCalls);
  std::vector<flows::v1::UnassignByInstanceIdsResponse> responses(kCalls);
  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < kCalls; ++i) {
    contexts[i].set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    calls.push_back(StartCall(&contexts[i], absl::StrCat(1000 + i), &responses[i]));
  }

  double most_waiting = 0;
  const bool seen = WaitUntil([&] {
    most_waiting = std::max(most_waiting, Value(Scrape(), "gong_quota_waiting_calls"));
    return most_waiting > 0;
  });

  // Every call ends before anything is checked (they hold contexts here).
  std::vector<grpc::Status> statuses;
  for (auto& call : calls) statuses.push_back(call.get());
  EXPECT_TRUE(seen) << "gong_quota_waiting_calls stayed 0 while calls waited";
  EXPECT_GE(most_waiting, 1);
  EXPECT_LE(most_waiting, kCalls - 1);  // the first call never waited
  for (const grpc::Status& status : statuses) EXPECT_TRUE(status.ok());
  EXPECT_EQ(Value(Scrape(), "gong_quota_waiting_calls"), 0);
}

TEST_F(MetricsTest, ARetryIsCounted) {
  FacadeConfig config;
  config.quota.gong_qps = 0;  // retries on (the default 3 attempts)
  StartFacade(config);
  flows::v1::UnassignByInstanceIdsResponse response;

  const grpc::Status status = CallWhileGongRecoversFrom(503, {"1001"}, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<Sample> m = Scrape();
  EXPECT_EQ(Value(m, "gong_upstream_retries_total"), 1);
  EXPECT_EQ(Value(m, "gong_upstream_requests_total", {{"status", "503"}}), 1);
  EXPECT_EQ(Value(m, "gong_upstream_requests_total", {{"status", "200"}}), 1);
  EXPECT_EQ(Value(m, "gong_upstream_requests_today"), 2);
}

TEST_F(MetricsTest, NoAnswerIsCountedAsError) {
  FacadeConfig config = PlainProxy();
  config.gong_base_url = "http://127.0.0.1:1";  // nothing listens there
  StartFacade(config);
  flows::v1::UnassignByInstanceIdsResponse response;
  EXPECT_EQ(Call({"1001"}, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Value(Scrape(), "gong_upstream_requests_total", {{"status", "error"}}), 1);
}

TEST_F(MetricsTest, EmptyAddressTurnsMetricsOff) {
  FacadeConfig config = PlainProxy();
  config.metrics_listen = "";
  StartFacade(config);
  EXPECT_EQ(facade_->metrics_port(), 0);
}

}  // namespace
}  // namespace gong::testing
