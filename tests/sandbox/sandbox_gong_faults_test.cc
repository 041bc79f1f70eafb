// Tests of the sandbox's injected faults (forced status and body, delay,
// dropped connection, rate limit, daily limit, writes that act and then
// lose their answer) and of its behaviour under concurrency, and of the
// count of write requests per id.
#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sandbox/sandbox_flows_test_util.h"
#include "sandbox/sandbox_gong.h"
#include "sandbox/sandbox_test_util.h"
#include "support/captured_stderr.h"
#include "support/wait_until.h"

namespace gong::sandbox {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using AfterActing = Behavior::AfterActing;

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

void SleepUntil(absl::Time when) { absl::SleepFor(when - absl::Now()); }

int CountStatus(const std::vector<httplib::Result>& results, int status) {
  int count = 0;
  for (const httplib::Result& result : results) {
    if (result && result->status == status) ++count;
  }
  return count;
}

// The sandbox's window is one second of admitted requests, as Gong's is.
// The waits below are the point of the test (time must pass for the window
// to slide); each is measured from when the sandbox stamped a request, not
// from whenever the previous step ended, so a slow step cannot shift the
// later ones. What each phase needs of the clock is checked, so a machine
// too loaded to keep to it reports that rather than a wrong verdict.
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
  const std::vector<RecordedRequest> admitted = sandbox_->Requests();
  ASSERT_EQ(admitted.size(), 4u);

  // Halfway through the first admitted request's second: refused, since
  // three admitted requests are in the window.
  SleepUntil(admitted[0].received + absl::Milliseconds(500));
  EXPECT_EQ(Unassign({"4"})->status, 429);
  EXPECT_EQ(Unassign({"4"})->status, 429);
  const std::vector<RecordedRequest> refused = sandbox_->Requests();
  ASSERT_EQ(refused.size(), 6u);
  ASSERT_LT(refused[5].received, admitted[0].received + absl::Seconds(1))
      << "the machine was too slow to send the refused requests in the window";

  // Once the admitted requests are a second old the window is free again,
  // though the refused ones are not yet a second old: they never counted.
  SleepUntil(admitted[2].received + absl::Seconds(1) + absl::Milliseconds(100));
  std::vector<httplib::Result> later;
  for (int i = 0; i < 3; ++i) later.push_back(Unassign({"4"}));
  const std::vector<RecordedRequest> all = sandbox_->Requests();
  ASSERT_EQ(all.size(), 9u);
  ASSERT_LT(all[8].received, refused[4].received + absl::Seconds(1))
      << "the machine was too slow to send the later requests before the refused "
         "ones were a second old";
  EXPECT_EQ(CountStatus(later, 429), 0);
  EXPECT_EQ(Unassign({"4"})->status, 429);
}

// The UTC day holding `t`, as days since the epoch.
int64_t UtcDay(absl::Time t) { return absl::ToUnixSeconds(t) / (24 * 60 * 60); }

// Seconds from `t` to the UTC midnight after it, rounded up.
int64_t SecondsToMidnight(absl::Time t) {
  const absl::Time midnight = absl::FromUnixSeconds((UtcDay(t) + 1) * 24 * 60 * 60);
  return absl::ToInt64Seconds(absl::Ceil(midnight - t, absl::Seconds(1)));
}


