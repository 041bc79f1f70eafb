// The facade's configuration, as ConfigFromFlags (flags.h) builds it from the
// flags, and its checks.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "quota/quota_steward.h"

namespace gong::app {

struct FacadeConfig {
  std::string listen = "0.0.0.0:50051";  // port 0 picks a free port
  std::string gong_base_url = "https://api.gong.io";
  std::string gong_ca_file;  // extra CA bundle; empty: the system's
  absl::Duration upstream_timeout = absl::Seconds(30);     // calls without deadline
  absl::Duration gong_connect_timeout = absl::Seconds(5);  // TCP and TLS to Gong
  // Connections to Gong idle this long are closed.
  absl::Duration gong_idle_connection_timeout = absl::Seconds(30);
  absl::Duration shutdown_grace = absl::Seconds(10);
  // SIGTERM: NOT_SERVING at once, calls still served this long, then stop.
  absl::Duration drain_delay = absl::Seconds(5);
  absl::Duration max_connection_age = absl::ZeroDuration();  // 0: unlimited
  // What one caller can make the gRPC listener hold. The largest valid
  // request is under 160 KiB (request_validation.h's bounds: assign's
  // prospects and overrides): a megabyte leaves a wide margin, where gRPC's
  // own 4 MiB let one call cost far more memory in validation
  // (docs/performance.md#what-profiling-found-and-fixed).
  size_t max_request_bytes = size_t{1} << 20;
  // HTTP/2 streams one connection may hold open (SETTINGS_MAX_CONCURRENT_
  // STREAMS); a gRPC client queues further calls until earlier ones end.
  // Enough for one connection to fill five coalesced Gong requests of 200
  // ids; each open stream holds memory of its own
  // (docs/performance.md#memory-of-waiting-calls-where-it-goes-and-giving-it-back).
  int max_concurrent_streams = 1000;
  // gRPC's resource quota: what gRPC accounts to its transports' buffers
  // over every connection, under the Deployment's 256 MiB limit. Calls held
  // open are not charged to it in gRPC 1.51: the stream cap bounds those.
  size_t max_grpc_memory_bytes = size_t{128} << 20;
  std::string metrics_listen = "0.0.0.0:9464";  // empty: no metrics
  std::string tls_cert_file;                    // with tls_key_file: TLS
  std::string tls_key_file;
  std::string tls_client_ca_file;  // mutual TLS
  std::string caller_tokens_file;  // callers must bear one of its tokens
  quota::QuotaOptions quota;       // --gong_qps, --coalesce, --max_gong_in_flight, ...
  // Gong's credentials from this directory (a mounted Secret), re-read when
  // it changes; empty: from the environment, once.
  std::string gong_credentials_dir;
  // The quota shared by every replica (--quota_redis; empty: each its own).
  // --gong_qps is then the company's, over all replicas.
  std::string quota_redis;     // redis://HOST:PORT[/DB]
  std::string quota_key;       // empty: DefaultQuotaKey(gong_base_url)
  int quota_fallback_qps = 1;  // this replica's own while Redis is out
  // GONG_FLOWS_QUOTA_REDIS_PASSWORD, never a flag: it must not be logged.
  std::string quota_redis_password;
  // Idempotency keys (idempotency/idempotency_keys.h): kept this long, in
  // Redis with --quota_redis (shared by every replica), else in memory,
  // at most idempotency_max_keys of them (the oldest go first).
  absl::Duration idempotency_ttl = absl::Hours(24);
  size_t idempotency_max_keys = 100000;
  // How long after a write's answer was lost the facade waits before it
  // reads Gong's state to settle it (Gong may still be working on it).
  absl::Duration settle_delay = absl::Seconds(2);
  // How long after a watched bulk assignment's poll answered it is polled
  // again (WatchBulkAssignment: one poll a job, whatever its watchers).
  absl::Duration bulk_poll_interval = absl::Seconds(5);
};

// --bulk_poll_interval's floor: below it a handful of watched jobs would
// spend the company's quota on polls alone.
inline constexpr absl::Duration kMinBulkPollInterval = absl::Milliseconds(100);

// --max_request_bytes' range. Below 64 KiB a valid lookup of 200 ids of
// 128 bytes (about 26 KiB) and an assign with its overrides would come close
// to being refused; past 64 MiB the bound no longer protects the memory.
inline constexpr size_t kMinRequestBytes = size_t{64} << 10;
inline constexpr size_t kMaxRequestBytes = size_t{64} << 20;
// Below this, gRPC's quota leaves too little for a few connections' buffers
// and starts refusing well-behaved calls.
inline constexpr size_t kMinGrpcMemoryBytes = size_t{8} << 20;

// "gong-flows:" and the host of `gong_base_url`: replicas in front of the
// same Gong company share a window; a company with its own host has its own.
std::string DefaultQuotaKey(absl::string_view gong_base_url);

// The quota key in force: --quota_key, or the default for --gong_base_url.
std::string QuotaKey(const FacadeConfig& config);

// True for "localhost", 127.0.0.0/8 and [::1]: the only hosts that may be
// reached over plain http (the sandbox and tests).
bool IsLoopbackHost(absl::string_view host);

// Refuses a configuration the server cannot run with, naming the flag.
absl::Status ValidateConfig(const FacadeConfig& config);

}  // namespace gong::app
