#!/usr/bin/env bash
# Renders the dashboard (/ui's landing view) in headless Chromium, driven by Playwright, after scripted traffic through
# the gateway to mock-llm: answers, a retry after a 429, a fallback after a spent quota, and two give-ups after 500s
# (which open the primary backend's breaker). Checks what a person sees (the token asked for, charts drawn with data
# points, the numbers the analytics API gives, the failures with their recovery, the breaker on the health timeline, a
# failure's session one click away, the other views still there) and keeps screenshots in $CI_ARTIFACTS
# (default: target/ui-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "dashboard smoke: no Chromium on PATH (apt-get install chromium)"; exit 1; }
shots="${CI_ARTIFACTS:-target/ui-screenshots}"
mkdir -p "$shots"
shots=$(cd "$shots" && pwd)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Playwright's driver only (no browser download): it drives the machine's Chromium
(cd "$work" && npm install --silent --no-audit --no-fund playwright-core@1.65.2 >/dev/null)

mock_port=$(free_port)
java -jar gateway/target/rebound.jar mock-llm --port "$mock_port" >"$work/mock.log" 2>&1 &
pids+=($!)
token=dashboard-smoke-token
cat >"$work/rebound.yaml" <<EOF
server: { host: 127.0.0.1, port: 0 }
store: { type: embedded, path: $work/store }
admin: { token: $token }
backends:
  - { name: primary, protocol: openai, url: "http://127.0.0.1:$mock_port", apiKey: k1, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
  - { name: secondary, protocol: openai, url: "http://127.0.0.1:$mock_port", apiKey: k2, models: [ { name: gpt-4o-mini, contextWindow: 128000 } ] }
agents:
  - { name: main, backend: primary, model: gpt-4o }
  - { name: backup, backend: secondary, model: gpt-4o-mini }
routes:
  - { name: solo, match: { model: "solo" }, agents: [main] }
  - { name: chat, match: { model: "gpt-*" }, agents: [main, backup] }
resilience:
  retry: { baseDelay: 10ms }
  breaker: { failureThreshold: 2, window: 60s, resetTimeout: 5m, halfOpenCalls: 1 }
EOF
port=$(free_port)
java -jar gateway/target/rebound.jar serve -c "$work/rebound.yaml" --port "$port" >"$work/gateway.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$port"
for _ in $(seq 1 150); do curl -sf "$base/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "$base/health" >/dev/null || { echo "the gateway did not start:"; cat "$work/gateway.log"; exit 1; }

fault() { curl -sf "http://127.0.0.1:$mock_port/_mock/faults" -H 'content-type: application/json' -d "[$1]" >/dev/null; }
chat() { # session, model, text: the status the client got
  curl -s -o /dev/null -w '%{http_code}' "$base/s/$1/v1/chat/completions" -H 'content-type: application/json' \
    -d '{"model":"'"$2"'","messages":[{"role":"user","content":"'"$3"'"}]}'
}
expect_status() { [ "$1" = "$2" ] || { echo "traffic: $3 answered $1, expected $2"; tail -20 "$work/gateway.log"; exit 1; }; }
for i in 1 2 3; do expect_status "$(chat answered gpt-4o "hello $i")" 200 "an answer"; done
fault '{"match":{"contains":"retry-me"},"times":1,"status":429,"headers":{"retry-after":"0"},"body":{"error":{"message":"Rate limit reached for gpt-4o on requests per min (RPM): Limit 3, Used 3, Requested 1.","type":"requests","code":"rate_limit_exceeded"}}}'
expect_status "$(chat retried gpt-4o retry-me)" 200 "a retry after a 429"
fault '{"match":{"contains":"quota","model":"gpt-4o"},"times":1,"status":429,"body":{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","code":"insufficient_quota"}}}'
expect_status "$(chat fell-back gpt-4o quota)" 200 "a fallback after a spent quota"
fault '{"match":{"contains":"doomed"},"times":6,"status":500}'
expect_status "$(chat doomed solo "doomed 1")" 500 "a give-up after three 500s"
expect_status "$(chat doomed-again solo "doomed 2")" 500 "a second give-up, which opens the breaker"

NODE_PATH="$work/node_modules" node .ci/dashboard-smoke.js "$base" "$token" "$browser" "$shots"
echo "dashboard smoke: screenshots in $shots"
