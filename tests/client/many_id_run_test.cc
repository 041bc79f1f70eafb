// Unit tests for the many-id runner (client/many_id_run.h) over a fake
// IdCalls: how ids are cut into calls, which failures are sent again and
// which are looked up or given up, how a resumed run settles the ids a
// killed one left in doubt, and how it stops.
#include "many_id_run.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/facade_status.h"
#include "support/wait_until.h"

namespace gong::cli {
namespace {

using ::gong::support::FacadeStatus;
using ::gong::support::InvalidRequestStatus;

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

std::vector<std::string> Ids(int count, int first = 1000) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(first + i));
  return ids;
}

// A scripted IdCalls: `send` and `look_up` answer each call (the call's
// number among its kind, from 0); every call is recorded.
class FakeCalls : public IdCalls {
 public:
  using Answer = std::function<grpc::Status(const std::vector<std::string>& ids, int n,
                                            std::vector<IdResult>* results)>;

  FakeCalls(size_t chunk, bool write, bool can_look_up, bool keys = false)
      : chunk_(chunk), write_(write), can_look_up_(can_look_up), keys_(keys) {}

  size_t ChunkSize() const override { return chunk_; }
  bool IsWrite() const override { return write_; }
  bool CanLookUp() const override { return can_look_up_; }
  size_t LookUpChunkSize() const override { return 200; }

  // With keys: the ids joined, so that a test reads which call a key is.
  std::string KeyFor(const std::vector<std::string>& ids) const override {
    return keys_ ? "key:" + absl::StrJoin(ids, ",") : "";
  }

  grpc::Status Send(const std::vector<std::string>& ids, const std::string& key,
                    std::vector<IdResult>* results) override {
    int n;
    {
      absl::MutexLock lock(&mu_);
      n = static_cast<int>(sent_.size());
      sent_.push_back(ids);
      keys_sent_.push_back(key);
      max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    }
    grpc::Status status = send ? send(ids, n, results) : Done(ids, results);
    absl::MutexLock lock(&mu_);
    --in_flight_;
    return status;
  }

  grpc::Status LookUp(const std::vector<std::string>& ids,
                      std::vector<IdResult>* results) override {
    int n;
    {
      absl::MutexLock lock(&mu_);
      n = static_cast<int>(looked_up_.size());
      looked_up_.push_back(ids);
    }
    return look_up(ids, n, results);
  }

  void CancelAll() override { cancelled.Notify(); }

  // Every id done as the command's success: unassigned.
  static grpc::Status Done(const std::vector<std::string>& ids,
                           std::vector<IdResult>* results) {
    for (const std::string& id : ids) {
      results->push_back({id, IdOutcome::kUnassigned, "req-" + ids.front(), ""});
    }
    return grpc::Status::OK;
  }

  std::vector<std::vector<std::string>> Sent() const {
    absl::MutexLock lock(&mu_);
    return sent_;
  }
  // The key each call carried, in order.
  std::vector<std::string> KeysSent() const {
    absl::MutexLock lock(&mu_);
    return keys_sent_;
  }
  std::vector<std::vector<std::string>> LookedUp() const {
    absl::MutexLock lock(&mu_);
    return looked_up_;
  }
  // How many times `id` was sent.
  int TimesSent(const std::string& id) const {
    absl::MutexLock lock(&mu_);
    int times = 0;
    for (const auto& chunk : sent_) times += std::count(chunk.begin(), chunk.end(), id);
    return times;
  }
  int MaxInFlight() const {
    absl::MutexLock lock(&mu_);
    return max_in_flight_;
  }

  Answer send;
  Answer look_up;
  absl::Notification cancelled;

