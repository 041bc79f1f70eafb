// The async Redis client against real redis-servers (one per test, on a
// port of its own): replies of every type, readiness and the listener,
// AUTH and SELECT, reconnection, time limits, the pending limit, shutdown
// with commands unfinished, and many callers at once.
#include "redis/redis_client.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/redis_server.h"
#include "support/wait_until.h"

namespace gong::redis {

// For EXPECT_EQ and readable failures (found by ADL, so not in the
// anonymous namespace).
bool operator==(const RedisReply& a, const RedisReply& b) {
  return a.type == b.type && a.integer == b.integer && a.str == b.str &&
         a.elements == b.elements;
}

void PrintTo(const RedisReply& reply, std::ostream* os) {
  switch (reply.type) {
    case RedisReply::Type::kString:
      *os << "string \"" << reply.str << "\"";
      return;
    case RedisReply::Type::kStatus:
      *os << "status " << reply.str;
      return;
    case RedisReply::Type::kError:
      *os << "error " << reply.str;
      return;
    case RedisReply::Type::kInteger:
      *os << "integer " << reply.integer;
      return;
    case RedisReply::Type::kNil:
      *os << "nil";
      return;
    case RedisReply::Type::kArray:
      *os << "[";
      for (size_t i = 0; i < reply.elements.size(); ++i) {
        if (i > 0) *os << ", ";
        PrintTo(reply.elements[i], os);
      }
      *os << "]";
      return;
  }
}

void PrintTo(const absl::StatusOr<RedisReply>& result, std::ostream* os) {
  if (result.ok()) {
    PrintTo(*result, os);
  } else {
    *os << result.status();
  }
}

namespace {

using ::gong::support::RedisServer;
using ::gong::support::WaitUntil;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

RedisReply Str(std::string s) {
  RedisReply r;
  r.type = RedisReply::Type::kString;
  r.str = std::move(s);
  return r;
}
RedisReply Status(std::string s) {
  RedisReply r;
  r.type = RedisReply::Type::kStatus;
  r.str = std::move(s);
  return r;
}
RedisReply Int(int64_t i) {
  RedisReply r;
  r.type = RedisReply::Type::kInteger;
  r.integer = i;
  return r;
}
RedisReply Nil() { return RedisReply(); }
RedisReply Array(std::vector<RedisReply> elements) {
  RedisReply r;
  r.type = RedisReply::Type::kArray;
  r.elements = std::move(elements);
  return r;
}

MATCHER_P(Holds, expected, "") {
  if (!arg.ok()) return false;
  return *arg == expected;
}

MATCHER_P(IsErrorReply, text, "") {
  return arg.ok() && arg->type == RedisReply::Type::kError &&
         arg->str.find(text) != std::string::npos;
}

MATCHER_P2(FailsWith, code, text, "") {
  return !arg.ok() && arg.status().code() == code &&
         arg.status().message().find(text) != absl::string_view::npos;
}

// One command's callback: how often it ran, with what, on which thread.
// Shared with the callback, which may outlive a failed test's scope.
class Pending {
 public:
  RedisClient::ReplyCallback Callback() {
    return [state = state_](absl::StatusOr<RedisReply> result) {
      absl::MutexLock lock(&state->mu);
      ++state->calls;
      state->called = true;
      state->result = std::move(result);
      state->thread = std::this_thread::get_id();
    };
  }
  // The result once the callback ran (waiting up to 30 s), or INTERNAL.
  absl::StatusOr<RedisReply> Get() {
    absl::MutexLock lock(&state_->mu);
    if (!state_->mu.AwaitWithTimeout(absl::Condition(&state_->called),
                                     absl::Seconds(30))) {
      return absl::InternalError("the callback never ran");
    }
    return *state_->result;
  }
  int calls() const {
    absl::MutexLock lock(&state_->mu);
    return state_->calls;
  }
  std::thread::id thread() const {
    absl::MutexLock lock(&state_->mu);
    return state_->thread;
  }

