package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.Eventually;
import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Turn numbers stay consistent where a client does not simply go on: a turn asked again after the client lost its
 * answer (it left mid-stream, as after a crash) is one turn with one "turn N complete", and after a divergence (a fork)
 * the session numbers its turns by the history the client sent. On the embedded store and on Redis.
 */
class TurnNumbersTest {
  final Vertx poller = Vertx.vertx();
  Process redis;
  GatewayHarness h;

  @AfterEach
  void stop() {
    if (h != null) h.close();
    if (redis != null) redis.destroyForcibly();
    poller.close().await();
  }

  void start(String store, Path dir) throws Exception {
    if (store.equals("redis")) {
      int port = TestRedis.freePort();
      redis = TestRedis.start(poller, port, dir, false);
      h = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(),
          Clock.systemUTC());
    } else {
      h = GatewayHarness.start();
    }
  }

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"embedded", "redis"})
  void aTurnAskedAgainAfterTheClientLeftMidStreamIsCompleteOnce(String store, @TempDir Path dir) throws Exception {
    start(store, dir);
    JsonArray history = new JsonArray();
    turns("cut-" + store, history, 2);
    history.add(new JsonObject().put("role", "user").put("content", "message 3, a long answer"));
    // the client reads the first bytes of the answer and goes away, as a client whose gateway was killed does
    String body = new JsonObject().put("model", "gpt-4o").put("stream", true).put("messages", history).encode();
    try (Socket client = new Socket("127.0.0.1", h.port)) {
      OutputStream out = client.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
          + "x-session-id: cut-" + store + "\r\nx-mock-reply-words: 60\r\nx-mock-chunk-delay-ms: 30\r\n"
          + "content-length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
          .getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = client.getInputStream();
      byte[] head = new byte[512];
      int read = 0;
      while (read < 200) {
        int n = in.read(head, read, head.length - read);
        if (n < 0) break;
        read += n;
      }
      assertTrue(new String(head, 0, read, StandardCharsets.UTF_8).startsWith("HTTP/1.1 200"));
    }
    // what the gateway kept of the answer the client lost: partial or whole
    Eventually.await(poller, 10_000, "the third answer (or part of it) stored", () -> {
      try {
        JsonArray messages = session("cut-" + store).getJsonArray("messages");
        return messages.size() == 6 && !"partial".equals(session("cut-" + store).getJsonObject("meta").getString("status"));
      } catch (Exception e) {
        return false;
      }
    });

    // the client asks the third question again, then goes on
    HttpResponse<String> again = h.post("/v1/chat/completions",
        new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", "cut-" + store);
    assertEquals(200, again.statusCode(), again.body());
    history.add(new JsonObject(again.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
    turns("cut-" + store, history, 1);

    JsonObject s = session("cut-" + store);
    assertEquals(8, s.getJsonArray("messages").size(), s.getJsonArray("messages").encodePrettily());
    assertEquals(4, s.getJsonObject("meta").getInteger("turns"));
    assertEquals(numbered(4), completeReasons(s), "one 'turn N complete' per turn: " + reasons(s));
    assertTrue(h.events("fork").isEmpty(), h.events("fork").toString());
  }

  @ParameterizedTest(name = "{0} store")
  @ValueSource(strings = {"embedded", "redis"})
  void afterADivergenceTheSessionNumbersItsTurnsByTheHistoryTheClientSent(String store, @TempDir Path dir)
      throws Exception {
    start(store, dir);
    String id = "edit-" + store;
    JsonArray history = new JsonArray();
    turns(id, history, 3);
    // the client edits its second question and goes on from there: the stored history is kept as a fork
    JsonArray edited = new JsonArray(history.getList().subList(0, 2));
    edited.add(new JsonObject().put("role", "user").put("content", "message 2, edited"));
    HttpResponse<String> r = h.post("/v1/chat/completions",
        new JsonObject().put("model", "gpt-4o").put("messages", edited).encode(), "x-session-id", id);
    assertEquals(200, r.statusCode(), r.body());
    edited.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
    turns(id, edited, 1);

    assertEquals(1, h.events("fork").size(), h.events("fork").toString());
    JsonObject s = session(id);
    assertEquals(3, s.getJsonObject("meta").getInteger("turns"), "the turns of the history the client sent");
    assertEquals(List.of("turn 1", "turn 2", "turn 3", "turn 2", "turn 3"), completeReasons(s),
        "the session keeps its checkpoints; turn 2 and 3 again, once each, of the edited history: " + reasons(s));
    List<JsonObject> cps = s.getJsonArray("checkpoints").stream().map(JsonObject.class::cast).toList();
    JsonObject diverged = cps.stream().filter(c -> "DIVERGED".equals(c.getString("kind"))).findFirst()
        .orElseThrow(() -> new AssertionError("a DIVERGED checkpoint: " + reasons(s)));
    for (JsonObject c : cps) {
      if (c.getInteger("seq") < diverged.getInteger("seq")) {
        assertEquals(diverged.getInteger("seq"), c.getInteger("supersededBy"), "superseded by the divergence: " + c);
      } else {
        assertFalse(c.containsKey("supersededBy"), c.encode());
      }
    }
    JsonObject before = new JsonObject(h.get("/admin/sessions/" + id + "/checkpoints/" + diverged.getInteger("seq")).body());
    assertEquals(6, before.getJsonArray("context").size(),
        "the DIVERGED checkpoint's context is the whole history before: " + before);
    String fork = (String) h.events("fork").get(0).fields().get("fork");
    JsonObject kept = session(fork);
    assertTrue(s.getJsonObject("meta").getLong("tokens") > kept.getJsonObject("meta").getLong("tokens"),
        "the tokens spent before the edit still count in the session, with those after: " + s.getJsonObject("meta")
        + " against the fork's " + kept.getJsonObject("meta"));
    assertEquals(6, kept.getJsonArray("messages").size(), "the history before the edit, whole");
    assertFalse(completeReasons(kept).size() > 1, "the fork holds one copied checkpoint: " + reasons(kept));
  }

  void turns(String session, JsonArray history, int n) throws Exception {
    for (int i = 1; i <= n; i++) {
      history.add(new JsonObject().put("role", "user").put("content", "message " + (history.size() / 2 + 1)));
      HttpResponse<String> r = h.post("/v1/chat/completions",
          new JsonObject().put("model", "gpt-4o").put("messages", history).encode(), "x-session-id", session);
      assertEquals(200, r.statusCode(), r.body());
      history.add(new JsonObject(r.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message"));
    }
  }

  static List<String> numbered(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> "turn " + i).toList();
  }

  static List<String> reasons(JsonObject session) {
    return session.getJsonArray("checkpoints").stream().map(JsonObject.class::cast).map(c -> c.getString("reason")).toList();
  }

  /** "turn N" of each "turn N complete" checkpoint, in order. */
  static List<String> completeReasons(JsonObject session) {
    return reasons(session).stream().filter(r -> r.matches("turn \\d+ complete.*"))
        .map(r -> r.substring(0, r.indexOf(" complete"))).toList();
  }

  JsonObject session(String id) throws Exception {
    HttpResponse<String> r = h.get("/admin/sessions/" + id);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }
}
