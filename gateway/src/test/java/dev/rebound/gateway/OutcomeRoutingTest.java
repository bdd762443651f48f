package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.MutableClock;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Best-match learns from outcomes: a failing or slow agent loses its traffic, and wins it back when it does better. */
class OutcomeRoutingTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - { name: mock, protocol: openai, url: "${MOCK_URL}", discoverWindow: off,
            models: [ { name: first-model, contextWindow: 128000 }, { name: second-model, contextWindow: 128000 } ] }
      agents:
        - { name: favourite, backend: mock, model: first-model, capabilities: [code, chat], weight: 100 }
        - { name: other, backend: mock, model: second-model, capabilities: [code, chat], weight: 1 }
      routes: [ { name: auto, match: { model: auto }, select: best-match, agents: [favourite, other] } ]
      resilience: { retry: { maxAttempts: 1 }, breaker: { failureThreshold: 1000 } }
      """;
  static final String ASK = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":"
      + "\"Fix this bug in my Python function: def add(a, b): return a - b\"}]}";

  final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  private String servedBy() throws Exception {
    HttpResponse<String> r = h.post("/v1/chat/completions", ASK);
    assertEquals(200, r.statusCode(), r.body());
    return r.headers().firstValue("x-rebound-agent").orElseThrow();
  }

  private List<?> lastPlan() {
    List<GatewayEvent> routes = h.events("route");
    return (List<?>) routes.get(routes.size() - 1).fields().get("plan");
  }

  @Test
  void anAgentThatKeepsFailingLosesItsTrafficAfterFiveAttemptsAndWinsItBackOnceThoseAreOld() throws Exception {
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), clock);
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("status", 500).put("times", -1));
    for (int i = 0; i < 5; i++) {
      assertEquals("other", servedBy(), "the favourite fails, the other answers");
      assertEquals("favourite", lastPlan().get(0), "still first while fewer than 5 outcomes are known");
    }
    for (int i = 0; i < 5; i++) assertEquals("other", servedBy());
    assertEquals("other", lastPlan().get(0), "five failures in five cost the favourite its first place");
    long favouriteCalls = h.upstreamRequests().stream()
        .filter(o -> "first-model".equals(((JsonObject) o).getJsonObject("body").getString("model"))).count();
    assertEquals(5, favouriteCalls, "no more requests sent into the failing agent");
    String explain = h.post("/admin/routes/explain", ASK).body();
    assertTrue(explain.contains("0% of its last 5"), explain);

    h.mock.reset();
    clock.advance(Duration.ofMinutes(6));
    assertEquals("favourite", servedBy(), "its failures are older than the window: it is tried, and answers");
    assertEquals("favourite", lastPlan().get(0));
  }

  @Test
  void aRecoveredAgentIsExploredOnceItsFailuresAreStaleAndWinsItsTrafficBackWithinTwentyRequests() throws Exception {
    h = GatewayHarness.start(CONFIG + "routing: { outcomes: { explore: 0.5 } }\n", MockLlmOptions.defaults(), clock);
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("status", 500).put("times", -1));
    for (int i = 0; i < 5; i++) assertEquals("other", servedBy(), "the favourite fails, the other answers");
    for (int i = 0; i < 10; i++) {
      assertEquals("other", servedBy(), "five failures in five: measured and beaten, it is not explored");
      assertEquals("other", lastPlan().get(0));
    }

    // the favourite recovers; its five failures stay in the window (5 min) for minutes yet, but after a fifth of it
    // without an attempt they are stale: a share of requests tries it again, and its answer replaces them
    h.mock.reset();
    clock.advance(Duration.ofSeconds(90));
    int explored = -1;
    for (int i = 0; i < 20 && explored < 0; i++) if (servedBy().equals("favourite")) explored = i;
    assertTrue(explored >= 0, "explored within 20 requests at a share of 0.5");
    List<GatewayEvent> routes = h.events("route");
    String reason = routes.get(routes.size() - 1).reason();
    assertTrue(reason.contains("exploring (a share of requests measures the runner-up: not tried on code for 90 s)"), reason);
    // (four: from its fifth new outcome on it is measured again, and compared on speed with the other as usual)
    for (int i = 0; i < 4; i++) {
      assertEquals("favourite", servedBy(), "measured anew from its answer: it leads again and keeps its traffic");
      assertEquals("favourite", lastPlan().get(0));
    }
  }

  @Test
  void anAgentStillFailingWhenExploredKeepsItsFailuresAndStaysBehind() throws Exception {
    h = GatewayHarness.start(CONFIG + "routing: { outcomes: { explore: 0.5 } }\n", MockLlmOptions.defaults(), clock);
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("status", 500).put("times", -1));
    for (int i = 0; i < 5; i++) servedBy();
    clock.advance(Duration.ofSeconds(90));
    for (int i = 0; i < 20; i++) assertEquals("other", servedBy(), "an explored attempt fails over to the other");
    assertEquals("other", lastPlan().get(0), "its failed exploration refreshed its record: not stale, not explored");
    long favouriteCalls = h.upstreamRequests().stream()
        .filter(o -> "first-model".equals(((JsonObject) o).getJsonObject("body").getString("model"))).count();
    assertEquals(6, favouriteCalls, "one explored attempt after the gap, then no more");
  }

  @Test
  void aSlowAgentIsMeasuredAgainstTheFastOneByExplorationAndLosesItsPlace() throws Exception {
    h = GatewayHarness.start(CONFIG + "routing: { outcomes: { explore: 0.5 } }\n", MockLlmOptions.defaults(), clock);
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "first-model")).put("delayMs", 300).put("times", -1));
    // 300 ms against under one (the mock answers the other at once: its time reads 0 ms, which must still count)
    // within a bounded number of requests the faster one serves, five in a row, and leads the plan
    int inARow = 0;
    for (int i = 0; i < 60 && inARow < 5; i++) inARow = servedBy().equals("other") && "other".equals(lastPlan().get(0)) ? inARow + 1 : 0;
    // on a miss, say what the board knew: which figures kept the slow one first
    if (inARow < 5) fail("the much faster one does not serve after 60 requests; " + h.post("/admin/routes/explain", ASK).body());
    String explain = h.post("/admin/routes/explain", ASK).body();
    assertTrue(explain.contains("slower than the fastest"), explain);
  }
}
