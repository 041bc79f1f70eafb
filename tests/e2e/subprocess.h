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

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace gong::testing {

class Subprocess {
 public:
  // Starts `argv[0]` with `argv`; `env` is added to (or, with an empty
  // value, removed from) this process's environment.
  Subprocess(std::vector<std::string> argv,
             std::map<std::string, std::string> env = {});
  ~Subprocess();  // SIGKILLs the child if it still runs.

  void Signal(int signal_number);
  pid_t pid() const { return pid_; }

  // The exit code once the child exited (a signal death reads as
  // 128 + signal), or -1 if it still runs after `timeout`.
  int Wait(absl::Duration timeout);

  // Each stream keeps its first kMaxKept bytes (startup lines and errors);
  // the rest is read and dropped, so a chatty child (a server logging every
  // call under load) neither blocks on a full pipe nor grows this process.
  static constexpr size_t kMaxKept = 1 << 20;
  // What was written so far, up to kMaxKept.
  std::string Stdout();
  std::string Stderr();

  // Waits until stdout or stderr holds `text`; false after `timeout`.
  bool WaitForOutput(const std::string& text, absl::Duration timeout);

 private:
  void Drain(int fd, std::string* sink);

  pid_t pid_ = -1;
  int exit_code_ = -1;
  absl::Mutex mu_;
  std::string stdout_ ABSL_GUARDED_BY(mu_);
  std::string stderr_ ABSL_GUARDED_BY(mu_);
  std::thread out_reader_;
  std::thread err_reader_;
};

}  // namespace gong::testing
