// PeerIdentity: the name a client certificate gives a caller on mutual TLS,
// read by a real gRPC server from certificates made here by openssl (a
// client with a SPIFFE URI SAN, one with only a CN, none), and the order
// and bounds of the auth context's properties on a fake one.
#include "auth/peer_identity.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "auth/tls_credentials.h"
#include "fakes/certificates_test_suite.h"
#include "fakes/test_certificates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gong::auth {
namespace {

namespace fs = std::filesystem;

// An iterator over no properties (its constructor is protected).
struct NoProperties : grpc::AuthPropertyIterator {};

// An auth context holding the given properties, for PeerIdentity's choices
// where no certificate openssl makes easily would show them.
class FakeAuthContext final : public grpc::AuthContext {
 public:
  explicit FakeAuthContext(std::multimap<std::string, std::string> properties)
      : properties_(std::move(properties)) {}

  bool IsPeerAuthenticated() const override { return true; }
  std::vector<grpc::string_ref> GetPeerIdentity() const override { return {}; }
  std::string GetPeerIdentityPropertyName() const override { return ""; }
  std::vector<grpc::string_ref> FindPropertyValues(
      const std::string& name) const override {
    std::vector<grpc::string_ref> values;
    auto [begin, end] = properties_.equal_range(name);
    for (auto it = begin; it != end; ++it) values.emplace_back(it->second);
    return values;
  }
  // PeerIdentity only looks properties up by name.
  grpc::AuthPropertyIterator begin() const override { return NoProperties(); }
  grpc::AuthPropertyIterator end() const override { return NoProperties(); }
  void AddProperty(const std::string&, const grpc::string_ref&) override {}
  bool SetPeerIdentityPropertyName(const std::string&) override { return false; }

 private:
  std::multimap<std::string, std::string> properties_;
};

std::string IdentityOf(std::multimap<std::string, std::string> properties) {
  return PeerIdentity(FakeAuthContext(std::move(properties)));
}

TEST(PeerIdentityTest, SpiffeIdFirstThenAUriOrSanThatIsOneThenTheCommonName) {
  const std::string id = "spiffe://cluster.local/ns/a/sa/b";
  EXPECT_EQ(IdentityOf({{GRPC_PEER_SPIFFE_ID_PROPERTY_NAME, id},
                        {GRPC_PEER_URI_PROPERTY_NAME, "spiffe://other/x"},
                        {GRPC_X509_CN_PROPERTY_NAME, "cn"}}),
            id);
  // Two URI SANs: gRPC sets no peer_spiffe_id; the first SPIFFE one counts.
  EXPECT_EQ(IdentityOf({{GRPC_PEER_URI_PROPERTY_NAME, "https://example.com/x"},
                        {GRPC_PEER_URI_PROPERTY_NAME, id},
                        {GRPC_PEER_URI_PROPERTY_NAME, "spiffe://other/x"},
                        {GRPC_X509_CN_PROPERTY_NAME, "cn"}}),
            id);
  EXPECT_EQ(IdentityOf({{GRPC_X509_SAN_PROPERTY_NAME, "localhost"},
                        {GRPC_X509_SAN_PROPERTY_NAME, "SPIFFE://Upper/case"},
                        {GRPC_X509_CN_PROPERTY_NAME, "cn"}}),
            "SPIFFE://Upper/case");
  EXPECT_EQ(IdentityOf({{GRPC_PEER_URI_PROPERTY_NAME, "https://example.com/x"},
                        {GRPC_X509_SAN_PROPERTY_NAME, "localhost"},
                        {GRPC_X509_CN_PROPERTY_NAME, "reporting-job"}}),
            "reporting-job");
  // "spiffe:" without the slashes is no SPIFFE id.
  EXPECT_EQ(IdentityOf({{GRPC_PEER_URI_PROPERTY_NAME, "spiffe:x"},
                        {GRPC_X509_CN_PROPERTY_NAME, "cn"}}),
            "cn");
  EXPECT_EQ(IdentityOf({{GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME, "insecure"}}), "");
}

// Whatever a CA wrote in a certificate reaches the log bounded and
// printable: no control characters, no bytes that are not ASCII.
TEST(PeerIdentityTest, OnlyPrintableAsciiAndAtMost256Characters) {
  EXPECT_EQ(IdentityOf({{GRPC_X509_CN_PROPERTY_NAME,
                         std::string("a\nb\x1b[31m\x7f\xc3\xa9\0z", 13)}}),
            "a?b?[31m????z");
  const std::string long_id = "spiffe://td/" + std::string(1000, 'p');
  const std::string identity = IdentityOf({{GRPC_PEER_SPIFFE_ID_PROPERTY_NAME, long_id}});
  EXPECT_EQ(identity.size(), kMaxPeerIdentityLength);
  EXPECT_EQ(identity, long_id.substr(0, kMaxPeerIdentityLength));
  EXPECT_EQ(IdentityOf({{GRPC_X509_CN_PROPERTY_NAME, std::string(100000, '\xff')}}),
            std::string(kMaxPeerIdentityLength, '?'));
}

// A server on mutual TLS that notes the identity of each call's client.
class IdentityServer {
 public:
  explicit IdentityServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~IdentityServer() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  int port() const { return port_; }
  std::vector<std::string> identities() { return service_.identities(); }

 private:
  class Service final : public grpc::CallbackGenericService {
   public:
    grpc::ServerGenericBidiReactor* CreateReactor(
        grpc::GenericCallbackServerContext* context) override {
      {
        absl::MutexLock lock(&mu_);
        identities_.push_back(PeerIdentity(*context->auth_context()));
      }
      class Done final : public grpc::ServerGenericBidiReactor {
       public:
        Done() { Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "noted")); }
        void OnDone() override { delete this; }
      };
      return new Done;
    }
    std::vector<std::string> identities() {
      absl::MutexLock lock(&mu_);
      return identities_;
    }

   private:
    absl::Mutex mu_;
    std::vector<std::string> identities_ ABSL_GUARDED_BY(mu_);
  };

  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

class PeerIdentityTlsTest : public fakes::CertificatesTestSuite {
 protected:
  // One call over a fresh connection with `client` ("" for no client
  // certificate); its status.
  static grpc::Status CallAs(int port, const std::string& client) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = Pem("ca.crt");
    if (!client.empty()) {
      tls.pem_cert_chain = Pem(client + ".crt");
      tls.pem_private_key = Pem(client + ".key");
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    grpc::GenericStub stub(grpc::CreateCustomChannel(
        absl::StrCat("ipv4:127.0.0.1:", port), grpc::SslCredentials(tls), args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/test.Who/Am", grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status status) { done.set_value(status); });
    return done.get_future().get();
  }

};


TEST_F(PeerIdentityTlsTest, MutualTlsNamesTheSpiffeIdElseTheCommonName) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials({File("server.crt"), File("server.key"), File("ca.crt")});
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  IdentityServer server(*credentials);
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(CallAs(server.port(), "spiffe_client").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(CallAs(server.port(), "client").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(server.identities(),
              ::testing::ElementsAre(fakes::kTestSpiffeId, "flows-caller"));
}

TEST_F(PeerIdentityTlsTest, TlsWithoutAClientCertificateNamesNoOne) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials({File("server.crt"), File("server.key"), ""});
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  IdentityServer server(*credentials);
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(CallAs(server.port(), "").error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(server.identities(), ::testing::ElementsAre(""));
}

}  // namespace
}  // namespace gong::auth
