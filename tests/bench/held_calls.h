// Many gRPC calls held open at once, cheaply: the callers of the waiting
// scenario, whose calls sit in the facade's quota queue until they cancel.
// Each call is a ClientContext and two small messages on one channel,
// driven by gRPC's callback API, so 10,000 of them cost no thread each.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace gong::bench {

class HeldCalls {
 public:
  // Opens a channel to `address` (HOST:PORT); no call yet.
  explicit HeldCalls(const std::string& address);
  // Cancels what is still open and waits for every call to end.
  ~HeldCalls();

  // Starts `n` more FlowService.UnassignByInstanceIds calls, one distinct id
  // each, with `deadline` from now; returns at once.
  void Start(int n, absl::Duration deadline);
  // Cancels every call still open (each ends CANCELLED on our side, and the
  // server sees its cancellation), without waiting.
  void CancelAll();
  // Waits until `n` calls have ended, for at most `timeout`; whether they had.
  bool AwaitEnded(int64_t n, absl::Duration timeout);
  // The calls ended so far, by gRPC code name.
  std::map<std::string, int64_t> Outcomes();

 private:
  struct Stub;
  struct Call;
  struct Ended;

  std::unique_ptr<Stub> stub_;
  // Kept until every call has ended: CancelAll may reach any of them. The
  // stub (and its channel) outlives them, so that the channel is never
  // released on one of gRPC's callback threads.
  std::vector<std::unique_ptr<Call>> calls_;
  // Shared with the callbacks, which may still be unwinding when the last
  // of them has been counted.
  std::shared_ptr<Ended> ended_;
};

}  // namespace gong::bench