 private:
  struct State {
    absl::Mutex mu;
    int calls ABSL_GUARDED_BY(mu) = 0;
    bool called ABSL_GUARDED_BY(mu) = false;
    std::optional<absl::StatusOr<RedisReply>> result ABSL_GUARDED_BY(mu);
    std::thread::id thread ABSL_GUARDED_BY(mu);
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

absl::StatusOr<RedisReply> Call(RedisClient& client, std::vector<std::string> argv,
                                absl::Duration timeout = absl::Seconds(10)) {
  Pending pending;
  client.Command(std::move(argv), timeout, pending.Callback());
  return pending.Get();
}

// What the listener was told, in order. Declared before the client in each
// test, so that it outlives the client that calls it.
class StateLog {
 public:
  struct Event {
    bool ready;
    std::string why;
  };
  RedisClient::StateListener Listener() {
    return [this](bool ready, absl::string_view why) {
      absl::MutexLock lock(&mu_);
      events_.push_back({ready, std::string(why)});
    };
  }
  std::vector<Event> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  // Waits for an event from index `from` on with this readiness; its
  // reason, or nullopt after 20 s.
  std::optional<std::string> WaitFor(bool ready, size_t from = 0) const {
    std::optional<std::string> why;
    WaitUntil([&] {
      for (size_t i = from; i < events().size(); ++i) {
        if (events()[i].ready == ready) {
          why = events()[i].why;
          return true;
        }
      }
      return false;
    });
    return why;
  }
  size_t size() const { return events().size(); }

 private:
  mutable absl::Mutex mu_;
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
};

// Options for `server`: quick reconnection, generous time for a loaded
// machine to connect.
RedisClientOptions OptionsFor(const RedisServer& server, int db = 0) {
  RedisClientOptions options;
  options.address = {"127.0.0.1", server.port(), db};
  options.connect_timeout = absl::Seconds(10);
  options.initial_reconnect_delay = absl::Milliseconds(20);
  options.max_reconnect_delay = absl::Milliseconds(200);
  return options;
}

std::unique_ptr<RedisServer> StartServer(std::vector<std::string> extra_args = {}) {
  absl::StatusOr<std::unique_ptr<RedisServer>> server =
      RedisServer::Start(std::move(extra_args));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

std::unique_ptr<RedisClient> StartClient(RedisClientOptions options, StateLog* log) {
  absl::StatusOr<std::unique_ptr<RedisClient>> client =
      RedisClient::Start(std::move(options), log->Listener());
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(*client) : nullptr;
}

// A ready client of `server`, or null (the test has failed then).
std::unique_ptr<RedisClient> ReadyClient(RedisClientOptions options, StateLog* log) {
  std::unique_ptr<RedisClient> client = StartClient(std::move(options), log);
  if (client == nullptr) return nullptr;
  const bool ready = WaitUntil([&] { return client->ready(); });
  EXPECT_TRUE(ready) << "listener said: "
                     << (log->size() > 0 ? log->events().back().why : "nothing");
  return ready ? std::move(client) : nullptr;
}

TEST(RedisClientTest, BecomesReadyAndTellsTheListener) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  auto client = StartClient(OptionsFor(*server), &log);
  ASSERT_TRUE(client);
  ASSERT_TRUE(log.WaitFor(true).has_value());
  EXPECT_TRUE(client->ready());
  ASSERT_EQ(log.size(), 1u);  // ready at the first attempt, nothing else
  EXPECT_EQ(log.events()[0].why, "");
  EXPECT_EQ(client->address().ToString(),
            absl::StrCat("127.0.0.1:", server->port(), "/0"));
}

TEST(RedisClientTest, RoundTripsBinaryStringsIntegersArraysAndNil) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  auto client = ReadyClient(OptionsFor(*server), &log);
  ASSERT_TRUE(client);
  const std::string binary("a\0b\xff\r\n\x01z", 8);

