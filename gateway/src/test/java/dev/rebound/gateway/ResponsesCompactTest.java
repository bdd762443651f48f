package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/responses/compact} as Codex sends it (its history as items, its instructions, tools): answered with
 * {@code {"object": "response.compaction", "output": [...]}}, the items Codex replaces its history with.
 */
class ResponsesCompactTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - name: chat
          protocol: openai
          url: ${MOCK_URL}
          models: [ { name: qwen-coder, contextWindow: 32768, maxOutputTokens: 2048 } ]
        - name: responses
          protocol: openai-responses
          url: RESPONSES_URL
          models: [ { name: gpt-5-codex, contextWindow: 200000 } ]
      agents:
        - { name: chat, backend: chat, model: qwen-coder }
        - { name: codex, backend: responses, model: gpt-5-codex }
      routes:
        - { name: on-responses, match: { model: "resp-*" }, agents: [codex] }
        - { name: on-chat, match: { model: "*" }, agents: [chat] }
      resilience: { retry: { baseDelay: 10ms }, breaker: { failureThreshold: 1000 } }
      """;

  Vertx others;
  MockLlmServer responsesOnly;
  GatewayHarness h;

  @BeforeEach
  void mocks() {
    others = Vertx.vertx();
    responsesOnly = new MockLlmServer(others, MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.RESPONSES)));
  }

  void start(String extra) {
    int port = responsesOnly.start().await();
    startWith(port, extra);
  }

  void startWith(int responsesPort, String extra) {
    h = GatewayHarness.start(CONFIG.replace("RESPONSES_URL", "http://127.0.0.1:" + responsesPort) + extra,
        MockLlmOptions.defaults().withSpeaks(Set.of(MockLlmOptions.OPENAI)));
  }

  @AfterEach
  void stop() {
    if (h != null) h.close();
    others.close().await();
  }

  /** What Codex sends (codex-rs CompactionInput): its history, instructions, tools, parallel_tool_calls. */
  static JsonObject codexCompaction(String model) {
    JsonArray input = new JsonArray()
        .add(new JsonObject().put("type", "message").put("role", "user")
            .put("content", new JsonArray().add(new JsonObject().put("type", "input_text").put("text", "Fix the failing test in parser.rs"))))
        .add(new JsonObject().put("type", "reasoning").put("summary", new JsonArray()).put("encrypted_content", "gAAAA..."))
        .add(new JsonObject().put("type", "function_call").put("name", "shell").put("call_id", "call_1")
            .put("arguments", "{\"command\":[\"cargo\",\"test\"]}"))
        .add(new JsonObject().put("type", "function_call_output").put("call_id", "call_1").put("output", "1 test failed: parse_empty"))
        .add(new JsonObject().put("type", "message").put("role", "assistant")
            .put("content", new JsonArray().add(new JsonObject().put("type", "output_text").put("text", "The empty input panics; I will guard it."))))
        .add(new JsonObject().put("type", "message").put("role", "user")
            .put("content", new JsonArray().add(new JsonObject().put("type", "input_text").put("text", "Also add a regression test"))));
    return new JsonObject().put("model", model).put("input", input).put("instructions", "You are Codex.")
        .put("tools", new JsonArray()).put("parallel_tool_calls", false);
  }

  static JsonObject compacted(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals("response.compaction", body.getString("object"));
    assertTrue(body.getString("id").startsWith("resp_"));
    return body;
  }

  static List<String> texts(JsonObject compacted) {
    return compacted.getJsonArray("output").stream().map(o -> {
      JsonObject item = (JsonObject) o;
      assertEquals("message", item.getString("type"));
      assertEquals("user", item.getString("role"));
      return item.getJsonArray("content").getJsonObject(0).getString("text");
    }).toList();
  }

  @Test
  void withoutASummarizerTheUsersMessagesAreKeptAndTheAnswerSaysTheRestWasDropped() throws Exception {
    start("");
    JsonObject body = compacted(h.post("/v1/responses/compact", codexCompaction("chat-model").encode()));
    List<String> texts = texts(body);
    assertEquals(List.of("Fix the failing test in parser.rs", "Also add a regression test"), texts.subList(0, 2));
    assertTrue(texts.get(2).contains("no summarizer configured (context.summarizer)"), texts.get(2));
    assertEquals(0, h.upstreamRequests().size(), "nothing was asked of the model");
    assertTrue(h.events("context").stream().anyMatch(e -> e.reason().contains("answered by the gateway")));
  }

  @Test
  void theGatewaysSummarizerWritesTheSummaryOfTheWholeConversation() throws Exception {
    start("context: { summarizer: { agent: chat, maxTokens: 256 } }\n");
    JsonObject body = compacted(h.post("/v1/responses/compact", codexCompaction("chat-model").encode()));
    List<String> texts = texts(body);
    String summary = texts.get(texts.size() - 1);
    assertTrue(summary.startsWith("The conversation so far was compacted by the Rebound gateway. Summary of it:"), summary);
    assertTrue(summary.contains("Mock reply to:"), "the summarizer's answer: " + summary);
    JsonObject asked = h.lastUpstreamRequest().getJsonObject("body");
    String question = asked.encode();
    assertTrue(question.contains("cargo") && question.contains("parse_empty") && question.contains("guard it"),
        "the summarizer read the tool call, its output and the answer: " + question);
  }

  @Test
  void aResponsesBackendIsAskedFirstAndOneWithoutTheEndpointIsAnsweredByTheGateway() throws Exception {
    start("");
    JsonObject body = compacted(h.post("/v1/responses/compact", codexCompaction("resp-codex").encode()));
    assertTrue(texts(body).get(2).contains("no summarizer configured"));
    assertTrue(h.events("context").stream().anyMatch(e -> e.reason().contains("backend 'responses' has no "
        + "/v1/responses/compact (it answered 404)")), h.events("context").toString());
  }

  @Test
  void aResponsesBackendWithTheEndpointAnswersItAndTheAnswerIsPassedOnAsItCame() throws Exception {
    List<JsonObject> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    String answer = new JsonObject().put("id", "resp_upstream").put("object", "response.compaction")
        .put("created_at", 1_700_000_000).put("output", new JsonArray()
            .add(new JsonObject().put("type", "compaction").put("encrypted_content", "gAAAA-compacted")))
        .put("usage", new JsonObject().put("input_tokens", 900).put("output_tokens", 40).put("total_tokens", 940)).encode();
    int port = others.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      seen.add(new JsonObject().put("path", req.path()).put("authorization", req.getHeader("authorization"))
          .put("body", new JsonObject(b)));
      req.response().putHeader("content-type", "application/json").end(answer);
    })).listen(0, "127.0.0.1").await().actualPort();
    startWith(port, "");
    HttpResponse<String> r = h.post("/v1/responses/compact", codexCompaction("resp-codex").encode(),
        "authorization", "Bearer client-key");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(new JsonObject(answer), new JsonObject(r.body()), "passed on as it came");
    assertEquals(1, seen.size());
    assertEquals("/v1/responses/compact", seen.get(0).getString("path"));
    assertEquals("gpt-5-codex", seen.get(0).getJsonObject("body").getString("model"), "the model rewritten");
    assertEquals(codexCompaction("x").getJsonArray("input"), seen.get(0).getJsonObject("body").getJsonArray("input"));
    assertTrue(h.events("context").stream().anyMatch(e -> e.reason().contains("passed through to agent codex")));
  }

  @Test
  void aCompactionWithoutInputIsRefusedInTheResponsesErrorShape() throws Exception {
    start("");
    HttpResponse<String> r = h.post("/v1/responses/compact", new JsonObject().put("model", "chat-model").encode());
    assertEquals(400, r.statusCode());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("input", error.getString("param"));
    assertEquals("invalid_request_error", error.getString("type"));
  }

  @Test
  void aCompactionThatIsNotSentAsJsonIsA415InTheResponsesErrorShape() throws Exception {
    start("");
    HttpResponse<String> r = h.post("/v1/responses/compact", "model=chat-model&input=hi",
        "content-type", "application/x-www-form-urlencoded");
    assertEquals(415, r.statusCode());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertTrue(error.getString("message").contains("application/json"), error.getString("message"));
  }
}
