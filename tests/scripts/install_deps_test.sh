#!/usr/bin/env bash
# scripts/install-deps names the Debian package of every program that the
# build, the tests and the scripts run from the machine (not from the build
# tree): on a fresh Debian 12 machine nothing else is there. A program
# missing from this table is a program a fresh machine may lack; add it
# here and to install-deps together.
# Usage: install_deps_test.sh SCRIPT   (the path of scripts/install-deps)
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 SCRIPT" >&2; exit 2; }
named=$("$1" --list)

# PROGRAM PACKAGE: who runs it, and the package that ships it.
programs=(
  "cmake cmake"                     # scripts/build
  "g++ g++"                         # the main build
  "clang++ clang"                   # the sanitizer build and the fuzzers
  "llvm-symbolizer llvm"            # sanitizer reports, fuzzers' NEW_FUNC lines
  "redis-server redis-server"       # tests/support/redis_server.cc
  "h2load nghttp2-client"           # facade_bench's h2load scenario
  "openssl openssl"                 # the TLS tests' certificates
)

failed=0
for entry in "${programs[@]}"; do
  read -r program package <<<"$entry"
  if ! grep -qx -- "$package" <<<"$named"; then
    echo "FAIL: $program: scripts/install-deps does not name $package" >&2
    failed=1
    continue
  fi
  # Where dpkg knows the program, the table must name its real package.
  path=$(command -v "$program" || true)
  if [[ -n $path ]] && owner=$(dpkg -S "$path" 2>/dev/null); then
    owner=${owner%%:*}
    if [[ $owner != "$package" ]]; then
      echo "FAIL: $program ($path) comes from $owner, not $package" >&2
      failed=1
    fi
  fi
done
(( failed == 0 )) && echo "${#programs[@]} programs, each named"
exit "$failed"
