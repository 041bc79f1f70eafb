// The libcurl transport through real sockets: answers, every failure kind a
// caller branches on, deadlines, cancellation and shutdown.
#include "http/curl_transport.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "sandbox/sandbox_gong.h"
#include "support/wait_until.h"

namespace gong::http {
namespace {

constexpr char kPath[] = "/v2/flows/prospects/unassign-flows-by-instance-id";

// The sandbox answers after a minute: a transfer that ends within half of
// that ended on its own terms, not the server's, however loaded the
// machine. (The sandbox wakes its sleeping handlers when it stops.)
constexpr absl::Duration kServerNeverInTime = absl::Seconds(60);
constexpr absl::Duration kWellBeforeTheAnswer = absl::Seconds(30);

class CurlTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    sandbox::Options options;
    options.assigned_ids = {"1", "2"};
    sandbox_ = std::make_unique<sandbox::SandboxGong>(options);
    ASSERT_TRUE(sandbox_->Start().ok());
    auto transport = CurlTransport::Create({});
    ASSERT_TRUE(transport.ok());
    transport_ = *std::move(transport);
  }

  HttpRequest Request(absl::Duration timeout = absl::Seconds(10)) {
    HttpRequest request;
    request.url = absl::StrCat(sandbox_->base_url(), kPath);
    request.headers = {"Authorization: Bearer t", "Content-Type: application/json"};
    request.body = R"({"flowInstanceIds":["1","9"]})";
    request.deadline = absl::Now() + timeout;
    return request;
  }

  // Sends and waits for the result.
  HttpResult Send(HttpRequest request) {
    std::promise<HttpResult> done;
    transport_->Send(std::move(request),
                     [&done](HttpResult r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  static TransportFailure FailureOf(const HttpResult& result) {
    EXPECT_TRUE(std::holds_alternative<TransportError>(result));
    return std::get<TransportError>(result).kind;
  }

  void SlowServer(absl::Duration delay) {
    sandbox::Behavior behavior;
    behavior.delay = delay;
    sandbox_->SetBehavior(behavior);
  }

  bool AwaitServerRequest() {
    return support::WaitUntil([this] { return sandbox_->RequestCount() > 0; });
  }

  std::unique_ptr<sandbox::SandboxGong> sandbox_;
  std::unique_ptr<CurlTransport> transport_;
};

// Other endpoints read with GET and may write with other methods: each
// reaches the server as itself, a GET without a body, and nothing of one
// request (its method, body or headers) stays with the next on a reused
// handle.
TEST_F(CurlTransportTest, SendsEachMethodAsItselfWithItsBody) {
  httplib::Server server;
  const auto echo = [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(absl::StrCat(req.method, " ", req.target, " [", req.body, "] ",
                                 req.get_header_value("X-Only-Put")),
                    "text/plain");
  };
  server.Get("/v2/flows", echo);
  server.Put("/v2/flows", echo);
  server.Post("/v2/flows", echo);
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&server] { server.listen_after_bind(); });
  struct Case {
    std::string method, body, header, expected;
  };
  for (const Case& c : {Case{"GET", "", "", "GET /v2/flows?cursor=a%20b [] "},
                        Case{"PUT", "{\"x\":1}", "X-Only-Put: yes",
                             "PUT /v2/flows?cursor=a%20b [{\"x\":1}] yes"},
                        Case{"POST", "{}", "", "POST /v2/flows?cursor=a%20b [{}] "},
                        Case{"GET", "", "", "GET /v2/flows?cursor=a%20b [] "}}) {
    SCOPED_TRACE(c.method);
    HttpRequest request;
    request.method = c.method;
    request.url = absl::StrCat("http://127.0.0.1:", port, "/v2/flows?cursor=a%20b");
    request.body = c.body;
    if (!c.header.empty()) request.headers = {c.header};
    request.deadline = absl::Now() + absl::Seconds(20);
    const HttpResult result = Send(std::move(request));
    ASSERT_TRUE(std::holds_alternative<HttpResponse>(result));
    EXPECT_EQ(std::get<HttpResponse>(result).status, 200);
    EXPECT_EQ(std::get<HttpResponse>(result).body, c.expected);
  }
  transport_.reset();  // closes its kept-alive connection, which the server waits for
  server.stop();
  serving.join();
}

// Over plain http (HTTP/1.1), curl learns that a connection cannot carry
// a second request at once only from its first answer. No request may wait
// to learn it: while one answer is stalled, another request goes on a
// connection of its own and is answered.
TEST_F(CurlTransportTest, AStalledHttp11AnswerHoldsOnlyItsOwnRequest) {
  httplib::Server server;
  absl::Mutex mu;
  bool stalled_arrived = false;
  bool release = false;
  server.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
    absl::MutexLock lock(&mu);
    stalled_arrived = true;
    mu.Await(absl::Condition(&release));
    res.set_content("late", "text/plain");
  });
  server.Get("/answer", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("now", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&server] { server.listen_after_bind(); });
  auto get = [port](const std::string& path, absl::Duration timeout) {
    HttpRequest request;
    request.method = "GET";
    request.url = absl::StrCat("http://127.0.0.1:", port, path);
    request.deadline = absl::Now() + timeout;
    return request;
  };
  std::promise<HttpResult> first;
  transport_->Send(get("/stall", absl::Seconds(20)),
                   [&first](HttpResult r) { first.set_value(std::move(r)); });
  std::future<HttpResult> first_result = first.get_future();
  ASSERT_TRUE(support::WaitUntil([&] {
    absl::MutexLock lock(&mu);
    return stalled_arrived;
  }));

  // Its deadline only guards the test: before, it waited for the first
  // request's end (its deadline), and then failed on its own.
  const HttpResult second = Send(get("/answer", absl::Seconds(10)));
  const bool first_was_pending =
      first_result.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  {
    absl::MutexLock lock(&mu);
    release = true;
  }
  const HttpResult late = first_result.get();
  transport_.reset();  // closes its kept-alive connections, which the server waits for
  server.stop();
  serving.join();

  ASSERT_TRUE(std::holds_alternative<HttpResponse>(second))
      << std::get<TransportError>(second).message;
  EXPECT_EQ(std::get<HttpResponse>(second).status, 200);
  EXPECT_EQ(std::get<HttpResponse>(second).body, "now");
  EXPECT_TRUE(first_was_pending);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(late));
  EXPECT_EQ(std::get<HttpResponse>(late).body, "late");
}

