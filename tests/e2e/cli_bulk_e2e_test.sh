#!/usr/bin/env bash
# gong-flows's bulk assignment and the new reads against the real server
# and the sandbox Gong: 120 prospects from a CSV in 3 jobs, every prospect
# with one result line; a run killed with SIGKILL once a job is started
# and resumed, with no job started twice (the sandbox's POSTs counted);
# a CSV the facade would refuse stops before anything is sent; assign's
# override flags; flows folders and flows steps.
# Usage: cli_bulk_e2e_test.sh BIN_DIR
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
failures=0

# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

# The jobs are watched through the facade's poll of Gong: a short interval
# keeps the test quick (the flag is the watch's; a server without it polls
# every 5 s and the test only takes longer).
poll_flags=()
if "$bin/gong-flows-server" --helpfull 2>&1 | grep -q -- '--bulk_poll_interval'; then
  poll_flags=(--bulk_poll_interval=200ms)
fi

# start NAME: a sandbox (its request lines in $tmp/NAME-sandbox.err) and a
# facade in front of it; sets $target.
start() {
  local name=$1; shift
  "$bin/gong-sandbox" --listen=127.0.0.1:0 --log_requests "$@" \
    >"$tmp/$name-sandbox.out" 2>"$tmp/$name-sandbox.err" &
  local url
  url=$(wait_for "$tmp/$name-sandbox.out" 'listening on (http://[0-9.:]+)')
  GONG_BEARER_TOKEN=t "$bin/gong-flows-server" --listen=127.0.0.1:0 --metrics_listen= \
    --gong_base_url="$url" "${poll_flags[@]}" 2>"$tmp/$name-server.err" &
  target="127.0.0.1:$(wait_for "$tmp/$name-server.err" 'listening on 127\.0\.0\.1:([0-9]+)')"
}

pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

bulk_path=/v2/flows/prospects/bulk-assignments
# starts NAME: the sandbox's bulk job submissions so far.
starts() { grep -cE "^POST $bulk_path( |$)" "$tmp/$1-sandbox.err" || true; }

flow=7100000000000000002
owner=ana@example.com

# prospects FILE N TAG: a CSV of N prospects, every third one a CRM id,
# the others by name (not yet in the CRM).
prospects() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as out:
    out.write("crm_id,first_name,last_name,email,job_title,company_name\n")
    for i in range(n):
        if i % 3 == 0:
            out.write(f"003{tag}{i:06d},,,,,\n")
        else:
            out.write(f",First{i},\"Last, {tag}\",p{i}.{tag.lower()}@example.org,CTO,\"Acme \"\"{i}\"\"\"\n")
PY
}

# check CSV RESULTS N: "ok" when each of the N prospects has exactly one
# result line, and the file's job lines are whole; else what is wrong.
check() {
  python3 - "$1" "$2" "$3" <<'PY'
import collections, csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
want = {json.dumps({k: v for k, v in r.items() if v}, sort_keys=True, separators=(",", ":")) for r in rows}
results = collections.Counter()
jobs = collections.defaultdict(set)
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    try:
        record = json.loads(line)
    except ValueError:
        continue  # a line torn by a kill
    if "prospect" in record:
        results[json.dumps(record["prospect"], sort_keys=True, separators=(",", ":"))] += 1
        assert record["status"], record
    else:
        jobs[record["job"]].add(record["key"])
wrong = [p for p in want if results[p] != 1]
extra = set(results) - want
ok = not wrong and not extra and len(want) == int(sys.argv[3])
print("ok" if ok else f"{len(wrong)} prospects without exactly one result, e.g. {wrong[:2]}; {len(extra)} others")
print(len(jobs["submitting"]), len(jobs["submitted"]), len(jobs["ended"]))
PY
}

# --- 120 prospects, 3 jobs --------------------------------------------------
start whole
prospects "$tmp/p1.csv" 120 AAA
got=0
"$bin/gong-flows" assign --bulk --target="$target" --flow="$flow" --owner="$owner" \
  --from="$tmp/p1.csv" --results="$tmp/r1.jsonl" --quiet --json \
  >"$tmp/out1" 2>"$tmp/err1" || got=$?
[[ $got -eq 0 || $got -eq 66 ]] && pass "120 prospects: exit $got" \
  || { fail "120 prospects: exit $got"; cat "$tmp/err1"; }
mapfile -t verdict < <(check "$tmp/p1.csv" "$tmp/r1.jsonl" 120)
[[ ${verdict[0]} == ok ]] && pass "120 prospects: each with one result line" \
  || fail "120 prospects: ${verdict[0]}"
[[ ${verdict[1]} == "3 3 3" ]] && pass "120 prospects: 3 jobs submitted, started, ended" \
  || fail "120 prospects: job lines ${verdict[1]}"
