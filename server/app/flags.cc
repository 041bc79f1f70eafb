// The server's flags: each declared once here, with its name, type,
// default and help; ServerFlags() below says where its value lands in
// FacadeConfig and how the start-up line shows it.
#include "app/flags.h"

#include <algorithm>
#include <cstdint>
#include <functional>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"

namespace {
const gong::app::FacadeConfig kDefaults;
}  // namespace

// Names, types, defaults and help as operators, the manifests (GONG_FLOWS_*)
// and docs/operations.md know them. Each flag also needs its line in ServerFlags()
// below; flags_test fails for one that has none.

ABSL_FLAG(std::string, listen, kDefaults.listen,
          "Address to serve gRPC on, HOST:PORT (port 0 picks a free one).");
ABSL_FLAG(std::string, gong_base_url, kDefaults.gong_base_url,
          "Gong API base URL: https:// (plain http:// only for loopback hosts); Gong "
          "gives some companies their own host.");
ABSL_FLAG(std::string, gong_ca_file, "",
          "Extra CA bundle (PEM) for Gong's TLS certificate, trusted beside the "
          "system's; verification is never off.");
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
ABSL_FLAG(int64_t, max_request_bytes, static_cast<int64_t>(kDefaults.max_request_bytes),
          "Largest request message accepted, in bytes (64 KiB to 64 MiB); a larger "
          "one is refused RESOURCE_EXHAUSTED by gRPC before any validation. The "
          "largest valid request is under 160 KiB (assign's 100 prospects and "
          "its overrides at their bounds): the default 1 MiB leaves a wide "
          "margin.");
ABSL_FLAG(int, max_concurrent_streams, kDefaults.max_concurrent_streams,
          "Calls (HTTP/2 streams) one client connection may hold open at once "
          "(SETTINGS_MAX_CONCURRENT_STREAMS); a gRPC client queues further calls "
          "until earlier ones end.");
ABSL_FLAG(int64_t, max_grpc_memory_bytes,
          static_cast<int64_t>(kDefaults.max_grpc_memory_bytes),
          "gRPC's resource quota, in bytes (at least 8 MiB): what gRPC may account to "
          "its transports' buffers over all connections together. It does not bound "
          "the calls a connection holds open (--max_concurrent_streams does). Keep "
          "it under the container's memory limit.");
ABSL_FLAG(std::string, metrics_listen, kDefaults.metrics_listen,
          "Address for Prometheus /metrics; empty turns metrics off.");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain: serve gRPC over TLS.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key for --tls_cert_file.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle: require client certificates signed by it (mutual TLS).");
ABSL_FLAG(std::string, caller_tokens_file, "",
          "File of accepted caller tokens, one a line (re-read when it changes); "
          "FlowService calls must carry 'authorization: Bearer <token>'.");
ABSL_FLAG(std::string, gong_credentials_dir, "",
          "Directory holding Gong's credentials as a mounted Kubernetes Secret does: "
          "the file bearer_token, or the files access_key and access_key_secret. "
          "Re-read when it changes and at once after Gong answers 401. Without it, "
          "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, or GONG_BEARER_TOKEN; "
          "giving both is refused.");
ABSL_FLAG(int, gong_qps, kDefaults.quota.gong_qps,
          "Gong requests per second, over any one-second window (Gong's default "
          "limit is 3); 0 turns the limiter off. With --quota_redis, the total of "
          "all replicas sharing the quota.");
ABSL_FLAG(bool, coalesce, kDefaults.quota.coalesce,
          "Merge calls waiting for their turn into shared Gong requests of up to "
          "200 distinct ids: unassigns by instance id with the same "
          "unassigned_by_user_email, and prospect lookups by the same kind of id "
          "(CRM prospect ids, or flow instance ids).");
ABSL_FLAG(int, gong_max_attempts, kDefaults.quota.max_attempts,
          "Gong requests per call at most, retries included. Any request is "
          "retried after a 429, a 503, a connection never made or a request Gong "
          "refused unprocessed; reads (lookups, listings) also after a 500, 502, "
          "504 or a dropped connection.");
ABSL_FLAG(absl::Duration, max_gong_pause, kDefaults.quota.max_pause,
          "Longest the queue ever pauses for Gong (Retry-After, backoff), and the "
          "longest RetryInfo given to callers, whatever Gong says; with "
          "--quota_redis, also the longest this replica waits for a pause found in "
          "Redis.");
ABSL_FLAG(int64_t, max_pending_calls,
          static_cast<int64_t>(kDefaults.quota.max_pending_calls),
          "Calls that may wait for their turn; past it calls are refused at once "
          "with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, max_gong_in_flight,
          static_cast<int64_t>(kDefaults.quota.max_in_flight),
          "Gong requests awaiting an answer at once, and connections to Gong, at most; "
          "further calls wait their turn (within --max_pending_calls).");