// Past the day's limit every endpoint answers Gong's 429 with Retry-After
// to the next UTC midnight; the requests of all endpoints count together,
// the refused ones do not count, and the day's count outlives a change of
// behaviour. Each 429 is counted, in-process and in the request log.
TEST_F(SandboxFaultsTest, DailyLimitAnswers429UntilTheNextUtcMidnight) {
  Behavior behavior;
  behavior.daily_limit = 5;
  Options options = WithBehavior(behavior);
  options.log_requests = true;
  StartSandbox(options);
  const absl::Time start = absl::Now();
  std::vector<httplib::Result> refused;
  absl::Time refusals_began;
  const std::string log = support::StderrOf([&] {
    std::vector<httplib::Result> admitted;
    admitted.push_back(Unassign({"1"}));
    admitted.push_back(
        Post(R"({"flowInstanceIds":["2"]})", kBasicAuth, "/v2/flows/prospects"));
    admitted.push_back(NewClient()->Get("/v2/flows?flowOwnerEmail=ana@example.com",
                                        {{"Authorization", kBasicAuth}}));
    admitted.push_back(Unassign({"2"}));
    admitted.push_back(Post(R"({"crmProspectId":"crm-nobody"})", kBasicAuth,
                            "/v2/flows/prospects/unassign-flows-by-crm-id"));
    EXPECT_EQ(CountStatus(admitted, 429), 0);
    refusals_began = absl::Now();
    refused.push_back(Unassign({"3"}));
    refused.push_back(NewClient()->Get("/v2/flows?flowOwnerEmail=ana@example.com",
                                       {{"Authorization", kBasicAuth}}));
  });
  const absl::Time refusals_ended = absl::Now();
  if (UtcDay(start) != UtcDay(refusals_ended)) {
    GTEST_SKIP() << "a UTC midnight passed during the test: the day's count restarted";
  }
  ASSERT_EQ(refused.size(), 2u);
  for (const httplib::Result& result : refused) {
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 429);
    int64_t retry_after = 0;
    ASSERT_TRUE(absl::SimpleAtoi(result->get_header_value("Retry-After"), &retry_after))
        << result->get_header_value("Retry-After");
    EXPECT_GE(retry_after, SecondsToMidnight(refusals_ended));
    EXPECT_LE(retry_after, SecondsToMidnight(refusals_began));
    const nlohmann::json body = BodyJson(result);
    EXPECT_FALSE(body["requestId"].get<std::string>().empty());
    EXPECT_THAT(body["errors"][0].get<std::string>(), HasSubstr("daily limit of 5"));
  }
  EXPECT_TRUE(sandbox_->IsAssigned("3"));  // refused, so not done
  EXPECT_EQ(sandbox_->TooManyRequestsCount(), 2);
  EXPECT_THAT(log, HasSubstr(absl::StrCat("POST ", kUnassignPath,
                                          " 429 (429 answers so far: 1)\n")));
  EXPECT_THAT(log, HasSubstr("GET /v2/flows 429 (429 answers so far: 2)\n"));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("POST ", kUnassignPath, " 200\n")));

  // Two more a day: the five admitted still count, the two refused do not.
  behavior.daily_limit = 7;
  sandbox_->SetBehavior(behavior);
  EXPECT_EQ(Unassign({"3"})->status, 200);
  EXPECT_EQ(NewClient()
                ->Get("/v2/flows?flowOwnerEmail=ana@example.com",
                      {{"Authorization", kBasicAuth}})
                ->status,
            200);
  EXPECT_EQ(Unassign({"1"})->status, 429);
  if (UtcDay(start) != UtcDay(absl::Now())) {
    GTEST_SKIP() << "a UTC midnight passed during the test: the day's count restarted";
  }
  EXPECT_EQ(sandbox_->TooManyRequestsCount(), 3);

  // Off: nothing is refused, and the count goes on.
  behavior.daily_limit = 0;
  sandbox_->SetBehavior(behavior);
  EXPECT_NE(Unassign({"1"})->status, 429);
  EXPECT_EQ(sandbox_->TooManyRequestsCount(), 3);
}

// Many requests at once against the day's limit: exactly the limit's
// worth are served and every other one is a counted 429, however they
// interleave.
TEST_F(SandboxFaultsTest, DailyLimitHoldsUnderConcurrentRequests) {
  constexpr int kCalls = 120;
  constexpr int64_t kLimit = 45;
  Options options = WithAssigned({"1"});
  options.threads = kCalls + 16;
  options.behavior.daily_limit = kLimit;
  StartSandbox(options);
  read_timeout_seconds_ = 60;
  const absl::Time start = absl::Now();

  std::vector<int> statuses(kCalls, 0);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      httplib::Result result = NewClient()->Get(
          "/v2/flows?flowOwnerEmail=ana@example.com", {{"Authorization", kBasicAuth}});
      if (result) statuses[i] = result->status;
    });
  }
  for (std::thread& caller : callers) caller.join();
  if (UtcDay(start) != UtcDay(absl::Now())) {
    GTEST_SKIP() << "a UTC midnight passed during the test: the day's count restarted";
  }
  int served = 0;
  int refused = 0;
  for (int status : statuses) {
    served += status == 200;
    refused += status == 429;
  }
  EXPECT_EQ(served, kLimit);
  EXPECT_EQ(refused, kCalls - kLimit);
  EXPECT_EQ(sandbox_->TooManyRequestsCount(), kCalls - kLimit);
}

