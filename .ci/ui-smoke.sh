#!/usr/bin/env bash
# Renders the /ui page in headless Chromium against the demo gateway, after two session turns, and checks what a
# person would see: the session listed, its messages (as text: markup in a message is not rendered), checkpoints,
# the exact context of a checkpoint (each message's role, place and text), and the backends.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "ui smoke: no Chromium on PATH (apt-get install chromium)"; exit 1; }
profile=$(mktemp -d)
cleanup=$profile
. .ci/demo.sh

base="http://127.0.0.1:$port"
first='{"role":"user","content":"Render <b>this</b> as text"}'
answer=$(curl -sf "$base/s/ui-smoke/v1/chat/completions" -H 'content-type: application/json' \
  -d '{"model":"gpt-4o","messages":['"$first"']}' | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["choices"][0]["message"]))')
# the second turn resends the history, as chat clients do: its checkpoint (#2, the question stored with its answer)
# holds all four messages
curl -sf "$base/s/ui-smoke/v1/chat/completions" -H 'content-type: application/json' \
  -d '{"model":"gpt-4o","messages":['"$first"','"$answer"',{"role":"user","content":"And a second question"}]}' >/dev/null
# a side request with a system prompt of its own (a title) under the same id: a thread of the session
curl -sf "$base/s/ui-smoke/v1/chat/completions" -H 'content-type: application/json' \
  -d '{"model":"gpt-4o","messages":[{"role":"system","content":"Write a 5-word title."},{"role":"user","content":"Title this"}]}' >/dev/null

render() {
  # the flags keep Chromium off the network it cannot reach here (see the machine notes)
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
    --virtual-time-budget=5000 --dump-dom "$base/ui#$1" 2>/dev/null
}
declare -A doms
dom_of() { # each page is rendered once; the whole DOM first, so grep -q stopping early cannot cut the browser's output
  [ -n "${doms[$1]+x}" ] || doms[$1]=$(render "$1" || true)
  printf '%s' "${doms[$1]}"
}
failed=0
passed=0
expect() { # page, what must be in the rendered DOM, why
  if grep -qF -- "$2" <<<"$(dom_of "$1")"; then echo "ok   $1: $3"; passed=$((passed+1))
  else echo "FAIL $1: $3 (no '$2')"; failed=$((failed+1)); fi
}
expect_not() { # page, what must not be in the rendered DOM, why
  if grep -qF -- "$2" <<<"$(dom_of "$1")"; then echo "FAIL $1: $3 (found '$2')"; failed=$((failed+1))
  else echo "ok   $1: $3"; passed=$((passed+1)); fi
}
# a message as the page shows it: its role, its place, its text
msg() { printf '<span class="role">%s</span><span class="muted">%s</span><pre>%s' "$1" "$2" "$3"; }

expect /sessions '>ui-smoke</a>' "the session is listed"
expect /sessions '<span class="muted"> thread of </span><a href="#/session/ui-smoke?' "its thread is listed as a thread of it"
expect /session/ui-smoke 'Messages (4)' "the session's four messages are counted"
expect /session/ui-smoke '<pre>Render &lt;b&gt;this&lt;/b&gt; as text</pre>' "a message's markup is shown as text"
expect /session/ui-smoke '<pre>Mock reply to: Render &lt;b&gt;this&lt;/b&gt; as text' "the assistant's answer is shown"
expect /session/ui-smoke '<pre>And a second question</pre>' "the second question is shown"
expect /session/ui-smoke '<td>AUTO</td>' "the checkpoints are listed"
expect /session/ui-smoke '<td>route</td>' "the session's decisions are listed"
expect /session/ui-smoke '<table class="decisions-inline">' "each message has the decisions taken to answer it right under it"
if grep -qE -- '<td>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}</td>' <<<"$(dom_of /session/ui-smoke)"; then
  echo "ok   /session/ui-smoke: decision times are shown to the millisecond"; passed=$((passed+1))
else echo "FAIL /session/ui-smoke: decision times are not shown to the millisecond"; failed=$((failed+1)); fi
expect /checkpoint/ui-smoke/2 'History at this checkpoint (4 messages)' "a turn's checkpoint says how many messages it holds"
expect /checkpoint/ui-smoke/2 "$(msg user '#0' 'Render &lt;b&gt;this&lt;/b&gt; as text</pre>')" "its first message, as text"
expect /checkpoint/ui-smoke/2 "$(msg assistant '#1' 'Mock reply to: Render &lt;b&gt;this&lt;/b&gt; as text')" "the answer it sent back"
expect /checkpoint/ui-smoke/2 "$(msg user '#2' 'And a second question</pre>')" "and the new question"
expect /checkpoint/ui-smoke/2 "$(msg assistant '#3' 'Mock reply to: And a second question')" "and its answer"
expect_not /checkpoint/ui-smoke/2 '[object ' "no message is shown as a script object's name"
expect_not /session/ui-smoke '[object ' "nor in the session view"
expect /backends '<td>mock-openai</td>' "the backends are listed"
expect /backends '<th>rate limits left</th>' "with what their answers say is left of their rate limits"
explain=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))')
expect "/routes?explain=$explain" '<td>→ assistant</td>' "a request is explained: the agent that would serve it"
[ "$failed" -eq 0 ] || { echo "ui smoke: $passed passed, $failed failed"; exit 1; }
echo "ui smoke: $passed passed, 0 failed"
