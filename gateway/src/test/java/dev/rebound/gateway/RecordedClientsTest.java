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
 * Traffic recorded from real agent clients through the gateway (src/test/resources/sessions/), replayed as they sent
 * it. The upstream answers each request with the answer the client got when it was recorded (read from the client's
 * next request, which carries it in its history), so the replayed history is the recorded one byte for byte.
 */
class RecordedClientsTest {
  final Vertx upstreamVertx = Vertx.vertx();
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
    upstreamVertx.close().await();
  }

  @Test
  void claudeCodeWithAToolRoundTripResumeAndContinueIsOneSessionWithNoForkAndItsUsageSummed() throws Exception {
    JsonArray requests = fixture("claude-code-resume-continue.json").getJsonArray("requests");
    List<JsonObject> answers = recordedAnswers(requests);
    AtomicInteger served = new AtomicInteger();
    int port = upstreamVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      if (req.method() != io.vertx.core.http.HttpMethod.POST || !req.path().equals("/v1/messages")) {
        req.response().setStatusCode(404).end();
        return;
      }
      int k = served.getAndIncrement();
      req.response().putHeader("content-type", "text/event-stream").end(stream(answers.get(k), usage(k)));
    })).listen(0, "127.0.0.1").await().actualPort();
    h = GatewayHarness.start("""
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - { name: recorded, protocol: anthropic, url: "http://127.0.0.1:%d", apiKey: k,
              timeouts: { connect: 2s, firstByte: 10s, idle: 10s, total: 30s },
              models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ] }
        agents:
          - { name: claude, backend: recorded, model: claude-sonnet-4-5 }
        routes:
          - { name: all, match: {}, agents: [claude] }
        """.formatted(port));

    String session = null;
    for (int k = 0; k < requests.size(); k++) {
      JsonObject r = requests.getJsonObject(k);
      JsonObject headers = r.getJsonObject("headers");
      session = headers.getString("x-claude-code-session-id");
      HttpResponse<String> answer = h.http.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(h.base() + r.getString("path"))).timeout(java.time.Duration.ofSeconds(30))
          .header("content-type", "application/json").header("x-claude-code-session-id", session)
          .header("anthropic-version", headers.getString("anthropic-version"))
          .header("anthropic-beta", headers.getString("anthropic-beta"))
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(r.getJsonObject("body").encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode(), answer.body());
      assertTrue(answer.body().contains("message_stop"), answer.body() + h.events);
    }

    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
    JsonObject s = new JsonObject(h.get("/admin/sessions/" + session).body());
    assertEquals(requests.size(), s.getJsonObject("meta").getInteger("turns"));
    assertEquals(2 * requests.size(), s.getJsonArray("messages").size());
    assertEquals(1, s.getJsonArray("threads").size(), "claude -p sends no side request here");
    long input = 0;
    long output = 0;
    long cacheRead = 0;
    long cacheWrite = 0;
    for (int k = 0; k < requests.size(); k++) {
      JsonObject u = usage(k);
      input += u.getLong("input_tokens");
      output += u.getLong("output_tokens");
      cacheRead += u.getLong("cache_read_input_tokens");
      cacheWrite += u.getLong("cache_creation_input_tokens");
    }
    JsonObject summed = s.getJsonObject("meta").getJsonObject("usage");
    assertEquals(new JsonObject().put("input", input).put("output", output).put("cacheRead", cacheRead)
        .put("cacheWrite", cacheWrite), summed);
    List<String> kinds = s.getJsonArray("checkpoints").stream().map(JsonObject.class::cast)
        .map(c -> c.getString("kind")).distinct().toList();
    assertEquals(List.of("PRE_ATTEMPT", "AUTO"), kinds, "a healthy session has no ERROR checkpoint");
  }

  /** The answer to request k: the assistant message that request k+1 carries right after request k's messages. */
  static List<JsonObject> recordedAnswers(JsonArray requests) {
    List<JsonObject> answers = new ArrayList<>();
    for (int k = 0; k < requests.size(); k++) {
      JsonArray asked = requests.getJsonObject(k).getJsonObject("body").getJsonArray("messages");
      JsonObject answer = new JsonObject().put("role", "assistant").put("content", new JsonArray()
          .add(new JsonObject().put("type", "text").put("text", "Done.")));
      if (k + 1 < requests.size()) {
        JsonArray next = requests.getJsonObject(k + 1).getJsonObject("body").getJsonArray("messages");
        answer = next.getJsonObject(asked.size());
      }
      assertEquals("assistant", answer.getString("role"), answer.encode());
      answers.add(answer);
    }
    return answers;
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

  static void event(StringBuilder out, String name, JsonObject data) {
    out.append("event: ").append(name).append("\ndata: ").append(data.encode()).append("\n\n");
  }

  static JsonObject fixture(String name) throws Exception {
    try (InputStream in = RecordedClientsTest.class.getResourceAsStream("/sessions/" + name)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
