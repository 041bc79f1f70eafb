#!/usr/bin/env bash
# Generates the Python modules the example client imports: the FlowService
# messages and stub (gong/flows/v1/flow_service_pb2{,_grpc}.py) and the
# google.rpc rich error detail messages (google/rpc/{status,error_details}_pb2.py),
# which Debian's python3-protobuf does not ship.
#
# Usage: generate_stubs.sh OUT_DIR [REPO_ROOT]
#   OUT_DIR    where the modules go (created); point GONG_FLOWS_PY_STUBS there
#   REPO_ROOT  the repository (default: two levels above this script)
#
# Needs protoc and grpc_python_plugin (Debian: protobuf-compiler,
# protobuf-compiler-grpc) and google/rpc/*.proto (golang-github-gogo-googleapis-dev).
# Overridable: PROTOC, GRPC_PYTHON_PLUGIN, GOOGLEAPIS_DIR, PROTOBUF_INCLUDE_DIR.
set -euo pipefail
out=${1:?usage: generate_stubs.sh OUT_DIR [REPO_ROOT]}
root=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
protoc=${PROTOC:-protoc}
plugin=${GRPC_PYTHON_PLUGIN:-$(command -v grpc_python_plugin || echo /usr/bin/grpc_python_plugin)}
googleapis=${GOOGLEAPIS_DIR:-/usr/share/gocode/src/github.com/gogo/googleapis}
wkt=${PROTOBUF_INCLUDE_DIR:-/usr/include}

mkdir -p "$out"
# The service, with its gRPC stub. It imports google/protobuf/timestamp.proto,
# found in the protobuf include dir; its Python module (timestamp_pb2) is not
# generated here: python3-protobuf has it, as google.protobuf.timestamp_pb2.
"$protoc" --python_out="$out" --grpc_out="$out" --plugin=protoc-gen-grpc="$plugin" \
  -I "$root/proto" -I "$wkt" gong/flows/v1/flow_service.proto
# The error details: messages only (no services in them).
"$protoc" --python_out="$out" -I "$googleapis" -I "$wkt" \
  google/rpc/status.proto google/rpc/error_details.proto