 private:
  const size_t chunk_;
  const bool write_;
  const bool can_look_up_;
  const bool keys_;
  mutable absl::Mutex mu_;
  std::vector<std::vector<std::string>> sent_;
  std::vector<std::string> keys_sent_;
  std::vector<std::vector<std::string>> looked_up_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

// What the run gave its sink, in order.
class Sink {
 public:
  ManyIdRun::ResultSink Get() {
    return [this](const IdResult& result) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(result);
      return fail_ ? absl::InternalError("disk full") : absl::OkStatus();
    };
  }
  std::vector<IdResult> Lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }
  // Each id's final outcomes, in order.
  absl::flat_hash_map<std::string, std::vector<IdOutcome>> Finals() const {
    absl::flat_hash_map<std::string, std::vector<IdOutcome>> finals;
    for (const IdResult& line : Lines()) {
      if (IsFinal(line.outcome)) finals[line.id].push_back(line.outcome);
    }
    return finals;
  }
  void FailWrites() {
    absl::MutexLock lock(&mu_);
    fail_ = true;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<IdResult> lines_;
  bool fail_ = false;
};

RunOptions Fast() {
  RunOptions options;
  options.retry_floor = absl::Milliseconds(1);
  return options;
}

TEST(ManyIdRunTest, CutsTheIdsIntoCallsOfTheChunkSizeAndAnswersEachIdOnce) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true);
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(450), {});

  std::vector<size_t> sizes;
  for (const auto& chunk : calls.Sent()) sizes.push_back(chunk.size());
  std::sort(sizes.begin(), sizes.end());
  EXPECT_THAT(sizes, ElementsAre(50, 200, 200));
  EXPECT_FALSE(report.stopped);
  EXPECT_EQ(report.total, 450u);
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 450u);
  EXPECT_EQ(report.gong_request_ids.size(), 3u);
  const auto finals = sink.Finals();
  ASSERT_EQ(finals.size(), 450u);
  for (const auto& [id, outcomes] : finals) {
    EXPECT_THAT(outcomes, ElementsAre(IdOutcome::kUnassigned)) << id;
  }
}

TEST(ManyIdRunTest, MarksAWritesIdsSendingBeforeTheCallLeaves) {
  FakeCalls calls(2, /*write=*/true, /*can_look_up=*/true);
  Sink sink;
  // When the call is made, its ids must already be marked.
  calls.send = [&sink](const std::vector<std::string>& ids, int,
                       std::vector<IdResult>* results) {
    for (const std::string& id : ids) {
      bool marked = false;
      for (const IdResult& line : sink.Lines()) {
        marked = marked || (line.id == id && line.outcome == IdOutcome::kSending);
      }
      if (!marked) return grpc::Status(grpc::StatusCode::INTERNAL, "not marked: " + id);
    }
    return FakeCalls::Done(ids, results);
  };
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(5), {});
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 5u);
}

TEST(ManyIdRunTest, AReadIsNeverMarkedSending) {
  FakeCalls calls(2, /*write=*/false, /*can_look_up=*/false);
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  run.Run(Ids(5), {});
  for (const IdResult& line : sink.Lines()) EXPECT_TRUE(IsFinal(line.outcome));
}

TEST(ManyIdRunTest, KeepsAtMostParallelCallsInFlight) {
  FakeCalls calls(1, /*write=*/false, /*can_look_up=*/false);
  Sink sink;
  RunOptions options = Fast();
  options.parallel = 3;
  ManyIdRun run(&calls, options, sink.Get());
  const RunReport report = run.Run(Ids(60), {});
  EXPECT_EQ(report.Done(), 60u);
  EXPECT_LE(calls.MaxInFlight(), 3);
}

TEST(ManyIdRunTest, SendsAgainWhatTheStewardRefusedWithRetryInfo) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true);
  calls.send = [](const std::vector<std::string>& ids, int n,
                  std::vector<IdResult>* results) {
    if (n == 0) {
      return FacadeStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, "QUOTA_QUEUE_FULL", {},
                          absl::Milliseconds(5));
    }
    return FakeCalls::Done(ids, results);
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(10), {});
  EXPECT_THAT(calls.Sent(), SizeIs(2));
  EXPECT_THAT(calls.LookedUp(), IsEmpty());
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 10u);
  EXPECT_EQ(sink.Finals().size(), 10u);
}

TEST(ManyIdRunTest, SendsAgainAWriteGongSurelyDidNotAct) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true);
  calls.send = [](const std::vector<std::string>& ids, int n,
                  std::vector<IdResult>* results) {
    if (n == 0) {
      return FacadeStatus(grpc::StatusCode::UNAVAILABLE, "GONG_UNREACHABLE",
                          {{"gong_may_have_acted", "false"}}, absl::Milliseconds(5));
    }
    return FakeCalls::Done(ids, results);
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(3), {});
  EXPECT_THAT(calls.Sent(), SizeIs(2));
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 3u);
}

