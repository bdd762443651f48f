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
  void theDockerConfigLoadsWithNoEnvironmentSendsNothingToLoopbackAndLogsJson() {
    ReboundConfig c = new ConfigLoader(Map.of()).load(Path.of("../conf/docker.yaml"));
    assertEquals("0.0.0.0", c.server().host());
    assertEquals(8080, c.server().port());
    assertEquals("/app/data", c.store().path());
    assertEquals(LogConfig.Format.JSON, c.log().format());
    assertEquals("", c.admin().token());
    assertTrue(c.tenants().get(0).keys().isEmpty());
    for (BackendConfig b : c.backends()) {
      String host = b.url().getHost();
      assertTrue(!host.startsWith("127.") && !host.equals("localhost"), b.name() + " points inside the container: " + b.url());
      assertEquals("", b.apiKey(), b.name());
    }
    assertEquals("https://api.openai.com", c.backend("openai").orElseThrow().url().toString());
    assertEquals("local-openai.invalid", c.backend("local").orElseThrow().url().getHost(), "a name that never resolves");
    assertEquals("local", c.ruleSet().agent("local").model());
  }

  @Test
  void theDockerConfigTakesBackendsKeysAndTokensFromTheEnvironment() {
    ReboundConfig c = new ConfigLoader(Map.of("OPENAI_API_KEY", "sk-openai", "OPENAI_BASE_URL", "http://gateway.internal:4000/v1",
        "ANTHROPIC_API_KEY", "sk-ant", "LOCAL_OPENAI_URL", "http://ollama:11434", "LOCAL_MODEL", "qwen2.5-coder:32b",
        "LOCAL_CONTEXT_WINDOW", "65536", "REBOUND_KEY", "proxy-key", "REBOUND_ADMIN_TOKEN", "admin-token",
        "REBOUND_PORT", "9090")).load(Path.of("../conf/docker.yaml"));
    assertEquals(9090, c.server().port());
    BackendConfig openai = c.backend("openai").orElseThrow();
    assertEquals("sk-openai", openai.apiKey());
    assertEquals("gateway.internal", openai.url().getHost());
    assertEquals("", openai.basePath(), "an SDK-style base URL's /v1 is not sent twice");
    assertEquals("sk-ant", c.backend("anthropic").orElseThrow().apiKey());
    BackendConfig local = c.backend("local").orElseThrow();
    assertEquals("http://ollama:11434", local.url().toString());
    assertEquals(65536, local.model("qwen2.5-coder:32b").orElseThrow().contextWindow());
    assertEquals("qwen2.5-coder:32b", c.ruleSet().agent("local").model());
    assertEquals(List.of("proxy-key"), c.tenants().get(0).keys());
    assertEquals("admin-token", c.admin().token());
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    ReboundConfig c = new ConfigLoader(Map.of()).parse(MINIMAL, "t.yaml");
    assertEquals("127.0.0.1", c.server().host());
    assertEquals(33554432L, c.server().maxBodyBytes());
    assertEquals(ServerConfig.Transport.AUTO, c.server().transport());
    assertEquals(Duration.ofSeconds(10), c.server().headerTimeout());
    assertEquals(Duration.ofMinutes(5), c.server().idleTimeout());
    assertEquals(10_000, c.server().maxConnections());
    assertEquals(Duration.ofDays(7), c.store().ttl());
    assertEquals(Duration.ofSeconds(1), c.store().userTurnWait());
    assertEquals(3, c.resilience().retry().maxAttempts());
    assertEquals(Duration.ofMillis(100), c.resilience().retry().baseDelay());
    assertEquals(Duration.ofSeconds(120), c.resilience().waitBudget());
    assertEquals(5, c.resilience().breaker().failureThreshold());
    assertEquals(dev.rebound.gateway.config.OnOverflow.TRUNCATE, c.context().onOverflow());
    assertEquals(4096, c.agents().get(0).contextWindow(), "an agent inherits its model's window");
  }

  @Test
  void theLogFormatIsTextUnlessJsonIsAskedForAndAnythingElseNamesItsKeyPath() {
    assertEquals(LogConfig.Format.TEXT, new ConfigLoader(Map.of()).parse(MINIMAL, "t.yaml").log().format());
    assertEquals(LogConfig.Format.JSON,
        new ConfigLoader(Map.of()).parse(MINIMAL + "log: { format: JSON }\n", "t.yaml").log().format());
    assertEquals(List.of("log.format: 'xml' is not one of text, json"), problems(MINIMAL + "log: { format: xml }\n"));
    assertEquals(List.of("log.level: unknown key (known here: format)"), problems(MINIMAL + "log: { level: debug }\n"));
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
        server: { port: 70000, hots: x, transport: uring, headerTimeout: 0s, idleTimeout: soon, maxConnections: 0 }
        store: { type: postgres, ttl: soon, userTurnWait: 2m }
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
        "server.hots: unknown key (known here: headerTimeout, host, idleTimeout, maxBodyBytes, maxConnections, port, shutdownGrace, transport)",
        "server.transport: 'uring' is not one of auto, epoll, nio",
        "server.headerTimeout: '0s' must be more than 0",
        "server.idleTimeout: 'soon' is not a duration (use e.g. 250ms, 30s, 1m30s, 2h, 7d)",
        "server.maxConnections: 0 is out of range (1 to 1000000)",
        "store.type: 'postgres' is not one of embedded, redis",
        "store.ttl: 'soon' is not a duration (use e.g. 250ms, 30s, 1m30s, 2h, 7d)",
        "store.userTurnWait: '2m' is more than 1m (0 stores every user turn before its first upstream attempt)",
        "backends[0].protocol: 'grpc' is not one of openai, anthropic, openai-responses",
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
  void contextPolicyTokenizersPinsAndTheSummarizerAreReadWithRouteAndAgentPolicies() {
    ReboundConfig c = new ConfigLoader(Map.of()).parse("""
        backends:
          - { name: local, protocol: openai, url: "http://127.0.0.1:8000", models: [ { name: m, contextWindow: 4096 } ] }
          - { name: cloud, protocol: openai, url: "https://api.example.com", models: [ { name: m, contextWindow: 4096 } ] }
        agents:
          - { name: a, backend: local, model: m, context: { onOverflow: larger-window } }
          - { name: s, backend: cloud, model: m }
        routes:
          - { name: default, match: {}, agents: [a], context: { onOverflow: summarize } }
        context:
          onOverflow: fail
          keepFirstUserMessage: true
          imageTokens: 800
          pin: [ { role: user, regex: "^TASK:" } ]
          summarizer: { agent: s, maxTokens: 300 }
          tokenizers: [ { models: "m*", encoding: o200k_base, factor: 1.1 } ]
          discoveryRefresh: 30s
        """, "t.yaml");
    assertEquals(OnOverflow.FAIL, c.context().onOverflow());
    assertEquals(OnOverflow.LARGER_WINDOW, c.context().agents().get("a"));
    assertEquals("summarize", c.ruleSet().onOverflow("default"));
    assertTrue(c.context().keepFirstUserMessage());
    assertEquals(800, c.context().imageTokens());
    assertEquals("user", c.context().pin().get(0).role());
    assertEquals("s", c.context().summarizer().agent());
    assertEquals(300, c.context().summarizer().maxTokens());
    assertEquals(new ContextConfig.TokenizerRule("m*", "o200k_base", 1.1), c.context().tokenizers().get(0));
    assertEquals(Duration.ofSeconds(30), c.context().discoveryRefresh());
    assertEquals(BackendConfig.WindowDiscovery.AUTO, c.backend("local").orElseThrow().discover(), "plain http: a local server");
    assertEquals(BackendConfig.WindowDiscovery.OFF, c.backend("cloud").orElseThrow().discover(), "https: a hosted API");
  }

  @Test
  void contextMistakesNameTheirKeyPaths() {
    List<String> p = problems(MINIMAL.replace("agents: [a] }", "agents: [a], context: { onOverflow: shrink } }") + """
        context:
          onOverflow: summarize
          pin: [ { regex: "([" } ]
          summarizer: { agent: nobody }
          tokenizers: [ { models: "x*", encoding: gpt2 } ]
        """);
    String all = String.join("\n", p);
    assertTrue(all.contains("routes[0].context.onOverflow: 'shrink' is not one of truncate, summarize, larger-window, fail"), all);
    assertTrue(all.contains("context.pin[0].regex: '([' is not a regular expression"), all);
    assertTrue(all.contains("context.summarizer.agent: unknown agent 'nobody'"), all);
    assertTrue(all.contains("context.tokenizers[0].encoding: 'gpt2' is not one of"), all);
    List<String> noSummarizer = problems(MINIMAL + "context: { onOverflow: summarize }\n");
    assertTrue(String.join("\n", noSummarizer).contains("context.onOverflow: 'summarize' needs context.summarizer.agent"), noSummarizer.toString());
  }
}
