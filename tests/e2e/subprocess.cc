#include "subprocess.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace gong::e2e {

Subprocess::Subprocess(std::vector<std::string> argv,
                       std::map<std::string, std::string> env) {
  // Everything the child needs is made before fork(): in the child of a
  // threaded process (gRPC's threads, other subprocesses' readers) malloc
  // may wait forever for a lock another thread held at the fork, so the
  // child only calls async-signal-safe functions.
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (env.count(entry.substr(0, entry.find('='))) == 0) environment.push_back(entry);
  }
  for (const auto& [name, value] : env) {
    if (!value.empty()) environment.push_back(absl::StrCat(name, "=", value));
  }
  std::vector<char*> envp;
  for (std::string& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) std::abort();
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the process that started it, even one that crashed before
    // its destructors could stop it (prctl: with the forking thread, in
    // fact, which here is always a long-lived one).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    execve(args[0], args.data(), envp.data());
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

void Subprocess::Captured::Append(absl::string_view data) {
  const size_t to_head =
      std::min(data.size(), kMaxKept - std::min(kMaxKept, head.size()));
  head.append(data.data(), to_head);
  data.remove_prefix(to_head);
  if (data.empty()) return;
  dropped += data.size();
  tail.append(data.data(), data.size());
  if (tail.size() > kTailKept) {
    tail.erase(0, tail.size() - kTailKept);
  }
}

std::string Subprocess::Captured::Text() const {
  if (dropped == 0) return head;
  return absl::StrCat(head, "\n[... ", dropped - tail.size(), " bytes left out ...]\n",
                      tail);
}

void Subprocess::Drain(int fd, Captured* sink) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    {
      absl::MutexLock lock(&mu_);
      sink->Append(absl::string_view(buffer, n));
    }
    // Lets lines gather in the pipe (64 KiB), so a server logging every
    // call costs this process (a load generator, say) one wake-up per
    // pause rather than one per line.
    absl::SleepFor(absl::Milliseconds(5));
  }
  close(fd);
  absl::MutexLock lock(&mu_);
  ++streams_ended_;
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
  // The child has exited, but its last lines may still be in the pipes:
  // Stdout() and Stderr() right after Wait() must hold everything it wrote
  // (on a loaded machine the readers can be a while behind). Bounded, in
  // case a grandchild still holds a pipe open.
  auto drained = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return streams_ended_ == 2; };
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(&drained),
                        std::max(end, absl::Now() + absl::Seconds(5)));
  return exit_code_;
}

std::string Subprocess::Stdout() {
  absl::MutexLock lock(&mu_);
  return stdout_.Text();
}

std::string Subprocess::Stderr() {
  absl::MutexLock lock(&mu_);
  return stderr_.Text();
}

bool Subprocess::WaitForOutput(const std::string& text, absl::Duration timeout) {
  auto seen = [this, &text]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const Captured* c : {&stdout_, &stderr_}) {
      if (c->head.find(text) != std::string::npos ||
          c->tail.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
}

}  // namespace gong::e2e
