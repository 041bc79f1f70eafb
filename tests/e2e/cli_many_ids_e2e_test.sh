#!/usr/bin/env bash
# gong-flows's many-id mode against the real server and the sandbox Gong:
# 5,000 ids from --from in Gong-sized calls, each answered once in
# --results; a run killed with SIGKILL at a random moment and resumed, with
# no id sent to Gong twice; the progress line on a pseudo-terminal and
# plain in a file; SIGTERM's summary, exit 65 and the command that resumes;
# the writes' idempotency keys, seen by a stand-in that replays them.
# Usage: cli_many_ids_e2e_test.sh BIN_DIR
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
failures=0

# shellcheck source=harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

# start NAME SANDBOX_FLAGS...: a sandbox (its request lines in
# $tmp/NAME-sandbox.err) and a facade in front of it; sets $target.
start() {
  local name=$1; shift
  "$bin/gong-sandbox" --listen=127.0.0.1:0 --log_requests "$@" \
    >"$tmp/$name-sandbox.out" 2>"$tmp/$name-sandbox.err" &
  local url
  url=$(wait_for "$tmp/$name-sandbox.out" 'listening on (http://[0-9.:]+)')
  GONG_BEARER_TOKEN=t "$bin/gong-flows-server" --listen=127.0.0.1:0 --metrics_listen= \
    --gong_base_url="$url" 2>"$tmp/$name-server.err" &
  target="127.0.0.1:$(wait_for "$tmp/$name-server.err" 'listening on 127\.0\.0\.1:([0-9]+)')"
}

pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

# requests NAME PATH: the sandbox's requests to PATH (exactly) so far.
requests() {
  grep -cE "^POST $2 " "$tmp/$1-sandbox.err" || true
}
unassign_path=/v2/flows/prospects/unassign-flows-by-instance-id
lookup_path=/v2/flows/prospects

# finals IDS_FILE RESULTS_FILE: "ok" when every id of IDS_FILE has exactly
# one final line in RESULTS_FILE, `unassigned`, and no other id has one;
# else what is wrong.
finals() {
  python3 - "$1" "$2" <<'PY'
import collections, json, sys
ids = [line.strip() for line in open(sys.argv[1]) if line.strip()]
finals = collections.defaultdict(list)
for line in open(sys.argv[2]):
    if not line.strip():
        continue
    record = json.loads(line)
    if record["outcome"] not in ("sending", "not_sent"):
        finals[record["id"]].append(record["outcome"])
wrong = [(i, finals.get(i)) for i in ids if finals.get(i) != ["unassigned"]]
extra = set(finals) - set(ids)
print("ok" if not wrong and not extra else f"{len(wrong)} ids wrong, e.g. {wrong[:3]}; {len(extra)} others")
PY
}

# wait_answers FILE N: until FILE has N final lines (20 s at most).
wait_answers() {
  for _ in $(seq 400); do
    if [[ $(grep -c '"outcome":"unassigned"' "$1" 2>/dev/null || true) -ge $2 ]]; then
      return 0
    fi
    sleep 0.05
  done
  echo "timed out waiting for $2 answers in $1" >&2
  return 1
}

# --- 5,000 ids from --from, in 25 calls ---------------------------------
start whole --assigned=500-509,1000-1250,100000-104999
seq 100000 104999 >"$tmp/ids1"
got=0
"$bin/gong-flows" unassign --target="$target" --from="$tmp/ids1" \
  --results="$tmp/r1.jsonl" --quiet --json >"$tmp/out1" 2>"$tmp/err1" || got=$?
[[ $got -eq 0 ]] && pass "5,000 ids: exit 0" || { fail "5,000 ids: exit $got"; cat "$tmp/err1"; }
verdict=$(finals "$tmp/ids1" "$tmp/r1.jsonl")
[[ $verdict == ok ]] && pass "5,000 ids: each answered once, unassigned" \
  || fail "5,000 ids: $verdict"
