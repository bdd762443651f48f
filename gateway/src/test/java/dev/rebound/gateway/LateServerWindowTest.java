package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.context.ContextWindows;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.Fault;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A local server still loading its model when the gateway starts is asked again soon, not at the next refresh. */
class LateServerWindowTest {
  // refresh every 20 s: a window not read is asked again after 666 ms, then 1332 ms, ... (well before the refresh)
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - { name: llamacpp, protocol: openai, url: "${MOCK_URL}", discoverWindow: llama.cpp, models: [ { name: any-name, contextWindow: 100000 } ] }
      agents:
        - { name: l, backend: llamacpp, model: any-name }
      routes:
        - { name: all, match: {}, agents: [l] }
      context: { discoveryRefresh: 20s }
      """;

  // llama.cpp answers 503 while it loads the model: twice here
  GatewayHarness h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults()
      .withModels(List.of(new MockModel("loaded", 6000, 24000)))
      .withInitialFaults(Fault.listFromJson(new JsonArray().add(new JsonObject()
          .put("match", new JsonObject().put("path", "/props")).put("times", 2).put("status", 503)
          .put("body", new JsonObject().put("error", new JsonObject().put("code", 503).put("message", "Loading model")))))));

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void aServerThatAnswersOnlyAfterStartupHasItsWindowReadWithinTheRetriesAndTheWaitIsReported() {
    Eventually.await(h.vertx, 10_000, "the window read before the next refresh", () -> WindowDiscoveryTest.read(h) >= 1);
    List<GatewayEvent> windows = h.events("window");
    assertEquals(2, windows.size(), windows.toString());

    GatewayEvent unread = windows.get(0);
    assertEquals("config", unread.fields().get("source"));
    assertTrue(unread.fields().get("problem").toString().contains("llama.cpp: HTTP 503"), unread.toString());
    assertTrue(unread.reason().contains("the configured 100000-token window stands"), unread.reason());

    GatewayEvent read = windows.get(1);
    assertEquals(6000, read.fields().get("window"));
    assertEquals(new ContextWindows.Window(6000, 0, "llama.cpp /props"), h.gateway.windows().of(h.config.ruleSet().agent("l")));
    // one event for the outage, not one per retry; and the retries backed off (666 ms, then 1332 ms)
    assertTrue(Duration.between(unread.at(), read.at()).toMillis() >= 1900, unread.at() + " -> " + read.at());
    long asked = h.mock.requests().stream().filter(q -> "/props".equals(((JsonObject) q).getString("path"))).count();
    assertEquals(3, asked, "two 503s, then the answer");
  }
}
