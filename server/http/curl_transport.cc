#include "http/curl_transport.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/thread_name.h"

namespace gong::http {

struct CurlTransfer {
  HttpRequest request;
  HttpTransport::Callback done;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  HttpResponse response;
  size_t max_bytes = 0;
  bool too_large = false;
  // Times curl was about to send the request (CURLOPT_PREREQFUNCTION); a
  // second time is a resend of curl's own, which is refused.
  int sends = 0;
  bool resend_refused = false;
  bool http2 = false;  // the connection of the first send spoke HTTP/2
  // "scheme://authority" of request.url: which connections it may share.
  absl::string_view origin;
  char error[CURL_ERROR_SIZE] = {0};

  ~CurlTransfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(header_list);
  }
};

namespace {

CURLM* AsMulti(void* p) { return static_cast<CURLM*>(p); }

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<CurlTransfer*>(user);
  const size_t n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<CurlTransfer*>(user);
  const size_t n = size * count;
  absl::string_view line(data, n);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new status line (after a 1xx): headers so far belonged to it.
    t->response.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    t->response.headers[name] = std::string(value);
  }
  return n;
}

// "scheme://host:port" of `url` (up to the path, query or fragment): the
// connections a request may share are those to its origin.
absl::string_view OriginOf(absl::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return url;
  const size_t end = url.find_first_of("/?#", scheme_end + 3);
  return url.substr(0, end);
}

// Whether `easy`'s connection negotiated HTTP/2 (ALPN "h2"). Plain http is
// HTTP/1.1: curl speaks HTTP/2 over TLS only, unless told otherwise.
bool NegotiatedHttp2(CURL* easy) {
  curl_tlssessioninfo* tls = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &tls) != CURLE_OK || tls == nullptr ||
      tls->backend != CURLSSLBACKEND_OPENSSL || tls->internals == nullptr) {
    return false;
  }
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(static_cast<SSL*>(tls->internals), &protocol, &length);
  return absl::string_view(reinterpret_cast<const char*>(protocol), length) == "h2";
}

// Called each time curl is about to send the request on a connection.
// libcurl sends a request again by itself when a reused connection closes
// before any answer byte, or when an HTTP/2 server refuses the stream (up
// to five times, uncounted by anyone): neither can be turned off, so the
// second call aborts the transfer, and the caller decides whether to resend.
int OnBeforeSend(void* user, char* /*remote_ip*/, char* /*local_ip*/, int /*remote_port*/,
                 int /*local_port*/) {
  auto* t = static_cast<CurlTransfer*>(user);
  if (t->sends++ > 0) {
    t->resend_refused = true;
    return CURL_PREREQFUNC_ABORT;
  }
  t->http2 = NegotiatedHttp2(t->easy);
  return CURL_PREREQFUNC_OK;
}

TransportFailure Classify(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return TransportFailure::kTimeout;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return TransportFailure::kConnectFailed;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return TransportFailure::kTlsFailure;
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return TransportFailure::kConnectionDropped;
    default:
      return TransportFailure::kOther;
  }
}

// The error of a transfer that ended with `code`, and how far its request
// got. `deadline_passed`: the caller's deadline, not the connect timeout,
// ended it.
TransportError TransferError(const CurlTransfer& t, CURLcode code, bool deadline_passed) {
  if (t.resend_refused) {
    // curl wanted to send again: no answer byte came on the first send. An
    // HTTP/2 server does that by refusing the stream (REFUSED_STREAM), which
    // promises the request was not processed; over HTTP/1.1 a reused
    // connection closed under it, after the request may have run.
    return TransportError{
        TransportFailure::kConnectionDropped,
        t.http2 ? "the server refused the request unprocessed (HTTP/2 stream refused)"
                : "the connection closed before any answer; the request may have run",
        t.http2 ? Delivery::kNotProcessed : Delivery::kMaybeProcessed};
  }
  TransportFailure kind = Classify(code);
  std::string message = t.error[0] != '\0' ? t.error : curl_easy_strerror(code);
  switch (code) {
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
      // curl's words name the server's files, which callers must not see.
      message = "the configured CA bundle or certificate cannot be used";
      break;
    default:
      break;
  }
  if (t.sends > 0)
    return TransportError{kind, std::move(message), Delivery::kMaybeProcessed};
  // Never sent: out of time before a connection was there.
  if (kind == TransportFailure::kTimeout && !deadline_passed) {
    kind = TransportFailure::kConnectFailed;
  }
  return TransportError{kind, std::move(message), Delivery::kNotSent};
}

}  // namespace

