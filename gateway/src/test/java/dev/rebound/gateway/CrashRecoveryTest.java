package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayProcess;
import dev.rebound.mockllm.MockLlmOptions;
import dev.rebound.mockllm.MockLlmServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as its own process, killed with SIGKILL in the middle of a streamed answer and started again: the
 * session keeps its complete turns and the partial answer, marked partial.
 */
class CrashRecoveryTest {
  final Vertx vertx = Vertx.vertx();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  Process gateway;

  @AfterEach
  void stop() {
    if (gateway != null) gateway.destroyForcibly();
    vertx.close().await();
  }

  HttpResponse<String> call(String method, String url, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("content-type", "application/json");
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonObject session(String base) throws Exception {
    HttpResponse<String> r = call("GET", base + "/admin/sessions/crash-1", null);
    return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
  }

  @Test
  void aGatewayKilledMidStreamKeepsTheCompleteTurnsAndThePartialAnswer(@TempDir Path dir) throws Exception {
    MockLlmServer mock = new MockLlmServer(vertx, MockLlmOptions.defaults());
    int mockPort = mock.start().await();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("rebound.yaml");
    Files.writeString(config, """
        server: { host: 127.0.0.1, port: %d }
        store: { type: embedded, path: "%s" }
        backends:
          - { name: mock, protocol: openai, url: "http://127.0.0.1:%d", models: [ { name: gpt-4o, contextWindow: 128000 } ] }
        agents:
          - { name: assistant, backend: mock, model: gpt-4o }
        routes:
          - { name: default, match: {}, agents: [assistant] }
        """.formatted(port, dir.resolve("data"), mockPort));
    String base = "http://127.0.0.1:" + port;
    Path log = dir.resolve("gateway.log");

    gateway = GatewayProcess.start(config, log);
    GatewayProcess.awaitUp(vertx, base, "the gateway process to answer");
    // on Linux the served process runs on the native epoll transport (server.transport: auto) and says so
    assertTrue(Files.readString(log).contains(", transport epoll)"), Files.readString(log));
    JsonArray history = new JsonArray();
    for (int turn = 1; turn <= 2; turn++) {
      history.add(new JsonObject().put("role", "user").put("content", "turn " + turn));
      HttpResponse<String> r = call("POST", base + "/v1/chat/completions",
          new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", "crash-1");
      assertEquals(200, r.statusCode(), r.body());
      history.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
    }
    history.add(new JsonObject().put("role", "user").put("content", "turn 3, a long one"));
    String third = new JsonObject().put("model", "gpt-4o").put("stream", true).put("messages", history).encode();
    http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions")).header("content-type", "application/json")
        .header("x-session-id", "crash-1").header("x-mock-reply-words", "60").header("x-mock-chunk-delay-ms", "150")
        .POST(HttpRequest.BodyPublishers.ofString(third)).build(), HttpResponse.BodyHandlers.discarding());

    long[] partialSeenAt = {0};
    Eventually.await(vertx, 20_000, "a partial answer in the store", () -> {
      try {
        JsonObject s = session(base);
        boolean partial = s != null && s.getJsonArray("messages").stream().anyMatch(m -> ((JsonObject) m).getBoolean("partial"));
        if (partial && partialSeenAt[0] == 0) partialSeenAt[0] = System.currentTimeMillis();
        // the embedded store writes its file about once a second: give the partial time to reach the disk
        return partialSeenAt[0] > 0 && System.currentTimeMillis() - partialSeenAt[0] > 1500;
      } catch (Exception e) {
        return false;
      }
    });
    gateway.destroyForcibly().waitFor();
    assertFalse(gateway.isAlive());

    gateway = GatewayProcess.start(config, log);
    GatewayProcess.awaitUp(vertx, base, "the restarted gateway to answer");
    JsonObject after = session(base);
    assertTrue(after != null, "the session survived: " + Files.readString(log));
    assertEquals(2, after.getJsonObject("meta").getInteger("turns"));
    JsonArray messages = after.getJsonArray("messages");
    assertEquals(6, messages.size(), messages.encodePrettily());
    for (int i = 0; i < 5; i++) assertFalse(messages.getJsonObject(i).getBoolean("partial"), "message " + i);
    JsonObject partial = messages.getJsonObject(5);
    assertTrue(partial.getBoolean("partial"));
    String text = partial.getJsonObject("message").getString("content");
    assertTrue(text.startsWith("Mock reply to: turn 3"), text);
    assertTrue(text.split(" ").length < 60, "only part of the answer had been streamed: " + text);

    // the client never saw the third answer end: it asks again, and the turn is stored, and numbered, once
    HttpResponse<String> again = call("POST", base + "/v1/chat/completions",
        new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", "crash-1");
    assertEquals(200, again.statusCode(), again.body());
    assertTrue(again.headers().firstValue("x-rebound-session").orElse("").endsWith("turn=3"),
        again.headers().map().toString());
    JsonObject answered = session(base);
    assertEquals(3, answered.getJsonObject("meta").getInteger("turns"));
    assertEquals(6, answered.getJsonArray("messages").size(), "the whole answer took the partial's place");
    assertEquals(java.util.List.of("turn 1", "turn 2", "turn 3"), TurnNumbersTest.completeReasons(answered),
        "one 'turn N complete' per turn after the crash: " + TurnNumbersTest.reasons(answered));
  }
}
