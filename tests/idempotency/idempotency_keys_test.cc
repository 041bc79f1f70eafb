// The claim protocol over the memory store and a fake clock: every verdict
// of Begin, waiting on another call's claim, taking over a claim in doubt,
// lost or unreadable, and ending a claim that is no longer ours. Also the
// keys themselves (CheckKey) and their scopes (StoreKeyOf).
#include "idempotency/idempotency_keys.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fakes/fake_clock.h"
#include "gtest/gtest.h"
#include "idempotency/memory_key_store.h"

namespace gong::idempotency {
namespace {

using Claim = IdempotencyKeys::Claim;
using Verdict = IdempotencyKeys::Verdict;

const KeyScope kScope = {"onyx", "AssignProspects", "run-1/chunk-7"};

StoredOutcome Answer() {
  StoredOutcome outcome;
  outcome.code = 0;
  outcome.response = std::string(
      "\x0a\x03"
      "abc",
      5);
  return outcome;
}

class IdempotencyKeysTest : public ::testing::Test {
 protected:
  IdempotencyKeysTest() : store_(&clock_, 100), keys_(&store_, &clock_, Options()) {}

  static KeysOptions Options() {
    KeysOptions options;
    options.ttl = absl::Hours(24);
    options.poll_interval = absl::Milliseconds(100);
    return options;
  }

  // Begin, whose answer (if it came yet) lands in the returned slot.
  std::shared_ptr<std::optional<Claim>> Start(
      const std::string& fingerprint, absl::Duration claim_for = absl::Seconds(30),
      absl::Duration wait_for = absl::Seconds(10),
      std::function<bool()> cancelled = nullptr, const KeyScope& scope = kScope) {
    auto slot = std::make_shared<std::optional<Claim>>();
    keys_.Begin(scope, fingerprint, clock_.Now() + claim_for, clock_.Now() + wait_for,
                std::move(cancelled), [slot](Claim claim) { *slot = std::move(claim); });
    return slot;
  }

  Claim Begin(const std::string& fingerprint) {
    auto slot = Start(fingerprint);
    EXPECT_TRUE(slot->has_value()) << "Begin did not answer at once";
    return slot->has_value() ? **slot : Claim{};
  }

  absl::Status Finish(const Claim& claim, StoredOutcome outcome = Answer()) {
    return Ended([&](IdempotencyKeys::Ended done) {
      keys_.Finish(claim, std::move(outcome), std::move(done));
    });
  }
  absl::Status MarkInDoubt(const Claim& claim) {
    return Ended(
        [&](IdempotencyKeys::Ended done) { keys_.MarkInDoubt(claim, std::move(done)); });
  }
  absl::Status Release(const Claim& claim) {
    return Ended(
        [&](IdempotencyKeys::Ended done) { keys_.Release(claim, std::move(done)); });
  }

  template <typename Call>
  absl::Status Ended(Call call) {
    std::optional<absl::Status> status;
    call([&](absl::Status s) { status = std::move(s); });
    EXPECT_TRUE(status.has_value());
    return status.value_or(absl::UnknownError("no answer"));
  }

  std::optional<std::string> Stored(const KeyScope& scope = kScope) {
    std::optional<std::string> value;
    store_.Get(StoreKeyOf(scope),
               [&](absl::StatusOr<std::optional<std::string>> v) { value = *v; });
    return value;
  }

