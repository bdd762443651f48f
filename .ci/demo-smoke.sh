#!/usr/bin/env bash
# Starts `rebound demo` from the built jar and runs the curl commands it prints, as a user would.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=gateway/target/rebound.jar
log=$(mktemp)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
java -jar "$jar" demo --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do grep -q "Ctrl-C stops it" "$log" && break; sleep 0.2; done
grep -q "Ctrl-C stops it" "$log" || { echo "demo did not start:"; cat "$log"; exit 1; }

# each printed command is a 'curl' line followed by one continuation line
mapfile -t cmds < <(awk '/^   curl /{c=$0; sub(/\\$/, "", c); getline n; print c n}' "$log")
[ ${#cmds[@]} -ge 3 ] || { echo "expected at least 3 curl commands, got ${#cmds[@]}"; cat "$log"; exit 1; }

out=$(bash -c "${cmds[0]}"); echo "$out" | grep -q '"chat.completion"' || { echo "1 failed: $out"; exit 1; }
out=$(bash -c "${cmds[1]}"); echo "$out" | grep -q 'data: \[DONE\]' || { echo "2 failed: $out"; exit 1; }
out=$(bash -c "${cmds[2]}"); echo "$out" | grep -q '^HTTP/1.1 200' || { echo "3 failed: $out"; exit 1; }
echo "$out" | grep -qi '^x-rebound-recovery: retried-after-429:2,fell-back-after-429:1' || { echo "3 did not recover as expected: $out"; exit 1; }
out=$(bash -c "${cmds[3]}"); echo "$out" | grep -q '"type":"message"' || { echo "4 failed: $out"; exit 1; }
echo "demo smoke: 4 passed, 0 failed"