TEST_F(SandboxFaultsTest, ServesHundredsOfDelayedCallsConcurrently) {
  constexpr int kCalls = 200;
  constexpr absl::Duration kDelay = absl::Seconds(3);
  std::vector<std::string> ids;
  for (int i = 0; i < kCalls; ++i) ids.push_back(std::to_string(5000 + i));
  Options options = WithAssigned(ids);
  options.threads = kCalls + 16;
  options.behavior.delay = kDelay;
  StartSandbox(options);

  read_timeout_seconds_ = 60;  // the answers come after kDelay, on a busy machine

  std::vector<int> statuses(kCalls, 0);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      httplib::Result result = Unassign({ids[i]});
      if (result) statuses[i] = result->status;
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(statuses[i], 200) << ids[i];
    EXPECT_FALSE(sandbox_->IsAssigned(ids[i]));
  }
  // Each request is stamped before its delay: all were being served at
  // once if the last arrived before the first could have been answered.
  // Served one at a time, the second alone would arrive kDelay late.
  const std::vector<RecordedRequest> requests = sandbox_->Requests();
  ASSERT_EQ(requests.size(), static_cast<size_t>(kCalls));
  EXPECT_LT(requests.back().received - requests.front().received, kDelay);
}

TEST_F(SandboxFaultsTest, StopDoesNotWaitOutADelay) {
  Behavior behavior;
  behavior.delay = absl::Seconds(60);
  StartSandbox(WithBehavior(behavior));
  std::thread caller([&] { Unassign({"1"}); });
  EXPECT_TRUE(gong::support::WaitUntil([&] { return sandbox_->RequestCount() > 0; }));
  const absl::Time start = absl::Now();
  sandbox_->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));  // half the delay
  caller.join();
}

// Writes that act, then lose their answer (Behavior::after_acting).
using SandboxAfterActingTest = FlowsTest;

Behavior AfterActingBehavior(AfterActing after_acting, int requests = -1,
                             size_t items = 0) {
  Behavior behavior;
  behavior.after_acting = after_acting;
  behavior.after_acting_requests = requests;
  behavior.after_acting_items = items;
  return behavior;
}

// The CRM prospect ids of the open instances a lookup finds.
std::vector<std::string> OpenProspects(const nlohmann::json& lookup) {
  return Strings(lookup["prospectsAssigned"], "crmProspectId");
}

nlohmann::json AssignBody(const std::string& flow_id,
                          const std::vector<std::string>& crm_ids) {
  return nlohmann::json{{"crmProspectsIds", crm_ids},
                        {"flowId", flow_id},
                        {"flowInstanceOwnerEmail", kAna}};
}

TEST_F(SandboxAfterActingTest, DropUnassignsThenClosesWithoutAnAnswer) {
  StartSandbox(WithBehavior(AfterActingBehavior(AfterActing::kDropConnection)));
  httplib::Result result = Unassign({"1", "2"});
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::Read);
  EXPECT_FALSE(sandbox_->IsAssigned("1"));
  EXPECT_FALSE(sandbox_->IsAssigned("2"));
  EXPECT_TRUE(sandbox_->IsAssigned("3"));
  // libcurl, as the facade uses it, sees no answer at all.
  EXPECT_EQ(CurlUnassign(sandbox_->base_url()), CURLE_GOT_NOTHING);
}