absl::StatusOr<std::unique_ptr<CurlTransport>> CurlTransport::Create(
    CurlTransportOptions options) {
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  // curl's timer as a file descriptor: whichever thread drives curl can
  // set it, and the sleeping loop sees the change without being woken.
  const int timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  CURLM* multi = curl_multi_init();
  auto watch = [epoll_fd](int fd) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0;
  };
  if (epoll_fd < 0 || wake_fd < 0 || timer_fd < 0 || multi == nullptr ||
      !watch(wake_fd) || !watch(timer_fd)) {
    for (int fd : {epoll_fd, wake_fd, timer_fd}) {
      if (fd >= 0) close(fd);
    }
    if (multi != nullptr) curl_multi_cleanup(multi);
    return absl::InternalError(
        "cannot set up the HTTP event loop (epoll, eventfd, timerfd, curl)");
  }
  return std::unique_ptr<CurlTransport>(
      new CurlTransport(std::move(options), multi, epoll_fd, wake_fd, timer_fd));
}

CurlTransport::CurlTransport(CurlTransportOptions options, void* multi, int epoll_fd,
                             int wake_fd, int timer_fd)
    : options_(std::move(options)),
      epoll_fd_(epoll_fd),
      wake_fd_(wake_fd),
      timer_fd_(timer_fd),
      multi_(multi) {
  Configure(multi);
  loop_ = std::thread([this] {
    base::NameThisThread("curl-loop");
    Loop();
  });
}

void CurlTransport::Configure(void* multi_ptr) {
  CURLM* multi = AsMulti(multi_ptr);
  // Prefer one multiplexed HTTP/2 connection over opening new ones.
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  const long max_connections =
      static_cast<long>(std::max<size_t>(1, options_.max_connections));
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_connections);
  // curl's cache of idle connections defaults to 4 per transfer ever added
  // at once: after a burst of 1000 requests, 4000.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, max_connections);
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &CurlTransport::OnSocket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &CurlTransport::OnTimer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
}

CurlTransport::~CurlTransport() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    WakeLoopIfSleeping();
  }
  loop_.join();
  // Sent as the loop stopped: failed here, once.
  std::vector<std::pair<RequestId, std::unique_ptr<CurlTransfer>>> late;
  {
    absl::MutexLock lock(&mu_);
    late.swap(incoming_);
  }
  for (auto& [id, transfer] : late) {
    std::move(transfer->done)(TransportError{
        TransportFailure::kCancelled, "transport shutting down", Delivery::kNotSent});
  }
  absl::MutexLock lock(&curl_mu_);
  for (void* easy : idle_easy_) curl_easy_cleanup(easy);
  curl_multi_cleanup(AsMulti(multi_));
  close(timer_fd_);
  close(wake_fd_);
  close(epoll_fd_);
}

