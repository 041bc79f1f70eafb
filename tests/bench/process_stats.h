// What /proc says about another process: its memory, its CPU time and its
// threads' voluntary context switches. getrusage() answers only for the
// calling process (and its waited-for children), so the benchmark reads the
// servers it starts from /proc instead.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>

namespace gong::bench {

// Voluntary context switches of one process, thread by thread, at one
// moment (/proc/<pid>/task/*/status): a thread switches voluntarily when it
// blocks (a read, a futex, epoll) rather than being preempted, so the count
// is the thread wake-ups a call costs.
using SwitchesByThread = std::map<pid_t, int64_t>;

// The difference between two snapshots of SwitchesByThread.
struct SwitchesDelta {
  // Switches made in between: a thread seen in both counts the difference,
  // a thread born in between counts all of its own (it started at 0). A
  // thread that ended in between is lost: the kernel keeps no per-thread
  // count for it, and the process-wide total that includes the dead
  // (getrusage's ru_nvcsw) is not readable from outside. So with
  // `threads_gone` > 0 the figure is a lower bound.
  int64_t switches = 0;
  int threads_born = 0;
  int threads_gone = 0;
};

class ProcessStats {
 public:
  explicit ProcessStats(pid_t pid) : pid_(pid) {}

  // Resident and peak resident memory (VmRSS, VmHWM) in bytes; 0 if gone.
  int64_t Rss() const;
  int64_t PeakRss() const;
  // User plus system CPU time so far, of all threads, those ended included.
  double CpuSeconds() const;
  // Each live thread's voluntary context switches so far.
  SwitchesByThread VoluntarySwitches() const;

 private:
  int64_t StatusBytes(const char* field) const;

  const pid_t pid_;
};

SwitchesDelta Difference(const SwitchesByThread& before, const SwitchesByThread& after);

}  // namespace gong::bench
