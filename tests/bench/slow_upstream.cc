// slow-upstream: Gong's unassign endpoint answered after a fixed delay
// (every id unassigned), on one libevent loop. The benchmark's upstream for
// 1000 pending calls: the sandbox gives each connection a thread whose
// keep-alive wait polls every 10 ms, so a thousand open connections cost it
// more CPU than the facade it is meant to measure; here an idle connection
// costs nothing.
//
//   slow-upstream [--delay=1s]   (prints "listening on http://127.0.0.1:PORT")
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "sandbox/sandbox_request.h"

ABSL_FLAG(absl::Duration, delay, absl::Seconds(1), "How long each answer waits.");

namespace {

namespace wire = gong::sandbox::internal;

struct Answer {
  evhttp_request* request;  // nullptr once the caller hung up
  int status;
  std::string body;
};

event_base* base = nullptr;
timeval delay_tv;
int64_t answered = 0;

void OnConnectionClosed(evhttp_connection* /*connection*/, void* arg) {
  // The request dies with its connection; the timer still fires later.
  static_cast<Answer*>(arg)->request = nullptr;
}

void Send(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
  auto* answer = static_cast<Answer*>(arg);
  if (answer->request != nullptr) {
    evhttp_connection_set_closecb(evhttp_request_get_connection(answer->request), nullptr,
                                  nullptr);
    evhttp_add_header(evhttp_request_get_output_headers(answer->request), "Content-Type",
                      "application/json");
    evbuffer* out = evbuffer_new();
    evbuffer_add(out, answer->body.data(), answer->body.size());
    evhttp_send_reply(answer->request, answer->status, answer->status == 200 ? "OK" : "Bad Request",
                      out);
    evbuffer_free(out);
  }
  delete answer;
}

void OnRequest(evhttp_request* request, void* /*arg*/) {
  evbuffer* in = evhttp_request_get_input_buffer(request);
  std::string body(evbuffer_get_length(in), '\0');
  evbuffer_copyout(in, body.data(), body.size());
  const std::string request_id = absl::StrCat("slow-", ++answered);
  auto* answer = new Answer{request, 200, ""};
  if (auto parsed = wire::ParseUnassignRequest(body); parsed.ok()) {
    answer->body = wire::SuccessBody(request_id, parsed->ids);
  } else {
    answer->status = 400;
    answer->body = wire::ErrorBody(request_id, parsed.status().message());
  }
  evhttp_connection_set_closecb(evhttp_request_get_connection(request), &OnConnectionClosed,
                                answer);
  event_base_once(base, -1, EV_TIMEOUT, &Send, answer, &delay_tv);
}

void OnSignal(evutil_socket_t /*fd*/, short /*what*/, void* /*arg*/) {
  event_base_loopbreak(base);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  delay_tv = absl::ToTimeval(absl::GetFlag(FLAGS_delay));
  signal(SIGPIPE, SIG_IGN);
  base = event_base_new();
  evhttp* http = evhttp_new(base);
  evhttp_set_gencb(http, &OnRequest, nullptr);
  evhttp_bound_socket* bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
  if (bound == nullptr) {
    std::fprintf(stderr, "slow-upstream: cannot listen on 127.0.0.1\n");
    return 1;
  }
  const evutil_socket_t fd = evhttp_bound_socket_get_fd(bound);
  // libevent listens with a backlog of 128; a thousand callers connecting
  // at once would overflow it and wait out SYN retries.
  listen(fd, SOMAXCONN);
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  std::printf("slow-upstream listening on http://127.0.0.1:%d\n", ntohs(address.sin_port));
  std::fflush(stdout);

  event* term = evsignal_new(base, SIGTERM, &OnSignal, nullptr);
  event* interrupt = evsignal_new(base, SIGINT, &OnSignal, nullptr);
  event_add(term, nullptr);
  event_add(interrupt, nullptr);
  event_base_dispatch(base);
  event_free(term);
  event_free(interrupt);
  evhttp_free(http);
  event_base_free(base);
  return 0;
}
