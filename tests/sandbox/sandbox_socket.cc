// Socket-level helpers for the sandbox; see sandbox_socket.h.
#include "sandbox/sandbox_socket.h"

#include <dirent.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <string>

#include "absl/strings/numbers.h"
#include "httplib.h"

namespace gong::sandbox::internal {
namespace {

// Numeric host and port, written the way httplib fills Request's addresses.
bool Endpoint(const sockaddr_storage& addr, socklen_t len, std::string* host,
              int* port) {
  char host_buf[NI_MAXHOST];
  char port_buf[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host_buf,
                  sizeof(host_buf), port_buf, sizeof(port_buf),
                  NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  *host = host_buf;
  return absl::SimpleAtoi(port_buf, port);
}

bool IsConnectionOf(int fd, const httplib::Request& req) {
  sockaddr_storage local{};
  sockaddr_storage peer{};
  socklen_t local_len = sizeof(local);
  socklen_t peer_len = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) {
    return false;
  }
  std::string host;
  int port = 0;
  if (!Endpoint(peer, peer_len, &host, &port) || host != req.remote_addr ||
      port != req.remote_port) {
    return false;
  }
  return Endpoint(local, local_len, &host, &port) && host == req.local_addr &&
         port == req.local_port;
}

// httplib 0.11.4 gives handlers no access to their socket, but a live
// connection is the only open socket with its pair of addresses, so its fd
// can be found among the process's. Returns -1 if it is not found.
int FindConnectionSocket(const httplib::Request& req) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (const dirent* entry = readdir(dir)) {
    int fd = -1;
    if (!absl::SimpleAtoi(entry->d_name, &fd) || fd == dirfd(dir)) continue;
    if (IsConnectionOf(fd, req)) {
      found = fd;
      break;
    }
  }
  closedir(dir);
  return found;
}

}  // namespace

// shutdown() rather than close(): httplib still owns the fd and closes it
// itself, so the fd number cannot be reused under it. The FIN goes out at
// once; httplib then finds the peer gone and writes nothing (were it to
// write, the send would fail with EPIPE, SIGPIPE being blocked on the
// server's threads).
void DropConnection(const httplib::Request& req, httplib::Response& res) {
  const int fd = FindConnectionSocket(req);
  if (fd >= 0 && shutdown(fd, SHUT_RDWR) == 0) return;
  // Fallback (no /proc): the status line and headers promise one byte of
  // body that never comes, so the client sees a cut-short answer
  // (libcurl: CURLE_PARTIAL_FILE).
  res.set_content_provider(
      1, "application/json",
      [](size_t, size_t, httplib::DataSink&) { return false; });
}

// httplib sends without MSG_NOSIGNAL. It checks that the peer is still
// there before answering, but a peer that resets the connection during the
// write would still kill the whole process (tests included) with SIGPIPE.
// Blocking it on the serving thread, before httplib spawns its workers,
// lets every worker inherit the mask without changing the process-wide
// signal disposition, which belongs to the embedding program.
void BlockSigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace gong::sandbox::internal