TEST_F(CurlTransportTest, DeliversStatusBodyAndHeaders) {
  sandbox::Behavior behavior;
  behavior.force_status = 429;
  behavior.retry_after_seconds = 4;
  sandbox_->SetBehavior(behavior);
  HttpResult result = Send(Request());
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(result));
  const auto& response = std::get<HttpResponse>(result);
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.Header("retry-after"), "4");
  EXPECT_EQ(response.Header("Retry-After"), "4");
  EXPECT_NE(response.body.find("requestId"), std::string::npos);
}

TEST_F(CurlTransportTest, SendsMethodHeadersAndBodyAsGiven) {
  HttpResult result = Send(Request());
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(result));
  EXPECT_EQ(std::get<HttpResponse>(result).status, 200);
  const auto requests = sandbox_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, kPath);
  EXPECT_EQ(requests[0].authorization, "Bearer t");
  EXPECT_EQ(requests[0].content_type, "application/json");
  EXPECT_EQ(requests[0].body, R"({"flowInstanceIds":["1","9"]})");
}

TEST_F(CurlTransportTest, RefusedConnectionIsConnectFailed) {
  // A port that was just free: nothing listens there.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  close(fd);
  HttpRequest request = Request();
  request.url = absl::StrCat("http://127.0.0.1:", port, kPath);
  EXPECT_EQ(FailureOf(Send(std::move(request))), TransportFailure::kConnectFailed);
}

TEST_F(CurlTransportTest, TlsToAPlainServerIsTlsFailure) {
  HttpRequest request = Request();
  request.url = absl::StrCat("https://127.0.0.1:", sandbox_->port(), kPath);
  EXPECT_EQ(FailureOf(Send(std::move(request))), TransportFailure::kTlsFailure);
}

TEST_F(CurlTransportTest, DroppedConnectionIsConnectionDropped) {
  sandbox::Behavior behavior;
  behavior.drop_connection = true;
  sandbox_->SetBehavior(behavior);
  EXPECT_EQ(FailureOf(Send(Request())), TransportFailure::kConnectionDropped);
}

