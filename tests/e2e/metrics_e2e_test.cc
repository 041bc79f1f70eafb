// The Prometheus endpoint after known calls: the gRPC server metrics under
// the names and labels dashboards expect, the upstream metrics and the
// quota's numbers, scraped over HTTP as Prometheus does.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <future>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "gmock/gmock.h"
#include "httplib.h"
#include "metrics_scrape.h"
#include "support/wait_until.h"

namespace gong::e2e {
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
  // Without caller tokens every caller is "unnamed" on the call counters.
  Labels by_caller = call;
  by_caller["caller"] = "unnamed";
  auto with_code = [&by_caller](const std::string& code) {
    Labels l = by_caller;
    l["grpc_code"] = code;
    return l;
  };
  EXPECT_EQ(Value(m, "grpc_server_started_total", by_caller), 4);
  EXPECT_EQ(Sum(m, "grpc_server_started_total"), 4);
  EXPECT_EQ(Value(m, "grpc_server_handled_total", with_code("OK")), 2);
  EXPECT_EQ(Value(m, "grpc_server_handled_total", with_code("InvalidArgument")), 1);
  EXPECT_EQ(Value(m, "grpc_server_handled_total", with_code("Unauthenticated")), 1);
  // The histogram is the method's, whoever called.
  EXPECT_EQ(Value(m, "grpc_server_handling_seconds_count", call), 4);
  const std::string unassign = "/v2/flows/prospects/unassign-flows-by-instance-id";
  EXPECT_EQ(Value(m, "gong_upstream_requests_total",
                  {{"endpoint", unassign}, {"status", "200"}}),
            2);
  EXPECT_EQ(Value(m, "gong_upstream_requests_total",
                  {{"endpoint", unassign}, {"status", "401"}}),
            1);
  EXPECT_EQ(Value(m, "gong_upstream_request_seconds_count"), 3);
  EXPECT_EQ(Value(m, "gong_upstream_request_ids_sum"), 4);  // 1 + 2 + 1 ids
  EXPECT_EQ(Value(m, "gong_upstream_requests_today"), 3);
  EXPECT_EQ(Value(m, "gong_quota_waiting_calls"), 0);
  EXPECT_EQ(Value(m, "gong_upstream_retries_total"), 0);
}

