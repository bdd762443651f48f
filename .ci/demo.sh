# Sourced by the smoke tests: starts `rebound demo` from the built jar on a free port, with a session store of its own
# (a fresh temporary directory: runs never see each other's sessions, nor clash with a demo already running), waits
# until it serves, and stops it when the script exits. Sets $port and $log (the demo's output, with the curl commands
# it prints).
log=$(mktemp)
store=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
java -jar gateway/target/rebound.jar demo --port "$port" --store-path "$store" >"$log" 2>&1 &
demo_pid=$!
trap 'kill $demo_pid 2>/dev/null || true; wait $demo_pid 2>/dev/null || true; rm -rf "$log" "$store" ${cleanup:-}' EXIT
for _ in $(seq 1 100); do grep -q "Ctrl-C stops it" "$log" && break; sleep 0.2; done
grep -q "Ctrl-C stops it" "$log" || { echo "demo did not start:"; cat "$log"; exit 1; }
