// HttpTransport over one libcurl multi handle driven by one thread.
//
// Every transfer lives on that thread, so no thread ever blocks on the
// network and the multi handle's connection cache gives keep-alive reuse
// (and HTTP/2 multiplexing over TLS) to all callers. The thread waits in
// epoll and hands curl only the sockets that are ready (curl's socket API),
// so its cost per event does not grow with the transfers in flight. Other
// threads hand work over through a queue and an eventfd.
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
  CurlTransport(CurlTransportOptions options, void* multi, int epoll_fd, int wake_fd);
  // Sets `multi`'s limits and hands its sockets and timer to this loop.
  void Configure(void* multi);
  // curl's socket and timer callbacks (CURLMOPT_SOCKETFUNCTION and
  // CURLMOPT_TIMERFUNCTION), on the loop thread.
  static int OnSocket(void* easy, int socket, int what, void* self, void* socket_data);
  static int OnTimer(void* multi, long timeout_ms, void* self);
  void RunTimers();  // curl_multi_socket_action(CURL_SOCKET_TIMEOUT)
  void Loop();
  // Loop-thread helpers.
  void StartTransfer(RequestId id, std::unique_ptr<CurlTransfer> transfer);
  void FinishTransfer(RequestId id, HttpResult result);
  // Ends transfer `id` as kCancelled, if it has not finished.
  void CancelTransfer(RequestId id, absl::string_view why);
  void ReapCompleted();
  // Once no transfer has run for idle_connection_timeout, closes every
  // connection (curl itself closes idle ones only when a new transfer
  // starts) by replacing the multi handle, which owns them.
  void CloseIdleConnections();
  // An easy handle from idle_easy_, or a new one (nullptr if that fails).
  void* TakeEasyHandle();
  // After work is queued (under mu_): wakes the loop if it sleeps.
  void WakeLoopIfSleeping() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CurlTransportOptions options_;
  void* multi_;         // CURLM*, owned; touched only by the loop thread
  const int epoll_fd_;  // owned; the loop waits here
  const int wake_fd_;   // owned eventfd, in epoll_fd_; written by any thread

  absl::Mutex mu_;
  RequestId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<std::pair<RequestId, std::unique_ptr<CurlTransfer>>> incoming_
      ABSL_GUARDED_BY(mu_);
  std::vector<RequestId> cancelled_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The loop is in (or about to enter) curl_multi_poll with nothing queued,
  // so new work must wake it. While it runs it picks new work up anyway,
  // which saves a wake-up (two syscalls and often a thread switch) per
  // request under load.
  bool sleeping_ ABSL_GUARDED_BY(mu_) = false;

  // Loop thread only.
  absl::flat_hash_map<RequestId, std::unique_ptr<CurlTransfer>> active_;
  using SteadyTime = std::chrono::steady_clock::time_point;
  SteadyTime timer_ = SteadyTime::max();  // when curl's timer is due
  // Since when no transfer has run, and whether one has run on multi_
  // since then (so it may hold connections).
  SteadyTime idle_since_ = std::chrono::steady_clock::now();
  bool may_hold_connections_ = false;
  // Finished easy handles, reset for reuse: a new one per request cost a
  // dozen allocations. The cap bounds what a burst leaves behind.
  static constexpr size_t kMaxIdleEasyHandles = 64;
  std::vector<void*> idle_easy_;  // CURL*

  std::thread loop_;
};

}  // namespace gong::http
