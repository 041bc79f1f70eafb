// The fixture the quota steward's tests share (quota_steward_*_test.cc):
// a steward with a fake clock and a fake Gong, both owned by the steward,
// callers that record their one outcome, and the failures Gong may answer
// with. Time moves only by FakeClock::Advance: no test sleeps.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_gong_client.h"
#include "gtest/gtest.h"
#include "quota/quota_steward.h"
#include "quota/unassign_by_instance_ids_coalescing.h"
#include "upstream/unassign_by_instance_ids_codec.h"

namespace gong::quota {

inline upstream::GongError HttpError(int status,
                                     std::optional<absl::Duration> retry_after = {}) {
  return upstream::GongError::HttpStatus(status, "", {}, retry_after);
}

inline upstream::GongError ConnectFailed() {
  return upstream::GongError::NoAnswer(upstream::GongError::Kind::kConnectFailed,
                                       "connection refused",
                                       /*may_have_acted=*/false);
}

inline upstream::GongError TimedOut() {
  return upstream::GongError::NoAnswer(upstream::GongError::Kind::kTimedOut, "timed out",
                                       /*may_have_acted=*/true);
}

// The connection broke after the request went out: Gong may have acted.
inline upstream::GongError Dropped() {
  return upstream::GongError::NoAnswer(upstream::GongError::Kind::kConnectionDropped,
                                       "connection reset",
                                       /*may_have_acted=*/true);
}

inline std::vector<std::string> Ids(int first, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(first + i));
  return ids;
}

class QuotaStewardTest : public ::testing::Test {
 protected:
  // One caller's view: its outcome, once it came (exactly once).
  struct Caller {
    std::optional<QuotaOutcome> outcome;
    QuotaSteward::CallId id = 0;

    bool done() const { return outcome.has_value(); }
    const upstream::GongAnswer& answer() const {
      return std::get<upstream::GongAnswer>(*outcome);
    }
    // Gong's answer read as an unassign result, as the caller's codec would.
    upstream::UnassignByInstanceIdsResult result() const {
      return std::get<upstream::UnassignByInstanceIdsResult>(upstream::DecodeOutcome(
          answer(), upstream::DecodeUnassignByInstanceIdsResponse));
    }
    const upstream::GongError& error() const {
      return std::get<upstream::GongError>(*outcome);
    }
    const QuotaRefusal& refusal() const { return std::get<QuotaRefusal>(*outcome); }
  };

  // A steward owning a fresh fake Gong and fake clock, reached through
  // gong_ and clock_ while it lives; the window is the sliding one unless
  // `window` is given.
  void Start(QuotaOptions options, std::unique_ptr<RequestWindow> window = nullptr) {
    auto gong = std::make_unique<fakes::FakeGongClient>();
    auto clock = std::make_unique<fakes::FakeClock>();
    gong_ = gong.get();
    clock_ = clock.get();
    if (window == nullptr) {
      steward_ =
          std::make_unique<QuotaSteward>(std::move(gong), std::move(clock), options);
    } else {
      steward_ = std::make_unique<QuotaSteward>(std::move(gong), std::move(clock),
                                                std::move(window), options);
    }
  }

  static QuotaOptions Qps(int qps, bool coalesce = true) {
    QuotaOptions options;
    options.gong_qps = qps;
    options.coalesce = coalesce;
    return options;
  }

  Caller* Submit(upstream::GongRequest request, std::unique_ptr<Coalescable> part) {
    callers_.emplace_back();
    Caller* caller = &callers_.back();
    caller->id = steward_->Submit(
        std::move(request), std::move(part), [caller](QuotaOutcome outcome) {
          EXPECT_FALSE(caller->done()) << "a second outcome for call " << caller->id;
          caller->outcome = std::move(outcome);
        });
    return caller;
  }

  // An unassign call, with its part for coalescing.
  Caller* Call(std::vector<std::string> ids, std::string email = "",
               absl::Duration timeout = absl::Seconds(60)) {
    upstream::UnassignByInstanceIdsParams request{std::move(ids), std::move(email)};
    upstream::GongRequest gong_request =
        upstream::EncodeUnassignByInstanceIds(request, clock_->Now() + timeout);
    return Submit(std::move(gong_request), coalescing_.Part(std::move(request)));
  }

  // An unassign call from caller `queue_key`, waiting with `priority`.
  Caller* CallAs(upstream::Priority priority, std::string queue_key,
                 std::vector<std::string> ids, std::string email = "",
                 absl::Duration timeout = absl::Seconds(60)) {
    upstream::UnassignByInstanceIdsParams request{std::move(ids), std::move(email)};
    upstream::GongRequest gong_request =
        upstream::EncodeUnassignByInstanceIds(request, clock_->Now() + timeout);
    gong_request.priority = priority;
    gong_request.queue_key = std::move(queue_key);
    return Submit(std::move(gong_request), coalescing_.Part(std::move(request)));
  }

  // Another endpoint's request, which no policy merges.
  upstream::GongRequest Read(
      std::string path = "/v2/flows",
      upstream::Idempotency idempotency = upstream::Idempotency::kIdempotent,
      absl::Duration timeout = absl::Seconds(60)) {
    upstream::GongRequest request;
    request.method = "GET";
    request.path = std::move(path);
    request.deadline = clock_->Now() + timeout;
    request.idempotency = idempotency;
    return request;
  }

  // Gong removes every id it is asked for.
  void AnswerAll(upstream::GongClient::CallId id) {
    gong_->AnswerUnassigned(
        id, upstream::UnassignByInstanceIdsResult{absl::StrCat("req-", id),
                                                  gong_->unassign(id).flow_instance_ids});
  }

  // Declared before the steward, which calls back callers and holds parts.
  UnassignByInstanceIdsCoalescing coalescing_;
  std::deque<Caller> callers_;             // stable addresses
  fakes::FakeGongClient* gong_ = nullptr;  // owned by steward_
  fakes::FakeClock* clock_ = nullptr;      // owned by steward_
  std::unique_ptr<QuotaSteward> steward_;
};

}  // namespace gong::quota