TEST(ManyIdRunTest, LooksUpAWriteInDoubtAndNeverSendsItAgain) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true);
  calls.send = [](const std::vector<std::string>&, int, std::vector<IdResult>*) {
    return FacadeStatus(grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_TIMEOUT",
                        {{"gong_may_have_acted", "true"}});
  };
  calls.look_up = [](const std::vector<std::string>& ids, int,
                     std::vector<IdResult>* results) {
    // Gong removed the first; the second is still open.
    results->push_back({ids[0], IdOutcome::kUnassigned, "look-1", ""});
    results->push_back({ids[1], IdOutcome::kStillAssigned, "look-1", ""});
    return grpc::Status::OK;
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(2), {});
  EXPECT_THAT(calls.Sent(), SizeIs(1));
  EXPECT_THAT(calls.LookedUp(), ElementsAre(Ids(2)));
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 1u);
  EXPECT_EQ(report.Count(IdOutcome::kStillAssigned), 1u);
  EXPECT_FALSE(report.stopped);
}

TEST(ManyIdRunTest, AnAssignInDoubtIsUnknownAndNamed) {
  FakeCalls calls(100, /*write=*/true, /*can_look_up=*/false);
  calls.send = [](const std::vector<std::string>&, int, std::vector<IdResult>*) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "Gong answered 500");
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(3), {});
  EXPECT_THAT(calls.Sent(), SizeIs(1));
  EXPECT_EQ(report.Count(IdOutcome::kUnknown), 3u);
  EXPECT_THAT(report.unknown_ids, UnorderedElementsAreArray(Ids(3)));
}

TEST(ManyIdRunTest, AReadInDoubtIsSentAgain) {
  FakeCalls calls(200, /*write=*/false, /*can_look_up=*/false);
  calls.send = [](const std::vector<std::string>& ids, int n,
                  std::vector<IdResult>* results) {
    if (n == 0) {
      return FacadeStatus(grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_TIMEOUT",
                          {{"gong_may_have_acted", "true"}}, absl::Milliseconds(5));
    }
    for (const std::string& id : ids)
      results->push_back({id, IdOutcome::kFound, "r", ""});
    return grpc::Status::OK;
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(4), {});
  EXPECT_THAT(calls.Sent(), SizeIs(2));
  EXPECT_EQ(report.Count(IdOutcome::kFound), 4u);
}

TEST(ManyIdRunTest, AReadThatKeepsFailingInDoubtFailsAfterItsAttempts) {
  FakeCalls calls(200, /*write=*/false, /*can_look_up=*/false);
  calls.send = [](const std::vector<std::string>&, int, std::vector<IdResult>*) {
    return FacadeStatus(grpc::StatusCode::INTERNAL, "GONG_MALFORMED_RESPONSE", {},
                        absl::Milliseconds(1));
  };
  Sink sink;
  RunOptions options = Fast();
  options.max_read_attempts = 3;
  ManyIdRun run(&calls, options, sink.Get());
  const RunReport report = run.Run(Ids(2), {});
  EXPECT_THAT(calls.Sent(), SizeIs(3));
  EXPECT_EQ(report.Count(IdOutcome::kFailed), 2u);
  EXPECT_EQ(sink.Lines().back().reason, "GONG_MALFORMED_RESPONSE");
}

TEST(ManyIdRunTest, AFinalRefusalFailsTheIdsWithItsReasonAndIsNotSentAgain) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true);
  calls.send = [](const std::vector<std::string>&, int, std::vector<IdResult>*) {
    return FacadeStatus(grpc::StatusCode::INVALID_ARGUMENT, "INVALID_REQUEST");
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(3), {});
  EXPECT_THAT(calls.Sent(), SizeIs(1));
  EXPECT_THAT(calls.LookedUp(), IsEmpty());
  EXPECT_EQ(report.Count(IdOutcome::kFailed), 3u);
  EXPECT_EQ(sink.Lines().back().reason, "INVALID_REQUEST");
  EXPECT_FALSE(report.stopped);
}

