// What the libcurl transport holds open: never more connections than
// max_connections, whatever the requests in flight, and none left open once
// idle for idle_connection_timeout. Sockets are counted from the kernel's
// own table, so the counts are what the upstream really sees.
#include <curl/curl.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/blocking_counter.h"
#include "gtest/gtest.h"
#include "http/curl_transport.h"
#include "sandbox/sandbox_gong.h"
#include "support/wait_until.h"

namespace gong::http {
namespace {

constexpr char kPath[] = "/v2/flows/prospects/unassign-flows-by-instance-id";

// Sockets of this network namespace connected to `port` that their owner
// has not closed: ESTABLISHED, or CLOSE_WAIT (the peer closed, the owner
// still holds it). The upstream's own end has `port` as its local port and
// is not counted.
int OpenSocketsTo(int port) {
  int open = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // "sl local_address rem_address st ...": addresses as HEXIP:HEXPORT.
      std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipWhitespace());
      if (fields.size() < 4) continue;
      const std::string& remote = fields[2];
      int remote_port = 0;
      if (!absl::SimpleHexAtoi(remote.substr(remote.find(':') + 1), &remote_port))
        continue;
      if (remote_port == port && (fields[3] == "01" || fields[3] == "08")) ++open;
    }
  }
  return open;
}

class CurlTransportLimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    sandbox::Options options;
    options.behavior.assume_assigned = true;
    // Gong answering slowly keeps every request in flight at once.
    options.behavior.delay = absl::Milliseconds(300);
    sandbox_ = std::make_unique<sandbox::SandboxGong>(options);
    ASSERT_TRUE(sandbox_->Start().ok());
  }

  HttpRequest Request() {
    HttpRequest request;
    request.url = absl::StrCat(sandbox_->base_url(), kPath);
    request.headers = {"Authorization: Bearer t", "Content-Type: application/json"};
    request.body = R"({"flowInstanceIds":["1"]})";
    request.deadline = absl::Now() + absl::Seconds(60);
    return request;
  }

  std::unique_ptr<sandbox::SandboxGong> sandbox_;
};

TEST_F(CurlTransportLimitsTest, NeverMoreConnectionsThanMaxAndNoneLeftIdle) {
  CurlTransportOptions options;
  options.max_connections = 3;
  options.idle_connection_timeout = absl::Seconds(1);
  auto transport = CurlTransport::Create(options);
  ASSERT_TRUE(transport.ok());

  constexpr int kRequests = 12;
  absl::BlockingCounter finished(kRequests);
  std::atomic<int> answered{0};
  for (int i = 0; i < kRequests; ++i) {
    (*transport)->Send(Request(), [&](HttpResult result) {
      const auto* response = std::get_if<HttpResponse>(&result);
      if (response != nullptr && response->status == 200) ++answered;
      finished.DecrementCount();
    });
  }
  // Sample the sockets while the requests run (four rounds of 300 ms at
  // three connections; twelve connections at once without the limit).
  std::atomic<bool> done{false};
  int most_open = 0;
  std::thread sampler([&] {
    while (!done) {
      most_open = std::max(most_open, OpenSocketsTo(sandbox_->port()));
      absl::SleepFor(absl::Milliseconds(10));
    }
  });
  finished.Wait();
  done = true;
  sampler.join();
  EXPECT_EQ(answered, kRequests);
  EXPECT_GE(most_open, 1);
  EXPECT_LE(most_open, 3);
  // Closed by the transport about a second after the last answer. (The
  // sandbox closes idle connections after 5 s, but that leaves curl's end
  // open in CLOSE_WAIT, which counts.)
  EXPECT_TRUE(support::WaitUntil([&] { return OpenSocketsTo(sandbox_->port()) == 0; }))
      << OpenSocketsTo(sandbox_->port()) << " sockets still open";
}

}  // namespace
}  // namespace gong::http
