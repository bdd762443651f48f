package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a backend's answers say is left of its rate limits, shown per model in /admin/backends and /metrics. */
class BackendBudgetTest {
  GatewayHarness h = GatewayHarness.start();

  @AfterEach
  void stop() {
    h.close();
  }

  JsonObject backend(String name) throws Exception {
    for (Object o : new JsonObject(h.get("/admin/backends").body()).getJsonArray("backends")) {
      if (name.equals(((JsonObject) o).getString("backend"))) return (JsonObject) o;
    }
    throw new AssertionError("no backend " + name);
  }

  @Test
  void theLastAnswersRateLimitHeadersAreTheBackendsBudgetForThatModel() throws Exception {
    // a successful answer that carries OpenAI's headers, then a streamed one with Anthropic's
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("times", 1)
        .put("headers", new JsonObject().put("x-ratelimit-limit-requests", "5000").put("x-ratelimit-remaining-requests", "4999")
            .put("x-ratelimit-reset-requests", "12ms").put("x-ratelimit-limit-tokens", "800000")
            .put("x-ratelimit-remaining-tokens", "799100").put("x-ratelimit-reset-tokens", "67ms")));
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "claude-sonnet-4-5")).put("times", 1)
        .put("headers", new JsonObject().put("anthropic-ratelimit-output-tokens-limit", "80000")
            .put("anthropic-ratelimit-output-tokens-remaining", "79000")
            .put("anthropic-ratelimit-output-tokens-reset", "2099-01-01T00:00:00Z")));
    assertEquals(200, h.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode());
    var streamed = h.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "anthropic-version", "2023-06-01");
    assertEquals(200, streamed.statusCode());

    JsonArray openAi = backend("mock-openai").getJsonObject("budgets").getJsonObject("gpt-4o").getJsonArray("limits");
    assertEquals(new JsonObject().put("name", "requests").put("limit", 5000).put("remaining", 4999),
        without(openAi.getJsonObject(0), "resetsAt"));
    assertTrue(openAi.getJsonObject(0).getString("resetsAt") != null, openAi.encode());
    assertEquals(799100, openAi.getJsonObject(1).getInteger("remaining"));
    JsonObject anthropic = backend("mock-anthropic").getJsonObject("budgets").getJsonObject("claude-sonnet-4-5")
        .getJsonArray("limits").getJsonObject(0);
    assertEquals("output-tokens", anthropic.getString("name"));
    assertEquals("2099-01-01T00:00:00Z", anthropic.getString("resetsAt"));

    String metrics = h.get("/metrics").body();
    assertTrue(metrics.contains("rebound_backend_ratelimit_remaining{backend=\"mock-openai\",limit=\"tokens\",model=\"gpt-4o\"} 799100.0"), metrics);
    assertTrue(metrics.contains("rebound_backend_ratelimit_limit{backend=\"mock-anthropic\",limit=\"output-tokens\",model=\"claude-sonnet-4-5\"} 80000.0"), metrics);
  }

  @Test
  void aBackendThatSaysALimitIsUsedUpCoolsAndTheNextRequestGoesToAnotherAgentFirst() throws Exception {
    GatewayHarness two = GatewayHarness.start("""
        server: { host: 127.0.0.1, port: 0 }
        backends:
          - { name: first, protocol: openai, url: "${MOCK_URL}", discoverWindow: off, models: [ { name: gpt-4o, contextWindow: 128000 } ] }
          - { name: second, protocol: openai, url: "${MOCK_URL}", discoverWindow: off, models: [ { name: gpt-4o-mini, contextWindow: 128000 } ] }
        agents: [ { name: a, backend: first, model: gpt-4o }, { name: b, backend: second, model: gpt-4o-mini } ]
        routes: [ { name: all, match: {}, agents: [a, b] } ]
        """);
    try {
      two.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("times", 1)
          .put("headers", new JsonObject().put("x-ratelimit-limit-tokens", "30000").put("x-ratelimit-remaining-tokens", "0")
              .put("x-ratelimit-reset-tokens", "30s")));
      String body = "{\"model\":\"any\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      var first = two.post("/v1/chat/completions", body);
      assertEquals("a", first.headers().firstValue("x-rebound-agent").orElseThrow(), "the answer itself still counts");
      var cooldown = two.events("cooldown");
      assertEquals(1, cooldown.size(), two.events.toString());
      assertTrue(cooldown.get(0).reason().contains("tokens limit for gpt-4o is used up (0 of 30000 left)"), cooldown.get(0).reason());

      var second = two.post("/v1/chat/completions", body);
      assertEquals(200, second.statusCode());
      assertEquals("b", second.headers().firstValue("x-rebound-agent").orElseThrow(), "a is cooling: b goes first");
      assertEquals(2, two.upstreamRequests().size(), "no request was sent into the spent limit");
    } finally {
      two.close();
    }
  }

  static JsonObject without(JsonObject o, String field) {
    JsonObject copy = o.copy();
    copy.remove(field);
    return copy;
  }
}
