package dev.rebound.gateway.cli;

import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.config.ServerConfig;
import dev.rebound.gateway.events.LogEventSink;
import dev.rebound.gateway.http.GatewayServer;
import dev.rebound.gateway.http.NetworkTransport;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** One process: mock-llm on a free port plus the gateway in front of it, and curl commands to try. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start mock-llm and the gateway in one process (no Redis, no API keys) and print commands to try.")
final class DemoCommand implements Callable<Integer> {
  /** Any request whose body contains this word gets a scripted 429 from the mock. */
  static final String RATE_LIMIT_WORD = "simulate-429";

  @Option(names = "--port", defaultValue = "8080", description = "Gateway port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--store-path", paramLabel = "DIR",
      description = "Keep the demo's session store here (default: store.path of the demo config, ./data/demo).")
  String storePath;

  @Option(names = {"-c", "--config"}, description = "Gateway config (default: conf/demo.yaml, else the copy in the jar).")
  Path config;

  @Override
  public Integer call() throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = NetworkTransport.vertx(NetworkTransport.resolve(ServerConfig.Transport.AUTO), registry);
    try {
      MockLlmServer mock = new MockLlmServer(vertx, MockLlmOptions.defaults().withPort(0).withChunkDelayMs(50));
      int mockPort = mock.start().await();
      // the primary agent's model always answers this prompt with a 429; the fallback agent's model does not
      mock.addFaults(new JsonArray().add(new JsonObject()
          .put("match", new JsonObject().put("contains", RATE_LIMIT_WORD).put("model", "gpt-4o"))
          .put("times", -1)
          .put("status", 429)
          .put("headers", new JsonObject().put("retry-after", "1"))));
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("REBOUND_DEMO_MOCK_URL", "http://127.0.0.1:" + mockPort);
      ReboundConfig cfg = new ConfigLoader(env).parse(demoConfigText(), config == null ? "conf/demo.yaml" : config.toString());
      cfg = cfg.withServer(cfg.server().withPort(port));
      if (storePath != null) cfg = cfg.withStore(cfg.store().withPath(storePath));
      ConsoleLog.useFormat(cfg.log().format());
      int bound = new GatewayServer(vertx, cfg, new LogEventSink(), Clock.systemUTC(), null, registry).start().await();
      System.out.println(instructions(cfg.server().host(), bound, mockPort));
      return 0;
    } catch (RuntimeException e) {
      System.err.println("Cannot start the demo: " + e.getMessage());
      vertx.close();
      return 1;
    }
  }

  private String demoConfigText() throws IOException {
    if (config != null) return Files.readString(config);
    Path local = Path.of("conf", "demo.yaml");
    if (Files.isRegularFile(local)) return Files.readString(local);
    try (InputStream in = DemoCommand.class.getResourceAsStream("/conf/demo.yaml")) {
      if (in == null) throw new IOException("conf/demo.yaml is missing from the jar");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String instructions(String host, int port, int mockPort) {
    String base = "http://" + host + ":" + port;
    return String.join("\n",
        "",
        "Rebound demo is up: gateway " + base + "  ->  mock-llm http://127.0.0.1:" + mockPort,
        "",
        "   " + base + "/ui               the page for people: sessions, checkpoints, backends, routes",
        "   " + base + "/metrics          Prometheus metrics",
        "   " + base + "/admin/sessions   the admin API (JSON; " + base + "/ lists every endpoint)",
        "   Sessions: point a client at " + base + "/s/<id>/v1 (OpenAI SDKs; " + base + "/s/<id> for Anthropic),",
        "   or send the header X-Session-Id: <id>; each turn is checkpointed and shown on /ui.",
        "",
        "1. A chat completion:",
        "   curl -s " + base + "/v1/chat/completions -H 'content-type: application/json' \\",
        "     -d '{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}'",
        "",
        "2. The same, streamed (watch the chunks arrive):",
        "   curl -sN " + base + "/v1/chat/completions -H 'content-type: application/json' \\",
        "     -d '{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}'",
        "",
        "3. A request the first agent always answers with a 429 (retry-after: 1): Rebound waits as told, retries,",
        "   then falls back to the second agent; the x-rebound-* headers say what happened:",
        "   curl -si " + base + "/v1/chat/completions -H 'content-type: application/json' \\",
        "     -d '{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + RATE_LIMIT_WORD + "\"}]}'",
        "",
        "Anthropic clients use the same address:",
        "   curl -s " + base + "/v1/messages -H 'content-type: application/json' -H 'anthropic-version: 2023-06-01' \\",
        "     -d '{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'",
        "",
        "Ctrl-C stops it.");
  }
}
