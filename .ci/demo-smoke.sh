#!/usr/bin/env bash
# Starts `rebound demo` from the built jar and runs the curl commands it prints, as a user would.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/demo.sh

# each printed command is a 'curl' line followed by one continuation line
mapfile -t cmds < <(awk '/^   curl /{c=$0; sub(/\\$/, "", c); getline n; print c n}' "$log")
[ ${#cmds[@]} -ge 3 ] || { echo "expected at least 3 curl commands, got ${#cmds[@]}"; cat "$log"; exit 1; }

out=$(bash -c "${cmds[0]}"); echo "$out" | grep -q '"chat.completion"' || { echo "1 failed: $out"; exit 1; }
out=$(bash -c "${cmds[1]}"); echo "$out" | grep -q 'data: \[DONE\]' || { echo "2 failed: $out"; exit 1; }
out=$(bash -c "${cmds[2]}"); echo "$out" | grep -q '^HTTP/1.1 200' || { echo "3 failed: $out"; exit 1; }
echo "$out" | grep -qi '^x-rebound-recovery: retried-after-429:2,fell-back-after-429:1' || { echo "3 did not recover as expected: $out"; exit 1; }
out=$(bash -c "${cmds[3]}"); echo "$out" | grep -q '"type":"message"' || { echo "4 failed: $out"; exit 1; }
echo "demo smoke: 4 passed, 0 failed"