n=$(starts whole)
[[ $n -eq 3 ]] && pass "120 prospects: 3 Gong submissions" || fail "120 prospects: $n submissions"
summary=$(grep '"summary"' "$tmp/out1" || true)
python3 -c "import json, sys
s = json.loads(sys.argv[1])['summary']
assert s['total'] == 120 and s['done'] == 120 and s['jobs'] == 3, s
assert s['gong_calls'] >= 4 and not s['stopped'], s" "$summary" \
  && pass "120 prospects: the JSON summary" || fail "120 prospects: summary $summary"
grep -qE "120 of 120 prospects answered in .*; jobs: 3 \(completed 3\); Gong calls used: [0-9]+" \
  "$tmp/err1" && pass "120 prospects: the summary on stderr" \
  || { fail "120 prospects: no summary on stderr"; cat "$tmp/err1"; }
python3 - "$tmp/r1.jsonl" <<'PY' && pass "a prospect not in the CRM gets a CRM id and an instance" \
  || fail "no CRM id or instance for the prospects by name"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
named = [l for l in lines if "prospect" in l and "crm_id" not in l["prospect"]
         and l["status"] == "ASSIGNED"]
assert named and all(l.get("crm_id") and l.get("flow_instance_id") for l in named), named[:2]
PY

# --- SIGKILL once a job is started, then --resume ---------------------------
start killed
prospects "$tmp/p2.csv" 120 BBB
run2=("$bin/gong-flows" assign --bulk --target="$target" --flow="$flow" --owner="$owner"
  --from="$tmp/p2.csv" --results="$tmp/r2.jsonl" --parallel=1 --quiet)
"${run2[@]}" >/dev/null 2>"$tmp/err2" &
pid=$!
for _ in $(seq 400); do
  grep -q '"job":"submitted"' "$tmp/r2.jsonl" 2>/dev/null && break
  sleep 0.05
done
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "     killed after $(grep -c '"job":"submitted"' "$tmp/r2.jsonl") jobs started," \
  "$(grep -c '"prospect"' "$tmp/r2.jsonl" || true) results"
got=0
"${run2[@]}" --resume >/dev/null 2>"$tmp/err2b" || got=$?
[[ $got -eq 0 || $got -eq 66 ]] && pass "resumed after SIGKILL: exit $got" \
  || { fail "resumed after SIGKILL: exit $got"; cat "$tmp/err2b"; }
mapfile -t verdict < <(check "$tmp/p2.csv" "$tmp/r2.jsonl" 120)
[[ ${verdict[0]} == ok ]] && pass "SIGKILL and --resume: each prospect one result over both runs" \
  || fail "SIGKILL and --resume: ${verdict[0]}"
n=$(starts killed)
[[ $n -eq 3 ]] && pass "SIGKILL and --resume: 3 Gong submissions, no job started twice" \
  || fail "SIGKILL and --resume: $n submissions (3 jobs)"
grep -q "already answered in" "$tmp/err2b" || grep -q "120 of 120" "$tmp/err2b" \
  && pass "the resumed run's summary" || { fail "the resumed run's summary"; cat "$tmp/err2b"; }
# Nothing left: a third run sends nothing.
got=0
"${run2[@]}" --resume >/dev/null 2>"$tmp/err2c" || got=$?
[[ $(starts killed) -eq 3 ]] && grep -q "already answered in $tmp/r2.jsonl: 120" "$tmp/err2c" \
  && pass "a resume of a finished run sends nothing" \
  || { fail "a resume of a finished run: $(starts killed) submissions"; cat "$tmp/err2c"; }

# --- a CSV the facade would refuse: nothing sent ----------------------------
start usage
printf 'crm_id,phone\n003A,1\n' >"$tmp/bad1.csv"
printf 'crm_id,first_name,last_name\n003A,,\n,Jane,\n' >"$tmp/bad2.csv"
for bad in bad1 bad2; do
  got=0
  "$bin/gong-flows" assign --bulk --target="$target" --flow="$flow" --owner="$owner" \
    --from="$tmp/$bad.csv" >"$tmp/out" 2>&1 || got=$?
  [[ $got -eq 64 ]] && pass "$bad.csv: a usage error, $(head -c 80 "$tmp/out")" \
    || { fail "$bad.csv: exit $got"; cat "$tmp/out"; }
done
grep -q "unknown column 'phone'" "$tmp/out" 2>/dev/null || true
got=0
"$bin/gong-flows" assign --bulk --target="$target" --flow="$flow" --owner="$owner" \
  --from="$tmp/bad2.csv" >"$tmp/out" 2>&1 || got=$?
grep -q "line 3: give crm_id, or first_name and last_name" "$tmp/out" \
  && pass "the bad row named by its line" || { fail "the bad row's line"; cat "$tmp/out"; }
for args in "--step-subject=0=x" "--step-body=2" "--variable=novalue" \
  "--step-subject=1=a --step-subject=1=b"; do
  got=0
  # shellcheck disable=SC2086
  "$bin/gong-flows" assign --target="$target" --flow="$flow" --owner="$owner" $args \
    003DEMO000000006 >"$tmp/out" 2>&1 || got=$?
  [[ $got -eq 64 ]] && pass "usage error: $args" || { fail "$args: exit $got"; cat "$tmp/out"; }
