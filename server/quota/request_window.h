// Where the quota's rate limit lives: slots for Gong requests. The steward
// asks it when a request may go and records each send; the window alone
// knows how sends are counted. The local one is sliding_window.h; the one
// every replica shares, in Redis, is shared_window.h. Neither touches the
// queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace gong::quota {

class RequestWindow {
 public:
  virtual ~RequestWindow() = default;

  // The earliest time at or after `now` when the k-th send from now
  // (k = 0: the next one) may go, if every earlier one goes as soon as it
  // may. Exact for a local window; a shared one cannot know the other
  // replicas' future sends and answers its best (optimistic) guess. Tells
  // a waiting call when its turn comes.
  virtual absl::Time SlotTime(absl::Time now, size_t k) const = 0;

  // When the next send may go, at or after `earliest` (>= now: later while
  // the steward pauses): what the steward sends by. A window that must ask
  // someone else (a shared one) may not know yet: it then asks, answers
  // InfiniteFuture, and runs the waker (SetWaker) once it knows.
  virtual absl::Time NextSlot(absl::Time now, absl::Time earliest) {
    (void)now;
    return SlotTime(earliest, 0);
  }

  // Takes a slot: records a send at `when`; returns a ticket for Delay().
  virtual uint64_t Record(absl::Time when) = 0;

  // Moves the send `ticket` to `later` if that is later: for a request
  // known to have reached Gong later than it was sent.
  virtual void Delay(uint64_t ticket, absl::Time later) = 0;

  // Gong answered 429 and asked for a pause until `until`. The steward
  // pauses its own queue; a shared window also tells the other replicas.
  virtual void Pause(absl::Time now, absl::Time until) {
    (void)now;
    (void)until;
  }

  // The company's Gong requests this UTC day, when the window knows them
  // (a shared one does); otherwise the steward counts its own.
  virtual std::optional<int64_t> RequestsToday(absl::Time now) const {
    (void)now;
    return std::nullopt;
  }

  // "redis" or "local": where the slots come from now (the metrics' label).
  virtual const char* backend() const { return "local"; }

  // `wake` is to run (never inside a call of this interface, nor under any
  // lock the window holds) whenever the window knows something new that may
  // change a waiting call's turn: a slot granted, a backend changed. Set
  // once, before any other call; it must stay callable until the window is
  // destroyed.
  virtual void SetWaker(absl::AnyInvocable<void()> wake) { (void)wake; }
};

}  // namespace gong::quota
