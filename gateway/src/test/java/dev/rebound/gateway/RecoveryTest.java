package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.MutableClock;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request succeeds whenever some agent can serve it within the wait budget, and fails clearly when none can:
 * against scripted mock-llm faults, through real sockets, with the official SDKs (no SDK retries) as clients.
 */
class RecoveryTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - { name: primary, protocol: openai, url: "${MOCK_URL}", apiKey: k1, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
        - { name: secondary, protocol: openai, url: "${MOCK_URL}", apiKey: k2, models: [ { name: gpt-4o-mini, contextWindow: 128000 } ] }
        - { name: claude-api, protocol: anthropic, url: "${MOCK_URL}", apiKey: k3, models: [ { name: claude-sonnet-4-5, contextWindow: 200000 }, { name: mock-small, contextWindow: 4096 } ] }
        - { name: small-api, protocol: openai, url: "${MOCK_URL}", apiKey: k4, models: [ { name: mock-small, contextWindow: 4096 } ] }
      agents:
        - { name: main, backend: primary, model: gpt-4o }
        - { name: backup, backend: secondary, model: gpt-4o-mini }
        - { name: claude, backend: claude-api, model: claude-sonnet-4-5 }
        - { name: tiny, backend: small-api, model: mock-small }
        - { name: tiny-claude, backend: claude-api, model: mock-small }
      routes:
        - { name: chat, match: { model: "gpt-*" }, agents: [main, backup] }
        - { name: solo, match: { model: "solo" }, agents: [main] }
        - { name: small-first, match: { model: "small-first" }, agents: [tiny, main] }
        - { name: small-only, match: { model: "small-only" }, agents: [tiny-claude] }
        - { name: claude, match: { protocol: anthropic }, agents: [claude] }
      resilience:
        retry: { baseDelay: 10ms }
        keepAliveInterval: 200ms
        breaker: { failureThreshold: 5, window: 60s, resetTimeout: 30s, halfOpenCalls: 1 }
      """;

  GatewayHarness h;

  GatewayHarness start() {
    h = GatewayHarness.start(CONFIG);
    return h;
  }

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  OpenAIClient openAi() {
    return OpenAIOkHttpClient.builder().baseUrl(h.base() + "/v1").apiKey("client").maxRetries(0)
        .timeout(Duration.ofSeconds(60)).build();
  }

  AnthropicClient anthropic() {
    return AnthropicOkHttpClient.builder().baseUrl(h.base()).apiKey("client").maxRetries(0)
        .timeout(Duration.ofSeconds(60)).build();
  }

  static ChatCompletionCreateParams chat(String model, String text) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(text).build();
  }

  static MessageCreateParams message(String text) {
    return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(300).addUserMessage(text).build();
  }

  static JsonObject fault(String contains) {
    return new JsonObject().put("match", new JsonObject().put("contains", contains));
  }

  static JsonObject rateLimitBody() {
    return new JsonObject().put("error", new JsonObject().put("message", "Rate limit reached for gpt-4o on requests per min (RPM): Limit 3, Used 3, Requested 1.")
        .put("type", "requests").put("param", null).put("code", "rate_limit_exceeded"));
  }

  @Test
  void twoRateLimitsWithRetryAfterAreWaitedOutAndTheThirdCallSucceeds() {
    start().fault(fault("two-429s").put("times", 2).put("status", 429).put("body", rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "1")));
    long t0 = System.nanoTime();
    HttpResponseFor<ChatCompletion> r = openAi().chat().completions().withRawResponse().create(chat("gpt-4o", "two-429s"));
    long waitedMs = (System.nanoTime() - t0) / 1_000_000;
    assertFalse(r.parse().choices().isEmpty());
    assertTrue(waitedMs >= 2000, "waited only " + waitedMs + " ms");
    assertEquals(3, h.upstreamRequests().size());
    h.upstreamRequests().forEach(q -> assertEquals("gpt-4o", ((JsonObject) q).getJsonObject("body").getString("model")));
    assertEquals(List.of("3"), r.headers().values("x-rebound-attempts"));
    assertEquals(List.of("retried-after-429:2"), r.headers().values("x-rebound-recovery"));
    assertEquals(List.of("main"), r.headers().values("x-rebound-agent"));
    assertEquals(2, h.events("wait").size());
    assertTrue(h.events("wait").get(0).reason().contains("the server asked to wait 1s"), h.events("wait").toString());
  }

  @Test
  void azureRetryAfterMsIsHonoured() throws Exception {
    start().fault(fault("azure").put("status", 429).put("body", rateLimitBody())
        .put("headers", new JsonObject().put("retry-after-ms", "600").put("x-ms-retry-after-ms", "600")));
    long t0 = System.nanoTime();
    HttpResponse<String> r = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"azure\"}]}");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(ms >= 600, "waited " + ms + " ms; the server asked for 600 ms");
    assertEquals(2, h.upstreamRequests().size());
  }

  @Test
  void anthropicOverloaded529IsRetriedTransparently() {
    start().fault(fault("busy-529").put("status", 529));
    Message m = anthropic().messages().create(message("busy-529"));
    assertFalse(m.content().isEmpty());
    assertEquals(2, h.upstreamRequests().size());
    assertEquals("OVERLOADED", h.events("failure").get(0).fields().get("kind"));
  }

  /** Each header's values as the client received them (the Vert.x client keeps repeated headers apart). */
  io.vertx.core.MultiMap relayedHeaders(String path, String body, int status) {
    io.vertx.core.http.HttpClient c = h.vertx.createHttpClient();
    try {
      io.vertx.core.http.HttpClientResponse r = c.request(io.vertx.core.http.HttpMethod.POST, h.port, "127.0.0.1", path)
          .compose(req -> req.putHeader("content-type", "application/json").putHeader("anthropic-version", "2023-06-01")
              .putHeader("x-session-id", "relayed-" + status).send(body).compose(resp -> resp.body().map(b -> resp)))
          .await();
      assertEquals(status, r.statusCode());
      return r.headers();
    } finally {
      c.close().await();
    }
  }

  @Test
  void aRelayedUpstreamErrorCarriesEachReboundHeaderOnce() {
    // a short wait budget: the 529s never stop, and with no other agent the gateway would outlast them for minutes
    h = GatewayHarness.start(CONFIG.replace("keepAliveInterval: 200ms", "keepAliveInterval: 200ms\n  waitBudget: 300ms"));
    h.fault(fault("bad-400").put("times", -1).put("status", 400).put("body", new JsonObject().put("error",
        new JsonObject().put("message", "Invalid value for 'temperature'.").put("type", "invalid_request_error")
            .put("param", "temperature").put("code", null))));
    h.fault(fault("busy-529").put("times", -1).put("status", 529).put("headers", new JsonObject().put("retry-after", "0")));
    io.vertx.core.MultiMap bad = relayedHeaders("/v1/chat/completions",
        "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"bad-400\"}]}", 400);
    io.vertx.core.MultiMap busy = relayedHeaders("/v1/messages",
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"busy-529\"}]}", 529);
    for (String name : List.of("x-rebound-agent", "x-rebound-route", "x-rebound-attempts", "x-rebound-session")) {
      assertEquals(1, bad.getAll(name).size(), name + " on the relayed 400: " + bad.getAll(name));
      assertEquals(1, busy.getAll(name).size(), name + " on the relayed 529: " + busy.getAll(name));
    }
    assertTrue(Integer.parseInt(busy.get("x-rebound-attempts")) >= 3, busy.getAll("x-rebound-attempts").toString());
    assertEquals(1, busy.getAll("x-rebound-recovery").size(), busy.getAll("x-rebound-recovery").toString());
    assertEquals(1, busy.getAll("retry-after").size(), busy.getAll("retry-after").toString());
    assertEquals(1, busy.getAll("content-type").size(), busy.getAll("content-type").toString());
  }

  @Test
  void insufficientQuotaMovesToTheNextAgentWithoutWaiting() throws Exception {
    start().fault(fault("quota").put("match", new JsonObject().put("contains", "quota").put("model", "gpt-4o"))
        .put("status", 429).put("body", new JsonObject().put("error", new JsonObject()
            .put("message", "You exceeded your current quota, please check your plan and billing details.")
            .put("type", "insufficient_quota").put("param", null).put("code", "insufficient_quota"))));
    long t0 = System.nanoTime();
    HttpResponse<String> r = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"quota\"}]}");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("backup", r.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("fell-back-after-quota-exhausted:1", r.headers().firstValue("x-rebound-recovery").orElseThrow());
    assertTrue(h.events("wait").isEmpty(), "no wait on a quota stop");
    assertTrue(ms < 1500, "took " + ms + " ms");
    JsonArray seen = h.upstreamRequests();
    assertEquals(List.of("gpt-4o", "gpt-4o-mini"),
        seen.stream().map(q -> ((JsonObject) q).getJsonObject("body").getString("model")).toList());
  }

  @Test
  void aWaitLongerThanTheBudgetFailsFastWithRetryAfterInTheClientsShape() throws Exception {
    start().fault(fault("budget").put("times", -1).put("status", 429).put("body", rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "200")));
    long t0 = System.nanoTime();
    HttpResponse<String> r = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"budget\"}]}");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(429, r.statusCode(), r.body());
    assertEquals("200", r.headers().firstValue("retry-after").orElseThrow());
    assertTrue(new JsonObject(r.body()).getJsonObject("error").getString("message").contains("Rate limit"), r.body());
    assertTrue(ms < 3000, "it must not wait 200 s: " + ms + " ms");
    assertEquals(2, h.upstreamRequests().size(), "one try on each agent");
    assertTrue(h.events("give-up").size() == 1);
    assertEquals(GatewayEvent.Severity.WARNING, h.events("give-up").get(0).severity(), "a client got an error: a warning");
    assertTrue(h.events("retry").stream().allMatch(e -> e.severity() == GatewayEvent.Severity.INFO), "retries are info");
  }

  @Test
  void theBreakerOpensAfterFiveFailingRequestsAndTellsTheClientTheRealTimeToItsNextProbe() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    // a wait budget too short to wait for the probe: the client is told when to come back instead
    h = GatewayHarness.start(CONFIG.replace("retry: { baseDelay: 10ms }", "retry: { baseDelay: 10ms, maxAttempts: 1 }\n  waitBudget: 1s"),
        MockLlmOptions.defaults(), clock);
    h.fault(fault("breaker").put("times", 5).put("status", 500));
    // each answer is the upstream's own 500, relayed in the client's shape after the one attempt allowed
    for (int i = 1; i <= 5; i++) {
      String body = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"breaker " + i + "\"}]}";
      assertEquals(500, h.post("/v1/chat/completions", body).statusCode());
    }
    assertEquals(1, h.events("breaker").size());
    assertEquals("OPEN", h.events("breaker").get(0).fields().get("to"));

    String body = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"breaker again\"}]}";
    HttpResponse<String> refused = h.post("/v1/chat/completions", body);
    assertEquals(503, refused.statusCode(), refused.body());
    assertEquals("circuit_open", new JsonObject(refused.body()).getJsonObject("error").getString("code"));
    assertEquals("2", refused.headers().firstValue("retry-after").orElseThrow(), "the first probe comes in seconds");
    assertEquals(5, h.upstreamRequests().size(), "an open breaker sends nothing upstream");

    clock.advance(Duration.ofSeconds(2));
    assertEquals(200, h.post("/v1/chat/completions", body).statusCode());
    assertEquals(List.of("OPEN", "HALF_OPEN", "CLOSED"), h.events("breaker").stream().map(e -> e.fields().get("to")).toList());
    assertEquals(List.of(GatewayEvent.Severity.WARNING, GatewayEvent.Severity.INFO, GatewayEvent.Severity.INFO),
        h.events("breaker").stream().map(GatewayEvent::severity).toList(), "only the opening is a warning");
  }

  @Test
  void aRequestWithNoOtherAgentWaitsForTheBreakersProbeInsteadOfFailingFast() throws Exception {
    h = GatewayHarness.start(CONFIG.replace("retry: { baseDelay: 10ms }", "retry: { baseDelay: 10ms, maxAttempts: 1 }")
        .replace("resetTimeout: 30s", "resetTimeout: 30s, firstProbeAfter: 1s"));
    h.fault(fault("probe-wait").put("times", 5).put("status", 500));
    for (int i = 1; i <= 5; i++) {
      h.post("/v1/chat/completions", "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"probe-wait " + i + "\"}]}");
    }
    assertEquals("OPEN", h.events("breaker").get(0).fields().get("to"));
    long t0 = System.nanoTime();
    HttpResponse<String> r = h.post("/v1/chat/completions", "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"probe-wait 6\"}]}");
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(List.of("OPEN", "HALF_OPEN", "CLOSED"), h.events("breaker").stream().map(e -> e.fields().get("to")).toList());
    GatewayEvent wait = h.events("wait").stream().filter(e -> e.reason().contains("next probe")).findFirst()
        .orElseThrow(() -> new AssertionError(h.events("wait").toString()));
    // the wait is counted from the breaker's opening, so a slow host shortens it: compare with what the gateway said
    long waitMs = ((Number) wait.fields().get("waitMs")).longValue();
    assertTrue(waitMs > 0 && waitMs <= 1_001, "the wait is the time left to the probe: " + waitMs + " ms");
    assertTrue(tookMs >= waitMs && tookMs < 5_000, "waited " + waitMs + " ms for the probe, then was it: " + tookMs + " ms");
  }

  @Test
  void oneClientsRequestThatKeepsBreakingTheBackendDoesNotOpenItsBreakerForOthers() throws Exception {
    h = GatewayHarness.start(CONFIG);
    // the same malformed request, sent again and again, breaks the upstream every time
    h.fault(fault("poison").put("times", 30).put("status", 500));
    String poison = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"poison\"}]}";
    for (int i = 0; i < 7; i++) assertEquals(500, h.post("/v1/chat/completions", poison).statusCode());
    assertEquals(0, h.events("breaker").size(), "retries and resends of one request count once");
    assertEquals(200, h.post("/v1/chat/completions", "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"fine\"}]}").statusCode());
  }

  @Test
  void aServerErrorThatBlamesTheInputIsTheRequestsFaultNotTheBackends() throws Exception {
    h = GatewayHarness.start(CONFIG);
    h.fault(fault("bad-template").put("times", 20).put("status", 500)
        .put("body", "{\"error\":{\"message\":\"Jinja template error: Conversation roles must alternate user/assistant\",\"type\":\"server_error\"}}"));
    for (int i = 1; i <= 6; i++) {
      HttpResponse<String> r = h.post("/v1/chat/completions",
          "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"bad-template " + i + "\"}]}");
      assertEquals(500, r.statusCode(), r.body());
    }
    assertEquals(6, h.upstreamRequests().size(), "not retried: it fails the same way anywhere");
    assertEquals(0, h.events("breaker").size());
    assertTrue(h.events("failure").stream().allMatch(e -> "INVALID_REQUEST".equals(e.fields().get("kind"))), h.events("failure").toString());
  }

  /** Lines of a streamed answer with the milliseconds at which each arrived. */
  record Line(long atMs, String text) {}

  /** The head of the last streamLines answer. */
  java.net.http.HttpHeaders streamHead;

  List<Line> streamLines(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(h.base() + path)).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    long t0 = System.nanoTime();
    HttpResponse<Stream<String>> r = h.http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, r.statusCode());
    streamHead = r.headers();
    List<Line> lines = new ArrayList<>();
    try (Stream<String> s = r.body()) {
      s.forEach(l -> lines.add(new Line((System.nanoTime() - t0) / 1_000_000, l)));
    }
    return lines;
  }

  @Test
  void aStreamingClientGetsKeepAliveCommentsWhileTheGatewayWaits() throws Exception {
    start().fault(fault("keepalive").put("status", 429).put("body", rateLimitBody()).put("headers", new JsonObject().put("retry-after", "1")));
    List<Line> lines = streamLines("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"keepalive\"}]}");
    long keepAlives = lines.stream().filter(l -> l.text().equals(": keep-alive")).count();
    int firstData = lines.stream().filter(l -> l.text().startsWith("data: {")).findFirst().map(lines::indexOf).orElseThrow();
    assertTrue(keepAlives >= 3, "keep-alives: " + keepAlives + " in " + lines);
    assertTrue(lines.subList(0, firstData).stream().anyMatch(l -> l.text().equals(": keep-alive")), "they come before the answer");
    assertEquals("data: [DONE]", lines.stream().filter(l -> !l.text().isEmpty()).reduce((a, b2) -> b2).orElseThrow().text());
    // the first keep-alive sent the head: it already tells of the retry under way
    assertEquals("retried-after-429:1", streamHead.firstValue("x-rebound-recovery").orElse(null));
  }

  @Test
  void aStreamingClientHearsKeepAlivesWhileASlowUpstreamHasNotSentItsFirstByte() throws Exception {
    h = GatewayHarness.start(CONFIG.replace("keepAliveInterval: 200ms", "keepAliveInterval: 200ms\n  firstByteKeepAlive: 300ms"));
    // a local server prefilling a long prompt: nothing at all for 1.5 s, then the answer
    h.fault(fault("prefill").put("times", 1).put("delayMs", 1500));
    List<Line> lines = streamLines("/v1/chat/completions",
        "{\"model\":\"solo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"prefill\"}]}");
    int firstData = lines.stream().filter(l -> l.text().startsWith("data: {")).findFirst().map(lines::indexOf).orElseThrow();
    List<Line> before = lines.subList(0, firstData).stream().filter(l -> l.text().equals(": keep-alive")).toList();
    assertTrue(before.size() >= 3, "keep-alives before the first byte: " + lines);
    assertTrue(before.get(0).atMs() < 1000, "the first one after firstByteKeepAlive, not after the upstream: " + before);
    assertEquals("data: [DONE]", lines.stream().filter(l -> !l.text().isEmpty()).reduce((a, b2) -> b2).orElseThrow().text());
    assertEquals(1, h.upstreamRequests().size(), "one upstream exchange, not retried");
  }

  @Test
  void aFailureAfterKeepAlivesBeforeTheFirstByteReachesTheClientAsTheStreamsErrorEvent() throws Exception {
    h = GatewayHarness.start(CONFIG.replace("retry: { baseDelay: 10ms }", "retry: { baseDelay: 10ms, maxAttempts: 1 }")
        .replace("keepAliveInterval: 200ms", "keepAliveInterval: 200ms\n  firstByteKeepAlive: 300ms"));
    h.fault(fault("slow-fail").put("times", 1).put("delayMs", 1000).put("status", 400)
        .put("body", "{\"error\":{\"message\":\"bad request\",\"type\":\"invalid_request_error\"}}"));
    List<Line> lines = streamLines("/v1/chat/completions",
        "{\"model\":\"solo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"slow-fail\"}]}");
    assertTrue(lines.stream().anyMatch(l -> l.text().equals(": keep-alive")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.text().startsWith("data: {\"error\"")), "the protocol's error event: " + lines);
    assertFalse(lines.stream().anyMatch(l -> l.text().equals("data: [DONE]")), "never a clean-looking end: " + lines);
  }

  @Test
  void throughFiveOverloadsAClientWithoutRetriesIsAnsweredNoLaterThanOneThatRetriesOnItsOwnDirect() throws Exception {
    // a claude-only route: no other agent to fall back to, so only waiting helps
    h = GatewayHarness.start(CONFIG.replace("retry: { baseDelay: 10ms }", "retry: { baseDelay: 100ms }"));
    com.anthropic.models.messages.MessageCreateParams ask = SdkClientsThroughGatewayTest.message("claude-sonnet-4-5", "five-529");

    h.fault(fault("five-529").put("times", 5).put("status", 529));
    long t0 = System.nanoTime();
    // the SDK's own backoff, as Claude Code and the SDKs do when they talk to the provider directly
    com.anthropic.client.okhttp.AnthropicOkHttpClient.builder().baseUrl(h.mockUrl()).apiKey("k").maxRetries(5)
        .timeout(Duration.ofSeconds(30)).build().messages().create(ask);
    long directMs = (System.nanoTime() - t0) / 1_000_000;

    h.fault(fault("five-529").put("times", 5).put("status", 529));
    t0 = System.nanoTime();
    SdkClientsThroughGatewayTest.anthropic(h.base()).messages().create(ask); // maxRetries(0): the gateway does it all
    long gatewayMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("five 529s: through the gateway " + gatewayMs + " ms, direct with the SDK's retries " + directMs + " ms");
    assertTrue(gatewayMs <= directMs, "through the gateway " + gatewayMs + " ms, direct with retries " + directMs + " ms");
    assertEquals(0, h.events("breaker").size(), "one request's overloads do not open the breaker");
  }

  @Test
  void whenABackendComesBackEveryWaitingRequestIsAnsweredWithinTwoSecondsOfItsReturn() throws Exception {
    int downPort = TestRedis.freePort();
    h = GatewayHarness.start(CONFIG.replace("url: \"${MOCK_URL}\", apiKey: k1", "url: \"http://127.0.0.1:" + downPort + "\", apiKey: k1, discoverWindow: off"));
    dev.rebound.mockllm.MockLlmServer before = new dev.rebound.mockllm.MockLlmServer(h.vertx, MockLlmOptions.defaults().withPort(downPort));
    before.start().await();
    assertEquals(200, h.post("/v1/chat/completions", "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"up\"}]}").statusCode());
    before.stop().await(); // it goes away (a restart): connections are refused
    java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(6);
    List<java.util.concurrent.Future<HttpResponse<String>>> waiting = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String body = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"outage " + i + "\"}]}";
      waiting.add(clients.submit(() -> h.post("/v1/chat/completions", body)));
    }
    Eventually.await(h.vertx, 10_000, "the breaker to open on refused connections",
        () -> h.events("breaker").stream().anyMatch(e -> "OPEN".equals(e.fields().get("to"))));
    h.vertx.timer(3000).await(); // down for a while more
    dev.rebound.mockllm.MockLlmServer back = new dev.rebound.mockllm.MockLlmServer(h.vertx, MockLlmOptions.defaults().withPort(downPort));
    back.start().await();
    long returned = System.nanoTime();
    try {
      for (var w : waiting) {
        HttpResponse<String> r = w.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
      }
      long lastMs = (System.nanoTime() - returned) / 1_000_000;
      assertTrue(lastMs < 2_000, "every waiting request answered " + lastMs + " ms after the backend returned");
    } finally {
      clients.shutdown();
      back.stop().await();
    }
  }

  @Test
  void anAnthropicStreamingClientGetsPingsWhileTheGatewayWaits() throws Exception {
    start().fault(fault("pings").put("status", 529).put("headers", new JsonObject().put("retry-after", "1")));
    List<Line> lines = streamLines("/v1/messages",
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"pings\"}]}");
    int start = lines.stream().filter(l -> l.text().equals("event: message_start")).findFirst().map(lines::indexOf).orElseThrow();
    long pings = lines.subList(0, start).stream().filter(l -> l.text().equals("event: ping")).count();
    assertTrue(pings >= 3, "pings before message_start: " + pings);
    assertTrue(lines.stream().anyMatch(l -> l.text().equals("event: message_stop")));
  }

  static String openAiStreamText(OpenAIClient client, String text) {
    StringBuilder out = new StringBuilder();
    try (com.openai.core.http.StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat("gpt-4o", text))) {
      s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(out::append)));
    }
    return out.toString();
  }

  @Test
  void aStreamCutAfterThreeChunksIsContinuedIntoOneCompleteAnswer() {
    start();
    String expected = openAiStreamText(OpenAIOkHttpClient.builder().baseUrl(h.mockUrl() + "/v1").apiKey("x").maxRetries(0).build(),
        "please cut-after-3 this answer");
    h.mock.reset();
    h.fault(fault("cut-after-3").put("cutAfterChunks", 3));
    String got = openAiStreamText(openAi(), "please cut-after-3 this answer");
    assertEquals(expected, got);
    JsonArray seen = h.upstreamRequests();
    assertEquals(2, seen.size());
    JsonArray continuation = seen.getJsonObject(1).getJsonObject("body").getJsonArray("messages");
    assertEquals("assistant", continuation.getJsonObject(1).getString("role"));
    assertTrue(expected.startsWith(continuation.getJsonObject(1).getString("content")));
    assertEquals(1, h.events("failure").size());
    assertEquals("STREAM_CUT", h.events("failure").get(0).fields().get("kind"));
  }

  @Test
  void anAnthropicOverloadedEventMidStreamIsContinuedIntoOneCompleteAnswer() {
    start();
    AnthropicClient direct = AnthropicOkHttpClient.builder().baseUrl(h.mockUrl()).apiKey("x").maxRetries(0).build();
    String expected = anthropicStreamText(direct, "tell me about overloaded streams");
    h.mock.reset();
    h.fault(fault("overloaded streams").put("streamErrorAfterChunks", 4));
    List<String> types = new ArrayList<>();
    StringBuilder got = new StringBuilder();
    try (StreamResponse<RawMessageStreamEvent> s = anthropic().messages().createStreaming(message("tell me about overloaded streams"))) {
      s.stream().forEach(e -> {
        if (e.isMessageStart()) types.add("message_start");
        if (e.isMessageStop()) types.add("message_stop");
        e.contentBlockDelta().ifPresent(d -> {
          assertEquals(0L, d.index());
          d.delta().text().ifPresent(t -> got.append(t.text()));
        });
      });
    }
    assertEquals(expected, got.toString());
    assertEquals(List.of("message_start", "message_stop"), types, "one message, one end");
    JsonArray seen = h.upstreamRequests();
    assertEquals(2, seen.size());
    JsonObject prefill = seen.getJsonObject(1).getJsonObject("body").getJsonArray("messages").getJsonObject(1);
    assertEquals("assistant", prefill.getString("role"));
    assertEquals("OVERLOADED", h.events("failure").get(0).fields().get("kind"));
  }

  static String anthropicStreamText(AnthropicClient client, String text) {
    StringBuilder out = new StringBuilder();
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(message(text))) {
      s.stream().forEach(e -> e.contentBlockDelta().ifPresent(d -> d.delta().text().ifPresent(t -> out.append(t.text()))));
    }
    return out.toString();
  }

  @Test
  void aCutInsideToolCallArgumentsEndsTheStreamWithAnExplicitErrorEvent() throws Exception {
    start().fault(fault("weather").put("cutAfterChunks", 2));
    String body = """
        {"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"weather in Paris"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
           "properties":{"city":{"type":"string"},"unit":{"type":"string"}},"required":["city","unit"]}}}]}""";
    List<Line> lines = streamLines("/v1/chat/completions", body);
    List<String> data = lines.stream().map(Line::text).filter(t -> t.startsWith("data: ")).toList();
    assertTrue(data.get(0).contains("tool_calls"), data.toString());
    String last = data.get(data.size() - 1);
    assertTrue(last.startsWith("data: {\"error\""), last);
    assertTrue(last.contains("tool call"), last);
    assertFalse(data.contains("data: [DONE]"));
    assertEquals(1, h.upstreamRequests().size(), "no continuation was attempted");
  }

  @Test
  void aNonStreamAnswerCutMidBodyIsRetriedTransparently() throws Exception {
    start().fault(fault("half-body").put("cutAfterChunks", 1));
    HttpResponse<String> r = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"half-body\"}]}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("chat.completion", new JsonObject(r.body()).getString("object"));
    assertEquals(2, h.upstreamRequests().size());
  }

  @Test
  void anInvalidRequestIsNotRetriedAndNoRecoveryHeaderIsSentWhenNothingHappened() throws Exception {
    start();
    HttpResponse<String> ok = h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"fine\"}]}");
    assertEquals(200, ok.statusCode());
    assertNull(ok.headers().firstValue("x-rebound-recovery").orElse(null));
    assertEquals("1", ok.headers().firstValue("x-rebound-attempts").orElseThrow());
  }

  static String longPrompt() {
    return "please read all of this: " + "lorem ipsum dolor sit amet ".repeat(1200);
  }

  @Test
  void aPromptNoCutCanFitGoesToTheNextAgentWhoseWindowTakesItWithoutWaiting() throws Exception {
    start();
    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "small-first")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", longPrompt()))).encode());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("main", r.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("moved-for-context:1", r.headers().firstValue("x-rebound-recovery").orElseThrow());
    assertEquals(1, h.upstreamRequests().size(), "the count said it would not fit, so the small agent was not asked");
    assertTrue(h.events("wait").isEmpty());
  }

  @Test
  void anUpstreamOverflowTheCountDidNotForeseeMovesToTheNextAgentAtOnce() throws Exception {
    // the gateway believes the small model's window is large; the upstream's error says otherwise
    h = GatewayHarness.start(CONFIG.replace("{ name: mock-small, contextWindow: 4096 } ] }\nagents", "{ name: mock-small, contextWindow: 0 } ] }\nagents")
        .replace("apiKey: k4,", "apiKey: k4, discoverWindow: off,"));
    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "small-first")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", longPrompt()))).encode());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("main", r.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("fell-back-after-context-overflow:1", r.headers().firstValue("x-rebound-recovery").orElseThrow());
    assertTrue(h.events("wait").isEmpty());
  }

  @Test
  void anOverflowNoAgentCanFitReachesAnAnthropicClientAsAnOverflow() {
    start();
    try {
      anthropic().messages().create(MessageCreateParams.builder().model("small-only").maxTokens(100)
          .addUserMessage(longPrompt()).build());
      throw new AssertionError("expected an overflow");
    } catch (com.anthropic.errors.BadRequestException e) {
      assertTrue(e.getMessage().contains("prompt is too long"), e.getMessage());
    }
    assertEquals(1, h.upstreamRequests().size(), "an overflow is not retried on the same agent");
  }

  @Test
  void aCoolingBackendIsSkippedWhileAnotherAgentCanServe() throws Exception {
    h = GatewayHarness.start(CONFIG.replace("keepAliveInterval: 200ms", "keepAliveInterval: 200ms\n  waitBudget: 5s"));
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("status", 429)
        .put("body", rateLimitBody()).put("headers", new JsonObject().put("retry-after", "30")));
    String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"cool\"}]}";
    HttpResponse<String> first = h.post("/v1/chat/completions", body);
    assertEquals("backup", first.headers().firstValue("x-rebound-agent").orElseThrow(), "30 s is more than the 5 s budget");
    HttpResponse<String> second = h.post("/v1/chat/completions", body);
    assertEquals(200, second.statusCode());
    assertEquals("backup", second.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals(List.of("gpt-4o", "gpt-4o-mini", "gpt-4o-mini"),
        h.upstreamRequests().stream().map(q -> ((JsonObject) q).getJsonObject("body").getString("model")).toList(),
        "the cooling backend got no second request");
    var secondRoute = h.events("route").get(1);
    assertEquals(List.of("backup", "main"), secondRoute.fields().get("plan"), "routing puts the cooling agent last");
  }

  @Test
  void aBackendRejectingTheGatewaysOwnKeyIsA502NamingTheBackendNotA401() throws Exception {
    start();
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("times", -1).put("status", 401));
    HttpResponse<String> r = h.post("/v1/chat/completions", "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertEquals(502, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("upstream_auth_failed", error.getString("code"));
    assertTrue(error.getString("message").contains("Backend 'primary'") && error.getString("message").contains("apiKey"),
        error.getString("message"));
  }

  @Test
  void aBackendRejectingTheClientsOwnPassedKeyStaysA401() throws Exception {
    h = GatewayHarness.start();
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "claude-byok")).put("times", -1).put("status", 401));
    HttpResponse<String> r = h.post("/v1/messages", "{\"model\":\"claude-byok\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "anthropic-version", "2023-06-01", "x-api-key", "sk-ant-the-clients-own");
    assertEquals(401, r.statusCode(), r.body());
    assertEquals("authentication_error", new JsonObject(r.body()).getJsonObject("error").getString("type"));
  }
}