TEST(ManyIdRunTest, IdsTheFacadeRefusesFailAloneAndTheRestGoAgain) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true);
  calls.send = [](const std::vector<std::string>& ids, int,
                  std::vector<IdResult>* results) {
    // The facade names the bad entries of each request it refuses.
    std::vector<std::pair<std::string, std::string>> bad;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == "bad1" || ids[i] == "bad2") {
        bad.emplace_back(absl::StrCat("flow_instance_ids[", i, "]"), "must be valid");
      }
    }
    if (!bad.empty()) return InvalidRequestStatus({bad.front()});  // one at a time
    return FakeCalls::Done(ids, results);
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run({"1", "bad1", "2", "bad2", "3"}, {});
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 3u);
  EXPECT_EQ(report.Count(IdOutcome::kFailed), 2u);
  EXPECT_EQ(calls.TimesSent("1"), 3);  // refused twice, then answered
  const auto finals = sink.Finals();
  EXPECT_THAT(finals.at("bad1"), ElementsAre(IdOutcome::kFailed));
  EXPECT_THAT(finals.at("1"), ElementsAre(IdOutcome::kUnassigned));
  for (const IdResult& line : sink.Lines()) {
    if (line.id == "bad2" && IsFinal(line.outcome)) {
      EXPECT_EQ(line.reason, "INVALID_REQUEST: must be valid");
    }
  }
}

TEST(ManyIdRunTest, AWaitPastGiveUpAfterStopsTheRunAndSaysWhenToResume) {
  FakeCalls calls(5, /*write=*/true, /*can_look_up=*/true);
  calls.send = [](const std::vector<std::string>&, int, std::vector<IdResult>*) {
    return FacadeStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, "DAILY_BUDGET_RESERVED", {},
                        absl::Hours(5));
  };
  Sink sink;
  RunOptions options = Fast();
  options.parallel = 1;
  options.give_up_after = absl::Minutes(1);
  ManyIdRun run(&calls, options, sink.Get());
  const absl::Time before = absl::Now();
  const RunReport report = run.Run(Ids(10), {});
  EXPECT_TRUE(report.stopped);
  EXPECT_THAT(report.stop_reason, ::testing::HasSubstr("DAILY_BUDGET_RESERVED"));
  EXPECT_GE(report.resume_after, before + absl::Hours(5));
  EXPECT_THAT(calls.Sent(), SizeIs(1));
  EXPECT_EQ(report.Done(), 0u);
  // The 5 sent were refused before anything was done: marked so, a resume
  // sends them without a lookup. The 5 never sent are not in the file.
  absl::flat_hash_map<std::string, std::vector<IdOutcome>> lines;
  for (const IdResult& line : sink.Lines()) lines[line.id].push_back(line.outcome);
  ASSERT_THAT(lines, SizeIs(5));
  for (const auto& [id, outcomes] : lines) {
    EXPECT_THAT(outcomes, ElementsAre(IdOutcome::kSending, IdOutcome::kNotSent)) << id;
  }
}

TEST(ManyIdRunTest, AnswersThatSkipAnIdLeaveAWriteUnknown) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true);
  calls.send = [](const std::vector<std::string>& ids, int,
                  std::vector<IdResult>* results) {
    results->push_back({ids[0], IdOutcome::kUnassigned, "r", ""});
    return grpc::Status::OK;
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(2), {});
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 1u);
  EXPECT_THAT(report.unknown_ids, ElementsAre("1001"));
}

TEST(ManyIdRunTest, OnResumeSendsOnlyTheIdsInDoubtTheLookupShowsStillOpen) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true);
  calls.look_up = [](const std::vector<std::string>& ids, int,
                     std::vector<IdResult>* results) {
    results->push_back({ids[0], IdOutcome::kUnassigned, "look", ""});
    results->push_back({ids[1], IdOutcome::kStillAssigned, "look", ""});
    return grpc::Status::OK;
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(/*to_send=*/{"9000"}, /*in_doubt=*/{"1000", "1001"});
  EXPECT_EQ(calls.TimesSent("1000"), 0);
  EXPECT_EQ(calls.TimesSent("1001"), 1);
  EXPECT_EQ(calls.TimesSent("9000"), 1);
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 3u);
  EXPECT_EQ(report.total, 3u);
}

