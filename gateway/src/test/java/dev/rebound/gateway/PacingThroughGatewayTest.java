package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend whose rate-limit headers say its request budget is nearly spent gets the next requests spread over the time
 * until it refills: clients that keep it busy see no 429, and neither does the backend.
 */
class PacingThroughGatewayTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - { name: limited, protocol: openai, url: "${MOCK_URL}", discoverWindow: off,
            models: [ { name: gpt-4o, contextWindow: 128000 } ] }
      agents: [ { name: a, backend: limited, model: gpt-4o } ]
      routes: [ { name: all, match: {}, agents: [a] } ]
      """;

  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  @Test
  void fourBusyClientsOnABudgetOfTenRequestsPerTwoSecondsGetEveryAnswerWithoutA429() throws Exception {
    h = GatewayHarness.start(CONFIG);
    h.mock.rateLimit(10, 2_000);
    String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    List<CompletableFuture<List<Integer>>> clients = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      clients.add(CompletableFuture.supplyAsync(() -> {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
          try {
            HttpResponse<String> r = h.post("/v1/chat/completions", body);
            statuses.add(r.statusCode());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
        return statuses;
      }));
    }
    for (CompletableFuture<List<Integer>> c : clients) assertEquals(List.of(200, 200, 200, 200, 200, 200, 200), c.get());
    List<Integer> upstream = h.upstreamRequests().stream().map(o -> ((JsonObject) o).getInteger("status")).toList();
    // a request paced before another one that went at once counts against that one's report (it reaches the backend
    // after it, so the backend's count of what is left did not include it)
    assertFalse(upstream.contains(429), "the backend never had to refuse: " + upstream);
    assertEquals(28, upstream.size(), "one upstream call per request");
    assertFalse(h.events("pace").isEmpty(), "requests were paced");
    assertTrue(h.events("pace").get(0).reason().contains("requests left for gpt-4o"), h.events("pace").get(0).reason());
  }

  @Test
  void withPacingOffTheSameLoadRunsIntoTheLimitAndIsRetried() throws Exception {
    h = GatewayHarness.start(CONFIG + "resilience: { paceBelow: 0 }\n");
    h.mock.rateLimit(3, 2_000);
    String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    for (int i = 0; i < 5; i++) assertEquals(200, h.post("/v1/chat/completions", body).statusCode());
    List<Integer> upstream = h.upstreamRequests().stream().map(o -> ((JsonObject) o).getInteger("status")).toList();
    assertTrue(upstream.contains(429), "without pacing the fourth request meets the limit: " + upstream);
    assertTrue(h.events("pace").isEmpty());
  }
}
