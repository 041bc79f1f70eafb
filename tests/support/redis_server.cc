#include "redis_server.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gong::support {
namespace {

// Loaded CI machines start processes slowly: generous, and free when Redis
// is quick.
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr int kStartAttempts = 5;

// A port nothing listens on now: bound to 127.0.0.1:0 and let go. Another
// process may take it before Redis does, hence Start()'s retries.
absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool bound =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!bound) return absl::InternalError("cannot bind a loopback port");
  return ntohs(address.sin_port);
}

// redis-server from PATH, as a shell would find it; Subprocess needs a path.
std::string FindRedisServer() {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "", ':')) {
    if (dir.empty()) continue;
    const std::string candidate = absl::StrCat(dir, "/redis-server");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "/usr/bin/redis-server";
}

std::string Render(const redisReply& reply) {
  switch (reply.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply.str, reply.len);
    case REDIS_REPLY_INTEGER:
      return absl::StrCat(reply.integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<std::string> lines;
      for (size_t i = 0; i < reply.elements; ++i)
        lines.push_back(Render(*reply.element[i]));
      return absl::StrJoin(lines, "\n");
    }
    case REDIS_REPLY_ERROR:
      return absl::StrCat("(error) ", absl::string_view(reply.str, reply.len));
    default:
      return "(nil)";
  }
}

// A synchronous connection, freed with the object.
struct Connection {
  redisContext* context = nullptr;
  ~Connection() {
    if (context != nullptr) redisFree(context);
  }
  // The reply to `argv`, freed with the object; null when the connection
  // failed (context->errstr says why).
  std::unique_ptr<redisReply, void (*)(void*)> Send(
      const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<size_t> lengths;
    for (const std::string& arg : argv) {
      args.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    return {static_cast<redisReply*>(redisCommandArgv(
                context, static_cast<int>(args.size()), args.data(), lengths.data())),
            &freeReplyObject};
  }
};

absl::Status Connect(int port, absl::Duration connect_timeout, absl::Duration io_timeout,
                     Connection* connection) {
  connection->context =
      redisConnectWithTimeout("127.0.0.1", port, absl::ToTimeval(connect_timeout));
  if (connection->context == nullptr) return absl::InternalError("out of memory");
  if (connection->context->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to Redis: ", connection->context->errstr));
  }
  redisSetTimeout(connection->context, absl::ToTimeval(io_timeout));
  return absl::OkStatus();
}

}  // namespace

RedisServer::RedisServer(std::string binary, std::string dir,
                         std::vector<std::string> extra_args)
    : binary_(std::move(binary)),
      dir_(std::move(dir)),
      extra_args_(std::move(extra_args)) {
  for (size_t i = 0; i + 1 < extra_args_.size(); ++i) {
    if (extra_args_[i] == "--requirepass") password_ = extra_args_[i + 1];
  }
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    std::vector<std::string> extra_args) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp",
                                 "/gong-redis-test-XXXXXX");
  if (mkdtemp(dir.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot make a directory like ", dir));
  }
  std::unique_ptr<RedisServer> server(
      new RedisServer(FindRedisServer(), std::move(dir), std::move(extra_args)));
  absl::Status last;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    absl::StatusOr<int> port = FreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::url() const { return absl::StrCat("redis://127.0.0.1:", port_); }

pid_t RedisServer::pid() const { return process_ != nullptr ? process_->pid() : -1; }

absl::Status RedisServer::Launch() {
  std::vector<std::string> argv = {binary_,
                                   "--port",
                                   absl::StrCat(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--daemonize",
                                   "no",
                                   "--dir",
                                   dir_,
                                   "--loglevel",
                                   "warning"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_ = std::make_unique<e2e::Subprocess>(argv);
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    if (process_->Wait(absl::ZeroDuration()) >= 0) {
      // It exited: a port taken meanwhile, or arguments it refused.
      const std::string output = process_->Stdout() + process_->Stderr();
      process_.reset();
      return absl::UnavailableError(
          absl::StrCat("redis-server on port ", port_, " exited at start:\n", output));
    }
    // Ours if it still runs: a server already on the port would have made
    // it exit (the port in use).
    if (Answers() && process_->Wait(absl::ZeroDuration()) < 0) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(10));
  }
  Stop();
  return absl::DeadlineExceededError(absl::StrCat("redis-server on port ", port_,
                                                  " did not answer PING within ",
                                                  absl::FormatDuration(kStartTimeout)));
}

bool RedisServer::Answers() {
  Connection connection;
  if (!Connect(port_, absl::Milliseconds(500), absl::Seconds(2), &connection).ok()) {
    return false;
  }
  return connection.Send({"PING"}) != nullptr;  // NOAUTH is an answer too
}

void RedisServer::Stop() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM);
  process_->Signal(SIGCONT);  // a paused Redis acts on SIGTERM only once resumed
  if (process_->Wait(absl::Seconds(10)) < 0) {
    process_->Signal(SIGKILL);
    process_->Wait(absl::Seconds(10));
  }
  process_.reset();
}

absl::Status RedisServer::Restart() {
  Stop();
  absl::Status launched;
  // The same port, which the stopped server just let go: a few tries in
  // case it is not free again at once.
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    launched = Launch();
    if (launched.ok()) return launched;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return launched;
}

absl::StatusOr<std::string> RedisServer::Run(std::vector<std::string> argv) {
  Connection connection;
  // Long enough for a test's DEBUG SLEEP.
  if (absl::Status connected =
          Connect(port_, absl::Seconds(5), absl::Seconds(30), &connection);
      !connected.ok()) {
    return connected;
  }
  if (!password_.empty()) {
    auto auth = connection.Send({"AUTH", password_});
    if (auth == nullptr || auth->type == REDIS_REPLY_ERROR) {
      return absl::UnavailableError("AUTH with the --requirepass password failed");
    }
  }
  auto reply = connection.Send(argv);
  if (reply == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("no reply from Redis: ", connection.context->errstr));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    return absl::FailedPreconditionError(std::string(reply->str, reply->len));
  }
  return Render(*reply);
}

}  // namespace gong::support
