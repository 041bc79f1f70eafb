// The gong-flows-server binary as operators run it: configuration refusals,
// defaults, credentials from the environment, --gong_ca_file against an
// HTTPS Gong, SIGTERM with a call in flight, and no secret (nor the
// caller's email) in anything it prints.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "fakes/test_certificates.h"
#include "gmock/gmock.h"
#include "gong/flows/v1/flow_service.grpc.pb.h"
#include "grpc_probe.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "sandbox/sandbox_gong.h"
#include "server_process.h"
#include "subprocess.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using ServerProcessTest = ServerProcess;

TEST_F(ServerProcessTest, RefusesToStartWithoutCredentials) {
  Subprocess server({GONG_FLOWS_SERVER_BIN, "--listen=127.0.0.1:0", "--metrics_listen="},
                    kNoCredentials);
  EXPECT_EQ(server.Wait(absl::Seconds(20)), 2);
  EXPECT_THAT(server.Stderr(), HasSubstr("GONG_ACCESS_KEY"));
}

TEST_F(ServerProcessTest, RefusesABaseUrlThatIsNotHttp) {
  Subprocess server({GONG_FLOWS_SERVER_BIN, "--gong_base_url=ftp://gong"},
                    {{"GONG_BEARER_TOKEN", "t"}});
  EXPECT_EQ(server.Wait(absl::Seconds(20)), 2);
  EXPECT_THAT(server.Stderr(), HasSubstr("--gong_base_url"));
}

TEST_F(ServerProcessTest, SendsTheBearerTokenFromTheEnvironment) {
  std::map<std::string, std::string> env = kNoCredentials;
  env["GONG_BEARER_TOKEN"] = "tok-123";
  StartServer(env);
  ASSERT_TRUE(Call("1001").ok());
  EXPECT_EQ(sandbox_->Requests().back().authorization, "Bearer tok-123");
}

TEST_F(ServerProcessTest, SigtermFinishesTheCallInFlightThenExitsZero) {
  StartServer({{"GONG_BEARER_TOKEN", "t"}});
  sandbox::Behavior slow;
  slow.delay = absl::Milliseconds(700);
  sandbox_->SetBehavior(slow);
  auto call = std::async(std::launch::async, [this] { return Call("1001"); });
  EXPECT_TRUE(support::WaitUntil([this] { return sandbox_->RequestCount() > 0; }));
  server_->Signal(SIGTERM);
  EXPECT_TRUE(call.get().ok());
  EXPECT_EQ(server_->Wait(absl::Seconds(20)), 0);
  EXPECT_FALSE(sandbox_->IsAssigned("1001"));
}

// A closing terminal (SIGHUP) or an operator's habit (SIGUSR1, SIGUSR2)
// must not end the server: their default action is to terminate at once,
// with no drain. Only SIGTERM and SIGINT stop it.
TEST_F(ServerProcessTest, HupAndUsrSignalsAreLoggedAndTheServerKeepsServing) {
  StartServer({{"GONG_BEARER_TOKEN", "t"}});
  for (int signal_number : {SIGHUP, SIGUSR1, SIGUSR2}) {
    SCOPED_TRACE(signal_number);
    server_->Signal(signal_number);
    // The log line says the signal was seen (and so handled, not fatal).
    ASSERT_TRUE(server_->WaitForOutput(absl::StrCat("\"signal\":", signal_number),
                                       absl::Seconds(10)))
        << server_->Stderr();
    EXPECT_EQ(server_->Wait(absl::ZeroDuration()), -1) << "the server exited";
  }
  EXPECT_TRUE(Call("1001").ok());
  EXPECT_EQ(server_->Wait(absl::ZeroDuration()), -1) << "the server exited";
  std::vector<int> ignored;
  for (const nlohmann::json& line : LogLines()) {
    if (line["msg"] == "signal ignored") ignored.push_back(line["signal"].get<int>());
  }
  EXPECT_THAT(ignored, ::testing::ElementsAre(SIGHUP, SIGUSR1, SIGUSR2));

  server_->Signal(SIGTERM);  // still drains and exits cleanly
  EXPECT_EQ(server_->Wait(absl::Seconds(20)), 0);
  EXPECT_EQ(LogLines().back()["msg"], "stopped");
}

