# Shell helpers shared by the end-to-end scripts that drive the binaries
# (cli_test.sh, clients_test.sh). Source it; it defines functions only.

# wait_for FILE REGEX: prints the first match of REGEX's group once FILE has
# it (servers print their chosen port when they listen); fails after 10 s.
wait_for() {
  for _ in $(seq 200); do
    if grep -qE "$2" "$1" 2>/dev/null; then
      sed -nE "s#.*$2.*#\\1#p" "$1" | head -n1
      return 0
    fi
    sleep 0.05
  done
  echo "timed out waiting for /$2/ in $1:" >&2; cat "$1" >&2; return 1
}
