// A stand-in for Gong's REST API, for tests and for trying the facade
// without credentials.
//
// It serves `POST /v2/flows/prospects/unassign-flows-by-instance-id` the way
// Gong does (see ../shared/gong/FACTS.md): it keeps a set of assigned flow
// instance ids, removes the ones it is asked to, and answers Gong's success
// and error shapes. A test (or the gong-sandbox binary's flags) can make it
// misbehave: answer any status, answer late, drop the connection, send a
// body that is not JSON, or limit itself to N calls a second with 429 and
// Retry-After, as Gong does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace gong::sandbox {

// How the sandbox answers the unassign endpoint. The default is Gong's
// normal behaviour.
struct Behavior {
  // Non-zero: answer every request with this HTTP status and Gong's error
  // body `{"requestId": ..., "errors": [...]}` instead of doing the work
  // (a 2xx status other than 200 is answered with an empty JSON object).
  int force_status = 0;
  // With force_status (not 2xx): the errors[] to send; empty sends one
  // naming the status. Lets tests answer as large an error as Gong might.
  std::vector<std::string> force_errors;
  // Non-empty: answer 200 with exactly this body, without doing the work
  // (for garbage and malformed-JSON tests).
  std::string force_body;
  // Wait this long before answering (after reading the request).
  absl::Duration delay = absl::ZeroDuration();
  // Read the request, then close the connection without a complete answer.
  bool drop_connection = false;
  // More than this many requests within any one second are answered 429
  // with `Retry-After: <retry_after_seconds>`. 0 turns the limit off.
  int qps_limit = 0;
  int64_t retry_after_seconds = 1;
  // Non-empty: a request holding this id is refused whole with a 400 (as
  // Gong refuses a request one of whose ids it finds invalid), and none of
  // its ids are unassigned.
  std::string refused_id;
  // Treat every id asked for as assigned, so any request succeeds and
  // nothing has to be assigned first (for load benchmarks).
  bool assume_assigned = false;
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: pick a free port; see SandboxGong::port().
  std::vector<std::string> assigned_ids;  // initially assigned instances
  Behavior behavior;
  // Worker threads. The HTTP server gives each open connection a thread for
  // as long as the client keeps it alive, so this should be at least the
  // number of connections clients hold at once; more wait in a queue.
  int threads = 64;
  // One line per request on stderr: method, path, status (never headers).
  bool log_requests = false;
};

// One request as the sandbox received it (any path).
struct RecordedRequest {
  std::string method;
  std::string path;
  std::string authorization;  // the Authorization header, as received
  std::string content_type;
  std::string body;
  absl::Time received;  // when its handler started
};

class SandboxGong {
 public:
  explicit SandboxGong(Options options);
  ~SandboxGong();  // Stop()s.
  SandboxGong(const SandboxGong&) = delete;
  SandboxGong& operator=(const SandboxGong&) = delete;

  // Binds and starts serving on a background thread; returns once the
  // socket accepts connections.
  absl::Status Start();
  // Stops serving and joins the thread. Idempotent.
  void Stop();

  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>"

  // Runtime control, safe from any thread while serving.
  void SetBehavior(const Behavior& behavior);
  void Assign(const std::vector<std::string>& ids);
  bool IsAssigned(const std::string& id) const;
  // The most recent kMaxRecorded requests, in arrival order (a long-running
  // sandbox must not grow without bound).
  static constexpr size_t kMaxRecorded = 10000;
  std::vector<RecordedRequest> Requests() const;
  int64_t RequestCount() const;  // all requests ever received

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gong::sandbox