TEST_F(ServerProcessTest, NoSecretOrEmailIsEverPrinted) {
  const std::string key = "AKEY-7f3a9c", secret = "SSECRET-d41d8cd9";
  StartServer({{"GONG_ACCESS_KEY", key},
               {"GONG_ACCESS_KEY_SECRET", secret},
               {"GONG_BEARER_TOKEN", ""}});
  const std::string email = "jane.private@example.com";
  EXPECT_TRUE(Call("1001", email).ok());
  for (int status : {400, 401, 429, 500, 503}) {
    sandbox::Behavior behavior;
    behavior.force_status = status;
    sandbox_->SetBehavior(behavior);
    EXPECT_FALSE(Call("1002", email).ok());
  }
  EXPECT_FALSE(Call("", email).ok());  // validation failure
  server_->Signal(SIGINT);
  ASSERT_EQ(server_->Wait(absl::Seconds(20)), 0);
  // Gong did get the credentials; the logs did not.
  EXPECT_EQ(sandbox_->Requests().front().authorization,
            "Basic " + absl::Base64Escape(key + ":" + secret));
  const std::string printed = server_->Stdout() + server_->Stderr();
  EXPECT_THAT(printed, HasSubstr("stopped"));
  for (const std::string& secret_text :
       {key, secret, absl::Base64Escape(key + ":" + secret), email,
        std::string("Authorization"), std::string("authorization")}) {
    EXPECT_THAT(printed, Not(HasSubstr(secret_text)));
  }
}

TEST_F(ServerProcessTest, RefusesPlainHttpToARemoteGong) {
  Subprocess server({GONG_FLOWS_SERVER_BIN, "--gong_base_url=http://api.gong.io"},
                    {{"GONG_BEARER_TOKEN", "t"}});
  EXPECT_EQ(server.Wait(absl::Seconds(20)), 2);
  EXPECT_THAT(server.Stderr(), HasSubstr("--gong_base_url"));
  EXPECT_THAT(server.Stderr(), HasSubstr("https://"));
}

TEST_F(ServerProcessTest, FlagsComeFromGongFlowsVariablesAndTheCommandLineWins) {
  Subprocess from_env({GONG_FLOWS_SERVER_BIN},
                      {{"GONG_BEARER_TOKEN", "t"},
                       {"GONG_FLOWS_GONG_BASE_URL", "http://gong.example.com"}});
  EXPECT_EQ(from_env.Wait(absl::Seconds(20)), 2);  // the variable was read
  EXPECT_THAT(from_env.Stderr(), HasSubstr("gong.example.com"));
  // The same variable, overridden on the command line: the server starts.
  StartServer({{"GONG_BEARER_TOKEN", "t"},
               {"GONG_FLOWS_GONG_BASE_URL", "http://gong.example.com"},
               {"GONG_FLOWS_GONG_QPS", "7"}});
  EXPECT_TRUE(Call("1001").ok());
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(absl::Seconds(20)), 0);
  const nlohmann::json start = LogLines().front();
  EXPECT_EQ(start["gong_qps"], 7);
  EXPECT_EQ(start["gong_base_url"], sandbox_->base_url());
}

