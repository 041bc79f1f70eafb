// A real Redis for tests: Debian's redis-server as a child process on a
// free loopback port, with no persistence and a temporary directory of its
// own, so that tests running in parallel never share one. The test can
// stop and restart it on the same port (a Redis going away and coming
// back), pause it (SIGSTOP on pid(): a Redis that stops answering), and run
// commands against it synchronously to check what it holds.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "subprocess.h"

namespace gong::support {

class RedisServer {
 public:
  // Starts redis-server (from PATH) on 127.0.0.1 and a free port, with
  // `extra_args` after the defaults (e.g. {"--requirepass", "s3cret"} or
  // {"--rename-command", "EVALSHA", ""}), and waits until it answers PING.
  // A port taken between choosing it and Redis binding it means another
  // port and another try.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      std::vector<std::string> extra_args = {});
  // Stops the server and removes its directory.
  ~RedisServer();

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  // "redis://127.0.0.1:PORT".
  std::string url() const;
  // The server's process id (for SIGSTOP and SIGCONT), or -1 when stopped.
  pid_t pid() const;

  // SIGTERM (and SIGCONT, in case the test paused it) and a wait; SIGKILL
  // if it does not exit in time. Nothing listens on port() afterwards.
  void Stop();
  // Starts it again on the same port (stopping it first if it runs) and
  // waits until it answers PING. Its data is gone: nothing is persisted.
  absl::Status Restart();

  // Runs one command on a connection of its own (AUTH first when the server
  // was started with --requirepass) and renders the reply as text: a string
  // or status as it is, an integer in decimal, nil as "(nil)", an array's
  // elements one a line (an error inside an array as "(error) MESSAGE"). An
  // error reply is an error status carrying Redis's message.
  absl::StatusOr<std::string> Run(std::vector<std::string> argv);

 private:
  RedisServer(std::string binary, std::string dir, std::vector<std::string> extra_args);
  // Starts redis-server on port_ and waits for PING.
  absl::Status Launch();
  // Whether something on port_ answers PING (any reply, NOAUTH included).
  bool Answers();

  const std::string binary_;
  const std::string dir_;
  const std::vector<std::string> extra_args_;
  std::string password_;  // from --requirepass in extra_args_
  int port_ = 0;
  std::unique_ptr<e2e::Subprocess> process_;
};

}  // namespace gong::support
