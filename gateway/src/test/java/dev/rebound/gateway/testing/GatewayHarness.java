package dev.rebound.gateway.testing;

import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.config.ServerConfig;
import dev.rebound.gateway.events.EventSink;
import dev.rebound.gateway.events.GatewayEvent;
import dev.rebound.gateway.http.GatewayServer;
import dev.rebound.gateway.http.NetworkTransport;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real mock-llm and a real gateway in front of it, both on free ports, for tests that go through sockets.
 * The gateway config is YAML in which ${MOCK_URL} is the mock's base URL.
 */
public final class GatewayHarness implements AutoCloseable {
  public static final String DEFAULT_CONFIG = """
      server: { host: 127.0.0.1, port: 0, maxBodyBytes: 65536 }
      backends:
        - name: mock-openai
          protocol: openai
          url: ${MOCK_URL}
          apiKey: upstream-openai-key-1234
          timeouts: { connect: 2s, firstByte: 5s, idle: 5s, total: 60s }
          models: [ { name: gpt-4o, contextWindow: 128000 }, { name: mock-small, contextWindow: 4096 } ]
        - name: mock-anthropic
          protocol: anthropic
          url: ${MOCK_URL}
          apiKey: upstream-anthropic-key-5678
          models: [ { name: claude-sonnet-4-5, contextWindow: 200000 } ]
        - name: byok-anthropic
          protocol: anthropic
          url: ${MOCK_URL}
          passClientKey: true
          models: [ { name: claude-byok, contextWindow: 200000 } ]
      agents:
        - { name: assistant, backend: mock-openai, model: gpt-4o, capabilities: [chat] }
        - { name: small, backend: mock-openai, model: mock-small, capabilities: [chat] }
        - { name: claude, backend: mock-anthropic, model: claude-sonnet-4-5, capabilities: [code] }
        - { name: byok, backend: byok-anthropic, model: claude-byok, capabilities: [code] }
      routes:
        - { name: claude-family, match: { model: "claude-sonnet-*", protocol: anthropic }, agents: [claude] }
        - { name: gpt-family, match: { model: "gpt-*" }, agents: [assistant] }
      # short backoffs keep tests quick; breakers get their own test
      resilience: { retry: { baseDelay: 10ms }, breaker: { failureThreshold: 1000 } }
      """;

  public final Vertx vertx;
  public final MockLlmServer mock;
  public final GatewayServer gateway;
  public final ReboundConfig config;
  public final int mockPort;
  public final int port;
  public final List<GatewayEvent> events = new CopyOnWriteArrayList<>();
  public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** What /metrics serves: the gateway's meters and, through this Vert.x, its HTTP server, client and JVM meters. */
  public final PrometheusMeterRegistry registry;

  private GatewayHarness(Vertx vertx, PrometheusMeterRegistry registry, MockLlmServer mock, int mockPort, String yaml,
      Clock clock, java.nio.file.Path file) {
    this.registry = registry;
    this.vertx = vertx;
    this.mock = mock;
    this.mockPort = mockPort;
    EventSink sink = events::add;
    if (file == null) {
      this.config = new ConfigLoader(Map.of("MOCK_URL", mockUrl())).parse(yaml, "test config");
    } else {
      // a watched file is re-read with the real environment, so the mock's address is written into it
      writeConfig(file, yaml);
      this.config = ConfigLoader.fromEnvironment().load(file);
    }
    this.gateway = new GatewayServer(vertx, config, sink, clock, file, registry);
    this.port = gateway.start().await();
  }

  public static GatewayHarness start() {
    return start(DEFAULT_CONFIG);
  }

  public static GatewayHarness start(String yaml) {
    return start(yaml, MockLlmOptions.defaults());
  }

  public static GatewayHarness start(String yaml, MockLlmOptions mockOptions) {
    return start(yaml, mockOptions, Clock.systemUTC());
  }

  public static GatewayHarness start(String yaml, MockLlmOptions mockOptions, Clock clock) {
    return start(yaml, mockOptions, clock, null);
  }

  /** With {@code file}, the config is written there and the gateway watches it for route changes. */
  public static GatewayHarness start(String yaml, MockLlmOptions mockOptions, Clock clock, java.nio.file.Path file) {
    if (!yaml.contains("\nstore:") && !yaml.startsWith("store:")) {
      // every harness gets its own embedded store, so tests never share session files
      yaml = yaml + "\nstore: { type: embedded, path: \"" + tempDir() + "\" }\n";
    }
    // the transport the gateway uses by default (epoll on Linux), reporting its meters as `serve` does; Vert.x's HTTP
    // meters are chosen when Vert.x is built, before the gateway reads its config, so the harness looks for the key
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = NetworkTransport.vertx(NetworkTransport.resolve(ServerConfig.Transport.AUTO), registry,
        yaml.contains("httpMeters: true"));
    MockLlmServer mock = new MockLlmServer(vertx, mockOptions.withPort(0));
    int mockPort = mock.start().await();
    return new GatewayHarness(vertx, registry, mock, mockPort, yaml, clock, file);
  }

  private static String tempDir() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("rebound-store-");
      dir.toFile().deleteOnExit();
      return dir.toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public void writeConfig(java.nio.file.Path file, String yaml) {
    try {
      java.nio.file.Files.writeString(file, yaml.replace("${MOCK_URL}", mockUrl()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public void fault(JsonObject fault) {
    mock.addFaults(new JsonArray().add(fault));
  }

  /** Events of one type, in order. */
  public List<GatewayEvent> events(String type) {
    return events.stream().filter(e -> e.type().id().equals(type)).toList();
  }

  public String base() {
    return "http://127.0.0.1:" + port;
  }

  public String mockUrl() {
    return "http://127.0.0.1:" + mockPort;
  }

  /** What the upstream received, oldest first: model calls only, not the gateway's window discovery. */
  public JsonArray upstreamRequests() {
    JsonArray calls = new JsonArray();
    for (Object o : mock.requests()) {
      JsonObject q = (JsonObject) o;
      if (!DISCOVERY.contains(q.getString("method") + " " + q.getString("path"))) calls.add(q);
    }
    return calls;
  }

  private static final java.util.Set<String> DISCOVERY = java.util.Set.of("GET /v1/models", "GET /props", "POST /api/show", "GET /info");

  public JsonObject lastUpstreamRequest() {
    JsonArray all = upstreamRequests();
    return all.isEmpty() ? null : all.getJsonObject(all.size() - 1);
  }

  public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
      typed |= headers[i].equalsIgnoreCase("content-type");
    }
    if (!typed) b.header("content-type", "application/json");
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).GET();
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    try {
      gateway.stop().await();
    } finally {
      vertx.close().await();
    }
  }
}