TEST_F(ServerProcessTest, LogsAreJsonLinesWithOneLinePerCall) {
  StartServer({{"GONG_BEARER_TOKEN", "t"}});
  ASSERT_TRUE(Call("1001", "jane.private@example.com").ok());
  sandbox::Behavior unauthorized;
  unauthorized.force_status = 401;
  sandbox_->SetBehavior(unauthorized);
  ASSERT_FALSE(Call("1002").ok());
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(absl::Seconds(20)), 0);

  const std::vector<nlohmann::json> lines = LogLines();
  ASSERT_GE(lines.size(), 4u);
  // Start-up: the effective configuration, secrets left out.
  EXPECT_EQ(lines.front()["level"], "info");
  EXPECT_EQ(lines.front()["gong_auth"], "bearer");
  EXPECT_EQ(lines.front()["gong_max_attempts"], 3);
  std::vector<nlohmann::json> calls;
  for (const auto& line : lines) {
    EXPECT_TRUE(line.contains("ts") && line.contains("msg"));
    if (line["msg"] == "call") calls.push_back(line);
  }
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["method"], "gong.flows.v1.FlowService/UnassignByInstanceIds");
  EXPECT_EQ(calls[0]["code"], "OK");
  EXPECT_EQ(calls[0]["ids"], 1);
  EXPECT_TRUE(calls[0]["duration_ms"].is_number());
  EXPECT_THAT(calls[0]["peer"].get<std::string>(), HasSubstr("127.0.0.1"));
  EXPECT_FALSE(calls[0]["gong_request_id"].get<std::string>().empty());
  EXPECT_EQ(calls[1]["code"], "UNAUTHENTICATED");
  EXPECT_FALSE(calls[1]["gong_request_id"].get<std::string>().empty());
  EXPECT_EQ(lines.back()["msg"], "stopped");
  EXPECT_EQ(lines.back()["gong_auth"], "bearer");  // the configuration again
  EXPECT_THAT(server_->Stderr(), Not(HasSubstr("jane.private")));
}

// An answer read with loss (a date that names no instant) still answers the
// call, and the call's log line says what was lost.
TEST_F(ServerProcessTest, TheCallLineNamesWhatOfGongsAnswerCouldNotBeRead) {
  StartServer({{"GONG_BEARER_TOKEN", "t"}});
  sandbox::Behavior odd_date;
  odd_date.force_body = R"({"requestId": "r-7", "prospectsAssigned": [
      {"flowInstanceId": "11", "flowId": "22", "crmProspectId": "003A",
       "flowInstanceCreateDate": "last Tuesday", "flowInstanceStatus": "Running"}]})";
  sandbox_->SetBehavior(odd_date);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  flows::v1::GetProspectFlowsRequest request;
  request.add_crm_prospect_ids("003A");
  flows::v1::GetProspectFlowsResponse response;
  ASSERT_TRUE(stub_->GetProspectFlows(&context, request, &response).ok());
  ASSERT_EQ(response.flow_instances_size(), 1);
  EXPECT_FALSE(response.flow_instances(0).has_create_time());
  EXPECT_EQ(response.flow_instances(0).status(), flows::v1::FLOW_INSTANCE_STATUS_RUNNING);
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(absl::Seconds(20)), 0);

  std::vector<nlohmann::json> calls;
  for (const auto& line : LogLines()) {
    if (line["msg"] == "call") calls.push_back(line);
  }
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["method"], "gong.flows.v1.FlowService/GetProspectFlows");
  EXPECT_EQ(calls[0]["code"], "OK");
  EXPECT_EQ(calls[0]["gong_request_id"], "r-7");
  EXPECT_THAT(calls[0]["gong_answer_warnings"].get<std::string>(),
              HasSubstr("prospectsAssigned[0].flowInstanceCreateDate \"last Tuesday\""));
}

TEST_F(ServerProcessTest, DrainsNotServingWhileStillServingThenExitsZero) {
  StartServer({{"GONG_BEARER_TOKEN", "t"}}, {"--drain_delay=3s"});
  EXPECT_EQ(HealthCheck(channel_, "gong.flows.v1.FlowService"), 1);  // SERVING
  server_->Signal(SIGTERM);
  ASSERT_TRUE(server_->WaitForOutput("draining", absl::Seconds(10)));
  EXPECT_EQ(HealthCheck(channel_, "gong.flows.v1.FlowService"), 2);  // NOT_SERVING
  EXPECT_EQ(HealthCheck(channel_, ""), 2);
  EXPECT_TRUE(Call("1001").ok());  // the mesh may still route a call here
  EXPECT_EQ(server_->Wait(absl::Seconds(20)), 0);
}

