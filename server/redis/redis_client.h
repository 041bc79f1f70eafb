// An asynchronous Redis client: hiredis's async API on a libevent loop with
// a thread of its own. No caller's thread ever waits on Redis: Command()
// queues the command and returns, and its reply comes back on the loop's
// thread, like Gong's answers come back on the transport's.
// - It connects, and reconnects with a jittered exponential backoff
//   whenever the connection fails or drops, sending AUTH (with the password
//   when one is set) and SELECT before it calls itself ready.
// - Every command has a time limit: a Redis that is slow counts as down
//   for that command, whatever the connection says.
// - The password is never logged nor put in any status or reason.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gong::redis {

// Where Redis listens: redis://HOST:PORT[/DB].
struct RedisAddress {
  std::string host;
  int port = 6379;
  int db = 0;
  // "HOST:PORT/DB" (IPv6 hosts in brackets), for logs.
  std::string ToString() const;
};

// Parses "redis://HOST:PORT[/DB]" (the port may be left out: 6379; an IPv6
// host goes in brackets). An error names --quota_redis and says what is
// wrong; a URL carrying a password (redis://user:pass@...) is refused
// without echoing it: the password comes from the environment.
absl::StatusOr<RedisAddress> ParseRedisUrl(absl::string_view url);

// A reply, copied out of hiredis so no caller sees hiredis.
struct RedisReply {
  enum class Type { kString, kStatus, kInteger, kNil, kArray, kError };
  Type type = Type::kNil;
  int64_t integer = 0;               // kInteger
  std::string str;                   // kString, kStatus, kError
  std::vector<RedisReply> elements;  // kArray
};

struct RedisClientOptions {
  RedisAddress address;
  std::string password;  // AUTH with it when not empty
  // A connection not ready (connected, authenticated, db selected) within
  // this long is dropped and tried again.
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration initial_reconnect_delay = absl::Milliseconds(100);
  absl::Duration max_reconnect_delay = absl::Seconds(5);
  // Commands sent but not answered, at most: past it a new command fails
  // at once (a Redis that stopped answering must not make us hold more).
  size_t max_pending_commands = 1000;
};

class RedisClient {
 public:
  // Told, on the loop's thread, each time the connection becomes ready
  // (`why` empty) or stops being ready or an attempt fails to make it so
  // (`why` says why, e.g. "cannot connect: Connection refused", "AUTH
  // refused: WRONGPASS ..."): once per change or failed attempt, not when
  // the client is destroyed.
  using StateListener = absl::AnyInvocable<void(bool ready, absl::string_view why)>;
  // The reply (an error reply is a reply, of type kError), or a status:
  // UNAVAILABLE when not ready or the connection was lost before the
  // reply, DEADLINE_EXCEEDED when no reply came within the command's time
  // limit (a reply coming later is dropped), CANCELLED when the client is
  // being destroyed, RESOURCE_EXHAUSTED past max_pending_commands,
  // INVALID_ARGUMENT for an empty argv or a command that would take over
  // the shared connection ((P|S)SUBSCRIBE, MONITOR, CLIENT REPLY ...).
  using ReplyCallback = absl::AnyInvocable<void(absl::StatusOr<RedisReply>) &&>;

  // Starts the loop's thread and the first connection attempt, and returns
  // at once; fails only when the loop cannot be set up. `listener` may be
  // null.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Start(RedisClientOptions options,
                                                            StateListener listener);
  // Ends every unfinished command with CANCELLED (on the loop's thread, or
  // here once it stopped), then stops the loop and closes the connection.
  ~RedisClient();

  // Sends `argv` (binary-safe arguments; argv[0] is the command) and runs
  // `done` exactly once, always on the loop's thread, never inside this
  // call. Safe from any thread. The time limit counts from this call;
  // absl::InfiniteDuration() sets none. Callbacks (and the listener) may
  // call Command() but must not destroy the client.
  void Command(std::vector<std::string> argv, absl::Duration timeout, ReplyCallback done);

  // Whether the connection is ready now (a hint: it may drop at any time).
  bool ready() const;

  const RedisAddress& address() const;

 private:
  class Loop;
  explicit RedisClient(std::unique_ptr<Loop> loop);
  std::unique_ptr<Loop> loop_;
};

}  // namespace gong::redis
