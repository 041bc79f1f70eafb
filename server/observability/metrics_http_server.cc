#include "observability/metrics_http_server.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "base/log.h"
#include "base/thread_name.h"

namespace gong::observability::internal {
namespace {

// A scrape is a GET with a few headers: anything larger is not one.
constexpr size_t kMaxHeaderBytes = 8192;
constexpr size_t kMaxBodyBytes = 1024;

void LogLibeventError(int severity, const char* message) {
  // Warnings are about clients (a malformed request, a reset); only the
  // server's own failures (accept errors) are worth a log line.
  if (severity >= EVENT_LOG_ERR)
    base::LogError(absl::StrCat("metrics endpoint: ", message));
}

absl::Status CannotServe(const std::string& address, absl::string_view why) {
  return absl::UnavailableError(
      absl::StrCat("--metrics_listen: cannot serve on ", address, ": ", why));
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& address, Render render, absl::Duration request_timeout) {
  const size_t colon = address.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) ||
      port > 65535) {
    return CannotServe(address, "expected HOST:PORT");
  }
  // "[::]:9464" binds "::".
  const std::string host(
      absl::StripSuffix(absl::StripPrefix(address.substr(0, colon), "["), "]"));

  event_set_log_callback(&LogLibeventError);
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer());
  server->render_ = std::move(render);
  server->base_ = event_base_new();
  server->http_ = server->base_ != nullptr ? evhttp_new(server->base_) : nullptr;
  server->stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (server->http_ == nullptr || server->stop_fd_ < 0) {
    return CannotServe(address, "cannot set up the HTTP event loop");
  }
  const int64_t timeout_us = absl::ToInt64Microseconds(request_timeout);
  timeval timeout{static_cast<time_t>(timeout_us / 1000000),
                  static_cast<suseconds_t>(timeout_us % 1000000)};
  evhttp_set_timeout_tv(server->http_, &timeout);
  evhttp_set_max_headers_size(server->http_, kMaxHeaderBytes);
  evhttp_set_max_body_size(server->http_, kMaxBodyBytes);
  evhttp_set_allowed_methods(server->http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
  evhttp_set_gencb(server->http_, &MetricsHttpServer::OnRequest, server.get());
  evhttp_bound_socket* bound = evhttp_bind_socket_with_handle(
      server->http_, host.c_str(), static_cast<uint16_t>(port));
  if (bound == nullptr) return CannotServe(address, "bind failed");
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (getsockname(evhttp_bound_socket_get_fd(bound), reinterpret_cast<sockaddr*>(&local),
                  &length) != 0) {
    return CannotServe(address, "getsockname failed");
  }
  server->port_ = ntohs(local.ss_family == AF_INET6
                            ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                            : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  // Only the loop's thread touches the event base; another thread stops it
  // by writing the eventfd this event watches.
  server->stop_event_ = event_new(server->base_, server->stop_fd_, EV_READ,
                                  &MetricsHttpServer::OnStop, server->base_);
  if (server->stop_event_ == nullptr || event_add(server->stop_event_, nullptr) != 0) {
    return CannotServe(address, "cannot set up the HTTP event loop");
  }
  server->loop_ = std::thread([base = server->base_] {
    base::NameThisThread("metrics-http");
    event_base_dispatch(base);
  });
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (loop_.joinable()) {
    const uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof(one));
    loop_.join();
  }
  if (http_ != nullptr) evhttp_free(http_);  // closes the listener and connections
  if (stop_event_ != nullptr) event_free(stop_event_);
  if (base_ != nullptr) event_base_free(base_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

void MetricsHttpServer::OnStop(int /*fd*/, short /*events*/, void* base) {
  event_base_loopbreak(static_cast<event_base*>(base));
}

void MetricsHttpServer::OnRequest(evhttp_request* request, void* self_ptr) {
  auto* self = static_cast<MetricsHttpServer*>(self_ptr);
  const char* path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(request));
  if (path == nullptr || absl::string_view(path) != "/metrics") {
    evhttp_send_error(request, HTTP_NOTFOUND, nullptr);
    return;
  }
  const Page page = self->render_();
  evbuffer* body = evbuffer_new();
  if (body == nullptr) {
    evhttp_send_error(request, HTTP_INTERNAL, nullptr);
    return;
  }
  evbuffer_add(body, page.body.data(), page.body.size());
  evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type",
                    page.content_type.c_str());
  evhttp_send_reply(request, HTTP_OK, "OK", body);
  evbuffer_free(body);
}

}  // namespace gong::observability::internal