HttpTransport::RequestId CurlTransport::Send(HttpRequest request, Callback done) {
  auto transfer = std::make_unique<CurlTransfer>();
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  RequestId id;
  {
    absl::MutexLock lock(&mu_);
    id = next_id_++;
    incoming_.emplace_back(id, std::move(transfer));
  }
  if (!curl_mu_.TryLock()) {
    // Whoever holds curl_mu_ takes the request up before letting go: the
    // loop while it is awake, or another sender. Only a sleeping loop with
    // no sender driving for it needs waking.
    absl::MutexLock lock(&mu_);
    if (!sender_driving_) WakeLoopIfSleeping();
    return id;
  }
  // The loop sleeps: this thread starts the request, and any queued while
  // it does. curl writes them now on warm connections, and the loop wakes
  // for the answers.
  bool stopping = false;
  for (;;) {
    std::vector<std::pair<RequestId, std::unique_ptr<CurlTransfer>>> incoming;
    std::vector<RequestId> cancelled;
    {
      absl::MutexLock lock(&mu_);
      // Once stopping, queued work is the loop's (or the destructor's).
      stopping = stopping_;
      sender_driving_ = !stopping && (!incoming_.empty() || !cancelled_.empty());
      if (!sender_driving_) break;
      incoming.swap(incoming_);
      cancelled.swap(cancelled_);
    }
    TakeUp(std::move(incoming), cancelled, /*stopping=*/false);
    RunDueTimers();  // starts the new transfers
    ReapCompleted();
  }
  const bool finished = !finished_.empty();
  curl_mu_.Unlock();
  // A callback, if a request ended at once, runs on the loop thread.
  if (finished || stopping) WakeLoop();
  return id;
}

void CurlTransport::Cancel(RequestId id) {
  absl::MutexLock lock(&mu_);
  cancelled_.push_back(id);
  if (!sender_driving_) WakeLoopIfSleeping();
}

void CurlTransport::TakeUp(
    std::vector<std::pair<RequestId, std::unique_ptr<CurlTransfer>>> incoming,
    const std::vector<RequestId>& cancelled, bool stopping) {
  for (auto& [id, transfer] : incoming) {
    if (stopping) {
      finished_.emplace_back(
          std::move(transfer->done),
          TransportError{TransportFailure::kCancelled, "transport shutting down",
                         Delivery::kNotSent});
    } else {
      StartTransfer(id, std::move(transfer));
    }
  }
  for (RequestId id : cancelled) CancelTransfer(id, "cancelled by the caller");
}

void CurlTransport::WakeLoopIfSleeping() {
  if (!sleeping_) return;
  sleeping_ = false;  // one wake-up is enough until it sleeps again
  WakeLoop();
}

void CurlTransport::WakeLoop() {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

int CurlTransport::OnSocket(void* /*easy*/, int socket, int what, void* self_ptr,
                            void* /*socket_ptr*/) {
  auto* self = static_cast<CurlTransport*>(self_ptr);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, socket, nullptr);
    return 0;
  }
  epoll_event event{};
  event.data.fd = socket;
  if (what & CURL_POLL_IN) event.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) event.events |= EPOLLOUT;
  if (epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, socket, &event) != 0) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, socket, &event);
  }
  return 0;
}

int CurlTransport::OnTimer(void* /*multi*/, long timeout_ms, void* self_ptr)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {  // curl calls it under curl_mu_
  static_cast<CurlTransport*>(self_ptr)->SetTimer(timeout_ms);
  return 0;
}

// curl moves its next deadline at nearly every transfer's start and end,
// mostly later (the next transfer's timeout): setting the timerfd each time
// was a syscall a request. So the timerfd is set only for an earlier
// deadline; when it fires, curl is asked for its next one.
void CurlTransport::SetTimer(long timeout_ms) {
  if (timeout_ms == 0) {
    timers_due_now_ = true;  // the driving thread runs them next
    return;
  }
  // No timer (a negative timeout): one already set fires harmlessly.
  if (timeout_ms < 0) return;
  const SteadyTime due =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  if (due >= timer_due_) return;
  timer_due_ = due;
  itimerspec when{};
  when.it_value.tv_sec = timeout_ms / 1000;
  when.it_value.tv_nsec = (timeout_ms % 1000) * 1000000;
  timerfd_settime(timer_fd_, 0, &when, nullptr);
}

