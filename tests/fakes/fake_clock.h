// A Clock whose time moves only when a test says so; due tasks run inside
// Advance(), on the test's thread, in time order.
#pragma once

#include <map>
#include <utility>

#include "base/clock.h"

namespace gong::fakes {

class FakeClock final : public base::Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000))
      : now_(start) {}

  absl::Time Now() override { return now_; }

  void RunAt(absl::Time when, Task task) override {
    tasks_.emplace(std::make_pair(when, sequence_++), std::move(task));
  }

  // Moves time forward by `d`, running every task that falls due on the way
  // at its own time (tasks may add tasks).
  void Advance(absl::Duration d) {
    const absl::Time end = now_ + d;
    while (!tasks_.empty() && tasks_.begin()->first.first <= end) {
      auto node = tasks_.extract(tasks_.begin());
      now_ = std::max(now_, node.key().first);
      std::move(node.mapped())();
    }
    now_ = end;
  }

  size_t pending_tasks() const { return tasks_.size(); }

 private:
  absl::Time now_;
  uint64_t sequence_ = 0;
  std::map<std::pair<absl::Time, uint64_t>, Task> tasks_;
};

}  // namespace gong::fakes
