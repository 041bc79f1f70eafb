// The sandbox Gong server: cpp-httplib plumbing, routing, the faults every
// endpoint shares, and request recording. The flows model is
// sandbox_flows_model.cc's; each endpoint's work and JSON is in the file
// named after it (see sandbox_endpoints.h).
#include "sandbox/sandbox_gong.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "httplib.h"
#include "sandbox/sandbox_endpoints.h"
#include "sandbox/sandbox_flows_model.h"
#include "sandbox/sandbox_request.h"
#include "sandbox/sandbox_socket.h"

namespace gong::sandbox {
namespace {

using internal::BlockSigpipe;
using internal::DropConnection;
using internal::Endpoint;
using internal::ErrorBody;
using internal::ErrorReply;
using internal::Reply;
using internal::StatusText;

// httplib keeps its listening socket protected; the sandbox needs it to
// raise the listen backlog.
class HttpServer : public httplib::Server {
 public:
  int listening_socket() const { return svr_sock_; }
};

// The query string of a request target ("/path?a=b" gives "a=b").
std::string QueryOf(const std::string& target) {
  const size_t question = target.find('?');
  return question == std::string::npos ? "" : target.substr(question + 1);
}

}  // namespace

class SandboxGong::Impl {
 public:
  explicit Impl(Options options)
      : options_(std::move(options)),
        behavior_(options_.behavior),
        after_acting_left_(options_.behavior.after_acting_requests) {
    // A bad seed is reported by Start(), which can fail; a constructor
    // cannot.
    seed_status_ = model_.Seed(options_.flows, options_.instances);
    if (seed_status_.ok()) seed_status_ = model_.SeedFolders(options_.folders);
    model_.AssignToDefaultFlow(options_.assigned_ids, SeedTime());
  }
  ~Impl() { Stop(); }

  absl::Status Start();
  void Stop();
  int port() const { return port_; }
  const std::string& host() const { return options_.host; }

  void SetBehavior(const Behavior& behavior) {
    absl::MutexLock lock(&mu_);
    behavior_ = behavior;
    window_.clear();  // a new limit starts from an empty second
    after_acting_left_ = behavior.after_acting_requests;
  }
  void Assign(const std::vector<std::string>& ids) {
    model_.AssignToDefaultFlow(ids, absl::Now());
  }
  bool IsAssigned(const std::string& id) const { return model_.IsOpen(id); }
  std::vector<RecordedRequest> Requests() const {
    absl::MutexLock lock(&mu_);
    return {requests_.begin(), requests_.end()};
  }
  int64_t RequestCount() const {
    absl::MutexLock lock(&mu_);
    return request_count_;
  }
  int64_t TooManyRequestsCount() const {
    absl::MutexLock lock(&mu_);
    return too_many_requests_;
  }
  std::map<std::string, int> WriteRequestsPerId() const;
  int64_t BulkAssignmentGets(const std::string& id) const {
    return model_.bulk_jobs().Gets(id);
  }

 private:
  void Configure();
  void Serve(const httplib::Request& req, httplib::Response& res);
  // Records the request; returns its fresh requestId and trace id, its
  // number (1 for the first request ever), and the behaviour in force when
  // it arrived.
  struct Arrival {
    std::string request_id;
    std::string trace_id;
    Behavior behavior;
    int64_t number = 0;
  };
  Arrival Record(const httplib::Request& req);
  // The answer, or nullopt when the connection is to be dropped without one
  // (Behavior::after_acting).
  std::optional<Reply> Answer(const Endpoint& endpoint, const httplib::Request& req,
                              const Arrival& arrival);
  // Does the endpoint's work; a write whose answer is to be lost after
  // acting answers that way instead (nullopt: drop the connection).
  std::optional<Reply> Work(const Endpoint& endpoint, const httplib::Request& req,
                            const Arrival& arrival);
  // Whether this write fails after acting, counting it against
  // Behavior::after_acting_requests.
  bool TakeAfterActingFailure(const Behavior& behavior);
  // Keeps a write's items in its recorded request, if still recorded.
  void RecordWriteItems(int64_t number, std::vector<std::string> items);
  bool AdmitUnderLimit(int qps_limit);
  // Counts the request in its UTC day and returns nullopt; or, once the
  // day's count has reached `daily_limit` (0: none), counts nothing and
  // returns the seconds to the next UTC midnight, for Retry-After.
  std::optional<int64_t> OverDailyLimit(int64_t daily_limit);
  void SleepUnlessStopping(absl::Duration delay);
  void Send(const Reply& reply, const httplib::Request& req,
            httplib::Response& res);
  void Log(const httplib::Request& req, absl::string_view outcome) const;

  const Options options_;
  HttpServer server_;
  std::thread thread_;
  std::atomic<bool> listen_returned_{false};
  int port_ = 0;

