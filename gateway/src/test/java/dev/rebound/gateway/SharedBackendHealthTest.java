package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.recovery.BackendHealth;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.gateway.testing.TestRedisCluster;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three gateways in front of one upstream, sharing backend health through one Redis, and through a 3-master Redis
 * Cluster the test starts itself: what one learns the others know within a second, one of them probes a due breaker,
 * they pace one request budget together, and they weigh each other's requests in flight.
 */
class SharedBackendHealthTest {
  static final Vertx poller = Vertx.vertx();
  static Path dir;
  static Process redis;
  static int redisPort;
  static TestRedisCluster cluster;
  static int run;

  final List<GatewayHarness> gateways = new ArrayList<>();
  final ExecutorService clients = Executors.newFixedThreadPool(8);

  @BeforeAll
  static void startRedis() throws Exception {
    dir = Files.createTempDirectory("rebound-shared-");
    Files.createDirectories(dir.resolve("one"));
    Files.createDirectories(dir.resolve("cluster"));
    redisPort = TestRedis.freePort();
    redis = TestRedis.start(poller, redisPort, dir.resolve("one"), false);
    cluster = TestRedisCluster.start(poller, 3, dir.resolve("cluster"));
  }

  @AfterAll
  static void stopRedis() {
    if (cluster != null) cluster.close();
    if (redis != null) redis.destroyForcibly();
    poller.close().await();
  }

  @AfterEach
  void stopGateways() {
    clients.shutdownNow();
    for (GatewayHarness g : gateways) {
      try {
        g.close();
      } catch (RuntimeException e) {
        // one the test killed already
      }
    }
  }

  /**
   * Three gateways on {@code store}, each with one agent on one backend (named anew for each test: the lanes and
   * claims in Redis of an earlier test are not this one's); B and C send to A's mock-llm, so there is one upstream.
   */
  List<GatewayHarness> three(String store, String resilience) {
    String backend = "up" + (++run);
    String storeConfig = store.equals("cluster") ? cluster.storeConfig() : TestRedis.storeConfig(redisPort);
    String config = """
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - { name: %s, protocol: openai, url: "${MOCK_URL}", discoverWindow: off, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
        agents: [ { name: solo, backend: %s, model: gpt-4o } ]
        routes: [ { name: all, match: {}, agents: [solo] } ]
        resilience: %s
        """.formatted(backend, backend, resilience) + storeConfig;
    GatewayHarness a = GatewayHarness.start(config, MockLlmOptions.defaults(), Clock.systemUTC());
    gateways.add(a);
    for (int i = 0; i < 2; i++) {
      gateways.add(GatewayHarness.start(config.replace("${MOCK_URL}", a.mockUrl()), MockLlmOptions.defaults(), Clock.systemUTC()));
    }
    for (GatewayHarness g : gateways) {
      Eventually.await(poller, 3_000, "each gateway hears the other two", () -> g.gateway.gatewaysSharing() == 3);
    }
    return gateways;
  }

  static String ask(String text) {
    return "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
  }