  fakes::FakeClock clock_;
  MemoryKeyStore store_;
  IdempotencyKeys keys_;
};

TEST_F(IdempotencyKeysTest, TheFirstCallGoesAheadHoldingARunningClaim) {
  const absl::Time until = clock_.Now() + absl::Seconds(30);
  const Claim claim = Begin("fp-1");
  EXPECT_EQ(claim.verdict, Verdict::kGoAhead);
  EXPECT_EQ(claim.store_key, StoreKeyOf(kScope));
  ASSERT_EQ(Stored(), claim.claimed);
  absl::StatusOr<Record> record = DecodeRecord(claim.claimed);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state, Record::State::kRunning);
  EXPECT_EQ(record->fingerprint, "fp-1");
  EXPECT_EQ(record->claim_until, until);
  EXPECT_EQ(record->owner.size(), 32u);
  EXPECT_EQ(record->owner.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(IdempotencyKeysTest, EachClaimHasAnOwnerOfItsOwn) {
  const Claim first = Begin("fp-1");
  ASSERT_TRUE(Release(first).ok());
  const Claim second = Begin("fp-1");
  EXPECT_NE(DecodeRecord(first.claimed)->owner, DecodeRecord(second.claimed)->owner);
}

TEST_F(IdempotencyKeysTest, AFinishedCallIsReplayedWithItsWholeAnswer) {
  const Claim claim = Begin("fp-1");
  StoredOutcome refused;
  refused.code = 9;
  refused.message = "Gong refused the whole request";
  refused.details = "\x08\x09";
  refused.settled = true;
  ASSERT_TRUE(Finish(claim, refused).ok());
  const Claim replay = Begin("fp-1");
  EXPECT_EQ(replay.verdict, Verdict::kReplay);
  EXPECT_EQ(replay.outcome, refused);
  EXPECT_TRUE(replay.claimed.empty());
  EXPECT_EQ(Begin("fp-1").verdict, Verdict::kReplay);  // as often as asked
}

TEST_F(IdempotencyKeysTest, AnotherRequestWithTheKeyIsRefusedFinishedOrRunning) {
  const Claim claim = Begin("fp-1");
  EXPECT_EQ(Begin("fp-2").verdict, Verdict::kReused);  // while running
  ASSERT_TRUE(MarkInDoubt(claim).ok());
  EXPECT_EQ(Begin("fp-2").verdict, Verdict::kReused);  // in doubt: not taken over
  const Claim settling = Begin("fp-1");
  ASSERT_EQ(settling.verdict, Verdict::kSettle);
  ASSERT_TRUE(Finish(settling).ok());
  EXPECT_EQ(Begin("fp-2").verdict, Verdict::kReused);  // done
}

TEST_F(IdempotencyKeysTest, ACallInDoubtIsSettledByTheNextHoldingTheClaim) {
  ASSERT_TRUE(MarkInDoubt(Begin("fp-1")).ok());
  const Claim settling = Begin("fp-1");
  EXPECT_EQ(settling.verdict, Verdict::kSettle);
  EXPECT_EQ(Stored(), settling.claimed);
  EXPECT_EQ(DecodeRecord(*Stored())->state, Record::State::kRunning);
  // The settling call holds the key: a third waits for it.
  auto third = Start("fp-1");
  EXPECT_FALSE(third->has_value());
  ASSERT_TRUE(Finish(settling).ok());
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_TRUE(third->has_value());
  EXPECT_EQ((*third)->verdict, Verdict::kReplay);
}

TEST_F(IdempotencyKeysTest, AfterReleaseTheKeyIsFreeAgain) {
  const Claim claim = Begin("fp-1");
  ASSERT_TRUE(Release(claim).ok());
  EXPECT_EQ(Stored(), std::nullopt);
  EXPECT_EQ(Begin("fp-1").verdict, Verdict::kGoAhead);
}

TEST_F(IdempotencyKeysTest, AReleasedKeyMayCarryAnotherRequest) {
  ASSERT_TRUE(Release(Begin("fp-1")).ok());
  EXPECT_EQ(Begin("fp-2").verdict, Verdict::kGoAhead);
}

TEST_F(IdempotencyKeysTest, ASecondCallWaitsForTheFirstAndGetsItsAnswer) {
  const Claim first = Begin("fp-1");
  auto second = Start("fp-1");
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(absl::Milliseconds(100));
    ASSERT_FALSE(second->has_value()) << "answered while the first still ran";
  }
  ASSERT_TRUE(Finish(first).ok());
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->verdict, Verdict::kReplay);
  EXPECT_EQ((*second)->outcome, Answer());
}

TEST_F(IdempotencyKeysTest, AWaitingCallGoesAheadWhenTheFirstReleases) {
  const Claim first = Begin("fp-1");
  auto second = Start("fp-1");
  ASSERT_TRUE(Release(first).ok());
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->verdict, Verdict::kGoAhead);
}