n=$(requests whole "$unassign_path")
[[ $n -le 25 ]] && pass "5,000 ids: $n Gong requests (at most 25)" \
  || fail "5,000 ids: $n Gong requests, more than 25"
summary=$(grep '"summary"' "$tmp/out1" || true)
python3 -c "import json, sys
s = json.loads(sys.argv[1])['summary']
assert s['total'] == 5000 and s['outcomes'] == {'unassigned': 5000}, s
assert s['gong_calls'] == int(sys.argv[2]) and not s['stopped'] and s['exit'] == 0, s" \
  "$summary" "$n" && pass "5,000 ids: the JSON summary" || fail "5,000 ids: summary $summary"
grep -q "5000 of 5000 ids answered" "$tmp/err1" && pass "5,000 ids: the summary on stderr" \
  || { fail "5,000 ids: no summary on stderr"; cat "$tmp/err1"; }

# The issue's first complaint: 251 ids on stdin were INVALID_ARGUMENT.
got=0
seq 1000 1250 | "$bin/gong-flows" unassign --target="$target" - >"$tmp/out" 2>&1 || got=$?
[[ $got -eq 0 ]] && grep -qE "251 of 251 ids answered in [^:]+: unassigned 251;" "$tmp/out" \
  && pass "251 ids from stdin: two calls, all unassigned" \
  || { fail "251 ids from stdin: exit $got"; cat "$tmp/out"; }

got=0
"$bin/gong-flows" unassign --target="$target" --resume 1 >"$tmp/out" 2>&1 || got=$?
[[ $got -eq 64 ]] && grep -q -- "--results" "$tmp/out" \
  && pass "--resume without --results: a usage error" || fail "--resume alone: exit $got"

# One bad line in a file fails its id alone, not the 200 beside it: exit 66.
seq 500 509 >"$tmp/ids-bad"
echo "12 34" >>"$tmp/ids-bad"
got=0
"$bin/gong-flows" unassign --target="$target" --from="$tmp/ids-bad" \
  --results="$tmp/r-bad.jsonl" --quiet >/dev/null 2>"$tmp/out" || got=$?
