package dev.rebound.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.http.GatewayServer;
import dev.rebound.gateway.http.StartupException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a person sees when a gateway starts: where it is, what is exposed, and why it could not start. */
class StartupMessagesTest {
  private static final String BACKENDS = """
      backends: [ { name: b, protocol: openai, url: "http://127.0.0.1:9", discoverWindow: off, models: [ { name: m, contextWindow: 1000 } ] } ]
      agents: [ { name: a, backend: b, model: m } ]
      routes: [ { name: all, match: {}, agents: [a] } ]
      """;

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private GatewayServer gateway(String host, int port, Path store, String extra) {
    ReboundConfig config = new ConfigLoader(Map.of()).parse("server: { host: " + host + ", port: " + port + " }\n"
        + "store: { type: embedded, path: \"" + store + "\" }\n" + BACKENDS + extra, "test config");
    return new GatewayServer(vertx, config, e -> {}, Clock.systemUTC(), null);
  }

  private static Throwable failureOf(Future<?> start) {
    return start.transform(ar -> Future.succeededFuture(ar.cause())).toCompletionStage().toCompletableFuture()
        .orTimeout(20, TimeUnit.SECONDS).join();
  }

  @Test
  void aSecondGatewayOnTheSamePortNamesTheAddressAndSaysToUsePort() {
    int port = gateway("127.0.0.1", 0, dir.resolve("one"), "").start().await();
    Throwable failure = failureOf(gateway("127.0.0.1", port, dir.resolve("two"), "").start());
    assertInstanceOf(StartupException.class, failure);
    assertEquals("cannot listen on 127.0.0.1:" + port + ": the address is already in use (another Rebound, or another"
        + " server, listens there). Use --port to choose another port (or server.port in the config).", failure.getMessage());
  }

  @Test
  void aSecondGatewayOnTheSameStoreSaysAnotherProcessHoldsItAndHowToChooseAnother() {
    Path store = dir.resolve("store");
    gateway("127.0.0.1", 0, store, "").start().await();
    Throwable failure = failureOf(gateway("127.0.0.1", 0, store, "").start());
    assertInstanceOf(StartupException.class, failure);
    assertEquals("another Rebound process holds the session store at " + store.toAbsolutePath() + ". Stop that process,"
        + " or give this one a store of its own: set store.path in the config, or pass --store-path DIR.",
        failure.getMessage());
  }

  @Test
  void serveOnAPortInUseSaysSoInOneLineAndExitsNonZero() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      CheckConfigCommandTest.Run r = CheckConfigCommandTest.run("serve", "--config", "../conf/demo.yaml",
          "--port", String.valueOf(taken.getLocalPort()), "--store-path", dir.resolve("serve").toString());
      assertEquals(1, r.code(), r.out());
      assertTrue(r.err().contains("Cannot start: cannot listen on 127.0.0.1:" + taken.getLocalPort()
          + ": the address is already in use"), r.err());
      assertTrue(r.err().contains("Use --port"), r.err());
      assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }
  }

  @Test
  void serveOnAStoreAnotherGatewayHoldsNamesThePathAndTheFlag() {
    Path store = dir.resolve("held");
    gateway("127.0.0.1", 0, store, "").start().await();
    CheckConfigCommandTest.Run r = CheckConfigCommandTest.run("serve", "--config", "../conf/demo.yaml", "--port", "0",
        "--store-path", store.toString());
    assertEquals(1, r.code(), r.out());
    assertEquals("Cannot start: another Rebound process holds the session store at " + store.toAbsolutePath()
        + ". Stop that process, or give this one a store of its own: set store.path in the config, or pass"
        + " --store-path DIR.", r.err().strip());
  }

  @Test
  void listeningBeyondLoopbackWithoutProxyKeysOrAdminTokenIsWarnedAboutAtStartup() {
    List<LogRecord> open = startupLog("0.0.0.0", "");
    assertEquals(2, open.size(), open.toString());
    assertTrue(open.stream().allMatch(r -> r.getLevel() == Level.WARNING));
    assertTrue(open.get(0).getMessage().startsWith("listening on 0.0.0.0:") && open.get(0).getMessage()
        .contains("beyond loopback, with no proxy keys"), open.get(0).getMessage());
    assertTrue(open.get(1).getMessage().contains("with no admin token") && open.get(1).getMessage().contains("admin.token"),
        open.get(1).getMessage());

    assertEquals(List.of(), startupLog("0.0.0.0", "tenants: [ { name: t, keys: [k1] } ]\nadmin: { token: tok }\n"));
    assertEquals(List.of(), startupLog("127.0.0.1", ""), "loopback only: nothing to warn about");
  }

  private List<LogRecord> startupLog(String host, String extra) {
    List<LogRecord> seen = new ArrayList<>();
    Handler capture = new Handler() {
      @Override public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) seen.add(r);
      }
      @Override public void flush() {}
      @Override public void close() {}
    };
    Logger log = Logger.getLogger(GatewayServer.class.getName());
    log.addHandler(capture);
    try {
      GatewayServer g = gateway(host, 0, dir.resolve("s" + System.nanoTime()), extra);
      g.start().await();
      g.stop().await();
    } finally {
      log.removeHandler(capture);
    }
    return seen;
  }

  @Test
  void theRootAnswersAJsonIndexOfTheEndpointsWithTheUiForPeople() throws Exception {
    int port = gateway("127.0.0.1", 0, dir.resolve("index"), "").start().await();
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
    JsonObject index = new JsonObject(r.body());
    assertEquals("/ui", index.getString("ui"));
    JsonArray endpoints = index.getJsonArray("endpoints");
    List<String> paths = endpoints.stream().map(e -> ((JsonObject) e).getString("path")).toList();
    assertTrue(paths.containsAll(List.of("/ui", "/v1/chat/completions", "/v1/messages", "/metrics", "/admin/sessions",
        "/health")), paths.toString());
    assertTrue(index.getString("sessions").contains("/s/<id>/v1") && index.getString("sessions").contains("X-Session-Id"),
        index.getString("sessions"));
  }

  @Test
  void theDemoBannerNamesThePageMetricsAdminApiAndHowToBindASession() {
    String text = DemoCommand.instructions("127.0.0.1", 8080, 8081);
    assertTrue(text.contains("http://127.0.0.1:8080/ui "), text);
    assertTrue(text.contains("http://127.0.0.1:8080/metrics "), text);
    assertTrue(text.contains("http://127.0.0.1:8080/admin/sessions "), text);
    assertTrue(text.contains("http://127.0.0.1:8080/s/<id>/v1") && text.contains("X-Session-Id: <id>"), text);
    assertTrue(text.strip().endsWith("Ctrl-C stops it."), text);
  }
}
