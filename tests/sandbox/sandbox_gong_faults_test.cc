// Tests of the sandbox's injected faults (forced status and body, delay,
// dropped connection, rate limit) and of its behaviour under concurrency.
#include <curl/curl.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_gong.h"
#include "sandbox/sandbox_test_util.h"

namespace gong::sandbox::testing {
namespace {

using ::testing::HasSubstr;

Options WithBehavior(const Behavior& behavior) {
  Options options = WithAssigned({"1", "2", "3"});
  options.behavior = behavior;
  return options;
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

// What a libcurl client (as the facade uses) makes of an unassign call.
CURLcode CurlUnassign(const std::string& base_url) {
  const std::string url = base_url + kUnassignPath;
  const std::string body = IdsBody({"1"});
  CURL* curl = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, "Authorization: Basic eDp5");
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return code;
}

using SandboxFaultsTest = SandboxTest;

TEST_F(SandboxFaultsTest, ForcedErrorStatusAnswersGongErrorShape) {
  Behavior behavior;
  behavior.force_status = 503;
  StartSandbox(WithBehavior(behavior));
  httplib::Result result = Unassign({"1"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_FALSE(result->has_header("Retry-After"));
  const nlohmann::json body = BodyJson(result);
  EXPECT_FALSE(body["requestId"].get<std::string>().empty());
  EXPECT_THAT(body["errors"][0].get<std::string>(), HasSubstr("503"));
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
}

TEST_F(SandboxFaultsTest, ForcedErrorsAreSentAsGongsErrors) {
  Behavior behavior;
  behavior.force_status = 400;
  behavior.force_errors = {"first problem", "second problem"};
  StartSandbox(WithBehavior(behavior));
  httplib::Result result = Unassign({"1"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  const nlohmann::json body = BodyJson(result);
  EXPECT_FALSE(body["requestId"].get<std::string>().empty());
  EXPECT_EQ(body["errors"], nlohmann::json::array({"first problem", "second problem"}));
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
}

TEST_F(SandboxFaultsTest, Forced429CarriesRetryAfter) {
  Behavior behavior;
  behavior.force_status = 429;
  behavior.retry_after_seconds = 7;
  StartSandbox(WithBehavior(behavior));
  httplib::Result result = Unassign({"1"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 429);
  EXPECT_EQ(result->get_header_value("Retry-After"), "7");
}

TEST_F(SandboxFaultsTest, ForcedOther2xxAnswersEmptyObject) {
  Behavior behavior;
  behavior.force_status = 202;
  StartSandbox(WithBehavior(behavior));
  httplib::Result result = Unassign({"1"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 202);
  EXPECT_EQ(result->body, "{}");
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
}

TEST_F(SandboxFaultsTest, Forced200IsNormalBehaviour) {
  Behavior behavior;
  behavior.force_status = 200;
  StartSandbox(WithBehavior(behavior));
  EXPECT_EQ(Unassign({"1"})->status, 200);
  EXPECT_FALSE(sandbox_->IsAssigned("1"));
}

TEST_F(SandboxFaultsTest, ForcedBodyIsSentVerbatimWithoutWork) {
  Behavior behavior;
  behavior.force_body = "<html>not json</html>";
  StartSandbox(WithBehavior(behavior));
  httplib::Result result = Unassign({"1"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "<html>not json</html>");
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
}

TEST_F(SandboxFaultsTest, SetBehaviorTakesEffectWhileServing) {
  StartSandbox(WithAssigned({"1"}));
  Behavior behavior;
  behavior.force_status = 500;
  sandbox_->SetBehavior(behavior);
  EXPECT_EQ(Unassign({"1"})->status, 500);
  sandbox_->SetBehavior(Behavior());
  EXPECT_EQ(Unassign({"1"})->status, 200);
}

TEST_F(SandboxFaultsTest, DelayHoldsTheAnswer) {
  Behavior behavior;
  behavior.delay = absl::Milliseconds(200);
  StartSandbox(WithBehavior(behavior));
  const absl::Time start = absl::Now();
  EXPECT_EQ(Unassign({"1"})->status, 200);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
}

TEST_F(SandboxFaultsTest, DroppedConnectionIsAnEmptyReplyToCurl) {
  Behavior behavior;
  behavior.drop_connection = true;
  StartSandbox(WithBehavior(behavior));
  EXPECT_EQ(CurlUnassign(sandbox_->base_url()), CURLE_GOT_NOTHING);
  httplib::Result result = Unassign({"1"});
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::Read);
  EXPECT_EQ(sandbox_->RequestCount(), 2);  // recorded all the same
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
  // The server survives the failed writes (no SIGPIPE) and serves on.
  sandbox_->SetBehavior(Behavior());
  EXPECT_EQ(CurlUnassign(sandbox_->base_url()), CURLE_OK);
  EXPECT_FALSE(sandbox_->IsAssigned("1"));
}

int CountStatus(const std::vector<httplib::Result>& results, int status) {
  int count = 0;
  for (const httplib::Result& result : results) {
    if (result && result->status == status) ++count;
  }
  return count;
}

TEST_F(SandboxFaultsTest, QpsLimitSlidesOverAdmittedRequestsOnly) {
  Behavior behavior;
  behavior.qps_limit = 3;
  behavior.retry_after_seconds = 2;
  StartSandbox(WithBehavior(behavior));
  std::vector<httplib::Result> first;
  for (const char* id : {"1", "2", "3", "4"}) first.push_back(Unassign({id}));
  EXPECT_EQ(CountStatus(first, 429), 1);
  ASSERT_TRUE(first.back());
  EXPECT_EQ(first.back()->status, 429);
  EXPECT_EQ(first.back()->get_header_value("Retry-After"), "2");
  EXPECT_FALSE(BodyJson(first.back())["errors"].empty());

  // 429s sent 600ms in must not keep the window full once the first three
  // admitted calls are a second old.
  absl::SleepFor(absl::Milliseconds(600));
  EXPECT_EQ(Unassign({"4"})->status, 429);
  EXPECT_EQ(Unassign({"4"})->status, 429);
  absl::SleepFor(absl::Milliseconds(450));
  std::vector<httplib::Result> later;
  for (int i = 0; i < 3; ++i) later.push_back(Unassign({"4"}));
  EXPECT_EQ(CountStatus(later, 429), 0);
  EXPECT_EQ(Unassign({"4"})->status, 429);
}

TEST_F(SandboxFaultsTest, ServesHundredsOfDelayedCallsConcurrently) {
  constexpr int kCalls = 200;
  std::vector<std::string> ids;
  for (int i = 0; i < kCalls; ++i) ids.push_back(std::to_string(5000 + i));
  Options options = WithAssigned(ids);
  options.threads = kCalls + 16;
  options.behavior.delay = absl::Milliseconds(200);
  StartSandbox(options);

  std::vector<int> statuses(kCalls, 0);
  std::vector<std::thread> callers;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      httplib::Result result = Unassign({ids[i]});
      if (result) statuses[i] = result->status;
    });
  }
  for (std::thread& caller : callers) caller.join();
  // Served one at a time this would take 40s.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(statuses[i], 200) << ids[i];
    EXPECT_FALSE(sandbox_->IsAssigned(ids[i]));
  }
  EXPECT_EQ(sandbox_->RequestCount(), kCalls);
}

TEST_F(SandboxFaultsTest, StopDoesNotWaitOutADelay) {
  Behavior behavior;
  behavior.delay = absl::Seconds(30);
  StartSandbox(WithBehavior(behavior));
  std::thread caller([&] { Unassign({"1"}); });
  while (sandbox_->RequestCount() == 0) absl::SleepFor(absl::Milliseconds(1));
  const absl::Time start = absl::Now();
  sandbox_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  caller.join();
}

}  // namespace
}  // namespace gong::sandbox::testing
