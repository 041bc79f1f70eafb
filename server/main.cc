// gong-flows-server: flags and environment to a checked configuration, then
// run the facade until SIGTERM or SIGINT, then drain and exit 0.
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "config.h"
#include "facade_server.h"
#include "gong/credentials.h"
#include "log.h"

ABSL_FLAG(std::string, listen, gong::FacadeConfig().listen,
          "Address to serve gRPC on, HOST:PORT (port 0 picks a free one).");
ABSL_FLAG(std::string, gong_base_url, gong::FacadeConfig().gong_base_url,
          "Gong API base URL; Gong gives some companies their own host.");
ABSL_FLAG(std::string, gong_ca_file, "",
          "Extra CA bundle for Gong's TLS certificate (default: the system's).");
ABSL_FLAG(absl::Duration, upstream_timeout, gong::FacadeConfig().upstream_timeout,
          "Bound on the Gong request of a call that has no deadline.");
ABSL_FLAG(absl::Duration, shutdown_grace, gong::FacadeConfig().shutdown_grace,
          "On SIGTERM/SIGINT, how long calls in flight may take to finish.");

ABSL_FLAG(int, gong_qps, gong::QuotaOptions().gong_qps,
          "Gong requests per second, over any one-second window (Gong's default "
          "limit is 3); 0 turns the limiter off.");
ABSL_FLAG(bool, coalesce, gong::QuotaOptions().coalesce,
          "Merge calls waiting for their turn into shared Gong requests of up to "
          "200 ids (same unassigned_by_user_email only).");
ABSL_FLAG(int, gong_max_attempts, gong::QuotaOptions().max_attempts,
          "Gong requests per call at most, counting retries of 429, 503 and "
          "refused connections.");
ABSL_FLAG(int64_t, max_pending_calls,
          static_cast<int64_t>(gong::QuotaOptions().max_pending_calls),
          "Calls that may wait for their turn; past it calls are refused at once "
          "with RESOURCE_EXHAUSTED.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves gong.flows.v1.FlowService over Gong's REST API.\n"
      "Credentials come from the environment: GONG_ACCESS_KEY and "
      "GONG_ACCESS_KEY_SECRET, or GONG_BEARER_TOKEN.");
  absl::ParseCommandLine(argc, argv);

  gong::FacadeConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.gong_base_url = absl::GetFlag(FLAGS_gong_base_url);
  config.gong_ca_file = absl::GetFlag(FLAGS_gong_ca_file);
  config.upstream_timeout = absl::GetFlag(FLAGS_upstream_timeout);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.quota.gong_qps = absl::GetFlag(FLAGS_gong_qps);
  config.quota.coalesce = absl::GetFlag(FLAGS_coalesce);
  config.quota.max_attempts = absl::GetFlag(FLAGS_gong_max_attempts);
  const int64_t max_pending = absl::GetFlag(FLAGS_max_pending_calls);
  config.quota.max_pending_calls = max_pending > 0 ? max_pending : 0;
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
  // cannot kill the process with SIGPIPE.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
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
  gong::LogInfo(absl::StrCat(
      "gong-flows-server listening on ", host, ":", (*server)->port(),
      " gong_base_url=", config.gong_base_url,
      " auth=", auth_scheme,
      " upstream_timeout=", absl::FormatDuration(config.upstream_timeout),
      " shutdown_grace=", absl::FormatDuration(config.shutdown_grace),
      " gong_qps=", config.quota.gong_qps,
      " coalesce=", config.quota.coalesce ? "true" : "false",
      " gong_max_attempts=", config.quota.max_attempts,
      " max_pending_calls=", config.quota.max_pending_calls));

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  gong::LogInfo(absl::StrCat("signal ", signal_number,
                             ": finishing calls in flight, then exiting"));
  (*server)->Shutdown(config.shutdown_grace);
  server->reset();
  curl_global_cleanup();
  gong::LogInfo("stopped");
  return 0;
}
