package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each backend timeout ends the exchange with an honest error in the client's protocol. */
class UpstreamTimeoutsTest {
  static GatewayHarness h;
  static int closedPort;

  @BeforeAll
  static void start() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    h = GatewayHarness.start("""
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - name: quick
            protocol: openai
            url: ${MOCK_URL}
            timeouts: { connect: 1s, firstByte: 400ms, idle: 400ms, total: 1500ms }
            models: [ { name: gpt-4o, contextWindow: 128000 } ]
          - name: quick-anthropic
            protocol: anthropic
            url: ${MOCK_URL}
            timeouts: { connect: 1s, firstByte: 400ms, idle: 400ms, total: 10s }
            models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ]
          - name: gone
            protocol: openai
            url: http://127.0.0.1:%d
            timeouts: { connect: 1s }
            models: [ { name: ghost, contextWindow: 1000 } ]
        agents:
          - { name: a, backend: quick, model: gpt-4o }
          - { name: c, backend: quick-anthropic, model: claude-sonnet-4-5 }
          - { name: g, backend: gone, model: ghost }
        routes:
          - { name: default, match: {}, agents: [a] }
        # one attempt, no continuation: these tests are about how each timeout ends a single exchange
        resilience: { retry: { maxAttempts: 1 }, continueStreams: false, breaker: { failureThreshold: 1000 } }
        """.formatted(closedPort));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static void fault(JsonObject f) {
    h.mock.addFaults(new JsonArray().add(f));
  }

  @Test
  void noResponseWithinFirstByteTimeoutIsA504AndTheUpstreamIsCancelled() throws Exception {
    fault(new JsonObject().put("match", new JsonObject().put("contains", "slow-start")).put("delayMs", 3000));
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"slow-start\"}]}");
    assertEquals(504, r.statusCode(), r.body());
    JsonObject err = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("upstream_timeout", err.getString("code"));
    assertTrue(err.getString("message").contains("400 ms"), err.encode());
  }

  @Test
  void aStreamThatGoesSilentEndsWithAnErrorEventNotACleanEnd() throws Exception {
    fault(new JsonObject().put("match", new JsonObject().put("contains", "stall-me"))
        .put("stallAfterChunks", 3).put("stallMs", 3000));
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"stall-me\"}]}");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().startsWith("data: {"), r.body());
    assertFalse(r.body().contains("[DONE]"), "a stalled stream must not look complete: " + r.body());
    assertTrue(r.body().contains("\"code\":\"upstream_timeout\""), r.body());
  }

  @Test
  void anAnthropicStreamThatGoesSilentEndsWithAnErrorEvent() throws Exception {
    fault(new JsonObject().put("match", new JsonObject().put("contains", "stall-claude"))
        .put("stallAfterChunks", 4).put("stallMs", 3000));
    HttpResponse<String> r = h.post("/v1/messages",
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"stall-claude\"}]}");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("event: message_start"), r.body());
    assertFalse(r.body().contains("message_stop"), r.body());
    assertTrue(r.body().contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"timeout_error\""), r.body());
  }

  @Test
  void anAnswerLongerThanTheTotalTimeoutIsCutWithAnErrorEvent() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"long\"}]}",
        "x-mock-reply-words", "40", "x-mock-chunk-delay-ms", "100");
    assertEquals(200, r.statusCode());
    assertFalse(r.body().contains("[DONE]"));
    assertTrue(r.body().contains("total timeout"), r.body());
  }

  @Test
  void anUnreachableBackendIsA502ThatSaysSo() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"anyone?\"}]}");
    assertEquals(502, r.statusCode(), r.body());
    JsonObject err = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("upstream_unreachable", err.getString("code"));
    assertTrue(err.getString("message").contains("'gone'"), err.encode());
  }

  @Test
  void anUpstreamThatCutsTheStreamEndsItWithAnErrorEvent() throws Exception {
    fault(new JsonObject().put("match", new JsonObject().put("contains", "cut-me")).put("cutAfterChunks", 3));
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"cut-me\"}]}");
    assertEquals(200, r.statusCode());
    assertFalse(r.body().contains("[DONE]"));
    assertTrue(r.body().contains("\"code\":\"upstream_error\""), r.body());
  }
}