  EXPECT_THAT(Call(*client, {"SET", "key", binary}), Holds(Status("OK")));
  EXPECT_THAT(Call(*client, {"GET", "key"}), Holds(Str(binary)));
  EXPECT_EQ(server->Run({"GET", "key"}).value_or(""), binary);  // what Redis holds
  EXPECT_THAT(Call(*client, {"GET", "missing"}), Holds(Nil()));
  EXPECT_THAT(Call(*client, {"INCR", "counter"}), Holds(Int(1)));
  EXPECT_THAT(Call(*client, {"INCRBY", "counter", "-5000000000"}),
              Holds(Int(-4999999999)));
  // Lua false is nil; a nested table is a nested array.
  EXPECT_THAT(
      Call(*client, {"EVAL", "return {1, 'two', false, {3, ARGV[1]}, {}}", "0", binary}),
      Holds(Array({Int(1), Str("two"), Nil(), Array({Int(3), Str(binary)}), Array({})})));
  EXPECT_THAT(Call(*client, {"EVAL", "return redis.status_reply('FINE')", "0"}),
              Holds(Status("FINE")));
  EXPECT_THAT(Call(*client, {"RPUSH", "list", "x", "", "y"}), Holds(Int(3)));
  EXPECT_THAT(Call(*client, {"LRANGE", "list", "0", "-1"}),
              Holds(Array({Str("x"), Str(""), Str("y")})));
}

TEST(RedisClientTest, ErrorRepliesAreRepliesOfTypeError) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  auto client = ReadyClient(OptionsFor(*server), &log);
  ASSERT_TRUE(client);
  ASSERT_THAT(Call(*client, {"SET", "word", "hello"}), Holds(Status("OK")));
  EXPECT_THAT(Call(*client, {"INCR", "word"}),
              IsErrorReply("ERR value is not an integer"));
  EXPECT_THAT(Call(*client, {"NOSUCHCOMMAND", "x"}), IsErrorReply("unknown command"));
  EXPECT_THAT(Call(*client, {"EVAL", "return redis.error_reply('QUOTA over')", "0"}),
              IsErrorReply("QUOTA over"));
  // An error reply is one command's answer: the connection goes on.
  EXPECT_THAT(Call(*client, {"PING"}), Holds(Status("PONG")));
  EXPECT_EQ(log.size(), 1u);
}

TEST(RedisClientTest, RefusesEmptyAndConnectionTakingCommandsAndSpentTimeLimits) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  auto client = ReadyClient(OptionsFor(*server), &log);
  ASSERT_TRUE(client);
  EXPECT_THAT(Call(*client, {}),
              FailsWith(absl::StatusCode::kInvalidArgument, "its name"));
  for (std::vector<std::string> argv :
       std::vector<std::vector<std::string>>{{"SUBSCRIBE", "news"},
                                             {"psubscribe", "n*"},
                                             {"MONITOR"},
                                             {"unsubscribe"},
                                             {"CLIENT", "REPLY", "OFF"}}) {
    SCOPED_TRACE(absl::StrJoin(argv, " "));
    EXPECT_THAT(Call(*client, argv),
                FailsWith(absl::StatusCode::kInvalidArgument, "take over"));
  }
  EXPECT_THAT(Call(*client, {"PING"}, -absl::Milliseconds(1)),
              FailsWith(absl::StatusCode::kDeadlineExceeded, "before it could be sent"));
  EXPECT_THAT(Call(*client, {"CLIENT", "ID"}),
              Not(FailsWith(absl::StatusCode::kInvalidArgument, "")));
  EXPECT_THAT(Call(*client, {"PING"}, absl::InfiniteDuration()), Holds(Status("PONG")));
}

// A port that refuses connections for as long as the object lives: bound,
// never listening.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~RefusingPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(RedisClientTest, CommandsFailUnavailableWhileNotReady) {
  RefusingPort refusing;
  ASSERT_GT(refusing.port(), 0);
  StateLog log;
  RedisClientOptions options;
  options.address = {"127.0.0.1", refusing.port(), 0};
  options.initial_reconnect_delay = absl::Milliseconds(10);
  options.max_reconnect_delay = absl::Milliseconds(50);
  auto client = StartClient(options, &log);
  ASSERT_TRUE(client);
  std::optional<std::string> why = log.WaitFor(false);
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("Connection refused"));
  EXPECT_FALSE(client->ready());

  Pending pending;
  client->Command({"PING"}, absl::Seconds(10), pending.Callback());
  EXPECT_THAT(pending.Get(),
              FailsWith(absl::StatusCode::kUnavailable, "Connection refused"));
  EXPECT_EQ(pending.calls(), 1);
  EXPECT_NE(pending.thread(), std::this_thread::get_id());  // the loop's thread
  // It keeps trying, and says so at each failed attempt.
  EXPECT_TRUE(WaitUntil([&] { return log.size() >= 3; }));
  for (const StateLog::Event& event : log.events()) EXPECT_FALSE(event.ready);
}

TEST(RedisClientTest, ReconnectsWhenRedisComesBack) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  auto client = ReadyClient(OptionsFor(*server), &log);
  ASSERT_TRUE(client);
  ASSERT_THAT(Call(*client, {"SET", "before", "1"}), Holds(Status("OK")));

  server->Stop();
  std::optional<std::string> lost = log.WaitFor(false);
  ASSERT_TRUE(lost.has_value());
  EXPECT_THAT(*lost, HasSubstr("connection lost"));
  EXPECT_FALSE(client->ready());
  EXPECT_THAT(Call(*client, {"GET", "before"}),
              FailsWith(absl::StatusCode::kUnavailable, ""));

  const size_t down = log.size();
  ASSERT_TRUE(server->Restart().ok());
  ASSERT_TRUE(log.WaitFor(true, down).has_value());
  EXPECT_TRUE(client->ready());
  EXPECT_THAT(Call(*client, {"SET", "after", "2"}), Holds(Status("OK")));
  EXPECT_EQ(server->Run({"GET", "after"}).value_or(""), "2");
}

