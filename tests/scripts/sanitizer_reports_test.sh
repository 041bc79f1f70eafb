#!/usr/bin/env bash
# scripts/sanitizer-reports tells a log that holds only a warning about the
# machine (no llvm-symbolizer: how a fresh Debian 12 machine failed
# scripts/test with every test passed) from a finding, and reports both.
# Usage: sanitizer_reports_test.sh SCRIPT   (the path of scripts/sanitizer-reports)
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 SCRIPT" >&2; exit 2; }
script=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0

fail() {
  echo "FAIL: $1" >&2
  sed 's/^/    /' "$tmp/out" >&2
  echo "$passed passed, 1 failed"
  exit 1
}

# expect CASE STATUS [PATTERN]: runs the script on $tmp/CASE; it must exit
# STATUS and print PATTERN (grep -E) on stderr, or nothing without one.
expect() {
  local status=0
  "$script" "$tmp/$1" 2>"$tmp/out" || status=$?
  [[ $status -eq $2 ]] || fail "$1: exit $status, expected $2"
  if [[ $# -eq 3 ]]; then
    grep -qE -- "$3" "$tmp/out" || fail "$1: no line matching '$3'"
  else
    [[ ! -s $tmp/out ]] || fail "$1: printed something"
  fi
  passed=$((passed + 1))
}

mkdir "$tmp/empty" "$tmp/symbolizer" "$tmp/finding" "$tmp/mixed" "$tmp/both"
# What a fuzzer printing NEW_FUNC lines left on the fresh machine.
printf '==4242==WARNING: invalid path to external symbolizer!\n' >"$tmp/symbolizer/report.4242"
printf '==4243==WARNING: invalid path to external symbolizer!\n\n==4243==WARNING: Failed to use and restart external symbolizer!\n' \
  >"$tmp/symbolizer/report.4243"
cat >"$tmp/finding/report.77" <<'REPORT'
=================================================================
==77==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000010
READ of size 1 at 0x602000000010 thread T0
REPORT
printf '==78==WARNING: invalid path to external symbolizer!\nserver/upstream/json_fields.cc:12:3: runtime error: signed integer overflow\n' \
  >"$tmp/mixed/report.78"
cp "$tmp/symbolizer/report.4242" "$tmp/finding/report.77" "$tmp/both/"

expect empty 0
expect symbolizer 0 'report\.4242: a warning about this machine, not a finding'
expect symbolizer 0 'invalid path to external symbolizer'  # shown, not dropped
expect symbolizer 0 '2 sanitizer log\(s\) held only warnings'
expect finding 1 'report\.77: a finding'
expect finding 1 'heap-use-after-free'
expect mixed 1 'report\.78: a finding'
expect both 1 'report\.77: a finding'
expect both 1 'report\.4242: a warning about this machine'
"$script" 2>"$tmp/out" && fail "no argument: exit 0"
passed=$((passed + 1))
echo "$passed passed"
