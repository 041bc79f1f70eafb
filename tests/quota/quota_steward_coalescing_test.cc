// The quota steward's coalescing by policy: waiting calls with the same key
// share one Gong request that lasts as long as its most patient caller,
// never more than 200 distinct ids; other keys, calls without a part, and
// coalescing turned off never share; a failed merged request fails each of
// its callers; a merged request names every call it carries (its tags), so
// that its log line says whom it served.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quota/quota_steward_fixture.h"

namespace gong::quota {
namespace {

using ::testing::ElementsAre;

TEST_F(QuotaStewardTest, WaitingCallsWithTheSameEmailShareOneRequest) {
  Start(Qps(1));
  Caller* first = Call({"1"}, "a@x.io");
  Caller* b = Call({"2", "3"}, "a@x.io");
  Caller* c = Call({"3", "4"}, "a@x.io");  // "3" asked twice
  Caller* d = Call({"5"}, "a@x.io");
  ASSERT_EQ(gong_->size(), 1u);
  AnswerAll(1);
  EXPECT_THAT(first->result().unassigned_flow_instance_ids, ElementsAre("1"));

  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  const upstream::UnassignByInstanceIdsParams merged = gong_->unassign(2);
  EXPECT_THAT(merged.flow_instance_ids,
              ElementsAre("2", "3", "4", "5"));  // arrival order
  EXPECT_EQ(merged.unassigned_by_user_email, "a@x.io");
  EXPECT_EQ(gong_->request(2).path, upstream::kUnassignByInstanceIdsPath);
  EXPECT_EQ(gong_->request(2).idempotency, upstream::Idempotency::kNotIdempotent);
  // Gong removed 4, 3 and 5, but not 2. Each caller gets exactly its own
  // ids, in Gong's order; an id two callers asked for goes to both.
  gong_->AnswerUnassigned(
      2, upstream::UnassignByInstanceIdsResult{"req-2", {"4", "3", "5"}});
  for (Caller* caller : {b, c, d}) {
    ASSERT_TRUE(caller->done());
    EXPECT_EQ(caller->result().request_id, "req-2");
  }
  EXPECT_THAT(b->result().unassigned_flow_instance_ids, ElementsAre("3"));
  EXPECT_THAT(c->result().unassigned_flow_instance_ids, ElementsAre("4", "3"));
  EXPECT_THAT(d->result().unassigned_flow_instance_ids, ElementsAre("5"));
}

TEST_F(QuotaStewardTest, AMergedRequestLastsAsLongAsItsMostPatientCaller) {
  Start(Qps(1));
  Call({"0"});
  Call({"1"}, "a@x.io", absl::Seconds(30));
  Call({"2"}, "a@x.io", absl::Seconds(90));
  Call({"3"}, "a@x.io", absl::Seconds(60));
  const absl::Time latest = clock_->Now() + absl::Seconds(90);
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1", "2", "3"));
  EXPECT_EQ(gong_->deadline(2), latest);
}

TEST_F(QuotaStewardTest, CallsWithDifferentEmailsNeverShareAndKeepTheirOrder) {
  Start(Qps(1));
  Call({"0"});
  Call({"1"}, "a@x.io");
  Call({"2"}, "b@x.io");
  Call({"3"}, "a@x.io");
  Call({"4"});
  for (int i = 0; i < 4; ++i) clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 4u);
  // First come, first served: the batch of the oldest waiting call goes next.
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1", "3"));
  EXPECT_EQ(gong_->unassign(2).unassigned_by_user_email, "a@x.io");
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("2"));
  EXPECT_EQ(gong_->unassign(3).unassigned_by_user_email, "b@x.io");
  EXPECT_THAT(gong_->unassign(4).flow_instance_ids, ElementsAre("4"));
  EXPECT_EQ(gong_->unassign(4).unassigned_by_user_email, "");
}

TEST_F(QuotaStewardTest, ABatchNeverHoldsMoreThan200DistinctIds) {
  Start(Qps(1));
  Call({"x"});
  Call(Ids(1000, 150));
  Call(Ids(1100, 100));  // 50 shared with the previous call: 200 distinct
  Call(Ids(2000, 1));    // would make 201: starts the next batch
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_EQ(gong_->unassign(2).flow_instance_ids.size(), 200u);
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_THAT(gong_->unassign(3).flow_instance_ids, ElementsAre("2000"));
}

TEST_F(QuotaStewardTest, WithoutCoalescingEachCallIsItsOwnRequest) {
  Start(Qps(1, /*coalesce=*/false));
  for (int i = 0; i < 4; ++i) Call({absl::StrCat(i)}, "a@x.io");
  for (int i = 0; i < 3; ++i) clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 4u);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_THAT(gong_->unassign(i).flow_instance_ids, ElementsAre(absl::StrCat(i - 1)));
  }
}

TEST_F(QuotaStewardTest, AFailedBatchFailsEveryCallerInIt) {
  Start(Qps(1));
  Call({"0"});
  Caller* a = Call({"1"});
  Caller* b = Call({"2"});
  clock_->Advance(absl::Seconds(2));
  gong_->Answer(2, HttpError(500));
  ASSERT_TRUE(a->done() && b->done());
  EXPECT_EQ(a->error().http_status, 500);
  EXPECT_EQ(b->error().http_status, 500);
}

