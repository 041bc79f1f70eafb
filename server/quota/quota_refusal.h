// The quota steward's own answers: a call refused here, never sent to Gong,
// to keep within Gong's quota. Not Gong's errors: Gong never saw the call.
#pragma once

#include <algorithm>
#include <variant>

#include "absl/time/time.h"
#include "upstream/gong_answer.h"

namespace gong::quota {

struct QuotaRefusal {
  enum class Reason {
    kQueueFull,          // too many calls already wait for their turn
    kWouldMissDeadline,  // the call's turn would come after its deadline
    // The day's Gong requests reached the daily limit minus the reserve:
    // what is left of the day is kept for interactive calls, so background
    // calls are refused until the next UTC midnight.
    kDailyBudgetReserved,
    // The day's Gong requests reached the daily limit: every call is
    // refused until the next UTC midnight, rather than sent for Gong's 429.
    kDailyLimitReached,
  };

  // `retry_after`: when a turn could come (at least 1 ms).
  static QuotaRefusal QueueFull(absl::Duration retry_after) {
    return {Reason::kQueueFull, std::max(retry_after, absl::Milliseconds(1))};
  }
  static QuotaRefusal WouldMissDeadline(absl::Duration retry_after) {
    return {Reason::kWouldMissDeadline, std::max(retry_after, absl::Milliseconds(1))};
  }

  // `retry_after`: until the next UTC midnight, when the day's count starts
  // again. Not capped by the steward's max_pause: the wait is the truth.
  static QuotaRefusal DailyBudgetReserved(absl::Duration retry_after) {
    return {Reason::kDailyBudgetReserved, std::max(retry_after, absl::Milliseconds(1))};
  }
  static QuotaRefusal DailyLimitReached(absl::Duration retry_after) {
    return {Reason::kDailyLimitReached, std::max(retry_after, absl::Milliseconds(1))};
  }

  Reason reason;
  absl::Duration retry_after;
};

// What a call through the steward ends with: Gong's answer, Gong's error (or
// the failure that left no answer), or the steward's refusal.
using QuotaOutcome =
    std::variant<upstream::GongAnswer, upstream::GongError, QuotaRefusal>;

}  // namespace gong::quota
