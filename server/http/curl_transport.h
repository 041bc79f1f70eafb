// HttpTransport over one libcurl multi handle and one event-loop thread.
//
// Every transfer shares that multi handle, so no thread ever blocks on the
// network and its connection cache gives keep-alive reuse (and HTTP/2
// multiplexing over TLS) to all callers. The loop thread waits in epoll and
// hands curl only the sockets that are ready (curl's socket API), so its
// cost per event does not grow with the transfers in flight.
//
// Whoever holds curl_mu_ drives curl. The loop holds it whenever it is
// awake; while it sleeps in epoll, a caller of Send takes it and starts its
// request itself, so a request on an idle transport is written on the
// caller's thread without waking the loop (a thread switch saved a call at
// low load: docs/performance.md#hand-offs-taken-out-and-what-each-bought).
// The loop wakes for the answer. When the loop is busy, work is queued for
// it behind an eventfd. Callbacks run only on the loop thread, never inside
// Send or Cancel.
//
// No request waits behind a connection that is not known to multiplex: a
// request waits to share a connection being made only towards an origin
// whose connections spoke HTTP/2, so a stalled HTTP/1.1 answer holds its
// own request and no other.
//
// Bounded: at most max_connections connections (requests beyond wait in
// curl for one), and none stays open idle past idle_connection_timeout.
//
// curl never sends a request twice: where it would (a reused connection
// that closed before any answer byte, an HTTP/2 stream the server refused),
// the transfer fails instead and says how far it got (Delivery), so that
// every resend is the caller's own decision, counted where it is made.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "http/http_transport.h"

namespace gong::http {

struct CurlTransfer;  // one request in flight; defined in the .cc

struct CurlTransportOptions {
  // Extra CA bundle to trust beside the system's. Verification is always on.
  std::string ca_file;
  std::string system_ca_dir = "/etc/ssl/certs";
  // Answers larger than this fail with kOther (Gong's are a few KiB).
  size_t max_response_bytes = 1 << 20;
  // Bound on making a connection (TCP and TLS), and on waiting for one that
  // another request is making: a server that stalls its handshake holds a
  // request this long at most, and the failure is kConnectFailed (never
  // sent), which may be retried.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Open connections at most, busy or idle.
  size_t max_connections = 100;
  // A connection idle this long is closed: a burst must not leave its
  // sockets (and the server's) open for good.
  absl::Duration idle_connection_timeout = absl::Seconds(30);
  std::string user_agent = "gong-flows-facade/1.0";
};

class CurlTransport final : public HttpTransport {
 public:
  // Expects curl_global_init() to have run (main does it once).
  static absl::StatusOr<std::unique_ptr<CurlTransport>> Create(
      CurlTransportOptions options);

  // Fails every unfinished request with kCancelled, then joins the thread.
  ~CurlTransport() override;

