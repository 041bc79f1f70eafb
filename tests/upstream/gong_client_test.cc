// Unit tests for the Gong REST client (server/upstream/gong_client.h) over the
// fake transport: the HTTP request it makes of a GongRequest (method, URL
// with query, headers, JSON body, deadline), cancellation, and that the
// answer reaches the callback read (server/upstream/gong_answer.h).
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

}  // namespace
}  // namespace gong::upstream