void CurlTransport::RunTimers() {
  int running = 0;
  curl_multi_socket_action(AsMulti(multi_), CURL_SOCKET_TIMEOUT, 0, &running);
}

void CurlTransport::RunTimersAndRearm() {
  timer_due_ = SteadyTime::max();
  RunTimers();
  // curl reports its next deadline only when it changes, and one that was
  // later than the timer's was not set (SetTimer): ask for it.
  long next_ms = -1;
  curl_multi_timeout(AsMulti(multi_), &next_ms);
  SetTimer(next_ms);
}

void CurlTransport::RunDueTimers() {
  while (timers_due_now_) {
    timers_due_now_ = false;
    RunTimers();
  }
}

void CurlTransport::StartTransfer(RequestId id, std::unique_ptr<CurlTransfer> transfer) {
  const absl::Duration left = transfer->request.deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    finished_.emplace_back(std::move(transfer->done),
                           TransportError{TransportFailure::kTimeout,
                                          "deadline already passed", Delivery::kNotSent});
    return;
  }
  CurlTransfer* t = transfer.get();
  t->max_bytes = options_.max_response_bytes;
  CURL* easy = t->easy = TakeEasyHandle();
  if (easy == nullptr) {
    finished_.emplace_back(std::move(t->done),
                           TransportError{TransportFailure::kOther,
                                          "curl_easy_init failed", Delivery::kNotSent});
    return;
  }
  for (const std::string& h : t->request.headers) {
    t->header_list = curl_slist_append(t->header_list, h.c_str());
  }
  // No "Expect: 100-continue" round trip before the body.
  t->header_list = curl_slist_append(t->header_list, "Expect:");

  // What differs between requests; the rest was set when the handle was
  // made (ConfigureEasyHandle).
  curl_easy_setopt(easy, CURLOPT_URL, t->request.url.c_str());
  // PIPEWAIT makes a request wait for a connection that is being made, or
  // has yet to answer, to learn whether it can share it: that saves a
  // connection per request in a burst over HTTP/2. But curl learns that an
  // HTTP/1.1 connection cannot multiplex only from its first answer (over
  // plain http, where no ALPN says so at the handshake), so behind one
  // stalled answer every other request would wait for it to end, however
  // long. Hence PIPEWAIT only towards an origin seen to speak HTTP/2 (ALPN
  // "h2", which curl reads at the handshake, so the wait is bounded by the
  // connect timeout): never over plain http, which curl speaks as
  // HTTP/1.1. The first burst to a new origin may open a connection per
  // request (within max_connections); later ones share.
  t->origin = OriginOf(t->request.url);
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT,
                   multiplexing_origins_.contains(t->origin) ? 1L : 0L);
  if (t->request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, nullptr);
  } else {
    // A body (possibly empty) under any other method: POST's options, with
    // the method's own name unless it is POST.
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(t->request.body.size()));
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST,
                     t->request.method != "POST" ? t->request.method.c_str() : nullptr);
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->header_list);
  const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(left));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(ms));
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, t);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(easy, CURLOPT_PRIVATE,
                   reinterpret_cast<void*>(static_cast<uintptr_t>(id)));

  const CURLMcode rc = curl_multi_add_handle(AsMulti(multi_), easy);
  if (rc != CURLM_OK) {
    finished_.emplace_back(
        std::move(t->done),
        TransportError{TransportFailure::kOther,
                       absl::StrCat("curl_multi_add_handle: ", curl_multi_strerror(rc)),
                       Delivery::kNotSent});
    return;
  }
  may_hold_connections_ = true;
  active_.emplace(id, std::move(transfer));
}