  absl::Status seed_status_;
  // Has its own lock: the model's work need not hold up recording.
  internal::FlowsModel model_;

  mutable absl::Mutex mu_;
  Behavior behavior_ ABSL_GUARDED_BY(mu_);
  std::deque<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  int64_t request_count_ ABSL_GUARDED_BY(mu_) = 0;
  // Times of the calls admitted under qps_limit, oldest first.
  std::deque<absl::Time> window_ ABSL_GUARDED_BY(mu_);
  // The requests of the UTC day numbered day_ (days since the epoch).
  int64_t day_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t day_count_ ABSL_GUARDED_BY(mu_) = 0;
  // The 429 answers given.
  int64_t too_many_requests_ ABSL_GUARDED_BY(mu_) = 0;
  // Write requests that may still fail after acting (negative: all).
  int after_acting_left_ ABSL_GUARDED_BY(mu_);
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);  // the answers' trace ids
  // Wakes handlers sleeping out a delay when the sandbox stops. A condition
  // variable rather than mu_.Await: absl::Mutex re-evaluates every waiter's
  // condition on each release, so with 1000 handlers asleep every request
  // paid for all of them and the sandbox fell far behind its delay.
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
};

void SandboxGong::Impl::Configure() {
  server_.new_task_queue = [threads = options_.threads] {
    return new httplib::ThreadPool(threads > 0 ? threads : 1);
  };
  // Clients such as a curl handle pool reuse connections for many calls;
  // httplib's default of 5 calls per connection would churn them.
  server_.set_keep_alive_max_count(1000000);
  // httplib's default is SO_REUSEPORT, which lets a second sandbox share a
  // port already in use and silently split the calls; SO_REUSEADDR still
  // allows a quick restart on the same port.
  server_.set_socket_options([](socket_t sock) {
    const int on = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    // Accepted sockets inherit it: httplib writes headers and body apart,
    // and Nagle's algorithm with the client's delayed ACK would add 40 ms
    // to every answer.
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  });
  server_.set_read_timeout(10, 0);
  server_.set_write_timeout(10, 0);
  // One catch-all route per method, so unknown paths get Gong's error shape
  // and every request is recorded.
  httplib::Server::Handler serve = [this](const httplib::Request& req,
                                          httplib::Response& res) {
    Serve(req, res);
  };
  server_.Get(".*", serve);
  server_.Post(".*", serve);
  server_.Put(".*", serve);
  server_.Patch(".*", serve);
  server_.Delete(".*", serve);
  server_.Options(".*", serve);
}

absl::Status SandboxGong::Impl::Start() {
  if (thread_.joinable() || listen_returned_) {
    return absl::FailedPreconditionError("the sandbox was already started");
  }
  if (!seed_status_.ok()) return seed_status_;
  if (options_.page_size < 1) {
    return absl::InvalidArgumentError("the sandbox's page_size must be at least 1");
  }
  Configure();
  port_ =
      options_.port == 0
          ? server_.bind_to_any_port(options_.host)
          : (server_.bind_to_port(options_.host, options_.port) ? options_.port
                                                                : -1);
  if (port_ < 0) {
    return absl::UnavailableError(absl::StrCat(
        "gong sandbox cannot listen on ", options_.host, ":", options_.port));
  }
  // httplib listens with a backlog of 5; hundreds of clients connecting at
  // once would overflow it and stall on SYN retries. Linux lets listen() be
  // called again on a listening socket to raise it.
  ::listen(server_.listening_socket(), SOMAXCONN);
  thread_ = std::thread([this] {
    BlockSigpipe();
    server_.listen_after_bind();
    listen_returned_ = true;
  });
  // Until httplib marks itself running, its stop() is a no-op, so returning
  // earlier would let a quick Stop() hang in join().
  while (!server_.is_running() && !listen_returned_) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (listen_returned_) {
    thread_.join();
    return absl::InternalError("gong sandbox stopped serving at once");
  }
  return absl::OkStatus();
}

void SandboxGong::Impl::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_.stop();
  thread_.join();
}

void SandboxGong::Impl::Serve(const httplib::Request& req,
                              httplib::Response& res) {
  const Arrival arrival = Record(req);
  res.set_header("X-Traceid", arrival.trace_id);
  const Endpoint* endpoint = internal::FindEndpoint(req.method, req.path);
  if (endpoint == nullptr) {
    Send(ErrorReply(arrival.request_id, 404,
                    absl::StrCat("No such endpoint: ", req.method, " ", req.path)),
         req, res);
    return;
  }
  if (arrival.behavior.drop_connection) {
    DropConnection(req, res);
    Log(req, "dropped");
    return;
  }
  if (arrival.behavior.delay > absl::ZeroDuration()) {
    SleepUnlessStopping(arrival.behavior.delay);
  }
  const std::optional<Reply> reply = Answer(*endpoint, req, arrival);
  if (!reply.has_value()) {
    DropConnection(req, res);
    Log(req, "dropped after acting");
    return;
  }
  Send(*reply, req, res);
}

