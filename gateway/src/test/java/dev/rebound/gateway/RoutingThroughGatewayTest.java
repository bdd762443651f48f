package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing as clients and operators see it: model mapping, explain, live replacement and reload, affinity. */
class RoutingThroughGatewayTest {
  static final String CONFIG = """
      server: { host: 127.0.0.1, port: 0 }
      backends:
        - { name: local-anthropic, protocol: anthropic, url: "${MOCK_URL}", models: [ { name: qwen-coder, contextWindow: 32768 } ] }
        - name: openai-pool
          protocol: openai
          url: "${MOCK_URL}"
          models: [ { name: gpt-4o, contextWindow: 128000 }, { name: mock-small, contextWindow: 4096 }, { name: translate-model, contextWindow: 32000 } ]
      agents:
        - { name: local-coder, backend: local-anthropic, model: qwen-coder, capabilities: [code] }
        - { name: big, backend: openai-pool, model: gpt-4o, capabilities: [chat, code], cost: 5 }
        - { name: small, backend: openai-pool, model: mock-small, capabilities: [chat], cost: 1 }
        - { name: translator, backend: openai-pool, model: translate-model, capabilities: [translate], cost: 1 }
      routes:
        - { name: claude-to-local, match: { model: "claude-*" }, agents: [local-coder] }
        - { name: auto, match: { model: auto }, select: best-match }
        - { name: ab, match: { model: ab-test }, split: { big: 50, small: 50 } }
        - { name: gpt, match: { model: "gpt-*" }, agents: [big, small] }
      routing: { watch: 100ms }
      """;

  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
  }

  static String chat(String model, String text) {
    return new JsonObject().put("model", model).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", text))).encode();
  }

  @Test
  void aClientAskingForClaudeIsServedByTheAgentTheRouteNames() {
    h = GatewayHarness.start(CONFIG);
    Message m = AnthropicOkHttpClient.builder().baseUrl(h.base()).apiKey("k").maxRetries(0).build().messages()
        .create(MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(100).addUserMessage("hi").build());
    assertTrue(!m.content().isEmpty());
    JsonObject seen = h.lastUpstreamRequest();
    assertEquals("/v1/messages", seen.getString("path"));
    assertEquals("qwen-coder", seen.getJsonObject("body").getString("model"));
    assertEquals("claude-to-local", h.events("route").get(0).fields().get("route"));
  }

  @Test
  void aBackendUrlWrittenTheOpenAiSdkWayWithV1ReachesTheSamePathUpstream() throws Exception {
    h = GatewayHarness.start(CONFIG.replace("url: \"${MOCK_URL}\"\n", "url: \"${MOCK_URL}/v1/\"\n"));
    assertEquals(200, h.post("/v1/chat/completions", chat("gpt-4o", "hello")).statusCode());
    assertEquals("/v1/chat/completions", h.lastUpstreamRequest().getString("path"), "not /v1/v1/...");
  }

  @Test
  void explainReturnsThePlanWithoutCallingAnyBackend() throws Exception {
    h = GatewayHarness.start(CONFIG);
    HttpResponse<String> r = h.post("/admin/routes/explain", chat("auto", "Please translate this letter into French"));
    assertEquals(200, r.statusCode(), r.body());
    JsonObject out = new JsonObject(r.body());
    assertEquals("auto", out.getString("route"));
    assertEquals("translate", out.getJsonObject("features").getString("task"));
    JsonArray evidence = out.getJsonObject("features").getJsonArray("evidence");
    assertTrue(evidence.getString(0).startsWith("classifier: translate "), evidence.encode());
    assertTrue(evidence.getString(1).startsWith("for translate over ") && evidence.getString(1).contains("translat"),
        "the n-grams that decided it: " + evidence.encode());
    JsonObject first = out.getJsonArray("plan").getJsonObject(0);
    assertEquals("translator", first.getString("agent"));
    assertTrue(first.containsKey("score") && first.getString("reason").contains("translate"), first.encode());
    assertTrue(out.getJsonArray("plan").stream().anyMatch(s -> ((JsonObject) s).getString("agent").equals("local-coder")),
        "an agent whose backend speaks the other protocol serves an OpenAI request through translation: " + out.encode());
    HttpResponse<String> anthropic = h.post("/admin/routes/explain?protocol=anthropic",
        "{\"model\":\"claude-opus-4-1\",\"max_tokens\":10,\"system\":\"You are a coding assistant\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"fix this bug\"}]}]}");
    JsonObject a = new JsonObject(anthropic.body());
    assertEquals("claude-to-local", a.getString("route"));
    assertEquals("code", a.getJsonObject("features").getString("task"));
    assertEquals(0, h.upstreamRequests().size());
  }

  @Test
  void aRouteOnARequestHeaderMatchesWhateverCaseTheClientWritesItsNameIn() throws Exception {
    h = GatewayHarness.start(CONFIG.replace("routes:\n", "routes:\n"
        + "  - { name: platform-team, match: { model: \"gpt-*\", headers: { x-team: \"platform*\" } }, agents: [small] }\n"));
    assertEquals("small", h.post("/v1/chat/completions", chat("gpt-4o", "hi"), "X-Team", "platform-infra")
        .headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("small", h.post("/v1/chat/completions", chat("gpt-4o", "hi"), "x-team", "platform")
        .headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("big", h.post("/v1/chat/completions", chat("gpt-4o", "hi"), "X-Team", "research")
        .headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals("big", h.post("/v1/chat/completions", chat("gpt-4o", "hi")).headers().firstValue("x-rebound-agent").orElseThrow());
    // explain lists the request's features, its headers among them, by lower-cased name
    JsonObject explained = new JsonObject(h.post("/admin/routes/explain", chat("gpt-4o", "hi"), "X-Team", "platform").body());
    assertEquals("platform-team", explained.getString("route"), explained.encode());
  }

  @Test
  void routesAreReplacedWholeThroughTheAdminApiOrRejectedWithKeyPaths() throws Exception {
    h = GatewayHarness.start(CONFIG);
    HttpResponse<String> bad = put("{\"routes\":[{\"name\":\"x\",\"match\":{},\"agents\":[\"nobody\"]},{\"name\":\"y\",\"match\":{\"toolz\":true},\"agents\":[\"big\"]}]}");
    assertEquals(400, bad.statusCode());
    JsonArray problems = new JsonObject(bad.body()).getJsonObject("error").getJsonArray("problems");
    assertTrue(problems.contains("routes[0].agents[0]: unknown agent 'nobody' (known: local-coder, big, small, translator)")
        || problems.stream().anyMatch(p -> p.toString().startsWith("routes[0].agents[0]: unknown agent 'nobody'")), problems.encode());
    assertTrue(problems.stream().anyMatch(p -> p.toString().startsWith("routes[1].match.toolz: unknown key")), problems.encode());
    assertEquals("big", h.post("/v1/chat/completions", chat("gpt-4o", "hi")).headers().firstValue("x-rebound-agent").orElseThrow(),
        "a rejected replacement leaves the old rules in force");

    HttpResponse<String> good = put("routes:\n  - { name: everything-small, match: {}, agents: [small] }\n");
    assertEquals(200, good.statusCode(), good.body());
    assertEquals("small", h.post("/v1/chat/completions", chat("gpt-4o", "hi")).headers().firstValue("x-rebound-agent").orElseThrow());
    JsonObject shown = new JsonObject(h.get("/admin/routes").body());
    assertEquals(List.of("route 'everything-small' always -> agents [small]"), shown.getJsonArray("routes").getList());
  }

  HttpResponse<String> put(String body) throws Exception {
    return h.http.send(HttpRequest.newBuilder(URI.create(h.base() + "/admin/routes")).PUT(HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void editingTheConfigFileSwapsTheRoutesDuringTrafficWithoutAFailedRequest(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rebound.yaml");
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), Clock.systemUTC(), file);
    AtomicBoolean running = new AtomicBoolean(true);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> agents = new ConcurrentLinkedQueue<>();
    Thread traffic = new Thread(() -> {
      while (running.get()) {
        try {
          HttpResponse<String> r = h.post("/v1/chat/completions", chat("gpt-4o", "hi"));
          if (r.statusCode() != 200) failures.add(r.statusCode() + " " + r.body());
          agents.add(r.headers().firstValue("x-rebound-agent").orElse("?"));
        } catch (Exception e) {
          failures.add(e.toString());
        }
      }
    });
    traffic.start();
    Eventually.await(h.vertx, 5_000, "some traffic on the old rules", () -> agents.size() > 20);
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 10_000));
    h.writeConfig(file, CONFIG.replace("agents: [big, small]", "agents: [small, big]"));
    Eventually.await(h.vertx, 5_000, "the reload", () -> !h.events("routes-reloaded").isEmpty());
    int before = agents.size();
    Eventually.await(h.vertx, 5_000, "traffic on the new rules", () -> agents.size() > before + 20);
    running.set(false);
    traffic.join();
    assertTrue(failures.isEmpty(), failures.toString());
    List<String> seen = List.copyOf(agents);
    assertEquals("big", seen.get(0));
    assertEquals("small", seen.get(seen.size() - 1));
  }

  @Test
  void aBrokenEditIsRejectedAndTheOldRulesStay(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rebound.yaml");
    h = GatewayHarness.start(CONFIG, MockLlmOptions.defaults(), Clock.systemUTC(), file);
    h.writeConfig(file, CONFIG.replace("agents: [big, small]", "agents: [bgi]"));
    Eventually.await(h.vertx, 5_000, "the rejection", () -> !h.events("routes-reload-rejected").isEmpty());
    assertTrue(h.events("routes-reload-rejected").get(0).fields().toString().contains("routes[3].agents[0]: unknown agent 'bgi' (did you mean 'big'?)"),
        h.events("routes-reload-rejected").toString());
    assertEquals("big", h.post("/v1/chat/completions", chat("gpt-4o", "hi")).headers().firstValue("x-rebound-agent").orElseThrow());
  }

  @Test
  void aSessionStaysOnOneAgentOfASplitWhileTheSplitSpreadsOtherTraffic() throws Exception {
    h = GatewayHarness.start(CONFIG);
    Set<String> sessionAgents = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      sessionAgents.add(h.post("/v1/chat/completions", chat("ab-test", "turn " + i), "x-session-id", "affine-1")
          .headers().firstValue("x-rebound-agent").orElseThrow());
    }
    assertEquals(1, sessionAgents.size(), "affinity: " + sessionAgents);
    Set<String> spread = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      spread.add(h.post("/v1/chat/completions", chat("ab-test", "hi")).headers().firstValue("x-rebound-agent").orElseThrow());
    }
    assertEquals(Set.of("big", "small"), spread);
  }

  @Test
  void aSessionWhoseAgentIsRateLimitedIsHandedOffToTheNext() throws Exception {
    h = GatewayHarness.start(CONFIG.replace("routing: { watch: 100ms }", "routing: { watch: 100ms }\nresilience: { waitBudget: 1s }"));
    assertEquals("big", h.post("/v1/chat/completions", chat("gpt-4o", "first"), "x-session-id", "handoff-1")
        .headers().firstValue("x-rebound-agent").orElseThrow());
    h.fault(new JsonObject().put("match", new JsonObject().put("model", "gpt-4o")).put("status", 429)
        .put("headers", new JsonObject().put("retry-after", "30")));
    HttpResponse<String> second = h.post("/v1/chat/completions", chat("gpt-4o", "second"), "x-session-id", "handoff-1");
    assertEquals("small", second.headers().firstValue("x-rebound-agent").orElseThrow());
    assertEquals(1, h.events("handoff").size(), h.events.toString());
    assertEquals("big", h.events("handoff").get(0).fields().get("from"));
  }

  @Test
  void theAdminApiWantsItsTokenWhenOneIsConfigured() throws Exception {
    h = GatewayHarness.start(CONFIG + "admin: { token: s3cret-admin }\n");
    assertEquals(401, h.get("/admin/routes").statusCode());
    assertEquals(401, h.get("/admin/routes", "authorization", "Bearer wrong").statusCode());
    assertEquals(200, h.get("/admin/routes", "authorization", "Bearer s3cret-admin").statusCode());
    assertEquals(200, h.get("/admin/backends", "x-rebound-admin-token", "s3cret-admin").statusCode());
  }
}