TEST(RedisClientTest, CommandsSentWhenTheConnectionDropsFailUnavailable) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  RedisClientOptions options = OptionsFor(*server);
  options.max_pending_commands = 1;
  auto client = ReadyClient(options, &log);
  ASSERT_TRUE(client);

  ASSERT_EQ(kill(server->pid(), SIGSTOP), 0);
  Pending sent;
  client->Command({"GET", "x"}, absl::InfiniteDuration(), sent.Callback());
  // Refused for want of room: so the first is sent and awaits its reply.
  EXPECT_THAT(Call(*client, {"GET", "y"}),
              FailsWith(absl::StatusCode::kResourceExhausted, ""));
  EXPECT_EQ(sent.calls(), 0);

  ASSERT_EQ(kill(server->pid(), SIGKILL), 0);
  EXPECT_THAT(sent.Get(),
              FailsWith(absl::StatusCode::kUnavailable, "lost before the reply"));
  ASSERT_TRUE(log.WaitFor(false).has_value());
  EXPECT_EQ(sent.calls(), 1);
}

TEST(RedisClientTest, WrongPasswordIsRefusedAndNeverRepeated) {
  auto server = StartServer({"--requirepass", "s3cret"});
  ASSERT_TRUE(server);
  // "invalid" is a word of Redis's own WRONGPASS message: still not shown.
  for (const std::string password : {"wr0ng-passw0rd", "invalid"}) {
    SCOPED_TRACE(password);
    StateLog log;
    RedisClientOptions options = OptionsFor(*server);
    options.password = password;
    auto client = StartClient(options, &log);
    ASSERT_TRUE(client);
    std::optional<std::string> why = log.WaitFor(false);
    ASSERT_TRUE(why.has_value());
    EXPECT_THAT(*why, HasSubstr("AUTH refused: WRONGPASS"));
    EXPECT_THAT(*why, Not(HasSubstr(password)));
    EXPECT_FALSE(client->ready());
    absl::StatusOr<RedisReply> refused = Call(*client, {"PING"});
    EXPECT_THAT(refused, FailsWith(absl::StatusCode::kUnavailable, "AUTH refused"));
    EXPECT_THAT(std::string(refused.status().message()), Not(HasSubstr(password)));
    client.reset();
    for (const StateLog::Event& event : log.events()) {
      EXPECT_FALSE(event.ready);
      EXPECT_THAT(event.why, Not(HasSubstr(password)));
    }
  }
}

TEST(RedisClientTest, RightPasswordAuthenticatesAndNoPasswordGetsNoauth) {
  auto server = StartServer({"--requirepass", "s3cret"});
  ASSERT_TRUE(server);
  StateLog log;
  RedisClientOptions options = OptionsFor(*server);
  options.password = "s3cret";
  auto client = ReadyClient(options, &log);
  ASSERT_TRUE(client);
  EXPECT_THAT(Call(*client, {"SET", "k", "v"}), Holds(Status("OK")));
  EXPECT_EQ(server->Run({"GET", "k"}).value_or(""), "v");

  // Without one no AUTH is sent: ready, and Redis refuses each command.
  StateLog anonymous_log;
  auto anonymous = ReadyClient(OptionsFor(*server), &anonymous_log);
  ASSERT_TRUE(anonymous);
  EXPECT_THAT(Call(*anonymous, {"GET", "k"}), IsErrorReply("NOAUTH"));
}

TEST(RedisClientTest, SelectsTheDatabaseOfItsAddress) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log3, log0;
  auto in_db3 = ReadyClient(OptionsFor(*server, 3), &log3);
  auto in_db0 = ReadyClient(OptionsFor(*server, 0), &log0);
  ASSERT_TRUE(in_db3 && in_db0);
  EXPECT_THAT(Call(*in_db3, {"SET", "k", "three"}), Holds(Status("OK")));
  EXPECT_THAT(Call(*in_db0, {"GET", "k"}), Holds(Nil()));
  EXPECT_THAT(Call(*in_db3, {"GET", "k"}), Holds(Str("three")));
  EXPECT_EQ(
      server->Run({"EVAL", "redis.call('SELECT', 3) return redis.call('GET', 'k')", "0"})
          .value_or(""),
      "three");
}