ABSL_FLAG(int64_t, gong_daily_limit, kDefaults.quota.daily_limit,
          "Gong requests a UTC day may send (Gong's default daily limit is 10,000); 0 "
          "turns the daily budget off. At the limit every call is refused "
          "RESOURCE_EXHAUSTED (GONG_DAILY_LIMIT_REACHED) until the next UTC midnight "
          "rather than sent for Gong's 429. With --quota_redis, the company's count "
          "over all replicas; without it, this replica's own: divide the company's "
          "limit by the replicas.");
ABSL_FLAG(int64_t, daily_reserve, kDefaults.quota.daily_reserve,
          "Of --gong_daily_limit, the Gong requests kept for interactive calls: once "
          "the day's count reaches the limit minus this, calls with "
          "'x-gong-flows-priority: background' are refused RESOURCE_EXHAUSTED "
          "(DAILY_BUDGET_RESERVED) until the next UTC midnight. Below the limit.");
ABSL_FLAG(bool, quota_fair_queueing, kDefaults.quota.fair_queueing,
          "Interactive calls before background ones, and callers taking turns within "
          "each. false: one first-come-first-served queue, as before priorities; for "
          "measurements and comparison only.");
ABSL_FLAG(std::string, quota_redis, "",
          "redis://HOST:PORT[/DB]: share Gong's quota (--gong_qps, the 429 pauses, the "
          "day's count) with every replica using the same Redis and --quota_key; "
          "empty: this replica's own. A password comes only from "
          "GONG_FLOWS_QUOTA_REDIS_PASSWORD.");
ABSL_FLAG(std::string, quota_key, "",
          "The shared quota's name in Redis: one per Gong company (default "
          "gong-flows:<host of --gong_base_url>).");
ABSL_FLAG(int, quota_fallback_qps, kDefaults.quota_fallback_qps,
          "With --quota_redis: this replica's own Gong requests per second while Redis "
          "is down, slow or refusing, from 1 to --gong_qps (keep replicas x this "
          "within Gong's limit).");
ABSL_FLAG(absl::Duration, idempotency_ttl, kDefaults.idempotency_ttl,
          "How long a write's idempotency-key is kept: a retry with the key within this "
          "gets the first call's answer and sends nothing. In Redis with --quota_redis "
          "(shared by every replica), else in memory.");
ABSL_FLAG(int64_t, idempotency_max_keys,
          static_cast<int64_t>(kDefaults.idempotency_max_keys),
          "Without --quota_redis: idempotency keys kept in memory at most; past it the "
          "oldest go first (gong_idempotency_keys_evicted_total).");
ABSL_FLAG(absl::Duration, settle_delay, kDefaults.settle_delay,
          "How long after a write's answer was lost (Gong may have acted) the facade "
          "waits before it reads Gong's state to settle the call, within the caller's "
          "deadline; 0: it does not (a retry with the call's idempotency-key still "
          "settles).");
ABSL_FLAG(
    absl::Duration, bulk_poll_interval, kDefaults.bulk_poll_interval,
    "How long after a watched bulk assignment's last poll answered the facade polls "
    "Gong for it again (WatchBulkAssignment), as a background read within the "
    "quota; every watcher of one job on this replica shares the one poll. At least "
    "100ms.");