TEST(ManyIdRunTest, OnResumeAnAssignInDoubtIsUnknownWithoutACall) {
  FakeCalls calls(100, /*write=*/true, /*can_look_up=*/false);
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run({}, /*in_doubt=*/{"A", "B"});
  EXPECT_THAT(calls.Sent(), IsEmpty());
  EXPECT_THAT(report.unknown_ids, ElementsAre("A", "B"));
}

TEST(ManyIdRunTest, OnResumeAReadInDoubtIsSimplySentAgain) {
  FakeCalls calls(200, /*write=*/false, /*can_look_up=*/false);
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run({}, /*in_doubt=*/{"A"});
  EXPECT_EQ(calls.TimesSent("A"), 1);
  EXPECT_EQ(report.Done(), 1u);
}

TEST(ManyIdRunTest, StopSendsNothingMoreAndCancelsCallsPastTheGrace) {
  FakeCalls calls(1, /*write=*/true, /*can_look_up=*/true);
  absl::Notification first_call;
  // The first call hangs until the run cancels it.
  calls.send = [&](const std::vector<std::string>&, int n, std::vector<IdResult>*) {
    if (n == 0) first_call.Notify();
    calls.cancelled.WaitForNotification();
    return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
  };
  Sink sink;
  RunOptions options = Fast();
  options.parallel = 1;
  options.grace = absl::Milliseconds(20);
  ManyIdRun run(&calls, options, sink.Get());
  const RunReport report = run.Run(Ids(5), {}, [&] {
    if (first_call.HasBeenNotified()) run.Stop("interrupted (SIGINT)");
  });
  EXPECT_TRUE(calls.cancelled.HasBeenNotified());
  EXPECT_TRUE(report.stopped);
  EXPECT_EQ(report.stop_reason, "interrupted (SIGINT)");
  EXPECT_THAT(calls.Sent(), SizeIs(1));
  // The cancelled write stays in doubt (`sending`), for a resume to settle.
  EXPECT_THAT(calls.LookedUp(), IsEmpty());
  EXPECT_EQ(report.Done(), 0u);
}

TEST(ManyIdRunTest, AResultsFileThatCannotBeWrittenStopsTheRun) {
  FakeCalls calls(1, /*write=*/true, /*can_look_up=*/true);
  Sink sink;
  sink.FailWrites();
  RunOptions options = Fast();
  options.parallel = 1;
  ManyIdRun run(&calls, options, sink.Get());
  const RunReport report = run.Run(Ids(5), {});
  EXPECT_TRUE(report.stopped);
  EXPECT_THAT(report.stop_reason, ::testing::HasSubstr("disk full"));
  // Not even the first call leaves: its ids could not be marked.
  EXPECT_THAT(calls.Sent(), IsEmpty());
}

TEST(ManyIdRunTest, ALastAnswerThatCannotBeRecordedStillStopsTheRun) {
  FakeCalls calls(1, /*write=*/false, /*can_look_up=*/false);
  Sink sink;
  sink.FailWrites();
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run({"only"}, {});
  EXPECT_EQ(report.Done(), 1u);
  EXPECT_TRUE(report.stopped);
}

TEST(ManyIdRunTest, ThousandsOfOneIdCallsEachAnsweredOnce) {
  FakeCalls calls(1, /*write=*/true, /*can_look_up=*/true);
  Sink sink;
  RunOptions options = Fast();
  options.parallel = 8;
  ManyIdRun run(&calls, options, sink.Get());
  const RunReport report = run.Run(Ids(3000), {});
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 3000u);
  EXPECT_EQ(calls.Sent().size(), 3000u);
  EXPECT_EQ(sink.Finals().size(), 3000u);
}

// --- idempotency keys -------------------------------------------------------

// The `sending` lines of `id`, with the key each carried.
std::vector<std::string> SendingKeys(const Sink& sink, const std::string& id) {
  std::vector<std::string> keys;
  for (const IdResult& line : sink.Lines()) {
    if (line.id == id && line.outcome == IdOutcome::kSending) keys.push_back(line.key);
  }
  return keys;
}