bad=$(python3 -c "import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
finals = {l['id']: l['outcome'] for l in lines if l['outcome'] != 'sending'}
print(finals.get('12 34'), sum(1 for o in finals.values() if o == 'unassigned'))" \
  "$tmp/r-bad.jsonl")
[[ $got -eq 66 && $bad == "failed 10" ]] \
  && pass "an invalid id fails alone, the 10 beside it are removed; exit 66" \
  || { fail "an invalid id: exit $got, $bad"; cat "$tmp/out"; }

for bad_flag in --parallel=0 --parallel=65 --parallel=x --priority=urgent \
  --give-up-after=-1s --give_up_after=soon; do
  got=0
  "$bin/gong-flows" unassign --target="$target" "$bad_flag" 1 >"$tmp/out" 2>&1 || got=$?
  [[ $got -eq 64 ]] && pass "usage error: $bad_flag" || fail "$bad_flag: exit $got"
done

# The other many-id commands, on the sandbox's demo company.
got=0
printf '003DEMO000000003\n003DEMO000000005\nNOSUCHPROSPECT\n' >"$tmp/crm"
"$bin/gong-flows" prospects get --target="$target" --crm-id --from="$tmp/crm" \
  --results="$tmp/r-get.jsonl" --quiet >"$tmp/out" 2>"$tmp/err" || got=$?
outcomes=$(python3 -c "import json, sys
print(' '.join(sorted(json.loads(l)['outcome'] for l in open(sys.argv[1]) if l.strip())))" \
  "$tmp/r-get.jsonl")
[[ $got -eq 0 && $outcomes == "found found not_found" ]] && grep -q '^Gong request' "$tmp/out" \
  && pass "prospects get --crm-id --from: found, not_found, the answer printed" \
  || { fail "prospects get --from: exit $got, $outcomes"; cat "$tmp/out" "$tmp/err"; }
got=0
"$bin/gong-flows" unassign-crm --target="$target" --all-flows --quiet \
  --results="$tmp/r-crm.jsonl" 003DEMO000000003 003DEMO000000005 >/dev/null 2>"$tmp/err" || got=$?
outcomes=$(python3 -c "import json, sys
print(' '.join(sorted(json.loads(l)['outcome'] for l in open(sys.argv[1]) if l.strip())))" \
  "$tmp/r-crm.jsonl")
[[ $got -eq 0 && $outcomes == "sending sending unassigned unassigned" ]] \
  && pass "unassign-crm A B --all-flows: one call each, both unassigned" \
  || { fail "unassign-crm A B: exit $got, $outcomes"; cat "$tmp/err"; }

# --- SIGKILL at a random moment, then --resume -----------------------------
start killed --assigned=200000-204999
seq 200000 204999 >"$tmp/ids2"
run2=("$bin/gong-flows" unassign --target="$target" --from="$tmp/ids2"
  --results="$tmp/r2.jsonl" --quiet)
"${run2[@]}" >/dev/null 2>"$tmp/err2" &
pid=$!
wait_answers "$tmp/r2.jsonl" 200
sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
kill -KILL "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
before=$(requests killed "$unassign_path")
echo "     killed after $(grep -c '"unassigned"' "$tmp/r2.jsonl") answers, $before Gong requests"
got=0
"${run2[@]}" --resume >/dev/null 2>"$tmp/err2b" || got=$?
[[ $got -eq 0 ]] && pass "resumed after SIGKILL: exit 0" \
  || { fail "resumed after SIGKILL: exit $got"; cat "$tmp/err2b"; }
verdict=$(finals "$tmp/ids2" "$tmp/r2.jsonl")
[[ $verdict == ok ]] && pass "SIGKILL and --resume: each id answered once over both runs" \
  || fail "SIGKILL and --resume: $verdict"
n=$(requests killed "$unassign_path")
lookups=$(requests killed "$lookup_path")
# One pass is 25 calls; the calls in flight at the kill (4 at most) are
# sent again whole with their idempotency keys: the facade replays each (no
# Gong request) or settles it (a lookup, then only the ids still open).
[[ $n -le 30 && $lookups -le 4 ]] \
  && pass "SIGKILL and --resume: $n unassign requests, $lookups lookups" \
  || fail "SIGKILL and --resume: $n unassign requests (at most 30), $lookups lookups (at most 4)"

# --- progress: redrawn on a terminal, plain in a file ----------------------
start progress --assigned=300000-300999
seq 300000 300999 >"$tmp/ids3"
python3 - "$bin/gong-flows" "$target" "$tmp/ids3" >"$tmp/pty" <<'PY'
import os, pty, subprocess, sys
master, slave = pty.openpty()
child = subprocess.Popen(
    [sys.argv[1], "unassign", "--target=" + sys.argv[2], "--from=" + sys.argv[3],
     "--parallel=1"],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
seen = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: the child closed its end
        break
    if not chunk:
        break
    seen += chunk
child.wait()
sys.stdout.write(repr(seen) + "\n" + str(child.returncode) + "\n")
PY
if grep -qE '\\r.*[0-9]+/1000 ids' "$tmp/pty" && grep -q '1000/1000 ids' "$tmp/pty" \
  && [[ $(tail -n1 "$tmp/pty") == 0 ]]; then
  pass "progress on a terminal: one line redrawn"
else
  fail "progress on a terminal:"; cat "$tmp/pty"
fi
seq 300000 300999 | "$bin/gong-flows" unassign --target="$target" --parallel=1 - \
  >/dev/null 2>"$tmp/plain" || true
if grep -qE '^[0-9]+/1000 ids' "$tmp/plain" && ! grep -q $'\r' "$tmp/plain"; then
  pass "progress in a file: plain lines"
else
  fail "progress in a file:"; cat "$tmp/plain"
fi

# --- SIGTERM: the summary, exit 65, and the command that resumes -----------
start term --assigned=400000-404999
seq 400000 404999 >"$tmp/ids4"
"$bin/gong-flows" unassign --target="$target" --from="$tmp/ids4" \
  --results="$tmp/r4.jsonl" >/dev/null 2>"$tmp/err4" &
pid=$!
wait_answers "$tmp/r4.jsonl" 200
kill -TERM "$pid"
got=0
wait "$pid" || got=$?
resume=$(sed -n 's/^  gong-flows //p' "$tmp/err4" | tail -n1)
if [[ $got -eq 65 ]] && grep -q "stopped before the end: terminated (SIGTERM)" "$tmp/err4" \
  && [[ $resume == *--resume* ]]; then
  pass "SIGTERM: exit 65, the summary and the resume command"
else
  fail "SIGTERM: exit $got:"; cat "$tmp/err4"
fi
got=0
eval "$(printf '%q' "$bin/gong-flows") $resume" >/dev/null 2>"$tmp/err4b" || got=$?
verdict=$(finals "$tmp/ids4" "$tmp/r4.jsonl")
[[ $got -eq 0 && $verdict == ok ]] && pass "SIGTERM: the printed command finishes the run" \
  || { fail "SIGTERM: resumed with exit $got, $verdict"; cat "$tmp/err4b"; }

# --- idempotency keys, seen by a stand-in FlowService that replays them ---
# priority_echo_server.py answers a key it has seen with its first answer and
# `idempotent-replayed: true`, and acts then drops the answer of a call
# holding "lost-once". It needs the Python stubs the build makes with the
# tests (and Debian's python3-grpcio): without them, skipped.
stubs=$bin/../client/python_stubs
if [[ -d $stubs/gong ]] && /usr/bin/python3 -c "import grpc" 2>/dev/null; then
  /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/priority_echo_server.py" "$stubs" \
    >"$tmp/echo.out" 2>&1 &
  echo_pid=$!
  echo_target="127.0.0.1:$(wait_for "$tmp/echo.out" 'listening on 127\.0\.0\.1:([0-9]+)')"
  got=0
  "$bin/gong-flows" unassign --target="$echo_target" --idempotency-key=cli-key-1 1001 \
    >/dev/null 2>"$tmp/key1" || got=$?
  "$bin/gong-flows" unassign --target="$echo_target" --idempotency-key=cli-key-1 1001 \
    >/dev/null 2>"$tmp/key2" || got=$?
  if [[ $got -eq 0 ]] && ! grep -q idempotent-replayed "$tmp/key1" \
    && grep -q idempotent-replayed "$tmp/key2"; then
    pass "one call: --idempotency-key arrives; the same key again is replayed"
  else
    fail "one call with --idempotency-key: exit $got"; cat "$tmp/key1" "$tmp/key2"
  fi
  got=0
  "$bin/gong-flows" unassign --target="$echo_target" lost-once >/dev/null 2>"$tmp/key3" \
    || got=$?
  hint=$(sed -n "s/.*the same command with --idempotency-key='\([^']*\)' settles it.*/\1/p" \
    "$tmp/key3")
  again=0
  [[ -n $hint ]] && "$bin/gong-flows" unassign --target="$echo_target" \
    --idempotency-key="$hint" lost-once >/dev/null 2>"$tmp/key4" || again=$?
  if [[ $got -eq 14 && $hint == gong-flows-cli/* && $again -eq 0 ]] \
    && grep -q idempotent-replayed "$tmp/key4"; then
    pass "one call in doubt: says the key that settles it, and that key does"
  else
    fail "one call in doubt: exit $got, then $again"; cat "$tmp/key3"
  fi
  got=0
  printf '1001\nlost-once\n' | "$bin/gong-flows" unassign --target="$echo_target" \
    --results="$tmp/rk.jsonl" --quiet --json - >"$tmp/keyout" 2>"$tmp/keyerr" || got=$?
  verdict=$(python3 - "$tmp/rk.jsonl" "$tmp/keyout" <<'PY'
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
keys = {l["id"]: l.get("key") for l in lines if l["outcome"] == "sending"}
finals = sorted((l["id"], l["outcome"]) for l in lines if l["outcome"] != "sending")
summary = [json.loads(l)["summary"] for l in open(sys.argv[2]) if '"summary"' in l][0]
problems = []
if sorted(keys) != ["1001", "lost-once"] or len(set(keys.values())) != 1:
    problems.append(f"sending lines {keys}")
elif not re.fullmatch(r"gong-flows-cli/[0-9a-f]{32}/[0-9a-f]{32}", keys["1001"]):
    problems.append(f"key {keys['1001']}")
if finals != [("1001", "unassigned"), ("lost-once", "unassigned")]:
    problems.append(f"outcomes {finals}")
if summary["replayed"] != 1:
    problems.append(f"replayed {summary['replayed']}")
print("; ".join(problems) or "ok")
PY
)
  [[ $got -eq 0 && $verdict == ok ]] \
    && pass "many ids: a call whose answer was lost goes again with its key, replayed" \
    || { fail "many ids, a lost answer: exit $got, $verdict"; cat "$tmp/keyerr"; }
  # --resume: a call the stopped run left in doubt (its sending lines, one
  # of its ids answered before a kill) goes again whole with its key, and
  # is replayed; a new call carries on the file's run id.
  run=0123456789abcdef0123456789abcdef
  key="gong-flows-cli/$run/0123456789abcdef0123456789abcdef"
  "$bin/gong-flows" unassign --target="$echo_target" --idempotency-key="$key" 2001 2002 \
    >/dev/null 2>&1 || true
  printf '{"id":"%s","outcome":"sending","key":"%s"}\n' 2001 "$key" 2002 "$key" \
    >"$tmp/rr.jsonl"
  echo '{"id":"2001","outcome":"unassigned"}' >>"$tmp/rr.jsonl"
  printf '2001\n2002\n2003\n' >"$tmp/idsr"
  got=0
  "$bin/gong-flows" unassign --target="$echo_target" --from="$tmp/idsr" \
    --results="$tmp/rr.jsonl" --resume --quiet --json >"$tmp/rrout" 2>"$tmp/rrerr" || got=$?
  verdict=$(python3 - "$tmp/rr.jsonl" "$tmp/rrout" "$run" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][3:]  # this run's
sending = {l["id"]: l.get("key", "") for l in lines if l["outcome"] == "sending"}
finals = sorted((l["id"], l["outcome"]) for l in lines if l["outcome"] != "sending")
summary = [json.loads(l)["summary"] for l in open(sys.argv[2]) if '"summary"' in l][0]
problems = []
if list(sending) != ["2003"] or not sending["2003"].startswith(f"gong-flows-cli/{sys.argv[3]}/"):
    problems.append(f"sending lines {sending}")
if finals != [("2001", "unassigned"), ("2002", "unassigned"), ("2003", "unassigned")]:
    problems.append(f"outcomes {finals}")
if summary["replayed"] != 1:
    problems.append(f"replayed {summary['replayed']}")
print("; ".join(problems) or "ok")
PY
)
  [[ $got -eq 0 && $verdict == ok ]] \
    && pass "--resume: a call in doubt goes again whole with its key, replayed" \
    || { fail "--resume with keys: exit $got, $verdict"; cat "$tmp/rrerr"; }
  got=0
  "$bin/gong-flows" unassign --target="$echo_target" --idempotency-key=k --parallel=2 \
    1001 >/dev/null 2>"$tmp/err" || got=$?
  [[ $got -eq 64 ]] && grep -q -- "--idempotency-key" "$tmp/err" \
    && pass "--idempotency-key in many-id mode: a usage error" \
    || fail "--idempotency-key in many-id mode: exit $got"
  kill "$echo_pid" 2>/dev/null || true
  wait "$echo_pid" 2>/dev/null || true
else
  echo "skip idempotency keys: no Python stubs in $stubs, or no python3-grpcio"
fi

if [[ $failures -gt 0 ]]; then
  echo "$failures failures"
  exit 1
fi
echo "all passed"
