// Named callers and their rights on the gong-flows-server binary, against
// the sandbox Gong: every method of FlowService, as its descriptor lists
// them, called with a reader's token, a writer's, a wrong one and none,
// gets the code its caller's rights give; the sandbox's request count
// shows that nothing refused reached Gong; each call's log line names its
// caller, and the call counters carry the caller as a label. A file of
// bare tokens, as before callers had names, keeps working.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/grpc_code_names.h"
#include "api/method_access.h"
#include "facade_test_env.h"
#include "fakes/test_certificates.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "metrics_scrape.h"
#include "server_process.h"
#include "support/flow_service_methods.h"
#include "support/test_files.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

namespace fs = std::filesystem;

constexpr char kReaderToken[] = "rd-2b7f0c9e41d35a86";
constexpr char kWriterToken[] = "wr-91c4e8a07f2d6b53";
constexpr char kBareToken[] = "bare-5d0a3e7c19f2b468";

class CallerRightsTest : public ServerProcess {
 protected:
  void SetUp() override {
    ServerProcess::SetUp();
    dir_ = support::FreshTestDir("caller_rights_e2e");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Starts the server with `tokens` as its --caller_tokens_file.
  void StartWithTokens(const std::string& tokens) {
    const fs::path file = dir_ / "tokens";
    std::ofstream(file) << tokens;
    StartServer({{"GONG_BEARER_TOKEN", "gong-token"}},
                {"--caller_tokens_file=" + file.string()});
  }

  // `method` ("/package.Service/Method") with `request`, bearing
  // `authorization` unless it is empty.
  grpc::Status CallMethod(const std::string& method, const std::string& request,
                          const std::string& authorization) {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    grpc::Slice slice(request);
    grpc::ByteBuffer request_buffer(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    grpc::GenericStub(channel_).UnaryCall(
        &context, method, grpc::StubOptions(), &request_buffer, &response,
        [&done](grpc::Status status) { done.set_value(std::move(status)); });
    return done.get_future().get();
  }


  fs::path dir_;
};

TEST_F(CallerRightsTest,
       EveryMethodGivesEachCallerWhatItsRightsSayAndRefusalsSendNothing) {
  StartWithTokens(absl::StrCat("# who calls the facade\n", "reporting reader ",
                               kReaderToken, "\n", "crm-sync writer ", kWriterToken,
                               "\n"));
  const std::map<std::string, std::string> valid = support::ValidFlowServiceRequests();
  const std::vector<const google::protobuf::MethodDescriptor*> methods =
      support::FlowServiceMethods();
  ASSERT_FALSE(methods.empty());

  // What each call's log line should say: method, caller, code.
  std::multiset<std::tuple<std::string, std::string, std::string>> expected_lines;
  int denied = 0;
  int let_in = 0;
  for (const google::protobuf::MethodDescriptor* method : methods) {
    auto it = valid.find(method->name());
    const std::string request = it == valid.end() ? "" : it->second;
    const std::optional<api::MethodAccess> access = api::AccessOf(method->name());
    struct Attempt {
      const char* who;
      std::string authorization;
      std::string caller;  // as the log line names it
      bool let_in;
      grpc::StatusCode refused;
    };
    const Attempt attempts[] = {
        {"reader", absl::StrCat("Bearer ", kReaderToken), "reporting",
         access == api::MethodAccess::kRead, grpc::StatusCode::PERMISSION_DENIED},
        {"writer", absl::StrCat("Bearer ", kWriterToken), "crm-sync", access.has_value(),
         grpc::StatusCode::PERMISSION_DENIED},
        {"wrong", absl::StrCat("Bearer ", kWriterToken, "0"), "unauthenticated", false,
         grpc::StatusCode::UNAUTHENTICATED},
        {"none", "", "unauthenticated", false, grpc::StatusCode::UNAUTHENTICATED},
    };
    for (const Attempt& attempt : attempts) {
      SCOPED_TRACE(absl::StrCat(method->name(), " as ", attempt.who));
      const int64_t before = sandbox_->RequestCount();
      const grpc::Status status =
          CallMethod(support::MethodPath(*method), request, attempt.authorization);
      const int64_t sent = sandbox_->RequestCount() - before;
      expected_lines.insert(
          {absl::StrCat(method->service()->full_name(), "/", method->name()),
           attempt.caller, std::string(api::CanonicalCodeName(status.error_code()))});
      if (attempt.let_in) {
        ++let_in;
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << status.error_message();
        EXPECT_GE(sent, 1) << "a call let in never reached Gong";
        continue;
      }
      EXPECT_EQ(status.error_code(), attempt.refused) << status.error_message();
      EXPECT_EQ(sent, 0) << "a refused call reached Gong";
      if (attempt.refused == grpc::StatusCode::PERMISSION_DENIED) {
        ++denied;
        const google::rpc::ErrorInfo info =
            Detail<google::rpc::ErrorInfo>(status).value_or(google::rpc::ErrorInfo());
        EXPECT_EQ(info.reason(), "CALLER_NOT_ALLOWED");
        EXPECT_EQ(info.metadata().at("method"), method->name());
        EXPECT_EQ(info.metadata().at("role"), attempt.who);
      } else {
        EXPECT_EQ(Reason(status), "CALLER_UNAUTHENTICATED");
      }
    }
  }
  EXPECT_EQ(denied, static_cast<int>(api::WriteMethods().size()));
  EXPECT_EQ(let_in,
            static_cast<int>(2 * api::ReadMethods().size() + api::WriteMethods().size()));

  // One log line a call, naming its caller, with the code it ended with.
  // The line is written before the call ends, but read from the server's
  // stderr by another thread: the last ones may still be on their way.
  EXPECT_TRUE(support::WaitUntil(
      [&] { return LogLines("call").size() >= expected_lines.size(); }));
  std::multiset<std::tuple<std::string, std::string, std::string>> logged;
  for (const nlohmann::json& line : LogLines("call")) {
    logged.insert({line.value("method", ""), line.value("caller", "<no caller>"),
                   line.value("code", "")});
  }
  EXPECT_EQ(logged, expected_lines);

  // The call counters by caller: each refusal under its caller's name.
  const std::vector<Sample> m = Scrape();
  EXPECT_EQ(Value(m, "grpc_server_handled_total",
                  {{"grpc_method", "UnassignByInstanceIds"},
                   {"caller", "reporting"},
                   {"grpc_code", "PermissionDenied"}}),
            1);
  EXPECT_EQ(Value(m, "grpc_server_started_total",
                  {{"grpc_method", "ListFlows"}, {"caller", "unauthenticated"}}),
            2);
  EXPECT_EQ(Value(m, "grpc_server_started_total",
                  {{"grpc_method", "ListFlows"}, {"caller", "crm-sync"}}),
            1);
  // Every series names one of the file's callers, or the two reserved names.
  for (const Sample& sample : m) {
    if (sample.name != "grpc_server_started_total" &&
        sample.name != "grpc_server_handled_total") {
      continue;
    }
    EXPECT_THAT(sample.labels.at("caller"),
                ::testing::AnyOf("reporting", "crm-sync", "unauthenticated"));
  }
}

// A file written before callers had names: each bare token is an unnamed
// writer, beside a named reader in the same file.
TEST_F(CallerRightsTest, ABareTokenIsStillAnUnnamedCallerWithEveryRight) {
  StartWithTokens(absl::StrCat(kBareToken, "\nreporting reader ", kReaderToken, "\n"));
  EXPECT_EQ(CallMethod("/gong.flows.v1.FlowService/UnassignByInstanceIds",
                       support::ValidFlowServiceRequests()["UnassignByInstanceIds"],
                       absl::StrCat("Bearer ", kBareToken))
                .error_code(),
            grpc::StatusCode::OK);
  EXPECT_EQ(sandbox_->RequestCount(), 1);
  ASSERT_TRUE(support::WaitUntil([&] { return !LogLines("call").empty(); }));
  const std::vector<nlohmann::json> calls = LogLines("call");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].value("caller", ""), "unnamed");
  // Tokens never reach the log, whoever's.
  const std::string printed = server_->Stdout() + server_->Stderr();
  for (const char* token : {kBareToken, kReaderToken}) {
    EXPECT_THAT(printed, ::testing::Not(::testing::HasSubstr(token)));
  }
}

