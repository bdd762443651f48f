package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.RawClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GET /admin/analytics through the real gateway and mock-llm, after scripted traffic: an answer, a retry after a 429, a
 * give-up after three 500s, and a fallback after a spent quota; the figures it serves, the design targets judged on
 * them, a bad window refused naming the parameter, and the admin token required.
 */
class AnalyticsEndpointTest {
  static final String TOKEN = "analytics-admin-token";

  GatewayHarness h;

  @BeforeEach
  void start() {
    h = GatewayHarness.start(RecoveryTest.CONFIG + "admin: { token: " + TOKEN + " }\n");
  }

  @AfterEach
  void stop() {
    h.close();
  }

  HttpResponse<String> analytics(String query) throws Exception {
    return h.get("/admin/analytics" + query, "authorization", "Bearer " + TOKEN);
  }

  /** An answer, a retry, a give-up and a fallback, as MetricsTest scripts them. */
  static void traffic(GatewayHarness h, String... headers) throws Exception {
    assertEquals(200, MetricsTest.chat(h, "gpt-4o", "hello", headers).statusCode());
    h.fault(RecoveryTest.fault("retry-me").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "0")));
    assertEquals(200, MetricsTest.chat(h, "gpt-4o", "retry-me", headers).statusCode());
    h.fault(RecoveryTest.fault("doomed").put("times", 3).put("status", 500));
    assertEquals(500, MetricsTest.chat(h, "solo", "doomed", headers).statusCode());
    h.fault(RecoveryTest.fault("quota").put("match", new JsonObject().put("contains", "quota").put("model", "gpt-4o"))
        .put("status", 429).put("body", new JsonObject().put("error", new JsonObject()
            .put("message", "You exceeded your current quota, please check your plan and billing details.")
            .put("type", "insufficient_quota").put("param", null).put("code", "insufficient_quota"))));
    HttpResponse<String> fellBack = MetricsTest.chat(h, "gpt-4o", "quota", headers);
    assertEquals("backup", fellBack.headers().firstValue("x-rebound-agent").orElseThrow());
  }

  @Test
  void aRetryAFallbackAndAGiveUpAreCountedWithTheirRecoveriesAndTheTargetsJudgedOnThem() throws Exception {
    traffic(h);
    HttpResponse<String> answer = analytics("?window=15m");
    assertEquals(200, answer.statusCode(), answer.body());
    JsonObject r = new JsonObject(answer.body());
    assertEquals("15m", r.getString("window"));
    assertEquals(new JsonObject().put("total", 4).put("answered", 3).put("gaveUp", 1).put("clientGone", 0)
        .put("inFlight", 0).put("unjudged", 0), r.getJsonObject("requests"));

    JsonObject failures = r.getJsonObject("failures");
    assertEquals(5, failures.getInteger("total"));
    assertEquals(new JsonObject().put("rate_limited", 1).put("quota_exhausted", 1).put("server_error", 3),
        failures.getJsonObject("byBackend").getJsonObject("primary"));

    JsonObject recoveries = r.getJsonObject("recoveries");
    assertEquals(3, recoveries.getInteger("total"));
    assertEquals(2, recoveries.getInteger("recovered"));
    assertEquals(1, recoveries.getInteger("gaveUp"));
    assertEquals(66.67, recoveries.getDouble("successPercent"));
    JsonObject byKind = recoveries.getJsonObject("byKind");
    assertEquals(1, byKind.getJsonObject("rate_limited").getInteger("recovered"));
    assertEquals(100.0, byKind.getJsonObject("rate_limited").getDouble("successPercent"));
    assertEquals(1, byKind.getJsonObject("quota_exhausted").getInteger("recovered"));
    assertEquals(1, byKind.getJsonObject("server_error").getInteger("gaveUp"));
    assertEquals(0.0, byKind.getJsonObject("server_error").getDouble("successPercent"));
    long p95 = byKind.getJsonObject("rate_limited").getLong("p95TimeToRecoverMs");
    assertTrue(p95 >= 0 && p95 < 10_000, "a retry with no wait recovers at once: " + p95);
    assertTrue(byKind.getJsonObject("quota_exhausted").getLong("p50TimeToRecoverMs") < 10_000);

    JsonObject retries = r.getJsonObject("retries");
    assertEquals(4, retries.getInteger("total"), "the retry's 1, the give-up's 2, the fallback's 1");
    assertEquals(2, retries.getInteger("max"));
    assertEquals(1.0, retries.getDouble("perRequest"));
    assertEquals(new JsonObject().put("0", 1).put("1", 2).put("2", 1).put("3+", 0), retries.getJsonObject("requestsByRetries"));
    assertEquals(new JsonObject().put("total", 1).put("crossProtocol", 0).put("forContext", 0), r.getJsonObject("fallbacks"));
    assertEquals(0, r.getJsonObject("overflows").getInteger("total"));

    JsonObject targets = r.getJsonObject("targets");
    assertEquals(new JsonObject().put("target", "> 95 %").put("value", 66.67).put("met", false),
        targets.getJsonObject("recoverySuccess"));
    assertEquals(true, targets.getJsonObject("p95TimeToRecover").getBoolean("met"));
    assertFalse(r.containsKey("postgres"), "no table is configured");
  }

  @Test
  void aClientThatLeavesWhileTheGatewayWaitsOutARateLimitIsCountedAsGone() throws Exception {
    h.fault(RecoveryTest.fault("slow-limit").put("times", 1).put("status", 429).put("body", RecoveryTest.rateLimitBody())
        .put("headers", new JsonObject().put("retry-after", "5")));
    String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"slow-limit\"}]}";
    try (RawClient client = new RawClient(h.port)) {
      client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length() + "\r\n\r\n" + body);
      Eventually.await(h.vertx, 10_000, "the gateway waiting out the 429", () -> !h.events("wait").isEmpty());
    } // the client leaves while the gateway waits out the 5 s
    Vertx poller = Vertx.vertx();
    try {
      Eventually.await(poller, 10_000, "the request judged", () -> {
        JsonObject requests;
        try {
          requests = new JsonObject(analytics("").body()).getJsonObject("requests");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return requests.getInteger("clientGone") == 1 && requests.getInteger("inFlight") == 0;
      });
    } finally {
      poller.close().await();
    }
    JsonObject r = new JsonObject(analytics("").body());
    assertEquals(0, r.getJsonObject("recoveries").getInteger("total"), "nobody heard how it ended");
    assertEquals(1, r.getJsonObject("failures").getJsonObject("byKind").getInteger("rate_limited"));
  }

  @Test
  void theWindowIsAnHourUnlessAskedAndTheWholeDayIsKept() throws Exception {
    traffic(h);
    JsonObject hour = new JsonObject(analytics("").body());
    assertEquals("1h", hour.getString("window"));
    assertEquals(4, hour.getJsonObject("requests").getInteger("total"));
    JsonObject day = new JsonObject(analytics("?window=24h").body());
    assertEquals("1d", day.getString("window"));
    assertEquals(3, day.getJsonObject("recoveries").getInteger("total"));
  }

  @Test
  void aBadWindowIsRefusedNamingTheParameter() throws Exception {
    for (String bad : new String[] {"2d", "abc", "90s", "0m", ""}) {
      HttpResponse<String> r = analytics("?window=" + bad);
      assertEquals(400, r.statusCode(), bad);
      assertEquals("window must be a duration of whole minutes from 1m to 1d (e.g. 15m, 1h, 24h), but was '" + bad + "'.",
          new JsonObject(r.body()).getJsonObject("error").getString("message"));
    }
  }

  @Test
  void theAnalyticsNeedTheAdminToken() throws Exception {
    assertEquals(401, h.get("/admin/analytics").statusCode());
    assertEquals(401, h.get("/admin/analytics", "authorization", "Bearer wrong").statusCode());
    assertEquals(200, analytics("?window=1h").statusCode());
  }
}
