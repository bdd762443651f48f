package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The measurements of issue 16, taken from outside: the gateway runs as its own process ({@code serve --config}) in
 * front of mock-llm fault scripts, and clients talk to it over sockets as they would in production.
 *
 * <p>Real time cannot be injected into another process, so the durations of the scenarios are the scaled by
 * {@code -Drebound.scenarioScale} (default 0.2: an outage of 4 s for the 20 s, a first byte silent for 7 s
 * for its 35 s, keep-alives after 2 s for its 10 s, a client timing out at 6 s for its 30 s); {@code 1} runs them at
 * full length.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecoveryScenariosInAProcessTest {
  static final double SCALE = Double.parseDouble(System.getProperty("rebound.scenarioScale", "0.2"));
  static final Duration OUTAGE = scaled(20);
  static final Duration SILENT_FIRST_BYTE = scaled(35);
  static final Duration FIRST_BYTE_KEEP_ALIVE = scaled(10);
  static final Duration CLIENT_READ_TIMEOUT = scaled(30);

  final Vertx vertx = Vertx.vertx();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final ExecutorService clients = Executors.newFixedThreadPool(8);
  MockLlmServer mock;
  int flakyPort;
  Process gateway;
  String base;
  Path log;

  static Duration scaled(long seconds) {
    return Duration.ofMillis(Math.round(seconds * 1000 * SCALE));
  }

  @BeforeAll
  void start() throws Exception {
    Path dir = Files.createTempDirectory("rebound-scenarios-");
    mock = new MockLlmServer(vertx, MockLlmOptions.defaults());
    int mockPort = mock.start().await();
    flakyPort = TestRedis.freePort();
    int port = TestRedis.freePort();
    Path config = dir.resolve("rebound.yaml");
    String mockUrl = "http://127.0.0.1:" + mockPort;
    Files.writeString(config, """
        server: { host: 127.0.0.1, port: %d }
        store: { type: embedded, path: "%s" }
        tenants:
          - { name: alpha, keys: ["key-alpha"] }
          - { name: beta, keys: ["key-beta"] }
        backends:
          - { name: claude-api, protocol: anthropic, url: "%s", discoverWindow: off, models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ] }
          - { name: openai-api, protocol: openai, url: "%s", discoverWindow: off, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
          - { name: flaky-api, protocol: openai, url: "http://127.0.0.1:%d", discoverWindow: off, models: [ { name: gpt-4o-mini, contextWindow: 128000 } ] }
        agents:
          - { name: claude, backend: claude-api, model: claude-sonnet-4-5 }
          - { name: gpt, backend: openai-api, model: gpt-4o }
          - { name: flaky, backend: flaky-api, model: gpt-4o-mini }
        routes:
          - { name: claude, match: { protocol: anthropic }, agents: [claude] }
          - { name: flaky, match: { model: gpt-4o-mini }, agents: [flaky] }
          - { name: gpt, match: {}, agents: [gpt] }
        resilience: { firstByteKeepAlive: %dms, keepAliveInterval: %dms }
        """.formatted(port, dir.resolve("data"), mockUrl, mockUrl, flakyPort, FIRST_BYTE_KEEP_ALIVE.toMillis(),
        Math.max(100, FIRST_BYTE_KEEP_ALIVE.toMillis() / 2)));
    base = "http://127.0.0.1:" + port;
    log = dir.resolve("gateway.log");
    gateway = GatewayProcess.start(config, log);
    GatewayProcess.awaitUp(vertx, base, "the gateway process to answer");
  }

  @AfterAll
  void stop() {
    clients.shutdownNow();
    if (gateway != null) gateway.destroyForcibly();
    vertx.close().await();
  }

  HttpResponse<String> post(String key, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).timeout(Duration.ofSeconds(60))
        .header("content-type", "application/json").header("authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String chat(String model, String text) {
    return new JsonObject().put("model", model).put("messages", new JsonArray().add(new JsonObject().put("role", "user")
        .put("content", text))).encode();
  }

  JsonObject backend(String name) throws Exception {
    JsonObject all = new JsonObject(http.send(HttpRequest.newBuilder(URI.create(base + "/admin/backends")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    return all.getJsonArray("backends").stream().map(o -> (JsonObject) o).filter(b -> name.equals(b.getString("backend")))
        .findFirst().orElseThrow();
  }

  @Test
  void throughFiveOverloadsAClientWithoutRetriesIsAnsweredNoLaterThanOneRetryingOnItsOwnDirect() throws Exception {
    MessageCreateParams ask = MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(64)
        .addUserMessage("five-529 please").build();
    JsonObject fault = new JsonObject().put("match", new JsonObject().put("contains", "five-529")).put("times", 5)
        .put("status", 529).put("body", new JsonObject().put("type", "error").put("error", new JsonObject()
            .put("type", "overloaded_error").put("message", "Overloaded")));

    mock.addFaults(new JsonArray().add(fault));
    long t0 = System.nanoTime();
    // Claude Code's way when it talks to the provider itself: the SDK's own backoff
    AnthropicOkHttpClient.builder().baseUrl(mock.baseUrl()).apiKey("k").maxRetries(5).timeout(Duration.ofSeconds(60))
        .build().messages().create(ask);
    long directMs = (System.nanoTime() - t0) / 1_000_000;

    mock.addFaults(new JsonArray().add(fault));
    t0 = System.nanoTime();
    AnthropicOkHttpClient.builder().baseUrl(base).apiKey("key-alpha").maxRetries(0).timeout(Duration.ofSeconds(60))
        .build().messages().create(ask);
    long gatewayMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("five 529s: through the gateway process " + gatewayMs + " ms without client retries; direct with"
        + " the SDK's 5 retries " + directMs + " ms");
    assertTrue(gatewayMs <= directMs, "through the gateway " + gatewayMs + " ms, direct " + directMs + " ms");
    assertEquals("CLOSED", backend("claude-api").getString("breaker"), "one request's overloads open no breaker");
  }

  @Test
  void anUpstreamDownForAWhileAnswersTheFirstRequestAfterItReturnsWithinTwoSeconds() throws Exception {
    MockLlmServer before = new MockLlmServer(vertx, MockLlmOptions.defaults().withPort(flakyPort));
    before.start().await();
    assertEquals(200, post("key-alpha", chat("gpt-4o-mini", "up")).statusCode());
    before.stop().await(); // down: connections are refused
    long down = System.nanoTime();
    List<Future<HttpResponse<String>>> waiting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String body = chat("gpt-4o-mini", "during the outage " + i);
      waiting.add(clients.submit(() -> post("key-beta", body)));
    }
    vertx.timer(OUTAGE.toMillis()).await();
    MockLlmServer back = new MockLlmServer(vertx, MockLlmOptions.defaults().withPort(flakyPort));
    back.start().await();
    long returned = System.nanoTime();
    try {
      HttpResponse<String> first = post("key-alpha", chat("gpt-4o-mini", "right after the return"));
      long firstMs = (System.nanoTime() - returned) / 1_000_000;
      assertEquals(200, first.statusCode(), first.body());
      long lastMs = 0;
      for (Future<HttpResponse<String>> w : waiting) {
        HttpResponse<String> r = w.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        lastMs = Math.max(lastMs, (System.nanoTime() - returned) / 1_000_000);
      }
      System.out.println("an upstream down " + (returned - down) / 1_000_000 + " ms: the first request after its return"
          + " answered " + firstMs + " ms after it, the requests that waited through the outage " + lastMs + " ms after it");
      assertTrue(firstMs < 2_000, "the first request after the return took " + firstMs + " ms");
      assertTrue(lastMs < 2_000, "the waiting requests were answered " + lastMs + " ms after the return");
    } finally {
      back.stop().await();
    }
  }

  @Test
  void oneTenantsBadRequestsDoNotOpenTheBreakerForAnother() throws Exception {
    mock.addFaults(new JsonArray().add(new JsonObject().put("match", new JsonObject().put("contains", "malformed"))
        .put("times", -1).put("status", 500)
        .put("body", new JsonObject().put("error", new JsonObject().put("message", "Internal server error").put("type", "server_error")))));
    int before = upstreamFailures("malformed");
    assertEquals(200, post("key-beta", chat("gpt-4o", "beta's first question")).statusCode());
    // tenant beta's clients go on with their work meanwhile
    java.util.concurrent.atomic.AtomicBoolean storm = new java.util.concurrent.atomic.AtomicBoolean(true);
    Future<List<Integer>> beta = clients.submit(() -> {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; storm.get() || i < 3; i++) statuses.add(post("key-beta", chat("gpt-4o", "beta's question " + i)).statusCode());
      return statuses;
    });
    // tenant alpha's client sends seven malformed requests, each three times: 21, each breaking the upstream
    List<Future<HttpResponse<String>>> bad = new ArrayList<>();
    for (int i = 0; i < 21; i++) {
      String body = chat("gpt-4o", "malformed " + (i % 7));
      bad.add(clients.submit(() -> post("key-alpha", body)));
    }
    for (Future<HttpResponse<String>> r : bad) assertEquals(500, r.get(60, TimeUnit.SECONDS).statusCode());
    storm.set(false);
    List<Integer> served = beta.get(60, TimeUnit.SECONDS);
    int failures = upstreamFailures("malformed") - before;
    System.out.println("one tenant's malformed requests: " + failures + " upstream 500s; the other tenant's " + served.size()
        + " requests meanwhile: " + served.stream().distinct().toList() + ", breaker " + backend("openai-api").getString("breaker"));
    assertTrue(failures >= 21, "the upstream failed " + failures + " times");
    assertEquals(List.of(200), served.stream().distinct().toList(), "the other tenant was served throughout");
    assertEquals("CLOSED", backend("openai-api").getString("breaker"));
  }

  int upstreamFailures(String marker) {
    return (int) mock.requests().stream().map(o -> (JsonObject) o)
        .filter(q -> q.encode().contains(marker) && Integer.valueOf(500).equals(q.getInteger("status"))).count();
  }

  @Test
  void aStreamWhoseUpstreamIsSilentBeforeItsFirstByteKeepsTheClientAliveThenGetsTheWholeAnswer() throws Exception {
    String body = new JsonObject().put("model", "gpt-4o").put("stream", true).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "prefill a long prompt"))).encode();
    String expected = text(lines(mock.baseUrl(), body, "none").lines());
    mock.addFaults(new JsonArray().add(new JsonObject().put("match", new JsonObject().put("contains", "prefill"))
        .put("times", 1).put("delayMs", SILENT_FIRST_BYTE.toMillis())));
    Streamed s = lines(base, body, "key-alpha");
    List<String> all = s.lines();
    int firstData = all.indexOf(all.stream().filter(l -> l.startsWith("data: {")).findFirst().orElseThrow());
    long keepAlives = all.subList(0, firstData).stream().filter(l -> l.equals(": keep-alive")).count();
    System.out.println("an upstream silent " + SILENT_FIRST_BYTE.toMillis() + " ms before its first byte: " + keepAlives
        + " keep-alives first, the longest the client waited for a byte " + s.longestGapMs() + " ms (its timeout "
        + CLIENT_READ_TIMEOUT.toMillis() + " ms), " + s.totalMs() + " ms in all");
    assertTrue(keepAlives >= 2, "keep-alives before the answer: " + all);
    assertTrue(s.longestGapMs() < CLIENT_READ_TIMEOUT.toMillis(), "the client waited " + s.longestGapMs() + " ms for a byte");
    assertTrue(s.totalMs() >= SILENT_FIRST_BYTE.toMillis(), "the upstream was silent that long");
    assertEquals(expected, text(all), "the whole answer");
    assertEquals("data: [DONE]", all.stream().filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElseThrow());
  }

  record Streamed(List<String> lines, long longestGapMs, long totalMs) {}

  Streamed lines(String url, String body, String key) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions")).timeout(Duration.ofSeconds(60))
        .header("content-type", "application/json").header("authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    long t0 = System.nanoTime();
    HttpResponse<Stream<String>> r = http.send(request, HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    List<String> lines = new ArrayList<>();
    long[] last = {t0};
    long[] gap = {(System.nanoTime() - t0) / 1_000_000};
    try (Stream<String> s = r.body()) {
      s.forEach(l -> {
        long now = System.nanoTime();
        gap[0] = Math.max(gap[0], (now - last[0]) / 1_000_000);
        last[0] = now;
        lines.add(l);
      });
    }
    return new Streamed(lines, gap[0], (System.nanoTime() - t0) / 1_000_000);
  }

  /** The answer's text, put together from its chunks. */
  static String text(List<String> lines) {
    StringBuilder out = new StringBuilder();
    for (String l : lines) {
      if (!l.startsWith("data: {")) continue;
      JsonArray choices = new JsonObject(l.substring(6)).getJsonArray("choices", new JsonArray());
      for (Object c : choices) {
        JsonObject delta = ((JsonObject) c).getJsonObject("delta", new JsonObject());
        if (delta.getString("content") != null) out.append(delta.getString("content"));
      }
    }
    return out.toString();
  }
}
