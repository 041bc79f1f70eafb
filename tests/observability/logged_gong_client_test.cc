// The log line of each Gong request (server/observability/logged_gong_client.h):
// what Gong said (status, requestId, X-Traceid), and whom the request served,
// bounded; the client under it never gets the callers' tags.
#include "observability/logged_gong_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/captured_stderr.h"

namespace gong::observability {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Runs `run` and returns the JSON lines it wrote to stderr (a line that is
// not JSON fails the test).
template <typename Run>
std::vector<nlohmann::json> LinesLoggedBy(Run run, std::string* text = nullptr) {
  const std::string written = support::StderrOf(run);
  if (text != nullptr) *text = written;
  return support::JsonLines(written);
}

class LoggedGongClientTest : public ::testing::Test {
 protected:
  LoggedGongClientTest() {
    auto fake = std::make_unique<fakes::FakeGongClient>();
    fake_ = fake.get();
    client_ = std::make_unique<LoggedGongClient>(std::move(fake));
  }

  // A request to `path` on behalf of `calls`.
  upstream::GongClient::CallId Send(
      std::vector<upstream::CallTag> calls,
      std::string path = "/v2/flows/prospects/unassign-flows-by-instance-id") {
    upstream::GongRequest request;
    request.path = std::move(path);
    request.calls = std::move(calls);
    return client_->Send(std::move(request), [this](upstream::GongOutcome outcome) {
      outcomes_.push_back(std::move(outcome));
    });
  }

  // The one line logged while Gong answers call `id` with `outcome`.
  nlohmann::json LineOfAnswer(upstream::GongClient::CallId id,
                              upstream::GongOutcome outcome) {
    std::vector<nlohmann::json> lines =
        LinesLoggedBy([&] { fake_->Answer(id, std::move(outcome)); });
    EXPECT_EQ(lines.size(), 1u);
    return lines.empty() ? nlohmann::json() : lines.front();
  }

  fakes::FakeGongClient* fake_;  // owned by client_
  std::unique_ptr<LoggedGongClient> client_;
  std::vector<upstream::GongOutcome> outcomes_;
};

upstream::GongAnswer Ok(std::string request_id, std::string gong_trace_id) {
  upstream::GongAnswer answer{R"({"requestId": "ignored here"})"};
  answer.request_id = std::move(request_id);
  answer.gong_trace_id = std::move(gong_trace_id);
  return answer;
}

TEST_F(LoggedGongClientTest, ALineNamesWhatGongSaidAndEveryCallTheRequestCarried) {
  Send({{"crm-sync", "4bf92f3577b34da6a3ce929d0e0e4736", "req-a"},
        {"reporting", "", ""},
        {"crm-sync", "0af7651916cd43dd8448eb211c80319c", "req-c"}});
  nlohmann::json line = LineOfAnswer(1, Ok("r-77", "9f1c2e"));

  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["msg"], "gong request");
  EXPECT_EQ(line["endpoint"], "/v2/flows/prospects/unassign-flows-by-instance-id");
  EXPECT_EQ(line["http_status"], 200);
  EXPECT_EQ(line["gong_request_id"], "r-77");
  EXPECT_EQ(line["gong_trace_id"], "9f1c2e");
  EXPECT_TRUE(line["duration_ms"].is_number());
  EXPECT_EQ(line["calls"], 3);
  // Each once, in arrival order; a call without one adds nothing.
  EXPECT_EQ(line["callers"], nlohmann::json({"crm-sync", "reporting"}));
  EXPECT_EQ(line["trace_ids"], nlohmann::json({"4bf92f3577b34da6a3ce929d0e0e4736",
                                               "0af7651916cd43dd8448eb211c80319c"}));
  EXPECT_EQ(line["x_request_ids"], nlohmann::json({"req-a", "req-c"}));
  EXPECT_FALSE(line.contains("failure"));
  // The answer reaches the steward unchanged.
  ASSERT_EQ(outcomes_.size(), 1u);
  EXPECT_EQ(std::get<upstream::GongAnswer>(outcomes_[0]).request_id, "r-77");
}

// The callers' traces are the facade's to log, not Gong's to see.
TEST_F(LoggedGongClientTest, TheClientUnderItGetsNoTags) {
  Send({{"crm-sync", "4bf92f3577b34da6a3ce929d0e0e4736", "req-a"}});
  EXPECT_THAT(fake_->request(1).calls, IsEmpty());
  EXPECT_EQ(fake_->request(1).path, "/v2/flows/prospects/unassign-flows-by-instance-id");
}

// The endpoint is the path alone: ListFlows's query holds an owner's email.
TEST_F(LoggedGongClientTest, TheQueryIsNeverLogged) {
  upstream::GongRequest request;
  request.method = "GET";
  request.path = "/v2/flows";
  request.query = {{"flowOwnerEmail", "jane.private@example.com"}};
  client_->Send(std::move(request), [](upstream::GongOutcome) {});
  std::string text;
  LinesLoggedBy([&] { fake_->Answer(1, Ok("r-1", "")); }, &text);
  EXPECT_THAT(text, HasSubstr("\"endpoint\":\"/v2/flows\""));
  EXPECT_THAT(text, Not(HasSubstr("jane.private")));
  EXPECT_THAT(text, Not(HasSubstr("flowOwnerEmail")));
}

TEST_F(LoggedGongClientTest, AnErrorAnswerHasItsStatusAndGongsIds) {
  Send({{"unnamed", "", ""}});
  upstream::GongError refused =
      upstream::GongError::HttpStatus(429, "r-429", {"too many"}, absl::Seconds(1));
  refused.gong_trace_id = "abc123";
  nlohmann::json line = LineOfAnswer(1, refused);
  EXPECT_EQ(line["http_status"], 429);
  EXPECT_EQ(line["gong_request_id"], "r-429");
  EXPECT_EQ(line["gong_trace_id"], "abc123");
  EXPECT_EQ(line["callers"], nlohmann::json({"unnamed"}));
  EXPECT_FALSE(line.contains("trace_ids"));  // absent, not empty
  EXPECT_FALSE(line.contains("x_request_ids"));
  EXPECT_FALSE(line.contains("failure"));
}

TEST_F(LoggedGongClientTest, NoAnswerIsStatusZeroWithTheFailure) {
  Send({{"unnamed", "", ""}});
  Send({{"unnamed", "", ""}});
  nlohmann::json line = LineOfAnswer(
      1, upstream::GongError::NoAnswer(upstream::GongError::Kind::kTimedOut, "timed out",
                                       /*may_have_acted=*/true));
  EXPECT_EQ(line["http_status"], 0);
  EXPECT_EQ(line["failure"], "timeout");
  EXPECT_FALSE(line.contains("gong_request_id"));
  EXPECT_FALSE(line.contains("gong_trace_id"));
  // A request cancelled in flight was a Gong request too.
  std::vector<nlohmann::json> lines = LinesLoggedBy([&] { client_->Cancel(2); });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["http_status"], 0);
  EXPECT_EQ(lines[0]["failure"], "cancelled");
  EXPECT_EQ(outcomes_.size(), 2u);
}

