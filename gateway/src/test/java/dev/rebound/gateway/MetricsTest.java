package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What /metrics says after scripted traffic through the real gateway and mock-llm: an answer, a retry, a fallback, a
 * give-up, streams with usage, and a refused request. Names, labels, values and histogram buckets as Prometheus scrapes
 * them.
 */
class MetricsTest {
  static final List<String> LATENCY_BUCKETS =
      List.of("0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "120.0", "300.0", "+Inf");
  static final List<String> FIRST_TOKEN_BUCKETS =
      List.of("0.05", "0.1", "0.25", "0.5", "1.0", "2.0", "5.0", "10.0", "30.0", "60.0", "+Inf");
  static final List<String> RECOVERY_BUCKETS =
      List.of("0.1", "0.5", "1.0", "2.0", "5.0", "10.0", "30.0", "60.0", "120.0", "+Inf");

  GatewayHarness h;

  @BeforeEach
  void start() {
    h = GatewayHarness.start(RecoveryTest.CONFIG);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  static HttpResponse<String> chat(GatewayHarness h, String model, String text, String... headers) throws Exception {
    return h.post("/v1/chat/completions", new JsonObject().put("model", model)
        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content", text)))
        .encode(), headers);
  }

  Scrape traffic() throws Exception {
    return traffic(h);
  }

  /** The traffic every assertion below reads (on RecoveryTest.CONFIG); returns the scrape after it. */
  static Scrape traffic(GatewayHarness h) throws Exception {
    // an answer, in a session, for a model name the client made up within the route's glob
    assertEquals(200, chat(h, "gpt-4o-client-made-up", "hello", "x-session-id", "secret-session-42").statusCode());
    // a retry: one 429 that asks for no wait
    h.fault(RecoveryTest.fault("retry-me").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "0")));
    assertEquals(200, chat(h, "gpt-4o", "retry-me").statusCode());
    // streams report usage at their end: Anthropic's message_start and message_delta, OpenAI's usage chunk
    assertEquals(200, h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"stream me\"}]}", "anthropic-version", "2023-06-01").statusCode());
    assertEquals(200, h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"usage please\"}]}")
        .statusCode());
    // a give-up: the only agent fails every attempt
    h.fault(RecoveryTest.fault("doomed").put("times", 3).put("status", 500));
    assertEquals(500, chat(h, "solo", "doomed").statusCode());
    // a fallback: the primary's quota is spent (it cools down from here on), the backup answers
    h.fault(RecoveryTest.fault("quota").put("match", new JsonObject().put("contains", "quota").put("model", "gpt-4o"))
        .put("status", 429).put("body", new JsonObject().put("error", new JsonObject()
            .put("message", "You exceeded your current quota, please check your plan and billing details.")
            .put("type", "insufficient_quota").put("param", null).put("code", "insufficient_quota"))));
    HttpResponse<String> fellBack = chat(h, "gpt-4o", "quota");
    assertEquals("backup", fellBack.headers().firstValue("x-rebound-agent").orElseThrow());
    // refused before any attempt
    assertEquals(400, h.post("/v1/chat/completions", "{nope").statusCode());
    return new Scrape(h.get("/metrics").body());
  }

  @Test
  void requestsAreCountedByRouteAgentBackendProtocolStatusAndTheErrorTheClientGot() throws Exception {
    Scrape s = traffic();
    assertEquals(3.0, s.value("rebound_requests_total", "route", "chat", "agent", "main", "backend", "primary",
        "protocol", "openai", "status", "200", "error", "none"), s.text);
    assertEquals(1.0, s.value("rebound_requests_total", "route", "chat", "agent", "backup", "backend", "secondary",
        "status", "200", "error", "none"));
    assertEquals(1.0, s.value("rebound_requests_total", "route", "solo", "agent", "main", "status", "500",
        "error", "server_error"));
    assertEquals(1.0, s.value("rebound_requests_total", "route", "claude", "agent", "claude", "backend", "claude-api",
        "protocol", "anthropic", "status", "200", "error", "none"));
    assertEquals(1.0, s.value("rebound_requests_total", "route", "none", "agent", "none", "backend", "none",
        "status", "400", "error", "rejected"));
    assertEquals(LATENCY_BUCKETS, buckets(s, "rebound_request_duration_seconds_bucket", "route", "solo"));
    assertEquals(3.0, s.value("rebound_request_duration_seconds_count", "route", "chat", "agent", "main",
        "protocol", "openai"));
    assertEquals(0.0, s.value("rebound_sessions_active"), "nothing is in flight after the traffic");
  }

  @Test
  void upstreamAttemptsFailuresAndRecoveriesAreCountedByBackendKindAndOutcome() throws Exception {
    Scrape s = traffic();
    // main: 1 answer + retry (1 failed, 1 answered) + quota (1 failed) + give-up (3 failed) + openai stream (1)
    assertEquals(3.0, s.value("rebound_upstream_attempts_total", "backend", "primary", "outcome", "answered"), s.text);
    assertEquals(5.0, s.value("rebound_upstream_attempts_total", "backend", "primary", "outcome", "failed"));
    assertEquals(1.0, s.value("rebound_upstream_failures_total", "backend", "primary", "kind", "rate_limited"));
    assertEquals(1.0, s.value("rebound_upstream_failures_total", "backend", "primary", "kind", "quota_exhausted"));
    assertEquals(3.0, s.value("rebound_upstream_failures_total", "backend", "primary", "kind", "server_error"));
    assertEquals(LATENCY_BUCKETS, buckets(s, "rebound_upstream_duration_seconds_bucket", "backend", "primary",
        "outcome", "failed"));

    assertEquals(1.0, s.value("rebound_recoveries_total", "kind", "rate_limited", "outcome", "recovered"));
    assertEquals(1.0, s.value("rebound_recoveries_total", "kind", "quota_exhausted", "outcome", "recovered"));
    assertEquals(1.0, s.value("rebound_recoveries_total", "kind", "server_error", "outcome", "gave_up"));
    assertEquals(RECOVERY_BUCKETS, buckets(s, "rebound_recovery_duration_seconds_bucket", "kind", "rate_limited",
        "outcome", "recovered"));
    assertEquals(1.0, s.value("rebound_recovery_duration_seconds_bucket", "kind", "quota_exhausted",
        "outcome", "recovered", "le", "30.0"), "a fallback recovers well within the 30 s target");

    assertEquals(1.0, s.value("rebound_decisions_total", "type", "give-up"));
    assertEquals(1.0, s.value("rebound_decisions_total", "type", "fallback"));
    assertTrue(s.value("rebound_decisions_total", "type", "wait") >= 3.0, "the retry and the give-up's retries waited");
    assertEquals(0.0, s.value("rebound_backend_breaker_state", "backend", "primary"));
    assertEquals(1.0, s.value("rebound_backend_reachable", "backend", "primary"));
  }

  @Test
  void streamsRecordTheirTimeToFirstTokenAndAnswersTheirTokensByAgentAndTenant() throws Exception {
    Scrape s = traffic();
    assertEquals(FIRST_TOKEN_BUCKETS, buckets(s, "rebound_time_to_first_token_seconds_bucket", "route", "claude",
        "agent", "claude", "protocol", "anthropic"));
    assertEquals(1.0, s.value("rebound_time_to_first_token_seconds_count", "route", "chat", "agent", "main"),
        "only the OpenAI stream; whole answers have no first token of their own");
    assertTrue(s.value("rebound_tokens_total", "agent", "claude", "tenant", "default", "type", "input") > 0, s.text);
    assertTrue(s.value("rebound_tokens_total", "agent", "claude", "tenant", "default", "type", "output") > 0);
    assertTrue(s.value("rebound_tokens_total", "agent", "main", "tenant", "default", "type", "input") > 0);
    assertTrue(s.value("rebound_tokens_total", "agent", "backup", "tenant", "default", "type", "output") > 0);
    assertTrue(s.value("rebound_store_duration_seconds_count", "operation", "append", "outcome", "ok") >= 1,
        "the session's turn was stored (its question with its answer, one write)");
  }

  @Test
  void vertxHttpMetersAreScrapedAlongsideTheGatewaysOwnWhenAskedFor() throws Exception {
    Scrape quiet = traffic();
    assertTrue(quiet.find("vertx_http_server_requests_total").isEmpty(), "off by default: they cost a fifth of the CPU");
    h.close();
    h = GatewayHarness.start(RecoveryTest.CONFIG + "\nmetrics: { httpMeters: true }\n");
    Scrape s = traffic();
    assertTrue(s.sum("vertx_http_server_requests_total", "route", "/v1/chat/completions", "method", "POST", "code", "200")
        >= 4, s.text);
    assertTrue(s.sum("vertx_http_client_requests_total", "client_name", "primary") >= 8);
    for (String name : List.of("jvm_memory_used_bytes", "jvm_gc_live_data_size_bytes", "jvm_threads_live_threads",
        "process_cpu_usage", "process_uptime_seconds", "process_files_open_files", "system_cpu_count")) {
      assertFalse(s.find(name).isEmpty(), name + " is missing");
    }
  }

  @Test
  void tokensAreCountedByTenantWithTheCacheReadsAndWritesTheAnswerReported() throws Exception {
    h.close();
    h = GatewayHarness.start(RecoveryTest.CONFIG + "tenants:\n  - { name: acme, keys: [key-acme] }\n");
    h.fault(RecoveryTest.fault("cached context").put("times", 1).put("status", 200)
        .put("headers", new JsonObject().put("content-type", "application/json"))
        .put("body", new JsonObject().put("id", "msg_cached").put("type", "message").put("role", "assistant")
            .put("model", "claude-sonnet-4-5").put("stop_reason", "end_turn").putNull("stop_sequence")
            .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "read from the cache")))
            .put("usage", new JsonObject().put("input_tokens", 12).put("output_tokens", 7)
                .put("cache_read_input_tokens", 300).put("cache_creation_input_tokens", 40))));
    HttpResponse<String> r = h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"cached context\"}]}", "anthropic-version", "2023-06-01",
        "x-api-key", "key-acme");
    assertEquals(200, r.statusCode(), r.body());

    Scrape s = new Scrape(h.get("/metrics").body());
    assertEquals(12.0, s.value("rebound_tokens_total", "agent", "claude", "tenant", "acme", "type", "input"), s.text);
    assertEquals(7.0, s.value("rebound_tokens_total", "agent", "claude", "tenant", "acme", "type", "output"));
    assertEquals(300.0, s.value("rebound_tokens_total", "agent", "claude", "tenant", "acme", "type", "cache_read"));
    assertEquals(40.0, s.value("rebound_tokens_total", "agent", "claude", "tenant", "acme", "type", "cache_write"));
    assertEquals(0.0, s.sum("rebound_tokens_total", "tenant", "default"), "nothing on the default tenant");
  }

  @Test
  void tokensOfAStreamTheClientLeftAtItsStopReasonAreCounted() throws Exception {
    // the client reads the stream until its stop reason and leaves without waiting for its end: the answer was whole
    // (whether the gateway sees it leave before the reply's end is a race: GatewayMetricsTest pins that case down)
    String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"read and go\"}]}";
    try (java.net.Socket client = new java.net.Socket("127.0.0.1", h.port)) {
      client.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
          + "anthropic-version: 2023-06-01\r\nx-session-id: leaves-early\r\ncontent-length: " + body.length()
          + "\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.io.InputStream in = client.getInputStream();
      StringBuilder seen = new StringBuilder();
      byte[] buf = new byte[4096];
      while (!seen.toString().contains("\"stop_reason\":\"end_turn\"")) {
        int n = in.read(buf);
        if (n < 0) break;
        seen.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
      }
      assertTrue(seen.toString().contains("message_delta"), seen.toString());
    }
    io.vertx.core.Vertx poller = io.vertx.core.Vertx.vertx();
    try {
      dev.rebound.gateway.testing.Eventually.await(poller, 10_000, "the request to end", () -> {
        try {
          return new Scrape(h.get("/metrics").body()).sum("rebound_requests_total", "route", "claude") >= 1;
        } catch (Exception e) {
          return false;
        }
      });
    } finally {
      poller.close().await();
    }
    Scrape s = new Scrape(h.get("/metrics").body());
    assertTrue(s.value("rebound_tokens_total", "agent", "claude", "tenant", "default", "type", "input") > 0, s.text);
    assertTrue(s.value("rebound_tokens_total", "agent", "claude", "tenant", "default", "type", "output") > 0, s.text);
  }

  @Test
  void noLabelCarriesASessionIdOrAModelNameAClientSent() throws Exception {
    Scrape s = traffic();
    assertFalse(s.text.contains("secret-session-42"), "a session id is no label");
    assertFalse(s.text.contains("client-made-up"), "a client's model name is no label");
    assertFalse(s.text.contains("/s/"), "paths are no label");
  }

  /** The {@code le} labels of a histogram's buckets for one label set, in the order scraped. */
  static List<String> buckets(Scrape s, String name, String... labels) {
    List<Scrape.Sample> found = s.find(name, labels);
    java.util.Map<java.util.Map<String, String>, List<String>> bySeries = new java.util.LinkedHashMap<>();
    for (Scrape.Sample b : found) {
      java.util.Map<String, String> series = new java.util.TreeMap<>(b.labels());
      String le = series.remove("le");
      bySeries.computeIfAbsent(series, k -> new java.util.ArrayList<>()).add(le);
    }
    assertEquals(1, bySeries.size(), "one series of " + name + " " + List.of(labels) + ": " + bySeries.keySet());
    return bySeries.values().iterator().next();
  }
}
