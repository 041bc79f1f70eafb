// gong-sandbox: runs the sandbox Gong as a process, so a developer can point
// the facade at it (instead of https://api.gong.io) and try it without Gong
// credentials. It serves Gong's flows endpoints on the demo company (see
// SeedDemoCompany in sandbox_gong.h) plus the --assigned ids. Flags choose
// those ids, the page size of the flows list and the fault to inject
// (--after_acting: writes done, then their answer lost). Prints
// one "listening" line on stdout once ready, logs one line per request on
// stderr, and exits 0 on SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/sandbox_gong.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:8089",
          "HOST:PORT to listen on; port 0 picks a free port");
ABSL_FLAG(std::string, assigned, "1000-1099",
          "Initially assigned flow instance ids, comma-separated; an item "
          "may be an inclusive numeric range such as 1000-1099. Each is a "
          "Running instance of the flow \"Sandbox assigned ids\" for CRM "
          "prospect crm-<id>");
ABSL_FLAG(bool, demo, true,
          "Serve the demo company: six flows (with steps) of four users "
          "(ana@example.com ...) in eight folders, ten CRM prospects, "
          "thirteen instances");
ABSL_FLAG(int, page_size, 20,
          "Flows (and folders) per page of GET /v2/flows (and /v2/flows/folders); "
          "Gong's is 20");
ABSL_FLAG(int, status, 0, "Answer every call with this HTTP status (0: normal)");
ABSL_FLAG(absl::Duration, delay, absl::ZeroDuration(),
          "Wait this long before answering, e.g. 2s or 300ms");
ABSL_FLAG(bool, drop_connection, false,
          "Close every call's connection without an answer");
ABSL_FLAG(bool, garbage, false, "Answer 200 with a body that is not JSON");
ABSL_FLAG(int, qps, 0, "Answer 429 past this many calls a second, as Gong does (0: off)");
ABSL_FLAG(int, retry_after, 1, "Retry-After seconds sent with --qps's 429");
ABSL_FLAG(int64_t, daily_limit, 0,
          "Answer 429 past this many calls a UTC day, with Retry-After to the next "
          "UTC midnight, as Gong does past its daily limit (0: off)");
ABSL_FLAG(bool, assign_all, false,
          "Treat every id as assigned, so every unassign-by-instance-id call "
          "succeeds");
ABSL_FLAG(std::string, after_acting, "",
          "Writes (assign and both unassigns) act, then lose their answer: "
          "drop (the connection is closed without one), 500, 502 or 504 (Gong's "
          "error shape with that status). Empty: answer normally");
ABSL_FLAG(int, after_acting_requests, -1,
          "With --after_acting: how many write requests fail so; later ones "
          "are answered normally (-1: every one)");
ABSL_FLAG(int64_t, after_acting_items, 0,
          "With --after_acting: how many items of each failing write are done "
          "first, in request order (assign's prospects, unassign's instance "
          "ids; 0: all)");
ABSL_FLAG(int64_t, bulk_fail_after, 0,
          "Bulk assignment jobs FAIL once this many of their prospects are processed "
          "(0: never)");
ABSL_FLAG(int64_t, bulk_step, 0,
          "Prospects a GET of a bulk assignment job processes (0: a third of the job)");
ABSL_FLAG(bool, log_requests, true, "One line per request on stderr");
ABSL_FLAG(int, threads, 64, "Worker threads; each open client connection holds one");

namespace {

// Guards against a typo such as 1-99999999999 eating all memory.
constexpr uint64_t kMaxAssigned = 1000000;

bool ParseListen(absl::string_view listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view host_part = listen.substr(0, colon);
  // "[::1]:8089": the brackets belong to the URL, not the address.
  if (absl::ConsumePrefix(&host_part, "[") && !absl::ConsumeSuffix(&host_part, "]")) {
    return false;
  }
  *host = std::string(host_part);
  return !host->empty() && absl::SimpleAtoi(listen.substr(colon + 1), port) &&
         *port >= 0 && *port <= 65535;
}

absl::Status AppendItem(absl::string_view item, std::vector<std::string>* ids) {
  const std::vector<absl::string_view> bounds = absl::StrSplit(item, '-');
  uint64_t low = 0;
  uint64_t high = 0;
  if (bounds.size() == 1) {
    ids->emplace_back(item);
    return absl::OkStatus();
  }
  if (bounds.size() != 2 || !absl::SimpleAtoi(bounds[0], &low) ||
      !absl::SimpleAtoi(bounds[1], &high) || low > high || high - low >= kMaxAssigned) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad --assigned range \"", item, "\""));
  }
  for (uint64_t id = low;; ++id) {
    ids->push_back(absl::StrCat(id));
    if (id == high) break;  // also stops at UINT64_MAX without wrapping
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ParseAssigned(absl::string_view spec) {
  std::vector<std::string> ids;
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    absl::Status status = AppendItem(absl::StripAsciiWhitespace(item), &ids);
    if (!status.ok()) return status;
  }
  return ids;
}

