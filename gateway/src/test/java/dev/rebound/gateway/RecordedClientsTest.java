package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Traffic recorded from real agent clients through the gateway (src/test/resources/sessions/, written by
 * .ci/agents-e2e.py with REBOUND_E2E_RECORD), replayed as they sent it. The upstream answers each request with the
 * answer the client got when it was recorded (read from a later request that carries it in its history; a request
 * none continues, such as a title or a summary, gets a text of its own), so the replayed history is the recorded one.
 */
class RecordedClientsTest {
  final Vertx upstreamVertx = Vertx.vertx();
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
    upstreamVertx.close().await();
  }

  /**
   * Starts a gateway whose one backend answers request k of {@code requests} with its recorded answer and
   * {@link #usage}(k), in the protocol and stream mode it was asked in.
   */
  void replayUpstream(JsonArray requests) {
    List<JsonObject> answers = recordedAnswers(requests);
    String protocol = requests.getJsonObject(0).getString("path").equals("/v1/messages") ? "anthropic" : "openai";
    AtomicInteger served = new AtomicInteger();
    int port = upstreamVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      if (req.method() != io.vertx.core.http.HttpMethod.POST || !req.path().equals(requests.getJsonObject(0).getString("path"))) {
        req.response().setStatusCode(404).end();
        return;
      }
      int k = served.getAndIncrement();
      boolean streamed = new JsonObject(body.toString()).getBoolean("stream", false);
      if (protocol.equals("anthropic")) {
        req.response().putHeader("content-type", "text/event-stream").end(stream(answers.get(k), usage(k)));
      } else if (streamed) {
        req.response().putHeader("content-type", "text/event-stream").end(chatStream(answers.get(k), usage(k)));
      } else {
        req.response().putHeader("content-type", "application/json").end(chatCompletion(answers.get(k), usage(k)).encode());
      }
    })).listen(0, "127.0.0.1").await().actualPort();
    String model = requests.getJsonObject(0).getJsonObject("body").getString("model");
    h = GatewayHarness.start("""
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - { name: recorded, protocol: %s, url: "http://127.0.0.1:%d", apiKey: k, discoverWindow: off,
              timeouts: { connect: 2s, firstByte: 10s, idle: 10s, total: 30s },
              models: [ { name: %s, contextWindow: 200000 } ] }
        agents:
          - { name: recorded, backend: recorded, model: %s }
        routes:
          - { name: all, match: {}, agents: [recorded] }
        """.formatted(protocol, port, model, model));
  }

  /** Sends the recorded requests one after another, as the client did; each must be answered whole. */
  void replay(JsonArray requests) throws Exception {
    for (int k = 0; k < requests.size(); k++) {
      JsonObject r = requests.getJsonObject(k);
      java.net.http.HttpRequest.Builder send = java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(h.base() + r.getString("path"))).timeout(java.time.Duration.ofSeconds(30))
          .header("content-type", "application/json");
      r.getJsonObject("headers").forEach(e -> send.header(e.getKey(), (String) e.getValue()));
      HttpResponse<String> answer = h.http.send(send.POST(java.net.http.HttpRequest.BodyPublishers.ofString(
          r.getJsonObject("body").encode())).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode(), "request " + k + ": " + answer.body());
      boolean streamed = r.getJsonObject("body").getBoolean("stream", false);
      String end = r.getString("path").equals("/v1/messages") ? "message_stop" : streamed ? "[DONE]" : "\"choices\"";
      assertTrue(answer.body().contains(end), "request " + k + ": " + answer.body() + h.events);
    }
  }

  /** The session's stored state as the admin API shows it. */
  JsonObject session(String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  /** The usage {@link #usage} reported for the requests whose indexes are given, summed as the store keeps it. */
  static JsonObject summed(int... ks) {
    long input = 0;
    long output = 0;
    long cacheRead = 0;
    long cacheWrite = 0;
    for (int k : ks) {
      JsonObject u = usage(k);
      input += u.getLong("input_tokens");
      output += u.getLong("output_tokens");
      cacheRead += u.getLong("cache_read_input_tokens");
      cacheWrite += u.getLong("cache_creation_input_tokens");
    }
    return new JsonObject().put("input", input).put("output", output).put("cacheRead", cacheRead).put("cacheWrite", cacheWrite);
  }

  /** {@link #summed} as a Chat Completions upstream reports it: it says nothing of cache writes. */
  static JsonObject summedChat(int... ks) {
    return summed(ks).put("cacheWrite", 0L);
  }

  static List<String> checkpointKinds(JsonObject session) {
    return session.getJsonArray("checkpoints").stream().map(JsonObject.class::cast).map(c -> c.getString("kind")).toList();
  }

  @Test
  void claudeCodeWithAToolRoundTripResumeAndContinueIsOneSessionWithNoForkAndItsUsageSummed() throws Exception {
    JsonArray requests = fixture("claude-code-resume-continue.json").getJsonArray("requests");
    replayUpstream(requests);
    replay(requests);

    String id = requests.getJsonObject(0).getJsonObject("headers").getString("x-claude-code-session-id");
    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonObject s = session(id);
    assertEquals(requests.size(), s.getJsonObject("meta").getInteger("turns"));
    assertEquals(2 * requests.size(), s.getJsonArray("messages").size());
    assertEquals(1, s.getJsonArray("threads").size(), "claude -p sends no side request here");
    assertEquals(summed(java.util.stream.IntStream.range(0, requests.size()).toArray()), s.getJsonObject("meta").getJsonObject("usage"));
    assertEquals(List.of("AUTO"), checkpointKinds(s).stream().distinct().toList(),
        "a healthy session: each turn stored with its answer, no ERROR checkpoint");
  }

  @Test
  void claudeCodeCompactingWithSlashCompactIsACompactedCheckpointHoldingTheWholeHistoryNotAFork() throws Exception {
    // claude -p: a Read round-trip (requests 0, 1), --continue (2), /compact (3: the history without its last answer,
    // the instruction to summarise merged into the last question), --continue from the summary (4)
    JsonArray requests = fixture("claude-code-compact.json").getJsonArray("requests");
    replayUpstream(requests);
    replay(requests);

    String id = requests.getJsonObject(0).getJsonObject("headers").getString("x-claude-code-session-id");
    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    assertTrue(h.events("session").stream().anyMatch(e -> e.reason().contains("asks for a summary")), h.events.toString());
    JsonObject s = session(id);
    JsonArray threads = s.getJsonArray("threads");
    assertEquals(2, threads.size(), "the conversation and its summary request: " + threads.encode());
    JsonArray asked = requests.getJsonObject(4).getJsonObject("body").getJsonArray("messages");
    assertEquals(asked.size() + 1, s.getJsonArray("messages").size(), "the session goes on from the compacted history");
    assertTrue(s.getJsonArray("messages").getJsonObject(0).encode().contains("continued from a previous conversation"));
    List<String> kinds = checkpointKinds(s);
    assertEquals(1, kinds.stream().filter("COMPACTED"::equals).count(), kinds.toString());
    assertEquals(List.of("turn 1", "turn 2", "turn 3", "turn 4"), s.getJsonArray("checkpoints").stream()
        .map(JsonObject.class::cast).map(c -> c.getString("reason")).filter(r -> r.matches("turn \\d+ complete.*"))
        .map(r -> r.substring(0, r.indexOf(" complete"))).toList(), "the turns before the compaction are kept, and counted on");
    assertEquals(4, s.getJsonObject("meta").getInteger("turns"));
    // the compacted checkpoint holds the history before: the first three turns, without the summary request
    JsonObject before = new JsonObject(h.get("/admin/sessions/" + id + "/checkpoints/"
        + (kinds.indexOf("COMPACTED") + 1)).body());
    JsonArray context = before.getJsonArray("context");
    assertEquals(6, context.size(), context.encode());
    assertTrue(context.getJsonObject(4).encode().contains("Summarise what you found"), context.encode());
    assertEquals(summed(0, 1, 2, 4), s.getJsonObject("meta").getJsonObject("usage"),
        "every turn of the conversation counted, across the compaction");
    // the summary request is a thread of its own: its usage counts in the session's
    JsonObject summary = threads.stream().map(JsonObject.class::cast).filter(t -> !t.getBoolean("main")).findFirst()
        .orElseThrow();
    assertEquals(summed(3), summary.getJsonObject("usage"));
    assertEquals(summed(0, 1, 2, 3, 4), s.getJsonObject("sessionUsage"), "every request's usage, on some thread");
    assertTrue(session(summary.getString("id")).getJsonArray("messages").encode().contains("Summarise what you found"));
  }

  @Test
  void opencodeTitleToolRoundTripCompactionAndSessionResumeAreThreadsOfOneSessionWithNoFork() throws Exception {
    // opencode run: a title request (0), the conversation with a bash round-trip (1, 2) whose long output overflows the
    // context opencode was told of, a summary request (3), the conversation from "What did we do so far?" (4, 5), then
    // run --session with a follow-up and its round-trip (6, 7); all under opencode's X-Session-Id
    JsonArray requests = fixture("opencode-title-compaction.json").getJsonArray("requests");
    replayUpstream(requests);
    replay(requests);

    String id = requests.getJsonObject(0).getJsonObject("headers").getString("x-session-id");
    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonObject s = session(id);
    JsonArray threads = s.getJsonArray("threads");
    assertEquals(List.of(1, 6, 1), threads.stream().map(JsonObject.class::cast).map(t -> t.getInteger("turns")).toList(),
        "the title (the session's own id, first come), the conversation, the summary: " + threads.encode());
    assertTrue(s.getJsonArray("messages").encode().contains("You are a title generator"));
    JsonObject conversation = session(threads.getJsonObject(1).getString("id"));
    assertEquals(id, conversation.getString("threadOf"));
    assertTrue(conversation.getJsonArray("messages").encode().contains("What did we do so far?"));
    assertTrue(checkpointKinds(conversation).contains("COMPACTED"), checkpointKinds(conversation).toString());
    assertTrue(session(threads.getJsonObject(2).getString("id")).getJsonArray("messages").encode()
        .contains("You are a context summarization agent"));
    assertEquals(summedChat(0, 1, 2, 3, 4, 5, 6, 7), s.getJsonObject("sessionUsage"), "every request's usage, on some thread");
    assertEquals(summedChat(1, 2, 4, 5, 6, 7), conversation.getJsonObject("meta").getJsonObject("usage"),
        "the conversation's usage goes on across its compaction");
  }

  @Test
  void aSummaryRequestQuotingTheConversationsAnswersIsItsOwnThreadNotTheConversationsCompaction() throws Exception {
    // opencode's summary request (3) quotes the conversation; here it quotes an answer the conversation holds, as it
    // does when the conversation ended with a text answer: it is a conversation of its own (its own system prompt)
    JsonArray requests = fixture("opencode-title-compaction.json").getJsonArray("requests");
    String quoted = textOf(recordedAnswers(requests).get(2));
    JsonObject summary = requests.getJsonObject(3).getJsonObject("body").getJsonArray("messages").getJsonObject(1);
    summary.put("content", summary.getString("content") + "\n[Assistant]: " + quoted);
    replayUpstream(requests);
    replay(requests);

    String id = requests.getJsonObject(0).getJsonObject("headers").getString("x-session-id");
    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonArray threads = session(id).getJsonArray("threads");
    assertEquals(List.of(1, 6, 1), threads.stream().map(JsonObject.class::cast).map(t -> t.getInteger("turns")).toList(),
        threads.encode());
    assertTrue(session(threads.getJsonObject(2).getString("id")).getJsonArray("messages").encode().contains(quoted));
    JsonObject conversation = session(threads.getJsonObject(1).getString("id"));
    assertEquals(1, checkpointKinds(conversation).stream().filter("COMPACTED"::equals).count(),
        "compacted once, by opencode's own compaction: " + checkpointKinds(conversation));
  }

  @Test
  void openAiAgentsSdkInChatCompletionsModeIsOneThreadWithNoForkAndItsUsageSummed() throws Exception {
    // the Agents SDK: a function tool round-trip (0, 1, not streamed), then a streamed follow-up carrying the first
    // run's history (2, 3), under X-Session-Id
    JsonArray requests = fixture("agents-sdk-chat-completions.json").getJsonArray("requests");
    replayUpstream(requests);
    replay(requests);

    String id = requests.getJsonObject(0).getJsonObject("headers").getString("x-session-id");
    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonObject s = session(id);
    assertEquals(1, s.getJsonArray("threads").size(), s.getJsonArray("threads").encode());
    assertEquals(4, s.getJsonObject("meta").getInteger("turns"));
    JsonArray last = requests.getJsonObject(3).getJsonObject("body").getJsonArray("messages");
    assertEquals(last.size() + 1, s.getJsonArray("messages").size());
    assertEquals(summedChat(0, 1, 2, 3), s.getJsonObject("meta").getJsonObject("usage"));
    assertEquals(List.of("AUTO"), checkpointKinds(s).stream().distinct().toList());
  }

  @Test
  void codexsOwnSessionIdHeaderBindsItsSession() throws Exception {
    // codex exec sends its conversation's id as session-id (and thread-id) with every Responses request
    h = GatewayHarness.start();
    String id = "01a23d92-f51a-7f53-87e7-f4575ba092f5";
    HttpResponse<String> r = h.post("/v1/responses", new JsonObject().put("model", "gpt-4o").put("input", "hello")
        .put("store", false).encode(), "session-id", id, "thread-id", id);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(id + "; turn=1", r.headers().firstValue("x-rebound-session").orElse(null));
    JsonObject s = session(id);
    assertEquals(1, s.getJsonObject("meta").getInteger("turns"), s.encode());
  }

  /**
   * The answer to request k: the assistant message a later request carries right after request k's messages (the
   * first that goes on from them; cache markers aside, the last message may differ, as clients merge into it); a text
   * of its own when none does (a title, a summary, an answer dropped by the client).
   */
  static List<JsonObject> recordedAnswers(JsonArray requests) {
    List<JsonObject> answers = new ArrayList<>();
    for (int k = 0; k < requests.size(); k++) {
      JsonArray asked = requests.getJsonObject(k).getJsonObject("body").getJsonArray("messages");
      JsonObject answer = new JsonObject().put("role", "assistant").put("content", new JsonArray()
          .add(new JsonObject().put("type", "text").put("text", "Recorded answer " + k + ", which no later request carries.")));
      for (int j = k + 1; j < requests.size(); j++) {
        JsonArray next = requests.getJsonObject(j).getJsonObject("body").getJsonArray("messages");
        if (next.size() > asked.size() && goesOn(asked, next) && "assistant".equals(next.getJsonObject(asked.size()).getString("role"))) {
          answer = next.getJsonObject(asked.size());
          break;
        }
      }
      answers.add(answer);
    }
    return answers;
  }

  /** Whether {@code next} starts with the messages of {@code asked} (the last one by role only). */
  static boolean goesOn(JsonArray asked, JsonArray next) {
    for (int i = 0; i < asked.size(); i++) {
      JsonObject a = asked.getJsonObject(i);
      JsonObject b = next.getJsonObject(i);
      if (!a.getString("role").equals(b.getString("role"))) return false;
      if (i < asked.size() - 1 && !withoutCacheMarks(a).equals(withoutCacheMarks(b))) return false;
    }
    return true;
  }

  static Object withoutCacheMarks(Object json) {
    if (json instanceof JsonObject o) {
      JsonObject out = new JsonObject();
      o.forEach(e -> {
        if (!e.getKey().equals("cache_control")) out.put(e.getKey(), withoutCacheMarks(e.getValue()));
      });
      return out;
    }
    if (json instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(v -> out.add(withoutCacheMarks(v)));
      return out;
    }
    return json;
  }

  /** What the upstream reports for answer k: distinct numbers per turn, so the sum tells each was counted once. */
  static JsonObject usage(int k) {
    return new JsonObject().put("input_tokens", 1000 + k).put("output_tokens", 10 + k)
        .put("cache_read_input_tokens", 500 * k).put("cache_creation_input_tokens", k == 0 ? 4000 : 7);
  }

  /** An Anthropic stream of {@code message}'s blocks, as the API sends it. */
  static String stream(JsonObject message, JsonObject usage) {
    StringBuilder out = new StringBuilder();
    JsonObject start = new JsonObject().put("type", "message_start").put("message", new JsonObject()
        .put("id", "msg_replay").put("type", "message").put("role", "assistant").put("model", "claude-sonnet-4-5")
        .put("content", new JsonArray()).putNull("stop_reason").putNull("stop_sequence")
        .put("usage", usage.copy().put("output_tokens", 1)));
    event(out, "message_start", start);
    JsonArray blocks = message.getValue("content") instanceof String text
        ? new JsonArray().add(new JsonObject().put("type", "text").put("text", text)) : message.getJsonArray("content");
    boolean tool = false;
    for (int i = 0; i < blocks.size(); i++) {
      JsonObject b = blocks.getJsonObject(i);
      if ("tool_use".equals(b.getString("type"))) {
        tool = true;
        event(out, "content_block_start", new JsonObject().put("type", "content_block_start").put("index", i)
            .put("content_block", b.copy().put("input", new JsonObject())));
        event(out, "content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", i)
            .put("delta", new JsonObject().put("type", "input_json_delta").put("partial_json", b.getJsonObject("input").encode())));
      } else {
        event(out, "content_block_start", new JsonObject().put("type", "content_block_start").put("index", i)
            .put("content_block", new JsonObject().put("type", "text").put("text", "")));
        event(out, "content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", i)
            .put("delta", new JsonObject().put("type", "text_delta").put("text", b.getString("text"))));
      }
      event(out, "content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", i));
    }
    event(out, "message_delta", new JsonObject().put("type", "message_delta")
        .put("delta", new JsonObject().put("stop_reason", tool ? "tool_use" : "end_turn").putNull("stop_sequence"))
        .put("usage", new JsonObject().put("output_tokens", usage.getLong("output_tokens"))));
    event(out, "message_stop", new JsonObject().put("type", "message_stop"));
    return out.toString();
  }

  /** The text of an assistant message: a string, or its text parts joined. */
  static String textOf(JsonObject message) {
    Object content = message.getValue("content");
    if (content instanceof String text) return text;
    StringBuilder text = new StringBuilder();
    if (content instanceof JsonArray parts) {
      for (Object p : parts) if (p instanceof JsonObject part && part.getString("text") != null) text.append(part.getString("text"));
    }
    return text.toString();
  }

  /** Chat Completions usage for {@link #usage}(k): the prompt includes the cached tokens. */
  static JsonObject chatUsage(JsonObject usage) {
    long cached = usage.getLong("cache_read_input_tokens");
    long prompt = usage.getLong("input_tokens") + cached;
    return new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", usage.getLong("output_tokens"))
        .put("total_tokens", prompt + usage.getLong("output_tokens"))
        .put("prompt_tokens_details", new JsonObject().put("cached_tokens", cached));
  }

  /** A whole chat.completion carrying {@code message}. */
  static JsonObject chatCompletion(JsonObject message, JsonObject usage) {
    JsonObject said = new JsonObject().put("role", "assistant").put("content", textOf(message));
    JsonArray calls = message.getJsonArray("tool_calls");
    if (calls != null && !calls.isEmpty()) said.put("tool_calls", calls);
    return new JsonObject().put("id", "chatcmpl-replay").put("object", "chat.completion").put("created", 0)
        .put("model", "replay").put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", said)
            .put("finish_reason", calls != null && !calls.isEmpty() ? "tool_calls" : "stop")))
        .put("usage", chatUsage(usage));
  }

  /** A chat.completion.chunk stream of {@code message}: its text, then each tool call, then the usage chunk. */
  static String chatStream(JsonObject message, JsonObject usage) {
    StringBuilder out = new StringBuilder();
    JsonArray calls = message.getJsonArray("tool_calls");
    boolean tools = calls != null && !calls.isEmpty();
    JsonObject delta = new JsonObject().put("role", "assistant").put("content", textOf(message));
    chunk(out, new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta).putNull("finish_reason")));
    for (int i = 0; tools && i < calls.size(); i++) {
      JsonObject call = calls.getJsonObject(i);
      chunk(out, new JsonArray().add(new JsonObject().put("index", 0).putNull("finish_reason").put("delta", new JsonObject()
          .put("tool_calls", new JsonArray().add(new JsonObject().put("index", i).put("id", call.getString("id"))
              .put("type", "function").put("function", call.getJsonObject("function")))))));
    }
    chunk(out, new JsonArray().add(new JsonObject().put("index", 0).put("delta", new JsonObject())
        .put("finish_reason", tools ? "tool_calls" : "stop")));
    out.append("data: ").append(new JsonObject().put("id", "chatcmpl-replay").put("object", "chat.completion.chunk")
        .put("created", 0).put("model", "replay").put("choices", new JsonArray())
        .put("usage", chatUsage(usage)).encode()).append("\n\n");
    out.append("data: [DONE]\n\n");
    return out.toString();
  }

  static void chunk(StringBuilder out, JsonArray choices) {
    out.append("data: ").append(new JsonObject().put("id", "chatcmpl-replay").put("object", "chat.completion.chunk")
        .put("created", 0).put("model", "replay").put("choices", choices).encode()).append("\n\n");
  }

  static void event(StringBuilder out, String name, JsonObject data) {
    out.append("event: ").append(name).append("\ndata: ").append(data.encode()).append("\n\n");
  }

  static JsonObject fixture(String name) throws Exception {
    try (InputStream in = RecordedClientsTest.class.getResourceAsStream("/sessions/" + name)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
