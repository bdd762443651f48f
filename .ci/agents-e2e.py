#!/usr/bin/env python3
"""Real agent CLIs through the gateway, offline, against mock-llm on loopback.

Claude Code (`claude -p`, from npm) is pointed at the gateway (ANTHROPIC_BASE_URL); the gateway's only backends are
mock-llms that speak one format each, so what Claude Code gets went through translation:

  1. served by an OpenAI-only backend (as vLLM or Ollama are): a tool round-trip (Read of a missing file, the error
     result sent back, a text answer), streamed as Claude Code always streams; the stored session is checked.
  2. Anthropic overloaded (every call a 529): the session falls back to the OpenAI-only backend and completes.

Codex CLI (`codex exec`, from npm) speaks only OpenAI's Responses API; it is given a custom model provider at the
gateway's /v1 (a temporary CODEX_HOME with its config.toml) and served by the same OpenAI-only (Chat Completions)
backend, so every request and answer went through the Responses <-> Chat translation:

  3. a tool round-trip: mock-llm calls the first tool Codex offers (its shell tool) with schema-shaped arguments
     ("mock"), which Codex runs read-only (sandbox read-only, approvals never) in a throwaway folder, sends the
     output back, and prints the model's text answer.
  4. served by a backend that speaks the Responses API itself (passed through, only the model rewritten), whose
     first answer is a scripted 429 the gateway retries: the same tool round-trip.

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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def main():
    jar = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="rebound-agents-")
    procs = []
    try:
        tools = os.environ.get("REBOUND_E2E_TOOLS", os.path.join(os.path.expanduser("~"), ".cache", "rebound-e2e"))
        claude = os.path.join(tools, "node_modules", ".bin", "claude")
        codex = os.path.join(tools, "node_modules", ".bin", "codex")
        for cli, package in ((claude, CLAUDE_CODE), (codex, CODEX)):
            if not os.path.exists(cli):
                print(f"installing {package} into {tools}")
                os.makedirs(tools, exist_ok=True)
                subprocess.run(["npm", "install", "--prefix", tools, "--no-audit", "--no-fund", package],
                               check=True, timeout=600)

        openai_port, anthropic_port, responses_port, gateway_port = free_port(), free_port(), free_port(), free_port()
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
  - {{ name: anthropic, protocol: anthropic, url: "{anthropic_mock}", apiKey: upstream-key,
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

        def claude_p(model, prompt):
            r = subprocess.run([claude, "-p", prompt, "--tools", "Read", "--model", model, "--output-format", "json"],
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
        session = get(f"{gateway}/admin/sessions/{out['session_id']}")
        check(len(session["messages"]) >= 4, f"the session stored the turns ({len(session['messages'])} messages)")

        print("Claude Code while Anthropic is overloaded: falls back across protocols:")
        post(anthropic_mock + "/_mock/faults", [{"status": 529, "times": -1, "body": {
            "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}}])
        before = len(model_calls(openai_mock))
        out = claude_p("claude-sonnet-4-5", "Say hello")
        check(out["subtype"] == "success" and not out["is_error"], "claude -p succeeded")
        check(len(model_calls(anthropic_mock)) >= 1, "Anthropic was tried first")
        check(len(model_calls(openai_mock)) > before, "the OpenAI-only backend served it")

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
