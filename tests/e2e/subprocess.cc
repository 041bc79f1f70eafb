#include "subprocess.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace gong::testing {

Subprocess::Subprocess(std::vector<std::string> argv,
                       std::map<std::string, std::string> env) {
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) std::abort();
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    for (const auto& [name, value] : env) {
      if (value.empty()) {
        unsetenv(name.c_str());
      } else {
        setenv(name.c_str(), value.c_str(), 1);
      }
    }
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_reader_ = std::thread([this, fd = out[0]] { Drain(fd, &stdout_); });
  err_reader_ = std::thread([this, fd = err[0]] { Drain(fd, &stderr_); });
}

Subprocess::~Subprocess() {
  if (exit_code_ < 0) {
    kill(pid_, SIGKILL);
    Wait(absl::Seconds(10));
  }
  out_reader_.join();
  err_reader_.join();
}

void Subprocess::Drain(int fd, std::string* sink) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    absl::MutexLock lock(&mu_);
    sink->append(buffer, std::min<size_t>(n, kMaxKept - std::min(kMaxKept, sink->size())));
  }
  close(fd);
}

void Subprocess::Signal(int signal_number) { kill(pid_, signal_number); }

int Subprocess::Wait(absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (exit_code_ < 0) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else if (absl::Now() >= end) {
      return -1;
    } else {
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  return exit_code_;
}

std::string Subprocess::Stdout() {
  absl::MutexLock lock(&mu_);
  return stdout_;
}

std::string Subprocess::Stderr() {
  absl::MutexLock lock(&mu_);
  return stderr_;
}

bool Subprocess::WaitForOutput(const std::string& text, absl::Duration timeout) {
  auto seen = [this, &text]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stdout_.find(text) != std::string::npos ||
           stderr_.find(text) != std::string::npos;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
}

}  // namespace gong::testing
