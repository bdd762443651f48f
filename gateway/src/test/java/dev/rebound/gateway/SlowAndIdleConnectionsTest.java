package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.RawClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and idle client connections, on raw sockets against short configured timeouts: a head that does not arrive
 * whole in time, a body that stops, an idle keep-alive connection are closed; a request being answered never is, however
 * long its upstream takes and whether or not bytes flow meanwhile.
 */
class SlowAndIdleConnectionsTest {
  static final Duration WITHIN = Duration.ofSeconds(5);
  static GatewayHarness h;
  static final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  static void start() {
    h = GatewayHarness.start("""
        server: { host: 127.0.0.1, port: 0, headerTimeout: 300ms, idleTimeout: 1s }
        backends:
          - name: local
            protocol: openai
            url: ${MOCK_URL}
            discoverWindow: off
            timeouts: { firstByte: 10s, idle: 10s, total: 60s }
            models: [ { name: gpt-4o, contextWindow: 128000 } ]
          - name: claude
            protocol: anthropic
            url: ${MOCK_URL}
            discoverWindow: off
            timeouts: { firstByte: 10s, idle: 10s, total: 60s }
            models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ]
        agents:
          - { name: a, backend: local, model: gpt-4o }
          - { name: c, backend: claude, model: claude-sonnet-4-5 }
        routes:
          - { name: claude, match: { protocol: anthropic }, agents: [c] }
          - { name: all, match: {}, agents: [a] }
        resilience: { retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1000 } }
        """);
  }

  @AfterAll
  static void stop() {
    pacer.shutdownNow();
    h.close();
  }

  static JsonObject openAiError(String received, int status) {
    assertTrue(received.startsWith("HTTP/1.1 " + status + " "), received);
    assertTrue(received.toLowerCase().contains("connection: close"), received);
    return new JsonObject(RawClient.body(received)).getJsonObject("error");
  }

  @Test
  void aClientTricklingItsHeadIsAnswered408AndClosedAtTheHeaderTimeoutThoughBytesKeepComing() {
    try (RawClient c = new RawClient(h.port)) {
      String head = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-pad: " + "a".repeat(1000);
      AtomicInteger sent = new AtomicInteger();
      AtomicBoolean writable = new AtomicBoolean(true);
      // one byte every 20 ms: never quiet long enough for a read-idle timeout, far too slow for a whole head
      var trickle = pacer.scheduleAtFixedRate(() -> {
        int i = sent.getAndIncrement();
        if (i < head.length() && writable.get()) writable.set(c.trySend(head.substring(i, i + 1)));
      }, 0, 20, TimeUnit.MILLISECONDS);
      try {
        String received = c.readUntilClosed(WITHIN);
        JsonObject err = openAiError(received, 408);
        assertEquals("request_timeout", err.getString("code"));
        assertTrue(err.getString("message").contains("300ms (server.headerTimeout)"), err.encode());
        assertTrue(sent.get() < head.length(), "closed while the head was still trickling in");
      } finally {
        trickle.cancel(false);
      }
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosedWithoutAWordAtTheHeaderTimeout() {
    try (RawClient c = new RawClient(h.port)) {
      assertEquals("", c.readUntilClosed(WITHIN));
    }
  }

  @Test
  void aRequestWhoseBodyStopsArrivingIsAnswered408InItsProtocolAfterTheIdleTimeout() {
    try (RawClient c = new RawClient(h.port)) {
      String received = c.send("POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
          + "content-length: 100\r\n\r\n{\"model\":").readUntilClosed(WITHIN);
      assertTrue(received.startsWith("HTTP/1.1 408 "), received);
      JsonObject body = new JsonObject(RawClient.body(received));
      assertEquals("error", body.getString("type"));
      assertTrue(body.getJsonObject("error").getString("message").contains("server.idleTimeout"), received);
    }
  }

  @Test
  void anIdleKeepAliveConnectionServesTheNextRequestThenIsClosedAfterTheIdleTimeout() {
    try (RawClient c = new RawClient(h.port)) {
      assertTrue(c.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n").readResponse(WITHIN).startsWith("HTTP/1.1 200 "));
      assertTrue(c.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n").readResponse(WITHIN).startsWith("HTTP/1.1 200 "),
          "the connection is kept between requests");
      long answered = System.nanoTime();
      assertEquals("", c.readUntilClosed(WITHIN), "closed without a word once idle");
      // idle for the idle timeout (1 s), not the header timeout (300 ms) the connection's first wait had
      long idleMs = (System.nanoTime() - answered) / 1_000_000;
      assertTrue(idleMs >= 900, "closed after " + idleMs + " ms idle");
    }
  }

  @Test
  void aStreamWhoseUpstreamIsSilentLongerThanBothTimeoutsIsNotCut() throws Exception {
    // no byte reaches the client for 2.5 s (the keep-alive interval is 10 s): longer than the header and idle timeouts
    fault("silent-start", new JsonObject().put("delayMs", 2500));
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"silent-start\"}]}");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
  }

  @Test
  void aStreamThatStallsMidwayLongerThanTheIdleTimeoutIsNotCut() throws Exception {
    fault("stall-midway", new JsonObject().put("stallAfterChunks", 2).put("stallMs", 2500));
    HttpResponse<String> r = h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"stall-midway\"}]}", "anthropic-version", "2023-06-01");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("event: message_stop"), r.body());
    assertTrue(!r.body().contains("event: error"), r.body());
  }

  @Test
  void aWholeAnswerSlowerThanTheIdleTimeoutIsNotCut() throws Exception {
    fault("slow-answer", new JsonObject().put("delayMs", 2500));
    HttpResponse<String> r = h.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"slow-answer\"}]}");
    assertEquals(200, r.statusCode(), r.body());
  }

  static void fault(String contains, JsonObject f) {
    h.mock.addFaults(new JsonArray().add(f.put("match", new JsonObject().put("contains", contains))));
  }
}
