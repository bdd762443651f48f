package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayProcess;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Promise 1, from outside: 50 streaming sessions talk to the gateway as its own process while it is killed with
 * SIGKILL several times (the last time right after the last turn completed) and started again. Every turn a client saw
 * end ([DONE]) is in the store afterwards, once, with the whole history before it and one "turn N complete" checkpoint
 * per turn, in order: on the embedded store and on Redis.
 */
class KilledGatewayKeepsTurnsTest {
  static final int SESSIONS = 50;
  static final int TURNS = 6;

  final Vertx vertx = Vertx.vertx();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final AtomicInteger completed = new AtomicInteger();
  Process gateway;
  Process redis;

  @AfterEach
  void stop() {
    if (gateway != null) gateway.destroyForcibly();
    if (redis != null) redis.destroyForcibly();
    vertx.close().await();
  }

  void restart(Path config, Path log, String base) throws Exception {
    gateway.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no flush
    gateway = GatewayProcess.start(config, log, "-Xmx256m");
    GatewayProcess.awaitUp(vertx, base, "the gateway to answer again");
  }

  /** One client: six streamed turns, each retried (whole, as real clients do) until the client has seen its end. */
  List<JsonObject> converse(String base, String session) throws Exception {
    List<JsonObject> history = new ArrayList<>();
    for (int turn = 1; turn <= TURNS; turn++) {
      history.add(new JsonObject().put("role", "user").put("content", session + " asks question " + turn));
      String body = new JsonObject().put("model", "gpt-4o").put("stream", true).put("messages", new JsonArray(history)).encode();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (true) {
        assertTrue(System.nanoTime() < deadline, session + " could not complete turn " + turn);
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
              .timeout(Duration.ofSeconds(20)).header("content-type", "application/json").header("x-session-id", session)
              .header("x-mock-reply-words", "24").header("x-mock-chunk-delay-ms", "8")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
          String text = r.statusCode() == 200 ? streamedText(r.body()) : null;
          if (text != null) {
            history.add(new JsonObject().put("role", "assistant").put("content", text));
            completed.incrementAndGet();
            break;
          }
        } catch (java.io.IOException e) {
          // the gateway is down or the stream was cut: ask again, as a client would
        }
        Thread.sleep(50); // a client's pause before asking again; the gateway's restart is what it waits for
      }
    }
    return history;
  }

  /** The answer's text if the stream ended with [DONE] (the client saw it complete), else null. */
  static String streamedText(String sse) {
    if (!sse.contains("data: [DONE]")) return null;
    StringBuilder text = new StringBuilder();
    for (String line : sse.split("\n")) {
      if (!line.startsWith("data: {")) continue;
      JsonObject chunk = new JsonObject(line.substring(6));
      JsonArray choices = chunk.getJsonArray("choices");
      if (choices == null || choices.isEmpty()) continue;
      String piece = choices.getJsonObject(0).getJsonObject("delta", new JsonObject()).getString("content");
      if (piece != null) text.append(piece);
    }
    return text.toString();
  }

  void awaitCompleted(int n) {
    Eventually.await(vertx, 120_000, n + " completed turns", () -> completed.get() >= n);
  }

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"embedded", "redis"})
  void everyTurnAClientSawCompleteSurvivesKillNineOnceAndInOrder(String store, @TempDir Path dir) throws Exception {
    MockLlmServer mock = new MockLlmServer(vertx, MockLlmOptions.defaults());
    int mockPort = mock.start().await();
    int port = TestRedis.freePort();
    String storeConfig;
    if (store.equals("redis")) {
      int redisPort = TestRedis.freePort();
      redis = TestRedis.start(vertx, redisPort, Files.createDirectories(dir.resolve("redis")), false);
      storeConfig = TestRedis.storeConfig(redisPort);
    } else {
      storeConfig = "store: { type: embedded, path: \"" + dir.resolve("data") + "\" }\n";
    }
    Path config = dir.resolve("rebound.yaml");
    Files.writeString(config, """
        server: { host: 127.0.0.1, port: %d }
        backends:
          - { name: mock, protocol: openai, url: "http://127.0.0.1:%d", discoverWindow: off, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
        agents:
          - { name: assistant, backend: mock, model: gpt-4o }
        routes:
          - { name: default, match: {}, agents: [assistant] }
        """.formatted(port, mockPort) + storeConfig);
    String base = "http://127.0.0.1:" + port;
    Path log = dir.resolve("gateway.log");
    gateway = GatewayProcess.start(config, log, "-Xmx256m");
    GatewayProcess.awaitUp(vertx, base, "the gateway to answer");

    ExecutorService clients = Executors.newFixedThreadPool(SESSIONS);
    List<Future<List<JsonObject>>> conversations = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      String session = store + "-kill-" + i;
      conversations.add(clients.submit(() -> converse(base, session)));
    }
    int kills = 0;
    for (int at : new int[] {SESSIONS, SESSIONS * 5 / 2, SESSIONS * 4}) {
      awaitCompleted(at);
      restart(config, log, base);
      kills++;
    }
    List<List<JsonObject>> histories = new ArrayList<>();
    for (Future<List<JsonObject>> c : conversations) histories.add(c.get(180, TimeUnit.SECONDS));
    clients.shutdown();
    // the last kill comes right after the last client saw its last [DONE]
    restart(config, log, base);
    kills++;

    int missing = 0;
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      String session = store + "-kill-" + i;
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/sessions/" + session)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        missing += TURNS;
        problems.add(session + ": " + r.statusCode());
        continue;
      }
      JsonArray stored = new JsonObject(r.body()).getJsonArray("messages");
      // each turn once, numbered in order, however often it was asked again around the kills
      List<String> complete = TurnNumbersTest.completeReasons(new JsonObject(r.body()));
      if (!complete.equals(TurnNumbersTest.numbered(TURNS))) {
        problems.add(session + ": checkpoints " + TurnNumbersTest.reasons(new JsonObject(r.body())));
      }
      List<JsonObject> expected = histories.get(i);
      List<String> seen = new ArrayList<>();
      for (int m = 0; m < stored.size(); m++) {
        JsonObject s = stored.getJsonObject(m);
        if (s.getBoolean("partial", false)) continue;
        JsonObject msg = s.getJsonObject("message");
        seen.add(msg.getString("role") + ": " + msg.getString("content"));
      }
      List<String> want = expected.stream().map(m -> m.getString("role") + ": " + m.getString("content")).toList();
      if (!seen.equals(want)) {
        long kept = want.stream().filter(seen::contains).filter(w -> w.startsWith("assistant")).count();
        missing += TURNS - kept;
        problems.add(session + ": stored " + seen + "\n  client saw " + want);
      }
    }
    assertEquals(SESSIONS * TURNS, completed.get());
    assertEquals(4, kills);
    assertEquals(0, missing, "completed turns missing after " + kills + " kills; " + problems.size()
        + " sessions differ:\n" + String.join("\n", problems.subList(0, Math.min(5, problems.size()))));
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }
}
