// Who may call the facade, end to end: caller tokens (accepted, refused,
// re-read when the file changes; health and reflection stay open), and the
// gRPC listener over TLS and mutual TLS with certificates made by openssl.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "facade_test_env.h"
#include "fakes/test_certificates.h"
#include "gmock/gmock.h"
#include "grpc_probe.h"
#include "support/wait_until.h"

namespace gong::e2e {
namespace {

namespace fs = std::filesystem;

// A directory of this process's own (ctest runs tests in parallel).
fs::path TestDir(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / absl::StrCat(name, "_", getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CallerAuthTest : public FacadeTest {
 protected:
  void SetUp() override {
    tokens_ = TestDir("caller_tokens") / "tokens";
    std::ofstream(tokens_) << "# callers\nalpha-token\n\nbeta-token\n";
    app::FacadeConfig config = PlainProxy();
    config.caller_tokens_file = tokens_.string();
    StartFacade(config);
  }

  grpc::Status CallWith(const std::string& authorization, const std::string& id) {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    flows::v1::UnassignByInstanceIdsRequest request;
    request.add_flow_instance_ids(id);
    flows::v1::UnassignByInstanceIdsResponse response;
    return stub_->UnassignByInstanceIds(&context, request, &response);
  }

  fs::path tokens_;
};

TEST_F(CallerAuthTest, OnlyCallsBearingAnAcceptedTokenReachGong) {
  EXPECT_TRUE(CallWith("Bearer alpha-token", "1001").ok());
  EXPECT_TRUE(CallWith("Bearer beta-token", "1002").ok());
  for (const char* bad : {"", "Bearer gamma-token", "Basic YWxwaGEtdG9rZW4=",
                          "alpha-token", "Bearer alpha-token2"}) {
    SCOPED_TRACE(bad);
    const grpc::Status status = CallWith(bad, "1003");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Detail<google::rpc::ErrorInfo>(status)->reason(), "CALLER_UNAUTHENTICATED");
  }
  EXPECT_EQ(sandbox_->RequestCount(), 2);
  EXPECT_TRUE(sandbox_->IsAssigned("1003"));
}

TEST_F(CallerAuthTest, HealthAndReflectionStayOpen) {
  EXPECT_EQ(HealthCheck(channel_, "gong.flows.v1.FlowService"), 1);
  EXPECT_THAT(ReflectionListServices(channel_),
              ::testing::HasSubstr("gong.flows.v1.FlowService"));
}

TEST_F(CallerAuthTest, AChangedTokenFileIsReadAgain) {
  EXPECT_TRUE(CallWith("Bearer alpha-token", "1001").ok());
  // Replace the file as a rotated Kubernetes Secret does: a new file
  // renamed over the old one.
  const fs::path next = tokens_.string() + ".next";
  std::ofstream(next) << "gamma-token\n";
  fs::rename(next, tokens_);
  // The file is looked at again at most once a second.
  EXPECT_TRUE(
      support::WaitUntil([&] { return CallWith("Bearer gamma-token", "1003").ok(); },
                         absl::Seconds(20), absl::Milliseconds(200)));
  EXPECT_EQ(CallWith("Bearer alpha-token", "1004").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

class TlsTest : public FacadeTest {
 protected:
  static void SetUpTestSuite() {
    FacadeTest::SetUpTestSuite();
    dir_ = new fs::path(TestDir("facade_tls"));
    const std::string failure = fakes::MakeTestCertificates(*dir_);
    ASSERT_TRUE(failure.empty()) << failure;
  }

  static std::string File(const std::string& name) { return (*dir_ / name).string(); }

  void StartTls(bool mutual) {
    app::FacadeConfig config = PlainProxy();
    config.tls_cert_file = File("server.crt");
    config.tls_key_file = File("server.key");
    if (mutual) config.tls_client_ca_file = File("ca.crt");
    StartFacade(config);
  }

  // A FlowService call over TLS, with `client` ("" for none) as the
  // client certificate.
  grpc::Status TlsCall(const std::string& client) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadText(*dir_ / "ca.crt");
    if (!client.empty()) {
      tls.pem_cert_chain = ReadText(*dir_ / (client + ".crt"));
      tls.pem_private_key = ReadText(*dir_ / (client + ".key"));
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a fresh handshake
    auto stub = flows::v1::FlowService::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", facade_->port()), grpc::SslCredentials(tls), args));
    return CallOn(*stub);
  }

  grpc::Status PlaintextCall() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub = flows::v1::FlowService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", facade_->port()),
                                  grpc::InsecureChannelCredentials(), args));
    return CallOn(*stub);
  }

  grpc::Status CallOn(flows::v1::FlowService::Stub& stub) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    flows::v1::UnassignByInstanceIdsRequest request;
    request.add_flow_instance_ids(absl::StrCat(1000 + next_id_++));
    flows::v1::UnassignByInstanceIdsResponse response;
    return stub.UnassignByInstanceIds(&context, request, &response);
  }

  static fs::path* dir_;
  int next_id_ = 0;
};

fs::path* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, ServesOverTlsAndRefusesPlaintext) {
  StartTls(/*mutual=*/false);
  EXPECT_TRUE(TlsCall("").ok());
  EXPECT_EQ(PlaintextCall().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsRefusesClientsWithoutACertificateFromTheCa) {
  StartTls(/*mutual=*/true);
  EXPECT_TRUE(TlsCall("client").ok());
  EXPECT_EQ(TlsCall("").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(TlsCall("other_client").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(sandbox_->RequestCount(), 1);
}

}  // namespace
}  // namespace gong::e2e
