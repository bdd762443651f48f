package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.MutableClock;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * /health is liveness; /ready says whether every route has an agent that can serve, and flips when a route's only
 * backend goes away and when it comes back.
 */
class ReadinessTest {
  /** Route solo has one agent on a backend of its own; route chat has the harness's mock. */
  static String config(int lonePort) {
    return """
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - { name: shared, protocol: openai, url: "${MOCK_URL}", models: [ { name: gpt-4o, contextWindow: 128000 } ] }
          - { name: lone, protocol: openai, url: "http://127.0.0.1:%d", discoverWindow: off,
              timeouts: { connect: 1s }, models: [ { name: solo-model, contextWindow: 128000 } ] }
        agents:
          - { name: main, backend: shared, model: gpt-4o }
          - { name: only, backend: lone, model: solo-model }
        routes:
          - { name: solo, match: { model: "solo" }, agents: [only] }
          - { name: chat, match: {}, agents: [main] }
        # a refused connection is waited out for the wait budget: keep it short here
        resilience: { retry: { baseDelay: 10ms }, waitBudget: 300ms, breaker: { failureThreshold: 3 } }
        """.formatted(lonePort);
  }

  GatewayHarness h;
  MockLlmServer lone;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  MockLlmServer startLone(int port) {
    MockLlmServer m = new MockLlmServer(h.vertx, MockLlmOptions.defaults().withPort(port));
    m.start().await();
    return m;
  }

  JsonObject ready(int status) throws Exception {
    HttpResponse<String> r = h.get("/ready");
    assertEquals(status, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  HttpResponse<String> solo() throws Exception {
    return h.post("/v1/chat/completions", "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }

  static JsonObject named(JsonArray list, String name) {
    return list.stream().map(o -> (JsonObject) o).filter(o -> name.equals(o.getString("name"))).findFirst().orElseThrow();
  }

  @Test
  void readyFlipsWhenARoutesOnlyBackendStopsAnsweringAndBackWhenItListensAgain() throws Exception {
    int port = TestRedis.freePort();
    h = GatewayHarness.start(config(port));
    lone = startLone(port);
    assertEquals(200, solo().statusCode());
    JsonObject up = ready(200);
    assertEquals("ready", up.getString("status"));
    assertEquals(new JsonArray(), up.getJsonArray("unservedRoutes"));
    assertEquals(true, named(up.getJsonArray("backends"), "lone").getBoolean("reachable"));
    assertEquals("CLOSED", named(up.getJsonArray("backends"), "lone").getString("breaker"));

    lone.stop().await();
    HttpResponse<String> refused = solo();
    assertEquals(502, refused.statusCode(), refused.body());
    JsonObject down = ready(503);
    assertEquals("not-ready", down.getString("status"));
    assertEquals(new JsonArray().add("solo"), down.getJsonArray("unservedRoutes"));
    JsonObject loneBackend = named(down.getJsonArray("backends"), "lone");
    assertEquals(false, loneBackend.getBoolean("reachable"));
    assertTrue(loneBackend.getString("lastError").contains("refused"), loneBackend.encode());
    JsonObject soloRoute = named(down.getJsonArray("routes"), "solo");
    assertEquals(false, soloRoute.getBoolean("ready"));
    assertTrue(soloRoute.getString("why").startsWith("only: backend 'lone' is unreachable"), soloRoute.encode());
    assertEquals(true, named(down.getJsonArray("routes"), "chat").getBoolean("ready"), "the other route still serves");
    assertEquals(200, h.get("/health").statusCode(), "liveness is not readiness");
    String metrics = h.get("/metrics").body();
    assertTrue(metrics.contains("rebound_backend_reachable{backend=\"lone\"} 0.0"), metrics);

    // the backend listens again: readiness finds it without a request having to try
    lone = startLone(port);
    JsonObject back = ready(200);
    assertEquals("ready", back.getString("status"));
    assertEquals(true, named(back.getJsonArray("backends"), "lone").getBoolean("reachable"));
    assertEquals(200, solo().statusCode());
    lone.stop().await();
  }

  @Test
  void anOpenBreakerKeepsItsRoutesNotReadyUntilItsNextProbeIsDue() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    int port = TestRedis.freePort();
    h = GatewayHarness.start(config(port).replace("retry: { baseDelay: 10ms }", "retry: { baseDelay: 10ms, maxAttempts: 1 }"),
        MockLlmOptions.defaults(), clock);
    lone = startLone(port);
    lone.addFaults(new JsonArray().add(new JsonObject().put("match", new JsonObject().put("contains", "hi"))
        .put("times", 3).put("status", 500)));
    for (int i = 0; i < 3; i++) {
      assertEquals(500, h.post("/v1/chat/completions",
          "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi " + i + "\"}]}").statusCode());
    }
    JsonObject open = ready(503);
    assertEquals("OPEN", named(open.getJsonArray("backends"), "lone").getString("breaker"));
    assertEquals(true, named(open.getJsonArray("backends"), "lone").getBoolean("reachable"), "it answered, with errors");
    assertTrue(named(open.getJsonArray("routes"), "solo").getString("why").contains("breaker of backend 'lone' is open"),
        open.encode());

    clock.advance(Duration.ofSeconds(3));
    JsonObject probing = ready(200);
    assertEquals("HALF_OPEN", named(probing.getJsonArray("backends"), "lone").getString("breaker"));
    lone.stop().await();
  }
}
