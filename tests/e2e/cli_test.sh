#!/usr/bin/env bash
# The gong-flows CLI against the real server and the sandbox Gong binaries:
# its output, --json, ids from stdin, error details and exit codes.
# Usage: cli_test.sh BIN_DIR
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
failures=0

# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

# start NAME SANDBOX_FLAGS...: a sandbox and a facade in front of it; sets
# $target and $sandbox_pid.
start() {
  local name=$1; shift
  "$bin/gong-sandbox" --listen=127.0.0.1:0 "$@" >"$tmp/$name-sandbox.out" 2>/dev/null &
  sandbox_pid=$!
  local url
  url=$(wait_for "$tmp/$name-sandbox.out" 'listening on (http://[0-9.:]+)')
  GONG_BEARER_TOKEN=t "$bin/gong-flows-server" --listen=127.0.0.1:0 --metrics_listen= \
    --gong_base_url="$url" 2>"$tmp/$name-server.err" &
  target="127.0.0.1:$(wait_for "$tmp/$name-server.err" 'listening on 127\.0\.0\.1:([0-9]+)')"
}

# check NAME EXPECTED_EXIT PATTERN COMMAND...: runs COMMAND, checks its exit
# code and that its stdout+stderr match PATTERN (a grep -E regex).
check() {
  local name=$1 want=$2 pattern=$3; shift 3
  local got=0
  "$@" >"$tmp/out" 2>&1 || got=$?
  if [[ $got -ne $want ]] || ! grep -qE -- "$pattern" "$tmp/out"; then
    echo "FAIL $name: exit $got (want $want), output:"; cat "$tmp/out"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

start main --assigned=1000-1009
cli=("$bin/gong-flows" unassign --target="$target")
check "prints unassigned and still assigned" 0 \
  'unassigned 2 of 3 flow instances' "${cli[@]}" 1001 1002 4242
check "lists the id still assigned" 0 'still assigned +4243' "${cli[@]}" 1003 4243
check "--json prints protobuf JSON" 0 \
  '^\{"requestId":"[^"]+","unassignedFlowInstanceIds":\["1004"\],"stillAssignedFlowInstanceIds":\["4244"\]\}$' \
  "${cli[@]}" --json 1004 4244
check "- reads ids from stdin" 0 'unassigned 2 of 2' \
  bash -c "printf '1005\n\n1006\n' | $(printf '%q ' "${cli[@]}") -"
check "validation error: code name, exit 3, BadRequest" 3 \
  'bad_request: flow_instance_ids\[1\]: must not be empty' "${cli[@]}" 1007 ""
check "validation error names the code" 3 '^INVALID_ARGUMENT: ' "${cli[@]}" 1007 ""
check "Gong's 400 shows ErrorInfo" 3 \
  'error_info: reason=GONG_BAD_REQUEST domain=gong.io gong_request_id=[^ ]+ http_status=400' \
  "${cli[@]}" 99999
check "usage error exits 64" 64 'usage' "$bin/gong-flows" frobnicate 1
check "no ids exits 64" 64 'at least one' "${cli[@]}"
# abseil ends --help with exit 1; what matters is that the flags are listed.
check "--help lists the CLI's flags" 1 '--target \(' "$bin/gong-flows" --help
check "the server's --help lists its flags" 1 '--max_gong_in_flight \(' \
  "$bin/gong-flows-server" --help
# Every flag has its GONG_FLOWS_* variable (the names come from abseil's
# registry): the newest ones, refused from the environment alone (a server
# that ignored its variable would start serving: timeout ends it, 124).
check "GONG_FLOWS_MAX_GONG_IN_FLIGHT is read" 2 'max_gong_in_flight must be at least 1' \
  env GONG_BEARER_TOKEN=t GONG_FLOWS_MAX_GONG_IN_FLIGHT=0 \
  timeout 30 "$bin/gong-flows-server" --listen=127.0.0.1:0 --metrics_listen=
check "GONG_FLOWS_GONG_IDLE_CONNECTION_TIMEOUT is read" 2 \
  'gong_idle_connection_timeout must be positive' \
  env GONG_BEARER_TOKEN=t GONG_FLOWS_GONG_IDLE_CONNECTION_TIMEOUT=0s \
  timeout 30 "$bin/gong-flows-server" --listen=127.0.0.1:0 --metrics_listen=

start limited --status=429 --retry_after=30
check "429 longer than the deadline: RetryInfo at once, exit 8" 8 "retry_info: retry_delay=30s" \
  "$bin/gong-flows" unassign --target="$target" 1001

start down --assigned=1
kill "$sandbox_pid"  # Gong goes away
wait "$sandbox_pid" 2>/dev/null || true
check "unreachable Gong is UNAVAILABLE, exit 14" 14 '^UNAVAILABLE: ' \
  "$bin/gong-flows" unassign --target="$target" 1

[[ $failures -eq 0 ]]
