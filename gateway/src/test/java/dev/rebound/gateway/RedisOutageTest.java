package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis goes away during traffic and comes back: no client request fails, /ready says degraded meanwhile, and the
 * turns written during the outage land in Redis, in order, once it is back.
 */
class RedisOutageTest {
  GatewayHarness h;
  Process redis;
  final io.vertx.core.Vertx poller = io.vertx.core.Vertx.vertx();

  @AfterEach
  void stop() {
    if (h != null) h.close();
    if (redis != null) redis.destroyForcibly();
    poller.close().await();
  }

  /** Append-only, so a restart keeps what it had. */
  Process startRedis(int port, Path dir) throws Exception {
    return TestRedis.start(poller, port, dir, true);
  }

  void turn(JsonArray history, int n) throws Exception {
    history.add(new JsonObject().put("role", "user").put("content", "turn " + n));
    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o").put("messages", history).encode(),
        "x-session-id", "outage-1");
    assertEquals(200, r.statusCode(), "turn " + n + ": " + r.body());
    history.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
  }

  @Test
  void turnsServedWhileRedisIsDownLandInRedisWhenItIsBack(@TempDir Path dir) throws Exception {
    int port = TestRedis.freePort();
    redis = startRedis(port, dir);
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port),
        MockLlmOptions.defaults(), Clock.systemUTC());
    JsonArray history = new JsonArray();
    for (int n = 1; n <= 3; n++) turn(history, n);
    assertEquals("ready", new JsonObject(h.get("/ready").body()).getString("status"));

    redis.destroyForcibly().waitFor();
    for (int n = 4; n <= 6; n++) turn(history, n);
    assertEquals("degraded", new JsonObject(h.get("/ready").body()).getString("status"));

    redis = startRedis(port, dir);
    Eventually.await(h.vertx, 20_000, "the queued writes to land", () -> h.gateway.store().queued() == 0 && !h.gateway.store().degraded());
    JsonObject session = new JsonObject(h.get("/admin/sessions/outage-1").body());
    assertEquals(6, session.getJsonObject("meta").getInteger("turns"), session.encodePrettily());
    JsonArray messages = session.getJsonArray("messages");
    assertEquals(12, messages.size());
    for (int n = 1; n <= 6; n++) {
      assertEquals("turn " + n, messages.getJsonObject(2 * (n - 1)).getJsonObject("message").getString("content"));
    }
    assertEquals(0L, h.gateway.store().dropped());
    String metrics = h.get("/metrics").body();
    assertEquals(true, metrics.contains("rebound_store_dropped_writes_total 0") && metrics.contains("rebound_store_degraded 0"), metrics);
    assertEquals(true, metrics.contains("rebound_decisions_total{type=\"checkpoint\"}"), metrics);
  }

  @Test
  void aGatewayStartsAndServesWhileRedisIsDown() throws Exception {
    int port = TestRedis.freePort();
    long t0 = System.nanoTime();
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port),
        MockLlmOptions.defaults(), Clock.systemUTC());
    assertEquals(true, (System.nanoTime() - t0) / 1_000_000 < 10_000, "startup must not wait for Redis");
    JsonArray history = new JsonArray();
    turn(history, 1);
    JsonObject ready = new JsonObject(h.get("/ready").body());
    assertEquals("degraded", ready.getString("status"));
    assertEquals(false, ready.getJsonObject("store").getBoolean("reachable"));
  }

  /** One turn of a session, as a client does it: the whole history, then the answer added to it. */
  void turn(String session, JsonArray history, int n) throws Exception {
    history.add(new JsonObject().put("role", "user").put("content", session + " turn " + n));
    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "gpt-4o").put("messages", history).encode(),
        "x-session-id", session);
    assertEquals(200, r.statusCode(), session + " turn " + n + ": " + r.body());
    history.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
  }

  void turns(JsonArray[] histories, int fromSession, int toSession, int fromTurn, int toTurn) throws Exception {
    java.util.List<java.util.concurrent.CompletableFuture<Void>> running = new java.util.ArrayList<>();
    for (int s = fromSession; s < toSession; s++) {
      int session = s;
      running.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          for (int n = fromTurn; n <= toTurn; n++) turn("outage-" + session, histories[session], n);
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      }, pool));
    }
    for (var f : running) f.join();
  }

  final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(20);

  @Test
  void sessionsBegunDuringAnOutageAndSessionsWhoseRedisCameBackEmptyAreStoredWholeAndOnce(@TempDir Path dir) throws Exception {
    int port = TestRedis.freePort();
    redis = TestRedis.start(poller, port, dir, false); // no persistence: it comes back empty
    h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port),
        MockLlmOptions.defaults(), Clock.systemUTC());
    JsonArray[] histories = new JsonArray[20];
    for (int s = 0; s < 20; s++) histories[s] = new JsonArray();
    turns(histories, 0, 10, 1, 2); // ten sessions begin while Redis is up

    redis.destroyForcibly().waitFor();
    turns(histories, 0, 10, 3, 4); // ten go on while it is down: every client is served
    turns(histories, 10, 20, 1, 4); // and ten begin

    redis = TestRedis.start(poller, port, dir, false); // back, without anything it had
    Eventually.await(poller, 30_000, "the queued writes to land", () -> h.gateway.store().queued() == 0 && !h.gateway.store().degraded());
    turns(histories, 0, 20, 5, 6);

    for (int s = 0; s < 20; s++) {
      JsonObject session = new JsonObject(h.get("/admin/sessions/outage-" + s).body());
      JsonArray stored = session.getJsonArray("messages");
      java.util.List<String> seen = new java.util.ArrayList<>();
      for (int m = 0; m < stored.size(); m++) {
        JsonObject msg = stored.getJsonObject(m).getJsonObject("message");
        seen.add(msg.getString("role") + ": " + msg.getString("content"));
      }
      java.util.List<String> want = new java.util.ArrayList<>();
      for (int m = 0; m < histories[s].size(); m++) {
        JsonObject msg = histories[s].getJsonObject(m);
        want.add(msg.getString("role") + ": " + msg.getString("content"));
      }
      assertEquals(want, seen, "session outage-" + s + " is stored whole, once, beginning with its first question");
    }
    assertEquals(0L, h.gateway.store().dropped());
    pool.shutdown();
  }
}