TEST_F(SandboxAfterActingTest, StatusAnswersGongsErrorShapeAfterTheWork) {
  for (const auto& [after_acting, status] :
       std::vector<std::pair<AfterActing, int>>{{AfterActing::kStatus500, 500},
                                                {AfterActing::kStatus502, 502},
                                                {AfterActing::kStatus504, 504}}) {
    SCOPED_TRACE(status);
    StartSandbox(WithBehavior(AfterActingBehavior(after_acting)));
    EXPECT_THAT(ExpectError(Unassign({"1"}), status), HasSubstr(std::to_string(status)));
    EXPECT_FALSE(sandbox_->IsAssigned("1"));
    EXPECT_TRUE(sandbox_->IsAssigned("2"));
  }
}

TEST_F(SandboxAfterActingTest, ItemsUnassignsOnlyTheFirstInRequestOrder) {
  StartSandbox(WithBehavior(AfterActingBehavior(AfterActing::kStatus502, -1, 2)));
  ExpectError(Unassign({"3", "1", "2"}), 502);
  EXPECT_FALSE(sandbox_->IsAssigned("3"));
  EXPECT_FALSE(sandbox_->IsAssigned("1"));
  EXPECT_TRUE(sandbox_->IsAssigned("2"));
  EXPECT_THAT(sandbox_->WriteRequestsPerId(),
              UnorderedElementsAre(Pair("3", 1), Pair("1", 1)));
}

TEST_F(SandboxAfterActingTest, ItemsBeyondTheRequestDoEveryItem) {
  StartSandbox(WithBehavior(AfterActingBehavior(AfterActing::kDropConnection, -1,
                                                std::numeric_limits<size_t>::max())));
  EXPECT_FALSE(Unassign({"1", "2"}));
  EXPECT_FALSE(sandbox_->IsAssigned("1"));
  EXPECT_FALSE(sandbox_->IsAssigned("2"));
}

// The whole body is checked before any item is done: a request Gong would
// refuse whole does nothing, however few items the fault does.
TEST_F(SandboxAfterActingTest, ItemsOfABodyRefusedWholeDoNothing) {
  Behavior behavior = AfterActingBehavior(AfterActing::kStatus500, -1, 1);
  behavior.refused_id = "2";
  StartSandbox(WithBehavior(behavior));
  ExpectError(Unassign({"1", "2"}), 500);
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
}

TEST_F(SandboxAfterActingTest, AssignOfAHundredDoesTheFirstItemsThenDrops) {
  Options options = TestCompany();
  options.behavior = AfterActingBehavior(AfterActing::kDropConnection, 1, 40);
  StartSandbox(options);
  std::vector<std::string> prospects;
  for (int i = 0; i < 100; ++i) prospects.push_back(absl::StrCat("new-", i));
  EXPECT_FALSE(PostJson(kAssignPath, AssignBody("12", prospects)));
  const std::vector<std::string> first(prospects.begin(), prospects.begin() + 40);
  const std::vector<std::string> rest(prospects.begin() + 40, prospects.end());
  EXPECT_EQ(OpenProspects(Ok(PostJson(kLookupPath, {{"crmProspectsIds", prospects}}))),
            first);
  // The fault was for one request: the rest is assigned and answered.
  const nlohmann::json answer = Ok(PostJson(kAssignPath, AssignBody("12", rest)));
  EXPECT_EQ(Strings(answer["prospectsAssigned"], "crmProspectId"), rest);
  const std::map<std::string, int> per_id = sandbox_->WriteRequestsPerId();
  EXPECT_EQ(per_id.size(), 100u);
  for (const std::string& id : prospects) EXPECT_EQ(per_id.at(id), 1) << id;
}

TEST_F(SandboxAfterActingTest, UnassignByCrmIdRemovesTheProspectThenFails) {
  Options options = TestCompany();
  options.behavior = AfterActingBehavior(AfterActing::kStatus504);
  StartSandbox(options);
  ExpectError(PostJson(kUnassignByCrmIdPath, {{"crmProspectId", "p2"}}), 504);
  EXPECT_THAT(ByCrmIds({"p2"}), IsEmpty());
  EXPECT_THAT(ByCrmIds({"p1"}), ElementsAre("101"));
  EXPECT_THAT(sandbox_->WriteRequestsPerId(), ElementsAre(Pair("p2", 1)));
}