// With mutual TLS each call's line names the client certificate too: its
// SPIFFE id, else its CN; the caller's name still comes from its token.
TEST_F(CallerRightsTest, MutualTlsLogsTheClientCertificatesIdentityBesideTheCaller) {
  const fs::path certs = dir_ / "certs";
  const std::string failure = fakes::MakeTestCertificates(certs);
  ASSERT_TRUE(failure.empty()) << failure;
  const fs::path tokens = dir_ / "tokens";
  std::ofstream(tokens) << "reporting reader " << kReaderToken << "\n";
  StartServer({{"GONG_BEARER_TOKEN", "gong-token"}},
              {"--caller_tokens_file=" + tokens.string(),
               "--tls_cert_file=" + (certs / "server.crt").string(),
               "--tls_key_file=" + (certs / "server.key").string(),
               "--tls_client_ca_file=" + (certs / "ca.crt").string()});
  std::smatch port;
  const std::string err = server_->Stderr();
  ASSERT_TRUE(
      std::regex_search(err, port, std::regex("listening on 127\\.0\\.0\\.1:(\\d+)")));

  auto read = [](const fs::path& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  for (const char* client : {"spiffe_client", "client"}) {
    SCOPED_TRACE(client);
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = read(certs / "ca.crt");
    tls.pem_cert_chain = read(certs / (std::string(client) + ".crt"));
    tls.pem_private_key = read(certs / (std::string(client) + ".key"));
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port[1].str()),
                                         grpc::SslCredentials(tls), args);
    EXPECT_EQ(CallMethod("/gong.flows.v1.FlowService/ListFlows",
                         support::ValidFlowServiceRequests()["ListFlows"],
                         absl::StrCat("Bearer ", kReaderToken))
                  .error_code(),
              grpc::StatusCode::OK);
  }
  ASSERT_TRUE(support::WaitUntil([&] { return LogLines("call").size() >= 2; }));
  const std::vector<nlohmann::json> calls = LogLines("call");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].value("peer_identity", ""), fakes::kTestSpiffeId);
  EXPECT_EQ(calls[1].value("peer_identity", ""), "flows-caller");
  for (const nlohmann::json& call : calls)
    EXPECT_EQ(call.value("caller", ""), "reporting");
}

// A malformed file stops the start, naming the flag and the line, never a
// token.
TEST_F(CallerRightsTest, AMalformedFileRefusesToStartNamingTheLine) {
  const fs::path file = dir_ / "tokens";
  std::ofstream(file) << "reporting reader " << kReaderToken << "\ncrm-sync admin "
                      << kWriterToken << "\n";
  Subprocess server({GONG_FLOWS_SERVER_BIN, "--listen=127.0.0.1:0",
                     "--metrics_listen=", "--caller_tokens_file=" + file.string()},
                    {{"GONG_BEARER_TOKEN", "gong-token"}});
  EXPECT_EQ(server.Wait(absl::Seconds(20)), 1);
  EXPECT_THAT(server.Stderr(), ::testing::HasSubstr("--caller_tokens_file"));
  EXPECT_THAT(server.Stderr(),
              ::testing::HasSubstr("line 2: the role is neither reader nor writer"));
  for (const char* token : {kReaderToken, kWriterToken}) {
    EXPECT_THAT(server.Stderr(), ::testing::Not(::testing::HasSubstr(token)));
  }
}

}  // namespace
}  // namespace gong::e2e