std::optional<Reply> SandboxGong::Impl::Answer(const Endpoint& endpoint,
                                               const httplib::Request& req,
                                               const Arrival& arrival) {
  const Behavior& behavior = arrival.behavior;
  const std::string& request_id = arrival.request_id;
  if (!behavior.accepted_authorization.empty() &&
      req.get_header_value("Authorization") != behavior.accepted_authorization) {
    return ErrorReply(request_id, 401,
                      "Unauthorized: these credentials are not accepted");
  }
  if (behavior.qps_limit > 0 && !AdmitUnderLimit(behavior.qps_limit)) {
    return ErrorReply(request_id, 429, StatusText(429),
                      behavior.retry_after_seconds);
  }
  if (const std::optional<int64_t> until_midnight =
          OverDailyLimit(behavior.daily_limit)) {
    return ErrorReply(request_id, 429,
                      absl::StrCat(StatusText(429), " (the daily limit of ",
                                   behavior.daily_limit, " calls)"),
                      *until_midnight);
  }
  const int forced = behavior.force_status;
  if (forced != 0 && forced != 200) {
    if (forced >= 200 && forced < 300) return Reply{forced, "{}"};
    const int retry_after = forced == 429 ? behavior.retry_after_seconds : -1;
    if (!behavior.force_errors.empty()) {
      return Reply{forced, ErrorBody(request_id, behavior.force_errors), retry_after};
    }
    return ErrorReply(request_id, forced, StatusText(forced), retry_after);
  }
  if (!behavior.force_body.empty()) return Reply{200, behavior.force_body};
  if (!internal::HasAcceptedAuthorization(
          req.get_header_value("Authorization"))) {
    return ErrorReply(request_id, 401,
                      "Unauthorized: expected Basic or Bearer credentials");
  }
  return Work(endpoint, req, arrival);
}

std::optional<Reply> SandboxGong::Impl::Work(const Endpoint& endpoint,
                                             const httplib::Request& req,
                                             const Arrival& arrival) {
  const Behavior& behavior = arrival.behavior;
  const bool writes = !endpoint.items_field.empty();
  const bool fails = writes && TakeAfterActingFailure(behavior);
  const internal::Call call{req.body,
                            req.params,
                            behavior,
                            arrival.request_id,
                            absl::Now(),
                            options_.page_size,
                            fails ? behavior.after_acting_items : 0,
                            internal::PathId(endpoint, req.path)};
  Reply reply = endpoint.handler(call, model_);
  // Before anything is answered, so that a client that got its answer (or
  // lost it) finds the items recorded.
  if (writes) {
    RecordWriteItems(arrival.number,
                     internal::WriteItems(endpoint, req.body, call.items_to_do));
  }
  if (!fails) return reply;
  switch (behavior.after_acting) {
    case Behavior::AfterActing::kAnswer:
      break;
    case Behavior::AfterActing::kDropConnection:
      return std::nullopt;
    case Behavior::AfterActing::kStatus500:
      return ErrorReply(arrival.request_id, 500, StatusText(500));
    case Behavior::AfterActing::kStatus502:
      return ErrorReply(arrival.request_id, 502, StatusText(502));
    case Behavior::AfterActing::kStatus504:
      return ErrorReply(arrival.request_id, 504, StatusText(504));
  }
  return reply;
}

bool SandboxGong::Impl::TakeAfterActingFailure(const Behavior& behavior) {
  if (behavior.after_acting == Behavior::AfterActing::kAnswer) return false;
  absl::MutexLock lock(&mu_);
  if (after_acting_left_ == 0) return false;
  if (after_acting_left_ > 0) --after_acting_left_;
  return true;
}

void SandboxGong::Impl::RecordWriteItems(int64_t number, std::vector<std::string> items) {
  absl::MutexLock lock(&mu_);
  // requests_ holds the most recent requests, the last one numbered
  // request_count_.
  const int64_t first = request_count_ - static_cast<int64_t>(requests_.size()) + 1;
  if (number < first) return;  // no longer recorded
  requests_[static_cast<size_t>(number - first)].write_items = std::move(items);
}

std::map<std::string, int> SandboxGong::Impl::WriteRequestsPerId() const {
  std::map<std::string, int> counts;
  absl::MutexLock lock(&mu_);
  for (const RecordedRequest& request : requests_) {
    // A request naming an id twice still wrote it in one request.
    absl::flat_hash_set<absl::string_view> seen;
    for (const std::string& id : request.write_items) {
      if (seen.insert(id).second) ++counts[id];
    }
  }
  return counts;
}

