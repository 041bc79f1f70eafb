// Runs a program of the build as a child process for end-to-end tests and
// benchmarks: given arguments and extra environment, with the start of its
// stdout and stderr collected, and signals and waiting with a time limit.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace gong::e2e {

class Subprocess {
 public:
  // Starts `argv[0]` with `argv`; `env` is added to (or, with an empty
  // value, removed from) this process's environment.
  Subprocess(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ~Subprocess();  // SIGKILLs the child if it still runs.

  void Signal(int signal_number);
  pid_t pid() const { return pid_; }

  // The exit code once the child exited (a signal death reads as
  // 128 + signal), or -1 if it still runs after `timeout`. Once it returns
  // an exit code, Stdout() and Stderr() hold all the child wrote.
  int Wait(absl::Duration timeout);

  // Each stream keeps its first kMaxKept bytes (startup lines) and its last
  // kTailKept (how it ended: a sanitizer's report, say); what lies between
  // is read and dropped, so a chatty child (a server logging every call
  // under load) neither blocks on a full pipe nor grows this process.
  static constexpr size_t kMaxKept = 1 << 20;
  static constexpr size_t kTailKept = 64 << 10;
  // What was written so far, within those bounds.
  std::string Stdout();
  std::string Stderr();

  // Waits until stdout or stderr holds `text`; false after `timeout`.
  bool WaitForOutput(const std::string& text, absl::Duration timeout);

 private:
  struct Captured {
    std::string head, tail;
    size_t dropped = 0;  // bytes past head, including those in tail
    void Append(absl::string_view data);
    std::string Text() const;
  };
  void Drain(int fd, Captured* sink);

  pid_t pid_ = -1;
  int exit_code_ = -1;
  absl::Mutex mu_;
  Captured stdout_ ABSL_GUARDED_BY(mu_);
  Captured stderr_ ABSL_GUARDED_BY(mu_);
  int streams_ended_ ABSL_GUARDED_BY(mu_) = 0;  // readers that saw end of file
  std::thread out_reader_;
  std::thread err_reader_;
};

}  // namespace gong::e2e
