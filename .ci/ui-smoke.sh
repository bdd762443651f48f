#!/usr/bin/env bash
# Renders the /ui page in headless Chromium against the demo gateway, after one session turn, and checks what a
# person would see: the session listed, its messages (as text: markup in a message is not rendered), checkpoints,
# the exact context of a checkpoint, and the backends.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "ui smoke: no Chromium on PATH (apt-get install chromium)"; exit 1; }
profile=$(mktemp -d)
cleanup=$profile
. .ci/demo.sh

base="http://127.0.0.1:$port"
curl -sf "$base/s/ui-smoke/v1/chat/completions" -H 'content-type: application/json' \
  -d '{"model":"gpt-4o","messages":[{"role":"user","content":"Render <b>this</b> as text"}]}' >/dev/null

render() {
  # the flags keep Chromium off the network it cannot reach here (see the machine notes)
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
    --virtual-time-budget=5000 --dump-dom "$base/ui#$1" 2>/dev/null
}
failed=0
expect() { # page, what must be in the rendered DOM, why
  local dom
  dom=$(render "$1" || true) # the whole DOM first: grep -q stopping early must not cut the browser's output
  if grep -qF -- "$2" <<<"$dom"; then echo "ok   $1: $3"; else echo "FAIL $1: $3 (no '$2')"; failed=$((failed+1)); fi
}
expect /sessions '>ui-smoke</a>' "the session is listed"
expect /session/ui-smoke 'Render &lt;b&gt;this&lt;/b&gt; as text' "a message's markup is shown as text"
expect /session/ui-smoke '<td>AUTO</td>' "the checkpoints are listed"
expect /session/ui-smoke '<td>route</td>' "the session's decisions are listed"
expect /checkpoint/ui-smoke/1 'Context sent upstream (1 messages)' "a checkpoint shows the context it sent"
expect /backends '<td>mock-openai</td>' "the backends are listed"
expect /backends '<th>rate limits left</th>' "with what their answers say is left of their rate limits"
explain=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))')
expect "/routes?explain=$explain" '<td>→ assistant</td>' "a request is explained: the agent that would serve it"
[ "$failed" -eq 0 ] || { echo "ui smoke: $failed failed"; exit 1; }
echo "ui smoke: 8 passed, 0 failed"