TEST_F(QuotaStewardTest, RequestsWithoutAPartAreNeverMerged) {
  Start(Qps(1));            // coalescing on
  Submit(Read(), nullptr);  // goes at once
  Caller* a = Submit(Read(), nullptr);
  Caller* b = Submit(Read(), nullptr);  // equal to a, and waiting with it
  EXPECT_EQ(steward_->GetStats().waiting_calls, 2u);
  clock_->Advance(absl::Milliseconds(1025));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_FALSE(b->done());
  clock_->Advance(absl::Milliseconds(1025));
  ASSERT_EQ(gong_->size(), 3u);  // b's own request, one window later
  for (upstream::GongClient::CallId id = 2; id <= 3; ++id) {
    EXPECT_EQ(gong_->request(id).method, "GET");
    EXPECT_EQ(gong_->request(id).path, "/v2/flows");
  }
  gong_->Answer(2, upstream::GongAnswer{R"({"flows":["a"]})"});
  gong_->Answer(3, upstream::GongAnswer{R"({"flows":["b"]})"});
  EXPECT_EQ(a->answer().body, R"({"flows":["a"]})");
  EXPECT_EQ(b->answer().body, R"({"flows":["b"]})");
  EXPECT_EQ(steward_->GetStats().gong_requests, 3);
}

// --- Whom a Gong request serves: its calls' tags, for its log line ---------

class QuotaStewardTagsTest : public QuotaStewardTest {
 protected:
  // An unassign call of `id` for one email, tagged as the gRPC face tags
  // each call (its x-request-id is "x-<id>").
  Caller* TaggedCall(const std::string& id, const std::string& caller,
                     const std::string& trace_id) {
    upstream::UnassignByInstanceIdsParams request{{id}, "a@x.io"};
    upstream::GongRequest gong_request =
        upstream::EncodeUnassignByInstanceIds(request, clock_->Now() + absl::Seconds(60));
    gong_request.calls = {{caller, trace_id, "x-" + id}};
    return Submit(std::move(gong_request), coalescing_.Part(std::move(request)));
  }

  // The tags Gong request `id` carries, each as "caller trace_id x_request_id".
  std::vector<std::string> Tags(upstream::GongClient::CallId id) {
    std::vector<std::string> tags;
    for (const upstream::CallTag& tag : gong_->request(id).calls) {
      tags.push_back(absl::StrCat(tag.caller, " ", tag.trace_id, " ", tag.x_request_id));
    }
    return tags;
  }
};

TEST_F(QuotaStewardTagsTest, AMergedRequestCarriesEveryCallsTagInArrivalOrder) {
  Start(Qps(1));
  TaggedCall("0", "reporting", "t0");  // goes at once, alone
  ASSERT_EQ(gong_->size(), 1u);
  EXPECT_THAT(Tags(1), ElementsAre("reporting t0 x-0"));
  TaggedCall("1", "crm-sync", "t1");
  TaggedCall("2", "unnamed", "");  // a caller without a trace is named too
  TaggedCall("3", "crm-sync", "t3");
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1", "2", "3"));
  EXPECT_THAT(Tags(2), ElementsAre("crm-sync t1 x-1", "unnamed  x-2", "crm-sync t3 x-3"));
}

TEST_F(QuotaStewardTagsTest, ACallThatLeftBeforeTheSendIsNotNamed) {
  Start(Qps(1));
  TaggedCall("0", "a", "t0");
  TaggedCall("1", "a", "t1");
  Caller* leaving = TaggedCall("2", "b", "t2");
  TaggedCall("3", "c", "t3");
  steward_->Cancel(leaving->id);
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  EXPECT_THAT(gong_->unassign(2).flow_instance_ids, ElementsAre("1", "3"));
  EXPECT_THAT(Tags(2), ElementsAre("a t1 x-1", "c t3 x-3"));
}

// A request sent again (a retry, or the halves of a refused merged request)
// names the calls it carries this time, each once.
TEST_F(QuotaStewardTagsTest, RetriesAndSplitPartsNameTheirOwnCalls) {
  Start(Qps(1));
  TaggedCall("0", "a", "t0");
  for (const char* id : {"1", "2", "3", "4"}) TaggedCall(id, "b", absl::StrCat("t", id));
  clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 2u);
  gong_->Answer(2, HttpError(503));  // retried whole, after a backoff
  clock_->Advance(absl::Seconds(10));
  ASSERT_EQ(gong_->size(), 3u);
  EXPECT_THAT(Tags(3), ElementsAre("b t1 x-1", "b t2 x-2", "b t3 x-3", "b t4 x-4"));
  // Gong refuses it whole for one bad id: sent again in halves.
  gong_->Answer(
      3, upstream::GongError::HttpStatus(400, "r-3", {"Invalid flow instance id: 3"}));
  for (int i = 0; i < 4 && gong_->size() < 5u; ++i) clock_->Advance(absl::Seconds(2));
  ASSERT_EQ(gong_->size(), 5u);
  EXPECT_THAT(Tags(4), ElementsAre("b t1 x-1", "b t2 x-2"));
  EXPECT_THAT(Tags(5), ElementsAre("b t3 x-3", "b t4 x-4"));
}

}  // namespace
}  // namespace gong::quota