TEST(RedisClientTest, RefusedSelectIsReported) {
  auto server = StartServer({"--databases", "4"});
  ASSERT_TRUE(server);
  StateLog log;
  auto client = StartClient(OptionsFor(*server, 5), &log);
  ASSERT_TRUE(client);
  std::optional<std::string> why = log.WaitFor(false);
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("SELECT 5 refused: ERR DB index is out of range"));
  EXPECT_FALSE(client->ready());
}

TEST(RedisClientTest, RenamedEvalshaGivesAnErrorReply) {
  auto server = StartServer({"--rename-command", "EVALSHA", ""});
  ASSERT_TRUE(server);
  StateLog log;
  auto client = ReadyClient(OptionsFor(*server), &log);
  ASSERT_TRUE(client);
  absl::StatusOr<RedisReply> sha = Call(*client, {"SCRIPT", "LOAD", "return 7"});
  ASSERT_TRUE(sha.ok() && sha->type == RedisReply::Type::kString)
      << ::testing::PrintToString(sha);
  EXPECT_THAT(Call(*client, {"EVALSHA", sha->str, "0"}), IsErrorReply("unknown command"));
  EXPECT_THAT(Call(*client, {"EVAL", "return 7", "0"}), Holds(Int(7)));
}

TEST(RedisClientTest, SlowRedisEndsTheCommandAtItsTimeLimitAndTheLateReplyIsDropped) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  auto client = ReadyClient(OptionsFor(*server), &log);
  ASSERT_TRUE(client);
  ASSERT_THAT(Call(*client, {"SET", "a", "ay"}), Holds(Status("OK")));
  ASSERT_THAT(Call(*client, {"SET", "b", "bee"}), Holds(Status("OK")));

  ASSERT_EQ(kill(server->pid(), SIGSTOP), 0);
  Pending slow;
  client->Command({"GET", "a"}, absl::Milliseconds(100), slow.Callback());
  EXPECT_THAT(slow.Get(), FailsWith(absl::StatusCode::kDeadlineExceeded, "within 100ms"));
  EXPECT_TRUE(client->ready());  // slow is not down
  ASSERT_EQ(kill(server->pid(), SIGCONT), 0);

  // GET a's reply comes first now, and must not be taken for GET b's.
  EXPECT_THAT(Call(*client, {"GET", "b"}), Holds(Str("bee")));
  EXPECT_EQ(slow.calls(), 1);
  EXPECT_EQ(log.size(), 1u);  // the connection stayed up throughout
}

TEST(RedisClientTest, ConnectTimeoutCoversTheHandshake) {
  auto server = StartServer({"--requirepass", "s3cret"});
  ASSERT_TRUE(server);
  // Stopped, Redis's kernel still accepts connections; AUTH goes unanswered.
  ASSERT_EQ(kill(server->pid(), SIGSTOP), 0);
  StateLog log;
  RedisClientOptions options = OptionsFor(*server);
  options.password = "s3cret";
  options.connect_timeout = absl::Milliseconds(200);
  auto client = StartClient(options, &log);
  ASSERT_TRUE(client);
  std::optional<std::string> why = log.WaitFor(false);
  ASSERT_TRUE(why.has_value());
  EXPECT_THAT(*why, HasSubstr("connect timed out: not ready within 200ms"));
  EXPECT_FALSE(client->ready());

  ASSERT_EQ(kill(server->pid(), SIGCONT), 0);
  ASSERT_TRUE(log.WaitFor(true).has_value());
  EXPECT_THAT(Call(*client, {"PING"}), Holds(Status("PONG")));
}

TEST(RedisClientTest, DestructorCancelsEveryUnfinishedCommandExactlyOnce) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  RedisClientOptions options = OptionsFor(*server);
  options.max_pending_commands = 4;
  auto client = ReadyClient(options, &log);
  ASSERT_TRUE(client);

  ASSERT_EQ(kill(server->pid(), SIGSTOP), 0);
  std::vector<Pending> sent(4);
  for (Pending& pending : sent) {
    client->Command({"GET", "x"}, absl::InfiniteDuration(), pending.Callback());
  }
  // The fifth finds no room: the four are sent and await their replies.
  EXPECT_THAT(Call(*client, {"GET", "x"}),
              FailsWith(absl::StatusCode::kResourceExhausted, ""));
  std::vector<Pending> queued(3);
  for (Pending& pending : queued) {
    client->Command({"GET", "x"}, absl::InfiniteDuration(), pending.Callback());
  }

  client.reset();
  for (Pending& pending : sent) {
    EXPECT_EQ(pending.calls(), 1);
    EXPECT_THAT(pending.Get(), FailsWith(absl::StatusCode::kCancelled, "shutting down"));
  }
  for (Pending& pending : queued) {
    // Cancelled, unless the loop took it before it saw the stop.
    EXPECT_EQ(pending.calls(), 1);
    absl::StatusOr<RedisReply> result = pending.Get();
    EXPECT_TRUE(absl::IsCancelled(result.status()) ||
                absl::IsResourceExhausted(result.status()))
        << result.status();
  }
  EXPECT_EQ(log.size(), 1u);  // the shutdown is not a state change
}

