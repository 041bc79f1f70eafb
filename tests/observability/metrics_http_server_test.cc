// The /metrics endpoint's HTTP server on its own: what it serves, what it
// refuses, and the addresses it takes.
#include "observability/metrics_http_server.h"

#include <sys/socket.h>

#include <atomic>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace gong::observability::internal {
namespace {

using ::testing::HasSubstr;

MetricsHttpServer::Page TestPage() { return {"text/plain; version=0.0.4", "up 1\n"}; }

TEST(MetricsHttpServerTest, ServesThePageAtMetricsOnly) {
  std::atomic<int> renders{0};
  auto server = MetricsHttpServer::Start("127.0.0.1:0", [&renders] {
    ++renders;
    return TestPage();
  });
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);
  httplib::Client client("127.0.0.1", (*server)->port());

  auto page = client.Get("/metrics");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "up 1\n");
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  auto with_query = client.Get("/metrics?name[]=up");
  ASSERT_TRUE(with_query);
  EXPECT_EQ(with_query->status, 200);

  auto other = client.Get("/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  auto post = client.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 501);  // libevent's answer to a method not allowed
  EXPECT_EQ(renders, 2);         // only the two scrapes made the page
}

TEST(MetricsHttpServerTest, ListensOnIpv6AndNamedHosts) {
  for (const char* address : {"[::1]:0", "localhost:0"}) {
    SCOPED_TRACE(address);
    auto server = MetricsHttpServer::Start(address, TestPage);
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_GT((*server)->port(), 0);
  }
}

TEST(MetricsHttpServerTest, RefusesBadAddressesAndPortsInUseNamingTheFlag) {
  auto first = MetricsHttpServer::Start("127.0.0.1:0", TestPage);
  ASSERT_TRUE(first.ok());
  const std::string taken = "127.0.0.1:" + std::to_string((*first)->port());
  for (const std::string& address :
       {std::string("9464"), std::string("127.0.0.1:http"),
        std::string("127.0.0.1:70000"), std::string("host.invalid:0"), taken}) {
    SCOPED_TRACE(address);
    auto server = MetricsHttpServer::Start(address, TestPage);
    ASSERT_FALSE(server.ok());
    EXPECT_THAT(server.status().message(), HasSubstr("--metrics_listen"));
    EXPECT_THAT(server.status().message(), HasSubstr(address));
  }
}

}  // namespace
}  // namespace gong::observability::internal
