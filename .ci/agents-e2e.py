#!/usr/bin/env python3
"""Real agent CLIs through the gateway, offline, against mock-llm on loopback.

Claude Code (`claude -p`, from npm) is pointed at the gateway (ANTHROPIC_BASE_URL); the gateway's only backends are
mock-llms that speak one format each, so what Claude Code gets went through translation:

  1. served by an OpenAI-only backend (as vLLM or Ollama are): a tool round-trip (Read of a missing file, the error
     result sent back, a text answer), streamed as Claude Code always streams; the stored session is checked.
     Then on the Anthropic backend itself: a tool round-trip, `--continue`, `/compact` (its summary request) and a
     question after it: one session, a COMPACTED checkpoint, no fork.
  2. Anthropic overloaded (every call a 529): the session falls back to the OpenAI-only backend and completes.

Codex CLI (`codex exec`, from npm) speaks only OpenAI's Responses API; it is given a custom model provider at the
gateway's /v1 (a temporary CODEX_HOME with its config.toml) and served by the same OpenAI-only (Chat Completions)
backend, so every request and answer went through the Responses <-> Chat translation:

  3. a tool round-trip: mock-llm calls the first tool Codex offers (its shell tool) with schema-shaped arguments
     ("mock"), which Codex runs read-only (sandbox read-only, approvals never) in a throwaway folder, sends the
     output back, and prints the model's text answer.
  4. served by a backend that speaks the Responses API itself (passed through, only the model rewritten), whose
     first answer is a scripted 429 the gateway retries: the same tool round-trip.

OpenCode (`opencode run`, from npm) is given a provider at the gateway's /v1 (@ai-sdk/openai-compatible, bundled in
the binary; models.dev, updates, plugins and LSP downloads off) and served by the OpenAI-only backend:

  5. a title request and the main conversation under one session id (opencode's X-Session-Id), a tool round-trip
     whose long output outgrows the context opencode is told the model has, so opencode compacts (a summary request,
     then the conversation goes on from the summary), then `--session <id>` for a follow-up.

The OpenAI Agents SDK (@openai/agents, .ci/agents-sdk-run.mjs: a function tool the SDK runs, a question, a streamed
follow-up) in its default mode (Responses API):

  6. served by the Responses backend, after a scripted 429 the gateway retries;
  7. served by the OpenAI-only backend (Responses <-> Chat translation), after a scripted 429;
  8. and in its Chat Completions mode on the same backend.

After each client the session it ran under is read from the admin API: no fork for title or summary requests, the
expected turns and threads, a COMPACTED checkpoint where the client compacted, usage on every answered turn.
With REBOUND_E2E_RECORD=<dir> the requests opencode, the Agents SDK (Chat Completions mode) and Claude Code
(compaction) sent are written there as RecordedClientsTest fixtures (gateway/src/test/resources/sessions/).

Usage: agents-e2e.py path/to/rebound.jar
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CLAUDE_CODE = "@anthropic-ai/claude-code@2.1.197"
CODEX = "@openai/codex@0.171.0"
OPENCODE = "opencode-ai@1.18.33"
AGENTS_SDK = "@openai/agents@0.20.0"
HERE = os.path.dirname(os.path.abspath(__file__))


def free_ports(n):
    # all bound at once, so the OS cannot hand the same port out twice
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def wait_for(url, what, proc, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"{what} did not answer {url} within {seconds} s")


def check(cond, message):
    if not cond:
        sys.exit("FAILED: " + message)
    print("  ok: " + message)


def model_calls(mock):
    return [r for r in get(mock + "/_mock/requests") if r["method"] == "POST"]


# the headers a recording keeps: how the client names its session, and Anthropic's version and betas
RECORDED_HEADERS = ("x-session-id", "x-claude-code-session-id", "session-id", "anthropic-version", "anthropic-beta")


def record(calls, name, what):
    """Writes the model requests a same-protocol backend received (the client's bytes, only `model` swapped when the
    agent's differs) as a RecordedClientsTest fixture, when REBOUND_E2E_RECORD names a folder."""
    folder = os.environ.get("REBOUND_E2E_RECORD")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    requests = [{"path": c["path"], "headers": {h: c["headers"][h] for h in RECORDED_HEADERS if h in c["headers"]},
                 "body": c["body"]} for c in calls if c["status"] == 200]
    with open(os.path.join(folder, name), "w") as f:
        json.dump({"recorded": what, "requests": requests}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"  recorded {len(requests)} requests in {os.path.join(folder, name)}")


class Sessions:
    """The gateway's admin API on the sessions a client ran under."""

    def __init__(self, gateway):
        self.gateway = gateway

    def show(self, sid):
        return get(f"{self.gateway}/admin/sessions/{sid}")

    def forks(self, sid):
        listed = get(f"{self.gateway}/admin/sessions?limit=500")["sessions"]
        return [s["id"] for s in listed if s["id"].startswith(sid) and (".fork-" in s["id"] or s["forkedFrom"])]

    def check(self, sid, turns, threads=None, compacted=False):
        """Checks the stored session: no fork, its threads' turns (main first, then by turns, as the API lists them),
        usage on every answered turn; returns the thread of most turns."""
        session = self.show(sid)
        check(not self.forks(sid), f"session {sid}: no fork ({self.forks(sid)})")
        listed = [t["turns"] for t in session["threads"]]
        if threads is not None:
            check(listed == threads, f"session {sid}: threads with {threads} turns ({listed})")
        busiest = max(session["threads"], key=lambda t: t["turns"])
        thread = session if busiest["id"] == sid else self.show(busiest["id"])
        check(thread["meta"]["turns"] == turns, f"its conversation has {turns} turns ({thread['meta']['turns']})")
        answers = [m for m in thread["messages"] if m["role"] == "assistant" and not m["partial"] and m["usage"]]
        check(len(answers) >= 1 and all(m["usage"]["input"] > 0 and m["usage"]["output"] > 0 for m in answers),
              f"usage on every answered turn ({[(m['usage']['input'], m['usage']['output']) for m in answers]})")
        total = session["sessionUsage"]
        check(total["input"] > 0 and total["output"] > 0, f"the session's usage is summed: {total}")
        kinds = [c["kind"] for c in thread["checkpoints"]]
        if compacted:
            check("COMPACTED" in kinds, f"a COMPACTED checkpoint where the client compacted ({kinds})")
        return thread


def opencode_run(opencode, work, gateway, openai_mock, env, sessions):
    """OpenCode through the gateway: a title request and the conversation under one session id, a compaction, a
    follow-up with --session."""
    print("OpenCode served by an OpenAI-only backend: a title, a tool round-trip, a compaction, --session:")
    project = os.path.join(work, "opencode-project")
    bin_dir = os.path.join(work, "opencode-bin")
    os.makedirs(project)
    os.makedirs(bin_dir)
    # mock-llm calls the first tool offered (bash) with the command "mock": the first time it prints a long listing,
    # which outgrows the context opencode is told the model has (9,000 tokens; the gateway's is 128,000), so opencode
    # compacts once, and goes on from its summary
    with open(os.path.join(bin_dir, "mock"), "w") as f:
        f.write("#!/bin/sh\nflag=\"$(dirname \"$0\")/.printed\"\nif [ -e \"$flag\" ]; then echo 'nothing new'; exit 0; fi\n"
                "touch \"$flag\"\ni=0\nwhile [ $i -lt 400 ]; do echo \"line $i of the listing: alpha beta gamma delta\";"
                " i=$((i+1)); done\n")
    os.chmod(os.path.join(bin_dir, "mock"), 0o755)
    with open(os.path.join(project, "opencode.json"), "w") as f:
        json.dump({"$schema": "https://opencode.ai/config.json", "autoupdate": False, "share": "disabled",
                   "model": "rebound/local-opencode",
                   "provider": {"rebound": {"npm": "@ai-sdk/openai-compatible", "name": "Rebound",
                                            "options": {"baseURL": gateway + "/v1", "apiKey": "client-key"},
                                            "models": {"local-opencode": {"name": "Local through Rebound",
                                                                          "limit": {"context": 9000, "output": 200}}}}}},
                  f, indent=1)
    oc_env = dict(env, PWD=project, PATH=bin_dir + os.pathsep + env["PATH"], OPENCODE_DISABLE_AUTOUPDATE="1",
                  OPENCODE_DISABLE_MODELS_FETCH="1", OPENCODE_DISABLE_DEFAULT_PLUGINS="1",
                  OPENCODE_DISABLE_LSP_DOWNLOAD="1", OPENCODE_DISABLE_SHARE="1")

    def opencode_run_(prompt, *more):
        r = subprocess.run([opencode, "run", "--format", "json", *more, prompt], cwd=project, env=oc_env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            sys.exit(f"opencode run exited {r.returncode}: {r.stdout[-3000:]} {r.stderr[-2000:]}")
        return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]

    before = len(model_calls(openai_mock))
    events = opencode_run_("Read the file notes.txt and tell me what it says")
    sid = events[0]["sessionID"]
    tools = [e["part"] for e in events if e.get("type") == "tool_use"]
    check(tools and tools[0]["tool"] == "bash" and tools[0]["state"]["status"] == "completed",
          f"opencode ran the tool call the model made ({[t['tool'] for t in tools]})")
    texts = [e["part"]["text"] for e in events if e.get("type") == "text"]
    check(any(t.startswith("Mock reply to:") for t in texts), f"the model's answer reached opencode: {texts[-1:]!r}")
    events = opencode_run_("And the other file?", "--session", sid)
    check(all(e.get("sessionID") == sid for e in events if "sessionID" in e), "--session went on in the same session")
    calls = model_calls(openai_mock)[before:]
    check(all(c["path"] == "/v1/chat/completions" and c["headers"].get("x-session-id") == sid for c in calls),
          "every request went to /v1/chat/completions under opencode's session id")
    systems = [c["body"]["messages"][0]["content"] for c in calls]
    check(systems[0].startswith("You are a title generator"), "the first request asked for a title")
    check(any(s.startswith("You are a context summarization agent") for s in systems), "opencode asked for a summary")
    check(any(m.get("content") == "What did we do so far?" for c in calls for m in c["body"]["messages"]),
          "and went on from the summary")
    # the title (the session's own id, first come), the summary request, and the conversation, compacted in place
    sessions.check(sid, turns=6, threads=[1, 6, 1], compacted=True)
    record(calls, "opencode-title-compaction.json", "opencode run (opencode 1.18.33, @ai-sdk/openai-compatible provider)"
           " through the gateway against mock-llm (Chat Completions): a title request, a bash tool round-trip whose long"
           " output overflows the 9,000-token context opencode was told of, so it compacts (a summary request, then"
           " 'What did we do so far?'), then run --session <id> with a follow-up; each POST as the upstream received it")


def agents_sdk_runs(tools, work, gateway, openai_mock, responses_mock, env, sessions):
    """The OpenAI Agents SDK in its default mode on a Responses and on a Chat backend, each after a scripted 429 the
    gateway recovers from, then in its Chat Completions mode."""
    home = os.path.join(work, "agents-sdk-home")
    os.makedirs(home)

    def run_sdk(api, model, session):
        sdk_env = dict(env, HOME=home, REBOUND_E2E_TOOLS=tools, OPENAI_BASE_URL=gateway + "/v1",
                       OPENAI_API_KEY="client-key", AGENT_API=api, AGENT_MODEL=model, AGENT_SESSION=session)
        r = subprocess.run(["node", os.path.join(HERE, "agents-sdk-run.mjs")], cwd=work, env=sdk_env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            sys.exit(f"the Agents SDK run exited {r.returncode}: {r.stdout[-3000:]} {r.stderr[-3000:]}")
        out = json.loads(r.stdout.strip().splitlines()[-1])
        check(out["toolCalls"] == ["mock", "mock"], f"the SDK ran the function tool the model called, once a run"
              f" ({out['toolCalls']})")
        check(out["first"].startswith("Mock reply to: Where is my order"), f"the answer reached the SDK: {out['first']!r}")
        check(out["second"].startswith("Mock reply to: Thanks. When did"), f"so did the streamed follow-up's: {out['second']!r}")
        return out

    for backend, mock, model, path in (("a Responses backend (passed through)", responses_mock, "resp-agent", "/v1/responses"),
                                       ("an OpenAI-only backend (translated)", openai_mock, "local-agent", "/v1/chat/completions")):
        print(f"OpenAI Agents SDK (Responses API) served by {backend}, after a scripted 429:")
        before = len(model_calls(mock))
        post(mock + "/_mock/faults", [{"status": 429, "times": 1, "headers": {"retry-after-ms": "50"}}])
        sid = "agents-sdk-" + model
        run_sdk("responses", model, sid)
        calls = model_calls(mock)[before:]
        check([c["path"] for c in calls] == [path] * 5 and calls[0]["status"] == 429,
              f"a 429, then four model calls went to {path} ({[(c['path'], c['status']) for c in calls]})")
        check(calls[0]["body"] == calls[1]["body"], "the retry sent the same request")
        check(calls[-1]["body"]["stream"] is True, "the follow-up streamed")
        sessions.check(sid, turns=4, threads=[4])

    print("OpenAI Agents SDK in its Chat Completions mode, served by the OpenAI-only backend:")
    before = len(model_calls(openai_mock))
    sid = "agents-sdk-chat-completions"
    run_sdk("chat_completions", "local-agent", sid)
    calls = model_calls(openai_mock)[before:]
    check([c["path"] for c in calls] == ["/v1/chat/completions"] * 4, "four model calls to /v1/chat/completions")
    tool = next(m for m in calls[1]["body"]["messages"] if m["role"] == "tool")
    check(tool["content"] == "Order mock shipped on 2026-11-30.", f"the tool's output reached the model: {tool['content']!r}")
    session = sessions.check(sid, turns=4, threads=[4])
    check(len(session["messages"]) == len(calls[-1]["body"]["messages"]) + 1,
          f"the session holds the conversation ({len(session['messages'])} messages)")
    record(calls, "agents-sdk-chat-completions.json", "the OpenAI Agents SDK 0.20.0 (.ci/agents-sdk-run.mjs,"
           " setOpenAIAPI('chat_completions'), X-Session-Id) through the gateway against mock-llm (Chat Completions): a"
           " function tool round-trip, then a streamed follow-up with the first run's history (another tool round-trip);"
           " each POST as the upstream received it (only the model swapped)")


def main():
    jar = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="rebound-agents-")
    procs = []
    try:
        tools = os.environ.get("REBOUND_E2E_TOOLS", os.path.join(os.path.expanduser("~"), ".cache", "rebound-e2e"))
        claude = os.path.join(tools, "node_modules", ".bin", "claude")
        codex = os.path.join(tools, "node_modules", ".bin", "codex")
        opencode = os.path.join(tools, "node_modules", ".bin", "opencode")
        agents_sdk = os.path.join(tools, "node_modules", "@openai", "agents", "package.json")
        for cli, package in ((claude, CLAUDE_CODE), (codex, CODEX), (opencode, OPENCODE), (agents_sdk, AGENTS_SDK)):
            if not os.path.exists(cli) or (package == AGENTS_SDK and json.load(open(cli))["version"] != package.split("@")[-1]):
                print(f"installing {package} into {tools}")
                os.makedirs(tools, exist_ok=True)
                subprocess.run(["npm", "install", "--prefix", tools, "--no-audit", "--no-fund", package],
                               check=True, timeout=600)

        openai_port, anthropic_port, responses_port, gateway_port = free_ports(4)
        openai_mock = f"http://127.0.0.1:{openai_port}"
        anthropic_mock = f"http://127.0.0.1:{anthropic_port}"
        responses_mock = f"http://127.0.0.1:{responses_port}"
        gateway = f"http://127.0.0.1:{gateway_port}"
        for port, speaks in ((openai_port, "openai"), (anthropic_port, "anthropic"), (responses_port, "openai-responses")):
            log = open(os.path.join(work, f"mock-{speaks}.log"), "w")
            procs.append(subprocess.Popen(["java", "-jar", jar, "mock-llm", "--port", str(port), "--speaks", speaks],
                                          stdout=log, stderr=subprocess.STDOUT))
        config = os.path.join(work, "rebound.yaml")
        with open(config, "w") as f:
            f.write(f"""
server: {{ host: 127.0.0.1, port: {gateway_port} }}
backends:
  - {{ name: local, protocol: openai, url: "{openai_mock}", models: [ {{ name: mock-large, contextWindow: 128000 }} ] }}
  # a hosted API reports no window; mock-llm's llama.cpp /props would report its first model's (4096)
  - {{ name: anthropic, protocol: anthropic, url: "{anthropic_mock}", apiKey: upstream-key, discoverWindow: off,
      models: [ {{ name: claude-sonnet-4-5, contextWindow: 200000 }} ] }}
  - {{ name: responses, protocol: openai-responses, url: "{responses_mock}", models: [ {{ name: mock-large, contextWindow: 128000 }} ] }}
agents:
  - {{ name: claude, backend: anthropic, model: claude-sonnet-4-5 }}
  - {{ name: local, backend: local, model: mock-large }}
  - {{ name: responses, backend: responses, model: mock-large }}
routes:
  - {{ name: local-only, match: {{ model: "local-*" }}, agents: [local] }}
  - {{ name: responses-only, match: {{ model: "resp-*" }}, agents: [responses] }}
  - {{ name: claude-first, match: {{}}, agents: [claude, local] }}
resilience: {{ retry: {{ baseDelay: 10ms, maxAttempts: 2 }}, waitBudget: 5s }}
store: {{ type: embedded, path: "{os.path.join(work, 'store')}" }}
""")
        wait_for(openai_mock + "/health", "mock-llm (openai)", procs[0])
        wait_for(anthropic_mock + "/health", "mock-llm (anthropic)", procs[1])
        wait_for(responses_mock + "/health", "mock-llm (openai-responses)", procs[2])
        glog = open(os.path.join(work, "gateway.log"), "w")
        gw = subprocess.Popen(["java", "-jar", jar, "serve", "--config", config], stdout=glog, stderr=subprocess.STDOUT)
        procs.append(gw)
        wait_for(gateway + "/health", "the gateway", gw)

        project = os.path.join(work, "project")
        os.makedirs(project)
        home = os.path.join(work, "home")
        os.makedirs(home)
        env = dict(os.environ, HOME=home, PWD=project, ANTHROPIC_BASE_URL=gateway, ANTHROPIC_API_KEY="client-key",
                   CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_AUTOUPDATER="1",
                   HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost")

        sessions = Sessions(gateway)

        def claude_p(model, prompt, *more, tools="Read"):
            r = subprocess.run([claude, "-p", prompt, "--tools", tools, "--model", model, "--output-format", "json", *more],
                               cwd=project, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=int(os.environ.get("CLAUDE_TIMEOUT", "120")))
            if r.returncode != 0:
                sys.exit(f"claude -p exited {r.returncode}: {r.stdout[-2000:]} {r.stderr[-2000:]}")
            return json.loads(r.stdout)

        print("Claude Code served by an OpenAI-only backend, with a tool round-trip:")
        out = claude_p("local-coder", "Read the file notes.txt and tell me what it says")
        check(out["subtype"] == "success" and not out["is_error"], f"claude -p succeeded ({out['subtype']})")
        check(out["num_turns"] == 2, f"two model turns: the tool call and the answer (num_turns={out['num_turns']})")
        check(out["result"].startswith("Mock reply to:"), f"the model's text answer reached Claude Code: {out['result']!r}")
        calls = model_calls(openai_mock)
        check([c["path"] for c in calls] == ["/v1/chat/completions"] * 2, "both turns went to /v1/chat/completions")
        first, second = calls[0]["body"], calls[1]["body"]
        check(first["messages"][0]["role"] == "system", "Claude Code's system prompt became a system message")
        check(first["stream"] is True and first["stream_options"]["include_usage"] is True, "streamed, usage asked for")
        check("thinking" not in first and "context_management" not in first, "Anthropic-only fields left out")
        check(any(t["function"]["name"] == "Read" for t in first["tools"]), "the Read tool became a function tool")
        assistant = next(m for m in second["messages"] if m["role"] == "assistant" and m.get("tool_calls"))
        tool = next(m for m in second["messages"] if m["role"] == "tool")
        check(tool["tool_call_id"] == assistant["tool_calls"][0]["id"], "the tool result answers the tool call's id")
        check(tool["content"].startswith("Error: ") and "does not exist" in tool["content"],
              f"the tool's error result reached the model, marked as one: {tool['content']!r}")
        session = sessions.check(out["session_id"], turns=2, threads=[2])
        check(len(session["messages"]) == 4, f"the session stored the turns ({len(session['messages'])} messages)")

        print("Claude Code on the Anthropic backend: --continue, /compact, and on from the summary:")
        first = claude_p("claude-sonnet-4-5", "Read the file notes.txt and tell me what it says")
        sid = first["session_id"]
        out = claude_p("claude-sonnet-4-5", "Summarise what you found in one line", "--continue", tools="")
        check(out["session_id"] == sid and not out["is_error"], "--continue went on in the same session")
        out = claude_p("claude-sonnet-4-5", "/compact", "--continue", tools="")
        check(not out["is_error"], "/compact ran")
        out = claude_p("claude-sonnet-4-5", "One more question after compaction", "--continue", tools="")
        check(out["result"].startswith("Mock reply to: One more question"), f"answered after compaction: {out['result']!r}")
        calls = model_calls(anthropic_mock)
        check(len(calls) == 5, f"five requests: the tool round-trip, the follow-up, the summary, the next ({len(calls)})")
        check("summary of the conversation" in json.dumps(calls[3]["body"]["messages"][-1]), "the fourth asked for a summary")
        check("continued from a previous conversation" in json.dumps(calls[4]["body"]["messages"][0]),
              "the fifth went on from the summary")
        sessions.check(sid, turns=4, threads=[4, 3], compacted=True)
        record(calls, "claude-code-compact.json", "claude -p (Claude Code 2.1.197) through the gateway against mock-llm"
               " (Anthropic): a first prompt with a Read tool round-trip, --continue, /compact (the summary request),"
               " --continue after it; each POST as the upstream received it (the client bytes: same protocol, same model)")

        print("Claude Code while Anthropic is overloaded: falls back across protocols:")
        post(anthropic_mock + "/_mock/faults", [{"status": 529, "times": -1, "body": {
            "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}}])
        before = len(model_calls(openai_mock))
        out = claude_p("claude-sonnet-4-5", "Say hello")
        check(out["subtype"] == "success" and not out["is_error"], "claude -p succeeded")
        check(len(model_calls(anthropic_mock)) >= 1, "Anthropic was tried first")
        check(len(model_calls(openai_mock)) > before, "the OpenAI-only backend served it")
        sessions.check(out["session_id"], turns=2, threads=[2])  # a tool round-trip: mock-llm calls Read
        post(anthropic_mock + "/_mock/reset", {})

        print("Codex CLI (Responses API) served by an OpenAI-only (Chat Completions) backend, with a tool round-trip:")
        codex_home = os.path.join(work, "codex-home")
        os.makedirs(codex_home)
        with open(os.path.join(codex_home, "config.toml"), "w") as f:
            f.write(f"""
model = "local-codex"
model_provider = "rebound"
approval_policy = "never"
sandbox_mode = "read-only"
# web search is a tool only OpenAI's own Responses API runs: a Chat Completions backend has nothing like it
web_search = "disabled"

[model_providers.rebound]
name = "Rebound"
base_url = "{gateway}/v1"
env_key = "REBOUND_API_KEY"
wire_api = "responses"
""")
        codex_env = dict(env, CODEX_HOME=codex_home, REBOUND_API_KEY="client-key")

        def codex_exec(model, prompt):
            """Runs `codex exec`; checks it ran the model's one tool call and printed its answer."""
            last = os.path.join(work, "codex-last-message.txt")
            r = subprocess.run(["timeout", "180", codex, "exec", "--skip-git-repo-check", "--color", "never",
                                "--json", "-m", model, "-o", last, prompt],
                               cwd=project, env=codex_env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=200)
            if r.returncode != 0:
                sys.exit(f"codex exec exited {r.returncode}: {r.stdout[-3000:]} {r.stderr[-2000:]}")
            events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
            commands = [e["item"] for e in events if e.get("type") == "item.completed"
                        and e["item"].get("type") == "command_execution"]
            check(len(commands) == 1 and "mock" in commands[0]["command"],
                  f"Codex ran the tool call the model made: {[c['command'] for c in commands]}")
            answer = open(last).read().strip()
            check(answer.startswith("Mock reply to: " + prompt[:14]), f"Codex printed the model's answer: {answer!r}")
            check(any(e.get("type") == "turn.completed" for e in events), "the turn completed")
            # Codex names its conversation in a session-id header: the gateway binds it, and stores each turn once
            thread = next(e["thread_id"] for e in events if e.get("type") == "thread.started")
            stored = get(f"{gateway}/admin/sessions/{thread}")
            roles = [m["role"] for m in stored["messages"]]
            check(roles[-3:] == ["assistant", "tool", "assistant"] and roles.count("assistant") == 2,
                  f"Codex's session {thread} holds its turn: the call, the output, the answer ({roles})")
            check(not any(s["id"].startswith(thread + ".fork-") for s in get(f"{gateway}/admin/sessions")["sessions"]),
                  "the whole input Codex resends extends the stored session: no fork")

        before = len(model_calls(openai_mock))
        codex_exec("local-codex", "List the files in this folder")
        calls = model_calls(openai_mock)[before:]
        check([c["path"] for c in calls] == ["/v1/chat/completions"] * 2,
              f"both model turns went to /v1/chat/completions ({[c['path'] for c in calls]})")
        first, second = calls[0]["body"], calls[1]["body"]
        check(first["model"] == "mock-large" and first["stream"] is True, "streamed, with the agent's model")
        check(first["messages"][0]["role"] in ("system", "developer"), "Codex's instructions lead the messages")
        check(first["messages"][-1] == {"role": "user", "content": [{"type": "text", "text": "List the files in this folder"}]},
              "the prompt is the last user message")
        tool_names = [t["function"]["name"] for t in first["tools"]]
        check(all(t["type"] == "function" for t in first["tools"]), f"Codex's tools became function tools: {tool_names}")
        assistant = next(m for m in second["messages"] if m["role"] == "assistant" and m.get("tool_calls"))
        tool = next(m for m in second["messages"] if m["role"] == "tool")
        check(assistant["tool_calls"][0]["function"]["name"] == tool_names[0], "the model called the first tool offered")
        check(tool["tool_call_id"] == assistant["tool_calls"][0]["id"], "the tool output answers the call's id")
        check("mock" in tool["content"], f"the command's output reached the model: {tool['content'][:200]!r}")
        sessions.check(calls[0]["headers"]["session-id"], turns=2, threads=[2])

        print("Codex CLI served by a Responses backend (passed through), after a scripted 429:")
        post(responses_mock + "/_mock/faults", [{"status": 429, "times": 1, "headers": {"retry-after-ms": "50"}}])
        codex_exec("resp-codex", "Show me the folder")
        calls = model_calls(responses_mock)
        check([c["path"] for c in calls] == ["/v1/responses"] * 3,
              f"a 429, then both turns went to /v1/responses ({[c['path'] for c in calls]})")
        check(calls[0]["body"] == calls[1]["body"], "the retry sent the same request")
        first, second = calls[1]["body"], calls[2]["body"]
        check(first["model"] == "mock-large", "only the model was rewritten")
        check(first["store"] is False and first["include"] == ["reasoning.encrypted_content"],
              "Codex's own fields went through as sent")
        call = next(i for i in second["input"] if i.get("type") == "function_call")
        output = next(i for i in second["input"] if i.get("type") == "function_call_output")
        check(output["call_id"] == call["call_id"], "the tool output answers the call's id")
        sessions.check(calls[0]["headers"]["session-id"], turns=2, threads=[2])

        opencode_run(opencode, work, gateway, openai_mock, env, sessions)
        agents_sdk_runs(tools, work, gateway, openai_mock, responses_mock, env, sessions)
        print("agents e2e: all passed")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("KEEP_E2E"):
            print("kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