TEST_F(IdempotencyKeysTest, AClaimPastItsTimeIsTakenOverAndSettled) {
  const Claim first = Begin("fp-1");  // claimed for 30 s
  auto second = Start("fp-1", absl::Seconds(30), absl::Seconds(60));
  clock_.Advance(absl::Seconds(30) - absl::Milliseconds(100));
  ASSERT_FALSE(second->has_value());
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->verdict, Verdict::kSettle);
  // The first call, back late, finds its claim gone and stores nothing.
  const absl::Status late = Finish(first);
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MarkInDoubt(first).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Release(first).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Stored(), (*second)->claimed);
  EXPECT_TRUE(Finish(**second).ok());
}

TEST_F(IdempotencyKeysTest, AWaitingCallGivesUpAtItsDeadline) {
  const Claim first = Begin("fp-1");
  auto second = Start("fp-1", absl::Seconds(30), absl::Milliseconds(450));
  clock_.Advance(absl::Milliseconds(300));
  ASSERT_FALSE(second->has_value());
  clock_.Advance(absl::Milliseconds(100));  // 400 ms: the next look would be past 450
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->verdict, Verdict::kTimedOut);
  EXPECT_TRUE((*second)->claimed.empty());
  EXPECT_EQ(Stored(), first.claimed);  // the first's claim untouched
}

TEST_F(IdempotencyKeysTest, ACallWithNoTimeToWaitTimesOutAtOnce) {
  Begin("fp-1");
  auto second = Start("fp-1", absl::Seconds(30), absl::Milliseconds(50));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->verdict, Verdict::kTimedOut);
}

TEST_F(IdempotencyKeysTest, ACancelledCallStopsWaiting) {
  Begin("fp-1");
  bool cancelled = false;
  auto second =
      Start("fp-1", absl::Seconds(30), absl::Seconds(10), [&] { return cancelled; });
  clock_.Advance(absl::Milliseconds(200));
  ASSERT_FALSE(second->has_value());
  cancelled = true;
  clock_.Advance(absl::Milliseconds(100));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->verdict, Verdict::kTimedOut);
  EXPECT_EQ(clock_.pending_tasks(), 0u);
}

TEST_F(IdempotencyKeysTest, ACallCancelledBeforeItBeginsClaimsNothing) {
  auto call = Start("fp-1", absl::Seconds(30), absl::Seconds(10), [] { return true; });
  ASSERT_TRUE(call->has_value());
  EXPECT_EQ((*call)->verdict, Verdict::kTimedOut);
  EXPECT_EQ(Stored(), std::nullopt);
}

TEST_F(IdempotencyKeysTest, AnUnreadableRecordIsTakenOverAndSettled) {
  for (const std::string& tampered :
       {std::string("garbage"), std::string(""), std::string("{\"v\":2}"),
        std::string("\xff\x00", 2)}) {
    SCOPED_TRACE(tampered);
    const std::string key = StoreKeyOf(kScope);
    store_.CompareAndDelete(key, Stored().value_or(""), [](absl::StatusOr<bool>) {});
    store_.CompareAndSet(key, std::nullopt, tampered, absl::Hours(1),
                         [](absl::StatusOr<bool> set) { ASSERT_TRUE(*set); });
    const Claim claim = Begin("fp-1");
    EXPECT_EQ(claim.verdict, Verdict::kSettle);
    EXPECT_EQ(Stored(), claim.claimed);
  }
}

TEST_F(IdempotencyKeysTest, AnOutcomeTooLargeToReadBackIsSettledNotReplayed) {
  StoredOutcome huge = Answer();
  huge.response = std::string(kMaxRecordFieldBytes + 1, 'r');
  ASSERT_TRUE(Finish(Begin("fp-1"), huge).ok());
  EXPECT_EQ(Begin("fp-1").verdict, Verdict::kSettle);
}

TEST_F(IdempotencyKeysTest, KeptForTheTtlThenForgotten) {
  ASSERT_TRUE(Finish(Begin("fp-1")).ok());
  clock_.Advance(absl::Hours(24) - absl::Seconds(1));
  EXPECT_EQ(Begin("fp-1").verdict, Verdict::kReplay);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Begin("fp-2").verdict, Verdict::kGoAhead);
}

