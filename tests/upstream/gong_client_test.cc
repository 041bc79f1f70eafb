// Unit tests for the Gong REST client (server/upstream/gong_client.h) over the
// fake transport: the HTTP request it makes of a GongRequest (method, URL
// with query, headers, JSON body, deadline), cancellation, that the answer
// reaches the callback read (server/upstream/gong_answer.h), and what a 401
// does with credentials that change (credentials_source.h).
#include "upstream/gong_client.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "fakes/fake_transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::upstream {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
using Json = nlohmann::json;
using fakes::FakeTransport;

UnassignByInstanceIdsParams Request(std::vector<std::string> ids,
                                    std::string email = "") {
  UnassignByInstanceIdsParams request;
  request.flow_instance_ids = std::move(ids);
  request.unassigned_by_user_email = std::move(email);
  return request;
}

http::HttpResponse Response(int status, std::string body) {
  http::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// A client over a fake transport it owns, and that transport.
struct ClientAndTransport {
  FakeTransport* transport;
  std::unique_ptr<RestGongClient> client;
};
ClientAndTransport Client(std::string base_url, GongCredentials credentials) {
  auto transport = std::make_unique<FakeTransport>();
  FakeTransport* raw = transport.get();
  return {raw, std::make_unique<RestGongClient>(
                   std::move(base_url), std::move(credentials), std::move(transport))};
}

// --- RestGongClient: what goes to Gong -------------------------------------

TEST(RestGongClientTest, PostsToTheBaseUrlPlusTheUnassignPath) {
  struct Row {
    std::string base_url;
    std::string expected_url;
  };
  for (const Row& row : {
           Row{"https://api.gong.io",
               "https://api.gong.io/v2/flows/prospects/unassign-flows-by-instance-id"},
           Row{"https://api.gong.io/",
               "https://api.gong.io/v2/flows/prospects/unassign-flows-by-instance-id"},
           Row{"https://us-55616.api.gong.io",
               "https://us-55616.api.gong.io/v2/flows/prospects/"
               "unassign-flows-by-instance-id"},
           Row{"http://127.0.0.1:8080/",
               "http://127.0.0.1:8080/v2/flows/prospects/unassign-flows-by-instance-id"},
       }) {
    SCOPED_TRACE(row.base_url);
    auto [transport, client] = Client(row.base_url, GongCredentials::Basic("k", "s"));

    client->Send(EncodeUnassignByInstanceIds(Request({"1"}), absl::InfiniteFuture()),
                 [](GongOutcome) {});

    ASSERT_EQ(transport->sent().size(), 1u);
    EXPECT_EQ(transport->sent()[0].request.url, row.expected_url);
  }
}

TEST(RestGongClientTest, SendsBasicAuthAndJsonContentType) {
  auto [transport, client] =
      Client("https://api.gong.io", GongCredentials::Basic("k", "s"));

  client->Send(EncodeUnassignByInstanceIds(Request({"1"}), absl::InfiniteFuture()),
               [](GongOutcome) {});

  ASSERT_EQ(transport->sent().size(), 1u);
  const std::vector<std::string>& headers = transport->sent()[0].request.headers;
  EXPECT_THAT(headers, Contains("Authorization: Basic azpz"));
  EXPECT_THAT(headers, Contains("Content-Type: application/json"));
}

TEST(RestGongClientTest, SendsBearerAuthOnce) {
  auto [transport, client] =
      Client("https://api.gong.io", GongCredentials::Bearer("tok"));

  client->Send(EncodeUnassignByInstanceIds(Request({"1"}), absl::InfiniteFuture()),
               [](GongOutcome) {});

  ASSERT_EQ(transport->sent().size(), 1u);
  int authorization_headers = 0;
  for (const std::string& header : transport->sent()[0].request.headers) {
    if (absl::StartsWith(header, "Authorization:")) ++authorization_headers;
  }
  EXPECT_EQ(authorization_headers, 1);
  EXPECT_THAT(transport->sent()[0].request.headers,
              Contains("Authorization: Bearer tok"));
}

TEST(RestGongClientTest, BodyIsGongsJsonWithoutEmailWhenNoneGiven) {
  auto [transport, client] =
      Client("https://api.gong.io", GongCredentials::Basic("k", "s"));

  client->Send(EncodeUnassignByInstanceIds(Request({"9007199254740993", "2"}),
                                           absl::InfiniteFuture()),
               [](GongOutcome) {});

  ASSERT_EQ(transport->sent().size(), 1u);
  const Json body = Json::parse(transport->sent()[0].request.body);
  EXPECT_EQ(body, Json::parse(R"({"flowInstanceIds": ["9007199254740993", "2"]})"));
}

TEST(RestGongClientTest, BodyCarriesTheEmailWhenGiven) {
  auto [transport, client] =
      Client("https://api.gong.io", GongCredentials::Basic("k", "s"));

  client->Send(EncodeUnassignByInstanceIds(Request({"1"}, "ann@example.com"),
                                           absl::InfiniteFuture()),
               [](GongOutcome) {});

  ASSERT_EQ(transport->sent().size(), 1u);
  const Json body = Json::parse(transport->sent()[0].request.body);
  EXPECT_EQ(body, Json::parse(R"({"flowInstanceIds": ["1"],
                                  "unassignedByUserEmail": "ann@example.com"})"));
}

TEST(RestGongClientTest, PassesTheDeadlineToTheTransport) {
  auto [transport, client] =
      Client("https://api.gong.io", GongCredentials::Basic("k", "s"));
  const absl::Time deadline = absl::FromUnixSeconds(1700000000) + absl::Milliseconds(250);

  client->Send(EncodeUnassignByInstanceIds(Request({"1"}), deadline), [](GongOutcome) {});

  ASSERT_EQ(transport->sent().size(), 1u);
  EXPECT_EQ(transport->sent()[0].request.deadline, deadline);
}

TEST(RestGongClientTest, CancelAbortsTheTransportRequestOfThatCall) {
  auto [transport, client] =
      Client("https://api.gong.io", GongCredentials::Basic("k", "s"));
  client->Send(EncodeUnassignByInstanceIds(Request({"1"}), absl::InfiniteFuture()),
               [](GongOutcome) {});
  const GongClient::CallId second =
      client->Send(EncodeUnassignByInstanceIds(Request({"2"}), absl::InfiniteFuture()),
                   [](GongOutcome) {});

  client->Cancel(second);

  EXPECT_EQ(second, FakeTransport::kFirstId + 1);
  EXPECT_THAT(transport->cancelled(), ElementsAre(FakeTransport::kFirstId + 1));
}

TEST(RestGongClientTest, CallbackRunsOnlyWhenTheTransportAnswers) {
  auto [transport, client] =
      Client("https://api.gong.io", GongCredentials::Basic("k", "s"));
  std::optional<GongOutcome> outcome;
  client->Send(EncodeUnassignByInstanceIds(Request({"1", "2"}), absl::InfiniteFuture()),
               [&outcome](GongOutcome o) { outcome = std::move(o); });
  EXPECT_FALSE(outcome.has_value());

  transport->Complete(0, Response(200, R"({"requestId": "r-1",
                                          "unassignedFlowInstanceIds": ["2"]})"));

  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(std::holds_alternative<GongAnswer>(*outcome));
  const GongResult<UnassignByInstanceIdsResult> decoded =
      DecodeOutcome(*outcome, DecodeUnassignByInstanceIdsResponse);
  ASSERT_TRUE(std::holds_alternative<UnassignByInstanceIdsResult>(decoded));
  EXPECT_EQ(std::get<UnassignByInstanceIdsResult>(decoded).request_id, "r-1");
  EXPECT_THAT(std::get<UnassignByInstanceIdsResult>(decoded).unassigned_flow_instance_ids,
              ElementsAre("2"));
}

TEST(RestGongClientTest, CallbackGetsTransportFailures) {
  auto [transport, client] =
      Client("https://api.gong.io", GongCredentials::Basic("k", "s"));
  std::optional<GongOutcome> outcome;
  client->Send(EncodeUnassignByInstanceIds(Request({"1"}), absl::InfiniteFuture()),
               [&outcome](GongOutcome o) { outcome = std::move(o); });

  transport->Complete(
      0, http::TransportError{http::TransportFailure::kCancelled, "cancelled"});

  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(std::holds_alternative<GongError>(*outcome));
  EXPECT_EQ(std::get<GongError>(*outcome).kind, GongError::Kind::kCancelled);
}

// Any endpoint goes the same way: a read with a query and no body.
TEST(RestGongClientTest, SendsAnyMethodPathAndEncodedQuery) {
  auto [transport, client] =
      Client("https://api.gong.io/", GongCredentials::Bearer("tok"));
  GongRequest request;
  request.method = "GET";
  request.path = "/v2/flows";
  request.query = {{"flowOwnerEmail", "ann+1@example.com"}, {"cursor", "a b/c"}};
  request.idempotency = Idempotency::kIdempotent;

  client->Send(std::move(request), [](GongOutcome) {});

  ASSERT_EQ(transport->sent().size(), 1u);
  const http::HttpRequest& sent = transport->sent()[0].request;
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.url,
            "https://api.gong.io/v2/"
            "flows?flowOwnerEmail=ann%2B1%40example.com&cursor=a%20b%2Fc");
  EXPECT_EQ(sent.body, "");
  EXPECT_THAT(sent.headers, Contains("Authorization: Bearer tok"));
  EXPECT_THAT(sent.headers, Not(Contains("Content-Type: application/json")));
}

