"""The contract the deployment files implement: ports, names, server defaults.

These are the values the server and its callers rely on; the checks compare
the manifests, the Envoy example and the Dockerfile against them rather than
against each other, so that all of them drifting together is caught too.
"""

GRPC_PORT = 50051
METRICS_PORT = 9464
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