TEST_F(IdempotencyKeysTest, ScopesNeverMeet) {
  ASSERT_TRUE(Finish(Begin("fp-1")).ok());
  for (const KeyScope& other :
       {KeyScope{"other-caller", kScope.method, kScope.key},
        KeyScope{kScope.caller, "UnassignFlowsByCrmId", kScope.key},
        KeyScope{kScope.caller, kScope.method, "run-1/chunk-8"}}) {
    auto call = Start("fp-2", absl::Seconds(30), absl::Seconds(10), nullptr, other);
    ASSERT_TRUE(call->has_value());
    EXPECT_EQ((*call)->verdict, Verdict::kGoAhead);
  }
}

TEST_F(IdempotencyKeysTest, EndingSomethingThatIsNoClaimIsRefused) {
  Claim replay;
  replay.verdict = Verdict::kReplay;
  EXPECT_EQ(Finish(replay).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Release(replay).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(MarkInDoubt(replay).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(IdempotencyKeysTest, TheKeysMayGoBeforeTheirWaitingCalls) {
  // A poll falls due after the IdempotencyKeys is gone (the clock cannot
  // withdraw it): it still answers.
  auto keys = std::make_unique<IdempotencyKeys>(&store_, &clock_, Options());
  std::optional<Claim> first;
  keys->Begin(kScope, "fp-1", clock_.Now() + absl::Seconds(1), clock_.Now(), nullptr,
              [&](Claim c) { first = std::move(c); });
  std::optional<Claim> second;
  keys->Begin(kScope, "fp-1", clock_.Now() + absl::Seconds(1),
              clock_.Now() + absl::Seconds(5), nullptr,
              [&](Claim c) { second = std::move(c); });
  keys.reset();
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->verdict, Verdict::kSettle);
}

// A store whose every operation answers an error, or one that answers as
// told.
class ScriptedStore final : public KeyStore {
 public:
  absl::Status error = absl::UnavailableError("the store is down");
  bool fail_get = true;
  bool fail_set = true;
  bool fail_delete = true;
  // When not failing: CompareAndSet answers `set_answer`, Get `get_answer`.
  bool set_answer = false;
  std::optional<std::string> get_answer;
  int calls = 0;

  void Get(const std::string&, GetDone done) override {
    ++calls;
    if (fail_get) return std::move(done)(error);
    std::move(done)(get_answer);
  }
  void CompareAndSet(const std::string&, std::optional<std::string>, std::string,
                     absl::Duration, SetDone done) override {
    ++calls;
    if (fail_set) return std::move(done)(error);
    std::move(done)(set_answer);
  }
  void CompareAndDelete(const std::string&, std::string, SetDone done) override {
    ++calls;
    if (fail_delete) return std::move(done)(error);
    std::move(done)(false);
  }
};

class FailingStoreTest : public ::testing::Test {
 protected:
  Claim Begin() {
    IdempotencyKeys keys(&store_, &clock_, KeysOptions{});
    std::optional<Claim> claim;
    keys.Begin(kScope, "fp-1", clock_.Now() + absl::Seconds(30),
               clock_.Now() + absl::Seconds(10), nullptr,
               [&](Claim c) { claim = std::move(c); });
    EXPECT_TRUE(claim.has_value());
    return claim.value_or(Claim{});
  }

  fakes::FakeClock clock_;
  ScriptedStore store_;
};

TEST_F(FailingStoreTest, AStoreThatCannotClaimMeansUnavailable) {
  const Claim claim = Begin();
  EXPECT_EQ(claim.verdict, Verdict::kUnavailable);
  EXPECT_TRUE(claim.claimed.empty());
}

TEST_F(FailingStoreTest, AStoreThatCannotBeReadMeansUnavailable) {
  store_.fail_set = false;                            // the key is taken...
  EXPECT_EQ(Begin().verdict, Verdict::kUnavailable);  // ...and cannot be read
}

TEST_F(FailingStoreTest, AStoreThatCannotTakeOverMeansUnavailable) {
  // The first claim is refused (the key is held by something unreadable),
  // the take-over fails.
  int sets = 0;
  class OnceThenFail final : public KeyStore {
   public:
    explicit OnceThenFail(int* sets) : sets_(sets) {}
    void Get(const std::string&, GetDone done) override {
      std::move(done)(std::optional<std::string>("tampered"));
    }
    void CompareAndSet(const std::string&, std::optional<std::string>, std::string,
                       absl::Duration, SetDone done) override {
      if ((*sets_)++ == 0) return std::move(done)(false);
      std::move(done)(absl::DeadlineExceededError("slow"));
    }
    void CompareAndDelete(const std::string&, std::string, SetDone done) override {
      std::move(done)(false);
    }

   private:
    int* sets_;
  } store(&sets);
  IdempotencyKeys keys(&store, &clock_, KeysOptions{});
  std::optional<Claim> claim;
  keys.Begin(kScope, "fp-1", clock_.Now() + absl::Seconds(30),
             clock_.Now() + absl::Seconds(10), nullptr,
             [&](Claim c) { claim = std::move(c); });
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->verdict, Verdict::kUnavailable);
  EXPECT_EQ(sets, 2);
}

TEST_F(FailingStoreTest, AKeyThatKeepsVanishingEndsUnavailableNotInALoop) {
  // Every claim is refused and every read finds nothing: the look is made
  // a few times, not forever on one stack.
  store_.fail_get = false;
  store_.fail_set = false;
  store_.set_answer = false;
  store_.get_answer = std::nullopt;
  EXPECT_EQ(Begin().verdict, Verdict::kUnavailable);
  EXPECT_LE(store_.calls, 20);
  EXPECT_EQ(clock_.pending_tasks(), 0u);
}

TEST_F(FailingStoreTest, EndingAClaimInAFailingStoreSaysSo) {
  IdempotencyKeys keys(&store_, &clock_, KeysOptions{});
  Record running;
  running.fingerprint = "fp-1";
  Claim claim;
  claim.verdict = Verdict::kGoAhead;
  claim.store_key = StoreKeyOf(kScope);
  claim.claimed = EncodeRecord(running);
  std::vector<absl::Status> ended;
  auto collect = [&](absl::Status s) { ended.push_back(std::move(s)); };
  keys.Finish(claim, Answer(), collect);
  keys.MarkInDoubt(claim, collect);
  keys.Release(claim, collect);
  ASSERT_EQ(ended.size(), 3u);
  for (const absl::Status& status : ended) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  }
}