void CurlTransport::FinishTransfer(RequestId id, HttpResult result) {
  auto node = active_.extract(id);
  if (node.empty()) return;  // finished already; a late Cancel
  std::unique_ptr<CurlTransfer> t = std::move(node.mapped());
  if (t->sends > 0) {
    // What its connection spoke is what the origin speaks now: a server that
    // stopped offering HTTP/2 (a proxy put in front, say) is not waited on.
    if (t->http2) {
      if (!multiplexing_origins_.contains(t->origin))
        multiplexing_origins_.emplace(t->origin);
    } else {
      multiplexing_origins_.erase(t->origin);
    }
  }
  curl_multi_remove_handle(AsMulti(multi_), t->easy);
  if (idle_easy_.size() < kMaxIdleEasyHandles) {
    // The handle keeps its options, but nothing of this transfer, which is
    // about to be freed.
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(t->easy, CURLOPT_PREREQDATA, nullptr);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, nullptr);
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, nullptr);
    idle_easy_.push_back(std::exchange(t->easy, nullptr));
  }
  if (auto* response = std::get_if<HttpResponse>(&result)) {
    *response = std::move(t->response);
  }
  finished_.emplace_back(std::move(t->done), std::move(result));
  if (active_.empty()) idle_since_ = std::chrono::steady_clock::now();
}

void CurlTransport::CancelTransfer(RequestId id, absl::string_view why) {
  auto it = active_.find(id);
  if (it == active_.end()) return;  // finished already; a late Cancel
  const Delivery delivery =
      it->second->sends > 0 ? Delivery::kMaybeProcessed : Delivery::kNotSent;
  FinishTransfer(
      id, TransportError{TransportFailure::kCancelled, std::string(why), delivery});
}

void* CurlTransport::TakeEasyHandle() {
  if (!idle_easy_.empty()) {
    CURL* easy = idle_easy_.back();
    idle_easy_.pop_back();
    return easy;
  }
  CURL* easy = curl_easy_init();
  if (easy != nullptr) ConfigureEasyHandle(easy);
  return easy;
}

// What every request on this transport shares, set once a handle: a reused
// handle keeps its options. Resetting it and setting them all again made
// allocations on every call, since curl copies each string option
// (docs/performance.md#hand-offs-taken-out-and-what-each-bought).
void CurlTransport::ConfigureEasyHandle(void* handle) const {
  CURL* easy = handle;
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  // No CURLOPT_ACCEPT_ENCODING: Gong's answers are a few KiB, and asking
  // for every encoding curl knows invites brotli, whose encoder costs the
  // other side more time an answer than it saves on the wire
  // (docs/performance.md#what-profiling-found-and-fixed).

  // curl's default 16 KiB receive buffer per transfer was a large share of
  // the facade's memory per pending call, and 4 KiB costs only one more
  // read on the largest answers (docs/performance.md#what-profiling-found-and-fixed).
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 4096L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  // While others are busy, an idle connection older than this is not
  // reused, and curl closes it when it next looks for one.
  curl_easy_setopt(easy, CURLOPT_MAXAGE_CONN,
                   static_cast<long>(std::max<int64_t>(
                       1, absl::ToInt64Seconds(absl::Ceil(
                              options_.idle_connection_timeout, absl::Seconds(1))))));
  // A redirect is an unexpected answer to report, never to follow.
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  if (!options_.ca_file.empty()) {
    // The extra bundle as CAINFO, with the system's hashed directory kept as
    // CAPATH, so OpenSSL trusts both rather than the extra bundle alone.
    curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_CAPATH, options_.system_ca_dir.c_str());
  }
  // With PIPEWAIT (towards an origin known to speak HTTP/2) a request waits
  // for a connection another one is making, to share it: this bounds that
  // wait too, as the handshake that answers it must end by then.
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(
                       1, absl::ToInt64Milliseconds(options_.connect_timeout))));
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &OnBeforeSend);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
}

