// The client's loop: one libevent event base, on one thread, owns the
// hiredis connection and every command handed to it. hiredis is not thread
// safe, so other threads only append to a queue under a mutex and wake the
// loop through an eventfd.
//
// hiredis 0.14 has neither a connect timeout nor a command timeout: both
// are libevent timers here. A command that times out ends at once, but its
// state stays alive until hiredis calls back for it (with the late reply,
// or with none when the connection goes), because hiredis holds a pointer
// to it until then.
//
// hiredis frees a connection itself when it fails, calling back from
// inside the free (OnConnect with an error, OnDisconnect, and each pending
// command's callback with no reply); and the client frees connections it
// gives up on (a refused AUTH, a connect timeout, shutdown), which makes
// hiredis call the same callbacks. `ac_` is cleared before any free the
// client starts, so a callback about a connection that is not `ac_` any
// more knows it is about one already dealt with.
#include "redis/redis_client.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "base/thread_name.h"
#include "redis/hiredis_reply.h"
#include "redis/reconnect_backoff.h"

namespace gong::redis {
namespace {

// The handshake's replies carry which step they answer, in hiredis's
// void* for the caller's data.
enum HandshakeStep : uintptr_t { kAuthStep = 1, kSelectStep = 2 };
void* Tag(HandshakeStep step) { return reinterpret_cast<void*>(step); }

// Commands that would take over the one connection every caller shares:
// after (P|S)SUBSCRIBE or MONITOR the connection carries pushed messages
// (hiredis 0.14 asserts on the next ordinary reply, or never matches one),
// (P)UNSUBSCRIBE has no reply of its own, and CLIENT REPLY OFF|SKIP leaves
// replies and callbacks out of step.
bool TakesOverTheConnection(const std::vector<std::string>& argv) {
  const std::string name = absl::AsciiStrToLower(argv[0]);
  for (const char* refused : {"subscribe", "psubscribe", "ssubscribe", "unsubscribe",
                              "punsubscribe", "sunsubscribe", "monitor"}) {
    if (name == refused) return true;
  }
  return name == "client" && argv.size() > 1 && absl::AsciiStrToLower(argv[1]) == "reply";
}

timeval TimevalOf(absl::Duration d) {
  return absl::ToTimeval(std::max(d, absl::ZeroDuration()));
}

}  // namespace

class RedisClient::Loop {
 public:
  Loop(RedisClientOptions options, StateListener listener)
      : options_(std::move(options)),
        listener_(std::move(listener)),
        backoff_(options_.initial_reconnect_delay, options_.max_reconnect_delay) {}
  // Cancels what is unfinished, stops the thread, frees the connection.
  ~Loop();

  // Sets up the event base and starts the thread and the first attempt.
  absl::Status Start();
  // Any thread: queues a command for the loop.
  void Enqueue(std::vector<std::string> argv, absl::Duration timeout, ReplyCallback done);

  bool ready() const { return ready_.load(std::memory_order_acquire); }
  const RedisAddress& address() const { return options_.address; }

 private:
  // A command waiting in the queue for the loop's thread.
  struct Request {
    std::vector<std::string> argv;
    absl::Duration timeout;
    absl::Time deadline;
    ReplyCallback done;
  };
  // A command handed to hiredis, alive until hiredis calls back for it.
  struct InFlight {
    Loop* loop;
    absl::Duration timeout;
    ReplyCallback done;
    bool ended = false;  // `done` ran (time limit, shutdown): the reply is dropped
    event* timer = nullptr;
    std::list<InFlight*>::iterator in_unfinished;
  };

  // libevent's callbacks.
  static void OnWake(evutil_socket_t fd, short events, void* self);
  static void OnReconnectTimer(evutil_socket_t fd, short events, void* self);
  static void OnConnectTimeout(evutil_socket_t fd, short events, void* self);
  static void OnCommandTimeout(evutil_socket_t fd, short events, void* command);
  // hiredis's callbacks.
  static void OnConnect(const redisAsyncContext* ac, int status);
  static void OnDisconnect(const redisAsyncContext* ac, int status);
  static void OnHandshakeReply(redisAsyncContext* ac, void* reply, void* step);
  static void OnReply(redisAsyncContext* ac, void* reply, void* command);