grpc::Status InDoubt() {
  return FacadeStatus(grpc::StatusCode::DEADLINE_EXCEEDED, "GONG_TIMEOUT",
                      {{"gong_may_have_acted", "true"}}, absl::Milliseconds(5));
}

TEST(ManyIdRunTest, EachWriteCarriesItsCallsKeyAndMarksItsIdsWithIt) {
  FakeCalls calls(2, /*write=*/true, /*can_look_up=*/true, /*keys=*/true);
  Sink sink;
  RunOptions options = Fast();
  options.parallel = 1;
  ManyIdRun run(&calls, options, sink.Get());
  run.Run({"A", "B", "C"}, {});
  EXPECT_THAT(calls.KeysSent(), ElementsAre("key:A,B", "key:C"));
  EXPECT_THAT(SendingKeys(sink, "B"), ElementsAre("key:A,B"));
  EXPECT_THAT(SendingKeys(sink, "C"), ElementsAre("key:C"));
}

TEST(ManyIdRunTest, AReadCarriesNoKey) {
  FakeCalls calls(2, /*write=*/false, /*can_look_up=*/false, /*keys=*/true);
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  run.Run({"A"}, {});
  EXPECT_THAT(calls.KeysSent(), ElementsAre(""));
}

TEST(ManyIdRunTest, AWriteInDoubtGoesAgainWithTheSameKeyInsteadOfALookup) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true, /*keys=*/true);
  calls.send = [](const std::vector<std::string>& ids, int n,
                  std::vector<IdResult>* results) {
    if (n == 0) return InDoubt();
    return FakeCalls::Done(ids, results);  // the facade settled it
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(3), {});
  EXPECT_THAT(calls.Sent(), ElementsAre(Ids(3), Ids(3)));
  const std::vector<std::string> keys = calls.KeysSent();
  ASSERT_THAT(keys, SizeIs(2));
  EXPECT_EQ(keys[0], keys[1]);
  EXPECT_THAT(calls.LookedUp(), IsEmpty());
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 3u);
  // Marked once: the second attempt is the same call.
  EXPECT_THAT(SendingKeys(sink, "1000"), SizeIs(1));
}

TEST(ManyIdRunTest, AnAssignInDoubtWithAKeyIsSettledNotUnknown) {
  FakeCalls calls(100, /*write=*/true, /*can_look_up=*/false, /*keys=*/true);
  calls.send = [](const std::vector<std::string>& ids, int n,
                  std::vector<IdResult>* results) {
    if (n == 0) return InDoubt();
    for (const std::string& id : ids) {
      results->push_back({id, IdOutcome::kAssigned, "settled", ""});
    }
    return grpc::Status::OK;
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(3), {});
  EXPECT_EQ(report.Count(IdOutcome::kAssigned), 3u);
  EXPECT_THAT(report.unknown_ids, IsEmpty());
}

TEST(ManyIdRunTest, AKeyedWriteThatStaysInDoubtIsLookedUpAfterItsAttempts) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true, /*keys=*/true);
  calls.send = [](const std::vector<std::string>&, int, std::vector<IdResult>*) {
    return InDoubt();
  };
  calls.look_up = [](const std::vector<std::string>& ids, int,
                     std::vector<IdResult>* results) {
    for (const std::string& id : ids) {
      results->push_back({id, IdOutcome::kStillAssigned, "look", ""});
    }
    return grpc::Status::OK;
  };
  Sink sink;
  RunOptions options = Fast();
  options.max_keyed_write_attempts = 3;
  ManyIdRun run(&calls, options, sink.Get());
  const RunReport report = run.Run(Ids(2), {});
  EXPECT_THAT(calls.Sent(), SizeIs(3));
  EXPECT_THAT(calls.LookedUp(), ElementsAre(Ids(2)));
  EXPECT_EQ(report.Count(IdOutcome::kStillAssigned), 2u);
}