// --- RestGongClient: credentials that change ---------------------------------

// A CredentialsSource the test turns: Rotate() puts new credentials in
// force, at once or only when the client asks to reload (as a directory
// whose change the recheck interval has not seen yet).
class TurnedCredentials final : public CredentialsSource {
 public:
  explicit TurnedCredentials(GongCredentials first)
      : current_{std::make_shared<const GongCredentials>(std::move(first)), 1} {}

  CredentialsSnapshot Current() override { return current_; }
  CredentialsSnapshot ReloadNow() override {
    ++reloads_;
    if (waiting_.has_value()) {
      current_ = {std::make_shared<const GongCredentials>(*std::move(waiting_)),
                  current_.generation + 1};
      waiting_.reset();
    }
    return current_;
  }

  // Seen only by the next ReloadNow.
  void RotateOnReload(GongCredentials next) { waiting_ = std::move(next); }
  int reloads() const { return reloads_; }

 private:
  CredentialsSnapshot current_;
  std::optional<GongCredentials> waiting_;
  int reloads_ = 0;
};

struct TurnedClient {
  FakeTransport* transport;
  TurnedCredentials* credentials;
  std::unique_ptr<RestGongClient> client;
};
TurnedClient ClientWithTurnedCredentials() {
  auto transport = std::make_unique<FakeTransport>();
  auto credentials = std::make_unique<TurnedCredentials>(GongCredentials::Bearer("old"));
  TurnedClient made{transport.get(), credentials.get(), nullptr};
  made.client = std::make_unique<RestGongClient>(
      "https://api.gong.io", std::move(credentials), std::move(transport));
  return made;
}