TEST(CheckKeyTest, AcceptsOneTo255PrintableAsciiCharacters) {
  EXPECT_TRUE(CheckKey("a").ok());
  EXPECT_TRUE(CheckKey(std::string(255, '~')).ok());
  std::string every_printable;
  for (char c = 0x20; c <= 0x7E; ++c) every_printable += c;
  EXPECT_TRUE(CheckKey(every_printable).ok());
  EXPECT_EQ(kIdempotencyKeyHeader, "idempotency-key");
}

TEST(CheckKeyTest, RefusesOthersWithoutEchoingThem) {
  const std::string long_key = "secret-" + std::string(300, 'k');
  const absl::Status too_long = CheckKey(long_key);
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(too_long.message(), "307 bytes")) << too_long;
  EXPECT_FALSE(absl::StrContains(too_long.message(), "secret-"));
  EXPECT_EQ(CheckKey(std::string(256, 'a')).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckKey("").code(), absl::StatusCode::kInvalidArgument);
  for (const std::string& bad :
       {std::string("secret\n"), std::string("secret\x7f"), std::string("secret\x80"),
        std::string("secret\0", 7), std::string("s\xc3\xa9secret"), std::string("\t")}) {
    const absl::Status status = CheckKey(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(absl::StrContains(status.message(), "secret")) << status;
  }
}

TEST(StoreKeyOfTest, IsHexSha256OfTheWholeScope) {
  const std::string key = StoreKeyOf(kScope);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(StoreKeyOf(kScope), key);
  EXPECT_FALSE(absl::StrContains(key, kScope.key));
}

TEST(StoreKeyOfTest, MovingTextBetweenPartsGivesAnotherKey) {
  // Without the lengths, ("ab", "c") and ("a", "bc") would be one text.
  EXPECT_NE(StoreKeyOf({"ab", "c", "k"}), StoreKeyOf({"a", "bc", "k"}));
  EXPECT_NE(StoreKeyOf({"a", "bc", "k"}), StoreKeyOf({"a", "b", "ck"}));
  EXPECT_NE(StoreKeyOf({"", "", "k"}), StoreKeyOf({"k", "", ""}));
  EXPECT_NE(StoreKeyOf({std::string(1, '\0'), "", ""}), StoreKeyOf({"", "", ""}));
}

}  // namespace
}  // namespace gong::idempotency