TEST(ManyIdRunTest, ARefusalAfterDoubtLeavesTheIdsUnknownNotFailed) {
  FakeCalls calls(100, /*write=*/true, /*can_look_up=*/false, /*keys=*/true);
  calls.send = [](const std::vector<std::string>&, int n, std::vector<IdResult>*) {
    if (n == 0) return InDoubt();
    return FacadeStatus(grpc::StatusCode::INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED");
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  const RunReport report = run.Run(Ids(2), {});
  EXPECT_EQ(report.Count(IdOutcome::kFailed), 0u);
  EXPECT_THAT(report.unknown_ids, UnorderedElementsAreArray(Ids(2)));
  EXPECT_EQ(sink.Lines().back().reason, "IDEMPOTENCY_KEY_REUSED");
}

TEST(ManyIdRunTest, AStopLeavesAKeyedWriteInDoubtSendingNeverNotSent) {
  FakeCalls calls(5, /*write=*/true, /*can_look_up=*/true, /*keys=*/true);
  calls.send = [](const std::vector<std::string>&, int n, std::vector<IdResult>*) {
    if (n == 0) return InDoubt();
    // Then refused with a wait past --give_up_after: the run stops.
    return FacadeStatus(grpc::StatusCode::RESOURCE_EXHAUSTED, "DAILY_BUDGET_RESERVED", {},
                        absl::Hours(5));
  };
  Sink sink;
  RunOptions options = Fast();
  options.parallel = 1;
  options.give_up_after = absl::Minutes(1);
  ManyIdRun run(&calls, options, sink.Get());
  const RunReport report = run.Run(Ids(5), {});
  EXPECT_TRUE(report.stopped);
  EXPECT_THAT(calls.Sent(), SizeIs(2));
  // Gong may have acted on the first attempt: a resume must send the same
  // call with the same key, so nothing says `not_sent`.
  for (const IdResult& line : sink.Lines()) {
    EXPECT_EQ(line.outcome, IdOutcome::kSending) << line.id;
    EXPECT_EQ(line.key, "key:1000,1001,1002,1003,1004");
  }
}

TEST(ManyIdRunTest, ResendsAStoppedRunsCallInDoubtWholeWithItsKey) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true, /*keys=*/true);
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  run.ResendInDoubt({{"old-key", {"A", "B"}}});
  const RunReport report = run.Run({"C"}, {});
  EXPECT_EQ(report.total, 3u);
  EXPECT_EQ(report.Count(IdOutcome::kUnassigned), 3u);
  EXPECT_THAT(calls.LookedUp(), IsEmpty());
  const auto sent = calls.Sent();
  const auto keys = calls.KeysSent();
  ASSERT_THAT(sent, SizeIs(2));
  for (size_t i = 0; i < sent.size(); ++i) {
    if (sent[i].front() == "A") {
      EXPECT_THAT(sent[i], ElementsAre("A", "B"));
      EXPECT_EQ(keys[i], "old-key");
    } else {
      EXPECT_EQ(keys[i], "key:C");
    }
  }
  // Already marked with that key by the stopped run: not marked again.
  EXPECT_THAT(SendingKeys(sink, "A"), IsEmpty());
  EXPECT_THAT(SendingKeys(sink, "C"), ElementsAre("key:C"));
}

TEST(ManyIdRunTest, IdsTheFacadeRefusesLeaveTheRestACallWithAKeyOfItsOwn) {
  FakeCalls calls(200, /*write=*/true, /*can_look_up=*/true, /*keys=*/true);
  calls.send = [](const std::vector<std::string>& ids, int,
                  std::vector<IdResult>* results) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == "bad") {
        return InvalidRequestStatus({{absl::StrCat("flow_instance_ids[", i, "]"), "no"}});
      }
    }
    return FakeCalls::Done(ids, results);
  };
  Sink sink;
  ManyIdRun run(&calls, Fast(), sink.Get());
  run.Run({"1", "bad", "2"}, {});
  EXPECT_THAT(calls.KeysSent(), ElementsAre("key:1,bad,2", "key:1,2"));
  // Marked again with the key the call that carries them has.
  EXPECT_THAT(SendingKeys(sink, "1"), ElementsAre("key:1,bad,2", "key:1,2"));
}

}  // namespace
}  // namespace gong::cli
