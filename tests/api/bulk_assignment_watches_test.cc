// The shared poll of watched bulk assignments (api/bulk_assignment_watches.h)
// over a real quota steward, a fake Gong and a fake clock: one poll per job
// whatever the watchers, each change to every watcher, the ends (final
// state, Gong's final errors, the day's budget), transient errors polled
// again, and watchers leaving (the last one stops the polling). Time moves
// only by FakeClock::Advance.
#include "api/bulk_assignment_watches.h"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_gong_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "quota/quota_steward.h"

namespace gong::api {
namespace {

constexpr absl::Duration kInterval = absl::Seconds(5);
constexpr absl::Duration kPollTimeout = absl::Seconds(30);
constexpr char kJob[] = "job-1";

// Gong's answer to a job's GET.
upstream::GongAnswer JobAnswer(const std::string& state, int processed, int total = 3,
                               const std::string& request_id = "req") {
  nlohmann::json results = nlohmann::json::array();
  for (int i = 0; i < processed; ++i) {
    results.push_back({{"prospect", {{"crmId", absl::StrCat("crm-", i)}}},
                       {"status", "ASSIGNED"},
                       {"crmId", absl::StrCat("crm-", i)},
                       {"flowInstanceId", absl::StrCat("fi-", i)}});
  }
  nlohmann::json body = {{"requestId", request_id},
                         {"id", kJob},
                         {"status", state},
                         {"totalCount", total},
                         {"processedCount", processed},
                         {"successCount", processed},
                         {"failedCount", 0},
                         {"results", results}};
  upstream::GongAnswer answer;
  answer.body = body.dump();
  return answer;
}

// Records what the watches tell it.
class RecordingWatcher final : public BulkAssignmentWatcher {
 public:
  void OnState(std::shared_ptr<const upstream::BulkAssignmentResult> job) override {
    absl::MutexLock lock(&mu_);
    EXPECT_FALSE(end_.has_value()) << "a state after the end";
    states_.push_back(std::move(job));
  }
  void OnEnd(grpc::Status status) override {
    absl::MutexLock lock(&mu_);
    EXPECT_FALSE(end_.has_value()) << "a second end";
    end_ = std::move(status);
  }

  std::vector<upstream::BulkAssignmentState> states() {
    absl::MutexLock lock(&mu_);
    std::vector<upstream::BulkAssignmentState> out;
    for (const auto& job : states_) out.push_back(job->state);
    return out;
  }
  std::vector<int64_t> processed() {
    absl::MutexLock lock(&mu_);
    std::vector<int64_t> out;
    for (const auto& job : states_) out.push_back(job->processed_count);
    return out;
  }
  std::optional<grpc::Status> end() {
    absl::MutexLock lock(&mu_);
    return end_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::shared_ptr<const upstream::BulkAssignmentResult>> states_;
  std::optional<grpc::Status> end_;
};

// Counts what the watches report for the metrics.
class CountingObserver final : public CallObserver {
 public:
  void CallStarted(const CallRecord&) override {}
  void CallFinished(const CallRecord&) override {}
  void BulkWatchersChanged(int delta) override {
    absl::MutexLock lock(&mu_);
    watchers_ += delta;
  }
  void BulkPollEnded(absl::string_view outcome) override {
    absl::MutexLock lock(&mu_);
    outcomes_.emplace_back(outcome);
  }
  int watchers() {
    absl::MutexLock lock(&mu_);
    return watchers_;
  }
  std::vector<std::string> outcomes() {
    absl::MutexLock lock(&mu_);
    return outcomes_;
  }

 private:
  absl::Mutex mu_;
  int watchers_ = 0;
  std::vector<std::string> outcomes_;
};

using ::testing::ElementsAre;
using upstream::BulkAssignmentState;

class BulkAssignmentWatchesTest : public ::testing::Test {
 protected:
  explicit BulkAssignmentWatchesTest(quota::QuotaOptions options = Options()) {
    auto gong = std::make_unique<fakes::FakeGongClient>();
    auto clock = std::make_unique<fakes::FakeClock>();
    gong_ = gong.get();
    clock_ = clock.get();
    steward_ =
        std::make_unique<quota::QuotaSteward>(std::move(gong), std::move(clock), options);
    watches_ = std::make_unique<BulkAssignmentWatches>(steward_.get(), clock_, &observer_,
                                                       kInterval, kPollTimeout);
  }

  static quota::QuotaOptions Options() {
    quota::QuotaOptions options;
    options.gong_qps = 0;      // every poll goes at once
    options.max_attempts = 1;  // the steward's own retries aside
    return options;
  }

  RecordingWatcher* NewWatcher() { return &watchers_.emplace_back(); }