absl::StatusOr<gong::sandbox::Behavior::AfterActing> ParseAfterActing(
    absl::string_view text) {
  using AfterActing = gong::sandbox::Behavior::AfterActing;
  if (text.empty()) return AfterActing::kAnswer;
  if (text == "drop") return AfterActing::kDropConnection;
  if (text == "500") return AfterActing::kStatus500;
  if (text == "502") return AfterActing::kStatus502;
  if (text == "504") return AfterActing::kStatus504;
  return absl::InvalidArgumentError("--after_acting must be drop, 500, 502 or 504");
}

absl::StatusOr<gong::sandbox::Options> OptionsFromFlags() {
  gong::sandbox::Options options;
  if (!ParseListen(absl::GetFlag(FLAGS_listen), &options.host, &options.port)) {
    return absl::InvalidArgumentError("--listen must be HOST:PORT");
  }
  absl::StatusOr<std::vector<std::string>> assigned =
      ParseAssigned(absl::GetFlag(FLAGS_assigned));
  if (!assigned.ok()) return assigned.status();
  options.assigned_ids = *std::move(assigned);
  if (absl::GetFlag(FLAGS_demo)) gong::sandbox::SeedDemoCompany(&options);
  options.page_size = absl::GetFlag(FLAGS_page_size);
  if (options.page_size < 1) {
    return absl::InvalidArgumentError("--page_size must be at least 1");
  }
  options.threads = absl::GetFlag(FLAGS_threads);
  options.log_requests = absl::GetFlag(FLAGS_log_requests);

  gong::sandbox::Behavior& behavior = options.behavior;
  behavior.force_status = absl::GetFlag(FLAGS_status);
  behavior.delay = absl::GetFlag(FLAGS_delay);
  behavior.drop_connection = absl::GetFlag(FLAGS_drop_connection);
  if (absl::GetFlag(FLAGS_garbage)) {
    behavior.force_body = "<html><body>502 Bad Gateway (sandbox)</body></html>";
  }
  behavior.qps_limit = absl::GetFlag(FLAGS_qps);
  behavior.retry_after_seconds = absl::GetFlag(FLAGS_retry_after);
  behavior.daily_limit = absl::GetFlag(FLAGS_daily_limit);
  if (behavior.daily_limit < 0) {
    return absl::InvalidArgumentError("--daily_limit must be 0 (off) or more");
  }
  behavior.assume_assigned = absl::GetFlag(FLAGS_assign_all);
  absl::StatusOr<gong::sandbox::Behavior::AfterActing> after_acting =
      ParseAfterActing(absl::GetFlag(FLAGS_after_acting));
  if (!after_acting.ok()) return after_acting.status();
  behavior.after_acting = *after_acting;
  behavior.after_acting_requests = absl::GetFlag(FLAGS_after_acting_requests);
  if (behavior.after_acting_requests < -1) {
    return absl::InvalidArgumentError(
        "--after_acting_requests must be -1 (every one) or more");
  }
  const int64_t items = absl::GetFlag(FLAGS_after_acting_items);
  if (items < 0) {
    return absl::InvalidArgumentError("--after_acting_items must be 0 (all) or more");
  }
  behavior.after_acting_items = static_cast<size_t>(items);
  const int64_t fail_after = absl::GetFlag(FLAGS_bulk_fail_after);
  const int64_t step = absl::GetFlag(FLAGS_bulk_step);
  if (fail_after < 0 || step < 0) {
    return absl::InvalidArgumentError(
        "--bulk_fail_after and --bulk_step must be 0 or more");
  }
  behavior.bulk_fail_after = static_cast<size_t>(fail_after);
  behavior.bulk_step = static_cast<size_t>(step);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  // As in server/app/main.cc: Debian's abseil leaves the deadlock detector on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "Serves a stand-in for Gong's flows API (unassign by instance id or CRM "
      "id, assign, look up, list flows).");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<gong::sandbox::Options> options = OptionsFromFlags();
  if (!options.ok()) {
    std::fprintf(stderr, "gong-sandbox: %s\n",
                 std::string(options.status().message()).c_str());
    return 2;
  }

  // Blocked before the server starts its threads, so they all inherit the
  // mask and sigwait() below is the one place these signals arrive.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  gong::sandbox::SandboxGong sandbox(*std::move(options));
  if (absl::Status status = sandbox.Start(); !status.ok()) {
    std::fprintf(stderr, "gong-sandbox: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("gong-sandbox listening on %s\n", sandbox.base_url().c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "gong-sandbox: stopping on signal %d\n", signal_number);
  sandbox.Stop();
  return 0;
}
