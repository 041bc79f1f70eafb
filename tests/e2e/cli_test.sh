#!/usr/bin/env bash
# The gong-flows CLI against the real server and the sandbox Gong binaries:
# its output, --json, ids from stdin, error details and exit codes, for
# unassign and, on the sandbox's demo company, for flows list, prospects
# get, assign and unassign-crm.
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

# expect NAME COUNT PATTERN: COUNT lines of the last check's output match
# PATTERN (a grep -E regex).
expect() {
  local name=$1 want=$2 pattern=$3 got
  got=$(grep -cE -- "$pattern" "$tmp/out" || true)
  if [[ $got -ne $want ]]; then
    echo "FAIL $name: $got lines match /$pattern/ (want $want), output:"; cat "$tmp/out"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

# expect_json NAME EXPR WANT: every line of the last check's output parses as
# JSON, and the Python expression EXPR over `lines` (the parsed lines)
# prints WANT.
expect_json() {
  local name=$1 expr=$2 want=$3 got
  got=$(python3 -c "import json, sys
lines = [json.loads(line) for line in sys.stdin]
print(($expr))" <"$tmp/out" 2>&1) || true
  if [[ "$got" != "$want" ]]; then
    echo "FAIL $name: got $got (want $want), output:"; cat "$tmp/out"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

# ids PATTERN: the ids (grep -o PATTERN, blanks dropped) in the last check's
# output, sorted, one line.
ids() { grep -oE -- "$1" "$tmp/out" | tr -d ' ' | sort | paste -sd' '; }

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

# The demo company alone (no --assigned ids, whose flow Ana would see too),
# two flows a page so that listing takes pages.
start demo --assigned= --page_size=2
g=("$bin/gong-flows")
t=--target="$target"
f=7100000000000000   # the demo's flow ids are $f to 7100000000000000006
check "flows list: one page, and the next page's token" 0 \
  '^Gong request [^ ]+: 2 flows \(of 5\)$' "${g[@]}" flows list "$t" --owner=ana@example.com
expect "flows list: a line per flow with visibility, exclusive and folder" 1 \
  "^  ${f}001 +Enterprise outbound +company +exclusive +Outbound \(7000000000000000101\)$"
expect "flows list: page 1 is the first two flows" 2 "^  ${f}00[12] "
expect "flows list: prints the next page's token" 1 '^next page: --page-token=[^ ]+$'
token=$(sed -nE 's/^next page: --page-token=(.+)$/\1/p' "$tmp/out")
check "flows list --page-token: the next page" 0 '^Gong request [^ ]+: 2 flows \(of 5\)$' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --page-token="$token"
[[ $(ids "^  ${f}[0-9]{3} ") == "${f}003 ${f}004" ]] || {
  echo "FAIL page 2 is not flows 003 and 004:"; cat "$tmp/out"; failures=$((failures + 1)); }
check "flows list --all-pages: every flow, every page's request id" 0 \
  '^Gong requests [^ ]+, [^ ]+, [^ ]+: 5 flows \(of 5\) in 3 pages$' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --all-pages
[[ $(ids "^  ${f}[0-9]{3} ") == "${f}001 ${f}002 ${f}003 ${f}004 ${f}006" ]] || {
  echo "FAIL --all-pages does not list Ana's five flows once each:"; cat "$tmp/out"
  failures=$((failures + 1)); }
expect "flows list --all-pages: no next page" 0 'next page'
check "flows list --all-pages --json: a line per page" 0 '"nextPageToken"' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --all-pages --json
expect_json "flows list --all-pages --json: 3 pages, 5 distinct flows" \
  "len(lines), len({f['flowId'] for l in lines for f in l['flows']}), 'nextPageToken' in lines[-1]" \
  "(3, 5, False)"
check "flows list --all-pages --max-pages=3: the three pages are all" 0 \
  '^Gong requests [^ ]+, [^ ]+, [^ ]+: 5 flows \(of 5\) in 3 pages$' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --all-pages --max-pages=3
check "flows list --all-pages --max-pages=2: stops, exit 65, says how to go on" 65 \
  '^gong-flows flows list: stopped after 2 pages \(--max-pages=2\) with more to come; go on with --page-token=[^ ]+, or raise --max-pages$' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --all-pages --max-pages=2
expect "flows list --max-pages=2: the two pages' flows are printed" 1 \
  '^Gong requests [^ ]+, [^ ]+: 4 flows \(of 5\) in 2 pages$'
token=$(sed -nE 's/.*go on with --page-token=([^ ]+), or raise.*/\1/p' "$tmp/out")
check "flows list --page-token from --max-pages: the rest" 0 \
  '^Gong request [^ ]+: 1 flow \(of 5\)$' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --page-token="$token"
check "flows list --max-pages=0: 64" 64 'max-pages must be a whole number from 1' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --all-pages --max-pages=0
check "flows list --max-pages without --all-pages: 64" 64 'goes with --all-pages' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --max-pages=5
check "flows list --recent: newest assignments first" 0 "^  ${f}003 " \
  "${g[@]}" flows list "$t" --owner=ana@example.com --recent
check "flows list --workspace" 0 "^Gong request [^ ]+: 1 flow \(of 1\)$" \
  "${g[@]}" flows list "$t" --owner=ana@example.com --workspace=6100000000000000002
expect "flows list --workspace: the EMEA flow Ana sees" 1 "^  ${f}006 +Trial nurture "
check "flows list --folder" 0 "^Gong request [^ ]+: 1 flow \(of 1\)$" \
  "${g[@]}" flows list "$t" --owner=chen@example.com --folder=7000000000000000103
expect "flows list --folder: the flow in it" 1 \
  "^  ${f}004 +Renewal check-in +shared +- +Customer success "

check "prospects get --crm-id: the prospect's open instances" 0 \
  '^Gong request [^ ]+: 2 flow instances$' \
  "${g[@]}" prospects get "$t" --crm-id 003DEMO000000003
expect "prospects get: instance, flow, name, prospect, status, RFC 3339 UTC" 2 \
  "^  730000000000000000[34] +${f}00[24] +(Webinar follow-up|Renewal check-in) +003DEMO000000003 +(running|pending) +2026-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$"
check "prospects get --crm-id A B: every id after the flag" 0 \
  '^Gong request [^ ]+: 3 flow instances$' \
  "${g[@]}" prospects get "$t" --crm-id 003DEMO000000003 003DEMO000000005
check "prospects get --crm-id=A --crm-id=B: repeated" 0 \
  '^Gong request [^ ]+: 3 flow instances$' \
  "${g[@]}" prospects get "$t" --crm-id=003DEMO000000003 --crm-id=003DEMO000000001
check "prospects get --crm-id -: ids from stdin" 0 '^Gong request [^ ]+: 3 flow instances$' \
  bash -c "printf '003DEMO000000003\n\n003DEMO000000005\n' | $(printf '%q ' "${g[@]}" prospects get "$t") --crm-id -"
check "prospects get --instance-id: a finished instance" 0 \
  "^  7300000000000000008 +${f}001 +Enterprise outbound +003DEMO000000006 +finished_no_reply " \
  "${g[@]}" prospects get "$t" --instance-id 7300000000000000008
check "prospects get --json" 0 '"flowInstances"' \
  "${g[@]}" prospects get "$t" --json --instance-id=7300000000000000001
expect_json "prospects get --json: one line, the instance, its status and time" \
  "len(lines), lines[0]['flowInstances'][0]['status'], lines[0]['flowInstances'][0]['createTime'][-1]" \
  "(1, 'FLOW_INSTANCE_STATUS_RUNNING', 'Z')"

check "assign: the new instance" 0 \
  "^Gong request [^ ]+: assigned 1 of 1 prospect to flow ${f}002$" \
  "${g[@]}" assign "$t" --flow=${f}002 --owner=ana@example.com 003DEMO000000006
expect "assign: prospect and new instance id" 1 '^  assigned +003DEMO000000006 +9100000000000000001$'
check "prospects get shows the assigned prospect" 0 \
  "^  9100000000000000001 +${f}002 +Webinar follow-up +003DEMO000000006 +running " \
  "${g[@]}" prospects get "$t" --crm-id 003DEMO000000006
check "assign: a prospect in an exclusive flow is not assigned" 0 \
  "^  not assigned +003DEMO000000001 +INVALID_STATE +.*exclusive" \
  "${g[@]}" assign "$t" --flow=${f}003 --owner=ana@example.com --description=x 003DEMO000000001
check "assign --json" 0 'notAssigned' \
  "${g[@]}" assign "$t" --json --flow=${f}003 --owner=ana@example.com 003DEMO000000002
expect_json "assign --json: the failure's code" "lines[0]['notAssigned'][0]['errorCode']" \
  ASSIGNMENT_ERROR_CODE_INVALID_STATE
check "unassign-crm --flow: the removed instance" 0 \
  '^Gong request [^ ]+: unassigned 003DEMO000000006 from 1 flow instance$' \
  "${g[@]}" unassign-crm "$t" --crm-id=003DEMO000000006 --flow=${f}002
expect "unassign-crm: the instance id" 1 '^  unassigned +9100000000000000001$'
check "unassign-crm removed it" 0 '^Gong request [^ ]+: 0 flow instances$' \
  "${g[@]}" prospects get "$t" --crm-id 003DEMO000000006
check "unassign-crm --all-flows --json" 0 'unassignedFlowInstanceIds' \
  "${g[@]}" unassign-crm "$t" --json --crm-id=003DEMO000000003 --all-flows --by=ana@example.com
expect_json "unassign-crm --all-flows: both of the prospect's instances" \
  "sorted(lines[0]['unassignedFlowInstanceIds'])" \
  "['7300000000000000003', '7300000000000000004']"

# Usage errors are found before anything is sent: the facade logs no call
# for them (its log has a line per call).
calls_before=$(grep -c '"msg":"call"' "$tmp/demo-server.err" || true)
check "unassign-crm with neither --flow nor --all-flows: 64" 64 'not neither' \
  "${g[@]}" unassign-crm "$t" --crm-id=003DEMO000000004
check "unassign-crm with both --flow and --all-flows: 64" 64 'not both' \
  "${g[@]}" unassign-crm "$t" --crm-id=003DEMO000000004 --flow=${f}002 --all-flows
check "prospects get with both kinds of id: 64" 64 'not both' \
  "${g[@]}" prospects get "$t" --crm-id 003DEMO000000004 --instance-id 7300000000000000001
check "prospects get with no kind of id: 64" 64 'not neither' "${g[@]}" prospects get "$t"
check "prospects get ids before the kind flag: 64" 64 'unexpected argument' \
  "${g[@]}" prospects get "$t" 003DEMO000000004
check "another command's flag: 64" 64 'no flag --all-flows' \
  "${g[@]}" assign "$t" --flow=${f}002 --owner=ana@example.com --all-flows 003DEMO000000004
check "an unknown flag: 64" 64 'no flag --bogus' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --bogus
check "flows list without --owner: 64" 64 'give --owner' "${g[@]}" flows list "$t"
check "assign without ids: 64" 64 'at least one' \
  "${g[@]}" assign "$t" --flow=${f}002 --owner=ana@example.com
check "an unknown subcommand: 64" 64 'usage' "${g[@]}" flows frobnicate "$t"
check "a bad --timeout: 64" 64 'duration' \
  "${g[@]}" flows list "$t" --owner=ana@example.com --timeout=soon
calls_after=$(grep -c '"msg":"call"' "$tmp/demo-server.err" || true)
[[ $calls_after -eq $calls_before ]] || {
  echo "FAIL usage errors sent calls: $calls_before calls logged before, $calls_after after"
  failures=$((failures + 1)); }

check "server validation: --owner=not-an-email exits 3 with its BadRequest" 3 \
  '^  bad_request: flow_owner_email: ' \
  "${g[@]}" flows list "$t" --owner=not-an-email
check "server validation: an empty --flow exits 3" 3 '^  bad_request: flow_id: ' \
  "${g[@]}" unassign-crm "$t" --crm-id=003DEMO000000004 --flow=
check "--help lists every command's flags" 1 '--all-pages' "${g[@]}" --help
expect "--help lists the commands" 8 '^  gong-flows (flows list|flows folders|flows steps|prospects get|assign|unassign|unassign-crm) '
check "a command's --help lists its flags" 1 '^  --crm-id \(ID\) ' \
  "${g[@]}" prospects get --help

# A Gong that hands out a new cursor on every page and never a last page
# (issue 26: --all-pages walked 11,275 pages in 6 s): --all-pages stops at
# its bound, says why, and exits 65. `timeout` guards a walk that would not.
python3 -c '
import http.server, json, sys
class Endless(http.server.BaseHTTPRequestHandler):
    pages = 0
    def do_GET(self):
        Endless.pages += 1
        body = json.dumps({"requestId": "endless-%d" % Endless.pages,
            "records": {"totalRecords": 10**6, "currentPageSize": 1,
                        "currentPageNumber": Endless.pages, "cursor": "c%d" % Endless.pages},
            "flows": [{"id": str(7200000000000000000 + Endless.pages), "name": "Flow"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endless)
print("listening on http://127.0.0.1:%d" % server.server_port, flush=True)
server.serve_forever()
' >"$tmp/endless.out" &
endless_url=$(wait_for "$tmp/endless.out" 'listening on (http://[0-9.:]+)')
GONG_BEARER_TOKEN=t "$bin/gong-flows-server" --listen=127.0.0.1:0 --metrics_listen= \
  --gong_qps=0 --gong_base_url="$endless_url" 2>"$tmp/endless-server.err" &
endless=--target="127.0.0.1:$(wait_for "$tmp/endless-server.err" 'listening on 127\.0\.0\.1:([0-9]+)')"
check "flows list --all-pages against an endless Gong: stops at 100 pages, exit 65" 65 \
  '^gong-flows flows list: stopped after 100 pages \(--max-pages=100\) with more to come' \
  timeout 120 "${g[@]}" flows list "$endless" --owner=ana@example.com --all-pages
expect "the endless listing's 100 pages are printed" 1 ': 100 flows \(of 1000000\) in 100 pages$'
check "flows list --all-pages --json --max-pages=7 against an endless Gong: 7 lines" 65 \
  'stopped after 7 pages' \
  timeout 120 "${g[@]}" flows list "$endless" --owner=ana@example.com --all-pages \
  --max-pages=7 --json
expect "--json --max-pages=7: a line per page" 7 '^\{"requestId":"endless-'

start limited --status=429 --retry_after=30
check "429 longer than the deadline: RetryInfo at once, exit 8" 8 "retry_info: retry_delay=30s" \
  "$bin/gong-flows" unassign --target="$target" 1001

start down --assigned=1
kill "$sandbox_pid"  # Gong goes away
wait "$sandbox_pid" 2>/dev/null || true
check "unreachable Gong is UNAVAILABLE, exit 14" 14 '^UNAVAILABLE: ' \
  "$bin/gong-flows" unassign --target="$target" 1

[[ $failures -eq 0 ]]