// after_acting_requests counts writes only, from when the behaviour is
// set; reads are answered all along.
TEST_F(SandboxAfterActingTest, RequestsCountsWritesOnlyFromWhenSet) {
  StartSandbox(WithBehavior(AfterActingBehavior(AfterActing::kDropConnection, 2)));
  Ok(PostJson(kLookupPath, {{"flowInstanceIds", {"1"}}}));
  EXPECT_FALSE(Unassign({"1"}));
  EXPECT_FALSE(Unassign({"2"}));
  Ok(PostJson(kLookupPath, {{"flowInstanceIds", {"1"}}}));
  EXPECT_EQ(Unassign({"3"})->status, 200);
  sandbox_->Assign({"4", "5"});
  sandbox_->SetBehavior(AfterActingBehavior(AfterActing::kDropConnection, 1));
  EXPECT_FALSE(Unassign({"4"}));
  EXPECT_EQ(Unassign({"5"})->status, 200);
}

// A request answered before the work (here refused for its credentials)
// does not use up the failures, and writes nothing.
TEST_F(SandboxAfterActingTest, RequestsRefusedBeforeTheWorkDoNotCount) {
  Behavior behavior = AfterActingBehavior(AfterActing::kDropConnection, 1);
  behavior.accepted_authorization = "Bearer good";
  StartSandbox(WithBehavior(behavior));
  ExpectError(Post(IdsBody({"1"}), kBasicAuth), 401);
  EXPECT_TRUE(sandbox_->IsAssigned("1"));
  EXPECT_FALSE(Post(IdsBody({"1"}), "Bearer good"));
  EXPECT_FALSE(sandbox_->IsAssigned("1"));
  EXPECT_EQ(Post(IdsBody({"2"}), "Bearer good")->status, 200);
  EXPECT_THAT(sandbox_->WriteRequestsPerId(),
              UnorderedElementsAre(Pair("1", 1), Pair("2", 1)));
}

TEST_F(SandboxAfterActingTest, RequestsHoldUnderConcurrentWrites) {
  constexpr int kCalls = 40;
  constexpr int kFailures = 7;
  std::vector<std::string> ids;
  for (int i = 0; i < kCalls; ++i) ids.push_back(absl::StrCat(2000 + i));
  Options options = WithAssigned(ids);
  options.threads = kCalls + 8;
  options.behavior = AfterActingBehavior(AfterActing::kStatus502, kFailures);
  StartSandbox(options);
  read_timeout_seconds_ = 60;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      httplib::Result result = Unassign({ids[i]});
      if (result && result->status == 200) ++ok;
      if (result && result->status == 502) ++failed;
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(failed, kFailures);
  EXPECT_EQ(ok, kCalls - kFailures);
  for (const std::string& id : ids) EXPECT_FALSE(sandbox_->IsAssigned(id)) << id;
}

// Every write that reached the work counts once per id it named, whatever
// it answered (a 400 included); reads and malformed bodies count nothing.
TEST_F(SandboxAfterActingTest, WriteRequestsPerIdCountsEachWriteNamingAnId) {
  Options options = TestCompany();
  options.assigned_ids = {"1", "2"};
  StartSandbox(options);
  EXPECT_EQ(Unassign({"1", "2"})->status, 200);
  ExpectError(Unassign({"2"}), 400);  // no longer assigned: named all the same
  Ok(PostJson(kLookupPath, {{"flowInstanceIds", {"1"}}}));
  ExpectError(Post("{not json", kBasicAuth), 400);
  Ok(PostJson(kAssignPath, AssignBody("12", {"p6", "p6", "p7"})));
  Ok(PostJson(kUnassignByCrmIdPath, {{"crmProspectId", "p7"}}));
  EXPECT_THAT(
      sandbox_->WriteRequestsPerId(),
      UnorderedElementsAre(Pair("1", 1), Pair("2", 2), Pair("p6", 1), Pair("p7", 2)));
  const std::vector<RecordedRequest> requests = sandbox_->Requests();
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_THAT(requests[2].write_items, IsEmpty());  // a lookup
  EXPECT_THAT(requests[4].write_items, ElementsAre("p6", "p6", "p7"));
}

}  // namespace
}  // namespace gong::sandbox