done
got=0
"$bin/gong-flows" assign --bulk --target="$target" --flow="$flow" --owner="$owner" \
  --from="$tmp/p1.csv" --variable=a=b >"$tmp/out" 2>&1 || got=$?
[[ $got -eq 64 ]] && pass "assign --bulk refuses overrides" || fail "--bulk with overrides: exit $got"
[[ $(starts usage) -eq 0 ]] && ! grep -qE '^POST /v2/flows/prospects/assign' "$tmp/usage-sandbox.err" \
  && pass "usage errors: nothing reached Gong" || fail "usage errors reached Gong"

# --- override flags, folders and steps -------------------------------------
got=0
"$bin/gong-flows" flows steps --target="$target" "$flow" >"$tmp/steps" 2>&1 || got=$?
[[ $got -eq 0 ]] && grep -q "^Gong request .*: 1 flow" "$tmp/steps" \
  && grep -qE "^  flow $flow " "$tmp/steps" && grep -qE "step 1 " "$tmp/steps" \
  && pass "flows steps: the flow and its numbered steps" || { fail "flows steps: exit $got"; cat "$tmp/steps"; }
got=0
"$bin/gong-flows" flows steps --target="$target" --json "$flow" >"$tmp/steps.json" 2>&1 || got=$?
step=$(python3 -c "import json, sys
print(json.load(open(sys.argv[1]))['flows'][0]['steps'][0]['number'])" "$tmp/steps.json" 2>/dev/null || true)
[[ $got -eq 0 && $step == 1 ]] && pass "flows steps --json" || { fail "flows steps --json: exit $got"; cat "$tmp/steps.json"; }
# The number flows steps printed (the flow's first step, 1, should that
# call have failed above: this check is then of the flags alone).
step=${step:-1}
got=0
"$bin/gong-flows" assign --target="$target" --flow="$flow" --owner="$owner" \
  --step-subject="$step=Hello from the e2e test" --step-body="$step=Body" \
  --variable=city=Lisbon --cool-off-override 003DEMO000000006 >"$tmp/out" 2>&1 || got=$?
[[ $got -eq 0 ]] && grep -q "assigned 1 of 1 prospect" "$tmp/out" \
  && pass "assign with a step number flows steps printed, a variable and cool-off" \
  || { fail "assign with overrides: exit $got"; cat "$tmp/out"; }
got=0
"$bin/gong-flows" flows steps --target="$target" "$flow" 7199999999999999999 >"$tmp/out" 2>&1 || got=$?
[[ $got -eq 5 ]] && pass "flows steps with an unknown flow: NOT_FOUND (exit 5)" \
  || { fail "flows steps, unknown flow: exit $got"; cat "$tmp/out"; }
got=0
"$bin/gong-flows" flows steps --target="$target" >"$tmp/out" 2>&1 || got=$?
[[ $got -eq 64 ]] && pass "flows steps without ids: a usage error" || fail "flows steps alone: exit $got"
got=0
"$bin/gong-flows" flows steps --target="$target" "" >"$tmp/out" 2>&1 || got=$?
[[ $got -eq 3 ]] && grep -q "bad_request: flow_ids\[0\]" "$tmp/out" \
  && pass "flows steps \"\": the facade's BadRequest (exit 3)" || { fail "flows steps \"\": exit $got"; cat "$tmp/out"; }
got=0
"$bin/gong-flows" flows folders --target="$target" --owner="$owner" --all-pages \
  >"$tmp/folders" 2>&1 || got=$?
[[ $got -eq 0 ]] && grep -qE "^Gong requests? .*: [1-9][0-9]* folders? \(of [0-9]+\) in " "$tmp/folders" \
  && pass "flows folders --all-pages" || { fail "flows folders: exit $got"; cat "$tmp/folders"; }
got=0
"$bin/gong-flows" flows folders --target="$target" --owner="$owner" --json \
  >"$tmp/folders.json" 2>&1 || got=$?
parent=$(python3 -c "import json, sys
folders = json.loads(open(sys.argv[1]).readline()).get('folders', [])
print(folders[0]['folderId'] if folders else '')" "$tmp/folders.json" 2>/dev/null || true)
got=0
"$bin/gong-flows" flows folders --target="$target" --owner="$owner" --parent="$parent" \
  >"$tmp/out" 2>&1 || got=$?
[[ -n $parent && $got -eq 0 ]] && grep -q "$parent" "$tmp/out" \
  && pass "flows folders --parent" || { fail "flows folders --parent=$parent: exit $got"; cat "$tmp/out"; }
for bad in "" "--max-pages=2" "--all-pages --max-pages=0"; do
  got=0
  # shellcheck disable=SC2086
  "$bin/gong-flows" flows folders --target="$target" $bad >"$tmp/out" 2>&1 || got=$?
  [[ $got -eq 64 ]] && pass "flows folders usage error: '${bad:-no --owner}'" \
    || fail "flows folders '$bad': exit $got"
done

echo
if [[ $failures -eq 0 ]]; then echo "all passed"; else echo "$failures failed"; exit 1; fi