TEST(RedisClientTest, DestructorWhileConnectingOrDownRunsNoCallbackAfterwards) {
  RefusingPort refusing;
  StateLog log;
  RedisClientOptions options;
  options.address = {"127.0.0.1", refusing.port(), 0};
  auto client = StartClient(options, &log);
  ASSERT_TRUE(client);
  std::vector<Pending> pending(5);
  for (Pending& p : pending) client->Command({"PING"}, absl::Seconds(5), p.Callback());
  client.reset();
  const size_t told = log.size();
  for (Pending& p : pending) {
    EXPECT_EQ(p.calls(), 1);
    absl::StatusOr<RedisReply> result = p.Get();
    EXPECT_TRUE(absl::IsCancelled(result.status()) ||
                absl::IsUnavailable(result.status()))
        << result.status();
  }
  EXPECT_EQ(log.size(), told);
}

TEST(RedisClientTest, CommandsFromManyThreadsEachGetExactlyOneCallback) {
  auto server = StartServer();
  ASSERT_TRUE(server);
  StateLog log;
  RedisClientOptions options = OptionsFor(*server);
  options.max_pending_commands = 100000;
  auto client = ReadyClient(options, &log);
  ASSERT_TRUE(client);

  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  constexpr int kTotal = kThreads * kPerThread;
  std::vector<std::atomic<int>> calls(kTotal);
  std::vector<int64_t> counts(kTotal, -1);  // each slot written by its one callback
  std::atomic<int> finished{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int slot = t * kPerThread + i;
        client->Command({"INCR", "counter"}, absl::Seconds(30),
                        [&, slot](absl::StatusOr<RedisReply> result) {
                          if (result.ok() && result->type == RedisReply::Type::kInteger) {
                            counts[slot] = result->integer;
                          }
                          ++calls[slot];
                          ++finished;
                        });
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  ASSERT_TRUE(WaitUntil([&] { return finished.load() == kTotal; }));
  std::vector<int64_t> expected;
  for (int i = 1; i <= kTotal; ++i) expected.push_back(i);
  for (int slot = 0; slot < kTotal; ++slot) ASSERT_EQ(calls[slot].load(), 1) << slot;
  // Each reply went to its own command: every count from 1 to kTotal, once.
  EXPECT_THAT(counts, UnorderedElementsAreArray(expected));
  EXPECT_EQ(server->Run({"GET", "counter"}).value_or(""), absl::StrCat(kTotal));
}

TEST(RedisServerFixtureTest, RunRendersRepliesAsText) {
  auto server = StartServer({"--requirepass", "pw"});
  ASSERT_TRUE(server);
  EXPECT_EQ(server->url(), absl::StrCat("redis://127.0.0.1:", server->port()));
  EXPECT_EQ(server->Run({"SET", "k", "v"}).value_or(""), "OK");
  EXPECT_EQ(server->Run({"INCR", "n"}).value_or(""), "1");
  EXPECT_EQ(server->Run({"GET", "none"}).value_or(""), "(nil)");
  EXPECT_EQ(server->Run({"EVAL", "return {1, 'a', false}", "0"}).value_or(""),
            "1\na\n(nil)");
  absl::StatusOr<std::string> error = server->Run({"INCR", "k"});
  EXPECT_FALSE(error.ok());
  EXPECT_THAT(std::string(error.status().message()), HasSubstr("not an integer"));
  server->Stop();
  EXPECT_EQ(server->pid(), -1);
  EXPECT_FALSE(server->Run({"PING"}).ok());
  ASSERT_TRUE(server->Restart().ok());
  EXPECT_EQ(server->Run({"GET", "k"}).value_or(""), "(nil)");  // nothing persisted
}

}  // namespace
}  // namespace gong::redis
