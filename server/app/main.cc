// gong-flows-server: flags (or their GONG_FLOWS_* variables) and the
// environment's credentials to a checked configuration; run the facade;
// on SIGTERM or SIGINT drain, stop and exit 0; log and carry on through
// SIGHUP, SIGUSR1 and SIGUSR2.
#include <curl/curl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "app/config.h"
#include "app/env_flags.h"
#include "app/facade_server.h"
#include "gong/credentials.h"
#include "base/log.h"

namespace {
const gong::FacadeConfig kDefaults;
}  // namespace

ABSL_FLAG(std::string, listen, kDefaults.listen,
          "Address to serve gRPC on, HOST:PORT (port 0 picks a free one).");
ABSL_FLAG(std::string, gong_base_url, kDefaults.gong_base_url,
          "Gong API base URL (https://; Gong gives some companies their own host).");
ABSL_FLAG(std::string, gong_ca_file, "",
          "Extra CA bundle for Gong's TLS certificate, beside the system's.");
ABSL_FLAG(absl::Duration, upstream_timeout, kDefaults.upstream_timeout,
          "Bound on the Gong request of a call that has no deadline.");
ABSL_FLAG(absl::Duration, gong_connect_timeout, kDefaults.gong_connect_timeout,
          "Bound on connecting to Gong (TCP and TLS), and on a request's wait for a "
          "connection another request is making; such a request was never sent, and "
          "is retried.");
ABSL_FLAG(absl::Duration, gong_idle_connection_timeout,
          kDefaults.gong_idle_connection_timeout,
          "Close a connection to Gong that has carried no request for this long.");
ABSL_FLAG(absl::Duration, shutdown_grace, kDefaults.shutdown_grace,
          "After the drain, how long calls in flight may take to finish.");
ABSL_FLAG(absl::Duration, drain_delay, kDefaults.drain_delay,
          "On SIGTERM, how long to keep serving while health says NOT_SERVING.");
ABSL_FLAG(absl::Duration, max_connection_age, kDefaults.max_connection_age,
          "Close client connections after this long (0: never), to rebalance.");
ABSL_FLAG(std::string, metrics_listen, kDefaults.metrics_listen,
          "Address for Prometheus /metrics; empty turns metrics off.");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain: serve gRPC over TLS.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key for --tls_cert_file.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle: require client certificates signed by it (mutual TLS).");
ABSL_FLAG(std::string, caller_tokens_file, "",
          "File of accepted caller tokens, one a line (re-read when it changes); "
          "FlowService calls must carry 'authorization: Bearer <token>'.");
ABSL_FLAG(int, gong_qps, kDefaults.quota.gong_qps,
          "Gong requests per second, over any one-second window (Gong's default "
          "limit is 3); 0 turns the limiter off.");
ABSL_FLAG(bool, coalesce, kDefaults.quota.coalesce,
          "Merge calls waiting for their turn into shared Gong requests of up to "
          "200 ids (same unassigned_by_user_email only).");
ABSL_FLAG(int, gong_max_attempts, kDefaults.quota.max_attempts,
          "Gong requests per call at most, counting retries of 429, 503 and "
          "refused connections.");
ABSL_FLAG(absl::Duration, max_gong_pause, kDefaults.quota.max_pause,
          "Longest the queue ever pauses for Gong (Retry-After, backoff), and the "
          "longest RetryInfo given to callers, whatever Gong says.");
ABSL_FLAG(int64_t, max_pending_calls, static_cast<int64_t>(kDefaults.quota.max_pending_calls),
          "Calls that may wait for their turn; past it calls are refused at once "
          "with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, max_gong_in_flight, static_cast<int64_t>(kDefaults.quota.max_in_flight),
          "Gong requests awaiting an answer at once, and connections to Gong, at most; "
          "further calls wait their turn (within --max_pending_calls).");

namespace {

// Whether abseil's `file` (where a flag is declared) is this file.
bool IsThisFile(absl::string_view file) { return absl::EndsWith(file, "server/app/main.cc"); }

// Every flag above, each with its GONG_FLOWS_* environment variable: read
// from abseil's registry, so no flag can be left without one.
std::vector<std::string> FlagNames() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsThisFile(flag->Filename())) names.emplace_back(name);
  }
  return names;
}

gong::FacadeConfig ConfigFromFlags() {
  gong::FacadeConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.gong_base_url = absl::GetFlag(FLAGS_gong_base_url);
  config.gong_ca_file = absl::GetFlag(FLAGS_gong_ca_file);
  config.upstream_timeout = absl::GetFlag(FLAGS_upstream_timeout);
  config.gong_connect_timeout = absl::GetFlag(FLAGS_gong_connect_timeout);
  config.gong_idle_connection_timeout = absl::GetFlag(FLAGS_gong_idle_connection_timeout);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.drain_delay = absl::GetFlag(FLAGS_drain_delay);
  config.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  config.caller_tokens_file = absl::GetFlag(FLAGS_caller_tokens_file);
  config.quota.gong_qps = absl::GetFlag(FLAGS_gong_qps);
  config.quota.coalesce = absl::GetFlag(FLAGS_coalesce);
  config.quota.max_attempts = absl::GetFlag(FLAGS_gong_max_attempts);
  config.quota.max_pause = absl::GetFlag(FLAGS_max_gong_pause);
  config.quota.max_pending_calls =
      static_cast<size_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_max_pending_calls)));
  config.quota.max_in_flight =
      static_cast<size_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_max_gong_in_flight)));
  return config;
}

