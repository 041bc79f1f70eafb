// gong-flows-server: flags (app/flags.h, or their GONG_FLOWS_* variables)
// and Gong's credentials (a watched directory, or the environment's) to a
// checked configuration; run the facade; on SIGTERM or SIGINT drain, stop
// and exit 0; log and carry on through SIGHUP, SIGUSR1 and SIGUSR2.
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "app/config.h"
#include "app/env_flags.h"
#include "app/facade_server.h"
#include "app/flags.h"
#include "app/gong_stack.h"
#include "base/allocator.h"
#include "base/log.h"
#include "upstream/credentials_source.h"

int main(int argc, char** argv) {
  // Debian builds abseil without NDEBUG, which leaves Mutex's deadlock
  // detector on: a global lock and graph update on every Mutex (gRPC's
  // included), a cost every call pays under load
  // (docs/performance.md#what-profiling-found-and-fixed).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  gong::base::TuneAllocator();
  absl::SetProgramUsageMessage(
      "Serves gong.flows.v1.FlowService over Gong's REST API.\n"
      "Every flag --foo may also be set as GONG_FLOWS_FOO. Gong's credentials come "
      "from --gong_credentials_dir (a mounted Secret, watched), or else from the "
      "environment: GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, or "
      "GONG_BEARER_TOKEN; the shared quota's Redis password, if any, from "
      "GONG_FLOWS_QUOTA_REDIS_PASSWORD.");
  // --help lists the flags of flags.cc (abseil's default looks for a file
  // named after the binary, and so listed none).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = &gong::app::IsServerFlagsFile;
  absl::SetFlagsUsageConfig(usage);
  std::vector<std::string> args = gong::app::ArgsWithEnvironment(
      argc, argv, gong::app::ServerFlagNames(), &std::getenv);
  std::vector<char*> arg_pointers;
  for (std::string& a : args) arg_pointers.push_back(a.data());
  absl::ParseCommandLine(static_cast<int>(arg_pointers.size()), arg_pointers.data());

  gong::app::FacadeConfig config = gong::app::ConfigFromFlags();
  // Never a flag: flags are logged, and show in `ps`.
  if (const char* password = std::getenv("GONG_FLOWS_QUOTA_REDIS_PASSWORD")) {
    config.quota_redis_password = password;
  }
  if (absl::Status valid = gong::app::ValidateConfig(config); !valid.ok()) {
    gong::base::LogError(valid.message());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<gong::upstream::CredentialsSource>> credentials =
      gong::app::LoadGongCredentials(config, &std::getenv);
  if (!credentials.ok()) {
    gong::base::LogError(credentials.status().message());
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

  // The scheme at start; a rotation to the other is logged when it happens.
  const std::string auth_scheme((*credentials)->Current().credentials->scheme());
  absl::StatusOr<std::unique_ptr<gong::app::FacadeServer>> server =
      gong::app::FacadeServer::Start(config, *std::move(credentials));
  if (!server.ok()) {
    gong::base::LogError(server.status().message());
    return 1;
  }
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  const int port = (*server)->port(), metrics_port = (*server)->metrics_port();
  gong::base::LogInfo(absl::StrCat("gong-flows-server listening on ", host, ":", port),
                      gong::app::DescribeConfig(config, auth_scheme, port, metrics_port));

  int signal_number = 0;
  for (;;) {
    sigwait(&waited_signals, &signal_number);
    if (sigismember(&stop_signals, signal_number)) break;
    // Nothing to reload on a signal: the TLS files, the caller tokens and
    // Gong's credentials directory are watched and re-read when they change.
    gong::base::LogInfo("signal ignored", {{"signal", int64_t{signal_number}}});
  }
  // Drain for rolling updates: health goes NOT_SERVING so the mesh stops
  // routing here, calls are still served meanwhile, then the server stops.
  (*server)->StopServingHealth();
  gong::base::LogInfo("draining: health is NOT_SERVING, still serving calls",
                      {{"signal", int64_t{signal_number}},
                       {"drain_delay", absl::FormatDuration(config.drain_delay)}});
  absl::SleepFor(config.drain_delay);
  gong::base::LogInfo("stopping: no new calls, finishing calls in flight",
                      {{"shutdown_grace", absl::FormatDuration(config.shutdown_grace)}});
  (*server)->Shutdown(config.shutdown_grace);
  server->reset();
  curl_global_cleanup();
  gong::base::LogInfo("stopped",
                      gong::app::DescribeConfig(config, auth_scheme, port, metrics_port));
  return 0;
}
