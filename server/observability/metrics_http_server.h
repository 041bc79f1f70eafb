// Serves GET /metrics over HTTP/1.1 from one libevent loop on a thread of
// its own.
//
// prometheus-cpp's own exposer (civetweb) gives each connection a worker
// thread until its request is whole: a few hundred connections that never
// finish a request starved /metrics on a port that listens on every
// interface. Here a connection costs a buffer, not a thread, and one whose
// request is not whole within `request_timeout` is closed.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct event;
struct event_base;
struct evhttp;
struct evhttp_request;

namespace gong::observability::internal {

class MetricsHttpServer {
 public:
  // The exposition text and its Content-Type, made at each scrape (on the
  // server's thread).
  struct Page {
    std::string content_type;
    std::string body;
  };
  using Render = std::function<Page()>;

  // Listens on `address` (HOST:PORT, [IPv6]:PORT; port 0 picks one).
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& address, Render render,
      absl::Duration request_timeout = absl::Seconds(5));

  ~MetricsHttpServer();  // stops serving and closes every connection

  int port() const { return port_; }

 private:
  MetricsHttpServer() = default;
  static void OnRequest(evhttp_request* request, void* self);
  static void OnStop(int fd, short events, void* base);

  Render render_;
  event_base* base_ = nullptr;
  evhttp* http_ = nullptr;
  event* stop_event_ = nullptr;
  int stop_fd_ = -1;  // eventfd: written to stop the loop from any thread
  int port_ = 0;
  std::thread loop_;
};

}  // namespace gong::observability::internal