TEST_F(CurlTransportTest, SlowAnswerPastTheDeadlineIsTimeout) {
  SlowServer(kServerNeverInTime);
  const absl::Time start = absl::Now();
  EXPECT_EQ(FailureOf(Send(Request(absl::Milliseconds(200)))),
            TransportFailure::kTimeout);
  // Ends at its deadline, long before the answer would have come.
  EXPECT_LT(absl::Now() - start, kWellBeforeTheAnswer);
}

TEST_F(CurlTransportTest, PassedDeadlineFailsWithoutSending) {
  HttpRequest request = Request();
  request.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(FailureOf(Send(std::move(request))), TransportFailure::kTimeout);
  EXPECT_EQ(sandbox_->RequestCount(), 0);
}

// Callers such as the quota steward send while holding their own lock and
// take it again in the callback: a callback must never run inside Send (so
// never on the sending thread), even for a request that fails before
// anything is sent.
TEST_F(CurlTransportTest, CallbackNeverRunsInsideSend) {
  for (int i = 0; i < 20; ++i) {
    HttpRequest request = Request();
    request.deadline = absl::Now() - absl::Seconds(1);
    std::promise<std::thread::id> ran;
    transport_->Send(std::move(request),
                     [&](HttpResult) { ran.set_value(std::this_thread::get_id()); });
    EXPECT_NE(ran.get_future().get(), std::this_thread::get_id()) << i;
  }
}

// The steward sends its next request from the callback of the last one.
TEST_F(CurlTransportTest, RequestsSentFromCallbacksComplete) {
  constexpr int kChain = 20;
  std::promise<int> last;
  std::atomic<int> answered{0};
  std::function<void()> send_next = [&] {
    transport_->Send(Request(), [&](HttpResult r) {
      // An answer, whatever Gong thought of the ids (the sandbox unassigns
      // them on the first request).
      const bool ok = std::holds_alternative<HttpResponse>(r);
      if (++answered == kChain || !ok) {
        last.set_value(answered.load());
      } else {
        send_next();
      }
    });
  };
  send_next();
  EXPECT_EQ(last.get_future().get(), kChain);
  EXPECT_EQ(sandbox_->RequestCount(), kChain);
}

TEST_F(CurlTransportTest, CancelAbortsATransferInFlight) {
  SlowServer(kServerNeverInTime);
  std::promise<HttpResult> done;
  const absl::Time start = absl::Now();
  const auto id = transport_->Send(
      Request(), [&done](HttpResult r) { done.set_value(std::move(r)); });
  EXPECT_TRUE(AwaitServerRequest());
  transport_->Cancel(id);
  EXPECT_EQ(FailureOf(done.get_future().get()), TransportFailure::kCancelled);
  EXPECT_LT(absl::Now() - start, kWellBeforeTheAnswer);
  transport_->Cancel(id);  // a late cancel is harmless
}

TEST_F(CurlTransportTest, OversizedAnswerIsRefused) {
  CurlTransportOptions options;
  options.max_response_bytes = 16;
  auto small = CurlTransport::Create(options);
  ASSERT_TRUE(small.ok());
  std::promise<HttpResult> done;
  (*small)->Send(Request(), [&done](HttpResult r) { done.set_value(std::move(r)); });
  EXPECT_EQ(FailureOf(done.get_future().get()), TransportFailure::kOther);
}

TEST_F(CurlTransportTest, ManyConcurrentTransfersAllComplete) {
  SlowServer(absl::Milliseconds(100));
  constexpr int kCalls = 50;
  std::vector<std::promise<HttpResult>> done(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    transport_->Send(Request(),
                     [&done, i](HttpResult r) { done[i].set_value(std::move(r)); });
  }
  // Every transfer ends before anything is checked: an assertion that
  // returned early would destroy promises that transfers still complete.
  std::vector<HttpResult> results;
  for (auto& d : done) results.push_back(d.get_future().get());
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(std::holds_alternative<HttpResponse>(results[i])) << i;
  }
  EXPECT_EQ(sandbox_->RequestCount(), kCalls);
}

TEST_F(CurlTransportTest, DestructionFailsUnfinishedTransfersAsCancelled) {
  SlowServer(kServerNeverInTime);
  std::promise<HttpResult> done;
  transport_->Send(Request(), [&done](HttpResult r) { done.set_value(std::move(r)); });
  EXPECT_TRUE(AwaitServerRequest());
  transport_.reset();
  EXPECT_EQ(FailureOf(done.get_future().get()), TransportFailure::kCancelled);
}

}  // namespace
}  // namespace gong::http