// Every method has its own grpc_method series, and each Gong endpoint its
// own endpoint series, so a dashboard tells a slow lookup from a slow
// unassign.
TEST_F(MetricsTest, EveryMethodAndEndpointHasItsOwnSeries) {
  sandbox::Options options;
  sandbox::SeedDemoCompany(&options);
  StartFacadeWithSandbox(app::FacadeConfig(), options);
  grpc::ClientContext lookup_context, list_context, assign_context, unassign_context;
  flows::v1::GetProspectFlowsRequest lookup;
  lookup.add_crm_prospect_ids("003DEMO000000003");
  flows::v1::GetProspectFlowsResponse looked_up;
  ASSERT_TRUE(stub_->GetProspectFlows(&lookup_context, lookup, &looked_up).ok());
  flows::v1::ListFlowsRequest list;
  list.set_flow_owner_email("ana@example.com");
  flows::v1::ListFlowsResponse listed;
  ASSERT_TRUE(stub_->ListFlows(&list_context, list, &listed).ok());
  flows::v1::AssignProspectsRequest assign;  // invalid: counted, never sent
  flows::v1::AssignProspectsResponse assigned;
  EXPECT_EQ(stub_->AssignProspects(&assign_context, assign, &assigned).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  flows::v1::UnassignByCrmIdRequest unassign;
  unassign.set_crm_prospect_id("003DEMO000000010");
  unassign.set_all_flows(true);
  flows::v1::UnassignByCrmIdResponse unassigned;
  ASSERT_TRUE(stub_->UnassignByCrmId(&unassign_context, unassign, &unassigned).ok());

  const std::vector<Sample> m = Scrape();
  auto handled = [](const std::string& method, const std::string& code) {
    return Labels{{"grpc_service", "gong.flows.v1.FlowService"},
                  {"grpc_method", method},
                  {"grpc_code", code}};
  };
  EXPECT_EQ(Value(m, "grpc_server_handled_total", handled("GetProspectFlows", "OK")), 1);
  EXPECT_EQ(Value(m, "grpc_server_handled_total", handled("ListFlows", "OK")), 1);
  EXPECT_EQ(Value(m, "grpc_server_handled_total",
                  handled("AssignProspects", "InvalidArgument")),
            1);
  EXPECT_EQ(Value(m, "grpc_server_handled_total", handled("UnassignByCrmId", "OK")), 1);
  for (const char* endpoint : {"/v2/flows/prospects", "/v2/flows",
                               "/v2/flows/prospects/unassign-flows-by-crm-id"}) {
    EXPECT_EQ(Value(m, "gong_upstream_requests_total",
                    {{"endpoint", endpoint}, {"status", "200"}}),
              1)
        << endpoint;
  }
  EXPECT_EQ(Value(m, "gong_upstream_requests_today"), 3);
}

// The gauge reads the calls waiting for their turn, while they wait: one
// Gong request a second, and calls that may not share one, so four calls
// keep some waiting for about three seconds.
TEST_F(MetricsTest, WaitingCallsAreCountedWhileTheyWait) {
  app::FacadeConfig config;
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
  const bool seen = support::WaitUntil([&] {
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
  app::FacadeConfig config;
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
  app::FacadeConfig config = PlainProxy();
  config.gong_base_url = "http://127.0.0.1:1";  // nothing listens there
  StartFacade(config);
  flows::v1::UnassignByInstanceIdsResponse response;
  EXPECT_EQ(Call({"1001"}, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Value(Scrape(), "gong_upstream_requests_total", {{"status", "error"}}), 1);
}

// A connection to 127.0.0.1:`port` that has sent the start of a request
// and nothing more; -1 if it could not connect.
int HalfSentRequest(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  // A server that stopped accepting makes connect() wait: give up instead.
  const timeval patience{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof(patience));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  constexpr char kStart[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      write(fd, kStart, sizeof(kStart) - 1) != static_cast<ssize_t>(sizeof(kStart) - 1)) {
    close(fd);
    return -1;
  }
  return fd;
}

// The metrics port listens on every interface by default: clients that
// open connections and never finish their requests must not starve the
// scrape, and their connections must not stay open for good.
TEST_F(MetricsTest, ScrapesAreAnsweredWhileHundredsOfRequestsAreHalfSent) {
  StartFacade();
  std::vector<int> held;
  while (held.size() < 300) {
    const int fd = HalfSentRequest(facade_->metrics_port());
    if (fd < 0) break;  // the server stopped accepting
    held.push_back(fd);
  }

  httplib::Client client("127.0.0.1", facade_->metrics_port());
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(std::chrono::seconds(10));
  auto response = client.Get("/metrics");
  const bool answered =
      response && response->status == 200 &&
      absl::StrContains(response->body, "gong_upstream_request_seconds_count");

  // The server gives up on an unfinished request after its timeout (5 s).
  pollfd last{held.empty() ? -1 : held.back(), POLLIN, 0};
  char byte;
  const bool closed_by_server =
      !held.empty() && poll(&last, 1, 30000) == 1 && read(last.fd, &byte, 1) >= 0;
  for (int fd : held) close(fd);
  EXPECT_EQ(held.size(), 300u);
  EXPECT_TRUE(answered) << (response ? response->status : -1);
  EXPECT_TRUE(closed_by_server);
}

TEST_F(MetricsTest, EmptyAddressTurnsMetricsOff) {
  app::FacadeConfig config = PlainProxy();
  config.metrics_listen = "";
  StartFacade(config);
  EXPECT_EQ(facade_->metrics_port(), 0);
}

}  // namespace
}  // namespace gong::e2e