  RequestId Send(HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override;

 private:
  CurlTransport(CurlTransportOptions options, void* multi, int epoll_fd, int wake_fd,
                int timer_fd);
  // Sets `multi`'s limits and hands its sockets and timer to this loop.
  void Configure(void* multi);
  // curl's socket and timer callbacks (CURLMOPT_SOCKETFUNCTION and
  // CURLMOPT_TIMERFUNCTION), on the thread driving curl.
  static int OnSocket(void* easy, int socket, int what, void* self, void* socket_data);
  static int OnTimer(void* multi, long timeout_ms, void* self);
  void Loop();
  // Helpers for the thread that holds curl_mu_.
  void RunTimers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // When the timer fired (or a quiet second passed): runs curl's due timers
  // and sets the timer for curl's next deadline.
  void RunTimersAndRearm() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // curl's timer for `timeout_ms` from now (0: now; negative: none).
  void SetTimer(long timeout_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // Starts the queued requests (or, when stopping, fails them) and ends the
  // cancelled ones.
  void TakeUp(std::vector<std::pair<RequestId, std::unique_ptr<CurlTransfer>>> incoming,
              const std::vector<RequestId>& cancelled, bool stopping)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // Runs curl's timers for as long as curl asks for "now" (timeout 0),
  // which it does after a transfer is added, to start it.
  void RunDueTimers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  void StartTransfer(RequestId id, std::unique_ptr<CurlTransfer> transfer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // Ends transfer `id`; its callback goes to finished_.
  void FinishTransfer(RequestId id, HttpResult result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // Ends transfer `id` as kCancelled, if it has not finished.
  void CancelTransfer(RequestId id, absl::string_view why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  void ReapCompleted() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // Once no transfer has run for idle_connection_timeout, closes every
  // connection (curl itself closes idle ones only when a new transfer
  // starts) by replacing the multi handle, which owns them.
  void CloseIdleConnections() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // An easy handle from idle_easy_, or a new one (nullptr if that fails).
  void* TakeEasyHandle() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_);
  // Sets what every request shares on a new handle (a CURL*).
  void ConfigureEasyHandle(void* easy) const;
  // After work is queued (under mu_): wakes the loop if it sleeps.
  void WakeLoopIfSleeping() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WakeLoop();

  const CurlTransportOptions options_;
  const int epoll_fd_;  // owned; the loop waits here
  const int wake_fd_;   // owned eventfd, in epoll_fd_; written by any thread
  const int timer_fd_;  // owned timerfd, in epoll_fd_: curl's timer

  // Queued work, for whoever holds curl_mu_.
  absl::Mutex mu_ ABSL_ACQUIRED_AFTER(curl_mu_);
  RequestId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<std::pair<RequestId, std::unique_ptr<CurlTransfer>>> incoming_
      ABSL_GUARDED_BY(mu_);
  std::vector<RequestId> cancelled_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The loop is in (or about to enter) epoll_wait with nothing queued, so
  // queued work must wake it. While it runs it picks new work up anyway,
  // which saves a wake-up (two syscalls and often a thread switch).
  bool sleeping_ ABSL_GUARDED_BY(mu_) = false;
  // A sender holds curl_mu_ and takes up what is queued before it lets go,
  // so what is queued meanwhile needs no wake-up.
  bool sender_driving_ ABSL_GUARDED_BY(mu_) = false;

  // curl's state, for the thread driving it.
  absl::Mutex curl_mu_;
  void* multi_ ABSL_GUARDED_BY(curl_mu_);  // CURLM*, owned
  absl::flat_hash_map<RequestId, std::unique_ptr<CurlTransfer>> active_
      ABSL_GUARDED_BY(curl_mu_);
  // Ended transfers' callbacks with their results, for the loop to run
  // without curl_mu_ (a callback may send again).
  std::vector<std::pair<Callback, HttpResult>> finished_ ABSL_GUARDED_BY(curl_mu_);
  // curl asked for its timers to run now (OnTimer with 0).
  bool timers_due_now_ ABSL_GUARDED_BY(curl_mu_) = false;
  using SteadyTime = std::chrono::steady_clock::time_point;
  // When timer_fd_ fires (max: not set, or fired).
  SteadyTime timer_due_ ABSL_GUARDED_BY(curl_mu_) = SteadyTime::max();
  // Since when no transfer has run, and whether one has run on multi_
  // since then (so it may hold connections).
  SteadyTime idle_since_ ABSL_GUARDED_BY(curl_mu_) = std::chrono::steady_clock::now();
  bool may_hold_connections_ ABSL_GUARDED_BY(curl_mu_) = false;
  // Origins ("https://host:port") whose last connection to finish a
  // request spoke HTTP/2: requests to them wait to share a connection being
  // made (CURLOPT_PIPEWAIT). One entry per origin ever reached with HTTP/2
  // (the facade reaches one).
  absl::flat_hash_set<std::string> multiplexing_origins_ ABSL_GUARDED_BY(curl_mu_);
  // Finished easy handles, kept with their options for reuse: a new one per
  // request cost a dozen allocations. The cap bounds what a burst leaves
  // behind.
  static constexpr size_t kMaxIdleEasyHandles = 64;
  std::vector<void*> idle_easy_ ABSL_GUARDED_BY(curl_mu_);  // CURL*

  std::thread loop_;
};

}  // namespace gong::http