GongError ErrorOf(const std::optional<GongOutcome>& outcome) {
  EXPECT_TRUE(outcome.has_value() && std::holds_alternative<GongError>(*outcome));
  if (!outcome.has_value() || !std::holds_alternative<GongError>(*outcome)) return {};
  return std::get<GongError>(*outcome);
}

TEST(RestGongClientCredentialsTest, A401ReloadsAndMarksARequestSentWithOldCredentials) {
  auto [transport, credentials, client] = ClientWithTurnedCredentials();
  std::optional<GongOutcome> first, second;
  client->Send(EncodeUnassignByInstanceIds(Request({"1"}), absl::InfiniteFuture()),
               [&first](GongOutcome o) { first = std::move(o); });
  client->Send(EncodeUnassignByInstanceIds(Request({"2"}), absl::InfiniteFuture()),
               [&second](GongOutcome o) { second = std::move(o); });
  credentials->RotateOnReload(GongCredentials::Bearer("new"));

  transport->Complete(0, Response(401, R"({"requestId":"r-1","errors":["bad"]})"));
  EXPECT_EQ(credentials->reloads(), 1);
  const GongError error = ErrorOf(first);
  EXPECT_EQ(error.http_status, 401);
  EXPECT_TRUE(error.credentials_changed);

  // Sent with the old ones too: its 401 is also marked, though this reload
  // finds nothing newer.
  transport->Complete(1, Response(401, R"({"requestId":"r-2","errors":["bad"]})"));
  EXPECT_TRUE(ErrorOf(second).credentials_changed);

  // The client never sends anything again by itself; the next request goes
  // with the new credentials.
  ASSERT_EQ(transport->sent().size(), 2u);
  client->Send(EncodeUnassignByInstanceIds(Request({"3"}), absl::InfiniteFuture()),
               [](GongOutcome) {});
  ASSERT_EQ(transport->sent().size(), 3u);
  EXPECT_THAT(transport->sent()[2].request.headers,
              Contains("Authorization: Bearer new"));
}

TEST(RestGongClientCredentialsTest, A401WithCredentialsUnchangedIsNotMarked) {
  auto [transport, credentials, client] = ClientWithTurnedCredentials();
  std::optional<GongOutcome> outcome;
  client->Send(EncodeUnassignByInstanceIds(Request({"1"}), absl::InfiniteFuture()),
               [&outcome](GongOutcome o) { outcome = std::move(o); });
  transport->Complete(0, Response(401, R"({"requestId":"r-1","errors":["bad"]})"));
  EXPECT_EQ(credentials->reloads(), 1);
  EXPECT_FALSE(ErrorOf(outcome).credentials_changed);
}

TEST(RestGongClientCredentialsTest, OtherFailuresNeitherReloadNorMark) {
  auto [transport, credentials, client] = ClientWithTurnedCredentials();
  credentials->RotateOnReload(GongCredentials::Bearer("new"));
  std::vector<GongOutcome> outcomes;
  for (int i = 0; i < 3; ++i) {
    client->Send(EncodeUnassignByInstanceIds(Request({"1"}), absl::InfiniteFuture()),
                 [&outcomes](GongOutcome o) { outcomes.push_back(std::move(o)); });
  }
  transport->Complete(0, Response(403, R"({"requestId":"r-1","errors":["no"]})"));
  transport->Complete(1, Response(503, ""));
  transport->Complete(
      2, http::TransportError{http::TransportFailure::kConnectFailed, "refused"});
  EXPECT_EQ(credentials->reloads(), 0);
  ASSERT_EQ(outcomes.size(), 3u);
  for (const GongOutcome& outcome : outcomes) {
    EXPECT_FALSE(ErrorOf(outcome).credentials_changed);
  }
}

}  // namespace
}  // namespace gong::upstream
