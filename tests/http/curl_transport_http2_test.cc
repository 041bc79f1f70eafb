// The libcurl transport towards an HTTP/2 server over TLS (Node.js's, from
// tests/upstreams/hostile_upstream.js): once an origin has spoken HTTP/2, a
// burst of requests waits for the one connection being made and shares it,
// rather than opening a connection each. Connections are counted by the
// upstream itself.
#include <curl/curl.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fakes/test_certificates.h"
#include "gtest/gtest.h"
#include "http/curl_transport.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "subprocess.h"
#include "support/wait_until.h"

namespace gong::http {
namespace {

constexpr char kPath[] = "/v2/flows/prospects/unassign-flows-by-instance-id";

class CurlTransportHttp2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    certs_ = absl::StrCat(::testing::TempDir(), "/curl_transport_http2_", getpid());
    ASSERT_EQ(fakes::MakeTestCertificates(certs_), "");
    // Answers after 300 ms: a burst is in flight at once.
    upstream_ = std::make_unique<e2e::Subprocess>(std::vector<std::string>{
        NODE_BIN, HOSTILE_UPSTREAM_JS, "--mode=slow-h2", "--delay_ms=300",
        "--cert=" + (certs_ / "server.crt").string(),
        "--key=" + (certs_ / "server.key").string()});
    ASSERT_TRUE(upstream_->WaitForOutput("listening", absl::Seconds(30)))
        << upstream_->Stderr();
    std::smatch ports;
    const std::string out = upstream_->Stdout();
    ASSERT_TRUE(
        std::regex_search(out, ports, std::regex("listening (\\d+) control (\\d+)")));
    port_ = std::stoi(ports[1].str());
    control_port_ = std::stoi(ports[2].str());
  }

  void TearDown() override { std::filesystem::remove_all(certs_); }

  HttpRequest Request() {
    HttpRequest request;
    request.url = absl::StrCat("https://localhost:", port_, kPath);
    request.headers = {"Authorization: Bearer t", "Content-Type: application/json"};
    request.body = R"({"flowInstanceIds":["1"]})";
    request.deadline = absl::Now() + absl::Seconds(30);
    return request;
  }

  // {requests, openConnections, mostConnections, ...} as the upstream
  // counts them.
  nlohmann::json UpstreamStats() {
    httplib::Client client("127.0.0.1", control_port_);
    auto response = client.Get("/stats");
    EXPECT_TRUE(response && response->status == 200);
    return nlohmann::json::parse(response ? response->body : "{}", nullptr, false);
  }

  std::filesystem::path certs_;
  std::unique_ptr<e2e::Subprocess> upstream_;
  int port_ = 0;
  int control_port_ = 0;
};

// Sends every request at once, and waits for every result.
std::vector<HttpResult> SendAll(CurlTransport& transport,
                                std::vector<HttpRequest> requests) {
  std::vector<std::promise<HttpResult>> done(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    transport.Send(std::move(requests[i]),
                   [&done, i](HttpResult r) { done[i].set_value(std::move(r)); });
  }
  std::vector<HttpResult> results;
  for (auto& d : done) results.push_back(d.get_future().get());
  return results;
}

TEST_F(CurlTransportHttp2Test, ABurstToAnOriginKnownToSpeakHttp2SharesOneConnection) {
  CurlTransportOptions options;
  options.ca_file = (certs_ / "ca.crt").string();
  options.idle_connection_timeout = absl::Seconds(1);
  auto transport = CurlTransport::Create(options);
  ASSERT_TRUE(transport.ok());
  std::vector<HttpRequest> first;
  first.push_back(Request());
  const std::vector<HttpResult> learned = SendAll(**transport, std::move(first));
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(learned[0]))
      << std::get<TransportError>(learned[0]).message;
  // Idle for a second, the transport closes its connection: the burst
  // finds none open and waits for the one it makes.
  ASSERT_TRUE(support::WaitUntil([&] {
    return UpstreamStats().value("openConnections", -1) == 0;
  })) << UpstreamStats().dump();

  constexpr int kBurst = 8;
  std::vector<HttpRequest> burst;
  for (int i = 0; i < kBurst; ++i) burst.push_back(Request());
  const std::vector<HttpResult> results = SendAll(**transport, std::move(burst));

  for (const HttpResult& result : results) {
    ASSERT_TRUE(std::holds_alternative<HttpResponse>(result))
        << std::get<TransportError>(result).message;
    EXPECT_EQ(std::get<HttpResponse>(result).status, 200);
  }
  const nlohmann::json stats = UpstreamStats();
  EXPECT_EQ(stats.value("requests", -1), kBurst + 1);
  // A connection a request would have been kBurst at once.
  EXPECT_EQ(stats.value("mostConnections", -1), 1) << stats.dump();
}

}  // namespace
}  // namespace gong::http