namespace gong::app {
namespace {

// A flag's value into its FacadeConfig field. Counts are int64 flags (abseil
// has no size_t flag): a negative one becomes 0, which ValidateConfig refuses
// naming the flag, rather than a huge size_t.
template <typename Field, typename Value>
void Assign(Field& field, const Value& value) {
  field = value;
}
void Assign(size_t& field, int64_t value) {
  field = static_cast<size_t>(std::max<int64_t>(0, value));
}

// A field as the start-up line shows it: durations as absl::FormatDuration
// writes them ("1m30s"), counts as JSON integers.
base::LogValue Loggable(const std::string& value) { return value; }
base::LogValue Loggable(absl::Duration value) { return absl::FormatDuration(value); }
base::LogValue Loggable(bool value) { return value; }
base::LogValue Loggable(int value) { return int64_t{value}; }
base::LogValue Loggable(int64_t value) { return value; }
base::LogValue Loggable(size_t value) { return static_cast<int64_t>(value); }

// One server flag: where its value lands in FacadeConfig and how the start-up
// line shows it. Made only by Described(), from one expression naming the
// field, so a flag's field and its description cannot part ways.
struct ServerFlag {
  absl::string_view name;
  std::function<void(FacadeConfig&)> read;
  std::function<base::LogValue(const FacadeConfig&)> describe;
};

// `field` is `[](auto& c) { return &c.some_field; }`: generic, so the same
// lambda points at the field to write and, for the log line, to read.
template <typename T, typename FieldOf>
ServerFlag Described(const absl::Flag<T>& flag, FieldOf field) {
  return {absl::GetFlagReflectionHandle(flag).Name(),
          [&flag, field](FacadeConfig& c) { Assign(*field(c), absl::GetFlag(flag)); },
          [field](const FacadeConfig& c) { return Loggable(*field(c)); }};
}

// Every flag above, in the same order. A flag missing here reaches neither
// FacadeConfig nor the log: flags_test fails for it.
const std::vector<ServerFlag>& ServerFlags() {
  // Built once and never destroyed (Google style for static storage). Flags
  // naming files are shown as paths; the files' contents (keys, tokens)
  // never reach the log.
  static const auto* const flags = new std::vector<ServerFlag>{
      Described(FLAGS_listen, [](auto& c) { return &c.listen; }),
      Described(FLAGS_gong_base_url, [](auto& c) { return &c.gong_base_url; }),
      Described(FLAGS_gong_ca_file, [](auto& c) { return &c.gong_ca_file; }),
      Described(FLAGS_upstream_timeout, [](auto& c) { return &c.upstream_timeout; }),
      Described(FLAGS_gong_connect_timeout,
                [](auto& c) { return &c.gong_connect_timeout; }),
      Described(FLAGS_gong_idle_connection_timeout,
                [](auto& c) { return &c.gong_idle_connection_timeout; }),
      Described(FLAGS_shutdown_grace, [](auto& c) { return &c.shutdown_grace; }),
      Described(FLAGS_drain_delay, [](auto& c) { return &c.drain_delay; }),
      Described(FLAGS_max_connection_age, [](auto& c) { return &c.max_connection_age; }),
      Described(FLAGS_max_request_bytes, [](auto& c) { return &c.max_request_bytes; }),
      Described(FLAGS_max_concurrent_streams,
                [](auto& c) { return &c.max_concurrent_streams; }),
      Described(FLAGS_max_grpc_memory_bytes,
                [](auto& c) { return &c.max_grpc_memory_bytes; }),
      Described(FLAGS_metrics_listen, [](auto& c) { return &c.metrics_listen; }),
      Described(FLAGS_tls_cert_file, [](auto& c) { return &c.tls_cert_file; }),
      Described(FLAGS_tls_key_file, [](auto& c) { return &c.tls_key_file; }),
      Described(FLAGS_tls_client_ca_file, [](auto& c) { return &c.tls_client_ca_file; }),
      Described(FLAGS_caller_tokens_file, [](auto& c) { return &c.caller_tokens_file; }),
      Described(FLAGS_gong_credentials_dir,
                [](auto& c) { return &c.gong_credentials_dir; }),
      Described(FLAGS_gong_qps, [](auto& c) { return &c.quota.gong_qps; }),
      Described(FLAGS_coalesce, [](auto& c) { return &c.quota.coalesce; }),
      Described(FLAGS_gong_max_attempts, [](auto& c) { return &c.quota.max_attempts; }),
      Described(FLAGS_max_gong_pause, [](auto& c) { return &c.quota.max_pause; }),
      Described(FLAGS_max_pending_calls,
                [](auto& c) { return &c.quota.max_pending_calls; }),
      Described(FLAGS_max_gong_in_flight, [](auto& c) { return &c.quota.max_in_flight; }),
      Described(FLAGS_gong_daily_limit, [](auto& c) { return &c.quota.daily_limit; }),
      Described(FLAGS_daily_reserve, [](auto& c) { return &c.quota.daily_reserve; }),
      Described(FLAGS_quota_fair_queueing,
                [](auto& c) { return &c.quota.fair_queueing; }),
      // A password in it is refused (ValidateConfig): safe to show.
      Described(FLAGS_quota_redis, [](auto& c) { return &c.quota_redis; }),
      Described(FLAGS_quota_key, [](auto& c) { return &c.quota_key; }),
      Described(FLAGS_quota_fallback_qps, [](auto& c) { return &c.quota_fallback_qps; }),
      Described(FLAGS_idempotency_ttl, [](auto& c) { return &c.idempotency_ttl; }),
      Described(FLAGS_idempotency_max_keys,
                [](auto& c) { return &c.idempotency_max_keys; }),
      Described(FLAGS_settle_delay, [](auto& c) { return &c.settle_delay; }),
      Described(FLAGS_bulk_poll_interval, [](auto& c) { return &c.bulk_poll_interval; }),
  };
  return *flags;
}

}  // namespace

bool IsServerFlagsFile(absl::string_view filename) {
  return absl::EndsWith(filename, "server/app/flags.cc");
}

std::vector<std::string> ServerFlagNames() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsServerFlagsFile(flag->Filename())) names.emplace_back(name);
  }
  return names;
}

FacadeConfig ConfigFromFlags() {
  FacadeConfig config;
  for (const ServerFlag& flag : ServerFlags()) flag.read(config);
  return config;
}

base::LogFields DescribeConfig(const FacadeConfig& config, absl::string_view auth_scheme,
                               int port, int metrics_port) {
  // What no single flag says: the ports actually bound (port 0 picks one),
  // and the security settings at a glance.
  base::LogFields fields = {{"listen_port", int64_t{port}},
                            {"metrics_port", int64_t{metrics_port}},
                            {"gong_auth", std::string(auth_scheme)},
                            {"tls", !config.tls_cert_file.empty()},
                            {"mutual_tls", !config.tls_client_ca_file.empty()}};
  for (const ServerFlag& flag : ServerFlags()) {
    fields.emplace_back(std::string(flag.name), flag.describe(config));
  }
  return fields;
}

}  // namespace gong::app