// A merged request may carry a couple of hundred calls: the line lists 20
// of each kind and counts the rest, so its size stays bounded.
TEST_F(LoggedGongClientTest, EachListHoldsAtMost20DistinctValuesAndCountsTheRest) {
  std::vector<upstream::CallTag> calls;
  for (int i = 0; i < 250; ++i) {
    calls.push_back({absl::StrCat("svc-", i % 30), absl::StrCat("trace-", i % 100),
                     i % 2 == 0 ? absl::StrCat("req-", i) : std::string(128, 'x')});
  }
  Send(calls);
  nlohmann::json line = LineOfAnswer(1, Ok("r-1", ""));
  EXPECT_EQ(line["calls"], 250);
  ASSERT_EQ(line["callers"].size(), kMaxListedPerLine);
  EXPECT_EQ(line["callers"][0], "svc-0");
  EXPECT_EQ(line["callers"][19], "svc-19");
  EXPECT_EQ(line["callers_left_out"], 10);
  ASSERT_EQ(line["trace_ids"].size(), kMaxListedPerLine);
  EXPECT_EQ(line["trace_ids_left_out"], 80);
  // 125 distinct even ids and one repeated odd one.
  ASSERT_EQ(line["x_request_ids"].size(), kMaxListedPerLine);
  EXPECT_EQ(line["x_request_ids"][1], std::string(128, 'x'));
  EXPECT_EQ(line["x_request_ids_left_out"], 126 - 20);
  EXPECT_LT(line.dump().size(), 8192u);
}

TEST_F(LoggedGongClientTest, EveryRequestIsALineRetriesToo) {
  for (int i = 0; i < 3; ++i) Send({{"unnamed", "t", ""}});
  std::vector<nlohmann::json> lines = LinesLoggedBy([&] {
    fake_->Answer(1, upstream::GongError::HttpStatus(503, "r-1", {}));
    fake_->Answer(2, upstream::GongError::HttpStatus(503, "r-2", {}));
    fake_->Answer(3, Ok("r-3", ""));
  });
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["gong_request_id"], "r-1");
  EXPECT_EQ(lines[1]["gong_request_id"], "r-2");
  EXPECT_EQ(lines[2]["gong_request_id"], "r-3");
}

}  // namespace
}  // namespace gong::observability
