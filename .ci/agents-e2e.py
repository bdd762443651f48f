#!/usr/bin/env python3
"""Real agent CLIs through the gateway, offline, against mock-llm on loopback.

Claude Code (`claude -p`, from npm) is pointed at the gateway (ANTHROPIC_BASE_URL); the gateway's only backends are
mock-llms that speak one format each, so what Claude Code gets went through translation:

  1. served by an OpenAI-only backend (as vLLM or Ollama are): a tool round-trip (Read of a missing file, the error
     result sent back, a text answer), streamed as Claude Code always streams; the stored session is checked.
  2. Anthropic overloaded (every call a 529): the session falls back to the OpenAI-only backend and completes.

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
        if not os.path.exists(claude):
            print(f"installing {CLAUDE_CODE} into {tools}")
            os.makedirs(tools, exist_ok=True)
            subprocess.run(["npm", "install", "--prefix", tools, "--no-audit", "--no-fund", CLAUDE_CODE],
                           check=True, timeout=600)

        openai_port, anthropic_port, gateway_port = free_port(), free_port(), free_port()
        openai_mock = f"http://127.0.0.1:{openai_port}"
        anthropic_mock = f"http://127.0.0.1:{anthropic_port}"
        gateway = f"http://127.0.0.1:{gateway_port}"
        for port, speaks in ((openai_port, "openai"), (anthropic_port, "anthropic")):
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
agents:
  - {{ name: claude, backend: anthropic, model: claude-sonnet-4-5 }}
  - {{ name: local, backend: local, model: mock-large }}
routes:
  - {{ name: local-only, match: {{ model: "local-*" }}, agents: [local] }}
  - {{ name: claude-first, match: {{}}, agents: [claude, local] }}
resilience: {{ retry: {{ baseDelay: 10ms, maxAttempts: 2 }}, waitBudget: 5s }}
store: {{ type: embedded, path: "{os.path.join(work, 'store')}" }}
""")
        wait_for(openai_mock + "/health", "mock-llm (openai)", procs[0])
        wait_for(anthropic_mock + "/health", "mock-llm (anthropic)", procs[1])
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