  BulkAssignmentWatches::WatchId Watch(RecordingWatcher* watcher,
                                       const std::string& job = kJob) {
    return watches_->Add(job, watcher, upstream::CallTag{"tester", "", ""}, "tester");
  }

  // The GETs sent so far for `job`.
  size_t PollsOf(const std::string& job = kJob) {
    size_t n = 0;
    for (size_t id = 1; id <= gong_->size(); ++id) {
      if (gong_->request(id).path ==
          absl::StrCat(upstream::kBulkAssignmentsPath, "/", job))
        ++n;
    }
    return n;
  }

  CountingObserver observer_;
  std::deque<RecordingWatcher> watchers_;  // outlive the watches
  fakes::FakeGongClient* gong_ = nullptr;  // owned by steward_
  fakes::FakeClock* clock_ = nullptr;      // owned by steward_
  std::unique_ptr<quota::QuotaSteward> steward_;
  std::unique_ptr<BulkAssignmentWatches> watches_;
};

TEST_F(BulkAssignmentWatchesTest, ManyWatchersOfOneJobShareOnePoll) {
  std::vector<RecordingWatcher*> watchers;
  for (int i = 0; i < 100; ++i) {
    watchers.push_back(NewWatcher());
    Watch(watchers.back());
  }
  ASSERT_EQ(gong_->size(), 1u);
  const upstream::GongRequest poll = gong_->request(1);
  EXPECT_EQ(poll.method, "GET");
  EXPECT_EQ(poll.priority, upstream::Priority::kBackground);
  EXPECT_LE(poll.calls.size(), 8u);  // a bounded log line
  gong_->Answer(1, JobAnswer("PENDING", 0));
  for (RecordingWatcher* watcher : watchers) {
    EXPECT_THAT(watcher->states(), ElementsAre(BulkAssignmentState::kPending));
  }
  EXPECT_EQ(watches_->jobs(), 1u);
  EXPECT_EQ(watches_->watchers(), 100u);
  EXPECT_EQ(observer_.watchers(), 100);
  // The next poll is one interval after the answer, not before.
  clock_->Advance(kInterval - absl::Milliseconds(1));
  EXPECT_EQ(gong_->size(), 1u);
  clock_->Advance(absl::Milliseconds(1));
  EXPECT_EQ(gong_->size(), 2u);
}

// A server shutting down: every watch ends UNAVAILABLE at once (its caller
// watches again elsewhere), the poll in flight is cancelled, no poll
// follows, and a watch added after is refused as it is added.
TEST_F(BulkAssignmentWatchesTest, CloseEndsEveryWatchAndEveryPoll) {
  RecordingWatcher* a = NewWatcher();
  RecordingWatcher* b = NewWatcher();
  RecordingWatcher* c = NewWatcher();
  Watch(a);
  Watch(b, "job-2");
  gong_->Answer(1, JobAnswer("IN_PROGRESS", 1));
  ASSERT_EQ(gong_->size(), 2u);  // job-2's first poll is still at Gong
  watches_->Close(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
  for (RecordingWatcher* w : {a, b}) {
    ASSERT_TRUE(w->end().has_value());
    EXPECT_EQ(w->end()->error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_THAT(gong_->cancelled(), ElementsAre(2u));
  EXPECT_EQ(watches_->jobs(), 0u);
  EXPECT_EQ(observer_.watchers(), 0);
  Watch(c);
  ASSERT_TRUE(c->end().has_value());
  EXPECT_EQ(c->end()->error_message(), "shutting down");
  clock_->Advance(kInterval * 10);
  EXPECT_EQ(gong_->size(), 2u);
}

TEST_F(BulkAssignmentWatchesTest, ANewWatcherGetsTheLastStateAtOnce) {
  RecordingWatcher* first = NewWatcher();
  Watch(first);
  gong_->Answer(1, JobAnswer("IN_PROGRESS", 1));
  RecordingWatcher* second = NewWatcher();
  Watch(second);
  EXPECT_THAT(second->processed(), ElementsAre(1));
  EXPECT_EQ(gong_->size(), 1u);  // no poll of its own
}

TEST_F(BulkAssignmentWatchesTest, OnlyChangesArePushedAndTheFinalStateEndsEveryWatch) {
  RecordingWatcher* a = NewWatcher();
  RecordingWatcher* b = NewWatcher();
  Watch(a);
  Watch(b);
  gong_->Answer(1, JobAnswer("IN_PROGRESS", 1, 3, "r1"));
  clock_->Advance(kInterval);
  // Only Gong's requestId differs: no change.
  gong_->Answer(2, JobAnswer("IN_PROGRESS", 1, 3, "r2"));
  clock_->Advance(kInterval);
  gong_->Answer(3, JobAnswer("IN_PROGRESS", 2));
  clock_->Advance(kInterval);
  gong_->Answer(4, JobAnswer("COMPLETED", 3));
  for (RecordingWatcher* w : {a, b}) {
    EXPECT_THAT(w->processed(), ElementsAre(1, 2, 3));
    ASSERT_TRUE(w->end().has_value());
    EXPECT_TRUE(w->end()->ok());
  }
  EXPECT_EQ(watches_->jobs(), 0u);
  EXPECT_EQ(observer_.watchers(), 0);
  EXPECT_THAT(observer_.outcomes(),
              ElementsAre("changed", "unchanged", "changed", "changed"));
  clock_->Advance(kInterval * 10);
  EXPECT_EQ(gong_->size(), 4u);  // no poll after the end
}

TEST_F(BulkAssignmentWatchesTest, AFailedJobEndsEveryWatchOkAfterItsState) {
  RecordingWatcher* w = NewWatcher();
  Watch(w);
  gong_->Answer(1, JobAnswer("FAILED", 1));
  EXPECT_THAT(w->states(), ElementsAre(BulkAssignmentState::kFailed));
  ASSERT_TRUE(w->end().has_value());
  EXPECT_TRUE(w->end()->ok());
  EXPECT_EQ(watches_->jobs(), 0u);
}

TEST_F(BulkAssignmentWatchesTest, GongNotFoundEndsEveryWatchNotFound) {
  RecordingWatcher* a = NewWatcher();
  RecordingWatcher* b = NewWatcher();
  Watch(a);
  Watch(b);
  gong_->Answer(1, upstream::GongError::HttpStatus(404, "r", {"not found"}));
  for (RecordingWatcher* w : {a, b}) {
    ASSERT_TRUE(w->end().has_value());
    EXPECT_EQ(w->end()->error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_TRUE(w->states().empty());
  }
  clock_->Advance(kInterval * 3);
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(BulkAssignmentWatchesTest, AnUnreadableAnswerEndsEveryWatchInternal) {
  RecordingWatcher* w = NewWatcher();
  Watch(w);
  gong_->Answer(1, JobAnswer("IN_PROGRESS", 1));
  clock_->Advance(kInterval);
  upstream::GongAnswer garbage;
  garbage.body = R"({"requestId": "r", "id": 7})";
  gong_->Answer(2, garbage);
  ASSERT_TRUE(w->end().has_value());
  EXPECT_EQ(w->end()->error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(w->processed(), ElementsAre(1));  // what was seen before stays sent
}

TEST_F(BulkAssignmentWatchesTest, TransientErrorsArePolledAgainAtTheNextInterval) {
  RecordingWatcher* w = NewWatcher();
  Watch(w);
  gong_->Answer(1, upstream::GongError::HttpStatus(503, "", {}));
  EXPECT_FALSE(w->end().has_value());
  clock_->Advance(kInterval);
  ASSERT_EQ(gong_->size(), 2u);
  gong_->Answer(2, upstream::GongError::HttpStatus(429, "", {}, absl::Seconds(1)));
  clock_->Advance(kInterval);
  ASSERT_EQ(gong_->size(), 3u);
  gong_->Answer(3, upstream::GongError::NoAnswer(upstream::GongError::Kind::kTimedOut,
                                                 "timed out", true));
  clock_->Advance(kInterval);
  ASSERT_EQ(gong_->size(), 4u);
  gong_->Answer(4, JobAnswer("PENDING", 0));
  EXPECT_THAT(w->states(), ElementsAre(BulkAssignmentState::kPending));
  EXPECT_FALSE(w->end().has_value());
  EXPECT_THAT(observer_.outcomes(), ElementsAre("transient_error", "transient_error",
                                                "transient_error", "changed"));
}

TEST_F(BulkAssignmentWatchesTest, AWatcherLeavingEarlyEndsOnlyItsOwnWatch) {
  RecordingWatcher* leaving = NewWatcher();
  RecordingWatcher* staying = NewWatcher();
  const auto leaving_id = Watch(leaving);
  Watch(staying);
  gong_->Answer(1, JobAnswer("IN_PROGRESS", 1));
  watches_->Remove(leaving_id);
  watches_->Remove(leaving_id);  // twice is harmless
  clock_->Advance(kInterval);
  gong_->Answer(2, JobAnswer("IN_PROGRESS", 2));
  EXPECT_THAT(leaving->processed(), ElementsAre(1));
  EXPECT_FALSE(leaving->end().has_value());
  EXPECT_THAT(staying->processed(), ElementsAre(1, 2));
  EXPECT_EQ(observer_.watchers(), 1);
}

TEST_F(BulkAssignmentWatchesTest, TheLastWatcherLeavingStopsThePolling) {
  RecordingWatcher* a = NewWatcher();
  RecordingWatcher* b = NewWatcher();
  const auto id_a = Watch(a);
  const auto id_b = Watch(b);
  gong_->Answer(1, JobAnswer("IN_PROGRESS", 1));
  watches_->Remove(id_a);
  watches_->Remove(id_b);
  EXPECT_EQ(watches_->jobs(), 0u);
  // The timer set before they left finds nothing to do.
  clock_->Advance(kInterval * 5);
  EXPECT_EQ(gong_->size(), 1u);
}

TEST_F(BulkAssignmentWatchesTest, TheLastWatcherLeavingCancelsThePollInFlight) {
  RecordingWatcher* w = NewWatcher();
  const auto id = Watch(w);
  ASSERT_EQ(gong_->size(), 1u);
  watches_->Remove(id);
  EXPECT_THAT(gong_->cancelled(), ElementsAre(1u));
  EXPECT_TRUE(w->states().empty());
  EXPECT_FALSE(w->end().has_value());
  // A watcher of the same job later starts a poll of its own.
  RecordingWatcher* later = NewWatcher();
  Watch(later);
  ASSERT_EQ(gong_->size(), 2u);
  gong_->Answer(2, JobAnswer("PENDING", 0));
  EXPECT_THAT(later->states(), ElementsAre(BulkAssignmentState::kPending));
}

TEST_F(BulkAssignmentWatchesTest, JobsArePolledApart) {
  RecordingWatcher* a = NewWatcher();
  RecordingWatcher* b = NewWatcher();
  Watch(a, "job-a");
  Watch(b, "job-b");
  EXPECT_EQ(PollsOf("job-a"), 1u);
  EXPECT_EQ(PollsOf("job-b"), 1u);
  EXPECT_EQ(watches_->jobs(), 2u);
}

// A poll's answer and the last watcher leaving, on two threads at once, many
// times: under ASan/TSan a use after free or a race shows here; and the
// watcher is never called after Remove returned.
TEST_F(BulkAssignmentWatchesTest, AnAnswerRacingTheLastWatcherLeavingIsHarmless) {
  for (int round = 0; round < 200; ++round) {
    RecordingWatcher* w = NewWatcher();
    const std::string job = absl::StrCat("race-", round);
    const auto id = Watch(w, job);
    const size_t call = gong_->size();
    std::thread answer([&] { gong_->Answer(call, JobAnswer("COMPLETED", 3)); });
    watches_->Remove(id);
    const size_t states_after_remove = w->states().size();
    const bool ended_after_remove = w->end().has_value();
    answer.join();
    EXPECT_EQ(w->states().size(), states_after_remove);
    EXPECT_EQ(w->end().has_value(), ended_after_remove);
    EXPECT_EQ(watches_->jobs(), 0u);
  }
  EXPECT_EQ(observer_.watchers(), 0);
}

// Destroying the watches with polls in flight and timers set: the poll's
// answer and the timer find nothing.
TEST_F(BulkAssignmentWatchesTest, WatchesGoneBeforeTheirPollAndTimer) {
  RecordingWatcher* a = NewWatcher();
  RecordingWatcher* b = NewWatcher();
  Watch(a, "job-a");
  Watch(b, "job-b");
  gong_->Answer(1, JobAnswer("PENDING", 0));  // job-a: a timer is set
  watches_.reset();                           // job-b's poll is cancelled
  EXPECT_THAT(gong_->cancelled(), ElementsAre(2u));
  clock_->Advance(kInterval * 3);
  EXPECT_EQ(gong_->size(), 2u);
}

class BulkAssignmentWatchesBudgetTest : public BulkAssignmentWatchesTest {
 protected:
  BulkAssignmentWatchesBudgetTest() : BulkAssignmentWatchesTest(Budget()) {}
  static quota::QuotaOptions Budget() {
    quota::QuotaOptions options = Options();
    options.daily_limit = 2;
    options.daily_reserve = 1;  // background reads stop after one request
    return options;
  }
};

TEST_F(BulkAssignmentWatchesBudgetTest, TheDaysBudgetEndsEveryWatchResourceExhausted) {
  RecordingWatcher* w = NewWatcher();
  Watch(w);
  gong_->Answer(1, JobAnswer("IN_PROGRESS", 1));
  clock_->Advance(kInterval);
  ASSERT_TRUE(w->end().has_value());
  EXPECT_EQ(w->end()->error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(gong_->size(), 1u);
  EXPECT_EQ(watches_->jobs(), 0u);
}

}  // namespace
}  // namespace gong::api