// The effective configuration, for the start-up line: no secret in it.
gong::LogFields Describe(const gong::FacadeConfig& c, absl::string_view auth, int port,
                         int metrics_port) {
  auto d = [](absl::Duration v) { return absl::FormatDuration(v); };
  return {{"listen_port", int64_t{port}},
          {"metrics_port", int64_t{metrics_port}},
          {"gong_base_url", c.gong_base_url},
          {"gong_auth", std::string(auth)},
          {"gong_ca_file", c.gong_ca_file},
          {"upstream_timeout", d(c.upstream_timeout)},
          {"gong_connect_timeout", d(c.gong_connect_timeout)},
          {"gong_idle_connection_timeout", d(c.gong_idle_connection_timeout)},
          {"drain_delay", d(c.drain_delay)},
          {"shutdown_grace", d(c.shutdown_grace)},
          {"max_connection_age", d(c.max_connection_age)},
          {"tls", !c.tls_cert_file.empty()},
          {"mutual_tls", !c.tls_client_ca_file.empty()},
          {"caller_tokens_file", c.caller_tokens_file},
          {"gong_qps", int64_t{c.quota.gong_qps}},
          {"coalesce", c.quota.coalesce},
          {"gong_max_attempts", int64_t{c.quota.max_attempts}},
          {"max_gong_pause", d(c.quota.max_pause)},
          {"max_pending_calls", static_cast<int64_t>(c.quota.max_pending_calls)},
          {"max_gong_in_flight", static_cast<int64_t>(c.quota.max_in_flight)}};
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds abseil without NDEBUG, which leaves Mutex's deadlock
  // detector on: a global lock and graph update on every Mutex (gRPC's
  // included). It cost the facade a tenth of its CPU under load.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // One malloc arena rather than glibc's eight per core: memory freed on
  // one thread (gRPC's, curl's) is reused by the others instead of piling up
  // per thread. With curl's smaller receive buffer (http/curl_transport.cc)
  // it took peak RSS with 1000 calls pending from 73 to 57 MiB (either alone
  // saved 2 or 3), at no throughput cost we could measure (README,
  // "Performance").
  mallopt(M_ARENA_MAX, 1);
  absl::SetProgramUsageMessage(
      "Serves gong.flows.v1.FlowService over Gong's REST API.\n"
      "Every flag --foo may also be set as GONG_FLOWS_FOO. Credentials come from "
      "the environment: GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, or GONG_BEARER_TOKEN.");
  // --help lists the flags of this file (abseil's default looks for a file
  // named after the binary, and so listed none).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = &IsThisFile;
  absl::SetFlagsUsageConfig(usage);
  std::vector<std::string> args =
      gong::ArgsWithEnvironment(argc, argv, FlagNames(), &std::getenv);
  std::vector<char*> arg_pointers;
  for (std::string& a : args) arg_pointers.push_back(a.data());
  absl::ParseCommandLine(static_cast<int>(arg_pointers.size()), arg_pointers.data());

  const gong::FacadeConfig config = ConfigFromFlags();
  if (absl::Status valid = gong::ValidateConfig(config); !valid.ok()) {
    gong::LogError(valid.message());
    return 2;
  }
  absl::StatusOr<gong::GongCredentials> credentials =
      gong::GongCredentials::FromEnvironment(&std::getenv);
  if (!credentials.ok()) {
    gong::LogError(credentials.status().message());
    return 2;
  }

  // Before any thread starts: every thread inherits this mask, so only
  // sigwait below sees the signals, and a peer closing a socket mid-write
  // cannot kill the process with SIGPIPE. SIGHUP (a closing terminal, a
  // supervisor's "reload"), SIGUSR1 and SIGUSR2 (operators' habits) would
  // otherwise end the process at once, with no drain: they are blocked too,
  // and only logged.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigset_t waited_signals = stop_signals;
  for (int ignored : {SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&waited_signals, ignored);
  pthread_sigmask(SIG_BLOCK, &waited_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);

  const std::string auth_scheme(credentials->scheme());
  absl::StatusOr<std::unique_ptr<gong::FacadeServer>> server =
      gong::FacadeServer::Start(config, *std::move(credentials));
  if (!server.ok()) {
    gong::LogError(server.status().message());
    return 1;
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  const int port = (*server)->port(), metrics_port = (*server)->metrics_port();
  gong::LogInfo(absl::StrCat("gong-flows-server listening on ", host, ":", port),
                Describe(config, auth_scheme, port, metrics_port));

  int signal_number = 0;
  for (;;) {
    sigwait(&waited_signals, &signal_number);
    if (sigismember(&stop_signals, signal_number)) break;
    // Nothing to reload on a signal: the TLS files and the caller tokens
    // are watched and re-read when they change.
    gong::LogInfo("signal ignored", {{"signal", int64_t{signal_number}}});
  }
  // Drain for rolling updates: health goes NOT_SERVING so the mesh stops
  // routing here, calls are still served meanwhile, then the server stops.
  (*server)->StopServingHealth();
  gong::LogInfo("draining: health is NOT_SERVING, still serving calls",
                {{"signal", int64_t{signal_number}},
                 {"drain_delay", absl::FormatDuration(config.drain_delay)}});
  absl::SleepFor(config.drain_delay);
  gong::LogInfo("stopping: no new calls, finishing calls in flight",
                {{"shutdown_grace", absl::FormatDuration(config.shutdown_grace)}});
  (*server)->Shutdown(config.shutdown_grace);
  server->reset();
  curl_global_cleanup();
  gong::LogInfo("stopped", Describe(config, auth_scheme, port, metrics_port));
  return 0;
}
