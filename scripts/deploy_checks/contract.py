"""The contract the deployment files implement: ports, names, server defaults.

These are the values the server and its callers rely on; the checks compare
the manifests, the Envoy example and the Dockerfile against them rather than
against each other, so that all of them drifting together is caught too.
"""

GRPC_PORT = 50051
METRICS_PORT = 9464
# The image the facade's container runs (kustomize's images: may add a
# registry and a tag).
SERVER_IMAGE = "gong-flows-server"
# The proxy in front of the gRPC listener (proxy.py): the facade listens on
# loopback only, and an Envoy with the HTTP/2 Rapid Reset fix
# (CVE-2023-44487: 1.27.1, 1.26.5, 1.25.10, 1.24.11 and later) owns GRPC_PORT.
PROXY_IMAGE = "envoy"
ENVOY_RAPID_RESET_FIXED = {(1, 24): 11, (1, 25): 10, (1, 26): 5, (1, 27): 1}
ENVOY_FIRST_FIXED_MINOR = (1, 28)
# The proxy's limits may not be looser than these.
PROXY_MAX_STREAMS_PER_CONNECTION = 1000
PROXY_MAX_REQUEST_HEADERS_KB = 60
PROXY_MAX_CONNECTIONS = 10000
SERVICE_NAME = "gong.flows.v1.FlowService"
METHOD_NAME = "UnassignByInstanceIds"
DEPLOYMENT_NAME = "gong-flows"
CREDENTIALS_SECRET = "gong-flows-credentials"
CREDENTIAL_VARS = ("GONG_ACCESS_KEY", "GONG_ACCESS_KEY_SECRET", "GONG_BEARER_TOKEN")
# Server defaults when the manifest does not set the variable.
DEFAULT_DRAIN_DELAY_S = 5.0
DEFAULT_SHUTDOWN_GRACE_S = 10.0
DEFAULT_GONG_QPS = 3
# Gong's rate limit, per company: what all replicas together may use.
GONG_COMPANY_QPS = 3
ENVOY_DESCRIPTOR_PATH = "/etc/envoy/flow_service.binpb"
TRANSCODER_TYPE = ("type.googleapis.com/envoy.extensions.filters.http."
                   "grpc_json_transcoder.v3.GrpcJsonTranscoder")
ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
HCM_TYPE = ("type.googleapis.com/envoy.extensions.filters.network."
            "http_connection_manager.v3.HttpConnectionManager")
# Libraries every Debian base image already has.
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}

# The shared quota (components/shared-quota): every replica reserves its Gong
# requests in one window in Redis. GONG_FLOWS_GONG_QPS is then the company's
# total; while Redis cannot be reached each replica falls back to a window of
# its own at GONG_FLOWS_QUOTA_FALLBACK_QPS.
SHARED_QUOTA_COMPONENT = "components/shared-quota"
QUOTA_REDIS_VAR = "GONG_FLOWS_QUOTA_REDIS"
QUOTA_FALLBACK_QPS_VAR = "GONG_FLOWS_QUOTA_FALLBACK_QPS"
DEFAULT_QUOTA_FALLBACK_QPS = 1
REDIS_DEFAULT_PORT = 6379
# Read from the environment only (from a Secret): never a flag, never logged.
QUOTA_REDIS_PASSWORD_VAR = "GONG_FLOWS_QUOTA_REDIS_PASSWORD"
# GONG_FLOWS_* variables that name no flag on purpose.
ENV_ONLY_VARS = {QUOTA_REDIS_PASSWORD_VAR}
# The server's flags are declared with ABSL_FLAG in this file; each is also
# read from GONG_FLOWS_<FLAG IN UPPER CASE>.
FLAGS_SOURCE = "server/app/flags.cc"
# The flags the shared quota adds. While flags.cc has none of them (the
# server's side not merged yet), the manifests may name them all the same;
# once it has one, it must have all.
SHARED_QUOTA_FLAGS = ("quota_redis", "quota_key", "quota_fallback_qps")
# Runtime packages the server links whatever the build tree at hand says
# (the check against a built binary sees only what that build links).
RUNTIME_PACKAGES_REQUIRED = {
    "libhiredis0.14": "libhiredis.so.0.14, the shared quota's Redis client",
    "libjemalloc2": "libjemalloc.so.2, the allocator the server runs on",
}
