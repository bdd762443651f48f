package dev.rebound.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.routing.Protocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  static final String MINIMAL = """
      backends:
        - { name: local, protocol: openai, url: "http://127.0.0.1:8000", models: [ { name: m, contextWindow: 4096 } ] }
      agents:
        - { name: a, backend: local, model: m }
      routes:
        - { name: default, match: {}, agents: [a] }
      """;

  static List<String> problems(String yaml) {
    return assertThrows(ConfigException.class, () -> new ConfigLoader(Map.of()).parse(yaml, "t.yaml")).problems();
  }

  @Test
  void theShippedReferenceAndDemoConfigsAreValid() {
    ReboundConfig ref = new ConfigLoader(Map.of()).load(Path.of("../conf/rebound.yaml"));
    assertEquals(8080, ref.server().port());
    assertEquals("embedded", ref.store().type());
    assertTrue(ref.tenants().get(0).keys().isEmpty(), "an unset REBOUND_KEY means an open gateway");
    ReboundConfig demo = new ConfigLoader(Map.of()).load(Path.of("../conf/demo.yaml"));
    assertEquals(Protocol.ANTHROPIC, demo.backend("mock-anthropic").orElseThrow().protocol());
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    ReboundConfig c = new ConfigLoader(Map.of()).parse(MINIMAL, "t.yaml");
    assertEquals("127.0.0.1", c.server().host());
    assertEquals(33554432L, c.server().maxBodyBytes());
    assertEquals(Duration.ofDays(7), c.store().ttl());
    assertEquals(3, c.resilience().retry().maxAttempts());
    assertEquals(Duration.ofMillis(100), c.resilience().retry().baseDelay());
    assertEquals(Duration.ofSeconds(120), c.resilience().waitBudget());
    assertEquals(5, c.resilience().breaker().failureThreshold());
    assertEquals("truncate", c.context().onOverflow());
    assertEquals(4096, c.agents().get(0).contextWindow(), "an agent inherits its model's window");
  }

  @Test
  void variablesAreInterpolatedWithDefaults() {
    String yaml = MINIMAL.replace("\"http://127.0.0.1:8000\"", "\"${VLLM_URL:-http://127.0.0.1:9000}\"")
        + "server: { port: \"${PORT}\" }\n";
    ReboundConfig c = new ConfigLoader(Map.of("PORT", "9999")).parse(yaml, "t.yaml");
    assertEquals(9999, c.server().port());
    assertEquals("http://127.0.0.1:9000", c.backends().get(0).url().toString());
    ReboundConfig set = new ConfigLoader(Map.of("PORT", "1", "VLLM_URL", "http://gpu:8000")).parse(yaml, "t.yaml");
    assertEquals("gpu", set.backends().get(0).url().getHost());
  }

  @Test
  void everyProblemIsListedAtOnceWithItsKeyPathAndValue() {
    List<String> p = problems("""
        server: { port: 70000, hots: x }
        store: { type: postgres, ttl: soon }
        backends:
          - { name: local, protocol: grpc, url: "ftp://x", models: [ { name: m, contextWindow: lots } ] }
          - { name: local, protocol: openai, url: "http://h", models: [] }
        agents:
          - { name: coder, backend: locl, model: m }
          - { name: a2, backend: local, model: nope }
        routes:
          - { name: default, match: {}, agents: [codr] }
        resilience: { retry: { jitter: 2 } }
        context: { onOverflow: panic }
        tenants:
          - { name: t1, keys: [k1] }
          - { name: t2, keys: [k1] }
        """);
    for (String expected : List.of(
        "server.port: 70000 is out of range (0 to 65535)",
        "server.hots: unknown key (known here: host, maxBodyBytes, port)",
        "store.type: 'postgres' is not one of embedded, redis",
        "store.ttl: 'soon' is not a duration (use e.g. 250ms, 30s, 1m30s, 2h, 7d)",
        "backends[0].protocol: 'grpc' is not one of openai, anthropic",
        "backends[0].url: 'ftp://x' is not an http:// or https:// URL with a host",
        "backends[0].models[0].contextWindow: 'lots' is not a whole number",
        "backends[1].name: duplicate backend 'local'",
        "backends[1].models: list at least one model this backend serves",
        "agents[0].backend: unknown backend 'locl' (known: local)",
        "resilience.retry.jitter: 2 is out of range (0.0 to 1.0)",
        "context.onOverflow: 'panic' is not one of truncate, summarize, larger-window, fail",
        "tenants[1].keys[0]: this key is already used by tenant 't1'")) {
      assertTrue(p.contains(expected), "missing: " + expected + "\nall:\n" + String.join("\n", p));
    }
    assertTrue(p.stream().anyMatch(s -> s.startsWith("agents[1].model: backend 'local' does not list model 'nope'")), p.toString());
  }

  @Test
  void routeErrorsNameTheAgentPathAndSuggestAFix() {
    List<String> p = problems(MINIMAL.replace("agents: [a]", "agents: [a, b]"));
    assertEquals(List.of("routes[0].agents[1]: unknown agent 'b' (did you mean 'a'?)"), p);
  }

  @Test
  void anUnsetVariableWithoutDefaultIsAProblemAtItsPath() {
    List<String> p = problems(MINIMAL + "admin: { token: \"${ADMIN_TOKEN}\" }\n");
    assertEquals(List.of("admin.token: environment variable ADMIN_TOKEN is not set (write ${ADMIN_TOKEN:-default} to give a default)"), p);
  }

  @Test
  void brokenYamlSaysWhere() {
    List<String> p = problems("server: { port: 1\nbackends: [");
    assertEquals(1, p.size());
    assertTrue(p.get(0).startsWith("line "), p.get(0));
  }

  @Test
  void durationsReadTheWaysPeopleAndProvidersWriteThem() {
    assertEquals(Duration.ofMillis(100), DurationText.parse("100ms"));
    assertEquals(Duration.ofSeconds(90), DurationText.parse("1m30s"));
    assertEquals(Duration.ofMillis(18_642), DurationText.parse("18.642s"));
    assertEquals(Duration.ofDays(7), DurationText.parse("7d"));
    assertEquals(Duration.ofSeconds(30), DurationText.parse("30"));
    assertEquals("1m30s", DurationText.format(Duration.ofSeconds(90)));
    assertEquals("1.5s", DurationText.format(Duration.ofMillis(1500)));
    assertThrows(IllegalArgumentException.class, () -> DurationText.parse("5 minutes"));
  }
}
