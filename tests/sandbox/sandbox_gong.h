// A stand-in for Gong's REST API, for tests and for trying the facade
// without credentials.
//
// It serves Gong's flows endpoints the way Gong does (see
// ../shared/gong/FACTS.md) on one model of a company's flows and their
// instances (sandbox_flows_model.h), so the endpoints agree with each other:
//   POST /v2/flows/prospects/unassign-flows-by-instance-id
//   POST /v2/flows/prospects                          (look instances up)
//   GET  /v2/flows                                    (list flows, paged)
//   POST /v2/flows/prospects/assign
//   POST /v2/flows/prospects/unassign-flows-by-crm-id
//   POST /v2/flows/prospects/bulk-assignments         (start a job: 202)
//   GET  /v2/flows/prospects/bulk-assignments/{id}    (a job, one step on)
//   GET  /v2/flows/folders                            (list folders, paged)
//   POST /v2/flows/steps                              (flows with their steps)
// Any other method or path is answered 404 in Gong's error shape. Every
// answer carries a fresh X-Traceid header, as Gong's do. Tests seed
// the model through Options (flows, instances, or SeedDemoCompany) and the
// older assigned-ids API (Options::assigned_ids, Assign, IsAssigned), whose
// ids are instances of a default flow (kDefaultFlowId in sandbox_flows.h).
// A test (or the gong-sandbox binary's flags) can make every endpoint
// misbehave: answer any status, answer late, drop the connection, send a
// body that is not JSON, or limit itself to N calls a second, or N calls a
// UTC day, with 429 and Retry-After, as Gong does; and make the writes act,
// then lose their answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "sandbox/sandbox_flows.h"

namespace gong::sandbox {

// How the sandbox answers. The default is Gong's normal behaviour. Unless
// a field says otherwise it applies to every endpoint the sandbox serves
// (not to unknown paths, which are always 404).
struct Behavior {
  // Non-empty: the only Authorization header value accepted ("Bearer t",
  // "Basic ..."); any other request is answered 401 in Gong's error shape
  // before anything else is done (Gong checks credentials before the quota
  // and any work), as Gong does once a token is rotated away.
  std::string accepted_authorization;
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
  // with `Retry-After: <retry_after_seconds>`. 0 turns the limit off. The
  // requests of all endpoints count together, as Gong's limit is the
  // company's.
  int qps_limit = 0;
  int64_t retry_after_seconds = 1;
  // More than this many requests in one UTC day are answered 429 in Gong's
  // error shape, with Retry-After saying the seconds to the next UTC
  // midnight. 0 turns the limit off. As for qps_limit, the requests of all
  // endpoints count together; a request refused for either limit does not
  // count. The day's count is kept whatever the behaviour (Gong counts
  // every day), so a limit set at noon counts the morning's requests.
  int64_t daily_limit = 0;
  // Unassign by instance id only. Non-empty: a request holding this id is
  // refused whole with a 400 (as Gong refuses a request one of whose ids it
  // finds invalid), and none of its ids are unassigned.
  std::string refused_id;
  // Unassign by instance id only. Treat every id asked for as assigned, so
  // any request succeeds and nothing has to be assigned first (for load
  // benchmarks); the ids the model holds open are removed all the same.
  bool assume_assigned = false;
  // Assign only. Non-empty: this CRM prospect is not assigned, with
  // errorCode UnexpectedError (Gong's answer for a failure of its own,
  // which nothing else makes the sandbox produce).
  std::string unexpected_error_prospect_id;

  // The write endpoints only (assign and both unassigns): Gong acts, then
  // its answer is lost, the case the facade cannot tell from a request
  // never done. The work is really done in the model (a lookup afterwards
  // shows it); then the connection is closed without an answer, or Gong's
  // error shape is answered with 500, 502 or 504 instead of the real
  // answer. Whatever the work's own answer was (a 400 too) is lost. Applies
  // to requests that get past the faults above (authorization, the limits,
  // forced answers, drop_connection) and after `delay`.
  enum class AfterActing {
    kAnswer,  // answer normally
    kDropConnection,
    kStatus500,
    kStatus502,
    kStatus504,
  };
  AfterActing after_acting = AfterActing::kAnswer;
  // How many write requests still fail this way; then writes are answered
  // normally again (-1, or any negative: every one). Counted from when
  // this behaviour is set (Options::behavior or SetBehavior).
  int after_acting_requests = -1;
  // Of each failing request, how many items are done before it fails (0:
  // all of them): assign's prospects, unassign's instance ids, in request
  // order, as if Gong stopped part-way. Unassign by CRM id has one item.
  // The whole body is checked first, as when answering normally.
  size_t after_acting_items = 0;

