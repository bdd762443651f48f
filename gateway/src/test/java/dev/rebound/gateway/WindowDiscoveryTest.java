package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.context.ContextWindows;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockModel;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Context windows read from the servers themselves, in the shapes vLLM, llama.cpp, Ollama and TGI answer. */
class WindowDiscoveryTest {
  // every backend's config claims 100000 tokens; the servers loaded less, and they win
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0, maxBodyBytes: 8388608 }
      backends:
        - { name: vllm, protocol: openai, url: "${MOCK_URL}", discoverWindow: vllm, models: [ { name: loaded, contextWindow: 100000 } ] }
        - { name: llamacpp, protocol: openai, url: "${MOCK_URL}", discoverWindow: llama.cpp, models: [ { name: any-name, contextWindow: 100000 } ] }
        - { name: ollama, protocol: openai, url: "${MOCK_URL}", discoverWindow: ollama, models: [ { name: loaded, contextWindow: 100000 }, { name: full-length, contextWindow: 100000 } ] }
        - { name: tgi, protocol: openai, url: "${MOCK_URL}", discoverWindow: tgi, models: [ { name: tgi-model, contextWindow: 100000 } ] }
        - { name: guess, protocol: openai, url: "${MOCK_URL}", models: [ { name: single, contextWindow: 100000 } ] }
        - { name: hosted, protocol: openai, url: "${MOCK_URL}", discoverWindow: off, models: [ { name: loaded, contextWindow: 100000 } ] }
      agents:
        - { name: v, backend: vllm, model: loaded }
        - { name: l, backend: llamacpp, model: any-name }
        - { name: o, backend: ollama, model: loaded }
        - { name: o-full, backend: ollama, model: full-length }
        - { name: t, backend: tgi, model: tgi-model }
        - { name: auto, backend: guess, model: single }
        - { name: h, backend: hosted, model: loaded }
      routes:
        - { name: pick, match: { model: pick }, select: best-match, agents: [l, h] }
        - { name: all, match: {}, agents: [l] }
      context: { reserveOutputTokens: 256 }
      """;

  GatewayHarness h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults().withModels(List.of(
      new MockModel("loaded", 6000, 24000), new MockModel("full-length", 16384, 16384))));

  @AfterEach
  void stop() {
    h.close();
  }

  /** Windows read from a server (not the events saying one could not be read). */
  static long read(GatewayHarness h) {
    return h.events("window").stream().filter(e -> !e.fields().containsKey("problem")).count();
  }

  /** Startup waits for discovery at most 8 s; on a loaded machine the answers may come later. */
  void discovered() {
    Eventually.await(h.vertx, 20_000, "window discovery", () -> read(h) >= 6);
  }

  ContextWindows.Window window(String agent) {
    return h.gateway.windows().of(h.config.ruleSet().agent(agent));
  }

  @Test
  void eachKindOfLocalServerIsAskedForTheWindowItActuallyLoaded() {
    discovered();
    assertEquals(new ContextWindows.Window(6000, 0, "vllm /v1/models"), window("v"));
    assertEquals(new ContextWindows.Window(6000, 0, "llama.cpp /props"), window("l"));
    assertEquals(new ContextWindows.Window(6000, 0, "ollama num_ctx"), window("o"), "num_ctx beats the trained length");
    assertEquals(new ContextWindows.Window(16384, 0, "ollama context_length"), window("o-full"));
    assertEquals(new ContextWindows.Window(6000, 5999, "tgi /info"), window("t"));
    assertEquals(6000, window("auto").window(), "auto finds the server's kind for a one-model backend");
    assertEquals(new ContextWindows.Window(100000, 0, "config"), window("h"), "off: the configured window stands");
    GatewayEvent event = h.events("window").stream().filter(e -> "llamacpp".equals(e.fields().get("backend"))).findFirst().orElseThrow();
    assertTrue(event.reason().contains("6000") && event.reason().contains("the server wins"), event.reason());
  }

  @Test
  void theDiscoveredWindowIsTheOneConversationsAreCutTo() throws Exception {
    discovered();
    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "any-name")
        .put("messages", Conversations.openAi(100, false)).encode());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-rebound-context").orElseThrow().startsWith("truncated;"));
    GatewayEvent cut = h.events("context").get(0);
    assertEquals(6000, cut.fields().get("window"));
    assertEquals("llama.cpp /props", cut.fields().get("windowSource"));
  }

  @Test
  void bestMatchRoutingWeighsTheWindowTheServerReportsNotTheConfiguredOne() throws Exception {
    // both agents claim 100000 tokens in config; l's server says 6000, so a 10k-token conversation goes to h
    discovered();
    HttpResponse<String> r = h.post("/v1/chat/completions", new JsonObject().put("model", "pick")
        .put("messages", Conversations.openAi(60, false)).encode());
    assertEquals(200, r.statusCode(), r.body());
    GatewayEvent route = h.events("route").get(0);
    assertEquals("h", r.headers().firstValue("x-rebound-agent").orElseThrow(), route.toString());
    assertEquals(List.of("h", "l"), route.fields().get("plan"), "l's reported window ranks it last");
  }
}