void CurlTransport::CloseIdleConnections() {
  if (!active_.empty() || !may_hold_connections_ ||
      std::chrono::steady_clock::now() - idle_since_ <
          absl::ToChronoNanoseconds(options_.idle_connection_timeout)) {
    return;
  }
  CURLM* fresh = curl_multi_init();
  if (fresh == nullptr) return;  // try again on the next pass
  Configure(fresh);
  curl_multi_cleanup(AsMulti(multi_));  // closes its connections
  multi_ = fresh;
  const itimerspec stop{};
  timerfd_settime(timer_fd_, 0, &stop, nullptr);
  timer_due_ = SteadyTime::max();
  timers_due_now_ = false;
  may_hold_connections_ = false;
}

void CurlTransport::ReapCompleted() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(AsMulti(multi_), &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    void* priv = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    const auto id = static_cast<RequestId>(reinterpret_cast<uintptr_t>(priv));
    auto it = active_.find(id);
    if (it == active_.end()) continue;
    CurlTransfer& t = *it->second;
    const CURLcode code = msg->data.result;
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
      t.response.status = static_cast<int>(status);
      FinishTransfer(id, HttpResponse{});  // filled from t.response
    } else if (t.too_large) {
      FinishTransfer(
          id, TransportError{TransportFailure::kOther, "response larger than allowed"});
    } else {
      FinishTransfer(id, TransferError(t, code, absl::Now() >= t.request.deadline));
    }
  }
}

void CurlTransport::Loop() {
  curl_mu_.Lock();
  for (;;) {
    std::vector<std::pair<RequestId, std::unique_ptr<CurlTransfer>>> incoming;
    std::vector<RequestId> cancelled;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      incoming.swap(incoming_);
      cancelled.swap(cancelled_);
      stopping = stopping_;
    }
    TakeUp(std::move(incoming), cancelled, stopping);
    if (stopping) {
      std::vector<RequestId> left;
      for (const auto& entry : active_) left.push_back(entry.first);
      for (RequestId id : left) CancelTransfer(id, "transport shutting down");
    }
    RunDueTimers();  // starts the new transfers
    ReapCompleted();
    CloseIdleConnections();
    if (!finished_.empty()) {
      // Callbacks run without curl_mu_, so that one may send again (and
      // start its request itself); then the loop looks for work anew.
      std::vector<std::pair<Callback, HttpResult>> finished;
      finished.swap(finished_);
      curl_mu_.Unlock();
      for (auto& [done, result] : finished) std::move(done)(std::move(result));
      curl_mu_.Lock();
      continue;
    }
    if (stopping) break;
    {
      absl::MutexLock lock(&mu_);
      if (!incoming_.empty() || !cancelled_.empty() || stopping_) continue;
      sleeping_ = true;
    }
    // Sleeps until a socket is ready, curl's timer fires, or another
    // thread writes wake_fd_ (a wake-up written before the wait starts
    // still ends it at once). Meanwhile a sender may drive curl.
    curl_mu_.Unlock();
    epoll_event events[256];
    const int ready = epoll_wait(epoll_fd_, events, 256, 1000);
    curl_mu_.Lock();
    {
      absl::MutexLock lock(&mu_);
      sleeping_ = false;
    }
    // A quiet second runs curl's timers anyway, so a timer curl did not
    // report (it calls back only when its earliest deadline changes) is
    // late by a second at most, never lost.
    if (ready == 0) RunTimersAndRearm();
    // Only the sockets that are ready are handed to curl: with 1000
    // transfers in flight, curl_multi_perform walked (and polled) all of
    // them on every wake-up.
    for (int i = 0; i < ready; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_ || fd == timer_fd_) {
        uint64_t count;
        (void)!read(fd, &count, sizeof(count));
        if (fd == timer_fd_) RunTimersAndRearm();
        continue;
      }
      int mask = 0;
      if (events[i].events & (EPOLLIN | EPOLLHUP)) mask |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (events[i].events & EPOLLERR) mask |= CURL_CSELECT_ERR;
      int running = 0;
      curl_multi_socket_action(AsMulti(multi_), fd, mask, &running);
    }
  }
  curl_mu_.Unlock();
}

}  // namespace gong::http