SandboxGong::Impl::Arrival SandboxGong::Impl::Record(const httplib::Request& req) {
  RecordedRequest recorded{req.method,
                           req.path,
                           req.get_header_value("Authorization"),
                           req.get_header_value("Content-Type"),
                           req.body,
                           absl::Now(),
                           QueryOf(req.target),
                           /*header_names=*/{},
                           /*trace_id=*/{},
                           /*write_items=*/{}};
  for (const auto& header : req.headers) {
    recorded.header_names.push_back(absl::AsciiStrToLower(header.first));
  }
  absl::MutexLock lock(&mu_);
  recorded.trace_id = absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random_),
                                      absl::Uniform<uint64_t>(random_));
  ++request_count_;
  Arrival arrival{absl::StrFormat("sbx-%06d", request_count_), recorded.trace_id,
                  behavior_, request_count_};
  requests_.push_back(std::move(recorded));
  if (requests_.size() > SandboxGong::kMaxRecorded) requests_.pop_front();
  return arrival;
}

bool SandboxGong::Impl::AdmitUnderLimit(int qps_limit) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  while (!window_.empty() && window_.front() <= now - absl::Seconds(1)) {
    window_.pop_front();
  }
  if (window_.size() >= static_cast<size_t>(qps_limit)) return false;
  window_.push_back(now);
  return true;
}

std::optional<int64_t> SandboxGong::Impl::OverDailyLimit(int64_t daily_limit) {
  constexpr int64_t kSecondsADay = 24 * 60 * 60;
  const absl::Time now = absl::Now();
  const int64_t day = absl::ToUnixSeconds(now) / kSecondsADay;  // now is past 1970
  absl::MutexLock lock(&mu_);
  if (day != day_) {
    day_ = day;
    day_count_ = 0;
  }
  if (daily_limit > 0 && day_count_ >= daily_limit) {
    const absl::Time midnight = absl::FromUnixSeconds((day + 1) * kSecondsADay);
    return std::max<int64_t>(
        1, absl::ToInt64Seconds(absl::Ceil(midnight - now, absl::Seconds(1))));
  }
  ++day_count_;
  return std::nullopt;
}

void SandboxGong::Impl::SleepUnlessStopping(absl::Duration delay) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(delay), [this] { return stopping_; });
}

void SandboxGong::Impl::Send(const Reply& reply, const httplib::Request& req,
                             httplib::Response& res) {
  res.status = reply.status;
  res.set_content(reply.body, "application/json");
  if (reply.retry_after_seconds >= 0) {
    res.set_header("Retry-After", std::to_string(reply.retry_after_seconds));
  }
  if (reply.status != 429) {
    Log(req, std::to_string(reply.status));
    return;
  }
  int64_t too_many_requests;
  {
    absl::MutexLock lock(&mu_);
    too_many_requests = ++too_many_requests_;
  }
  Log(req, absl::StrCat("429 (429 answers so far: ", too_many_requests, ")"));
}

void SandboxGong::Impl::Log(const httplib::Request& req,
                            absl::string_view outcome) const {
  if (!options_.log_requests) return;
  // One fputs per line keeps lines from concurrent handlers whole.
  const std::string line =
      absl::StrCat(req.method, " ", req.path, " ", outcome, "\n");
  std::fputs(line.c_str(), stderr);
}

SandboxGong::SandboxGong(Options options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
SandboxGong::~SandboxGong() = default;

absl::Status SandboxGong::Start() { return impl_->Start(); }
void SandboxGong::Stop() { impl_->Stop(); }
int SandboxGong::port() const { return impl_->port(); }

std::string SandboxGong::base_url() const {
  const std::string& host = impl_->host();
  const bool ipv6 = host.find(':') != std::string::npos;
  return absl::StrCat("http://", ipv6 ? "[" : "", host, ipv6 ? "]" : "", ":",
                      impl_->port());
}

void SandboxGong::SetBehavior(const Behavior& behavior) {
  impl_->SetBehavior(behavior);
}
void SandboxGong::Assign(const std::vector<std::string>& ids) {
  impl_->Assign(ids);
}
bool SandboxGong::IsAssigned(const std::string& id) const {
  return impl_->IsAssigned(id);
}
std::vector<RecordedRequest> SandboxGong::Requests() const {
  return impl_->Requests();
}
int64_t SandboxGong::RequestCount() const { return impl_->RequestCount(); }
int64_t SandboxGong::TooManyRequestsCount() const {
  return impl_->TooManyRequestsCount();
}
std::map<std::string, int> SandboxGong::WriteRequestsPerId() const {
  return impl_->WriteRequestsPerId();
}
int64_t SandboxGong::BulkAssignmentGets(const std::string& id) const {
  return impl_->BulkAssignmentGets(id);
}

}  // namespace gong::sandbox
