package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import dev.rebound.gateway.testing.TestRedis;
import dev.rebound.mockllm.MockLlmOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every parameter the admin API reads is checked: a bad one is a 400 (an unknown tenant a 404) naming it, never a 5xx. */
class AdminBadInputTest {
  static GatewayHarness h;

  @BeforeAll
  static void start() throws Exception {
    h = GatewayHarness.start();
    turn(h, "adm-1");
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static void turn(GatewayHarness g, String session) throws Exception {
    HttpResponse<String> r = g.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}", "x-session-id", session);
    assertEquals(200, r.statusCode(), r.body());
  }

  static HttpResponse<String> send(GatewayHarness g, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.base() + path)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return g.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The admin API's error: {"error":{"message"}} with this status; returns the message. */
  static String error(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.request().method() + " " + r.request().uri() + ": " + r.body());
    return new JsonObject(r.body()).getJsonObject("error").getString("message");
  }

  static void rejected(String method, String path, String body, int status, String names) throws Exception {
    String message = error(send(h, method, path, body), status);
    assertTrue(message.contains(names), path + " " + body + ": " + message);
  }

  @Test
  void checkpointNumbersInTheBodyMustBeWholeJsonNumbers() throws Exception {
    for (String v : new String[] {"\"2\"", "2.5", "0", "-1", "1e40", "true", "[]", "{}", "null", "99999999999"}) {
      rejected("POST", "/admin/sessions/adm-1/restore", "{\"checkpoint\":" + v + "}", 400, "checkpoint");
      rejected("POST", "/admin/sessions/adm-1/fork", "{\"fromCheckpoint\":" + v + "}", 400, "fromCheckpoint");
    }
    assertTrue(error(send(h, "POST", "/admin/sessions/adm-1/restore", "{\"checkpoint\":2.5}"), 400)
        .startsWith("checkpoint must be a checkpoint seq: an integer from 1 to 2147483647, but was '2.5'"));
    rejected("POST", "/admin/sessions/adm-1/restore", "[1]", 400, "JSON object");
    rejected("POST", "/admin/sessions/adm-1/restore", "{\"checkpoint\":", 400, "JSON object");
    rejected("POST", "/admin/sessions/adm-1/fork", "{\"fromCheckpoint\":1,\"newId\":5}", 400, "newId");
    rejected("POST", "/admin/sessions/adm-1/fork", "{\"fromCheckpoint\":1,\"newId\":\"no spaces\"}", 400, "newId");
    rejected("POST", "/admin/sessions/adm-1/checkpoints", "{\"label\":5}", 400, "label");
    rejected("POST", "/admin/sessions/adm-1/checkpoints", "{\"label\":\"" + "x".repeat(300) + "\"}", 400, "label");
    // a whole number written as a decimal is that number
    assertEquals(200, send(h, "POST", "/admin/sessions/adm-1/restore", "{\"checkpoint\":1.0}").statusCode());
  }

  @Test
  void aSessionIdTheStoreCannotHoldIsA400NamingIt() throws Exception {
    String longId = "a".repeat(200);
    rejected("POST", "/admin/sessions/" + longId + "/restore", "{\"checkpoint\":\"1\"}", 400, "session id");
    rejected("POST", "/admin/sessions/" + longId + "/restore", "{\"checkpoint\":1}", 400, "session id");
    rejected("GET", "/admin/sessions/" + longId + "/events", null, 400, "session id");
    rejected("GET", "/admin/sessions/a%00b", null, 400, "session id");
    rejected("DELETE", "/admin/sessions/a%20b", null, 400, "session id");
  }

  @Test
  void aTenantThatIsNoNameIsA400AndOneNotConfiguredIsA404() throws Exception {
    for (String path : new String[] {"/admin/sessions", "/admin/sessions/adm-1", "/admin/sessions/adm-1/events"}) {
      for (String t : new String[] {"..%2Fx", "%00", "", "a%20b", "x".repeat(65)}) {
        rejected("GET", path + "?tenant=" + t, null, 400, "tenant must be a tenant name");
      }
      String unknown = error(send(h, "GET", path + "?tenant=nosuch", null), 404);
      assertTrue(unknown.contains("'nosuch'") && unknown.contains("default"), unknown);
    }
    rejected("POST", "/admin/routes/explain?tenant=..%2Fx", "{\"model\":\"gpt-4o\"}", 400, "tenant");
    assertEquals(200, send(h, "GET", "/admin/sessions?tenant=default", null).statusCode());
  }

  @Test
  void queryNumbersAndFlagsOutOfRangeAreA400NamingThem() throws Exception {
    for (String q : new String[] {"limit=abc", "limit=0", "limit=501", "limit=-5", "offset=-1", "offset=x", "offset=1e3"}) {
      rejected("GET", "/admin/sessions?" + q, null, 400, q.substring(0, q.indexOf('=')) + " must be");
    }
    for (String q : new String[] {"limit=abc", "limit=1001", "follow=maybe", "after=x", "after=-1", "after=1-2-3",
        "after=%00", "after=99999999999999999999"}) {
      rejected("GET", "/admin/sessions/adm-1/events?" + q, null, 400, q.substring(0, q.indexOf('=')) + " must be");
    }
    rejected("POST", "/admin/routes/explain?protocol=x", "{\"model\":\"gpt-4o\"}", 400, "protocol must be one of openai, anthropic, openai-responses");
  }

  @Test
  void aMissingCheckpointSaysTheCheckpointIsMissingNotTheSession() throws Exception {
    String message = error(send(h, "GET", "/admin/sessions/adm-1/checkpoints/999", null), 404);
    assertTrue(message.contains("checkpoint #999"), message);
    for (String seq : new String[] {"abc", "0", "-1", "99999999999", "1.5"}) {
      rejected("GET", "/admin/sessions/adm-1/checkpoints/" + seq, null, 400, "seq must be a checkpoint number");
    }
    assertTrue(error(send(h, "GET", "/admin/sessions/nobody/checkpoints/1", null), 404).contains("No session 'nobody'"));
  }

  @Test
  void explainTakesAnyJsonObjectWithAModel() throws Exception {
    HttpResponse<String> r = send(h, "POST", "/admin/routes/explain", "{\"model\":\"gpt-4o\",\"messages\":{\"a\":1},\"tools\":7}");
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void eventCursorsAreCheckedByTheStoreThatGaveThemOut() throws Exception {
    // the embedded store's ids are numbers; a Redis stream id is not one of its ids
    JsonArray events = new JsonObject(send(h, "GET", "/admin/sessions/adm-1/events", null).body()).getJsonArray("events");
    String first = events.getJsonObject(0).getString("id");
    HttpResponse<String> after = send(h, "GET", "/admin/sessions/adm-1/events?after=" + first, null);
    assertEquals(events.size() - 1, new JsonObject(after.body()).getJsonArray("events").size(), after.body());
    assertTrue(error(send(h, "GET", "/admin/sessions/adm-1/events?after=1-2", null), 400).contains("invalid event id '1-2'"));
    assertEquals(200, h.get("/health").statusCode());
  }

  @Test
  void onRedisABadEventCursorIsA400NotTheStoresOwnError(@TempDir Path dir) throws Exception {
    Vertx poller = Vertx.vertx();
    Process redis = null;
    GatewayHarness g = null;
    try {
      int port = TestRedis.freePort();
      redis = TestRedis.start(poller, port, dir, false);
      g = GatewayHarness.start(GatewayHarness.DEFAULT_CONFIG + TestRedis.storeConfig(port), MockLlmOptions.defaults(),
          Clock.systemUTC());
      turn(g, "adm-r");
      JsonArray events = new JsonObject(send(g, "GET", "/admin/sessions/adm-r/events", null).body()).getJsonArray("events");
      String first = events.getJsonObject(0).getString("id");
      assertTrue(first.contains("-"), "a stream id: " + first);
      HttpResponse<String> after = send(g, "GET", "/admin/sessions/adm-r/events?after=" + first, null);
      assertEquals(events.size() - 1, new JsonObject(after.body()).getJsonArray("events").size(), after.body());
      assertEquals(200, send(g, "GET", "/admin/sessions/adm-r/events?after=0", null).statusCode());
      for (String bad : new String[] {"x", "1-x", "-", "99999999999999999999-1"}) {
        String message = error(send(g, "GET", "/admin/sessions/adm-r/events?after=" + bad, null), 400);
        assertTrue(message.startsWith("after must be an event id"), message);
      }
      assertEquals(404, send(g, "GET", "/admin/sessions?tenant=elsewhere", null).statusCode());
      assertEquals(200, g.get("/health").statusCode());
    } finally {
      if (g != null) g.close();
      if (redis != null) redis.destroyForcibly();
      poller.close().await();
    }
  }
}