  // Bulk assignment jobs only, taken from the behaviour in force when a job
  // starts (sandbox_bulk_assignments.h). A job FAILs once this many of its
  // prospects are processed (0, or as many as it has: it never fails).
  size_t bulk_fail_after = 0;
  // How many prospects each GET of a job processes (0: a third of the job,
  // rounded up, so a job ends on its third GET).
  size_t bulk_step = 0;
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: pick a free port; see SandboxGong::port().
  // Initially assigned instances: each becomes a Running instance of the
  // default flow (kDefaultFlowId) for CRM prospect "crm-<id>".
  std::vector<std::string> assigned_ids;
  // The company's flows and their instances (open or finished); see
  // SeedDemoCompany for a ready-made company. Start() fails if they
  // contradict each other (a repeated id, an instance of an unknown flow).
  std::vector<SandboxFlow> flows;
  std::vector<SandboxInstance> instances;
  // The company's flow folders (`GET /v2/flows/folders`). Start() fails on
  // an empty or repeated id, or a parent that is not one of them.
  std::vector<SandboxFolder> folders;
  // Flows per page of `GET /v2/flows`, and folders of `GET
  // /v2/flows/folders`: Gong's is 20; a small one lets tests page through a
  // few. Start() fails below 1.
  int page_size = 20;
  Behavior behavior;
  // Worker threads. The HTTP server gives each open connection a thread for
  // as long as the client keeps it alive, so this should be at least the
  // number of connections clients hold at once; more wait in a queue.
  int threads = 64;
  // One line per request on stderr: method, path, status (never headers);
  // a 429's line also counts the 429 answers so far.
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
  std::string query;    // the query string as received, without the '?'
  // Every header's name, lowercased, in httplib's order (which adds a few
  // of its own, such as REMOTE_ADDR): what a test checks was not sent.
  std::vector<std::string> header_names;
  // The X-Traceid the sandbox answered it with (fresh for each request, as
  // Gong's trace header is).
  std::string trace_id;
  // A write that reached the endpoint's work (past the faults that answer
  // without doing it): the ids its body names, in request order: the CRM
  // prospect ids of an assign, the instance ids of an unassign by instance
  // id, the CRM id of an unassign by CRM id. Of a request failing after
  // acting (Behavior::after_acting) only the items it did. Empty for any
  // other request, and until the work is done.
  std::vector<std::string> write_items;
};

// Appends the demo company to the options' flows, folders and instances:
// four users (ana@example.com "Ana Silva", bruno@, chen@, dana@example.com),
// eight folders nested two deep, six flows of every visibility in two
// workspaces (one exclusive), each with steps of every kind,
// and ten CRM prospects with thirteen instances in every status. Fixed ids
// and dates, so that every run answers the same; the instance ids are
// 7300000000000000001 to ...013 and never meet the small numbers tests and
// scripts assign. The gong-sandbox binary serves it unless --demo=false.
void SeedDemoCompany(Options* options);

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
  // As Options::assigned_ids, created now. An id that is already an
  // instance stays in its flow, made Running again if it had finished.
  void Assign(const std::vector<std::string>& ids);
  // Whether the instance exists and is open (Pending, Running or Paused):
  // what an unassign would remove. Finished instances are not assigned.
  bool IsAssigned(const std::string& id) const;
  // The most recent kMaxRecorded requests, in arrival order (a long-running
  // sandbox must not grow without bound).
  static constexpr size_t kMaxRecorded = 10000;
  std::vector<RecordedRequest> Requests() const;
  int64_t RequestCount() const;  // all requests ever received
  // All 429 answers ever given (for qps_limit, daily_limit or a forced
  // status): what a test checks the facade never provoked.
  int64_t TooManyRequestsCount() const;
  // For each id, how many of the recorded write requests reached it (see
  // RecordedRequest::write_items): 1 for every id is "nothing was written
  // twice", whatever the answers said.
  std::map<std::string, int> WriteRequestsPerId() const;
  // How many GETs of this bulk assignment job reached the job (past the
  // faults), each moving it on a step: what the facade polled. 0 for an
  // unknown id.
  int64_t BulkAssignmentGets(const std::string& id) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gong::sandbox
