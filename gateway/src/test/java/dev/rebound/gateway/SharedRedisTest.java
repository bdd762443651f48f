package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two gateways on one Redis, as behind a load balancer: each one's idea of a session can go out of date. */
class SharedRedisTest {
  final Vertx poller = Vertx.vertx();
  Process redis;
  GatewayHarness a;
  GatewayHarness b;

  @AfterEach
  void stop() {
    if (a != null) a.close();
    if (b != null) b.close();
    if (redis != null) redis.destroyForcibly();
    poller.close().await();
  }

  @Test
  void aGatewayNeverWritesIntoASessionThatAnotherDeletedAndStartedAgainUnderTheSameId(@TempDir Path dir)
      throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(poller, port, dir, false);
    a = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(),
        Clock.systemUTC());
    b = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(),
        Clock.systemUTC());

    JsonArray old = new JsonArray();
    turn(a, old, "old 1");
    turn(a, old, "old 2");
    // through the other gateway: the session is deleted and a new conversation takes its id, reaching the same version
    var deleted = b.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(b.base() + "/admin/sessions/shared"))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, deleted.statusCode(), deleted.body());
    poller.timer(5).await(); // a creation time of its own (milliseconds)
    JsonArray fresh = new JsonArray();
    turn(b, fresh, "new 1");
    turn(b, fresh, "new 2");
    // (one write per turn: each turn's question is stored with its answer)
    assertEquals(2L, meta(b).getLong("version"), "the new session has the version the first gateway last saw");

    // the first gateway's client goes on with the old conversation
    turn(a, old, "old 3");

    List<String> stored = contents(a, "shared");
    assertEquals(List.of("old 1", "old 2", "old 3"), IntStream.range(0, stored.size()).filter(i -> i % 2 == 0)
        .mapToObj(stored::get).toList(), "the session continues the old conversation, unmixed: " + stored);
    JsonArray sessions = new JsonObject(a.get("/admin/sessions").body()).getJsonArray("sessions");
    String fork = sessions.stream().map(s -> ((JsonObject) s).getString("id")).filter(id -> id.startsWith("shared.fork-"))
        .findFirst().orElseThrow(() -> new AssertionError("the other conversation is kept as a fork: " + sessions));
    List<String> kept = contents(a, fork);
    assertEquals("new 1", kept.get(0));
    assertEquals("new 2", kept.get(2));
    assertTrue(a.events("fork").size() == 1, a.events.toString());
  }

  @Test
  void theSameTurnSentToTwoGatewaysAtOnceIsStoredOnceAndForksNothing(@TempDir Path dir) throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(poller, port, dir, false);
    a = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(),
        Clock.systemUTC());
    b = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(),
        Clock.systemUTC());
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      for (int pair = 0; pair < 20; pair++) {
        String session = "pair-" + pair;
        JsonArray history = new JsonArray();
        for (int turn = 1; turn <= 3; turn++) {
          history.add(new JsonObject().put("role", "user").put("content", session + " question " + turn));
          String body = new JsonObject().put("model", "gpt-4o").put("messages", history).encode();
          // a client retrying through another node behind a load balancer: both get the same turn at the same time
          var viaA = pool.submit(() -> a.post("/v1/chat/completions", body, "x-session-id", session));
          var viaB = pool.submit(() -> b.post("/v1/chat/completions", body, "x-session-id", session));
          HttpResponse<String> ra = viaA.get();
          HttpResponse<String> rb = viaB.get();
          assertEquals(200, ra.statusCode(), ra.body());
          assertEquals(200, rb.statusCode(), rb.body());
          history.add(new JsonObject((turn % 2 == 0 ? ra : rb).body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
        }
        List<String> stored = contents(a, session);
        assertEquals(history.stream().map(m -> ((JsonObject) m).getString("content")).toList(), stored,
            session + " holds each turn once");
      }
    } finally {
      pool.shutdown();
    }
    assertEquals(0, a.events("fork").size() + b.events("fork").size(), "forks: " + a.events("fork") + b.events("fork"));
    JsonArray sessions = new JsonObject(a.get("/admin/sessions?limit=100").body()).getJsonArray("sessions");
    assertEquals(20, sessions.size(), sessions.encodePrettily());
  }

  @Test
  void whatOneGatewayLearnsOfABackendEveryGatewayOnTheSameRedisKnowsWithinASecond(@TempDir Path dir) throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(poller, port, dir, false);
    String config = GatewayHarness.DEFAULT_CONFIG.replace("resilience: { retry: { baseDelay: 10ms }, breaker: { failureThreshold: 1000 } }",
        "resilience: { retry: { baseDelay: 10ms, maxAttempts: 1 }, waitBudget: 8s, breaker: { failureThreshold: 5, firstProbeAfter: 3s, halfOpenCalls: 1 } }")
        + TestRedis.storeConfig(port);
    a = GatewayHarness.start(config, MockLlmOptions.defaults(), Clock.systemUTC());
    b = GatewayHarness.start(config, MockLlmOptions.defaults(), Clock.systemUTC());
    GatewayHarness c = GatewayHarness.start(config, MockLlmOptions.defaults(), Clock.systemUTC());
    try {
      poller.timer(300).await(); // every gateway has subscribed
      // A hears a 429 that says to come back in 20 s
      a.fault(new JsonObject().put("match", new JsonObject().put("contains", "throttled")).put("times", 1).put("status", 429)
          .put("headers", new JsonObject().put("retry-after", "20"))
          .put("body", "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"));
      assertEquals(429, a.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"throttled\"}]}").statusCode());
      long t0 = System.nanoTime(); // A knew it before it answered; the time A's own cold request took is not the share's
      for (GatewayHarness other : List.of(b, c)) {
        Eventually.await(poller, 1_000, "the cooldown heard by every gateway",
            () -> other.gateway.health().of("mock-openai").coolingUntil() != null);
      }
      long heardMs = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(heardMs < 1_000, "heard after " + heardMs + " ms");
      assertTrue(b.gateway.health().of("mock-openai").coolingUntil().isAfter(java.time.Instant.now().plusSeconds(15)));

      // A's breaker opens on five failing requests: B and C stay away too
      a.fault(new JsonObject().put("match", new JsonObject().put("contains", "broken")).put("times", 5).put("status", 500));
      for (int i = 1; i <= 5; i++) {
        a.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"broken " + i + "\"}]}",
            "anthropic-version", "2023-06-01");
      }
      assertEquals("OPEN", a.gateway.health().of("mock-anthropic").state().name());
      for (GatewayHarness other : List.of(b, c)) {
        Eventually.await(poller, 1_000, "the open breaker heard by every gateway",
            () -> other.gateway.health().of("mock-anthropic").state() == dev.rebound.gateway.recovery.BackendHealth.State.OPEN);
        assertTrue(other.events("breaker").get(0).reason().startsWith("another gateway"), other.events("breaker").toString());
      }
      assertEquals(0, b.upstreamRequests().size() + c.upstreamRequests().size(), "B and C learned it without a request");

      // when the breaker is due, one gateway probes, not three: the probe takes a second, and meanwhile nobody else asks
      int before = a.upstreamRequests().size();
      for (GatewayHarness g : List.of(a, b, c)) {
        g.fault(new JsonObject().put("match", new JsonObject().put("contains", "probe")).put("times", 1).put("delayMs", 1000));
      }
      poller.timer(3_100).await(); // firstProbeAfter
      java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(3);
      List<java.util.concurrent.Future<HttpResponse<String>>> asked = new java.util.ArrayList<>();
      for (GatewayHarness g : List.of(a, b, c)) {
        asked.add(clients.submit(() -> g.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"probe\"}]}", "anthropic-version", "2023-06-01")));
      }
      java.util.function.IntSupplier sent = () -> a.upstreamRequests().size() - before + b.upstreamRequests().size()
          + c.upstreamRequests().size();
      Eventually.await(poller, 5_000, "the probe", () -> sent.getAsInt() >= 1);
      poller.timer(500).await(); // the probe is still in flight
      assertEquals(1, sent.getAsInt(), "one probe while the backend is half-open");
      for (var r : asked) assertEquals(200, r.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode());
      clients.shutdown();
      for (GatewayHarness g : List.of(a, b, c)) {
        assertEquals(dev.rebound.gateway.recovery.BackendHealth.State.CLOSED, g.gateway.health().of("mock-anthropic").state());
      }
    } finally {
      c.close();
    }
  }

  private static void turn(GatewayHarness h, JsonArray history, String text) throws Exception {
    history.add(new JsonObject().put("role", "user").put("content", text));
    HttpResponse<String> r = h.post("/v1/chat/completions",
        new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", "shared");
    assertEquals(200, r.statusCode(), r.body());
    history.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
  }

  private static JsonObject meta(GatewayHarness h) throws Exception {
    return new JsonObject(h.get("/admin/sessions/shared").body()).getJsonObject("meta");
  }

  private static List<String> contents(GatewayHarness h, String id) throws Exception {
    JsonArray messages = new JsonObject(h.get("/admin/sessions/" + id).body()).getJsonArray("messages");
    return messages.stream().map(m -> ((JsonObject) m).getJsonObject("message").getString("content")).toList();
  }
}