  static String backend(GatewayHarness g) {
    return g.config.backends().get(0).name();
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "cluster"})
  void aRateLimitWithATwentySecondResetSeenByOneGatewayCoolsTheBackendOnTheOtherTwoWithinASecond(String store)
      throws Exception {
    List<GatewayHarness> g = three(store, "{ retry: { baseDelay: 10ms, maxAttempts: 1 }, waitBudget: 5s }");
    GatewayHarness a = g.get(0);
    a.fault(new JsonObject().put("match", new JsonObject().put("contains", "throttled")).put("times", 1).put("status", 429)
        .put("headers", new JsonObject().put("retry-after", "20"))
        .put("body", "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"));
    long t0 = System.nanoTime();
    assertEquals(429, a.post("/v1/chat/completions", ask("throttled")).statusCode());
    for (GatewayHarness other : g.subList(1, 3)) {
      Eventually.await(poller, 1_000, "the cooldown heard", () -> other.gateway.health().of(backend(other)).coolingUntil() != null);
    }
    long heardMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println(store + ": a 20 s cooldown seen by A is on B and C " + heardMs + " ms after A's client got its 429");
    for (GatewayHarness other : g.subList(1, 3)) {
      assertTrue(other.gateway.health().of(backend(other)).coolingUntil().isAfter(java.time.Instant.now().plusSeconds(18)));
    }
    assertEquals(1, a.upstreamRequests().size(), "B and C learned it without sending anything");
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "cluster"})
  void aHalfOpenBackendGetsOneProbeFromThreeGatewaysNotThree(String store) throws Exception {
    List<GatewayHarness> g = three(store, "{ retry: { baseDelay: 10ms, maxAttempts: 1 }, waitBudget: 8s, "
        + "breaker: { failureThreshold: 5, firstProbeAfter: 1s, halfOpenCalls: 1 } }");
    GatewayHarness a = g.get(0);
    a.fault(new JsonObject().put("match", new JsonObject().put("contains", "broken")).put("times", 5).put("status", 500));
    for (int i = 1; i <= 5; i++) a.post("/v1/chat/completions", ask("broken " + i));
    assertEquals(BackendHealth.State.OPEN, a.gateway.health().of(backend(a)).state());
    for (GatewayHarness other : g.subList(1, 3)) {
      Eventually.await(poller, 1_000, "the open breaker heard",
          () -> other.gateway.health().of(backend(other)).state() == BackendHealth.State.OPEN);
    }
    // the probe takes a second: meanwhile nobody else may send
    a.fault(new JsonObject().put("match", new JsonObject().put("contains", "probe")).put("times", 1).put("delayMs", 1000));
    int before = a.upstreamRequests().size();
    List<Future<HttpResponse<String>>> asked = new ArrayList<>();
    for (GatewayHarness gw : g) asked.add(clients.submit(() -> gw.post("/v1/chat/completions", ask("probe"))));
    Eventually.await(poller, 5_000, "the probe", () -> a.upstreamRequests().size() > before);
    poller.timer(600).await(); // the probe is still in flight
    assertEquals(1, a.upstreamRequests().size() - before, "one probe while the backend is half-open");
    for (Future<HttpResponse<String>> r : asked) assertEquals(200, r.get(20, TimeUnit.SECONDS).statusCode());
    assertEquals(before + 3, a.upstreamRequests().size(), "the other two went after the probe succeeded");
    for (GatewayHarness gw : g) assertEquals(BackendHealth.State.CLOSED, gw.gateway.health().of(backend(gw)).state());
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "cluster"})
  void threeGatewaysPaceOneRequestBudgetTogetherSoTheUpstreamSeesNo429(String store) throws Exception {
    List<GatewayHarness> g = three(store, "{ retry: { baseDelay: 10ms }, waitBudget: 20s }");
    g.get(0).mock.rateLimit(10, 2_000);
    long t0 = System.nanoTime();
    List<CompletableFuture<List<Integer>>> running = new ArrayList<>();
    for (GatewayHarness gw : g) {
      for (int c = 0; c < 2; c++) {
        running.add(CompletableFuture.supplyAsync(() -> {
          List<Integer> statuses = new ArrayList<>();
          for (int i = 0; i < 5; i++) {
            try {
              statuses.add(gw.post("/v1/chat/completions", ask("budget")).statusCode());
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
          return statuses;
        }, clients));
      }
    }
    for (CompletableFuture<List<Integer>> c : running) assertEquals(List.of(200, 200, 200, 200, 200), c.get(60, TimeUnit.SECONDS));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    JsonArray seen = g.get(0).upstreamRequests();
    List<Integer> statuses = seen.stream().map(o -> ((JsonObject) o).getInteger("status")).toList();
    long paced = g.stream().mapToLong(gw -> gw.events("pace").size()).sum();
    System.out.println(store + ": 30 requests from 3 gateways on a budget of 10 per 2 s: " + tookMs + " ms, upstream "
        + "statuses " + statuses + ", " + paced + " paced");
    assertFalse(statuses.contains(429), () -> "the upstream never had to refuse: " + seen.encode() + "; the gateways paced "
        + g.stream().map(gw -> gw.events("pace").toString()).toList());
    assertEquals(30, statuses.size(), "one upstream call per request");
    for (GatewayHarness gw : g) assertFalse(gw.events("pace").isEmpty(), "every gateway paced its own traffic");
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "cluster"})
  void requestsInFlightOnOneGatewayCountOnTheOthersWithinASecondAndNoLongerOnceItDies(String store) throws Exception {
    List<GatewayHarness> g = three(store, "{ retry: { baseDelay: 10ms } }");
    GatewayHarness a = g.get(0);
    GatewayHarness b = g.get(1);
    a.fault(new JsonObject().put("match", new JsonObject().put("contains", "slow")).put("times", 3).put("delayMs", 20_000));
    for (int i = 0; i < 3; i++) {
      String body = ask("slow " + i);
      clients.submit(() -> a.post("/v1/chat/completions", body));
    }
    Eventually.await(poller, 5_000, "A's three requests in flight", () -> inFlight(a) == 3);
    long t0 = System.nanoTime();
    for (GatewayHarness other : g.subList(1, 3)) {
      Eventually.await(poller, 1_000, "the others count A's requests", () -> inFlight(other) == 3);
    }
    System.out.println(store + ": A's requests in flight counted on B and C after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    // A counts a request just before its bytes leave: the mock may log the last of them a moment later
    Eventually.await(poller, 5_000, "A's three requests at the upstream", () -> a.upstreamRequests().size() >= 3);
    assertEquals(3, a.upstreamRequests().size(), "B and C sent nothing: what they count is A's");

    // A dies without a word (its Vert.x is gone, its requests with it): B stops counting them
    gateways.remove(a);
    a.vertx.close().await();
    t0 = System.nanoTime();
    Eventually.await(poller, 5_000, "B forgets the dead gateway's requests", () -> inFlight(b) == 0);
    System.out.println(store + ": a dead gateway's requests no longer counted after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    Eventually.await(poller, 5_000, "B and C count two gateways", () -> b.gateway.gatewaysSharing() == 2);
  }

  static int inFlight(GatewayHarness g) {
    try {
      JsonObject backends = new JsonObject(g.get("/admin/backends").body());
      return backends.getJsonArray("agents").getJsonObject(0).getInteger("inFlight");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
