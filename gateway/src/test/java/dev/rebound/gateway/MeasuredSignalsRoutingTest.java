package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Best-match reads more than failures and answer times: an agent whose streams start late, or whose answers keep
 * needing retries, loses its place on the task to one that does not, within a bounded number of requests.
 */
class MeasuredSignalsRoutingTest {
  static final String STREAM = "{\"model\":\"auto\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
      + "\"Fix this bug in my Python function: def add(a, b): return a - b\"}]}";

  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  private String servedBy(String body) throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", body);
    assertEquals(200, r.statusCode(), r.body());
    return r.headers().firstValue("x-rebound-agent").orElseThrow();
  }

  private List<?> lastPlan() {
    List<GatewayEvent> routes = h.events("route");
    return (List<?>) routes.get(routes.size() - 1).fields().get("plan");
  }

  @Test
  void anAgentWhoseStreamsStartLateLosesItsPlaceToTheQuickOneOnTimeToFirstTokenAlone() throws Exception {
    // answer times, throughput and cost say nothing here: the first token does
    h = GatewayHarness.start(OutcomeRoutingTest.CONFIG + "routing: { outcomes: { explore: 0.5, latencyWeight: 0,"
        + " throughputWeight: 0, costWeight: 0 } }\n", MockLlmOptions.defaults(), Clock.systemUTC());
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("delayMs", 100).put("times", -1));
    for (int i = 0; i < 40; i++) servedBy(STREAM);
    for (int i = 0; i < 5; i++) {
      assertEquals("other", servedBy(STREAM), "once both are measured, the quick starter serves");
      assertEquals("other", lastPlan().get(0));
    }
    String explain = h.post("/admin/routes/explain", STREAM).body();
    assertTrue(explain.contains("later than the quickest"), explain);
  }

  @Test
  void anAgentWhoseAnswersKeepNeedingARetryLosesItsPlaceAfterFiveOfThem() throws Exception {
    h = GatewayHarness.start(OutcomeRoutingTest.CONFIG.replace("maxAttempts: 1", "maxAttempts: 2"),
        MockLlmOptions.defaults(), Clock.systemUTC());
    for (int i = 0; i < 5; i++) {
      // each request's first attempt on the favourite is refused once (a 429 that asks for no wait), the retry answers
      h.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("status", 429)
          .put("headers", new JsonObject().put("retry-after", "0")).put("times", 1));
      HttpResponse<String> r = h.post("/v1/chat/completions", OutcomeRoutingTest.ASK);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("favourite", r.headers().firstValue("x-rebound-agent").orElseThrow());
      assertEquals("2", r.headers().firstValue("x-rebound-attempts").orElseThrow());
    }
    assertEquals("other", servedBy(OutcomeRoutingTest.ASK), "a recovery per answer (-1) outweighs its weight (+0.5)");
    String explain = h.post("/admin/routes/explain", OutcomeRoutingTest.ASK).body();
    assertTrue(explain.contains("100% of its last 5 code attempts answered, 1.0 recoveries per answer (-1.00)"), explain);
  }
}
