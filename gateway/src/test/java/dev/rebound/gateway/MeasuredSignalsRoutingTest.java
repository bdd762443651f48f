package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.json.JsonArray;
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
    // within a bounded number of requests the quick starter serves, five in a row, and leads the plan
    int inARow = 0;
    for (int i = 0; i < 60 && inARow < 5; i++) inARow = servedBy(STREAM).equals("other") && "other".equals(lastPlan().get(0)) ? inARow + 1 : 0;
    if (inARow < 5) fail("the quick starter does not serve after 60 requests; " + h.post("/admin/routes/explain", STREAM).body());
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

  @Test
  void anAgentThatWritesSlowerLosesItsPlaceOnTokensPerSecondAlone() throws Exception {
    // answer times, first tokens and cost say nothing here (their weights are 0); the writing speed does
    h = GatewayHarness.start(OutcomeRoutingTest.CONFIG + "routing: { outcomes: { explore: 0.5, latencyWeight: 0,"
        + " ttftWeight: 0, costWeight: 0 } }\n", MockLlmOptions.defaults(), Clock.systemUTC());
    // a whole answer's writing time is its answer time: both take long enough to be timed (over 1 ms), the favourite
    // ten times longer for answers of the same length
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("delayMs", 200).put("times", -1));
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "second-model")).put("delayMs", 20).put("times", -1));
    for (int i = 0; i < 40; i++) servedBy(OutcomeRoutingTest.ASK);
    for (int i = 0; i < 5; i++) {
      assertEquals("other", servedBy(OutcomeRoutingTest.ASK), "once both are measured, the faster writer serves");
      assertEquals("other", lastPlan().get(0));
    }
    String explain = h.post("/admin/routes/explain", OutcomeRoutingTest.ASK).body();
    assertTrue(explain.contains("writes ") && explain.contains("x slower (") && explain.contains("tokens/s)"), explain);
  }

  @Test
  void anAgentWhoseRequestsCostMoreLosesItsPlaceOnCostPerRequestAlone() throws Exception {
    // both cost the same per 1,000 tokens, so the static cost term is equal; the favourite's answers are 4,000 tokens
    // long, the other's a few dozen: only the measured cost per request tells them apart
    String config = OutcomeRoutingTest.CONFIG.replace("weight: 100 }", "weight: 100, cost: 2 }")
        .replace("weight: 1 }", "weight: 1, cost: 2 }")
        + "routing: { outcomes: { explore: 0.5, latencyWeight: 0, ttftWeight: 0, throughputWeight: 0 } }\n";
    h = GatewayHarness.start(config, MockLlmOptions.defaults(), Clock.systemUTC());
    JsonObject longAnswer = new JsonObject().put("id", "chatcmpl-long").put("object", "chat.completion")
        .put("created", 1).put("model", "first-model")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
            .put("message", new JsonObject().put("role", "assistant").put("content", "A very long answer."))))
        .put("usage", new JsonObject().put("prompt_tokens", 20).put("completion_tokens", 4000).put("total_tokens", 4020));
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("status", 200)
        .put("body", longAnswer).put("times", -1));
    for (int i = 0; i < 40; i++) servedBy(OutcomeRoutingTest.ASK);
    for (int i = 0; i < 5; i++) {
      assertEquals("other", servedBy(OutcomeRoutingTest.ASK), "once both are measured, the cheaper per request serves");
      assertEquals("other", lastPlan().get(0));
    }
    String explain = h.post("/admin/routes/explain", OutcomeRoutingTest.ASK).body();
    assertTrue(explain.contains("the cost per request of the cheapest"), explain);
  }
}