  void Wake();
  void Connect();
  void Handshake();
  void BecomeReady();
  // Frees the connection (never from inside OnConnect or OnDisconnect,
  // where hiredis still uses it after the callback) and reports `why`.
  void Drop(absl::string_view why);
  // The connection is gone or never came: tells the listener, and tries
  // again after the backoff.
  void Failed(absl::string_view why);
  void Dispatch(Request request);
  // Runs a sent command's callback now; hiredis's callback comes later.
  void End(InFlight* command, absl::Status status);
  void Shutdown(std::deque<Request> queued);
  std::string Redact(absl::string_view text) const;

  const RedisClientOptions options_;
  StateListener listener_;

  // Made in Start() before the thread starts, freed in ~Loop() after it
  // ended; in between only the loop's thread uses them.
  event_base* base_ = nullptr;
  int wake_fd_ = -1;  // eventfd: written to hand the loop work or stop it
  event* wake_event_ = nullptr;
  event* reconnect_timer_ = nullptr;
  event* connect_timer_ = nullptr;
  std::thread thread_;

  std::atomic<bool> ready_{false};

  absl::Mutex mu_;
  std::deque<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;

  // The loop's thread's alone.
  redisAsyncContext* ac_ = nullptr;  // the current connection, ready or not
  int handshake_replies_due_ = 0;
  internal::ReconnectBackoff backoff_;
  std::string not_ready_why_ = "not connected yet";
  // Sent, not answered and not ended, oldest first.
  std::list<InFlight*> unfinished_;
  // Sent and not yet called back by hiredis, ended ones included: each
  // holds memory until Redis answers or the connection goes.
  size_t awaiting_replies_ = 0;
  bool stopping_ = false;
};

absl::Status RedisClient::Loop::Start() {
  base_ = event_base_new();
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (base_ == nullptr || wake_fd_ < 0) {
    return absl::InternalError("cannot set up the Redis client's event loop");
  }
  wake_event_ = event_new(base_, wake_fd_, EV_READ | EV_PERSIST, &Loop::OnWake, this);
  reconnect_timer_ = evtimer_new(base_, &Loop::OnReconnectTimer, this);
  connect_timer_ = evtimer_new(base_, &Loop::OnConnectTimeout, this);
  if (wake_event_ == nullptr || reconnect_timer_ == nullptr ||
      connect_timer_ == nullptr || event_add(wake_event_, nullptr) != 0) {
    return absl::InternalError("cannot set up the Redis client's event loop");
  }
  // The first attempt, at once but on the loop's thread like every other.
  const timeval now{0, 0};
  evtimer_add(reconnect_timer_, &now);
  thread_ = std::thread([this] {
    base::NameThisThread("redis-loop");
    // hiredis writes with write(2), which raises SIGPIPE on a connection
    // Redis closed; blocked on this thread (the only one that writes to
    // Redis) the signal stays pending, harmless, and write fails with
    // EPIPE, whether or not the process ignores SIGPIPE.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    event_base_dispatch(base_);
  });
  return absl::OkStatus();
}

RedisClient::Loop::~Loop() {
  if (thread_.joinable()) {
    {
      absl::MutexLock lock(&mu_);
      stop_requested_ = true;
    }
    Wake();
    thread_.join();
  }
  // Commands queued once the loop had stopped (by callbacks that ran as it
  // stopped, say) end here, on this thread: the loop is gone.
  for (;;) {
    std::deque<Request> late;
    {
      absl::MutexLock lock(&mu_);
      late.swap(queue_);
    }
    if (late.empty()) break;
    for (Request& request : late) {
      std::move(request.done)(absl::CancelledError("the Redis client is shutting down"));
    }
  }
  if (connect_timer_ != nullptr) event_free(connect_timer_);
  if (reconnect_timer_ != nullptr) event_free(reconnect_timer_);
  if (wake_event_ != nullptr) event_free(wake_event_);
  if (base_ != nullptr) event_base_free(base_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

void RedisClient::Loop::Wake() {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void RedisClient::Loop::Enqueue(std::vector<std::string> argv, absl::Duration timeout,
                                ReplyCallback done) {
  // The time limit counts from now: time spent in the queue is spent.
  const absl::Time deadline = timeout == absl::InfiniteDuration() ? absl::InfiniteFuture()
                                                                  : absl::Now() + timeout;
  bool was_empty;
  {
    absl::MutexLock lock(&mu_);
    was_empty = queue_.empty();
    queue_.push_back(Request{std::move(argv), timeout, deadline, std::move(done)});
  }
  // The loop empties the whole queue on each wake-up, so only the command
  // that finds it empty needs to wake it.
  if (was_empty) Wake();
}

void RedisClient::Loop::OnWake(evutil_socket_t fd, short /*events*/, void* self_ptr) {
  auto* self = static_cast<Loop*>(self_ptr);
  uint64_t count;
  (void)!read(fd, &count, sizeof(count));  // before taking the queue: no wake-up is lost
  std::deque<Request> batch;
  bool stop;
  {
    absl::MutexLock lock(&self->mu_);
    batch.swap(self->queue_);
    stop = self->stop_requested_;
  }
  if (stop) {
    self->Shutdown(std::move(batch));
    return;
  }
  for (Request& request : batch) self->Dispatch(std::move(request));
}

void RedisClient::Loop::Dispatch(Request request) {
  ReplyCallback& done = request.done;
  if (request.argv.empty()) {
    std::move(done)(
        absl::InvalidArgumentError("a Redis command needs at least its name"));
    return;
  }
  if (TakesOverTheConnection(request.argv)) {
    std::move(done)(absl::InvalidArgumentError(
        absl::StrCat(request.argv[0],
                     " is not supported: it would take over the connection "
                     "that every caller shares")));
    return;
  }
  if (!ready()) {
    std::move(done)(
        absl::UnavailableError(absl::StrCat("Redis is not ready: ", not_ready_why_)));
    return;
  }
  const absl::Duration left = request.deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    std::move(done)(absl::DeadlineExceededError(absl::StrCat(
        "the Redis command's time limit (", absl::FormatDuration(request.timeout),
        ") passed before it could be sent")));
    return;
  }
  if (awaiting_replies_ >= options_.max_pending_commands) {
    std::move(done)(absl::ResourceExhaustedError(absl::StrCat(
        awaiting_replies_, " Redis commands await their replies (the limit)")));
    return;
  }
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  args.reserve(request.argv.size());
  lengths.reserve(request.argv.size());
  for (const std::string& arg : request.argv) {
    args.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* command =
      new InFlight{this, request.timeout, std::move(done), false, nullptr, {}};
  if (redisAsyncCommandArgv(ac_, &Loop::OnReply, command, static_cast<int>(args.size()),
                            args.data(), lengths.data()) != REDIS_OK) {
    // Only a connection being closed refuses a command.
    ReplyCallback refused = std::move(command->done);
    delete command;
    std::move(refused)(absl::UnavailableError("the Redis connection is closing"));
    return;
  }
  ++awaiting_replies_;
  command->in_unfinished = unfinished_.insert(unfinished_.end(), command);
  if (request.deadline != absl::InfiniteFuture()) {
    command->timer = evtimer_new(base_, &Loop::OnCommandTimeout, command);
    if (command->timer != nullptr) {
      const timeval limit = TimevalOf(left);
      evtimer_add(command->timer, &limit);
    }
  }
}

void RedisClient::Loop::OnReply(redisAsyncContext* /*ac*/, void* reply,
                                void* command_ptr) {
  std::unique_ptr<InFlight> command(static_cast<InFlight*>(command_ptr));
  Loop* self = command->loop;
  --self->awaiting_replies_;
  if (command->ended) return;  // its time limit passed, or shutdown: dropped
  self->unfinished_.erase(command->in_unfinished);
  if (command->timer != nullptr) event_free(command->timer);
  ReplyCallback done = std::move(command->done);
  command.reset();
  if (reply == nullptr) {
    // hiredis frees a connection with no reply for each command pending.
    std::move(done)(
        absl::UnavailableError("the Redis connection was lost before the reply"));
    return;
  }
  std::move(done)(internal::CopyHiredisReply(*static_cast<const redisReply*>(reply)));
}

void RedisClient::Loop::OnCommandTimeout(evutil_socket_t /*fd*/, short /*events*/,
                                         void* command_ptr) {
  auto* command = static_cast<InFlight*>(command_ptr);
  command->loop->End(command, absl::DeadlineExceededError(
                                  absl::StrCat("no reply from Redis within ",
                                               absl::FormatDuration(command->timeout))));
}

void RedisClient::Loop::End(InFlight* command, absl::Status status) {
  command->ended = true;
  unfinished_.erase(command->in_unfinished);
  // (libevent lets a timer free itself from its own callback.)
  if (command->timer != nullptr) event_free(command->timer);
  command->timer = nullptr;
  ReplyCallback done = std::move(command->done);
  std::move(done)(std::move(status));
}

void RedisClient::Loop::OnReconnectTimer(evutil_socket_t /*fd*/, short /*events*/,
                                         void* self_ptr) {
  static_cast<Loop*>(self_ptr)->Connect();
}

void RedisClient::Loop::Connect() {
  // (hiredis resolves a host name here, synchronously.)
  redisAsyncContext* ac =
      redisAsyncConnect(options_.address.host.c_str(), options_.address.port);
  if (ac == nullptr) {
    Failed("cannot connect: out of memory");
    return;
  }
  if (ac->err != 0) {  // refused at once, or the name does not resolve
    const std::string why = absl::StrCat("cannot connect: ", ac->errstr);
    redisAsyncFree(ac);
    Failed(why);
    return;
  }
  ac->data = this;
  redisLibeventAttach(ac, base_);
  redisAsyncSetConnectCallback(ac, &Loop::OnConnect);
  redisAsyncSetDisconnectCallback(ac, &Loop::OnDisconnect);
  ac_ = ac;
  const timeval limit = TimevalOf(options_.connect_timeout);
  evtimer_add(connect_timer_, &limit);
}

void RedisClient::Loop::OnConnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<Loop*>(ac->data);
  if (ac != self->ac_) return;
  if (status != REDIS_OK) {
    // hiredis frees the connection once this returns.
    const std::string why = absl::StrCat("cannot connect: ", ac->c.errstr);
    self->ac_ = nullptr;
    self->Failed(why);
    return;
  }
  // A Redis host that vanished without closing the connection is noticed
  // in a minute or so rather than never.
  redisEnableKeepAlive(&self->ac_->c);
  self->Handshake();
}

void RedisClient::Loop::Handshake() {
  handshake_replies_due_ = 0;
  if (!options_.password.empty()) {
    const char* argv[] = {"AUTH", options_.password.data()};
    const size_t lengths[] = {4, options_.password.size()};
    if (redisAsyncCommandArgv(ac_, &Loop::OnHandshakeReply, Tag(kAuthStep), 2, argv,
                              lengths) == REDIS_OK) {
      ++handshake_replies_due_;
    }
  }
  if (options_.address.db != 0) {
    const std::string db = absl::StrCat(options_.address.db);
    const char* argv[] = {"SELECT", db.data()};
    const size_t lengths[] = {6, db.size()};
    if (redisAsyncCommandArgv(ac_, &Loop::OnHandshakeReply, Tag(kSelectStep), 2, argv,
                              lengths) == REDIS_OK) {
      ++handshake_replies_due_;
    }
  }
  if (handshake_replies_due_ == 0) BecomeReady();
}

void RedisClient::Loop::OnHandshakeReply(redisAsyncContext* ac, void* reply_ptr,
                                         void* step) {
  auto* self = static_cast<Loop*>(ac->data);
  // No reply: the connection went, and OnDisconnect says so (or it was
  // dropped already and reported then).
  if (ac != self->ac_ || reply_ptr == nullptr) return;
  const auto* reply = static_cast<const redisReply*>(reply_ptr);
  if (reply->type == REDIS_REPLY_ERROR) {
    const absl::string_view error(reply->str, reply->len);
    // (Freeing from a reply callback is safe: hiredis defers it until the
    // callback returns.)
    self->Drop(step == Tag(kAuthStep) ? absl::StrCat("AUTH refused: ", error)
                                      : absl::StrCat("SELECT ", self->options_.address.db,
                                                     " refused: ", error));
    return;
  }
  if (--self->handshake_replies_due_ == 0) self->BecomeReady();
}

void RedisClient::Loop::BecomeReady() {
  evtimer_del(connect_timer_);
  backoff_.Reset();
  not_ready_why_.clear();
  ready_.store(true, std::memory_order_release);
  if (listener_) listener_(true, "");
}

void RedisClient::Loop::OnConnectTimeout(evutil_socket_t /*fd*/, short /*events*/,
                                         void* self_ptr) {
  auto* self = static_cast<Loop*>(self_ptr);
  if (self->ac_ == nullptr) return;
  self->Drop(absl::StrCat("connect timed out: not ready within ",
                          absl::FormatDuration(self->options_.connect_timeout)));
}

void RedisClient::Loop::OnDisconnect(const redisAsyncContext* ac, int /*status*/) {
  auto* self = static_cast<Loop*>(ac->data);
  if (ac != self->ac_) return;  // dropped by the client, and reported then
  // hiredis lost the connection and frees it once this returns; pending
  // commands have had their callbacks (with no reply) already.
  self->ac_ = nullptr;
  self->Failed(
      absl::StrCat(self->ready() ? "connection lost: " : "connection lost before ready: ",
                   ac->c.err != 0 ? ac->c.errstr : "closed"));
}

void RedisClient::Loop::Drop(absl::string_view why) {
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  ready_.store(false, std::memory_order_release);
  // Unanswered commands end with UNAVAILABLE in here (or just after the
  // reply callback this is called from).
  redisAsyncFree(ac);
  Failed(why);
}

void RedisClient::Loop::Failed(absl::string_view why) {
  evtimer_del(connect_timer_);
  ready_.store(false, std::memory_order_release);
  not_ready_why_ = Redact(why);
  if (listener_) {
    const std::string told = not_ready_why_;
    listener_(false, told);
  }
  if (stopping_) return;
  const timeval wait = TimevalOf(backoff_.Next());
  evtimer_add(reconnect_timer_, &wait);
}

void RedisClient::Loop::Shutdown(std::deque<Request> queued) {
  stopping_ = true;
  evtimer_del(reconnect_timer_);
  evtimer_del(connect_timer_);
  ready_.store(false, std::memory_order_release);
  for (Request& request : queued) {
    std::move(request.done)(absl::CancelledError("the Redis client is shutting down"));
  }
  while (!unfinished_.empty()) {
    End(unfinished_.front(), absl::CancelledError("the Redis client is shutting down"));
  }
  if (ac_ != nullptr) {
    // hiredis calls OnReply for each command sent (ended above: nothing
    // runs) and OnDisconnect (not ac_ any more: ignored).
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    redisAsyncFree(ac);
  }
  event_base_loopbreak(base_);
}

std::string RedisClient::Loop::Redact(absl::string_view text) const {
  // Redis's own messages do not quote the password today; this keeps it so
  // should one ever start to.
  if (options_.password.empty()) return std::string(text);
  return absl::StrReplaceAll(text, {{options_.password, "<password>"}});
}

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Start(
    RedisClientOptions options, StateListener listener) {
  auto loop = std::make_unique<Loop>(std::move(options), std::move(listener));
  if (absl::Status started = loop->Start(); !started.ok()) return started;
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(loop)));
}

RedisClient::RedisClient(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}

RedisClient::~RedisClient() = default;

void RedisClient::Command(std::vector<std::string> argv, absl::Duration timeout,
                          ReplyCallback done) {
  loop_->Enqueue(std::move(argv), timeout, std::move(done));
}

bool RedisClient::ready() const { return loop_->ready(); }

const RedisAddress& RedisClient::address() const { return loop_->address(); }

}  // namespace gong::redis
