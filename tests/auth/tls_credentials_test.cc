// MakeServerCredentials: the flag combinations and files it refuses, and
// real handshakes against a gRPC server on 127.0.0.1 with certificates made
// here by the openssl command line (a throwaway CA, a server certificate
// for localhost, client certificates from that CA and from another one), and
// certificate files rotated under a running server.
// The call is grpc.health.v1.Health/Check on gRPC's default health service,
// sent through a GenericStub so no generated code is needed.
#include "auth/tls_credentials.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fakes/certificates_test_suite.h"
#include "fakes/test_certificates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/wait_until.h"

namespace gong::auth {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

void WriteFileText(const fs::path& path, absl::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The certificates every test shares, made once per run.
using TlsCredentialsTest = fakes::CertificatesTestSuite;

// A running server with gRPC's default health service.
class HealthServer {
 public:
  explicit HealthServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    // A server whose only service is the default health service has no
    // polled completion queue and refuses to start; a callback service
    // (this one answers UNIMPLEMENTED to anything) gives it one.
    builder.RegisterCallbackGenericService(&unimplemented_);
    server_ = builder.BuildAndStart();
  }
  ~HealthServer() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  bool started() const { return server_ != nullptr && port_ > 0; }
  int port() const { return port_; }

 private:
  grpc::CallbackGenericService unimplemented_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// Health/Check for service "" over a fresh connection with `credentials`.
// On OK, also checks that the answer is SERVING (bytes 0x08 0x01).
grpc::Status CheckHealth(int port,
                         std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  // The certificate is for localhost; the target is the IPv4 address the
  // server listens on (localhost may resolve to ::1 first).
  args.SetSslTargetNameOverride("localhost");
  // Each call gets its own connection: no subchannel shared across tests
  // that use different credentials.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      absl::StrCat("ipv4:127.0.0.1:", port), std::move(credentials), args);
  grpc::GenericStub stub(channel);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  const char request_bytes[] = {0x0a, 0x00};  // HealthCheckRequest{service: ""}
  grpc::Slice slice(request_bytes, sizeof request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                 &response, [&done](grpc::Status status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (status.ok()) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    EXPECT_EQ(bytes, std::string("\x08\x01", 2)) << "HealthCheckResponse is not SERVING";
  }
  return status;
}

std::shared_ptr<grpc::ChannelCredentials> TlsClient(std::string roots,
                                                    std::string key = "",
                                                    std::string chain = "") {
  return grpc::SslCredentials(
      grpc::SslCredentialsOptions{std::move(roots), std::move(key), std::move(chain)});
}

TEST_F(TlsCredentialsTest, PlaintextWhenNoFileIsGiven) {
  const TlsFiles files;
  EXPECT_FALSE(TlsEnabled(files));
  EXPECT_FALSE(MutualTlsEnabled(files));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(files);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  HealthServer server(*credentials);
  ASSERT_TRUE(server.started());
  EXPECT_TRUE(CheckHealth(server.port(), grpc::InsecureChannelCredentials()).ok());
  EXPECT_FALSE(CheckHealth(server.port(), TlsClient(Pem("ca.crt"))).ok());
}

TEST_F(TlsCredentialsTest, RefusesFlagsThatDoNotMakeAWhole) {
  struct Row {
    TlsFiles files;
    const char* named;  // the flag the message must name
  };
  const Row rows[] = {
      {{File("server.crt"), "", ""}, "--tls_key_file"},
      {{"", File("server.key"), ""}, "--tls_cert_file"},
      {{"", "", File("ca.crt")}, "--tls_client_ca_file"},
      {{File("server.crt"), "", File("ca.crt")}, "--tls_key_file"},
      {{"", File("server.key"), File("ca.crt")}, "--tls_cert_file"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(absl::StrCat("cert=", row.files.cert_file, " key=", row.files.key_file,
                              " ca=", row.files.client_ca_file));
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(row.files);
    ASSERT_FALSE(credentials.ok());
    EXPECT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(credentials.status().message(), HasSubstr(row.named));
  }
}

TEST_F(TlsCredentialsTest, RefusesFilesThatCannotBeReadOrAreNotPem) {
  WriteFileText(*dir_ / "empty.pem", "");
  WriteFileText(*dir_ / "garbage.pem", "not a certificate\n");
  struct Row {
    TlsFiles files;
    const char* named;
    const char* path;
  };
  const Row rows[] = {
      {{File("absent.crt"), File("server.key"), ""}, "--tls_cert_file", "absent.crt"},
      {{File("server.crt"), File("absent.key"), ""}, "--tls_key_file", "absent.key"},
      {{File("server.crt"), File("server.key"), File("absent_ca.crt")},
       "--tls_client_ca_file",
       "absent_ca.crt"},
      {{dir_->string(), File("server.key"), ""}, "--tls_cert_file", ""},
      {{File("empty.pem"), File("server.key"), ""}, "--tls_cert_file", "empty.pem"},
      {{File("garbage.pem"), File("server.key"), ""}, "--tls_cert_file", "garbage.pem"},
      {{File("server.key"), File("server.key"), ""}, "--tls_cert_file", "server.key"},
      {{File("server.crt"), File("server.crt"), ""}, "--tls_key_file", "server.crt"},
      {{File("server.crt"), File("encrypted.key"), ""},
       "--tls_key_file",
       "encrypted.key"},
      {{File("server.crt"), File("server.key"), File("server.key")},
       "--tls_client_ca_file",
       "server.key"},
  };
  const std::string key_text = Pem("server.key");
  for (const Row& row : rows) {
    SCOPED_TRACE(absl::StrCat("cert=", row.files.cert_file, " key=", row.files.key_file,
                              " ca=", row.files.client_ca_file));
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(row.files);
    ASSERT_FALSE(credentials.ok());
    EXPECT_THAT(credentials.status().message(), HasSubstr(row.named));
    EXPECT_THAT(credentials.status().message(), HasSubstr(row.path));
    // Never a byte of the key in a message that ends up in logs.
    for (absl::string_view line : absl::StrSplit(key_text, '\n', absl::SkipEmpty())) {
      if (absl::StartsWith(line, "-----")) continue;
      EXPECT_THAT(credentials.status().message(), Not(HasSubstr(line)));
    }
  }
}

TEST_F(TlsCredentialsTest, ServerTlsServesClientsThatTrustTheCa) {
  const TlsFiles files{File("server.crt"), File("server.key"), ""};
  EXPECT_TRUE(TlsEnabled(files));
  EXPECT_FALSE(MutualTlsEnabled(files));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(files);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  HealthServer server(*credentials);
  ASSERT_TRUE(server.started());

  const grpc::Status trusted = CheckHealth(server.port(), TlsClient(Pem("ca.crt")));
  EXPECT_TRUE(trusted.ok()) << trusted.error_message();
  // A client certificate is neither asked for nor in the way.
  const grpc::Status with_cert = CheckHealth(
      server.port(), TlsClient(Pem("ca.crt"), Pem("client.key"), Pem("client.crt")));
  EXPECT_TRUE(with_cert.ok()) << with_cert.error_message();

  EXPECT_EQ(CheckHealth(server.port(), grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(CheckHealth(server.port(), TlsClient(Pem("other_ca.crt"))).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsCredentialsTest, MutualTlsServesOnlyClientsWithACertificateFromTheClientCa) {
  const TlsFiles files{File("server.crt"), File("server.key"), File("ca.crt")};
  EXPECT_TRUE(TlsEnabled(files));
  EXPECT_TRUE(MutualTlsEnabled(files));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(files);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  HealthServer server(*credentials);
  ASSERT_TRUE(server.started());

  const grpc::Status signed_client = CheckHealth(
      server.port(), TlsClient(Pem("ca.crt"), Pem("client.key"), Pem("client.crt")));
  EXPECT_TRUE(signed_client.ok()) << signed_client.error_message();

  const grpc::Status no_cert = CheckHealth(server.port(), TlsClient(Pem("ca.crt")));
  EXPECT_FALSE(no_cert.ok());
  EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAVAILABLE)
      << no_cert.error_message();

  const grpc::Status other_ca = CheckHealth(
      server.port(),
      TlsClient(Pem("ca.crt"), Pem("other_client.key"), Pem("other_client.crt")));
  EXPECT_FALSE(other_ca.ok());
  EXPECT_EQ(other_ca.error_code(), grpc::StatusCode::UNAVAILABLE)
      << other_ca.error_message();

  EXPECT_FALSE(CheckHealth(server.port(), grpc::InsecureChannelCredentials()).ok());
}

// Rotation as Kubernetes does it: new files renamed over the ones the flags
// name (never rewritten in place, so no reader sees half a file).
void ReplaceFile(const fs::path& target, absl::string_view text) {
  const fs::path next = target.string() + ".next";
  WriteFileText(next, text);
  fs::rename(next, target);
}

// Polls `check` (a handshake: not too often) until it returns OK; gives up
// after 30 s, several refresh intervals, so a busy machine does not fail
// the test. Returns the last status.
grpc::Status WaitUntilOk(const std::function<grpc::Status()>& check) {
  grpc::Status status;
  support::WaitUntil([&] { return (status = check()).ok(); }, absl::Seconds(30),
                     absl::Milliseconds(200));
  return status;
}

TEST_F(TlsCredentialsTest, ServesARotatedCertificateWithoutARestart) {
  const fs::path live = *dir_ / "rotated_server";
  fs::create_directories(live);
  WriteFileText(live / "tls.crt", Pem("server.crt"));
  WriteFileText(live / "tls.key", Pem("server.key"));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(
          {(live / "tls.crt").string(), (live / "tls.key").string(), ""});
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  HealthServer server(*credentials);
  ASSERT_TRUE(server.started());
  const grpc::Status before = CheckHealth(server.port(), TlsClient(Pem("ca.crt")));
  ASSERT_TRUE(before.ok()) << before.error_message();
  ASSERT_FALSE(CheckHealth(server.port(), TlsClient(Pem("other_ca.crt"))).ok());

  // A certificate from another CA, as when the issuer changes.
  ReplaceFile(live / "tls.crt", Pem("other_server.crt"));
  ReplaceFile(live / "tls.key", Pem("other_server.key"));
  const grpc::Status after = WaitUntilOk(
      [&] { return CheckHealth(server.port(), TlsClient(Pem("other_ca.crt"))); });
  EXPECT_TRUE(after.ok()) << "the new certificate is not served: "
                          << after.error_message();
  EXPECT_FALSE(CheckHealth(server.port(), TlsClient(Pem("ca.crt"))).ok());
}

TEST_F(TlsCredentialsTest, MutualTlsTrustsARotatedClientCaWithoutARestart) {
  const fs::path live = *dir_ / "rotated_client_ca";
  fs::create_directories(live);
  WriteFileText(live / "ca.crt", Pem("ca.crt"));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(
          {File("server.crt"), File("server.key"), (live / "ca.crt").string()});
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  HealthServer server(*credentials);
  ASSERT_TRUE(server.started());
  auto client = [&](const std::string& name) {
    return CheckHealth(server.port(),
                       TlsClient(Pem("ca.crt"), Pem(name + ".key"), Pem(name + ".crt")));
  };
  const grpc::Status before = client("client");
  ASSERT_TRUE(before.ok()) << before.error_message();
  ASSERT_FALSE(client("other_client").ok());

  ReplaceFile(live / "ca.crt", Pem("other_ca.crt"));
  const grpc::Status after = WaitUntilOk([&] { return client("other_client"); });
  EXPECT_TRUE(after.ok()) << "the new client CA is not used: " << after.error_message();
  EXPECT_FALSE(client("client").ok());
}

}  // namespace
}  // namespace gong::auth
