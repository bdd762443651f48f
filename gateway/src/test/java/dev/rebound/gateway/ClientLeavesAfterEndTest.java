package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.RawUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that closes its connection the moment it has read the stream's end ([DONE] / message_stop) has seen a
 * complete turn: the turn must already be stored then, not after, and stay stored.
 */
class ClientLeavesAfterEndTest {
  static final String OPENAI = """
      data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello "},"finish_reason":null}]}

      data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"world"},"finish_reason":"stop"}]}

      data: [DONE]

      """;
  static final String ANTHROPIC = """
      event: message_start
      data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":1}}}

      event: content_block_start
      data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello world"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":0}

      event: message_delta
      data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}

      event: message_stop
      data: {"type":"message_stop"}

      """;

  final Vertx upstreamVertx = Vertx.vertx();
  GatewayHarness h;

  /**
   * An upstream that sends the whole stream, end marker included, and closes its response a moment later (as a
   * server does that flushes [DONE] before it finishes the exchange): the client can have seen the end by then.
   */
  @BeforeEach
  void start() {
    int port = RawUpstream.listen(upstreamVertx, (request, socket) -> {
      String stream = request.contains("/v1/messages") ? ANTHROPIC : OPENAI;
      // "slow end": the end marker itself comes late, after the answer's stop reason
      int split = request.contains("slow end") ? stream.lastIndexOf("event: message_stop") >= 0
          ? stream.lastIndexOf("event: message_stop") : stream.lastIndexOf("data: [DONE]") : stream.length();
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
          + chunk(stream.substring(0, split))).onComplete(v -> upstreamVertx.setTimer(40, id -> socket.write(
              (split < stream.length() ? chunk(stream.substring(split)) : "") + "0\r\n\r\n")));
    });
    h = GatewayHarness.start("""
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - { name: o, protocol: openai, url: "http://127.0.0.1:%1$d", discoverWindow: off, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
          - { name: a, protocol: anthropic, url: "http://127.0.0.1:%1$d", discoverWindow: off, models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ] }
        agents: [ { name: gpt, backend: o, model: gpt-4o }, { name: claude, backend: a, model: claude-sonnet-4-5 } ]
        routes:
          - { name: claude, match: { protocol: anthropic }, agents: [claude] }
          - { name: gpt, match: {}, agents: [gpt] }
        """.formatted(port));
  }

  static String chunk(String text) {
    return Integer.toHexString(text.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + text + "\r\n";
  }

  @AfterEach
  void stop() {
    if (h != null) h.close();
    upstreamVertx.close().await();
  }

  /** Sends one streamed request on a raw socket, reads until {@code end} appears, then closes at once. */
  static String streamUntilEndThenClose(int port, String path, String body, String sessionId, String end) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = s.getOutputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
          + "anthropic-version: 2023-06-01\r\nx-session-id: " + sessionId + "\r\ncontent-length: " + bytes.length
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      for (int n; (n = in.read(buf)) > 0; ) {
        seen.write(buf, 0, n);
        if (seen.toString(StandardCharsets.UTF_8).contains(end)) return seen.toString(StandardCharsets.UTF_8);
      }
      return seen.toString(StandardCharsets.UTF_8);
    } // closed right here, with the chunked stream's terminator possibly still unread
  }

  JsonArray storedMessages(String sessionId) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + sessionId);
    assertEquals(200, r.statusCode(), sessionId + ": " + r.body());
    return new JsonObject(r.body()).getJsonArray("messages");
  }

  @Test
  void everyTurnOfAClientThatClosesRightAfterTheEndEventIsAlreadyStoredWhenItLeaves() throws Exception {
    for (int i = 0; i < 100; i++) {
      String openAiSession = "leaves-openai-" + i;
      String seen = streamUntilEndThenClose(h.port, "/v1/chat/completions", new JsonObject().put("model", "gpt-4o")
          .put("stream", true).put("messages", new JsonArray().add(new JsonObject().put("role", "user")
              .put("content", "question " + i))).encode(), openAiSession, "data: [DONE]");
      assertTrue(seen.contains("data: [DONE]"), seen);
      // read at once: the client saw the end, so the turn is stored already
      JsonArray stored = storedMessages(openAiSession);
      assertEquals(2, stored.size(), openAiSession + ": " + stored.encodePrettily());
      assertFalse(stored.getJsonObject(1).getBoolean("partial"), stored.encodePrettily());
      assertEquals("Hello world", stored.getJsonObject(1).getJsonObject("message").getString("content"),
          stored.encodePrettily());

      String anthropicSession = "leaves-anthropic-" + i;
      seen = streamUntilEndThenClose(h.port, "/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5")
          .put("max_tokens", 256).put("stream", true).put("messages", new JsonArray().add(new JsonObject()
              .put("role", "user").put("content", "question " + i))).encode(), anthropicSession, "message_stop");
      assertTrue(seen.contains("event: message_stop"), seen);
      stored = storedMessages(anthropicSession);
      assertEquals(2, stored.size(), anthropicSession + ": " + stored.encodePrettily());
      assertFalse(stored.getJsonObject(1).getBoolean("partial"), stored.encodePrettily());
    }
    assertEquals(0, h.events("session-unrecorded").size());
  }

  @Test
  void aClientThatLeavesAfterTheStopReasonButBeforeTheEndMarkerHasItsWholeAnswerStored() throws Exception {
    for (int i = 0; i < 20; i++) {
      String openAiSession = "stop-then-leave-openai-" + i;
      streamUntilEndThenClose(h.port, "/v1/chat/completions", new JsonObject().put("model", "gpt-4o").put("stream", true)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "slow end " + i)))
          .encode(), openAiSession, "\"finish_reason\":\"stop\"");
      String anthropicSession = "stop-then-leave-anthropic-" + i;
      streamUntilEndThenClose(h.port, "/v1/messages", new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 64)
          .put("stream", true).put("messages", new JsonArray().add(new JsonObject().put("role", "user")
              .put("content", "slow end " + i))).encode(), anthropicSession, "\"stop_reason\":\"end_turn\"");
      for (String session : new String[] {openAiSession, anthropicSession}) {
        // polled from another Vert.x: the condition makes blocking calls to the gateway
        Eventually.await(upstreamVertx, 5_000, session + " stored whole", () -> {
          try {
            JsonArray stored = storedMessages(session);
            return stored.size() == 2 && !stored.getJsonObject(1).getBoolean("partial");
          } catch (Exception e) {
            return false;
          }
        });
      }
    }
    assertTrue(h.events("answered").stream().anyMatch(e -> Boolean.TRUE.equals(e.fields().get("clientGone"))));
  }

  @Test
  void aStreamWithoutASessionStillEndsWithItsEndMarker() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode());
    assertEquals(200, r.statusCode());
    assertTrue(r.body().trim().endsWith("data: [DONE]"), r.body());
  }
}
