#include "base/clock.h"

#include <queue>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "base/thread_name.h"

namespace gong::base {
namespace {

class RealClock final : public Clock {
 public:
  RealClock()
      : thread_([this] {
          NameThisThread("quota-timer");
          Run();
        }) {}

  ~RealClock() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }

  absl::Time Now() override { return absl::Now(); }

  void RunAt(absl::Time when, Task task) override {
    absl::MutexLock lock(&mu_);
    tasks_.push(Entry{when, sequence_++, std::move(task)});
  }

 private:
  struct Entry {
    absl::Time when;
    uint64_t sequence;  // keeps equal times in the order they were added
    mutable Task task;
    bool operator>(const Entry& other) const {
      return when != other.when ? when > other.when : sequence > other.sequence;
    }
  };

  void Run() {
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      const absl::Time next = tasks_.empty() ? absl::InfiniteFuture() : tasks_.top().when;
      if (next > absl::Now()) {
        // Wakes for a new task (it may be earlier), for stop, or at `next`.
        auto changed = [this, next, size = tasks_.size()]()
                           ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                             return stopping_ || tasks_.size() != size ||
                                    (!tasks_.empty() && tasks_.top().when < next);
                           };
        mu_.AwaitWithDeadline(absl::Condition(&changed), next);
        continue;
      }
      Task task = std::move(tasks_.top().task);
      tasks_.pop();
      mu_.Unlock();
      std::move(task)();
      mu_.Lock();
    }
  }

  absl::Mutex mu_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> tasks_
      ABSL_GUARDED_BY(mu_);
  uint64_t sequence_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Clock> MakeRealClock() { return std::make_unique<RealClock>(); }

}  // namespace gong::base