// With no flag but the addresses (a test must not take the real ports), the
// effective configuration the server logs at start-up is docs/operations.md's
// flags table: this checks the flags' own defaults, which main declares.
TEST_F(ServerProcessTest, WithoutFlagsTheServerRunsWithTheDocumentedDefaults) {
  server_ = std::make_unique<Subprocess>(
      std::vector<std::string>{GONG_FLOWS_SERVER_BIN, "--listen=127.0.0.1:0",
                               "--metrics_listen=127.0.0.1:0"},
      std::map<std::string, std::string>{{"GONG_BEARER_TOKEN", "t"}});
  ASSERT_TRUE(server_->WaitForOutput("listening on", absl::Seconds(20)))
      << server_->Stderr();

  const nlohmann::json start = LogLines().front();
  EXPECT_EQ(start["gong_base_url"], "https://api.gong.io");
  EXPECT_EQ(start["gong_ca_file"], "");
  EXPECT_EQ(start["gong_connect_timeout"], "5s");
  EXPECT_EQ(start["upstream_timeout"], "30s");
  EXPECT_EQ(start["drain_delay"], "5s");
  EXPECT_EQ(start["shutdown_grace"], "10s");
  EXPECT_EQ(start["max_connection_age"], "0");  // never
  EXPECT_EQ(start["tls"], false);
  EXPECT_EQ(start["mutual_tls"], false);
  EXPECT_EQ(start["caller_tokens_file"], "");
  EXPECT_EQ(start["gong_qps"], 3);
  EXPECT_EQ(start["coalesce"], true);
  EXPECT_EQ(start["gong_max_attempts"], 3);
  EXPECT_EQ(start["max_gong_pause"], "1m");
  EXPECT_EQ(start["max_pending_calls"], 10000);
  EXPECT_EQ(start["gong_auth"], "bearer");
}

// Gong over HTTPS with a certificate from the tests' own CA, as a private
// Gong host or a company's TLS-inspecting proxy presents: it answers every
// unassign as Gong does when all the ids were assigned.
class HttpsGong {
 public:
  explicit HttpsGong(const std::filesystem::path& certs)
      : server_((certs / "server.crt").c_str(), (certs / "server.key").c_str()) {
    server_.Post("/v2/flows/prospects/unassign-flows-by-instance-id",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   ++requests_;
                   const auto body = nlohmann::json::parse(request.body, nullptr, false);
                   const nlohmann::json answer = {
                       {"requestId", "https-gong-1"},
                       {"unassignedFlowInstanceIds", body["flowInstanceIds"]}};
                   response.set_content(answer.dump(), "application/json");
                 });
    // Bound and listening from here on: connections wait in the backlog
    // until the thread accepts them.
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HttpsGong() {
    server_.stop();
    thread_.join();
  }

  bool valid() { return server_.is_valid() && port_ > 0; }
  std::string base_url() const { return absl::StrCat("https://127.0.0.1:", port_); }
  int requests() const { return requests_; }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

TEST_F(ServerProcessTest, GongCaFileMakesGongsPrivateCertificateTrusted) {
  const std::filesystem::path certs =
      absl::StrCat(::testing::TempDir(), "/server_process_test_certs_", getpid());
  ASSERT_EQ(fakes::MakeTestCertificates(certs), "");
  HttpsGong gong(certs);
  ASSERT_TRUE(gong.valid());
  const std::string base_url = "--gong_base_url=" + gong.base_url();

  // Without the CA the certificate is refused: the documented TLS row, and
  // nothing reached Gong, so it is safe to retry.
  StartServer({{"GONG_BEARER_TOKEN", "t"}}, {base_url});
  const grpc::Status refused = Call("1001");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
      << refused.error_message();
  EXPECT_EQ(Reason(refused), "GONG_TLS_FAILURE");
  EXPECT_EQ(Metadata(refused, "transport_failure"), "tls_failure");
  EXPECT_EQ(Metadata(refused, "gong_may_have_acted"), "false");
  EXPECT_EQ(gong.requests(), 0);

  // With it, the same Gong answers over verified TLS.
  StartServer({{"GONG_BEARER_TOKEN", "t"}},
              {base_url, "--gong_ca_file=" + (certs / "ca.crt").string()});
  flows::v1::UnassignByInstanceIdsResponse response;
  const grpc::Status status = Call("1001", "", &response);
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.request_id(), "https-gong-1");
  EXPECT_THAT(response.unassigned_flow_instance_ids(), ::testing::ElementsAre("1001"));
  EXPECT_EQ(gong.requests(), 1);
  std::filesystem::remove_all(certs);
}

}  // namespace
}  // namespace gong::e2e
